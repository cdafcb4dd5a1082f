/*
** test_concat_inplace.c — a Concat along an axis whose outer dims are all 1
** has its inputs written in place by their producers (session.c); inputs
** that are graph inputs or outputs, initializers, read elsewhere or twice,
** and Concats with outer dims > 1 or shapes unknown at plan time are copied,
** and shapes that differ from the plan at run time still give the right
** values.
*/
#include "model/build.h"
#include "ops/session.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

/* Data pointers of output 0 of the nodes run, by node name. */
typedef struct ctrace {
    const char *name[16];
    const char *data[16];
    int n;
} ctrace;

static void on_node(void *ctx, const lp_node *n, lp_rvalue *const *outs, int n_outs) {
    ctrace *t = ctx;
    if (t->n < 16 && n_outs > 0 && outs[0] && outs[0]->kind == LP_RV_TENSOR) {
        t->name[t->n] = n->name;
        t->data[t->n++] = outs[0]->t.data;
    }
}

static const char *ptr(const ctrace *t, const char *name) {
    for (int i = 0; i < t->n; i++)
        if (t->name[i] && !strcmp(t->name[i], name)) return t->data[i];
    return NULL;
}

#define N 16 /* floats per row: 64 bytes, the alignment views keep */

typedef struct cfix {
    lp_model *m;
    lp_session *s;
    ctrace tr;
    float x[2 * N];
    lp_rvalue in;
    lp_rvalue *outs[4];
} cfix;

static float xval(int i) {
    return (float)i * 0.5f - 5.0f;
}

static lp_builder *start(const char *xshape) {
    lp_builder *b = lp_build_new("concat");
    lp_build_opset(b, "", 17);
    lp_build_input(b, "x", LP_FLOAT, xshape);
    return b;
}

static lp_bnode *node(lp_builder *b, const char *op, const char *ins, const char *out) {
    lp_bnode *n = lp_build_node(b, op, ins, out);
    lp_build_node_name(b, n, out);
    return n;
}

static lp_bnode *concat(lp_builder *b, const char *ins, const char *out, int64_t axis) {
    lp_bnode *n = node(b, "Concat", ins, out);
    lp_build_attr_int(b, n, "axis", axis);
    return n;
}

/* Builds b (freed here), runs it `runs` times on x of shape (rows, N) and
** checks output 0 each time with `check`. */
static bool run(cfix *f, lp_builder *b, int rows, bool (*check)(const cfix *, const lp_tensor *)) {
    memset(f, 0, sizeof *f);
    lp_error err = {0};
    int rc = lp_build_model(b, "concat.onnx", &f->m, &err);
    lp_build_free(b);
    lp_session_opts o = {.threads = 1, .on_node = on_node, .on_node_ctx = &f->tr};
    if (!rc) rc = lp_session_create(f->m, &o, &f->s, &err);
    for (int i = 0; i < 2 * N; i++) f->x[i] = xval(i);
    f->in.kind = LP_RV_TENSOR;
    f->in.t = (lp_tensor){.dtype = LP_FLOAT,
                          .rank = 2,
                          .dims = {rows, N},
                          .numel = rows * N,
                          .data = f->x,
                          .nbytes = sizeof(float) * (size_t)(rows * N)};
    bool ok = rc == 0;
    for (int r = 0; ok && r < 2; r++) {
        f->tr.n = 0;
        rc = lp_session_run(f->s, &f->in, 1, f->outs, &err);
        ok = rc == 0 && f->outs[0]->kind == LP_RV_TENSOR && check(f, &f->outs[0]->t);
    }
    if (rc) fprintf(stderr, "  %s\n", err.msg);
    return ok;
}

static void close_fix(cfix *f) {
    lp_session_free(f->s);
    lp_model_free(f->m);
}

static float neg(float v) {
    return -v;
}
static float abs_(float v) {
    return v < 0 ? -v : v;
}
static float relu(float v) {
    return v < 0 ? 0 : v;
}
static float same(float v) {
    return v;
}

