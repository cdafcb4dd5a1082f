/*
** shape_rules.c — shape rules for the ai.onnx tensor operators: element-wise
** math with broadcasting, casts, shape manipulation (Reshape, Transpose,
** Concat, Split, Slice, Gather, ...), reductions, generators, sequences and
** optionals. Neural-network operators are in shape_nn.c, ai.onnx.ml and
** contrib operators in shape_ml.c; lp_shape_rule() dispatches to all three.
*/
#include "shape_impl.h"

#include <math.h>
#include <string.h>

typedef void (*rule_fn)(lp_infer *x);

static lp_dim sym_dim(lp_dim s) { return lp_dim_from_sym(s); }

/* ---- element-wise ---- */

static void rule_same(lp_infer *x) { lp_sh_out_like(x, 0, 0); }

static void rule_to_bool(lp_infer *x) { lp_sh_out_like_elem(x, 0, 0, LP_BOOL); }

/* n-ary numpy broadcasting; elem from input `from`, or `elem` when set. */
static void broadcast(lp_infer *x, int from, lp_dtype elem) {
    lp_shp acc = {.rank = 0}, s;
    bool any = false;
    for (int k = 0; k < x->n->n_inputs; k++) {
        if (!lp_sh_in_has(x, k)) continue;
        lp_sh_in_shape(x, k, &s);
        lp_shp_broadcast(any ? &acc : &s, &s, &acc);
        any = true;
    }
    acc.elem = elem != LP_UNDEFINED ? elem : lp_sh_in_elem(x, from);
    if (!any) acc.rank = -1;
    /* before opset 7, `broadcast` made the output take the first input's shape */
    if (x->opset < 7 && !*x->n->domain && x->n->n_inputs == 2) {
        lp_sh_in_shape(x, 0, &s);
        s.elem = acc.elem;
        acc = s;
    }
    lp_sh_out_shape(x, 0, &acc);
}

static void rule_broadcast(lp_infer *x) { broadcast(x, 0, LP_UNDEFINED); }
static void rule_compare(lp_infer *x) { broadcast(x, 0, LP_BOOL); }
static void rule_where(lp_infer *x) { broadcast(x, 1, LP_UNDEFINED); }

static void rule_cast(lp_infer *x) {
    int64_t to = lp_attr_int(x->n, "to", 0);
    /* opset 1-5 named the type in a string */
    const char *name = lp_attr_string(x->n, "to", NULL);
    lp_dtype e = name                      ? lp_dtype_from_name(name)
                 : lp_dtype_valid((int)to) ? (lp_dtype)to
                                           : LP_UNDEFINED;
    if (name && e == LP_UNDEFINED) {
        static const struct {
            const char *n;
            lp_dtype t;
        } old[] = {{"FLOAT", LP_FLOAT},     {"UINT8", LP_UINT8},   {"INT8", LP_INT8},
                   {"UINT16", LP_UINT16},   {"INT16", LP_INT16},   {"INT32", LP_INT32},
                   {"INT64", LP_INT64},     {"STRING", LP_STRING}, {"BOOL", LP_BOOL},
                   {"FLOAT16", LP_FLOAT16}, {"DOUBLE", LP_DOUBLE}, {"UINT32", LP_UINT32},
                   {"UINT64", LP_UINT64}};
        for (size_t i = 0; i < LP_COUNT(old); i++)
            if (!strcmp(name, old[i].n)) e = old[i].t;
    }
    lp_sh_out_like_elem(x, 0, 0, e);
}

static void rule_cast_like(lp_infer *x) { lp_sh_out_like_elem(x, 0, 0, lp_sh_in_elem(x, 1)); }

static void rule_dropout(lp_infer *x) {
    lp_sh_out_like(x, 0, 0);
    lp_sh_out_like_elem(x, 1, 0, LP_BOOL);
}

static void rule_dtype_attr(lp_infer *x) {
    /* EyeLike, RandomNormalLike, Bernoulli: `dtype` or the input's type */
    int64_t dt = lp_attr_int(x->n, "dtype", 0);
    lp_sh_out_like_elem(x, 0, 0,
                        dt && lp_dtype_valid((int)dt) ? (lp_dtype)dt : lp_sh_in_elem(x, 0));
}

static void rule_random(lp_infer *x) {
    int64_t dims[LP_MAX_RANK];
    int64_t dt = lp_attr_int(x->n, "dtype", LP_FLOAT);
    lp_shp s = {.elem = lp_dtype_valid((int)dt) ? (lp_dtype)dt : LP_UNDEFINED};
    s.rank = lp_sh_attr_ints(x->n, "shape", dims, LP_MAX_RANK);
    for (int i = 0; i < s.rank; i++) s.d[i] = dims[i] >= 0 ? lp_dim_of(dims[i]) : lp_dim_unknown();
    lp_sh_out_shape(x, 0, &s);
}

static void rule_multinomial(lp_infer *x) {
    lp_shp in;
    int64_t dt = lp_attr_int(x->n, "dtype", LP_INT32);
    lp_shp s = {.elem = lp_dtype_valid((int)dt) ? (lp_dtype)dt : LP_UNDEFINED, .rank = 2};
    s.d[0] = lp_sh_in_shape(x, 0, &in) && in.rank == 2 ? in.d[0] : lp_dim_unknown();
    int64_t n = lp_attr_int(x->n, "sample_size", 1);
    s.d[1] = n >= 0 ? lp_dim_of(n) : lp_dim_unknown();
    lp_sh_out_shape(x, 0, &s);
}

/* ---- generators ---- */

static void rule_constant(lp_infer *x) {
    /* the folder attaches the value; this covers what it could not hold */
    const lp_node *n = x->n;
    for (int i = 0; i < n->n_attrs; i++) {
        const lp_attr *a = &n->attrs[i];
        lp_shp s = {.rank = 1};
        if ((!strcmp(a->name, "value") || !strcmp(a->name, "sparse_value")) && a->t) {
            s.elem = a->t->dtype;
            s.rank = a->t->rank;
            for (int k = 0; k < s.rank; k++) s.d[k] = lp_dim_of(a->t->dims[k]);
        } else if (!strcmp(a->name, "value_float") || !strcmp(a->name, "value_int") ||
                   !strcmp(a->name, "value_string")) {
            s.rank = 0;
            s.elem = a->name[6] == 'f' ? LP_FLOAT : a->name[6] == 'i' ? LP_INT64 : LP_STRING;
        } else if (!strcmp(a->name, "value_floats") || !strcmp(a->name, "value_ints") ||
                   !strcmp(a->name, "value_strings")) {
            s.elem = a->name[6] == 'f' ? LP_FLOAT : a->name[6] == 'i' ? LP_INT64 : LP_STRING;
            s.d[0] = lp_dim_of(a->n);
        } else {
            continue;
        }
        lp_sh_out_shape(x, 0, &s);
        return;
    }
}

static void rule_constant_of_shape(lp_infer *x) {
    const lp_tensor *v = lp_attr_tensor(x->n, "value");
    lp_shp s = {.elem = v ? v->dtype : LP_FLOAT, .rank = -1};
    lp_dim d[LP_MAX_RANK];
    int n = lp_sh_in_dims(x, 0, d, LP_MAX_RANK, NULL);
    lp_shp in;
    if (n >= 0) {
        s.rank = n;
        for (int i = 0; i < n; i++) s.d[i] = sym_dim(d[i]);
    } else if (lp_sh_in_shape(x, 0, &in) && in.rank == 1 && in.d[0].value >= 0 &&
               in.d[0].value <= LP_MAX_RANK) {
        s.rank = (int)in.d[0].value;
        for (int i = 0; i < s.rank; i++) s.d[i] = lp_dim_unknown();
    }
    lp_sh_out_shape(x, 0, &s);
}

