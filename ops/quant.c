/*
** quant.c — linear quantization: QuantizeLinear, DequantizeLinear,
** DynamicQuantizeLinear, and the integer products MatMulInteger,
** ConvInteger, QLinearMatMul, QLinearConv.
**
** Arithmetic follows the ONNX reference: the division x / scale is done in
** the promoted type of x and scale (or the `precision` attribute) and
** rounded half to even; dequantization multiplies in float32.
**
** Integer products run through cblas_dgemm on operands with the zero points
** already subtracted: each product of two 8-bit values is below 2^16 in
** magnitude, so sums of up to 2^37 of them are exact in a double. The
** results are then wrapped to int32 as the reference's int32 accumulator
** would.
*/
#include "ops/kernel.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* ---- where a scale / zero point applies ---- */

typedef enum { Q_TENSOR, Q_AXIS, Q_BLOCKED } qkind;

typedef struct qmap {
    qkind kind;
    int64_t dim, inner;  /* size of the axis, product of the dims after it */
    int64_t block, nblk; /* blocked: block size, blocks along the axis */
} qmap;

/* Checks scale (and zp) against x and the axis/block_size attributes. */
static int qmap_init(lp_kctx *k, const lp_tensor *x, const lp_tensor *scale, const lp_tensor *zp,
                     qmap *m) {
    memset(m, 0, sizeof *m);
    /* equal shapes, but a scalar and a [1] both mean per-tensor */
    if (zp && (zp->numel != scale->numel ||
               (zp->numel != 1 && (zp->rank != scale->rank ||
                                   memcmp(zp->dims, scale->dims,
                                          (size_t)scale->rank * sizeof *zp->dims)))))
        return lp_kbad(k, "the zero point's shape differs from the scale's");
    int64_t block = lp_attr_int(k->node, "block_size", 0);
    if (block < 0) return lp_kbad(k, "block_size is negative");
    if (block == 0 && scale->numel == 1 && scale->rank <= 1) return LP_OK; /* per tensor */
    int64_t a = lp_attr_int(k->node, "axis", 1);
    int axis = lp_norm_axis(a, x->rank);
    if (axis < 0 || x->rank == 0)
        return lp_kbad(k, "axis %lld is out of range for rank %d", (long long)a, x->rank);
    m->dim = x->dims[axis];
    m->inner = 1;
    for (int d = axis + 1; d < x->rank; d++) m->inner *= x->dims[d];
    if (block == 0) {
        if (scale->rank != 1 || scale->dims[0] != m->dim)
            return lp_kbad(k, "a per-axis scale must be 1-D of length %lld", (long long)m->dim);
        m->kind = Q_AXIS;
        return LP_OK;
    }
    bool fits = scale->rank == x->rank;
    for (int d = 0; fits && d < x->rank; d++)
        fits = d == axis ? scale->dims[d] > 0 : scale->dims[d] == x->dims[d];
    if (fits) {
        int64_t s = scale->dims[axis];
        fits = s * block >= m->dim && (s - 1) * block < m->dim;
    }
    if (!fits)
        return lp_kbad(k, "the scale's shape does not fit blocks of %lld along axis %d",
                       (long long)block, axis);
    m->kind = Q_BLOCKED;
    m->block = block;
    m->nblk = scale->dims[axis];
    return LP_OK;
}

/* The scale / zero point index for element e of x. */
static inline int64_t qmap_at(const qmap *m, int64_t e) {
    if (m->kind == Q_TENSOR) return 0;
    int64_t od = e / m->inner, d = od % m->dim;
    if (m->kind == Q_AXIS) return d;
    return ((od / m->dim) * m->nblk + d / m->block) * m->inner + e % m->inner;
}

/* Rounds v to what type t can hold (the precision a reference computes in). */
static double round_to(lp_dtype t, double v) {
    switch (t) {
    case LP_FLOAT: return (float)v;
    case LP_FLOAT16: return lp_half_to_float(lp_float_to_half((float)v));
    case LP_BFLOAT16: return lp_bf16_to_float(lp_float_to_bf16((float)v));
    default: return v;
    }
}

