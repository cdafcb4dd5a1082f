/*
** norm.c — normalisations: BatchNormalization (inference and training
** mode), InstanceNormalization, LayerNormalization, GroupNormalization,
** RMSNormalization, LRN, LpNormalization and MeanVarianceNormalization.
**
** All compute in float with double accumulators for the statistics, on
** float views of the inputs (nn.h). Most reduce over a contiguous block:
** an "outer x inner" split of the tensor at some axis.
*/
#include "ops/fuse.h"
#include "ops/nn.h"
#include "ops/parallel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

LP_NN_VECTORIZE

/* The element type the file declares for output i, else dflt. */
static lp_dtype declared_out(lp_kctx *k, int i, lp_dtype dflt) {
    if (i >= k->node->n_outputs || k->node->outputs[i] < 0) return dflt;
    const lp_type *t = &k->graph->values[k->node->outputs[i]].type;
    return t->kind == LP_KIND_TENSOR && lp_nn_float_type(t->elem) ? t->elem : dflt;
}

static int need_float(lp_kctx *k, const lp_tensor *X) {
    if (!X) return lp_kfail(k, "input X is required");
    if (!lp_nn_float_type(X->dtype))
        return lp_kfail(k, "%s inputs are not supported", lp_dtype_name(X->dtype));
    return LP_OK;
}

/* Mean and variance (population) of n floats, in double. */
static void moments(const float *x, int64_t n, int64_t stride, double *mean, double *var) {
    double s = 0, ss = 0;
    for (int64_t i = 0; i < n; i++) s += x[i * stride];
    double m = n ? s / (double)n : 0;
    for (int64_t i = 0; i < n; i++) {
        double d = x[i * stride] - m;
        ss += d * d;
    }
    *mean = m;
    *var = n ? ss / (double)n : 0;
}

/* ---- BatchNormalization ---- */

/* Training mode: the attribute from opset 14, the outputs asked for before. */
static bool bn_training(const lp_node *n) {
    if (n->opset >= 14) return lp_attr_int(n, "training_mode", 0) != 0;
    if (n->opset < 7 && lp_attr_int(n, "is_test", 0)) return false;
    for (int i = 1; i < n->n_outputs; i++)
        if (n->outputs[i] >= 0) return true;
    return false;
}

typedef struct bn_state {
    lp_epilogue ep; /* y = clamp(x * scale + shift), with what was fused after */
} bn_state;

void lp_k_batch_normalization_release(void *p) {
    bn_state *st = p;
    if (!st) return;
    lp_epilogue_free(&st->ep);
    free(st);
}

/* With constant statistics (inference), scale and shift are made once, and
** per-channel Mul/Add and a Relu/Clip after it are folded in. */
int lp_k_batch_normalization_prepare(lp_kctx *k) {
    const lp_tensor *S = lp_in(k, 1), *B = lp_in(k, 2), *Mn = lp_in(k, 3), *V = lp_in(k, 4);
    if (!S || !B || !Mn || !V || bn_training(k->node) || !lp_attr_int(k->node, "spatial", 1))
        return LP_OK;
    int64_t C = S->numel;
    const lp_tensor *p[4] = {S, B, Mn, V};
    for (int i = 0; i < 4; i++)
        if (p[i]->dtype != LP_FLOAT || p[i]->numel != C) return LP_OK;
    const float *s = S->data, *b = B->data, *mean = Mn->data, *var = V->data;
    double eps = lp_attr_float(k->node, "epsilon", 1e-5f);
    bn_state *st = lp_xcalloc(1, sizeof *st);
    lp_epilogue_init(&st->ep, NULL, C);
    st->ep.scale = lp_xmalloc((size_t)(C ? C : 1) * sizeof(float));
    st->ep.shift = lp_xmalloc((size_t)(C ? C : 1) * sizeof(float));
    for (int64_t c = 0; c < C; c++) {
        float sc = (float)(s[c] / sqrt((double)var[c] + eps));
        st->ep.scale[c] = sc;
        st->ep.shift[c] = b[c] - mean[c] * sc;
    }
    const lp_type *xt = &k->graph->values[k->node->inputs[0]].type;
    if (xt->kind == LP_KIND_TENSOR && xt->rank >= 2) lp_fuse_channel_affine(k, &st->ep, xt->rank);
    lp_fuse_activation(k, &st->ep);
    k->state = st;
    return LP_OK;
}

