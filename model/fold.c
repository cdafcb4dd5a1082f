/*
** fold.c — constant folding for shape inference: computes the contents of
** values that depend only on constants (Constant, Shape of a static tensor,
** Gather/Slice/Concat/arithmetic on shape vectors, ConstantOfShape, Range),
** so that Reshape/Expand/Slice targets in exported graphs resolve.
**
** Two levels: a node whose inputs are all constant and small is computed
** exactly into an arena tensor; a shape vector with symbolic entries
** ([batch, 3, -1]) is tracked entry by entry in the graph's symbol table.
** Folded tensors live in the model's arena and are never written again.
*/
#include "shape_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

lp_tensor *lp_fold_tensor(lp_infer *x, lp_dtype dtype, int rank, const int64_t *dims) {
    if (rank < 0 || rank > LP_MAX_RANK || !lp_dtype_valid((int)dtype) || dtype == LP_UNDEFINED)
        return NULL;
    int64_t numel = lp_shape_numel(rank, dims);
    if (numel < 0 || numel > LP_FOLD_MAX) return NULL;
    size_t es = lp_dtype_size(dtype);
    lp_tensor *t = lp_arena_alloc(&x->m->arena, sizeof *t);
    t->dtype = dtype;
    t->rank = rank;
    if (rank) memcpy(t->dims, dims, (size_t)rank * sizeof *dims);
    t->numel = numel;
    t->nbytes = (size_t)numel * es;
    t->data = lp_arena_alloc(&x->m->arena, t->nbytes ? t->nbytes : 1);
    if (dtype == LP_STRING) {
        char **s = t->data;
        for (int64_t i = 0; i < numel; i++) s[i] = "";
    }
    return t;
}

/* ---- element access ---- */

static bool is_num(lp_dtype t) {
    return t != LP_STRING && t != LP_COMPLEX64 && t != LP_COMPLEX128 && t != LP_UNDEFINED &&
           lp_dtype_valid((int)t);
}

static bool is_intlike(lp_dtype t) { return lp_dtype_is_int(t) || t == LP_BOOL; }

static void store_i64(lp_dtype t, void *data, size_t i, int64_t v) {
    if (t == LP_INT64)
        ((int64_t *)data)[i] = v;
    else if (t == LP_UINT64)
        ((uint64_t *)data)[i] = (uint64_t)v;
    else
        lp_store_f64(t, data, i, (double)v);
}

/* C conversion with the undefined cases (NaN, out of range) pinned down. */
static void store_num(lp_dtype t, void *data, size_t i, double v) {
    if (!is_intlike(t)) {
        lp_store_f64(t, data, i, v);
        return;
    }
    if (t == LP_BOOL) {
        lp_store_f64(t, data, i, v != 0 && !isnan(v));
        return;
    }
    int64_t n = isnan(v) ? 0 : v >= 9.2e18 ? INT64_MAX : v <= -9.2e18 ? INT64_MIN : (int64_t)v;
    store_i64(t, data, i, n);
}

/* A constant input that can be read: data present for its elements. */
static const lp_tensor *cin(lp_infer *x, int k) {
    const lp_tensor *t = lp_sh_in_const(x, k);
    if (!t || t->rank > LP_MAX_RANK || t->numel < 0 || (t->numel > 0 && !t->data)) return NULL;
    return t;
}

static bool all_const(lp_infer *x, int from) {
    for (int k = from; k < x->n->n_inputs; k++)
        if (x->n->inputs[k] >= 0 && !cin(x, k)) return false;
    return true;
}

static void unravel(int64_t flat, int rank, const int64_t *dims, int64_t *idx) {
    for (int i = rank - 1; i >= 0; i--) {
        idx[i] = dims[i] ? flat % dims[i] : 0;
        flat = dims[i] ? flat / dims[i] : 0;
    }
}

static void copy_elem(lp_tensor *dst, int64_t di, const lp_tensor *src, int64_t si) {
    size_t es = lp_dtype_size(src->dtype);
    memcpy((char *)dst->data + (size_t)di * es, (const char *)src->data + (size_t)si * es, es);
}

/* The output's shape as the rule found it, when static. */
static bool out_static(lp_infer *x, int k, int *rank, int64_t *dims) {
    if (k >= x->n->n_outputs || x->n->outputs[k] < 0) return false;
    const lp_type *t = &x->g->values[x->n->outputs[k]].type;
    if (!lp_type_is_static(t) || t->rank > LP_MAX_RANK) return false;
    *rank = t->rank;
    for (int i = 0; i < t->rank; i++) dims[i] = t->dims[i].value;
    return true;
}

/* ---- exact folds ---- */

/* Same data, new shape (Reshape, Squeeze, Identity, ...): shares the buffer. */
static void fold_view(lp_infer *x) {
    const lp_tensor *in = cin(x, 0);
    int rank;
    int64_t dims[LP_MAX_RANK];
    if (!in || !out_static(x, 0, &rank, dims) || lp_shape_numel(rank, dims) != in->numel) return;
    lp_tensor *t = lp_arena_alloc(&x->m->arena, sizeof *t);
    *t = *in;
    t->owned = false;
    t->capacity = 0;
    t->name = NULL;
    t->rank = rank;
    memcpy(t->dims, dims, sizeof dims);
    lp_sh_out_const(x, 0, t);
}

