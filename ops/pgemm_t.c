/*
** pgemm_t.c — the packed GEMM for products with few columns, made as
** C^T = B^T A^T.
**
** B (k x n, n small) is packed whole, then regrouped into MR-wide panels of
** its columns (both split over threads by rows of B); A's rows sit in NR-wide panels packed at
*planning. The same
** micro-kernel makes an MR x NR tile of C^T (MR columns of C by NR rows of
** C) in a small buffer, over all of k a block at a time, and the tile is
** finished (epilogue) and stored transposed. Threads split A's panels.
*/
#include "ops/pgemm.h"

#include "ops/parallel.h"

#include <string.h>

#define MR LP_PGEMM_MR
#define NR LP_PGEMM_NR
#define KC LP_PGEMM_KC
#define MAX_COLUMNS 256 /* wider products take the usual path */

static int64_t round_up(int64_t v, int64_t to) {
    return (v + to - 1) / to * to;
}

bool lp_pgemm_prefers_t(int64_t m, int64_t n) {
    if (n > MAX_COLUMNS || m < NR) return false;
    /* padded work either way, with a margin for the extra packing */
    return round_up(n, MR) * round_up(m, NR) * 10 < round_up(n, NR) * round_up(m, MR) * 9;
}

int64_t lp_pgemm_t_work_size(int64_t k, int64_t n) {
    return k * round_up(n, NR) + k * round_up(n, MR);
}

typedef struct tjob {
    lp_pgemm_kernel_fn kern;
    const float *at, *bt; /* A's NR panels, B^T's MR panels (each k long) */
    int64_t m, k, n, ldc;
    float *c;
    const lp_pgemm_ep *ep;
} tjob;

/* Stores tile t (MR columns of C by NR rows, t[j][i] for column j, row i)
** at rows i0.., columns j0.. of C, finishing it on the way. */
static void store_t(const tjob *jb, const float *t, int64_t i0, int64_t j0) {
    const lp_pgemm_ep *ep = jb->ep;
    int64_t rows = jb->m - i0 < NR ? jb->m - i0 : NR, cols = jb->n - j0 < MR ? jb->n - j0 : MR;
    for (int64_t i = 0; i < rows; i++) {
        float *c = jb->c + (i0 + i) * jb->ldc + j0;
        for (int64_t j = 0; j < cols; j++) {
            float v = t[j * NR + i];
            if (ep && ep->scale) v *= ep->scale[i0 + i];
            if (ep && ep->shift) v += ep->shift[i0 + i];
            if (ep && ep->res) v += ep->res[(i0 + i) * ep->ldr + j0 + j];
            if (ep && ep->clamp) v = v < ep->lo ? ep->lo : v > ep->hi ? ep->hi : v;
            c[j] = v;
        }
    }
}

static void run_part_t(void *ctx, int t, int nt) {
    const tjob *jb = ctx;
    int64_t panels = (jb->m + NR - 1) / NR;
    int64_t kblocks = jb->k > 0 ? (jb->k + KC - 1) / KC : 1;
    int64_t kstep = jb->k > 0 ? (jb->k + kblocks - 1) / kblocks : 1;
    float tile[MR * NR];
    for (int64_t q = panels * t / nt; q < panels * (t + 1) / nt; q++) {
        const float *ap = jb->at + q * jb->k * NR;
        for (int64_t j0 = 0; j0 < jb->n; j0 += MR) {
            const float *bp = jb->bt + j0 * jb->k;
            if (jb->k == 0) memset(tile, 0, sizeof tile); /* an empty sum */
            for (int64_t pc = 0; pc < jb->k; pc += kstep) {
                int64_t kc = jb->k - pc < kstep ? jb->k - pc : kstep;
                jb->kern(kc, bp + pc * MR, ap + pc * NR, tile, NR, MR, NR, pc > 0, NULL);
            }
            store_t(jb, tile, q * NR, j0);
        }
    }
}

/* Rows [k0, k1) of B, packed and regrouped into B^T's MR panels: the
** packing is split over threads by rows of B, before the products. */
typedef struct tpack {
    lp_pgemm_pack_fn pack;
    const void *ctx;
    int64_t k, n;
    float *bpanels, *bt;
} tpack;

static void pack_part_t(void *ctx, int t, int nt) {
    const tpack *tp = ctx;
    int64_t k0 = tp->k * t / nt, k1 = tp->k * (t + 1) / nt, kc = k1 - k0, n = tp->n;
    if (kc <= 0) return;
    float *panels = tp->bpanels + k0 * round_up(n, NR); /* this part's rows, kc-major panels */
    tp->pack(tp->ctx, k0, kc, 0, n, panels);
    for (int64_t j0 = 0; j0 < n; j0 += MR)
        for (int64_t p = 0; p < kc; p++)
            for (int64_t j = 0; j < MR; j++) {
                int64_t col = j0 + j;
                tp->bt[j0 * tp->k + (k0 + p) * MR + j] =
                    col < n ? panels[(col / NR) * kc * NR + p * NR + col % NR] : 0.0f;
            }
}

void lp_pgemm_t_packing(const float *atpack, int64_t m, int64_t k, lp_pgemm_pack_fn pack,
                        const void *ctx, int64_t n, float *c, int64_t ldc, float *work, int threads,
                        const lp_pgemm_ep *ep) {
    if (m <= 0 || n <= 0) return;
    int64_t panels = (m + NR - 1) / NR, macs = m * n * k, grain = (int64_t)1 << 18;
    tpack tp = {pack, ctx, k, n, work, work + k * round_up(n, NR)};
    lp_parallel(lp_parallel_parts(threads, macs, grain, k), pack_part_t, &tp);
    tjob jb = {lp_pgemm_kernel(), atpack, tp.bt, m, k, n, ldc, c, ep};
    lp_parallel(lp_parallel_parts(threads, macs, grain, panels), run_part_t, &jb);
}
