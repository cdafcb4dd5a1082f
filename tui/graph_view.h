/*
** graph_view.h — a graph laid out for the Graph screen: boxes, edges, edge
** labels and subgraph frames in points (y down), copied from viz/layout.h,
** with the node or graph input/output each box stands for. Building one may
** take seconds on a large graph, so the screen calls lp_gview_build on the
** worker thread.
*/
#ifndef LP_GRAPH_VIEW_H
#define LP_GRAPH_VIEW_H

#include "model/ir.h"

typedef struct lp_gbox {
    double x, y, w, h;     /* top-left corner and size, in points */
    const lp_graph *graph; /* the graph of node or value (an expanded subgraph's, too) */
    int node;              /* index in graph->nodes, or -1 for a graph input/output */
    int value;             /* the value a graph input/output box shows, else -1 */
    char **lines;          /* label lines, the first is the title */
    int n_lines;
} lp_gbox;

typedef struct lp_gedge {
    double *pts;  /* x0, y0, x1, y1, ...: a polyline, in points */
    int n_pts;    /* points (pairs) */
    int from, to; /* box indices */
} lp_gedge;

typedef struct lp_gedge_label {
    double x, y; /* centre, in points */
    char *text;  /* "1×64×56×56 f32" */
} lp_gedge_label;

/* A subgraph drawn inside its node: a frame with a title. */
typedef struct lp_gcluster {
    double x, y, w, h;
    char *title;
} lp_gcluster;

typedef struct lp_gview {
    const lp_graph *graph;
    double width, height; /* bounding box, in points */
    lp_gbox *boxes;
    int n_boxes;
    lp_gedge *edges;
    int n_edges;
    lp_gedge_label *labels;
    int n_labels;
    lp_gcluster *clusters;
    int n_clusters;
    int *box_of_node; /* graph->n_nodes entries: box index, or -1 */
    char note[600];   /* what a partial layout shows ("the neighbourhood of ..."), or "" */
} lp_gview;

/* Lays out g: the main graph whole (subgraphs inside their nodes when the
** model is small enough), a subgraph as the neighbourhood of node `around`.
** Safe on a worker thread: reads the model only. */
int lp_gview_build(const lp_graph *g, int around, lp_gview **out, lp_error *err);
void lp_gview_free(lp_gview *v);

/* Writes the model's graph as SVG to path, exactly as `loupe render` does. */
int lp_gview_export_svg(const lp_model *m, const char *path, lp_error *err);
/* Where the Graph screen's export goes: MODEL.svg beside the model file
** (caller frees). */
char *lp_gview_svg_path(const char *model_path);

#endif
