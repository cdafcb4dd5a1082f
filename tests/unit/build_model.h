/*
** build_model.h — conveniences for unit tests that make models with
** model/build.h: initializers from a shape text (zeros when no data), tensor
** attributes likewise, build-and-load in one call, and lookups of main-graph
** values by name.
**
**     lp_builder *b = lp_build_new("t");
**     lp_build_opset(b, "", 17);
**     lp_build_input(b, "x", LP_FLOAT, "batch,3,32,32");
**     lp_test_init(b, "w", LP_FLOAT, "8,3,3,3", NULL);
**     lp_build_node(b, "Conv", "x,w", "y");
**     lp_model *m = lp_test_load(b);        // frees b; NULL on a load error
**     lp_test_type(m, "y", buf, sizeof buf) // "float32[batch,8,30,30]"
**
** Shape texts are numeric here ("64,3,7,7"; "" is a scalar).
*/
#ifndef LP_TEST_BUILD_MODEL_H
#define LP_TEST_BUILD_MODEL_H

#include "model/build.h"

/* An initializer of a fixed-size type; data NULL gives zeros. */
void lp_test_init(lp_builder *b, const char *name, lp_dtype dtype, const char *shape,
                  const void *data);
/* A TENSOR attribute the same way. */
void lp_test_attr_tensor(lp_builder *b, lp_bnode *n, const char *name, lp_dtype dtype,
                         const char *shape, const void *data);
/* Builds, frees b and loads; prints the loader's error and returns NULL on failure.
** Subgraph builders are the caller's to free afterwards. */
lp_model *lp_test_load(lp_builder *b);
/* A main-graph value's type as text ("float32[1,3,batch]"; "?" when there is none). */
const char *lp_test_type(const lp_model *m, const char *value, char *buf, size_t n);
/* The main-graph node that writes value, or NULL. */
const lp_node *lp_test_producer(const lp_model *m, const char *value);

#endif
