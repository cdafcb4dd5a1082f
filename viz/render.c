/*
** render.c — a scene as a Graphviz graph (HTML-like labels, family colours,
** clusters for expanded bodies, a legend) and its export to SVG, PNG, PDF
** or DOT through libgvc.
**
** Escaping, learnt from Graphviz 2.42's writers: HTML labels take XML
** entities; plain strings (id, tooltip, cluster labels) additionally expand
** backslash escapes ("\N" is the node's name), so '\' is doubled, and
** quadrupled in the tooltip of a node with an HTML label, which is expanded
** twice; and the SVG writer passes "&name;" through as an entity, so every
** '&' is written "&amp;" (the object's name, which becomes <title>, too). The DOT export writes the same graph,
** so `dot -Tsvg` on it gives the same picture.
*/
#include "viz/render.h"
#include "viz/gv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FONT "Helvetica,Arial,sans-serif"

/* ---- formats ---- */

static const char *const formats[] = {"svg", "png", "pdf", "dot"};

bool lp_render_format_known(const char *format) {
    for (size_t i = 0; i < LP_COUNT(formats); i++)
        if (!strcmp(format, formats[i])) return true;
    return false;
}

const char *lp_render_format_for_path(const char *path) {
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/')) return NULL;
    for (size_t i = 0; i < LP_COUNT(formats); i++)
        if (!strcasecmp(dot + 1, formats[i])) return formats[i];
    if (!strcasecmp(dot + 1, "gv")) return "dot";
    return NULL;
}

/* ---- escaping ---- */

/* For HTML-like labels. */
static void put_html(lp_buf *b, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '&': lp_buf_append(b, "&amp;", 5); break;
        case '<': lp_buf_append(b, "&lt;", 4); break;
        case '>': lp_buf_append(b, "&gt;", 4); break;
        case '"': lp_buf_append(b, "&quot;", 6); break;
        default: lp_buf_append(b, s, 1);
        }
    }
}

/* For plain strings: '&' as an entity, each '\' written `slashes` times
** (1 for an object's name, which is not expanded). */
static char *plain(const char *s, int slashes) {
    lp_buf b = {0};
    for (; *s; s++) {
        if (*s == '&') lp_buf_append(&b, "&amp;", 5);
        else if (*s == '\\') lp_buf_append(&b, "\\\\\\\\", (size_t)slashes);
        else lp_buf_append(&b, s, 1);
    }
    lp_buf_append(&b, "", 1);
    return b.data;
}

static void set(void *obj, const char *attr, const char *value) {
    agsafeset(obj, (char *)attr, (char *)value, "");
}

static void set_plain(void *obj, const char *attr, const char *value) {
    char *v = plain(value, 2);
    set(obj, attr, v);
    free(v);
}

static void set_node_tooltip(void *obj, const char *value) {
    char *v = plain(value, 4);
    set(obj, "tooltip", v);
    free(v);
}

static void set_html(Agraph_t *root, void *obj, const char *html) {
    char *h = agstrdup_html(root, (char *)html);
    set(obj, "label", h);
    agstrfree(root, h);
}

/* ---- labels ---- */

