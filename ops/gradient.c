/*
** gradient.c — ai.onnx.preview.training Gradient: reverse-mode
** differentiation of a part of the node's own graph.
**
** Gradient(xs, zs, y) takes values for the tensors named in xs and zs and
** gives dy/dx for each x, with the seed dy = ones. Prepare walks back from
** y to xs/zs (and constants) and keeps the forward nodes in between, each
** with its kernel. Run evaluates those nodes afresh on the given inputs
** (their kernels run on private value slots), then propagates adjoints back
** through them in double precision. Only nodes on a path from an x to y need
** a derivative rule; the others (shape arithmetic on zs, say) just run.
*/
#include "ops/registry.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct grad_state {
    int n_x, n_z;
    int *leaf;  /* value index of each name in xs then zs */
    int y;      /* value index of y */
    int *nodes; /* forward nodes, in graph (topological) order */
    int n_nodes;
    const lp_kernel **kern;
    void **kstate; /* what each forward kernel's prepare left */
    bool *diff;    /* per value: depends on some x */
} grad_state;

static void grad_release(void *p) {
    grad_state *st = p;
    if (!st) return;
    for (int i = 0; i < st->n_nodes; i++)
        if (st->kstate && st->kstate[i] && st->kern[i]->release)
            st->kern[i]->release(st->kstate[i]);
    free(st->leaf);
    free(st->nodes);
    free(st->kern);
    free(st->kstate);
    free(st->diff);
    free(st);
}

/* ---- derivative rules ---- */

typedef enum rule {
    R_NONE,
    R_ADD,
    R_SUB,
    R_MUL,
    R_DIV,
    R_POW,
    R_SUM,
    R_NEG,
    R_IDENTITY,
    R_RELU,
    R_SIGMOID,
    R_TANH,
    R_EXP,
    R_LOG,
    R_MATMUL,
    R_REDUCE_SUM,
    R_REDUCE_MEAN,
} rule;

static rule rule_of(const lp_node *n) {
    static const struct {
        const char *op;
        rule r;
    } rules[] = {
        {"Add", R_ADD},
        {"Sub", R_SUB},
        {"Mul", R_MUL},
        {"Div", R_DIV},
        {"Pow", R_POW},
        {"Sum", R_SUM},
        {"Neg", R_NEG},
        {"Identity", R_IDENTITY},
        {"Relu", R_RELU},
        {"Sigmoid", R_SIGMOID},
        {"Tanh", R_TANH},
        {"Exp", R_EXP},
        {"Log", R_LOG},
        {"MatMul", R_MATMUL},
        {"ReduceSum", R_REDUCE_SUM},
        {"ReduceMean", R_REDUCE_MEAN},
    };
    if (*n->domain && strcmp(n->domain, "ai.onnx")) return R_NONE;
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++)
        if (!strcmp(n->op_type, rules[i].op)) return rules[i].r;
    return R_NONE;
}

/* ---- prepare ---- */

static int leaf_index(const grad_state *st, int v) {
    for (int i = 0; i < st->n_x + st->n_z; i++)
        if (st->leaf[i] == v) return i;
    return -1;
}

/* Marks the nodes y needs, walking back from y and stopping at xs, zs and
** constants. Nodes are in topological order, so one backward sweep does. */
static int collect(lp_kctx *k, grad_state *st, bool *need) {
    const lp_graph *g = k->graph;
    bool *wanted = lp_xcalloc((size_t)g->n_values + 1, sizeof *wanted);
    wanted[st->y] = true;
    for (int i = g->n_nodes - 1; i >= 0; i--) {
        const lp_node *n = &g->nodes[i];
        for (int j = 0; j < n->n_outputs && !need[i]; j++) {
            int v = n->outputs[j];
            need[i] = v >= 0 && wanted[v] && leaf_index(st, v) < 0 && !g->values[v].constant;
        }
        for (int j = 0; need[i] && j < n->n_inputs; j++)
            if (n->inputs[j] >= 0) wanted[n->inputs[j]] = true;
    }
    int rc = LP_OK;
    for (int v = 0; v < g->n_values && rc == LP_OK; v++) {
        const lp_value *val = &g->values[v];
        if (wanted[v] && val->producer < 0 && !val->constant && leaf_index(st, v) < 0)
            rc = lp_kfail(k, "'%s' depends on '%s', which is in neither xs nor zs",
                          g->values[st->y].name, val->name);
    }
    free(wanted);
    return rc;
}

