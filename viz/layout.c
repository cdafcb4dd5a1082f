/*
** layout.c — laying a scene out under bounds (dot, or the layered engine
** through Graphviz's nop2), and the result (box corners and sizes, cluster
** boxes, edge routes) read into lp_layout for the terminal.
**
** Bounds, from the cheapest (numbers in scene.h): subgraphs fold above
** LP_VIZ_EXPAND_MAX nodes; above LP_VIZ_FAST_UNITS long edges become tabs
** (scene.c); above LP_VIZ_DOT_UNITS the layered engine lays out (layered.c),
** or dot with capped iterations when there are clusters (render.c); above
** LP_VIZ_MAX_UNITS (LP_VIZ_MAX_DOT_UNITS for dot) the layout is refused; and
** whatever is laid out runs in a child process killed at its deadline
** (isolate.c).
*/
#include "viz/layout.h"
#include "viz/gv.h"
#include "viz/layered.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

bool lp_viz_layered(const lp_scene *s, const lp_viz_opts *o) {
    if (o->engine != LP_ENGINE_AUTO) return o->engine == LP_ENGINE_LAYERED;
    return s->units > LP_VIZ_DOT_UNITS && !s->n_clusters;
}

int lp_viz_check_size(const lp_scene *s, const lp_viz_opts *o, lp_error *err) {
    bool layered = lp_viz_layered(s, o);
    if (layered && s->n_clusters)
        return lp_fail(err, LP_EUNSUPPORTED,
                       "the layered engine does not draw expanded subgraphs; add --no-subgraphs or "
                       "use --engine dot");
    long limit = layered ? LP_VIZ_MAX_UNITS : LP_VIZ_MAX_DOT_UNITS;
    if (s->units <= limit) return LP_OK;
    return lp_fail(err, LP_EUNSUPPORTED,
                   "%s: the graph is too large to lay out in bounded time (%d boxes, %d edges: "
                   "%ld layout units, the limit is %ld%s); draw a part of it with --around NODE "
                   "--depth K",
                   s->model->path, s->n_boxes, s->n_edges, s->units, limit,
                   s->n_clusters ? " with subgraphs expanded; try --no-subgraphs" : "");
}

/* ---- the layered engine, through Graphviz's nop2 ---- */

static void set_attr(void *obj, const char *name, const char *value) {
    agsafeset(obj, (char *)name, (char *)value, "");
}

/* A route as Graphviz's edge pos: "e,tip b0 b1 b2 b3 ...", a Catmull-Rom
** curve through the points ending an arrow's length before the tip. */
static void edge_pos(lp_buf *b, const lp_point *p, int n, double height) {
    lp_point tip = p[n - 1], *q = lp_xmalloc((size_t)n * sizeof *q);
    memcpy(q, p, (size_t)n * sizeof *q);
    double dx = tip.x - p[n - 2].x, dy = tip.y - p[n - 2].y, len = sqrt(dx * dx + dy * dy);
    if (len > 6.5) {
        q[n - 1].x = tip.x - dx / len * 6;
        q[n - 1].y = tip.y - dy / len * 6;
    }
    b->len = 0;
    lp_buf_printf(b, "e,%.2f,%.2f %.2f,%.2f", tip.x, height - tip.y, q[0].x, height - q[0].y);
    for (int i = 0; i + 1 < n; i++) {
        lp_point a = q[i > 0 ? i - 1 : 0], c = q[i + 1], d = q[i + 2 < n ? i + 2 : n - 1];
        lp_point c1 = {q[i].x + (c.x - a.x) / 6, q[i].y + (c.y - a.y) / 6};
        lp_point c2 = {c.x - (d.x - q[i].x) / 6, c.y - (d.y - q[i].y) / 6};
        lp_buf_printf(b, " %.2f,%.2f %.2f,%.2f %.2f,%.2f", c1.x, height - c1.y, c2.x, height - c2.y,
                      c.x, height - c.y);
    }
    lp_buf_append(b, "", 1);
    free(q);
}

