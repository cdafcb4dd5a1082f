/*
** isolate.c — running Graphviz's layout in a child process with a deadline.
**
** dot cannot be told to stop, and on some large graphs its spline router
** dies (Graphviz 2.42 segfaults routing edges that span hundreds of ranks).
** In a child, a layout past its deadline is killed and reported, and a crash
** costs a retry instead of the workbench. The child sends back one record:
** a status word, then either the error text or the work's output.
*/
#include "viz/gv.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static bool write_all(int fd, const void *p, size_t n) {
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        c += w;
        n -= (size_t)w;
    }
    return true;
}

static void child(lp_viz_work work, void *arg, int fd) {
    lp_buf out = {0};
    lp_error err = {0};
    int32_t rc = work(arg, &out, &err);
    const void *body = rc ? (const void *)err.msg : out.data;
    size_t len = rc ? strlen(err.msg) : out.len;
    bool ok = write_all(fd, &rc, sizeof rc) && (!len || write_all(fd, body, len));
    _exit(ok ? 0 : 1); /* no atexit handlers, no stdio flush: the parent owns those */
}

/* The first line of what the child wrote on stderr, for an error message
** (Graphviz's own chatter and sanitizer reports land there). */
static const char *first_line(lp_buf *b, char *line, size_t size) {
    lp_buf_append(b, "", 1);
    const char *p = b->data;
    while (*p == '\n' || *p == '=') p++; /* sanitizer reports open with "=====" */
    size_t n = strcspn(p, "\n");
    snprintf(line, size, "%s%.*s", n ? ": " : "", (int)(n < 300 ? n : 300), p);
    return line;
}

int lp_viz_isolated(lp_viz_work work, void *arg, double seconds, lp_buf *out, lp_error *err,
                    bool *crashed) {
    *crashed = false;
    int fds[2], efds[2];
    if (pipe(fds) != 0)
        return lp_fail(err, LP_EFAIL, "cannot start the layout: %s", strerror(errno));
    if (pipe(efds) != 0) {
        close(fds[0]);
        close(fds[1]);
        return lp_fail(err, LP_EFAIL, "cannot start the layout: %s", strerror(errno));
    }
    fflush(NULL); /* nothing buffered may be written twice */
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        close(efds[0]);
        close(efds[1]);
        return lp_fail(err, LP_EFAIL, "cannot start the layout: %s", strerror(errno));
    }
    if (pid == 0) {
        /* Graphviz's plugins print some warnings themselves ("graph is too
        ** large for cairo-renderer bitmaps"): the child's stderr is ours */
        dup2(efds[1], 2);
        close(fds[0]);
        close(efds[0]);
        close(efds[1]);
        child(work, arg, fds[1]);
    }
    close(fds[1]);
    close(efds[1]);
    lp_buf got = {0}, errs = {0};
    double deadline = lp_now_ms() + seconds * 1e3;
    bool timed_out = false, open_out = true, open_err = true;
    char chunk[65536];
    while (open_out || open_err) {
        double left = deadline - lp_now_ms(); /* ms */
        if (left <= 0) {
            timed_out = true;
            break;
        }
        struct pollfd p[2] = {{.fd = open_out ? fds[0] : -1, .events = POLLIN},
                              {.fd = open_err ? efds[0] : -1, .events = POLLIN}};
        int r = poll(p, 2, (int)left + 1);
        if (r <= 0) continue; /* EINTR, or the deadline, checked above */
        for (int k = 0; k < 2; k++) {
            if (!p[k].revents) continue;
            ssize_t n = read(p[k].fd, chunk, sizeof chunk);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                if (k == 0) open_out = false;
                else open_err = false;
                continue;
            }
            if (k == 0) lp_buf_append(&got, chunk, (size_t)n);
            else if (errs.len < 65536) lp_buf_append(&errs, chunk, (size_t)n);
        }
    }
    close(fds[0]);
    close(efds[0]);
    if (timed_out) kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    int rc = LP_OK;
    int32_t child_rc;
    char line[400];
    if (timed_out) {
        rc = lp_fail(err, LP_EUNSUPPORTED,
                     "the layout took longer than %g s and was stopped; draw a part of the graph "
                     "with --around NODE --depth K",
                     seconds);
    } else if (WIFSIGNALED(status) || got.len < sizeof child_rc) {
        *crashed = true;
        rc = lp_fail(err, LP_EFAIL, "Graphviz failed laying out the graph (%s %d%s)",
                     WIFSIGNALED(status) ? "signal" : "exit status",
                     WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
                     first_line(&errs, line, sizeof line));
    } else {
        memcpy(&child_rc, got.data, sizeof child_rc);
        const char *body = got.data + sizeof child_rc;
        size_t len = got.len - sizeof child_rc;
        if (child_rc) {
            rc = lp_fail(err, child_rc, "%.*s", (int)(len < 1000 ? len : 1000), body);
        } else {
            lp_buf_append(out, body, len);
        }
    }
    lp_buf_free(&got);
    lp_buf_free(&errs);
    return rc;
}
