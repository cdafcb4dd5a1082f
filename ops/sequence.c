/*
** sequence.c — sequences and optionals: SequenceConstruct/Empty/At/Insert/
** Erase/Length, SplitToSequence, ConcatFromSequence, SequenceMap, Optional,
** OptionalHasElement, OptionalGetElement.
**
** A sequence is an lp_rvalue of kind LP_RV_SEQUENCE with items[]; an empty
** optional is kind LP_RV_NONE with optional_none set, a present one is its
** content. Inputs may be borrowed views, so whatever goes into an output is
** a deep copy (or a value this kernel owns, moved).
*/
#include "ops/kernel.h"
#include "ops/tensorops.h"

#include <stdlib.h>
#include <string.h>

/* Input i as a sequence, or NULL after failing the node. */
static const lp_rvalue *seq_in(lp_kctx *k, int i) {
    const lp_rvalue *v = i < k->n_in ? k->in[i] : NULL;
    if (!v || v->kind != LP_RV_SEQUENCE) {
        lp_kbad(k, "input %d must be a sequence", i);
        return NULL;
    }
    return v;
}

/* Reads an optional position input (one integer) and checks it against
** [-n, hi]; *pos gets it normalised to 0..hi. Omitted gives dflt. */
static int position(lp_kctx *k, int i, int64_t n, int64_t hi, int64_t dflt, int64_t *pos) {
    const lp_tensor *p = lp_in(k, i);
    if (!p) {
        *pos = dflt;
        return LP_OK;
    }
    if (p->numel != 1 || (p->dtype != LP_INT32 && p->dtype != LP_INT64))
        return lp_kbad(k, "position must be one int32 or int64");
    int64_t v = lp_get_i64(p, 0);
    if (v < -n || v > hi)
        return lp_kbad(k, "position %lld is outside [%lld, %lld] for a sequence of %lld",
                       (long long)v, (long long)-n, (long long)hi, (long long)n);
    *pos = v < 0 ? v + n : v;
    return LP_OK;
}

/* Output i as a pooled copy of tensor src. */
static int out_copy(lp_kctx *k, int i, const lp_tensor *src) {
    lp_tensor *o = lp_out(k, i, src->dtype, src->rank, src->dims);
    if (!o) return k->err->status;
    lp_copy_values(src->dtype, o->data, src->data, src->numel);
    return LP_OK;
}

/* Output i as a deep copy of any value. */
static int out_value_copy(lp_kctx *k, int i, const lp_rvalue *src) {
    if (src->kind == LP_RV_TENSOR) return out_copy(k, i, &src->t);
    return lp_rvalue_copy(lp_out_value(k, i), src, k->err);
}

static lp_rvalue *new_seq_out(lp_kctx *k, int i, lp_dtype elem) {
    lp_rvalue *o = lp_out_value(k, i);
    o->kind = LP_RV_SEQUENCE;
    o->elem = elem;
    return o;
}

/* ---- building and reading sequences ---- */

int lp_k_sequence_construct(lp_kctx *k) {
    const lp_tensor *first = lp_in(k, 0);
    if (!first) return lp_kbad(k, "needs at least one tensor input");
    lp_rvalue *o = new_seq_out(k, 0, first->dtype);
    for (int i = 0; i < k->n_in; i++) {
        const lp_tensor *t = lp_in(k, i);
        if (!t || t->dtype != first->dtype)
            return lp_kbad(k, "input %d must be a %s tensor like input 0", i,
                           lp_dtype_name(first->dtype));
        int rc = lp_seq_append(o, k->in[i], k->err);
        if (rc) return rc;
    }
    return LP_OK;
}

int lp_k_sequence_empty(lp_kctx *k) {
    int64_t dt = lp_attr_int(k->node, "dtype", LP_FLOAT);
    if (!lp_dtype_valid((int)dt)) return lp_kfail(k, "dtype %lld is not an ONNX type", (long long)dt);
    new_seq_out(k, 0, (lp_dtype)dt);
    return LP_OK;
}

