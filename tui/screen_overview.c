/*
** screen_overview.c — the Overview screen: what the file is (size, IR
** version, opsets, producer, doc, metadata_props), its inputs and outputs,
** the counts (nodes, parameters, weight bytes, MACs), the package's function,
** labels and metadata problems, and a bar per operator type.
**
** Rows are built once into a list of (label, text, role) and redrawn from it;
** the problems are rebuilt whenever the Overview is entered, since the
** Metadata screen may have changed them.
*/
#include "tui/meta_form.h"
#include "model/describe.h"
#include "tui/screen.h"
#include "tui/widgets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct row {
    char *label; /* NULL for a continuation or section line */
    char *text;
    lp_role role;
    bool section;
} row;

typedef struct op_count {
    const char *op;
    int count;
} op_count;

typedef struct overview {
    row *rows;
    int n_rows;
    op_count *ops;
    int n_ops;
    int top; /* scroll */
    int page;
    int built_w; /* the width the rows were wrapped for */
    int op_w;    /* widest op type */
} overview;

static void add_row(overview *o, const char *label, lp_role role, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add_row(overview *o, const char *label, lp_role role, const char *fmt, ...) {
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    o->rows = lp_xrealloc(o->rows, (size_t)(o->n_rows + 1) * sizeof *o->rows);
    o->rows[o->n_rows++] = (row){label ? lp_xstrdup(label) : NULL, lp_xstrdup(text), role, false};
}

static void add_section(overview *o, const char *title) {
    if (o->n_rows) add_row(o, NULL, LP_ROLE_NORMAL, "%s", "");
    add_row(o, NULL, LP_ROLE_HEADER, "%s", title);
    o->rows[o->n_rows - 1].section = true;
}

/* Long text (a doc string) as several rows of at most width columns. */
static void add_wrapped(overview *o, const char *label, const char *text, int width) {
    bool first = true;
    while (*text) {
        const char *nl = strchr(text, '\n');
        size_t para = nl ? (size_t)(nl - text) : strlen(text);
        char line[4096];
        snprintf(line, sizeof line, "%.*s", (int)(para < sizeof line ? para : sizeof line - 1),
                 text);
        const char *at = line;
        do { /* one paragraph, broken at spaces */
            int n = lp_wrap_next(at, width);
            add_row(o, first ? label : "", LP_ROLE_NORMAL, "%.*s", n, at);
            first = false;
            at += n;
            while (*at == ' ') at++;
        } while (*at);
        text += para;
        if (*text == '\n') text++;
    }
}

static int by_count(const void *x, const void *y) {
    const op_count *a = x, *b = y;
    if (a->count != b->count) return b->count - a->count;
    return strcmp(a->op, b->op);
}

static void count_ops(overview *o, const lp_graph *g) {
    for (int i = 0; i < g->n_nodes; i++) {
        const char *op = g->nodes[i].op_type;
        int k = 0;
        while (k < o->n_ops && strcmp(o->ops[k].op, op)) k++;
        if (k == o->n_ops) {
            o->ops = lp_xrealloc(o->ops, (size_t)(o->n_ops + 1) * sizeof *o->ops);
            o->ops[o->n_ops++] = (op_count){op, 0};
        }
        o->ops[k].count++;
    }
}

static void add_values(overview *o, const lp_graph *g, const int *ids, int n) {
    if (n == 0) add_row(o, "", LP_ROLE_DIM, "%s", "(none)");
    int pad = 0;
    for (int i = 0; i < n; i++) {
        int len = lp_text_width(g->values[ids[i]].name);
        if (len > pad) pad = len;
    }
    if (pad > 20) pad = 20;
    for (int i = 0; i < n; i++) {
        const lp_value *v = &g->values[ids[i]];
        char type[256];
        lp_type_str(&v->type, type, sizeof type);
        add_row(o, "", LP_ROLE_SHAPE, "%-*s  %s", pad, v->name, type);
    }
}

static void free_rows(overview *o) {
    for (int i = 0; i < o->n_rows; i++) {
        free(o->rows[i].label);
        free(o->rows[i].text);
    }
    free(o->rows);
    o->rows = NULL;
    o->n_rows = 0;
}

static void build(lp_app *a, overview *o, int width) {
    free_rows(o);
    o->built_w = width;
    int wrap = width - 14 > 20 ? width - 14 : 20;
    const lp_model *m = a->model;
    const lp_package *p = a->pkg;
    char b1[64], b2[64];

    add_row(o, "File", LP_ROLE_NORMAL, "%s", a->path);
    if (p->is_zip)
        add_row(o, "Package", LP_ROLE_NORMAL, "%s, %s%s", p->model_member,
                p->metadata_text ? "metadata.json" : "no metadata.json",
                p->has_labels ? ", label.txt" : "");
    add_row(o, "Size", LP_ROLE_NORMAL, "%s (%s bytes of ONNX)",
            lp_bytes_str((uint64_t)m->file_size, b1, sizeof b1),
            lp_fmt_grouped((int64_t)m->file_size, b2, sizeof b2));
    add_row(o, "IR version", LP_ROLE_NORMAL, "%lld", (long long)m->ir_version);
    char opsets[512] = "";
    for (int i = 0; i < m->n_opsets; i++) {
        size_t at = strlen(opsets);
        snprintf(opsets + at, sizeof opsets - at, "%s%s %lld", i ? ", " : "",
                 m->opsets[i].domain[0] ? m->opsets[i].domain : "ai.onnx",
                 (long long)m->opsets[i].version);
    }
    add_row(o, "Opsets", LP_ROLE_NORMAL, "%s", opsets[0] ? opsets : "(none)");
    add_row(o, "Producer", LP_ROLE_NORMAL, "%s%s%s",
            m->producer_name[0] ? m->producer_name : "(not given)",
            m->producer_version[0] ? " " : "", m->producer_version);
    if (m->domain[0] || m->model_version)
        add_row(o, "Domain", LP_ROLE_NORMAL, "%s  model version %lld",
                m->domain[0] ? m->domain : "-", (long long)m->model_version);
    const lp_counts *c = &a->counts;
    if (c->n_nodes_all > m->graph->n_nodes)
        add_row(o, "Nodes", LP_ROLE_NORMAL, "%d (%d with subgraphs)", m->graph->n_nodes,
                c->n_nodes_all);
    else
        add_row(o, "Nodes", LP_ROLE_NORMAL, "%d", m->graph->n_nodes);
    if (c->params >= 10000)
        add_row(o, "Parameters", LP_ROLE_NORMAL, "%s (%s)",
                lp_fmt_grouped(c->params, b1, sizeof b1),
                lp_count_str((double)c->params, b2, sizeof b2));
    else
        add_row(o, "Parameters", LP_ROLE_NORMAL, "%lld", (long long)c->params);
    add_row(o, "Weight bytes", LP_ROLE_NORMAL, "%s",
            lp_bytes_str((uint64_t)c->weight_bytes, b1, sizeof b1));
    if (c->macs > 0)
        add_row(o, "MACs", LP_ROLE_NORMAL, "%s (%s)", lp_fmt_grouped(c->macs, b1, sizeof b1),
                lp_count_str((double)c->macs, b2, sizeof b2));
    /* symbolic dims (a batch) leave MACs uncounted */
    else
        add_row(o, "MACs", LP_ROLE_DIM, "%s", "0 (none, or shapes not fixed)");

    add_section(o, "Inputs");
    add_values(o, m->graph, m->graph->inputs, m->graph->n_inputs);
    add_section(o, "Outputs");
    add_values(o, m->graph, m->graph->outputs, m->graph->n_outputs);

    if (p->is_zip || p->metadata) {
        add_section(o, "Package");
        const cJSON *fn =
            p->metadata ? cJSON_GetObjectItemCaseSensitive(p->metadata, "function") : NULL;
        add_row(o, "Function", cJSON_IsString(fn) ? LP_ROLE_NORMAL : LP_ROLE_DIM, "%s",
                cJSON_IsString(fn) ? fn->valuestring : "(not set)");
        if (p->has_labels) {
            char list[512] = "";
            for (int i = 0; i < p->n_labels && strlen(list) < 200; i++) {
                size_t at = strlen(list);
                snprintf(list + at, sizeof list - at, "%s%s", i ? ", " : "", p->labels[i]);
            }
            add_row(o, "Labels", LP_ROLE_NORMAL, "%d: %s", p->n_labels, list);
        } else {
            add_row(o, "Labels", LP_ROLE_DIM, "%s", "no label.txt");
        }
    }
    if (a->form) {
        int n = lp_meta_form_problem_count(a->form);
        if (!p->is_zip && !p->metadata) {
            /* a bare model: nothing to validate until metadata is written */
        } else if (n == 0) {
            add_row(o, "Problems", LP_ROLE_OK, "%s", "none");
        } else {
            for (int i = 0; i < n; i++) {
                const lp_meta_problem *pr = lp_meta_form_problem(a->form, i);
                add_row(o, i ? "" : "Problems", pr->warning ? LP_ROLE_WARN : LP_ROLE_ERROR, "%s%s",
                        pr->warning ? "warning: " : "", pr->text);
            }
        }
    }
    if (m->doc[0] || m->n_props || m->n_functions || m->graph->doc[0]) add_section(o, "About");
    if (m->doc[0]) add_wrapped(o, "Doc", m->doc, wrap);
    if (m->graph->doc[0] && strcmp(m->graph->doc, m->doc))
        add_wrapped(o, "Graph doc", m->graph->doc, wrap);
    for (int i = 0; i < m->n_props; i++)
        add_row(o, i ? "" : "Properties", LP_ROLE_NORMAL, "%s = %s", m->props[i].key,
                m->props[i].value);
    if (m->n_functions) {
        char fn[512] = "";
        for (int i = 0; i < m->n_functions; i++) {
            size_t at = strlen(fn);
            snprintf(fn + at, sizeof fn - at, "%s%s", i ? ", " : "", m->functions[i].name);
        }
        add_row(o, "Functions", LP_ROLE_NORMAL, "%s", fn);
    }
}

static void ov_open(lp_app *a, void *st) {
    overview *o = st;
    count_ops(o, a->model->graph);
    qsort(o->ops, (size_t)o->n_ops, sizeof *o->ops, by_count);
    for (int i = 0; i < o->n_ops; i++)
        if (lp_text_width(o->ops[i].op) > o->op_w) o->op_w = lp_text_width(o->ops[i].op);
    if (o->op_w > 22) o->op_w = 22;
    build(a, o, 80);
}

/* The problems may have changed on the Metadata screen. */
static void ov_enter(lp_app *a, void *st) {
    build(a, st, ((overview *)st)->built_w);
}

static void ov_done(lp_app *a, void *st) {
    overview *o = st;
    (void)a;
    free_rows(o);
    free(o->ops);
}

/* The op-type bars: "Conv          121 ██████". */
static void draw_op_bar(const overview *o, int i, int y, int x, int w) {
    int max = o->ops[0].count;
    char count[16];
    snprintf(count, sizeof count, "%d", o->ops[i].count);
    int name_w = o->op_w + 1;
    lp_put_fit(y, x, name_w, LP_ROLE_OP, o->ops[i].op);
    lp_put_right(y, x + name_w, 6, LP_ROLE_NORMAL, count);
    int bar_w = w - name_w - 8;
    if (bar_w > 0) lp_bar(y, x + name_w + 7, bar_w, (double)o->ops[i].count / max, LP_ROLE_BAR);
}

static void draw_row(const row *r, int y, int x, int w) {
    if (r->section) {
        lp_put_fit(y, x, w, LP_ROLE_HEADER, r->text);
        return;
    }
    int lw = 0;
    if (r->label) {
        lp_put(y, x, 13, LP_ROLE_LABEL, r->label);
        lw = 13;
    }
    lp_put_fit(y, x + lw, w - lw, r->role, r->text);
}

static void ov_draw(lp_app *a, void *st, lp_rect r) {
    overview *o = st;
    /* the op-type bars beside the facts when there is room, else below them */
    int right_w = o->op_w + 8 + (r.w >= 110 ? 30 : 14);
    bool two = r.w >= 78 && o->n_ops > 0;
    int left_w = two ? r.w - right_w - 3 : r.w - 2;
    if (left_w != o->built_w) build(a, o, left_w);
    int total = o->n_rows + (two ? 0 : o->n_ops + 3);
    if (two && o->n_ops + 2 > total) total = o->n_ops + 2;
    o->page = r.h;
    if (o->top > total - r.h) o->top = total - r.h;
    if (o->top < 0) o->top = 0;
    for (int i = 0; i < r.h; i++) {
        int k = o->top + i, y = r.y + i;
        if (k < o->n_rows)
            draw_row(&o->rows[k], y, r.x + 1, left_w);
        else if (!two) {
            int j = k - o->n_rows;
            if (j == 1)
                lp_putf(y, r.x + 1, left_w, LP_ROLE_HEADER, "Operators (%d types)", o->n_ops);
            else if (j >= 2 && j - 2 < o->n_ops)
                draw_op_bar(o, j - 2, y, r.x + 3, left_w - 2);
        }
        if (two) {
            int x = r.x + left_w + 2, w = r.w - left_w - 3;
            if (k == 0)
                lp_putf(y, x, w, LP_ROLE_HEADER, "Operators (%d types)", o->n_ops);
            else if (k - 1 < o->n_ops)
                draw_op_bar(o, k - 1, y, x, w);
        }
    }
    lp_scrollbar(r.y, r.x + r.w - 1, r.h, total, o->top, r.h);
}

static int ov_request(lp_app *a, void *st, lp_request req) {
    overview *o = st;
    (void)a;
    switch (req) {
    case LP_REQ_MOVE_UP:
        o->top--;
        break;
    case LP_REQ_MOVE_DOWN:
        o->top++;
        break;
    case LP_REQ_PAGE_UP:
        o->top -= o->page;
        break;
    case LP_REQ_PAGE_DOWN:
        o->top += o->page;
        break;
    case LP_REQ_FIRST:
        o->top = 0;
        break;
    case LP_REQ_LAST:
        o->top = 1 << 20;
        break;
    default:
        return LP_IGNORED;
    }
    if (o->top < 0) o->top = 0;
    return LP_HANDLED;
}

static const lp_binding ov_keys[] = {
    {'j', LP_REQ_MOVE_DOWN, "scroll down"},
    {KEY_DOWN, LP_REQ_MOVE_DOWN, "scroll down"},
    {'k', LP_REQ_MOVE_UP, "scroll up"},
    {KEY_UP, LP_REQ_MOVE_UP, "scroll up"},
    {0, LP_REQ_NONE, NULL},
};

static const lp_request ov_hints[] = {LP_REQ_NEXT_SCREEN, LP_REQ_SCREEN_2, LP_REQ_SCREEN_3,
                                      LP_REQ_SCREEN_4,    LP_REQ_SCREEN_5, LP_REQ_NONE};

const lp_screen_ops lp_screen_overview = {
    .name = "Overview",
    .priv_size = sizeof(overview),
    .open = ov_open,
    .done = ov_done,
    .enter = ov_enter,
    .draw = ov_draw,
    .request = ov_request,
    .keys = ov_keys,
    .hints = ov_hints,
};
