/*
** session.h — a model made runnable: kernels resolved once, a plan per
** graph (main, subgraphs, function bodies), buffers pooled by liveness.
*/
#ifndef LP_SESSION_H
#define LP_SESSION_H

#include "model/ir.h"
#include "ops/value.h"

typedef struct lp_session lp_session;

typedef struct lp_session_opts {
    int threads;  /* 0: leave OpenBLAS's default */
    bool profile; /* time every node */
    bool no_fuse; /* keep the graph as written (no BN folding, no fused activations) */
    /* Called after every node of the main graph runs (not for folded or
    ** fused ones), for tracing values; NULL for none. */
    void (*on_node)(void *ctx, const lp_node *node, lp_rvalue *const *outs, int n_outs);
    void *on_node_ctx;
} lp_session_opts;

/* Resolves every node (subgraphs and functions included) to a kernel; a
** model needing a kernel Loupe lacks is refused with every missing
** (domain, op, opset) named in one message (LP_EUNSUPPORTED). */
int lp_session_create(const lp_model *m, const lp_session_opts *opts, lp_session **out,
                      lp_error *err);
void lp_session_free(lp_session *s);

/* Runs the main graph. inputs[i] belongs to the i-th graph input that is not
** an initializer; they are borrowed for the call. *outputs points at the
** session's output values, valid until the next run or free. */
int lp_session_run(lp_session *s, const lp_rvalue *inputs, int n_inputs, lp_rvalue **outputs,
                   lp_error *err);

const lp_model *lp_session_model(const lp_session *s);

/* Per-node profile of the main graph (when opts.profile), accumulated over runs. */
typedef struct lp_node_profile {
    int node;           /* index in the main graph */
    const char *op_type;
    const char *name;
    double total_ms;
    int64_t calls;
} lp_node_profile;
int lp_session_profile(const lp_session *s, const lp_node_profile **rows);
void lp_session_profile_reset(lp_session *s);

/* Missing kernels without creating a session: the same message, or LP_OK. */
int lp_session_check_support(const lp_model *m, lp_error *err);

#endif
