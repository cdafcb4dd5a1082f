/*
** screen_graph.c — the Graph screen: the graph drawn with box and line
** characters from its layout, scrolled with the arrows, hjkl and the wheel,
** at three zoom levels, with the selected node (shared with the Nodes
** screen) highlighted. `e` exports the SVG as `loupe render` does.
**
** Layouts are made on the worker thread, one per graph (the main graph and
** any subgraph the Nodes screen entered), and kept. Drawing maps points to
** cells: at the closest zoom a cell is one character of a label, so boxes
** hold their text; further out boxes shrink to a one-line title.
*/
#include "tui/graph_view.h"
#include "tui/screen.h"
#include "tui/widgets.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LAYOUTS 32
#define N_ZOOM 3

static const double zoom_factor[N_ZOOM] = {2.6, 1.6, 1.0}; /* cells shrink as the factor grows */

typedef struct layout_slot {
    const lp_graph *g;
    int around; /* a subgraph not drawn inside its parent: the node it is laid out around */
    lp_gview *v;
    double pc, ph; /* points per label character and per line, measured once */
    bool pending;
    int rc; /* the layout's status once done */
    char error[sizeof(((lp_error *)0)->msg)];
} layout_slot;

typedef struct graph_st {
    layout_slot slots[MAX_LAYOUTS];
    int n_slots;
    int zoom;
    double cx, cy;         /* the view's centre, in points */
    const lp_graph *shown; /* the layout drawn: its graph and node (see layout_slot) */
    int shown_around;
    const lp_graph *seen_g; /* the selection last centred on */
    int seen_node;
    bool exporting;
    lp_rect canvas;
    double sx, sy; /* points per cell */
    /* the canvas while drawing: an edge glyph per cell, and which cells boxes cover */
    const char **cells;
    unsigned char *covered;
    int cells_n;
} graph_st;

/* ---- scale ---- */

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* Points per character and per line, as the layout sized its labels. */
static void base_scale(const lp_gview *v, double *pc, double *ph) {
    *pc = 7;
    *ph = 14;
    if (v->n_boxes == 0) return;
    double *w = lp_xcalloc((size_t)v->n_boxes, sizeof *w),
           *h = lp_xcalloc((size_t)v->n_boxes, sizeof *h);
    int n = 0;
    for (int i = 0; i < v->n_boxes; i++) {
        const lp_gbox *b = &v->boxes[i];
        int longest = 1;
        for (int k = 0; k < b->n_lines; k++) {
            int len = lp_text_width(b->lines[k]);
            if (len > longest) longest = len;
        }
        w[n] = b->w / (longest + 4);
        h[n] = b->h / (b->n_lines + 2);
        n++;
    }
    qsort(w, (size_t)n, sizeof *w, cmp_double);
    qsort(h, (size_t)n, sizeof *h, cmp_double);
    if (w[n / 2] > 0) *pc = w[n / 2];
    if (h[n / 2] > 0) *ph = h[n / 2];
    free(w);
    free(h);
}

/* ---- layouts, made on the worker ---- */

typedef struct layout_job {
    lp_job job;
    char title[128];
    graph_st *s;
    const lp_graph *g;
    int around;
    lp_gview *v;
} layout_job;

static void layout_run(lp_job *j) {
    layout_job *lj = (layout_job *)j;
    j->rc = lp_gview_build(lj->g, lj->around, &lj->v, &j->err);
}

static void layout_done(void *owner, lp_job *j) {
    layout_job *lj = (layout_job *)j;
    lp_app *a = owner;
    for (int i = 0; i < lj->s->n_slots; i++) {
        layout_slot *slot = &lj->s->slots[i];
        if (slot->g != lj->g || slot->around != lj->around) continue;
        slot->pending = false;
        slot->rc = j->rc;
        if (j->rc == LP_EUNSUPPORTED && !slot->g->parent && slot->around < 0) {
            /* too large to draw whole: the screen turns to neighbourhoods */
            snprintf(slot->error, sizeof slot->error, "%s", j->err.msg);
            if (a) lp_app_message(a, "too large to draw whole: drawing the selection's neighbourhood");
        } else if (j->rc) {
            snprintf(slot->error, sizeof slot->error, "%s", j->err.msg);
            if (a) lp_app_error(a, "layout failed: %s", j->err.msg);
        } else {
            slot->v = lj->v;
            lj->v = NULL;
            base_scale(slot->v, &slot->pc, &slot->ph);
            if (a && slot->v->note[0]) lp_app_message(a, "%s", slot->v->note);
            lj->s->seen_g = NULL; /* centre on the selection once drawn */
        }
    }
    lp_gview_free(lj->v);
    free(lj);
}

