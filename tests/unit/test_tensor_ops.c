/*
** test_tensor_ops.c — the tensor-manipulation, indexing and reduction
** kernels, called directly through the registry on hand-made nodes: the
** paths the ONNX node cases miss (old opsets, strings, tiled transposes,
** the sgemm route of Einsum, hostile indices).
*/
#include "ops/registry.h"
#include "ops/session_impl.h"
#include "test.h"

#include <math.h>
#include <stdlib.h>

/* ---- a one-node harness ---- */

typedef struct tk {
    lp_session *sess;
    lp_node node;
    lp_attr attrs[8];
    lp_rvalue ins[8], outs[4];
    lp_rvalue *in[8], *out[4];
    int n_in, n_out;
    lp_error err;
} tk;

static tk *tk_new(const char *op, int n_out) {
    tk *t = calloc(1, sizeof *t);
    t->sess = calloc(1, sizeof *t->sess);
    t->node =
        (lp_node){.name = "n", .op_type = op, .domain = "", .attrs = t->attrs, .function = -1};
    t->n_out = n_out;
    for (int i = 0; i < n_out; i++) t->out[i] = &t->outs[i];
    return t;
}

static void tk_free(tk *t) {
    for (int i = 0; i < t->n_in; i++) lp_rvalue_clear(&t->ins[i]);
    for (int i = 0; i < t->n_out; i++) lp_frame_release(t->sess, &t->outs[i]);
    lp_session_free(t->sess);
    free(t);
}

/* Adds an input of any type from a C array (strings: const char *[]). */
static void tk_in(tk *t, lp_dtype dt, int rank, const int64_t *dims, const void *data) {
    lp_rvalue *v = &t->ins[t->n_in];
    v->kind = LP_RV_TENSOR;
    lp_error err;
    lp_tensor_alloc(&v->t, dt, rank, dims, &err);
    if (dt == LP_STRING) {
        for (int64_t i = 0; i < v->t.numel; i++) {
            free(((char **)v->t.data)[i]);
            ((char **)v->t.data)[i] = strdup(((const char *const *)data)[i]);
        }
    } else if (v->t.nbytes) {
        memcpy(v->t.data, data, v->t.nbytes);
    }
    t->in[t->n_in] = v;
    t->n_in++;
}

static void tk_skip(tk *t) {
    t->in[t->n_in++] = NULL;
}

static void tk_ints(tk *t, const char *name, const int64_t *v, int n) {
    lp_attr *a = &t->attrs[t->node.n_attrs++];
    *a = (lp_attr){.name = name, .type = LP_ATTR_INTS, .n = n, .ints = (int64_t *)v};
}

static void tk_int(tk *t, const char *name, int64_t v) {
    lp_attr *a = &t->attrs[t->node.n_attrs++];
    *a = (lp_attr){.name = name, .type = LP_ATTR_INT, .i = v};
}

static void tk_str(tk *t, const char *name, const char *s) {
    lp_attr *a = &t->attrs[t->node.n_attrs++];
    *a = (lp_attr){.name = name, .type = LP_ATTR_STRING, .s = s, .s_len = strlen(s)};
}

static int tk_run(tk *t, int opset) {
    const lp_kernel *kern = lp_registry_find("", t->node.op_type, opset);
    if (!kern) return -1;
    t->node.opset = opset;
    t->node.inputs = NULL;
    t->node.n_inputs = t->n_in;
    t->node.n_outputs = t->n_out;
    lp_kctx k = {.node = &t->node,
                 .opset = opset,
                 .in = t->in,
                 .n_in = t->n_in,
                 .out = t->out,
                 .n_out = t->n_out,
                 .sess = t->sess,
                 .err = &t->err};
    return kern->run(&k);
}

static const lp_tensor *tk_out(tk *t, int i) {
    return &t->outs[i].t;
}

static bool dims_are(const lp_tensor *y, int rank, const int64_t *dims) {
    if (y->rank != rank) return false;
    for (int i = 0; i < rank; i++)
        if (y->dims[i] != dims[i]) return false;
    return true;
}

