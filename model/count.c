/*
** count.c — parameters and multiply-accumulates per node, and totals.
**
** A weight is a value the file fixes: an initializer, a Constant's value, or
** a ConstantOfShape of a constant shape (some exported test models build
** their weights so). A node's params are the elements of the distinct
** weights it reads. MACs come from the shapes shape inference found (a
** symbolic dim counts 1) and stay 0 where a dim is unknown: a MAC is one
** multiply and one add of a dot product.
*/
#include "count.h"

#include <string.h>

/* The value a captured (outer) value stands for, and its graph. */
static const lp_value *defining(const lp_graph **g, const lp_value *v) {
    for (int depth = 0; v->outer >= 0 && (*g)->parent && depth < 256; depth++) {
        if (v->outer >= (*g)->parent->n_values) break;
        *g = (*g)->parent;
        v = &(*g)->values[v->outer];
    }
    return v;
}

static bool is_weight(const lp_graph *g, const lp_value *v) {
    v = defining(&g, v);
    if (v->init >= 0) return true;
    if (v->producer < 0 || v->producer >= g->n_nodes) return false;
    const lp_node *p = &g->nodes[v->producer];
    if (*p->domain) return false;
    if (!strcmp(p->op_type, "Constant")) return true;
    return !strcmp(p->op_type, "ConstantOfShape") && p->n_inputs == 1 && p->inputs[0] >= 0 &&
           g->values[p->inputs[0]].constant;
}

static int64_t dim(const lp_value *v, int i);

/* Elements of a value: its contents, else its shape (symbolic dims as 1);
** -1 when unknown. */
static int64_t numel_of(const lp_value *v) {
    if (v->constant) return v->constant->numel;
    if (v->type.kind != LP_KIND_TENSOR || v->type.rank < 0) return -1;
    int64_t n = 1;
    for (int i = 0; i < v->type.rank; i++)
        if (dim(v, i) < 0 || lp_mul_i64(n, dim(v, i), &n)) return -1;
    return n;
}

static const lp_value *in_value(const lp_graph *g, const lp_node *n, int k) {
    return k < n->n_inputs && n->inputs[k] >= 0 ? &g->values[n->inputs[k]] : NULL;
}

static const lp_value *out_value(const lp_graph *g, const lp_node *n, int k) {
    return k < n->n_outputs && n->outputs[k] >= 0 ? &g->values[n->outputs[k]] : NULL;
}

/* A dim of a value's shape, or -1. A symbolic dim ("batch") counts as 1, so
** MACs are per inference, as tools usually report them. */
static int64_t dim(const lp_value *v, int i) {
    if (!v) return -1;
    if (v->type.kind != LP_KIND_TENSOR || v->type.rank < 0) {
        if (v->constant && i >= 0 && i < v->constant->rank) return v->constant->dims[i];
        return -1;
    }
    if (i < 0) i += v->type.rank;
    if (i < 0 || i >= v->type.rank) return -1;
    const lp_dim *d = &v->type.dims[i];
    return d->value >= 0 ? d->value : d->param ? 1 : -1;
}

static int rank_of(const lp_value *v) {
    if (!v) return -1;
    if (v->type.kind == LP_KIND_TENSOR && v->type.rank >= 0) return v->type.rank;
    return v->constant ? v->constant->rank : -1;
}

/* a * prod(v.dims[from:]); -1 when unknown or too large. */
static int64_t times_dims(int64_t a, const lp_value *v, int from) {
    int r = rank_of(v);
    if (a < 0 || r < from) return -1;
    for (int i = from; i < r; i++) {
        int64_t d = dim(v, i);
        if (d < 0 || lp_mul_i64(a, d, &a)) return -1;
    }
    return a;
}

static int64_t mul3(int64_t a, int64_t b, int64_t c) {
    int64_t r;
    if (a < 0 || b < 0 || c < 0 || lp_mul_i64(a, b, &r) || lp_mul_i64(r, c, &r)) return -1;
    return r;
}

/* Conv: each output element is a dot product over (Cin/group)*k... */
static int64_t conv_macs(const lp_graph *g, const lp_node *n, int wi) {
    const lp_value *y = out_value(g, n, 0);
    return y ? times_dims(numel_of(y), in_value(g, n, wi), 1) : -1;
}

/* ConvTranspose: each input element scatters into (Cout/group)*k... outputs. */
static int64_t conv_transpose_macs(const lp_graph *g, const lp_node *n) {
    const lp_value *x = in_value(g, n, 0);
    return x ? times_dims(numel_of(x), in_value(g, n, 1), 1) : -1;
}