static layout_slot *find_slot(graph_st *s, const lp_graph *g, int around) {
    for (int i = 0; i < s->n_slots; i++)
        if (s->slots[i].g == g && s->slots[i].around == around) return &s->slots[i];
    return NULL;
}

/* The layout of g (around a node, for a subgraph), started when missing. */
static layout_slot *layout_for(lp_app *a, graph_st *s, const lp_graph *g, int around) {
    layout_slot *found = find_slot(s, g, around);
    if (found) return found;
    if (s->n_slots == MAX_LAYOUTS) { /* forget the oldest finished one */
        int k = 0;
        while (k < s->n_slots && s->slots[k].pending) k++;
        if (k == s->n_slots) return NULL;
        lp_gview_free(s->slots[k].v);
        memmove(&s->slots[k], &s->slots[k + 1], (size_t)(s->n_slots - k - 1) * sizeof *s->slots);
        s->n_slots--;
    }
    layout_slot *slot = &s->slots[s->n_slots++];
    memset(slot, 0, sizeof *slot);
    slot->g = g;
    slot->around = around;
    slot->pending = true;
    layout_job *lj = lp_xcalloc(1, sizeof *lj);
    snprintf(lj->title, sizeof lj->title, "laying out %d nodes", g->n_nodes);
    lj->job.title = lj->title;
    lj->job.run = layout_run;
    lj->job.done = layout_done;
    lj->s = s;
    lj->g = g;
    lj->around = around;
    lp_app_run(a, &lj->job);
    return slot;
}

static void set_scale(graph_st *s, const layout_slot *slot) {
    s->sx = slot->pc * zoom_factor[s->zoom];
    s->sy = slot->ph * zoom_factor[s->zoom];
}

static double left_pt(const graph_st *s) {
    return s->cx - s->canvas.w / 2.0 * s->sx;
}
static double top_pt(const graph_st *s) {
    return s->cy - s->canvas.h / 2.0 * s->sy;
}

static void box_cells(const graph_st *s, const lp_gbox *b, int *x, int *y, int *w, int *h) {
    *x = (int)floor((b->x - left_pt(s)) / s->sx);
    *y = (int)floor((b->y - top_pt(s)) / s->sy);
    *w = (int)floor(b->w / s->sx + 0.5 + 1e-6);
    *h = (int)floor(b->h / s->sy + 0.5 + 1e-6);
    if (*w < 3) *w = 3;
    if (*h < 1) *h = 1;
}

static void centre_on(graph_st *s, const lp_gbox *b) {
    s->cx = b->x + b->w / 2;
    s->cy = b->y + b->h / 2;
}

/* Brings a box into view after a jump: centred across, in the upper third
** down, since the graph goes on below it. */
static void show_box(graph_st *s, const lp_gbox *b) {
    s->cx = b->x + b->w / 2;
    s->cy = b->y + s->canvas.h * s->sy / 6 + b->h / 2;
    if (b->h / s->sy > s->canvas.h / 2) s->cy = b->y + b->h / 2;
}

static bool box_visible(const graph_st *s, const lp_gbox *b) {
    int x, y, w, h;
    box_cells(s, b, &x, &y, &w, &h);
    return x >= 0 && y >= 0 && x + w <= s->canvas.w && y + h <= s->canvas.h;
}

/* ---- drawing ---- */

static void canvas_set(graph_st *s, int row, int col, const char *glyph) {
    if (row < 0 || col < 0 || row >= s->canvas.h || col >= s->canvas.w) return;
    int i = row * s->canvas.w + col;
    if (s->covered[i]) return;
    const char *old = s->cells[i];
    if (old && old != glyph && old != lp_g->arrow_down && glyph != lp_g->arrow_down) {
        bool old_v = old == lp_g->v, new_v = glyph == lp_g->v;
        bool old_h = old == lp_g->h, new_h = glyph == lp_g->h;
        if ((old_v && new_h) || (old_h && new_v)) glyph = lp_g->cross;
    }
    s->cells[i] = glyph;
}

