/*
** test_attention.c — the attention and sequence kernels against naive
** loops where the backend tests leave gaps: Attention with grouped heads, a
** KV cache, causal masking and a bool mask shorter than the keys; a
** bidirectional RNN with uneven sequence_lens; DFT round trips; and refusals
** of hostile shapes (which must fail cleanly, never crash).
*/
#include "model/build.h"
#include "ops/session.h"
#include "test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint32_t seed = 777;
static float rndf(void) {
    seed = seed * 1103515245u + 12345u;
    return (float)((seed >> 8) & 0xffff) / 65536.0f - 0.5f;
}

static lp_rvalue tensor(lp_dtype t, int rank, const int64_t *dims) {
    lp_rvalue v = {.kind = LP_RV_TENSOR};
    lp_error err;
    if (lp_tensor_alloc(&v.t, t, rank, dims, &err) == LP_OK && t == LP_FLOAT)
        for (int64_t i = 0; i < v.t.numel; i++) ((float *)v.t.data)[i] = rndf();
    return v;
}

/* Builds (and frees) b, runs it on ins; returns the session's outputs, or NULL (err filled). */
static lp_rvalue **run(lp_builder *b, lp_model **m, lp_session **s, lp_rvalue *ins, int n,
                       lp_error *err) {
    static lp_rvalue *outs[8];
    *s = NULL;
    *m = NULL;
    int rc = lp_build_model(b, "t.onnx", m, err);
    lp_build_free(b);
    if (rc || lp_session_create(*m, NULL, s, err) || lp_session_run(*s, ins, n, outs, err))
        return NULL;
    return outs;
}

static void finish(lp_model *m, lp_session *s, lp_rvalue *ins, int n) {
    lp_session_free(s);
    lp_model_free(m);
    for (int i = 0; i < n; i++) lp_rvalue_clear(&ins[i]);
}

TEST(attention_gqa_cache_causal_mask_matches_naive) {
    enum { B = 2, HQ = 4, HK = 2, SQ = 3, P = 2, SK = 3, T = P + SK, D = 4, DV = 3, ML = 4 };
    lp_builder *b = lp_build_new("main");
    lp_build_opset(b, "", 23);
    lp_build_input(b, "q", LP_FLOAT, "2,3,16");
    lp_build_input(b, "k", LP_FLOAT, "2,3,8");
    lp_build_input(b, "v", LP_FLOAT, "2,3,6");
    lp_build_input(b, "m", LP_BOOL, "3,4");
    lp_build_input(b, "pk", LP_FLOAT, "2,2,2,4");
    lp_build_input(b, "pv", LP_FLOAT, "2,2,2,3");
    lp_bnode *n = lp_build_node(b, "Attention", "q,k,v,m,pk,pv", "y,prk,prv");
    lp_build_attr_int(b, n, "q_num_heads", HQ);
    lp_build_attr_int(b, n, "kv_num_heads", HK);
    lp_build_attr_int(b, n, "is_causal", 1);
    lp_build_output(b, "y", LP_FLOAT, NULL);
    lp_build_output(b, "prk", LP_FLOAT, NULL);
    lp_build_output(b, "prv", LP_FLOAT, NULL);
    lp_rvalue ins[6] = {
        tensor(LP_FLOAT, 3, (int64_t[]){B, SQ, HQ * D}), tensor(LP_FLOAT, 3, (int64_t[]){B, SK, HK * D}),
        tensor(LP_FLOAT, 3, (int64_t[]){B, SK, HK * DV}), tensor(LP_BOOL, 2, (int64_t[]){SQ, ML}),
        tensor(LP_FLOAT, 4, (int64_t[]){B, HK, P, D}),    tensor(LP_FLOAT, 4, (int64_t[]){B, HK, P, DV}),
    };
    uint8_t *mask = ins[3].t.data;
    for (int i = 0; i < SQ * ML; i++) mask[i] = (i % 3) != 1;
    const float *q = ins[0].t.data, *k = ins[1].t.data, *v = ins[2].t.data;
    const float *pk = ins[4].t.data, *pv = ins[5].t.data;
    lp_model *m;
    lp_session *s;
    lp_error err = {0};
    lp_rvalue **outs = run(b, &m, &s, ins, 6, &err);
    if (!outs) fprintf(stderr, "  %s\n", err.msg);
    REQUIRE(outs != NULL);
    const float *y = outs[0]->t.data, *prk = outs[1]->t.data;
    CHECK(outs[0]->t.rank == 3 && outs[0]->t.dims[2] == HQ * DV);
    CHECK(outs[1]->t.rank == 4 && outs[1]->t.dims[2] == T);
    double worst = 0;
    for (int bb = 0; bb < B; bb++)
        for (int h = 0; h < HQ; h++) {
            int g = h / (HQ / HK);
            /* the present keys/values of this KV head */
            double kk[T][D], vv[T][DV];
            for (int t = 0; t < T; t++) {
                for (int d = 0; d < D; d++)
                    kk[t][d] = t < P ? pk[((bb * HK + g) * P + t) * D + d]
                                     : k[(bb * SK + t - P) * HK * D + g * D + d];
                for (int d = 0; d < DV; d++)
                    vv[t][d] = t < P ? pv[((bb * HK + g) * P + t) * DV + d]
                                     : v[(bb * SK + t - P) * HK * DV + g * DV + d];
            }
            for (int i = 0; i < SQ; i++) {
                double sc[T], mx = -INFINITY, sum = 0;
                for (int t = 0; t < T; t++) {
                    double dot = 0;
                    for (int d = 0; d < D; d++) dot += q[(bb * SQ + i) * HQ * D + h * D + d] * kk[t][d];
                    bool ok = t <= i + P && t < ML && mask[i * ML + t];
                    sc[t] = ok ? dot / sqrt((double)D) : -INFINITY;
                    mx = fmax(mx, sc[t]);
                }
                for (int t = 0; t < T; t++) sum += sc[t] = mx == -INFINITY ? 0 : exp(sc[t] - mx);
                for (int d = 0; d < DV; d++) {
                    double acc = 0;
                    for (int t = 0; t < T; t++) acc += (sum > 0 ? sc[t] / sum : 0) * vv[t][d];
                    double got = y[(bb * SQ + i) * HQ * DV + h * DV + d];
                    worst = fmax(worst, fabs(got - acc));
                }
            }
            if (h % (HQ / HK) == 0) /* present_key keeps the past first */
                for (int d = 0; d < D; d++) CHECK(prk[((bb * HK + g) * T) * D + d] == (float)kk[0][d]);
        }
    CHECK(worst < 1e-5);
    finish(m, s, ins, 6);
}

