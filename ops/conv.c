/*
** conv.c — Conv, ConvTranspose and Col2Im over 1-D, 2-D and 3-D windows.
**
** Conv is a matrix product per image and group: W_g [Mg x Cg*K] times the
** input unrolled by im2col [Cg*K x P], through the packed GEMM (pgemm.h)
** with the weights packed once at planning when they are constant and the
** unrolled input packed straight from the image, block by block, never
** made whole. A 1x1 convolution with stride 1 and no padding needs no
** unrolling (the input already is that matrix); a depthwise convolution
** (one input channel per group) is a direct loop, as a product with one row
** would waste the GEMM. The bias, a BatchNormalization folded at plan time, a
** residual Add and a Relu/Clip are applied to each output tile as it is
** finished (fuse.h, pgemm.h). The products split over the worker pool.
**
** ConvTranspose is the adjoint: W_g^T times the input gives columns that
** col2im scatters into the output. Col2Im is that scatter on its own.
** DeformConv (2-D) unrolls with bilinear samples at offset positions.
** CausalConvWithState is a direct depthwise 1-D loop over state + input.
*/
#include "ops/fuse.h"
#include "ops/nn.h"
#include "ops/parallel.h"
#include "ops/pgemm.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

LP_NN_VECTORIZE

typedef struct conv_state {
    lp_epilogue ep;   /* the fused output pass (ep.channels 0: none) */
    bool bias_folded; /* ep.shift already holds the (constant) bias */
    /* Conv's constant weights packed for lp_pgemm, one block per group,
    ** and the data they were packed from (used only while W is that). */
    float *wpack;
    const void *wsrc;
    bool wpack_t; /* packed for lp_pgemm_t_packing (few output positions) */
    /* ep.scale (a folded BatchNormalization) is multiplied into wpack, so
    ** the packed product needs only the shift; other paths still scale */
    bool scale_in_wpack;
} conv_state;

static void conv_release(void *p) {
    conv_state *st = p;
    if (!st) return;
    lp_epilogue_free(&st->ep);
    free(st->wpack);
    free(st);
}

void lp_k_conv_release(void *p) {
    conv_release(p);
}
void lp_k_conv_transpose_release(void *p) {
    conv_release(p);
}

/* Output channels from the weight (constant, or typed by the file). */
static int64_t weight_dim(lp_kctx *k, int axis) {
    const lp_tensor *W = lp_in(k, 1);
    if (W) return W->rank > axis ? W->dims[axis] : -1;
    if (k->node->n_inputs < 2 || k->node->inputs[1] < 0) return -1;
    const lp_type *t = &k->graph->values[k->node->inputs[1]].type;
    return t->kind == LP_KIND_TENSOR && t->rank > axis ? t->dims[axis].value : -1;
}

/* The weight's rank, which is the output's (-1 when unknown). */
static int weight_rank(lp_kctx *k) {
    const lp_tensor *W = lp_in(k, 1);
    if (W) return W->rank;
    if (k->node->n_inputs < 2 || k->node->inputs[1] < 0) return -1;
    const lp_type *t = &k->graph->values[k->node->inputs[1]].type;
    return t->kind == LP_KIND_TENSOR ? t->rank : -1;
}

/* Absorbs a following BatchNormalization, per-channel Mul/Add, residual Add
** and Relu/Clip into the output pass, when the bias (if any) is constant so
** that it can be folded too. */
static conv_state *prepare_epilogue(lp_kctx *k, int64_t channels, int rank) {
    const lp_tensor *B = lp_in(k, 2);
    bool has_b = k->node->n_inputs > 2 && k->node->inputs[2] >= 0;
    if (channels < 0 || (has_b && (!B || B->numel != channels || !lp_nn_float_type(B->dtype))))
        return NULL;
    if (!lp_fuse_next(k)) return NULL;
    conv_state *st = lp_xcalloc(1, sizeof *st);
    lp_epilogue_init(&st->ep, B, channels);
    st->bias_folded = has_b;
    lp_fuse_batchnorm(k, &st->ep);
    if (rank >= 3) lp_fuse_channel_affine(k, &st->ep, rank);
    lp_fuse_residual(k, &st->ep);
    lp_fuse_activation(k, &st->ep);
    if (!st->ep.n_fused) {
        conv_release(st);
        return NULL;
    }
    return st;
}

/* Output positions per image from the inferred output type, or -1. */
static int64_t planned_positions(lp_kctx *k) {
    if (k->node->n_outputs < 1 || k->node->outputs[0] < 0) return -1;
    const lp_type *t = &k->graph->values[k->node->outputs[0]].type;
    if (t->kind != LP_KIND_TENSOR || t->rank < 3) return -1;
    int64_t p = 1;
    for (int i = 2; i < t->rank; i++) {
        if (t->dims[i].value < 0) return -1;
        p *= t->dims[i].value;
    }
    return p;
}

/* W [M, Cg, k...] packed per group, in the layout its product takes. */
static void pack_weights(bool transposed, const float *w, int64_t group, int64_t Mg, int64_t Kdim,
                         float *dst) {
    int64_t each = lp_pgemm_packed_size(Mg, Kdim, transposed);
    for (int64_t g = 0; g < group; g++)
        lp_pgemm_pack(w + g * Mg * Kdim, Kdim, Mg, Kdim, transposed, dst + g * each);
}

