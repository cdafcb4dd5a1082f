/*
** features.c — assembling feature vectors in ai.onnx.ml: ArrayFeatureExtractor
** (pick columns), FeatureVectorizer (concatenate inputs as float columns),
** DictVectorizer (a map to a dense row by a vocabulary) and CastMap (an
** int64-keyed map to a row ordered by key).
*/
#include "ops/ml/ml.h"
#include "ops/tensorops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- ArrayFeatureExtractor ---- */

/* Z[..., j] = X[..., Y[j]] over the flattened indices; a 1-D X gives [1, k]. */
int lp_k_ml_array_feature_extractor(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0), *idx = lp_in(k, 1);
    if (!x || !idx) return lp_kfail(k, "inputs X and Y are both needed");
    if (idx->dtype != LP_INT64)
        return lp_kbad(k, "Y is %s; int64 is needed", lp_dtype_name(idx->dtype));
    if (x->dtype != LP_FLOAT && x->dtype != LP_DOUBLE && x->dtype != LP_INT64 &&
        x->dtype != LP_INT32 && x->dtype != LP_STRING)
        return lp_kbad(k, "X is %s; float, double, int64, int32 or string is needed",
                       lp_dtype_name(x->dtype));
    if (x->rank < 1) return lp_kbad(k, "X is a scalar; it needs at least one axis");
    int64_t d = x->dims[x->rank - 1], outer = d ? x->numel / d : 0, kk = idx->numel;
    const int64_t *ix = idx->data;
    for (int64_t j = 0; j < kk; j++)
        if (ix[j] < 0 || ix[j] >= d)
            return lp_kbad(k, "index %lld (Y element %lld) is out of range for %lld columns",
                           (long long)ix[j], (long long)j, (long long)d);
    int64_t dims[LP_MAX_RANK];
    int rank = x->rank;
    if (rank == 1) {
        rank = 2;
        dims[0] = 1;
    } else {
        memcpy(dims, x->dims, (size_t)(rank - 1) * sizeof *dims);
    }
    dims[rank - 1] = kk;
    lp_tensor *z = lp_out(k, 0, x->dtype, rank, dims);
    if (!z) return LP_EFAIL;
    for (int64_t r = 0; r < outer; r++)
        for (int64_t j = 0; j < kk; j++) lp_copy_elems(z, r * kk + j, x, r * d + ix[j], 1);
    return LP_OK;
}

/* ---- FeatureVectorizer ---- */

/* Each input is [N, C...] (a 1-D one is [1, C]), cut or zero-padded to its
** inputdimensions entry, and the columns concatenated as floats. */
int lp_k_ml_feature_vectorizer(lp_kctx *k) {
    int n_in = lp_n_in(k), nd;
    const int64_t *dims_attr = lp_attr_ints(k->node, "inputdimensions", &nd);
    if (n_in == 0) return lp_kfail(k, "no inputs");
    if (nd && nd != n_in)
        return lp_kfail(k, "inputdimensions has %d entries for %d inputs", nd, n_in);
    int64_t rows = -1, total = 0;
    for (int i = 0; i < n_in; i++) {
        const lp_tensor *t = lp_in(k, i);
        if (!t) return lp_kbad(k, "input %d is missing or not a tensor", i);
        if (!lp_ml_numeric(t))
            return lp_kbad(k, "input %d is %s; int32, int64, float or double is needed", i,
                           lp_dtype_name(t->dtype));
        int64_t n = t->rank <= 1 ? 1 : t->dims[0];
        if (rows >= 0 && n != rows)
            return lp_kbad(k, "input %d has %lld rows; input 0 has %lld", i, (long long)n,
                           (long long)rows);
        rows = n;
        int64_t want = nd ? dims_attr[i] : (n ? t->numel / n : 0);
        if (want < 0 || want > (1 << 30))
            return lp_kfail(k, "inputdimensions[%d] is %lld", i, (long long)want);
        total += want;
    }
    lp_tensor *y = lp_out(k, 0, LP_FLOAT, 2, (int64_t[]){rows, total});
    if (!y) return LP_EFAIL;
    float *out = y->data;
    int64_t at = 0;
    for (int i = 0; i < n_in; i++) {
        const lp_tensor *t = lp_in(k, i);
        int64_t c = rows ? t->numel / rows : 0;
        int64_t want = nd ? dims_attr[i] : c;
        for (int64_t r = 0; r < rows; r++)
            for (int64_t j = 0; j < want; j++)
                out[r * total + at + j] = j < c ? (float)lp_get_f64(t, r * c + j) : 0.0f;
        at += want;
    }
    return LP_OK;
}

