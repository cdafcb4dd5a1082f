/*
** kernel.h — what an operator kernel sees and may call.
**
** A kernel is a `run` function (and optionally a `prepare`) registered in
** ops/kernels.def. `run` reads its inputs with lp_in(), reads attributes
** from k->node with lp_attr_*() (model/ir.h), allocates each output with
** lp_out() and returns LP_OK, or returns lp_kfail(k, "...") naming what is
** wrong. Inputs are read-only: they may be initializers borrowed from the
** model. Outputs come from the session's buffer pool, so a kernel never
** mallocs its outputs, and after the first run nothing is allocated at all.
*/
#ifndef LP_KERNEL_H
#define LP_KERNEL_H

#include "model/ir.h"
#include "ops/value.h"

struct lp_session;
struct lp_frame;

typedef struct lp_kctx {
    const lp_node *node;
    const lp_graph *graph;
    int opset;                 /* the version of the node's domain */
    lp_rvalue **in;            /* NULL entries for omitted inputs */
    int n_in;
    lp_rvalue **out;           /* NULL entries for omitted outputs */
    int n_out;
    void *state;               /* what prepare left (NULL if none) */
    struct lp_session *sess;
    struct lp_frame *frame;    /* the running frame, for subgraphs */
    lp_error *err;
    int threads;
    /* Bit i set: input i's value dies at this step and belongs to the frame
    ** (made by an earlier node, no graph output, initializer or outer value,
    ** read through this slot alone), so lp_out_take may hand its buffer to
    ** an output. Set by the session; 0 in prepare and constant folding. */
    uint32_t dying;
} lp_kctx;

typedef int (*lp_kernel_fn)(lp_kctx *k);

typedef struct lp_kernel {
    const char *domain; /* "" for ai.onnx, "ai.onnx.ml", "com.microsoft" ... */
    const char *op;
    int since, until;   /* the opset versions this kernel serves, inclusive */
    lp_kernel_fn run;
    /* Optional, once at session creation: validate attributes, precompute
    ** (k->in[i] is set only for constant inputs, else NULL; k->out NULL).
    ** May set k->state; `release` frees it. */
    lp_kernel_fn prepare;
    void (*release)(void *state);
} lp_kernel;

/* The tensor behind input i, NULL when omitted, empty optional, or not a tensor. */
const lp_tensor *lp_in(lp_kctx *k, int i);
/* Number of inputs actually given (trailing omitted ones not counted). */
int lp_n_in(lp_kctx *k);
/* Sets output i to a tensor of this type and shape and returns it, with
** storage from the pool (contents undefined; strings start ""). NULL (and
** k->err set) when the shape is invalid. Returns a dummy tensor if output i
** is omitted, so kernels need not check. */
lp_tensor *lp_out(lp_kctx *k, int i, lp_dtype dtype, int rank, const int64_t *dims);
/* Output `out` of this type and shape in the buffer of input `in`, without a
** copy, when that input dies at this step (k->dying) and its buffer is big
** enough; NULL (and nothing changed) otherwise, so the caller falls back to
** lp_out. The input stays readable, as a view of the same bytes, until the
** step ends: an element-wise kernel may compute y[i] from x[i] in place, but
** whatever writes y must not need x's old values after overwriting them. */
lp_tensor *lp_out_take(lp_kctx *k, int out, int in, lp_dtype dtype, int rank,
                       const int64_t *dims);
/* The buffer output i's slot holds before the kernel sets the output, or
** NULL. A Concat's producers may have written their results into it in
** place already (see session.c); lp_out keeps it when big enough. */
const lp_tensor *lp_out_held(lp_kctx *k, int i);
/* Output i as a general value (sequence, map, optional); cleared first. */
lp_rvalue *lp_out_value(lp_kctx *k, int i);
bool lp_out_wanted(lp_kctx *k, int i);
/* Fails the node: "node 'name' (Op): <message>". Returns LP_EFAIL. */
int lp_kfail(lp_kctx *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, for bad input data (a wrong shape or type given by the user). */
int lp_kbad(lp_kctx *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Runs a subgraph of this node (If/Loop/Scan bodies) with the given inputs
** (borrowed for the call; NULL for an omitted one), in the scope of the
** current frame. Its g->n_outputs outputs are moved into outs[], owned by
** the caller from then on (give them back with lp_value_release). A
** subgraph cannot run inside itself: each graph has one plan. */
int lp_run_subgraph(lp_kctx *k, const lp_graph *g, lp_rvalue **ins, int n_ins, lp_rvalue *outs);
/* Frees a value the kernel owns (such as a subgraph's output), its tensor
** buffer going back to the session's pool. */
void lp_value_release(lp_kctx *k, lp_rvalue *v);

/* Scratch memory that lives as long as the session (grown on demand). */
void *lp_scratch(lp_kctx *k, size_t bytes);

/* ---- helpers kernels share (ops/kernel_util.c) ---- */

/* Multidirectional (numpy) broadcasting of n shapes. */
int lp_broadcast_shape(lp_kctx *k, const lp_tensor *const *ts, int n, int *rank, int64_t *dims);
/* Strides (in elements) to read t as if broadcast to (rank, dims): 0 where broadcast. */
void lp_broadcast_strides(const lp_tensor *t, int rank, const int64_t *dims, int64_t *strides);
/* Normalises a possibly negative axis against rank; -1 when out of range. */
int lp_norm_axis(int64_t axis, int rank);
/* Reads an integer tensor (int32/int64) into a malloc'd int64 array. */
int64_t *lp_tensor_to_i64(const lp_tensor *t);
/* Reads any numeric tensor element as double / int64. */
static inline double lp_get_f64(const lp_tensor *t, int64_t i) { return lp_load_f64(t->dtype, t->data, (size_t)i); }
static inline int64_t lp_get_i64(const lp_tensor *t, int64_t i) { return lp_load_i64(t->dtype, t->data, (size_t)i); }

#endif
