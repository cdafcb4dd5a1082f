/*
** scene.c — from the IR to a scene: which boxes, lines, edges and clusters
** a picture of the model holds.
**
** The walk: pick the graph drawn (the main one, or the graph holding the
** --around node), pick its nodes (all, or a breadth-first neighbourhood),
** make a box per input, node and output, descending into If/Loop/Scan
** bodies when they are expanded, then connect every tensor read to the box
** that makes it. Tensors whose contents are known (initializers, Constant
** outputs) are not edges but lines in the reader's box.
**
** Every text that comes from the file is cleaned to valid UTF-8 without
** control characters on its way in (label.c), so renderers only escape.
*/
#include "viz/scene.h"
#include "viz/label.h"
#include "model/strmap.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_CHARS 40   /* a box shows the tail of longer node names */
#define OP_MAX_CHARS 32
#define ATTR_MAX_CHARS 44
#define BOX_MAX_ATTRS 8     /* attribute lines per box; the tooltip has them all */
#define BOX_ITEMS 8         /* list items shown in a box */
#define TIP_ITEMS 32        /* list items shown in a tooltip */
#define TIP_DOC_CHARS 2000
#define SMALL_VALUES 4      /* Constant lists this small show their values */

/* Per graph drawn: its boxes by node and by value. */
typedef struct gslot {
    const lp_graph *g;
    int *node_box;  /* per node: its box, or -1 (not drawn, or a folded Constant) */
    int *value_box; /* per value: its input box, or -1 */
    int *out_box;   /* per value: its output box, or -1 */
    int *from_stub; /* per value: the stub standing for its producer outside, or -1 */
    int *to_stub;   /* per value: the stub standing for its readers outside, or -1 */
} gslot;

typedef struct sb {
    lp_scene *s;
    const lp_viz_opts *o;
    lp_error *err;
    gslot **slots; /* pointers, so a gslot* stays valid while slots are added */
    int n_slots, cap_slots;
    int cap_boxes, cap_edges, cap_clusters;
    bool *in_set;   /* root graph nodes drawn */
    bool around;
    lp_strmap ids;
} sb;

char *lp_viz_node_id(const lp_node *n, char *buf, size_t size) {
    if (*n->name) snprintf(buf, size, "%s", n->name);
    else snprintf(buf, size, "%s_%d", n->op_type, n->index);
    return buf;
}

/* "1×64×56×56 f32"; "f32" when the rank is unknown; NULL when nothing is. */
static const char *type_label(sb *b, const lp_type *t) {
    lp_buf buf = {0};
    lp_viz_type_text(&buf, t);
    const char *r = NULL;
    if (buf.len) {
        lp_buf_append(&buf, "", 1);
        r = lp_viz_text(&b->s->arena, buf.data, 0, false);
    }
    lp_buf_free(&buf);
    return r;
}

/* ---- constants: initializers and Constant nodes ---- */

static void root_of(const lp_graph **g, int *v) {
    while ((*g)->values[*v].outer >= 0 && (*g)->parent) {
        *v = (*g)->values[*v].outer;
        *g = (*g)->parent;
    }
}

/* A value read anywhere: by a node input or by a subgraph capturing it. */
static bool value_is_read(const lp_graph *g, int v) {
    if (g->values[v].n_consumers > 0) return true;
    for (int i = 0; i < g->n_nodes; i++)
        for (int k = 0; k < g->nodes[i].n_implicit; k++)
            if (g->nodes[i].implicit[k] == v) return true;
    return false;
}

/* The tensor value v of g holds when it is an initializer or the output of
** a Constant with a tensor value; NULL otherwise. */
static const lp_tensor *known_tensor(const lp_graph *g, int v) {
    root_of(&g, &v);
    const lp_value *val = &g->values[v];
    if (val->init >= 0) return &g->inits[val->init];
    if (val->producer < 0) return NULL;
    const lp_node *p = &g->nodes[val->producer];
    return !strcmp(p->op_type, "Constant") && !*p->domain ? lp_attr_tensor(p, "value") : NULL;
}

/* A Constant node folds into its readers, and so does a ConstantOfShape of
** a known shape (how weight-stripped models make their weights), unless it
** is a graph output or nobody reads it (then it is drawn, so no node goes
** missing). */
static bool folds(const lp_graph *g, const lp_node *n) {
    if (*n->domain || n->n_outputs != 1 || n->outputs[0] < 0) return false;
    if (strcmp(n->op_type, "Constant")) {
        if (strcmp(n->op_type, "ConstantOfShape") || n->n_inputs != 1 || n->inputs[0] < 0)
            return false;
        const lp_tensor *shape = known_tensor(g, n->inputs[0]);
        if (!shape || shape->rank != 1 || shape->dtype != LP_INT64 || shape->numel > LP_MAX_RANK)
            return false;
    }
    const lp_value *v = &g->values[n->outputs[0]];
    return !v->is_output && value_is_read(g, n->outputs[0]);
}

