/*
** test_ml.c — the ai.onnx.ml kernels on small models built in memory, with
** values worked out by hand: linear models, tree ensembles (both encodings,
** every branch mode, NaN routing, aggregation, binary rules, a random forest
** checked against a plain recursive walk), SVMs, preprocessing, encoders,
** feature assembly and ZipMap; and hostile attributes (indices out of
** range, lists of different lengths, cycles) that must fail cleanly with a
** message naming the node.
*/
#include "model/build.h"
#include "ops/session.h"
#include "test.h"

#include <math.h>
#include <stdlib.h>

/* ---- harness ---- */

static lp_builder *mlb(int ml_opset) {
    lp_builder *b = lp_build_new("ml");
    lp_build_opset(b, "", 17);
    lp_build_opset(b, "ai.onnx.ml", ml_opset);
    return b;
}

static lp_bnode *mln(lp_builder *b, const char *op, const char *ins, const char *outs) {
    lp_bnode *n = lp_build_node(b, op, ins, outs);
    lp_build_node_name(b, n, "the_node");
    lp_build_node_domain(b, n, "ai.onnx.ml");
    return n;
}

typedef struct ml_run {
    lp_model *m;
    lp_session *s;
    lp_rvalue *out[4];
    lp_error err;
} ml_run;

/* Builds, plans and runs; frees the builder and the inputs. Returns the
** first failing status (the message in r->err). */
static int go(lp_builder *b, lp_rvalue *ins, int n_in, ml_run *r) {
    memset(r, 0, sizeof *r);
    int rc = lp_build_model(b, "test.onnx", &r->m, &r->err);
    lp_build_free(b);
    if (!rc) rc = lp_session_create(r->m, NULL, &r->s, &r->err);
    if (!rc) rc = lp_session_run(r->s, ins, n_in, r->out, &r->err);
    for (int i = 0; i < n_in; i++) lp_rvalue_clear(&ins[i]);
    return rc;
}

static void done(ml_run *r) {
    lp_session_free(r->s);
    lp_model_free(r->m);
}

/* A failure that names the node and says `what`. */
static bool fails_with(ml_run *r, int rc, const char *what) {
    bool ok = rc != LP_OK && strstr(r->err.msg, "the_node") && strstr(r->err.msg, what);
    if (!ok) fprintf(stderr, "  rc %d, message: %s\n", rc, r->err.msg);
    done(r);
    return ok;
}

static lp_rvalue tensor(lp_dtype t, int rank, const int64_t *dims, const void *data) {
    lp_rvalue v = {.kind = LP_RV_TENSOR};
    lp_error err;
    if (lp_tensor_alloc(&v.t, t, rank, dims, &err)) abort();
    if (t == LP_STRING) {
        for (int64_t i = 0; i < v.t.numel; i++) {
            free(((char **)v.t.data)[i]);
            ((char **)v.t.data)[i] = lp_xstrdup(((const char *const *)data)[i]);
        }
    } else if (v.t.nbytes) {
        memcpy(v.t.data, data, v.t.nbytes);
    }
    return v;
}

#define F32(rank, dims, ...) tensor(LP_FLOAT, rank, (int64_t[])dims, (float[])__VA_ARGS__)
#define D(...) __VA_ARGS__

static float fo(const ml_run *r, int o, int64_t i) {
    return ((const float *)r->out[o]->t.data)[i];
}
static double dou(const ml_run *r, int o, int64_t i) {
    return ((const double *)r->out[o]->t.data)[i];
}
static int64_t io(const ml_run *r, int o, int64_t i) {
    return ((const int64_t *)r->out[o]->t.data)[i];
}
static const char *so(const ml_run *r, int o, int64_t i) {
    return ((char *const *)r->out[o]->t.data)[i];
}

static bool shape_is(const ml_run *r, int o, int rank, int64_t d0, int64_t d1) {
    const lp_tensor *t = &r->out[o]->t;
    return r->out[o]->kind == LP_RV_TENSOR && t->rank == rank && t->dims[0] == d0 &&
           (rank < 2 || t->dims[1] == d1);
}

static double sigm(double v) {
    return 1 / (1 + exp(-v));
}

#define STRS(...) ((const char *[]){__VA_ARGS__})
#define INTS(...) ((int64_t[]){__VA_ARGS__})
#define FLTS(...) ((float[]){__VA_ARGS__})
#define NELEM(a) ((int)(sizeof(a) / sizeof *(a)))

static void ints(lp_builder *b, lp_bnode *n, const char *name, int c, const int64_t *v) {
    lp_build_attr_ints(b, n, name, c, v);
}
static void flts(lp_builder *b, lp_bnode *n, const char *name, int c, const float *v) {
    lp_build_attr_floats(b, n, name, c, v);
}

/* ---- LinearRegressor ---- */

TEST(ml_linear_regressor_two_targets) {
    lp_builder *b = mlb(1);
    lp_build_input(b, "x", LP_FLOAT, "N,2");
    lp_bnode *n = mln(b, "LinearRegressor", "x", "y");
    flts(b, n, "coefficients", 4, FLTS(1, 2, 3, 4));
    flts(b, n, "intercepts", 2, FLTS(0.5f, -1));
    lp_build_attr_int(b, n, "targets", 2);
    lp_build_output(b, "y", LP_FLOAT, NULL);
    lp_rvalue x = F32(2, D({2, 2}), {1, 1, 2, 0});
    ml_run r;
    REQUIRE(go(b, &x, 1, &r) == LP_OK);
    CHECK(shape_is(&r, 0, 2, 2, 2));
    CHECK(fo(&r, 0, 0) == 3.5f && fo(&r, 0, 1) == 6.0f);
    CHECK(fo(&r, 0, 2) == 2.5f && fo(&r, 0, 3) == 5.0f);
    done(&r);
}

TEST(ml_linear_regressor_int_input_one_row) {
    lp_builder *b = mlb(1);
    lp_build_input(b, "x", LP_INT64, "3");
    lp_bnode *n = mln(b, "LinearRegressor", "x", "y");
    flts(b, n, "coefficients", 3, FLTS(1, -1, 0.25f));
    lp_build_output(b, "y", LP_FLOAT, NULL);
    lp_rvalue x = tensor(LP_INT64, 1, INTS(3), INTS(5, 2, 8));
    ml_run r;
    REQUIRE(go(b, &x, 1, &r) == LP_OK);
    CHECK(shape_is(&r, 0, 2, 1, 1));
    CHECK(fo(&r, 0, 0) == 5.0f);
    done(&r);
}

TEST(ml_linear_regressor_bad_lengths) {
    lp_builder *b = mlb(1);
    lp_build_input(b, "x", LP_FLOAT, "N,2");
    lp_bnode *n = mln(b, "LinearRegressor", "x", "y");
    flts(b, n, "coefficients", 5, FLTS(1, 2, 3, 4, 5));
    lp_build_attr_int(b, n, "targets", 2);
    lp_build_output(b, "y", LP_FLOAT, NULL);
    lp_rvalue x = F32(2, D({1, 2}), {1, 1});
    ml_run r;
    CHECK(fails_with(&r, go(b, &x, 1, &r), "do not split"));

    /* three features given to a two-feature model: bad input */
    b = mlb(1);
    lp_build_input(b, "x", LP_FLOAT, "N,?");
    n = mln(b, "LinearRegressor", "x", "y");
    flts(b, n, "coefficients", 2, FLTS(1, 2));
    lp_build_output(b, "y", LP_FLOAT, NULL);
    x = F32(2, D({1, 3}), {1, 1, 1});
    int rc = go(b, &x, 1, &r);
    CHECK(rc == LP_EINPUT);
    CHECK(fails_with(&r, rc, "features"));
}

/* ---- LinearClassifier ---- */

static lp_builder *linear_classifier(const char *post, int rows, const float *coef,
                                     const float *icpt, int n_labels, const int64_t *labels,
                                     const char *const *slabels) {
    lp_builder *b = mlb(1);
    lp_build_input(b, "x", LP_FLOAT, "N,2");
    lp_bnode *n = mln(b, "LinearClassifier", "x", "label,scores");
    flts(b, n, "coefficients", rows * 2, coef);
    if (icpt) flts(b, n, "intercepts", rows, icpt);
    if (labels) ints(b, n, "classlabels_ints", n_labels, labels);
    if (slabels) lp_build_attr_strings(b, n, "classlabels_strings", n_labels, slabels);
    lp_build_attr_string(b, n, "post_transform", post);
    lp_build_output(b, "label", slabels ? LP_STRING : LP_INT64, NULL);
    lp_build_output(b, "scores", LP_FLOAT, NULL);
    return b;
}

TEST(ml_linear_classifier_softmax) {
    lp_builder *b = linear_classifier("SOFTMAX", 3, FLTS(1, 0, 0, 1, -1, -1), FLTS(0, 0, 0), 3,
                                      INTS(10, 20, 30), NULL);
    lp_rvalue x = F32(2, D({2, 2}), {2, 1, 0, 3});
    ml_run r;
    REQUIRE(go(b, &x, 1, &r) == LP_OK);
    CHECK(shape_is(&r, 0, 1, 2, 0) && shape_is(&r, 1, 2, 2, 3));
    CHECK(io(&r, 0, 0) == 10 && io(&r, 0, 1) == 20);
    double s = exp(2) + exp(1) + exp(-3);
    CHECK_NEAR(fo(&r, 1, 0), exp(2) / s, 1e-6);
    CHECK_NEAR(fo(&r, 1, 1), exp(1) / s, 1e-6);
    CHECK_NEAR(fo(&r, 1, 2), exp(-3) / s, 1e-6);
    s = 1 + exp(3) + exp(-3);
    CHECK_NEAR(fo(&r, 1, 4), exp(3) / s, 1e-6);
    done(&r);
}

/* One coefficient row for two classes: scores [-s, s], then the transform. */
TEST(ml_linear_classifier_binary_one_row_logistic_strings) {
    lp_builder *b =
        linear_classifier("LOGISTIC", 1, FLTS(2, -1), FLTS(0.5f), 2, NULL, STRS("no", "yes"));
    lp_rvalue x = F32(2, D({2, 2}), {1, 1, 0, 2});
    ml_run r;
    REQUIRE(go(b, &x, 1, &r) == LP_OK);
    CHECK(shape_is(&r, 1, 2, 2, 2));
    CHECK_STR(so(&r, 0, 0), "yes");
    CHECK_STR(so(&r, 0, 1), "no");
    CHECK_NEAR(fo(&r, 1, 0), sigm(-1.5), 1e-6);
    CHECK_NEAR(fo(&r, 1, 1), sigm(1.5), 1e-6);
    CHECK_NEAR(fo(&r, 1, 2), sigm(1.5), 1e-6);
    CHECK_NEAR(fo(&r, 1, 3), sigm(-1.5), 1e-6);
    done(&r);
}

