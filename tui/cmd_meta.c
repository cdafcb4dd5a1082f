/*
** cmd_meta.c — `loupe meta` (not yet built).
*/
#include "tui/cli.h"

int cmd_meta(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "loupe: meta: not available yet\n");
    return 1;
}
