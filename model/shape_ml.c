/*
** shape_ml.c — shape rules outside the default domain: the ai.onnx.ml
** operators scikit-learn converters emit (classifiers give a label [N] and
** scores [N, classes]), and the com.microsoft operators that onnxruntime's
** transformer optimizer writes. Other com.microsoft operators that share an
** ai.onnx name and meaning fall back to the ai.onnx rules. The training
** optimizers of ai.onnx.preview.training are here too.
*/
#include "shape_impl.h"

#include <string.h>

typedef void (*rule_fn)(lp_infer *x);

/* Rows of a classic ML input: [N, C] gives N, [C] one row. */
static lp_dim rows(lp_infer *x, int k) {
    lp_shp s;
    if (!lp_sh_in_shape(x, k, &s)) return lp_dim_unknown();
    if (s.rank == 2) return s.d[0];
    if (s.rank == 1 || s.rank == 0) return lp_dim_of(1);
    return lp_dim_unknown();
}

static int attr_count(lp_infer *x, const char *name) {
    const lp_attr *a = lp_node_attr(x->n, name);
    return a ? a->n : -1;
}

static lp_dim count_dim(int n) { return n >= 0 ? lp_dim_of(n) : lp_dim_unknown(); }

/* Label [N] (int64 or string labels) and scores [N, width]. */
static void classifier(lp_infer *x, int width) {
    bool strings = attr_count(x, "classlabels_strings") > 0;
    lp_shp y = {.elem = strings ? LP_STRING : LP_INT64, .rank = 1, .d = {rows(x, 0)}};
    lp_shp z = {.elem = LP_FLOAT, .rank = 2, .d = {y.d[0], count_dim(width)}};
    lp_sh_out_shape(x, 0, &y);
    lp_sh_out_shape(x, 1, &z);
}

static int n_labels(lp_infer *x) {
    int s = attr_count(x, "classlabels_strings"), i = attr_count(x, "classlabels_ints");
    return s > 0 ? s : i > 0 ? i : -1;
}

static void rule_linear_classifier(lp_infer *x) {
    int ni = attr_count(x, "intercepts"), nl = n_labels(x);
    /* one score column for two classes: onnxruntime adds the complement */
    classifier(x, ni == 1 && nl == 2 ? 2 : ni);
}

static void rule_tree_classifier(lp_infer *x) { classifier(x, n_labels(x)); }
static void rule_svm_classifier(lp_infer *x) { classifier(x, -1); }

static void rule_regressor(lp_infer *x, int64_t targets) {
    lp_shp y = {.elem = LP_FLOAT,
                .rank = 2,
                .d = {rows(x, 0), targets >= 0 ? lp_dim_of(targets) : lp_dim_unknown()}};
    lp_sh_out_shape(x, 0, &y);
}

static void rule_linear_regressor(lp_infer *x) {
    rule_regressor(x, lp_attr_int(x->n, "targets", 1));
}
static void rule_tree_regressor(lp_infer *x) {
    rule_regressor(x, lp_attr_int(x->n, "n_targets", -1));
}
static void rule_svm_regressor(lp_infer *x) { rule_regressor(x, 1); }

static void rule_tree_ensemble(lp_infer *x) {
    rule_regressor(x, lp_attr_int(x->n, "n_targets", -1));
    lp_shp y;
    if (lp_sh_in_shape(x, 0, &y)) {
        /* ai.onnx.ml 5: the output takes the input's type */
        lp_shp o = {.elem = y.elem, .rank = 2, .d = {rows(x, 0)}};
        int64_t t = lp_attr_int(x->n, "n_targets", -1);
        o.d[1] = t >= 0 ? lp_dim_of(t) : lp_dim_unknown();
        lp_sh_out_shape(x, 0, &o);
    }
}

static void rule_float_same(lp_infer *x) { lp_sh_out_like_elem(x, 0, 0, LP_FLOAT); }
static void rule_same(lp_infer *x) { lp_sh_out_like(x, 0, 0); }


static void rule_label_encoder(lp_infer *x) {
    lp_dtype e = LP_UNDEFINED;
    const lp_tensor *t = lp_attr_tensor(x->n, "values_tensor");
    if (t)
        e = t->dtype;
    else if (lp_node_attr(x->n, "values_strings"))
        e = LP_STRING;
    else if (lp_node_attr(x->n, "values_int64s"))
        e = LP_INT64;
    else if (lp_node_attr(x->n, "values_floats"))
        e = LP_FLOAT;
    else if (lp_node_attr(x->n, "default_string"))
        e = LP_STRING;
    lp_sh_out_like_elem(x, 0, 0, e);
}

static void rule_category_mapper(lp_infer *x) {
    lp_sh_out_like_elem(x, 0, 0, lp_sh_in_elem(x, 0) == LP_STRING ? LP_INT64 : LP_STRING);
}

