/*
** test_shape.c — shape inference and constant folding on small models built
** in memory, hostile attributes, and the real models of ../shared when they
** are there.
*/
#include "build_model.h"
#include "model/load.h"
#include "model/shape.h"
#include "test.h"

#include <stdlib.h>
#include <unistd.h>

#define TYPE(m, v) lp_tb_type((m), (v), buf, sizeof buf)

static lp_model *build(lp_tb *b) {
    lp_error err;
    lp_model *m = lp_tb_build(b, &err);
    if (!m) fprintf(stderr, "  build failed: %s\n", err.msg);
    return m;
}

TEST(shape_conv_pool_gemm_chain) {
    char buf[256];
    lp_tb *b = lp_tb_new(13);
    lp_tb_input(b, "x", LP_FLOAT, "1,3,224,224");
    lp_tb_init_f32(b, "w1", "64,3,7,7", NULL);
    lp_tb_init_f32(b, "w2", "64,16,3,3", NULL);
    lp_tb_init_f32(b, "fc", "10,64", NULL);
    lp_tb_node *c = lp_tb_add(b, "Conv", "x,w1", "c1");
    lp_tb_ints(c, "strides", 2, (int64_t[]){2, 2});
    lp_tb_ints(c, "pads", 4, (int64_t[]){3, 3, 3, 3});
    lp_tb_node *p = lp_tb_add(b, "MaxPool", "c1", "p1");
    lp_tb_ints(p, "kernel_shape", 2, (int64_t[]){3, 3});
    lp_tb_ints(p, "strides", 2, (int64_t[]){2, 2});
    lp_tb_ints(p, "pads", 4, (int64_t[]){1, 1, 1, 1});
    c = lp_tb_add(b, "Conv", "p1,w2", "c2"); /* grouped, SAME_UPPER, stride 2 */
    lp_tb_int(c, "group", 4);
    lp_tb_string(c, "auto_pad", "SAME_UPPER");
    lp_tb_ints(c, "strides", 2, (int64_t[]){2, 2});
    c = lp_tb_add(b, "Conv", "p1,w2", "c3"); /* dilated, VALID */
    lp_tb_int(c, "group", 4);
    lp_tb_ints(c, "dilations", 2, (int64_t[]){2, 2});
    lp_tb_string(c, "auto_pad", "VALID");
    p = lp_tb_add(b, "AveragePool", "c1", "p2"); /* ceil_mode */
    lp_tb_ints(p, "kernel_shape", 2, (int64_t[]){3, 3});
    lp_tb_ints(p, "strides", 2, (int64_t[]){2, 2});
    lp_tb_int(p, "ceil_mode", 1);
    lp_tb_add(b, "GlobalAveragePool", "c2", "g");
    lp_tb_add(b, "Flatten", "g", "f");
    lp_tb_node *gm = lp_tb_add(b, "Gemm", "f,fc", "y");
    lp_tb_int(gm, "transB", 1);
    lp_tb_add(b, "Softmax", "y", "prob");
    lp_tb_output(b, "prob", LP_UNDEFINED, NULL);
    lp_model *m = build(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "c1"), "float32[1,64,112,112]");
    CHECK_STR(TYPE(m, "p1"), "float32[1,64,56,56]");
    CHECK_STR(TYPE(m, "c2"), "float32[1,64,28,28]");
    CHECK_STR(TYPE(m, "c3"), "float32[1,64,52,52]");
    CHECK_STR(TYPE(m, "p2"), "float32[1,64,56,56]");
    CHECK_STR(TYPE(m, "g"), "float32[1,64,1,1]");
    CHECK_STR(TYPE(m, "f"), "float32[1,64]");
    CHECK_STR(TYPE(m, "y"), "float32[1,10]");
    CHECK_STR(TYPE(m, "prob"), "float32[1,10]");
    lp_model_free(m);
}

TEST(shape_pool_ceil_mode_drops_window_in_padding) {
    char buf[256];
    lp_tb *b = lp_tb_new(19);
    lp_tb_input(b, "x", LP_FLOAT, "1,1,5,6");
    lp_tb_node *p = lp_tb_add(b, "MaxPool", "x", "y,idx");
    lp_tb_ints(p, "kernel_shape", 2, (int64_t[]){2, 2});
    lp_tb_ints(p, "strides", 2, (int64_t[]){2, 2});
    lp_tb_ints(p, "pads", 4, (int64_t[]){1, 1, 1, 1});
    lp_tb_int(p, "ceil_mode", 1);
    lp_tb_output(b, "y", LP_UNDEFINED, NULL);
    lp_model *m = build(b);
    REQUIRE(m);
    /* H: (5+2-2)/2 ceil = 3, +1 = 4, but window 4 starts at 6 >= 5+1: 3; W: 7/2 -> 4+1=5 -> 4 */
    CHECK_STR(TYPE(m, "y"), "float32[1,1,3,4]");
    CHECK_STR(TYPE(m, "idx"), "int64[1,1,3,4]");
    lp_model_free(m);
}

