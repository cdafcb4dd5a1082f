/*
** graph_view.c — the Graph screen's layout: the one `loupe render` draws
** (viz/layout.h: dot, or viz's layered engine for large graphs), copied into
** plain boxes, polylines, labels and cluster frames.
**
** The main graph is laid out whole, subgraphs drawn inside their node while
** the model is small (folded when that is refused). A subgraph that is folded
** is laid out as the neighbourhood of a node (`loupe render --around`), and
** so is any graph too large to draw whole.
*/
#include "tui/graph_view.h"
#include "model/write.h"
#include "viz/layout.h"
#include "viz/render.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NEIGHBOURHOOD_DEPTH 8 /* hops drawn around a node of a graph too large to draw whole */

/* The layout copied into the screen's terms (the screen outlives no layout,
** but owning plain copies keeps it free of viz/ types). */
static lp_gview *convert(const lp_graph *g, const lp_layout *l) {
    lp_gview *v = lp_xcalloc(1, sizeof *v);
    v->graph = g;
    v->width = l->width;
    v->height = l->height;
    v->box_of_node = lp_xcalloc((size_t)(g->n_nodes > 0 ? g->n_nodes : 1), sizeof *v->box_of_node);
    for (int i = 0; i < g->n_nodes; i++) v->box_of_node[i] = -1;
    v->boxes = lp_xcalloc((size_t)(l->n_boxes > 0 ? l->n_boxes : 1), sizeof *v->boxes);
    for (int i = 0; i < l->n_boxes; i++) {
        const lp_lbox *lb = &l->boxes[i];
        lp_gbox *b = &v->boxes[v->n_boxes++];
        b->x = lb->x, b->y = lb->y, b->w = lb->w, b->h = lb->h;
        b->graph = lb->box->graph;
        b->node = lb->box->kind == LP_BOX_NODE ? lb->box->node : -1;
        b->value = lb->box->kind == LP_BOX_NODE ? -1 : lb->box->value;
        b->lines =
            lp_xcalloc((size_t)(lb->box->n_lines > 0 ? lb->box->n_lines : 1), sizeof *b->lines);
        for (int k = 0; k < lb->box->n_lines; k++)
            b->lines[b->n_lines++] = lp_xstrdup(lb->box->lines[k].text);
        if (b->graph == g && b->node >= 0 && b->node < g->n_nodes) v->box_of_node[b->node] = i;
    }
    v->edges = lp_xcalloc((size_t)(l->n_edges > 0 ? l->n_edges : 1), sizeof *v->edges);
    for (int i = 0; i < l->n_edges; i++) {
        const lp_ledge *le = &l->edges[i];
        lp_gedge *e = &v->edges[v->n_edges++];
        e->from = le->from;
        e->to = le->to;
        e->pts = lp_xcalloc((size_t)(le->n_points > 0 ? le->n_points : 1) * 2, sizeof *e->pts);
        for (int k = 0; k < le->n_points; k++) {
            e->pts[2 * k] = le->points[k].x;
            e->pts[2 * k + 1] = le->points[k].y;
        }
        e->n_pts = le->n_points;
        if (le->has_label && le->edge->label) {
            v->labels = lp_xrealloc(v->labels, (size_t)(v->n_labels + 1) * sizeof *v->labels);
            v->labels[v->n_labels++] =
                (lp_gedge_label){le->label_at.x, le->label_at.y, lp_xstrdup(le->edge->label)};
        }
    }
    v->clusters = lp_xcalloc((size_t)(l->n_clusters > 0 ? l->n_clusters : 1), sizeof *v->clusters);
    for (int i = 0; i < l->n_clusters; i++) {
        const lp_lcluster *lc = &l->clusters[i];
        v->clusters[v->n_clusters++] = (lp_gcluster){
            lc->x, lc->y, lc->w, lc->h, lp_xstrdup(lc->cluster->title ? lc->cluster->title : "")};
    }
    return v;
}

static int layout(const lp_graph *g, const lp_viz_opts *o, lp_gview **out, lp_error *err) {
    lp_layout *l;
    int rc = lp_layout_model(g->model, o, &l, err);
    if (rc) return rc;
    *out = convert(g, l);
    lp_layout_free(l);
    return LP_OK;
}

int lp_gview_build(const lp_graph *g, int around, lp_gview **out, lp_error *err) {
    *out = NULL;
    lp_viz_opts o = {.subgraphs = -1};
    if (around < 0 && !g->parent) {
        int rc = layout(g, &o, out, err);
        if (rc != LP_EUNSUPPORTED) return rc;
        o.subgraphs = 0; /* the layered engine draws no expanded subgraph */
        return layout(g, &o, out, err);
    }
    if (g->n_nodes == 0) return lp_fail(err, LP_EINPUT, "%s: the graph has no nodes", g->path);
    if (around < 0 || around >= g->n_nodes) around = 0;
    char id[256];
    o.around = lp_viz_node_id(&g->nodes[around], id, sizeof id);
    /* a subgraph whole (as far as it connects); a large graph a few hops deep */
    o.depth = g->parent ? g->n_nodes + 2 : NEIGHBOURHOOD_DEPTH;
    int rc = layout(g, &o, out, err);
    if (rc == LP_EUNSUPPORTED && o.depth > NEIGHBOURHOOD_DEPTH) {
        o.depth = NEIGHBOURHOOD_DEPTH;
        rc = layout(g, &o, out, err);
    }
    if (rc == LP_OK)
        snprintf((*out)->note, sizeof(*out)->note, "the neighbourhood of %s, %d hops deep", id,
                 o.depth);
    return rc;
}

void lp_gview_free(lp_gview *v) {
    if (!v) return;
    for (int i = 0; i < v->n_boxes; i++) {
        for (int k = 0; k < v->boxes[i].n_lines; k++) free(v->boxes[i].lines[k]);
        free(v->boxes[i].lines);
    }
    for (int i = 0; i < v->n_edges; i++) free(v->edges[i].pts);
    for (int i = 0; i < v->n_labels; i++) free(v->labels[i].text);
    for (int i = 0; i < v->n_clusters; i++) free(v->clusters[i].title);
    free(v->labels);
    free(v->clusters);
    free(v->boxes);
    free(v->edges);
    free(v->box_of_node);
    free(v);
}

char *lp_gview_svg_path(const char *model_path) {
    char *copy = lp_xstrdup(model_path);
    const char *base = strrchr(model_path, '/') ? strrchr(model_path, '/') + 1 : model_path;
    char *dir = dirname(copy);
    char name[1024];
    snprintf(name, sizeof name, "%s", base);
    char *dot = strrchr(name, '.');
    if (dot && dot != name) *dot = 0;
    size_t n = strlen(dir) + strlen(name) + 8;
    char *out = lp_xmalloc(n);
    snprintf(out, n, "%s/%s.svg", dir, name);
    free(copy);
    return out;
}

int lp_gview_export_svg(const lp_model *m, const char *path, lp_error *err) {
    lp_viz_opts o = {.subgraphs = -1}; /* what `loupe render MODEL -o PATH` draws */
    lp_buf svg = {0};
    int rc = lp_render_model(m, &o, "svg", &svg, err);
    if (rc == LP_OK) rc = lp_write_file_safe(path, svg.data, svg.len, 0, NULL, err);
    lp_buf_free(&svg);
    return rc;
}
