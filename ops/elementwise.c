/*
** elementwise.c — arithmetic, comparison, logic and math kernels, one
** expression each, plus the drivers of ops/ew.h that walk tensors for them
** (flat maps, broadcast zips, the three-input Where).
*/
#include "ops/ew.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK 256 /* elements per float32 block for float16 / bfloat16 */

/* ---- drivers ---- */

bool lp_ew_via_float(lp_dtype t) {
    switch (t) {
    case LP_FLOAT16: case LP_BFLOAT16:
    case LP_FLOAT8E4M3FN: case LP_FLOAT8E4M3FNUZ: case LP_FLOAT8E5M2: case LP_FLOAT8E5M2FNUZ:
        return true;
    default:
        return false;
    }
}

static const lp_cast_opts to_f32_opts = {.saturate = 1};

static void to_f32(lp_dtype t, const void *src, int64_t at, float *dst, int64_t n) {
    lp_cast_buf(t, (const char *)src + (size_t)at * lp_dtype_size(t), LP_FLOAT, dst, n,
                &to_f32_opts);
}

static void from_f32(lp_dtype t, const float *src, void *dst, int64_t at, int64_t n) {
    lp_cast_buf(LP_FLOAT, src, t, (char *)dst + (size_t)at * lp_dtype_size(t), n, &to_f32_opts);
}

static int bad_type(lp_kctx *k, lp_dtype t) {
    return lp_kbad(k, "element type %s is not supported", lp_dtype_name(t));
}

int lp_ew_map(lp_kctx *k, const lp_ew_map_fn *tab, const lp_tensor *x, lp_tensor *y,
              const lp_ew_param *p) {
    if (!lp_dtype_valid((int)x->dtype)) return bad_type(k, x->dtype);
    lp_ew_map_fn fn = tab[x->dtype];
    if (fn) {
        fn(x->data, y->data, x->numel, p);
        return LP_OK;
    }
    fn = tab[LP_FLOAT];
    if (!fn || !lp_ew_via_float(x->dtype)) return bad_type(k, x->dtype);
    float xb[BLOCK], yb[BLOCK];
    bool back = lp_ew_via_float(y->dtype);
    size_t ysize = lp_dtype_size(y->dtype);
    for (int64_t at = 0; at < x->numel; at += BLOCK) {
        int64_t m = x->numel - at < BLOCK ? x->numel - at : BLOCK;
        to_f32(x->dtype, x->data, at, xb, m);
        if (back) {
            fn(xb, yb, m, p);
            from_f32(y->dtype, yb, y->data, at, m);
        } else {
            fn(xb, (char *)y->data + (size_t)at * ysize, m, p);
        }
    }
    return LP_OK;
}

int lp_ew_map_op(lp_kctx *k, const lp_ew_map_fn *tab, lp_dtype ydt, const lp_ew_param *p) {
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kfail(k, "input 0 is missing");
    lp_dtype yt = ydt ? ydt : x->dtype;
    /* in place when x dies here: each y[i] needs x[i] alone, read first */
    lp_tensor *y = yt == x->dtype ? lp_out_take(k, 0, 0, yt, x->rank, x->dims) : NULL;
    if (!y) y = lp_out(k, 0, yt, x->rank, x->dims);
    if (!y) return LP_EFAIL;
    return lp_ew_map(k, tab, x, y, p);
}

void lp_ew_plan_init(lp_ew_plan *pl, const lp_tensor *const *ins, int n, const lp_tensor *y) {
    int64_t st[3][LP_MAX_RANK];
    for (int i = 0; i < n; i++) lp_broadcast_strides(ins[i], y->rank, y->dims, st[i]);
    int r = 0;
    for (int d = 0; d < y->rank; d++) {
        if (y->dims[d] == 1) continue;
        bool merge = r > 0;
        for (int i = 0; i < n && merge; i++) merge = pl->st[i][r - 1] == st[i][d] * y->dims[d];
        if (merge) {
            pl->dims[r - 1] *= y->dims[d];
            for (int i = 0; i < n; i++) pl->st[i][r - 1] = st[i][d];
        } else {
            pl->dims[r] = y->dims[d];
            for (int i = 0; i < n; i++) pl->st[i][r] = st[i][d];
            r++;
        }
    }
    if (r == 0) {
        pl->dims[0] = 1;
        for (int i = 0; i < n; i++) pl->st[i][0] = 0;
        r = 1;
    }
    pl->rank = r;
}

/* Steps the outer dims (all but the row) of a plan: idx and the n offsets. */
static inline void plan_next(const lp_ew_plan *pl, int n, int64_t *idx, int64_t *off) {
    for (int d = pl->rank - 2; d >= 0; d--) {
        for (int i = 0; i < n; i++) off[i] += pl->st[i][d];
        if (++idx[d] < pl->dims[d]) return;
        for (int i = 0; i < n; i++) off[i] -= pl->st[i][d] * pl->dims[d];
        idx[d] = 0;
    }
}

