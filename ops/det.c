/*
** det.c — Det: the determinant of each square matrix in the last two
** dimensions, by LU decomposition with partial pivoting in double.
*/
#include "ops/tensorops.h"

#include <math.h>
#include <stdlib.h>

static double det_lu(double *a, int64_t n) {
    double det = 1;
    for (int64_t c = 0; c < n; c++) {
        int64_t p = c;
        for (int64_t r = c + 1; r < n; r++)
            if (fabs(a[r * n + c]) > fabs(a[p * n + c])) p = r;
        if (a[p * n + c] == 0) return 0;
        if (p != c) {
            for (int64_t j = 0; j < n; j++) {
                double t = a[c * n + j];
                a[c * n + j] = a[p * n + j];
                a[p * n + j] = t;
            }
            det = -det;
        }
        double piv = a[c * n + c];
        det *= piv;
        for (int64_t r = c + 1; r < n; r++) {
            double f = a[r * n + c] / piv;
            if (f == 0) continue;
            for (int64_t j = c + 1; j < n; j++) a[r * n + j] -= f * a[c * n + j];
        }
    }
    return det;
}

int lp_k_det(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kbad(k, "input X is missing");
    if (!lp_dtype_is_float(x->dtype))
        return lp_kbad(k, "Det takes floating-point tensors, not %s", lp_dtype_name(x->dtype));
    if (x->rank < 2 || x->dims[x->rank - 1] != x->dims[x->rank - 2])
        return lp_kbad(k, "input must be square matrices [*, M, M]");
    int64_t n = x->dims[x->rank - 1];
    lp_tensor *y = lp_out(k, 0, x->dtype, x->rank - 2, x->dims);
    if (!y) return LP_EFAIL;
    double *a = lp_scratch(k, (size_t)(n * n + 1) * sizeof *a);
    if (!a) return lp_kfail(k, "out of memory");
    size_t esz = lp_dtype_size(x->dtype);
    for (int64_t m = 0; m < y->numel; m++) {
        lp_to_f64(x->dtype, (const char *)x->data + (size_t)(m * n * n) * esz, a, n * n);
        lp_store_f64(x->dtype, y->data, (size_t)m, det_lu(a, n));
    }
    return LP_OK;
}
