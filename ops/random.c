/*
** random.c — the operators that draw random numbers: RandomUniform,
** RandomNormal, their *Like forms, Bernoulli, Multinomial, and Dropout
** (identity in inference; a random mask in training mode).
**
** Numbers come from xoshiro256**, seeded by the `seed` attribute when there
** is one (so a seeded node repeats itself run after run) and otherwise from a
** process-wide counter mixed with the clock. No implementation can match
** another's random stream, so tests of these operators can only check
** values where the randomness does not matter (ratio 0, probabilities 0/1).
*/
#include "ops/kernel.h"
#include "ops/tensorops.h"

#include <math.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t next(rng *r) {
    uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

/* Uniform in [0, 1). */
static double uniform(rng *r) { return (double)(next(r) >> 11) * 0x1.0p-53; }

static double normal(rng *r) {
    double u = uniform(r), v = uniform(r);
    return sqrt(-2.0 * log1p(-u)) * cos(2 * M_PI * v);
}

static void seed_rng(lp_kctx *k, rng *r) {
    static atomic_uint_fast64_t counter;
    const lp_attr *a = lp_node_attr(k->node, "seed");
    uint64_t x;
    if (a) {
        double s = a->type == LP_ATTR_INT ? (double)a->i : (double)a->f;
        memcpy(&x, &s, sizeof x);
    } else {
        x = (uint64_t)time(NULL) ^ ((uint64_t)atomic_fetch_add(&counter, 1) << 32) ^
            (uint64_t)(uintptr_t)k->node;
    }
    for (int i = 0; i < 4; i++) r->s[i] = splitmix(&x);
}

static lp_dtype dtype_attr(lp_kctx *k, lp_dtype dflt) {
    int64_t d = lp_attr_int(k->node, "dtype", (int64_t)dflt);
    return lp_dtype_valid((int)d) ? (lp_dtype)d : LP_UNDEFINED;
}

static bool real_type(lp_dtype t) {
    return t == LP_FLOAT || t == LP_DOUBLE || t == LP_FLOAT16 || t == LP_BFLOAT16;
}

/* Fills y with uniform (normal == false) or normal values. */
static int fill(lp_kctx *k, lp_tensor *y, bool is_normal) {
    rng r;
    seed_rng(k, &r);
    double a = is_normal ? lp_attr_float(k->node, "mean", 0.0f) : lp_attr_float(k->node, "low", 0.0f);
    double b = is_normal ? lp_attr_float(k->node, "scale", 1.0f) : lp_attr_float(k->node, "high", 1.0f);
    for (int64_t i = 0; i < y->numel; i++) {
        double v = is_normal ? a + b * normal(&r) : a + (b - a) * uniform(&r);
        lp_store_f64(y->dtype, y->data, (size_t)i, v);
    }
    return LP_OK;
}

static int random_op(lp_kctx *k, bool is_normal) {
    lp_dtype t = dtype_attr(k, LP_FLOAT);
    if (!real_type(t)) return lp_kfail(k, "dtype must be a float type");
    int n = 0;
    const int64_t *shape = lp_attr_ints(k->node, "shape", &n);
    if (!shape) return lp_kfail(k, "the shape attribute is missing");
    if (n > LP_MAX_RANK) return lp_kfail(k, "shape has rank %d", n);
    lp_tensor *y = lp_out(k, 0, t, n, shape);
    return y ? fill(k, y, is_normal) : LP_EFAIL;
}

static int random_like_op(lp_kctx *k, bool is_normal) {
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kfail(k, "input is required");
    lp_dtype t = dtype_attr(k, x->dtype);
    if (!real_type(t)) return lp_kfail(k, "dtype must be a float type");
    lp_tensor *y = lp_out(k, 0, t, x->rank, x->dims);
    return y ? fill(k, y, is_normal) : LP_EFAIL;
}

int lp_k_random_uniform(lp_kctx *k) { return random_op(k, false); }
int lp_k_random_normal(lp_kctx *k) { return random_op(k, true); }
int lp_k_random_uniform_like(lp_kctx *k) { return random_like_op(k, false); }
int lp_k_random_normal_like(lp_kctx *k) { return random_like_op(k, true); }

int lp_k_bernoulli(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0);
    if (!x || !real_type(x->dtype)) return lp_kfail(k, "the input must be float probabilities");
    lp_dtype t = dtype_attr(k, x->dtype);
    if (t == LP_UNDEFINED || t == LP_STRING || !lp_dtype_size(t))
        return lp_kfail(k, "unsupported dtype");
    lp_tensor *y = lp_out(k, 0, t, x->rank, x->dims);
    if (!y) return LP_EFAIL;
    rng r;
    seed_rng(k, &r);
    for (int64_t i = 0; i < x->numel; i++)
        lp_store_f64(t, y->data, (size_t)i, uniform(&r) < lp_get_f64(x, i) ? 1.0 : 0.0);
    return LP_OK;
}

