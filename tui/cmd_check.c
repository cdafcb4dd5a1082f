/*
** cmd_check.c — `loupe check` (not yet built).
*/
#include "tui/cli.h"

int cmd_check(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "loupe: check: not available yet\n");
    return 1;
}