TEST(shape_conv_transpose) {
    char buf[256];
    lp_tb *b = lp_tb_new(13);
    lp_tb_input(b, "x", LP_FLOAT, "2,8,10,10");
    lp_tb_init_f32(b, "w", "8,4,3,3", NULL);
    lp_tb_node *c = lp_tb_add(b, "ConvTranspose", "x,w", "y");
    lp_tb_ints(c, "strides", 2, (int64_t[]){2, 2});
    lp_tb_ints(c, "pads", 4, (int64_t[]){1, 1, 1, 1});
    lp_tb_ints(c, "output_padding", 2, (int64_t[]){1, 1});
    lp_tb_int(c, "group", 2);
    c = lp_tb_add(b, "ConvTranspose", "x,w", "z");
    lp_tb_ints(c, "output_shape", 2, (int64_t[]){21, 22});
    c = lp_tb_add(b, "ConvTranspose", "x,w", "s");
    lp_tb_ints(c, "strides", 2, (int64_t[]){3, 3});
    lp_tb_string(c, "auto_pad", "SAME_UPPER");
    lp_tb_output(b, "y", LP_UNDEFINED, NULL);
    lp_model *m = build(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "y"), "float32[2,8,20,20]"); /* 2*9 + 1 + 3 - 2 */
    CHECK_STR(TYPE(m, "z"), "float32[2,4,21,22]");
    CHECK_STR(TYPE(m, "s"), "float32[2,4,30,30]");
    lp_model_free(m);
}

TEST(shape_symbolic_batch_flows) {
    char buf[256];
    lp_tb *b = lp_tb_new(13);
    lp_tb_input(b, "x", LP_FLOAT, "batch,3,32,32");
    lp_tb_init_f32(b, "w", "8,3,3,3", NULL);
    lp_tb_init_f32(b, "bias", "8,1,1", NULL);
    lp_tb_node *c = lp_tb_add(b, "Conv", "x,w", "c");
    lp_tb_ints(c, "pads", 4, (int64_t[]){1, 1, 1, 1});
    lp_tb_add(b, "Add", "c,bias", "a");
    lp_tb_add(b, "Relu", "a", "r");
    lp_tb_add(b, "Flatten", "r", "f");
    lp_tb_output(b, "f", LP_UNDEFINED, NULL);
    lp_model *m = build(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "c"), "float32[batch,8,32,32]");
    CHECK_STR(TYPE(m, "r"), "float32[batch,8,32,32]");
    CHECK_STR(TYPE(m, "f"), "float32[batch,8192]");
    lp_model_free(m);
}

/* The chain PyTorch writes for x.view(x.size(0), -1). */
TEST(shape_pytorch_reshape_chain_folds) {
    char buf[256];
    lp_tb *b = lp_tb_new(13);
    lp_tb_input(b, "x", LP_FLOAT, "N,8,4,4");
    lp_tb_input(b, "s", LP_FLOAT, "2,8,4,4");
    lp_tb_add(b, "Shape", "x", "shape");
    lp_tb_node *k = lp_tb_add(b, "Constant", "", "zero");
    lp_tb_tensor_i64(k, "value", "", (int64_t[]){0});
    lp_tb_node *g = lp_tb_add(b, "Gather", "shape,zero", "n");
    lp_tb_int(g, "axis", 0);
    lp_tb_init_i64(b, "ax0", "1", (int64_t[]){0});
    lp_tb_add(b, "Unsqueeze", "n,ax0", "n1");
    k = lp_tb_add(b, "Constant", "", "minus1");
    lp_tb_ints(k, "value_ints", 1, (int64_t[]){-1});
    lp_tb_node *cc = lp_tb_add(b, "Concat", "n1,minus1", "target");
    lp_tb_int(cc, "axis", 0);
    lp_tb_add(b, "Reshape", "x,target", "y");
    /* and on a static tensor everything folds to constants */
    lp_tb_add(b, "Shape", "s", "sshape");
    lp_tb_node *sl = lp_tb_add(b, "Slice", "sshape,ax0,two", "head");
    (void)sl;
    lp_tb_init_i64(b, "two", "1", (int64_t[]){2});
    lp_tb_add(b, "ReduceProd", "head", "prod");
    lp_tb_add(b, "Reshape", "s,target", "sy");
    lp_tb_output(b, "y", LP_UNDEFINED, NULL);
    lp_model *m = build(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "shape"), "int64[4]");
    CHECK_STR(TYPE(m, "n"), "int64[]");
    CHECK_STR(TYPE(m, "target"), "int64[2]");
    CHECK_STR(TYPE(m, "y"), "float32[N,128]");
    CHECK_STR(TYPE(m, "sy"), "float32[N,?]"); /* the target says N, so -1 cannot be divided out */
    int v = lp_graph_find_value(m->graph, "sshape");
    REQUIRE(v >= 0 && m->graph->values[v].constant);
    CHECK(((int64_t *)m->graph->values[v].constant->data)[3] == 4);
    v = lp_graph_find_value(m->graph, "prod");
    REQUIRE(v >= 0 && m->graph->values[v].constant);
    CHECK(m->graph->values[v].constant->rank == 1); /* keepdims */
    CHECK(((int64_t *)m->graph->values[v].constant->data)[0] == 16);
    lp_model_free(m);
}

