/*
** pool.c — pooling: MaxPool (with indices), AveragePool, LpPool, their
** Global forms, MaxUnpool, MaxRoiPool and RoiAlign.
**
** Windows are walked with the normalised 3-D geometry of nn.h. An output
** row takes two sweeps: the window's input rows (over depth and height) are
** reduced column by column, one row per sweep, into a row padded at both
** ends with the reduction's identity; then that row is reduced window by
** window (3x3 stride 2 and 1 and 2x2 stride 2 have loops of their own), so
** no tap is bounds-checked and the compiler vectorises both sweeps. A window
** over the whole plane and the Global pools are plain reductions; MaxPool's
** Indices take one window at a time. Channel planes are split over the
** worker pool when there is enough work. Padding never contributes a value:
** MaxPool ignores it (and NaN, like the reference: v > m ? v : m from -inf),
** AveragePool counts it only with count_include_pad, LpPool skips it.
** Integer MaxPool (int8/uint8) is exact through float.
*/
#include "ops/nn.h"
#include "ops/parallel.h"

#include <float.h>
#include <math.h>
#include <string.h>

LP_NN_VECTORIZE

/* The row loops are also compiled for AVX2, picked at load time when the
** CPU has it (as ew.h does for element-wise loops). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define POOL_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define POOL_CLONES
#endif

enum { POOL_MAX, POOL_AVG, POOL_LP };

/* Kernel taps kk in [0, K) with lo <= start + kk*d < hi: [*a, *b). */
static void tap_range(int64_t start, int64_t K, int64_t d, int64_t lo, int64_t hi, int64_t *a,
                      int64_t *b) {
    int64_t x, y;
    if (d == 1) { /* the common case, once per output row: no division */
        x = start < lo ? lo - start : 0;
        y = hi - start <= 0 ? 0 : hi - start;
    } else {
        x = start < lo ? (lo - start + d - 1) / d : 0;
        y = hi - start <= 0 ? 0 : (hi - start + d - 1) / d;
    }
    if (y > K) y = K;
    if (x > y) x = y;
    *a = x;
    *b = y;
}

/* For each output column, how many kernel columns land in [lo, hi). */
static void column_counts(const lp_window *w, int64_t lo, int64_t hi, float *cnt) {
    for (int64_t ow = 0; ow < w->out[2]; ow++) {
        int64_t a, b;
        tap_range(ow * w->s[2] - w->pb[2], w->k[2], w->d[2], lo, hi, &a, &b);
        cnt[ow] = (float)(b - a);
    }
}

typedef struct pool_args {
    int kind;
    float p;          /* LpPool */
    bool include_pad; /* AveragePool */
} pool_args;

/* MaxPool with the Indices output: one window at a time. Indices count over
** the whole input, in row-major (or with storage_order 1, column-major)
** order within each plane. */
static void maxpool_indices(const lp_window *w, const float *x, float *y, int64_t *idx,
                            int64_t plane_off, bool colmajor) {
    const int64_t ID = w->in[0], IH = w->in[1], IW = w->in[2];
    for (int64_t od = 0; od < w->out[0]; od++)
        for (int64_t oh = 0; oh < w->out[1]; oh++)
            for (int64_t ow = 0; ow < w->out[2]; ow++) {
                int64_t s[3] = {od * w->s[0] - w->pb[0], oh * w->s[1] - w->pb[1],
                                ow * w->s[2] - w->pb[2]};
                int64_t a[3], b[3];
                for (int i = 0; i < 3; i++)
                    tap_range(s[i], w->k[i], w->d[i], 0, w->in[i], &a[i], &b[i]);
                float best = -INFINITY;
                int64_t at = -1;
                for (int64_t kd = a[0]; kd < b[0]; kd++)
                    for (int64_t kh = a[1]; kh < b[1]; kh++)
                        for (int64_t kw = a[2]; kw < b[2]; kw++) {
                            int64_t id = s[0] + kd * w->d[0], ih = s[1] + kh * w->d[1];
                            int64_t iw = s[2] + kw * w->d[2];
                            float v = x[(id * IH + ih) * IW + iw];
                            if (v > best || at < 0) {
                                best = v;
                                at = colmajor ? id + ID * (ih + IH * iw) : (id * IH + ih) * IW + iw;
                            }
                        }
                int64_t o = (od * w->out[1] + oh) * w->out[2] + ow;
                y[o] = best;
                idx[o] = at < 0 ? 0 : plane_off + at;
            }
}

/* ---- a plane at a time ---- */

/* At most this many kernel rows are gathered before they are reduced. */
#define ROW_BATCH 64

