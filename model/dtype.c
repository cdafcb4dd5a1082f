/*
** dtype.c — element type tables and the small-float conversions.
*/
#include "dtype.h"

#include <math.h>
#include <string.h>

static const struct {
    const char *name, *short_name;
    size_t size;
    int bits;
} dtype_info[LP_DTYPE_COUNT] = {
    [LP_UNDEFINED] = {"undefined", "?", 0, 0},
    [LP_FLOAT] = {"float32", "f32", 4, 32},
    [LP_UINT8] = {"uint8", "u8", 1, 8},
    [LP_INT8] = {"int8", "i8", 1, 8},
    [LP_UINT16] = {"uint16", "u16", 2, 16},
    [LP_INT16] = {"int16", "i16", 2, 16},
    [LP_INT32] = {"int32", "i32", 4, 32},
    [LP_INT64] = {"int64", "i64", 8, 64},
    [LP_STRING] = {"string", "str", sizeof(char *), 0},
    [LP_BOOL] = {"bool", "bool", 1, 8},
    [LP_FLOAT16] = {"float16", "f16", 2, 16},
    [LP_DOUBLE] = {"float64", "f64", 8, 64},
    [LP_UINT32] = {"uint32", "u32", 4, 32},
    [LP_UINT64] = {"uint64", "u64", 8, 64},
    [LP_COMPLEX64] = {"complex64", "c64", 8, 64},
    [LP_COMPLEX128] = {"complex128", "c128", 16, 128},
    [LP_BFLOAT16] = {"bfloat16", "bf16", 2, 16},
    [LP_FLOAT8E4M3FN] = {"float8e4m3fn", "f8e4m3fn", 1, 8},
    [LP_FLOAT8E4M3FNUZ] = {"float8e4m3fnuz", "f8e4m3fnuz", 1, 8},
    [LP_FLOAT8E5M2] = {"float8e5m2", "f8e5m2", 1, 8},
    [LP_FLOAT8E5M2FNUZ] = {"float8e5m2fnuz", "f8e5m2fnuz", 1, 8},
    [LP_UINT4] = {"uint4", "u4", 1, 4},
    [LP_INT4] = {"int4", "i4", 1, 4},
    [LP_FLOAT4E2M1] = {"float4e2m1", "f4e2m1", 1, 4},
    [LP_FLOAT8E8M0] = {"float8e8m0", "f8e8m0", 1, 8},
    [LP_UINT2] = {"uint2", "u2", 1, 2},
    [LP_INT2] = {"int2", "i2", 1, 2},
};

int lp_dtype_valid(int t) { return t > 0 && t < LP_DTYPE_COUNT; }

const char *lp_dtype_name(lp_dtype t) {
    return lp_dtype_valid((int)t) ? dtype_info[t].name : "undefined";
}

const char *lp_dtype_short(lp_dtype t) {
    return lp_dtype_valid((int)t) ? dtype_info[t].short_name : "?";
}

lp_dtype lp_dtype_from_name(const char *name) {
    for (int t = 1; t < LP_DTYPE_COUNT; t++)
        if (!strcmp(name, dtype_info[t].name) || !strcmp(name, dtype_info[t].short_name))
            return (lp_dtype)t;
    if (!strcmp(name, "float")) return LP_FLOAT;
    if (!strcmp(name, "double")) return LP_DOUBLE;
    return LP_UNDEFINED;
}

size_t lp_dtype_size(lp_dtype t) { return lp_dtype_valid((int)t) ? dtype_info[t].size : 0; }
int lp_dtype_file_bits(lp_dtype t) { return lp_dtype_valid((int)t) ? dtype_info[t].bits : 0; }

int lp_dtype_is_float(lp_dtype t) {
    switch (t) {
    case LP_FLOAT: case LP_DOUBLE: case LP_FLOAT16: case LP_BFLOAT16:
    case LP_FLOAT8E4M3FN: case LP_FLOAT8E4M3FNUZ: case LP_FLOAT8E5M2: case LP_FLOAT8E5M2FNUZ:
    case LP_FLOAT4E2M1: case LP_FLOAT8E8M0:
        return 1;
    default:
        return 0;
    }
}