static bool int_range(lp_dtype t, double *lo, double *hi) {
    switch (t) {
    case LP_UINT8: *lo = 0, *hi = 255; return true;
    case LP_INT8: *lo = -128, *hi = 127; return true;
    case LP_UINT16: *lo = 0, *hi = 65535; return true;
    case LP_INT16: *lo = -32768, *hi = 32767; return true;
    case LP_UINT4: *lo = 0, *hi = 15; return true;
    case LP_INT4: *lo = -8, *hi = 7; return true;
    case LP_UINT2: *lo = 0, *hi = 3; return true;
    case LP_INT2: *lo = -2, *hi = 1; return true;
    case LP_INT32: *lo = -2147483648.0, *hi = 2147483647.0; return true;
    default: return false;
    }
}

static bool is_small_float(lp_dtype t) {
    return t == LP_FLOAT8E4M3FN || t == LP_FLOAT8E4M3FNUZ || t == LP_FLOAT8E5M2 ||
           t == LP_FLOAT8E5M2FNUZ || t == LP_FLOAT4E2M1;
}

/* rint, clamped into [lo, hi]; NaN goes to 0 before clamping. */
static inline double sat_round(double v, double lo, double hi) {
    v = isnan(v) ? 0 : rint(v);
    return v < lo ? lo : v > hi ? hi : v;
}

/* ---- QuantizeLinear / DequantizeLinear ---- */

int lp_k_quantize_linear(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0), *scale = lp_in(k, 1), *zp = lp_in(k, 2);
    if (!x || !scale) return lp_kbad(k, "needs x and y_scale");
    lp_dtype out_t = (lp_dtype)lp_attr_int(k->node, "output_dtype", 0);
    if (zp && out_t && zp->dtype != out_t)
        return lp_kbad(k, "output_dtype %s differs from the zero point's %s",
                       lp_dtype_name(out_t), lp_dtype_name(zp->dtype));
    if (zp) out_t = zp->dtype;
    if (!out_t) out_t = LP_UINT8;
    double lo = 0, hi = 0;
    bool integer = int_range(out_t, &lo, &hi) && out_t != LP_INT32;
    if (!integer && !is_small_float(out_t))
        return lp_kbad(k, "cannot quantize to %s", lp_dtype_name(out_t));
    qmap m;
    int rc = qmap_init(k, x, scale, zp, &m);
    if (rc) return rc;
    /* the division's type: `precision`, else numpy's promotion of x and scale */
    lp_dtype div_t = (lp_dtype)lp_attr_int(k->node, "precision", 0);
    if (!div_t) {
        if (x->dtype == scale->dtype && lp_dtype_is_float(x->dtype)) div_t = x->dtype;
        else if (x->dtype == LP_DOUBLE || scale->dtype == LP_DOUBLE) div_t = LP_DOUBLE;
        else if (lp_dtype_is_int(x->dtype) && lp_dtype_is_int(scale->dtype)) div_t = LP_DOUBLE;
        else div_t = LP_FLOAT;
    }
    int saturate = (int)lp_attr_int(k->node, "saturate", 1);
    lp_tensor *y = lp_out(k, 0, out_t, x->rank, x->dims);
    if (!y) return k->err->status;
    uint8_t *y8 = y->data;
    for (int64_t e = 0; e < x->numel; e++) {
        int64_t s = qmap_at(&m, e);
        double q = round_to(div_t, round_to(div_t, lp_get_f64(x, e)) /
                                       round_to(div_t, lp_get_f64(scale, s)));
        if (integer) {
            double z = zp ? lp_get_f64(zp, s) : 0;
            lp_store_f64(out_t, y->data, (size_t)e, sat_round(isnan(q) ? q : rint(q) + z, lo, hi));
        } else if (out_t == LP_FLOAT4E2M1) {
            /* the reference adds a float4 zero point; float8 ones are ignored */
            y8[e] = lp_float_to_f8(out_t, (float)(q + (zp ? lp_get_f64(zp, s) : 0)), 1);
        } else {
            y8[e] = lp_float_to_f8(out_t, (float)q, saturate);
        }
    }
    return LP_OK;
}

