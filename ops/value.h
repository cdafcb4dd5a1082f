/*
** value.h — runtime values: a tensor, a sequence of values, a map, or
** nothing (an empty optional or an omitted input).
*/
#ifndef LP_VALUE_H
#define LP_VALUE_H

#include "model/tensor.h"

typedef enum lp_rv_kind {
    LP_RV_NONE = 0, /* empty optional / not computed */
    LP_RV_TENSOR,
    LP_RV_SEQUENCE,
    LP_RV_MAP,
} lp_rv_kind;

typedef struct lp_rvalue {
    lp_rv_kind kind;
    lp_tensor t;              /* TENSOR */
    struct lp_rvalue *items;  /* SEQUENCE: each a TENSOR or MAP */
    int n_items, cap_items;
    lp_tensor keys, vals;     /* MAP: two 1-D tensors of equal length */
    lp_dtype elem;            /* SEQUENCE element type (for empty ones) */
    bool optional_none;       /* an optional value that holds nothing */
    bool borrowed;            /* a view of another value: clearing frees nothing */
} lp_rvalue;

/* Frees everything the value owns and resets it to NONE. */
void lp_rvalue_clear(lp_rvalue *v);
/* Deep copy (tensors are copied, never borrowed). */
int lp_rvalue_copy(lp_rvalue *dst, const lp_rvalue *src, lp_error *err);
/* Appends a deep copy of item to a sequence (making v a sequence). */
int lp_seq_append(lp_rvalue *seq, const lp_rvalue *item, lp_error *err);
/* Inserts at position pos (0..n_items) taking ownership of *item. */
void lp_seq_insert_owned(lp_rvalue *seq, int pos, lp_rvalue *item);
/* Borrows src's data into dst without copying (dst must not outlive src). */
void lp_rvalue_borrow(lp_rvalue *dst, const lp_rvalue *src);

/* Reads a test-data .pb: a TensorProto, SequenceProto or OptionalProto
** according to the declared kind. */
struct lp_type;
int lp_rvalue_load_pb(const char *path, const struct lp_type *declared, lp_rvalue *v,
                      lp_error *err);
/* Writes a value as the .pb the test data uses for its kind. */
int lp_rvalue_write_pb(const char *path, const lp_rvalue *v, const char *name, lp_error *err);

#endif