/* The text of a Constant node's value: a tensor or a value_* attribute; or
** of what a ConstantOfShape makes: ⟨shape⟩ = fill. */
static void constant_text(lp_buf *b, const lp_graph *g, const lp_node *n) {
    if (!strcmp(n->op_type, "ConstantOfShape")) {
        const lp_tensor *shape = n->n_inputs == 1 && n->inputs[0] >= 0 ? known_tensor(g, n->inputs[0]) : NULL;
        const lp_tensor *fill = lp_attr_tensor(n, "value");
        char v[64];
        lp_buf_printf(b, "\u27e8");
        for (int64_t i = 0; shape && shape->dtype == LP_INT64 && i < shape->numel; i++)
            lp_buf_printf(b, "%s%lld", i ? "\u00d7" : "", (long long)((const int64_t *)shape->data)[i]);
        lp_buf_printf(b, "\u27e9");
        if (fill && fill->numel == 1 && fill->data && fill->dtype != LP_STRING) {
            lp_tensor_format_value(fill, 0, v, sizeof v);
            lp_buf_printf(b, " = %s", v);
        } else if (!fill) {
            lp_buf_printf(b, " = 0");
        }
        return;
    }
    for (int i = 0; i < n->n_attrs; i++) {
        const lp_attr *a = &n->attrs[i];
        if (a->t) { lp_viz_tensor_text(b, a->t); return; }
        if (!strcmp(a->name, "value_float")) { lp_buf_printf(b, "\u27e8\u27e9 = %g", a->f); return; }
        if (!strcmp(a->name, "value_int")) {
            lp_buf_printf(b, "\u27e8\u27e9 = %lld", (long long)a->i);
            return;
        }
        if (!strcmp(a->name, "value_string")) { lp_buf_printf(b, "\u27e8\u27e9 string"); return; }
        if (a->type == LP_ATTR_FLOATS || a->type == LP_ATTR_INTS || a->type == LP_ATTR_STRINGS) {
            lp_buf_printf(b, "\u27e8%d\u27e9", a->n);
            if (a->n <= SMALL_VALUES && a->type != LP_ATTR_STRINGS) {
                lp_buf_printf(b, " = ");
                for (int k = 0; k < a->n; k++)
                    if (a->type == LP_ATTR_INTS) lp_buf_printf(b, "%s%lld", k ? ", " : "", (long long)a->ints[k]);
                    else lp_buf_printf(b, "%s%g", k ? ", " : "", a->floats[k]);
            }
            return;
        }
    }
    lp_buf_printf(b, "\u27e8?\u27e9");
}

/* When value v of g (after root_of) has known contents, appends their text
** and returns true. */
static bool const_text(lp_buf *b, const lp_graph *g, int v) {
    const lp_value *val = &g->values[v];
    if (val->init >= 0) {
        lp_viz_tensor_text(b, &g->inits[val->init]);
        return true;
    }
    if (val->producer >= 0 && folds(g, &g->nodes[val->producer])) {
        constant_text(b, g, &g->nodes[val->producer]);
        return true;
    }
    return false;
}

/* ---- growing the scene ---- */

static int add_box(sb *b, lp_box_kind kind, const lp_graph *g, int node, int value, int cluster) {
    lp_scene *s = b->s;
    if (s->n_boxes == b->cap_boxes) {
        b->cap_boxes = b->cap_boxes ? b->cap_boxes * 2 : 64;
        s->boxes = lp_xrealloc(s->boxes, (size_t)b->cap_boxes * sizeof *s->boxes);
    }
    lp_box *x = &s->boxes[s->n_boxes];
    memset(x, 0, sizeof *x);
    x->kind = kind;
    x->graph = g;
    x->node = node;
    x->value = value;
    x->cluster = cluster;
    x->family = LP_FAM_OTHER;
    return s->n_boxes++;
}

static void add_line(sb *b, int box, lp_line_style style, const char *t) {
    lp_box *x = &b->s->boxes[box];
    lp_line *l = lp_arena_array(&b->s->arena, (size_t)x->n_lines + 1, sizeof *l);
    if (x->n_lines) memcpy(l, x->lines, (size_t)x->n_lines * sizeof *l);
    l[x->n_lines].style = style;
    l[x->n_lines].text = t;
    x->lines = l;
    x->n_lines++;
}

static int add_edge(sb *b, lp_edge_kind kind, int from, int to, const lp_graph *g, int value) {
    lp_scene *s = b->s;
    if (from < 0 || to < 0) return -1;
    for (int i = s->n_edges - 1; i >= 0 && i >= s->n_edges - 64; i--) /* a node reading x twice */
        if (s->edges[i].from == from && s->edges[i].to == to && s->edges[i].kind == kind &&
            s->edges[i].graph == g && s->edges[i].value == value)
            return i;
    if (s->n_edges == b->cap_edges) {
        b->cap_edges = b->cap_edges ? b->cap_edges * 2 : 64;
        s->edges = lp_xrealloc(s->edges, (size_t)b->cap_edges * sizeof *s->edges);
    }
    lp_edge *e = &s->edges[s->n_edges];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->from = from;
    e->to = to;
    e->to_cluster = -1;
    e->graph = g;
    e->value = value;
    if (value >= 0) {
        const lp_value *val = &g->values[value];
        const lp_type *t = &val->type;
        const lp_graph *rg = g;
        int rv = value;
        root_of(&rg, &rv);
        if (!lp_type_has_shape(t) && rg->values[rv].type.kind) t = &rg->values[rv].type;
        if (!b->o->no_shapes && kind != LP_EDGE_ORDER) e->label = type_label(b, t);
        lp_buf tip = {0};
        char ts[512];
        lp_viz_put_clean(&tip, val->name, strlen(val->name), false);
        if (t->kind) lp_buf_printf(&tip, "  %s", lp_type_str(t, ts, sizeof ts));
        lp_buf_append(&tip, "", 1);
        e->tooltip = lp_viz_text(&b->s->arena, tip.data, 0, false);
        lp_buf_free(&tip);
    }
    return s->n_edges++;
}

static int add_cluster(sb *b, const char *title, int parent, int owner, const lp_graph *g) {
    lp_scene *s = b->s;
    if (s->n_clusters == b->cap_clusters) {
        b->cap_clusters = b->cap_clusters ? b->cap_clusters * 2 : 8;
        s->clusters = lp_xrealloc(s->clusters, (size_t)b->cap_clusters * sizeof *s->clusters);
    }
    lp_cluster *c = &s->clusters[s->n_clusters];
    c->id = lp_arena_printf(&s->arena, "cluster_%d", s->n_clusters);
    c->title = title;
    c->parent = parent;
    c->owner = owner;
    c->graph = g;
    return s->n_clusters++;
}

