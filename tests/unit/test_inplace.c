/*
** test_inplace.c — the rules for taking over an input's buffer
** (lp_out_take): a value that dies at its step and belongs to the frame is
** reused by Reshape, Identity, Dropout and element-wise ops; graph outputs,
** values read later or twice by the node, the caller's inputs,
** initializers and outer-scope values are copied, never clobbered.
*/
#include "model/build.h"
#include "ops/session.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

/* The data pointer of output 0 of each node run, by op type. */
typedef struct trace {
    const char *op[16];
    const void *data[16];
    int n;
} trace;

static void on_node(void *ctx, const lp_node *n, lp_rvalue *const *outs, int n_outs) {
    trace *t = ctx;
    if (t->n < 16 && n_outs > 0 && outs[0] && outs[0]->kind == LP_RV_TENSOR) {
        t->op[t->n] = n->op_type;
        t->data[t->n++] = outs[0]->t.data;
    }
}

static const void *data_of(const trace *t, const char *op) {
    for (int i = 0; i < t->n; i++)
        if (!strcmp(t->op[i], op)) return t->data[i];
    return NULL;
}

static const float X[6] = {-1.5f, 2.0f, 0.25f, -3.0f, 4.0f, -0.5f};

typedef struct fixture {
    lp_model *m;
    lp_session *s;
    trace tr;
    float x[6]; /* the caller's input buffer */
    lp_rvalue in;
    lp_rvalue *outs[4];
} fixture;

/* Builds b (freed here), opens a session tracing data pointers and runs it
** twice on X (the trace is of the second run). */
static bool run_model(fixture *f, lp_builder *b, bool no_fuse) {
    memset(f, 0, sizeof *f);
    lp_error err = {0};
    int rc = lp_build_model(b, "inplace.onnx", &f->m, &err);
    lp_build_free(b);
    lp_session_opts o = {
        .threads = 1, .no_fuse = no_fuse, .on_node = on_node, .on_node_ctx = &f->tr};
    if (!rc) rc = lp_session_create(f->m, &o, &f->s, &err);
    memcpy(f->x, X, sizeof X);
    f->in.kind = LP_RV_TENSOR;
    f->in.t = (lp_tensor){.dtype = LP_FLOAT,
                          .rank = 2,
                          .dims = {2, 3},
                          .numel = 6,
                          .data = f->x,
                          .nbytes = sizeof f->x};
    for (int r = 0; !rc && r < 2; r++) {
        f->tr.n = 0;
        rc = lp_session_run(f->s, &f->in, 1, f->outs, &err);
    }
    if (rc) fprintf(stderr, "  %s\n", err.msg);
    return rc == 0;
}

static void close_fixture(fixture *f) {
    lp_session_free(f->s);
    lp_model_free(f->m);
}

static bool input_intact(const fixture *f) {
    return !memcmp(f->x, X, sizeof X);
}

/* v[i] == scale * X[i] (clamped at 0 with relu) for all six elements */
static bool values_are(const lp_rvalue *v, float scale, bool relu) {
    if (v->kind != LP_RV_TENSOR || v->t.numel != 6) return false;
    for (int i = 0; i < 6; i++) {
        float want = scale * X[i];
        if (relu && want < 0) want = 0;
        if (((const float *)v->t.data)[i] != want) return false;
    }
    return true;
}

static lp_builder *start(void) {
    lp_builder *b = lp_build_new("inplace");
    lp_build_opset(b, "", 17);
    lp_build_input(b, "x", LP_FLOAT, "2,3");
    return b;
}

/* a = Neg(x) dies at the Reshape, b at the Relu: one buffer throughout. */
TEST(inplace_reshape_and_relu_take_dying_values) {
    lp_builder *b = start();
    lp_build_init_i64(b, "s", 1, (int64_t[]){2}, (int64_t[]){3, 2});
    lp_build_node(b, "Neg", "x", "a");
    lp_build_node(b, "Reshape", "a,s", "r");
    lp_build_node(b, "Relu", "r", "y");
    lp_build_output(b, "y", LP_FLOAT, "3,2");
    fixture f;
    REQUIRE(run_model(&f, b, false));
    CHECK(values_are(f.outs[0], -1, true));
    CHECK(f.outs[0]->t.dims[0] == 3 && f.outs[0]->t.dims[1] == 2);
    CHECK(data_of(&f.tr, "Neg") != NULL);
    CHECK(data_of(&f.tr, "Reshape") == data_of(&f.tr, "Neg"));
    CHECK(data_of(&f.tr, "Relu") == data_of(&f.tr, "Neg"));
    CHECK(data_of(&f.tr, "Neg") != (const void *)f.x);
    CHECK(input_intact(&f));
    close_fixture(&f);
}

