/*
** loss.c — NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.
**
** Both read scores laid out (N, C, d1, ..., dk) and integer targets (N, d1,
** ..., dk). SoftmaxCrossEntropyLoss is NegativeLogLikelihoodLoss over the
** log-softmax of its scores along C (which it can also output). Samples whose
** target equals ignore_index weigh nothing: they add zero to the loss and,
** for the mean, nothing to the denominator. Computed in double.
*/
#include "ops/nn.h"
#include "ops/tensorops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { RED_NONE, RED_SUM, RED_MEAN };

static int reduction(lp_kctx *k, int *out) {
    const char *r = lp_attr_string(k->node, "reduction", "mean");
    if (!strcmp(r, "none")) *out = RED_NONE;
    else if (!strcmp(r, "sum")) *out = RED_SUM;
    else if (!strcmp(r, "mean")) *out = RED_MEAN;
    else return lp_kfail(k, "unknown reduction '%s'", r);
    return LP_OK;
}

/* The loss from log-probabilities lp (N * C * D values, double) into output 0. */
static int nll(lp_kctx *k, const double *logp, lp_dtype t, const lp_tensor *scores,
               const lp_tensor *target, const lp_tensor *weight) {
    int red = RED_MEAN, rc;
    if ((rc = reduction(k, &red))) return rc;
    int64_t N = scores->dims[0], C = scores->dims[1], D = 1;
    for (int i = 2; i < scores->rank; i++) D *= scores->dims[i];
    if (!lp_dtype_is_int(target->dtype)) return lp_kbad(k, "the target must be integers");
    bool same = target->rank == scores->rank - 1 && target->dims[0] == N;
    for (int i = 1; same && i < target->rank; i++) same = target->dims[i] == scores->dims[i + 1];
    if (!same) return lp_kbad(k, "the target's shape does not match the scores' (N, d1, ..., dk)");
    if (weight && (weight->rank != 1 || weight->dims[0] != C || !lp_nn_float_type(weight->dtype)))
        return lp_kbad(k, "the weight must be a float vector of C values");
    const lp_attr *ia = lp_node_attr(k->node, "ignore_index");
    int64_t ignore = ia ? ia->i : 0;
    lp_tensor *L = red == RED_NONE ? lp_out(k, 0, t, target->rank, target->dims)
                                   : lp_out(k, 0, t, 0, NULL);
    if (!L) return LP_EFAIL;
    double sum = 0, wsum = 0;
    for (int64_t n = 0; n < N; n++)
        for (int64_t d = 0; d < D; d++) {
            int64_t i = n * D + d, c = lp_get_i64(target, i);
            double loss = 0, w = 0;
            if (!(ia && c == ignore)) {
                if (c < 0 || c >= C)
                    return lp_kbad(k, "target %lld is not a class in [0, %lld)", (long long)c,
                                   (long long)C);
                w = weight ? lp_get_f64(weight, c) : 1.0;
                loss = -logp[(n * C + c) * D + d] * w;
            }
            if (red == RED_NONE) lp_store_f64(t, L->data, (size_t)i, loss);
            sum += loss;
            wsum += w;
        }
    if (red == RED_SUM) lp_store_f64(t, L->data, 0, sum);
    if (red == RED_MEAN) lp_store_f64(t, L->data, 0, sum / wsum);
    return LP_OK;
}

static int check_scores(lp_kctx *k, const lp_tensor *x, const lp_tensor *target) {
    if (!x || !target) return lp_kfail(k, "the scores and the target are required");
    if (!lp_nn_float_type(x->dtype)) return lp_kfail(k, "%s scores are not supported",
                                                     lp_dtype_name(x->dtype));
    if (x->rank < 2) return lp_kbad(k, "the scores must be (N, C, ...)");
    return LP_OK;
}

/* The scores as doubles, in scratch; NULL (k->err set) when too large. */
static double *scratch_doubles(lp_kctx *k, int64_t n) {
    size_t bytes;
    if (n < 0 || lp_mul_size((size_t)n, sizeof(double), &bytes)) {
        lp_kbad(k, "the scores are too large");
        return NULL;
    }
    double *p = lp_scratch(k, bytes ? bytes : 8);
    if (!p) lp_kfail(k, "out of memory for %zu bytes", bytes);
    return p;
}

int lp_k_negative_log_likelihood_loss(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0), *target = lp_in(k, 1), *weight = lp_in(k, 2);
    int rc = check_scores(k, x, target);
    if (rc) return rc;
    double *logp = scratch_doubles(k, x->numel);
    if (!logp) return LP_EFAIL;
    lp_to_f64(x->dtype, x->data, logp, x->numel);
    return nll(k, logp, x->dtype, x, target, weight);
}

int lp_k_softmax_cross_entropy_loss(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0), *target = lp_in(k, 1), *weight = lp_in(k, 2);
    int rc = check_scores(k, x, target);
    if (rc) return rc;
    double *logp = scratch_doubles(k, x->numel);
    if (!logp) return LP_EFAIL;
    lp_to_f64(x->dtype, x->data, logp, x->numel);
    int64_t N = x->dims[0], C = x->dims[1], D = N > 0 && C > 0 ? x->numel / (N * C) : 0;
    /* log-softmax along C, in place */
    for (int64_t n = 0; n < N; n++)
        for (int64_t d = 0; d < D; d++) {
            double *p = logp + n * C * D + d, mx = -INFINITY, s = 0;
            for (int64_t c = 0; c < C; c++) mx = p[c * D] > mx ? p[c * D] : mx;
            for (int64_t c = 0; c < C; c++) s += exp(p[c * D] - mx);
            double lse = mx + log(s);
            for (int64_t c = 0; c < C; c++) p[c * D] -= lse;
        }
    if (lp_out_wanted(k, 1)) {
        lp_tensor *LP = lp_out(k, 1, x->dtype, x->rank, x->dims);
        if (!LP) return LP_EFAIL;
        lp_from_f64(x->dtype, logp, LP->data, x->numel);
    }
    return nll(k, logp, x->dtype, x, target, weight);
}
