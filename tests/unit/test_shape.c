/*
** test_shape.c — shape inference and constant folding on small models built
** in memory and hostile attributes; with ../shared present, real models are
** fully shaped and the ONNX backend tests' declared outputs are matched.
*/
#include "build_model.h"
#include "model/load.h"
#include "model/onnx_pb.h"
#include "model/shape.h"
#include "test.h"

#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#define TYPE(m, v) lp_test_type((m), (v), buf, sizeof buf)

TEST(shape_conv_pool_gemm_chain) {
    char buf[256];
    lp_builder *b = lp_build_new("test");
    lp_build_opset(b, "", 13);
    lp_build_input(b, "x", LP_FLOAT, "1,3,224,224");
    lp_test_init(b, "w1", LP_FLOAT, "64,3,7,7", NULL);
    lp_test_init(b, "w2", LP_FLOAT, "64,16,3,3", NULL);
    lp_test_init(b, "fc", LP_FLOAT, "10,64", NULL);
    lp_bnode *c = lp_build_node(b, "Conv", "x,w1", "c1");
    lp_build_attr_ints(b, c, "strides", 2, (int64_t[]){2, 2});
    lp_build_attr_ints(b, c, "pads", 4, (int64_t[]){3, 3, 3, 3});
    lp_bnode *p = lp_build_node(b, "MaxPool", "c1", "p1");
    lp_build_attr_ints(b, p, "kernel_shape", 2, (int64_t[]){3, 3});
    lp_build_attr_ints(b, p, "strides", 2, (int64_t[]){2, 2});
    lp_build_attr_ints(b, p, "pads", 4, (int64_t[]){1, 1, 1, 1});
    c = lp_build_node(b, "Conv", "p1,w2", "c2"); /* grouped, SAME_UPPER, stride 2 */
    lp_build_attr_int(b, c, "group", 4);
    lp_build_attr_string(b, c, "auto_pad", "SAME_UPPER");
    lp_build_attr_ints(b, c, "strides", 2, (int64_t[]){2, 2});
    c = lp_build_node(b, "Conv", "p1,w2", "c3"); /* dilated, VALID */
    lp_build_attr_int(b, c, "group", 4);
    lp_build_attr_ints(b, c, "dilations", 2, (int64_t[]){2, 2});
    lp_build_attr_string(b, c, "auto_pad", "VALID");
    p = lp_build_node(b, "AveragePool", "c1", "p2"); /* ceil_mode */
    lp_build_attr_ints(b, p, "kernel_shape", 2, (int64_t[]){3, 3});
    lp_build_attr_ints(b, p, "strides", 2, (int64_t[]){2, 2});
    lp_build_attr_int(b, p, "ceil_mode", 1);
    lp_build_node(b, "GlobalAveragePool", "c2", "g");
    lp_build_node(b, "Flatten", "g", "f");
    lp_bnode *gm = lp_build_node(b, "Gemm", "f,fc", "y");
    lp_build_attr_int(b, gm, "transB", 1);
    lp_build_node(b, "Softmax", "y", "prob");
    lp_build_output(b, "prob", LP_UNDEFINED, NULL);
    lp_model *m = lp_test_load(b);
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
    lp_builder *b = lp_build_new("test");
    lp_build_opset(b, "", 19);
    lp_build_input(b, "x", LP_FLOAT, "1,1,5,6");
    lp_bnode *p = lp_build_node(b, "MaxPool", "x", "y,idx");
    lp_build_attr_ints(b, p, "kernel_shape", 2, (int64_t[]){2, 2});
    lp_build_attr_ints(b, p, "strides", 2, (int64_t[]){2, 2});
    lp_build_attr_ints(b, p, "pads", 4, (int64_t[]){1, 1, 1, 1});
    lp_build_attr_int(b, p, "ceil_mode", 1);
    lp_build_output(b, "y", LP_UNDEFINED, NULL);
    lp_model *m = lp_test_load(b);
    REQUIRE(m);
    /* H: (5+2-2)/2 ceil = 3, +1 = 4, but window 4 starts at 6 >= 5+1: 3; W: 7/2 -> 4+1=5 -> 4 */
    CHECK_STR(TYPE(m, "y"), "float32[1,1,3,4]");
    CHECK_STR(TYPE(m, "idx"), "int64[1,1,3,4]");
    lp_model_free(m);
}

TEST(shape_conv_transpose) {
    char buf[256];
    lp_builder *b = lp_build_new("test");
    lp_build_opset(b, "", 13);
    lp_build_input(b, "x", LP_FLOAT, "2,8,10,10");
    lp_test_init(b, "w", LP_FLOAT, "8,4,3,3", NULL);
    lp_bnode *c = lp_build_node(b, "ConvTranspose", "x,w", "y");
    lp_build_attr_ints(b, c, "strides", 2, (int64_t[]){2, 2});
    lp_build_attr_ints(b, c, "pads", 4, (int64_t[]){1, 1, 1, 1});
    lp_build_attr_ints(b, c, "output_padding", 2, (int64_t[]){1, 1});
    lp_build_attr_int(b, c, "group", 2);
    c = lp_build_node(b, "ConvTranspose", "x,w", "z");
    lp_build_attr_ints(b, c, "output_shape", 2, (int64_t[]){21, 22});
    c = lp_build_node(b, "ConvTranspose", "x,w", "s");
    lp_build_attr_ints(b, c, "strides", 2, (int64_t[]){3, 3});
    lp_build_attr_string(b, c, "auto_pad", "SAME_UPPER");
    lp_build_output(b, "y", LP_UNDEFINED, NULL);
    lp_model *m = lp_test_load(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "y"), "float32[2,8,20,20]"); /* 2*9 + 1 + 3 - 2 */
    CHECK_STR(TYPE(m, "z"), "float32[2,4,21,22]");
    CHECK_STR(TYPE(m, "s"), "float32[2,4,30,30]");
    lp_model_free(m);
}