/* Row 0 of t, from column `at`, is f(x[0..count)). */
static bool part(const lp_tensor *t, int64_t at, float (*fn)(float), int count) {
    const float *y = t->data;
    for (int i = 0; i < count; i++)
        if (y[at + i] != fn(xval(i))) return false;
    return true;
}

static bool inside(const char *p, const char *base, size_t bytes) {
    return p && base && p >= base && p < base + bytes;
}

static bool neg_abs(const cfix *f, const lp_tensor *t) {
    (void)f;
    return t->numel == 2 * N && part(t, 0, neg, N) && part(t, N, abs_, N);
}

TEST(concat_inputs_written_in_place) {
    lp_builder *b = start("1,16");
    node(b, "Neg", "x", "a");
    node(b, "Abs", "x", "b");
    concat(b, "a,b", "y", 1);
    lp_build_output(b, "y", LP_FLOAT, "1,32");
    cfix f;
    REQUIRE(run(&f, b, 1, neg_abs));
    const char *y = ptr(&f.tr, "y");
    CHECK(y && ptr(&f.tr, "a") == y);
    CHECK(y && ptr(&f.tr, "b") == y + N * sizeof(float));
    close_fix(&f);
}

/* Relu fused into the Conv-less chain: Neg then Relu, the Relu's output in place. */
static bool neg_relu(const cfix *f, const lp_tensor *t) {
    (void)f;
    return t->numel == 3 * N && part(t, 0, neg, N) && part(t, N, relu, N) &&
           part(t, 2 * N, abs_, N);
}

TEST(concat_three_inputs_in_place_with_axis_minus_one) {
    lp_builder *b = start("1,16");
    node(b, "Neg", "x", "a");
    node(b, "Relu", "x", "r");
    node(b, "Abs", "x", "c");
    concat(b, "a,r,c", "y", -1);
    lp_build_output(b, "y", LP_FLOAT, "1,48");
    cfix f;
    REQUIRE(run(&f, b, 1, neg_relu));
    const char *y = ptr(&f.tr, "y");
    CHECK(y && ptr(&f.tr, "a") == y);
    CHECK(y && ptr(&f.tr, "r") == y + N * sizeof(float));
    CHECK(y && ptr(&f.tr, "c") == y + 2 * N * sizeof(float));
    close_fix(&f);
}

/* a is also a graph output: copied, b still in place. */
TEST(concat_graph_output_input_is_copied) {
    lp_builder *b = start("1,16");
    node(b, "Neg", "x", "a");
    node(b, "Abs", "x", "b");
    concat(b, "a,b", "y", 1);
    lp_build_output(b, "y", LP_FLOAT, "1,32");
    lp_build_output(b, "a", LP_FLOAT, "1,16");
    cfix f;
    REQUIRE(run(&f, b, 1, neg_abs));
    const char *y = ptr(&f.tr, "y");
    CHECK(!inside(ptr(&f.tr, "a"), y, 2 * N * sizeof(float)));
    CHECK(ptr(&f.tr, "b") == y + N * sizeof(float));
    CHECK(part(&f.outs[1]->t, 0, neg, N));
    close_fix(&f);
}

/* a is read by another node too: copied. */
TEST(concat_input_read_elsewhere_is_copied) {
    lp_builder *b = start("1,16");
    node(b, "Neg", "x", "a");
    node(b, "Abs", "x", "b");
    concat(b, "a,b", "y", 1);
    node(b, "Relu", "a", "z");
    lp_build_output(b, "y", LP_FLOAT, "1,32");
    lp_build_output(b, "z", LP_FLOAT, "1,16");
    cfix f;
    REQUIRE(run(&f, b, 1, neg_abs));
    const char *y = ptr(&f.tr, "y");
    CHECK(!inside(ptr(&f.tr, "a"), y, 2 * N * sizeof(float)));
    CHECK(ptr(&f.tr, "b") == y + N * sizeof(float));
    for (int i = 0; i < N; i++) CHECK(((float *)f.outs[1]->t.data)[i] == relu(-xval(i)));
    close_fix(&f);
}