static gslot *slot_of(sb *b, const lp_graph *g) {
    for (int i = b->n_slots - 1; i >= 0; i--)
        if (b->slots[i]->g == g) return b->slots[i];
    return NULL;
}

static gslot *add_slot(sb *b, const lp_graph *g) {
    if (b->n_slots == b->cap_slots) {
        b->cap_slots = b->cap_slots ? b->cap_slots * 2 : 8;
        b->slots = lp_xrealloc(b->slots, (size_t)b->cap_slots * sizeof *b->slots);
    }
    gslot *sl = lp_xcalloc(1, sizeof *sl);
    b->slots[b->n_slots++] = sl;
    sl->g = g;
    size_t nn = (size_t)g->n_nodes + 1, nv = (size_t)g->n_values + 1;
    sl->node_box = lp_xmalloc(nn * sizeof(int));
    sl->value_box = lp_xmalloc(nv * sizeof(int));
    sl->out_box = lp_xmalloc(nv * sizeof(int));
    sl->from_stub = lp_xmalloc(nv * sizeof(int));
    sl->to_stub = lp_xmalloc(nv * sizeof(int));
    memset(sl->node_box, 0xff, nn * sizeof(int));
    memset(sl->value_box, 0xff, nv * sizeof(int));
    memset(sl->out_box, 0xff, nv * sizeof(int));
    memset(sl->from_stub, 0xff, nv * sizeof(int));
    memset(sl->to_stub, 0xff, nv * sizeof(int));
    return sl;
}

/* ---- boxes ---- */

static int count_nodes(const lp_graph *g) {
    int n = g->n_nodes;
    for (int i = 0; i < g->n_nodes; i++)
        for (int k = 0; k < g->nodes[i].n_attrs; k++) {
            const lp_attr *a = &g->nodes[i].attrs[k];
            if (a->g) n += count_nodes(a->g);
            if (a->type == LP_ATTR_GRAPHS)
                for (int j = 0; j < a->n; j++) n += count_nodes(a->graphs[j]);
        }
    return n;
}

static void value_box_lines(sb *b, int box, const lp_graph *g, int v) {
    const lp_value *val = &g->values[v];
    add_line(b, box, LP_LINE_TITLE, lp_viz_text(&b->s->arena, val->name, NAME_MAX_CHARS, true));
    lp_buf t = {0};
    if (val->init >= 0) {
        lp_buf_printf(&t, "initializer ");
        lp_viz_tensor_text(&t, &g->inits[val->init]);
    } else {
        lp_viz_type_text(&t, &val->type);
    }
    if (t.len) {
        lp_buf_append(&t, "", 1);
        add_line(b, box, LP_LINE_TYPE, lp_viz_text(&b->s->arena, t.data, 0, false));
    }
    lp_buf_free(&t);
    lp_buf tip = {0};
    char ts[512];
    lp_buf_printf(&tip, "%s ", b->s->boxes[box].kind == LP_BOX_INPUT ? "input" : "output");
    lp_viz_put_clean(&tip, val->name, strlen(val->name), false);
    if (val->type.kind) lp_buf_printf(&tip, "\n%s", lp_type_str(&val->type, ts, sizeof ts));
    if (val->doc && *val->doc) {
        lp_buf_printf(&tip, "\n");
        size_t n = strlen(val->doc);
        lp_viz_put_clean(&tip, val->doc, n < TIP_DOC_CHARS ? n : TIP_DOC_CHARS, true);
    }
    lp_buf_append(&tip, "", 1);
    b->s->boxes[box].tooltip = lp_arena_strdup(&b->s->arena, tip.data);
    lp_buf_free(&tip);
}

static int input_box(sb *b, gslot *sl, int v, int cluster) {
    if (sl->value_box[v] >= 0) return sl->value_box[v];
    int box = add_box(b, LP_BOX_INPUT, sl->g, -1, v, cluster);
    value_box_lines(b, box, sl->g, v);
    sl->value_box[v] = box;
    return box;
}

static int output_box(sb *b, gslot *sl, int v, int cluster) {
    if (sl->out_box[v] >= 0) return sl->out_box[v];
    int box = add_box(b, LP_BOX_OUTPUT, sl->g, -1, v, cluster);
    value_box_lines(b, box, sl->g, v);
    sl->out_box[v] = box;
    return box;
}

/* A stub stands for what lies outside an --around neighbourhood: the
** producer of a value read inside (upstream) or its readers (downstream). */
static int stub_box(sb *b, gslot *sl, int v, bool upstream) {
    int *memo = upstream ? &sl->from_stub[v] : &sl->to_stub[v];
    if (*memo >= 0) return *memo;
    const lp_graph *g = sl->g;
    const lp_value *val = &g->values[v];
    int box = add_box(b, LP_BOX_STUB, g, -1, v, -1);
    char id[512];
    lp_buf t = {0};
    if (upstream) {
        if (val->producer >= 0) {
            const lp_node *p = &g->nodes[val->producer];
            lp_buf_printf(&t, "\u22ef %s ", p->op_type);
            lp_buf_printf(&t, "%s", lp_viz_node_id(p, id, sizeof id));
        } else {
            lp_buf_printf(&t, "\u22ef %s", val->name);
        }
    } else {
        int outside = 0, first = -1;
        for (int k = 0; k < val->n_consumers; k++) {
            int c = val->consumers[k];
            if (g == b->s->root && !b->in_set[c]) {
                outside++;
                if (first < 0) first = c;
            }
        }
        if (first >= 0) {
            lp_buf_printf(&t, "\u22ef %s %s", g->nodes[first].op_type,
                          lp_viz_node_id(&g->nodes[first], id, sizeof id));
            if (outside > 1) lp_buf_printf(&t, " +%d", outside - 1);
        } else {
            lp_buf_printf(&t, "\u22ef");
        }
    }
    lp_buf_append(&t, "", 1);
    add_line(b, box, LP_LINE_TITLE, lp_viz_text(&b->s->arena, t.data, NAME_MAX_CHARS, false));
    lp_buf_free(&t);
    lp_buf tip = {0};
    char ts[512];
    lp_buf_printf(&tip, "%s ", upstream ? "from outside:" : "read outside:");
    lp_viz_put_clean(&tip, val->name, strlen(val->name), false);
    if (val->type.kind) lp_buf_printf(&tip, "\n%s", lp_type_str(&val->type, ts, sizeof ts));
    lp_buf_append(&tip, "", 1);
    b->s->boxes[box].tooltip = lp_arena_strdup(&b->s->arena, tip.data);
    lp_buf_free(&tip);
    *memo = box;
    return box;
}