/* One row of a zip through float32 blocks (float16, bfloat16). */
static void zip_row_f32(lp_ew_zip_fn fn, lp_dtype t, const void *a, int64_t oa, const void *b,
                        int64_t ob, lp_tensor *y, int64_t oy, int64_t n, int kind,
                        const lp_ew_param *p) {
    float ab[BLOCK], bb[BLOCK], yb[BLOCK];
    bool back = lp_ew_via_float(y->dtype);
    size_t ysize = lp_dtype_size(y->dtype);
    if (kind == LP_EW_SV) to_f32(t, a, oa, ab, 1);
    if (kind == LP_EW_VS) to_f32(t, b, ob, bb, 1);
    for (int64_t at = 0; at < n; at += BLOCK) {
        int64_t m = n - at < BLOCK ? n - at : BLOCK;
        if (kind != LP_EW_SV) to_f32(t, a, oa + at, ab, m);
        if (kind != LP_EW_VS) to_f32(t, b, ob + at, bb, m);
        if (back) {
            fn(ab, bb, yb, m, kind, p);
            from_f32(y->dtype, yb, y->data, oy + at, m);
        } else {
            fn(ab, bb, (char *)y->data + (size_t)(oy + at) * ysize, m, kind, p);
        }
    }
}

int lp_ew_zip(lp_kctx *k, const lp_ew_zip_fn *tab, const lp_tensor *a, const lp_tensor *b,
              lp_tensor *y, const lp_ew_param *p) {
    lp_dtype t = a->dtype;
    if (b->dtype != t)
        return lp_kbad(k, "inputs have different types (%s and %s)", lp_dtype_name(t),
                       lp_dtype_name(b->dtype));
    if (!lp_dtype_valid((int)t)) return bad_type(k, t);
    lp_ew_zip_fn fn = tab[t];
    bool f32 = false;
    if (!fn) {
        fn = tab[LP_FLOAT];
        if (!fn || !lp_ew_via_float(t)) return bad_type(k, t);
        f32 = true;
    }
    if (y->numel == 0) return LP_OK;
    size_t sa = lp_dtype_size(t), sy = lp_dtype_size(y->dtype);
    const lp_tensor *ins[2] = {a, b};
    lp_ew_plan pl;
    if (a->numel == y->numel && b->numel == y->numel) {
        pl.rank = 1, pl.dims[0] = y->numel, pl.st[0][0] = pl.st[1][0] = 1;
    } else if (a->numel == y->numel && b->numel == 1) {
        pl.rank = 1, pl.dims[0] = y->numel, pl.st[0][0] = 1, pl.st[1][0] = 0;
    } else if (b->numel == y->numel && a->numel == 1) {
        pl.rank = 1, pl.dims[0] = y->numel, pl.st[0][0] = 0, pl.st[1][0] = 1;
    } else {
        lp_ew_plan_init(&pl, ins, 2, y);
    }
    int r = pl.rank;
    int64_t inner = pl.dims[r - 1], rows = y->numel / inner;
    int kind = pl.st[0][r - 1] == 0 && pl.st[1][r - 1] != 0 ? LP_EW_SV
               : pl.st[1][r - 1] == 0 && pl.st[0][r - 1] != 0 ? LP_EW_VS
                                                              : LP_EW_VV;
    int64_t idx[LP_MAX_RANK] = {0}, off[2] = {0, 0};
    for (int64_t row = 0; row < rows; row++) {
        if (f32)
            zip_row_f32(fn, t, a->data, off[0], b->data, off[1], y, row * inner, inner, kind, p);
        else
            fn((const char *)a->data + (size_t)off[0] * sa,
               (const char *)b->data + (size_t)off[1] * sa,
               (char *)y->data + (size_t)(row * inner) * sy, inner, kind, p);
        plan_next(&pl, 2, idx, off);
    }
    return LP_OK;
}

/* Opset < 7 broadcasting: with broadcast=1 and axis, b lines up with a at axis. */
static int legacy_view(lp_kctx *k, const lp_tensor *a, const lp_tensor *b, lp_tensor *view) {
    *view = *b;
    if (k->opset >= 7 || !lp_attr_int(k->node, "broadcast", 0) || !lp_node_attr(k->node, "axis"))
        return LP_OK;
    int64_t axis = lp_attr_int(k->node, "axis", 0);
    if (axis < 0) axis += a->rank;
    if (axis < 0 || axis + b->rank > a->rank)
        return lp_kbad(k, "axis %lld does not fit input B of rank %d", (long long)axis, b->rank);
    view->rank = a->rank - (int)axis;
    for (int d = 0; d < view->rank; d++) view->dims[d] = d < b->rank ? b->dims[d] : 1;
    return LP_OK;
}

