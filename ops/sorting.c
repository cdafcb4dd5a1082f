/*
** sorting.c — the kernels that sort: TopK (ties broken by the lower index,
** as the spec asks) and Unique (numpy.unique with first-occurrence indices,
** inverse indices and counts, over elements or over slices along an axis).
*/
#include "ops/tensorops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- TopK ---- */

typedef struct tk_item {
    union {
        double f;
        int64_t s;
        uint64_t u;
    } v;
    int64_t idx;
} tk_item;

/* Comparators: the wanted order of values, then the lower index first.
** NaN counts as the largest value, as numpy and onnxruntime order it. */
#define TK_CMP(name, field, desc)                                                                  \
    static int name(const void *pa, const void *pb) {                                              \
        const tk_item *a = pa, *b = pb;                                                            \
        int c = (a->v.field > b->v.field) - (a->v.field < b->v.field);                             \
        if (c == 0 && a->v.field != b->v.field) /* NaN */                                          \
            c = (int)isnan((double)a->v.field) - (int)isnan((double)b->v.field);                   \
        if (desc) c = -c;                                                                          \
        if (c) return c;                                                                           \
        return (a->idx > b->idx) - (a->idx < b->idx);                                              \
    }
TK_CMP(cmp_f_asc, f, 0)
TK_CMP(cmp_f_desc, f, 1)
TK_CMP(cmp_s_asc, s, 0)
TK_CMP(cmp_s_desc, s, 1)
TK_CMP(cmp_u_asc, u, 0)
TK_CMP(cmp_u_desc, u, 1)

typedef int (*tk_cmp_fn)(const void *, const void *);

static void sift_down(tk_item *h, int64_t n, int64_t i, tk_cmp_fn cmp) {
    for (;;) {
        int64_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < n && cmp(&h[l], &h[w]) > 0) w = l;
        if (r < n && cmp(&h[r], &h[w]) > 0) w = r;
        if (w == i) return;
        tk_item t = h[i];
        h[i] = h[w];
        h[w] = t;
        i = w;
    }
}

/* Puts the best kk of n items first, in order: a heap of the kept ones with
** the worst at the root when kk is small, a full sort otherwise. */
static void select_best(tk_item *items, int64_t n, int64_t kk, tk_cmp_fn cmp) {
    if (kk * 4 >= n) {
        qsort(items, (size_t)n, sizeof *items, cmp);
        return;
    }
    for (int64_t i = kk / 2 - 1; i >= 0; i--) sift_down(items, kk, i, cmp);
    for (int64_t j = kk; j < n; j++)
        if (cmp(&items[j], &items[0]) < 0) {
            items[0] = items[j];
            sift_down(items, kk, 0, cmp);
        }
    qsort(items, (size_t)kk, sizeof *items, cmp);
}

int lp_k_top_k(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kbad(k, "input X is missing");
    if (!lp_dtype_is_numeric(x->dtype) || x->dtype == LP_BOOL)
        return lp_kbad(k, "TopK does not take %s", lp_dtype_name(x->dtype));
    int64_t kk;
    if (k->opset < 10) {
        kk = lp_attr_int(k->node, "k", -1);
    } else {
        const lp_tensor *kt = lp_in(k, 1);
        if (!kt || kt->numel != 1 || !lp_dtype_is_int(kt->dtype))
            return lp_kbad(k, "K must hold one integer");
        kk = lp_get_i64(kt, 0);
    }
    int64_t a = lp_attr_int(k->node, "axis", -1);
    int axis = lp_norm_axis(a, x->rank);
    if (axis < 0 || x->rank == 0)
        return lp_kbad(k, "axis %lld is out of range for rank %d", (long long)a, x->rank);
    int64_t n = x->dims[axis];
    if (kk < 0 || kk > n)
        return lp_kbad(k, "k = %lld is outside [0, %lld] for axis %d", (long long)kk, (long long)n,
                       axis);
    bool largest = k->opset < 11 || lp_attr_int(k->node, "largest", 1) != 0;
    int64_t dims[LP_MAX_RANK], outer = 1, inner = 1;
    memcpy(dims, x->dims, sizeof dims);
    dims[axis] = kk;
    for (int d = 0; d < axis; d++) outer *= x->dims[d];
    for (int d = axis + 1; d < x->rank; d++) inner *= x->dims[d];
    /* omitted outputs share one dummy: only wanted ones are made and written */
    lp_tensor *vals = NULL, *inds = NULL;
    if (lp_out_wanted(k, 0) && !(vals = lp_out(k, 0, x->dtype, x->rank, dims))) return LP_EFAIL;
    if (lp_out_wanted(k, 1) && !(inds = lp_out(k, 1, LP_INT64, x->rank, dims))) return LP_EFAIL;
    if (kk == 0 || lp_shape_numel(x->rank, dims) == 0 || (!vals && !inds)) return LP_OK;

    int which = x->dtype == LP_INT64 ? 1 : x->dtype == LP_UINT64 ? 2 : 0;
    tk_cmp_fn cmp = which == 1   ? (largest ? cmp_s_desc : cmp_s_asc)
                    : which == 2 ? (largest ? cmp_u_desc : cmp_u_asc)
                                 : (largest ? cmp_f_desc : cmp_f_asc);
    tk_item *items = lp_scratch(k, (size_t)n * sizeof *items);
    if (!items) return lp_kfail(k, "out of memory");
    int64_t *out_i = inds ? inds->data : NULL;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            int64_t base = o * n * inner + i;
            for (int64_t j = 0; j < n; j++) {
                int64_t p = base + j * inner;
                if (x->dtype == LP_FLOAT)
                    items[j].v.f = ((const float *)x->data)[p];
                else if (which == 1)
                    items[j].v.s = ((const int64_t *)x->data)[p];
                else if (which == 2)
                    items[j].v.u = ((const uint64_t *)x->data)[p];
                else
                    items[j].v.f = lp_get_f64(x, p);
                items[j].idx = j;
            }
            select_best(items, n, kk, cmp);
            int64_t obase = o * kk * inner + i;
            for (int64_t j = 0; j < kk; j++) {
                if (vals) lp_copy_elems(vals, obase + j * inner, x, base + items[j].idx * inner, 1);
                if (inds) out_i[obase + j * inner] = items[j].idx;
            }
        }
    return LP_OK;
}

