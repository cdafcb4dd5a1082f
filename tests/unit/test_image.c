/*
** test_image.c — image decoding (ops/image.h): each format from small files
** made here with the formats' own libraries (or by hand for BMP and PNM),
** the pixel-format conversions, headers that claim absurd sizes, every
** truncation of every file, random and bit-flipped bytes; the bilinear
** resize; base64.
*/
#include "model/base64.h"
#include "ops/image.h"
#include "test.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jpeglib.h>
#include <openjpeg.h>
#include <png.h>
#include <tiffio.h>
#include <webp/encode.h>

#define W 13 /* odd sizes catch row padding and stride mistakes */
#define H 7

/* The reference picture: RGB, and a grey one. */
static void picture(uint8_t rgb[H * W * 3], uint8_t grey[H * W]) {
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            uint8_t *p = rgb + 3 * (y * W + x);
            p[0] = (uint8_t)(x * 19 + y * 5);
            p[1] = (uint8_t)(y * 36 + x);
            p[2] = (uint8_t)(200 - x * 9 - y * 11);
            grey[y * W + x] = (uint8_t)(x * 17 + y * 13);
        }
}

static uint8_t luma(const uint8_t *p) {
    return (uint8_t)((p[0] * 19595u + p[1] * 38470u + p[2] * 7471u + 0x8000u) >> 16);
}

/* Largest difference between a decoded image and expected pixels. */
static int max_diff(const lp_image *img, const uint8_t *want, int channels) {
    if (img->width != W || img->height != H || img->channels != channels) return 999;
    int worst = 0;
    for (int i = 0; i < W * H * channels; i++) {
        int d = abs(img->pixels[i] - want[i]);
        if (d > worst) worst = d;
    }
    return worst;
}

static int decode(const lp_buf *f, lp_pixel_format pf, lp_image *img, lp_error *err) {
    return lp_image_decode((const uint8_t *)f->data, f->len, pf, img, err);
}

/* Decodes f as RGB, BGR and grey; each within tol of the picture. */
static bool decodes_as(const lp_buf *f, const uint8_t *rgb, int tol) {
    lp_image img;
    lp_error err = {0};
    if (decode(f, LP_PIX_RGB, &img, &err)) {
        fprintf(stderr, "    decode: %s\n", err.msg);
        return false;
    }
    int d = max_diff(&img, rgb, 3);
    uint8_t bgr[H * W * 3], grey[H * W];
    for (int i = 0; i < W * H; i++) {
        const uint8_t *p = img.pixels + 3 * i;
        bgr[3 * i] = p[2], bgr[3 * i + 1] = p[1], bgr[3 * i + 2] = p[0];
        grey[i] = luma(p);
    }
    lp_image_free(&img);
    if (d > tol) fprintf(stderr, "    RGB differs by %d (tolerance %d)\n", d, tol);
    bool ok = d <= tol;
    /* BGR and grey are exact functions of the decoded RGB */
    ok &= !decode(f, LP_PIX_BGR, &img, &err) && max_diff(&img, bgr, 3) == 0;
    lp_image_free(&img);
    ok &= !decode(f, LP_PIX_GRAY, &img, &err) && max_diff(&img, grey, 1) == 0;
    lp_image_free(&img);
    return ok;
}

/* A grey file: grey is exact (within tol) and RGB repeats it. */
static bool decodes_grey(const lp_buf *f, const uint8_t *grey, int tol) {
    lp_image img;
    lp_error err = {0};
    if (decode(f, LP_PIX_GRAY, &img, &err)) {
        fprintf(stderr, "    decode: %s\n", err.msg);
        return false;
    }
    int d = max_diff(&img, grey, 1);
    uint8_t rgb[H * W * 3];
    for (int i = 0; i < W * H * 3; i++) rgb[i] = img.pixels[i / 3];
    lp_image_free(&img);
    if (d > tol) fprintf(stderr, "    grey differs by %d (tolerance %d)\n", d, tol);
    bool ok = d <= tol && !decode(f, LP_PIX_RGB, &img, &err) && max_diff(&img, rgb, 3) == 0;
    lp_image_free(&img);
    return ok;
}

/* ---- writers: PNG ---- */

static void png_put(png_structp p, png_bytep d, size_t n) {
    lp_buf_append(png_get_io_ptr(p), d, n);
}
static void png_flush_nop(png_structp p) {}

/* pix holds one byte per sample (8-bit), or palette indices; 16-bit samples
** are written as v * 257 ^ 0x5a (a low byte that must be dropped). */
static lp_buf png_of(const uint8_t *pix, int ctype, int depth, int interlace) {
    lp_buf b = {0};
    png_structp p = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(p);
    if (setjmp(png_jmpbuf(p))) {
        png_destroy_write_struct(&p, &info);
        lp_buf_free(&b);
        return b;
    }
    png_set_write_fn(p, &b, png_put, png_flush_nop);
    png_set_IHDR(p, info, W, H, depth, ctype, interlace, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (ctype == PNG_COLOR_TYPE_PALETTE) {
        png_color pal[4] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {9, 99, 199}};
        png_set_PLTE(p, info, pal, 4);
    }
    png_write_info(p, info);
    if (depth < 8) png_set_packing(p);
    int ch = png_get_channels(p, info), bytes = depth == 16 ? 2 : 1;
    uint8_t *rows = malloc((size_t)W * H * ch * bytes);
    png_bytep rp[H];
    for (int i = 0; i < W * H * ch; i++) {
        if (bytes == 2)
            rows[2 * i] = pix[i], rows[2 * i + 1] = pix[i] ^ 0x5a;
        else
            rows[i] = pix[i];
    }
    for (int y = 0; y < H; y++) rp[y] = rows + (size_t)y * W * ch * bytes;
    png_write_image(p, rp);
    png_write_end(p, info);
    png_destroy_write_struct(&p, &info);
    free(rows);
    return b;
}