/* Graphviz measures the boxes (a first nop2 pass with every box at the
** origin and straight edges), lp_layered places them, and a second nop2
** pass takes the positions and routes as given. */
static int layout_layered(lp_gv *gv, const lp_viz_opts *o, lp_error *err) {
    const lp_scene *s = gv->s;
    Agraph_t *g = gv->g;
    agattr(g, AGNODE, "pos", "0,0");
    /* edges and their labels placed (Graphviz takes a label's place only with its edge's),
    ** or it searches free spots for every label among boxes all at the origin */
    agattr(g, AGEDGE, "pos", "0,0 0,0 0,0 0,0");
    agattr(g, AGEDGE, "lp", "0,0");
    agattr(g, AGRAPH, "splines", "line");
    if (gvLayout(gv->gvc, g, "nop2") != 0)
        return lp_fail(err, LP_EUNSUPPORTED,
                       "Graphviz cannot measure the graph (%s); its neato layout plugin comes with "
                       "the Debian package libgvc6",
                       lp_gv_message());
    int n = s->n_boxes, m = s->n_edges;
    double *w = lp_xcalloc((size_t)n + 1, sizeof *w), *h = lp_xcalloc((size_t)n + 1, sizeof *h);
    double *lw = lp_xcalloc((size_t)m + 1, sizeof *lw), *lh = lp_xcalloc((size_t)m + 1, sizeof *lh);
    int *from = lp_xcalloc((size_t)m + 1, sizeof *from), *to = lp_xcalloc((size_t)m + 1, sizeof *to);
    for (int i = 0; i < n; i++) {
        w[i] = ND_width(gv->nodes[i]) * 72;
        h[i] = ND_height(gv->nodes[i]) * 72;
    }
    double legend_w = gv->legend ? ND_width(gv->legend) * 72 : 0;
    double legend_h = gv->legend ? ND_height(gv->legend) * 72 : 0;
    for (int i = 0; i < m; i++) {
        from[i] = s->edges[i].from;
        to[i] = s->edges[i].to;
        textlabel_t *l = ED_label(gv->edges[i]);
        if (l) {
            lw[i] = l->dimen.x;
            lh[i] = l->dimen.y;
        }
    }
    gvFreeLayout(gv->gvc, g);
    lp_layered_in in = {n, m, w, h, from, to, lw, lh, o->lr, 18, 22};
    lp_layered_out out;
    lp_layered(&in, &out);
    lp_buf b = {0};
    for (int i = 0; i < n; i++) {
        b.len = 0;
        lp_buf_printf(&b, "%.2f,%.2f", out.x[i], out.height - out.y[i]);
        lp_buf_append(&b, "", 1);
        set_attr(gv->nodes[i], "pos", b.data);
    }
    if (gv->legend) { /* top right, beside the graph */
        b.len = 0;
        lp_buf_printf(&b, "%.2f,%.2f", out.width + 24 + legend_w / 2, out.height - legend_h / 2);
        lp_buf_append(&b, "", 1);
        set_attr(gv->legend, "pos", b.data);
    }
    for (int i = 0; i < m; i++) {
        if (out.n_route[i] < 2) continue;
        edge_pos(&b, out.route[i], out.n_route[i], out.height);
        set_attr(gv->edges[i], "pos", b.data);
        if (lw[i] > 0) {
            b.len = 0;
            lp_buf_printf(&b, "%.2f,%.2f", out.label_at[i].x, out.height - out.label_at[i].y);
            lp_buf_append(&b, "", 1);
            set_attr(gv->edges[i], "lp", b.data);
        }
    }
    lp_buf_free(&b);
    lp_layered_free(&out, m);
    free(w);
    free(h);
    free(lw);
    free(lh);
    free(from);
    free(to);
    if (gvLayout(gv->gvc, g, "nop2") != 0)
        return lp_fail(err, LP_EFAIL, "Graphviz cannot draw the graph (%s)", lp_gv_message());
    gv->laid_out = true;
    return LP_OK;
}

/* ---- dot ---- */

int lp_gv_layout(lp_gv *gv, const lp_viz_opts *o, lp_error *err) {
    /* the context loads Graphviz's plugins (and keeps its config text for
    ** good: only ever made in the layout's child process) */
    if (!gv->gvc) gv->gvc = gvContext();
    if (lp_viz_layered(gv->s, o)) return layout_layered(gv, o, err);
    if (gvLayout(gv->gvc, gv->g, "dot") != 0)
        return lp_fail(err, LP_EUNSUPPORTED,
                       "Graphviz cannot lay out the graph (%s); its dot layout plugin comes with the "
                       "Debian package libgvc6",
                       lp_gv_message());
    gv->laid_out = true;
    return LP_OK;
}

/* ---- reading the result ---- */

static void rect(boxf bb, double top, double *x, double *y, double *w, double *h) {
    *x = bb.LL.x;
    *y = top - bb.UR.y;
    *w = bb.UR.x - bb.LL.x;
    *h = bb.UR.y - bb.LL.y;
}