static void rule_range(lp_infer *x) {
    double a, b, d;
    lp_shp s = {.elem = lp_sh_in_elem(x, 0), .rank = 1, .d = {lp_dim_unknown()}};
    if (lp_sh_in_floats(x, 0, &a, 1) == 1 && lp_sh_in_floats(x, 1, &b, 1) == 1 &&
        lp_sh_in_floats(x, 2, &d, 1) == 1 && d != 0) {
        double n = ceil((b - a) / d);
        if (n <= 0)
            s.d[0] = lp_dim_of(0);
        else if (n < 9e15)
            s.d[0] = lp_dim_of((int64_t)n);
    }
    lp_sh_out_shape(x, 0, &s);
}

static void rule_shape(lp_infer *x) {
    /* the folder fills the contents (and the exact length) */
    lp_shp s = {.elem = LP_INT64, .rank = 1, .d = {lp_dim_unknown()}};
    lp_sh_out_shape(x, 0, &s);
}

static void rule_size(lp_infer *x) {
    lp_shp s = {.elem = LP_INT64, .rank = 0};
    lp_sh_out_shape(x, 0, &s);
}

static void rule_window(lp_infer *x) {
    int64_t n, dt = lp_attr_int(x->n, "output_datatype", LP_FLOAT);
    lp_shp s = {.elem = lp_dtype_valid((int)dt) ? (lp_dtype)dt : LP_FLOAT,
                .rank = 1,
                .d = {lp_dim_unknown()}};
    if (lp_sh_in_ints(x, 0, &n, 1) == 1 && n >= 0) s.d[0] = lp_dim_of(n);
    lp_sh_out_shape(x, 0, &s);
}

static void rule_mel(lp_infer *x) {
    int64_t bins, dft, dt = lp_attr_int(x->n, "output_datatype", LP_FLOAT);
    lp_shp s = {.elem = lp_dtype_valid((int)dt) ? (lp_dtype)dt : LP_FLOAT,
                .rank = 2,
                .d = {lp_dim_unknown(), lp_dim_unknown()}};
    if (lp_sh_in_ints(x, 1, &dft, 1) == 1 && dft >= 0) s.d[0] = lp_dim_of(dft / 2 + 1);
    if (lp_sh_in_ints(x, 0, &bins, 1) == 1 && bins >= 0) s.d[1] = lp_dim_of(bins);
    lp_sh_out_shape(x, 0, &s);
}

/* ---- reshaping ---- */

/* The -1 of a Reshape: what is left of the input once the other output
** dims are divided out, matching symbolic names pairwise. */
static lp_dim reshape_rest(const lp_shp *in, const lp_shp *out, int neg) {
    bool used[LP_MAX_RANK] = {0};
    int64_t kin = 1, kout = 1;
    for (int j = 0; j < out->rank; j++) {
        if (j == neg) continue;
        lp_dim d = out->d[j];
        if (d.value >= 0) {
            if (lp_mul_i64(kout, d.value, &kout)) return lp_dim_unknown();
            continue;
        }
        int found = -1;
        for (int i = 0; i < in->rank && found < 0; i++)
            if (!used[i] && in->d[i].value < 0 && lp_dim_same(in->d[i], d)) found = i;
        if (found < 0) return lp_dim_unknown();
        used[found] = true;
    }
    lp_dim left = lp_dim_unknown();
    int n_left = 0;
    for (int i = 0; i < in->rank; i++) {
        if (used[i]) continue;
        if (in->d[i].value >= 0) {
            if (lp_mul_i64(kin, in->d[i].value, &kin)) return lp_dim_unknown();
        } else {
            left = in->d[i];
            n_left++;
        }
    }
    if (kout == 0 || kin % kout) return lp_dim_unknown();
    if (n_left == 0) return lp_dim_of(kin / kout);
    if (n_left == 1 && kin == kout) return left;
    return lp_dim_unknown();
}

static void rule_reshape(lp_infer *x) {
    lp_shp in, o = {.elem = lp_sh_in_elem(x, 0), .rank = -1};
    bool hin = lp_sh_in_shape(x, 0, &in);
    lp_dim t[LP_MAX_RANK];
    int n;
    if (x->opset < 5) {
        int64_t v[LP_MAX_RANK];
        n = lp_sh_attr_ints(x->n, "shape", v, LP_MAX_RANK);
        for (int i = 0; i < n; i++) t[i] = lp_dim_of(v[i]);
    } else {
        n = lp_sh_in_dims(x, 1, t, LP_MAX_RANK, NULL);
    }
    if (n < 0) {
        lp_shp s;
        if (lp_sh_in_shape(x, 1, &s) && s.rank == 1 && s.d[0].value >= 0 &&
            s.d[0].value <= LP_MAX_RANK)
            lp_sh_out_rank(x, 0, o.elem, (int)s.d[0].value);
        else
            lp_sh_out_elem(x, 0, o.elem);
        return;
    }
    bool allowzero = x->opset >= 14 && lp_attr_int(x->n, "allowzero", 0);
    int neg = -1;
    o.rank = n;
    for (int i = 0; i < n; i++) {
        lp_dim v = t[i];
        o.d[i] = lp_dim_unknown();
        if (!lp_sym_known(v))
            o.d[i] = sym_dim(v);
        else if (v.value == 0 && !allowzero)
            o.d[i] = hin && i < in.rank ? in.d[i] : lp_dim_unknown();
        else if (v.value == -1 && neg < 0)
            neg = i;
        else if (v.value >= 0)
            o.d[i] = v;
    }
    if (neg >= 0 && hin) o.d[neg] = reshape_rest(&in, &o, neg);
    lp_sh_out_shape(x, 0, &o);
}

static void rule_flatten(lp_infer *x) {
    lp_shp in,
        o = {.elem = lp_sh_in_elem(x, 0), .rank = 2, .d = {lp_dim_unknown(), lp_dim_unknown()}};
    if (lp_sh_in_shape(x, 0, &in)) {
        int64_t a = lp_attr_int(x->n, "axis", 1);
        if (a < 0) a += in.rank;
        if (a >= 0 && a <= in.rank) {
            o.d[0] = lp_dim_prod(in.d, 0, (int)a);
            o.d[1] = lp_dim_prod(in.d, (int)a, in.rank);
        }
    }
    lp_sh_out_shape(x, 0, &o);
}

/* Axes from the `axes` attribute (before `since`) or input 1; -1 unknown, -2 absent. */
static int read_axes(lp_infer *x, int since, int input, int64_t *axes) {
    if (x->opset < since) {
        if (!lp_node_attr(x->n, "axes")) return -2;
        return lp_sh_attr_ints(x->n, "axes", axes, LP_MAX_INTS);
    }
    if (!lp_sh_in_has(x, input)) return -2;
    return lp_sh_in_ints(x, input, axes, LP_MAX_INTS);
}

/* The length of a non-constant axes input, when its shape says it; else -1. */
static int axes_len(lp_infer *x, int k) {
    lp_shp s;
    if (!lp_sh_in_shape(x, k, &s) || s.rank != 1 || s.d[0].value < 0 || s.d[0].value > LP_MAX_RANK)
        return -1;
    return (int)s.d[0].value;
}

