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

static const lp_node *producer(const lp_model *m, const char *value) {
    const lp_node *n = lp_test_producer(m, value);
    if (!n) fprintf(stderr, "  no producer for '%s'\n", value);
    return n;
}

TEST(count_conv_gemm_matmul) {
    lp_builder *b = lp_build_new("test");
    lp_build_opset(b, "", 13);
    lp_build_input(b, "x", LP_FLOAT, "2,8,16,16");
    lp_test_init(b, "w", LP_FLOAT, "16,4,3,3", NULL); /* group 2 */
    lp_test_init(b, "bias", LP_FLOAT, "16", NULL);
    lp_test_init(b, "fc", LP_FLOAT, "10,1024", NULL);
    lp_test_init(b, "mm", LP_FLOAT, "4,6", NULL);
    lp_bnode *c = lp_build_node(b, "Conv", "x,w,bias", "c");
    lp_build_attr_int(b, c, "group", 2);
    lp_build_attr_ints(b, c, "pads", 4, (int64_t[]){1, 1, 1, 1});
    lp_build_attr_ints(b, c, "strides", 2, (int64_t[]){2, 2});
    lp_build_node(b, "Flatten", "c", "f");
    lp_bnode *g = lp_build_node(b, "Gemm", "f,fc", "y");
    lp_build_attr_int(b, g, "transB", 1);
    lp_build_input(b, "a", LP_FLOAT, "3,5,4");
    lp_build_node(b, "MatMul", "a,mm", "am");
    lp_build_node(b, "Relu", "y", "r");
    lp_build_output(b, "r", LP_UNDEFINED, NULL);
    lp_model *m = lp_test_load(b);
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
    lp_builder *b = lp_build_new("test");
    lp_build_opset(b, "", 14);
    lp_build_input(b, "v", LP_FLOAT, "1,2,4,4,4");
    lp_test_init(b, "w3", LP_FLOAT, "6,2,3,3,3", NULL);
    lp_build_input(b, "x", LP_FLOAT, "1,8,5,5");
    lp_test_init(b, "wt", LP_FLOAT, "8,3,2,2", NULL);
    lp_build_input(b, "seq", LP_FLOAT, "7,2,10");
    lp_test_init(b, "W", LP_FLOAT, "1,80,10", NULL);
    lp_test_init(b, "R", LP_FLOAT, "1,80,20", NULL);
    lp_build_node(b, "Conv", "v,w3", "c3");
    lp_bnode *t = lp_build_node(b, "ConvTranspose", "x,wt", "ct");
    lp_build_attr_ints(b, t, "strides", 2, (int64_t[]){2, 2});
    lp_bnode *l = lp_build_node(b, "LSTM", "seq,W,R", "Y");
    lp_build_attr_int(b, l, "hidden_size", 20);
    lp_build_output(b, "Y", LP_UNDEFINED, NULL);
    lp_model *m = lp_test_load(b);
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

/* A symbolic batch counts as 1: MACs are per inference. */
TEST(count_symbolic_batch_counts_one) {
    lp_builder *b = lp_build_new("test");
    lp_build_opset(b, "", 13);
    lp_build_input(b, "x", LP_FLOAT, "batch,8");
    lp_test_init(b, "w", LP_FLOAT, "8,4", NULL);
    lp_build_node(b, "MatMul", "x,w", "y");
    lp_build_output(b, "y", LP_UNDEFINED, NULL);
    lp_model *m = lp_test_load(b);
    REQUIRE(m);
    lp_counts t;
    lp_model_count(m, &t);
    const lp_node *n = producer(m, "y");
    REQUIRE(n);
    CHECK(n->macs == 32);
    CHECK(n->params == 32);
    CHECK(t.macs == 32 && t.params == 32);
    lp_model_free(m);
}

TEST(count_subgraphs_and_constants) {
    lp_builder *then_b = lp_build_new("then");
    lp_build_node(then_b, "MatMul", "x,w", "t_out");
    lp_build_output(then_b, "t_out", LP_UNDEFINED, NULL);
    lp_builder *else_b = lp_build_new("else");
    lp_build_node(else_b, "MatMul", "x,w", "e0");
    lp_build_node(else_b, "Neg", "e0", "e_out");
    lp_build_output(else_b, "e_out", LP_UNDEFINED, NULL);
    lp_builder *b = lp_build_new("test");
    lp_build_opset(b, "", 13);
    lp_build_input(b, "x", LP_FLOAT, "2,3");
    lp_build_input(b, "c", LP_BOOL, "");
    lp_bnode *k = lp_build_node(b, "Constant", "", "w");
    lp_test_attr_tensor(b, k, "value", LP_FLOAT, "3,4", NULL);
    lp_bnode *n = lp_build_node(b, "If", "c", "y");
    lp_build_attr_graph(b, n, "then_branch", then_b);
    lp_build_attr_graph(b, n, "else_branch", else_b);
    lp_build_output(b, "y", LP_UNDEFINED, NULL);
    lp_model *m = lp_test_load(b);
    lp_build_free(then_b);
    lp_build_free(else_b);
    REQUIRE(m);
    lp_counts t;
    lp_model_count(m, &t);
    CHECK(t.n_nodes == 2);
    CHECK(t.n_nodes_all == 5);
    CHECK(t.params == 12); /* the Constant's value, once */
    CHECK(t.weight_bytes == 48);
    CHECK(t.macs == 2 * (2LL * 4 * 3)); /* each branch once */
    char buf[64];
    CHECK_STR(lp_test_type(m, "y", buf, sizeof buf), "float32[2,4]");
    lp_model_free(m);
}

TEST(count_resnet50_macs) {
    const char *shared = getenv("SHARED");
    char path[512];
    snprintf(path, sizeof path, "%s/onnx-tests/light/light_resnet50.onnx",
             shared ? shared : "../shared");
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
