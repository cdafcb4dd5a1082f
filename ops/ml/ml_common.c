/*
** ml_common.c — score transforms, class label tables and row access shared
** by the ai.onnx.ml kernels (see ml.h).
*/
#include "ops/ml/ml.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- transforms ---- */

int lp_ml_post_attr(lp_kctx *k, lp_ml_post *out) {
    const char *s = lp_attr_string(k->node, "post_transform", "NONE");
    static const char *const names[] = {"NONE", "SOFTMAX", "LOGISTIC", "SOFTMAX_ZERO", "PROBIT"};
    for (int i = 0; i < 5; i++)
        if (!strcmp(s, names[i])) {
            *out = (lp_ml_post)i;
            return LP_OK;
        }
    return lp_kfail(k, "post_transform '%s' is not NONE, SOFTMAX, LOGISTIC, SOFTMAX_ZERO or PROBIT",
                    s);
}

/* Written so that exp never overflows. */
double lp_ml_logistic(double v) {
    double p = 1.0 / (1.0 + exp(-fabs(v)));
    return v < 0 ? 1.0 - p : p;
}

/* The inverse error function by Winitzki's approximation (a = 0.147), in
** float as onnxruntime computes it (the formula cancels badly near 0, so
** the precision shows); the poles give infinities. */
static float erf_inv(float x) {
    float sgn = x < 0 ? -1.0f : 1.0f;
    x = (1 - x) * (1 + x);
    float lg = logf(x);
    float v = 2 / ((float)M_PI * 0.147f) + 0.5f * lg;
    float v2 = 1 / 0.147f * lg;
    return sgn * sqrtf(-v + sqrtf(v * v - v2));
}

double lp_ml_probit(double v) {
    return (float)M_SQRT2 * erf_inv(2 * (float)v - 1);
}

void lp_ml_softmax(double *v, int64_t n) {
    if (n <= 0) return;
    double mx = v[0], sum = 0;
    for (int64_t i = 1; i < n; i++)
        if (v[i] > mx) mx = v[i];
    for (int64_t i = 0; i < n; i++) sum += v[i] = exp(v[i] - mx);
    for (int64_t i = 0; i < n; i++) v[i] /= sum;
}

/* Softmax that leaves (near) zero scores at zero: they stand for "no vote". */
void lp_ml_softmax_zero(double *v, int64_t n) {
    if (n <= 0) return;
    double mx = v[0], sum = 0;
    for (int64_t i = 1; i < n; i++)
        if (v[i] > mx) mx = v[i];
    double exp_neg_max = exp(-mx);
    for (int64_t i = 0; i < n; i++) {
        if (v[i] > 0.0000001 || v[i] < -0.0000001)
            v[i] = exp(v[i] - mx);
        else
            v[i] *= exp_neg_max;
        sum += v[i];
    }
    for (int64_t i = 0; i < n; i++) v[i] = sum == 0 ? 0.5 : v[i] / sum;
}

void lp_ml_transform(double *v, int64_t n, lp_ml_post post) {
    switch (post) {
    case LP_ML_NONE:
        break;
    case LP_ML_SOFTMAX:
        lp_ml_softmax(v, n);
        break;
    case LP_ML_SOFTMAX_ZERO:
        lp_ml_softmax_zero(v, n);
        break;
    case LP_ML_LOGISTIC:
        for (int64_t i = 0; i < n; i++) v[i] = lp_ml_logistic(v[i]);
        break;
    case LP_ML_PROBIT:
        for (int64_t i = 0; i < n; i++) v[i] = lp_ml_probit(v[i]);
        break;
    }
}

int64_t lp_ml_argmax(const double *v, int64_t n) {
    int64_t best = 0;
    for (int64_t i = 1; i < n; i++)
        if (v[i] > v[best]) best = i;
    return best;
}

int64_t lp_ml_transform_best(double *v, int64_t n, lp_ml_post post) {
    int64_t best = post == LP_ML_PROBIT ? lp_ml_argmax(v, n) : -1;
    lp_ml_transform(v, n, post);
    return best >= 0 ? best : lp_ml_argmax(v, n);
}

/* ---- class labels ---- */