/* Finds the forward nodes and their kernels, and checks that every node
** through which a gradient flows has a rule. */
static int plan(lp_kctx *k, grad_state *st) {
    const lp_graph *g = k->graph;
    const lp_node *self = k->node;
    int nx = 0, nz = 0;
    const lp_attr *axs = lp_node_attr(self, "xs"), *azs = lp_node_attr(self, "zs");
    const char *yname = lp_attr_string(self, "y", NULL);
    if (!axs || axs->type != LP_ATTR_STRINGS || !yname)
        return lp_kfail(k, "needs the attributes xs (strings) and y (string)");
    nx = axs->n;
    nz = azs && azs->type == LP_ATTR_STRINGS ? azs->n : 0;
    st->n_x = nx;
    st->n_z = nz;
    st->leaf = lp_xcalloc((size_t)(nx + nz) + 1, sizeof *st->leaf);
    for (int i = 0; i < nx + nz; i++) st->leaf[i] = -1;
    for (int i = 0; i < nx + nz; i++) {
        const char *name = i < nx ? axs->strings[i] : azs->strings[i - nx];
        int v = lp_graph_find_value(g, name);
        if (v < 0)
            return lp_kfail(k, "'%s' (in %s) is not a value of the graph", name,
                            i < nx ? "xs" : "zs");
        if (leaf_index(st, v) >= 0) return lp_kfail(k, "'%s' is named twice in xs/zs", name);
        st->leaf[i] = v;
    }
    st->y = lp_graph_find_value(g, yname);
    if (st->y < 0) return lp_kfail(k, "y '%s' is not a value of the graph", yname);
    if (k->n_out > nx) return lp_kfail(k, "has %d outputs for %d xs", k->n_out, nx);

    bool *need = lp_xcalloc((size_t)g->n_nodes + 1, sizeof *need);
    int rc = collect(k, st, need);
    if (rc == LP_OK) {
        st->nodes = lp_xcalloc((size_t)g->n_nodes + 1, sizeof *st->nodes);
        for (int i = 0; i < g->n_nodes; i++)
            if (need[i]) st->nodes[st->n_nodes++] = i;
    }
    free(need);
    if (rc) return rc;

    st->kern = lp_xcalloc((size_t)st->n_nodes + 1, sizeof *st->kern);
    st->kstate = lp_xcalloc((size_t)st->n_nodes + 1, sizeof *st->kstate);
    st->diff = lp_xcalloc((size_t)g->n_values + 1, sizeof *st->diff);
    for (int i = 0; i < nx; i++) st->diff[st->leaf[i]] = true;
    char label[256];
    for (int i = 0; i < st->n_nodes; i++) {
        const lp_node *n = &g->nodes[st->nodes[i]];
        lp_node_label(n, label, sizeof label);
        if (n->function >= 0 || n->n_implicit)
            return lp_kfail(k,
                            "cannot differentiate through node '%s' (%s): it calls a function "
                            "or has subgraphs",
                            label, n->op_type);
        bool d = false;
        for (int j = 0; j < n->n_inputs; j++) d |= n->inputs[j] >= 0 && st->diff[n->inputs[j]];
        if (d && rule_of(n) == R_NONE)
            return lp_kfail(k, "no gradient rule for node '%s' (%s%s%s)", label, n->domain,
                            *n->domain ? "." : "", n->op_type);
        for (int j = 0; j < n->n_outputs; j++)
            if (n->outputs[j] >= 0 && leaf_index(st, n->outputs[j]) < 0)
                st->diff[n->outputs[j]] = d;
        st->kern[i] = lp_registry_find(n->domain, n->op_type, n->opset);
        if (!st->kern[i])
            return lp_kfail(k, "no kernel for node '%s' (%s, opset %d) of the differentiated graph",
                            label, n->op_type, n->opset);
        if (!st->kern[i]->prepare) continue;
        /* Constants are given, but not those fed by the Gradient's inputs;
        ** no session, so nothing is fused with the graph's own steps. */
        lp_rvalue *cv = lp_xcalloc((size_t)n->n_inputs + 1, sizeof *cv);
        lp_rvalue **cin = lp_xcalloc((size_t)n->n_inputs + 1, sizeof *cin);
        for (int j = 0; j < n->n_inputs; j++) {
            int v = n->inputs[j];
            if (v < 0 || !g->values[v].constant || leaf_index(st, v) >= 0) continue;
            cv[j] =
                (lp_rvalue){.kind = LP_RV_TENSOR, .t = *g->values[v].constant, .borrowed = true};
            cv[j].t.owned = false;
            cin[j] = &cv[j];
        }
        lp_kctx pk = {.node = n,
                      .graph = g,
                      .opset = n->opset,
                      .in = cin,
                      .n_in = n->n_inputs,
                      .err = k->err,
                      .threads = k->threads};
        rc = st->kern[i]->prepare(&pk);
        st->kstate[i] = pk.state;
        free(cin);
        free(cv);
        if (rc) return rc;
    }
    return LP_OK;
}

