/*
** image_decode.c — image file bytes -> 8-bit RGB, BGR or grey pixels (HWC).
**
** PNG, JPEG, TIFF, WebP and JPEG 2000 go through their reference libraries
** (libpng, libjpeg-turbo, libtiff, libwebp, openjpeg); BMP and PNM are small
** enough to read here (image_bmp_pnm.c). Each decoder fills a `raw` image of
** one (grey) or three (RGB) channels, checked against LP_IMAGE_MAX_PIXELS
** before anything is allocated, and finish() converts it to the pixel format
** asked for. Libraries report errors through callbacks; their messages are
** kept and returned, never printed.
**
** The choices follow PIL and OpenCV, which the ONNX ImageDecoder tests were
** made with: JPEG uses the accurate integer DCT with "fancy" (triangle)
** chroma upsampling, libjpeg's defaults; grey is the ITU-R 601 luma of the
** decoded RGB, computed as PIL does, rather than the JPEG's own Y channel.
*/
#include "ops/image_impl.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* jpeglib.h needs stdio.h's FILE first */
#include <jpeglib.h>
#include <jerror.h>
#include <openjpeg.h>
#include <png.h>
#include <tiffio.h>
#include <webp/decode.h>

/* ---- what the decoders share ---- */

int lp_raw_check(const char *fmt, int64_t w, int64_t h, lp_error *err) {
    if (w <= 0 || h <= 0)
        return lp_fail(err, LP_EINPUT, "%s: the header claims a %lld x %lld image", fmt,
                       (long long)w, (long long)h);
    if (w > LP_IMAGE_MAX_PIXELS || h > LP_IMAGE_MAX_PIXELS || w * h > LP_IMAGE_MAX_PIXELS)
        return lp_fail(err, LP_EINPUT,
                       "%s: the header claims %lld x %lld pixels, more than the %lld Loupe decodes",
                       fmt, (long long)w, (long long)h, (long long)LP_IMAGE_MAX_PIXELS);
    return LP_OK;
}

int lp_raw_alloc(lp_raw *r, const char *fmt, int64_t w, int64_t h, lp_error *err) {
    int rc = lp_raw_check(fmt, w, h, err);
    if (rc) return rc;
    /* room for three channels even when the image is grey, so that finish()
    ** can expand it in place */
    r->pixels = malloc((size_t)(w * h * 3));
    if (!r->pixels)
        return lp_fail(err, LP_EFAIL, "%s: out of memory for %lld x %lld pixels", fmt, (long long)w,
                       (long long)h);
    r->width = (int)w;
    r->height = (int)h;
    return LP_OK;
}

/* ITU-R 601-2 luma in PIL's fixed point (the weights sum to 65536, so a grey
** pixel stays itself). */
static uint8_t luma(const uint8_t *p) {
    return (uint8_t)((p[0] * 19595u + p[1] * 38470u + p[2] * 7471u + 0x8000u) >> 16);
}

static void finish(lp_raw *r, lp_pixel_format pf, lp_image *out) {
    size_t n = (size_t)r->width * (size_t)r->height;
    uint8_t *p = r->pixels;
    if (pf == LP_PIX_GRAY && r->channels == 3) {
        for (size_t i = 0; i < n; i++) p[i] = luma(p + 3 * i);
        r->channels = 1;
    } else if (pf != LP_PIX_GRAY && r->channels == 1) {
        for (size_t i = n; i-- > 0;) p[3 * i] = p[3 * i + 1] = p[3 * i + 2] = p[i];
        r->channels = 3;
    }
    if (pf == LP_PIX_BGR)
        for (size_t i = 0; i < n; i++) {
            uint8_t t = p[3 * i];
            p[3 * i] = p[3 * i + 2];
            p[3 * i + 2] = t;
        }
    out->width = r->width;
    out->height = r->height;
    out->channels = r->channels;
    out->pixels = p;
    r->pixels = NULL;
}

