/*
** timing.c — timed runs, percentiles, the per-op profile, peak memory.
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

static int by_total(const void *a, const void *b) {
    const lp_op_profile *x = a, *y = b;
    return x->total_ms < y->total_ms ? 1 : x->total_ms > y->total_ms ? -1 : 0;
}

int lp_profile_by_op(const lp_session *s, lp_op_profile **rows) {
    const lp_node_profile *np;
    int n = lp_session_profile(s, &np);
    lp_op_profile *r = lp_xcalloc((size_t)n + 1, sizeof *r);
    int k = 0;
    double sum = 0;
    for (int i = 0; i < n; i++) {
        int j = 0;
        while (j < k && strcmp(r[j].op_type, np[i].op_type)) j++;
        if (j == k) r[k++].op_type = np[i].op_type;
        r[j].nodes++;
        r[j].total_ms += np[i].total_ms;
        sum += np[i].total_ms;
    }
    for (int j = 0; j < k; j++) r[j].share = sum > 0 ? r[j].total_ms / sum : 0;
    qsort(r, (size_t)k, sizeof *r, by_total);
    *rows = r;
    return k;
}
