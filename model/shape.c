/*
** shape.c — the shape-inference driver: walks every graph in order, hands
** each node to its rule (shape_rules.c, shape_nn.c, shape_ml.c) and to the
** folder (fold.c), and merges what they find with the types the file gave.
**
** Subgraphs are inferred when the walk reaches their node, so values they
** read from the enclosing scope are already typed; If/Loop/Scan outputs are
** then taken from the bodies. Nothing here fails: unknown stays unknown.
*/
#include "shape.h"
#include "shape_impl.h"

#include <stdlib.h>
#include <string.h>

/* ---- dims ---- */

bool lp_dim_same(lp_dim a, lp_dim b) {
    if (a.value >= 0 || b.value >= 0) return a.value == b.value;
    return a.param && b.param && !strcmp(a.param, b.param);
}

lp_dim lp_dim_mul(lp_dim a, lp_dim b) {
    int64_t r;
    if (a.value >= 0 && b.value >= 0)
        return lp_mul_i64(a.value, b.value, &r) ? lp_dim_unknown() : lp_dim_of(r);
    if (a.value == 1) return b;
    if (b.value == 1) return a;
    if (a.value == 0 || b.value == 0) return lp_dim_of(0);
    return lp_dim_unknown();
}

lp_dim lp_dim_add(lp_dim a, lp_dim b) {
    if (a.value >= 0 && b.value >= 0 && a.value <= INT64_MAX - b.value)
        return lp_dim_of(a.value + b.value);
    if (a.value == 0) return b;
    if (b.value == 0) return a;
    return lp_dim_unknown();
}

lp_dim lp_dim_prod(const lp_dim *dims, int from, int to) {
    lp_dim p = lp_dim_of(1);
    for (int i = from; i < to; i++) p = lp_dim_mul(p, dims[i]);
    return p;
}

lp_dim lp_dim_merge(lp_dim a, lp_dim b) {
    if (a.value >= 0) return a;
    if (b.value >= 0) return b;
    return a.param ? a : b;
}

lp_dim lp_dim_broadcast(lp_dim a, lp_dim b) {
    if (a.value == 1) return b;
    if (b.value == 1) return a;
    if (a.value >= 0 && b.value >= 0) return a.value == b.value ? a : lp_dim_unknown();
    if (a.value >= 0) return a; /* the other is 1 or the same */
    if (b.value >= 0) return b;
    return lp_dim_same(a, b) ? a : lp_dim_unknown();
}

void lp_shp_broadcast(const lp_shp *a, const lp_shp *b, lp_shp *out) {
    lp_shp r = {.elem = a->elem, .rank = a->rank > b->rank ? a->rank : b->rank};
    if (a->rank < 0 || b->rank < 0) r.rank = -1;
    for (int i = 0; i < r.rank; i++) {
        int ia = a->rank - r.rank + i, ib = b->rank - r.rank + i;
        lp_dim da = ia >= 0 ? a->d[ia] : lp_dim_of(1), db = ib >= 0 ? b->d[ib] : lp_dim_of(1);
        r.d[i] = lp_dim_broadcast(da, db);
    }
    *out = r;
}

bool lp_sh_axis(int64_t axis, int rank, int *out) {
    if (rank < 0 || axis < -rank || axis >= rank) return false;
    *out = (int)(axis < 0 ? axis + rank : axis);
    return true;
}

int lp_sh_attr_ints(const lp_node *n, const char *name, int64_t *out, int max) {
    int count;
    const int64_t *v = lp_attr_ints(n, name, &count);
    if (!v || count > max) return -1;
    memcpy(out, v, (size_t)count * sizeof *v);
    return count;
}

/* ---- inputs ---- */

lp_value *lp_sh_in_value(lp_infer *x, int k) {
    if (k < 0 || k >= x->n->n_inputs || x->n->inputs[k] < 0) return NULL;
    return &x->g->values[x->n->inputs[k]];
}

bool lp_sh_in_has(lp_infer *x, int k) { return lp_sh_in_value(x, k) != NULL; }

int lp_sh_n_in(lp_infer *x) {
    int n = x->n->n_inputs;
    while (n > 0 && x->n->inputs[n - 1] < 0) n--;
    return n;
}