int lp_k_dequantize_linear(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0), *scale = lp_in(k, 1), *zp = lp_in(k, 2);
    if (!x || !scale) return lp_kbad(k, "needs x and x_scale");
    if (zp && zp->dtype != x->dtype)
        return lp_kbad(k, "the zero point is %s, x is %s", lp_dtype_name(zp->dtype),
                       lp_dtype_name(x->dtype));
    if (is_small_float(x->dtype)) zp = NULL; /* zero for float8/float4 by definition */
    lp_dtype out_t = (lp_dtype)lp_attr_int(k->node, "output_dtype", 0);
    if (!out_t) out_t = scale->dtype;
    if (out_t != LP_FLOAT && out_t != LP_FLOAT16 && out_t != LP_BFLOAT16 && out_t != LP_DOUBLE)
        out_t = LP_FLOAT;
    qmap m;
    int rc = qmap_init(k, x, scale, zp, &m);
    if (rc) return rc;
    lp_tensor *y = lp_out(k, 0, out_t, x->rank, x->dims);
    if (!y) return k->err->status;
    for (int64_t e = 0; e < x->numel; e++) {
        int64_t s = qmap_at(&m, e);
        float dx = (float)lp_get_f64(x, e) - (zp ? (float)lp_get_f64(zp, s) : 0.0f);
        lp_store_f64(out_t, y->data, (size_t)e, (double)(dx * (float)lp_get_f64(scale, s)));
    }
    return LP_OK;
}

int lp_k_dynamic_quantize_linear(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0);
    if (!x || x->dtype != LP_FLOAT) return lp_kbad(k, "x must be a float32 tensor");
    const float *xf = x->data;
    float lo = 0, hi = 0; /* the range always includes 0 */
    for (int64_t i = 0; i < x->numel; i++) {
        if (xf[i] < lo) lo = xf[i];
        if (xf[i] > hi) hi = xf[i];
    }
    float scale = hi == lo ? 1.0f : (hi - lo) / 255.0f;
    float zp = 0.0f - lo / scale;
    zp = rintf(zp < 0 ? 0 : zp > 255 ? 255 : zp);
    lp_tensor *y = lp_out(k, 0, LP_UINT8, x->rank, x->dims);
    if (!y) return k->err->status;
    uint8_t *yq = y->data;
    for (int64_t i = 0; i < x->numel; i++) yq[i] = (uint8_t)sat_round(rintf(xf[i] / scale) + zp, 0, 255);
    lp_tensor *s = lp_out(k, 1, LP_FLOAT, 0, NULL), *z = s ? lp_out(k, 2, LP_UINT8, 0, NULL) : NULL;
    if (!s || !z) return k->err->status;
    *(float *)s->data = scale;
    *(uint8_t *)z->data = (uint8_t)zp;
    return LP_OK;
}

/* ---- exact integer products ---- */

static bool is_8bit(const lp_tensor *t) {
    return t && (t->dtype == LP_UINT8 || t->dtype == LP_INT8);
}

/* A zero point of one value, or one per entry of a length-n axis. */
static int zp_check(lp_kctx *k, const lp_tensor *zp, const lp_tensor *of, int64_t n,
                    const char *what) {
    if (!zp) return LP_OK;
    if (zp->dtype != of->dtype)
        return lp_kbad(k, "%s is %s, its tensor %s", what, lp_dtype_name(zp->dtype),
                       lp_dtype_name(of->dtype));
    if (zp->numel != 1 && zp->numel != n)
        return lp_kbad(k, "%s has %lld values; it needs 1 or %lld", what, (long long)zp->numel,
                       (long long)n);
    return LP_OK;
}

static inline double zp_at(const lp_tensor *zp, int64_t i) {
    return zp ? lp_get_f64(zp, zp->numel == 1 ? 0 : i) : 0;
}

/* Wraps an exact integer sum to int32, as a 32-bit accumulator would. */
static inline int32_t wrap32(double v) { return (int32_t)(uint32_t)(uint64_t)(int64_t)v; }

/* Shapes of a numpy-style matmul: batch dims broadcast, 1-D operands promoted. */
typedef struct mm_shape {
    int64_t m, kd, n, nbatch;
    int out_rank;
    int64_t out[LP_MAX_RANK];
    int brank;
    int64_t bdims[LP_MAX_RANK], astr[LP_MAX_RANK], bstr[LP_MAX_RANK]; /* in matrices */
} mm_shape;

