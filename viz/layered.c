/*
** layered.c — Sugiyama's method, kept near-linear so graphs of thousands of
** nodes lay out in well under a second:
**
**   1. ranks: longest path from the sources, sources pulled down to just
**      above their first reader (doubled when edges carry labels, so every
**      label gets a rank of its own, as dot does);
**   2. edges longer than one rank become chains of virtual nodes;
**   3. order within ranks: depth-first start, then barycenter sweeps down
**      and up, keeping the order with the fewest crossings;
**   4. x: alternating passes put every node at the weighted mean of its
**      neighbours (long-edge chains weigh most, so they run straight),
**      solved exactly under the order and spacing constraints by pool
**      adjacent violators;
**   5. routes: through the virtual nodes, tails and heads spread along
**      their box's side.
**
** Everything is computed top to bottom and turned for left-to-right.
*/
#include "viz/layered.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SWEEPS 8
#define PASSES 8
#define ARROW 6.0 /* points: the arrowhead dot draws at arrowsize 0.6 */

typedef struct lg {
    int n, n_real, n_ranks;
    double *left, *right, *h; /* extents along the rank, height across */
    int *rank, *pos;          /* rank, and position within it */
    double *x;
    int *up_start, *up, *down_start, *down; /* neighbours in the ranks above and below */
    int *layer_start, *layer;               /* nodes by rank, in order */
    int *chain_start, *chain;               /* per edge: its nodes from tail to head */
} lg;

/* ---- ranks ---- */

static void rank_nodes(const lp_layered_in *in, int *rank) {
    int n = in->n;
    int *indeg = calloc((size_t)n + 1, sizeof *indeg), *start = calloc((size_t)n + 2, sizeof *start);
    int *fill = calloc((size_t)n + 1, sizeof *fill), *succ = calloc((size_t)in->m + 1, sizeof *succ);
    int *queue = calloc((size_t)n + 1, sizeof *queue);
    for (int e = 0; e < in->m; e++) {
        if (in->from[e] == in->to[e]) continue;
        start[in->from[e] + 1]++;
        indeg[in->to[e]]++;
    }
    for (int i = 0; i < n; i++) start[i + 1] += start[i];
    for (int e = 0; e < in->m; e++)
        if (in->from[e] != in->to[e]) succ[start[in->from[e]] + fill[in->from[e]]++] = in->to[e];
    int head = 0, tail = 0;
    for (int i = 0; i < n; i++) {
        rank[i] = 0;
        if (!indeg[i]) queue[tail++] = i;
    }
    while (head < tail) {
        int u = queue[head++];
        for (int k = start[u]; k < start[u + 1]; k++) {
            int v = succ[k];
            if (rank[v] < rank[u] + 1) rank[v] = rank[u] + 1;
            if (--indeg[v] == 0) queue[tail++] = v;
        }
    }
    for (int i = tail - 1; i >= 0; i--) {
        int u = queue[i], low = -1;
        for (int k = start[u]; k < start[u + 1]; k++)
            if (low < 0 || rank[succ[k]] < low) low = rank[succ[k]];
        if (rank[u] == 0 && low > 1) rank[u] = low - 1;
    }
    free(indeg);
    free(start);
    free(fill);
    free(succ);
    free(queue);
}

/* ---- the layered graph ---- */

static bool edge_kept(const lp_layered_in *in, const int *rank, int e) {
    return in->from[e] != in->to[e] && rank[in->to[e]] > rank[in->from[e]];
}

