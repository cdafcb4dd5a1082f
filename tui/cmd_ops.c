/*
** cmd_ops.c — `loupe ops`: the operators the runtime serves, from the one
** kernel table, and whether a given model can run.
*/
#include "ops/registry.h"
#include "ops/session.h"
#include "tui/cli.h"

#include <getopt.h>
#include <string.h>

static void usage(FILE *f) {
    fprintf(f, "usage: loupe ops [MODEL] [--json]\n\n"
               "Without MODEL: every (domain, operator, opset range) Loupe's runtime serves.\n"
               "With MODEL: whether every node of the model has a kernel; the missing ones\n"
               "are named (exit 1 if any).\n\n"
               "  --json   print JSON\n");
}

int cmd_ops(int argc, char **argv) {
    static const struct option longopts[] = {
        {"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'j') json = 1;
        else if (c == 'h') {
            usage(stdout);
            return 0;
        } else return lp_cli_usage("ops", "unknown option");
    }
    if (optind == argc - 1) {
        lp_package *p;
        int rc = lp_cli_open(argv[optind], &p);
        if (rc) return rc;
        lp_error err = {0};
        rc = lp_session_check_support(p->model, &err);
        if (rc) rc = lp_cli_error(&err);
        else printf("%s: every operator has a kernel\n", p->path);
        lp_package_free(p);
        return rc;
    }
    if (optind != argc) return lp_cli_usage("ops", "give at most one MODEL");
    int n;
    const lp_kernel *k = lp_registry_all(&n);
    cJSON *arr = json ? cJSON_CreateArray() : NULL;
    for (int i = 0; i < n; i++) {
        const char *domain = *k[i].domain ? k[i].domain : "ai.onnx";
        if (json) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "domain", domain);
            cJSON_AddStringToObject(e, "op_type", k[i].op);
            cJSON_AddNumberToObject(e, "since", k[i].since);
            cJSON_AddNumberToObject(e, "until", k[i].until);
            cJSON_AddItemToArray(arr, e);
        } else if (k[i].until >= 99) {
            printf("%-22s %-28s %d+\n", domain, k[i].op, k[i].since);
        } else {
            printf("%-22s %-28s %d-%d\n", domain, k[i].op, k[i].since, k[i].until);
        }
    }
    if (json) lp_cli_print_json(arr);
    else printf("%d kernels\n", n);
    return 0;
}