/* t[i] over n input rows r[0..n) at column i, i in [0, IW): the max, the
** sum, or (LpPool) the sum of |v|^p. `first` starts t afresh, else the rows
** are added to what t holds. One row per sweep: consecutive kernel rows are
** consecutive in memory, so the input is read as one stream (sweeping two
** rows side by side measured twice as slow). */
POOL_CLONES static void reduce_rows(const pool_args *pa, const float *const *r, int n, bool first,
                                    int64_t IW, float *t) {
    if (first && n == 0) { /* no row of the window inside the input */
        for (int64_t i = 0; i < IW; i++) t[i] = pa->kind == POOL_MAX ? -INFINITY : 0.0f;
        return;
    }
    bool sq = pa->kind == POOL_LP && pa->p == 2.0f;
    for (int j = 0; j < n; j++) {
        const float *a = r[j];
        if (pa->kind == POOL_MAX && first && j == 0)
            for (int64_t i = 0; i < IW; i++) t[i] = a[i] > -INFINITY ? a[i] : -INFINITY;
        else if (pa->kind == POOL_MAX)
            for (int64_t i = 0; i < IW; i++) t[i] = a[i] > t[i] ? a[i] : t[i];
        else if (pa->kind == POOL_AVG && first && j == 0)
            memcpy(t, a, (size_t)IW * sizeof *t);
        else if (pa->kind == POOL_AVG)
            for (int64_t i = 0; i < IW; i++) t[i] += a[i];
        else if (first && j == 0)
            for (int64_t i = 0; i < IW; i++) t[i] = sq ? a[i] * a[i] : powf(fabsf(a[i]), pa->p);
        else if (sq)
            for (int64_t i = 0; i < IW; i++) t[i] += a[i] * a[i];
        else
            for (int64_t i = 0; i < IW; i++) t[i] += powf(fabsf(a[i]), pa->p);
    }
}

/* o[j] over the window t[j*s + kw*d], kw in [0, K), of a row padded with
** the reduction's identity: no tap needs a bounds check. */
POOL_CLONES static void reduce_windows(bool max, const float *t, int64_t K, int64_t s, int64_t d,
                                       float *o, int64_t n) {
    if (max && d == 1 && K == 3 && s == 2) {
        for (int64_t j = 0; j < n; j++) {
            float a = t[2 * j], b = t[2 * j + 1], c = t[2 * j + 2], m = -INFINITY;
            m = a > m ? a : m;
            m = b > m ? b : m;
            o[j] = c > m ? c : m;
        }
    } else if (max && d == 1 && K == 3 && s == 1) {
        for (int64_t j = 0; j < n; j++) {
            float m = -INFINITY;
            m = t[j] > m ? t[j] : m;
            m = t[j + 1] > m ? t[j + 1] : m;
            o[j] = t[j + 2] > m ? t[j + 2] : m;
        }
    } else if (max && d == 1 && K == 2 && s == 2) {
        for (int64_t j = 0; j < n; j++) {
            float a = t[2 * j], b = t[2 * j + 1], m = -INFINITY;
            m = a > m ? a : m;
            o[j] = b > m ? b : m;
        }
    } else if (!max && d == 1 && K == 3 && s == 2) {
        for (int64_t j = 0; j < n; j++) o[j] = t[2 * j] + t[2 * j + 1] + t[2 * j + 2];
    } else if (!max && d == 1 && K == 3 && s == 1) {
        for (int64_t j = 0; j < n; j++) o[j] = t[j] + t[j + 1] + t[j + 2];
    } else if (!max && d == 1 && K == 2 && s == 2) {
        for (int64_t j = 0; j < n; j++) o[j] = t[2 * j] + t[2 * j + 1];
    } else {
        float init = max ? -INFINITY : 0.0f;
        for (int64_t j = 0; j < n; j++) o[j] = init;
        for (int64_t kw = 0; kw < K; kw++) {
            const float *q = t + kw * d;
            if (max && s == 1)
                for (int64_t j = 0; j < n; j++) o[j] = q[j] > o[j] ? q[j] : o[j];
            else if (max)
                for (int64_t j = 0; j < n; j++) o[j] = q[j * s] > o[j] ? q[j * s] : o[j];
            else if (s == 1)
                for (int64_t j = 0; j < n; j++) o[j] += q[j];
            else
                for (int64_t j = 0; j < n; j++) o[j] += q[j * s];
        }
    }
}

/* The max (NaN ignored) of n contiguous floats, in 16 lanes. */
POOL_CLONES static float plane_max(const float *s, int64_t n) {
    float m[16], r = -INFINITY;
    for (int l = 0; l < 16; l++) m[l] = -INFINITY;
    int64_t j = 0;
    for (; j + 16 <= n; j += 16)
        for (int l = 0; l < 16; l++) m[l] = s[j + l] > m[l] ? s[j + l] : m[l];
    for (; j < n; j++) r = s[j] > r ? s[j] : r;
    for (int l = 0; l < 16; l++) r = m[l] > r ? m[l] : r;
    return r;
}