int lp_k_sequence_at(lp_kctx *k) {
    const lp_rvalue *s = seq_in(k, 0);
    if (!s) return k->err->status;
    if (!lp_in(k, 1)) return lp_kbad(k, "needs a position");
    int64_t pos;
    int rc = position(k, 1, s->n_items, (int64_t)s->n_items - 1, 0, &pos);
    if (rc) return rc;
    return out_value_copy(k, 0, &s->items[pos]);
}

int lp_k_sequence_length(lp_kctx *k) {
    const lp_rvalue *s = seq_in(k, 0);
    if (!s) return k->err->status;
    lp_tensor *o = lp_out(k, 0, LP_INT64, 0, NULL);
    if (!o) return k->err->status;
    *(int64_t *)o->data = s->n_items;
    return LP_OK;
}

int lp_k_sequence_insert(lp_kctx *k) {
    const lp_rvalue *s = seq_in(k, 0);
    if (!s) return k->err->status;
    const lp_tensor *t = lp_in(k, 1);
    if (!t) return lp_kbad(k, "input 1 must be a tensor");
    lp_dtype elem = s->elem != LP_UNDEFINED ? s->elem
                    : s->n_items && s->items[0].kind == LP_RV_TENSOR ? s->items[0].t.dtype
                                                                      : t->dtype;
    if (t->dtype != elem)
        return lp_kbad(k, "cannot insert a %s tensor into a sequence of %s",
                       lp_dtype_name(t->dtype), lp_dtype_name(elem));
    int64_t pos;
    int rc = position(k, 2, s->n_items, s->n_items, s->n_items, &pos);
    if (rc) return rc;
    lp_rvalue *o = new_seq_out(k, 0, elem);
    for (int i = 0; i <= s->n_items && rc == LP_OK; i++) {
        if (i == pos) rc = lp_seq_append(o, k->in[1], k->err);
        if (i < s->n_items && rc == LP_OK) rc = lp_seq_append(o, &s->items[i], k->err);
    }
    return rc;
}

int lp_k_sequence_erase(lp_kctx *k) {
    const lp_rvalue *s = seq_in(k, 0);
    if (!s) return k->err->status;
    if (s->n_items == 0) return lp_kbad(k, "cannot erase from an empty sequence");
    int64_t pos;
    int rc = position(k, 1, s->n_items, (int64_t)s->n_items - 1, (int64_t)s->n_items - 1, &pos);
    if (rc) return rc;
    lp_rvalue *o = new_seq_out(k, 0, s->elem);
    for (int i = 0; i < s->n_items && rc == LP_OK; i++)
        if (i != pos) rc = lp_seq_append(o, &s->items[i], k->err);
    return rc;
}

/* ---- splitting and joining ---- */

/* Copies rows [start, start+len) along axis of x into a new tensor. */
static int take_range(const lp_tensor *x, int axis, int64_t start, int64_t len, bool keep,
                      lp_rvalue *item, lp_error *err) {
    int64_t dims[LP_MAX_RANK];
    int rank = 0;
    for (int d = 0; d < x->rank; d++) {
        if (d == axis && !keep) continue;
        dims[rank++] = d == axis ? len : x->dims[d];
    }
    item->kind = LP_RV_TENSOR;
    int rc = lp_tensor_alloc(&item->t, x->dtype, rank, dims, err);
    if (rc) return rc;
    size_t es = lp_dtype_size(x->dtype);
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; d++) outer *= x->dims[d];
    for (int d = axis + 1; d < x->rank; d++) inner *= x->dims[d];
    for (int64_t o = 0; o < outer; o++)
        lp_copy_values(x->dtype, (char *)item->t.data + (size_t)(o * len * inner) * es,
                       (const char *)x->data + (size_t)((o * x->dims[axis] + start) * inner) * es,
                       len * inner);
    return LP_OK;
}

