/*
** test_count.c — params, weight bytes and MACs per node and in total, on
** models built in memory and on the shared ResNet-50 when it is there.
*/
#include "build_model.h"
#include "model/count.h"
#include "model/load.h"
#include "test.h"

#include <stdlib.h>
#include <unistd.h>

static lp_model *build(lp_tb *b) {
    lp_error err;
    lp_model *m = lp_tb_build(b, &err);
    if (!m) fprintf(stderr, "  build failed: %s\n", err.msg);
    return m;
}

static const lp_node *producer(const lp_model *m, const char *value) {
    const lp_node *n = lp_tb_producer(m, value);
    if (!n) fprintf(stderr, "  no producer for '%s'\n", value);
    return n;
}

TEST(count_conv_gemm_matmul) {
    lp_tb *b = lp_tb_new(13);
    lp_tb_input(b, "x", LP_FLOAT, "2,8,16,16");
    lp_tb_init_f32(b, "w", "16,4,3,3", NULL);   /* group 2 */
    lp_tb_init_f32(b, "bias", "16", NULL);
    lp_tb_init_f32(b, "fc", "10,1024", NULL);
    lp_tb_init_f32(b, "mm", "4,6", NULL);
    lp_tb_node *c = lp_tb_add(b, "Conv", "x,w,bias", "c");
    lp_tb_int(c, "group", 2);
    lp_tb_ints(c, "pads", 4, (int64_t[]){1, 1, 1, 1});
    lp_tb_ints(c, "strides", 2, (int64_t[]){2, 2});
    lp_tb_add(b, "Flatten", "c", "f");
    lp_tb_node *g = lp_tb_add(b, "Gemm", "f,fc", "y");
    lp_tb_int(g, "transB", 1);
    lp_tb_input(b, "a", LP_FLOAT, "3,5,4");
    lp_tb_add(b, "MatMul", "a,mm", "am");
    lp_tb_add(b, "Relu", "y", "r");
    lp_tb_output(b, "r", LP_UNDEFINED, NULL);
    lp_model *m = build(b);
    REQUIRE(m);
    lp_counts t;
    lp_model_count(m, &t);
    const lp_node *n = producer(m, "c");
    REQUIRE(n);
    /* N*Cout*Ho*Wo * (Cin/group)*kh*kw = 2*16*8*8 * 4*3*3 */
    CHECK(n->macs == 2LL * 16 * 8 * 8 * 4 * 9);
    CHECK(n->params == 16 * 4 * 9 + 16);
    n = producer(m, "y");
    REQUIRE(n);
    CHECK(n->macs == 2LL * 10 * 1024);
    CHECK(n->params == 10 * 1024);
    n = producer(m, "am");
    REQUIRE(n);
    CHECK(n->macs == 3LL * 5 * 6 * 4);
    n = producer(m, "r");
    REQUIRE(n);
    CHECK(n->macs == 0 && n->params == 0);
    CHECK(t.params == 16 * 4 * 9 + 16 + 10 * 1024 + 24);
    CHECK(t.weight_bytes == 4 * t.params);
    CHECK(t.macs == 2LL * 16 * 8 * 8 * 4 * 9 + 2LL * 10 * 1024 + 3LL * 5 * 6 * 4);
    CHECK(t.n_nodes == 5 && t.n_nodes_all == 5);
    lp_model_free(m);
}

