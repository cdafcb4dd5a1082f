/*
** screen_nodes.c — the Nodes screen: the nodes of one graph (index, op type,
** name, output shape) beside the detail of the selected one (attributes,
** inputs and outputs with dtype and shape).
**
** Enter on the list moves into the detail; there Enter follows an input to
** its producer, an output to its consumers (a picker when several), expands
** a tensor attribute, or enters a subgraph (If/Loop/Scan bodies). Every jump
** is pushed on a history that Backspace walks back. The selected node is the
** app's (a->graph, a->node), shared with the Graph screen.
*/
#include "model/describe.h"
#include "tui/screen.h"
#include "tui/widgets.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum dkind {
    D_TEXT,      /* plain text */
    D_SECTION,   /* "Inputs", "Outputs", ... */
    D_ATTR,      /* an attribute; ref = attribute index */
    D_ATTR_MORE, /* a line of an expanded tensor attribute */
    D_INPUT,     /* ref = input slot */
    D_IMPLICIT,  /* ref = implicit slot */
    D_OUTPUT,    /* ref = output slot */
} dkind;

typedef struct drow {
    dkind kind;
    int ref;
    char label[96];
    char text[512];
    char note[256];
    lp_role role;
} drow;

typedef struct hist {
    lp_graph *g;
    int node;
    bool detail;
    int dsel;
} hist;

#define MAX_HISTORY 256

typedef struct nodes_st {
    lp_graph *g; /* the graph listed */
    int *rows;   /* node indices shown, ascending */
    int n_rows;
    char filter[128]; /* op type, "" for all */
    lp_list list;
    int list_h;
    bool detail; /* focus in the detail pane */
    drow *items;
    int n_items;
    lp_list dl; /* detail cursor (rows of items) and scroll */
    int detail_h;
    lp_graph *built_g; /* what items describe */
    int built_node;
    int expanded_attr; /* tensor attribute shown in full, -1 */
    hist history[MAX_HISTORY];
    int n_hist;
    int pick[512]; /* consumer picker: node indices */
    int n_pick;
    int pick_value;
    char **filter_ops; /* the op types the filter picker offers */
    int n_filter_ops;
    lp_rect list_r, detail_r;
} nodes_st;

/* ---- rows of the list ---- */

static void set_rows(nodes_st *s, lp_graph *g) {
    free(s->rows);
    s->g = g;
    s->rows = lp_xcalloc((size_t)(g->n_nodes > 0 ? g->n_nodes : 1), sizeof *s->rows);
    s->n_rows = 0;
    for (int i = 0; i < g->n_nodes; i++)
        if (!s->filter[0] || !strcmp(g->nodes[i].op_type, s->filter)) s->rows[s->n_rows++] = i;
    s->list.n = s->n_rows;
}

static int row_of(const nodes_st *s, int node) {
    int lo = 0, hi = s->n_rows - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (s->rows[mid] == node) return mid;
        if (s->rows[mid] < node)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* Brings the list in line with the app's selection (the Graph screen or a
** jump may have changed it). */
static void sync(lp_app *a, nodes_st *s) {
    if (!a->graph) lp_app_select_node(a, a->model->graph, 0);
    if (s->g != a->graph) {
        s->filter[0] = 0;
        set_rows(s, a->graph);
    }
    if (a->node >= 0 && row_of(s, a->node) < 0 && s->filter[0]) {
        s->filter[0] = 0;
        set_rows(s, a->graph);
    }
    if (a->node < 0 && s->n_rows) a->node = s->rows[0];
    s->list.sel = a->node >= 0 ? row_of(s, a->node) : -1;
}

/* ---- history ---- */

static void push_history(lp_app *a, nodes_st *s) {
    if (s->n_hist == MAX_HISTORY) {
        memmove(s->history, s->history + 1, (MAX_HISTORY - 1) * sizeof *s->history);
        s->n_hist--;
    }
    s->history[s->n_hist++] = (hist){a->graph, a->node, s->detail, s->dl.sel};
}

static void jump(lp_app *a, nodes_st *s, lp_graph *g, int node) {
    push_history(a, s);
    lp_app_select_node(a, g, node);
    sync(a, s);
}

/* ---- the detail ---- */

static drow *add(nodes_st *s, dkind kind, int ref, lp_role role, const char *label, const char *fmt,
                 ...) __attribute__((format(printf, 6, 7)));

static drow *add(nodes_st *s, dkind kind, int ref, lp_role role, const char *label, const char *fmt,
                 ...) {
    s->items = lp_xrealloc(s->items, (size_t)(s->n_items + 1) * sizeof *s->items);
    drow *r = &s->items[s->n_items++];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->ref = ref;
    r->role = role;
    snprintf(r->label, sizeof r->label, "%s", label ? label : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->text, sizeof r->text, fmt, ap);
    va_end(ap);
    return r;
}

