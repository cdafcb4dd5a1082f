/*
** swiglu.c — SwiGLU: Y = Swish_alpha(A) * B = A * sigmoid(alpha * A) * B,
** with A and B of one shape (no broadcasting). Computed in float.
*/
#include "ops/nn.h"

#include <math.h>

int lp_k_swiglu(lp_kctx *k) {
    const lp_tensor *A = lp_in(k, 0), *B = lp_in(k, 1);
    if (!A || !B) return lp_kfail(k, "A and B are required");
    if (!lp_nn_float_type(A->dtype) || B->dtype != A->dtype)
        return lp_kfail(k, "A and B must be float tensors of one type");
    bool same = A->rank == B->rank;
    for (int i = 0; same && i < A->rank; i++) same = A->dims[i] == B->dims[i];
    if (!same) return lp_kbad(k, "A and B must have the same shape");
    lp_tensor *Y = lp_out(k, 0, A->dtype, A->rank, A->dims);
    if (!Y) return LP_EFAIL;
    float alpha = lp_attr_float(k->node, "alpha", 1.0f);
    if (A->dtype == LP_FLOAT) {
        const float *a = A->data, *b = B->data;
        float *y = Y->data;
        for (int64_t i = 0; i < A->numel; i++) y[i] = a[i] / (1.0f + expf(-alpha * a[i])) * b[i];
        return LP_OK;
    }
    for (int64_t i = 0; i < A->numel; i++) {
        double a = lp_get_f64(A, i);
        lp_store_f64(Y->dtype, Y->data, (size_t)i, a / (1.0 + exp(-alpha * a)) * lp_get_f64(B, i));
    }
    return LP_OK;
}
