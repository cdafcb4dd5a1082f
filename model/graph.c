/*
** graph.c — builds the IR from a parsed ModelProto: values by name, node
** inputs resolved (through enclosing scopes for subgraphs), attributes
** converted, functions attached, nodes sorted topologically.
**
** Every check names the file and the node or value at fault: a model that
** loads here can be walked by every other layer without further checks.
*/
#include "ir.h"
#include "onnx_pb.h"
#include "shape.h"
#include "strmap.h"
#include "tensor_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct builder {
    lp_model *m;
    lp_error *err;
    const char *dir;
    int depth;
} builder;

#define MAX_GRAPH_DEPTH 64
#define MAX_DIM ((int64_t)1 << 40)

/* ---- small helpers ---- */

static const char *S(lp_model *m, const char *s) { return lp_arena_strdup(&m->arena, s ? s : ""); }

static void keep_owned(lp_model *m, lp_tensor *t) {
    if (m->n_owned == m->cap_owned) {
        m->cap_owned = m->cap_owned ? m->cap_owned * 2 : 16;
        m->owned = lp_xrealloc(m->owned, (size_t)m->cap_owned * sizeof *m->owned);
    }
    m->owned[m->n_owned++] = t;
}

static void keep_graph(lp_model *m, lp_graph *g) {
    if (m->n_graphs == m->cap_graphs) {
        m->cap_graphs = m->cap_graphs ? m->cap_graphs * 2 : 8;
        m->graphs = lp_xrealloc(m->graphs, (size_t)m->cap_graphs * sizeof *m->graphs);
    }
    m->graphs[m->n_graphs++] = g;
}

static int convert_tensor(builder *b, const Onnx__TensorProto *tp, lp_tensor *t, const char *what) {
    bool borrowed;
    char where[600];
    snprintf(where, sizeof where, "%s: %s", b->m->path, what);
    int rc = lp_tensor_from_proto(tp, b->dir, t, &borrowed, where, b->err);
    if (rc) return rc;
    if (t->owned) keep_owned(b->m, t);
    t->name = S(b->m, tp->name);
    return LP_OK;
}

/* ---- types ---- */

static int convert_type(builder *b, const Onnx__TypeProto *tp, lp_type *t, const char *what) {
    memset(t, 0, sizeof *t);
    t->rank = -1;
    if (!tp) return LP_OK;
    lp_model *m = b->m;
    const Onnx__TensorShapeProto *shape = NULL;
    switch (tp->value_case) {
    case ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE:
        t->kind = LP_KIND_TENSOR;
        t->elem = tp->tensor_type->has_elem_type ? (lp_dtype)tp->tensor_type->elem_type : LP_UNDEFINED;
        shape = tp->tensor_type->shape;
        break;
    case ONNX__TYPE_PROTO__VALUE_SPARSE_TENSOR_TYPE:
        t->kind = LP_KIND_SPARSE;
        t->elem = tp->sparse_tensor_type->has_elem_type ? (lp_dtype)tp->sparse_tensor_type->elem_type
                                                        : LP_UNDEFINED;
        shape = tp->sparse_tensor_type->shape;
        break;
    case ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE:
    case ONNX__TYPE_PROTO__VALUE_OPTIONAL_TYPE: {
        const Onnx__TypeProto *inner = tp->value_case == ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE
                                           ? tp->sequence_type->elem_type
                                           : tp->optional_type->elem_type;
        t->kind = tp->value_case == ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE ? LP_KIND_SEQUENCE
                                                                         : LP_KIND_OPTIONAL;
        if (b->depth > MAX_GRAPH_DEPTH)
            return lp_fail(b->err, LP_EINPUT, "%s: type of %s nests too deeply", m->path, what);
        t->inner = lp_arena_alloc(&m->arena, sizeof *t->inner);
        b->depth++;
        int rc = convert_type(b, inner, t->inner, what);
        b->depth--;
        if (rc) return rc;
        t->elem = t->inner->elem;
        return LP_OK;
    }
    case ONNX__TYPE_PROTO__VALUE_MAP_TYPE:
        t->kind = LP_KIND_MAP;
        t->key = tp->map_type->has_key_type ? (lp_dtype)tp->map_type->key_type : LP_UNDEFINED;
        t->inner = lp_arena_alloc(&m->arena, sizeof *t->inner);
        if (b->depth > MAX_GRAPH_DEPTH)
            return lp_fail(b->err, LP_EINPUT, "%s: type of %s nests too deeply", m->path, what);
        b->depth++;
        int rc = convert_type(b, tp->map_type->value_type, t->inner, what);
        b->depth--;
        if (rc) return rc;
        t->elem = t->inner->elem;
        return LP_OK;
    default:
        return LP_OK;
    }
    if (t->elem != LP_UNDEFINED && !lp_dtype_valid((int)t->elem))
        return lp_fail(b->err, LP_EINPUT, "%s: %s has element type %d, not an ONNX type", m->path,
                       what, (int)t->elem);
    if (!shape) return LP_OK;
    if (shape->n_dim > LP_MAX_RANK)
        return lp_fail(b->err, LP_EINPUT, "%s: %s has rank %zu, beyond the %d supported", m->path,
                       what, shape->n_dim, LP_MAX_RANK);
    t->rank = (int)shape->n_dim;
    t->dims = lp_arena_array(&m->arena, shape->n_dim, sizeof *t->dims);
    for (size_t i = 0; i < shape->n_dim; i++) {
        const Onnx__TensorShapeProto__Dimension *d = shape->dim[i];
        t->dims[i].value = -1;
        if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
            if (d->dim_value < 0)
                return lp_fail(b->err, LP_EINPUT, "%s: %s has dim %zu = %lld, a negative size",
                               m->path, what, i, (long long)d->dim_value);
            if (d->dim_value > MAX_DIM)
                return lp_fail(b->err, LP_EINPUT, "%s: %s has dim %zu = %lld, too large to hold",
                               m->path, what, i, (long long)d->dim_value);
            t->dims[i].value = d->dim_value;
        } else if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM &&
                   d->dim_param && *d->dim_param) {
            t->dims[i].param = S(m, d->dim_param);
        }
    }
    return LP_OK;
}

