/*
** encoders.c — category encodings of ai.onnx.ml: LabelEncoder (versions 1,
** 2 and 4), CategoryMapper and OneHotEncoder. Lookup tables are built once
** at session creation: a string map, or sorted keys searched by halving.
** When a key repeats, its last entry wins (as the spec says for
** LabelEncoder, and as a Python dict built from the lists behaves).
*/
#include "model/strmap.h"
#include "ops/ml/ml.h"

#include <stdlib.h>
#include <string.h>

static bool is_floating(lp_dtype t) {
    return t == LP_FLOAT || t == LP_DOUBLE || t == LP_FLOAT16;
}
static bool is_integer(lp_dtype t) {
    return t == LP_INT64 || t == LP_INT32 || t == LP_INT16;
}

/* ---- LabelEncoder ---- */

typedef struct lenc {
    lp_dtype key_type; /* the input type the keys ask for */
    lp_strmap smap;    /* string keys (values are entry + 1, 0 = absent) */
    lp_ml_keys nk;
    lp_tensor values; /* one per entry, in the output type */
    lp_tensor dflt;   /* one element, the output type */
    /* version 1: strings <-> their position in classes_strings */
    const char *const *classes;
    int n_classes;
    int64_t dflt_int;
    const char *dflt_str;
} lenc;

void lp_k_ml_label_encoder_release(void *state) {
    lenc *e = state;
    if (!e) return;
    lp_strmap_free(&e->smap);
    lp_ml_keys_free(&e->nk);
    lp_tensor_release(&e->values);
    lp_tensor_release(&e->dflt);
    free(e);
}

/* Sets element i of t (the output type) from element j of src. */
static void put_elem(lp_tensor *t, int64_t i, const lp_tensor *src, int64_t j) {
    if (t->dtype == LP_STRING) {
        char **d = t->data;
        free(d[i]);
        d[i] = lp_xstrdup(((char *const *)src->data)[j]);
    } else {
        size_t es = lp_dtype_size(t->dtype);
        memcpy((char *)t->data + (size_t)i * es, (const char *)src->data + (size_t)j * es, es);
    }
}

/* The value list (values_* or values_tensor) as a tensor the state owns. */
static int read_values(lp_kctx *k, lenc *e, int *count) {
    const lp_node *n = k->node;
    const lp_attr *vs = lp_node_attr(n, "values_strings"), *vi = lp_node_attr(n, "values_int64s");
    const lp_attr *vf = lp_node_attr(n, "values_floats");
    const lp_tensor *vt = lp_attr_tensor(n, "values_tensor");
    int given = (vs && vs->n) + (vi && vi->n) + (vf && vf->n) + (vt != NULL);
    if (given != 1)
        return lp_kfail(k,
                        "exactly one of values_strings, values_int64s, values_floats and "
                        "values_tensor is needed (%d given)",
                        given);
    lp_error *err = k->err;
    int64_t c;
    if (vt) {
        if (vt->dtype != LP_STRING && !is_integer(vt->dtype) && vt->dtype != LP_FLOAT &&
            vt->dtype != LP_DOUBLE)
            return lp_kfail(k, "values_tensor holds %s", lp_dtype_name(vt->dtype));
        if (lp_tensor_copy(&e->values, vt, err)) return LP_EFAIL;
        e->values.rank = 1;
        e->values.dims[0] = vt->numel;
    } else {
        lp_dtype t = vs && vs->n ? LP_STRING : vi && vi->n ? LP_INT64 : LP_FLOAT;
        c = t == LP_STRING ? vs->n : t == LP_INT64 ? vi->n : vf->n;
        if (lp_tensor_alloc(&e->values, t, 1, &c, err)) return LP_EFAIL;
        for (int64_t j = 0; j < c; j++) {
            if (t == LP_STRING) {
                free(((char **)e->values.data)[j]);
                ((char **)e->values.data)[j] = lp_xstrdup(vs->strings[j]);
            } else if (t == LP_INT64) {
                ((int64_t *)e->values.data)[j] = vi->ints[j];
            } else {
                ((float *)e->values.data)[j] = vf->floats[j];
            }
        }
    }
    *count = (int)e->values.numel;
    /* the default: default_tensor, else the default_* attribute of the type */
    const lp_tensor *dt = lp_attr_tensor(n, "default_tensor");
    lp_dtype t = e->values.dtype;
    c = 1;
    if (lp_tensor_alloc(&e->dflt, t, 1, &c, err)) return LP_EFAIL;
    if (dt) {
        if (dt->dtype != t || dt->numel != 1)
            return lp_kfail(k, "default_tensor must hold one %s", lp_dtype_name(t));
        put_elem(&e->dflt, 0, dt, 0);
    } else if (t == LP_STRING) {
        free(((char **)e->dflt.data)[0]);
        ((char **)e->dflt.data)[0] = lp_xstrdup(lp_attr_string(n, "default_string", "_Unused"));
    } else if (is_integer(t)) {
        int64_t v = lp_attr_int(n, "default_int64", -1);
        if (t == LP_INT64)
            ((int64_t *)e->dflt.data)[0] = v;
        else if (t == LP_INT32)
            ((int32_t *)e->dflt.data)[0] = (int32_t)v;
        else
            ((int16_t *)e->dflt.data)[0] = (int16_t)v;
    } else {
        lp_store_f64(t, e->dflt.data, 0, lp_attr_float(n, "default_float", -0.0f));
    }
    return LP_OK;
}