/* ---- PNG (libpng) ---- */

typedef struct mem_src {
    const uint8_t *d;
    size_t n, at;
} mem_src;

static void png_read_mem(png_structp p, png_bytep out, size_t len) {
    mem_src *s = png_get_io_ptr(p);
    if (len > s->n - s->at) png_error(p, "the file is truncated");
    memcpy(out, s->d + s->at, len);
    s->at += len;
}

static void png_on_error(png_structp p, png_const_charp msg) {
    char *buf = png_get_error_ptr(p);
    snprintf(buf, 200, "%s", msg);
    png_longjmp(p, 1);
}

static void png_on_warning(png_structp p, png_const_charp msg) {}

static int dec_png(const uint8_t *d, size_t n, lp_raw *r, lp_error *err) {
    char msg[200] = "unknown error";
    mem_src src = {d, n, 0};
    png_structp p =
        png_create_read_struct(PNG_LIBPNG_VER_STRING, msg, png_on_error, png_on_warning);
    png_infop info = p ? png_create_info_struct(p) : NULL;
    if (!info) {
        png_destroy_read_struct(&p, NULL, NULL);
        return lp_fail(err, LP_EFAIL, "PNG: out of memory");
    }
    png_bytep *volatile rows = NULL;
    volatile int rc = LP_OK;
    if (setjmp(png_jmpbuf(p))) {
        if (!rc) rc = lp_fail(err, LP_EINPUT, "PNG: %s", msg);
        goto done;
    }
    png_set_read_fn(p, &src, png_read_mem);
    /* our own cap is checked below; libpng's default of 1e6 per side is not */
    png_set_user_limits(p, 0x7fffffff, 0x7fffffff);
    png_read_info(p, info);
    png_uint_32 w, h;
    int depth, ctype, interlace;
    png_get_IHDR(p, info, &w, &h, &depth, &ctype, &interlace, NULL, NULL);
    if ((rc = lp_raw_alloc(r, "PNG", w, h, err))) goto done;
    if (depth == 16) png_set_strip_16(p);
    if (ctype == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(p);
    if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(p);
    png_set_strip_alpha(p);
    png_set_interlace_handling(p);
    png_read_update_info(p, info);
    int ch = png_get_channels(p, info);
    if ((ch != 1 && ch != 3) || png_get_rowbytes(p, info) != (size_t)w * (size_t)ch) {
        rc = lp_fail(err, LP_EINPUT, "PNG: unexpected layout (%d channels of %d bits)", ch, depth);
        goto done;
    }
    r->channels = ch;
    rows = malloc(h * sizeof *rows);
    if (!rows) {
        rc = lp_fail(err, LP_EFAIL, "PNG: out of memory");
        goto done;
    }
    for (png_uint_32 y = 0; y < h; y++) rows[y] = r->pixels + (size_t)y * w * (size_t)ch;
    png_read_image(p, rows);
done:
    free(rows);
    png_destroy_read_struct(&p, &info, NULL);
    return rc;
}

/* ---- JPEG (libjpeg-turbo) ---- */

typedef struct jpeg_err {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX];
} jpeg_err;

static void jpeg_on_error(j_common_ptr c) {
    jpeg_err *e = (jpeg_err *)c->err;
    c->err->format_message(c, e->msg);
    longjmp(e->jump, 1);
}

/* Warnings are ignored, except running out of data: libjpeg would pad the
** image with grey, but a truncated file is an error here. */
static void jpeg_on_message(j_common_ptr c, int level) {
    if (level < 0 && c->err->msg_code == JWRN_JPEG_EOF) {
        jpeg_err *e = (jpeg_err *)c->err;
        snprintf(e->msg, sizeof e->msg, "the file is truncated");
        longjmp(e->jump, 1);
    }
}

