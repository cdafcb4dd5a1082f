/*
** rvalue_io.c — runtime values to and from the .pb files of ONNX test data:
** a TensorProto for a tensor, a SequenceProto for a sequence, an
** OptionalProto for an optional, a MapProto for a map.
**
** Which message a file holds is not written in it, so reading follows the
** kind the model declares for the value. Writing picks the message from the
** value; a present optional is written as its content (runtime values do
** not remember that they were optional), an empty one as an OptionalProto.
*/
#include "model/ir.h"
#include "model/onnx_pb.h"
#include "model/tensor_io.h"
#include "model/write.h"
#include "ops/value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NESTING 32

/* ---- reading ---- */

static int from_tensor(const Onnx__TensorProto *tp, lp_rvalue *v, const char *where,
                       lp_error *err) {
    lp_tensor view;
    bool borrowed;
    int rc = lp_tensor_from_proto(tp, NULL, &view, &borrowed, where, err);
    if (rc) return rc;
    v->kind = LP_RV_TENSOR;
    if (borrowed) {
        rc = lp_tensor_copy(&v->t, &view, err);
    } else {
        v->t = view;
    }
    v->t.name = NULL;
    return rc;
}

static int from_sequence(const Onnx__SequenceProto *sp, lp_rvalue *v, const char *where,
                         int depth, lp_error *err);
static int from_optional(const Onnx__OptionalProto *op, lp_rvalue *v, const char *where,
                         int depth, lp_error *err);

static void append_or_clear(lp_rvalue *seq, lp_rvalue *item, int rc) {
    if (rc) lp_rvalue_clear(item);
    else lp_seq_insert_owned(seq, -1, item);
}

/* A map's values come as a sequence of tensors, one per key; they are joined
** into the one 1-D tensor lp_rvalue keeps. */
static int from_map(const Onnx__MapProto *mp, lp_rvalue *v, const char *where, int depth,
                    lp_error *err) {
    v->kind = LP_RV_MAP;
    int64_t n = mp->n_string_keys ? (int64_t)mp->n_string_keys : (int64_t)mp->n_keys;
    lp_dtype kt = mp->has_key_type ? (lp_dtype)mp->key_type : LP_INT64;
    if (kt != LP_STRING && kt != LP_INT64 && kt != LP_INT32)
        return lp_fail(err, LP_EUNSUPPORTED, "%s: map keys of type %d are not supported", where,
                       (int)kt);
    int rc = lp_tensor_alloc(&v->keys, kt, 1, &n, err);
    if (rc) return rc;
    for (int64_t i = 0; i < n; i++) {
        if (kt == LP_STRING) {
            char **s = v->keys.data;
            free(s[i]);
            s[i] = lp_xmalloc(mp->string_keys[i].len + 1);
            memcpy(s[i], mp->string_keys[i].data, mp->string_keys[i].len);
            s[i][mp->string_keys[i].len] = 0;
        } else if (kt == LP_INT32) {
            ((int32_t *)v->keys.data)[i] = (int32_t)mp->keys[i];
        } else {
            ((int64_t *)v->keys.data)[i] = mp->keys[i];
        }
    }
    lp_rvalue vals = {0};
    if (mp->values) rc = from_sequence(mp->values, &vals, where, depth + 1, err);
    if (rc) goto done;
    lp_dtype vt = vals.elem != LP_UNDEFINED ? vals.elem : LP_FLOAT;
    if (vals.n_items != n) {
        rc = lp_fail(err, LP_EINPUT, "%s: a map with %lld keys has %d values", where,
                     (long long)n, vals.n_items);
        goto done;
    }
    rc = lp_tensor_alloc(&v->vals, vt, 1, &n, err);
    for (int64_t i = 0; i < n && !rc; i++) {
        const lp_rvalue *it = &vals.items[i];
        if (it->kind != LP_RV_TENSOR || it->t.numel != 1 || it->t.dtype != vt) {
            rc = lp_fail(err, LP_EUNSUPPORTED, "%s: map value %lld is not a scalar %s", where,
                         (long long)i, lp_dtype_name(vt));
        } else if (vt == LP_STRING) {
            char **d = v->vals.data;
            free(d[i]);
            d[i] = lp_xstrdup(((char **)it->t.data)[0]);
        } else {
            size_t es = lp_dtype_size(vt);
            memcpy((char *)v->vals.data + (size_t)i * es, it->t.data, es);
        }
    }
done:
    lp_rvalue_clear(&vals);
    return rc;
}