TEST(shape_reshape_zero_minus_one_allowzero) {
    char buf[256];
    lp_tb *b = lp_tb_new(14);
    lp_tb_input(b, "x", LP_FLOAT, "2,3,4");
    lp_tb_init_i64(b, "t1", "3", (int64_t[]){0, -1, 2});
    lp_tb_init_i64(b, "t2", "2", (int64_t[]){0, 24});
    lp_tb_add(b, "Reshape", "x,t1", "a");
    lp_tb_node *r = lp_tb_add(b, "Reshape", "x,t2", "z");
    lp_tb_int(r, "allowzero", 1);
    lp_tb_output(b, "a", LP_UNDEFINED, NULL);
    lp_model *m = build(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "a"), "float32[2,6,2]");
    CHECK_STR(TYPE(m, "z"), "float32[0,24]");
    lp_model_free(m);
}

TEST(shape_matmul_broadcast_and_vectors) {
    char buf[256];
    lp_tb *b = lp_tb_new(13);
    lp_tb_input(b, "a", LP_FLOAT, "2,1,3,4");
    lp_tb_input(b, "b", LP_FLOAT, "5,4,6");
    lp_tb_input(b, "v", LP_FLOAT, "4");
    lp_tb_input(b, "m", LP_FLOAT, "3,4");
    lp_tb_input(b, "w", LP_FLOAT, "4,6");
    lp_tb_add(b, "MatMul", "a,b", "ab");
    lp_tb_add(b, "MatMul", "v,w", "vw");
    lp_tb_add(b, "MatMul", "m,v", "mv");
    lp_tb_add(b, "MatMul", "v,v", "dot");
    lp_tb_output(b, "ab", LP_UNDEFINED, NULL);
    lp_model *m = build(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "ab"), "float32[2,5,3,6]");
    CHECK_STR(TYPE(m, "vw"), "float32[6]");
    CHECK_STR(TYPE(m, "mv"), "float32[3]");
    CHECK_STR(TYPE(m, "dot"), "float32[]");
    lp_model_free(m);
}

TEST(shape_transformer_block) {
    char buf[256];
    lp_tb *b = lp_tb_new(18);
    lp_tb_input(b, "x", LP_FLOAT, "batch,seq,64");
    lp_tb_init_f32(b, "g", "64", NULL);
    lp_tb_init_f32(b, "wqkv", "64,192", NULL);
    lp_tb_init_i64(b, "heads", "4", (int64_t[]){0, 0, 4, 16});
    lp_tb_node *ln = lp_tb_add(b, "LayerNormalization", "x,g", "ln,mean,istd");
    lp_tb_int(ln, "axis", -1);
    lp_tb_add(b, "MatMul", "ln,wqkv", "qkv");
    lp_tb_node *sp = lp_tb_add(b, "Split", "qkv", "q,k,v");
    lp_tb_int(sp, "axis", 2);
    lp_tb_int(sp, "num_outputs", 3);
    lp_tb_add(b, "Reshape", "q,heads", "qh");
    lp_tb_node *t = lp_tb_add(b, "Transpose", "qh", "qt");
    lp_tb_ints(t, "perm", 4, (int64_t[]){0, 2, 1, 3});
    lp_tb_add(b, "Reshape", "k,heads", "kh");
    t = lp_tb_add(b, "Transpose", "kh", "kt");
    lp_tb_ints(t, "perm", 4, (int64_t[]){0, 2, 3, 1});
    lp_tb_add(b, "MatMul", "qt,kt", "scores");
    lp_tb_node *sm = lp_tb_add(b, "Softmax", "scores", "attn");
    lp_tb_int(sm, "axis", -1);
    lp_tb_node *e = lp_tb_add(b, "Einsum", "qt,kt", "scores2");
    lp_tb_string(e, "equation", "bhqd,bhdk->bhqk");
    lp_tb_output(b, "attn", LP_UNDEFINED, NULL);
    lp_model *m = build(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "ln"), "float32[batch,seq,64]");
    CHECK_STR(TYPE(m, "mean"), "float32[batch,seq,1]");
    CHECK_STR(TYPE(m, "qkv"), "float32[batch,seq,192]");
    CHECK_STR(TYPE(m, "k"), "float32[batch,seq,64]");
    CHECK_STR(TYPE(m, "qh"), "float32[batch,seq,4,16]");
    CHECK_STR(TYPE(m, "kt"), "float32[batch,4,16,seq]");
    CHECK_STR(TYPE(m, "attn"), "float32[batch,4,seq,seq]");
    CHECK_STR(TYPE(m, "scores2"), "float32[batch,4,seq,seq]");
    lp_model_free(m);
}

