/*
** app.h — the ncurses workbench: `loupe MODEL` opens it.
*/
#ifndef LP_APP_H
#define LP_APP_H

/* argv[0] is the model path. Returns the process exit status. */
int lp_app_main(int argc, char **argv);

#endif
