/*
** test_gemm.c — MatMul (batch broadcasting, 1-D operands, the folded and the
** per-batch paths, MatMul + Add + Relu fused) and Gemm (transposes, alpha,
** beta, every broadcast of C) against naive loops.
*/
#include "model/build.h"
#include "ops/session.h"
#include "test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static float val(uint64_t *s) {
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float)((double)(*s >> 11) / (double)(1ULL << 52) - 1.0);
}

static float *fill(uint64_t *s, int64_t n) {
    float *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    for (int64_t i = 0; i < n; i++) v[i] = val(s);
    return v;
}

static void shape_of(char *buf, size_t n, int rank, const int64_t *d) {
    buf[0] = 0;
    for (int i = 0; i < rank; i++) {
        size_t l = strlen(buf);
        snprintf(buf + l, n - l, "%s%lld", i ? "," : "", (long long)d[i]);
    }
}

/* Runs b on inputs A (and B when b_input), returning Y and its shape. */
static float *run2(lp_builder *b, const float *a, int ra, const int64_t *da, const float *bb,
                   int rb, const int64_t *db, lp_tensor *shape, int *absorbed) {
    lp_error err = {0};
    lp_model *m = NULL;
    if (lp_build_model(b, "t.onnx", &m, &err)) {
        fprintf(stderr, "  build: %s\n", err.msg);
        return NULL;
    }
    lp_session_opts o = {.threads = 2, .profile = true};
    lp_session *s = NULL;
    if (lp_session_create(m, &o, &s, &err)) {
        fprintf(stderr, "  session: %s\n", err.msg);
        lp_model_free(m);
        return NULL;
    }
    lp_rvalue in[2] = {{.kind = LP_RV_TENSOR}, {.kind = LP_RV_TENSOR}};
    const float *data[2] = {a, bb};
    int ranks[2] = {ra, rb};
    const int64_t *dims[2] = {da, db};
    for (int i = 0; i < 2; i++) {
        if (!data[i]) continue;
        in[i].t.dtype = LP_FLOAT;
        in[i].t.rank = ranks[i];
        memcpy(in[i].t.dims, dims[i], (size_t)ranks[i] * sizeof(int64_t));
        in[i].t.numel = lp_shape_numel(ranks[i], dims[i]);
        in[i].t.data = (void *)data[i];
        in[i].t.nbytes = (size_t)in[i].t.numel * 4;
    }
    lp_rvalue *outs[1];
    float *y = NULL;
    if (lp_session_run(s, in, m->graph->n_inputs, outs, &err)) {
        fprintf(stderr, "  run: %s\n", err.msg);
    } else {
        *shape = outs[0]->t;
        y = malloc(outs[0]->t.nbytes + 4);
        memcpy(y, outs[0]->t.data, outs[0]->t.nbytes);
        if (absorbed) {
            const lp_node_profile *rows;
            int n = lp_session_profile(s, &rows);
            *absorbed = 0;
            for (int i = 0; i < n; i++) *absorbed += rows[i].calls == 0;
        }
    }
    lp_session_free(s);
    lp_model_free(m);
    return y;
}