static lp_type tensor_type_of(lp_model *m, const lp_tensor *t) {
    lp_type ty = {.kind = LP_KIND_TENSOR, .elem = t->dtype, .rank = t->rank};
    ty.dims = lp_arena_array(&m->arena, (size_t)t->rank, sizeof *ty.dims);
    for (int i = 0; i < t->rank; i++) ty.dims[i].value = t->dims[i];
    return ty;
}

/* ---- graph under construction ---- */

typedef struct gbuild {
    builder *b;
    lp_graph *g;
    lp_strmap names;
    lp_value *values;
    int n_values, cap_values;
} gbuild;

static int add_value(gbuild *gb, const char *name) {
    if (gb->n_values == gb->cap_values) {
        gb->cap_values = gb->cap_values ? gb->cap_values * 2 : 32;
        gb->values = lp_xrealloc(gb->values, (size_t)gb->cap_values * sizeof *gb->values);
    }
    lp_value *v = &gb->values[gb->n_values];
    memset(v, 0, sizeof *v);
    v->name = S(gb->b->m, name);
    v->producer = -1;
    v->init = -1;
    v->outer = -1;
    v->type.rank = -1;
    lp_strmap_put(&gb->names, v->name, gb->n_values);
    return gb->n_values++;
}

/* The builders of the enclosing graphs, innermost last, for outer lookups. */
typedef struct scope {
    gbuild *gb;
    struct scope *up;
} scope;

/* Finds name here or in an enclosing scope, adding capture values on the way
** down. Returns the local index or -1. */
static int resolve(scope *sc, const char *name) {
    int idx = lp_strmap_get(&sc->gb->names, name, -1);
    if (idx >= 0 || !sc->up) return idx;
    int outer = resolve(sc->up, name);
    if (outer < 0) return -1;
    idx = add_value(sc->gb, name);
    sc->gb->values[idx].outer = outer;
    sc->gb->values[idx].type = sc->up->gb->values[outer].type;
    return idx;
}

static int build_graph(builder *b, scope *up, lp_graph *parent, int parent_node, const char *path,
                       const Onnx__GraphProto *gp, const Onnx__FunctionProto *fp,
                       const lp_opset *opsets, int n_opsets, lp_graph **out);