static void fold_constant(lp_infer *x) {
    const lp_node *n = x->n;
    for (int i = 0; i < n->n_attrs; i++) {
        const lp_attr *a = &n->attrs[i];
        if (a->ref) continue;
        int64_t one = 1;
        lp_tensor *t = NULL;
        if ((!strcmp(a->name, "value") || !strcmp(a->name, "sparse_value")) && a->t) {
            t = a->t;
        } else if (!strcmp(a->name, "value_float") && a->type == LP_ATTR_FLOAT) {
            if ((t = lp_fold_tensor(x, LP_FLOAT, 0, NULL))) *(float *)t->data = a->f;
        } else if (!strcmp(a->name, "value_int") && a->type == LP_ATTR_INT) {
            if ((t = lp_fold_tensor(x, LP_INT64, 0, NULL))) *(int64_t *)t->data = a->i;
        } else if (!strcmp(a->name, "value_string") && a->type == LP_ATTR_STRING) {
            if ((t = lp_fold_tensor(x, LP_STRING, 0, NULL))) *(const char **)t->data = a->s;
        } else if (!strcmp(a->name, "value_floats") && a->type == LP_ATTR_FLOATS) {
            one = a->n;
            if ((t = lp_fold_tensor(x, LP_FLOAT, 1, &one)) && a->n)
                memcpy(t->data, a->floats, (size_t)a->n * sizeof(float));
        } else if (!strcmp(a->name, "value_ints") && a->type == LP_ATTR_INTS) {
            one = a->n;
            if ((t = lp_fold_tensor(x, LP_INT64, 1, &one)) && a->n)
                memcpy(t->data, a->ints, (size_t)a->n * sizeof(int64_t));
        } else if (!strcmp(a->name, "value_strings") && a->type == LP_ATTR_STRINGS) {
            one = a->n;
            if ((t = lp_fold_tensor(x, LP_STRING, 1, &one)) && a->n)
                memcpy(t->data, a->strings, (size_t)a->n * sizeof(char *));
        }
        if (t) {
            lp_sh_out_const(x, 0, t);
            return;
        }
    }
}

static void fold_cast(lp_infer *x, lp_dtype to) {
    const lp_tensor *in = cin(x, 0);
    if (!in || !is_num(in->dtype) || !is_num(to)) return;
    lp_tensor *t = lp_fold_tensor(x, to, in->rank, in->dims);
    if (!t) return;
    for (int64_t i = 0; i < in->numel; i++) {
        if (is_intlike(in->dtype) && is_intlike(to))
            store_i64(to, t->data, (size_t)i, lp_load_i64(in->dtype, in->data, (size_t)i));
        else
            store_num(to, t->data, (size_t)i, lp_load_f64(in->dtype, in->data, (size_t)i));
    }
    lp_sh_out_const(x, 0, t);
}

/* Element-wise ops with numpy broadcasting. */
/* clang-format off */
typedef enum { EW_ADD, EW_SUB, EW_MUL, EW_DIV, EW_MOD, EW_POW, EW_MIN, EW_MAX, EW_EQ, EW_LT, EW_GT,
               EW_LE, EW_GE, EW_AND, EW_OR, EW_XOR, EW_NOT, EW_NEG, EW_ABS, EW_FLOOR, EW_CEIL,
               EW_SQRT, EW_RECIP, EW_RELU, EW_SIGN, EW_WHERE, EW_IDENT } ew_op;
/* clang-format on */

static const struct {
    const char *name;
    ew_op op;
} ew_ops[] = {
    {"Add", EW_ADD},           {"Sub", EW_SUB},          {"Mul", EW_MUL},
    {"Div", EW_DIV},           {"Mod", EW_MOD},          {"Pow", EW_POW},
    {"Min", EW_MIN},           {"Max", EW_MAX},          {"Equal", EW_EQ},
    {"Less", EW_LT},           {"Greater", EW_GT},       {"LessOrEqual", EW_LE},
    {"GreaterOrEqual", EW_GE}, {"And", EW_AND},          {"Or", EW_OR},
    {"Xor", EW_XOR},           {"Not", EW_NOT},          {"Neg", EW_NEG},
    {"Abs", EW_ABS},           {"Floor", EW_FLOOR},      {"Ceil", EW_CEIL},
    {"Sqrt", EW_SQRT},         {"Reciprocal", EW_RECIP}, {"Relu", EW_RELU},
    {"Sign", EW_SIGN},         {"Where", EW_WHERE},      {"Sum", EW_ADD},
};

static int ew_arity(ew_op op) { return op == EW_WHERE ? 3 : op >= EW_NOT ? 1 : 2; }

