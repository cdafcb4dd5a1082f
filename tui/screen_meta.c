/*
** screen_meta.c — the Metadata screen: a form over metadata.json with one
** row per OML field, each edited by its type (a picker for function and
** inputChannel, a picker of the graph's real output names for the *Output
** fields, numbers and number lists for the image fields), label.txt as an
** editable list, and the problems of `loupe meta validate` kept up to date
** as you type. `s` shows the diff and saves through the safe write; `u`
** undoes. The form's logic is in meta_form.c; this file is the screen.
*/
#include "tui/meta_form.h"
#include "tui/screen.h"
#include "tui/widgets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Items of the list: the fields, a heading for label.txt, the labels. */
typedef struct meta_st {
    lp_list list;
    int list_h;
    char key[128];  /* the field being edited */
    int label;      /* the label being edited or added, -1 */
    bool adding;    /* the prompt adds a label rather than changing one */
    char **choices; /* the open picker's items */
    int n_choices;
    lp_rect list_r;
    int first_item_y;
} meta_st;

static int n_fields(lp_app *a) {
    return lp_meta_form_rows(a->form);
}
static int label_head(lp_app *a) {
    return n_fields(a);
}
static int n_items(lp_app *a) {
    int n = lp_meta_form_labels(a->form);
    return n_fields(a) + 1 + (n > 0 ? n : 0);
}

/* ---- pickers ---- */

static void free_choices(meta_st *s) {
    for (int i = 0; i < s->n_choices; i++) free(s->choices[i]);
    free(s->choices);
    s->choices = NULL;
    s->n_choices = 0;
}

static void add_choice(meta_st *s, const char *text) {
    s->choices = lp_xrealloc(s->choices, (size_t)(s->n_choices + 1) * sizeof *s->choices);
    s->choices[s->n_choices++] = lp_xstrdup(text);
}

static void report_field(lp_app *a, const char *key) {
    const lp_meta_problem *p = lp_meta_form_field_problem(a->form, key);
    char v[512];
    lp_meta_form_value(a->form, key, v, sizeof v);
    if (p && !p->warning)
        lp_app_error(a, "%s", p->text);
    else if (p)
        lp_app_message(a, "warning: %s", p->text);
    else if (v[0])
        lp_app_message(a, "%s = %s", key, v);
    else
        lp_app_message(a, "%s removed", key);
}

static void choice_picked(lp_app *a, void *ctx, int choice) {
    meta_st *s = ctx;
    if (choice < 0 || choice >= s->n_choices) {
        free_choices(s);
        return;
    }
    lp_error err = {0};
    lp_meta_form_begin(a->form);
    int rc;
    if (choice == s->n_choices - 1)
        rc = lp_meta_form_unset(a->form, s->key, &err);
    else
        rc = lp_meta_form_set_text(a->form, s->key, s->choices[choice], &err);
    lp_meta_form_end(a->form, rc == LP_OK);
    free_choices(s);
    if (rc)
        lp_app_error(a, "%s", err.msg);
    else
        report_field(a, s->key);
}

static void open_picker(lp_app *a, meta_st *s, int row) {
    const char *key = lp_meta_form_key(a->form, row);
    snprintf(s->key, sizeof s->key, "%s", key);
    free_choices(s);
    char current[512];
    lp_meta_form_value(a->form, key, current, sizeof current);
    int sel = 0;
    if (lp_meta_form_kind(a->form, row) == LP_FIELD_OUTPUT) {
        const lp_graph *g = a->model->graph;
        for (int i = 0; i < g->n_outputs; i++) {
            const char *name = g->values[g->outputs[i]].name;
            if (!strcmp(name, current)) sel = s->n_choices;
            add_choice(s, name);
        }
    } else {
        for (const char *const *c = lp_meta_form_choices(a->form, row); c && *c; c++) {
            if (!strcmp(*c, current)) sel = s->n_choices;
            add_choice(s, *c);
        }
    }
    add_choice(s, "(remove the field)");
    char title[200];
    snprintf(title, sizeof title, "%s", key);
    lp_app_pick(a, title, (const char *const *)s->choices, s->n_choices, sel, choice_picked, s);
}

/* ---- prompts: fields and labels, checked as you type ---- */

static void field_changed(lp_app *a, void *ctx, const char *text) {
    meta_st *s = ctx;
    lp_error err = {0};
    if (lp_meta_form_set_text(a->form, s->key, text, &err))
        lp_app_error(a, "%s", err.msg);
    else
        report_field(a, s->key);
}