static bool f32_are(const lp_tensor *y, const float *want, int64_t n, float tol) {
    if (y->dtype != LP_FLOAT || y->numel != n) return false;
    for (int64_t i = 0; i < n; i++)
        if (!(fabsf(((const float *)y->data)[i] - want[i]) <= tol)) return false;
    return true;
}

static bool i64_are(const lp_tensor *y, const int64_t *want, int64_t n) {
    if (y->dtype != LP_INT64 || y->numel != n) return false;
    return n == 0 || memcmp(y->data, want, (size_t)n * 8) == 0;
}

#define D(...) ((const int64_t[]){__VA_ARGS__})
#define F(...) ((const float[]){__VA_ARGS__})

/* ---- data movement ---- */

TEST(transpose_large_uses_tiles_correctly) {
    enum { R = 67, C = 45, Z = 3 };
    static float x[R * C * Z];
    for (int i = 0; i < R * C * Z; i++) x[i] = (float)i;
    int64_t perms[][3] = {{1, 0, 2}, {2, 1, 0}, {0, 2, 1}, {1, 2, 0}, {2, 0, 1}};
    for (size_t p = 0; p < LP_COUNT(perms); p++) {
        tk *t = tk_new("Transpose", 1);
        tk_in(t, LP_FLOAT, 3, D(R, C, Z), x);
        tk_ints(t, "perm", perms[p], 3);
        REQUIRE(tk_run(t, 13) == LP_OK);
        const lp_tensor *y = tk_out(t, 0);
        int64_t xd[3] = {R, C, Z}, xs[3] = {C * Z, Z, 1};
        int64_t yd[3] = {xd[perms[p][0]], xd[perms[p][1]], xd[perms[p][2]]};
        CHECK(dims_are(y, 3, yd));
        bool ok = true;
        for (int64_t a = 0; a < yd[0]; a++)
            for (int64_t b = 0; b < yd[1]; b++)
                for (int64_t c = 0; c < yd[2]; c++) {
                    int64_t src = a * xs[perms[p][0]] + b * xs[perms[p][1]] + c * xs[perms[p][2]];
                    ok &= ((float *)y->data)[(a * yd[1] + b) * yd[2] + c] == x[src];
                }
        CHECK(ok);
        tk_free(t);
    }
}

TEST(transpose_strings_and_bad_perm) {
    const char *s[] = {"a", "b", "c", "d", "e", "f"};
    tk *t = tk_new("Transpose", 1);
    tk_in(t, LP_STRING, 2, D(2, 3), s);
    REQUIRE(tk_run(t, 13) == LP_OK);
    char **y = tk_out(t, 0)->data;
    CHECK_STR(y[0], "a");
    CHECK_STR(y[1], "d");
    CHECK_STR(y[5], "f");
    tk_free(t);

    t = tk_new("Transpose", 1);
    tk_in(t, LP_FLOAT, 2, D(2, 3), F(1, 2, 3, 4, 5, 6));
    tk_ints(t, "perm", D(0, 0), 2);
    CHECK(tk_run(t, 13) == LP_EINPUT);
    CHECK(strstr(t->err.msg, "perm") != NULL);
    tk_free(t);
}

TEST(reshape_old_opset_attribute_and_errors) {
    tk *t = tk_new("Reshape", 1);
    tk_in(t, LP_FLOAT, 2, D(2, 3), F(1, 2, 3, 4, 5, 6));
    tk_ints(t, "shape", D(3, -1), 2);
    REQUIRE(tk_run(t, 4) == LP_OK);
    CHECK(dims_are(tk_out(t, 0), 2, D(3, 2)));
    tk_free(t);

    t = tk_new("Reshape", 1);
    tk_in(t, LP_FLOAT, 2, D(2, 3), F(1, 2, 3, 4, 5, 6));
    tk_in(t, LP_INT64, 1, D(2), D(4, -1));
    CHECK(tk_run(t, 14) == LP_EINPUT);
    tk_free(t);

    t = tk_new("Reshape", 1);
    tk_in(t, LP_FLOAT, 2, D(2, 3), F(1, 2, 3, 4, 5, 6));
    tk_in(t, LP_INT64, 2, D(-1, -1), D(0));
    CHECK(tk_run(t, 14) == LP_EINPUT);
    tk_free(t);
}