static bool ew_int(ew_op op, int64_t a, int64_t b, int64_t c, bool fmod_, int64_t *r) {
    switch (op) {
    case EW_ADD:
        return !__builtin_add_overflow(a, b, r);
    case EW_SUB:
        return !__builtin_sub_overflow(a, b, r);
    case EW_MUL:
        return !__builtin_mul_overflow(a, b, r);
    case EW_DIV:
        if (b == 0 || (a == INT64_MIN && b == -1)) return false;
        *r = a / b;
        return true;
    case EW_MOD:
        if (b == 0 || (a == INT64_MIN && b == -1)) return false;
        *r = a % b;
        if (!fmod_ && *r != 0 && ((*r < 0) != (b < 0))) *r += b;
        return true;
    case EW_POW: {
        if (b < 0 || b > 62) return false;
        int64_t p = 1;
        for (int64_t i = 0; i < b; i++)
            if (__builtin_mul_overflow(p, a, &p)) return false;
        *r = p;
        return true;
    }
    case EW_MIN:
        *r = a < b ? a : b;
        return true;
    case EW_MAX:
        *r = a > b ? a : b;
        return true;
    case EW_EQ:
        *r = a == b;
        return true;
    case EW_LT:
        *r = a < b;
        return true;
    case EW_GT:
        *r = a > b;
        return true;
    case EW_LE:
        *r = a <= b;
        return true;
    case EW_GE:
        *r = a >= b;
        return true;
    case EW_AND:
        *r = a && b;
        return true;
    case EW_OR:
        *r = a || b;
        return true;
    case EW_XOR:
        *r = !a != !b;
        return true;
    case EW_NOT:
        *r = !a;
        return true;
    case EW_NEG:
        if (a == INT64_MIN) return false;
        *r = -a;
        return true;
    case EW_ABS:
        if (a == INT64_MIN) return false;
        *r = a < 0 ? -a : a;
        return true;
    case EW_FLOOR:
    case EW_CEIL:
    case EW_IDENT:
        *r = a;
        return true;
    case EW_RELU:
        *r = a > 0 ? a : 0;
        return true;
    case EW_SIGN:
        *r = (a > 0) - (a < 0);
        return true;
    case EW_WHERE:
        *r = a ? b : c;
        return true;
    default:
        return false;
    }
}

static double ew_float(ew_op op, double a, double b, double c, bool fmod_) {
    switch (op) {
    case EW_ADD:
        return a + b;
    case EW_SUB:
        return a - b;
    case EW_MUL:
        return a * b;
    case EW_DIV:
        return a / b;
    case EW_MOD: {
        double m = fmod(a, b);
        if (!fmod_ && m != 0 && ((m < 0) != (b < 0))) m += b;
        return m;
    }
    case EW_POW:
        return pow(a, b);
    case EW_MIN:
        return a < b ? a : b;
    case EW_MAX:
        return a > b ? a : b;
    case EW_EQ:
        return a == b;
    case EW_LT:
        return a < b;
    case EW_GT:
        return a > b;
    case EW_LE:
        return a <= b;
    case EW_GE:
        return a >= b;
    case EW_AND:
        return a != 0 && b != 0;
    case EW_OR:
        return a != 0 || b != 0;
    case EW_XOR:
        return (a != 0) != (b != 0);
    case EW_NOT:
        return a == 0;
    case EW_NEG:
        return -a;
    case EW_ABS:
        return fabs(a);
    case EW_FLOOR:
        return floor(a);
    case EW_CEIL:
        return ceil(a);
    case EW_SQRT:
        return sqrt(a);
    case EW_RECIP:
        return 1 / a;
    case EW_RELU:
        return a > 0 ? a : 0;
    case EW_SIGN:
        return (a > 0) - (a < 0);
    case EW_WHERE:
        return a != 0 ? b : c;
    default:
        return a;
    }
}

static void fold_elementwise(lp_infer *x, ew_op op) {
    int ar = ew_arity(op);
    if (lp_sh_n_in(x) != ar) return;
    const lp_tensor *in[3] = {0};
    int rank = 0;
    int64_t dims[LP_MAX_RANK];
    for (int k = 0; k < ar; k++) {
        if (!(in[k] = cin(x, k)) || !is_num(in[k]->dtype)) return;
        if (in[k]->rank > rank) rank = in[k]->rank;
    }
    /* numpy broadcasting, and strides that read each input as if broadcast */
    for (int i = 0; i < rank; i++) dims[i] = 1;
    for (int k = 0; k < ar; k++)
        for (int i = rank - 1, j = in[k]->rank - 1; j >= 0; i--, j--) {
            int64_t d = in[k]->dims[j];
            if (d != 1 && dims[i] != 1 && d != dims[i]) return;
            if (d != 1) dims[i] = d;
        }
    int64_t st[3][LP_MAX_RANK];
    for (int k = 0; k < ar; k++) {
        int64_t s = 1;
        for (int i = rank - 1, j = in[k]->rank - 1; i >= 0; i--, j--) {
            int64_t d = j >= 0 ? in[k]->dims[j] : 1;
            st[k][i] = d == 1 ? 0 : s;
            s *= d;
        }
    }
    lp_dtype od = (op >= EW_EQ && op <= EW_NOT) ? LP_BOOL
                  : op == EW_WHERE              ? in[1]->dtype
                                                : in[0]->dtype;
    lp_tensor *t = lp_fold_tensor(x, od, rank, dims);
    if (!t) return;
    bool fmod_ = lp_attr_int(x->n, "fmod", 0) != 0;
    bool ints = is_intlike(od);
    for (int k = 0; k < ar; k++) ints &= is_intlike(in[k]->dtype) || (op == EW_WHERE && k == 0);
    int64_t idx[LP_MAX_RANK];
    for (int64_t e = 0; e < t->numel; e++) {
        unravel(e, rank, dims, idx);
        size_t off[3] = {0};
        for (int k = 0; k < ar; k++)
            for (int i = 0; i < rank; i++) off[k] += (size_t)(idx[i] * st[k][i]);
        if (ints) {
            int64_t a[3] = {0}, r;
            for (int k = 0; k < ar; k++) a[k] = lp_load_i64(in[k]->dtype, in[k]->data, off[k]);
            if (!ew_int(op, a[0], a[1], a[2], fmod_, &r)) return;
            store_i64(od, t->data, (size_t)e, r);
        } else {
            double a[3] = {0};
            for (int k = 0; k < ar; k++) a[k] = lp_load_f64(in[k]->dtype, in[k]->data, off[k]);
            store_num(od, t->data, (size_t)e, ew_float(op, a[0], a[1], a[2], fmod_));
        }
    }
    lp_sh_out_const(x, 0, t);
}

