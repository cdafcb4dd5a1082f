/*
** cmd_render.c — `loupe render` (not yet built).
*/
#include "tui/cli.h"

int cmd_render(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "loupe: render: not available yet\n");
    return 1;
}