/* Packs constant float weights [M, Cg, k...] per group, unless the
** convolution is depthwise (a direct loop that reads W as it is). */
static void prepare_weights(lp_kctx *k, conv_state **st) {
    const lp_tensor *W = lp_in(k, 1);
    int64_t group = lp_attr_int(k->node, "group", 1);
    if (!W || W->dtype != LP_FLOAT || W->rank < 3 || W->numel == 0 || group < 1 ||
        W->dims[0] % group || (W->dims[1] == 1 && group > 1))
        return;
    int64_t Mg = W->dims[0] / group, Kdim = W->numel / W->dims[0], P = planned_positions(k);
    bool transposed = P > 0 && lp_pgemm_prefers_t(Mg, P);
    size_t bytes = (size_t)(lp_pgemm_packed_size(Mg, Kdim, transposed) * group) * sizeof(float);
    if (!*st) *st = lp_xcalloc(1, sizeof **st);
    (*st)->wpack = aligned_alloc(64, (bytes + 63) / 64 * 64); /* the kernel loads it aligned */
    if (!(*st)->wpack) return;
    /* BatchNormalization folded into the weights themselves: row m times scale[m] */
    const float *scale =
        (*st)->ep.n_fused && (*st)->ep.channels == W->dims[0] ? (*st)->ep.scale : NULL;
    float *scaled = NULL;
    if (scale) {
        scaled = lp_xmalloc((size_t)W->numel * sizeof *scaled);
        for (int64_t m = 0; m < W->dims[0]; m++)
            for (int64_t i = 0; i < Kdim; i++)
                scaled[m * Kdim + i] = ((const float *)W->data)[m * Kdim + i] * scale[m];
    }
    pack_weights(transposed, scaled ? scaled : W->data, group, Mg, Kdim, (*st)->wpack);
    free(scaled);
    (*st)->scale_in_wpack = scale != NULL;
    (*st)->wpack_t = transposed;
    (*st)->wsrc = W->data;
}

int lp_k_conv_prepare(lp_kctx *k) {
    conv_state *st = prepare_epilogue(k, weight_dim(k, 0), weight_rank(k));
    prepare_weights(k, &st);
    k->state = st;
    return LP_OK;
}

int lp_k_conv_transpose_prepare(lp_kctx *k) {
    int64_t mg = weight_dim(k, 1);
    int64_t group = lp_attr_int(k->node, "group", 1);
    k->state = prepare_epilogue(k, mg < 0 || group < 1 ? -1 : mg * group, weight_rank(k));
    return LP_OK;
}

/* The epilogue and run-time bias for an output of M channels; fails when
** the weight met at run time disagrees with the one prepared for. */
static int epilogue_of(lp_kctx *k, int64_t M, const float *b, const lp_epilogue **ep,
                       const float **bias) {
    const conv_state *st = k->state;
    bool fused = st && st->ep.n_fused;
    *bias = fused && st->bias_folded ? NULL : b;
    *ep = fused ? &st->ep : NULL;
    if (fused && st->ep.channels != M)
        return lp_kbad(k, "W gives %lld output channels, %lld were planned for", (long long)M,
                       (long long)st->ep.channels);
    return LP_OK;
}

/* Stores a float result computed for a non-float Y, and runs the slow path
** of a fused residual that is broadcast to Y. */
static int finish_output(lp_kctx *k, const lp_epilogue *ep, lp_tensor *Y, float *y,
                         const lp_tensor *R) {
    if (ep && ep->residual >= 0 && !R) {
        if (Y->dtype != LP_FLOAT) return lp_kfail(k, "a broadcast residual needs float tensors");
        lp_epilogue_residual(ep, Y, lp_in(k, ep->residual));
    }
    if (y != Y->data) lp_nn_store(Y, y, Y->numel);
    return LP_OK;
}

static int check_types(lp_kctx *k, const lp_tensor *X, const lp_tensor *W, const lp_tensor *B) {
    if (!X || !W) return lp_kfail(k, "inputs X and W are required");
    if (!lp_nn_float_type(X->dtype))
        return lp_kfail(k, "%s inputs are not supported", lp_dtype_name(X->dtype));
    if (W->dtype != X->dtype || (B && B->dtype != X->dtype))
        return lp_kbad(k, "X, W and B must have one element type");
    if (X->rank < 3 || X->rank > 2 + LP_WIN_DIMS)
        return lp_kfail(k, "X has rank %d; ranks 3 to %d are supported", X->rank, 2 + LP_WIN_DIMS);
    if (W->rank != X->rank) return lp_kbad(k, "W has rank %d, X rank %d", W->rank, X->rank);
    return LP_OK;
}

/* ---- Conv ---- */

