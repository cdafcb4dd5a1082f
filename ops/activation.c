/*
** activation.c — activation kernels (Relu, Sigmoid, Gelu, Clip, ...), each
** an expression over ops/ew.h loops with its attributes as loop parameters.
*/
#include "ops/ew.h"

#include <float.h>
#include <string.h>

#define CLAMP(x, lo, hi) ((x) < (lo) ? (lo) : (x) > (hi) ? (hi) : (x))
/* log(1 + exp(v)) = max(v, 0) + log1p(exp(-|v|)), without overflow */
#define SOFTPLUS(v) (((v) > 0 ? (v) : 0) + LP_LOG1P_POS(LP_EXP((v) > 0 ? -(v) : (v))))

#define ACTIVATION(NAME, EXPR)                                                                     \
    LP_EW_MAPS(ew_##NAME, LP_EW_FLOATS, lp_t, EXPR)                                                \
    LP_EW_TABLE(lp_ew_map_fn, ew_##NAME, LP_EW_FLOATS)

/* alpha, beta, gamma hold the attributes; `(lp_t)alpha` keeps float math in float. */
ACTIVATION(sigmoid, 1 / (1 + LP_EXP(-v)))
ACTIVATION(tanh, LP_TANH(v))
ACTIVATION(leaky_relu, v < 0 ? (lp_t)alpha * v : v)
ACTIVATION(elu, v < 0 ? (lp_t)alpha * (LP_EXP(v) - 1) : v)
ACTIVATION(selu, v > 0 ? (lp_t)gamma * v : (lp_t)gamma * ((lp_t)alpha * LP_EXP(v) - (lp_t)alpha))
ACTIVATION(celu, v > 0 ? v : (lp_t)alpha * (LP_EXP(v / (lp_t)alpha) - 1))
ACTIVATION(hard_sigmoid, CLAMP((lp_t)alpha * v + (lp_t)beta, (lp_t)0, (lp_t)1))
ACTIVATION(hard_swish, v * CLAMP(v * (lp_t)(1.0 / 6) + (lp_t)0.5, (lp_t)0, (lp_t)1))
ACTIVATION(softplus, SOFTPLUS(v))
ACTIVATION(softsign, v / (1 + fabs(v)))
ACTIVATION(thresholded_relu, v > (lp_t)alpha ? v : 0)
ACTIVATION(gelu, (lp_t)0.5 * v * (1 + LP_ERF(v * (lp_t)0.70710678118654752440)))
/* 0.7978845608 = sqrt(2 / pi) */
ACTIVATION(gelu_tanh, (lp_t)0.5 * v *
                          (1 + LP_TANH((lp_t)0.79788456080286535588 *
                                       (v + (lp_t)0.044715 * v * v * v))))
ACTIVATION(mish, v * LP_TANH(SOFTPLUS(v)))
ACTIVATION(swish, v / (1 + LP_EXP(-(lp_t)alpha * v)))

static int act(lp_kctx *k, const lp_ew_map_fn *tab, double alpha, double beta, double gamma) {
    lp_ew_param p = {.alpha = alpha, .beta = beta, .gamma = gamma};
    return lp_ew_map_op(k, tab, LP_UNDEFINED, &p);
}
static float attr(lp_kctx *k, const char *name, float dflt) {
    return lp_attr_float(k->node, name, dflt);
}

int lp_k_sigmoid(lp_kctx *k) { return act(k, ew_sigmoid_tab, 0, 0, 0); }
int lp_k_tanh(lp_kctx *k) { return act(k, ew_tanh_tab, 0, 0, 0); }
int lp_k_leaky_relu(lp_kctx *k) { return act(k, ew_leaky_relu_tab, attr(k, "alpha", 0.01f), 0, 0); }
int lp_k_elu(lp_kctx *k) { return act(k, ew_elu_tab, attr(k, "alpha", 1.0f), 0, 0); }
int lp_k_selu(lp_kctx *k) {
    return act(k, ew_selu_tab, attr(k, "alpha", 1.67326319217681884765625f), 0,
               attr(k, "gamma", 1.05070102214813232421875f));
}
int lp_k_celu(lp_kctx *k) { return act(k, ew_celu_tab, attr(k, "alpha", 1.0f), 0, 0); }
int lp_k_hard_sigmoid(lp_kctx *k) {
    return act(k, ew_hard_sigmoid_tab, attr(k, "alpha", 0.2f), attr(k, "beta", 0.5f), 0);
}
int lp_k_hard_swish(lp_kctx *k) { return act(k, ew_hard_swish_tab, 0, 0, 0); }
int lp_k_softplus(lp_kctx *k) { return act(k, ew_softplus_tab, 0, 0, 0); }
int lp_k_softsign(lp_kctx *k) { return act(k, ew_softsign_tab, 0, 0, 0); }
int lp_k_thresholded_relu(lp_kctx *k) {
    return act(k, ew_thresholded_relu_tab, attr(k, "alpha", 1.0f), 0, 0);
}
int lp_k_mish(lp_kctx *k) { return act(k, ew_mish_tab, 0, 0, 0); }
int lp_k_swish(lp_kctx *k) { return act(k, ew_swish_tab, attr(k, "alpha", 1.0f), 0, 0); }

int lp_k_gelu(lp_kctx *k) {
    const char *approx = lp_attr_string(k->node, "approximate", "none");
    if (!strcmp(approx, "tanh")) return act(k, ew_gelu_tanh_tab, 0, 0, 0);
    if (strcmp(approx, "none")) return lp_kfail(k, "approximate must be \"none\" or \"tanh\"");
    return act(k, ew_gelu_tab, 0, 0, 0);
}

/* Relu keeps NaN (v < 0 is false for it), as numpy's maximum does. */
LP_EW_MAPS(ew_relu, LP_EW_SIGNED, lp_t, v < 0 ? 0 : v)
LP_EW_TABLE(lp_ew_map_fn, ew_relu, LP_EW_SIGNED)
int lp_k_relu(lp_kctx *k) { return lp_ew_map_op(k, ew_relu_tab, LP_UNDEFINED, NULL); }

/* Shrink: integers compare against the float thresholds in double. */
LP_EW_MAPS(ew_shrink, LP_EW_FLOATS, lp_t,
           v < -(lp_t)alpha ? v + (lp_t)beta : v > (lp_t)alpha ? v - (lp_t)beta : 0)
LP_EW_MAPS(ew_shrink, LP_EW_INTS, lp_t,
           (double)v < -alpha ? (double)v + beta : (double)v > alpha ? (double)v - beta : 0)
LP_EW_TABLE(lp_ew_map_fn, ew_shrink, LP_EW_NUMERIC)
int lp_k_shrink(lp_kctx *k) {
    return act(k, ew_shrink_tab, attr(k, "lambd", 0.5f), attr(k, "bias", 0.0f), 0);
}

/* PRelu: y = x < 0 ? slope * x : x, the slope broadcast to x's shape. */
LP_EW_ZIPS(ew_prelu, LP_EW_SIGNED, lp_t, a < 0 ? (lp_u)a * (lp_u)b : (lp_u)a)
LP_EW_ZIPS(ew_prelu, LP_EW_UINTS, lp_t, a)
LP_EW_TABLE(lp_ew_zip_fn, ew_prelu, LP_EW_NUMERIC)

/* True when t broadcasts to (rank, dims) without growing it. */
static bool broadcasts_to(const lp_tensor *t, int rank, const int64_t *dims) {
    if (t->rank > rank) return false;
    for (int d = 0; d < t->rank; d++) {
        int64_t s = t->dims[d], o = dims[rank - t->rank + d];
        if (s != o && s != 1) return false;
    }
    return true;
}

int lp_k_prelu(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0), *slope = lp_in(k, 1);
    if (!x || !slope) return lp_kfail(k, "needs inputs X and slope");
    lp_tensor view = *slope;
    if (!broadcasts_to(slope, x->rank, x->dims)) {
        /* opset < 7 took a slope per channel: [C] against [N, C, ...] */
        if (!(slope->rank == 1 && x->rank >= 2 && slope->dims[0] == x->dims[1])) {
            char a[200], b[200];
            return lp_kbad(k, "slope [%s] does not broadcast to X [%s]",
                           lp_dims_str(slope->rank, slope->dims, a, sizeof a, true),
                           lp_dims_str(x->rank, x->dims, b, sizeof b, true));
        }
        view.rank = x->rank - 1;
        for (int d = 1; d < view.rank; d++) view.dims[d] = 1;
    }
    lp_tensor *y = lp_out(k, 0, x->dtype, x->rank, x->dims);
    if (!y) return LP_EFAIL;
    return lp_ew_zip(k, ew_prelu_tab, x, &view, y, NULL);
}

/* Clip: alpha/beta bound floats; ilo/ihi bound integers, present when bit
** 1/2 of cnt is set. A min above the max gives the max, like numpy.clip. */
LP_EW_MAPS(ew_clip, LP_EW_FLOATS, lp_t,
           (v < (lp_t)alpha ? (lp_t)alpha : v) > (lp_t)beta ? (lp_t)beta
                                                             : (v < (lp_t)alpha ? (lp_t)alpha : v))
LP_EW_MAPS(ew_clip, LP_EW_INTS, lp_t,
           (cnt & 2) && ((cnt & 1) && v < (lp_t)ilo ? (lp_t)ilo : v) > (lp_t)ihi
               ? (lp_t)ihi
               : ((cnt & 1) && v < (lp_t)ilo ? (lp_t)ilo : v))
LP_EW_TABLE(lp_ew_map_fn, ew_clip, LP_EW_NUMERIC)

static int clip_bound(lp_kctx *k, int i, const lp_tensor *x, lp_ew_param *p, int bit) {
    const lp_tensor *b = lp_in(k, i);
    if (!b) return LP_OK;
    if (b->numel != 1) return lp_kbad(k, "%s must be a scalar", i == 1 ? "min" : "max");
    if (b->dtype != x->dtype)
        return lp_kbad(k, "%s is %s, X is %s", i == 1 ? "min" : "max", lp_dtype_name(b->dtype),
                       lp_dtype_name(x->dtype));
    p->n |= bit;
    if (bit == 1) p->alpha = lp_get_f64(b, 0), p->ilo = lp_get_i64(b, 0);
    else p->beta = lp_get_f64(b, 0), p->ihi = lp_get_i64(b, 0);
    return LP_OK;
}

int lp_k_clip(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kfail(k, "input is missing");
    lp_ew_param p = {.alpha = -INFINITY, .beta = INFINITY};
    if (k->opset < 11) {
        p.alpha = lp_attr_float(k->node, "min", -FLT_MAX);
        p.beta = lp_attr_float(k->node, "max", FLT_MAX);
        p.n = 0;
    } else {
        int rc = clip_bound(k, 1, x, &p, 1);
        if (!rc) rc = clip_bound(k, 2, x, &p, 2);
        if (rc) return rc;
    }
    return lp_ew_map_op(k, ew_clip_tab, LP_UNDEFINED, &p);
}
