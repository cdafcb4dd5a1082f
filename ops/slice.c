/*
** slice.c — indexing kernels: Slice, Gather, GatherElements, GatherND,
** Scatter, ScatterElements, ScatterND, TensorScatter, Compress, OneHot,
** NonZero and ReverseSequence. Every index read from the data is checked
** before it is used; a bad one fails the node naming where it was found.
*/
#include "ops/tensorops.h"

#include <stdlib.h>
#include <string.h>

static const lp_tensor *need_in(lp_kctx *k, int i, const char *what) {
    const lp_tensor *t = lp_in(k, i);
    if (!t) lp_kbad(k, "input %d (%s) is missing or not a tensor", i, what);
    return t;
}

static int need_int_tensor(lp_kctx *k, const lp_tensor *t, const char *what) {
    if (t->dtype != LP_INT64 && t->dtype != LP_INT32)
        return lp_kbad(k, "%s must be int64 or int32, not %s", what, lp_dtype_name(t->dtype));
    return LP_OK;
}

/* An index along an axis of size n, negative counting from the end. */
static int fix_index(lp_kctx *k, int64_t v, int64_t n, const char *what, int64_t at, int64_t *out) {
    int64_t i = v < 0 ? v + n : v;
    if (i < 0 || i >= n)
        return lp_kbad(k, "%s value %lld at position %lld is out of range for a dimension of %lld",
                       what, (long long)v, (long long)at, (long long)n);
    *out = i;
    return LP_OK;
}

/* ---- Slice ---- */

int lp_k_slice(lp_kctx *k) {
    const lp_tensor *x = need_in(k, 0, "data");
    if (!x) return LP_EINPUT;
    int r = x->rank;
    int64_t starts[LP_MAX_RANK], ends[LP_MAX_RANK], axes[LP_MAX_RANK], steps[LP_MAX_RANK];
    int ns = 0, ne = 0, na = -1, nst = -1;
    if (k->opset < 10) {
        const int64_t *s = lp_attr_ints(k->node, "starts", &ns);
        const int64_t *e = lp_attr_ints(k->node, "ends", &ne);
        const int64_t *a = lp_attr_ints(k->node, "axes", &na);
        if (!s || !e) return lp_kbad(k, "attributes starts and ends are required");
        if (ns > LP_MAX_RANK || ne > LP_MAX_RANK || na > LP_MAX_RANK)
            return lp_kbad(k, "too many axes");
        memcpy(starts, s, (size_t)ns * sizeof *s);
        memcpy(ends, e, (size_t)ne * sizeof *e);
        if (a)
            memcpy(axes, a, (size_t)na * sizeof *a);
        else
            na = -1;
    } else {
        if (!lp_in(k, 1) || !lp_in(k, 2)) return lp_kbad(k, "starts and ends are required");
        int rc = lp_input_ints(k, 1, "starts", starts, LP_MAX_RANK, &ns);
        if (!rc) rc = lp_input_ints(k, 2, "ends", ends, LP_MAX_RANK, &ne);
        if (!rc && lp_in(k, 3)) rc = lp_input_ints(k, 3, "axes", axes, LP_MAX_RANK, &na);
        if (!rc && lp_in(k, 4)) rc = lp_input_ints(k, 4, "steps", steps, LP_MAX_RANK, &nst);
        if (rc) return rc;
    }
    if (ne != ns) return lp_kbad(k, "starts has %d values but ends %d", ns, ne);
    if (na < 0) {
        if (ns > r) return lp_kbad(k, "starts has %d values for rank %d", ns, r);
        for (int i = 0; i < ns; i++) axes[i] = i;
    } else if (na != ns) {
        return lp_kbad(k, "axes has %d values but starts %d", na, ns);
    }
    if (nst < 0) {
        for (int i = 0; i < ns; i++) steps[i] = 1;
    } else if (nst != ns) {
        return lp_kbad(k, "steps has %d values but starts %d", nst, ns);
    }
    int rc = lp_norm_axes(k, axes, ns, r, "axes");
    if (rc) return rc;

    int64_t first[LP_MAX_RANK] = {0}, step[LP_MAX_RANK], dims[LP_MAX_RANK];
    for (int d = 0; d < r; d++) {
        step[d] = 1;
        dims[d] = x->dims[d];
    }
    for (int i = 0; i < ns; i++) {
        int d = (int)axes[i];
        int64_t n = x->dims[d], s = starts[i], e = ends[i], st = steps[i];
        if (st == 0) return lp_kbad(k, "step on axis %d is zero", d);
        if (s < 0) s += n;
        if (e < 0) e += n;
        if (st > 0) {
            s = s < 0 ? 0 : s > n ? n : s;
            e = e < 0 ? 0 : e > n ? n : e;
        } else {
            s = s < 0 ? 0 : s > n - 1 ? n - 1 : s;
            e = e < -1 ? -1 : e > n - 1 ? n - 1 : e;
        }
        int64_t cnt = 0;
        if (st > 0 && e > s) cnt = (e - s + st - 1) / st;
        if (st < 0 && s > e) cnt = (s - e + (-st) - 1) / (-st);
        first[d] = cnt ? s : 0;
        step[d] = st;
        dims[d] = cnt;
    }
    lp_tensor *y = lp_out(k, 0, x->dtype, r, dims);
    if (!y) return LP_EFAIL;
    int64_t xs[LP_MAX_RANK], ss[LP_MAX_RANK], ys[LP_MAX_RANK], off = 0;
    lp_contig_strides(r, x->dims, xs);
    lp_contig_strides(r, dims, ys);
    for (int d = 0; d < r; d++) {
        off += first[d] * xs[d];
        ss[d] = xs[d] * step[d];
    }
    lp_strided_copy(y, 0, ys, x, off, ss, r, dims);
    return LP_OK;
}

