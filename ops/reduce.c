/*
** reduce.c — reductions over axes: ReduceSum, ReduceMean, ReduceMax,
** ReduceMin, ReduceProd, ReduceL1, ReduceL2, ReduceLogSum, ReduceLogSumExp,
** ReduceSumSquare; ArgMax and ArgMin; and the running reductions CumSum and
** CumProd.
**
** A reduction walks the input once in memory order, adding each element into
** its output slot (the output stride is 0 along reduced axes), so any set of
** axes costs one pass. Floats and small integers accumulate in double;
** 64-bit integers in 64-bit integers, so large values stay exact.
*/
#include "ops/tensorops.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
    R_SUM,
    R_MEAN,
    R_MAX,
    R_MIN,
    R_PROD,
    R_L1,
    R_L2,
    R_LOGSUM,
    R_LOGSUMEXP,
    R_SUMSQ
} rkind;

typedef enum { C_ADD, C_MUL, C_MAX, C_MIN } rcomb;

static rcomb comb_of(rkind r) {
    switch (r) {
    case R_MAX:
    case R_LOGSUMEXP:
        return C_MAX; /* LogSumExp's first pass finds the max */
    case R_MIN:
        return C_MIN;
    case R_PROD:
        return C_MUL;
    default:
        return C_ADD;
    }
}

/* The merged view of a reduction: runs of axes that are all reduced or all
** kept become one axis; os is the output stride (0 where reduced). */
typedef struct rview {
    int r;
    int64_t n[LP_MAX_RANK], xs[LP_MAX_RANK], os[LP_MAX_RANK];
} rview;

static void make_view(const lp_tensor *x, const bool *red, rview *v) {
    int64_t xs[LP_MAX_RANK], os[LP_MAX_RANK], s = 1;
    lp_contig_strides(x->rank, x->dims, xs);
    for (int d = x->rank - 1; d >= 0; d--) {
        os[d] = red[d] ? 0 : s;
        if (!red[d]) s *= x->dims[d];
    }
    v->r = 0;
    for (int d = 0; d < x->rank; d++) {
        if (x->dims[d] == 1) continue;
        int p = v->r - 1;
        if (p >= 0 && (v->os[p] == 0) == (os[d] == 0) && v->os[p] == os[d] * x->dims[d] &&
            v->xs[p] == xs[d] * x->dims[d]) {
            v->n[p] *= x->dims[d];
            v->os[p] = os[d];
            v->xs[p] = xs[d];
            continue;
        }
        v->n[v->r] = x->dims[d];
        v->xs[v->r] = xs[d];
        v->os[v->r] = os[d];
        v->r++;
    }
    if (v->r == 0) { /* a scalar walk: one element */
        v->n[0] = 1;
        v->xs[0] = 1;
        v->os[0] = 0;
        v->r = 1;
    }
}

/* Calls run() once per block of the two innermost axes: `rows` runs of n
** elements (contiguous in x, out stride os), run j starting rxs / ros further on. */
typedef void (*run_fn)(void *ctx, int64_t xo, int64_t oo, int64_t n, int64_t os, int64_t rows,
                       int64_t rxs, int64_t ros);

static void walk(const rview *v, run_fn run, void *ctx) {
    int r = v->r;
    if (r == 1) {
        run(ctx, 0, 0, v->n[0], v->os[0], 1, 0, 0);
        return;
    }
    int64_t idx[LP_MAX_RANK] = {0}, xo = 0, oo = 0;
    for (;;) {
        run(ctx, xo, oo, v->n[r - 1], v->os[r - 1], v->n[r - 2], v->xs[r - 2], v->os[r - 2]);
        int d = r - 3;
        for (; d >= 0; d--) {
            xo += v->xs[d];
            oo += v->os[d];
            if (++idx[d] < v->n[d]) break;
            xo -= v->xs[d] * v->n[d];
            oo -= v->os[d] * v->n[d];
            idx[d] = 0;
        }
        if (d < 0) break;
    }
}

/* ---- the double accumulator ---- */

typedef struct fctx {
    const lp_tensor *x;
    rkind kind;
    int pass;    /* LogSumExp: 0 finds the max, 1 sums exp(x - max) */
    double *acc; /* one per output element */
    const double *shift;
    double buf[512]; /* a converted stretch of the input */
} fctx;

