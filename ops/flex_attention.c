/*
** flex_attention.c — ai.onnx.preview.FlexAttention: scaled dot-product
** attention over (B, H, L, D) inputs whose scores and probabilities may be
** rewritten by two subgraphs, score_mod (after Q K^T * scale) and prob_mod
** (after the softmax). Both see the whole (B, Hq, L, S) tensor in the
** softmax precision: float32, or double for double inputs. Query head h
** reads KV head h / (Hq / Hkv). Products are dgemm over double copies; a
** row that score_mod masks out entirely gives zeros.
*/
#include "ops/nn.h"
#include "ops/tensorops.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Runs the modifier subgraph `name` on the scores sc (doubles), handing it
** a tensor of the softmax precision; its output replaces the scores. */
static int run_mod(lp_kctx *k, const char *name, lp_tensor *sc, lp_dtype prec) {
    const lp_graph *g = lp_attr_graph(k->node, name);
    if (!g) return LP_OK;
    if (g->n_inputs != 1 || g->n_outputs != 1)
        return lp_kfail(k, "%s must take one input and give one output", name);
    lp_rvalue in = {.kind = LP_RV_TENSOR}, out = {0};
    int rc = lp_tensor_alloc(&in.t, prec, sc->rank, sc->dims, k->err);
    if (rc) return rc;
    lp_from_f64(prec, sc->data, in.t.data, sc->numel);
    lp_rvalue *ins[1] = {&in};
    rc = lp_run_subgraph(k, g, ins, 1, &out);
    if (rc == LP_OK) {
        const lp_tensor *o = out.kind == LP_RV_TENSOR ? &out.t : NULL;
        if (!o || o->numel != sc->numel || !lp_dtype_is_float(o->dtype) || o->dtype == LP_STRING)
            rc = lp_kfail(k, "%s must give a float tensor of the scores' shape", name);
        else
            lp_to_f64(o->dtype, o->data, sc->data, sc->numel);
    }
    lp_value_release(k, &out);
    lp_rvalue_clear(&in);
    return rc;
}

int lp_k_flex_attention(lp_kctx *k) {
    const lp_tensor *Q = lp_in(k, 0), *K = lp_in(k, 1), *V = lp_in(k, 2);
    if (!Q || !K || !V) return lp_kfail(k, "Q, K and V are required");
    lp_dtype t = Q->dtype;
    if (!lp_nn_float_type(t) || K->dtype != t || V->dtype != t)
        return lp_kfail(k, "Q, K and V must be float tensors of one type");
    if (Q->rank != 4 || K->rank != 4 || V->rank != 4) return lp_kbad(k, "Q, K and V must be 4-D");
    int64_t B = Q->dims[0], Hq = Q->dims[1], L = Q->dims[2], D = Q->dims[3];
    int64_t Hk = K->dims[1], S = K->dims[2], Dv = V->dims[3];
    if (K->dims[0] != B || V->dims[0] != B || K->dims[3] != D || V->dims[1] != Hk || V->dims[2] != S)
        return lp_kbad(k, "Q, K and V do not agree in batch, heads, length or head size");
    if (Hk <= 0 || Hq % Hk) return lp_kbad(k, "query heads do not group over the KV heads");
    if (L > INT32_MAX || S > INT32_MAX || D > INT32_MAX || Dv > INT32_MAX)
        return lp_kbad(k, "the attention is too large");
    double scale = lp_node_attr(k->node, "scale") ? lp_attr_float(k->node, "scale", 1.0f)
                                                  : 1.0 / sqrt((double)D);
    int64_t ydims[4] = {B, Hq, L, Dv}, sdims[4] = {B, Hq, L, S};
    lp_tensor *Y = lp_out(k, 0, t, 4, ydims);
    if (!Y) return LP_EFAIL;
    lp_tensor sc = {0};
    int rc = lp_tensor_alloc(&sc, LP_DOUBLE, 4, sdims, k->err);
    double *q = NULL, *kk = NULL, *v = NULL, *y = NULL;
    if (!rc) {
        q = malloc((size_t)(Q->numel + 1) * sizeof *q);
        kk = malloc((size_t)(K->numel + 1) * sizeof *kk);
        v = malloc((size_t)(V->numel + 1) * sizeof *v);
        y = calloc((size_t)(Y->numel + 1), sizeof *y);
        if (!q || !kk || !v || !y) rc = lp_kfail(k, "out of memory");
    }
    if (rc) goto done;
    lp_to_f64(t, Q->data, q, Q->numel);
    lp_to_f64(t, K->data, kk, K->numel);
    lp_to_f64(t, V->data, v, V->numel);
    double *s = sc.data;
    const int64_t group = Hq / Hk;
    for (int64_t b = 0; b < B; b++)
        for (int64_t h = 0; h < Hq; h++)
            if (L && S && D)
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)L, (int)S, (int)D, scale,
                            q + (b * Hq + h) * L * D, (int)D, kk + (b * Hk + h / group) * S * D,
                            (int)D, 0.0, s + (b * Hq + h) * L * S, (int)S);
            else
                memset(s + (b * Hq + h) * L * S, 0, (size_t)(L * S) * sizeof *s);
    /* the subgraphs see the softmax precision */
    lp_dtype prec = t == LP_DOUBLE ? LP_DOUBLE : LP_FLOAT;
    int64_t sp = lp_attr_int(k->node, "softmax_precision", prec);
    if (sp == LP_FLOAT || sp == LP_DOUBLE) prec = (lp_dtype)sp;
    if ((rc = run_mod(k, "score_mod", &sc, prec))) goto done;
    for (int64_t r = 0; r < B * Hq * L; r++) {
        double *row = s + r * S, mx = -INFINITY, sum = 0;
        for (int64_t j = 0; j < S; j++) mx = row[j] > mx ? row[j] : mx;
        if (mx == -INFINITY || isnan(mx)) {
            memset(row, 0, (size_t)S * sizeof *row);
            continue;
        }
        for (int64_t j = 0; j < S; j++) sum += (row[j] = exp(row[j] - mx));
        for (int64_t j = 0; j < S; j++) row[j] /= sum;
    }
    if ((rc = run_mod(k, "prob_mod", &sc, prec))) goto done;
    for (int64_t b = 0; b < B; b++)
        for (int64_t h = 0; h < Hq; h++)
            if (L && Dv && S)
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)L, (int)Dv, (int)S, 1.0,
                            s + (b * Hq + h) * L * S, (int)S, v + (b * Hk + h / group) * S * Dv,
                            (int)Dv, 0.0, y + (b * Hq + h) * L * Dv, (int)Dv);
    lp_from_f64(t, y, Y->data, Y->numel);
done:
    lp_tensor_release(&sc);
    free(q), free(kk), free(v), free(y);
    return rc;
}
