/*
** pgemm.c — the packed GEMM's blocking, packing and threading.
**
** The loop nest is the classic one (Goto, BLIS): columns in blocks of NC,
** k in blocks of KC (B's block packed into NR-wide panels, each KC x NR
** panel small enough for L1), rows in blocks of MC (A's KC x MC block in
** L2), then the micro-kernel over MR x NR tiles (masked at the edges of C,
** so edges take the same arithmetic as the interior).
**
** Threads split the columns when there are enough NR panels for each,
** otherwise the rows (MR panels); each packs its own B block.
*/
#include "ops/pgemm.h"

#include "ops/parallel.h"

#include <stdbool.h>
#include <string.h>

#define MR LP_PGEMM_MR
#define NR LP_PGEMM_NR
#define KC LP_PGEMM_KC
#define MC 144 /* a multiple of MR */
#define NC LP_PGEMM_NC

/* Below this many multiply-adds a product is not worth a second thread. */
#define MIN_MACS_PER_THREAD ((int64_t)1 << 18)

static int64_t round_up(int64_t v, int64_t to) {
    return (v + to - 1) / to * to;
}

int64_t lp_pgemm_packed_size(int64_t m, int64_t k, bool transposed) {
    return round_up(m, transposed ? NR : MR) * k;
}

void lp_pgemm_pack(const float *a, int64_t lda, int64_t m, int64_t k, bool transposed, float *dst) {
    int64_t width = transposed ? NR : MR;
    for (int64_t i0 = 0; i0 < m; i0 += width, dst += width * k)
        for (int64_t p = 0; p < k; p++)
            for (int64_t i = 0; i < width; i++)
                dst[p * width + i] = i0 + i < m ? a[(i0 + i) * lda + p] : 0;
}

int64_t lp_pgemm_work_size(int64_t n, int threads) {
    int64_t nc = round_up(n < NC ? n : NC, NR);
    return (int64_t)lp_parallel_threads(threads) * KC * nc;
}

/* A row-major B and its row stride. */
typedef struct plain_b {
    const float *b;
    int64_t ldb;
} plain_b;

/* B [kc x nc] (row stride ldb) into NR-wide panels, zero past nc. Row by
** row: reading B in order lets the prefetcher keep up, where a panel at a
** time would read one cache line from each of kc distant rows. */
static void pack_plain(const void *ctx, int64_t k0, int64_t kc, int64_t n0, int64_t nc,
                       float *dst) {
    const plain_b *pb = ctx;
    int64_t ldb = pb->ldb;
    const float *b = pb->b + k0 * ldb + n0;
    int64_t whole = nc / NR * NR, rest = nc - whole;
    for (int64_t p = 0; p < kc; p++) {
        const float *src = b + p * ldb;
        float *d = dst + p * NR;
        for (int64_t j0 = 0; j0 < whole; j0 += NR, d += kc * NR)
            memcpy(d, src + j0, NR * sizeof *d);
        if (rest) {
            memcpy(d, src + whole, (size_t)rest * sizeof *d);
            memset(d + rest, 0, (size_t)(NR - rest) * sizeof *d);
        }
    }
}

/* The epilogue of the tile at row i, column j of C. */
static const lp_pgemm_ep *tile_ep(const lp_pgemm_ep *ep, int64_t i, int64_t j, lp_pgemm_ep *out) {
    if (!ep) return NULL;
    *out = *ep;
    if (ep->scale) out->scale += i;
    if (ep->shift) out->shift += i;
    if (ep->res) out->res += i * ep->ldr + j;
    return out;
}

typedef struct job {
    lp_pgemm_kernel_fn kern;
    const float *apack;
    int64_t m, k, n, ldc;
    lp_pgemm_pack_fn pack;
    const void *pack_ctx;
    float *c, *work;
    int64_t work_each;
    bool split_columns;
    const lp_pgemm_ep *ep;
} job;

