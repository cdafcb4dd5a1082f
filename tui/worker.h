/*
** worker.h — one background thread for the long jobs of the workbench
** (loading, layout), so that nothing blocks the screen.
**
** Jobs queue and run one after another. A job reports progress and its end
** through a pipe whose read end the event loop polls beside the keyboard;
** its done() then runs on the main thread, the only one that touches the
** screen and the app's state. A cancel flag asks a job to stop early.
*/
#ifndef LP_WORKER_H
#define LP_WORKER_H

#include "model/base.h"

#include <stdatomic.h>
#include <stdbool.h>

typedef struct lp_job lp_job;
typedef struct lp_worker lp_worker;

struct lp_job {
    const char *title;                    /* "laying out the graph" */
    void (*run)(lp_job *j);               /* on the worker thread */
    void (*done)(void *owner, lp_job *j); /* on the main thread; frees the job */
    void *ctx;
    int rc;
    lp_error err;
    atomic_int cancel;
    lp_job *next; /* queue link (worker.c) */
    lp_worker *w;
};

lp_worker *lp_worker_new(lp_error *err);
/* Asks the running job to stop, waits for it, and frees the jobs still queued
** through their done() with rc = LP_EFAIL so nothing leaks. */
void lp_worker_free(lp_worker *w, void *owner);

/* The pipe's read end, for poll(). */
int lp_worker_fd(const lp_worker *w);
void lp_worker_submit(lp_worker *w, lp_job *j);
bool lp_worker_busy(const lp_worker *w);

/* From inside run(): a progress line for the status bar. */
void lp_job_progress(lp_job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Main thread: reads what the pipe holds. Progress lands in progress (when
** any came; "" once the queue is idle); every finished job has its done()
** called with owner. Returns the number of messages read. */
int lp_worker_pump(lp_worker *w, void *owner, char *progress, size_t n);

#endif
