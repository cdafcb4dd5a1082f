/*
** app.c — the workbench: loading (with progress, before any screen opens),
** the event loop, tabs, the status bar, overlays, search and help.
**
** The loop polls the keyboard and the worker's pipe together and draws once
** per wake-up: tabs on the first line, the current screen, a message line
** and the key-hint bar at the bottom, then the overlays on top. Screens only
** change state; this file alone draws the frame, handles KEY_RESIZE and the
** mouse on the tabs, and gives a request the screen ignored to the generic
** handler below.
*/
#include "tui/app.h"
#include "tui/cli.h"
#include "tui/meta_form.h"
#include "tui/screen.h"
#include "tui/widgets.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define MIN_COLS 40
#define MIN_LINES 10
#define MAX_OVERLAYS 4

static const lp_screen_ops *const screen_table[LP_N_SCREENS] = {
    &lp_screen_overview, &lp_screen_nodes, &lp_screen_tensors, &lp_screen_meta, &lp_screen_graph,
};

typedef enum { OV_HELP, OV_PROMPT, OV_PICK, OV_CONFIRM } ov_kind;

typedef struct ovl {
    ov_kind kind;
    char title[256];
    char **lines; /* help and confirm text; pick items */
    int n_lines;
    bool diff;
    char question[160];
    int *shown; /* pick: indices of the items the filter keeps */
    int n_shown;
    lp_list list;
    lp_edit edit; /* prompt text, pick filter */
    int scroll;
    int page; /* visible rows, from the last draw */
    lp_prompt_fn on_change;
    lp_prompt_done_fn on_prompt;
    lp_pick_fn on_pick;
    lp_confirm_fn on_confirm;
    void *ctx;
} ovl;

struct lp_app_private {
    char msg[512];
    lp_role msg_role;
    ovl ov[MAX_OVERLAYS];
    int n_ov;
    int spin;
    int search_from; /* cursor when the search prompt opened */
    lp_rect body;
    int tab_x[LP_N_SCREENS + 1]; /* tab columns, for clicks */
};

/* ---- messages ---- */

static void set_message(lp_app *a, lp_role role, const char *fmt, va_list ap) {
    vsnprintf(a->in->msg, sizeof a->in->msg, fmt, ap);
    for (char *p = a->in->msg; *p; p++)
        if (*p == '\n' || *p == '\t') *p = ' ';
    a->in->msg_role = role;
}

void lp_app_message(lp_app *a, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    set_message(a, LP_ROLE_MESSAGE, fmt, ap);
    va_end(ap);
}

void lp_app_error(lp_app *a, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    set_message(a, LP_ROLE_ERROR, fmt, ap);
    va_end(ap);
}

const char *lp_app_shape(const lp_type *t, char *buf, size_t n) {
    return lp_shape_str(t, buf, n, !lp_g->utf8);
}

/* ---- screens ---- */

void lp_app_switch(lp_app *a, int screen) {
    if (screen < 0 || screen >= LP_N_SCREENS) return;
    a->cur = screen;
    if (screen_table[screen]->enter) screen_table[screen]->enter(a, a->priv[screen]);
}

void lp_app_select_node(lp_app *a, lp_graph *g, int node) {
    a->graph = g;
    a->node = g && node >= 0 && node < g->n_nodes ? node : -1;
}

void lp_app_run(lp_app *a, lp_job *job) {
    lp_worker_submit(a->worker, job);
}

static void draw(lp_app *a);

void lp_app_busy_now(lp_app *a, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->busy, sizeof a->busy, fmt, ap);
    va_end(ap);
    draw(a);
    a->busy[0] = 0;
}

/* ---- overlays ---- */

static ovl *push_overlay(lp_app *a, ov_kind kind) {
    if (a->in->n_ov == MAX_OVERLAYS) return NULL;
    ovl *o = &a->in->ov[a->in->n_ov++];
    memset(o, 0, sizeof *o);
    o->kind = kind;
    return o;
}

static void free_overlay(ovl *o) {
    for (int i = 0; i < o->n_lines; i++) free(o->lines[i]);
    free(o->lines);
    free(o->shown);
    memset(o, 0, sizeof *o);
}

/* Removes the top overlay, giving the caller a copy whose text it must free. */
static ovl pop_overlay(lp_app *a) {
    ovl o = a->in->ov[--a->in->n_ov];
    memset(&a->in->ov[a->in->n_ov], 0, sizeof(ovl));
    return o;
}

static char **copy_lines(const char *const *lines, int n) {
    char **out = lp_xcalloc((size_t)(n > 0 ? n : 1), sizeof *out);
    for (int i = 0; i < n; i++) out[i] = lp_xstrdup(lines[i] ? lines[i] : "");
    return out;
}

