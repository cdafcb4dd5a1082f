/*
** ir.h — the graph IR: a model as plain, index-linked data.
**
** Nodes are held in topological order; values (edges) are referred to by
** index into their graph's values[], so plans, profiles and screens can name
** them cheaply. A subgraph (If/Loop/Scan bodies, function bodies) is an
** lp_graph whose parent points up; a value it reads from an enclosing scope
** is a local value with `outer` set to the index in the parent graph.
*/
#ifndef LP_IR_H
#define LP_IR_H

#include "base.h"
#include "tensor.h"

#include <stdbool.h>

/* A dimension: value >= 0 when known, else -1, with param holding a
** symbolic name ("batch") when the file gave one. */
typedef struct lp_dim {
    int64_t value;
    const char *param;
} lp_dim;

typedef enum lp_kind {
    LP_KIND_UNKNOWN = 0,
    LP_KIND_TENSOR,
    LP_KIND_SEQUENCE,
    LP_KIND_MAP,
    LP_KIND_OPTIONAL,
    LP_KIND_SPARSE,
} lp_kind;

typedef struct lp_type {
    lp_kind kind;
    lp_dtype elem;          /* tensor element type; map value element */
    int rank;               /* -1 when the rank is unknown */
    lp_dim *dims;           /* rank entries */
    struct lp_type *inner;  /* sequence/optional element, map value type */
    lp_dtype key;           /* map key type */
} lp_type;

/* Values equal AttributeProto.AttributeType. */
typedef enum lp_attr_type {
    LP_ATTR_UNDEFINED = 0,
    LP_ATTR_FLOAT = 1,
    LP_ATTR_INT = 2,
    LP_ATTR_STRING = 3,
    LP_ATTR_TENSOR = 4,
    LP_ATTR_GRAPH = 5,
    LP_ATTR_FLOATS = 6,
    LP_ATTR_INTS = 7,
    LP_ATTR_STRINGS = 8,
    LP_ATTR_TENSORS = 9,
    LP_ATTR_GRAPHS = 10,
    LP_ATTR_SPARSE_TENSOR = 11,
    LP_ATTR_SPARSE_TENSORS = 12,
    LP_ATTR_TYPE_PROTO = 13,
    LP_ATTR_TYPE_PROTOS = 14,
} lp_attr_type;

struct lp_graph;

typedef struct lp_attr {
    const char *name;
    lp_attr_type type;
    const char *ref; /* ref_attr_name inside a function body, else NULL */
    const char *doc;
    float f;
    int64_t i;
    const char *s; /* NUL-terminated copy; s_len holds the true length */
    size_t s_len;
    lp_tensor *t;  /* TENSOR, and SPARSE_TENSOR densified */
    struct lp_graph *g;
    int n; /* element count of the list below */
    float *floats;
    int64_t *ints;
    const char **strings;
    lp_tensor *tensors;
    struct lp_graph **graphs;
    lp_type *tp; /* TYPE_PROTO(S) */
} lp_attr;

typedef struct lp_node {
    const char *name; /* may be "" */
    const char *op_type;
    const char *domain; /* "" is ai.onnx */
    const char *doc;
    int opset;          /* the version of its domain this graph imports */
    int index;          /* position in graph->nodes (topological) */
    int file_index;     /* position in the file */
    int *inputs;        /* value indices; -1 for an omitted optional input */
    int n_inputs;
    int *outputs;       /* value indices; -1 for an omitted optional output */
    int n_outputs;
    int *implicit;      /* values read by its subgraphs from this scope */
    int n_implicit;
    lp_attr *attrs;
    int n_attrs;
    int function;       /* index in model->functions when it calls one, else -1 */
    int64_t macs;       /* filled by lp_model_count() */
    int64_t params;
} lp_node;

typedef struct lp_value {
    const char *name;
    const char *doc;
    lp_type type;
    bool type_from_file; /* the file declared it (input, output, value_info) */
    int producer;        /* node index; -1 for inputs, initializers, outer values */
    int init;            /* index into graph->inits, or -1 */
    int outer;           /* index in parent->values when read from an enclosing scope */
    bool is_input, is_output;
    int *consumers;      /* node indices, one per reading input slot */
    int n_consumers;
    lp_tensor *constant; /* known contents (initializer or folded), or NULL */
} lp_value;