TEST(squeeze_unsqueeze_attribute_opsets) {
    tk *t = tk_new("Squeeze", 1);
    tk_in(t, LP_FLOAT, 3, D(1, 2, 1), F(1, 2));
    tk_ints(t, "axes", D(-1), 1);
    REQUIRE(tk_run(t, 11) == LP_OK);
    CHECK(dims_are(tk_out(t, 0), 2, D(1, 2)));
    tk_free(t);

    t = tk_new("Squeeze", 1);
    tk_in(t, LP_FLOAT, 3, D(1, 2, 1), F(1, 2));
    tk_in(t, LP_INT64, 1, D(1), D(1));
    CHECK(tk_run(t, 13) == LP_EINPUT); /* axis 1 has size 2 */
    tk_free(t);

    t = tk_new("Unsqueeze", 1);
    tk_in(t, LP_FLOAT, 1, D(2), F(1, 2));
    tk_ints(t, "axes", D(0, 2), 2);
    REQUIRE(tk_run(t, 11) == LP_OK);
    CHECK(dims_are(tk_out(t, 0), 3, D(1, 2, 1)));
    tk_free(t);
}

TEST(slice_negative_steps_clamp_and_opset1) {
    float x[20];
    for (int i = 0; i < 20; i++) x[i] = (float)i;
    tk *t = tk_new("Slice", 1);
    tk_in(t, LP_FLOAT, 2, D(4, 5), x);
    tk_in(t, LP_INT64, 1, D(2), D(100, -1));
    tk_in(t, LP_INT64, 1, D(2), D(-100, INT64_MIN));
    tk_in(t, LP_INT64, 1, D(2), D(0, 1));
    tk_in(t, LP_INT64, 1, D(2), D(-2, -3));
    REQUIRE(tk_run(t, 13) == LP_OK);
    /* rows 3, 1; columns 4, 1 */
    CHECK(dims_are(tk_out(t, 0), 2, D(2, 2)));
    CHECK(f32_are(tk_out(t, 0), F(19, 16, 9, 6), 4, 0));
    tk_free(t);

    t = tk_new("Slice", 1); /* axes omitted, steps given */
    tk_in(t, LP_FLOAT, 2, D(4, 5), x);
    tk_in(t, LP_INT64, 1, D(1), D(-1));
    tk_in(t, LP_INT64, 1, D(1), D(-5));
    tk_skip(t);
    tk_in(t, LP_INT64, 1, D(1), D(-2));
    REQUIRE(tk_run(t, 13) == LP_OK);
    CHECK(dims_are(tk_out(t, 0), 2, D(2, 5)));
    CHECK(((float *)tk_out(t, 0)->data)[5] == 5);
    tk_free(t);

    t = tk_new("Slice", 1);
    tk_in(t, LP_FLOAT, 2, D(4, 5), x);
    tk_ints(t, "starts", D(1), 1);
    tk_ints(t, "ends", D(1000), 1);
    tk_ints(t, "axes", D(1), 1);
    REQUIRE(tk_run(t, 1) == LP_OK);
    CHECK(dims_are(tk_out(t, 0), 2, D(4, 4)));
    tk_free(t);

    t = tk_new("Slice", 1);
    tk_in(t, LP_FLOAT, 2, D(4, 5), x);
    tk_in(t, LP_INT64, 1, D(1), D(0));
    tk_in(t, LP_INT64, 1, D(1), D(2));
    tk_in(t, LP_INT64, 1, D(1), D(0));
    tk_in(t, LP_INT64, 1, D(1), D(0));
    CHECK(tk_run(t, 13) == LP_EINPUT); /* step 0 */
    tk_free(t);
}