static bool selectable(const drow *r) {
    return r->kind == D_ATTR || r->kind == D_INPUT || r->kind == D_OUTPUT || r->kind == D_IMPLICIT;
}

static void tensor_summary(const lp_tensor *t, char *buf, size_t n) {
    char dims[128];
    lp_dims_str(t->rank, t->dims, dims, sizeof dims, !lp_g->utf8);
    if (t->numel == 1) {
        char v[64];
        lp_tensor_format_value(t, 0, v, sizeof v);
        snprintf(buf, n, "%s[%s] = %s", lp_dtype_name(t->dtype), dims, v);
        return;
    }
    if (t->dtype == LP_STRING || t->numel == 0) {
        snprintf(buf, n, "%s[%s]", lp_dtype_name(t->dtype), dims);
        return;
    }
    lp_tensor_stats st;
    lp_tensor_stats_compute(t, &st);
    snprintf(buf, n, "%s[%s]  min %.4g  max %.4g  mean %.4g", lp_dtype_name(t->dtype), dims, st.min,
             st.max, st.mean);
}

static void add_tensor_values(nodes_st *s, const lp_tensor *t) {
    int64_t shown = t->numel < 64 ? t->numel : 64;
    char line[512];
    size_t at = 0;
    line[0] = 0;
    for (int64_t i = 0; i < shown; i++) {
        char v[64];
        lp_tensor_format_value(t, i, v, sizeof v);
        at += (size_t)snprintf(line + at, sizeof line - at, "%s%s", at ? "  " : "", v);
        if ((i + 1) % 8 == 0 || i == shown - 1) {
            add(s, D_ATTR_MORE, -1, LP_ROLE_NORMAL, "", "%s", line);
            at = 0;
            line[0] = 0;
        }
    }
    if (shown < t->numel)
        add(s, D_ATTR_MORE, -1, LP_ROLE_DIM, "",
            "%s %lld more (see the Tensors screen for Constant values)", lp_g->ellipsis,
            (long long)(t->numel - shown));
}

static void add_attr(nodes_st *s, const lp_node *nd, int i) {
    const lp_attr *at = &nd->attrs[i];
    char v[512];
    lp_role role = LP_ROLE_NORMAL;
    if (at->ref) {
        snprintf(v, sizeof v, "= caller's attribute '%s'", at->ref);
    } else if ((at->type == LP_ATTR_TENSOR || at->type == LP_ATTR_SPARSE_TENSOR) && at->t) {
        tensor_summary(at->t, v, sizeof v);
        role = LP_ROLE_SHAPE;
    } else if (at->type == LP_ATTR_GRAPH) {
        snprintf(v, sizeof v, "subgraph of %d nodes", at->g ? at->g->n_nodes : 0);
        role = LP_ROLE_OP;
    } else {
        lp_attr_format(at, v, sizeof v, 16); /* as `loupe nodes` prints it */
    }
    drow *r = add(s, D_ATTR, i, role, at->name, "%s", v);
    if (at->type == LP_ATTR_GRAPH)
        snprintf(r->note, sizeof r->note, "Enter: go inside");
    else if ((at->type == LP_ATTR_TENSOR || at->type == LP_ATTR_SPARSE_TENSOR) && at->t &&
             at->t->numel > 1)
        snprintf(r->note, sizeof r->note, "Enter: %s", s->expanded_attr == i ? "fold" : "values");
    if (s->expanded_attr == i && at->t) add_tensor_values(s, at->t);
}

/* "Conv conv1" for a node, "Conv#12" when it has no name. */
static void node_ref(const lp_graph *g, int node, char *buf, size_t n) {
    char label[256];
    const lp_node *nd = &g->nodes[node];
    snprintf(buf, n, "%s %s", nd->op_type,
             nd->name[0] ? nd->name : lp_node_label(nd, label, sizeof label));
}

