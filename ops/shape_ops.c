/*
** shape_ops.c — kernels that change a tensor's shape or make one from
** attributes: Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Expand,
** Identity, Shape, Size, Constant, ConstantOfShape, Range, EyeLike, Trilu,
** DepthToSpace and SpaceToDepth. Most are pure data movement: elements are
** copied by size, strings duplicated.
*/
#include "ops/tensorops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The output as x's elements under a new shape: x's own buffer when x
** (input 0) dies here, else a copy. */
static int copy_as(lp_kctx *k, const lp_tensor *x, int rank, const int64_t *dims) {
    if (x == lp_in(k, 0) && lp_out_take(k, 0, 0, x->dtype, rank, dims)) return LP_OK;
    lp_tensor *y = lp_out(k, 0, x->dtype, rank, dims);
    if (!y) return LP_EFAIL;
    if (y->numel != x->numel) return lp_kfail(k, "internal: element counts differ");
    lp_copy_elems(y, 0, x, 0, x->numel);
    return LP_OK;
}

static const lp_tensor *need_in(lp_kctx *k, int i, const char *what) {
    const lp_tensor *t = lp_in(k, i);
    if (!t) lp_kbad(k, "input %d (%s) is missing or not a tensor", i, what);
    return t;
}

/* ---- Reshape ---- */

int lp_k_reshape(lp_kctx *k) {
    const lp_tensor *x = need_in(k, 0, "data");
    if (!x) return LP_EINPUT;
    int64_t shape[LP_MAX_RANK];
    int n = 0;
    if (k->opset < 5) {
        int cnt;
        const int64_t *s = lp_attr_ints(k->node, "shape", &cnt);
        if (!s) return lp_kbad(k, "attribute 'shape' is missing");
        if (cnt > LP_MAX_RANK)
            return lp_kbad(k, "shape has %d values, beyond rank %d", cnt, LP_MAX_RANK);
        memcpy(shape, s, (size_t)cnt * sizeof *s);
        n = cnt;
    } else {
        if (!lp_in(k, 1)) return lp_kbad(k, "input 1 (shape) is missing");
        int rc = lp_input_ints(k, 1, "shape", shape, LP_MAX_RANK, &n);
        if (rc) return rc;
    }
    bool allowzero = k->opset >= 14 && lp_attr_int(k->node, "allowzero", 0);
    int infer = -1;
    int64_t known = 1;
    for (int i = 0; i < n; i++) {
        if (shape[i] == -1) {
            if (infer >= 0) return lp_kbad(k, "shape has more than one -1");
            infer = i;
            continue;
        }
        if (shape[i] < -1) return lp_kbad(k, "shape value %lld is negative", (long long)shape[i]);
        if (shape[i] == 0 && !allowzero) {
            if (i >= x->rank)
                return lp_kbad(k, "shape value 0 at %d copies a dimension the input lacks", i);
            shape[i] = x->dims[i];
        }
        if (lp_mul_i64(known, shape[i], &known)) return lp_kbad(k, "shape overflows");
    }
    if (infer >= 0) {
        if (known == 0 || x->numel % known)
            return lp_kbad(k, "cannot infer the -1 dimension: %lld elements into blocks of %lld",
                           (long long)x->numel, (long long)known);
        shape[infer] = x->numel / known;
    } else if (known != x->numel) {
        char a[200], b[200];
        return lp_kbad(k, "cannot reshape [%s] (%lld elements) to [%s]",
                       lp_dims_str(x->rank, x->dims, a, sizeof a, true), (long long)x->numel,
                       lp_dims_str(n, shape, b, sizeof b, true));
    }
    return copy_as(k, x, n, shape);
}

/* ---- Flatten ---- */

