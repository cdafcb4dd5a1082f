/*
** cmd_pack.c — `loupe pack` (not yet built).
*/
#include "tui/cli.h"

int cmd_pack(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "loupe: pack: not available yet\n");
    return 1;
}