/* One output channel of a depthwise convolution: y = x (*) wt, direct,
** a kernel tap at a time over each output row (taps off the input skipped). */
static void conv_direct(const lp_window *w, const float *x, const float *wt, float *y) {
    const int64_t ID = w->in[0], IH = w->in[1], IW = w->in[2];
    const int64_t OH = w->out[1], OW = w->out[2], sw = w->s[2];
    for (int64_t r = 0; r < w->out[0] * OH; r++) {
        int64_t od = r / OH, oh = r % OH;
        float *o = y + r * OW;
        memset(o, 0, (size_t)OW * sizeof *o);
        for (int64_t kd = 0; kd < w->k[0]; kd++) {
            int64_t id = od * w->s[0] - w->pb[0] + kd * w->d[0];
            if (id < 0 || id >= ID) continue;
            for (int64_t kh = 0; kh < w->k[1]; kh++) {
                int64_t ih = oh * w->s[1] - w->pb[1] + kh * w->d[1];
                if (ih < 0 || ih >= IH) continue;
                const float *row = x + (id * IH + ih) * IW;
                const float *wk = wt + (kd * w->k[1] + kh) * w->k[2];
                for (int64_t kw = 0; kw < w->k[2]; kw++) {
                    int64_t base = kw * w->d[2] - w->pb[2];
                    int64_t lo = base < 0 ? (-base + sw - 1) / sw : 0;
                    int64_t hi = IW - base <= 0 ? 0 : (IW - base + sw - 1) / sw;
                    if (hi > OW) hi = OW;
                    const float *s = row + base;
                    float v = wk[kw];
                    if (sw == 1)
                        for (int64_t ow = lo; ow < hi; ow++) o[ow] += v * s[ow];
                    else
                        for (int64_t ow = lo; ow < hi; ow++) o[ow] += v * s[ow * sw];
                }
            }
        }
    }
}

/* The common depthwise case, a 2-D kernel 3 wide (undilated across): the
** input plane is first copied into `pad` with its zero padding around it
** (pad's border is zero already), so that every output value is the taps'
** sum with no edge to check; 3x3 kernels are unrolled. */
static bool direct3_fits(const lp_window *w) {
    return w->in[0] == 1 && w->k[0] == 1 && w->k[2] == 3 && w->d[2] == 1;
}

static void pad_plane(const lp_window *w, const float *x, float *pad) {
    const int64_t IH = w->in[1], IW = w->in[2], PW = IW + w->pb[2] + w->pe[2];
    for (int64_t ih = 0; ih < IH; ih++)
        memcpy(pad + (ih + w->pb[1]) * PW + w->pb[2], x + ih * IW, (size_t)IW * sizeof *x);
}

/* One output row of a 3x3 kernel over three padded input rows. */
static inline void direct3_row(const float *restrict r0, const float *restrict r1,
                               const float *restrict r2, const float *wt, float *restrict o,
                               int64_t OW, int64_t sw) {
    const float a0 = wt[0], a1 = wt[1], a2 = wt[2], b0 = wt[3], b1 = wt[4], b2 = wt[5];
    const float c0 = wt[6], c1 = wt[7], c2 = wt[8];
    for (int64_t ow = 0; ow < OW; ow++) {
        int64_t i = ow * sw;
        o[ow] = a0 * r0[i] + a1 * r0[i + 1] + a2 * r0[i + 2] + b0 * r1[i] + b1 * r1[i + 1] +
                b2 * r1[i + 2] + c0 * r2[i] + c1 * r2[i + 1] + c2 * r2[i + 2];
    }
}

static void conv_direct3(const lp_window *w, const float *pad, const float *wt, float *y) {
    const int64_t OH = w->out[1], OW = w->out[2], sh = w->s[1], sw = w->s[2], dh = w->d[1];
    const int64_t PW = w->in[2] + w->pb[2] + w->pe[2], KH = w->k[1];
    for (int64_t oh = 0; oh < OH; oh++) {
        float *o = y + oh * OW;
        const float *r0 = pad + oh * sh * PW;
        if (KH == 3) {
            const float *r1 = r0 + dh * PW, *r2 = r1 + dh * PW;
            if (sw == 1) /* the constant stride lets the row vectorize */
                direct3_row(r0, r1, r2, wt, o, OW, 1);
            else if (sw == 2)
                direct3_row(r0, r1, r2, wt, o, OW, 2);
            else
                direct3_row(r0, r1, r2, wt, o, OW, sw);
            continue;
        }
        memset(o, 0, (size_t)OW * sizeof *o);
        for (int64_t kh = 0; kh < KH; kh++) {
            const float *q = r0 + kh * dh * PW, *wk = wt + kh * 3;
            for (int64_t ow = 0; ow < OW; ow++) {
                int64_t i = ow * sw;
                o[ow] += wk[0] * q[i] + wk[1] * q[i + 1] + wk[2] * q[i + 2];
            }
        }
    }
}

/* What the parts of one image's convolution share, across threads. */
typedef struct conv_run {
    const lp_window *w;
    const float *xn, *wt, *bias, *res; /* xn, res: the current image's */
    float *y, *pad;                    /* y: the current image's output */
    const lp_epilogue *ep;
    int64_t padded, M, Cg, Mg, K, Pin, P;
    bool direct3;
} conv_run;