TEST(rnn_bidirectional_sequence_lens_matches_naive) {
    enum { T = 4, B = 3, I = 2, H = 3 };
    lp_builder *b = lp_build_new("main");
    lp_build_opset(b, "", 14);
    lp_build_input(b, "x", LP_FLOAT, "4,3,2");
    lp_build_input(b, "w", LP_FLOAT, "2,3,2");
    lp_build_input(b, "r", LP_FLOAT, "2,3,3");
    lp_build_input(b, "bias", LP_FLOAT, "2,6");
    lp_build_input(b, "len", LP_INT32, "3");
    lp_bnode *n = lp_build_node(b, "RNN", "x,w,r,bias,len", "y,yh");
    lp_build_attr_int(b, n, "hidden_size", H);
    lp_build_attr_string(b, n, "direction", "bidirectional");
    lp_build_output(b, "y", LP_FLOAT, NULL);
    lp_build_output(b, "yh", LP_FLOAT, NULL);
    lp_rvalue ins[5] = {tensor(LP_FLOAT, 3, (int64_t[]){T, B, I}), tensor(LP_FLOAT, 3, (int64_t[]){2, H, I}),
                        tensor(LP_FLOAT, 3, (int64_t[]){2, H, H}), tensor(LP_FLOAT, 2, (int64_t[]){2, 2 * H}),
                        tensor(LP_INT32, 1, (int64_t[]){B})};
    int32_t lens[B] = {4, 2, 0};
    memcpy(ins[4].t.data, lens, sizeof lens);
    const float *x = ins[0].t.data, *w = ins[1].t.data, *r = ins[2].t.data, *bi = ins[3].t.data;
    lp_model *m;
    lp_session *s;
    lp_error err = {0};
    lp_rvalue **outs = run(b, &m, &s, ins, 5, &err);
    if (!outs) fprintf(stderr, "  %s\n", err.msg);
    REQUIRE(outs != NULL);
    const float *y = outs[0]->t.data, *yh = outs[1]->t.data;
    double worst = 0;
    for (int d = 0; d < 2; d++)
        for (int bb = 0; bb < B; bb++) {
            double h[H] = {0};
            double ys[T][H];
            memset(ys, 0, sizeof ys);
            for (int s2 = 0; s2 < lens[bb]; s2++) {
                int t = d ? lens[bb] - 1 - s2 : s2;
                double hn[H];
                for (int j = 0; j < H; j++) {
                    double a = bi[d * 2 * H + j] + bi[d * 2 * H + H + j];
                    for (int i = 0; i < I; i++) a += w[(d * H + j) * I + i] * x[(t * B + bb) * I + i];
                    for (int i = 0; i < H; i++) a += r[(d * H + j) * H + i] * h[i];
                    hn[j] = tanh(a);
                }
                memcpy(h, hn, sizeof h);
                memcpy(ys[t], h, sizeof h);
            }
            for (int j = 0; j < H; j++) {
                worst = fmax(worst, fabs(yh[(d * B + bb) * H + j] - h[j]));
                for (int t = 0; t < T; t++)
                    worst = fmax(worst, fabs(y[((t * 2 + d) * B + bb) * H + j] - ys[t][j]));
            }
        }
    CHECK(worst < 1e-5);
    finish(m, s, ins, 5);
}

