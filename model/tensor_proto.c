/*
** tensor_proto.c — TensorProto <-> lp_tensor: typed fields, raw_data, packed
** sub-byte types, strings and external data, with every size checked
** against the shape before anything is allocated.
*/
#include "onnx_pb.h"
#include "tensor_io.h"
#include "write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool native_layout(lp_dtype t) {
    return t != LP_STRING && lp_dtype_file_bits(t) >= 8;
}

/* Unpacks sub-byte elements (low bits first) into one byte each. */
static void unpack_bits(lp_dtype t, const uint8_t *src, uint8_t *dst, int64_t numel) {
    int bits = lp_dtype_file_bits(t);
    int per = 8 / bits;
    uint8_t mask = (uint8_t)((1u << bits) - 1);
    for (int64_t i = 0; i < numel; i++) {
        uint8_t v = (uint8_t)((src[i / per] >> ((i % per) * bits)) & mask);
        if (lp_dtype_is_signed(t) && (v & (1u << (bits - 1)))) v |= (uint8_t)~mask;
        dst[i] = v;
    }
}

static int read_external(const Onnx__TensorProto *tp, const char *dir, size_t want,
                         uint8_t **out, const char *where, lp_error *err) {
    const char *location = NULL;
    long long offset = 0, length = -1;
    for (size_t i = 0; i < tp->n_external_data; i++) {
        const Onnx__StringStringEntryProto *e = tp->external_data[i];
        if (!e->key || !e->value) continue;
        if (!strcmp(e->key, "location")) location = e->value;
        else if (!strcmp(e->key, "offset")) offset = atoll(e->value);
        else if (!strcmp(e->key, "length")) length = atoll(e->value);
    }
    if (!location || !*location)
        return lp_fail(err, LP_EINPUT, "%s: external data has no location", where);
    if (!dir)
        return lp_fail(err, LP_EINPUT, "%s: external data '%s' cannot be read from here", where,
                       location);
    if (location[0] == '/' || !strncmp(location, "../", 3) || strstr(location, "/../") ||
        !strcmp(location, "..") || (strlen(location) >= 3 && !strcmp(location + strlen(location) - 3, "/..")))
        return lp_fail(err, LP_EINPUT,
                       "%s: external data location '%s' leaves the model's folder", where,
                       location);
    if (offset < 0 || (length >= 0 && (size_t)length != want))
        return lp_fail(err, LP_EINPUT,
                       "%s: external data offset/length (%lld/%lld) do not fit %zu bytes", where,
                       offset, length, want);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, location);
    FILE *f = fopen(path, "rb");
    if (!f) return lp_fail(err, LP_EINPUT, "%s: cannot open external data '%s'", where, path);
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || (unsigned long long)st.st_size < (unsigned long long)offset + want) {
        fclose(f);
        return lp_fail(err, LP_EINPUT, "%s: external data file '%s' is shorter than %zu bytes at %lld",
                       where, path, want, offset);
    }
    uint8_t *buf = malloc(want ? want : 1);
    if (!buf || fseek(f, offset, SEEK_SET) != 0 || fread(buf, 1, want, f) != want) {
        free(buf);
        fclose(f);
        return lp_fail(err, LP_EINPUT, "%s: cannot read external data '%s'", where, path);
    }
    fclose(f);
    *out = buf;
    return LP_OK;
}

