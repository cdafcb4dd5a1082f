/*
** tensor.h — a dense tensor as data: element type, shape and a buffer.
**
** The same struct carries initializers (model/), runtime values (ops/) and
** inputs read from .pb/.npy files. Sub-byte types are held unpacked, one byte
** per element; strings as an array of NUL-terminated char*.
*/
#ifndef LP_TENSOR_H
#define LP_TENSOR_H

#include "base.h"
#include "dtype.h"

#include <stdbool.h>

#define LP_MAX_RANK 16

typedef struct lp_tensor {
    lp_dtype dtype;
    int rank;
    int64_t dims[LP_MAX_RANK];
    int64_t numel;
    void *data;       /* numel elements; char** for strings */
    size_t nbytes;    /* numel * lp_dtype_size(dtype) */
    size_t capacity;  /* bytes allocated, when owned */
    bool owned;       /* data (and each string) is freed by lp_tensor_release */
    const char *name; /* borrowed; may be NULL */
} lp_tensor;

/* Element count of a shape, -1 on a negative dim or overflow. */
int64_t lp_shape_numel(int rank, const int64_t *dims);

/* Sets dtype and shape and allocates owned, zeroed storage, refusing
** overflowing sizes. Strings start as empty strings. */
int lp_tensor_alloc(lp_tensor *t, lp_dtype dtype, int rank, const int64_t *dims, lp_error *err);
/* Frees owned storage and resets to an empty tensor. */
void lp_tensor_release(lp_tensor *t);
/* Deep copy into dst (which is released first). */
int lp_tensor_copy(lp_tensor *dst, const lp_tensor *src, lp_error *err);

/* "1×3×224×224" style; ascii uses 'x'. Writes into buf, returns buf. */
char *lp_dims_str(int rank, const int64_t *dims, char *buf, size_t n, bool ascii);

/* Statistics over a tensor's values (numeric types; strings give count only). */
typedef struct lp_tensor_stats {
    int64_t count, zeros, nans, infs;
    double min, max, mean, std;
} lp_tensor_stats;
void lp_tensor_stats_compute(const lp_tensor *t, lp_tensor_stats *s);

/* Formats element i for display ("0.125", "true", "\"text\""). */
void lp_tensor_format_value(const lp_tensor *t, int64_t i, char *buf, size_t n);

#endif
