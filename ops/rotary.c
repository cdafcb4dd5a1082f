/*
** rotary.c — RotaryEmbedding (RoPE): rotates pairs of a head's first
** rotary_embedding_dim values by position-dependent angles whose cos and sin
** come from caches. Pairs are (i, i + dim/2) by default, or (2i, 2i + 1)
** when interleaved. The input is (batch, heads, seq, head) or (batch, seq,
** heads * head) with num_heads; the caches are (batch, seq, dim/2), or
** (max_position, dim/2) indexed by position_ids (batch, seq).
*/
#include "ops/nn.h"

#include <string.h>

int lp_k_rotary_embedding(lp_kctx *k) {
    const lp_tensor *X = lp_in(k, 0), *cosc = lp_in(k, 1), *sinc = lp_in(k, 2), *pos = lp_in(k, 3);
    if (!X || !cosc || !sinc) return lp_kfail(k, "X, cos_cache and sin_cache are required");
    if (!lp_nn_float_type(X->dtype) || !lp_nn_float_type(cosc->dtype) ||
        !lp_nn_float_type(sinc->dtype))
        return lp_kfail(k, "the input and the caches must be float tensors");
    int64_t B, S, H, D;
    bool four = X->rank == 4;
    if (four) {
        B = X->dims[0], H = X->dims[1], S = X->dims[2], D = X->dims[3];
    } else if (X->rank == 3) {
        H = lp_attr_int(k->node, "num_heads", 0);
        B = X->dims[0], S = X->dims[1];
        if (H <= 0 || X->dims[2] % H) return lp_kbad(k, "3-D input needs num_heads dividing its last dim");
        D = X->dims[2] / H;
    } else {
        return lp_kbad(k, "the input must be 3-D or 4-D");
    }
    int64_t rot = lp_attr_int(k->node, "rotary_embedding_dim", 0);
    if (rot == 0) rot = D;
    if (rot < 0 || rot > D || rot % 2) return lp_kbad(k, "rotary_embedding_dim %lld does not fit head size %lld",
                                                     (long long)rot, (long long)D);
    int64_t half = rot / 2;
    bool inter = lp_attr_int(k->node, "interleaved", 0) != 0;
    if (cosc->rank != sinc->rank || cosc->numel != sinc->numel || cosc->rank < 2 ||
        cosc->dims[cosc->rank - 1] != half)
        return lp_kbad(k, "the caches' last dim must be rotary_embedding_dim / 2 = %lld", (long long)half);
    int64_t npos = 0;
    if (pos) {
        if (pos->rank != 2 || pos->dims[0] != B || pos->dims[1] != S || !lp_dtype_is_int(pos->dtype))
            return lp_kbad(k, "position_ids must be integers of shape (batch, seq)");
        if (cosc->rank != 2) return lp_kbad(k, "with position_ids the caches are (max_position, dim/2)");
        npos = cosc->dims[0];
    } else if (cosc->rank != 3 || cosc->dims[0] != B || cosc->dims[1] != S) {
        return lp_kbad(k, "without position_ids the caches are (batch, seq, dim/2)");
    }
    lp_tensor *Y = lp_out(k, 0, X->dtype, X->rank, X->dims);
    if (!Y) return LP_EFAIL;
    if (X->numel && X->data != Y->data) memcpy(Y->data, X->data, X->nbytes);
    for (int64_t b = 0; b < B; b++)
        for (int64_t s = 0; s < S; s++) {
            int64_t row = b * S + s;
            if (pos) {
                row = lp_get_i64(pos, b * S + s);
                if (row < 0 || row >= npos) return lp_kbad(k, "position id %lld is out of range", (long long)row);
            }
            for (int64_t h = 0; h < H; h++) {
                int64_t base = four ? ((b * H + h) * S + s) * D : ((b * S + s) * H + h) * D;
                for (int64_t i = 0; i < half; i++) {
                    double c = lp_get_f64(cosc, row * half + i), sn = lp_get_f64(sinc, row * half + i);
                    int64_t i1 = base + (inter ? 2 * i : i), i2 = base + (inter ? 2 * i + 1 : i + half);
                    double x1 = lp_get_f64(X, i1), x2 = lp_get_f64(X, i2);
                    lp_store_f64(Y->dtype, Y->data, (size_t)i1, c * x1 - sn * x2);
                    lp_store_f64(Y->dtype, Y->data, (size_t)i2, sn * x1 + c * x2);
                }
            }
        }
    return LP_OK;
}
