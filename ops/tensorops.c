/*
** tensorops.c — helpers shared by the data-movement, indexing and reduction
** kernels: string-aware element copies, the strided N-D copy, integer lists,
** bulk float conversions and element-wise combine/compare.
*/
#include "ops/tensorops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- copies ---- */

static void set_str(char **slot, const char *s) {
    char *copy = lp_xstrdup(s ? s : "");
    free(*slot);
    *slot = copy;
}

void lp_copy_values(lp_dtype dtype, void *dst, const void *src, int64_t n) {
    if (n <= 0) return;
    if (dtype == LP_STRING) {
        char **d = dst;
        char *const *s = src;
        for (int64_t i = 0; i < n; i++) set_str(&d[i], s[i]);
        return;
    }
    memcpy(dst, src, (size_t)n * lp_dtype_size(dtype));
}

void lp_copy_elems(lp_tensor *dst, int64_t di, const lp_tensor *src, int64_t si, int64_t n) {
    size_t esz = lp_dtype_size(dst->dtype);
    lp_copy_values(dst->dtype, (char *)dst->data + (size_t)di * esz,
                   (const char *)src->data + (size_t)si * esz, n);
}

void lp_fill_elems(lp_tensor *dst, int64_t di, const void *one, int64_t n) {
    if (n <= 0) return;
    if (dst->dtype == LP_STRING) {
        char **d = dst->data;
        const char *s = *(char *const *)one;
        for (int64_t i = 0; i < n; i++) set_str(&d[di + i], s);
        return;
    }
    size_t esz = lp_dtype_size(dst->dtype);
    char *p = (char *)dst->data + (size_t)di * esz;
    bool zero = true;
    for (size_t b = 0; b < esz; b++) zero &= ((const uint8_t *)one)[b] == 0;
    if (zero) {
        memset(p, 0, (size_t)n * esz);
        return;
    }
    /* doubling memcpy: log(n) calls */
    memcpy(p, one, esz);
    size_t done = esz, total = (size_t)n * esz;
    while (done < total) {
        size_t c = done < total - done ? done : total - done;
        memcpy(p + done, p, c);
        done += c;
    }
}

void lp_zero_elems(lp_tensor *dst, int64_t di, int64_t n) {
    static const char *empty = "";
    static const uint8_t zeros[16];
    lp_fill_elems(dst, di, dst->dtype == LP_STRING ? (const void *)&empty : zeros, n);
}

void lp_contig_strides(int rank, const int64_t *dims, int64_t *strides) {
    int64_t s = 1;
    for (int d = rank - 1; d >= 0; d--) {
        strides[d] = s;
        s *= dims[d];
    }
}

/* The innermost run of a strided copy, by element size. */
#define RUN_LOOP(T)                                                                                \
    do {                                                                                           \
        T *d_ = (T *)dp;                                                                           \
        const T *s_ = (const T *)sp;                                                               \
        for (int64_t i = 0; i < n; i++) d_[i * ds] = s_[i * ss];                                   \
    } while (0)

#define FILL_LOOP(T)                                                                               \
    do {                                                                                           \
        T v_, *d_ = (T *)dp;                                                                       \
        memcpy(&v_, sp, sizeof v_);                                                                \
        for (int64_t i = 0; i < n; i++) d_[i] = v_;                                                \
    } while (0)

static void copy_run(char *dp, int64_t ds, const char *sp, int64_t ss, int64_t n, size_t esz) {
    if (ds == 1 && ss == 1) {
        memcpy(dp, sp, (size_t)n * esz);
        return;
    }
    if (ds == 1 && ss == 0) { /* a broadcast: one value repeated */
        switch (esz) {
        case 1:
            memset(dp, *sp, (size_t)n);
            return;
        case 2:
            FILL_LOOP(uint16_t);
            return;
        case 4:
            FILL_LOOP(uint32_t);
            return;
        case 8:
            FILL_LOOP(uint64_t);
            return;
        default:
            break;
        }
    }
    switch (esz) {
    case 1:
        RUN_LOOP(uint8_t);
        break;
    case 2:
        RUN_LOOP(uint16_t);
        break;
    case 4:
        RUN_LOOP(uint32_t);
        break;
    case 8:
        RUN_LOOP(uint64_t);
        break;
    default:
        for (int64_t i = 0; i < n; i++)
            memcpy(dp + i * ds * (int64_t)esz, sp + i * ss * (int64_t)esz, esz);
    }
}