static void build(const lp_layered_in *in, lg *g, bool labels) {
    int *rank0 = calloc((size_t)in->n + 1, sizeof *rank0);
    rank_nodes(in, rank0);
    int scale = labels ? 2 : 1;
    int n = in->n;
    for (int e = 0; e < in->m; e++)
        if (edge_kept(in, rank0, e)) n += (rank0[in->to[e]] - rank0[in->from[e]]) * scale - 1;
    g->n = n;
    g->n_real = in->n;
    g->left = calloc((size_t)n + 1, sizeof *g->left);
    g->right = calloc((size_t)n + 1, sizeof *g->right);
    g->h = calloc((size_t)n + 1, sizeof *g->h);
    g->rank = calloc((size_t)n + 1, sizeof *g->rank);
    g->pos = calloc((size_t)n + 1, sizeof *g->pos);
    g->x = calloc((size_t)n + 1, sizeof *g->x);
    g->chain_start = calloc((size_t)in->m + 2, sizeof *g->chain_start);
    for (int i = 0; i < in->n; i++) {
        double w = in->lr ? in->h[i] : in->w[i];
        g->left[i] = g->right[i] = w / 2;
        g->h[i] = in->lr ? in->w[i] : in->h[i];
        g->rank[i] = rank0[i] * scale;
    }
    /* chains: tail, virtual nodes, head */
    int total = 0;
    for (int e = 0; e < in->m; e++) {
        g->chain_start[e] = total;
        if (edge_kept(in, rank0, e)) total += (rank0[in->to[e]] - rank0[in->from[e]]) * scale + 1;
    }
    g->chain_start[in->m] = total;
    g->chain = calloc((size_t)total + 1, sizeof *g->chain);
    int next = in->n;
    for (int e = 0; e < in->m; e++) {
        int at = g->chain_start[e];
        if (at == g->chain_start[e + 1]) continue;
        int a = in->from[e], b = in->to[e];
        g->chain[at++] = a;
        for (int r = g->rank[a] + 1; r < g->rank[b]; r++) {
            int v = next++;
            g->rank[v] = r;
            g->left[v] = g->right[v] = 1;
            if (r == g->rank[a] + 1 && in->label_w && in->label_w[e] > 0) {
                /* the label sits right of the edge's first virtual node */
                g->right[v] = 4 + (in->lr ? in->label_h[e] : in->label_w[e]);
                g->h[v] = in->lr ? in->label_w[e] : in->label_h[e];
            }
            g->chain[at++] = v;
        }
        g->chain[at++] = b;
    }
    /* adjacency between neighbouring ranks */
    g->up_start = calloc((size_t)n + 2, sizeof *g->up_start);
    g->down_start = calloc((size_t)n + 2, sizeof *g->down_start);
    int links = 0;
    for (int e = 0; e < in->m; e++)
        for (int k = g->chain_start[e]; k + 1 < g->chain_start[e + 1]; k++) {
            g->down_start[g->chain[k] + 1]++;
            g->up_start[g->chain[k + 1] + 1]++;
            links++;
        }
    for (int i = 0; i < n; i++) {
        g->down_start[i + 1] += g->down_start[i];
        g->up_start[i + 1] += g->up_start[i];
    }
    g->up = calloc((size_t)links + 1, sizeof *g->up);
    g->down = calloc((size_t)links + 1, sizeof *g->down);
    int *fu = calloc((size_t)n + 1, sizeof *fu), *fd = calloc((size_t)n + 1, sizeof *fd);
    for (int e = 0; e < in->m; e++)
        for (int k = g->chain_start[e]; k + 1 < g->chain_start[e + 1]; k++) {
            int a = g->chain[k], b = g->chain[k + 1];
            g->down[g->down_start[a] + fd[a]++] = b;
            g->up[g->up_start[b] + fu[b]++] = a;
        }
    free(fu);
    free(fd);
    /* layers, first in depth-first order from the sources */
    g->n_ranks = 0;
    for (int i = 0; i < n; i++)
        if (g->rank[i] + 1 > g->n_ranks) g->n_ranks = g->rank[i] + 1;
    g->layer_start = calloc((size_t)g->n_ranks + 2, sizeof *g->layer_start);
    g->layer = calloc((size_t)n + 1, sizeof *g->layer);
    for (int i = 0; i < n; i++) g->layer_start[g->rank[i] + 1]++;
    for (int r = 0; r < g->n_ranks; r++) g->layer_start[r + 1] += g->layer_start[r];
    int *fill = calloc((size_t)g->n_ranks + 1, sizeof *fill);
    bool *seen = calloc((size_t)n + 1, sizeof *seen);
    int *stack = calloc((size_t)n + 1, sizeof *stack);
    for (int s = 0; s < n; s++) {
        if (seen[s] || g->up_start[s + 1] > g->up_start[s]) continue;
        int sp = 0;
        stack[sp++] = s;
        seen[s] = true;
        while (sp) {
            int u = stack[--sp];
            int r = g->rank[u];
            g->pos[u] = fill[r];
            g->layer[g->layer_start[r] + fill[r]++] = u;
            for (int k = g->down_start[u + 1] - 1; k >= g->down_start[u]; k--)
                if (!seen[g->down[k]]) {
                    seen[g->down[k]] = true;
                    stack[sp++] = g->down[k];
                }
        }
    }
    for (int u = 0; u < n; u++) /* on a cycle: not reached from a source */
        if (!seen[u]) {
            int r = g->rank[u];
            g->pos[u] = fill[r];
            g->layer[g->layer_start[r] + fill[r]++] = u;
        }
    free(fill);
    free(seen);
    free(stack);
    free(rank0);
}