/* The epilogue as the packed GEMM applies it, for output channels from c0
** on, the residual (if any) at res with rows P apart. The same arithmetic as
** lp_epilogue_rows, which the other paths use. */
static const lp_pgemm_ep *gemm_epilogue(const lp_epilogue *e, const float *bias, const float *res,
                                        int64_t c0, int64_t P, bool scaled, lp_pgemm_ep *out) {
    bool later = e && e->residual >= 0 && !res; /* lp_epilogue_residual finishes */
    if (!e && !bias) return NULL;
    *out = (lp_pgemm_ep){.scale = e && e->scale && !scaled ? e->scale + c0 : NULL,
                         .shift = e && e->shift ? e->shift + c0
                                  : bias        ? bias + c0
                                                : NULL,
                         .res = res,
                         .ldr = P,
                         .clamp = e && e->clamp && !later,
                         .lo = e ? e->lo : 0,
                         .hi = e ? e->hi : 0};
    return out;
}

/* B of the convolution's product, packed straight from the input image. */
typedef struct conv_b {
    const lp_window *w;
    const float *x; /* the group's channels of the image */
} conv_b;

static void pack_image(const void *ctx, int64_t k0, int64_t kc, int64_t n0, int64_t nc,
                       float *dst) {
    const conv_b *cb = ctx;
    lp_im2col_pack(cb->w, cb->x, k0, kc, n0, nc, dst);
}

static void depthwise_part(void *ctx, int t, int nt) {
    const conv_run *r = ctx;
    int64_t group = r->M / r->Mg;
    float *pad = r->pad + t * r->padded;
    for (int64_t g = group * t / nt; g < group * (t + 1) / nt; g++) {
        const float *xg = r->xn + g * r->Cg * r->Pin, *wg = r->wt + g * r->Mg * r->K;
        float *yg = r->y + g * r->Mg * r->P;
        if (r->direct3) pad_plane(r->w, xg, pad);
        for (int64_t m = 0; m < r->Mg; m++) {
            if (r->direct3)
                conv_direct3(r->w, pad, wg + m * r->K, yg + m * r->P);
            else
                conv_direct(r->w, xg, wg + m * r->K, yg + m * r->P);
        }
        lp_epilogue_rows(r->ep, r->bias, r->res ? r->res + g * r->Mg * r->P : NULL, yg, g * r->Mg,
                         r->Mg, r->P);
    }
}

