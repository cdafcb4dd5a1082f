/*
** pb_build.h — writing small ONNX models for tests straight in protobuf's
** wire format, so a test states its graph in a few lines:
**
**     lp_buf g = {0};
**     pb_value(&g, PB_INPUT, "x", LP_FLOAT, 2, (int64_t[]){1, 4});
**     pb_node(&g, "Relu", "r", "x", "y", NULL);
**     pb_value(&g, PB_OUTPUT, "y", LP_FLOAT, 2, (int64_t[]){1, 4});
**     pb_model(&g, 17, &bytes, &n);   // g is consumed
**
** Field numbers are onnx.proto's.
*/
#ifndef LP_TEST_PB_BUILD_H
#define LP_TEST_PB_BUILD_H

#include "model/base.h"
#include "model/dtype.h"

enum { PB_INPUT = 11, PB_OUTPUT = 12, PB_VALUE_INFO = 13 }; /* GraphProto fields */

void pb_varint(lp_buf *b, uint64_t v);
void pb_int(lp_buf *b, int field, int64_t v);
void pb_str(lp_buf *b, int field, const char *s);
void pb_bytes(lp_buf *b, int field, const void *p, size_t n);
void pb_msg(lp_buf *b, int field, lp_buf *sub); /* appends sub as a field and frees it */

/* A node; ins/outs comma-separated ("x,,B": an omitted optional input);
** attrs is a buffer of attribute fields (pb_attr_*), consumed, or NULL. */
void pb_node(lp_buf *g, const char *op, const char *name, const char *ins, const char *outs,
             lp_buf *attrs);
void pb_node_domain(lp_buf *g, const char *domain, const char *op, const char *name,
                    const char *ins, const char *outs, lp_buf *attrs);
void pb_attr_int(lp_buf *attrs, const char *name, int64_t v);
void pb_attr_float(lp_buf *attrs, const char *name, float v);
void pb_attr_string(lp_buf *attrs, const char *name, const char *v);
void pb_attr_ints(lp_buf *attrs, const char *name, int n, const int64_t *v);
void pb_attr_graph(lp_buf *attrs, const char *name, lp_buf *graph); /* graph consumed */
void pb_attr_tensor(lp_buf *attrs, const char *name, lp_dtype t, int rank, const int64_t *dims,
                    const void *raw, size_t nbytes);

/* A typed value in a graph's input, output or value_info list; rank -1
** leaves the shape out. */
void pb_value(lp_buf *g, int field, const char *name, lp_dtype t, int rank, const int64_t *dims);
/* An initializer; raw NULL fills it with zeros. */
void pb_init(lp_buf *g, const char *name, lp_dtype t, int rank, const int64_t *dims,
             const void *raw);

/* Wraps a graph into a model importing ai.onnx at `opset`. */
void pb_model(lp_buf *graph, int opset, uint8_t **bytes, size_t *n);

#endif