TEST(ml_linear_classifier_none_softmax_zero_probit) {
    /* NONE: raw scores, best one wins */
    lp_builder *b = linear_classifier("NONE", 2, FLTS(1, 0, 0, 1), NULL, 2, INTS(0, 1), NULL);
    lp_rvalue x = F32(2, D({1, 2}), {-1, -2});
    ml_run r;
    REQUIRE(go(b, &x, 1, &r) == LP_OK);
    CHECK(io(&r, 0, 0) == 0 && fo(&r, 1, 0) == -1 && fo(&r, 1, 1) == -2);
    done(&r);

    /* SOFTMAX_ZERO leaves a zero score at zero */
    b = linear_classifier("SOFTMAX_ZERO", 3, FLTS(0, 0, 1, 0, 0, 1), NULL, 3, INTS(1, 2, 3), NULL);
    x = F32(2, D({1, 2}), {1, 2});
    REQUIRE(go(b, &x, 1, &r) == LP_OK);
    double e1 = exp(-1);
    CHECK(fo(&r, 1, 0) == 0);
    CHECK_NEAR(fo(&r, 1, 1), e1 / (1 + e1), 1e-6);
    CHECK_NEAR(fo(&r, 1, 2), 1 / (1 + e1), 1e-6);
    CHECK(io(&r, 0, 0) == 3);
    done(&r);

    /* PROBIT: the normal quantile (Winitzki's approximation) */
    b = linear_classifier("PROBIT", 2, FLTS(1, 0, 0, 1), NULL, 2, INTS(5, 6), NULL);
    x = F32(2, D({1, 2}), {0.5f, 0.8413447f});
    REQUIRE(go(b, &x, 1, &r) == LP_OK);
    CHECK_NEAR(fo(&r, 1, 0), 0.0, 1e-6);
    CHECK_NEAR(fo(&r, 1, 1), 1.0, 5e-3);
    CHECK(io(&r, 0, 0) == 6);
    done(&r);

    /* one row, one label: the label when the score clears the threshold, else 0 */
    b = linear_classifier("NONE", 1, FLTS(1, 1), NULL, 1, INTS(7), NULL);
    x = F32(2, D({2, 2}), {1, 1, -1, -1});
    REQUIRE(go(b, &x, 1, &r) == LP_OK);
    CHECK(shape_is(&r, 1, 2, 2, 1));
    CHECK(io(&r, 0, 0) == 7 && io(&r, 0, 1) == 0);
    done(&r);
}

TEST(ml_linear_classifier_hostile) {
    /* three score rows but two labels */
    lp_builder *b =
        linear_classifier("NONE", 3, FLTS(1, 0, 0, 1, 1, 1), FLTS(0, 0, 0), 2, INTS(0, 1), NULL);
    lp_rvalue x = F32(2, D({1, 2}), {1, 1});
    ml_run r;
    CHECK(fails_with(&r, go(b, &x, 1, &r), "class labels"));
    b = linear_classifier("CUBIC", 2, FLTS(1, 0, 0, 1), NULL, 2, INTS(0, 1), NULL);
    x = F32(2, D({1, 2}), {1, 1});
    CHECK(fails_with(&r, go(b, &x, 1, &r), "post_transform"));
}

/* ---- tree ensembles, ai.onnx.ml 1/3 ---- */

/* Three trees over features x0, x1, listed out of order:
**   tree 0: x0 <= 0.5 ? 1 : 2            (node ids 0, 1, 2)
**   tree 7: x1 < 1 ? 10 : (x0 >= 2 ? 20 : 30)
**   tree 3: a single leaf, 100 */
static lp_builder *forest3(const char *agg, int n_targets, const float *base, int n_base,
                           const int64_t *missing) {
    lp_builder *b = mlb(1);
    lp_build_input(b, "x", LP_FLOAT, "N,2");
    lp_bnode *n = mln(b, "TreeEnsembleRegressor", "x", "y");
    /* each tree's root is its first entry (node 0); the rest in any order */
    int64_t tree[] = {7, 7, 7, 7, 7, 0, 0, 0, 3};
    int64_t node[] = {0, 2, 4, 1, 3, 0, 1, 2, 0};
    int64_t feat[] = {1, 0, 0, 0, 0, 0, 0, 0, 0};
    float vals[] = {1, 2, 0, 0, 0, 0.5f, 0, 0, 0};
    int64_t yes[] = {1, 3, 0, 0, 0, 1, 0, 0, 0};
    int64_t no[] = {2, 4, 0, 0, 0, 2, 0, 0, 0};
    const char *modes[] = {"BRANCH_LT",  "BRANCH_GTE", "LEAF", "LEAF", "LEAF",
                           "BRANCH_LEQ", "LEAF",       "LEAF", "LEAF"};
    ints(b, n, "nodes_treeids", 9, tree);
    ints(b, n, "nodes_nodeids", 9, node);
    ints(b, n, "nodes_featureids", 9, feat);
    flts(b, n, "nodes_values", 9, vals);
    ints(b, n, "nodes_truenodeids", 9, yes);
    ints(b, n, "nodes_falsenodeids", 9, no);
    lp_build_attr_strings(b, n, "nodes_modes", 9, modes);
    if (missing) ints(b, n, "nodes_missing_value_tracks_true", 9, missing);
    /* leaf weights: tree 3's leaf goes to the last target */
    ints(b, n, "target_treeids", 6, INTS(0, 0, 7, 7, 7, 3));
    ints(b, n, "target_nodeids", 6, INTS(1, 2, 1, 3, 4, 0));
    ints(b, n, "target_ids", 6, INTS(0, 0, 0, 0, 0, n_targets - 1));
    flts(b, n, "target_weights", 6, FLTS(1, 2, 10, 20, 30, 100));
    lp_build_attr_int(b, n, "n_targets", n_targets);
    lp_build_attr_string(b, n, "aggregate_function", agg);
    if (base) flts(b, n, "base_values", n_base, base);
    lp_build_output(b, "y", LP_FLOAT, NULL);
    return b;
}

TEST(ml_tree_regressor_three_trees_sum_average_min_max) {
    float x[] = {0, 0, 3, 5, 1, 5};
    struct {
        const char *agg;
        float want[3];
    } cases[] = {{"SUM", {111, 122, 132}},
                 {"AVERAGE", {37, 122.0f / 3, 44}},
                 {"MIN", {1, 2, 2}},
                 {"MAX", {100, 100, 100}}};
    for (int c = 0; c < 4; c++) {
        lp_builder *b = forest3(cases[c].agg, 1, FLTS(0.5f), 1, NULL);
        lp_rvalue in = tensor(LP_FLOAT, 2, INTS(3, 2), x);
        ml_run r;
        REQUIRE(go(b, &in, 1, &r) == LP_OK);
        CHECK(shape_is(&r, 0, 2, 3, 1));
        for (int i = 0; i < 3; i++) CHECK_NEAR(fo(&r, 0, i), cases[c].want[i] + 0.5, 1e-4);
        done(&r);
    }
}

TEST(ml_tree_regressor_two_targets_and_nan) {
    /* tree 3's leaf feeds target 1; NaN in x0 goes false at tree 0's root ... */
    lp_builder *b = forest3("SUM", 2, FLTS(1, 2), 2, NULL);
    lp_rvalue in = F32(2, D({2, 2}), {NAN, 0, 3, 5});
    ml_run r;
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    CHECK(shape_is(&r, 0, 2, 2, 2));
    CHECK(fo(&r, 0, 0) == 1 + 2 + 10 && fo(&r, 0, 1) == 2 + 100);
    CHECK(fo(&r, 0, 2) == 1 + 2 + 20 && fo(&r, 0, 3) == 2 + 100);
    done(&r);
    /* ... unless the node says missing values track true */
    b = forest3("SUM", 2, NULL, 0, INTS(0, 0, 0, 0, 0, 1, 0, 0, 0));
    in = F32(2, D({1, 2}), {NAN, 0});
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    CHECK(fo(&r, 0, 0) == 1 + 10 && fo(&r, 0, 1) == 100);
    done(&r);
}

/* One-split trees, one per mode, on feature 0 with threshold 2. */
TEST(ml_tree_regressor_branch_modes) {
    const char *modes[] = {"BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE",
                           "BRANCH_GT",  "BRANCH_EQ", "BRANCH_NEQ"};
    float xs[] = {1, 2, 3, NAN};
    /* true -> 1, false -> 0 */
    int want[6][4] = {{1, 1, 0, 0}, {1, 0, 0, 0}, {0, 1, 1, 0},
                      {0, 0, 1, 0}, {0, 1, 0, 0}, {1, 0, 1, 0}};
    for (int m = 0; m < 6; m++) {
        lp_builder *b = mlb(3);
        lp_build_input(b, "x", LP_FLOAT, "N,1");
        lp_bnode *n = mln(b, "TreeEnsembleRegressor", "x", "y");
        ints(b, n, "nodes_treeids", 3, INTS(0, 0, 0));
        ints(b, n, "nodes_nodeids", 3, INTS(0, 1, 2));
        ints(b, n, "nodes_featureids", 3, INTS(0, 0, 0));
        flts(b, n, "nodes_values", 3, FLTS(2, 0, 0));
        ints(b, n, "nodes_truenodeids", 3, INTS(1, 0, 0));
        ints(b, n, "nodes_falsenodeids", 3, INTS(2, 0, 0));
        lp_build_attr_strings(b, n, "nodes_modes", 3, STRS(modes[m], "LEAF", "LEAF"));
        ints(b, n, "target_treeids", 2, INTS(0, 0));
        ints(b, n, "target_nodeids", 2, INTS(1, 2));
        ints(b, n, "target_ids", 2, INTS(0, 0));
        flts(b, n, "target_weights", 2, FLTS(1, 0));
        lp_build_attr_int(b, n, "n_targets", 1);
        lp_build_output(b, "y", LP_FLOAT, NULL);
        lp_rvalue in = tensor(LP_FLOAT, 2, INTS(4, 1), xs);
        ml_run r;
        REQUIRE(go(b, &in, 1, &r) == LP_OK);
        for (int i = 0; i < 4; i++) {
            if (fo(&r, 0, i) != want[m][i]) fprintf(stderr, "  %s x=%g\n", modes[m], xs[i]);
            CHECK(fo(&r, 0, i) == want[m][i]);
        }
        done(&r);
    }
}

