/*
** shape_nn.c — shape rules for the neural-network operators: convolutions
** and pooling (any spatial rank, auto_pad, ceil_mode), Gemm, MatMul and
** Einsum, the normalizations, recurrent layers and the attention family.
*/
#include "shape_impl.h"

#include <string.h>

typedef void (*rule_fn)(lp_infer *x);

/* ---- windows: Conv, ConvTranspose, pools ---- */

typedef struct window {
    int n; /* spatial dims */
    int64_t k[LP_MAX_RANK], s[LP_MAX_RANK], d[LP_MAX_RANK], pb[LP_MAX_RANK], pe[LP_MAX_RANK];
    bool k_known;
    const char *auto_pad;
} window;

/* Reads kernel_shape (or the weight's spatial dims), strides, dilations,
** pads and auto_pad for n spatial dims; false when they do not fit. */
static bool read_window(lp_infer *x, int n, const lp_shp *w, window *win) {
    int64_t v[2 * LP_MAX_RANK];
    memset(win, 0, sizeof *win);
    win->n = n;
    win->auto_pad = lp_attr_string(x->n, "auto_pad", "NOTSET");
    if (n < 0 || n > LP_MAX_RANK - 2) return false;
    int c = lp_sh_attr_ints(x->n, "kernel_shape", v, LP_MAX_RANK);
    if (c >= 0) {
        if (c != n) return false;
        memcpy(win->k, v, (size_t)n * sizeof *v);
        win->k_known = true;
    } else if (w && w->rank == n + 2) {
        win->k_known = true;
        for (int i = 0; i < n; i++) {
            win->k[i] = w->d[i + 2].value;
            win->k_known &= win->k[i] >= 0;
        }
    }
    for (int i = 0; i < n; i++) win->s[i] = win->d[i] = 1;
    if ((c = lp_sh_attr_ints(x->n, "strides", v, LP_MAX_RANK)) >= 0) {
        if (c != n) return false;
        memcpy(win->s, v, (size_t)n * sizeof *v);
    }
    if ((c = lp_sh_attr_ints(x->n, "dilations", v, LP_MAX_RANK)) >= 0) {
        if (c != n) return false;
        memcpy(win->d, v, (size_t)n * sizeof *v);
    }
    if ((c = lp_sh_attr_ints(x->n, "pads", v, 2 * LP_MAX_RANK)) >= 0) {
        if (c != 2 * n) return false;
        memcpy(win->pb, v, (size_t)n * sizeof *v);
        memcpy(win->pe, v + n, (size_t)n * sizeof *v);
    }
    /* bounds that keep every window formula within int64 for dims up to LP_DIM_LIMIT */
    const int64_t lim = (int64_t)1 << 31;
    for (int i = 0; i < n; i++) {
        if (win->s[i] <= 0 || win->d[i] <= 0 || win->s[i] > lim || win->d[i] > lim) return false;
        if (win->k_known && (win->k[i] <= 0 || win->k[i] > lim)) return false;
        if (win->pb[i] < -LP_DIM_LIMIT || win->pb[i] > LP_DIM_LIMIT || win->pe[i] < -LP_DIM_LIMIT ||
            win->pe[i] > LP_DIM_LIMIT)
            return false;
    }
    return true;
}

/* One output dim of a sliding window (Conv and pools). */
static lp_dim window_out(const window *w, int i, lp_dim in, bool ceil_mode) {
    if (in.value < 0 || !w->k_known) return lp_dim_unknown();
    int64_t s = w->s[i], ek = (w->k[i] - 1) * w->d[i] + 1, len = in.value, out;
    if (!strcmp(w->auto_pad, "SAME_UPPER") || !strcmp(w->auto_pad, "SAME_LOWER")) {
        out = lp_ceildiv(len, s);
    } else if (!strcmp(w->auto_pad, "VALID")) {
        out = len >= ek ? (ceil_mode ? lp_ceildiv(len - ek, s) : (len - ek) / s) + 1 : 0;
    } else {
        int64_t span = len + w->pb[i] + w->pe[i] - ek;
        if (span < 0) return lp_dim_unknown();
        out = (ceil_mode ? lp_ceildiv(span, s) : span / s) + 1;
        /* a last window starting in the end padding is dropped */
        if (ceil_mode && (out - 1) * s >= len + w->pb[i]) out--;
    }
    return lp_dim_of(out);
}

