/*
** test_conv.c — Conv and ConvTranspose against naive loops on random shapes
** (groups, depthwise, strides, pads, dilations, auto_pad, 1-D to 3-D), and
** Conv -> BatchNormalization -> Relu fused versus run node by node.
*/
#include "model/build.h"
#include "ops/session.h"
#include "test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rnd {
    uint64_t s;
} rnd;

static double rnd_unit(rnd *r) { /* [-1, 1) */
    r->s = r->s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(r->s >> 11) / (double)(1ULL << 52) - 1.0;
}
static int rnd_int(rnd *r, int lo, int hi) { /* [lo, hi] */
    return lo + (int)((rnd_unit(r) + 1.0) * 0.5 * (hi - lo + 1)) % (hi - lo + 1);
}

static float *rnd_floats(rnd *r, int64_t n) {
    float *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    for (int64_t i = 0; i < n; i++) v[i] = (float)rnd_unit(r);
    return v;
}

static void dims_str(char *buf, size_t n, int rank, const int64_t *dims) {
    buf[0] = 0;
    for (int i = 0; i < rank; i++) {
        size_t l = strlen(buf);
        snprintf(buf + l, n - l, "%s%lld", i ? "," : "", (long long)dims[i]);
    }
}

/* Runs a built model on one float input; returns the first output copied. */
static float *run_model(lp_builder *b, bool no_fuse, const float *x, int rank, const int64_t *dims,
                        lp_tensor *shape, lp_session_opts *opts_out, int *absorbed) {
    lp_error err = {0};
    lp_model *m = NULL;
    if (lp_build_model(b, "test.onnx", &m, &err)) {
        fprintf(stderr, "  build: %s\n", err.msg);
        return NULL;
    }
    lp_session_opts opts = {.threads = 2, .no_fuse = no_fuse, .profile = true};
    if (opts_out) *opts_out = opts;
    lp_session *s = NULL;
    if (lp_session_create(m, &opts, &s, &err)) {
        fprintf(stderr, "  session: %s\n", err.msg);
        lp_model_free(m);
        return NULL;
    }
    lp_rvalue in = {.kind = LP_RV_TENSOR};
    in.t.dtype = LP_FLOAT;
    in.t.rank = rank;
    memcpy(in.t.dims, dims, (size_t)rank * sizeof *dims);
    in.t.numel = lp_shape_numel(rank, dims);
    in.t.data = (void *)x;
    in.t.nbytes = (size_t)in.t.numel * sizeof(float);
    lp_rvalue **outs = NULL;
    float *y = NULL;
    outs = calloc((size_t)m->graph->n_outputs, sizeof *outs);
    /* twice: the second run reuses pooled buffers and folded constants */
    for (int pass = 0; pass < 2; pass++) {
        if (lp_session_run(s, &in, 1, outs, &err)) {
            fprintf(stderr, "  run: %s\n", err.msg);
            goto done;
        }
    }
    *shape = outs[0]->t;
    y = malloc(outs[0]->t.nbytes + 4);
    memcpy(y, outs[0]->t.data, outs[0]->t.nbytes);
    if (absorbed) {
        const lp_node_profile *rows;
        int n = lp_session_profile(s, &rows);
        *absorbed = 0;
        for (int i = 0; i < n; i++) *absorbed += rows[i].calls == 0;
    }
done:
    free(outs);
    lp_session_free(s);
    lp_model_free(m);
    return y;
}

/* Largest |a - b| relative to 1 + |b|. */
static double max_err(const float *a, const float *b, int64_t n) {
    double e = 0;
    for (int64_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]) / (1.0 + fabs((double)b[i]));
        if (d > e || isnan(d)) e = isnan(d) ? INFINITY : d;
    }
    return e;
}

/* ---- Conv ---- */