static bool same_shape(const lp_tensor *t, int rank, const int64_t *dims) {
    return t->rank == rank && (!rank || !memcmp(t->dims, dims, (size_t)rank * sizeof *dims));
}

/* Inputs A and B of a binary op (B as *b, seen through legacy_view) and its
** output *y of the broadcast shape, of type ydt (A's type when 0). */
static int binary_out(lp_kctx *k, lp_dtype ydt, lp_tensor *b, lp_tensor **y) {
    const lp_tensor *a = lp_in(k, 0), *b0 = lp_in(k, 1);
    if (!a || !b0) return lp_kfail(k, "needs two inputs");
    int rc = legacy_view(k, a, b0, b);
    if (rc) return rc;
    const lp_tensor *ts[2] = {a, b};
    int rank;
    int64_t dims[LP_MAX_RANK];
    rc = lp_broadcast_shape(k, ts, 2, &rank, dims);
    if (rc) return rc;
    lp_dtype yt = ydt ? ydt : a->dtype;
    /* in place over an operand of the output's type and shape that dies
    ** here: y[i] is computed from that operand's element i, read first */
    *y = NULL;
    for (int i = 0; i < 2 && !*y; i++)
        if (ts[i]->dtype == yt && same_shape(ts[i], rank, dims))
            *y = lp_out_take(k, 0, i, yt, rank, dims);
    if (!*y) *y = lp_out(k, 0, yt, rank, dims);
    return *y ? LP_OK : LP_EFAIL;
}

int lp_ew_zip_op(lp_kctx *k, const lp_ew_zip_fn *tab, lp_dtype ydt, const lp_ew_param *p) {
    const lp_tensor *a = lp_in(k, 0);
    lp_tensor b, *y;
    int rc = binary_out(k, ydt, &b, &y);
    if (rc) return rc;
    return lp_ew_zip(k, tab, a, &b, y, p);
}

/* ---- arithmetic ---- */

/* Integers wrap through lp_u; for floats lp_u is the type itself. */
LP_EW_ZIPS(ew_add, LP_EW_NUMERIC, lp_t, (lp_u)a + (lp_u)b)
LP_EW_ZIPS(ew_sub, LP_EW_NUMERIC, lp_t, (lp_u)a - (lp_u)b)
LP_EW_ZIPS(ew_mul, LP_EW_NUMERIC, lp_t, (lp_u)a * (lp_u)b)
LP_EW_TABLE(lp_ew_zip_fn, ew_add, LP_EW_NUMERIC)
LP_EW_TABLE(lp_ew_zip_fn, ew_sub, LP_EW_NUMERIC)
LP_EW_TABLE(lp_ew_zip_fn, ew_mul, LP_EW_NUMERIC)

/* Integer division truncates (C, and numpy's int(a / b)); x/0 gives 0. */
LP_EW_ZIPS(ew_div, LP_EW_FLOATS, lp_t, a / b)
LP_EW_ZIPS(ew_div, LP_EW_SINTS, lp_t, b == 0 ? 0 : b == -1 ? (lp_t)(0 - (lp_u)a) : a / b)
LP_EW_ZIPS(ew_div, LP_EW_UINTS, lp_t, b == 0 ? 0 : a / b)
LP_EW_TABLE(lp_ew_zip_fn, ew_div, LP_EW_NUMERIC)

int lp_k_add(lp_kctx *k) { return lp_ew_zip_op(k, ew_add_tab, LP_UNDEFINED, NULL); }
int lp_k_sub(lp_kctx *k) { return lp_ew_zip_op(k, ew_sub_tab, LP_UNDEFINED, NULL); }
int lp_k_mul(lp_kctx *k) { return lp_ew_zip_op(k, ew_mul_tab, LP_UNDEFINED, NULL); }
int lp_k_div(lp_kctx *k) { return lp_ew_zip_op(k, ew_div_tab, LP_UNDEFINED, NULL); }

/* Mod: fmod=1 truncates like C; fmod=0 takes the divisor's sign like Python. */
LP_EW_ZIPS(ew_fmod, LP_EW_FLOATS, lp_t, fmod(a, b))
LP_EW_ZIPS(ew_fmod, LP_EW_SINTS, lp_t, b == 0 || b == -1 ? 0 : a % b)
LP_EW_ZIPS(ew_fmod, LP_EW_UINTS, lp_t, b == 0 ? 0 : a % b)
LP_EW_TABLE(lp_ew_zip_fn, ew_fmod, LP_EW_NUMERIC)

