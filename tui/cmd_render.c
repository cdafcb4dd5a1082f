/*
** cmd_render.c — `loupe render MODEL -o FILE`: the graph drawn by Graphviz
** as SVG, PNG, PDF or DOT (see viz/render.h for what is drawn).
*/
#include "model/shape.h"
#include "tui/cli.h"
#include "viz/render.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void help(FILE *f) {
    fprintf(f,
            "usage: loupe render MODEL -o FILE [options]\n\n"
            "Draws the graph through Graphviz: one box per node (op type, name, folded\n"
            "initializers and constants, key attributes), coloured by family, with tensor\n"
            "shapes on the edges. SVG keeps node names as element ids and tooltips.\n\n"
            "  -o FILE              where to write; '-' for stdout\n"
            "  --format FMT         svg, png, pdf or dot (default: FILE's extension, svg for -)\n"
            "  --rankdir TB|LR      top to bottom (default) or left to right\n"
            "  --subgraphs          draw If/Loop/Scan bodies as clusters (default when the\n"
            "                       model has at most %d nodes)\n"
            "  --no-subgraphs       fold bodies into a marked box\n"
            "  --around NODE        draw only NODE's neighbourhood (its name, or Op_index)\n"
            "  --depth K            hops from NODE (default 2)\n"
            "  --no-shapes          leave tensor shapes off the edges\n"
            "  --engine E           auto (default), dot, or layered: Loupe's own layered\n"
            "                       layout, near-linear, used above %d layout units\n"
            "  --timeout S          stop a layout running longer than S seconds (default %.0f)\n"
            "  --json               print what was written as JSON\n",
            LP_VIZ_EXPAND_MAX, LP_VIZ_DOT_UNITS, LP_VIZ_TIMEOUT);
}

static int write_out(const char *path, const lp_buf *b) {
    bool to_stdout = !strcmp(path, "-");
    FILE *f = to_stdout ? stdout : fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "loupe: render: cannot write %s: %s\n", path, strerror(errno));
        return LP_EFAIL;
    }
    bool ok = fwrite(b->data, 1, b->len, f) == b->len;
    ok = (to_stdout ? fflush(f) == 0 : fclose(f) == 0) && ok;
    if (!ok) {
        fprintf(stderr, "loupe: render: cannot write %s: %s\n", path, strerror(errno));
        return LP_EFAIL;
    }
    return LP_OK;
}

