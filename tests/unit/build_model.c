/*
** build_model.c — the in-memory model builder for unit tests (see
** build_model.h). Every protobuf struct and string lives in the builder's
** arena, so one lp_arena_free() releases a model under construction.
*/
#include "build_model.h"
#include "model/onnx_pb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lp_tb {
    lp_arena arena;
    Onnx__ModelProto *model; /* NULL for a subgraph builder */
    Onnx__GraphProto *graph;
    lp_tb **subs; /* subgraph builders this one owns */
    size_t n_subs;
};

struct lp_tb_node {
    lp_tb *b;
    Onnx__NodeProto *p;
};

/* Appends item to an arena-held pointer array (tests are small: copy on grow). */
static void push(lp_arena *a, void ***arr, size_t *n, void *item) {
    void **grown = lp_arena_alloc(a, (*n + 1) * sizeof *grown);
    if (*n) memcpy(grown, *arr, *n * sizeof *grown);
    grown[(*n)++] = item;
    *arr = grown;
}
#define PUSH(b, arr, n, item) push(&(b)->arena, (void ***)&(arr), &(n), (item))

static char *str(lp_tb *b, const char *s) { return lp_arena_strdup(&b->arena, s ? s : ""); }

static lp_tb *new_builder(void) {
    lp_tb *b = lp_xcalloc(1, sizeof *b);
    b->graph = lp_arena_alloc(&b->arena, sizeof *b->graph);
    *b->graph = (Onnx__GraphProto)ONNX__GRAPH_PROTO__INIT;
    b->graph->name = str(b, "test");
    return b;
}

lp_tb *lp_tb_new(int64_t opset) {
    lp_tb *b = new_builder();
    b->model = lp_arena_alloc(&b->arena, sizeof *b->model);
    *b->model = (Onnx__ModelProto)ONNX__MODEL_PROTO__INIT;
    b->model->has_ir_version = 1;
    b->model->ir_version = 8;
    b->model->producer_name = str(b, "loupe-tests");
    b->model->graph = b->graph;
    lp_tb_opset(b, "", opset);
    return b;
}

lp_tb *lp_tb_new_graph(void) { return new_builder(); }

void lp_tb_opset(lp_tb *b, const char *domain, int64_t version) {
    if (!b->model) return;
    Onnx__OperatorSetIdProto *o = lp_arena_alloc(&b->arena, sizeof *o);
    *o = (Onnx__OperatorSetIdProto)ONNX__OPERATOR_SET_ID_PROTO__INIT;
    o->domain = str(b, domain);
    o->has_version = 1;
    o->version = version;
    PUSH(b, b->model->opset_import, b->model->n_opset_import, o);
}

void lp_tb_free(lp_tb *b) {
    if (!b) return;
    for (size_t i = 0; i < b->n_subs; i++) lp_tb_free(b->subs[i]);
    free(b->subs);
    lp_arena_free(&b->arena);
    free(b);
}

/* ---- shapes and types ---- */

/* Parses "1,batch,?" into dims; returns the count (0 for ""). */
static size_t parse_shape(lp_tb *b, const char *shape, Onnx__TensorShapeProto__Dimension ***out) {
    size_t n = 0;
    *out = NULL;
    if (!*shape) return 0;
    for (const char *p = shape;; p++) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        Onnx__TensorShapeProto__Dimension *d = lp_arena_alloc(&b->arena, sizeof *d);
        *d = (Onnx__TensorShapeProto__Dimension)ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT;
        char *tok = lp_arena_strndup(&b->arena, p, len);
        if (*tok >= '0' && *tok <= '9') {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
            d->dim_value = strtoll(tok, NULL, 10);
        } else if (strcmp(tok, "?")) {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
            d->dim_param = tok;
        }
        PUSH(b, *out, n, d);
        if (!end) break;
        p = end;
    }
    return n;
}