static void add_value_row(lp_app *a, nodes_st *s, dkind kind, int slot, int vi) {
    const lp_graph *g = s->g;
    char shape[256], where[300];
    if (vi < 0) {
        add(s, kind, slot, LP_ROLE_DIM, "(omitted)", "%s", "optional, not given");
        return;
    }
    const lp_value *v = &g->values[vi];
    char type[300];
    if (v->type.kind == LP_KIND_TENSOR)
        snprintf(type, sizeof type, "%s %s", lp_dtype_short(v->type.elem),
                 lp_app_shape(&v->type, shape, sizeof shape));
    else
        lp_type_str(&v->type, type, sizeof type);
    drow *r = add(s, kind, slot, LP_ROLE_SHAPE, v->name, "%s", type);
    where[0] = 0;
    if (kind == D_OUTPUT) {
        if (v->n_consumers == 1) {
            node_ref(g, v->consumers[0], where, sizeof where);
            snprintf(r->note, sizeof r->note, "%s %s", lp_g->arrow_right, where);
        } else if (v->n_consumers > 1) {
            snprintf(r->note, sizeof r->note, "%s %d consumers", lp_g->arrow_right, v->n_consumers);
        } else {
            snprintf(r->note, sizeof r->note, "%s", v->is_output ? "graph output" : "unused");
        }
        if (v->is_output && v->n_consumers)
            snprintf(r->note + strlen(r->note), sizeof r->note - strlen(r->note), ", graph output");
    } else {
        if (v->producer >= 0) {
            node_ref(g, v->producer, where, sizeof where);
            snprintf(r->note, sizeof r->note, "%s %s", lp_g->arrow_left, where);
        } else if (v->init >= 0) {
            snprintf(r->note, sizeof r->note, "initializer");
        } else if (v->outer >= 0) {
            snprintf(r->note, sizeof r->note, "from the enclosing graph");
        } else if (v->is_input) {
            snprintf(r->note, sizeof r->note, "graph input");
        } else if (v->constant) {
            snprintf(r->note, sizeof r->note, "constant");
        }
    }
    (void)a;
}

static void build_detail(lp_app *a, nodes_st *s) {
    s->n_items = 0;
    s->built_g = a->graph;
    s->built_node = a->node;
    if (a->node < 0 || !a->graph || a->node >= a->graph->n_nodes) return;
    const lp_node *nd = &a->graph->nodes[a->node];
    add(s, D_TEXT, -1, LP_ROLE_OP, "op", "%s%s%s", nd->domain[0] ? nd->domain : "",
        nd->domain[0] ? "." : "", nd->op_type);
    add(s, D_TEXT, -1, LP_ROLE_NORMAL, "name", "%s", nd->name[0] ? nd->name : "(none)");
    add(s, D_TEXT, -1, LP_ROLE_DIM, "index", "%d of %d%s%s, opset %d", nd->index, a->graph->n_nodes,
        a->graph->path[0] ? " in " : "", a->graph->path, nd->opset);
    if (nd->macs > 0 || nd->params > 0) {
        char m[32], p[32];
        add(s, D_TEXT, -1, LP_ROLE_DIM, "counts", "%s MACs, %s params",
            lp_count_str((double)nd->macs, m, sizeof m),
            lp_count_str((double)nd->params, p, sizeof p));
    }
    if (nd->function >= 0)
        add(s, D_TEXT, -1, LP_ROLE_NORMAL, "function", "%s", "model-local function");
    if (nd->doc && nd->doc[0]) add(s, D_TEXT, -1, LP_ROLE_DIM, "doc", "%s", nd->doc);
    add(s, D_SECTION, -1, LP_ROLE_HEADER, NULL, "Inputs (%d)", nd->n_inputs);
    for (int i = 0; i < nd->n_inputs; i++) add_value_row(a, s, D_INPUT, i, nd->inputs[i]);
    if (nd->n_implicit) {
        add(s, D_SECTION, -1, LP_ROLE_HEADER, NULL, "Read by its subgraphs (%d)", nd->n_implicit);
        for (int i = 0; i < nd->n_implicit; i++)
            add_value_row(a, s, D_IMPLICIT, i, nd->implicit[i]);
    }
    add(s, D_SECTION, -1, LP_ROLE_HEADER, NULL, "Outputs (%d)", nd->n_outputs);
    for (int i = 0; i < nd->n_outputs; i++) add_value_row(a, s, D_OUTPUT, i, nd->outputs[i]);
    add(s, D_SECTION, -1, LP_ROLE_HEADER, NULL, "Attributes (%d)", nd->n_attrs);
    for (int i = 0; i < nd->n_attrs; i++) add_attr(s, nd, i);
    s->dl.n = s->n_items;
}

static void ensure_detail(lp_app *a, nodes_st *s) {
    if (s->built_g != a->graph || s->built_node != a->node) {
        s->expanded_attr = -1;
        build_detail(a, s);
        /* land on the first row one can act on */
        s->dl.sel = -1;
        s->dl.top = 0;
        for (int i = 0; i < s->n_items && s->dl.sel < 0; i++)
            if (selectable(&s->items[i])) s->dl.sel = i;
    }
}

