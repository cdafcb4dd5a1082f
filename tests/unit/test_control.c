/*
** test_control.c — If, Loop, Scan and the session's handling of subgraphs:
** outer-scope values two levels up, body outputs that repeat a value or
** pass an input through, zero iterations, runaway loops refused, scan
** directions and axes, and a session run twice.
*/
#include "model/build.h"
#include "ops/session.h"
#include "test.h"

#include <stdlib.h>
#include <unistd.h>

/* Builds b into a model and a session; NULLs (and a message) on failure. */
static lp_session *open_session(lp_builder *b, lp_model **m) {
    lp_error err = {0};
    *m = NULL;
    if (lp_build_model(b, "test.onnx", m, &err)) {
        fprintf(stderr, "  build: %s\n", err.msg);
        return NULL;
    }
    lp_session *s;
    if (lp_session_create(*m, NULL, &s, &err)) {
        fprintf(stderr, "  session: %s\n", err.msg);
        return NULL;
    }
    return s;
}

static float fat(const lp_rvalue *v, int64_t i) { return ((const float *)v->t.data)[i]; }
static int64_t iat(const lp_rvalue *v, int64_t i) { return ((const int64_t *)v->t.data)[i]; }

static void init_bool(lp_builder *b, const char *name, uint8_t v) {
    lp_build_init_raw(b, name, LP_BOOL, 0, NULL, &v, 1);
}

/* Loop(M = 2^62, cond = false, v): no iteration runs, however large M is.
** The body lists the same value as carried output and scan output. */
TEST(loop_zero_iterations_huge_trip_count) {
    lp_builder *body = lp_build_new("body");
    lp_build_input(body, "i", LP_INT64, "");
    lp_build_input(body, "c", LP_BOOL, "");
    lp_build_input(body, "v", LP_FLOAT, "2");
    lp_build_node(body, "Identity", "c", "c2");
    lp_build_node(body, "Add", "v,v", "v2");
    lp_build_output(body, "c2", LP_BOOL, "");
    lp_build_output(body, "v2", LP_FLOAT, "2");
    lp_build_output(body, "v2", LP_FLOAT, "2");

    lp_builder *b = lp_build_new("main");
    lp_build_opset(b, "", 16);
    lp_build_input(b, "v0", LP_FLOAT, "2");
    lp_build_init_i64(b, "M", 0, NULL, (int64_t[]){(int64_t)1 << 62});
    init_bool(b, "cond", 0);
    lp_bnode *n = lp_build_node(b, "Loop", "M,cond,v0", "vf,scan");
    lp_build_attr_graph(b, n, "body", body);
    lp_build_output(b, "vf", LP_FLOAT, "2");
    lp_build_output(b, "scan", LP_FLOAT, NULL);

    lp_model *m;
    lp_session *s = open_session(b, &m);
    REQUIRE(s);
    lp_rvalue in = {.kind = LP_RV_TENSOR};
    lp_error err = {0};
    REQUIRE(lp_tensor_alloc(&in.t, LP_FLOAT, 1, (int64_t[]){2}, &err) == LP_OK);
    ((float *)in.t.data)[0] = 1.5f;
    ((float *)in.t.data)[1] = -2;
    lp_rvalue *outs[2];
    REQUIRE(lp_session_run(s, &in, 1, outs, &err) == LP_OK);
    CHECK(outs[0]->kind == LP_RV_TENSOR && outs[0]->t.numel == 2);
    CHECK(fat(outs[0], 0) == 1.5f && fat(outs[0], 1) == -2);
    /* an empty scan output, shaped [0, 2] from the body's declared type */
    CHECK(outs[1]->kind == LP_RV_TENSOR && outs[1]->t.rank == 2);
    CHECK(outs[1]->t.dims[0] == 0 && outs[1]->t.dims[1] == 2);
    lp_rvalue_clear(&in);
    lp_session_free(s);
    lp_model_free(m);
    lp_build_free(b);
    lp_build_free(body);
}