static Onnx__ValueInfoProto *value_info(lp_tb *b, const char *name, lp_dtype elem, const char *shape) {
    Onnx__ValueInfoProto *vi = lp_arena_alloc(&b->arena, sizeof *vi);
    *vi = (Onnx__ValueInfoProto)ONNX__VALUE_INFO_PROTO__INIT;
    vi->name = str(b, name);
    if (elem == LP_UNDEFINED && !shape) return vi;
    Onnx__TypeProto *tp = lp_arena_alloc(&b->arena, sizeof *tp);
    *tp = (Onnx__TypeProto)ONNX__TYPE_PROTO__INIT;
    Onnx__TypeProto__Tensor *tt = lp_arena_alloc(&b->arena, sizeof *tt);
    *tt = (Onnx__TypeProto__Tensor)ONNX__TYPE_PROTO__TENSOR__INIT;
    tt->has_elem_type = elem != LP_UNDEFINED;
    tt->elem_type = (int32_t)elem;
    if (shape) {
        tt->shape = lp_arena_alloc(&b->arena, sizeof *tt->shape);
        *tt->shape = (Onnx__TensorShapeProto)ONNX__TENSOR_SHAPE_PROTO__INIT;
        tt->shape->n_dim = parse_shape(b, shape, &tt->shape->dim);
    }
    tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    tp->tensor_type = tt;
    vi->type = tp;
    return vi;
}

void lp_tb_input(lp_tb *b, const char *name, lp_dtype elem, const char *shape) {
    PUSH(b, b->graph->input, b->graph->n_input, value_info(b, name, elem, shape));
}

void lp_tb_output(lp_tb *b, const char *name, lp_dtype elem, const char *shape) {
    PUSH(b, b->graph->output, b->graph->n_output, value_info(b, name, elem, shape));
}

void lp_tb_value_info(lp_tb *b, const char *name, lp_dtype elem, const char *shape) {
    PUSH(b, b->graph->value_info, b->graph->n_value_info, value_info(b, name, elem, shape));
}

/* ---- tensors ---- */

static Onnx__TensorProto *tensor(lp_tb *b, const char *name, lp_dtype dt, const char *shape,
                                 const void *data) {
    Onnx__TensorProto *t = lp_arena_alloc(&b->arena, sizeof *t);
    *t = (Onnx__TensorProto)ONNX__TENSOR_PROTO__INIT;
    t->name = str(b, name);
    t->has_data_type = 1;
    t->data_type = (int32_t)dt;
    Onnx__TensorShapeProto__Dimension **dims;
    t->n_dims = parse_shape(b, shape, &dims);
    t->dims = lp_arena_alloc(&b->arena, (t->n_dims + 1) * sizeof *t->dims);
    size_t numel = 1;
    for (size_t i = 0; i < t->n_dims; i++) {
        t->dims[i] = dims[i]->dim_value;
        numel *= (size_t)dims[i]->dim_value;
    }
    size_t bytes = numel * lp_dtype_size(dt);
    uint8_t *raw = lp_arena_alloc(&b->arena, bytes ? bytes : 1);
    if (data && bytes) memcpy(raw, data, bytes);
    t->has_raw_data = 1;
    t->raw_data.data = raw;
    t->raw_data.len = bytes;
    return t;
}

void lp_tb_init_f32(lp_tb *b, const char *name, const char *shape, const float *data) {
    PUSH(b, b->graph->initializer, b->graph->n_initializer, tensor(b, name, LP_FLOAT, shape, data));
}

void lp_tb_init_i64(lp_tb *b, const char *name, const char *shape, const int64_t *data) {
    PUSH(b, b->graph->initializer, b->graph->n_initializer, tensor(b, name, LP_INT64, shape, data));
}

/* ---- nodes ---- */

static size_t split_names(lp_tb *b, const char *list, char ***out) {
    size_t n = 0;
    *out = NULL;
    if (!list || !*list) return 0;
    for (const char *p = list;; p++) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        PUSH(b, *out, n, lp_arena_strndup(&b->arena, p, len));
        if (!end) break;
        p = end;
    }
    return n;
}

lp_tb_node *lp_tb_add(lp_tb *b, const char *op, const char *inputs, const char *outputs) {
    Onnx__NodeProto *p = lp_arena_alloc(&b->arena, sizeof *p);
    *p = (Onnx__NodeProto)ONNX__NODE_PROTO__INIT;
    p->op_type = str(b, op);
    p->name = lp_arena_printf(&b->arena, "%s_%zu", op, b->graph->n_node);
    p->n_input = split_names(b, inputs, &p->input);
    p->n_output = split_names(b, outputs, &p->output);
    PUSH(b, b->graph->node, b->graph->n_node, p);
    lp_tb_node *n = lp_arena_alloc(&b->arena, sizeof *n);
    n->b = b;
    n->p = p;
    return n;
}

void lp_tb_domain(lp_tb_node *n, const char *domain) { n->p->domain = str(n->b, domain); }