static void rule_one_hot_encoder(lp_infer *x) {
    lp_shp in;
    int n = attr_count(x, "cats_strings") > 0 ? attr_count(x, "cats_strings")
                                              : attr_count(x, "cats_int64s");
    if (!lp_sh_in_shape(x, 0, &in) || in.rank >= LP_MAX_RANK) {
        lp_sh_out_elem(x, 0, LP_FLOAT);
        return;
    }
    in.elem = LP_FLOAT;
    in.d[in.rank++] = count_dim(n);
    lp_sh_out_shape(x, 0, &in);
}

static void rule_array_feature_extractor(lp_infer *x) {
    lp_shp in, ix;
    if (!lp_sh_in_shape(x, 0, &in) || in.rank < 1) {
        lp_sh_out_elem(x, 0, in.elem);
        return;
    }
    lp_dim n = lp_sh_in_shape(x, 1, &ix) ? lp_dim_prod(ix.d, 0, ix.rank) : lp_dim_unknown();
    if (in.rank == 1) {
        in.rank = 2;
        in.d[0] = lp_dim_of(1);
    }
    in.d[in.rank - 1] = n;
    lp_sh_out_shape(x, 0, &in);
}

static void rule_feature_vectorizer(lp_infer *x) {
    int c;
    const int64_t *dims = lp_attr_ints(x->n, "inputdimensions", &c);
    int64_t sum = 0;
    for (int i = 0; dims && i < c; i++)
        if (dims[i] < 0 || __builtin_add_overflow(sum, dims[i], &sum)) sum = -1, i = c;
    lp_shp o = {.elem = LP_FLOAT,
                .rank = 2,
                .d = {rows(x, 0), dims && sum >= 0 ? lp_dim_of(sum) : lp_dim_unknown()}};
    lp_sh_out_shape(x, 0, &o);
}

static void rule_dict_vectorizer(lp_infer *x) {
    const lp_value *v = lp_sh_in_value(x, 0);
    int n = attr_count(x, "string_vocabulary") > 0 ? attr_count(x, "string_vocabulary")
                                                   : attr_count(x, "int64_vocabulary");
    lp_shp o = {.elem = v && v->type.inner ? v->type.inner->elem : LP_UNDEFINED,
                .rank = 2,
                .d = {lp_dim_of(1), count_dim(n)}};
    lp_sh_out_shape(x, 0, &o);
}

static void rule_cast_map(lp_infer *x) {
    const char *to = lp_attr_string(x->n, "cast_to", "TO_FLOAT");
    lp_dtype e = !strcmp(to, "TO_STRING")  ? LP_STRING
                 : !strcmp(to, "TO_INT64") ? LP_INT64
                                           : LP_FLOAT;
    lp_shp o = {.elem = e, .rank = 2, .d = {lp_dim_of(1), lp_dim_unknown()}};
    lp_sh_out_shape(x, 0, &o);
}

static void rule_zipmap(lp_infer *x) {
    lp_type val = {.kind = LP_KIND_TENSOR, .elem = LP_FLOAT, .rank = 0};
    lp_type *map = lp_arena_alloc(&x->m->arena, sizeof *map);
    *map = (lp_type){.kind = LP_KIND_MAP,
                     .elem = LP_FLOAT,
                     .rank = -1,
                     .key = attr_count(x, "classlabels_strings") > 0 ? LP_STRING : LP_INT64};
    map->inner = lp_arena_alloc(&x->m->arena, sizeof *map->inner);
    *map->inner = val;
    lp_type seq = {.kind = LP_KIND_SEQUENCE, .elem = LP_FLOAT, .rank = -1, .inner = map};
    lp_sh_out_type(x, 0, &seq);
}

static const struct {
    const char *op;
    rule_fn fn;
} ml_rules[] = {
    {"LinearClassifier", rule_linear_classifier},
    {"TreeEnsembleClassifier", rule_tree_classifier},
    {"SVMClassifier", rule_svm_classifier},
    {"LinearRegressor", rule_linear_regressor},
    {"TreeEnsembleRegressor", rule_tree_regressor},
    {"SVMRegressor", rule_svm_regressor},
    {"TreeEnsemble", rule_tree_ensemble},
    {"Scaler", rule_float_same},
    {"Normalizer", rule_float_same},
    {"Binarizer", rule_same},
    {"Imputer", rule_same}, /* Y has X's type (double and int32 too) */
    {"LabelEncoder", rule_label_encoder},
    {"CategoryMapper", rule_category_mapper},
    {"OneHotEncoder", rule_one_hot_encoder},
    {"ArrayFeatureExtractor", rule_array_feature_extractor},
    {"FeatureVectorizer", rule_feature_vectorizer},
    {"DictVectorizer", rule_dict_vectorizer},
    {"CastMap", rule_cast_map},
    {"ZipMap", rule_zipmap},
};

/* ---- com.microsoft ---- */

static void rule_skip_layer_norm(lp_infer *x) {
    /* output, mean, inv_std_var, input_skip_bias_sum */
    lp_sh_out_like(x, 0, 0);
    lp_sh_out_like(x, 3, 0);
}