/* Draws one segment, in cell coordinates, with the glyph its slope calls for. */
static void rasterize(graph_st *s, double c0, double r0, double c1, double r1) {
    double dc = c1 - c0, dr = r1 - r0;
    const char *glyph;
    if (fabs(dc) * 2.2 < fabs(dr))
        glyph = lp_g->v; /* cells are about twice as tall as wide */
    else if (fabs(dr) * 4.4 < fabs(dc))
        glyph = lp_g->h;
    else
        glyph = (dc > 0) == (dr > 0) ? lp_g->diag_down : lp_g->diag_up;
    /* one cell per step along the longer axis: a line without doubled cells */
    int steps = (int)ceil(fmax(fabs(dc), fabs(dr)));
    if (steps < 1) steps = 1;
    if (steps > 4000) steps = 4000;
    for (int k = 0; k <= steps; k++) {
        double t = (double)k / steps;
        canvas_set(s, (int)floor(r0 + dr * t), (int)floor(c0 + dc * t), glyph);
    }
}

static void draw_edges(graph_st *s, const lp_gview *v) {
    double l = left_pt(s), t = top_pt(s);
    for (int e = 0; e < v->n_edges; e++) {
        const lp_gedge *ed = &v->edges[e];
        if (ed->n_pts < 2) continue;
        /* skip edges wholly outside the view */
        double minc = 1e18, maxc = -1e18, minr = 1e18, maxr = -1e18;
        for (int k = 0; k < ed->n_pts; k++) {
            double c = (ed->pts[2 * k] - l) / s->sx, r = (ed->pts[2 * k + 1] - t) / s->sy;
            minc = fmin(minc, c), maxc = fmax(maxc, c), minr = fmin(minr, r), maxr = fmax(maxr, r);
        }
        if (maxc < 0 || maxr < 0 || minc > s->canvas.w || minr > s->canvas.h) continue;
        for (int k = 0; k + 1 < ed->n_pts; k++)
            rasterize(s, (ed->pts[2 * k] - l) / s->sx, (ed->pts[2 * k + 1] - t) / s->sy,
                      (ed->pts[2 * k + 2] - l) / s->sx, (ed->pts[2 * k + 3] - t) / s->sy);
        /* an arrowhead in the last free cell above the target */
        const lp_gbox *to = &v->boxes[ed->to];
        int bx, by, bw, bh;
        box_cells(s, to, &bx, &by, &bw, &bh);
        double ec = (ed->pts[2 * ed->n_pts - 2] - l) / s->sx;
        int col = (int)floor(ec), row = by - 1;
        if (col < bx) col = bx;
        if (col >= bx + bw) col = bx + bw - 1;
        if (row >= 0 && row < s->canvas.h && col >= 0 && col < s->canvas.w &&
            !s->covered[row * s->canvas.w + col])
            s->cells[row * s->canvas.w + col] = lp_g->arrow_down;
    }
}

/* Text clipped to the canvas on both sides. */
static void cput(graph_st *s, int row, int col, int w, lp_role role, const char *text) {
    if (row < 0 || row >= s->canvas.h) return;
    while (col < 0 && *text && w > 0) {
        int len = 1;
        while ((text[len] & 0xc0) == 0x80) len++;
        text += len;
        col++;
        w--;
    }
    if (col < 0) return;
    if (col + w > s->canvas.w) w = s->canvas.w - col;
    if (w > 0) lp_put_fit(s->canvas.y + row, s->canvas.x + col, w, role, text);
}

static void cfill(graph_st *s, int row, int col, int w, lp_role role) {
    if (row < 0 || row >= s->canvas.h) return;
    if (col < 0) w += col, col = 0;
    if (col + w > s->canvas.w) w = s->canvas.w - col;
    if (w > 0) lp_fill(s->canvas.y + row, s->canvas.x + col, w, role);
}

static void cglyph(graph_st *s, int row, int col, lp_role role, const char *g) {
    if (row < 0 || col < 0 || row >= s->canvas.h || col >= s->canvas.w) return;
    attrset(lp_role_attr(role));
    mvaddstr(s->canvas.y + row, s->canvas.x + col, g);
    attrset(A_NORMAL);
}