/* The box a value read in graph g comes from (after following it to the
** graph that makes it), or -1 when it is a constant (folded into a line). */
static int source_box(sb *b, const lp_graph *g, int v) {
    root_of(&g, &v);
    const lp_value *val = &g->values[v];
    gslot *sl = slot_of(b, g);
    if (val->init >= 0) return -1;
    if (val->producer >= 0) {
        if (folds(g, &g->nodes[val->producer])) return -1;
        if (sl && sl->node_box[val->producer] >= 0) return sl->node_box[val->producer];
    } else if (sl && sl->value_box[v] >= 0) {
        return sl->value_box[v];
    }
    /* made outside what is drawn: above the root, or outside the neighbourhood */
    if (!sl) sl = add_slot(b, g);
    return stub_box(b, sl, v, true);
}

/* Lines for the constant inputs of node n (and, when its subgraphs are
** folded, the constants they capture). */
static void const_lines(sb *b, int box, const lp_graph *g, const lp_node *n, bool captures) {
    char slot[64];
    int total = n->n_inputs + (captures ? n->n_implicit : 0);
    for (int k = 0; k < total; k++) {
        int v = k < n->n_inputs ? n->inputs[k] : n->implicit[k - n->n_inputs];
        if (v < 0) continue;
        bool dup = false;
        for (int j = 0; j < k && !dup; j++)
            dup = (j < n->n_inputs ? n->inputs[j] : n->implicit[j - n->n_inputs]) == v;
        if (dup) continue;
        const lp_graph *rg = g;
        int rv = v;
        root_of(&rg, &rv);
        lp_buf t = {0};
        const char *name = k < n->n_inputs ? lp_input_slot_name(n->domain, n->op_type, k, slot, sizeof slot) : NULL;
        if (name) lp_buf_printf(&t, "%s ", name);
        else {
            const char *vn = lp_viz_text(&b->s->arena, g->values[v].name, 24, true);
            lp_buf_printf(&t, "%s ", vn);
        }
        if (const_text(&t, rg, rv)) {
            lp_buf_append(&t, "", 1);
            add_line(b, box, LP_LINE_TENSOR, lp_viz_text(&b->s->arena, t.data, ATTR_MAX_CHARS, false));
        }
        lp_buf_free(&t);
    }
}

static void node_tooltip(sb *b, int box, const lp_graph *g, const lp_node *n) {
    lp_buf t = {0};
    char ts[512], slot[64];
    lp_viz_put_clean(&t, n->op_type, strlen(n->op_type), false);
    lp_buf_printf(&t, " (%s", *n->domain ? n->domain : "ai.onnx");
    if (n->opset) lp_buf_printf(&t, " v%d", n->opset);
    lp_buf_printf(&t, ")");
    if (*n->name) {
        lp_buf_printf(&t, "\nname: ");
        lp_viz_put_clean(&t, n->name, strlen(n->name), false);
    }
    if (*g->path) {
        lp_buf_printf(&t, "\ngraph: ");
        lp_viz_put_clean(&t, g->path, strlen(g->path), false);
    }
    for (int pass = 0; pass < 2; pass++) {
        int cnt = pass ? n->n_outputs : n->n_inputs;
        const int *vs = pass ? n->outputs : n->inputs;
        if (cnt) lp_buf_printf(&t, "\n%s:", pass ? "outputs" : "inputs");
        for (int k = 0; k < cnt; k++) {
            lp_buf_printf(&t, "\n  ");
            const char *sn = pass ? NULL : lp_input_slot_name(n->domain, n->op_type, k, slot, sizeof slot);
            if (sn) lp_buf_printf(&t, "%s: ", sn);
            if (vs[k] < 0) {
                lp_buf_printf(&t, "(omitted)");
                continue;
            }
            const lp_value *v = &g->values[vs[k]];
            lp_viz_put_clean(&t, v->name, strlen(v->name), false);
            if (v->type.kind) lp_buf_printf(&t, "  %s", lp_type_str(&v->type, ts, sizeof ts));
            const lp_graph *rg = g;
            int rv = vs[k];
            root_of(&rg, &rv);
            if (rg->values[rv].init >= 0) lp_buf_printf(&t, "  (initializer)");
            else if (rg->values[rv].producer >= 0 && folds(rg, &rg->nodes[rg->values[rv].producer]))
                lp_buf_printf(&t, "  (constant)");
        }
    }
    if (n->n_attrs) lp_buf_printf(&t, "\nattributes:");
    for (int i = 0; i < n->n_attrs; i++) {
        lp_buf_printf(&t, "\n  ");
        lp_viz_put_clean(&t, n->attrs[i].name, strlen(n->attrs[i].name), false);
        lp_buf_printf(&t, " = ");
        lp_viz_attr_text(&t, &n->attrs[i], TIP_ITEMS, (size_t)-1);
    }
    if (n->doc && *n->doc) {
        lp_buf_printf(&t, "\ndoc: ");
        size_t len = strlen(n->doc);
        lp_viz_put_clean(&t, n->doc, len < TIP_DOC_CHARS ? len : TIP_DOC_CHARS, true);
        if (len > TIP_DOC_CHARS) lp_buf_printf(&t, "\u2026");
    }
    lp_buf_append(&t, "", 1);
    b->s->boxes[box].tooltip = lp_arena_strdup(&b->s->arena, t.data);
    lp_buf_free(&t);
}

