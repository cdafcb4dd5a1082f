/*
** test_elementwise.c — element-wise, activation and Cast kernels run through a
** session on one-node models: broadcasting walks, integer edge cases (wrap,
** division by zero, Python mod), legacy broadcast, strings, small types.
*/
#include "model/build.h"
#include "ops/session.h"
#include "test.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>

typedef struct {
    const char *name;
    int64_t i;     /* INT */
    float f;       /* FLOAT, when is_float */
    const char *s; /* STRING, when set */
    bool is_float;
} attr_spec;

/* A model of one node `op` (opset) reading n_in graph inputs x0.. of the given
** element types (0: the input is omitted) and writing y0 (type left open). */
static lp_model *one_node(const char *op, int opset, int n_in, const int *types,
                          const attr_spec *attrs, int n_attrs) {
    lp_builder *b = lp_build_new("g");
    lp_build_opset(b, "", opset);
    char ins[64] = "", name[8];
    for (int i = 0; i < n_in; i++) {
        snprintf(name, sizeof name, "x%d", i);
        if (types[i]) lp_build_input(b, name, (lp_dtype)types[i], NULL);
        snprintf(ins + strlen(ins), sizeof ins - strlen(ins), "%s%s", i ? "," : "",
                 types[i] ? name : "");
    }
    lp_build_output(b, "y0", LP_UNDEFINED, NULL);
    lp_bnode *n = lp_build_node(b, op, ins, "y0");
    for (int i = 0; i < n_attrs; i++) {
        if (attrs[i].s) lp_build_attr_string(b, n, attrs[i].name, attrs[i].s);
        else if (attrs[i].is_float) lp_build_attr_float(b, n, attrs[i].name, attrs[i].f);
        else lp_build_attr_int(b, n, attrs[i].name, attrs[i].i);
    }
    lp_model *m = NULL;
    lp_error err = {0};
    if (lp_build_model(b, "test.onnx", &m, &err)) fprintf(stderr, "  build: %s\n", err.msg);
    lp_build_free(b);
    return m;
}

/* A tensor over caller-owned data. */
static lp_rvalue tv(lp_dtype t, void *data, int rank, ...) {
    lp_rvalue v = {.kind = LP_RV_TENSOR};
    va_list ap;
    va_start(ap, rank);
    v.t.dtype = t;
    v.t.rank = rank;
    for (int i = 0; i < rank; i++) v.t.dims[i] = va_arg(ap, int64_t);
    va_end(ap);
    v.t.numel = lp_shape_numel(rank, v.t.dims);
    v.t.data = data;
    v.t.nbytes = (size_t)v.t.numel * lp_dtype_size(t);
    return v;
}

/* Runs a one-node model; the output is copied into *out (caller releases). */
static int run_op(const char *op, int opset, const attr_spec *attrs, int n_attrs, lp_rvalue *ins,
                  int n_in, lp_tensor *out) {
    int types[8];
    lp_rvalue given[8];
    int n_given = 0;
    for (int i = 0; i < n_in; i++) {
        types[i] = ins[i].kind == LP_RV_TENSOR ? (int)ins[i].t.dtype : 0;
        if (types[i]) given[n_given++] = ins[i];
    }
    lp_model *m = one_node(op, opset, n_in, types, attrs, n_attrs);
    if (!m) return -1;
    lp_session *s = NULL;
    lp_error err = {0};
    int rc = lp_session_create(m, NULL, &s, &err);
    lp_rvalue **outs = NULL;
    lp_rvalue *o[1];
    outs = o;
    if (!rc) rc = lp_session_run(s, given, n_given, outs, &err);
    if (!rc) rc = lp_tensor_copy(out, &outs[0]->t, &err);
    if (rc) fprintf(stderr, "  %s: %s\n", op, err.msg);
    lp_session_free(s);
    lp_model_free(m);
    return rc;
}

#define I64(...) ((int64_t)(__VA_ARGS__))

