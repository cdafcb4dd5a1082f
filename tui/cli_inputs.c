/*
** cli_inputs.c — gathering a run's inputs from the command line: files
** named with --input NAME=FILE, the rest random or refused.
*/
#include "model/tensor_io.h"
#include "ops/inputs.h"
#include "tui/cli.h"

#include <stdlib.h>
#include <string.h>

static int load_one(const lp_value *v, const char *file, lp_rvalue *out) {
    lp_error err = {0};
    size_t len = strlen(file);
    int rc;
    if (len > 4 && !strcmp(file + len - 4, ".npy")) {
        out->kind = LP_RV_TENSOR;
        rc = lp_tensor_load_npy(file, &out->t, &err);
    } else {
        rc = lp_rvalue_load_pb(file, &v->type, out, &err);
    }
    return rc ? lp_cli_error(&err) : LP_OK;
}

int lp_cli_inputs(const lp_model *m, char **given, int n_given, int random, uint64_t seed,
                  int64_t batch, lp_rvalue **out) {
    const lp_graph *g = m->graph;
    lp_rvalue *ins = lp_xcalloc((size_t)g->n_inputs + 1, sizeof *ins);
    bool *have = lp_xcalloc((size_t)g->n_inputs + 1, sizeof *have);
    int rc = LP_OK;
    for (int i = 0; i < n_given && !rc; i++) {
        const char *eq = strchr(given[i], '=');
        if (!eq) {
            rc = lp_cli_usage("run", "--input takes NAME=FILE, got '%s'", given[i]);
            break;
        }
        int k = -1;
        for (int j = 0; j < g->n_inputs; j++) {
            const char *name = g->values[g->inputs[j]].name;
            if (strlen(name) == (size_t)(eq - given[i]) && !strncmp(name, given[i], (size_t)(eq - given[i])))
                k = j;
        }
        if (k < 0) {
            fprintf(stderr, "loupe: %s: the model has no input '%.*s'\n", m->path,
                    (int)(eq - given[i]), given[i]);
            rc = LP_EINPUT;
            break;
        }
        lp_rvalue_clear(&ins[k]);
        rc = load_one(&g->values[g->inputs[k]], eq + 1, &ins[k]);
        have[k] = true;
    }
    lp_error err = {0};
    for (int i = 0; i < g->n_inputs && !rc; i++) {
        if (have[i]) continue;
        const lp_value *v = &g->values[g->inputs[i]];
        if (!random) {
            fprintf(stderr, "loupe: %s: input '%s' is not given (use --input %s=FILE or --random)\n",
                    m->path, v->name, v->name);
            rc = LP_EINPUT;
            break;
        }
        if (lp_random_input(v, &seed, batch, &ins[i], &err)) rc = lp_cli_error(&err);
    }
    free(have);
    if (rc) {
        lp_cli_inputs_free(m, ins);
        ins = NULL;
    }
    *out = ins;
    return rc;
}

void lp_cli_inputs_free(const lp_model *m, lp_rvalue *ins) {
    if (!ins) return;
    for (int i = 0; i < m->graph->n_inputs; i++) lp_rvalue_clear(&ins[i]);
    free(ins);
}