static inline double py_mod_f(double a, double b) {
    double r = fmod(a, b);
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    else if (r == 0) r = copysign(0.0, b);
    return r;
}
static inline int64_t py_mod_i(int64_t a, int64_t b) {
    if (b == 0 || b == -1) return 0;
    int64_t r = a % b;
    return r != 0 && ((r < 0) != (b < 0)) ? r + b : r;
}
LP_EW_ZIPS(ew_pymod, LP_EW_FLOATS, lp_t, py_mod_f(a, b))
LP_EW_ZIPS(ew_pymod, LP_EW_SINTS, lp_t, py_mod_i(a, b))
LP_EW_ZIPS(ew_pymod, LP_EW_UINTS, lp_t, b == 0 ? 0 : a % b)
LP_EW_TABLE(lp_ew_zip_fn, ew_pymod, LP_EW_NUMERIC)

int lp_k_mod(lp_kctx *k) {
    bool f = lp_attr_int(k->node, "fmod", 0) != 0;
    return lp_ew_zip_op(k, f ? ew_fmod_tab : ew_pymod_tab, LP_UNDEFINED, NULL);
}

/* Integer powers by squaring; a negative exponent leaves only 1 and -1 nonzero. */
static inline int64_t ipow(int64_t a, int64_t e) {
    if (e < 0) return a == 1 ? 1 : a == -1 ? (e & 1 ? -1 : 1) : 0;
    uint64_t r = 1, x = (uint64_t)a;
    while (e) {
        if (e & 1) r *= x;
        x *= x;
        e >>= 1;
    }
    return (int64_t)r;
}
LP_EW_ZIPS(ew_pow, LP_EW_FLOATS, lp_t, pow(a, b))
LP_EW_ZIP(ew_pow_LP_INT64, int64_t, uint64_t, lp_t, ipow(a, b))
#define POW_TYPES(X, ...) LP_EW_FLOATS(X, __VA_ARGS__) X(LP_INT64, int64_t, uint64_t, __VA_ARGS__)
LP_EW_TABLE(lp_ew_zip_fn, ew_pow, POW_TYPES)

LP_EW_MAPS(ew_square, LP_EW_FLOATS, lp_t, v * v)
LP_EW_TABLE(lp_ew_map_fn, ew_square, LP_EW_FLOATS)
/* pow(x, 0.5): +0 for -0 and +inf for -inf, where sqrt differs */
LP_EW_MAPS(ew_sqrt_pos, LP_EW_FLOATS, lp_t, v == -(lp_t)INFINITY ? (lp_t)INFINITY : sqrt(v) + 0)
LP_EW_TABLE(lp_ew_map_fn, ew_sqrt_pos, LP_EW_FLOATS)

/* Pow(T, T1): the exponent is converted to the base's compute type first
** (int64 for integer pairs, double for an integer base with a float exponent). */
int lp_k_pow(lp_kctx *k) {
    const lp_tensor *a = lp_in(k, 0);
    lp_tensor b, *y;
    int rc = binary_out(k, 0, &b, &y);
    if (rc) return rc;
    if (y->numel == 0) return LP_OK;
    /* x^2 and x^0.5, common in norms, without pow() */
    if (b.numel == 1 && y->numel == a->numel &&
        (lp_dtype_is_float(b.dtype) || lp_dtype_is_int(b.dtype))) {
        double e = lp_get_f64(&b, 0);
        bool fa = a->dtype == LP_FLOAT || a->dtype == LP_DOUBLE || lp_ew_via_float(a->dtype);
        if (fa && e == 2) return lp_ew_map(k, ew_square_tab, a, y, NULL);
        if (fa && e == 0.5) return lp_ew_map(k, ew_sqrt_pos_tab, a, y, NULL);
    }
    if (a->dtype == b.dtype && ew_pow_tab[a->dtype])
        return lp_ew_zip(k, ew_pow_tab, a, &b, y, NULL);
    if (!lp_dtype_is_float(a->dtype) && !lp_dtype_is_int(a->dtype)) return bad_type(k, a->dtype);
    if (!lp_dtype_is_float(b.dtype) && !lp_dtype_is_int(b.dtype)) return bad_type(k, b.dtype);
    /* compute type: float/double for float bases, int64 or double for integer bases */
    lp_dtype ct = a->dtype == LP_DOUBLE ? LP_DOUBLE
                  : lp_dtype_is_float(a->dtype) ? LP_FLOAT
                  : lp_dtype_is_int(b.dtype)    ? LP_INT64
                                                : LP_DOUBLE;
    size_t cs = lp_dtype_size(ct);
    size_t na = ((size_t)a->numel * cs + 63) & ~(size_t)63;
    size_t nb = ((size_t)b.numel * cs + 63) & ~(size_t)63;
    size_t ny = (size_t)y->numel * cs;
    char *s = lp_scratch(k, na + nb + ny + 64);
    if (!s) return lp_kfail(k, "out of memory for Pow");
    lp_tensor ca = *a, cb = b, cy = *y;
    ca.dtype = cb.dtype = cy.dtype = ct;
    ca.data = s, cb.data = s + na, cy.data = s + na + nb;
    lp_cast_opts o = {.saturate = 1};
    lp_cast_buf(a->dtype, a->data, ct, ca.data, a->numel, &o);
    lp_cast_buf(b.dtype, b.data, ct, cb.data, b.numel, &o);
    rc = lp_ew_zip(k, ew_pow_tab, &ca, &cb, &cy, NULL);
    if (rc) return rc;
    lp_cast_buf(ct, cy.data, y->dtype, y->data, y->numel, &o);
    return LP_OK;
}

