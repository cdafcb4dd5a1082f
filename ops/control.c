/*
** control.c — If, Loop and Scan: the operators that run subgraphs.
**
** A subgraph's inputs are passed as borrowed views and its outputs come back
** owned (lp_run_subgraph), so a loop-carried value moves from one
** iteration's outputs to the next one's inputs without a copy, and a scan
** input sliced along axis 0 is a view into the input itself. Scan outputs
** are copied into place as each iteration ends.
*/
#include "ops/kernel.h"
#include "ops/tensorops.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ACC_BYTES ((size_t)1 << 38) /* the same ceiling lp_out applies */

/* Moves src into node output i: owned storage moves, borrowed storage is
** copied. src is left empty either way. */
static int put_out(lp_kctx *k, int i, lp_rvalue *src) {
    int rc = LP_OK;
    if (lp_out_wanted(k, i)) {
        lp_rvalue *o = lp_out_value(k, i);
        if (src->borrowed || (src->kind == LP_RV_TENSOR && !src->t.owned)) {
            rc = lp_rvalue_copy(o, src, k->err);
        } else {
            *o = *src;
            memset(src, 0, sizeof *src);
        }
    }
    lp_value_release(k, src);
    return rc;
}

/* A boolean scalar (a condition) as C bool. */
static int read_flag(lp_kctx *k, const lp_rvalue *v, const char *what, bool *out) {
    if (!v || v->kind != LP_RV_TENSOR || v->t.numel != 1 || v->t.dtype == LP_STRING)
        return lp_kbad(k, "%s must be a tensor of one boolean", what);
    *out = lp_get_f64(&v->t, 0) != 0;
    return LP_OK;
}

/* A scalar tensor over a C variable, to pass to a subgraph. */
static lp_rvalue scalar_view(lp_dtype dtype, void *data) {
    lp_rvalue v = {.kind = LP_RV_TENSOR, .borrowed = true};
    v.t.dtype = dtype;
    v.t.numel = 1;
    v.t.nbytes = lp_dtype_size(dtype);
    v.t.data = data;
    return v;
}

/* The shape a subgraph output declares, unknown dims as 0: what an empty
** scan output (zero iterations) has besides its length-0 axis. */
static void declared_shape(const lp_graph *g, int out, lp_dtype *dtype, int *rank, int64_t *dims) {
    const lp_type *t = &g->values[g->outputs[out]].type;
    *dtype = t->kind == LP_KIND_TENSOR && t->elem != LP_UNDEFINED ? t->elem : LP_FLOAT;
    *rank = t->kind == LP_KIND_TENSOR && t->rank > 0 && t->rank < LP_MAX_RANK ? t->rank : 0;
    for (int d = 0; d < *rank; d++) dims[d] = t->dims[d].value > 0 ? t->dims[d].value : 0;
}

static bool same_shape(const lp_tensor *a, const lp_tensor *b) {
    return a->dtype == b->dtype && a->rank == b->rank &&
           !memcmp(a->dims, b->dims, (size_t)a->rank * sizeof *a->dims);
}

/* ---- If ---- */

int lp_k_if(lp_kctx *k) {
    bool c;
    int rc = read_flag(k, k->n_in ? k->in[0] : NULL, "the condition", &c);
    if (rc) return rc;
    const char *which = c ? "then_branch" : "else_branch";
    const lp_graph *g = lp_attr_graph(k->node, which);
    if (!g) return lp_kfail(k, "has no %s graph", which);
    if (g->n_outputs != k->n_out)
        return lp_kfail(k, "%s gives %d outputs, the node has %d", which, g->n_outputs, k->n_out);
    lp_rvalue *outs = lp_xcalloc((size_t)g->n_outputs + 1, sizeof *outs);
    rc = lp_run_subgraph(k, g, NULL, 0, outs);
    for (int i = 0; i < g->n_outputs; i++) {
        if (rc == LP_OK) rc = put_out(k, i, &outs[i]);
        else lp_value_release(k, &outs[i]);
    }
    free(outs);
    return rc;
}

/* ---- Loop ---- */