/* A double threshold (nodes_values_as_tensor) is compared in double: 0.1f
** is above 0.1 as a double, below or equal to 0.1f. */
TEST(ml_tree_regressor_as_tensor_double) {
    for (int as_tensor = 0; as_tensor < 2; as_tensor++) {
        lp_builder *b = mlb(3);
        lp_build_input(b, "x", LP_FLOAT, "N,1");
        lp_bnode *n = mln(b, "TreeEnsembleRegressor", "x", "y");
        ints(b, n, "nodes_treeids", 3, INTS(0, 0, 0));
        ints(b, n, "nodes_nodeids", 3, INTS(0, 1, 2));
        ints(b, n, "nodes_featureids", 3, INTS(0, 0, 0));
        double th[] = {0.1, 0, 0}, w[] = {1, 2};
        if (as_tensor) {
            lp_build_attr_tensor(b, n, "nodes_values_as_tensor", LP_DOUBLE, 1, INTS(3), th,
                                 sizeof th);
            lp_build_attr_tensor(b, n, "target_weights_as_tensor", LP_DOUBLE, 1, INTS(2), w,
                                 sizeof w);
        } else {
            flts(b, n, "nodes_values", 3, FLTS(0.1f, 0, 0));
            flts(b, n, "target_weights", 2, FLTS(1, 2));
        }
        ints(b, n, "nodes_truenodeids", 3, INTS(1, 0, 0));
        ints(b, n, "nodes_falsenodeids", 3, INTS(2, 0, 0));
        lp_build_attr_strings(b, n, "nodes_modes", 3, STRS("BRANCH_LEQ", "LEAF", "LEAF"));
        ints(b, n, "target_treeids", 2, INTS(0, 0));
        ints(b, n, "target_nodeids", 2, INTS(1, 2));
        ints(b, n, "target_ids", 2, INTS(0, 0));
        lp_build_attr_int(b, n, "n_targets", 1);
        lp_build_output(b, "y", LP_FLOAT, NULL);
        lp_rvalue in = F32(2, D({1, 1}), {0.1f});
        ml_run r;
        REQUIRE(go(b, &in, 1, &r) == LP_OK);
        CHECK(fo(&r, 0, 0) == (as_tensor ? 2 : 1));
        done(&r);
    }
}

/* A classifier: 2 trees, 3 classes, weights as per-leaf class shares (as
** scikit-learn's random forests export them), then ZipMap. */
static lp_builder *forest_classifier(bool strings, const char *post) {
    lp_builder *b = mlb(1);
    lp_build_input(b, "x", LP_FLOAT, "N,2");
    lp_bnode *n = mln(b, "TreeEnsembleClassifier", "x", "label,probs");
    /* tree 0: x0 <= 1 ? A : B; tree 1: x1 <= 1 ? C : D */
    ints(b, n, "nodes_treeids", 6, INTS(0, 0, 0, 1, 1, 1));
    ints(b, n, "nodes_nodeids", 6, INTS(0, 1, 2, 0, 1, 2));
    ints(b, n, "nodes_featureids", 6, INTS(0, 0, 0, 1, 0, 0));
    flts(b, n, "nodes_values", 6, FLTS(1, 0, 0, 1, 0, 0));
    ints(b, n, "nodes_truenodeids", 6, INTS(1, 0, 0, 1, 0, 0));
    ints(b, n, "nodes_falsenodeids", 6, INTS(2, 0, 0, 2, 0, 0));
    lp_build_attr_strings(b, n, "nodes_modes", 6,
                          STRS("BRANCH_LEQ", "LEAF", "LEAF", "BRANCH_LEQ", "LEAF", "LEAF"));
    /* A = (1, 0, 0), B = (0, .5, .5), C = (0, 0, 1), D = (.5, .5, 0), halved (two trees) */
    ints(b, n, "class_treeids", 7, INTS(0, 0, 0, 1, 1, 1, 0));
    ints(b, n, "class_nodeids", 7, INTS(1, 2, 2, 1, 2, 2, 0));
    ints(b, n, "class_ids", 7, INTS(0, 1, 2, 2, 0, 1, 1));
    /* the last weight sits on an interior node: ignored, as onnxruntime does */
    flts(b, n, "class_weights", 7, FLTS(0.5f, 0.25f, 0.25f, 0.5f, 0.25f, 0.25f, 99));
    if (strings)
        lp_build_attr_strings(b, n, "classlabels_strings", 3,
                              STRS("setosa", "versicolor", "virginica"));
    else
        ints(b, n, "classlabels_int64s", 3, INTS(0, 1, 2));
    lp_build_attr_string(b, n, "post_transform", post);
    lp_bnode *z = mln(b, "ZipMap", "probs", "zipped");
    lp_build_node_name(b, z, "zip");
    if (strings)
        lp_build_attr_strings(b, z, "classlabels_strings", 3,
                              STRS("setosa", "versicolor", "virginica"));
    else
        ints(b, z, "classlabels_int64s", 3, INTS(0, 1, 2));
    lp_build_output(b, "label", strings ? LP_STRING : LP_INT64, NULL);
    lp_build_output_seq_map(b, "zipped", strings ? LP_STRING : LP_INT64, LP_FLOAT);
    return b;
}

TEST(ml_tree_classifier_forest_and_zipmap) {
    lp_builder *b = forest_classifier(false, "NONE");
    lp_rvalue in = F32(2, D({3, 2}), {0, 0, 5, 0, 5, 5});
    ml_run r;
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    /* row 0: A + C = (.5, 0, .5) -> class 0 (first of the tie); row 1: B + C = (0, .25, .75);
    ** row 2: B + D = (.25, .5, .25) */
    CHECK(io(&r, 0, 0) == 0 && io(&r, 0, 1) == 2 && io(&r, 0, 2) == 1);
    const lp_rvalue *z = r.out[1];
    REQUIRE(z->kind == LP_RV_SEQUENCE && z->n_items == 3);
    const lp_rvalue *m = &z->items[1];
    REQUIRE(m->kind == LP_RV_MAP && m->keys.dtype == LP_INT64 && m->keys.numel == 3);
    CHECK(((int64_t *)m->keys.data)[2] == 2);
    CHECK(((float *)m->vals.data)[0] == 0 && ((float *)m->vals.data)[1] == 0.25f &&
          ((float *)m->vals.data)[2] == 0.75f);
    m = &z->items[2];
    CHECK(((float *)m->vals.data)[0] == 0.25f && ((float *)m->vals.data)[1] == 0.5f);
    done(&r);

    b = forest_classifier(true, "SOFTMAX");
    in = F32(2, D({1, 2}), {5, 0});
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    CHECK_STR(so(&r, 0, 0), "virginica");
    m = &r.out[1]->items[0];
    REQUIRE(m->keys.dtype == LP_STRING);
    CHECK_STR(((char **)m->keys.data)[1], "versicolor");
    double s = exp(0) + exp(0.25) + exp(0.75);
    CHECK_NEAR(((float *)m->vals.data)[2], exp(0.75) / s, 1e-6);
    done(&r);
}

/* Binary boosting: every weight votes for class 0; column 1 is the score. */
static lp_builder *binary_classifier(const char *post, const float *base, int n_base, float w_yes,
                                     float w_no) {
    lp_builder *b = mlb(3);
    lp_build_input(b, "x", LP_DOUBLE, "N,1");
    lp_bnode *n = mln(b, "TreeEnsembleClassifier", "x", "label,probs");
    ints(b, n, "nodes_treeids", 3, INTS(0, 0, 0));
    ints(b, n, "nodes_nodeids", 3, INTS(0, 1, 2));
    ints(b, n, "nodes_featureids", 3, INTS(0, 0, 0));
    flts(b, n, "nodes_values", 3, FLTS(0, 0, 0));
    ints(b, n, "nodes_truenodeids", 3, INTS(1, 0, 0));
    ints(b, n, "nodes_falsenodeids", 3, INTS(2, 0, 0));
    lp_build_attr_strings(b, n, "nodes_modes", 3, STRS("BRANCH_LEQ", "LEAF", "LEAF"));
    ints(b, n, "class_treeids", 2, INTS(0, 0));
    ints(b, n, "class_nodeids", 2, INTS(1, 2));
    ints(b, n, "class_ids", 2, INTS(0, 0));
    flts(b, n, "class_weights", 2, FLTS(w_yes, w_no));
    ints(b, n, "classlabels_int64s", 2, INTS(4, 9));
    if (base) flts(b, n, "base_values", n_base, base);
    lp_build_attr_string(b, n, "post_transform", post);
    lp_build_output(b, "label", LP_INT64, NULL);
    lp_build_output(b, "probs", LP_FLOAT, NULL);
    return b;
}

TEST(ml_tree_classifier_binary) {
    /* LOGISTIC with a base value: s = base + leaf; probabilities [1 - p, p] */
    lp_builder *b = binary_classifier("LOGISTIC", FLTS(0.25f), 1, -1.5f, 2);
    lp_rvalue in = tensor(LP_DOUBLE, 2, INTS(2, 1), (double[]){-1, 1});
    ml_run r;
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    CHECK(shape_is(&r, 1, 2, 2, 2));
    CHECK_NEAR(fo(&r, 1, 0), sigm(1.25), 1e-6);
    CHECK_NEAR(fo(&r, 1, 1), sigm(-1.25), 1e-6);
    CHECK_NEAR(fo(&r, 1, 3), sigm(2.25), 1e-6);
    CHECK(io(&r, 0, 0) == 4 && io(&r, 0, 1) == 9);
    done(&r);
    /* NONE with shares: [1 - s, s], the label wins past one half */
    b = binary_classifier("NONE", NULL, 0, 0.25f, 0.75f);
    in = tensor(LP_DOUBLE, 2, INTS(2, 1), (double[]){-1, 1});
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    CHECK(fo(&r, 1, 0) == 0.75f && fo(&r, 1, 1) == 0.25f);
    CHECK(fo(&r, 1, 2) == 0.25f && fo(&r, 1, 3) == 0.75f);
    CHECK(io(&r, 0, 0) == 4 && io(&r, 0, 1) == 9);
    done(&r);
}

