/*
** cast.c — Cast and CastLike, and lp_cast_buf, the conversion between any two
** numeric element types that other kernels reuse.
**
** The eleven plain C types (float, double, the integers, bool) convert with
** one typed loop per pair. The small types (float16, bfloat16, float8s,
** float4, e8m0) pass through float32 blocks; the 4- and 2-bit integers are
** held unpacked, so they read as int8/uint8 and are written through int64
** blocks, keeping the low bits (two's complement) as the ONNX spec says.
** Strings parse and print like numpy: "1.5", "NaN", "-INF"; floats print the
** shortest digits that read back to the same value.
*/
#include "ops/ew.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BLOCK 256

/* ---- plain types: one loop per (source, destination) pair ---- */

/* Out-of-range floats give INT_MIN, like the x86 conversions numpy relies on:
** 32 bits for the narrow integers (then truncated), 64 for int64 and uint32. */
#define F2I32(v) ((v) >= -2147483648.0f && (v) < 2147483648.0f ? (int32_t)(v) : INT32_MIN)
static inline int64_t f2i64(double v) {
    return v >= -9223372036854775808.0 && v < 9223372036854775808.0 ? (int64_t)v : INT64_MIN;
}
static inline uint64_t f2u64(double v) {
    return v >= 0 && v < 18446744073709551616.0 ? (uint64_t)v : (uint64_t)f2i64(v);
}

/* X(dtype, C type, kind): kf float, ki integer (kw: converted from floats
** through 64 bits), kq uint64, kb bool. Two copies of
** the list, as a macro cannot expand inside itself (source x destination). */
#define PLAIN_TYPES(X, A)                                                                          \
    X(LP_FLOAT, float, kf, A) X(LP_DOUBLE, double, kf, A) X(LP_INT8, int8_t, ki, A)                \
    X(LP_UINT8, uint8_t, ki, A) X(LP_INT16, int16_t, ki, A) X(LP_UINT16, uint16_t, ki, A)          \
    X(LP_INT32, int32_t, ki, A) X(LP_UINT32, uint32_t, kw, A) X(LP_INT64, int64_t, kw, A)          \
    X(LP_UINT64, uint64_t, kq, A) X(LP_BOOL, uint8_t, kb, A)
#define PLAIN_SOURCES(X)                                                                           \
    X(LP_FLOAT, float, kf) X(LP_DOUBLE, double, kf) X(LP_INT8, int8_t, ki)                         \
    X(LP_UINT8, uint8_t, ki) X(LP_INT16, int16_t, ki) X(LP_UINT16, uint16_t, ki)                   \
    X(LP_INT32, int32_t, ki) X(LP_UINT32, uint32_t, kw) X(LP_INT64, int64_t, kw)                   \
    X(LP_UINT64, uint64_t, kq) X(LP_BOOL, uint8_t, kb)

/* CV_<source kind>_<destination kind>(destination type, value) */
#define CV_kf_kf(TD, v) (TD)(v)
#define CV_kf_ki(TD, v) (TD)F2I32(v)
#define CV_kf_kw(TD, v) (TD)f2i64(v)
#define CV_kf_kq(TD, v) f2u64(v)
#define CV_kf_kb(TD, v) ((v) != 0)
#define CV_ki_kf(TD, v) (TD)(v)
#define CV_ki_ki(TD, v) (TD)(v)
#define CV_ki_kq(TD, v) (TD)(v)
#define CV_ki_kw(TD, v) (TD)(v)
#define CV_ki_kb(TD, v) ((v) != 0)
#define CV_kq_kf CV_ki_kf
#define CV_kq_ki CV_ki_ki
#define CV_kq_kq CV_ki_kq
#define CV_kq_kw CV_ki_kw
#define CV_kw_kf CV_ki_kf
#define CV_kw_ki CV_ki_ki
#define CV_kw_kq CV_ki_kq
#define CV_kw_kw CV_ki_kw
#define CV_kw_kb CV_ki_kb
#define CV_kq_kb CV_ki_kb
#define CV_kb_kf(TD, v) (TD)((v) != 0)
#define CV_kb_ki CV_kb_kf
#define CV_kb_kq CV_kb_kf
#define CV_kb_kw CV_kb_kf
#define CV_kb_kb CV_kb_kf