/* ---- JPEG ---- */

static lp_buf jpeg_of(const uint8_t *pix, int comps, J_COLOR_SPACE cs) {
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    unsigned char *out = NULL;
    unsigned long size = 0;
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, &out, &size);
    c.image_width = W;
    c.image_height = H;
    c.input_components = comps;
    c.in_color_space = cs;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 100, TRUE);
    for (int i = 0; i < c.num_components; i++) /* no chroma subsampling */
        c.comp_info[i].h_samp_factor = c.comp_info[i].v_samp_factor = 1;
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < H) {
        JSAMPROW row = (JSAMPROW)(pix + (size_t)c.next_scanline * W * comps);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    lp_buf b = {0};
    lp_buf_append(&b, out, size);
    free(out);
    return b;
}

/* ---- BMP (by hand) ---- */

static void le32(lp_buf *b, uint32_t v) {
    uint8_t d[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    lp_buf_append(b, d, 4);
}
static void le16(lp_buf *b, unsigned v) {
    uint8_t d[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    lp_buf_append(b, d, 2);
}

/* 24-bit (bottom-up, or top-down), 32-bit BI_BITFIELDS, 16-bit 5-6-5
** BI_BITFIELDS, or 8-bit with a grey palette (pix is then grey); core
** selects the 12-byte OS/2 header (24-bit only). */
static lp_buf bmp_of(const uint8_t *pix, int bpp, bool topdown, bool core) {
    lp_buf b = {0};
    bool fields = bpp == 16 || bpp == 32;
    uint32_t hs = core ? 12 : 40, extra = fields ? 12 : bpp == 8 ? 1024 : 0;
    uint32_t stride = (W * (uint32_t)bpp + 31) / 32 * 4, off = 14 + hs + extra;
    lp_buf_append(&b, "BM", 2);
    le32(&b, off + stride * H);
    le32(&b, 0);
    le32(&b, off);
    le32(&b, hs);
    if (core) {
        le16(&b, W), le16(&b, H), le16(&b, 1), le16(&b, (unsigned)bpp);
    } else {
        le32(&b, W), le32(&b, topdown ? (uint32_t)-H : H), le16(&b, 1), le16(&b, (unsigned)bpp);
        le32(&b, fields ? 3 : 0), le32(&b, stride * H), le32(&b, 2835), le32(&b, 2835);
        le32(&b, bpp == 8 ? 256 : 0), le32(&b, 0);
    }
    if (bpp == 32) le32(&b, 0xff0000), le32(&b, 0xff00), le32(&b, 0xff);
    if (bpp == 16) le32(&b, 0xf800), le32(&b, 0x07e0), le32(&b, 0x001f);
    for (int i = 0; bpp == 8 && i < 256; i++) le32(&b, (uint32_t)i * 0x010101);
    for (int r = 0; r < H; r++) {
        int y = topdown ? r : H - 1 - r;
        uint8_t row[W * 4 + 4] = {0};
        for (int x = 0; x < W; x++) {
            const uint8_t *p = pix + (bpp == 8 ? 1 : 3) * (y * W + x);
            if (bpp == 8)
                row[x] = p[0];
            else if (bpp == 16) {
                unsigned v = (p[0] >> 3) << 11 | (p[1] >> 2) << 5 | p[2] >> 3;
                row[2 * x] = (uint8_t)v, row[2 * x + 1] = (uint8_t)(v >> 8);
            } else {
                int k = bpp / 8;
                row[k * x] = p[2], row[k * x + 1] = p[1], row[k * x + 2] = p[0];
                if (k == 4) row[k * x + 3] = 0x77;
            }
        }
        lp_buf_append(&b, row, stride);
    }
    return b;
}

/* ---- TIFF (libtiff, through a temporary file) ---- */

static lp_buf tiff_of(const uint8_t *pix, int spp, int compression) {
    lp_buf b = {0};
    char path[] = "/tmp/loupe_test_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return b;
    close(fd);
    TIFF *t = TIFFOpen(path, "w");
    if (t) {
        TIFFSetField(t, TIFFTAG_IMAGEWIDTH, W);
        TIFFSetField(t, TIFFTAG_IMAGELENGTH, H);
        TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, spp);
        TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8);
        TIFFSetField(t, TIFFTAG_PHOTOMETRIC, spp == 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
        TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
        TIFFSetField(t, TIFFTAG_COMPRESSION, compression);
        TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 3);
        for (int y = 0; y < H; y++) TIFFWriteScanline(t, (void *)(pix + (size_t)y * W * spp), y, 0);
        TIFFClose(t);
        uint8_t *d;
        size_t n;
        lp_error err;
        if (!lp_read_file(path, 1 << 20, &d, &n, &err)) {
            lp_buf_append(&b, d, n);
            free(d);
        }
    }
    unlink(path);
    return b;
}

