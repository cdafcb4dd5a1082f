/*
** value.c — runtime values: clearing, copying, sequences.
*/
#include "ops/value.h"

#include <stdlib.h>
#include <string.h>

void lp_rvalue_clear(lp_rvalue *v) {
    if (v->borrowed) {
        memset(v, 0, sizeof *v);
        return;
    }
    if (v->kind == LP_RV_TENSOR) lp_tensor_release(&v->t);
    for (int i = 0; i < v->n_items; i++) lp_rvalue_clear(&v->items[i]);
    free(v->items);
    lp_tensor_release(&v->keys);
    lp_tensor_release(&v->vals);
    memset(v, 0, sizeof *v);
}

int lp_rvalue_copy(lp_rvalue *dst, const lp_rvalue *src, lp_error *err) {
    lp_rvalue tmp = {.kind = src->kind, .elem = src->elem, .optional_none = src->optional_none};
    /* a borrowed tensor is copied; so is everything inside a sequence */
    int rc = LP_OK;
    if (src->kind == LP_RV_TENSOR) rc = lp_tensor_copy(&tmp.t, &src->t, err);
    else if (src->kind == LP_RV_MAP) {
        rc = lp_tensor_copy(&tmp.keys, &src->keys, err);
        if (!rc) rc = lp_tensor_copy(&tmp.vals, &src->vals, err);
    } else if (src->kind == LP_RV_SEQUENCE) {
        for (int i = 0; i < src->n_items && !rc; i++) rc = lp_seq_append(&tmp, &src->items[i], err);
        tmp.kind = LP_RV_SEQUENCE;
    }
    if (rc) {
        lp_rvalue_clear(&tmp);
        return rc;
    }
    lp_rvalue_clear(dst);
    *dst = tmp;
    return LP_OK;
}

void lp_seq_insert_owned(lp_rvalue *seq, int pos, lp_rvalue *item) {
    if (seq->kind != LP_RV_SEQUENCE) {
        lp_dtype elem = seq->elem;
        lp_rvalue_clear(seq);
        seq->kind = LP_RV_SEQUENCE;
        seq->elem = elem;
    }
    if (seq->n_items == seq->cap_items) {
        seq->cap_items = seq->cap_items ? seq->cap_items * 2 : 4;
        seq->items = lp_xrealloc(seq->items, (size_t)seq->cap_items * sizeof *seq->items);
    }
    if (pos < 0 || pos > seq->n_items) pos = seq->n_items;
    memmove(seq->items + pos + 1, seq->items + pos, (size_t)(seq->n_items - pos) * sizeof *seq->items);
    seq->items[pos] = *item;
    seq->n_items++;
    if (item->kind == LP_RV_TENSOR && seq->elem == LP_UNDEFINED) seq->elem = item->t.dtype;
    memset(item, 0, sizeof *item);
}

int lp_seq_append(lp_rvalue *seq, const lp_rvalue *item, lp_error *err) {
    lp_rvalue copy = {0};
    int rc = lp_rvalue_copy(&copy, item, err);
    if (rc) return rc;
    lp_seq_insert_owned(seq, -1, &copy);
    return LP_OK;
}

void lp_rvalue_borrow(lp_rvalue *dst, const lp_rvalue *src) {
    *dst = *src;
    dst->t.owned = false;
    dst->borrowed = true;
}