static void field_done(lp_app *a, void *ctx, bool ok, const char *text) {
    meta_st *s = ctx;
    lp_error err = {0};
    int rc = ok ? lp_meta_form_set_text(a->form, s->key, text, &err) : LP_OK;
    lp_meta_form_end(a->form, ok && rc == LP_OK);
    if (!ok)
        lp_app_message(a, "%s unchanged", s->key);
    else if (rc)
        lp_app_error(a, "%s", err.msg);
    else
        report_field(a, s->key);
}

static void open_prompt(lp_app *a, meta_st *s, int row) {
    const char *key = lp_meta_form_key(a->form, row);
    snprintf(s->key, sizeof s->key, "%s", key);
    char current[1024], label[200];
    lp_meta_form_value(a->form, key, current, sizeof current);
    const char *hint = "";
    switch (lp_meta_form_kind(a->form, row)) {
    case LP_FIELD_INT:
        hint = " (a whole number)";
        break;
    case LP_FIELD_NUMBERS:
        hint = " (numbers, comma-separated)";
        break;
    case LP_FIELD_NAMES:
        hint = " (names, comma-separated)";
        break;
    case LP_FIELD_JSON:
        hint = " (JSON)";
        break;
    default:
        break;
    }
    snprintf(label, sizeof label, "%s%s:", key, hint);
    lp_meta_form_begin(a->form);
    lp_app_prompt(a, label, current, field_changed, field_done, s);
}

static void label_changed(lp_app *a, void *ctx, const char *text) {
    meta_st *s = ctx;
    lp_meta_form_label_set(a->form, s->label, text);
    lp_meta_form_validate(a->form);
}

static void label_done(lp_app *a, void *ctx, bool ok, const char *text) {
    meta_st *s = ctx;
    if (ok) lp_meta_form_label_set(a->form, s->label, text);
    lp_meta_form_end(a->form, ok);
    if (ok)
        lp_app_message(a, "label %d = %s", s->label, text);
    else if (s->adding)
        lp_app_message(a, "no label added");
}

static void edit_label(lp_app *a, meta_st *s, int i, bool adding) {
    s->label = i;
    s->adding = adding;
    lp_meta_form_begin(a->form);
    if (adding) lp_meta_form_label_insert(a->form, i, "");
    char title[64];
    snprintf(title, sizeof title, "label %d:", i);
    lp_app_prompt(a, title, lp_meta_form_label(a->form, i), label_changed, label_done, s);
    s->list.sel = label_head(a) + 1 + i;
}

/* ---- saving ---- */

static void save_answer(lp_app *a, void *ctx, bool yes) {
    (void)ctx;
    if (!yes) {
        lp_app_message(a, "not saved");
        return;
    }
    char said[1024];
    lp_error err = {0};
    /* the package is being changed in place: saving stays on this thread */
    char *target = lp_meta_form_target(a->form);
    lp_app_busy_now(a, "saving %s", target);
    free(target);
    if (lp_meta_form_save(a->form, said, sizeof said, &err))
        lp_app_error(a, "not saved: %s", err.msg);
    else
        lp_app_message(a, "%s", said);
}

static void save(lp_app *a) {
    if (!lp_meta_form_dirty(a->form)) {
        lp_app_message(a, "nothing to save: no changes since the last save");
        return;
    }
    char **lines;
    int n;
    lp_meta_form_diff(a->form, &lines, &n);
    char *target = lp_meta_form_target(a->form);
    char question[512];
    int errors = lp_meta_form_errors(a->form);
    if (errors)
        snprintf(question, sizeof question, "%d problem%s. Write %s anyway? (y/n)", errors,
                 errors == 1 ? " remains" : "s remain", target);
    else
        snprintf(question, sizeof question, "Write %s? (y/n)", target);
    lp_app_confirm(a, "Save these changes", (const char *const *)lines, n, true, question,
                   save_answer, NULL);
    for (int i = 0; i < n; i++) free(lines[i]);
    free(lines);
    free(target);
}

/* ---- drawing ---- */