/* Moves the detail cursor to the next selectable row in direction dir. */
static void detail_step(nodes_st *s, int dir, int steps) {
    int at = s->dl.sel;
    for (int k = 0; k < steps; k++) {
        int i = at + dir;
        while (i >= 0 && i < s->n_items && !selectable(&s->items[i])) i += dir;
        if (i < 0 || i >= s->n_items) break;
        at = i;
    }
    s->dl.sel = at;
}

/* ---- following edges ---- */

static void follow_input(lp_app *a, nodes_st *s, int vi) {
    lp_graph *g = s->g;
    const lp_value *v = &g->values[vi];
    /* a value captured from enclosing scopes: climb to where it is made */
    while (v->outer >= 0 && g->parent) {
        g = g->parent;
        vi = v->outer;
        v = &g->values[vi];
    }
    if (v->producer >= 0) {
        jump(a, s, g, v->producer);
        lp_app_message(a, "%s is made by node %d (%s); Backspace goes back", v->name, v->producer,
                       g->nodes[v->producer].op_type);
    } else if (v->init >= 0) {
        lp_app_message(a, "%s is an initializer: see the Tensors screen (3)", v->name);
    } else if (v->is_input) {
        lp_app_message(a, "%s is an input of the %s", v->name, g->parent ? "subgraph" : "model");
    } else {
        lp_app_message(a, "%s has no producer in this graph", v->name);
    }
}

static void consumer_picked(lp_app *a, void *ctx, int choice) {
    nodes_st *s = ctx;
    if (choice < 0 || choice >= s->n_pick) return;
    jump(a, s, s->g, s->pick[choice]);
    lp_app_message(a, "node %d (%s); Backspace goes back", a->node,
                   a->graph->nodes[a->node].op_type);
}

static void follow_output(lp_app *a, nodes_st *s, int vi) {
    const lp_value *v = &s->g->values[vi];
    if (v->n_consumers == 0) {
        lp_app_message(a, "%s is %s", v->name,
                       v->is_output ? "an output of the graph; nothing reads it here"
                                    : "not read by any node");
        return;
    }
    if (v->n_consumers == 1) {
        jump(a, s, s->g, v->consumers[0]);
        lp_app_message(a, "%s is read by node %d (%s); Backspace goes back", v->name, a->node,
                       a->graph->nodes[a->node].op_type);
        return;
    }
    s->n_pick = 0;
    const char *items[512];
    char texts[512][200];
    for (int i = 0; i < v->n_consumers && s->n_pick < 512; i++) {
        char ref[180];
        node_ref(s->g, v->consumers[i], ref, sizeof ref);
        snprintf(texts[s->n_pick], sizeof texts[0], "%5d  %s", v->consumers[i], ref);
        items[s->n_pick] = texts[s->n_pick];
        s->pick[s->n_pick++] = v->consumers[i];
    }
    char title[200];
    snprintf(title, sizeof title, "%s is read by %d nodes", v->name, v->n_consumers);
    lp_app_pick(a, title, items, s->n_pick, 0, consumer_picked, s);
}

static void enter_subgraph(lp_app *a, nodes_st *s, lp_graph *sub) {
    if (!sub) return;
    jump(a, s, sub, sub->n_nodes ? 0 : -1);
    s->detail = false;
    lp_app_message(a, "inside %s (%d nodes); < or Esc leaves it", sub->path, sub->n_nodes);
}

static void leave_subgraph(lp_app *a, nodes_st *s) {
    lp_graph *g = a->graph;
    if (!g || !g->parent) {
        lp_app_message(a, "already in the main graph");
        return;
    }
    jump(a, s, g->parent, g->parent_node);
    s->detail = false;
    lp_app_message(a, "back in %s", a->graph->path[0] ? a->graph->path : "the main graph");
}

static void activate(lp_app *a, nodes_st *s) {
    if (s->dl.sel < 0 || s->dl.sel >= s->n_items) return;
    const drow *r = &s->items[s->dl.sel];
    const lp_node *nd = &a->graph->nodes[a->node];
    switch (r->kind) {
    case D_INPUT:
        if (nd->inputs[r->ref] >= 0) follow_input(a, s, nd->inputs[r->ref]);
        break;
    case D_IMPLICIT:
        follow_input(a, s, nd->implicit[r->ref]);
        break;
    case D_OUTPUT:
        if (nd->outputs[r->ref] >= 0) follow_output(a, s, nd->outputs[r->ref]);
        break;
    case D_ATTR: {
        const lp_attr *at = &nd->attrs[r->ref];
        if (at->type == LP_ATTR_GRAPH) {
            enter_subgraph(a, s, at->g);
        } else if (at->type == LP_ATTR_GRAPHS && at->n > 0) {
            enter_subgraph(a, s, at->graphs[0]);
        } else if ((at->type == LP_ATTR_TENSOR || at->type == LP_ATTR_SPARSE_TENSOR) && at->t) {
            int keep = s->dl.sel;
            s->expanded_attr = s->expanded_attr == r->ref ? -1 : r->ref;
            build_detail(a, s);
            s->dl.sel = keep;
        } else {
            lp_app_message(a, "%s: %s", at->name, r->text);
        }
        break;
    }
    default:
        break;
    }
}