static bool x_abs(const cfix *f, const lp_tensor *t) {
    (void)f;
    return t->numel == 2 * N && part(t, 0, same, N) && part(t, N, abs_, N);
}

/* The graph input is copied (and left intact); b is in place. */
TEST(concat_graph_input_is_copied) {
    lp_builder *b = start("1,16");
    node(b, "Abs", "x", "b");
    concat(b, "x,b", "y", 1);
    lp_build_output(b, "y", LP_FLOAT, "1,32");
    cfix f;
    REQUIRE(run(&f, b, 1, x_abs));
    const char *y = ptr(&f.tr, "y");
    CHECK(ptr(&f.tr, "b") == y + N * sizeof(float));
    for (int i = 0; i < N; i++) CHECK(f.x[i] == xval(i));
    close_fix(&f);
}

static bool w_abs(const cfix *f, const lp_tensor *t) {
    (void)f;
    const float *y = t->data;
    for (int i = 0; i < N; i++)
        if (y[i] != (float)i) return false;
    return t->numel == 2 * N && part(t, N, abs_, N);
}

TEST(concat_initializer_is_copied) {
    lp_builder *b = start("1,16");
    float w[N];
    for (int i = 0; i < N; i++) w[i] = (float)i;
    lp_build_init_f32(b, "W", 2, (int64_t[]){1, N}, w);
    node(b, "Abs", "x", "b");
    concat(b, "W,b", "y", 1);
    lp_build_output(b, "y", LP_FLOAT, "1,32");
    cfix f;
    REQUIRE(run(&f, b, 1, w_abs));
    CHECK(ptr(&f.tr, "b") == ptr(&f.tr, "y") + N * sizeof(float));
    close_fix(&f);
}

static bool neg_neg(const cfix *f, const lp_tensor *t) {
    (void)f;
    return t->numel == 2 * N && part(t, 0, neg, N) && part(t, N, neg, N);
}

TEST(concat_same_value_twice_is_copied) {
    lp_builder *b = start("1,16");
    node(b, "Neg", "x", "a");
    concat(b, "a,a", "y", 1);
    lp_build_output(b, "y", LP_FLOAT, "1,32");
    cfix f;
    REQUIRE(run(&f, b, 1, neg_neg));
    CHECK(!inside(ptr(&f.tr, "a"), ptr(&f.tr, "y"), 2 * N * sizeof(float)));
    close_fix(&f);
}

/* Two rows: each input is two runs in the output, never in place. */
static bool rows2(const cfix *f, const lp_tensor *t) {
    const float *y = t->data;
    if (t->numel != 4 * N) return false;
    for (int r = 0; r < 2; r++)
        for (int i = 0; i < N; i++) {
            float v = f->x[r * N + i];
            if (y[r * 2 * N + i] != -v || y[r * 2 * N + N + i] != abs_(v)) return false;
        }
    return true;
}

TEST(concat_outer_dim_above_one_is_copied) {
    lp_builder *b = start("2,16");
    node(b, "Neg", "x", "a");
    node(b, "Abs", "x", "b");
    concat(b, "a,b", "y", 1);
    lp_build_output(b, "y", LP_FLOAT, "2,32");
    cfix f;
    REQUIRE(run(&f, b, 2, rows2));
    const char *y = ptr(&f.tr, "y");
    CHECK(!inside(ptr(&f.tr, "a"), y, 4 * N * sizeof(float)));
    CHECK(!inside(ptr(&f.tr, "b"), y, 4 * N * sizeof(float)));
    close_fix(&f);
}

/* A symbolic batch: shapes unknown at plan time, copied (and right). */
TEST(concat_dynamic_shape_is_copied) {
    lp_builder *b = start("n,16");
    node(b, "Neg", "x", "a");
    node(b, "Abs", "x", "b");
    concat(b, "a,b", "y", 1);
    lp_build_output(b, "y", LP_FLOAT, "n,32");
    cfix f;
    REQUIRE(run(&f, b, 1, neg_abs));
    const char *y = ptr(&f.tr, "y");
    CHECK(!inside(ptr(&f.tr, "a"), y, 2 * N * sizeof(float)));
    CHECK(!inside(ptr(&f.tr, "b"), y, 2 * N * sizeof(float)));
    close_fix(&f);
}