/* y = clamp(x * scale + shift) over (image, channel) planes, split over
** the worker pool: a memory-bound pass that a second core speeds up. */
typedef struct bn_apply {
    const float *x;
    float *y;
    const float *scale, *shift;
    int64_t planes, C, inner, per; /* per: 1, or inner for spatial=0 statistics */
    float lo, hi;
} bn_apply;

static void bn_apply_part(void *ctx, int t, int nt) {
    const bn_apply *j = ctx;
    /* locals, so that the loops below vectorise (y could alias *j) */
    const int64_t C = j->C, inner = j->inner;
    const float lo = j->lo, hi = j->hi;
    for (int64_t q = j->planes * t / nt; q < j->planes * (t + 1) / nt; q++) {
        int64_t c = q % C;
        const float *r = j->x + q * inner;
        float *w = j->y + q * inner;
        if (j->per == 1) {
            const float sc = j->scale[c], sh = j->shift[c];
            for (int64_t i = 0; i < inner; i++) {
                float v = r[i] * sc + sh;
                v = v < lo ? lo : v;
                w[i] = v > hi ? hi : v;
            }
        } else {
            const float *sc = j->scale + c * inner, *sh = j->shift + c * inner;
            for (int64_t i = 0; i < inner; i++) w[i] = r[i] * sc[i] + sh[i];
        }
    }
}