typedef void (*conv_fn)(const void *src, void *dst, int64_t n);

/* A = (source dtype, source type, source kind) */
#define CONV_FN_(DD, TD, KD, DS, TS, KS)                                                           \
    LP_EW_CLONES static void conv_##DS##_##DD(const void *s_, void *d_, int64_t n) {               \
        const TS *s = s_;                                                                          \
        TD *d = d_;                                                                                \
        for (int64_t i = 0; i < n; i++) d[i] = CV_##KS##_##KD(TD, s[i]);                           \
    }
#define UNPAREN_(...) __VA_ARGS__
#define CALL_(m, args) m args
#define CONV_FN(DD, TD, KD, A) CALL_(CONV_FN_, (DD, TD, KD, UNPAREN_ A))
#define CONV_ROW(DS, TS, KS) PLAIN_TYPES(CONV_FN, (DS, TS, KS))
PLAIN_SOURCES(CONV_ROW)

#define CONV_ENTRY(DD, TD, KD, DS) [DS][DD] = conv_##DS##_##DD,
#define CONV_TAB_ROW(DS, TS, KS) PLAIN_TYPES(CONV_ENTRY, DS)
static const conv_fn plain_tab[LP_DTYPE_COUNT][LP_DTYPE_COUNT] = {PLAIN_SOURCES(CONV_TAB_ROW)};

/* ---- the small types ---- */

static bool small_float(lp_dtype t) {
    switch (t) {
    case LP_FLOAT16: case LP_BFLOAT16: case LP_FLOAT8E4M3FN: case LP_FLOAT8E4M3FNUZ:
    case LP_FLOAT8E5M2: case LP_FLOAT8E5M2FNUZ: case LP_FLOAT4E2M1: case LP_FLOAT8E8M0:
        return true;
    default:
        return false;
    }
}

static bool small_int(lp_dtype t) {
    return t == LP_INT4 || t == LP_UINT4 || t == LP_INT2 || t == LP_UINT2;
}

/* float32 -> float8e8m0 by the exponent bits: round up, down or to nearest (ties up). */
static uint8_t f32_to_e8m0(float x, const lp_cast_opts *o) {
    uint32_t u;
    memcpy(&u, &x, 4);
    uint32_t e = (u >> 23) & 0xff, m = u & 0x7fffff;
    if (e == 0xff) return m || !o->saturate ? 0xff : 0xfe; /* NaN; Inf saturates */
    if (o->round_mode == 0) e += m != 0;
    else if (o->round_mode == 2) e += m >= 0x400000;
    if (e > 254) return o->saturate ? 0xfe : 0xff;
    return (uint8_t)e;
}

/* lut: the 256 values of a one-byte type */
LP_EW_CLONES static void small_to_f32(lp_dtype t, const void *src, float *d, int64_t n,
                                      const float *lut) {
    const uint16_t *h = src;
    const uint8_t *b = src;
    switch (t) {
    case LP_FLOAT16: for (int64_t i = 0; i < n; i++) d[i] = lp_h2f(h[i]); break;
    case LP_BFLOAT16: for (int64_t i = 0; i < n; i++) d[i] = lp_bf2f(h[i]); break;
    default: for (int64_t i = 0; i < n; i++) d[i] = lut[b[i]]; break;
    }
}

LP_EW_CLONES static void f32_to_small(const float *s, lp_dtype t, void *dst, int64_t n,
                                      const lp_cast_opts *o) {
    uint16_t *h = dst;
    uint8_t *b = dst;
    switch (t) {
    case LP_FLOAT16: for (int64_t i = 0; i < n; i++) h[i] = lp_f2h(s[i]); break;
    case LP_BFLOAT16: for (int64_t i = 0; i < n; i++) h[i] = lp_f2bf(s[i]); break;
    case LP_FLOAT8E8M0: for (int64_t i = 0; i < n; i++) b[i] = f32_to_e8m0(s[i], o); break;
    default: for (int64_t i = 0; i < n; i++) b[i] = lp_float_to_f8(t, s[i], o->saturate); break;
    }
}