/* A hostile progressive JPEG can hold thousands of tiny scans. */
static void jpeg_on_progress(j_common_ptr c) {
    if (c->is_decompressor && ((j_decompress_ptr)c)->input_scan_number > 1000) {
        jpeg_err *e = (jpeg_err *)c->err;
        snprintf(e->msg, sizeof e->msg, "more than 1000 scans");
        longjmp(e->jump, 1);
    }
}

/* Adobe writes CMYK inverted (0 is full ink); then R = C * K / 255. */
static void cmyk_to_rgb(const uint8_t *in, uint8_t *out, int w, bool inverted) {
    for (int x = 0; x < w; x++) {
        unsigned c = in[4 * x], m = in[4 * x + 1], y = in[4 * x + 2], k = in[4 * x + 3];
        if (!inverted) c = 255 - c, m = 255 - m, y = 255 - y, k = 255 - k;
        out[3 * x] = (uint8_t)((c * k + 127) / 255);
        out[3 * x + 1] = (uint8_t)((m * k + 127) / 255);
        out[3 * x + 2] = (uint8_t)((y * k + 127) / 255);
    }
}

static int dec_jpeg(const uint8_t *d, size_t n, lp_raw *r, lp_error *err) {
    struct jpeg_decompress_struct c;
    struct jpeg_progress_mgr progress = {.progress_monitor = jpeg_on_progress};
    jpeg_err e;
    uint8_t *volatile cmyk = NULL;
    volatile int rc = LP_OK;
    c.err = jpeg_std_error(&e.pub);
    e.pub.error_exit = jpeg_on_error;
    e.pub.emit_message = jpeg_on_message;
    if (setjmp(e.jump)) {
        if (!rc) rc = lp_fail(err, LP_EINPUT, "JPEG: %s", e.msg);
        goto done;
    }
    jpeg_create_decompress(&c);
    c.progress = &progress;
    jpeg_mem_src(&c, d, (unsigned long)n);
    jpeg_read_header(&c, TRUE);
    if ((rc = lp_raw_alloc(r, "JPEG", c.image_width, c.image_height, err))) goto done;
    bool four = c.jpeg_color_space == JCS_CMYK || c.jpeg_color_space == JCS_YCCK;
    bool grey = c.jpeg_color_space == JCS_GRAYSCALE;
    c.out_color_space = four ? JCS_CMYK : grey ? JCS_GRAYSCALE : JCS_RGB;
    c.dct_method = JDCT_ISLOW;
    c.do_fancy_upsampling = TRUE;
    jpeg_start_decompress(&c);
    int w = (int)c.output_width, ch = grey ? 1 : 3;
    if (c.output_width != (unsigned)r->width || c.output_height != (unsigned)r->height ||
        c.output_components != (four ? 4 : ch)) {
        rc = lp_fail(err, LP_EINPUT, "JPEG: unexpected output layout");
        goto done;
    }
    r->channels = ch;
    if (four && !(cmyk = malloc((size_t)w * 4))) {
        rc = lp_fail(err, LP_EFAIL, "JPEG: out of memory");
        goto done;
    }
    while (c.output_scanline < c.output_height) {
        uint8_t *row = r->pixels + (size_t)c.output_scanline * (size_t)w * (size_t)ch;
        JSAMPROW dst = four ? cmyk : row;
        if (jpeg_read_scanlines(&c, &dst, 1) != 1) {
            rc = lp_fail(err, LP_EINPUT, "JPEG: the file is truncated");
            goto done;
        }
        if (four) cmyk_to_rgb(cmyk, row, w, c.saw_Adobe_marker);
    }
    jpeg_finish_decompress(&c);
done:
    free(cmyk);
    jpeg_destroy_decompress(&c);
    return rc;
}

/* ---- TIFF (libtiff; the first directory, through its RGBA interface) ---- */

typedef struct tiff_src {
    const uint8_t *d;
    toff_t n, at;
    char msg[200];
} tiff_src;