void lp_app_prompt(lp_app *a, const char *label, const char *initial, lp_prompt_fn on_change,
                   lp_prompt_done_fn on_done, void *ctx) {
    ovl *o = push_overlay(a, OV_PROMPT);
    if (!o) return;
    snprintf(o->title, sizeof o->title, "%s", label);
    lp_edit_set(&o->edit, initial);
    o->on_change = on_change;
    o->on_prompt = on_done;
    o->ctx = ctx;
}

static void pick_refilter(ovl *o) {
    o->n_shown = 0;
    for (int i = 0; i < o->n_lines; i++)
        if (!o->edit.len || strcasestr(o->lines[i], o->edit.buf)) o->shown[o->n_shown++] = i;
    o->list.n = o->n_shown;
    if (o->list.sel >= o->n_shown) o->list.sel = o->n_shown - 1;
    if (o->list.sel < 0 && o->n_shown) o->list.sel = 0;
}

void lp_app_pick(lp_app *a, const char *title, const char *const *items, int n, int selected,
                 lp_pick_fn on_done, void *ctx) {
    ovl *o = push_overlay(a, OV_PICK);
    if (!o) return;
    snprintf(o->title, sizeof o->title, "%s", title);
    o->lines = copy_lines(items, n);
    o->n_lines = n;
    o->shown = lp_xcalloc((size_t)(n > 0 ? n : 1), sizeof *o->shown);
    o->on_pick = on_done;
    o->ctx = ctx;
    pick_refilter(o);
    o->list.sel = selected >= 0 && selected < n ? selected : 0;
    o->page = 10;
    lp_list_fit(&o->list, o->page);
}

void lp_app_confirm(lp_app *a, const char *title, const char *const *lines, int n, bool diff,
                    const char *question, lp_confirm_fn on_done, void *ctx) {
    ovl *o = push_overlay(a, OV_CONFIRM);
    if (!o) return;
    snprintf(o->title, sizeof o->title, "%s", title);
    snprintf(o->question, sizeof o->question, "%s", question ? question : "");
    o->lines = copy_lines(lines, n);
    o->n_lines = n;
    o->diff = diff;
    o->on_confirm = on_done;
    o->ctx = ctx;
}

/* The help overlay: this screen's keys, then the ones that work everywhere.
** Keys bound to the same request (and help) share a line. */
static void add_help_rows(const lp_binding *keys, const lp_binding *skip, char ***lines, int *n) {
    for (const lp_binding *b = keys; b && b->req != LP_REQ_NONE; b++) {
        bool seen = false;
        for (const lp_binding *p = keys; p < b && !seen; p++)
            seen = p->req == b->req && p->help == b->help;
        for (const lp_binding *s = skip; s && s->req != LP_REQ_NONE && !seen; s++)
            seen = s->key == b->key; /* shadowed by the screen's own binding */
        if (seen) continue;
        char names[64] = "", one[16];
        for (const lp_binding *q = b; q->req != LP_REQ_NONE; q++) {
            if (q->req != b->req || q->help != b->help) continue;
            bool shadowed = false;
            for (const lp_binding *s = skip; s && s->req != LP_REQ_NONE; s++)
                if (s->key == q->key) shadowed = true;
            if (shadowed) continue;
            lp_key_name(q->key, one, sizeof one);
            if (strlen(names) + strlen(one) + 2 >= sizeof names) break;
            /* Enter, \r and KEY_ENTER share a name: list it once */
            bool listed = false;
            for (char *at = names; (at = strstr(at, one)); at += strlen(one))
                if ((at == names || at[-1] == ' ') && (at[strlen(one)] == ' ' || !at[strlen(one)]))
                    listed = true;
            if (listed) continue;
            if (names[0]) strcat(names, " ");
            strcat(names, one);
        }
        /* pad by columns, not bytes: arrows are several bytes wide */
        char row[256];
        int pad = 14 - lp_text_width(names);
        snprintf(row, sizeof row, "  %s%*s %s", names, pad > 0 ? pad : 0, "",
                 b->help ? b->help : lp_request_help(b->req));
        *lines = lp_xrealloc(*lines, (size_t)(*n + 1) * sizeof **lines);
        (*lines)[(*n)++] = lp_xstrdup(row);
    }
}

