/*
** preprocess.c — the scikit-learn preprocessing steps of ai.onnx.ml 1:
** Normalizer (row-wise MAX, L1 or L2), Scaler ((x - offset) * scale per
** feature), Binarizer (x > threshold) and Imputer (replace a marker value).
** Features are the last axis; per-feature attributes have one entry or one
** per feature.
*/
#include "ops/ml/ml.h"

#include <math.h>
#include <string.h>

/* The size of the last axis (1 for a scalar). */
static int64_t last_dim(const lp_tensor *x) {
    return x->rank ? x->dims[x->rank - 1] : 1;
}

/* A per-feature list must have 1 or `f` entries. */
static int per_feature(lp_kctx *k, const char *name, int n, int64_t f) {
    if (n == 1 || n == f) return LP_OK;
    return lp_kbad(k, "%s has %d entries; X has %lld features (1 entry or one each is needed)",
                   name, n, (long long)f);
}

/* ---- Normalizer ---- */

/* As the spec writes them (and onnxruntime computes them): MAX divides by
** the largest value, L1 by the sum of |x|, L2 by the Euclidean norm (keeping
** signs); a row whose divisor is zero is left as it is. (The ONNX reference
** and scikit-learn divide MAX by the largest |x| instead.) */
int lp_k_ml_normalizer(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kfail(k, "input X is missing");
    const char *norm = lp_attr_string(k->node, "norm", "MAX");
    int kind = !strcmp(norm, "MAX") ? 0 : !strcmp(norm, "L1") ? 1 : !strcmp(norm, "L2") ? 2 : -1;
    if (kind < 0) return lp_kfail(k, "norm '%s' is not MAX, L1 or L2", norm);
    int64_t rows, cols;
    int rc = lp_ml_shape(k, x, &rows, &cols);
    if (rc) return rc;
    lp_tensor *y = lp_out(k, 0, LP_FLOAT, x->rank, x->dims);
    if (!y) return LP_EFAIL;
    float *out = y->data;
    for (int64_t r = 0; r < rows; r++) {
        double d = kind == 0 ? -INFINITY : 0;
        for (int64_t c = 0; c < cols; c++) {
            double v = lp_get_f64(x, r * cols + c);
            if (kind == 0)
                d = v > d ? v : d;
            else if (kind == 1)
                d += fabs(v);
            else
                d += v * v;
        }
        if (kind == 2) d = sqrt(d);
        if (d == 0 || cols == 0) d = 1;
        for (int64_t c = 0; c < cols; c++)
            out[r * cols + c] = (float)(lp_get_f64(x, r * cols + c) / d);
    }
    return LP_OK;
}

/* ---- Scaler ---- */

int lp_k_ml_scaler(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kfail(k, "input X is missing");
    if (!lp_ml_numeric(x))
        return lp_kbad(k, "input X is %s; float, double, int32 or int64 is needed",
                       lp_dtype_name(x->dtype));
    int n_off, n_scale;
    const float *off = lp_attr_floats(k->node, "offset", &n_off);
    const float *scale = lp_attr_floats(k->node, "scale", &n_scale);
    int64_t f = last_dim(x);
    if ((n_off && per_feature(k, "offset", n_off, f)) ||
        (n_scale && per_feature(k, "scale", n_scale, f)))
        return LP_EINPUT;
    lp_tensor *y = lp_out(k, 0, LP_FLOAT, x->rank, x->dims);
    if (!y) return LP_EFAIL;
    float *out = y->data;
    for (int64_t i = 0; i < x->numel; i++) {
        int64_t c = f ? i % f : 0;
        double o = n_off ? off[n_off == 1 ? 0 : c] : 0,
               s = n_scale ? scale[n_scale == 1 ? 0 : c] : 1;
        out[i] = (float)((lp_get_f64(x, i) - o) * s);
    }
    return LP_OK;
}

/* ---- Binarizer ---- */

/* 1 where x > threshold, else 0 (NaN included), in X's own type. */
int lp_k_ml_binarizer(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kfail(k, "input X is missing");
    if (!lp_ml_numeric(x))
        return lp_kbad(k, "input X is %s; float, double, int32 or int64 is needed",
                       lp_dtype_name(x->dtype));
    double th = lp_attr_float(k->node, "threshold", 0.0f);
    lp_tensor *y = lp_out(k, 0, x->dtype, x->rank, x->dims);
    if (!y) return LP_EFAIL;
    for (int64_t i = 0; i < x->numel; i++)
        lp_store_f64(y->dtype, y->data, (size_t)i, lp_get_f64(x, i) > th ? 1.0 : 0.0);
    return LP_OK;
}

/* ---- Imputer ---- */

/* Floats (float, double inputs) replace replaced_value_float, NaN meaning
** every NaN; integers (int32, int64) replace replaced_value_int64. */
int lp_k_ml_imputer(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kfail(k, "input X is missing");
    if (!lp_ml_numeric(x))
        return lp_kbad(k, "input X is %s; float, double, int32 or int64 is needed",
                       lp_dtype_name(x->dtype));
    bool fl = x->dtype == LP_FLOAT || x->dtype == LP_DOUBLE;
    int n;
    const float *fv = lp_attr_floats(k->node, "imputed_value_floats", &n);
    const int64_t *iv = NULL;
    if (!fl) iv = lp_attr_ints(k->node, "imputed_value_int64s", &n);
    if (n == 0)
        return lp_kfail(k, "%s is missing or empty for %s input",
                        fl ? "imputed_value_floats" : "imputed_value_int64s",
                        lp_dtype_name(x->dtype));
    int64_t f = last_dim(x);
    if (per_feature(k, fl ? "imputed_value_floats" : "imputed_value_int64s", n, f))
        return LP_EINPUT;
    lp_tensor *y = lp_out(k, 0, x->dtype, x->rank, x->dims);
    if (!y) return LP_EFAIL;
    if (fl) {
        double rep = lp_attr_float(k->node, "replaced_value_float", 0.0f);
        bool nan = rep != rep;
        for (int64_t i = 0; i < x->numel; i++) {
            double v = lp_get_f64(x, i);
            if (nan ? v != v : v == rep) v = fv[n == 1 ? 0 : i % f];
            lp_store_f64(y->dtype, y->data, (size_t)i, v);
        }
    } else {
        int64_t rep = lp_attr_int(k->node, "replaced_value_int64", 0);
        for (int64_t i = 0; i < x->numel; i++) {
            int64_t v = lp_get_i64(x, i);
            if (v == rep) v = iv[n == 1 ? 0 : i % f];
            if (y->dtype == LP_INT64)
                ((int64_t *)y->data)[i] = v;
            else
                ((int32_t *)y->data)[i] = (int32_t)v;
        }
    }
    return LP_OK;
}