int lp_k_conv(lp_kctx *k) {
    const lp_tensor *X = lp_in(k, 0), *W = lp_in(k, 1), *B = lp_in(k, 2);
    int rc = check_types(k, X, W, B);
    if (rc) return rc;
    int nd = X->rank - 2;
    int64_t group = lp_attr_int(k->node, "group", 1);
    int64_t N = X->dims[0], C = X->dims[1], M = W->dims[0], Cg = W->dims[1];
    if (group < 1 || C != Cg * group || M % group)
        return lp_kbad(k, "X has %lld channels, W [%lld, %lld, ...] with group %lld", (long long)C,
                       (long long)M, (long long)Cg, (long long)group);
    if (B && B->numel != M)
        return lp_kbad(k, "B has %lld values for %lld output channels", (long long)B->numel,
                       (long long)M);
    lp_window w;
    if ((rc = lp_window_init(k, &w, nd, X->dims + 2, W->dims + 2, false))) return rc;
    int64_t dims[2 + LP_WIN_DIMS] = {N, M};
    for (int i = 0; i < nd; i++) dims[2 + i] = w.out[LP_WIN_DIMS - nd + i];
    lp_tensor *Y = lp_out(k, 0, X->dtype, X->rank, dims);
    if (!Y) return LP_EFAIL;
    if (Y->numel == 0) return LP_OK;

    const int64_t Mg = M / group, K = w.k[0] * w.k[1] * w.k[2], Kdim = Cg * K;
    const int64_t Pin = lp_window_in_size(&w), P = lp_window_out_size(&w);
    bool pointwise = K == 1, depthwise = Cg == 1 && group > 1;
    for (int i = 0; i < LP_WIN_DIMS; i++) pointwise &= w.s[i] == 1 && w.pb[i] == 0 && w.pe[i] == 0;
    bool conv = X->dtype != LP_FLOAT;
    bool direct3 = depthwise && direct3_fits(&w);
    int64_t padded = direct3 ? (w.in[1] + w.pb[1] + w.pe[1]) * (w.in[2] + w.pb[2] + w.pe[2]) : 0;
    int pads = lp_parallel_threads(k->threads); /* a padded plane per thread */
    /* The packed weights: made at planning when W is that constant. */
    const conv_state *st = k->state;
    bool transposed = !depthwise && lp_pgemm_prefers_t(Mg, P);
    int64_t pack_each = depthwise ? 0 : lp_pgemm_packed_size(Mg, Kdim, transposed);
    bool prepacked = st && st->wpack && st->wsrc == W->data && st->wpack_t == transposed;
    int64_t lens[8] = {conv ? X->numel : 0,
                       conv ? W->numel : 0,
                       conv && B ? B->numel : 0,
                       conv ? Y->numel : 0,
                       conv ? Y->numel : 0,
                       padded * pads,
                       depthwise || prepacked ? 0 : pack_each * group,
                       depthwise    ? 0
                       : transposed ? lp_pgemm_t_work_size(Kdim, P)
                                    : lp_pgemm_work_size(P, k->threads)};
    float *a[8];
    if (!lp_nn_scratch(k, 8, lens, a)) return LP_EFAIL;
    if (direct3) memset(a[5], 0, (size_t)(padded * pads) * sizeof(float)); /* borders stay 0 */
    const float *x = lp_nn_floats(X, a[0]), *wt = lp_nn_floats(W, a[1]);
    const float *b = B ? lp_nn_floats(B, a[2]) : NULL, *bias;
    float *y = conv ? a[3] : Y->data;
    const lp_epilogue *ep;
    if ((rc = epilogue_of(k, M, b, &ep, &bias))) return rc;
    const lp_tensor *R;
    if ((rc = lp_epilogue_residual_input(k, ep, Y, &R))) return rc;
    const float *res = R ? lp_nn_floats(R, a[4]) : NULL;
    const float *wpack = prepacked ? st->wpack : a[6];
    bool scaled = prepacked && st->scale_in_wpack; /* ep's scale is in wpack already */
    if (!depthwise && !prepacked) pack_weights(transposed, wt, group, Mg, Kdim, a[6]);

    conv_run r = {.w = &w,
                  .wt = wt,
                  .bias = bias,
                  .ep = ep,
                  .pad = a[5],
                  .padded = padded,
                  .direct3 = direct3,
                  .M = M,
                  .Cg = Cg,
                  .Mg = Mg,
                  .K = K,
                  .Pin = Pin,
                  .P = P};
    for (int64_t n = 0; n < N; n++) {
        r.y = y + n * M * P;
        r.res = res ? res + n * M * P : NULL;
        r.xn = x + n * C * Pin;
        if (depthwise) {
            /* groups split over threads when there is work enough */
            lp_parallel(lp_parallel_parts(k->threads, M * P * K, (int64_t)1 << 16, group),
                        depthwise_part, &r);
            continue;
        }
        for (int64_t g = 0; g < group; g++) {
            const float *xg = r.xn + g * Cg * Pin, *rg = r.res ? r.res + g * Mg * P : NULL;
            float *yg = r.y + g * Mg * P;
            lp_pgemm_ep gep;
            if (transposed) {
                conv_b cb = {&w, xg};
                lp_pgemm_t_packing(wpack + g * pack_each, Mg, Kdim, pack_image, &cb, P, yg, P, a[7],
                                   k->threads,
                                   gemm_epilogue(ep, bias, rg, g * Mg, P, scaled, &gep));
                continue;
            }
            if (pointwise) {
                lp_pgemm(wpack + g * pack_each, Mg, Kdim, xg, P, P, yg, P, a[7], k->threads,
                         gemm_epilogue(ep, bias, rg, g * Mg, P, scaled, &gep));
                continue;
            }
            conv_b cb = {&w, xg};
            lp_pgemm_packing(wpack + g * pack_each, Mg, Kdim, pack_image, &cb, P, yg, P, a[7],
                             k->threads, gemm_epilogue(ep, bias, rg, g * Mg, P, scaled, &gep));
        }
    }
    return finish_output(k, ep, Y, y, R);
}

/* ---- ConvTranspose ---- */

static int64_t floordiv2(int64_t v) {
    return v >= 0 ? v / 2 : -((-v + 1) / 2);
}