static void fold_gather(lp_infer *x) {
    const lp_tensor *d = cin(x, 0), *ix = cin(x, 1);
    int axis;
    if (!d || !ix || !lp_dtype_is_int(ix->dtype) ||
        !lp_sh_axis(lp_attr_int(x->n, "axis", 0), d->rank, &axis))
        return;
    int rank = d->rank - 1 + ix->rank;
    int64_t dims[LP_MAX_RANK];
    if (rank > LP_MAX_RANK) return;
    for (int i = 0; i < rank; i++)
        dims[i] = i < axis              ? d->dims[i]
                  : i < axis + ix->rank ? ix->dims[i - axis]
                                        : d->dims[i - ix->rank + 1];
    lp_tensor *t = lp_fold_tensor(x, d->dtype, rank, dims);
    if (!t) return;
    int64_t outer = lp_shape_numel(axis, d->dims),
            inner = lp_shape_numel(d->rank - axis - 1, d->dims + axis + 1);
    int64_t len = d->dims[axis];
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < ix->numel; j++) {
            int64_t i = lp_load_i64(ix->dtype, ix->data, (size_t)j);
            if (i < 0) i += len;
            if (i < 0 || i >= len) return;
            for (int64_t q = 0; q < inner; q++)
                copy_elem(t, (o * ix->numel + j) * inner + q, d, (o * len + i) * inner + q);
        }
    lp_sh_out_const(x, 0, t);
}

static void fold_concat(lp_infer *x) {
    int axis;
    const lp_tensor *first = cin(x, 0);
    if (!first || !lp_sh_axis(lp_attr_int(x->n, "axis", 0), first->rank, &axis)) return;
    int rank = first->rank;
    int64_t dims[LP_MAX_RANK];
    memcpy(dims, first->dims, sizeof dims);
    dims[axis] = 0;
    for (int k = 0; k < x->n->n_inputs; k++) {
        const lp_tensor *in = cin(x, k);
        if (!in) continue;
        if (in->rank != rank || in->dtype != first->dtype) return;
        for (int i = 0; i < rank; i++)
            if (i != axis && in->dims[i] != dims[i]) return;
        if (in->dims[axis] > LP_FOLD_MAX) return;
        dims[axis] += in->dims[axis];
    }
    lp_tensor *t = lp_fold_tensor(x, first->dtype, rank, dims);
    if (!t) return;
    int64_t outer = lp_shape_numel(axis, dims),
            inner = lp_shape_numel(rank - axis - 1, dims + axis + 1);
    int64_t at = 0;
    for (int k = 0; k < x->n->n_inputs; k++) {
        const lp_tensor *in = cin(x, k);
        if (!in) continue;
        int64_t len = in->dims[axis];
        for (int64_t o = 0; o < outer; o++)
            for (int64_t q = 0; q < len * inner; q++)
                copy_elem(t, (o * dims[axis] + at) * inner + q, in, o * len * inner + q);
        at += len;
    }
    lp_sh_out_const(x, 0, t);
}

int lp_sh_slice_params(lp_infer *x, int rank, int64_t *st, int64_t *en, int64_t *step, int *axes) {
    int64_t s[LP_MAX_INTS], e[LP_MAX_INTS], a[LP_MAX_INTS], p[LP_MAX_INTS];
    int ns, ne, na, np;
    if (x->opset >= 10) {
        ns = lp_sh_in_ints(x, 1, s, LP_MAX_INTS);
        ne = lp_sh_in_ints(x, 2, e, LP_MAX_INTS);
        na = lp_sh_in_has(x, 3) ? lp_sh_in_ints(x, 3, a, LP_MAX_INTS) : -2;
        np = lp_sh_in_has(x, 4) ? lp_sh_in_ints(x, 4, p, LP_MAX_INTS) : -2;
    } else {
        ns = lp_sh_attr_ints(x->n, "starts", s, LP_MAX_INTS);
        ne = lp_sh_attr_ints(x->n, "ends", e, LP_MAX_INTS);
        na = lp_node_attr(x->n, "axes") ? lp_sh_attr_ints(x->n, "axes", a, LP_MAX_INTS) : -2;
        np = -2;
    }
    if (ns < 0 || ne != ns || na == -1 || np == -1 || (na >= 0 && na != ns) ||
        (np >= 0 && np != ns))
        return -1;
    for (int i = 0; i < ns; i++) {
        if (!lp_sh_axis(na >= 0 ? a[i] : i, rank, &axes[i])) return -1;
        for (int j = 0; j < i; j++)
            if (axes[j] == axes[i]) return -1;
        st[i] = s[i];
        en[i] = e[i];
        step[i] = np >= 0 ? p[i] : 1;
        if (step[i] == 0 || step[i] == INT64_MIN) return -1;
    }
    return ns;
}

