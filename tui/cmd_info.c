/*
** cmd_info.c — `loupe info`: what a model or package is, at a glance.
*/
#include "model/count.h"
#include "model/describe.h"
#include "tui/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

typedef struct op_count {
    const char *op;
    int n;
} op_count;

static int by_count(const void *a, const void *b) {
    const op_count *x = a, *y = b;
    if (x->n != y->n) return y->n - x->n;
    return strcmp(x->op, y->op);
}

/* Node counts by op type over the main graph, most frequent first. */
static op_count *count_ops(const lp_graph *g, int *n_out) {
    op_count *c = lp_xcalloc((size_t)g->n_nodes + 1, sizeof *c);
    int n = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        int k = 0;
        while (k < n && strcmp(c[k].op, g->nodes[i].op_type)) k++;
        if (k == n) c[n++].op = g->nodes[i].op_type;
        c[k].n++;
    }
    qsort(c, (size_t)n, sizeof *c, by_count);
    *n_out = n;
    return c;
}

static cJSON *json_values_list(const lp_graph *g, const int *idx, int n) {
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        const lp_value *v = &g->values[idx[i]];
        cJSON *e = cJSON_CreateObject();
        char type[256];
        cJSON_AddStringToObject(e, "name", v->name);
        if (v->type.kind == LP_KIND_TENSOR || v->type.kind == LP_KIND_UNKNOWN)
            cJSON_AddStringToObject(e, "dtype", lp_dtype_name(v->type.elem));
        else
            cJSON_AddStringToObject(e, "dtype", lp_type_str(&v->type, type, sizeof type));
        cJSON_AddItemToObject(e, "shape", lp_json_shape(&v->type));
        cJSON_AddItemToArray(a, e);
    }
    return a;
}

static void print_values(const char *title, const lp_graph *g, const int *idx, int n) {
    printf("%s\n", title);
    int w = 4;
    for (int i = 0; i < n; i++) {
        int l = (int)strlen(g->values[idx[i]].name);
        if (l > w) w = l;
    }
    if (w > 40) w = 40;
    for (int i = 0; i < n; i++) {
        const lp_value *v = &g->values[idx[i]];
        char type[512];
        printf("  %-*s  %s\n", w, v->name, lp_type_str(&v->type, type, sizeof type));
    }
    if (n == 0) printf("  (none)\n");
}

static void usage(FILE *f) {
    fprintf(f, "usage: loupe info MODEL.onnx|PACKAGE.zip [--json]\n\n"
               "File, size, IR version, opsets, producer, inputs and outputs (name, dtype,\n"
               "shape), node count by op type, parameters, weight bytes, MACs and\n"
               "metadata_props; for a package also its function and labels.\n\n"
               "  --json   print a JSON object (top-level 'inputs' and 'outputs' arrays\n"
               "           of {name, dtype, shape})\n");
}

