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
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
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

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int lp_viz_isolated(lp_viz_work work, void *arg, double seconds, lp_buf *out, lp_error *err,
                    bool *crashed) {
    *crashed = false;
    int fds[2];
    if (pipe(fds) != 0)
        return lp_fail(err, LP_EFAIL, "cannot start the layout: %s", strerror(errno));
    fflush(NULL); /* nothing buffered may be written twice */
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return lp_fail(err, LP_EFAIL, "cannot start the layout: %s", strerror(errno));
    }
    if (pid == 0) {
        close(fds[0]);
        child(work, arg, fds[1]);
    }
    close(fds[1]);
    lp_buf got = {0};
    double deadline = now() + seconds;
    bool timed_out = false;
    char chunk[65536];
    for (;;) {
        double left = deadline - now();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        int r = poll(&p, 1, (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) continue; /* the deadline is checked above */
        ssize_t n = read(fds[0], chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        lp_buf_append(&got, chunk, (size_t)n);
    }
    close(fds[0]);
    if (timed_out) kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    int rc = LP_OK;
    int32_t child_rc;
    if (timed_out) {
        rc = lp_fail(err, LP_EUNSUPPORTED,
                     "the layout took longer than %.0f s and was stopped; draw a part of the graph "
                     "with --around NODE --depth K",
                     seconds);
    } else if (WIFSIGNALED(status) || got.len < sizeof child_rc) {
        *crashed = true;
        rc = lp_fail(err, LP_EFAIL, "Graphviz failed laying out the graph (%s %d)",
                     WIFSIGNALED(status) ? "signal" : "exit status",
                     WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
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
    return rc;
}
