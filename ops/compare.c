/*
** compare.c — matching computed values against expected ones.
*/
#include "ops/compare.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static bool tensors_match(const lp_tensor *want, const lp_tensor *got, double rtol, double atol,
                          char *why, size_t n) {
    char a[128], b[128];
    if (want->dtype != got->dtype) {
        snprintf(why, n, "dtype %s, expected %s", lp_dtype_name(got->dtype), lp_dtype_name(want->dtype));
        return false;
    }
    bool same = want->rank == got->rank;
    for (int i = 0; same && i < want->rank; i++) same = want->dims[i] == got->dims[i];
    if (!same) {
        snprintf(why, n, "shape [%s], expected [%s]", lp_dims_str(got->rank, got->dims, a, sizeof a, true),
                 lp_dims_str(want->rank, want->dims, b, sizeof b, true));
        return false;
    }
    if (want->dtype == LP_STRING) {
        char *const *w = want->data, *const *g = got->data;
        for (int64_t i = 0; i < want->numel; i++)
            if (strcmp(w[i], g[i])) {
                snprintf(why, n, "element %lld is \"%.40s\", expected \"%.40s\"", (long long)i, g[i], w[i]);
                return false;
            }
        return true;
    }
    bool exact = lp_dtype_is_int(want->dtype) || want->dtype == LP_BOOL;
    int64_t bad = 0, first = -1;
    double worst = 0;
    int64_t count = want->numel * ((want->dtype == LP_COMPLEX64 || want->dtype == LP_COMPLEX128) ? 2 : 1);
    for (int64_t i = 0; i < count; i++) {
        double w, g;
        if (want->dtype == LP_COMPLEX64) w = ((const float *)want->data)[i], g = ((const float *)got->data)[i];
        else if (want->dtype == LP_COMPLEX128) w = ((const double *)want->data)[i], g = ((const double *)got->data)[i];
        else if (exact) {
            if (lp_load_i64(want->dtype, want->data, (size_t)i) == lp_load_i64(got->dtype, got->data, (size_t)i) &&
                (want->dtype != LP_UINT64 || ((const uint64_t *)want->data)[i] == ((const uint64_t *)got->data)[i]))
                continue;
            w = lp_load_f64(want->dtype, want->data, (size_t)i);
            g = lp_load_f64(got->dtype, got->data, (size_t)i);
            if (!bad) first = i;
            bad++;
            continue;
        } else {
            w = lp_load_f64(want->dtype, want->data, (size_t)i);
            g = lp_load_f64(got->dtype, got->data, (size_t)i);
        }
        if (isnan(w) && isnan(g)) continue;
        if (w == g) continue;
        double d = fabs(g - w);
        if (d <= atol + rtol * fabs(w)) continue;
        if (!bad || d > worst) {
            if (!bad) first = i;
            worst = isnan(d) ? INFINITY : d;
        }
        bad++;
    }
    if (bad) {
        double w = lp_load_f64(want->dtype, want->data, (size_t)first);
        double g = lp_load_f64(got->dtype, got->data, (size_t)first);
        if (want->dtype == LP_COMPLEX64 || want->dtype == LP_COMPLEX128) w = g = NAN;
        snprintf(why, n, "%lld of %lld values differ (first at %lld: %.7g, expected %.7g)",
                 (long long)bad, (long long)count, (long long)first, g, w);
        return false;
    }
    return true;
}

bool lp_rvalue_matches(const lp_rvalue *want, const lp_rvalue *got, double rtol, double atol,
                       char *why, size_t n) {
    static const char *kinds[] = {"nothing", "a tensor", "a sequence", "a map"};
    if (want->kind != got->kind) {
        snprintf(why, n, "got %s, expected %s", kinds[got->kind], kinds[want->kind]);
        return false;
    }
    switch (want->kind) {
    case LP_RV_TENSOR: return tensors_match(&want->t, &got->t, rtol, atol, why, n);
    case LP_RV_SEQUENCE:
        if (want->n_items != got->n_items) {
            snprintf(why, n, "sequence of %d items, expected %d", got->n_items, want->n_items);
            return false;
        }
        for (int i = 0; i < want->n_items; i++) {
            char inner[400];
            if (!lp_rvalue_matches(&want->items[i], &got->items[i], rtol, atol, inner, sizeof inner)) {
                snprintf(why, n, "item %d: %s", i, inner);
                return false;
            }
        }
        return true;
    case LP_RV_MAP:
        return tensors_match(&want->keys, &got->keys, 0, 0, why, n) &&
               tensors_match(&want->vals, &got->vals, rtol, atol, why, n);
    default: return true;
    }
}