/* ---- filter ---- */

static void filter_picked(lp_app *a, void *ctx, int choice) {
    nodes_st *s = ctx;
    if (choice < 0) return;
    if (choice == 0)
        s->filter[0] = 0;
    else
        snprintf(s->filter, sizeof s->filter, "%s", s->filter_ops[choice - 1]);
    for (int i = 0; i < s->n_filter_ops; i++) free(s->filter_ops[i]);
    free(s->filter_ops);
    s->filter_ops = NULL;
    s->n_filter_ops = 0;
    set_rows(s, s->g);
    if (a->node < 0 || row_of(s, a->node) < 0)
        lp_app_select_node(a, s->g, s->n_rows ? s->rows[0] : -1);
    sync(a, s);
    if (s->filter[0])
        lp_app_message(a, "showing the %d %s nodes; f then (all) shows every node", s->n_rows,
                       s->filter);
    else
        lp_app_message(a, "showing all %d nodes", s->n_rows);
}

static void open_filter(lp_app *a, nodes_st *s) {
    const lp_graph *g = s->g;
    /* op types with counts, most frequent first */
    char **ops = NULL;
    int *counts = NULL, n = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        int k = 0;
        while (k < n && strcmp(ops[k], g->nodes[i].op_type)) k++;
        if (k == n) {
            ops = lp_xrealloc(ops, (size_t)(n + 1) * sizeof *ops);
            counts = lp_xrealloc(counts, (size_t)(n + 1) * sizeof *counts);
            ops[n] = lp_xstrdup(g->nodes[i].op_type);
            counts[n++] = 0;
        }
        counts[k]++;
    }
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && counts[j] > counts[j - 1]; j--) {
            int c = counts[j];
            counts[j] = counts[j - 1];
            counts[j - 1] = c;
            char *o = ops[j];
            ops[j] = ops[j - 1];
            ops[j - 1] = o;
        }
    const char **items = lp_xcalloc((size_t)n + 1, sizeof *items);
    char **texts = lp_xcalloc((size_t)n + 1, sizeof *texts);
    texts[0] = lp_xmalloc(64);
    snprintf(texts[0], 64, "(all)  %d", g->n_nodes);
    items[0] = texts[0];
    int sel = 0;
    for (int i = 0; i < n; i++) {
        texts[i + 1] = lp_xmalloc(160);
        snprintf(texts[i + 1], 160, "%-24s %5d", ops[i], counts[i]);
        items[i + 1] = texts[i + 1];
        if (!strcmp(ops[i], s->filter)) sel = i + 1;
    }
    for (int i = 0; i < s->n_filter_ops; i++) free(s->filter_ops[i]);
    free(s->filter_ops);
    s->filter_ops = ops;
    s->n_filter_ops = n;
    lp_app_pick(a, "Filter by op type", items, n + 1, sel, filter_picked, s);
    for (int i = 0; i <= n; i++) free(texts[i]);
    free(texts);
    free(items);
    free(counts);
}

/* ---- drawing ---- */

