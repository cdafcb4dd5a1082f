/*
** tensorops.h — helpers shared by the data-movement, indexing and reduction
** kernels (shape_ops.c, concat_split.c, slice.c, reduce.c, softmax.c,
** sorting.c, einsum.c, det.c): element copies that know strings, strided
** N-D copies, integer lists read from inputs or attributes, and typed
** dispatch for the few kernels that compute.
*/
#ifndef LP_TENSOROPS_H
#define LP_TENSOROPS_H

#include "ops/kernel.h"

/* Every plain C numeric type, as X(dtype, ctype). float16, bfloat16 and the
** float8s are not here: kernels that compute widen them to float first. */
#define LP_PLAIN_NUMERIC(X)                                                                        \
    X(LP_FLOAT, float)                                                                             \
    X(LP_DOUBLE, double)                                                                           \
    X(LP_INT8, int8_t)                                                                             \
    X(LP_UINT8, uint8_t)                                                                           \
    X(LP_INT16, int16_t)                                                                           \
    X(LP_UINT16, uint16_t)                                                                         \
    X(LP_INT32, int32_t)                                                                           \
    X(LP_UINT32, uint32_t)                                                                         \
    X(LP_INT64, int64_t)                                                                           \
    X(LP_UINT64, uint64_t)                                                                         \
    X(LP_BOOL, uint8_t)

/* ---- copies (strings are duplicated, never shared) ---- */

/* Copies n elements src[si..] to dst[di..] (same dtype). */
void lp_copy_elems(lp_tensor *dst, int64_t di, const lp_tensor *src, int64_t si, int64_t n);
/* The same over raw arrays of n elements of dtype. */
void lp_copy_values(lp_dtype dtype, void *dst, const void *src, int64_t n);
/* Sets dst[di..di+n) to the one element `one` points at (a char** for strings). */
void lp_fill_elems(lp_tensor *dst, int64_t di, const void *one, int64_t n);
/* Sets elements to zero ("" for strings). */
void lp_zero_elems(lp_tensor *dst, int64_t di, int64_t n);

/* The N-D strided copy under Transpose, Slice, Expand, Tile, Pad and the
** space/depth shuffles: for every index vector i < dims,
**   dst[doff + sum i_d*dstr_d] = src[soff + sum i_d*sstr_d]
** Strides are in elements and may be 0 (broadcast) or negative (reversed).
** Contiguous runs become memcpy; a transposed pair of axes is walked in tiles. */
void lp_strided_copy(lp_tensor *dst, int64_t doff, const int64_t *dstr, const lp_tensor *src,
                     int64_t soff, const int64_t *sstr, int rank, const int64_t *dims);
/* Contiguous strides (in elements) of a shape. */
void lp_contig_strides(int rank, const int64_t *dims, int64_t *strides);
/* dst (contiguous, shape dims[perm[i]]) = src viewed with shape `dims`, permuted. */
void lp_permute_copy(lp_tensor *dst, const lp_tensor *src, int rank, const int64_t *dims,
                     const int *perm);

/* ---- integer lists ---- */

/* Reads a 1-D (or scalar) int32/int64 input into out[0..*n), at most max
** values; fails naming `what` when it is not an integer tensor or too long. */
int lp_input_ints(lp_kctx *k, int i, const char *what, int64_t *out, int max, int *n);
/* Normalises axes against rank in place, refusing out-of-range and
** repeated ones (`what` names them in the message). */
int lp_norm_axes(lp_kctx *k, int64_t *axes, int n, int rank, const char *what);

/* ---- typed values ---- */

/* Bulk conversions between any numeric tensor's storage and float/double. */
void lp_to_f32(lp_dtype t, const void *src, float *dst, int64_t n);
void lp_from_f32(lp_dtype t, const float *src, void *dst, int64_t n);
void lp_to_f64(lp_dtype t, const void *src, double *dst, int64_t n);
void lp_from_f64(lp_dtype t, const double *src, void *dst, int64_t n);

/* How two elements combine in Scatter*, as the `reduction` attribute says. */
typedef enum lp_combine {
    LP_COMB_NONE,
    LP_COMB_ADD,
    LP_COMB_MUL,
    LP_COMB_MAX,
    LP_COMB_MIN
} lp_combine;
/* Parses the `reduction` attribute; fails on an unknown value. */
int lp_combine_attr(lp_kctx *k, lp_combine *out);
/* dst[di] = combine(dst[di], src[si]) for numeric tensors of the same dtype. */
void lp_combine_elem(lp_combine c, lp_tensor *dst, int64_t di, const lp_tensor *src, int64_t si);

/* Three-way comparison of two elements of numeric or string tensors (NaN
** sorts after everything, as numpy does). */
int lp_compare_elems(const lp_tensor *a, int64_t i, const lp_tensor *b, int64_t j);
/* True when the element is nonzero (non-empty for strings). */
bool lp_elem_nonzero(const lp_tensor *t, int64_t i);

/* Element type names a kernel refuses with, e.g. "Reshape does not take string". */
bool lp_dtype_is_numeric(lp_dtype t);

#endif