/* ---- JPEG 2000 (openjpeg, lossless) ---- */

typedef struct wbuf {
    lp_buf b;
    size_t at;
} wbuf;

static OPJ_SIZE_T j2_write(void *d, OPJ_SIZE_T n, void *user) {
    wbuf *w = user;
    while (w->b.len < w->at + n) lp_buf_append(&w->b, "", 1);
    memcpy(w->b.data + w->at, d, n);
    w->at += n;
    return n;
}
static OPJ_OFF_T j2_skip(OPJ_OFF_T n, void *user) {
    ((wbuf *)user)->at += (size_t)n;
    return n;
}
static OPJ_BOOL j2_seek(OPJ_OFF_T n, void *user) {
    ((wbuf *)user)->at = (size_t)n;
    return OPJ_TRUE;
}

static lp_buf jp2_of(const uint8_t *pix, int comps, bool codestream) {
    wbuf w = {{0}, 0};
    opj_cparameters_t par;
    opj_set_default_encoder_parameters(&par);
    par.numresolution = 2;
    par.tcp_numlayers = 1;
    par.tcp_rates[0] = 0;
    par.cp_disto_alloc = 1;
    par.tcp_mct = comps == 3;
    opj_image_cmptparm_t cp[3];
    memset(cp, 0, sizeof cp);
    for (int i = 0; i < comps; i++)
        cp[i] = (opj_image_cmptparm_t){.dx = 1, .dy = 1, .w = W, .h = H, .prec = 8};
    opj_image_t *img =
        opj_image_create((OPJ_UINT32)comps, cp, comps == 3 ? OPJ_CLRSPC_SRGB : OPJ_CLRSPC_GRAY);
    img->x1 = W, img->y1 = H;
    for (int i = 0; i < W * H; i++)
        for (int c = 0; c < comps; c++) img->comps[c].data[i] = pix[i * comps + c];
    opj_codec_t *codec = opj_create_compress(codestream ? OPJ_CODEC_J2K : OPJ_CODEC_JP2);
    opj_stream_t *st = opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_FALSE);
    opj_stream_set_user_data(st, &w, NULL);
    opj_stream_set_write_function(st, j2_write);
    opj_stream_set_skip_function(st, j2_skip);
    opj_stream_set_seek_function(st, j2_seek);
    bool ok = opj_setup_encoder(codec, &par, img) && opj_start_compress(codec, img, st) &&
              opj_encode(codec, st) && opj_end_compress(codec, st);
    opj_stream_destroy(st);
    opj_destroy_codec(codec);
    opj_image_destroy(img);
    if (!ok) lp_buf_free(&w.b);
    return w.b;
}

static lp_buf text_of(const char *s, size_t n) {
    lp_buf b = {0};
    lp_buf_append(&b, s, n);
    return b;
}

/* ---- each format ---- */

TEST(image_png) {
    uint8_t rgb[H * W * 3], grey[H * W], rgba[H * W * 4], ga[H * W * 2], idx[H * W], bits[H * W];
    picture(rgb, grey);
    for (int i = 0; i < W * H; i++) {
        memcpy(rgba + 4 * i, rgb + 3 * i, 3);
        rgba[4 * i + 3] = (uint8_t)(i * 7);
        ga[2 * i] = grey[i], ga[2 * i + 1] = (uint8_t)i;
        idx[i] = (uint8_t)(i % 4);
        bits[i] = grey[i] > 100;
    }
    lp_buf f = png_of(rgb, PNG_COLOR_TYPE_RGB, 8, PNG_INTERLACE_NONE);
    CHECK(lp_image_sniff((uint8_t *)f.data, f.len) == LP_IMG_PNG);
    CHECK(decodes_as(&f, rgb, 0));
    lp_buf_free(&f);
    f = png_of(rgb, PNG_COLOR_TYPE_RGB, 8, PNG_INTERLACE_ADAM7);
    CHECK(decodes_as(&f, rgb, 0));
    lp_buf_free(&f);
    f = png_of(rgb, PNG_COLOR_TYPE_RGB, 16, PNG_INTERLACE_NONE); /* the high bytes */
    CHECK(decodes_as(&f, rgb, 0));
    lp_buf_free(&f);
    f = png_of(rgba, PNG_COLOR_TYPE_RGB_ALPHA, 8, PNG_INTERLACE_NONE); /* alpha dropped */
    CHECK(decodes_as(&f, rgb, 0));
    lp_buf_free(&f);
    f = png_of(grey, PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_NONE);
    CHECK(decodes_grey(&f, grey, 0));
    lp_buf_free(&f);
    f = png_of(ga, PNG_COLOR_TYPE_GRAY_ALPHA, 8, PNG_INTERLACE_NONE);
    CHECK(decodes_grey(&f, grey, 0));
    lp_buf_free(&f);
    uint8_t bw[H * W], pal[H * W * 3];
    static const uint8_t colors[4][3] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {9, 99, 199}};
    for (int i = 0; i < W * H; i++) {
        bw[i] = bits[i] ? 255 : 0;
        memcpy(pal + 3 * i, colors[idx[i]], 3);
    }
    f = png_of(bits, PNG_COLOR_TYPE_GRAY, 1, PNG_INTERLACE_NONE);
    CHECK(decodes_grey(&f, bw, 0));
    lp_buf_free(&f);
    f = png_of(idx, PNG_COLOR_TYPE_PALETTE, 8, PNG_INTERLACE_NONE);
    CHECK(decodes_as(&f, pal, 0));
    lp_buf_free(&f);
    f = png_of(idx, PNG_COLOR_TYPE_PALETTE, 2, PNG_INTERLACE_ADAM7);
    CHECK(decodes_as(&f, pal, 0));
    lp_buf_free(&f);
}