TEST(shape_symbolic_batch_flows) {
    char buf[256];
    lp_builder *b = lp_build_new("test");
    lp_build_opset(b, "", 13);
    lp_build_input(b, "x", LP_FLOAT, "batch,3,32,32");
    lp_test_init(b, "w", LP_FLOAT, "8,3,3,3", NULL);
    lp_test_init(b, "bias", LP_FLOAT, "8,1,1", NULL);
    lp_bnode *c = lp_build_node(b, "Conv", "x,w", "c");
    lp_build_attr_ints(b, c, "pads", 4, (int64_t[]){1, 1, 1, 1});
    lp_build_node(b, "Add", "c,bias", "a");
    lp_build_node(b, "Relu", "a", "r");
    lp_build_node(b, "Flatten", "r", "f");
    lp_build_output(b, "f", LP_UNDEFINED, NULL);
    lp_model *m = lp_test_load(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "c"), "float32[batch,8,32,32]");
    CHECK_STR(TYPE(m, "r"), "float32[batch,8,32,32]");
    CHECK_STR(TYPE(m, "f"), "float32[batch,8192]");
    lp_model_free(m);
}

/* The chain PyTorch writes for x.view(x.size(0), -1). */
TEST(shape_pytorch_reshape_chain_folds) {
    char buf[256];
    lp_builder *b = lp_build_new("test");
    lp_build_opset(b, "", 13);
    lp_build_input(b, "x", LP_FLOAT, "N,8,4,4");
    lp_build_input(b, "s", LP_FLOAT, "2,8,4,4");
    lp_build_node(b, "Shape", "x", "shape");
    lp_bnode *k = lp_build_node(b, "Constant", "", "zero");
    lp_test_attr_tensor(b, k, "value", LP_INT64, "", (int64_t[]){0});
    lp_bnode *g = lp_build_node(b, "Gather", "shape,zero", "n");
    lp_build_attr_int(b, g, "axis", 0);
    lp_test_init(b, "ax0", LP_INT64, "1", (int64_t[]){0});
    lp_build_node(b, "Unsqueeze", "n,ax0", "n1");
    k = lp_build_node(b, "Constant", "", "minus1");
    lp_build_attr_ints(b, k, "value_ints", 1, (int64_t[]){-1});
    lp_bnode *cc = lp_build_node(b, "Concat", "n1,minus1", "target");
    lp_build_attr_int(b, cc, "axis", 0);
    lp_build_node(b, "Reshape", "x,target", "y");
    /* and on a static tensor everything folds to constants */
    lp_build_node(b, "Shape", "s", "sshape");
    lp_bnode *sl = lp_build_node(b, "Slice", "sshape,ax0,two", "head");
    (void)sl;
    lp_test_init(b, "two", LP_INT64, "1", (int64_t[]){2});
    lp_build_node(b, "ReduceProd", "head", "prod");
    lp_build_node(b, "Reshape", "s,target", "sy");
    lp_build_output(b, "y", LP_UNDEFINED, NULL);
    lp_model *m = lp_test_load(b);
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

/* What torch.onnx writes for multi-head attention with dynamic axes, and
** for expand(-1, ...): Shape/Gather/Unsqueeze/Concat targets and the
** Equal/Where dance that replaces -1 by 1. */
TEST(shape_torch_dynamic_axes_patterns) {
    char buf[256];
    lp_builder *b = lp_build_new("test");
    lp_build_opset(b, "", 14);
    lp_build_input(b, "x", LP_FLOAT, "batch,seq,64");
    lp_build_input(b, "mask", LP_INT64, "batch,seq");
    lp_test_init(b, "i0", LP_INT64, "", (int64_t[]){0});
    lp_test_init(b, "i1", LP_INT64, "", (int64_t[]){1});
    lp_test_init(b, "ax0", LP_INT64, "1", (int64_t[]){0});
    lp_test_init(b, "ax12", LP_INT64, "2", (int64_t[]){1, 2});
    lp_test_init(b, "heads", LP_INT64, "2", (int64_t[]){4, 16});
    lp_test_init(b, "minus1", LP_INT64, "1", (int64_t[]){-1});
    lp_test_init(b, "four", LP_INT64, "1", (int64_t[]){4});
    lp_build_node(b, "Shape", "x", "s");
    lp_build_node(b, "Gather", "s,i0", "bs");
    lp_build_node(b, "Gather", "s,i1", "sl");
    lp_build_node(b, "Unsqueeze", "bs,ax0", "bs1");
    lp_build_node(b, "Unsqueeze", "sl,ax0", "sl1");
    lp_bnode *n = lp_build_node(b, "Concat", "bs1,sl1,heads", "hshape");
    lp_build_attr_int(b, n, "axis", 0);
    lp_build_node(b, "Reshape", "x,hshape", "xh");
    n = lp_build_node(b, "Transpose", "xh", "xt");
    lp_build_attr_ints(b, n, "perm", 4, (int64_t[]){0, 2, 1, 3});
    lp_build_node(b, "Unsqueeze", "mask,ax12", "m4");
    n = lp_build_node(b, "Concat", "bs1,minus1,sl1,sl1", "target");
    lp_build_attr_int(b, n, "axis", 0);
    n = lp_build_node(b, "ConstantOfShape", "four", "ones");
    lp_test_attr_tensor(b, n, "value", LP_INT64, "1", (int64_t[]){1});
    lp_build_node(b, "Mul", "ones,minus1", "negs");
    lp_build_node(b, "Equal", "target,negs", "eq");
    lp_build_node(b, "Where", "eq,ones,target", "target2");
    lp_build_node(b, "Expand", "m4,target2", "m");
    lp_build_output(b, "m", LP_UNDEFINED, NULL);
    lp_model *m = lp_test_load(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "hshape"), "int64[4]");
    CHECK_STR(TYPE(m, "xh"), "float32[batch,seq,4,16]");
    CHECK_STR(TYPE(m, "xt"), "float32[batch,4,seq,16]");
    CHECK_STR(TYPE(m, "eq"), "bool[4]");
    CHECK_STR(TYPE(m, "m"), "int64[batch,1,seq,seq]");
    lp_model_free(m);
}

