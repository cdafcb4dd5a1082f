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

/* Softmax over n elements spaced `inner` apart, for each of `inner` columns.
** Columns are processed side by side (row by row through memory), with the
** running max and sum of each column in `tmp` (2 * inner values). */
#define SOFTMAX_BLOCK(T, EXP, LOG)                                                                 \
    static void block_##T(const T *x, T *y, int64_t n, int64_t inner, sm_kind kind, T *tmp) {      \
        T *mx = tmp, *sum = tmp + inner;                                                           \
        for (int64_t i = 0; i < inner; i++) {                                                      \
            mx[i] = x[i];                                                                          \
            sum[i] = 0;                                                                            \
        }                                                                                          \
        for (int64_t j = 1; j < n; j++)                                                            \
            for (int64_t i = 0; i < inner; i++)                                                    \
                if (x[j * inner + i] > mx[i]) mx[i] = x[j * inner + i];                            \
        if (kind == SM_SOFT) {                                                                     \
            for (int64_t j = 0; j < n; j++)                                                        \
                for (int64_t i = 0; i < inner; i++) {                                              \
                    T e = EXP(x[j * inner + i] - mx[i]);                                           \
                    y[j * inner + i] = e;                                                          \
                    sum[i] += e;                                                                   \
                }                                                                                  \
            for (int64_t i = 0; i < inner; i++) sum[i] = (T)1 / sum[i];                            \
            for (int64_t j = 0; j < n; j++)                                                        \
                for (int64_t i = 0; i < inner; i++) y[j * inner + i] *= sum[i];                    \
        } else {                                                                                   \
            for (int64_t j = 0; j < n; j++)                                                        \
                for (int64_t i = 0; i < inner; i++) sum[i] += EXP(x[j * inner + i] - mx[i]);       \
            for (int64_t i = 0; i < inner; i++) sum[i] = LOG(sum[i]) + mx[i];                      \
            for (int64_t j = 0; j < n; j++)                                                        \
                for (int64_t i = 0; i < inner; i++) y[j * inner + i] = x[j * inner + i] - sum[i];  \
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
        if (d < axis)
            outer *= x->dims[d];
        else if (d == axis || coerce)
            n *= x->dims[d];
        else
            inner *= x->dims[d];
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
    size_t esz = lp_dtype_size(x->dtype);
    bool wide = x->dtype == LP_DOUBLE, narrow = x->dtype != LP_FLOAT && !wide;
    /* scratch: a column max and sum, and for half types a float copy of the block in and out */
    size_t need =
        (size_t)(2 * inner + (narrow ? 2 * blk : 0)) * (wide ? sizeof(double) : sizeof(float));
    void *tmp = lp_scratch(k, need);
    if (!tmp) return lp_kfail(k, "out of memory");
    for (int64_t o = 0; o < outer; o++) {
        const char *xp = (const char *)x->data + (size_t)(o * blk) * esz;
        char *yp = (char *)y->data + (size_t)(o * blk) * esz;
        if (wide) {
            block_double((const double *)xp, (double *)yp, n, inner, kind, tmp);
        } else if (!narrow) {
            block_float((const float *)xp, (float *)yp, n, inner, kind, tmp);
        } else {
            float *in = (float *)tmp + 2 * inner, *out = in + blk;
            lp_to_f32(x->dtype, xp, in, blk);
            block_float(in, out, n, inner, kind, tmp);
            lp_from_f32(x->dtype, out, yp, blk);
        }
    }
    return LP_OK;
}

int lp_k_softmax(lp_kctx *k) {
    return softmax_common(k, SM_SOFT);
}
int lp_k_log_softmax(lp_kctx *k) {
    return softmax_common(k, SM_LOG);
}
int lp_k_hardmax(lp_kctx *k) {
    return softmax_common(k, SM_HARD);
}