/* double -> float rounding to odd: the float keeps a sticky last bit, so
** rounding it again to a narrower float (half, bfloat16, float8) rounds the
** double correctly, not twice. */
LP_EW_CLONES static void f64_to_f32_odd(const double *s, float *d, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        double v = s[i];
        float f = (float)v;
        if ((double)f == v || v != v || isinf(f)) { /* exact, NaN, overflow */
            d[i] = f;
            continue;
        }
        if (fabs((double)f) > fabs(v)) f = nextafterf(f, 0); /* toward zero ... */
        d[i] = lp_bits2f(lp_f2bits(f) | 1u);                  /* ... and sticky */
    }
}

/* Keeps the low bits of int64 values, sign-extended for the signed types. */
static void i64_to_small_int(const int64_t *s, lp_dtype t, void *dst, int64_t n) {
    uint8_t *d = dst;
    int bits = t == LP_INT4 || t == LP_UINT4 ? 4 : 2;
    uint64_t mask = (1u << bits) - 1, sign = 1u << (bits - 1);
    bool sgn = t == LP_INT4 || t == LP_INT2;
    for (int64_t i = 0; i < n; i++) {
        uint64_t v = (uint64_t)s[i] & mask;
        d[i] = (uint8_t)(sgn ? (int8_t)((int64_t)(v ^ sign) - (int64_t)sign) : (int8_t)v);
    }
}

void lp_cast_buf(lp_dtype from, const void *src, lp_dtype to, void *dst, int64_t n,
                 const lp_cast_opts *o) {
    static const lp_cast_opts dflt = {.saturate = 1};
    if (!o) o = &dflt;
    if (n <= 0) return;
    /* 4- and 2-bit integers are stored as int8 / uint8 */
    if (from == LP_INT4 || from == LP_INT2) from = LP_INT8;
    if (from == LP_UINT4 || from == LP_UINT2) from = LP_UINT8;
    if (from == to && !small_int(to)) {
        memcpy(dst, src, (size_t)n * lp_dtype_size(to));
        return;
    }
    conv_fn direct = plain_tab[from][to];
    if (direct) {
        direct(src, dst, n);
        return;
    }
    /* through a block of float32 (to small floats) or int64 (to small integers) */
    union {
        float f[BLOCK];
        int64_t i[BLOCK];
    } mid;
    float fin[BLOCK], lut[256];
    if (small_float(from) && lp_dtype_size(from) == 1)
        for (int c = 0; c < 256; c++) lut[c] = lp_f8_to_float(from, (uint8_t)c);
    lp_dtype mt = small_int(to) ? LP_INT64 : LP_FLOAT;
    size_t ss = lp_dtype_size(from), ds = lp_dtype_size(to);
    for (int64_t at = 0; at < n; at += BLOCK) {
        int64_t m = n - at < BLOCK ? n - at : BLOCK;
        const char *s = (const char *)src + (size_t)at * ss;
        char *d = (char *)dst + (size_t)at * ds;
        void *midp = mt == LP_INT64 ? (void *)mid.i : (void *)mid.f;
        if (small_float(from)) {
            small_to_f32(from, s, fin, m, lut);
            if (mt == LP_FLOAT) memcpy(mid.f, fin, (size_t)m * sizeof(float));
            else plain_tab[LP_FLOAT][LP_INT64](fin, mid.i, m);
        } else if (from == LP_DOUBLE && mt == LP_FLOAT) {
            f64_to_f32_odd((const double *)s, mid.f, m);
        } else if (plain_tab[from][mt]) {
            plain_tab[from][mt](s, midp, m);
        } else {
            memset(d, 0, (size_t)m * ds); /* complex, string: not convertible here */
            continue;
        }
        if (small_int(to)) i64_to_small_int(mid.i, to, d, m);
        else if (small_float(to)) f32_to_small(mid.f, to, d, m, o);
        else if (plain_tab[LP_FLOAT][to]) plain_tab[LP_FLOAT][to](mid.f, d, m);
        else memset(d, 0, (size_t)m * ds);
    }
}

/* ---- strings ---- */

