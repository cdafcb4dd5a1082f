/*
** signal.c — the signal operators: DFT (opset 17 and 20), STFT, the Hann,
** Hamming and Blackman windows, and MelWeightMatrix.
**
** Transforms are the plain O(n^2) sum over a table of n twiddle factors (the
** index k*i is taken mod n, so the table is exact and small), in double.
** Complex values are a last dim of 2 (real, imaginary); real ones a last dim
** of 1. A one-sided forward transform keeps bins 0..n/2; a one-sided inverse
** rebuilds the missing bins by conjugate symmetry and returns a real signal.
*/
#include "ops/kernel.h"
#include "ops/tensorops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One transform of length n: out[k] = sum_i in[i] w^(+-k*i), for k < nout.
** in holds m complex values (m <= n; the rest are zero). */
static void dft_row(const double *in, int64_t m, int64_t n, const double *cs, const double *sn,
                    bool inverse, double *out, int64_t nout) {
    double sign = inverse ? 1.0 : -1.0;
    for (int64_t kk = 0; kk < nout; kk++) {
        double re = 0, im = 0;
        int64_t step = kk % n, at = 0;
        for (int64_t i = 0; i < m; i++) {
            double c = cs[at], s = sign * sn[at];
            re += in[2 * i] * c - in[2 * i + 1] * s;
            im += in[2 * i] * s + in[2 * i + 1] * c;
            at += step;
            if (at >= n) at -= n;
        }
        if (inverse) re /= (double)n, im /= (double)n;
        out[2 * kk] = re;
        out[2 * kk + 1] = im;
    }
}

static int twiddles(lp_kctx *k, int64_t n, double **cs, double **sn) {
    *cs = malloc((size_t)(n + 1) * sizeof **cs);
    *sn = malloc((size_t)(n + 1) * sizeof **sn);
    if (!*cs || !*sn) return lp_kfail(k, "out of memory");
    for (int64_t i = 0; i < n; i++) {
        double a = 2 * M_PI * (double)i / (double)n;
        (*cs)[i] = cos(a);
        (*sn)[i] = sin(a);
    }
    return LP_OK;
}

/* Reads an optional scalar integer input; *v unchanged when omitted. */
static int scalar_int(lp_kctx *k, int i, const char *what, int64_t *v) {
    const lp_tensor *t = lp_in(k, i);
    if (!t) return LP_OK;
    if (t->numel != 1 || !lp_dtype_is_int(t->dtype)) return lp_kbad(k, "%s must be one integer", what);
    *v = lp_get_i64(t, 0);
    return LP_OK;
}

int lp_k_dft(lp_kctx *k) {
    const lp_tensor *X = lp_in(k, 0);
    if (!X || !lp_dtype_is_float(X->dtype)) return lp_kfail(k, "a float input is required");
    int r = X->rank;
    if (r < 2 || (X->dims[r - 1] != 1 && X->dims[r - 1] != 2))
        return lp_kbad(k, "the input's last dim must be 1 (real) or 2 (complex)");
    bool inverse = lp_attr_int(k->node, "inverse", 0) != 0;
    bool onesided = lp_attr_int(k->node, "onesided", 0) != 0;
    int64_t axis = k->opset >= 20 ? -2 : lp_attr_int(k->node, "axis", 1);
    int rc;
    if (k->opset >= 20 && (rc = scalar_int(k, 2, "axis", &axis))) return rc;
    if (axis < 0) axis += r;
    if (axis < 0 || axis > r - 2) return lp_kbad(k, "axis %lld is not a signal axis", (long long)axis);
    int64_t len = X->dims[axis], cin = X->dims[r - 1];
    bool irfft = onesided && inverse;
    int64_t n = irfft ? 2 * (len - 1) : len;
    if ((rc = scalar_int(k, 1, "dft_length", &n))) return rc;
    if (n < 1 || n > ((int64_t)1 << 26)) return lp_kbad(k, "dft_length %lld is invalid", (long long)n);
    int64_t nout = onesided && !inverse ? n / 2 + 1 : n;
    int64_t dims[LP_MAX_RANK];
    memcpy(dims, X->dims, (size_t)r * sizeof *dims);
    dims[axis] = nout;
    dims[r - 1] = irfft ? 1 : 2;
    lp_tensor *Y = lp_out(k, 0, X->dtype, r, dims);
    if (!Y) return LP_EFAIL;
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; d++) outer *= X->dims[d];
    for (int d = (int)axis + 1; d < r - 1; d++) inner *= X->dims[d];
    double *cs = NULL, *sn = NULL, *in = malloc((size_t)(2 * n + 2) * sizeof *in);
    double *out = malloc((size_t)(2 * n + 2) * sizeof *out);
    rc = twiddles(k, n, &cs, &sn);
    if (!rc && (!in || !out)) rc = lp_kfail(k, "out of memory");
    for (int64_t o = 0; o < outer && !rc; o++)
        for (int64_t q = 0; q < inner; q++) {
            int64_t m = len < n ? len : n;
            for (int64_t i = 0; i < m; i++) {
                int64_t at = ((o * len + i) * inner + q) * cin;
                in[2 * i] = lp_get_f64(X, at);
                in[2 * i + 1] = cin == 2 ? lp_get_f64(X, at + 1) : 0.0;
            }
            if (irfft) {
                /* the full spectrum from bins 0..n/2 by conjugate symmetry */
                for (int64_t i = m; i < n; i++) in[2 * i] = in[2 * i + 1] = 0;
                for (int64_t i = n / 2 + 1; i < n; i++)
                    if (n - i < m) in[2 * i] = in[2 * (n - i)], in[2 * i + 1] = -in[2 * (n - i) + 1];
                m = n;
            }
            dft_row(in, m, n, cs, sn, inverse, out, nout);
            for (int64_t i = 0; i < nout; i++) {
                int64_t at = ((o * nout + i) * inner + q) * (irfft ? 1 : 2);
                lp_store_f64(Y->dtype, Y->data, (size_t)at, out[2 * i]);
                if (!irfft) lp_store_f64(Y->dtype, Y->data, (size_t)at + 1, out[2 * i + 1]);
            }
        }
    free(cs), free(sn), free(in), free(out);
    return rc;
}