/* ---- TreeEnsemble, ai.onnx.ml 5 ---- */

/* tree 0: x0 in {1, 3} ? leaf0 : (x1 != 5 ? leaf1 : leaf2); tree 1: leaf 3 alone. */
static lp_builder *ensemble5(int agg, int post, lp_dtype xt) {
    lp_builder *b = mlb(5);
    lp_build_input(b, "x", xt, "N,2");
    lp_bnode *n = mln(b, "TreeEnsemble", "x", "y");
    uint8_t modes[] = {6, 5, 0};
    lp_build_attr_tensor(b, n, "nodes_modes", LP_UINT8, 1, INTS(3), modes, 3);
    double splits[] = {0, 5, 0};
    lp_build_attr_tensor(b, n, "nodes_splits", LP_DOUBLE, 1, INTS(3), splits, sizeof splits);
    ints(b, n, "nodes_featureids", 3, INTS(0, 1, 0));
    ints(b, n, "nodes_truenodeids", 3, INTS(0, 1, 3));
    ints(b, n, "nodes_trueleafs", 3, INTS(1, 1, 1));
    ints(b, n, "nodes_falsenodeids", 3, INTS(1, 2, 3));
    ints(b, n, "nodes_falseleafs", 3, INTS(0, 1, 1));
    ints(b, n, "tree_roots", 2, INTS(0, 2));
    float members[] = {3, 1, NAN};
    lp_build_attr_tensor(b, n, "membership_values", LP_FLOAT, 1, INTS(3), members, sizeof members);
    ints(b, n, "leaf_targetids", 4, INTS(0, 1, 1, 0));
    float w[] = {1, 2, 4, 8};
    lp_build_attr_tensor(b, n, "leaf_weights", LP_FLOAT, 1, INTS(4), w, sizeof w);
    lp_build_attr_int(b, n, "n_targets", 2);
    lp_build_attr_int(b, n, "aggregate_function", agg);
    lp_build_attr_int(b, n, "post_transform", post);
    lp_build_output(b, "y", xt, NULL);
    return b;
}

TEST(ml_tree_ensemble_v5_members_neq_nan) {
    lp_builder *b = ensemble5(1, 0, LP_DOUBLE);
    /* rows: x0 = 3 (member) ; x0 = 2, x1 = 4 (NEQ true) ; x1 = 5 ; x1 = NaN (NEQ is true for NaN)
     */
    double x[] = {3, 0, 2, 4, 2, 5, 2, NAN};
    lp_rvalue in = tensor(LP_DOUBLE, 2, INTS(4, 2), x);
    ml_run r;
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    REQUIRE(r.out[0]->t.dtype == LP_DOUBLE && shape_is(&r, 0, 2, 4, 2));
    double want[] = {1 + 8, 0, 8, 2, 8, 4, 8, 2};
    for (int i = 0; i < 8; i++) CHECK(dou(&r, 0, i) == want[i]);
    done(&r);
    /* float16 in, float16 out */
    b = ensemble5(1, 0, LP_FLOAT16);
    uint16_t h[] = {lp_float_to_half(3), 0, lp_float_to_half(2), lp_float_to_half(5)};
    in = tensor(LP_FLOAT16, 2, INTS(2, 2), h);
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    REQUIRE(r.out[0]->t.dtype == LP_FLOAT16);
    const uint16_t *hy = r.out[0]->t.data;
    CHECK(lp_half_to_float(hy[0]) == 9 && lp_half_to_float(hy[1]) == 0);
    CHECK(lp_half_to_float(hy[2]) == 8 && lp_half_to_float(hy[3]) == 4);
    done(&r);
    /* AVERAGE over the two trees, then SOFTMAX over the targets */
    b = ensemble5(0, 1, LP_FLOAT);
    in = F32(2, D({1, 2}), {2, 4});
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    double e = exp(1 - 4.0);
    CHECK_NEAR(fo(&r, 0, 1), e / (1 + e), 1e-6);
    done(&r);
}

/* ---- a big random forest against a plain recursive walk ---- */

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

typedef struct rtree {
    int n;
    int64_t feat[64], yes[64], no[64];
    float th[64], w[64];
    bool leaf[64];
} rtree;

static int grow(rtree *t, int depth) {
    int i = t->n++;
    t->leaf[i] = depth == 0 || rnd() % 5 == 0;
    t->w[i] = (float)(rnd() % 1000) / 100.0f;
    t->feat[i] = rnd() % 4;
    t->th[i] = (float)(rnd() % 100) / 10.0f;
    t->yes[i] = t->no[i] = 0;
    if (!t->leaf[i]) {
        t->yes[i] = grow(t, depth - 1);
        t->no[i] = grow(t, depth - 1);
    }
    return i;
}

static float eval(const rtree *t, int i, const float *x) {
    while (!t->leaf[i]) i = (int)(x[t->feat[i]] <= t->th[i] ? t->yes[i] : t->no[i]);
    return t->w[i];
}

TEST(ml_tree_regressor_random_forest_matches_walk) {
    enum { TREES = 300, ROWS = 200 };
    rtree *trees = calloc(TREES, sizeof *trees);
    int total = 0;
    for (int t = 0; t < TREES; t++) {
        grow(&trees[t], 5);
        total += trees[t].n;
    }
    int64_t *tid = malloc(total * sizeof *tid), *nid = malloc(total * sizeof *nid);
    int64_t *feat = malloc(total * sizeof *feat), *yes = malloc(total * sizeof *yes);
    int64_t *no = malloc(total * sizeof *no);
    float *th = malloc(total * sizeof *th), *w = malloc(total * sizeof *w);
    const char **modes = malloc(total * sizeof *modes);
    int at = 0;
    for (int t = 0; t < TREES; t++)
        for (int i = 0; i < trees[t].n; i++, at++) {
            tid[at] = t;
            nid[at] = i;
            feat[at] = trees[t].feat[i];
            th[at] = trees[t].th[i];
            yes[at] = trees[t].yes[i];
            no[at] = trees[t].no[i];
            w[at] = trees[t].w[i];
            modes[at] = trees[t].leaf[i] ? "LEAF" : "BRANCH_LEQ";
        }
    lp_builder *b = mlb(1);
    lp_build_input(b, "x", LP_FLOAT, "N,4");
    lp_bnode *n = mln(b, "TreeEnsembleRegressor", "x", "y");
    ints(b, n, "nodes_treeids", total, tid);
    ints(b, n, "nodes_nodeids", total, nid);
    ints(b, n, "nodes_featureids", total, feat);
    flts(b, n, "nodes_values", total, th);
    ints(b, n, "nodes_truenodeids", total, yes);
    ints(b, n, "nodes_falsenodeids", total, no);
    lp_build_attr_strings(b, n, "nodes_modes", total, modes);
    /* every node carries a weight; only leaves count */
    ints(b, n, "target_treeids", total, tid);
    ints(b, n, "target_nodeids", total, nid);
    int64_t *zeros = calloc(total, sizeof *zeros);
    ints(b, n, "target_ids", total, zeros);
    flts(b, n, "target_weights", total, w);
    lp_build_attr_int(b, n, "n_targets", 1);
    lp_build_attr_string(b, n, "aggregate_function", "AVERAGE");
    lp_build_output(b, "y", LP_FLOAT, NULL);
    float *x = malloc(ROWS * 4 * sizeof *x);
    for (int i = 0; i < ROWS * 4; i++) x[i] = (float)(rnd() % 110) / 10.0f;
    float *want = malloc(ROWS * sizeof *want);
    for (int r = 0; r < ROWS; r++) {
        double s = 0;
        for (int t = 0; t < TREES; t++) s += eval(&trees[t], 0, x + r * 4);
        want[r] = (float)(s / TREES);
    }
    lp_rvalue in = tensor(LP_FLOAT, 2, INTS(ROWS, 4), x);
    ml_run r;
    int rc = go(b, &in, 1, &r);
    CHECK(rc == LP_OK);
    int bad = 0;
    for (int i = 0; rc == LP_OK && i < ROWS; i++) bad += fabsf(fo(&r, 0, i) - want[i]) > 1e-4f;
    CHECK(bad == 0);
    if (rc == LP_OK) done(&r);
    free(want);
    free(x);
    free(zeros);
    free(tid), free(nid), free(feat), free(yes), free(no), free(th), free(w), free(modes);
    free(trees);
}

/* ---- hostile tree attributes ---- */

/* A legacy regressor from parallel lists; NULL keeps a list out. */
static int hostile_tree(ml_run *r, int nn, const int64_t *tree, const int64_t *node, int nfeat,
                        const int64_t *feat, const int64_t *yes, const int64_t *no,
                        const char *const *modes, int nw, const int64_t *wtree,
                        const int64_t *wnode, const int64_t *wid, int x_cols) {
    lp_builder *b = mlb(1);
    lp_build_input(b, "x", LP_FLOAT, "N,?");
    lp_bnode *n = mln(b, "TreeEnsembleRegressor", "x", "y");
    ints(b, n, "nodes_treeids", nn, tree);
    ints(b, n, "nodes_nodeids", nn, node);
    ints(b, n, "nodes_featureids", nfeat, feat);
    float vals[16] = {0};
    flts(b, n, "nodes_values", nn, vals);
    ints(b, n, "nodes_truenodeids", nn, yes);
    ints(b, n, "nodes_falsenodeids", nn, no);
    lp_build_attr_strings(b, n, "nodes_modes", nn, modes);
    ints(b, n, "target_treeids", nw, wtree);
    ints(b, n, "target_nodeids", nw, wnode);
    ints(b, n, "target_ids", nw, wid);
    float w[16] = {1, 2, 3, 4};
    flts(b, n, "target_weights", nw, w);
    lp_build_attr_int(b, n, "n_targets", 1);
    lp_build_output(b, "y", LP_FLOAT, NULL);
    lp_rvalue in = tensor(LP_FLOAT, 2, INTS(1, x_cols), FLTS(1, 2, 3));
    return go(b, &in, 1, r);
}