/* ---- Gather ---- */

int lp_k_gather(lp_kctx *k) {
    const lp_tensor *x = need_in(k, 0, "data"), *ind = need_in(k, 1, "indices");
    if (!x || !ind) return LP_EINPUT;
    int rc = need_int_tensor(k, ind, "indices");
    if (rc) return rc;
    int64_t a = lp_attr_int(k->node, "axis", 0);
    int axis = lp_norm_axis(a, x->rank);
    if (axis < 0 || x->rank == 0)
        return lp_kbad(k, "axis %lld is out of range for rank %d", (long long)a, x->rank);
    int rank = x->rank - 1 + ind->rank;
    if (rank > LP_MAX_RANK) return lp_kbad(k, "the result would have rank %d", rank);
    int64_t dims[LP_MAX_RANK];
    int r = 0;
    for (int d = 0; d < axis; d++) dims[r++] = x->dims[d];
    for (int d = 0; d < ind->rank; d++) dims[r++] = ind->dims[d];
    for (int d = axis + 1; d < x->rank; d++) dims[r++] = x->dims[d];
    int64_t n = x->dims[axis], outer = 1, inner = 1;
    for (int d = 0; d < axis; d++) outer *= x->dims[d];
    for (int d = axis + 1; d < x->rank; d++) inner *= x->dims[d];
    int64_t m = ind->numel;
    int64_t *at = lp_scratch(k, (size_t)(m + 1) * sizeof *at); /* checked, non-negative */
    if (!at) return lp_kfail(k, "out of memory");
    for (int64_t j = 0; j < m; j++) {
        int64_t v = ind->dtype == LP_INT64 ? ((const int64_t *)ind->data)[j]
                                           : ((const int32_t *)ind->data)[j];
        if ((rc = fix_index(k, v, n, "indices", j, &at[j]))) return rc;
    }
    lp_tensor *y = lp_out(k, 0, x->dtype, rank, dims);
    if (!y) return LP_EFAIL;
    size_t esz = lp_dtype_size(x->dtype);
    if (inner == 1 && x->dtype != LP_STRING && (esz == 4 || esz == 8)) {
        /* one element per index: a typed loop, not a call per element */
        for (int64_t o = 0; o < outer; o++) {
            if (esz == 4) {
                const uint32_t *src = (const uint32_t *)x->data + o * n;
                uint32_t *dst = (uint32_t *)y->data + o * m;
                for (int64_t j = 0; j < m; j++) dst[j] = src[at[j]];
            } else {
                const uint64_t *src = (const uint64_t *)x->data + o * n;
                uint64_t *dst = (uint64_t *)y->data + o * m;
                for (int64_t j = 0; j < m; j++) dst[j] = src[at[j]];
            }
        }
        return LP_OK;
    }
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < m; j++)
            lp_copy_elems(y, (o * m + j) * inner, x, (o * n + at[j]) * inner, inner);
    return LP_OK;
}