static void draw_box(graph_st *s, const lp_gbox *b, bool selected) {
    int x, y, w, h;
    box_cells(s, b, &x, &y, &w, &h);
    if (x + w < 0 || y + h < 0 || x >= s->canvas.w || y >= s->canvas.h) return;
    lp_role frame = selected ? LP_ROLE_SELECTED : b->node < 0 ? LP_ROLE_NODE_IO : LP_ROLE_BORDER;
    lp_role text = selected ? LP_ROLE_SELECTED : b->node < 0 ? LP_ROLE_NODE_IO : LP_ROLE_NODE;
    for (int r = 0; r < h; r++) cfill(s, y + r, x, w, selected ? LP_ROLE_SELECTED : LP_ROLE_NORMAL);
    if (h >= 3 && w >= 4) {
        cglyph(s, y, x, frame, lp_g->tl);
        cglyph(s, y, x + w - 1, frame, lp_g->tr);
        cglyph(s, y + h - 1, x, frame, lp_g->bl);
        cglyph(s, y + h - 1, x + w - 1, frame, lp_g->br);
        for (int c = 1; c < w - 1; c++) {
            cglyph(s, y, x + c, frame, lp_g->h);
            cglyph(s, y + h - 1, x + c, frame, lp_g->h);
        }
        for (int r = 1; r < h - 1; r++) {
            cglyph(s, y + r, x, frame, lp_g->v);
            cglyph(s, y + r, x + w - 1, frame, lp_g->v);
        }
        for (int k = 0; k < b->n_lines && k < h - 2; k++) {
            int tw = lp_text_width(b->lines[k]);
            int pad = tw < w - 2 ? (w - 2 - tw) / 2 : 0;
            cput(s, y + 1 + k, x + 1 + pad, w - 2 - pad,
                 k == 0 ? (selected      ? text
                           : b->node < 0 ? LP_ROLE_NODE_IO
                                         : LP_ROLE_OP)
                        : text,
                 b->lines[k]);
        }
    } else {
        /* too small for a frame: the title between brackets */
        char t[256];
        snprintf(t, sizeof t, "[%s]", b->n_lines ? b->lines[0] : "?");
        int tw = lp_text_width(t);
        int pad = tw < w ? (w - tw) / 2 : 0;
        cput(s, y + h / 2, x + pad, w - pad, b->node < 0 && !selected ? LP_ROLE_NODE_IO : text, t);
    }
}

/* Subgraphs drawn inside their node: a frame with the title, under the rest. */
static void draw_clusters(graph_st *s, const lp_gview *v) {
    double l = left_pt(s), t = top_pt(s);
    for (int i = 0; i < v->n_clusters; i++) {
        const lp_gcluster *c = &v->clusters[i];
        int x = (int)floor((c->x - l) / s->sx), y = (int)floor((c->y - t) / s->sy);
        int w = (int)floor(c->w / s->sx + 0.5), h = (int)floor(c->h / s->sy + 0.5);
        if (w < 2 || h < 2 || x + w < 0 || y + h < 0 || x >= s->canvas.w || y >= s->canvas.h)
            continue;
        for (int c2 = x; c2 < x + w; c2++) {
            canvas_set(s, y, c2, lp_g->h);
            canvas_set(s, y + h - 1, c2, lp_g->h);
        }
        for (int r2 = y; r2 < y + h; r2++) {
            canvas_set(s, r2, x, lp_g->v);
            canvas_set(s, r2, x + w - 1, lp_g->v);
        }
        canvas_set(s, y, x, lp_g->tl);
        canvas_set(s, y, x + w - 1, lp_g->tr);
        canvas_set(s, y + h - 1, x, lp_g->bl);
        canvas_set(s, y + h - 1, x + w - 1, lp_g->br);
    }
}

/* Cluster titles, written over their frame's top border once it is drawn. */
static void draw_cluster_titles(graph_st *s, const lp_gview *v) {
    double l = left_pt(s), t = top_pt(s);
    for (int i = 0; i < v->n_clusters; i++) {
        const lp_gcluster *c = &v->clusters[i];
        int x = (int)floor((c->x - l) / s->sx), y = (int)floor((c->y - t) / s->sy);
        int w = (int)floor(c->w / s->sx + 0.5);
        if (y < 0 || y >= s->canvas.h || w < 8 || !c->title[0]) continue;
        char title[256];
        snprintf(title, sizeof title, " %s ", c->title);
        cput(s, y, x + 2, w - 4, LP_ROLE_HEADER, title);
    }
}

