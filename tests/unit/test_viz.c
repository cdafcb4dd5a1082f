/*
** test_viz.c — the picture of a model: what the scene holds (boxes, folded
** initializers and constants, edges, ids, subgraph clusters, --around),
** that the SVG carries every node's name, edge and attributes, that the
** DOT text is stable, that layouts fit their boxes, and how long a
** 1,000-node transformer takes.
**
** LOUPE_VIZ_SYNTH=FILE build/unit_tests viz_transformer also writes the
** synthetic transformer there, for timing the CLI (LOUPE_VIZ_SYNTH_LAYERS=N
** for another size than 20 layers, about 50 nodes each).
*/
#include "model/ir.h"
#include "model/load.h"
#include "pb_build.h"
#include "test.h"
#include "viz/gv.h"
#include "viz/layered.h"
#include "viz/layout.h"
#include "viz/render.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static lp_model *parse(lp_buf *graph) {
    uint8_t *bytes;
    size_t n;
    pb_model(graph, 17, &bytes, &n);
    lp_model *m = NULL;
    lp_error err = {0};
    if (lp_model_parse(bytes, n, "test.onnx", NULL, &m, &err)) fprintf(stderr, "  %s\n", err.msg);
    return m;
}

/* x -> Conv(W, B) -> Relu -> Reshape(Constant shape) -> y, plus an unnamed
** node and two nodes sharing a name with odd characters. */
static lp_model *small_model(void) {
    lp_buf g = {0}, a = {0}, c = {0};
    pb_value(&g, PB_INPUT, "x", LP_FLOAT, 4, (int64_t[]){1, 3, 8, 8});
    pb_init(&g, "conv.weight", LP_FLOAT, 4, (int64_t[]){4, 3, 3, 3}, NULL);
    pb_init(&g, "conv.bias", LP_FLOAT, 1, (int64_t[]){4}, NULL);
    pb_attr_ints(&a, "kernel_shape", 2, (int64_t[]){3, 3});
    pb_attr_ints(&a, "pads", 4, (int64_t[]){1, 1, 1, 1});
    pb_attr_ints(&a, "strides", 2, (int64_t[]){1, 1});
    pb_node(&g, "Conv", "conv1", "x,conv.weight,conv.bias", "c", &a);
    pb_value(&g, PB_VALUE_INFO, "c", LP_FLOAT, 4, (int64_t[]){1, 4, 8, 8});
    pb_node(&g, "Relu", "", "c", "r", NULL);
    int64_t shape[2] = {1, -1};
    pb_attr_tensor(&c, "value", LP_INT64, 1, (int64_t[]){2}, shape, sizeof shape);
    pb_node(&g, "Constant", "shape_const", "", "s", &c);
    pb_node(&g, "Reshape", "a&b<\"odd\\name\">", "r,s", "y", NULL);
    pb_node(&g, "Identity", "a&b<\"odd\\name\">", "y", "z", NULL);
    pb_value(&g, PB_OUTPUT, "z", LP_FLOAT, 2, (int64_t[]){1, 256});
    return parse(&g);
}

static int find_box(const lp_scene *s, const char *id) {
    for (int i = 0; i < s->n_boxes; i++)
        if (!strcmp(s->boxes[i].id, id)) return i;
    return -1;
}

static bool has_line(const lp_box *b, lp_line_style st, const char *text) {
    for (int i = 0; i < b->n_lines; i++)
        if (b->lines[i].style == st && strstr(b->lines[i].text, text)) return true;
    return false;
}

static int count_edges(const lp_scene *s, int from, int to) {
    int n = 0;
    for (int i = 0; i < s->n_edges; i++) n += s->edges[i].from == from && s->edges[i].to == to;
    return n;
}

TEST(viz_families_and_slots) {
    char buf[64];
    CHECK(lp_family_of("", "Conv") == LP_FAM_CONV);
    CHECK(lp_family_of("", "Relu") == LP_FAM_ACT);
    CHECK(lp_family_of("", "ReduceMean") == LP_FAM_MATH);
    CHECK(lp_family_of("", "Reshape") == LP_FAM_TENSOR);
    CHECK(lp_family_of("", "Loop") == LP_FAM_CONTROL);
    CHECK(lp_family_of("", "QLinearConv") == LP_FAM_QUANT);
    CHECK(lp_family_of("ai.onnx.ml", "TreeEnsembleClassifier") == LP_FAM_ML);
    CHECK(lp_family_of("my.domain", "Frobnicate") == LP_FAM_OTHER);
    CHECK_STR(lp_input_slot_name("", "Conv", 1, buf, sizeof buf), "W");
    CHECK_STR(lp_input_slot_name("", "BatchNormalization", 4, buf, sizeof buf), "var");
    CHECK(lp_input_slot_name("", "Conv", 3, buf, sizeof buf) == NULL);
    CHECK(lp_input_slot_name("my.domain", "Conv", 1, buf, sizeof buf) == NULL);
}