/* A while loop: no M, cond from the body (i < three, three from the main
** graph). The scan output is the body's input i passed straight through,
** and the carried value repeats as a second scan output. Runs twice. */
TEST(loop_while_outer_value_passthrough_and_rerun) {
    lp_builder *body = lp_build_new("body");
    lp_build_input(body, "i", LP_INT64, "");
    lp_build_input(body, "c", LP_BOOL, "");
    lp_build_input(body, "v", LP_FLOAT, "");
    lp_build_node(body, "Less", "i,three", "c2");
    lp_build_node(body, "Add", "v,v", "v2");
    lp_build_output(body, "c2", LP_BOOL, "");
    lp_build_output(body, "v2", LP_FLOAT, "");
    lp_build_output(body, "i", LP_INT64, "");
    lp_build_output(body, "v2", LP_FLOAT, "");

    lp_builder *b = lp_build_new("main");
    lp_build_opset(b, "", 16);
    lp_build_input(b, "v0", LP_FLOAT, "");
    lp_build_init_i64(b, "three", 0, NULL, (int64_t[]){3});
    init_bool(b, "cond", 1);
    lp_bnode *n = lp_build_node(b, "Loop", ",cond,v0", "vf,iters,vs");
    lp_build_attr_graph(b, n, "body", body);
    lp_build_output(b, "vf", LP_FLOAT, "");
    lp_build_output(b, "iters", LP_INT64, NULL);
    lp_build_output(b, "vs", LP_FLOAT, NULL);

    lp_model *m;
    lp_session *s = open_session(b, &m);
    REQUIRE(s);
    lp_rvalue in = {.kind = LP_RV_TENSOR};
    lp_error err = {0};
    REQUIRE(lp_tensor_alloc(&in.t, LP_FLOAT, 0, NULL, &err) == LP_OK);
    for (int run = 0; run < 2; run++) {
        *(float *)in.t.data = 1 + (float)run;
        lp_rvalue *outs[3];
        int rc = lp_session_run(s, &in, 1, outs, &err);
        if (rc) fprintf(stderr, "  %s\n", err.msg);
        REQUIRE(rc == LP_OK);
        /* i = 0, 1, 2 continue; i = 3 gives cond false after its iteration */
        CHECK(fat(outs[0], 0) == 16 * (1 + (float)run));
        REQUIRE(outs[1]->kind == LP_RV_TENSOR && outs[1]->t.rank == 1);
        CHECK(outs[1]->t.dims[0] == 4);
        for (int i = 0; i < 4; i++) CHECK(iat(outs[1], i) == i);
        REQUIRE(outs[2]->kind == LP_RV_TENSOR && outs[2]->t.dims[0] == 4);
        CHECK(fat(outs[2], 0) == 2 * (1 + (float)run) && fat(outs[2], 3) == 16 * (1 + (float)run));
    }
    lp_rvalue_clear(&in);
    lp_session_free(s);
    lp_model_free(m);
    lp_build_free(b);
    lp_build_free(body);
}

/* An If inside a Loop body whose branches read w from the main graph (two
** scopes up) and v from the body; the else branch returns the body's value
** itself. */
TEST(if_in_loop_reads_two_scopes_up) {
    lp_builder *then_b = lp_build_new("then");
    lp_build_node(then_b, "Add", "w,v", "r");
    lp_build_output(then_b, "r", LP_FLOAT, "");
    lp_builder *else_b = lp_build_new("else");
    lp_build_output(else_b, "v", LP_FLOAT, "");

    lp_builder *body = lp_build_new("body");
    lp_build_input(body, "i", LP_INT64, "");
    lp_build_input(body, "c", LP_BOOL, "");
    lp_build_input(body, "v", LP_FLOAT, "");
    lp_build_node(body, "Less", "i,two", "small");
    lp_bnode *iff = lp_build_node(body, "If", "small", "v2");
    lp_build_attr_graph(body, iff, "then_branch", then_b);
    lp_build_attr_graph(body, iff, "else_branch", else_b);
    lp_build_node(body, "Identity", "c", "c2");
    lp_build_output(body, "c2", LP_BOOL, "");
    lp_build_output(body, "v2", LP_FLOAT, "");

    lp_builder *b = lp_build_new("main");
    lp_build_opset(b, "", 16);
    lp_build_init_f32(b, "w", 0, NULL, (float[]){10});
    lp_build_init_f32(b, "v0", 0, NULL, (float[]){1});
    lp_build_init_i64(b, "two", 0, NULL, (int64_t[]){2});
    lp_build_init_i64(b, "M", 0, NULL, (int64_t[]){5});
    lp_bnode *n = lp_build_node(b, "Loop", "M,,v0", "vf");
    lp_build_attr_graph(b, n, "body", body);
    lp_build_output(b, "vf", LP_FLOAT, "");

    lp_model *m;
    lp_session *s = open_session(b, &m);
    REQUIRE(s);
    lp_rvalue *outs[1];
    lp_error err = {0};
    REQUIRE(lp_session_run(s, NULL, 0, outs, &err) == LP_OK);
    CHECK(fat(outs[0], 0) == 21); /* 1 + 10 + 10, then unchanged for i = 2, 3, 4 */
    lp_session_free(s);
    lp_model_free(m);
    lp_build_free(b);
    lp_build_free(body);
    lp_build_free(then_b);
    lp_build_free(else_b);
}