static int convert_attr(builder *b, scope *sc, lp_node *node, int node_file_index,
                        const Onnx__AttributeProto *ap, lp_attr *a, const char *gpath,
                        const lp_opset *opsets, int n_opsets) {
    lp_model *m = b->m;
    char what[512];
    snprintf(what, sizeof what, "node '%s' (%s) attribute '%s'", node->name, node->op_type,
             ap->name ? ap->name : "");
    a->name = S(m, ap->name);
    a->type = ap->has_type ? (lp_attr_type)ap->type : LP_ATTR_UNDEFINED;
    a->ref = ap->ref_attr_name && *ap->ref_attr_name ? S(m, ap->ref_attr_name) : NULL;
    a->doc = ap->doc_string ? S(m, ap->doc_string) : NULL;
    a->f = ap->f;
    a->i = ap->i;
    if (a->type == LP_ATTR_UNDEFINED) {
        /* IR < 3 files leave type unset: infer it from the filled field */
        if (ap->n_floats) a->type = LP_ATTR_FLOATS;
        else if (ap->n_ints) a->type = LP_ATTR_INTS;
        else if (ap->n_strings) a->type = LP_ATTR_STRINGS;
        else if (ap->n_tensors) a->type = LP_ATTR_TENSORS;
        else if (ap->n_graphs) a->type = LP_ATTR_GRAPHS;
        else if (ap->t) a->type = LP_ATTR_TENSOR;
        else if (ap->g) a->type = LP_ATTR_GRAPH;
        else if (ap->has_s) a->type = LP_ATTR_STRING;
        else if (ap->has_f) a->type = LP_ATTR_FLOAT;
        else if (ap->has_i) a->type = LP_ATTR_INT;
    }
    a->s_len = ap->has_s ? ap->s.len : 0;
    a->s = lp_arena_strndup(&m->arena, ap->has_s ? (const char *)ap->s.data : "", a->s_len);
    if (ap->n_floats) {
        a->floats = lp_arena_array(&m->arena, ap->n_floats, sizeof(float));
        memcpy(a->floats, ap->floats, ap->n_floats * sizeof(float));
    }
    if (ap->n_ints) {
        a->ints = lp_arena_array(&m->arena, ap->n_ints, sizeof(int64_t));
        memcpy(a->ints, ap->ints, ap->n_ints * sizeof(int64_t));
    }
    if (ap->n_strings) {
        a->strings = lp_arena_array(&m->arena, ap->n_strings, sizeof(char *));
        for (size_t i = 0; i < ap->n_strings; i++)
            a->strings[i] =
                lp_arena_strndup(&m->arena, (const char *)ap->strings[i].data, ap->strings[i].len);
    }
    switch (a->type) {
    case LP_ATTR_FLOATS: a->n = (int)ap->n_floats; break;
    case LP_ATTR_INTS: a->n = (int)ap->n_ints; break;
    case LP_ATTR_STRINGS: a->n = (int)ap->n_strings; break;
    case LP_ATTR_TENSORS: a->n = (int)ap->n_tensors; break;
    case LP_ATTR_GRAPHS: a->n = (int)ap->n_graphs; break;
    case LP_ATTR_TYPE_PROTOS: a->n = (int)ap->n_type_protos; break;
    default: break;
    }
    if (ap->t) {
        a->t = lp_arena_alloc(&m->arena, sizeof *a->t);
        int rc = convert_tensor(b, ap->t, a->t, what);
        if (rc) return rc;
    }
    if (ap->sparse_tensor && a->type == LP_ATTR_SPARSE_TENSOR) {
        /* densify: values scattered at indices (flat [NNZ] or coordinates [NNZ, rank]) */
        const Onnx__SparseTensorProto *sp = ap->sparse_tensor;
        if (!sp->values || !sp->indices || sp->n_dims > LP_MAX_RANK)
            return lp_fail(b->err, LP_EINPUT, "%s: %s is an incomplete sparse tensor", m->path, what);
        lp_tensor *vp = lp_arena_alloc(&m->arena, sizeof *vp);
        lp_tensor *ip = lp_arena_alloc(&m->arena, sizeof *ip);
        int rc = convert_tensor(b, sp->values, vp, what);
        if (rc) return rc;
        rc = convert_tensor(b, sp->indices, ip, what);
        lp_tensor vals = *vp, idx = *ip;
        if (rc) return rc;
        a->t = lp_arena_alloc(&m->arena, sizeof *a->t);
        rc = lp_tensor_alloc(a->t, vals.dtype, (int)sp->n_dims, sp->dims, b->err);
        if (rc) return rc;
        keep_owned(m, a->t);
        size_t es = lp_dtype_size(vals.dtype);
        int rank = (int)sp->n_dims;
        for (int64_t k = 0; k < vals.numel; k++) {
            int64_t flat = 0;
            if (idx.rank == 2) {
                for (int d = 0; d < rank; d++) {
                    int64_t c = lp_load_i64(idx.dtype, idx.data, (size_t)(k * rank + d));
                    if (c < 0 || c >= sp->dims[d]) { flat = -1; break; }
                    flat = flat * sp->dims[d] + c;
                }
            } else {
                flat = k < idx.numel ? lp_load_i64(idx.dtype, idx.data, (size_t)k) : -1;
            }
            if (flat < 0 || flat >= a->t->numel || vals.dtype == LP_STRING)
                return lp_fail(b->err, LP_EINPUT, "%s: %s has a sparse index out of range", m->path, what);
            memcpy((char *)a->t->data + (size_t)flat * es, (char *)vals.data + (size_t)k * es, es);
        }
    }
    if (ap->n_tensors) {
        a->tensors = lp_arena_array(&m->arena, ap->n_tensors, sizeof *a->tensors);
        for (size_t i = 0; i < ap->n_tensors; i++) {
            int rc = convert_tensor(b, ap->tensors[i], &a->tensors[i], what);
            if (rc) return rc;
        }
    }
    if (ap->tp || ap->n_type_protos) {
        size_t n = ap->tp ? 1 : ap->n_type_protos;
        a->tp = lp_arena_array(&m->arena, n, sizeof *a->tp);
        for (size_t i = 0; i < n; i++) {
            int rc = convert_type(b, ap->tp ? ap->tp : ap->type_protos[i], &a->tp[i], what);
            if (rc) return rc;
        }
    }
    if (ap->g || ap->n_graphs) {
        if (b->depth >= MAX_GRAPH_DEPTH)
            return lp_fail(b->err, LP_EINPUT, "%s: %s nests subgraphs more than %d deep", m->path,
                           what, MAX_GRAPH_DEPTH);
        size_t n = ap->g ? 1 : ap->n_graphs;
        lp_graph **gs = lp_arena_array(&m->arena, n, sizeof *gs);
        for (size_t i = 0; i < n; i++) {
            char *sub = ap->g ? lp_arena_printf(&m->arena, "%s%s%s/%s", gpath, *gpath ? "/" : "",
                                                *node->name ? node->name : node->op_type, a->name)
                              : lp_arena_printf(&m->arena, "%s%s%s/%s[%zu]", gpath,
                                                *gpath ? "/" : "",
                                                *node->name ? node->name : node->op_type, a->name, i);
            b->depth++;
            int rc = build_graph(b, sc, NULL, node_file_index, sub, ap->g ? ap->g : ap->graphs[i],
                                 NULL, opsets, n_opsets, &gs[i]);
            b->depth--;
            if (rc) return rc;
        }
        if (ap->g) a->g = gs[0];
        else a->graphs = gs;
    }
    return LP_OK;
}

