/*
** grid_sample.c — GridSample (opset 16 to 22, any number of spatial dims)
** and AffineGrid, the grid generator that usually feeds it.
**
** GridSample follows the ONNX reference (itself PyTorch's): a grid point is
** denormalised per dim (align_corners decides whether -1/1 are pixel centers
** or edges), pulled inside by the padding mode (border clamps, reflection
** folds it back between the borders), and read through 1 (nearest), 2
** (linear) or 4 (cubic, Keys with a = -0.75) taps per dim. Taps that land
** outside read as zero, the border pixel, or the reflected pixel. The N-D
** interpolation is the tensor product of the per-dim taps.
*/
#include "ops/cubic.h"
#include "ops/nn.h"
#include "ops/tensorops.h"

#include <math.h>
#include <string.h>

#define GS_MAX_DIMS 5

enum { GS_NEAREST, GS_LINEAR, GS_CUBIC };
enum { PAD_ZEROS, PAD_BORDER, PAD_REFLECTION };

static double reflect(double x, double lo, double hi) {
    double rng = hi - lo;
    if (!(rng > 0)) return lo;
    if (x < lo) {
        double dx = lo - x;
        double n = floor(dx / rng), r = dx - n * rng;
        return fmod(n, 2) == 0 ? lo + r : hi - r;
    }
    if (x > hi) {
        double dx = x - hi;
        double n = floor(dx / rng), r = dx - n * rng;
        return fmod(n, 2) == 0 ? hi - r : lo + r;
    }
    return x;
}

/* A tap index read through the padding mode: a valid index, or -1 for zero. */
static int64_t pad_index(int64_t i, int64_t len, int pad, double lo, double hi) {
    if (i >= 0 && i < len) return i;
    if (pad == PAD_ZEROS) return -1;
    if (pad == PAD_BORDER) return i < 0 ? 0 : len - 1;
    int64_t r = (int64_t)reflect((double)i, lo, hi);
    return r < 0 ? 0 : r >= len ? len - 1 : r;
}

int lp_k_grid_sample(lp_kctx *k) {
    const lp_tensor *X = lp_in(k, 0), *G = lp_in(k, 1);
    if (!X || !G) return lp_kfail(k, "X and grid are required");
    if (!lp_dtype_is_numeric(X->dtype) && X->dtype != LP_BOOL)
        return lp_kfail(k, "%s inputs are not supported", lp_dtype_name(X->dtype));
    if (!lp_nn_float_type(G->dtype)) return lp_kbad(k, "the grid must be float");
    int r = X->rank - 2;
    if (r < 1 || r > GS_MAX_DIMS) return lp_kfail(k, "%d spatial dims are not supported", r);
    if (G->rank != r + 2 || G->dims[0] != X->dims[0] || G->dims[r + 1] != r)
        return lp_kbad(k, "the grid must be (N, out dims..., %d)", r);
    const char *m = lp_attr_string(k->node, "mode", k->opset < 20 ? "bilinear" : "linear");
    int mode = !strcmp(m, "nearest") ? GS_NEAREST
             : !strcmp(m, "linear") || !strcmp(m, "bilinear") ? GS_LINEAR
             : !strcmp(m, "cubic") || !strcmp(m, "bicubic") ? GS_CUBIC : -1;
    if (mode < 0) return lp_kfail(k, "unknown mode '%s'", m);
    const char *p = lp_attr_string(k->node, "padding_mode", "zeros");
    int pad = !strcmp(p, "zeros") ? PAD_ZEROS : !strcmp(p, "border") ? PAD_BORDER
            : !strcmp(p, "reflection") ? PAD_REFLECTION : -1;
    if (pad < 0) return lp_kfail(k, "unknown padding_mode '%s'", p);
    bool align = lp_attr_int(k->node, "align_corners", 0) != 0;
    if (mode == GS_CUBIC && r > 3) return lp_kfail(k, "cubic sampling takes at most 3 dims");

    int64_t N = X->dims[0], C = X->dims[1], ydims[LP_MAX_RANK];
    ydims[0] = N, ydims[1] = C;
    for (int d = 0; d < r; d++) ydims[d + 2] = G->dims[d + 1];
    lp_tensor *Y = lp_out(k, 0, X->dtype, r + 2, ydims);
    if (!Y) return LP_EFAIL;
    int64_t in_sp = 1, out_sp = 1;
    for (int d = 0; d < r; d++) in_sp *= X->dims[d + 2], out_sp *= ydims[d + 2];
    const int64_t *dims = X->dims + 2;
    double lo[GS_MAX_DIMS], hi[GS_MAX_DIMS];
    int64_t stride[GS_MAX_DIMS];
    for (int d = r - 1; d >= 0; d--) {
        lo[d] = align ? 0.0 : -0.5;
        hi[d] = align ? (double)dims[d] - 1 : (double)dims[d] - 0.5;
        stride[d] = d == r - 1 ? 1 : stride[d + 1] * dims[d + 1];
    }
    int ntap = mode == GS_NEAREST ? 1 : mode == GS_LINEAR ? 2 : 4;
    int64_t combos = 1;
    for (int d = 0; d < r; d++) combos *= ntap;

    for (int64_t n = 0; n < N; n++)
        for (int64_t o = 0; o < out_sp; o++) {
            /* per dim: taps (offsets into the plane, -1 for zero) and weights */
            int64_t off[GS_MAX_DIMS][4];
            double w[GS_MAX_DIMS][4];
            for (int d = 0; d < r; d++) {
                /* grid coordinates run innermost dim first */
                double g = lp_get_f64(G, (n * out_sp + o) * r + (r - 1 - d));
                double L = (double)dims[d];
                double x = align ? (g + 1) / 2.0 * (L - 1) : ((g + 1) * L - 1) / 2.0;
                x = (double)(float)x;
                if (mode == GS_NEAREST) x = nearbyint(x);
                if (x < lo[d] || x > hi[d]) {
                    if (pad == PAD_BORDER) x = x < 0 ? 0 : x > L - 1 ? L - 1 : x;
                    else if (pad == PAD_REFLECTION) x = reflect(x, lo[d], hi[d]);
                }
                if (!isfinite(x)) x = -1e9;
                if (x > 1e15) x = 1e15;
                if (x < -1e15) x = -1e15;
                int64_t base;
                if (mode == GS_NEAREST) {
                    base = (int64_t)x;
                    w[d][0] = 1;
                } else {
                    double f = floor(x);
                    base = (int64_t)f - (mode == GS_CUBIC ? 1 : 0);
                    if (mode == GS_LINEAR) w[d][0] = 1 - (x - f), w[d][1] = x - f;
                    else lp_cubic_taps(x - f, -0.75, w[d]);
                }
                for (int t = 0; t < ntap; t++) {
                    int64_t i = pad_index(base + t, dims[d], pad, lo[d], hi[d]);
                    off[d][t] = i < 0 ? -1 : i * stride[d];
                }
            }
            for (int64_t c = 0; c < C; c++) {
                int64_t plane = (n * C + c) * in_sp;
                double acc = 0;
                for (int64_t cb = 0; cb < combos; cb++) {
                    int64_t at = plane, rest = cb;
                    double wt = 1;
                    for (int d = r - 1; d >= 0 && at >= 0; d--) {
                        int t = (int)(rest % ntap);
                        rest /= ntap;
                        if (off[d][t] < 0) at = -1;
                        else at += off[d][t], wt *= w[d][t];
                    }
                    if (at >= 0 && wt != 0) acc += wt * lp_get_f64(X, at);
                }
                lp_store_f64(Y->dtype, Y->data, (size_t)((n * C + c) * out_sp + o), acc);
            }
        }
    return LP_OK;
}

