/*
** base64.c — RFC 4648 base64, decoding leniently (both alphabets, optional
** padding, whitespace) and encoding strictly (standard alphabet, padded).
*/
#include "base64.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The 6-bit value of c, -1 if c is not a base64 character. */
static int sextet(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

static bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int lp_base64_decode(const char *text, size_t len, uint8_t **out, size_t *n, lp_error *err) {
    *out = NULL;
    *n = 0;
    size_t start = 0;
    if (len > 5 && !strncmp(text, "data:", 5)) { /* a data: URL */
        const char *comma = memchr(text, ',', len);
        if (!comma || comma - text < 12 || strncmp(comma - 7, ";base64", 7))
            return lp_fail(err, LP_EINPUT, "a data: URL without ';base64,'");
        start = (size_t)(comma - text) + 1;
    }
    uint8_t *buf = malloc(len / 4 * 3 + 3);
    if (!buf) return lp_fail(err, LP_EFAIL, "out of memory for %zu bytes of base64", len);
    uint32_t acc = 0;
    size_t got = 0, k = 0, pad = 0;
    for (size_t i = start; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (is_space((char)c)) continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = sextet(c);
        if (v < 0 || pad) {
            free(buf);
            if (v >= 0)
                return lp_fail(err, LP_EINPUT, "data after the '=' padding at offset %zu", i);
            if (c >= 0x20 && c < 0x7f)
                return lp_fail(err, LP_EINPUT, "'%c' at offset %zu is not a base64 character", c,
                               i);
            return lp_fail(err, LP_EINPUT, "byte 0x%02x at offset %zu is not a base64 character", c,
                           i);
        }
        acc = acc << 6 | (uint32_t)v;
        if (++got == 4) {
            buf[k++] = (uint8_t)(acc >> 16), buf[k++] = (uint8_t)(acc >> 8),
            buf[k++] = (uint8_t)acc;
            acc = 0;
            got = 0;
        }
    }
    if (got == 1 || pad > 2 || (pad && (got + pad) % 4)) {
        free(buf);
        return lp_fail(err, LP_EINPUT, "it ends in a partial group (%zu characters and %zu '=')",
                       got, pad);
    }
    if (got == 2) buf[k++] = (uint8_t)(acc >> 4);
    if (got == 3) buf[k++] = (uint8_t)(acc >> 10), buf[k++] = (uint8_t)(acc >> 2);
    *out = buf;
    *n = k;
    return LP_OK;
}

char *lp_base64_encode(const void *data, size_t n) {
    const uint8_t *d = data;
    char *s = lp_xmalloc((n + 2) / 3 * 4 + 1), *p = s;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)d[i] << 16;
        if (i + 1 < n) v |= (uint32_t)d[i + 1] << 8;
        if (i + 2 < n) v |= d[i + 2];
        *p++ = alphabet[v >> 18];
        *p++ = alphabet[(v >> 12) & 63];
        *p++ = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
        *p++ = i + 2 < n ? alphabet[v & 63] : '=';
    }
    *p = 0;
    return s;
}