static void rule_squeeze(lp_infer *x) {
    lp_shp in, o = {.elem = lp_sh_in_elem(x, 0), .rank = 0};
    int64_t axes[LP_MAX_INTS];
    int na = read_axes(x, 13, 1, axes);
    bool hin = lp_sh_in_shape(x, 0, &in);
    if (hin && na == -1 && axes_len(x, 1) >= 0 && axes_len(x, 1) <= in.rank) {
        lp_sh_out_rank(x, 0, o.elem, in.rank - axes_len(x, 1));
        return;
    }
    if (!hin || na == -1) {
        lp_sh_out_elem(x, 0, o.elem);
        return;
    }
    bool drop[LP_MAX_RANK] = {0};
    for (int i = 0; i < na; i++) {
        int a;
        if (!lp_sh_axis(axes[i], in.rank, &a) || in.d[a].value > 1) {
            lp_sh_out_elem(x, 0, o.elem);
            return;
        }
        drop[a] = true;
    }
    if (na == -2)
        for (int i = 0; i < in.rank; i++) drop[i] = in.d[i].value == 1;
    for (int i = 0; i < in.rank; i++)
        if (!drop[i]) o.d[o.rank++] = in.d[i];
    lp_sh_out_shape(x, 0, &o);
}

static void rule_unsqueeze(lp_infer *x) {
    lp_shp in, o = {.elem = lp_sh_in_elem(x, 0)};
    int64_t axes[LP_MAX_INTS];
    int na = read_axes(x, 13, 1, axes);
    bool hin = lp_sh_in_shape(x, 0, &in);
    if (hin && na == -1 && axes_len(x, 1) >= 0) {
        lp_sh_out_rank(x, 0, o.elem, in.rank + axes_len(x, 1));
        return;
    }
    if (!hin || na < 0 || in.rank + na > LP_MAX_RANK) {
        lp_sh_out_elem(x, 0, o.elem);
        return;
    }
    o.rank = in.rank + na;
    bool ins[LP_MAX_RANK] = {0};
    for (int i = 0; i < na; i++) {
        int a;
        if (!lp_sh_axis(axes[i], o.rank, &a) || ins[a]) {
            lp_sh_out_elem(x, 0, o.elem);
            return;
        }
        ins[a] = true;
    }
    for (int i = 0, j = 0; i < o.rank; i++) o.d[i] = ins[i] ? lp_dim_of(1) : in.d[j++];
    lp_sh_out_shape(x, 0, &o);
}

static void rule_transpose(lp_infer *x) {
    lp_shp in, o;
    if (!lp_sh_in_shape(x, 0, &in)) {
        int64_t perm[LP_MAX_RANK];
        int np = lp_sh_attr_ints(x->n, "perm", perm, LP_MAX_RANK);
        if (np >= 0)
            lp_sh_out_rank(x, 0, in.elem, np);
        else
            lp_sh_out_elem(x, 0, in.elem);
        return;
    }
    o = in;
    int64_t perm[LP_MAX_RANK];
    int np = lp_sh_attr_ints(x->n, "perm", perm, LP_MAX_RANK);
    if (np < 0)
        for (int i = 0; i < in.rank; i++) perm[i] = in.rank - 1 - i;
    else if (np != in.rank) {
        lp_sh_out_elem(x, 0, in.elem);
        return;
    }
    bool seen[LP_MAX_RANK] = {0};
    for (int i = 0; i < in.rank; i++) {
        if (perm[i] < 0 || perm[i] >= in.rank || seen[perm[i]]) {
            lp_sh_out_elem(x, 0, in.elem);
            return;
        }
        seen[perm[i]] = true;
        o.d[i] = in.d[perm[i]];
    }
    lp_sh_out_shape(x, 0, &o);
}

static void rule_concat(lp_infer *x) {
    lp_shp o = {.elem = LP_UNDEFINED, .rank = -1}, s;
    int axis = -1;
    bool all = true;
    for (int k = 0; k < x->n->n_inputs; k++) {
        if (!lp_sh_in_has(x, k)) continue;
        if (o.elem == LP_UNDEFINED) o.elem = lp_sh_in_elem(x, k);
        if (!lp_sh_in_shape(x, k, &s)) {
            all = false;
            continue;
        }
        if (o.rank < 0) {
            if (!lp_sh_axis(lp_attr_int(x->n, "axis", x->opset < 4 ? 1 : 0), s.rank, &axis)) break;
            o.rank = s.rank;
            memcpy(o.d, s.d, sizeof o.d);
            continue;
        }
        if (s.rank != o.rank) {
            o.rank = -1;
            break;
        }
        for (int i = 0; i < o.rank; i++)
            o.d[i] = i == axis ? lp_dim_add(o.d[i], s.d[i]) : lp_dim_merge(o.d[i], s.d[i]);
    }
    if (!all && o.rank >= 0 && axis >= 0) o.d[axis] = lp_dim_unknown();
    lp_sh_out_shape(x, 0, &o);
}

static void rule_split(lp_infer *x) {
    lp_shp in;
    int n_out = x->n->n_outputs;
    if (!lp_sh_in_shape(x, 0, &in)) {
        for (int k = 0; k < n_out; k++) lp_sh_out_elem(x, k, in.elem);
        return;
    }
    int axis;
    if (!lp_sh_axis(lp_attr_int(x->n, "axis", 0), in.rank, &axis)) {
        for (int k = 0; k < n_out; k++) lp_sh_out_elem(x, k, in.elem);
        return;
    }
    int64_t split[LP_MAX_INTS];
    int ns = -2;
    if (lp_sh_in_has(x, 1))
        ns = lp_sh_in_ints(x, 1, split, LP_MAX_INTS); /* an input in opset 1 and 13+ */
    else if (lp_node_attr(x->n, "split"))
        ns = lp_sh_attr_ints(x->n, "split", split, LP_MAX_INTS);
    int64_t len = in.d[axis].value;
    if (ns == -2 && len >= 0 && n_out > 0) {
        /* equal parts; from opset 18 the last may be smaller */
        int64_t part = lp_ceildiv(len, n_out);
        if (x->opset < 18 && len % n_out) part = -1;
        ns = part >= 0 ? n_out : -1;
        for (int k = 0; k < ns; k++) {
            int64_t left = len - part * k;
            split[k] = left < part ? (left > 0 ? left : 0) : part;
        }
    }
    for (int k = 0; k < n_out; k++) {
        lp_shp o = in;
        o.d[axis] = ns == n_out && split[k] >= 0 ? lp_dim_of(split[k]) : lp_dim_unknown();
        if (ns < 0 && n_out == 1) o.d[axis] = in.d[axis];
        lp_sh_out_shape(x, k, &o);
    }
}

/* A slice that keeps a dim whole whatever its length. */
static bool slice_whole(int64_t start, int64_t end, int64_t step) {
    if (step == 1) return (start == 0 || start <= INT32_MIN) && end >= INT32_MAX;
    if (step == -1) return start == -1 && end <= INT32_MIN;
    return false;
}

static void rule_slice(lp_infer *x) {
    lp_shp in;
    if (!lp_sh_in_shape(x, 0, &in)) {
        lp_sh_out_elem(x, 0, in.elem);
        return;
    }
    int64_t st[LP_MAX_INTS], en[LP_MAX_INTS], step[LP_MAX_INTS];
    int axes[LP_MAX_INTS];
    int n = lp_sh_slice_params(x, in.rank, st, en, step, axes);
    lp_shp o = in;
    if (n < 0) {
        /* only the axes may be known */
        int64_t ax[LP_MAX_INTS];
        int na = x->opset >= 10 && lp_sh_in_has(x, 3) ? lp_sh_in_ints(x, 3, ax, LP_MAX_INTS) : -1;
        for (int i = 0; i < in.rank; i++) o.d[i] = na < 0 ? lp_dim_unknown() : in.d[i];
        for (int i = 0; i < na; i++) {
            int a;
            if (lp_sh_axis(ax[i], in.rank, &a)) o.d[a] = lp_dim_unknown();
        }
        lp_sh_out_shape(x, 0, &o);
        return;
    }
    for (int i = 0; i < n; i++) {
        int a = axes[i];
        int64_t s = st[i];
        if (in.d[a].value >= 0)
            o.d[a] = lp_dim_of(lp_sh_slice_range(in.d[a].value, &s, en[i], step[i]));
        else if (!slice_whole(st[i], en[i], step[i]))
            o.d[a] = lp_dim_unknown();
    }
    lp_sh_out_shape(x, 0, &o);
}

