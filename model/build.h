/*
** build.h — making ONNX models in C: inputs and outputs with their shapes,
** initializers, nodes with attributes, opsets, producer and metadata_props.
** The samples generator and the tests use it; nothing checks the result
** until it is loaded, so it can also make deliberately broken models.
**
**   lp_builder *b = lp_build_new("linear");
**   lp_build_opset(b, "", 13);
**   lp_build_input(b, "x", LP_FLOAT, "batch,10");
**   lp_build_init_f32(b, "W", 2, (int64_t[]){10, 1}, weights);
**   lp_build_node(b, "MatMul", "x,W", "y");
**   lp_build_output(b, "y", LP_FLOAT, "batch,1");
**   lp_build_save(b, "linear.onnx", &err);
**   lp_build_free(b);
**
** Names in lists are comma-separated ("x,W"); an empty item ("x,,B") is an
** omitted optional input. Shapes are comma-separated dims: a number is a
** fixed size (any int64, negative ones included), a name a symbolic dim,
** "?" an unknown dim, "" a scalar and NULL no shape at all.
*/
#ifndef LP_BUILD_H
#define LP_BUILD_H

#include "ir.h"

typedef struct lp_builder lp_builder;
struct Onnx__NodeProto;
typedef struct Onnx__NodeProto lp_bnode;

lp_builder *lp_build_new(const char *graph_name);
void lp_build_free(lp_builder *b);

/* ir_version defaults to 8; call with 0 to leave it unset. */
void lp_build_ir_version(lp_builder *b, int64_t version);
void lp_build_opset(lp_builder *b, const char *domain, int64_t version);
void lp_build_producer(lp_builder *b, const char *name, const char *version);
void lp_build_doc(lp_builder *b, const char *doc);
void lp_build_prop(lp_builder *b, const char *key, const char *value);

void lp_build_input(lp_builder *b, const char *name, lp_dtype dtype, const char *shape);
void lp_build_output(lp_builder *b, const char *name, lp_dtype dtype, const char *shape);
/* A map input (as DictVectorizer and CastMap take): map(key, value). */
void lp_build_input_map(lp_builder *b, const char *name, lp_dtype key, lp_dtype value);
/* A sequence-of-map output (as ZipMap makes): seq(map(key, value)). */
void lp_build_output_seq_map(lp_builder *b, const char *name, lp_dtype key, lp_dtype value);
void lp_build_value_info(lp_builder *b, const char *name, lp_dtype dtype, const char *shape);

/* Initializers; data is copied into raw_data. lp_build_init_raw takes the
** raw bytes as they are, so its length need not match the shape. */
void lp_build_init_raw(lp_builder *b, const char *name, lp_dtype dtype, int rank,
                       const int64_t *dims, const void *raw, size_t n);
void lp_build_init_f32(lp_builder *b, const char *name, int rank, const int64_t *dims,
                       const float *data);
void lp_build_init_i64(lp_builder *b, const char *name, int rank, const int64_t *dims,
                       const int64_t *data);

lp_bnode *lp_build_node(lp_builder *b, const char *op_type, const char *inputs,
                        const char *outputs);
void lp_build_node_name(lp_builder *b, lp_bnode *n, const char *name);
void lp_build_node_domain(lp_builder *b, lp_bnode *n, const char *domain);
void lp_build_attr_int(lp_builder *b, lp_bnode *n, const char *name, int64_t v);
void lp_build_attr_float(lp_builder *b, lp_bnode *n, const char *name, float v);
void lp_build_attr_string(lp_builder *b, lp_bnode *n, const char *name, const char *v);
void lp_build_attr_ints(lp_builder *b, lp_bnode *n, const char *name, int count, const int64_t *v);
void lp_build_attr_floats(lp_builder *b, lp_bnode *n, const char *name, int count, const float *v);
void lp_build_attr_strings(lp_builder *b, lp_bnode *n, const char *name, int count,
                           const char *const *v);
/* A TENSOR attribute: raw little-endian data of nbytes, or for LP_STRING an
** array of char* (one per element; nbytes unused). */
void lp_build_attr_tensor(lp_builder *b, lp_bnode *n, const char *name, lp_dtype dtype, int rank,
                          const int64_t *dims, const void *raw, size_t nbytes);
/* A graph attribute (an If/Loop/Scan body): body's graph, which is referred
** to, not copied, so body must outlive b's serializing (its opsets and
** ir_version are not used). */
void lp_build_attr_graph(lp_builder *b, lp_bnode *n, const char *name, lp_builder *body);

/* The serialized ModelProto; the caller frees *bytes. */
void lp_build_bytes(lp_builder *b, uint8_t **bytes, size_t *n);
/* Parses what was built into the IR (errors name `path`). */
int lp_build_model(lp_builder *b, const char *path, lp_model **out, lp_error *err);
/* Writes the .onnx safely (lp_write_file_safe, no backup). */
int lp_build_save(lp_builder *b, const char *path, lp_error *err);

#endif