TEST(image_jpeg) {
    uint8_t rgb[H * W * 3], grey[H * W], cmyk[H * W * 4];
    picture(rgb, grey);
    /* Adobe CMYK is stored inverted: C = R, M = G, Y = B, K = 255 is red, green, blue */
    for (int i = 0; i < W * H; i++) memcpy(cmyk + 4 * i, rgb + 3 * i, 3), cmyk[4 * i + 3] = 255;
    lp_buf f = jpeg_of(rgb, 3, JCS_RGB);
    CHECK(lp_image_sniff((uint8_t *)f.data, f.len) == LP_IMG_JPEG);
    CHECK(decodes_as(&f, rgb, 6)); /* quality 100, 4:4:4: off by a few levels at most */
    lp_buf_free(&f);
    f = jpeg_of(grey, 1, JCS_GRAYSCALE);
    CHECK(decodes_grey(&f, grey, 3));
    lp_buf_free(&f);
    f = jpeg_of(cmyk, 4, JCS_CMYK);
    CHECK(decodes_as(&f, rgb, 6));
    lp_buf_free(&f);
}

TEST(image_bmp) {
    uint8_t rgb[H * W * 3], grey[H * W];
    picture(rgb, grey);
    lp_buf f = bmp_of(rgb, 24, false, false);
    CHECK(lp_image_sniff((uint8_t *)f.data, f.len) == LP_IMG_BMP);
    CHECK(decodes_as(&f, rgb, 0));
    lp_buf_free(&f);
    f = bmp_of(rgb, 24, true, false);
    CHECK(decodes_as(&f, rgb, 0));
    lp_buf_free(&f);
    f = bmp_of(rgb, 24, false, true);
    CHECK(decodes_as(&f, rgb, 0));
    lp_buf_free(&f);
    f = bmp_of(rgb, 32, true, false);
    CHECK(decodes_as(&f, rgb, 0));
    lp_buf_free(&f);
    f = bmp_of(rgb, 16, false, false); /* 5-6-5 bits, truncated by the writer */
    CHECK(decodes_as(&f, rgb, 8));
    lp_buf_free(&f);
    f = bmp_of(grey, 8, false, false);
    CHECK(decodes_grey(&f, grey, 0));
    lp_buf_free(&f);
}

/* A 4x2 RLE8 (or RLE4) BMP: palette black, red, green; the bottom row is a
** run of red, the top row given pixel by pixel. */
static lp_buf rle_bmp(bool four) {
    lp_buf b = {0};
    static const uint8_t rle8[] = {4, 1, 0, 0, 0, 3, 2, 1, 2, 0, 1, 0, 0, 1};
    static const uint8_t rle4[] = {4, 0x11, 0, 0, 0, 3, 0x21, 0x20, 1, 0, 0, 1};
    const uint8_t *data = four ? rle4 : rle8;
    size_t n = four ? sizeof rle4 : sizeof rle8;
    lp_buf_append(&b, "BM", 2);
    le32(&b, 14 + 40 + 12 + (uint32_t)n), le32(&b, 0), le32(&b, 14 + 40 + 12);
    le32(&b, 40), le32(&b, 4), le32(&b, 2), le16(&b, 1), le16(&b, four ? 4 : 8);
    le32(&b, four ? 2 : 1), le32(&b, (uint32_t)n), le32(&b, 0), le32(&b, 0), le32(&b, 3),
        le32(&b, 0);
    le32(&b, 0), le32(&b, 0xff0000), le32(&b, 0x00ff00);
    lp_buf_append(&b, data, n);
    return b;
}

TEST(image_bmp_rle) {
    static const uint8_t want[2 * 4 * 3] = {0,   255, 0, 255, 0, 0, 0,   255, 0, 0,   0, 0,
                                            255, 0,   0, 255, 0, 0, 255, 0,   0, 255, 0, 0};
    for (int four = 0; four < 2; four++) {
        lp_buf f = rle_bmp(four);
        lp_image img;
        lp_error err = {0};
        REQUIRE(!decode(&f, LP_PIX_RGB, &img, &err));
        CHECK(img.width == 4 && img.height == 2 && img.channels == 3);
        CHECK(!memcmp(img.pixels, want, sizeof want));
        lp_image_free(&img);
        lp_buf_free(&f);
    }
}