TEST(ml_tree_hostile_attributes_fail_cleanly) {
    ml_run r;
    const char *three[] = {"BRANCH_LEQ", "LEAF", "LEAF"};
    /* the baseline is fine */
    int rc = hostile_tree(&r, 3, INTS(0, 0, 0), INTS(0, 1, 2), 3, INTS(0, 0, 0), INTS(1, 0, 0),
                          INTS(2, 0, 0), three, 2, INTS(0, 0), INTS(1, 2), INTS(0, 0), 3);
    CHECK(rc == LP_OK);
    if (rc == LP_OK) done(&r);
    /* a child id the tree lacks */
    rc = hostile_tree(&r, 3, INTS(0, 0, 0), INTS(0, 1, 2), 3, INTS(0, 0, 0), INTS(7, 0, 0),
                      INTS(2, 0, 0), three, 2, INTS(0, 0), INTS(1, 2), INTS(0, 0), 3);
    CHECK(fails_with(&r, rc, "node 7"));
    /* a cycle: node 1 leads back to node 0 */
    rc = hostile_tree(&r, 3, INTS(0, 0, 0), INTS(0, 1, 2), 3, INTS(0, 0, 0), INTS(1, 0, 0),
                      INTS(2, 2, 0), STRS("BRANCH_LEQ", "BRANCH_LEQ", "LEAF"), 1, INTS(0), INTS(2),
                      INTS(0), 3);
    CHECK(fails_with(&r, rc, "reached twice"));
    /* a self loop */
    rc = hostile_tree(&r, 2, INTS(0, 0), INTS(0, 1), 2, INTS(0, 0), INTS(0, 0), INTS(1, 0),
                      STRS("BRANCH_LEQ", "LEAF"), 1, INTS(0), INTS(1), INTS(0), 3);
    CHECK(fails_with(&r, rc, "reached twice"));
    /* the same (tree, node) twice */
    rc = hostile_tree(&r, 3, INTS(0, 0, 0), INTS(0, 1, 1), 3, INTS(0, 0, 0), INTS(1, 0, 0),
                      INTS(1, 0, 0), three, 1, INTS(0), INTS(1), INTS(0), 3);
    CHECK(fails_with(&r, rc, "listed twice"));
    /* lists of different lengths */
    rc = hostile_tree(&r, 3, INTS(0, 0, 0), INTS(0, 1, 2), 1, INTS(0), INTS(1, 0, 0), INTS(2, 0, 0),
                      three, 2, INTS(0, 0), INTS(1, 2), INTS(0, 0), 3);
    CHECK(fails_with(&r, rc, "nodes_featureids"));
    /* an unknown mode */
    rc = hostile_tree(&r, 3, INTS(0, 0, 0), INTS(0, 1, 2), 3, INTS(0, 0, 0), INTS(1, 0, 0),
                      INTS(2, 0, 0), STRS("BRANCH_SOMETIMES", "LEAF", "LEAF"), 2, INTS(0, 0),
                      INTS(1, 2), INTS(0, 0), 3);
    CHECK(fails_with(&r, rc, "BRANCH_SOMETIMES"));
    /* a weight on a node that does not exist, and one for a target out of range */
    rc = hostile_tree(&r, 3, INTS(0, 0, 0), INTS(0, 1, 2), 3, INTS(0, 0, 0), INTS(1, 0, 0),
                      INTS(2, 0, 0), three, 2, INTS(0, 5), INTS(1, 2), INTS(0, 0), 3);
    CHECK(fails_with(&r, rc, "does not exist"));
    rc = hostile_tree(&r, 3, INTS(0, 0, 0), INTS(0, 1, 2), 3, INTS(0, 0, 0), INTS(1, 0, 0),
                      INTS(2, 0, 0), three, 2, INTS(0, 0), INTS(1, 2), INTS(0, 3), 3);
    CHECK(fails_with(&r, rc, "n_targets"));
    /* a negative feature, and a feature beyond X's columns (bad input at run time) */
    rc = hostile_tree(&r, 3, INTS(0, 0, 0), INTS(0, 1, 2), 3, INTS(-4, 0, 0), INTS(1, 0, 0),
                      INTS(2, 0, 0), three, 2, INTS(0, 0), INTS(1, 2), INTS(0, 0), 3);
    CHECK(fails_with(&r, rc, "feature -4"));
    rc = hostile_tree(&r, 3, INTS(0, 0, 0), INTS(0, 1, 2), 3, INTS(2, 0, 0), INTS(1, 0, 0),
                      INTS(2, 0, 0), three, 2, INTS(0, 0), INTS(1, 2), INTS(0, 0), 2);
    CHECK(rc == LP_EINPUT);
    CHECK(fails_with(&r, rc, "feature 2"));
}

TEST(ml_tree_ensemble_v5_hostile) {
    struct {
        const char *what;
        int64_t yes0, root, leaf_target;
        bool members;
    } cases[] = {
        {"out of range", 99, 0, 0, true},  /* a node index past the end */
        {"tree_roots", 0, 9, 0, true},     /* a root past the end */
        {"target", 0, 0, -1, true},        /* a negative target */
        {"BRANCH_MEMBER", 0, 0, 0, false}, /* member nodes without sets */
    };
    for (int c = 0; c < NELEM(cases); c++) {
        lp_builder *b = mlb(5);
        lp_build_input(b, "x", LP_FLOAT, "N,2");
        lp_bnode *n = mln(b, "TreeEnsemble", "x", "y");
        uint8_t modes[] = {6, 5, 0};
        lp_build_attr_tensor(b, n, "nodes_modes", LP_UINT8, 1, INTS(3), modes, 3);
        float splits[] = {0, 5, 0};
        lp_build_attr_tensor(b, n, "nodes_splits", LP_FLOAT, 1, INTS(3), splits, sizeof splits);
        ints(b, n, "nodes_featureids", 3, INTS(0, 1, 0));
        ints(b, n, "nodes_truenodeids", 3, INTS(cases[c].yes0, 1, 3));
        ints(b, n, "nodes_trueleafs", 3, INTS(1, 1, 1));
        ints(b, n, "nodes_falsenodeids", 3, INTS(1, 2, 3));
        ints(b, n, "nodes_falseleafs", 3, INTS(0, 1, 1));
        ints(b, n, "tree_roots", 2, INTS(cases[c].root, 2));
        if (cases[c].members) {
            float members[] = {3, 1, NAN};
            lp_build_attr_tensor(b, n, "membership_values", LP_FLOAT, 1, INTS(3), members,
                                 sizeof members);
        }
        ints(b, n, "leaf_targetids", 4, INTS(0, 1, cases[c].leaf_target, 0));
        float w[] = {1, 2, 4, 8};
        lp_build_attr_tensor(b, n, "leaf_weights", LP_FLOAT, 1, INTS(4), w, sizeof w);
        lp_build_attr_int(b, n, "n_targets", 2);
        lp_build_output(b, "y", LP_FLOAT, NULL);
        lp_rvalue in = F32(2, D({1, 2}), {1, 1});
        ml_run r;
        CHECK(fails_with(&r, go(b, &in, 1, &r), cases[c].what));
    }
    /* a cycle through node indices: 0 -> 1 -> 0 */
    lp_builder *b = mlb(5);
    lp_build_input(b, "x", LP_FLOAT, "N,1");
    lp_bnode *n = mln(b, "TreeEnsemble", "x", "y");
    uint8_t modes[] = {0, 0};
    lp_build_attr_tensor(b, n, "nodes_modes", LP_UINT8, 1, INTS(2), modes, 2);
    float splits[] = {0, 0};
    lp_build_attr_tensor(b, n, "nodes_splits", LP_FLOAT, 1, INTS(2), splits, sizeof splits);
    ints(b, n, "nodes_featureids", 2, INTS(0, 0));
    ints(b, n, "nodes_truenodeids", 2, INTS(1, 0));
    ints(b, n, "nodes_trueleafs", 2, INTS(0, 0));
    ints(b, n, "nodes_falsenodeids", 2, INTS(0, 0));
    ints(b, n, "nodes_falseleafs", 2, INTS(1, 1));
    ints(b, n, "tree_roots", 1, INTS(0));
    ints(b, n, "leaf_targetids", 1, INTS(0));
    float w[] = {1};
    lp_build_attr_tensor(b, n, "leaf_weights", LP_FLOAT, 1, INTS(1), w, sizeof w);
    lp_build_attr_int(b, n, "n_targets", 1);
    lp_build_output(b, "y", LP_FLOAT, NULL);
    lp_rvalue in = F32(2, D({1, 1}), {1});
    ml_run r;
    CHECK(fails_with(&r, go(b, &in, 1, &r), "reached twice"));
}

/* ---- SVMs ---- */

TEST(ml_svm_regressor_linear_rbf_one_class) {
    lp_builder *b = mlb(1);
    lp_build_input(b, "x", LP_FLOAT, "N,2");
    lp_bnode *n = mln(b, "SVMRegressor", "x", "y");
    flts(b, n, "coefficients", 2, FLTS(1, 2));
    flts(b, n, "rho", 1, FLTS(0.5f));
    lp_build_output(b, "y", LP_FLOAT, NULL);
    lp_rvalue in = F32(2, D({2, 2}), {1, 1, -1, 0});
    ml_run r;
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    CHECK(shape_is(&r, 0, 2, 2, 1) && fo(&r, 0, 0) == 3.5f && fo(&r, 0, 1) == -0.5f);
    done(&r);

    for (int one_class = 0; one_class < 2; one_class++) {
        b = mlb(1);
        lp_build_input(b, "x", LP_FLOAT, "N,2");
        n = mln(b, "SVMRegressor", "x", "y");
        lp_build_attr_int(b, n, "n_supports", 2);
        lp_build_attr_string(b, n, "kernel_type", "RBF");
        flts(b, n, "kernel_params", 3, FLTS(0.5f, 0, 3));
        flts(b, n, "support_vectors", 4, FLTS(0, 0, 1, 1));
        flts(b, n, "coefficients", 2, FLTS(1, -1));
        flts(b, n, "rho", 1, FLTS(0.1f));
        lp_build_attr_int(b, n, "one_class", one_class);
        lp_build_output(b, "y", LP_FLOAT, NULL);
        in = F32(2, D({2, 2}), {0, 0, 2, 2});
        REQUIRE(go(b, &in, 1, &r) == LP_OK);
        double s0 = 1 - exp(-1.0) + 0.1f, s1 = exp(-4.0) - exp(-1.0) + 0.1f;
        if (one_class) {
            CHECK(fo(&r, 0, 0) == 1 && fo(&r, 0, 1) == -1);
        } else {
            CHECK_NEAR(fo(&r, 0, 0), s0, 1e-6);
            CHECK_NEAR(fo(&r, 0, 1), s1, 1e-6);
        }
        done(&r);
    }
}

