/*
** app.h — the ncurses workbench: `loupe MODEL` opens it.
*/
#ifndef LP_APP_H
#define LP_APP_H

#include <stdbool.h>

/* argv[0] is the model path, options may follow (-C/--no-color,
** -M/--no-mouse, --ascii). Returns the process exit status. */
int lp_app_main(int argc, char **argv);

/* True for an option the workbench takes, so `loupe -C MODEL` reaches it. */
bool lp_app_option(const char *arg);

#endif
