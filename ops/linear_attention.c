/*
** linear_attention.c — LinearAttention (opset 27): the recurrent form of
** linear attention, run token by token over a (d_k, d_v) state per KV head.
**
**   linear       S = S + k v^T
**   gated        S = exp(g) S + k v^T
**   delta        S = S + beta k (v - S^T k)^T
**   gated_delta  S = exp(g) S + beta k (v - (exp(g) S)^T k)^T
**   then         o = scale * S^T q
**
** The decay g is per key dim (B, T, H_kv*d_k) or per head (B, T, H_kv); beta
** is per head (B, T, H_kv) or shared (B, T, 1). With grouped queries, query
** head h reads KV head h / (H_q / H_kv). Inputs are packed (B, T, H*D); the
** state is (B, H_kv, d_k, d_v). Computed in double.
*/
#include "ops/nn.h"
#include "ops/tensorops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { LA_LINEAR, LA_GATED, LA_DELTA, LA_GATED_DELTA };

int lp_k_linear_attention(lp_kctx *k) {
    const lp_tensor *Q = lp_in(k, 0), *K = lp_in(k, 1), *V = lp_in(k, 2), *S0 = lp_in(k, 3);
    const lp_tensor *G = lp_in(k, 4), *Bt = lp_in(k, 5);
    if (!Q || !K || !V) return lp_kfail(k, "query, key and value are required");
    lp_dtype t = Q->dtype;
    if (!lp_nn_float_type(t) || K->dtype != t || V->dtype != t)
        return lp_kfail(k, "query, key and value must be float tensors of one type");
    const char *rule = lp_attr_string(k->node, "update_rule", "gated_delta");
    int r = !strcmp(rule, "linear") ? LA_LINEAR : !strcmp(rule, "gated") ? LA_GATED
          : !strcmp(rule, "delta") ? LA_DELTA : !strcmp(rule, "gated_delta") ? LA_GATED_DELTA : -1;
    if (r < 0) return lp_kfail(k, "unknown update_rule '%s'", rule);
    int64_t Hq = lp_attr_int(k->node, "q_num_heads", 0), Hk = lp_attr_int(k->node, "kv_num_heads", 0);
    if (Hq <= 0 || Hk <= 0 || Hq % Hk) return lp_kbad(k, "q_num_heads must be a multiple of kv_num_heads");
    if (Q->rank != 3 || K->rank != 3 || V->rank != 3) return lp_kbad(k, "query, key and value must be 3-D");
    int64_t B = Q->dims[0], T = Q->dims[1];
    if (K->dims[0] != B || V->dims[0] != B || K->dims[1] != T || V->dims[1] != T)
        return lp_kbad(k, "query, key and value differ in batch or length");
    if (Q->dims[2] % Hq || K->dims[2] % Hk || V->dims[2] % Hk)
        return lp_kbad(k, "the packed sizes do not divide into the heads");
    int64_t dk = Q->dims[2] / Hq, dv = V->dims[2] / Hk;
    if (K->dims[2] / Hk != dk) return lp_kbad(k, "query and key have different head sizes");
    bool gated = r == LA_GATED || r == LA_GATED_DELTA, delta = r == LA_DELTA || r == LA_GATED_DELTA;
    int64_t gw = 0, bw = 0; /* decay values per head: dk or 1; beta: 1 per head or shared */
    if (gated) {
        if (!G || G->rank != 3 || G->dims[0] != B || G->dims[1] != T ||
            (G->dims[2] != Hk * dk && G->dims[2] != Hk) || !lp_nn_float_type(G->dtype))
            return lp_kbad(k, "'%s' needs a decay of shape (B, T, H_kv*d_k) or (B, T, H_kv)", rule);
        gw = G->dims[2] == Hk * dk ? dk : 1;
    }
    if (delta) {
        if (!Bt || Bt->rank != 3 || Bt->dims[0] != B || Bt->dims[1] != T ||
            (Bt->dims[2] != Hk && Bt->dims[2] != 1) || !lp_nn_float_type(Bt->dtype))
            return lp_kbad(k, "'%s' needs a beta of shape (B, T, H_kv) or (B, T, 1)", rule);
        bw = Bt->dims[2] == Hk ? 1 : 0;
    }
    int64_t sdims[4] = {B, Hk, dk, dv};
    if (S0 && (S0->rank != 4 || memcmp(S0->dims, sdims, sizeof sdims) || !lp_nn_float_type(S0->dtype)))
        return lp_kbad(k, "past_state must be (B, H_kv, d_k, d_v)");
    float sc = lp_attr_float(k->node, "scale", 0.0f);
    double scale = sc != 0.0f ? sc : 1.0 / sqrt((double)dk);
    int64_t odims[3] = {B, T, Hq * dv};
    lp_tensor *O = lp_out(k, 0, t, 3, odims);
    lp_tensor *PS = lp_out_wanted(k, 1) ? lp_out(k, 1, S0 ? S0->dtype : t, 4, sdims) : NULL;
    if (!O || (lp_out_wanted(k, 1) && !PS)) return LP_EFAIL;
    int64_t ns = lp_shape_numel(4, sdims);
    double *S = malloc((size_t)(ns > 0 ? ns : 1) * sizeof *S);
    double *kv = malloc((size_t)(dk + 2 * dv + 1) * sizeof *kv);
    if (!S || !kv) {
        free(S), free(kv);
        return lp_kfail(k, "out of memory");
    }
    double *kk = kv, *u = kv + dk, *o = u + dv;
    for (int64_t i = 0; i < ns; i++) S[i] = S0 ? lp_get_f64(S0, i) : 0.0;
    const int64_t group = Hq / Hk;
    for (int64_t b = 0; b < B; b++)
        for (int64_t s = 0; s < T; s++) {
            int64_t row = b * T + s;
            for (int64_t h = 0; h < Hk; h++) {
                double *Sh = S + (b * Hk + h) * dk * dv;
                for (int64_t i = 0; i < dk; i++) kk[i] = lp_get_f64(K, (row * Hk + h) * dk + i);
                if (gated)
                    for (int64_t i = 0; i < dk; i++) {
                        double e = exp(lp_get_f64(G, row * G->dims[2] + h * gw + (gw > 1 ? i : 0)));
                        for (int64_t j = 0; j < dv; j++) Sh[i * dv + j] *= e;
                    }
                /* u = what is added along k: v, or beta (v - S^T k) */
                for (int64_t j = 0; j < dv; j++) u[j] = lp_get_f64(V, (row * Hk + h) * dv + j);
                if (delta) {
                    double beta = lp_get_f64(Bt, row * Bt->dims[2] + h * bw);
                    for (int64_t j = 0; j < dv; j++) {
                        double p = 0;
                        for (int64_t i = 0; i < dk; i++) p += Sh[i * dv + j] * kk[i];
                        u[j] = beta * (u[j] - p);
                    }
                }
                for (int64_t i = 0; i < dk; i++)
                    for (int64_t j = 0; j < dv; j++) Sh[i * dv + j] += kk[i] * u[j];
                /* the query heads reading this state */
                for (int64_t qh = h * group; qh < (h + 1) * group; qh++) {
                    for (int64_t j = 0; j < dv; j++) o[j] = 0;
                    for (int64_t i = 0; i < dk; i++) {
                        double q = lp_get_f64(Q, (row * Hq + qh) * dk + i);
                        for (int64_t j = 0; j < dv; j++) o[j] += q * Sh[i * dv + j];
                    }
                    for (int64_t j = 0; j < dv; j++)
                        lp_store_f64(t, O->data, (size_t)((row * Hq + qh) * dv + j), scale * o[j]);
                }
            }
        }
    if (PS) lp_from_f64(PS->dtype, S, PS->data, ns);
    free(S);
    free(kv);
    return LP_OK;
}
