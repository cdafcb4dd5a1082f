/*
** screen.h — what a screen of the workbench is, and what it may ask of the
** app.
**
** A screen is a const table of ops (one file per screen, the table at its
** end). Handlers change state and return LP_HANDLED or LP_IGNORED; they never
** draw. app.c owns the loop: it draws the tabs, the current screen, the
** overlays and the status bar once per event, handles resizes, and gives a
** request the screen ignored to the generic handler.
*/
#ifndef LP_SCREEN_H
#define LP_SCREEN_H

#include "model/count.h"
#include "model/load.h"
#include "tui/request.h"
#include "tui/theme.h"
#include "tui/worker.h"

#include <curses.h>
#include <stdbool.h>

typedef struct lp_rect {
    int y, x, h, w;
} lp_rect;

enum { LP_IGNORED = 0, LP_HANDLED = 1 };

enum {
    LP_SCREEN_OVERVIEW,
    LP_SCREEN_NODES,
    LP_SCREEN_TENSORS,
    LP_SCREEN_META,
    LP_SCREEN_GRAPH,
    LP_N_SCREENS
};

typedef struct lp_app lp_app;

typedef struct lp_screen_ops {
    const char *name;                   /* the tab's title */
    size_t priv_size;                   /* zeroed state the app allocates for the screen */
    void (*open)(lp_app *a, void *st);  /* once, after the model has loaded */
    void (*done)(lp_app *a, void *st);  /* once, at exit: free what open made */
    void (*enter)(lp_app *a, void *st); /* the screen becomes the current one */
    void (*draw)(lp_app *a, void *st, lp_rect r);
    int (*request)(lp_app *a, void *st, lp_request req);
    int (*mouse)(lp_app *a, void *st, lp_rect r, const MEVENT *ev);
    /* Search: the app keeps the query and walks rows; a screen answers how
    ** many rows it has, whether one matches, where it stands, and moves. */
    int (*rows)(lp_app *a, void *st);
    bool (*grep)(lp_app *a, void *st, int row, const char *query);
    int (*cursor)(lp_app *a, void *st);
    void (*go)(lp_app *a, void *st, int row);
    bool (*dirty)(lp_app *a, void *st); /* unsaved changes: quitting asks first */
    const lp_binding *keys;             /* this screen's keymap, ending with {0} */
    const lp_request *hints;            /* the hint bar, ending with LP_REQ_NONE */
} lp_screen_ops;

extern const lp_screen_ops lp_screen_overview, lp_screen_nodes, lp_screen_tensors, lp_screen_meta,
    lp_screen_graph;

/* Callbacks of the overlays; ctx is what the screen passed. */
typedef void (*lp_prompt_fn)(lp_app *a, void *ctx, const char *text);
typedef void (*lp_prompt_done_fn)(lp_app *a, void *ctx, bool ok, const char *text);
typedef void (*lp_pick_fn)(lp_app *a, void *ctx, int choice); /* -1 when cancelled */
typedef void (*lp_confirm_fn)(lp_app *a, void *ctx, bool yes);

struct lp_app {
    lp_package *pkg;
    lp_model *model;
    lp_counts counts;
    const char *path;
    bool mouse;
    int cur; /* the current screen */
    void *priv[LP_N_SCREENS];

    /* the node selection the Nodes and Graph screens share */
    lp_graph *graph;
    int node; /* index in graph->nodes, or -1 */

    char query[256];           /* the last search, shared by every screen */
    struct lp_meta_form *form; /* metadata.json and label.txt being edited */
    lp_worker *worker;
    char busy[256]; /* progress of the running job, "" when idle */
    bool quit;
    struct lp_app_private *in; /* overlays, messages: app.c only */
};

/* ---- what a screen may ask of the app ---- */

/* The last message, shown in the status bar until the next one. */
void lp_app_message(lp_app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A failure: shown in the status bar in the error colour; the app keeps running. */
void lp_app_error(lp_app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lp_app_switch(lp_app *a, int screen);
/* Selects a node of a graph (the main one or a subgraph) for Nodes and Graph. */
void lp_app_select_node(lp_app *a, lp_graph *g, int node);

/* A one-line prompt above the status bar; on_change runs on every edit. */
void lp_app_prompt(lp_app *a, const char *label, const char *initial, lp_prompt_fn on_change,
                   lp_prompt_done_fn on_done, void *ctx);
/* A picker over items (copied); typing filters them. */
void lp_app_pick(lp_app *a, const char *title, const char *const *items, int n, int selected,
                 lp_pick_fn on_done, void *ctx);
/* A scrollable box of lines (copied) that asks yes or no. lines may carry a
** leading '+' or '-' for diff colours when diff is true. */
void lp_app_confirm(lp_app *a, const char *title, const char *const *lines, int n, bool diff,
                    const char *question, lp_confirm_fn on_done, void *ctx);
/* For the rare short job that must run on the main thread (a save): shows
** the progress line at once; it goes with the next frame. */
void lp_app_busy_now(lp_app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Runs a job on the worker thread; its done() runs on the main thread. */
void lp_app_run(lp_app *a, lp_job *job);

/* Shape text in the current glyph set. */
const char *lp_app_shape(const lp_type *t, char *buf, size_t n);

#endif