int lp_ml_labels_attr(lp_kctx *k, const char *ints_name, lp_ml_labels *l) {
    memset(l, 0, sizeof *l);
    const lp_attr *s = lp_node_attr(k->node, "classlabels_strings");
    const lp_attr *i = lp_node_attr(k->node, ints_name);
    if (s && s->type != LP_ATTR_STRINGS) s = NULL;
    if (i && i->type != LP_ATTR_INTS) i = NULL;
    if (s && s->n > 0 && i && i->n > 0)
        return lp_kfail(k, "both classlabels_strings and %s are given; only one may be", ints_name);
    if (s && s->n > 0) {
        l->n = s->n;
        l->strs = s->strings;
    } else if (i && i->n > 0) {
        l->n = i->n;
        l->ints = i->ints;
    }
    return LP_OK;
}

lp_tensor *lp_ml_labels_out(lp_kctx *k, int i, const lp_ml_labels *l, int64_t n) {
    return lp_out(k, i, l->strs ? LP_STRING : LP_INT64, 1, &n);
}

void lp_ml_label_put_int(lp_tensor *y, int64_t r, int64_t v) {
    if (y->dtype == LP_STRING) {
        char buf[32];
        snprintf(buf, sizeof buf, "%lld", (long long)v);
        lp_ml_label_put_str(y, r, buf);
    } else {
        ((int64_t *)y->data)[r] = v;
    }
}

void lp_ml_label_put_str(lp_tensor *y, int64_t r, const char *s) {
    char **p = y->data;
    free(p[r]);
    p[r] = lp_xstrdup(s);
}

void lp_ml_label_put(lp_tensor *y, int64_t r, const lp_ml_labels *l, int64_t which) {
    if (l->strs)
        lp_ml_label_put_str(y, r, l->strs[which]);
    else
        lp_ml_label_put_int(y, r, l->ints[which]);
}

/* ---- rows ---- */

bool lp_ml_numeric(const lp_tensor *t) {
    return t->dtype == LP_FLOAT || t->dtype == LP_DOUBLE || t->dtype == LP_INT32 ||
           t->dtype == LP_INT64;
}

int lp_ml_shape(lp_kctx *k, const lp_tensor *x, int64_t *rows, int64_t *cols) {
    if (!lp_ml_numeric(x))
        return lp_kbad(k, "input X is %s; float, double, int32 or int64 is needed",
                       lp_dtype_name(x->dtype));
    if (x->rank == 1) {
        *rows = 1;
        *cols = x->dims[0];
    } else if (x->rank == 2) {
        *rows = x->dims[0];
        *cols = x->dims[1];
    } else {
        return lp_kbad(k, "input X has rank %d; [C] or [N, C] is needed", x->rank);
    }
    return LP_OK;
}

double *lp_ml_doubles(lp_kctx *k, const lp_tensor *x, size_t extra) {
    size_t n = (size_t)x->numel, bytes;
    if (n + extra < n || lp_mul_size(n + extra, sizeof(double), &bytes)) {
        lp_kfail(k, "scratch for %zu values is too large", n);
        return NULL;
    }
    double *d = lp_scratch(k, bytes ? bytes : sizeof(double));
    if (!d) {
        lp_kfail(k, "out of memory for %zu bytes of scratch", bytes);
        return NULL;
    }
    switch (x->dtype) {
    case LP_FLOAT:
        for (size_t i = 0; i < n; i++) d[i] = ((const float *)x->data)[i];
        break;
    case LP_DOUBLE:
        memcpy(d, x->data, n * sizeof *d);
        break;
    default:
        for (size_t i = 0; i < n; i++) d[i] = lp_get_f64(x, (int64_t)i);
        break;
    }
    return d;
}

int lp_ml_doubles_attr(lp_kctx *k, const char *name, double **out, int *count) {
    *out = NULL;
    *count = -1;
    char tname[128];
    snprintf(tname, sizeof tname, "%s_as_tensor", name);
    const lp_attr *a = lp_node_attr(k->node, name);
    const lp_tensor *t = lp_attr_tensor(k->node, tname);
    if (a && a->type == LP_ATTR_FLOATS && (a->n > 0 || !t)) {
        *count = a->n;
        *out = lp_xmalloc((size_t)a->n * sizeof **out + 1);
        for (int i = 0; i < a->n; i++) (*out)[i] = a->floats[i];
    } else if (t) {
        if (t->dtype != LP_FLOAT && t->dtype != LP_DOUBLE && t->dtype != LP_FLOAT16)
            return lp_kfail(k, "%s holds %s; float or double is needed", tname,
                            lp_dtype_name(t->dtype));
        if (t->numel > (1 << 30)) return lp_kfail(k, "%s is too large", tname);
        *count = (int)t->numel;
        *out = lp_xmalloc((size_t)t->numel * sizeof **out + 1);
        for (int64_t i = 0; i < t->numel; i++) (*out)[i] = lp_get_f64(t, i);
    }
    return LP_OK;
}