/* float input read in place: the loops for one map of the elements */
#define F32_LOOPS(MAP)                                                                             \
    do {                                                                                           \
        if (os == 0) {                                                                             \
            double s = a[0];                                                                       \
            switch (cb) {                                                                          \
            case C_ADD: {                                                                          \
                /* four partial sums: the adds need not wait on each other */                      \
                double s0 = 0, s1 = 0, s2 = 0, s3 = 0;                                             \
                int64_t i = 0;                                                                     \
                for (; i + 4 <= n; i += 4) {                                                       \
                    s0 += MAP(x[i]);                                                               \
                    s1 += MAP(x[i + 1]);                                                           \
                    s2 += MAP(x[i + 2]);                                                           \
                    s3 += MAP(x[i + 3]);                                                           \
                }                                                                                  \
                for (; i < n; i++) s0 += MAP(x[i]);                                                \
                s += (s0 + s1) + (s2 + s3);                                                        \
                break;                                                                             \
            }                                                                                      \
            case C_MUL:                                                                            \
                for (int64_t i = 0; i < n; i++) s *= MAP(x[i]);                                    \
                break;                                                                             \
            case C_MAX:                                                                            \
                for (int64_t i = 0; i < n; i++) s = (x[i] > s || isnan(x[i])) ? x[i] : s;          \
                break;                                                                             \
            case C_MIN:                                                                            \
                for (int64_t i = 0; i < n; i++) s = (x[i] < s || isnan(x[i])) ? x[i] : s;          \
                break;                                                                             \
            }                                                                                      \
            a[0] = s;                                                                              \
        } else {                                                                                   \
            switch (cb) {                                                                          \
            case C_ADD:                                                                            \
                for (int64_t i = 0; i < n; i++) a[i] += MAP(x[i]);                                 \
                break;                                                                             \
            case C_MUL:                                                                            \
                for (int64_t i = 0; i < n; i++) a[i] *= MAP(x[i]);                                 \
                break;                                                                             \
            case C_MAX:                                                                            \
                for (int64_t i = 0; i < n; i++)                                                    \
                    if (x[i] > a[i] || isnan(x[i])) a[i] = isnan(a[i]) ? a[i] : x[i];              \
                break;                                                                             \
            case C_MIN:                                                                            \
                for (int64_t i = 0; i < n; i++)                                                    \
                    if (x[i] < a[i] || isnan(x[i])) a[i] = isnan(a[i]) ? a[i] : x[i];              \
                break;                                                                             \
            }                                                                                      \
        }                                                                                          \
    } while (0)
#define MAP_ID(v) ((double)(v))
#define MAP_ABS(v) fabs((double)(v))
#define MAP_SQ(v) ((double)(v) * (double)(v))

static void frun_one(fctx *c, int64_t xo, int64_t oo, int64_t n, int64_t os);

static void frun(void *vc, int64_t xo, int64_t oo, int64_t n, int64_t os, int64_t rows, int64_t rxs,
                 int64_t ros) {
    fctx *c = vc;
    rcomb cb = c->pass ? C_ADD : comb_of(c->kind);
    if (c->x->dtype == LP_FLOAT && !c->pass) {
        for (int64_t row = 0; row < rows; row++) {
            const float *x = (const float *)c->x->data + xo + row * rxs;
            double *a = c->acc + oo + row * ros;
            if (c->kind == R_L1)
                F32_LOOPS(MAP_ABS);
            else if (c->kind == R_L2 || c->kind == R_SUMSQ)
                F32_LOOPS(MAP_SQ);
            else
                F32_LOOPS(MAP_ID);
        }
        return;
    }
    for (int64_t row = 0; row < rows; row++) frun_one(c, xo + row * rxs, oo + row * ros, n, os);
}