/* ---- bits and logic ---- */

LP_EW_ZIPS(ew_shl, LP_EW_UINTS, lp_t, b >= sizeof(lp_t) * 8 ? 0 : (lp_u)a << b)
LP_EW_ZIPS(ew_shr, LP_EW_UINTS, lp_t, b >= sizeof(lp_t) * 8 ? 0 : a >> b)
LP_EW_TABLE(lp_ew_zip_fn, ew_shl, LP_EW_UINTS)
LP_EW_TABLE(lp_ew_zip_fn, ew_shr, LP_EW_UINTS)

int lp_k_bit_shift(lp_kctx *k) {
    const char *dir = lp_attr_string(k->node, "direction", "");
    if (strcmp(dir, "LEFT") && strcmp(dir, "RIGHT"))
        return lp_kfail(k, "direction must be \"LEFT\" or \"RIGHT\", not \"%s\"", dir);
    return lp_ew_zip_op(k, strcmp(dir, "LEFT") ? ew_shr_tab : ew_shl_tab, LP_UNDEFINED, NULL);
}

LP_EW_ZIPS(ew_band, LP_EW_INTS, lp_t, a & b)
LP_EW_ZIPS(ew_bor, LP_EW_INTS, lp_t, a | b)
LP_EW_ZIPS(ew_bxor, LP_EW_INTS, lp_t, a ^ b)
LP_EW_MAPS(ew_bnot, LP_EW_INTS, lp_t, ~v)
LP_EW_TABLE(lp_ew_zip_fn, ew_band, LP_EW_INTS)
LP_EW_TABLE(lp_ew_zip_fn, ew_bor, LP_EW_INTS)
LP_EW_TABLE(lp_ew_zip_fn, ew_bxor, LP_EW_INTS)
LP_EW_TABLE(lp_ew_map_fn, ew_bnot, LP_EW_INTS)

int lp_k_bitwise_and(lp_kctx *k) { return lp_ew_zip_op(k, ew_band_tab, LP_UNDEFINED, NULL); }
int lp_k_bitwise_or(lp_kctx *k) { return lp_ew_zip_op(k, ew_bor_tab, LP_UNDEFINED, NULL); }
int lp_k_bitwise_xor(lp_kctx *k) { return lp_ew_zip_op(k, ew_bxor_tab, LP_UNDEFINED, NULL); }
int lp_k_bitwise_not(lp_kctx *k) { return lp_ew_map_op(k, ew_bnot_tab, LP_UNDEFINED, NULL); }

/* bool is one byte; anything nonzero is true. */
LP_EW_ZIPS(ew_and, LP_EW_BOOL, lp_t, (a != 0) & (b != 0))
LP_EW_ZIPS(ew_or, LP_EW_BOOL, lp_t, (a != 0) | (b != 0))
LP_EW_ZIPS(ew_xor, LP_EW_BOOL, lp_t, (a != 0) ^ (b != 0))
LP_EW_MAPS(ew_not, LP_EW_BOOL, lp_t, v == 0)
LP_EW_TABLE(lp_ew_zip_fn, ew_and, LP_EW_BOOL)
LP_EW_TABLE(lp_ew_zip_fn, ew_or, LP_EW_BOOL)
LP_EW_TABLE(lp_ew_zip_fn, ew_xor, LP_EW_BOOL)
LP_EW_TABLE(lp_ew_map_fn, ew_not, LP_EW_BOOL)

int lp_k_and(lp_kctx *k) { return lp_ew_zip_op(k, ew_and_tab, LP_UNDEFINED, NULL); }
int lp_k_or(lp_kctx *k) { return lp_ew_zip_op(k, ew_or_tab, LP_UNDEFINED, NULL); }
int lp_k_xor(lp_kctx *k) { return lp_ew_zip_op(k, ew_xor_tab, LP_UNDEFINED, NULL); }
int lp_k_not(lp_kctx *k) { return lp_ew_map_op(k, ew_not_tab, LP_UNDEFINED, NULL); }

/* ---- comparisons ---- */