/* Loop("", "", v) would never end: refused as bad input, not run. */
TEST(loop_without_bounds_is_refused) {
    lp_builder *body = lp_build_new("body");
    lp_build_input(body, "i", LP_INT64, "");
    lp_build_input(body, "c", LP_BOOL, "");
    lp_build_input(body, "v", LP_FLOAT, "");
    lp_build_output(body, "c", LP_BOOL, "");
    lp_build_output(body, "v", LP_FLOAT, "");
    lp_builder *b = lp_build_new("main");
    lp_build_opset(b, "", 16);
    lp_build_init_f32(b, "v0", 0, NULL, (float[]){1});
    lp_bnode *n = lp_build_node(b, "Loop", ",,v0", "vf");
    lp_build_attr_graph(b, n, "body", body);
    lp_build_output(b, "vf", LP_FLOAT, "");
    lp_model *m;
    lp_session *s = open_session(b, &m);
    REQUIRE(s);
    lp_rvalue *outs[1];
    lp_error err = {0};
    CHECK(lp_session_run(s, NULL, 0, outs, &err) == LP_EINPUT);
    CHECK(strstr(err.msg, "never end") != NULL);
    lp_session_free(s);
    lp_model_free(m);
    lp_build_free(b);
    lp_build_free(body);
}

/* Scan over axis 1 backwards, stacking along axis 1 by prepending. */
TEST(scan_axes_and_directions) {
    lp_builder *body = lp_build_new("body");
    lp_build_input(body, "s", LP_FLOAT, "2");
    lp_build_input(body, "x", LP_FLOAT, "2");
    lp_build_node(body, "Add", "s,x", "s2");
    lp_build_node(body, "Identity", "s2", "y");
    lp_build_output(body, "s2", LP_FLOAT, "2");
    lp_build_output(body, "y", LP_FLOAT, "2");
    lp_builder *b = lp_build_new("main");
    lp_build_opset(b, "", 16);
    lp_build_input(b, "x", LP_FLOAT, "2,3");
    lp_build_init_f32(b, "s0", 1, (int64_t[]){2}, (float[]){0, 0});
    lp_bnode *n = lp_build_node(b, "Scan", "s0,x", "sf,ys");
    lp_build_attr_graph(b, n, "body", body);
    lp_build_attr_int(b, n, "num_scan_inputs", 1);
    lp_build_attr_ints(b, n, "scan_input_axes", 1, (int64_t[]){1});
    lp_build_attr_ints(b, n, "scan_input_directions", 1, (int64_t[]){1});
    lp_build_attr_ints(b, n, "scan_output_axes", 1, (int64_t[]){-1});
    lp_build_attr_ints(b, n, "scan_output_directions", 1, (int64_t[]){1});
    lp_build_output(b, "sf", LP_FLOAT, "2");
    lp_build_output(b, "ys", LP_FLOAT, "2,3");
    lp_model *m;
    lp_session *s = open_session(b, &m);
    REQUIRE(s);
    lp_rvalue in = {.kind = LP_RV_TENSOR};
    lp_error err = {0};
    REQUIRE(lp_tensor_alloc(&in.t, LP_FLOAT, 2, (int64_t[]){2, 3}, &err) == LP_OK);
    for (int i = 0; i < 6; i++) ((float *)in.t.data)[i] = (float)(i + 1);
    for (int run = 0; run < 2; run++) {
        lp_rvalue *outs[2];
        REQUIRE(lp_session_run(s, &in, 1, outs, &err) == LP_OK);
        CHECK(fat(outs[0], 0) == 6 && fat(outs[0], 1) == 15);
        REQUIRE(outs[1]->t.rank == 2 && outs[1]->t.dims[0] == 2 && outs[1]->t.dims[1] == 3);
        const float want[6] = {6, 5, 3, 15, 11, 6};
        for (int i = 0; i < 6; i++) CHECK(fat(outs[1], i) == want[i]);
    }
    lp_rvalue_clear(&in);
    lp_session_free(s);
    lp_model_free(m);
    lp_build_free(b);
    lp_build_free(body);
}