int lp_dtype_is_signed(lp_dtype t) {
    switch (t) {
    case LP_INT8: case LP_INT16: case LP_INT32: case LP_INT64: case LP_INT4: case LP_INT2:
        return 1;
    default:
        return 0;
    }
}

int lp_dtype_is_int(lp_dtype t) {
    switch (t) {
    case LP_UINT8: case LP_UINT16: case LP_UINT32: case LP_UINT64: case LP_UINT4: case LP_UINT2:
        return 1;
    default:
        return lp_dtype_is_signed(t);
    }
}

/* ---- half and bfloat16 ---- */

static uint32_t f2u(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static float u2f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

float lp_half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    if (exp == 0) {
        float v = ldexpf((float)mant, -24);
        return sign ? -v : v;
    }
    if (exp == 31) return u2f(sign | 0x7f800000 | (mant << 13));
    return u2f(sign | ((exp + 112) << 23) | (mant << 13));
}

uint16_t lp_float_to_half(float f) {
    uint32_t u = f2u(f);
    uint16_t sign = (uint16_t)((u >> 16) & 0x8000);
    uint32_t exp = (u >> 23) & 0xff, mant = u & 0x7fffff;
    if (exp == 255) return (uint16_t)(sign | 0x7c00 | (mant ? 0x200 : 0));
    int e = (int)exp - 127 + 15;
    if (e >= 31) return (uint16_t)(sign | 0x7c00);
    if (e <= 0) {
        if (e < -10) return sign;
        mant |= 0x800000;
        int shift = 14 - e;
        uint32_t half = mant >> shift, rem = mant & ((1u << shift) - 1), mid = 1u << (shift - 1);
        if (rem > mid || (rem == mid && (half & 1))) half++;
        return (uint16_t)(sign | half);
    }
    uint32_t half = ((uint32_t)e << 10) | (mant >> 13), rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (half & 1))) half++;
    return (uint16_t)(sign | half);
}

float lp_bf16_to_float(uint16_t h) { return u2f((uint32_t)h << 16); }

uint16_t lp_float_to_bf16(float f) {
    uint32_t u = f2u(f);
    if ((u & 0x7fffffff) > 0x7f800000) return (uint16_t)((u >> 16) | 0x40);
    u += 0x7fff + ((u >> 16) & 1);
    return (uint16_t)(u >> 16);
}

/* ---- float8 and float4 ---- */

typedef struct { int ebits, mbits, bias, fnuz, has_inf; } f8_format;

static f8_format f8_fmt(lp_dtype t) {
    switch (t) {
    case LP_FLOAT8E4M3FN: return (f8_format){4, 3, 7, 0, 0};
    case LP_FLOAT8E4M3FNUZ: return (f8_format){4, 3, 8, 1, 0};
    case LP_FLOAT8E5M2: return (f8_format){5, 2, 15, 0, 1};
    case LP_FLOAT8E5M2FNUZ: return (f8_format){5, 2, 16, 1, 0};
    default: return (f8_format){2, 1, 1, 0, 0}; /* float4e2m1 */
    }
}