/* Any numeric input: converted to double a stretch at a time. */
static void frun_one(fctx *c, int64_t xo, int64_t oo, int64_t n, int64_t os) {
    rcomb cb = c->pass ? C_ADD : comb_of(c->kind);
    size_t esz = lp_dtype_size(c->x->dtype);
    for (int64_t done = 0; done < n;) {
        int64_t m = n - done < 512 ? n - done : 512;
        double *b = c->buf;
        lp_to_f64(c->x->dtype, (const char *)c->x->data + (size_t)(xo + done) * esz, b, m);
        /* the per-element map */
        switch (c->kind) {
        case R_L1:
            for (int64_t i = 0; i < m; i++) b[i] = fabs(b[i]);
            break;
        case R_L2:
        case R_SUMSQ:
            for (int64_t i = 0; i < m; i++) b[i] *= b[i];
            break;
        case R_LOGSUMEXP:
            if (c->pass) {
                const double *sh = c->shift + oo + done * os;
                for (int64_t i = 0; i < m; i++) b[i] = exp(b[i] - sh[i * os]);
            }
            break;
        default:
            break;
        }
        double *a = c->acc + oo + done * os;
        if (os == 0) {
            double s = a[0];
            switch (cb) {
            case C_ADD:
                for (int64_t i = 0; i < m; i++) s += b[i];
                break;
            case C_MUL:
                for (int64_t i = 0; i < m; i++) s *= b[i];
                break;
            case C_MAX:
                for (int64_t i = 0; i < m; i++) s = (b[i] > s || isnan(b[i])) ? b[i] : s;
                break;
            case C_MIN:
                for (int64_t i = 0; i < m; i++) s = (b[i] < s || isnan(b[i])) ? b[i] : s;
                break;
            }
            a[0] = s;
        } else {
            switch (cb) {
            case C_ADD:
                for (int64_t i = 0; i < m; i++) a[i] += b[i];
                break;
            case C_MUL:
                for (int64_t i = 0; i < m; i++) a[i] *= b[i];
                break;
            case C_MAX:
                for (int64_t i = 0; i < m; i++)
                    if (b[i] > a[i] || isnan(b[i])) a[i] = isnan(a[i]) ? a[i] : b[i];
                break;
            case C_MIN:
                for (int64_t i = 0; i < m; i++)
                    if (b[i] < a[i] || isnan(b[i])) a[i] = isnan(a[i]) ? a[i] : b[i];
                break;
            }
        }
        done += m;
    }
}

/* ---- the 64-bit integer accumulator (int64, uint64: exact) ---- */

typedef struct ictx {
    const lp_tensor *x;
    rkind kind;
    bool is_unsigned;
    uint64_t *acc;
} ictx;

static void irun(void *vc, int64_t xo, int64_t oo, int64_t n, int64_t os, int64_t rows, int64_t rxs,
                 int64_t ros) {
    ictx *c = vc;
    for (int64_t row = 0; row < rows; row++) {
        const uint64_t *x = (const uint64_t *)c->x->data + xo + row * rxs;
        uint64_t *a = c->acc + oo + row * ros;
        for (int64_t i = 0; i < n; i++) {
            uint64_t v = x[i], *p = a + i * os;
            switch (c->kind) {
            case R_PROD:
                *p *= v;
                break;
            case R_MAX:
            case R_MIN: {
                bool gt = c->is_unsigned ? v > *p : (int64_t)v > (int64_t)*p;
                bool lt = c->is_unsigned ? v < *p : (int64_t)v < (int64_t)*p;
                if (c->kind == R_MAX ? gt : lt) *p = v;
                break;
            }
            case R_L1:
                *p += (!c->is_unsigned && (int64_t)v < 0) ? 0 - v : v;
                break;
            case R_SUMSQ:
                *p += v * v;
                break;
            default:
                *p += v;
                break;
            }
        }
    }
}

/* ---- reductions ---- */

/* The smallest and largest values of a type, as doubles. */
static void type_range(lp_dtype t, double *lo, double *hi) {
    if (lp_dtype_is_float(t)) {
        *lo = -INFINITY;
        *hi = INFINITY;
    } else if (t == LP_BOOL) {
        *lo = 0;
        *hi = 1;
    } else {
        int bits = (int)lp_dtype_size(t) * 8;
        *lo = lp_dtype_is_signed(t) ? -ldexp(1, bits - 1) : 0;
        *hi = ldexp(1, bits - (lp_dtype_is_signed(t) ? 1 : 0)) - 1;
    }
}

/* The identity of a reduction (its value over no elements, before post-processing). */
static double f_init(rkind r, lp_dtype t) {
    double lo, hi;
    type_range(t, &lo, &hi);
    switch (r) {
    case R_PROD:
        return 1;
    case R_MAX:
        return lo;
    case R_LOGSUMEXP:
        return -INFINITY;
    case R_MIN:
        return hi;
    default:
        return 0;
    }
}