bool lp_sh_in_shape(lp_infer *x, int k, lp_shp *s) {
    const lp_value *v = lp_sh_in_value(x, k);
    s->rank = -1;
    s->elem = lp_sh_in_elem(x, k);
    if (!v) return false;
    if (v->constant && (v->type.kind != LP_KIND_TENSOR || v->type.rank < 0)) {
        s->elem = v->constant->dtype;
        s->rank = v->constant->rank;
        for (int i = 0; i < s->rank; i++) {
            int64_t d = v->constant->dims[i];
            s->d[i] = d <= LP_DIM_LIMIT ? lp_dim_of(d) : lp_dim_unknown();
        }
        return true;
    }
    if (v->type.kind != LP_KIND_TENSOR || v->type.rank < 0 || v->type.rank > LP_MAX_RANK)
        return false;
    s->rank = v->type.rank;
    lp_dims_copy(s->d, v->type.dims, s->rank);
    return true;
}

int lp_sh_in_rank(lp_infer *x, int k) {
    lp_shp s;
    return lp_sh_in_shape(x, k, &s) ? s.rank : -1;
}

lp_dtype lp_sh_in_elem(lp_infer *x, int k) {
    const lp_value *v = lp_sh_in_value(x, k);
    if (!v) return LP_UNDEFINED;
    if (v->constant) return v->constant->dtype;
    return v->type.kind == LP_KIND_TENSOR || v->type.kind == LP_KIND_SPARSE ? v->type.elem
                                                                            : LP_UNDEFINED;
}

const lp_tensor *lp_sh_in_const(lp_infer *x, int k) {
    const lp_value *v = lp_sh_in_value(x, k);
    return v ? v->constant : NULL;
}

int lp_sh_in_ints(lp_infer *x, int k, int64_t *out, int max) {
    const lp_tensor *t = lp_sh_in_const(x, k);
    if (!t || !(lp_dtype_is_int(t->dtype) || t->dtype == LP_BOOL) || t->numel > max ||
        t->rank > 1 || !t->data)
        return -1;
    for (int64_t i = 0; i < t->numel; i++) out[i] = lp_load_i64(t->dtype, t->data, (size_t)i);
    return (int)t->numel;
}

int lp_sh_in_floats(lp_infer *x, int k, double *out, int max) {
    const lp_tensor *t = lp_sh_in_const(x, k);
    if (!t || t->dtype == LP_STRING || t->numel > max || t->rank > 1 || (t->numel && !t->data))
        return -1;
    for (int64_t i = 0; i < t->numel; i++) out[i] = lp_load_f64(t->dtype, t->data, (size_t)i);
    return (int)t->numel;
}

const lp_symvec *lp_sh_sym(lp_infer *x, int value) {
    lp_symtab *st = x->syms;
    while (st && value >= 0 && value < st->g->n_values) {
        const lp_symvec *s = &st->v[value];
        if (s->n >= 0) return s;
        value = st->g->values[value].outer;
        st = st->up;
    }
    return NULL;
}

int lp_sh_in_dims(lp_infer *x, int k, lp_dim *out, int max, int *rank) {
    const lp_tensor *t = lp_sh_in_const(x, k);
    if (t) {
        int64_t v[LP_MAX_INTS];
        int n = max > LP_MAX_INTS ? LP_MAX_INTS : max;
        n = lp_sh_in_ints(x, k, v, n);
        if (n < 0) return -1;
        for (int i = 0; i < n; i++) out[i] = lp_dim_of(v[i]);
        if (rank) *rank = t->rank;
        return n;
    }
    if (k < 0 || k >= x->n->n_inputs) return -1;
    const lp_symvec *s = lp_sh_sym(x, x->n->inputs[k]);
    if (!s || s->n > max) return -1;
    lp_dims_copy(out, s->d, s->n);
    if (rank) *rank = s->rank;
    return s->n;
}

/* ---- outputs ---- */

static lp_value *out_value(lp_infer *x, int k) {
    if (k < 0 || k >= x->n->n_outputs || x->n->outputs[k] < 0) return NULL;
    return &x->g->values[x->n->outputs[k]];
}

bool lp_sh_out_has(lp_infer *x, int k) { return out_value(x, k) != NULL; }