TEST(shape_squeeze_unsqueeze_by_opset) {
    char buf[256];
    lp_tb *b = lp_tb_new(11);
    lp_tb_input(b, "x", LP_FLOAT, "1,3,1,5");
    lp_tb_node *n = lp_tb_add(b, "Squeeze", "x", "s");
    lp_tb_ints(n, "axes", 1, (int64_t[]){-2});
    lp_tb_add(b, "Squeeze", "x", "all");
    n = lp_tb_add(b, "Unsqueeze", "x", "u");
    lp_tb_ints(n, "axes", 2, (int64_t[]){0, -1});
    lp_tb_output(b, "s", LP_UNDEFINED, NULL);
    lp_model *m = build(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "s"), "float32[1,3,5]");
    CHECK_STR(TYPE(m, "all"), "float32[3,5]");
    CHECK_STR(TYPE(m, "u"), "float32[1,1,3,1,5,1]");
    lp_model_free(m);

    b = lp_tb_new(13);
    lp_tb_input(b, "x", LP_FLOAT, "1,3,1,5");
    lp_tb_init_i64(b, "ax", "1", (int64_t[]){2});
    lp_tb_add(b, "Squeeze", "x,ax", "s");
    lp_tb_add(b, "Unsqueeze", "x,ax", "u");
    lp_tb_output(b, "s", LP_UNDEFINED, NULL);
    m = build(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "s"), "float32[1,3,5]");
    CHECK_STR(TYPE(m, "u"), "float32[1,3,1,1,5]");
    lp_model_free(m);
}

TEST(shape_reductions_and_argmax) {
    char buf[256];
    lp_tb *b = lp_tb_new(18);
    lp_tb_input(b, "x", LP_FLOAT, "2,3,4");
    lp_tb_init_i64(b, "ax", "1", (int64_t[]){1});
    lp_tb_add(b, "ReduceMean", "x,ax", "keep");
    lp_tb_node *n = lp_tb_add(b, "ReduceSum", "x,ax", "drop");
    lp_tb_int(n, "keepdims", 0);
    lp_tb_add(b, "ReduceMax", "x", "all");
    n = lp_tb_add(b, "ReduceMax", "x", "noop");
    lp_tb_int(n, "noop_with_empty_axes", 1);
    n = lp_tb_add(b, "ArgMax", "x", "am");
    lp_tb_int(n, "axis", -1);
    lp_tb_int(n, "keepdims", 0);
    lp_tb_output(b, "keep", LP_UNDEFINED, NULL);
    lp_model *m = build(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "keep"), "float32[2,1,4]");
    CHECK_STR(TYPE(m, "drop"), "float32[2,4]");
    CHECK_STR(TYPE(m, "all"), "float32[1,1,1]");
    CHECK_STR(TYPE(m, "noop"), "float32[2,3,4]");
    CHECK_STR(TYPE(m, "am"), "int64[2,3]");
    lp_model_free(m);

    b = lp_tb_new(11); /* axes as an attribute */
    lp_tb_input(b, "x", LP_FLOAT, "2,3,4");
    n = lp_tb_add(b, "ReduceL2", "x", "r");
    lp_tb_ints(n, "axes", 2, (int64_t[]){0, 2});
    lp_tb_output(b, "r", LP_UNDEFINED, NULL);
    m = build(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "r"), "float32[1,3,1]");
    lp_model_free(m);
}