int lp_k_ml_label_encoder_prepare(lp_kctx *k) {
    const lp_node *n = k->node;
    lenc *e = lp_xcalloc(1, sizeof *e);
    k->state = e;
    if (k->opset < 2) {
        const lp_attr *cs = lp_node_attr(n, "classes_strings");
        if (cs && cs->type == LP_ATTR_STRINGS) {
            e->classes = cs->strings;
            e->n_classes = cs->n;
        }
        for (int j = 0; j < e->n_classes; j++) lp_strmap_put(&e->smap, e->classes[j], j + 1);
        e->dflt_int = lp_attr_int(n, "default_int64", -1);
        e->dflt_str = lp_attr_string(n, "default_string", "_Unused");
        return LP_OK;
    }
    const lp_attr *ks = lp_node_attr(n, "keys_strings"), *ki = lp_node_attr(n, "keys_int64s");
    const lp_attr *kf = lp_node_attr(n, "keys_floats");
    const lp_tensor *kt = lp_attr_tensor(n, "keys_tensor");
    int given = (ks && ks->n) + (ki && ki->n) + (kf && kf->n) + (kt != NULL);
    if (given != 1)
        return lp_kfail(k,
                        "exactly one of keys_strings, keys_int64s, keys_floats and keys_tensor "
                        "is needed (%d given)",
                        given);
    int nv = 0, nk;
    int rc = read_values(k, e, &nv);
    if (rc) return rc;
    if (kt) {
        e->key_type = kt->dtype;
        if (kt->dtype != LP_STRING && !is_integer(kt->dtype) && kt->dtype != LP_FLOAT &&
            kt->dtype != LP_DOUBLE)
            return lp_kfail(k, "keys_tensor holds %s", lp_dtype_name(kt->dtype));
        nk = kt->numel > nv ? nv + 1 : (int)kt->numel;
    } else {
        e->key_type = ks && ks->n ? LP_STRING : ki && ki->n ? LP_INT64 : LP_FLOAT;
        nk = e->key_type == LP_STRING ? ks->n : e->key_type == LP_INT64 ? ki->n : kf->n;
    }
    if (nk != nv) return lp_kfail(k, "%d keys but %d values", nk, nv);
    if (e->key_type == LP_STRING) {
        const char *const *s = kt ? (const char *const *)kt->data : ks->strings;
        for (int j = 0; j < nk; j++) lp_strmap_put(&e->smap, s[j], j + 1);
    } else {
        lp_ml_keys_build(&e->nk, kt, ki ? ki->ints : NULL, kf ? kf->floats : NULL, nk,
                         is_floating(e->key_type));
    }
    return LP_OK;
}

