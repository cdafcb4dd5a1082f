/*
** shape.h — shape inference: fills the type of every value the file left
** without one, for every graph, from the operators' rules. Types the file
** declares win. Constant values (initializers, Constant, Shape of a static
** tensor, simple arithmetic on those) are folded so Reshape/Slice/Expand
** targets resolve.
*/
#ifndef LP_SHAPE_H
#define LP_SHAPE_H

#include "ir.h"

/* Never fails the load: a value it cannot type keeps rank -1. Returns the
** number of values that have a shape afterwards. */
int lp_model_infer_shapes(lp_model *m);

#endif