TEST(ml_svm_regressor_poly_sigmoid) {
    const char *kinds[] = {"POLY", "SIGMOID"};
    for (int i = 0; i < 2; i++) {
        lp_builder *b = mlb(1);
        lp_build_input(b, "x", LP_FLOAT, "N,2");
        lp_bnode *n = mln(b, "SVMRegressor", "x", "y");
        lp_build_attr_int(b, n, "n_supports", 1);
        lp_build_attr_string(b, n, "kernel_type", kinds[i]);
        flts(b, n, "kernel_params", 3, FLTS(0.5f, 1, 2));
        flts(b, n, "support_vectors", 2, FLTS(1, 2));
        flts(b, n, "coefficients", 1, FLTS(2));
        flts(b, n, "rho", 1, FLTS(0));
        lp_build_output(b, "y", LP_FLOAT, NULL);
        lp_rvalue in = F32(2, D({1, 2}), {1, 1});
        ml_run r;
        REQUIRE(go(b, &in, 1, &r) == LP_OK);
        /* dot = 3; 0.5 * 3 + 1 = 2.5 */
        CHECK_NEAR(fo(&r, 0, 0), i == 0 ? 2 * 2.5 * 2.5 : 2 * tanh(2.5), 1e-5);
        done(&r);
    }
}

static lp_builder *svc(int classes, const int64_t *vpc, int n_sv, const float *sv, int n_coef,
                       const float *coef, int n_rho, const float *rho, const float *pa,
                       const float *pb, const char *post) {
    lp_builder *b = mlb(1);
    lp_build_input(b, "x", LP_FLOAT, "N,?");
    lp_bnode *n = mln(b, "SVMClassifier", "x", "label,scores");
    ints(b, n, "classlabels_ints", classes, INTS(10, 20, 30));
    ints(b, n, "vectors_per_class", classes, vpc);
    lp_build_attr_string(b, n, "kernel_type", "LINEAR");
    flts(b, n, "support_vectors", n_sv * 2, sv);
    flts(b, n, "coefficients", n_coef, coef);
    flts(b, n, "rho", n_rho, rho);
    if (pa) {
        flts(b, n, "prob_a", n_rho, pa);
        flts(b, n, "prob_b", n_rho, pb);
    }
    lp_build_attr_string(b, n, "post_transform", post);
    lp_build_output(b, "label", LP_INT64, NULL);
    lp_build_output(b, "scores", LP_FLOAT, NULL);
    return b;
}

/* libsvm's binary SVC: s = rho + c0 (x . sv0) + c1 (x . sv1); s > 0 votes for
** the first class; the scores are [-s, s]. */
TEST(ml_svm_classifier_binary) {
    lp_builder *b =
        svc(2, INTS(1, 1), 2, FLTS(1, 0, 0, 1), 2, FLTS(1, -1), 1, FLTS(0), NULL, NULL, "NONE");
    lp_rvalue in = F32(2, D({2, 2}), {2, 1, 0, 3});
    ml_run r;
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    CHECK(shape_is(&r, 1, 2, 2, 2));
    CHECK(io(&r, 0, 0) == 10 && io(&r, 0, 1) == 20);
    CHECK(fo(&r, 1, 0) == -1 && fo(&r, 1, 1) == 1 && fo(&r, 1, 2) == 3 && fo(&r, 1, 3) == -3);
    done(&r);

    /* with Platt's sigmoid: for two classes the coupling returns the pair's probability */
    b = svc(2, INTS(1, 1), 2, FLTS(1, 0, 0, 1), 2, FLTS(1, -1), 1, FLTS(0), FLTS(-2), FLTS(0.5f),
            "NONE");
    in = F32(2, D({1, 2}), {2, 1});
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    double p = 1 - sigm(1 * -2 + 0.5);
    CHECK(shape_is(&r, 1, 2, 1, 2));
    CHECK_NEAR(fo(&r, 1, 0), p, 3e-3);
    CHECK_NEAR(fo(&r, 1, 0) + fo(&r, 1, 1), 1, 1e-5);
    CHECK(io(&r, 0, 0) == 10);
    done(&r);
}

/* Three classes, one support vector each: the pairs (0,1), (0,2), (1,2). */
TEST(ml_svm_classifier_three_classes) {
    /* coefficient row 0 holds class 1's and 2's weights against class 0 ... */
    float coef[] = {1, 1, 1, -1, -1, -1};
    float sv[] = {1, 0, 0, 1, 1, 1};
    lp_builder *b = svc(3, INTS(1, 1, 1), 3, sv, 6, coef, 3, FLTS(0, 0, -1), NULL, NULL, "NONE");
    lp_rvalue in = F32(2, D({1, 2}), {2, 0});
    ml_run r;
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    /* kernels k = (2, 0, 2); pair (0,1): c[0][0] k0 + c[0][1] k1 = 2 + 0 = 2 -> class 0
    ** pair (0,2): c[1][0] k0 + c[0][2] k2 = -2 + 2 = 0 -> class 2
    ** pair (1,2): -1 + c[1][1] k1 + c[1][2] k2 = -1 + 0 - 2 = -3 -> class 2 */
    CHECK(shape_is(&r, 1, 2, 1, 3));
    CHECK(fo(&r, 1, 0) == 2 && fo(&r, 1, 1) == 0 && fo(&r, 1, 2) == -3);
    CHECK(io(&r, 0, 0) == 30);
    done(&r);

    /* probabilities over the three classes sum to one and follow the votes */
    b = svc(3, INTS(1, 1, 1), 3, sv, 6, coef, 3, FLTS(0, 0, -1), FLTS(-1, -1, -1), FLTS(0, 0, 0),
            "NONE");
    in = F32(2, D({1, 2}), {2, 0});
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    CHECK(shape_is(&r, 1, 2, 1, 3));
    CHECK_NEAR(fo(&r, 1, 0) + fo(&r, 1, 1) + fo(&r, 1, 2), 1, 1e-5);
    CHECK(fo(&r, 1, 2) > fo(&r, 1, 1));
    CHECK(io(&r, 0, 0) == 30);
    done(&r);
}

TEST(ml_svm_hostile) {
    ml_run r;
    /* vectors_per_class for three classes, two labels */
    lp_builder *b = mlb(1);
    lp_build_input(b, "x", LP_FLOAT, "N,2");
    lp_bnode *n = mln(b, "SVMClassifier", "x", "label,scores");
    ints(b, n, "classlabels_ints", 2, INTS(0, 1));
    ints(b, n, "vectors_per_class", 3, INTS(1, 1, 1));
    flts(b, n, "support_vectors", 6, FLTS(1, 0, 0, 1, 1, 1));
    flts(b, n, "coefficients", 3, FLTS(1, 1, 1));
    flts(b, n, "rho", 1, FLTS(0));
    lp_build_output(b, "label", LP_INT64, NULL);
    lp_build_output(b, "scores", LP_FLOAT, NULL);
    lp_rvalue in = F32(2, D({1, 2}), {1, 1});
    CHECK(fails_with(&r, go(b, &in, 1, &r), "vectors_per_class"));
    /* too few coefficients, too few rho */
    b = svc(3, INTS(1, 1, 1), 3, FLTS(1, 0, 0, 1, 1, 1), 4, FLTS(1, 1, 1, 1), 3, FLTS(0, 0, 0),
            NULL, NULL, "NONE");
    in = F32(2, D({1, 2}), {1, 1});
    CHECK(fails_with(&r, go(b, &in, 1, &r), "coefficients"));
    b = svc(3, INTS(1, 1, 1), 3, FLTS(1, 0, 0, 1, 1, 1), 6, FLTS(1, 1, 1, 1, 1, 1), 2, FLTS(0, 0),
            NULL, NULL, "NONE");
    in = F32(2, D({1, 2}), {1, 1});
    CHECK(fails_with(&r, go(b, &in, 1, &r), "rho"));
    /* kernel_params too short */
    b = mlb(1);
    lp_build_input(b, "x", LP_FLOAT, "N,2");
    n = mln(b, "SVMRegressor", "x", "y");
    flts(b, n, "kernel_params", 2, FLTS(1, 1));
    flts(b, n, "coefficients", 2, FLTS(1, 1));
    flts(b, n, "rho", 1, FLTS(0));
    lp_build_output(b, "y", LP_FLOAT, NULL);
    in = F32(2, D({1, 2}), {1, 1});
    CHECK(fails_with(&r, go(b, &in, 1, &r), "kernel_params"));
    /* support vectors that do not split evenly */
    b = mlb(1);
    lp_build_input(b, "x", LP_FLOAT, "N,2");
    n = mln(b, "SVMRegressor", "x", "y");
    lp_build_attr_int(b, n, "n_supports", 2);
    flts(b, n, "support_vectors", 3, FLTS(1, 1, 1));
    flts(b, n, "coefficients", 2, FLTS(1, 1));
    flts(b, n, "rho", 1, FLTS(0));
    lp_build_output(b, "y", LP_FLOAT, NULL);
    in = F32(2, D({1, 2}), {1, 1});
    CHECK(fails_with(&r, go(b, &in, 1, &r), "support vector"));
    /* the wrong feature count at run time */
    b = svc(2, INTS(1, 1), 2, FLTS(1, 0, 0, 1), 2, FLTS(1, -1), 1, FLTS(0), NULL, NULL, "NONE");
    in = F32(2, D({1, 3}), {1, 1, 1});
    int rc = go(b, &in, 1, &r);
    CHECK(rc == LP_EINPUT);
    CHECK(fails_with(&r, rc, "features"));
}

/* ---- preprocessing ---- */

static lp_builder *unary(const char *op, lp_dtype in, const char *shape, lp_dtype out,
                         lp_bnode **n) {
    lp_builder *b = mlb(1);
    lp_build_input(b, "x", in, shape);
    *n = mln(b, op, "x", "y");
    lp_build_output(b, "y", out, NULL);
    return b;
}