TEST(ew_add_broadcast_layouts) {
    /* [2,3,4] + [3,1], [1,4], [2,1,4] against a naive index walk */
    float a[24], b3[3], b4[4], b8[8];
    for (int i = 0; i < 24; i++) a[i] = (float)i;
    for (int i = 0; i < 3; i++) b3[i] = 100.0f * (float)(i + 1);
    for (int i = 0; i < 4; i++) b4[i] = 1000.0f * (float)(i + 1);
    for (int i = 0; i < 8; i++) b8[i] = 10000.0f * (float)(i + 1);
    struct {
        lp_rvalue b;
        int kind;
    } cases[] = {
        {tv(LP_FLOAT, b3, 2, I64(3), I64(1)), 0},
        {tv(LP_FLOAT, b4, 2, I64(1), I64(4)), 1},
        {tv(LP_FLOAT, b8, 3, I64(2), I64(1), I64(4)), 2},
    };
    for (int c = 0; c < 3; c++) {
        lp_rvalue ins[2] = {tv(LP_FLOAT, a, 3, I64(2), I64(3), I64(4)), cases[c].b};
        lp_tensor y = {0};
        REQUIRE(run_op("Add", 14, NULL, 0, ins, 2, &y) == 0);
        CHECK(y.rank == 3 && y.numel == 24);
        const float *yv = y.data;
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 4; k++) {
                    float bb = c == 0 ? b3[j] : c == 1 ? b4[k] : b8[i * 4 + k];
                    CHECK(yv[(i * 3 + j) * 4 + k] == a[(i * 3 + j) * 4 + k] + bb);
                }
        lp_tensor_release(&y);
    }
    /* scalar on the left */
    float s = 0.5f;
    lp_rvalue ins[2] = {tv(LP_FLOAT, &s, 0), tv(LP_FLOAT, a, 2, I64(4), I64(6))};
    lp_tensor y = {0};
    REQUIRE(run_op("Sub", 14, NULL, 0, ins, 2, &y) == 0);
    CHECK(y.rank == 2 && ((float *)y.data)[23] == 0.5f - 23.0f);
    lp_tensor_release(&y);
}

TEST(ew_integer_edges) {
    int32_t a[4] = {INT32_MAX, INT32_MIN, 7, -7}, b[4] = {1, -1, 0, 2};
    lp_rvalue ins[2] = {tv(LP_INT32, a, 1, I64(4)), tv(LP_INT32, b, 1, I64(4))};
    lp_tensor y = {0};
    REQUIRE(run_op("Add", 14, NULL, 0, ins, 2, &y) == 0);
    CHECK(((int32_t *)y.data)[0] == INT32_MIN); /* wraps */
    lp_tensor_release(&y);
    REQUIRE(run_op("Div", 14, NULL, 0, ins, 2, &y) == 0);
    const int32_t *q = y.data;
    CHECK(q[1] == INT32_MIN && q[2] == 0 && q[3] == -3); /* truncates; x/0 is 0 */
    lp_tensor_release(&y);
    int32_t ma[4] = {-7, 7, -7, 7}, mb[4] = {3, -3, -3, 3};
    lp_rvalue mins[2] = {tv(LP_INT32, ma, 1, I64(4)), tv(LP_INT32, mb, 1, I64(4))};
    REQUIRE(run_op("Mod", 13, NULL, 0, mins, 2, &y) == 0);
    q = y.data;
    CHECK(q[0] == 2 && q[1] == -2 && q[2] == -1 && q[3] == 1); /* Python's sign rule */
    lp_tensor_release(&y);
    attr_spec fm = {.name = "fmod", .i = 1};
    REQUIRE(run_op("Mod", 13, &fm, 1, mins, 2, &y) == 0);
    q = y.data;
    CHECK(q[0] == -1 && q[1] == 1 && q[2] == -1 && q[3] == 1); /* C's */
    lp_tensor_release(&y);
}

