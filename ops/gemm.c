/*
** gemm.c — Gemm and MatMul.
**
** float goes to OpenBLAS sgemm and double to dgemm; float16 and bfloat16
** are widened to float around sgemm; integers take a plain loop with
** wrapping arithmetic. A batched MatMul whose B is one matrix shared by the
** whole batch is a single product with the batch folded into M; otherwise
** each pair of matrices (batch dims broadcast numpy-style) is one call.
** A Relu/Clip reading the output is fused into both (and for MatMul, an Add
** of a constant bias before it; for Gemm, a BatchNormalization), see fuse.h.
*/
#include "ops/fuse.h"
#include "ops/nn.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

LP_NN_VECTORIZE

/* ---- one matrix product, any supported type ---- */

/* Integer products wrap modulo 2^64 before narrowing, as the ONNX reference
** (numpy) does, and never overflow a signed type. */
#define GEMM_INT(T)                                                                                \
    static void gemm_##T(bool ta, bool tb, int64_t M, int64_t N, int64_t K, double alpha,          \
                         const T *a, int64_t lda, const T *b, int64_t ldb, double beta, T *c,      \
                         int64_t ldc) {                                                            \
        bool plain = alpha == 1.0 && beta == 0.0;                                                  \
        for (int64_t i = 0; i < M; i++)                                                            \
            for (int64_t j = 0; j < N; j++) {                                                      \
                uint64_t acc = 0;                                                                  \
                for (int64_t p = 0; p < K; p++) {                                                  \
                    T x = ta ? a[p * lda + i] : a[i * lda + p];                                    \
                    T y = tb ? b[j * ldb + p] : b[p * ldb + j];                                    \
                    acc += (uint64_t)x * (uint64_t)y;                                              \
                }                                                                                  \
                T *o = &c[i * ldc + j];                                                            \
                *o = plain ? (T)acc                                                                \
                           : (T)(alpha * (double)(T)acc + (beta != 0.0 ? beta * (double)*o : 0));  \
            }                                                                                      \
    }
GEMM_INT(int32_t)
GEMM_INT(int64_t)
GEMM_INT(uint32_t)
GEMM_INT(uint64_t)

/* A product this small runs on one OpenBLAS thread: waking OpenBLAS's
** workers costs more than they save, and once woken they poll for a while,
** taking a core from the Conv threads of the next run (a CNN's classifier
** is just such a product). Returns the thread count to restore, or 1. */
#define SMALL_PRODUCT ((int64_t)1 << 24) /* multiply-adds */
static int small_product(int64_t macs) {
    int threads = openblas_get_num_threads();
    if (macs >= SMALL_PRODUCT || threads <= 1) return 1;
    openblas_set_num_threads(1);
    return threads;
}

/* The float product when M or N is 1. beta 0 clears c first: a BLAS may
** scale the old contents by zero, and 0 times NaN is NaN. */
static void gemv_float(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha,
                       const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
                       float *c, int64_t ldc) {
    if (beta == 0.0f)
        for (int64_t i = 0; i < M; i++) memset(c + i * ldc, 0, (size_t)N * sizeof *c);
    if (M == 1) { /* c[1 x N] = a (a row: K values) times op(b) */
        int inc_a = ta ? (int)lda : 1;
        if (tb) /* b is [N x K] */
            cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)N, (int)K, alpha, b, (int)ldb, a, inc_a,
                        beta, c, 1);
        else /* b is [K x N] */
            cblas_sgemv(CblasRowMajor, CblasTrans, (int)K, (int)N, alpha, b, (int)ldb, a, inc_a,
                        beta, c, 1);
        return;
    }
    /* N == 1: c[M x 1] (stride ldc) = op(a) times b (a column: K values) */
    int inc_b = tb ? 1 : (int)ldb;
    if (ta) /* a is [K x M] */
        cblas_sgemv(CblasRowMajor, CblasTrans, (int)K, (int)M, alpha, a, (int)lda, b, inc_b, beta,
                    c, (int)ldc);
    else /* a is [M x K] */
        cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)M, (int)K, alpha, a, (int)lda, b, inc_b, beta,
                    c, (int)ldc);
}