#define CMP_TYPES(X, ...) LP_EW_ALL(X, __VA_ARGS__) X(LP_STRING, char *, uint8_t, __VA_ARGS__)
LP_EW_ZIPS(ew_eq, LP_EW_ALL, uint8_t, a == b)
LP_EW_ZIP(ew_eq_LP_STRING, char *, uint8_t, uint8_t, strcmp(a ? a : "", b ? b : "") == 0)
LP_EW_ZIPS(ew_lt, LP_EW_ALL, uint8_t, a < b)
LP_EW_ZIP(ew_lt_LP_STRING, char *, uint8_t, uint8_t, strcmp(a ? a : "", b ? b : "") < 0)
LP_EW_ZIPS(ew_le, LP_EW_ALL, uint8_t, a <= b)
LP_EW_ZIP(ew_le_LP_STRING, char *, uint8_t, uint8_t, strcmp(a ? a : "", b ? b : "") <= 0)
LP_EW_ZIPS(ew_gt, LP_EW_ALL, uint8_t, a > b)
LP_EW_ZIP(ew_gt_LP_STRING, char *, uint8_t, uint8_t, strcmp(a ? a : "", b ? b : "") > 0)
LP_EW_ZIPS(ew_ge, LP_EW_ALL, uint8_t, a >= b)
LP_EW_ZIP(ew_ge_LP_STRING, char *, uint8_t, uint8_t, strcmp(a ? a : "", b ? b : "") >= 0)
LP_EW_TABLE(lp_ew_zip_fn, ew_eq, CMP_TYPES)
LP_EW_TABLE(lp_ew_zip_fn, ew_lt, CMP_TYPES)
LP_EW_TABLE(lp_ew_zip_fn, ew_le, CMP_TYPES)
LP_EW_TABLE(lp_ew_zip_fn, ew_gt, CMP_TYPES)
LP_EW_TABLE(lp_ew_zip_fn, ew_ge, CMP_TYPES)

int lp_k_equal(lp_kctx *k) { return lp_ew_zip_op(k, ew_eq_tab, LP_BOOL, NULL); }
int lp_k_less(lp_kctx *k) { return lp_ew_zip_op(k, ew_lt_tab, LP_BOOL, NULL); }
int lp_k_less_or_equal(lp_kctx *k) { return lp_ew_zip_op(k, ew_le_tab, LP_BOOL, NULL); }
int lp_k_greater(lp_kctx *k) { return lp_ew_zip_op(k, ew_gt_tab, LP_BOOL, NULL); }
int lp_k_greater_or_equal(lp_kctx *k) { return lp_ew_zip_op(k, ew_ge_tab, LP_BOOL, NULL); }

/* ---- Where: a select that only moves bytes, so it is typed by element size ---- */

typedef struct { uint64_t lo, hi; } u128;

/* c, x and z each run along the row (stride 1) or repeat one element (0). */
/* A bit mask instead of a branch, so the loop vectorizes across widths. */
#define WHERE_LOOP(T, IX, IZ)                                                                      \
    for (int64_t i = 0; i < n; i++) {                                                              \
        T m_ = (T)0 - (T)(c[i] != 0);                                                              \
        y_[i] = (T)((x_[IX] & m_) | (z_[IZ] & (T)~m_));                                            \
    }
#define WHERE_ROW(T)                                                                               \
    do {                                                                                           \
        const T *x_ = (const T *)x + ox, *z_ = (const T *)z + oz;                                  \
        T *y_ = (T *)y + oy;                                                                       \
        if (!sc) {                                                                                 \
            const T *src = c[0] ? x_ : z_;                                                         \
            if (c[0] ? sx : sz) memcpy(y_, src, (size_t)n * sizeof(T));                            \
            else for (int64_t i = 0; i < n; i++) y_[i] = src[0];                                   \
        } else if (sx && sz) {                                                                     \
            WHERE_LOOP(T, i, i);                                                                   \
        } else if (sx) {                                                                           \
            WHERE_LOOP(T, i, 0);                                                                   \
        } else if (sz) {                                                                           \
            WHERE_LOOP(T, 0, i);                                                                   \
        } else {                                                                                   \
            WHERE_LOOP(T, 0, 0);                                                                   \
        }                                                                                          \
    } while (0)

LP_EW_CLONES static void where_row(size_t size, const uint8_t *c, int64_t sc, const void *x,
                                   int64_t ox, int64_t sx, const void *z, int64_t oz, int64_t sz,
                                   void *y, int64_t oy, int64_t n) {
    switch (size) {
    case 1: WHERE_ROW(uint8_t); break;
    case 2: WHERE_ROW(uint16_t); break;
    case 4: WHERE_ROW(uint32_t); break;
    case 8: WHERE_ROW(uint64_t); break;
    default: /* 16 bytes (complex128): a plain select */
        for (int64_t i = 0; i < n; i++)
            ((u128 *)y)[oy + i] = c[i * sc] ? ((const u128 *)x)[ox + i * sx]
                                            : ((const u128 *)z)[oz + i * sz];
        break;
    }
}

