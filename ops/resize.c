/*
** resize.c — Resize (opset 10 to 19) and Upsample (opset 7 to 9).
**
** Every mode of Resize is separable: along each axis, output position x
** reads n input positions (its taps) with weights that depend only on x, so
** an N-D resize is one 1-D pass per resized axis. The taps follow the ONNX
** reference: x is mapped to x_ori by the coordinate transformation, the n
** taps are the n positions nearest x_ori (the left one preferred on ties),
** read with edge padding, and the weights come from the ratio x_ori -
** (first tap + n/2 - 1) in (0, 1]: nearest picks one, linear and cubic
** interpolate, and antialias stretches the filter by 1/scale when shrinking
** (more taps). exclude_outside drops taps beyond the edge and renormalises.
** tf_crop_and_resize gives extrapolation_value wherever a coordinate falls
** outside the input. Values are computed in double and stored back with C
** conversions, as the reference's astype does.
*/
#include "ops/cubic.h"
#include "ops/kernel.h"
#include "ops/tensorops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { M_NEAREST, M_LINEAR, M_CUBIC };
enum { CT_HALF_PIXEL, CT_HALF_PIXEL_SYM, CT_PYTORCH, CT_ALIGN, CT_ASYM, CT_TF_CROP };
enum { NR_PREFER_FLOOR, NR_PREFER_CEIL, NR_FLOOR, NR_CEIL, NR_SIMPLE };

typedef struct rs_opts {
    int mode, ct, nearest;
    bool antialias, exclude_outside;
    double cubic_a, extrapolation;
} rs_opts;

/* One axis: each output position reads n taps. */
typedef struct rs_axis {
    int64_t in, out, n;
    double scale, roi0, roi1;
    int64_t *idx;      /* out * n input positions, clamped into [0, in) */
    double *w;         /* out * n weights */
    uint8_t *outside;  /* out flags: tf_crop_and_resize fell outside */
    bool identity;
} rs_axis;

#define MAX_TAPS 4096

static int find(const char *s, const char *const *names, int n) {
    for (int i = 0; i < n; i++)
        if (!strcmp(s, names[i])) return i;
    return -1;
}