static int64_t opset_of(const lp_opset *opsets, int n, const char *domain) {
    if (!strcmp(domain, "ai.onnx")) domain = "";
    for (int i = 0; i < n; i++) {
        const char *d = opsets[i].domain;
        if (!strcmp(d, "ai.onnx")) d = "";
        if (!strcmp(d, domain)) return opsets[i].version;
    }
    return 0;
}

/* Sorts nodes topologically, keeping file order where it already is one. */
static int toposort(gbuild *gb, lp_node *nodes, int n, int *order) {
    lp_value *vals = gb->values;
    int *indeg = lp_xcalloc((size_t)n + 1, sizeof *indeg);
    int sorted = 1;
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < nodes[i].n_inputs + nodes[i].n_implicit; k++) {
            int v = k < nodes[i].n_inputs ? nodes[i].inputs[k] : nodes[i].implicit[k - nodes[i].n_inputs];
            if (v < 0 || vals[v].producer < 0) continue;
            indeg[i]++;
            if (vals[v].producer >= i) sorted = 0;
        }
    }
    if (sorted) {
        for (int i = 0; i < n; i++) order[i] = i;
        free(indeg);
        return 0;
    }
    /* consumers by producer node, in file order */
    int *start = lp_xcalloc((size_t)n + 2, sizeof *start), total = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < nodes[i].n_inputs + nodes[i].n_implicit; k++) {
            int v = k < nodes[i].n_inputs ? nodes[i].inputs[k] : nodes[i].implicit[k - nodes[i].n_inputs];
            if (v >= 0 && vals[v].producer >= 0) start[vals[v].producer + 1]++, total++;
        }
    for (int i = 0; i < n; i++) start[i + 1] += start[i];
    int *fill = lp_xcalloc((size_t)n + 1, sizeof *fill);
    int *succ = lp_xcalloc((size_t)total + 1, sizeof *succ);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < nodes[i].n_inputs + nodes[i].n_implicit; k++) {
            int v = k < nodes[i].n_inputs ? nodes[i].inputs[k] : nodes[i].implicit[k - nodes[i].n_inputs];
            if (v >= 0 && vals[v].producer >= 0) {
                int p = vals[v].producer;
                succ[start[p] + fill[p]++] = i;
            }
        }
    /* a min-heap of ready nodes by file index */
    int *heap = lp_xcalloc((size_t)n + 1, sizeof *heap), hn = 0, done = 0;
#define PUSH(x)                                                                                    \
    do {                                                                                           \
        int c_ = hn++;                                                                             \
        heap[c_] = (x);                                                                            \
        while (c_ > 0 && heap[(c_ - 1) / 2] > heap[c_]) {                                          \
            int t_ = heap[c_]; heap[c_] = heap[(c_ - 1) / 2]; heap[(c_ - 1) / 2] = t_;             \
            c_ = (c_ - 1) / 2;                                                                     \
        }                                                                                          \
    } while (0)
    for (int i = 0; i < n; i++)
        if (indeg[i] == 0) PUSH(i);
    while (hn > 0) {
        int top = heap[0];
        heap[0] = heap[--hn];
        for (int c = 0;;) {
            int l = 2 * c + 1, r = l + 1, s = c;
            if (l < hn && heap[l] < heap[s]) s = l;
            if (r < hn && heap[r] < heap[s]) s = r;
            if (s == c) break;
            int t = heap[c]; heap[c] = heap[s]; heap[s] = t;
            c = s;
        }
        order[done++] = top;
        for (int k = start[top]; k < start[top + 1]; k++)
            if (--indeg[succ[k]] == 0) PUSH(succ[k]);
    }
