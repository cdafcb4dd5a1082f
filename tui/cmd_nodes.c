/*
** cmd_nodes.c — `loupe nodes`: every node with its inputs and outputs
** (dtype and shape), attributes and MACs; subgraph nodes with their path.
*/
#include "model/count.h"
#include "model/describe.h"
#include "tui/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void usage(FILE *f) {
    fprintf(f, "usage: loupe nodes MODEL [--op TYPE] [--no-subgraphs] [--json]\n\n"
               "Every node in topological order: index, name, op type, inputs and outputs with\n"
               "dtype and shape, attributes (tensor attributes summarised) and MACs. Nodes of\n"
               "If/Loop/Scan bodies follow, under their path (parent/attribute).\n\n"
               "  --op TYPE        only nodes of this op type (case-insensitive)\n"
               "  --no-subgraphs   only the main graph\n"
               "  --json           {\"nodes\":[{name, op_type, inputs, outputs, attributes, ...}]}\n");
}

static cJSON *json_attr(const lp_attr *a) {
    char buf[512];
    switch (a->type) {
    case LP_ATTR_FLOAT: return lp_json_number(a->f);
    case LP_ATTR_INT: return cJSON_CreateNumber((double)a->i);
    case LP_ATTR_STRING: return cJSON_CreateString(a->s);
    case LP_ATTR_FLOATS: {
        cJSON *arr = cJSON_CreateArray();
        for (int i = 0; i < a->n; i++) cJSON_AddItemToArray(arr, lp_json_number(a->floats[i]));
        return arr;
    }
    case LP_ATTR_INTS: {
        cJSON *arr = cJSON_CreateArray();
        for (int i = 0; i < a->n; i++) cJSON_AddItemToArray(arr, cJSON_CreateNumber((double)a->ints[i]));
        return arr;
    }
    case LP_ATTR_STRINGS: {
        cJSON *arr = cJSON_CreateArray();
        for (int i = 0; i < a->n; i++) cJSON_AddItemToArray(arr, cJSON_CreateString(a->strings[i]));
        return arr;
    }
    default: return cJSON_CreateString(lp_attr_format(a, buf, sizeof buf, 16));
    }
}

static cJSON *json_io(const lp_graph *g, const int *vals, int n) {
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        if (vals[i] < 0) {
            cJSON_AddStringToObject(e, "name", "");
            cJSON_AddItemToArray(arr, e);
            continue;
        }
        const lp_value *v = &g->values[vals[i]];
        cJSON_AddStringToObject(e, "name", v->name);
        cJSON_AddStringToObject(e, "dtype", lp_dtype_name(v->type.elem));
        cJSON_AddItemToObject(e, "shape", lp_json_shape(&v->type));
        if (v->init >= 0) cJSON_AddBoolToObject(e, "initializer", 1);
        cJSON_AddItemToArray(arr, e);
    }
    return arr;
}

static void print_io(const char *dir, const lp_graph *g, const int *vals, int n) {
    for (int i = 0; i < n; i++) {
        if (vals[i] < 0) continue;
        const lp_value *v = &g->values[vals[i]];
        char type[512];
        printf("    %s %s: %s%s\n", dir, v->name, lp_type_str(&v->type, type, sizeof type),
               v->init >= 0 ? " (initializer)" : v->outer >= 0 ? " (outer scope)" : "");
    }
}

int cmd_nodes(int argc, char **argv) {
    static const struct option longopts[] = {{"op", required_argument, 0, 'o'},
                                             {"no-subgraphs", no_argument, 0, 'n'},
                                             {"json", no_argument, 0, 'j'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    int json = 0, subgraphs = 1, c;
    const char *op = NULL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': op = optarg; break;
        case 'n': subgraphs = 0; break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return 0;
        default: return lp_cli_usage("nodes", "unknown option");
        }
    }
    if (optind != argc - 1) return lp_cli_usage("nodes", "give exactly one MODEL");
    lp_package *p;
    int rc = lp_cli_open(argv[optind], &p);
    if (rc) return rc;
    lp_model *m = p->model;
    lp_counts counts;
    lp_model_count(m, &counts);
    cJSON *doc = json ? cJSON_CreateObject() : NULL;
    cJSON *arr = json ? cJSON_AddArrayToObject(doc, "nodes") : NULL;
    int shown = 0;
    for (int gi = 0; gi < m->n_graphs; gi++) {
        const lp_graph *g = m->graphs[gi];
        if (gi > 0 && !subgraphs) break;
        for (int i = 0; i < g->n_nodes; i++) {
            const lp_node *n = &g->nodes[i];
            if (op && strcasecmp(op, n->op_type)) continue;
            shown++;
            if (json) {
                cJSON *e = cJSON_CreateObject();
                cJSON_AddNumberToObject(e, "index", i);
                cJSON_AddStringToObject(e, "name", n->name);
                cJSON_AddStringToObject(e, "op_type", n->op_type);
                cJSON_AddStringToObject(e, "domain", *n->domain ? n->domain : "ai.onnx");
                cJSON_AddStringToObject(e, "graph", g->path);
                cJSON_AddItemToObject(e, "inputs", json_io(g, n->inputs, n->n_inputs));
                cJSON_AddItemToObject(e, "outputs", json_io(g, n->outputs, n->n_outputs));
                cJSON *attrs = cJSON_AddObjectToObject(e, "attributes");
                for (int k = 0; k < n->n_attrs; k++)
                    cJSON_AddItemToObject(attrs, n->attrs[k].name, json_attr(&n->attrs[k]));
                cJSON_AddNumberToObject(e, "macs", (double)n->macs);
                cJSON_AddNumberToObject(e, "params", (double)n->params);
                if (*n->doc) cJSON_AddStringToObject(e, "doc_string", n->doc);
                cJSON_AddItemToArray(arr, e);
                continue;
            }
            char macs[64];
            printf("%s%s#%d %s  %s%s%s", g->path, *g->path ? " " : "", i,
                   *n->name ? n->name : "(unnamed)", *n->domain ? n->domain : "",
                   *n->domain ? "." : "", n->op_type);
            if (n->macs > 0) printf("  MACs %s", lp_count_str((double)n->macs, macs, sizeof macs));
            printf("\n");
            print_io("in ", g, n->inputs, n->n_inputs);
            print_io("out", g, n->outputs, n->n_outputs);
            for (int k = 0; k < n->n_attrs; k++) {
                char val[400];
                printf("    %s = %s\n", n->attrs[k].name, lp_attr_format(&n->attrs[k], val, sizeof val, 12));
            }
        }
    }
    if (json) lp_cli_print_json(doc);
    else if (op && !shown) printf("(no %s nodes)\n", op);
    lp_package_free(p);
    return 0;
}