TEST(viz_scene_folds_initializers_and_constants) {
    lp_model *m = small_model();
    REQUIRE(m);
    lp_viz_opts o = {.subgraphs = -1};
    lp_scene *s;
    lp_error err = {0};
    REQUIRE(lp_scene_build(m, &o, &s, &err) == LP_OK);
    /* x, conv1, Relu, Reshape, Identity, z: no boxes for initializers or the Constant */
    CHECK(s->n_boxes == 6);
    CHECK(s->n_node_boxes == 4);
    int conv = find_box(s, "conv1"), relu = find_box(s, "Relu_1");
    int in = find_box(s, "input:x"), out = find_box(s, "output:z");
    int reshape = find_box(s, "a&b<\"odd\\name\">"), ident = find_box(s, "a&b<\"odd\\name\">~2");
    REQUIRE(conv >= 0 && relu >= 0 && in >= 0 && out >= 0 && reshape >= 0 && ident >= 0);
    CHECK(find_box(s, "shape_const") < 0);
    const lp_box *c = &s->boxes[conv];
    CHECK(c->family == LP_FAM_CONV);
    CHECK(has_line(c, LP_LINE_TITLE, "Conv"));
    CHECK(has_line(c, LP_LINE_NAME, "conv1"));
    CHECK(has_line(c, LP_LINE_TENSOR, "W \u27e84\u00d73\u00d73\u00d73\u27e9"));
    CHECK(has_line(c, LP_LINE_TENSOR, "B \u27e84\u27e9"));
    CHECK(has_line(c, LP_LINE_ATTR, "kernel_shape = 3,3"));
    CHECK(has_line(c, LP_LINE_ATTR, "pads = 1,1,1,1"));
    CHECK(!has_line(c, LP_LINE_ATTR, "strides")); /* all ones: left to the tooltip */
    CHECK(strstr(c->tooltip, "strides = 1,1") != NULL);
    CHECK(strstr(c->tooltip, "conv.weight") != NULL);
    CHECK(has_line(&s->boxes[reshape], LP_LINE_TENSOR, "shape \u27e82\u27e9 = 1, -1"));
    CHECK(has_line(&s->boxes[in], LP_LINE_TYPE, "1\u00d73\u00d78\u00d78 f32"));
    /* edges: x->conv1->Relu->Reshape->Identity->z, labelled with shapes where known */
    CHECK(s->n_edges == 5);
    CHECK(count_edges(s, in, conv) == 1);
    CHECK(count_edges(s, conv, relu) == 1);
    CHECK(count_edges(s, relu, reshape) == 1);
    CHECK(count_edges(s, ident, out) == 1);
    for (int i = 0; i < s->n_edges; i++)
        if (s->edges[i].from == conv) CHECK(s->edges[i].label && !strcmp(s->edges[i].label, "1\u00d74\u00d78\u00d78 f32"));
    lp_scene_free(s);

    o.no_shapes = true;
    REQUIRE(lp_scene_build(m, &o, &s, &err) == LP_OK);
    for (int i = 0; i < s->n_edges; i++) CHECK(s->edges[i].label == NULL);
    lp_scene_free(s);
    lp_model_free(m);
}

