/*
** build.c — a ModelProto assembled in C. Every message, string and array
** lives in one arena, so the builder frees in one go and never has to walk
** protobuf-c's structures.
*/
#include "build.h"
#include "onnx_pb.h"
#include "write.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct lp_builder {
    lp_arena arena;
    Onnx__ModelProto model;
    Onnx__GraphProto graph;
};

/* Makes room for one more element of a pointer or scalar array held in the
** arena: capacities are 4, 8, 16, ... so a copy happens at those counts. */
static void *grow(lp_arena *a, void *arr, size_t n, size_t size) {
    if (n != 0 && (n < 4 || (n & (n - 1)) != 0)) return arr;
    void *bigger = lp_arena_array(a, n ? n * 2 : 4, size);
    if (n) memcpy(bigger, arr, n * size);
    return bigger;
}

#define PUSH(b, arr, n, item)                                                                      \
    do {                                                                                           \
        (arr) = grow(&(b)->arena, (arr), (n), sizeof *(arr));                                      \
        (arr)[(n)++] = (item);                                                                     \
    } while (0)

static char *S(lp_builder *b, const char *s) { return lp_arena_strdup(&b->arena, s ? s : ""); }

static void *message(lp_builder *b, size_t size, const void *init) {
    void *m = lp_arena_alloc(&b->arena, size);
    memcpy(m, init, size);
    return m;
}
#define NEW(b, type, INIT) ((type *)message((b), sizeof(type), &(type)INIT))

lp_builder *lp_build_new(const char *graph_name) {
    lp_builder *b = lp_xcalloc(1, sizeof *b);
    b->model = (Onnx__ModelProto)ONNX__MODEL_PROTO__INIT;
    b->graph = (Onnx__GraphProto)ONNX__GRAPH_PROTO__INIT;
    b->model.graph = &b->graph;
    b->graph.name = S(b, graph_name ? graph_name : "main");
    lp_build_ir_version(b, 8);
    return b;
}

void lp_build_free(lp_builder *b) {
    if (!b) return;
    lp_arena_free(&b->arena);
    free(b);
}

void lp_build_ir_version(lp_builder *b, int64_t version) {
    b->model.has_ir_version = version != 0;
    b->model.ir_version = version;
}

void lp_build_opset(lp_builder *b, const char *domain, int64_t version) {
    Onnx__OperatorSetIdProto *o = NEW(b, Onnx__OperatorSetIdProto, ONNX__OPERATOR_SET_ID_PROTO__INIT);
    o->domain = S(b, domain);
    o->has_version = 1;
    o->version = version;
    PUSH(b, b->model.opset_import, b->model.n_opset_import, o);
}

void lp_build_producer(lp_builder *b, const char *name, const char *version) {
    b->model.producer_name = S(b, name);
    b->model.producer_version = S(b, version);
}

void lp_build_doc(lp_builder *b, const char *doc) { b->model.doc_string = S(b, doc); }

void lp_build_prop(lp_builder *b, const char *key, const char *value) {
    Onnx__StringStringEntryProto *e =
        NEW(b, Onnx__StringStringEntryProto, ONNX__STRING_STRING_ENTRY_PROTO__INIT);
    e->key = S(b, key);
    e->value = S(b, value);
    PUSH(b, b->model.metadata_props, b->model.n_metadata_props, e);
}

/* ---- types ---- */

static Onnx__TensorShapeProto *parse_shape(lp_builder *b, const char *spec) {
    Onnx__TensorShapeProto *shape = NEW(b, Onnx__TensorShapeProto, ONNX__TENSOR_SHAPE_PROTO__INIT);
    if (!*spec) return shape; /* a scalar */
    for (const char *p = spec;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && *p == ' ') p++, len--;
        while (len && p[len - 1] == ' ') len--;
        char *item = lp_arena_strndup(&b->arena, p, len);
        Onnx__TensorShapeProto__Dimension *d =
            NEW(b, Onnx__TensorShapeProto__Dimension, ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT);
        char *num_end;
        errno = 0;
        long long v = strtoll(item, &num_end, 10);
        if (*item && !*num_end && errno == 0) {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
            d->dim_value = v;
        } else if (*item && strcmp(item, "?") != 0) {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
            d->dim_param = item;
        }
        PUSH(b, shape->dim, shape->n_dim, d);
        if (!end) break;
        p = end + 1;
    }
    return shape;
}