lp_type lp_sh_type(lp_model *m, const lp_shp *s) {
    lp_type t = {.kind = LP_KIND_TENSOR, .elem = s->elem, .rank = -1};
    if (s->rank < 0 || s->rank > LP_MAX_RANK) return t;
    t.rank = s->rank;
    t.dims = lp_arena_array(&m->arena, (size_t)s->rank, sizeof *t.dims);
    lp_dims_copy(t.dims, s->d, s->rank);
    for (int i = 0; i < s->rank; i++)
        if (t.dims[i].value > LP_DIM_LIMIT) t.dims[i] = lp_dim_unknown();
    return t;
}

/* Writes t as v's type: what the file declared wins, but its blank dims and
** element type are filled from t. */
static void merge_type(lp_model *m, lp_value *v, const lp_type *t) {
    lp_type *f = &v->type;
    if (!v->type_from_file || f->kind == LP_KIND_UNKNOWN) {
        *f = *t;
        return;
    }
    if (f->kind != t->kind) return;
    if (f->elem == LP_UNDEFINED) f->elem = t->elem;
    if (f->kind != LP_KIND_TENSOR && f->kind != LP_KIND_SPARSE) {
        if (!f->inner && t->inner) f->inner = t->inner;
        return;
    }
    if (t->rank < 0) return;
    if (f->rank < 0) {
        f->rank = t->rank;
        f->dims = t->dims;
        return;
    }
    if (f->rank != t->rank) return;
    /* only dims the file left blank: a named dim ("batch") is the file's word */
    bool better = false;
    for (int i = 0; i < f->rank; i++)
        better |= f->dims[i].value < 0 && !f->dims[i].param &&
                  (t->dims[i].value >= 0 || t->dims[i].param);
    if (!better) return;
    /* a fresh array: captured copies of this value may share the old one */
    lp_dim *d = lp_arena_array(&m->arena, (size_t)f->rank, sizeof *d);
    for (int i = 0; i < f->rank; i++)
        d[i] = f->dims[i].value < 0 && !f->dims[i].param ? t->dims[i] : f->dims[i];
    f->dims = d;
}

void lp_sh_out_type(lp_infer *x, int k, const lp_type *t) {
    lp_value *v = out_value(x, k);
    if (v) merge_type(x->m, v, t);
}

void lp_sh_out_like(lp_infer *x, int k, int in) {
    const lp_value *v = lp_sh_in_value(x, in);
    lp_shp s;
    if (v && v->type.kind != LP_KIND_TENSOR && v->type.kind != LP_KIND_UNKNOWN)
        lp_sh_out_type(x, k, &v->type);
    else if (lp_sh_in_shape(x, in, &s) || s.elem != LP_UNDEFINED)
        lp_sh_out_shape(x, k, &s);
}

void lp_sh_out_like_elem(lp_infer *x, int k, int in, lp_dtype elem) {
    lp_shp s;
    lp_sh_in_shape(x, in, &s);
    s.elem = elem;
    lp_sh_out_shape(x, k, &s);
}

void lp_sh_out_shape(lp_infer *x, int k, const lp_shp *s) {
    if (!lp_sh_out_has(x, k)) return;
    lp_type t = lp_sh_type(x->m, s);
    lp_sh_out_type(x, k, &t);
}

void lp_sh_out_elem(lp_infer *x, int k, lp_dtype elem) {
    lp_type t = {.kind = LP_KIND_TENSOR, .elem = elem, .rank = -1};
    lp_sh_out_type(x, k, &t);
}

void lp_sh_out_rank(lp_infer *x, int k, lp_dtype elem, int rank) {
    lp_shp s = {.elem = elem, .rank = rank > LP_MAX_RANK ? -1 : rank};
    for (int i = 0; i < s.rank; i++) s.d[i] = lp_dim_unknown();
    lp_sh_out_shape(x, k, &s);
}

void lp_sh_out_const(lp_infer *x, int k, lp_tensor *t) {
    lp_value *v = out_value(x, k);
    if (!v || !t || t->rank > LP_MAX_RANK) return;
    v->constant = t;
    lp_shp s = {.elem = t->dtype, .rank = t->rank};
    for (int i = 0; i < t->rank; i++) s.d[i] = lp_dim_of(t->dims[i]);
    /* the folded shape is exact: it replaces a guess, but not the file's word */
    if (!v->type_from_file) v->type = (lp_type){0};
    lp_sh_out_shape(x, k, &s);
}

