/*
** test_quant.c — the integer products against naive loops: ConvInteger
** with groups, strides, dilations, asymmetric and SAME padding and
** per-channel zero points; MatMulInteger with broadcast batches and
** per-row/per-column zero points; QuantizeLinear rounding half to even.
*/
#include "model/build.h"
#include "ops/session.h"
#include "test.h"

#include <stdlib.h>

static uint32_t rng = 12345;
static uint8_t rnd8(void) {
    rng = rng * 1103515245u + 12345u;
    return (uint8_t)(rng >> 16);
}

static lp_rvalue u8_tensor(int rank, const int64_t *dims) {
    lp_rvalue v = {.kind = LP_RV_TENSOR};
    lp_error err;
    if (lp_tensor_alloc(&v.t, LP_UINT8, rank, dims, &err) == LP_OK)
        for (int64_t i = 0; i < v.t.numel; i++) ((uint8_t *)v.t.data)[i] = rnd8();
    return v;
}

/* Runs b on ins; returns output 0 (owned by the session) or NULL. */
static const lp_tensor *run(lp_builder *b, lp_model **m, lp_session **s, lp_rvalue *ins, int n) {
    lp_error err = {0};
    lp_rvalue *outs[1];
    *s = NULL;
    if (lp_build_model(b, "q.onnx", m, &err) || lp_session_create(*m, NULL, s, &err) ||
        lp_session_run(*s, ins, n, outs, &err)) {
        fprintf(stderr, "  %s\n", err.msg);
        return NULL;
    }
    return &outs[0]->t;
}

TEST(conv_integer_matches_naive_loops) {
    const int64_t xd[4] = {2, 4, 7, 6}, wd[4] = {6, 2, 3, 2};
    const int64_t pads[4] = {1, 0, 2, 1}, strides[2] = {2, 1}, dil[2] = {1, 2};
    for (int same = 0; same < 2; same++) {
        lp_builder *b = lp_build_new("main");
        lp_build_opset(b, "", 10);
        lp_build_input(b, "x", LP_UINT8, "2,4,7,6");
        lp_build_input(b, "w", LP_UINT8, "6,2,3,2");
        lp_build_input(b, "wz", LP_UINT8, "6");
        lp_build_init_raw(b, "xz", LP_UINT8, 0, NULL, (uint8_t[]){100}, 1);
        lp_bnode *n = lp_build_node(b, "ConvInteger", "x,w,xz,wz", "y");
        lp_build_attr_int(b, n, "group", 2);
        lp_build_attr_ints(b, n, "strides", 2, strides);
        lp_build_attr_ints(b, n, "dilations", 2, dil);
        if (same) lp_build_attr_string(b, n, "auto_pad", "SAME_LOWER");
        else lp_build_attr_ints(b, n, "pads", 4, pads);
        lp_build_output(b, "y", LP_INT32, NULL);
        lp_rvalue ins[3] = {u8_tensor(4, xd), u8_tensor(4, wd), u8_tensor(1, (int64_t[]){6})};
        lp_model *m;
        lp_session *s;
        const lp_tensor *y = run(b, &m, &s, ins, 3);
        REQUIRE(y && y->dtype == LP_INT32 && y->rank == 4);
        int64_t p0[2] = {pads[0], pads[1]}, oh = y->dims[2], ow = y->dims[3];
        if (same) {
            /* out = ceil(in / stride); the extra padding goes first (SAME_LOWER) */
            CHECK(oh == 4 && ow == 6);
            int64_t th = (oh - 1) * 2 + 3 - 7, tw = (ow - 1) * 1 + 3 - 6;
            p0[0] = th - th / 2;
            p0[1] = tw - tw / 2;
        } else {
            CHECK(oh == (7 + 1 + 2 - 3) / 2 + 1 && ow == (6 + 0 + 1 - 3) / 1 + 1);
        }
        const uint8_t *x = ins[0].t.data, *w = ins[1].t.data, *wz = ins[2].t.data;
        int bad = 0;
        for (int64_t nb = 0; nb < 2; nb++)
            for (int64_t mo = 0; mo < 6; mo++)
                for (int64_t i = 0; i < oh; i++)
                    for (int64_t j = 0; j < ow; j++) {
                        int64_t acc = 0, g = mo / 3;
                        for (int64_t c = 0; c < 2; c++)
                            for (int64_t ki = 0; ki < 3; ki++)
                                for (int64_t kj = 0; kj < 2; kj++) {
                                    int64_t r = i * 2 - p0[0] + ki, q = j - p0[1] + kj * 2;
                                    if (r < 0 || r >= 7 || q < 0 || q >= 6) continue;
                                    int64_t xv = x[((nb * 4 + g * 2 + c) * 7 + r) * 6 + q] - 100;
                                    int64_t wv = w[((mo * 2 + c) * 3 + ki) * 2 + kj] - wz[mo];
                                    acc += xv * wv;
                                }
                        bad += ((const int32_t *)y->data)[((nb * 6 + mo) * oh + i) * ow + j] != acc;
                    }
        CHECK(bad == 0);
        for (int i = 0; i < 3; i++) lp_rvalue_clear(&ins[i]);
        lp_session_free(s);
        lp_model_free(m);
        lp_build_free(b);
    }
}

