/*
** inputs.h — making inputs for a run: deterministic random tensors that
** follow the model's declared types, and the ONNX test suites' ramp.
*/
#ifndef LP_INPUTS_H
#define LP_INPUTS_H

#include "model/ir.h"
#include "ops/value.h"

/* Floats uniform in [-1,1), integers in [0,4), bools 0/1, strings "a".."d";
** symbolic or unknown dims become `batch` for the first, 1 elsewhere. The
** state is advanced, so successive inputs differ. */
int lp_random_input(const lp_value *v, uint64_t *state, int64_t batch, lp_rvalue *out,
                    lp_error *err);

/* The concrete shape a declared type gets: unknown dims -> batch (first) or 1. */
int lp_concrete_shape(const lp_type *t, int64_t batch, int64_t *dims);

#endif
