/*
** cmd_ops.c — `loupe ops` (not yet built).
*/
#include "tui/cli.h"

int cmd_ops(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "loupe: ops: not available yet\n");
    return 1;
}
