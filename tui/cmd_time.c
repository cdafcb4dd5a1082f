/*
** cmd_time.c — `loupe time`: warm-up, timed runs, percentiles, throughput,
** peak memory, and the time per operator type and per node, like
** onnxruntime_perf_test and its profiler.
*/
#include "model/count.h"
#include "model/describe.h"
#include "ops/timing.h"
#include "tui/cli.h"

#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
    fprintf(f, "usage: loupe time MODEL [options]\n\n"
               "Creates a session, runs --warmup untimed runs and --runs timed runs on random\n"
               "inputs (or --input files), and prints create and first-run time, min, mean,\n"
               "p50/p90/p99 and max latency, throughput, peak memory, and the time per\n"
               "operator type (unless --no-profile) and, with --nodes, per node.\n\n"
               "  --runs N           timed runs (default 50)\n"
               "  --warmup N         untimed runs first (default 5)\n"
               "  --threads T        runtime threads (default: one per CPU)\n"
               "  --batch B          size of a symbolic first dimension (default 1)\n"
               "  --input NAME=FILE  an input from .pb or .npy (others are random)\n"
               "  --seed N           seed for random inputs (default 42)\n"
               "  --no-profile       skip the per-operator profile (no timer per node)\n"
               "  --top N            operator types shown (default 15)\n"
               "  --nodes N|all      also the N slowest nodes: name, op, output shape as run,\n"
               "                     ms per run, share, GFLOP/s (2 x MACs per second, for\n"
               "                     Conv, Gemm, MatMul and others whose MACs are known)\n"
               "  --json             print JSON (with --nodes, a \"nodes\" array too)\n");
}

/* --nodes: a positive count, or "all" (INT_MAX); 0 when neither. */
static int parse_nodes(const char *s) {
    if (!strcmp(s, "all")) return INT_MAX;
    char *end;
    long n = strtol(s, &end, 10);
    return *s && !*end && n > 0 && n <= INT_MAX ? (int)n : 0;
}

typedef struct report {
    const char *path;
    int threads, warmup;
    int64_t batch;
    const lp_timing *tm;
    const lp_op_profile *ops; /* NULL without the profile */
    int n_ops, top;
    const lp_node_profile_row *nodes; /* NULL without --nodes */
    int n_nodes;
} report;

static void print_json(const report *r) {
    const lp_timing *tm = r->tm;
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "model", r->path);
    cJSON_AddNumberToObject(doc, "threads", r->threads);
    cJSON_AddNumberToObject(doc, "batch", (double)r->batch);
    cJSON_AddNumberToObject(doc, "runs", tm->runs);
    cJSON_AddNumberToObject(doc, "warmup", r->warmup);
    cJSON_AddNumberToObject(doc, "create_ms", tm->create_ms);
    cJSON_AddNumberToObject(doc, "first_run_ms", tm->first_run_ms);
    cJSON_AddNumberToObject(doc, "min_ms", tm->min_ms);
    cJSON_AddNumberToObject(doc, "mean_ms", tm->mean_ms);
    cJSON_AddNumberToObject(doc, "p50_ms", tm->p50_ms);
    cJSON_AddNumberToObject(doc, "p90_ms", tm->p90_ms);
    cJSON_AddNumberToObject(doc, "p99_ms", tm->p99_ms);
    cJSON_AddNumberToObject(doc, "max_ms", tm->max_ms);
    cJSON_AddNumberToObject(doc, "throughput_per_s", tm->throughput * (double)r->batch);
    cJSON_AddNumberToObject(doc, "peak_rss_mb", (double)tm->peak_rss_kb / 1024.0);
    if (r->ops) {
        cJSON *arr = cJSON_AddArrayToObject(doc, "profile");
        for (int i = 0; i < r->n_ops; i++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "op_type", r->ops[i].op_type);
            cJSON_AddNumberToObject(e, "nodes", r->ops[i].nodes);
            cJSON_AddNumberToObject(e, "ms_per_run", r->ops[i].ms_per_run);
            cJSON_AddNumberToObject(e, "share", r->ops[i].share);
            cJSON_AddItemToArray(arr, e);
        }
    }
    if (r->nodes) {
        cJSON *arr = cJSON_AddArrayToObject(doc, "nodes");
        for (int i = 0; i < r->n_nodes; i++) {
            const lp_node_profile_row *n = &r->nodes[i];
            cJSON *e = cJSON_CreateObject(), *shape;
            cJSON_AddNumberToObject(e, "index", n->node);
            cJSON_AddStringToObject(e, "name", n->name);
            cJSON_AddStringToObject(e, "op_type", n->op_type);
            if (n->rank >= 0) {
                shape = cJSON_CreateArray();
                for (int d = 0; d < n->rank; d++)
                    cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)n->dims[d]));
            } else {
                shape = n->type ? lp_json_shape(n->type) : cJSON_CreateNull();
            }
            cJSON_AddItemToObject(e, "output_shape", shape);
            cJSON_AddNumberToObject(e, "ms_per_run", n->ms_per_run);
            cJSON_AddNumberToObject(e, "share", n->share);
            /* null when unknown, as the table leaves them blank */
            cJSON_AddItemToObject(
                e, "macs", n->macs > 0 ? cJSON_CreateNumber((double)n->macs) : cJSON_CreateNull());
            cJSON_AddItemToObject(
                e, "gflops", n->gflops > 0 ? cJSON_CreateNumber(n->gflops) : cJSON_CreateNull());
            cJSON_AddItemToArray(arr, e);
        }
    }
    lp_cli_print_json(doc);
}