/* Tensor shapes beside the edges, where nothing else is drawn. */
static void draw_labels(graph_st *s, const lp_gview *v) {
    double l = left_pt(s), t = top_pt(s);
    attrset(lp_role_attr(LP_ROLE_DIM));
    for (int i = 0; i < v->n_labels; i++) {
        const lp_gedge_label *lb = &v->labels[i];
        int len = lp_text_width(lb->text);
        int row = (int)floor((lb->y - t) / s->sy), col = (int)floor((lb->x - l) / s->sx) - len / 2;
        if (row < 0 || row >= s->canvas.h || col < 0 || col + len > s->canvas.w) continue;
        bool free_cells = true;
        for (int k = 0; k < len && free_cells; k++)
            free_cells =
                !s->covered[row * s->canvas.w + col + k] && !s->cells[row * s->canvas.w + col + k];
        if (!free_cells) continue;
        lp_put(s->canvas.y + row, s->canvas.x + col, len, LP_ROLE_DIM, lb->text);
        for (int k = 0; k < len; k++) s->covered[row * s->canvas.w + col + k] = 1;
    }
    attrset(A_NORMAL);
}

/* The box of node `node` of graph g in v (an expanded subgraph's node is in
** its parent's layout), or -1. */
static int box_for(const lp_gview *v, const lp_graph *g, int node) {
    if (!v || node < 0) return -1;
    if (g == v->graph) return node < g->n_nodes ? v->box_of_node[node] : -1;
    for (int i = 0; i < v->n_boxes; i++)
        if (v->boxes[i].graph == g && v->boxes[i].node == node) return i;
    return -1;
}

/* The layout to draw. The one on screen stays while it holds the selection;
** else the whole model's, where subgraphs are drawn inside their node; else
** (a folded subgraph, or a graph too large to draw whole) a layout around the
** selected node. */
static layout_slot *shown_slot(lp_app *a, graph_st *s) {
    const lp_graph *want = a->graph ? a->graph : a->model->graph;
    int node = a->node;
    layout_slot *cur = s->shown ? find_slot(s, s->shown, s->shown_around) : NULL;
    if (cur && (cur->pending || (cur->error[0] && cur->rc != LP_EUNSUPPORTED) ||
                box_for(cur->v, want, node) >= 0 || (cur->g == want && node < 0)))
        return cur;
    const lp_graph *root = want;
    while (root->parent) root = root->parent;
    layout_slot *rs = layout_for(a, s, root, -1);
    bool whole_refused = rs && rs->error[0] && rs->rc == LP_EUNSUPPORTED;
    if (rs && !whole_refused &&
        (rs->pending || rs->error[0] || want == root || box_for(rs->v, want, node) >= 0)) {
        s->shown = root;
        s->shown_around = -1;
        return rs;
    }
    s->shown = want;
    s->shown_around = node >= 0 ? node : 0;
    return layout_for(a, s, want, s->shown_around);
}