static int label_encoder_v1(lp_kctx *k, const lenc *e, const lp_tensor *x) {
    if (x->dtype == LP_STRING) {
        lp_tensor *y = lp_out(k, 0, LP_INT64, x->rank, x->dims);
        if (!y) return LP_EFAIL;
        for (int64_t i = 0; i < x->numel; i++) {
            int at = lp_strmap_get(&e->smap, ((char *const *)x->data)[i], 0);
            ((int64_t *)y->data)[i] = at ? at - 1 : e->dflt_int;
        }
        return LP_OK;
    }
    if (x->dtype != LP_INT64)
        return lp_kbad(k, "input X is %s; string or int64 is needed", lp_dtype_name(x->dtype));
    lp_tensor *y = lp_out(k, 0, LP_STRING, x->rank, x->dims);
    if (!y) return LP_EFAIL;
    for (int64_t i = 0; i < x->numel; i++) {
        int64_t v = ((const int64_t *)x->data)[i];
        lp_ml_label_put_str(y, i, v >= 0 && v < e->n_classes ? e->classes[v] : e->dflt_str);
    }
    return LP_OK;
}

int lp_k_ml_label_encoder(lp_kctx *k) {
    const lenc *e = k->state;
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kfail(k, "input X is missing");
    if (k->opset < 2) return label_encoder_v1(k, e, x);
    bool same = x->dtype == e->key_type;
    if (!same)
        return lp_kbad(k, "input X is %s; the keys are %s", lp_dtype_name(x->dtype),
                       lp_dtype_name(e->key_type));
    lp_tensor *y = lp_out(k, 0, e->values.dtype, x->rank, x->dims);
    if (!y) return LP_EFAIL;
    bool fl = is_floating(x->dtype);
    for (int64_t i = 0; i < x->numel; i++) {
        int32_t at;
        if (x->dtype == LP_STRING)
            at = lp_strmap_get(&e->smap, ((char *const *)x->data)[i], 0) - 1;
        else if (fl)
            at = lp_ml_keys_find_f(&e->nk, lp_get_f64(x, i));
        else
            at = lp_ml_keys_find_i(&e->nk, lp_get_i64(x, i));
        if (at >= 0)
            put_elem(y, i, &e->values, at);
        else
            put_elem(y, i, &e->dflt, 0);
    }
    return LP_OK;
}

/* ---- CategoryMapper ---- */

typedef struct catmap {
    lp_strmap smap; /* string -> entry + 1 */
    lp_ml_keys nk;  /* int64 -> entry */
    const int64_t *ints;
    const char *const *strs;
    int64_t dflt_int;
    const char *dflt_str;
} catmap;

void lp_k_ml_category_mapper_release(void *state) {
    catmap *c = state;
    if (!c) return;
    lp_strmap_free(&c->smap);
    lp_ml_keys_free(&c->nk);
    free(c);
}

int lp_k_ml_category_mapper_prepare(lp_kctx *k) {
    catmap *c = lp_xcalloc(1, sizeof *c);
    k->state = c;
    int ni;
    c->ints = lp_attr_ints(k->node, "cats_int64s", &ni);
    const lp_attr *s = lp_node_attr(k->node, "cats_strings");
    int ns = s && s->type == LP_ATTR_STRINGS ? s->n : 0;
    if (ni != ns) return lp_kfail(k, "cats_int64s has %d entries and cats_strings %d", ni, ns);
    c->strs = ns ? s->strings : NULL;
    for (int j = 0; j < ns; j++) lp_strmap_put(&c->smap, c->strs[j], j + 1);
    lp_ml_keys_build(&c->nk, NULL, c->ints, NULL, ni, false);
    c->dflt_int = lp_attr_int(k->node, "default_int64", -1);
    c->dflt_str = lp_attr_string(k->node, "default_string", "_Unused");
    return LP_OK;
}