TEST(viz_svg_keeps_names_attributes_and_edges) {
    lp_model *m = small_model();
    REQUIRE(m);
    lp_viz_opts o = {.subgraphs = -1};
    lp_buf svg = {0};
    lp_error err = {0};
    int rc = lp_render_model(m, &o, "svg", &svg, &err);
    if (rc) fprintf(stderr, "  %s\n", err.msg);
    REQUIRE(rc == LP_OK);
    lp_buf_append(&svg, "", 1);
    CHECK(strstr(svg.data, "<svg") != NULL);
    CHECK(strstr(svg.data, "id=\"conv1\"") != NULL);
    CHECK(strstr(svg.data, "<title>conv1</title>") != NULL);
    CHECK(strstr(svg.data, "id=\"Relu_1\"") != NULL);
    CHECK(strstr(svg.data, "id=\"a&amp;b&lt;&quot;odd\\name&quot;&gt;\"") != NULL);
    CHECK(strstr(svg.data, "<title>a&amp;b&lt;&quot;odd\\name&quot;&gt;~2</title>") != NULL);
    CHECK(strstr(svg.data, "kernel_shape = 3,3") != NULL);
    /* Graphviz expands "\N" in tooltips (twice for HTML-label nodes): kept as written */
    CHECK(strstr(svg.data, "name: a&amp;b&lt;&quot;odd\\name&quot;&gt;&#10;") != NULL);
    CHECK(strstr(svg.data, "<title>conv1&#45;&gt;Relu_1</title>") != NULL);
    int edges = 0;
    for (const char *p = svg.data; (p = strstr(p, "class=\"edge\"")); p++) edges++;
    CHECK(edges == 5);
    lp_buf_free(&svg);
    lp_model_free(m);
}

TEST(viz_dot_text_is_stable) {
    lp_model *m = small_model();
    REQUIRE(m);
    lp_viz_opts o = {.subgraphs = -1, .lr = true};
    lp_buf a = {0}, b = {0};
    lp_error err = {0};
    REQUIRE(lp_render_model(m, &o, "dot", &a, &err) == LP_OK);
    REQUIRE(lp_render_model(m, &o, "dot", &b, &err) == LP_OK);
    CHECK(a.len == b.len && !memcmp(a.data, b.data, a.len));
    lp_buf_append(&a, "", 1);
    CHECK(strstr(a.data, "rankdir=LR") != NULL);
    CHECK(strstr(a.data, "pos=") == NULL); /* the graph, not a layout */
    lp_buf_free(&a);
    lp_buf_free(&b);
    lp_model_free(m);
}

TEST(viz_layout_fits_boxes_and_routes_edges) {
    lp_model *m = small_model();
    REQUIRE(m);
    for (int run = 0; run < 4; run++) { /* dot and the layered engine, down and across */
        lp_viz_opts o = {.subgraphs = -1, .engine = run < 2 ? LP_ENGINE_DOT : LP_ENGINE_LAYERED,
                         .lr = run % 2};
        lp_layout *l;
        lp_error err = {0};
        int rc = lp_layout_model(m, &o, &l, &err);
        if (rc) fprintf(stderr, "  %s\n", err.msg);
        REQUIRE(rc == LP_OK);
        CHECK(l->n_boxes == 6 && l->n_edges == 5);
        CHECK(l->width > 0 && l->height > 0);
        for (int i = 0; i < l->n_boxes; i++) {
            const lp_lbox *b = &l->boxes[i];
            CHECK(b->w > 0 && b->h > 0);
            CHECK(b->x >= -0.5 && b->y >= -0.5 && b->x + b->w <= l->width + 0.5 &&
                  b->y + b->h <= l->height + 0.5);
        }
        CHECK(lp_layout_find_node(l, m->graph, 0) >= 0);
        for (int i = 0; i < l->n_edges; i++) {
            const lp_ledge *e = &l->edges[i];
            REQUIRE(e->n_points >= 2);
            const lp_lbox *from = &l->boxes[e->from], *to = &l->boxes[e->to];
            const lp_point *first = &e->points[0], *last = &e->points[e->n_points - 1];
            if (!o.lr) { /* from the tail's bottom to the head's top */
                CHECK(from->y < to->y);
                CHECK(fabs(first->y - (from->y + from->h)) < 3);
                CHECK(fabs(last->y - to->y) < 3);
            } else { /* from the tail's right side to the head's left */
                CHECK(from->x < to->x);
                CHECK(fabs(first->x - (from->x + from->w)) < 3);
                CHECK(fabs(last->x - to->x) < 3);
            }
        }
        lp_layout_free(l);
    }
    lp_model_free(m);
}

