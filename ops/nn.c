/*
** nn.c — window geometry, im2col/col2im and float views for the nn kernels
** (see nn.h).
*/
#include "ops/nn.h"

#include "ops/pgemm.h"

#include <string.h>

LP_NN_VECTORIZE

int lp_window_ints(lp_kctx *k, const char *name, int nd, int64_t dflt, int64_t *v) {
    int off = LP_WIN_DIMS - nd, n = 0;
    for (int i = 0; i < LP_WIN_DIMS; i++) v[i] = i < off ? 1 : dflt;
    const int64_t *a = lp_attr_ints(k->node, name, &n);
    if (!a) return LP_OK;
    if (n != nd) return lp_kfail(k, "'%s' has %d values for %d spatial dims", name, n, nd);
    for (int i = 0; i < nd; i++) v[off + i] = a[i];
    return LP_OK;
}

int64_t lp_window_in_size(const lp_window *w) {
    return w->in[0] * w->in[1] * w->in[2];
}
int64_t lp_window_out_size(const lp_window *w) {
    return w->out[0] * w->out[1] * w->out[2];
}

int lp_window_init(lp_kctx *k, lp_window *w, int nd, const int64_t *in, const int64_t *kshape,
                   bool pool) {
    memset(w, 0, sizeof *w);
    if (nd < 1 || nd > LP_WIN_DIMS)
        return lp_kfail(k, "%d spatial dims; 1 to %d are supported", nd, LP_WIN_DIMS);
    w->nd = nd;
    int off = LP_WIN_DIMS - nd, rc;
    for (int i = 0; i < LP_WIN_DIMS; i++) w->in[i] = i < off ? 1 : in[i - off];
    int nk = 0;
    const int64_t *ks = lp_attr_ints(k->node, "kernel_shape", &nk);
    if (ks || !kshape) {
        if ((rc = lp_window_ints(k, "kernel_shape", nd, -1, w->k))) return rc;
        if (!ks) return lp_kfail(k, "the kernel_shape attribute is missing");
        for (int i = 0; kshape && i < nd; i++)
            if (w->k[off + i] != kshape[i])
                return lp_kbad(k, "kernel_shape says %lld, the weight %lld (spatial dim %d)",
                               (long long)w->k[off + i], (long long)kshape[i], i);
    } else {
        for (int i = 0; i < LP_WIN_DIMS; i++) w->k[i] = i < off ? 1 : kshape[i - off];
    }
    if ((rc = lp_window_ints(k, "strides", nd, 1, w->s))) return rc;
    if ((rc = lp_window_ints(k, "dilations", nd, 1, w->d))) return rc;
    int np = 0;
    const int64_t *pads = lp_attr_ints(k->node, "pads", &np);
    if (pads && np != 2 * nd)
        return lp_kfail(k, "'pads' has %d values for %d spatial dims", np, nd);
    for (int i = 0; i < nd; i++) {
        w->pb[off + i] = pads ? pads[i] : 0;
        w->pe[off + i] = pads ? pads[nd + i] : 0;
    }
    const char *ap = lp_attr_string(k->node, "auto_pad", "NOTSET");
    bool same_upper = !strcmp(ap, "SAME_UPPER"), same_lower = !strcmp(ap, "SAME_LOWER");
    bool valid = !strcmp(ap, "VALID");
    if (!same_upper && !same_lower && !valid && strcmp(ap, "NOTSET") && *ap)
        return lp_kfail(k, "unknown auto_pad '%s'", ap);
    bool ceil_mode = pool && lp_attr_int(k->node, "ceil_mode", 0);
    for (int i = off; i < LP_WIN_DIMS; i++) {
        if (w->k[i] < 1 || w->s[i] < 1 || w->d[i] < 1 || w->pb[i] < 0 || w->pe[i] < 0)
            return lp_kfail(k, "kernel, strides and dilations must be positive, pads not negative");
        if (w->in[i] < 0) return lp_kbad(k, "negative input extent");
        int64_t ek = (w->k[i] - 1) * w->d[i] + 1; /* the dilated kernel's extent */
        if (same_upper || same_lower) {
            w->out[i] = (w->in[i] + w->s[i] - 1) / w->s[i];
            int64_t total = (w->out[i] - 1) * w->s[i] + ek - w->in[i];
            if (total < 0) total = 0;
            w->pb[i] = same_upper ? total / 2 : total - total / 2;
            w->pe[i] = total - w->pb[i];
            continue;
        }
        if (valid) w->pb[i] = w->pe[i] = 0;
        int64_t span = w->in[i] + w->pb[i] + w->pe[i] - ek;
        if (span < 0)
            return lp_kbad(k, "the window (%lld wide) is larger than the padded input (%lld)",
                           (long long)ek, (long long)(w->in[i] + w->pb[i] + w->pe[i]));
        w->out[i] = ceil_mode ? (span + w->s[i] - 1) / w->s[i] + 1 : span / w->s[i] + 1;
        /* a last window that would start in the end padding is dropped */
        if (ceil_mode && (w->out[i] - 1) * w->s[i] >= w->in[i] + w->pb[i]) w->out[i]--;
    }
    for (int i = 0; i < off; i++) {
        w->k[i] = w->s[i] = w->d[i] = w->out[i] = 1;
        w->pb[i] = w->pe[i] = 0;
    }
    return LP_OK;
}

