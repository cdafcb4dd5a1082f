/*
** screen_graph.c — the Graph screen (placeholder while the layout lands).
*/
#include "tui/screen.h"
#include "tui/widgets.h"

static void gr_draw(lp_app *a, void *st, lp_rect r) {
    (void)a, (void)st;
    lp_box(r, LP_ROLE_BORDER, "graph");
}

static int gr_request(lp_app *a, void *st, lp_request req) {
    (void)a, (void)st, (void)req;
    return LP_IGNORED;
}

static const lp_request gr_hints[] = {LP_REQ_NONE};

const lp_screen_ops lp_screen_graph = {
    .name = "Graph",
    .priv_size = 1,
    .draw = gr_draw,
    .request = gr_request,
    .hints = gr_hints,
};