float lp_f8_to_float(lp_dtype t, uint8_t v) {
    if (t == LP_FLOAT8E8M0) return v == 0xff ? NAN : u2f(v ? (uint32_t)v << 23 : 0x00400000u);
    f8_format f = f8_fmt(t);
    int nbits = 1 + f.ebits + f.mbits;
    uint32_t sign = (uint32_t)(v >> (nbits - 1)) & 1;
    uint32_t exp = (v >> f.mbits) & ((1u << f.ebits) - 1);
    uint32_t mant = v & ((1u << f.mbits) - 1);
    if (f.fnuz && v == 0x80) return NAN;
    if (t == LP_FLOAT8E4M3FN && exp == 15 && mant == 7) return NAN;
    if (t == LP_FLOAT8E5M2 && exp == 31) return mant ? NAN : (sign ? -INFINITY : INFINITY);
    float r;
    if (exp == 0) /* denormal: mant * 2^(1 - bias - mbits), exact */
        r = (float)mant * u2f((uint32_t)(127 + 1 - f.bias - f.mbits) << 23);
    else
        r = u2f(((exp + 127 - (uint32_t)f.bias) << 23) | (mant << (23 - f.mbits)));
    return sign ? -r : r;
}

/* Rounds to nearest even on the bits: the normal range keeps mbits of the
** float's mantissa; below it, the value scaled to units of the smallest
** denormal rounds to an integer code. A carry runs into the exponent. */
uint8_t lp_float_to_f8(lp_dtype t, float x, int saturate) {
    if (t == LP_FLOAT8E8M0) {
        if (isnan(x) || x <= 0) return isnan(x) ? 0xff : 0;
        if (isinf(x)) return saturate ? 0xfe : 0xff;
        int e;
        float m = frexpf(x, &e); /* x = m * 2^e, m in [0.5, 1) */
        int ex = e - 1;          /* x = (2m) * 2^ex */
        if (2 * m > 1.5f) ex++;  /* round up: e8m0 rounds to nearest power */
        if (ex < -127) return 0;
        if (ex > 127) return saturate ? 0xfe : 0xff;
        return (uint8_t)(ex + 127);
    }
    f8_format f = f8_fmt(t);
    int nbits = 1 + f.ebits + f.mbits;
    uint8_t sign_bit = (uint8_t)(1u << (nbits - 1));
    /* the largest finite code: e4m3fn and e5m2 reserve the top codes */
    unsigned maxcode = t == LP_FLOAT8E4M3FN ? 0x7e : t == LP_FLOAT8E5M2 ? 0x7b : sign_bit - 1u;
    if (isnan(x)) {
        if (t == LP_FLOAT4E2M1) return 0x8; /* no NaN: ONNX (ml_dtypes) gives -0 */
        return f.fnuz ? 0x80 : 0x7f;
    }
    uint8_t sign = signbit(x) ? sign_bit : 0;
    uint32_t u = f2u(fabsf(x));
    unsigned code;
    int e = (int)(u >> 23) - 127, emin = 1 - f.bias;
    if (u >= 0x7f800000u) {
        code = maxcode + 1; /* inf: overflows below */
    } else if (e >= emin) {
        int shift = 23 - f.mbits;
        uint32_t m = u & 0x7fffffu, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
        uint32_t c = ((uint32_t)(e - emin + 1) << f.mbits) | (m >> shift);
        if (rem > half || (rem == half && (c & 1))) c++;
        code = c > 0xffu ? 0xffu : c;
    } else {
        /* |x| / 2^(emin - mbits), exact for the exponents that can round up */
        float q = u2f(u) * u2f((uint32_t)(127 + f.mbits - emin) << 23);
        code = (unsigned)nearbyintf(q);
    }
    if (code > maxcode) {
        if (saturate || t == LP_FLOAT4E2M1) return (uint8_t)(sign | maxcode);
        if (f.has_inf) return (uint8_t)(sign | 0x7c);
        return f.fnuz ? 0x80 : (uint8_t)(sign | 0x7f);
    }
    if (code == 0 && f.fnuz) return 0; /* fnuz has no negative zero */
    return (uint8_t)(sign | code);
}

/* ---- generic element access ---- */