static Onnx__TypeProto *tensor_type(lp_builder *b, lp_dtype dtype, const char *shape) {
    Onnx__TypeProto *t = NEW(b, Onnx__TypeProto, ONNX__TYPE_PROTO__INIT);
    Onnx__TypeProto__Tensor *tt = NEW(b, Onnx__TypeProto__Tensor, ONNX__TYPE_PROTO__TENSOR__INIT);
    tt->has_elem_type = 1;
    tt->elem_type = (int32_t)dtype;
    tt->shape = shape ? parse_shape(b, shape) : NULL;
    t->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    t->tensor_type = tt;
    return t;
}

static Onnx__ValueInfoProto *value_info(lp_builder *b, const char *name, Onnx__TypeProto *type) {
    Onnx__ValueInfoProto *v = NEW(b, Onnx__ValueInfoProto, ONNX__VALUE_INFO_PROTO__INIT);
    v->name = S(b, name);
    v->type = type;
    return v;
}

void lp_build_input(lp_builder *b, const char *name, lp_dtype dtype, const char *shape) {
    PUSH(b, b->graph.input, b->graph.n_input, value_info(b, name, tensor_type(b, dtype, shape)));
}

void lp_build_output(lp_builder *b, const char *name, lp_dtype dtype, const char *shape) {
    PUSH(b, b->graph.output, b->graph.n_output, value_info(b, name, tensor_type(b, dtype, shape)));
}

void lp_build_value_info(lp_builder *b, const char *name, lp_dtype dtype, const char *shape) {
    PUSH(b, b->graph.value_info, b->graph.n_value_info,
         value_info(b, name, tensor_type(b, dtype, shape)));
}

static Onnx__TypeProto *map_type(lp_builder *b, lp_dtype key, lp_dtype value) {
    Onnx__TypeProto__Map *map = NEW(b, Onnx__TypeProto__Map, ONNX__TYPE_PROTO__MAP__INIT);
    map->has_key_type = 1;
    map->key_type = (int32_t)key;
    map->value_type = tensor_type(b, value, NULL);
    Onnx__TypeProto *mt = NEW(b, Onnx__TypeProto, ONNX__TYPE_PROTO__INIT);
    mt->value_case = ONNX__TYPE_PROTO__VALUE_MAP_TYPE;
    mt->map_type = map;
    return mt;
}

void lp_build_input_map(lp_builder *b, const char *name, lp_dtype key, lp_dtype value) {
    PUSH(b, b->graph.input, b->graph.n_input, value_info(b, name, map_type(b, key, value)));
}

void lp_build_output_seq_map(lp_builder *b, const char *name, lp_dtype key, lp_dtype value) {
    Onnx__TypeProto *mt = map_type(b, key, value);
    Onnx__TypeProto__Sequence *seq =
        NEW(b, Onnx__TypeProto__Sequence, ONNX__TYPE_PROTO__SEQUENCE__INIT);
    seq->elem_type = mt;
    Onnx__TypeProto *st = NEW(b, Onnx__TypeProto, ONNX__TYPE_PROTO__INIT);
    st->value_case = ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE;
    st->sequence_type = seq;
    PUSH(b, b->graph.output, b->graph.n_output, value_info(b, name, st));
}

/* ---- initializers ---- */

static Onnx__TensorProto *tensor_proto(lp_builder *b, const char *name, lp_dtype dtype, int rank,
                                       const int64_t *dims, const void *raw, size_t n) {
    Onnx__TensorProto *t = NEW(b, Onnx__TensorProto, ONNX__TENSOR_PROTO__INIT);
    t->name = S(b, name);
    t->has_data_type = 1;
    t->data_type = (int32_t)dtype;
    t->n_dims = rank > 0 ? (size_t)rank : 0;
    t->dims = lp_arena_array(&b->arena, t->n_dims, sizeof *t->dims);
    if (t->n_dims) memcpy(t->dims, dims, t->n_dims * sizeof *dims);
    t->has_raw_data = 1;
    t->raw_data.len = n;
    t->raw_data.data = lp_arena_alloc(&b->arena, n ? n : 1);
    if (n) memcpy(t->raw_data.data, raw, n);
    return t;
}