/* The sum of n contiguous floats, in 16 double lanes. */
POOL_CLONES static double plane_sum(const float *s, int64_t n) {
    double a[16] = {0}, r = 0;
    int64_t j = 0;
    for (; j + 16 <= n; j += 16)
        for (int l = 0; l < 16; l++) a[l] += s[j + l];
    for (; j < n; j++) r += s[j];
    for (int l = 0; l < 16; l++) r += a[l];
    return r;
}

/* What one pooling run shares with the threads that split its planes. */
typedef struct pool_job {
    const lp_window *w;
    const pool_args *pa;
    const float *x;
    float *y;
    const float *cnt, *cnt_pad; /* column_counts over the input and the padded extent */
    int64_t *idx;               /* MaxPool's Indices, or NULL */
    bool colmajor;
    bool whole; /* one window over the whole plane: a plain reduction */
    int64_t planes, pin, pout;
    float *rows; /* a padded row per thread */
    int64_t row_len;
    float *planes3; /* a padded plane per thread (pool3), PH x PW */
    int64_t ph, pw;
} pool_job;

/* An AveragePool output row whose windows start at depth sd, height sh,
** divided by each window's tap count: the window's rows inside the input
** (or inside the padded extent, with count_include_pad) times each column's
** count. No tap counted leaves 0 / 0, NaN. */
static void divide_avg_row(const pool_job *jb, int64_t sd, int64_t sh, float *o) {
    const lp_window *w = jb->w;
    bool pad = jb->pa->include_pad;
    int64_t a0, a1, b0, b1;
    tap_range(sd, w->k[0], w->d[0], pad ? -w->pb[0] : 0, w->in[0] + (pad ? w->pe[0] : 0), &a0, &a1);
    tap_range(sh, w->k[1], w->d[1], pad ? -w->pb[1] : 0, w->in[1] + (pad ? w->pe[1] : 0), &b0, &b1);
    float nrows = (float)((a1 - a0) * (b1 - b0));
    const float *c = pad ? jb->cnt_pad : jb->cnt;
    for (int64_t ow = 0; ow < w->out[2]; ow++) o[ow] /= nrows * c[ow];
}

/* ---- 3x3 windows over a padded plane ---- */

/* 3x3 windows, undilated, stride 1 or 2, on 2-D planes, MaxPool (without
** Indices) or AveragePool: the plane is copied once into a padded plane
** with the reduction's identity around it, and each output row is one
** straight loop with no bounds checks and no calls. Small planes (the 28x28
** to 7x7 maps of inception modules) need this: the general path's setup per
** output row cost more than the row itself. */
static bool pool3_fits(const lp_window *w, const pool_args *pa, bool idx) {
    return !idx && pa->kind != POOL_LP && w->in[0] == 1 && w->k[0] == 1 && w->k[1] == 3 &&
           w->k[2] == 3 && w->d[1] == 1 && w->d[2] == 1 && w->s[1] == w->s[2] &&
           (w->s[1] == 1 || w->s[1] == 2);
}

/* One output row from padded rows r0..r2; the sums add rows first, then
** columns, in the order the general path does, so both round alike. */
static inline void pool3_row(bool max, const float *restrict r0, const float *restrict r1,
                             const float *restrict r2, float *restrict o, int64_t OW, int64_t s) {
    if (max) {
        for (int64_t ow = 0; ow < OW; ow++) {
            int64_t i = ow * s;
            float m = -INFINITY;
            m = r0[i] > m ? r0[i] : m;
            m = r1[i] > m ? r1[i] : m;
            m = r2[i] > m ? r2[i] : m;
            m = r0[i + 1] > m ? r0[i + 1] : m;
            m = r1[i + 1] > m ? r1[i + 1] : m;
            m = r2[i + 1] > m ? r2[i + 1] : m;
            m = r0[i + 2] > m ? r0[i + 2] : m;
            m = r1[i + 2] > m ? r1[i + 2] : m;
            o[ow] = r2[i + 2] > m ? r2[i + 2] : m;
        }
    } else {
        for (int64_t ow = 0; ow < OW; ow++) {
            int64_t i = ow * s;
            float a = r0[i] + r1[i] + r2[i], b = r0[i + 1] + r1[i + 1] + r2[i + 1];
            float c = r0[i + 2] + r1[i + 2] + r2[i + 2];
            o[ow] = a + b + c;
        }
    }
}

static void pool3_plane(const pool_job *jb, const float *x, float *y, float *pad) {
    const lp_window *w = jb->w;
    const int64_t IH = w->in[1], IW = w->in[2], OH = w->out[1], OW = w->out[2];
    const int64_t PH = jb->ph, PW = jb->pw, s = w->s[1], pt = w->pb[1], pl = w->pb[2];
    const bool max = jb->pa->kind == POOL_MAX;
    /* the border holds the identity already; the inside is this plane */
    int64_t cols = IW < PW - pl ? IW : PW - pl;
    for (int64_t ih = 0; ih < IH && ih + pt < PH; ih++)
        memcpy(pad + (ih + pt) * PW + pl, x + ih * IW, (size_t)cols * sizeof *pad);
    for (int64_t oh = 0; oh < OH; oh++) {
        const float *r0 = pad + oh * s * PW;
        float *o = y + oh * OW;
        if (s == 1)
            pool3_row(max, r0, r0 + PW, r0 + 2 * PW, o, OW, 1);
        else
            pool3_row(max, r0, r0 + PW, r0 + 2 * PW, o, OW, 2);
        if (!max) divide_avg_row(jb, -w->pb[0], oh * s - pt, o);
    }
}

