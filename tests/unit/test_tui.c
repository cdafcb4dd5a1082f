/*
** test_tui.c — the workbench's pieces that need no terminal: text widths
** and wrapping, the list cursor, the line editor, the keymaps, the worker's
** pipe, and the Metadata form over a real package (typed text to JSON,
** undo, dirty, the diff).
*/
#include "test.h"
#include "tui/graph_view.h"
#include "tui/meta_form.h"
#include "tui/request.h"
#include "tui/theme.h"
#include "tui/widgets.h"
#include "tui/worker.h"

#include <curses.h>
#include <locale.h>
#include <poll.h>
#include <stdlib.h>

TEST(tui_text_width_and_wrap) {
    setlocale(LC_ALL, "C.UTF-8");
    lp_theme_glyphs_init(true);
    CHECK(lp_text_width("abc") == 3);
    CHECK(lp_text_width("1\u00d73\u00d7224") == 7);     /* "1×3×224": × is one column */
    CHECK(lp_wrap_next("hello world again", 12) == 12); /* "hello world " */
    CHECK(lp_wrap_next("hello world again", 8) == 6);   /* breaks after the space */
    CHECK(lp_wrap_next("short", 12) == 5);
    CHECK(lp_wrap_next("abcdefghijkl", 5) == 5); /* no space: a hard break */
    lp_theme_glyphs_init(false);
    CHECK(lp_text_width("1\u00d73") == 3); /* ASCII: the byte sequence shows as one '?' */
}

TEST(tui_list_moves_and_scrolls) {
    lp_list l = {.n = 100, .sel = 0, .top = 0};
    CHECK(lp_list_move(&l, LP_REQ_MOVE_DOWN, 10) && l.sel == 1 && l.top == 0);
    CHECK(lp_list_move(&l, LP_REQ_PAGE_DOWN, 10) && l.sel == 11 && l.sel >= l.top &&
          l.sel < l.top + 10);
    CHECK(lp_list_move(&l, LP_REQ_LAST, 10) && l.sel == 99 && l.top == 90);
    CHECK(lp_list_move(&l, LP_REQ_FIRST, 10) && l.sel == 0 && l.top == 0);
    CHECK(!lp_list_move(&l, LP_REQ_SAVE, 10));
    lp_list e = {.n = 0, .sel = 3};
    lp_list_fit(&e, 10);
    CHECK(e.sel == -1 && e.top == 0);
}

TEST(tui_line_editor) {
    lp_edit e;
    lp_edit_set(&e, "224");
    CHECK(lp_edit_key(&e, KEY_BACKSPACE) == 1);
    CHECK_STR(e.buf, "22");
    CHECK(lp_edit_key(&e, KEY_HOME) == 0 && e.cur == 0);
    CHECK(lp_edit_key(&e, '1') == 1);
    CHECK_STR(e.buf, "122");
    CHECK(lp_edit_key(&e, LP_KEY_CTRL('k')) == 1);
    CHECK_STR(e.buf, "1");
    CHECK(lp_edit_key(&e, LP_KEY_CTRL('u')) == 1);
    CHECK_STR(e.buf, "");
    CHECK(lp_edit_key(&e, KEY_F(5)) == -1);
}

TEST(tui_keymaps) {
    static const lp_binding screen_keys[] = {{'s', LP_REQ_SAVE, NULL}, {0, LP_REQ_NONE, NULL}};
    CHECK(lp_key_request(screen_keys, 's', NULL) == LP_REQ_SAVE);
    CHECK(lp_key_request(screen_keys, 'q', NULL) == LP_REQ_QUIT); /* the generic keymap */
    CHECK(lp_key_request(NULL, '/', NULL) == LP_REQ_SEARCH);
    CHECK(lp_key_request(NULL, 'Z', NULL) == LP_REQ_NONE);
    char name[16];
    CHECK_STR(lp_key_name('\n', name, sizeof name), "Enter");
    CHECK_STR(lp_key_name(LP_KEY_CTRL('c'), name, sizeof name), "^C");
    CHECK(lp_request_help(LP_REQ_SAVE)[0] != 0);
}

typedef struct count_job {
    lp_job job;
    int *done;
} count_job;

static void count_run(lp_job *j) {
    lp_job_progress(j, "step %d", 1);
    j->rc = LP_OK;
}

static void count_done(void *owner, lp_job *j) {
    (void)owner;
    (*((count_job *)j)->done)++;
}

TEST(tui_worker_reports_through_its_pipe) {
    lp_error err;
    lp_worker *w = lp_worker_new(&err);
    REQUIRE(w);
    int done = 0;
    count_job jobs[3];
    for (int i = 0; i < 3; i++) {
        jobs[i] = (count_job){.job = {.title = "counting", .run = count_run, .done = count_done},
                              .done = &done};
        lp_worker_submit(w, &jobs[i].job);
    }
    CHECK(lp_worker_busy(w));
    char progress[256] = "";
    for (int spins = 0; done < 3 && spins < 500; spins++) {
        struct pollfd p = {.fd = lp_worker_fd(w), .events = POLLIN};
        poll(&p, 1, 20);
        lp_worker_pump(w, NULL, progress, sizeof progress);
    }
    CHECK(done == 3);
    CHECK(!lp_worker_busy(w));
    CHECK_STR(progress, ""); /* idle again */
    lp_worker_free(w, NULL);
}