/* The shortest "%.*e" digits that read back to the same value of type t. */
static int shortest_digits(double v, lp_dtype t, char *buf, size_t n) {
    for (int p = 0; p < 17; p++) {
        snprintf(buf, n, "%.*e", p, v);
        double back = strtod(buf, NULL);
        bool same;
        if (t == LP_DOUBLE) {
            same = back == v;
        } else if (t == LP_FLOAT) {
            same = (float)back == (float)v;
        } else {
            uint8_t a[8] = {0}, b[8] = {0};
            lp_cast_buf(LP_DOUBLE, &back, t, a, 1, NULL);
            lp_cast_buf(LP_DOUBLE, &v, t, b, 1, NULL);
            same = !memcmp(a, b, lp_dtype_size(t));
        }
        if (same) return p;
    }
    snprintf(buf, n, "%.17e", v);
    return 17;
}

/* numpy's str() of a float: positional for 1e-4 <= |v| < 1e16, else scientific. */
static void format_float(double v, lp_dtype t, char *out, size_t n) {
    if (isnan(v)) {
        snprintf(out, n, "nan");
        return;
    }
    if (isinf(v)) {
        snprintf(out, n, v < 0 ? "-inf" : "inf");
        return;
    }
    if (v == 0) {
        snprintf(out, n, signbit(v) ? "-0.0" : "0.0");
        return;
    }
    char e[64], digits[32];
    shortest_digits(v, t, e, sizeof e);
    /* e is [-]d[.ddd]e[+-]XX */
    const char *s = e;
    bool neg = *s == '-';
    if (neg) s++;
    int nd = 0;
    for (; *s && *s != 'e'; s++)
        if (isdigit((unsigned char)*s)) digits[nd++] = *s;
    int ex = atoi(s + 1);
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    digits[nd] = 0;
    char *o = out;
    size_t left = n;
#define PUT(...)                                                                                   \
    do {                                                                                           \
        int w_ = snprintf(o, left, __VA_ARGS__);                                                   \
        if (w_ < 0 || (size_t)w_ >= left) return;                                                  \
        o += w_, left -= (size_t)w_;                                                               \
    } while (0)
    if (neg) PUT("-");
    if (ex >= -4 && ex < 16) {
        if (ex < 0) {
            PUT("0.");
            for (int i = 0; i < -ex - 1; i++) PUT("0");
            PUT("%s", digits);
        } else {
            for (int i = 0; i <= ex; i++) PUT("%c", i < nd ? digits[i] : '0');
            PUT(".");
            if (nd > ex + 1) PUT("%s", digits + ex + 1);
            else PUT("0");
        }
    } else {
        PUT("%c", digits[0]);
        if (nd > 1) PUT(".%s", digits + 1);
        PUT("e%c%02d", ex < 0 ? '-' : '+', ex < 0 ? -ex : ex);
    }
#undef PUT
}

static void to_strings(const lp_tensor *x, lp_tensor *y) {
    char **out = y->data;
    char buf[64];
    for (int64_t i = 0; i < x->numel; i++) {
        lp_dtype t = x->dtype;
        if (t == LP_BOOL) {
            snprintf(buf, sizeof buf, ((const uint8_t *)x->data)[i] ? "True" : "False");
        } else if (t == LP_UINT64) {
            snprintf(buf, sizeof buf, "%llu", (unsigned long long)((const uint64_t *)x->data)[i]);
        } else if (lp_dtype_is_int(t)) {
            snprintf(buf, sizeof buf, "%lld", (long long)lp_load_i64(t, x->data, (size_t)i));
        } else {
            format_float(lp_load_f64(t, x->data, (size_t)i), t, buf, sizeof buf);
        }
        free(out[i]);
        out[i] = lp_xstrdup(buf);
    }
}

static double parse_double(const char *s) {
    while (isspace((unsigned char)*s)) s++;
    if (*s == '+' && (tolower((unsigned char)s[1]) == 'i' || tolower((unsigned char)s[1]) == 'n'))
        s++; /* "+INF", "+NaN" */
    return strtod(s, NULL);
}

