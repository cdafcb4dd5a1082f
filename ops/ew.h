/*
** ew.h — typed tight loops for element-wise kernels, written once and
** instantiated per element type.
**
** An operator is an expression: `v` (unary), or `a` and `b` (binary), of the
** C type `lp_t`, with `lp_u` its wrap-around arithmetic type (unsigned for
** integers, so overflow is defined). LP_EW_MAPS / LP_EW_ZIPS turn it into one
** loop function per element type of a type list, and LP_EW_TABLE gathers
** them into a table indexed by lp_dtype. The drivers (ops/elementwise.c) walk
** the tensors: a map is one flat loop; a zip is numpy broadcasting reduced to
** rows — the shapes are collapsed to the fewest dims, and the innermost row
** is either both-contiguous, or one side a repeated scalar, so each row runs
** one of three vectorizable loops. float16 and bfloat16 (and float8 where
** allowed) have no loops of their own: the drivers convert them through the
** float loop in small blocks.
**
**     LP_EW_MAPS(ew_neg, LP_EW_FLOATS, lp_t, -v)
**     LP_EW_TABLE(lp_ew_map_fn, ew_neg, LP_EW_FLOATS)
**     ... return lp_ew_map_op(k, ew_neg_tab, LP_UNDEFINED, NULL);
*/
#ifndef LP_EW_H
#define LP_EW_H

#include "ops/kernel.h"

#include <stdint.h>
#include <tgmath.h>

/* The build's -O2 vectorizes only loops that need no runtime checks or
** remainder; these loops are the point of this header, so the files that
** include it get the full vectorizer (GCC; clang vectorizes at -O2), and
** may compute both arms of a select. (sqrt also needs -fno-math-errno,
** which only works from the command line: the Makefile sets it.) */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic", "no-trapping-math")
#endif

/* Each loop is also compiled for AVX2, picked at load time when the CPU
** has it (GCC function multi-versioning on x86-64 Linux). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define LP_EW_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define LP_EW_CLONES
#endif

#include "ops/ew_math.h" /* after the pragma: its inline functions must share the options */

/* What a loop may read besides its operands: attributes, a count, bounds. */
typedef struct lp_ew_param {
    double alpha, beta, gamma;
    int64_t ilo, ihi, n;
} lp_ew_param;

/* How the operands of one row are laid out. */
enum { LP_EW_VV, LP_EW_VS, LP_EW_SV }; /* both rows; b one element; a one element */

typedef void (*lp_ew_map_fn)(const void *x, void *y, int64_t n, const lp_ew_param *p);
typedef void (*lp_ew_zip_fn)(const void *a, const void *b, void *y, int64_t n, int kind,
                             const lp_ew_param *p);

/* ---- type lists: X(dtype, C type, wrap type, ...) ---- */

#define LP_EW_SINTS(X, ...)                                                                        \
    X(LP_INT8, int8_t, uint32_t, __VA_ARGS__)                                                      \
    X(LP_INT16, int16_t, uint32_t, __VA_ARGS__)                                                    \
    X(LP_INT32, int32_t, uint32_t, __VA_ARGS__)                                                    \
    X(LP_INT64, int64_t, uint64_t, __VA_ARGS__)
#define LP_EW_UINTS(X, ...)                                                                        \
    X(LP_UINT8, uint8_t, uint32_t, __VA_ARGS__)                                                    \
    X(LP_UINT16, uint16_t, uint32_t, __VA_ARGS__)                                                  \
    X(LP_UINT32, uint32_t, uint32_t, __VA_ARGS__)                                                  \
    X(LP_UINT64, uint64_t, uint64_t, __VA_ARGS__)
#define LP_EW_FLOATS(X, ...)                                                                       \
    X(LP_FLOAT, float, float, __VA_ARGS__)                                                         \
    X(LP_DOUBLE, double, double, __VA_ARGS__)
#define LP_EW_BOOL(X, ...) X(LP_BOOL, uint8_t, uint32_t, __VA_ARGS__)
#define LP_EW_INTS(X, ...) LP_EW_SINTS(X, __VA_ARGS__) LP_EW_UINTS(X, __VA_ARGS__)
#define LP_EW_SIGNED(X, ...) LP_EW_SINTS(X, __VA_ARGS__) LP_EW_FLOATS(X, __VA_ARGS__)
#define LP_EW_NUMERIC(X, ...) LP_EW_INTS(X, __VA_ARGS__) LP_EW_FLOATS(X, __VA_ARGS__)
#define LP_EW_ALL(X, ...) LP_EW_NUMERIC(X, __VA_ARGS__) LP_EW_BOOL(X, __VA_ARGS__)

/* Loop-invariant parameters, read once so the loop body stays pure. */
#define LP_EW_LOCALS_                                                                              \
    const double alpha = p ? p->alpha : 0, beta = p ? p->beta : 0, gamma = p ? p->gamma : 0;       \
    const int64_t ilo = p ? p->ilo : 0, ihi = p ? p->ihi : 0, cnt = p ? p->n : 0;                  \
    (void)alpha, (void)beta, (void)gamma, (void)ilo, (void)ihi, (void)cnt, (void)sizeof(lp_u)

