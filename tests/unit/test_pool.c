/*
** test_pool.c — MaxPool and AveragePool against naive loops over random
** shapes, pads, strides, dilations and ceil_mode: the windows with loops of
** their own (3x3 stride 2 and 1, 2x2 stride 2), a window over the whole
** plane, and planes split over two threads.
*/
#include "model/build.h"
#include "ops/session.h"
#include "test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t next(uint64_t *s) {
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

/* One random 2-D pooling case; returns false on a mismatch. Cases cycle
** through the windows with loops of their own (3x3 stride 2 and 1, 2x2
** stride 2), random ones, and one window over the whole plane; every tenth
** has enough planes to be split over two threads. */
static bool pool_case(uint64_t *seed, bool max, int idx) {
    bool big = idx % 10 == 9;
    int64_t N = 1 + next(seed) % 2, C = big ? 40 : 1 + next(seed) % 3;
    int64_t H = big ? 30 + next(seed) % 20 : 3 + next(seed) % 9;
    int64_t W = big ? 30 + next(seed) % 20 : 3 + next(seed) % 12, k[2], s[2], d[2], pb[2], pe[2];
    int kind = idx % 5; /* 0: 3x3/2, 1: 3x3/1, 2: 2x2/2, 3: random, 4: the whole plane */
    bool ceil_mode = next(seed) % 3 == 0;
    bool include = !max && next(seed) % 2;
    for (int i = 0; i < 2; i++) {
        static const int64_t fk[3] = {3, 3, 2}, fs[3] = {2, 1, 2};
        int64_t r1 = 1 + (int64_t)(next(seed) % 3), r2 = 1 + (int64_t)(next(seed) % 3);
        k[i] = kind < 3 ? fk[kind] : kind == 4 ? (i ? W : H) : r1;
        s[i] = kind < 3 ? fs[kind] : kind == 4 ? 1 : r2;
        d[i] = kind != 3 || !max ? 1 : 1 + next(seed) % 2;
        pb[i] = kind == 4 ? 0 : next(seed) % k[i];
        pe[i] = kind == 4 ? 0 : next(seed) % k[i];
    }
    int64_t out[2];
    for (int i = 0; i < 2; i++) {
        int64_t in = i ? W : H, ek = (k[i] - 1) * d[i] + 1, span = in + pb[i] + pe[i] - ek;
        if (span < 0) return true; /* window larger than the input: not a case */
        out[i] = ceil_mode ? (span + s[i] - 1) / s[i] + 1 : span / s[i] + 1;
        if (ceil_mode && (out[i] - 1) * s[i] >= in + pb[i]) out[i]--;
    }
    int64_t xd[4] = {N, C, H, W}, n = N * C * H * W;
    float *x = malloc((size_t)n * sizeof *x);
    for (int64_t i = 0; i < n; i++) x[i] = (float)((int64_t)(next(seed) % 2001) - 1000) / 100.0f;
    char shape[64];
    snprintf(shape, sizeof shape, "%lld,%lld,%lld,%lld", (long long)N, (long long)C, (long long)H,
             (long long)W);
    lp_builder *b = lp_build_new("pool");
    lp_build_opset(b, "", 19);
    lp_build_input(b, "X", LP_FLOAT, shape);
    lp_bnode *nd = lp_build_node(b, max ? "MaxPool" : "AveragePool", "X", "Y");
    int64_t pads[4] = {pb[0], pb[1], pe[0], pe[1]};
    lp_build_attr_ints(b, nd, "kernel_shape", 2, k);
    lp_build_attr_ints(b, nd, "strides", 2, s);
    lp_build_attr_ints(b, nd, "dilations", 2, d);
    lp_build_attr_ints(b, nd, "pads", 4, pads);
    lp_build_attr_int(b, nd, "ceil_mode", ceil_mode);
    if (include) lp_build_attr_int(b, nd, "count_include_pad", 1);
    lp_build_output(b, "Y", LP_FLOAT, NULL);
    lp_error err = {0};
    lp_model *m = NULL;
    lp_session *ss = NULL;
    bool ok = lp_build_model(b, "p.onnx", &m, &err) == 0;
    lp_build_free(b);
    lp_session_opts o = {.threads = big ? 2 : 1};
    ok = ok && lp_session_create(m, &o, &ss, &err) == 0;
    lp_rvalue in = {.kind = LP_RV_TENSOR}, *outs[1];
    in.t.dtype = LP_FLOAT;
    in.t.rank = 4;
    memcpy(in.t.dims, xd, sizeof xd);
    in.t.numel = n;
    in.t.data = x;
    in.t.nbytes = (size_t)n * 4;
    ok = ok && lp_session_run(ss, &in, 1, outs, &err) == 0;
    if (!ok) fprintf(stderr, "  case %d: %s\n", idx, err.msg);
    ok = ok && outs[0]->t.dims[2] == out[0] && outs[0]->t.dims[3] == out[1];
    for (int64_t p = 0; ok && p < N * C; p++)
        for (int64_t oh = 0; oh < out[0]; oh++)
            for (int64_t ow = 0; ow < out[1]; ow++) {
                double acc = max ? -INFINITY : 0;
                int64_t cnt = 0, cnt_pad = 0;
                for (int64_t i = 0; i < k[0]; i++)
                    for (int64_t j = 0; j < k[1]; j++) {
                        int64_t ih = oh * s[0] - pb[0] + i * d[0],
                                iw = ow * s[1] - pb[1] + j * d[1];
                        if (ih < H + pe[0] && iw < W + pe[1]) cnt_pad++;
                        if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                        float v = x[(p * H + ih) * W + iw];
                        acc = max ? (v > acc ? v : acc) : acc + v;
                        cnt++;
                    }
                if (!max) acc /= include ? cnt_pad : cnt;
                float got = ((float *)outs[0]->t.data)[(p * out[0] + oh) * out[1] + ow];
                if (fabs(got - acc) > 1e-5 * (1 + fabs(acc))) {
                    fprintf(stderr,
                            "  case %d (%s k=%lldx%lld s=%lld,%lld ceil=%d): at %lld,%lld got %g "
                            "want %g\n",
                            idx, max ? "max" : "avg", (long long)k[0], (long long)k[1],
                            (long long)s[0], (long long)s[1], ceil_mode, (long long)oh,
                            (long long)ow, got, acc);
                    ok = false;
                }
            }
    lp_session_free(ss);
    lp_model_free(m);
    free(x);
    return ok;
}

TEST(maxpool_matches_naive) {
    uint64_t seed = 2024;
    for (int i = 0; i < 150; i++) CHECK(pool_case(&seed, true, i));
}

TEST(averagepool_matches_naive) {
    uint64_t seed = 4048;
    for (int i = 0; i < 150; i++) CHECK(pool_case(&seed, false, i));
}
