/*
** count.h — parameters, weight bytes and multiply-accumulates per node and
** in total (MACs for Conv, ConvTranspose, Gemm, MatMul and friends).
*/
#ifndef LP_COUNT_H
#define LP_COUNT_H

#include "ir.h"

typedef struct lp_counts {
    int64_t params;       /* elements of all initializers */
    int64_t weight_bytes; /* bytes of all initializers */
    int64_t macs;         /* over the main graph; -1 where a shape is unknown is skipped */
    int n_nodes;          /* main graph */
    int n_nodes_all;      /* subgraphs included */
} lp_counts;

/* Fills node->macs and node->params for every graph and returns totals. */
void lp_model_count(lp_model *m, lp_counts *totals);

#endif