/* Conv-like: X at xin, W at win ([M, C/group, k...]), output channels W[0]. */
static void conv_like(lp_infer *x, int xin, int wi, lp_dtype elem) {
    lp_shp in, w, o = {.elem = elem};
    bool hx = lp_sh_in_shape(x, xin, &in), hw = lp_sh_in_shape(x, wi, &w);
    window win;
    if (!hx && hw) {
        lp_sh_out_rank(x, 0, elem, w.rank);
        return;
    }
    if (!hx || in.rank < 2 || !read_window(x, in.rank - 2, hw ? &w : NULL, &win)) {
        lp_sh_out_elem(x, 0, elem);
        return;
    }
    o.rank = in.rank;
    o.d[0] = in.d[0];
    o.d[1] = hw && w.rank >= 1 ? w.d[0] : lp_dim_unknown();
    for (int i = 0; i < win.n; i++) o.d[i + 2] = window_out(&win, i, in.d[i + 2], false);
    lp_sh_out_shape(x, 0, &o);
}

static void rule_conv(lp_infer *x) { conv_like(x, 0, 1, lp_sh_in_elem(x, 0)); }
static void rule_conv_integer(lp_infer *x) { conv_like(x, 0, 1, LP_INT32); }
static void rule_qlinear_conv(lp_infer *x) { conv_like(x, 0, 3, lp_sh_in_elem(x, 7)); }

static void rule_conv_transpose(lp_infer *x) {
    lp_shp in, w, o = {.elem = lp_sh_in_elem(x, 0)};
    bool hw = lp_sh_in_shape(x, 1, &w);
    window win;
    if (!lp_sh_in_shape(x, 0, &in) || in.rank < 2 ||
        !read_window(x, in.rank - 2, hw ? &w : NULL, &win)) {
        lp_sh_out_elem(x, 0, o.elem);
        return;
    }
    int n = win.n;
    int64_t group = lp_attr_int(x->n, "group", 1), os[LP_MAX_RANK + 2], op[LP_MAX_RANK];
    int nos = lp_sh_attr_ints(x->n, "output_shape", os, LP_MAX_RANK + 2);
    int nop = lp_sh_attr_ints(x->n, "output_padding", op, LP_MAX_RANK);
    o.rank = in.rank;
    o.d[0] = in.d[0];
    o.d[1] =
        hw && w.rank >= 2 && group > 0 ? lp_dim_mul(w.d[1], lp_dim_of(group)) : lp_dim_unknown();
    bool same = !strncmp(win.auto_pad, "SAME_", 5);
    for (int i = 0; i < n; i++) {
        lp_dim d = in.d[i + 2];
        if (nos == n || nos == n + 2) {
            int64_t v = os[i + nos - n];
            o.d[i + 2] = v >= 0 ? lp_dim_of(v) : lp_dim_unknown();
        } else if (d.value < 0 || (!win.k_known && !same)) {
            o.d[i + 2] = lp_dim_unknown();
        } else if (same) {
            o.d[i + 2] = lp_dim_mul(d, lp_dim_of(win.s[i]));
        } else {
            /* stride*(in-1) <= 2^71 would not fit: count in a wider type */
            int64_t pad = nop == n && op[i] >= 0 && op[i] <= LP_DIM_LIMIT ? op[i] : 0;
            __int128 v = (__int128)win.s[i] * (d.value - 1) + pad + (win.k[i] - 1) * win.d[i] + 1 -
                         win.pb[i] - win.pe[i];
            o.d[i + 2] = v >= 0 && v <= LP_DIM_LIMIT ? lp_dim_of((int64_t)v) : lp_dim_unknown();
        }
    }
    lp_sh_out_shape(x, 0, &o);
}

