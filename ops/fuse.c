/*
** fuse.c — node fusion decided at plan time (see fuse.h): finding the sole
** reader of a node's output, absorbing it into the node's step, and the
** epilogue (bias, folded BatchNormalization, residual Add, Relu/Clip) the nn
** kernels run over their output while it is still in cache.
*/
#include "ops/fuse.h"
#include "ops/nn.h"
#include "ops/session_impl.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

LP_NN_VECTORIZE

/* ---- the plan side ---- */

static lp_step *planning_step(lp_kctx *k, lp_plan **p) {
    lp_session *s = k->sess;
    if (!s || !s->planning || s->opts.no_fuse) return NULL;
    *p = s->planning;
    return &s->planning->steps[s->planning_step];
}

const lp_node *lp_fuse_next(lp_kctx *k) {
    lp_plan *p;
    lp_step *st = planning_step(k, &p);
    if (!st || st->n_out < 1 || !st->out[0]) return NULL;
    const lp_graph *g = p->g;
    int v = (int)(st->out[0] - p->frame.vals);
    const lp_value *val = &g->values[v];
    if (val->is_output || p->keep[v] || val->n_consumers != 1) return NULL;
    const lp_node *n = &g->nodes[val->consumers[0]];
    if (n->function >= 0 || p->steps[n->index].skip || n->n_outputs < 1 || n->outputs[0] < 0)
        return NULL;
    int slots = 0;
    for (int i = 0; i < n->n_inputs; i++) slots += n->inputs[i] == v;
    if (slots != 1) return NULL;
    for (int i = 1; i < n->n_outputs; i++)
        if (n->outputs[i] >= 0) return NULL; /* its other outputs would go unmade */
    for (int i = 0; i < n->n_attrs; i++)
        if (n->attrs[i].ref) return NULL; /* a function body's node, not resolved yet */
    for (int i = 0; i < g->n_nodes; i++)
        for (int j = 0; j < g->nodes[i].n_implicit; j++)
            if (g->nodes[i].implicit[j] == v) return NULL;
    return n;
}

const lp_tensor *lp_fuse_const(lp_kctx *k, const lp_node *n, int i) {
    lp_plan *p;
    if (!planning_step(k, &p) || i < 0 || i >= n->n_inputs || n->inputs[i] < 0) return NULL;
    int v = n->inputs[i];
    if (!p->konst[v] || p->frame.vals[v].kind != LP_RV_TENSOR) return NULL;
    return &p->frame.vals[v].t;
}

void lp_fuse_absorb(lp_kctx *k, const lp_node *n) {
    lp_plan *p;
    lp_step *st = planning_step(k, &p);
    if (!st) return;
    p->steps[n->index].skip = true;
    st->out[0] = &p->frame.vals[n->outputs[0]];
}

int lp_fuse_extra_input(lp_kctx *k, const lp_node *n, int i) {
    lp_plan *p;
    lp_step *st = planning_step(k, &p);
    if (!st || i < 0 || i >= n->n_inputs || n->inputs[i] < 0) return -1;
    int v = n->inputs[i];
    int producer = p->g->values[v].producer;
    if (!p->konst[v] && producer >= k->sess->planning_step) return -1; /* not made yet */
    int at = st->n_in > LP_FUSE_EXTRA ? st->n_in : LP_FUSE_EXTRA;
    lp_rvalue **in = lp_arena_array(&k->sess->arena, (size_t)at + 1, sizeof *in); /* zeroed */
    if (st->n_in) memcpy(in, st->in, (size_t)st->n_in * sizeof *in);
    in[at] = &p->frame.vals[v];
    st->in = in;
    st->n_in = at + 1;
    return at;
}

/* ---- building an epilogue ---- */

static bool is_op(const lp_node *n, const char *op) {
    return n && !*n->domain && !strcmp(n->op_type, op);
}

/* A float constant of `count` values (or a single one when `one` allows). */
static const float *const_floats(lp_kctx *k, const lp_node *n, int i, int64_t count, bool one) {
    const lp_tensor *t = lp_fuse_const(k, n, i);
    if (!t || t->dtype != LP_FLOAT) return NULL;
    if (t->numel == count || (one && t->numel == 1)) return t->data;
    return NULL;
}

static float *channel_array(int64_t n, float fill) {
    float *a = lp_xmalloc((size_t)(n > 0 ? n : 1) * sizeof *a);
    for (int64_t i = 0; i < n; i++) a[i] = fill;
    return a;
}

void lp_epilogue_init(lp_epilogue *e, const lp_tensor *bias, int64_t channels) {
    memset(e, 0, sizeof *e);
    e->channels = channels;
    e->residual = -1;
    e->lo = -INFINITY;
    e->hi = INFINITY;
    if (bias) {
        e->shift = channel_array(channels, 0);
        for (int64_t c = 0; c < channels; c++) e->shift[c] = (float)lp_get_f64(bias, c);
    }
}