static tmsize_t tiff_read(thandle_t h, void *buf, tmsize_t size) {
    tiff_src *s = h;
    if (size <= 0 || s->at >= s->n) return 0;
    toff_t k = (toff_t)size < s->n - s->at ? (toff_t)size : s->n - s->at;
    memcpy(buf, s->d + s->at, (size_t)k);
    s->at += k;
    return (tmsize_t)k;
}

static tmsize_t tiff_write(thandle_t h, void *buf, tmsize_t size) {
    return -1;
}

static toff_t tiff_seek(thandle_t h, toff_t off, int whence) {
    tiff_src *s = h;
    toff_t base = whence == SEEK_CUR ? s->at : whence == SEEK_END ? s->n : 0;
    if (off > UINT64_MAX - base) return (toff_t)-1;
    s->at = base + off;
    return s->at;
}

static int tiff_close(thandle_t h) {
    return 0;
}
static toff_t tiff_size(thandle_t h) {
    return ((tiff_src *)h)->n;
}
static int tiff_map(thandle_t h, void **base, toff_t *size) {
    return 0;
}
static void tiff_unmap(thandle_t h, void *base, toff_t size) {}

#define TIFF_NAME "tiff-data" /* the name libtiff puts before some messages */

static int tiff_on_error(TIFF *t, void *user, const char *module, const char *fmt, va_list ap) {
    tiff_src *s = user;
    if (s->msg[0]) return 1;
    vsnprintf(s->msg, sizeof s->msg, fmt, ap);
    size_t k = strlen(TIFF_NAME ": ");
    if (!strncmp(s->msg, TIFF_NAME ": ", k)) memmove(s->msg, s->msg + k, strlen(s->msg + k) + 1);
    return 1;
}

static int tiff_on_warning(TIFF *t, void *user, const char *module, const char *fmt, va_list ap) {
    return 1;
}

static int dec_tiff(const uint8_t *d, size_t n, lp_raw *r, lp_error *err) {
    tiff_src src = {.d = d, .n = n};
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!opts) return lp_fail(err, LP_EFAIL, "TIFF: out of memory");
    TIFFOpenOptionsSetErrorHandlerExtR(opts, tiff_on_error, &src);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, tiff_on_warning, &src);
    TIFFOpenOptionsSetMaxSingleMemAlloc(opts, (tmsize_t)LP_IMAGE_MAX_PIXELS * 4);
    /* "m": no memory mapping; the handle is our buffer */
    TIFF *t = TIFFClientOpenExt(TIFF_NAME, "rm", &src, tiff_read, tiff_write, tiff_seek, tiff_close,
                                tiff_size, tiff_map, tiff_unmap, opts);
    TIFFOpenOptionsFree(opts);
    if (!t) return lp_fail(err, LP_EINPUT, "TIFF: %s", src.msg[0] ? src.msg : "cannot open");
    uint32_t *raster = NULL;
    uint32_t w = 0, h = 0;
    char emsg[1024] = "";
    int rc = LP_OK;
    if (!TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w) || !TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h)) {
        rc = lp_fail(err, LP_EINPUT, "TIFF: the first directory has no image width or length");
        goto done;
    }
    if ((rc = lp_raw_alloc(r, "TIFF", w, h, err))) goto done;
    if (!TIFFRGBAImageOK(t, emsg)) {
        rc = lp_fail(err, LP_EINPUT, "TIFF: %s", emsg);
        goto done;
    }
    raster = malloc((size_t)w * h * sizeof *raster);
    if (!raster) {
        rc = lp_fail(err, LP_EFAIL, "TIFF: out of memory");
        goto done;
    }
    src.msg[0] = 0;
    if (!TIFFReadRGBAImageOriented(t, w, h, raster, ORIENTATION_TOPLEFT, 1)) {
        rc = lp_fail(err, LP_EINPUT, "TIFF: %s", src.msg[0] ? src.msg : "cannot read the image");
        goto done;
    }
    r->channels = 3;
    for (size_t i = 0; i < (size_t)w * h; i++) {
        r->pixels[3 * i] = (uint8_t)TIFFGetR(raster[i]);
        r->pixels[3 * i + 1] = (uint8_t)TIFFGetG(raster[i]);
        r->pixels[3 * i + 2] = (uint8_t)TIFFGetB(raster[i]);
    }
