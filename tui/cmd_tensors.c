/*
** cmd_tensors.c — `loupe tensors`: the initializers, and one tensor's
** statistics and values.
*/
#include "model/describe.h"
#include "tui/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
    fprintf(f, "usage: loupe tensors MODEL [NAME [--values [--limit N]]] [--json]\n\n"
               "Without NAME: every initializer (all graphs) with dtype, shape and bytes.\n"
               "With NAME: that tensor's statistics (min, max, mean, std, zeros, NaN and\n"
               "Inf counts), and with --values its values.\n\n"
               "  --values    print the values (row-major; the last axis on one line)\n"
               "  --limit N   at most N values (default all)\n"
               "  --json      print JSON\n");
}

static cJSON *json_dims(const lp_tensor *t) {
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < t->rank; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber((double)t->dims[i]));
    return a;
}

static const lp_tensor *find_tensor(const lp_model *m, const char *name, const char **graph) {
    for (int gi = 0; gi < m->n_graphs; gi++) {
        const lp_graph *g = m->graphs[gi];
        for (int i = 0; i < g->n_inits; i++)
            if (!strcmp(g->inits[i].name, name)) {
                *graph = g->path;
                return &g->inits[i];
            }
    }
    return NULL;
}

static int show_one(const lp_package *p, const char *name, int values, int64_t limit, int json) {
    const char *graph;
    const lp_tensor *t = find_tensor(p->model, name, &graph);
    if (!t) {
        fprintf(stderr, "loupe: %s: no initializer named '%s'\n", p->path, name);
        return LP_EINPUT;
    }
    lp_tensor_stats st;
    lp_tensor_stats_compute(t, &st);
    int64_t n = limit >= 0 && limit < t->numel ? limit : t->numel;
    char dims[256], bytes[64];
    if (json) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "name", t->name);
        cJSON_AddStringToObject(doc, "graph", graph);
        cJSON_AddStringToObject(doc, "dtype", lp_dtype_name(t->dtype));
        cJSON_AddItemToObject(doc, "shape", json_dims(t));
        cJSON_AddNumberToObject(doc, "elements", (double)t->numel);
        cJSON_AddNumberToObject(doc, "bytes", (double)t->nbytes);
        if (t->dtype != LP_STRING) {
            cJSON *s = cJSON_AddObjectToObject(doc, "stats");
            cJSON_AddItemToObject(s, "min", lp_json_number(st.min));
            cJSON_AddItemToObject(s, "max", lp_json_number(st.max));
            cJSON_AddItemToObject(s, "mean", lp_json_number(st.mean));
            cJSON_AddItemToObject(s, "std", lp_json_number(st.std));
            cJSON_AddNumberToObject(s, "zeros", (double)st.zeros);
            cJSON_AddNumberToObject(s, "nan", (double)st.nans);
            cJSON_AddNumberToObject(s, "inf", (double)st.infs);
        }
        if (values) {
            cJSON *a = cJSON_AddArrayToObject(doc, "values");
            for (int64_t i = 0; i < n; i++) {
                if (t->dtype == LP_STRING) cJSON_AddItemToArray(a, cJSON_CreateString(((char **)t->data)[i]));
                else cJSON_AddItemToArray(a, lp_json_number(lp_load_f64(t->dtype, t->data, (size_t)i)));
            }
        }
        lp_cli_print_json(doc);
        return 0;
    }
    printf("Name      %s%s%s\n", t->name, *graph ? "  in " : "", graph);
    printf("Type      %s[%s]\n", lp_dtype_name(t->dtype), t->rank ? lp_dims_str(t->rank, t->dims, dims, sizeof dims, true) : "");
    printf("Elements  %lld (%s)\n", (long long)t->numel, lp_bytes_str(t->nbytes, bytes, sizeof bytes));
    if (t->dtype != LP_STRING && t->numel > 0) {
        printf("Min       %.6g\nMax       %.6g\nMean      %.6g\nStd       %.6g\n", st.min, st.max, st.mean, st.std);
        printf("Zeros     %lld\nNaN       %lld\nInf       %lld\n", (long long)st.zeros, (long long)st.nans, (long long)st.infs);
    }
    if (values) {
        int64_t row = t->rank ? t->dims[t->rank - 1] : 1;
        if (row <= 0) row = 1;
        for (int64_t i = 0; i < n; i++) {
            char v[64];
            lp_tensor_format_value(t, i, v, sizeof v);
            printf("%s%s", (i % row) ? " " : "", v);
            if ((i + 1) % row == 0 || i + 1 == n) printf("\n");
        }
        if (n < t->numel) printf("... (%lld more)\n", (long long)(t->numel - n));
    }
    return 0;
}

int cmd_tensors(int argc, char **argv) {
    static const struct option longopts[] = {{"values", no_argument, 0, 'v'},
                                             {"limit", required_argument, 0, 'l'},
                                             {"json", no_argument, 0, 'j'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    int json = 0, values = 0, c;
    int64_t limit = -1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'v': values = 1; break;
        case 'l': limit = atoll(optarg); break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return 0;
        default: return lp_cli_usage("tensors", "unknown option");
        }
    }
    if (optind != argc - 1 && optind != argc - 2) return lp_cli_usage("tensors", "give MODEL [NAME]");
    lp_package *p;
    int rc = lp_cli_open(argv[optind], &p);
    if (rc) return rc;
    if (optind == argc - 2) {
        rc = show_one(p, argv[optind + 1], values, limit, json);
        lp_package_free(p);
        return rc;
    }
    const lp_model *m = p->model;
    cJSON *doc = json ? cJSON_CreateObject() : NULL;
    cJSON *arr = json ? cJSON_AddArrayToObject(doc, "tensors") : NULL;
    int w = 4;
    for (int gi = 0; gi < m->n_graphs; gi++)
        for (int i = 0; i < m->graphs[gi]->n_inits; i++) {
            int l = (int)strlen(m->graphs[gi]->inits[i].name);
            if (l > w) w = l;
        }
    if (w > 48) w = 48;
    uint64_t total = 0;
    int count = 0;
    if (!json) printf("%-*s  %-8s  %-20s  %s\n", w, "NAME", "DTYPE", "SHAPE", "BYTES");
    for (int gi = 0; gi < m->n_graphs; gi++) {
        const lp_graph *g = m->graphs[gi];
        for (int i = 0; i < g->n_inits; i++) {
            const lp_tensor *t = &g->inits[i];
            char dims[256], bytes[64];
            total += t->nbytes;
            count++;
            if (json) {
                cJSON *e = cJSON_CreateObject();
                cJSON_AddStringToObject(e, "name", t->name);
                cJSON_AddStringToObject(e, "graph", g->path);
                cJSON_AddStringToObject(e, "dtype", lp_dtype_name(t->dtype));
                cJSON_AddItemToObject(e, "shape", json_dims(t));
                cJSON_AddNumberToObject(e, "bytes", (double)t->nbytes);
                cJSON_AddItemToArray(arr, e);
            } else {
                printf("%-*s  %-8s  %-20s  %s\n", w, t->name, lp_dtype_name(t->dtype),
                       t->rank ? lp_dims_str(t->rank, t->dims, dims, sizeof dims, true) : "scalar",
                       lp_bytes_str(t->nbytes, bytes, sizeof bytes));
            }
        }
    }
    if (json) lp_cli_print_json(doc);
    else {
        char bytes[64];
        printf("%d initializer%s, %s\n", count, count == 1 ? "" : "s", lp_bytes_str(total, bytes, sizeof bytes));
    }
    lp_package_free(p);
    return 0;
}