bool lp_fuse_batchnorm(lp_kctx *k, lp_epilogue *e) {
    const lp_node *n = lp_fuse_next(k);
    if (!is_op(n, "BatchNormalization") || e->clamp || n->n_inputs < 5 || n->inputs[0] < 0)
        return false;
    /* inference only (lp_fuse_next made sure its other outputs are unused) */
    if (lp_attr_int(n, "training_mode", 0) || !lp_attr_int(n, "spatial", 1)) return false;
    int64_t c = e->channels;
    const float *scale = const_floats(k, n, 1, c, false), *b = const_floats(k, n, 2, c, false);
    const float *mean = const_floats(k, n, 3, c, false), *var = const_floats(k, n, 4, c, false);
    if (!scale || !b || !mean || !var) return false;
    double eps = lp_attr_float(n, "epsilon", 1e-5f);
    if (!e->scale) e->scale = channel_array(c, 1);
    if (!e->shift) e->shift = channel_array(c, 0);
    for (int64_t i = 0; i < c; i++) {
        /* the same float arithmetic as the BatchNormalization kernel */
        float s = (float)(scale[i] / sqrt((double)var[i] + eps));
        e->scale[i] *= s;
        e->shift[i] = (e->shift[i] - mean[i]) * s + b[i];
    }
    lp_fuse_absorb(k, n);
    e->n_fused++;
    return true;
}

/* A constant operand of n (the one that is not this node's output) that
** holds one value per channel of an output of `rank` dims (channels on axis
** 1), or one value: its values, with *per_channel saying which. */
static const float *channel_operand(lp_kctx *k, const lp_node *n, int64_t channels, int rank,
                                    bool *per_channel) {
    lp_plan *p;
    lp_step *st = planning_step(k, &p);
    int mine = (int)(st->out[0] - p->frame.vals);
    const lp_tensor *t = lp_fuse_const(k, n, n->inputs[0] == mine ? 1 : 0);
    if (!t || t->dtype != LP_FLOAT || t->rank > rank) return NULL;
    *per_channel = false;
    if (t->numel == 1) return t->data;
    int axis = 1 - (rank - t->rank); /* the channel axis in t's dims */
    for (int d = 0; d < t->rank; d++)
        if (t->dims[d] != 1 && !(d == axis && t->dims[d] == channels)) return NULL;
    *per_channel = true;
    return t->data;
}

int lp_fuse_channel_affine(lp_kctx *k, lp_epilogue *e, int rank) {
    int count = 0;
    for (;;) {
        const lp_node *n = lp_fuse_next(k);
        bool mul = is_op(n, "Mul"), add = is_op(n, "Add");
        if ((!mul && !add) || n->opset < 7 || n->n_inputs != 2 || e->clamp || e->residual >= 0)
            return count;
        bool per;
        const float *v = channel_operand(k, n, e->channels, rank, &per);
        if (!v) return count;
        if (!e->scale) e->scale = channel_array(e->channels, 1);
        if (!e->shift) e->shift = channel_array(e->channels, 0);
        for (int64_t c = 0; c < e->channels; c++) {
            float x = v[per ? c : 0];
            if (mul) {
                e->scale[c] *= x;
                e->shift[c] *= x;
            } else {
                e->shift[c] += x;
            }
        }
        lp_fuse_absorb(k, n);
        e->n_fused++;
        count++;
    }
}

bool lp_fuse_bias_add(lp_kctx *k, lp_epilogue *e) {
    const lp_node *n = lp_fuse_next(k);
    if (!is_op(n, "Add") || n->opset < 7 || e->clamp || n->n_inputs != 2) return false;
    lp_plan *p;
    lp_step *st = planning_step(k, &p);
    int mine = (int)(st->out[0] - p->frame.vals);
    int other = n->inputs[0] == mine ? 1 : 0;
    const lp_tensor *t = lp_fuse_const(k, n, other);
    if (!t || t->dtype != LP_FLOAT || t->rank > 2 || (t->rank == 2 && t->dims[0] != 1))
        return false;
    if (t->numel != e->channels && t->numel != 1) return false;
    const float *b = t->data;
    if (!e->shift) e->shift = channel_array(e->channels, 0);
    for (int64_t i = 0; i < e->channels; i++) e->shift[i] += b[t->numel == 1 ? 0 : i];
    lp_fuse_absorb(k, n);
    e->n_fused++;
    return true;
}

bool lp_fuse_residual(lp_kctx *k, lp_epilogue *e) {
    const lp_node *n = lp_fuse_next(k);
    bool add = is_op(n, "Add") && n->opset >= 7, sum = is_op(n, "Sum");
    if ((!add && !sum) || n->n_inputs != 2 || e->clamp || e->residual >= 0) return false;
    lp_plan *p;
    lp_step *st = planning_step(k, &p);
    int mine = (int)(st->out[0] - p->frame.vals);
    int slot = lp_fuse_extra_input(k, n, n->inputs[0] == mine ? 1 : 0);
    if (slot < 0) return false;
    e->residual = slot;
    lp_fuse_absorb(k, n);
    e->n_fused++;
    return true;
}

