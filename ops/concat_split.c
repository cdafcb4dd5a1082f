/*
** concat_split.c — kernels that join, cut, repeat and border tensors:
** Concat, Split, Tile and Pad. All are data movement in contiguous runs.
*/
#include "ops/tensorops.h"

#include <stdlib.h>
#include <string.h>

/* ---- Concat ---- */

/* Whether a non-empty tensor's data lies in the n bytes at base. */
static bool in_buffer(const lp_tensor *t, const char *base, size_t n) {
    uintptr_t p = (uintptr_t)t->data, b = (uintptr_t)base;
    return t->numel && p >= b && p < b + n;
}

int lp_k_concat(lp_kctx *k) {
    int n = k->n_in;
    const lp_tensor *first = NULL;
    for (int i = 0; i < n && !first; i++) first = lp_in(k, i);
    if (!first) return lp_kbad(k, "no inputs");
    int rank = first->rank;
    int64_t a = lp_attr_int(k->node, "axis", 1); /* opset 1 default; required later */
    int axis = lp_norm_axis(a, rank);
    if (axis < 0 || rank == 0)
        return lp_kbad(k, "axis %lld is out of range for rank %d", (long long)a, rank);
    int64_t dims[LP_MAX_RANK];
    memcpy(dims, first->dims, sizeof dims);
    dims[axis] = 0;
    for (int i = 0; i < n; i++) {
        const lp_tensor *t = lp_in(k, i);
        if (!t) return lp_kbad(k, "input %d is missing", i);
        if (t->dtype != first->dtype) return lp_kbad(k, "input %d has a different type", i);
        bool ok = t->rank == rank;
        for (int d = 0; ok && d < rank; d++) ok = d == axis || t->dims[d] == first->dims[d];
        if (!ok) {
            char s1[200], s2[200];
            return lp_kbad(k, "input %d has shape [%s], not concatenable with [%s] on axis %d", i,
                           lp_dims_str(t->rank, t->dims, s1, sizeof s1, true),
                           lp_dims_str(rank, first->dims, s2, sizeof s2, true), axis);
        }
        dims[axis] += t->dims[axis];
    }
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; d++) outer *= dims[d];
    for (int d = axis + 1; d < rank; d++) inner *= dims[d];
    /* The producers may have written inputs straight into the output's
    ** buffer (session.c plans it when the outer dims are all 1). lp_out keeps
    ** that buffer when it is big enough: inputs at their places are then
    ** left as they are, so if all are, only the output's header is set. */
    const lp_tensor *held = lp_out_held(k, 0);
    const char *base = held ? held->data : NULL, *snap = NULL;
    size_t cap = held ? held->capacity : 0, esz = lp_dtype_size(first->dtype), bytes = 0;
    for (int i = 0; i < n; i++) bytes += (size_t)lp_in(k, i)->numel * esz;
    bool keep = held && outer == 1 && first->dtype != LP_STRING && bytes <= cap;
    /* Inputs inside that buffer but not at their places (shapes that differ
    ** from the plan's) are read from a snapshot: the copies may overwrite
    ** them, or lp_out hand the buffer back. */
    size_t off = 0;
    for (int i = 0; held && !snap && i < n; i++) {
        const lp_tensor *t = lp_in(k, i);
        if (in_buffer(t, base, cap) && !(keep && (const char *)t->data == base + off)) {
            void *s = lp_scratch(k, cap);
            if (!s) return lp_kfail(k, "out of memory (%zu bytes)", cap);
            snap = memcpy(s, base, cap);
        }
        off += (size_t)t->numel * esz;
    }
    lp_tensor *y = lp_out(k, 0, first->dtype, rank, dims);
    if (!y) return LP_EFAIL;
    keep = keep && y->data == base;
    int64_t row = dims[axis] * inner, at = 0;
    for (int i = 0; i < n; i++) {
        lp_tensor t = *lp_in(k, i);
        int64_t run = t.dims[axis] * inner;
        if (keep && (const char *)t.data == base + (size_t)at * esz) {
            at += run; /* already in place */
            continue;
        }
        if (snap && in_buffer(&t, base, cap)) t.data = (char *)snap + ((const char *)t.data - base);
        for (int64_t o = 0; o < outer; o++) lp_copy_elems(y, o * row + at, &t, o * run, run);
        at += run;
    }
    return LP_OK;
}

/* ---- Split ---- */

