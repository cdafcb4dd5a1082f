/*
** timing.c — timed runs, percentiles, the profiles per op type and per node,
** peak memory.
*/
#include "ops/timing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted values. */
static double percentile(const double *v, int n, double p) {
    int k = (int)(p / 100.0 * n + 0.999999) - 1;
    if (k < 0) k = 0;
    if (k >= n) k = n - 1;
    return v[k];
}

long lp_peak_rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6)) kb = atol(line + 6);
    fclose(f);
    return kb;
}

int lp_time_runs(lp_session *s, const lp_rvalue *inputs, int n_inputs, int warmup, int runs,
                 const volatile int *cancel, lp_timing *out, lp_error *err) {
    if (runs < 1) return lp_fail(err, LP_EINPUT, "the number of timed runs must be at least 1");
    lp_rvalue **outs = lp_xcalloc((size_t)lp_session_model(s)->graph->n_outputs + 1, sizeof *outs);
    double *t = lp_xcalloc((size_t)runs, sizeof *t);
    int rc = LP_OK, done = 0;
    out->warmup = warmup;
    for (int i = 0; i < warmup && rc == LP_OK; i++) {
        if (cancel && *cancel) break;
        double t0 = lp_now_ms();
        rc = lp_session_run(s, inputs, n_inputs, outs, err);
        if (i == 0) out->first_run_ms = lp_now_ms() - t0;
    }
    lp_session_profile_reset(s); /* profile the timed runs only */
    for (int i = 0; i < runs && rc == LP_OK; i++) {
        if (cancel && *cancel) break;
        double t0 = lp_now_ms();
        rc = lp_session_run(s, inputs, n_inputs, outs, err);
        t[i] = lp_now_ms() - t0;
        if (warmup == 0 && i == 0) out->first_run_ms = t[i];
        done++;
    }
    if (rc == LP_OK && done > 0) {
        double sum = 0;
        for (int i = 0; i < done; i++) sum += t[i];
        qsort(t, (size_t)done, sizeof *t, cmp_double);
        out->runs = done;
        out->min_ms = t[0];
        out->max_ms = t[done - 1];
        out->mean_ms = sum / done;
        out->p50_ms = percentile(t, done, 50);
        out->p90_ms = percentile(t, done, 90);
        out->p99_ms = percentile(t, done, 99);
        out->throughput = out->mean_ms > 0 ? 1000.0 / out->mean_ms : 0;
        out->peak_rss_kb = lp_peak_rss_kb();
    }
    free(t);
    free(outs);
    return rc;
}

/* ---- profiles ---- */

/* What the session's totals come to: the time of all nodes, and the runs
** profiled (each run calls every node that is not folded or fused away). */
typedef struct profile_totals {
    double sum_ms;
    int64_t runs;
} profile_totals;

static profile_totals totals_of(const lp_node_profile *np, int n) {
    profile_totals t = {0, 0};
    for (int i = 0; i < n; i++) {
        t.sum_ms += np[i].total_ms;
        if (np[i].calls > t.runs) t.runs = np[i].calls;
    }
    return t;
}

/* A total over all profiled runs as time per run and share of all nodes. */
static void per_run(const profile_totals *t, double total_ms, double *ms_per_run, double *share) {
    *ms_per_run = t->runs > 0 ? total_ms / (double)t->runs : 0;
    *share = t->sum_ms > 0 ? total_ms / t->sum_ms : 0;
}

static int by_total(const void *a, const void *b) {
    const lp_op_profile *x = a, *y = b;
    return x->total_ms < y->total_ms ? 1 : x->total_ms > y->total_ms ? -1 : 0;
}

int lp_profile_by_op(const lp_session *s, lp_op_profile **rows) {
    const lp_node_profile *np;
    int n = lp_session_profile(s, &np);
    lp_op_profile *r = lp_xcalloc((size_t)n + 1, sizeof *r);
    int k = 0;
    for (int i = 0; i < n; i++) {
        int j = 0;
        while (j < k && strcmp(r[j].op_type, np[i].op_type)) j++;
        if (j == k) r[k++].op_type = np[i].op_type;
        r[j].nodes++;
        r[j].total_ms += np[i].total_ms;
    }
    profile_totals t = totals_of(np, n);
    for (int j = 0; j < k; j++) per_run(&t, r[j].total_ms, &r[j].ms_per_run, &r[j].share);
    qsort(r, (size_t)k, sizeof *r, by_total);
    *rows = r;
    return k;
}

