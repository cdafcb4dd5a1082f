/*
** base64.h — base64 text <-> bytes (RFC 4648), for images carried in JSON
** (OML scoring requests hold image files as base64 strings).
*/
#ifndef LP_BASE64_H
#define LP_BASE64_H

#include "base.h"

/* Decodes text (len bytes) into a malloc'd buffer. Accepts the standard and
** the URL-safe alphabets, with or without '=' padding, skips whitespace and
** a leading "data:...;base64," prefix. Errors say what and where: "'!' at
** offset 17 is not a base64 character". */
int lp_base64_decode(const char *text, size_t len, uint8_t **out, size_t *n, lp_error *err);

/* Encodes n bytes as standard, padded base64 without line breaks; the
** caller frees the NUL-terminated result. */
char *lp_base64_encode(const void *data, size_t n);

#endif