TEST(shape_slice_split_concat_gather) {
    char buf[256];
    lp_tb *b = lp_tb_new(13);
    lp_tb_input(b, "x", LP_FLOAT, "10,20,30");
    lp_tb_input(b, "i", LP_INT64, "4,5");
    lp_tb_init_i64(b, "st", "2", (int64_t[]){1, -10});
    lp_tb_init_i64(b, "en", "2", (int64_t[]){1000, -1});
    lp_tb_init_i64(b, "ax", "2", (int64_t[]){0, 2});
    lp_tb_init_i64(b, "stp", "2", (int64_t[]){3, 2});
    lp_tb_init_i64(b, "parts", "2", (int64_t[]){5, 15});
    lp_tb_add(b, "Slice", "x,st,en,ax,stp", "sl");
    lp_tb_node *n = lp_tb_add(b, "Split", "x,parts", "p0,p1");
    lp_tb_int(n, "axis", 1);
    n = lp_tb_add(b, "Concat", "p0,x,p1", "cat");
    lp_tb_int(n, "axis", 1);
    n = lp_tb_add(b, "Gather", "x,i", "g");
    lp_tb_int(n, "axis", 1);
    n = lp_tb_add(b, "Split", "x", "e0,e1");
    lp_tb_int(n, "axis", 0);
    lp_tb_output(b, "sl", LP_UNDEFINED, NULL);
    lp_model *m = build(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "sl"), "float32[3,20,5]");
    CHECK_STR(TYPE(m, "p0"), "float32[10,5,30]");
    CHECK_STR(TYPE(m, "p1"), "float32[10,15,30]");
    CHECK_STR(TYPE(m, "cat"), "float32[10,40,30]");
    CHECK_STR(TYPE(m, "g"), "float32[10,4,5,30]");
    CHECK_STR(TYPE(m, "e1"), "float32[5,20,30]");
    lp_model_free(m);

    b = lp_tb_new(9); /* Slice with attributes */
    lp_tb_input(b, "x", LP_FLOAT, "10,20");
    n = lp_tb_add(b, "Slice", "x", "y");
    lp_tb_ints(n, "starts", 1, (int64_t[]){2});
    lp_tb_ints(n, "ends", 1, (int64_t[]){-2});
    lp_tb_ints(n, "axes", 1, (int64_t[]){1});
    lp_tb_output(b, "y", LP_UNDEFINED, NULL);
    m = build(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "y"), "float32[10,16]");
    lp_model_free(m);
}

TEST(shape_generators_and_folding) {
    char buf[256];
    lp_tb *b = lp_tb_new(17);
    lp_tb_input(b, "x", LP_FLOAT, "2,3");
    lp_tb_node *n = lp_tb_add(b, "Constant", "", "c");
    lp_tb_ints(n, "value_ints", 3, (int64_t[]){2, 3, 4});
    lp_tb_init_i64(b, "one", "", (int64_t[]){1});
    lp_tb_add(b, "Add", "c,one", "c1");
    n = lp_tb_add(b, "ConstantOfShape", "c1", "z");
    lp_tb_tensor_i64(n, "value", "1", (int64_t[]){7});
    n = lp_tb_add(b, "Constant", "", "lim");
    lp_tb_float(n, "value_float", 5.0f);
    lp_tb_init_f32(b, "st", "", (float[]){0.5f});
    lp_tb_init_f32(b, "dl", "", (float[]){1.0f});
    lp_tb_add(b, "Range", "st,lim,dl", "r");
    n = lp_tb_add(b, "Cast", "c1", "cf");
    lp_tb_int(n, "to", LP_FLOAT);
    lp_tb_add(b, "Size", "x", "sz");
    lp_tb_output(b, "z", LP_UNDEFINED, NULL);
    lp_model *m = build(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "c"), "int64[3]");
    CHECK_STR(TYPE(m, "z"), "int64[3,4,5]");
    CHECK_STR(TYPE(m, "r"), "float32[5]");
    CHECK_STR(TYPE(m, "cf"), "float32[3]");
    CHECK_STR(TYPE(m, "sz"), "int64[]");
    int v = lp_graph_find_value(m->graph, "z");
    REQUIRE(v >= 0 && m->graph->values[v].constant);
    CHECK(((int64_t *)m->graph->values[v].constant->data)[59] == 7);
    v = lp_graph_find_value(m->graph, "r");
    REQUIRE(v >= 0 && m->graph->values[v].constant);
    CHECK(((float *)m->graph->values[v].constant->data)[4] == 4.5f);
    v = lp_graph_find_value(m->graph, "sz");
    REQUIRE(v >= 0 && m->graph->values[v].constant);
    CHECK(((int64_t *)m->graph->values[v].constant->data)[0] == 6);
    lp_model_free(m);
}

