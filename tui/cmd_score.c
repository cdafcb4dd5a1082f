/*
** cmd_score.c — `loupe score` (not yet built).
*/
#include "tui/cli.h"

int cmd_score(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "loupe: score: not available yet\n");
    return 1;
}