TEST(ew_bitshift_wide_shift_is_zero) {
    uint8_t a[3] = {1, 0x80, 0xff}, b[3] = {7, 1, 9};
    lp_rvalue ins[2] = {tv(LP_UINT8, a, 1, I64(3)), tv(LP_UINT8, b, 1, I64(3))};
    attr_spec left = {.name = "direction", .s = "LEFT"};
    attr_spec right = {.name = "direction", .s = "RIGHT"};
    lp_tensor y = {0};
    REQUIRE(run_op("BitShift", 11, &left, 1, ins, 2, &y) == 0);
    const uint8_t *v = y.data;
    CHECK(v[0] == 0x80 && v[1] == 0 && v[2] == 0);
    lp_tensor_release(&y);
    REQUIRE(run_op("BitShift", 11, &right, 1, ins, 2, &y) == 0);
    v = y.data;
    CHECK(v[0] == 0 && v[1] == 0x40 && v[2] == 0);
    lp_tensor_release(&y);
}

TEST(ew_legacy_broadcast_axis) {
    /* opset 6: B of shape [3] lines up with axis 1 of A [2,3,2] */
    float a[12] = {0}, b[3] = {1, 2, 3};
    lp_rvalue ins[2] = {tv(LP_FLOAT, a, 3, I64(2), I64(3), I64(2)), tv(LP_FLOAT, b, 1, I64(3))};
    attr_spec at[2] = {{.name = "broadcast", .i = 1}, {.name = "axis", .i = 1}};
    lp_tensor y = {0};
    REQUIRE(run_op("Add", 6, at, 2, ins, 2, &y) == 0);
    const float *v = y.data;
    CHECK(v[0] == 1 && v[1] == 1 && v[2] == 2 && v[5] == 3 && v[6] == 1 && v[11] == 3);
    lp_tensor_release(&y);
}

TEST(ew_float16_broadcast_via_float) {
    uint16_t a[6], b[3];
    for (int i = 0; i < 6; i++) a[i] = lp_float_to_half((float)i * 0.5f);
    for (int i = 0; i < 3; i++) b[i] = lp_float_to_half((float)i);
    lp_rvalue ins[2] = {tv(LP_FLOAT16, a, 2, I64(2), I64(3)), tv(LP_FLOAT16, b, 1, I64(3))};
    lp_tensor y = {0};
    REQUIRE(run_op("Mul", 14, NULL, 0, ins, 2, &y) == 0);
    CHECK(y.dtype == LP_FLOAT16);
    CHECK(lp_half_to_float(((uint16_t *)y.data)[5]) == 2.5f * 2.0f);
    lp_tensor_release(&y);
    REQUIRE(run_op("Less", 13, NULL, 0, ins, 2, &y) == 0);
    CHECK(y.dtype == LP_BOOL);
    const uint8_t *l = y.data;
    CHECK(l[0] == 0 && l[1] == 1 && l[2] == 1 && l[3] == 0 && l[4] == 0 && l[5] == 0);
    lp_tensor_release(&y);
}

TEST(ew_where_strings_and_variadic) {
    uint8_t c[2] = {1, 0};
    char *x[2] = {"a", "b"}, *z[1] = {"zz"};
    lp_rvalue ins[3] = {tv(LP_BOOL, c, 1, I64(2)), tv(LP_STRING, x, 1, I64(2)),
                        tv(LP_STRING, z, 1, I64(1))};
    lp_tensor y = {0};
    REQUIRE(run_op("Where", 16, NULL, 0, ins, 3, &y) == 0);
    CHECK_STR(((char **)y.data)[0], "a");
    CHECK_STR(((char **)y.data)[1], "zz");
    lp_tensor_release(&y);

    double a[2] = {1, NAN}, b[1] = {5}, d[3] = {0, 1, 2};
    lp_rvalue vin[3] = {tv(LP_DOUBLE, a, 1, I64(2)), tv(LP_DOUBLE, b, 0),
                        tv(LP_DOUBLE, d, 2, I64(3), I64(1))};
    REQUIRE(run_op("Max", 13, NULL, 0, vin, 3, &y) == 0);
    CHECK(y.rank == 2 && y.dims[0] == 3 && y.dims[1] == 2);
    CHECK(((double *)y.data)[0] == 5 && isnan(((double *)y.data)[1])); /* NaN wins */
    lp_tensor_release(&y);
    REQUIRE(run_op("Mean", 13, NULL, 0, vin, 3, &y) == 0);
    CHECK(((double *)y.data)[4] == (1 + 5 + 2) / 3.0);
    lp_tensor_release(&y);
}