int64_t lp_sh_slice_range(int64_t len, int64_t *start, int64_t end, int64_t step) {
    int64_t s = *start, e = end;
    if (s < 0) s += len;
    if (e < 0) e += len;
    if (step > 0) {
        s = s < 0 ? 0 : s > len ? len : s;
        e = e < 0 ? 0 : e > len ? len : e;
        *start = s;
        return e > s ? (e - s - 1) / step + 1 : 0;
    }
    s = s < 0 ? 0 : s > len - 1 ? len - 1 : s;
    e = e < -1 ? -1 : e > len - 1 ? len - 1 : e;
    *start = s;
    return s > e ? (s - e - 1) / -step + 1 : 0;
}

static void fold_slice(lp_infer *x) {
    const lp_tensor *d = cin(x, 0);
    if (!d) return;
    int64_t st[LP_MAX_INTS], en[LP_MAX_INTS], step[LP_MAX_INTS];
    int axes[LP_MAX_INTS];
    int n = lp_sh_slice_params(x, d->rank, st, en, step, axes);
    if (n < 0) return;
    int64_t start[LP_MAX_RANK], stp[LP_MAX_RANK], dims[LP_MAX_RANK];
    for (int i = 0; i < d->rank; i++) start[i] = 0, stp[i] = 1, dims[i] = d->dims[i];
    for (int i = 0; i < n; i++) {
        int a = axes[i];
        start[a] = st[i];
        stp[a] = step[i];
        dims[a] = lp_sh_slice_range(d->dims[a], &start[a], en[i], step[i]);
    }
    lp_tensor *t = lp_fold_tensor(x, d->dtype, d->rank, dims);
    if (!t) return;
    int64_t idx[LP_MAX_RANK];
    for (int64_t e = 0; e < t->numel; e++) {
        unravel(e, d->rank, dims, idx);
        int64_t src = 0;
        for (int i = 0; i < d->rank; i++) src = src * d->dims[i] + start[i] + idx[i] * stp[i];
        copy_elem(t, e, d, src);
    }
    lp_sh_out_const(x, 0, t);
}

static void fold_transpose(lp_infer *x) {
    const lp_tensor *d = cin(x, 0);
    if (!d) return;
    int rank = d->rank;
    int64_t dims[LP_MAX_RANK], perm[LP_MAX_RANK];
    int np = lp_sh_attr_ints(x->n, "perm", perm, LP_MAX_RANK);
    if (np < 0)
        for (int i = 0; i < rank; i++) perm[i] = rank - 1 - i;
    else if (np != rank)
        return;
    bool seen[LP_MAX_RANK] = {0};
    for (int i = 0; i < rank; i++) {
        if (perm[i] < 0 || perm[i] >= rank || seen[perm[i]]) return;
        seen[perm[i]] = true;
        dims[i] = d->dims[perm[i]];
    }
    lp_tensor *t = lp_fold_tensor(x, d->dtype, rank, dims);
    if (!t) return;
    int64_t idx[LP_MAX_RANK], src[LP_MAX_RANK];
    for (int64_t e = 0; e < t->numel; e++) {
        unravel(e, rank, dims, idx);
        for (int i = 0; i < rank; i++) src[perm[i]] = idx[i];
        int64_t s = 0;
        for (int i = 0; i < rank; i++) s = s * d->dims[i] + src[i];
        copy_elem(t, e, d, s);
    }
    lp_sh_out_const(x, 0, t);
}

/* Expand and Tile: every output element reads one input element. */
static void fold_broadcast_copy(lp_infer *x, bool tile) {
    const lp_tensor *d = cin(x, 0);
    int64_t v[LP_MAX_RANK], dims[LP_MAX_RANK];
    int n = lp_sh_in_ints(x, 1, v, LP_MAX_RANK);
    if (!d || n < 0 || (tile && n != d->rank)) return;
    int rank = n > d->rank ? n : d->rank, off = rank - d->rank;
    for (int i = 0; i < rank; i++) {
        int64_t a = i >= off ? d->dims[i - off] : 1, b = i >= rank - n ? v[i - (rank - n)] : 1;
        if (tile) {
            if (b < 0 || lp_mul_i64(a, b, &dims[i])) return;
        } else {
            if (a != 1 && b != 1 && a != b) return;
            dims[i] = a == 1 ? b : a;
            if (dims[i] < 0) return;
        }
    }
    lp_tensor *t = lp_fold_tensor(x, d->dtype, rank, dims);
    if (!t) return;
    int64_t idx[LP_MAX_RANK];
    for (int64_t e = 0; e < t->numel; e++) {
        unravel(e, rank, dims, idx);
        int64_t s = 0;
        for (int i = 0; i < d->rank; i++) {
            int64_t len = d->dims[i];
            int64_t j = tile ? (len ? idx[i] % len : 0) : (len == 1 ? 0 : idx[i + off]);
            s = s * len + j;
        }
        copy_elem(t, e, d, s);
    }
    lp_sh_out_const(x, 0, t);
}