/* One channel plane: x is the input grid, y the output grid; row is this
** thread's padded row, its ends already holding the identity. */
static void pool_plane(const pool_job *jb, const float *x, float *y, float *row) {
    const lp_window *w = jb->w;
    const pool_args *pa = jb->pa;
    const int64_t IH = w->in[1], IW = w->in[2], OH = w->out[1], OW = w->out[2];
    const float *rows[ROW_BATCH];
    float *t = row + w->pb[2]; /* where the input's columns go */
    for (int64_t od = 0; od < w->out[0]; od++)
        for (int64_t oh = 0; oh < OH; oh++) {
            int64_t sd = od * w->s[0] - w->pb[0], sh = oh * w->s[1] - w->pb[1], d0, d1, h0, h1;
            tap_range(sd, w->k[0], w->d[0], 0, w->in[0], &d0, &d1);
            tap_range(sh, w->k[1], w->d[1], 0, IH, &h0, &h1);
            int n = 0;
            bool first = true;
            for (int64_t kd = d0; kd < d1; kd++)
                for (int64_t kh = h0; kh < h1; kh++) {
                    rows[n++] = x + ((sd + kd * w->d[0]) * IH + sh + kh * w->d[1]) * IW;
                    if (n == ROW_BATCH) {
                        reduce_rows(pa, rows, n, first, IW, t);
                        first = false;
                        n = 0;
                    }
                }
            if (n || first) reduce_rows(pa, rows, n, first, IW, t);
            float *o = y + (od * OH + oh) * OW;
            reduce_windows(pa->kind == POOL_MAX, row, w->k[2], w->s[2], w->d[2], o, OW);
            if (pa->kind == POOL_AVG) {
                divide_avg_row(jb, sd, sh, o);
            } else if (pa->kind == POOL_LP) {
                if (pa->p == 2.0f)
                    for (int64_t ow = 0; ow < OW; ow++) o[ow] = sqrtf(o[ow]);
                else
                    for (int64_t ow = 0; ow < OW; ow++) o[ow] = powf(o[ow], 1.0f / pa->p);
            }
        }
}

/* Planes [planes*t/nt, planes*(t+1)/nt) of a pooling run. */
static void pool_part(void *ctx, int t, int nt) {
    const pool_job *jb = ctx;
    const lp_window *w = jb->w;
    float *row = jb->rows + t * jb->row_len;
    float identity = jb->pa->kind == POOL_MAX ? -INFINITY : 0.0f;
    for (int64_t i = 0; i < jb->row_len; i++) row[i] = identity;
    if (jb->planes3) /* the padded plane's border, once; planes only fill the inside */
        for (int64_t i = 0; i < jb->ph * jb->pw; i++)
            jb->planes3[t * jb->ph * jb->pw + i] = identity;
    for (int64_t i = jb->planes * t / nt; i < jb->planes * (t + 1) / nt; i++) {
        const float *x = jb->x + i * jb->pin;
        float *y = jb->y + i * jb->pout;
        if (jb->idx)
            maxpool_indices(w, x, y, jb->idx + i * jb->pout, i * jb->pin, jb->colmajor);
        else if (jb->whole && jb->pa->kind == POOL_MAX)
            *y = plane_max(x, jb->pin);
        else if (jb->whole)
            *y = (float)(plane_sum(x, jb->pin) / (double)jb->pin);
        else if (jb->planes3)
            pool3_plane(jb, x, y, jb->planes3 + t * jb->ph * jb->pw);
        else
            pool_plane(jb, x, y, row);
    }
}

