/*
** scene.h — what a picture of a model shows, decided once for every output
** (SVG, PNG, PDF, DOT, the terminal): the boxes with their lines of text,
** the edges with their tensor labels, and the clusters of expanded
** subgraphs. No coordinates here; layout.h adds them.
**
** Initializers and Constant nodes are not boxes: they are lines in the box
** of the node that reads them ("W ⟨64×3×7×7⟩"), as Netron draws them.
*/
#ifndef LP_VIZ_SCENE_H
#define LP_VIZ_SCENE_H

#include "model/ir.h"
#include "viz/style.h"

/* Subgraphs are expanded by default when the model has at most this many
** nodes in all its graphs; above it they are folded into a marked box. */
#define LP_VIZ_EXPAND_MAX 300

/* The layout's cost, in "units": boxes + edges + the virtual nodes an edge
** spanning ranks becomes (doubled, plus one per label, when edges carry
** labels, which take ranks of their own). dot's slow phases (network
** simplex for ranks and x positions, crossing minimisation) grow faster than
** linearly in them; the layered engine (layered.c) linearly.
**   <= LP_VIZ_DOT_UNITS     dot, full quality
**   >  LP_VIZ_FAST_UNITS    edges spanning more than LP_VIZ_LONG_SPAN ranks
**                           past a value's first reader are cut: the value
**                           is drawn again as a tab by the far reader
**   >  LP_VIZ_DOT_UNITS     the layered engine; dot with capped iterations
**                           when subgraphs are expanded (clusters)
**   >  LP_VIZ_MAX_UNITS     refused (LP_VIZ_MAX_DOT_UNITS with clusters)
** Measured on this 2-core machine: see doc/render.md. */
#define LP_VIZ_DOT_UNITS 2500
#define LP_VIZ_FAST_UNITS 2500
#define LP_VIZ_LONG_SPAN 40
#define LP_VIZ_MAX_DOT_UNITS 20000
#define LP_VIZ_MAX_UNITS 1000000
/* And a deadline: the layout runs in a child process killed after this long. */
#define LP_VIZ_TIMEOUT 60.0

typedef enum lp_viz_engine {
    LP_ENGINE_AUTO,    /* dot up to LP_VIZ_DOT_UNITS, then the layered engine */
    LP_ENGINE_DOT,     /* Graphviz's dot */
    LP_ENGINE_LAYERED, /* layered.c: near-linear, for thousands of nodes */
} lp_viz_engine;

typedef struct lp_viz_opts {
    bool lr;            /* rank left to right instead of top to bottom */
    int subgraphs;      /* 1 expand, 0 fold, -1 decide by size (LP_VIZ_EXPAND_MAX) */
    const char *around; /* draw only this node's neighbourhood (name or Op_index) */
    int depth;          /* hops from `around`, >= 0 */
    bool no_shapes;     /* leave tensor shapes off the edges */
    double timeout;     /* seconds for the layout; 0 for LP_VIZ_TIMEOUT */
    lp_viz_engine engine;
} lp_viz_opts;

typedef enum lp_box_kind {
    LP_BOX_NODE,   /* an operator */
    LP_BOX_INPUT,  /* a graph input */
    LP_BOX_OUTPUT, /* a graph output */
    LP_BOX_STUB,   /* the edge of an --around neighbourhood: a value from or to outside */
    LP_BOX_REF,    /* a value drawn again by a reader far from where it is made */
} lp_box_kind;

typedef enum lp_line_style {
    LP_LINE_TITLE,  /* op type (bold), or an input's/output's name */
    LP_LINE_NAME,   /* the node name */
    LP_LINE_TENSOR, /* a folded initializer or constant: "W ⟨64×3×7×7⟩" */
    LP_LINE_ATTR,   /* "kernel_shape = 7,7" */
    LP_LINE_TYPE,   /* an input's or output's "f32 1×3×224×224" */
    LP_LINE_FOLD,   /* "▸ body · 12 nodes": a folded subgraph */
} lp_line_style;

typedef struct lp_line {
    lp_line_style style;
    const char *text; /* valid UTF-8 without control characters */
} lp_line;

typedef struct lp_box {
    lp_box_kind kind;
    const lp_graph *graph;
    int node;          /* LP_BOX_NODE: index in graph->nodes, else -1 */
    int value;         /* INPUT, OUTPUT, STUB: index in graph->values, else -1 */
    int cluster;       /* the innermost cluster holding it, -1 at top level */
    lp_family family;  /* LP_BOX_NODE only */
    const char *id;    /* unique in the scene: the ONNX node name, else "Op_index" */
    const char *tooltip; /* everything: attributes, inputs, outputs, doc string */
    lp_line *lines;
    int n_lines;
    int n_folded;      /* subgraphs drawn folded into this box */
} lp_box;

typedef enum lp_edge_kind {
    LP_EDGE_DATA,    /* a tensor from producer to consumer */
    LP_EDGE_CAPTURE, /* a value a folded subgraph reads from this scope */
    LP_EDGE_BODY,    /* a control-flow node to its expanded body (no tensor) */
    LP_EDGE_ORDER,   /* invisible: keeps consumers below an expanded body */
} lp_edge_kind;

typedef struct lp_edge {
    lp_edge_kind kind;
    int from, to;          /* box indices */
    int to_cluster;        /* LP_EDGE_BODY: the body cluster it points at, else -1 */
    const lp_graph *graph; /* where `value` lives */
    int value;             /* the tensor carried, -1 for BODY/ORDER */
    const char *label;     /* "1×64×56×56 f32", or NULL */
    const char *tooltip;   /* the tensor's name and type */
} lp_edge;

typedef struct lp_cluster {
    const char *id;     /* "cluster_<n>" */
    const char *title;  /* "Loop · loop_body" or "body" */
    int parent;         /* enclosing cluster, -1 at top level */
    int owner;          /* the box of the control-flow node */
    const lp_graph *graph; /* the body, or NULL for a node's wrapper cluster */
} lp_cluster;

typedef struct lp_scene {
    lp_arena arena;
    const lp_model *model;
    const lp_graph *root;  /* the graph drawn (a subgraph under --around) */
    lp_box *boxes;
    int n_boxes;
    lp_edge *edges;
    int n_edges;
    lp_cluster *clusters;
    int n_clusters;
    unsigned families;     /* bit (1 << lp_family) per family drawn, for the legend */
    int n_node_boxes;      /* boxes of kind LP_BOX_NODE */
    int centre;            /* the --around node's box, or -1 */
    bool expanded;         /* subgraphs drawn as clusters */
    long units;            /* the layout cost estimate (above) */
    int n_cut;             /* long edges replaced by LP_BOX_REF tabs */
} lp_scene;

int lp_scene_build(const lp_model *m, const lp_viz_opts *o, lp_scene **out, lp_error *err);
void lp_scene_free(lp_scene *s);

/* Ranks as dot would start from them: longest path from the sources, then
** boxes nothing feeds pulled down to just above their first reader. rank
** has n_boxes entries; returns the number of ranks. */
int lp_scene_ranks(const lp_scene *s, int *rank);
long lp_scene_units(const lp_scene *s);

/* The id a node gets when it has no name: "Conv_12" (op type, index). */
char *lp_viz_node_id(const lp_node *n, char *buf, size_t size);

/* Finds a node by name, or by its "Op_index" id, in the main graph first and
** then in the subgraphs. Returns the node's index and sets *graph. */
int lp_viz_find_node(const lp_model *m, const char *name, const lp_graph **graph);

#endif