int lp_k_flatten(lp_kctx *k) {
    const lp_tensor *x = need_in(k, 0, "input");
    if (!x) return LP_EINPUT;
    int64_t axis = lp_attr_int(k->node, "axis", 1);
    if (axis < 0) axis += x->rank;
    if (axis < 0 || axis > x->rank)
        return lp_kbad(k, "axis %lld is out of range for rank %d",
                       (long long)lp_attr_int(k->node, "axis", 1), x->rank);
    int64_t dims[2] = {1, 1};
    for (int i = 0; i < x->rank; i++) dims[i >= axis] *= x->dims[i];
    return copy_as(k, x, 2, dims);
}

/* ---- Squeeze / Unsqueeze ---- */

/* Axes from the attribute (before opset 13) or input 1. */
static int read_axes(lp_kctx *k, int64_t *axes, int *n, bool *given) {
    *n = 0;
    *given = false;
    if (k->opset < 13) {
        int cnt;
        const int64_t *a = lp_attr_ints(k->node, "axes", &cnt);
        if (!a) return LP_OK;
        if (cnt > LP_MAX_RANK) return lp_kbad(k, "'axes' has %d values, too many", cnt);
        memcpy(axes, a, (size_t)cnt * sizeof *a);
        *n = cnt;
        *given = true;
        return LP_OK;
    }
    int rc = lp_input_ints(k, 1, "axes", axes, LP_MAX_RANK, n);
    /* an empty axes input counts as none given, as onnxruntime reads it */
    *given = *n > 0;
    return rc;
}

int lp_k_squeeze(lp_kctx *k) {
    const lp_tensor *x = need_in(k, 0, "data");
    if (!x) return LP_EINPUT;
    int64_t axes[LP_MAX_RANK];
    int n;
    bool given;
    int rc = read_axes(k, axes, &n, &given);
    if (rc) return rc;
    rc = lp_norm_axes(k, axes, n, x->rank, "axes");
    if (rc) return rc;
    bool drop[LP_MAX_RANK] = {false};
    for (int i = 0; i < n; i++) {
        if (x->dims[axes[i]] != 1)
            return lp_kbad(k, "cannot squeeze axis %lld of size %lld", (long long)axes[i],
                           (long long)x->dims[axes[i]]);
        drop[axes[i]] = true;
    }
    int64_t dims[LP_MAX_RANK];
    int r = 0;
    for (int i = 0; i < x->rank; i++) {
        if (given ? drop[i] : x->dims[i] == 1) continue;
        dims[r++] = x->dims[i];
    }
    return copy_as(k, x, r, dims);
}

int lp_k_unsqueeze(lp_kctx *k) {
    const lp_tensor *x = need_in(k, 0, "data");
    if (!x) return LP_EINPUT;
    int64_t axes[LP_MAX_RANK];
    int n;
    bool given;
    int rc = read_axes(k, axes, &n, &given);
    if (rc) return rc;
    if (!given && k->opset < 13) return lp_kbad(k, "axes are missing");
    int r = x->rank + n;
    if (r > LP_MAX_RANK) return lp_kbad(k, "the result would have rank %d", r);
    rc = lp_norm_axes(k, axes, n, r, "axes");
    if (rc) return rc;
    bool ins[LP_MAX_RANK] = {false};
    for (int i = 0; i < n; i++) ins[axes[i]] = true;
    int64_t dims[LP_MAX_RANK];
    for (int i = 0, j = 0; i < r; i++) dims[i] = ins[i] ? 1 : x->dims[j++];
    return copy_as(k, x, r, dims);
}

/* ---- Transpose ---- */

int lp_k_transpose(lp_kctx *k) {
    const lp_tensor *x = need_in(k, 0, "data");
    if (!x) return LP_EINPUT;
    int perm[LP_MAX_RANK];
    int n;
    const int64_t *p = lp_attr_ints(k->node, "perm", &n);
    if (p) {
        if (n != x->rank)
            return lp_kbad(k, "perm has %d values for an input of rank %d", n, x->rank);
        bool seen[LP_MAX_RANK] = {false};
        for (int i = 0; i < n; i++) {
            int64_t a = p[i] < 0 ? p[i] + n : p[i];
            if (a < 0 || a >= n || seen[a])
                return lp_kbad(k, "perm is not a permutation of 0..%d", n - 1);
            seen[a] = true;
            perm[i] = (int)a;
        }
    } else {
        for (int i = 0; i < x->rank; i++) perm[i] = x->rank - 1 - i;
    }
    int64_t dims[LP_MAX_RANK];
    for (int i = 0; i < x->rank; i++) dims[i] = x->dims[perm[i]];
    lp_tensor *y = lp_out(k, 0, x->dtype, x->rank, dims);
    if (!y) return LP_EFAIL;
    lp_permute_copy(y, x, x->rank, x->dims, perm);
    return LP_OK;
}