/* ---- GatherElements, Scatter, ScatterElements ---- */

/* Walks every position of `ind` (same rank as data), giving the flat index
** in data with the axis coordinate replaced by the index value. */
static int element_targets(lp_kctx *k, const lp_tensor *data, const lp_tensor *ind, int axis,
                           int64_t *targets) {
    int r = data->rank;
    for (int d = 0; d < r; d++)
        if (d != axis && ind->dims[d] > data->dims[d])
            return lp_kbad(k, "indices dimension %d (%lld) exceeds the data's (%lld)", d,
                           (long long)ind->dims[d], (long long)data->dims[d]);
    int64_t ds[LP_MAX_RANK], idx[LP_MAX_RANK] = {0}, base = 0;
    lp_contig_strides(r, data->dims, ds);
    int64_t n = data->dims[axis];
    for (int64_t j = 0; j < ind->numel; j++) {
        int64_t i = 0;
        int rc = fix_index(k, lp_get_i64(ind, j), n, "indices", j, &i);
        if (rc) return rc;
        targets[j] = base + i * ds[axis];
        for (int d = r - 1; d >= 0; d--) {
            if (d != axis) base += ds[d];
            if (++idx[d] < ind->dims[d]) break;
            if (d != axis) base -= ds[d] * ind->dims[d];
            idx[d] = 0;
        }
    }
    return LP_OK;
}

static int elements_args(lp_kctx *k, const lp_tensor **x, const lp_tensor **ind, int *axis) {
    *x = need_in(k, 0, "data");
    *ind = need_in(k, 1, "indices");
    if (!*x || !*ind) return LP_EINPUT;
    int rc = need_int_tensor(k, *ind, "indices");
    if (rc) return rc;
    if ((*ind)->rank != (*x)->rank)
        return lp_kbad(k, "indices have rank %d, the data %d", (*ind)->rank, (*x)->rank);
    int64_t a = lp_attr_int(k->node, "axis", 0);
    *axis = lp_norm_axis(a, (*x)->rank);
    if (*axis < 0 || (*x)->rank == 0)
        return lp_kbad(k, "axis %lld is out of range for rank %d", (long long)a, (*x)->rank);
    return LP_OK;
}

int lp_k_gather_elements(lp_kctx *k) {
    const lp_tensor *x, *ind;
    int axis;
    int rc = elements_args(k, &x, &ind, &axis);
    if (rc) return rc;
    int64_t *t = lp_xmalloc((size_t)(ind->numel + 1) * sizeof *t);
    rc = element_targets(k, x, ind, axis, t);
    lp_tensor *y = rc ? NULL : lp_out(k, 0, x->dtype, ind->rank, ind->dims);
    if (!rc && !y) rc = LP_EFAIL;
    for (int64_t j = 0; !rc && j < ind->numel; j++) lp_copy_elems(y, j, x, t[j], 1);
    free(t);
    return rc;
}