/* ---- DictVectorizer ---- */

/* The state is the vocabulary (int64_vocabulary or string_vocabulary). */
void lp_k_ml_dict_vectorizer_release(void *state) {
    if (!state) return;
    lp_ml_vocab_free(state);
    free(state);
}

int lp_k_ml_dict_vectorizer_prepare(lp_kctx *k) {
    lp_ml_vocab *d = lp_xcalloc(1, sizeof *d);
    k->state = d;
    return lp_ml_vocab_attr(k, "int64_vocabulary", "string_vocabulary", d);
}

/* Writes one map as row r of y; keys outside the vocabulary are ignored. */
static int dict_row(lp_kctx *k, const lp_ml_vocab *d, const lp_rvalue *m, lp_tensor *y, int64_t r) {
    if (m->kind != LP_RV_MAP) return lp_kbad(k, "input X must be a map (or a sequence of maps)");
    if ((m->keys.dtype == LP_STRING) != d->strings)
        return lp_kbad(k, "the map's keys are %s but the vocabulary holds %s",
                       lp_dtype_name(m->keys.dtype), d->strings ? "strings" : "integers");
    if (m->vals.dtype != y->dtype || m->vals.numel != m->keys.numel)
        return lp_kbad(k, "map %lld holds %s values; %s are expected", (long long)r,
                       lp_dtype_name(m->vals.dtype), lp_dtype_name(y->dtype));
    for (int64_t j = 0; j < m->keys.numel; j++) {
        int32_t at = lp_ml_vocab_find(d, &m->keys, j);
        if (at >= 0) lp_copy_elems(y, r * d->n + at, &m->vals, j, 1);
    }
    return LP_OK;
}

int lp_k_ml_dict_vectorizer(lp_kctx *k) {
    const lp_ml_vocab *d = k->state;
    const lp_rvalue *x = k->n_in > 0 ? k->in[0] : NULL;
    if (!x) return lp_kfail(k, "input X is missing");
    const lp_rvalue *first = x->kind == LP_RV_SEQUENCE ? (x->n_items ? &x->items[0] : NULL) : x;
    if (first && first->kind != LP_RV_MAP)
        return lp_kbad(k, "input X must be a map (or a sequence of maps)");
    int64_t rows = x->kind == LP_RV_SEQUENCE ? x->n_items : 1;
    lp_dtype t = first ? first->vals.dtype : LP_FLOAT;
    if (t != LP_FLOAT && t != LP_DOUBLE && t != LP_INT64 && t != LP_STRING)
        return lp_kbad(k, "map values are %s", lp_dtype_name(t));
    lp_tensor *y = lp_out(k, 0, t, 2, (int64_t[]){rows, d->n});
    if (!y) return LP_EFAIL;
    if (t != LP_STRING) memset(y->data, 0, y->nbytes);
    for (int64_t r = 0; r < rows; r++) {
        int rc = dict_row(k, d, x->kind == LP_RV_SEQUENCE ? &x->items[r] : x, y, r);
        if (rc) return rc;
    }
    return LP_OK;
}

/* ---- CastMap ---- */

typedef struct entry {
    int64_t key, at;
} entry;

static int by_key(const void *a, const void *b) {
    const entry *x = a, *y = b;
    return x->key < y->key ? -1 : x->key > y->key;
}