/* SequenceAt out of range fails the node as bad input; in range copies. */
TEST(sequence_at_checks_position) {
    lp_builder *b = lp_build_new("main");
    lp_build_opset(b, "", 16);
    lp_build_input(b, "pos", LP_INT64, "");
    lp_build_init_f32(b, "a", 1, (int64_t[]){1}, (float[]){7});
    lp_build_init_f32(b, "b", 1, (int64_t[]){2}, (float[]){8, 9});
    lp_build_node(b, "SequenceConstruct", "a,b", "seq");
    lp_build_node(b, "SequenceAt", "seq,pos", "t");
    lp_build_output(b, "t", LP_FLOAT, NULL);
    lp_model *m;
    lp_session *s = open_session(b, &m);
    REQUIRE(s);
    lp_rvalue in = {.kind = LP_RV_TENSOR};
    lp_error err = {0};
    REQUIRE(lp_tensor_alloc(&in.t, LP_INT64, 0, NULL, &err) == LP_OK);
    lp_rvalue *outs[1];
    *(int64_t *)in.t.data = -1;
    REQUIRE(lp_session_run(s, &in, 1, outs, &err) == LP_OK);
    CHECK(outs[0]->t.numel == 2 && fat(outs[0], 1) == 9);
    *(int64_t *)in.t.data = 2;
    CHECK(lp_session_run(s, &in, 1, outs, &err) == LP_EINPUT);
    CHECK(strstr(err.msg, "outside") != NULL);
    *(int64_t *)in.t.data = -3;
    CHECK(lp_session_run(s, &in, 1, outs, &err) == LP_EINPUT);
    *(int64_t *)in.t.data = 0;
    REQUIRE(lp_session_run(s, &in, 1, outs, &err) == LP_OK);
    CHECK(outs[0]->t.numel == 1 && fat(outs[0], 0) == 7);
    lp_rvalue_clear(&in);
    lp_session_free(s);
    lp_model_free(m);
    lp_build_free(b);
}

