/*
** cmd_pack.c — `loupe pack`: an OML package from a .onnx model, a
** metadata.json and an optional label.txt, validated before anything is
** written.
*/
#include "model/package.h"
#include "tui/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_METADATA_FILE ((size_t)16 << 20)

static const char usage_text[] =
    "usage: loupe pack MODEL.onnx METADATA.json [label.txt] -o PKG.zip [options]\n"
    "\n"
    "Builds an OML package: the model (its bytes unchanged, under its own file name),\n"
    "metadata.json and, when given, label.txt (one label per line, in training order).\n"
    "The package is validated first, against the OML rules and against the model's inputs\n"
    "and outputs; when it has errors they are printed, one per line, nothing is written and\n"
    "the exit status is 2. Warnings are printed and the package is written.\n"
    "Writing is safe (temporary file, then rename); an existing PKG.zip is kept as\n"
    "PKG.zip.bak the first time it is replaced.\n"
    "\n"
    "options:\n"
    "  -o, --output PKG.zip  where to write the package (required)\n"
    "  -f, --force           write it even when validation finds errors\n"
    "  -h, --help            this help\n";

/* Reads metadata.json, naming the line and column of a syntax error. */
static int read_metadata(const char *path, cJSON **out, lp_error *err) {
    uint8_t *data;
    size_t n;
    int rc = lp_read_file(path, MAX_METADATA_FILE, &data, &n, err);
    if (rc) return rc;
    const char *end = NULL;
    cJSON *md = cJSON_ParseWithLengthOpts((const char *)data, n, &end, 0);
    if (!md) {
        int line = 1, col = 1;
        for (const char *s = (const char *)data; end && s < end && *s; s++) {
            if (*s == '\n') line++, col = 1;
            else col++;
        }
        free(data);
        return lp_fail(err, LP_EINPUT, "%s: not valid JSON (line %d, column %d)", path, line, col);
    }
    free(data);
    if (!cJSON_IsObject(md)) {
        cJSON_Delete(md);
        return lp_fail(err, LP_EINPUT, "%s: metadata must be a JSON object ({\"function\": ...})",
                       path);
    }
    *out = md;
    return LP_OK;
}

static void print_problems(FILE *f, const char *prefix, const char *pkg, const lp_problems *ps,
                           lp_severity sev) {
    lp_buf line = {0};
    for (int i = 0; i < ps->n; i++) {
        if (ps->items[i].severity != sev) continue;
        line.len = 0;
        lp_problem_format(pkg, &ps->items[i], &line);
        fprintf(f, "%s%s\n", prefix, line.data);
    }
    lp_buf_free(&line);
}

int cmd_pack(int argc, char **argv) {
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *output = NULL;
    bool force = false;
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":fho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': output = optarg; break;
        case 'f': force = true; break;
        case 'h': fputs(usage_text, stdout); return LP_OK;
        case ':': return lp_cli_usage("pack", "option '%s' needs a value", argv[optind - 1]);
        default: return lp_cli_usage("pack", "unknown option '%s'", argv[optind - 1]);
        }
    }
    int npos = argc - optind;
    char **pos = argv + optind;
    if (npos < 2 || npos > 3)
        return lp_cli_usage("pack", "give MODEL.onnx METADATA.json and, optionally, label.txt");
    if (!output) return lp_cli_usage("pack", "say where to write the package with -o PKG.zip");

    lp_error err = {0};
    lp_package *p;
    int rc = lp_cli_open(pos[0], &p);
    if (rc) return rc;
    cJSON *md = NULL;
    if (p->is_zip) {
        rc = lp_fail(&err, LP_EINPUT, "%s: is already a package; pack takes a .onnx model", pos[0]);
        goto fail;
    }
    if ((rc = read_metadata(pos[1], &md, &err))) goto fail;
    if ((rc = lp_package_set_metadata(p, md, &err))) goto fail;
    if (npos == 3) {
        char **labels;
        int count;
        if ((rc = lp_labels_read(pos[2], &labels, &count, &err))) goto fail;
        lp_package_set_labels(p, (const char *const *)labels, count);
        lp_labels_free(labels, count);
    }

    lp_problems ps = {0};
    int errors = lp_metadata_validate(p, &ps);
    if (errors && !force) {
        print_problems(stderr, "loupe: ", output, &ps, LP_SEV_ERROR);
        lp_problems_free(&ps);
        lp_package_free(p);
        return LP_EINPUT;
    }
    char bak[4200];
    snprintf(bak, sizeof bak, "%s.bak", output);
    bool had_bak = access(bak, F_OK) == 0;
    if ((rc = lp_package_save(p, output, &err))) {
        lp_problems_free(&ps);
        goto fail;
    }
    printf("%s: written (%s, metadata.json", output, p->model_member);
    if (p->has_labels) printf(", label.txt with %d label%s", p->n_labels, p->n_labels == 1 ? "" : "s");
    printf(")\n");
    if (!had_bak && access(bak, F_OK) == 0) printf("%s: the file it replaced is kept as %s\n", output, bak);
    print_problems(stdout, "", output, &ps, LP_SEV_WARNING);
    if (errors) print_problems(stdout, "", output, &ps, LP_SEV_ERROR);
    lp_problems_free(&ps);
    lp_package_free(p);
    return LP_OK;

fail:
    lp_package_free(p);
    return lp_cli_error(&err);
}