static void lg_free(lg *g) {
    free(g->left);
    free(g->right);
    free(g->h);
    free(g->rank);
    free(g->pos);
    free(g->x);
    free(g->up_start);
    free(g->up);
    free(g->down_start);
    free(g->down);
    free(g->layer_start);
    free(g->layer);
    free(g->chain_start);
    free(g->chain);
}

/* ---- order ---- */

typedef struct keyed {
    double key;
    int node, pos;
} keyed;

static int keyed_cmp(const void *pa, const void *pb) {
    const keyed *a = pa, *b = pb;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    return a->pos - b->pos;
}

/* Reorders rank r by the mean position of each node's neighbours. */
static void barycenter(lg *g, int r, const int *start, const int *adj, keyed *tmp) {
    int a = g->layer_start[r], b = g->layer_start[r + 1];
    for (int i = a; i < b; i++) {
        int u = g->layer[i];
        int k0 = start[u], k1 = start[u + 1];
        double sum = 0;
        for (int k = k0; k < k1; k++) sum += g->pos[adj[k]];
        tmp[i - a] = (keyed){k1 > k0 ? sum / (k1 - k0) : g->pos[u], u, g->pos[u]};
    }
    qsort(tmp, (size_t)(b - a), sizeof *tmp, keyed_cmp);
    for (int i = a; i < b; i++) {
        g->layer[i] = tmp[i - a].node;
        g->pos[tmp[i - a].node] = i - a;
    }
}

/* Crossings between rank r and r + 1: inversions among the edge ends,
** counted with a Fenwick tree. */
static long crossings_between(const lg *g, int r, int *ends, long *tree) {
    int n_next = g->layer_start[r + 2] - g->layer_start[r + 1], m = 0;
    for (int i = g->layer_start[r]; i < g->layer_start[r + 1]; i++) {
        int u = g->layer[i];
        int k0 = m;
        for (int k = g->down_start[u]; k < g->down_start[u + 1]; k++) ends[m++] = g->pos[g->down[k]];
        for (int x = k0 + 1; x < m; x++) /* ends of one node in order: insertion sort, short lists */
            for (int y = x; y > k0 && ends[y - 1] > ends[y]; y--) {
                int t = ends[y];
                ends[y] = ends[y - 1];
                ends[y - 1] = t;
            }
    }
    for (int i = 0; i <= n_next; i++) tree[i] = 0;
    long cross = 0;
    for (int k = 0; k < m; k++) {
        int p = ends[k] + 1;
        long greater = k;
        for (int q = p; q > 0; q -= q & -q) greater -= tree[q];
        cross += greater;
        for (int q = p; q <= n_next; q += q & -q) tree[q]++;
    }
    return cross;
}