/* Scatter (opset 9-10) is ScatterElements without a reduction. */
int lp_k_scatter_elements(lp_kctx *k) {
    const lp_tensor *x, *ind, *upd = need_in(k, 2, "updates");
    int axis;
    int rc = elements_args(k, &x, &ind, &axis);
    if (rc) return rc;
    if (!upd) return LP_EINPUT;
    lp_combine c = LP_COMB_NONE;
    if (strcmp(k->node->op_type, "Scatter") && (rc = lp_combine_attr(k, &c))) return rc;
    if (upd->dtype != x->dtype) return lp_kbad(k, "updates have a different type than the data");
    bool same = upd->rank == ind->rank;
    for (int d = 0; same && d < ind->rank; d++) same = upd->dims[d] == ind->dims[d];
    if (!same) return lp_kbad(k, "updates and indices must have the same shape");
    int64_t *t = lp_xmalloc((size_t)(ind->numel + 1) * sizeof *t);
    rc = element_targets(k, x, ind, axis, t);
    lp_tensor *y = rc ? NULL : lp_out(k, 0, x->dtype, x->rank, x->dims);
    if (!rc && !y) rc = LP_EFAIL;
    if (!rc) {
        lp_copy_elems(y, 0, x, 0, x->numel);
        for (int64_t j = 0; j < ind->numel; j++) lp_combine_elem(c, y, t[j], upd, j);
    }
    free(t);
    return rc;
}

/* ---- GatherND / ScatterND ---- */

int lp_k_gather_nd(lp_kctx *k) {
    const lp_tensor *x = need_in(k, 0, "data"), *ind = need_in(k, 1, "indices");
    if (!x || !ind) return LP_EINPUT;
    int rc = need_int_tensor(k, ind, "indices");
    if (rc) return rc;
    int64_t b = lp_attr_int(k->node, "batch_dims", 0);
    if (ind->rank < 1) return lp_kbad(k, "indices must have rank 1 or more");
    int64_t q = ind->dims[ind->rank - 1];
    if (b < 0 || b >= x->rank || b >= ind->rank)
        return lp_kbad(k, "batch_dims %lld is out of range", (long long)b);
    if (q < 1 || b + q > x->rank)
        return lp_kbad(k, "index tuples of length %lld do not fit data of rank %d", (long long)q,
                       x->rank);
    for (int d = 0; d < b; d++)
        if (x->dims[d] != ind->dims[d]) return lp_kbad(k, "batch dimension %d differs", d);
    int64_t dims[LP_MAX_RANK];
    int r = 0;
    for (int d = 0; d < ind->rank - 1; d++) dims[r++] = ind->dims[d];
    for (int d = (int)(b + q); d < x->rank; d++) {
        if (r >= LP_MAX_RANK) return lp_kbad(k, "the result would have too high a rank");
        dims[r++] = x->dims[d];
    }
    int64_t xs[LP_MAX_RANK], batches = 1, per = 1, slice = 1;
    lp_contig_strides(x->rank, x->dims, xs);
    for (int d = 0; d < b; d++) batches *= x->dims[d];
    for (int d = (int)b; d < ind->rank - 1; d++) per *= ind->dims[d];
    for (int d = (int)(b + q); d < x->rank; d++) slice *= x->dims[d];
    int64_t bstride = b ? xs[b - 1] : 0;
    int64_t *off = lp_xmalloc((size_t)(batches * per + 1) * sizeof *off);
    for (int64_t t = 0; t < batches * per && !rc; t++) {
        int64_t o = (t / (per ? per : 1)) * bstride;
        for (int64_t j = 0; j < q && !rc; j++) {
            int64_t i = 0;
            rc = fix_index(k, lp_get_i64(ind, t * q + j), x->dims[b + j], "indices", t * q + j, &i);
            o += i * xs[b + j];
        }
        off[t] = o;
    }
    lp_tensor *y = rc ? NULL : lp_out(k, 0, x->dtype, r, dims);
    if (!rc && !y) rc = LP_EFAIL;
    for (int64_t t = 0; !rc && t < batches * per; t++)
        lp_copy_elems(y, t * slice, x, off[t], slice);
    free(off);
    return rc;
}