static void add_graph_nodes(sb *b, gslot *sl, int cluster, bool root);

/* Adds a body's boxes inside a cluster: its inputs, nodes and outputs. */
static void add_body(sb *b, const lp_graph *body, int cluster) {
    gslot *sl = add_slot(b, body);
    for (int i = 0; i < body->n_inputs; i++) input_box(b, sl, body->inputs[i], cluster);
    add_graph_nodes(b, sl, cluster, false);
    for (int i = 0; i < body->n_outputs; i++) output_box(b, sl, body->outputs[i], cluster);
}

static int node_box(sb *b, gslot *sl, int ni, int cluster) {
    const lp_graph *g = sl->g;
    const lp_node *n = &g->nodes[ni];
    int box = add_box(b, LP_BOX_NODE, g, ni, -1, cluster);
    sl->node_box[ni] = box;
    lp_box *x = &b->s->boxes[box];
    x->family = n->function >= 0 ? LP_FAM_CONTROL : lp_family_of(n->domain, n->op_type);
    b->s->families |= 1u << x->family;
    b->s->n_node_boxes++;
    add_line(b, box, LP_LINE_TITLE, lp_viz_text(&b->s->arena, n->op_type, OP_MAX_CHARS, false));
    if (*n->name) add_line(b, box, LP_LINE_NAME, lp_viz_text(&b->s->arena, n->name, NAME_MAX_CHARS, true));
    node_tooltip(b, box, g, n);
    return box;
}

/* The attribute lines and fold marks, after the constant lines. */
static void node_attr_lines(sb *b, int box, const lp_graph *g, const lp_node *n, bool folded) {
    int shown = 0, hidden = 0;
    for (int i = 0; i < n->n_attrs; i++) {
        const lp_attr *a = &n->attrs[i];
        if (a->type == LP_ATTR_GRAPH || a->type == LP_ATTR_GRAPHS) continue;
        if (!strcmp(n->op_type, "Constant") && !*n->domain) {
            /* an unfolded Constant shows its value like an initializer */
            lp_buf t = {0};
            lp_buf_printf(&t, "value ");
            constant_text(&t, g, n);
            lp_buf_append(&t, "", 1);
            add_line(b, box, LP_LINE_TENSOR, lp_viz_text(&b->s->arena, t.data, ATTR_MAX_CHARS, false));
            lp_buf_free(&t);
            break;
        }
        if (lp_attr_is_trivial(n->op_type, a)) continue;
        if (shown == BOX_MAX_ATTRS) {
            hidden++;
            continue;
        }
        lp_buf t = {0};
        lp_viz_put_clean(&t, a->name, strlen(a->name), false);
        lp_buf_printf(&t, " = ");
        size_t reserve = strlen(a->name) + 3 + 10; /* " = " and ",… (1234)" */
        size_t room = reserve + 4 < ATTR_MAX_CHARS ? ATTR_MAX_CHARS - reserve : 4;
        lp_viz_attr_text(&t, a, BOX_ITEMS, room);
        lp_buf_append(&t, "", 1);
        add_line(b, box, LP_LINE_ATTR, lp_viz_text(&b->s->arena, t.data, ATTR_MAX_CHARS, false));
        lp_buf_free(&t);
        shown++;
    }
    if (hidden) add_line(b, box, LP_LINE_ATTR, lp_arena_printf(&b->s->arena, "+%d more", hidden));
    if (!folded) return;
    for (int i = 0; i < n->n_attrs; i++) {
        const lp_attr *a = &n->attrs[i];
        int ng = a->g ? 1 : a->type == LP_ATTR_GRAPHS ? a->n : 0;
        for (int j = 0; j < ng; j++) {
            const lp_graph *sg = a->g ? a->g : a->graphs[j];
            const char *an = lp_viz_text(&b->s->arena, a->name, 24, false);
            add_line(b, box, LP_LINE_FOLD,
                     ng > 1 ? lp_arena_printf(&b->s->arena, "\u25b8 %s[%d] \u00b7 %d nodes", an, j, count_nodes(sg))
                            : lp_arena_printf(&b->s->arena, "\u25b8 %s \u00b7 %d nodes", an, count_nodes(sg)));
            b->s->boxes[box].n_folded++;
        }
    }
}

static bool has_graphs(const lp_node *n) {
    for (int i = 0; i < n->n_attrs; i++)
        if (n->attrs[i].g || (n->attrs[i].type == LP_ATTR_GRAPHS && n->attrs[i].n > 0)) return true;
    return false;
}