TEST(image_pnm) {
    uint8_t rgb[H * W * 3], grey[H * W];
    picture(rgb, grey);
    lp_buf f = {0};
    lp_buf_printf(&f, "P6\n# a comment\n%d %d\n255\n", W, H);
    lp_buf_append(&f, rgb, sizeof rgb);
    CHECK(lp_image_sniff((uint8_t *)f.data, f.len) == LP_IMG_PNM);
    CHECK(decodes_as(&f, rgb, 0));
    lp_buf_free(&f);
    lp_buf_printf(&f, "P5 %d %d 255\n", W, H);
    lp_buf_append(&f, grey, sizeof grey);
    CHECK(decodes_grey(&f, grey, 0));
    lp_buf_free(&f);
    /* 16-bit big-endian samples, maxval 65535: the high byte, rounded */
    lp_buf_printf(&f, "P6\n%d %d\n65535\n", W, H);
    for (int i = 0; i < W * H * 3; i++) lp_buf_append(&f, (uint8_t[]){rgb[i], rgb[i]}, 2);
    CHECK(decodes_as(&f, rgb, 0));
    lp_buf_free(&f);
    /* ASCII, with comments between the samples */
    lp_buf_printf(&f, "P3\n%d %d #size\n255\n", W, H);
    for (int i = 0; i < W * H * 3; i++) lp_buf_printf(&f, "%d%s", rgb[i], i % 7 ? " " : "\n#x\n");
    CHECK(decodes_as(&f, rgb, 0));
    lp_buf_free(&f);
    /* maxval 15 scales to 0..255 */
    static const char p2[] = "P2 3 1 15 0 7 15";
    f = text_of(p2, sizeof p2 - 1);
    lp_image img;
    lp_error err = {0};
    REQUIRE(!decode(&f, LP_PIX_GRAY, &img, &err));
    CHECK(img.width == 3 && img.height == 1 && img.pixels[0] == 0 && img.pixels[1] == 119 &&
          img.pixels[2] == 255);
    lp_image_free(&img);
    lp_buf_free(&f);
    /* bitmaps: 1 is black; P4 rows are padded to a byte */
    static const char p1[] = "P1 3 2 101\n0 1 0";
    f = text_of(p1, sizeof p1 - 1);
    REQUIRE(!decode(&f, LP_PIX_GRAY, &img, &err));
    CHECK(!memcmp(img.pixels, (uint8_t[]){0, 255, 0, 255, 0, 255}, 6));
    lp_image_free(&img);
    lp_buf_free(&f);
    static const char p4[] = "P4 3 2\n\xa0\x40";
    f = text_of(p4, sizeof p4 - 1);
    REQUIRE(!decode(&f, LP_PIX_GRAY, &img, &err));
    CHECK(!memcmp(img.pixels, (uint8_t[]){0, 255, 0, 255, 0, 255}, 6));
    lp_image_free(&img);
    lp_buf_free(&f);
}

TEST(image_tiff) {
    uint8_t rgb[H * W * 3], grey[H * W];
    picture(rgb, grey);
    lp_buf f = tiff_of(rgb, 3, COMPRESSION_NONE);
    REQUIRE(f.len > 0);
    CHECK(lp_image_sniff((uint8_t *)f.data, f.len) == LP_IMG_TIFF);
    CHECK(decodes_as(&f, rgb, 0));
    lp_buf_free(&f);
    f = tiff_of(rgb, 3, COMPRESSION_LZW);
    CHECK(decodes_as(&f, rgb, 0));
    lp_buf_free(&f);
    f = tiff_of(grey, 1, COMPRESSION_ADOBE_DEFLATE);
    CHECK(decodes_grey(&f, grey, 0));
    lp_buf_free(&f);
}

TEST(image_webp) {
    uint8_t rgb[H * W * 3], grey[H * W], *out = NULL;
    picture(rgb, grey);
    size_t n = WebPEncodeLosslessRGB(rgb, W, H, W * 3, &out);
    REQUIRE(n > 0);
    lp_buf f = text_of((char *)out, n);
    WebPFree(out);
    CHECK(lp_image_sniff((uint8_t *)f.data, f.len) == LP_IMG_WEBP);
    CHECK(decodes_as(&f, rgb, 0));
    lp_buf_free(&f);
    n = WebPEncodeRGB(rgb, W, H, W * 3, 100, &out); /* lossy, 4:2:0 chroma: close on average */
    REQUIRE(n > 0);
    f = text_of((char *)out, n);
    WebPFree(out);
    CHECK(decodes_as(&f, rgb, 255));
    lp_image img;
    lp_error err = {0};
    REQUIRE(!decode(&f, LP_PIX_RGB, &img, &err));
    double sum = 0;
    for (int i = 0; i < W * H * 3; i++) sum += abs(img.pixels[i] - rgb[i]);
    CHECK(sum / (W * H * 3) < 12);
    lp_image_free(&img);
    lp_buf_free(&f);
}