/* A Loop scan output growing by one tensor per iteration. */
typedef struct scan_acc {
    lp_tensor first; /* dtype and shape of the first element (no data) */
    char *data;
    size_t len, cap;
    int64_t count;
} scan_acc;

static int acc_push(lp_kctx *k, scan_acc *a, const lp_rvalue *v, int which) {
    if (v->kind != LP_RV_TENSOR)
        return lp_kbad(k, "scan output %d of the body is not a tensor", which);
    const lp_tensor *t = &v->t;
    if (a->count == 0) {
        if (t->rank + 1 > LP_MAX_RANK)
            return lp_kfail(k, "scan output %d would have rank %d, beyond the %d supported", which,
                            t->rank + 1, LP_MAX_RANK);
        a->first = *t;
        a->first.data = NULL;
        a->first.owned = false;
    } else if (!same_shape(&a->first, t)) {
        char s1[200], s2[200];
        return lp_kbad(k, "scan output %d changes from %s[%s] to %s[%s] between iterations",
                       which, lp_dtype_name(a->first.dtype),
                       lp_dims_str(a->first.rank, a->first.dims, s1, sizeof s1, true),
                       lp_dtype_name(t->dtype), lp_dims_str(t->rank, t->dims, s2, sizeof s2, true));
    }
    size_t need;
    if (lp_add_size(a->len, t->nbytes, &need) || need > MAX_ACC_BYTES)
        return lp_kbad(k, "scan output %d grows beyond %zu bytes", which, MAX_ACC_BYTES);
    if (need > a->cap) {
        size_t cap = a->cap ? a->cap : 256;
        while (cap < need) cap *= 2;
        char *p = realloc(a->data, cap);
        if (!p) return lp_kfail(k, "out of memory for scan output %d (%zu bytes)", which, cap);
        a->data = p;
        a->cap = cap;
    }
    if (t->dtype == LP_STRING) {
        char **d = (char **)(void *)(a->data + a->len);
        char *const *s = t->data;
        for (int64_t i = 0; i < t->numel; i++) d[i] = lp_xstrdup(s[i] ? s[i] : "");
    } else if (t->nbytes) {
        memcpy(a->data + a->len, t->data, t->nbytes);
    }
    a->len = need;
    a->count++;
    return LP_OK;
}

static void acc_free(scan_acc *a) {
    if (a->first.dtype == LP_STRING) {
        char **s = (char **)(void *)a->data;
        for (size_t i = 0; i < a->len / sizeof(char *); i++) free(s[i]);
    }
    free(a->data);
    memset(a, 0, sizeof *a);
}

/* Stacks the accumulated tensors along a new axis 0 into node output i. */
static int acc_emit(lp_kctx *k, int i, scan_acc *a, const lp_graph *body, int body_out) {
    int64_t dims[LP_MAX_RANK];
    int rank;
    lp_dtype dtype;
    if (a->count == 0) {
        declared_shape(body, body_out, &dtype, &rank, dims + 1);
    } else {
        dtype = a->first.dtype;
        rank = a->first.rank;
        memcpy(dims + 1, a->first.dims, (size_t)rank * sizeof *dims);
    }
    dims[0] = a->count;
    lp_tensor *o = lp_out(k, i, dtype, rank + 1, dims);
    if (!o) return k->err->status;
    if (dtype == LP_STRING) {
        /* the strings move from the accumulator */
        char **d = o->data;
        for (int64_t e = 0; e < o->numel; e++) free(d[e]);
        if (o->numel) memcpy(d, a->data, (size_t)o->numel * sizeof *d);
        a->len = 0;
    } else if (o->nbytes) {
        memcpy(o->data, a->data, o->nbytes);
    }
    return LP_OK;
}