static void gr_draw(lp_app *a, void *st, lp_rect r) {
    graph_st *s = st;
    layout_slot *slot = shown_slot(a, s);
    const lp_graph *g = slot ? slot->g : a->model->graph;
    const lp_graph *sg = a->graph ? a->graph : g; /* the selection's graph */
    char head[400];
    const char *where = g->path[0] ? g->path : "main graph";
    s->canvas = (lp_rect){r.y + 1, r.x, r.h - 1, r.w};
    if (!slot || slot->pending || !slot->v) {
        lp_putf(r.y, r.x + 1, r.w - 2, LP_ROLE_HEADER, "%s: %d nodes", where, g->n_nodes);
        if (slot && slot->error[0]) {
            lp_put_fit(r.y + 2, r.x + 2, r.w - 4, LP_ROLE_ERROR, "The layout failed:");
            lp_put_fit(r.y + 3, r.x + 2, r.w - 4, LP_ROLE_ERROR, slot->error);
        } else {
            lp_putf(r.y + 2, r.x + 2, r.w - 4, LP_ROLE_WARN,
                    "laying out %d nodes... (the keys still work)", g->n_nodes);
        }
        return;
    }
    const lp_gview *v = slot->v;
    set_scale(s, slot);
    /* centre on the selection when it changed elsewhere (or on first sight) */
    if (s->seen_g != sg || s->seen_node != a->node) {
        int b = box_for(v, sg, a->node);
        if (s->seen_g != sg && b < 0 && v->n_boxes) {
            s->cx = v->boxes[0].x + v->boxes[0].w / 2;
            s->cy = v->boxes[0].y + s->canvas.h / 2.0 * s->sy - s->sy;
        }
        if (b >= 0 && (s->seen_g != sg || !box_visible(s, &v->boxes[b]))) show_box(s, &v->boxes[b]);
        s->seen_g = sg;
        s->seen_node = a->node;
    }
    char sel[300] = "nothing selected";
    if (a->node >= 0 && a->node < sg->n_nodes) {
        const lp_node *nd = &sg->nodes[a->node];
        char label[256];
        snprintf(sel, sizeof sel, "%s%s%d %s %s", sg != g ? sg->path : "", sg != g ? " " : "",
                 a->node, nd->op_type,
                 nd->name[0] ? nd->name : lp_node_label(nd, label, sizeof label));
    }
    snprintf(head, sizeof head, "%s: %d nodes  zoom %d/%d  selected: %s%s%s", where, g->n_nodes,
             s->zoom + 1, N_ZOOM, sel, v->note[0] ? "  | " : "", v->note);
    lp_put_fit(r.y, r.x + 1, r.w - 2, LP_ROLE_HEADER, head);

    int n = s->canvas.w * s->canvas.h;
    if (n <= 0) return;
    if (n > s->cells_n) {
        free(s->cells);
        free(s->covered);
        s->cells = lp_xcalloc((size_t)n, sizeof *s->cells);
        s->covered = lp_xcalloc((size_t)n, 1);
        s->cells_n = n;
    }
    memset(s->cells, 0, (size_t)n * sizeof *s->cells);
    memset(s->covered, 0, (size_t)n);
    for (int i = 0; i < v->n_boxes; i++) {
        int x, y, w, h;
        box_cells(s, &v->boxes[i], &x, &y, &w, &h);
        for (int rr = y < 0 ? 0 : y; rr < y + h && rr < s->canvas.h; rr++)
            for (int cc = x < 0 ? 0 : x; cc < x + w && cc < s->canvas.w; cc++)
                s->covered[rr * s->canvas.w + cc] = 1;
    }
    draw_clusters(s, v);
    draw_edges(s, v);
    attrset(lp_role_attr(LP_ROLE_EDGE));
    for (int rr = 0; rr < s->canvas.h; rr++)
        for (int cc = 0; cc < s->canvas.w; cc++)
            if (s->cells[rr * s->canvas.w + cc])
                mvaddstr(s->canvas.y + rr, s->canvas.x + cc, s->cells[rr * s->canvas.w + cc]);
    attrset(A_NORMAL);
    draw_cluster_titles(s, v);
    if (s->zoom == N_ZOOM - 1) draw_labels(s, v);
    int selected_box = box_for(v, sg, a->node);
    for (int i = 0; i < v->n_boxes; i++)
        if (i != selected_box) draw_box(s, &v->boxes[i], false);
    if (selected_box >= 0) draw_box(s, &v->boxes[selected_box], true);
}

/* ---- requests ---- */

typedef struct export_job {
    lp_job job;
    const lp_model *m;
    char *path;
    graph_st *s;
} export_job;

static void export_run(lp_job *j) {
    export_job *ej = (export_job *)j;
    j->rc = lp_gview_export_svg(ej->m, ej->path, &j->err);
}

static void export_done(void *owner, lp_job *j) {
    export_job *ej = (export_job *)j;
    lp_app *a = owner;
    ej->s->exporting = false;
    if (a) {
        if (j->rc)
            lp_app_error(a, "export failed: %s", j->err.msg);
        else
            lp_app_message(a, "wrote %s", ej->path);
    }
    free(ej->path);
    free(ej);
}

static void export_svg(lp_app *a, graph_st *s) {
    if (s->exporting) {
        lp_app_message(a, "an export is already running");
        return;
    }
    export_job *ej = lp_xcalloc(1, sizeof *ej);
    ej->job.title = "exporting the SVG";
    ej->job.run = export_run;
    ej->job.done = export_done;
    ej->m = a->model;
    ej->path = lp_gview_svg_path(a->path);
    ej->s = s;
    s->exporting = true;
    lp_app_message(a, "writing %s...", ej->path);
    lp_app_run(a, &ej->job);
}

/* The layout on screen, or NULL while it is being made. */
static const lp_gview *current_view(lp_app *a, graph_st *s) {
    (void)a;
    layout_slot *slot = s->shown ? find_slot(s, s->shown, s->shown_around) : NULL;
    return slot ? slot->v : NULL;
}