double lp_load_f64(lp_dtype t, const void *data, size_t i) {
    switch (t) {
    case LP_FLOAT: return ((const float *)data)[i];
    case LP_DOUBLE: return ((const double *)data)[i];
    case LP_FLOAT16: return lp_half_to_float(((const uint16_t *)data)[i]);
    case LP_BFLOAT16: return lp_bf16_to_float(((const uint16_t *)data)[i]);
    case LP_INT8: case LP_INT4: case LP_INT2: return ((const int8_t *)data)[i];
    case LP_UINT8: case LP_UINT4: case LP_UINT2: case LP_BOOL: return ((const uint8_t *)data)[i];
    case LP_INT16: return ((const int16_t *)data)[i];
    case LP_UINT16: return ((const uint16_t *)data)[i];
    case LP_INT32: return ((const int32_t *)data)[i];
    case LP_UINT32: return ((const uint32_t *)data)[i];
    case LP_INT64: return (double)((const int64_t *)data)[i];
    case LP_UINT64: return (double)((const uint64_t *)data)[i];
    case LP_FLOAT8E4M3FN: case LP_FLOAT8E4M3FNUZ: case LP_FLOAT8E5M2: case LP_FLOAT8E5M2FNUZ:
    case LP_FLOAT4E2M1: case LP_FLOAT8E8M0:
        return lp_f8_to_float(t, ((const uint8_t *)data)[i]);
    case LP_COMPLEX64: return ((const float *)data)[2 * i];
    case LP_COMPLEX128: return ((const double *)data)[2 * i];
    default: return NAN;
    }
}

int64_t lp_load_i64(lp_dtype t, const void *data, size_t i) {
    switch (t) {
    case LP_INT64: return ((const int64_t *)data)[i];
    case LP_UINT64: return (int64_t)((const uint64_t *)data)[i];
    case LP_INT32: return ((const int32_t *)data)[i];
    default: {
        double d = lp_load_f64(t, data, i);
        if (isnan(d)) return 0;
        if (d >= 9.2e18) return INT64_MAX;
        if (d <= -9.2e18) return INT64_MIN;
        return (int64_t)d;
    }
    }
}

void lp_store_f64(lp_dtype t, void *data, size_t i, double v) {
    switch (t) {
    case LP_FLOAT: ((float *)data)[i] = (float)v; break;
    case LP_DOUBLE: ((double *)data)[i] = v; break;
    case LP_FLOAT16: ((uint16_t *)data)[i] = lp_float_to_half((float)v); break;
    case LP_BFLOAT16: ((uint16_t *)data)[i] = lp_float_to_bf16((float)v); break;
    case LP_BOOL: ((uint8_t *)data)[i] = v != 0; break;
    case LP_INT8: case LP_INT4: case LP_INT2: ((int8_t *)data)[i] = (int8_t)(int64_t)v; break;
    case LP_UINT8: case LP_UINT4: case LP_UINT2: ((uint8_t *)data)[i] = (uint8_t)(int64_t)v; break;
    case LP_INT16: ((int16_t *)data)[i] = (int16_t)(int64_t)v; break;
    case LP_UINT16: ((uint16_t *)data)[i] = (uint16_t)(int64_t)v; break;
    case LP_INT32: ((int32_t *)data)[i] = (int32_t)(int64_t)v; break;
    case LP_UINT32: ((uint32_t *)data)[i] = (uint32_t)(int64_t)v; break;
    case LP_INT64: ((int64_t *)data)[i] = (int64_t)v; break;
    case LP_UINT64: ((uint64_t *)data)[i] = (uint64_t)v; break;
    case LP_FLOAT8E4M3FN: case LP_FLOAT8E4M3FNUZ: case LP_FLOAT8E5M2: case LP_FLOAT8E5M2FNUZ:
    case LP_FLOAT4E2M1: case LP_FLOAT8E8M0:
        ((uint8_t *)data)[i] = lp_float_to_f8(t, (float)v, 1);
        break;
    case LP_COMPLEX64: ((float *)data)[2 * i] = (float)v; ((float *)data)[2 * i + 1] = 0; break;
    case LP_COMPLEX128: ((double *)data)[2 * i] = v; ((double *)data)[2 * i + 1] = 0; break;
    default: break;
    }
}