static long crossings(const lg *g, int *ends, long *tree) {
    long c = 0;
    for (int r = 0; r + 1 < g->n_ranks; r++) c += crossings_between(g, r, ends, tree);
    return c;
}

static void order(lg *g) {
    keyed *tmp = calloc((size_t)g->n + 1, sizeof *tmp);
    int *best = calloc((size_t)g->n + 1, sizeof *best);
    int *ends = calloc((size_t)g->down_start[g->n] + 1, sizeof *ends);
    long *tree = calloc((size_t)g->n + 2, sizeof *tree);
    long best_cross = crossings(g, ends, tree);
    memcpy(best, g->layer, (size_t)g->n * sizeof *best);
    for (int it = 0; it < SWEEPS && best_cross > 0; it++) {
        for (int r = 1; r < g->n_ranks; r++) barycenter(g, r, g->up_start, g->up, tmp);
        for (int r = g->n_ranks - 2; r >= 0; r--) barycenter(g, r, g->down_start, g->down, tmp);
        long c = crossings(g, ends, tree);
        if (c < best_cross) {
            best_cross = c;
            memcpy(best, g->layer, (size_t)g->n * sizeof *best);
        }
    }
    memcpy(g->layer, best, (size_t)g->n * sizeof *best);
    for (int r = 0; r < g->n_ranks; r++)
        for (int i = g->layer_start[r]; i < g->layer_start[r + 1]; i++)
            g->pos[g->layer[i]] = i - g->layer_start[r];
    free(tmp);
    free(best);
    free(ends);
    free(tree);
}

/* ---- x ---- */

/* Weight of a link: chains of virtual nodes pull hardest (dot: 1, 2, 8). */
static double link_weight(const lg *g, int a, int b) {
    int virt = (a >= g->n_real) + (b >= g->n_real);
    return virt == 2 ? 8 : virt == 1 ? 2 : 1;
}

/* Places rank r's nodes as near as the order and spacing allow to the
** weighted mean of their neighbours (up, down, or both): least squares
** under x[i+1] >= x[i] + gap[i], by pool adjacent violators. */
static void place_rank(lg *g, int r, int dir, double nodesep, double *t, double *w, double *off,
                       double *bw, double *bt, int *bn) {
    int a = g->layer_start[r], b = g->layer_start[r + 1], n = b - a;
    for (int i = 0; i < n; i++) {
        int u = g->layer[a + i];
        double sw = 0, sx = 0;
        for (int d = 0; d < 2; d++) {
            if ((d == 0 && dir < 0) || (d == 1 && dir > 0)) continue;
            const int *start = d == 0 ? g->up_start : g->down_start, *adj = d == 0 ? g->up : g->down;
            for (int k = start[u]; k < start[u + 1]; k++) {
                double lw = link_weight(g, u, adj[k]);
                sw += lw;
                sx += lw * g->x[adj[k]];
            }
        }
        off[i] = i ? off[i - 1] + g->right[g->layer[a + i - 1]] + nodesep + g->left[u] : 0;
        t[i] = (sw > 0 ? sx / sw : g->x[u]) - off[i];
        w[i] = sw > 0 ? sw : 0.01;
    }
    int nb = 0;
    for (int i = 0; i < n; i++) {
        bw[nb] = w[i];
        bt[nb] = w[i] * t[i];
        bn[nb] = 1;
        nb++;
        while (nb > 1 && bt[nb - 2] / bw[nb - 2] > bt[nb - 1] / bw[nb - 1]) {
            bw[nb - 2] += bw[nb - 1];
            bt[nb - 2] += bt[nb - 1];
            bn[nb - 2] += bn[nb - 1];
            nb--;
        }
    }
    for (int k = 0, i = 0; k < nb; k++)
        for (int j = 0; j < bn[k]; j++, i++) g->x[g->layer[a + i]] = bt[k] / bw[k] + off[i];
}