static void box_label(lp_buf *b, const lp_box *x) {
    const lp_family_style *st = lp_family_style_of(x->family);
    switch (x->kind) {
    case LP_BOX_NODE:
        lp_buf_printf(b, "<TABLE BORDER=\"1\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"1\" "
                         "COLOR=\"%s\" BGCOLOR=\"white\"%s>",
                      st->border, x->n_folded ? " STYLE=\"ROUNDED\"" : "");
        break;
    case LP_BOX_INPUT:
    case LP_BOX_OUTPUT:
    case LP_BOX_STUB:
    case LP_BOX_REF:
        lp_buf_printf(b, "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"0\">");
        break;
    }
    for (int i = 0; i < x->n_lines; i++) {
        const lp_line *l = &x->lines[i];
        switch (l->style) {
        case LP_LINE_TITLE:
            if (x->kind == LP_BOX_NODE)
                lp_buf_printf(b, "<TR><TD BGCOLOR=\"%s\" CELLPADDING=\"4\"><FONT COLOR=\"white\" "
                                 "POINT-SIZE=\"11\"><B>",
                              st->header);
            else if (x->kind == LP_BOX_STUB || x->kind == LP_BOX_REF)
                lp_buf_printf(b, "<TR><TD><FONT POINT-SIZE=\"8\" COLOR=\"#555555\">");
            else
                lp_buf_printf(b, "<TR><TD><FONT POINT-SIZE=\"10\"><B>");
            put_html(b, l->text);
            lp_buf_printf(b, x->kind == LP_BOX_STUB || x->kind == LP_BOX_REF ? "</FONT></TD></TR>"
                                                                          : "</B></FONT></TD></TR>");
            break;
        case LP_LINE_NAME:
            lp_buf_printf(b, "<TR><TD CELLPADDING=\"2\"><FONT POINT-SIZE=\"8\" COLOR=\"#555555\">");
            put_html(b, l->text);
            lp_buf_printf(b, "</FONT></TD></TR>");
            break;
        case LP_LINE_TENSOR:
            lp_buf_printf(b, "<TR><TD ALIGN=\"LEFT\" CELLPADDING=\"2\"><FONT POINT-SIZE=\"8\">");
            put_html(b, l->text);
            lp_buf_printf(b, "</FONT></TD></TR>");
            break;
        case LP_LINE_ATTR:
            lp_buf_printf(b, "<TR><TD ALIGN=\"LEFT\" CELLPADDING=\"2\"><FONT POINT-SIZE=\"8\" "
                             "COLOR=\"#444444\">");
            put_html(b, l->text);
            lp_buf_printf(b, "</FONT></TD></TR>");
            break;
        case LP_LINE_TYPE:
            lp_buf_printf(b, "<TR><TD><FONT POINT-SIZE=\"8\" COLOR=\"#333333\">");
            put_html(b, l->text);
            lp_buf_printf(b, "</FONT></TD></TR>");
            break;
        case LP_LINE_FOLD:
            lp_buf_printf(b, "<TR><TD ALIGN=\"LEFT\" CELLPADDING=\"2\" BGCOLOR=\"#f3e6d3\"><FONT "
                             "POINT-SIZE=\"8\" COLOR=\"#7a4500\"><I>");
            put_html(b, l->text);
            lp_buf_printf(b, "</I></FONT></TD></TR>");
            break;
        }
    }
    lp_buf_printf(b, "</TABLE>");
}

static void legend_label(lp_buf *b, unsigned families) {
    lp_buf_printf(b, "<TABLE BORDER=\"1\" CELLBORDER=\"0\" CELLSPACING=\"2\" CELLPADDING=\"1\" "
                     "COLOR=\"#bbbbbb\" BGCOLOR=\"white\">"
                     "<TR><TD COLSPAN=\"2\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\"><B>Legend</B>"
                     "</FONT></TD></TR>");
    for (int f = 0; f < LP_FAM_COUNT; f++) {
        if (!(families & (1u << f))) continue;
        const lp_family_style *st = lp_family_style_of((lp_family)f);
        lp_buf_printf(b, "<TR><TD BGCOLOR=\"%s\" WIDTH=\"16\" HEIGHT=\"9\" FIXEDSIZE=\"TRUE\">"
                         "</TD><TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"8\">",
                      st->header);
        put_html(b, st->name);
        lp_buf_printf(b, "</FONT></TD></TR>");
    }
    lp_buf_printf(b, "</TABLE>");
}

/* ---- Graphviz's messages ---- */

/* Graphviz reports through a process-wide hook: keep its text while one of
** our calls runs, so nothing is printed and failures can say why. */
static lp_buf gv_msgs;
static int gv_catch(char *msg) {
    if (gv_msgs.len < 4096) lp_buf_append(&gv_msgs, msg, strlen(msg));
    return 0;
}

