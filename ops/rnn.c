/*
** rnn.c — the recurrent layers: RNN, GRU and LSTM, forward, reverse or
** bidirectional, in either layout.
**
** The three share everything but the cell. Per direction, the input part of
** every gate for every step is one sgemm, X (steps*batch, input) times W^T,
** with both biases added (except GRU's recurrent bias of the hidden gate
** under linear_before_reset, which belongs inside the reset product). Each
** step is then one sgemm of the state by R^T and the cell's element-wise
** work. A batch entry whose sequence_lens is shorter stops early: its later
** outputs are zero and its final state is the last one it reached. The
** reverse direction walks each entry's steps from its own last one back.
** Gates follow ONNX's orders: LSTM i, o, f, c; GRU z, r, h. Computed in float.
*/
#include "ops/nn.h"
#include "ops/tensorops.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { CELL_RNN, CELL_GRU, CELL_LSTM };

/* ---- activations ---- */

enum { A_RELU, A_TANH, A_SIGMOID, A_AFFINE, A_LEAKY, A_THRESH, A_STANH, A_HSIG, A_ELU, A_SOFTSIGN,
       A_SOFTPLUS };

typedef struct act {
    int kind;
    float alpha, beta;
} act;

static const struct {
    const char *name;
    int kind, n_params; /* how many of alpha, beta it reads */
    float alpha, beta;  /* defaults */
} act_table[] = {
    {"Relu", A_RELU, 0, 0, 0},           {"Tanh", A_TANH, 0, 0, 0},
    {"Sigmoid", A_SIGMOID, 0, 0, 0},     {"Affine", A_AFFINE, 2, 1, 0},
    {"LeakyRelu", A_LEAKY, 1, 0.01f, 0}, {"ThresholdedRelu", A_THRESH, 1, 1, 0},
    {"ScaledTanh", A_STANH, 2, 1, 1},    {"HardSigmoid", A_HSIG, 2, 0.2f, 0.5f},
    {"Elu", A_ELU, 1, 1, 0},             {"Softsign", A_SOFTSIGN, 0, 0, 0},
    {"Softplus", A_SOFTPLUS, 0, 0, 0},
};

static float act_apply(const act *a, float x) {
    switch (a->kind) {
    case A_RELU: return x > 0 ? x : 0;
    case A_TANH: return tanhf(x);
    case A_SIGMOID: return 1.0f / (1.0f + expf(-x));
    case A_AFFINE: return a->alpha * x + a->beta;
    case A_LEAKY: return x >= 0 ? x : a->alpha * x;
    case A_THRESH: return x > a->alpha ? x : 0;
    case A_STANH: return a->alpha * tanhf(a->beta * x);
    case A_HSIG: return fmaxf(0.0f, fminf(1.0f, a->alpha * x + a->beta));
    case A_ELU: return x >= 0 ? x : a->alpha * (expf(x) - 1);
    case A_SOFTSIGN: return x / (1 + fabsf(x));
    default: return x > 20 ? x : log1pf(expf(x));
    }
}

/* Reads the activations of every direction (`per` each) with their params. */
static int read_acts(lp_kctx *k, int per, int dirs, act *out) {
    static const char *const dflt[3] = {"Sigmoid", "Tanh", "Tanh"};
    int n = 0, na = 0, nb = 0, ia = 0, ib = 0;
    const lp_attr *a = lp_node_attr(k->node, "activations");
    const float *alpha = lp_attr_floats(k->node, "activation_alpha", &na);
    const float *beta = lp_attr_floats(k->node, "activation_beta", &nb);
    if (a && a->type == LP_ATTR_STRINGS) n = a->n;
    if (n && n != per * dirs)
        return lp_kfail(k, "%d activations given, %d expected", n, per * dirs);
    for (int i = 0; i < per * dirs; i++) {
        const char *name = n ? a->strings[i] : per == 1 ? "Tanh" : dflt[i % per];
        int j = 0, found = -1;
        for (; j < (int)LP_COUNT(act_table); j++)
            if (!strcmp(name, act_table[j].name)) found = j;
        if (found < 0) return lp_kfail(k, "unknown activation '%s'", name);
        out[i].kind = act_table[found].kind;
        out[i].alpha = act_table[found].alpha;
        out[i].beta = act_table[found].beta;
        if (act_table[found].n_params >= 1 && alpha && ia < na) out[i].alpha = alpha[ia++];
        if (act_table[found].n_params >= 2 && beta && ib < nb) out[i].beta = beta[ib++];
    }
    return LP_OK;
}