/* The output columns [lo, hi) whose input column ow*s + base falls in [0, n). */
static void valid_span(int64_t base, int64_t s, int64_t n, int64_t out, int64_t *lo, int64_t *hi) {
    int64_t a = base < 0 ? (-base + s - 1) / s : 0;
    int64_t b = n - base <= 0 ? 0 : (n - base + s - 1) / s;
    if (a > out) a = out;
    if (b > out) b = out;
    if (b < a) b = a;
    *lo = a;
    *hi = b;
}

/* Each row of the block is first made whole in a small buffer (long runs:
** memcpy and memset), then dealt out to the panels 16 floats at a time;
** writing the panels directly meant short, unaligned runs at every panel
** edge and cost twice as much. */
void lp_im2col_pack(const lp_window *w, const float *x, int64_t k0, int64_t kc, int64_t n0,
                    int64_t nc, float *dst) {
    const int64_t ID = w->in[0], IH = w->in[1], IW = w->in[2];
    const int64_t OH = w->out[1], OW = w->out[2], sw = w->s[2];
    const int64_t KD = w->k[0], KH = w->k[1], KW = w->k[2];
    float row[LP_PGEMM_NC + LP_PGEMM_NR];
    int64_t panels = (nc + LP_PGEMM_NR - 1) / LP_PGEMM_NR;
    memset(row + nc, 0, (size_t)(panels * LP_PGEMM_NR - nc) * sizeof *row);
    for (int64_t p = 0; p < kc; p++) {
        int64_t kk = k0 + p, kw = kk % KW, kh = kk / KW % KH, kd = kk / (KW * KH) % KD;
        int64_t c = kk / (KW * KH * KD);
        int64_t base = kw * w->d[2] - w->pb[2], lo, hi;
        valid_span(base, sw, IW, OW, &lo, &hi);
        for (int64_t j = 0; j < nc;) {
            int64_t n = n0 + j, r = n / OW, ow = n % OW, len = OW - ow < nc - j ? OW - ow : nc - j;
            int64_t od = r / OH, oh = r % OH;
            int64_t id = od * w->s[0] - w->pb[0] + kd * w->d[0];
            int64_t ih = oh * w->s[1] - w->pb[1] + kh * w->d[1];
            float *o = row + j; /* o[i - ow] is output column i of this row */
            if (id < 0 || id >= ID || ih < 0 || ih >= IH) {
                memset(o, 0, (size_t)len * sizeof *o);
            } else {
                const float *src = x + ((c * ID + id) * IH + ih) * IW + base;
                int64_t a = ow > lo ? ow : lo, b = ow + len < hi ? ow + len : hi;
                if (a > b) a = b = ow; /* no valid column in this run */
                for (int64_t i = ow; i < a; i++) o[i - ow] = 0;
                if (sw == 1)
                    memcpy(o + (a - ow), src + a, (size_t)(b - a) * sizeof *o);
                else if (sw == 2) /* a constant stride vectorises (first layers of CNNs) */
                    for (int64_t i = a; i < b; i++) o[i - ow] = src[i * 2];
                else
                    for (int64_t i = a; i < b; i++) o[i - ow] = src[i * sw];
                for (int64_t i = b; i < ow + len; i++) o[i - ow] = 0;
            }
            j += len;
        }
        float *d = dst + p * LP_PGEMM_NR;
        for (int64_t q = 0; q < panels; q++, d += kc * LP_PGEMM_NR)
            memcpy(d, row + q * LP_PGEMM_NR, LP_PGEMM_NR * sizeof *d);
    }
}

