/*
** test_gradient.c — the Gradient operator (ai.onnx.preview.training):
** gradients of small graphs of the supported ops, broadcasting included,
** checked against central finite differences of sum(y).
*/
#include "build_model.h"
#include "ops/session.h"
#include "test.h"

#include <math.h>
#include <stdlib.h>

#define MAX_X 4

static lp_builder *start(void) {
    lp_builder *b = lp_build_new("grad");
    lp_build_opset(b, "", 17);
    lp_build_opset(b, "ai.onnx.preview.training", 1);
    return b;
}

/* Adds Gradient(xs, y) with outputs d_<x>, and y and the gradients as outputs. */
static void add_gradient(lp_builder *b, const char *xs, const char *y) {
    char list[256], outs[256] = "";
    const char *names[MAX_X];
    int n = 0;
    snprintf(list, sizeof list, "%s", xs);
    for (char *save = NULL, *t = strtok_r(list, ",", &save); t && n < MAX_X;
         t = strtok_r(NULL, ",", &save))
        names[n++] = t;
    for (int i = 0; i < n; i++)
        snprintf(outs + strlen(outs), sizeof outs - strlen(outs), "%sd_%s", i ? "," : "", names[i]);
    lp_bnode *g = lp_build_node(b, "Gradient", xs, outs);
    lp_build_node_domain(b, g, "ai.onnx.preview.training");
    lp_build_attr_strings(b, g, "xs", n, names);
    lp_build_attr_string(b, g, "y", y);
    lp_build_output(b, y, LP_DOUBLE, NULL);
    for (int i = 0; i < n; i++) {
        char o[64];
        snprintf(o, sizeof o, "d_%s", names[i]);
        lp_build_output(b, o, LP_DOUBLE, NULL);
    }
}

static double sum_of(const lp_rvalue *v) {
    double s = 0;
    for (int64_t i = 0; i < v->t.numel; i++) s += ((const double *)v->t.data)[i];
    return s;
}

/* Runs the model on random doubles in [lo, hi) for each graph input (all
** of them are xs), and compares each gradient with finite differences. */
static int check_fd(lp_builder *b, const char *xs, const char *y, double lo, double hi) {
    add_gradient(b, xs, y);
    lp_model *m = lp_test_load(b);
    if (!m) return 1;
    lp_session *s = NULL;
    lp_error err = {0};
    int bad = 0, n = m->graph->n_inputs;
    lp_rvalue ins[MAX_X] = {0}, *outs[1 + MAX_X];
    if (lp_session_create(m, NULL, &s, &err)) {
        fprintf(stderr, "  create: %s\n", err.msg);
        lp_model_free(m);
        return 1;
    }
    srand(12345);
    for (int i = 0; i < n; i++) {
        const lp_type *t = &m->graph->values[m->graph->inputs[i]].type;
        int64_t dims[LP_MAX_RANK];
        for (int a = 0; a < t->rank; a++) dims[a] = t->dims[a].value;
        ins[i].kind = LP_RV_TENSOR;
        lp_tensor_alloc(&ins[i].t, LP_DOUBLE, t->rank, dims, &err);
        for (int64_t j = 0; j < ins[i].t.numel; j++)
            ((double *)ins[i].t.data)[j] = lo + (hi - lo) * rand() / ((double)RAND_MAX + 1);
    }
    if (lp_session_run(s, ins, n, outs, &err)) {
        fprintf(stderr, "  run: %s\n", err.msg);
        bad = 1;
    }
    lp_tensor grads[MAX_X] = {0};
    for (int i = 0; i < n && !bad; i++) lp_tensor_copy(&grads[i], &outs[1 + i]->t, &err);
    const double h = 1e-6;
    for (int i = 0; i < n && !bad; i++) {
        double *x = ins[i].t.data;
        if (grads[i].numel != ins[i].t.numel) bad = 1;
        for (int64_t j = 0; j < ins[i].t.numel && !bad; j++) {
            double keep = x[j], up, down;
            x[j] = keep + h;
            bad |= lp_session_run(s, ins, n, outs, &err) != LP_OK;
            up = sum_of(outs[0]);
            x[j] = keep - h;
            bad |= lp_session_run(s, ins, n, outs, &err) != LP_OK;
            down = sum_of(outs[0]);
            x[j] = keep;
            double fd = (up - down) / (2 * h), g = ((double *)grads[i].data)[j];
            if (fabs(g - fd) > 1e-5 * (1 + fabs(fd))) {
                fprintf(stderr, "  d%s/dx%d[%lld]: gradient %.9g, finite difference %.9g\n", y, i,
                        (long long)j, g, fd);
                bad = 1;
            }
        }
    }
    for (int i = 0; i < n; i++) {
        lp_tensor_release(&grads[i]);
        lp_rvalue_clear(&ins[i]);
    }
    lp_session_free(s);
    lp_model_free(m);
    return bad;
}

