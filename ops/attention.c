/*
** attention.c — Attention (opset 23/24): scaled dot-product attention with
** multi-head, grouped-query and multi-query heads, a KV cache, masks and
** the four outputs.
**
** Everything is computed in float. Q, K and V are first laid out as
** [batch, heads, seq, head_size] (3-D inputs are split into heads), past
** keys/values are prepended to form the present ones, and then each query
** head is one sgemm for the scores S = (Q K^T) * scale and one for Y = P V,
** where P is the row softmax of the scores after softcap and the bias. The
** bias combines the mask (a bool mask disallows, a float one is added, a
** short last dim is padded as disallowed), the causal frontier (offset by the
** past length, or by nonpad_kv_seqlen - q_len) and the padding given by
** nonpad_kv_seqlen. A row with no allowed key gives zeros, not NaN.
*/
#include "ops/nn.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

typedef struct att_geom {
    int64_t B, Hq, Hkv, Sq, Skv, P, T; /* T = P + Skv: past plus new keys */
    int64_t D, Dv;                     /* head sizes of Q/K and of V */
    bool three_d;
} att_geom;

/* Copies a 4-D [B, H, S, D] view of t (3-D: [B, S, H*D]) into dst, which
** holds T positions per head; the rows land at positions [at, at + S). */
static void load_heads(const lp_tensor *t, bool three_d, int64_t B, int64_t H, int64_t S,
                       int64_t D, float *dst, int64_t T, int64_t at) {
    for (int64_t b = 0; b < B; b++)
        for (int64_t h = 0; h < H; h++)
            for (int64_t s = 0; s < S; s++) {
                int64_t src = three_d ? ((b * S + s) * H + h) * D : ((b * H + h) * S + s) * D;
                float *o = dst + ((b * H + h) * T + at + s) * D;
                if (t->dtype == LP_FLOAT) memcpy(o, (const float *)t->data + src, (size_t)D * 4);
                else
                    for (int64_t d = 0; d < D; d++) o[d] = (float)lp_get_f64(t, src + d);
            }
}

/* Reads the shapes and checks they agree. */
static int geometry(lp_kctx *k, const lp_tensor *Q, const lp_tensor *K, const lp_tensor *V,
                    const lp_tensor *pk, const lp_tensor *pv, att_geom *g) {
    memset(g, 0, sizeof *g);
    if (Q->rank != K->rank || Q->rank != V->rank || (Q->rank != 3 && Q->rank != 4))
        return lp_kbad(k, "Q, K and V must all be 3-D or all 4-D");
    g->three_d = Q->rank == 3;
    g->B = Q->dims[0];
    if (K->dims[0] != g->B || V->dims[0] != g->B) return lp_kbad(k, "Q, K and V differ in batch");
    if (g->three_d) {
        int64_t hq = lp_attr_int(k->node, "q_num_heads", 0);
        int64_t hkv = lp_attr_int(k->node, "kv_num_heads", 0);
        if (hq <= 0 || hkv <= 0 || hq > 1 << 20 || hkv > 1 << 20)
            return lp_kbad(k, "3-D inputs need positive q_num_heads and kv_num_heads");
        if (Q->dims[2] % hq || K->dims[2] % hkv || V->dims[2] % hkv)
            return lp_kbad(k, "the hidden sizes do not divide into the heads");
        g->Hq = hq;
        g->Hkv = hkv;
        g->Sq = Q->dims[1];
        g->Skv = K->dims[1];
        g->D = Q->dims[2] / hq;
        if (K->dims[2] / hkv != g->D) return lp_kbad(k, "Q and K have different head sizes");
        g->Dv = V->dims[2] / hkv;
        if (V->dims[1] != g->Skv) return lp_kbad(k, "K and V have different sequence lengths");
    } else {
        g->Hq = Q->dims[1];
        g->Hkv = K->dims[1];
        g->Sq = Q->dims[2];
        g->Skv = K->dims[2];
        g->D = Q->dims[3];
        g->Dv = V->dims[3];
        if (K->dims[3] != g->D) return lp_kbad(k, "Q and K have different head sizes");
        if (V->dims[1] != g->Hkv || V->dims[2] != g->Skv)
            return lp_kbad(k, "K and V have different heads or sequence lengths");
    }
    if (g->Hkv <= 0 || g->Hq % g->Hkv)
        return lp_kbad(k, "%lld query heads do not group over %lld key/value heads",
                       (long long)g->Hq, (long long)g->Hkv);
    if (!pk != !pv) return lp_kbad(k, "past_key and past_value go together");
    if (pk) {
        if (pk->rank != 4 || pv->rank != 4 || pk->dims[0] != g->B || pk->dims[1] != g->Hkv ||
            pk->dims[3] != g->D || pv->dims[0] != g->B || pv->dims[1] != g->Hkv ||
            pv->dims[2] != pk->dims[2] || pv->dims[3] != g->Dv)
            return lp_kbad(k, "past_key/past_value do not match K and V");
        g->P = pk->dims[2];
    }
    g->T = g->P + g->Skv;
    return LP_OK;
}