static void select_and_show(lp_app *a, graph_st *s, int node) {
    const lp_graph *g = a->graph;
    if (node < 0 || node >= g->n_nodes) return;
    lp_app_select_node(a, a->graph, node);
    const lp_gview *v = current_view(a, s);
    int b = box_for(v, g, node);
    if (b >= 0 && !box_visible(s, &v->boxes[b])) show_box(s, &v->boxes[b]);
    s->seen_g = g;
    s->seen_node = node;
}

static int gr_request(lp_app *a, void *st, lp_request req) {
    graph_st *s = st;
    const lp_gview *v = current_view(a, s);
    double page_x = s->canvas.w * s->sx, page_y = s->canvas.h * s->sy;
    switch (req) {
    case LP_REQ_EXPORT:
        export_svg(a, s);
        return LP_HANDLED;
    case LP_REQ_SHOW_NODE:
    case LP_REQ_ENTER:
        if (a->node >= 0) lp_app_switch(a, LP_SCREEN_NODES);
        return LP_HANDLED;
    case LP_REQ_BACK:
        if (a->graph && a->graph->parent) {
            lp_app_select_node(a, a->graph->parent, a->graph->parent_node);
            return LP_HANDLED;
        }
        return LP_IGNORED;
    default:
        break;
    }
    if (!v) return req == LP_REQ_ZOOM_IN || req == LP_REQ_ZOOM_OUT ? LP_HANDLED : LP_IGNORED;
    switch (req) {
    case LP_REQ_MOVE_UP:
        s->cy -= page_y / 6;
        break;
    case LP_REQ_MOVE_DOWN:
        s->cy += page_y / 6;
        break;
    case LP_REQ_MOVE_LEFT:
        s->cx -= page_x / 6;
        break;
    case LP_REQ_MOVE_RIGHT:
        s->cx += page_x / 6;
        break;
    case LP_REQ_PAGE_UP:
        s->cy -= page_y * 0.9;
        break;
    case LP_REQ_PAGE_DOWN:
        s->cy += page_y * 0.9;
        break;
    case LP_REQ_FIRST:
        s->cy = page_y / 2 - s->sy;
        break;
    case LP_REQ_LAST:
        s->cy = v->height - page_y / 2 + s->sy;
        break;
    case LP_REQ_ZOOM_IN:
    case LP_REQ_ZOOM_OUT: {
        int z = s->zoom + (req == LP_REQ_ZOOM_IN ? 1 : -1);
        if (z < 0 || z >= N_ZOOM) {
            lp_app_message(a, "zoom %d/%d is the %s", s->zoom + 1, N_ZOOM,
                           z < 0 ? "farthest" : "closest");
            break;
        }
        s->zoom = z;
        lp_app_message(a, "zoom %d/%d", z + 1, N_ZOOM);
        break;
    }
    case LP_REQ_CENTER:
        if (box_for(v, a->graph, a->node) >= 0)
            centre_on(s, &v->boxes[box_for(v, a->graph, a->node)]);
        break;
    case LP_REQ_NEXT_NODE:
        select_and_show(a, s, a->node + 1 < a->graph->n_nodes ? a->node + 1 : a->node);
        break;
    case LP_REQ_PREV_NODE:
        select_and_show(a, s, a->node > 0 ? a->node - 1 : 0);
        break;
    default:
        return LP_IGNORED;
    }
    /* keep some of the graph in view */
    if (s->cx < -page_x / 2) s->cx = -page_x / 2;
    if (s->cx > v->width + page_x / 2) s->cx = v->width + page_x / 2;
    if (s->cy < -page_y / 2) s->cy = -page_y / 2;
    if (s->cy > v->height + page_y / 2) s->cy = v->height + page_y / 2;
    return LP_HANDLED;
}