static int mm_plan(lp_kctx *k, const lp_tensor *a, const lp_tensor *b, mm_shape *s) {
    if (a->rank < 1 || b->rank < 1) return lp_kbad(k, "matmul operands must have rank 1 or more");
    memset(s, 0, sizeof *s);
    s->m = a->rank >= 2 ? a->dims[a->rank - 2] : 1;
    s->kd = a->dims[a->rank - 1];
    int64_t kb = b->rank >= 2 ? b->dims[b->rank - 2] : b->dims[0];
    s->n = b->rank >= 2 ? b->dims[b->rank - 1] : 1;
    if (kb != s->kd)
        return lp_kbad(k, "inner dimensions differ: %lld and %lld", (long long)s->kd,
                       (long long)kb);
    int ra = a->rank > 2 ? a->rank - 2 : 0, rb = b->rank > 2 ? b->rank - 2 : 0;
    s->brank = ra > rb ? ra : rb;
    int64_t as = 1, bs = 1;
    for (int d = s->brank - 1; d >= 0; d--) {
        int da = d - (s->brank - ra), db = d - (s->brank - rb);
        int64_t x = da >= 0 ? a->dims[da] : 1, y = db >= 0 ? b->dims[db] : 1;
        if (x != y && x != 1 && y != 1)
            return lp_kbad(k, "batch dimensions %lld and %lld do not broadcast", (long long)x,
                           (long long)y);
        s->bdims[d] = x > y ? x : y;
        if (x == 0 || y == 0) s->bdims[d] = 0;
        s->astr[d] = x == 1 ? 0 : as;
        s->bstr[d] = y == 1 ? 0 : bs;
        as *= x;
        bs *= y;
    }
    s->nbatch = lp_shape_numel(s->brank, s->bdims);
    memcpy(s->out, s->bdims, (size_t)s->brank * sizeof *s->out);
    s->out_rank = s->brank;
    if (a->rank >= 2) s->out[s->out_rank++] = s->m;
    if (b->rank >= 2) s->out[s->out_rank++] = s->n;
    return LP_OK;
}

/* Matrix offsets (in matrices) of batch entry i in a and b. */
static void mm_batch(const mm_shape *s, int64_t i, int64_t *ao, int64_t *bo) {
    *ao = *bo = 0;
    for (int d = s->brank - 1; d >= 0; d--) {
        int64_t q = i % s->bdims[d];
        i /= s->bdims[d];
        *ao += q * s->astr[d];
        *bo += q * s->bstr[d];
    }
}

/* Carves the session's scratch into n arrays of doubles. */
static int scratch_doubles(lp_kctx *k, double **out, const int64_t *counts, int n) {
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        size_t bytes;
        if (counts[i] < 0 || lp_mul_size((size_t)counts[i], sizeof(double), &bytes) ||
            lp_add_size(total, (bytes + 63) & ~(size_t)63, &total))
            return lp_kbad(k, "the product is too large");
    }
    char *p = lp_scratch(k, total ? total : 64);
    if (!p) return lp_kfail(k, "out of memory for %zu bytes of scratch", total);
    for (int i = 0; i < n; i++) {
        out[i] = (double *)(void *)p;
        p += ((size_t)counts[i] * sizeof(double) + 63) & ~(size_t)63;
    }
    return LP_OK;
}