/* ---- Unique ---- */

/* The items compared are slices along the axis: `outer` x `inner` elements
** each, n of them (without an axis: n = numel, outer = inner = 1). */
typedef struct uq_ctx {
    const lp_tensor *x;
    int64_t n, outer, inner;
} uq_ctx;

static int slice_cmp(const uq_ctx *c, int64_t a, int64_t b) {
    for (int64_t o = 0; o < c->outer; o++)
        for (int64_t i = 0; i < c->inner; i++) {
            int64_t base = o * c->n * c->inner + i;
            int r = lp_compare_elems(c->x, base + a * c->inner, c->x, base + b * c->inner);
            if (r) return r;
        }
    return 0;
}

/* Value order, then position: equal slices end up together, first occurrence first. */
static int uq_cmp(const void *pa, const void *pb, void *vc) {
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    int r = slice_cmp(vc, a, b);
    return r ? r : (a > b) - (a < b);
}

static int first_cmp(const void *pa, const void *pb, void *vc) {
    const int64_t *first = vc;
    int64_t a = first[*(const int64_t *)pa], b = first[*(const int64_t *)pb];
    return (a > b) - (a < b);
}

int lp_k_unique(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kbad(k, "input X is missing");
    if (x->dtype == LP_COMPLEX64 || x->dtype == LP_COMPLEX128)
        return lp_kbad(k, "Unique does not take %s", lp_dtype_name(x->dtype));
    bool sorted = lp_attr_int(k->node, "sorted", 1) != 0;
    const lp_attr *aa = lp_node_attr(k->node, "axis");
    uq_ctx c = {x, x->numel, 1, 1};
    int axis = -1;
    if (aa) {
        axis = lp_norm_axis(aa->i, x->rank);
        if (axis < 0 || x->rank == 0)
            return lp_kbad(k, "axis %lld is out of range for rank %d", (long long)aa->i, x->rank);
        c.n = x->dims[axis];
        for (int d = 0; d < axis; d++) c.outer *= x->dims[d];
        for (int d = axis + 1; d < x->rank; d++) c.inner *= x->dims[d];
    }
    int64_t n = c.n;
    /* order[]: positions sorted; group[]: unique id per position; first[]/count[] per id */
    int64_t *buf = lp_xmalloc((size_t)(4 * n + 4) * sizeof *buf);
    int64_t *order = buf, *group = buf + n, *first = buf + 2 * n, *count = buf + 3 * n;
    for (int64_t i = 0; i < n; i++) order[i] = i;
    qsort_r(order, (size_t)n, sizeof *order, uq_cmp, &c);
    int64_t u = 0;
    for (int64_t i = 0; i < n; i++) {
        if (i == 0 || slice_cmp(&c, order[i - 1], order[i]) != 0) {
            first[u] = order[i];
            count[u] = 0;
            u++;
        }
        group[order[i]] = u - 1;
        count[u - 1]++;
    }
    /* rank[]: the output position of each id (sorted order, or by first occurrence) */
    int64_t *ids = order, *rank = lp_xmalloc((size_t)(u + 1) * sizeof *rank);
    for (int64_t g = 0; g < u; g++) ids[g] = g;
    if (!sorted) qsort_r(ids, (size_t)u, sizeof *ids, first_cmp, first);
    for (int64_t p = 0; p < u; p++) rank[ids[p]] = p;

    int rc = LP_OK;
    int64_t dims[LP_MAX_RANK];
    int r = 1;
    if (aa) {
        memcpy(dims, x->dims, sizeof dims);
        dims[axis] = u;
        r = x->rank;
    } else {
        dims[0] = u;
    }
    /* omitted outputs share one dummy: only wanted ones are made and written */
    lp_tensor *y = NULL, *yi = NULL, *yinv = NULL, *ycnt = NULL;
    if (lp_out_wanted(k, 0) && !(y = lp_out(k, 0, x->dtype, r, dims))) rc = LP_EFAIL;
    if (!rc && lp_out_wanted(k, 1) && !(yi = lp_out(k, 1, LP_INT64, 1, &u))) rc = LP_EFAIL;
    if (!rc && lp_out_wanted(k, 2) && !(yinv = lp_out(k, 2, LP_INT64, 1, &n))) rc = LP_EFAIL;
    if (!rc && lp_out_wanted(k, 3) && !(ycnt = lp_out(k, 3, LP_INT64, 1, &u))) rc = LP_EFAIL;
    for (int64_t p = 0; !rc && p < u; p++) {
        int64_t g = ids[p];
        for (int64_t o = 0; y && o < c.outer; o++)
            lp_copy_elems(y, (o * u + p) * c.inner, x, (o * n + first[g]) * c.inner, c.inner);
        if (yi) ((int64_t *)yi->data)[p] = first[g];
        if (ycnt) ((int64_t *)ycnt->data)[p] = count[g];
    }
    for (int64_t i = 0; !rc && yinv && i < n; i++) ((int64_t *)yinv->data)[i] = rank[group[i]];
    free(rank);
    free(buf);
    return rc;
}