typedef struct conv_case {
    int nd;
    int64_t N, C, M, group;
    int64_t in[3], k[3], s[3], d[3], pb[3], pe[3];
    const char *auto_pad; /* NULL: explicit pads */
    bool bias, transpose;
    int64_t opad[3]; /* ConvTranspose's output_padding */
} conv_case;

static void random_case(rnd *r, conv_case *c, bool transpose) {
    memset(c, 0, sizeof *c);
    c->transpose = transpose;
    c->nd = rnd_int(r, 1, 3);
    c->N = rnd_int(r, 1, 2);
    c->group = rnd_int(r, 0, 2) == 0 ? rnd_int(r, 2, 3) : 1;
    int64_t cg = rnd_int(r, 1, 3), mg = rnd_int(r, 1, 3);
    if (!transpose && rnd_int(r, 0, 3) == 0) cg = 1, c->group = rnd_int(r, 2, 4); /* depthwise */
    c->C = cg * c->group;
    c->M = mg * c->group;
    c->bias = rnd_int(r, 0, 1);
    int mode = rnd_int(r, 0, 5);
    c->auto_pad = mode == 0 ? "SAME_UPPER" : mode == 1 ? "SAME_LOWER" : mode == 2 ? "VALID" : NULL;
    bool pointwise = !transpose && rnd_int(r, 0, 4) == 0;
    if (pointwise) c->auto_pad = NULL;
    for (int i = 0; i < c->nd; i++) {
        c->in[i] = rnd_int(r, c->nd == 3 ? 3 : 4, c->nd == 1 ? 17 : c->nd == 2 ? 11 : 6);
        c->k[i] = pointwise ? 1 : rnd_int(r, 1, 3);
        c->s[i] = pointwise ? 1 : rnd_int(r, 1, 3);
        c->d[i] = pointwise ? 1 : rnd_int(r, 1, 2);
        c->pb[i] = pointwise ? 0 : rnd_int(r, 0, (int)c->k[i] - 1);
        c->pe[i] = pointwise ? 0 : rnd_int(r, 0, (int)c->k[i] - 1);
        if (transpose && c->s[i] > 1) c->opad[i] = rnd_int(r, 0, (int)c->s[i] - 1);
        int64_t ek = (c->k[i] - 1) * c->d[i] + 1;
        if (!transpose && c->in[i] < ek) c->in[i] = ek;
    }
    if (transpose) c->auto_pad = NULL;
}

/* Output extents and the padding actually applied, computed independently. */
static void conv_geometry(const conv_case *c, int64_t *out, int64_t *pb) {
    for (int i = 0; i < c->nd; i++) {
        int64_t ek = (c->k[i] - 1) * c->d[i] + 1;
        if (c->transpose) {
            out[i] = c->s[i] * (c->in[i] - 1) + c->opad[i] + ek - c->pb[i] - c->pe[i];
            pb[i] = c->pb[i];
        } else if (c->auto_pad && strcmp(c->auto_pad, "VALID")) {
            out[i] = (c->in[i] + c->s[i] - 1) / c->s[i];
            int64_t total = (out[i] - 1) * c->s[i] + ek - c->in[i];
            if (total < 0) total = 0;
            pb[i] = !strcmp(c->auto_pad, "SAME_UPPER") ? total / 2 : total - total / 2;
        } else if (c->auto_pad) {
            out[i] = (c->in[i] - ek) / c->s[i] + 1;
            pb[i] = 0;
        } else {
            out[i] = (c->in[i] + c->pb[i] + c->pe[i] - ek) / c->s[i] + 1;
            pb[i] = c->pb[i];
        }
    }
}