/* C = (A - azp) (B - bzp) for every batch entry, exact, into c (as doubles). */
static int int_matmul(lp_kctx *k, const lp_tensor *a, const lp_tensor *azp, const lp_tensor *b,
                      const lp_tensor *bzp, const mm_shape *s, double **c) {
    int64_t mk, kn, mn, total;
    if (s->nbatch < 0 || lp_mul_i64(s->m, s->kd, &mk) || lp_mul_i64(s->kd, s->n, &kn) ||
        lp_mul_i64(s->m, s->n, &mn) || lp_mul_i64(mn, s->nbatch, &total))
        return lp_kbad(k, "the product's size overflows");
    int64_t counts[3] = {mk, kn, total};
    double *buf[3];
    int rc = scratch_doubles(k, buf, counts, 3);
    if (rc) return rc;
    for (int64_t bi = 0; bi < s->nbatch; bi++) {
        int64_t ao, bo;
        mm_batch(s, bi, &ao, &bo);
        for (int64_t i = 0; i < mk; i++)
            buf[0][i] = lp_get_f64(a, ao * mk + i) - zp_at(azp, i / s->kd);
        for (int64_t i = 0; i < kn; i++)
            buf[1][i] = lp_get_f64(b, bo * kn + i) - zp_at(bzp, i % s->n);
        double *cb = buf[2] + bi * mn;
        if (s->kd == 0) {
            memset(cb, 0, (size_t)mn * sizeof *cb);
            continue;
        }
        if (mn == 0) continue;
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)s->m, (int)s->n, (int)s->kd,
                    1.0, buf[0], (int)s->kd, buf[1], (int)s->n, 0.0, cb, (int)s->n);
    }
    *c = buf[2];
    return LP_OK;
}

static int blas_dims_ok(lp_kctx *k, int64_t a, int64_t b, int64_t c) {
    if (a > INT32_MAX || b > INT32_MAX || c > INT32_MAX)
        return lp_kbad(k, "a dimension is beyond what BLAS takes (2^31)");
    return LP_OK;
}

int lp_k_mat_mul_integer(lp_kctx *k) {
    const lp_tensor *a = lp_in(k, 0), *b = lp_in(k, 1), *azp = lp_in(k, 2), *bzp = lp_in(k, 3);
    if (!is_8bit(a) || !is_8bit(b)) return lp_kbad(k, "A and B must be int8 or uint8");
    mm_shape s;
    int rc = mm_plan(k, a, b, &s);
    if (!rc) rc = blas_dims_ok(k, s.m, s.n, s.kd);
    if (!rc) rc = zp_check(k, azp, a, s.m, "a_zero_point");
    if (!rc) rc = zp_check(k, bzp, b, s.n, "b_zero_point");
    double *c;
    if (!rc) rc = int_matmul(k, a, azp, b, bzp, &s, &c);
    if (rc) return rc;
    lp_tensor *y = lp_out(k, 0, LP_INT32, s.out_rank, s.out);
    if (!y) return k->err->status;
    int32_t *yi = y->data;
    for (int64_t i = 0; i < y->numel; i++) yi[i] = wrap32(c[i]);
    return LP_OK;
}

/* The scale a*b/y computed in the scales' own type, as the reference does. */
static double requant_scale(const lp_tensor *as, int64_t ai, const lp_tensor *bs, int64_t bi,
                            const lp_tensor *ys, int64_t yi) {
    lp_dtype t = as->dtype == bs->dtype && bs->dtype == ys->dtype ? as->dtype : LP_FLOAT;
    double ab = round_to(t, lp_get_f64(as, ai) * lp_get_f64(bs, bi));
    return round_to(t, ab / lp_get_f64(ys, yi));
}

static int scale_check(lp_kctx *k, const lp_tensor *sc, int64_t n, const char *what) {
    if (!sc || !lp_dtype_is_float(sc->dtype))
        return lp_kbad(k, "%s must be a float tensor", what);
    if (sc->numel != 1 && sc->numel != n)
        return lp_kbad(k, "%s has %lld values; it needs 1 or %lld", what, (long long)sc->numel,
                       (long long)n);
    return LP_OK;
}

static inline int64_t per(const lp_tensor *t, int64_t i) { return t->numel == 1 ? 0 : i; }

