/*
** cost.c — how much work a scene is for dot, estimated before dot runs:
** ranks as dot would assign them, and from them the virtual nodes that long
** edges become (see LP_VIZ_FAST_UNITS in scene.h).
*/
#include "viz/scene.h"

#include <stdlib.h>

int lp_scene_ranks(const lp_scene *s, int *rank) {
    int n = s->n_boxes, n_ranks = 0;
    int *indeg = lp_xcalloc((size_t)n + 1, sizeof *indeg);
    int *start = lp_xcalloc((size_t)n + 2, sizeof *start);
    int *fill = lp_xcalloc((size_t)n + 1, sizeof *fill);
    int *succ = lp_xcalloc((size_t)s->n_edges + 1, sizeof *succ);
    int *queue = lp_xcalloc((size_t)n + 1, sizeof *queue);
    for (int i = 0; i < n; i++) rank[i] = 0;
    for (int i = 0; i < s->n_edges; i++) {
        start[s->edges[i].from + 1]++;
        indeg[s->edges[i].to]++;
    }
    for (int i = 0; i < n; i++) start[i + 1] += start[i];
    for (int i = 0; i < s->n_edges; i++) {
        int f = s->edges[i].from;
        succ[start[f] + fill[f]++] = s->edges[i].to;
    }
    /* longest path from the sources; boxes on a cycle (none in ONNX) keep 0 */
    int head = 0, tail = 0;
    for (int i = 0; i < n; i++)
        if (!indeg[i]) queue[tail++] = i;
    while (head < tail) {
        int u = queue[head++];
        for (int k = start[u]; k < start[u + 1]; k++) {
            int v = succ[k];
            if (rank[v] < rank[u] + 1) rank[v] = rank[u] + 1;
            if (--indeg[v] == 0) queue[tail++] = v;
        }
    }
    /* dot's ranking shortens edges: a box nothing feeds (an input, a node
    ** reading only initializers) sits just above its first reader */
    for (int i = tail - 1; i >= 0; i--) {
        int u = queue[i], low = -1;
        for (int k = start[u]; k < start[u + 1]; k++)
            if (low < 0 || rank[succ[k]] < low) low = rank[succ[k]];
        if (rank[u] == 0 && low > 1) rank[u] = low - 1;
    }
    for (int i = 0; i < n; i++)
        if (rank[i] + 1 > n_ranks) n_ranks = rank[i] + 1;
    free(indeg);
    free(start);
    free(fill);
    free(succ);
    free(queue);
    return n_ranks;
}

long lp_scene_units(const lp_scene *s) {
    int *rank = lp_xcalloc((size_t)s->n_boxes + 1, sizeof *rank);
    lp_scene_ranks(s, rank);
    bool labels = false;
    for (int i = 0; i < s->n_edges && !labels; i++) labels = s->edges[i].label != NULL;
    long units = s->n_boxes + s->n_edges;
    for (int i = 0; i < s->n_edges; i++) {
        long span = rank[s->edges[i].to] - rank[s->edges[i].from];
        if (span > 1) units += (span - 1) * (labels ? 2 : 1);
        units += s->edges[i].label != NULL;
    }
    free(rank);
    return units;
}