int lp_k_batch_normalization(lp_kctx *k) {
    const lp_tensor *X = lp_in(k, 0), *S = lp_in(k, 1), *B = lp_in(k, 2);
    const lp_tensor *Mn = lp_in(k, 3), *V = lp_in(k, 4);
    int rc = need_float(k, X);
    if (rc) return rc;
    if (!S || !B || !Mn || !V) return lp_kfail(k, "inputs scale, B, mean and var are required");
    if (X->rank < 2) return lp_kbad(k, "X must have rank 2 or more");
    int64_t N = X->dims[0], C = X->dims[1], inner = N && C ? X->numel / (N * C) : 0;
    double eps = lp_attr_float(k->node, "epsilon", 1e-5f);
    float momentum = lp_attr_float(k->node, "momentum", 0.9f);
    bool training = bn_training(k->node);
    /* spatial=0 (before opset 9): one statistic per activation, not per channel */
    int64_t per = S->numel == C ? 1 : inner;
    if (S->numel != C * per || B->numel != C * per || Mn->numel != C * per || V->numel != C * per)
        return lp_kbad(k, "scale, B, mean and var need %lld values", (long long)C);
    if (training && per != 1) return lp_kfail(k, "training mode needs spatial statistics");
    const bn_state *st = k->state;
    if (st && st->ep.channels != C)
        return lp_kbad(k, "X has %lld channels, the statistics %lld", (long long)C,
                       (long long)st->ep.channels);
    lp_tensor *Y = lp_out(k, 0, X->dtype, X->rank, X->dims);
    if (!Y) return LP_EFAIL;
    bool conv = X->dtype != LP_FLOAT;
    int64_t np = C * per;
    int64_t lens[10] = {conv ? X->numel : 0, conv ? Y->numel : 0, np, np, np, np, C, C, np, np};
    float *a[10];
    if (!lp_nn_scratch(k, 10, lens, a)) return LP_EFAIL;
    const float *x = lp_nn_floats(X, a[0]);
    float *y = conv ? a[1] : Y->data;
    const float *scale, *shift;
    float lo = -INFINITY, hi = INFINITY;
    if (st) {
        scale = st->ep.scale;
        shift = st->ep.shift;
        if (st->ep.clamp) lo = st->ep.lo, hi = st->ep.hi;
    } else {
        const float *s = lp_nn_floats(S, a[2]), *b = lp_nn_floats(B, a[3]);
        const float *mean = lp_nn_floats(Mn, a[4]), *var = lp_nn_floats(V, a[5]);
        if (training) {
            /* batch statistics over N and the spatial dims, per channel */
            float *bm = a[6], *bv = a[7];
            for (int64_t c = 0; c < C; c++) {
                double sum = 0, sq = 0, cnt = (double)(N * inner);
                for (int64_t n = 0; n < N; n++)
                    for (int64_t i = 0; i < inner; i++) sum += x[(n * C + c) * inner + i];
                double m = cnt > 0 ? sum / cnt : 0;
                for (int64_t n = 0; n < N; n++)
                    for (int64_t i = 0; i < inner; i++) {
                        double d = x[(n * C + c) * inner + i] - m;
                        sq += d * d;
                    }
                bm[c] = (float)m;
                bv[c] = (float)(cnt > 0 ? sq / cnt : 0);
            }
            /* running mean and var, then the batch's own (opset < 14 only) */
            const float *outs[4][2] = {{mean, bm}, {var, bv}, {bm, bm}, {bv, bv}};
            for (int o = 1; o <= 4; o++) {
                if (!lp_out_wanted(k, o)) continue;
                lp_tensor *T = lp_out(k, o, Mn->dtype, 1, &C);
                if (!T) return LP_EFAIL;
                float m = o <= 2 ? momentum : 0.0f;
                for (int64_t c = 0; c < C; c++)
                    lp_store_f64(T->dtype, T->data, (size_t)c,
                                 outs[o - 1][0][c] * m + outs[o - 1][1][c] * (1 - m));
            }
            mean = bm;
            var = bv;
        }
        float *sc = a[8], *sh = a[9];
        for (int64_t p = 0; p < np; p++) {
            sc[p] = (float)(s[p] / sqrt((double)var[p] + eps));
            sh[p] = b[p] - mean[p] * sc[p];
        }
        scale = sc;
        shift = sh;
    }
    bn_apply job = {x, y, scale, shift, N * C, C, inner, per, lo, hi};
    lp_parallel(lp_parallel_parts(k->threads, X->numel, (int64_t)1 << 16, N * C), bn_apply_part,
                &job);
    if (conv) lp_nn_store(Y, y, Y->numel);
    return LP_OK;
}

/* ---- InstanceNormalization ---- */

int lp_k_instance_normalization(lp_kctx *k) {
    const lp_tensor *X = lp_in(k, 0), *S = lp_in(k, 1), *B = lp_in(k, 2);
    int rc = need_float(k, X);
    if (rc) return rc;
    if (!S || !B) return lp_kfail(k, "inputs scale and B are required");
    if (X->rank < 3) return lp_kbad(k, "X must have rank 3 or more");
    int64_t N = X->dims[0], C = X->dims[1], inner = N && C ? X->numel / (N * C) : 0;
    if (S->numel != C || B->numel != C)
        return lp_kbad(k, "scale and B need %lld values", (long long)C);
    double eps = lp_attr_float(k->node, "epsilon", 1e-5f);
    lp_tensor *Y = lp_out(k, 0, X->dtype, X->rank, X->dims);
    if (!Y) return LP_EFAIL;
    bool conv = X->dtype != LP_FLOAT;
    int64_t lens[4] = {conv ? X->numel : 0, conv ? Y->numel : 0, C, C};
    float *a[4];
    if (!lp_nn_scratch(k, 4, lens, a)) return LP_EFAIL;
    const float *x = lp_nn_floats(X, a[0]), *s = lp_nn_floats(S, a[2]), *b = lp_nn_floats(B, a[3]);
    float *y = conv ? a[1] : Y->data;
    for (int64_t p = 0; p < N * C; p++) {
        double m, v;
        moments(x + p * inner, inner, 1, &m, &v);
        float sc = (float)(s[p % C] / sqrt(v + eps)), sh = (float)(b[p % C] - m * sc);
        for (int64_t i = 0; i < inner; i++) y[p * inner + i] = x[p * inner + i] * sc + sh;
    }
    if (conv) lp_nn_store(Y, y, Y->numel);
    return LP_OK;
}

