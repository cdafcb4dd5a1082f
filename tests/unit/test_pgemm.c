/* test_pgemm.c — the packed GEMM against a double-precision reference, its
** edges and thread splits, and its promise: equal rows of A give equal rows
** of C, bit for bit. */
#include "ops/parallel.h"
#include "ops/pgemm.h"
#include "test.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

static float *aligned_floats(int64_t n) {
    size_t bytes = ((size_t)(n > 0 ? n : 1) * sizeof(float) + 63) / 64 * 64;
    return aligned_alloc(64, bytes);
}

static uint32_t rng = 12345;
static float rnd(void) {
    rng = rng * 1664525u + 1013904223u;
    return (float)((rng >> 8) & 0xffff) / 32768.0f - 1.0f;
}

/* Runs C = A * B through the packed GEMM (C with a wider stride, B with a
** wider stride) and returns the largest error against the reference. */
static double max_error(int64_t m, int64_t n, int64_t k, int threads) {
    int64_t ldb = n + 3, ldc = n + 5;
    float *a = aligned_floats(m * k), *b = aligned_floats(k * ldb), *c = aligned_floats(m * ldc);
    float *ap = aligned_floats(lp_pgemm_packed_size(m, k, false));
    float *work = aligned_floats(lp_pgemm_work_size(n, threads));
    for (int64_t i = 0; i < m * k; i++) a[i] = rnd();
    for (int64_t i = 0; i < k * ldb; i++) b[i] = rnd();
    for (int64_t i = 0; i < m * ldc; i++) c[i] = 7.0f; /* past n must stay 7 */
    lp_pgemm_pack(a, k, m, k, false, ap);
    lp_pgemm(ap, m, k, b, ldb, n, c, ldc, work, threads, NULL);
    double worst = 0;
    for (int64_t i = 0; i < m; i++) {
        for (int64_t j = 0; j < n; j++) {
            double ref = 0;
            for (int64_t p = 0; p < k; p++) ref += (double)a[i * k + p] * b[p * ldb + j];
            double e = fabs(ref - c[i * ldc + j]);
            if (e > worst) worst = e;
        }
        for (int64_t j = n; j < ldc; j++)
            if (c[i * ldc + j] != 7.0f) worst = INFINITY;
    }
    free(a), free(b), free(c), free(ap), free(work);
    return worst;
}

TEST(pgemm_matches_reference_on_odd_shapes) {
    static const int64_t shapes[][3] = {{1, 1, 1},     {6, 16, 1},    {7, 17, 3},
                                        {5, 15, 300},  {13, 33, 257}, {64, 49, 576},
                                        {150, 40, 20}, {3, 2100, 5},  {200, 3, 9}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int threads = 1; threads <= 3; threads++) {
            double e = max_error(shapes[s][0], shapes[s][1], shapes[s][2], threads);
            if (!(e < 1e-4 * sqrt((double)shapes[s][2])))
                fprintf(stderr, "  shape %lld x %lld x %lld, %d threads: error %g\n",
                        (long long)shapes[s][0], (long long)shapes[s][1], (long long)shapes[s][2],
                        threads, e);
            CHECK(e < 1e-4 * sqrt((double)shapes[s][2]));
        }
}

TEST(pgemm_zero_depth_gives_zeros) {
    float c[6] = {1, 2, 3, 4, 5, 6}, ap[1] = {0}, work[64];
    lp_pgemm(ap, 2, 0, NULL, 3, 3, c, 3, work, 1, NULL);
    for (int i = 0; i < 6; i++) CHECK(c[i] == 0.0f);
}

/* The layer OpenBLAS gets wrong: 1000 identical filters over 169 positions
** must give 1000 identical rows, also on two threads. */
TEST(pgemm_equal_rows_give_equal_rows) {
    const int64_t m = 1000, k = 512, n = 169;
    float *a = aligned_floats(m * k), *b = aligned_floats(k * n), *c = aligned_floats(m * n);
    float *ap = aligned_floats(lp_pgemm_packed_size(m, k, false));
    float *work = aligned_floats(lp_pgemm_work_size(n, 3));
    for (int64_t p = 0; p < k; p++) a[p] = 0.0123f * (float)(1 + p % 3);
    for (int64_t i = 1; i < m; i++) memcpy(a + i * k, a, (size_t)k * sizeof *a);
    for (int64_t i = 0; i < k * n; i++) b[i] = 500.0f * (rnd() + 1.0f);
    lp_pgemm_pack(a, k, m, k, false, ap);
    float *one = aligned_floats(m * n);
    for (int threads = 1; threads <= 3; threads++) {
        lp_pgemm(ap, m, k, b, n, n, c, n, work, threads, NULL);
        int64_t differing = 0;
        for (int64_t i = 1; i < m; i++) differing += memcmp(c + i * n, c, (size_t)n * 4) != 0;
        CHECK(differing == 0);
        /* and the thread count does not change a bit */
        if (threads == 1) memcpy(one, c, (size_t)(m * n) * sizeof *c);
        CHECK(memcmp(one, c, (size_t)(m * n) * sizeof *c) == 0);
    }
    free(a), free(b), free(c), free(ap), free(work), free(one);
}