/* The definition, one multiply at a time; positions padded to 3 dims. */
static void conv_naive(const conv_case *c, const float *x, const float *w, const float *bias,
                       float *y, const int64_t *out, const int64_t *pb) {
    int64_t I[3] = {1, 1, 1}, O[3] = {1, 1, 1}, K[3] = {1, 1, 1}, S[3] = {1, 1, 1};
    int64_t D[3] = {1, 1, 1}, P[3] = {0, 0, 0};
    int off = 3 - c->nd;
    for (int i = 0; i < c->nd; i++) {
        I[off + i] = c->in[i];
        O[off + i] = out[i];
        K[off + i] = c->k[i];
        S[off + i] = c->s[i];
        D[off + i] = c->d[i];
        P[off + i] = pb[i];
    }
    int64_t cg = c->C / c->group, mg = c->M / c->group, pin = I[0] * I[1] * I[2];
    int64_t pout = O[0] * O[1] * O[2], kk = K[0] * K[1] * K[2];
    if (!c->transpose) {
        for (int64_t n = 0; n < c->N; n++)
            for (int64_t m = 0; m < c->M; m++)
                for (int64_t o = 0; o < pout; o++) {
                    int64_t op[3] = {o / (O[1] * O[2]), o / O[2] % O[1], o % O[2]};
                    double acc = bias ? bias[m] : 0;
                    int64_t g = m / mg;
                    for (int64_t ci = 0; ci < cg; ci++)
                        for (int64_t q = 0; q < kk; q++) {
                            int64_t kq[3] = {q / (K[1] * K[2]), q / K[2] % K[1], q % K[2]}, ip[3];
                            bool ok = true;
                            for (int a = 0; a < 3; a++) {
                                ip[a] = op[a] * S[a] - P[a] + kq[a] * D[a];
                                ok &= ip[a] >= 0 && ip[a] < I[a];
                            }
                            if (!ok) continue;
                            acc += (double)x[(n * c->C + g * cg + ci) * pin +
                                             (ip[0] * I[1] + ip[1]) * I[2] + ip[2]] *
                                   w[(m * cg + ci) * kk + q];
                        }
                    y[(n * c->M + m) * pout + o] = (float)acc;
                }
        return;
    }
    /* ConvTranspose: scatter every input through every kernel tap */
    for (int64_t n = 0; n < c->N; n++)
        for (int64_t m = 0; m < c->M; m++)
            for (int64_t o = 0; o < pout; o++) y[(n * c->M + m) * pout + o] = bias ? bias[m] : 0;
    for (int64_t n = 0; n < c->N; n++)
        for (int64_t ch = 0; ch < c->C; ch++)
            for (int64_t i = 0; i < pin; i++) {
                int64_t ip[3] = {i / (I[1] * I[2]), i / I[2] % I[1], i % I[2]};
                int64_t g = ch / cg;
                for (int64_t mi = 0; mi < mg; mi++)
                    for (int64_t q = 0; q < kk; q++) {
                        int64_t kq[3] = {q / (K[1] * K[2]), q / K[2] % K[1], q % K[2]}, op[3];
                        bool ok = true;
                        for (int a = 0; a < 3; a++) {
                            op[a] = ip[a] * S[a] - P[a] + kq[a] * D[a];
                            ok &= op[a] >= 0 && op[a] < O[a];
                        }
                        if (!ok) continue;
                        int64_t m = g * mg + mi;
                        y[(n * c->M + m) * pout + (op[0] * O[1] + op[1]) * O[2] + op[2]] +=
                            x[(n * c->C + ch) * pin + i] * w[(ch * mg + mi) * kk + q];
                    }
            }
}