TEST(shape_reshape_zero_minus_one_allowzero) {
    char buf[256];
    lp_builder *b = lp_build_new("test");
    lp_build_opset(b, "", 14);
    lp_build_input(b, "x", LP_FLOAT, "2,3,4");
    lp_test_init(b, "t1", LP_INT64, "3", (int64_t[]){0, -1, 2});
    lp_test_init(b, "t2", LP_INT64, "2", (int64_t[]){0, 24});
    lp_build_node(b, "Reshape", "x,t1", "a");
    lp_bnode *r = lp_build_node(b, "Reshape", "x,t2", "z");
    lp_build_attr_int(b, r, "allowzero", 1);
    lp_build_output(b, "a", LP_UNDEFINED, NULL);
    lp_model *m = lp_test_load(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "a"), "float32[2,6,2]");
    CHECK_STR(TYPE(m, "z"), "float32[0,24]");
    lp_model_free(m);
}

TEST(shape_matmul_broadcast_and_vectors) {
    char buf[256];
    lp_builder *b = lp_build_new("test");
    lp_build_opset(b, "", 13);
    lp_build_input(b, "a", LP_FLOAT, "2,1,3,4");
    lp_build_input(b, "b", LP_FLOAT, "5,4,6");
    lp_build_input(b, "v", LP_FLOAT, "4");
    lp_build_input(b, "m", LP_FLOAT, "3,4");
    lp_build_input(b, "w", LP_FLOAT, "4,6");
    lp_build_node(b, "MatMul", "a,b", "ab");
    lp_build_node(b, "MatMul", "v,w", "vw");
    lp_build_node(b, "MatMul", "m,v", "mv");
    lp_build_node(b, "MatMul", "v,v", "dot");
    lp_build_output(b, "ab", LP_UNDEFINED, NULL);
    lp_model *m = lp_test_load(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "ab"), "float32[2,5,3,6]");
    CHECK_STR(TYPE(m, "vw"), "float32[6]");
    CHECK_STR(TYPE(m, "mv"), "float32[3]");
    CHECK_STR(TYPE(m, "dot"), "float32[]");
    lp_model_free(m);
}

TEST(shape_transformer_block) {
    char buf[256];
    lp_builder *b = lp_build_new("test");
    lp_build_opset(b, "", 18);
    lp_build_input(b, "x", LP_FLOAT, "batch,seq,64");
    lp_test_init(b, "g", LP_FLOAT, "64", NULL);
    lp_test_init(b, "wqkv", LP_FLOAT, "64,192", NULL);
    lp_test_init(b, "heads", LP_INT64, "4", (int64_t[]){0, 0, 4, 16});
    lp_bnode *ln = lp_build_node(b, "LayerNormalization", "x,g", "ln,mean,istd");
    lp_build_attr_int(b, ln, "axis", -1);
    lp_build_node(b, "MatMul", "ln,wqkv", "qkv");
    lp_bnode *sp = lp_build_node(b, "Split", "qkv", "q,k,v");
    lp_build_attr_int(b, sp, "axis", 2);
    lp_build_attr_int(b, sp, "num_outputs", 3);
    lp_build_node(b, "Reshape", "q,heads", "qh");
    lp_bnode *t = lp_build_node(b, "Transpose", "qh", "qt");
    lp_build_attr_ints(b, t, "perm", 4, (int64_t[]){0, 2, 1, 3});
    lp_build_node(b, "Reshape", "k,heads", "kh");
    t = lp_build_node(b, "Transpose", "kh", "kt");
    lp_build_attr_ints(b, t, "perm", 4, (int64_t[]){0, 2, 3, 1});
    lp_build_node(b, "MatMul", "qt,kt", "scores");
    lp_bnode *sm = lp_build_node(b, "Softmax", "scores", "attn");
    lp_build_attr_int(b, sm, "axis", -1);
    lp_bnode *e = lp_build_node(b, "Einsum", "qt,kt", "scores2");
    lp_build_attr_string(b, e, "equation", "bhqd,bhdk->bhqk");
    lp_build_output(b, "attn", LP_UNDEFINED, NULL);
    lp_model *m = lp_test_load(b);
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
    lp_builder *b = lp_build_new("test");
    lp_build_opset(b, "", 11);
    lp_build_input(b, "x", LP_FLOAT, "1,3,1,5");
    lp_bnode *n = lp_build_node(b, "Squeeze", "x", "s");
    lp_build_attr_ints(b, n, "axes", 1, (int64_t[]){-2});
    lp_build_node(b, "Squeeze", "x", "all");
    n = lp_build_node(b, "Unsqueeze", "x", "u");
    lp_build_attr_ints(b, n, "axes", 2, (int64_t[]){0, -1});
    lp_build_output(b, "s", LP_UNDEFINED, NULL);
    lp_model *m = lp_test_load(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "s"), "float32[1,3,5]");
    CHECK_STR(TYPE(m, "all"), "float32[3,5]");
    CHECK_STR(TYPE(m, "u"), "float32[1,1,3,1,5,1]");
    lp_model_free(m);

    b = lp_build_new("test");

    lp_build_opset(b, "", 13);
    lp_build_input(b, "x", LP_FLOAT, "1,3,1,5");
    lp_test_init(b, "ax", LP_INT64, "1", (int64_t[]){2});
    lp_build_node(b, "Squeeze", "x,ax", "s");
    lp_build_node(b, "Unsqueeze", "x,ax", "u");
    lp_build_output(b, "s", LP_UNDEFINED, NULL);
    m = lp_test_load(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "s"), "float32[1,3,5]");
    CHECK_STR(TYPE(m, "u"), "float32[1,3,1,1,5]");
    lp_model_free(m);
}

