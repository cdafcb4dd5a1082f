/*
** pgemm.h — Loupe's own packed single-precision matrix product, for the
** products whose left operand is known ahead (a convolution's weights).
**
** Why not cblas_sgemm: the weights can be packed once when the session is
** planned instead of on every call, the unrolled input is packed straight
** into the kernel's panels, the work splits over Loupe's thread pool, and,
** above all, every element of C is the same fused multiply-add chain over
** k = 0, 1, ... whatever its row or column. OpenBLAS's x86 kernels compute
** some columns of a tile with another summation order, so equal rows of A
** (a layer of identical filters) come out one ulp apart, which a Softmax
** over logits of 1e10 turns into wrong classes.
**
*/
#ifndef LP_PGEMM_H
#define LP_PGEMM_H

#include <stdbool.h>
#include <stdint.h>

#define LP_PGEMM_MR 6
#define LP_PGEMM_NR 16
#define LP_PGEMM_KC 320  /* k splits into even blocks of at most this */
#define LP_PGEMM_NC 2048 /* the most columns of B packed at a time */

/* Floats needed for A [m x k] packed, and the packing: for lp_pgemm (and
** lp_pgemm_packing) A's rows go in panels of MR, for lp_pgemm_t_packing
** (`transposed`) in panels of NR; each panel k-major, rows past m zero. */
int64_t lp_pgemm_packed_size(int64_t m, int64_t k, bool transposed);
void lp_pgemm_pack(const float *a, int64_t lda, int64_t m, int64_t k, bool transposed, float *dst);

/* Floats of workspace lp_pgemm needs for n columns on `threads` threads. */
int64_t lp_pgemm_work_size(int64_t n, int threads);

/* What is applied to each finished tile while it is in registers:
** c = clamp(c * scale[row] + shift[row] + res[row, col], lo, hi), each part
** optional (scale, shift, res NULL; clamp false). The rounding is that of
** separate multiply and add, as in the epilogue loops of fuse.c. */
typedef struct lp_pgemm_ep {
    const float *scale, *shift; /* per row of C */
    const float *res;           /* laid out like C, row stride ldr */
    int64_t ldr;
    bool clamp;
    float lo, hi;
} lp_pgemm_ep;

/* C [m x n] = A [m x k] * B [k x n], then ep (may be NULL): A packed, B and
** C row-major with row strides ldb and ldc. work holds
** lp_pgemm_work_size(n, threads) floats, 64-byte aligned. Splits over up to
** `threads` threads of the pool. */
void lp_pgemm(const float *apack, int64_t m, int64_t k, const float *b, int64_t ldb, int64_t n,
              float *c, int64_t ldc, float *work, int threads, const lp_pgemm_ep *ep);

/* The same with B made on demand: pack(ctx, k0, kc, n0, nc, dst) writes
** rows [k0, k0 + kc) and columns [n0, n0 + nc) of B into NR-wide panels
** (panel q at dst + q * kc * NR, its row p at + p * NR, zeros past nc). A
** convolution packs its input this way, with no unrolled copy in between. */
typedef void (*lp_pgemm_pack_fn)(const void *ctx, int64_t k0, int64_t kc, int64_t n0, int64_t nc,
                                 float *dst);
void lp_pgemm_packing(const float *apack, int64_t m, int64_t k, lp_pgemm_pack_fn pack,
                      const void *ctx, int64_t n, float *c, int64_t ldc, float *work, int threads,
                      const lp_pgemm_ep *ep);

/* Few columns (the 7x7 maps at the end of a CNN): NR-wide column panels
** would be mostly padding (49 columns fill four panels of 16), so C is made
** as C^T = B^T A^T in tiles of MR columns by NR rows, A packed the other way
** (lp_pgemm_pack with `transposed`). True when that wastes less. */
bool lp_pgemm_prefers_t(int64_t m, int64_t n);
/* Workspace floats for lp_pgemm_t_packing. */
int64_t lp_pgemm_t_work_size(int64_t k, int64_t n);
/* lp_pgemm_packing's contract, A packed with `transposed`. Each element is
** the same multiply-add chain as in lp_pgemm. */
void lp_pgemm_t_packing(const float *atpack, int64_t m, int64_t k, lp_pgemm_pack_fn pack,
                        const void *ctx, int64_t n, float *c, int64_t ldc, float *work, int threads,
                        const lp_pgemm_ep *ep);

/* The micro-kernel: rows [0, mr) and columns [0, nr) of the MR x NR tile c
** (row stride ldc) = (acc ? c : 0) + a (kc steps of MR values) times b (kc
** steps of NR values), then ep (rows and columns relative to the tile; NULL
** for none). Nothing outside mr x nr is read or written, so edge tiles take
** the same arithmetic as the rest. The build picks an AVX2 version when the
** CPU has it. */
typedef void (*lp_pgemm_kernel_fn)(int64_t kc, const float *a, const float *b, float *c,
                                   int64_t ldc, int mr, int nr, int acc, const lp_pgemm_ep *ep);
lp_pgemm_kernel_fn lp_pgemm_kernel(void);

#endif