static void draw_list(lp_app *a, nodes_st *s, lp_rect r) {
    const lp_graph *g = s->g;
    char head[300];
    snprintf(head, sizeof head, "%s%s%s", g->path[0] ? g->path : "main graph",
             s->filter[0] ? "  op=" : "", s->filter);
    lp_box(r, s->detail ? LP_ROLE_BORDER : LP_ROLE_HEADER, head);
    char count[64];
    snprintf(count, sizeof count, " %d/%d ", s->list.sel + 1, s->n_rows);
    if (r.w > 20) lp_put_right(r.y + r.h - 1, r.x + 1, r.w - 3, LP_ROLE_BORDER, count);
    int h = r.h - 3, w = r.w - 3, x = r.x + 1;
    s->list_h = h;
    lp_list_fit(&s->list, h);
    int idx_w = 1;
    for (int n = g->n_nodes; n >= 10; n /= 10) idx_w++;
    /* columns as wide as the rows in view need, within limits */
    int op_w = 2, shape_w = 6;
    for (int i = 0; i < h && s->list.top + i < s->n_rows; i++) {
        const lp_node *nd = &g->nodes[s->rows[s->list.top + i]];
        int ow = lp_text_width(nd->op_type);
        if (ow > op_w) op_w = ow;
        if (nd->n_outputs && nd->outputs[0] >= 0) {
            char shape[128];
            int sw =
                lp_text_width(lp_app_shape(&g->values[nd->outputs[0]].type, shape, sizeof shape));
            if (sw > shape_w) shape_w = sw;
        }
    }
    int op_max = w >= 60 ? 20 : w >= 44 ? 14 : 9;
    if (op_w > op_max) op_w = op_max;
    if (shape_w > w * 38 / 100) shape_w = w * 38 / 100;
    int name_w = w - idx_w - op_w - shape_w - 3;
    int y0 = r.y + 1;
    lp_put(y0, x, w, LP_ROLE_HEADER, "");
    lp_putf(y0, x, idx_w, LP_ROLE_HEADER, "%*s", idx_w, "#");
    lp_put(y0, x + idx_w + 1, op_w, LP_ROLE_HEADER, "op");
    lp_put(y0, x + idx_w + 1 + op_w + 1, name_w, LP_ROLE_HEADER, "name");
    if (shape_w) lp_put_right(y0, x + w - shape_w, shape_w, LP_ROLE_HEADER, "output");
    for (int i = 0; i < h && s->list.top + i < s->n_rows; i++) {
        int row = s->list.top + i, node = s->rows[row];
        const lp_node *nd = &g->nodes[node];
        int y = y0 + 1 + i;
        bool sel = row == s->list.sel;
        lp_role base = sel ? (s->detail ? LP_ROLE_SELECTED_DIM : LP_ROLE_SELECTED) : LP_ROLE_NORMAL;
        if (sel) lp_fill(y, x, w, base);
        lp_putf(y, x, idx_w, sel ? base : LP_ROLE_DIM, "%*d", idx_w, node);
        lp_put_fit(y, x + idx_w + 1, op_w, sel ? base : LP_ROLE_OP, nd->op_type);
        char label[256];
        lp_put_fit(y, x + idx_w + 1 + op_w + 1, name_w, base,
                   nd->name[0] ? nd->name : lp_node_label(nd, label, sizeof label));
        if (shape_w && nd->n_outputs && nd->outputs[0] >= 0) {
            char shape[128];
            lp_app_shape(&g->values[nd->outputs[0]].type, shape, sizeof shape);
            lp_put_right(y, x + w - shape_w, shape_w, sel ? base : LP_ROLE_SHAPE, shape);
        }
    }
    if (s->n_rows == 0) lp_put(y0 + 1, x, w, LP_ROLE_DIM, "(no nodes)");
    lp_scrollbar(y0 + 1, r.x + r.w - 2, h, s->n_rows, s->list.top, h);
    (void)a;
}

static void draw_detail(lp_app *a, nodes_st *s, lp_rect r) {
    char title[300] = "";
    if (a->node >= 0) {
        const lp_node *nd = &a->graph->nodes[a->node];
        char label[256];
        snprintf(title, sizeof title, "%s %s", nd->op_type,
                 nd->name[0] ? nd->name : lp_node_label(nd, label, sizeof label));
    }
    lp_box(r, s->detail ? LP_ROLE_HEADER : LP_ROLE_BORDER, title);
    int h = r.h - 2, w = r.w - 3, x = r.x + 1;
    s->detail_h = h;
    if (s->dl.sel >= 0) {
        /* keep the cursor in view, with the section heading above it when possible */
        if (s->dl.sel < s->dl.top)
            s->dl.top =
                s->dl.sel > 0 && !selectable(&s->items[s->dl.sel - 1]) ? s->dl.sel - 1 : s->dl.sel;
        if (s->dl.sel >= s->dl.top + h) s->dl.top = s->dl.sel - h + 1;
    }
    if (s->dl.top > s->n_items - h) s->dl.top = s->n_items - h;
    if (s->dl.top < 0) s->dl.top = 0;
    int label_w = w >= 50 ? 18 : 12;
    for (int i = 0; i < h && s->dl.top + i < s->n_items; i++) {
        int k = s->dl.top + i, y = r.y + 1 + i;
        const drow *d = &s->items[k];
        bool sel = s->detail && k == s->dl.sel;
        bool dimsel = !s->detail && k == s->dl.sel;
        if (d->kind == D_SECTION) {
            lp_put_fit(y, x, w, LP_ROLE_HEADER, d->text);
            continue;
        }
        lp_role base = sel ? LP_ROLE_SELECTED : dimsel ? LP_ROLE_SELECTED_DIM : LP_ROLE_NORMAL;
        if (sel || dimsel) lp_fill(y, x, w, base);
        int cx = x + 1;
        if (d->kind == D_ATTR_MORE) {
            lp_put_fit(y, cx + 2, w - 3, d->role, d->text);
            continue;
        }
        cx += lp_put_fit(y, cx, label_w, sel || dimsel ? base : LP_ROLE_LABEL, d->label);
        cx = x + 1 + label_w + 1;
        /* the type comes first; the note (producer, consumers) gets what is left */
        int avail = w - (cx - x);
        int text_w = lp_text_width(d->text);
        if (text_w > avail) text_w = avail;
        int note_w = d->note[0] ? lp_text_width(d->note) : 0;
        if (note_w > avail - text_w - 2) note_w = avail - text_w - 2;
        if (note_w < 4) note_w = 0;
        lp_put_fit(y, cx, text_w, sel || dimsel ? base : d->role, d->text);
        if (note_w > 0)
            lp_put_right(y, x + w - note_w, note_w, sel || dimsel ? base : LP_ROLE_DIM, d->note);
    }
    lp_scrollbar(r.y + 1, r.x + r.w - 2, h, s->n_items, s->dl.top, h);
}