/* The mask read as an additive bias, broadcast to [B, Hq, Sq, T]. */
typedef struct att_mask {
    const lp_tensor *t;
    bool is_bool;
    int64_t st[4]; /* strides over (b, h, i, j); 0 where broadcast */
    int64_t last;  /* its last dim: positions at or beyond it are disallowed */
} att_mask;

static int mask_init(lp_kctx *k, const lp_tensor *m, const att_geom *g, att_mask *am) {
    memset(am, 0, sizeof *am);
    if (!m) return LP_OK;
    if (m->dtype == LP_STRING || m->rank < 1 || m->rank > 4)
        return lp_kbad(k, "attn_mask must be a numeric or bool tensor of rank 1 to 4");
    am->t = m;
    am->is_bool = m->dtype == LP_BOOL;
    const int64_t full[4] = {g->B, g->Hq, g->Sq, g->T};
    int64_t stride = 1;
    for (int d = 3; d >= 0; d--) {
        int off = d - (4 - m->rank);
        int64_t n = off >= 0 ? m->dims[off] : 1;
        if (d == 3) {
            am->last = n;
            if (n > g->T) return lp_kbad(k, "attn_mask is longer than the key sequence");
        } else if (n != 1 && n != full[d]) {
            return lp_kbad(k, "attn_mask does not broadcast to the scores");
        }
        am->st[d] = n == 1 && d != 3 ? 0 : stride; /* a short last dim is padded, not broadcast */
        stride *= n;
    }
    if (am->last == 1 && g->T != 1) am->st[3] = 0, am->last = g->T; /* broadcast along keys */
    return LP_OK;
}

/* One row of n scores into the qk_matmul_output, from its element `at`. */
static void store_row(lp_tensor *QK, int64_t at, const float *row, int64_t n) {
    for (int64_t j = 0; j < n; j++) lp_store_f64(QK->dtype, QK->data, (size_t)(at + j), row[j]);
}