int lp_k_qlinear_mat_mul(lp_kctx *k) {
    const lp_tensor *a = lp_in(k, 0), *as = lp_in(k, 1), *azp = lp_in(k, 2);
    const lp_tensor *b = lp_in(k, 3), *bs = lp_in(k, 4), *bzp = lp_in(k, 5);
    const lp_tensor *ys = lp_in(k, 6), *yzp = lp_in(k, 7);
    if (!is_8bit(a) || !is_8bit(b)) return lp_kbad(k, "a and b must be int8 or uint8");
    if (!is_8bit(yzp)) return lp_kbad(k, "y_zero_point must be int8 or uint8");
    mm_shape s;
    int rc = mm_plan(k, a, b, &s);
    if (!rc) rc = blas_dims_ok(k, s.m, s.n, s.kd);
    if (!rc) rc = zp_check(k, azp, a, s.m, "a_zero_point");
    if (!rc) rc = zp_check(k, bzp, b, s.n, "b_zero_point");
    if (!rc) rc = scale_check(k, as, s.m, "a_scale");
    if (!rc) rc = scale_check(k, bs, s.n, "b_scale");
    if (!rc) rc = scale_check(k, ys, s.n, "y_scale");
    if (!rc && yzp->numel != 1 && yzp->numel != s.n)
        rc = lp_kbad(k, "y_zero_point needs 1 or %lld values", (long long)s.n);
    double *c;
    if (!rc) rc = int_matmul(k, a, azp, b, bzp, &s, &c);
    if (rc) return rc;
    lp_tensor *y = lp_out(k, 0, yzp->dtype, s.out_rank, s.out);
    if (!y) return k->err->status;
    double lo, hi;
    int_range(yzp->dtype, &lo, &hi);
    for (int64_t e = 0; e < y->numel; e++) {
        int64_t j = e % s.n, i = (e / s.n) % s.m;
        double mult = requant_scale(as, per(as, i), bs, per(bs, j), ys, per(ys, j));
        double v = (double)wrap32(c[e]) * mult + lp_get_f64(yzp, per(yzp, j));
        lp_store_f64(y->dtype, y->data, (size_t)e, sat_round(v, lo, hi));
    }
    return LP_OK;
}

/* ---- integer convolution ---- */

typedef struct conv_geom {
    int nsp; /* spatial dims */
    int64_t batch, cin, cout, group;
    int64_t in[LP_MAX_RANK], kern[LP_MAX_RANK], out[LP_MAX_RANK];
    int64_t stride[LP_MAX_RANK], dil[LP_MAX_RANK], pad[LP_MAX_RANK];
    int64_t in_size, kern_size, out_size;
} conv_geom;

static int conv_plan(lp_kctx *k, const lp_tensor *x, const lp_tensor *w, conv_geom *g) {
    memset(g, 0, sizeof *g);
    if (x->rank < 3 || w->rank != x->rank)
        return lp_kbad(k, "x and w must have the same rank, 3 or more");
    g->nsp = x->rank - 2;
    g->batch = x->dims[0];
    g->cin = x->dims[1];
    g->cout = w->dims[0];
    g->group = lp_attr_int(k->node, "group", 1);
    if (g->group < 1 || g->cin % g->group || g->cout % g->group ||
        w->dims[1] != g->cin / g->group)
        return lp_kbad(k, "channels (x %lld, w %lldx%lld) do not fit group %lld",
                       (long long)g->cin, (long long)w->dims[0], (long long)w->dims[1],
                       (long long)g->group);
    int n;
    const int64_t *ks = lp_attr_ints(k->node, "kernel_shape", &n);
    if (ks && n != g->nsp) return lp_kbad(k, "kernel_shape has %d entries", n);
    const int64_t *st = lp_attr_ints(k->node, "strides", &n);
    if (st && n != g->nsp) return lp_kbad(k, "strides has %d entries", n);
    const int64_t *dl = lp_attr_ints(k->node, "dilations", &n);
    if (dl && n != g->nsp) return lp_kbad(k, "dilations has %d entries", n);
    const int64_t *pads = lp_attr_ints(k->node, "pads", &n);
    if (pads && n != 2 * g->nsp) return lp_kbad(k, "pads has %d entries", n);
    const char *ap = lp_attr_string(k->node, "auto_pad", "NOTSET");
    g->in_size = g->kern_size = g->out_size = 1;
    for (int d = 0; d < g->nsp; d++) {
        g->in[d] = x->dims[2 + d];
        g->kern[d] = w->dims[2 + d];
        if (ks && ks[d] != g->kern[d]) return lp_kbad(k, "kernel_shape disagrees with w");
        g->stride[d] = st ? st[d] : 1;
        g->dil[d] = dl ? dl[d] : 1;
        if (g->stride[d] < 1 || g->dil[d] < 1 || g->stride[d] > INT32_MAX || g->dil[d] > INT32_MAX)
            return lp_kbad(k, "strides and dilations must be positive and below 2^31");
        int64_t span = (g->kern[d] - 1) * g->dil[d] + 1, p0 = 0, p1 = 0;
        if (!strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER")) {
            int64_t o = (g->in[d] + g->stride[d] - 1) / g->stride[d];
            int64_t total = (o - 1) * g->stride[d] + span - g->in[d];
            if (total < 0) total = 0;
            p0 = !strcmp(ap, "SAME_UPPER") ? total / 2 : total - total / 2;
            p1 = total - p0;
        } else if (strcmp(ap, "VALID") && pads) {
            p0 = pads[d];
            p1 = pads[d + g->nsp];
        }
        if (p0 < 0 || p1 < 0 || p0 > INT32_MAX || p1 > INT32_MAX)
            return lp_kbad(k, "pads must be between 0 and 2^31");
        g->pad[d] = p0;
        int64_t o = (g->in[d] + p0 + p1 - span) / g->stride[d] + 1;
        if (g->in[d] + p0 + p1 < span) o = 0;
        g->out[d] = o;
        if (lp_mul_i64(g->in_size, g->in[d], &g->in_size) ||
            lp_mul_i64(g->kern_size, g->kern[d], &g->kern_size) ||
            lp_mul_i64(g->out_size, o, &g->out_size))
            return lp_kbad(k, "the convolution's sizes overflow");
    }
    /* the sizes int_conv multiplies out */
    int64_t rows, cols, all, bc;
    if (lp_mul_i64(g->cin / g->group, g->kern_size, &rows) ||
        lp_mul_i64(rows, g->out_size, &cols) || lp_mul_i64(g->cout, rows, &all) ||
        lp_mul_i64(g->batch, g->cout, &bc) || lp_mul_i64(bc, g->out_size, &all))
        return lp_kbad(k, "the convolution's sizes overflow");
    return LP_OK;
}