int lp_k_split_to_sequence(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0), *split = lp_in(k, 1);
    if (!x) return lp_kbad(k, "input 0 must be a tensor");
    int axis = lp_norm_axis(lp_attr_int(k->node, "axis", 0), x->rank);
    if (axis < 0 || x->rank == 0)
        return lp_kbad(k, "axis %lld is out of range for rank %d",
                       (long long)lp_attr_int(k->node, "axis", 0), x->rank);
    int64_t dim = x->dims[axis];
    bool keep = split || lp_attr_int(k->node, "keepdims", 1) != 0;
    if (split && split->dtype != LP_INT32 && split->dtype != LP_INT64)
        return lp_kbad(k, "split must be int32 or int64");
    if (split && split->rank > 1) return lp_kbad(k, "split must be a scalar or 1-D");
    int64_t n_parts, chunk = 1;
    if (split && split->rank == 1) {
        n_parts = split->numel;
        int64_t sum = 0;
        for (int64_t i = 0; i < n_parts; i++) {
            int64_t v = lp_get_i64(split, i);
            if (v < 0 || v > dim)
                return lp_kbad(k, "split[%lld] is %lld", (long long)i, (long long)v);
            sum += v;
        }
        if (sum != dim)
            return lp_kbad(k, "split sums to %lld, the axis has %lld", (long long)sum,
                           (long long)dim);
    } else {
        if (split) chunk = lp_get_i64(split, 0);
        if (chunk <= 0) return lp_kbad(k, "split must be positive, not %lld", (long long)chunk);
        n_parts = dim / chunk + (dim % chunk != 0);
    }
    if (n_parts > INT32_MAX / 2) return lp_kbad(k, "%lld parts are too many", (long long)n_parts);
    lp_rvalue *o = new_seq_out(k, 0, x->dtype);
    int64_t start = 0;
    for (int64_t i = 0; i < n_parts; i++) {
        int64_t len = split && split->rank == 1 ? lp_get_i64(split, i)
                      : start + chunk <= dim     ? chunk
                                                 : dim - start;
        lp_rvalue item = {0};
        int rc = take_range(x, axis, start, len, keep, &item, k->err);
        if (rc) return rc;
        lp_seq_insert_owned(o, -1, &item);
        start += len;
    }
    return LP_OK;
}

int lp_k_concat_from_sequence(lp_kctx *k) {
    const lp_rvalue *s = seq_in(k, 0);
    if (!s) return k->err->status;
    if (s->n_items == 0) return lp_kbad(k, "cannot concatenate an empty sequence");
    bool new_axis = lp_attr_int(k->node, "new_axis", 0) != 0;
    if (!lp_node_attr(k->node, "axis")) return lp_kfail(k, "has no axis attribute");
    const lp_tensor *t0 = &s->items[0].t;
    int out_rank = t0->rank + new_axis;
    int64_t a = lp_attr_int(k->node, "axis", 0);
    int axis = lp_norm_axis(a, out_rank);
    if (axis < 0 || out_rank > LP_MAX_RANK || out_rank == 0)
        return lp_kbad(k, "axis %lld is out of range for tensors of rank %d", (long long)a,
                       t0->rank);
    int64_t dims[LP_MAX_RANK], total = 0;
    for (int i = 0; i < s->n_items; i++) {
        const lp_rvalue *it = &s->items[i];
        bool fits = it->kind == LP_RV_TENSOR && it->t.dtype == t0->dtype && it->t.rank == t0->rank;
        for (int d = 0; fits && d < t0->rank; d++)
            fits = it->t.dims[d] == t0->dims[d] || (!new_axis && d == axis);
        if (!fits) return lp_kbad(k, "item %d does not match item 0 in type or shape", i);
        total += new_axis ? 1 : it->t.dims[axis];
    }
    for (int d = 0, e = 0; d < out_rank; d++) {
        if (d != axis || !new_axis) dims[d] = t0->dims[e++];
        if (d == axis) dims[d] = total;
    }
    lp_tensor *o = lp_out(k, 0, t0->dtype, out_rank, dims);
    if (!o) return k->err->status;
    size_t es = lp_dtype_size(o->dtype);
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; d++) outer *= dims[d];
    for (int d = axis + 1; d < out_rank; d++) inner *= dims[d];
    int64_t at = 0;
    for (int i = 0; i < s->n_items; i++) {
        const lp_tensor *t = &s->items[i].t;
        int64_t rows = new_axis ? 1 : t->dims[axis];
        for (int64_t q = 0; q < outer; q++)
            lp_copy_values(o->dtype, (char *)o->data + (size_t)((q * total + at) * inner) * es,
                           (const char *)t->data + (size_t)(q * rows * inner) * es, rows * inner);
        at += rows;
    }
    return LP_OK;
}

