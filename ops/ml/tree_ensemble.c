/*
** tree_ensemble.c — TreeEnsembleRegressor and TreeEnsembleClassifier
** (ai.onnx.ml 1 and 3, nodes named by (tree id, node id) pairs) and
** TreeEnsemble (ai.onnx.ml 5, nodes and leaves named by position).
**
** All three are flattened once, at session creation, into one forest: the
** interior nodes of every tree in one contiguous array, each tree laid out
** depth first so a node's true child tends to follow it; a child index below
** zero is ~leaf. A leaf owns a run of (target, weight) pairs. Building the
** forest checks everything a hostile file could get wrong — indices out of
** range, lists of different lengths, a node reached twice (a cycle or a
** shared subtree) — so the walk itself needs no checks but the feature
** count, which is known only when X arrives.
**
** Rows are scored in blocks (up to BLOCK rows, fewer when rows are wide),
** tree by tree, so a block's rows share a tree while it is in cache, and
** walk down it level by level without branching on the data.
*/
#include "ops/ml/ml.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { M_LEQ, M_LT, M_GTE, M_GT, M_EQ, M_NEQ, M_MEMBER, M_LEAF };
enum { AGG_AVERAGE, AGG_SUM, AGG_MIN, AGG_MAX };
enum { K_REGRESSOR, K_CLASSIFIER, K_ENSEMBLE };

#define BLOCK 512          /* rows scored together */
#define BLOCK_BYTES 262144 /* about what a block's rows and scores may take */

typedef struct tnode {
    union {
        double split;
        struct {
            int32_t at, n; /* BRANCH_MEMBER: sorted members[at, at + n) */
        } set;
    } u;
    int32_t feature;
    int32_t yes, no; /* >= 0 a node, < 0 ~leaf */
    uint8_t mode;
    uint8_t nan_yes; /* the branch a NaN feature takes */
} tnode;

typedef struct tleaf {
    int32_t at, n; /* its weights: w_target/w_value[at, at + n) */
} tleaf;

typedef struct forest {
    int kind;
    tnode *nodes;
    int32_t *roots;
    int n_nodes, n_trees;
    tleaf *leaves;
    int n_leaves;
    int32_t *w_target;
    double *w_value;
    int n_weights;
    double *members;
    int32_t max_feature; /* -1 when no node reads a feature */
    int mode;            /* the mode of every node, or -1 when they differ */
    int64_t n_targets;   /* targets or classes */
    int agg;
    lp_ml_post post;
    double *base; /* n_base values: 0, 1 (for every target) or n_targets */
    int n_base;
    lp_ml_labels labels; /* classifier */
    int binary_class;    /* classifier: the one class all weights go to, else -1 */
} forest;

void lp_k_ml_tree_release(void *state) {
    forest *f = state;
    if (!f) return;
    free(f->nodes);
    free(f->roots);
    free(f->leaves);
    free(f->w_target);
    free(f->w_value);
    free(f->members);
    free(f->base);
    free(f);
}

/* ---- reading attributes ---- */

/* An ints attribute that must have `n` entries (or may be absent when
** `optional`); *out NULL when absent. */
static int ints_n(lp_kctx *k, const char *name, int n, bool optional, const int64_t **out) {
    int c;
    *out = lp_attr_ints(k->node, name, &c);
    if (!*out || c == 0) {
        *out = NULL;
        if (optional || n == 0) return LP_OK;
        return lp_kfail(k, "%s is missing", name);
    }
    if (c != n) return lp_kfail(k, "%s has %d entries; the nodes are %d", name, c, n);
    return LP_OK;
}

static int mode_of(const char *s) {
    static const char *const names[] = {"BRANCH_LEQ", "BRANCH_LT",  "BRANCH_GTE",    "BRANCH_GT",
                                        "BRANCH_EQ",  "BRANCH_NEQ", "BRANCH_MEMBER", "LEAF"};
    for (int i = 0; i < 8; i++)
        if (!strcmp(s, names[i])) return i;
    return -1;
}

/* ---- the layout shared by both encodings ---- */

/* The source description of nodes, as either encoding gives them. Children
** are source node indices, or leaf indices when *_leaf says so. */
typedef struct source {
    int n;
    const int64_t *feature;
    double *split;
    uint8_t *mode;
    int32_t *yes, *no; /* source indices (node or leaf) */
    uint8_t *yes_leaf, *no_leaf;
    const int64_t *missing;
    bool nan_neq;            /* version 5: x != split holds for NaN, so NEQ sends NaN true */
    int32_t *set_at, *set_n; /* version 5: BRANCH_MEMBER sets in f->members */
    char (*label)[48];       /* how messages name a node */
} source;

static source source_new(int n, const int64_t *feature, const int64_t *missing) {
    source s = {.n = n, .feature = feature, .missing = missing};
    s.split = lp_xcalloc((size_t)n, sizeof *s.split);
    s.mode = lp_xcalloc((size_t)n, 1);
    s.yes = lp_xcalloc((size_t)n, sizeof *s.yes);
    s.no = lp_xcalloc((size_t)n, sizeof *s.no);
    s.yes_leaf = lp_xcalloc((size_t)n, 1);
    s.no_leaf = lp_xcalloc((size_t)n, 1);
    s.label = lp_xcalloc((size_t)n, sizeof *s.label);
    return s;
}

