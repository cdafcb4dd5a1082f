/*
** iris_forest.c — a random forest on Fisher's iris data, exported the way
** skl2onnx exports scikit-learn's RandomForestClassifier: one
** TreeEnsembleClassifier (ai.onnx.ml) giving `label` int64[batch] and class
** scores, then ZipMap turning the scores into `probabilities`, a sequence of
** maps class -> probability. The trees are CART trees (Gini, depth at most
** 4, two random features per split) grown on bootstrap samples.
*/
#include "samples.h"

#include "ops/session.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define F 4
#define K 3
#define TREES 16
#define DEPTH 4
#define MAX_NODES 64 /* a tree of depth 4 has at most 31 */

typedef struct tnode {
    int feat, left, right; /* left: x[feat] <= th */
    float th;
    bool leaf;
    double count[K];
} tnode;

typedef struct tree {
    tnode n[MAX_NODES];
    int size;
} tree;

static const double *X; /* 150 x 5: measurements, then the class */
static int sort_feat;

static int by_feature(const void *a, const void *b) {
    double x = X[*(const int *)a * 5 + sort_feat], y = X[*(const int *)b * 5 + sort_feat];
    return x < y ? -1 : x > y;
}

static double gini(const double *c, double n) {
    double g = 1;
    for (int k = 0; k < K; k++) g -= (c[k] / n) * (c[k] / n);
    return g;
}

/* Grows the subtree over rows idx[0, n) and returns its node index (preorder). */
static int grow(tree *t, int *idx, int n, int depth, rng *r) {
    int me = t->size++;
    tnode *nd = &t->n[me];
    memset(nd, 0, sizeof *nd);
    for (int i = 0; i < n; i++) nd->count[(int)X[idx[i] * 5 + F]]++;
    double parent = gini(nd->count, n), best = parent - 1e-12;
    int best_f = -1, best_at = 0;
    double best_th = 0;
    if (depth < DEPTH && parent > 0) {
        int feats[F] = {0, 1, 2, 3};
        for (int i = 0; i < 2; i++) { /* two features of four, drawn without replacement */
            int j = i + rng_below(r, F - i), tmp = feats[i];
            feats[i] = feats[j];
            feats[j] = tmp;
        }
        for (int fi = 0; fi < 2; fi++) {
            sort_feat = feats[fi];
            qsort(idx, (size_t)n, sizeof *idx, by_feature);
            double left[K] = {0};
            for (int i = 0; i + 1 < n; i++) {
                left[(int)X[idx[i] * 5 + F]]++;
                double a = X[idx[i] * 5 + sort_feat], b = X[idx[i + 1] * 5 + sort_feat];
                if (a == b) continue;
                double right[K];
                for (int k = 0; k < K; k++) right[k] = nd->count[k] - left[k];
                double g = ((i + 1) * gini(left, i + 1) + (n - i - 1) * gini(right, n - i - 1)) / n;
                if (g < best) {
                    best = g;
                    best_f = sort_feat;
                    best_th = (a + b) / 2;
                }
            }
        }
    }
    if (best_f < 0) {
        nd->leaf = true;
        return me;
    }
    /* partition by the float threshold the graph will hold */
    float th = (float)best_th;
    sort_feat = best_f;
    qsort(idx, (size_t)n, sizeof *idx, by_feature);
    while (best_at < n && (float)X[idx[best_at] * 5 + best_f] <= th) best_at++;
    if (best_at == 0 || best_at == n) { /* the float threshold put every row on one side */
        nd->leaf = true;
        return me;
    }
    nd->feat = best_f;
    nd->th = th;
    int l = grow(t, idx, best_at, depth + 1, r);
    int rr = grow(t, idx + best_at, n - best_at, depth + 1, r);
    t->n[me].left = l;
    t->n[me].right = rr;
    return me;
}

static const tnode *leaf_of(const tree *t, const float *x) {
    const tnode *nd = &t->n[0];
    while (!nd->leaf) nd = &t->n[x[nd->feat] <= nd->th ? nd->left : nd->right];
    return nd;
}

/* The forest's probabilities for one row, in float as the graph sums them. */
static void predict(const tree *forest, const float *x, float *p) {
    double s[K] = {0};
    for (int t = 0; t < TREES; t++) {
        const tnode *l = leaf_of(&forest[t], x);
        double n = l->count[0] + l->count[1] + l->count[2];
        for (int k = 0; k < K; k++) s[k] += (float)(l->count[k] / n / TREES);
    }
    for (int k = 0; k < K; k++) p[k] = (float)s[k];
}

static int argmax(const float *p) {
    int b = 0;
    for (int k = 1; k < K; k++)
        if (p[k] > p[b]) b = k;
    return b;
}