/* c = alpha * op(a) op(b) + beta * c for float, double and integer types
** (float16 and bfloat16 are converted to float by the callers). */
static void gemm_one(lp_dtype t, bool ta, bool tb, int64_t M, int64_t N, int64_t K, double alpha,
                     const void *a, int64_t lda, const void *b, int64_t ldb, double beta, void *c,
                     int64_t ldc) {
    if (M == 0 || N == 0) return;
    CBLAS_TRANSPOSE TA = ta ? CblasTrans : CblasNoTrans, TB = tb ? CblasTrans : CblasNoTrans;
    switch (t) {
    case LP_DOUBLE:
        if (K == 0) break;
        cblas_dgemm(CblasRowMajor, TA, TB, (int)M, (int)N, (int)K, alpha, a, (int)lda, b, (int)ldb,
                    beta, c, (int)ldc);
        return;
    case LP_INT32:
        gemm_int32_t(ta, tb, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    case LP_INT64:
        gemm_int64_t(ta, tb, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    case LP_UINT32:
        gemm_uint32_t(ta, tb, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    case LP_UINT64:
        gemm_uint64_t(ta, tb, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    default: { /* float */
        if (K == 0) break;
        int threads = small_product(M * N * K);
        if (M == 1 || N == 1) /* a matrix times a vector: sgemv streams the matrix once,
                                 where sgemm would first copy it whole */
            gemv_float(ta, tb, M, N, K, (float)alpha, a, lda, b, ldb, (float)beta, c, ldc);
        else
            cblas_sgemm(CblasRowMajor, TA, TB, (int)M, (int)N, (int)K, (float)alpha, a, (int)lda, b,
                        (int)ldb, (float)beta, c, (int)ldc);
        if (threads > 1) openblas_set_num_threads(threads);
        return;
    }
    }
    /* K == 0 for floats: the product is zero (the BLAS may not touch c) */
    for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++) {
            if (t == LP_DOUBLE) {
                double *o = (double *)c + i * ldc + j;
                *o = beta != 0.0 ? beta * *o : 0.0;
            } else {
                float *o = (float *)c + i * ldc + j;
                *o = beta != 0.0 ? (float)beta * *o : 0.0f;
            }
        }
}

static bool gemm_type(lp_dtype t) {
    return lp_nn_float_type(t) || t == LP_INT32 || t == LP_INT64 || t == LP_UINT32 ||
           t == LP_UINT64;
}

/* float16/bfloat16 are computed in float. */
static bool widened(lp_dtype t) {
    return t == LP_FLOAT16 || t == LP_BFLOAT16;
}

/* ---- fusion ---- */

typedef struct gemm_state {
    lp_epilogue ep;
} gemm_state;

void lp_k_gemm_release(void *p) {
    gemm_state *st = p;
    if (!st) return;
    lp_epilogue_free(&st->ep);
    free(st);
}
void lp_k_matmul_release(void *p) {
    lp_k_gemm_release(p);
}

static int finish_prepare(lp_kctx *k, gemm_state *st) {
    if (st->ep.n_fused)
        k->state = st;
    else
        lp_k_gemm_release(st);
    return LP_OK;
}

int lp_k_gemm_prepare(lp_kctx *k) {
    if (!lp_fuse_next(k)) return LP_OK;
    const lp_tensor *B = lp_in(k, 1);
    int64_t n = B && B->rank == 2 ? B->dims[lp_attr_int(k->node, "transB", 0) ? 0 : 1] : -1;
    gemm_state *st = lp_xcalloc(1, sizeof *st);
    lp_epilogue_init(&st->ep, NULL, n);
    if (n >= 0) lp_fuse_batchnorm(k, &st->ep);
    lp_fuse_activation(k, &st->ep);
    return finish_prepare(k, st);
}

int lp_k_matmul_prepare(lp_kctx *k) {
    if (!lp_fuse_next(k)) return LP_OK;
    const lp_tensor *B = lp_in(k, 1);
    gemm_state *st = lp_xcalloc(1, sizeof *st);
    lp_epilogue_init(&st->ep, NULL, B && B->rank == 2 ? B->dims[1] : -1);
    if (B && B->rank == 2) lp_fuse_bias_add(k, &st->ep);
    lp_fuse_activation(k, &st->ep);
    return finish_prepare(k, st);
}

/* Runs a fused epilogue over a float output of rows x n (converted from
** and back to float16/bfloat16/double as needed; integers never fuse). */
static int run_epilogue(lp_kctx *k, lp_tensor *Y, int64_t n) {
    const gemm_state *st = k->state;
    if (!st || Y->numel == 0) return LP_OK;
    if ((st->ep.scale || st->ep.shift) && n != st->ep.channels)
        return lp_kfail(k, "the fused bias has %lld values, the output rows %lld",
                        (long long)st->ep.channels, (long long)n);
    if (!lp_nn_float_type(Y->dtype)) return lp_kfail(k, "a fused activation needs a float output");
    int64_t len = Y->dtype == LP_FLOAT ? 0 : Y->numel;
    float *buf;
    if (!lp_nn_scratch(k, 1, &len, &buf)) return LP_EFAIL;
    float *y = (float *)lp_nn_floats(Y, buf);
    lp_epilogue_cols(&st->ep, y, Y->numel / n, n);
    if (y != Y->data) lp_nn_store(Y, y, Y->numel);
    return LP_OK;
}

/* ---- Gemm ---- */

int lp_k_gemm(lp_kctx *k) {
    const lp_tensor *A = lp_in(k, 0), *B = lp_in(k, 1), *C = lp_in(k, 2);
    if (!A || !B) return lp_kfail(k, "inputs A and B are required");
    lp_dtype t = A->dtype;
    if (!gemm_type(t)) return lp_kfail(k, "%s inputs are not supported", lp_dtype_name(t));
    if (B->dtype != t || (C && C->dtype != t)) return lp_kbad(k, "A, B and C must have one type");
    if (A->rank != 2 || B->rank != 2) return lp_kbad(k, "A and B must be matrices");
    bool ta = lp_attr_int(k->node, "transA", 0), tb = lp_attr_int(k->node, "transB", 0);
    double alpha = lp_attr_float(k->node, "alpha", 1.0f),
           beta = lp_attr_float(k->node, "beta", 1.0f);
    int64_t M = A->dims[ta ? 1 : 0], K = A->dims[ta ? 0 : 1];
    int64_t N = B->dims[tb ? 0 : 1], K2 = B->dims[tb ? 1 : 0];
    if (K != K2)
        return lp_kbad(k, "A' is %lldx%lld and B' %lldx%lld", (long long)M, (long long)K,
                       (long long)K2, (long long)N);
    int64_t cs[2] = {0, 0}; /* C's strides over (M, N), 0 where broadcast */
    if (C) {
        if (C->rank > 2) return lp_kbad(k, "C has rank %d", C->rank);
        int64_t cm = C->rank == 2 ? C->dims[0] : 1, cn = C->rank >= 1 ? C->dims[C->rank - 1] : 1;
        if ((cm != 1 && cm != M) || (cn != 1 && cn != N))
            return lp_kbad(k, "C [%lld, %lld] does not broadcast to [%lld, %lld]", (long long)cm,
                           (long long)cn, (long long)M, (long long)N);
        cs[0] = cm == 1 ? 0 : cn;
        cs[1] = cn == 1 ? 0 : 1;
    }
    int64_t dims[2] = {M, N};
    lp_tensor *Y = lp_out(k, 0, t, 2, dims);
    if (!Y) return LP_EFAIL;
    bool wide = widened(t);
    lp_dtype ct = wide ? LP_FLOAT : t;
    size_t es = lp_dtype_size(ct);
    int64_t lens[3] = {wide ? A->numel : 0, wide ? B->numel : 0, wide ? Y->numel : 0};
    float *w[3];
    if (!lp_nn_scratch(k, 3, lens, w)) return LP_EFAIL;
    const void *a = wide ? lp_nn_floats(A, w[0]) : A->data;
    const void *b = wide ? lp_nn_floats(B, w[1]) : B->data;
    char *y = wide ? (char *)w[2] : Y->data;
    /* Y = beta * C first, then the product is added by the BLAS */
    bool use_c = C && beta != 0.0 && C->numel > 0;
    for (int64_t i = 0; use_c && i < M; i++) {
        char *row = y + i * N * es;
        const char *src = (const char *)C->data + i * cs[0] * es;
        if (wide) /* float16/bfloat16 C into the float result */
            for (int64_t j = 0; j < N; j++)
                ((float *)row)[j] = (float)lp_get_f64(C, i * cs[0] + j * cs[1]);
        else if (cs[1]) /* a row of C */
            memcpy(row, src, (size_t)N * es);
        else /* one value of C across the row */
            for (int64_t j = 0; j < N; j++) memcpy(row + j * es, src, es);
    }
    gemm_one(ct, ta, tb, M, N, K, alpha, a, A->dims[1], b, B->dims[1], use_c ? beta : 0.0, y, N);
    if (wide) lp_nn_store(Y, (float *)y, Y->numel);
    return run_epilogue(k, Y, N);
}

/* ---- MatMul ---- */

typedef struct mm_geom {
    int64_t M, K, N, batch;
    int rank; /* batch dims of the output */
    int64_t dims[LP_MAX_RANK];
    int64_t sa[LP_MAX_RANK], sb[LP_MAX_RANK]; /* strides in matrices; 0 where broadcast */
} mm_geom;

/* The matrix offsets (in matrices) of A and B for batch entry i. */
static void batch_offsets(const mm_geom *g, int64_t i, int64_t *oa, int64_t *ob) {
    *oa = *ob = 0;
    for (int d = g->rank - 1; d >= 0; d--) {
        int64_t idx = i % g->dims[d];
        i /= g->dims[d];
        *oa += idx * g->sa[d];
        *ob += idx * g->sb[d];
    }
}

/* Batch strides of a tensor with `r` batch dims against the output's. */
static void batch_strides(const int64_t *dims, int r, const mm_geom *g, int64_t *s) {
    int64_t stride = 1;
    for (int d = g->rank - 1; d >= 0; d--) {
        int off = d - (g->rank - r);
        int64_t n = off >= 0 ? dims[off] : 1;
        s[d] = n == 1 ? 0 : stride;
        stride *= n;
    }
}

int lp_k_matmul(lp_kctx *k) {
    const lp_tensor *A = lp_in(k, 0), *B = lp_in(k, 1);
    if (!A || !B) return lp_kfail(k, "inputs A and B are required");
    lp_dtype t = A->dtype;
    if (!gemm_type(t)) return lp_kfail(k, "%s inputs are not supported", lp_dtype_name(t));
    if (B->dtype != t) return lp_kbad(k, "A and B must have one type");
    if (A->rank < 1 || B->rank < 1) return lp_kbad(k, "A and B must have rank 1 or more");
    /* 1-D operands are promoted to a row (A) or a column (B) matrix */
    mm_geom g = {0};
    int ra = A->rank >= 2 ? A->rank - 2 : 0, rb = B->rank >= 2 ? B->rank - 2 : 0;
    g.M = A->rank >= 2 ? A->dims[A->rank - 2] : 1;
    g.K = A->dims[A->rank - 1];
    int64_t kb = B->rank >= 2 ? B->dims[B->rank - 2] : B->dims[0];
    g.N = B->rank >= 2 ? B->dims[B->rank - 1] : 1;
    if (g.K != kb) {
        char sa[200], sb[200];
        return lp_kbad(k, "shapes [%s] and [%s] cannot be multiplied",
                       lp_dims_str(A->rank, A->dims, sa, sizeof sa, true),
                       lp_dims_str(B->rank, B->dims, sb, sizeof sb, true));
    }
    g.rank = ra > rb ? ra : rb;
    g.batch = 1;
    for (int d = 0; d < g.rank; d++) {
        int oa = d - (g.rank - ra), ob = d - (g.rank - rb);
        int64_t x = oa >= 0 ? A->dims[oa] : 1, y = ob >= 0 ? B->dims[ob] : 1;
        if (x != y && x != 1 && y != 1) return lp_kbad(k, "batch dims %d do not broadcast", d);
        g.dims[d] = x == 1 ? y : x;
        g.batch *= g.dims[d];
    }
    batch_strides(A->dims, ra, &g, g.sa);
    batch_strides(B->dims, rb, &g, g.sb);
    int64_t dims[LP_MAX_RANK + 2];
    int rank = g.rank;
    memcpy(dims, g.dims, (size_t)g.rank * sizeof *dims);
    if (A->rank >= 2) dims[rank++] = g.M;
    if (B->rank >= 2) dims[rank++] = g.N;
    lp_tensor *Y = lp_out(k, 0, t, rank, dims);
    if (!Y) return LP_EFAIL;

    bool wide = widened(t);
    lp_dtype ct = wide ? LP_FLOAT : t;
    size_t es = lp_dtype_size(ct);
    int64_t lens[3] = {wide ? A->numel : 0, wide ? B->numel : 0, wide ? Y->numel : 0};
    float *w[3];
    if (!lp_nn_scratch(k, 3, lens, w)) return LP_EFAIL;
    const char *a = wide ? (const char *)lp_nn_floats(A, w[0]) : A->data;
    const char *b = wide ? (const char *)lp_nn_floats(B, w[1]) : B->data;
    char *y = wide ? (char *)w[2] : Y->data;
    bool b_shared = true, a_full = true;
    for (int d = 0; d < g.rank; d++) {
        b_shared &= g.sb[d] == 0;
        a_full &= g.sa[d] != 0 || g.dims[d] == 1;
    }
    if (b_shared && a_full) {
        /* one product: A's batch is M rows after another */
        gemm_one(ct, false, false, g.batch * g.M, g.N, g.K, 1.0, a, g.K, b, g.N, 0.0, y, g.N);
    } else {
        for (int64_t i = 0; i < g.batch; i++) {
            int64_t oa, ob;
            batch_offsets(&g, i, &oa, &ob);
            gemm_one(ct, false, false, g.M, g.N, g.K, 1.0, a + oa * g.M * g.K * es, g.K,
                     b + ob * g.K * g.N * es, g.N, 0.0, y + i * g.M * g.N * es, g.N);
        }
    }
    if (wide) lp_nn_store(Y, (float *)y, Y->numel);
    return run_epilogue(k, Y, g.N);
}
