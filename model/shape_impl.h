/*
** shape_impl.h — private to shape inference (shape.c, shape_rules.c,
** shape_nn.c, shape_ml.c, fold.c): the per-node context the operator rules
** and the constant folder share, and the small dim arithmetic they all use.
**
** A rule reads its node's inputs through lp_sh_in_*() and writes outputs with
** lp_sh_out_*(); the driver merges what it writes with any type the file
** declared. Rules never fail: they write what they know and leave the rest
** unknown. Every index and axis from the file is checked before use.
*/
#ifndef LP_SHAPE_IMPL_H
#define LP_SHAPE_IMPL_H

#include "ir.h"

/* A shape under construction; rank -1 when unknown. */
typedef struct lp_shp {
    lp_dtype elem;
    int rank;
    lp_dim d[LP_MAX_RANK];
} lp_shp;

/* Known contents of small integer tensors, entries possibly symbolic
** (Shape of a [batch,3] tensor is [batch,3]); per graph, by value index.
** An entry's value is the literal integer (negative ones too, as Reshape's
** -1), or LP_SYM_UNKNOWN, possibly with a param name. */
#define LP_SYM_UNKNOWN INT64_MIN
typedef struct lp_symvec {
    int n;    /* -1 when nothing is known */
    int rank; /* 0 (a scalar) or 1 */
    lp_dim *d;
} lp_symvec;

typedef struct lp_symtab {
    lp_graph *g;
    lp_symvec *v; /* g->n_values entries */
    struct lp_symtab *up;
} lp_symtab;

typedef struct lp_infer {
    lp_model *m;
    lp_graph *g;
    lp_node *n;
    int opset;
    lp_symtab *syms;
} lp_infer;

/* Dims above this are held unknown, so rules can add and multiply dims and
** attributes (checked to be at most 2^31) without overflow; files are held
** to the same limit when loaded. */
#define LP_DIM_LIMIT ((int64_t)1 << 40)

/* Largest tensor the folder computes (elements); bigger ones get a shape only. */
#define LP_FOLD_MAX 4096
/* Longest integer vector a rule reads from a constant input (axes, pads, shapes). */
#define LP_MAX_INTS 64

/* ---- dims ---- */

static inline lp_dim lp_dim_of(int64_t v) { return (lp_dim){v, NULL}; }
static inline lp_dim lp_dim_unknown(void) { return (lp_dim){-1, NULL}; }
static inline bool lp_dim_known(lp_dim d) { return d.value >= 0; }
/* Between shape dims (unknown is -1) and symbolic entries (LP_SYM_UNKNOWN). */
static inline lp_dim lp_sym_from_dim(lp_dim d) {
    return d.value >= 0 ? d : (lp_dim){LP_SYM_UNKNOWN, d.param};
}
static inline lp_dim lp_dim_from_sym(lp_dim s) { return s.value >= 0 ? s : (lp_dim){-1, s.param}; }
static inline bool lp_sym_known(lp_dim s) { return s.value != LP_SYM_UNKNOWN; }
/* The same dim: equal values, or the same symbolic name. */
bool lp_dim_same(lp_dim a, lp_dim b);
/* a*b, a+b, etc. when both are known; keeps a name when the other side is neutral. */
lp_dim lp_dim_mul(lp_dim a, lp_dim b);
lp_dim lp_dim_add(lp_dim a, lp_dim b);
/* Product of dims[from..to) (a single dim passes through with its name). */
lp_dim lp_dim_prod(const lp_dim *dims, int from, int to);
/* Copies n dims; either pointer may be NULL when n is 0 (rank-0 types have no array). */
static inline void lp_dims_copy(lp_dim *dst, const lp_dim *src, int n) {
    for (int i = 0; i < n; i++) dst[i] = src[i];
}
/* Two dims meant to be equal: whichever is better known. */
lp_dim lp_dim_merge(lp_dim a, lp_dim b);
/* Numpy broadcasting of two dims (unknown where they cannot agree). */
lp_dim lp_dim_broadcast(lp_dim a, lp_dim b);
/* Numpy broadcasting of two shapes into out (out may be a). */
void lp_shp_broadcast(const lp_shp *a, const lp_shp *b, lp_shp *out);
/* Normalises an axis in [-rank, rank) into *out; false when out of range. */
bool lp_sh_axis(int64_t axis, int rank, int *out);
/* Floor and ceiling division for non-negative numerators (positive b). */
static inline int64_t lp_floordiv(int64_t a, int64_t b) {
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}
static inline int64_t lp_ceildiv(int64_t a, int64_t b) {
    return a >= 0 ? (a + b - 1) / b : -(-a / b);
}