void lp_sh_out_dims(lp_infer *x, int k, const lp_dim *d, int n, int rank) {
    lp_value *v = out_value(x, k);
    if (!v || n < 0 || n > LP_MAX_INTS || (rank == 0 && n != 1)) return;
    lp_symvec *s = &x->syms->v[x->n->outputs[k]];
    s->n = n;
    s->rank = rank;
    s->d = lp_arena_array(&x->m->arena, (size_t)n, sizeof *s->d);
    bool all = true;
    for (int i = 0; i < n; i++) {
        s->d[i] = d[i];
        all &= lp_sym_known(d[i]);
    }
    /* the element type the rule gave (Cast to int32 of a Shape is int32) */
    lp_dtype e =
        v->type.kind == LP_KIND_TENSOR && (lp_dtype_is_int(v->type.elem) || v->type.elem == LP_BOOL)
            ? v->type.elem
            : LP_INT64;
    if (all && !v->constant) {
        int64_t dims[1] = {n};
        lp_tensor *t = lp_fold_tensor(x, e, rank, dims);
        if (!t) return;
        for (int i = 0; i < n; i++) {
            if (e == LP_INT64)
                ((int64_t *)t->data)[i] = d[i].value;
            else
                lp_store_f64(e, t->data, (size_t)i, (double)d[i].value);
        }
        lp_sh_out_const(x, k, t);
    } else {
        lp_shp sh = {.elem = e, .rank = rank, .d = {lp_dim_of(n)}};
        lp_sh_out_shape(x, k, &sh);
    }
}

/* ---- subgraphs ---- */

typedef struct walk {
    lp_model *m;
    bool *done; /* by position in m->graphs */
    int depth;
    const lp_node *caller; /* the call whose function body is being inferred, else NULL */
} walk;

static void infer_graph(walk *w, lp_graph *g, lp_symtab *up);

static int graph_pos(const lp_model *m, const lp_graph *g) {
    for (int i = 0; i < m->n_graphs; i++)
        if (m->graphs[i] == g) return i;
    return -1;
}

/* Types a body's untyped inputs from what the node feeds it. */
static void type_input(lp_model *m, lp_graph *g, int i, const lp_type *t) {
    if (i >= g->n_inputs || !t) return;
    lp_value *v = &g->values[g->inputs[i]];
    merge_type(m, v, t);
}

static lp_type scalar_type(lp_dtype elem) {
    return (lp_type){.kind = LP_KIND_TENSOR, .elem = elem, .rank = 0};
}

/* Two possible types of one value (If branches, loop iterations): what both agree on. */
static lp_type join_types(lp_model *m, const lp_type *a, const lp_type *b) {
    if (a->kind != b->kind) return (lp_type){.rank = -1};
    lp_type t = *a;
    if (a->elem != b->elem) t.elem = LP_UNDEFINED;
    if (a->kind != LP_KIND_TENSOR) {
        if (t.inner && b->inner) {
            t.inner = lp_arena_alloc(&m->arena, sizeof *t.inner);
            *t.inner = join_types(m, a->inner, b->inner);
        }
        return t;
    }
    if (a->rank != b->rank) {
        t.rank = -1;
        t.dims = NULL;
        return t;
    }
    t.dims = lp_arena_array(&m->arena, (size_t)(a->rank > 0 ? a->rank : 0), sizeof *t.dims);
    for (int i = 0; i < a->rank; i++)
        t.dims[i] = lp_dim_same(a->dims[i], b->dims[i]) ? a->dims[i] : lp_dim_unknown();
    return t;
}

static const lp_type *out_type_of(const lp_graph *g, int i) {
    return i < g->n_outputs ? &g->values[g->outputs[i]].type : NULL;
}

static void infer_if(walk *w, lp_infer *x) {
    lp_graph *th = lp_attr_graph(x->n, "then_branch"), *el = lp_attr_graph(x->n, "else_branch");
    if (!th || !el) return;
    const lp_tensor *c = lp_sh_in_const(x, 0);
    if (c && c->numel == 1 && c->data && c->dtype != LP_STRING) {
        /* a known condition: the branch taken is the answer */
        lp_graph *b = lp_load_f64(c->dtype, c->data, 0) != 0 ? th : el;
        for (int k = 0; k < x->n->n_outputs && k < b->n_outputs; k++)
            lp_sh_out_type(x, k, out_type_of(b, k));
        return;
    }
    for (int k = 0; k < x->n->n_outputs && k < th->n_outputs && k < el->n_outputs; k++) {
        lp_type t = join_types(w->m, out_type_of(th, k), out_type_of(el, k));
        lp_sh_out_type(x, k, &t);
    }
}