/* ---- LayerNormalization and RMSNormalization ---- */

/* Expands T (broadcastable to the trailing dims of X from `axis`) to the
** `inner` values of one normalised block. */
static int expand_inner(lp_kctx *k, const lp_tensor *T, const lp_tensor *X, int axis, float *out,
                        float *tmp) {
    int nr = X->rank - axis;
    if (T->rank > nr) return lp_kbad(k, "scale and bias must broadcast to X's normalised dims");
    const float *t = lp_nn_floats(T, tmp);
    int64_t strides[LP_MAX_RANK], idx[LP_MAX_RANK] = {0}, inner = 1;
    for (int d = 0; d < nr; d++) {
        int o = d - (nr - T->rank);
        if (o >= 0 && T->dims[o] != 1 && T->dims[o] != X->dims[axis + d])
            return lp_kbad(k, "scale and bias must broadcast to X's normalised dims");
        inner *= X->dims[axis + d];
    }
    lp_broadcast_strides(T, nr, X->dims + axis, strides);
    for (int64_t j = 0; j < inner; j++) {
        int64_t off = 0;
        for (int d = 0; d < nr; d++) off += idx[d] * strides[d];
        out[j] = t[off];
        for (int d = nr - 1; d >= 0; d--) {
            if (++idx[d] < X->dims[axis + d]) break;
            idx[d] = 0;
        }
    }
    return LP_OK;
}

static int block_norm(lp_kctx *k, bool rms) {
    const lp_tensor *X = lp_in(k, 0), *S = lp_in(k, 1), *B = rms ? NULL : lp_in(k, 2);
    int rc = need_float(k, X);
    if (rc) return rc;
    if (!S) return lp_kfail(k, "input scale is required");
    int axis = lp_norm_axis(lp_attr_int(k->node, "axis", -1), X->rank);
    if (axis < 0 || X->rank == 0) return lp_kbad(k, "axis is out of range for rank %d", X->rank);
    double eps = lp_attr_float(k->node, "epsilon", 1e-5f);
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < X->rank; d++) {
        if (d < axis)
            outer *= X->dims[d];
        else
            inner *= X->dims[d];
    }
    lp_tensor *Y = lp_out(k, 0, X->dtype, X->rank, X->dims);
    if (!Y) return LP_EFAIL;
    int64_t sdims[LP_MAX_RANK];
    for (int d = 0; d < X->rank; d++) sdims[d] = d < axis ? X->dims[d] : 1;
    lp_tensor *Mo = NULL, *Io = NULL;
    if (!rms && lp_out_wanted(k, 1) &&
        !(Mo = lp_out(k, 1, declared_out(k, 1, LP_FLOAT), X->rank, sdims)))
        return LP_EFAIL;
    if (!rms && lp_out_wanted(k, 2) &&
        !(Io = lp_out(k, 2, declared_out(k, 2, LP_FLOAT), X->rank, sdims)))
        return LP_EFAIL;
    bool conv = X->dtype != LP_FLOAT;
    int64_t most = B && B->numel > S->numel ? B->numel : S->numel;
    int64_t lens[5] = {conv ? X->numel : 0, conv ? Y->numel : 0, inner, inner, most};
    float *a[5];
    if (!lp_nn_scratch(k, 5, lens, a)) return LP_EFAIL;
    const float *x = lp_nn_floats(X, a[0]);
    float *y = conv ? a[1] : Y->data, *sc = a[2], *bi = a[3];
    if ((rc = expand_inner(k, S, X, axis, sc, a[4]))) return rc;
    if (B && (rc = expand_inner(k, B, X, axis, bi, a[4]))) return rc;
    for (int64_t o = 0; o < outer; o++) {
        const float *r = x + o * inner;
        float *w = y + o * inner;
        double m = 0, v;
        if (rms) {
            double ss = 0;
            for (int64_t i = 0; i < inner; i++) ss += (double)r[i] * r[i];
            v = inner ? ss / (double)inner : 0;
        } else {
            moments(r, inner, 1, &m, &v);
        }
        float inv = (float)(1.0 / sqrt(v + eps)), mf = (float)m;
        for (int64_t i = 0; i < inner; i++) w[i] = (r[i] - mf) * inv * sc[i] + (B ? bi[i] : 0.0f);
        if (Mo) lp_store_f64(Mo->dtype, Mo->data, (size_t)o, m);
        if (Io) lp_store_f64(Io->dtype, Io->data, (size_t)o, inv);
    }
    if (conv) lp_nn_store(Y, y, Y->numel);
    return LP_OK;
}