int lp_k_where(lp_kctx *k) {
    const lp_tensor *c = lp_in(k, 0), *x = lp_in(k, 1), *z = lp_in(k, 2);
    if (!c || !x || !z) return lp_kfail(k, "needs three inputs");
    if (c->dtype != LP_BOOL)
        return lp_kbad(k, "condition must be bool, not %s", lp_dtype_name(c->dtype));
    if (x->dtype != z->dtype)
        return lp_kbad(k, "X and Y have different types (%s and %s)", lp_dtype_name(x->dtype),
                       lp_dtype_name(z->dtype));
    size_t size = lp_dtype_size(x->dtype);
    if (size != 1 && size != 2 && size != 4 && size != 8 && size != 16)
        return bad_type(k, x->dtype);
    const lp_tensor *ts[3] = {c, x, z};
    int rank;
    int64_t dims[LP_MAX_RANK];
    int rc = lp_broadcast_shape(k, ts, 3, &rank, dims);
    if (rc) return rc;
    lp_tensor *y = lp_out(k, 0, x->dtype, rank, dims);
    if (!y) return LP_EFAIL;
    if (y->numel == 0) return LP_OK;
    bool str = x->dtype == LP_STRING;
    if (str)
        for (int64_t i = 0; i < y->numel; i++) free(((char **)y->data)[i]);
    lp_ew_plan pl;
    lp_ew_plan_init(&pl, ts, 3, y);
    int r = pl.rank;
    int64_t inner = pl.dims[r - 1], rows = y->numel / inner;
    int64_t idx[LP_MAX_RANK] = {0}, off[3] = {0, 0, 0};
    for (int64_t row = 0; row < rows; row++) {
        where_row(size, (const uint8_t *)c->data + off[0], pl.st[0][r - 1], x->data, off[1],
                  pl.st[1][r - 1], z->data, off[2], pl.st[2][r - 1], y->data, row * inner, inner);
        plan_next(&pl, 3, idx, off);
    }
    if (str) /* the pointers are the inputs': copy the strings */
        for (int64_t i = 0; i < y->numel; i++) {
            char **s = (char **)y->data + i;
            *s = lp_xstrdup(*s ? *s : "");
        }
    return LP_OK;
}

/* ---- variadic Max Min Sum Mean ---- */

/* NaN wins, as in numpy's maximum/minimum. */
LP_EW_ZIPS(ew_max, LP_EW_FLOATS, lp_t, a > b || a != a ? a : b)
LP_EW_ZIPS(ew_max, LP_EW_INTS, lp_t, a > b ? a : b)
LP_EW_ZIPS(ew_min, LP_EW_FLOATS, lp_t, a < b || a != a ? a : b)
LP_EW_ZIPS(ew_min, LP_EW_INTS, lp_t, a < b ? a : b)
LP_EW_TABLE(lp_ew_zip_fn, ew_max, LP_EW_NUMERIC)
LP_EW_TABLE(lp_ew_zip_fn, ew_min, LP_EW_NUMERIC)
LP_EW_MAPS(ew_divn, LP_EW_FLOATS, lp_t, v / (lp_t)cnt)
LP_EW_TABLE(lp_ew_map_fn, ew_divn, LP_EW_FLOATS)

/* y = in0 op in1 op ... with every input broadcast to the common shape. */
static int variadic(lp_kctx *k, const lp_ew_zip_fn *tab, bool mean) {
    int n = lp_n_in(k);
    if (n < 1) return lp_kfail(k, "needs at least one input");
    if (n > LP_MAX_RANK * 64) return lp_kfail(k, "has too many inputs (%d)", n);
    const lp_tensor *ts[LP_MAX_RANK * 64];
    for (int i = 0; i < n; i++)
        if (!(ts[i] = lp_in(k, i))) return lp_kfail(k, "input %d is missing", i);
    int rank;
    int64_t dims[LP_MAX_RANK];
    int rc = lp_broadcast_shape(k, ts, n, &rank, dims);
    if (rc) return rc;
    lp_tensor *y = lp_out(k, 0, ts[0]->dtype, rank, dims);
    if (!y) return LP_EFAIL;
    if (n == 1) {
        if (ts[0]->nbytes) memcpy(y->data, ts[0]->data, ts[0]->nbytes);
    } else {
        rc = lp_ew_zip(k, tab, ts[0], ts[1], y, NULL);
        for (int i = 2; i < n && !rc; i++) rc = lp_ew_zip(k, tab, y, ts[i], y, NULL);
    }
    if (rc || !mean) return rc;
    lp_ew_param p = {.n = n};
    return lp_ew_map(k, ew_divn_tab, y, y, &p);
}