TEST(count_conv3d_transpose_and_lstm) {
    lp_tb *b = lp_tb_new(14);
    lp_tb_input(b, "v", LP_FLOAT, "1,2,4,4,4");
    lp_tb_init_f32(b, "w3", "6,2,3,3,3", NULL);
    lp_tb_input(b, "x", LP_FLOAT, "1,8,5,5");
    lp_tb_init_f32(b, "wt", "8,3,2,2", NULL);
    lp_tb_input(b, "seq", LP_FLOAT, "7,2,10");
    lp_tb_init_f32(b, "W", "1,80,10", NULL);
    lp_tb_init_f32(b, "R", "1,80,20", NULL);
    lp_tb_add(b, "Conv", "v,w3", "c3");
    lp_tb_node *t = lp_tb_add(b, "ConvTranspose", "x,wt", "ct");
    lp_tb_ints(t, "strides", 2, (int64_t[]){2, 2});
    lp_tb_node *l = lp_tb_add(b, "LSTM", "seq,W,R", "Y");
    lp_tb_int(l, "hidden_size", 20);
    lp_tb_output(b, "Y", LP_UNDEFINED, NULL);
    lp_model *m = build(b);
    REQUIRE(m);
    lp_counts tot;
    lp_model_count(m, &tot);
    const lp_node *n = producer(m, "c3");
    REQUIRE(n);
    CHECK(n->macs == 1LL * 6 * 2 * 2 * 2 * (2 * 27));
    n = producer(m, "ct");
    REQUIRE(n);
    /* every input element scatters into Cout*kh*kw outputs: 1*8*5*5 * 3*2*2 */
    CHECK(n->macs == 8LL * 25 * 12);
    n = producer(m, "Y");
    REQUIRE(n);
    /* seq*batch*dirs * 4H * (I + H) */
    CHECK(n->macs == 7LL * 2 * 1 * 80 * 30);
    lp_model_free(m);
}

TEST(count_unknown_shapes_count_zero) {
    lp_tb *b = lp_tb_new(13);
    lp_tb_input(b, "x", LP_FLOAT, "batch,8");
    lp_tb_init_f32(b, "w", "8,4", NULL);
    lp_tb_add(b, "MatMul", "x,w", "y");
    lp_tb_output(b, "y", LP_UNDEFINED, NULL);
    lp_model *m = build(b);
    REQUIRE(m);
    lp_counts t;
    lp_model_count(m, &t);
    const lp_node *n = producer(m, "y");
    REQUIRE(n);
    CHECK(n->macs == 0);
    CHECK(n->params == 32);
    CHECK(t.macs == 0 && t.params == 32);
    lp_model_free(m);
}

TEST(count_subgraphs_and_constants) {
    lp_tb *then_b = lp_tb_new_graph();
    lp_tb_add(then_b, "MatMul", "x,w", "t_out");
    lp_tb_output(then_b, "t_out", LP_UNDEFINED, NULL);
    lp_tb *else_b = lp_tb_new_graph();
    lp_tb_add(else_b, "MatMul", "x,w", "e0");
    lp_tb_add(else_b, "Neg", "e0", "e_out");
    lp_tb_output(else_b, "e_out", LP_UNDEFINED, NULL);
    lp_tb *b = lp_tb_new(13);
    lp_tb_input(b, "x", LP_FLOAT, "2,3");
    lp_tb_input(b, "c", LP_BOOL, "");
    lp_tb_node *k = lp_tb_add(b, "Constant", "", "w");
    lp_tb_tensor_f32(k, "value", "3,4", NULL);
    lp_tb_node *n = lp_tb_add(b, "If", "c", "y");
    lp_tb_graph(n, "then_branch", then_b);
    lp_tb_graph(n, "else_branch", else_b);
    lp_tb_output(b, "y", LP_UNDEFINED, NULL);
    lp_model *m = build(b);
    REQUIRE(m);
    lp_counts t;
    lp_model_count(m, &t);
    CHECK(t.n_nodes == 2);
    CHECK(t.n_nodes_all == 5);
    CHECK(t.params == 12);       /* the Constant's value, once */
    CHECK(t.weight_bytes == 48);
    CHECK(t.macs == 2 * (2LL * 4 * 3)); /* each branch once */
    char buf[64];
    CHECK_STR(lp_tb_type(m, "y", buf, sizeof buf), "float32[2,4]");
    lp_model_free(m);
}

TEST(count_resnet50_macs) {
    const char *shared = getenv("SHARED");
    char path[512];
    snprintf(path, sizeof path, "%s/onnx-tests/light/light_resnet50.onnx", shared ? shared : "../shared");
    if (access(path, R_OK)) return; /* the shared data is optional */
    lp_model *m = NULL;
    lp_error err;
    REQUIRE(lp_model_load(path, &m, &err) == LP_OK);
    lp_counts t;
    lp_model_count(m, &t);
    CHECK(t.macs > 4.1e9 * 0.95 && t.macs < 4.1e9 * 1.05);
    CHECK(t.params > 25000000 && t.params < 26000000);
    lp_model_free(m);
}