/* The file declares r's shape wrongly ("1,0" or "1,32" where Relu gives
** 1,16): a and c are planned in place, r's producer falls back, and the
** Concat, finding c off its place, copies it from a snapshot (a stays in
** place when the buffer is big enough). */
static bool wrong_plan(const char *r_shape, const char *y_shape, bool kept) {
    lp_builder *b = start("1,16");
    node(b, "Neg", "x", "a");
    node(b, "Relu", "x", "r");
    node(b, "Abs", "x", "c");
    lp_build_value_info(b, "r", LP_FLOAT, r_shape);
    concat(b, "a,r,c", "y", 1);
    lp_build_output(b, "y", LP_FLOAT, y_shape);
    cfix f;
    bool ok = run(&f, b, 1, neg_relu) && (ptr(&f.tr, "a") == ptr(&f.tr, "y")) == kept;
    close_fix(&f);
    return ok;
}

TEST(concat_shapes_off_the_plan_still_right) {
    CHECK(wrong_plan("1,0", "1,32", false)); /* the planned buffer is too small */
    CHECK(wrong_plan("1,32", "1,64", true)); /* big enough: kept, c moved back */
}

/* A run that fails after a view is written (Gather out of range) leaves
** nothing behind: the next runs are right, in place again. */
TEST(concat_failed_run_then_right) {
    lp_builder *b = start("1,16");
    lp_build_input(b, "i", LP_INT64, "1");
    node(b, "Neg", "x", "a");
    lp_build_attr_int(b, node(b, "Gather", "x,i", "z"), "axis", 1);
    node(b, "Abs", "x", "c");
    concat(b, "a,c", "y", 1);
    lp_build_output(b, "y", LP_FLOAT, "1,32");
    lp_build_output(b, "z", LP_FLOAT, "1,1");
    lp_model *m = NULL;
    lp_session *s = NULL;
    lp_error err = {0};
    int rc = lp_build_model(b, "concat.onnx", &m, &err);
    lp_build_free(b);
    ctrace tr = {0};
    lp_session_opts o = {.threads = 2, .on_node = on_node, .on_node_ctx = &tr};
    if (!rc) rc = lp_session_create(m, &o, &s, &err);
    REQUIRE(rc == 0);
    float x[N];
    for (int i = 0; i < N; i++) x[i] = xval(i);
    int64_t idx = 100;
    lp_rvalue in[2] = {{.kind = LP_RV_TENSOR,
                        .t = {.dtype = LP_FLOAT,
                              .rank = 2,
                              .dims = {1, N},
                              .numel = N,
                              .data = x,
                              .nbytes = sizeof x}},
                       {.kind = LP_RV_TENSOR,
                        .t = {.dtype = LP_INT64,
                              .rank = 1,
                              .dims = {1},
                              .numel = 1,
                              .data = &idx,
                              .nbytes = sizeof idx}}};
    lp_rvalue *outs[2];
    CHECK(lp_session_run(s, in, 2, outs, &err) != 0);
    idx = 3;
    for (int r = 0; r < 2; r++) {
        tr.n = 0;
        REQUIRE(lp_session_run(s, in, 2, outs, &err) == 0);
        CHECK(outs[0]->t.numel == 2 * N && part(&outs[0]->t, 0, neg, N) &&
              part(&outs[0]->t, N, abs_, N));
        CHECK(((float *)outs[1]->t.data)[0] == xval(3));
        CHECK(ptr(&tr, "a") == ptr(&tr, "y"));
        CHECK(ptr(&tr, "c") == ptr(&tr, "y") + N * sizeof(float));
    }
    lp_session_free(s);
    lp_model_free(m);
}
