/*
** image_bmp_pnm.c — the two image formats simple enough to read by hand.
**
** BMP: the Windows headers (core 12 bytes, info 40, v2-v5 52/56/108/124,
** OS/2 64), 1/4/8-bit palettes, 16/24/32-bit direct colour with default
** masks or BI_BITFIELDS, and RLE8/RLE4; bottom-up or top-down rows.
** PNM: Netpbm's P1-P6 (bitmap, greymap, pixmap; ASCII or binary), any
** maxval up to 65535, scaled to 0..255.
**
** Every offset and length the header claims is checked against the file
** before it is used; a file that ends early is an error, never a read past
** its end.
*/
#include "ops/image_impl.h"

#include <stdio.h>
#include <string.h>

/* ---- BMP ---- */

static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint16_t rd16(const uint8_t *p) {
    return (uint16_t)(p[0] | p[1] << 8);
}

/* One colour channel of a BI_BITFIELDS mask, scaled to 8 bits. */
typedef struct field {
    uint32_t mask, max;
    int shift;
} field;

static field make_field(uint32_t mask) {
    field f = {mask, 0, 0};
    if (!mask) return f;
    while (!((mask >> f.shift) & 1)) f.shift++;
    f.max = mask >> f.shift;
    return f;
}

static uint8_t field_get(const field *f, uint32_t px) {
    if (!f->mask) return 0;
    uint32_t v = (px & f->mask) >> f->shift;
    return (uint8_t)(((uint64_t)v * 255 + f->max / 2) / f->max);
}

typedef struct bmp {
    int64_t w, h;
    int bpp;
    uint32_t comp;
    uint8_t pal[256][3]; /* RGB; entries past the file's palette are black */
    field f[3];          /* R, G, B for 16 and 32 bits */
} bmp;

static void put_index(lp_raw *r, int64_t x, int64_t y, const bmp *b, unsigned idx) {
    uint8_t *p = r->pixels + 3 * ((size_t)y * (size_t)r->width + (size_t)x);
    memcpy(p, b->pal[idx & 255], 3);
}

/* Uncompressed rows; y counts file rows, which start at the bottom unless
** the height was negative. */
static void bmp_rows(const uint8_t *d, size_t stride, const bmp *b, bool topdown, lp_raw *r) {
    for (int64_t y = 0; y < b->h; y++) {
        const uint8_t *s = d + (size_t)y * stride;
        int64_t oy = topdown ? y : b->h - 1 - y;
        uint8_t *p = r->pixels + 3 * (size_t)oy * (size_t)b->w;
        for (int64_t x = 0; x < b->w; x++, p += 3) {
            switch (b->bpp) {
            case 1:
            case 4:
            case 8: {
                int per = 8 / b->bpp;
                unsigned byte = s[x / per], shift = (unsigned)(8 - b->bpp * (x % per + 1));
                put_index(r, x, oy, b, (byte >> shift) & ((1u << b->bpp) - 1));
                break;
            }
            case 24:
                p[0] = s[3 * x + 2], p[1] = s[3 * x + 1], p[2] = s[3 * x];
                break;
            default: {
                uint32_t px = b->bpp == 16 ? rd16(s + 2 * x) : rd32(s + 4 * x);
                for (int c = 0; c < 3; c++) p[c] = field_get(&b->f[c], px);
            }
            }
        }
    }
}

/* RLE8 / RLE4: runs and absolute stretches of palette indices, bottom-up. */
static int bmp_rle(const uint8_t *d, size_t n, const bmp *b, lp_raw *r, lp_error *err) {
    bool four = b->bpp == 4;
    int64_t x = 0, y = 0;
    size_t at = 0;
    memset(r->pixels, 0, (size_t)b->w * (size_t)b->h * 3);
    for (;;) {
        if (n - at < 2) return lp_fail(err, LP_EINPUT, "BMP: the RLE data is truncated");
        unsigned a = d[at], c = d[at + 1];
        at += 2;
        if (a) { /* a run of a pixels */
            for (unsigned i = 0; i < a; i++, x++)
                if (x < b->w && y < b->h)
                    put_index(r, x, b->h - 1 - y, b, four ? (i & 1 ? c & 15 : c >> 4) : c);
        } else if (c == 0) { /* end of line */
            x = 0;
            y++;
        } else if (c == 1) { /* end of bitmap */
            return LP_OK;
        } else if (c == 2) { /* move right and up */
            if (n - at < 2) return lp_fail(err, LP_EINPUT, "BMP: the RLE data is truncated");
            x += d[at];
            y += d[at + 1];
            at += 2;
        } else { /* c pixels given one by one, padded to 16 bits */
            size_t bytes = four ? (c + 1) / 2 : c;
            bytes += bytes & 1;
            if (n - at < bytes) return lp_fail(err, LP_EINPUT, "BMP: the RLE data is truncated");
            for (unsigned i = 0; i < c; i++, x++) {
                unsigned v = four ? (i & 1 ? d[at + i / 2] & 15 : d[at + i / 2] >> 4) : d[at + i];
                if (x < b->w && y < b->h) put_index(r, x, b->h - 1 - y, b, v);
            }
            at += bytes;
        }
        if (y >= b->h) return LP_OK; /* past the top: nothing more can show */
    }
}

