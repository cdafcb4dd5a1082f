/*
** build_model.c — test conveniences over model/build.h (see build_model.h).
*/
#include "build_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses "64,3,7,7" into dims; returns the rank. */
static int parse_dims(const char *shape, int64_t *dims) {
    int rank = 0;
    for (const char *p = shape; *p && rank < LP_MAX_RANK;) {
        char *end;
        dims[rank++] = strtoll(p, &end, 10);
        p = *end == ',' ? end + 1 : end;
        if (end == p && *p) break;
    }
    return rank;
}

/* The raw bytes of a tensor: a copy of data, or zeros; the caller frees them. */
static void *raw_of(lp_dtype dtype, int rank, const int64_t *dims, const void *data, size_t *n) {
    *n = (size_t)lp_shape_numel(rank, dims) * lp_dtype_size(dtype);
    void *raw = lp_xcalloc(*n ? *n : 1, 1);
    if (data && *n) memcpy(raw, data, *n);
    return raw;
}

void lp_test_init(lp_builder *b, const char *name, lp_dtype dtype, const char *shape,
                  const void *data) {
    int64_t dims[LP_MAX_RANK];
    int rank = parse_dims(shape, dims);
    size_t n;
    void *raw = raw_of(dtype, rank, dims, data, &n);
    lp_build_init_raw(b, name, dtype, rank, dims, raw, n);
    free(raw);
}

void lp_test_attr_tensor(lp_builder *b, lp_bnode *node, const char *name, lp_dtype dtype,
                         const char *shape, const void *data) {
    int64_t dims[LP_MAX_RANK];
    int rank = parse_dims(shape, dims);
    size_t n;
    void *raw = raw_of(dtype, rank, dims, data, &n);
    lp_build_attr_tensor(b, node, name, dtype, rank, dims, raw, n);
    free(raw);
}

lp_model *lp_test_load(lp_builder *b) {
    lp_model *m = NULL;
    lp_error err = {0};
    if (lp_build_model(b, "test.onnx", &m, &err)) fprintf(stderr, "  load failed: %s\n", err.msg);
    lp_build_free(b);
    return m;
}

const char *lp_test_type(const lp_model *m, const char *value, char *buf, size_t n) {
    int v = lp_graph_find_value(m->graph, value);
    if (v < 0) {
        snprintf(buf, n, "?");
        return buf;
    }
    return lp_type_str(&m->graph->values[v].type, buf, n);
}

const lp_node *lp_test_producer(const lp_model *m, const char *value) {
    int v = lp_graph_find_value(m->graph, value);
    if (v < 0 || m->graph->values[v].producer < 0) return NULL;
    return &m->graph->nodes[m->graph->values[v].producer];
}
