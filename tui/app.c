/*
** app.c — placeholder until the workbench lands: prints `loupe info`.
*/
#include "tui/app.h"
#include "tui/cli.h"

int lp_app_main(int argc, char **argv) {
    char *args[] = {"info", argv[0], NULL};
    (void)argc;
    return cmd_info(2, args);
}