int lp_k_conv_transpose(lp_kctx *k) {
    const lp_tensor *X = lp_in(k, 0), *W = lp_in(k, 1), *B = lp_in(k, 2);
    int rc = check_types(k, X, W, B);
    if (rc) return rc;
    int nd = X->rank - 2, off = LP_WIN_DIMS - nd;
    int64_t group = lp_attr_int(k->node, "group", 1);
    int64_t N = X->dims[0], C = X->dims[1], Mg = W->dims[1], M = Mg * group;
    if (group < 1 || W->dims[0] != C || C % group)
        return lp_kbad(k, "X has %lld channels, W [%lld, %lld, ...] with group %lld", (long long)C,
                       (long long)W->dims[0], (long long)Mg, (long long)group);
    if (B && B->numel != M)
        return lp_kbad(k, "B has %lld values for %lld output channels", (long long)B->numel,
                       (long long)M);
    /* The geometry as the forward Conv that maps Y back to X: its input is
    ** Y's grid, its output X's grid. */
    lp_window w;
    int64_t opad[LP_WIN_DIMS];
    memset(&w, 0, sizeof w);
    w.nd = nd;
    if ((rc = lp_window_ints(k, "strides", nd, 1, w.s)) ||
        (rc = lp_window_ints(k, "dilations", nd, 1, w.d)) ||
        (rc = lp_window_ints(k, "output_padding", nd, 0, opad)))
        return rc;
    int nk = 0, np = 0, nos = 0;
    const int64_t *ks = lp_attr_ints(k->node, "kernel_shape", &nk);
    const int64_t *pads = lp_attr_ints(k->node, "pads", &np);
    const int64_t *os = lp_attr_ints(k->node, "output_shape", &nos);
    if ((ks && nk != nd) || (pads && np != 2 * nd) || (os && nos != nd && nos != nd + 2))
        return lp_kfail(k, "kernel_shape, pads or output_shape has the wrong length");
    const char *ap = lp_attr_string(k->node, "auto_pad", "NOTSET");
    bool upper = !strcmp(ap, "SAME_UPPER"), same = upper || !strcmp(ap, "SAME_LOWER");
    int64_t out[LP_WIN_DIMS];
    for (int i = 0; i < LP_WIN_DIMS; i++) {
        w.out[i] = w.in[i] = w.k[i] = out[i] = 1;
        if (i < off) continue;
        int j = i - off;
        w.out[i] = X->dims[2 + j];
        w.k[i] = W->dims[2 + j];
        if (ks && ks[j] != w.k[i]) return lp_kbad(k, "kernel_shape does not match W");
        if (w.s[i] < 1 || w.d[i] < 1) return lp_kfail(k, "strides and dilations must be positive");
        int64_t natural = w.s[i] * (w.out[i] - 1) + opad[i] + (w.k[i] - 1) * w.d[i] + 1;
        if (os || (same && !pads)) {
            out[i] = os ? os[nos - nd + j] : w.out[i] * w.s[i];
            if (pads && !same) {
                w.pb[i] = pads[j];
            } else {
                int64_t total = natural - out[i];
                w.pe[i] = upper ? total - floordiv2(total) : floordiv2(total);
                w.pb[i] = total - w.pe[i];
            }
        } else {
            bool valid = !strcmp(ap, "VALID");
            w.pb[i] = pads && !valid ? pads[j] : 0;
            w.pe[i] = pads && !valid ? pads[nd + j] : 0;
            out[i] = natural - w.pb[i] - w.pe[i];
        }
        if (out[i] < 0) return lp_kbad(k, "the output would have a negative extent");
        w.in[i] = out[i];
    }
    int64_t dims[2 + LP_WIN_DIMS] = {N, M};
    for (int i = 0; i < nd; i++) dims[2 + i] = out[off + i];
    lp_tensor *Y = lp_out(k, 0, X->dtype, X->rank, dims);
    if (!Y) return LP_EFAIL;
    if (Y->numel == 0) return LP_OK;

    const int64_t Cg = C / group, K = w.k[0] * w.k[1] * w.k[2];
    const int64_t Pin = lp_window_out_size(&w), P = lp_window_in_size(&w);
    bool conv = X->dtype != LP_FLOAT;
    int64_t lens[6] = {conv ? X->numel : 0, conv ? W->numel : 0, conv && B ? B->numel : 0,
                       conv ? Y->numel : 0, Mg * K * Pin,        conv ? Y->numel : 0};
    float *a[6];
    if (!lp_nn_scratch(k, 6, lens, a)) return LP_EFAIL;
    const float *x = lp_nn_floats(X, a[0]), *wt = lp_nn_floats(W, a[1]);
    const float *b = B ? lp_nn_floats(B, a[2]) : NULL, *bias;
    float *y = conv ? a[3] : Y->data, *col = a[4];
    const lp_epilogue *ep;
    if ((rc = epilogue_of(k, M, b, &ep, &bias))) return rc;
    const lp_tensor *R;
    if ((rc = lp_epilogue_residual_input(k, ep, Y, &R))) return rc;
    const float *res = R ? lp_nn_floats(R, a[5]) : NULL;
    memset(y, 0, (size_t)Y->numel * sizeof *y);
    for (int64_t n = 0; n < N; n++)
        for (int64_t g = 0; g < group; g++) {
            const float *xg = x + (n * C + g * Cg) * Pin, *wg = wt + g * Cg * Mg * K;
            float *yg = y + (n * M + g * Mg) * P;
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)(Mg * K), (int)Pin, (int)Cg,
                        1.0f, wg, (int)(Mg * K), xg, (int)Pin, 0.0f, col, (int)Pin);
            lp_col2im(&w, Mg, col, yg);
            lp_epilogue_rows(ep, bias, res ? res + (n * M + g * Mg) * P : NULL, yg, g * Mg, Mg, P);
        }
    return finish_output(k, ep, Y, y, R);
}

/* ---- Col2Im ---- */