/* a is also a graph output: the Reshape copies it. */
TEST(inplace_graph_output_is_copied) {
    lp_builder *b = start();
    lp_build_init_i64(b, "s", 1, (int64_t[]){2}, (int64_t[]){3, 2});
    lp_build_node(b, "Neg", "x", "a");
    lp_build_node(b, "Reshape", "a,s", "r");
    lp_build_node(b, "Abs", "a", "y"); /* a's last reader, but a graph output */
    lp_build_output(b, "a", LP_FLOAT, "2,3");
    lp_build_output(b, "r", LP_FLOAT, "3,2");
    lp_build_output(b, "y", LP_FLOAT, "2,3");
    fixture f;
    REQUIRE(run_model(&f, b, false));
    CHECK(values_are(f.outs[0], -1, false));
    CHECK(values_are(f.outs[1], -1, false));
    for (int i = 0; i < 6; i++) CHECK(((float *)f.outs[2]->t.data)[i] == (X[i] < 0 ? -X[i] : X[i]));
    CHECK(data_of(&f.tr, "Reshape") != data_of(&f.tr, "Neg"));
    CHECK(data_of(&f.tr, "Abs") != data_of(&f.tr, "Neg"));
    CHECK(input_intact(&f));
    close_fixture(&f);
}

/* a is read again after the Reshape: copied there, taken by its last
** reader; the Reshape's copy then passes through the other shape ops. */
TEST(inplace_value_read_later_is_copied) {
    for (int no_fuse = 0; no_fuse < 2; no_fuse++) {
        lp_builder *b = start();
        lp_build_init_i64(b, "s", 1, (int64_t[]){2}, (int64_t[]){3, 2});
        lp_build_init_i64(b, "z", 1, (int64_t[]){1}, (int64_t[]){0});
        lp_build_node(b, "Neg", "x", "a");
        lp_build_node(b, "Reshape", "a,s", "r");
        lp_build_node(b, "Flatten", "r", "r2");      /* [3,2] */
        lp_build_node(b, "Unsqueeze", "r2,z", "r3"); /* [1,3,2] */
        lp_build_node(b, "Squeeze", "r3", "r4");     /* [3,2] */
        lp_build_node(b, "Identity", "r4", "c");
        lp_build_node(b, "Sub", "a,x", "y"); /* a's last reader */
        lp_build_output(b, "c", LP_FLOAT, "3,2");
        lp_build_output(b, "y", LP_FLOAT, "2,3");
        fixture f;
        REQUIRE(run_model(&f, b, no_fuse));
        const void *r = data_of(&f.tr, "Reshape");
        CHECK(r && r != data_of(&f.tr, "Neg"));
        CHECK(data_of(&f.tr, "Flatten") == r);
        CHECK(data_of(&f.tr, "Unsqueeze") == r);
        CHECK(data_of(&f.tr, "Squeeze") == r);
        CHECK(data_of(&f.tr, "Identity") == r);
        CHECK(data_of(&f.tr, "Sub") == data_of(&f.tr, "Neg"));
        CHECK(values_are(f.outs[0], -1, false));
        CHECK(f.outs[0]->t.rank == 2 && f.outs[0]->t.dims[0] == 3 && f.outs[0]->t.dims[1] == 2);
        CHECK(values_are(f.outs[1], -2, false));
        CHECK(input_intact(&f));
        close_fixture(&f);
    }
}

/* The caller's input is borrowed: Identity, Reshape and Relu over it copy. */
TEST(inplace_caller_input_is_never_taken) {
    lp_builder *b = start();
    lp_build_init_i64(b, "s", 1, (int64_t[]){1}, (int64_t[]){6});
    lp_build_node(b, "Identity", "x", "a");
    lp_build_node(b, "Neg", "a", "y"); /* takes a, which must not be x */
    lp_build_node(b, "Reshape", "x,s", "r");
    lp_build_node(b, "Relu", "r", "z");
    lp_build_output(b, "y", LP_FLOAT, "2,3");
    lp_build_output(b, "z", LP_FLOAT, "6");
    fixture f;
    REQUIRE(run_model(&f, b, false));
    CHECK(values_are(f.outs[0], -1, false));
    CHECK(values_are(f.outs[1], 1, true));
    CHECK(data_of(&f.tr, "Identity") != (const void *)f.x);
    CHECK(data_of(&f.tr, "Reshape") != (const void *)f.x);
    CHECK(data_of(&f.tr, "Neg") == data_of(&f.tr, "Identity"));
    CHECK(input_intact(&f));
    close_fixture(&f);
}