TEST(pad_modes_and_old_opset) {
    /* reflect with pads wider than the input, edge, wrap, negative (crop) */
    tk *t = tk_new("Pad", 1);
    tk_in(t, LP_FLOAT, 1, D(3), F(1, 2, 3));
    tk_in(t, LP_INT64, 1, D(2), D(4, 3));
    tk_str(t, "mode", "reflect");
    REQUIRE(tk_run(t, 18) == LP_OK);
    CHECK(f32_are(tk_out(t, 0), F(1, 2, 3, 2, 1, 2, 3, 2, 1, 2), 10, 0));
    tk_free(t);

    t = tk_new("Pad", 1);
    tk_in(t, LP_FLOAT, 2, D(2, 2), F(1, 2, 3, 4));
    tk_in(t, LP_INT64, 1, D(4), D(0, 1, 1, -1));
    tk_str(t, "mode", "edge");
    REQUIRE(tk_run(t, 18) == LP_OK);
    CHECK(dims_are(tk_out(t, 0), 2, D(3, 2)));
    CHECK(f32_are(tk_out(t, 0), F(1, 1, 3, 3, 3, 3), 6, 0));
    tk_free(t);

    t = tk_new("Pad", 1);
    tk_in(t, LP_FLOAT, 1, D(3), F(1, 2, 3));
    tk_ints(t, "pads", D(1, 2), 2);
    lp_attr *a = &t->attrs[t->node.n_attrs++];
    *a = (lp_attr){.name = "value", .type = LP_ATTR_FLOAT, .f = 7};
    REQUIRE(tk_run(t, 2) == LP_OK);
    CHECK(f32_are(tk_out(t, 0), F(7, 1, 2, 3, 7, 7), 6, 0));
    tk_free(t);

    const char *s[] = {"x", "y"};
    const char *fill[] = {"-"};
    t = tk_new("Pad", 1);
    tk_in(t, LP_STRING, 1, D(2), s);
    tk_in(t, LP_INT64, 1, D(2), D(1, 1));
    tk_in(t, LP_STRING, 0, NULL, fill);
    REQUIRE(tk_run(t, 18) == LP_OK);
    char **y = tk_out(t, 0)->data;
    CHECK_STR(y[0], "-");
    CHECK_STR(y[1], "x");
    CHECK_STR(y[3], "-");
    tk_free(t);
}

TEST(split_and_tile) {
    tk *t = tk_new("Split", 3);
    tk_in(t, LP_FLOAT, 1, D(7), F(1, 2, 3, 4, 5, 6, 7));
    tk_int(t, "num_outputs", 3);
    REQUIRE(tk_run(t, 18) == LP_OK);
    CHECK(f32_are(tk_out(t, 0), F(1, 2, 3), 3, 0));
    CHECK(f32_are(tk_out(t, 2), F(7), 1, 0));
    tk_free(t);

    t = tk_new("Split", 2);
    tk_in(t, LP_FLOAT, 1, D(5), F(1, 2, 3, 4, 5));
    tk_ints(t, "split", D(1, 4), 2);
    REQUIRE(tk_run(t, 11) == LP_OK);
    CHECK(f32_are(tk_out(t, 1), F(2, 3, 4, 5), 4, 0));
    tk_free(t);

    t = tk_new("Split", 2);
    tk_in(t, LP_FLOAT, 1, D(5), F(1, 2, 3, 4, 5));
    CHECK(tk_run(t, 13) == LP_EINPUT); /* 5 does not split evenly in 2 before opset 18 */
    tk_free(t);

    t = tk_new("Tile", 1);
    tk_in(t, LP_FLOAT, 2, D(2, 2), F(1, 2, 3, 4));
    tk_in(t, LP_INT64, 1, D(2), D(2, 3));
    REQUIRE(tk_run(t, 13) == LP_OK);
    const lp_tensor *y = tk_out(t, 0);
    CHECK(dims_are(y, 2, D(4, 6)));
    CHECK(f32_are(y, F(1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4), 24,
                  0));
    tk_free(t);
}

/* ---- indexing ---- */

