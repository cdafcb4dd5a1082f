/*
** ir.c — lookups over the IR: values and nodes by name, attributes by name
** and type, and the text forms of types and shapes.
*/
#include "ir.h"
#include "strmap.h"

#include <stdio.h>
#include <string.h>

int lp_graph_find_value(const lp_graph *g, const char *name) {
    return g->names ? lp_strmap_get(g->names, name, -1) : -1;
}

int64_t lp_model_opset(const lp_model *m, const char *domain) {
    if (!strcmp(domain, "ai.onnx")) domain = "";
    for (int i = 0; i < m->n_opsets; i++)
        if (!strcmp(m->opsets[i].domain, domain)) return m->opsets[i].version;
    return 0;
}

const char *lp_node_label(const lp_node *n, char *buf, size_t size) {
    if (*n->name) snprintf(buf, size, "%s", n->name);
    else snprintf(buf, size, "%s#%d", n->op_type, n->index);
    return buf;
}

const lp_attr *lp_node_attr(const lp_node *n, const char *name) {
    for (int i = 0; i < n->n_attrs; i++)
        if (!strcmp(n->attrs[i].name, name)) return &n->attrs[i];
    return NULL;
}

int64_t lp_attr_int(const lp_node *n, const char *name, int64_t dflt) {
    const lp_attr *a = lp_node_attr(n, name);
    if (!a) return dflt;
    if (a->type == LP_ATTR_FLOAT) return (int64_t)a->f;
    return a->i;
}

float lp_attr_float(const lp_node *n, const char *name, float dflt) {
    const lp_attr *a = lp_node_attr(n, name);
    if (!a) return dflt;
    if (a->type == LP_ATTR_INT) return (float)a->i;
    return a->f;
}

const char *lp_attr_string(const lp_node *n, const char *name, const char *dflt) {
    const lp_attr *a = lp_node_attr(n, name);
    return a && a->type == LP_ATTR_STRING ? a->s : dflt;
}

const int64_t *lp_attr_ints(const lp_node *n, const char *name, int *count) {
    const lp_attr *a = lp_node_attr(n, name);
    if (!a || a->type != LP_ATTR_INTS) {
        *count = 0;
        return NULL;
    }
    *count = a->n;
    return a->ints;
}

const float *lp_attr_floats(const lp_node *n, const char *name, int *count) {
    const lp_attr *a = lp_node_attr(n, name);
    if (!a || a->type != LP_ATTR_FLOATS) {
        *count = 0;
        return NULL;
    }
    *count = a->n;
    return a->floats;
}

const lp_tensor *lp_attr_tensor(const lp_node *n, const char *name) {
    const lp_attr *a = lp_node_attr(n, name);
    return a ? a->t : NULL;
}

lp_graph *lp_attr_graph(const lp_node *n, const char *name) {
    const lp_attr *a = lp_node_attr(n, name);
    return a ? a->g : NULL;
}

const char *lp_attr_type_name(lp_attr_type t) {
    static const char *names[] = {"undefined", "float",  "int",    "string",  "tensor",
                                  "graph",     "floats", "ints",   "strings", "tensors",
                                  "graphs",    "sparse_tensor", "sparse_tensors", "type_proto",
                                  "type_protos"};
    return (unsigned)t < LP_COUNT(names) ? names[t] : "undefined";
}

bool lp_type_has_shape(const lp_type *t) { return t->kind == LP_KIND_TENSOR && t->rank >= 0; }

bool lp_type_is_static(const lp_type *t) {
    if (!lp_type_has_shape(t)) return false;
    for (int i = 0; i < t->rank; i++)
        if (t->dims[i].value < 0) return false;
    return true;
}

char *lp_shape_str(const lp_type *t, char *buf, size_t n, bool ascii) {
    if (t->rank < 0) {
        snprintf(buf, n, "?");
        return buf;
    }
    if (t->rank == 0) {
        snprintf(buf, n, "scalar");
        return buf;
    }
    size_t at = 0;
    buf[0] = 0;
    for (int i = 0; i < t->rank && at < n; i++) {
        const char *sep = i ? (ascii ? "x" : "\u00d7") : "";
        int w;
        if (t->dims[i].value >= 0) w = snprintf(buf + at, n - at, "%s%lld", sep, (long long)t->dims[i].value);
        else if (t->dims[i].param) w = snprintf(buf + at, n - at, "%s%s", sep, t->dims[i].param);
        else w = snprintf(buf + at, n - at, "%s?", sep);
        if (w < 0) break;
        at += (size_t)w;
    }
    return buf;
}

char *lp_type_str(const lp_type *t, char *buf, size_t n) {
    char inner[256], shape[256];
    switch (t->kind) {
    case LP_KIND_TENSOR:
    case LP_KIND_SPARSE:
        if (t->rank < 0) snprintf(shape, sizeof shape, "?");
        else {
            size_t at = 0;
            shape[0] = 0;
            for (int i = 0; i < t->rank && at < sizeof shape; i++) {
                int w;
                if (t->dims[i].value >= 0)
                    w = snprintf(shape + at, sizeof shape - at, "%s%lld", i ? "," : "", (long long)t->dims[i].value);
                else
                    w = snprintf(shape + at, sizeof shape - at, "%s%s", i ? "," : "",
                                 t->dims[i].param ? t->dims[i].param : "?");
                if (w < 0) break;
                at += (size_t)w;
            }
        }
        snprintf(buf, n, "%s%s[%s]", t->kind == LP_KIND_SPARSE ? "sparse " : "",
                 lp_dtype_name(t->elem), shape);
        break;
    case LP_KIND_SEQUENCE:
        snprintf(buf, n, "seq(%s)", t->inner ? lp_type_str(t->inner, inner, sizeof inner) : "?");
        break;
    case LP_KIND_OPTIONAL:
        snprintf(buf, n, "optional(%s)", t->inner ? lp_type_str(t->inner, inner, sizeof inner) : "?");
        break;
    case LP_KIND_MAP:
        snprintf(buf, n, "map(%s,%s)", lp_dtype_name(t->key),
                 t->inner ? lp_type_str(t->inner, inner, sizeof inner) : "?");
        break;
    default:
        snprintf(buf, n, "?");
    }
    return buf;
}