/* A sequence written as a SequenceProto reads back the same, and an empty
** optional as an OptionalProto. */
TEST(rvalue_pb_round_trip) {
    lp_error err = {0};
    lp_rvalue seq = {.kind = LP_RV_SEQUENCE}, item = {.kind = LP_RV_TENSOR};
    REQUIRE(lp_tensor_alloc(&item.t, LP_STRING, 1, (int64_t[]){2}, &err) == LP_OK);
    free(((char **)item.t.data)[1]);
    ((char **)item.t.data)[1] = lp_xstrdup("hello");
    REQUIRE(lp_seq_append(&seq, &item, &err) == LP_OK);
    REQUIRE(lp_seq_append(&seq, &item, &err) == LP_OK);
    char path[] = "/tmp/loupe_rv_XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    REQUIRE(lp_rvalue_write_pb(path, &seq, "s", &err) == LP_OK);
    lp_type elem = {.kind = LP_KIND_TENSOR, .elem = LP_STRING, .rank = -1};
    lp_type st = {.kind = LP_KIND_SEQUENCE, .inner = &elem, .rank = -1};
    lp_rvalue back = {0};
    REQUIRE(lp_rvalue_load_pb(path, &st, &back, &err) == LP_OK);
    CHECK(back.kind == LP_RV_SEQUENCE && back.n_items == 2);
    CHECK(back.n_items == 2 && !strcmp(((char **)back.items[1].t.data)[1], "hello"));
    lp_rvalue none = {.optional_none = true};
    REQUIRE(lp_rvalue_write_pb(path, &none, "o", &err) == LP_OK);
    lp_type ot = {.kind = LP_KIND_OPTIONAL, .inner = &elem, .rank = -1};
    REQUIRE(lp_rvalue_load_pb(path, &ot, &back, &err) == LP_OK);
    CHECK(back.kind == LP_RV_NONE && back.optional_none);
    remove(path);
    lp_rvalue_clear(&back);
    lp_rvalue_clear(&item);
    lp_rvalue_clear(&seq);
}

/* A Loop in a Loop: the inner body reads w from the main graph and zero, a
** value the outer body computes, so zero must stay alive (an implicit input
** of the inner Loop) until the inner Loop has run. */
TEST(nested_loops_capture_across_levels) {
    lp_builder *inner = lp_build_new("inner");
    lp_build_input(inner, "j", LP_INT64, "");
    lp_build_input(inner, "c", LP_BOOL, "");
    lp_build_input(inner, "a", LP_FLOAT, "");
    lp_build_node(inner, "Add", "a,w", "t");
    lp_build_node(inner, "Add", "t,zero", "a2");
    lp_build_node(inner, "Identity", "c", "c2");
    lp_build_output(inner, "c2", LP_BOOL, "");
    lp_build_output(inner, "a2", LP_FLOAT, "");

    lp_builder *outer = lp_build_new("outer");
    lp_build_input(outer, "i", LP_INT64, "");
    lp_build_input(outer, "c", LP_BOOL, "");
    lp_build_input(outer, "acc", LP_FLOAT, "");
    lp_build_node(outer, "Sub", "acc,acc", "zero");
    lp_bnode *n = lp_build_node(outer, "Loop", "four,,acc", "acc2");
    lp_build_attr_graph(outer, n, "body", inner);
    lp_build_node(outer, "Identity", "c", "c2");
    lp_build_output(outer, "c2", LP_BOOL, "");
    lp_build_output(outer, "acc2", LP_FLOAT, "");

    lp_builder *b = lp_build_new("main");
    lp_build_opset(b, "", 16);
    lp_build_input(b, "w", LP_FLOAT, "");
    lp_build_init_i64(b, "three", 0, NULL, (int64_t[]){3});
    lp_build_init_i64(b, "four", 0, NULL, (int64_t[]){4});
    lp_build_init_f32(b, "a0", 0, NULL, (float[]){0.5f});
    n = lp_build_node(b, "Loop", "three,,a0", "res");
    lp_build_attr_graph(b, n, "body", outer);
    lp_build_output(b, "res", LP_FLOAT, "");

    lp_model *m;
    lp_session *s = open_session(b, &m);
    REQUIRE(s);
    lp_rvalue in = {.kind = LP_RV_TENSOR};
    lp_error err = {0};
    REQUIRE(lp_tensor_alloc(&in.t, LP_FLOAT, 0, NULL, &err) == LP_OK);
    for (int run = 0; run < 2; run++) {
        *(float *)in.t.data = (float)(run + 1);
        lp_rvalue *outs[1];
        int rc = lp_session_run(s, &in, 1, outs, &err);
        if (rc) fprintf(stderr, "  %s\n", err.msg);
        REQUIRE(rc == LP_OK);
        CHECK(fat(outs[0], 0) == 0.5f + 12 * (float)(run + 1));
    }
    lp_rvalue_clear(&in);
    lp_session_free(s);
    lp_model_free(m);
    lp_build_free(b);
    lp_build_free(outer);
    lp_build_free(inner);
}
