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

#include <string.h>

#define MR LP_PGEMM_MR
#define NR LP_PGEMM_NR

static void kernel_c(int64_t kc, const float *a, const float *b, float *c, int64_t ldc, int acc) {
    float t[MR][NR];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++) t[i][j] = acc ? c[i * ldc + j] : 0.0f;
    for (int64_t p = 0; p < kc; p++, a += MR, b += NR)
        for (int i = 0; i < MR; i++)
            for (int j = 0; j < NR; j++) t[i][j] += a[i] * b[j];
    for (int i = 0; i < MR; i++) memcpy(c + i * ldc, t[i], sizeof t[i]);
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define ROW(i)                                                                                     \
    do {                                                                                           \
        __m256 ai = _mm256_broadcast_ss(a + (i));                                                  \
        c##i##0 = _mm256_fmadd_ps(ai, b0, c##i##0);                                                \
        c##i##1 = _mm256_fmadd_ps(ai, b1, c##i##1);                                                \
    } while (0)
#define LOAD(i)                                                                                    \
    __m256 c##i##0 = acc ? _mm256_loadu_ps(c + (i) * ldc) : _mm256_setzero_ps();                   \
    __m256 c##i##1 = acc ? _mm256_loadu_ps(c + (i) * ldc + 8) : _mm256_setzero_ps()
#define STORE(i)                                                                                   \
    _mm256_storeu_ps(c + (i) * ldc, c##i##0);                                                      \
    _mm256_storeu_ps(c + (i) * ldc + 8, c##i##1)

__attribute__((target("avx2,fma"))) static void kernel_avx2(int64_t kc, const float *a,
                                                            const float *b, float *c, int64_t ldc,
                                                            int acc) {
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