int lp_k_ml_category_mapper(lp_kctx *k) {
    const catmap *c = k->state;
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kfail(k, "input X is missing");
    if (x->dtype == LP_STRING) {
        lp_tensor *y = lp_out(k, 0, LP_INT64, x->rank, x->dims);
        if (!y) return LP_EFAIL;
        for (int64_t i = 0; i < x->numel; i++) {
            int at = lp_strmap_get(&c->smap, ((char *const *)x->data)[i], 0);
            ((int64_t *)y->data)[i] = at ? c->ints[at - 1] : c->dflt_int;
        }
        return LP_OK;
    }
    if (x->dtype != LP_INT64)
        return lp_kbad(k, "input X is %s; string or int64 is needed", lp_dtype_name(x->dtype));
    lp_tensor *y = lp_out(k, 0, LP_STRING, x->rank, x->dims);
    if (!y) return LP_EFAIL;
    for (int64_t i = 0; i < x->numel; i++) {
        int32_t at = lp_ml_keys_find_i(&c->nk, ((const int64_t *)x->data)[i]);
        lp_ml_label_put_str(y, i, at >= 0 ? c->strs[at] : c->dflt_str);
    }
    return LP_OK;
}

/* ---- OneHotEncoder ---- */

typedef struct onehot {
    lp_ml_vocab v; /* cats_int64s or cats_strings */
    bool zeros;
} onehot;

void lp_k_ml_one_hot_encoder_release(void *state) {
    onehot *o = state;
    if (!o) return;
    lp_ml_vocab_free(&o->v);
    free(o);
}

int lp_k_ml_one_hot_encoder_prepare(lp_kctx *k) {
    onehot *o = lp_xcalloc(1, sizeof *o);
    k->state = o;
    o->zeros = lp_attr_int(k->node, "zeros", 1) != 0;
    /* a repeated category lights its last position, as the reference's dict */
    return lp_ml_vocab_attr(k, "cats_int64s", "cats_strings", &o->v);
}

/* Numbers are cast to integers (truncated) before the lookup. */
int lp_k_ml_one_hot_encoder(lp_kctx *k) {
    const onehot *o = k->state;
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kfail(k, "input X is missing");
    if ((x->dtype == LP_STRING) != o->v.strings)
        return lp_kbad(k, "input X is %s but the categories are %s", lp_dtype_name(x->dtype),
                       o->v.strings ? "strings" : "integers");
    if (!o->v.strings && !lp_ml_numeric(x))
        return lp_kbad(k, "input X is %s; string, int64, int32, float or double is needed",
                       lp_dtype_name(x->dtype));
    if (x->rank + 1 > LP_MAX_RANK) return lp_kbad(k, "input X has rank %d, too many", x->rank);
    int64_t dims[LP_MAX_RANK];
    memcpy(dims, x->dims, (size_t)x->rank * sizeof *dims);
    dims[x->rank] = o->v.n;
    lp_tensor *y = lp_out(k, 0, LP_FLOAT, x->rank + 1, dims);
    if (!y) return LP_EFAIL;
    float *out = y->data;
    memset(out, 0, y->nbytes);
    for (int64_t i = 0; i < x->numel; i++) {
        int32_t at;
        if (o->v.strings || x->dtype == LP_INT64 || x->dtype == LP_INT32) {
            at = lp_ml_vocab_find(&o->v, x, i);
        } else {
            double v = lp_get_f64(x, i);
            at = v > -9.2e18 && v < 9.2e18 ? lp_ml_keys_find_i(&o->v.keys, (int64_t)v) : -1;
        }
        if (at >= 0) {
            out[i * o->v.n + at] = 1;
        } else if (!o->zeros) {
            char buf[64];
            lp_tensor_format_value(x, i, buf, sizeof buf);
            return lp_kbad(k, "value %s (element %lld) is not a category and zeros is 0", buf,
                           (long long)i);
        }
    }
    return LP_OK;
}
