/*
** registry.c — builds the kernel table from kernels.def, the one list of
** (domain, op, opset range) -> kernel functions.
*/
#include "ops/registry.h"

#include <string.h>

#define LP_KERNEL(domain, op, since, until, run, prepare, release) int run(lp_kctx *k);
#define LP_KERNEL_PREP(domain, op, since, until, run, prepare, release)                          \
    int run(lp_kctx *k);                                                                           \
    int prepare(lp_kctx *k);                                                                       \
    void release(void *state);
#include "ops/kernels.def"
#undef LP_KERNEL
#undef LP_KERNEL_PREP

static const lp_kernel table[] = {
#define LP_KERNEL(domain, op, since, until, run, prepare, release) {domain, op, since, until, run, NULL, NULL},
#define LP_KERNEL_PREP(domain, op, since, until, run, prepare, release) {domain, op, since, until, run, prepare, release},
#include "ops/kernels.def"
#undef LP_KERNEL
#undef LP_KERNEL_PREP
    {NULL, NULL, 0, 0, NULL, NULL, NULL},
};

const lp_kernel *lp_registry_find(const char *domain, const char *op, int opset) {
    if (!strcmp(domain, "ai.onnx")) domain = "";
    for (const lp_kernel *k = table; k->op; k++)
        if (!strcmp(k->op, op) && !strcmp(k->domain, domain) && opset >= k->since &&
            opset <= k->until)
            return k;
    return NULL;
}

const lp_kernel *lp_registry_all(int *count) {
    *count = (int)(sizeof table / sizeof table[0]) - 1;
    return table;
}