static void open_help(lp_app *a) {
    const lp_screen_ops *ops = screen_table[a->cur];
    ovl *o = push_overlay(a, OV_HELP);
    if (!o) return;
    snprintf(o->title, sizeof o->title, "Keys: %s", ops->name);
    char **lines = NULL;
    int n = 0;
    lines = lp_xrealloc(lines, sizeof *lines);
    lines[n++] = lp_xstrdup("On this screen");
    add_help_rows(ops->keys, NULL, &lines, &n);
    lines = lp_xrealloc(lines, (size_t)(n + 2) * sizeof *lines);
    lines[n++] = lp_xstrdup("");
    lines[n++] = lp_xstrdup("Everywhere");
    add_help_rows(lp_generic_keys, ops->keys, &lines, &n);
    lines = lp_xrealloc(lines, (size_t)(n + 2) * sizeof *lines);
    lines[n++] = lp_xstrdup("");
    lines[n++] = lp_xstrdup("  ^Z             suspend (fg comes back)");
    lines = lp_xrealloc(lines, (size_t)(n + 1) * sizeof *lines);
    lines[n++] =
        lp_xstrdup("  mouse          click selects, wheel scrolls, click a tab to open it");
    o->lines = lines;
    o->n_lines = n;
}

/* ---- search, written once for every screen ---- */

static bool can_search(const lp_screen_ops *ops) {
    return ops->rows && ops->grep && ops->go;
}

/* Finds the next (dir 1) or previous (dir -1) match from row `from`
** (inclusive when incl); reports "match i of n". */
static bool find_match(lp_app *a, int from, int dir, bool incl, bool report) {
    const lp_screen_ops *ops = screen_table[a->cur];
    void *st = a->priv[a->cur];
    int n = ops->rows(a, st);
    if (!a->query[0] || n <= 0) return false;
    int found = -1;
    for (int k = incl ? 0 : 1; k <= n; k++) {
        int row = ((from + dir * k) % n + n) % n;
        if (ops->grep(a, st, row, a->query)) {
            found = row;
            break;
        }
    }
    if (found < 0) {
        if (report) lp_app_error(a, "no match for '%s'", a->query);
        return false;
    }
    ops->go(a, st, found);
    if (report) {
        int total = 0, index = 0;
        for (int r = 0; r < n; r++)
            if (ops->grep(a, st, r, a->query)) {
                total++;
                if (r == found) index = total;
            }
        lp_app_message(a, "match %d of %d for '%s'", index, total, a->query);
    }
    return true;
}

static void search_changed(lp_app *a, void *ctx, const char *text) {
    (void)ctx;
    snprintf(a->query, sizeof a->query, "%s", text);
    if (text[0]) find_match(a, a->in->search_from, 1, true, false);
}

static void search_done(lp_app *a, void *ctx, bool ok, const char *text) {
    (void)ctx;
    const lp_screen_ops *ops = screen_table[a->cur];
    if (!ok) {
        ops->go(a, a->priv[a->cur], a->in->search_from);
        return;
    }
    snprintf(a->query, sizeof a->query, "%s", text);
    if (a->query[0]) find_match(a, a->in->search_from, 1, true, true);
}

/* ---- quitting ---- */

static void quit_answer(lp_app *a, void *ctx, bool yes) {
    (void)ctx;
    if (yes) a->quit = true;
}

static void request_quit(lp_app *a) {
    for (int i = 0; i < LP_N_SCREENS; i++) {
        const lp_screen_ops *ops = screen_table[i];
        if (ops->dirty && ops->dirty(a, a->priv[i])) {
            const char *lines[] = {"The metadata has changes that are not saved.",
                                   "Press s on the Metadata screen to save them."};
            lp_app_confirm(a, "Unsaved changes", lines, 2, false, "Quit without saving? (y/n)",
                           quit_answer, NULL);
            return;
        }
    }
    a->quit = true;
}

/* ---- keys ---- */