/* Initializers read at run time: never taken, so the second run sees them
** unchanged (y = x - w is 0 both times). */
TEST(inplace_initializer_is_never_taken) {
    for (int no_fuse = 0; no_fuse < 2; no_fuse++) {
        lp_builder *b = start();
        lp_build_init_f32(b, "w", 2, (int64_t[]){2, 3}, X);
        lp_build_node(b, "Neg", "w", "n");
        lp_build_node(b, "Add", "n,x", "y"); /* takes n, Neg's own result */
        lp_build_output(b, "y", LP_FLOAT, "2,3");
        fixture f;
        REQUIRE(run_model(&f, b, no_fuse)); /* two runs */
        for (int i = 0; i < 6; i++) CHECK(((float *)f.outs[0]->t.data)[i] == 0.0f);
        CHECK(input_intact(&f));
        close_fixture(&f);
    }
}

/* A value read through two slots of its last reader is not taken. */
TEST(inplace_value_read_twice_by_the_node_is_copied) {
    lp_builder *b = start();
    lp_build_node(b, "Neg", "x", "a");
    lp_build_node(b, "Add", "a,a", "y");
    lp_build_output(b, "y", LP_FLOAT, "2,3");
    fixture f;
    REQUIRE(run_model(&f, b, false));
    CHECK(values_are(f.outs[0], -2, false));
    CHECK(data_of(&f.tr, "Add") != data_of(&f.tr, "Neg"));
    close_fixture(&f);
}

/* Inference Dropout (with its mask asked for) passes its input's buffer on. */
TEST(inplace_dropout_takes_its_input) {
    lp_builder *b = start();
    lp_build_node(b, "Neg", "x", "a");
    lp_build_node(b, "Dropout", "a", "y,mask");
    lp_build_output(b, "y", LP_FLOAT, "2,3");
    lp_build_output(b, "mask", LP_BOOL, "2,3");
    fixture f;
    REQUIRE(run_model(&f, b, false));
    CHECK(values_are(f.outs[0], -1, false));
    for (int i = 0; i < 6; i++) CHECK(((uint8_t *)f.outs[1]->t.data)[i] == 1);
    CHECK(data_of(&f.tr, "Dropout") == data_of(&f.tr, "Neg"));
    close_fixture(&f);
}

/* An outer value read by a branch (and again after the If): the branch's
** Reshape copies it, and the main graph still reads it intact. */
TEST(inplace_outer_value_in_subgraph_is_copied) {
    lp_builder *then_b = lp_build_new("then");
    lp_build_init_i64(then_b, "s", 1, (int64_t[]){2}, (int64_t[]){2, 3});
    lp_build_node(then_b, "Reshape", "a,s", "r");
    lp_build_node(then_b, "Relu", "r", "q");
    lp_build_output(then_b, "q", LP_FLOAT, "2,3");
    lp_builder *else_b = lp_build_new("else");
    lp_build_node(else_b, "Identity", "a", "q");
    lp_build_output(else_b, "q", LP_FLOAT, "2,3");

    lp_builder *b = start();
    uint8_t yes = 1;
    lp_build_init_raw(b, "cond", LP_BOOL, 0, NULL, &yes, 1);
    lp_build_node(b, "Neg", "x", "a");
    lp_bnode *n = lp_build_node(b, "If", "cond", "q");
    lp_build_attr_graph(b, n, "then_branch", then_b);
    lp_build_attr_graph(b, n, "else_branch", else_b);
    lp_build_node(b, "Sub", "q,a", "y");
    lp_build_output(b, "y", LP_FLOAT, "2,3");
    fixture f;
    REQUIRE(run_model(&f, b, false));
    for (int i = 0; i < 6; i++) {
        float a = -X[i], q = a > 0 ? a : 0;
        CHECK(((float *)f.outs[0]->t.data)[i] == q - a);
    }
    CHECK(input_intact(&f));
    close_fixture(&f);
    lp_build_free(then_b);
    lp_build_free(else_b);
}
