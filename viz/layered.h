/*
** layered.h — a fast layered (Sugiyama) layout for graphs too large for
** dot: near-linear in boxes + edges, so thousands of nodes place in well
** under a second. Graphviz still measures the boxes and draws the picture
** (engine nop2: positions and routes as given).
*/
#ifndef LP_VIZ_LAYERED_H
#define LP_VIZ_LAYERED_H

#include "viz/layout.h"

typedef struct lp_layered_in {
    int n, m;              /* boxes, edges */
    const double *w, *h;   /* box sizes, points */
    const int *from, *to;  /* edges; the picture flows from `from` to `to` */
    const double *label_w, *label_h; /* per edge, 0 when unlabelled */
    bool lr;               /* ranks left to right */
    double nodesep, ranksep;
} lp_layered_in;

typedef struct lp_layered_out {
    double width, height;
    double *x, *y;         /* n box centres, y down */
    lp_point **route;      /* m polylines, tail to arrow tip */
    int *n_route;
    lp_point *label_at;    /* m label centres */
} lp_layered_out;

void lp_layered(const lp_layered_in *in, lp_layered_out *out);
void lp_layered_free(lp_layered_out *out, int m);

#endif