static void overlay_key(lp_app *a, int key) {
    ovl *o = &a->in->ov[a->in->n_ov - 1];
    lp_request req = lp_key_request(NULL, key, NULL);
    switch (o->kind) {
    case OV_HELP:
        if (key == LP_KEY_ESC || key == 'q' || key == '?' || req == LP_REQ_ENTER) {
            ovl c = pop_overlay(a);
            free_overlay(&c);
        } else if (req == LP_REQ_MOVE_DOWN)
            o->scroll++;
        else if (req == LP_REQ_MOVE_UP)
            o->scroll--;
        else if (req == LP_REQ_PAGE_DOWN)
            o->scroll += o->page;
        else if (req == LP_REQ_PAGE_UP)
            o->scroll -= o->page;
        else if (req == LP_REQ_FIRST)
            o->scroll = 0;
        else if (req == LP_REQ_LAST)
            o->scroll = o->n_lines;
        else if (req == LP_REQ_QUIT)
            request_quit(a);
        break;
    case OV_CONFIRM:
        if (key == 'y' || key == 'Y' || req == LP_REQ_ENTER || key == 'n' || key == 'N' ||
            key == LP_KEY_ESC || key == 'q') {
            bool yes = key == 'y' || key == 'Y' || req == LP_REQ_ENTER;
            ovl c = pop_overlay(a);
            if (c.on_confirm) c.on_confirm(a, c.ctx, yes);
            free_overlay(&c);
        } else if (req == LP_REQ_MOVE_DOWN)
            o->scroll++;
        else if (req == LP_REQ_MOVE_UP)
            o->scroll--;
        else if (req == LP_REQ_PAGE_DOWN)
            o->scroll += o->page;
        else if (req == LP_REQ_PAGE_UP)
            o->scroll -= o->page;
        else if (key == LP_KEY_CTRL('c'))
            a->quit = true;
        break;
    case OV_PROMPT:
        if (key == LP_KEY_ESC || key == LP_KEY_CTRL('c') || key == LP_KEY_CTRL('g') ||
            req == LP_REQ_ENTER) {
            ovl c = pop_overlay(a);
            if (c.on_prompt) c.on_prompt(a, c.ctx, req == LP_REQ_ENTER, c.edit.buf);
            free_overlay(&c);
        } else if (lp_edit_key(&o->edit, key) == 1 && o->on_change) {
            o->on_change(a, o->ctx, o->edit.buf);
        }
        break;
    case OV_PICK:
        if (key == LP_KEY_ESC || key == LP_KEY_CTRL('c') || req == LP_REQ_ENTER) {
            int choice = -1;
            if (req == LP_REQ_ENTER && o->list.sel >= 0 && o->list.sel < o->n_shown)
                choice = o->shown[o->list.sel];
            if (req == LP_REQ_ENTER && choice < 0) break; /* nothing matches the filter */
            ovl c = pop_overlay(a);
            if (c.on_pick) c.on_pick(a, c.ctx, choice);
            free_overlay(&c);
        } else if (key == KEY_UP || key == LP_KEY_CTRL('p'))
            lp_list_move(&o->list, LP_REQ_MOVE_UP, o->page);
        else if (key == KEY_DOWN || key == LP_KEY_CTRL('n'))
            lp_list_move(&o->list, LP_REQ_MOVE_DOWN, o->page);
        else if (key == KEY_PPAGE)
            lp_list_move(&o->list, LP_REQ_PAGE_UP, o->page);
        else if (key == KEY_NPAGE)
            lp_list_move(&o->list, LP_REQ_PAGE_DOWN, o->page);
        else if (key == KEY_HOME)
            lp_list_move(&o->list, LP_REQ_FIRST, o->page);
        else if (key == KEY_END)
            lp_list_move(&o->list, LP_REQ_LAST, o->page);
        else if (lp_edit_key(&o->edit, key) == 1) {
            o->list.sel = 0;
            pick_refilter(o);
        }
        break;
    }
}

static void generic_request(lp_app *a, lp_request req) {
    const lp_screen_ops *ops = screen_table[a->cur];
    void *st = a->priv[a->cur];
    switch (req) {
    case LP_REQ_QUIT:
        request_quit(a);
        break;
    case LP_REQ_HELP:
        open_help(a);
        break;
    case LP_REQ_NEXT_SCREEN:
        lp_app_switch(a, (a->cur + 1) % LP_N_SCREENS);
        break;
    case LP_REQ_PREV_SCREEN:
        lp_app_switch(a, (a->cur + LP_N_SCREENS - 1) % LP_N_SCREENS);
        break;
    case LP_REQ_SCREEN_1:
    case LP_REQ_SCREEN_2:
    case LP_REQ_SCREEN_3:
    case LP_REQ_SCREEN_4:
    case LP_REQ_SCREEN_5:
        lp_app_switch(a, (int)(req - LP_REQ_SCREEN_1));
        break;
    case LP_REQ_REDRAW:
        clearok(curscr, TRUE);
        break;
    case LP_REQ_SEARCH:
        if (!can_search(ops)) {
            lp_app_error(a, "the %s screen has nothing to search", ops->name);
            break;
        }
        a->in->search_from = ops->cursor ? ops->cursor(a, st) : 0;
        if (a->in->search_from < 0) a->in->search_from = 0;
        lp_app_prompt(a, "/", "", search_changed, search_done, NULL);
        break;
    case LP_REQ_FIND_NEXT:
    case LP_REQ_FIND_PREV:
        if (!can_search(ops)) break;
        if (!a->query[0]) {
            lp_app_error(a, "no search yet: press / to search");
            break;
        }
        find_match(a, ops->cursor ? ops->cursor(a, st) : 0, req == LP_REQ_FIND_NEXT ? 1 : -1, false,
                   true);
        break;
    case LP_REQ_BACK:
        break; /* nothing to go back from */
    default:
        break;
    }
}