int lp_k_gradient_prepare(lp_kctx *k) {
    grad_state *st = lp_xcalloc(1, sizeof *st);
    st->y = -1;
    int rc = plan(k, st);
    if (rc) {
        grad_release(st);
        return rc;
    }
    k->state = st;
    return LP_OK;
}

void lp_k_gradient_release(void *state) {
    grad_release(state);
}

/* ---- run: the forward pass ---- */

static int forward(lp_kctx *k, const grad_state *st, lp_rvalue *vals) {
    const lp_graph *g = k->graph;
    for (int i = 0; i < st->n_x + st->n_z; i++) {
        const lp_value *val = &g->values[st->leaf[i]];
        if (i >= k->n_in || !k->in[i] || k->in[i]->kind != LP_RV_TENSOR)
            return lp_kbad(k, "input %d (the value of '%s') is missing or not a tensor", i,
                           val->name);
        if (i < st->n_x && !lp_dtype_is_float(k->in[i]->t.dtype))
            return lp_kbad(k, "x '%s' is %s, not a floating-point tensor", val->name,
                           lp_dtype_name(k->in[i]->t.dtype));
        lp_rvalue_borrow(&vals[st->leaf[i]], k->in[i]);
    }
    for (int i = 0; i < st->n_nodes; i++) {
        const lp_node *n = &g->nodes[st->nodes[i]];
        lp_rvalue **in = lp_xcalloc((size_t)(n->n_inputs + n->n_outputs) + 1, sizeof *in);
        lp_rvalue **out = in + n->n_inputs;
        for (int j = 0; j < n->n_inputs; j++) {
            int v = n->inputs[j];
            in[j] = v >= 0 ? &vals[v] : NULL;
            if (v >= 0 && vals[v].kind == LP_RV_NONE && g->values[v].constant) {
                vals[v] = (lp_rvalue){
                    .kind = LP_RV_TENSOR, .t = *g->values[v].constant, .borrowed = true};
                vals[v].t.owned = false;
            }
        }
        /* an output that is also a given x or z keeps the given value */
        for (int j = 0; j < n->n_outputs; j++) {
            int v = n->outputs[j];
            out[j] = v >= 0 && leaf_index(st, v) < 0 ? &vals[v] : NULL;
        }
        lp_kctx fk = {.node = n,
                      .graph = g,
                      .opset = n->opset,
                      .in = in,
                      .n_in = n->n_inputs,
                      .out = out,
                      .n_out = n->n_outputs,
                      .state = st->kstate[i],
                      .sess = k->sess,
                      .frame = k->frame,
                      .err = k->err,
                      .threads = k->threads};
        int rc = st->kern[i]->run(&fk);
        free(in);
        if (rc) return rc;
    }
    return LP_OK;
}