static void add_graph_nodes(sb *b, gslot *sl, int cluster, bool root) {
    const lp_graph *g = sl->g;
    for (int i = 0; i < g->n_nodes; i++) {
        if (root && b->in_set && !b->in_set[i]) continue;
        const lp_node *n = &g->nodes[i];
        if (folds(g, n)) continue;
        bool expand = b->s->expanded && has_graphs(n);
        if (!expand) {
            int box = node_box(b, sl, i, cluster);
            const_lines(b, box, g, n, true);
            node_attr_lines(b, box, g, n, has_graphs(n));
            continue;
        }
        /* a wrapper cluster holds the node's box and one cluster per body */
        char id[256];
        lp_buf t = {0};
        lp_buf_printf(&t, "%s \u00b7 %s", n->op_type, lp_viz_node_id(n, id, sizeof id));
        lp_buf_append(&t, "", 1);
        int wrap = add_cluster(b, lp_viz_text(&b->s->arena, t.data, 56, false), cluster, -1, NULL);
        lp_buf_free(&t);
        int box = node_box(b, sl, i, wrap);
        b->s->clusters[wrap].owner = box;
        const_lines(b, box, g, n, false);
        node_attr_lines(b, box, g, n, false);
        for (int k = 0; k < n->n_attrs; k++) {
            const lp_attr *a = &n->attrs[k];
            int ng = a->g ? 1 : a->type == LP_ATTR_GRAPHS ? a->n : 0;
            for (int j = 0; j < ng; j++) {
                const lp_graph *sg = a->g ? a->g : a->graphs[j];
                const char *an = lp_viz_text(&b->s->arena, a->name, 24, false);
                int c = add_cluster(b, ng > 1 ? lp_arena_printf(&b->s->arena, "%s[%d]", an, j) : an,
                                    wrap, box, sg);
                add_body(b, sg, c);
            }
        }
    }
}

/* ---- edges ---- */

static void connect_node(sb *b, const lp_graph *g, int ni, int box) {
    const lp_node *n = &g->nodes[ni];
    bool captures = !b->s->expanded && has_graphs(n);
    int total = n->n_inputs + (captures ? n->n_implicit : 0);
    for (int k = 0; k < total; k++) {
        int v = k < n->n_inputs ? n->inputs[k] : n->implicit[k - n->n_inputs];
        if (v < 0) continue;
        int src = source_box(b, g, v);
        add_edge(b, k < n->n_inputs ? LP_EDGE_DATA : LP_EDGE_CAPTURE, src, box, g, v);
    }
}

static void connect_outputs(sb *b, gslot *sl) {
    const lp_graph *g = sl->g;
    for (int i = 0; i < g->n_outputs; i++) {
        int v = g->outputs[i];
        if (sl->out_box[v] >= 0) add_edge(b, LP_EDGE_DATA, source_box(b, g, v), sl->out_box[v], g, v);
    }
}

/* Readers outside an --around neighbourhood: one stub per value. */
static void connect_downstream(sb *b, gslot *sl) {
    const lp_graph *g = sl->g;
    for (int i = 0; i < g->n_nodes; i++) {
        if (!b->in_set[i] || folds(g, &g->nodes[i])) continue;
        const lp_node *n = &g->nodes[i];
        for (int k = 0; k < n->n_outputs; k++) {
            int v = n->outputs[k];
            if (v < 0) continue;
            bool outside = false;
            for (int c = 0; c < g->values[v].n_consumers; c++)
                outside |= !b->in_set[g->values[v].consumers[c]];
            if (!outside) continue;
            add_edge(b, LP_EDGE_DATA, sl->node_box[i], stub_box(b, sl, v, false), g, v);
        }
    }
}

/* Body edges from a control-flow node to its bodies, and invisible edges
** keeping the node's readers below its bodies. */
static void connect_bodies(sb *b) {
    lp_scene *s = b->s;
    for (int c = 0; c < s->n_clusters; c++) {
        const lp_cluster *cl = &s->clusters[c];
        if (!cl->graph) continue;
        int first = -1;
        for (int i = 0; i < s->n_boxes && first < 0; i++)
            if (s->boxes[i].cluster == c) first = i;
        if (first >= 0) {
            int e = add_edge(b, LP_EDGE_BODY, cl->owner, first, NULL, -1);
            if (e >= 0) s->edges[e].to_cluster = c;
        }
        const lp_box *owner = &s->boxes[cl->owner];
        const lp_node *n = &owner->graph->nodes[owner->node];
        gslot *sl = slot_of(b, owner->graph);
        gslot *bs = slot_of(b, cl->graph);
        for (int k = 0; k < n->n_outputs; k++) {
            int v = n->outputs[k];
            if (v < 0) continue;
            const lp_value *val = &owner->graph->values[v];
            for (int r = 0; r < val->n_consumers; r++) {
                int to = sl->node_box[val->consumers[r]];
                for (int o = 0; o < cl->graph->n_outputs && to >= 0; o++)
                    add_edge(b, LP_EDGE_ORDER, bs->out_box[cl->graph->outputs[o]], to, NULL, -1);
            }
            if (sl->out_box[v] >= 0)
                for (int o = 0; o < cl->graph->n_outputs; o++)
                    add_edge(b, LP_EDGE_ORDER, bs->out_box[cl->graph->outputs[o]], sl->out_box[v], NULL, -1);
        }
    }
}

/* ---- long edges ---- */

typedef struct edge_key {
    int from, value, edge;
    const lp_graph *g;
} edge_key;

static bool same_value(const edge_key *a, const edge_key *b) {
    return a->from == b->from && a->g == b->g && a->value == b->value;
}

static int edge_key_cmp(const void *pa, const void *pb) {
    const edge_key *a = pa, *b = pb;
    if (a->from != b->from) return a->from < b->from ? -1 : 1;
    if (a->g != b->g) return (uintptr_t)a->g < (uintptr_t)b->g ? -1 : 1;
    if (a->value != b->value) return a->value < b->value ? -1 : 1;
    return a->edge < b->edge ? -1 : a->edge > b->edge;
}