int lp_decode_bmp(const uint8_t *d, size_t n, lp_raw *r, lp_error *err) {
    if (n < 18) return lp_fail(err, LP_EINPUT, "BMP: the file is truncated (%zu bytes)", n);
    uint32_t off = rd32(d + 10), hs = rd32(d + 14);
    if (hs != 12 && hs != 40 && hs != 52 && hs != 56 && hs != 64 && hs != 108 && hs != 124)
        return lp_fail(err, LP_EINPUT, "BMP: unknown header size %u", hs);
    if (n < 14 + (size_t)hs)
        return lp_fail(err, LP_EINPUT, "BMP: the file is truncated inside its %u-byte header", hs);
    bmp b = {0};
    uint32_t n_colors = 0;
    if (hs == 12) {
        b.w = rd16(d + 18);
        b.h = (int16_t)rd16(d + 20);
        b.bpp = rd16(d + 24);
    } else {
        b.w = (int32_t)rd32(d + 18);
        b.h = (int32_t)rd32(d + 22);
        b.bpp = rd16(d + 28);
        b.comp = rd32(d + 30);
        n_colors = rd32(d + 46);
    }
    bool topdown = b.h < 0;
    if (topdown) b.h = -b.h;
    if (b.bpp != 1 && b.bpp != 4 && b.bpp != 8 && b.bpp != 16 && b.bpp != 24 && b.bpp != 32)
        return lp_fail(err, LP_EINPUT, "BMP: %d bits per pixel is not a BMP depth", b.bpp);
    bool fields = b.comp == 3 || b.comp == 6;
    bool ok = b.comp == 0 || (b.comp == 1 && b.bpp == 8 && !topdown) ||
              (b.comp == 2 && b.bpp == 4 && !topdown) ||
              (fields && hs != 64 && (b.bpp == 16 || b.bpp == 32));
    if (!ok) {
        static const char *const names[] = {"RGB",  "RLE8", "RLE4",          "BITFIELDS",
                                            "JPEG", "PNG",  "ALPHABITFIELDS"};
        return lp_fail(err, LP_EUNSUPPORTED,
                       "BMP: compression %u (%s) with %d bits per pixel%s "
                       "is not supported",
                       b.comp, b.comp < 7 ? names[b.comp] : "unknown", b.bpp,
                       topdown ? ", top-down" : "");
    }
    /* colour masks at offset 54: inside a v2+ header, or right after a 40-byte one */
    size_t at = 14 + hs;
    if (fields) {
        if (hs == 40) at += b.comp == 6 ? 16 : 12;
        if (n < 54 + 12)
            return lp_fail(err, LP_EINPUT, "BMP: the file is truncated inside its colour masks");
        for (int c = 0; c < 3; c++) b.f[c] = make_field(rd32(d + 54 + 4 * c));
    } else if (b.bpp == 16) {
        b.f[0] = make_field(0x7c00), b.f[1] = make_field(0x03e0), b.f[2] = make_field(0x001f);
    } else if (b.bpp == 32) {
        b.f[0] = make_field(0xff0000), b.f[1] = make_field(0xff00), b.f[2] = make_field(0xff);
    }
    if (b.bpp <= 8) { /* the palette, as much of it as the file holds */
        size_t entry = hs == 12 ? 3 : 4, want = n_colors && n_colors < 256 ? n_colors : 256;
        if (want > (1u << b.bpp)) want = 1u << b.bpp;
        size_t end = off < n ? off : n;
        for (size_t i = 0; i < want && at + (i + 1) * entry <= end; i++) {
            const uint8_t *e = d + at + i * entry;
            b.pal[i][0] = e[2], b.pal[i][1] = e[1], b.pal[i][2] = e[0];
        }
    }
    if (off > n)
        return lp_fail(err, LP_EINPUT,
                       "BMP: the pixel data's offset %u is past the end of the "
                       "file (%zu bytes)",
                       off, n);
    int rc = lp_raw_check("BMP", b.w, b.h, err);
    if (rc) return rc;
    bool rle = b.comp == 1 || b.comp == 2;
    int64_t stride = (b.w * b.bpp + 31) / 32 * 4; /* w, h < 2^28: no overflow */
    if (!rle && stride * b.h > (int64_t)(n - off))
        return lp_fail(err, LP_EINPUT,
                       "BMP: the file is truncated (%lld rows of %lld bytes from "
                       "offset %u, but it has %zu bytes)",
                       (long long)b.h, (long long)stride, off, n);
    if ((rc = lp_raw_alloc(r, "BMP", b.w, b.h, err))) return rc;
    r->channels = 3;
    if (rle) return bmp_rle(d + off, n - off, &b, r, err);
    bmp_rows(d + off, (size_t)stride, &b, topdown, r);
    return LP_OK;
}

