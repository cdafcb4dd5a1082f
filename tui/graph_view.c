/*
** graph_view.c — the Graph screen's layout, taken from viz/layout.h (the
** libgvc layout `loupe render` draws).
**
** When Graphviz declines a graph (too large to lay out in bounded time), a
** plain layered layout stands in: a node's layer is one below its deepest
** producer, a layer is ordered by the mean position of its producers, and
** edges run straight from the bottom of one box to the top of the next. It
** is enough to find one's way.
*/
#include "tui/graph_view.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if __has_include("viz/layout.h")
#include "model/write.h"
#include "viz/layout.h"
#include "viz/render.h"
#define HAVE_VIZ 1
#else
#define HAVE_VIZ 0
#endif

#define CHAR_W 7.0  /* points per character of a label */
#define LINE_H 14.0 /* points per label line */
#define GAP_X 21.0
#define GAP_Y 42.0

static void set_lines(lp_gbox *b, const char *const *lines, int n) {
    b->lines = lp_xcalloc((size_t)n, sizeof *b->lines);
    b->n_lines = 0;
    int longest = 0;
    for (int i = 0; i < n; i++) {
        if (!lines[i] || !lines[i][0]) continue;
        b->lines[b->n_lines++] = lp_xstrdup(lines[i]);
        int len = (int)strlen(lines[i]);
        if (len > longest) longest = len;
    }
    b->w = (longest + 4) * CHAR_W;
    b->h = (b->n_lines + 2) * LINE_H;
}

static int add_box(lp_gview *v, int node, int value) {
    v->boxes = lp_xrealloc(v->boxes, (size_t)(v->n_boxes + 1) * sizeof *v->boxes);
    lp_gbox *b = &v->boxes[v->n_boxes];
    memset(b, 0, sizeof *b);
    b->graph = v->graph;
    b->node = node;
    b->value = value;
    return v->n_boxes++;
}

static void add_edge(lp_gview *v, int from, int to) {
    for (int i = 0; i < v->n_edges; i++)
        if (v->edges[i].from == from && v->edges[i].to == to) return;
    v->edges = lp_xrealloc(v->edges, (size_t)(v->n_edges + 1) * sizeof *v->edges);
    v->edges[v->n_edges++] = (lp_gedge){NULL, 0, from, to};
}

typedef struct order_key {
    int box;
    double key;
} order_key;

static int by_key(const void *x, const void *y) {
    const order_key *a = x, *b = y;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    return a->box - b->box;
}

static void short_shape(const lp_value *v, char *buf, size_t n) {
    if (v->type.kind != LP_KIND_TENSOR || v->type.rank < 0) {
        buf[0] = 0;
        return;
    }
    char shape[200];
    lp_shape_str(&v->type, shape, sizeof shape, true);
    snprintf(buf, n, "%s", shape);
}

/* The stand-in layered layout. */
static void layered(lp_gview *v, const lp_graph *g) {
    int *layer = lp_xcalloc((size_t)v->n_boxes, sizeof *layer);
    for (int i = 0; i < v->n_boxes; i++) {
        int deepest = -1;
        for (int e = 0; e < v->n_edges; e++)
            if (v->edges[e].to == i && layer[v->edges[e].from] > deepest)
                deepest = layer[v->edges[e].from];
        /* boxes are added inputs first, then nodes in topological order */
        layer[i] = deepest + 1;
    }
    int n_layers = 0;
    for (int i = 0; i < v->n_boxes; i++)
        if (layer[i] + 1 > n_layers) n_layers = layer[i] + 1;
    order_key *keys = lp_xcalloc((size_t)v->n_boxes + 1, sizeof *keys);
    double y = 0, widest = 0;
    double *layer_w = lp_xcalloc((size_t)n_layers + 1, sizeof *layer_w);
    for (int l = 0; l < n_layers; l++) {
        int n = 0;
        for (int i = 0; i < v->n_boxes; i++) {
            if (layer[i] != l) continue;
            double sum = 0;
            int count = 0;
            for (int e = 0; e < v->n_edges; e++)
                if (v->edges[e].to == i) {
                    const lp_gbox *p = &v->boxes[v->edges[e].from];
                    sum += p->x + p->w / 2;
                    count++;
                }
            keys[n++] = (order_key){i, count ? sum / count : (double)i};
        }
        qsort(keys, (size_t)n, sizeof *keys, by_key);
        double x = 0, tallest = 0;
        for (int k = 0; k < n; k++) {
            lp_gbox *b = &v->boxes[keys[k].box];
            /* keep near the producers when there is room */
            double want = keys[k].key - b->w / 2;
            if (want > x) x = want;
            b->x = x;
            b->y = y;
            x += b->w + GAP_X;
            if (b->h > tallest) tallest = b->h;
        }
        layer_w[l] = x - GAP_X;
        if (layer_w[l] > widest) widest = layer_w[l];
        y += tallest + GAP_Y;
    }
    v->width = widest;
    v->height = y > GAP_Y ? y - GAP_Y : 0;
    for (int e = 0; e < v->n_edges; e++) {
        lp_gedge *ed = &v->edges[e];
        const lp_gbox *a = &v->boxes[ed->from], *b = &v->boxes[ed->to];
        ed->pts = lp_xcalloc(4, sizeof *ed->pts);
        ed->n_pts = 2;
        ed->pts[0] = a->x + a->w / 2;
        ed->pts[1] = a->y + a->h;
        ed->pts[2] = b->x + b->w / 2;
        ed->pts[3] = b->y;
    }
    free(layer_w);
    free(keys);
    free(layer);
    (void)g;
}