static bool check_conv_case(const conv_case *c, rnd *r, bool const_w, int idx) {
    int64_t xd[5] = {c->N, c->C}, wd[5], out[3], pb[3];
    int rank = c->nd + 2;
    wd[0] = c->transpose ? c->C : c->M;
    wd[1] = c->transpose ? c->M / c->group : c->C / c->group;
    for (int i = 0; i < c->nd; i++) {
        xd[2 + i] = c->in[i];
        wd[2 + i] = c->k[i];
    }
    conv_geometry(c, out, pb);
    int64_t xn = lp_shape_numel(rank, xd), wn = lp_shape_numel(rank, wd);
    float *x = rnd_floats(r, xn), *w = rnd_floats(r, wn), *bias = rnd_floats(r, c->M);
    char shape[200];
    lp_builder *b = lp_build_new("conv");
    lp_build_opset(b, "", 13);
    dims_str(shape, sizeof shape, rank, xd);
    lp_build_input(b, "X", LP_FLOAT, shape);
    if (const_w) lp_build_init_f32(b, "W", rank, wd, w);
    if (c->bias) lp_build_init_f32(b, "B", 1, &c->M, bias);
    /* a W that is not constant becomes a Constant node's output, folded at planning or not */
    if (!const_w) {
        lp_build_init_f32(b, "W0", rank, wd, w);
        lp_build_node(b, "Identity", "W0", "W");
    }
    lp_bnode *n = lp_build_node(b, c->transpose ? "ConvTranspose" : "Conv", c->bias ? "X,W,B" : "X,W", "Y");
    int64_t pads[6];
    for (int i = 0; i < c->nd; i++) {
        pads[i] = c->pb[i];
        pads[c->nd + i] = c->pe[i];
    }
    lp_build_attr_ints(b, n, "strides", c->nd, c->s);
    lp_build_attr_ints(b, n, "dilations", c->nd, c->d);
    if (c->group > 1) lp_build_attr_int(b, n, "group", c->group);
    if (c->auto_pad) lp_build_attr_string(b, n, "auto_pad", c->auto_pad);
    else lp_build_attr_ints(b, n, "pads", 2 * c->nd, pads);
    if (c->transpose) lp_build_attr_ints(b, n, "output_padding", c->nd, c->opad);
    if (idx % 2) lp_build_attr_ints(b, n, "kernel_shape", c->nd, c->k);
    lp_build_output(b, "Y", LP_FLOAT, NULL);
    lp_tensor got = {0};
    float *y = run_model(b, idx % 3 == 0, x, rank, xd, &got, NULL, NULL);
    lp_build_free(b);
    bool ok = y != NULL && got.rank == rank && got.dims[0] == c->N && got.dims[1] == c->M;
    for (int i = 0; ok && i < c->nd; i++) ok = got.dims[2 + i] == out[i];
    if (ok) {
        float *ref = malloc((size_t)got.numel * sizeof *ref + 4);
        conv_naive(c, x, w, c->bias ? bias : NULL, ref, out, pb);
        double e = max_err(y, ref, got.numel);
        ok = e < 1e-4;
        if (!ok) fprintf(stderr, "  case %d: max error %g\n", idx, e);
        free(ref);
    } else {
        fprintf(stderr, "  case %d: no output or wrong shape\n", idx);
    }
    if (!ok)
        fprintf(stderr, "  %s nd=%d N=%lld C=%lld M=%lld group=%lld in=%lld,%lld,%lld k=%lld,%lld,%lld "
                        "s=%lld,%lld,%lld d=%lld,%lld,%lld pads=%lld,%lld,%lld/%lld,%lld,%lld auto_pad=%s\n",
                c->transpose ? "ConvTranspose" : "Conv", c->nd, (long long)c->N, (long long)c->C,
                (long long)c->M, (long long)c->group, (long long)c->in[0], (long long)c->in[1],
                (long long)c->in[2], (long long)c->k[0], (long long)c->k[1], (long long)c->k[2],
                (long long)c->s[0], (long long)c->s[1], (long long)c->s[2], (long long)c->d[0],
                (long long)c->d[1], (long long)c->d[2], (long long)c->pb[0], (long long)c->pb[1],
                (long long)c->pb[2], (long long)c->pe[0], (long long)c->pe[1], (long long)c->pe[2],
                c->auto_pad ? c->auto_pad : "-");
    free(y);
    free(x);
    free(w);
    free(bias);
    return ok;
}