TEST(matmul_integer_broadcast_and_zero_points) {
    lp_builder *b = lp_build_new("main");
    lp_build_opset(b, "", 10);
    lp_build_input(b, "a", LP_UINT8, "2,1,3,4");
    lp_build_input(b, "b", LP_UINT8, "3,4,5");
    lp_build_input(b, "az", LP_UINT8, "3");
    lp_build_input(b, "bz", LP_UINT8, "5");
    lp_build_node(b, "MatMulInteger", "a,b,az,bz", "y");
    lp_build_output(b, "y", LP_INT32, NULL);
    lp_rvalue ins[4] = {u8_tensor(4, (int64_t[]){2, 1, 3, 4}), u8_tensor(3, (int64_t[]){3, 4, 5}),
                        u8_tensor(1, (int64_t[]){3}), u8_tensor(1, (int64_t[]){5})};
    lp_model *m;
    lp_session *s;
    const lp_tensor *y = run(b, &m, &s, ins, 4);
    REQUIRE(y && y->rank == 4 && y->dims[0] == 2 && y->dims[1] == 3 && y->dims[2] == 3 &&
            y->dims[3] == 5);
    const uint8_t *a = ins[0].t.data, *bb = ins[1].t.data, *az = ins[2].t.data, *bz = ins[3].t.data;
    int bad = 0;
    for (int p = 0; p < 2; p++)
        for (int q = 0; q < 3; q++)
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 5; j++) {
                    int64_t acc = 0;
                    for (int kk = 0; kk < 4; kk++)
                        acc += (a[(p * 3 + i) * 4 + kk] - az[i]) * (bb[(q * 4 + kk) * 5 + j] - bz[j]);
                    bad += ((const int32_t *)y->data)[((p * 3 + q) * 3 + i) * 5 + j] != acc;
                }
    CHECK(bad == 0);
    for (int i = 0; i < 4; i++) lp_rvalue_clear(&ins[i]);
    lp_session_free(s);
    lp_model_free(m);
    lp_build_free(b);
}

TEST(quantize_rounds_half_to_even_and_saturates) {
    lp_builder *b = lp_build_new("main");
    lp_build_opset(b, "", 21);
    lp_build_input(b, "x", LP_FLOAT, "8");
    lp_build_init_f32(b, "s", 0, NULL, (float[]){0.5f});
    lp_build_init_raw(b, "z", LP_INT8, 0, NULL, (int8_t[]){-3}, 1);
    lp_build_node(b, "QuantizeLinear", "x,s,z", "y");
    lp_build_output(b, "y", LP_INT8, NULL);
    lp_rvalue in = {.kind = LP_RV_TENSOR};
    lp_error err;
    REQUIRE(lp_tensor_alloc(&in.t, LP_FLOAT, 1, (int64_t[]){8}, &err) == LP_OK);
    const float xs[8] = {0.25f, 0.75f, -0.25f, -0.75f, 1.25f, 100, -100, 0};
    memcpy(in.t.data, xs, sizeof xs);
    lp_model *m;
    lp_session *s;
    const lp_tensor *y = run(b, &m, &s, &in, 1);
    REQUIRE(y && y->dtype == LP_INT8);
    /* x/s = 0.5, 1.5, -0.5, -1.5, 2.5, 200, -200, 0 -> 0, 2, -0, -2, 2, sat, sat, 0; then -3 */
    const int8_t want[8] = {-3, -1, -3, -5, -1, 127, -128, -3};
    for (int i = 0; i < 8; i++) CHECK(((const int8_t *)y->data)[i] == want[i]);
    lp_rvalue_clear(&in);
    lp_session_free(s);
    lp_model_free(m);
    lp_build_free(b);
}

/* Omitted outputs each get their own stand-in: DynamicQuantizeLinear with
** y_scale and y_zero_point omitted writes both without clobbering. */
TEST(dynamic_quantize_with_omitted_outputs) {
    lp_builder *b = lp_build_new("main");
    lp_build_opset(b, "", 11);
    lp_build_input(b, "x", LP_FLOAT, "3");
    lp_build_node(b, "DynamicQuantizeLinear", "x", "y,,");
    lp_build_output(b, "y", LP_UINT8, NULL);
    lp_rvalue in = {.kind = LP_RV_TENSOR};
    lp_error err;
    REQUIRE(lp_tensor_alloc(&in.t, LP_FLOAT, 1, (int64_t[]){3}, &err) == LP_OK);
    const float xs[3] = {-1, 0, 2};
    memcpy(in.t.data, xs, sizeof xs);
    lp_model *m;
    lp_session *s;
    const lp_tensor *y = run(b, &m, &s, &in, 1);
    REQUIRE(y && y->dtype == LP_UINT8 && y->numel == 3);
    /* scale 3/255, zero point 85: -1 -> 0, 0 -> 85, 2 -> 255 */
    CHECK(((uint8_t *)y->data)[0] == 0 && ((uint8_t *)y->data)[1] == 85 &&
          ((uint8_t *)y->data)[2] == 255);
    lp_rvalue_clear(&in);
    lp_session_free(s);
    lp_model_free(m);
    lp_build_free(b);
}