static void rule_gather(lp_infer *x) {
    lp_shp d, ix, o = {.elem = lp_sh_in_elem(x, 0)};
    int axis;
    if (!lp_sh_in_shape(x, 0, &d) || !lp_sh_in_shape(x, 1, &ix) ||
        !lp_sh_axis(lp_attr_int(x->n, "axis", 0), d.rank, &axis) ||
        d.rank - 1 + ix.rank > LP_MAX_RANK) {
        lp_sh_out_elem(x, 0, o.elem);
        return;
    }
    o.rank = d.rank - 1 + ix.rank;
    for (int i = 0; i < o.rank; i++)
        o.d[i] = i < axis ? d.d[i] : i < axis + ix.rank ? ix.d[i - axis] : d.d[i - ix.rank + 1];
    lp_sh_out_shape(x, 0, &o);
}

static void rule_gather_elements(lp_infer *x) { lp_sh_out_like_elem(x, 0, 1, lp_sh_in_elem(x, 0)); }

static void rule_gather_nd(lp_infer *x) {
    lp_shp d, ix, o = {.elem = lp_sh_in_elem(x, 0)};
    int64_t b = lp_attr_int(x->n, "batch_dims", 0);
    if (!lp_sh_in_shape(x, 0, &d) || !lp_sh_in_shape(x, 1, &ix) || ix.rank < 1 || b < 0 ||
        b >= ix.rank || b > d.rank) {
        lp_sh_out_elem(x, 0, o.elem);
        return;
    }
    int64_t k = ix.d[ix.rank - 1].value;
    if (k < 0 || b + k > d.rank) {
        lp_sh_out_elem(x, 0, o.elem);
        return;
    }
    o.rank = ix.rank - 1 + d.rank - (int)(b + k);
    if (o.rank > LP_MAX_RANK) {
        lp_sh_out_elem(x, 0, o.elem);
        return;
    }
    int r = 0;
    for (int i = 0; i < ix.rank - 1; i++) o.d[r++] = ix.d[i];
    for (int i = (int)(b + k); i < d.rank; i++) o.d[r++] = d.d[i];
    lp_sh_out_shape(x, 0, &o);
}

static void rule_reduce(lp_infer *x) {
    lp_shp in, o = {.elem = lp_sh_in_elem(x, 0)};
    bool from_input = x->opset >= 18 || (!strcmp(x->n->op_type, "ReduceSum") && x->opset >= 13);
    int64_t axes[LP_MAX_INTS];
    int na = read_axes(x, from_input ? 0 : 1000, 1, axes);
    bool keep = lp_attr_int(x->n, "keepdims", 1) != 0;
    if (!lp_sh_in_shape(x, 0, &in)) {
        lp_sh_out_elem(x, 0, o.elem);
        return;
    }
    if (na == -1) {
        int n = axes_len(x, 1);
        if (keep)
            lp_sh_out_rank(x, 0, o.elem, in.rank);
        else if (n > 0 && n <= in.rank)
            lp_sh_out_rank(x, 0, o.elem, in.rank - n); /* no repeats allowed */
        else
            lp_sh_out_elem(x, 0, o.elem);
        return;
    }
    bool red[LP_MAX_RANK] = {0};
    if (na <= 0 && !(from_input && lp_attr_int(x->n, "noop_with_empty_axes", 0)))
        for (int i = 0; i < in.rank; i++) red[i] = true;
    for (int i = 0; i < na; i++) {
        int a;
        if (!lp_sh_axis(axes[i], in.rank, &a)) {
            lp_sh_out_elem(x, 0, o.elem);
            return;
        }
        red[a] = true;
    }
    o.rank = 0;
    for (int i = 0; i < in.rank; i++)
        if (!red[i])
            o.d[o.rank++] = in.d[i];
        else if (keep)
            o.d[o.rank++] = lp_dim_of(1);
    lp_sh_out_shape(x, 0, &o);
}

static void rule_argmax(lp_infer *x) {
    lp_shp in;
    int a;
    if (!lp_sh_in_shape(x, 0, &in) || !lp_sh_axis(lp_attr_int(x->n, "axis", 0), in.rank, &a)) {
        lp_sh_out_elem(x, 0, LP_INT64);
        return;
    }
    in.elem = LP_INT64;
    if (lp_attr_int(x->n, "keepdims", 1)) {
        in.d[a] = lp_dim_of(1);
    } else {
        memmove(in.d + a, in.d + a + 1, (size_t)(in.rank - a - 1) * sizeof *in.d);
        in.rank--;
    }
    lp_sh_out_shape(x, 0, &in);
}

static void rule_expand(lp_infer *x) {
    lp_shp in, t = {.elem = LP_UNDEFINED}, o;
    lp_dim d[LP_MAX_RANK];
    int n = lp_sh_in_dims(x, 1, d, LP_MAX_RANK, NULL);
    bool hin = lp_sh_in_shape(x, 0, &in);
    if (n >= 0) {
        t.rank = n;
        for (int i = 0; i < n; i++) t.d[i] = sym_dim(d[i]);
    } else {
        lp_shp s;
        if (!lp_sh_in_shape(x, 1, &s) || s.rank != 1 || s.d[0].value < 0 ||
            s.d[0].value > LP_MAX_RANK) {
            lp_sh_out_elem(x, 0, in.elem);
            return;
        }
        t.rank = (int)s.d[0].value;
        for (int i = 0; i < t.rank; i++) t.d[i] = lp_dim_unknown();
    }
    if (!hin) {
        lp_sh_out_elem(x, 0, in.elem);
        return;
    }
    lp_shp_broadcast(&in, &t, &o);
    o.elem = in.elem;
    lp_sh_out_shape(x, 0, &o);
}

static void rule_tile(lp_infer *x) {
    lp_shp in;
    int64_t rep[LP_MAX_RANK];
    if (!lp_sh_in_shape(x, 0, &in)) {
        lp_sh_out_elem(x, 0, in.elem);
        return;
    }
    int n = lp_sh_in_ints(x, 1, rep, LP_MAX_RANK);
    for (int i = 0; i < in.rank; i++)
        in.d[i] =
            n == in.rank && rep[i] >= 0 ? lp_dim_mul(in.d[i], lp_dim_of(rep[i])) : lp_dim_unknown();
    lp_sh_out_shape(x, 0, &in);
}

static void rule_pad(lp_infer *x) {
    lp_shp in;
    int64_t pads[2 * LP_MAX_RANK], axes[LP_MAX_RANK];
    if (!lp_sh_in_shape(x, 0, &in)) {
        lp_sh_out_elem(x, 0, in.elem);
        return;
    }
    int np, na = -2;
    if (x->opset < 11) {
        np = lp_sh_attr_ints(x->n, lp_node_attr(x->n, "paddings") ? "paddings" : "pads", pads,
                             2 * LP_MAX_RANK);
    } else {
        np = lp_sh_in_ints(x, 1, pads, 2 * LP_MAX_RANK);
        if (lp_sh_in_has(x, 3)) na = lp_sh_in_ints(x, 3, axes, LP_MAX_RANK);
    }
    int nax = na == -2 ? in.rank : na;
    int ax[LP_MAX_RANK];
    bool ok = np >= 0 && nax >= 0 && np == 2 * nax;
    for (int i = 0; ok && i < nax; i++) {
        if (na == -2)
            ax[i] = i;
        else
            ok = lp_sh_axis(axes[i], in.rank, &ax[i]);
    }
    if (!ok) {
        lp_sh_out_rank(x, 0, in.elem, in.rank);
        return;
    }
    for (int i = 0; i < nax; i++) {
        int64_t b = pads[i], e = pads[i + nax];
        lp_dim *d = &in.d[ax[i]];
        int64_t v;
        bool fits = !__builtin_add_overflow(d->value, b, &v) && !__builtin_add_overflow(v, e, &v);
        if (d->value >= 0 && fits && v >= 0)
            *d = lp_dim_of(v);
        else if (b != 0 || e != 0)
            *d = lp_dim_unknown();
    }
    lp_sh_out_shape(x, 0, &in);
}