/* ---- run: the backward pass ---- */

/* Offset at the flat index i of the shape (R, D) into a tensor read with strides s
** (from lp_broadcast_strides: 0 along broadcast axes). */
static int64_t offset_of(int64_t i, int R, const int64_t *D, const int64_t *s) {
    int64_t off = 0;
    for (int a = R - 1; a >= 0; a--) {
        off += (i % D[a]) * s[a];
        i /= D[a];
    }
    return off;
}

typedef struct back {
    lp_kctx *k;
    const grad_state *st;
    lp_rvalue *vals;
    double **adj; /* per value, numel doubles, NULL until reached */
} back;

/* Fails the Gradient node, naming the forward node n being differentiated. */
static int node_fail(back *b, const lp_node *n, const char *what) {
    char label[256];
    return lp_kfail(b->k, "at node '%s' (%s): %s", lp_node_label(n, label, sizeof label),
                    n->op_type, what);
}

static const lp_tensor *fwd(back *b, int v) {
    return v >= 0 && b->vals[v].kind == LP_RV_TENSOR ? &b->vals[v].t : NULL;
}

/* The adjoint of input j of n, zeroed when first asked; NULL when no
** gradient flows to that input. */
static double *adj_in(back *b, const lp_node *n, int j) {
    if (j >= n->n_inputs || n->inputs[j] < 0 || !b->st->diff[n->inputs[j]]) return NULL;
    int v = n->inputs[j];
    if (!b->adj[v]) b->adj[v] = lp_xcalloc((size_t)b->vals[v].t.numel + 1, sizeof(double));
    return b->adj[v];
}

static int binary(back *b, const lp_node *n, rule r, const double *G, const lp_tensor *Y) {
    const lp_tensor *A = fwd(b, n->inputs[0]), *B = n->n_inputs > 1 ? fwd(b, n->inputs[1]) : NULL;
    if (!A || !B) return node_fail(b, n, "an input is missing");
    double *ga = adj_in(b, n, 0), *gb = adj_in(b, n, 1);
    int R = Y->rank;
    int64_t sa[LP_MAX_RANK], sb[LP_MAX_RANK];
    if (A->rank > R || B->rank > R)
        return node_fail(b, n, "an operand's rank exceeds the output's");
    lp_broadcast_strides(A, R, Y->dims, sa);
    lp_broadcast_strides(B, R, Y->dims, sb);
    for (int64_t i = 0; i < Y->numel; i++) {
        int64_t ia = offset_of(i, R, Y->dims, sa), ib = offset_of(i, R, Y->dims, sb);
        double a = lp_get_f64(A, ia), x = lp_get_f64(B, ib), g = G[i], da, db;
        switch (r) {
        case R_ADD:
            da = 1, db = 1;
            break;
        case R_SUB:
            da = 1, db = -1;
            break;
        case R_MUL:
            da = x, db = a;
            break;
        case R_DIV:
            da = 1 / x, db = -a / (x * x);
            break;
        default: /* R_POW */
            da = x * pow(a, x - 1);
            db = gb ? pow(a, x) * log(a) : 0;
            break;
        }
        if (ga) ga[ia] += g * da;
        if (gb) gb[ib] += g * db;
    }
    return LP_OK;
}