TEST(shape_reductions_and_argmax) {
    char buf[256];
    lp_builder *b = lp_build_new("test");
    lp_build_opset(b, "", 18);
    lp_build_input(b, "x", LP_FLOAT, "2,3,4");
    lp_test_init(b, "ax", LP_INT64, "1", (int64_t[]){1});
    lp_build_node(b, "ReduceMean", "x,ax", "keep");
    lp_bnode *n = lp_build_node(b, "ReduceSum", "x,ax", "drop");
    lp_build_attr_int(b, n, "keepdims", 0);
    lp_build_node(b, "ReduceMax", "x", "all");
    n = lp_build_node(b, "ReduceMax", "x", "noop");
    lp_build_attr_int(b, n, "noop_with_empty_axes", 1);
    n = lp_build_node(b, "ArgMax", "x", "am");
    lp_build_attr_int(b, n, "axis", -1);
    lp_build_attr_int(b, n, "keepdims", 0);
    lp_build_output(b, "keep", LP_UNDEFINED, NULL);
    lp_model *m = lp_test_load(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "keep"), "float32[2,1,4]");
    CHECK_STR(TYPE(m, "drop"), "float32[2,4]");
    CHECK_STR(TYPE(m, "all"), "float32[1,1,1]");
    CHECK_STR(TYPE(m, "noop"), "float32[2,3,4]");
    CHECK_STR(TYPE(m, "am"), "int64[2,3]");
    lp_model_free(m);

    b = lp_build_new("test");

    lp_build_opset(b, "", 11); /* axes as an attribute */
    lp_build_input(b, "x", LP_FLOAT, "2,3,4");
    n = lp_build_node(b, "ReduceL2", "x", "r");
    lp_build_attr_ints(b, n, "axes", 2, (int64_t[]){0, 2});
    lp_build_output(b, "r", LP_UNDEFINED, NULL);
    m = lp_test_load(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "r"), "float32[1,3,1]");
    lp_model_free(m);
}

TEST(shape_slice_split_concat_gather) {
    char buf[256];
    lp_builder *b = lp_build_new("test");
    lp_build_opset(b, "", 13);
    lp_build_input(b, "x", LP_FLOAT, "10,20,30");
    lp_build_input(b, "i", LP_INT64, "4,5");
    lp_test_init(b, "st", LP_INT64, "2", (int64_t[]){1, -10});
    lp_test_init(b, "en", LP_INT64, "2", (int64_t[]){1000, -1});
    lp_test_init(b, "ax", LP_INT64, "2", (int64_t[]){0, 2});
    lp_test_init(b, "stp", LP_INT64, "2", (int64_t[]){3, 2});
    lp_test_init(b, "parts", LP_INT64, "2", (int64_t[]){5, 15});
    lp_build_node(b, "Slice", "x,st,en,ax,stp", "sl");
    lp_bnode *n = lp_build_node(b, "Split", "x,parts", "p0,p1");
    lp_build_attr_int(b, n, "axis", 1);
    n = lp_build_node(b, "Concat", "p0,x,p1", "cat");
    lp_build_attr_int(b, n, "axis", 1);
    n = lp_build_node(b, "Gather", "x,i", "g");
    lp_build_attr_int(b, n, "axis", 1);
    n = lp_build_node(b, "Split", "x", "e0,e1");
    lp_build_attr_int(b, n, "axis", 0);
    lp_build_output(b, "sl", LP_UNDEFINED, NULL);
    lp_model *m = lp_test_load(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "sl"), "float32[3,20,5]");
    CHECK_STR(TYPE(m, "p0"), "float32[10,5,30]");
    CHECK_STR(TYPE(m, "p1"), "float32[10,15,30]");
    CHECK_STR(TYPE(m, "cat"), "float32[10,40,30]");
    CHECK_STR(TYPE(m, "g"), "float32[10,4,5,30]");
    CHECK_STR(TYPE(m, "e1"), "float32[5,20,30]");
    lp_model_free(m);

    b = lp_build_new("test");

    lp_build_opset(b, "", 9); /* Slice with attributes */
    lp_build_input(b, "x", LP_FLOAT, "10,20");
    n = lp_build_node(b, "Slice", "x", "y");
    lp_build_attr_ints(b, n, "starts", 1, (int64_t[]){2});
    lp_build_attr_ints(b, n, "ends", 1, (int64_t[]){-2});
    lp_build_attr_ints(b, n, "axes", 1, (int64_t[]){1});
    lp_build_output(b, "y", LP_UNDEFINED, NULL);
    m = lp_test_load(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "y"), "float32[10,16]");
    lp_model_free(m);
}