int lp_k_layer_normalization(lp_kctx *k) {
    return block_norm(k, false);
}
int lp_k_rms_normalization(lp_kctx *k) {
    return block_norm(k, true);
}

/* ---- GroupNormalization ---- */

int lp_k_group_normalization(lp_kctx *k) {
    const lp_tensor *X = lp_in(k, 0), *S = lp_in(k, 1), *B = lp_in(k, 2);
    int rc = need_float(k, X);
    if (rc) return rc;
    if (!S || !B) return lp_kfail(k, "inputs scale and bias are required");
    if (X->rank < 2) return lp_kbad(k, "X must have rank 2 or more");
    int64_t G = lp_attr_int(k->node, "num_groups", 0);
    int64_t N = X->dims[0], C = X->dims[1], inner = N && C ? X->numel / (N * C) : 0;
    if (G < 1 || C % G)
        return lp_kbad(k, "%lld channels do not split into %lld groups", (long long)C,
                       (long long)G);
    /* opset 18 scaled per group; opset 21 per channel */
    bool per_group = S->numel == G && S->numel != C;
    if ((S->numel != C && !per_group) || B->numel != S->numel)
        return lp_kbad(k, "scale and bias need %lld values", (long long)C);
    double eps = lp_attr_float(k->node, "epsilon", 1e-5f);
    lp_tensor *Y = lp_out(k, 0, X->dtype, X->rank, X->dims);
    if (!Y) return LP_EFAIL;
    bool conv = X->dtype != LP_FLOAT;
    int64_t lens[4] = {conv ? X->numel : 0, conv ? Y->numel : 0, S->numel, B->numel};
    float *a[4];
    if (!lp_nn_scratch(k, 4, lens, a)) return LP_EFAIL;
    const float *x = lp_nn_floats(X, a[0]), *s = lp_nn_floats(S, a[2]), *b = lp_nn_floats(B, a[3]);
    float *y = conv ? a[1] : Y->data;
    int64_t cg = C / G, block = cg * inner;
    for (int64_t p = 0; p < N * G; p++) {
        double m, v;
        moments(x + p * block, block, 1, &m, &v);
        float inv = (float)(1.0 / sqrt(v + eps)), mf = (float)m;
        for (int64_t c = 0; c < cg; c++) {
            int64_t ch = (p % G) * cg + c, q = per_group ? p % G : ch;
            const float *r = x + p * block + c * inner;
            float *w = y + p * block + c * inner;
            for (int64_t i = 0; i < inner; i++) w[i] = (r[i] - mf) * inv * s[q] + b[q];
        }
    }
    if (conv) lp_nn_store(Y, y, Y->numel);
    return LP_OK;
}

/* ---- LRN ---- */

