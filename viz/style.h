/*
** style.h — how an operator looks: its family (and the family's colour in
** the picture and the legend), and the names of its input slots, so a box
** can list "W ⟨64×3×7×7⟩" rather than a tensor's file name.
*/
#ifndef LP_VIZ_STYLE_H
#define LP_VIZ_STYLE_H

#include <stddef.h>

typedef enum lp_family {
    LP_FAM_CONV,    /* convolution and dense layers: Conv, Gemm, MatMul, LSTM, Attention */
    LP_FAM_POOL,    /* pooling */
    LP_FAM_ACT,     /* activations and softmax */
    LP_FAM_NORM,    /* normalisation and dropout */
    LP_FAM_TENSOR,  /* shape and tensor ops: Reshape, Concat, Gather, Cast, ... */
    LP_FAM_MATH,    /* elementwise math, logic, reductions */
    LP_FAM_CONTROL, /* If, Loop, Scan and model-local function calls */
    LP_FAM_QUANT,   /* quantization */
    LP_FAM_ML,      /* ai.onnx.ml */
    LP_FAM_OTHER,   /* custom domains and the rest */
    LP_FAM_COUNT
} lp_family;

typedef struct lp_family_style {
    const char *name;   /* "convolution / dense" (legend text) */
    const char *header; /* header background, "#335588"; the title is white on it */
    const char *border; /* box outline */
} lp_family_style;

lp_family lp_family_of(const char *domain, const char *op_type);
const lp_family_style *lp_family_style_of(lp_family f);

/* The schema name of input slot `slot` of an operator ("W" for Conv slot 1),
** written into buf, or NULL when Loupe does not know it. */
const char *lp_input_slot_name(const char *domain, const char *op_type, int slot, char *buf,
                               size_t size);

/* True when an attribute holds its operator's default or a no-op value
** (strides 1, pads 0, group 1, auto_pad NOTSET...), so a box may leave it
** out; the tooltip still lists it. */
struct lp_attr;
int lp_attr_is_trivial(const char *op_type, const struct lp_attr *a);

#endif
