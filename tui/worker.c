/*
** worker.c — the background thread and its pipe.
**
** Messages are small fixed-size records, written whole (below PIPE_BUF, so a
** write is atomic) and read by the main thread without blocking.
*/
#include "tui/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MSG_PROGRESS, MSG_DONE };

typedef struct msg {
    int kind;
    lp_job *job;
    char text[240];
} msg;

struct lp_worker {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    lp_job *head, *tail; /* queued, not started */
    lp_job *running;
    int pending; /* submitted and not yet handed back by pump */
    bool stop;
    int fds[2];
};

static void send_msg(lp_worker *w, int kind, lp_job *j, const char *text) {
    msg m = {.kind = kind, .job = j};
    if (text) snprintf(m.text, sizeof m.text, "%s", text);
    const char *p = (const char *)&m;
    size_t left = sizeof m;
    while (left) {
        ssize_t n = write(w->fds[1], p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return; /* the reader is gone */
        p += n;
        left -= (size_t)n;
    }
}

static void *thread_main(void *arg) {
    lp_worker *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->head && !w->stop) pthread_cond_wait(&w->wake, &w->lock);
        if (w->stop) break;
        lp_job *j = w->head;
        w->head = j->next;
        if (!w->head) w->tail = NULL;
        w->running = j;
        pthread_mutex_unlock(&w->lock);
        if (j->title) send_msg(w, MSG_PROGRESS, j, j->title);
        j->run(j);
        pthread_mutex_lock(&w->lock);
        w->running = NULL;
        pthread_mutex_unlock(&w->lock);
        send_msg(w, MSG_DONE, j, NULL);
        pthread_mutex_lock(&w->lock);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

lp_worker *lp_worker_new(lp_error *err) {
    lp_worker *w = lp_xcalloc(1, sizeof *w);
    if (pipe(w->fds)) {
        lp_fail(err, LP_EFAIL, "cannot create the worker's pipe: %s", strerror(errno));
        free(w);
        return NULL;
    }
    fcntl(w->fds[0], F_SETFL, fcntl(w->fds[0], F_GETFL) | O_NONBLOCK);
    fcntl(w->fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(w->fds[1], F_SETFD, FD_CLOEXEC);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    if (pthread_create(&w->thread, NULL, thread_main, w)) {
        lp_fail(err, LP_EFAIL, "cannot start the worker thread");
        close(w->fds[0]);
        close(w->fds[1]);
        free(w);
        return NULL;
    }
    return w;
}

int lp_worker_fd(const lp_worker *w) {
    return w->fds[0];
}

void lp_worker_submit(lp_worker *w, lp_job *j) {
    j->w = w;
    j->next = NULL;
    atomic_store(&j->cancel, 0);
    pthread_mutex_lock(&w->lock);
    if (w->tail)
        w->tail->next = j;
    else
        w->head = j;
    w->tail = j;
    w->pending++;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
}

bool lp_worker_busy(const lp_worker *w) {
    return w->pending > 0;
}

void lp_job_progress(lp_job *j, const char *fmt, ...) {
    char text[240];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    send_msg(j->w, MSG_PROGRESS, j, text);
}

int lp_worker_pump(lp_worker *w, void *owner, char *progress, size_t n) {
    int count = 0;
    msg m;
    for (;;) {
        ssize_t got = read(w->fds[0], &m, sizeof m);
        if (got < 0 && errno == EINTR) continue;
        if (got != (ssize_t)sizeof m) break; /* empty (EAGAIN); records are never split */
        count++;
        if (m.kind == MSG_PROGRESS) {
            if (progress) snprintf(progress, n, "%s", m.text);
        } else {
            w->pending--;
            if (progress && w->pending == 0) progress[0] = 0;
            if (m.job->done) m.job->done(owner, m.job);
        }
    }
    return count;
}

void lp_worker_free(lp_worker *w, void *owner) {
    if (!w) return;
    pthread_mutex_lock(&w->lock);
    if (w->running) atomic_store(&w->running->cancel, 1);
    w->stop = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    /* keep reading while waiting, so a worker writing to a full pipe ends */
    for (;;) {
        lp_worker_pump(w, owner, NULL, 0);
        if (pthread_tryjoin_np(w->thread, NULL) == 0) break;
        struct pollfd p = {.fd = w->fds[0], .events = POLLIN};
        poll(&p, 1, 20);
    }
    /* hand back what finished but was not yet read, then what never started */
    lp_worker_pump(w, owner, NULL, 0);
    for (lp_job *j = w->head, *next; j; j = next) {
        next = j->next;
        j->rc = LP_EFAIL;
        lp_fail(&j->err, LP_EFAIL, "cancelled");
        if (j->done) j->done(owner, j);
    }
    close(w->fds[0]);
    close(w->fds[1]);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    free(w);
}