/* The epilogue: scale, shift, residual and clamp per row, at the edges too,
** with a NaN passing the clamp as Relu lets it. */
TEST(pgemm_epilogue_matches_loops) {
    const int64_t m = 13, k = 20, n = 35;
    float *a = aligned_floats(m * k), *b = aligned_floats(k * n), *c = aligned_floats(m * n);
    float *res = aligned_floats(m * n), scale[13], shift[13];
    float *ap = aligned_floats(lp_pgemm_packed_size(m, k, false));
    float *work = aligned_floats(lp_pgemm_work_size(n, 2));
    for (int64_t i = 0; i < m * k; i++) a[i] = rnd();
    for (int64_t i = 0; i < k * n; i++) b[i] = rnd();
    for (int64_t i = 0; i < m * n; i++) res[i] = rnd();
    for (int i = 0; i < 13; i++) scale[i] = 1.0f + rnd(), shift[i] = rnd();
    b[5] = NAN; /* column 5 of every row */
    lp_pgemm_pack(a, k, m, k, false, ap);
    lp_pgemm_ep ep = {scale, shift, res, n, true, 0.0f, 0.5f};
    for (int threads = 1; threads <= 2; threads++) {
        lp_pgemm(ap, m, k, b, n, n, c, n, work, threads, &ep);
        int bad = 0;
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < n; j++) {
                double v = 0;
                for (int64_t p = 0; p < k; p++) v += (double)a[i * k + p] * b[p * n + j];
                v = v * scale[i] + shift[i] + res[i * n + j];
                v = v < 0 ? 0 : v > 0.5 ? 0.5 : v;
                float got = c[i * n + j];
                if (j == 5 ? !isnan(got) : !(fabs(got - v) < 1e-4)) bad++;
            }
        CHECK(bad == 0);
    }
    free(a), free(b), free(c), free(res), free(ap), free(work);
}

static void count_part(void *ctx, int t, int n) {
    int *seen = ctx;
    __atomic_add_fetch(&seen[t], n, __ATOMIC_RELAXED);
}

TEST(parallel_runs_every_part_once) {
    int seen[LP_MAX_THREADS] = {0};
    for (int round = 0; round < 50; round++) lp_parallel(3, count_part, seen);
    for (int t = 0; t < 3; t++) CHECK(seen[t] == 150);
    CHECK(seen[3] == 0);
    CHECK(lp_parallel_threads(0) >= 1);
    CHECK(lp_parallel_threads(1000) == LP_MAX_THREADS);
}

/* A plain row-major B for the transposed path's packing callback. */
typedef struct plain {
    const float *b;
    int64_t ldb;
} plain;
static void pack_plain_test(const void *ctx, int64_t k0, int64_t kc, int64_t n0, int64_t nc,
                            float *dst) {
    const plain *pb = ctx;
    for (int64_t p = 0; p < kc; p++)
        for (int64_t j = 0; j < (nc + LP_PGEMM_NR - 1) / LP_PGEMM_NR * LP_PGEMM_NR; j++)
            dst[(j / LP_PGEMM_NR) * kc * LP_PGEMM_NR + p * LP_PGEMM_NR + j % LP_PGEMM_NR] =
                j < nc ? pb->b[(k0 + p) * pb->ldb + n0 + j] : 0.0f;
}

/* Few columns: C^T tiles, with the epilogue, must give what the usual path
** gives, bit for bit (each element is the same chain), on 1 and 2 threads. */
TEST(pgemm_transposed_matches_usual_path) {
    static const int64_t shapes[][3] = {{512, 700, 49}, {37, 5, 3}, {16, 0, 7}, {100, 64, 36}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int64_t m = shapes[s][0], k = shapes[s][1], n = shapes[s][2];
        float *a = aligned_floats(m * k), *b = aligned_floats(k * n), *res = aligned_floats(m * n);
        float *c1 = aligned_floats(m * n), *c2 = aligned_floats(m * n), *sc = aligned_floats(m);
        float *ap = aligned_floats(lp_pgemm_packed_size(m, k, false));
        float *at = aligned_floats(lp_pgemm_packed_size(m, k, true));
        float *w1 = aligned_floats(lp_pgemm_work_size(n, 2));
        float *w2 = aligned_floats(lp_pgemm_t_work_size(k, n));
        for (int64_t i = 0; i < m * k; i++) a[i] = rnd();
        for (int64_t i = 0; i < k * n; i++) b[i] = rnd();
        for (int64_t i = 0; i < m * n; i++) res[i] = rnd();
        for (int64_t i = 0; i < m; i++) sc[i] = 1.0f + rnd();
        lp_pgemm_pack(a, k, m, k, false, ap);
        lp_pgemm_pack(a, k, m, k, true, at);
        lp_pgemm_ep ep = {sc, res, res, n, true, -0.25f, 0.75f}; /* shift: res's first values */
        plain pb = {b, n};
        for (int threads = 1; threads <= 2; threads++) {
            lp_pgemm(ap, m, k, b, n, n, c1, n, w1, threads, &ep);
            lp_pgemm_t_packing(at, m, k, pack_plain_test, &pb, n, c2, n, w2, threads, &ep);
            CHECK(memcmp(c1, c2, (size_t)(m * n) * sizeof *c1) == 0);
        }
        free(a), free(b), free(res), free(c1), free(c2), free(sc), free(ap), free(at), free(w1),
            free(w2);
    }
    CHECK(lp_pgemm_prefers_t(512, 49));
    CHECK(!lp_pgemm_prefers_t(512, 3136));
    CHECK(!lp_pgemm_prefers_t(1000, 169));
}