/* ---- SequenceMap ---- */

int lp_k_sequence_map(lp_kctx *k) {
    const lp_graph *body = lp_attr_graph(k->node, "body");
    if (!body) return lp_kfail(k, "has no body graph");
    const lp_rvalue *s0 = seq_in(k, 0);
    if (!s0) return k->err->status;
    if (body->n_inputs != k->n_in || body->n_outputs != k->n_out)
        return lp_kfail(k, "the body takes %d inputs and gives %d outputs, the node has %d and %d",
                        body->n_inputs, body->n_outputs, k->n_in, k->n_out);
    int n = s0->n_items;
    for (int j = 1; j < k->n_in; j++) {
        const lp_rvalue *v = k->in[j];
        if (!v) return lp_kbad(k, "input %d is missing", j);
        if (v->kind == LP_RV_SEQUENCE && v->n_items != n)
            return lp_kbad(k, "sequence input %d has %d items, input 0 has %d", j, v->n_items, n);
    }
    for (int i = 0; i < k->n_out; i++) {
        const lp_type *t = &body->values[body->outputs[i]].type;
        new_seq_out(k, i, t->kind == LP_KIND_TENSOR ? t->elem : LP_UNDEFINED);
    }
    lp_rvalue *views = lp_xcalloc((size_t)k->n_in + 1, sizeof *views);
    lp_rvalue **ins = lp_xcalloc((size_t)k->n_in + 1, sizeof *ins);
    lp_rvalue *outs = lp_xcalloc((size_t)k->n_out + 1, sizeof *outs);
    int rc = LP_OK;
    for (int i = 0; i < n && rc == LP_OK; i++) {
        for (int j = 0; j < k->n_in; j++) {
            const lp_rvalue *v = k->in[j];
            lp_rvalue_borrow(&views[j], v->kind == LP_RV_SEQUENCE ? &v->items[i] : v);
            ins[j] = &views[j];
        }
        rc = lp_run_subgraph(k, body, ins, k->n_in, outs);
        for (int o = 0; o < k->n_out; o++) {
            lp_rvalue *y = &outs[o];
            if (rc == LP_OK && y->kind != LP_RV_TENSOR)
                rc = lp_kbad(k, "body output %d is not a tensor", o);
            if (rc == LP_OK && lp_out_wanted(k, o)) {
                if (y->borrowed || !y->t.owned) rc = lp_seq_append(k->out[o], y, k->err);
                else lp_seq_insert_owned(k->out[o], -1, y);
            }
            lp_value_release(k, y);
        }
    }
    free(outs);
    free(ins);
    free(views);
    return rc;
}

/* ---- optionals ---- */

int lp_k_optional(lp_kctx *k) {
    if (k->n_in > 0 && k->in[0]) return out_value_copy(k, 0, k->in[0]);
    lp_rvalue *o = lp_out_value(k, 0);
    o->optional_none = true;
    const lp_attr *a = lp_node_attr(k->node, "type");
    if (a && a->tp && a->tp->kind == LP_KIND_SEQUENCE && a->tp->inner)
        o->elem = a->tp->inner->elem;
    return LP_OK;
}

int lp_k_optional_has_element(lp_kctx *k) {
    const lp_rvalue *v = k->n_in > 0 ? k->in[0] : NULL;
    lp_tensor *o = lp_out(k, 0, LP_BOOL, 0, NULL);
    if (!o) return k->err->status;
    *(uint8_t *)o->data = v && v->kind != LP_RV_NONE;
    return LP_OK;
}

int lp_k_optional_get_element(lp_kctx *k) {
    const lp_rvalue *v = k->n_in > 0 ? k->in[0] : NULL;
    if (!v || v->kind == LP_RV_NONE) return lp_kbad(k, "the optional input is empty");
    return out_value_copy(k, 0, v);
}