#undef PUSH
    int cyclic = -1;
    if (done < n)
        for (int i = 0; i < n; i++)
            if (indeg[i] > 0) { cyclic = i; break; }
    free(indeg); free(start); free(fill); free(succ); free(heap);
    return cyclic >= 0 ? cyclic + 1 : 0;
}

static int build_graph(builder *b, scope *up, lp_graph *parent, int parent_node, const char *path,
                       const Onnx__GraphProto *gp, const Onnx__FunctionProto *fp,
                       const lp_opset *opsets, int n_opsets, lp_graph **out) {
    lp_model *m = b->m;
    lp_error *err = b->err;
    lp_graph *g = lp_arena_alloc(&m->arena, sizeof *g);
    g->model = m;
    g->path = path;
    g->parent = up ? up->gb->g : parent;
    g->parent_node = parent_node;
    keep_graph(m, g);
    gbuild gb = {.b = b, .g = g};
    scope sc = {.gb = &gb, .up = up};
    int rc = LP_OK;
    const char *where = *path ? path : "graph";

    size_t n_nodes = gp ? gp->n_node : fp->n_node;
    Onnx__NodeProto **pnodes = gp ? gp->node : fp->node;
    g->name = S(m, gp ? gp->name : fp->name);
    g->doc = S(m, gp ? gp->doc_string : fp->doc_string);
    if (n_nodes > (size_t)1 << 24) return lp_fail(err, LP_EINPUT, "%s: too many nodes", m->path);

    /* initializers */
    if (gp) {
        g->n_inits = (int)gp->n_initializer;
        g->inits = lp_arena_array(&m->arena, gp->n_initializer, sizeof *g->inits);
        for (size_t i = 0; i < gp->n_initializer; i++) {
            const char *name = gp->initializer[i]->name;
            char what[400];
            snprintf(what, sizeof what, "initializer '%s'", name ? name : "");
            if ((rc = convert_tensor(b, gp->initializer[i], &g->inits[i], what))) goto fail;
            if (!name || !*name) {
                rc = lp_fail(err, LP_EINPUT, "%s: initializer %zu has no name", m->path, i);
                goto fail;
            }
            if (lp_strmap_get(&gb.names, name, -1) >= 0) {
                rc = lp_fail(err, LP_EINPUT, "%s: initializer '%s' is defined twice", m->path, name);
                goto fail;
            }
            int v = add_value(&gb, name);
            gb.values[v].init = (int)i;
            gb.values[v].constant = &g->inits[i];
            gb.values[v].type = tensor_type_of(m, &g->inits[i]);
            gb.values[v].type_from_file = true;
        }
    }

    /* inputs */
    size_t n_in = gp ? gp->n_input : fp->n_input;
    g->inputs = lp_arena_array(&m->arena, n_in, sizeof *g->inputs);
    for (size_t i = 0; i < n_in; i++) {
        const char *name = gp ? gp->input[i]->name : fp->input[i];
        if (!name || !*name) {
            rc = lp_fail(err, LP_EINPUT, "%s: %s input %zu has no name", m->path, where, i);
            goto fail;
        }
        int v = lp_strmap_get(&gb.names, name, -1);
        if (v >= 0 && gb.values[v].init < 0) {
            rc = lp_fail(err, LP_EINPUT, "%s: %s input '%s' is listed twice", m->path, where, name);
            goto fail;
        }
        if (v < 0) {
            v = add_value(&gb, name);
            g->inputs[g->n_inputs++] = v;
        }
        gb.values[v].is_input = true;
        if (gp) {
            char what[400];
            snprintf(what, sizeof what, "input '%s'", name);
            lp_type t;
            if ((rc = convert_type(b, gp->input[i]->type, &t, what))) goto fail;
            if (gb.values[v].init < 0) {
                gb.values[v].type = t;
                gb.values[v].type_from_file = gp->input[i]->type != NULL;
            }
            gb.values[v].doc = S(m, gp->input[i]->doc_string);
        }
    }

    /* node outputs */
    lp_node *nodes = lp_arena_array(&m->arena, n_nodes, sizeof *nodes);
    for (size_t i = 0; i < n_nodes; i++) {
        const Onnx__NodeProto *np = pnodes[i];
        lp_node *node = &nodes[i];
        node->name = S(m, np->name);
        node->op_type = S(m, np->op_type);
        node->domain = S(m, np->domain && strcmp(np->domain, "ai.onnx") ? np->domain : "");
        node->doc = S(m, np->doc_string);
        node->file_index = (int)i;
        node->function = -1;
        node->opset = (int)opset_of(opsets, n_opsets, node->domain);
        if (!*node->op_type) {
            rc = lp_fail(err, LP_EINPUT, "%s: %s node %zu ('%s') has no op_type", m->path, where, i,
                         node->name);
            goto fail;
        }
        node->n_outputs = (int)np->n_output;
        node->outputs = lp_arena_array(&m->arena, np->n_output, sizeof *node->outputs);
        for (size_t k = 0; k < np->n_output; k++) {
            const char *name = np->output[k];
            node->outputs[k] = -1;
            if (!name || !*name) continue;
            int v = lp_strmap_get(&gb.names, name, -1);
            if (v >= 0) {
                const lp_value *old = &gb.values[v];
                if (old->producer >= 0)
                    rc = lp_fail(err, LP_EINPUT,
                                 "%s: value '%s' is produced twice (by nodes '%s' and '%s')",
                                 m->path, name, nodes[old->producer].name, node->name);
                else
                    rc = lp_fail(err, LP_EINPUT,
                                 "%s: node '%s' (%s) writes '%s', which is already a graph input "
                                 "or initializer",
                                 m->path, node->name, node->op_type, name);
                goto fail;
            }
            v = add_value(&gb, name);
            gb.values[v].producer = (int)i;
            node->outputs[k] = v;
        }
    }

    /* value_info and declared outputs */
    if (gp) {
        for (size_t i = 0; i < gp->n_value_info; i++) {
            const Onnx__ValueInfoProto *vi = gp->value_info[i];
            int v = vi->name ? lp_strmap_get(&gb.names, vi->name, -1) : -1;
            if (v < 0 || gb.values[v].init >= 0) continue;
            char what[400];
            snprintf(what, sizeof what, "value_info '%s'", vi->name);
            lp_type t;
            if ((rc = convert_type(b, vi->type, &t, what))) goto fail;
            if (vi->type) {
                gb.values[v].type = t;
                gb.values[v].type_from_file = true;
            }
            if (vi->doc_string && *vi->doc_string) gb.values[v].doc = S(m, vi->doc_string);
        }
    }

    /* node inputs, attributes and subgraphs */
    for (size_t i = 0; i < n_nodes; i++) {
        const Onnx__NodeProto *np = pnodes[i];
        lp_node *node = &nodes[i];
        node->n_inputs = (int)np->n_input;
        node->inputs = lp_arena_array(&m->arena, np->n_input, sizeof *node->inputs);
        for (size_t k = 0; k < np->n_input; k++) {
            const char *name = np->input[k];
            node->inputs[k] = -1;
            if (!name || !*name) continue;
            int v = resolve(&sc, name);
            if (v < 0) {
                rc = lp_fail(err, LP_EINPUT,
                             "%s: node '%s' (%s) reads '%s', which no node, input or initializer "
                             "provides",
                             m->path, node->name, node->op_type, name);
                goto fail;
            }
            node->inputs[k] = v;
        }
        node->n_attrs = (int)np->n_attribute;
        node->attrs = lp_arena_array(&m->arena, np->n_attribute, sizeof *node->attrs);
        int before = gb.n_values;
        for (size_t k = 0; k < np->n_attribute; k++)
            if ((rc = convert_attr(b, &sc, node, (int)i, np->attribute[k], &node->attrs[k], path,
                                   opsets, n_opsets)))
                goto fail;
        /* values its subgraphs captured from here or beyond */
        (void)before;
        int n_imp = 0;
        int *imp = NULL;
        for (int k = 0; k < node->n_attrs; k++) {
            lp_attr *a = &node->attrs[k];
            int ng = a->g ? 1 : (a->type == LP_ATTR_GRAPHS ? a->n : 0);
            for (int j = 0; j < ng; j++) {
                lp_graph *sg = a->g ? a->g : a->graphs[j];
                for (int q = 0; q < sg->n_values; q++) {
                    int o = sg->values[q].outer;
                    if (o < 0) continue;
                    int dup = 0;
                    for (int z = 0; z < n_imp; z++) dup |= imp[z] == o;
                    if (dup) continue;
                    imp = lp_xrealloc(imp, (size_t)(n_imp + 1) * sizeof *imp);
                    imp[n_imp++] = o;
                }
            }
        }
        if (n_imp) {
            node->implicit = lp_arena_array(&m->arena, (size_t)n_imp, sizeof *imp);
            memcpy(node->implicit, imp, (size_t)n_imp * sizeof *imp);
            node->n_implicit = n_imp;
        }
        free(imp);
        for (int f = 0; f < m->n_functions; f++)
            if (!strcmp(m->functions[f].name, node->op_type) &&
                !strcmp(m->functions[f].domain, node->domain))
                node->function = f;
    }

    /* outputs */
    size_t n_out = gp ? gp->n_output : fp->n_output;
    g->outputs = lp_arena_array(&m->arena, n_out, sizeof *g->outputs);
    for (size_t i = 0; i < n_out; i++) {
        const char *name = gp ? gp->output[i]->name : fp->output[i];
        int v = name && *name ? resolve(&sc, name) : -1;
        if (v < 0) {
            rc = lp_fail(err, LP_EINPUT, "%s: %s output '%s' is not produced by any node", m->path,
                         where, name ? name : "");
            goto fail;
        }
        g->outputs[g->n_outputs++] = v;
        gb.values[v].is_output = true;
        if (gp && gp->output[i]->type) {
            char what[400];
            snprintf(what, sizeof what, "output '%s'", name);
            lp_type t;
            if ((rc = convert_type(b, gp->output[i]->type, &t, what))) goto fail;
            if (gb.values[v].init < 0) {
                gb.values[v].type = t;
                gb.values[v].type_from_file = true;
            }
            if (gp->output[i]->doc_string && *gp->output[i]->doc_string)
                gb.values[v].doc = S(m, gp->output[i]->doc_string);
        }
    }

    /* topological order */
    int *order = lp_xcalloc(n_nodes + 1, sizeof *order);
    int cyc = toposort(&gb, nodes, (int)n_nodes, order);
    if (cyc) {
        rc = lp_fail(err, LP_EINPUT, "%s: the graph has a cycle through node '%s' (%s)", m->path,
                     nodes[cyc - 1].name, nodes[cyc - 1].op_type);
        free(order);
        goto fail;
    }
    g->n_nodes = (int)n_nodes;
    g->nodes = lp_arena_array(&m->arena, n_nodes, sizeof *g->nodes);
    int *newpos = lp_xcalloc(n_nodes + 1, sizeof *newpos);
    for (size_t i = 0; i < n_nodes; i++) {
        g->nodes[i] = nodes[order[i]];
        g->nodes[i].index = (int)i;
        newpos[order[i]] = (int)i;
    }
    free(order);
    for (int v = 0; v < gb.n_values; v++)
        if (gb.values[v].producer >= 0) gb.values[v].producer = newpos[gb.values[v].producer];
    free(newpos);
    /* subgraphs point at their parent node by its sorted index */
    for (size_t i = 0; i < n_nodes; i++)
        for (int k = 0; k < g->nodes[i].n_attrs; k++) {
            lp_attr *a = &g->nodes[i].attrs[k];
            if (a->g) a->g->parent_node = (int)i;
            if (a->type == LP_ATTR_GRAPHS)
                for (int j = 0; j < a->n; j++) a->graphs[j]->parent_node = (int)i;
        }

    /* consumers */
    int *count = lp_xcalloc((size_t)gb.n_values + 1, sizeof *count);
    for (int i = 0; i < g->n_nodes; i++)
        for (int k = 0; k < g->nodes[i].n_inputs; k++)
            if (g->nodes[i].inputs[k] >= 0) count[g->nodes[i].inputs[k]]++;
    for (int v = 0; v < gb.n_values; v++) {
        gb.values[v].consumers = lp_arena_array(&m->arena, (size_t)count[v], sizeof(int));
        gb.values[v].n_consumers = 0;
    }
    for (int i = 0; i < g->n_nodes; i++)
        for (int k = 0; k < g->nodes[i].n_inputs; k++) {
            int v = g->nodes[i].inputs[k];
            if (v < 0) continue;
            lp_value *val = &gb.values[v];
            int dup = 0;
            for (int z = 0; z < val->n_consumers; z++) dup |= val->consumers[z] == i;
            if (!dup) val->consumers[val->n_consumers++] = i;
        }
    free(count);

    g->n_values = gb.n_values;
    g->values = lp_arena_array(&m->arena, (size_t)gb.n_values, sizeof *g->values);
    if (gb.n_values) memcpy(g->values, gb.values, (size_t)gb.n_values * sizeof *g->values);
    free(gb.values);
    lp_strmap *names = lp_xmalloc(sizeof *names);
    *names = gb.names;
    g->names = names;
    *out = g;
    return LP_OK;

fail:
    free(gb.values);
    lp_strmap_free(&gb.names);
    return rc;
}