/* ---- PNM ---- */

typedef struct pnm {
    const uint8_t *d;
    size_t n, at;
} pnm;

static bool is_space(uint8_t c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Skips whitespace and # comments; false at the end of the data. */
static bool pnm_skip(pnm *s) {
    while (s->at < s->n) {
        if (is_space(s->d[s->at]))
            s->at++;
        else if (s->d[s->at] == '#')
            while (s->at < s->n && s->d[s->at] != '\n' && s->d[s->at] != '\r') s->at++;
        else
            return true;
    }
    return false;
}

/* A decimal number up to 2^31 - 1; -1 if there is none, -2 if too large. */
static int64_t pnm_uint(pnm *s) {
    if (!pnm_skip(s) || s->d[s->at] < '0' || s->d[s->at] > '9') return -1;
    int64_t v = 0;
    while (s->at < s->n && s->d[s->at] >= '0' && s->d[s->at] <= '9') {
        v = v * 10 + (s->d[s->at++] - '0');
        if (v > 0x7fffffff) return -2;
    }
    return v;
}

static uint8_t pnm_scale(int64_t v, int64_t maxval) {
    if (v > maxval) v = maxval;
    return maxval == 255 ? (uint8_t)v : (uint8_t)((v * 255 + maxval / 2) / maxval);
}

int lp_decode_pnm(const uint8_t *d, size_t n, lp_raw *r, lp_error *err) {
    pnm s = {d, n, 2};
    int kind = d[1] - '0';
    bool bits = kind == 1 || kind == 4, ascii = kind <= 3;
    int ch = kind == 3 || kind == 6 ? 3 : 1;
    static const char *const what[] = {"width", "height", "maxval"};
    int64_t v[3] = {0, 0, 1};
    for (int i = 0; i < (bits ? 2 : 3); i++) {
        v[i] = pnm_uint(&s);
        if (v[i] == -1)
            return lp_fail(err, LP_EINPUT, "PNM: P%d header: %s", kind,
                           s.at >= n ? "the file ends inside it" : "expected a number");
        if (v[i] == -2 || (i == 2 && (v[i] < 1 || v[i] > 65535)))
            return lp_fail(err, LP_EINPUT, "PNM: P%d header: the %s is %s", kind, what[i],
                           i == 2 ? "not within 1..65535" : "too large");
    }
    int64_t w = v[0], h = v[1], maxval = v[2];
    if (!ascii) { /* exactly one whitespace byte before binary data */
        if (s.at >= n || !is_space(d[s.at]))
            return lp_fail(err, LP_EINPUT, "PNM: P%d header: no whitespace before the pixels",
                           kind);
        s.at++;
    }
    int rc = lp_raw_check("PNM", w, h, err);
    if (rc) return rc;
    /* the data must all be there before anything is allocated (an ASCII
    ** sample takes a byte at least) */
    int64_t count = w * h * ch, stride = (w + 7) / 8, wide = maxval > 255 ? 2 : 1;
    int64_t need = kind == 4 ? stride * h : ascii ? count : count * wide;
    if (need > (int64_t)(n - s.at))
        return lp_fail(err, LP_EINPUT,
                       "PNM: the file is truncated (P%d needs %s%lld bytes of "
                       "pixels, it has %zu)",
                       kind, ascii ? "at least " : "", (long long)need, n - s.at);
    if ((rc = lp_raw_alloc(r, "PNM", w, h, err))) return rc;
    r->channels = ch;
    uint8_t *p = r->pixels;
    if (kind == 4) { /* packed bits, rows padded to a byte; 1 is black */
        for (int64_t y = 0; y < h; y++)
            for (int64_t x = 0; x < w; x++)
                *p++ = (d[s.at + y * stride + x / 8] >> (7 - x % 8)) & 1 ? 0 : 255;
    } else if (!ascii) { /* bytes, or big-endian pairs when maxval > 255 */
        const uint8_t *q = d + s.at;
        for (int64_t i = 0; i < count; i++, q += wide)
            p[i] = pnm_scale(wide == 2 ? q[0] << 8 | q[1] : q[0], maxval);
    } else {
        for (int64_t i = 0; i < count; i++) {
            int64_t x;
            if (kind == 1) { /* single digits, separators optional */
                x = pnm_skip(&s) && (d[s.at] == '0' || d[s.at] == '1') ? d[s.at++] - '0' : -1;
                if (x >= 0) x = x ? 0 : 255;
            } else {
                x = pnm_uint(&s);
                if (x >= 0) x = pnm_scale(x, maxval);
            }
            if (x < 0)
                return lp_fail(err, LP_EINPUT, "PNM: P%d: %s at sample %lld of %lld", kind,
                               s.at >= n ? "the file is truncated" : "not a sample value",
                               (long long)i + 1, (long long)count);
            p[i] = (uint8_t)x;
        }
    }
    return LP_OK;
}