TEST(shape_expand_tile_pad_resize_topk_onehot) {
    char buf[256];
    lp_tb *b = lp_tb_new(13);
    lp_tb_input(b, "x", LP_FLOAT, "3,1");
    lp_tb_input(b, "img", LP_FLOAT, "1,3,10,20");
    lp_tb_input(b, "idx", LP_INT64, "4");
    lp_tb_init_i64(b, "shp", "3", (int64_t[]){2, 1, 6});
    lp_tb_init_i64(b, "rep", "2", (int64_t[]){2, 5});
    lp_tb_init_i64(b, "pads", "8", (int64_t[]){0, 0, 1, 2, 0, 0, 3, 4});
    lp_tb_init_f32(b, "scales", "4", (float[]){1, 1, 2, 1.5f});
    lp_tb_init_i64(b, "sizes", "4", (int64_t[]){1, 3, 7, 9});
    lp_tb_init_i64(b, "k", "1", (int64_t[]){5});
    lp_tb_init_f32(b, "depth", "", (float[]){10});
    lp_tb_init_f32(b, "onoff", "2", (float[]){0, 1});
    lp_tb_add(b, "Expand", "x,shp", "e");
    lp_tb_add(b, "Tile", "x,rep", "t");
    lp_tb_add(b, "Pad", "img,pads", "p");
    lp_tb_add(b, "Resize", "img,,scales", "rs");
    lp_tb_add(b, "Resize", "img,,,sizes", "rz");
    lp_tb_add(b, "TopK", "img,k", "tv,ti");
    lp_tb_add(b, "OneHot", "idx,depth,onoff", "oh");
    lp_tb_output(b, "e", LP_UNDEFINED, NULL);
    lp_model *m = build(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "e"), "float32[2,3,6]");
    CHECK_STR(TYPE(m, "t"), "float32[6,5]");
    CHECK_STR(TYPE(m, "p"), "float32[1,3,14,26]");
    CHECK_STR(TYPE(m, "rs"), "float32[1,3,20,30]");
    CHECK_STR(TYPE(m, "rz"), "float32[1,3,7,9]");
    CHECK_STR(TYPE(m, "tv"), "float32[1,3,10,5]");
    CHECK_STR(TYPE(m, "ti"), "int64[1,3,10,5]");
    CHECK_STR(TYPE(m, "oh"), "float32[4,10]");
    lp_model_free(m);
}

TEST(shape_casts_quantize_dropout_where) {
    char buf[256];
    lp_tb *b = lp_tb_new(13);
    lp_tb_input(b, "x", LP_FLOAT, "4,5");
    lp_tb_input(b, "y", LP_INT32, "5");
    lp_tb_init_f32(b, "scale", "", (float[]){0.1f});
    lp_tb_node *n = lp_tb_add(b, "Cast", "x", "h");
    lp_tb_int(n, "to", LP_FLOAT16);
    lp_tb_add(b, "CastLike", "x,y", "xi");
    lp_tb_add(b, "QuantizeLinear", "x,scale", "q");
    lp_tb_add(b, "DequantizeLinear", "q,scale", "dq");
    lp_tb_add(b, "Dropout", "x", "d,mask");
    lp_tb_add(b, "Less", "x,y", "lt");
    lp_tb_add(b, "Where", "lt,y,xi", "w");
    lp_tb_add(b, "Clip", "x", "cl");
    lp_tb_output(b, "w", LP_UNDEFINED, NULL);
    lp_model *m = build(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "h"), "float16[4,5]");
    CHECK_STR(TYPE(m, "xi"), "int32[4,5]");
    CHECK_STR(TYPE(m, "q"), "uint8[4,5]");
    CHECK_STR(TYPE(m, "dq"), "float32[4,5]");
    CHECK_STR(TYPE(m, "mask"), "bool[4,5]");
    CHECK_STR(TYPE(m, "lt"), "bool[4,5]");
    CHECK_STR(TYPE(m, "w"), "int32[4,5]");
    CHECK_STR(TYPE(m, "cl"), "float32[4,5]");
    lp_model_free(m);
}

TEST(shape_lstm_and_norms) {
    char buf[256];
    lp_tb *b = lp_tb_new(14);
    lp_tb_input(b, "x", LP_FLOAT, "7,batch,10");
    lp_tb_init_f32(b, "W", "2,80,10", NULL);
    lp_tb_init_f32(b, "R", "2,80,20", NULL);
    lp_tb_input(b, "img", LP_FLOAT, "2,6,5,5");
    lp_tb_init_f32(b, "s", "6", NULL);
    lp_tb_node *n = lp_tb_add(b, "LSTM", "x,W,R", "Y,Yh,Yc");
    lp_tb_int(n, "hidden_size", 20);
    lp_tb_string(n, "direction", "bidirectional");
    lp_tb_add(b, "BatchNormalization", "img,s,s,s,s", "bn");
    lp_tb_add(b, "InstanceNormalization", "img,s,s", "in");
    n = lp_tb_add(b, "GRU", "x,W,R", "gy");
    lp_tb_int(n, "layout", 1);
    lp_tb_output(b, "Y", LP_UNDEFINED, NULL);
    lp_model *m = build(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "Y"), "float32[7,2,batch,20]");
    CHECK_STR(TYPE(m, "Yh"), "float32[2,batch,20]");
    CHECK_STR(TYPE(m, "Yc"), "float32[2,batch,20]");
    CHECK_STR(TYPE(m, "bn"), "float32[2,6,5,5]");
    CHECK_STR(TYPE(m, "in"), "float32[2,6,5,5]");
    CHECK_STR(TYPE(m, "gy"), "float32[7,batch,1,20]"); /* layout 1 reads x as [batch, seq, ...] */
    lp_model_free(m);
}