static int fallback_build(const lp_graph *g, lp_gview **out, lp_error *err) {
    (void)err;
    lp_gview *v = lp_xcalloc(1, sizeof *v);
    v->graph = g;
    v->box_of_node = lp_xcalloc((size_t)(g->n_nodes > 0 ? g->n_nodes : 1), sizeof *v->box_of_node);
    int *box_of_value =
        lp_xcalloc((size_t)(g->n_values > 0 ? g->n_values : 1), sizeof *box_of_value);
    for (int i = 0; i < g->n_values; i++) box_of_value[i] = -1;
    char shape[200], label[256];
    for (int i = 0; i < g->n_inputs; i++) {
        const lp_value *val = &g->values[g->inputs[i]];
        int b = add_box(v, -1, g->inputs[i]);
        short_shape(val, shape, sizeof shape);
        const char *lines[] = {"input", val->name, shape};
        set_lines(&v->boxes[b], lines, 3);
        box_of_value[g->inputs[i]] = b;
    }
    for (int i = 0; i < g->n_nodes; i++) {
        const lp_node *nd = &g->nodes[i];
        int b = add_box(v, i, -1);
        v->box_of_node[i] = b;
        shape[0] = 0;
        if (nd->n_outputs && nd->outputs[0] >= 0)
            short_shape(&g->values[nd->outputs[0]], shape, sizeof shape);
        const char *lines[] = {
            nd->op_type, nd->name[0] ? nd->name : lp_node_label(nd, label, sizeof label), shape};
        set_lines(&v->boxes[b], lines, 3);
        for (int k = 0; k < nd->n_inputs + nd->n_implicit; k++) {
            int vi = k < nd->n_inputs ? nd->inputs[k] : nd->implicit[k - nd->n_inputs];
            if (vi < 0) continue;
            const lp_value *val = &g->values[vi];
            if (val->producer >= 0)
                add_edge(v, v->box_of_node[val->producer], b);
            else if (box_of_value[vi] >= 0)
                add_edge(v, box_of_value[vi], b);
        }
    }
    for (int i = 0; i < g->n_outputs; i++) {
        const lp_value *val = &g->values[g->outputs[i]];
        int b = add_box(v, -1, g->outputs[i]);
        short_shape(val, shape, sizeof shape);
        const char *lines[] = {"output", val->name, shape};
        set_lines(&v->boxes[b], lines, 3);
        if (val->producer >= 0)
            add_edge(v, v->box_of_node[val->producer], b);
        else if (box_of_value[g->outputs[i]] >= 0)
            add_edge(v, box_of_value[g->outputs[i]], b);
    }
    free(box_of_value);
    layered(v, g);
    *out = v;
    return LP_OK;
}

#if HAVE_VIZ
/* The Graphviz layout `loupe render` draws, copied into the screen's terms.
** A subgraph is laid out as the neighbourhood of a node, as deep as it goes
** (`loupe render --around`). */
static int viz_build(const lp_graph *g, int around, lp_gview **out, lp_error *err) {
    const lp_model *m = g->model;
    lp_viz_opts o = {.subgraphs = -1};
    char id[256];
    if (g->parent) {
        if (g->n_nodes == 0)
            return lp_fail(err, LP_EINPUT, "%s: the subgraph has no nodes", g->path);
        if (around < 0 || around >= g->n_nodes) around = 0;
        o.around = lp_viz_node_id(&g->nodes[around], id, sizeof id);
        o.depth = g->n_nodes + 2;
    }
    lp_layout *l;
    int rc = lp_layout_model(m, &o, &l, err);
    if (rc) return rc;
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
    lp_layout_free(l);
    *out = v;
    return LP_OK;
}
#endif

int lp_gview_build(const lp_graph *g, int around, lp_gview **out, lp_error *err) {
#if HAVE_VIZ
    int rc = viz_build(g, around, out, err);
    if (rc != LP_EUNSUPPORTED) return rc;
    char why[sizeof err->msg];
    snprintf(why, sizeof why, "%s", err->msg);
    rc = fallback_build(g, out, err);
    if (rc == LP_OK)
        snprintf((*out)->note, sizeof (*out)->note, "a plain layered layout: Graphviz declined (%s)", why);
    return rc;
#else
    (void)around;
    return fallback_build(g, out, err);
#endif
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
#if HAVE_VIZ
    lp_viz_opts o = {.subgraphs = -1};
    lp_buf svg = {0};
    int rc = lp_render_model(m, &o, "svg", &svg, err);
    if (rc == LP_OK) rc = lp_write_file_safe(path, svg.data, svg.len, 0, NULL, err);
    lp_buf_free(&svg);
    return rc;
#else
    (void)m;
    return lp_fail(err, LP_EUNSUPPORTED, "%s: exporting SVG needs viz/render.h, not in this build",
                   path);
#endif
}