int lp_tensor_from_proto(const Onnx__TensorProto *tp, const char *dir, lp_tensor *t,
                         bool *borrowed, const char *where, lp_error *err) {
    memset(t, 0, sizeof *t);
    *borrowed = false;
    if (!tp->has_data_type || !lp_dtype_valid(tp->data_type) || tp->data_type == LP_UNDEFINED)
        return lp_fail(err, LP_EINPUT, "%s: data_type %d is not an ONNX element type", where,
                       tp->has_data_type ? tp->data_type : 0);
    if (tp->n_dims > LP_MAX_RANK)
        return lp_fail(err, LP_EINPUT, "%s: rank %zu is beyond the %d supported", where,
                       tp->n_dims, LP_MAX_RANK);
    lp_dtype dt = (lp_dtype)tp->data_type;
    for (size_t i = 0; i < tp->n_dims; i++)
        if (tp->dims[i] < 0)
            return lp_fail(err, LP_EINPUT, "%s: dim %zu is %lld, a negative size", where, i,
                           (long long)tp->dims[i]);
    int64_t numel = lp_shape_numel((int)tp->n_dims, tp->dims);
    size_t mem_bytes;
    if (numel < 0 || lp_mul_size((size_t)numel, lp_dtype_size(dt), &mem_bytes) ||
        mem_bytes > ((size_t)1 << 38))
        return lp_fail(err, LP_EINPUT, "%s: shape overflows (dims multiply past 2^38 bytes)",
                       where);
    size_t file_bytes = (size_t)(((uint64_t)numel * (uint64_t)lp_dtype_file_bits(dt) + 7) / 8);

    t->dtype = dt;
    t->rank = (int)tp->n_dims;
    for (size_t i = 0; i < tp->n_dims; i++) t->dims[i] = tp->dims[i];
    t->numel = numel;
    t->nbytes = mem_bytes;
    t->name = tp->name;

    const uint8_t *raw = NULL;
    size_t raw_len = 0;
    uint8_t *external = NULL;
    if (tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) {
        if (dt == LP_STRING)
            return lp_fail(err, LP_EINPUT, "%s: string tensors cannot be external", where);
        int rc = read_external(tp, dir, file_bytes, &external, where, err);
        if (rc) return rc;
        raw = external;
        raw_len = file_bytes;
    } else if (tp->has_raw_data) {
        raw = tp->raw_data.data;
        raw_len = tp->raw_data.len;
    }

    if (raw) {
        if (dt == LP_STRING) return lp_fail(err, LP_EINPUT, "%s: strings cannot be raw_data", where);
        if (raw_len != file_bytes) {
            free(external);
            return lp_fail(err, LP_EINPUT, "%s: raw_data holds %zu bytes, the shape needs %zu",
                           where, raw_len, file_bytes);
        }
        if (native_layout(dt) && external) {
            t->data = external;
            t->owned = true;
            t->capacity = mem_bytes;
            return LP_OK;
        }
        if (native_layout(dt) && ((uintptr_t)raw % 8 == 0 || mem_bytes == 0)) {
            t->data = (void *)raw;
            *borrowed = true;
            return LP_OK;
        }
        t->data = malloc(mem_bytes ? mem_bytes : 1);
        if (!t->data) {
            free(external);
            return lp_fail(err, LP_EFAIL, "%s: out of memory", where);
        }
        t->owned = true;
        t->capacity = mem_bytes;
        if (native_layout(dt)) memcpy(t->data, raw, mem_bytes);
        else unpack_bits(dt, raw, t->data, numel);
        free(external);
        return LP_OK;
    }

    /* Typed fields. */
    size_t have = 0;
    const void *src = NULL;
    switch (dt) {
    case LP_FLOAT: have = tp->n_float_data; src = tp->float_data; break;
    case LP_COMPLEX64: have = tp->n_float_data / 2; src = tp->float_data; break;
    case LP_DOUBLE: have = tp->n_double_data; src = tp->double_data; break;
    case LP_COMPLEX128: have = tp->n_double_data / 2; src = tp->double_data; break;
    case LP_INT64: have = tp->n_int64_data; src = tp->int64_data; break;
    case LP_UINT64: have = tp->n_uint64_data; src = tp->uint64_data; break;
    case LP_INT32: have = tp->n_int32_data; src = tp->int32_data; break;
    case LP_UINT32: have = tp->n_uint64_data; break;
    case LP_STRING: have = tp->n_string_data; break;
    default:
        have = tp->n_int32_data;
        /* sub-byte types may pack two (or four) values per int32 entry */
        if (lp_dtype_file_bits(dt) < 8 && have * 8 / (size_t)lp_dtype_file_bits(dt) >= (size_t)numel &&
            have == file_bytes)
            have = (size_t)numel;
        break;
    }
    if (have != (size_t)numel) {
        if (have == 0 && numel > 0)
            return lp_fail(err, LP_EINPUT, "%s: has no data for its %lld elements", where,
                           (long long)numel);
        return lp_fail(err, LP_EINPUT, "%s: holds %zu values, the shape needs %lld", where, have,
                       (long long)numel);
    }
    if (src) {
        t->data = (void *)src;
        *borrowed = true;
        if (numel == 0) t->data = NULL;
        return LP_OK;
    }
    t->data = calloc(mem_bytes ? mem_bytes : 1, 1);
    if (!t->data) return lp_fail(err, LP_EFAIL, "%s: out of memory", where);
    t->owned = true;
    t->capacity = mem_bytes;
    if (dt == LP_UINT32) {
        for (int64_t i = 0; i < numel; i++) ((uint32_t *)t->data)[i] = (uint32_t)tp->uint64_data[i];
    } else if (dt == LP_STRING) {
        char **s = t->data;
        for (int64_t i = 0; i < numel; i++) {
            const ProtobufCBinaryData *b = &tp->string_data[i];
            s[i] = lp_xmalloc(b->len + 1);
            if (b->len) memcpy(s[i], b->data, b->len);
            s[i][b->len] = 0;
        }
    } else if (lp_dtype_file_bits(dt) < 8 && tp->n_int32_data == file_bytes && file_bytes != (size_t)numel) {
        uint8_t *packed = lp_xmalloc(file_bytes + 1);
        for (size_t i = 0; i < file_bytes; i++) packed[i] = (uint8_t)tp->int32_data[i];
        unpack_bits(dt, packed, t->data, numel);
        free(packed);
    } else {
        /* int8/16, uint8/16, bool, float16, bfloat16, float8, 4-bit: one per int32 */
        size_t es = lp_dtype_size(dt);
        for (int64_t i = 0; i < numel; i++) {
            int32_t v = tp->int32_data[i];
            if (es == 1) ((uint8_t *)t->data)[i] = (uint8_t)v;
            else ((uint16_t *)t->data)[i] = (uint16_t)v;
        }
        if (lp_dtype_file_bits(dt) < 8) {
            int bits = lp_dtype_file_bits(dt);
            uint8_t mask = (uint8_t)((1u << bits) - 1);
            for (int64_t i = 0; i < numel; i++) {
                uint8_t v = ((uint8_t *)t->data)[i] & mask;
                if (lp_dtype_is_signed(dt) && (v & (1u << (bits - 1)))) v |= (uint8_t)~mask;
                ((uint8_t *)t->data)[i] = v;
            }
        }
    }
    return LP_OK;
}

