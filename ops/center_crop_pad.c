/*
** center_crop_pad.c — CenterCropPad: each listed axis is cut or zero-padded
** to the given length around its center (the extra element of an odd
** difference goes to the end, as the reference's floor division puts it).
*/
#include "ops/kernel.h"
#include "ops/tensorops.h"

#include <string.h>

int lp_k_center_crop_pad(lp_kctx *k) {
    const lp_tensor *X = lp_in(k, 0);
    if (!X) return lp_kfail(k, "input_data is required");
    int r = X->rank, n = 0, rc;
    int64_t shape[LP_MAX_RANK], axes[LP_MAX_RANK];
    if ((rc = lp_input_ints(k, 1, "shape", shape, LP_MAX_RANK, &n))) return rc;
    int na = 0;
    const int64_t *aa = lp_attr_ints(k->node, "axes", &na);
    if (aa) {
        if (na != n) return lp_kbad(k, "shape has %d values for %d axes", n, na);
        memcpy(axes, aa, (size_t)na * sizeof *axes);
        if ((rc = lp_norm_axes(k, axes, na, r, "axes"))) return rc;
    } else {
        if (n != r) return lp_kbad(k, "shape has %d values for rank %d", n, r);
        for (int i = 0; i < r; i++) axes[i] = i;
    }
    int64_t dims[LP_MAX_RANK], soff = 0, doff = 0, sst[LP_MAX_RANK], dst[LP_MAX_RANK], copy[LP_MAX_RANK];
    memcpy(dims, X->dims, (size_t)r * sizeof *dims);
    for (int i = 0; i < n; i++) {
        if (shape[i] < 0) return lp_kbad(k, "shape has a negative length");
        dims[axes[i]] = shape[i];
    }
    lp_tensor *Y = lp_out(k, 0, X->dtype, r, dims);
    if (!Y) return LP_EFAIL;
    lp_contig_strides(r, X->dims, sst);
    lp_contig_strides(r, dims, dst);
    for (int d = 0; d < r; d++) {
        int64_t in = X->dims[d], out = dims[d];
        copy[d] = in < out ? in : out;
        if (in > out) soff += (in - out) / 2 * sst[d];
        else if (out > in) doff += (out - in) / 2 * dst[d];
    }
    lp_zero_elems(Y, 0, Y->numel);
    if (lp_shape_numel(r, copy) > 0) lp_strided_copy(Y, doff, dst, X, soff, sst, r, copy);
    return LP_OK;
}
