/*
** rvalue_io.c — runtime values to and from the test data's .pb files:
** TensorProto, SequenceProto and OptionalProto, chosen by declared kind.
*/
#include "model/ir.h"
#include "model/onnx_pb.h"
#include "model/tensor_io.h"
#include "ops/value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tensor_from(const Onnx__TensorProto *tp, lp_rvalue *v, const char *where, lp_error *err) {
    lp_tensor view;
    bool borrowed;
    int rc = lp_tensor_from_proto(tp, NULL, &view, &borrowed, where, err);
    if (rc) return rc;
    v->kind = LP_RV_TENSOR;
    if (borrowed) return lp_tensor_copy(&v->t, &view, err);
    v->t = view;
    v->t.name = NULL;
    return LP_OK;
}

static int seq_from(const Onnx__SequenceProto *sp, lp_rvalue *v, const char *where, lp_error *err,
                    int depth);

static int optional_from(const Onnx__OptionalProto *op, lp_rvalue *v, const char *where,
                         lp_error *err, int depth) {
    if (op->tensor_value) return tensor_from(op->tensor_value, v, where, err);
    if (op->sequence_value) return seq_from(op->sequence_value, v, where, err, depth + 1);
    if (op->optional_value) return optional_from(op->optional_value, v, where, err, depth + 1);
    v->kind = LP_RV_NONE;
    v->optional_none = true;
    return LP_OK;
}

static int seq_from(const Onnx__SequenceProto *sp, lp_rvalue *v, const char *where, lp_error *err,
                    int depth) {
    if (depth > 16) return lp_fail(err, LP_EINPUT, "%s: sequences nest too deeply", where);
    v->kind = LP_RV_SEQUENCE;
    for (size_t i = 0; i < sp->n_tensor_values; i++) {
        lp_rvalue item = {0};
        int rc = tensor_from(sp->tensor_values[i], &item, where, err);
        if (rc) return rc;
        lp_seq_insert_owned(v, -1, &item);
    }
    for (size_t i = 0; i < sp->n_sequence_values; i++) {
        lp_rvalue item = {0};
        int rc = seq_from(sp->sequence_values[i], &item, where, err, depth + 1);
        if (rc) {
            lp_rvalue_clear(&item);
            return rc;
        }
        lp_seq_insert_owned(v, -1, &item);
    }
    if (sp->n_tensor_values == 0 && sp->has_elem_type) v->elem = LP_UNDEFINED;
    return LP_OK;
}

int lp_rvalue_load_pb(const char *path, const lp_type *declared, lp_rvalue *v, lp_error *err) {
    uint8_t *bytes;
    size_t n;
    memset(v, 0, sizeof *v);
    int rc = lp_read_file(path, LP_MAX_FILE_BYTES, &bytes, &n, err);
    if (rc) return rc;
    lp_kind kind = declared ? declared->kind : LP_KIND_TENSOR;
    if (kind == LP_KIND_SEQUENCE) {
        Onnx__SequenceProto *sp = onnx__sequence_proto__unpack(NULL, n, bytes);
        if (!sp) rc = lp_fail(err, LP_EINPUT, "%s: not a serialized SequenceProto", path);
        else {
            rc = seq_from(sp, v, path, err, 0);
            onnx__sequence_proto__free_unpacked(sp, NULL);
        }
    } else if (kind == LP_KIND_OPTIONAL) {
        Onnx__OptionalProto *op = onnx__optional_proto__unpack(NULL, n, bytes);
        if (!op) rc = lp_fail(err, LP_EINPUT, "%s: not a serialized OptionalProto", path);
        else {
            rc = optional_from(op, v, path, err, 0);
            onnx__optional_proto__free_unpacked(op, NULL);
        }
    } else {
        Onnx__TensorProto *tp = onnx__tensor_proto__unpack(NULL, n, bytes);
        if (!tp) rc = lp_fail(err, LP_EINPUT, "%s: not a serialized TensorProto", path);
        else {
            rc = tensor_from(tp, v, path, err);
            onnx__tensor_proto__free_unpacked(tp, NULL);
        }
    }
    free(bytes);
    if (rc) lp_rvalue_clear(v);
    return rc;
}

static int write_bytes(const char *path, const uint8_t *buf, size_t n, lp_error *err) {
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(buf, 1, n, f) == n;
    if (f && fclose(f) != 0) ok = 0;
    return ok ? LP_OK : lp_fail(err, LP_EFAIL, "%s: cannot write", path);
}

int lp_rvalue_write_pb(const char *path, const lp_rvalue *v, const char *name, lp_error *err) {
    if (v->kind == LP_RV_TENSOR) return lp_tensor_write_pb(path, &v->t, name, err);
    if (v->kind == LP_RV_SEQUENCE) {
        Onnx__SequenceProto sp = ONNX__SEQUENCE_PROTO__INIT;
        sp.name = (char *)(name ? name : "");
        sp.has_elem_type = 1;
        sp.elem_type = ONNX__SEQUENCE_PROTO__DATA_TYPE__TENSOR;
        Onnx__TensorProto *tps = lp_xcalloc((size_t)v->n_items + 1, sizeof *tps);
        Onnx__TensorProto **ptrs = lp_xcalloc((size_t)v->n_items + 1, sizeof *ptrs);
        uint8_t **scratch = lp_xcalloc((size_t)v->n_items + 1, sizeof *scratch);
        size_t k = 0;
        for (int i = 0; i < v->n_items; i++) {
            if (v->items[i].kind != LP_RV_TENSOR) continue;
            onnx__tensor_proto__init(&tps[k]);
            lp_tensor_to_proto(&v->items[i].t, NULL, &tps[k], &scratch[k]);
            ptrs[k] = &tps[k];
            k++;
        }
        sp.n_tensor_values = k;
        sp.tensor_values = ptrs;
        size_t n = onnx__sequence_proto__get_packed_size(&sp);
        uint8_t *buf = lp_xmalloc(n + 1);
        onnx__sequence_proto__pack(&sp, buf);
        int rc = write_bytes(path, buf, n, err);
        for (size_t i = 0; i < k; i++) free(scratch[i]);
        free(scratch);
        free(ptrs);
        free(tps);
        free(buf);
        return rc;
    }
    Onnx__OptionalProto op = ONNX__OPTIONAL_PROTO__INIT;
    op.name = (char *)(name ? name : "");
    size_t n = onnx__optional_proto__get_packed_size(&op);
    uint8_t *buf = lp_xmalloc(n + 1);
    onnx__optional_proto__pack(&op, buf);
    int rc = write_bytes(path, buf, n, err);
    free(buf);
    return rc;
}
