/*
** digit_images.c — image files for the digits_cnn package: the first
** held-out image of each digit (rows digits.c does not train on), drawn at
** 32x32 as an 8-bit grey PNG, each data pixel a 4x4 block:
**
**   samples/images/digit_0.png ... digit_9.png
**   samples/digits_cnn.records.json   three of them as an OML request (base64)
**
** The grey level is the data's ink, 0..16 scaled to 0..255, so the digits
** are light on a dark background, as the data set (and MNIST) has them. A
** block of four pixels shrinks back to exactly its value under the bilinear
** resize that scoring applies (each 8x8 output pixel reads the middle of its
** block). make_samples then scores the files through Loupe's own image path
** (base64 -> decode -> resize -> model) and prints how many come out right.
*/
#include "samples.h"

#include "model/base64.h"
#include "model/write.h"
#include "ops/score.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SIDE 8
#define ZOOM 4
#define OUT (SIDE * ZOOM)

/* A grey PNG of w x h pixels, in memory (libpng's simplified writer). */
static int png_encode(const uint8_t *grey, int w, int h, void **png, size_t *n) {
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = (png_uint_32)w;
    img.height = (png_uint_32)h;
    img.format = PNG_FORMAT_GRAY;
    png_alloc_size_t size = 0;
    if (!png_image_write_to_memory(&img, NULL, &size, 0, grey, w, NULL)) return 1;
    *png = lp_xmalloc(size);
    if (!png_image_write_to_memory(&img, *png, &size, 0, grey, w, NULL)) {
        free(*png);
        return 1;
    }
    *n = size;
    return 0;
}

/* Scores the files with the package, the way `loupe score --image` does;
** returns how many get their own digit as the likeliest label. */
static int score_files(const char *dir, char *const *b64, const int *digit, int n, double *least) {
    char zip[1024];
    snprintf(zip, sizeof zip, "%s/digits_cnn.zip", dir);
    lp_error err = {0};
    lp_package *p = NULL;
    lp_session *s = NULL;
    cJSON *req = cJSON_CreateObject(), *resp = NULL;
    cJSON *records = cJSON_AddArrayToObject(req, "inputRecords");
    for (int i = 0; i < n; i++) {
        cJSON *rec = cJSON_CreateObject();
        cJSON_AddStringToObject(rec, "image", b64[i]);
        cJSON_AddItemToArray(records, rec);
    }
    int right = -1;
    lp_score_opts o = {.top_n = 1};
    if (!lp_package_open(zip, &p, &err) && !lp_session_create(p->model, NULL, &s, &err) &&
        !lp_score(s, p, req, &o, &resp, &err)) {
        right = 0;
        *least = 1;
        const cJSON *results = cJSON_GetObjectItem(resp, "scoringResults");
        for (int i = 0; i < n; i++) {
            const cJSON *best = cJSON_GetArrayItem(
                cJSON_GetObjectItem(cJSON_GetArrayItem(results, i), "classifications"), 0);
            const cJSON *label = cJSON_GetObjectItem(best, "label");
            double prob = cJSON_GetNumberValue(cJSON_GetObjectItem(best, "probability"));
            if (cJSON_IsString(label) && atoi(label->valuestring) == digit[i]) right++;
            if (prob < *least) *least = prob;
        }
    } else {
        fprintf(stderr, "make_samples: digit images: %s\n", err.msg);
    }
    cJSON_Delete(resp);
    cJSON_Delete(req);
    lp_session_free(s);
    lp_package_free(p);
    return right;
}

int make_digit_images(const char *dir) {
    char path[1024];
    table t;
    snprintf(path, sizeof path, "%s/data/digits.csv", dir);
    if (table_read(path, 0, &t)) return 1;
    int n = t.rows, n_train = n * 4 / 5; /* as digits.c splits them */
    int row[10], cols = SIDE * SIDE + 1;
    for (int d = 0; d < 10; d++) {
        row[d] = -1;
        for (int i = n_train; i < n && row[d] < 0; i++)
            if ((int)t.v[i * cols + SIDE * SIDE] == d) row[d] = i;
        if (row[d] < 0) {
            fprintf(stderr, "make_samples: %s: no held-out image of digit %d\n", path, d);
            table_free(&t);
            return 1;
        }
    }
    snprintf(path, sizeof path, "%s/images", dir);
    mkdir(path, 0777);
    char *b64[10];
    int digit[10], rc = 0, made = 0;
    for (int d = 0; d < 10 && !rc; d++) {
        uint8_t grey[OUT * OUT];
        const double *v = t.v + row[d] * cols;
        for (int y = 0; y < OUT; y++)
            for (int x = 0; x < OUT; x++)
                grey[y * OUT + x] = (uint8_t)(v[(y / ZOOM) * SIDE + x / ZOOM] * 255 / 16 + 0.5);
        void *png;
        size_t size;
        lp_error err;
        snprintf(path, sizeof path, "%s/images/digit_%d.png", dir, d);
        if (png_encode(grey, OUT, OUT, &png, &size)) {
            fprintf(stderr, "make_samples: %s: libpng cannot encode it\n", path);
            rc = 1;
            break;
        }
        rc = lp_write_file_safe(path, png, size, 0, NULL, &err);
        if (rc) fprintf(stderr, "make_samples: %s\n", err.msg);
        b64[d] = lp_base64_encode(png, size);
        digit[d] = d;
        made++;
        free(png);
    }
    /* an OML request with three of them, as base64 strings */
    if (!rc) {
        lp_buf b = {0};
        lp_error err;
        static const int pick[] = {0, 3, 7};
        lp_buf_printf(&b, "{\"inputRecords\": [\n");
        for (int i = 0; i < 3; i++)
            lp_buf_printf(&b, "  {\"image\": \"%s\"}%s\n", b64[pick[i]], i < 2 ? "," : "");
        lp_buf_printf(&b, "]}\n");
        snprintf(path, sizeof path, "%s/digits_cnn.records.json", dir);
        rc = lp_write_file_safe(path, b.data, b.len, 0, NULL, &err);
        if (rc) fprintf(stderr, "make_samples: %s\n", err.msg);
        lp_buf_free(&b);
    }
    if (!rc) {
        double least = 0;
        int right = score_files(dir, b64, digit, 10, &least);
        if (right < 0)
            rc = 1;
        else
            printf("digit_images: 10 PNGs of %dx%d (held-out rows), loupe scores %d/10 as their "
                   "digit, the likeliest label's probability at least %.3f\n",
                   OUT, OUT, right, least);
    }
    for (int d = 0; d < made; d++) free(b64[d]);
    table_free(&t);
    return rc;
}
