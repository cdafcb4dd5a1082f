/*
** cmd_run.c — `loupe run`: runs a model once (and --repeat N more times),
** on inputs from .pb/.npy files or random ones, and prints or writes the
** outputs.
*/
#include "model/tensor_io.h"
#include "ops/inputs.h"
#include "ops/session.h"
#include "ops/timing.h"
#include "tui/cli.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static void usage(FILE *f) {
    fprintf(f,
            "usage: loupe run MODEL [options]\n\n"
            "Runs the model once and prints each output's name, dtype, shape and first values.\n\n"
            "  --input NAME=FILE  an input from a TensorProto .pb or a NumPy .npy (repeatable)\n"
            "  --random           fill inputs not given with random values\n"
            "                     (floats in [-1,1), integers in [0,4), bools 0/1)\n"
            "  --seed N           seed for --random (default 42)\n"
            "  --batch B          size of a symbolic first dimension for --random (default 1)\n"
            "  --threads T        threads for the runtime (default: one per CPU)\n"
            "  --repeat N         run N more times and print min and median latency\n"
            "  --out DIR          write output K as DIR/output_K.pb (graph output order),\n"
            "                     and the inputs as DIR/input_K.pb: a test_data_set\n"
            "  --values N         how many values to show per output (default 8)\n"
            "  --no-fuse          run the graph as written: no constant folding, no fusion\n"
            "  --trace            print every node's outputs (shape, min, max, mean) on stderr\n"
            "  --json             print the result as JSON\n");
}

/* --trace: one line per node with its outputs' shapes and statistics. */
static void trace_node(void *ctx, const lp_node *n, lp_rvalue *const *outs, int n_outs) {
    (void)ctx;
    char label[256];
    fprintf(stderr, "%-32s %-20s", lp_node_label(n, label, sizeof label), n->op_type);
    for (int i = 0; i < n_outs; i++) {
        if (!outs[i]) continue;
        if (outs[i]->kind != LP_RV_TENSOR) {
            fprintf(stderr, "  (%s)", outs[i]->kind == LP_RV_SEQUENCE ? "sequence" : "value");
            continue;
        }
        const lp_tensor *t = &outs[i]->t;
        char dims[128];
        lp_tensor_stats st;
        lp_tensor_stats_compute(t, &st);
        fprintf(stderr, "  %s[%s] min %.6g max %.6g mean %.6g", lp_dtype_short(t->dtype),
                lp_dims_str(t->rank, t->dims, dims, sizeof dims, true), st.min, st.max, st.mean);
        if (st.nans || st.infs) fprintf(stderr, " nan %lld inf %lld", (long long)st.nans, (long long)st.infs);
    }
    fputc('\n', stderr);
}

static void describe(const lp_rvalue *v, char *buf, size_t n) {
    char dims[256];
    switch (v->kind) {
    case LP_RV_TENSOR:
        snprintf(buf, n, "%s[%s]", lp_dtype_name(v->t.dtype),
                 v->t.rank ? lp_dims_str(v->t.rank, v->t.dims, dims, sizeof dims, true) : "");
        break;
    case LP_RV_SEQUENCE: snprintf(buf, n, "sequence of %d", v->n_items); break;
    case LP_RV_MAP: snprintf(buf, n, "map of %lld", (long long)v->keys.numel); break;
    default: snprintf(buf, n, "none");
    }
}

static cJSON *json_values(const lp_tensor *t, int64_t limit) {
    cJSON *a = cJSON_CreateArray();
    for (int64_t i = 0; i < t->numel && i < limit; i++) {
        if (t->dtype == LP_STRING) cJSON_AddItemToArray(a, cJSON_CreateString(((char **)t->data)[i]));
        else if (t->dtype == LP_BOOL) cJSON_AddItemToArray(a, cJSON_CreateBool(((uint8_t *)t->data)[i]));
        else cJSON_AddItemToArray(a, lp_json_number(lp_load_f64(t->dtype, t->data, (size_t)i)));
    }
    return a;
}