/* Two axes walked in tiles: a has source stride 1, b has destination stride 1,
** so both sides touch few cache lines per tile. */
#define TILE_LOOP(T)                                                                               \
    do {                                                                                           \
        T *d_ = (T *)dp;                                                                           \
        const T *s_ = (const T *)sp;                                                               \
        for (int64_t a = a0; a < a1; a++)                                                          \
            for (int64_t b = b0; b < b1; b++) d_[a * dsa + b] = s_[a + b * ssb];                   \
    } while (0)

static void copy_tiles(char *dp, const char *sp, int64_t na, int64_t dsa, int64_t nb, int64_t ssb,
                       size_t esz) {
    enum { TILE = 64 };
    for (int64_t a0 = 0; a0 < na; a0 += TILE) {
        int64_t a1 = a0 + TILE < na ? a0 + TILE : na;
        for (int64_t b0 = 0; b0 < nb; b0 += TILE) {
            int64_t b1 = b0 + TILE < nb ? b0 + TILE : nb;
            switch (esz) {
            case 1:
                TILE_LOOP(uint8_t);
                break;
            case 2:
                TILE_LOOP(uint16_t);
                break;
            case 4:
                TILE_LOOP(uint32_t);
                break;
            case 8:
                TILE_LOOP(uint64_t);
                break;
            default:
                for (int64_t a = a0; a < a1; a++)
                    copy_run(dp + (a * dsa + b0) * (int64_t)esz, 1,
                             sp + (a + b0 * ssb) * (int64_t)esz, ssb, b1 - b0, esz);
            }
        }
    }
}

void lp_strided_copy(lp_tensor *dst, int64_t doff, const int64_t *dstr, const lp_tensor *src,
                     int64_t soff, const int64_t *sstr, int rank, const int64_t *dims) {
    /* drop unit axes and merge neighbours that are contiguous in both */
    int64_t n[LP_MAX_RANK], ds[LP_MAX_RANK], ss[LP_MAX_RANK];
    int r = 0;
    for (int d = 0; d < rank; d++) {
        if (dims[d] == 0) return;
        if (dims[d] == 1) continue;
        if (r > 0 && ds[r - 1] == dstr[d] * dims[d] && ss[r - 1] == sstr[d] * dims[d]) {
            n[r - 1] *= dims[d];
            ds[r - 1] = dstr[d];
            ss[r - 1] = sstr[d];
            continue;
        }
        n[r] = dims[d];
        ds[r] = dstr[d];
        ss[r] = sstr[d];
        r++;
    }
    bool strings = dst->dtype == LP_STRING;
    size_t esz = lp_dtype_size(dst->dtype);
    if (r == 0) {
        lp_copy_elems(dst, doff, src, soff, 1);
        return;
    }
    /* a transpose: put the axis read contiguously next to the innermost */
    int tiled = -1;
    if (!strings && r >= 2 && ds[r - 1] == 1 && ss[r - 1] != 1 && n[r - 1] >= 8) {
        for (int d = r - 2; d >= 0; d--)
            if (ss[d] == 1 && n[d] >= 8) {
                tiled = d;
                break;
            }
    }
    if (tiled >= 0 && tiled != r - 2) {
        int64_t t;
        t = n[tiled], n[tiled] = n[r - 2], n[r - 2] = t;
        t = ds[tiled], ds[tiled] = ds[r - 2], ds[r - 2] = t;
        t = ss[tiled], ss[tiled] = ss[r - 2], ss[r - 2] = t;
    }
    int inner = tiled >= 0 ? 2 : 1; /* axes handled below the odometer */
    int outer = r - inner;
    int64_t idx[LP_MAX_RANK] = {0};
    int64_t dpos = doff, spos = soff;
    char *dbase = dst->data;
    const char *sbase = src->data;
    for (;;) {
        if (strings) {
            char **d = dst->data;
            char *const *s = src->data;
            for (int64_t i = 0; i < n[r - 1]; i++)
                set_str(&d[dpos + i * ds[r - 1]], s[spos + i * ss[r - 1]]);
        } else if (tiled >= 0) {
            copy_tiles(dbase + dpos * (int64_t)esz, sbase + spos * (int64_t)esz, n[r - 2],
                       ds[r - 2], n[r - 1], ss[r - 1], esz);
        } else {
            copy_run(dbase + dpos * (int64_t)esz, ds[r - 1], sbase + spos * (int64_t)esz, ss[r - 1],
                     n[r - 1], esz);
        }
        int d = outer - 1;
        for (; d >= 0; d--) {
            dpos += ds[d];
            spos += ss[d];
            if (++idx[d] < n[d]) break;
            dpos -= ds[d] * n[d];
            spos -= ss[d] * n[d];
            idx[d] = 0;
        }
        if (d < 0) break;
    }
}