/* Stores a double into an element, keeping integer types away from undefined casts. */
static void store_safe(lp_dtype t, void *data, int64_t i, double v) {
    if (!lp_dtype_is_float(t) && t != LP_BOOL) {
        double lo, hi;
        type_range(t, &lo, &hi);
        if (isnan(v)) v = 0;
        if (t == LP_INT64 || t == LP_UINT64) hi = hi * (1 - DBL_EPSILON); /* 2^63 - 1 rounds up */
        v = v < lo ? lo : v > hi ? hi : v;
    }
    lp_store_f64(t, data, (size_t)i, v);
}

static int reduce_common(lp_kctx *k, rkind kind) {
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kbad(k, "input data is missing");
    if (!lp_dtype_is_numeric(x->dtype))
        return lp_kbad(k, "%s does not take %s", k->node->op_type, lp_dtype_name(x->dtype));
    int r = x->rank;
    int64_t axes[LP_MAX_RANK];
    int n = 0;
    bool axes_input = kind == R_SUM ? k->opset >= 13 : k->opset >= 18;
    if (axes_input) {
        int rc = lp_input_ints(k, 1, "axes", axes, LP_MAX_RANK, &n);
        if (rc) return rc;
    } else {
        const int64_t *a = lp_attr_ints(k->node, "axes", &n);
        if (n > LP_MAX_RANK) return lp_kbad(k, "too many axes");
        if (a) memcpy(axes, a, (size_t)n * sizeof *a);
    }
    int rc = lp_norm_axes(k, axes, n, r, "axes");
    if (rc) return rc;
    bool keep = lp_attr_int(k->node, "keepdims", 1) != 0;
    bool noop = axes_input && n == 0 && lp_attr_int(k->node, "noop_with_empty_axes", 0);
    bool red[LP_MAX_RANK];
    for (int d = 0; d < r; d++) red[d] = !noop && n == 0;
    for (int i = 0; i < n; i++) red[axes[i]] = true;
    int64_t dims[LP_MAX_RANK];
    int orank = 0;
    int64_t count = 1; /* elements per output */
    for (int d = 0; d < r; d++) {
        if (red[d]) count *= x->dims[d];
        if (!red[d])
            dims[orank++] = x->dims[d];
        else if (keep)
            dims[orank++] = 1;
    }
    lp_tensor *y = lp_out(k, 0, x->dtype, orank, dims);
    if (!y) return LP_EFAIL;
    int64_t m = y->numel;
    rview v;
    make_view(x, red, &v);

    bool wide = (x->dtype == LP_INT64 || x->dtype == LP_UINT64) &&
                (kind == R_SUM || kind == R_MEAN || kind == R_MAX || kind == R_MIN ||
                 kind == R_PROD || kind == R_L1 || kind == R_SUMSQ);
    if (wide) {
        bool uns = x->dtype == LP_UINT64;
        uint64_t *acc = lp_scratch(k, (size_t)(m ? m : 1) * sizeof *acc);
        if (!acc) return lp_kfail(k, "out of memory");
        uint64_t init = kind == R_PROD  ? 1
                        : kind == R_MAX ? (uns ? 0 : (uint64_t)INT64_MIN)
                        : kind == R_MIN ? (uns ? UINT64_MAX : (uint64_t)INT64_MAX)
                                        : 0;
        for (int64_t i = 0; i < m; i++) acc[i] = init;
        ictx c = {x, kind, uns, acc};
        if (x->numel) walk(&v, irun, &c);
        uint64_t *out = y->data;
        for (int64_t i = 0; i < m; i++) {
            if (kind == R_MEAN)
                out[i] = count == 0 ? 0
                         : uns      ? acc[i] / (uint64_t)count
                                    : (uint64_t)((int64_t)acc[i] / count);
            else
                out[i] = acc[i];
        }
        return LP_OK;
    }

    size_t need = (size_t)(m ? m : 1) * (kind == R_LOGSUMEXP ? 2 : 1);
    double *acc = lp_scratch(k, need * sizeof *acc);
    if (!acc) return lp_kfail(k, "out of memory");
    fctx ctx = {.x = x, .kind = kind, .acc = acc}, *c = &ctx;
    double init = f_init(kind, x->dtype);
    for (int64_t i = 0; i < m; i++) acc[i] = init;
    if (x->numel) walk(&v, frun, c);
    if (kind == R_LOGSUMEXP) {
        /* second pass: sum exp(x - max) into acc2, with a finite shift */
        double *shift = acc + m;
        for (int64_t i = 0; i < m; i++) {
            shift[i] = isfinite(acc[i]) ? acc[i] : 0;
            acc[i] = 0;
        }
        c->pass = 1;
        c->shift = shift;
        if (x->numel) walk(&v, frun, c);
        for (int64_t i = 0; i < m; i++) acc[i] = log(acc[i]) + shift[i];
    }
    for (int64_t i = 0; i < m; i++) {
        double a = acc[i];
        switch (kind) {
        case R_MEAN:
            a = a / (double)count;
            break;
        case R_L2:
            a = sqrt(a);
            break;
        case R_LOGSUM:
            a = log(a);
            break;
        default:
            break;
        }
        if (x->dtype == LP_FLOAT)
            ((float *)y->data)[i] = (float)a;
        else
            store_safe(x->dtype, y->data, i, a);
    }
    return LP_OK;
}