/* A name for the table: "#index" when the node has none; a long one keeps
** its end, where paths such as /layer.3/attn/MatMul say the most. */
static const char *short_name(const lp_node_profile_row *n, int width, char *buf, size_t size) {
    if (!*n->name) {
        snprintf(buf, size, "#%d", n->node);
        return buf;
    }
    size_t len = strlen(n->name);
    if (len <= (size_t)width) return n->name;
    snprintf(buf, size, "..%s", n->name + len - (size_t)(width - 2));
    return buf;
}

static void print_nodes(const lp_node_profile_row *rows, int n, int total) {
    enum { NAME_MAX_W = 40 };
    int wn = 4, wo = 2, ws = 12; /* NAME, OP, OUTPUT SHAPE */
    char buf[256], shape[256];
    for (int i = 0; i < n; i++) {
        int l = (int)strlen(short_name(&rows[i], NAME_MAX_W, buf, sizeof buf));
        wn = l > wn ? (l < NAME_MAX_W ? l : NAME_MAX_W) : wn;
        l = (int)strlen(rows[i].op_type);
        wo = l > wo ? l : wo;
        l = (int)strlen(lp_node_profile_shape(&rows[i], shape, sizeof shape, true));
        ws = l > ws ? l : ws;
    }
    printf("\n%-*s  %-*s  %-*s %10s %7s %9s\n", wn, "NAME", wo, "OP", ws, "OUTPUT SHAPE", "MS/RUN",
           "SHARE", "GFLOP/S");
    for (int i = 0; i < n; i++) {
        const lp_node_profile_row *r = &rows[i];
        printf("%-*s  %-*s  %-*s %10.3f %6.1f%%", wn, short_name(r, NAME_MAX_W, buf, sizeof buf),
               wo, r->op_type, ws, lp_node_profile_shape(r, shape, sizeof shape, true),
               r->ms_per_run, r->share * 100);
        if (r->gflops > 0) printf(" %9.2f", r->gflops);
        printf("\n");
    }
    if (total > n) printf("(%d more node%s)\n", total - n, total - n == 1 ? "" : "s");
}

static void print_text(const report *r, int n_nodes_all) {
    const lp_timing *tm = r->tm;
    printf("Model        %s\n", r->path);
    printf("Session      created in %.2f ms; first run %.3f ms\n", tm->create_ms, tm->first_run_ms);
    printf("Runs         %d timed after %d warm-up (batch %lld, threads %s)\n", tm->runs, r->warmup,
           (long long)r->batch, r->threads ? "set" : "default");
    printf("Latency      min %.3f  mean %.3f  p50 %.3f  p90 %.3f  p99 %.3f  max %.3f ms\n",
           tm->min_ms, tm->mean_ms, tm->p50_ms, tm->p90_ms, tm->p99_ms, tm->max_ms);
    printf("Throughput   %.1f inferences/s\n", tm->throughput * (double)r->batch);
    printf("Peak memory  %.1f MB\n", (double)tm->peak_rss_kb / 1024.0);
    if (r->ops && r->n_ops) {
        printf("\n%-24s %6s %12s %7s\n", "OP TYPE", "NODES", "MS/RUN", "SHARE");
        for (int i = 0; i < r->n_ops && i < r->top; i++)
            printf("%-24s %6d %12.3f %6.1f%%\n", r->ops[i].op_type, r->ops[i].nodes,
                   r->ops[i].ms_per_run, r->ops[i].share * 100);
        if (r->n_ops > r->top) printf("(%d more op types)\n", r->n_ops - r->top);
    }
    if (r->nodes && r->n_nodes) print_nodes(r->nodes, r->n_nodes, n_nodes_all);
}