void lp_permute_copy(lp_tensor *dst, const lp_tensor *src, int rank, const int64_t *dims,
                     const int *perm) {
    int64_t sstr[LP_MAX_RANK], pdims[LP_MAX_RANK], pstr[LP_MAX_RANK], dstr[LP_MAX_RANK];
    lp_contig_strides(rank, dims, sstr);
    for (int i = 0; i < rank; i++) {
        pdims[i] = dims[perm[i]];
        pstr[i] = sstr[perm[i]];
    }
    lp_contig_strides(rank, pdims, dstr);
    lp_strided_copy(dst, 0, dstr, src, 0, pstr, rank, pdims);
}

/* ---- integer lists ---- */

int lp_input_ints(lp_kctx *k, int i, const char *what, int64_t *out, int max, int *n) {
    const lp_tensor *t = lp_in(k, i);
    *n = 0;
    if (!t) return LP_OK;
    if (t->dtype != LP_INT64 && t->dtype != LP_INT32)
        return lp_kbad(k, "%s must be int64 or int32, not %s", what, lp_dtype_name(t->dtype));
    if (t->rank > 1) return lp_kbad(k, "%s must be 1-D, not rank %d", what, t->rank);
    if (t->numel > max)
        return lp_kbad(k, "%s has %lld values, more than the %d allowed", what, (long long)t->numel,
                       max);
    for (int64_t j = 0; j < t->numel; j++) out[j] = lp_get_i64(t, j);
    *n = (int)t->numel;
    return LP_OK;
}

int lp_norm_axes(lp_kctx *k, int64_t *axes, int n, int rank, const char *what) {
    uint32_t seen = 0;
    for (int i = 0; i < n; i++) {
        int64_t a = axes[i];
        if (a < -rank || a >= rank)
            return lp_kbad(k, "%s value %lld is out of range for rank %d", what, (long long)a,
                           rank);
        if (a < 0) a += rank;
        if (seen & (1u << a)) return lp_kbad(k, "%s repeats axis %lld", what, (long long)a);
        seen |= 1u << a;
        axes[i] = a;
    }
    return LP_OK;
}

/* ---- bulk conversions ---- */

#define CONV_TO(E, T)                                                                              \
    case E:                                                                                        \
        for (int64_t i = 0; i < n; i++) dst[i] = (OUT_T)((const T *)src)[i];                       \
        return;
#define CONV_FROM(E, T)                                                                            \
    case E:                                                                                        \
        for (int64_t i = 0; i < n; i++) ((T *)dst)[i] = (T)src[i];                                 \
        return;