int lp_k_loop(lp_kctx *k) {
    const lp_graph *body = lp_attr_graph(k->node, "body");
    if (!body) return lp_kfail(k, "has no body graph");
    int n_carried = k->n_in > 2 ? k->n_in - 2 : 0;
    int n_scan = body->n_outputs - 1 - n_carried;
    if (body->n_inputs != 2 + n_carried || n_scan < 0 || k->n_out > n_carried + n_scan)
        return lp_kfail(k, "the body takes %d inputs and gives %d outputs, which does not fit %d "
                        "loop-carried values and %d outputs",
                        body->n_inputs, body->n_outputs, n_carried, k->n_out);

    const lp_tensor *m = lp_in(k, 0);
    int64_t max_trip = INT64_MAX;
    if (m) {
        if (m->numel != 1 || !lp_dtype_is_int(m->dtype))
            return lp_kbad(k, "the trip count M must be one integer");
        max_trip = lp_get_i64(m, 0);
    }
    bool has_cond = k->n_in > 1 && k->in[1];
    bool cond = true;
    if (has_cond) {
        int rc = read_flag(k, k->in[1], "the condition input", &cond);
        if (rc) return rc;
    }
    if (!m && !has_cond)
        return lp_kbad(k, "has neither a trip count nor a condition, so it would never end");

    lp_rvalue *cur = lp_xcalloc((size_t)n_carried + 1, sizeof *cur);
    lp_rvalue *outs = lp_xcalloc((size_t)body->n_outputs + 1, sizeof *outs);
    lp_rvalue **ins = lp_xcalloc((size_t)n_carried + 3, sizeof *ins);
    scan_acc *acc = lp_xcalloc((size_t)n_scan + 1, sizeof *acc);
    int64_t iter = 0;
    uint8_t cond_in = 1;
    lp_rvalue iter_v = scalar_view(LP_INT64, &iter), cond_v = scalar_view(LP_BOOL, &cond_in);
    ins[0] = &iter_v;
    ins[1] = &cond_v;
    for (int j = 0; j < n_carried; j++) {
        if (k->in[2 + j]) lp_rvalue_borrow(&cur[j], k->in[2 + j]);
        else cur[j].optional_none = true;
        ins[2 + j] = &cur[j];
    }

    int rc = LP_OK;
    for (; iter < max_trip && cond && rc == LP_OK; iter++) {
        cond_in = cond;
        rc = lp_run_subgraph(k, body, ins, 2 + n_carried, outs);
        if (rc == LP_OK && has_cond) rc = read_flag(k, &outs[0], "the body's condition", &cond);
        for (int j = 0; j < n_carried && rc == LP_OK; j++) {
            lp_value_release(k, &cur[j]);
            cur[j] = outs[1 + j];
            memset(&outs[1 + j], 0, sizeof outs[1 + j]);
        }
        for (int s = 0; s < n_scan && rc == LP_OK; s++)
            if (lp_out_wanted(k, n_carried + s))
                rc = acc_push(k, &acc[s], &outs[1 + n_carried + s], s);
        for (int i = 0; i < body->n_outputs; i++) lp_value_release(k, &outs[i]);
    }
    for (int j = 0; j < n_carried; j++) {
        if (rc == LP_OK) rc = put_out(k, j, &cur[j]);
        else lp_value_release(k, &cur[j]);
    }
    for (int s = 0; s < n_scan; s++) {
        if (rc == LP_OK && lp_out_wanted(k, n_carried + s))
            rc = acc_emit(k, n_carried + s, &acc[s], body, 1 + n_carried + s);
        acc_free(&acc[s]);
    }
    free(acc);
    free(ins);
    free(outs);
    free(cur);
    return rc;
}

/* ---- Scan ---- */

/* One scan over len steps, shared by opset 8 (once per batch entry) and 9+. */
typedef struct scan_job {
    const lp_graph *body;
    int n_state, n_in, n_out;
    lp_rvalue *state;          /* in: initial values (views); out: final values (owned) */
    const lp_tensor **xs;      /* scan inputs */
    const int *in_axis, *in_dir;
    int64_t len;
    const int64_t *out_axis;   /* as given (may be negative), or NULL for all 0 */
    const int *out_dir;
    /* Where scan output s goes: a tensor of its final shape, made on the
    ** first step (*out NULL: not wanted). Returns a status. */
    int (*make_out)(struct scan_job *job, int s, lp_dtype dtype, int rank, const int64_t *dims,
                    lp_tensor **out);
    lp_kctx *k;
    void *user;
} scan_job;