static int pool_run(lp_kctx *k, const pool_args *pa) {
    const lp_tensor *X = lp_in(k, 0);
    if (!X) return lp_kfail(k, "input X is required");
    bool ints = pa->kind == POOL_MAX && (X->dtype == LP_INT8 || X->dtype == LP_UINT8);
    if (!lp_nn_float_type(X->dtype) && !ints)
        return lp_kfail(k, "%s inputs are not supported", lp_dtype_name(X->dtype));
    if (X->rank < 3) return lp_kbad(k, "X must have rank 3 or more, not %d", X->rank);
    lp_window w;
    int rc = lp_window_init(k, &w, X->rank - 2, X->dims + 2, NULL, true);
    if (rc) return rc;
    int64_t dims[2 + LP_WIN_DIMS] = {X->dims[0], X->dims[1]};
    for (int i = 0; i < w.nd; i++) dims[2 + i] = w.out[LP_WIN_DIMS - w.nd + i];
    lp_tensor *Y = lp_out(k, 0, X->dtype, X->rank, dims);
    if (!Y) return LP_EFAIL;
    bool want_idx = pa->kind == POOL_MAX && lp_out_wanted(k, 1);
    lp_tensor *I = want_idx ? lp_out(k, 1, LP_INT64, X->rank, dims) : NULL;
    if (want_idx && !I) return LP_EFAIL;
    pool_job jb = {.w = &w,
                   .pa = pa,
                   .idx = want_idx ? I->data : NULL,
                   .colmajor = lp_attr_int(k->node, "storage_order", 0) != 0,
                   .planes = X->dims[0] * X->dims[1],
                   .pin = lp_window_in_size(&w),
                   .pout = lp_window_out_size(&w)};
    /* a window that is the whole plane (7x7 over 7x7 closing a ResNet) */
    jb.whole = pa->kind != POOL_LP && jb.pout == 1;
    for (int i = 0; i < LP_WIN_DIMS; i++)
        jb.whole &= w.k[i] == w.in[i] && w.d[i] == 1 && w.pb[i] == 0 && w.pe[i] == 0;
    /* the padded row: room for the last window's last tap */
    int64_t last = (w.out[2] - 1) * w.s[2] + (w.k[2] - 1) * w.d[2] + 1;
    jb.row_len = w.pb[2] + w.in[2] > last ? w.pb[2] + w.in[2] : last;
    jb.row_len = (jb.row_len + 15) & ~(int64_t)15;
    int64_t taps = w.k[0] * w.k[1] * w.k[2];
    /* one thread per 64K element reads at most */
    int64_t reads = jb.planes * (jb.pin + jb.pout * (taps < 64 ? taps : 64));
    int nt = lp_parallel_parts(k->threads, reads, (int64_t)1 << 16, jb.planes);
    bool conv = X->dtype != LP_FLOAT;
    bool pool3 = !jb.whole && pool3_fits(&w, pa, want_idx);
    if (pool3) { /* room for every window's taps, and for the input inside its padding */
        jb.ph = (w.out[1] - 1) * w.s[1] + 3;
        jb.pw = (w.out[2] - 1) * w.s[2] + 3;
    }
    int64_t lens[6] = {conv ? X->numel : 0, conv ? Y->numel : 0,           w.out[2], w.out[2],
                       nt * jb.row_len,     pool3 ? nt * jb.ph * jb.pw : 0};
    float *a[6];
    if (!lp_nn_scratch(k, 6, lens, a)) return LP_EFAIL;
    jb.planes3 = pool3 ? a[5] : NULL;
    jb.x = lp_nn_floats(X, a[0]);
    jb.y = conv ? a[1] : Y->data;
    column_counts(&w, 0, w.in[2], a[2]);
    column_counts(&w, -w.pb[2], w.in[2] + w.pe[2], a[3]);
    jb.cnt = a[2];
    jb.cnt_pad = a[3];
    jb.rows = a[4];
    lp_parallel(nt, pool_part, &jb);
    if (conv) lp_nn_store(Y, jb.y, Y->numel);
    return LP_OK;
}

int lp_k_max_pool(lp_kctx *k) {
    pool_args pa = {.kind = POOL_MAX};
    return pool_run(k, &pa);
}

int lp_k_average_pool(lp_kctx *k) {
    pool_args pa = {.kind = POOL_AVG,
                    .include_pad = lp_attr_int(k->node, "count_include_pad", 0) != 0};
    return pool_run(k, &pa);
}

/* LpPool-1 took p as a float; later versions as an int. */
static float lp_p(lp_kctx *k) {
    const lp_attr *a = lp_node_attr(k->node, "p");
    if (!a) return 2.0f;
    return a->type == LP_ATTR_FLOAT ? a->f : (float)a->i;
}

int lp_k_lp_pool(lp_kctx *k) {
    pool_args pa = {.kind = POOL_LP, .p = lp_p(k)};
    if (!(pa.p > 0)) return lp_kfail(k, "p must be positive");
    return pool_run(k, &pa);
}

/* ---- global pooling ---- */

typedef struct global_job {
    int kind;
    float p;
    const float *x;
    float *y;
    int64_t planes, inner;
} global_job;

static void global_part(void *ctx, int t, int nt) {
    const global_job *jb = ctx;
    const int64_t inner = jb->inner;
    for (int64_t i = jb->planes * t / nt; i < jb->planes * (t + 1) / nt; i++) {
        const float *s = jb->x + i * inner;
        if (jb->kind == POOL_MAX) {
            jb->y[i] = plane_max(s, inner);
        } else if (jb->kind == POOL_AVG) {
            jb->y[i] = inner ? (float)(plane_sum(s, inner) / (double)inner) : NAN;
        } else {
            double sum = 0;
            for (int64_t j = 0; j < inner; j++) sum += pow(fabs((double)s[j]), jb->p);
            jb->y[i] = (float)pow(sum, 1.0 / jb->p);
        }
    }
}