/* ---- building ---- */

/* The frame Graphviz draws around a box's HTML label; NULL attributes are
** left at the defaults. */
typedef struct {
    const char *style, *peripheries, *fillcolor, *color, *margin;
} box_look;

static const box_look centre_look = {"rounded,bold", NULL, NULL, "#d12f2f", "0.04"};
static const box_look box_looks[] = {
    [LP_BOX_INPUT] = {"rounded,filled", NULL, "#e3ebf4", "#5a7390", "0.12,0.04"},
    [LP_BOX_OUTPUT] = {"rounded,filled", "2", "#f4ebdf", "#8c6d46", "0.12,0.04"},
    [LP_BOX_STUB] = {"rounded,dashed", NULL, NULL, "#999999", "0.08,0.02"},
    [LP_BOX_REF] = {"rounded,filled", NULL, "#f0f0f0", "#aaaaaa", "0.06,0.02"},
};

static void set_look(Agnode_t *n, const box_look *l) {
    set(n, "shape", "box");
    set(n, "style", l->style);
    if (l->peripheries) set(n, "peripheries", l->peripheries);
    if (l->fillcolor) set(n, "fillcolor", l->fillcolor);
    set(n, "color", l->color);
    set(n, "margin", l->margin);
}

static const char *edge_color(lp_edge_kind k) {
    return k == LP_EDGE_BODY ? "#a35f00" : k == LP_EDGE_CAPTURE ? "#888888" : "#555555";
}