static int unary(back *b, const lp_node *n, rule r, const double *G, const lp_tensor *Y) {
    const lp_tensor *X = fwd(b, n->inputs[0]);
    double *gx = adj_in(b, n, 0);
    if (!X || !gx) return LP_OK;
    if (X->numel != Y->numel) return node_fail(b, n, "input and output sizes differ");
    for (int64_t i = 0; i < Y->numel; i++) {
        double x = lp_get_f64(X, i), y = lp_get_f64(Y, i), d;
        switch (r) {
        case R_NEG:
            d = -1;
            break;
        case R_RELU:
            d = x > 0;
            break;
        case R_SIGMOID:
            d = y * (1 - y);
            break;
        case R_TANH:
            d = 1 - y * y;
            break;
        case R_EXP:
            d = y;
            break;
        case R_LOG:
            d = 1 / x;
            break;
        default:
            d = 1;
            break; /* R_IDENTITY */
        }
        gx[i] += G[i] * d;
    }
    return LP_OK;
}

static int sum(back *b, const lp_node *n, const double *G, const lp_tensor *Y) {
    for (int j = 0; j < n->n_inputs; j++) {
        const lp_tensor *X = fwd(b, n->inputs[j]);
        double *gx = adj_in(b, n, j);
        if (!X || !gx) continue;
        if (X->rank > Y->rank) return node_fail(b, n, "an input's rank exceeds the output's");
        int64_t s[LP_MAX_RANK];
        lp_broadcast_strides(X, Y->rank, Y->dims, s);
        for (int64_t i = 0; i < Y->numel; i++) gx[offset_of(i, Y->rank, Y->dims, s)] += G[i];
    }
    return LP_OK;
}

/* C[m,n] = A[m,k] B[k,n]: dA = G B^T, dB = A^T G. */
static int matmul(back *b, const lp_node *n, const double *G) {
    const lp_tensor *A = fwd(b, n->inputs[0]), *B = fwd(b, n->inputs[1]);
    if (!A || !B || A->rank != 2 || B->rank != 2 || A->dims[1] != B->dims[0])
        return node_fail(b, n, "the MatMul gradient handles 2-D operands only");
    int64_t M = A->dims[0], K = A->dims[1], N = B->dims[1];
    double *ga = adj_in(b, n, 0), *gb = adj_in(b, n, 1);
    for (int64_t i = 0; i < M; i++)
        for (int64_t p = 0; p < K; p++) {
            double acc = 0;
            for (int64_t j = 0; j < N; j++) {
                acc += G[i * N + j] * lp_get_f64(B, p * N + j);
                if (gb) gb[p * N + j] += lp_get_f64(A, i * K + p) * G[i * N + j];
            }
            if (ga) ga[i * K + p] += acc;
        }
    return LP_OK;
}

/* The reduced axes, as ReduceSum/ReduceMean of this opset read them. */
static int reduce_axes(back *b, const lp_node *n, rule r, int rank, bool *mask) {
    bool from_input = r == R_REDUCE_SUM ? n->opset >= 13 : n->opset >= 18;
    int count = 0;
    int64_t *axes = NULL;
    const int64_t *attr = NULL;
    if (from_input) {
        const lp_tensor *t = n->n_inputs > 1 ? fwd(b, n->inputs[1]) : NULL;
        if (t && t->numel) {
            axes = lp_tensor_to_i64(t);
            if (!axes) return node_fail(b, n, "axes must be integers");
            count = (int)t->numel;
        }
    } else {
        attr = lp_attr_ints(n, "axes", &count);
    }
    memset(mask, 0, (size_t)rank * sizeof *mask);
    int rc = LP_OK;
    if (count == 0) {
        bool noop = lp_attr_int(n, "noop_with_empty_axes", 0) != 0;
        for (int a = 0; a < rank; a++) mask[a] = !noop;
    }
    for (int i = 0; i < count && rc == LP_OK; i++) {
        int a = lp_norm_axis(axes ? axes[i] : attr[i], rank);
        if (a < 0)
            rc = node_fail(b, n, "an axis is out of range");
        else
            mask[a] = true;
    }
    free(axes);
    return rc;
}