int lp_k_reduce_sum(lp_kctx *k) {
    return reduce_common(k, R_SUM);
}
int lp_k_reduce_mean(lp_kctx *k) {
    return reduce_common(k, R_MEAN);
}
int lp_k_reduce_max(lp_kctx *k) {
    return reduce_common(k, R_MAX);
}
int lp_k_reduce_min(lp_kctx *k) {
    return reduce_common(k, R_MIN);
}
int lp_k_reduce_prod(lp_kctx *k) {
    return reduce_common(k, R_PROD);
}
int lp_k_reduce_l1(lp_kctx *k) {
    return reduce_common(k, R_L1);
}
int lp_k_reduce_l2(lp_kctx *k) {
    return reduce_common(k, R_L2);
}
int lp_k_reduce_log_sum(lp_kctx *k) {
    return reduce_common(k, R_LOGSUM);
}
int lp_k_reduce_log_sum_exp(lp_kctx *k) {
    return reduce_common(k, R_LOGSUMEXP);
}
int lp_k_reduce_sum_square(lp_kctx *k) {
    return reduce_common(k, R_SUMSQ);
}

/* ---- ArgMax / ArgMin ---- */

#define ARG_LOOP(T)                                                                                \
    do {                                                                                           \
        const T *xd = x->data;                                                                     \
        for (int64_t o = 0; o < outer; o++)                                                        \
            for (int64_t i = 0; i < inner; i++) {                                                  \
                const T *p = xd + o * n * inner + i;                                               \
                int64_t best = 0;                                                                  \
                for (int64_t j = 1; j < n; j++) {                                                  \
                    T a = p[j * inner], b = p[best * inner];                                       \
                    if (isnan(b)) break;                                                           \
                    bool better = isnan(a) || (want_max ? a > b : a < b) || (last && a == b);      \
                    if (better) best = j;                                                          \
                }                                                                                  \
                out[o * inner + i] = best;                                                         \
            }                                                                                      \
    } while (0)

static int arg_common(lp_kctx *k, bool want_max) {
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kbad(k, "input data is missing");
    if (!lp_dtype_is_numeric(x->dtype))
        return lp_kbad(k, "%s does not take %s", k->node->op_type, lp_dtype_name(x->dtype));
    int64_t a = lp_attr_int(k->node, "axis", 0);
    int axis = lp_norm_axis(a, x->rank);
    if (axis < 0 || x->rank == 0)
        return lp_kbad(k, "axis %lld is out of range for rank %d", (long long)a, x->rank);
    bool keep = lp_attr_int(k->node, "keepdims", 1) != 0;
    bool last = k->opset >= 12 && lp_attr_int(k->node, "select_last_index", 0) != 0;
    int64_t n = x->dims[axis];
    if (n == 0) return lp_kbad(k, "cannot take %s over an empty axis", k->node->op_type);
    int64_t dims[LP_MAX_RANK], outer = 1, inner = 1;
    int r = 0;
    for (int d = 0; d < x->rank; d++) {
        if (d < axis) outer *= x->dims[d];
        if (d > axis) inner *= x->dims[d];
        if (d != axis)
            dims[r++] = x->dims[d];
        else if (keep)
            dims[r++] = 1;
    }
    lp_tensor *y = lp_out(k, 0, LP_INT64, r, dims);
    if (!y) return LP_EFAIL;
    int64_t *out = y->data;
    if (x->dtype == LP_FLOAT) {
        ARG_LOOP(float);
    } else if (x->dtype == LP_DOUBLE) {
        ARG_LOOP(double);
    } else {
        for (int64_t o = 0; o < outer; o++)
            for (int64_t i = 0; i < inner; i++) {
                int64_t base = o * n * inner + i, best = 0;
                for (int64_t j = 1; j < n; j++) {
                    int c = lp_compare_elems(x, base + j * inner, x, base + best * inner);
                    if ((want_max ? c > 0 : c < 0) || (last && c == 0)) best = j;
                }
                out[o * inner + i] = best;
            }
    }
    return LP_OK;
}