int lp_k_scatter_nd(lp_kctx *k) {
    const lp_tensor *x = need_in(k, 0, "data"), *ind = need_in(k, 1, "indices"),
                    *upd = need_in(k, 2, "updates");
    if (!x || !ind || !upd) return LP_EINPUT;
    int rc = need_int_tensor(k, ind, "indices");
    if (rc) return rc;
    lp_combine c = LP_COMB_NONE;
    if ((rc = lp_combine_attr(k, &c))) return rc;
    if (upd->dtype != x->dtype) return lp_kbad(k, "updates have a different type than the data");
    if (ind->rank < 1) return lp_kbad(k, "indices must have rank 1 or more");
    int64_t q = ind->dims[ind->rank - 1];
    if (q > x->rank)
        return lp_kbad(k, "index tuples of length %lld exceed rank %d", (long long)q, x->rank);
    /* updates: indices.shape[:-1] + data.shape[q:] */
    bool ok = upd->rank == ind->rank - 1 + x->rank - q;
    for (int d = 0; ok && d < ind->rank - 1; d++) ok = upd->dims[d] == ind->dims[d];
    for (int d = 0; ok && d < x->rank - q; d++) ok = upd->dims[ind->rank - 1 + d] == x->dims[q + d];
    if (!ok) return lp_kbad(k, "updates do not have the shape indices[:-1] + data[q:]");
    int64_t xs[LP_MAX_RANK], slice = 1, n = q ? ind->numel / q : 1;
    lp_contig_strides(x->rank, x->dims, xs);
    for (int d = (int)q; d < x->rank; d++) slice *= x->dims[d];
    if (q == 0) n = upd->numel / (slice ? slice : 1);
    int64_t *off = lp_xmalloc((size_t)(n + 1) * sizeof *off);
    for (int64_t t = 0; t < n && !rc; t++) {
        int64_t o = 0;
        for (int64_t j = 0; j < q && !rc; j++) {
            int64_t i = 0;
            rc = fix_index(k, lp_get_i64(ind, t * q + j), x->dims[j], "indices", t * q + j, &i);
            o += i * xs[j];
        }
        off[t] = o;
    }
    lp_tensor *y = rc ? NULL : lp_out(k, 0, x->dtype, x->rank, x->dims);
    if (!rc && !y) rc = LP_EFAIL;
    if (!rc) {
        lp_copy_elems(y, 0, x, 0, x->numel);
        for (int64_t t = 0; t < n; t++) {
            if (c == LP_COMB_NONE)
                lp_copy_elems(y, off[t], upd, t * slice, slice);
            else
                for (int64_t e = 0; e < slice; e++)
                    lp_combine_elem(c, y, off[t] + e, upd, t * slice + e);
        }
    }
    free(off);
    return rc;
}

/* ---- TensorScatter ---- */

int lp_k_tensor_scatter(lp_kctx *k) {
    const lp_tensor *past = need_in(k, 0, "past_cache"), *upd = need_in(k, 1, "update");
    if (!past || !upd) return LP_EINPUT;
    const lp_tensor *wi = lp_in(k, 2);
    int r = past->rank;
    int64_t a = lp_attr_int(k->node, "axis", -2);
    int axis = lp_norm_axis(a, r);
    if (axis <= 0)
        return lp_kbad(k, "axis %lld must name a dimension other than the batch", (long long)a);
    const char *ms = lp_attr_string(k->node, "mode", "linear");
    bool circular = !strcmp(ms, "circular");
    if (!circular && strcmp(ms, "linear"))
        return lp_kbad(k, "mode '%s' is not linear or circular", ms);
    if (upd->dtype != past->dtype || upd->rank != r)
        return lp_kbad(k, "update must have the cache's type and rank");
    for (int d = 0; d < r; d++)
        if (d != axis && upd->dims[d] != past->dims[d])
            return lp_kbad(k, "update dimension %d differs from the cache's", d);
    int64_t batch = past->dims[0], maxlen = past->dims[axis], len = upd->dims[axis];
    if (len > maxlen) return lp_kbad(k, "update is longer than the cache");
    if (wi && (wi->numel != batch || !lp_dtype_is_int(wi->dtype)))
        return lp_kbad(k, "write_indices must hold one integer per batch entry");
    int64_t outer = 1, inner = 1;
    for (int d = 1; d < axis; d++) outer *= past->dims[d];
    for (int d = axis + 1; d < r; d++) inner *= past->dims[d];
    for (int64_t bi = 0; wi && bi < batch; bi++) {
        int64_t w = lp_get_i64(wi, bi);
        if (w < 0 || (!circular && w + len > maxlen))
            return lp_kbad(k, "write index %lld for batch %lld does not fit the cache",
                           (long long)w, (long long)bi);
    }
    lp_tensor *y = lp_out(k, 0, past->dtype, r, past->dims);
    if (!y) return LP_EFAIL;
    lp_copy_elems(y, 0, past, 0, past->numel);
    for (int64_t bi = 0; bi < batch; bi++) {
        int64_t w = wi ? lp_get_i64(wi, bi) : 0;
        for (int64_t o = 0; o < outer; o++) {
            int64_t pre = bi * outer + o;
            for (int64_t s = 0; s < len; s++) {
                int64_t at = circular ? (w + s) % maxlen : w + s;
                lp_copy_elems(y, (pre * maxlen + at) * inner, upd, (pre * len + s) * inner, inner);
            }
        }
    }
    return LP_OK;
}