static void rule_pool(lp_infer *x) {
    lp_shp in;
    window win;
    bool ceil_mode = lp_attr_int(x->n, "ceil_mode", 0) != 0;
    if (!lp_sh_in_shape(x, 0, &in) || in.rank < 2 || !read_window(x, in.rank - 2, NULL, &win)) {
        lp_sh_out_elem(x, 0, in.elem);
        lp_sh_out_elem(x, 1, LP_INT64);
        return;
    }
    for (int i = 0; i < win.n; i++) in.d[i + 2] = window_out(&win, i, in.d[i + 2], ceil_mode);
    lp_sh_out_shape(x, 0, &in);
    in.elem = LP_INT64; /* MaxPool's Indices */
    lp_sh_out_shape(x, 1, &in);
}

static void rule_global_pool(lp_infer *x) {
    lp_shp in;
    if (!lp_sh_in_shape(x, 0, &in) || in.rank < 2) {
        lp_sh_out_elem(x, 0, in.elem);
        return;
    }
    for (int i = 2; i < in.rank; i++) in.d[i] = lp_dim_of(1);
    lp_sh_out_shape(x, 0, &in);
}

static void rule_deform_conv(lp_infer *x) { conv_like(x, 0, 1, lp_sh_in_elem(x, 0)); }

static void rule_max_unpool(lp_infer *x) {
    lp_shp in;
    int64_t os[LP_MAX_RANK];
    window win;
    if (!lp_sh_in_shape(x, 0, &in) || in.rank < 2) {
        lp_sh_out_elem(x, 0, in.elem);
        return;
    }
    int n = lp_sh_in_has(x, 2) ? lp_sh_in_ints(x, 2, os, LP_MAX_RANK) : -1;
    if (n == in.rank) {
        for (int i = 0; i < n; i++) in.d[i] = os[i] >= 0 ? lp_dim_of(os[i]) : lp_dim_unknown();
    } else if (!lp_sh_in_has(x, 2) && read_window(x, in.rank - 2, NULL, &win) && win.k_known) {
        for (int i = 0; i < win.n; i++) {
            lp_dim *d = &in.d[i + 2];
            __int128 v = d->value >= 0 ? (__int128)(d->value - 1) * win.s[i] + win.k[i] -
                                             win.pb[i] - win.pe[i]
                                       : -1;
            *d = v >= 0 && v <= LP_DIM_LIMIT ? lp_dim_of((int64_t)v) : lp_dim_unknown();
        }
    } else {
        for (int i = 2; i < in.rank; i++) in.d[i] = lp_dim_unknown();
    }
    lp_sh_out_shape(x, 0, &in);
}

static void rule_roi(lp_infer *x) {
    /* RoiAlign, MaxRoiPool: [num_rois, C, out_h, out_w] */
    lp_shp in, r, o = {.elem = lp_sh_in_elem(x, 0), .rank = 4};
    bool align = !strcmp(x->n->op_type, "RoiAlign");
    int64_t ps[2] = {1, 1};
    if (align) {
        ps[0] = lp_attr_int(x->n, "output_height", 1);
        ps[1] = lp_attr_int(x->n, "output_width", 1);
    } else if (lp_sh_attr_ints(x->n, "pooled_shape", ps, 2) != 2) {
        ps[0] = ps[1] = -1;
    }
    o.d[0] = lp_sh_in_shape(x, 1, &r) && r.rank == 2 ? r.d[0] : lp_dim_unknown();
    o.d[1] = lp_sh_in_shape(x, 0, &in) && in.rank == 4 ? in.d[1] : lp_dim_unknown();
    o.d[2] = ps[0] >= 0 ? lp_dim_of(ps[0]) : lp_dim_unknown();
    o.d[3] = ps[1] >= 0 ? lp_dim_of(ps[1]) : lp_dim_unknown();
    lp_sh_out_shape(x, 0, &o);
}