static void rule_fused_matmul(lp_infer *x) {
    lp_shp a, b, o;
    if (!lp_sh_in_shape(x, 0, &a) || !lp_sh_in_shape(x, 1, &b) || a.rank < 2 || b.rank < 2) {
        lp_sh_out_elem(x, 0, lp_sh_in_elem(x, 0));
        return;
    }
    if (lp_attr_int(x->n, "transA", 0)) {
        lp_dim t = a.d[a.rank - 1];
        a.d[a.rank - 1] = a.d[a.rank - 2], a.d[a.rank - 2] = t;
    }
    if (lp_attr_int(x->n, "transB", 0)) {
        lp_dim t = b.d[b.rank - 1];
        b.d[b.rank - 1] = b.d[b.rank - 2], b.d[b.rank - 2] = t;
    }
    lp_shp ba = a, bb = b;
    ba.rank -= 2, bb.rank -= 2;
    lp_shp_broadcast(&ba, &bb, &o);
    o.elem = a.elem;
    o.d[o.rank++] = a.d[a.rank - 2];
    o.d[o.rank++] = b.d[b.rank - 1];
    lp_sh_out_shape(x, 0, &o);
}

static void rule_ms_attention(lp_infer *x) {
    /* input [B, S, hidden], weights [hidden, q+k+v hidden] -> [B, S, v hidden] */
    lp_shp in, w;
    int64_t qkv[3];
    if (!lp_sh_in_shape(x, 0, &in) || in.rank != 3) {
        lp_sh_out_like(x, 0, 0);
        return;
    }
    if (lp_sh_attr_ints(x->n, "qkv_hidden_sizes", qkv, 3) == 3 && qkv[2] >= 0)
        in.d[2] = lp_dim_of(qkv[2]);
    else if (lp_sh_in_shape(x, 1, &w) && w.rank == 2 && w.d[1].value >= 0 && w.d[1].value % 3 == 0)
        in.d[2] = lp_dim_of(w.d[1].value / 3);
    else
        in.d[2] = lp_dim_unknown();
    lp_sh_out_shape(x, 0, &in);
}

static void rule_embed_layer_norm(lp_infer *x) {
    lp_shp ids, emb,
        o = {.elem = lp_sh_in_elem(x, 2),
             .rank = 3,
             .d = {lp_dim_unknown(), lp_dim_unknown(), lp_dim_unknown()}};
    if (lp_sh_in_shape(x, 0, &ids) && ids.rank == 2) o.d[0] = ids.d[0], o.d[1] = ids.d[1];
    if (lp_sh_in_shape(x, 2, &emb) && emb.rank == 2) o.d[2] = emb.d[1];
    lp_sh_out_shape(x, 0, &o);
    lp_shp mask = {.elem = LP_INT32, .rank = 1, .d = {o.d[0]}};
    lp_sh_out_shape(x, 1, &mask);
}

static const struct {
    const char *op;
    rule_fn fn;
} ms_rules[] = {
    {"Gelu", rule_same},
    {"FastGelu", rule_same},
    {"BiasGelu", rule_same},
    {"QuickGelu", rule_same},
    {"SkipLayerNormalization", rule_skip_layer_norm},
    {"SkipSimplifiedLayerNormalization", rule_skip_layer_norm},
    {"SimplifiedLayerNormalization", rule_same},
    {"FusedMatMul", rule_fused_matmul},
    {"Attention", rule_ms_attention},
    {"MultiHeadAttention", rule_same},
    {"EmbedLayerNormalization", rule_embed_layer_norm},
    {"BiasAdd", rule_same},
};

/* ---- ai.onnx.preview.training optimizers ---- */

/* Adagrad (R, T, X.., G.., H..), Momentum (R, T, X.., G.., V..) and Adam
** (R, T, X.., G.., V.., H..) write new X.., then the state groups: each
** output group has the shape of its input group (gradients skipped). */
static void rule_optimizer(lp_infer *x) {
    int groups = !strcmp(x->n->op_type, "Adam") ? 3 : 2;
    int n = x->n->n_outputs / groups;
    if (n <= 0) return;
    for (int k = 0; k < n * groups; k++) {
        int g = k / n, j = k % n;
        lp_sh_out_like(x, k, 2 + (g == 0 ? 0 : g + 1) * n + j);
    }
}

bool lp_shape_rule_ml(lp_infer *x) {
    const char *dom = x->n->domain, *op = x->n->op_type;
    if (!strcmp(dom, "ai.onnx.ml")) {
        for (size_t i = 0; i < LP_COUNT(ml_rules); i++)
            if (!strcmp(op, ml_rules[i].op)) {
                ml_rules[i].fn(x);
                return true;
            }
        return false;
    }
    if (!strcmp(dom, "ai.onnx.preview.training")) {
        if (strcmp(op, "Adam") && strcmp(op, "Adagrad") && strcmp(op, "Momentum")) return false;
        rule_optimizer(x);
        return true;
    }
    if (strcmp(dom, "com.microsoft")) return false;
    for (size_t i = 0; i < LP_COUNT(ms_rules); i++)
        if (!strcmp(op, ms_rules[i].op)) {
            ms_rules[i].fn(x);
            return true;
        }
    /* the same name and meaning as in ai.onnx (QuantizeLinear, FusedConv, ...) */
    return lp_shape_rule_onnx(x);
}