static void rule_resize(lp_infer *x) {
    lp_shp in;
    if (!lp_sh_in_shape(x, 0, &in)) {
        lp_sh_out_elem(x, 0, in.elem);
        return;
    }
    bool upsample = !strcmp(x->n->op_type, "Upsample");
    int scales_in = upsample         ? 1
                    : x->opset >= 11 ? 2
                                     : 1,
        sizes_in = upsample || x->opset < 11 ? -1 : 3;
    int64_t axes[LP_MAX_RANK], sizes[LP_MAX_RANK];
    double scales[LP_MAX_RANK];
    int na = x->opset >= 18 && !upsample ? lp_sh_attr_ints(x->n, "axes", axes, LP_MAX_RANK) : -1;
    int nax = na >= 0 ? na : in.rank;
    int ax[LP_MAX_RANK];
    for (int i = 0; i < nax; i++)
        if (na < 0)
            ax[i] = i;
        else if (!lp_sh_axis(axes[i], in.rank, &ax[i])) {
            lp_sh_out_rank(x, 0, in.elem, in.rank);
            return;
        }
    int nz = sizes_in >= 0 && lp_sh_in_has(x, sizes_in)
                 ? lp_sh_in_ints(x, sizes_in, sizes, LP_MAX_RANK)
                 : -1;
    int nsc = -1;
    if (upsample && x->opset < 9) {
        int c;
        const float *f = lp_attr_floats(x->n, "scales", &c);
        if (f && c <= LP_MAX_RANK)
            for (nsc = 0; nsc < c; nsc++) scales[nsc] = f[nsc];
    } else if (lp_sh_in_has(x, scales_in)) {
        nsc = lp_sh_in_floats(x, scales_in, scales, LP_MAX_RANK);
    }
    if (nz > 0 && nz == nax) {
        const char *pol = lp_attr_string(x->n, "keep_aspect_ratio_policy", "stretch");
        if (x->opset >= 18 && strcmp(pol, "stretch")) {
            double sc = strcmp(pol, "not_larger") ? 0 : INFINITY;
            for (int i = 0; i < nax; i++) {
                double in_d = (double)in.d[ax[i]].value,
                       r = in_d > 0 ? (double)sizes[i] / in_d : NAN;
                if (!(r == r)) {
                    lp_sh_out_rank(x, 0, in.elem, in.rank);
                    return;
                }
                sc = strcmp(pol, "not_larger") ? fmax(sc, r) : fmin(sc, r);
            }
            for (int i = 0; i < nax; i++) {
                double v = floor((double)in.d[ax[i]].value * sc + 0.5);
                in.d[ax[i]] = v >= 0 && v < 9e15 ? lp_dim_of((int64_t)v) : lp_dim_unknown();
            }
        } else {
            for (int i = 0; i < nax; i++)
                in.d[ax[i]] = sizes[i] >= 0 ? lp_dim_of(sizes[i]) : lp_dim_unknown();
        }
    } else if (nsc > 0 && nsc == nax) {
        for (int i = 0; i < nax; i++) {
            lp_dim *d = &in.d[ax[i]];
            if (scales[i] == 1) continue;
            double v = (double)d->value * scales[i];
            *d = d->value >= 0 && v >= 0 && v < 9e15 ? lp_dim_of((int64_t)floor(v))
                                                     : lp_dim_unknown();
        }
    } else {
        for (int i = 0; i < in.rank; i++) in.d[i] = lp_dim_unknown();
    }
    lp_sh_out_shape(x, 0, &in);
}

static void rule_topk(lp_infer *x) {
    lp_shp in;
    int a;
    int64_t k = -1;
    if (x->opset < 10)
        k = lp_attr_int(x->n, "k", -1);
    else if (lp_sh_in_ints(x, 1, &k, 1) != 1)
        k = -1;
    if (!lp_sh_in_shape(x, 0, &in) || !lp_sh_axis(lp_attr_int(x->n, "axis", -1), in.rank, &a)) {
        lp_sh_out_elem(x, 0, in.elem);
        lp_sh_out_elem(x, 1, LP_INT64);
        return;
    }
    in.d[a] = k >= 0 ? lp_dim_of(k) : lp_dim_unknown();
    lp_sh_out_shape(x, 0, &in);
    in.elem = LP_INT64;
    lp_sh_out_shape(x, 1, &in);
}

static void rule_onehot(lp_infer *x) {
    lp_shp in, o = {.elem = lp_sh_in_elem(x, 2)};
    double depth;
    int a;
    if (!lp_sh_in_shape(x, 0, &in) || in.rank + 1 > LP_MAX_RANK ||
        !lp_sh_axis(lp_attr_int(x->n, "axis", -1), in.rank + 1, &a)) {
        lp_sh_out_elem(x, 0, o.elem);
        return;
    }
    o.rank = in.rank + 1;
    lp_dim dd = lp_sh_in_floats(x, 1, &depth, 1) == 1 && depth >= 0 && depth < 9e15
                    ? lp_dim_of((int64_t)depth)
                    : lp_dim_unknown();
    for (int i = 0, j = 0; i < o.rank; i++) o.d[i] = i == a ? dd : in.d[j++];
    lp_sh_out_shape(x, 0, &o);
}

static void rule_nonzero(lp_infer *x) {
    lp_shp o = {.elem = LP_INT64, .rank = 2, .d = {lp_dim_unknown(), lp_dim_unknown()}};
    int r = lp_sh_in_rank(x, 0);
    if (r >= 0) o.d[0] = lp_dim_of(r);
    lp_sh_out_shape(x, 0, &o);
}

static void rule_compress(lp_infer *x) {
    lp_shp in;
    int a;
    bool has_axis = lp_node_attr(x->n, "axis") != NULL;
    if (!has_axis) {
        lp_sh_out_rank(x, 0, lp_sh_in_elem(x, 0), 1);
        return;
    }
    if (!lp_sh_in_shape(x, 0, &in) || !lp_sh_axis(lp_attr_int(x->n, "axis", 0), in.rank, &a)) {
        lp_sh_out_elem(x, 0, in.elem);
        return;
    }
    in.d[a] = lp_dim_unknown();
    lp_sh_out_shape(x, 0, &in);
}

static void rule_unique(lp_infer *x) {
    lp_shp in, one = {.elem = LP_INT64, .rank = 1, .d = {lp_dim_unknown()}};
    bool has_axis = lp_node_attr(x->n, "axis") != NULL;
    int a = -1;
    bool hin = lp_sh_in_shape(x, 0, &in);
    if (has_axis && hin && lp_sh_axis(lp_attr_int(x->n, "axis", 0), in.rank, &a)) {
        lp_shp y = in;
        y.d[a] = lp_dim_unknown();
        lp_sh_out_shape(x, 0, &y);
    } else if (has_axis) {
        lp_sh_out_elem(x, 0, in.elem);
    } else {
        lp_sh_out_rank(x, 0, in.elem, 1);
    }
    lp_sh_out_shape(x, 1, &one);
    lp_shp inv = one;
    if (hin && !has_axis)
        inv.d[0] = lp_dim_prod(in.d, 0, in.rank);
    else if (a >= 0)
        inv.d[0] = in.d[a];
    lp_sh_out_shape(x, 2, &inv);
    lp_sh_out_shape(x, 3, &one);
}

