/*
** softmax.c — Softmax, LogSoftmax and Hardmax.
**
** Before opset 13 the input is coerced to 2-D at `axis` (default 1) and the
** normalisation runs over everything from axis on; from 13 it runs over the
** one axis (default -1). Both reduce to (outer, n, inner) blocks. float and
** double compute in their own type; half types are widened to float.
*/
#include "ops/tensorops.h"

#include <math.h>
#include <string.h>

typedef enum { SM_SOFT, SM_LOG, SM_HARD } sm_kind;

/* Softmax over n elements spaced `inner` apart, for each of `inner` columns. */
#define SOFTMAX_BLOCK(T, EXP, LOG)                                                                 \
    static void block_##T(const T *x, T *y, int64_t n, int64_t inner, sm_kind kind) {           \
        for (int64_t i = 0; i < inner; i++) {                                                      \
            const T *xp = x + i;                                                                   \
            T *yp = y + i;                                                                         \
            T mx = xp[0];                                                                          \
            for (int64_t j = 1; j < n; j++)                                                        \
                if (xp[j * inner] > mx) mx = xp[j * inner];                                        \
            T sum = 0;                                                                             \
            if (kind == SM_SOFT) {                                                                 \
                for (int64_t j = 0; j < n; j++) {                                                  \
                    T e = EXP(xp[j * inner] - mx);                                                 \
                    yp[j * inner] = e;                                                             \
                    sum += e;                                                                      \
                }                                                                                  \
                T inv = (T)1 / sum;                                                                \
                for (int64_t j = 0; j < n; j++) yp[j * inner] *= inv;                              \
            } else {                                                                               \
                for (int64_t j = 0; j < n; j++) sum += EXP(xp[j * inner] - mx);                    \
                T ls = LOG(sum) + mx;                                                              \
                for (int64_t j = 0; j < n; j++) yp[j * inner] = xp[j * inner] - ls;                \
            }                                                                                      \
        }                                                                                          \
    }

SOFTMAX_BLOCK(float, expf, logf)
SOFTMAX_BLOCK(double, exp, log)

static int softmax_common(lp_kctx *k, sm_kind kind) {
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kbad(k, "input is missing");
    if (!lp_dtype_is_float(x->dtype))
        return lp_kbad(k, "%s takes floating-point tensors, not %s", k->node->op_type,
                       lp_dtype_name(x->dtype));
    bool coerce = k->opset < 13;
    int64_t a = lp_attr_int(k->node, "axis", coerce ? 1 : -1);
    int r = x->rank;
    int axis = (int)(a < 0 ? a + r : a);
    /* opset < 13 accepts axis == rank (everything in one row) */
    if (axis < 0 || axis > r || (!coerce && axis == r) || (r == 0 && !coerce))
        return lp_kbad(k, "axis %lld is out of range for rank %d", (long long)a, r);
    int64_t outer = 1, n = 1, inner = 1;
    for (int d = 0; d < r; d++) {
        if (d < axis) outer *= x->dims[d];
        else if (d == axis || coerce) n *= x->dims[d];
        else inner *= x->dims[d];
    }
    lp_tensor *y = lp_out(k, 0, x->dtype, r, x->dims);
    if (!y) return LP_EFAIL;
    if (x->numel == 0) return LP_OK;
    int64_t blk = n * inner;

    if (kind == SM_HARD) {
        lp_zero_elems(y, 0, y->numel);
        for (int64_t o = 0; o < outer; o++)
            for (int64_t i = 0; i < inner; i++) {
                int64_t base = o * blk + i, best = 0;
                double bv = lp_get_f64(x, base);
                for (int64_t j = 1; j < n; j++) {
                    double v = lp_get_f64(x, base + j * inner);
                    if (v > bv) bv = v, best = j;
                }
                lp_store_f64(x->dtype, y->data, (size_t)(base + best * inner), 1.0);
            }
        return LP_OK;
    }
    if (x->dtype == LP_DOUBLE) {
        for (int64_t o = 0; o < outer; o++)
            block_double((const double *)x->data + o * blk, (double *)y->data + o * blk, n, inner, kind);
        return LP_OK;
    }
    if (x->dtype == LP_FLOAT) {
        for (int64_t o = 0; o < outer; o++)
            block_float((const float *)x->data + o * blk, (float *)y->data + o * blk, n, inner, kind);
        return LP_OK;
    }
    /* half and narrower floats: one block at a time through float */
    float *buf = lp_scratch(k, (size_t)blk * 2 * sizeof(float));
    if (!buf) return lp_kfail(k, "out of memory");
    size_t esz = lp_dtype_size(x->dtype);
    for (int64_t o = 0; o < outer; o++) {
        lp_to_f32(x->dtype, (const char *)x->data + (size_t)(o * blk) * esz, buf, blk);
        block_float(buf, buf + blk, n, inner, kind);
        lp_from_f32(x->dtype, buf + blk, (char *)y->data + (size_t)(o * blk) * esz, blk);
    }
    return LP_OK;
}

int lp_k_softmax(lp_kctx *k) { return softmax_common(k, SM_SOFT); }
int lp_k_log_softmax(lp_kctx *k) { return softmax_common(k, SM_LOG); }
int lp_k_hardmax(lp_kctx *k) { return softmax_common(k, SM_HARD); }