static int64_t matmul_macs(const lp_graph *g, const lp_node *n, int ai, int64_t k) {
    const lp_value *y = out_value(g, n, 0), *a = in_value(g, n, ai);
    if (!y || !a) return -1;
    if (k < 0) k = dim(a, -1);
    return mul3(numel_of(y), k, 1);
}

static int64_t gemm_macs(const lp_graph *g, const lp_node *n) {
    const lp_value *a = in_value(g, n, 0);
    if (rank_of(a) != 2) return -1;
    return matmul_macs(g, n, 0, dim(a, lp_attr_int(n, "transA", 0) ? 0 : 1));
}

/* LSTM/GRU/RNN: per step and direction, W [dirs, gates*H, I] and R [dirs, gates*H, H]. */
static int64_t rnn_macs(const lp_graph *g, const lp_node *n) {
    const lp_value *x = in_value(g, n, 0), *w = in_value(g, n, 1), *r = in_value(g, n, 2);
    if (rank_of(x) != 3 || rank_of(w) != 3 || rank_of(r) != 3) return -1;
    int64_t steps = mul3(dim(x, 0), dim(x, 1), dim(w, 0));
    int64_t io = dim(w, 2) >= 0 && dim(r, 2) >= 0 ? dim(w, 2) + dim(r, 2) : -1;
    return mul3(steps, dim(w, 1), io);
}

/* Attention (ai.onnx): Q·Kᵀ then ·V, per batch, head and query. */
static int64_t attention_macs(const lp_graph *g, const lp_node *n) {
    const lp_value *q = in_value(g, n, 0), *k = in_value(g, n, 1), *y = out_value(g, n, 0);
    int r = rank_of(q);
    if ((r != 3 && r != 4) || rank_of(k) != r || rank_of(y) != r) return -1;
    int64_t kvs = dim(k, r - 2), qd = dim(q, r - 1), yd = dim(y, r - 1);
    int64_t rows = numel_of(y) >= 0 && yd > 0 ? numel_of(y) / yd : -1; /* B*heads*S or B*S */
    return qd >= 0 && yd >= 0 ? mul3(rows, kvs, qd + yd) : -1;
}

/* Einsum without ellipsis: output elements times the summed-over dims. */
static int64_t einsum_macs(const lp_graph *g, const lp_node *n) {
    const char *eq = lp_attr_string(n, "equation", NULL);
    const lp_value *y = out_value(g, n, 0);
    if (!eq || !y || strchr(eq, '.') || !strstr(eq, "->") || n->n_inputs < 2) return -1;
    int64_t dims[128];
    bool in_out[128] = {0};
    for (int i = 0; i < 128; i++) dims[i] = -1;
    const char *arrow = strstr(eq, "->");
    for (const char *p = arrow + 2; *p; p++)
        if ((unsigned char)*p < 128) in_out[(unsigned char)*p] = true;
    int k = 0, at = 0;
    for (const char *p = eq; p < arrow; p++) {
        if (*p == ',') {
            k++, at = 0;
            continue;
        }
        if (*p == ' ' || (unsigned char)*p >= 128) continue;
        int64_t d = dim(in_value(g, n, k), at++);
        if (d < 0) return -1;
        dims[(unsigned char)*p] = d;
    }
    int64_t macs = numel_of(y);
    for (int c = 0; c < 128 && macs >= 0; c++)
        if (dims[c] >= 0 && !in_out[c]) macs = mul3(macs, dims[c], 1);
    return macs;
}

static int64_t node_macs(const lp_graph *g, const lp_node *n) {
    const char *op = n->op_type;
    bool onnx = !*n->domain, ms = !strcmp(n->domain, "com.microsoft");
    if (!onnx && !ms) return -1;
    if (!strcmp(op, "Conv") || !strcmp(op, "ConvInteger") || !strcmp(op, "DeformConv") ||
        !strcmp(op, "FusedConv"))
        return conv_macs(g, n, 1);
    if (!strcmp(op, "QLinearConv")) return conv_macs(g, n, 3);
    if (!strcmp(op, "ConvTranspose")) return conv_transpose_macs(g, n);
    if (!strcmp(op, "Gemm") || !strcmp(op, "FusedGemm")) return gemm_macs(g, n);
    if (!strcmp(op, "MatMul") || !strcmp(op, "MatMulInteger") || !strcmp(op, "FusedMatMul")) {
        const lp_value *a = in_value(g, n, 0);
        int r = rank_of(a);
        return matmul_macs(g, n, 0, ms && lp_attr_int(n, "transA", 0) && r >= 2 ? dim(a, -2) : -1);
    }
    if (!strcmp(op, "QLinearMatMul")) return matmul_macs(g, n, 0, -1);
    if (!strcmp(op, "LSTM") || !strcmp(op, "GRU") || !strcmp(op, "RNN")) return rnn_macs(g, n);
    if (!strcmp(op, "Attention") && onnx) return attention_macs(g, n);
    if (!strcmp(op, "Einsum")) return einsum_macs(g, n);
    return -1;
}

