/*
** registry.h — the one table of kernels (ops/kernels.def), searched by
** (domain, op type, opset version).
*/
#ifndef LP_REGISTRY_H
#define LP_REGISTRY_H

#include "ops/kernel.h"

const lp_kernel *lp_registry_find(const char *domain, const char *op, int opset);
/* All entries, for listing. */
const lp_kernel *lp_registry_all(int *count);

#endif