static void fold_constant_of_shape(lp_infer *x) {
    int64_t dims[LP_MAX_RANK];
    int rank = lp_sh_in_ints(x, 0, dims, LP_MAX_RANK);
    if (rank < 0) return;
    const lp_tensor *v = lp_attr_tensor(x->n, "value");
    if (v && (v->numel != 1 || !v->data || v->dtype == LP_STRING)) return;
    lp_tensor *t = lp_fold_tensor(x, v ? v->dtype : LP_FLOAT, rank, dims);
    if (!t) return;
    size_t es = lp_dtype_size(t->dtype);
    if (v)
        for (int64_t i = 0; i < t->numel; i++)
            memcpy((char *)t->data + (size_t)i * es, v->data, es);
    lp_sh_out_const(x, 0, t);
}

static void fold_range(lp_infer *x) {
    const lp_tensor *s = cin(x, 0), *l = cin(x, 1), *d = cin(x, 2);
    if (!s || !l || !d || s->numel != 1 || l->numel != 1 || d->numel != 1 || !is_num(s->dtype))
        return;
    double a = lp_load_f64(s->dtype, s->data, 0), b = lp_load_f64(l->dtype, l->data, 0);
    double dl = lp_load_f64(d->dtype, d->data, 0);
    double cnt = dl != 0 ? ceil((b - a) / dl) : NAN;
    if (!(cnt <= LP_FOLD_MAX)) return;
    int64_t len = cnt > 0 ? (int64_t)cnt : 0;
    lp_tensor *t = lp_fold_tensor(x, s->dtype, 1, &len);
    if (!t) return;
    if (is_intlike(s->dtype)) {
        int64_t ai = lp_load_i64(s->dtype, s->data, 0), di = lp_load_i64(d->dtype, d->data, 0), v;
        for (int64_t i = 0; i < len; i++) {
            if (__builtin_mul_overflow(i, di, &v) || __builtin_add_overflow(ai, v, &v)) return;
            store_i64(t->dtype, t->data, (size_t)i, v);
        }
    } else {
        for (int64_t i = 0; i < len; i++)
            store_num(t->dtype, t->data, (size_t)i, a + (double)i * dl);
    }
    lp_sh_out_const(x, 0, t);
}

/* ReduceSum/Prod/Min/Max/Mean; kind 0..4 in that order. */
static void fold_reduce(lp_infer *x, int kind) {
    const lp_tensor *d = cin(x, 0);
    if (!d || !is_num(d->dtype) || d->numel == 0) return;
    int64_t axes[LP_MAX_INTS];
    bool from_input = x->opset >= 18 || (!strcmp(x->n->op_type, "ReduceSum") && x->opset >= 13);
    int na =
        from_input
            ? (lp_sh_in_has(x, 1) ? lp_sh_in_ints(x, 1, axes, LP_MAX_INTS) : 0)
            : (lp_node_attr(x->n, "axes") ? lp_sh_attr_ints(x->n, "axes", axes, LP_MAX_INTS) : 0);
    if (na < 0) return;
    bool red[LP_MAX_RANK] = {0};
    if (na == 0) {
        if (lp_attr_int(x->n, "noop_with_empty_axes", 0)) return;
        for (int i = 0; i < d->rank; i++) red[i] = true;
    }
    for (int i = 0; i < na; i++) {
        int a;
        if (!lp_sh_axis(axes[i], d->rank, &a)) return;
        red[a] = true;
    }
    bool keep = lp_attr_int(x->n, "keepdims", 1) != 0;
    int rank = 0;
    int64_t dims[LP_MAX_RANK];
    for (int i = 0; i < d->rank; i++)
        if (!red[i])
            dims[rank++] = d->dims[i];
        else if (keep)
            dims[rank++] = 1;
    lp_tensor *t = lp_fold_tensor(x, d->dtype, rank, dims);
    if (!t || t->numel == 0) return;
    double *acc = lp_xmalloc((size_t)t->numel * sizeof *acc);
    for (int64_t i = 0; i < t->numel; i++)
        acc[i] = kind == 1 ? 1 : kind == 2 ? INFINITY : kind == 3 ? -INFINITY : 0;
    int64_t idx[LP_MAX_RANK], cnt = 0;
    for (int64_t e = 0; e < d->numel; e++) {
        unravel(e, d->rank, d->dims, idx);
        int64_t o = 0;
        for (int i = 0; i < d->rank; i++)
            if (!red[i]) o = o * d->dims[i] + idx[i];
        double v = lp_load_f64(d->dtype, d->data, (size_t)e);
        cnt += o == 0;
        acc[o] = kind == 1   ? acc[o] * v
                 : kind == 2 ? fmin(acc[o], v)
                 : kind == 3 ? fmax(acc[o], v)
                             : acc[o] + v;
    }
    for (int64_t i = 0; i < t->numel; i++)
        store_num(t->dtype, t->data, (size_t)i, kind == 4 && cnt ? acc[i] / (double)cnt : acc[i]);
    free(acc);
    lp_sh_out_const(x, 0, t);
}

/* ---- symbolic shape vectors ---- */