typedef struct lp_graph {
    const char *name;
    const char *doc;
    const char *path; /* "" for the main graph, "Loop_3/body" for a subgraph */
    struct lp_model *model;
    struct lp_graph *parent;
    int parent_node; /* node index in parent, -1 for the main graph */
    lp_node *nodes;
    int n_nodes;
    lp_value *values;
    int n_values;
    lp_tensor *inits; /* initializers, borrowed from the protobuf when possible */
    int n_inits;
    int *inputs; /* graph inputs that are not initializers, in file order */
    int n_inputs;
    int *outputs;
    int n_outputs;
    void *names; /* name -> value index map (private) */
} lp_graph;

typedef struct lp_opset {
    const char *domain; /* "" for ai.onnx */
    int64_t version;
} lp_opset;

typedef struct lp_prop {
    const char *key, *value;
} lp_prop;

/* A model-local function (ModelProto.functions). The body is a graph whose
** inputs and outputs are the formal parameters; attributes that refer to the
** caller's carry lp_attr.ref. */
typedef struct lp_function {
    const char *name, *domain, *doc;
    const char **attr_names;
    int n_attr_names;
    lp_opset *opsets;
    int n_opsets;
    lp_graph *body;
} lp_function;

typedef struct lp_model {
    lp_arena arena;
    const char *path;    /* the file as opened (the .zip for a package) */
    const char *member;  /* the .onnx member name inside a package, else NULL */
    const char *dir;     /* folder for external data */
    size_t file_size;    /* bytes of the .onnx */
    int64_t ir_version, model_version;
    const char *producer_name, *producer_version, *domain, *doc;
    lp_opset *opsets;
    int n_opsets;
    lp_prop *props;
    int n_props;
    lp_function *functions;
    int n_functions;
    lp_graph *graph;
    void *proto;         /* Onnx__ModelProto*, owned */
    uint8_t *bytes;      /* the serialized model, owned */
    size_t n_bytes;
    lp_tensor **owned;   /* tensors converted (not borrowed) at load */
    int n_owned, cap_owned;
    lp_graph **graphs;   /* every graph, the main one first, then subgraphs */
    int n_graphs, cap_graphs;
} lp_model;

/* ---- building and freeing (graph.c) ---- */

/* Parses a serialized ModelProto. `path` names the file in messages; `dir` is
** where external data is looked for (NULL refuses external data). Takes
** ownership of bytes (freed with the model, or on failure). */
int lp_model_parse(uint8_t *bytes, size_t n, const char *path, const char *dir, lp_model **out,
                   lp_error *err);
void lp_model_free(lp_model *m);

/* ---- lookups ---- */

int lp_graph_find_value(const lp_graph *g, const char *name); /* -1 if none */
int64_t lp_model_opset(const lp_model *m, const char *domain); /* 0 if not imported */
const char *lp_node_label(const lp_node *n, char *buf, size_t size); /* name or "Op#idx" */

/* Attributes by name; NULL when absent. Typed getters return the default. */
const lp_attr *lp_node_attr(const lp_node *n, const char *name);
int64_t lp_attr_int(const lp_node *n, const char *name, int64_t dflt);
float lp_attr_float(const lp_node *n, const char *name, float dflt);
const char *lp_attr_string(const lp_node *n, const char *name, const char *dflt);
const int64_t *lp_attr_ints(const lp_node *n, const char *name, int *count);
const float *lp_attr_floats(const lp_node *n, const char *name, int *count);
const lp_tensor *lp_attr_tensor(const lp_node *n, const char *name);
lp_graph *lp_attr_graph(const lp_node *n, const char *name);
const char *lp_attr_type_name(lp_attr_type t);

/* Type helpers. */
bool lp_type_has_shape(const lp_type *t);
bool lp_type_is_static(const lp_type *t); /* tensor with every dim known */
/* "float32[1,3,224,224]", "float32[batch,10]", "seq(float32[?])" */
char *lp_type_str(const lp_type *t, char *buf, size_t n);
/* "1×3×224×224" with symbolic names; "?" when unknown; "scalar" for rank 0 */
char *lp_shape_str(const lp_type *t, char *buf, size_t n, bool ascii);

#endif