static int gr_mouse(lp_app *a, void *st, lp_rect r, const MEVENT *ev) {
    graph_st *s = st;
    (void)r;
    const lp_gview *v = current_view(a, s);
    int row, col;
    if (!v || !lp_rect_hit(s->canvas, ev, &row, &col)) return LP_IGNORED;
    if (lp_mouse_wheel_up(ev) || lp_mouse_wheel_down(ev)) {
        s->cy += (lp_mouse_wheel_up(ev) ? -3 : 3) * s->sy;
        return LP_HANDLED;
    }
    if (!lp_mouse_click(ev)) return LP_HANDLED;
    for (int i = 0; i < v->n_boxes; i++) {
        int x, y, w, h;
        box_cells(s, &v->boxes[i], &x, &y, &w, &h);
        if (col >= x && col < x + w && row >= y && row < y + h) {
            if (v->boxes[i].node >= 0) {
                lp_app_select_node(a, (lp_graph *)v->boxes[i].graph, v->boxes[i].node);
                s->seen_g = a->graph;
                s->seen_node = a->node;
            } else {
                lp_app_message(a, "graph %s %s", v->boxes[i].lines[0],
                               v->boxes[i].n_lines > 1 ? v->boxes[i].lines[1] : "");
            }
            break;
        }
    }
    return LP_HANDLED;
}

/* ---- search over the nodes ---- */

static int gr_rows(lp_app *a, void *st) {
    (void)st;
    return a->graph ? a->graph->n_nodes : 0;
}

static bool gr_grep(lp_app *a, void *st, int row, const char *q) {
    (void)st;
    const lp_node *nd = &a->graph->nodes[row];
    return strcasestr(nd->name, q) || strcasestr(nd->op_type, q);
}

static int gr_cursor(lp_app *a, void *st) {
    (void)st;
    return a->node;
}

static void gr_go(lp_app *a, void *st, int row) {
    select_and_show(a, st, row);
}

static void gr_open(lp_app *a, void *st) {
    graph_st *s = st;
    (void)a;
    s->zoom = 1;
    s->seen_node = -2;
}

static void gr_done(lp_app *a, void *st) {
    graph_st *s = st;
    (void)a;
    for (int i = 0; i < s->n_slots; i++) lp_gview_free(s->slots[i].v);
    free(s->cells);
    free(s->covered);
}

static const lp_binding gr_keys[] = {
    {'h', LP_REQ_MOVE_LEFT, "scroll left"},
    {KEY_LEFT, LP_REQ_MOVE_LEFT, "scroll left"},
    {'l', LP_REQ_MOVE_RIGHT, "scroll right"},
    {KEY_RIGHT, LP_REQ_MOVE_RIGHT, "scroll right"},
    {'k', LP_REQ_MOVE_UP, "scroll up"},
    {KEY_UP, LP_REQ_MOVE_UP, "scroll up"},
    {'j', LP_REQ_MOVE_DOWN, "scroll down"},
    {KEY_DOWN, LP_REQ_MOVE_DOWN, "scroll down"},
    {'g', LP_REQ_FIRST, "to the top of the graph"},
    {'G', LP_REQ_LAST, "to the bottom of the graph"},
    {'+', LP_REQ_ZOOM_IN, NULL},
    {'=', LP_REQ_ZOOM_IN, NULL},
    {'-', LP_REQ_ZOOM_OUT, NULL},
    {'.', LP_REQ_NEXT_NODE, NULL},
    {',', LP_REQ_PREV_NODE, NULL},
    {'c', LP_REQ_CENTER, NULL},
    {'e', LP_REQ_EXPORT, NULL},
    {'\n', LP_REQ_SHOW_NODE, NULL},
    {'\r', LP_REQ_SHOW_NODE, NULL},
    {KEY_ENTER, LP_REQ_SHOW_NODE, NULL},
    {'/', LP_REQ_SEARCH, "search node names and op types"},
    {LP_KEY_ESC, LP_REQ_BACK, "in a subgraph, go to its parent graph"},
    {0, LP_REQ_NONE, NULL},
};

static const lp_request gr_hints[] = {LP_REQ_ZOOM_IN, LP_REQ_ZOOM_OUT, LP_REQ_NEXT_NODE,
                                      LP_REQ_CENTER,  LP_REQ_EXPORT,   LP_REQ_SHOW_NODE,
                                      LP_REQ_SEARCH,  LP_REQ_NONE};

const lp_screen_ops lp_screen_graph = {
    .name = "Graph",
    .priv_size = sizeof(graph_st),
    .open = gr_open,
    .done = gr_done,
    .draw = gr_draw,
    .request = gr_request,
    .mouse = gr_mouse,
    .rows = gr_rows,
    .grep = gr_grep,
    .cursor = gr_cursor,
    .go = gr_go,
    .keys = gr_keys,
    .hints = gr_hints,
};