static void draw_problems(lp_app *a, lp_rect r) {
    int n = lp_meta_form_problem_count(a->form);
    char title[64];
    snprintf(title, sizeof title, "Problems (%d)", n);
    lp_box(r, n ? LP_ROLE_ERROR : LP_ROLE_BORDER, title);
    if (n == 0) {
        lp_put_fit(r.y + 1, r.x + 2, r.w - 4, LP_ROLE_OK, "none: the metadata passes validation");
        return;
    }
    /* each problem wrapped over as many lines as it needs, while they last */
    int y = r.y + 1, w = r.w - 4;
    for (int i = 0; i < n && y < r.y + r.h - 1; i++) {
        const lp_meta_problem *p = lp_meta_form_problem(a->form, i);
        char line[700];
        snprintf(line, sizeof line, "%s %s", p->warning ? "warning:" : lp_g->cross_mark, p->text);
        lp_role role = p->warning ? LP_ROLE_WARN : LP_ROLE_ERROR;
        const char *at = line;
        while (*at && y < r.y + r.h - 1) {
            if (y == r.y + r.h - 2) { /* the last line: what does not fit ends in an ellipsis */
                lp_put_fit(y++, r.x + 2 + (at != line) * 2, w - (at != line) * 2, role, at);
                break;
            }
            int bytes = lp_wrap_next(at, w - (at != line) * 2);
            char part[700];
            snprintf(part, sizeof part, "%.*s", bytes, at);
            lp_put(y++, r.x + 2 + (at != line) * 2, w, role, part);
            at += bytes;
            while (*at == ' ') at++;
        }
    }
}

/* Rows the problems need when wrapped into width w, as draw_problems wraps them. */
static int problem_rows(lp_app *a, int w) {
    int rows = 0;
    for (int i = 0; i < lp_meta_form_problem_count(a->form); i++) {
        const lp_meta_problem *p = lp_meta_form_problem(a->form, i);
        char line[700];
        snprintf(line, sizeof line, "%s %s", p->warning ? "warning:" : lp_g->cross_mark, p->text);
        for (const char *at = line; *at; rows++) {
            at += lp_wrap_next(at, w - (at != line) * 2);
            while (*at == ' ') at++;
        }
    }
    return rows;
}

static void draw_form(lp_app *a, meta_st *s, lp_rect r) {
    const char *base = strrchr(a->pkg->path, '/') ? strrchr(a->pkg->path, '/') + 1 : a->pkg->path;
    char title[300];
    snprintf(title, sizeof title, "%s%s",
             a->pkg->is_zip ? "metadata.json in " : "new metadata for ", base);
    lp_box(r, LP_ROLE_HEADER, title);
    int h = r.h - 3, w = r.w - 3, x = r.x + 1;
    s->list_h = h;
    s->list.n = n_items(a);
    lp_list_fit(&s->list, h);
    int key_w = w >= 60 ? 29 : 22;
    s->first_item_y = r.y + 1;
    for (int i = 0; i < h && s->list.top + i < s->list.n; i++) {
        int k = s->list.top + i, y = r.y + 1 + i;
        bool sel = k == s->list.sel;
        lp_role base_role = sel ? LP_ROLE_SELECTED : LP_ROLE_NORMAL;
        if (sel) lp_fill(y, x, w, base_role);
        if (k < n_fields(a)) {
            const char *key = lp_meta_form_key(a->form, k);
            bool changed = lp_meta_form_changed(a->form, key);
            const lp_meta_problem *p = lp_meta_form_field_problem(a->form, key);
            const char *mark = p ? (p->warning ? "!" : lp_g->cross_mark) : changed ? "*" : " ";
            lp_put(y, x, 2,
                   sel ? base_role
                   : p ? (p->warning ? LP_ROLE_WARN : LP_ROLE_ERROR)
                       : LP_ROLE_CHANGED,
                   mark);
            lp_put_fit(y, x + 2, key_w - 2, sel ? base_role : LP_ROLE_LABEL, key);
            char v[1024];
            bool present = lp_meta_form_value(a->form, key, v, sizeof v);
            lp_put_fit(y, x + key_w, w - key_w,
                       sel       ? base_role
                       : present ? (changed ? LP_ROLE_CHANGED : LP_ROLE_NORMAL)
                                 : LP_ROLE_DIM,
                       present ? v : "-");
        } else if (k == label_head(a)) {
            int nl = lp_meta_form_labels(a->form);
            char head[128];
            if (nl < 0)
                snprintf(head, sizeof head, "label.txt: none (a adds one)");
            else
                snprintf(head, sizeof head, "label.txt: %d label%s", nl, nl == 1 ? "" : "s");
            lp_put_fit(y, x, w, sel ? base_role : LP_ROLE_HEADER, head);
        } else {
            int li = k - label_head(a) - 1;
            lp_putf(y, x + 2, 6, sel ? base_role : LP_ROLE_DIM, "%4d", li);
            lp_put_fit(y, x + 8, w - 8, base_role, lp_meta_form_label(a->form, li));
        }
    }
    lp_scrollbar(r.y + 1, r.x + r.w - 2, h, s->list.n, s->list.top, h);
    /* what the selected row is */
    const char *help = "";
    char buf[300];
    if (s->list.sel >= 0 && s->list.sel < n_fields(a)) {
        lp_field_kind kind = lp_meta_form_kind(a->form, s->list.sel);
        snprintf(buf, sizeof buf, "%s. Enter %s, d removes",
                 lp_meta_form_help(a->form, s->list.sel),
                 kind == LP_FIELD_CHOICE || kind == LP_FIELD_OUTPUT ? "picks" : "edits");
        help = buf;
    } else if (s->list.sel == label_head(a)) {
        help = "a adds a label, d removes label.txt";
    } else if (s->list.sel > label_head(a)) {
        help = "Enter edits, a adds after, d deletes, K/J move up/down";
    }
    lp_put_fit(r.y + r.h - 2, x + 1, w - 1, LP_ROLE_DIM, help);
}