static void source_free(source *s) {
    free(s->split);
    free(s->mode);
    free(s->yes);
    free(s->no);
    free(s->yes_leaf);
    free(s->no_leaf);
    free(s->label);
}

/* Lays out every tree reachable from roots[] (source node indices, or ~leaf)
** into f->nodes, depth first. new_id[i] is node i's place, or -1. */
static int layout(lp_kctx *k, forest *f, const source *s, const int32_t *src_roots, int n_roots) {
    int32_t *new_id = lp_xmalloc(((size_t)s->n + 1) * sizeof *new_id);
    int32_t *stack = lp_xmalloc(((size_t)s->n * 2 + 2) * sizeof *stack);
    for (int i = 0; i < s->n; i++) new_id[i] = -1;
    f->nodes = lp_xcalloc((size_t)s->n + 1, sizeof *f->nodes);
    f->roots = lp_xcalloc((size_t)n_roots + 1, sizeof *f->roots);
    f->n_trees = n_roots;
    int rc = LP_OK, count = 0;
    /* first pass: visit order and new indices; a node met twice is refused */
    for (int t = 0; t < n_roots && rc == LP_OK; t++) {
        if (src_roots[t] < 0) continue;
        int sp = 0;
        stack[sp++] = src_roots[t];
        while (sp > 0 && rc == LP_OK) {
            int i = stack[--sp];
            if (new_id[i] >= 0) {
                rc = lp_kfail(k, "%s is reached twice: its tree has a cycle or shares a subtree",
                              s->label[i]);
                break;
            }
            new_id[i] = count++;
            if (!s->no_leaf[i]) stack[sp++] = s->no[i];
            if (!s->yes_leaf[i]) stack[sp++] = s->yes[i];
        }
    }
    for (int t = 0; t < n_roots && rc == LP_OK; t++)
        f->roots[t] = src_roots[t] < 0 ? src_roots[t] : new_id[src_roots[t]];
    /* second pass: fill the nodes in their new places */
    f->mode = -2; /* none seen yet */
    f->max_feature = -1;
    for (int i = 0; i < s->n && rc == LP_OK; i++) {
        if (new_id[i] < 0) continue;
        tnode *d = &f->nodes[new_id[i]];
        int64_t feat = s->feature[i];
        if (feat < 0 || feat > INT32_MAX - 1) {
            rc = lp_kfail(k, "%s reads feature %lld", s->label[i], (long long)feat);
            break;
        }
        d->feature = (int32_t)feat;
        if (d->feature > f->max_feature) f->max_feature = d->feature;
        d->u.split = s->split[i];
        d->mode = s->mode[i];
        d->yes = s->yes_leaf[i] ? ~s->yes[i] : new_id[s->yes[i]];
        d->no = s->no_leaf[i] ? ~s->no[i] : new_id[s->no[i]];
        d->nan_yes = (s->missing && s->missing[i] != 0) || (s->nan_neq && d->mode == M_NEQ);
        if (d->mode == M_MEMBER) {
            d->u.set.at = s->set_at[i];
            d->u.set.n = s->set_n[i];
        }
        f->mode = f->mode == -2 || f->mode == d->mode ? d->mode : -1;
    }
    f->n_nodes = count;
    free(new_id);
    free(stack);
    return rc;
}

/* ---- ai.onnx.ml 1 and 3: nodes named by (tree id, node id) ---- */

typedef struct key {
    int64_t tree, node;
    int32_t at;
} key;

static int key_cmp(const void *a, const void *b) {
    const key *x = a, *y = b;
    if (x->tree != y->tree) return x->tree < y->tree ? -1 : 1;
    if (x->node != y->node) return x->node < y->node ? -1 : 1;
    return x->at < y->at ? -1 : x->at > y->at;
}