static void position(lg *g, double nodesep) {
    int widest = 0;
    for (int r = 0; r < g->n_ranks; r++)
        if (g->layer_start[r + 1] - g->layer_start[r] > widest) widest = g->layer_start[r + 1] - g->layer_start[r];
    double *buf = calloc((size_t)widest * 6 + 6, sizeof *buf);
    int *bn = calloc((size_t)widest + 1, sizeof *bn);
    double *t = buf, *w = t + widest + 1, *off = w + widest + 1, *bw = off + widest + 1,
           *bt = bw + widest + 1;
    for (int r = 0; r < g->n_ranks; r++) /* packed from the left */
        for (int i = g->layer_start[r]; i < g->layer_start[r + 1]; i++) {
            int u = g->layer[i];
            g->x[u] = i == g->layer_start[r] ? g->left[u]
                                             : g->x[g->layer[i - 1]] + g->right[g->layer[i - 1]] + nodesep + g->left[u];
        }
    for (int p = 0; p < PASSES; p++) {
        for (int r = 1; r < g->n_ranks; r++) place_rank(g, r, 1, nodesep, t, w, off, bw, bt, bn);
        for (int r = g->n_ranks - 2; r >= 0; r--) place_rank(g, r, -1, nodesep, t, w, off, bw, bt, bn);
    }
    for (int r = 0; r < g->n_ranks; r++) place_rank(g, r, 0, nodesep, t, w, off, bw, bt, bn);
    double lo = INFINITY;
    for (int u = 0; u < g->n; u++)
        if (g->x[u] - g->left[u] < lo) lo = g->x[u] - g->left[u];
    for (int u = 0; u < g->n; u++) g->x[u] -= lo;
    free(buf);
    free(bn);
}

/* ---- routes ---- */

typedef struct port {
    double key;
    int edge;
} port;

static int port_cmp(const void *pa, const void *pb) {
    const port *a = pa, *b = pb;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    return a->edge - b->edge;
}

/* Offsets along the box side for each end of each edge at node u, in the
** order of where the edges go, so they leave without crossing. */
static void spread(const lg *g, const lp_layered_in *in, bool tails, double *shift) {
    int *count = calloc((size_t)in->n + 1, sizeof *count);
    for (int e = 0; e < in->m; e++) {
        int a = g->chain_start[e], b = g->chain_start[e + 1];
        if (a < b) count[tails ? g->chain[a] : g->chain[b - 1]]++;
    }
    int *start = calloc((size_t)in->n + 2, sizeof *start);
    for (int u = 0; u < in->n; u++) start[u + 1] = start[u] + count[u];
    port *ports = calloc((size_t)start[in->n] + 1, sizeof *ports);
    int *fill = calloc((size_t)in->n + 1, sizeof *fill);
    for (int e = 0; e < in->m; e++) {
        int a = g->chain_start[e], b = g->chain_start[e + 1];
        if (a == b) continue;
        int u = tails ? g->chain[a] : g->chain[b - 1];
        int other = tails ? g->chain[a + 1] : g->chain[b - 2];
        ports[start[u] + fill[u]++] = (port){g->x[other], e};
    }
    for (int u = 0; u < in->n; u++) {
        int k = count[u];
        if (!k) continue;
        qsort(ports + start[u], (size_t)k, sizeof *ports, port_cmp);
        double width = g->left[u] + g->right[u];
        double step = k > 1 ? fmin(10, width * 0.6 / (k - 1)) : 0;
        for (int i = 0; i < k; i++) shift[ports[start[u] + i].edge] = (i - (k - 1) / 2.0) * step;
    }
    free(count);
    free(start);
    free(ports);
    free(fill);
}

