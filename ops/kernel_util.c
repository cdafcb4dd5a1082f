/*
** kernel_util.c — shape helpers every family of kernels needs.
*/
#include "ops/kernel.h"

#include <stdlib.h>
#include <string.h>

int lp_broadcast_shape(lp_kctx *k, const lp_tensor *const *ts, int n, int *rank, int64_t *dims) {
    int r = 0;
    for (int i = 0; i < n; i++)
        if (ts[i] && ts[i]->rank > r) r = ts[i]->rank;
    for (int d = 0; d < r; d++) {
        int64_t size = 1;
        for (int i = 0; i < n; i++) {
            if (!ts[i]) continue;
            int off = d - (r - ts[i]->rank);
            if (off < 0) continue;
            int64_t s = ts[i]->dims[off];
            if (s == size || s == 1) continue;
            if (size == 1) {
                size = s;
                continue;
            }
            char a[200], b[200];
            return lp_kbad(k, "shapes [%s] and [%s] do not broadcast",
                           lp_dims_str(ts[0]->rank, ts[0]->dims, a, sizeof a, true),
                           lp_dims_str(ts[i]->rank, ts[i]->dims, b, sizeof b, true));
        }
        dims[d] = size;
    }
    *rank = r;
    return LP_OK;
}

void lp_broadcast_strides(const lp_tensor *t, int rank, const int64_t *dims, int64_t *strides) {
    int64_t s = 1;
    for (int d = rank - 1; d >= 0; d--) {
        int off = d - (rank - t->rank);
        if (off < 0 || t->dims[off] == 1) {
            strides[d] = 0;
        } else {
            strides[d] = s;
        }
        if (off >= 0) s *= t->dims[off];
        (void)dims;
    }
}

int lp_norm_axis(int64_t axis, int rank) {
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= (rank > 0 ? rank : 1)) return -1;
    return (int)axis;
}

int64_t *lp_tensor_to_i64(const lp_tensor *t) {
    int64_t *out = lp_xmalloc((size_t)(t->numel > 0 ? t->numel : 1) * sizeof *out);
    for (int64_t i = 0; i < t->numel; i++) out[i] = lp_load_i64(t->dtype, t->data, (size_t)i);
    return out;
}