TEST(gather_rejects_out_of_range_indices) {
    tk *t = tk_new("Gather", 1);
    tk_in(t, LP_FLOAT, 2, D(3, 2), F(1, 2, 3, 4, 5, 6));
    tk_in(t, LP_INT64, 1, D(2), D(2, 3));
    CHECK(tk_run(t, 13) == LP_EINPUT);
    CHECK(strstr(t->err.msg, "out of range") != NULL);
    tk_free(t);

    t = tk_new("Gather", 1);
    tk_in(t, LP_FLOAT, 2, D(3, 2), F(1, 2, 3, 4, 5, 6));
    tk_in(t, LP_INT32, 1, D(2), ((const int32_t[]){-1, 0}));
    tk_int(t, "axis", 1);
    REQUIRE(tk_run(t, 13) == LP_OK);
    CHECK(f32_are(tk_out(t, 0), F(2, 1, 4, 3, 6, 5), 6, 0));
    tk_free(t);

    const int64_t bad[] = {0, 5};
    t = tk_new("GatherElements", 1);
    tk_in(t, LP_FLOAT, 1, D(3), F(1, 2, 3));
    tk_in(t, LP_INT64, 1, D(2), bad);
    CHECK(tk_run(t, 13) == LP_EINPUT);
    tk_free(t);

    t = tk_new("ScatterND", 1);
    tk_in(t, LP_FLOAT, 1, D(3), F(1, 2, 3));
    tk_in(t, LP_INT64, 2, D(1, 1), D(-4));
    tk_in(t, LP_FLOAT, 1, D(1), F(9));
    CHECK(tk_run(t, 18) == LP_EINPUT);
    tk_free(t);
}

TEST(scatter_elements_reductions_on_ints) {
    tk *t = tk_new("ScatterElements", 1);
    tk_in(t, LP_INT64, 1, D(3), D(5, 5, 5));
    tk_in(t, LP_INT64, 1, D(3), D(0, 0, 2));
    tk_in(t, LP_INT64, 1, D(3), D(2, 3, -1));
    tk_str(t, "reduction", "mul");
    REQUIRE(tk_run(t, 18) == LP_OK);
    CHECK(i64_are(tk_out(t, 0), D(30, 5, -5), 3));
    tk_free(t);
}

TEST(unique_strings_unsorted) {
    const char *s[] = {"b", "a", "b", "c", "a"};
    tk *t = tk_new("Unique", 4);
    tk_in(t, LP_STRING, 1, D(5), s);
    tk_int(t, "sorted", 0);
    REQUIRE(tk_run(t, 11) == LP_OK);
    char **y = tk_out(t, 0)->data;
    REQUIRE(tk_out(t, 0)->numel == 3);
    CHECK_STR(y[0], "b");
    CHECK_STR(y[1], "a");
    CHECK_STR(y[2], "c");
    CHECK(i64_are(tk_out(t, 1), D(0, 1, 3), 3));
    CHECK(i64_are(tk_out(t, 2), D(0, 1, 0, 2, 1), 5));
    CHECK(i64_are(tk_out(t, 3), D(2, 2, 1), 3));
    tk_free(t);
}

TEST(topk_ties_and_old_opset) {
    tk *t = tk_new("TopK", 2);
    tk_in(t, LP_FLOAT, 1, D(5), F(1, 3, 3, 2, 3));
    tk_in(t, LP_INT64, 1, D(1), D(2));
    REQUIRE(tk_run(t, 11) == LP_OK);
    CHECK(f32_are(tk_out(t, 0), F(3, 3), 2, 0));
    CHECK(i64_are(tk_out(t, 1), D(1, 2), 2));
    tk_free(t);

    t = tk_new("TopK", 2);
    tk_in(t, LP_INT64, 1, D(4), D(INT64_MAX, INT64_MAX - 1, 0, -3));
    tk_int(t, "k", 3);
    REQUIRE(tk_run(t, 1) == LP_OK);
    CHECK(i64_are(tk_out(t, 0), D(INT64_MAX, INT64_MAX - 1, 0), 3));
    tk_free(t);
}

/* ---- reductions ---- */