/* If with two branches, each reading a value from the outer scope. */
static lp_model *if_model(void) {
    lp_buf g = {0}, then_g = {0}, else_g = {0}, a = {0};
    pb_value(&g, PB_INPUT, "cond", LP_BOOL, 0, NULL);
    pb_value(&g, PB_INPUT, "x", LP_FLOAT, 1, (int64_t[]){4});
    pb_node(&g, "Relu", "outer_relu", "x", "rx", NULL);
    pb_node(&then_g, "Neg", "then_neg", "rx", "t", NULL);
    pb_value(&then_g, PB_OUTPUT, "t", LP_FLOAT, 1, (int64_t[]){4});
    pb_node(&else_g, "Abs", "else_abs", "rx", "e", NULL);
    pb_value(&else_g, PB_OUTPUT, "e", LP_FLOAT, 1, (int64_t[]){4});
    pb_attr_graph(&a, "then_branch", &then_g);
    pb_attr_graph(&a, "else_branch", &else_g);
    pb_node(&g, "If", "the_if", "cond", "y", &a);
    pb_node(&g, "Sigmoid", "after", "y", "z", NULL);
    pb_value(&g, PB_OUTPUT, "z", LP_FLOAT, 1, (int64_t[]){4});
    return parse(&g);
}

TEST(viz_subgraphs_expand_into_clusters_or_fold) {
    lp_model *m = if_model();
    REQUIRE(m);
    lp_viz_opts o = {.subgraphs = -1};
    lp_scene *s;
    lp_error err = {0};
    REQUIRE(lp_scene_build(m, &o, &s, &err) == LP_OK);
    CHECK(s->expanded);
    CHECK(s->n_clusters == 3); /* the If's wrapper and two branches */
    int iff = find_box(s, "the_if"), neg = find_box(s, "then_neg"), abs_ = find_box(s, "else_abs");
    int relu = find_box(s, "outer_relu"), after = find_box(s, "after");
    REQUIRE(iff >= 0 && neg >= 0 && abs_ >= 0 && relu >= 0 && after >= 0);
    CHECK(s->boxes[neg].cluster >= 0 && s->clusters[s->boxes[neg].cluster].parent == s->boxes[iff].cluster);
    CHECK(count_edges(s, relu, neg) == 1); /* the captured value goes to its reader inside */
    CHECK(count_edges(s, relu, abs_) == 1);
    CHECK(count_edges(s, iff, after) == 1);
    lp_buf svg = {0};
    REQUIRE(lp_render_scene(s, &o, "svg", &svg, &err) == LP_OK);
    lp_buf_append(&svg, "", 1);
    CHECK(strstr(svg.data, "then_branch") && strstr(svg.data, "class=\"cluster\""));
    CHECK(strstr(svg.data, "id=\"then_neg\""));
    lp_buf_free(&svg);
    lp_scene_free(s);

    o.subgraphs = 0;
    REQUIRE(lp_scene_build(m, &o, &s, &err) == LP_OK);
    CHECK(!s->expanded && s->n_clusters == 0);
    iff = find_box(s, "the_if");
    relu = find_box(s, "outer_relu");
    REQUIRE(iff >= 0 && relu >= 0);
    CHECK(find_box(s, "then_neg") < 0);
    CHECK(s->boxes[iff].n_folded == 2);
    CHECK(has_line(&s->boxes[iff], LP_LINE_FOLD, "then_branch \u00b7 1 nodes"));
    CHECK(count_edges(s, relu, iff) == 1); /* the capture, dashed */
    lp_scene_free(s);
    lp_model_free(m);
}

TEST(viz_around_draws_a_neighbourhood_with_stubs) {
    lp_buf g = {0};
    pb_value(&g, PB_INPUT, "x", LP_FLOAT, 1, (int64_t[]){4});
    char prev[16] = "x", name[16], out[16];
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof name, "n%d", i);
        snprintf(out, sizeof out, "v%d", i);
        pb_node(&g, i % 2 ? "Relu" : "Neg", name, prev, out, NULL);
        memcpy(prev, out, sizeof prev);
    }
    pb_value(&g, PB_OUTPUT, "v19", LP_FLOAT, 1, (int64_t[]){4});
    lp_model *m = parse(&g);
    REQUIRE(m);
    lp_viz_opts o = {.subgraphs = -1, .around = "n10", .depth = 2};
    lp_scene *s;
    lp_error err = {0};
    REQUIRE(lp_scene_build(m, &o, &s, &err) == LP_OK);
    CHECK(s->n_node_boxes == 5); /* n8..n12 */
    CHECK(find_box(s, "n8") >= 0 && find_box(s, "n12") >= 0 && find_box(s, "n7") < 0);
    CHECK(find_box(s, "from:v7") >= 0 && find_box(s, "to:v12") >= 0);
    CHECK(find_box(s, "input:x") < 0 && find_box(s, "output:v19") < 0);
    CHECK(s->centre == find_box(s, "n10"));
    lp_scene_free(s);
    o.around = "nope";
    CHECK(lp_scene_build(m, &o, &s, &err) == LP_EINPUT);
    CHECK(strstr(err.msg, "no node named 'nope'") != NULL);
    o.around = "Neg_0"; /* named nodes are found by name only when named */
    CHECK(lp_scene_build(m, &o, &s, &err) == LP_EINPUT);
    lp_model_free(m);
}