static void rule_col2im(lp_infer *x) {
    lp_shp in, o = {.elem = lp_sh_in_elem(x, 0)};
    int64_t img[LP_MAX_RANK], blk[LP_MAX_RANK];
    int ni = lp_sh_in_ints(x, 1, img, LP_MAX_RANK - 2),
        nb = lp_sh_in_ints(x, 2, blk, LP_MAX_RANK - 2);
    lp_shp is;
    if (ni < 0 && lp_sh_in_shape(x, 1, &is) && is.rank == 1 && is.d[0].value >= 0 &&
        is.d[0].value <= LP_MAX_RANK - 2) {
        lp_sh_out_rank(x, 0, o.elem, (int)is.d[0].value + 2);
        return;
    }
    if (!lp_sh_in_shape(x, 0, &in) || in.rank != 3 || ni < 0 || nb != ni) {
        lp_sh_out_elem(x, 0, o.elem);
        return;
    }
    int64_t prod = 1;
    for (int i = 0; i < nb; i++)
        if (blk[i] <= 0 || lp_mul_i64(prod, blk[i], &prod)) prod = -1;
    o.rank = ni + 2;
    o.d[0] = in.d[0];
    o.d[1] = prod > 0 && in.d[1].value >= 0 && in.d[1].value % prod == 0
                 ? lp_dim_of(in.d[1].value / prod)
                 : lp_dim_unknown();
    for (int i = 0; i < ni; i++) o.d[i + 2] = img[i] >= 0 ? lp_dim_of(img[i]) : lp_dim_unknown();
    lp_sh_out_shape(x, 0, &o);
}

static void rule_grid_sample(lp_infer *x) {
    lp_shp in, g, o = {.elem = lp_sh_in_elem(x, 0)};
    if (!lp_sh_in_shape(x, 0, &in) || !lp_sh_in_shape(x, 1, &g) || in.rank < 2 ||
        g.rank != in.rank) {
        lp_sh_out_rank(x, 0, o.elem, lp_sh_in_rank(x, 0));
        return;
    }
    o.rank = in.rank;
    o.d[0] = lp_dim_merge(in.d[0], g.d[0]);
    o.d[1] = in.d[1];
    for (int i = 2; i < o.rank; i++) o.d[i] = g.d[i - 1];
    lp_sh_out_shape(x, 0, &o);
}

static void rule_affine_grid(lp_infer *x) {
    int64_t size[LP_MAX_RANK];
    int n = lp_sh_in_ints(x, 1, size, LP_MAX_RANK - 1);
    lp_shp o = {.elem = lp_sh_in_elem(x, 0)}, ss;
    if (n < 0 && lp_sh_in_shape(x, 1, &ss) && ss.rank == 1 &&
        (ss.d[0].value == 4 || ss.d[0].value == 5)) {
        lp_sh_out_rank(x, 0, o.elem, (int)ss.d[0].value);
        return;
    }
    if (n != 4 && n != 5) {
        lp_sh_out_elem(x, 0, o.elem);
        return;
    }
    o.rank = n;
    o.d[0] = size[0] >= 0 ? lp_dim_of(size[0]) : lp_dim_unknown();
    for (int i = 2; i < n; i++) o.d[i - 1] = size[i] >= 0 ? lp_dim_of(size[i]) : lp_dim_unknown();
    o.d[n - 1] = lp_dim_of(n - 2);
    lp_sh_out_shape(x, 0, &o);
}

/* ---- matrix products ---- */