static void sym_shape(lp_infer *x) {
    lp_shp s;
    if (!lp_sh_in_shape(x, 0, &s)) return;
    int64_t start = x->opset >= 15 ? lp_attr_int(x->n, "start", 0) : 0;
    int64_t end = x->opset >= 15 ? lp_attr_int(x->n, "end", s.rank) : s.rank;
    if (start < 0) start += s.rank;
    if (end < 0) end += s.rank;
    if (start < 0) start = 0;
    if (end > s.rank) end = s.rank;
    if (start > end) start = end;
    lp_dim d[LP_MAX_RANK];
    for (int64_t i = start; i < end; i++) d[i - start] = lp_sym_from_dim(s.d[i]);
    lp_sh_out_dims(x, 0, d, (int)(end - start), 1);
}

static void sym_size(lp_infer *x) {
    lp_shp s;
    if (!lp_sh_in_shape(x, 0, &s)) return;
    lp_dim p = lp_sym_from_dim(lp_dim_prod(s.d, 0, s.rank));
    lp_sh_out_dims(x, 0, &p, 1, 0);
}

static void sym_gather(lp_infer *x) {
    lp_dim d[LP_MAX_INTS], out[LP_MAX_INTS];
    int64_t ix[LP_MAX_INTS];
    int rank;
    int n = lp_sh_in_dims(x, 0, d, LP_MAX_INTS, &rank);
    int ni = lp_sh_in_ints(x, 1, ix, LP_MAX_INTS);
    const lp_tensor *it = lp_sh_in_const(x, 1);
    if (n < 0 || rank != 1 || ni < 0 || !it || it->rank > 1 || lp_attr_int(x->n, "axis", 0) != 0)
        return;
    for (int i = 0; i < ni; i++) {
        int64_t j = ix[i] < 0 ? ix[i] + n : ix[i];
        if (j < 0 || j >= n) return;
        out[i] = d[j];
    }
    lp_sh_out_dims(x, 0, out, ni, it->rank);
}

static void sym_slice(lp_infer *x) {
    lp_dim d[LP_MAX_INTS], out[LP_MAX_INTS];
    int rank;
    int n = lp_sh_in_dims(x, 0, d, LP_MAX_INTS, &rank);
    int64_t st[LP_MAX_INTS], en[LP_MAX_INTS], step[LP_MAX_INTS];
    int axes[LP_MAX_INTS];
    if (n < 0 || rank != 1) return;
    int ns = lp_sh_slice_params(x, 1, st, en, step, axes);
    if (ns < 0) return;
    int64_t start = 0, stp = 1, len = n;
    if (ns == 1) {
        start = st[0];
        stp = step[0];
        len = lp_sh_slice_range(n, &start, en[0], stp);
    }
    for (int64_t i = 0; i < len; i++) {
        int64_t j = start + i * stp;
        if (j < 0 || j >= n) return;
        out[i] = d[j];
    }
    lp_sh_out_dims(x, 0, out, (int)len, 1);
}

static void sym_concat(lp_infer *x) {
    lp_dim out[LP_MAX_INTS];
    int n = 0;
    if (lp_attr_int(x->n, "axis", 0) != 0 && lp_attr_int(x->n, "axis", 0) != -1) return;
    for (int k = 0; k < x->n->n_inputs; k++) {
        int rank;
        int c = lp_sh_in_dims(x, k, out + n, LP_MAX_INTS - n, &rank);
        if (c < 0 || rank != 1) return;
        n += c;
    }
    lp_sh_out_dims(x, 0, out, n, 1);
}

/* Unsqueeze/Squeeze/Reshape/Identity/Cast of a shape vector: same entries. */
static void sym_pass(lp_infer *x) {
    lp_dim d[LP_MAX_INTS];
    int rank;
    int n = lp_sh_in_dims(x, 0, d, LP_MAX_INTS, &rank);
    if (n < 0 || !lp_sh_out_has(x, 0)) return;
    const lp_type *t = &x->g->values[x->n->outputs[0]].type;
    int orank = t->kind == LP_KIND_TENSOR ? t->rank : -1;
    if (orank == 0 && n == 1)
        lp_sh_out_dims(x, 0, d, 1, 0);
    else if (orank == 1 && (t->dims[0].value < 0 || t->dims[0].value == n))
        lp_sh_out_dims(x, 0, d, n, 1);
}

/* One entry of an element-wise op on shape vectors; c is Where's third operand. */
static lp_dim sym_entry(ew_op op, lp_dim p, lp_dim q, lp_dim c) {
    int64_t r;
    bool kp = lp_sym_known(p), kq = lp_sym_known(q);
    lp_dim unknown = {LP_SYM_UNKNOWN, NULL};
    if (op == EW_WHERE) {
        if (kp) return p.value ? q : c;
        return lp_dim_same(q, c) || (lp_sym_known(q) && q.value == c.value) ? q : unknown;
    }
    if (kp && kq) return ew_int(op, p.value, q.value, 0, false, &r) ? lp_dim_of(r) : unknown;
    if (op == EW_EQ) {
        /* a named entry is a dim: never negative, and equal to itself */
        if (p.param && q.param && !strcmp(p.param, q.param)) return lp_dim_of(1);
        if ((p.param && kq && q.value < 0) || (q.param && kp && p.value < 0)) return lp_dim_of(0);
        return unknown;
    }
    if ((op == EW_MUL || op == EW_DIV) && q.value == 1) return p;
    if (op == EW_MUL && p.value == 1) return q;
    if ((op == EW_ADD || op == EW_SUB) && q.value == 0) return p;
    if (op == EW_ADD && p.value == 0) return q;
    return unknown;
}