/* ---- sorted numeric keys ---- */

typedef struct kv {
    int64_t i;
    double f;
    int32_t at;
} kv;

static int kv_int_cmp(const void *a, const void *b) {
    const kv *x = a, *y = b;
    if (x->i != y->i) return x->i < y->i ? -1 : 1;
    return x->at < y->at ? -1 : x->at > y->at;
}

static int kv_flt_cmp(const void *a, const void *b) {
    const kv *x = a, *y = b;
    if (x->f != y->f) return x->f < y->f ? -1 : 1;
    return x->at < y->at ? -1 : x->at > y->at;
}

void lp_ml_keys_build(lp_ml_keys *nk, const lp_tensor *t, const int64_t *ints, const float *flts,
                      int n, bool floating) {
    kv *e = lp_xmalloc((size_t)n * sizeof *e + 1);
    int m = 0;
    nk->nan = -1;
    for (int j = 0; j < n; j++) {
        kv x = {.at = j};
        if (floating) {
            x.f = t ? lp_get_f64(t, j) : flts[j];
            if (x.f != x.f) {
                nk->nan = j;
                continue;
            }
        } else {
            x.i = t ? lp_get_i64(t, j) : ints[j];
        }
        e[m++] = x;
    }
    qsort(e, (size_t)m, sizeof *e, floating ? kv_flt_cmp : kv_int_cmp);
    if (floating)
        nk->fk = lp_xmalloc((size_t)m * sizeof *nk->fk + 1);
    else
        nk->ik = lp_xmalloc((size_t)m * sizeof *nk->ik + 1);
    nk->idx = lp_xmalloc((size_t)m * sizeof *nk->idx + 1);
    nk->n = 0;
    for (int j = 0; j < m; j++) {
        bool same_next = j + 1 < m && (floating ? e[j + 1].f == e[j].f : e[j + 1].i == e[j].i);
        if (same_next) continue; /* keep the last of equal keys */
        if (floating)
            nk->fk[nk->n] = e[j].f;
        else
            nk->ik[nk->n] = e[j].i;
        nk->idx[nk->n++] = e[j].at;
    }
    free(e);
}

int32_t lp_ml_keys_find_i(const lp_ml_keys *nk, int64_t v) {
    int lo = 0, hi = nk->n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (nk->ik[mid] == v) return nk->idx[mid];
        if (nk->ik[mid] < v)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

int32_t lp_ml_keys_find_f(const lp_ml_keys *nk, double v) {
    if (v != v) return nk->nan;
    int lo = 0, hi = nk->n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (nk->fk[mid] == v) return nk->idx[mid];
        if (nk->fk[mid] < v)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

void lp_ml_keys_free(lp_ml_keys *nk) {
    free(nk->ik);
    free(nk->fk);
    free(nk->idx);
}

/* ---- vocabularies ---- */

int lp_ml_vocab_attr(lp_kctx *k, const char *ints_name, const char *strs_name, lp_ml_vocab *v) {
    int ni;
    const int64_t *ints = lp_attr_ints(k->node, ints_name, &ni);
    const lp_attr *s = lp_node_attr(k->node, strs_name);
    int ns = s && s->type == LP_ATTR_STRINGS ? s->n : 0;
    if ((ni > 0) == (ns > 0))
        return lp_kfail(k, "exactly one of %s and %s is needed", ints_name, strs_name);
    v->strings = ns > 0;
    v->n = v->strings ? ns : ni;
    for (int j = 0; j < ns; j++) lp_strmap_put(&v->smap, s->strings[j], j + 1);
    if (ni) lp_ml_keys_build(&v->keys, NULL, ints, NULL, ni, false);
    return LP_OK;
}

int32_t lp_ml_vocab_find(const lp_ml_vocab *v, const lp_tensor *t, int64_t i) {
    if (v->strings) return lp_strmap_get(&v->smap, ((char *const *)t->data)[i], 0) - 1;
    return lp_ml_keys_find_i(&v->keys, lp_get_i64(t, i));
}

void lp_ml_vocab_free(lp_ml_vocab *v) {
    lp_strmap_free(&v->smap);
    lp_ml_keys_free(&v->keys);
}