static void mt_draw(lp_app *a, void *st, lp_rect r) {
    meta_st *s = st;
    int np = lp_meta_form_problem_count(a->form);
    if (r.w >= 110) {
        int fw = r.w * 55 / 100;
        s->list_r = (lp_rect){r.y, r.x, r.h, fw};
        draw_form(a, s, s->list_r);
        draw_problems(a, (lp_rect){r.y, r.x + fw, r.h, r.w - fw});
        return;
    }
    int ph = (np ? problem_rows(a, r.w - 4) : 1) + 2;
    if (ph > r.h * 2 / 5) ph = r.h * 2 / 5;
    if (ph < 3) ph = 3;
    s->list_r = (lp_rect){r.y, r.x, r.h - ph, r.w};
    draw_form(a, s, s->list_r);
    draw_problems(a, (lp_rect){r.y + r.h - ph, r.x, ph, r.w});
}

/* ---- requests ---- */

static int mt_request(lp_app *a, void *st, lp_request req) {
    meta_st *s = st;
    s->list.n = n_items(a);
    int sel = s->list.sel, head = label_head(a);
    bool on_field = sel >= 0 && sel<head, on_label = sel> head;
    switch (req) {
    case LP_REQ_ENTER:
        if (on_field) {
            lp_field_kind k = lp_meta_form_kind(a->form, sel);
            if (k == LP_FIELD_CHOICE || k == LP_FIELD_OUTPUT)
                open_picker(a, s, sel);
            else
                open_prompt(a, s, sel);
        } else if (on_label) {
            edit_label(a, s, sel - head - 1, false);
        } else if (sel == head) {
            edit_label(a, s, lp_meta_form_labels(a->form) > 0 ? lp_meta_form_labels(a->form) : 0,
                       true);
        }
        return LP_HANDLED;
    case LP_REQ_ADD:
        if (on_label)
            edit_label(a, s, sel - head, true);
        else
            edit_label(a, s, lp_meta_form_labels(a->form) > 0 ? lp_meta_form_labels(a->form) : 0,
                       true);
        return LP_HANDLED;
    case LP_REQ_DELETE:
        if (on_field) {
            const char *key = lp_meta_form_key(a->form, sel);
            lp_error err = {0};
            lp_meta_form_begin(a->form);
            int rc = lp_meta_form_unset(a->form, key, &err);
            lp_meta_form_end(a->form, rc == LP_OK);
            if (rc)
                lp_app_error(a, "%s", err.msg);
            else
                lp_app_message(a, "%s removed (u undoes)", key);
        } else if (on_label) {
            int li = sel - head - 1;
            lp_meta_form_begin(a->form);
            lp_meta_form_label_delete(a->form, li);
            lp_meta_form_end(a->form, true);
            lp_app_message(a, "label %d deleted (u undoes)", li);
        } else if (sel == head && lp_meta_form_labels(a->form) >= 0) {
            lp_meta_form_begin(a->form);
            lp_meta_form_labels_remove(a->form);
            lp_meta_form_end(a->form, true);
            lp_app_message(a, "label.txt removed from the package (u undoes)");
        }
        return LP_HANDLED;
    case LP_REQ_ITEM_UP:
    case LP_REQ_ITEM_DOWN:
        if (!on_label) return LP_HANDLED;
        {
            int li = sel - head - 1, to = li + (req == LP_REQ_ITEM_UP ? -1 : 1);
            if (to < 0 || to >= lp_meta_form_labels(a->form)) return LP_HANDLED;
            lp_meta_form_begin(a->form);
            lp_meta_form_label_move(a->form, li, to);
            lp_meta_form_end(a->form, true);
            s->list.sel += to - li;
        }
        return LP_HANDLED;
    case LP_REQ_UNDO:
        if (lp_meta_form_undo(a->form))
            lp_app_message(a, "undone");
        else
            lp_app_message(a, "nothing to undo");
        return LP_HANDLED;
    case LP_REQ_SAVE:
        save(a);
        return LP_HANDLED;
    default:
        break;
    }
    if (lp_list_move(&s->list, req, s->list_h)) return LP_HANDLED;
    return LP_IGNORED;
}