TEST(ml_normalizer_max_l1_l2) {
    const char *norms[] = {"MAX", "L1", "L2"};
    /* MAX divides by the largest value (2 here), as the spec writes it */
    float want[3][6] = {{-2, 1, 0.5f, 0, 0, 0},
                        {-4.0f / 7, 2.0f / 7, 1.0f / 7, 0, 0, 0},
                        {-4 / sqrtf(21), 2 / sqrtf(21), 1 / sqrtf(21), 0, 0, 0}};
    for (int i = 0; i < 3; i++) {
        lp_bnode *n;
        lp_builder *b = unary("Normalizer", LP_FLOAT, "N,3", LP_FLOAT, &n);
        lp_build_attr_string(b, n, "norm", norms[i]);
        lp_rvalue in = F32(2, D({2, 3}), {-4, 2, 1, 0, 0, 0});
        ml_run r;
        REQUIRE(go(b, &in, 1, &r) == LP_OK);
        for (int j = 0; j < 6; j++) CHECK_NEAR(fo(&r, 0, j), want[i][j], 1e-6);
        done(&r);
    }
    lp_bnode *n;
    lp_builder *b = unary("Normalizer", LP_FLOAT, "N,3", LP_FLOAT, &n);
    lp_build_attr_string(b, n, "norm", "L3");
    lp_rvalue in = F32(2, D({1, 3}), {1, 2, 3});
    ml_run r;
    CHECK(fails_with(&r, go(b, &in, 1, &r), "norm"));
}

TEST(ml_scaler_binarizer_imputer) {
    lp_bnode *n;
    lp_builder *b = unary("Scaler", LP_INT32, "N,2", LP_FLOAT, &n);
    flts(b, n, "offset", 2, FLTS(1, -1));
    flts(b, n, "scale", 1, FLTS(0.5f));
    lp_rvalue in = tensor(LP_INT32, 2, INTS(2, 2), (int32_t[]){3, 3, 1, -1});
    ml_run r;
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    CHECK(fo(&r, 0, 0) == 1 && fo(&r, 0, 1) == 2 && fo(&r, 0, 2) == 0 && fo(&r, 0, 3) == 0);
    done(&r);
    b = unary("Scaler", LP_FLOAT, "N,2", LP_FLOAT, &n);
    flts(b, n, "offset", 3, FLTS(1, 2, 3));
    in = F32(2, D({1, 2}), {1, 1});
    CHECK(fails_with(&r, go(b, &in, 1, &r), "offset"));

    b = unary("Binarizer", LP_FLOAT, "4", LP_FLOAT, &n);
    lp_build_attr_float(b, n, "threshold", 1);
    in = F32(1, D({4}), {0.5f, 1, 1.5f, NAN});
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    CHECK(fo(&r, 0, 0) == 0 && fo(&r, 0, 1) == 0 && fo(&r, 0, 2) == 1 && fo(&r, 0, 3) == 0);
    done(&r);
    b = unary("Binarizer", LP_INT64, "3", LP_INT64, &n);
    in = tensor(LP_INT64, 1, INTS(3), INTS(-5, 0, 7));
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    CHECK(io(&r, 0, 0) == 0 && io(&r, 0, 1) == 0 && io(&r, 0, 2) == 1);
    done(&r);

    /* NaN replaced per feature */
    b = unary("Imputer", LP_FLOAT, "N,2", LP_FLOAT, &n);
    flts(b, n, "imputed_value_floats", 2, FLTS(7, 8));
    lp_build_attr_float(b, n, "replaced_value_float", NAN);
    in = F32(2, D({2, 2}), {NAN, 1, 2, NAN});
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    CHECK(fo(&r, 0, 0) == 7 && fo(&r, 0, 1) == 1 && fo(&r, 0, 2) == 2 && fo(&r, 0, 3) == 8);
    done(&r);
    /* an integer marker, one value for all features */
    b = unary("Imputer", LP_INT64, "N,2", LP_INT64, &n);
    ints(b, n, "imputed_value_int64s", 1, INTS(-9));
    lp_build_attr_int(b, n, "replaced_value_int64", 0);
    in = tensor(LP_INT64, 2, INTS(2, 2), INTS(0, 1, 2, 0));
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    CHECK(io(&r, 0, 0) == -9 && io(&r, 0, 1) == 1 && io(&r, 0, 2) == 2 && io(&r, 0, 3) == -9);
    done(&r);
    /* float values for integer input: refused */
    b = unary("Imputer", LP_INT64, "N,2", LP_INT64, &n);
    flts(b, n, "imputed_value_floats", 1, FLTS(1));
    in = tensor(LP_INT64, 2, INTS(1, 2), INTS(0, 1));
    CHECK(fails_with(&r, go(b, &in, 1, &r), "imputed_value_int64s"));
    /* three values for two features */
    b = unary("Imputer", LP_FLOAT, "N,2", LP_FLOAT, &n);
    flts(b, n, "imputed_value_floats", 3, FLTS(1, 2, 3));
    in = F32(2, D({1, 2}), {0, 1});
    CHECK(fails_with(&r, go(b, &in, 1, &r), "imputed_value_floats"));
}

/* ---- encoders ---- */

TEST(ml_one_hot_encoder) {
    lp_bnode *n;
    lp_builder *b = unary("OneHotEncoder", LP_STRING, "N,2", LP_FLOAT, &n);
    lp_build_attr_strings(b, n, "cats_strings", 3, STRS("a", "b", "c"));
    lp_rvalue in = tensor(LP_STRING, 2, INTS(1, 2), STRS("c", "zz"));
    ml_run r;
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    REQUIRE(r.out[0]->t.rank == 3 && r.out[0]->t.dims[2] == 3);
    float want[] = {0, 0, 1, 0, 0, 0};
    for (int i = 0; i < 6; i++) CHECK(fo(&r, 0, i) == want[i]);
    done(&r);
    /* floats are cast to integers */
    b = unary("OneHotEncoder", LP_DOUBLE, "3", LP_FLOAT, &n);
    ints(b, n, "cats_int64s", 3, INTS(4, 2, 9));
    in = tensor(LP_DOUBLE, 1, INTS(3), (double[]){2.7, 9, NAN});
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    float want2[] = {0, 1, 0, 0, 0, 1, 0, 0, 0};
    for (int i = 0; i < 9; i++) CHECK(fo(&r, 0, i) == want2[i]);
    done(&r);
    /* zeros = 0: an unknown category fails */
    b = unary("OneHotEncoder", LP_INT64, "2", LP_FLOAT, &n);
    ints(b, n, "cats_int64s", 2, INTS(1, 2));
    lp_build_attr_int(b, n, "zeros", 0);
    in = tensor(LP_INT64, 1, INTS(2), INTS(1, 3));
    int rc = go(b, &in, 1, &r);
    CHECK(rc == LP_EINPUT);
    CHECK(fails_with(&r, rc, "not a category"));
    /* both category lists */
    b = unary("OneHotEncoder", LP_INT64, "2", LP_FLOAT, &n);
    ints(b, n, "cats_int64s", 2, INTS(1, 2));
    lp_build_attr_strings(b, n, "cats_strings", 1, STRS("a"));
    in = tensor(LP_INT64, 1, INTS(2), INTS(1, 3));
    CHECK(fails_with(&r, go(b, &in, 1, &r), "exactly one"));
}

TEST(ml_label_encoder_versions) {
    /* version 1: strings to their position, integers back */
    lp_bnode *n;
    lp_builder *b = unary("LabelEncoder", LP_STRING, "3", LP_INT64, &n);
    lp_build_attr_strings(b, n, "classes_strings", 2, STRS("cat", "dog"));
    lp_build_attr_int(b, n, "default_int64", -7);
    lp_rvalue in = tensor(LP_STRING, 1, INTS(3), STRS("dog", "cow", "cat"));
    ml_run r;
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    CHECK(io(&r, 0, 0) == 1 && io(&r, 0, 1) == -7 && io(&r, 0, 2) == 0);
    done(&r);
    b = unary("LabelEncoder", LP_INT64, "3", LP_STRING, &n);
    lp_build_attr_strings(b, n, "classes_strings", 2, STRS("cat", "dog"));
    lp_build_attr_string(b, n, "default_string", "?");
    in = tensor(LP_INT64, 1, INTS(3), INTS(1, 5, -1));
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    CHECK_STR(so(&r, 0, 0), "dog");
    CHECK_STR(so(&r, 0, 1), "?");
    CHECK_STR(so(&r, 0, 2), "?");
    done(&r);

    /* version 2: int64 -> float, a repeated key's last value wins, the default */
    b = mlb(2);
    lp_build_input(b, "x", LP_INT64, "4");
    n = mln(b, "LabelEncoder", "x", "y");
    ints(b, n, "keys_int64s", 3, INTS(5, 6, 5));
    flts(b, n, "values_floats", 3, FLTS(0.5f, 1.5f, 2.5f));
    lp_build_attr_float(b, n, "default_float", 9);
    lp_build_output(b, "y", LP_FLOAT, NULL);
    in = tensor(LP_INT64, 1, INTS(4), INTS(5, 6, 7, 5));
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    CHECK(fo(&r, 0, 0) == 2.5f && fo(&r, 0, 1) == 1.5f && fo(&r, 0, 2) == 9 &&
          fo(&r, 0, 3) == 2.5f);
    done(&r);

    /* version 4: float keys with NaN matching any NaN, tensor values (double) */
    b = mlb(4);
    lp_build_input(b, "x", LP_FLOAT, "3");
    n = mln(b, "LabelEncoder", "x", "y");
    flts(b, n, "keys_floats", 2, FLTS(NAN, 1.5f));
    double vals[] = {-1, 3};
    lp_build_attr_tensor(b, n, "values_tensor", LP_DOUBLE, 1, INTS(2), vals, sizeof vals);
    double dflt = 42;
    lp_build_attr_tensor(b, n, "default_tensor", LP_DOUBLE, 1, INTS(1), &dflt, sizeof dflt);
    lp_build_output(b, "y", LP_DOUBLE, NULL);
    in = F32(1, D({3}), {-NAN, 1.5f, 2});
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    CHECK(dou(&r, 0, 0) == -1 && dou(&r, 0, 1) == 3 && dou(&r, 0, 2) == 42);
    done(&r);

    /* hostile: lengths differ; input of the wrong type */
    b = mlb(2);
    lp_build_input(b, "x", LP_INT64, "1");
    n = mln(b, "LabelEncoder", "x", "y");
    ints(b, n, "keys_int64s", 3, INTS(5, 6, 5));
    flts(b, n, "values_floats", 2, FLTS(0.5f, 1.5f));
    lp_build_output(b, "y", LP_FLOAT, NULL);
    in = tensor(LP_INT64, 1, INTS(1), INTS(5));
    CHECK(fails_with(&r, go(b, &in, 1, &r), "3 keys but 2 values"));
    b = mlb(2);
    lp_build_input(b, "x", LP_STRING, "1");
    n = mln(b, "LabelEncoder", "x", "y");
    ints(b, n, "keys_int64s", 1, INTS(5));
    flts(b, n, "values_floats", 1, FLTS(0.5f));
    lp_build_output(b, "y", LP_FLOAT, NULL);
    in = tensor(LP_STRING, 1, INTS(1), STRS("5"));
    CHECK(fails_with(&r, go(b, &in, 1, &r), "the keys are int64"));
}