int cmd_info(int argc, char **argv) {
    static const struct option longopts[] = {
        {"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'j') json = 1;
        else if (c == 'h') {
            usage(stdout);
            return 0;
        } else return lp_cli_usage("info", "unknown option");
    }
    if (optind != argc - 1) return lp_cli_usage("info", "give exactly one MODEL");
    lp_package *p;
    int rc = lp_cli_open(argv[optind], &p);
    if (rc) return rc;
    lp_model *m = p->model;
    const lp_graph *g = m->graph;
    lp_counts counts;
    lp_model_count(m, &counts);
    int n_ops;
    op_count *ops = count_ops(g, &n_ops);
    const cJSON *fn = p->metadata ? cJSON_GetObjectItemCaseSensitive(p->metadata, "function") : NULL;
    char a[64], b[64];

    if (json) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "file", p->path);
        cJSON_AddStringToObject(doc, "kind", p->is_zip ? "package" : "model");
        if (p->model_member) cJSON_AddStringToObject(doc, "model_member", p->model_member);
        cJSON_AddNumberToObject(doc, "model_bytes", (double)m->file_size);
        cJSON_AddNumberToObject(doc, "ir_version", (double)m->ir_version);
        cJSON *os = cJSON_AddArrayToObject(doc, "opsets");
        for (int i = 0; i < m->n_opsets; i++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "domain", *m->opsets[i].domain ? m->opsets[i].domain : "ai.onnx");
            cJSON_AddNumberToObject(e, "version", (double)m->opsets[i].version);
            cJSON_AddItemToArray(os, e);
        }
        cJSON *prod = cJSON_AddObjectToObject(doc, "producer");
        cJSON_AddStringToObject(prod, "name", m->producer_name);
        cJSON_AddStringToObject(prod, "version", m->producer_version);
        cJSON_AddStringToObject(doc, "domain", m->domain);
        cJSON_AddNumberToObject(doc, "model_version", (double)m->model_version);
        cJSON_AddStringToObject(doc, "doc_string", m->doc);
        cJSON_AddStringToObject(doc, "graph_name", g->name);
        cJSON_AddItemToObject(doc, "inputs", json_values_list(g, g->inputs, g->n_inputs));
        cJSON_AddItemToObject(doc, "outputs", json_values_list(g, g->outputs, g->n_outputs));
        cJSON_AddNumberToObject(doc, "nodes", g->n_nodes);
        cJSON_AddNumberToObject(doc, "nodes_with_subgraphs", counts.n_nodes_all);
        cJSON *oc = cJSON_AddObjectToObject(doc, "op_counts");
        for (int i = 0; i < n_ops; i++) cJSON_AddNumberToObject(oc, ops[i].op, ops[i].n);
        cJSON_AddNumberToObject(doc, "initializers", g->n_inits);
        cJSON_AddNumberToObject(doc, "parameters", (double)counts.params);
        cJSON_AddNumberToObject(doc, "weight_bytes", (double)counts.weight_bytes);
        cJSON_AddNumberToObject(doc, "macs", (double)counts.macs);
        cJSON_AddNumberToObject(doc, "functions", m->n_functions);
        cJSON *mp = cJSON_AddObjectToObject(doc, "metadata_props");
        for (int i = 0; i < m->n_props; i++) cJSON_AddStringToObject(mp, m->props[i].key, m->props[i].value);
        if (p->is_zip) {
            cJSON *pk = cJSON_AddObjectToObject(doc, "package");
            if (cJSON_IsString(fn)) cJSON_AddStringToObject(pk, "function", fn->valuestring);
            else cJSON_AddNullToObject(pk, "function");
            cJSON_AddItemToObject(pk, "metadata", cJSON_Duplicate(p->metadata, 1));
            cJSON *labels = cJSON_AddArrayToObject(pk, "labels");
            for (int i = 0; i < p->n_labels; i++) cJSON_AddItemToArray(labels, cJSON_CreateString(p->labels[i]));
        }
        lp_cli_print_json(doc);
    } else {
        printf("File        %s%s%s%s\n", p->path, p->is_zip ? " (package, model " : "",
               p->is_zip ? p->model_member : "", p->is_zip ? ")" : "");
        printf("Size        %s\n", lp_bytes_str(m->file_size, a, sizeof a));
        printf("IR version  %lld\n", (long long)m->ir_version);
        printf("Opsets      ");
        for (int i = 0; i < m->n_opsets; i++)
            printf("%s%s %lld", i ? ", " : "", *m->opsets[i].domain ? m->opsets[i].domain : "ai.onnx",
                   (long long)m->opsets[i].version);
        printf("\n");
        printf("Producer    %s%s%s\n", *m->producer_name ? m->producer_name : "(none)",
               *m->producer_version ? " " : "", m->producer_version);
        if (*m->domain || m->model_version)
            printf("Domain      %s  version %lld\n", m->domain, (long long)m->model_version);
        if (*g->name) printf("Graph       %s\n", g->name);
        if (*m->doc) printf("Doc         %.300s\n", m->doc);
        print_values("Inputs", g, g->inputs, g->n_inputs);
        print_values("Outputs", g, g->outputs, g->n_outputs);
        printf("Nodes       %d", g->n_nodes);
        if (counts.n_nodes_all > g->n_nodes) printf(" (%d with subgraphs)", counts.n_nodes_all);
        printf("\n");
        for (int i = 0; i < n_ops; i++) printf("  %-22s %d\n", ops[i].op, ops[i].n);
        printf("Parameters  %s (%lld in %d initializers, %s)\n", lp_count_str((double)counts.params, a, sizeof a),
               (long long)counts.params, g->n_inits, lp_bytes_str((uint64_t)counts.weight_bytes, b, sizeof b));
        printf("MACs        %s (%lld)\n", lp_count_str((double)counts.macs, a, sizeof a), (long long)counts.macs);
        if (m->n_functions) printf("Functions   %d\n", m->n_functions);
        if (m->n_props) {
            printf("Metadata props\n");
            for (int i = 0; i < m->n_props; i++) printf("  %s = %.200s\n", m->props[i].key, m->props[i].value);
        }
        if (p->is_zip) {
            printf("Function    %s\n", cJSON_IsString(fn) ? fn->valuestring : "(not set)");
            printf("Labels      ");
            if (!p->has_labels) printf("(no label.txt)");
            for (int i = 0; i < p->n_labels && i < 10; i++) printf("%s%s", i ? ", " : "", p->labels[i]);
            if (p->n_labels > 10) printf(", ... (%d in all)", p->n_labels);
            printf("\n");
        }
    }
    free(ops);
    lp_package_free(p);
    return 0;
}