int lp_k_max(lp_kctx *k) { return variadic(k, ew_max_tab, false); }
int lp_k_min(lp_kctx *k) { return variadic(k, ew_min_tab, false); }
int lp_k_sum(lp_kctx *k) { return variadic(k, ew_add_tab, false); }
int lp_k_mean(lp_kctx *k) { return variadic(k, ew_add_tab, true); }

/* ---- unary math ---- */

LP_EW_MAPS(ew_neg, LP_EW_SINTS, lp_t, (lp_u)0 - (lp_u)v)
LP_EW_MAPS(ew_neg, LP_EW_FLOATS, lp_t, -v)
LP_EW_TABLE(lp_ew_map_fn, ew_neg, LP_EW_SIGNED)
LP_EW_MAPS(ew_abs, LP_EW_SINTS, lp_t, v < 0 ? (lp_u)0 - (lp_u)v : (lp_u)v)
LP_EW_MAPS(ew_abs, LP_EW_UINTS, lp_t, v)
LP_EW_MAPS(ew_abs, LP_EW_FLOATS, lp_t, fabs(v))
LP_EW_TABLE(lp_ew_map_fn, ew_abs, LP_EW_NUMERIC)
LP_EW_MAPS(ew_sign, LP_EW_SINTS, lp_t, (v > 0) - (v < 0))
LP_EW_MAPS(ew_sign, LP_EW_FLOATS, lp_t, v > 0 ? 1 : v < 0 ? -1 : v) /* keeps NaN and -0 */
LP_EW_MAPS(ew_sign, LP_EW_UINTS, lp_t, v > 0)
LP_EW_TABLE(lp_ew_map_fn, ew_sign, LP_EW_NUMERIC)

int lp_k_neg(lp_kctx *k) { return lp_ew_map_op(k, ew_neg_tab, LP_UNDEFINED, NULL); }
int lp_k_abs(lp_kctx *k) { return lp_ew_map_op(k, ew_abs_tab, LP_UNDEFINED, NULL); }
int lp_k_sign(lp_kctx *k) { return lp_ew_map_op(k, ew_sign_tab, LP_UNDEFINED, NULL); }

/* Float-only math, one expression for float and double (tgmath picks expf or exp). */
#define FLOAT_MATH(NAME, EXPR)                                                                     \
    LP_EW_MAPS(ew_##NAME, LP_EW_FLOATS, lp_t, EXPR)                                                \
    LP_EW_TABLE(lp_ew_map_fn, ew_##NAME, LP_EW_FLOATS)                                             \
    int lp_k_##NAME(lp_kctx *k) { return lp_ew_map_op(k, ew_##NAME##_tab, LP_UNDEFINED, NULL); }

FLOAT_MATH(reciprocal, 1 / v)
FLOAT_MATH(floor, floor(v))
FLOAT_MATH(ceil, ceil(v))
FLOAT_MATH(round, nearbyint(v)) /* ties to even in the default rounding mode */
FLOAT_MATH(sqrt, sqrt(v))
FLOAT_MATH(exp, LP_EXP(v))
FLOAT_MATH(log, LP_LOG(v))
FLOAT_MATH(erf, LP_ERF(v))
FLOAT_MATH(sin, sin(v))
FLOAT_MATH(cos, cos(v))
FLOAT_MATH(tan, tan(v))
FLOAT_MATH(asin, asin(v))
FLOAT_MATH(acos, acos(v))
FLOAT_MATH(atan, atan(v))
FLOAT_MATH(sinh, sinh(v))
FLOAT_MATH(cosh, cosh(v))
FLOAT_MATH(asinh, asinh(v))
FLOAT_MATH(acosh, acosh(v))
FLOAT_MATH(atanh, atanh(v))

LP_EW_MAPS(ew_isnan, LP_EW_FLOATS, uint8_t, v != v)
LP_EW_TABLE(lp_ew_map_fn, ew_isnan, LP_EW_FLOATS)
LP_EW_MAPS(ew_isinf, LP_EW_FLOATS, uint8_t, (ilo && v == INFINITY) || (ihi && v == -INFINITY))
LP_EW_TABLE(lp_ew_map_fn, ew_isinf, LP_EW_FLOATS)

int lp_k_is_nan(lp_kctx *k) { return lp_ew_map_op(k, ew_isnan_tab, LP_BOOL, NULL); }
int lp_k_is_inf(lp_kctx *k) {
    lp_ew_param p = {.ilo = lp_attr_int(k->node, "detect_positive", 1),
                     .ihi = lp_attr_int(k->node, "detect_negative", 1)};
    return lp_ew_map_op(k, ew_isinf_tab, LP_BOOL, &p);
}