/* A BERT-like encoder: per layer a decomposed LayerNorm, Q/K/V projections
** with Reshape/Transpose, scaled dot-product attention, the output
** projection, a second LayerNorm and a GELU feed-forward: 51 nodes a layer,
** every value typed (as shape inference leaves them). */
static void make_transformer(int layers, uint8_t **bytes, size_t *n) {
    enum { S = 128, D = 64, H = 4, DH = 16, FF = 256 };
    lp_buf g = {0};
    char v[64], w[64], x[64], y[64], ins[256], nm[64];
    int k = 0;
    pb_value(&g, PB_INPUT, "hidden", LP_FLOAT, 3, (int64_t[]){1, S, D});
    pb_value(&g, PB_INPUT, "mask", LP_FLOAT, 4, (int64_t[]){1, 1, 1, S});
    float two = 2, eps = 1e-5f, sq = 4, one = 1, half = 0.5f, sqrt2 = 1.4142135f;
    pb_init(&g, "two", LP_FLOAT, 0, NULL, &two);
    pb_init(&g, "eps", LP_FLOAT, 0, NULL, &eps);
    pb_init(&g, "sqrt_dh", LP_FLOAT, 0, NULL, &sq);
    pb_init(&g, "one", LP_FLOAT, 0, NULL, &one);
    pb_init(&g, "half", LP_FLOAT, 0, NULL, &half);
    pb_init(&g, "sqrt2", LP_FLOAT, 0, NULL, &sqrt2);
    int64_t heads[4] = {1, S, H, DH}, flat[3] = {1, S, D};
    pb_init(&g, "shape_heads", LP_INT64, 1, (int64_t[]){4}, heads);
    pb_init(&g, "shape_flat", LP_INT64, 1, (int64_t[]){3}, flat);
    const int64_t dSD[3] = {1, S, D}, dS1[3] = {1, S, 1}, dSF[3] = {1, S, FF}, dSHd[4] = {1, S, H, DH},
                  dHSd[4] = {1, H, S, DH}, dHdS[4] = {1, H, DH, S}, dHSS[4] = {1, H, S, S};
#define OUT(shape, rank) (snprintf(y, sizeof y, "t%d", k++), pb_value(&g, PB_VALUE_INFO, y, LP_FLOAT, rank, shape), y)
#define NODE(op, attrs, shape, rank, ...)                                                          \
    (snprintf(ins, sizeof ins, __VA_ARGS__), snprintf(nm, sizeof nm, "/layer.%d/%s_%d", l, op, k), \
     OUT(shape, rank), pb_node(&g, op, nm, ins, y, attrs), strcpy(v, y))
    strcpy(x, "hidden");
    for (int l = 0; l <= layers; l++) {
        char ln_in[64], res[64], q[64], kk[64], vv[64];
        for (int part = 0; part < 2; part++) {
            /* LayerNorm, decomposed */
            strcpy(ln_in, x);
            lp_buf a = {0};
            pb_attr_ints(&a, "axes", 1, (int64_t[]){-1});
            NODE("ReduceMean", &a, dS1, 3, "%s", ln_in);
            char mean[64], diff[64];
            strcpy(mean, v);
            NODE("Sub", NULL, dSD, 3, "%s,%s", ln_in, mean);
            strcpy(diff, v);
            NODE("Pow", NULL, dSD, 3, "%s,two", diff);
            lp_buf a2 = {0};
            pb_attr_ints(&a2, "axes", 1, (int64_t[]){-1});
            NODE("ReduceMean", &a2, dS1, 3, "%s", v);
            NODE("Add", NULL, dS1, 3, "%s,eps", v);
            NODE("Sqrt", NULL, dS1, 3, "%s", v);
            NODE("Div", NULL, dSD, 3, "%s,%s", diff, v);
            snprintf(w, sizeof w, "ln%d_%d.gamma", l, part);
            pb_init(&g, w, LP_FLOAT, 1, (int64_t[]){D}, NULL);
            NODE("Mul", NULL, dSD, 3, "%s,%s", v, w);
            snprintf(w, sizeof w, "ln%d_%d.beta", l, part);
            pb_init(&g, w, LP_FLOAT, 1, (int64_t[]){D}, NULL);
            NODE("Add", NULL, dSD, 3, "%s,%s", v, w);
            if (l == layers) break; /* the final LayerNorm */
            strcpy(res, x);
            strcpy(x, v);
            if (part == 0) {
                /* attention */
                char *dst[3] = {q, kk, vv};
                const char *pname[3] = {"query", "key", "value"};
                for (int p = 0; p < 3; p++) {
                    snprintf(w, sizeof w, "layer%d.%s.weight", l, pname[p]);
                    pb_init(&g, w, LP_FLOAT, 2, (int64_t[]){D, D}, NULL);
                    NODE("MatMul", NULL, dSD, 3, "%s,%s", x, w);
                    snprintf(w, sizeof w, "layer%d.%s.bias", l, pname[p]);
                    pb_init(&g, w, LP_FLOAT, 1, (int64_t[]){D}, NULL);
                    NODE("Add", NULL, dSD, 3, "%s,%s", v, w);
                    NODE("Reshape", NULL, dSHd, 4, "%s,shape_heads", v);
                    lp_buf t = {0};
                    pb_attr_ints(&t, "perm", 4, p == 1 ? (int64_t[]){0, 2, 3, 1} : (int64_t[]){0, 2, 1, 3});
                    NODE("Transpose", &t, p == 1 ? dHdS : dHSd, 4, "%s", v);
                    strcpy(dst[p], v);
                }
                NODE("MatMul", NULL, dHSS, 4, "%s,%s", q, kk);
                NODE("Div", NULL, dHSS, 4, "%s,sqrt_dh", v);
                NODE("Add", NULL, dHSS, 4, "%s,mask", v);
                lp_buf sm = {0};
                pb_attr_int(&sm, "axis", -1);
                NODE("Softmax", &sm, dHSS, 4, "%s", v);
                NODE("MatMul", NULL, dHSd, 4, "%s,%s", v, vv);
                lp_buf t = {0};
                pb_attr_ints(&t, "perm", 4, (int64_t[]){0, 2, 1, 3});
                NODE("Transpose", &t, dSHd, 4, "%s", v);
                NODE("Reshape", NULL, dSD, 3, "%s,shape_flat", v);
                snprintf(w, sizeof w, "layer%d.attn_out.weight", l);
                pb_init(&g, w, LP_FLOAT, 2, (int64_t[]){D, D}, NULL);
                NODE("MatMul", NULL, dSD, 3, "%s,%s", v, w);
                snprintf(w, sizeof w, "layer%d.attn_out.bias", l);
                pb_init(&g, w, LP_FLOAT, 1, (int64_t[]){D}, NULL);
                NODE("Add", NULL, dSD, 3, "%s,%s", v, w);
            } else {
                /* feed-forward with an erf GELU */
                snprintf(w, sizeof w, "layer%d.ff1.weight", l);
                pb_init(&g, w, LP_FLOAT, 2, (int64_t[]){D, FF}, NULL);
                NODE("MatMul", NULL, dSF, 3, "%s,%s", x, w);
                snprintf(w, sizeof w, "layer%d.ff1.bias", l);
                pb_init(&g, w, LP_FLOAT, 1, (int64_t[]){FF}, NULL);
                NODE("Add", NULL, dSF, 3, "%s,%s", v, w);
                char pre[64];
                strcpy(pre, v);
                NODE("Div", NULL, dSF, 3, "%s,sqrt2", pre);
                NODE("Erf", NULL, dSF, 3, "%s", v);
                NODE("Add", NULL, dSF, 3, "%s,one", v);
                NODE("Mul", NULL, dSF, 3, "%s,%s", pre, v);
                NODE("Mul", NULL, dSF, 3, "%s,half", v);
                snprintf(w, sizeof w, "layer%d.ff2.weight", l);
                pb_init(&g, w, LP_FLOAT, 2, (int64_t[]){FF, D}, NULL);
                NODE("MatMul", NULL, dSD, 3, "%s,%s", v, w);
                snprintf(w, sizeof w, "layer%d.ff2.bias", l);
                pb_init(&g, w, LP_FLOAT, 1, (int64_t[]){D}, NULL);
                NODE("Add", NULL, dSD, 3, "%s,%s", v, w);
            }
            NODE("Add", NULL, dSD, 3, "%s,%s", res, v); /* the residual */
            strcpy(x, v);
        }
    }
#undef NODE
#undef OUT
    pb_value(&g, PB_OUTPUT, v, LP_FLOAT, 3, dSD);
    pb_model(&g, 17, bytes, n);
}