/* ---- Expand ---- */

int lp_k_expand(lp_kctx *k) {
    const lp_tensor *x = need_in(k, 0, "input");
    if (!x) return LP_EINPUT;
    if (!lp_in(k, 1)) return lp_kbad(k, "input 1 (shape) is missing");
    lp_tensor shape = {.rank = 0};
    int n;
    int rc = lp_input_ints(k, 1, "shape", shape.dims, LP_MAX_RANK, &n);
    if (rc) return rc;
    shape.rank = n;
    for (int i = 0; i < n; i++)
        if (shape.dims[i] < 0)
            return lp_kbad(k, "shape value %lld is negative", (long long)shape.dims[i]);
    const lp_tensor *both[2] = {x, &shape};
    int rank;
    int64_t dims[LP_MAX_RANK], sstr[LP_MAX_RANK], dstr[LP_MAX_RANK];
    rc = lp_broadcast_shape(k, both, 2, &rank, dims);
    if (rc) return rc;
    lp_tensor *y = lp_out(k, 0, x->dtype, rank, dims);
    if (!y) return LP_EFAIL;
    lp_broadcast_strides(x, rank, dims, sstr);
    lp_contig_strides(rank, dims, dstr);
    lp_strided_copy(y, 0, dstr, x, 0, sstr, rank, dims);
    return LP_OK;
}

/* ---- Identity ---- */

int lp_k_identity(lp_kctx *k) {
    if (k->n_in < 1 || !k->in[0]) return lp_kbad(k, "input is missing");
    const lp_rvalue *v = k->in[0];
    if (v->kind == LP_RV_TENSOR && !v->optional_none)
        return copy_as(k, &v->t, v->t.rank, v->t.dims);
    /* sequences, maps and optionals are copied whole */
    return lp_rvalue_copy(lp_out_value(k, 0), v, k->err);
}

/* ---- Shape / Size ---- */

int lp_k_shape(lp_kctx *k) {
    const lp_tensor *x = need_in(k, 0, "data");
    if (!x) return LP_EINPUT;
    int64_t r = x->rank, start = 0, end = r;
    if (k->opset >= 15) {
        start = lp_attr_int(k->node, "start", 0);
        end = lp_attr_int(k->node, "end", r);
        if (start < 0) start += r;
        if (end < 0) end += r;
        start = start < 0 ? 0 : start > r ? r : start;
        end = end < 0 ? 0 : end > r ? r : end;
    }
    int64_t n = end > start ? end - start : 0;
    lp_tensor *y = lp_out(k, 0, LP_INT64, 1, &n);
    if (!y) return LP_EFAIL;
    for (int64_t i = 0; i < n; i++) ((int64_t *)y->data)[i] = x->dims[start + i];
    return LP_OK;
}

int lp_k_size(lp_kctx *k) {
    const lp_tensor *x = need_in(k, 0, "data");
    if (!x) return LP_EINPUT;
    lp_tensor *y = lp_out(k, 0, LP_INT64, 0, NULL);
    if (!y) return LP_EFAIL;
    *(int64_t *)y->data = x->numel;
    return LP_OK;
}

/* ---- Constant / ConstantOfShape ---- */

