/*
** parallel.c — the worker pool behind lp_parallel.
**
** Workers are started on first use and live for the process. A call
** publishes a job under the pool's lock, bumps the generation and wakes the
** workers; worker i runs part i when i < n, and the caller waits until the
** count of running parts drops to zero. One job runs at a time: a second
** caller (or a nested call) runs its parts serially instead of waiting, so
** the pool can never deadlock on itself.
**
** `loupe check` forks a child per test case. A child inherits the pool's
** memory but not its threads, so the pool remembers the pid that started it
** and a child starts afresh.
*/
#define _POSIX_C_SOURCE 200809L
#include "ops/parallel.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <unistd.h>

typedef struct pool {
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    pid_t owner;        /* process whose threads these are */
    int started;        /* worker threads running (part 1 .. started) */
    atomic_ulong gen;   /* bumped per job (under lock; read by spinners) */
    int n;              /* parts of the current job */
    atomic_int running; /* parts not yet finished (as above) */
    bool busy;          /* a job is being run */
    void (*fn)(void *ctx, int t, int n);
    void *ctx;
} pool;

static pool the_pool = {.lock = PTHREAD_MUTEX_INITIALIZER,
                        .wake = PTHREAD_COND_INITIALIZER,
                        .done = PTHREAD_COND_INITIALIZER};
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;

/* Polls before sleeping. Past the first few, each poll yields the CPU, so
** that on a busy machine a spinner does not keep the thread it waits for
** (or another process) off the core. */
#define SPINS 2000
#define PAUSES 64

static void relax(int i) {
    if (i >= PAUSES) {
        sched_yield();
        return;
    }
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

int lp_parallel_threads(int threads) {
    if (threads <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cpus > 0 ? (int)cpus : 1;
    }
    return threads > LP_MAX_THREADS ? LP_MAX_THREADS : threads;
}

/* What a worker starts with: its part number, and the last job published
** before it was created (not its own: the caller has not waited for it). */
typedef struct worker_start {
    int id;
    unsigned long gen;
} worker_start;
static worker_start starts[LP_MAX_THREADS];

int lp_parallel_parts(int threads, int64_t work, int64_t grain, int64_t max_parts) {
    int nt = lp_parallel_threads(threads);
    if (work < grain * nt) nt = (int)(work / grain) + 1;
    if (nt > max_parts) nt = max_parts > 1 ? (int)max_parts : 1;
    return nt;
}

static void *worker(void *arg) {
    const worker_start *ws = arg;
    int id = ws->id;
    pool *p = &the_pool;
    unsigned long seen = ws->gen;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        if (atomic_load(&p->gen) == seen) {
            pthread_mutex_unlock(&p->lock);
            for (int i = 0; i < SPINS && atomic_load(&p->gen) == seen; i++) relax(i);
            pthread_mutex_lock(&p->lock);
        }
        while (atomic_load(&p->gen) == seen) pthread_cond_wait(&p->wake, &p->lock);
        seen = p->gen;
        if (id >= p->n) continue;
        void (*fn)(void *, int, int) = p->fn;
        void *ctx = p->ctx;
        int n = p->n;
        pthread_mutex_unlock(&p->lock);
        fn(ctx, id, n);
        pthread_mutex_lock(&p->lock);
        if (--p->running == 0) pthread_cond_signal(&p->done);
    }
    return NULL;
}

/* Makes sure workers 1 .. n-1 exist in this process; false if they cannot. */
static bool ensure_workers(int n) {
    pool *p = &the_pool;
    if (p->owner != getpid()) { /* first use, or a forked child */
        pthread_mutex_init(&p->lock, NULL);
        pthread_cond_init(&p->wake, NULL);
        pthread_cond_init(&p->done, NULL);
        p->owner = getpid();
        p->started = 0;
        p->gen = 0;
        p->busy = false;
    }
    while (p->started < n - 1) {
        pthread_t th;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        worker_start *ws = &starts[p->started + 1];
        ws->id = p->started + 1;
        pthread_mutex_lock(&p->lock);
        ws->gen = p->gen;
        pthread_mutex_unlock(&p->lock);
        int rc = pthread_create(&th, &attr, worker, ws);
        pthread_attr_destroy(&attr);
        if (rc) return false;
        p->started++;
    }
    return true;
}

static void run_serially(int n, void (*fn)(void *, int, int), void *ctx) {
    for (int t = 0; t < n; t++) fn(ctx, t, n);
}

void lp_parallel(int n, void (*fn)(void *ctx, int t, int n), void *ctx) {
    if (n <= 1) {
        fn(ctx, 0, 1);
        return;
    }
    if (n > LP_MAX_THREADS) n = LP_MAX_THREADS;
    pool *p = &the_pool;
    pthread_mutex_lock(&init_lock);
    bool ok = ensure_workers(n);
    pthread_mutex_lock(&p->lock);
    pthread_mutex_unlock(&init_lock);
    if (!ok || p->busy) {
        pthread_mutex_unlock(&p->lock);
        run_serially(n, fn, ctx);
        return;
    }
    p->busy = true;
    p->fn = fn;
    p->ctx = ctx;
    p->n = n;
    p->running = n - 1;
    p->gen++;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);

    fn(ctx, 0, n);

    for (int i = 0; i < SPINS && atomic_load(&p->running) > 0; i++) relax(i);
    pthread_mutex_lock(&p->lock);
    while (atomic_load(&p->running) > 0) pthread_cond_wait(&p->done, &p->lock);
    p->busy = false;
    pthread_mutex_unlock(&p->lock);
}