/* Copies slice idx along axis of x (rank >= 1) into dst. */
static void take_slice(const lp_tensor *x, int axis, int64_t idx, void *dst) {
    size_t es = lp_dtype_size(x->dtype);
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; d++) outer *= x->dims[d];
    for (int d = axis + 1; d < x->rank; d++) inner *= x->dims[d];
    size_t row = (size_t)inner * es;
    const char *src = (const char *)x->data + (size_t)idx * row;
    for (int64_t o = 0; o < outer; o++)
        memcpy((char *)dst + (size_t)o * row, src + (size_t)(o * x->dims[axis]) * row, row);
}

/* Writes y (one step's output) into slot pos along axis of out. */
static void put_slice(lp_tensor *out, int axis, int64_t pos, const lp_tensor *y) {
    size_t es = lp_dtype_size(y->dtype);
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; d++) outer *= y->dims[d];
    for (int d = axis; d < y->rank; d++) inner *= y->dims[d];
    int64_t len = out->dims[axis];
    for (int64_t o = 0; o < outer; o++)
        lp_copy_values(y->dtype, (char *)out->data + (size_t)((o * len + pos) * inner) * es,
                       (const char *)y->data + (size_t)(o * inner) * es, inner);
}

static int scan_output_axis(scan_job *job, int s, int rank) {
    int64_t a = job->out_axis ? job->out_axis[s] : 0;
    return lp_norm_axis(a, rank);
}