TEST(shape_generators_and_folding) {
    char buf[256];
    lp_builder *b = lp_build_new("test");
    lp_build_opset(b, "", 17);
    lp_build_input(b, "x", LP_FLOAT, "2,3");
    lp_bnode *n = lp_build_node(b, "Constant", "", "c");
    lp_build_attr_ints(b, n, "value_ints", 3, (int64_t[]){2, 3, 4});
    lp_test_init(b, "one", LP_INT64, "", (int64_t[]){1});
    lp_build_node(b, "Add", "c,one", "c1");
    n = lp_build_node(b, "ConstantOfShape", "c1", "z");
    lp_test_attr_tensor(b, n, "value", LP_INT64, "1", (int64_t[]){7});
    n = lp_build_node(b, "Constant", "", "lim");
    lp_build_attr_float(b, n, "value_float", 5.0f);
    lp_test_init(b, "st", LP_FLOAT, "", (float[]){0.5f});
    lp_test_init(b, "dl", LP_FLOAT, "", (float[]){1.0f});
    lp_build_node(b, "Range", "st,lim,dl", "r");
    n = lp_build_node(b, "Cast", "c1", "cf");
    lp_build_attr_int(b, n, "to", LP_FLOAT);
    lp_build_node(b, "Size", "x", "sz");
    lp_build_output(b, "z", LP_UNDEFINED, NULL);
    lp_model *m = lp_test_load(b);
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
    lp_builder *b = lp_build_new("test");
    lp_build_opset(b, "", 13);
    lp_build_input(b, "x", LP_FLOAT, "3,1");
    lp_build_input(b, "img", LP_FLOAT, "1,3,10,20");
    lp_build_input(b, "idx", LP_INT64, "4");
    lp_test_init(b, "shp", LP_INT64, "3", (int64_t[]){2, 1, 6});
    lp_test_init(b, "rep", LP_INT64, "2", (int64_t[]){2, 5});
    lp_test_init(b, "pads", LP_INT64, "8", (int64_t[]){0, 0, 1, 2, 0, 0, 3, 4});
    lp_test_init(b, "scales", LP_FLOAT, "4", (float[]){1, 1, 2, 1.5f});
    lp_test_init(b, "sizes", LP_INT64, "4", (int64_t[]){1, 3, 7, 9});
    lp_test_init(b, "k", LP_INT64, "1", (int64_t[]){5});
    lp_test_init(b, "depth", LP_FLOAT, "", (float[]){10});
    lp_test_init(b, "onoff", LP_FLOAT, "2", (float[]){0, 1});
    lp_build_node(b, "Expand", "x,shp", "e");
    lp_build_node(b, "Tile", "x,rep", "t");
    lp_build_node(b, "Pad", "img,pads", "p");
    lp_build_node(b, "Resize", "img,,scales", "rs");
    lp_build_node(b, "Resize", "img,,,sizes", "rz");
    lp_build_node(b, "TopK", "img,k", "tv,ti");
    lp_build_node(b, "OneHot", "idx,depth,onoff", "oh");
    lp_build_output(b, "e", LP_UNDEFINED, NULL);
    lp_model *m = lp_test_load(b);
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
    lp_builder *b = lp_build_new("test");
    lp_build_opset(b, "", 13);
    lp_build_input(b, "x", LP_FLOAT, "4,5");
    lp_build_input(b, "y", LP_INT32, "5");
    lp_test_init(b, "scale", LP_FLOAT, "", (float[]){0.1f});
    lp_bnode *n = lp_build_node(b, "Cast", "x", "h");
    lp_build_attr_int(b, n, "to", LP_FLOAT16);
    lp_build_node(b, "CastLike", "x,y", "xi");
    lp_build_node(b, "QuantizeLinear", "x,scale", "q");
    lp_build_node(b, "DequantizeLinear", "q,scale", "dq");
    lp_build_node(b, "Dropout", "x", "d,mask");
    lp_build_node(b, "Less", "x,y", "lt");
    lp_build_node(b, "Where", "lt,y,xi", "w");
    lp_build_node(b, "Clip", "x", "cl");
    lp_build_output(b, "w", LP_UNDEFINED, NULL);
    lp_model *m = lp_test_load(b);
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
    lp_builder *b = lp_build_new("test");
    lp_build_opset(b, "", 14);
    lp_build_input(b, "x", LP_FLOAT, "7,batch,10");
    lp_test_init(b, "W", LP_FLOAT, "2,80,10", NULL);
    lp_test_init(b, "R", LP_FLOAT, "2,80,20", NULL);
    lp_build_input(b, "img", LP_FLOAT, "2,6,5,5");
    lp_test_init(b, "s", LP_FLOAT, "6", NULL);
    lp_bnode *n = lp_build_node(b, "LSTM", "x,W,R", "Y,Yh,Yc");
    lp_build_attr_int(b, n, "hidden_size", 20);
    lp_build_attr_string(b, n, "direction", "bidirectional");
    lp_build_node(b, "BatchNormalization", "img,s,s,s,s", "bn");
    lp_build_node(b, "InstanceNormalization", "img,s,s", "in");
    n = lp_build_node(b, "GRU", "x,W,R", "gy");
    lp_build_attr_int(b, n, "layout", 1);
    lp_build_output(b, "Y", LP_UNDEFINED, NULL);
    lp_model *m = lp_test_load(b);
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
    lp_builder *then_b = lp_build_new("then");
    lp_build_node(then_b, "Relu", "x", "t_out");
    lp_build_output(then_b, "t_out", LP_UNDEFINED, NULL);
    lp_builder *else_b = lp_build_new("else");
    lp_build_node(else_b, "Neg", "x", "e_out");
    lp_build_output(else_b, "e_out", LP_UNDEFINED, NULL);

    lp_builder *body = lp_build_new("body");
    lp_build_input(body, "i", LP_UNDEFINED, NULL);
    lp_build_input(body, "cond", LP_UNDEFINED, NULL);
    lp_build_input(body, "acc", LP_UNDEFINED, NULL);
    lp_build_node(body, "Add", "acc,x", "acc2");
    lp_build_node(body, "Identity", "cond", "cond2");
    lp_build_node(body, "Mul", "acc,x", "each");
    lp_build_output(body, "cond2", LP_UNDEFINED, NULL);
    lp_build_output(body, "acc2", LP_UNDEFINED, NULL);
    lp_build_output(body, "each", LP_UNDEFINED, NULL);

    lp_builder *b = lp_build_new("test");
    lp_build_opset(b, "", 13);
    lp_build_input(b, "x", LP_FLOAT, "2,3");
    lp_build_input(b, "c", LP_BOOL, "");
    lp_test_init(b, "trips", LP_INT64, "", (int64_t[]){5});
    lp_bnode *n = lp_build_node(b, "If", "c", "y");
    lp_build_attr_graph(b, n, "then_branch", then_b);
    lp_build_attr_graph(b, n, "else_branch", else_b);
    n = lp_build_node(b, "Loop", "trips,,x", "final,stacked");
    lp_build_attr_graph(b, n, "body", body);
    lp_build_output(b, "y", LP_UNDEFINED, NULL);
    lp_model *m = lp_test_load(b);
    lp_build_free(then_b);
    lp_build_free(else_b);
    lp_build_free(body);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "y"), "float32[2,3]");
    CHECK_STR(TYPE(m, "final"), "float32[2,3]");
    CHECK_STR(TYPE(m, "stacked"), "float32[5,2,3]");
    lp_model_free(m);
}