int lp_k_stft(lp_kctx *k) {
    const lp_tensor *X = lp_in(k, 0), *W = lp_in(k, 2);
    if (!X || !lp_dtype_is_float(X->dtype)) return lp_kfail(k, "a float signal is required");
    if (X->rank != 3 || (X->dims[2] != 1 && X->dims[2] != 2))
        return lp_kbad(k, "the signal must be (batch, length, 1 or 2)");
    bool onesided = lp_attr_int(k->node, "onesided", 1) != 0;
    int64_t step = 0, flen = W ? W->numel : -1;
    int rc;
    if (!lp_in(k, 1)) return lp_kfail(k, "frame_step is required");
    if ((rc = scalar_int(k, 1, "frame_step", &step)) || (rc = scalar_int(k, 3, "frame_length", &flen)))
        return rc;
    if (W && (W->rank != 1 || W->numel != flen || !lp_dtype_is_float(W->dtype)))
        return lp_kbad(k, "the window must be a float vector of frame_length values");
    int64_t B = X->dims[0], L = X->dims[1], cin = X->dims[2];
    if (step <= 0 || flen <= 0 || flen > L || flen > ((int64_t)1 << 24))
        return lp_kbad(k, "frame_step and frame_length must be positive, the frame within the signal");
    int64_t frames = (L - flen) / step + 1, bins = onesided ? flen / 2 + 1 : flen;
    int64_t dims[4] = {B, frames, bins, 2};
    lp_tensor *Y = lp_out(k, 0, X->dtype, 4, dims);
    if (!Y) return LP_EFAIL;
    double *cs = NULL, *sn = NULL, *in = malloc((size_t)(2 * flen + 2) * sizeof *in);
    double *out = malloc((size_t)(2 * flen + 2) * sizeof *out);
    rc = twiddles(k, flen, &cs, &sn);
    if (!rc && (!in || !out)) rc = lp_kfail(k, "out of memory");
    for (int64_t b = 0; b < B && !rc; b++)
        for (int64_t f = 0; f < frames; f++) {
            for (int64_t i = 0; i < flen; i++) {
                double w = W ? lp_get_f64(W, i) : 1.0;
                int64_t at = (b * L + f * step + i) * cin;
                in[2 * i] = w * lp_get_f64(X, at);
                in[2 * i + 1] = cin == 2 ? w * lp_get_f64(X, at + 1) : 0.0;
            }
            dft_row(in, flen, flen, cs, sn, false, out, bins);
            lp_from_f64(Y->dtype, out, (char *)Y->data + (size_t)((b * frames + f) * bins * 2) *
                                                       lp_dtype_size(Y->dtype), 2 * bins);
        }
    free(cs), free(sn), free(in), free(out);
    return rc;
}

/* ---- windows ---- */

enum { WIN_HANN, WIN_HAMMING, WIN_BLACKMAN };