TEST(dft_forward_then_inverse_is_identity) {
    enum { N = 7 };
    lp_builder *b = lp_build_new("main");
    lp_build_opset(b, "", 20);
    lp_build_input(b, "x", LP_FLOAT, "2,7,1");
    lp_build_node(b, "DFT", "x", "f");
    lp_bnode *n = lp_build_node(b, "DFT", "f", "y");
    lp_build_attr_int(b, n, "inverse", 1);
    lp_build_output(b, "y", LP_FLOAT, NULL);
    lp_rvalue in = tensor(LP_FLOAT, 3, (int64_t[]){2, N, 1});
    lp_model *m;
    lp_session *s;
    lp_error err = {0};
    lp_rvalue **outs = run(b, &m, &s, &in, 1, &err);
    REQUIRE(outs != NULL);
    const float *x = in.t.data, *y = outs[0]->t.data;
    CHECK(outs[0]->t.dims[2] == 2);
    for (int i = 0; i < 2 * N; i++) {
        CHECK_NEAR(y[2 * i], x[i], 1e-5);
        CHECK_NEAR(y[2 * i + 1], 0.0f, 1e-5);
    }
    finish(m, s, &in, 1);
}

/* A random float tensor of a shape written as for lp_build_input ("1,3,2,4"). */
static lp_rvalue tensor_of(const char *shape) {
    int64_t dims[LP_MAX_RANK];
    int rank = 0;
    for (const char *p = shape; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] != 0))
        dims[rank++] = atoll(p);
    return tensor(LP_FLOAT, rank, dims);
}

TEST(hostile_shapes_fail_cleanly) {
    /* Resize to an absurd size, Attention with heads that do not group,
    ** a GridSample grid of the wrong rank: each must fail with a message */
    struct {
        const char *op, *ins, *shape_x, *shape_y;
        int opset;
    } cases[] = {
        {"Resize", "x,,s", "1,1,2,2", "4", 19},
        {"Attention", "x,y,y", "1,3,2,4", "1,2,2,4", 23},
        {"GridSample", "x,y", "1,1,2,2", "1,2,2", 22},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        lp_builder *b = lp_build_new("main");
        lp_build_opset(b, "", cases[c].opset);
        lp_build_input(b, "x", LP_FLOAT, cases[c].shape_x);
        lp_build_input(b, c == 0 ? "s" : "y", LP_FLOAT, cases[c].shape_y);
        lp_build_node(b, cases[c].op, cases[c].ins, "z");
        lp_build_output(b, "z", LP_FLOAT, NULL);
        lp_rvalue ins[2] = {tensor_of(cases[c].shape_x), tensor_of(cases[c].shape_y)};
        if (c == 0)
            for (int i = 0; i < 4; i++) ((float *)ins[1].t.data)[i] = 1e12f;
        lp_model *m;
        lp_session *s;
        lp_error err = {0};
        CHECK(run(b, &m, &s, ins, 2, &err) == NULL);
        CHECK(strstr(err.msg, cases[c].op) != NULL);
        finish(m, s, ins, 2);
    }
}