static int scan_run(scan_job *job) {
    lp_kctx *k = job->k;
    int n_ins = job->n_state + job->n_in;
    lp_rvalue *slices = lp_xcalloc((size_t)job->n_in + 1, sizeof *slices);
    void **bufs = lp_xcalloc((size_t)job->n_in + 1, sizeof *bufs);
    lp_rvalue **ins = lp_xcalloc((size_t)n_ins + 1, sizeof *ins);
    lp_rvalue *outs = lp_xcalloc((size_t)job->body->n_outputs + 1, sizeof *outs);
    lp_tensor **ys = lp_xcalloc((size_t)job->n_out + 1, sizeof *ys);
    for (int j = 0; j < job->n_state; j++) ins[j] = &job->state[j];
    int rc = LP_OK;
    for (int j = 0; j < job->n_in && rc == LP_OK; j++) {
        const lp_tensor *x = job->xs[j];
        lp_rvalue *sl = &slices[j];
        sl->kind = LP_RV_TENSOR;
        sl->borrowed = true;
        sl->t.dtype = x->dtype;
        sl->t.rank = x->rank - 1;
        for (int d = 0, e = 0; d < x->rank; d++)
            if (d != job->in_axis[j]) sl->t.dims[e++] = x->dims[d];
        sl->t.numel = lp_shape_numel(sl->t.rank, sl->t.dims);
        sl->t.nbytes = (size_t)sl->t.numel * lp_dtype_size(x->dtype);
        if (job->in_axis[j] != 0) {
            bufs[j] = malloc(sl->t.nbytes ? sl->t.nbytes : 1);
            if (!bufs[j]) rc = lp_kfail(k, "out of memory slicing scan input %d", j);
            sl->t.data = bufs[j];
        }
        ins[job->n_state + j] = sl;
    }
    for (int64_t step = 0; step < job->len && rc == LP_OK; step++) {
        for (int j = 0; j < job->n_in; j++) {
            const lp_tensor *x = job->xs[j];
            int64_t idx = job->in_dir[j] ? job->len - 1 - step : step;
            if (bufs[j]) take_slice(x, job->in_axis[j], idx, bufs[j]);
            else slices[j].t.data = (char *)x->data + (size_t)idx * slices[j].t.nbytes;
        }
        rc = lp_run_subgraph(k, job->body, ins, n_ins, outs);
        for (int j = 0; j < job->n_state && rc == LP_OK; j++) {
            if (outs[j].kind != LP_RV_TENSOR) {
                rc = lp_kbad(k, "state output %d of the body is not a tensor", j);
                break;
            }
            lp_value_release(k, &job->state[j]);
            job->state[j] = outs[j];
            memset(&outs[j], 0, sizeof outs[j]);
        }
        for (int s = 0; s < job->n_out && rc == LP_OK; s++) {
            const lp_rvalue *y = &outs[job->n_state + s];
            if (y->kind != LP_RV_TENSOR) {
                rc = lp_kbad(k, "scan output %d of the body is not a tensor", s);
                break;
            }
            int axis = scan_output_axis(job, s, y->t.rank + 1);
            if (axis < 0 || y->t.rank + 1 > LP_MAX_RANK) {
                rc = lp_kbad(k, "scan_output_axes[%d] does not fit scan output %d of rank %d", s,
                             s, y->t.rank + 1);
                break;
            }
            if (step == 0) {
                int64_t dims[LP_MAX_RANK];
                for (int d = 0, e = 0; d <= y->t.rank; d++)
                    dims[d] = d == axis ? job->len : y->t.dims[e++];
                rc = job->make_out(job, s, y->t.dtype, y->t.rank + 1, dims, &ys[s]);
                if (rc) break;
            }
            if (!ys[s]) continue;
            /* every step must give the shape the first one did */
            bool fits = ys[s]->dtype == y->t.dtype && ys[s]->rank == y->t.rank + 1;
            for (int d = 0, e = 0; fits && d < ys[s]->rank; d++)
                if (d != axis) fits = ys[s]->dims[d] == y->t.dims[e++];
            if (!fits) {
                rc = lp_kbad(k, "scan output %d changes shape between iterations", s);
                break;
            }
            int64_t pos = job->out_dir && job->out_dir[s] ? job->len - 1 - step : step;
            put_slice(ys[s], axis, pos, &y->t);
        }
        for (int i = 0; i < job->body->n_outputs; i++) lp_value_release(k, &outs[i]);
    }
    if (rc == LP_OK && job->len == 0) {
        /* no step ran: the scan outputs are empty, shaped as the body declares */
        for (int s = 0; s < job->n_out && rc == LP_OK; s++) {
            int64_t elem[LP_MAX_RANK], dims[LP_MAX_RANK];
            int rank;
            lp_dtype dtype;
            declared_shape(job->body, job->n_state + s, &dtype, &rank, elem);
            int axis = scan_output_axis(job, s, rank + 1);
            if (axis < 0) axis = 0;
            for (int d = 0, e = 0; d <= rank; d++) dims[d] = d == axis ? 0 : elem[e++];
            lp_tensor *unused;
            rc = job->make_out(job, s, dtype, rank + 1, dims, &unused);
        }
    }
    for (int j = 0; j < job->n_in; j++) free(bufs[j]);
    free(bufs);
    free(slices);
    free(ins);
    free(outs);
    free(ys);
    return rc;
}

static int out_to_node(scan_job *job, int s, lp_dtype dtype, int rank, const int64_t *dims,
                       lp_tensor **out) {
    int i = job->n_state + s;
    *out = NULL;
    if (!lp_out_wanted(job->k, i)) return LP_OK;
    *out = lp_out(job->k, i, dtype, rank, dims);
    return *out ? LP_OK : job->k->err->status;
}

/* The attribute list `name` with n entries, each checked by the caller;
** NULL when absent. */
static int ints_attr(lp_kctx *k, const char *name, int n, const int64_t **out) {
    int count = 0;
    *out = lp_attr_ints(k->node, name, &count);
    if (*out && count != n)
        return lp_kbad(k, "%s has %d entries for %d values", name, count, n);
    return LP_OK;
}

static int scan_check_body(lp_kctx *k, const lp_graph *body, int n_state, int n_in, int *n_out) {
    *n_out = body->n_outputs - n_state;
    if (body->n_inputs != n_state + n_in || *n_out < 0)
        return lp_kfail(k, "the body takes %d inputs and gives %d outputs, which does not fit %d "
                        "state values and %d scan inputs",
                        body->n_inputs, body->n_outputs, n_state, n_in);
    if (k->n_out > body->n_outputs)
        return lp_kfail(k, "has %d outputs, the body gives %d", k->n_out, body->n_outputs);
    return LP_OK;
}