int lp_k_constant(lp_kctx *k) {
    const lp_node *nd = k->node;
    const lp_attr *a = NULL;
    static const char *names[] = {"value",     "sparse_value", "value_float",  "value_floats",
                                  "value_int", "value_ints",   "value_string", "value_strings"};
    for (size_t i = 0; i < LP_COUNT(names) && !a; i++) a = lp_node_attr(nd, names[i]);
    if (!a) return lp_kbad(k, "none of value, sparse_value, value_* is given");
    if (a->t) return copy_as(k, a->t, a->t->rank, a->t->dims);
    int64_t n = a->n;
    lp_tensor *y;
    switch (a->type) {
    case LP_ATTR_FLOAT:
        if (!(y = lp_out(k, 0, LP_FLOAT, 0, NULL))) return LP_EFAIL;
        *(float *)y->data = a->f;
        return LP_OK;
    case LP_ATTR_INT:
        if (!(y = lp_out(k, 0, LP_INT64, 0, NULL))) return LP_EFAIL;
        *(int64_t *)y->data = a->i;
        return LP_OK;
    case LP_ATTR_FLOATS:
        if (!(y = lp_out(k, 0, LP_FLOAT, 1, &n))) return LP_EFAIL;
        if (n) memcpy(y->data, a->floats, (size_t)n * sizeof(float));
        return LP_OK;
    case LP_ATTR_INTS:
        if (!(y = lp_out(k, 0, LP_INT64, 1, &n))) return LP_EFAIL;
        if (n) memcpy(y->data, a->ints, (size_t)n * sizeof(int64_t));
        return LP_OK;
    case LP_ATTR_STRING:
        if (!(y = lp_out(k, 0, LP_STRING, 0, NULL))) return LP_EFAIL;
        lp_fill_elems(y, 0, &a->s, 1);
        return LP_OK;
    case LP_ATTR_STRINGS:
        if (!(y = lp_out(k, 0, LP_STRING, 1, &n))) return LP_EFAIL;
        for (int64_t i = 0; i < n; i++) lp_fill_elems(y, i, &a->strings[i], 1);
        return LP_OK;
    default:
        return lp_kbad(k, "attribute '%s' has type %s", a->name, lp_attr_type_name(a->type));
    }
}

int lp_k_constant_of_shape(lp_kctx *k) {
    int64_t dims[LP_MAX_RANK];
    int n;
    if (!lp_in(k, 0)) return lp_kbad(k, "input 0 (shape) is missing");
    int rc = lp_input_ints(k, 0, "shape", dims, LP_MAX_RANK, &n);
    if (rc) return rc;
    for (int i = 0; i < n; i++)
        if (dims[i] < 0) return lp_kbad(k, "shape value %lld is negative", (long long)dims[i]);
    const lp_tensor *v = lp_attr_tensor(k->node, "value");
    if (v && v->numel != 1)
        return lp_kbad(k, "'value' has %lld elements, not 1", (long long)v->numel);
    lp_tensor *y = lp_out(k, 0, v ? v->dtype : LP_FLOAT, n, dims);
    if (!y) return LP_EFAIL;
    if (v)
        lp_fill_elems(y, 0, v->data, y->numel);
    else
        lp_zero_elems(y, 0, y->numel);
    return LP_OK;
}

/* ---- Range ---- */