static int global_pool(lp_kctx *k, int kind) {
    const lp_tensor *X = lp_in(k, 0);
    if (!X) return lp_kfail(k, "input X is required");
    if (!lp_nn_float_type(X->dtype))
        return lp_kfail(k, "%s inputs are not supported", lp_dtype_name(X->dtype));
    if (X->rank < 2) return lp_kbad(k, "X must have rank 2 or more, not %d", X->rank);
    float p = kind == POOL_LP ? lp_p(k) : 0;
    if (kind == POOL_LP && !(p > 0)) return lp_kfail(k, "p must be positive");
    int64_t dims[LP_MAX_RANK];
    dims[0] = X->dims[0];
    dims[1] = X->dims[1];
    int64_t inner = 1;
    for (int i = 2; i < X->rank; i++) {
        dims[i] = 1;
        inner *= X->dims[i];
    }
    lp_tensor *Y = lp_out(k, 0, X->dtype, X->rank, dims);
    if (!Y) return LP_EFAIL;
    global_job jb = {.kind = kind, .p = p, .planes = Y->numel, .inner = inner};
    if (lp_nn_views(k, X, Y, &jb.x, &jb.y)) return LP_EFAIL;
    lp_parallel(lp_parallel_parts(k->threads, jb.planes * inner, (int64_t)1 << 16, jb.planes),
                global_part, &jb);
    lp_nn_store(Y, jb.y, Y->numel);
    return LP_OK;
}

int lp_k_global_max_pool(lp_kctx *k) {
    return global_pool(k, POOL_MAX);
}
int lp_k_global_average_pool(lp_kctx *k) {
    return global_pool(k, POOL_AVG);
}
int lp_k_global_lp_pool(lp_kctx *k) {
    return global_pool(k, POOL_LP);
}

/* ---- MaxUnpool ---- */

int lp_k_max_unpool(lp_kctx *k) {
    const lp_tensor *X = lp_in(k, 0), *I = lp_in(k, 1), *S = lp_in(k, 2);
    if (!X || !I) return lp_kfail(k, "inputs X and I are required");
    if (!lp_nn_float_type(X->dtype))
        return lp_kfail(k, "%s inputs are not supported", lp_dtype_name(X->dtype));
    if (X->rank < 3 || I->numel != X->numel || (I->dtype != LP_INT64 && I->dtype != LP_INT32))
        return lp_kbad(k, "X must have rank 3 or more and I the same shape, of int64");
    int nd = X->rank - 2, off = LP_WIN_DIMS - nd;
    lp_window w;
    int rc = lp_window_init(k, &w, nd, X->dims + 2, NULL, false);
    if (rc) return rc;
    /* The input of the MaxPool that gave X: the indices count over this
    ** shape. A given output_shape only pads it at the ends (as the ONNX
    ** reference does; ONNX Runtime reads the indices in output_shape). */
    int64_t inferred[2 + LP_WIN_DIMS] = {X->dims[0], X->dims[1]}, dims[2 + LP_WIN_DIMS];
    for (int i = 0; i < nd; i++) {
        int j = off + i;
        inferred[2 + i] = (X->dims[2 + i] - 1) * w.s[j] + w.k[j] - w.pb[j] - w.pe[j];
        if (inferred[2 + i] < 1) return lp_kbad(k, "the unpooled output would be empty");
    }
    memcpy(dims, inferred, sizeof dims);
    if (S) {
        if (S->numel != X->rank) return lp_kbad(k, "output_shape needs %d values", X->rank);
        for (int i = 0; i < X->rank; i++) {
            dims[i] = lp_get_i64(S, i);
            if (dims[i] < inferred[i])
                return lp_kbad(k, "output_shape is smaller than the unpooled input");
        }
    }
    lp_tensor *Y = lp_out(k, 0, X->dtype, X->rank, dims);
    if (!Y) return LP_EFAIL;
    memset(Y->data, 0, Y->nbytes);
    int64_t total = lp_shape_numel(X->rank, inferred);
    size_t es = lp_dtype_size(X->dtype);
    for (int64_t i = 0; i < X->numel; i++) {
        int64_t at = lp_get_i64(I, i);
        if (at < 0 || at >= total)
            return lp_kbad(k, "index %lld is outside the %lld unpooled values", (long long)at,
                           (long long)total);
        /* unravel in the inferred shape, ravel in the output's */
        int64_t o = 0, rest = at, stride = 1;
        for (int d = X->rank - 1; d >= 0; d--) {
            o += (rest % inferred[d]) * stride;
            rest /= inferred[d];
            stride *= dims[d];
        }
        memcpy((char *)Y->data + o * es, (const char *)X->data + i * es, es);
    }
    return LP_OK;
}

/* ---- MaxRoiPool ---- */