/* A value read far below its first reader (the attention mask read by
** every layer) costs dot a chain of virtual nodes per far reader, and its
** spline router fails on the longest: such readers get a tab of their own
** naming the value, as TensorBoard draws its auxiliary nodes. */
static void cut_long_edges(sb *b) {
    lp_scene *s = b->s;
    int *rank = lp_xcalloc((size_t)s->n_boxes + 1, sizeof *rank);
    lp_scene_ranks(s, rank);
    edge_key *keys = lp_xcalloc((size_t)s->n_edges + 1, sizeof *keys);
    int n = 0;
    for (int i = 0; i < s->n_edges; i++)
        if (s->edges[i].kind == LP_EDGE_DATA || s->edges[i].kind == LP_EDGE_CAPTURE)
            keys[n++] = (edge_key){s->edges[i].from, s->edges[i].value, i, s->edges[i].graph};
    qsort(keys, (size_t)n, sizeof *keys, edge_key_cmp);
    for (int i = 0, j; i < n; i = j) {
        int first = -1;
        for (j = i; j < n && same_value(&keys[i], &keys[j]); j++) {
            int r = rank[s->edges[keys[j].edge].to];
            if (first < 0 || r < first) first = r;
        }
        for (int k = i; k < j; k++) {
            lp_edge *e = &s->edges[keys[k].edge];
            if (rank[e->to] - first <= LP_VIZ_LONG_SPAN) continue;
            lp_box src = s->boxes[e->from]; /* a copy: add_box moves the boxes */
            const lp_graph *vg = e->graph;
            int vi = e->value;
            const lp_value *val = &vg->values[vi];
            int ref = add_box(b, LP_BOX_REF, vg, -1, vi, s->boxes[e->to].cluster);
            lp_buf t = {0};
            lp_buf_printf(&t, "\u21aa ");
            lp_buf_printf(&t, "%s", lp_viz_text(&b->s->arena, val->name, 28, true));
            lp_buf_append(&t, "", 1);
            add_line(b, ref, LP_LINE_TITLE, lp_arena_strdup(&s->arena, t.data));
            t.len = 0;
            char id[512];
            lp_viz_put_clean(&t, val->name, strlen(val->name), false);
            if (src.kind == LP_BOX_NODE)
                lp_buf_printf(&t, "\nmade by %s, drawn again here: it is read far below",
                              lp_viz_node_id(&src.graph->nodes[src.node], id, sizeof id));
            else
                lp_buf_printf(&t, "\na graph input, drawn again here: it is read far below");
            lp_buf_append(&t, "", 1);
            s->boxes[ref].tooltip = lp_viz_text_lines(&b->s->arena, t.data);
            lp_buf_free(&t);
            s->edges[keys[k].edge].from = ref;
            s->n_cut++;
        }
    }
    free(keys);
    free(rank);
}

/* ---- ids ---- */

static void assign_id(sb *b, int box, const char *base, const char *prefix_path) {
    lp_scene *s = b->s;
    const char *id = lp_viz_text(&b->s->arena, base, 0, false);
    if (lp_strmap_get(&b->ids, id, -1) >= 0 && prefix_path && *prefix_path)
        id = lp_arena_printf(&s->arena, "%s/%s", lp_viz_text(&b->s->arena, prefix_path, 0, false), id);
    for (int k = 2; lp_strmap_get(&b->ids, id, -1) >= 0; k++)
        id = lp_arena_printf(&s->arena, "%s~%d", lp_viz_text(&b->s->arena, base, 0, false), k);
    s->boxes[box].id = id;
    lp_strmap_put(&b->ids, id, box);
}

/* Root graph nodes first, so they keep their exact names. */
static void assign_ids(sb *b) {
    lp_scene *s = b->s;
    char buf[1024];
    for (int pass = 0; pass < 3; pass++)
        for (int i = 0; i < s->n_boxes; i++) {
            lp_box *x = &s->boxes[i];
            if (pass < 2 && (x->kind != LP_BOX_NODE || (x->graph == s->root) != (pass == 0))) continue;
            if (pass == 2 && x->kind == LP_BOX_NODE) continue;
            if (x->kind == LP_BOX_NODE) {
                assign_id(b, i, lp_viz_node_id(&x->graph->nodes[x->node], buf, sizeof buf), x->graph->path);
                continue;
            }
            const char *what = x->kind == LP_BOX_INPUT    ? "input"
                               : x->kind == LP_BOX_OUTPUT ? "output"
                               : x->kind == LP_BOX_REF    ? "ref"
                               : slot_of(b, x->graph)->from_stub[x->value] == i ? "from" : "to";
            snprintf(buf, sizeof buf, "%s:%s", what, x->graph->values[x->value].name);
            assign_id(b, i, buf, x->graph == s->root ? NULL : x->graph->path);
        }
}

/* ---- the neighbourhood ---- */

int lp_viz_find_node(const lp_model *m, const char *name, const lp_graph **graph) {
    char id[1024];
    for (int pass = 0; pass < 2; pass++)
        for (int gi = 0; gi < m->n_graphs; gi++) {
            const lp_graph *g = m->graphs[gi];
            for (int i = 0; i < g->n_nodes; i++) {
                const char *k = pass ? lp_viz_node_id(&g->nodes[i], id, sizeof id) : g->nodes[i].name;
                if (*k && !strcmp(k, name)) {
                    *graph = g;
                    return i;
                }
            }
        }
    return -1;
}