int lp_k_attention(lp_kctx *k) {
    const lp_tensor *Q = lp_in(k, 0), *K = lp_in(k, 1), *V = lp_in(k, 2), *M = lp_in(k, 3);
    const lp_tensor *pk = lp_in(k, 4), *pv = lp_in(k, 5), *nonpad = lp_in(k, 6);
    if (!Q || !K || !V) return lp_kfail(k, "Q, K and V are required");
    lp_dtype t = Q->dtype;
    if (!lp_nn_float_type(t) || !lp_nn_float_type(K->dtype) || !lp_nn_float_type(V->dtype))
        return lp_kfail(k, "Q, K and V must be float tensors");
    if ((pk && !lp_nn_float_type(pk->dtype)) || (pv && !lp_nn_float_type(pv->dtype)))
        return lp_kfail(k, "past_key and past_value must be float tensors");
    att_geom g;
    int rc = geometry(k, Q, K, V, pk, pv, &g);
    if (rc) return rc;
    att_mask am;
    if ((rc = mask_init(k, M, &g, &am))) return rc;
    if (nonpad && (nonpad->rank != 1 || nonpad->dims[0] != g.B || !lp_dtype_is_int(nonpad->dtype)))
        return lp_kbad(k, "nonpad_kv_seqlen must be an integer vector of the batch size");
    bool causal = lp_attr_int(k->node, "is_causal", 0) != 0;
    float softcap = lp_attr_float(k->node, "softcap", 0.0f);
    int64_t mode = lp_attr_int(k->node, "qk_matmul_output_mode", 0);
    if (mode < 0 || mode > 3) return lp_kfail(k, "qk_matmul_output_mode %lld", (long long)mode);
    float scale = lp_node_attr(k->node, "scale") ? lp_attr_float(k->node, "scale", 1.0f)
                                                  : 1.0f / sqrtf((float)g.D);

    /* outputs */
    int64_t ydims[4] = {g.B, g.Hq, g.Sq, g.Dv};
    if (g.three_d) ydims[1] = g.Sq, ydims[2] = g.Hq * g.Dv;
    lp_tensor *Y = lp_out(k, 0, t, g.three_d ? 3 : 4, ydims);
    int64_t kd[4] = {g.B, g.Hkv, g.T, g.D}, vd[4] = {g.B, g.Hkv, g.T, g.Dv};
    int64_t sd[4] = {g.B, g.Hq, g.Sq, g.T};
    lp_tensor *PK = lp_out_wanted(k, 1) ? lp_out(k, 1, K->dtype, 4, kd) : NULL;
    lp_tensor *PV = lp_out_wanted(k, 2) ? lp_out(k, 2, V->dtype, 4, vd) : NULL;
    lp_tensor *QK = lp_out_wanted(k, 3) ? lp_out(k, 3, t, 4, sd) : NULL;
    if (!Y || (lp_out_wanted(k, 1) && !PK) || (lp_out_wanted(k, 2) && !PV) ||
        (lp_out_wanted(k, 3) && !QK))
        return LP_EFAIL;

    /* working arrays: q, present k and v, all scores, y */
    int64_t qd[4] = {g.B, g.Hq, g.Sq, g.D}, lens[5];
    lens[0] = lp_shape_numel(4, qd);
    lens[1] = lp_shape_numel(4, kd);
    lens[2] = lp_shape_numel(4, vd);
    lens[3] = lp_shape_numel(4, sd);
    lens[4] = Y->numel;
    for (int i = 0; i < 5; i++)
        if (lens[i] < 0 || lens[i] > INT32_MAX) return lp_kbad(k, "the attention is too large");
    float *q, *kk, *vv, *s, *y, *w[5];
    if (!lp_nn_scratch(k, 5, lens, w)) return LP_EFAIL;
    q = w[0], kk = w[1], vv = w[2], s = w[3], y = w[4];
    load_heads(Q, g.three_d, g.B, g.Hq, g.Sq, g.D, q, g.Sq, 0);
    if (pk) {
        load_heads(pk, false, g.B, g.Hkv, g.P, g.D, kk, g.T, 0);
        load_heads(pv, false, g.B, g.Hkv, g.P, g.Dv, vv, g.T, 0);
    }
    load_heads(K, g.three_d, g.B, g.Hkv, g.Skv, g.D, kk, g.T, g.P);
    load_heads(V, g.three_d, g.B, g.Hkv, g.Skv, g.Dv, vv, g.T, g.P);
    if (PK) lp_nn_store(PK, kk, PK->numel);
    if (PV) lp_nn_store(PV, vv, PV->numel);

    const int64_t Sq = g.Sq, T = g.T, group = g.Hq / g.Hkv;
    for (int64_t b = 0; b < g.B; b++) {
        int64_t valid = T, offset = g.P;
        if (nonpad) {
            valid = lp_get_i64(nonpad, b);
            if (valid < 0 || valid > T) return lp_kbad(k, "nonpad_kv_seqlen %lld is out of range",
                                                       (long long)valid);
            if (!pk) offset = valid - Sq;
        }
        for (int64_t h = 0; h < g.Hq; h++) {
            const float *qh = q + (b * g.Hq + h) * Sq * g.D;
            const float *kh = kk + (b * g.Hkv + h / group) * T * g.D;
            const float *vh = vv + (b * g.Hkv + h / group) * T * g.Dv;
            float *sh = s + (b * g.Hq + h) * Sq * T;
            float *yh = y + (b * g.Hq + h) * Sq * g.Dv;
            if (Sq && T) {
                if (g.D)
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)Sq, (int)T, (int)g.D,
                                scale, qh, (int)g.D, kh, (int)g.D, 0.0f, sh, (int)T);
                else
                    memset(sh, 0, (size_t)(Sq * T) * sizeof *sh);
            }
            for (int64_t i = 0; i < Sq; i++) {
                float *row = sh + i * T;
                int64_t qk_at = ((b * g.Hq + h) * Sq + i) * T;
                if (softcap > 0)
                    for (int64_t j = 0; j < T; j++) row[j] = softcap * tanhf(row[j] / softcap);
                /* raw (mode 0) or softcapped (mode 1) scores go out before the bias */
                if (QK && mode <= 1) store_row(QK, qk_at, row, T);
                float mx = -INFINITY;
                for (int64_t j = 0; j < T; j++) {
                    bool ok = j < valid && (!causal || j <= i + offset);
                    float bias = 0.0f;
                    if (am.t) {
                        if (j >= am.last) ok = false;
                        else {
                            int64_t mi = b * am.st[0] + h * am.st[1] + i * am.st[2] + j * am.st[3];
                            if (am.is_bool) ok = ok && lp_get_i64(am.t, mi) != 0;
                            else bias = (float)lp_get_f64(am.t, mi);
                        }
                    }
                    row[j] = ok ? row[j] + bias : -INFINITY;
                    if (row[j] > mx) mx = row[j];
                }
                if (QK && mode == 2) store_row(QK, qk_at, row, T);
                if (mx == -INFINITY || isnan(mx)) {
                    /* no key allowed: a zero row, not NaN */
                    memset(row, 0, (size_t)T * sizeof *row);
                } else {
                    float sum = 0.0f;
                    for (int64_t j = 0; j < T; j++) {
                        row[j] = expf(row[j] - mx);
                        sum += row[j];
                    }
                    for (int64_t j = 0; j < T; j++) row[j] /= sum;
                }
                if (QK && mode == 3) store_row(QK, qk_at, row, T);
            }
            if (Sq && g.Dv) {
                if (T)
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)Sq, (int)g.Dv,
                                (int)T, 1.0f, sh, (int)T, vh, (int)g.Dv, 0.0f, yh, (int)g.Dv);
                else
                    memset(yh, 0, (size_t)(Sq * g.Dv) * sizeof *yh);
            }
        }
    }
    if (!g.three_d) {
        lp_nn_store(Y, y, Y->numel);
        return LP_OK;
    }
    /* [B, Hq, Sq, Dv] back to [B, Sq, Hq * Dv] */
    for (int64_t b = 0; b < g.B; b++)
        for (int64_t h = 0; h < g.Hq; h++)
            for (int64_t i = 0; i < Sq; i++)
                for (int64_t d = 0; d < g.Dv; d++)
                    lp_store_f64(t, Y->data, (size_t)(((b * Sq + i) * g.Hq + h) * g.Dv + d),
                                 y[((b * g.Hq + h) * Sq + i) * g.Dv + d]);
    return LP_OK;
}
