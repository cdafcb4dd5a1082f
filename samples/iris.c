/*
** iris.c — two samples on Fisher's iris data (150 flowers, 4 measurements in
** cm, 3 species): a multinomial logistic regression (MatMul + Add +
** Softmax) and a k-means clustering whose graph computes the distances to
** the centroids with standard operators.
*/
#include "samples.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define F 4
#define K 3

static const char *const species[K] = {"setosa", "versicolor", "virginica"};

/* iris.csv: a header line "150,4,setosa,...", then 4 measurements and the
** class index per row. */
static int read_iris(const char *dir, table *t) {
    char path[1024];
    snprintf(path, sizeof path, "%s/data/iris.csv", dir);
    if (table_read(path, 1, t)) return 1;
    if (t->cols != F + 1 || t->rows != 150) {
        fprintf(stderr, "make_samples: %s: expected 150 rows of 5 columns\n", path);
        table_free(t);
        return 1;
    }
    return 0;
}

/* ---- logistic regression ---- */

int make_iris_classifier(const char *dir) {
    table t;
    if (read_iris(dir, &t)) return 1;
    int n = t.rows;
    /* train on standardized features; fold the scaling into the weights */
    double mean[F] = {0}, sd[F] = {0};
    for (int j = 0; j < F; j++) {
        for (int i = 0; i < n; i++) mean[j] += t.v[i * 5 + j];
        mean[j] /= n;
        for (int i = 0; i < n; i++) sd[j] += pow(t.v[i * 5 + j] - mean[j], 2);
        sd[j] = sqrt(sd[j] / n);
    }
    double w[F][K] = {{0}}, b[K] = {0};
    const double lr = 0.5, l2 = 1e-3;
    const int steps = 2000;
    for (int step = 0; step < steps; step++) {
        double gw[F][K] = {{0}}, gb[K] = {0};
        for (int i = 0; i < n; i++) {
            double z[F], logit[K], mx = -DBL_MAX, sum = 0;
            for (int j = 0; j < F; j++) z[j] = (t.v[i * 5 + j] - mean[j]) / sd[j];
            for (int k = 0; k < K; k++) {
                logit[k] = b[k];
                for (int j = 0; j < F; j++) logit[k] += z[j] * w[j][k];
                if (logit[k] > mx) mx = logit[k];
            }
            for (int k = 0; k < K; k++) sum += logit[k] = exp(logit[k] - mx);
            int y = (int)t.v[i * 5 + F];
            for (int k = 0; k < K; k++) {
                double d = logit[k] / sum - (k == y);
                gb[k] += d;
                for (int j = 0; j < F; j++) gw[j][k] += d * z[j];
            }
        }
        for (int k = 0; k < K; k++) {
            b[k] -= lr * gb[k] / n;
            for (int j = 0; j < F; j++) w[j][k] -= lr * (gw[j][k] / n + l2 * w[j][k]);
        }
    }
    float W[F * K], B[K];
    for (int k = 0; k < K; k++) {
        double bias = b[k];
        for (int j = 0; j < F; j++) {
            W[j * K + k] = (float)(w[j][k] / sd[j]);
            bias -= w[j][k] * mean[j] / sd[j];
        }
        B[k] = (float)bias;
    }
    /* accuracy of the float model the graph holds */
    int right = 0;
    double loss = 0;
    float *x = lp_xmalloc((size_t)n * F * sizeof *x);
    for (int i = 0; i < n; i++) {
        float logit[K], mx = -FLT_MAX, sum = 0;
        for (int j = 0; j < F; j++) x[i * F + j] = (float)t.v[i * 5 + j];
        for (int k = 0; k < K; k++) {
            logit[k] = B[k];
            for (int j = 0; j < F; j++) logit[k] += x[i * F + j] * W[j * K + k];
            if (logit[k] > mx) mx = logit[k];
        }
        int best = 0;
        for (int k = 0; k < K; k++) {
            sum += expf(logit[k] - mx);
            if (logit[k] > logit[best]) best = k;
        }
        int y = (int)t.v[i * 5 + F];
        right += best == y;
        loss -= logit[y] - mx - logf(sum);
    }
    printf("iris_classification: logistic regression, %d steps of gradient descent, training "
           "accuracy %d/%d = %.1f%%, log-loss %.3f\n", steps, right, n, 100.0 * right / n, loss / n);

    lp_builder *bld = lp_build_new("iris_classification");
    lp_build_opset(bld, "", 13);
    lp_build_producer(bld, "loupe-samples", "0.1");
    lp_build_doc(bld, "Multinomial logistic regression on Fisher's iris data; input in cm: "
                      "sepal length, sepal width, petal length, petal width.");
    lp_build_prop(bld, "dataset", "iris (Fisher 1936), 150 rows");
    lp_build_prop(bld, "training", "full-batch gradient descent on standardized features");
    lp_build_input(bld, "input", LP_FLOAT, "batch,4");
    lp_build_init_f32(bld, "weights", 2, (int64_t[]){F, K}, W);
    lp_build_init_f32(bld, "bias", 1, (int64_t[]){K}, B);
    lp_build_node(bld, "MatMul", "input,weights", "scores");
    lp_build_node(bld, "Add", "scores,bias", "logits");
    lp_build_attr_int(bld, lp_build_node(bld, "Softmax", "logits", "probabilities"), "axis", 1);
    lp_build_output(bld, "probabilities", LP_FLOAT, "batch,3");
    int rc = sample_write(dir, "iris_classification", bld,
                          "{\"function\": \"classification\", "
                          "\"classificationProbOutput\": \"probabilities\"}",
                          species, K);
    lp_build_free(bld);
    /* records: a setosa, a versicolor, a virginica */
    float rec[3 * F];
    for (int r = 0; r < 3; r++) memcpy(rec + r * F, x + r * 50 * F, F * sizeof *rec);
    if (!rc) rc = sample_records(dir, "iris_classification", "input", rec, 3, F);
    free(x);
    table_free(&t);
    return rc;
}