/* CPU seconds of this process and its children (the layout runs in one):
** the machine is shared, so wall time says less. */
static double cpu_now(void) {
    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    return (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec + kids.ru_stime.tv_sec) +
           (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec + kids.ru_stime.tv_usec) * 1e-6;
}

TEST(viz_transformer_of_1000_nodes_in_bounded_time) {
    uint8_t *bytes;
    size_t n;
    const char *save = getenv("LOUPE_VIZ_SYNTH"), *layers = getenv("LOUPE_VIZ_SYNTH_LAYERS");
    make_transformer(save && layers ? atoi(layers) : 20, &bytes, &n);
    if (save) {
        FILE *f = fopen(save, "wb");
        if (f) {
            fwrite(bytes, 1, n, f);
            fclose(f);
        }
    }
    lp_model *m = NULL;
    lp_error err = {0};
    int rc = lp_model_parse(bytes, n, "transformer.onnx", NULL, &m, &err);
    if (rc) fprintf(stderr, "  %s\n", err.msg);
    REQUIRE(rc == LP_OK);
    CHECK(m->graph->n_nodes >= 1000);
    lp_viz_opts o = {.subgraphs = -1};
    lp_buf svg = {0};
    double t0 = cpu_now(), w0 = lp_now_ms();
    rc = lp_render_model(m, &o, "svg", &svg, &err);
    double secs = cpu_now() - t0, wall = (lp_now_ms() - w0) / 1e3;
    if (rc) fprintf(stderr, "  %s\n", err.msg);
    CHECK(rc == LP_OK);
    fprintf(stderr, "  transformer: %d nodes, svg of %zu bytes in %.2f s (%.2f s of CPU)\n",
            m->graph->n_nodes, svg.len, wall, secs);
#if !defined(__SANITIZE_ADDRESS__)
    CHECK(secs < 5.0);
#endif
    lp_buf_free(&svg);
    lp_model_free(m);
}