TEST(reduce_int64_exact_and_split_axes) {
    tk *t = tk_new("ReduceSum", 1);
    tk_in(t, LP_INT64, 1, D(2), D(((int64_t)1 << 60) + 1, 2));
    tk_int(t, "keepdims", 0);
    REQUIRE(tk_run(t, 11) == LP_OK);
    CHECK(i64_are(tk_out(t, 0), D(((int64_t)1 << 60) + 3), 1));
    tk_free(t);

    /* axes 0 and 2 of [2,3,2]: not adjacent */
    float x[12];
    for (int i = 0; i < 12; i++) x[i] = (float)i;
    t = tk_new("ReduceMax", 1);
    tk_in(t, LP_FLOAT, 3, D(2, 3, 2), x);
    tk_ints(t, "axes", D(0, 2), 2);
    REQUIRE(tk_run(t, 13) == LP_OK);
    CHECK(dims_are(tk_out(t, 0), 3, D(1, 3, 1)));
    CHECK(f32_are(tk_out(t, 0), F(7, 9, 11), 3, 0));
    tk_free(t);

    t = tk_new("ReduceLogSumExp", 1);
    tk_in(t, LP_FLOAT, 2, D(1, 2), F(1000, 1000));
    tk_in(t, LP_INT64, 1, D(1), D(1));
    REQUIRE(tk_run(t, 18) == LP_OK);
    CHECK(f32_are(tk_out(t, 0), F(1000.6931472f), 1, 1e-3f));
    tk_free(t);
}

TEST(softmax_opset11_coerces_to_2d) {
    tk *t = tk_new("Softmax", 1);
    tk_in(t, LP_FLOAT, 3, D(1, 2, 2), F(0, 0, 0, 0));
    REQUIRE(tk_run(t, 11) == LP_OK); /* axis 1: all four in one row */
    CHECK(f32_are(tk_out(t, 0), F(.25f, .25f, .25f, .25f), 4, 1e-6f));
    tk_free(t);

    t = tk_new("Softmax", 1);
    tk_in(t, LP_FLOAT, 3, D(1, 2, 2), F(0, 0, 0, 0));
    REQUIRE(tk_run(t, 13) == LP_OK); /* axis -1: pairs */
    CHECK(f32_are(tk_out(t, 0), F(.5f, .5f, .5f, .5f), 4, 1e-6f));
    tk_free(t);
}

/* ---- Einsum: the sgemm route (float) against the general loop (double) ---- */

static void einsum_both(int *lp_failed_, const char *eq, int n_in, const int *ranks,
                        const int64_t (*dims)[4]) {
    float *fx[2];
    double *dx[2];
    int64_t n[2];
    for (int i = 0; i < n_in; i++) {
        n[i] = lp_shape_numel(ranks[i], dims[i]);
        fx[i] = malloc((size_t)n[i] * sizeof(float));
        dx[i] = malloc((size_t)n[i] * sizeof(double));
        for (int64_t j = 0; j < n[i]; j++)
            fx[i][j] = (float)(dx[i][j] = (double)((j * 7 + i * 3) % 11) - 5);
    }
    tk *tf = tk_new("Einsum", 1), *td = tk_new("Einsum", 1);
    tk_str(tf, "equation", eq);
    tk_str(td, "equation", eq);
    for (int i = 0; i < n_in; i++) {
        tk_in(tf, LP_FLOAT, ranks[i], dims[i], fx[i]);
        tk_in(td, LP_DOUBLE, ranks[i], dims[i], dx[i]);
    }
    int rf = tk_run(tf, 12), rd = tk_run(td, 12);
    if (rf || rd) fprintf(stderr, "  einsum %s: %s%s\n", eq, tf->err.msg, td->err.msg);
    CHECK(rf == LP_OK && rd == LP_OK);
    if (rf == LP_OK && rd == LP_OK) {
        const lp_tensor *yf = tk_out(tf, 0), *yd = tk_out(td, 0);
        CHECK(dims_are(yf, yd->rank, yd->dims));
        bool ok = yf->numel == yd->numel;
        for (int64_t j = 0; ok && j < yf->numel; j++)
            ok = fabs(((float *)yf->data)[j] - ((double *)yd->data)[j]) < 1e-3;
        if (!ok) fprintf(stderr, "  einsum %s differs\n", eq);
        CHECK(ok);
    }
    tk_free(tf);
    tk_free(td);
    for (int i = 0; i < n_in; i++) {
        free(fx[i]);
        free(dx[i]);
    }
}