int lp_k_col2im(lp_kctx *k) {
    const lp_tensor *X = lp_in(k, 0), *image = lp_in(k, 1), *block = lp_in(k, 2);
    if (!X || !image || !block)
        return lp_kfail(k, "inputs input, image_shape and block_shape are required");
    if (!lp_nn_float_type(X->dtype))
        return lp_kfail(k, "%s inputs are not supported", lp_dtype_name(X->dtype));
    int nd = (int)image->numel;
    if (X->rank != 3 || nd < 1 || nd > LP_WIN_DIMS || block->numel != nd)
        return lp_kbad(k,
                       "needs input [N, C*prod(block), L] and 1 to %d spatial dims of "
                       "image_shape and block_shape",
                       LP_WIN_DIMS);
    int64_t in[LP_WIN_DIMS], ks[LP_WIN_DIMS], K = 1;
    for (int i = 0; i < nd; i++) {
        in[i] = lp_get_i64(image, i);
        ks[i] = lp_get_i64(block, i);
        if (in[i] < 1 || ks[i] < 1)
            return lp_kbad(k, "image_shape and block_shape must be positive");
        K *= ks[i];
    }
    lp_window w;
    int rc = lp_window_init(k, &w, nd, in, ks, false);
    if (rc) return rc;
    int64_t N = X->dims[0], C = X->dims[1] / K, L = X->dims[2];
    if (X->dims[1] % K || L != lp_window_out_size(&w))
        return lp_kbad(k, "input [%lld, %lld, %lld] does not match %lld blocks of %lld values",
                       (long long)N, (long long)X->dims[1], (long long)L,
                       (long long)lp_window_out_size(&w), (long long)K);
    int64_t dims[2 + LP_WIN_DIMS] = {N, C};
    for (int i = 0; i < nd; i++) dims[2 + i] = in[i];
    lp_tensor *Y = lp_out(k, 0, X->dtype, 2 + nd, dims);
    if (!Y) return LP_EFAIL;
    const float *x;
    float *y;
    if (lp_nn_views(k, X, Y, &x, &y)) return LP_EFAIL;
    memset(y, 0, (size_t)Y->numel * sizeof *y);
    int64_t P = lp_window_in_size(&w);
    for (int64_t n = 0; n < N; n++) lp_col2im(&w, C, x + n * C * K * L, y + n * C * P);
    lp_nn_store(Y, y, Y->numel);
    return LP_OK;
}

/* ---- DeformConv ---- */

/* Bilinear sample of one plane at (y, x); outside the plane reads zero. */
static float bilinear(const float *plane, int64_t H, int64_t W, float y, float x) {
    if (!(y > -1.0f && y < (float)H && x > -1.0f && x < (float)W)) return 0.0f;
    float fy = floorf(y), fx = floorf(x), ly = y - fy, lx = x - fx;
    int64_t y0 = (int64_t)fy, x0 = (int64_t)fx;
    float v = 0;
    for (int dy = 0; dy < 2; dy++)
        for (int dx = 0; dx < 2; dx++) {
            int64_t yy = y0 + dy, xx = x0 + dx;
            if (yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
            v += (dy ? ly : 1 - ly) * (dx ? lx : 1 - lx) * plane[yy * W + xx];
        }
    return v;
}

int lp_k_deform_conv(lp_kctx *k) {
    const lp_tensor *X = lp_in(k, 0), *W = lp_in(k, 1), *O = lp_in(k, 2), *B = lp_in(k, 3);
    const lp_tensor *Mk = lp_in(k, 4);
    int rc = check_types(k, X, W, B);
    if (rc) return rc;
    if (X->rank != 4) return lp_kfail(k, "only 2-D deformable convolution is supported");
    if (!O || O->dtype != X->dtype || (Mk && Mk->dtype != X->dtype))
        return lp_kbad(k, "offset (and mask) must be given, of X's type");
    int64_t group = lp_attr_int(k->node, "group", 1), og = lp_attr_int(k->node, "offset_group", 1);
    int64_t N = X->dims[0], C = X->dims[1], H = X->dims[2], Wd = X->dims[3];
    int64_t M = W->dims[0], Cg = W->dims[1];
    if (group < 1 || og < 1 || C != Cg * group || M % group || C % og)
        return lp_kbad(k, "channels, group and offset_group do not agree");
    lp_window w;
    if ((rc = lp_window_init(k, &w, 2, X->dims + 2, W->dims + 2, false))) return rc;
    int64_t KH = w.k[1], KW = w.k[2], K = KH * KW, OH = w.out[1], OW = w.out[2], P = OH * OW;
    if (O->rank != 4 || O->dims[0] != N || O->dims[1] != og * 2 * K || O->dims[2] != OH ||
        O->dims[3] != OW)
        return lp_kbad(k, "offset must be [%lld, %lld, %lld, %lld]", (long long)N,
                       (long long)(og * 2 * K), (long long)OH, (long long)OW);
    if (Mk && (Mk->numel != N * og * K * P))
        return lp_kbad(k, "mask must be [%lld, %lld, %lld, %lld]", (long long)N,
                       (long long)(og * K), (long long)OH, (long long)OW);
    if (B && B->numel != M) return lp_kbad(k, "B needs %lld values", (long long)M);
    int64_t dims[4] = {N, M, OH, OW};
    lp_tensor *Y = lp_out(k, 0, X->dtype, 4, dims);
    if (!Y) return LP_EFAIL;
    bool conv = X->dtype != LP_FLOAT;
    int64_t lens[7] = {conv ? X->numel : 0, conv ? W->numel : 0, conv && B ? B->numel : 0,
                       conv ? Y->numel : 0, conv ? O->numel : 0, conv && Mk ? Mk->numel : 0,
                       Cg * K * P};
    float *a[7];
    if (!lp_nn_scratch(k, 7, lens, a)) return LP_EFAIL;
    const float *x = lp_nn_floats(X, a[0]), *wt = lp_nn_floats(W, a[1]);
    const float *b = B ? lp_nn_floats(B, a[2]) : NULL, *off = lp_nn_floats(O, a[4]);
    const float *mask = Mk ? lp_nn_floats(Mk, a[5]) : NULL;
    float *y = conv ? a[3] : Y->data, *col = a[6];
    const int64_t Mg = M / group, cpo = C / og;
    for (int64_t n = 0; n < N; n++)
        for (int64_t g = 0; g < group; g++) {
            float *dst = col;
            for (int64_t ci = 0; ci < Cg; ci++) {
                int64_t c = g * Cg + ci, o = c / cpo;
                const float *plane = x + (n * C + c) * H * Wd;
                for (int64_t q = 0; q < K; q++, dst += P) {
                    const float *dy = off + ((n * og + o) * K + q) * 2 * P, *dx = dy + P;
                    const float *mq = mask ? mask + ((n * og + o) * K + q) * P : NULL;
                    int64_t kh = q / KW, kw = q % KW;
                    for (int64_t p = 0; p < P; p++) {
                        int64_t oh = p / OW, ow = p % OW;
                        float py = (float)(oh * w.s[1] - w.pb[1] + kh * w.d[1]) + dy[p];
                        float px = (float)(ow * w.s[2] - w.pb[2] + kw * w.d[2]) + dx[p];
                        float v = bilinear(plane, H, Wd, py, px);
                        dst[p] = mq ? v * mq[p] : v;
                    }
                }
            }
            float *yg = y + (n * M + g * Mg) * P;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)Mg, (int)P, (int)(Cg * K),
                        1.0f, wt + g * Mg * Cg * K, (int)(Cg * K), col, (int)P, 0.0f, yg, (int)P);
            lp_epilogue_rows(NULL, b, NULL, yg, g * Mg, Mg, P);
        }
    if (conv) lp_nn_store(Y, y, Y->numel);
    return LP_OK;
}

