/*
** inputs.c — random inputs (xorshift64*, deterministic by seed).
*/
#include "ops/inputs.h"

#include <stdio.h>
#include <stdlib.h>

static uint64_t next_u64(uint64_t *s) {
    uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dull;
}

int lp_concrete_shape(const lp_type *t, int64_t batch, int64_t *dims) {
    int rank = t->rank < 0 ? 0 : t->rank;
    for (int i = 0; i < rank; i++) dims[i] = t->dims[i].value >= 0 ? t->dims[i].value : (i == 0 ? batch : 1);
    return rank;
}

int lp_random_input(const lp_value *v, uint64_t *state, int64_t batch, lp_rvalue *out,
                    lp_error *err) {
    const lp_type *t = &v->type;
    if (t->kind != LP_KIND_TENSOR && t->kind != LP_KIND_UNKNOWN)
        return lp_fail(err, LP_EUNSUPPORTED, "input '%s': random values only for tensors, not %s",
                       v->name, t->kind == LP_KIND_SEQUENCE ? "sequences" : "maps or optionals");
    int64_t dims[LP_MAX_RANK];
    int rank = lp_concrete_shape(t, batch, dims);
    lp_dtype dt = t->elem ? t->elem : LP_FLOAT;
    out->kind = LP_RV_TENSOR;
    int rc = lp_tensor_alloc(&out->t, dt, rank, dims, err);
    if (rc) {
        return lp_fail(err, rc, "input '%s': %s", v->name, err->msg);
    }
    for (int64_t i = 0; i < out->t.numel; i++) {
        uint64_t r = next_u64(state);
        if (dt == LP_STRING) {
            char **s = out->t.data, text[2] = {(char)('a' + (r >> 60) % 4), 0};
            free(s[i]);
            s[i] = lp_xstrdup(text);
        } else if (dt == LP_BOOL) {
            ((uint8_t *)out->t.data)[i] = (uint8_t)(r >> 63);
        } else if (lp_dtype_is_int(dt)) {
            lp_store_f64(dt, out->t.data, (size_t)i, (double)((r >> 40) % 4));
        } else {
            double u = (double)(r >> 11) / 9007199254740992.0; /* [0,1) */
            lp_store_f64(dt, out->t.data, (size_t)i, 2.0 * u - 1.0);
        }
    }
    return LP_OK;
}