TEST(ew_clip_integer_one_bound) {
    int8_t x[4] = {-128, -1, 5, 127}, hi = 4;
    lp_rvalue ins[3] = {tv(LP_INT8, x, 1, I64(4)), {0}, tv(LP_INT8, &hi, 0)};
    lp_tensor y = {0};
    REQUIRE(run_op("Clip", 13, NULL, 0, ins, 3, &y) == 0);
    const int8_t *v = y.data;
    CHECK(v[0] == -128 && v[1] == -1 && v[2] == 4 && v[3] == 4);
    lp_tensor_release(&y);
}

TEST(cast_strings_like_numpy) {
    float f[8] = {0.1f, 1e-7f, 1000000.0f, NAN, -INFINITY, 1.5f, 1e16f, -0.0f};
    lp_rvalue in = tv(LP_FLOAT, f, 1, I64(8));
    attr_spec to = {.name = "to", .i = LP_STRING};
    lp_tensor y = {0};
    REQUIRE(run_op("Cast", 13, &to, 1, &in, 1, &y) == 0);
    const char *want[8] = {"0.1", "1e-07", "1000000.0", "nan", "-inf", "1.5", "1e+16", "-0.0"};
    for (int i = 0; i < 8; i++) CHECK_STR(((char **)y.data)[i], want[i]);
    lp_tensor_release(&y);

    char *s[6] = {"1.5", "NaN", "INF", "-inf", "+INF", "1e3"};
    lp_rvalue sin = tv(LP_STRING, s, 1, I64(6));
    attr_spec tof = {.name = "to", .i = LP_FLOAT};
    REQUIRE(run_op("Cast", 13, &tof, 1, &sin, 1, &y) == 0);
    const float *v = y.data;
    CHECK(v[0] == 1.5f && isnan(v[1]) && v[2] == INFINITY && v[3] == -INFINITY &&
          v[4] == INFINITY && v[5] == 1000.0f);
    lp_tensor_release(&y);

    char *si[3] = {"-12", "9000000000", "7"};
    lp_rvalue iin = tv(LP_STRING, si, 1, I64(3));
    attr_spec toi = {.name = "to", .i = LP_INT64};
    REQUIRE(run_op("Cast", 13, &toi, 1, &iin, 1, &y) == 0);
    CHECK(((int64_t *)y.data)[0] == -12 && ((int64_t *)y.data)[1] == 9000000000LL);
    lp_tensor_release(&y);
}

TEST(cast_integers_wrap_and_small_types) {
    int16_t a[3] = {200, -1, 300};
    lp_rvalue in = tv(LP_INT16, a, 1, I64(3));
    attr_spec to8 = {.name = "to", .i = LP_INT8}, tou4 = {.name = "to", .i = LP_UINT4};
    attr_spec toi4 = {.name = "to", .i = LP_INT4};
    lp_tensor y = {0};
    REQUIRE(run_op("Cast", 21, &to8, 1, &in, 1, &y) == 0);
    CHECK(((int8_t *)y.data)[0] == -56 && ((int8_t *)y.data)[2] == 44);
    lp_tensor_release(&y);
    REQUIRE(run_op("Cast", 21, &tou4, 1, &in, 1, &y) == 0);
    CHECK(((uint8_t *)y.data)[0] == 8 && ((uint8_t *)y.data)[1] == 15);
    lp_tensor_release(&y);
    REQUIRE(run_op("Cast", 21, &toi4, 1, &in, 1, &y) == 0);
    CHECK(((int8_t *)y.data)[0] == -8 && ((int8_t *)y.data)[1] == -1);
    lp_tensor_release(&y);
    float f[3] = {NAN, 3e9f, -1.0f};
    lp_rvalue fin = tv(LP_FLOAT, f, 1, I64(3));
    attr_spec tob = {.name = "to", .i = LP_BOOL}, tou8 = {.name = "to", .i = LP_UINT8};
    REQUIRE(run_op("Cast", 21, &tob, 1, &fin, 1, &y) == 0);
    CHECK(((uint8_t *)y.data)[0] == 1 && ((uint8_t *)y.data)[2] == 1);
    lp_tensor_release(&y);
    REQUIRE(run_op("Cast", 21, &tou8, 1, &fin, 1, &y) == 0); /* no UB on NaN or range */
    CHECK(((uint8_t *)y.data)[2] == 255);
    lp_tensor_release(&y);
}