int cmd_render(int argc, char **argv) {
    if (lp_cli_wants_help(argc, argv)) {
        help(stdout);
        return 0;
    }
    const char *model = NULL, *path = NULL, *format = NULL;
    bool json = false, depth_given = false;
    lp_viz_opts o = {.subgraphs = -1, .depth = 2};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_next = i + 1 < argc;
        if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (!has_next) return lp_cli_usage("render", "%s needs a file name", a);
            path = argv[++i];
        } else if (!strcmp(a, "--format") || !strcmp(a, "-f")) {
            if (!has_next) return lp_cli_usage("render", "--format needs svg, png, pdf or dot");
            format = argv[++i];
            if (!lp_render_format_known(format))
                return lp_cli_usage("render", "unknown format '%s' (svg, png, pdf or dot)", format);
        } else if (!strcmp(a, "--rankdir")) {
            if (!has_next) return lp_cli_usage("render", "--rankdir needs TB or LR");
            const char *d = argv[++i];
            if (!strcasecmp(d, "LR")) o.lr = true;
            else if (!strcasecmp(d, "TB")) o.lr = false;
            else return lp_cli_usage("render", "--rankdir is TB or LR, not '%s'", d);
        } else if (!strcmp(a, "--subgraphs")) {
            o.subgraphs = 1;
        } else if (!strcmp(a, "--no-subgraphs")) {
            o.subgraphs = 0;
        } else if (!strcmp(a, "--around")) {
            if (!has_next) return lp_cli_usage("render", "--around needs a node name");
            o.around = argv[++i];
        } else if (!strcmp(a, "--depth")) {
            if (!has_next) return lp_cli_usage("render", "--depth needs a number");
            char *end;
            errno = 0;
            long d = strtol(argv[++i], &end, 10);
            if (*end || end == argv[i] || errno || d < 0 || d > 1000000)
                return lp_cli_usage("render", "--depth takes a whole number from 0, not '%s'", argv[i]);
            o.depth = (int)d;
            depth_given = true;
        } else if (!strcmp(a, "--engine")) {
            if (!has_next) return lp_cli_usage("render", "--engine needs auto, dot or layered");
            const char *e = argv[++i];
            if (!strcmp(e, "auto")) o.engine = LP_ENGINE_AUTO;
            else if (!strcmp(e, "dot")) o.engine = LP_ENGINE_DOT;
            else if (!strcmp(e, "layered")) o.engine = LP_ENGINE_LAYERED;
            else return lp_cli_usage("render", "--engine is auto, dot or layered, not '%s'", e);
        } else if (!strcmp(a, "--timeout")) {
            if (!has_next) return lp_cli_usage("render", "--timeout needs seconds");
            char *end;
            double t = strtod(argv[++i], &end);
            if (*end || end == argv[i] || !(t > 0 && t <= 86400))
                return lp_cli_usage("render", "--timeout takes seconds above 0, not '%s'", argv[i]);
            o.timeout = t;
        } else if (!strcmp(a, "--no-shapes")) {
            o.no_shapes = true;
        } else if (!strcmp(a, "--json")) {
            json = true;
        } else if (a[0] == '-' && a[1]) {
            return lp_cli_usage("render", "unknown option '%s'", a);
        } else if (!model) {
            model = a;
        } else {
            return lp_cli_usage("render", "one model at a time ('%s' is extra)", a);
        }
    }
    if (!model) return lp_cli_usage("render", "which model? give MODEL.onnx or PACKAGE.zip");
    if (!path) return lp_cli_usage("render", "where to? give -o FILE (or -o - for stdout)");
    if (depth_given && !o.around) return lp_cli_usage("render", "--depth goes with --around NODE");
    if (!format) {
        format = !strcmp(path, "-") ? "svg" : lp_render_format_for_path(path);
        if (!format)
            return lp_cli_usage("render", "cannot tell the format from '%s'; give --format", path);
    }

    lp_package *pkg;
    int rc = lp_cli_open(model, &pkg);
    if (rc) return rc;
    lp_model_infer_shapes(pkg->model);
    double t0 = lp_now_ms();
    lp_error err = {0};
    lp_scene *scene;
    lp_buf out = {0};
    rc = lp_scene_build(pkg->model, &o, &scene, &err);
    if (rc == LP_OK) {
        rc = lp_render_scene(scene, &o, format, &out, &err);
        if (rc == LP_OK) rc = write_out(path, &out);
        else lp_cli_error(&err);
        double secs = (lp_now_ms() - t0) / 1e3;
        int folded = 0;
        for (int i = 0; i < scene->n_boxes; i++) folded += scene->boxes[i].n_folded;
        const char *engine = strcmp(format, "dot") ? lp_render_engine(scene, &o) : NULL;
        if (rc == LP_OK && json) {
            cJSON *doc = cJSON_CreateObject();
            cJSON_AddStringToObject(doc, "model", model);
            cJSON_AddStringToObject(doc, "file", path);
            cJSON_AddStringToObject(doc, "format", format);
            cJSON_AddNumberToObject(doc, "bytes", (double)out.len);
            cJSON_AddNumberToObject(doc, "nodes", scene->n_node_boxes);
            cJSON_AddNumberToObject(doc, "boxes", scene->n_boxes);
            cJSON_AddNumberToObject(doc, "edges", scene->n_edges);
            cJSON_AddNumberToObject(doc, "clusters", scene->n_clusters);
            cJSON_AddNumberToObject(doc, "folded_subgraphs", folded);
            cJSON_AddNumberToObject(doc, "tabs", scene->n_cut);
            cJSON_AddNumberToObject(doc, "layout_units", (double)scene->units);
            if (engine) cJSON_AddStringToObject(doc, "engine", engine);
            cJSON_AddNumberToObject(doc, "seconds", secs);
            if (strcmp(path, "-")) lp_cli_print_json(doc);
            else cJSON_Delete(doc); /* stdout holds the picture */
        } else if (rc == LP_OK && strcmp(path, "-")) {
            printf("%s: %s, %d nodes, %d edges", path, format, scene->n_node_boxes, scene->n_edges);
            if (folded) printf(", %d subgraphs folded", folded);
            if (scene->n_clusters) printf(", %d clusters", scene->n_clusters);
            if (scene->n_cut) printf(", %d long edges drawn as tabs", scene->n_cut);
            if (engine) printf(", %s", engine);
            printf(", %.2f s\n", secs);
        }
        lp_scene_free(scene);
    } else {
        lp_cli_error(&err);
    }
    lp_buf_free(&out);
    lp_package_free(pkg);
    return rc;
}