static void handle_mouse(lp_app *a) {
    MEVENT ev;
    if (getmouse(&ev) != OK) return;
    if (a->in->n_ov) {
        ovl *o = &a->in->ov[a->in->n_ov - 1];
        if (lp_mouse_wheel_up(&ev))
            overlay_key(a, o->kind == OV_PICK ? KEY_UP : 'k');
        else if (lp_mouse_wheel_down(&ev))
            overlay_key(a, o->kind == OV_PICK ? KEY_DOWN : 'j');
        return;
    }
    if (ev.y == 0 && lp_mouse_click(&ev)) {
        for (int i = 0; i < LP_N_SCREENS; i++)
            if (ev.x >= a->in->tab_x[i] && ev.x < a->in->tab_x[i + 1]) lp_app_switch(a, i);
        return;
    }
    const lp_screen_ops *ops = screen_table[a->cur];
    if (ops->mouse && ops->mouse(a, a->priv[a->cur], a->in->body, &ev)) return;
    lp_request req = LP_REQ_NONE;
    if (lp_mouse_wheel_up(&ev))
        req = LP_REQ_MOVE_UP;
    else if (lp_mouse_wheel_down(&ev))
        req = LP_REQ_MOVE_DOWN;
    for (int i = 0; req && i < 3; i++) ops->request(a, a->priv[a->cur], req);
}

static void handle_key(lp_app *a, int key) {
    if (key == KEY_RESIZE) return; /* the next draw reflows */
    if (key == LP_KEY_CTRL('z')) { /* raw mode delivers ^Z as a key: suspend as the shell would */
        def_prog_mode();
        endwin();
        raise(SIGTSTP);
        reset_prog_mode();
        clearok(curscr, TRUE);
        return;
    }
    if (key == KEY_MOUSE) {
        handle_mouse(a);
        return;
    }
    if (a->in->n_ov) {
        overlay_key(a, key);
        return;
    }
    const lp_screen_ops *ops = screen_table[a->cur];
    lp_request req = lp_key_request(ops->keys, key, NULL);
    if (req == LP_REQ_NONE) {
        char name[16];
        lp_app_error(a, "%s: no such key here (? lists the keys)",
                     lp_key_name(key, name, sizeof name));
        return;
    }
    if (ops->request && ops->request(a, a->priv[a->cur], req) == LP_HANDLED) return;
    generic_request(a, req);
}

/* ---- drawing the frame ---- */

static void draw_tabs(lp_app *a) {
    lp_fill(0, 0, COLS, LP_ROLE_TITLE);
    int x = 0;
    for (int i = 0; i < LP_N_SCREENS; i++) {
        char t[40];
        snprintf(t, sizeof t, " %d %s ", i + 1, screen_table[i]->name);
        a->in->tab_x[i] = x;
        x += lp_put(0, x, COLS - x, i == a->cur ? LP_ROLE_TAB_ACTIVE : LP_ROLE_TAB, t);
        if (x < COLS) x += lp_put(0, x, 1, LP_ROLE_TITLE, " ");
    }
    a->in->tab_x[LP_N_SCREENS] = x;
    const char *base = strrchr(a->path, '/') ? strrchr(a->path, '/') + 1 : a->path;
    char right[300];
    bool dirty = false;
    for (int i = 0; i < LP_N_SCREENS; i++)
        if (screen_table[i]->dirty && screen_table[i]->dirty(a, a->priv[i])) dirty = true;
    snprintf(right, sizeof right, "%s%s ", base, dirty ? " [+]" : "");
    int room = COLS - x - 1;
    if (room > 4) lp_put_right(0, x, room, LP_ROLE_TITLE, right);
}

static void draw_hints(lp_app *a, int y) {
    const lp_screen_ops *ops = screen_table[a->cur];
    lp_fill(y, 0, COLS, LP_ROLE_STATUS);
    int x = 0;
    static const lp_request tail[] = {LP_REQ_HELP, LP_REQ_QUIT, LP_REQ_NONE};
    for (int pass = 0; pass < 2; pass++) {
        const lp_request *hints = pass ? tail : ops->hints;
        for (; hints && *hints != LP_REQ_NONE; hints++) {
            int key = 0;
            for (const lp_binding *b = ops->keys; b && b->req != LP_REQ_NONE && !key; b++)
                if (b->req == *hints) key = b->key;
            for (const lp_binding *b = lp_generic_keys; b->req != LP_REQ_NONE && !key; b++)
                if (b->req == *hints) key = b->key;
            char name[16];
            lp_key_name(key, name, sizeof name);
            const char *label = lp_request_label(*hints);
            int need = lp_text_width(name) + (int)strlen(label) + 3;
            if (x + need > COLS) return;
            x += lp_put(y, x, COLS - x, LP_ROLE_STATUS_KEY, name);
            x += lp_put(y, x, COLS - x, LP_ROLE_STATUS, " ");
            x += lp_put(y, x, COLS - x, LP_ROLE_STATUS, label);
            x += lp_put(y, x, COLS - x, LP_ROLE_STATUS, "  ");
        }
    }
}