/* Loop(M, cond, v...) with body(iter, cond, v...) -> (cond, v..., scan...).
** The carried inputs take carried[k] when given, else the initial values' types. */
static void loop_inputs(lp_infer *x, lp_graph *body, const lp_type *carried) {
    lp_type i64 = scalar_type(LP_INT64), b = scalar_type(LP_BOOL);
    type_input(x->m, body, 0, &i64);
    type_input(x->m, body, 1, &b);
    for (int k = 2; k < x->n->n_inputs; k++) {
        lp_value *v = lp_sh_in_value(x, k);
        if (v) type_input(x->m, body, k, carried ? &carried[k] : &v->type);
    }
}

/* True when a loop-carried value leaves the body with another type than it
** came in with: the body was typed for the first iteration only. */
static bool loop_changes(lp_infer *x, lp_graph *body) {
    for (int k = 2; k < x->n->n_inputs && k - 1 < body->n_outputs && k < body->n_inputs; k++) {
        const lp_type *in = &body->values[body->inputs[k]].type, *out = out_type_of(body, k - 1);
        if (in->kind != out->kind || in->elem != out->elem || in->rank != out->rank) return true;
        for (int i = 0; in->kind == LP_KIND_TENSOR && i < in->rank; i++)
            if (!lp_dim_same(in->dims[i], out->dims[i]) &&
                (in->dims[i].value >= 0 || in->dims[i].param))
                return true;
    }
    return false;
}

/* What the carried values' types are in every iteration: the initial ones
** joined with what the body made of them (n_inputs entries; malloc'd). */
static lp_type *loop_joined(lp_infer *x, lp_graph *body) {
    lp_type *t = lp_xcalloc((size_t)x->n->n_inputs + 1, sizeof *t);
    for (int k = 0; k < x->n->n_inputs; k++) {
        lp_value *v = lp_sh_in_value(x, k);
        t[k] = v ? v->type : (lp_type){.rank = -1};
        if (v && k >= 2 && k - 1 < body->n_outputs)
            t[k] = join_types(x->m, &v->type, out_type_of(body, k - 1));
    }
    return t;
}

static void loop_outputs(lp_infer *x, lp_graph *body) {
    int n_carried = x->n->n_inputs - 2;
    if (n_carried < 0) return;
    for (int k = 0; k < x->n->n_outputs; k++) {
        const lp_type *bt = out_type_of(body, k + 1);
        if (!bt) continue;
        if (k < n_carried) {
            lp_value *init = lp_sh_in_value(x, k + 2);
            lp_type t = init ? join_types(x->m, &init->type, bt) : *bt;
            lp_sh_out_type(x, k, &t);
        } else if (bt->kind == LP_KIND_TENSOR && bt->rank >= 0 && bt->rank < LP_MAX_RANK) {
            /* scan outputs stack one value per iteration */
            lp_shp s = {.elem = bt->elem, .rank = bt->rank + 1, .d = {lp_dim_unknown()}};
            lp_dims_copy(s.d + 1, bt->dims, bt->rank);
            int64_t trip;
            if (!lp_sh_in_has(x, 1) && lp_sh_in_ints(x, 0, &trip, 1) == 1 && trip >= 0)
                s.d[0] = lp_dim_of(trip);
            lp_sh_out_shape(x, k, &s);
        } else if (bt->kind == LP_KIND_TENSOR) {
            lp_sh_out_elem(x, k, bt->elem);
        }
    }
}

/* Scan (opset 9+): state inputs, then scan inputs sliced along their axes. */
static void scan_inputs(lp_infer *x, lp_graph *body, int n_state, int n_scan) {
    int64_t axes[LP_MAX_INTS] = {0};
    int na = lp_sh_attr_ints(x->n, "scan_input_axes", axes, LP_MAX_INTS);
    for (int k = 0; k < n_state + n_scan && k < x->n->n_inputs; k++) {
        lp_value *v = lp_sh_in_value(x, k);
        if (!v) continue;
        if (k < n_state) {
            type_input(x->m, body, k, &v->type);
            continue;
        }
        lp_shp s;
        int ax;
        if (!lp_sh_in_shape(x, k, &s) || s.rank < 1) continue;
        int64_t a = na > k - n_state ? axes[k - n_state] : 0;
        if (!lp_sh_axis(a, s.rank, &ax)) continue;
        memmove(s.d + ax, s.d + ax + 1, (size_t)(s.rank - ax - 1) * sizeof *s.d);
        s.rank--;
        lp_type t = lp_sh_type(x->m, &s);
        type_input(x->m, body, k, &t);
    }
}