static int scan9(lp_kctx *k, const lp_graph *body, int n_scan_in) {
    int n_state = k->n_in - n_scan_in, n_out;
    int rc = scan_check_body(k, body, n_state, n_scan_in, &n_out);
    if (rc) return rc;
    const int64_t *in_axes, *in_dirs, *out_axes, *out_dirs;
    if ((rc = ints_attr(k, "scan_input_axes", n_scan_in, &in_axes)) ||
        (rc = ints_attr(k, "scan_input_directions", n_scan_in, &in_dirs)) ||
        (rc = ints_attr(k, "scan_output_axes", n_out, &out_axes)) ||
        (rc = ints_attr(k, "scan_output_directions", n_out, &out_dirs)))
        return rc;
    const lp_tensor **xs = lp_xcalloc((size_t)n_scan_in + 1, sizeof *xs);
    int *axis = lp_xcalloc((size_t)n_scan_in + 1, sizeof *axis);
    int *dir = lp_xcalloc((size_t)n_scan_in + 1, sizeof *dir);
    int *odir = lp_xcalloc((size_t)n_out + 1, sizeof *odir);
    lp_rvalue *state = lp_xcalloc((size_t)n_state + 1, sizeof *state);
    int64_t len = -1;
    for (int j = 0; j < n_scan_in && rc == LP_OK; j++) {
        xs[j] = lp_in(k, n_state + j);
        if (!xs[j] || xs[j]->rank < 1) {
            rc = lp_kbad(k, "scan input %d must be a tensor of rank 1 or more", j);
            break;
        }
        axis[j] = lp_norm_axis(in_axes ? in_axes[j] : 0, xs[j]->rank);
        dir[j] = in_dirs ? in_dirs[j] != 0 : 0;
        if (axis[j] < 0) {
            rc = lp_kbad(k, "scan_input_axes[%d] is out of range for rank %d", j, xs[j]->rank);
        } else if (len >= 0 && xs[j]->dims[axis[j]] != len) {
            rc = lp_kbad(k, "scan input %d has %lld steps, scan input 0 has %lld", j,
                         (long long)xs[j]->dims[axis[j]], (long long)len);
        }
        len = rc ? len : xs[j]->dims[axis[j]];
    }
    for (int s = 0; s < n_out; s++) odir[s] = out_dirs ? out_dirs[s] != 0 : 0;
    for (int j = 0; j < n_state && rc == LP_OK; j++) {
        if (!lp_in(k, j)) rc = lp_kbad(k, "initial state %d must be a tensor", j);
        else lp_rvalue_borrow(&state[j], k->in[j]);
    }
    if (rc == LP_OK) {
        scan_job job = {.body = body, .n_state = n_state, .n_in = n_scan_in, .n_out = n_out,
                        .state = state, .xs = xs, .in_axis = axis, .in_dir = dir,
                        .len = len < 0 ? 0 : len, .out_axis = out_axes, .out_dir = odir,
                        .make_out = out_to_node, .k = k};
        rc = scan_run(&job);
    }
    for (int j = 0; j < n_state; j++) {
        if (rc == LP_OK) rc = put_out(k, j, &state[j]);
        else lp_value_release(k, &state[j]);
    }
    free(state);
    free(odir);
    free(dir);
    free(axis);
    free(xs);
    return rc;
}

/* Opset 8: axis 0 of every input is a batch; each batch entry is scanned
** on its own along axis 1, for sequence_lens[b] steps, and scan outputs are
** zero-padded to the longest. */
static int out_to_temp(scan_job *job, int s, lp_dtype dtype, int rank, const int64_t *dims,
                       lp_tensor **out) {
    lp_tensor *t = &((lp_tensor *)job->user)[s];
    lp_tensor_release(t);
    *out = t;
    return lp_tensor_alloc(t, dtype, rank, dims, job->k->err);
}