static void matmul_like(lp_infer *x, int ai, int bi, lp_dtype elem) {
    lp_shp a, b, o = {.elem = elem};
    if (!lp_sh_in_shape(x, ai, &a) || !lp_sh_in_shape(x, bi, &b) || a.rank < 1 || b.rank < 1) {
        lp_sh_out_elem(x, 0, elem);
        return;
    }
    lp_shp ba = {.rank = a.rank >= 2 ? a.rank - 2 : 0}, bb = {.rank = b.rank >= 2 ? b.rank - 2 : 0};
    memcpy(ba.d, a.d, (size_t)ba.rank * sizeof *a.d);
    memcpy(bb.d, b.d, (size_t)bb.rank * sizeof *b.d);
    lp_shp_broadcast(&ba, &bb, &o);
    o.elem = elem;
    if (a.rank >= 2) o.d[o.rank++] = a.d[a.rank - 2];
    if (b.rank >= 2) o.d[o.rank++] = b.d[b.rank - 1];
    lp_sh_out_shape(x, 0, &o);
}

static void rule_matmul(lp_infer *x) { matmul_like(x, 0, 1, lp_sh_in_elem(x, 0)); }
static void rule_matmul_integer(lp_infer *x) { matmul_like(x, 0, 1, LP_INT32); }
static void rule_qlinear_matmul(lp_infer *x) { matmul_like(x, 0, 3, lp_sh_in_elem(x, 7)); }

static void rule_gemm(lp_infer *x) {
    lp_shp a, b,
        o = {.elem = lp_sh_in_elem(x, 0), .rank = 2, .d = {lp_dim_unknown(), lp_dim_unknown()}};
    bool ta = lp_attr_int(x->n, "transA", 0) != 0, tb = lp_attr_int(x->n, "transB", 0) != 0;
    if (lp_sh_in_shape(x, 0, &a) && a.rank == 2) o.d[0] = a.d[ta ? 1 : 0];
    if (lp_sh_in_shape(x, 1, &b) && b.rank == 2) o.d[1] = b.d[tb ? 0 : 1];
    lp_sh_out_shape(x, 0, &o);
}

/* Einsum: letters map to dims; "..." broadcasts; the implicit output is the
** ellipsis then the letters seen once, in order. */
static int einsum_letter(char c) {
    if (c >= 'a' && c <= 'z') return c - 'a';
    if (c >= 'A' && c <= 'Z') return 26 + c - 'A';
    return -1;
}