/* ---- the layer ---- */

typedef struct rnn_geom {
    int cell, G, dirs;     /* gates per cell: 1, 3 or 4 */
    int64_t T, B, In, H;   /* steps, batch, input size, hidden size */
    int layout;
    float clip;            /* 0: no clip */
    bool lbr;              /* GRU linear_before_reset */
    bool input_forget;     /* LSTM */
} rnn_geom;

static float clipf(float x, float c) { return c > 0 ? fmaxf(-c, fminf(c, x)) : x; }

/* One direction. xw holds X W^T + biases for all (t, b) rows, G*H wide;
** h and c are the state (B, H); y receives (t, b) rows of H (or NULL). */
static void run_direction(const rnn_geom *g, const act *acts, bool reverse, const float *xw,
                          const float *R, const float *rbh, const float *P, const int64_t *lens,
                          float *h, float *c, float *hr, float *y, int64_t ystride) {
    const int64_t B = g->B, H = g->H, GH = g->G * H;
    float *rh = hr + B * H; /* (B, GH): the state times R^T */
    for (int64_t s = 0; s < g->T; s++) {
        /* the recurrent product for every entry, before its state changes */
        if (g->cell == CELL_GRU) {
            /* z and r from H, then h from r*H (or H when linear before reset) */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)(2 * H), (int)H, 1.0f,
                        h, (int)H, R, (int)H, 0.0f, rh, (int)GH);
            if (g->lbr)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)H, (int)H, 1.0f, h,
                            (int)H, R + 2 * H * H, (int)H, 0.0f, rh + 2 * H, (int)GH);
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)GH, (int)H, 1.0f, h,
                        (int)H, R, (int)H, 0.0f, rh, (int)GH);
        }
        if (g->cell == CELL_GRU && !g->lbr) {
            /* r = f(xw_r + rh_r); then (r * H) R_h^T */
            for (int64_t b = 0; b < B; b++) {
                if (s >= lens[b]) {
                    memset(hr + b * H, 0, (size_t)H * sizeof *hr);
                    continue;
                }
                int64_t t = reverse ? lens[b] - 1 - s : s;
                const float *x = xw + (t * B + b) * GH;
                for (int64_t j = 0; j < H; j++)
                    hr[b * H + j] = act_apply(&acts[0], clipf(x[H + j] + rh[b * GH + H + j], g->clip)) *
                                    h[b * H + j];
            }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)H, (int)H, 1.0f, hr,
                        (int)H, R + 2 * H * H, (int)H, 0.0f, rh + 2 * H, (int)GH);
        }
        for (int64_t b = 0; b < B; b++) {
            if (s >= lens[b]) continue;
            int64_t t = reverse ? lens[b] - 1 - s : s;
            const float *x = xw + (t * B + b) * GH;
            const float *r = rh + b * GH;
            float *hb = h + b * H;
            for (int64_t j = 0; j < H; j++) {
                if (g->cell == CELL_RNN) {
                    hb[j] = act_apply(&acts[0], clipf(x[j] + r[j], g->clip));
                } else if (g->cell == CELL_GRU) {
                    float z = act_apply(&acts[0], clipf(x[j] + r[j], g->clip));
                    float hh;
                    if (g->lbr) {
                        float rr = act_apply(&acts[0], clipf(x[H + j] + r[H + j], g->clip));
                        hh = act_apply(&acts[1], clipf(x[2 * H + j] + rr * (r[2 * H + j] + rbh[j]), g->clip));
                    } else {
                        hh = act_apply(&acts[1], clipf(x[2 * H + j] + r[2 * H + j], g->clip));
                    }
                    hb[j] = (1 - z) * hh + z * hb[j];
                } else {
                    float *cb = c + b * H, cp = cb[j];
                    float i = x[j] + r[j], o = x[H + j] + r[H + j];
                    float f = x[2 * H + j] + r[2 * H + j], cc = x[3 * H + j] + r[3 * H + j];
                    if (P) i += P[j] * cp, f += P[2 * H + j] * cp;
                    i = act_apply(&acts[0], clipf(i, g->clip));
                    f = g->input_forget ? 1 - i : act_apply(&acts[0], clipf(f, g->clip));
                    cc = act_apply(&acts[1], clipf(cc, g->clip));
                    float cn = f * cp + i * cc;
                    cb[j] = cn;
                    if (P) o += P[H + j] * cn;
                    o = act_apply(&acts[0], clipf(o, g->clip));
                    hb[j] = o * act_apply(&acts[2], cn);
                }
            }
            if (y) memcpy(y + t * ystride + b * H, hb, (size_t)H * sizeof *hb);
        }
    }
}