/* LRN over (image, channel) planes, split over the worker pool; each part
** has its own row of sums. */
typedef struct lrn_job {
    const float *x;
    float *y, *sums;
    int64_t C, inner, planes, before, after;
    float a_n, beta, bias;
} lrn_job;

static void lrn_part(void *ctx, int t, int nt) {
    const lrn_job *j = ctx;
    const int64_t C = j->C, inner = j->inner;
    const float a_n = j->a_n, beta = j->beta, bias = j->bias;
    float *sum = j->sums + t * inner;
    for (int64_t q = j->planes * t / nt; q < j->planes * (t + 1) / nt; q++) {
        int64_t n = q / C, c = q % C;
        memset(sum, 0, (size_t)inner * sizeof *sum);
        int64_t c0 = c - j->before < 0 ? 0 : c - j->before;
        int64_t c1 = c + j->after >= C ? C - 1 : c + j->after;
        for (int64_t ch = c0; ch <= c1; ch++) {
            const float *r = j->x + (n * C + ch) * inner;
            for (int64_t i = 0; i < inner; i++) sum[i] += r[i] * r[i];
        }
        const float *r = j->x + q * inner;
        float *w = j->y + q * inner;
        if (beta == 0.75f)
            for (int64_t i = 0; i < inner; i++) {
                float t3 = bias + a_n * sum[i];
                w[i] = r[i] / sqrtf(t3 * sqrtf(t3)); /* t^0.75, cheaper than powf */
            }
        else
            for (int64_t i = 0; i < inner; i++) w[i] = r[i] / powf(bias + a_n * sum[i], beta);
    }
}

int lp_k_lrn(lp_kctx *k) {
    const lp_tensor *X = lp_in(k, 0);
    int rc = need_float(k, X);
    if (rc) return rc;
    if (X->rank < 2) return lp_kbad(k, "X must have rank 2 or more");
    int64_t size = lp_attr_int(k->node, "size", 0);
    if (size < 1) return lp_kfail(k, "size must be positive");
    float alpha = lp_attr_float(k->node, "alpha", 1e-4f),
          beta = lp_attr_float(k->node, "beta", 0.75f);
    float bias = lp_attr_float(k->node, "bias", 1.0f);
    int64_t N = X->dims[0], C = X->dims[1], inner = N && C ? X->numel / (N * C) : 0;
    lp_tensor *Y = lp_out(k, 0, X->dtype, X->rank, X->dims);
    if (!Y) return LP_EFAIL;
    bool conv = X->dtype != LP_FLOAT;
    int64_t work = X->numel * (size < 64 ? size : 64); /* a hostile size must not overflow */
    int nt = lp_parallel_parts(k->threads, work, (int64_t)1 << 17, N * C);
    int64_t lens[3] = {conv ? X->numel : 0, conv ? Y->numel : 0, inner * nt};
    float *a[3];
    if (!lp_nn_scratch(k, 3, lens, a)) return LP_EFAIL;
    int64_t before = (size - 1) / 2;
    lrn_job job = {lp_nn_floats(X, a[0]), conv ? a[1] : Y->data, a[2], C,   inner, N * C, before,
                   size - 1 - before,     alpha / (float)size,   beta, bias};
    lp_parallel(nt, lrn_part, &job);
    if (conv) lp_nn_store(Y, job.y, Y->numel);
    return LP_OK;
}

/* ---- LpNormalization ---- */