/* A carried value that grows: the body is typed again for every iteration. */
TEST(shape_loop_carried_value_that_grows) {
    char buf[256];
    lp_builder *body = lp_build_new("body");
    lp_build_input(body, "i", LP_UNDEFINED, NULL);
    lp_build_input(body, "cond", LP_UNDEFINED, NULL);
    lp_build_input(body, "acc", LP_UNDEFINED, NULL);
    lp_bnode *n = lp_build_node(body, "Concat", "acc,x", "acc2");
    lp_build_attr_int(body, n, "axis", 0);
    lp_build_node(body, "Identity", "cond", "cond2");
    lp_build_output(body, "cond2", LP_UNDEFINED, NULL);
    lp_build_output(body, "acc2", LP_UNDEFINED, NULL);
    lp_builder *b = lp_build_new("test");
    lp_build_opset(b, "", 13);
    lp_build_input(b, "x", LP_FLOAT, "2,3");
    lp_test_init(b, "trips", LP_INT64, "", (int64_t[]){5});
    n = lp_build_node(b, "Loop", "trips,,x", "final");
    lp_build_attr_graph(b, n, "body", body);
    lp_build_output(b, "final", LP_UNDEFINED, NULL);
    lp_model *m = lp_test_load(b);
    lp_build_free(body);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "final"), "float32[?,3]");
    REQUIRE(m->n_graphs == 2);
    const lp_graph *g = m->graphs[1];
    int v = lp_graph_find_value(g, "acc2");
    REQUIRE(v >= 0);
    char text[64];
    CHECK_STR(lp_type_str(&g->values[v].type, text, sizeof text), "float32[?,3]");
    v = lp_graph_find_value(g, "acc");
    REQUIRE(v >= 0);
    CHECK_STR(lp_type_str(&g->values[v].type, text, sizeof text), "float32[?,3]");
    lp_model_free(m);
}

/* A model-local function: its body is typed per call, with the call's
** attributes standing in for its references, and left generic afterwards. */
TEST(shape_function_call) {
    char buf[256];
    lp_builder *b = lp_build_new("test");
    lp_build_opset(b, "", 13);
    lp_build_opset(b, "custom", 1);
    lp_build_input(b, "x", LP_FLOAT, "batch,8");
    lp_test_init(b, "w", LP_FLOAT, "8,4", NULL);
    lp_bnode *n = lp_build_node(b, "MyLinear", "x,w", "y");
    lp_build_node_domain(b, n, "custom");
    /* the identity: Transpose's default (reversing) would give [4,8] */
    lp_build_attr_ints(b, n, "perm_attr", 2, (int64_t[]){0, 1});
    lp_build_output(b, "y", LP_UNDEFINED, NULL);
    uint8_t *bytes;
    size_t len;
    lp_build_bytes(b, &bytes, &len);
    lp_build_free(b);

    /* the function, written with protobuf-c: Transpose(W, perm=@perm_attr) then MatMul */
    Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, len, bytes);
    free(bytes);
    REQUIRE(mp);
    Onnx__AttributeProto perm = ONNX__ATTRIBUTE_PROTO__INIT;
    perm.name = "perm";
    perm.ref_attr_name = "perm_attr";
    perm.has_type = 1;
    perm.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
    Onnx__AttributeProto *tattrs[] = {&perm};
    char *t_in[] = {"W"}, *t_out[] = {"Wt"}, *m_in[] = {"X", "Wt"}, *m_out[] = {"Y"};
    Onnx__NodeProto tr = ONNX__NODE_PROTO__INIT, mm = ONNX__NODE_PROTO__INIT;
    tr.op_type = "Transpose", tr.n_input = 1, tr.input = t_in, tr.n_output = 1, tr.output = t_out;
    tr.n_attribute = 1, tr.attribute = tattrs;
    mm.op_type = "MatMul", mm.n_input = 2, mm.input = m_in, mm.n_output = 1, mm.output = m_out;
    Onnx__NodeProto *nodes[] = {&tr, &mm};
    Onnx__OperatorSetIdProto os = ONNX__OPERATOR_SET_ID_PROTO__INIT;
    os.domain = "", os.has_version = 1, os.version = 13;
    Onnx__OperatorSetIdProto *oss[] = {&os};
    char *f_in[] = {"X", "W"}, *f_out[] = {"Y"}, *f_attr[] = {"perm_attr"};
    Onnx__FunctionProto f = ONNX__FUNCTION_PROTO__INIT;
    f.name = "MyLinear", f.domain = "custom";
    f.n_input = 2, f.input = f_in, f.n_output = 1, f.output = f_out;
    f.n_attribute = 1, f.attribute = f_attr;
    f.n_node = 2, f.node = nodes, f.n_opset_import = 1, f.opset_import = oss;
    Onnx__FunctionProto *fs[] = {&f};
    size_t saved_n = mp->n_functions;
    Onnx__FunctionProto **saved = mp->functions;
    mp->n_functions = 1, mp->functions = fs;
    len = onnx__model_proto__get_packed_size(mp);
    bytes = lp_xmalloc(len);
    onnx__model_proto__pack(mp, bytes);
    mp->n_functions = saved_n, mp->functions = saved;
    onnx__model_proto__free_unpacked(mp, NULL);

    lp_model *m = NULL;
    lp_error err;
    REQUIRE(lp_model_parse(bytes, len, "fn.onnx", NULL, &m, &err) == LP_OK);
    CHECK_STR(TYPE(m, "y"), "float32[batch,4]");
    REQUIRE(m->n_functions == 1);
    const lp_graph *body = m->functions[0].body;
    int v = lp_graph_find_value(body, "Y");
    REQUIRE(v >= 0);
    CHECK(!lp_type_has_shape(&body->values[v].type));
    lp_model_free(m);
}

