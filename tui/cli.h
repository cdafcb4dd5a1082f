/*
** cli.h — the command-line face: one function per subcommand (cmd_*.c), and
** the few helpers they share for options, errors and JSON output.
*/
#ifndef LP_CLI_H
#define LP_CLI_H

#include "model/base.h"
#include "model/load.h"

#include <cjson/cJSON.h>
#include <stdio.h>

typedef struct lp_command {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
    const char *summary;
} lp_command;

#define LP_COMMANDS(X)                                                                             \
    X(info, "a model's or package's inputs, outputs, opsets, producer, size and counts")         \
    X(nodes, "every node: op, inputs and outputs with shapes, attributes, MACs")                \
    X(tensors, "initializers: dtype, shape, bytes; one tensor's statistics and values")         \
    X(run, "run a model once (or --repeat N times) on .pb/.npy or random inputs")               \
    X(check, "run ONNX backend test cases and compare with their expected outputs")             \
    X(score, "score OML inputRecords JSON and print OML-style results")                         \
    X(time, "time a model: warm-up, percentiles, throughput, per-operator profile")             \
    X(render, "draw the graph as SVG, PNG, PDF or DOT through Graphviz")                        \
    X(meta, "show, validate or change a package's metadata.json")                               \
    X(pack, "build an OML package from a model, metadata.json and label.txt")                   \
    X(ops, "list the operators Loupe's runtime can run")

#define LP_DECLARE_CMD(name, summary) int cmd_##name(int argc, char **argv);
LP_COMMANDS(LP_DECLARE_CMD)
#undef LP_DECLARE_CMD

/* Prints "loupe: <msg>" on stderr and returns the error's status. */
int lp_cli_error(const lp_error *err);
/* Prints "loupe: <cmd>: <msg> (see 'loupe <cmd> --help')" and returns 2. */
int lp_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints a JSON document on stdout (pretty) and frees it. */
void lp_cli_print_json(cJSON *doc);
/* Opens a model or package, printing the error; returns status. */
int lp_cli_open(const char *path, lp_package **out);
/* True when argv[i] is -h or --help. */
int lp_cli_wants_help(int argc, char **argv);

/* The inputs of a run: `given` holds NAME=FILE strings (.pb or .npy); the
** rest are random (when `random`) or an error naming the missing input.
** Prints its own errors; returns the exit status. */
struct lp_model;
struct lp_rvalue;
int lp_cli_inputs(const struct lp_model *m, char **given, int n_given, int random,
                  uint64_t seed, int64_t batch, struct lp_rvalue **ins);
void lp_cli_inputs_free(const struct lp_model *m, struct lp_rvalue *ins);

/* JSON helpers for shapes and types: [1,3,"batch",null]. */
struct lp_type;
cJSON *lp_json_shape(const struct lp_type *t);
/* Makes a non-finite number JSON-safe (null) and finite ones a number. */
cJSON *lp_json_number(double v);

#endif