static void rule_depth_to_space(lp_infer *x) {
    lp_shp in;
    int64_t b = lp_attr_int(x->n, "blocksize", 0);
    if (!lp_sh_in_shape(x, 0, &in) || in.rank != 4 || b <= 0 || b > (1 << 20)) {
        lp_sh_out_elem(x, 0, in.elem);
        return;
    }
    lp_dim bb = lp_dim_of(b * b), bd = lp_dim_of(b);
    bool d2s = !strcmp(x->n->op_type, "DepthToSpace");
    lp_dim c = in.d[1];
    in.d[1] = d2s ? (c.value >= 0 && c.value % (b * b) == 0 ? lp_dim_of(c.value / (b * b))
                                                            : lp_dim_unknown())
                  : lp_dim_mul(c, bb);
    for (int i = 2; i < 4; i++)
        in.d[i] = d2s                  ? lp_dim_mul(in.d[i], bd)
                  : in.d[i].value >= 0 ? lp_dim_of(in.d[i].value / b)
                                       : lp_dim_unknown();
    lp_sh_out_shape(x, 0, &in);
}

static void rule_det(lp_infer *x) {
    lp_shp in;
    if (!lp_sh_in_shape(x, 0, &in) || in.rank < 2) {
        lp_sh_out_elem(x, 0, in.elem);
        return;
    }
    in.rank -= 2;
    lp_sh_out_shape(x, 0, &in);
}

static void rule_center_crop_pad(lp_infer *x) {
    lp_shp in;
    int64_t sh[LP_MAX_RANK], axes[LP_MAX_RANK];
    int n = lp_sh_in_ints(x, 1, sh, LP_MAX_RANK);
    if (!lp_sh_in_shape(x, 0, &in)) {
        lp_sh_out_elem(x, 0, in.elem);
        return;
    }
    int na = lp_sh_attr_ints(x->n, "axes", axes, LP_MAX_RANK);
    if (na < 0) {
        na = in.rank;
        for (int i = 0; i < na; i++) axes[i] = i;
    }
    for (int i = 0; i < na; i++) {
        int a;
        if (!lp_sh_axis(axes[i], in.rank, &a)) break;
        in.d[a] = n == na && sh[i] >= 0 ? lp_dim_of(sh[i]) : lp_dim_unknown();
    }
    lp_sh_out_shape(x, 0, &in);
}

static void rule_nms(lp_infer *x) {
    lp_shp o = {.elem = LP_INT64, .rank = 2, .d = {lp_dim_unknown(), lp_dim_of(3)}};
    lp_sh_out_shape(x, 0, &o);
}

static void rule_string_normalizer(lp_infer *x) {
    int r = lp_sh_in_rank(x, 0);
    lp_shp in;
    if (r < 1) {
        lp_sh_out_elem(x, 0, LP_STRING);
        return;
    }
    lp_sh_in_shape(x, 0, &in);
    in.elem = LP_STRING;
    in.d[in.rank - 1] = lp_dim_unknown();
    lp_sh_out_shape(x, 0, &in);
}

static void rule_string_split(lp_infer *x) {
    lp_shp in;
    if (lp_sh_in_shape(x, 0, &in) && in.rank < LP_MAX_RANK) {
        lp_shp o = in;
        o.elem = LP_STRING;
        o.d[o.rank++] = lp_dim_unknown();
        lp_sh_out_shape(x, 0, &o);
    } else {
        lp_sh_out_elem(x, 0, LP_STRING);
    }
    lp_sh_out_like_elem(x, 1, 0, LP_INT64);
}

static void rule_loss(lp_infer *x) {
    /* SoftmaxCrossEntropyLoss, NegativeLogLikelihoodLoss */
    const char *red = lp_attr_string(x->n, "reduction", "mean");
    lp_dtype e = lp_sh_in_elem(x, 0);
    if (!strcmp(red, "none"))
        lp_sh_out_like_elem(x, 0, 1, e);
    else
        lp_sh_out_rank(x, 0, e, 0);
    lp_sh_out_like(x, 1, 0);
}

static void rule_image_decoder(lp_infer *x) {
    const char *fmt = lp_attr_string(x->n, "pixel_format", "RGB");
    lp_shp o = {
        .elem = LP_UINT8,
        .rank = 3,
        .d = {lp_dim_unknown(), lp_dim_unknown(), lp_dim_of(strcmp(fmt, "Grayscale") ? 3 : 1)}};
    lp_sh_out_shape(x, 0, &o);
}

static void rule_dft(lp_infer *x) {
    lp_shp in;
    if (!lp_sh_in_shape(x, 0, &in) || in.rank < 2) {
        lp_sh_out_elem(x, 0, in.elem);
        return;
    }
    int64_t axis = x->opset >= 20 ? -2 : 1, len = -1;
    if (x->opset >= 20 && lp_sh_in_has(x, 2) && lp_sh_in_ints(x, 2, &axis, 1) != 1) {
        lp_sh_out_rank(x, 0, in.elem, in.rank);
        return;
    }
    if (x->opset < 20) axis = lp_attr_int(x->n, "axis", 1);
    int a;
    /* the axis counts over the signal dims, the last one holds (re, im) */
    if (!lp_sh_axis(axis, in.rank, &a) || a == in.rank - 1) {
        lp_sh_out_rank(x, 0, in.elem, in.rank);
        return;
    }
    bool onesided = lp_attr_int(x->n, "onesided", 0) != 0,
         inverse = lp_attr_int(x->n, "inverse", 0) != 0;
    if (lp_sh_in_has(x, 1) && lp_sh_in_ints(x, 1, &len, 1) != 1) len = -2;
    if (len == -1 && onesided && inverse) /* IRFFT: a full signal from half a spectrum */
        len = in.d[a].value >= 1 ? 2 * (in.d[a].value - 1) : -2;
    if (len >= 0)
        in.d[a] = lp_dim_of(len);
    else if (len == -2)
        in.d[a] = lp_dim_unknown();
    if (onesided && !inverse)
        in.d[a] = in.d[a].value >= 0 ? lp_dim_of(in.d[a].value / 2 + 1) : lp_dim_unknown();
    in.d[in.rank - 1] = lp_dim_of(onesided && inverse ? 1 : 2);
    lp_sh_out_shape(x, 0, &in);
}

static void rule_stft(lp_infer *x) {
    lp_shp sig, win;
    int64_t step = -1, flen = -1;
    lp_shp o = {.elem = lp_sh_in_elem(x, 0),
                .rank = 4,
                .d = {lp_dim_unknown(), lp_dim_unknown(), lp_dim_unknown(), lp_dim_of(2)}};
    bool hs = lp_sh_in_shape(x, 0, &sig) && sig.rank == 3;
    if (hs) o.d[0] = sig.d[0];
    if (lp_sh_in_ints(x, 1, &step, 1) != 1) step = -1;
    if (lp_sh_in_has(x, 3) && lp_sh_in_ints(x, 3, &flen, 1) != 1) flen = -1;
    if (flen < 0 && lp_sh_in_shape(x, 2, &win) && win.rank == 1) flen = win.d[0].value;
    if (hs && step > 0 && flen > 0 && sig.d[1].value >= flen)
        o.d[1] = lp_dim_of((sig.d[1].value - flen) / step + 1);
    if (flen > 0) o.d[2] = lp_dim_of(lp_attr_int(x->n, "onesided", 1) ? flen / 2 + 1 : flen);
    lp_sh_out_shape(x, 0, &o);
}

