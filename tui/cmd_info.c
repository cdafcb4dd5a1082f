/*
** cmd_info.c — `loupe info` (not yet built).
*/
#include "tui/cli.h"

int cmd_info(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "loupe: info: not available yet\n");
    return 1;
}
