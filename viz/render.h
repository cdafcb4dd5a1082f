/*
** render.h — drawing a model through Graphviz: SVG (node names as element
** ids, tooltips with every attribute), PNG, PDF, or the DOT text of the
** graph Loupe lays out.
*/
#ifndef LP_VIZ_RENDER_H
#define LP_VIZ_RENDER_H

#include "viz/scene.h"

/* "svg", "png", "pdf" or "dot" for a file name's extension (any case), or
** NULL when it has none of them. */
const char *lp_render_format_for_path(const char *path);
bool lp_render_format_known(const char *format);

/* Renders into out (appended). `format` is one of the four above. Fails
** with LP_EINPUT for a bad --around, LP_EUNSUPPORTED when the graph is too
** large to lay out in bounded time or Graphviz lacks the format's plugin. */
int lp_render_model(const lp_model *m, const lp_viz_opts *o, const char *format, lp_buf *out,
                    lp_error *err);
int lp_render_scene(const lp_scene *s, const lp_viz_opts *o, const char *format, lp_buf *out,
                    lp_error *err);

/* "dot" or "layered": the engine that lays out this scene with these options. */
const char *lp_render_engine(const lp_scene *s, const lp_viz_opts *o);

#endif