static void rule_bitcast(lp_infer *x) {
    int64_t to = lp_attr_int(x->n, "to", 0);
    lp_sh_out_like_elem(x, 0, 0, lp_dtype_valid((int)to) ? (lp_dtype)to : LP_UNDEFINED);
}

static void rule_tfidf(lp_infer *x) {
    lp_shp in, o = {.elem = LP_FLOAT};
    int n;
    const int64_t *ix = lp_attr_ints(x->n, "ngram_indexes", &n);
    int64_t width = -1;
    for (int i = 0; ix && i < n; i++)
        if (ix[i] >= width && ix[i] < INT64_MAX) width = ix[i] + 1;
    if (!lp_sh_in_shape(x, 0, &in) || in.rank < 1 || in.rank > 2) {
        lp_sh_out_elem(x, 0, LP_FLOAT);
        return;
    }
    o.rank = in.rank;
    if (in.rank == 2) o.d[0] = in.d[0];
    o.d[in.rank - 1] = width >= 0 ? lp_dim_of(width) : lp_dim_unknown();
    lp_sh_out_shape(x, 0, &o);
}

/* ---- quantization ---- */

static void rule_quantize(lp_infer *x) {
    int64_t od = x->opset >= 21 ? lp_attr_int(x->n, "output_dtype", 0) : 0;
    lp_dtype e = lp_sh_in_has(x, 2)              ? lp_sh_in_elem(x, 2)
                 : od && lp_dtype_valid((int)od) ? (lp_dtype)od
                                                 : LP_UINT8;
    lp_sh_out_like_elem(x, 0, 0, e);
}

static void rule_dequantize(lp_infer *x) {
    int64_t od = x->opset >= 23 ? lp_attr_int(x->n, "output_dtype", 0) : 0;
    lp_dtype e = od && lp_dtype_valid((int)od) ? (lp_dtype)od
                 : x->opset >= 19              ? lp_sh_in_elem(x, 1)
                                               : LP_FLOAT;
    lp_sh_out_like_elem(x, 0, 0, e);
}

static void rule_dynamic_quantize(lp_infer *x) {
    lp_sh_out_like_elem(x, 0, 0, LP_UINT8);
    lp_sh_out_rank(x, 1, LP_FLOAT, 0);
    lp_sh_out_rank(x, 2, LP_UINT8, 0);
}

/* ---- sequences and optionals ---- */

static lp_type wrap(lp_infer *x, lp_kind kind, const lp_type *inner) {
    lp_type t = {.kind = kind, .rank = -1};
    t.inner = lp_arena_alloc(&x->m->arena, sizeof *t.inner);
    if (inner)
        *t.inner = *inner;
    else
        t.inner->rank = -1;
    t.elem = t.inner->elem;
    return t;
}

static const lp_type *inner_of(lp_infer *x, int k) {
    const lp_value *v = lp_sh_in_value(x, k);
    return v && (v->type.kind == LP_KIND_SEQUENCE || v->type.kind == LP_KIND_OPTIONAL)
               ? v->type.inner
               : NULL;
}

static lp_type tensor_of(lp_infer *x, int k) {
    lp_shp s;
    lp_sh_in_shape(x, k, &s);
    return lp_sh_type(x->m, &s);
}

static void rule_sequence_empty(lp_infer *x) {
    int64_t dt = lp_attr_int(x->n, "dtype", LP_FLOAT);
    lp_type in = {.kind = LP_KIND_TENSOR,
                  .elem = lp_dtype_valid((int)dt) ? (lp_dtype)dt : LP_FLOAT,
                  .rank = -1};
    lp_type t = wrap(x, LP_KIND_SEQUENCE, &in);
    lp_sh_out_type(x, 0, &t);
}

static void rule_sequence_construct(lp_infer *x) {
    lp_type in = tensor_of(x, 0);
    for (int k = 1; k < x->n->n_inputs; k++) {
        lp_type o = tensor_of(x, k);
        if (o.elem != in.elem) in.elem = LP_UNDEFINED;
        if (o.rank != in.rank) in.rank = -1;
        for (int i = 0; i < in.rank; i++)
            if (!lp_dim_same(in.dims[i], o.dims[i])) in.dims[i] = lp_dim_unknown();
    }
    lp_type t = wrap(x, LP_KIND_SEQUENCE, &in);
    lp_sh_out_type(x, 0, &t);
}

static void rule_sequence_same(lp_infer *x) {
    /* SequenceInsert, SequenceErase: the sequence's type */
    const lp_type *in = inner_of(x, 0);
    lp_type el = in ? *in : tensor_of(x, 1);
    const lp_value *seq = lp_sh_in_value(x, 0);
    bool empty =
        seq && seq->producer >= 0 && !strcmp(x->g->nodes[seq->producer].op_type, "SequenceEmpty");
    if (in && !strcmp(x->n->op_type, "SequenceInsert")) {
        lp_type ins = tensor_of(x, 1);
        if (empty) { /* the first element decides */
            el = ins;
        } else if (ins.rank != el.rank) {
            el.rank = -1;
        } else if (el.rank > 0) {
            lp_dim *d = lp_arena_array(&x->m->arena, (size_t)el.rank, sizeof *d);
            for (int i = 0; i < el.rank; i++)
                d[i] = lp_dim_same(el.dims[i], ins.dims[i]) ? el.dims[i] : lp_dim_unknown();
            el.dims = d;
        }
        if (el.elem == LP_UNDEFINED) el.elem = ins.elem;
    }
    lp_type t = wrap(x, LP_KIND_SEQUENCE, &el);
    lp_sh_out_type(x, 0, &t);
}

static void rule_sequence_at(lp_infer *x) {
    const lp_type *in = inner_of(x, 0);
    if (in) lp_sh_out_type(x, 0, in);
}

static void rule_sequence_length(lp_infer *x) { lp_sh_out_rank(x, 0, LP_INT64, 0); }

static void rule_split_to_sequence(lp_infer *x) {
    lp_shp in;
    lp_type el = {.kind = LP_KIND_TENSOR, .elem = lp_sh_in_elem(x, 0), .rank = -1};
    int a;
    if (lp_sh_in_shape(x, 0, &in) && lp_sh_axis(lp_attr_int(x->n, "axis", 0), in.rank, &a)) {
        int64_t sp[LP_MAX_INTS];
        int r = lp_sh_in_rank(x, 1);
        if (!lp_sh_in_has(x, 1)) {
            if (lp_attr_int(x->n, "keepdims", 1))
                in.d[a] = lp_dim_of(1);
            else
                memmove(in.d + a, in.d + a + 1, (size_t)(in.rank - a - 1) * sizeof *in.d),
                    in.rank--;
        } else {
            in.d[a] = r == 0 && lp_sh_in_ints(x, 1, sp, 1) == 1 && sp[0] >= 0 ? lp_dim_of(sp[0])
                                                                              : lp_dim_unknown();
        }
        el = lp_sh_type(x->m, &in);
    }
    lp_type t = wrap(x, LP_KIND_SEQUENCE, &el);
    lp_sh_out_type(x, 0, &t);
}

static void rule_concat_from_sequence(lp_infer *x) {
    const lp_type *in = inner_of(x, 0);
    if (!in || in->rank < 0) {
        lp_sh_out_elem(x, 0, in ? in->elem : LP_UNDEFINED);
        return;
    }
    bool new_axis = lp_attr_int(x->n, "new_axis", 0) != 0;
    lp_shp s = {.elem = in->elem, .rank = in->rank + new_axis};
    int a;
    if (s.rank > LP_MAX_RANK || !lp_sh_axis(lp_attr_int(x->n, "axis", 0), s.rank, &a)) {
        lp_sh_out_elem(x, 0, in->elem);
        return;
    }
    for (int i = 0, j = 0; i < s.rank; i++) {
        if (new_axis && i == a)
            s.d[i] = lp_dim_unknown();
        else
            s.d[i] = in->dims[j++];
    }
    s.d[a] = lp_dim_unknown();
    lp_sh_out_shape(x, 0, &s);
}