static int read_opts(lp_kctx *k, bool upsample, rs_opts *o) {
    static const char *const modes[] = {"nearest", "linear", "cubic"};
    static const char *const cts[] = {"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel",
                                      "align_corners", "asymmetric", "tf_crop_and_resize"};
    static const char *const nrs[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
    memset(o, 0, sizeof *o);
    const char *m = lp_attr_string(k->node, "mode", "nearest");
    o->mode = find(m, modes, 3);
    if (o->mode < 0 && (!strcmp(m, "bilinear") || !strcmp(m, "trilinear"))) o->mode = M_LINEAR;
    if (o->mode < 0) return lp_kfail(k, "unknown mode '%s'", m);
    if (upsample || k->opset < 11) {
        /* before opset 11: asymmetric coordinates, nearest rounds down when
        ** enlarging and up when shrinking */
        if (o->mode == M_CUBIC) return lp_kfail(k, "cubic needs opset 11 or later");
        o->ct = CT_ASYM;
        o->nearest = NR_SIMPLE;
        return LP_OK;
    }
    const char *c = lp_attr_string(k->node, "coordinate_transformation_mode", "half_pixel");
    if ((o->ct = find(c, cts, 6)) < 0) return lp_kfail(k, "unknown coordinate mode '%s'", c);
    const char *n = lp_attr_string(k->node, "nearest_mode", "round_prefer_floor");
    if ((o->nearest = find(n, nrs, 4)) < 0) return lp_kfail(k, "unknown nearest_mode '%s'", n);
    o->antialias = lp_attr_int(k->node, "antialias", 0) != 0 && o->mode != M_NEAREST;
    o->exclude_outside = lp_attr_int(k->node, "exclude_outside", 0) != 0;
    o->cubic_a = lp_attr_float(k->node, "cubic_coeff_a", -0.75f);
    o->extrapolation = lp_attr_float(k->node, "extrapolation_value", 0.0f);
    return LP_OK;
}

/* How many taps an axis reads. */
static int64_t tap_count(const rs_opts *o, double scale) {
    if (o->mode == M_NEAREST) return 2;
    double s = scale < 1.0 ? scale : 1.0;
    if (!o->antialias) return o->mode == M_LINEAR ? 2 : 4;
    double start = floor((o->mode == M_LINEAR ? -1.0 : -2.0) / s) + 1;
    if (!(start > -MAX_TAPS)) return -1;
    return 2 - 2 * (int64_t)start;
}

/* The position in the input that output x maps to. */
static double x_original(const rs_opts *o, const rs_axis *a, int64_t x) {
    double in = (double)a->in, width = a->scale * in, s = a->scale;
    switch (o->ct) {
    case CT_ALIGN: return width == 1 ? 0.0 : (double)x * (in - 1) / (width - 1);
    case CT_ASYM: return (double)x / s;
    case CT_TF_CROP: {
        double r = width == 1 ? (a->roi1 - a->roi0) * (in - 1) / 2
                              : (double)x * (a->roi1 - a->roi0) * (in - 1) / (width - 1);
        return r + a->roi0 * (in - 1);
    }
    case CT_PYTORCH: return width == 1 ? -0.5 : ((double)x + 0.5) / s - 0.5;
    case CT_HALF_PIXEL_SYM: {
        double adjustment = (double)a->out / width, center = in / 2;
        return center * (1 - adjustment) + ((double)x + 0.5) / s - 0.5;
    }
    default: return ((double)x + 0.5) / s - 0.5;
    }
}

/* Weights of the n taps for a ratio in (0, 1]. */
static void weights(const rs_opts *o, double ratio, double scale, bool integer, int64_t n,
                    double *w) {
    if (o->mode == M_NEAREST) {
        bool right;
        if (integer) right = true;
        else if (o->nearest == NR_PREFER_FLOOR) right = ratio > 0.5;
        else if (o->nearest == NR_PREFER_CEIL) right = ratio >= 0.5;
        else if (o->nearest == NR_FLOOR) right = false;
        else if (o->nearest == NR_CEIL) right = true;
        else right = scale < 1.0; /* simple */
        w[0] = right ? 0 : 1;
        w[1] = right ? 1 : 0;
        return;
    }
    if (!o->antialias) {
        if (o->mode == M_LINEAR) {
            w[0] = 1 - ratio;
            w[1] = ratio;
        } else {
            lp_cubic_taps(ratio, o->cubic_a, w);
        }
        return;
    }
    double s = scale < 1.0 ? scale : 1.0, sum = 0;
    int64_t start = 1 - n / 2;
    for (int64_t i = 0; i < n; i++) {
        double arg = ((double)(start + i) - ratio) * s;
        w[i] = o->mode == M_LINEAR ? fmax(0.0, fmin(1.0, 1 - fabs(arg))) : lp_cubic_weight(arg, o->cubic_a);
        sum += w[i];
    }
    for (int64_t i = 0; i < n; i++) w[i] /= sum;
}

static int axis_taps(lp_kctx *k, const rs_opts *o, rs_axis *a) {
    a->n = tap_count(o, a->scale);
    if (a->n < 2 || a->n > MAX_TAPS) return lp_kbad(k, "scale %g needs too many taps", a->scale);
    size_t cnt;
    if (lp_mul_size((size_t)a->out, (size_t)a->n, &cnt) || cnt > ((size_t)1 << 28))
        return lp_kbad(k, "the resize is too large");
    a->idx = malloc((cnt ? cnt : 1) * sizeof *a->idx);
    a->w = malloc((cnt ? cnt : 1) * sizeof *a->w);
    a->outside = calloc((size_t)a->out + 1, 1);
    if (!a->idx || !a->w || !a->outside) return lp_kfail(k, "out of memory");
    a->identity = a->out == a->in && o->ct != CT_TF_CROP;
    int64_t pad = a->n / 2;
    for (int64_t x = 0; x < a->out; x++) {
        double xo = x_original(o, a, x);
        int64_t *idx = a->idx + x * a->n;
        double *w = a->w + x * a->n;
        if (!isfinite(xo) || (o->ct == CT_TF_CROP && (xo < 0 || xo > (double)(a->in - 1)))) {
            a->outside[x] = 1;
            for (int64_t t = 0; t < a->n; t++) idx[t] = 0, w[t] = 0;
            a->identity = false;
            continue;
        }
        double fl = floor(xo), c = ceil(xo);
        bool integer = xo == fl;
        double ratio = integer ? 1.0 : xo - fl;
        weights(o, ratio, a->scale, integer, a->n, w);
        /* the n positions nearest xo, within the edge-padded range */
        double lo = c - (double)(a->n / 2);
        if (lo < (double)-pad) lo = (double)-pad;
        if (lo > (double)(a->in + pad - a->n)) lo = (double)(a->in + pad - a->n);
        int64_t first = (int64_t)lo;
        double sum = 0;
        for (int64_t t = 0; t < a->n; t++) {
            int64_t i = first + t;
            if (o->exclude_outside && (i < 0 || i >= a->in)) w[t] = 0;
            sum += w[t];
            idx[t] = i < 0 ? 0 : i >= a->in ? a->in - 1 : i;
        }
        if (o->exclude_outside && sum != 0)
            for (int64_t t = 0; t < a->n; t++) w[t] /= sum;
        /* identity: one tap of weight 1 at x itself */
        if (a->identity) {
            bool one = false;
            for (int64_t t = 0; t < a->n; t++) {
                if (w[t] == 0) continue;
                if (w[t] == 1 && idx[t] == x && !one) one = true;
                else one = false, t = a->n;
            }
            if (!one) a->identity = false;
        }
    }
    return LP_OK;
}

/* dst[o, x, i] = sum_t w[x, t] * src[o, idx[x, t], i] */
static void resize_axis(const rs_axis *a, int64_t outer, int64_t inner, const double *src,
                        double *dst) {
    for (int64_t o = 0; o < outer; o++) {
        const double *s = src + o * a->in * inner;
        double *d = dst + o * a->out * inner;
        for (int64_t x = 0; x < a->out; x++) {
            double *row = d + x * inner;
            for (int64_t i = 0; i < inner; i++) row[i] = 0;
            for (int64_t t = 0; t < a->n; t++) {
                double w = a->w[x * a->n + t];
                if (w == 0) continue;
                const double *sr = s + a->idx[x * a->n + t] * inner;
                for (int64_t i = 0; i < inner; i++) row[i] += w * sr[i];
            }
        }
    }
}

/* Reads scales/sizes/roi and fills the axes' in, out, scale and roi. */
static int plan_axes(lp_kctx *k, const lp_tensor *X, const lp_tensor *roi, const lp_tensor *scales,
                     const lp_tensor *sizes, const float *attr_scales, int n_attr_scales,
                     const rs_opts *o, rs_axis *ax) {
    int r = X->rank;
    int64_t axes[LP_MAX_RANK];
    int na = r, nax = 0;
    const int64_t *aa = lp_attr_ints(k->node, "axes", &nax);
    if (aa && k->opset >= 18) {
        if (nax < 1 || nax > r) return lp_kbad(k, "axes has %d values for rank %d", nax, r);
        memcpy(axes, aa, (size_t)nax * sizeof *axes);
        na = nax;
        int rc = lp_norm_axes(k, axes, na, r, "axes");
        if (rc) return rc;
    } else {
        for (int i = 0; i < r; i++) axes[i] = i;
    }
    for (int d = 0; d < r; d++) {
        ax[d].in = ax[d].out = X->dims[d];
        ax[d].scale = 1.0;
        ax[d].roi0 = 0.0;
        ax[d].roi1 = 1.0;
    }
    if (scales && scales->numel == 0) scales = NULL;
    if (sizes && sizes->numel == 0) sizes = NULL;
    if (!scales && !sizes && !attr_scales) return lp_kbad(k, "one of scales and sizes is needed");
    if (scales && sizes) return lp_kbad(k, "scales and sizes cannot both be given");
    if (o->ct == CT_TF_CROP && roi && roi->numel > 0) {
        if (roi->numel != 2 * na || !lp_dtype_is_float(roi->dtype))
            return lp_kbad(k, "roi must hold %d floats", 2 * na);
        for (int i = 0; i < na; i++) {
            ax[axes[i]].roi0 = lp_get_f64(roi, i);
            ax[axes[i]].roi1 = lp_get_f64(roi, na + i);
        }
    }
    if (scales || attr_scales) {
        int64_t n = scales ? scales->numel : n_attr_scales;
        if (n != na) return lp_kbad(k, "%lld scales for %d axes", (long long)n, na);
        if (scales && !lp_dtype_is_float(scales->dtype)) return lp_kbad(k, "scales must be floats");
        for (int i = 0; i < na; i++) {
            rs_axis *a = &ax[axes[i]];
            double s = scales ? (double)(float)lp_get_f64(scales, i) : (double)attr_scales[i];
            if (!(s > 0) || !isfinite(s)) return lp_kbad(k, "scale %g is not positive", s);
            double out = floor(s * (double)a->in);
            if (out > 1e15) return lp_kbad(k, "scale %g is too large", s);
            a->scale = s;
            a->out = (int64_t)out;
        }
        return LP_OK;
    }
    if (sizes->numel != na || !lp_dtype_is_int(sizes->dtype))
        return lp_kbad(k, "sizes must hold %d integers", na);
    const char *pol = lp_attr_string(k->node, "keep_aspect_ratio_policy", "stretch");
    int policy = !strcmp(pol, "stretch") ? 0 : !strcmp(pol, "not_larger") ? 1
                                             : !strcmp(pol, "not_smaller") ? 2 : -1;
    if (policy < 0) return lp_kfail(k, "unknown keep_aspect_ratio_policy '%s'", pol);
    double keep = policy == 1 ? INFINITY : -INFINITY;
    for (int i = 0; i < na; i++) {
        rs_axis *a = &ax[axes[i]];
        int64_t sz = lp_get_i64(sizes, i);
        if (sz < 0 || sz > ((int64_t)1 << 40)) return lp_kbad(k, "size %lld is invalid", (long long)sz);
        if (a->in == 0) return lp_kbad(k, "cannot resize an empty axis");
        a->out = sz;
        a->scale = (double)sz / (double)a->in;
        if (policy == 1 && a->scale < keep) keep = a->scale;
        if (policy == 2 && a->scale > keep) keep = a->scale;
    }
    if (policy)
        for (int i = 0; i < na; i++) {
            rs_axis *a = &ax[axes[i]];
            a->scale = keep;
            a->out = (int64_t)(keep * (double)a->in + 0.5);
        }
    for (int i = 0; i < na; i++)
        if (!(ax[axes[i]].scale > 0)) return lp_kbad(k, "a size of 0 cannot be resized to");
    return LP_OK;
}

static int run(lp_kctx *k, const lp_tensor *X, const lp_tensor *roi, const lp_tensor *scales,
               const lp_tensor *sizes, const float *attr_scales, int n_attr, bool upsample) {
    if (!X) return lp_kfail(k, "input X is required");
    if (!lp_dtype_is_numeric(X->dtype) && X->dtype != LP_BOOL)
        return lp_kfail(k, "%s inputs are not supported", lp_dtype_name(X->dtype));
    rs_opts o;
    int rc = read_opts(k, upsample, &o);
    if (rc) return rc;
    rs_axis ax[LP_MAX_RANK];
    memset(ax, 0, sizeof ax);
    int r = X->rank;
    rc = plan_axes(k, X, roi, scales, sizes, attr_scales, n_attr, &o, ax);
    int64_t odims[LP_MAX_RANK];
    for (int d = 0; d < r; d++) odims[d] = ax[d].out;
    lp_tensor *Y = rc ? NULL : lp_out(k, 0, X->dtype, r, odims);
    if (!Y) rc = rc ? rc : LP_EFAIL;
    for (int d = 0; d < r && !rc; d++)
        if (ax[d].out != ax[d].in || ax[d].scale != 1.0 || o.ct == CT_TF_CROP)
            rc = axis_taps(k, &o, &ax[d]);
        else
            ax[d].identity = true;
    /* the largest intermediate: axes are resized in order */
    size_t big = (size_t)(X->numel > 0 ? X->numel : 1);
    int64_t cur[LP_MAX_RANK];
    memcpy(cur, X->dims, (size_t)r * sizeof *cur);
    for (int d = 0; d < r && !rc; d++) {
        if (ax[d].identity) continue;
        cur[d] = ax[d].out;
        int64_t n = lp_shape_numel(r, cur);
        if (n < 0 || n > ((int64_t)1 << 34)) rc = lp_kbad(k, "the resize is too large");
        else if ((size_t)n > big) big = (size_t)n;
    }
    double *a = NULL, *b = NULL;
    if (!rc) {
        size_t bytes;
        if (lp_mul_size(big, 2 * sizeof(double), &bytes)) rc = lp_kbad(k, "the resize is too large");
        else if (!(a = malloc(big * sizeof *a)) || !(b = malloc(big * sizeof *b)))
            rc = lp_kfail(k, "out of memory for %zu bytes", bytes);
    }
    if (!rc && Y->numel > 0) {
        lp_to_f64(X->dtype, X->data, a, X->numel);
        memcpy(cur, X->dims, (size_t)r * sizeof *cur);
        for (int d = 0; d < r; d++) {
            if (ax[d].identity) continue;
            int64_t outer = 1, inner = 1;
            for (int i = 0; i < d; i++) outer *= cur[i];
            for (int i = d + 1; i < r; i++) inner *= cur[i];
            resize_axis(&ax[d], outer, inner, a, b);
            cur[d] = ax[d].out;
            double *t = a;
            a = b, b = t;
        }
        if (o.ct == CT_TF_CROP) {
            /* extrapolation wherever some axis fell outside */
            int64_t at[LP_MAX_RANK] = {0};
            for (int64_t i = 0; i < Y->numel; i++) {
                bool out = false;
                for (int d = 0; d < r; d++) out |= ax[d].outside && ax[d].outside[at[d]];
                if (out) a[i] = o.extrapolation;
                for (int d = r - 1; d >= 0; d--) {
                    if (++at[d] < odims[d]) break;
                    at[d] = 0;
                }
            }
        }
        lp_from_f64(Y->dtype, a, Y->data, Y->numel);
    }
    free(a);
    free(b);
    for (int d = 0; d < r; d++) {
        free(ax[d].idx);
        free(ax[d].w);
        free(ax[d].outside);
    }
    return rc;
}

int lp_k_resize(lp_kctx *k) {
    if (k->opset < 11) return run(k, lp_in(k, 0), NULL, lp_in(k, 1), NULL, NULL, 0, false);
    return run(k, lp_in(k, 0), lp_in(k, 1), lp_in(k, 2), lp_in(k, 3), NULL, 0, false);
}

int lp_k_upsample(lp_kctx *k) {
    if (k->opset >= 9) return run(k, lp_in(k, 0), NULL, lp_in(k, 1), NULL, NULL, 0, true);
    int n = 0;
    const float *s = lp_attr_floats(k->node, "scales", &n);
    if (!s) return lp_kfail(k, "the scales attribute is missing");
    return run(k, lp_in(k, 0), NULL, NULL, NULL, s, n, true);
}