static const char *spinner(lp_app *a) {
    static const char *utf[] = {"\u280b", "\u2819", "\u2839", "\u2838", "\u283c",
                                "\u2834", "\u2826", "\u2827", "\u2807", "\u280f"};
    static const char *asc[] = {"|", "/", "-", "\\"};
    a->in->spin++;
    return lp_g->utf8 ? utf[a->in->spin % 10] : asc[a->in->spin % 4];
}

static void draw_message(lp_app *a, int y) {
    lp_fill(y, 0, COLS, LP_ROLE_NORMAL);
    int x = 0;
    if (a->busy[0]) {
        x += lp_put(y, 0, COLS, LP_ROLE_WARN, spinner(a));
        x += lp_put(y, x, COLS - x, LP_ROLE_WARN, " ");
        x += lp_put_fit(y, x, COLS - x, LP_ROLE_WARN, a->busy);
        if (a->in->msg[0] && x + 3 < COLS) x += lp_put(y, x, COLS - x, LP_ROLE_DIM, "  ");
    }
    lp_put_fit(y, x, COLS - x, a->in->msg_role, a->in->msg);
}

static lp_rect centred(int h, int w) {
    if (w > COLS - 2) w = COLS - 2;
    if (h > LINES - 4) h = LINES - 4;
    lp_rect r = {(LINES - h) / 2, (COLS - w) / 2, h, w};
    if (r.y < 1) r.y = 1;
    return r;
}

/* Draws the top overlay (and those below it, boxes only). Returns the
** cursor position to show, or -1. */
static int draw_overlay(lp_app *a, ovl *o, int *cur_y) {
    int msg_y = LINES - 2;
    switch (o->kind) {
    case OV_PROMPT: {
        lp_fill(msg_y, 0, COLS, LP_ROLE_PROMPT);
        int x = lp_put(msg_y, 0, COLS / 2, LP_ROLE_PROMPT, o->title);
        if (o->title[0] != '/') x += lp_put(msg_y, x, 1, LP_ROLE_PROMPT, " ");
        *cur_y = msg_y;
        return lp_edit_draw(&o->edit, msg_y, x, COLS - x, LP_ROLE_PROMPT);
    }
    case OV_HELP:
    case OV_CONFIRM: {
        int w = 20;
        for (int i = 0; i < o->n_lines; i++) {
            int tw = lp_text_width(o->lines[i]) + 4;
            if (tw > w) w = tw;
        }
        if (lp_text_width(o->question) + 4 > w) w = lp_text_width(o->question) + 4;
        if (lp_text_width(o->title) + 8 > w) w = lp_text_width(o->title) + 8;
        int extra = o->kind == OV_CONFIRM ? 2 : 1;
        lp_rect r = centred(o->n_lines + 2 + extra, w);
        lp_fill_rect(r, LP_ROLE_NORMAL);
        lp_box(r, LP_ROLE_BORDER, o->title);
        int rows = r.h - 2 - extra;
        o->page = rows;
        if (o->scroll > o->n_lines - rows) o->scroll = o->n_lines - rows;
        if (o->scroll < 0) o->scroll = 0;
        for (int i = 0; i < rows && o->scroll + i < o->n_lines; i++) {
            const char *line = o->lines[o->scroll + i];
            lp_role role = LP_ROLE_NORMAL;
            if (o->diff && line[0] == '+')
                role = LP_ROLE_DIFF_ADD;
            else if (o->diff && line[0] == '-')
                role = LP_ROLE_DIFF_DEL;
            else if (o->kind == OV_HELP && line[0] && line[0] != ' ')
                role = LP_ROLE_HEADER;
            lp_put_fit(r.y + 1 + i, r.x + 2, r.w - 4, role, line);
        }
        lp_scrollbar(r.y + 1, r.x + r.w - 1, rows, o->n_lines, o->scroll, rows);
        if (o->kind == OV_CONFIRM)
            lp_put_fit(r.y + r.h - 2, r.x + 2, r.w - 4, LP_ROLE_HEADER, o->question);
        else
            lp_put_fit(r.y + r.h - 2, r.x + 2, r.w - 4, LP_ROLE_DIM, "Esc or ? closes, j/k scroll");
        return -1;
    }
    case OV_PICK: {
        int w = 24;
        for (int i = 0; i < o->n_lines; i++) {
            int tw = lp_text_width(o->lines[i]) + 6;
            if (tw > w) w = tw;
        }
        if (lp_text_width(o->title) + 8 > w) w = lp_text_width(o->title) + 8;
        int rows = o->n_lines < 3 ? 3 : o->n_lines;
        lp_rect r = centred(rows + 4, w);
        lp_fill_rect(r, LP_ROLE_NORMAL);
        lp_box(r, LP_ROLE_BORDER, o->title);
        int x = lp_put(r.y + 1, r.x + 2, r.w - 4, LP_ROLE_DIM, "filter: ");
        int cx = lp_edit_draw(&o->edit, r.y + 1, r.x + 2 + x, r.w - 4 - x, LP_ROLE_PROMPT);
        lp_hline(r.y + 2, r.x + 1, r.w - 2, LP_ROLE_BORDER);
        rows = r.h - 4;
        o->page = rows;
        lp_list_fit(&o->list, rows);
        for (int i = 0; i < rows && o->list.top + i < o->n_shown; i++) {
            int item = o->shown[o->list.top + i];
            bool sel = o->list.top + i == o->list.sel;
            lp_role role = sel ? LP_ROLE_SELECTED : LP_ROLE_NORMAL;
            lp_fill(r.y + 3 + i, r.x + 1, r.w - 2, role);
            lp_put_fit(r.y + 3 + i, r.x + 2, r.w - 4, role, o->lines[item]);
        }
        if (o->n_shown == 0) lp_put(r.y + 3, r.x + 2, r.w - 4, LP_ROLE_DIM, "(nothing matches)");
        lp_scrollbar(r.y + 3, r.x + r.w - 1, rows, o->n_shown, o->list.top, rows);
        *cur_y = r.y + 1;
        return cx;
    }
    }
    return -1;
}

