/*
** zipmap.c — ZipMap (ai.onnx.ml 1): a [N, C] tensor of class scores becomes
** a sequence of N maps, class label -> score. scikit-learn classifiers end
** with it, so their probabilities come out keyed by label.
*/
#include "ops/ml/ml.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int lp_k_ml_zipmap(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kfail(k, "input X is missing");
    if (x->dtype != LP_FLOAT)
        return lp_kbad(k, "input X is %s; float is needed", lp_dtype_name(x->dtype));
    lp_ml_labels l;
    int rc = lp_ml_labels_attr(k, "classlabels_int64s", &l);
    if (rc) return rc;
    if (l.n == 0) return lp_kfail(k, "classlabels_int64s or classlabels_strings is needed");
    int64_t rows, cols;
    if ((rc = lp_ml_shape(k, x, &rows, &cols))) return rc;
    if (cols != l.n)
        return lp_kbad(k, "X has %lld columns for %d class labels", (long long)cols, l.n);
    if (rows > INT32_MAX / 2) return lp_kbad(k, "%lld rows are too many maps", (long long)rows);
    lp_rvalue *z = lp_out_value(k, 0);
    z->kind = LP_RV_SEQUENCE;
    z->elem = LP_FLOAT;
    z->items = lp_xcalloc((size_t)rows + 1, sizeof *z->items);
    z->cap_items = (int)rows + 1;
    int64_t c = cols;
    const float *src = x->data;
    for (int64_t r = 0; r < rows; r++) {
        lp_rvalue *m = &z->items[r];
        m->kind = LP_RV_MAP;
        z->n_items++;
        if (lp_tensor_alloc(&m->keys, l.strs ? LP_STRING : LP_INT64, 1, &c, k->err) ||
            lp_tensor_alloc(&m->vals, LP_FLOAT, 1, &c, k->err))
            return LP_EFAIL;
        for (int64_t j = 0; j < c; j++) lp_ml_label_put(&m->keys, j, &l, j);
        memcpy(m->vals.data, src + r * c, (size_t)c * sizeof(float));
    }
    return LP_OK;
}