static void rule_optional(lp_infer *x) {
    const lp_attr *a = lp_node_attr(x->n, "type");
    lp_type in;
    if (lp_sh_in_has(x, 0))
        in = lp_sh_in_value(x, 0)->type;
    else if (a && a->tp)
        in = *a->tp;
    else
        return;
    lp_type t = wrap(x, LP_KIND_OPTIONAL, &in);
    lp_sh_out_type(x, 0, &t);
}

static void rule_optional_get(lp_infer *x) {
    const lp_value *v = lp_sh_in_value(x, 0);
    if (!v) return;
    if (v->type.kind == LP_KIND_OPTIONAL && v->type.inner)
        lp_sh_out_type(x, 0, v->type.inner);
    else
        lp_sh_out_like(x, 0, 0);
}

static void rule_optional_has(lp_infer *x) { lp_sh_out_rank(x, 0, LP_BOOL, 0); }

/* ---- dispatch ---- */

static const char *const same_ops[] = {
    "Abs",
    "Acos",
    "Acosh",
    "Asin",
    "Asinh",
    "Atan",
    "Atanh",
    "Ceil",
    "Cos",
    "Cosh",
    "Erf",
    "Exp",
    "Floor",
    "Log",
    "Neg",
    "Reciprocal",
    "Relu",
    "Round",
    "Sigmoid",
    "Sign",
    "Sin",
    "Sinh",
    "Softplus",
    "Softsign",
    "Sqrt",
    "Tan",
    "Tanh",
    "Elu",
    "Selu",
    "LeakyRelu",
    "ThresholdedRelu",
    "HardSigmoid",
    "HardSwish",
    "Mish",
    "Gelu",
    "Celu",
    "Swish",
    "Shrink",
    "Not",
    "BitwiseNot",
    "Identity",
    "Clip",
    "Softmax",
    "LogSoftmax",
    "Hardmax",
    "CumSum",
    "CumProd",
    "Trilu",
    "ReverseSequence",
    "Scatter",
    "ScatterElements",
    "ScatterND",
    "LRN",
    "LpNormalization",
    "MeanVarianceNormalization",
    "RotaryEmbedding",
    "TensorScatter",
    "ImageScaler",
    "Affine",
    "ScaledTanh",
    "ParametricSoftplus",
};

static const char *const broadcast_ops[] = {
    "Add", "Sub",  "Mul",      "Div",        "Pow",       "Mod",        "Max",   "Min",
    "Sum", "Mean", "BitShift", "BitwiseAnd", "BitwiseOr", "BitwiseXor", "PRelu", "StringConcat",
};

static const char *const compare_ops[] = {
    "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor",
};

static const struct {
    const char *op;
    rule_fn fn;
} rules[] = {
    {"Where", rule_where},
    {"IsNaN", rule_to_bool},
    {"IsInf", rule_to_bool},
    {"RegexFullMatch", rule_to_bool},
    {"Cast", rule_cast},
    {"CastLike", rule_cast_like},
    {"Dropout", rule_dropout},
    {"EyeLike", rule_dtype_attr},
    {"RandomNormalLike", rule_dtype_attr},
    {"RandomUniformLike", rule_dtype_attr},
    {"Bernoulli", rule_dtype_attr},
    {"RandomNormal", rule_random},
    {"RandomUniform", rule_random},
    {"Multinomial", rule_multinomial},
    {"Constant", rule_constant},
    {"ConstantOfShape", rule_constant_of_shape},
    {"Range", rule_range},
    {"Shape", rule_shape},
    {"Size", rule_size},
    {"HannWindow", rule_window},
    {"HammingWindow", rule_window},
    {"BlackmanWindow", rule_window},
    {"MelWeightMatrix", rule_mel},
    {"Reshape", rule_reshape},
    {"Flatten", rule_flatten},
    {"Squeeze", rule_squeeze},
    {"Unsqueeze", rule_unsqueeze},
    {"Transpose", rule_transpose},
    {"Concat", rule_concat},
    {"Split", rule_split},
    {"Slice", rule_slice},
    {"Gather", rule_gather},
    {"GatherElements", rule_gather_elements},
    {"GatherND", rule_gather_nd},
    {"ReduceSum", rule_reduce},
    {"ReduceMean", rule_reduce},
    {"ReduceMax", rule_reduce},
    {"ReduceMin", rule_reduce},
    {"ReduceProd", rule_reduce},
    {"ReduceL1", rule_reduce},
    {"ReduceL2", rule_reduce},
    {"ReduceLogSum", rule_reduce},
    {"ReduceLogSumExp", rule_reduce},
    {"ReduceSumSquare", rule_reduce},
    {"ArgMax", rule_argmax},
    {"ArgMin", rule_argmax},
    {"Expand", rule_expand},
    {"Tile", rule_tile},
    {"Pad", rule_pad},
    {"Resize", rule_resize},
    {"Upsample", rule_resize},
    {"TopK", rule_topk},
    {"OneHot", rule_onehot},
    {"NonZero", rule_nonzero},
    {"Compress", rule_compress},
    {"Unique", rule_unique},
    {"DepthToSpace", rule_depth_to_space},
    {"SpaceToDepth", rule_depth_to_space},
    {"Det", rule_det},
    {"CenterCropPad", rule_center_crop_pad},
    {"NonMaxSuppression", rule_nms},
    {"StringNormalizer", rule_string_normalizer},
    {"StringSplit", rule_string_split},
    {"SoftmaxCrossEntropyLoss", rule_loss},
    {"NegativeLogLikelihoodLoss", rule_loss},
    {"ImageDecoder", rule_image_decoder},
    {"DFT", rule_dft},
    {"TfIdfVectorizer", rule_tfidf},
    {"STFT", rule_stft},
    {"BitCast", rule_bitcast},
    {"QuantizeLinear", rule_quantize},
    {"DequantizeLinear", rule_dequantize},
    {"DynamicQuantizeLinear", rule_dynamic_quantize},
    {"SequenceEmpty", rule_sequence_empty},
    {"SequenceConstruct", rule_sequence_construct},
    {"SequenceInsert", rule_sequence_same},
    {"SequenceErase", rule_sequence_same},
    {"SequenceAt", rule_sequence_at},
    {"SequenceLength", rule_sequence_length},
    {"SplitToSequence", rule_split_to_sequence},
    {"ConcatFromSequence", rule_concat_from_sequence},
    {"Optional", rule_optional},
    {"OptionalGetElement", rule_optional_get},
    {"OptionalHasElement", rule_optional_has},
};

static bool in_list(const char *op, const char *const *list, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(op, list[i])) return true;
    return false;
}

bool lp_shape_rule(lp_infer *x) {
    return *x->n->domain ? lp_shape_rule_ml(x) : lp_shape_rule_onnx(x);
}

bool lp_shape_rule_onnx(lp_infer *x) {
    const char *op = x->n->op_type;
    if (in_list(op, same_ops, LP_COUNT(same_ops)))
        rule_same(x);
    else if (in_list(op, broadcast_ops, LP_COUNT(broadcast_ops)))
        rule_broadcast(x);
    else if (in_list(op, compare_ops, LP_COUNT(compare_ops)))
        rule_compare(x);
    else {
        for (size_t i = 0; i < LP_COUNT(rules); i++)
            if (!strcmp(op, rules[i].op)) {
                rules[i].fn(x);
                return true;
            }
        return lp_shape_rule_nn(x);
    }
    return true;
}
