/*
** parallel.h — a small pool of worker threads for kernels that split their
** own work (the packed GEMM behind Conv). OpenBLAS keeps its own threads for
** the products it runs; this pool serves Loupe's kernels.
*/
#ifndef LP_PARALLEL_H
#define LP_PARALLEL_H

#include <stdint.h>

#define LP_MAX_THREADS 64

/* The number of threads a kernel should use for a request of `threads`
** (the session's option): 0 means one per online CPU; capped at
** LP_MAX_THREADS. */
int lp_parallel_threads(int threads);

/* How many parts to split `work` units into: lp_parallel_threads(threads),
** but no more than one part per `grain` units (small jobs stay on one
** thread) and no more than `max_parts` (at least 1). */
int lp_parallel_parts(int threads, int64_t work, int64_t grain, int64_t max_parts);

/* Calls fn(ctx, t, n) for every t in [0, n), each on its own thread (the
** caller runs t = 0), and returns when all have returned. When the pool is
** already busy (a call from inside fn, or from another thread), the parts
** run one after another on the caller, so fn must not rely on running
** concurrently. */
void lp_parallel(int n, void (*fn)(void *ctx, int t, int n), void *ctx);

#endif