TEST(conv_matches_naive_on_random_shapes) {
    rnd r = {12345};
    for (int i = 0; i < 120; i++) {
        conv_case c;
        random_case(&r, &c, false);
        CHECK(check_conv_case(&c, &r, i % 4 != 3, i));
    }
}

TEST(conv_transpose_matches_naive_on_random_shapes) {
    rnd r = {777};
    for (int i = 0; i < 80; i++) {
        conv_case c;
        random_case(&r, &c, true);
        CHECK(check_conv_case(&c, &r, i % 4 != 3, i));
    }
}

/* A layer big enough for the unrolled input to be made in bands. */
TEST(conv_large_layer_in_bands) {
    rnd r = {99};
    conv_case c = {.nd = 2, .N = 1, .C = 64, .M = 8, .group = 1, .in = {150, 150}, .k = {3, 3},
                   .s = {1, 1}, .d = {1, 1}, .pb = {1, 1}, .pe = {1, 1}, .bias = true};
    CHECK(check_conv_case(&c, &r, true, 1));
}

/* ---- fusion ---- */

TEST(conv_batchnorm_relu_fused_matches_unfused) {
    rnd r = {4242};
    int64_t xd[4] = {2, 6, 9, 7}, wd[4] = {8, 6, 3, 3}, C = 8;
    float *x = rnd_floats(&r, 2 * 6 * 9 * 7), *w = rnd_floats(&r, 8 * 6 * 9), *bias = rnd_floats(&r, 8);
    float *scale = rnd_floats(&r, 8), *shift = rnd_floats(&r, 8), *mean = rnd_floats(&r, 8);
    float *var = rnd_floats(&r, 8);
    for (int i = 0; i < 8; i++) var[i] = fabsf(var[i]) + 0.1f;
    float *ys[2] = {NULL, NULL};
    int absorbed[2] = {0, 0};
    for (int fuse = 0; fuse < 2; fuse++) {
        lp_builder *b = lp_build_new("fused");
        lp_build_opset(b, "", 13);
        lp_build_input(b, "X", LP_FLOAT, "2,6,9,7");
        lp_build_init_f32(b, "W", 4, wd, w);
        lp_build_init_f32(b, "B", 1, &C, bias);
        lp_build_init_f32(b, "s", 1, &C, scale);
        lp_build_init_f32(b, "b", 1, &C, shift);
        lp_build_init_f32(b, "m", 1, &C, mean);
        lp_build_init_f32(b, "v", 1, &C, var);
        lp_bnode *n = lp_build_node(b, "Conv", "X,W,B", "c");
        lp_build_attr_ints(b, n, "pads", 4, (int64_t[]){1, 0, 1, 2});
        lp_build_node(b, "BatchNormalization", "c,s,b,m,v", "bn");
        lp_build_init_f32(b, "lo", 0, NULL, (float[]){-0.25f});
        lp_build_init_f32(b, "hi", 0, NULL, (float[]){0.5f});
        lp_build_node(b, "Clip", "bn,lo,hi", "Y");
        lp_build_output(b, "Y", LP_FLOAT, NULL);
        lp_tensor shape;
        ys[fuse] = run_model(b, !fuse, x, 4, xd, &shape, NULL, &absorbed[fuse]);
        lp_build_free(b);
    }
    REQUIRE(ys[0] && ys[1]);
    CHECK(absorbed[0] == 0);
    CHECK(absorbed[1] == 2); /* BatchNormalization and Clip ran inside the Conv */
    double e = max_err(ys[1], ys[0], 2 * 8 * 9 * 7);
    if (e >= 1e-5) fprintf(stderr, "  fused differs by %g\n", e);
    CHECK(e < 1e-5);
    free(ys[0]);
    free(ys[1]);
    free(x), free(w), free(bias), free(scale), free(shift), free(mean), free(var);
}