static void scan_outputs(lp_infer *x, lp_graph *body, int n_state, int n_scan) {
    lp_dim len = lp_dim_unknown();
    int64_t in_axes[LP_MAX_INTS] = {0}, out_axes[LP_MAX_INTS] = {0};
    int na = lp_sh_attr_ints(x->n, "scan_input_axes", in_axes, LP_MAX_INTS);
    int no = lp_sh_attr_ints(x->n, "scan_output_axes", out_axes, LP_MAX_INTS);
    lp_shp s0;
    int ax;
    if (n_scan > 0 && lp_sh_in_shape(x, n_state, &s0) &&
        lp_sh_axis(na > 0 ? in_axes[0] : 0, s0.rank, &ax))
        len = s0.d[ax];
    for (int k = 0; k < x->n->n_outputs; k++) {
        const lp_type *bt = out_type_of(body, k);
        if (!bt) continue;
        if (k < n_state) {
            lp_sh_out_type(x, k, bt);
            continue;
        }
        if (bt->kind != LP_KIND_TENSOR || bt->rank < 0 || bt->rank >= LP_MAX_RANK) {
            if (bt->kind == LP_KIND_TENSOR) lp_sh_out_elem(x, k, bt->elem);
            continue;
        }
        lp_shp s = {.elem = bt->elem, .rank = bt->rank + 1};
        int64_t a = no > k - n_state ? out_axes[k - n_state] : 0;
        if (!lp_sh_axis(a, s.rank, &ax)) continue;
        for (int i = 0, j = 0; i < s.rank; i++) s.d[i] = i == ax ? len : bt->dims[j++];
        lp_sh_out_shape(x, k, &s);
    }
}

/* Scan in opset 8: inputs (sequence_lens, states..., scans...) all carry a
** batch dim first, and scan inputs a sequence dim after it. */
static void drop_dims(lp_infer *x, int k, int n, lp_graph *body, int i) {
    lp_shp s;
    if (!lp_sh_in_shape(x, k, &s) || s.rank < n) return;
    memmove(s.d, s.d + n, (size_t)(s.rank - n) * sizeof *s.d);
    s.rank -= n;
    lp_type t = lp_sh_type(x->m, &s);
    type_input(x->m, body, i, &t);
}

static void scan8_inputs(lp_infer *x, lp_graph *body, int n_state, int n_scan) {
    for (int i = 0; i < n_state + n_scan; i++) drop_dims(x, i + 1, i < n_state ? 1 : 2, body, i);
}

static void scan8_outputs(lp_infer *x, lp_graph *body, int n_state, int n_scan) {
    lp_shp s0;
    lp_dim batch = lp_dim_unknown(), len = lp_dim_unknown();
    if (n_scan > 0 && lp_sh_in_shape(x, 1 + n_state, &s0) && s0.rank >= 2)
        batch = s0.d[0], len = s0.d[1];
    for (int k = 0; k < x->n->n_outputs; k++) {
        const lp_type *bt = out_type_of(body, k);
        int add = k < n_state ? 1 : 2;
        if (!bt || bt->kind != LP_KIND_TENSOR) continue;
        if (bt->rank < 0 || bt->rank + add > LP_MAX_RANK) {
            lp_sh_out_elem(x, k, bt->elem);
            continue;
        }
        lp_shp s = {.elem = bt->elem, .rank = bt->rank + add, .d = {batch, len}};
        lp_dims_copy(s.d + add, bt->dims, bt->rank);
        lp_sh_out_shape(x, k, &s);
    }
}

/* What g and the graphs under it knew before inference (types and
** contents of every value), so a body can be inferred again from scratch
** with other input types. merge_type() never writes into a dims array, so
** a shallow copy of each lp_type is enough. */
typedef struct snapshot {
    lp_type *types;
    lp_tensor **consts;
} snapshot;

static bool is_under(const lp_graph *h, const lp_graph *g) {
    for (const lp_graph *p = h; p; p = p->parent)
        if (p == g) return true;
    return false;
}