static void from_strings(const lp_tensor *x, lp_tensor *y, const lp_cast_opts *o) {
    char *const *in = x->data;
    size_t ds = lp_dtype_size(y->dtype);
    lp_dtype to = y->dtype;
    for (int64_t at = 0; at < x->numel; at += BLOCK) {
        int64_t m = x->numel - at < BLOCK ? x->numel - at : BLOCK;
        char *d = (char *)y->data + (size_t)at * ds;
        if (to == LP_BOOL) {
            for (int64_t i = 0; i < m; i++) {
                const char *s = in[at + i] ? in[at + i] : "";
                d[i] = !strcasecmp(s, "true")    ? 1
                       : !strcasecmp(s, "false") ? 0
                                                 : parse_double(s) != 0;
            }
        } else if (lp_dtype_is_int(to)) {
            /* integers parse exactly; "2.5" falls back to a truncated float */
            int64_t v[BLOCK];
            for (int64_t i = 0; i < m; i++) {
                const char *s = in[at + i] ? in[at + i] : "";
                char *end;
                v[i] = to == LP_UINT64 ? (int64_t)strtoull(s, &end, 10) : strtoll(s, &end, 10);
                while (isspace((unsigned char)*end)) end++;
                if (*end || end == s) v[i] = f2i64(parse_double(s));
            }
            lp_cast_buf(to == LP_UINT64 ? LP_UINT64 : LP_INT64, v, to, d, m, o);
        } else {
            double v[BLOCK];
            for (int64_t i = 0; i < m; i++) v[i] = parse_double(in[at + i] ? in[at + i] : "");
            lp_cast_buf(LP_DOUBLE, v, to, d, m, o);
        }
    }
}

/* ---- the kernels ---- */

static int cast_to(lp_kctx *k, const lp_tensor *x, lp_dtype to) {
    if (!lp_dtype_valid((int)to) || to == LP_COMPLEX64 || to == LP_COMPLEX128)
        return lp_kfail(k, "cannot cast to element type %d", (int)to);
    if (x->dtype == LP_COMPLEX64 || x->dtype == LP_COMPLEX128 || !lp_dtype_valid((int)x->dtype))
        return lp_kbad(k, "cannot cast from %s", lp_dtype_name(x->dtype));
    lp_tensor *y = lp_out(k, 0, to, x->rank, x->dims);
    if (!y) return LP_EFAIL;
    const char *rm = lp_attr_string(k->node, "round_mode", "up");
    lp_cast_opts o = {.saturate = lp_attr_int(k->node, "saturate", 1) != 0,
                      .round_mode = !strcmp(rm, "down") ? 1 : !strcmp(rm, "nearest") ? 2 : 0};
    if (x->dtype == LP_STRING && to == LP_STRING) {
        for (int64_t i = 0; i < x->numel; i++) {
            char **d = (char **)y->data + i, *s = ((char *const *)x->data)[i];
            free(*d);
            *d = lp_xstrdup(s ? s : "");
        }
    } else if (to == LP_STRING) {
        to_strings(x, y);
    } else if (x->dtype == LP_STRING) {
        from_strings(x, y, &o);
    } else {
        lp_cast_buf(x->dtype, x->data, to, y->data, x->numel, &o);
    }
    return LP_OK;
}

static lp_dtype type_from_proto_name(const char *s) {
    static const char *names[LP_DTYPE_COUNT] = {
        [LP_FLOAT] = "FLOAT", [LP_UINT8] = "UINT8", [LP_INT8] = "INT8",
        [LP_UINT16] = "UINT16", [LP_INT16] = "INT16", [LP_INT32] = "INT32",
        [LP_INT64] = "INT64", [LP_STRING] = "STRING", [LP_BOOL] = "BOOL",
        [LP_FLOAT16] = "FLOAT16", [LP_DOUBLE] = "DOUBLE", [LP_UINT32] = "UINT32",
        [LP_UINT64] = "UINT64", [LP_BFLOAT16] = "BFLOAT16"};
    for (int t = 1; t < LP_DTYPE_COUNT; t++)
        if (names[t] && !strcasecmp(s, names[t])) return (lp_dtype)t;
    return lp_dtype_from_name(s);
}

int lp_k_cast(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kfail(k, "input is missing");
    const lp_attr *to = lp_node_attr(k->node, "to");
    if (!to) return lp_kfail(k, "attribute 'to' is missing");
    if (to->type == LP_ATTR_STRING) /* opset 1 named the type: "FLOAT", "INT64" */
        return cast_to(k, x, type_from_proto_name(to->s));
    return cast_to(k, x, (lp_dtype)to->i);
}

int lp_k_cast_like(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0), *like = lp_in(k, 1);
    if (!x || !like) return lp_kfail(k, "needs two inputs");
    return cast_to(k, x, like->dtype);
}