int cmd_time(int argc, char **argv) {
    static const struct option longopts[] = {
        {"runs", required_argument, 0, 'r'},  {"warmup", required_argument, 0, 'w'},
        {"threads", required_argument, 0, 't'}, {"batch", required_argument, 0, 'b'},
        {"input", required_argument, 0, 'i'}, {"seed", required_argument, 0, 's'},
        {"no-profile", no_argument, 0, 'P'},  {"top", required_argument, 0, 'T'},
        {"nodes", required_argument, 0, 'n'}, {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},        {0, 0, 0, 0}};
    int runs = 50, warmup = 5, threads = 0, profile = 1, top = 15, json = 0, n_given = 0, c;
    int show_nodes = 0; /* --nodes: how many */
    int64_t batch = 1;
    uint64_t seed = 42;
    char **given = NULL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'r': runs = atoi(optarg); break;
        case 'w': warmup = atoi(optarg); break;
        case 't': threads = atoi(optarg); break;
        case 'b': batch = atoll(optarg); break;
        case 'i':
            given = lp_xrealloc(given, (size_t)(n_given + 1) * sizeof *given);
            given[n_given++] = optarg;
            break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        case 'P': profile = 0; break;
        case 'T': top = atoi(optarg); break;
        case 'n':
            if (!(show_nodes = parse_nodes(optarg))) {
                free(given);
                return lp_cli_usage("time", "--nodes takes a count above 0 or 'all', not '%s'",
                                    optarg);
            }
            break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); free(given); return 0;
        default: free(given); return lp_cli_usage("time", "unknown option");
        }
    }
    if (optind != argc - 1 || runs < 1 || warmup < 0 || batch < 1 || threads < 0) {
        free(given);
        return lp_cli_usage("time", "give one MODEL; --runs >= 1, --warmup >= 0, --batch >= 1");
    }
    if (show_nodes && !profile) {
        free(given);
        return lp_cli_usage("time", "--nodes needs the profile; drop --no-profile");
    }
    lp_package *p;
    int rc = lp_cli_open(argv[optind], &p);
    if (rc) {
        free(given);
        return rc;
    }
    const lp_model *m = p->model;
    lp_rvalue *ins = NULL;
    lp_session *s = NULL;
    lp_shape_log *shapes = NULL;
    lp_error err = {0};
    lp_timing tm = {0};
    rc = lp_cli_inputs(m, given, n_given, 1, seed, batch, &ins);
    if (!rc) {
        lp_session_opts opts = {.threads = threads, .profile = profile};
        if (show_nodes) {
            lp_counts counts;
            lp_model_count(p->model, &counts); /* node->macs */
            shapes = lp_shape_log_new(m);
            opts.on_node = lp_shape_log_node;
            opts.on_node_ctx = shapes;
        }
        double t0 = lp_now_ms();
        rc = lp_session_create(m, &opts, &s, &err);
        tm.create_ms = lp_now_ms() - t0;
        if (rc) rc = lp_cli_error(&err);
    }
    if (!rc) {
        double create = tm.create_ms;
        rc = lp_time_runs(s, ins, m->graph->n_inputs, warmup, runs, NULL, &tm, &err);
        tm.create_ms = create;
        if (rc) rc = lp_cli_error(&err);
    }
    if (!rc) {
        report r = {.path = p->path, .threads = threads, .warmup = warmup, .batch = batch,
                    .tm = &tm, .top = top};
        lp_op_profile *ops = NULL;
        lp_node_profile_row *nodes = NULL;
        int n_nodes_all = 0;
        if (profile) {
            r.n_ops = lp_profile_by_op(s, &ops);
            r.ops = ops;
        }
        if (show_nodes) {
            n_nodes_all = lp_profile_by_node(s, shapes, &nodes);
            r.nodes = nodes;
            r.n_nodes = n_nodes_all < show_nodes ? n_nodes_all : show_nodes;
        }
        if (json) print_json(&r);
        else print_text(&r, n_nodes_all);
        free(ops);
        free(nodes);
    }
    lp_session_free(s);
    lp_shape_log_free(shapes);
    lp_cli_inputs_free(m, ins);
    free(given);
    lp_package_free(p);
    return rc;
}