/* ---- Compress ---- */

int lp_k_compress(lp_kctx *k) {
    const lp_tensor *x = need_in(k, 0, "input"), *cond = need_in(k, 1, "condition");
    if (!x || !cond) return LP_EINPUT;
    if (cond->rank != 1) return lp_kbad(k, "condition must be 1-D");
    const lp_attr *aa = lp_node_attr(k->node, "axis");
    int64_t outer = 1, n = x->numel, inner = 1;
    int axis = -1;
    if (aa) {
        axis = lp_norm_axis(aa->i, x->rank);
        if (axis < 0 || x->rank == 0)
            return lp_kbad(k, "axis %lld is out of range for rank %d", (long long)aa->i, x->rank);
        n = x->dims[axis];
        for (int d = 0; d < axis; d++) outer *= x->dims[d];
        for (int d = axis + 1; d < x->rank; d++) inner *= x->dims[d];
    }
    int64_t m = cond->numel < n ? cond->numel : n, kept = 0;
    for (int64_t i = 0; i < m; i++) kept += lp_elem_nonzero(cond, i);
    int64_t dims[LP_MAX_RANK];
    int r = 1;
    if (aa) {
        memcpy(dims, x->dims, sizeof dims);
        dims[axis] = kept;
        r = x->rank;
    } else {
        dims[0] = kept;
    }
    lp_tensor *y = lp_out(k, 0, x->dtype, r, dims);
    if (!y) return LP_EFAIL;
    int64_t at = 0;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < m; i++)
            if (lp_elem_nonzero(cond, i)) {
                lp_copy_elems(y, at, x, (o * n + i) * inner, inner);
                at += inner;
            }
    return LP_OK;
}

/* ---- OneHot ---- */

int lp_k_one_hot(lp_kctx *k) {
    const lp_tensor *ind = need_in(k, 0, "indices"), *dep = need_in(k, 1, "depth"),
                    *vals = need_in(k, 2, "values");
    if (!ind || !dep || !vals) return LP_EINPUT;
    if (dep->numel != 1) return lp_kbad(k, "depth must hold one value");
    if (vals->numel != 2) return lp_kbad(k, "values must hold two values [off, on]");
    if (!lp_dtype_is_numeric(ind->dtype)) return lp_kbad(k, "indices must be numeric");
    int64_t depth = lp_get_i64(dep, 0);
    if (depth < 1 || depth > ((int64_t)1 << 32))
        return lp_kbad(k, "depth %lld is out of range", (long long)depth);
    int r = ind->rank + 1;
    if (r > LP_MAX_RANK) return lp_kbad(k, "the result would have rank %d", r);
    int64_t a = lp_attr_int(k->node, "axis", -1);
    int axis = lp_norm_axis(a, r);
    if (axis < 0) return lp_kbad(k, "axis %lld is out of range for rank %d", (long long)a, r);
    int64_t dims[LP_MAX_RANK], outer = 1, inner = 1;
    for (int d = 0, j = 0; d < r; d++) dims[d] = d == axis ? depth : ind->dims[j++];
    for (int d = 0; d < axis; d++) outer *= dims[d];
    for (int d = axis + 1; d < r; d++) inner *= dims[d];
    lp_tensor *y = lp_out(k, 0, vals->dtype, r, dims);
    if (!y) return LP_EFAIL;
    for (int64_t i = 0; i < y->numel; i++) lp_copy_elems(y, i, vals, 0, 1);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            int64_t v = lp_get_i64(ind, o * inner + i);
            if (v < 0) v += depth;
            if (v < 0 || v >= depth) continue; /* out of range: all off */
            lp_copy_elems(y, (o * depth + v) * inner + i, vals, 1, 1);
        }
    return LP_OK;
}