TEST(gradient_broadcast_arithmetic) {
    lp_builder *b = start();
    lp_build_input(b, "a", LP_DOUBLE, "2,3");
    lp_build_input(b, "c", LP_DOUBLE, "3");
    lp_build_input(b, "e", LP_DOUBLE, "2,1");
    lp_build_node(b, "Add", "a,c", "t");
    lp_build_node(b, "Mul", "t,e", "u");
    lp_build_node(b, "Div", "u,c", "v");
    lp_build_node(b, "Sub", "v,a", "w");
    lp_build_node(b, "Mul", "w,w", "y"); /* one value read twice */
    CHECK(check_fd(b, "a,c,e", "y", 0.5, 1.5) == 0);
}

TEST(gradient_unary_and_sum) {
    lp_builder *b = start();
    lp_build_input(b, "x", LP_DOUBLE, "3,4");
    lp_build_input(b, "r", LP_DOUBLE, "4");
    lp_build_node(b, "Sigmoid", "x", "s");
    lp_build_node(b, "Tanh", "x", "t");
    lp_build_node(b, "Neg", "x", "n");
    lp_build_node(b, "Exp", "n", "e");
    lp_build_node(b, "Relu", "x", "u");
    lp_build_node(b, "Log", "e", "l"); /* log(exp(-x)) */
    lp_build_node(b, "Identity", "r", "i");
    lp_build_node(b, "Sum", "s,t,e,u,l,i", "y");
    CHECK(check_fd(b, "x,r", "y", -1.0, 1.0) == 0);
}

TEST(gradient_matmul_pow_reduce) {
    lp_builder *b = start();
    lp_build_input(b, "a", LP_DOUBLE, "2,3");
    lp_build_input(b, "w", LP_DOUBLE, "3,4");
    lp_build_input(b, "bias", LP_DOUBLE, "4");
    double two = 2;
    lp_build_init_raw(b, "two", LP_DOUBLE, 0, NULL, &two, sizeof two);
    lp_build_init_i64(b, "axis0", 1, (int64_t[]){1}, (int64_t[]){0});
    lp_build_node(b, "MatMul", "a,w", "m");
    lp_build_node(b, "Add", "m,bias", "z");
    lp_build_node(b, "Pow", "z,two", "p");
    lp_bnode *rm = lp_build_node(b, "ReduceMean", "p", "pm"); /* [2,1] */
    lp_build_attr_ints(b, rm, "axes", 1, (int64_t[]){1});
    lp_bnode *rs = lp_build_node(b, "ReduceSum", "z,axis0", "zs"); /* [4] */
    lp_build_attr_int(b, rs, "keepdims", 0);
    lp_build_node(b, "Add", "pm,zs", "q");   /* [2,4] */
    lp_build_node(b, "ReduceSum", "q", "y"); /* all axes, keepdims: [1,1] */
    CHECK(check_fd(b, "a,w,bias", "y", -1.0, 1.0) == 0);
}

/* Runs a Gradient model on the given inputs; the outputs go to outs. */
static int run_model(lp_model *m, lp_rvalue *ins, int n, lp_rvalue **outs, lp_error *err,
                     lp_session **s) {
    int rc = lp_session_create(m, NULL, s, err);
    if (!rc) rc = lp_session_run(*s, ins, n, outs, err);
    return rc;
}

