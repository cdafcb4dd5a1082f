/*
** label.h — the texts of a picture (see label.c); private to viz/.
*/
#ifndef LP_VIZ_LABEL_H
#define LP_VIZ_LABEL_H

#include "model/ir.h"

/* Appends s (len bytes) as valid UTF-8: control characters become spaces
** (newlines kept when asked), broken sequences U+FFFD. */
void lp_viz_put_clean(lp_buf *b, const char *s, size_t len, bool newlines);
/* A cleaned copy in the arena, cut to max characters (0: no limit) with an
** ellipsis, keeping the head or (names, whose end says most) the tail. */
const char *lp_viz_text(lp_arena *a, const char *s, size_t max, bool keep_tail);
/* A cleaned copy keeping its newlines (tooltips). */
const char *lp_viz_text_lines(lp_arena *a, const char *s);
/* "1×64×56×56 f32", "batch×10 f32", "seq⟨map⟨i64, f32⟩⟩"; nothing when unknown. */
void lp_viz_type_text(lp_buf *b, const lp_type *t);
/* "⟨64×3×7×7⟩", and for a few numbers " = 1, -1". */
void lp_viz_tensor_text(lp_buf *b, const lp_tensor *t);
/* An attribute's value; lists stop after max_items items or max_chars bytes. */
void lp_viz_attr_text(lp_buf *b, const lp_attr *a, int max_items, size_t max_chars);

#endif
