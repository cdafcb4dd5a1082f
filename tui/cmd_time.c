/*
** cmd_time.c — `loupe time` (not yet built).
*/
#include "tui/cli.h"

int cmd_time(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "loupe: time: not available yet\n");
    return 1;
}