/* Arithmetic, Equal and Where on shape vectors, broadcasting length-1 operands. */
static void sym_elementwise(lp_infer *x, ew_op op) {
    lp_dim v[3][LP_MAX_INTS], out[LP_MAX_INTS];
    int ar = ew_arity(op), len[3] = {1, 1, 1}, rank = 0, n = 1;
    for (int k = 0; k < ar; k++) {
        int r;
        if ((len[k] = lp_sh_in_dims(x, k, v[k], LP_MAX_INTS, &r)) < 0) return;
        if (len[k] != 1 && n != 1 && len[k] != n) return;
        if (len[k] != 1) n = len[k];
        if (r > rank) rank = r;
    }
    for (int i = 0; i < n; i++) {
        lp_dim e[3] = {{0, NULL}, {0, NULL}, {0, NULL}};
        for (int k = 0; k < ar; k++) e[k] = v[k][len[k] == 1 ? 0 : i];
        out[i] = sym_entry(op, e[0], e[1], e[2]);
    }
    lp_sh_out_dims(x, 0, out, n, rank);
}

/* ---- dispatch ---- */

void lp_fold_node(lp_infer *x) {
    const lp_node *n = x->n;
    const char *op = n->op_type;
    if (*n->domain || n->n_outputs < 1 || n->outputs[0] < 0) return;
    if (x->g->values[n->outputs[0]].constant) return;
    if (!strcmp(op, "Constant")) {
        fold_constant(x);
        return;
    }
    if (!strcmp(op, "Shape")) {
        sym_shape(x);
        return;
    }
    if (!strcmp(op, "Size")) {
        sym_size(x);
        return;
    }
    bool consts = n->n_inputs > 0 && all_const(x, 0);
    if (!strcmp(op, "Identity") || !strcmp(op, "Reshape") || !strcmp(op, "Squeeze") ||
        !strcmp(op, "Unsqueeze") || !strcmp(op, "Flatten") ||
        (!strcmp(op, "Dropout") && (n->n_outputs < 2 || n->outputs[1] < 0))) {
        if (cin(x, 0)) fold_view(x);
        if (!x->g->values[n->outputs[0]].constant && strcmp(op, "Flatten")) sym_pass(x);
        return;
    }
    if (!strcmp(op, "Cast") || !strcmp(op, "CastLike")) {
        lp_dtype to = !strcmp(op, "Cast") ? (lp_dtype)lp_attr_int(n, "to", 0) : lp_sh_in_elem(x, 1);
        if (consts) fold_cast(x, to);
        if (!x->g->values[n->outputs[0]].constant && is_intlike(to) && to != LP_BOOL) sym_pass(x);
        return;
    }
    for (size_t i = 0; i < LP_COUNT(ew_ops); i++)
        if (!strcmp(op, ew_ops[i].name)) {
            if (consts) fold_elementwise(x, ew_ops[i].op);
            ew_op o = ew_ops[i].op;
            bool shapes = o <= EW_MAX || o == EW_EQ || o == EW_WHERE;
            int data = o == EW_WHERE ? 1 : 0; /* the operand whose type the output has */
            if (!x->g->values[n->outputs[0]].constant && shapes && lp_sh_n_in(x) == ew_arity(o) &&
                is_intlike(lp_sh_in_elem(x, data)))
                sym_elementwise(x, o);
            return;
        }
    if (!strcmp(op, "Gather")) {
        if (consts) fold_gather(x);
        if (!x->g->values[n->outputs[0]].constant) sym_gather(x);
    } else if (!strcmp(op, "Slice")) {
        if (cin(x, 0)) fold_slice(x);
        if (!x->g->values[n->outputs[0]].constant) sym_slice(x);
    } else if (!strcmp(op, "Concat")) {
        if (consts) fold_concat(x);
        if (!x->g->values[n->outputs[0]].constant) sym_concat(x);
    } else if (!consts) {
        return;
    } else if (!strcmp(op, "Transpose")) {
        fold_transpose(x);
    } else if (!strcmp(op, "Expand")) {
        fold_broadcast_copy(x, false);
    } else if (!strcmp(op, "Tile")) {
        fold_broadcast_copy(x, true);
    } else if (!strcmp(op, "ConstantOfShape")) {
        fold_constant_of_shape(x);
    } else if (!strcmp(op, "Range")) {
        fold_range(x);
    } else if (!strcmp(op, "ReduceSum")) {
        fold_reduce(x, 0);
    } else if (!strcmp(op, "ReduceProd")) {
        fold_reduce(x, 1);
    } else if (!strcmp(op, "ReduceMin")) {
        fold_reduce(x, 2);
    } else if (!strcmp(op, "ReduceMax")) {
        fold_reduce(x, 3);
    } else if (!strcmp(op, "ReduceMean")) {
        fold_reduce(x, 4);
    }
}
