/*
** session_impl.h — the session's private structures, shared by session.c
** (planning and running) and kernel_ctx.c (what kernels call back into).
*/
#ifndef LP_SESSION_IMPL_H
#define LP_SESSION_IMPL_H

#include "ops/kernel.h"
#include "ops/session.h"

typedef struct lp_step {
    const lp_node *node; /* for function bodies: a copy with attributes resolved */
    const lp_kernel *kernel;
    void *state;
    lp_rvalue **in, **out;
    int n_in, n_out;
    int *frees; /* values whose last reader this step is */
    int n_frees;
    uint32_t dying; /* inputs the kernel may take over (lp_kctx.dying), from the liveness */
    struct lp_plan *call; /* a model-local function's body, run like a subgraph */
    bool skip;            /* folded into a constant, or absorbed by an earlier step (fuse.c) */
} lp_step;

/* A value its producer writes straight into a Concat's output, at its place
** there, so the Concat copies nothing (plan_concat_views in session.c). */
typedef struct lp_view {
    int of;               /* the Concat's output value; -1: not a view */
    size_t at;            /* byte offset in its buffer */
    const lp_type *type;  /* the planned dtype and shape of this value */
    const lp_type *whole; /* and of the Concat's output */
    size_t total;         /* the Concat output's bytes */
} lp_view;

typedef struct lp_frame {
    lp_rvalue *vals; /* one per graph value */
    int n_vals;
    struct lp_frame *parent;
    lp_view *views; /* one per value, or NULL when no Concat is planned in place */
} lp_frame;

typedef struct lp_plan {
    const lp_graph *g;
    lp_step *steps;
    int n_steps;
    lp_frame frame;
    bool *keep; /* values never freed (graph outputs, initializers, outer, folded) */
    bool *konst; /* values known at plan time: initializers and folded outputs */
    int depth;  /* nesting while running, to refuse runaway recursion */
} lp_plan;

typedef struct lp_pool_block {
    void *p;
    size_t cap;
} lp_pool_block;

struct lp_session {
    const lp_model *model;
    lp_session_opts opts;
    lp_arena arena;
    lp_plan *main;
    lp_plan **all;   /* every plan made, for freeing */
    int n_all, cap_all;
    lp_rvalue *outs; /* the main graph's outputs of the last run */
    lp_plan **plans; /* subgraph plans, for lookup by graph */
    const lp_graph **plan_graphs;
    int n_plans, cap_plans;
    lp_pool_block *pool;
    int n_pool, cap_pool;
    void *scratch;
    size_t scratch_cap;
    lp_node_profile *profile;
    double *prof_ms;
    lp_plan *planning; /* the plan being built and the step being prepared, for fuse.c */
    int planning_step;
};

void lp_pool_put(lp_session *s, void *p, size_t cap);
void *lp_pool_get(lp_session *s, size_t need, size_t *cap);
/* Releases a value's storage to the pool and resets it. */
void lp_frame_release(lp_session *s, lp_rvalue *v);
int lp_plan_run(lp_session *s, lp_plan *p, lp_frame *parent, lp_rvalue **ins, int n_ins,
                lp_rvalue *outs, lp_error *err);
lp_plan *lp_session_find_plan(lp_session *s, const lp_graph *g);

#endif