/* One map value as the output type, as onnxruntime converts: floats print
** with six decimals, strings parse as numbers. */
static int cast_value(lp_kctx *k, const lp_tensor *vals, int64_t j, lp_tensor *y, int64_t i) {
    if (vals->dtype == LP_STRING) {
        const char *s = ((char *const *)vals->data)[j];
        char *end;
        if (y->dtype == LP_STRING) {
            lp_ml_label_put_str(y, i, s);
        } else if (y->dtype == LP_FLOAT) {
            ((float *)y->data)[i] = strtof(s, &end);
            if (end == s) return lp_kbad(k, "map value \"%s\" is not a number", s);
        } else {
            ((int64_t *)y->data)[i] = strtoll(s, &end, 10);
            if (end == s) return lp_kbad(k, "map value \"%s\" is not an integer", s);
        }
        return LP_OK;
    }
    double f = lp_get_f64(vals, j);
    if (y->dtype == LP_STRING) {
        char buf[400];
        snprintf(buf, sizeof buf, "%f", f);
        lp_ml_label_put_str(y, i, buf);
    } else if (y->dtype == LP_FLOAT) {
        ((float *)y->data)[i] = (float)f;
    } else { /* truncated, saturating where C would be undefined */
        ((int64_t *)y->data)[i] = f != f         ? 0
                                  : f >= 9.2e18  ? INT64_MAX
                                  : f <= -9.2e18 ? INT64_MIN
                                                 : (int64_t)f;
    }
    return LP_OK;
}

int lp_k_ml_cast_map(lp_kctx *k) {
    const lp_rvalue *x = k->n_in > 0 ? k->in[0] : NULL;
    if (!x || x->kind != LP_RV_MAP) return lp_kbad(k, "input X must be a map");
    if (x->keys.dtype != LP_INT64 || (x->vals.dtype != LP_FLOAT && x->vals.dtype != LP_STRING) ||
        x->keys.numel != x->vals.numel)
        return lp_kbad(k, "input X must map int64 to float or string");
    const char *to = lp_attr_string(k->node, "cast_to", "TO_FLOAT");
    const char *form = lp_attr_string(k->node, "map_form", "DENSE");
    lp_dtype t = !strcmp(to, "TO_FLOAT")    ? LP_FLOAT
                 : !strcmp(to, "TO_STRING") ? LP_STRING
                 : !strcmp(to, "TO_INT64")  ? LP_INT64
                                            : LP_UNDEFINED;
    if (t == LP_UNDEFINED)
        return lp_kfail(k, "cast_to '%s' is not TO_FLOAT, TO_STRING or TO_INT64", to);
    bool sparse = !strcmp(form, "SPARSE");
    if (!sparse && strcmp(form, "DENSE"))
        return lp_kfail(k, "map_form '%s' is not DENSE or SPARSE", form);
    int64_t n = x->keys.numel, max_map = lp_attr_int(k->node, "max_map", 1);
    if (sparse && (max_map < 0 || max_map > (1 << 30)))
        return lp_kfail(k, "max_map is %lld", (long long)max_map);
    entry *order = lp_scratch(k, ((size_t)n + 1) * sizeof *order);
    if (!order) return lp_kfail(k, "out of memory");
    for (int64_t j = 0; j < n; j++) order[j] = (entry){((const int64_t *)x->keys.data)[j], j};
    qsort(order, (size_t)n, sizeof *order, by_key);
    int64_t width = sparse ? max_map : n;
    lp_tensor *y = lp_out(k, 0, t, 2, (int64_t[]){1, width});
    if (!y) return LP_EFAIL;
    if (!sparse) {
        for (int64_t j = 0; j < n; j++)
            if (cast_value(k, &x->vals, order[j].at, y, j)) return LP_EINPUT;
        return LP_OK;
    }
    if (n > 0 && order[0].key < 0)
        return lp_kbad(k, "key %lld is negative; SPARSE needs keys from 0",
                       (long long)order[0].key);
    /* positions no key names hold 0 ("0.f" as a string, as onnxruntime pads) */
    int64_t j = 0;
    for (int64_t i = 0; i < width; i++) {
        while (j < n && order[j].key < i) j++;
        if (j < n && order[j].key == i) {
            if (cast_value(k, &x->vals, order[j].at, y, i)) return LP_EINPUT;
        } else if (t == LP_STRING) {
            lp_ml_label_put_str(y, i, "0.f");
        } else if (t == LP_FLOAT) {
            ((float *)y->data)[i] = 0;
        } else {
            ((int64_t *)y->data)[i] = 0;
        }
    }
    return LP_OK;
}