static double sigm(double x) { return 1 / (1 + exp(-x)); }

TEST(gru_both_reset_forms_bidirectional_match_naive) {
    enum { T = 3, B = 2, I = 3, H = 2 };
    for (int lbr = 0; lbr < 2; lbr++) {
        lp_builder *b = lp_build_new("main");
        lp_build_opset(b, "", 14);
        lp_build_input(b, "x", LP_FLOAT, "3,2,3");
        lp_build_input(b, "w", LP_FLOAT, "2,6,3");
        lp_build_input(b, "r", LP_FLOAT, "2,6,2");
        lp_build_input(b, "bias", LP_FLOAT, "2,12");
        lp_build_input(b, "h0", LP_FLOAT, "2,2,2");
        lp_bnode *n = lp_build_node(b, "GRU", "x,w,r,bias,,h0", "y,yh");
        lp_build_attr_int(b, n, "hidden_size", H);
        lp_build_attr_int(b, n, "linear_before_reset", lbr);
        lp_build_attr_string(b, n, "direction", "bidirectional");
        lp_build_output(b, "y", LP_FLOAT, NULL);
        lp_build_output(b, "yh", LP_FLOAT, NULL);
        lp_rvalue ins[5] = {tensor(LP_FLOAT, 3, (int64_t[]){T, B, I}),
                            tensor(LP_FLOAT, 3, (int64_t[]){2, 3 * H, I}),
                            tensor(LP_FLOAT, 3, (int64_t[]){2, 3 * H, H}),
                            tensor(LP_FLOAT, 2, (int64_t[]){2, 6 * H}),
                            tensor(LP_FLOAT, 3, (int64_t[]){2, B, H})};
        const float *x = ins[0].t.data, *w = ins[1].t.data, *r = ins[2].t.data;
        const float *bi = ins[3].t.data, *h0 = ins[4].t.data;
        lp_model *m;
        lp_session *s;
        lp_error err = {0};
        lp_rvalue **outs = run(b, &m, &s, ins, 5, &err);
        if (!outs) fprintf(stderr, "  %s\n", err.msg);
        REQUIRE(outs != NULL);
        const float *y = outs[0]->t.data, *yh = outs[1]->t.data;
        double worst = 0;
        for (int d = 0; d < 2; d++)
            for (int bb = 0; bb < B; bb++) {
                double h[H];
                for (int j = 0; j < H; j++) h[j] = h0[(d * B + bb) * H + j];
                for (int s2 = 0; s2 < T; s2++) {
                    int t = d ? T - 1 - s2 : s2;
                    double xg[3][H], hg[3][H];
                    for (int g = 0; g < 3; g++)
                        for (int j = 0; j < H; j++) {
                            int row = d * 3 * H + g * H + j;
                            xg[g][j] = bi[d * 6 * H + g * H + j];
                            for (int i = 0; i < I; i++) xg[g][j] += w[row * I + i] * x[(t * B + bb) * I + i];
                            hg[g][j] = bi[d * 6 * H + 3 * H + g * H + j];
                            for (int i = 0; i < H; i++) hg[g][j] += r[row * H + i] * h[i];
                        }
                    double hn[H];
                    for (int j = 0; j < H; j++) {
                        double z = sigm(xg[0][j] + hg[0][j]), rr = sigm(xg[1][j] + hg[1][j]), cand;
                        if (lbr) {
                            cand = tanh(xg[2][j] + rr * hg[2][j]);
                        } else {
                            double acc = bi[d * 6 * H + 5 * H + j];
                            for (int i = 0; i < H; i++)
                                acc += r[(d * 3 * H + 2 * H + j) * H + i] *
                                       (sigm(xg[1][i] + hg[1][i]) * h[i]);
                            cand = tanh(xg[2][j] + acc);
                        }
                        hn[j] = (1 - z) * cand + z * h[j];
                    }
                    memcpy(h, hn, sizeof h);
                    for (int j = 0; j < H; j++)
                        worst = fmax(worst, fabs(y[((t * 2 + d) * B + bb) * H + j] - h[j]));
                }
                for (int j = 0; j < H; j++) worst = fmax(worst, fabs(yh[(d * B + bb) * H + j] - h[j]));
            }
        CHECK(worst < 1e-5);
        finish(m, s, ins, 5);
    }
}