static void take_snapshot(walk *w, lp_graph *g, snapshot *s) {
    size_t n = 0;
    for (int i = 0; i < w->m->n_graphs; i++)
        if (is_under(w->m->graphs[i], g)) n += (size_t)w->m->graphs[i]->n_values;
    s->types = lp_xcalloc(n + 1, sizeof *s->types);
    s->consts = lp_xcalloc(n + 1, sizeof *s->consts);
    size_t at = 0;
    for (int i = 0; i < w->m->n_graphs; i++) {
        lp_graph *h = w->m->graphs[i];
        if (!is_under(h, g)) continue;
        for (int v = 0; v < h->n_values; v++, at++) {
            s->types[at] = h->values[v].type;
            s->consts[at] = h->values[v].constant;
        }
    }
}

/* Puts g and the graphs under it back as they were, to be inferred again. */
static void restore_snapshot(walk *w, lp_graph *g, const snapshot *s) {
    size_t at = 0;
    for (int i = 0; i < w->m->n_graphs; i++) {
        lp_graph *h = w->m->graphs[i];
        if (!is_under(h, g)) continue;
        w->done[i] = false;
        for (int v = 0; v < h->n_values; v++, at++) {
            h->values[v].type = s->types[at];
            h->values[v].constant = s->consts[at];
        }
    }
}

static void free_snapshot(snapshot *s) {
    free(s->types);
    free(s->consts);
}

/* Infers the node's subgraphs, feeding them what it knows, and its outputs
** from theirs. Returns true when the node is a control-flow op handled here. */
static bool infer_control(walk *w, lp_infer *x, lp_symtab *st) {
    lp_node *n = x->n;
    bool is_loop = !strcmp(n->op_type, "Loop"), is_scan = !strcmp(n->op_type, "Scan");
    bool scan8 = is_scan && x->opset < 9;
    int64_t n_scan64 = lp_attr_int(n, "num_scan_inputs", 0);
    int n_scan = n_scan64 >= 0 && n_scan64 <= n->n_inputs ? (int)n_scan64 : -1;
    int n_state = n->n_inputs - n_scan - (scan8 ? 1 : 0);
    if (*n->domain) is_loop = is_scan = false;
    if (is_scan && (n_scan < 0 || n_state < 0)) is_scan = false;
    for (int a = 0; a < n->n_attrs; a++) {
        lp_attr *at = &n->attrs[a];
        int ng = at->g ? 1 : (at->type == LP_ATTR_GRAPHS ? at->n : 0);
        for (int j = 0; j < ng; j++) {
            lp_graph *sg = at->g ? at->g : at->graphs[j];
            snapshot before = {0};
            if (is_loop) take_snapshot(w, sg, &before);
            if (is_loop) loop_inputs(x, sg, NULL);
            if (is_scan && !scan8) scan_inputs(x, sg, n_state, n_scan);
            if (is_scan && scan8) scan8_inputs(x, sg, n_state, n_scan);
            infer_graph(w, sg, st);
            if (is_loop && loop_changes(x, sg)) {
                lp_type *joined = loop_joined(x, sg);
                restore_snapshot(w, sg, &before);
                loop_inputs(x, sg, joined);
                free(joined);
                infer_graph(w, sg, st);
            }
            free_snapshot(&before);
        }
    }
    if (*n->domain) return false;
    if (!strcmp(n->op_type, "If"))
        infer_if(w, x);
    else if (is_loop && lp_attr_graph(n, "body"))
        loop_outputs(x, lp_attr_graph(n, "body"));
    else if (is_scan && !scan8 && lp_attr_graph(n, "body"))
        scan_outputs(x, lp_attr_graph(n, "body"), n_state, n_scan);
    else if (is_scan && lp_attr_graph(n, "body"))
        scan8_outputs(x, lp_attr_graph(n, "body"), n_state, n_scan);
    else
        return false;
    return true;
}

/* ---- the walk ---- */

#define MAX_DEPTH 64