static lp_point flip(pointf p, double top) { return (lp_point){p.x, top - p.y}; }

/* A cubic bézier b0..b3 at t. */
static pointf bezier_at(const pointf *b, double t) {
    double u = 1 - t;
    double a = u * u * u, c1 = 3 * u * u * t, c2 = 3 * u * t * t, d = t * t * t;
    return (pointf){a * b[0].x + c1 * b[1].x + c2 * b[2].x + d * b[3].x,
                    a * b[0].y + c1 * b[1].y + c2 * b[2].y + d * b[3].y};
}

#define SAMPLES 6 /* points per bézier piece: enough for character cells */

static void edge_route(Agedge_t *e, double top, lp_ledge *out) {
    splines *spl = ED_spl(e);
    if (!spl) return;
    int cap = 2;
    for (int i = 0; i < spl->size; i++) cap += spl->list[i].size / 3 * SAMPLES + 3;
    out->points = lp_xcalloc((size_t)cap, sizeof *out->points);
    for (int i = 0; i < spl->size; i++) {
        const bezier *bz = &spl->list[i];
        if (bz->sflag) out->points[out->n_points++] = flip(bz->sp, top);
        for (int k = 0; k + 3 < bz->size; k += 3)
            for (int t = k ? 1 : 0; t <= SAMPLES; t++)
                out->points[out->n_points++] = flip(bezier_at(&bz->list[k], (double)t / SAMPLES), top);
        if (bz->eflag) out->points[out->n_points++] = flip(bz->ep, top);
    }
    textlabel_t *l = ED_label(e) ? ED_label(e) : ED_xlabel(e);
    if (l && l->set) {
        out->has_label = true;
        out->label_at = flip(l->pos, top);
    }
}

/* ---- geometry across the process boundary ---- */

typedef struct layout_job {
    const lp_scene *s;
    const lp_viz_opts *o;
    bool safe;
} layout_job;

static void put_f64(lp_buf *b, double v) { lp_buf_append(b, &v, sizeof v); }
static void put_i32(lp_buf *b, int32_t v) { lp_buf_append(b, &v, sizeof v); }

typedef struct reader {
    const char *p, *end;
    bool bad;
} reader;

static double get_f64(reader *r) {
    double v = 0;
    if (r->end - r->p < (ptrdiff_t)sizeof v) r->bad = true;
    else memcpy(&v, r->p, sizeof v), r->p += sizeof v;
    return v;
}

static int32_t get_i32(reader *r) {
    int32_t v = 0;
    if (r->end - r->p < (ptrdiff_t)sizeof v) r->bad = true;
    else memcpy(&v, r->p, sizeof v), r->p += sizeof v;
    return v;
}

/* In the child: lay out, then write the geometry in points, y down. */
static int layout_work(void *arg, lp_buf *out, lp_error *err) {
    const layout_job *j = arg;
    const lp_scene *s = j->s;
    lp_gv gv;
    int rc = lp_gv_build(s, j->o, false, j->safe, &gv, err);
    if (rc == LP_OK) rc = lp_gv_layout(&gv, j->o, err);
    if (rc) {
        lp_gv_free(&gv);
        return rc;
    }
    boxf bb = GD_bb(gv.g);
    double top = bb.UR.y, left = bb.LL.x;
    put_f64(out, bb.UR.x - bb.LL.x);
    put_f64(out, bb.UR.y - bb.LL.y);
    for (int i = 0; i < s->n_boxes; i++) {
        Agnode_t *n = gv.nodes[i];
        double w = ND_width(n) * 72, h = ND_height(n) * 72;
        put_f64(out, ND_coord(n).x - w / 2 - left);
        put_f64(out, top - ND_coord(n).y - h / 2);
        put_f64(out, w);
        put_f64(out, h);
    }
    for (int c = 0; c < s->n_clusters; c++) {
        double x, y, w, h;
        rect(GD_bb(gv.clusters[c]), top, &x, &y, &w, &h);
        put_f64(out, x - left);
        put_f64(out, y);
        put_f64(out, w);
        put_f64(out, h);
    }
    for (int i = 0; i < s->n_edges; i++) {
        lp_ledge e = {0};
        edge_route(gv.edges[i], top, &e);
        put_i32(out, e.n_points);
        put_i32(out, e.has_label);
        put_f64(out, e.label_at.x - left);
        put_f64(out, e.label_at.y);
        for (int k = 0; k < e.n_points; k++) {
            put_f64(out, e.points[k].x - left);
            put_f64(out, e.points[k].y);
        }
        free(e.points);
    }
    lp_gv_free(&gv);
    return LP_OK;
}