static int find_key(const key *keys, int n, int64_t tree, int64_t node) {
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        const key *m = &keys[mid];
        if (m->tree == tree && m->node == node) return m->at;
        if (m->tree < tree || (m->tree == tree && m->node < node))
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* The weights of a legacy ensemble (prefix "class" or "target") bucketed by
** leaf. is_leaf_at[i] is node i's leaf number, or -1. */
static int legacy_weights(lp_kctx *k, forest *f, const char *prefix, const key *keys, int n,
                          const int32_t *leaf_at, int64_t *max_id) {
    char name[4][64];
    snprintf(name[0], 64, "%s_treeids", prefix);
    snprintf(name[1], 64, "%s_nodeids", prefix);
    snprintf(name[2], 64, "%s_ids", prefix);
    snprintf(name[3], 64, "%s_weights", prefix);
    int c[3];
    const int64_t *tid = lp_attr_ints(k->node, name[0], &c[0]);
    const int64_t *nid = lp_attr_ints(k->node, name[1], &c[1]);
    const int64_t *ids = lp_attr_ints(k->node, name[2], &c[2]);
    double *w;
    int nw;
    int rc = lp_ml_doubles_attr(k, name[3], &w, &nw);
    if (rc) return rc;
    if (nw < 0) nw = 0;
    if (c[0] != nw || c[1] != nw || c[2] != nw) {
        free(w);
        return lp_kfail(k, "%s, %s, %s and %s have %d, %d, %d and %d entries; they must match",
                        name[0], name[1], name[2], name[3], c[0], c[1], c[2], nw);
    }
    int32_t *leaf_of = lp_xmalloc((size_t)nw * sizeof *leaf_of + 1);
    *max_id = -1;
    for (int j = 0; j < nw; j++) {
        int at = find_key(keys, n, tid[j], nid[j]);
        if (at < 0) {
            rc = lp_kfail(k, "%s entry %d names node %lld of tree %lld, which does not exist",
                          name[3], j, (long long)nid[j], (long long)tid[j]);
            break;
        }
        if (ids[j] < 0 || ids[j] > INT32_MAX - 1) {
            rc = lp_kfail(k, "%s entry %d is %lld", name[2], j, (long long)ids[j]);
            break;
        }
        if (ids[j] > *max_id) *max_id = ids[j];
        /* weights on interior nodes (old onnxmltools wrote some) are ignored, as
        ** onnxruntime does; so are weights on leaves no tree reaches */
        leaf_of[j] = leaf_at[at];
    }
    if (rc == LP_OK) {
        f->leaves = lp_xcalloc((size_t)f->n_leaves + 1, sizeof *f->leaves);
        for (int j = 0; j < nw; j++)
            if (leaf_of[j] >= 0) f->leaves[leaf_of[j]].n++;
        int at = 0;
        for (int l = 0; l < f->n_leaves; l++) {
            f->leaves[l].at = at;
            at += f->leaves[l].n;
            f->leaves[l].n = 0;
        }
        f->n_weights = at;
        f->w_target = lp_xmalloc((size_t)at * sizeof *f->w_target + 1);
        f->w_value = lp_xmalloc((size_t)at * sizeof *f->w_value + 1);
        for (int j = 0; j < nw; j++) {
            if (leaf_of[j] < 0) continue;
            tleaf *l = &f->leaves[leaf_of[j]];
            f->w_target[l->at + l->n] = (int32_t)ids[j];
            f->w_value[l->at + l->n] = w[j];
            l->n++;
        }
    }
    free(leaf_of);
    free(w);
    return rc;
}

static int build_legacy(lp_kctx *k, forest *f, const char *prefix, int64_t *max_id) {
    int n;
    const int64_t *treeids = lp_attr_ints(k->node, "nodes_treeids", &n);
    if (!treeids || n == 0) return lp_kfail(k, "nodes_treeids is missing or empty");
    const int64_t *nodeids, *featureids, *trueids, *falseids, *missing;
    int rc;
    if ((rc = ints_n(k, "nodes_nodeids", n, false, &nodeids)) ||
        (rc = ints_n(k, "nodes_featureids", n, false, &featureids)) ||
        (rc = ints_n(k, "nodes_truenodeids", n, false, &trueids)) ||
        (rc = ints_n(k, "nodes_falsenodeids", n, false, &falseids)) ||
        (rc = ints_n(k, "nodes_missing_value_tracks_true", n, true, &missing)))
        return rc;
    const lp_attr *modes = lp_node_attr(k->node, "nodes_modes");
    if (!modes || modes->type != LP_ATTR_STRINGS || modes->n != n)
        return lp_kfail(k, "nodes_modes must list one mode for each of the %d nodes", n);
    double *values;
    int nv;
    rc = lp_ml_doubles_attr(k, "nodes_values", &values, &nv);
    if (rc) return rc;
    if (nv != n && nv > 0) {
        free(values);
        return lp_kfail(k, "nodes_values has %d entries; the nodes are %d", nv, n);
    }

    source s = source_new(n, featureids, missing);
    key *keys = lp_xmalloc((size_t)n * sizeof *keys);
    int32_t *leaf_at = lp_xmalloc((size_t)n * sizeof *leaf_at);
    int32_t *roots = lp_xmalloc((size_t)n * sizeof *roots);
    int n_roots = 0;
    for (int i = 0; i < n; i++) {
        keys[i] = (key){treeids[i], nodeids[i], i};
        snprintf(s.label[i], sizeof s.label[i], "node %lld of tree %lld", (long long)nodeids[i],
                 (long long)treeids[i]);
        if (values && nv == n) s.split[i] = values[i];
    }
    qsort(keys, (size_t)n, sizeof *keys, key_cmp);
    for (int i = 1; i < n && rc == LP_OK; i++)
        if (keys[i].tree == keys[i - 1].tree && keys[i].node == keys[i - 1].node)
            rc = lp_kfail(k, "%s is listed twice (entries %d and %d)", s.label[keys[i].at],
                          keys[i - 1].at, keys[i].at);
    /* modes and children; leaves are numbered in list order */
    f->n_leaves = 0;
    for (int i = 0; i < n && rc == LP_OK; i++) {
        int m = mode_of(modes->strings[i]);
        if (m < 0 || m == M_MEMBER) {
            rc = lp_kfail(k, "%s has mode '%s'", s.label[i], modes->strings[i]);
            break;
        }
        s.mode[i] = (uint8_t)m;
        leaf_at[i] = -1;
        if (m == M_LEAF) {
            leaf_at[i] = f->n_leaves++;
            continue;
        }
        if (nv != n) {
            rc = lp_kfail(k, "nodes_values is missing; %s needs a threshold", s.label[i]);
            break;
        }
        int yes = find_key(keys, n, treeids[i], trueids[i]);
        int no = find_key(keys, n, treeids[i], falseids[i]);
        if (yes < 0 || no < 0) {
            rc = lp_kfail(k, "%s: its %s branch names node %lld, which tree %lld does not have",
                          s.label[i], yes < 0 ? "true" : "false",
                          (long long)(yes < 0 ? trueids[i] : falseids[i]), (long long)treeids[i]);
            break;
        }
        s.yes[i] = yes;
        s.no[i] = no;
    }
    /* children that are leaves point at the leaf */
    for (int i = 0; i < n && rc == LP_OK; i++) {
        if (s.mode[i] == M_LEAF) continue;
        if (leaf_at[s.yes[i]] >= 0) {
            s.yes_leaf[i] = 1;
            s.yes[i] = leaf_at[s.yes[i]];
        }
        if (leaf_at[s.no[i]] >= 0) {
            s.no_leaf[i] = 1;
            s.no[i] = leaf_at[s.no[i]];
        }
    }
    /* one tree per tree id, rooted at its first entry, in tree id order */
    for (int i = 0; i < n && rc == LP_OK; i++) {
        if (i > 0 && keys[i].tree == keys[i - 1].tree) continue;
        int first = keys[i].at;
        for (int j = i + 1; j < n && keys[j].tree == keys[i].tree; j++)
            if (keys[j].at < first) first = keys[j].at;
        roots[n_roots++] = s.mode[first] == M_LEAF ? ~leaf_at[first] : first;
    }
    if (rc == LP_OK) rc = layout(k, f, &s, roots, n_roots);
    if (rc == LP_OK) rc = legacy_weights(k, f, prefix, keys, n, leaf_at, max_id);
    free(values);
    source_free(&s);
    free(keys);
    free(leaf_at);
    free(roots);
    return rc;
}

/* base_values (or base_values_as_tensor): none, one for all, or one each. */
static int read_base(lp_kctx *k, forest *f) {
    int rc = lp_ml_doubles_attr(k, "base_values", &f->base, &f->n_base);
    if (rc) return rc;
    if (f->n_base < 0) f->n_base = 0;
    if (f->n_base > 1 && f->n_base != f->n_targets)
        return lp_kfail(k, "base_values has %d entries for %lld %s", f->n_base,
                        (long long)f->n_targets, f->kind == K_CLASSIFIER ? "classes" : "targets");
    return LP_OK;
}

int lp_k_ml_tree_regressor_prepare(lp_kctx *k) {
    forest *f = lp_xcalloc(1, sizeof *f);
    k->state = f;
    f->kind = K_REGRESSOR;
    int rc = lp_ml_post_attr(k, &f->post);
    if (rc) return rc;
    const char *agg = lp_attr_string(k->node, "aggregate_function", "SUM");
    static const char *const aggs[] = {"AVERAGE", "SUM", "MIN", "MAX"};
    f->agg = -1;
    for (int i = 0; i < 4; i++)
        if (!strcmp(agg, aggs[i])) f->agg = i;
    if (f->agg < 0)
        return lp_kfail(k, "aggregate_function '%s' is not AVERAGE, SUM, MIN or MAX", agg);
    int64_t max_id;
    rc = build_legacy(k, f, "target", &max_id);
    if (rc) return rc;
    f->n_targets = lp_attr_int(k->node, "n_targets", max_id + 1);
    if (f->n_targets < 1 || f->n_targets > (1 << 20))
        return lp_kfail(k, "n_targets is %lld", (long long)f->n_targets);
    if (max_id >= f->n_targets)
        return lp_kfail(k, "target_ids has %lld; n_targets is %lld", (long long)max_id,
                        (long long)f->n_targets);
    return read_base(k, f);
}

int lp_k_ml_tree_classifier_prepare(lp_kctx *k) {
    forest *f = lp_xcalloc(1, sizeof *f);
    k->state = f;
    f->kind = K_CLASSIFIER;
    f->agg = AGG_SUM;
    int rc = lp_ml_post_attr(k, &f->post);
    if (!rc) rc = lp_ml_labels_attr(k, "classlabels_int64s", &f->labels);
    if (rc) return rc;
    if (f->labels.n == 0) return lp_kfail(k, "classlabels_int64s or classlabels_strings is needed");
    if (f->labels.n == 1 && f->labels.strs)
        return lp_kfail(k, "a single string class label is not supported");
    f->n_targets = f->labels.n;
    int64_t max_id;
    rc = build_legacy(k, f, "class", &max_id);
    if (rc) return rc;
    if (max_id >= f->n_targets)
        return lp_kfail(k, "class_ids has %lld; there are %lld class labels", (long long)max_id,
                        (long long)f->n_targets);
    /* binary: every weight votes for the same class */
    f->binary_class = -1;
    for (int i = 0; i < f->n_weights; i++) {
        if (i == 0)
            f->binary_class = f->w_target[0];
        else if (f->w_target[i] != f->binary_class)
            f->binary_class = -1;
        if (f->binary_class < 0) break;
    }
    if (f->n_targets > 2) f->binary_class = -1;
    return read_base(k, f);
}

/* ---- ai.onnx.ml 5: TreeEnsemble ---- */

static int tensor_n(lp_kctx *k, const char *name, int n, bool optional, const lp_tensor **out) {
    *out = lp_attr_tensor(k->node, name);
    if (!*out) return optional ? LP_OK : lp_kfail(k, "%s is missing", name);
    if ((*out)->dtype == LP_STRING) return lp_kfail(k, "%s holds strings", name);
    if ((*out)->numel != n)
        return lp_kfail(k, "%s has %lld entries; %d are needed", name, (long long)(*out)->numel, n);
    return LP_OK;
}

/* membership_values: one NaN-terminated set per BRANCH_MEMBER node, in node order. */
static int read_members(lp_kctx *k, forest *f, const source *s, int32_t *set_at, int32_t *set_n) {
    int n_member = 0;
    for (int i = 0; i < s->n; i++) n_member += s->mode[i] == M_MEMBER;
    const lp_tensor *mv = lp_attr_tensor(k->node, "membership_values");
    if (!n_member) return LP_OK;
    if (!mv || mv->dtype == LP_STRING)
        return lp_kfail(k, "%d BRANCH_MEMBER nodes but no numeric membership_values", n_member);
    f->members = lp_xmalloc((size_t)mv->numel * sizeof *f->members + 1);
    int64_t at = 0, start = 0;
    int i = 0;
    for (int64_t j = 0; j < mv->numel; j++) {
        double v = lp_get_f64(mv, j);
        if (v == v) {
            f->members[at++] = v;
            continue;
        }
        while (i < s->n && s->mode[i] != M_MEMBER) i++;
        if (i == s->n) break;
        set_at[i] = (int32_t)start;
        set_n[i] = (int32_t)(at - start);
        start = at;
        i++;
    }
    while (i < s->n && s->mode[i] != M_MEMBER) i++;
    if (i < s->n || at != start)
        return lp_kfail(k,
                        "membership_values must hold one NaN-terminated set for each of the %d "
                        "BRANCH_MEMBER nodes",
                        n_member);
    return LP_OK;
}

static int dbl_cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int lp_k_ml_tree_ensemble_prepare(lp_kctx *k) {
    forest *f = lp_xcalloc(1, sizeof *f);
    k->state = f;
    f->kind = K_ENSEMBLE;
    int64_t post = lp_attr_int(k->node, "post_transform", 0);
    int64_t agg = lp_attr_int(k->node, "aggregate_function", 1);
    if (post < 0 || post > 4)
        return lp_kfail(k, "post_transform %lld is not 0..4", (long long)post);
    if (agg < 0 || agg > 3)
        return lp_kfail(k, "aggregate_function %lld is not 0..3", (long long)agg);
    f->post = (lp_ml_post)post;
    f->agg = (int)agg;
    int n;
    const int64_t *feat = lp_attr_ints(k->node, "nodes_featureids", &n);
    if (!feat || n == 0) return lp_kfail(k, "nodes_featureids is missing or empty");
    const int64_t *yes, *no, *yes_leaf, *no_leaf, *missing, *leaf_target;
    const lp_tensor *splits, *modes, *weights;
    int rc, n_leaves;
    if ((rc = ints_n(k, "nodes_truenodeids", n, false, &yes)) ||
        (rc = ints_n(k, "nodes_falsenodeids", n, false, &no)) ||
        (rc = ints_n(k, "nodes_trueleafs", n, false, &yes_leaf)) ||
        (rc = ints_n(k, "nodes_falseleafs", n, false, &no_leaf)) ||
        (rc = ints_n(k, "nodes_missing_value_tracks_true", n, true, &missing)) ||
        (rc = tensor_n(k, "nodes_splits", n, false, &splits)) ||
        (rc = tensor_n(k, "nodes_modes", n, false, &modes)))
        return rc;
    leaf_target = lp_attr_ints(k->node, "leaf_targetids", &n_leaves);
    if (!leaf_target || n_leaves == 0) return lp_kfail(k, "leaf_targetids is missing or empty");
    if ((rc = tensor_n(k, "leaf_weights", n_leaves, false, &weights))) return rc;
    int n_roots;
    const int64_t *troots = lp_attr_ints(k->node, "tree_roots", &n_roots);
    if (!troots || n_roots == 0) return lp_kfail(k, "tree_roots is missing or empty");

    f->n_targets = lp_attr_int(k->node, "n_targets", -1);
    int64_t max_t = -1;
    for (int i = 0; i < n_leaves; i++) {
        if (leaf_target[i] < 0 || leaf_target[i] > INT32_MAX - 1)
            return lp_kfail(k, "leaf %d has target %lld", i, (long long)leaf_target[i]);
        if (leaf_target[i] > max_t) max_t = leaf_target[i];
    }
    if (f->n_targets < 0) f->n_targets = max_t + 1;
    if (f->n_targets < 1 || f->n_targets > (1 << 20) || max_t >= f->n_targets)
        return lp_kfail(k, "n_targets is %lld and leaves name target %lld", (long long)f->n_targets,
                        (long long)max_t);
    /* leaves map one to one */
    f->n_leaves = f->n_weights = n_leaves;
    f->leaves = lp_xmalloc((size_t)n_leaves * sizeof *f->leaves);
    f->w_target = lp_xmalloc((size_t)n_leaves * sizeof *f->w_target);
    f->w_value = lp_xmalloc((size_t)n_leaves * sizeof *f->w_value);
    for (int i = 0; i < n_leaves; i++) {
        f->leaves[i] = (tleaf){i, 1};
        f->w_target[i] = (int32_t)leaf_target[i];
        f->w_value[i] = lp_get_f64(weights, i);
    }

    source s = source_new(n, feat, missing);
    int32_t *roots = lp_xmalloc((size_t)n_roots * sizeof *roots);
    int32_t *set_at = lp_xcalloc((size_t)n, sizeof *set_at);
    int32_t *set_n = lp_xcalloc((size_t)n, sizeof *set_n);
    for (int i = 0; i < n && rc == LP_OK; i++) {
        snprintf(s.label[i], sizeof s.label[i], "tree node %d", i);
        int64_t m = lp_get_i64(modes, i);
        if (m < M_LEQ || m > M_MEMBER) {
            rc = lp_kfail(k, "%s has mode %lld", s.label[i], (long long)m);
            break;
        }
        s.mode[i] = (uint8_t)m;
        s.split[i] = lp_get_f64(splits, i);
        s.yes_leaf[i] = yes_leaf[i] != 0;
        s.no_leaf[i] = no_leaf[i] != 0;
        int64_t limit_y = s.yes_leaf[i] ? n_leaves : n, limit_n = s.no_leaf[i] ? n_leaves : n;
        if (yes[i] < 0 || yes[i] >= limit_y || no[i] < 0 || no[i] >= limit_n) {
            bool bad_yes = yes[i] < 0 || yes[i] >= limit_y;
            rc = lp_kfail(k, "%s: its %s branch is %s %lld, out of range", s.label[i],
                          bad_yes ? "true" : "false",
                          (bad_yes ? s.yes_leaf[i] : s.no_leaf[i]) ? "leaf" : "node",
                          (long long)(bad_yes ? yes[i] : no[i]));
            break;
        }
        s.yes[i] = (int32_t)yes[i];
        s.no[i] = (int32_t)no[i];
    }
    for (int t = 0; t < n_roots && rc == LP_OK; t++) {
        int64_t r = troots[t];
        if (r < 0 || r >= n) {
            rc = lp_kfail(k, "tree_roots[%d] is %lld; there are %d nodes", t, (long long)r, n);
            break;
        }
        /* a tree that is a single leaf: both branches name the same leaf */
        if (s.yes_leaf[r] && s.no_leaf[r] && s.yes[r] == s.no[r])
            roots[t] = ~s.yes[r];
        else
            roots[t] = (int32_t)r;
    }
    if (rc == LP_OK) rc = read_members(k, f, &s, set_at, set_n);
    for (int i = 0; i < n && rc == LP_OK; i++)
        if (s.mode[i] == M_MEMBER)
            qsort(f->members + set_at[i], (size_t)set_n[i], sizeof *f->members, dbl_cmp);
    s.nan_neq = true;
    s.set_at = set_at;
    s.set_n = set_n;
    if (rc == LP_OK) rc = layout(k, f, &s, roots, n_roots);
    source_free(&s);
    free(roots);
    free(set_at);
    free(set_n);
    return rc;
}

/* ---- scoring ---- */

static bool member(const forest *f, const tnode *d, double v) {
    const double *m = f->members + d->u.set.at;
    int lo = 0, hi = d->u.set.n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (m[mid] == v) return true;
        if (m[mid] < v)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return false;
}

static bool branch(const forest *f, const tnode *d, double v) {
    switch (d->mode) {
    case M_LEQ:
        return v <= d->u.split;
    case M_LT:
        return v < d->u.split;
    case M_GTE:
        return v >= d->u.split;
    case M_GT:
        return v > d->u.split;
    case M_EQ:
        return v == d->u.split;
    case M_NEQ:
        return v != d->u.split;
    default:
        return member(f, d, v);
    }
}

/* Walks rows x[0, nb) (cols apart) down one tree, level by level: every row
** takes one step per pass, without branching on the data (a row at a leaf
** stays there), so the CPU overlaps the rows and mispredicts nothing. A NaN
** feature takes the node's nan_yes branch. cur[] ends holding ~leaf. */
#define WALK(GO)                                                                                   \
    for (int32_t active = 1; active;) {                                                            \
        active = 0;                                                                                \
        for (int b = 0; b < nb; b++) {                                                             \
            int32_t i = cur[b];                                                                    \
            const tnode *d = &nodes[i < 0 ? 0 : i];                                                \
            double v = x[b * cols + d->feature];                                                   \
            int nan = v != v, go = ((GO) & !nan) | (nan & d->nan_yes);                             \
            int32_t next = go ? d->yes : d->no;                                                    \
            cur[b] = i < 0 ? i : next;                                                             \
            active |= cur[b] >= 0;                                                                 \
        }                                                                                          \
    }

static void walk_block(const forest *f, int32_t root, const double *x, int64_t cols, int nb,
                       int32_t *cur) {
    const tnode *nodes = f->nodes;
    for (int b = 0; b < nb; b++) cur[b] = root;
    if (root < 0) return;
    switch (f->mode) {
    case M_LEQ:
        WALK(v <= d->u.split) break;
    case M_LT:
        WALK(v < d->u.split) break;
    case M_GTE:
        WALK(v >= d->u.split) break;
    case M_GT:
        WALK(v > d->u.split) break;
    default:
        WALK(branch(f, d, v)) break;
    }
}

/* Aggregates rows [r0, r0 + nb) into acc[nb, n_targets]; has[] marks targets
** that received a weight (MIN and MAX start from the first one). */
static void score_block(const forest *f, const double *x, int64_t cols, int64_t r0, int nb,
                        double *acc, uint8_t *has) {
    int64_t nt = f->n_targets;
    int32_t cur[BLOCK];
    memset(acc, 0, (size_t)nb * (size_t)nt * sizeof *acc);
    memset(has, 0, (size_t)nb * (size_t)nt);
    for (int t = 0; t < f->n_trees; t++) {
        walk_block(f, f->roots[t], x + r0 * cols, cols, nb, cur);
        for (int b = 0; b < nb; b++) {
            const tleaf *l = &f->leaves[~cur[b]];
            double *a = acc + (int64_t)b * nt;
            uint8_t *h = has + (int64_t)b * nt;
            for (int32_t j = l->at; j < l->at + l->n; j++) {
                int32_t tg = f->w_target[j];
                double w = f->w_value[j];
                switch (f->agg) {
                case AGG_MIN:
                    a[tg] = h[tg] && a[tg] <= w ? a[tg] : w;
                    break;
                case AGG_MAX:
                    a[tg] = h[tg] && a[tg] >= w ? a[tg] : w;
                    break;
                default:
                    a[tg] += w;
                    break;
                }
                h[tg] = 1;
            }
        }
    }
}

/* Scratch: X as doubles, then a block's accumulators, flags and one row. */
typedef struct scratch {
    double *x, *acc, *row;
    uint8_t *has;
    int64_t rows, cols;
    int block;
} scratch;

static int start(lp_kctx *k, const forest *f, const lp_tensor *x, bool float_ints, scratch *s) {
    if (x->rank == 1) {
        s->rows = 1;
        s->cols = x->dims[0];
    } else if (x->rank == 2) {
        s->rows = x->dims[0];
        s->cols = x->dims[1];
    } else {
        return lp_kbad(k, "input X has rank %d; [N, F] is needed", x->rank);
    }
    if (f->max_feature >= s->cols)
        return lp_kbad(k, "a tree node reads feature %d; X has %lld", f->max_feature,
                       (long long)s->cols);
    size_t nt = (size_t)f->n_targets;
    int64_t per_row = (s->cols + (int64_t)nt) * 9 + 1;
    s->block = (int)(BLOCK_BYTES / per_row < 16      ? 16
                     : BLOCK_BYTES / per_row > BLOCK ? BLOCK
                                                     : BLOCK_BYTES / per_row);
    size_t bl = (size_t)s->block;
    /* acc (block * nt) + row (nt + 2) + flags (block * nt bytes, in doubles) */
    size_t extra = bl * nt + nt + 2 + (bl * nt) / sizeof(double) + 1;
    s->x = lp_ml_doubles(k, x, extra);
    if (!s->x) return k->err->status;
    if (float_ints && x->dtype != LP_FLOAT && x->dtype != LP_DOUBLE)
        for (int64_t i = 0; i < x->numel; i++) s->x[i] = (float)s->x[i];
    s->acc = s->x + x->numel;
    s->row = s->acc + bl * nt;
    s->has = (uint8_t *)(s->row + nt + 2);
    return LP_OK;
}

/* A regressor's targets after aggregation: AVERAGE divides by the tree
** count, base values are added after, targets no tree scored are 0 + base. */
static void finish_targets(const forest *f, const double *acc, const uint8_t *has, double *row) {
    for (int64_t t = 0; t < f->n_targets; t++) {
        double v = has[t] ? acc[t] : 0;
        if (f->agg == AGG_AVERAGE) v /= f->n_trees;
        if (f->n_base) v += f->base[f->n_base == 1 ? 0 : t];
        row[t] = v;
    }
    lp_ml_transform(row, f->n_targets, f->post);
}

int lp_k_ml_tree_regressor(lp_kctx *k) {
    const forest *f = k->state;
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kfail(k, "input X is missing");
    if (!lp_ml_numeric(x))
        return lp_kbad(k, "input X is %s; float, double, int32 or int64 is needed",
                       lp_dtype_name(x->dtype));
    scratch s;
    int rc = start(k, f, x, false, &s);
    if (rc) return rc;
    int64_t nt = f->n_targets;
    lp_tensor *y = lp_out(k, 0, LP_FLOAT, 2, (int64_t[]){s.rows, nt});
    if (!y) return LP_EFAIL;
    for (int64_t r0 = 0; r0 < s.rows; r0 += s.block) {
        int nb = (int)(s.rows - r0 < s.block ? s.rows - r0 : s.block);
        score_block(f, s.x, s.cols, r0, nb, s.acc, s.has);
        for (int b = 0; b < nb; b++) {
            finish_targets(f, s.acc + b * nt, s.has + b * nt, s.row);
            for (int64_t t = 0; t < nt; t++)
                ((float *)y->data)[(r0 + b) * nt + t] = (float)s.row[t];
        }
    }
    return LP_OK;
}

int lp_k_ml_tree_ensemble(lp_kctx *k) {
    const forest *f = k->state;
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kfail(k, "input X is missing");
    if (x->dtype != LP_FLOAT && x->dtype != LP_DOUBLE && x->dtype != LP_FLOAT16)
        return lp_kbad(k, "input X is %s; float, double or float16 is needed",
                       lp_dtype_name(x->dtype));
    scratch s;
    int rc = start(k, f, x, false, &s);
    if (rc) return rc;
    int64_t nt = f->n_targets;
    lp_tensor *y = lp_out(k, 0, x->dtype, 2, (int64_t[]){s.rows, nt});
    if (!y) return LP_EFAIL;
    for (int64_t r0 = 0; r0 < s.rows; r0 += s.block) {
        int nb = (int)(s.rows - r0 < s.block ? s.rows - r0 : s.block);
        score_block(f, s.x, s.cols, r0, nb, s.acc, s.has);
        for (int b = 0; b < nb; b++) {
            finish_targets(f, s.acc + b * nt, s.has + b * nt, s.row);
            for (int64_t t = 0; t < nt; t++)
                lp_store_f64(y->dtype, y->data, (size_t)((r0 + b) * nt + t), s.row[t]);
        }
    }
    return LP_OK;
}

/* As the reference: scores start at the base values; when every weight
** votes for one class (binary), that class's score s becomes column 1 and
** column 0 is 1 - s (NONE, PROBIT) or -s (the others, so LOGISTIC and SOFTMAX
** give complementary probabilities); the label is the best column. (Where
** onnxruntime differs: with mixed-sign weights under NONE it writes [-s, s]
** and picks the label by s > 0, and it does not apply SOFTMAX here.) */
int lp_k_ml_tree_classifier(lp_kctx *k) {
    const forest *f = k->state;
    const lp_ml_labels *l = &f->labels;
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kfail(k, "input X is missing");
    if (!lp_ml_numeric(x))
        return lp_kbad(k, "input X is %s; float, double, int32 or int64 is needed",
                       lp_dtype_name(x->dtype));
    scratch s;
    int rc = start(k, f, x, true, &s);
    if (rc) return rc;
    int64_t nt = f->n_targets;
    bool binary = f->binary_class >= 0;
    int64_t width = binary && nt == 1 ? 2 : nt;
    lp_tensor *y = lp_ml_labels_out(k, 0, l, s.rows);
    if (!y) return LP_EFAIL;
    lp_tensor *z = lp_out(k, 1, LP_FLOAT, 2, (int64_t[]){s.rows, width});
    if (!z) return LP_EFAIL;
    for (int64_t r0 = 0; r0 < s.rows; r0 += s.block) {
        int nb = (int)(s.rows - r0 < s.block ? s.rows - r0 : s.block);
        score_block(f, s.x, s.cols, r0, nb, s.acc, s.has);
        for (int b = 0; b < nb; b++) {
            double *row = s.row;
            const double *acc = s.acc + b * nt;
            for (int64_t c = 0; c < nt; c++)
                row[c] = acc[c] + (f->n_base ? f->base[f->n_base == 1 ? 0 : c] : 0);
            if (binary) {
                double v = row[f->binary_class];
                row[1] = v;
                row[0] = f->post == LP_ML_NONE || f->post == LP_ML_PROBIT ? 1 - v : -v;
            }
            int64_t best = lp_ml_transform_best(row, width, f->post);
            int64_t r = r0 + b;
            for (int64_t c = 0; c < width; c++) ((float *)z->data)[r * width + c] = (float)row[c];
            if (nt == 1)
                lp_ml_label_put_int(y, r, best == 1 ? l->ints[0] : 0);
            else
                lp_ml_label_put(y, r, l, best);
        }
    }
    return LP_OK;
}