/* ---- AffineGrid ---- */

int lp_k_affine_grid(lp_kctx *k) {
    const lp_tensor *theta = lp_in(k, 0), *size = lp_in(k, 1);
    if (!theta || !size) return lp_kfail(k, "theta and size are required");
    if (!lp_nn_float_type(theta->dtype)) return lp_kbad(k, "theta must be float");
    int64_t sz[5];
    int ns = 0;
    int rc = lp_input_ints(k, 1, "size", sz, 5, &ns);
    if (rc) return rc;
    if (ns != 4 && ns != 5) return lp_kbad(k, "size must be (N, C, H, W) or (N, C, D, H, W)");
    int r = ns - 2;
    int64_t N = sz[0];
    if (theta->rank != 3 || theta->dims[0] != N || theta->dims[1] != r || theta->dims[2] != r + 1)
        return lp_kbad(k, "theta must be (N, %d, %d)", r, r + 1);
    bool align = lp_attr_int(k->node, "align_corners", 0) != 0;
    int64_t gdims[5];
    gdims[0] = N;
    for (int d = 0; d < r; d++) {
        if (sz[2 + d] < 0) return lp_kbad(k, "size has a negative dim");
        gdims[1 + d] = sz[2 + d];
    }
    gdims[r + 1] = r;
    lp_tensor *Y = lp_out(k, 0, theta->dtype, r + 2, gdims);
    if (!Y) return LP_EFAIL;
    int64_t pts = 1;
    for (int d = 0; d < r; d++) pts *= gdims[1 + d];
    for (int64_t n = 0; n < N; n++)
        for (int64_t p = 0; p < pts; p++) {
            /* base coordinates, innermost (x) first, then 1 */
            double base[4];
            int64_t rest = p;
            for (int d = r - 1; d >= 0; d--) {
                int64_t L = gdims[1 + d], i = rest % L;
                rest /= L;
                double v = align ? (L > 1 ? -1.0 + 2.0 * (double)i / (double)(L - 1) : 0.0)
                                 : (2.0 * (double)i + 1) / (double)L - 1;
                base[r - 1 - d] = v;
            }
            base[r] = 1.0;
            for (int j = 0; j < r; j++) {
                double acc = 0;
                for (int q = 0; q <= r; q++)
                    acc += lp_get_f64(theta, (n * r + j) * (r + 1) + q) * base[q];
                lp_store_f64(Y->dtype, Y->data, (size_t)((n * pts + p) * r + j), acc);
            }
        }
    return LP_OK;
}