done:
    free(raster);
    TIFFClose(t);
    return rc;
}

/* ---- WebP (libwebp; still images) ---- */

static const char *webp_status(VP8StatusCode s) {
    switch (s) {
    case VP8_STATUS_NOT_ENOUGH_DATA:
        return "the file is truncated";
    case VP8_STATUS_BITSTREAM_ERROR:
        return "the bitstream is corrupt";
    case VP8_STATUS_UNSUPPORTED_FEATURE:
        return "a feature libwebp does not support";
    case VP8_STATUS_OUT_OF_MEMORY:
        return "out of memory";
    default:
        return "not a valid WebP file";
    }
}

static int dec_webp(const uint8_t *d, size_t n, lp_raw *r, lp_error *err) {
    WebPBitstreamFeatures f;
    VP8StatusCode s = WebPGetFeatures(d, n, &f);
    if (s != VP8_STATUS_OK) return lp_fail(err, LP_EINPUT, "WebP: %s", webp_status(s));
    if (f.has_animation)
        return lp_fail(err, LP_EUNSUPPORTED, "WebP: animated WebP is not supported");
    int rc = lp_raw_alloc(r, "WebP", f.width, f.height, err);
    if (rc) return rc;
    r->channels = 3;
    size_t stride = (size_t)r->width * 3, size = stride * (size_t)r->height;
    if (!WebPDecodeRGBInto(d, n, r->pixels, size, (int)stride))
        return lp_fail(err, LP_EINPUT, "WebP: the image data is corrupt or truncated");
    return LP_OK;
}

/* ---- JPEG 2000 (openjpeg; .jp2 files and raw .j2k codestreams) ---- */

static OPJ_SIZE_T opj_read(void *buf, OPJ_SIZE_T size, void *user) {
    mem_src *s = user;
    if (s->at >= s->n) return (OPJ_SIZE_T)-1;
    size_t k = size < s->n - s->at ? size : s->n - s->at;
    memcpy(buf, s->d + s->at, k);
    s->at += k;
    return k;
}

static OPJ_OFF_T opj_skip(OPJ_OFF_T off, void *user) {
    mem_src *s = user;
    if (off < 0 ? (size_t)-off > s->at : (uint64_t)off > s->n - s->at) return -1;
    s->at = (size_t)((OPJ_OFF_T)s->at + off);
    return off;
}

static OPJ_BOOL opj_seek(OPJ_OFF_T off, void *user) {
    mem_src *s = user;
    if (off < 0 || (uint64_t)off > s->n) return OPJ_FALSE;
    s->at = (size_t)off;
    return OPJ_TRUE;
}

static void opj_on_error(const char *msg, void *user) {
    char *buf = user;
    if (!buf[0]) {
        snprintf(buf, 200, "%s", msg);
        size_t k = strlen(buf);
        while (k && (buf[k - 1] == '\n' || buf[k - 1] == ' ')) buf[--k] = 0;
    }
}

static void opj_on_quiet(const char *msg, void *user) {}

/* Sample (x, y) of the image from component c, scaled to 8 bits. Components
** smaller than the image (subsampled chroma) are read nearest. */
static int opj_sample(const opj_image_comp_t *c, int64_t x, int64_t y, int64_t w, int64_t h) {
    int64_t cx = c->w == w ? x : x * c->w / w, cy = c->h == h ? y : y * c->h / h;
    int v = c->data[cy * c->w + cx];
    int prec = (int)c->prec;
    if (c->sgnd) v += 1 << (prec - 1);
    int max = (1 << prec) - 1;
    v = v < 0 ? 0 : v > max ? max : v;
    if (prec > 8) return v >> (prec - 8);
    return prec == 8 ? v : (v * 255 + max / 2) / max;
}

