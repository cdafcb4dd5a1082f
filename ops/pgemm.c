/*
** pgemm.c — the packed GEMM's blocking, packing and threading.
**
** The loop nest is the classic one (Goto, BLIS): columns in blocks of NC,
** k in blocks of KC (B's block packed into NR-wide panels, each KC x NR
** panel small enough for L1), rows in blocks of MC (A's KC x MC block in
** L2), then the micro-kernel over MR x NR tiles. A tile that runs off the
** edge of C is computed in a full-size scratch tile and copied, so edges
** take the same kernel, hence the same arithmetic, as the interior.
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
#define KC 256
#define MC 144 /* a multiple of MR */
#define NC 2048

/* Below this many multiply-adds a product is not worth a second thread. */
#define MIN_MACS_PER_THREAD ((int64_t)1 << 18)

static int64_t round_up(int64_t v, int64_t to) {
    return (v + to - 1) / to * to;
}

int64_t lp_pgemm_packed_size(int64_t m, int64_t k) {
    return round_up(m, MR) * k;
}

void lp_pgemm_pack_a(const float *a, int64_t lda, int64_t m, int64_t k, float *dst) {
    for (int64_t i0 = 0; i0 < m; i0 += MR, dst += MR * k)
        for (int64_t p = 0; p < k; p++)
            for (int64_t i = 0; i < MR; i++) dst[p * MR + i] = i0 + i < m ? a[(i0 + i) * lda + p] : 0;
}

int64_t lp_pgemm_work_size(int64_t n, int threads) {
    int64_t nc = round_up(n < NC ? n : NC, NR);
    return (int64_t)lp_parallel_threads(threads) * KC * nc;
}

/* B [kc x nc] (row stride ldb) into NR-wide panels, zero past nc. */
static void pack_b(const float *b, int64_t ldb, int64_t kc, int64_t nc, float *dst) {
    for (int64_t j0 = 0; j0 < nc; j0 += NR, dst += kc * NR) {
        int64_t w = nc - j0 < NR ? nc - j0 : NR;
        const float *src = b + j0;
        if (w == NR) {
            for (int64_t p = 0; p < kc; p++) memcpy(dst + p * NR, src + p * ldb, NR * sizeof *dst);
        } else {
            for (int64_t p = 0; p < kc; p++) {
                memcpy(dst + p * NR, src + p * ldb, (size_t)w * sizeof *dst);
                memset(dst + p * NR + w, 0, (size_t)(NR - w) * sizeof *dst);
            }
        }
    }
}

/* One tile: in place when whole, through a full-size copy at the edges. */
static void tile(lp_pgemm_kernel_fn kern, int64_t kc, const float *a, const float *b, float *c,
                 int64_t ldc, int64_t mr, int64_t nr, int acc) {
    if (mr == MR && nr == NR) {
        kern(kc, a, b, c, ldc, acc);
        return;
    }
    float t[MR * NR];
    memset(t, 0, sizeof t);
    if (acc)
        for (int64_t i = 0; i < mr; i++) memcpy(t + i * NR, c + i * ldc, (size_t)nr * sizeof *t);
    kern(kc, a, b, t, NR, acc);
    for (int64_t i = 0; i < mr; i++) memcpy(c + i * ldc, t + i * NR, (size_t)nr * sizeof *t);
}

typedef struct job {
    lp_pgemm_kernel_fn kern;
    const float *apack;
    int64_t m, k, n, ldb, ldc;
    const float *b;
    float *c, *work;
    int64_t work_each;
    bool split_columns;
    lp_pgemm_tile_fn then;
    void *then_ctx;
} job;

/* Rows [m0, m1) (m0 a multiple of MR) by columns [n0, n1) of C. */
static void block(const job *j, int64_t m0, int64_t m1, int64_t n0, int64_t n1, float *bpack) {
    for (int64_t jc = n0; jc < n1; jc += NC) {
        int64_t nc = n1 - jc < NC ? n1 - jc : NC;
        for (int64_t pc = 0; pc < j->k; pc += KC) {
            int64_t kc = j->k - pc < KC ? j->k - pc : KC;
            pack_b(j->b + pc * j->ldb + jc, j->ldb, kc, nc, bpack);
            for (int64_t ic = m0; ic < m1; ic += MC) {
                int64_t mc_end = ic + MC < m1 ? ic + MC : m1;
                for (int64_t jr = 0; jr < nc; jr += NR) {
                    const float *bp = bpack + jr * kc;
                    int64_t nr = nc - jr < NR ? nc - jr : NR;
                    for (int64_t ir = ic; ir < mc_end; ir += MR) {
                        const float *ap = j->apack + ir * j->k + pc * MR;
                        int64_t mr = mc_end - ir < MR ? mc_end - ir : MR;
                        float *ct = j->c + ir * j->ldc + jc + jr;
                        tile(j->kern, kc, ap, bp, ct, j->ldc, mr, nr, pc > 0);
                        if (j->then && pc + kc == j->k)
                            j->then(j->then_ctx, ir, jc + jr, ct, j->ldc, mr, nr);
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
              float *c, int64_t ldc, float *work, int threads) {
    lp_pgemm_then(apack, m, k, b, ldb, n, c, ldc, work, threads, NULL, NULL);
}

void lp_pgemm_then(const float *apack, int64_t m, int64_t k, const float *b, int64_t ldb,
                   int64_t n, float *c, int64_t ldc, float *work, int threads, lp_pgemm_tile_fn fn,
                   void *ctx) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        for (int64_t i = 0; i < m; i++) memset(c + i * ldc, 0, (size_t)n * sizeof *c);
        if (fn) fn(ctx, 0, 0, c, ldc, m, n);
        return;
    }
    int nt = lp_parallel_threads(threads);
    int64_t macs = m * n * k;
    if (macs / nt < MIN_MACS_PER_THREAD) nt = (int)(macs / MIN_MACS_PER_THREAD) + 1;
    int64_t col_panels = (n + NR - 1) / NR, row_panels = (m + MR - 1) / MR;
    job j = {.kern = lp_pgemm_kernel(),
             .apack = apack,
             .m = m,
             .k = k,
             .n = n,
             .ldb = ldb,
             .ldc = ldc,
             .b = b,
             .c = c,
             .work = work,
             .work_each = KC * round_up(n < NC ? n : NC, NR),
             .split_columns = col_panels >= 4 * nt || col_panels >= row_panels,
             .then = fn,
             .then_ctx = ctx};
    int64_t parts = j.split_columns ? col_panels : row_panels;
    if (nt > parts) nt = (int)parts;
    lp_parallel(nt, run_part, &j);
}