static void rule_einsum(lp_infer *x) {
    const char *eq = lp_attr_string(x->n, "equation", NULL);
    lp_shp o = {.elem = lp_sh_in_elem(x, 0)};
    lp_dim dims[52];
    int count[52] = {0};
    lp_shp ell = {.rank = 0};
    bool ok = eq != NULL;
    for (int i = 0; i < 52; i++) dims[i] = lp_dim_unknown();
    const char *p = eq;
    int k = 0;
    for (; ok && k < x->n->n_inputs; k++) {
        lp_shp s;
        if (!lp_sh_in_shape(x, k, &s)) ok = false;
        int letters = 0, ell_at = -1;
        const char *q = p;
        for (; ok && *q && *q != ',' && *q != '-'; q++) {
            if (*q == '.') {
                if (strncmp(q, "...", 3) || ell_at >= 0) ok = false;
                ell_at = letters;
                q += 2;
            } else if (einsum_letter(*q) >= 0) {
                letters++;
            } else if (*q != ' ') {
                ok = false;
            }
        }
        int n_ell = ok ? s.rank - letters : -1;
        if (n_ell < 0 || (ell_at < 0 && n_ell) || n_ell > LP_MAX_RANK) ok = false;
        int di = 0;
        for (const char *r = p; ok && r < q; r++) {
            if (*r == '.') {
                lp_shp e = {.rank = n_ell};
                memcpy(e.d, s.d + di, (size_t)n_ell * sizeof *e.d);
                lp_shp_broadcast(&ell, &e, &ell);
                di += n_ell;
                r += 2;
            } else if (einsum_letter(*r) >= 0) {
                int l = einsum_letter(*r);
                dims[l] = count[l] ? lp_dim_broadcast(dims[l], s.d[di]) : s.d[di];
                count[l]++;
                di++;
            }
        }
        p = *q == ',' ? q + 1 : q;
        if (*q != ',' && k + 1 < x->n->n_inputs) ok = false;
    }
    const char *arrow = ok ? strstr(eq, "->") : NULL;
    if (ok && arrow) {
        for (const char *r = arrow + 2; ok && *r; r++) {
            int l = einsum_letter(*r);
            if (*r == '.') {
                if (strncmp(r, "...", 3) || o.rank + ell.rank > LP_MAX_RANK)
                    ok = false;
                else
                    memcpy(o.d + o.rank, ell.d, (size_t)ell.rank * sizeof *o.d), o.rank += ell.rank;
                r += 2;
            } else if (l >= 0 && count[l] && o.rank < LP_MAX_RANK) {
                o.d[o.rank++] = dims[l];
            } else if (*r != ' ') {
                ok = false;
            }
        }
    } else if (ok) {
        o.rank = ell.rank;
        memcpy(o.d, ell.d, (size_t)ell.rank * sizeof *o.d);
        for (int l = 0; l < 52 && ok; l++)
            if (count[l] == 1) {
                if (o.rank >= LP_MAX_RANK)
                    ok = false;
                else
                    o.d[o.rank++] = dims[l];
            }
    }
    if (!ok) o.rank = -1;
    lp_sh_out_shape(x, 0, &o);
}

/* ---- normalizations ---- */

static void rule_batch_norm(lp_infer *x) {
    lp_shp in, c = {.elem = lp_sh_in_elem(x, 0), .rank = 1, .d = {lp_dim_unknown()}};
    lp_sh_out_like(x, 0, 0);
    if (lp_sh_in_shape(x, 0, &in) && in.rank >= 2) c.d[0] = in.d[1];
    for (int k = 1; k < x->n->n_outputs; k++) lp_sh_out_shape(x, k, &c);
}

static void rule_layer_norm(lp_infer *x) {
    lp_shp in;
    int a;
    lp_sh_out_like(x, 0, 0);
    int64_t st = lp_attr_int(x->n, "stash_type", LP_FLOAT);
    lp_dtype e = lp_dtype_valid((int)st) ? (lp_dtype)st : LP_FLOAT;
    if (!lp_sh_in_shape(x, 0, &in) || !lp_sh_axis(lp_attr_int(x->n, "axis", -1), in.rank, &a)) {
        lp_sh_out_elem(x, 1, e);
        lp_sh_out_elem(x, 2, e);
        return;
    }
    for (int i = a; i < in.rank; i++) in.d[i] = lp_dim_of(1);
    in.elem = e;
    lp_sh_out_shape(x, 1, &in);
    lp_sh_out_shape(x, 2, &in);
}

/* ---- recurrent layers ---- */

