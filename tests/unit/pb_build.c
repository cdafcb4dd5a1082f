/*
** pb_build.c — the protobuf wire format, as much as test models need.
*/
#include "pb_build.h"

#include <stdlib.h>
#include <string.h>

void pb_varint(lp_buf *b, uint64_t v) {
    uint8_t out[10];
    int n = 0;
    do {
        out[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    lp_buf_append(b, out, (size_t)n);
}

static void tag(lp_buf *b, int field, int wire) { pb_varint(b, (uint64_t)field << 3 | (uint64_t)wire); }

void pb_int(lp_buf *b, int field, int64_t v) {
    tag(b, field, 0);
    pb_varint(b, (uint64_t)v);
}

void pb_bytes(lp_buf *b, int field, const void *p, size_t n) {
    tag(b, field, 2);
    pb_varint(b, n);
    if (n) lp_buf_append(b, p, n);
}

void pb_str(lp_buf *b, int field, const char *s) { pb_bytes(b, field, s, strlen(s)); }

void pb_msg(lp_buf *b, int field, lp_buf *sub) {
    pb_bytes(b, field, sub->data, sub->len);
    lp_buf_free(sub);
}

/* Each comma-separated name of list as a string field ("" for ",,"). */
static void names(lp_buf *b, int field, const char *list) {
    if (!list || !*list) return;
    for (const char *p = list;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        pb_bytes(b, field, p, len);
        if (!end) break;
        p = end + 1;
    }
}

void pb_node_domain(lp_buf *g, const char *domain, const char *op, const char *name,
                    const char *ins, const char *outs, lp_buf *attrs) {
    lp_buf n = {0};
    names(&n, 1, ins);
    names(&n, 2, outs);
    if (name) pb_str(&n, 3, name);
    pb_str(&n, 4, op);
    if (attrs) {
        lp_buf_append(&n, attrs->data, attrs->len);
        lp_buf_free(attrs);
    }
    if (domain) pb_str(&n, 7, domain);
    pb_msg(g, 1, &n);
}

void pb_node(lp_buf *g, const char *op, const char *name, const char *ins, const char *outs,
             lp_buf *attrs) {
    pb_node_domain(g, NULL, op, name, ins, outs, attrs);
}

/* AttributeProto: name 1, f 2, i 3, s 4, t 5, g 6, ints 8, type 20. */
static void attr(lp_buf *attrs, lp_buf *a) { pb_msg(attrs, 5, a); }

void pb_attr_int(lp_buf *attrs, const char *name, int64_t v) {
    lp_buf a = {0};
    pb_str(&a, 1, name);
    pb_int(&a, 3, v);
    pb_int(&a, 20, 2);
    attr(attrs, &a);
}

void pb_attr_float(lp_buf *attrs, const char *name, float v) {
    lp_buf a = {0};
    pb_str(&a, 1, name);
    tag(&a, 2, 5);
    lp_buf_append(&a, &v, 4); /* little-endian hosts */
    pb_int(&a, 20, 1);
    attr(attrs, &a);
}

void pb_attr_string(lp_buf *attrs, const char *name, const char *v) {
    lp_buf a = {0};
    pb_str(&a, 1, name);
    pb_str(&a, 4, v);
    pb_int(&a, 20, 3);
    attr(attrs, &a);
}

void pb_attr_ints(lp_buf *attrs, const char *name, int n, const int64_t *v) {
    lp_buf a = {0};
    pb_str(&a, 1, name);
    for (int i = 0; i < n; i++) pb_int(&a, 8, v[i]);
    pb_int(&a, 20, 7);
    attr(attrs, &a);
}

void pb_attr_graph(lp_buf *attrs, const char *name, lp_buf *graph) {
    lp_buf a = {0};
    pb_str(&a, 1, name);
    pb_msg(&a, 6, graph);
    pb_int(&a, 20, 5);
    attr(attrs, &a);
}

/* TensorProto: dims 1, data_type 2, name 8, raw_data 9. */
static void tensor(lp_buf *t, const char *name, lp_dtype dt, int rank, const int64_t *dims,
                   const void *raw, size_t nbytes) {
    for (int i = 0; i < rank; i++) pb_int(t, 1, dims[i]);
    pb_int(t, 2, dt);
    if (name) pb_str(t, 8, name);
    pb_bytes(t, 9, raw, nbytes);
}

void pb_attr_tensor(lp_buf *attrs, const char *name, lp_dtype t, int rank, const int64_t *dims,
                    const void *raw, size_t nbytes) {
    lp_buf a = {0}, x = {0};
    pb_str(&a, 1, name);
    tensor(&x, NULL, t, rank, dims, raw, nbytes);
    pb_msg(&a, 5, &x);
    pb_int(&a, 20, 4);
    attr(attrs, &a);
}

void pb_value(lp_buf *g, int field, const char *name, lp_dtype t, int rank, const int64_t *dims) {
    lp_buf vi = {0}, type = {0}, tt = {0}, shape = {0};
    pb_str(&vi, 1, name);
    pb_int(&tt, 1, t);
    if (rank >= 0) {
        for (int i = 0; i < rank; i++) {
            lp_buf d = {0};
            if (dims[i] >= 0) pb_int(&d, 1, dims[i]);
            else pb_str(&d, 2, "batch");
            pb_msg(&shape, 1, &d);
        }
        pb_msg(&tt, 2, &shape);
    }
    pb_msg(&type, 1, &tt);
    pb_msg(&vi, 2, &type);
    pb_msg(g, field, &vi);
}

void pb_init(lp_buf *g, const char *name, lp_dtype t, int rank, const int64_t *dims,
             const void *raw) {
    size_t n = lp_dtype_size(t);
    for (int i = 0; i < rank; i++) n *= (size_t)dims[i];
    void *zeros = raw ? NULL : calloc(1, n + 1);
    lp_buf x = {0};
    tensor(&x, name, t, rank, dims, raw ? raw : zeros, n);
    pb_msg(g, 5, &x);
    free(zeros);
}

void pb_model(lp_buf *graph, int opset, uint8_t **bytes, size_t *n) {
    lp_buf m = {0}, os = {0};
    pb_int(&m, 1, 8); /* ir_version */
    pb_str(&m, 2, "loupe-tests");
    pb_str(graph, 2, "test");
    pb_msg(&m, 7, graph);
    pb_str(&os, 1, "");
    pb_int(&os, 2, opset);
    pb_msg(&m, 8, &os);
    *bytes = (uint8_t *)m.data;
    *n = m.len;
}