int lp_gv_build(const lp_scene *s, const lp_viz_opts *o, bool legend, bool safe, lp_gv *gv,
                lp_error *err) {
    memset(gv, 0, sizeof *gv);
    gv->s = s;
    gv_msgs.len = 0;
    agseterrf(gv_catch);
    Agraph_t *g = agopen("loupe", Agdirected, NULL);
    gv->g = g;
    bool fast = s->units > LP_VIZ_DOT_UNITS && !lp_viz_layered(s, o);

    /* defaults first, so later sets are cheap and the DOT text is short */
    agattr(g, AGRAPH, "rankdir", o->lr ? "LR" : "TB");
    agattr(g, AGRAPH, "fontname", FONT);
    agattr(g, AGRAPH, "bgcolor", "white");
    agattr(g, AGRAPH, "pad", "0.2");
    agattr(g, AGRAPH, "nodesep", "0.25");
    agattr(g, AGRAPH, "ranksep", "0.3");
    agattr(g, AGRAPH, "compound", "true");
    agattr(g, AGRAPH, "fontsize", "10");
    if (fast) {
        /* network simplex and crossing minimisation are the superlinear parts */
        agattr(g, AGRAPH, "nslimit", "1");
        agattr(g, AGRAPH, "nslimit1", "1");
        agattr(g, AGRAPH, "mclimit", "0.3");
        agattr(g, AGRAPH, "searchsize", "20");
    }
    if (safe) agattr(g, AGRAPH, "splines", "line");
    agattr(g, AGNODE, "fontname", FONT);
    agattr(g, AGNODE, "shape", "plain");
    agattr(g, AGNODE, "margin", "0");
    agattr(g, AGEDGE, "fontname", FONT);
    agattr(g, AGEDGE, "fontsize", "8");
    agattr(g, AGEDGE, "fontcolor", "#555555");
    agattr(g, AGEDGE, "color", "#555555");
    agattr(g, AGEDGE, "arrowsize", "0.6");
    agattr(g, AGEDGE, "penwidth", "1");

    gv->clusters = lp_xcalloc((size_t)s->n_clusters + 1, sizeof *gv->clusters);
    for (int c = 0; c < s->n_clusters; c++) {
        const lp_cluster *cl = &s->clusters[c];
        Agraph_t *parent = cl->parent >= 0 ? gv->clusters[cl->parent] : g;
        Agraph_t *sub = agsubg(parent, (char *)cl->id, 1);
        gv->clusters[c] = sub;
        set_plain(sub, "label", cl->title);
        set(sub, "labeljust", "l");
        set(sub, "fontcolor", "#555555");
        if (cl->graph) {
            set(sub, "style", "rounded,filled");
            set(sub, "fillcolor", "#f7f5f2");
            set(sub, "color", "#c9b79c");
        } else {
            set(sub, "style", "rounded,dashed");
            set(sub, "color", "#a35f00");
        }
    }

    lp_buf label = {0};
    gv->nodes = lp_xcalloc((size_t)s->n_boxes + 1, sizeof *gv->nodes);
    for (int i = 0; i < s->n_boxes; i++) {
        const lp_box *x = &s->boxes[i];
        char *name = plain(x->id, 1);
        Agnode_t *n = agnode(g, name, 1);
        free(name);
        if (x->cluster >= 0) agsubnode(gv->clusters[x->cluster], n, 1);
        gv->nodes[i] = n;
        set_plain(n, "id", x->id);
        if (x->tooltip) set_node_tooltip(n, x->tooltip);
        label.len = 0;
        box_label(&label, x);
        lp_buf_append(&label, "", 1);
        set_html(g, n, label.data);
        /* an operator's look is in its label; only the --around centre gets a frame */
        const box_look *look = x->kind != LP_BOX_NODE ? &box_looks[x->kind]
                               : i == s->centre       ? &centre_look
                                                      : NULL;
        if (look) set_look(n, look);
    }

    gv->edges = lp_xcalloc((size_t)s->n_edges + 1, sizeof *gv->edges);
    for (int i = 0; i < s->n_edges; i++) {
        const lp_edge *e = &s->edges[i];
        Agedge_t *a = agedge(g, gv->nodes[e->from], gv->nodes[e->to], NULL, 1);
        gv->edges[i] = a;
        if (e->kind == LP_EDGE_ORDER) {
            set(a, "style", "invis");
            continue;
        }
        if (e->label) set_plain(a, "label", e->label);
        if (e->tooltip) set_plain(a, "tooltip", e->tooltip);
        if (e->kind != LP_EDGE_DATA) set(a, "color", edge_color(e->kind));
        if (e->kind == LP_EDGE_CAPTURE) set(a, "style", "dashed");
        if (e->kind == LP_EDGE_BODY) {
            set(a, "style", "dashed");
            set(a, "arrowhead", "none");
            if (e->to_cluster >= 0) set(a, "lhead", s->clusters[e->to_cluster].id);
        }
    }

    if (legend && s->families && !agnode(g, "loupe:legend", 0)) {
        Agnode_t *n = agnode(g, "loupe:legend", 1);
        gv->legend = n;
        set(n, "id", "loupe:legend");
        label.len = 0;
        legend_label(&label, s->families);
        lp_buf_append(&label, "", 1);
        set_html(g, n, label.data);
    }
    lp_buf_free(&label);
    (void)err;
    return LP_OK;
}

void lp_gv_free(lp_gv *gv) {
    /* Once laid out, the graph and context are left to the process's end:
    ** layouts run only in a child that exits next, and Graphviz 2.42's dot
    ** cleanup double-frees on some clustered graphs (test_affine_grid_*). */
    if (gv->g && !gv->laid_out) agclose(gv->g);
    if (gv->gvc && !gv->laid_out) gvFreeContext(gv->gvc);
    agseterrf(NULL);
    free(gv->nodes);
    free(gv->edges);
    free(gv->clusters);
    memset(gv, 0, sizeof *gv);
}