TEST(shape_if_and_loop_bodies) {
    char buf[256];
    lp_tb *then_b = lp_tb_new_graph();
    lp_tb_add(then_b, "Relu", "x", "t_out");
    lp_tb_output(then_b, "t_out", LP_UNDEFINED, NULL);
    lp_tb *else_b = lp_tb_new_graph();
    lp_tb_add(else_b, "Neg", "x", "e_out");
    lp_tb_output(else_b, "e_out", LP_UNDEFINED, NULL);

    lp_tb *body = lp_tb_new_graph();
    lp_tb_input(body, "i", LP_UNDEFINED, NULL);
    lp_tb_input(body, "cond", LP_UNDEFINED, NULL);
    lp_tb_input(body, "acc", LP_UNDEFINED, NULL);
    lp_tb_add(body, "Add", "acc,x", "acc2");
    lp_tb_add(body, "Identity", "cond", "cond2");
    lp_tb_add(body, "Mul", "acc,x", "each");
    lp_tb_output(body, "cond2", LP_UNDEFINED, NULL);
    lp_tb_output(body, "acc2", LP_UNDEFINED, NULL);
    lp_tb_output(body, "each", LP_UNDEFINED, NULL);

    lp_tb *b = lp_tb_new(13);
    lp_tb_input(b, "x", LP_FLOAT, "2,3");
    lp_tb_input(b, "c", LP_BOOL, "");
    lp_tb_init_i64(b, "trips", "", (int64_t[]){5});
    lp_tb_node *n = lp_tb_add(b, "If", "c", "y");
    lp_tb_graph(n, "then_branch", then_b);
    lp_tb_graph(n, "else_branch", else_b);
    n = lp_tb_add(b, "Loop", "trips,,x", "final,stacked");
    lp_tb_graph(n, "body", body);
    lp_tb_output(b, "y", LP_UNDEFINED, NULL);
    lp_model *m = build(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "y"), "float32[2,3]");
    CHECK_STR(TYPE(m, "final"), "float32[2,3]");
    CHECK_STR(TYPE(m, "stacked"), "float32[5,2,3]");
    lp_model_free(m);
}

TEST(shape_file_types_win_but_get_filled) {
    char buf[256];
    lp_tb *b = lp_tb_new(13);
    lp_tb_input(b, "x", LP_FLOAT, "4,5");
    lp_tb_add(b, "Relu", "x", "r");
    lp_tb_add(b, "Transpose", "r", "y");
    lp_tb_value_info(b, "r", LP_FLOAT, "N,?");
    lp_tb_output(b, "y", LP_FLOAT, "a,b,c"); /* wrong rank: the file's word stands */
    lp_model *m = build(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "r"), "float32[4,5]");
    CHECK_STR(TYPE(m, "y"), "float32[a,b,c]");
    int v = lp_graph_find_value(m->graph, "r");
    REQUIRE(v >= 0);
    CHECK_STR(m->graph->values[v].type.dims[0].param, "N");
    lp_model_free(m);
}

TEST(shape_ml_classifier) {
    char buf[256];
    lp_tb *b = lp_tb_new(13);
    lp_tb_opset(b, "ai.onnx.ml", 3);
    lp_tb_input(b, "x", LP_FLOAT, "N,4");
    lp_tb_node *n = lp_tb_add(b, "LinearClassifier", "x", "label,scores");
    lp_tb_domain(n, "ai.onnx.ml");
    lp_tb_floats(n, "coefficients", 12, (float[12]){0});
    lp_tb_floats(n, "intercepts", 3, (float[3]){0});
    lp_tb_ints(n, "classlabels_ints", 3, (int64_t[]){0, 1, 2});
    n = lp_tb_add(b, "ZipMap", "scores", "zm");
    lp_tb_domain(n, "ai.onnx.ml");
    lp_tb_ints(n, "classlabels_int64s", 3, (int64_t[]){0, 1, 2});
    lp_tb_output(b, "label", LP_UNDEFINED, NULL);
    lp_model *m = build(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "label"), "int64[N]");
    CHECK_STR(TYPE(m, "scores"), "float32[N,3]");
    CHECK_STR(TYPE(m, "zm"), "seq(map(int64,float32[]))");
    lp_model_free(m);
}