/* Marks the nodes within `depth` hops of `centre`, hopping through tensors
** (not through folded constants, whose readers are unrelated). */
static void neighbourhood(const lp_graph *g, int centre, int depth, bool *in) {
    int *dist = lp_xmalloc(((size_t)g->n_nodes + 1) * sizeof *dist);
    int *queue = lp_xmalloc(((size_t)g->n_nodes + 1) * sizeof *queue);
    int *capturers = lp_xmalloc(((size_t)g->n_nodes + 1) * sizeof *capturers), n_capt = 0;
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].n_implicit) capturers[n_capt++] = i;
    for (int i = 0; i < g->n_nodes; i++) dist[i] = -1;
    int head = 0, tail = 0;
    dist[centre] = 0;
    queue[tail++] = centre;
    while (head < tail) {
        int n = queue[head++];
        in[n] = true;
        if (dist[n] >= depth || (n != centre && folds(g, &g->nodes[n]))) continue;
        const lp_node *node = &g->nodes[n];
        for (int k = 0; k < node->n_inputs + node->n_implicit + node->n_outputs; k++) {
            int v = k < node->n_inputs ? node->inputs[k]
                    : k < node->n_inputs + node->n_implicit ? node->implicit[k - node->n_inputs]
                                                             : node->outputs[k - node->n_inputs - node->n_implicit];
            if (v < 0) continue;
            const lp_value *val = &g->values[v];
            int p = val->producer;
            if (p >= 0 && dist[p] < 0) {
                dist[p] = dist[n] + 1;
                queue[tail++] = p;
            }
            for (int c = 0; c < val->n_consumers; c++) {
                int r = val->consumers[c];
                if (dist[r] < 0) {
                    dist[r] = dist[n] + 1;
                    queue[tail++] = r;
                }
            }
        }
        /* readers that capture an output in their subgraphs */
        for (int k = 0; k < node->n_outputs; k++)
            for (int ci = 0; ci < n_capt; ci++) {
                int r = capturers[ci];
                if (dist[r] >= 0 || node->outputs[k] < 0) continue;
                for (int q = 0; q < g->nodes[r].n_implicit; q++)
                    if (g->nodes[r].implicit[q] == node->outputs[k]) {
                        dist[r] = dist[n] + 1;
                        queue[tail++] = r;
                        break;
                    }
            }
    }
    free(dist);
    free(queue);
    free(capturers);
}

/* ---- the whole ---- */

int lp_scene_build(const lp_model *m, const lp_viz_opts *o, lp_scene **out, lp_error *err) {
    *out = NULL;
    lp_scene *s = lp_xcalloc(1, sizeof *s);
    sb b = {.s = s, .o = o, .err = err};
    s->model = m;
    s->root = m->graph;
    s->centre = -1;
    int centre = -1;
    if (o->around) {
        const lp_graph *g = NULL;
        centre = lp_viz_find_node(m, o->around, &g);
        if (centre < 0) {
            lp_scene_free(s);
            return lp_fail(err, LP_EINPUT, "%s: no node named '%s' (names are listed by 'loupe nodes')",
                           m->path, o->around);
        }
        if (o->depth < 0) {
            lp_scene_free(s);
            return lp_fail(err, LP_EINPUT, "the depth around a node must be 0 or more, not %d", o->depth);
        }
        s->root = g;
        b.around = true;
        b.in_set = lp_xcalloc((size_t)g->n_nodes + 1, sizeof *b.in_set);
        neighbourhood(g, centre, o->depth, b.in_set);
    }
    const lp_graph *g = s->root;
    /* expanded when asked, or when what would be drawn is small */
    if (o->subgraphs >= 0) {
        s->expanded = o->subgraphs > 0;
    } else {
        int total = 0;
        for (int i = 0; i < g->n_nodes; i++) {
            if (b.in_set && !b.in_set[i]) continue;
            total++;
            const lp_node *n = &g->nodes[i];
            for (int k = 0; k < n->n_attrs; k++) {
                if (n->attrs[k].g) total += count_nodes(n->attrs[k].g);
                if (n->attrs[k].type == LP_ATTR_GRAPHS)
                    for (int j = 0; j < n->attrs[k].n; j++) total += count_nodes(n->attrs[k].graphs[j]);
            }
        }
        s->expanded = total <= LP_VIZ_EXPAND_MAX;
    }

    gslot *sl = add_slot(&b, g);
    for (int i = 0; i < g->n_inputs; i++) {
        int v = g->inputs[i];
        bool used = !b.in_set;
        for (int c = 0; !used && c < g->values[v].n_consumers; c++) used = b.in_set[g->values[v].consumers[c]];
        for (int n = 0; !used && n < g->n_nodes; n++)
            for (int q = 0; b.in_set[n] && q < g->nodes[n].n_implicit; q++) used |= g->nodes[n].implicit[q] == v;
        if (used) input_box(&b, sl, v, -1);
    }
    add_graph_nodes(&b, sl, -1, true);
    for (int i = 0; i < g->n_outputs; i++) {
        int v = g->outputs[i];
        const lp_value *val = &g->values[v];
        bool drawn = !b.in_set || (val->producer >= 0 && b.in_set[val->producer]) ||
                     (val->producer < 0 && val->outer < 0 && sl->value_box[v] >= 0);
        if (drawn) output_box(&b, sl, v, -1);
    }
    if (centre >= 0) s->centre = sl->node_box[centre];

    /* edges: every node's reads, then every graph's outputs */
    int n_boxes = s->n_boxes;
    for (int i = 0; i < n_boxes; i++)
        if (s->boxes[i].kind == LP_BOX_NODE) connect_node(&b, s->boxes[i].graph, s->boxes[i].node, i);
    for (int i = 0, n = b.n_slots; i < n; i++) connect_outputs(&b, b.slots[i]);
    if (b.around) connect_downstream(&b, sl);
    connect_bodies(&b);
    s->units = lp_scene_units(s);
    if (s->units > LP_VIZ_FAST_UNITS) {
        cut_long_edges(&b);
        s->units = lp_scene_units(s);
    }
    assign_ids(&b);

    for (int i = 0; i < b.n_slots; i++) {
        free(b.slots[i]->node_box);
        free(b.slots[i]->value_box);
        free(b.slots[i]->out_box);
        free(b.slots[i]->from_stub);
        free(b.slots[i]->to_stub);
        free(b.slots[i]);
    }
    free(b.slots);
    free(b.in_set);
    lp_strmap_free(&b.ids);
    *out = s;
    return LP_OK;
}

void lp_scene_free(lp_scene *s) {
    if (!s) return;
    free(s->boxes);
    free(s->edges);
    free(s->clusters);
    lp_arena_free(&s->arena);
    free(s);
}
