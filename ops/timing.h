/*
** timing.h — timing a model the way onnxruntime_perf_test does: warm-up
** runs, then timed runs, percentiles, throughput, and profiles per operator
** type and per node.
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
    double total_ms;   /* over all profiled runs */
    double ms_per_run; /* total_ms over the runs profiled */
    double share;      /* of the sum over all op types, 0..1 */
} lp_op_profile;
int lp_profile_by_op(const lp_session *s, lp_op_profile **rows); /* caller frees *rows */

/* The shapes a run gave: the first output of each main-graph node, as last
** run. Pass lp_shape_log_node as opts.on_node and the log as on_node_ctx. */
typedef struct lp_shape_log lp_shape_log;
lp_shape_log *lp_shape_log_new(const lp_model *m);
void lp_shape_log_node(void *log, const lp_node *node, lp_rvalue *const *outs, int n_outs);
void lp_shape_log_free(lp_shape_log *log);

/* The per-node profile of the main graph: one row per node that ran (folded
** and fused-away nodes did not), sorted by time. MACs come from node->macs
** (lp_model_count), scaled to the logged output shape when it differs from
** the one counted (a --batch above 1). */
typedef struct lp_node_profile_row {
    int node; /* index in the main graph */
    const char *name, *op_type;
    double ms_per_run;
    double share;  /* of the sum over all nodes, 0..1 */
    int64_t macs;  /* per run; 0 when unknown */
    double gflops; /* 2 * macs per second, in billions; 0 when unknown */
    int rank;      /* the first output's shape as run; -1 when not logged */
    int64_t dims[LP_MAX_RANK];
    const lp_type *type; /* the first output's inferred type, or NULL */
} lp_node_profile_row;
/* log may be NULL (shapes then come from the IR). Caller frees *rows. */
int lp_profile_by_node(const lp_session *s, const lp_shape_log *log, lp_node_profile_row **rows);
/* The row's output shape as text: "1x8x8x8" as run, else the inferred
** "batchx8x8x8", else "?". */
char *lp_node_profile_shape(const lp_node_profile_row *r, char *buf, size_t n, bool ascii);

long lp_peak_rss_kb(void);

#endif