static void rule_rnn(lp_infer *x) {
    lp_shp in, r;
    lp_dtype e = lp_sh_in_elem(x, 0);
    int64_t layout = lp_attr_int(x->n, "layout", 0);
    lp_dim nd =
        lp_dim_of(!strcmp(lp_attr_string(x->n, "direction", "forward"), "bidirectional") ? 2 : 1);
    int64_t hs = lp_attr_int(x->n, "hidden_size", -1);
    lp_dim h = hs >= 0                                   ? lp_dim_of(hs)
               : lp_sh_in_shape(x, 2, &r) && r.rank == 3 ? r.d[2]
                                                         : lp_dim_unknown();
    if (!lp_sh_in_shape(x, 0, &in) || in.rank != 3) {
        for (int k = 0; k < x->n->n_outputs; k++) lp_sh_out_rank(x, k, e, k == 0 ? 4 : 3);
        return;
    }
    lp_dim seq = in.d[layout ? 1 : 0], batch = in.d[layout ? 0 : 1];
    lp_shp y = {.elem = e, .rank = 4}, yh = {.elem = e, .rank = 3};
    if (layout) {
        y.d[0] = batch, y.d[1] = seq, y.d[2] = nd, y.d[3] = h;
        yh.d[0] = batch, yh.d[1] = nd, yh.d[2] = h;
    } else {
        y.d[0] = seq, y.d[1] = nd, y.d[2] = batch, y.d[3] = h;
        yh.d[0] = nd, yh.d[1] = batch, yh.d[2] = h;
    }
    lp_sh_out_shape(x, 0, &y);
    for (int k = 1; k < x->n->n_outputs; k++) lp_sh_out_shape(x, k, &yh);
}

/* ---- attention (ai.onnx 23) ---- */

static void rule_attention(lp_infer *x) {
    lp_shp q, k, v, pk, o = {.elem = lp_sh_in_elem(x, 0)};
    if (!lp_sh_in_shape(x, 0, &q) || !lp_sh_in_shape(x, 1, &k) || !lp_sh_in_shape(x, 2, &v) ||
        (q.rank != 3 && q.rank != 4) || k.rank != q.rank || v.rank != q.rank) {
        lp_sh_out_like(x, 0, 0);
        return;
    }
    int64_t qh = lp_attr_int(x->n, "q_num_heads", 0), kvh = lp_attr_int(x->n, "kv_num_heads", 0);
    lp_dim heads_q, heads_kv, hd, vhd, qs = q.d[q.rank - 2], kvs = k.d[k.rank - 2];
    if (q.rank == 4) {
        heads_q = q.d[1], heads_kv = k.d[1], hd = k.d[3], vhd = v.d[3];
        o = q;
        o.d[3] = vhd;
    } else {
        heads_q = qh > 0 ? lp_dim_of(qh) : lp_dim_unknown();
        heads_kv = kvh > 0 ? lp_dim_of(kvh) : lp_dim_unknown();
        hd = kvh > 0 && k.d[2].value >= 0 ? lp_dim_of(k.d[2].value / kvh) : lp_dim_unknown();
        vhd = kvh > 0 && v.d[2].value >= 0 ? lp_dim_of(v.d[2].value / kvh) : lp_dim_unknown();
        o = q;
        o.d[2] = lp_dim_mul(heads_q, vhd);
    }
    lp_sh_out_shape(x, 0, &o);
    lp_dim total = kvs;
    if (lp_sh_in_has(x, 4))
        total =
            lp_sh_in_shape(x, 4, &pk) && pk.rank == 4 ? lp_dim_add(pk.d[2], kvs) : lp_dim_unknown();
    lp_shp pres = {.elem = o.elem, .rank = 4, .d = {q.d[0], heads_kv, total, hd}};
    lp_sh_out_shape(x, 1, &pres);
    pres.d[3] = vhd;
    lp_sh_out_shape(x, 2, &pres);
    lp_shp qk = {.elem = o.elem, .rank = 4, .d = {q.d[0], heads_q, qs, total}};
    lp_sh_out_shape(x, 3, &qk);
}

/* CausalConvWithState (ai.onnx 27): output like the input, state [B, C, k-1]. */
static void rule_causal_conv(lp_infer *x) {
    lp_shp in, w,
        st = {.elem = lp_sh_in_elem(x, 0),
              .rank = 3,
              .d = {lp_dim_unknown(), lp_dim_unknown(), lp_dim_unknown()}};
    lp_sh_out_like(x, 0, 0);
    if (lp_sh_in_shape(x, 0, &in) && in.rank == 3) st.d[0] = in.d[0], st.d[1] = in.d[1];
    if (lp_sh_in_shape(x, 1, &w) && w.rank == 3 && w.d[2].value >= 1)
        st.d[2] = lp_dim_of(w.d[2].value - 1);
    lp_sh_out_shape(x, 1, &st);
}