static int from_sequence(const Onnx__SequenceProto *sp, lp_rvalue *v, const char *where,
                         int depth, lp_error *err) {
    if (depth > MAX_NESTING)
        return lp_fail(err, LP_EINPUT, "%s: sequences nest more than %d deep", where, MAX_NESTING);
    v->kind = LP_RV_SEQUENCE;
    if (sp->n_sparse_tensor_values)
        return lp_fail(err, LP_EUNSUPPORTED, "%s: sequences of sparse tensors are not supported",
                       where);
    /* only the list elem_type names is filled; reading all four is harmless */
    int rc = LP_OK;
    for (size_t i = 0; i < sp->n_tensor_values && !rc; i++) {
        lp_rvalue item = {0};
        rc = from_tensor(sp->tensor_values[i], &item, where, err);
        append_or_clear(v, &item, rc);
    }
    for (size_t i = 0; i < sp->n_sequence_values && !rc; i++) {
        lp_rvalue item = {0};
        rc = from_sequence(sp->sequence_values[i], &item, where, depth + 1, err);
        append_or_clear(v, &item, rc);
    }
    for (size_t i = 0; i < sp->n_map_values && !rc; i++) {
        lp_rvalue item = {0};
        rc = from_map(sp->map_values[i], &item, where, depth + 1, err);
        append_or_clear(v, &item, rc);
    }
    for (size_t i = 0; i < sp->n_optional_values && !rc; i++) {
        lp_rvalue item = {0};
        rc = from_optional(sp->optional_values[i], &item, where, depth + 1, err);
        append_or_clear(v, &item, rc);
    }
    return rc;
}

static int from_optional(const Onnx__OptionalProto *op, lp_rvalue *v, const char *where,
                         int depth, lp_error *err) {
    if (depth > MAX_NESTING)
        return lp_fail(err, LP_EINPUT, "%s: optionals nest more than %d deep", where, MAX_NESTING);
    if (op->tensor_value) return from_tensor(op->tensor_value, v, where, err);
    if (op->sequence_value) return from_sequence(op->sequence_value, v, where, depth + 1, err);
    if (op->map_value) return from_map(op->map_value, v, where, depth + 1, err);
    if (op->optional_value) return from_optional(op->optional_value, v, where, depth + 1, err);
    if (op->sparse_tensor_value)
        return lp_fail(err, LP_EUNSUPPORTED, "%s: optional sparse tensors are not supported",
                       where);
    v->kind = LP_RV_NONE;
    v->optional_none = true;
    return LP_OK;
}