TEST(activation_values) {
    float x[4] = {-2.0f, -0.5f, 0.0f, 3.0f};
    lp_rvalue in = tv(LP_FLOAT, x, 1, I64(4));
    lp_tensor y = {0};
    REQUIRE(run_op("Sigmoid", 13, NULL, 0, &in, 1, &y) == 0);
    CHECK_NEAR(((float *)y.data)[3], 1.0f / (1.0f + expf(-3.0f)), 1e-6f);
    lp_tensor_release(&y);
    attr_spec tanh_ = {.name = "approximate", .s = "tanh"};
    REQUIRE(run_op("Gelu", 20, &tanh_, 1, &in, 1, &y) == 0);
    CHECK_NEAR(((float *)y.data)[3], 2.9963627f, 1e-5f);
    lp_tensor_release(&y);
    REQUIRE(run_op("Softplus", 13, NULL, 0, &in, 1, &y) == 0);
    CHECK_NEAR(((float *)y.data)[0], log1pf(expf(-2.0f)), 1e-6f);
    lp_tensor_release(&y);
    float big = 100.0f;
    lp_rvalue bin = tv(LP_FLOAT, &big, 0);
    REQUIRE(run_op("Softplus", 13, NULL, 0, &bin, 1, &y) == 0);
    CHECK(((float *)y.data)[0] == 100.0f); /* no overflow to inf */
    lp_tensor_release(&y);
}

TEST(ew_pow_fast_exponents_match_pow) {
    float x[5] = {-0.0f, -INFINITY, 3.0f, 0.25f, NAN}, two = 2.0f, half = 0.5f;
    lp_tensor y = {0};
    lp_rvalue ins[2] = {tv(LP_FLOAT, x, 1, I64(5)), tv(LP_FLOAT, &two, 0)};
    REQUIRE(run_op("Pow", 15, NULL, 0, ins, 2, &y) == 0);
    for (int i = 0; i < 5; i++) {
        float got = ((float *)y.data)[i], want = powf(x[i], 2.0f);
        CHECK(got == want || (isnan(got) && isnan(want)));
    }
    lp_tensor_release(&y);
    ins[1] = tv(LP_FLOAT, &half, 0);
    REQUIRE(run_op("Pow", 15, NULL, 0, ins, 2, &y) == 0);
    for (int i = 0; i < 5; i++) {
        float got = ((float *)y.data)[i], want = powf(x[i], 0.5f);
        CHECK((got == want && signbit(got) == signbit(want)) || (isnan(got) && isnan(want)));
    }
    lp_tensor_release(&y);
    int32_t xi[3] = {2, -3, 5}, ei[3] = {10, 3, 0};
    lp_rvalue iins[2] = {tv(LP_INT32, xi, 1, I64(3)), tv(LP_INT32, ei, 1, I64(3))};
    REQUIRE(run_op("Pow", 15, NULL, 0, iins, 2, &y) == 0);
    CHECK(((int32_t *)y.data)[0] == 1024 && ((int32_t *)y.data)[1] == -27 &&
          ((int32_t *)y.data)[2] == 1);
    lp_tensor_release(&y);
}

/* Element i of t read as broadcast to (rank, dims): the naive index walk. */
static float naive_at(const float *t, int trank, const int64_t *tdims, int rank,
                      const int64_t *dims, int64_t i) {
    int64_t off = 0, stride = 1;
    for (int d = rank - 1; d >= 0; d--) {
        int64_t idx = i % dims[d];
        i /= dims[d];
        int td = d - (rank - trank);
        if (td < 0) continue;
        if (tdims[td] != 1) off += idx * stride;
        stride *= tdims[td];
    }
    return t[off];
}