int lp_k_range(lp_kctx *k) {
    const lp_tensor *t[3];
    static const char *what[] = {"start", "limit", "delta"};
    for (int i = 0; i < 3; i++) {
        if (!(t[i] = need_in(k, i, what[i]))) return LP_EINPUT;
        if (t[i]->numel != 1) return lp_kbad(k, "%s must be a scalar", what[i]);
        if (t[i]->dtype != t[0]->dtype) return lp_kbad(k, "%s has a different type", what[i]);
    }
    lp_dtype dt = t[0]->dtype;
    int64_t n;
    if (lp_dtype_is_int(dt)) {
        int64_t s = lp_get_i64(t[0], 0), l = lp_get_i64(t[1], 0), d = lp_get_i64(t[2], 0);
        if (d == 0) return lp_kbad(k, "delta is zero");
        /* ceil((l - s) / d) without overflow for the sizes that can be allocated */
        double span = ((double)l - (double)s) / (double)d;
        if (span > 1e12) return lp_kbad(k, "the range is too long");
        n = span <= 0 ? 0 : (int64_t)ceil(span);
        lp_tensor *y = lp_out(k, 0, dt, 1, &n);
        if (!y) return LP_EFAIL;
        for (int64_t i = 0; i < n; i++) {
            int64_t v = (int64_t)((uint64_t)s + (uint64_t)i * (uint64_t)d);
            switch (dt) {
            case LP_INT64:
                ((int64_t *)y->data)[i] = v;
                break;
            case LP_INT32:
                ((int32_t *)y->data)[i] = (int32_t)v;
                break;
            case LP_INT16:
                ((int16_t *)y->data)[i] = (int16_t)v;
                break;
            default:
                lp_store_f64(dt, y->data, (size_t)i, (double)v);
            }
        }
        return LP_OK;
    }
    if (!lp_dtype_is_float(dt)) return lp_kbad(k, "Range does not take %s", lp_dtype_name(dt));
    double s = lp_get_f64(t[0], 0), l = lp_get_f64(t[1], 0), d = lp_get_f64(t[2], 0);
    if (d == 0 || !isfinite(s) || !isfinite(l) || !isfinite(d))
        return lp_kbad(k, "start, limit and delta must be finite and delta nonzero");
    double span = ceil((l - s) / d);
    if (span > 1e12) return lp_kbad(k, "the range is too long");
    n = span <= 0 ? 0 : (int64_t)span;
    lp_tensor *y = lp_out(k, 0, dt, 1, &n);
    if (!y) return LP_EFAIL;
    if (dt == LP_DOUBLE) {
        for (int64_t i = 0; i < n; i++) ((double *)y->data)[i] = s + (double)i * d;
    } else if (dt == LP_FLOAT || k->opset < 27 || lp_attr_int(k->node, "stash_type", 1) == 1) {
        /* float arithmetic, as the reference does for float and (stash_type 1) half types */
        float fs = (float)s, fd = (float)d;
        for (int64_t i = 0; i < n; i++) lp_store_f64(dt, y->data, (size_t)i, fs + (float)i * fd);
    } else {
        /* stash_type 0: accumulate in the half type itself, rounding every step */
        double acc = s;
        for (int64_t i = 0; i < n; i++) {
            lp_store_f64(dt, y->data, (size_t)i, acc);
            acc = lp_load_f64(dt, y->data, (size_t)i) + d;
        }
    }
    return LP_OK;
}

/* ---- EyeLike / Trilu ---- */

int lp_k_eye_like(lp_kctx *k) {
    const lp_tensor *x = need_in(k, 0, "input");
    if (!x) return LP_EINPUT;
    if (x->rank != 2) return lp_kbad(k, "input must be 2-D, not rank %d", x->rank);
    lp_dtype dt = (lp_dtype)lp_attr_int(k->node, "dtype", x->dtype);
    if (!lp_dtype_valid(dt) || !lp_dtype_is_numeric(dt))
        return lp_kbad(k, "dtype %d is not a numeric type", (int)dt);
    int64_t off = lp_attr_int(k->node, "k", 0);
    lp_tensor *y = lp_out(k, 0, dt, 2, x->dims);
    if (!y) return LP_EFAIL;
    lp_zero_elems(y, 0, y->numel);
    int64_t rows = x->dims[0], cols = x->dims[1];
    for (int64_t i = 0; i < rows; i++) {
        int64_t j = i + off;
        if (j >= 0 && j < cols) lp_store_f64(dt, y->data, (size_t)(i * cols + j), 1.0);
    }
    return LP_OK;
}