static void nd_draw(lp_app *a, void *st, lp_rect r) {
    nodes_st *s = st;
    sync(a, s);
    ensure_detail(a, s);
    int lw = r.w * 48 / 100;
    if (lw < 36) lw = r.w < 72 ? r.w / 2 : 36;
    s->list_r = (lp_rect){r.y, r.x, r.h, lw};
    s->detail_r = (lp_rect){r.y, r.x + lw, r.h, r.w - lw};
    draw_list(a, s, s->list_r);
    draw_detail(a, s, s->detail_r);
}

/* ---- requests ---- */

static void select_row(lp_app *a, nodes_st *s) {
    if (s->list.sel >= 0 && s->list.sel < s->n_rows)
        lp_app_select_node(a, s->g, s->rows[s->list.sel]);
}

static int nd_request(lp_app *a, void *st, lp_request req) {
    nodes_st *s = st;
    sync(a, s);
    ensure_detail(a, s);
    switch (req) {
    case LP_REQ_FILTER:
        open_filter(a, s);
        return LP_HANDLED;
    case LP_REQ_LEAVE_GRAPH:
        leave_subgraph(a, s);
        return LP_HANDLED;
    case LP_REQ_HISTORY_BACK:
        if (s->n_hist == 0) {
            lp_app_message(a, "nothing to go back to");
            return LP_HANDLED;
        }
        {
            hist h = s->history[--s->n_hist];
            lp_app_select_node(a, h.g, h.node);
            sync(a, s);
            ensure_detail(a, s);
            s->detail = h.detail;
            if (h.dsel >= 0 && h.dsel < s->n_items) s->dl.sel = h.dsel;
            lp_app_message(a, "back to node %d (%s)", a->node,
                           a->node >= 0 ? a->graph->nodes[a->node].op_type : "");
        }
        return LP_HANDLED;
    case LP_REQ_BACK:
        if (s->detail)
            s->detail = false;
        else if (a->graph->parent)
            leave_subgraph(a, s);
        else
            return LP_IGNORED;
        return LP_HANDLED;
    default:
        break;
    }
    if (s->detail) {
        switch (req) {
        case LP_REQ_MOVE_UP:
            detail_step(s, -1, 1);
            break;
        case LP_REQ_MOVE_DOWN:
            detail_step(s, 1, 1);
            break;
        case LP_REQ_PAGE_UP:
            detail_step(s, -1, s->detail_h);
            break;
        case LP_REQ_PAGE_DOWN:
            detail_step(s, 1, s->detail_h);
            break;
        case LP_REQ_FIRST:
            detail_step(s, -1, s->n_items);
            break;
        case LP_REQ_LAST:
            detail_step(s, 1, s->n_items);
            break;
        case LP_REQ_MOVE_LEFT:
        case LP_REQ_FOCUS_LIST:
            s->detail = false;
            break;
        case LP_REQ_ENTER:
        case LP_REQ_MOVE_RIGHT:
            activate(a, s);
            break;
        default:
            return LP_IGNORED;
        }
        return LP_HANDLED;
    }
    if (lp_list_move(&s->list, req, s->list_h)) {
        select_row(a, s);
        return LP_HANDLED;
    }
    switch (req) {
    case LP_REQ_ENTER:
    case LP_REQ_MOVE_RIGHT:
        if (s->dl.sel < 0) {
            lp_app_message(a, "this node has no inputs, outputs or attributes");
            return LP_HANDLED;
        }
        s->detail = true;
        return LP_HANDLED;
    case LP_REQ_MOVE_LEFT:
        if (a->graph->parent) leave_subgraph(a, s);
        return LP_HANDLED;
    default:
        return LP_IGNORED;
    }
}