void lp_build_init_raw(lp_builder *b, const char *name, lp_dtype dtype, int rank,
                       const int64_t *dims, const void *raw, size_t n) {
    Onnx__TensorProto *t = tensor_proto(b, name, dtype, rank, dims, raw, n);
    PUSH(b, b->graph.initializer, b->graph.n_initializer, t);
}

static size_t count(int rank, const int64_t *dims) {
    size_t n = 1;
    for (int i = 0; i < rank; i++) n *= (size_t)dims[i];
    return n;
}

/* raw_data is little-endian; so are the machines Loupe builds on. */
void lp_build_init_f32(lp_builder *b, const char *name, int rank, const int64_t *dims,
                       const float *data) {
    lp_build_init_raw(b, name, LP_FLOAT, rank, dims, data, count(rank, dims) * sizeof(float));
}

void lp_build_init_i64(lp_builder *b, const char *name, int rank, const int64_t *dims,
                       const int64_t *data) {
    lp_build_init_raw(b, name, LP_INT64, rank, dims, data, count(rank, dims) * sizeof(int64_t));
}

/* ---- nodes ---- */

static void split_names(lp_builder *b, const char *list, size_t *n, char ***out) {
    *n = 0;
    *out = NULL;
    if (!list || !*list) return;
    const char *p = list;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        PUSH(b, *out, *n, lp_arena_strndup(&b->arena, p, len));
        if (!end) break;
        p = end + 1;
    }
}

lp_bnode *lp_build_node(lp_builder *b, const char *op_type, const char *inputs,
                        const char *outputs) {
    Onnx__NodeProto *node = NEW(b, Onnx__NodeProto, ONNX__NODE_PROTO__INIT);
    node->op_type = S(b, op_type);
    /* a readable, unique default name: Op_<index> */
    node->name = lp_arena_printf(&b->arena, "%s_%zu", op_type, b->graph.n_node);
    split_names(b, inputs, &node->n_input, &node->input);
    split_names(b, outputs, &node->n_output, &node->output);
    PUSH(b, b->graph.node, b->graph.n_node, node);
    return node;
}

void lp_build_node_name(lp_builder *b, lp_bnode *n, const char *name) { n->name = S(b, name); }

void lp_build_node_domain(lp_builder *b, lp_bnode *n, const char *domain) {
    n->domain = S(b, domain);
}

static Onnx__AttributeProto *attr(lp_builder *b, lp_bnode *n, const char *name, lp_attr_type t) {
    Onnx__AttributeProto *a = NEW(b, Onnx__AttributeProto, ONNX__ATTRIBUTE_PROTO__INIT);
    a->name = S(b, name);
    a->has_type = 1;
    a->type = (Onnx__AttributeProto__AttributeType)t;
    PUSH(b, n->attribute, n->n_attribute, a);
    return a;
}

void lp_build_attr_int(lp_builder *b, lp_bnode *n, const char *name, int64_t v) {
    Onnx__AttributeProto *a = attr(b, n, name, LP_ATTR_INT);
    a->has_i = 1;
    a->i = v;
}

void lp_build_attr_float(lp_builder *b, lp_bnode *n, const char *name, float v) {
    Onnx__AttributeProto *a = attr(b, n, name, LP_ATTR_FLOAT);
    a->has_f = 1;
    a->f = v;
}

void lp_build_attr_string(lp_builder *b, lp_bnode *n, const char *name, const char *v) {
    Onnx__AttributeProto *a = attr(b, n, name, LP_ATTR_STRING);
    a->has_s = 1;
    a->s.len = strlen(v);
    a->s.data = (uint8_t *)S(b, v);
}