int lp_rvalue_load_pb(const char *path, const struct lp_type *declared, lp_rvalue *v,
                      lp_error *err) {
    lp_rvalue_clear(v);
    uint8_t *bytes;
    size_t n;
    int rc = lp_read_file(path, LP_MAX_FILE_BYTES, &bytes, &n, err);
    if (rc) return rc;
    lp_kind kind = declared ? declared->kind : LP_KIND_TENSOR;
    lp_rvalue tmp = {0};
    if (kind == LP_KIND_SEQUENCE) {
        Onnx__SequenceProto *sp = onnx__sequence_proto__unpack(NULL, n, bytes);
        if (!sp) {
            rc = lp_fail(err, LP_EINPUT, "%s: not a serialized SequenceProto", path);
        } else {
            rc = from_sequence(sp, &tmp, path, 0, err);
            if (!rc && tmp.elem == LP_UNDEFINED && declared->inner &&
                declared->inner->kind == LP_KIND_TENSOR)
                tmp.elem = declared->inner->elem;
            onnx__sequence_proto__free_unpacked(sp, NULL);
        }
    } else if (kind == LP_KIND_OPTIONAL) {
        Onnx__OptionalProto *op = onnx__optional_proto__unpack(NULL, n, bytes);
        if (!op) {
            rc = lp_fail(err, LP_EINPUT, "%s: not a serialized OptionalProto", path);
        } else {
            rc = from_optional(op, &tmp, path, 0, err);
            const lp_type *in = declared->inner;
            if (!rc && tmp.kind == LP_RV_SEQUENCE && tmp.elem == LP_UNDEFINED && in &&
                in->kind == LP_KIND_SEQUENCE && in->inner && in->inner->kind == LP_KIND_TENSOR)
                tmp.elem = in->inner->elem;
            onnx__optional_proto__free_unpacked(op, NULL);
        }
    } else if (kind == LP_KIND_MAP) {
        Onnx__MapProto *mp = onnx__map_proto__unpack(NULL, n, bytes);
        if (!mp) {
            rc = lp_fail(err, LP_EINPUT, "%s: not a serialized MapProto", path);
        } else {
            rc = from_map(mp, &tmp, path, 0, err);
            onnx__map_proto__free_unpacked(mp, NULL);
        }
    } else {
        Onnx__TensorProto *tp = onnx__tensor_proto__unpack(NULL, n, bytes);
        if (!tp) {
            rc = lp_fail(err, LP_EINPUT, "%s: not a serialized TensorProto", path);
        } else {
            rc = from_tensor(tp, &tmp, path, err);
            onnx__tensor_proto__free_unpacked(tp, NULL);
        }
    }
    free(bytes);
    if (rc) {
        lp_rvalue_clear(&tmp);
        return rc;
    }
    *v = tmp;
    return LP_OK;
}

/* ---- writing ---- */

/* Everything a message tree built for packing owns, freed in one go. */
typedef struct wstate {
    void **owned;
    int n, cap;
} wstate;

static void *wown(wstate *w, void *p) {
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 16;
        w->owned = lp_xrealloc(w->owned, (size_t)w->cap * sizeof *w->owned);
    }
    w->owned[w->n++] = p;
    return p;
}

static Onnx__TensorProto *to_tensor(wstate *w, const lp_tensor *t, const char *name) {
    Onnx__TensorProto *tp = wown(w, lp_xmalloc(sizeof *tp));
    onnx__tensor_proto__init(tp);
    uint8_t *scratch;
    lp_tensor_to_proto(t, name, tp, &scratch);
    if (scratch) wown(w, scratch);
    return tp;
}

static Onnx__SequenceProto *to_sequence(wstate *w, const lp_rvalue *v, const char *name);
static Onnx__MapProto *to_map(wstate *w, const lp_rvalue *v, const char *name);

static int seq_elem_type(const lp_rvalue *it) {
    switch (it->kind) {
    case LP_RV_TENSOR: return ONNX__SEQUENCE_PROTO__DATA_TYPE__TENSOR;
    case LP_RV_SEQUENCE: return ONNX__SEQUENCE_PROTO__DATA_TYPE__SEQUENCE;
    case LP_RV_MAP: return ONNX__SEQUENCE_PROTO__DATA_TYPE__MAP;
    default: return ONNX__SEQUENCE_PROTO__DATA_TYPE__OPTIONAL;
    }
}

static Onnx__OptionalProto *to_optional_none(wstate *w, const char *name) {
    Onnx__OptionalProto *op = wown(w, lp_xmalloc(sizeof *op));
    onnx__optional_proto__init(op);
    op->name = (char *)(name ? name : "");
    op->has_elem_type = 1;
    op->elem_type = ONNX__OPTIONAL_PROTO__DATA_TYPE__UNDEFINED;
    return op;
}

