/*
** compare.h — does a computed value match an expected one? Used by
** `loupe check` and the tests: same kind, dtype and shape, values within
** |got - want| <= atol + rtol * |want|, NaN equal to NaN, strings exact.
*/
#ifndef LP_COMPARE_H
#define LP_COMPARE_H

#include "ops/value.h"

/* True when they match; otherwise why (one short sentence) is filled. */
bool lp_rvalue_matches(const lp_rvalue *want, const lp_rvalue *got, double rtol, double atol,
                       char *why, size_t why_size);

#endif