static uint8_t clamp8(double v) {
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v + 0.5);
}

static int dec_jp2(const uint8_t *d, size_t n, bool codestream, lp_raw *r, lp_error *err) {
    char msg[200] = "";
    mem_src src = {d, n, 0};
    opj_image_t *img = NULL;
    opj_stream_t *st = opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_TRUE);
    opj_codec_t *codec = opj_create_decompress(codestream ? OPJ_CODEC_J2K : OPJ_CODEC_JP2);
    int rc = LP_OK;
    if (!st || !codec) {
        rc = lp_fail(err, LP_EFAIL, "JPEG 2000: out of memory");
        goto done;
    }
    opj_stream_set_user_data(st, &src, NULL);
    opj_stream_set_user_data_length(st, n);
    opj_stream_set_read_function(st, opj_read);
    opj_stream_set_skip_function(st, opj_skip);
    opj_stream_set_seek_function(st, opj_seek);
    opj_set_error_handler(codec, opj_on_error, msg);
    opj_set_warning_handler(codec, opj_on_quiet, NULL);
    opj_set_info_handler(codec, opj_on_quiet, NULL);
    opj_dparameters_t params;
    opj_set_default_decoder_parameters(&params);
    if (!opj_setup_decoder(codec, &params) || !opj_read_header(st, codec, &img)) {
        rc = lp_fail(err, LP_EINPUT, "JPEG 2000: %s", msg[0] ? msg : "cannot read the header");
        goto done;
    }
    int64_t w = (int64_t)img->x1 - img->x0, h = (int64_t)img->y1 - img->y0;
    if ((rc = lp_raw_alloc(r, "JPEG 2000", w, h, err))) goto done;
    if (img->numcomps < 1) {
        rc = lp_fail(err, LP_EINPUT, "JPEG 2000: the image has no components");
        goto done;
    }
    if (!opj_decode(codec, st, img) || !opj_end_decompress(codec, st)) {
        rc = lp_fail(err, LP_EINPUT, "JPEG 2000: %s", msg[0] ? msg : "cannot decode the image");
        goto done;
    }
    /* one or two components are grey (+ alpha), three or more colour (+ alpha) */
    int ch = img->numcomps >= 3 ? 3 : 1;
    for (int i = 0; i < ch; i++) {
        const opj_image_comp_t *c = &img->comps[i];
        if (!c->data || c->w == 0 || c->h == 0 || c->w > w || c->h > h || c->prec < 1 ||
            c->prec > 16) {
            rc = lp_fail(err, LP_EINPUT,
                         "JPEG 2000: component %d is %ux%u of %u bits, for a "
                         "%lldx%lld image",
                         i, c->w, c->h, c->prec, (long long)w, (long long)h);
            goto done;
        }
    }
    r->channels = ch;
    bool ycc = ch == 3 && img->color_space == OPJ_CLRSPC_SYCC;
    uint8_t *p = r->pixels;
    for (int64_t y = 0; y < h; y++)
        for (int64_t x = 0; x < w; x++, p += ch) {
            if (ch == 1) {
                p[0] = (uint8_t)opj_sample(&img->comps[0], x, y, w, h);
                continue;
            }
            int a = opj_sample(&img->comps[0], x, y, w, h);
            int b = opj_sample(&img->comps[1], x, y, w, h);
            int c = opj_sample(&img->comps[2], x, y, w, h);
            if (ycc) { /* sYCC as openjpeg's own tools convert it */
                p[0] = clamp8(a + 1.402 * (c - 128));
                p[1] = clamp8(a - 0.344 * (b - 128) - 0.714 * (c - 128));
                p[2] = clamp8(a + 1.772 * (b - 128));
            } else {
                p[0] = (uint8_t)a, p[1] = (uint8_t)b, p[2] = (uint8_t)c;
            }
        }