/* A function body's node with its attribute references (ref_attr_name)
** resolved against the caller: a copy whose attrs array is malloc'd. False
** when there is no caller to resolve them (a body seen on its own). */
static bool resolve_refs(const lp_node *n, const lp_node *caller, lp_node *r, lp_attr **owned) {
    *r = *n;
    *owned = NULL;
    bool any = false;
    for (int i = 0; i < n->n_attrs; i++) any |= n->attrs[i].ref != NULL;
    if (!any) return true;
    if (!caller) return false;
    lp_attr *a = lp_xcalloc((size_t)n->n_attrs + 1, sizeof *a);
    int k = 0;
    for (int i = 0; i < n->n_attrs; i++) {
        const lp_attr *src = &n->attrs[i];
        if (!src->ref) {
            a[k++] = *src;
            continue;
        }
        const lp_attr *given = lp_node_attr(caller, src->ref);
        if (!given) continue; /* not given at the call: the operator's default */
        a[k] = *given;
        a[k++].name = src->name;
    }
    r->attrs = a;
    r->n_attrs = k;
    *owned = a;
    return true;
}

/* A call of a model-local function: the body is typed with the caller's
** inputs and attributes, read, then put back as it was for other calls. */
static void infer_call(walk *w, lp_infer *x) {
    if (x->n->function < 0 || x->n->function >= w->m->n_functions || w->depth > MAX_DEPTH) return;
    lp_graph *body = w->m->functions[x->n->function].body;
    snapshot before;
    take_snapshot(w, body, &before);
    for (int k = 0; k < body->n_inputs && k < x->n->n_inputs; k++) {
        lp_value *v = lp_sh_in_value(x, k);
        if (!v) continue;
        type_input(w->m, body, k, &v->type);
        body->values[body->inputs[k]].constant = v->constant;
    }
    const lp_node *saved = w->caller;
    int pos = graph_pos(w->m, body);
    if (pos >= 0) w->done[pos] = false;
    w->caller = x->n;
    infer_graph(w, body, NULL);
    w->caller = saved;
    for (int k = 0; k < x->n->n_outputs && k < body->n_outputs; k++) {
        const lp_value *bv = &body->values[body->outputs[k]];
        lp_sh_out_type(x, k, &bv->type);
        if (bv->constant) lp_sh_out_const(x, k, bv->constant);
    }
    restore_snapshot(w, body, &before);
    free_snapshot(&before);
}

static void infer_graph(walk *w, lp_graph *g, lp_symtab *up) {
    int pos = graph_pos(w->m, g);
    if (pos < 0 || w->done[pos] || w->depth > MAX_DEPTH) return;
    w->done[pos] = true;
    w->depth++;
    lp_symtab st = {.g = g, .up = up};
    st.v = lp_xcalloc((size_t)g->n_values + 1, sizeof *st.v);
    for (int i = 0; i < g->n_values; i++) st.v[i].n = -1;
    /* values read from the enclosing scope: their types are known now */
    if (g->parent)
        for (int i = 0; i < g->n_values; i++) {
            lp_value *v = &g->values[i];
            if (v->outer < 0 || v->outer >= g->parent->n_values) continue;
            const lp_value *o = &g->parent->values[v->outer];
            if (!v->type_from_file) v->type = o->type;
            if (!v->constant) v->constant = o->constant;
        }
    for (int i = 0; i < g->n_nodes; i++) {
        /* inside a called function, attributes may refer to the call's */
        lp_attr *owned;
        lp_node n;
        if (!resolve_refs(&g->nodes[i], w->caller, &n, &owned)) continue;
        lp_infer x = {.m = w->m, .g = g, .n = &n, .opset = n.opset, .syms = &st};
        if (n.function >= 0)
            infer_call(w, &x);
        else if (!infer_control(w, &x, &st)) {
            lp_shape_rule(&x);
            lp_fold_node(&x);
        }
        free(owned);
    }
    free(st.v);
    w->depth--;
}

int lp_model_infer_shapes(lp_model *m) {
    if (!m || !m->graph) return 0;
    walk w = {.m = m, .done = lp_xcalloc((size_t)m->n_graphs + 1, sizeof(bool))};
    infer_graph(&w, m->graph, NULL);
    /* function bodies, and anything the walk did not reach */
    for (int i = 0; i < m->n_graphs; i++)
        if (!w.done[i]) infer_graph(&w, m->graphs[i], NULL);
    free(w.done);
    int known = 0;
    for (int i = 0; i < m->n_graphs; i++)
        for (int v = 0; v < m->graphs[i]->n_values; v++)
            known += lp_type_has_shape(&m->graphs[i]->values[v].type);
    return known;
}