TEST(ew_broadcast_random_shapes_match_naive) {
    unsigned seed = 12345;
#define RND(n) ((int)((seed = seed * 1103515245u + 12345u) >> 16) % (n))
    float a[256], b[256];
    for (int i = 0; i < 256; i++) a[i] = (float)i, b[i] = 1000.0f * (float)i;
    for (int iter = 0; iter < 300; iter++) {
        int rank = 1 + RND(5);
        int64_t dims[5], ad[5], bd[5];
        for (int d = 0; d < rank; d++) dims[d] = 1 + RND(3);
        int ar = rank - RND(rank), br = rank - RND(rank);
        for (int d = 0; d < ar; d++) ad[d] = RND(3) ? dims[rank - ar + d] : 1;
        for (int d = 0; d < br; d++) bd[d] = RND(3) ? dims[rank - br + d] : 1;
        lp_rvalue ins[2] = {{.kind = LP_RV_TENSOR}, {.kind = LP_RV_TENSOR}};
        ins[0].t = (lp_tensor){.dtype = LP_FLOAT, .rank = ar, .data = a};
        ins[1].t = (lp_tensor){.dtype = LP_FLOAT, .rank = br, .data = b};
        memcpy(ins[0].t.dims, ad, sizeof ad);
        memcpy(ins[1].t.dims, bd, sizeof bd);
        ins[0].t.numel = lp_shape_numel(ar, ad), ins[1].t.numel = lp_shape_numel(br, bd);
        ins[0].t.nbytes = (size_t)ins[0].t.numel * 4, ins[1].t.nbytes = (size_t)ins[1].t.numel * 4;
        lp_tensor y = {0};
        REQUIRE(run_op("Add", 14, NULL, 0, ins, 2, &y) == 0);
        bool ok = y.numel > 0;
        for (int64_t i = 0; i < y.numel && ok; i++)
            ok = ((float *)y.data)[i] == naive_at(a, ar, ad, y.rank, y.dims, i) +
                                             naive_at(b, br, bd, y.rank, y.dims, i);
        CHECK(ok);
        lp_tensor_release(&y);
    }
#undef RND
}

TEST(cast_double_to_half_rounds_once) {
    /* 1 + 2^-11 + 2^-40: above the midpoint between two halves, but it rounds
    ** to float exactly at the midpoint, where a second rounding goes to even. */
    double d[2] = {1.0 + ldexp(1, -11) + ldexp(1, -40), -(1.0 + ldexp(1, -11) + ldexp(1, -40))};
    lp_rvalue in = tv(LP_DOUBLE, d, 1, I64(2));
    attr_spec to = {.name = "to", .i = LP_FLOAT16};
    lp_tensor y = {0};
    REQUIRE(run_op("Cast", 21, &to, 1, &in, 1, &y) == 0);
    CHECK(((uint16_t *)y.data)[0] == 0x3c01 && ((uint16_t *)y.data)[1] == 0xbc01);
    lp_tensor_release(&y);
}

TEST(cast_e8m0_round_modes) {
    float x[4] = {1.1f, 1.5f, 0.124f, 4.0f};
    lp_rvalue in = tv(LP_FLOAT, x, 1, I64(4));
    const char *modes[3] = {"up", "down", "nearest"};
    const uint8_t want[3][4] = {{128, 128, 124, 129}, {127, 127, 123, 129}, {127, 128, 124, 129}};
    for (int m = 0; m < 3; m++) {
        attr_spec at[2] = {{.name = "to", .i = LP_FLOAT8E8M0}, {.name = "round_mode", .s = modes[m]}};
        lp_tensor y = {0};
        REQUIRE(run_op("Cast", 25, at, 2, &in, 1, &y) == 0);
        for (int i = 0; i < 4; i++) CHECK(((uint8_t *)y.data)[i] == want[m][i]);
        lp_tensor_release(&y);
    }
}
