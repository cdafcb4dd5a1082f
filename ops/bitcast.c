/*
** bitcast.c — BitCast: the same bits read as another type of the same
** width. Sub-byte types are held one element per byte (signed ones sign
** extended), so between them the low bits are moved and re-extended.
*/
#include "ops/kernel.h"

#include <string.h>

/* Signed sub-byte types hold their value sign-extended in the byte. */
static bool sub_signed(lp_dtype t) { return t == LP_INT4 || t == LP_INT2; }

int lp_k_bit_cast(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kfail(k, "the input is required");
    int64_t to = lp_attr_int(k->node, "to", 0);
    if (!lp_dtype_valid((int)to) || to == LP_STRING || to == LP_UNDEFINED)
        return lp_kfail(k, "'to' = %lld is not a type BitCast can produce", (long long)to);
    lp_dtype t = (lp_dtype)to;
    if (x->dtype == LP_STRING) return lp_kfail(k, "strings cannot be bitcast");
    int bits = lp_dtype_file_bits(x->dtype);
    if (bits != lp_dtype_file_bits(t))
        return lp_kfail(k, "%s and %s differ in width", lp_dtype_name(x->dtype), lp_dtype_name(t));
    lp_tensor *y = lp_out(k, 0, t, x->rank, x->dims);
    if (!y) return LP_EFAIL;
    if (bits >= 8) {
        if (x->nbytes) memcpy(y->data, x->data, x->nbytes);
        return LP_OK;
    }
    const uint8_t *s = x->data;
    uint8_t *d = y->data, mask = (uint8_t)((1u << bits) - 1), sign = (uint8_t)(1u << (bits - 1));
    for (int64_t i = 0; i < x->numel; i++) {
        uint8_t v = s[i] & mask;
        d[i] = sub_signed(t) && (v & sign) ? (uint8_t)(v | ~mask) : v;
    }
    return LP_OK;
}