TEST(viz_refuses_what_it_cannot_lay_out_in_time) {
    lp_model *m = small_model();
    REQUIRE(m);
    lp_viz_opts o = {.subgraphs = -1};
    lp_scene *s;
    lp_error err = {0};
    REQUIRE(lp_scene_build(m, &o, &s, &err) == LP_OK);
    CHECK(s->units > 0 && s->units < 100);
    lp_buf out = {0};
    s->units = LP_VIZ_MAX_DOT_UNITS + 1; /* dot's bound */
    o.engine = LP_ENGINE_DOT;
    CHECK(lp_render_scene(s, &o, "svg", &out, &err) == LP_EUNSUPPORTED);
    CHECK(strstr(err.msg, "too large to lay out") && strstr(err.msg, "--around"));
    o.engine = LP_ENGINE_AUTO; /* the layered engine takes it */
    CHECK(lp_render_scene(s, &o, "svg", &out, &err) == LP_OK);
    CHECK(strcmp(lp_render_engine(s, &o), "layered") == 0);
    s->units = LP_VIZ_MAX_UNITS + 1;
    CHECK(lp_render_scene(s, &o, "svg", &out, &err) == LP_EUNSUPPORTED);
    CHECK(lp_render_scene(s, &o, "dot", &out, &err) == LP_OK); /* no layout: no bound */
    lp_buf_free(&out);
    lp_scene_free(s);
    lp_model_free(m);
}

static int sleepy_work(void *arg, lp_buf *out, lp_error *err) {
    (void)out;
    (void)err;
    if (arg) raise(SIGKILL); /* as dot's crashes do */
    struct timespec t = {5, 0};
    nanosleep(&t, NULL);
    return LP_OK;
}

static int echo_work(void *arg, lp_buf *out, lp_error *err) {
    if (!arg) return lp_fail(err, LP_EINPUT, "told to fail");
    lp_buf_printf(out, "%s", (const char *)arg);
    return LP_OK;
}