/* y[i] = EXPR(v = x[i]); TY is the output C type (`lp_t` for the input's). */
#define LP_EW_MAP(NAME, T, U, TY, EXPR)                                                            \
    LP_EW_CLONES static void NAME(const void *x_, void *y_, int64_t n, const lp_ew_param *p) {     \
        typedef T lp_t;                                                                            \
        typedef U lp_u;                                                                            \
        const lp_t *x = x_;                                                                        \
        TY *y = y_;                                                                                \
        LP_EW_LOCALS_;                                                                             \
        for (int64_t i = 0; i < n; i++) {                                                          \
            const lp_t v = x[i];                                                                   \
            y[i] = (TY)(EXPR);                                                                     \
        }                                                                                          \
    }

/* y[i] = EXPR(a, b) for the three row layouts. */
#define LP_EW_ZIP(NAME, T, U, TY, EXPR)                                                            \
    LP_EW_CLONES static void NAME(const void *a_, const void *b_, void *y_, int64_t n, int kind,   \
                     const lp_ew_param *p) {                                                       \
        typedef T lp_t;                                                                            \
        typedef U lp_u;                                                                            \
        const lp_t *A = a_, *B = b_;                                                               \
        TY *y = y_;                                                                                \
        LP_EW_LOCALS_;                                                                             \
        if (kind == LP_EW_VV) {                                                                    \
            for (int64_t i = 0; i < n; i++) {                                                      \
                const lp_t a = A[i], b = B[i];                                                     \
                (void)a, (void)b;                                                                  \
                y[i] = (TY)(EXPR);                                                                 \
            }                                                                                      \
        } else if (kind == LP_EW_VS) {                                                             \
            const lp_t b = B[0];                                                                   \
            (void)b;                                                                               \
            for (int64_t i = 0; i < n; i++) {                                                      \
                const lp_t a = A[i];                                                               \
                (void)a;                                                                           \
                y[i] = (TY)(EXPR);                                                                 \
            }                                                                                      \
        } else {                                                                                   \
            const lp_t a = A[0];                                                                   \
            (void)a;                                                                               \
            for (int64_t i = 0; i < n; i++) {                                                      \
                const lp_t b = B[i];                                                               \
                (void)b;                                                                           \
                y[i] = (TY)(EXPR);                                                                 \
            }                                                                                      \
        }                                                                                          \
    }

#define LP_EW_MAP_X_(D, T, U, NAME, TY, EXPR) LP_EW_MAP(NAME##_##D, T, U, TY, EXPR)
#define LP_EW_ZIP_X_(D, T, U, NAME, TY, EXPR) LP_EW_ZIP(NAME##_##D, T, U, TY, EXPR)
#define LP_EW_ENTRY_X_(D, T, U, NAME) [D] = NAME##_##D,

/* One loop per type of TYPES, named NAME_<dtype>. */
#define LP_EW_MAPS(NAME, TYPES, TY, EXPR) TYPES(LP_EW_MAP_X_, NAME, TY, EXPR)
#define LP_EW_ZIPS(NAME, TYPES, TY, EXPR) TYPES(LP_EW_ZIP_X_, NAME, TY, EXPR)
/* The table NAME_tab[dtype] of the loops made for TYPES. */
#define LP_EW_TABLE(FNTYPE, NAME, TYPES)                                                           \
    static const FNTYPE NAME##_tab[LP_DTYPE_COUNT] = {TYPES(LP_EW_ENTRY_X_, NAME)};

/* ---- drivers (ops/elementwise.c) ---- */

/* True for the types computed through float32 blocks: float16, bfloat16, float8s. */
bool lp_ew_via_float(lp_dtype t);

/* y = map(x) elementwise; y has x's shape and is already allocated. Picks the
** loop by x's type, or goes through the float loop. */
int lp_ew_map(lp_kctx *k, const lp_ew_map_fn *tab, const lp_tensor *x, lp_tensor *y,
              const lp_ew_param *p);
/* The usual unary kernel: input 0 to output 0 of type ydt (LP_UNDEFINED: x's). */
int lp_ew_map_op(lp_kctx *k, const lp_ew_map_fn *tab, lp_dtype ydt, const lp_ew_param *p);

/* y = zip(a, b) with a and b broadcast to y's shape (a and b of one type). */
int lp_ew_zip(lp_kctx *k, const lp_ew_zip_fn *tab, const lp_tensor *a, const lp_tensor *b,
              lp_tensor *y, const lp_ew_param *p);
/* The usual binary kernel: inputs 0 and 1 broadcast, output 0 of type ydt. */
int lp_ew_zip_op(lp_kctx *k, const lp_ew_zip_fn *tab, lp_dtype ydt, const lp_ew_param *p);

/* Shapes collapsed for a broadcast walk: rank >= 1, the last dim is the row. */
typedef struct lp_ew_plan {
    int rank;
    int64_t dims[LP_MAX_RANK];
    int64_t st[3][LP_MAX_RANK]; /* element strides per input, 0 where broadcast */
} lp_ew_plan;
void lp_ew_plan_init(lp_ew_plan *pl, const lp_tensor *const *ins, int n, const lp_tensor *y);

/* ---- conversions (ops/cast.c) ---- */

typedef struct lp_cast_opts {
    int saturate;          /* float8 targets: clamp to the largest finite */
    int round_mode;        /* float8e8m0 targets: 0 up, 1 down, 2 nearest */
} lp_cast_opts;

/* Converts n elements between any two numeric types (not strings). */
void lp_cast_buf(lp_dtype from, const void *src, lp_dtype to, void *dst, int64_t n,
                 const lp_cast_opts *o);

#endif
