/*
** nn.h — what the nn kernels (conv.c, pool.c, norm.c, gemm.c) share.
**
** Sliding-window geometry for Conv, ConvTranspose, Col2Im and the pooling
** operators: the attributes (kernel_shape, strides, dilations, pads,
** auto_pad) read once, with the spatial dims normalised to three (D, H, W),
** so that one loop nest serves 1-D, 2-D and 3-D windows. Unused leading dims
** are 1 wide, with stride 1 and no padding.
**
** And float views: these kernels compute in float; float16, bfloat16 and
** double tensors are converted on the way in and out.
*/
#ifndef LP_NN_H
#define LP_NN_H

#include "ops/kernel.h"

/* The build's -O2 gives GCC's "very cheap" vectoriser, which leaves a loop
** scalar whenever its trip count is unknown: these kernels' inner loops are
** just that. Each nn source says LP_NN_VECTORIZE once, after its includes. */
#if defined(__GNUC__) && !defined(__clang__)
#define LP_NN_VECTORIZE _Pragma("GCC optimize(\"vect-cost-model=dynamic\")")
#else
#define LP_NN_VECTORIZE
#endif

#define LP_WIN_DIMS 3

typedef struct lp_window {
    int nd;                   /* spatial dims as given: 1..3 */
    int64_t in[LP_WIN_DIMS];  /* input extent */
    int64_t k[LP_WIN_DIMS];   /* kernel extent */
    int64_t s[LP_WIN_DIMS];   /* stride */
    int64_t d[LP_WIN_DIMS];   /* dilation */
    int64_t pb[LP_WIN_DIMS];  /* padding before */
    int64_t pe[LP_WIN_DIMS];  /* padding after */
    int64_t out[LP_WIN_DIMS]; /* output extent */
} lp_window;

/* Reads the attributes of a windowed op over `nd` spatial dims of extents
** `in`. The kernel comes from kernel_shape, else from `kshape` (the weight's
** dims; NULL when the attribute is required). Computes out with Conv's rule,
** or the pooling rule when `pool` (ceil_mode honoured). */
int lp_window_init(lp_kctx *k, lp_window *w, int nd, const int64_t *in, const int64_t *kshape,
                   bool pool);
/* Element counts of the normalised input and output grids. */
int64_t lp_window_in_size(const lp_window *w);
int64_t lp_window_out_size(const lp_window *w);
/* Reads the int list attribute `name` into v[0..nd) (normalised to three
** dims, `dflt` where absent). Fails when it has another length. */
int lp_window_ints(lp_kctx *k, const char *name, int nd, int64_t dflt, int64_t *v);

/* im2col of all channels, rows [k0, k0 + kc) and columns [n0, n0 + nc) of
** the unrolled matrix (columns: all output positions), written straight
** into the panels the packed GEMM takes (pgemm.h), the last padded with
** zeros. */
void lp_im2col_pack(const lp_window *w, const float *x, int64_t k0, int64_t kc, int64_t n0,
                    int64_t nc, float *dst);
/* col2im: the adjoint of im2col over all output rows: image += col, where
** the image has C channels of the `in` grid. */
void lp_col2im(const lp_window *w, int64_t C, const float *col, float *image);

/* ---- float views ---- */

/* True for the types these kernels take: float, float16, bfloat16, double. */
bool lp_nn_float_type(lp_dtype t);
/* t's values as floats: t->data itself for float tensors, else converted
** into buf (t->numel floats), which is returned. */
const float *lp_nn_floats(const lp_tensor *t, float *buf);
/* Stores n floats into t (of a float type) from element 0 on. */
void lp_nn_store(lp_tensor *t, const float *src, int64_t n);
/* Scratch for kernels that need several arrays: carves `n` float arrays of
** the given lengths out of the session's scratch (64-byte aligned each).
** NULL (and k->err set) when out of memory. */
float *lp_nn_scratch(lp_kctx *k, int n, const int64_t *lens, float **arrays);
/* Float views for a kernel whose output Y has its input X's type: *x reads X,
** *y is where to write (Y's own data when float); lp_nn_store(Y, y, Y->numel)
** then puts the result in place. LP_EFAIL (k->err set) when out of memory. */
int lp_nn_views(lp_kctx *k, const lp_tensor *X, lp_tensor *Y, const float **x, float **y);

#endif