/* ---- inputs (shape.c) ---- */

lp_value *lp_sh_in_value(lp_infer *x, int k); /* NULL when omitted */
bool lp_sh_in_has(lp_infer *x, int k);
int lp_sh_n_in(lp_infer *x); /* inputs given, trailing omitted ones not counted */
/* The input's tensor shape into s (elem too); false (s->rank -1) when unknown. */
bool lp_sh_in_shape(lp_infer *x, int k, lp_shp *s);
int lp_sh_in_rank(lp_infer *x, int k); /* -1 when unknown */
lp_dtype lp_sh_in_elem(lp_infer *x, int k);
const lp_tensor *lp_sh_in_const(lp_infer *x, int k);
/* Integer (or bool) contents of a constant input, at most max; -1 when not known. */
int lp_sh_in_ints(lp_infer *x, int k, int64_t *out, int max);
/* Numeric contents of a constant input as doubles, at most max; -1 when not known. */
int lp_sh_in_floats(lp_infer *x, int k, double *out, int max);
/* Contents of a small integer input as symbolic entries (see lp_symvec);
** -1 when not known. *rank (may be NULL) gets 0 for a scalar, 1 for a vector. */
int lp_sh_in_dims(lp_infer *x, int k, lp_dim *out, int max, int *rank);
/* The symbolic vector of any value of this graph (for the folder). */
const lp_symvec *lp_sh_sym(lp_infer *x, int value);

/* ---- outputs (shape.c) ---- */

bool lp_sh_out_has(lp_infer *x, int k);
void lp_sh_out_shape(lp_infer *x, int k, const lp_shp *s);
void lp_sh_out_elem(lp_infer *x, int k, lp_dtype elem);              /* a tensor of unknown rank */
void lp_sh_out_rank(lp_infer *x, int k, lp_dtype elem, int rank);    /* known rank, unknown dims */
void lp_sh_out_type(lp_infer *x, int k, const lp_type *t);           /* any kind, copied */
void lp_sh_out_like(lp_infer *x, int k, int in);                     /* input in's type */
void lp_sh_out_like_elem(lp_infer *x, int k, int in, lp_dtype elem); /* its shape, this elem */
/* Attaches known contents (arena-held or owned by the model) and their shape. */
void lp_sh_out_const(lp_infer *x, int k, lp_tensor *t);
/* Records a small integer vector with symbolic entries; folds it to a
** constant when every entry is known. */
void lp_sh_out_dims(lp_infer *x, int k, const lp_dim *d, int n, int rank);

/* Builds a type from a work shape in the model's arena. */
lp_type lp_sh_type(lp_model *m, const lp_shp *s);

/* ---- attributes ---- */

/* An INTS attribute copied into out (at most max); -1 when absent or longer. */
int lp_sh_attr_ints(const lp_node *n, const char *name, int64_t *out, int max);

/* ---- slices (fold.c) ---- */

/* Starts/ends/steps and normalised axes of a Slice node (inputs from opset
** 10, attributes before); the count, or -1 when not constant or invalid. */
int lp_sh_slice_params(lp_infer *x, int rank, int64_t *st, int64_t *en, int64_t *step, int *axes);
/* Clamps one slice of a dim of length len; *start becomes the first index read.
** Returns the element count. */
int64_t lp_sh_slice_range(int64_t len, int64_t *start, int64_t end, int64_t step);

/* ---- the rules and the folder ---- */

/* Applies the node's shape rule; false when none applies to its op. */
bool lp_shape_rule(lp_infer *x);
bool lp_shape_rule_onnx(lp_infer *x); /* by ai.onnx meaning, whatever the domain */
bool lp_shape_rule_nn(lp_infer *x);   /* shape_nn.c: conv, pool, norms, matmul, rnn */
bool lp_shape_rule_ml(lp_infer *x);   /* shape_ml.c: ai.onnx.ml and contrib ops */
/* Folds the node's outputs to constants (or symbolic vectors) when it can. */
void lp_fold_node(lp_infer *x);
/* A new tensor of this shape with zeroed data from the model's arena; NULL
** when larger than LP_FOLD_MAX elements or the rank is invalid. */
lp_tensor *lp_fold_tensor(lp_infer *x, lp_dtype dtype, int rank, const int64_t *dims);

#endif
