/*
** cli.c — helpers the commands share: errors, usage, JSON, opening files.
*/
#include "tui/cli.h"
#include "model/ir.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int lp_cli_error(const lp_error *err) {
    fprintf(stderr, "loupe: %s\n", err->msg);
    /* exit codes are 0, 1 and 2: what Loupe cannot do is work that failed */
    return err->status == LP_EINPUT ? LP_EINPUT : LP_EFAIL;
}

int lp_cli_usage(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "loupe: %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see 'loupe %s --help')\n", cmd);
    va_end(ap);
    return LP_EINPUT;
}

void lp_cli_print_json(cJSON *doc) {
    char *text = cJSON_Print(doc);
    if (text) {
        fputs(text, stdout);
        fputc('\n', stdout);
        free(text);
    }
    cJSON_Delete(doc);
}

int lp_cli_open(const char *path, lp_package **out) {
    lp_error err = {0};
    int rc = lp_package_open(path, out, &err);
    if (rc) return lp_cli_error(&err);
    return LP_OK;
}

int lp_cli_wants_help(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) return 1;
    return 0;
}

cJSON *lp_json_number(double v) { return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull(); }

cJSON *lp_json_shape(const lp_type *t) {
    if (t->rank < 0) return cJSON_CreateNull();
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < t->rank; i++) {
        if (t->dims[i].value >= 0) cJSON_AddItemToArray(a, cJSON_CreateNumber((double)t->dims[i].value));
        else if (t->dims[i].param) cJSON_AddItemToArray(a, cJSON_CreateString(t->dims[i].param));
        else cJSON_AddItemToArray(a, cJSON_CreateNull());
    }
    return a;
}
