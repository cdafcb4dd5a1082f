/*
** cmd_score.c — `loupe score`: OML inputRecords JSON in, OML-style
** scoringResults out.
*/
#include "ops/score.h"
#include "tui/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
    fprintf(f, "usage: loupe score PACKAGE.zip|MODEL.onnx REQUEST.json|- [options]\n\n"
               "Scores an OML Services request {\"inputRecords\":[{INPUT: [[...], ...]}],\n"
               "\"topN\": N} with the package's metadata.json and label.txt, and prints\n"
               "{\"scoringResults\":[...]}: {\"regression\": v}, {\"classifications\":\n"
               "[{label, probability}]}, {\"clusters\": [{clusterId, distance|probability}]}\n"
               "or {\"doubleWeights\": [...]} per row. '-' reads the request from stdin.\n\n"
               "  --topN N          keep the N best classes or clusters\n"
               "  --function F      classification|regression|clustering|feature_extraction\n"
               "                    (overrides metadata.json; needed for a bare .onnx)\n"
               "  --threads T       runtime threads\n"
               "  --json            (the output is always JSON)\n");
}

static char *read_all(const char *path, size_t *n, lp_error *err) {
    if (strcmp(path, "-")) {
        uint8_t *d;
        if (lp_read_file(path, (size_t)256 << 20, &d, n, err)) return NULL;
        return (char *)d;
    }
    lp_buf b = {0};
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, stdin)) > 0) lp_buf_append(&b, chunk, got);
    lp_buf_append(&b, "", 0);
    *n = b.len;
    return b.data;
}

int cmd_score(int argc, char **argv) {
    static const struct option longopts[] = {
        {"topN", required_argument, 0, 'n'}, {"function", required_argument, 0, 'f'},
        {"threads", required_argument, 0, 't'}, {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},       {0, 0, 0, 0}};
    lp_score_opts o = {0};
    int threads = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'n': o.top_n = atoi(optarg); break;
        case 'f': o.function = optarg; break;
        case 't': threads = atoi(optarg); break;
        case 'j': break;
        case 'h': usage(stdout); return 0;
        default: return lp_cli_usage("score", "unknown option");
        }
    }
    if (optind != argc - 2) return lp_cli_usage("score", "give a PACKAGE and a REQUEST file (or -)");
    lp_error err = {0};
    size_t n;
    char *text = read_all(argv[optind + 1], &n, &err);
    if (!text) return lp_cli_error(&err);
    const char *end = NULL;
    cJSON *req = cJSON_ParseWithLengthOpts(text, n, &end, 0);
    if (!req) {
        fprintf(stderr, "loupe: %s: not valid JSON (near byte %ld)\n", argv[optind + 1],
                end ? (long)(end - text) : 0L);
        free(text);
        return LP_EINPUT;
    }
    free(text);
    lp_package *p;
    int rc = lp_cli_open(argv[optind], &p);
    if (rc) {
        cJSON_Delete(req);
        return rc;
    }
    lp_session *s = NULL;
    lp_session_opts opts = {.threads = threads};
    rc = lp_session_create(p->model, &opts, &s, &err);
    cJSON *resp = NULL;
    if (!rc) rc = lp_score(s, p, req, &o, &resp, &err);
    if (rc) rc = lp_cli_error(&err);
    else lp_cli_print_json(resp);
    lp_session_free(s);
    lp_package_free(p);
    cJSON_Delete(req);
    return rc;
}