int lp_k_split(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kbad(k, "input is missing");
    int64_t a = lp_attr_int(k->node, "axis", 0);
    int axis = lp_norm_axis(a, x->rank);
    if (axis < 0 || x->rank == 0)
        return lp_kbad(k, "axis %lld is out of range for rank %d", (long long)a, x->rank);
    int nout = k->n_out;
    int64_t dim = x->dims[axis];
    int64_t *sizes = lp_xcalloc((size_t)nout + 1, sizeof *sizes);
    int rc = LP_OK;
    /* the sizes: input 'split' (opset 1 and 13+), attribute 'split' (before 13), num_outputs (18+)
     */
    const lp_tensor *st = (k->opset >= 13 || k->opset == 1) ? lp_in(k, 1) : NULL;
    int nattr = 0;
    const int64_t *sattr = k->opset < 13 ? lp_attr_ints(k->node, "split", &nattr) : NULL;
    if (st || sattr) {
        int64_t cnt = st ? st->numel : nattr;
        if (st && !lp_dtype_is_int(st->dtype))
            rc = lp_kbad(k, "split must be integers");
        else if (cnt != nout)
            rc = lp_kbad(k, "split has %lld sizes for %d outputs", (long long)cnt, nout);
        int64_t sum = 0;
        for (int i = 0; !rc && i < nout; i++) {
            sizes[i] = st ? lp_get_i64(st, i) : sattr[i];
            if (sizes[i] < 0) rc = lp_kbad(k, "split size %lld is negative", (long long)sizes[i]);
            sum += sizes[i];
        }
        if (!rc && sum != dim)
            rc = lp_kbad(k, "split sizes add up to %lld, not the %lld of axis %d", (long long)sum,
                         (long long)dim, axis);
    } else {
        int64_t parts = k->opset >= 18 ? lp_attr_int(k->node, "num_outputs", nout) : nout;
        if (parts != nout)
            rc = lp_kbad(k, "num_outputs is %lld but the node has %d outputs", (long long)parts,
                         nout);
        else if (k->opset >= 18 && lp_node_attr(k->node, "num_outputs")) {
            /* ceil-sized chunks, the last one smaller */
            int64_t chunk = (dim + nout - 1) / nout, left = dim;
            for (int i = 0; i < nout; i++) {
                sizes[i] = left < chunk ? left : chunk;
                left -= sizes[i];
            }
        } else if (dim % nout) {
            rc = lp_kbad(k, "axis %d of size %lld does not split evenly into %d", axis,
                         (long long)dim, nout);
        } else {
            for (int i = 0; i < nout; i++) sizes[i] = dim / nout;
        }
    }
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; d++) outer *= x->dims[d];
    for (int d = axis + 1; d < x->rank; d++) inner *= x->dims[d];
    int64_t at = 0;
    for (int i = 0; !rc && i < nout; i++) {
        int64_t dims[LP_MAX_RANK];
        memcpy(dims, x->dims, sizeof dims);
        dims[axis] = sizes[i];
        if (lp_out_wanted(k, i)) {
            lp_tensor *y = lp_out(k, i, x->dtype, x->rank, dims);
            if (!y) {
                rc = LP_EFAIL;
                break;
            }
            int64_t run = sizes[i] * inner;
            for (int64_t o = 0; o < outer; o++)
                lp_copy_elems(y, o * run, x, o * dim * inner + at, run);
        }
        at += sizes[i] * inner;
    }
    free(sizes);
    return rc;
}

/* ---- Tile ---- */