void lp_col2im(const lp_window *w, int64_t C, const float *col, float *image) {
    const int64_t ID = w->in[0], IH = w->in[1], IW = w->in[2];
    const int64_t OD = w->out[0], OH = w->out[1], OW = w->out[2], sw = w->s[2];
    const int64_t ncol = OD * OH * OW;
    const float *src = col;
    for (int64_t c = 0; c < C; c++)
        for (int64_t kd = 0; kd < w->k[0]; kd++)
            for (int64_t kh = 0; kh < w->k[1]; kh++)
                for (int64_t kw = 0; kw < w->k[2]; kw++, src += ncol) {
                    int64_t base = kw * w->d[2] - w->pb[2], lo, hi;
                    valid_span(base, sw, IW, OW, &lo, &hi);
                    for (int64_t r = 0; r < OD * OH; r++) {
                        int64_t od = r / OH, oh = r % OH;
                        int64_t id = od * w->s[0] - w->pb[0] + kd * w->d[0];
                        int64_t ih = oh * w->s[1] - w->pb[1] + kh * w->d[1];
                        if (id < 0 || id >= ID || ih < 0 || ih >= IH) continue;
                        float *dst = image + ((c * ID + id) * IH + ih) * IW + base;
                        const float *s = src + r * OW;
                        for (int64_t ow = lo; ow < hi; ow++) dst[ow * sw] += s[ow];
                    }
                }
}

/* ---- float views ---- */

bool lp_nn_float_type(lp_dtype t) {
    return t == LP_FLOAT || t == LP_FLOAT16 || t == LP_BFLOAT16 || t == LP_DOUBLE;
}

const float *lp_nn_floats(const lp_tensor *t, float *buf) {
    if (t->dtype == LP_FLOAT) return t->data;
    for (int64_t i = 0; i < t->numel; i++)
        buf[i] = (float)lp_load_f64(t->dtype, t->data, (size_t)i);
    return buf;
}

void lp_nn_store(lp_tensor *t, const float *src, int64_t n) {
    if (t->dtype == LP_FLOAT) {
        if ((const void *)src != t->data) memmove(t->data, src, (size_t)n * sizeof *src);
        return;
    }
    for (int64_t i = 0; i < n; i++) lp_store_f64(t->dtype, t->data, (size_t)i, src[i]);
}

float *lp_nn_scratch(lp_kctx *k, int n, const int64_t *lens, float **arrays) {
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        size_t bytes;
        if (lens[i] < 0 || lp_mul_size((size_t)lens[i], sizeof(float), &bytes) ||
            total + bytes + 64 < total) {
            lp_kbad(k, "working memory would be too large");
            return NULL;
        }
        total += (bytes + 63) & ~(size_t)63;
    }
    char *base = lp_scratch(k, total ? total : 64);
    if (!base) {
        lp_kfail(k, "out of memory for %zu bytes of working memory", total);
        return NULL;
    }
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        arrays[i] = (float *)(base + off);
        off += ((size_t)lens[i] * sizeof(float) + 63) & ~(size_t)63;
    }
    return (float *)base;
}

int lp_nn_views(lp_kctx *k, const lp_tensor *X, lp_tensor *Y, const float **x, float **y) {
    bool conv = X->dtype != LP_FLOAT;
    int64_t lens[2] = {conv ? X->numel : 0, conv ? Y->numel : 0};
    float *a[2];
    if (!lp_nn_scratch(k, 2, lens, a)) return LP_EFAIL;
    *x = lp_nn_floats(X, a[0]);
    *y = conv ? a[1] : Y->data;
    return LP_OK;
}