done:
    if (img) opj_image_destroy(img);
    if (codec) opj_destroy_codec(codec);
    if (st) opj_stream_destroy(st);
    return rc;
}

/* ---- the entry points ---- */

static bool starts(const uint8_t *d, size_t n, const char *magic, size_t k) {
    return n >= k && !memcmp(d, magic, k);
}

lp_image_format lp_image_sniff(const uint8_t *d, size_t n) {
    if (starts(d, n, "\x89PNG\r\n\x1a\n", 8)) return LP_IMG_PNG;
    if (starts(d, n, "\xff\xd8\xff", 3)) return LP_IMG_JPEG;
    if (starts(d, n, "BM", 2)) return LP_IMG_BMP;
    if (n >= 2 && d[0] == 'P' && d[1] >= '1' && d[1] <= '6') return LP_IMG_PNM;
    if (starts(d, n, "II*\0", 4) || starts(d, n, "MM\0*", 4) || starts(d, n, "II+\0", 4) ||
        starts(d, n, "MM\0+", 4))
        return LP_IMG_TIFF;
    if (starts(d, n, "RIFF", 4) && n >= 12 && !memcmp(d + 8, "WEBP", 4)) return LP_IMG_WEBP;
    if (starts(d, n, "\0\0\0\x0cjP  \r\n\x87\n", 12) || starts(d, n, "\xff\x4f\xff\x51", 4))
        return LP_IMG_JP2;
    return LP_IMG_UNKNOWN;
}

const char *lp_image_format_name(lp_image_format f) {
    static const char *const names[] = {"image", "PNG",  "JPEG", "BMP",
                                        "PNM",   "TIFF", "WebP", "JPEG 2000"};
    return (unsigned)f < LP_COUNT(names) ? names[f] : "image";
}

int lp_pixel_format_parse(const char *name) {
    if (!strcmp(name, "RGB")) return LP_PIX_RGB;
    if (!strcmp(name, "BGR")) return LP_PIX_BGR;
    if (!strcmp(name, "Grayscale")) return LP_PIX_GRAY;
    return -1;
}

int lp_image_decode(const uint8_t *data, size_t n, lp_pixel_format pf, lp_image *out,
                    lp_error *err) {
    memset(out, 0, sizeof *out);
    if (n == 0) return lp_fail(err, LP_EINPUT, "image: the data is empty");
    lp_raw r = {0};
    int rc;
    switch (lp_image_sniff(data, n)) {
    case LP_IMG_PNG:
        rc = dec_png(data, n, &r, err);
        break;
    case LP_IMG_JPEG:
        rc = dec_jpeg(data, n, &r, err);
        break;
    case LP_IMG_BMP:
        rc = lp_decode_bmp(data, n, &r, err);
        break;
    case LP_IMG_PNM:
        rc = lp_decode_pnm(data, n, &r, err);
        break;
    case LP_IMG_TIFF:
        rc = dec_tiff(data, n, &r, err);
        break;
    case LP_IMG_WEBP:
        rc = dec_webp(data, n, &r, err);
        break;
    case LP_IMG_JP2:
        rc = dec_jp2(data, n, data[0] == 0xff, &r, err);
        break;
    default:
        return lp_fail(err, LP_EINPUT,
                       "not an image: the first bytes are none of PNG, JPEG, BMP, "
                       "PNM, TIFF, WebP or JPEG 2000");
    }
    if (rc) {
        free(r.pixels);
        return rc;
    }
    finish(&r, pf, out);
    return LP_OK;
}

void lp_image_free(lp_image *img) {
    free(img->pixels);
    memset(img, 0, sizeof *img);
}