int lp_k_max_roi_pool(lp_kctx *k) {
    const lp_tensor *X = lp_in(k, 0), *R = lp_in(k, 1);
    if (!X || !R) return lp_kfail(k, "inputs X and rois are required");
    if (!lp_nn_float_type(X->dtype) || R->dtype != X->dtype)
        return lp_kfail(k, "X and rois must be of one float type");
    if (X->rank != 4 || R->rank != 2 || R->dims[1] != 5)
        return lp_kbad(k, "needs X [N, C, H, W] and rois [num_rois, 5]");
    int n = 0;
    const int64_t *ps = lp_attr_ints(k->node, "pooled_shape", &n);
    if (!ps || n != 2 || ps[0] < 1 || ps[1] < 1)
        return lp_kfail(k, "pooled_shape needs 2 positive values");
    float scale = lp_attr_float(k->node, "spatial_scale", 1.0f);
    int64_t C = X->dims[1], H = X->dims[2], W = X->dims[3], PH = ps[0], PW = ps[1];
    int64_t dims[4] = {R->dims[0], C, PH, PW};
    lp_tensor *Y = lp_out(k, 0, X->dtype, 4, dims);
    if (!Y) return LP_EFAIL;
    const float *x;
    float *y;
    if (lp_nn_views(k, X, Y, &x, &y)) return LP_EFAIL;
    for (int64_t r = 0; r < R->dims[0]; r++) {
        int64_t b = (int64_t)lp_get_f64(R, r * 5);
        if (b < 0 || b >= X->dims[0])
            return lp_kbad(k, "roi %lld names batch %lld", (long long)r, (long long)b);
        int64_t x1 = llroundf((float)lp_get_f64(R, r * 5 + 1) * scale);
        int64_t y1 = llroundf((float)lp_get_f64(R, r * 5 + 2) * scale);
        int64_t x2 = llroundf((float)lp_get_f64(R, r * 5 + 3) * scale);
        int64_t y2 = llroundf((float)lp_get_f64(R, r * 5 + 4) * scale);
        int64_t rh = y2 - y1 + 1 > 1 ? y2 - y1 + 1 : 1, rw = x2 - x1 + 1 > 1 ? x2 - x1 + 1 : 1;
        float bh = (float)rh / (float)PH, bw = (float)rw / (float)PW;
        for (int64_t c = 0; c < C; c++) {
            const float *plane = x + (b * C + c) * H * W;
            float *o = y + (r * C + c) * PH * PW;
            for (int64_t ph = 0; ph < PH; ph++)
                for (int64_t pw = 0; pw < PW; pw++) {
                    int64_t hs = (int64_t)floorf((float)ph * bh) + y1;
                    int64_t he = (int64_t)ceilf((float)(ph + 1) * bh) + y1;
                    int64_t ws = (int64_t)floorf((float)pw * bw) + x1;
                    int64_t we = (int64_t)ceilf((float)(pw + 1) * bw) + x1;
                    hs = hs < 0 ? 0 : hs > H ? H : hs;
                    he = he < 0 ? 0 : he > H ? H : he;
                    ws = ws < 0 ? 0 : ws > W ? W : ws;
                    we = we < 0 ? 0 : we > W ? W : we;
                    float m = hs >= he || ws >= we ? 0.0f : -FLT_MAX;
                    for (int64_t h = hs; h < he; h++)
                        for (int64_t v = ws; v < we; v++)
                            m = plane[h * W + v] > m ? plane[h * W + v] : m;
                    o[ph * PW + pw] = m;
                }
        }
    }
    lp_nn_store(Y, y, Y->numel);
    return LP_OK;
}

/* ---- RoiAlign ---- */

typedef struct roi_tap {
    int64_t pos[4];
    float w[4];
} roi_tap;

/* The four bilinear taps of point (py, px), or zero weights outside. */
static roi_tap roi_tap_at(float py, float px, int64_t H, int64_t W) {
    roi_tap t = {{0, 0, 0, 0}, {0, 0, 0, 0}};
    if (py < -1.0f || py > (float)H || px < -1.0f || px > (float)W) return t;
    if (py < 0) py = 0;
    if (px < 0) px = 0;
    int64_t yl = (int64_t)py, xl = (int64_t)px, yh, xh;
    if (yl >= H - 1) {
        yh = yl = H - 1;
        py = (float)yl;
    } else {
        yh = yl + 1;
    }
    if (xl >= W - 1) {
        xh = xl = W - 1;
        px = (float)xl;
    } else {
        xh = xl + 1;
    }
    float ly = py - (float)yl, lx = px - (float)xl, hy = 1.0f - ly, hx = 1.0f - lx;
    t.pos[0] = yl * W + xl;
    t.pos[1] = yl * W + xh;
    t.pos[2] = yh * W + xl;
    t.pos[3] = yh * W + xh;
    t.w[0] = hy * hx;
    t.w[1] = hy * lx;
    t.w[2] = ly * hx;
    t.w[3] = ly * lx;
    return t;
}