static int mt_mouse(lp_app *a, void *st, lp_rect r, const MEVENT *ev) {
    meta_st *s = st;
    (void)r;
    int row, col;
    if (!lp_rect_hit(s->list_r, ev, &row, &col)) return LP_IGNORED;
    s->list.n = n_items(a);
    if (lp_mouse_wheel_up(ev) || lp_mouse_wheel_down(ev))
        lp_list_scroll(&s->list, lp_mouse_wheel_up(ev) ? -3 : 3, s->list_h);
    else if (lp_mouse_click(ev) && row >= 1 && s->list.top + row - 1 < s->list.n)
        s->list.sel = s->list.top + row - 1;
    return LP_HANDLED;
}

/* ---- search over field names and labels ---- */

static int mt_rows(lp_app *a, void *st) {
    (void)st;
    return n_items(a);
}

static bool mt_grep(lp_app *a, void *st, int row, const char *q) {
    (void)st;
    const char *text = row < n_fields(a) ? lp_meta_form_key(a->form, row)
                       : row == label_head(a)
                           ? "label.txt"
                           : lp_meta_form_label(a->form, row - label_head(a) - 1);
    return strcasestr(text, q) != NULL;
}

static int mt_cursor(lp_app *a, void *st) {
    (void)a;
    return ((meta_st *)st)->list.sel;
}

static void mt_go(lp_app *a, void *st, int row) {
    meta_st *s = st;
    s->list.n = n_items(a);
    s->list.sel = row;
}

static bool mt_dirty(lp_app *a, void *st) {
    (void)st;
    return a->form && lp_meta_form_dirty(a->form);
}

static void mt_open(lp_app *a, void *st) {
    meta_st *s = st;
    s->list.n = n_items(a);
    s->list.sel = 0;
    s->label = -1;
}

static void mt_done(lp_app *a, void *st) {
    (void)a;
    free_choices(st);
}

static const lp_binding mt_keys[] = {
    {'\n', LP_REQ_ENTER, "edit the field (a picker or a prompt) or the label"},
    {'\r', LP_REQ_ENTER, "edit the field (a picker or a prompt) or the label"},
    {KEY_ENTER, LP_REQ_ENTER, "edit the field (a picker or a prompt) or the label"},
    {'s', LP_REQ_SAVE, NULL},
    {'u', LP_REQ_UNDO, NULL},
    {'d', LP_REQ_DELETE, NULL},
    {KEY_DC, LP_REQ_DELETE, NULL},
    {'a', LP_REQ_ADD, NULL},
    {'K', LP_REQ_ITEM_UP, NULL},
    {'J', LP_REQ_ITEM_DOWN, NULL},
    {'/', LP_REQ_SEARCH, "search field names and labels"},
    {0, LP_REQ_NONE, NULL},
};

static const lp_request mt_hints[] = {LP_REQ_ENTER,  LP_REQ_SAVE, LP_REQ_UNDO,
                                      LP_REQ_DELETE, LP_REQ_ADD,  LP_REQ_NONE};

const lp_screen_ops lp_screen_meta = {
    .name = "Metadata",
    .priv_size = sizeof(meta_st),
    .open = mt_open,
    .done = mt_done,
    .draw = mt_draw,
    .request = mt_request,
    .mouse = mt_mouse,
    .rows = mt_rows,
    .grep = mt_grep,
    .cursor = mt_cursor,
    .go = mt_go,
    .dirty = mt_dirty,
    .keys = mt_keys,
    .hints = mt_hints,
};