static Onnx__SequenceProto *to_sequence(wstate *w, const lp_rvalue *v, const char *name) {
    Onnx__SequenceProto *sp = wown(w, lp_xmalloc(sizeof *sp));
    onnx__sequence_proto__init(sp);
    sp->name = (char *)(name ? name : "");
    sp->has_elem_type = 1;
    sp->elem_type = v->n_items ? seq_elem_type(&v->items[0]) : ONNX__SEQUENCE_PROTO__DATA_TYPE__TENSOR;
    size_t n = (size_t)v->n_items + 1;
    sp->tensor_values = wown(w, lp_xcalloc(n, sizeof *sp->tensor_values));
    sp->sequence_values = wown(w, lp_xcalloc(n, sizeof *sp->sequence_values));
    sp->map_values = wown(w, lp_xcalloc(n, sizeof *sp->map_values));
    sp->optional_values = wown(w, lp_xcalloc(n, sizeof *sp->optional_values));
    for (int i = 0; i < v->n_items; i++) {
        const lp_rvalue *it = &v->items[i];
        if (it->kind == LP_RV_TENSOR) sp->tensor_values[sp->n_tensor_values++] = to_tensor(w, &it->t, "");
        else if (it->kind == LP_RV_SEQUENCE) sp->sequence_values[sp->n_sequence_values++] = to_sequence(w, it, "");
        else if (it->kind == LP_RV_MAP) sp->map_values[sp->n_map_values++] = to_map(w, it, "");
        else sp->optional_values[sp->n_optional_values++] = to_optional_none(w, "");
    }
    return sp;
}

static Onnx__MapProto *to_map(wstate *w, const lp_rvalue *v, const char *name) {
    Onnx__MapProto *mp = wown(w, lp_xmalloc(sizeof *mp));
    onnx__map_proto__init(mp);
    mp->name = (char *)(name ? name : "");
    mp->has_key_type = 1;
    mp->key_type = (int32_t)v->keys.dtype;
    size_t n = (size_t)v->keys.numel;
    if (v->keys.dtype == LP_STRING) {
        mp->string_keys = wown(w, lp_xcalloc(n + 1, sizeof *mp->string_keys));
        for (size_t i = 0; i < n; i++) {
            char *s = ((char **)v->keys.data)[i];
            mp->string_keys[i].data = (uint8_t *)s;
            mp->string_keys[i].len = strlen(s);
        }
        mp->n_string_keys = n;
    } else {
        mp->keys = wown(w, lp_xcalloc(n + 1, sizeof *mp->keys));
        for (size_t i = 0; i < n; i++) mp->keys[i] = lp_load_i64(v->keys.dtype, v->keys.data, i);
        mp->n_keys = n;
    }
    /* each value as a scalar tensor, the layout MapProto uses */
    lp_rvalue seq = {.kind = LP_RV_SEQUENCE};
    lp_rvalue *items = wown(w, lp_xcalloc(n + 1, sizeof *items));
    size_t es = lp_dtype_size(v->vals.dtype);
    for (size_t i = 0; i < n && i < (size_t)v->vals.numel; i++) {
        items[i].kind = LP_RV_TENSOR;
        items[i].t.dtype = v->vals.dtype;
        items[i].t.numel = 1;
        items[i].t.nbytes = es;
        items[i].t.data = (char *)v->vals.data + i * es;
    }
    seq.items = items;
    seq.n_items = (int)n;
    mp->values = to_sequence(w, &seq, "");
    return mp;
}

int lp_rvalue_write_pb(const char *path, const lp_rvalue *v, const char *name, lp_error *err) {
    if (v->kind == LP_RV_TENSOR) return lp_tensor_write_pb(path, &v->t, name, err);
    wstate w = {0};
    uint8_t *buf;
    size_t n;
    if (v->kind == LP_RV_SEQUENCE) {
        Onnx__SequenceProto *sp = to_sequence(&w, v, name);
        n = onnx__sequence_proto__get_packed_size(sp);
        buf = lp_xmalloc(n + 1);
        onnx__sequence_proto__pack(sp, buf);
    } else if (v->kind == LP_RV_MAP) {
        Onnx__MapProto *mp = to_map(&w, v, name);
        n = onnx__map_proto__get_packed_size(mp);
        buf = lp_xmalloc(n + 1);
        onnx__map_proto__pack(mp, buf);
    } else {
        Onnx__OptionalProto *op = to_optional_none(&w, name);
        n = onnx__optional_proto__get_packed_size(op);
        buf = lp_xmalloc(n + 1);
        onnx__optional_proto__pack(op, buf);
    }
    for (int i = 0; i < w.n; i++) free(w.owned[i]);
    free(w.owned);
    /* a temporary file renamed over path: a failed write leaves no half file */
    int rc = lp_write_file_safe(path, buf, n, 0, NULL, err);
    free(buf);
    return rc;
}