static void draw(lp_app *a) {
    erase();
    if (COLS < MIN_COLS || LINES < MIN_LINES) {
        lp_putf(0, 0, COLS, LP_ROLE_ERROR, "terminal too small (%dx%d)", COLS, LINES);
        lp_putf(1, 0, COLS, LP_ROLE_NORMAL, "needs %dx%d: resize it,", MIN_COLS, MIN_LINES);
        lp_put(2, 0, COLS, LP_ROLE_NORMAL, "or press q to quit");
        curs_set(0);
        refresh();
        return;
    }
    draw_tabs(a);
    a->in->body = (lp_rect){1, 0, LINES - 3, COLS};
    const lp_screen_ops *ops = screen_table[a->cur];
    ops->draw(a, a->priv[a->cur], a->in->body);
    draw_message(a, LINES - 2);
    draw_hints(a, LINES - 1);
    int cx = -1, cy = 0;
    for (int i = 0; i < a->in->n_ov; i++) {
        int y = 0, x = draw_overlay(a, &a->in->ov[i], &y);
        if (i == a->in->n_ov - 1) cx = x, cy = y;
    }
    if (cx >= 0) {
        curs_set(1);
        move(cy, cx);
    } else {
        curs_set(0);
    }
    refresh();
}

/* ---- loading, before any screen opens ---- */

typedef struct load_job {
    lp_job job;
    bool finished;
    const char *path;
    lp_package *pkg;
    lp_counts counts;
} load_job;

static void load_run(lp_job *j) {
    load_job *lj = (load_job *)j;
    lp_job_progress(j, "reading, parsing and inferring shapes");
    j->rc = lp_package_open(lj->path, &lj->pkg, &j->err);
    if (j->rc) return;
    lp_job_progress(j, "counting the parameters and MACs of %d nodes",
                    lj->pkg->model->graph->n_nodes);
    lp_model_count(lj->pkg->model, &lj->counts);
}