static Onnx__AttributeProto *attr(lp_tb_node *n, const char *name, int type) {
    Onnx__AttributeProto *a = lp_arena_alloc(&n->b->arena, sizeof *a);
    *a = (Onnx__AttributeProto)ONNX__ATTRIBUTE_PROTO__INIT;
    a->name = str(n->b, name);
    a->has_type = 1;
    a->type = (Onnx__AttributeProto__AttributeType)type;
    PUSH(n->b, n->p->attribute, n->p->n_attribute, a);
    return a;
}

void lp_tb_int(lp_tb_node *n, const char *name, int64_t v) {
    Onnx__AttributeProto *a = attr(n, name, LP_ATTR_INT);
    a->has_i = 1;
    a->i = v;
}

void lp_tb_float(lp_tb_node *n, const char *name, float v) {
    Onnx__AttributeProto *a = attr(n, name, LP_ATTR_FLOAT);
    a->has_f = 1;
    a->f = v;
}

void lp_tb_string(lp_tb_node *n, const char *name, const char *v) {
    Onnx__AttributeProto *a = attr(n, name, LP_ATTR_STRING);
    a->has_s = 1;
    a->s.data = (uint8_t *)str(n->b, v);
    a->s.len = strlen(v);
}

void lp_tb_ints(lp_tb_node *n, const char *name, int count, const int64_t *v) {
    Onnx__AttributeProto *a = attr(n, name, LP_ATTR_INTS);
    a->n_ints = (size_t)count;
    a->ints = lp_arena_alloc(&n->b->arena, (size_t)count * sizeof *v + 1);
    if (count) memcpy(a->ints, v, (size_t)count * sizeof *v);
}

void lp_tb_floats(lp_tb_node *n, const char *name, int count, const float *v) {
    Onnx__AttributeProto *a = attr(n, name, LP_ATTR_FLOATS);
    a->n_floats = (size_t)count;
    a->floats = lp_arena_alloc(&n->b->arena, (size_t)count * sizeof *v + 1);
    if (count) memcpy(a->floats, v, (size_t)count * sizeof *v);
}

void lp_tb_strings(lp_tb_node *n, const char *name, int count, const char *const *v) {
    Onnx__AttributeProto *a = attr(n, name, LP_ATTR_STRINGS);
    a->n_strings = (size_t)count;
    a->strings = lp_arena_alloc(&n->b->arena, ((size_t)count + 1) * sizeof *a->strings);
    for (int i = 0; i < count; i++) {
        a->strings[i].data = (uint8_t *)str(n->b, v[i]);
        a->strings[i].len = strlen(v[i]);
    }
}

void lp_tb_tensor_f32(lp_tb_node *n, const char *name, const char *shape, const float *data) {
    attr(n, name, LP_ATTR_TENSOR)->t = tensor(n->b, "", LP_FLOAT, shape, data);
}

void lp_tb_tensor_i64(lp_tb_node *n, const char *name, const char *shape, const int64_t *data) {
    attr(n, name, LP_ATTR_TENSOR)->t = tensor(n->b, "", LP_INT64, shape, data);
}

void lp_tb_graph(lp_tb_node *n, const char *name, lp_tb *sub) {
    Onnx__AttributeProto *a = attr(n, name, LP_ATTR_GRAPH);
    a->g = sub->graph;
    lp_tb *b = n->b;
    b->subs = lp_xrealloc(b->subs, (b->n_subs + 1) * sizeof *b->subs);
    b->subs[b->n_subs++] = sub;
}

/* ---- building ---- */

uint8_t *lp_tb_pack(lp_tb *b, size_t *size) {
    *size = onnx__model_proto__get_packed_size(b->model);
    uint8_t *buf = lp_xmalloc(*size ? *size : 1);
    onnx__model_proto__pack(b->model, buf);
    return buf;
}

lp_model *lp_tb_build(lp_tb *b, lp_error *err) {
    size_t n;
    uint8_t *buf = lp_tb_pack(b, &n);
    lp_tb_free(b);
    lp_model *m = NULL;
    if (lp_model_parse(buf, n, "test.onnx", NULL, &m, err)) return NULL;
    return m;
}

const char *lp_tb_type(const lp_model *m, const char *value, char *buf, size_t n) {
    int v = lp_graph_find_value(m->graph, value);
    if (v < 0) {
        snprintf(buf, n, "?");
        return buf;
    }
    return lp_type_str(&m->graph->values[v].type, buf, n);
}

const lp_node *lp_tb_producer(const lp_model *m, const char *value) {
    int v = lp_graph_find_value(m->graph, value);
    if (v < 0 || m->graph->values[v].producer < 0) return NULL;
    return &m->graph->nodes[m->graph->values[v].producer];
}