/* The first "Error: ..." Graphviz reported, as one line. */
const char *lp_gv_message(void) {
    lp_buf_append(&gv_msgs, "", 1);
    gv_msgs.len--;
    char *m = strstr(gv_msgs.data, "Error");
    if (!m) m = gv_msgs.data;
    if (!strncmp(m, "Error: ", 7)) m += 7;
    for (char *p = m; *p; p++)
        if (*p == '\n' || !strncmp(p, ". Use one of", 12)) { /* then a list of what is there */
            *p = 0;
            break;
        }
    if (!*m) return "no message";
    return m;
}

/* ---- export ---- */

static int write_dot(lp_gv *gv, lp_buf *out, lp_error *err) {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) return lp_fail(err, LP_EFAIL, "cannot make the DOT text: out of memory");
    int rc = agwrite(gv->g, f);
    if (fclose(f) != 0 || rc != 0) {
        free(text);
        return lp_fail(err, LP_EFAIL, "cannot make the DOT text: %s", lp_gv_message());
    }
    lp_buf_append(out, text, len);
    free(text);
    return LP_OK;
}

typedef struct render_job {
    const lp_scene *s;
    const lp_viz_opts *o;
    const char *format;
    bool safe;
} render_job;

/* In the child: lay out and render. */
static int render_work(void *arg, lp_buf *out, lp_error *err) {
    const render_job *j = arg;
    lp_gv gv;
    int rc = lp_gv_build(j->s, j->o, true, j->safe, &gv, err);
    if (rc == LP_OK) rc = lp_gv_layout(&gv, j->o, err);
    if (rc == LP_OK && !strcmp(j->format, "png"))
        agsafeset(gv.g, "size", "340,340", ""); /* inches: cairo's bitmaps stop at 32767 pixels */
    if (rc == LP_OK) {
        char *data = NULL;
        unsigned int len = 0;
        if (gvRenderData(gv.gvc, gv.g, j->format, &data, &len) != 0)
            rc = lp_fail(err, LP_EUNSUPPORTED,
                         "Graphviz cannot write %s here (%s); its renderer plugins come with the "
                         "Debian package libgvc6 (svg: core, png and pdf: cairo, in "
                         "libgvplugin_pango)",
                         j->format, lp_gv_message());
        else
            lp_buf_append(out, data, len);
        if (data) gvFreeRenderData(data);
    }
    lp_gv_free(&gv);
    return rc;
}

int lp_render_scene(const lp_scene *s, const lp_viz_opts *o, const char *format, lp_buf *out,
                    lp_error *err) {
    if (!lp_render_format_known(format))
        return lp_fail(err, LP_EINPUT, "unknown format '%s' (svg, png, pdf or dot)", format);
    if (!strcmp(format, "dot")) {
        /* the graph as Loupe hands it to dot; positions are left to the reader's dot */
        lp_gv gv;
        int rc = lp_gv_build(s, o, true, false, &gv, err);
        if (rc == LP_OK) rc = write_dot(&gv, out, err);
        lp_gv_free(&gv);
        return rc;
    }
    int rc = lp_viz_check_size(s, o, err);
    if (rc) return rc;
    render_job job = {s, o, format, false};
    double secs = o->timeout > 0 ? o->timeout : LP_VIZ_TIMEOUT;
    bool crashed;
    size_t before = out->len;
    rc = lp_viz_isolated(render_work, &job, secs, out, err, &crashed);
    if (rc && crashed) { /* dot's spline router: once more with straight edges */
        out->len = before;
        job.safe = true;
        rc = lp_viz_isolated(render_work, &job, secs, out, err, &crashed);
    }
    return rc;
}

const char *lp_render_engine(const lp_scene *s, const lp_viz_opts *o) {
    return lp_viz_layered(s, o) ? "layered" : "dot";
}

int lp_render_model(const lp_model *m, const lp_viz_opts *o, const char *format, lp_buf *out,
                    lp_error *err) {
    lp_scene *s;
    int rc = lp_scene_build(m, o, &s, err);
    if (rc) return rc;
    rc = lp_render_scene(s, o, format, out, err);
    lp_scene_free(s);
    return rc;
}
