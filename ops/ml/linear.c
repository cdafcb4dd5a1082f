/*
** linear.c — LinearRegressor and LinearClassifier (ai.onnx.ml 1): scores
** X·Wᵀ + b by one GEMM, then the post_transform and, for the classifier,
** the winning label. scikit-learn's linear models export to these.
*/
#include "ops/ml/ml.h"

#include <cblas.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct linear_state {
    double *w;    /* [rows, features] */
    double *b;    /* [rows], zeros when no intercepts */
    int64_t rows; /* targets or coefficient rows; 0 until known (classifier) */
    int n_coef;
    lp_ml_post post;
    lp_ml_labels labels;
} linear_state;

void lp_k_ml_linear_release(void *state) {
    linear_state *st = state;
    if (!st) return;
    free(st->w);
    free(st->b);
    free(st);
}

/* Reads coefficients and intercepts; rows is fixed by `targets` (regressor)
** or by the intercepts (classifier), else left for the input to settle. */
static int linear_prepare(lp_kctx *k, int64_t targets) {
    int n_coef, n_icpt;
    const float *coef = lp_attr_floats(k->node, "coefficients", &n_coef);
    const float *icpt = lp_attr_floats(k->node, "intercepts", &n_icpt);
    if (n_coef <= 0) return lp_kfail(k, "coefficients are missing");
    linear_state *st = lp_xcalloc(1, sizeof *st);
    k->state = st;
    int rc = lp_ml_post_attr(k, &st->post);
    if (rc) return rc;
    st->n_coef = n_coef;
    st->rows = targets > 0 ? targets : n_icpt;
    if (targets > 0 && n_icpt > 0 && n_icpt != targets)
        return lp_kfail(k, "%d intercepts for %lld targets", n_icpt, (long long)targets);
    if (st->rows > 0 && n_coef % st->rows)
        return lp_kfail(k, "%d coefficients do not split into %lld rows", n_coef,
                        (long long)st->rows);
    st->w = lp_xmalloc((size_t)n_coef * sizeof *st->w);
    for (int i = 0; i < n_coef; i++) st->w[i] = coef[i];
    int nb = st->rows > 0 ? (int)st->rows : n_coef;
    st->b = lp_xcalloc((size_t)nb, sizeof *st->b);
    for (int i = 0; i < n_icpt && i < nb; i++) st->b[i] = icpt[i];
    return LP_OK;
}

/* scores[N, rows] = X·Wᵀ + b, in scratch after X. */
static double *linear_scores(lp_kctx *k, const linear_state *st, const lp_tensor *x, int64_t *n,
                             int64_t *rows) {
    int64_t cols;
    if (lp_ml_shape(k, x, n, &cols)) return NULL;
    *rows = st->rows;
    if (*rows == 0) { /* a classifier without intercepts: rows follow from X */
        if (cols == 0 || st->n_coef % cols) {
            lp_kbad(k, "X has %lld features; %d coefficients do not split into rows of that",
                    (long long)cols, st->n_coef);
            return NULL;
        }
        *rows = st->n_coef / cols;
    } else if (cols * *rows != st->n_coef) {
        lp_kbad(k, "X has %lld features; the model has %lld per row", (long long)cols,
                (long long)(st->n_coef / *rows));
        return NULL;
    }
    size_t extra;
    if (*n > INT_MAX || *rows > INT_MAX || cols > INT_MAX ||
        lp_mul_size((size_t)*n, (size_t)*rows, &extra) || extra > SIZE_MAX / 16) {
        lp_kbad(k, "X [%lld, %lld] with %lld score rows is too large", (long long)*n,
                (long long)cols, (long long)*rows);
        return NULL;
    }
    double *xd = lp_ml_doubles(k, x, extra + (size_t)*rows + 2);
    if (!xd) return NULL;
    double *s = xd + x->numel;
    for (int64_t r = 0; r < *n; r++)
        for (int64_t j = 0; j < *rows; j++) s[r * *rows + j] = st->b[j];
    if (*n > 0 && *rows > 0 && cols > 0)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)*n, (int)*rows, (int)cols, 1.0,
                    xd, (int)cols, st->w, (int)cols, 1.0, s, (int)*rows);
    return s;
}