static int read_layout(lp_layout *l, const lp_buf *b) {
    const lp_scene *s = l->scene;
    reader r = {b->data, b->data + b->len, false};
    l->width = get_f64(&r);
    l->height = get_f64(&r);
    l->n_boxes = s->n_boxes;
    l->boxes = lp_xcalloc((size_t)s->n_boxes + 1, sizeof *l->boxes);
    for (int i = 0; i < s->n_boxes; i++) {
        lp_lbox *x = &l->boxes[i];
        x->box = &s->boxes[i];
        x->x = get_f64(&r);
        x->y = get_f64(&r);
        x->w = get_f64(&r);
        x->h = get_f64(&r);
    }
    l->n_clusters = s->n_clusters;
    l->clusters = lp_xcalloc((size_t)s->n_clusters + 1, sizeof *l->clusters);
    for (int c = 0; c < s->n_clusters; c++) {
        lp_lcluster *x = &l->clusters[c];
        x->cluster = &s->clusters[c];
        x->x = get_f64(&r);
        x->y = get_f64(&r);
        x->w = get_f64(&r);
        x->h = get_f64(&r);
    }
    l->edges = lp_xcalloc((size_t)s->n_edges + 1, sizeof *l->edges);
    for (int i = 0; i < s->n_edges && !r.bad; i++) {
        int32_t n = get_i32(&r);
        lp_ledge e = {.edge = &s->edges[i], .from = s->edges[i].from, .to = s->edges[i].to};
        e.has_label = get_i32(&r) != 0;
        e.label_at.x = get_f64(&r);
        e.label_at.y = get_f64(&r);
        if (n < 0 || (size_t)n > (size_t)(r.end - r.p) / (2 * sizeof(double))) {
            r.bad = true;
            break;
        }
        e.points = lp_xcalloc((size_t)n + 1, sizeof *e.points);
        e.n_points = n;
        for (int k = 0; k < n; k++) {
            e.points[k].x = get_f64(&r);
            e.points[k].y = get_f64(&r);
        }
        if (s->edges[i].kind == LP_EDGE_ORDER) free(e.points); /* invisible */
        else l->edges[l->n_edges++] = e;
    }
    return r.bad || r.p != r.end ? -1 : 0;
}

int lp_layout_scene(lp_scene *s, const lp_viz_opts *o, lp_layout **out, lp_error *err) {
    *out = NULL;
    int rc = lp_viz_check_size(s, o, err);
    if (rc) return rc;
    layout_job job = {s, o, false};
    double secs = o->timeout > 0 ? o->timeout : LP_VIZ_TIMEOUT;
    lp_buf b = {0};
    bool crashed;
    rc = lp_viz_isolated(layout_work, &job, secs, &b, err, &crashed);
    if (rc && crashed) {
        b.len = 0;
        job.safe = true;
        rc = lp_viz_isolated(layout_work, &job, secs, &b, err, &crashed);
    }
    if (rc) {
        lp_buf_free(&b);
        return rc;
    }
    lp_layout *l = lp_xcalloc(1, sizeof *l);
    l->scene = s;
    if (read_layout(l, &b)) {
        l->scene = NULL;
        lp_layout_free(l);
        lp_buf_free(&b);
        return lp_fail(err, LP_EFAIL, "the layout came back damaged");
    }
    lp_buf_free(&b);
    *out = l;
    return LP_OK;
}

int lp_layout_model(const lp_model *m, const lp_viz_opts *o, lp_layout **out, lp_error *err) {
    *out = NULL;
    lp_scene *s;
    int rc = lp_scene_build(m, o, &s, err);
    if (rc) return rc;
    rc = lp_layout_scene(s, o, out, err);
    if (rc) lp_scene_free(s);
    return rc;
}

void lp_layout_free(lp_layout *l) {
    if (!l) return;
    for (int i = 0; i < l->n_edges; i++) free(l->edges[i].points);
    free(l->edges);
    free(l->boxes);
    free(l->clusters);
    lp_scene_free(l->scene);
    free(l);
}

int lp_layout_find_node(const lp_layout *l, const lp_graph *g, int node) {
    for (int i = 0; i < l->n_boxes; i++) {
        const lp_box *b = l->boxes[i].box;
        if (b->kind == LP_BOX_NODE && b->graph == g && b->node == node) return i;
    }
    return -1;
}
