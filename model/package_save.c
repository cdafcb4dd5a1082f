/*
** package_save.c — writing a package back as a zip. The model member keeps
** its original bytes (never re-serialized), metadata.json and label.txt are
** written beside it, other members of the original zip are carried over as
** they were. The zip is built in memory and then written safely (write.h).
*/
#include "package.h"
#include "write.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zip.h>

#define MAX_OTHER_MEMBER ((size_t)1 << 30)

char *lp_package_default_path(const lp_package *p) {
    if (p->is_zip) return lp_xstrdup(p->path);
    size_t n = strlen(p->path);
    char *out = lp_xmalloc(n + 5);
    memcpy(out, p->path, n + 1);
    if (n > 5 && !strcasecmp(p->path + n - 5, ".onnx")) n -= 5;
    strcpy(out + n, ".zip");
    return out;
}

static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static bool same_file(const char *a, const char *b) {
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0) return false;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Adds a member whose data zip frees (owned) or that outlives zip_close. */
static int add_member(zip_t *za, const char *name, const void *data, size_t n, bool owned,
                      const char *dest, lp_error *err) {
    zip_source_t *s = zip_source_buffer(za, data, n, owned ? 1 : 0);
    if (!s || zip_file_add(za, name, s, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE) < 0) {
        if (s) zip_source_free(s);
        else if (owned) free((void *)data);
        return lp_fail(err, LP_EFAIL, "%s: cannot add '%s' to the zip: %s", dest, name,
                       zip_strerror(za));
    }
    return LP_OK;
}

/* Members of the original zip that are neither the model, metadata.json nor
** label.txt, copied as they were. */
static int copy_others(const lp_package *p, zip_t *out, const char *dest, lp_error *err) {
    int zerr = 0;
    zip_t *in = zip_open(p->path, ZIP_RDONLY, &zerr);
    if (!in) return lp_fail(err, LP_EINPUT, "%s: cannot reopen the package to copy its members", p->path);
    int rc = LP_OK;
    zip_int64_t n = zip_get_num_entries(in, 0);
    for (zip_int64_t i = 0; i < n && rc == LP_OK; i++) {
        const char *name = zip_get_name(in, (zip_uint64_t)i, 0);
        if (!name || !lp_zip_name_is_safe(name)) continue;
        const char *base = base_name(name);
        size_t len = strlen(base);
        if (!*base || !strcmp(base, "metadata.json") || !strcmp(base, "label.txt") ||
            (len >= 5 && !strcasecmp(base + len - 5, ".onnx")))
            continue;
        uint8_t *data;
        size_t size;
        if ((rc = lp_zip_read_member(p->path, in, i, MAX_OTHER_MEMBER, &data, &size, err))) break;
        rc = add_member(out, name, data, size, true, dest, err);
    }
    zip_discard(in);
    return rc;
}

static char *labels_text(const lp_package *p, size_t *n) {
    lp_buf b = {0};
    lp_buf_append(&b, "", 0);
    for (int i = 0; i < p->n_labels; i++) lp_buf_printf(&b, "%s\n", p->labels[i]);
    *n = b.len;
    return b.data;
}

/* Builds the zip in memory; *bytes is malloc'ed. */
static int build_zip(const lp_package *p, const char *member, const char *meta_text,
                     const char *label_text, size_t label_len, const char *dest, uint8_t **bytes,
                     size_t *n, lp_error *err) {
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_t *za = src ? zip_open_from_source(src, ZIP_TRUNCATE, &ze) : NULL;
    if (!za) {
        lp_fail(err, LP_EFAIL, "%s: cannot start a zip in memory: %s", dest, zip_error_strerror(&ze));
        if (src) zip_source_free(src);
        zip_error_fini(&ze);
        return LP_EFAIL;
    }
    zip_source_keep(src);
    /* metadata.json and label.txt go in the model's folder */
    const char *base = base_name(member);
    size_t dir_len = (size_t)(base - member);
    char meta_name[4096], label_name[4096];
    snprintf(meta_name, sizeof meta_name, "%.*smetadata.json", (int)dir_len, member);
    snprintf(label_name, sizeof label_name, "%.*slabel.txt", (int)dir_len, member);

    int rc = add_member(za, member, p->model->bytes, p->model->n_bytes, false, dest, err);
    if (!rc) rc = add_member(za, meta_name, meta_text, strlen(meta_text), false, dest, err);
    if (!rc && p->has_labels) rc = add_member(za, label_name, label_text, label_len, false, dest, err);
    if (!rc && p->is_zip) rc = copy_others(p, za, dest, err);
    if (rc) {
        zip_discard(za);
        zip_source_free(src);
        zip_error_fini(&ze);
        return rc;
    }
    if (zip_close(za) != 0) {
        rc = lp_fail(err, LP_EFAIL, "%s: cannot finish the zip: %s", dest, zip_strerror(za));
        zip_discard(za);
        zip_source_free(src);
        zip_error_fini(&ze);
        return rc;
    }
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_source_open(src) != 0) {
        zip_source_free(src);
        zip_error_fini(&ze);
        return lp_fail(err, LP_EFAIL, "%s: cannot read back the zip built in memory", dest);
    }
    if (zip_source_stat(src, &st) != 0 || !(st.valid & ZIP_STAT_SIZE)) {
        zip_source_close(src);
        zip_source_free(src);
        zip_error_fini(&ze);
        return lp_fail(err, LP_EFAIL, "%s: cannot size the zip built in memory", dest);
    }
    *bytes = lp_xmalloc(st.size ? st.size : 1);
    zip_int64_t got = zip_source_read(src, *bytes, st.size);
    zip_source_close(src);
    zip_source_free(src);
    zip_error_fini(&ze);
    if (got < 0 || (zip_uint64_t)got != st.size) {
        free(*bytes);
        return lp_fail(err, LP_EFAIL, "%s: cannot read back the zip built in memory", dest);
    }
    *n = (size_t)st.size;
    return LP_OK;
}

int lp_package_save(lp_package *p, const char *out_path, lp_error *err) {
    if (!p->model || !p->model->bytes)
        return lp_fail(err, LP_EFAIL, "%s: has no model bytes to write", p->path);
    if (!p->metadata || !cJSON_IsObject(p->metadata))
        return lp_fail(err, LP_EINPUT, "%s: has no metadata.json to write", p->path);
    char *dest = out_path ? lp_xstrdup(out_path) : lp_package_default_path(p);
    if (!p->is_zip && same_file(dest, p->path)) {
        int rc = lp_fail(err, LP_EINPUT, "%s: is the model itself; write the package to a .zip",
                         dest);
        free(dest);
        return rc;
    }
    char *member = lp_xstrdup(p->model_member ? p->model_member : base_name(p->path));
    char *meta_text = lp_metadata_print(p->metadata);
    size_t label_len = 0;
    char *label_text = labels_text(p, &label_len);
    uint8_t *bytes = NULL;
    size_t n = 0;
    int rc = build_zip(p, member, meta_text, label_text, label_len, dest, &bytes, &n, err);
    free(label_text);
    if (!rc) rc = lp_write_file_safe(dest, bytes, n, LP_WRITE_BACKUP, NULL, err);
    free(bytes);
    if (rc) {
        free(dest);
        free(member);
        free(meta_text);
        return rc;
    }
    free(p->path);
    p->path = dest;
    free(p->model_member);
    p->model_member = member;
    free(p->metadata_text);
    p->metadata_text = meta_text;
    p->is_zip = true;
    p->dirty = false;
    return LP_OK;
}
