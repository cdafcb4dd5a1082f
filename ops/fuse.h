/*
** fuse.h — fusing a node with the nodes that follow it, decided by its
** kernel's prepare when the session is planned (never with opts.no_fuse).
**
** A prepare finds the node that alone reads its output (lp_fuse_next), and
** when it can do that node's work in its own output pass, absorbs it
** (lp_fuse_absorb): the session then skips the absorbed node, and the
** absorbing node writes the absorbed node's output directly.
**
** The nn kernels (Conv, ConvTranspose, Gemm, MatMul) share one such output
** pass, the epilogue: y = clamp(y * scale[c] + shift[c] + residual, lo, hi),
** which holds a bias, a folded BatchNormalization, a residual Add (an extra
** input of the step) and a Relu or Clip.
*/
#ifndef LP_FUSE_H
#define LP_FUSE_H

#include "ops/kernel.h"

/* The node that alone reads output 0 of the node being prepared (as it
** stands after earlier absorbs): one reader, one input slot, not a graph
** output, not read by a subgraph. NULL when there is none or the session
** does not fuse. Only valid inside a prepare. */
const lp_node *lp_fuse_next(lp_kctx *k);
/* Input i of node n when its value is known at plan time, else NULL. */
const lp_tensor *lp_fuse_const(lp_kctx *k, const lp_node *n, int i);
/* Takes over n (found by lp_fuse_next): the session skips n and the node
** being prepared writes n's output 0 as its own output 0. */
void lp_fuse_absorb(lp_kctx *k, const lp_node *n);
/* Makes input i of node n an extra input of the node being prepared, when
** its value is ready before that node runs. Returns its index in k->in at
** run time (LP_FUSE_EXTRA or above, clear of the operator's own optional
** inputs), or -1. */
#define LP_FUSE_EXTRA 8
int lp_fuse_extra_input(lp_kctx *k, const lp_node *n, int i);

typedef struct lp_epilogue {
    float *scale;     /* per channel, or NULL for 1 (owned) */
    float *shift;     /* per channel, or NULL for 0 (owned) */
    int64_t channels; /* length of scale/shift */
    int residual;     /* k->in index of a fused residual Add's other input, or -1 */
    bool clamp;       /* a fused Relu or Clip */
    float lo, hi;
    int n_fused; /* nodes absorbed */
} lp_epilogue;

/* Starts an epilogue holding a constant bias of `channels` values (bias may
** be NULL, channels then still gives the count a BatchNormalization needs). */
void lp_epilogue_init(lp_epilogue *e, const lp_tensor *bias, int64_t channels);
/* Absorbs a BatchNormalization (inference mode, constant parameters of
** e->channels values) reading the output, folding it into scale and shift. */
bool lp_fuse_batchnorm(lp_kctx *k, lp_epilogue *e);
/* Absorbs, one after another, Mul and Add nodes whose other operand is a
** constant per channel (axis 1 of an output of this rank: [C,1,1] and the
** like) or a scalar, folding them into scale and shift. Returns how many. */
int lp_fuse_channel_affine(lp_kctx *k, lp_epilogue *e, int rank);
/* Absorbs an Add of a constant of e->channels (or 1) values, broadcast over
** the last axis of an output whose last axis has e->channels entries. */
bool lp_fuse_bias_add(lp_kctx *k, lp_epilogue *e);
/* Absorbs an Add (or two-input Sum) of the output and another float value
** computed earlier: a residual connection, added before the activation. */
bool lp_fuse_residual(lp_kctx *k, lp_epilogue *e);
/* Absorbs a Relu, or a Clip with constant bounds, reading the output. */
bool lp_fuse_activation(lp_kctx *k, lp_epilogue *e);
void lp_epilogue_free(lp_epilogue *e);

/* Applies e to nc channels of `inner` contiguous values each, starting at
** channel c0 (channel-major outputs: Conv's [C, H*W]). bias, when not NULL,
** is a run-time per-channel bias added first (e->shift must then be NULL).
** res is the fused residual laid out like y; when e has a residual but res
** is NULL, the residual and the clamp are left to lp_epilogue_residual. */
void lp_epilogue_rows(const lp_epilogue *e, const float *bias, const float *res, float *y,
                      int64_t c0, int64_t nc, int64_t inner);
/* The fused residual of e as it is given to the kernel at run time: its
** data when it has exactly Y's shape (the fast path), else NULL. Fails when
** it is missing, not float, or would not broadcast to Y unchanged. */
int lp_epilogue_residual_input(lp_kctx *k, const lp_epilogue *e, const lp_tensor *Y,
                               const lp_tensor **R);
/* The slow path: y = clamp(y + R) with R broadcast to Y (float). */
void lp_epilogue_residual(const lp_epilogue *e, lp_tensor *Y, const lp_tensor *R);
/* Applies e to `rows` rows of n values (channel-last outputs: Gemm's [M, N]);
** a scale or shift needs n == e->channels. */
void lp_epilogue_cols(const lp_epilogue *e, float *y, int64_t rows, int64_t n);

#endif