static int64_t node_params(const lp_graph *g, const lp_node *n) {
    int64_t p = 0;
    for (int k = 0; k < n->n_inputs; k++) {
        int v = n->inputs[k];
        if (v < 0 || !is_weight(g, &g->values[v])) continue;
        bool dup = false;
        for (int j = 0; j < k; j++) dup |= n->inputs[j] == v;
        int64_t e = numel_of(&g->values[v]);
        if (!dup && e > 0 && p <= INT64_MAX - e) p += e;
    }
    return p;
}

/* Bytes a tensor takes in the file (sub-byte types packed). */
static int64_t file_bytes(const lp_tensor *t) {
    if (t->dtype == LP_STRING) {
        int64_t b = 0;
        for (int64_t i = 0; i < t->numel && t->data; i++) {
            const char *s = ((char *const *)t->data)[i];
            b += s ? (int64_t)strlen(s) : 0;
        }
        return b;
    }
    int64_t bits;
    if (lp_mul_i64(t->numel, lp_dtype_file_bits(t->dtype), &bits)) return 0;
    return (bits + 7) / 8;
}

/* Bytes of a Constant node's value in the file. */
static int64_t constant_bytes(const lp_node *n) {
    for (int i = 0; i < n->n_attrs; i++) {
        const lp_attr *a = &n->attrs[i];
        if ((!strcmp(a->name, "value") || !strcmp(a->name, "sparse_value")) && a->t)
            return file_bytes(a->t);
        if (!strcmp(a->name, "value_float") || !strcmp(a->name, "value_int"))
            return a->name[6] == 'f' ? 4 : 8;
        if (!strcmp(a->name, "value_floats")) return 4 * (int64_t)a->n;
        if (!strcmp(a->name, "value_ints")) return 8 * (int64_t)a->n;
        if (!strcmp(a->name, "value_string")) return (int64_t)a->s_len;
        if (!strcmp(a->name, "value_strings")) {
            int64_t b = 0;
            for (int k = 0; k < a->n; k++) b += (int64_t)strlen(a->strings[k]);
            return b;
        }
    }
    return 0;
}

/* True for the main graph and the subgraphs under it (not function bodies). */
static bool under_main(const lp_model *m, const lp_graph *g) {
    for (int depth = 0; g && depth < 256; depth++, g = g->parent)
        if (g == m->graph) return true;
    return false;
}

void lp_model_count(lp_model *m, lp_counts *totals) {
    memset(totals, 0, sizeof *totals);
    if (!m) return;
    for (int gi = 0; gi < m->n_graphs; gi++) {
        lp_graph *g = m->graphs[gi];
        bool main_family = under_main(m, g);
        for (int i = 0; i < g->n_nodes; i++) {
            lp_node *n = &g->nodes[i];
            int64_t macs = node_macs(g, n);
            n->macs = macs > 0 ? macs : 0;
            n->params = node_params(g, n);
            if (main_family && totals->macs <= INT64_MAX - n->macs) totals->macs += n->macs;
            if (!strcmp(n->op_type, "Constant") && !*n->domain)
                totals->weight_bytes += constant_bytes(n);
        }
        for (int v = 0; v < g->n_values; v++) {
            const lp_value *val = &g->values[v];
            if (val->outer >= 0 || !is_weight(g, val)) continue;
            int64_t e = numel_of(val);
            if (e > 0 && totals->params <= INT64_MAX - e) totals->params += e;
        }
        for (int k = 0; k < g->n_inits; k++) totals->weight_bytes += file_bytes(&g->inits[k]);
        if (main_family) totals->n_nodes_all += g->n_nodes;
    }
    totals->n_nodes = m->graph ? m->graph->n_nodes : 0;
}