TEST(gradient_intermediate_x_zs_and_unused_x) {
    /* xs = [t, k] with t = a + c computed and k unused; zs = [c]; y = t*t*c */
    lp_builder *b = start();
    lp_build_input(b, "a", LP_DOUBLE, "3");
    lp_build_input(b, "c", LP_DOUBLE, "3");
    lp_build_input(b, "k", LP_DOUBLE, "2");
    lp_build_node(b, "Add", "a,c", "t");
    lp_build_node(b, "Mul", "t,t", "tt");
    lp_build_node(b, "Mul", "tt,c", "y");
    lp_bnode *g = lp_build_node(b, "Gradient", "t,k,c", "d_t,d_k");
    lp_build_node_domain(b, g, "ai.onnx.preview.training");
    lp_build_attr_strings(b, g, "xs", 2, (const char *[]){"t", "k"});
    lp_build_attr_strings(b, g, "zs", 1, (const char *[]){"c"});
    lp_build_attr_string(b, g, "y", "y");
    lp_build_output(b, "d_t", LP_DOUBLE, NULL);
    lp_build_output(b, "d_k", LP_DOUBLE, NULL);
    lp_model *m = lp_test_load(b);
    REQUIRE(m);
    double a[3] = {1, 2, 3}, c[3] = {0.5, -1, 2}, kk[2] = {7, 8};
    lp_rvalue ins[3] = {{.kind = LP_RV_TENSOR}, {.kind = LP_RV_TENSOR}, {.kind = LP_RV_TENSOR}};
    double *data[3] = {a, c, kk};
    for (int i = 0; i < 3; i++) {
        ins[i].t.dtype = LP_DOUBLE;
        ins[i].t.rank = 1;
        ins[i].t.dims[0] = ins[i].t.numel = i == 2 ? 2 : 3;
        ins[i].t.data = data[i];
        ins[i].t.nbytes = (size_t)ins[i].t.numel * sizeof(double);
    }
    lp_session *s = NULL;
    lp_error err = {0};
    lp_rvalue *outs[2];
    int rc = run_model(m, ins, 3, outs, &err, &s);
    if (rc) fprintf(stderr, "  %s\n", err.msg);
    CHECK(rc == LP_OK);
    if (!rc) {
        const double *dt = outs[0]->t.data, *dk = outs[1]->t.data;
        for (int i = 0; i < 3; i++) CHECK_NEAR(dt[i], 2 * (a[i] + c[i]) * c[i], 1e-12);
        CHECK(outs[1]->t.numel == 2 && dk[0] == 0 && dk[1] == 0);
    }
    lp_session_free(s);
    lp_model_free(m);
}

TEST(gradient_refuses_op_without_rule) {
    lp_builder *b = start();
    lp_build_input(b, "x", LP_DOUBLE, "2,3");
    lp_build_node(b, "Softmax", "x", "s");
    lp_build_node(b, "Mul", "s,x", "y");
    add_gradient(b, "x", "y");
    lp_model *m = lp_test_load(b);
    REQUIRE(m);
    lp_session *s = NULL;
    lp_error err = {0};
    CHECK(lp_session_create(m, NULL, &s, &err) == LP_EFAIL);
    CHECK(strstr(err.msg, "no gradient rule") && strstr(err.msg, "Softmax"));
    lp_session_free(s);
    lp_model_free(m);
}

TEST(gradient_refuses_free_input) {
    /* y depends on an input that is neither in xs nor zs */
    lp_builder *b = start();
    lp_build_input(b, "x", LP_DOUBLE, "2");
    lp_build_input(b, "q", LP_DOUBLE, "2");
    lp_build_node(b, "Mul", "x,q", "y");
    add_gradient(b, "x", "y");
    lp_model *m = lp_test_load(b);
    REQUIRE(m);
    lp_session *s = NULL;
    lp_error err = {0};
    CHECK(lp_session_create(m, NULL, &s, &err) == LP_EFAIL);
    CHECK(strstr(err.msg, "'q'") != NULL);
    lp_session_free(s);
    lp_model_free(m);
}