bool lp_fuse_activation(lp_kctx *k, lp_epilogue *e) {
    const lp_node *n = lp_fuse_next(k);
    float lo, hi;
    if (is_op(n, "Relu")) {
        lo = 0;
        hi = INFINITY;
    } else if (is_op(n, "Clip") && n->opset < 11) {
        lo = lp_attr_float(n, "min", -FLT_MAX);
        hi = lp_attr_float(n, "max", FLT_MAX);
    } else if (is_op(n, "Clip")) {
        lo = -INFINITY;
        hi = INFINITY;
        for (int i = 1; i < 3; i++) {
            if (i >= n->n_inputs || n->inputs[i] < 0) continue;
            const float *v = const_floats(k, n, i, 1, true);
            if (!v) return false;
            if (i == 1)
                lo = *v;
            else
                hi = *v;
        }
    } else {
        return false;
    }
    if (e->clamp) return false;
    e->clamp = true;
    e->lo = lo;
    e->hi = hi;
    lp_fuse_absorb(k, n);
    e->n_fused++;
    return true;
}

void lp_epilogue_free(lp_epilogue *e) {
    free(e->scale);
    free(e->shift);
    e->scale = e->shift = NULL;
}

/* ---- running it ---- */

/* Clip's rule: min(max(x, lo), hi), keeping NaN. */
static inline float clampf(float x, float lo, float hi) {
    x = x < lo ? lo : x;
    return x > hi ? hi : x;
}

void lp_epilogue_rows(const lp_epilogue *e, const float *bias, const float *res, float *y,
                      int64_t c0, int64_t nc, int64_t inner) {
    bool later = e && e->residual >= 0 && !res; /* lp_epilogue_residual finishes */
    bool clamp = e && e->clamp && !later;
    float lo = clamp ? e->lo : -INFINITY, hi = clamp ? e->hi : INFINITY;
    for (int64_t c = 0; c < nc; c++) {
        float *r = y + c * inner;
        float s = e && e->scale ? e->scale[c0 + c] : 1.0f;
        float t = e && e->shift ? e->shift[c0 + c] : bias ? bias[c0 + c] : 0.0f;
        if (res) {
            const float *q = res + c * inner;
            for (int64_t i = 0; i < inner; i++) r[i] = clampf(r[i] * s + t + q[i], lo, hi);
        } else if (clamp || s != 1.0f) {
            for (int64_t i = 0; i < inner; i++) r[i] = clampf(r[i] * s + t, lo, hi);
        } else if (t != 0.0f) {
            for (int64_t i = 0; i < inner; i++) r[i] += t;
        }
    }
}

int lp_epilogue_residual_input(lp_kctx *k, const lp_epilogue *e, const lp_tensor *Y,
                               const lp_tensor **R) {
    *R = NULL;
    if (!e || e->residual < 0) return LP_OK;
    const lp_tensor *r = lp_in(k, e->residual);
    if (!r || r->dtype != Y->dtype)
        return lp_kbad(k, "the fused residual input is missing or of another type");
    const lp_tensor *both[2] = {Y, r};
    int rank;
    int64_t dims[LP_MAX_RANK];
    int rc = lp_broadcast_shape(k, both, 2, &rank, dims);
    if (rc) return rc;
    if (rank != Y->rank || memcmp(dims, Y->dims, (size_t)rank * sizeof *dims))
        return lp_kfail(k, "the fused residual Add would broadcast the output to another shape");
    if (r->rank == Y->rank && !memcmp(r->dims, Y->dims, (size_t)r->rank * sizeof *r->dims)) *R = r;
    return LP_OK;
}

void lp_epilogue_residual(const lp_epilogue *e, lp_tensor *Y, const lp_tensor *R) {
    int64_t strides[LP_MAX_RANK], idx[LP_MAX_RANK] = {0}, off = 0;
    lp_broadcast_strides(R, Y->rank, Y->dims, strides);
    float lo = e->clamp ? e->lo : -INFINITY, hi = e->clamp ? e->hi : INFINITY;
    float *y = Y->data;
    const float *r = R->data;
    for (int64_t i = 0; i < Y->numel; i++) {
        y[i] = clampf(y[i] + r[off], lo, hi);
        for (int d = Y->rank - 1; d >= 0; d--) {
            off += strides[d];
            if (++idx[d] < Y->dims[d]) break;
            off -= strides[d] * idx[d];
            idx[d] = 0;
        }
    }
}

void lp_epilogue_cols(const lp_epilogue *e, float *y, int64_t rows, int64_t n) {
    for (int64_t r = 0; r < rows; r++) {
        float *row = y + r * n;
        if (e->scale)
            for (int64_t i = 0; i < n; i++) row[i] *= e->scale[i];
        if (e->shift)
            for (int64_t i = 0; i < n; i++) row[i] += e->shift[i];
        if (e->clamp)
            for (int64_t i = 0; i < n; i++) row[i] = clampf(row[i], e->lo, e->hi);
    }
}