/* Runs the graph on every flower and compares it with the C forest. */
static int check_graph(lp_builder *bld, const tree *forest, const float *x, int n) {
    lp_model *m = NULL;
    lp_session *s = NULL;
    lp_error err = {0};
    lp_rvalue in = {.kind = LP_RV_TENSOR}, *out[2];
    int rc = lp_build_model(bld, "iris_forest.onnx", &m, &err);
    if (!rc) rc = lp_session_create(m, NULL, &s, &err);
    if (!rc) rc = lp_tensor_alloc(&in.t, LP_FLOAT, 2, (int64_t[]){n, F}, &err);
    if (!rc) {
        memcpy(in.t.data, x, (size_t)n * F * sizeof *x);
        rc = lp_session_run(s, &in, 1, out, &err);
    }
    int bad = 0;
    for (int i = 0; !rc && i < n; i++) {
        float p[K];
        predict(forest, x + i * F, p);
        const lp_rvalue *map = out[1]->n_items > i ? &out[1]->items[i] : NULL;
        bad += ((const int64_t *)out[0]->t.data)[i] != argmax(p);
        for (int k = 0; map && k < K; k++)
            bad += fabsf(((const float *)map->vals.data)[k] - p[k]) > 1e-6f;
        bad += !map;
    }
    if (rc)
        fprintf(stderr, "make_samples: iris_forest: %s\n", err.msg);
    else if (bad)
        fprintf(stderr, "make_samples: iris_forest: the graph disagrees with the forest\n");
    lp_rvalue_clear(&in);
    lp_session_free(s);
    lp_model_free(m);
    return rc || bad;
}