/* Attributes a hostile file may carry: never a crash, at worst no shape. */
TEST(shape_hostile_attributes) {
    char buf[256];
    lp_tb *b = lp_tb_new(13);
    lp_tb_input(b, "x", LP_FLOAT, "2,3,8,8");
    lp_tb_init_f32(b, "w", "4,3,3,3", NULL);
    lp_tb_init_i64(b, "bad", "2", (int64_t[]){-1, -1});
    lp_tb_init_i64(b, "huge", "1", (int64_t[]){INT64_MAX});
    lp_tb_init_i64(b, "neg", "1", (int64_t[]){INT64_MIN});
    lp_tb_node *n = lp_tb_add(b, "Transpose", "x", "t");
    lp_tb_ints(n, "perm", 4, (int64_t[]){0, 9, -1, 2});
    n = lp_tb_add(b, "Conv", "x,w", "c");
    lp_tb_ints(n, "strides", 2, (int64_t[]){0, -5});
    n = lp_tb_add(b, "Conv", "x,w", "c2");
    lp_tb_ints(n, "pads", 3, (int64_t[]){1, 1, 1});
    n = lp_tb_add(b, "Gather", "x,bad", "g");
    lp_tb_int(n, "axis", 99);
    lp_tb_add(b, "Reshape", "x,bad", "r");
    lp_tb_add(b, "Unsqueeze", "x,huge", "u");
    lp_tb_add(b, "Slice", "x,neg,huge,huge,neg", "s");
    lp_tb_add(b, "Slice", "x,huge,neg", "s2");
    lp_tb_add(b, "Expand", "x,neg", "e");
    lp_tb_add(b, "ConstantOfShape", "huge", "cs");
    lp_tb_add(b, "Tile", "x,huge", "ti");
    n = lp_tb_add(b, "Split", "x", "p0,p1,p2");
    lp_tb_int(n, "axis", -7);
    n = lp_tb_add(b, "MaxPool", "x", "mp");
    lp_tb_ints(n, "kernel_shape", 2, (int64_t[]){INT64_MAX, 0});
    n = lp_tb_add(b, "Einsum", "x,x", "es");
    lp_tb_string(n, "equation", "abcd,...->!");
    n = lp_tb_add(b, "Concat", "x,w,bad", "cc");
    lp_tb_int(n, "axis", INT64_MIN);
    lp_tb_add(b, "Range", "huge,neg,huge", "rg");
    lp_tb_add(b, "Div", "huge,neg", "dv");
    lp_tb_add(b, "Mul", "huge,huge", "ml");
    lp_tb_output(b, "t", LP_UNDEFINED, NULL);
    lp_model *m = build(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "t"), "float32[?]");
    CHECK_STR(TYPE(m, "g"), "float32[?]");
    CHECK_STR(TYPE(m, "r"), "float32[?,?]");
    CHECK_STR(TYPE(m, "s2"), "float32[0,3,8,8]");
    CHECK_STR(TYPE(m, "rg"), "int64[0]");
    lp_model_free(m);
}

/* ---- real models ---- */

static lp_model *load_shared(const char *rel) {
    char path[512];
    const char *shared = getenv("SHARED");
    snprintf(path, sizeof path, "%s/%s", shared ? shared : "../shared", rel);
    if (access(path, R_OK)) return NULL;
    lp_model *m = NULL;
    lp_error err;
    if (lp_model_load(path, &m, &err)) {
        fprintf(stderr, "  %s: %s\n", path, err.msg);
        return NULL;
    }
    return m;
}

static bool shared_present(const char *rel) {
    char path[512];
    const char *shared = getenv("SHARED");
    snprintf(path, sizeof path, "%s/%s", shared ? shared : "../shared", rel);
    return access(path, R_OK) == 0;
}

/* Counts main-graph tensor values without a shape, printing the first few. */
static int unshaped(const lp_model *m) {
    int n = 0;
    for (int i = 0; i < m->graph->n_values; i++) {
        const lp_value *v = &m->graph->values[i];
        if (lp_type_has_shape(&v->type)) continue;
        if (n++ < 3) fprintf(stderr, "  %s: no shape for '%s'\n", m->path, v->name);
    }
    return n;
}

TEST(shape_real_models_fully_shaped) {
    static const char *models[] = {
        "onnx-tests/light/light_resnet50.onnx",
        "onnx-tests/light/light_squeezenet.onnx",
        "onnx-tests/light/light_inception_v2.onnx",
        "onnx-tests/light/light_densenet121.onnx",
        "onnx-tests/pytorch-converted/test_Conv2d_groups/model.onnx",
        "onnx-tests/pytorch-converted/test_PixelShuffle/model.onnx",
        "onnx-tests/pytorch-operator/test_operator_view/model.onnx",
    };
    for (size_t i = 0; i < LP_COUNT(models); i++) {
        if (!shared_present(models[i])) continue; /* the shared data is optional */
        lp_model *m = load_shared(models[i]);
        CHECK(m != NULL);
        if (!m) continue;
        CHECK(unshaped(m) == 0);
        lp_model_free(m);
    }
}