/* Rows [m0, m1) (m0 a multiple of MR) by columns [n0, n1) of C. */
static void block(const job *j, int64_t m0, int64_t m1, int64_t n0, int64_t n1, float *bpack) {
    for (int64_t jc = n0; jc < n1; jc += NC) {
        int64_t nc = n1 - jc < NC ? n1 - jc : NC;
        int64_t kblocks = (j->k + KC - 1) / KC, kstep = (j->k + kblocks - 1) / kblocks;
        for (int64_t pc = 0; pc < j->k; pc += kstep) {
            int64_t kc = j->k - pc < kstep ? j->k - pc : kstep;
            j->pack(j->pack_ctx, pc, kc, jc, nc, bpack);
            for (int64_t ic = m0; ic < m1; ic += MC) {
                int64_t mc_end = ic + MC < m1 ? ic + MC : m1;
                for (int64_t jr = 0; jr < nc; jr += NR) {
                    const float *bp = bpack + jr * kc;
                    int64_t nr = nc - jr < NR ? nc - jr : NR;
                    for (int64_t ir = ic; ir < mc_end; ir += MR) {
                        const float *ap = j->apack + ir * j->k + pc * MR;
                        int64_t mr = mc_end - ir < MR ? mc_end - ir : MR;
                        if (pc > 0 && ir + MR < mc_end) /* the next tile's C, read first thing */
                            for (int64_t i = 0; i < MR; i++)
                                __builtin_prefetch(j->c + (ir + MR + i) * j->ldc + jc + jr);
                        lp_pgemm_ep own;
                        const lp_pgemm_ep *ep =
                            pc + kc == j->k ? tile_ep(j->ep, ir, jc + jr, &own) : NULL;
                        j->kern(kc, ap, bp, j->c + ir * j->ldc + jc + jr, j->ldc, (int)mr, (int)nr,
                                pc > 0, ep);
                    }
                }
            }
        }
    }
}

/* Part t of n: an even share of the NR (or MR) panels. */
static void run_part(void *ctx, int t, int n) {
    const job *j = ctx;
    int64_t unit = j->split_columns ? NR : MR, extent = j->split_columns ? j->n : j->m;
    int64_t panels = (extent + unit - 1) / unit;
    int64_t p0 = panels * t / n, p1 = panels * (t + 1) / n;
    int64_t lo = p0 * unit, hi = p1 * unit < extent ? p1 * unit : extent;
    if (lo >= hi) return;
    float *bpack = j->work + t * j->work_each;
    if (j->split_columns)
        block(j, 0, j->m, lo, hi, bpack);
    else
        block(j, lo, hi, 0, j->n, bpack);
}

void lp_pgemm(const float *apack, int64_t m, int64_t k, const float *b, int64_t ldb, int64_t n,
              float *c, int64_t ldc, float *work, int threads, const lp_pgemm_ep *ep) {
    plain_b pb = {b, ldb};
    lp_pgemm_packing(apack, m, k, pack_plain, &pb, n, c, ldc, work, threads, ep);
}

void lp_pgemm_packing(const float *apack, int64_t m, int64_t k, lp_pgemm_pack_fn pack,
                      const void *ctx, int64_t n, float *c, int64_t ldc, float *work, int threads,
                      const lp_pgemm_ep *ep) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) { /* no products: the epilogue of zeros, tile by tile */
        float zeros[MR * NR] = {0};
        lp_pgemm_kernel_fn kern = lp_pgemm_kernel();
        for (int64_t i = 0; i < m; i += MR)
            for (int64_t j = 0; j < n; j += NR) {
                lp_pgemm_ep own;
                kern(0, zeros, zeros, c + i * ldc + j, ldc, (int)(m - i < MR ? m - i : MR),
                     (int)(n - j < NR ? n - j : NR), 0, tile_ep(ep, i, j, &own));
            }
        return;
    }
    int nt = lp_parallel_parts(threads, m * n * k, MIN_MACS_PER_THREAD, INT64_MAX);
    int64_t col_panels = (n + NR - 1) / NR, row_panels = (m + MR - 1) / MR;
    job j = {.kern = lp_pgemm_kernel(),
             .apack = apack,
             .m = m,
             .k = k,
             .n = n,
             .ldc = ldc,
             .pack = pack,
             .pack_ctx = ctx,
             .c = c,
             .work = work,
             .work_each = KC * round_up(n < NC ? n : NC, NR),
             .split_columns = col_panels >= 4 * nt || col_panels >= row_panels,
             .ep = ep};
    int64_t parts = j.split_columns ? col_panels : row_panels;
    if (nt > parts) nt = (int)parts;
    lp_parallel(nt, run_part, &j);
}