/* numpy matmul by definition. */
static bool check_matmul(int ra, const int64_t *da, int rb, const int64_t *db, uint64_t *seed) {
    int64_t na = lp_shape_numel(ra, da), nb = lp_shape_numel(rb, db);
    float *a = fill(seed, na), *b = fill(seed, nb);
    char sa[100], sb[100];
    shape_of(sa, sizeof sa, ra, da);
    shape_of(sb, sizeof sb, rb, db);
    lp_builder *bl = lp_build_new("mm");
    lp_build_opset(bl, "", 13);
    lp_build_input(bl, "A", LP_FLOAT, sa);
    lp_build_input(bl, "B", LP_FLOAT, sb);
    lp_build_node(bl, "MatMul", "A,B", "Y");
    lp_build_output(bl, "Y", LP_FLOAT, NULL);
    lp_tensor sh = {0};
    float *y = run2(bl, a, ra, da, b, rb, db, &sh, NULL);
    lp_build_free(bl);
    bool ok = y != NULL;
    /* promote and broadcast */
    int64_t A[6] = {1, 1, 1, 1, 1, 1}, B[6] = {1, 1, 1, 1, 1, 1};
    int64_t M = ra >= 2 ? da[ra - 2] : 1, K = da[ra - 1], N = rb >= 2 ? db[rb - 1] : 1;
    int bra = ra > 2 ? ra - 2 : 0, brb = rb > 2 ? rb - 2 : 0, br = bra > brb ? bra : brb;
    for (int i = 0; i < bra; i++) A[4 - bra + i] = da[i];
    for (int i = 0; i < brb; i++) B[4 - brb + i] = db[i];
    int64_t O[4], batch = 1;
    for (int i = 0; i < 4; i++) {
        O[i] = A[i] > B[i] ? A[i] : B[i];
        batch *= O[i];
    }
    int erank = br + (ra >= 2) + (rb >= 2);
    ok = ok && sh.rank == erank && sh.numel == batch * M * N;
    for (int64_t bi = 0; ok && bi < batch; bi++) {
        int64_t idx[4] = {bi / (O[1] * O[2] * O[3]), bi / (O[2] * O[3]) % O[1], bi / O[3] % O[2],
                          bi % O[3]};
        int64_t oa = 0, ob = 0;
        for (int i = 0; i < 4; i++) {
            oa = oa * A[i] + (A[i] == 1 ? 0 : idx[i]);
            ob = ob * B[i] + (B[i] == 1 ? 0 : idx[i]);
        }
        for (int64_t i = 0; i < M; i++)
            for (int64_t j = 0; j < N; j++) {
                double acc = 0;
                for (int64_t p = 0; p < K; p++)
                    acc += (double)a[oa * M * K + i * K + p] * b[ob * K * N + p * N + j];
                float got = y[(bi * M + i) * N + j];
                if (fabs(got - acc) > 1e-4 * (1 + fabs(acc))) ok = false;
            }
    }
    if (!ok) fprintf(stderr, "  MatMul [%s] x [%s] wrong\n", sa, sb);
    free(y);
    free(a);
    free(b);
    return ok;
}

TEST(matmul_broadcast_and_vectors) {
    uint64_t s = 31;
    CHECK(check_matmul(2, (int64_t[]){3, 4}, 2, (int64_t[]){4, 5}, &s));
    CHECK(check_matmul(1, (int64_t[]){4}, 2, (int64_t[]){4, 5}, &s));
    CHECK(check_matmul(2, (int64_t[]){3, 4}, 1, (int64_t[]){4}, &s));
    CHECK(check_matmul(1, (int64_t[]){4}, 1, (int64_t[]){4}, &s));
    CHECK(check_matmul(3, (int64_t[]){2, 3, 4}, 2, (int64_t[]){4, 5}, &s)); /* folded */
    CHECK(check_matmul(3, (int64_t[]){2, 3, 4}, 1, (int64_t[]){4}, &s));
    CHECK(check_matmul(1, (int64_t[]){4}, 3, (int64_t[]){2, 4, 5}, &s));
    CHECK(
        check_matmul(4, (int64_t[]){2, 1, 3, 4}, 3, (int64_t[]){3, 4, 5}, &s)); /* both broadcast */
    CHECK(check_matmul(2, (int64_t[]){3, 4}, 4, (int64_t[]){2, 3, 4, 2}, &s));
    CHECK(check_matmul(3, (int64_t[]){1, 3, 4}, 3, (int64_t[]){6, 4, 5}, &s));
    CHECK(check_matmul(3, (int64_t[]){2, 3, 0}, 3, (int64_t[]){2, 0, 5}, &s)); /* K = 0 */
}

