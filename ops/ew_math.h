/*
** ew_math.h — float32 exp, log, tanh and erf as branch-free inline code, so
** loops that call them vectorize (libm's versions are opaque calls).
**
** Classic designs: range reduction to a small interval, a short polynomial
** (Cephes-style coefficients), and the exponent rebuilt from bits; special
** values (NaN, ±inf, 0, overflow, denormals) are chosen with selects, not
** branches. Accuracy is within a few float ulps of libm over the whole range
** (tests/unit/test_elementwise.c sweeps it).
*/
#ifndef LP_EW_MATH_H
#define LP_EW_MATH_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Always inlined: GCC inlines a plain inline function only into callers of
** the same target, and the loops are also built for AVX2 (ops/ew.h). */
#if defined(__GNUC__)
#define LP_EW_INLINE static inline __attribute__((always_inline))
#else
#define LP_EW_INLINE static inline
#endif

LP_EW_INLINE uint32_t lp_f2bits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}
LP_EW_INLINE float lp_bits2f(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* 2^k for integer-valued k in [-126, 127] */
LP_EW_INLINE float lp_pow2i(int32_t k) { return lp_bits2f((uint32_t)(k + 127) << 23); }

/* Round to nearest even for |x| < 2^22, by the 1.5 * 2^23 trick. */
LP_EW_INLINE float lp_rintf_small(float x) { return (x + 12582912.0f) - 12582912.0f; }

LP_EW_INLINE float lp_expf(float x) {
    const float hi = 88.72283935546875f, lo = -103.972084045410f;
    float xc = x > hi ? hi : x < lo ? lo : x;
    float n = lp_rintf_small(xc * 1.44269504088896341f);
    float r = xc - n * 0.693359375f - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t k = (int32_t)n, a = k / 2, b = k - a; /* two steps keep 2^a, 2^b normal */
    float y = p * lp_pow2i(a) * lp_pow2i(b);
    y = x > hi ? (float)INFINITY : y;
    return x != x ? x : y;
}

LP_EW_INLINE float lp_logf(float x) {
    /* scale denormals up so the exponent field is meaningful */
    bool den = x < 1.17549435e-38f;
    float xs = den ? x * 8388608.0f : x;
    uint32_t u = lp_f2bits(xs);
    int32_t e = (int32_t)((u >> 23) & 0xff) - 126 - (den ? 23 : 0);
    float m = lp_bits2f((u & 0x007fffffu) | 0x3f000000u); /* [0.5, 1) */
    bool small = m < 0.707106781186547524f;
    e -= small ? 1 : 0;
    float t = small ? m + m - 1.0f : m - 1.0f;
    float z = t * t;
    float p = 7.0376836292e-2f;
    p = p * t - 1.1514610310e-1f;
    p = p * t + 1.1676998740e-1f;
    p = p * t - 1.2420140846e-1f;
    p = p * t + 1.4249322787e-1f;
    p = p * t - 1.6668057665e-1f;
    p = p * t + 2.0000714765e-1f;
    p = p * t - 2.4999993993e-1f;
    p = p * t + 3.3333331174e-1f;
    float fe = (float)e;
    float y = p * t * z - 2.12194440e-4f * fe - 0.5f * z;
    y = t + y + 0.693359375f * fe;
    y = x == 0 ? -(float)INFINITY : y;
    y = x == (float)INFINITY ? x : y;
    return x < 0 || x != x ? (float)NAN : y;
}

/* log(1 + x) for x >= 0, exact for tiny x. */
LP_EW_INLINE float lp_log1pf_pos(float x) {
    float u = 1.0f + x;
    float d = u - 1.0f;
    float l = lp_logf(u);
    return d == 0 ? x : l * (x / d);
}

LP_EW_INLINE float lp_tanhf(float x) {
    float ax = x < 0 ? -x : x;
    float z = x * x;
    float p = -5.70498872745e-3f;
    p = p * z + 2.06390887954e-2f;
    p = p * z - 5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z - 3.33332819422e-1f;
    float small = p * z * x + x;
    float big = 1.0f - 2.0f / (lp_expf(ax + ax) + 1.0f);
    big = x < 0 ? -big : big;
    return ax < 0.625f ? small : big;
}

LP_EW_INLINE float lp_erff(float x) {
    float ax = x < 0 ? -x : x;
    /* |x| < 0.5: the odd Taylor series, 2/sqrt(pi) * x * P(x^2) */
    float z = x * x;
    float s = -1.0f / 75600.0f;
    s = s * z + 1.0f / 9360.0f;
    s = s * z - 1.0f / 1320.0f;
    s = s * z + 1.0f / 216.0f;
    s = s * z - 1.0f / 42.0f;
    s = s * z + 1.0f / 10.0f;
    s = s * z - 1.0f / 3.0f;
    s = s * z + 1.0f;
    float small = 1.12837916709551257f * x * s;
    /* else 1 - erfc(|x|), erfc by the Chebyshev fit of Numerical Recipes (erfcc) */
    float t = 1.0f / (1.0f + 0.5f * ax);
    float q = 0.17087277f;
    q = q * t - 0.82215223f;
    q = q * t + 1.48851587f;
    q = q * t - 1.13520398f;
    q = q * t + 0.27886807f;
    q = q * t - 0.18628806f;
    q = q * t + 0.09678418f;
    q = q * t + 0.37409196f;
    q = q * t + 1.00002368f;
    q = q * t - 1.26551223f;
    float big = 1.0f - t * lp_expf(q - ax * ax);
    big = x < 0 ? -big : big;
    return ax < 0.5f ? small : big;
}

/* float16 <-> float32 without branches (exact; round to nearest even), so
** conversion loops vectorize. Denormals go through float arithmetic. */
LP_EW_INLINE float lp_h2f(uint16_t h) {
    uint32_t em = h & 0x7fffu, sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t r = lp_f2bits(lp_bits2f(em << 13) * 5.192296858534828e33f); /* 2^112 */
    r = em >= 0x7c00u ? (em << 13) | 0x7f800000u : r;                   /* inf, NaN */
    return lp_bits2f(r | sign);
}

LP_EW_INLINE uint16_t lp_f2h(float f) {
    uint32_t u = lp_f2bits(f), sign = u & 0x80000000u;
    u ^= sign;
    /* overflow, inf and NaN */
    uint32_t big = u > 0x7f800000u ? 0x7e00u : 0x7c00u;
    /* below the smallest normal: let float addition round into the denormal */
    const uint32_t magic = 126u << 23; /* 0.5 */
    uint32_t den = lp_f2bits(lp_bits2f(u) + lp_bits2f(magic)) - magic;
    /* normal: rebias, round to nearest even on the 13 dropped bits */
    uint32_t nrm = (u + 0xc8000fffu + ((u >> 13) & 1)) >> 13;
    uint32_t o = u >= 0x47800000u ? big : u < 0x38800000u ? den : nrm;
    return (uint16_t)(o | (sign >> 16));
}

LP_EW_INLINE float lp_bf2f(uint16_t h) { return lp_bits2f((uint32_t)h << 16); }

LP_EW_INLINE uint16_t lp_f2bf(float f) {
    uint32_t u = lp_f2bits(f);
    uint32_t r = (u + 0x7fffu + ((u >> 16) & 1)) >> 16;
    return (uint16_t)((u & 0x7fffffffu) > 0x7f800000u ? (u >> 16) | 0x40u : r);
}

/* Type-generic spellings for ops/ew.h expressions: the inline float32
** versions for float, libm for double. */
#define LP_EXP(v) _Generic((v), float: lp_expf, default: exp)(v)
#define LP_LOG(v) _Generic((v), float: lp_logf, default: log)(v)
#define LP_TANH(v) _Generic((v), float: lp_tanhf, default: tanh)(v)
#define LP_ERF(v) _Generic((v), float: lp_erff, default: erf)(v)
#define LP_LOG1P_POS(v) _Generic((v), float: lp_log1pf_pos, default: log1p)(v)

#endif