int lp_k_tile(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kbad(k, "input is missing");
    int r = x->rank;
    int64_t reps[LP_MAX_RANK];
    int n;
    if (k->opset < 6) {
        /* Tile-1: `tiles` copies along one `axis` */
        const lp_tensor *t = lp_in(k, 1), *a = lp_in(k, 2);
        if (!t || !a || t->numel != 1 || a->numel != 1)
            return lp_kbad(k, "tiles and axis must be scalars");
        int axis = lp_norm_axis(lp_get_i64(a, 0), r);
        if (axis < 0) return lp_kbad(k, "axis is out of range");
        for (int i = 0; i < r; i++) reps[i] = i == axis ? lp_get_i64(t, 0) : 1;
        n = r;
    } else {
        if (!lp_in(k, 1)) return lp_kbad(k, "repeats is missing");
        int rc = lp_input_ints(k, 1, "repeats", reps, LP_MAX_RANK, &n);
        if (rc) return rc;
    }
    if (n != r) return lp_kbad(k, "repeats has %d values for rank %d", n, r);
    int64_t dims[LP_MAX_RANK];
    for (int i = 0; i < r; i++) {
        if (reps[i] < 0) return lp_kbad(k, "repeats value %lld is negative", (long long)reps[i]);
        if (lp_mul_i64(x->dims[i], reps[i], &dims[i])) return lp_kbad(k, "the result is too large");
    }
    lp_tensor *y = lp_out(k, 0, x->dtype, r, dims);
    if (!y) return LP_EFAIL;
    /* view the output as [rep0, d0, rep1, d1, ...] (a rep axis only where it is not 1):
    ** the input is read with stride 0 along the rep axes */
    int64_t vd[LP_MAX_RANK], vs[LP_MAX_RANK], vo[LP_MAX_RANK], xs[LP_MAX_RANK], ys[LP_MAX_RANK];
    lp_contig_strides(r, x->dims, xs);
    lp_contig_strides(r, dims, ys);
    int v = 0;
    for (int i = 0; i < r; i++) {
        if (reps[i] != 1) {
            if (v == LP_MAX_RANK) return lp_kfail(k, "too many repeated axes to tile at once");
            vd[v] = reps[i];
            vs[v] = 0;
            vo[v++] = ys[i] * x->dims[i];
        }
        if (v == LP_MAX_RANK) return lp_kfail(k, "too many repeated axes to tile at once");
        vd[v] = x->dims[i];
        vs[v] = xs[i];
        vo[v++] = ys[i];
    }
    lp_strided_copy(y, 0, vo, x, 0, vs, v, vd);
    return LP_OK;
}

/* ---- Pad ---- */

typedef enum { PAD_CONSTANT, PAD_REFLECT, PAD_EDGE, PAD_WRAP } pad_mode;

/* Source index for output position o along an axis of size n (-1: the constant). */
static int64_t pad_source(pad_mode m, int64_t o, int64_t before, int64_t n) {
    int64_t i = o - before;
    if (i >= 0 && i < n) return i;
    switch (m) {
    case PAD_EDGE:
        return i < 0 ? 0 : n - 1;
    case PAD_WRAP:
        return ((i % n) + n) % n;
    case PAD_REFLECT: {
        if (n == 1) return 0;
        int64_t period = 2 * (n - 1);
        i = ((i % period) + period) % period;
        return i < n ? i : period - i;
    }
    default:
        return -1;
    }
}