TEST(shape_file_types_win_but_get_filled) {
    char buf[256];
    lp_builder *b = lp_build_new("test");
    lp_build_opset(b, "", 13);
    lp_build_input(b, "x", LP_FLOAT, "4,5");
    lp_build_node(b, "Relu", "x", "r");
    lp_build_node(b, "Transpose", "r", "y");
    lp_build_value_info(b, "r", LP_FLOAT, "N,?");
    lp_build_output(b, "y", LP_FLOAT, "a,b,c"); /* wrong rank: the file's word stands */
    lp_model *m = lp_test_load(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "r"), "float32[N,5]"); /* a named dim stays, a blank one is filled */
    CHECK_STR(TYPE(m, "y"), "float32[a,b,c]");
    lp_model_free(m);
}

TEST(shape_ml_classifier) {
    char buf[256];
    lp_builder *b = lp_build_new("test");
    lp_build_opset(b, "", 13);
    lp_build_opset(b, "ai.onnx.ml", 3);
    lp_build_input(b, "x", LP_FLOAT, "N,4");
    lp_bnode *n = lp_build_node(b, "LinearClassifier", "x", "label,scores");
    lp_build_node_domain(b, n, "ai.onnx.ml");
    lp_build_attr_floats(b, n, "coefficients", 12, (float[12]){0});
    lp_build_attr_floats(b, n, "intercepts", 3, (float[3]){0});
    lp_build_attr_ints(b, n, "classlabels_ints", 3, (int64_t[]){0, 1, 2});
    n = lp_build_node(b, "ZipMap", "scores", "zm");
    lp_build_node_domain(b, n, "ai.onnx.ml");
    lp_build_attr_ints(b, n, "classlabels_int64s", 3, (int64_t[]){0, 1, 2});
    lp_build_output(b, "label", LP_UNDEFINED, NULL);
    lp_model *m = lp_test_load(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "label"), "int64[N]");
    CHECK_STR(TYPE(m, "scores"), "float32[N,3]");
    CHECK_STR(TYPE(m, "zm"), "seq(map(int64,float32[]))");
    lp_model_free(m);
}