/* ---- LinearRegressor ---- */

int lp_k_ml_linear_regressor_prepare(lp_kctx *k) {
    int64_t targets = lp_attr_int(k->node, "targets", 1);
    if (targets < 1 || targets > (1 << 20))
        return lp_kfail(k, "targets is %lld; 1 or more is needed", (long long)targets);
    return linear_prepare(k, targets);
}

int lp_k_ml_linear_regressor(lp_kctx *k) {
    const linear_state *st = k->state;
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kfail(k, "input X is missing");
    int64_t n, rows;
    double *s = linear_scores(k, st, x, &n, &rows);
    if (!s) return k->err->status;
    lp_tensor *y = lp_out(k, 0, LP_FLOAT, 2, (int64_t[]){n, rows});
    if (!y) return LP_EFAIL;
    float *out = y->data;
    for (int64_t r = 0; r < n; r++) {
        lp_ml_transform(s + r * rows, rows, st->post);
        for (int64_t j = 0; j < rows; j++) out[r * rows + j] = (float)s[r * rows + j];
    }
    return LP_OK;
}

/* ---- LinearClassifier ---- */

int lp_k_ml_linear_classifier_prepare(lp_kctx *k) {
    int rc = linear_prepare(k, 0);
    if (rc) return rc;
    linear_state *st = k->state;
    rc = lp_ml_labels_attr(k, "classlabels_ints", &st->labels);
    if (rc) return rc;
    if (st->rows > 1 && st->labels.n > 0 && st->labels.n < st->rows)
        return lp_kfail(k, "%lld score rows but only %d class labels", (long long)st->rows,
                        st->labels.n);
    return LP_OK;
}

/* As the reference: one coefficient row with two classes scores [-s, s],
** then the transform (onnxruntime leaves [1 - s, s] untransformed under
** NONE, SOFTMAX and SOFTMAX_ZERO; LOGISTIC agrees); one row otherwise
** thresholds the (transformed) score; several rows take the best.
** multi_class changes nothing. */
int lp_k_ml_linear_classifier(lp_kctx *k) {
    const linear_state *st = k->state;
    const lp_ml_labels *l = &st->labels;
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kfail(k, "input X is missing");
    int64_t n, rows;
    double *s = linear_scores(k, st, x, &n, &rows);
    if (!s) return k->err->status;
    if (rows > 1 && l->n > 0 && l->n < rows)
        return lp_kbad(k, "%lld score rows but only %d class labels", (long long)rows, l->n);
    bool binary = rows == 1 && l->n == 2;
    int64_t width = binary ? 2 : rows;
    lp_tensor *y = lp_out(k, 0, l->strs ? LP_STRING : LP_INT64, 1, &n);
    if (!y) return LP_EFAIL;
    lp_tensor *z = lp_out(k, 1, LP_FLOAT, 2, (int64_t[]){n, width});
    if (!z) return LP_EFAIL;
    double *row = s + n * rows; /* room for one widened row */
    for (int64_t r = 0; r < n; r++) {
        if (binary) {
            row[0] = -s[r];
            row[1] = s[r];
        } else {
            for (int64_t j = 0; j < rows; j++) row[j] = s[r * rows + j];
        }
        int64_t best = lp_ml_transform_best(row, width, st->post);
        for (int64_t j = 0; j < width; j++) ((float *)z->data)[r * width + j] = (float)row[j];
        if (width > 1) {
            if (l->n > 0)
                lp_ml_label_put(y, r, l, best);
            else
                lp_ml_label_put_int(y, r, best);
        } else if (width == 1) {
            bool pos = row[0] >= (st->post == LP_ML_NONE ? 0.0 : 0.5);
            if (l->n == 0)
                lp_ml_label_put_int(y, r, pos);
            else if (pos)
                lp_ml_label_put(y, r, l, 0);
            else if (l->strs)
                lp_ml_label_put_str(y, r, "");
            else
                lp_ml_label_put_int(y, r, 0);
        }
    }
    return LP_OK;
}