/* Y = conv(x - xzp, w - wzp) as exact sums (doubles), shape [N, M, out...]. */
static int int_conv(lp_kctx *k, const lp_tensor *x, const lp_tensor *xzp, const lp_tensor *w,
                    const lp_tensor *wzp, const conv_geom *g, double **y) {
    int64_t cg = g->cin / g->group, mg = g->cout / g->group;
    int64_t rows = cg * g->kern_size; /* im2col rows per group */
    if (blas_dims_ok(k, mg, g->out_size, rows)) return k->err->status;
    int64_t counts[3] = {g->cout * rows, rows * g->out_size, g->batch * g->cout * g->out_size};
    double *buf[3];
    int rc = scratch_doubles(k, buf, counts, 3);
    if (rc) return rc;
    double *wd = buf[0], *col = buf[1];
    for (int64_t i = 0; i < g->cout * rows; i++) wd[i] = lp_get_f64(w, i) - zp_at(wzp, i / rows);
    double xz = zp_at(xzp, 0);
    int64_t idx[LP_MAX_RANK], kidx[LP_MAX_RANK];
    for (int64_t n = 0; n < g->batch; n++) {
        for (int64_t gr = 0; gr < g->group; gr++) {
            /* im2col: row (c, kernel offset), column output position */
            for (int64_t r = 0; r < rows; r++) {
                int64_t c = gr * cg + r / g->kern_size, kk = r % g->kern_size;
                for (int d = g->nsp - 1; d >= 0; d--) {
                    kidx[d] = kk % g->kern[d];
                    kk /= g->kern[d];
                }
                int64_t xbase = (n * g->cin + c) * g->in_size;
                for (int64_t o = 0; o < g->out_size; o++) {
                    int64_t oo = o, pos = 0;
                    bool inside = true;
                    for (int d = g->nsp - 1; d >= 0; d--) {
                        idx[d] = oo % g->out[d];
                        oo /= g->out[d];
                    }
                    for (int d = 0; d < g->nsp && inside; d++) {
                        int64_t p = idx[d] * g->stride[d] - g->pad[d] + kidx[d] * g->dil[d];
                        inside = p >= 0 && p < g->in[d];
                        pos = pos * g->in[d] + p;
                    }
                    col[r * g->out_size + o] = inside ? lp_get_f64(x, xbase + pos) - xz : 0;
                }
            }
            double *yb = buf[2] + (n * g->cout + gr * mg) * g->out_size;
            if (rows == 0) {
                memset(yb, 0, (size_t)(mg * g->out_size) * sizeof *yb);
                continue;
            }
            if (mg == 0 || g->out_size == 0) continue;
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)mg, (int)g->out_size,
                        (int)rows, 1.0, wd + gr * mg * rows, (int)rows, col, (int)g->out_size,
                        0.0, yb, (int)g->out_size);
        }
    }
    *y = buf[2];
    return LP_OK;
}

