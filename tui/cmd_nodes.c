/*
** cmd_nodes.c — `loupe nodes` (not yet built).
*/
#include "tui/cli.h"

int cmd_nodes(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "loupe: nodes: not available yet\n");
    return 1;
}