static int reduce(back *b, const lp_node *n, rule r, const double *G) {
    const lp_tensor *X = fwd(b, n->inputs[0]);
    double *gx = adj_in(b, n, 0);
    if (!X || !gx) return LP_OK;
    bool mask[LP_MAX_RANK];
    int rc = reduce_axes(b, n, r, X->rank, mask);
    if (rc) return rc;
    /* G laid out as the kept-dims shape: stride 0 along reduced axes */
    int64_t s[LP_MAX_RANK], step = 1, count = 1;
    for (int a = X->rank - 1; a >= 0; a--) {
        s[a] = mask[a] ? 0 : step;
        if (mask[a])
            count *= X->dims[a];
        else
            step *= X->dims[a];
    }
    double scale = r == R_REDUCE_MEAN && count > 0 ? 1.0 / (double)count : 1.0;
    for (int64_t i = 0; i < X->numel; i++) gx[i] += G[offset_of(i, X->rank, X->dims, s)] * scale;
    return LP_OK;
}

static int backward(back *b) {
    const grad_state *st = b->st;
    const lp_graph *g = b->k->graph;
    const lp_tensor *Y = fwd(b, st->y);
    if (!Y || !lp_dtype_is_float(Y->dtype))
        return lp_kfail(b->k, "y '%s' is not a floating-point tensor", g->values[st->y].name);
    b->adj[st->y] = lp_xcalloc((size_t)Y->numel + 1, sizeof(double));
    for (int64_t i = 0; i < Y->numel; i++) b->adj[st->y][i] = 1;
    for (int i = st->n_nodes - 1; i >= 0; i--) {
        const lp_node *n = &g->nodes[st->nodes[i]];
        int v = n->n_outputs ? n->outputs[0] : -1;
        const lp_tensor *out = fwd(b, v);
        if (v < 0 || !b->adj[v] || !out) continue; /* no gradient reaches it */
        const double *G = b->adj[v];
        rule r = rule_of(n);
        int rc = LP_OK;
        switch (r) {
        case R_ADD:
        case R_SUB:
        case R_MUL:
        case R_DIV:
        case R_POW:
            rc = binary(b, n, r, G, out);
            break;
        case R_SUM:
            rc = sum(b, n, G, out);
            break;
        case R_MATMUL:
            rc = matmul(b, n, G);
            break;
        case R_REDUCE_SUM:
        case R_REDUCE_MEAN:
            rc = reduce(b, n, r, G);
            break;
        case R_NONE:
            break; /* not on a path from an x: checked at prepare */
        default:
            rc = unary(b, n, r, G, out);
            break;
        }
        if (rc) return rc;
    }
    return LP_OK;
}

int lp_k_gradient(lp_kctx *k) {
    const grad_state *st = k->state;
    if (!st) return lp_kfail(k, "was not prepared");
    const lp_graph *g = k->graph;
    lp_rvalue *vals = lp_xcalloc((size_t)g->n_values + 1, sizeof *vals);
    back b = {
        .k = k, .st = st, .vals = vals, .adj = lp_xcalloc((size_t)g->n_values + 1, sizeof *b.adj)};
    int rc = forward(k, st, vals);
    if (rc == LP_OK) rc = backward(&b);
    for (int i = 0; i < st->n_x && rc == LP_OK; i++) {
        if (!lp_out_wanted(k, i)) continue;
        const lp_tensor *X = &k->in[i]->t;
        const double *d = b.adj[st->leaf[i]];
        lp_tensor *o = lp_out(k, i, X->dtype, X->rank, X->dims);
        if (!o) rc = LP_EFAIL;
        for (int64_t j = 0; o && j < o->numel; j++)
            lp_store_f64(o->dtype, o->data, (size_t)j, d ? d[j] : 0);
    }
    for (int v = 0; v < g->n_values; v++) {
        lp_value_release(k, &vals[v]);
        free(b.adj[v]);
    }
    free(vals);
    free(b.adj);
    return rc;
}