TEST(einsum_gemm_matches_general) {
    einsum_both(lp_failed_, "ij,jk->ik", 2, (int[]){2, 2}, (const int64_t[][4]){{3, 4}, {4, 5}});
    einsum_both(lp_failed_, "ij,kj->ik", 2, (int[]){2, 2}, (const int64_t[][4]){{3, 4}, {5, 4}});
    einsum_both(lp_failed_, "ji,jk->ik", 2, (int[]){2, 2}, (const int64_t[][4]){{4, 3}, {4, 5}});
    einsum_both(lp_failed_, "ij,jk->ki", 2, (int[]){2, 2}, (const int64_t[][4]){{3, 4}, {4, 5}});
    einsum_both(lp_failed_, "bij,bjk->bik", 2, (int[]){3, 3},
                (const int64_t[][4]){{2, 3, 4}, {2, 4, 5}});
    einsum_both(lp_failed_, "bhqd,bhkd->bhqk", 2, (int[]){4, 4},
                (const int64_t[][4]){{2, 3, 4, 5}, {2, 3, 6, 5}});
    einsum_both(lp_failed_, "i,i", 2, (int[]){1, 1}, (const int64_t[][4]){{7}, {7}});
    einsum_both(lp_failed_, "i,j->ij", 2, (int[]){1, 1}, (const int64_t[][4]){{3}, {4}});
    einsum_both(lp_failed_, "...ij,...jk", 2, (int[]){3, 2},
                (const int64_t[][4]){{2, 3, 4}, {4, 2}});
    einsum_both(lp_failed_, "ij,ij->ij", 2, (int[]){2, 2}, (const int64_t[][4]){{3, 4}, {3, 4}});
    einsum_both(lp_failed_, "ij,jk", 2, (int[]){2, 2}, (const int64_t[][4]){{3, 4}, {4, 5}});
    /* the general loop only: a diagonal, a label summed in one operand */
    einsum_both(lp_failed_, "ii,ij->j", 2, (int[]){2, 2}, (const int64_t[][4]){{3, 3}, {3, 2}});
    einsum_both(lp_failed_, "ij,k->i", 2, (int[]){2, 1}, (const int64_t[][4]){{3, 4}, {2}});
}

TEST(einsum_rejects_bad_equations) {
    const char *bad[] = {"ij,jk", "ij->ik", "i.j->i", "ij->ii", "i1->i"};
    for (size_t i = 0; i < LP_COUNT(bad); i++) {
        tk *t = tk_new("Einsum", 1);
        tk_str(t, "equation", bad[i]);
        tk_in(t, LP_FLOAT, 2, D(2, 2), F(1, 2, 3, 4));
        CHECK(tk_run(t, 12) == LP_EINPUT);
        tk_free(t);
    }
}

TEST(topk_heap_selection_matches_a_full_sort) {
    enum { N = 200 };
    float x[N];
    for (int i = 0; i < N; i++) x[i] = (float)((i * 37) % 23); /* many ties */
    for (int largest = 0; largest <= 1; largest++) {
        tk *t = tk_new("TopK", 2);
        tk_in(t, LP_FLOAT, 1, D(N), x);
        tk_in(t, LP_INT64, 1, D(1), D(7));
        tk_int(t, "largest", largest);
        REQUIRE(tk_run(t, 11) == LP_OK);
        /* expected: repeatedly the best remaining value, lowest index on ties */
        bool used[N] = {false}, ok = true;
        for (int j = 0; j < 7; j++) {
            int best = -1;
            for (int i = 0; i < N; i++)
                if (!used[i] && (best < 0 || (largest ? x[i] > x[best] : x[i] < x[best]))) best = i;
            used[best] = true;
            ok &= ((int64_t *)tk_out(t, 1)->data)[j] == best;
            ok &= ((float *)tk_out(t, 0)->data)[j] == x[best];
        }
        CHECK(ok);
        tk_free(t);
    }
}

