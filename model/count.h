/*
** count.h — parameters, weight bytes and multiply-accumulates per node and
** in total (MACs for Conv, ConvTranspose, Gemm, MatMul and friends).
**
** Weights are initializers, Constant values and ConstantOfShape of a
** constant shape; a node's params are the elements of the weights it reads.
** MACs need the shapes lp_model_infer_shapes() found (run at load).
*/
#ifndef LP_COUNT_H
#define LP_COUNT_H

#include "ir.h"

typedef struct lp_counts {
    int64_t params;       /* elements of all weights, every graph */
    int64_t weight_bytes; /* bytes the file holds for initializers and Constant values */
    int64_t macs;         /* main graph and its subgraphs (each body once), per inference:
                          ** a symbolic dim counts 1, a node with an unknown dim 0 */
    int n_nodes;          /* main graph */
    int n_nodes_all;      /* main graph and its subgraphs */
} lp_counts;

/* Fills node->macs and node->params for every graph and returns totals. */
void lp_model_count(lp_model *m, lp_counts *totals);

#endif