struct lp_shape_log {
    const lp_graph *g;
    int *rank; /* per main-graph node; -1 until it gives a tensor */
    int64_t (*dims)[LP_MAX_RANK];
};

lp_shape_log *lp_shape_log_new(const lp_model *m) {
    lp_shape_log *log = lp_xcalloc(1, sizeof *log);
    int n = m->graph->n_nodes;
    log->g = m->graph;
    log->rank = lp_xcalloc((size_t)n + 1, sizeof *log->rank);
    log->dims = lp_xcalloc((size_t)n + 1, sizeof *log->dims);
    for (int i = 0; i < n; i++) log->rank[i] = -1;
    return log;
}

void lp_shape_log_node(void *ctx, const lp_node *node, lp_rvalue *const *outs, int n_outs) {
    lp_shape_log *log = ctx;
    int i = node->index;
    if (i < 0 || i >= log->g->n_nodes || &log->g->nodes[i] != node) return;
    if (n_outs < 1 || !outs[0] || outs[0]->kind != LP_RV_TENSOR) return;
    log->rank[i] = outs[0]->t.rank;
    memcpy(log->dims[i], outs[0]->t.dims, sizeof log->dims[i]);
}

void lp_shape_log_free(lp_shape_log *log) {
    if (!log) return;
    free(log->rank);
    free(log->dims);
    free(log);
}

/* Elements of a tensor type as lp_model_count counts them (a symbolic dim
** is 1); -1 when a dim is unknown. */
static double counted_numel(const lp_type *t) {
    if (!t || t->kind != LP_KIND_TENSOR || t->rank < 0) return -1;
    double n = 1;
    for (int i = 0; i < t->rank; i++) {
        if (t->dims[i].value >= 0)
            n *= (double)t->dims[i].value;
        else if (!t->dims[i].param)
            return -1;
    }
    return n;
}

/* node->macs for the shape it ran with: Conv, Gemm and MatMul MACs grow
** with the output's elements when the batch does. */
static int64_t macs_as_run(const lp_node *node, const lp_node_profile_row *r) {
    double counted = counted_numel(r->type);
    if (node->macs <= 0 || r->rank < 0 || counted <= 0 || r->rank != r->type->rank)
        return node->macs;
    double ran = 1;
    for (int i = 0; i < r->rank; i++) ran *= (double)r->dims[i];
    return (int64_t)((double)node->macs * (ran / counted) + 0.5);
}

static int by_ms(const void *a, const void *b) {
    const lp_node_profile_row *x = a, *y = b;
    if (x->ms_per_run != y->ms_per_run) return x->ms_per_run < y->ms_per_run ? 1 : -1;
    return x->node - y->node;
}

int lp_profile_by_node(const lp_session *s, const lp_shape_log *log, lp_node_profile_row **rows) {
    const lp_graph *g = lp_session_model(s)->graph;
    const lp_node_profile *np;
    int n = lp_session_profile(s, &np);
    profile_totals t = totals_of(np, n);
    lp_node_profile_row *r = lp_xcalloc((size_t)n + 1, sizeof *r);
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (np[i].calls == 0) continue; /* folded, or fused into another node */
        const lp_node *node = &g->nodes[np[i].node];
        lp_node_profile_row *row = &r[k++];
        row->node = np[i].node;
        row->name = np[i].name;
        row->op_type = np[i].op_type;
        per_run(&t, np[i].total_ms, &row->ms_per_run, &row->share);
        int out = node->n_outputs > 0 ? node->outputs[0] : -1;
        row->type = out >= 0 ? &g->values[out].type : NULL;
        row->rank = log && log->g == g && row->type ? log->rank[row->node] : -1;
        if (row->rank >= 0) memcpy(row->dims, log->dims[row->node], sizeof row->dims);
        row->macs = macs_as_run(node, row);
        if (row->macs > 0 && row->ms_per_run > 0)
            row->gflops = 2.0 * (double)row->macs / (row->ms_per_run * 1e6);
    }
    qsort(r, (size_t)k, sizeof *r, by_ms);
    *rows = r;
    return k;
}

char *lp_node_profile_shape(const lp_node_profile_row *r, char *buf, size_t n, bool ascii) {
    if (r->rank >= 0) return lp_dims_str(r->rank, r->dims, buf, n, ascii);
    if (r->type && r->type->kind == LP_KIND_TENSOR) return lp_shape_str(r->type, buf, n, ascii);
    snprintf(buf, n, "?");
    return buf;
}
