/*
** cmd_run.c — `loupe run` (not yet built).
*/
#include "tui/cli.h"

int cmd_run(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "loupe: run: not available yet\n");
    return 1;
}
