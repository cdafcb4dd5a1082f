/*
** diabetes.c — the regression sample: ordinary least squares on sklearn's
** diabetes data (442 patients, 10 features, disease progression a year
** later), as MatMul + Add.
**
** Features are scaled as sklearn's load_diabetes() returns them (centred,
** then divided by their standard deviation times sqrt(n)), so the model
** takes the same numbers as the OML Services regression examples.
*/
#include "samples.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define D 10

/* Solves a x = b in place (n x n, partial pivoting); 0 on success. */
static int solve(double *a, double *b, int n) {
    for (int c = 0; c < n; c++) {
        int piv = c;
        for (int r = c + 1; r < n; r++)
            if (fabs(a[r * n + c]) > fabs(a[piv * n + c])) piv = r;
        if (fabs(a[piv * n + c]) < 1e-12) return 1;
        if (piv != c) {
            for (int k = 0; k < n; k++) {
                double t = a[c * n + k];
                a[c * n + k] = a[piv * n + k];
                a[piv * n + k] = t;
            }
            double t = b[c];
            b[c] = b[piv];
            b[piv] = t;
        }
        for (int r = c + 1; r < n; r++) {
            double f = a[r * n + c] / a[c * n + c];
            for (int k = c; k < n; k++) a[r * n + k] -= f * a[c * n + k];
            b[r] -= f * b[c];
        }
    }
    for (int c = n - 1; c >= 0; c--) {
        for (int k = c + 1; k < n; k++) b[c] -= a[c * n + k] * b[k];
        b[c] /= a[c * n + c];
    }
    return 0;
}

int make_diabetes(const char *dir) {
    char path[1024];
    table x, y;
    snprintf(path, sizeof path, "%s/data/diabetes_data_raw.csv", dir);
    if (table_read(path, 0, &x)) return 1;
    snprintf(path, sizeof path, "%s/data/diabetes_target.csv", dir);
    if (table_read(path, 0, &y)) {
        table_free(&x);
        return 1;
    }
    int n = x.rows, rc = 1;
    float *xs = NULL;
    if (x.cols != D || y.cols != 1 || y.rows != n) {
        fprintf(stderr, "make_samples: diabetes: expected %d x %d features and %d targets\n", n, D, n);
        goto done;
    }
    /* sklearn's scaling: (x - mean) / (std * sqrt(n)), population std */
    xs = lp_xmalloc((size_t)n * D * sizeof *xs);
    for (int j = 0; j < D; j++) {
        double mean = 0, var = 0;
        for (int i = 0; i < n; i++) mean += x.v[i * D + j];
        mean /= n;
        for (int i = 0; i < n; i++) var += (x.v[i * D + j] - mean) * (x.v[i * D + j] - mean);
        double sd = sqrt(var / n) * sqrt((double)n);
        for (int i = 0; i < n; i++) xs[i * D + j] = (float)((x.v[i * D + j] - mean) / sd);
    }
    /* normal equations with an intercept column: (A'A) w = A'y */
    enum { K = D + 1 };
    double ata[K * K] = {0}, aty[K] = {0};
    for (int i = 0; i < n; i++) {
        double a[K];
        for (int j = 0; j < D; j++) a[j] = xs[i * D + j];
        a[D] = 1;
        for (int r = 0; r < K; r++) {
            aty[r] += a[r] * y.v[i];
            for (int c = 0; c < K; c++) ata[r * K + c] += a[r] * a[c];
        }
    }
    if (solve(ata, aty, K)) {
        fprintf(stderr, "make_samples: diabetes: the normal equations are singular\n");
        goto done;
    }
    float w[D], b = (float)aty[D];
    for (int j = 0; j < D; j++) w[j] = (float)aty[j];

    /* R^2 of the float model, as the graph computes it */
    double mean_y = 0, ss_res = 0, ss_tot = 0;
    for (int i = 0; i < n; i++) mean_y += y.v[i];
    mean_y /= n;
    for (int i = 0; i < n; i++) {
        float pred = 0;
        for (int j = 0; j < D; j++) pred += xs[i * D + j] * w[j];
        pred += b;
        ss_res += (y.v[i] - pred) * (y.v[i] - pred);
        ss_tot += (y.v[i] - mean_y) * (y.v[i] - mean_y);
    }
    printf("diabetes_regression: least squares on %d rows, training R^2 = %.4f, RMSE = %.2f\n", n,
           1 - ss_res / ss_tot, sqrt(ss_res / n));

    lp_builder *bld = lp_build_new("diabetes_regression");
    lp_build_opset(bld, "", 13);
    lp_build_producer(bld, "loupe-samples", "0.1");
    lp_build_doc(bld, "Linear regression (ordinary least squares) on sklearn's diabetes data; "
                      "inputs scaled as load_diabetes() returns them.");
    lp_build_prop(bld, "dataset", "sklearn diabetes (Efron et al. 2004), 442 rows");
    lp_build_prop(bld, "training", "least squares by the normal equations");
    lp_build_input(bld, "input", LP_FLOAT, "batch,10");
    lp_build_init_f32(bld, "coefficients", 2, (int64_t[]){D, 1}, w);
    lp_build_init_f32(bld, "intercept", 1, (int64_t[]){1}, &b);
    lp_build_node(bld, "MatMul", "input,coefficients", "weighted");
    lp_build_node(bld, "Add", "weighted,intercept", "variable");
    lp_build_output(bld, "variable", LP_FLOAT, "batch,1");
    rc = sample_write(dir, "diabetes_regression", bld,
                      "{\"function\": \"regression\", \"regressionOutput\": \"variable\"}", NULL, -1);
    lp_build_free(bld);
    if (!rc) rc = sample_records(dir, "diabetes_regression", "input", xs, 3, D);
done:
    free(xs);
    table_free(&x);
    table_free(&y);
    return rc;
}