TEST(tui_meta_form_over_a_package) {
    lp_package *p;
    lp_error err;
    if (lp_package_open("samples/digits_cnn.zip", &p, &err)) {
        fprintf(stderr, "  (samples/digits_cnn.zip not built: %s)\n", err.msg);
        return;
    }
    lp_meta_form *f = lp_meta_form_new(p);
    char v[256];
    CHECK(lp_meta_form_value(f, "height", v, sizeof v) && !strcmp(v, "8"));
    CHECK(!lp_meta_form_dirty(f));
    CHECK(lp_meta_form_problem_count(f) == 0);

    /* a bad value: stored, and validation names it */
    lp_meta_form_begin(f);
    CHECK(lp_meta_form_set_text(f, "height", "abc", &err) == LP_OK);
    lp_meta_form_end(f, true);
    CHECK(lp_meta_form_errors(f) >= 1);
    CHECK(lp_meta_form_field_problem(f, "height") != NULL);
    CHECK(lp_meta_form_changed(f, "height"));

    /* a list typed with commas becomes a JSON array of numbers */
    lp_meta_form_begin(f);
    CHECK(lp_meta_form_set_text(f, "mean", "0.5, 0.25 ,1", &err) == LP_OK);
    lp_meta_form_end(f, true);
    const cJSON *mean = cJSON_GetObjectItemCaseSensitive(p->metadata, "mean");
    CHECK(cJSON_IsArray(mean) && cJSON_GetArraySize(mean) == 3);
    CHECK(lp_meta_form_value(f, "mean", v, sizeof v) && !strcmp(v, "0.5, 0.25, 1.0"));

    /* a cancelled edit leaves nothing behind */
    lp_meta_form_begin(f);
    lp_meta_form_set_text(f, "channel", "7", &err);
    lp_meta_form_end(f, false);
    CHECK(lp_meta_form_value(f, "channel", v, sizeof v) && !strcmp(v, "3"));

    /* the diff shows the change; undo walks back to the file as saved */
    char **lines;
    int n;
    lp_meta_form_diff(f, &lines, &n);
    int plus = 0;
    for (int i = 0; i < n; i++) {
        plus += lines[i][0] == '+';
        free(lines[i]);
    }
    free(lines);
    CHECK(plus >= 1);
    CHECK(lp_meta_form_dirty(f));
    CHECK(lp_meta_form_undo(f));
    CHECK(lp_meta_form_undo(f));
    CHECK(!lp_meta_form_undo(f));
    CHECK(!lp_meta_form_dirty(f));
    CHECK(lp_meta_form_problem_count(f) == 0);

    /* labels */
    int nl = lp_meta_form_labels(f);
    lp_meta_form_begin(f);
    lp_meta_form_label_insert(f, nl, "ten");
    lp_meta_form_end(f, true);
    CHECK(lp_meta_form_labels(f) == nl + 1);
    CHECK_STR(lp_meta_form_label(f, nl), "ten");
    lp_meta_form_begin(f);
    lp_meta_form_label_move(f, nl, 0);
    lp_meta_form_end(f, true);
    CHECK_STR(lp_meta_form_label(f, 0), "ten");
    lp_meta_form_undo(f);
    lp_meta_form_undo(f);
    CHECK(!lp_meta_form_dirty(f));

    lp_meta_form_free(f);
    lp_package_free(p);
}

TEST(tui_graph_view_from_the_viz_layout) {
    const char *shared = getenv("SHARED") ? getenv("SHARED") : "../shared";
    char path[512];
    snprintf(path, sizeof path, "%s/onnx-tests/node/test_loop11/model.onnx", shared);
    lp_package *p;
    lp_error err;
    if (lp_package_open(path, &p, &err)) {
        fprintf(stderr, "  (%s not found: skipped)\n", path);
        return;
    }
    const lp_graph *g = p->model->graph;
    lp_gview *v;
    REQUIRE(lp_gview_build(g, -1, &v, &err) == LP_OK);
    CHECK(v->n_boxes > g->n_nodes); /* the Loop, its inputs and outputs, and its body */
    CHECK(v->n_clusters >= 1);      /* the body drawn inside the Loop */
    CHECK(v->box_of_node[0] >= 0);
    CHECK(v->note[0] == 0);
    const lp_graph *body = g->nodes[0].attrs[0].g;
    REQUIRE(body && body->n_nodes > 3);
    bool body_drawn = false;
    for (int i = 0; i < v->n_boxes; i++) body_drawn |= v->boxes[i].graph == body;
    CHECK(body_drawn);
    for (int i = 0; i < v->n_edges; i++) CHECK(v->edges[i].n_pts >= 2);
    lp_gview_free(v);
    /* a subgraph on its own: the neighbourhood of one of its nodes */
    REQUIRE(lp_gview_build(body, 3, &v, &err) == LP_OK);
    CHECK(v->box_of_node[3] >= 0);
    CHECK(strstr(v->note, "neighbourhood") != NULL);
    lp_gview_free(v);
    char *svg = lp_gview_svg_path("dir/model.onnx");
    CHECK_STR(svg, "dir/model.svg");
    free(svg);
    lp_package_free(p);
}