TEST(image_jpeg2000) {
    uint8_t rgb[H * W * 3], grey[H * W];
    picture(rgb, grey);
    for (int cs = 0; cs < 2; cs++) { /* a .jp2 file, then a raw codestream */
        lp_buf f = jp2_of(rgb, 3, cs);
        REQUIRE(f.len > 0);
        CHECK(lp_image_sniff((uint8_t *)f.data, f.len) == LP_IMG_JP2);
        CHECK(decodes_as(&f, rgb, 0));
        lp_buf_free(&f);
    }
    lp_buf f = jp2_of(grey, 1, false);
    REQUIRE(f.len > 0);
    CHECK(decodes_grey(&f, grey, 0));
    lp_buf_free(&f);
}

/* ---- hostile input ---- */

/* Decoding fails with status, its message starting with prefix and holding
** `has` (when not NULL). */
static bool fails_with(const lp_buf *f, int status, const char *prefix, const char *has) {
    lp_image img;
    lp_error err = {0};
    int rc = decode(f, LP_PIX_RGB, &img, &err);
    if (!rc) lp_image_free(&img);
    bool ok =
        rc == status && !strncmp(err.msg, prefix, strlen(prefix)) && (!has || strstr(err.msg, has));
    if (!ok) fprintf(stderr, "    got %d '%s'\n", rc, err.msg);
    return ok;
}

static uint32_t crc32_of(const uint8_t *d, size_t n) {
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= d[i];
        for (int k = 0; k < 8; k++) c = c >> 1 ^ (0xedb88320u & (0u - (c & 1)));
    }
    return ~c;
}

static void be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8),
    p[3] = (uint8_t)v;
}

static void png_chunk(lp_buf *b, const char *type, const uint8_t *data, uint32_t n) {
    uint8_t head[8], crc[4];
    be32(head, n);
    memcpy(head + 4, type, 4);
    lp_buf_append(b, head, 8);
    lp_buf_append(b, data, n);
    uint8_t *all = malloc(n + 4);
    memcpy(all, type, 4);
    if (n) memcpy(all + 4, data, n);
    be32(crc, crc32_of(all, n + 4));
    free(all);
    lp_buf_append(b, crc, 4);
}

TEST(image_hostile_sizes) {
    /* PNG: a valid IHDR (CRC and all) claiming 100000 x 100000 */
    lp_buf f = {0};
    uint8_t ihdr[13] = {0};
    be32(ihdr, 100000), be32(ihdr + 4, 100000);
    ihdr[8] = 8, ihdr[9] = 2;
    lp_buf_append(&f, "\x89PNG\r\n\x1a\n", 8);
    png_chunk(&f, "IHDR", ihdr, 13);
    png_chunk(&f, "IDAT", (const uint8_t *)"\x78\x9c\x03\x00", 4);
    png_chunk(&f, "IEND", (const uint8_t *)"", 0);
    CHECK(fails_with(&f, LP_EINPUT, "PNG: ", "100000 x 100000 pixels, more than the 268435456"));
    lp_buf_free(&f);

    /* JPEG: a real file whose SOF is patched to 60000 x 60000 */
    uint8_t rgb[H * W * 3], grey[H * W];
    picture(rgb, grey);
    f = jpeg_of(rgb, 3, JCS_RGB);
    uint8_t *d = (uint8_t *)f.data;
    size_t sof = 0;
    for (size_t i = 2; i + 9 < f.len && !sof; i++)
        if (d[i] == 0xff && d[i + 1] == 0xc0) sof = i;
    REQUIRE(sof);
    d[sof + 5] = d[sof + 7] = 0xea, d[sof + 6] = d[sof + 8] = 0x60; /* 60000 */
    CHECK(fails_with(&f, LP_EINPUT, "JPEG: ", "60000 x 60000 pixels"));
    lp_buf_free(&f);

    /* BMP: 65536 x 65536, a negative width, an odd depth, JPEG inside */
    f = bmp_of(rgb, 24, false, false);
    d = (uint8_t *)f.data;
    memcpy(d + 18, "\x00\x00\x01\x00\x00\x00\x01\x00", 8);
    CHECK(fails_with(&f, LP_EINPUT, "BMP: ", "65536 x 65536 pixels"));
    memcpy(d + 18, "\xfb\xff\xff\xff\x07\x00\x00\x00", 8);
    CHECK(fails_with(&f, LP_EINPUT, "BMP: ", "-5 x 7 image"));
    memcpy(d + 18, "\x0d\x00\x00\x00\x07\x00\x00\x00", 8);
    d[28] = 7;
    CHECK(fails_with(&f, LP_EINPUT, "BMP: ", "7 bits per pixel"));
    d[28] = 24, d[30] = 4;
    CHECK(fails_with(&f, LP_EUNSUPPORTED, "BMP: ", "compression 4 (JPEG)"));
    d[30] = 0, d[10] = 0xff, d[11] = 0xff;
    CHECK(fails_with(&f, LP_EINPUT, "BMP: ", "past the end"));
    lp_buf_free(&f);

    /* PNM: too many pixels, numbers beyond 2^31, a bad maxval, no data */
    static const char *const pnm[][2] = {{"P6 100000 100000 255\n", "more than"},
                                         {"P5 99999999999 1 255\n", "width is too large"},
                                         {"P5 4 4 70000\n", "maxval is not within 1..65535"},
                                         {"P6 2 2 255\n", "truncated"},
                                         {"P3 2 2 255 1 2 3", "truncated"},
                                         {"P2 2 1 255 7 x", "not a sample value"},
                                         {"P6 0 4 255\n", "0 x 4 image"},
                                         {"P6", "ends inside"}};
    for (size_t i = 0; i < LP_COUNT(pnm); i++) {
        f = text_of(pnm[i][0], strlen(pnm[i][0]));
        CHECK(fails_with(&f, LP_EINPUT, "PNM: ", pnm[i][1]));
        lp_buf_free(&f);
    }

    /* TIFF: a hand-made directory claiming 100000 x 100000 */
    lp_buf t = {0};
    lp_buf_append(&t, "II*\0", 4);
    le32(&t, 8);
    le16(&t, 9);
    static const uint16_t tags[9][3] = {{256, 4, 0}, {257, 4, 0}, {258, 3, 8},
                                        {259, 3, 1}, {262, 3, 1}, {273, 4, 8},
                                        {277, 3, 1}, {278, 4, 0}, {279, 4, 1}};
    for (int i = 0; i < 9; i++) {
        le16(&t, tags[i][0]), le16(&t, tags[i][1]), le32(&t, 1);
        le32(&t, tags[i][0] == 256 || tags[i][0] == 257 || tags[i][0] == 278 ? 100000 : tags[i][2]);
    }
    le32(&t, 0);
    CHECK(fails_with(&t, LP_EINPUT, "TIFF: ", "100000 x 100000 pixels"));
    lp_buf_free(&t);

    /* nothing, and not an image */
    f = text_of("", 0);
    CHECK(fails_with(&f, LP_EINPUT, "image: the data is empty", NULL));
    lp_buf_free(&f);
    f = text_of("{\"json\": true}", 14);
    CHECK(fails_with(&f, LP_EINPUT, "not an image", "PNG, JPEG, BMP"));
    lp_buf_free(&f);
}