/* A Relu that is not the only reader of the Conv's output must not be fused. */
TEST(conv_output_with_two_readers_is_not_fused) {
    rnd r = {5};
    int64_t xd[4] = {1, 2, 5, 5}, wd[4] = {3, 2, 1, 1};
    float *x = rnd_floats(&r, 50), *w = rnd_floats(&r, 6);
    lp_builder *b = lp_build_new("shared");
    lp_build_opset(b, "", 13);
    lp_build_input(b, "X", LP_FLOAT, "1,2,5,5");
    lp_build_init_f32(b, "W", 4, wd, w);
    lp_build_node(b, "Conv", "X,W", "c");
    lp_build_node(b, "Relu", "c", "r");
    lp_build_node(b, "Add", "r,c", "Y");
    lp_build_output(b, "Y", LP_FLOAT, NULL);
    lp_tensor shape;
    int absorbed = -1;
    float *y = run_model(b, false, x, 4, xd, &shape, NULL, &absorbed);
    lp_build_free(b);
    REQUIRE(y);
    CHECK(absorbed == 0);
    for (int p = 0; p < 25; p++)
        for (int m = 0; m < 3; m++) {
            double c = w[m * 2] * x[p] + w[m * 2 + 1] * x[25 + p];
            CHECK(fabs(y[m * 25 + p] - (c > 0 ? 2 * c : c)) < 1e-5);
        }
    free(y);
    free(x);
    free(w);
}

/* Conv -> Add(residual) -> Relu: the residual ready before the Conv is fused
** (same shape: the fast path; broadcast: the slow path); one made after the
** Conv is not. */
static void residual_case(int *lp_failed_, const char *res_shape, bool late) {
    rnd r = {31337};
    int64_t xd[4] = {1, 4, 6, 5}, wd[4] = {4, 4, 3, 3}, C = 4;
    float *x = rnd_floats(&r, 120), *w = rnd_floats(&r, 144), *bias = rnd_floats(&r, 4);
    float *res = rnd_floats(&r, 120);
    int64_t rd[4];
    int rr = 0;
    for (const char *p = res_shape; *p; p++)
        if (*p >= '0' && *p <= '9') rd[rr++] = *p - '0';
    float *ys[2] = {NULL, NULL};
    int absorbed[2];
    for (int fuse = 0; fuse < 2; fuse++) {
        lp_builder *b = lp_build_new("residual");
        lp_build_opset(b, "", 13);
        lp_build_input(b, "X", LP_FLOAT, "1,4,6,5");
        lp_build_init_f32(b, "W", 4, wd, w);
        lp_build_init_f32(b, "B", 1, &C, bias);
        lp_build_init_f32(b, "R0", rr, rd, res);
        if (!late) lp_build_node(b, "Identity", "R0", "R");
        lp_bnode *n = lp_build_node(b, "Conv", "X,W,B", "c");
        lp_build_attr_ints(b, n, "pads", 4, (int64_t[]){1, 1, 1, 1});
        /* a late residual: computed from X after the Conv, so not ready for it */
        if (late) lp_build_node(b, "Sigmoid", "X", "R");
        lp_build_node(b, "Add", late ? "R,c" : "c,R", "s");
        lp_build_node(b, "Relu", "s", "Y");
        lp_build_output(b, "Y", LP_FLOAT, NULL);
        lp_tensor shape;
        ys[fuse] = run_model(b, !fuse, x, 4, xd, &shape, NULL, &absorbed[fuse]);
        lp_build_free(b);
    }
    REQUIRE(ys[0] && ys[1]);
    /* fused: Add and Relu absorbed; Identity(R0) folded as a constant too */
    if (late) CHECK(absorbed[1] == 0);
    else CHECK(absorbed[1] >= 2);
    CHECK(max_err(ys[1], ys[0], 120) < 1e-5);
    free(ys[0]), free(ys[1]), free(x), free(w), free(bias), free(res);
}