static int window(lp_kctx *k, int kind) {
    int64_t n = 0;
    if (!lp_in(k, 0)) return lp_kfail(k, "size is required");
    int rc = scalar_int(k, 0, "size", &n);
    if (rc) return rc;
    if (n < 0) return lp_kbad(k, "size %lld is negative", (long long)n);
    int64_t t = lp_attr_int(k->node, "output_datatype", LP_FLOAT);
    if (!lp_dtype_valid((int)t) || t == LP_STRING || t == LP_UNDEFINED || !lp_dtype_size((lp_dtype)t))
        return lp_kfail(k, "output_datatype %lld is not a numeric type", (long long)t);
    bool periodic = lp_attr_int(k->node, "periodic", 1) != 0;
    lp_tensor *Y = lp_out(k, 0, (lp_dtype)t, 1, &n);
    if (!Y) return LP_EFAIL;
    double d = periodic ? (double)n : (double)(n - 1);
    for (int64_t i = 0; i < n; i++) {
        double a = d > 0 ? 2 * M_PI * (double)i / d : 0, v;
        if (kind == WIN_HANN) v = 0.5 - 0.5 * cos(a);
        else if (kind == WIN_HAMMING) v = 25.0 / 46.0 - 21.0 / 46.0 * cos(a);
        else v = 0.42 - 0.5 * cos(a) + 0.08 * cos(2 * a);
        lp_store_f64(Y->dtype, Y->data, (size_t)i, v);
    }
    return LP_OK;
}

int lp_k_hann_window(lp_kctx *k) { return window(k, WIN_HANN); }
int lp_k_hamming_window(lp_kctx *k) { return window(k, WIN_HAMMING); }
int lp_k_blackman_window(lp_kctx *k) { return window(k, WIN_BLACKMAN); }

/* ---- MelWeightMatrix ---- */

int lp_k_mel_weight_matrix(lp_kctx *k) {
    int64_t mels = 0, nfft = 0, rate = 0;
    int rc;
    for (int i = 0; i < 5; i++)
        if (!lp_in(k, i)) return lp_kfail(k, "all five inputs are required");
    if ((rc = scalar_int(k, 0, "num_mel_bins", &mels)) || (rc = scalar_int(k, 1, "dft_length", &nfft)) ||
        (rc = scalar_int(k, 2, "sample_rate", &rate)))
        return rc;
    const lp_tensor *lo = lp_in(k, 3), *hi = lp_in(k, 4);
    if (lo->numel != 1 || hi->numel != 1 || !lp_dtype_is_float(lo->dtype) || !lp_dtype_is_float(hi->dtype))
        return lp_kbad(k, "the edges must be single floats");
    if (mels < 0 || nfft < 0 || rate <= 0 || mels > (1 << 20) || nfft > (1 << 26))
        return lp_kbad(k, "num_mel_bins, dft_length and sample_rate are out of range");
    int64_t t = lp_attr_int(k->node, "output_datatype", LP_FLOAT);
    if (!lp_dtype_valid((int)t) || t == LP_STRING || t == LP_UNDEFINED || !lp_dtype_size((lp_dtype)t))
        return lp_kfail(k, "output_datatype %lld is not a numeric type", (long long)t);
    int64_t nbins = nfft / 2 + 1, dims[2] = {nbins, mels};
    lp_tensor *Y = lp_out(k, 0, (lp_dtype)t, 2, dims);
    if (!Y) return LP_EFAIL;
    int64_t *f = malloc((size_t)(mels + 2) * sizeof *f);
    double *w = calloc((size_t)(nbins * mels + 1), sizeof *w);
    if (!f || !w) {
        free(f), free(w);
        return lp_kfail(k, "out of memory");
    }
    /* mels + 2 points evenly spaced in mel, back to hertz, then to FFT bins */
    double mlo = 2595 * log10(1 + lp_get_f64(lo, 0) / 700);
    double mhi = 2595 * log10(1 + lp_get_f64(hi, 0) / 700);
    double step = (mhi - mlo) / (double)(mels + 2); /* so the reference divides */
    for (int64_t i = 0; i < mels + 2; i++) {
        double hz = 700 * (pow(10, ((double)i * step + mlo) / 2595) - 1);
        f[i] = (int64_t)floor((double)(nfft + 1) * hz / (double)rate);
    }
    for (int64_t i = 0; i < mels; i++) {
        int64_t a = f[i], c = f[i + 1], b = f[i + 2];
        if (c == a) {
            if (c >= 0 && c < nbins) w[c * mels + i] = 1;
        } else {
            for (int64_t j = a; j <= c; j++)
                if (j >= 0 && j < nbins) w[j * mels + i] = (double)(j - a) / (double)(c - a);
        }
        if (b > c)
            for (int64_t j = c; j < b; j++)
                if (j >= 0 && j < nbins) w[j * mels + i] = (double)(b - j) / (double)(b - c);
    }
    lp_from_f64(Y->dtype, w, Y->data, nbins * mels);
    free(f), free(w);
    return LP_OK;
}