int lp_k_lp_normalization(lp_kctx *k) {
    const lp_tensor *X = lp_in(k, 0);
    int rc = need_float(k, X);
    if (rc) return rc;
    int axis = lp_norm_axis(lp_attr_int(k->node, "axis", -1), X->rank);
    int64_t p = lp_attr_int(k->node, "p", 2);
    if (axis < 0 || X->rank == 0) return lp_kbad(k, "axis is out of range for rank %d", X->rank);
    if (p != 1 && p != 2) return lp_kfail(k, "p must be 1 or 2, not %lld", (long long)p);
    int64_t outer = 1, n = X->dims[axis], inner = 1;
    for (int d = 0; d < X->rank; d++) {
        if (d < axis) outer *= X->dims[d];
        if (d > axis) inner *= X->dims[d];
    }
    lp_tensor *Y = lp_out(k, 0, X->dtype, X->rank, X->dims);
    if (!Y) return LP_EFAIL;
    const float *x;
    float *y;
    if (lp_nn_views(k, X, Y, &x, &y)) return LP_EFAIL;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            const float *r = x + o * n * inner + i;
            double s = 0;
            for (int64_t j = 0; j < n; j++)
                s += p == 1 ? fabs((double)r[j * inner]) : (double)r[j * inner] * r[j * inner];
            float norm = (float)(p == 1 ? s : sqrt(s));
            /* an all-zero vector stays zero */
            for (int64_t j = 0; j < n; j++)
                y[o * n * inner + i + j * inner] = norm != 0 ? r[j * inner] / norm : 0.0f;
        }
    lp_nn_store(Y, y, Y->numel);
    return LP_OK;
}

/* ---- MeanVarianceNormalization ---- */

int lp_k_mean_variance_normalization(lp_kctx *k) {
    const lp_tensor *X = lp_in(k, 0);
    int rc = need_float(k, X);
    if (rc) return rc;
    int n_axes = 0;
    const int64_t *axes = lp_attr_ints(k->node, "axes", &n_axes);
    static const int64_t dflt[3] = {0, 2, 3};
    if (!axes) {
        axes = dflt;
        n_axes = 3;
    }
    bool reduced[LP_MAX_RANK] = {false};
    for (int i = 0; i < n_axes; i++) {
        int a = lp_norm_axis(axes[i], X->rank);
        if (a < 0 || X->rank == 0)
            return lp_kbad(k, "axis %lld is out of range", (long long)axes[i]);
        reduced[a] = true;
    }
    /* each element's group: its index with the reduced axes dropped */
    int64_t gstride[LP_MAX_RANK], groups = 1;
    for (int d = X->rank - 1; d >= 0; d--) {
        gstride[d] = reduced[d] ? 0 : groups;
        if (!reduced[d]) groups *= X->dims[d];
    }
    lp_tensor *Y = lp_out(k, 0, X->dtype, X->rank, X->dims);
    if (!Y) return LP_EFAIL;
    bool conv = X->dtype != LP_FLOAT;
    int64_t lens[5] = {conv ? X->numel : 0, conv ? Y->numel : 0, 2 * groups, 2 * groups, groups};
    float *a[5];
    if (!lp_nn_scratch(k, 5, lens, a)) return LP_EFAIL;
    const float *x = lp_nn_floats(X, a[0]);
    float *y = conv ? a[1] : Y->data;
    double *sum = (double *)a[2], *sq = (double *)a[3];
    float *cnt = a[4];
    memset(sum, 0, (size_t)groups * sizeof *sum);
    memset(sq, 0, (size_t)groups * sizeof *sq);
    memset(cnt, 0, (size_t)groups * sizeof *cnt);
    int64_t idx[LP_MAX_RANK] = {0}, g = 0;
    for (int pass = 0; pass < 2; pass++) {
        memset(idx, 0, sizeof idx);
        g = 0;
        for (int64_t i = 0; i < X->numel; i++) {
            if (pass == 0) {
                sum[g] += x[i];
                sq[g] += (double)x[i] * x[i];
                cnt[g] += 1;
            } else {
                double m = sum[g] / cnt[g], v = sq[g] / cnt[g] - m * m;
                y[i] = (float)((x[i] - m) / (sqrt(v > 0 ? v : 0) + 1e-9));
            }
            for (int d = X->rank - 1; d >= 0; d--) {
                g += gstride[d];
                if (++idx[d] < X->dims[d]) break;
                g -= gstride[d] * idx[d];
                idx[d] = 0;
            }
        }
    }
    if (conv) lp_nn_store(Y, y, Y->numel);
    return LP_OK;
}
