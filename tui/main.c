/*
** main.c — `loupe MODEL` opens the workbench; `loupe COMMAND ...` runs one
** command of the CLI. Every command returns 0 (ok), 1 (the work failed) or
** 2 (bad usage or bad input), and prints errors as one line on stderr.
*/
#include "tui/app.h"
#include "tui/cli.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

static const lp_command commands[] = {
#define LP_TABLE_ROW(name, summary) {#name, cmd_##name, summary},
    LP_COMMANDS(LP_TABLE_ROW)
#undef LP_TABLE_ROW
};

static void usage(FILE *f) {
    fprintf(f, "usage: loupe MODEL.onnx|PACKAGE.zip [-C] [-M]  open the workbench (-C no colour,\n"
               "                                               -M no mouse)\n"
               "       loupe COMMAND [ARGS] [--json]           run one command\n\n"
               "commands:\n");
    for (size_t i = 0; i < LP_COUNT(commands); i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'loupe COMMAND --help' describes a command's options.\n"
               "Exit status: 0 ok, 1 the work failed, 2 bad usage or bad input.\n");
}

int main(int argc, char **argv) {
    setlocale(LC_ALL, "");
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("loupe 0.1\n");
        return 0;
    }
    for (size_t i = 0; i < LP_COUNT(commands); i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    if (lp_app_option(argv[1])) return lp_app_main(argc - 1, argv + 1);
    if (argv[1][0] == '-') {
        fprintf(stderr, "loupe: unknown option '%s' (see 'loupe --help')\n", argv[1]);
        return 2;
    }
    return lp_app_main(argc - 1, argv + 1);
}