void lp_to_f32(lp_dtype t, const void *src, float *dst, int64_t n) {
#define OUT_T float
    switch (t) {
        LP_PLAIN_NUMERIC(CONV_TO)
    case LP_FLOAT16:
        for (int64_t i = 0; i < n; i++) dst[i] = lp_half_to_float(((const uint16_t *)src)[i]);
        return;
    case LP_BFLOAT16:
        for (int64_t i = 0; i < n; i++) dst[i] = lp_bf16_to_float(((const uint16_t *)src)[i]);
        return;
    default:
        for (int64_t i = 0; i < n; i++) dst[i] = (float)lp_load_f64(t, src, (size_t)i);
    }
#undef OUT_T
}

void lp_to_f64(lp_dtype t, const void *src, double *dst, int64_t n) {
#define OUT_T double
    switch (t) {
        LP_PLAIN_NUMERIC(CONV_TO)
    default:
        for (int64_t i = 0; i < n; i++) dst[i] = lp_load_f64(t, src, (size_t)i);
    }
#undef OUT_T
}

void lp_from_f32(lp_dtype t, const float *src, void *dst, int64_t n) {
    switch (t) {
    case LP_FLOAT:
        memcpy(dst, src, (size_t)n * sizeof *src);
        return;
    case LP_DOUBLE:
        for (int64_t i = 0; i < n; i++) ((double *)dst)[i] = src[i];
        return;
    case LP_FLOAT16:
        for (int64_t i = 0; i < n; i++) ((uint16_t *)dst)[i] = lp_float_to_half(src[i]);
        return;
    case LP_BFLOAT16:
        for (int64_t i = 0; i < n; i++) ((uint16_t *)dst)[i] = lp_float_to_bf16(src[i]);
        return;
    default:
        for (int64_t i = 0; i < n; i++) lp_store_f64(t, dst, (size_t)i, src[i]);
    }
}

void lp_from_f64(lp_dtype t, const double *src, void *dst, int64_t n) {
    switch (t) {
    case LP_FLOAT:
        for (int64_t i = 0; i < n; i++) ((float *)dst)[i] = (float)src[i];
        return;
    case LP_DOUBLE:
        memcpy(dst, src, (size_t)n * sizeof *src);
        return;
    default:
        for (int64_t i = 0; i < n; i++) lp_store_f64(t, dst, (size_t)i, src[i]);
    }
}

/* ---- combine and compare ---- */

int lp_combine_attr(lp_kctx *k, lp_combine *out) {
    const char *r = lp_attr_string(k->node, "reduction", "none");
    static const char *names[] = {"none", "add", "mul", "max", "min"};
    for (int i = 0; i < 5; i++)
        if (!strcmp(r, names[i])) {
            *out = (lp_combine)i;
            return LP_OK;
        }
    return lp_kbad(k, "reduction '%s' is not one of none, add, mul, max, min", r);
}

#define COMBINE(E, T)                                                                              \
    case E: {                                                                                      \
        T *d = (T *)dst->data + di;                                                                \
        T s = ((const T *)src->data)[si];                                                          \
        switch (c) {                                                                               \
        case LP_COMB_ADD:                                                                          \
            *d = (T)(*d + s);                                                                      \
            break;                                                                                 \
        case LP_COMB_MUL:                                                                          \
            *d = (T)(*d * s);                                                                      \
            break;                                                                                 \
        case LP_COMB_MAX:                                                                          \
            *d = s > *d ? s : *d;                                                                  \
            break;                                                                                 \
        case LP_COMB_MIN:                                                                          \
            *d = s < *d ? s : *d;                                                                  \
            break;                                                                                 \
        default:                                                                                   \
            *d = s;                                                                                \
        }                                                                                          \
        return;                                                                                    \
    }