/* ---- NonZero ---- */

int lp_k_non_zero(lp_kctx *k) {
    const lp_tensor *x = need_in(k, 0, "X");
    if (!x) return LP_EINPUT;
    int64_t nnz = 0;
    for (int64_t i = 0; i < x->numel; i++) nnz += lp_elem_nonzero(x, i);
    int r = x->rank ? x->rank : 1; /* a scalar counts as 1-D, as numpy and onnxruntime do */
    int64_t dims[2] = {r, nnz};
    lp_tensor *y = lp_out(k, 0, LP_INT64, 2, dims);
    if (!y) return LP_EFAIL;
    int64_t *out = y->data, idx[LP_MAX_RANK] = {0}, at = 0;
    for (int64_t i = 0; i < x->numel; i++) {
        if (lp_elem_nonzero(x, i)) {
            for (int d = 0; d < r; d++) out[d * nnz + at] = x->rank ? idx[d] : 0;
            at++;
        }
        for (int d = x->rank - 1; d >= 0; d--) {
            if (++idx[d] < x->dims[d]) break;
            idx[d] = 0;
        }
    }
    return LP_OK;
}

/* ---- ReverseSequence ---- */

int lp_k_reverse_sequence(lp_kctx *k) {
    const lp_tensor *x = need_in(k, 0, "input"), *lens = need_in(k, 1, "sequence_lens");
    if (!x || !lens) return LP_EINPUT;
    if (x->rank < 2) return lp_kbad(k, "input must have rank 2 or more");
    int64_t ta = lp_attr_int(k->node, "time_axis", 0), ba = lp_attr_int(k->node, "batch_axis", 1);
    if (!((ta == 0 && ba == 1) || (ta == 1 && ba == 0)))
        return lp_kbad(k, "time_axis and batch_axis must be 0 and 1 in some order");
    int64_t T = x->dims[ta], B = x->dims[ba], inner = 1;
    for (int d = 2; d < x->rank; d++) inner *= x->dims[d];
    if (lens->numel != B || !lp_dtype_is_int(lens->dtype))
        return lp_kbad(k, "sequence_lens must hold one integer per batch entry");
    for (int64_t b = 0; b < B; b++) {
        int64_t L = lp_get_i64(lens, b);
        if (L < 0 || L > T)
            return lp_kbad(k, "sequence length %lld for batch %lld is out of range", (long long)L,
                           (long long)b);
    }
    lp_tensor *y = lp_out(k, 0, x->dtype, x->rank, x->dims);
    if (!y) return LP_EFAIL;
    for (int64_t b = 0; b < B; b++) {
        int64_t L = lp_get_i64(lens, b);
        for (int64_t t = 0; t < T; t++) {
            int64_t src = t < L ? L - 1 - t : t;
            int64_t yo = (ta == 0 ? t * B + b : b * T + t) * inner;
            int64_t xo = (ta == 0 ? src * B + b : b * T + src) * inner;
            lp_copy_elems(y, yo, x, xo, inner);
        }
    }
    return LP_OK;
}