void lp_layered(const lp_layered_in *in, lp_layered_out *out) {
    memset(out, 0, sizeof *out);
    bool labels = false;
    for (int e = 0; in->label_w && e < in->m && !labels; e++) labels = in->label_w[e] > 0;
    lg g = {0};
    build(in, &g, labels);
    order(&g);
    position(&g, in->nodesep);

    /* y: rank by rank, each as tall as its tallest box */
    double *top = calloc((size_t)g.n_ranks + 1, sizeof *top), *tall = calloc((size_t)g.n_ranks + 1, sizeof *tall);
    for (int u = 0; u < g.n; u++)
        if (g.h[u] > tall[g.rank[u]]) tall[g.rank[u]] = g.h[u];
    double sep = labels ? in->ranksep / 2 : in->ranksep;
    for (int r = 1; r <= g.n_ranks; r++) top[r] = top[r - 1] + tall[r - 1] + sep;
    double *y = calloc((size_t)g.n + 1, sizeof *y);
    double width = 0;
    for (int u = 0; u < g.n; u++) {
        y[u] = top[g.rank[u]] + tall[g.rank[u]] / 2;
        if (g.x[u] + g.right[u] > width) width = g.x[u] + g.right[u];
    }
    double height = g.n_ranks ? top[g.n_ranks] - sep : 0;

    out->x = calloc((size_t)in->n + 1, sizeof *out->x);
    out->y = calloc((size_t)in->n + 1, sizeof *out->y);
    out->route = calloc((size_t)in->m + 1, sizeof *out->route);
    out->n_route = calloc((size_t)in->m + 1, sizeof *out->n_route);
    out->label_at = calloc((size_t)in->m + 1, sizeof *out->label_at);
    double *tail_shift = calloc((size_t)in->m + 1, sizeof *tail_shift);
    double *head_shift = calloc((size_t)in->m + 1, sizeof *head_shift);
    spread(&g, in, true, tail_shift);
    spread(&g, in, false, head_shift);
#define PUT(px, py) (in->lr ? (lp_point){(py), (px)} : (lp_point){(px), (py)})
    for (int u = 0; u < in->n; u++) {
        lp_point p = PUT(g.x[u], y[u]);
        out->x[u] = p.x;
        out->y[u] = p.y;
    }
    for (int e = 0; e < in->m; e++) {
        int a = g.chain_start[e], b = g.chain_start[e + 1];
        if (a == b) { /* a loop or a backward edge: straight, tail to head */
            int s = in->from[e], t = in->to[e];
            out->route[e] = calloc(3, sizeof **out->route);
            out->route[e][0] = (lp_point){out->x[s], out->y[s]};
            out->route[e][1] = (lp_point){out->x[t], out->y[t]};
            out->n_route[e] = 2;
            continue;
        }
        int k = b - a;
        lp_point *r = calloc((size_t)k + 1, sizeof *r);
        int s = g.chain[a], t = g.chain[b - 1];
        r[0] = PUT(g.x[s] + tail_shift[e], y[s] + g.h[s] / 2);
        for (int i = 1; i + 1 < k; i++) r[i] = PUT(g.x[g.chain[a + i]], y[g.chain[a + i]]);
        r[k - 1] = PUT(g.x[t] + head_shift[e], y[t] - g.h[t] / 2);
        out->route[e] = r;
        out->n_route[e] = k;
        if (in->label_w && in->label_w[e] > 0 && k > 2) {
            int v = g.chain[a + 1];
            double lw = in->lr ? in->label_h[e] : in->label_w[e];
            out->label_at[e] = PUT(g.x[v] + 4 + lw / 2, y[v]);
        }
    }
#undef PUT
    out->width = in->lr ? height : width;
    out->height = in->lr ? width : height;
    free(tail_shift);
    free(head_shift);
    free(top);
    free(tall);
    free(y);
    lg_free(&g);
}

void lp_layered_free(lp_layered_out *out, int m) {
    for (int e = 0; e < m; e++) free(out->route[e]);
    free(out->route);
    free(out->n_route);
    free(out->label_at);
    free(out->x);
    free(out->y);
    memset(out, 0, sizeof *out);
}