/* Reads input i (float type) into floats, or NULL when omitted. */
static float *floats_of(const lp_tensor *t) {
    if (!t) return NULL;
    float *p = malloc((size_t)(t->numel > 0 ? t->numel : 1) * sizeof *p);
    if (p) lp_to_f32(t->dtype, t->data, p, t->numel);
    return p;
}

static int layer(lp_kctx *k, int cell) {
    const lp_tensor *X = lp_in(k, 0), *W = lp_in(k, 1), *R = lp_in(k, 2), *Bi = lp_in(k, 3);
    const lp_tensor *SL = lp_in(k, 4), *H0 = lp_in(k, 5), *C0 = cell == CELL_LSTM ? lp_in(k, 6) : NULL;
    const lp_tensor *Pp = cell == CELL_LSTM ? lp_in(k, 7) : NULL;
    if (!X || !W || !R) return lp_kfail(k, "X, W and R are required");
    lp_dtype t = X->dtype;
    if (!lp_nn_float_type(t) || W->dtype != t || R->dtype != t)
        return lp_kfail(k, "X, W and R must be float tensors of one type");
    rnn_geom g = {.cell = cell, .G = cell == CELL_RNN ? 1 : cell == CELL_GRU ? 3 : 4};
    const char *dir = lp_attr_string(k->node, "direction", "forward");
    bool fwd = !strcmp(dir, "forward"), rev = !strcmp(dir, "reverse");
    if (!fwd && !rev && strcmp(dir, "bidirectional")) return lp_kfail(k, "unknown direction '%s'", dir);
    g.dirs = fwd || rev ? 1 : 2;
    g.layout = (int)lp_attr_int(k->node, "layout", 0);
    g.H = lp_attr_int(k->node, "hidden_size", 0);
    g.clip = lp_attr_float(k->node, "clip", 0.0f);
    g.lbr = lp_attr_int(k->node, "linear_before_reset", 0) != 0;
    g.input_forget = lp_attr_int(k->node, "input_forget", 0) != 0;
    if (X->rank != 3) return lp_kbad(k, "X must be 3-D");
    g.T = X->dims[g.layout ? 1 : 0];
    g.B = X->dims[g.layout ? 0 : 1];
    g.In = X->dims[2];
    if (W->rank != 3 || W->dims[0] != g.dirs || W->dims[2] != g.In || W->dims[1] % g.G)
        return lp_kbad(k, "W must be (%d, %d*hidden, %lld)", g.dirs, g.G, (long long)g.In);
    if (g.H <= 0) g.H = W->dims[1] / g.G;
    const int64_t H = g.H, B = g.B, T = g.T, GH = g.G * H, D = g.dirs;
    if (W->dims[1] != GH || R->rank != 3 || R->dims[0] != D || R->dims[1] != GH || R->dims[2] != H)
        return lp_kbad(k, "W or R does not match hidden_size %lld", (long long)H);
    if (Bi && (Bi->dtype != t || Bi->rank != 2 || Bi->dims[0] != D || Bi->dims[1] != 2 * GH))
        return lp_kbad(k, "B must be (%lld, %lld)", (long long)D, (long long)(2 * GH));
    int64_t sdims[3] = {g.layout ? B : D, g.layout ? D : B, H};
    const lp_tensor *st[2] = {H0, C0};
    for (int i = 0; i < 2; i++)
        if (st[i] && (st[i]->dtype != t || st[i]->rank != 3 || st[i]->dims[0] != sdims[0] ||
                      st[i]->dims[1] != sdims[1] || st[i]->dims[2] != H))
            return lp_kbad(k, "the initial state must be (%lld, %lld, %lld)", (long long)sdims[0],
                           (long long)sdims[1], (long long)H);
    if (Pp && (Pp->dtype != t || Pp->rank != 2 || Pp->dims[0] != D || Pp->dims[1] != 3 * H))
        return lp_kbad(k, "P must be (%lld, %lld)", (long long)D, (long long)(3 * H));
    if (SL && (SL->rank != 1 || SL->dims[0] != B || !lp_dtype_is_int(SL->dtype)))
        return lp_kbad(k, "sequence_lens must be %lld integers", (long long)B);
    if (T > INT32_MAX || B > INT32_MAX || GH > INT32_MAX || g.In > INT32_MAX)
        return lp_kbad(k, "the layer is too large");
    act acts[6];
    int rc = read_acts(k, cell == CELL_RNN ? 1 : cell == CELL_GRU ? 2 : 3, g.dirs, acts);
    if (rc) return rc;

    int64_t ydims[4] = {T, D, B, H};
    if (g.layout) ydims[0] = B, ydims[1] = T, ydims[2] = D;
    lp_tensor *Y = lp_out_wanted(k, 0) ? lp_out(k, 0, t, 4, ydims) : NULL;
    lp_tensor *YH = lp_out_wanted(k, 1) ? lp_out(k, 1, t, 3, sdims) : NULL;
    lp_tensor *YC = cell == CELL_LSTM && lp_out_wanted(k, 2) ? lp_out(k, 2, t, 3, sdims) : NULL;
    if ((lp_out_wanted(k, 0) && !Y) || (lp_out_wanted(k, 1) && !YH) ||
        (cell == CELL_LSTM && lp_out_wanted(k, 2) && !YC))
        return LP_EFAIL;

    int64_t *lens = malloc((size_t)(B > 0 ? B : 1) * sizeof *lens);
    float *x = floats_of(X), *w = floats_of(W), *r = floats_of(R), *bias = floats_of(Bi);
    float *h0 = floats_of(H0), *c0 = floats_of(C0), *p = floats_of(Pp);
    size_t nxw, ny, nbh, nbg;
    float *xw = NULL, *h = NULL, *c = NULL, *hr = NULL, *y = NULL;
    if (lp_mul_size((size_t)T, (size_t)B, &ny) || lp_mul_size(ny, (size_t)GH, &nxw) ||
        lp_mul_size(ny, (size_t)H, &ny) || lp_mul_size((size_t)B, (size_t)H, &nbh) ||
        lp_mul_size((size_t)B, (size_t)GH, &nbg) || nxw > ((size_t)1 << 34)) {
        rc = lp_kbad(k, "the layer is too large");
        goto done;
    }
    xw = malloc((nxw ? nxw : 1) * sizeof *xw);
    y = calloc((ny ? ny : 1), sizeof *y);
    h = malloc((nbh + 1) * sizeof *h);
    c = calloc(nbh + 1, sizeof *c);
    hr = malloc((nbh + nbg + 1) * sizeof *hr);
    if (!lens || !x || !w || !r || (Bi && !bias) || (H0 && !h0) || (C0 && !c0) || (Pp && !p) || !xw ||
        !y || !h || !c || !hr) {
        rc = lp_kfail(k, "out of memory");
        goto done;
    }
    for (int64_t b = 0; b < B; b++) {
        lens[b] = SL ? lp_get_i64(SL, b) : T;
        if (lens[b] < 0 || lens[b] > T) {
            rc = lp_kbad(k, "sequence_lens[%lld] = %lld is out of range", (long long)b, (long long)lens[b]);
            goto done;
        }
    }
    if (g.layout) { /* X (B, T, I) to (T, B, I) rows */
        float *xt = malloc((size_t)(X->numel + 1) * sizeof *xt);
        if (!xt) {
            rc = lp_kfail(k, "out of memory");
            goto done;
        }
        for (int64_t b = 0; b < B; b++)
            for (int64_t s = 0; s < T; s++)
                memcpy(xt + (s * B + b) * g.In, x + (b * T + s) * g.In, (size_t)g.In * sizeof *xt);
        free(x);
        x = xt;
    }
    for (int64_t d = 0; d < D; d++) {
        bool reverse = rev || d == 1;
        const float *wd = w + d * GH * g.In, *rd = r + d * GH * H;
        const float *wb = bias ? bias + d * 2 * GH : NULL, *rb = wb ? wb + GH : NULL;
        /* all input products at once, plus the biases */
        if (T * B > 0 && GH > 0) {
            if (g.In > 0)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(T * B), (int)GH, (int)g.In,
                            1.0f, x, (int)g.In, wd, (int)g.In, 0.0f, xw, (int)GH);
            else
                memset(xw, 0, nxw * sizeof *xw);
        }
        if (wb)
            for (int64_t row = 0; row < T * B; row++)
                for (int64_t j = 0; j < GH; j++) {
                    bool inner = cell == CELL_GRU && g.lbr && j >= 2 * H; /* added after the reset */
                    xw[row * GH + j] += wb[j] + (inner ? 0 : rb[j]);
                }
        const float *rbh = cell == CELL_GRU && g.lbr && rb ? rb + 2 * H : NULL;
        float *rbh_buf = NULL;
        if (cell == CELL_GRU && g.lbr && !rbh) {
            rbh_buf = calloc((size_t)H + 1, sizeof *rbh_buf);
            if (!rbh_buf) {
                rc = lp_kfail(k, "out of memory");
                goto done;
            }
            rbh = rbh_buf;
        }
        /* the initial state */
        for (int64_t b = 0; b < B; b++)
            for (int64_t j = 0; j < H; j++) {
                int64_t si = g.layout ? (b * D + d) * H + j : (d * B + b) * H + j;
                h[b * H + j] = h0 ? h0[si] : 0.0f;
                c[b * H + j] = c0 ? c0[si] : 0.0f;
            }
        memset(y, 0, ny * sizeof *y);
        run_direction(&g, acts + d * (cell == CELL_RNN ? 1 : cell == CELL_GRU ? 2 : 3), reverse, xw,
                      rd, rbh, p ? p + d * 3 * H : NULL, lens, h, c, hr, y, B * H);
        free(rbh_buf);
        /* outputs of this direction */
        if (Y)
            for (int64_t s = 0; s < T; s++)
                for (int64_t b = 0; b < B; b++) {
                    int64_t at = g.layout ? ((b * T + s) * D + d) * H : ((s * D + d) * B + b) * H;
                    for (int64_t j = 0; j < H; j++)
                        lp_store_f64(t, Y->data, (size_t)(at + j), y[(s * B + b) * H + j]);
                }
        for (int64_t b = 0; b < B; b++)
            for (int64_t j = 0; j < H; j++) {
                int64_t si = g.layout ? (b * D + d) * H + j : (d * B + b) * H + j;
                if (YH) lp_store_f64(t, YH->data, (size_t)si, h[b * H + j]);
                if (YC) lp_store_f64(t, YC->data, (size_t)si, c[b * H + j]);
            }
    }
done:
    free(lens), free(x), free(w), free(r), free(bias), free(h0), free(c0), free(p);
    free(xw), free(y), free(h), free(c), free(hr);
    return rc;
}

int lp_k_rnn(lp_kctx *k) { return layer(k, CELL_RNN); }
int lp_k_gru(lp_kctx *k) { return layer(k, CELL_GRU); }
int lp_k_lstm(lp_kctx *k) { return layer(k, CELL_LSTM); }
