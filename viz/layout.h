/*
** layout.h — the picture's geometry for the terminal: where Graphviz's dot
** puts every box, cluster and edge, in points (1/72 inch) with the origin at
** the top left and y growing down, so the TUI can scale it to cells and draw
** the same picture with line characters.
*/
#ifndef LP_VIZ_LAYOUT_H
#define LP_VIZ_LAYOUT_H

#include "viz/scene.h"

typedef struct lp_point {
    double x, y;
} lp_point;

typedef struct lp_lbox {
    const lp_box *box;  /* kind, graph and node index, id, lines of text */
    double x, y, w, h;  /* top-left corner and size */
} lp_lbox;

typedef struct lp_ledge {
    const lp_edge *edge; /* kind, the tensor carried, its label */
    int from, to;        /* indices into lp_layout.boxes */
    lp_point *points;    /* the route as a polyline, tail first; the last point is the arrow tip */
    int n_points;
    bool has_label;
    lp_point label_at;   /* the label's centre, when has_label */
} lp_ledge;

typedef struct lp_lcluster {
    const lp_cluster *cluster; /* title, parent */
    double x, y, w, h;
} lp_lcluster;

typedef struct lp_layout {
    lp_scene *scene; /* owned */
    double width, height;
    lp_lbox *boxes; /* one per scene box, same order */
    int n_boxes;
    lp_ledge *edges; /* the visible edges (invisible ordering edges left out) */
    int n_edges;
    lp_lcluster *clusters; /* one per scene cluster, same order */
    int n_clusters;
} lp_layout;

/* Builds the scene of a model and lays it out. Fails like lp_render_model. */
int lp_layout_model(const lp_model *m, const lp_viz_opts *o, lp_layout **out, lp_error *err);
/* Lays out a scene already built; the layout owns it on success. */
int lp_layout_scene(lp_scene *s, const lp_viz_opts *o, lp_layout **out, lp_error *err);
void lp_layout_free(lp_layout *l);

/* The box of node `node` of graph g, or -1 when it is not drawn. */
int lp_layout_find_node(const lp_layout *l, const lp_graph *g, int node);

#endif
