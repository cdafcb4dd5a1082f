/*
** timing.h — timing a model the way onnxruntime_perf_test does: warm-up
** runs, then timed runs, percentiles, throughput and a per-operator profile.
*/
#ifndef LP_TIMING_H
#define LP_TIMING_H

#include "ops/session.h"

typedef struct lp_timing {
    double create_ms, first_run_ms;
    double min_ms, max_ms, mean_ms, p50_ms, p90_ms, p99_ms;
    double throughput; /* batches (inferences of the given batch) per second */
    int runs, warmup;
    long peak_rss_kb;
} lp_timing;

/* Runs `warmup` untimed and `runs` timed runs. A cancel flag (may be NULL)
** is polled between runs, so a UI can stop a long timing. */
int lp_time_runs(lp_session *s, const lp_rvalue *inputs, int n_inputs, int warmup, int runs,
                 const volatile int *cancel, lp_timing *out, lp_error *err);

/* The per-op-type profile of the main graph, from a session created with
** opts.profile: rows sorted by total time. */
typedef struct lp_op_profile {
    const char *op_type;
    int nodes;
    double total_ms; /* over all profiled runs */
    double share;    /* of the sum over all op types, 0..1 */
} lp_op_profile;
int lp_profile_by_op(const lp_session *s, lp_op_profile **rows); /* caller frees *rows */

long lp_peak_rss_kb(void);

#endif
