/*
** cmd_tensors.c — `loupe tensors` (not yet built).
*/
#include "tui/cli.h"

int cmd_tensors(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "loupe: tensors: not available yet\n");
    return 1;
}