int lp_k_roi_align(lp_kctx *k) {
    const lp_tensor *X = lp_in(k, 0), *R = lp_in(k, 1), *B = lp_in(k, 2);
    if (!X || !R || !B) return lp_kfail(k, "inputs X, rois and batch_indices are required");
    if (!lp_nn_float_type(X->dtype) || !lp_nn_float_type(R->dtype))
        return lp_kfail(k, "X and rois must be float tensors");
    if (X->rank != 4 || R->rank != 2 || R->dims[1] != 4 || B->numel != R->dims[0])
        return lp_kbad(k, "needs X [N, C, H, W], rois [num_rois, 4] and batch_indices [num_rois]");
    const char *mode = lp_attr_string(k->node, "mode", "avg");
    bool max = !strcmp(mode, "max");
    if (!max && strcmp(mode, "avg")) return lp_kfail(k, "unknown mode '%s'", mode);
    /* opset 10 had no half-pixel shift */
    const char *ctm = lp_attr_string(k->node, "coordinate_transformation_mode",
                                     k->opset < 16 ? "output_half_pixel" : "half_pixel");
    bool half = !strcmp(ctm, "half_pixel");
    int64_t PH = lp_attr_int(k->node, "output_height", 1),
            PW = lp_attr_int(k->node, "output_width", 1);
    int64_t ratio = lp_attr_int(k->node, "sampling_ratio", 0);
    float scale = lp_attr_float(k->node, "spatial_scale", 1.0f);
    if (PH < 1 || PW < 1 || ratio < 0) return lp_kfail(k, "output sizes must be positive");
    int64_t C = X->dims[1], H = X->dims[2], W = X->dims[3], NR = R->dims[0];
    int64_t dims[4] = {NR, C, PH, PW};
    lp_tensor *Y = lp_out(k, 0, X->dtype, 4, dims);
    if (!Y) return LP_EFAIL;
    bool conv = X->dtype != LP_FLOAT;
    int64_t lens[3] = {conv ? X->numel : 0, conv ? Y->numel : 0, R->numel};
    float *a[3];
    if (!lp_nn_scratch(k, 3, lens, a)) return LP_EFAIL;
    const float *x = lp_nn_floats(X, a[0]), *rois = lp_nn_floats(R, a[2]);
    float *y = conv ? a[1] : Y->data;
    float off = half ? 0.5f : 0.0f;
    for (int64_t r = 0; r < NR; r++) {
        int64_t b = lp_get_i64(B, r);
        if (b < 0 || b >= X->dims[0])
            return lp_kbad(k, "roi %lld names batch %lld", (long long)r, (long long)b);
        float x1 = rois[r * 4] * scale - off, y1 = rois[r * 4 + 1] * scale - off;
        float x2 = rois[r * 4 + 2] * scale - off, y2 = rois[r * 4 + 3] * scale - off;
        float rw = x2 - x1, rh = y2 - y1;
        if (!half) {
            rw = rw > 1.0f ? rw : 1.0f;
            rh = rh > 1.0f ? rh : 1.0f;
        }
        float bh = rh / (float)PH, bw = rw / (float)PW;
        int64_t gh = ratio > 0 ? ratio : (int64_t)ceilf(rh / (float)PH);
        int64_t gw = ratio > 0 ? ratio : (int64_t)ceilf(rw / (float)PW);
        if (gh < 0) gh = 0;
        if (gw < 0) gw = 0;
        float count = gh * gw > 1 ? (float)(gh * gw) : 1.0f;
        for (int64_t c = 0; c < C; c++) {
            const float *plane = x + (b * C + c) * H * W;
            float *o = y + (r * C + c) * PH * PW;
            for (int64_t ph = 0; ph < PH; ph++)
                for (int64_t pw = 0; pw < PW; pw++) {
                    float acc = 0;
                    bool first = true;
                    for (int64_t iy = 0; iy < gh; iy++) {
                        float py = y1 + (float)ph * bh + ((float)iy + 0.5f) * bh / (float)gh;
                        for (int64_t ix = 0; ix < gw; ix++) {
                            float px = x1 + (float)pw * bw + ((float)ix + 0.5f) * bw / (float)gw;
                            roi_tap t = roi_tap_at(py, px, H, W);
                            if (!max) {
                                for (int q = 0; q < 4; q++) acc += t.w[q] * plane[t.pos[q]];
                                continue;
                            }
                            /* the reference's max mode: the largest weighted tap */
                            float v = t.w[0] * plane[t.pos[0]];
                            for (int q = 1; q < 4; q++) {
                                float u = t.w[q] * plane[t.pos[q]];
                                v = u > v ? u : v;
                            }
                            acc = first || v > acc ? v : acc;
                            first = false;
                        }
                    }
                    o[ph * PW + pw] = max ? acc : acc / count;
                }
        }
    }
    if (conv) lp_nn_store(Y, y, Y->numel);
    return LP_OK;
}