int lp_k_pad(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kbad(k, "input is missing");
    int r = x->rank;
    const char *ms = lp_attr_string(k->node, "mode", "constant");
    pad_mode mode;
    if (!strcmp(ms, "constant"))
        mode = PAD_CONSTANT;
    else if (!strcmp(ms, "reflect"))
        mode = PAD_REFLECT;
    else if (!strcmp(ms, "edge"))
        mode = PAD_EDGE;
    else if (!strcmp(ms, "wrap") && k->opset >= 19)
        mode = PAD_WRAP;
    else
        return lp_kbad(k, "mode '%s' is not constant, reflect, edge or wrap", ms);

    int64_t raw[2 * LP_MAX_RANK], axes[LP_MAX_RANK];
    int npads = 0, naxes = r;
    if (k->opset < 11) {
        const int64_t *p = lp_attr_ints(k->node, k->opset < 2 ? "paddings" : "pads", &npads);
        if (!p) return lp_kbad(k, "attribute 'pads' is missing");
        if (npads > 2 * LP_MAX_RANK) return lp_kbad(k, "too many pads");
        memcpy(raw, p, (size_t)npads * sizeof *p);
    } else {
        if (!lp_in(k, 1)) return lp_kbad(k, "pads is missing");
        int rc = lp_input_ints(k, 1, "pads", raw, 2 * LP_MAX_RANK, &npads);
        if (rc) return rc;
    }
    if (k->opset >= 18 && lp_in(k, 3)) {
        int rc = lp_input_ints(k, 3, "axes", axes, LP_MAX_RANK, &naxes);
        if (!rc) rc = lp_norm_axes(k, axes, naxes, r, "axes");
        if (rc) return rc;
    } else {
        for (int i = 0; i < r; i++) axes[i] = i;
    }
    if (npads != 2 * naxes) return lp_kbad(k, "pads has %d values, expected %d", npads, 2 * naxes);
    int64_t before[LP_MAX_RANK] = {0}, after[LP_MAX_RANK] = {0}, dims[LP_MAX_RANK];
    for (int i = 0; i < naxes; i++) {
        before[axes[i]] = raw[i];
        after[axes[i]] = raw[naxes + i];
    }
    for (int d = 0; d < r; d++) {
        int64_t s = x->dims[d] + before[d] + after[d];
        if (s < 0 || before[d] > ((int64_t)1 << 40) || after[d] > ((int64_t)1 << 40))
            return lp_kbad(k, "pads on axis %d give a negative or huge size", d);
        dims[d] = s;
        if (mode != PAD_CONSTANT && x->dims[d] == 0 && s > 0)
            return lp_kbad(k, "cannot %s-pad axis %d of size 0", ms, d);
    }

    /* the constant: input 2 (11+), attribute 'value' before; 0 / "" by default */
    uint8_t cbuf[16] = {0};
    const char *cstr = "";
    const void *cval = x->dtype == LP_STRING ? (const void *)&cstr : cbuf;
    if (mode == PAD_CONSTANT) {
        const lp_tensor *cv = k->opset >= 11 ? lp_in(k, 2) : NULL;
        if (cv) {
            if (cv->dtype != x->dtype) return lp_kbad(k, "constant_value has a different type");
            if (cv->numel != 1) return lp_kbad(k, "constant_value must be one element");
            if (x->dtype == LP_STRING)
                cstr = ((char *const *)cv->data)[0];
            else
                memcpy(cbuf, cv->data, lp_dtype_size(x->dtype));
        } else if (k->opset < 11) {
            lp_store_f64(x->dtype, cbuf, 0, lp_attr_float(k->node, "value", 0));
        }
    }

    lp_tensor *y = lp_out(k, 0, x->dtype, r, dims);
    if (!y) return LP_EFAIL;
    if (y->numel == 0) return LP_OK;
    if (r == 0) {
        lp_copy_elems(y, 0, x, 0, 1);
        return LP_OK;
    }
    /* source index maps per axis, then one row (last axis) at a time */
    int64_t total = 0;
    for (int d = 0; d < r; d++) total += dims[d];
    int64_t *map = lp_xmalloc((size_t)total * sizeof *map), *mp[LP_MAX_RANK];
    int64_t xs[LP_MAX_RANK];
    lp_contig_strides(r, x->dims, xs);
    int64_t at = 0;
    for (int d = 0; d < r; d++) {
        mp[d] = map + at;
        for (int64_t o = 0; o < dims[d]; o++) mp[d][o] = pad_source(mode, o, before[d], x->dims[d]);
        at += dims[d];
    }
    int64_t cols = dims[r - 1], rows = y->numel / cols;
    /* the part of a row copied straight from the input */
    int64_t c0 = before[r - 1] > 0 ? before[r - 1] : 0;
    int64_t c1 = cols - (after[r - 1] > 0 ? after[r - 1] : 0);
    int64_t idx[LP_MAX_RANK] = {0};
    for (int64_t row = 0; row < rows; row++) {
        int64_t ybase = row * cols, xbase = 0;
        bool constant_row = false;
        for (int d = 0; d < r - 1; d++) {
            int64_t s = mp[d][idx[d]];
            if (s < 0)
                constant_row = true;
            else
                xbase += s * xs[d];
        }
        if (constant_row) {
            lp_fill_elems(y, ybase, cval, cols);
        } else {
            const int64_t *m = mp[r - 1];
            for (int64_t c = 0; c < c0 && c < cols; c++) {
                if (m[c] < 0)
                    lp_fill_elems(y, ybase + c, cval, 1);
                else
                    lp_copy_elems(y, ybase + c, x, xbase + m[c], 1);
            }
            if (c1 > c0) lp_copy_elems(y, ybase + c0, x, xbase + m[c0], c1 - c0);
            for (int64_t c = c1 > c0 ? c1 : c0; c < cols; c++) {
                if (m[c] < 0)
                    lp_fill_elems(y, ybase + c, cval, 1);
                else
                    lp_copy_elems(y, ybase + c, x, xbase + m[c], 1);
            }
        }
        for (int d = r - 2; d >= 0; d--) {
            if (++idx[d] < dims[d]) break;
            idx[d] = 0;
        }
    }
    free(map);
    return LP_OK;
}