TEST(ml_category_mapper) {
    lp_bnode *n;
    lp_builder *b = unary("CategoryMapper", LP_STRING, "3", LP_INT64, &n);
    lp_build_attr_strings(b, n, "cats_strings", 2, STRS("red", "blue"));
    ints(b, n, "cats_int64s", 2, INTS(7, 9));
    lp_build_attr_int(b, n, "default_int64", 0);
    lp_rvalue in = tensor(LP_STRING, 1, INTS(3), STRS("blue", "green", "red"));
    ml_run r;
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    CHECK(io(&r, 0, 0) == 9 && io(&r, 0, 1) == 0 && io(&r, 0, 2) == 7);
    done(&r);
    b = unary("CategoryMapper", LP_INT64, "2,1", LP_STRING, &n);
    lp_build_attr_strings(b, n, "cats_strings", 2, STRS("red", "blue"));
    ints(b, n, "cats_int64s", 2, INTS(7, 9));
    in = tensor(LP_INT64, 2, INTS(2, 1), INTS(7, 8));
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    CHECK(r.out[0]->t.rank == 2);
    CHECK_STR(so(&r, 0, 0), "red");
    CHECK_STR(so(&r, 0, 1), "_Unused");
    done(&r);
    b = unary("CategoryMapper", LP_INT64, "1", LP_STRING, &n);
    lp_build_attr_strings(b, n, "cats_strings", 2, STRS("red", "blue"));
    ints(b, n, "cats_int64s", 1, INTS(7));
    in = tensor(LP_INT64, 1, INTS(1), INTS(7));
    CHECK(fails_with(&r, go(b, &in, 1, &r), "cats_int64s"));
}

/* ---- feature assembly ---- */

TEST(ml_array_feature_extractor) {
    lp_builder *b = mlb(1);
    lp_build_input(b, "x", LP_STRING, "2,3");
    lp_build_input(b, "i", LP_INT64, "2");
    mln(b, "ArrayFeatureExtractor", "x,i", "y");
    lp_build_output(b, "y", LP_STRING, NULL);
    lp_rvalue in[2] = {tensor(LP_STRING, 2, INTS(2, 3), STRS("a", "b", "c", "d", "e", "f")),
                       tensor(LP_INT64, 1, INTS(2), INTS(2, 0))};
    ml_run r;
    REQUIRE(go(b, in, 2, &r) == LP_OK);
    CHECK(shape_is(&r, 0, 2, 2, 2));
    CHECK_STR(so(&r, 0, 0), "c");
    CHECK_STR(so(&r, 0, 1), "a");
    CHECK_STR(so(&r, 0, 2), "f");
    CHECK_STR(so(&r, 0, 3), "d");
    done(&r);
    /* a 1-D X gives one row; an index past the end is bad input */
    b = mlb(1);
    lp_build_input(b, "x", LP_FLOAT, "3");
    lp_build_input(b, "i", LP_INT64, "1");
    mln(b, "ArrayFeatureExtractor", "x,i", "y");
    lp_build_output(b, "y", LP_FLOAT, NULL);
    in[0] = F32(1, D({3}), {1, 2, 3});
    in[1] = tensor(LP_INT64, 1, INTS(1), INTS(1));
    REQUIRE(go(b, in, 2, &r) == LP_OK);
    CHECK(shape_is(&r, 0, 2, 1, 1) && fo(&r, 0, 0) == 2);
    done(&r);
    b = mlb(1);
    lp_build_input(b, "x", LP_FLOAT, "3");
    lp_build_input(b, "i", LP_INT64, "1");
    mln(b, "ArrayFeatureExtractor", "x,i", "y");
    lp_build_output(b, "y", LP_FLOAT, NULL);
    in[0] = F32(1, D({3}), {1, 2, 3});
    in[1] = tensor(LP_INT64, 1, INTS(1), INTS(3));
    int rc = go(b, in, 2, &r);
    CHECK(rc == LP_EINPUT);
    CHECK(fails_with(&r, rc, "out of range"));
}

TEST(ml_feature_vectorizer) {
    lp_builder *b = mlb(1);
    lp_build_input(b, "a", LP_INT64, "2,1");
    lp_build_input(b, "c", LP_FLOAT, "2,3");
    lp_bnode *n = mln(b, "FeatureVectorizer", "a,c", "y");
    /* a padded to 2 columns, c cut to 2 */
    ints(b, n, "inputdimensions", 2, INTS(2, 2));
    lp_build_output(b, "y", LP_FLOAT, NULL);
    lp_rvalue in[2] = {tensor(LP_INT64, 2, INTS(2, 1), INTS(7, 8)),
                       F32(2, D({2, 3}), {1, 2, 3, 4, 5, 6})};
    ml_run r;
    REQUIRE(go(b, in, 2, &r) == LP_OK);
    CHECK(shape_is(&r, 0, 2, 2, 4));
    float want[] = {7, 0, 1, 2, 8, 0, 4, 5};
    for (int i = 0; i < 8; i++) CHECK(fo(&r, 0, i) == want[i]);
    done(&r);
    /* rows that disagree */
    b = mlb(1);
    lp_build_input(b, "a", LP_FLOAT, "?,1");
    lp_build_input(b, "c", LP_FLOAT, "?,1");
    n = mln(b, "FeatureVectorizer", "a,c", "y");
    ints(b, n, "inputdimensions", 2, INTS(1, 1));
    lp_build_output(b, "y", LP_FLOAT, NULL);
    in[0] = F32(2, D({2, 1}), {1, 2});
    in[1] = F32(2, D({3, 1}), {1, 2, 3});
    CHECK(fails_with(&r, go(b, in, 2, &r), "rows"));
}

static lp_rvalue map_of(lp_dtype kt, int n, const void *keys, lp_dtype vt, const void *vals) {
    lp_rvalue m = {.kind = LP_RV_MAP};
    lp_rvalue k = tensor(kt, 1, (int64_t[]){n}, keys), v = tensor(vt, 1, (int64_t[]){n}, vals);
    m.keys = k.t;
    m.vals = v.t;
    return m;
}

TEST(ml_dict_vectorizer_and_cast_map) {
    lp_builder *b = mlb(1);
    lp_build_input_map(b, "x", LP_STRING, LP_DOUBLE);
    lp_bnode *n = mln(b, "DictVectorizer", "x", "y");
    lp_build_attr_strings(b, n, "string_vocabulary", 4, STRS("a", "c", "b", "z"));
    lp_build_output(b, "y", LP_DOUBLE, NULL);
    lp_rvalue in = map_of(LP_STRING, 3, STRS("c", "a", "q"), LP_DOUBLE, (double[]){8, 4, 1});
    ml_run r;
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    CHECK(shape_is(&r, 0, 2, 1, 4));
    CHECK(dou(&r, 0, 0) == 4 && dou(&r, 0, 1) == 8 && dou(&r, 0, 2) == 0 && dou(&r, 0, 3) == 0);
    done(&r);

    b = mlb(1);
    lp_build_input_map(b, "x", LP_INT64, LP_FLOAT);
    n = mln(b, "CastMap", "x", "y");
    lp_build_attr_string(b, n, "map_form", "SPARSE");
    lp_build_attr_int(b, n, "max_map", 4);
    lp_build_output(b, "y", LP_FLOAT, NULL);
    in = map_of(LP_INT64, 2, INTS(3, 1), LP_FLOAT, FLTS(0.5f, 2));
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    CHECK(shape_is(&r, 0, 2, 1, 4));
    CHECK(fo(&r, 0, 0) == 0 && fo(&r, 0, 1) == 2 && fo(&r, 0, 2) == 0 && fo(&r, 0, 3) == 0.5f);
    done(&r);

    b = mlb(1);
    lp_build_input_map(b, "x", LP_INT64, LP_STRING);
    n = mln(b, "CastMap", "x", "y");
    lp_build_attr_string(b, n, "cast_to", "TO_INT64");
    lp_build_output(b, "y", LP_INT64, NULL);
    in = map_of(LP_INT64, 2, INTS(9, 2), LP_STRING, STRS("12", "-3"));
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    CHECK(shape_is(&r, 0, 2, 1, 2) && io(&r, 0, 0) == -3 && io(&r, 0, 1) == 12);
    done(&r);
    b = mlb(1);
    lp_build_input_map(b, "x", LP_INT64, LP_STRING);
    n = mln(b, "CastMap", "x", "y");
    lp_build_attr_string(b, n, "cast_to", "TO_FLOAT");
    lp_build_output(b, "y", LP_FLOAT, NULL);
    in = map_of(LP_INT64, 1, INTS(9), LP_STRING, STRS("twelve"));
    CHECK(fails_with(&r, go(b, &in, 1, &r), "not a number"));
}

TEST(ml_zipmap_shapes_and_mismatch) {
    lp_builder *b = mlb(1);
    lp_build_input(b, "x", LP_FLOAT, "3");
    lp_bnode *n = mln(b, "ZipMap", "x", "z");
    lp_build_attr_strings(b, n, "classlabels_strings", 3, STRS("a", "b", "c"));
    lp_build_output_seq_map(b, "z", LP_STRING, LP_FLOAT);
    lp_rvalue in = F32(1, D({3}), {0.1f, 0.2f, 0.7f});
    ml_run r;
    REQUIRE(go(b, &in, 1, &r) == LP_OK);
    REQUIRE(r.out[0]->kind == LP_RV_SEQUENCE && r.out[0]->n_items == 1);
    CHECK_STR(((char **)r.out[0]->items[0].keys.data)[2], "c");
    CHECK(((float *)r.out[0]->items[0].vals.data)[2] == 0.7f);
    done(&r);
    b = mlb(1);
    lp_build_input(b, "x", LP_FLOAT, "N,2");
    n = mln(b, "ZipMap", "x", "z");
    ints(b, n, "classlabels_int64s", 3, INTS(1, 2, 3));
    lp_build_output_seq_map(b, "z", LP_INT64, LP_FLOAT);
    in = F32(2, D({1, 2}), {0.1f, 0.9f});
    int rc = go(b, &in, 1, &r);
    CHECK(rc == LP_EINPUT);
    CHECK(fails_with(&r, rc, "columns"));
}