int lp_k_arg_max(lp_kctx *k) {
    return arg_common(k, true);
}
int lp_k_arg_min(lp_kctx *k) {
    return arg_common(k, false);
}

/* ---- CumSum / CumProd ---- */

/* Integers accumulate in uint64 (wrapping like numpy); floats in double. */
#define CUM_LOOP(E, T)                                                                             \
    case E: {                                                                                      \
        const T *xd = x->data;                                                                     \
        T *yd = y->data;                                                                           \
        for (int64_t o = 0; o < outer; o++)                                                        \
            for (int64_t i = 0; i < inner; i++) {                                                  \
                ACC acc = prod ? 1 : 0;                                                            \
                for (int64_t s = 0; s < n; s++) {                                                  \
                    int64_t j = reverse ? n - 1 - s : s;                                           \
                    int64_t at = (o * n + j) * inner + i;                                          \
                    if (exclusive) yd[at] = (T)acc;                                                \
                    acc = prod ? (ACC)(acc * (ACC)xd[at]) : (ACC)(acc + (ACC)xd[at]);              \
                    if (!exclusive) yd[at] = (T)acc;                                               \
                }                                                                                  \
            }                                                                                      \
        return LP_OK;                                                                              \
    }

static int cum_common(lp_kctx *k, bool prod) {
    const lp_tensor *x = lp_in(k, 0), *at = lp_in(k, 1);
    if (!x || !at) return lp_kbad(k, "inputs x and axis are required");
    if (at->numel != 1 || !lp_dtype_is_int(at->dtype))
        return lp_kbad(k, "axis must be an integer scalar");
    int64_t a = lp_get_i64(at, 0);
    int axis = lp_norm_axis(a, x->rank);
    if (axis < 0 || x->rank == 0)
        return lp_kbad(k, "axis %lld is out of range for rank %d", (long long)a, x->rank);
    bool exclusive = lp_attr_int(k->node, "exclusive", 0) != 0;
    bool reverse = lp_attr_int(k->node, "reverse", 0) != 0;
    int64_t n = x->dims[axis], outer = 1, inner = 1;
    for (int d = 0; d < axis; d++) outer *= x->dims[d];
    for (int d = axis + 1; d < x->rank; d++) inner *= x->dims[d];
    lp_tensor *y = lp_out(k, 0, x->dtype, x->rank, x->dims);
    if (!y) return LP_EFAIL;
    switch (x->dtype) {
#define ACC double
        CUM_LOOP(LP_FLOAT, float)
        CUM_LOOP(LP_DOUBLE, double)
#undef ACC
#define ACC uint64_t
        CUM_LOOP(LP_INT8, int8_t)
        CUM_LOOP(LP_UINT8, uint8_t)
        CUM_LOOP(LP_INT16, int16_t)
        CUM_LOOP(LP_UINT16, uint16_t)
        CUM_LOOP(LP_INT32, int32_t)
        CUM_LOOP(LP_UINT32, uint32_t)
        CUM_LOOP(LP_INT64, int64_t)
        CUM_LOOP(LP_UINT64, uint64_t)
#undef ACC
    default:
        if (!lp_dtype_is_float(x->dtype))
            return lp_kbad(k, "%s does not take %s", k->node->op_type, lp_dtype_name(x->dtype));
        /* half types: accumulate in double, round once per output */
        for (int64_t o = 0; o < outer; o++)
            for (int64_t i = 0; i < inner; i++) {
                double acc = prod ? 1 : 0;
                for (int64_t s = 0; s < n; s++) {
                    int64_t j = reverse ? n - 1 - s : s;
                    size_t p = (size_t)((o * n + j) * inner + i);
                    if (exclusive) lp_store_f64(x->dtype, y->data, p, acc);
                    double v = lp_load_f64(x->dtype, x->data, p);
                    acc = prod ? acc * v : acc + v;
                    if (!exclusive) lp_store_f64(x->dtype, y->data, p, acc);
                }
            }
        return LP_OK;
    }
}

int lp_k_cum_sum(lp_kctx *k) {
    return cum_common(k, false);
}
int lp_k_cum_prod(lp_kctx *k) {
    return cum_common(k, true);
}