/* ---- CausalConvWithState ---- */

int lp_k_causal_conv_with_state(lp_kctx *k) {
    const lp_tensor *X = lp_in(k, 0), *W = lp_in(k, 1), *B = lp_in(k, 2), *S = lp_in(k, 3);
    if (!X || !W) return lp_kfail(k, "inputs input and weight are required");
    if (!lp_nn_float_type(X->dtype) || W->dtype != X->dtype || (B && B->dtype != X->dtype) ||
        (S && S->dtype != X->dtype))
        return lp_kbad(k, "inputs must share one float type");
    if (X->rank != 3 || W->rank != 3 || W->dims[0] != X->dims[1] || W->dims[1] != 1 ||
        W->dims[2] < 1)
        return lp_kbad(k, "needs input [N, C, L] and weight [C, 1, k]");
    const char *act = lp_attr_string(k->node, "activation", "none");
    bool silu = !strcmp(act, "silu") || !strcmp(act, "swish");
    if (!silu && strcmp(act, "none")) return lp_kfail(k, "unknown activation '%s'", act);
    int64_t N = X->dims[0], C = X->dims[1], L = X->dims[2], KS = W->dims[2], H = KS - 1;
    if (B && B->numel != C) return lp_kbad(k, "bias needs %lld values", (long long)C);
    if (S && (S->rank != 3 || S->dims[0] != N || S->dims[1] != C || S->dims[2] != H))
        return lp_kbad(k, "past_state must be [%lld, %lld, %lld]", (long long)N, (long long)C,
                       (long long)H);
    lp_tensor *Y = lp_out(k, 0, X->dtype, 3, X->dims);
    int64_t sd[3] = {N, C, H};
    lp_tensor *P = lp_out(k, 1, X->dtype, 3, sd);
    if (!Y || !P) return LP_EFAIL;
    int64_t lens[7] = {X->numel, W->numel, B ? B->numel : 0, S ? S->numel : 0, Y->numel,
                       P->numel, H + L};
    float *a[7];
    if (!lp_nn_scratch(k, 7, lens, a)) return LP_EFAIL;
    const float *x = lp_nn_floats(X, a[0]), *w = lp_nn_floats(W, a[1]);
    const float *b = B ? lp_nn_floats(B, a[2]) : NULL, *st = S ? lp_nn_floats(S, a[3]) : NULL;
    float *y = a[4], *ps = a[5], *seq = a[6];
    for (int64_t i = 0; i < N * C; i++) {
        /* the state then the input, as one sequence */
        for (int64_t t = 0; t < H; t++) seq[t] = st ? st[i * H + t] : 0.0f;
        memcpy(seq + H, x + i * L, (size_t)L * sizeof *seq);
        const float *wk = w + (i % C) * KS;
        for (int64_t t = 0; t < L; t++) {
            float acc = b ? b[i % C] : 0.0f;
            for (int64_t j = 0; j < KS; j++) acc += wk[j] * seq[t + j];
            y[i * L + t] = silu ? acc / (1.0f + expf(-acc)) : acc;
        }
        memcpy(ps + i * H, seq + L, (size_t)H * sizeof *ps);
    }
    lp_nn_store(Y, y, Y->numel);
    lp_nn_store(P, ps, P->numel);
    return LP_OK;
}