/* One of every kind of file, for the truncation and fuzzing tests. */
static int all_files(lp_buf *out) {
    uint8_t rgb[H * W * 3], grey[H * W], *w = NULL;
    picture(rgb, grey);
    int n = 0;
    out[n++] = png_of(rgb, PNG_COLOR_TYPE_RGB, 8, PNG_INTERLACE_ADAM7);
    out[n++] = jpeg_of(rgb, 3, JCS_RGB);
    out[n++] = bmp_of(rgb, 24, false, false);
    out[n++] = bmp_of(grey, 8, false, false);
    out[n++] = rle_bmp(false);
    out[n++] = rle_bmp(true);
    out[n] = (lp_buf){0};
    lp_buf_printf(&out[n], "P6 %d %d 255\n", W, H);
    lp_buf_append(&out[n++], rgb, sizeof rgb);
    out[n] = (lp_buf){0};
    lp_buf_printf(&out[n++], "P3 2 2 255\n1 2 3 4 5 6 7 8 9 10 11 12");
    out[n++] = tiff_of(rgb, 3, COMPRESSION_LZW);
    size_t k = WebPEncodeRGB(rgb, W, H, W * 3, 80, &w);
    out[n++] = text_of((char *)w, k);
    WebPFree(w);
    k = WebPEncodeLosslessRGB(rgb, W, H, W * 3, &w);
    out[n++] = text_of((char *)w, k);
    WebPFree(w);
    out[n++] = jp2_of(rgb, 3, false);
    out[n++] = jp2_of(rgb, 3, true);
    return n;
}

TEST(image_truncations) {
    lp_buf files[16];
    int n = all_files(files);
    for (int i = 0; i < n; i++) {
        const uint8_t *d = (const uint8_t *)files[i].data;
        lp_image_format fmt = lp_image_sniff(d, files[i].len);
        REQUIRE(fmt != LP_IMG_UNKNOWN);
        const char *name = lp_image_format_name(fmt);
        int failed = 0;
        /* every prefix: an error naming the format (or too short to tell),
        ** or, for a few formats whose end is optional, a full image */
        for (size_t len = 0; len < files[i].len; len++) {
            lp_image img;
            lp_error err = {0};
            uint8_t *copy = malloc(len + 1); /* exact size, so ASan sees overreads */
            memcpy(copy, d, len);
            int rc = lp_image_decode(copy, len, LP_PIX_RGB, &img, &err);
            free(copy);
            if (!rc) {
                lp_image_free(&img);
                continue;
            }
            if (strncmp(err.msg, name, strlen(name)) && strncmp(err.msg, "not an image", 12) &&
                strncmp(err.msg, "image: the data is empty", 24)) {
                if (!failed++) fprintf(stderr, "    %s cut at %zu: '%s'\n", name, len, err.msg);
            }
        }
        CHECK(failed == 0);
    }
    for (int i = 0; i < n; i++) lp_buf_free(&files[i]);
}

