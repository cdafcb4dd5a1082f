/*
** pgemm_kernel.c — the 6 x 16 micro-kernels of the packed GEMM.
**
** Twelve accumulators (6 rows x two 8-float halves) stay in registers while
** k runs: per step, two loads of B, six broadcasts of A, twelve FMAs. The
** portable version is the same loop in plain C (its sums round as the CPU's
** separate multiply and add do); both keep one chain per element, so equal
** inputs give equal outputs wherever they sit in C.
*/
#include "ops/pgemm.h"

#include <stdbool.h>
#include <string.h>

#define MR LP_PGEMM_MR
#define NR LP_PGEMM_NR

static void kernel_c(int64_t kc, const float *a, const float *b, float *c, int64_t ldc, int mr,
                     int nr, int acc, const lp_pgemm_ep *ep) {
    float t[MR][NR];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++) t[i][j] = acc && i < mr && j < nr ? c[i * ldc + j] : 0.0f;
    for (int64_t p = 0; p < kc; p++, a += MR, b += NR)
        for (int i = 0; i < MR; i++)
            for (int j = 0; j < NR; j++) t[i][j] += a[i] * b[j];
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < nr; j++) {
            float v = t[i][j];
            if (ep && ep->scale) v *= ep->scale[i];
            if (ep && ep->shift) v += ep->shift[i];
            if (ep && ep->res) v += ep->res[i * ep->ldr + j];
            if (ep && ep->clamp) v = v < ep->lo ? ep->lo : v > ep->hi ? ep->hi : v;
            c[i * ldc + j] = v;
        }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define ROW(i)                                                                                     \
    do {                                                                                           \
        __m256 ai = _mm256_broadcast_ss(a + (i));                                                  \
        c##i##0 = _mm256_fmadd_ps(ai, b0, c##i##0);                                                \
        c##i##1 = _mm256_fmadd_ps(ai, b1, c##i##1);                                                \
    } while (0)
/* Rows past mr are neither read nor written; columns past nr are masked. */
#define LOADU(p, m, half) (full ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, m##half))
#define LOAD(i)                                                                                    \
    __m256 c##i##0 = _mm256_setzero_ps(), c##i##1 = _mm256_setzero_ps();                           \
    if (acc && (i) < mr) {                                                                         \
        c##i##0 = LOADU(c + (i)*ldc, mask, 0);                                                     \
        c##i##1 = LOADU(c + (i)*ldc + 8, mask, 1);                                                 \
    }
#define STORE(i)                                                                                   \
    if ((i) < mr) {                                                                                \
        if (full) {                                                                                \
            _mm256_storeu_ps(c + (i)*ldc, c##i##0);                                                \
            _mm256_storeu_ps(c + (i)*ldc + 8, c##i##1);                                            \
        } else {                                                                                   \
            _mm256_maskstore_ps(c + (i)*ldc, mask0, c##i##0);                                      \
            _mm256_maskstore_ps(c + (i)*ldc + 8, mask1, c##i##1);                                  \
        }                                                                                          \
    }
/* The epilogue on row i, in registers: scale, shift, residual, clamp. */
#define FINISH(i)                                                                                  \
    do {                                                                                           \
        if (ep->scale && (i) < mr) {                                                               \
            __m256 s = _mm256_broadcast_ss(ep->scale + (i));                                       \
            c##i##0 = _mm256_mul_ps(c##i##0, s);                                                   \
            c##i##1 = _mm256_mul_ps(c##i##1, s);                                                   \
        }                                                                                          \
        if (ep->shift && (i) < mr) {                                                               \
            __m256 t = _mm256_broadcast_ss(ep->shift + (i));                                       \
            c##i##0 = _mm256_add_ps(c##i##0, t);                                                   \
            c##i##1 = _mm256_add_ps(c##i##1, t);                                                   \
        }                                                                                          \
        if (ep->res && (i) < mr) {                                                                 \
            c##i##0 = _mm256_add_ps(c##i##0, LOADU(ep->res + (i)*ep->ldr, mask, 0));               \
            c##i##1 = _mm256_add_ps(c##i##1, LOADU(ep->res + (i)*ep->ldr + 8, mask, 1));           \
        }                                                                                          \
        if (ep->clamp) { /* operands in this order let a NaN through, as clampf does */            \
            c##i##0 = _mm256_min_ps(hi, _mm256_max_ps(lo, c##i##0));                               \
            c##i##1 = _mm256_min_ps(hi, _mm256_max_ps(lo, c##i##1));                               \
        }                                                                                          \
    } while (0)

__attribute__((target("avx2,fma"))) static void kernel_avx2(int64_t kc, const float *a,
                                                            const float *b, float *c, int64_t ldc,
                                                            int mr, int nr, int acc,
                                                            const lp_pgemm_ep *ep) {
    const bool full = nr == NR;
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i mask0 = _mm256_cmpgt_epi32(_mm256_set1_epi32(nr), iota);
    const __m256i mask1 = _mm256_cmpgt_epi32(_mm256_set1_epi32(nr - 8), iota);
    /* The residual is read after the k loop: ask for it now, so that it is
    ** in cache by then (it is often a large map last touched long ago). */
    for (int i = 0; ep && ep->res && i < mr; i++) {
        _mm_prefetch((const char *)(ep->res + i * ep->ldr), _MM_HINT_T0);
        _mm_prefetch((const char *)(ep->res + i * ep->ldr + nr - 1), _MM_HINT_T0);
    }
    LOAD(0);
    LOAD(1);
    LOAD(2);
    LOAD(3);
    LOAD(4);
    LOAD(5);
#pragma GCC unroll 4
    for (int64_t p = 0; p < kc; p++, a += MR, b += NR) {
        __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
        ROW(0);
        ROW(1);
        ROW(2);
        ROW(3);
        ROW(4);
        ROW(5);
    }
    if (ep) {
        __m256 lo = _mm256_set1_ps(ep->lo), hi = _mm256_set1_ps(ep->hi);
        FINISH(0);
        FINISH(1);
        FINISH(2);
        FINISH(3);
        FINISH(4);
        FINISH(5);
    }
    STORE(0);
    STORE(1);
    STORE(2);
    STORE(3);
    STORE(4);
    STORE(5);
}

lp_pgemm_kernel_fn lp_pgemm_kernel(void) {
    __builtin_cpu_init(); /* cheap, and safe before constructors have run */
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? kernel_avx2 : kernel_c;
}

#else

lp_pgemm_kernel_fn lp_pgemm_kernel(void) {
    return kernel_c;
}

#endif
