/*
** image.h — image files to pixels: decoding (image_decode.c) and the
** bilinear resize that image scoring uses (image_resize.c).
**
** Decoding takes the bytes of a PNG, JPEG, BMP, PNM (PBM/PGM/PPM), TIFF,
** WebP or JPEG 2000 file and gives 8-bit pixels, row-major, channel-last
** (height, width, channels): 3 channels in RGB or BGR order, or 1 for
** grayscale. The format is told by the file's first bytes, never by a name.
** Every size a header claims is checked before anything is allocated, and
** bad files are errors that name the format and what is wrong.
*/
#ifndef LP_IMAGE_H
#define LP_IMAGE_H

#include "model/base.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum lp_pixel_format {
    LP_PIX_RGB,
    LP_PIX_BGR,
    LP_PIX_GRAY, /* ITU-R 601 luma of the RGB pixels, rounded as PIL does */
} lp_pixel_format;

typedef enum lp_image_format {
    LP_IMG_UNKNOWN,
    LP_IMG_PNG,
    LP_IMG_JPEG,
    LP_IMG_BMP,
    LP_IMG_PNM,
    LP_IMG_TIFF,
    LP_IMG_WEBP,
    LP_IMG_JP2,
} lp_image_format;

/* The largest image decoded: 2^28 pixels (16384 x 16384), 768 MiB as RGB. */
#define LP_IMAGE_MAX_PIXELS ((int64_t)1 << 28)

typedef struct lp_image {
    int width, height;
    int channels;    /* 3 (RGB or BGR) or 1 (grayscale) */
    uint8_t *pixels; /* height * width * channels bytes, malloc'd */
} lp_image;

/* The format the first bytes announce, LP_IMG_UNKNOWN if none. */
lp_image_format lp_image_sniff(const uint8_t *data, size_t n);
/* "PNG", "JPEG", ... ("image" for LP_IMG_UNKNOWN). */
const char *lp_image_format_name(lp_image_format f);
/* "RGB", "BGR", "Grayscale" <-> the enum; -1 for an unknown name. */
int lp_pixel_format_parse(const char *name);

/* Decodes one image file held in memory. Alpha is dropped (not composited),
** palettes expanded, 16-bit samples reduced to their high byte, grey images
** repeated into three channels for RGB/BGR. Animated formats give their
** first frame (TIFF: its first directory). EXIF orientation is not applied.
** On failure *out is empty and err says "<format>: <what is wrong>". */
int lp_image_decode(const uint8_t *data, size_t n, lp_pixel_format pf, lp_image *out,
                    lp_error *err);
void lp_image_free(lp_image *img);

/* Bilinear resize of 8-bit HWC pixels into float HWC pixels (out_h * out_w
** * channels floats), with pixel centres aligned (OpenCV's INTER_LINEAR and
** ONNX Resize's half_pixel: source x = (x + 0.5) * in_w / out_w - 0.5,
** clamped to the image) and no antialiasing filter when shrinking. */
void lp_image_resize_bilinear(const lp_image *in, int out_w, int out_h, float *out);

#endif
