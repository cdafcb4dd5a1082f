/*
** image_impl.h — what the image decoders share inside ops/ (not an API):
** the decoded image before its conversion to the asked pixel format.
*/
#ifndef LP_IMAGE_IMPL_H
#define LP_IMAGE_IMPL_H

#include "ops/image.h"

/* A decoded image: 1 (grey) or 3 (RGB) channels, in a buffer with room for
** width * height * 3 bytes whatever the channels. */
typedef struct lp_raw {
    int width, height, channels;
    uint8_t *pixels;
} lp_raw;

/* Checks the size a header claims: positive, at most LP_IMAGE_MAX_PIXELS
** (so that w * h * 4 fits easily in 64 bits); fmt names the format in the
** error. */
int lp_raw_check(const char *fmt, int64_t w, int64_t h, lp_error *err);
/* lp_raw_check, then allocates r's pixels. */
int lp_raw_alloc(lp_raw *r, const char *fmt, int64_t w, int64_t h, lp_error *err);

/* The hand-written decoders (image_bmp_pnm.c). */
int lp_decode_bmp(const uint8_t *d, size_t n, lp_raw *r, lp_error *err);
int lp_decode_pnm(const uint8_t *d, size_t n, lp_raw *r, lp_error *err);

#endif