/* ---- hostile inputs: random shapes and values never crash a kernel ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static int64_t rnd(int64_t lo, int64_t hi) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return lo + (int64_t)(rng_state % (uint64_t)(hi - lo + 1));
}

static void random_input(tk *t, bool ints) {
    int rank = (int)rnd(0, 3);
    int64_t dims[3], n = 1;
    for (int d = 0; d < rank; d++) n *= dims[d] = rnd(0, 3);
    int64_t iv[27];
    float fv[27];
    for (int64_t i = 0; i < n; i++) {
        iv[i] = rnd(-4, 4);
        fv[i] = (float)iv[i];
    }
    if (ints)
        tk_in(t, LP_INT64, rank, dims, iv);
    else
        tk_in(t, LP_FLOAT, rank, dims, fv);
}

TEST(random_inputs_never_crash) {
    static const char *ops[] = {"Reshape",
                                "Flatten",
                                "Squeeze",
                                "Unsqueeze",
                                "Transpose",
                                "Expand",
                                "Shape",
                                "Identity",
                                "ConstantOfShape",
                                "Range",
                                "EyeLike",
                                "Trilu",
                                "DepthToSpace",
                                "SpaceToDepth",
                                "Concat",
                                "Split",
                                "Tile",
                                "Pad",
                                "Slice",
                                "Gather",
                                "GatherElements",
                                "GatherND",
                                "ScatterElements",
                                "ScatterND",
                                "TensorScatter",
                                "Compress",
                                "OneHot",
                                "NonZero",
                                "ReverseSequence",
                                "ReduceSum",
                                "ReduceMean",
                                "ReduceMax",
                                "ReduceProd",
                                "ReduceLogSumExp",
                                "ReduceL2",
                                "ArgMax",
                                "CumSum",
                                "TopK",
                                "Unique",
                                "Softmax",
                                "LogSoftmax",
                                "Hardmax",
                                "Det",
                                "Einsum"};
    static const char *int_attrs[] = {"axis",  "batch_dims",  "blocksize", "keepdims",   "k",
                                      "upper", "num_outputs", "time_axis", "batch_axis", "largest"};
    static const char *list_attrs[] = {"perm", "axes", "pads", "starts", "ends", "shape", "split"};
    static const char *modes[] = {"constant", "reflect", "edge", "wrap", "DCR", "CRD", "circular"};
    static const char *eqs[] = {"ij,jk->ik", "ii->i",        "...i,...i",  "i,j",
                                "ab",        "a...b->b...a", "ij,ij,ij->", "bij,bjk->bik"};
    static const int opsets[] = {1, 9, 11, 13, 18, 24};
    int64_t lists[4][6];
    int calls = 0;
    for (size_t o = 0; o < LP_COUNT(ops); o++)
        for (int trial = 0; trial < 200; trial++) {
            tk *t = tk_new(ops[o], (int)rnd(1, 4));
            int n_in = (int)rnd(0, 4);
            for (int i = 0; i < n_in; i++) {
                if (i > 0 && rnd(0, 9) == 0)
                    tk_skip(t);
                else
                    random_input(t, rnd(0, 2) > 0 && i > 0);
            }
            int n_attr = (int)rnd(0, 3);
            for (int a = 0; a < n_attr; a++) {
                switch (rnd(0, 2)) {
                case 0:
                    tk_int(t, int_attrs[rnd(0, 9)], rnd(-3, 3));
                    break;
                case 1: {
                    int64_t *l = lists[a];
                    int n = (int)rnd(0, 6);
                    for (int j = 0; j < n; j++) l[j] = rnd(-3, 3);
                    tk_ints(t, list_attrs[rnd(0, 6)], l, n);
                    break;
                }
                default:
                    if (!strcmp(ops[o], "Einsum"))
                        tk_str(t, "equation", eqs[rnd(0, 7)]);
                    else
                        tk_str(t, "mode", modes[rnd(0, 6)]);
                }
            }
            int rc = tk_run(t, opsets[rnd(0, 5)]);
            CHECK(rc == LP_OK || rc == LP_EINPUT || rc == LP_EFAIL || rc == -1);
            calls++;
            tk_free(t);
        }
    CHECK(calls > 0);
}
