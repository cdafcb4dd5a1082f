/*
** cmd_score.c — `loupe score`: OML inputRecords JSON in, OML-style
** scoringResults out.
*/
#include "model/base64.h"
#include "ops/image.h"
#include "ops/score.h"
#include "tui/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
    fprintf(f, "usage: loupe score PACKAGE.zip|MODEL.onnx REQUEST.json|- [options]\n"
               "       loupe score PACKAGE.zip --image FILE... [options]\n\n"
               "Scores an OML Services request {\"inputRecords\":[{INPUT: [[...], ...]}],\n"
               "\"topN\": N} with the package's metadata.json and label.txt, and prints\n"
               "{\"scoringResults\":[...]}: {\"regression\": v}, {\"classifications\":\n"
               "[{label, probability}]}, {\"clusters\": [{clusterId, distance|probability}]}\n"
               "or {\"doubleWeights\": [...]} per row. '-' reads the request from stdin.\n"
               "For an image package (height, width, channel in metadata.json) a record's\n"
               "value may be an image file in base64 (PNG, JPEG, BMP, PNM, TIFF, WebP,\n"
               "JPEG 2000): it is resized to width x height (bilinear), put in inputChannel\n"
               "order, normalised as (pixel - mean) * scale and laid out per\n"
               "inputTensorDimNames.\n\n"
               "  --image FILE...   score image files, one record each (instead of REQUEST)\n"
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

/* {"inputRecords": [{INPUT: "<base64 of FILE>"}, ...]}, one record per file. */
static cJSON *image_request(const lp_package *p, char **files, int n, lp_error *err) {
    const lp_graph *g = p->model->graph;
    if (!lp_score_is_image_meta(p->metadata)) {
        lp_fail(err, LP_EINPUT, "%s: --image needs an image package (metadata.json with height, "
                "width and channel)", p->path);
        return NULL;
    }
    if (g->n_inputs != 1) {
        lp_fail(err, LP_EINPUT, "%s: an image model takes one input, this one has %d", p->path,
                g->n_inputs);
        return NULL;
    }
    cJSON *req = cJSON_CreateObject(), *records = cJSON_AddArrayToObject(req, "inputRecords");
    for (int i = 0; i < n; i++) {
        uint8_t *data;
        size_t size;
        if (lp_read_file(files[i], (size_t)256 << 20, &data, &size, err)) {
            cJSON_Delete(req);
            return NULL;
        }
        if (lp_image_sniff(data, size) == LP_IMG_UNKNOWN) {
            free(data);
            cJSON_Delete(req);
            lp_fail(err, LP_EINPUT, "%s: not an image (PNG, JPEG, BMP, PNM, TIFF, WebP or JPEG "
                    "2000, told by its first bytes)", files[i]);
            return NULL;
        }
        char *b64 = lp_base64_encode(data, size);
        free(data);
        cJSON *rec = cJSON_CreateObject();
        cJSON_AddStringToObject(rec, g->values[g->inputs[0]].name, b64);
        cJSON_AddItemToArray(records, rec);
        free(b64);
    }
    return req;
}

/* The request from REQUEST.json or stdin. */
static cJSON *file_request(const char *path, lp_error *err) {
    size_t n;
    char *text = read_all(path, &n, err);
    if (!text) return NULL;
    const char *end = NULL;
    cJSON *req = cJSON_ParseWithLengthOpts(text, n, &end, 0);
    if (!req)
        lp_fail(err, LP_EINPUT, "%s: not valid JSON (near byte %ld)", path,
                end ? (long)(end - text) : 0L);
    free(text);
    return req;
}

int cmd_score(int argc, char **argv) {
    static const struct option longopts[] = {
        {"topN", required_argument, 0, 'n'},   {"function", required_argument, 0, 'f'},
        {"threads", required_argument, 0, 't'}, {"json", no_argument, 0, 'j'},
        {"image", required_argument, 0, 'i'},   {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    lp_score_opts o = {0};
    int threads = 0, c;
    char **images = lp_xcalloc((size_t)argc + 1, sizeof *images);
    int n_images = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'n': o.top_n = atoi(optarg); break;
        case 'f': o.function = optarg; break;
        case 't': threads = atoi(optarg); break;
        case 'j': break;
        case 'i': images[n_images++] = optarg; break;
        case 'h': free(images); usage(stdout); return 0;
        default: free(images); return lp_cli_usage("score", "unknown option");
        }
    }
    /* with --image, the words after the package are more image files */
    int positional = argc - optind;
    if (n_images ? positional < 1 : positional != 2) {
        free(images);
        return lp_cli_usage("score", "give a PACKAGE and a REQUEST file (or -), or a PACKAGE "
                            "and --image FILE...");
    }
    for (int i = optind + 1; n_images && i < argc; i++) images[n_images++] = argv[i];
    lp_error err = {0};
    lp_package *p;
    int rc = lp_cli_open(argv[optind], &p);
    if (rc) {
        free(images);
        return rc;
    }
    cJSON *req = n_images ? image_request(p, images, n_images, &err)
                          : file_request(argv[optind + 1], &err);
    free(images);
    lp_session *s = NULL;
    lp_session_opts opts = {.threads = threads};
    cJSON *resp = NULL;
    rc = req ? LP_OK : err.status;
    if (!rc) rc = lp_session_create(p->model, &opts, &s, &err);
    if (!rc) rc = lp_score(s, p, req, &o, &resp, &err);
    if (rc) rc = lp_cli_error(&err);
    else lp_cli_print_json(resp);
    lp_session_free(s);
    lp_package_free(p);
    cJSON_Delete(req);
    return rc;
}
