/*
** tensor_npy.c — NumPy .npy files (format versions 1-3, little-endian,
** C order).
*/
#include "tensor_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *descr;
    lp_dtype dtype;
} npy_types[] = {
    {"f4", LP_FLOAT}, {"f8", LP_DOUBLE}, {"f2", LP_FLOAT16}, {"i1", LP_INT8},   {"i2", LP_INT16},
    {"i4", LP_INT32}, {"i8", LP_INT64},  {"u1", LP_UINT8},   {"u2", LP_UINT16}, {"u4", LP_UINT32},
    {"u8", LP_UINT64}, {"b1", LP_BOOL},
};

/* Finds the value text after 'key': in the header dict. */
static const char *dict_value(const char *h, const char *key) {
    char pat[64];
    snprintf(pat, sizeof pat, "'%s'", key);
    const char *p = strstr(h, pat);
    if (!p) return NULL;
    p = strchr(p + strlen(pat), ':');
    if (!p) return NULL;
    p++;
    while (*p == ' ') p++;
    return p;
}

static int parse_header(const char *h, lp_tensor *t, const char *path, lp_error *err) {
    const char *d = dict_value(h, "descr");
    if (!d || (*d != '\'' && *d != '"'))
        return lp_fail(err, LP_EINPUT, "%s: .npy header has no 'descr'", path);
    char descr[16] = {0};
    size_t n = 0;
    for (d++; *d && *d != '\'' && *d != '"' && n < sizeof descr - 1; d++) descr[n++] = *d;
    const char *code = descr;
    if (*code == '<' || *code == '|' || *code == '=') code++;
    else if (*code == '>')
        return lp_fail(err, LP_EINPUT, "%s: big-endian .npy data is not supported", path);
    t->dtype = LP_UNDEFINED;
    for (size_t i = 0; i < LP_COUNT(npy_types); i++)
        if (!strcmp(code, npy_types[i].descr)) t->dtype = npy_types[i].dtype;
    if (t->dtype == LP_UNDEFINED)
        return lp_fail(err, LP_EINPUT, "%s: .npy element type '%s' is not supported", path, descr);
    const char *f = dict_value(h, "fortran_order");
    if (f && !strncmp(f, "True", 4))
        return lp_fail(err, LP_EINPUT, "%s: Fortran-ordered .npy data is not supported", path);
    const char *s = dict_value(h, "shape");
    if (!s || *s != '(') return lp_fail(err, LP_EINPUT, "%s: .npy header has no 'shape'", path);
    t->rank = 0;
    for (s++; *s && *s != ')';) {
        while (*s == ' ' || *s == ',') s++;
        if (*s == ')') break;
        char *end;
        long long v = strtoll(s, &end, 10);
        if (end == s || v < 0) return lp_fail(err, LP_EINPUT, "%s: bad .npy shape", path);
        if (t->rank == LP_MAX_RANK)
            return lp_fail(err, LP_EINPUT, "%s: .npy rank beyond %d", path, LP_MAX_RANK);
        t->dims[t->rank++] = v;
        s = end;
    }
    return LP_OK;
}

int lp_tensor_load_npy(const char *path, lp_tensor *out, lp_error *err) {
    uint8_t *bytes;
    size_t n;
    int rc = lp_read_file(path, LP_MAX_FILE_BYTES, &bytes, &n, err);
    if (rc) return rc;
    rc = LP_EINPUT;
    if (n < 10 || memcmp(bytes, "\x93NUMPY", 6) != 0) {
        lp_fail(err, LP_EINPUT, "%s: not a .npy file", path);
        goto done;
    }
    int major = bytes[6];
    size_t hlen, start;
    if (major == 1) {
        hlen = (size_t)bytes[8] | (size_t)bytes[9] << 8;
        start = 10;
    } else if (n >= 12) {
        hlen = (size_t)bytes[8] | (size_t)bytes[9] << 8 | (size_t)bytes[10] << 16 | (size_t)bytes[11] << 24;
        start = 12;
    } else {
        lp_fail(err, LP_EINPUT, "%s: truncated .npy header", path);
        goto done;
    }
    if (hlen > n - start) {
        lp_fail(err, LP_EINPUT, "%s: truncated .npy header", path);
        goto done;
    }
    char *header = lp_xmalloc(hlen + 1);
    memcpy(header, bytes + start, hlen);
    header[hlen] = 0;
    lp_tensor shape = {0};
    rc = parse_header(header, &shape, path, err);
    free(header);
    if (rc) goto done;
    rc = lp_tensor_alloc(out, shape.dtype, shape.rank, shape.dims, err);
    if (rc) goto done;
    size_t data_at = start + hlen;
    if (n - data_at != out->nbytes) {
        rc = lp_fail(err, LP_EINPUT, "%s: .npy holds %zu data bytes, its shape needs %zu", path,
                     n - data_at, out->nbytes);
        lp_tensor_release(out);
        goto done;
    }
    memcpy(out->data, bytes + data_at, out->nbytes);
    rc = LP_OK;
done:
    free(bytes);
    return rc;
}