TEST(conv_residual_add_relu_fused) {
    residual_case(lp_failed_, "1,4,6,5", false);
    residual_case(lp_failed_, "4,1,1", false); /* broadcast: the slow path */
    residual_case(lp_failed_, "1,4,6,5", true);
}

/* BatchNormalization -> Mul [C,1,1] -> Add [1,C,1,1] -> Relu, fused into the
** BatchNormalization, against node by node. */
TEST(batchnorm_affine_relu_fused) {
    rnd r = {99};
    int64_t xd[4] = {2, 3, 4, 5}, C = 3, cd3[3] = {3, 1, 1}, cd4[4] = {1, 3, 1, 1};
    float *x = rnd_floats(&r, 120), *s = rnd_floats(&r, 3), *b = rnd_floats(&r, 3);
    float *m = rnd_floats(&r, 3), *v = rnd_floats(&r, 3), *mul = rnd_floats(&r, 3);
    float *add = rnd_floats(&r, 3);
    for (int i = 0; i < 3; i++) v[i] = fabsf(v[i]) + 0.5f;
    float *ys[2];
    int absorbed[2];
    for (int fuse = 0; fuse < 2; fuse++) {
        lp_builder *bl = lp_build_new("bn");
        lp_build_opset(bl, "", 15);
        lp_build_input(bl, "X", LP_FLOAT, "2,3,4,5");
        lp_build_init_f32(bl, "s", 1, &C, s);
        lp_build_init_f32(bl, "b", 1, &C, b);
        lp_build_init_f32(bl, "m", 1, &C, m);
        lp_build_init_f32(bl, "v", 1, &C, v);
        lp_build_init_f32(bl, "mul", 3, cd3, mul);
        lp_build_init_f32(bl, "add", 4, cd4, add);
        lp_build_node(bl, "BatchNormalization", "X,s,b,m,v", "bn");
        lp_build_node(bl, "Mul", "mul,bn", "scaled");
        lp_build_node(bl, "Add", "scaled,add", "shifted");
        lp_build_node(bl, "Relu", "shifted", "Y");
        lp_build_output(bl, "Y", LP_FLOAT, NULL);
        lp_tensor shape;
        ys[fuse] = run_model(bl, !fuse, x, 4, xd, &shape, NULL, &absorbed[fuse]);
        lp_build_free(bl);
    }
    REQUIRE(ys[0] && ys[1]);
    CHECK(absorbed[0] == 0 && absorbed[1] == 3);
    CHECK(max_err(ys[1], ys[0], 120) < 1e-5);
    free(ys[0]), free(ys[1]), free(x), free(s), free(b), free(m), free(v), free(mul), free(add);
}

/* Depthwise 3-wide kernels take the padded-plane path: every stride,
** padding and kernel height it meets, with channel multipliers. */
TEST(conv_depthwise_three_wide) {
    rnd r = {606};
    for (int i = 0; i < 60; i++) {
        conv_case c = {.nd = 2, .N = 1 + i % 2, .group = 2 + i % 3, .bias = i % 2};
        c.C = c.group;
        c.M = c.group * (1 + i % 2);
        c.k[0] = 1 + i % 4;
        c.k[1] = 3;
        for (int d = 0; d < 2; d++) {
            c.in[d] = rnd_int(&r, 3, 12);
            c.s[d] = rnd_int(&r, 1, 2);
            c.d[d] = d == 0 ? rnd_int(&r, 1, 2) : 1;
            c.pb[d] = rnd_int(&r, 0, 2);
            c.pe[d] = rnd_int(&r, 0, 2);
        }
        if (c.in[0] < (c.k[0] - 1) * c.d[0] + 1) c.in[0] = (c.k[0] - 1) * c.d[0] + 1;
        if (i % 5 == 0) c.auto_pad = "SAME_UPPER";
        CHECK(check_conv_case(&c, &r, true, i));
    }
}