TEST(viz_layout_child_has_a_deadline) {
    lp_buf out = {0};
    lp_error err = {0};
    bool crashed;
    double w0 = lp_now_ms();
    CHECK(lp_viz_isolated(sleepy_work, NULL, 0.2, &out, &err, &crashed) == LP_EUNSUPPORTED);
    CHECK(lp_now_ms() - w0 < 3000);
    CHECK(!crashed && strstr(err.msg, "took longer than"));
    CHECK(lp_viz_isolated(sleepy_work, "crash", 5, &out, &err, &crashed) == LP_EFAIL);
    CHECK(crashed);
    CHECK(lp_viz_isolated(echo_work, NULL, 5, &out, &err, &crashed) == LP_EINPUT);
    CHECK(!crashed && !strcmp(err.msg, "told to fail"));
    CHECK(lp_viz_isolated(echo_work, "picture", 5, &out, &err, &crashed) == LP_OK);
    CHECK(out.len == 7 && !memcmp(out.data, "picture", 7));
    lp_buf_free(&out);
}

TEST(viz_layered_engine_keeps_ranks_apart_and_routes_down) {
    enum { N = 600 };
    double w[N], h[N];
    int from[3 * N], to[3 * N], m = 0;
    unsigned seed = 7;
    for (int i = 0; i < N; i++) {
        w[i] = 40 + i % 5 * 20;
        h[i] = 20 + i % 3 * 10;
        for (int k = 0; k < 2 && i > 0; k++) { /* a DAG: edges from earlier nodes, mostly close */
            seed = seed * 1103515245 + 12345;
            int back = 1 + (int)(seed >> 16) % (k ? 40 : 3);
            if (i - back >= 0) from[m] = i - back, to[m] = i, m++;
        }
    }
    double lw[3 * N] = {0}, lh[3 * N] = {0};
    for (int e = 0; e < m; e += 3) lw[e] = 50, lh[e] = 10;
    lp_layered_in in = {N, m, w, h, from, to, lw, lh, false, 18, 22};
    lp_layered_out out;
    double t0 = cpu_now();
    lp_layered(&in, &out);
    double secs = cpu_now() - t0;
    CHECK(secs < 2.0);
    CHECK(out.width > 0 && out.height > 0);
    /* boxes do not overlap */
    int overlaps = 0;
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++)
            if (fabs(out.x[i] - out.x[j]) * 2 < w[i] + w[j] - 0.01 &&
                fabs(out.y[i] - out.y[j]) * 2 < h[i] + h[j] - 0.01)
                overlaps++;
    CHECK(overlaps == 0);
    for (int e = 0; e < m; e++) {
        REQUIRE(out.n_route[e] >= 2);
        const lp_point *p = out.route[e];
        int a = from[e], b = to[e], k = out.n_route[e];
        CHECK(fabs(p[0].y - (out.y[a] + h[a] / 2)) < 0.01);       /* leaves the tail's bottom */
        CHECK(fabs(p[k - 1].y - (out.y[b] - h[b] / 2)) < 0.01);   /* reaches the head's top */
        for (int i = 1; i < k; i++) CHECK(p[i].y >= p[i - 1].y);  /* always downwards */
    }
    lp_layered_free(&out, m);
}

TEST(viz_graph_without_nodes_and_hostile_names) {
    /* an output that is the input itself, and names no XML parser would take raw */
    lp_buf g = {0};
    pb_value(&g, PB_INPUT, "in\x01put\xff&amp;<]]>", LP_FLOAT, 1, (int64_t[]){3});
    pb_value(&g, PB_OUTPUT, "in\x01put\xff&amp;<]]>", LP_FLOAT, 1, (int64_t[]){3});
    lp_model *m = parse(&g);
    REQUIRE(m);
    lp_viz_opts o = {.subgraphs = -1};
    lp_buf svg = {0};
    lp_error err = {0};
    REQUIRE(lp_render_model(m, &o, "svg", &svg, &err) == LP_OK);
    lp_buf_append(&svg, "", 1);
    CHECK(strstr(svg.data, "id=\"input:in put\xef\xbf\xbd&amp;amp;&lt;]]&gt;\"") != NULL);
    CHECK(strstr(svg.data, "class=\"edge\"") != NULL);
    CHECK(strstr(svg.data, "Legend") == NULL); /* no nodes, no families */
    lp_buf_free(&svg);
    lp_model_free(m);
}