/* Makes node output i as [batch, elem...] once, else checks elem fits;
** *out is NULL when the output is not wanted. */
static int batched_out(lp_kctx *k, int i, int64_t batch, int64_t pad, const lp_tensor *elem,
                       lp_tensor **made, lp_tensor **out) {
    *out = NULL;
    if (!lp_out_wanted(k, i)) return LP_OK;
    int skip = pad >= 0 ? 1 : 0; /* a scan output's elem has its own length axis */
    if (!*made) {
        int64_t dims[LP_MAX_RANK];
        if (elem->rank + 1 > LP_MAX_RANK)
            return lp_kfail(k, "output %d would have rank %d", i, elem->rank + 1);
        dims[0] = batch;
        memcpy(dims + 1, elem->dims, (size_t)elem->rank * sizeof *dims);
        if (skip) dims[1] = pad;
        *made = lp_out(k, i, elem->dtype, elem->rank + 1, dims);
        if (!*made) return k->err->status;
        if (elem->dtype != LP_STRING) memset((*made)->data, 0, (*made)->nbytes);
    }
    bool fits = (*made)->dtype == elem->dtype && (*made)->rank == elem->rank + 1;
    for (int d = skip; fits && d < elem->rank; d++) fits = (*made)->dims[d + 1] == elem->dims[d];
    if (!fits) return lp_kbad(k, "output %d has different shapes for different batch entries", i);
    *out = *made;
    return LP_OK;
}