static uint64_t xorshift(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

TEST(image_fuzz) {
    lp_buf files[16];
    int n = all_files(files);
    uint64_t seed = 0x1234567;
    /* bit flips in real files, and real headers followed by random bytes:
    ** never a crash (ASan and UBSan watch), an error or an image */
    for (int i = 0; i < n; i++) {
        for (int round = 0; round < 60; round++) {
            size_t len = files[i].len;
            uint8_t *d = malloc(len);
            memcpy(d, files[i].data, len);
            if (round < 40) {
                for (int k = 0; k < 1 + round % 4; k++)
                    d[xorshift(&seed) % len] ^= (uint8_t)(1u << (xorshift(&seed) % 8));
            } else {
                size_t keep = 8 + xorshift(&seed) % (len / 2);
                for (size_t j = keep; j < len; j++) d[j] = (uint8_t)xorshift(&seed);
            }
            lp_image img;
            lp_error err = {0};
            if (!lp_image_decode(d, len, LP_PIX_RGB, &img, &err)) {
                CHECK(img.width > 0 && img.height > 0 && img.pixels);
                lp_image_free(&img);
            } else {
                CHECK(err.msg[0] != 0);
            }
            free(d);
        }
    }
    for (int i = 0; i < n; i++) lp_buf_free(&files[i]);
}

/* ---- resize ---- */

TEST(image_resize_bilinear) {
    uint8_t px[2 * 2] = {0, 100, 200, 40};
    lp_image in = {.width = 2, .height = 2, .channels = 1, .pixels = px};
    float out[16];
    lp_image_resize_bilinear(&in, 2, 2, out); /* same size: the pixels */
    for (int i = 0; i < 4; i++) CHECK(out[i] == px[i]);
    lp_image_resize_bilinear(&in, 4, 4, out);
    /* x' = (x + 0.5) / 2 - 0.5: -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1) */
    CHECK_NEAR(out[0], 0, 1e-5);
    CHECK_NEAR(out[1], 25, 1e-5);
    CHECK_NEAR(out[2], 75, 1e-5);
    CHECK_NEAR(out[3], 100, 1e-5);
    CHECK_NEAR(out[5], 0.75 * (0.75 * 0 + 0.25 * 100) + 0.25 * (0.75 * 200 + 0.25 * 40), 1e-4);
    CHECK_NEAR(out[15], 40, 1e-5);
    /* 4x4 blocks of 2x2 shrink to the middle of each block */
    uint8_t big[4 * 4 * 3];
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++)
            for (int c = 0; c < 3; c++)
                big[(y * 4 + x) * 3 + c] = (uint8_t)((y / 2 * 2 + x / 2) * 10 + c);
    lp_image b = {.width = 4, .height = 4, .channels = 3, .pixels = big};
    lp_image_resize_bilinear(&b, 2, 2, out);
    for (int i = 0; i < 4; i++)
        for (int c = 0; c < 3; c++) CHECK_NEAR(out[i * 3 + c], i * 10 + c, 1e-5);
}

/* ---- base64 ---- */

TEST(base64_roundtrip) {
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const coded[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                        "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (size_t i = 0; i < LP_COUNT(plain); i++) {
        char *e = lp_base64_encode(plain[i], strlen(plain[i]));
        CHECK_STR(e, coded[i]);
        uint8_t *d;
        size_t n;
        lp_error err = {0};
        REQUIRE(!lp_base64_decode(e, strlen(e), &d, &n, &err));
        CHECK(n == strlen(plain[i]) && !memcmp(d, plain[i], n));
        free(d);
        free(e);
    }
    uint8_t all[256], *d;
    for (int i = 0; i < 256; i++) all[i] = (uint8_t)i;
    char *e = lp_base64_encode(all, 256);
    size_t n;
    lp_error err = {0};
    REQUIRE(!lp_base64_decode(e, strlen(e), &d, &n, &err));
    CHECK(n == 256 && !memcmp(d, all, 256));
    free(d);
    free(e);
}

TEST(base64_lenient_and_errors) {
    uint8_t *d;
    size_t n;
    lp_error err = {0};
    static const char *const same[] = {"Zm9vYg", "Zm9v\nYg==\n",
                                       " Zm9vYg= =", "data:image/png;base64,Zm9vYg=="};
    for (size_t i = 0; i < LP_COUNT(same); i++) {
        REQUIRE(!lp_base64_decode(same[i], strlen(same[i]), &d, &n, &err));
        CHECK(n == 4 && !memcmp(d, "foob", 4));
        free(d);
    }
    REQUIRE(!lp_base64_decode("-_-_", 4, &d, &n, &err)); /* URL-safe = +/+/ */
    CHECK(n == 3 && d[0] == 0xfb && d[1] == 0xff && d[2] == 0xbf);
    free(d);
    CHECK(lp_base64_decode("Zm9v!mFy", 8, &d, &n, &err) == LP_EINPUT);
    CHECK(strstr(err.msg, "'!' at offset 4") != NULL);
    CHECK(lp_base64_decode("Zm9vY", 5, &d, &n, &err) == LP_EINPUT);
    CHECK(strstr(err.msg, "partial") != NULL);
    CHECK(lp_base64_decode("Zg==Zg==", 8, &d, &n, &err) == LP_EINPUT);
    CHECK(strstr(err.msg, "after the '=' padding") != NULL);
    CHECK(lp_base64_decode("data:text/plain,hi", 18, &d, &n, &err) == LP_EINPUT);
    CHECK(lp_base64_decode("Zm\xc3\xa9", 4, &d, &n, &err) == LP_EINPUT);
    CHECK(strstr(err.msg, "byte 0xc3 at offset 2") != NULL);
}