void lp_build_attr_ints(lp_builder *b, lp_bnode *n, const char *name, int count, const int64_t *v) {
    Onnx__AttributeProto *a = attr(b, n, name, LP_ATTR_INTS);
    a->n_ints = (size_t)count;
    a->ints = lp_arena_array(&b->arena, (size_t)count, sizeof *v);
    if (count) memcpy(a->ints, v, (size_t)count * sizeof *v);
}

void lp_build_attr_floats(lp_builder *b, lp_bnode *n, const char *name, int count, const float *v) {
    Onnx__AttributeProto *a = attr(b, n, name, LP_ATTR_FLOATS);
    a->n_floats = (size_t)count;
    a->floats = lp_arena_array(&b->arena, (size_t)count, sizeof *v);
    if (count) memcpy(a->floats, v, (size_t)count * sizeof *v);
}

void lp_build_attr_strings(lp_builder *b, lp_bnode *n, const char *name, int count,
                           const char *const *v) {
    Onnx__AttributeProto *a = attr(b, n, name, LP_ATTR_STRINGS);
    a->n_strings = (size_t)count;
    a->strings = lp_arena_array(&b->arena, (size_t)count, sizeof *a->strings);
    for (int i = 0; i < count; i++) {
        a->strings[i].len = strlen(v[i]);
        a->strings[i].data = (uint8_t *)S(b, v[i]);
    }
}

void lp_build_attr_tensor(lp_builder *b, lp_bnode *n, const char *name, lp_dtype dtype, int rank,
                          const int64_t *dims, const void *raw, size_t nbytes) {
    Onnx__TensorProto *t = NEW(b, Onnx__TensorProto, ONNX__TENSOR_PROTO__INIT);
    t->has_data_type = 1;
    t->data_type = (int32_t)dtype;
    t->n_dims = rank > 0 ? (size_t)rank : 0;
    t->dims = lp_arena_array(&b->arena, t->n_dims, sizeof *t->dims);
    if (t->n_dims) memcpy(t->dims, dims, t->n_dims * sizeof *dims);
    if (dtype == LP_STRING) { /* raw holds count char* */
        const char *const *strs = raw;
        t->n_string_data = count(rank, dims);
        t->string_data = lp_arena_array(&b->arena, t->n_string_data, sizeof *t->string_data);
        for (size_t i = 0; i < t->n_string_data; i++) {
            t->string_data[i].len = strlen(strs[i]);
            t->string_data[i].data = (uint8_t *)S(b, strs[i]);
        }
    } else {
        t->has_raw_data = 1;
        t->raw_data.len = nbytes;
        t->raw_data.data = lp_arena_alloc(&b->arena, nbytes ? nbytes : 1);
        if (nbytes) memcpy(t->raw_data.data, raw, nbytes);
    }
    Onnx__AttributeProto *a = attr(b, n, name, LP_ATTR_TENSOR);
    a->t = t;
}

void lp_build_attr_graph(lp_builder *b, lp_bnode *n, const char *name, lp_builder *body) {
    Onnx__AttributeProto *a = attr(b, n, name, LP_ATTR_GRAPH);
    a->g = &body->graph;
}

/* ---- results ---- */

void lp_build_bytes(lp_builder *b, uint8_t **bytes, size_t *n) {
    *n = onnx__model_proto__get_packed_size(&b->model);
    *bytes = lp_xmalloc(*n ? *n : 1);
    onnx__model_proto__pack(&b->model, *bytes);
}

int lp_build_model(lp_builder *b, const char *path, lp_model **out, lp_error *err) {
    uint8_t *bytes;
    size_t n;
    lp_build_bytes(b, &bytes, &n);
    return lp_model_parse(bytes, n, path, NULL, out, err);
}

int lp_build_save(lp_builder *b, const char *path, lp_error *err) {
    uint8_t *bytes;
    size_t n;
    lp_build_bytes(b, &bytes, &n);
    int rc = lp_write_file_safe(path, bytes, n, 0, NULL, err);
    free(bytes);
    return rc;
}