/* ---- the model ---- */

static int convert_opsets(lp_model *m, Onnx__OperatorSetIdProto **p, size_t n, lp_opset **out,
                          int *n_out) {
    *out = lp_arena_array(&m->arena, n, sizeof **out);
    *n_out = (int)n;
    for (size_t i = 0; i < n; i++) {
        (*out)[i].domain = S(m, p[i]->domain && strcmp(p[i]->domain, "ai.onnx") ? p[i]->domain : "");
        (*out)[i].version = p[i]->has_version ? p[i]->version : 0;
    }
    return LP_OK;
}

int lp_model_parse(uint8_t *bytes, size_t n, const char *path, const char *dir, lp_model **out,
                   lp_error *err) {
    *out = NULL;
    Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, n, bytes);
    if (!mp) {
        free(bytes);
        return lp_fail(err, LP_EINPUT, "%s: not an ONNX model (the protobuf does not parse)", path);
    }
    lp_model *m = lp_xcalloc(1, sizeof *m);
    m->proto = mp;
    m->bytes = bytes;
    m->n_bytes = n;
    m->file_size = n;
    m->path = S(m, path);
    m->dir = dir ? S(m, dir) : NULL;
    if (!mp->graph) {
        lp_fail(err, LP_EINPUT, "%s: not an ONNX model (it has no graph)", path);
        lp_model_free(m);
        return LP_EINPUT;
    }
    m->ir_version = mp->has_ir_version ? mp->ir_version : 0;
    m->model_version = mp->has_model_version ? mp->model_version : 0;
    m->producer_name = S(m, mp->producer_name);
    m->producer_version = S(m, mp->producer_version);
    m->domain = S(m, mp->domain);
    m->doc = S(m, mp->doc_string);
    convert_opsets(m, mp->opset_import, mp->n_opset_import, &m->opsets, &m->n_opsets);
    if (m->n_opsets == 0 && m->ir_version < 3) { /* very old files: default domain v1 */
        m->opsets = lp_arena_alloc(&m->arena, sizeof *m->opsets);
        m->opsets[0].domain = "";
        m->opsets[0].version = 1;
        m->n_opsets = 1;
    }
    m->n_props = (int)mp->n_metadata_props;
    m->props = lp_arena_array(&m->arena, mp->n_metadata_props, sizeof *m->props);
    for (size_t i = 0; i < mp->n_metadata_props; i++) {
        m->props[i].key = S(m, mp->metadata_props[i]->key);
        m->props[i].value = S(m, mp->metadata_props[i]->value);
    }

    builder b = {.m = m, .err = err, .dir = dir};
    int rc = LP_OK;
    m->functions = lp_arena_array(&m->arena, mp->n_functions, sizeof *m->functions);
    for (size_t i = 0; i < mp->n_functions; i++) {
        const Onnx__FunctionProto *fp = mp->functions[i];
        lp_function *f = &m->functions[i];
        f->name = S(m, fp->name);
        f->domain = S(m, fp->domain && strcmp(fp->domain, "ai.onnx") ? fp->domain : "");
        f->doc = S(m, fp->doc_string);
        f->n_attr_names = (int)fp->n_attribute;
        f->attr_names = lp_arena_array(&m->arena, fp->n_attribute, sizeof(char *));
        for (size_t k = 0; k < fp->n_attribute; k++) f->attr_names[k] = S(m, fp->attribute[k]);
        convert_opsets(m, fp->opset_import, fp->n_opset_import, &f->opsets, &f->n_opsets);
        if (f->n_opsets == 0) f->opsets = m->opsets, f->n_opsets = m->n_opsets;
        char *fpath = lp_arena_printf(&m->arena, "function %s", f->name);
        if ((rc = build_graph(&b, NULL, NULL, -1, fpath, NULL, fp, f->opsets, f->n_opsets, &f->body)))
            break;
        m->n_functions = (int)i + 1;
    }
    if (rc == LP_OK) {
        /* functions may call earlier functions: link their nodes now */
        for (int i = 0; i < m->n_functions; i++) {
            lp_graph *body = m->functions[i].body;
            for (int k = 0; k < body->n_nodes; k++)
                for (int f = 0; f < m->n_functions; f++)
                    if (f != i && !strcmp(m->functions[f].name, body->nodes[k].op_type) &&
                        !strcmp(m->functions[f].domain, body->nodes[k].domain))
                        body->nodes[k].function = f;
        }
        rc = build_graph(&b, NULL, NULL, -1, "", mp->graph, NULL, m->opsets, m->n_opsets, &m->graph);
    }
    if (rc) {
        lp_model_free(m);
        return rc;
    }
    /* the main graph first in the list of graphs */
    for (int i = 0; i < m->n_graphs; i++)
        if (m->graphs[i] == m->graph) {
            memmove(m->graphs + 1, m->graphs, (size_t)i * sizeof *m->graphs);
            m->graphs[0] = m->graph;
            break;
        }
    lp_model_infer_shapes(m);
    *out = m;
    return LP_OK;
}

void lp_model_free(lp_model *m) {
    if (!m) return;
    for (int i = 0; i < m->n_owned; i++) lp_tensor_release(m->owned[i]);
    free(m->owned);
    for (int i = 0; i < m->n_graphs; i++) {
        if (m->graphs[i]->names) {
            lp_strmap_free(m->graphs[i]->names);
            free(m->graphs[i]->names);
        }
    }
    free(m->graphs);
    if (m->proto) onnx__model_proto__free_unpacked(m->proto, NULL);
    free(m->bytes);
    lp_arena_free(&m->arena);
    free(m);
}