int lp_k_trilu(lp_kctx *k) {
    const lp_tensor *x = need_in(k, 0, "input");
    if (!x) return LP_EINPUT;
    if (x->rank < 2) return lp_kbad(k, "input must have rank 2 or more, not %d", x->rank);
    int64_t off = 0;
    const lp_tensor *kt = lp_in(k, 1);
    if (kt) {
        if (kt->numel != 1 || !lp_dtype_is_int(kt->dtype))
            return lp_kbad(k, "k must be an integer scalar");
        off = lp_get_i64(kt, 0);
    }
    bool upper = lp_attr_int(k->node, "upper", 1) != 0;
    lp_tensor *y = lp_out(k, 0, x->dtype, x->rank, x->dims);
    if (!y) return LP_EFAIL;
    int64_t rows = x->dims[x->rank - 2], cols = x->dims[x->rank - 1];
    int64_t mats = rows > 0 && cols > 0 ? x->numel / (rows * cols) : 0;
    for (int64_t m = 0; m < mats; m++) {
        for (int64_t i = 0; i < rows; i++) {
            int64_t base = (m * rows + i) * cols;
            /* upper keeps j >= i + off; lower keeps j <= i + off */
            int64_t lim = i + off;
            int64_t keep0 = upper ? lim : 0, keep1 = upper ? cols : lim + 1;
            keep0 = keep0 < 0 ? 0 : keep0 > cols ? cols : keep0;
            keep1 = keep1 < keep0 ? keep0 : keep1 > cols ? cols : keep1;
            lp_zero_elems(y, base, keep0);
            lp_copy_elems(y, base + keep0, x, base + keep0, keep1 - keep0);
            lp_zero_elems(y, base + keep1, cols - keep1);
        }
    }
    return LP_OK;
}

/* ---- DepthToSpace / SpaceToDepth ---- */

static int block_args(lp_kctx *k, const lp_tensor **xp, int64_t *b) {
    const lp_tensor *x = need_in(k, 0, "input");
    if (!x) return LP_EINPUT;
    if (x->rank != 4) return lp_kbad(k, "input must be 4-D, not rank %d", x->rank);
    *b = lp_attr_int(k->node, "blocksize", 0);
    if (*b <= 0) return lp_kbad(k, "blocksize must be positive, not %lld", (long long)*b);
    *xp = x;
    return LP_OK;
}

int lp_k_depth_to_space(lp_kctx *k) {
    const lp_tensor *x;
    int64_t b;
    int rc = block_args(k, &x, &b);
    if (rc) return rc;
    int64_t N = x->dims[0], C = x->dims[1], H = x->dims[2], W = x->dims[3];
    if (C % (b * b))
        return lp_kbad(k, "channels %lld are not a multiple of blocksize^2", (long long)C);
    bool crd = !strcmp(lp_attr_string(k->node, "mode", "DCR"), "CRD");
    int64_t c = C / (b * b);
    int64_t out[4] = {N, c, H * b, W * b};
    lp_tensor *y = lp_out(k, 0, x->dtype, 4, out);
    if (!y) return LP_EFAIL;
    if (crd) {
        int64_t v[6] = {N, c, b, b, H, W};
        int perm[6] = {0, 1, 4, 2, 5, 3};
        lp_permute_copy(y, x, 6, v, perm);
    } else {
        int64_t v[6] = {N, b, b, c, H, W};
        int perm[6] = {0, 3, 4, 1, 5, 2};
        lp_permute_copy(y, x, 6, v, perm);
    }
    return LP_OK;
}

int lp_k_space_to_depth(lp_kctx *k) {
    const lp_tensor *x;
    int64_t b;
    int rc = block_args(k, &x, &b);
    if (rc) return rc;
    int64_t N = x->dims[0], C = x->dims[1], H = x->dims[2], W = x->dims[3];
    if (H % b || W % b)
        return lp_kbad(k, "height and width must be multiples of blocksize %lld", (long long)b);
    int64_t out[4] = {N, C * b * b, H / b, W / b};
    lp_tensor *y = lp_out(k, 0, x->dtype, 4, out);
    if (!y) return LP_EFAIL;
    int64_t v[6] = {N, C, H / b, b, W / b, b};
    int perm[6] = {0, 3, 5, 1, 2, 4};
    lp_permute_copy(y, x, 6, v, perm);
    return LP_OK;
}