int lp_k_multinomial(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0);
    if (!x || !real_type(x->dtype) || x->rank != 2)
        return lp_kfail(k, "the input must be float log-probabilities (batch, classes)");
    lp_dtype t = dtype_attr(k, LP_INT32);
    if (t != LP_INT32 && t != LP_INT64) return lp_kfail(k, "dtype must be int32 or int64");
    int64_t n = lp_attr_int(k->node, "sample_size", 1), B = x->dims[0], C = x->dims[1];
    if (n < 0) return lp_kbad(k, "sample_size is negative");
    int64_t dims[2] = {B, n};
    lp_tensor *y = lp_out(k, 0, t, 2, dims);
    if (!y) return LP_EFAIL;
    rng r;
    seed_rng(k, &r);
    for (int64_t b = 0; b < B; b++) {
        double mx = -INFINITY, sum = 0;
        for (int64_t c = 0; c < C; c++) mx = fmax(mx, lp_get_f64(x, b * C + c));
        for (int64_t c = 0; c < C; c++) sum += exp(lp_get_f64(x, b * C + c) - mx);
        for (int64_t s = 0; s < n; s++) {
            double u = uniform(&r) * sum, acc = 0;
            int64_t pick = C - 1;
            for (int64_t c = 0; c < C; c++) {
                acc += exp(lp_get_f64(x, b * C + c) - mx);
                if (u < acc) {
                    pick = c;
                    break;
                }
            }
            lp_store_f64(t, y->data, (size_t)(b * n + s), (double)pick);
        }
    }
    return LP_OK;
}

/* ---- Dropout ---- */

int lp_k_dropout(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0);
    if (!x || x->dtype == LP_STRING) return lp_kfail(k, "a numeric input is required");
    double ratio = lp_attr_float(k->node, "ratio", 0.5f);
    bool training = false;
    if (k->opset >= 12) {
        const lp_tensor *r = lp_in(k, 1), *t = lp_in(k, 2);
        if (r) {
            if (r->numel != 1 || !lp_dtype_is_float(r->dtype)) return lp_kbad(k, "ratio must be one float");
            ratio = lp_get_f64(r, 0);
        }
        if (t) {
            if (t->numel != 1) return lp_kbad(k, "training_mode must be one bool");
            training = lp_get_i64(t, 0) != 0;
        }
        if (!r) ratio = 0.5;
    } /* before opset 12 there is no training mode: this runtime infers */
    if (training && !(ratio >= 0 && ratio < 1)) return lp_kbad(k, "ratio %g is not in [0, 1)", ratio);
    /* inference is the identity: the output takes the input's buffer when it dies here */
    bool pass = !training || ratio == 0;
    lp_tensor *y = pass ? lp_out_take(k, 0, 0, x->dtype, x->rank, x->dims) : NULL;
    bool taken = y != NULL;
    if (!y) y = lp_out(k, 0, x->dtype, x->rank, x->dims);
    if (!y) return LP_EFAIL;
    /* the mask is bool from opset 10 on, of the data's type before */
    lp_tensor *m = NULL;
    if (lp_out_wanted(k, 1)) {
        m = lp_out(k, 1, k->opset >= 10 ? LP_BOOL : x->dtype, x->rank, x->dims);
        if (!m) return LP_EFAIL;
    }
    if (pass) {
        if (!taken && x->numel) memcpy(y->data, x->data, x->nbytes);
        if (m) { /* all kept: ones of the mask's type */
            uint64_t one[2] = {0, 0};
            lp_store_f64(m->dtype, one, 0, 1.0);
            lp_fill_elems(m, 0, one, m->numel);
        }
        return LP_OK;
    }
    if (!lp_dtype_is_float(x->dtype)) return lp_kfail(k, "training mode needs float data");
    rng r;
    seed_rng(k, &r);
    double keep = 1.0 / (1.0 - ratio);
    for (int64_t i = 0; i < x->numel; i++) {
        bool kept = uniform(&r) >= ratio;
        lp_store_f64(y->dtype, y->data, (size_t)i, kept ? lp_get_f64(x, i) * keep : 0.0);
        if (m) lp_store_f64(m->dtype, m->data, (size_t)i, kept ? 1.0 : 0.0);
    }
    return LP_OK;
}
