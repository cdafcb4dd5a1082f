/*
** kernel_ctx.c — the calls a kernel makes back into its session: inputs,
** pooled outputs, errors that name the node, subgraphs, scratch memory.
*/
#include "ops/session_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const lp_tensor *lp_in(lp_kctx *k, int i) {
    if (i < 0 || i >= k->n_in || !k->in[i] || k->in[i]->kind != LP_RV_TENSOR) return NULL;
    return &k->in[i]->t;
}

int lp_n_in(lp_kctx *k) {
    int n = k->n_in;
    while (n > 0 && !k->in[n - 1]) n--;
    return n;
}

bool lp_out_wanted(lp_kctx *k, int i) {
    return i >= 0 && i < k->n_out && k->out[i];
}

static int vfail(lp_kctx *k, int status, const char *fmt, va_list ap) {
    char msg[900], label[256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    lp_node_label(k->node, label, sizeof label);
    return lp_fail(k->err, status, "node '%s' (%s): %s", label, k->node->op_type, msg);
}

int lp_kfail(lp_kctx *k, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = vfail(k, LP_EFAIL, fmt, ap);
    va_end(ap);
    return rc;
}

int lp_kbad(lp_kctx *k, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = vfail(k, LP_EINPUT, fmt, ap);
    va_end(ap);
    return rc;
}

/* Where an omitted output goes. Each output index has its own, so a kernel
** may hold several omitted outputs at once without one freeing another. */
#define N_DUMMIES 32
static _Thread_local lp_rvalue dummies[N_DUMMIES];

static lp_rvalue *dummy_for(int i) {
    lp_rvalue *d = &dummies[i >= 0 && i < N_DUMMIES ? i : N_DUMMIES - 1];
    lp_rvalue_clear(d);
    return d;
}

lp_rvalue *lp_out_value(lp_kctx *k, int i) {
    if (!lp_out_wanted(k, i)) return dummy_for(i);
    lp_frame_release(k->sess, k->out[i]);
    return k->out[i];
}

/* An output tensor's type and shape over the storage it already has. */
static void set_shape(lp_tensor *t, lp_dtype dtype, int rank, const int64_t *dims, int64_t numel,
                      size_t bytes) {
    t->dtype = dtype;
    t->rank = rank;
    if (rank) memcpy(t->dims, dims, (size_t)rank * sizeof *dims);
    t->numel = numel;
    t->nbytes = bytes;
    t->name = NULL;
}

/* Output v in place in a Concat's output (see plan_concat_views in
** session.c), when the plan made it a view and the shape asked for is the
** planned one; NULL to allocate as usual. The Concat's output gets its
** buffer from the pool at the first of its producers to run. The view owns
** nothing, so releasing it gives nothing back and lp_out_take refuses it. */
static lp_tensor *out_view(lp_kctx *k, lp_rvalue *v, lp_dtype dtype, int rank, const int64_t *dims,
                           int64_t numel, size_t bytes) {
    lp_frame *f = k->frame;
    if (!f || !f->views) return NULL;
    /* a kernel may run a node over slots of its own (gradient.c) */
    uintptr_t a = (uintptr_t)v, lo = (uintptr_t)f->vals;
    if (a < lo || a >= lo + (size_t)f->n_vals * sizeof *v) return NULL;
    const lp_view *w = &f->views[v - f->vals];
    if (w->of < 0 || dtype != w->type->elem || rank != w->type->rank) return NULL;
    for (int d = 0; d < rank; d++)
        if (dims[d] != w->type->dims[d].value) return NULL;
    lp_rvalue *c = &f->vals[w->of];
    if (!(c->kind == LP_RV_TENSOR && c->t.owned && c->t.data && c->t.capacity >= w->total)) {
        lp_frame_release(k->sess, c);
        size_t cap;
        void *p = lp_pool_get(k->sess, w->total, &cap);
        if (!p) return NULL;
        int64_t whole[LP_MAX_RANK];
        for (int d = 0; d < w->whole->rank; d++) whole[d] = w->whole->dims[d].value;
        c->kind = LP_RV_TENSOR;
        c->t.data = p;
        c->t.capacity = cap;
        c->t.owned = true;
        set_shape(&c->t, w->whole->elem, w->whole->rank, whole,
                  lp_shape_numel(w->whole->rank, whole), w->total);
    }
    lp_frame_release(k->sess, v);
    v->kind = LP_RV_TENSOR;
    v->borrowed = true;
    v->t.data = (char *)c->t.data + w->at;
    v->t.capacity = bytes;
    v->t.owned = false;
    set_shape(&v->t, dtype, rank, dims, numel, bytes);
    return &v->t;
}

lp_tensor *lp_out(lp_kctx *k, int i, lp_dtype dtype, int rank, const int64_t *dims) {
    bool wanted = lp_out_wanted(k, i);
    lp_rvalue *v = wanted ? k->out[i] : dummy_for(i);
    if (rank < 0 || rank > LP_MAX_RANK) {
        lp_kfail(k, "output %d would have rank %d, beyond the %d supported", i, rank, LP_MAX_RANK);
        return NULL;
    }
    int64_t numel = lp_shape_numel(rank, dims);
    size_t bytes;
    if (numel < 0 || lp_mul_size((size_t)numel, lp_dtype_size(dtype), &bytes) ||
        bytes > ((size_t)1 << 38)) {
        char buf[256];
        lp_kbad(k, "output %d would have shape [%s], which is invalid or too large", i,
                lp_dims_str(rank, dims, buf, sizeof buf, true));
        return NULL;
    }
    if (dtype == LP_STRING || !wanted) {
        lp_rvalue_clear(v);
        v->kind = LP_RV_TENSOR;
        if (lp_tensor_alloc(&v->t, dtype, rank, dims, k->err)) return NULL;
        return &v->t;
    }
    lp_tensor *view = out_view(k, v, dtype, rank, dims, numel, bytes);
    if (view) return view;
    /* reuse the slot's own buffer when it fits, else take one from the pool */
    if (!(v->kind == LP_RV_TENSOR && v->t.owned && v->t.dtype != LP_STRING &&
          v->t.capacity >= bytes)) {
        lp_frame_release(k->sess, v);
        size_t cap;
        void *p = lp_pool_get(k->sess, bytes, &cap);
        if (!p) {
            lp_kfail(k, "out of memory for output %d (%zu bytes)", i, bytes);
            return NULL;
        }
        v->kind = LP_RV_TENSOR;
        v->t.data = p;
        v->t.capacity = cap;
        v->t.owned = true;
    }
    v->kind = LP_RV_TENSOR;
    v->optional_none = false;
    set_shape(&v->t, dtype, rank, dims, numel, bytes);
    return &v->t;
}

lp_tensor *lp_out_take(lp_kctx *k, int out, int in, lp_dtype dtype, int rank, const int64_t *dims) {
    if (in < 0 || in >= 32 || in >= k->n_in || !(k->dying >> in & 1u) || !lp_out_wanted(k, out))
        return NULL;
    lp_rvalue *src = k->in[in], *dst = k->out[out];
    /* the plan vouched for the slot; the value itself must own a plain buffer */
    if (!src || src == dst || src->kind != LP_RV_TENSOR || src->borrowed || src->optional_none ||
        !src->t.owned || !src->t.data || src->t.dtype == LP_STRING || dtype == LP_STRING)
        return NULL;
    if (rank < 0 || rank > LP_MAX_RANK) return NULL;
    int64_t numel = lp_shape_numel(rank, dims);
    size_t bytes;
    if (numel < 0 || lp_mul_size((size_t)numel, lp_dtype_size(dtype), &bytes) ||
        bytes > src->t.capacity)
        return NULL;
    lp_frame_release(k->sess, dst);
    dst->kind = LP_RV_TENSOR;
    dst->t = src->t; /* data, capacity, owned */
    set_shape(&dst->t, dtype, rank, dims, numel, bytes);
    /* the input becomes a view of the same bytes; the session forgets it after this step */
    src->t.owned = false;
    src->borrowed = true;
    return &dst->t;
}

const lp_tensor *lp_out_held(lp_kctx *k, int i) {
    if (!lp_out_wanted(k, i)) return NULL;
    const lp_rvalue *v = k->out[i];
    if (v->kind != LP_RV_TENSOR || !v->t.owned || !v->t.data || v->t.dtype == LP_STRING)
        return NULL;
    return &v->t;
}

int lp_run_subgraph(lp_kctx *k, const lp_graph *g, lp_rvalue **ins, int n_ins, lp_rvalue *outs) {
    lp_plan *p = lp_session_find_plan(k->sess, g);
    if (!p) return lp_kfail(k, "subgraph '%s' was not planned", g->name);
    return lp_plan_run(k->sess, p, k->frame, ins, n_ins, outs, k->err);
}

void lp_value_release(lp_kctx *k, lp_rvalue *v) {
    lp_frame_release(k->sess, v);
}

void *lp_scratch(lp_kctx *k, size_t bytes) {
    lp_session *s = k->sess;
    if (bytes > s->scratch_cap) {
        free(s->scratch);
        s->scratch = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
        s->scratch_cap = s->scratch ? (bytes + 63) & ~(size_t)63 : 0;
    }
    return s->scratch;
}
