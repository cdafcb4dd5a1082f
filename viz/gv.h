/*
** gv.h — private to viz/: a scene turned into a Graphviz graph and laid out
** by dot, with Graphviz's messages caught instead of printed; and the child
** process that lays out under a deadline, so a hang or a crash in dot is an
** error, not the end of Loupe. render.c exports; layout.c reads geometry.
*/
#ifndef LP_VIZ_GV_H
#define LP_VIZ_GV_H

#include "viz/scene.h"

#include <gvc.h>

typedef struct lp_gv {
    GVC_t *gvc;          /* made by lp_gv_layout */
    Agraph_t *g;
    Agnode_t **nodes;    /* per scene box */
    Agedge_t **edges;    /* per scene edge */
    Agraph_t **clusters; /* per scene cluster */
    Agnode_t *legend;    /* or NULL */
    const lp_scene *s;
    bool laid_out;
} lp_gv;

/* Builds the Graphviz graph of a scene, with a legend when asked. `safe`
** routes edges as straight lines, for a second try after dot's spline
** router crashed. */
int lp_gv_build(const lp_scene *s, const lp_viz_opts *o, bool legend, bool safe, lp_gv *gv,
                lp_error *err);
/* Lays out with dot, or with the layered engine for large scenes without
** clusters (in the calling process: use lp_viz_isolated around it). */
int lp_gv_layout(lp_gv *gv, const lp_viz_opts *o, lp_error *err);
bool lp_viz_layered(const lp_scene *s, const lp_viz_opts *o);
void lp_gv_free(lp_gv *gv);
/* The first error Graphviz reported since the last build, as one line. */
const char *lp_gv_message(void);

/* Refuses scenes above LP_VIZ_MAX_UNITS (LP_VIZ_MAX_DOT_UNITS for dot). */
int lp_viz_check_size(const lp_scene *s, const lp_viz_opts *o, lp_error *err);

/* Runs work in a child process and appends what it produced to out. Fails
** when the child takes longer than `seconds` (it is killed) or dies; then
** *crashed tells which. */
typedef int (*lp_viz_work)(void *arg, lp_buf *out, lp_error *err);
int lp_viz_isolated(lp_viz_work work, void *arg, double seconds, lp_buf *out, lp_error *err,
                    bool *crashed);

#endif