int cmd_run(int argc, char **argv) {
    static const struct option longopts[] = {
        {"input", required_argument, 0, 'i'},  {"random", no_argument, 0, 'r'},
        {"seed", required_argument, 0, 's'},   {"batch", required_argument, 0, 'b'},
        {"threads", required_argument, 0, 't'}, {"repeat", required_argument, 0, 'n'},
        {"out", required_argument, 0, 'o'},    {"values", required_argument, 0, 'v'},
        {"json", no_argument, 0, 'j'},         {"help", no_argument, 0, 'h'},
        {"no-fuse", no_argument, 0, 'F'},      {"trace", no_argument, 0, 'T'},
        {0, 0, 0, 0}};
    char **given = NULL;
    int n_given = 0, random = 0, json = 0, no_fuse = 0, trace = 0, threads = 0, repeat = 0, show = 8;
    uint64_t seed = 42;
    int64_t batch = 1;
    const char *out_dir = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'i':
            given = lp_xrealloc(given, (size_t)(n_given + 1) * sizeof *given);
            given[n_given++] = optarg;
            break;
        case 'r': random = 1; break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        case 'b': batch = atoll(optarg); break;
        case 't': threads = atoi(optarg); break;
        case 'n': repeat = atoi(optarg); break;
        case 'o': out_dir = optarg; break;
        case 'v': show = atoi(optarg); break;
        case 'j': json = 1; break;
        case 'F': no_fuse = 1; break;
        case 'T': trace = 1; break;
        case 'h': usage(stdout); free(given); return 0;
        default: free(given); return lp_cli_usage("run", "unknown option");
        }
    }
    if (optind != argc - 1) {
        free(given);
        return lp_cli_usage("run", "give exactly one MODEL");
    }
    if (batch < 1 || repeat < 0 || threads < 0) {
        free(given);
        return lp_cli_usage("run", "--batch, --repeat and --threads take positive numbers");
    }
    lp_package *pkg;
    int rc = lp_cli_open(argv[optind], &pkg);
    if (rc) {
        free(given);
        return rc;
    }
    const lp_model *m = pkg->model;
    const lp_graph *g = m->graph;
    lp_error err = {0};
    lp_session *s = NULL;
    lp_rvalue *ins = NULL;
    rc = lp_cli_inputs(m, given, n_given, random, seed, batch, &ins);
    if (!rc) {
        lp_session_opts opts = {.threads = threads, .no_fuse = no_fuse,
                                .on_node = trace ? trace_node : NULL};
        rc = lp_session_create(m, &opts, &s, &err);
        if (rc) rc = lp_cli_error(&err);
    }
    lp_rvalue **outs = lp_xcalloc((size_t)g->n_outputs + 1, sizeof *outs);
    double first_ms = 0;
    lp_timing tm = {0};
    if (!rc) {
        double t0 = lp_now_ms();
        rc = lp_session_run(s, ins, g->n_inputs, outs, &err);
        first_ms = lp_now_ms() - t0;
        if (rc) rc = lp_cli_error(&err);
    }
    if (!rc && repeat > 0) {
        /* the same timed loop as `loupe time`; the outputs stay those of the last run */
        rc = lp_time_runs(s, ins, g->n_inputs, 0, repeat, NULL, &tm, &err);
        if (rc) rc = lp_cli_error(&err);
    }
    if (!rc && out_dir) {
        mkdir(out_dir, 0777);
        for (int o = 0; o < g->n_outputs && !rc; o++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/output_%d.pb", out_dir, o);
            rc = lp_rvalue_write_pb(path, outs[o], g->values[g->outputs[o]].name, &err);
            if (rc) rc = lp_cli_error(&err);
        }
        /* the inputs too, so DIR is a test_data_set that `loupe check` can replay */
        for (int i = 0; i < g->n_inputs && !rc; i++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/input_%d.pb", out_dir, i);
            rc = lp_rvalue_write_pb(path, &ins[i], g->values[g->inputs[i]].name, &err);
            if (rc) rc = lp_cli_error(&err);
        }
    }
    if (!rc) {
        if (json) {
            cJSON *doc = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(doc, "outputs");
            for (int o = 0; o < g->n_outputs; o++) {
                const lp_rvalue *v = outs[o];
                cJSON *e = cJSON_CreateObject();
                cJSON_AddStringToObject(e, "name", g->values[g->outputs[o]].name);
                if (v->kind == LP_RV_TENSOR) {
                    cJSON_AddStringToObject(e, "dtype", lp_dtype_name(v->t.dtype));
                    cJSON *sh = cJSON_AddArrayToObject(e, "shape");
                    for (int d = 0; d < v->t.rank; d++) cJSON_AddItemToArray(sh, cJSON_CreateNumber((double)v->t.dims[d]));
                    cJSON_AddItemToObject(e, "values", json_values(&v->t, show));
                } else {
                    char desc[300];
                    describe(v, desc, sizeof desc);
                    cJSON_AddStringToObject(e, "kind", desc);
                }
                cJSON_AddItemToArray(arr, e);
            }
            cJSON_AddNumberToObject(doc, "first_run_ms", first_ms);
            if (repeat > 0) {
                cJSON_AddNumberToObject(doc, "runs", repeat);
                cJSON_AddNumberToObject(doc, "min_ms", tm.min_ms);
                cJSON_AddNumberToObject(doc, "median_ms", tm.p50_ms);
            }
            lp_cli_print_json(doc);
        } else {
            for (int o = 0; o < g->n_outputs; o++) {
                const lp_rvalue *v = outs[o];
                char desc[300];
                describe(v, desc, sizeof desc);
                printf("%s  %s", g->values[g->outputs[o]].name, desc);
                if (v->kind == LP_RV_TENSOR) {
                    printf("  [");
                    for (int64_t i = 0; i < v->t.numel && i < show; i++) {
                        char val[64];
                        lp_tensor_format_value(&v->t, i, val, sizeof val);
                        printf("%s%s", i ? " " : "", val);
                    }
                    printf("%s]", v->t.numel > show ? " ..." : "");
                }
                printf("\n");
            }
            if (repeat > 0)
                printf("first run %.3f ms; %d more runs: min %.3f ms, median %.3f ms\n", first_ms,
                       repeat, tm.min_ms, tm.p50_ms);
            if (out_dir) printf("wrote %d output%s to %s/\n", g->n_outputs, g->n_outputs == 1 ? "" : "s", out_dir);
        }
    }
    free(outs);
    lp_session_free(s);
    lp_cli_inputs_free(m, ins);
    free(given);
    lp_package_free(pkg);
    return rc;
}