/* LinearAttention (ai.onnx 27): packed heads [B, T, H*d]; state [B, H_kv, d_k, d_v]. */
static void rule_linear_attention(lp_infer *x) {
    lp_shp q, k, v;
    int64_t qh = lp_attr_int(x->n, "q_num_heads", 0), kvh = lp_attr_int(x->n, "kv_num_heads", 0);
    if (!lp_sh_in_shape(x, 0, &q) || !lp_sh_in_shape(x, 1, &k) || !lp_sh_in_shape(x, 2, &v) ||
        q.rank != 3 || k.rank != 3 || v.rank != 3 || qh <= 0 || kvh <= 0) {
        lp_sh_out_rank(x, 0, lp_sh_in_elem(x, 0), 3);
        lp_sh_out_rank(x, 1, lp_sh_in_elem(x, 0), 4);
        return;
    }
    lp_dim dk = k.d[2].value >= 0 ? lp_dim_of(k.d[2].value / kvh) : lp_dim_unknown();
    lp_dim dv = v.d[2].value >= 0 ? lp_dim_of(v.d[2].value / kvh) : lp_dim_unknown();
    lp_shp o = q;
    o.d[2] = lp_dim_mul(lp_dim_of(qh), dv);
    lp_sh_out_shape(x, 0, &o);
    lp_shp st = {.elem = q.elem, .rank = 4, .d = {q.d[0], lp_dim_of(kvh), dk, dv}};
    lp_sh_out_shape(x, 1, &st);
}

static void rule_same(lp_infer *x) { lp_sh_out_like(x, 0, 0); }

static const struct {
    const char *op;
    rule_fn fn;
} rules[] = {
    {"Conv", rule_conv},
    {"ConvInteger", rule_conv_integer},
    {"QLinearConv", rule_qlinear_conv},
    {"ConvTranspose", rule_conv_transpose},
    {"DeformConv", rule_deform_conv},
    {"MaxPool", rule_pool},
    {"AveragePool", rule_pool},
    {"LpPool", rule_pool},
    {"GlobalAveragePool", rule_global_pool},
    {"GlobalMaxPool", rule_global_pool},
    {"GlobalLpPool", rule_global_pool},
    {"MaxUnpool", rule_max_unpool},
    {"RoiAlign", rule_roi},
    {"MaxRoiPool", rule_roi},
    {"Col2Im", rule_col2im},
    {"GridSample", rule_grid_sample},
    {"AffineGrid", rule_affine_grid},
    {"MatMul", rule_matmul},
    {"MatMulInteger", rule_matmul_integer},
    {"QLinearMatMul", rule_qlinear_matmul},
    {"Gemm", rule_gemm},
    {"Einsum", rule_einsum},
    {"BatchNormalization", rule_batch_norm},
    {"LayerNormalization", rule_layer_norm},
    {"InstanceNormalization", rule_batch_norm},
    {"GroupNormalization", rule_batch_norm},
    {"RMSNormalization", rule_layer_norm},
    {"LSTM", rule_rnn},
    {"GRU", rule_rnn},
    {"RNN", rule_rnn},
    {"Attention", rule_attention},
    {"CausalConvWithState", rule_causal_conv},
    {"LinearAttention", rule_linear_attention},
    {"SwiGLU", rule_same},
    {"FusedConv", rule_conv}, /* com.microsoft, by way of lp_shape_rule_onnx */
    {"FusedGemm", rule_gemm},
};

bool lp_shape_rule_nn(lp_infer *x) {
    for (size_t i = 0; i < LP_COUNT(rules); i++)
        if (!strcmp(x->n->op_type, rules[i].op)) {
            rules[i].fn(x);
            return true;
        }
    return false;
}
