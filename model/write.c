/*
** write.c — safe file replacement: write a temporary file beside the target,
** fsync it, keep the original as .bak the first time, rename over the target,
** fsync the folder. A reader sees either the old file or the new one, whole.
*/
#include "write.h"
#include "onnx_pb.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const void *data, size_t n) {
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The mode a new file gets. umask can only be read by setting it, so this
** briefly sets 0: call it from one thread at a time. */
static mode_t default_mode(void) {
    mode_t mask = umask(0);
    umask(mask);
    return 0666 & ~mask;
}

static void sync_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Creates a fully written, synced file at tmp-in-dir; returns its name. */
static char *write_temp(const char *target, const char *shown, const void *data, size_t n,
                        mode_t mode, lp_error *err) {
    char *copy = lp_xstrdup(target);
    char *copy2 = lp_xstrdup(target);
    size_t len = strlen(target) + 16;
    char *tmp = lp_xmalloc(len);
    snprintf(tmp, len, "%s/.%s.XXXXXX", dirname(copy), basename(copy2));
    free(copy);
    free(copy2);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        lp_fail(err, LP_EFAIL, "%s: cannot create a temporary file beside it: %s", shown,
                strerror(errno));
        free(tmp);
        return NULL;
    }
    int bad = write_all(fd, data, n) || fchmod(fd, mode) || fsync(fd);
    int saved = errno;
    if (close(fd) != 0 && !bad) bad = 1, saved = errno;
    if (bad) {
        lp_fail(err, LP_EFAIL, "%s: cannot write: %s", shown, strerror(saved));
        unlink(tmp);
        free(tmp);
        return NULL;
    }
    return tmp;
}

/* Keeps target as bak: a hard link when the file system allows, else a copy
** (itself written safely). */
static int make_backup(const char *target, const char *bak, const char *shown, mode_t mode,
                       lp_error *err) {
    if (link(target, bak) == 0) return LP_OK;
    uint8_t *data;
    size_t n;
    lp_error e2;
    if (lp_read_file(target, LP_MAX_FILE_BYTES, &data, &n, &e2))
        return lp_fail(err, LP_EFAIL, "%s: cannot keep a backup: %s", shown, e2.msg);
    char *tmp = write_temp(bak, shown, data, n, mode, err);
    free(data);
    if (!tmp) return LP_EFAIL;
    /* link, not rename: never replace a .bak that appeared meanwhile */
    int rc = link(tmp, bak);
    int saved = errno;
    unlink(tmp);
    free(tmp);
    if (rc != 0)
        return lp_fail(err, LP_EFAIL, "%s: cannot keep a backup as %s: %s", shown, bak,
                       strerror(saved));
    return LP_OK;
}

int lp_write_file_safe(const char *path, const void *data, size_t n, int flags, bool *backed_up,
                       lp_error *err) {
    if (backed_up) *backed_up = false;
    /* write through a symbolic link to the file it names */
    char *target = NULL;
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) target = realpath(path, NULL);
    if (!target) target = lp_xstrdup(path);

    bool exists = stat(target, &st) == 0;
    if (exists && !S_ISREG(st.st_mode)) {
        free(target);
        return lp_fail(err, LP_EINPUT, "%s: is not a regular file; not replacing it", path);
    }
    mode_t mode = exists ? (st.st_mode & 07777) : default_mode();
    char *tmp = write_temp(target, path, data, n, mode, err);
    if (!tmp) {
        free(target);
        return LP_EFAIL;
    }
    int rc = LP_OK;
    if (exists && (flags & LP_WRITE_BACKUP)) {
        size_t len = strlen(target) + 5;
        char *bak = lp_xmalloc(len);
        snprintf(bak, len, "%s.bak", target);
        struct stat bst;
        if (lstat(bak, &bst) != 0 && errno == ENOENT) {
            rc = make_backup(target, bak, path, mode, err);
            if (rc == LP_OK && backed_up) *backed_up = true;
        }
        free(bak);
    }
    if (rc == LP_OK && rename(tmp, target) != 0)
        rc = lp_fail(err, LP_EFAIL, "%s: cannot replace the file: %s", path, strerror(errno));
    if (rc != LP_OK) {
        unlink(tmp);
    } else {
        char *copy = lp_xstrdup(target);
        sync_dir(dirname(copy));
        free(copy);
    }
    free(tmp);
    free(target);
    return rc;
}

int lp_model_write(const lp_model *m, const char *path, lp_error *err) {
    const Onnx__ModelProto *mp = m->proto;
    if (!mp) return lp_fail(err, LP_EFAIL, "%s: the model has no protobuf to write", path);
    size_t n = onnx__model_proto__get_packed_size(mp);
    if (n > (size_t)INT_MAX)
        return lp_fail(err, LP_EINPUT, "%s: the model would be %zu bytes, past protobuf's 2 GiB",
                       path, n);
    uint8_t *bytes = lp_xmalloc(n ? n : 1);
    onnx__model_proto__pack(mp, bytes);
    int rc = lp_write_file_safe(path, bytes, n, 0, NULL, err);
    free(bytes);
    return rc;
}
