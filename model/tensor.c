/*
** tensor.c — allocation, copies, statistics and display of dense tensors.
*/
#include "tensor.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t lp_shape_numel(int rank, const int64_t *dims) {
    int64_t n = 1;
    for (int i = 0; i < rank; i++)
        if (dims[i] < 0 || lp_mul_i64(n, dims[i], &n)) return -1;
    return n;
}

int lp_tensor_alloc(lp_tensor *t, lp_dtype dtype, int rank, const int64_t *dims, lp_error *err) {
    memset(t, 0, sizeof *t);
    if (rank < 0 || rank > LP_MAX_RANK)
        return lp_fail(err, LP_EINPUT, "rank %d is beyond the %d supported", rank, LP_MAX_RANK);
    if (!lp_dtype_valid((int)dtype))
        return lp_fail(err, LP_EINPUT, "element type %d is not an ONNX type", (int)dtype);
    int64_t numel = lp_shape_numel(rank, dims);
    size_t bytes;
    if (numel < 0 || lp_mul_size((size_t)numel, lp_dtype_size(dtype), &bytes) ||
        bytes > ((size_t)1 << 38))
        return lp_fail(err, LP_EINPUT, "tensor shape is too large or has a negative dim");
    t->dtype = dtype;
    t->rank = rank;
    if (rank) memcpy(t->dims, dims, (size_t)rank * sizeof *dims);
    t->numel = numel;
    t->nbytes = bytes;
    t->capacity = bytes;
    t->data = calloc(bytes ? bytes : 1, 1);
    if (!t->data) return lp_fail(err, LP_EFAIL, "out of memory for a tensor of %zu bytes", bytes);
    t->owned = true;
    if (dtype == LP_STRING) {
        char **s = t->data;
        for (int64_t i = 0; i < numel; i++) s[i] = lp_xstrdup("");
    }
    return LP_OK;
}

void lp_tensor_release(lp_tensor *t) {
    if (t->owned && t->data) {
        if (t->dtype == LP_STRING) {
            char **s = t->data;
            for (int64_t i = 0; i < t->numel; i++) free(s[i]);
        }
        free(t->data);
    }
    memset(t, 0, sizeof *t);
}

int lp_tensor_copy(lp_tensor *dst, const lp_tensor *src, lp_error *err) {
    lp_tensor tmp;
    int rc = lp_tensor_alloc(&tmp, src->dtype, src->rank, src->dims, err);
    if (rc) return rc;
    if (src->dtype == LP_STRING) {
        char **d = tmp.data, *const *s = src->data;
        for (int64_t i = 0; i < src->numel; i++) {
            free(d[i]);
            d[i] = lp_xstrdup(s[i] ? s[i] : "");
        }
    } else if (src->nbytes) {
        memcpy(tmp.data, src->data, src->nbytes);
    }
    tmp.name = src->name;
    lp_tensor_release(dst);
    *dst = tmp;
    return LP_OK;
}

char *lp_dims_str(int rank, const int64_t *dims, char *buf, size_t n, bool ascii) {
    size_t at = 0;
    buf[0] = 0;
    if (rank == 0) {
        snprintf(buf, n, "scalar");
        return buf;
    }
    for (int i = 0; i < rank && at < n; i++) {
        int w = snprintf(buf + at, n - at, "%s%lld", i ? (ascii ? "x" : "\u00d7") : "",
                         (long long)dims[i]);
        if (w < 0) break;
        at += (size_t)w;
    }
    return buf;
}

void lp_tensor_stats_compute(const lp_tensor *t, lp_tensor_stats *s) {
    memset(s, 0, sizeof *s);
    s->count = t->numel;
    if (t->dtype == LP_STRING || t->numel == 0) return;
    double sum = 0, sumsq = 0;
    int64_t finite = 0;
    s->min = INFINITY;
    s->max = -INFINITY;
    for (int64_t i = 0; i < t->numel; i++) {
        double v = lp_load_f64(t->dtype, t->data, (size_t)i);
        if (isnan(v)) { s->nans++; continue; }
        if (isinf(v)) s->infs++;
        if (v == 0) s->zeros++;
        if (v < s->min) s->min = v;
        if (v > s->max) s->max = v;
        if (isfinite(v)) {
            sum += v;
            finite++;
        }
    }
    if (finite) {
        s->mean = sum / (double)finite;
        for (int64_t i = 0; i < t->numel; i++) {
            double v = lp_load_f64(t->dtype, t->data, (size_t)i);
            if (isfinite(v)) sumsq += (v - s->mean) * (v - s->mean);
        }
        s->std = sqrt(sumsq / (double)finite);
    }
    if (s->nans == t->numel) s->min = s->max = NAN;
}

void lp_tensor_format_value(const lp_tensor *t, int64_t i, char *buf, size_t n) {
    if (i < 0 || i >= t->numel) {
        snprintf(buf, n, "?");
        return;
    }
    switch (t->dtype) {
    case LP_STRING: snprintf(buf, n, "\"%s\"", ((char *const *)t->data)[i]); break;
    case LP_BOOL: snprintf(buf, n, "%s", ((const uint8_t *)t->data)[i] ? "true" : "false"); break;
    case LP_INT64: snprintf(buf, n, "%lld", (long long)((const int64_t *)t->data)[i]); break;
    case LP_UINT64:
        snprintf(buf, n, "%llu", (unsigned long long)((const uint64_t *)t->data)[i]);
        break;
    case LP_COMPLEX64: {
        const float *c = (const float *)t->data + 2 * i;
        snprintf(buf, n, "%g%+gi", c[0], c[1]);
        break;
    }
    case LP_COMPLEX128: {
        const double *c = (const double *)t->data + 2 * i;
        snprintf(buf, n, "%g%+gi", c[0], c[1]);
        break;
    }
    default:
        if (lp_dtype_is_int(t->dtype))
            snprintf(buf, n, "%lld", (long long)lp_load_i64(t->dtype, t->data, (size_t)i));
        else
            snprintf(buf, n, "%.6g", lp_load_f64(t->dtype, t->data, (size_t)i));
    }
}