int make_iris_forest(const char *dir) {
    table t;
    char path[1024];
    snprintf(path, sizeof path, "%s/data/iris.csv", dir);
    if (table_read(path, 1, &t)) return 1;
    if (t.cols != F + 1 || t.rows != 150) {
        fprintf(stderr, "make_samples: %s: expected 150 rows of 5 columns\n", path);
        table_free(&t);
        return 1;
    }
    int n = t.rows;
    X = t.v;
    rng r = {0x1715ull * 2654435761ull};
    tree *forest = lp_xcalloc(TREES, sizeof *forest);
    bool *in_bag = lp_xcalloc((size_t)TREES * n, sizeof *in_bag);
    int *idx = lp_xmalloc((size_t)n * sizeof *idx);
    for (int k = 0; k < TREES; k++) {
        for (int i = 0; i < n; i++) {
            idx[i] = rng_below(&r, n);
            in_bag[k * n + idx[i]] = true;
        }
        grow(&forest[k], idx, n, 0, &r);
    }

    /* accuracy on the training flowers, and out of bag */
    float *x = lp_xmalloc((size_t)n * F * sizeof *x);
    int right = 0, oob_right = 0, oob_n = 0, nodes = 0;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < F; j++) x[i * F + j] = (float)t.v[i * 5 + j];
        float p[K];
        predict(forest, x + i * F, p);
        int y = (int)t.v[i * 5 + F];
        right += argmax(p) == y;
        double v[K] = {0};
        int votes = 0;
        for (int k = 0; k < TREES; k++) {
            if (in_bag[k * n + i]) continue;
            const tnode *l = leaf_of(&forest[k], x + i * F);
            for (int c = 0; c < K; c++) v[c] += l->count[c];
            votes++;
        }
        if (votes) {
            oob_n++;
            oob_right += v[y] >= v[0] && v[y] >= v[1] && v[y] >= v[2];
        }
    }
    for (int k = 0; k < TREES; k++) nodes += forest[k].size;
    printf("iris_forest: random forest, %d CART trees of depth <= %d (%d nodes) on bootstrap "
           "samples, training accuracy %d/%d = %.1f%%, out-of-bag %.1f%% (%d flowers)\n",
           TREES, DEPTH, nodes, right, n, 100.0 * right / n, 100.0 * oob_right / oob_n, oob_n);

    /* the nodes_* and class_* lists, tree by tree in preorder */
    int64_t *tid = lp_xmalloc((size_t)nodes * sizeof *tid),
            *nid = lp_xmalloc((size_t)nodes * sizeof *nid);
    int64_t *feat = lp_xmalloc((size_t)nodes * sizeof *feat),
            *yes = lp_xmalloc((size_t)nodes * sizeof *yes);
    int64_t *no = lp_xmalloc((size_t)nodes * sizeof *no);
    float *th = lp_xmalloc((size_t)nodes * sizeof *th);
    const char **modes = lp_xmalloc((size_t)nodes * sizeof *modes);
    int64_t *ctid = lp_xmalloc((size_t)nodes * K * sizeof *ctid),
            *cnid = lp_xmalloc((size_t)nodes * K * sizeof *cnid);
    int64_t *cid = lp_xmalloc((size_t)nodes * K * sizeof *cid);
    float *cw = lp_xmalloc((size_t)nodes * K * sizeof *cw);
    int at = 0, nw = 0;
    for (int k = 0; k < TREES; k++)
        for (int i = 0; i < forest[k].size; i++, at++) {
            const tnode *nd = &forest[k].n[i];
            tid[at] = k;
            nid[at] = i;
            feat[at] = nd->leaf ? 0 : nd->feat;
            th[at] = nd->leaf ? 0 : nd->th;
            yes[at] = nd->leaf ? 0 : nd->left;
            no[at] = nd->leaf ? 0 : nd->right;
            modes[at] = nd->leaf ? "LEAF" : "BRANCH_LEQ";
            if (!nd->leaf) continue;
            double total = nd->count[0] + nd->count[1] + nd->count[2];
            for (int c = 0; c < K; c++) {
                if (nd->count[c] == 0) continue;
                ctid[nw] = k;
                cnid[nw] = i;
                cid[nw] = c;
                cw[nw++] = (float)(nd->count[c] / total / TREES);
            }
        }

    lp_builder *bld = lp_build_new("iris_forest");
    lp_build_opset(bld, "", 15);
    lp_build_opset(bld, "ai.onnx.ml", 1);
    lp_build_producer(bld, "loupe-samples", "0.1");
    lp_build_doc(bld, "Random forest on Fisher's iris data, as skl2onnx exports "
                      "RandomForestClassifier; input in cm: sepal length, sepal width, petal "
                      "length, petal width. Classes 0 setosa, 1 versicolor, 2 virginica.");
    lp_build_prop(bld, "dataset", "iris (Fisher 1936), 150 rows");
    lp_build_prop(bld, "training",
                  "16 CART trees (Gini, depth <= 4, 2 features per split) on bootstrap samples");
    lp_build_input(bld, "input", LP_FLOAT, "batch,4");
    lp_bnode *te =
        lp_build_node(bld, "TreeEnsembleClassifier", "input", "label,probability_tensor");
    lp_build_node_name(bld, te, "TreeEnsembleClassifier");
    lp_build_node_domain(bld, te, "ai.onnx.ml");
    lp_build_attr_ints(bld, te, "nodes_treeids", nodes, tid);
    lp_build_attr_ints(bld, te, "nodes_nodeids", nodes, nid);
    lp_build_attr_ints(bld, te, "nodes_featureids", nodes, feat);
    lp_build_attr_floats(bld, te, "nodes_values", nodes, th);
    lp_build_attr_strings(bld, te, "nodes_modes", nodes, modes);
    lp_build_attr_ints(bld, te, "nodes_truenodeids", nodes, yes);
    lp_build_attr_ints(bld, te, "nodes_falsenodeids", nodes, no);
    lp_build_attr_ints(bld, te, "class_treeids", nw, ctid);
    lp_build_attr_ints(bld, te, "class_nodeids", nw, cnid);
    lp_build_attr_ints(bld, te, "class_ids", nw, cid);
    lp_build_attr_floats(bld, te, "class_weights", nw, cw);
    lp_build_attr_ints(bld, te, "classlabels_int64s", K, (int64_t[]){0, 1, 2});
    lp_build_attr_string(bld, te, "post_transform", "NONE");
    lp_bnode *zm = lp_build_node(bld, "ZipMap", "probability_tensor", "probabilities");
    lp_build_node_name(bld, zm, "ZipMap");
    lp_build_node_domain(bld, zm, "ai.onnx.ml");
    lp_build_attr_ints(bld, zm, "classlabels_int64s", K, (int64_t[]){0, 1, 2});
    lp_build_output(bld, "label", LP_INT64, "batch");
    lp_build_output_seq_map(bld, "probabilities", LP_INT64, LP_FLOAT);

    int rc = check_graph(bld, forest, x, n);
    if (!rc)
        rc = sample_write(dir, "iris_forest", bld, "{\"function\": \"classification\"}", NULL, -1);
    lp_build_free(bld);
    /* records: a setosa, a versicolor, a virginica */
    float rec[3 * F];
    for (int i = 0; i < 3; i++) memcpy(rec + i * F, x + i * 50 * F, F * sizeof *rec);
    if (!rc) rc = sample_records(dir, "iris_forest", "input", rec, 3, F);
    free(tid), free(nid), free(feat), free(yes), free(no), free(th), free(modes);
    free(ctid), free(cnid), free(cid), free(cw);
    free(x);
    free(idx);
    free(in_bag);
    free(forest);
    table_free(&t);
    return rc;
}