void lp_combine_elem(lp_combine c, lp_tensor *dst, int64_t di, const lp_tensor *src, int64_t si) {
    if (c == LP_COMB_NONE || dst->dtype == LP_STRING) {
        lp_copy_elems(dst, di, src, si, 1);
        return;
    }
    switch (dst->dtype) {
    case LP_BOOL: {
        /* numpy: add is or, mul is and, max is or, min is and */
        uint8_t *d = (uint8_t *)dst->data + di, s = ((const uint8_t *)src->data)[si] != 0;
        *d = (c == LP_COMB_ADD || c == LP_COMB_MAX) ? (*d || s) : (*d && s);
        return;
    }
    /* integer arithmetic wraps, as numpy's does; unsigned math avoids UB */
    case LP_INT32:
    case LP_INT64:
    case LP_INT8:
    case LP_INT16:
        if (c == LP_COMB_ADD || c == LP_COMB_MUL) {
            int64_t a = lp_load_i64(dst->dtype, dst->data, (size_t)di);
            int64_t b = lp_load_i64(src->dtype, src->data, (size_t)si);
            uint64_t r = c == LP_COMB_ADD ? (uint64_t)a + (uint64_t)b : (uint64_t)a * (uint64_t)b;
            size_t esz = lp_dtype_size(dst->dtype);
            memcpy((char *)dst->data + (size_t)di * esz, &r, esz); /* little-endian truncation */
            return;
        }
        break;
    default:
        break;
    }
    switch (dst->dtype) {
        LP_PLAIN_NUMERIC(COMBINE)
    default: {
        double a = lp_load_f64(dst->dtype, dst->data, (size_t)di);
        double b = lp_load_f64(src->dtype, src->data, (size_t)si);
        double r = c == LP_COMB_ADD   ? a + b
                   : c == LP_COMB_MUL ? a * b
                   : c == LP_COMB_MAX ? fmax(a, b)
                                      : fmin(a, b);
        lp_store_f64(dst->dtype, dst->data, (size_t)di, r);
    }
    }
}

int lp_compare_elems(const lp_tensor *a, int64_t i, const lp_tensor *b, int64_t j) {
    lp_dtype t = a->dtype;
    if (t == LP_STRING) {
        int c = strcmp(((char *const *)a->data)[i], ((char *const *)b->data)[j]);
        return (c > 0) - (c < 0);
    }
    if (t == LP_INT64) {
        int64_t x = ((const int64_t *)a->data)[i], y = ((const int64_t *)b->data)[j];
        return (x > y) - (x < y);
    }
    if (t == LP_UINT64) {
        uint64_t x = ((const uint64_t *)a->data)[i], y = ((const uint64_t *)b->data)[j];
        return (x > y) - (x < y);
    }
    double x = lp_load_f64(t, a->data, (size_t)i), y = lp_load_f64(b->dtype, b->data, (size_t)j);
    if (isnan(x) || isnan(y)) return isnan(x) - isnan(y);
    return (x > y) - (x < y);
}

bool lp_elem_nonzero(const lp_tensor *t, int64_t i) {
    if (t->dtype == LP_STRING) return ((char *const *)t->data)[i][0] != 0;
    if (lp_dtype_is_float(t->dtype) || t->dtype == LP_COMPLEX64 || t->dtype == LP_COMPLEX128) {
        if (t->dtype == LP_COMPLEX64) {
            const float *c = (const float *)t->data + 2 * i;
            return c[0] != 0 || c[1] != 0;
        }
        if (t->dtype == LP_COMPLEX128) {
            const double *c = (const double *)t->data + 2 * i;
            return c[0] != 0 || c[1] != 0;
        }
        return lp_load_f64(t->dtype, t->data, (size_t)i) != 0;
    }
    size_t esz = lp_dtype_size(t->dtype);
    const uint8_t *p = (const uint8_t *)t->data + (size_t)i * esz;
    for (size_t b = 0; b < esz; b++)
        if (p[b]) return true;
    return false;
}

bool lp_dtype_is_numeric(lp_dtype t) {
    return t != LP_STRING && t != LP_UNDEFINED && t != LP_COMPLEX64 && t != LP_COMPLEX128;
}
