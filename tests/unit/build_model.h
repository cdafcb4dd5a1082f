/*
** build_model.h — builds small ONNX models in memory for unit tests: add
** inputs, initializers and nodes with attributes, then lp_tb_build() packs
** the ModelProto and loads it with lp_model_parse().
**
**     lp_tb *b = lp_tb_new(17);
**     lp_tb_input(b, "x", LP_FLOAT, "batch,3,32,32");
**     lp_tb_init_f32(b, "w", "8,3,3,3", NULL);
**     lp_tb_node *c = lp_tb_add(b, "Conv", "x,w", "y");
**     lp_tb_ints(c, "pads", 4, (int64_t[]){1, 1, 1, 1});
**     lp_tb_output(b, "y", LP_UNDEFINED, NULL);
**     lp_model *m = lp_tb_build(b, &err); // frees b; NULL on a load error
**
** Shapes are text: "1,3,224,224"; a name ("batch") is a symbolic dim, "?"
** an unknown one, "" a scalar, and NULL no shape at all. Names lists are
** comma-separated; an empty entry is an omitted optional input ("x,,s").
** Everything a builder holds is freed by lp_tb_build() or lp_tb_free().
*/
#ifndef LP_TEST_BUILD_MODEL_H
#define LP_TEST_BUILD_MODEL_H

#include "model/ir.h"

#include <stddef.h>
#include <stdint.h>

typedef struct lp_tb lp_tb;
typedef struct lp_tb_node lp_tb_node;

/* A model importing the default domain at `opset`. */
lp_tb *lp_tb_new(int64_t opset);
/* A graph to use as a subgraph attribute (If/Loop/Scan bodies). */
lp_tb *lp_tb_new_graph(void);
void lp_tb_opset(lp_tb *b, const char *domain, int64_t version);
void lp_tb_free(lp_tb *b);

/* Graph inputs and outputs; elem LP_UNDEFINED with shape NULL leaves the
** type out (an output for inference to fill). */
void lp_tb_input(lp_tb *b, const char *name, lp_dtype elem, const char *shape);
void lp_tb_output(lp_tb *b, const char *name, lp_dtype elem, const char *shape);
void lp_tb_value_info(lp_tb *b, const char *name, lp_dtype elem, const char *shape);

/* Initializers; data NULL gives zeros. Shapes here must be numeric. */
void lp_tb_init_f32(lp_tb *b, const char *name, const char *shape, const float *data);
void lp_tb_init_i64(lp_tb *b, const char *name, const char *shape, const int64_t *data);

/* A node; the returned handle takes attributes until the next build. */
lp_tb_node *lp_tb_add(lp_tb *b, const char *op, const char *inputs, const char *outputs);
void lp_tb_domain(lp_tb_node *n, const char *domain);
void lp_tb_int(lp_tb_node *n, const char *name, int64_t v);
void lp_tb_float(lp_tb_node *n, const char *name, float v);
void lp_tb_string(lp_tb_node *n, const char *name, const char *v);
void lp_tb_ints(lp_tb_node *n, const char *name, int count, const int64_t *v);
void lp_tb_floats(lp_tb_node *n, const char *name, int count, const float *v);
void lp_tb_strings(lp_tb_node *n, const char *name, int count, const char *const *v);
/* A TENSOR attribute (Constant's `value`, ConstantOfShape's `value`). */
void lp_tb_tensor_f32(lp_tb_node *n, const char *name, const char *shape, const float *data);
void lp_tb_tensor_i64(lp_tb_node *n, const char *name, const char *shape, const int64_t *data);
/* A GRAPH attribute; the node takes the subgraph builder (do not free it). */
void lp_tb_graph(lp_tb_node *n, const char *name, lp_tb *sub);

/* Serializes the model as a .onnx file would hold it (malloc'd). */
uint8_t *lp_tb_pack(lp_tb *b, size_t *size);
/* Packs and loads; frees b. NULL (err filled) when the loader refuses it. */
lp_model *lp_tb_build(lp_tb *b, lp_error *err);

/* A main-graph value's type as text ("float32[1,3,batch]", "?" when the
** value does not exist). */
const char *lp_tb_type(const lp_model *m, const char *value, char *buf, size_t n);
/* The main-graph node with this output, or NULL. */
const lp_node *lp_tb_producer(const lp_model *m, const char *value);

#endif