/* ---- k-means ---- */

static double dist2(const double *a, const double *b) {
    double s = 0;
    for (int j = 0; j < F; j++) s += (a[j] - b[j]) * (a[j] - b[j]);
    return s;
}

int make_iris_kmeans(const char *dir) {
    table t;
    if (read_iris(dir, &t)) return 1;
    int n = t.rows;
    double *x = lp_xmalloc((size_t)n * F * sizeof *x);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < F; j++) x[i * F + j] = t.v[i * 5 + j];
    /* farthest-first initialisation from row 0: deterministic, well spread */
    double c[K][F];
    memcpy(c[0], x, sizeof c[0]);
    for (int k = 1; k < K; k++) {
        int far = 0;
        double far_d = -1;
        for (int i = 0; i < n; i++) {
            double d = DBL_MAX;
            for (int q = 0; q < k; q++) d = fmin(d, dist2(x + i * F, c[q]));
            if (d > far_d) far_d = d, far = i;
        }
        memcpy(c[k], x + far * F, sizeof c[k]);
    }
    /* Lloyd's algorithm until no point changes cluster */
    int *assign = lp_xmalloc((size_t)n * sizeof *assign);
    for (int i = 0; i < n; i++) assign[i] = -1;
    int iters = 0;
    for (bool changed = true; changed && iters < 100; iters++) {
        changed = false;
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int k = 1; k < K; k++)
                if (dist2(x + i * F, c[k]) < dist2(x + i * F, c[best])) best = k;
            if (best != assign[i]) {
                assign[i] = best;
                changed = true;
            }
        }
        double sum[K][F] = {{0}};
        int cnt[K] = {0};
        for (int i = 0; i < n; i++) {
            cnt[assign[i]]++;
            for (int j = 0; j < F; j++) sum[assign[i]][j] += x[i * F + j];
        }
        for (int k = 0; k < K; k++)
            if (cnt[k])
                for (int j = 0; j < F; j++) c[k][j] = sum[k][j] / cnt[k];
    }
    /* the graph: |x|^2 - 2 x.c + |c|^2, clamped at 0, square root */
    float m2ct[F * K], cc[K];
    for (int k = 0; k < K; k++) {
        double s = 0;
        for (int j = 0; j < F; j++) {
            m2ct[j * K + k] = (float)(-2.0 * c[k][j]);
            s += c[k][j] * c[k][j];
        }
        cc[k] = (float)s;
    }
    /* figures from the float computation the graph does */
    double inertia = 0;
    int sizes[K] = {0}, agree[K][K] = {{0}}, mismatch = 0;
    for (int i = 0; i < n; i++) {
        float xf[F], xx = 0, d[K];
        for (int j = 0; j < F; j++) xf[j] = (float)x[i * F + j], xx += xf[j] * xf[j];
        int best = 0;
        for (int k = 0; k < K; k++) {
            float s = 0;
            for (int j = 0; j < F; j++) s += xf[j] * m2ct[j * K + k];
            d[k] = sqrtf(fmaxf(s + xx + cc[k], 0));
            if (d[k] < d[best]) best = k;
        }
        mismatch += best != assign[i];
        inertia += (double)d[best] * d[best];
        sizes[best]++;
        agree[best][(int)t.v[i * 5 + F]]++;
    }
    int best_match = 0; /* species agreement under the best cluster-to-species map */
    for (int a = 0; a < K; a++)
        for (int b = 0; b < K; b++)
            for (int e = 0; e < K; e++)
                if (a != b && b != e && a != e && agree[0][a] + agree[1][b] + agree[2][e] > best_match)
                    best_match = agree[0][a] + agree[1][b] + agree[2][e];
    printf("iris_kmeans: k-means (k=3) converged in %d iterations, clusters of %d/%d/%d, inertia "
           "%.2f, species agreement %d/%d = %.1f%%%s\n", iters, sizes[0], sizes[1], sizes[2], inertia,
           best_match, n, 100.0 * best_match / n, mismatch ? " (float graph disagrees!)" : "");

    lp_builder *bld = lp_build_new("iris_kmeans");
    lp_build_opset(bld, "", 13);
    lp_build_producer(bld, "loupe-samples", "0.1");
    lp_build_doc(bld, "k-means (k=3, Lloyd's algorithm) on Fisher's iris data; distances are "
                      "Euclidean, in cm.");
    lp_build_prop(bld, "dataset", "iris (Fisher 1936), 150 rows");
    lp_build_prop(bld, "training", "Lloyd's algorithm from a farthest-first start");
    lp_build_input(bld, "input", LP_FLOAT, "batch,4");
    lp_build_init_f32(bld, "minus_two_centroids_t", 2, (int64_t[]){F, K}, m2ct);
    lp_build_init_f32(bld, "centroid_norms", 1, (int64_t[]){K}, cc);
    lp_build_attr_ints(bld, lp_build_node(bld, "ReduceSumSquare", "input", "x_norm"), "axes", 1,
                       (int64_t[]){1});
    lp_build_node(bld, "MatMul", "input,minus_two_centroids_t", "cross");
    lp_build_node(bld, "Add", "cross,x_norm", "partial");
    lp_build_node(bld, "Add", "partial,centroid_norms", "squared");
    lp_build_node(bld, "Relu", "squared", "clamped");
    lp_build_node(bld, "Sqrt", "clamped", "distances");
    lp_bnode *am = lp_build_node(bld, "ArgMin", "distances", "label");
    lp_build_attr_int(bld, am, "axis", 1);
    lp_build_attr_int(bld, am, "keepdims", 0);
    lp_build_output(bld, "distances", LP_FLOAT, "batch,3");
    lp_build_output(bld, "label", LP_INT64, "batch");
    int rc = sample_write(dir, "iris_kmeans", bld,
                          "{\"function\": \"clustering\", "
                          "\"clusteringDistanceOutput\": \"distances\"}",
                          NULL, -1);
    lp_build_free(bld);
    float rec[3 * F];
    for (int r = 0; r < 3; r++)
        for (int j = 0; j < F; j++) rec[r * F + j] = (float)x[r * 50 * F + j];
    if (!rc) rc = sample_records(dir, "iris_kmeans", "input", rec, 3, F);
    free(assign);
    free(x);
    table_free(&t);
    return rc;
}