void lp_tensor_to_proto(const lp_tensor *t, const char *name, Onnx__TensorProto *tp,
                        uint8_t **scratch) {
    *scratch = NULL;
    tp->n_dims = (size_t)t->rank;
    tp->dims = (int64_t *)t->dims;
    tp->has_data_type = 1;
    tp->data_type = (int32_t)t->dtype;
    tp->name = (char *)(name ? name : "");
    if (t->dtype == LP_STRING) {
        ProtobufCBinaryData *sd = lp_xcalloc((size_t)t->numel + 1, sizeof *sd);
        char *const *s = t->data;
        for (int64_t i = 0; i < t->numel; i++) {
            sd[i].data = (uint8_t *)s[i];
            sd[i].len = strlen(s[i]);
        }
        tp->n_string_data = (size_t)t->numel;
        tp->string_data = sd;
        *scratch = (uint8_t *)sd;
        return;
    }
    tp->has_raw_data = 1;
    int bits = lp_dtype_file_bits(t->dtype);
    if (bits >= 8) {
        tp->raw_data.data = t->data;
        tp->raw_data.len = t->nbytes;
        return;
    }
    size_t bytes = (size_t)(((uint64_t)t->numel * (uint64_t)bits + 7) / 8);
    uint8_t *packed = lp_xcalloc(bytes + 1, 1);
    int per = 8 / bits;
    uint8_t mask = (uint8_t)((1u << bits) - 1);
    for (int64_t i = 0; i < t->numel; i++)
        packed[i / per] |= (uint8_t)((((const uint8_t *)t->data)[i] & mask) << ((i % per) * bits));
    tp->raw_data.data = packed;
    tp->raw_data.len = bytes;
    *scratch = packed;
}

int lp_tensor_read_pb(const uint8_t *bytes, size_t n, lp_tensor *t, char **name,
                      const char *where, lp_error *err) {
    Onnx__TensorProto *tp = onnx__tensor_proto__unpack(NULL, n, bytes);
    if (!tp) return lp_fail(err, LP_EINPUT, "%s: not a serialized TensorProto", where);
    lp_tensor view;
    bool borrowed;
    int rc = lp_tensor_from_proto(tp, NULL, &view, &borrowed, where, err);
    if (rc == LP_OK) {
        if (borrowed) {
            rc = lp_tensor_copy(t, &view, err);
        } else {
            *t = view;
        }
        t->name = NULL;
        if (name) *name = tp->name && *tp->name ? lp_xstrdup(tp->name) : NULL;
    }
    onnx__tensor_proto__free_unpacked(tp, NULL);
    return rc;
}

int lp_tensor_load_pb(const char *path, lp_tensor *t, char **name, lp_error *err) {
    uint8_t *bytes;
    size_t n;
    int rc = lp_read_file(path, LP_MAX_FILE_BYTES, &bytes, &n, err);
    if (rc) return rc;
    rc = lp_tensor_read_pb(bytes, n, t, name, path, err);
    free(bytes);
    return rc;
}

int lp_tensor_write_pb(const char *path, const lp_tensor *t, const char *name, lp_error *err) {
    Onnx__TensorProto tp = ONNX__TENSOR_PROTO__INIT;
    uint8_t *scratch;
    lp_tensor_to_proto(t, name, &tp, &scratch);
    size_t n = onnx__tensor_proto__get_packed_size(&tp);
    uint8_t *buf = lp_xmalloc(n + 1);
    onnx__tensor_proto__pack(&tp, buf);
    free(scratch);
    /* a temporary file renamed over path: a failed write leaves no half file */
    int rc = lp_write_file_safe(path, buf, n, 0, NULL, err);
    free(buf);
    return rc;
}