static void conv_out_dims(const conv_geom *g, int64_t *dims) {
    dims[0] = g->batch;
    dims[1] = g->cout;
    memcpy(dims + 2, g->out, (size_t)g->nsp * sizeof *dims);
}

int lp_k_conv_integer(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0), *w = lp_in(k, 1), *xzp = lp_in(k, 2), *wzp = lp_in(k, 3);
    if (!is_8bit(x) || !is_8bit(w)) return lp_kbad(k, "x and w must be int8 or uint8");
    conv_geom g;
    int rc = conv_plan(k, x, w, &g);
    if (!rc) rc = zp_check(k, xzp, x, 1, "x_zero_point");
    if (!rc) rc = zp_check(k, wzp, w, g.cout, "w_zero_point");
    double *c;
    if (!rc) rc = int_conv(k, x, xzp, w, wzp, &g, &c);
    if (rc) return rc;
    int64_t dims[LP_MAX_RANK];
    conv_out_dims(&g, dims);
    lp_tensor *y = lp_out(k, 0, LP_INT32, x->rank, dims);
    if (!y) return k->err->status;
    int32_t *yi = y->data;
    for (int64_t i = 0; i < y->numel; i++) yi[i] = wrap32(c[i]);
    return LP_OK;
}

int lp_k_qlinear_conv(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0), *xs = lp_in(k, 1), *xzp = lp_in(k, 2);
    const lp_tensor *w = lp_in(k, 3), *ws = lp_in(k, 4), *wzp = lp_in(k, 5);
    const lp_tensor *ys = lp_in(k, 6), *yzp = lp_in(k, 7), *bias = lp_in(k, 8);
    if (!is_8bit(x) || !is_8bit(w)) return lp_kbad(k, "x and w must be int8 or uint8");
    if (!is_8bit(yzp)) return lp_kbad(k, "y_zero_point must be int8 or uint8");
    conv_geom g;
    int rc = conv_plan(k, x, w, &g);
    if (!rc) rc = zp_check(k, xzp, x, 1, "x_zero_point");
    if (!rc) rc = zp_check(k, wzp, w, g.cout, "w_zero_point");
    if (!rc) rc = scale_check(k, xs, 1, "x_scale");
    if (!rc) rc = scale_check(k, ws, g.cout, "w_scale");
    if (!rc) rc = scale_check(k, ys, 1, "y_scale");
    if (!rc && yzp->numel != 1) rc = lp_kbad(k, "y_zero_point must be one value");
    if (!rc && bias && (bias->dtype != LP_INT32 || bias->numel != g.cout))
        rc = lp_kbad(k, "B must be int32 with %lld values", (long long)g.cout);
    double *c;
    if (!rc) rc = int_conv(k, x, xzp, w, wzp, &g, &c);
    if (rc) return rc;
    int64_t dims[LP_MAX_RANK];
    conv_out_dims(&g, dims);
    lp_tensor *y = lp_out(k, 0, yzp->dtype, x->rank, dims);
    if (!y) return k->err->status;
    double lo, hi, z = lp_get_f64(yzp, 0);
    int_range(yzp->dtype, &lo, &hi);
    for (int64_t e = 0; e < y->numel; e++) {
        int64_t m = (e / g.out_size) % g.cout;
        int32_t acc = wrap32(c[e]);
        if (bias) acc = (int32_t)((uint32_t)acc + (uint32_t)((const int32_t *)bias->data)[m]);
        double v = (double)acc * requant_scale(xs, 0, ws, per(ws, m), ys, 0) + z;
        lp_store_f64(y->dtype, y->data, (size_t)e, sat_round(v, lo, hi));
    }
    return LP_OK;
}
