/*
** ml.h — what the ai.onnx.ml kernels share: score transforms (the
** post_transform attribute), class label tables, and reading a numeric
** [N, C] or [C] input as rows of doubles.
**
** Scores are computed in double and stored as the output type asks; the
** transforms follow the ONNX reference implementation (onnx/reference/ops/
** aionnxml/_common_classifier.py), which onnxruntime matches.
*/
#ifndef LP_OPS_ML_H
#define LP_OPS_ML_H

#include "model/strmap.h"
#include "ops/kernel.h"

/* post_transform, numbered as TreeEnsemble (ai.onnx.ml 5) numbers it. */
typedef enum lp_ml_post {
    LP_ML_NONE = 0,
    LP_ML_SOFTMAX = 1,
    LP_ML_LOGISTIC = 2,
    LP_ML_SOFTMAX_ZERO = 3,
    LP_ML_PROBIT = 4,
} lp_ml_post;

/* Reads the string attribute post_transform (default NONE); fails naming an
** unknown value. */
int lp_ml_post_attr(lp_kctx *k, lp_ml_post *out);
double lp_ml_logistic(double v);
double lp_ml_probit(double v);
void lp_ml_softmax(double *v, int64_t n);
void lp_ml_softmax_zero(double *v, int64_t n);
/* Applies the transform to one row of n scores in place. */
void lp_ml_transform(double *v, int64_t n, lp_ml_post post);
/* The first of the largest of n scores (0 when n is 0). */
int64_t lp_ml_argmax(const double *v, int64_t n);
/* Transforms a row and returns its best column. PROBIT makes scores outside
** (0, 1) NaN but keeps the order inside, so the best is taken before it. */
int64_t lp_ml_transform_best(double *v, int64_t n, lp_ml_post post);

/* Class labels: classlabels_strings or the integer list (named `ints_name`,
** "classlabels_ints" or "classlabels_int64s"). Borrowed from the node. */
typedef struct lp_ml_labels {
    int n;
    const int64_t *ints;     /* NULL when the labels are strings */
    const char *const *strs; /* NULL when the labels are integers */
} lp_ml_labels;

/* Fails when both lists are given; n = 0 when neither is. */
int lp_ml_labels_attr(lp_kctx *k, const char *ints_name, lp_ml_labels *l);
/* Output i as a [n] tensor of the labels' type (int64 or string). */
lp_tensor *lp_ml_labels_out(lp_kctx *k, int i, const lp_ml_labels *l, int64_t n);
/* y[r] = label number `which` of the table. */
void lp_ml_label_put(lp_tensor *y, int64_t r, const lp_ml_labels *l, int64_t which);
/* y[r] = an integer or a string given directly. */
void lp_ml_label_put_int(lp_tensor *y, int64_t r, int64_t v);
void lp_ml_label_put_str(lp_tensor *y, int64_t r, const char *s);

/* The rows of a numeric input: [C] is one row, [N, C] N rows. Fails (as bad
** input) for other ranks and non-numeric types. */
int lp_ml_shape(lp_kctx *k, const lp_tensor *x, int64_t *rows, int64_t *cols);
/* x as doubles in session scratch, followed by `extra` more doubles for the
** caller; NULL (and k->err set) when memory runs out. */
double *lp_ml_doubles(lp_kctx *k, const lp_tensor *x, size_t extra);
/* Whether t holds float, double, int32 or int64 (the ML numeric inputs). */
bool lp_ml_numeric(const lp_tensor *t);

/* A float list attribute or its *_as_tensor twin as malloc'd doubles.
** *count is -1 when neither is given. */
int lp_ml_doubles_attr(lp_kctx *k, const char *name, double **out, int *count);

/* Numeric keys sorted for lookup by halving, each mapping to its entry in
** the list it came from; of equal keys the last entry wins (as a Python dict
** built from the list). Floating keys put NaN aside: it matches any NaN. */
typedef struct lp_ml_keys {
    int64_t *ik;  /* integer keys, or NULL */
    double *fk;   /* floating keys, or NULL */
    int32_t *idx; /* the entry each key maps to */
    int n;
    int32_t nan; /* the entry NaN maps to, -1 if none */
} lp_ml_keys;

/* From n keys: element j of t when t is given, else ints[j] or flts[j]. */
void lp_ml_keys_build(lp_ml_keys *nk, const lp_tensor *t, const int64_t *ints, const float *flts,
                      int n, bool floating);
int32_t lp_ml_keys_find_i(const lp_ml_keys *nk, int64_t v); /* entry or -1 */
int32_t lp_ml_keys_find_f(const lp_ml_keys *nk, double v);
void lp_ml_keys_free(lp_ml_keys *nk);

/* A vocabulary: exactly one of an int64 list and a string list attribute,
** each entry mapping to its position; a repeated entry maps to its last. */
typedef struct lp_ml_vocab {
    bool strings;    /* the string list was given */
    int n;           /* entries */
    lp_strmap smap;  /* string -> position + 1 */
    lp_ml_keys keys; /* int64 -> position */
} lp_ml_vocab;

/* Fails unless exactly one of the two lists is given. */
int lp_ml_vocab_attr(lp_kctx *k, const char *ints_name, const char *strs_name, lp_ml_vocab *v);
/* The position of element i of t (a string, or read as an integer), or -1. */
int32_t lp_ml_vocab_find(const lp_ml_vocab *v, const lp_tensor *t, int64_t i);
void lp_ml_vocab_free(lp_ml_vocab *v);

#endif