static void load_done(void *owner, lp_job *j) {
    (void)owner;
    ((load_job *)j)->finished = true;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits for the load, showing a progress line on stderr (when it is a
** terminal) once the load takes more than a moment. */
static int load_model(lp_worker *w, const char *path, load_job *lj) {
    lj->job.title = "opening";
    lj->job.run = load_run;
    lj->job.done = load_done;
    lj->path = path;
    lp_worker_submit(w, &lj->job);
    bool tty = isatty(2);
    bool shown = false;
    double t0 = now_s();
    char stage[256] = "opening";
    static const char spin[] = "|/-\\";
    int k = 0;
    while (!lj->finished) {
        struct pollfd p = {.fd = lp_worker_fd(w), .events = POLLIN};
        poll(&p, 1, 100);
        char progress[256] = "";
        lp_worker_pump(w, NULL, progress, sizeof progress);
        if (progress[0]) snprintf(stage, sizeof stage, "%s", progress);
        double dt = now_s() - t0;
        if (tty && !lj->finished && dt > 0.15) {
            fprintf(stderr, "\r\033[Kloupe: %c opening %s: %s (%.1f s)", spin[k++ % 4], path, stage,
                    dt);
            fflush(stderr);
            shown = true;
        }
    }
    if (shown) fprintf(stderr, "\r\033[K");
    return lj->job.rc;
}

/* ---- the entry point ---- */

static void usage(void) {
    fprintf(stderr, "usage: loupe MODEL.onnx|PACKAGE.zip [-C|--no-color] [-M|--no-mouse] "
                    "[--ascii]\n");
}

bool lp_app_option(const char *arg) {
    return !strcmp(arg, "-C") || !strcmp(arg, "--no-color") || !strcmp(arg, "-M") ||
           !strcmp(arg, "--no-mouse") || !strcmp(arg, "--ascii");
}

static void curses_start(lp_app *a, bool color, bool ascii) {
    initscr();
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    lp_theme_glyphs_init(!ascii && lp_locale_is_utf8());
    lp_theme_init(color);
    if (a->mouse) {
        mousemask(ALL_MOUSE_EVENTS, NULL);
        mouseinterval(0);
    }
    nodelay(stdscr, TRUE);
}

static void run_loop(lp_app *a) {
    while (!a->quit) {
        draw(a);
        struct pollfd fds[2] = {{.fd = 0, .events = POLLIN},
                                {.fd = lp_worker_fd(a->worker), .events = POLLIN}};
        int timeout = lp_worker_busy(a->worker) ? 120 : -1;
        int n = poll(fds, 2, timeout);
        if (n < 0 && errno != EINTR) break;
        if (fds[1].revents & POLLIN) lp_worker_pump(a->worker, a, a->busy, sizeof a->busy);
        /* read every key waiting (and a resize, which arrives as a key); the
        ** frame is redrawn between keys so sizes a key depends on are current */
        int key, n_keys = 0;
        while (!a->quit && (key = getch()) != ERR) {
            if (n_keys++) draw(a);
            handle_key(a, key);
        }
        if (fds[0].revents & (POLLHUP | POLLERR)) break; /* the terminal went away */
    }
}

int lp_app_main(int argc, char **argv) {
    const char *path = NULL;
    bool color = !lp_theme_no_color_env(), mouse = true, ascii = false;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-C") || !strcmp(argv[i], "--no-color"))
            color = false;
        else if (!strcmp(argv[i], "-M") || !strcmp(argv[i], "--no-mouse"))
            mouse = false;
        else if (!strcmp(argv[i], "--ascii"))
            ascii = true;
        else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "loupe: unknown option '%s' (see 'loupe --help')\n", argv[i]);
            return LP_EINPUT;
        } else if (path) {
            usage();
            return LP_EINPUT;
        } else
            path = argv[i];
    }
    if (!path) {
        usage();
        return LP_EINPUT;
    }
    const char *term = getenv("TERM");
    if (!isatty(0) || !isatty(1) || !term || !strcmp(term, "dumb")) {
        /* no full-screen terminal: print what `loupe info` prints instead */
        char *args[] = {"info", (char *)path, NULL};
        return cmd_info(2, args);
    }

    lp_error err = {0};
    lp_worker *w = lp_worker_new(&err);
    if (!w) return lp_cli_error(&err);
    load_job lj = {0};
    if (load_model(w, path, &lj)) {
        lp_worker_free(w, NULL);
        return lp_cli_error(&lj.job.err);
    }

    struct lp_app_private in = {0};
    lp_app app = {0};
    lp_app *a = &app;
    a->in = &in;
    a->pkg = lj.pkg;
    a->model = lj.pkg->model;
    a->counts = lj.counts;
    a->path = path;
    a->mouse = mouse;
    a->worker = w;
    a->graph = a->model->graph;
    a->node = a->graph->n_nodes ? 0 : -1;

    a->form = lp_meta_form_new(a->pkg);
    curses_start(a, color, ascii);
    for (int i = 0; i < LP_N_SCREENS; i++) {
        a->priv[i] = lp_xcalloc(1, screen_table[i]->priv_size ? screen_table[i]->priv_size : 1);
        if (screen_table[i]->open) screen_table[i]->open(a, a->priv[i]);
    }
    lp_app_message(a, "opened %s: %d nodes. Tab or 1-5 switch screens, ? lists keys, q quits.",
                   strrchr(path, '/') ? strrchr(path, '/') + 1 : path, a->model->graph->n_nodes);
    lp_app_switch(a, LP_SCREEN_OVERVIEW);
    run_loop(a);

    /* the worker first: a job's done() may still need the screens */
    lp_worker_free(w, a);
    for (int i = 0; i < in.n_ov; i++) free_overlay(&in.ov[i]);
    for (int i = 0; i < LP_N_SCREENS; i++) {
        if (screen_table[i]->done) screen_table[i]->done(a, a->priv[i]);
        free(a->priv[i]);
    }
    endwin();
    lp_meta_form_free(a->form);
    lp_package_free(a->pkg);
    return 0;
}