static int nd_mouse(lp_app *a, void *st, lp_rect r, const MEVENT *ev) {
    nodes_st *s = st;
    (void)r;
    int row, col;
    bool up = lp_mouse_wheel_up(ev), down = lp_mouse_wheel_down(ev);
    if (lp_rect_hit(s->list_r, ev, &row, &col)) {
        if (up || down) {
            lp_list_scroll(&s->list, up ? -3 : 3, s->list_h);
            select_row(a, s);
        } else if (lp_mouse_click(ev) && row >= 2 && s->list.top + row - 2 < s->n_rows) {
            s->list.sel = s->list.top + row - 2;
            s->detail = false;
            select_row(a, s);
        }
        return LP_HANDLED;
    }
    if (lp_rect_hit(s->detail_r, ev, &row, &col)) {
        if (up || down)
            detail_step(s, up ? -1 : 1, 3);
        else if (lp_mouse_click(ev) && row >= 1) {
            int k = s->dl.top + row - 1;
            if (k < s->n_items && selectable(&s->items[k])) {
                s->dl.sel = k;
                s->detail = true;
            }
        }
        return LP_HANDLED;
    }
    return LP_IGNORED;
}

/* ---- search ---- */

static int nd_rows(lp_app *a, void *st) {
    nodes_st *s = st;
    sync(a, s);
    return s->n_rows;
}

static bool nd_grep(lp_app *a, void *st, int row, const char *q) {
    nodes_st *s = st;
    (void)a;
    const lp_node *nd = &s->g->nodes[s->rows[row]];
    return strcasestr(nd->name, q) || strcasestr(nd->op_type, q);
}

static int nd_cursor(lp_app *a, void *st) {
    nodes_st *s = st;
    sync(a, s);
    return s->list.sel;
}

static void nd_go(lp_app *a, void *st, int row) {
    nodes_st *s = st;
    if (row < 0 || row >= s->n_rows) return;
    s->list.sel = row;
    s->detail = false;
    select_row(a, s);
}

static void nd_open(lp_app *a, void *st) {
    nodes_st *s = st;
    s->expanded_attr = -1;
    s->built_node = -2;
    set_rows(s, a->model->graph);
}

static void nd_done(lp_app *a, void *st) {
    nodes_st *s = st;
    (void)a;
    free(s->rows);
    free(s->items);
    for (int i = 0; i < s->n_filter_ops; i++) free(s->filter_ops[i]);
    free(s->filter_ops);
    s->filter_ops = NULL;
    s->n_filter_ops = 0;
}

static const lp_binding nd_keys[] = {
    {'\n', LP_REQ_ENTER, "into the detail; there: follow an edge, expand, go inside"},
    {'\r', LP_REQ_ENTER, "into the detail; there: follow an edge, expand, go inside"},
    {KEY_ENTER, LP_REQ_ENTER, "into the detail; there: follow an edge, expand, go inside"},
    {KEY_BACKSPACE, LP_REQ_HISTORY_BACK, NULL},
    {127, LP_REQ_HISTORY_BACK, NULL},
    {LP_KEY_CTRL('h'), LP_REQ_HISTORY_BACK, NULL},
    {'/', LP_REQ_SEARCH, "search node names and op types"},
    {'f', LP_REQ_FILTER, NULL},
    {'<', LP_REQ_LEAVE_GRAPH, NULL},
    {'u', LP_REQ_LEAVE_GRAPH, NULL},
    {LP_KEY_ESC, LP_REQ_BACK, "from the detail back to the list; in a subgraph, leave it"},
    {0, LP_REQ_NONE, NULL},
};

static const lp_request nd_hints[] = {LP_REQ_ENTER,       LP_REQ_HISTORY_BACK, LP_REQ_SEARCH,
                                      LP_REQ_FIND_NEXT,   LP_REQ_FILTER,       LP_REQ_LEAVE_GRAPH,
                                      LP_REQ_NEXT_SCREEN, LP_REQ_NONE};

const lp_screen_ops lp_screen_nodes = {
    .name = "Nodes",
    .priv_size = sizeof(nodes_st),
    .open = nd_open,
    .done = nd_done,
    .draw = nd_draw,
    .request = nd_request,
    .mouse = nd_mouse,
    .rows = nd_rows,
    .grep = nd_grep,
    .cursor = nd_cursor,
    .go = nd_go,
    .keys = nd_keys,
    .hints = nd_hints,
};