static int scan8(lp_kctx *k, const lp_graph *body, int n_scan_in) {
    int n_state = k->n_in - 1 - n_scan_in, n_out;
    if (n_state < 0) return lp_kfail(k, "num_scan_inputs is larger than the inputs given");
    int rc = scan_check_body(k, body, n_state, n_scan_in, &n_out);
    if (rc) return rc;
    const int64_t *dirs;
    if ((rc = ints_attr(k, "directions", n_scan_in, &dirs))) return rc;
    int n_all = n_state + n_scan_in;
    const lp_tensor **all = lp_xcalloc((size_t)n_all + 1, sizeof *all);
    int64_t batch = -1, max_len = -1;
    for (int j = 0; j < n_all && rc == LP_OK; j++) {
        all[j] = lp_in(k, 1 + j);
        int need = j < n_state ? 1 : 2;
        if (!all[j] || all[j]->rank < need) {
            rc = lp_kbad(k, "input %d must be a tensor of rank %d or more", 1 + j, need);
        } else if (batch >= 0 && all[j]->dims[0] != batch) {
            rc = lp_kbad(k, "input %d has batch size %lld, input 1 has %lld", 1 + j,
                         (long long)all[j]->dims[0], (long long)batch);
        } else if (j >= n_state && max_len >= 0 && all[j]->dims[1] != max_len) {
            rc = lp_kbad(k, "scan inputs have different sequence lengths");
        } else {
            batch = all[j]->dims[0];
            if (j >= n_state) max_len = all[j]->dims[1];
        }
    }
    const lp_tensor *lens = lp_in(k, 0);
    if (rc == LP_OK && lens && lens->numel != batch)
        rc = lp_kbad(k, "sequence_lens has %lld entries for a batch of %lld",
                     (long long)lens->numel, (long long)batch);
    int *axis = lp_xcalloc((size_t)n_scan_in + 1, sizeof *axis);
    int *dir = lp_xcalloc((size_t)n_scan_in + 1, sizeof *dir);
    for (int j = 0; j < n_scan_in; j++) dir[j] = dirs ? dirs[j] != 0 : 0;
    lp_rvalue *state = lp_xcalloc((size_t)n_state + 1, sizeof *state);
    lp_tensor *views = lp_xcalloc((size_t)n_all + 1, sizeof *views);
    const lp_tensor **xs = lp_xcalloc((size_t)n_scan_in + 1, sizeof *xs);
    lp_tensor *temps = lp_xcalloc((size_t)n_out + 1, sizeof *temps);
    lp_tensor **made = lp_xcalloc((size_t)k->n_out + 1, sizeof *made);
    for (int64_t b = 0; b < batch && rc == LP_OK; b++) {
        /* entry b of every input, as a view without the batch axis */
        for (int j = 0; j < n_all; j++) {
            const lp_tensor *x = all[j];
            lp_tensor *v = &views[j];
            *v = *x;
            v->owned = false;
            v->rank = x->rank - 1;
            memmove(v->dims, x->dims + 1, (size_t)v->rank * sizeof *v->dims);
            v->numel = x->dims[0] ? x->numel / x->dims[0] : 0;
            v->nbytes = (size_t)v->numel * lp_dtype_size(x->dtype);
            v->data = (char *)x->data + (size_t)b * v->nbytes;
        }
        for (int j = 0; j < n_state; j++) {
            state[j] = (lp_rvalue){.kind = LP_RV_TENSOR, .t = views[j], .borrowed = true};
        }
        for (int j = 0; j < n_scan_in; j++) xs[j] = &views[n_state + j];
        int64_t len = lens ? lp_get_i64(lens, b) : max_len;
        if (len < 0 || len > max_len) {
            rc = lp_kbad(k, "sequence_lens[%lld] is %lld, outside 0..%lld", (long long)b,
                         (long long)len, (long long)max_len);
            break;
        }
        scan_job job = {.body = body, .n_state = n_state, .n_in = n_scan_in, .n_out = n_out,
                        .state = state, .xs = xs, .in_axis = axis, .in_dir = dir, .len = len,
                        .make_out = out_to_temp, .k = k, .user = temps};
        rc = scan_run(&job);
        for (int j = 0; j < n_state && rc == LP_OK; j++) {
            lp_tensor *o;
            rc = batched_out(k, j, batch, -1, &state[j].t, &made[j], &o);
            if (o)
                lp_copy_values(o->dtype, (char *)o->data + (size_t)b * state[j].t.nbytes,
                               state[j].t.data, state[j].t.numel);
        }
        for (int s = 0; s < n_out && rc == LP_OK; s++) {
            int i = n_state + s;
            lp_tensor *o;
            rc = batched_out(k, i, batch, max_len, &temps[s], &made[i], &o);
            if (o) {
                int64_t per = o->dims[0] ? o->numel / o->dims[0] : 0;
                lp_copy_values(o->dtype,
                               (char *)o->data + (size_t)(b * per) * lp_dtype_size(o->dtype),
                               temps[s].data, temps[s].numel);
            }
        }
        for (int j = 0; j < n_state; j++) lp_value_release(k, &state[j]);
    }
    if (rc == LP_OK && batch == 0) {
        /* no entries: outputs of shape [0, ...] */
        for (int i = 0; i < k->n_out && rc == LP_OK; i++) {
            if (!lp_out_wanted(k, i)) continue;
            int64_t dims[LP_MAX_RANK];
            int rank;
            lp_dtype dtype;
            declared_shape(body, i, &dtype, &rank, dims + 1 + (i >= n_state));
            dims[0] = 0;
            if (i >= n_state) dims[1] = max_len < 0 ? 0 : max_len;
            if (!lp_out(k, i, dtype, rank + 1 + (i >= n_state), dims)) rc = k->err->status;
        }
    }
    for (int s = 0; s < n_out; s++) lp_tensor_release(&temps[s]);
    free(made);
    free(temps);
    free(xs);
    free(views);
    free(state);
    free(dir);
    free(axis);
    free(all);
    return rc;
}

int lp_k_scan(lp_kctx *k) {
    const lp_graph *body = lp_attr_graph(k->node, "body");
    if (!body) return lp_kfail(k, "has no body graph");
    int64_t m = lp_attr_int(k->node, "num_scan_inputs", -1);
    int avail = k->opset < 9 ? k->n_in - 1 : k->n_in;
    if (m < 1 || m > avail)
        return lp_kfail(k, "num_scan_inputs is %lld, with %d inputs", (long long)m, avail);
    return k->opset < 9 ? scan8(k, body, (int)m) : scan9(k, body, (int)m);
}