TEST(matmul_add_relu_fused) {
    uint64_t s = 8;
    int64_t da[3] = {2, 3, 4}, dw[2] = {4, 5}, N = 5;
    float *a = fill(&s, 24), *w = fill(&s, 20), *bias = fill(&s, 5);
    lp_builder *b = lp_build_new("mlp");
    lp_build_opset(b, "", 13);
    lp_build_input(b, "A", LP_FLOAT, "2,3,4");
    lp_build_init_f32(b, "W", 2, dw, w);
    lp_build_init_f32(b, "bias", 1, &N, bias);
    lp_build_node(b, "MatMul", "A,W", "mm");
    lp_build_node(b, "Add", "bias,mm", "z");
    lp_build_node(b, "Relu", "z", "Y");
    lp_build_output(b, "Y", LP_FLOAT, NULL);
    lp_tensor sh = {0};
    int absorbed = -1;
    float *y = run2(b, a, 3, da, NULL, 0, NULL, &sh, &absorbed);
    lp_build_free(b);
    REQUIRE(y);
    CHECK(absorbed == 2);
    CHECK(sh.rank == 3 && sh.dims[2] == 5);
    for (int r = 0; r < 6; r++)
        for (int j = 0; j < 5; j++) {
            double acc = bias[j];
            for (int p = 0; p < 4; p++) acc += (double)a[r * 4 + p] * w[p * 5 + j];
            CHECK(fabs(y[r * 5 + j] - (acc > 0 ? acc : 0)) < 1e-5);
        }
    free(y), free(a), free(w), free(bias);
}

/* Gemm with every broadcast of C, transposes and scalars. */
/* Also with M or N of 1, which take the matrix-vector path. */
TEST(gemm_transposes_and_c_broadcast) {
    uint64_t s = 77;
    static const int64_t shapes[][2] = {{3, 5}, {1, 5}, {3, 1}, {1, 1}};
    for (int si = 0; si < 4; si++) {
        const int64_t M = shapes[si][0], K = 4, N = shapes[si][1];
        struct {
            int rank;
            int64_t dims[2];
        } cs[] = {{0, {0, 0}}, {1, {N, 0}}, {1, {1, 0}}, {2, {M, 1}},
                  {2, {1, N}}, {2, {M, N}}, {-1, {0, 0}}};
        for (size_t ci = 0; ci < sizeof cs / sizeof *cs; ci++)
            for (int t = 0; t < 4; t++) {
                bool ta = t & 1, tb = t & 2;
                int64_t da[2] = {ta ? K : M, ta ? M : K}, db[2] = {tb ? N : K, tb ? K : N};
                float *a = fill(&s, M * K), *bm = fill(&s, K * N), *c = fill(&s, M * N);
                char sa[50], sb[50];
                shape_of(sa, sizeof sa, 2, da);
                shape_of(sb, sizeof sb, 2, db);
                lp_builder *b = lp_build_new("gemm");
                lp_build_opset(b, "", 13);
                lp_build_input(b, "A", LP_FLOAT, sa);
                lp_build_input(b, "B", LP_FLOAT, sb);
                bool has_c = cs[ci].rank >= 0;
                if (has_c) lp_build_init_f32(b, "C", cs[ci].rank, cs[ci].dims, c);
                lp_bnode *n = lp_build_node(b, "Gemm", has_c ? "A,B,C" : "A,B", "Y");
                lp_build_attr_int(b, n, "transA", ta);
                lp_build_attr_int(b, n, "transB", tb);
                lp_build_attr_float(b, n, "alpha", 0.5f);
                lp_build_attr_float(b, n, "beta", -2.0f);
                lp_build_output(b, "Y", LP_FLOAT, NULL);
                lp_tensor sh = {0};
                float *y = run2(b, a, 2, da, bm, 2, db, &sh, NULL);
                lp_build_free(b);
                CHECK(y != NULL);
                for (int64_t i = 0; y && i < M; i++)
                    for (int64_t j = 0; j < N; j++) {
                        double acc = 0;
                        for (int64_t p = 0; p < K; p++)
                            acc += (double)a[ta ? p * M + i : i * K + p] *
                                   bm[tb ? j * K + p : p * N + j];
                        double cv = 0;
                        if (has_c) {
                            int r = cs[ci].rank;
                            int64_t cm = r == 2 ? cs[ci].dims[0] : 1,
                                    cn = r >= 1 ? cs[ci].dims[r - 1] : 1;
                            cv = c[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)];
                        }
                        CHECK(fabs(y[i * N + j] - (0.5 * acc - 2.0 * cv)) < 1e-5);
                    }
                free(y), free(a), free(bm), free(c);
            }
    }
}