/* Attributes a hostile file may carry: never a crash, at worst no shape. */
TEST(shape_hostile_attributes) {
    char buf[256];
    lp_builder *b = lp_build_new("test");
    lp_build_opset(b, "", 13);
    lp_build_input(b, "x", LP_FLOAT, "2,3,8,8");
    lp_test_init(b, "w", LP_FLOAT, "4,3,3,3", NULL);
    lp_test_init(b, "bad", LP_INT64, "2", (int64_t[]){-1, -1});
    lp_test_init(b, "huge", LP_INT64, "1", (int64_t[]){INT64_MAX});
    lp_test_init(b, "neg", LP_INT64, "1", (int64_t[]){INT64_MIN});
    lp_bnode *n = lp_build_node(b, "Transpose", "x", "t");
    lp_build_attr_ints(b, n, "perm", 4, (int64_t[]){0, 9, -1, 2});
    n = lp_build_node(b, "Conv", "x,w", "c");
    lp_build_attr_ints(b, n, "strides", 2, (int64_t[]){0, -5});
    n = lp_build_node(b, "Conv", "x,w", "c2");
    lp_build_attr_ints(b, n, "pads", 3, (int64_t[]){1, 1, 1});
    n = lp_build_node(b, "Gather", "x,bad", "g");
    lp_build_attr_int(b, n, "axis", 99);
    lp_build_node(b, "Reshape", "x,bad", "r");
    lp_build_node(b, "Unsqueeze", "x,huge", "u");
    lp_build_node(b, "Slice", "x,neg,huge,huge,neg", "s");
    lp_build_node(b, "Slice", "x,huge,neg", "s2");
    lp_build_node(b, "Expand", "x,neg", "e");
    lp_build_node(b, "ConstantOfShape", "huge", "cs");
    lp_build_node(b, "Tile", "x,huge", "ti");
    n = lp_build_node(b, "Split", "x", "p0,p1,p2");
    lp_build_attr_int(b, n, "axis", -7);
    n = lp_build_node(b, "MaxPool", "x", "mp");
    lp_build_attr_ints(b, n, "kernel_shape", 2, (int64_t[]){INT64_MAX, 0});
    n = lp_build_node(b, "Einsum", "x,x", "es");
    lp_build_attr_string(b, n, "equation", "abcd,...->!");
    n = lp_build_node(b, "Concat", "x,w,bad", "cc");
    lp_build_attr_int(b, n, "axis", INT64_MIN);
    lp_build_node(b, "Range", "huge,neg,huge", "rg");
    lp_build_node(b, "Div", "huge,neg", "dv");
    lp_build_node(b, "Mul", "huge,huge", "ml");
    lp_test_init(b, "bigpads", LP_INT64, "8", (int64_t[]){0, 0, INT64_MAX, 1, 0, 0, INT64_MAX, 1});
    lp_build_node(b, "Pad", "x,bigpads", "pd");
    n = lp_build_node(b, "ConvTranspose", "x,w", "ctr");
    lp_build_attr_ints(b, n, "strides", 2, (int64_t[]){(int64_t)1 << 31, 1});
    lp_build_attr_ints(b, n, "output_padding", 2, (int64_t[]){INT64_MAX, INT64_MIN});
    lp_build_node(b, "Reshape", "x,huge", "big");
    lp_build_node(b, "Flatten", "big", "bigf");
    lp_build_output(b, "t", LP_UNDEFINED, NULL);
    lp_model *m = lp_test_load(b);
    REQUIRE(m);
    CHECK_STR(TYPE(m, "t"), "float32[?]");
    CHECK_STR(TYPE(m, "g"), "float32[?]");
    CHECK_STR(TYPE(m, "r"), "float32[?,?]");
    CHECK_STR(TYPE(m, "s2"), "float32[0,3,8,8]");
    CHECK_STR(TYPE(m, "rg"), "int64[0]");
    CHECK_STR(TYPE(m, "pd"), "float32[2,3,?,10]");
    CHECK_STR(TYPE(m, "big"), "float32[?]"); /* a dim beyond 2^40 is held unknown */
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

/* Every backend test case declares its outputs' types. With those removed
** (and value_info), inference must find the same shapes or leave them
** unknown: a shape that disagrees with ONNX's own is a bug. */
typedef struct agreement {
    int outputs, exact, wrong;
} agreement;

static void compare_declared(const char *path, agreement *a) {
    uint8_t *bytes;
    size_t n;
    lp_error err;
    if (lp_read_file(path, (size_t)1 << 30, &bytes, &n, &err)) return;
    Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, n, bytes);
    free(bytes);
    if (!mp || !mp->graph) {
        if (mp) onnx__model_proto__free_unpacked(mp, NULL);
        return;
    }
    Onnx__GraphProto *g = mp->graph;
    Onnx__TypeProto **declared = lp_xcalloc(g->n_output + 1, sizeof *declared);
    for (size_t i = 0; i < g->n_output; i++)
        declared[i] = g->output[i]->type, g->output[i]->type = NULL;
    size_t n_vi = g->n_value_info;
    g->n_value_info = 0;
    n = onnx__model_proto__get_packed_size(mp);
    bytes = lp_xmalloc(n);
    onnx__model_proto__pack(mp, bytes);
    g->n_value_info = n_vi;
    lp_model *m = NULL;
    if (lp_model_parse(bytes, n, path, NULL, &m, &err) == LP_OK) {
        for (size_t i = 0; i < g->n_output; i++) {
            const Onnx__TypeProto *tp = declared[i];
            int v = lp_graph_find_value(m->graph, g->output[i]->name);
            if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE ||
                !tp->tensor_type->shape || v < 0)
                continue;
            const lp_value *val = &m->graph->values[v];
            if (val->init >= 0 || val->is_input) continue;
            const Onnx__TensorShapeProto *sh = tp->tensor_type->shape;
            const lp_type *t = &val->type;
            a->outputs++;
            if (t->kind != LP_KIND_TENSOR || t->rank < 0) continue;
            bool wrong = t->rank != (int)sh->n_dim ||
                         (tp->tensor_type->elem_type && t->elem != LP_UNDEFINED &&
                          t->elem != (lp_dtype)tp->tensor_type->elem_type);
            bool exact = t->elem != LP_UNDEFINED;
            for (int d = 0; !wrong && d < t->rank; d++) {
                if (sh->dim[d]->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE)
                    continue;
                if (t->dims[d].value < 0)
                    exact = false;
                else
                    wrong = t->dims[d].value != sh->dim[d]->dim_value;
            }
            if (wrong) {
                char got[256];
                fprintf(stderr, "  %s: output '%s' inferred as %s\n", path, val->name,
                        lp_type_str(t, got, sizeof got));
            }
            a->wrong += wrong;
            a->exact += exact && !wrong;
        }
        lp_model_free(m);
    }
    for (size_t i = 0; i < g->n_output; i++) g->output[i]->type = declared[i];
    free(declared);
    onnx__model_proto__free_unpacked(mp, NULL);
}

TEST(shape_agrees_with_backend_test_outputs) {
    static const char *dirs[] = {"node", "simple", "pytorch-converted", "pytorch-operator"};
    const char *shared = getenv("SHARED");
    agreement a = {0};
    for (size_t i = 0; i < LP_COUNT(dirs); i++) {
        char dir[512];
        snprintf(dir, sizeof dir, "%s/onnx-tests/%s", shared ? shared : "../shared", dirs[i]);
        DIR *d = opendir(dir);
        if (!d) continue; /* the shared data is optional */
        struct dirent *e;
        while ((e = readdir(d))) {
            char path[1024];
            snprintf(path, sizeof path, "%s/%s/model.onnx", dir, e->d_name);
            if (e->d_name[0] != '.' && !access(path, R_OK)) compare_declared(path, &a);
        }
        closedir(d);
    }
    CHECK(a.wrong == 0);
    /* most of the rest are data-dependent (a shape read from a graph input) */
    CHECK(a.exact >= a.outputs * 8 / 10);
}
