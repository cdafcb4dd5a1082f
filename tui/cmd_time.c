/*
** cmd_time.c — `loupe time`: warm-up, timed runs, percentiles, throughput,
** peak memory and a per-operator profile, like onnxruntime_perf_test.
*/
#include "model/describe.h"
#include "ops/timing.h"
#include "tui/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <time.h>

static void usage(FILE *f) {
    fprintf(f, "usage: loupe time MODEL [options]\n\n"
               "Creates a session, runs --warmup untimed runs and --runs timed runs on random\n"
               "inputs (or --input files), and prints create and first-run time, min, mean,\n"
               "p50/p90/p99 and max latency, throughput, peak memory, and the time per\n"
               "operator type (with --profile, the default).\n\n"
               "  --runs N           timed runs (default 50)\n"
               "  --warmup N         untimed runs first (default 5)\n"
               "  --threads T        runtime threads (default: OpenBLAS's)\n"
               "  --batch B          size of a symbolic first dimension (default 1)\n"
               "  --input NAME=FILE  an input from .pb or .npy (others are random)\n"
               "  --seed N           seed for random inputs (default 42)\n"
               "  --no-profile       skip the per-operator profile (no timer per node)\n"
               "  --top N            operator types shown (default 15)\n"
               "  --json             print JSON\n");
}

int cmd_time(int argc, char **argv) {
    static const struct option longopts[] = {
        {"runs", required_argument, 0, 'r'},  {"warmup", required_argument, 0, 'w'},
        {"threads", required_argument, 0, 't'}, {"batch", required_argument, 0, 'b'},
        {"input", required_argument, 0, 'i'}, {"seed", required_argument, 0, 's'},
        {"no-profile", no_argument, 0, 'P'},  {"top", required_argument, 0, 'T'},
        {"json", no_argument, 0, 'j'},        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    int runs = 50, warmup = 5, threads = 0, profile = 1, top = 15, json = 0, n_given = 0, c;
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
        case 'j': json = 1; break;
        case 'h': usage(stdout); free(given); return 0;
        default: free(given); return lp_cli_usage("time", "unknown option");
        }
    }
    if (optind != argc - 1 || runs < 1 || warmup < 0 || batch < 1 || threads < 0) {
        free(given);
        return lp_cli_usage("time", "give one MODEL; --runs >= 1, --warmup >= 0, --batch >= 1");
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
    lp_error err = {0};
    lp_timing tm = {0};
    rc = lp_cli_inputs(m, given, n_given, 1, seed, batch, &ins);
    if (!rc) {
        lp_session_opts opts = {.threads = threads, .profile = profile};
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
        lp_op_profile *rows = NULL;
        int n_rows = profile ? lp_profile_by_op(s, &rows) : 0;
        if (json) {
            cJSON *doc = cJSON_CreateObject();
            cJSON_AddStringToObject(doc, "model", p->path);
            cJSON_AddNumberToObject(doc, "threads", threads);
            cJSON_AddNumberToObject(doc, "batch", (double)batch);
            cJSON_AddNumberToObject(doc, "runs", tm.runs);
            cJSON_AddNumberToObject(doc, "warmup", warmup);
            cJSON_AddNumberToObject(doc, "create_ms", tm.create_ms);
            cJSON_AddNumberToObject(doc, "first_run_ms", tm.first_run_ms);
            cJSON_AddNumberToObject(doc, "min_ms", tm.min_ms);
            cJSON_AddNumberToObject(doc, "mean_ms", tm.mean_ms);
            cJSON_AddNumberToObject(doc, "p50_ms", tm.p50_ms);
            cJSON_AddNumberToObject(doc, "p90_ms", tm.p90_ms);
            cJSON_AddNumberToObject(doc, "p99_ms", tm.p99_ms);
            cJSON_AddNumberToObject(doc, "max_ms", tm.max_ms);
            cJSON_AddNumberToObject(doc, "throughput_per_s", tm.throughput * (double)batch);
            cJSON_AddNumberToObject(doc, "peak_rss_mb", (double)tm.peak_rss_kb / 1024.0);
            if (profile) {
                cJSON *arr = cJSON_AddArrayToObject(doc, "profile");
                for (int i = 0; i < n_rows; i++) {
                    cJSON *e = cJSON_CreateObject();
                    cJSON_AddStringToObject(e, "op_type", rows[i].op_type);
                    cJSON_AddNumberToObject(e, "nodes", rows[i].nodes);
                    cJSON_AddNumberToObject(e, "ms_per_run", rows[i].total_ms / tm.runs);
                    cJSON_AddNumberToObject(e, "share", rows[i].share);
                    cJSON_AddItemToArray(arr, e);
                }
            }
            lp_cli_print_json(doc);
        } else {
            printf("Model        %s\n", p->path);
            printf("Session      created in %.2f ms; first run %.3f ms\n", tm.create_ms, tm.first_run_ms);
            printf("Runs         %d timed after %d warm-up (batch %lld, threads %s)\n", tm.runs, warmup,
                   (long long)batch, threads ? "set" : "default");
            printf("Latency      min %.3f  mean %.3f  p50 %.3f  p90 %.3f  p99 %.3f  max %.3f ms\n",
                   tm.min_ms, tm.mean_ms, tm.p50_ms, tm.p90_ms, tm.p99_ms, tm.max_ms);
            printf("Throughput   %.1f inferences/s\n", tm.throughput * (double)batch);
            printf("Peak memory  %.1f MB\n", (double)tm.peak_rss_kb / 1024.0);
            if (profile && n_rows) {
                printf("\n%-24s %6s %12s %7s\n", "OP TYPE", "NODES", "MS/RUN", "SHARE");
                for (int i = 0; i < n_rows && i < top; i++)
                    printf("%-24s %6d %12.3f %6.1f%%\n", rows[i].op_type, rows[i].nodes,
                           rows[i].total_ms / tm.runs, rows[i].share * 100);
                if (n_rows > top) printf("(%d more op types)\n", n_rows - top);
            }
        }
        free(rows);
    }
    lp_session_free(s);
    lp_cli_inputs_free(m, ins);
    free(given);
    lp_package_free(p);
    return rc;
}
