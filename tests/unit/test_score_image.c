/*
** test_score_image.c — scoring image records (ops/score.c): an Identity
** model scored as feature_extraction hands back the tensor fed to it, so
** the layout (NHWC, NCHW, named or guessed), the channel order, mean and
** scale, and the resize can be checked value by value.
*/
#include "build_model.h"
#include "model/base64.h"
#include "model/package.h"
#include "ops/image.h"
#include "ops/score.h"
#include "test.h"

#include <math.h>
#include <stdlib.h>

#define IW 6
#define IH 4

/* An IW x IH P6 image: pixel (x, y) channel c is 40 * c + 6 * y + x. */
static char *image_b64(int w, int h) {
    lp_buf b = {0};
    lp_buf_printf(&b, "P6 %d %d 255\n", w, h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < 3; c++)
                lp_buf_append(&b, (uint8_t[]){(uint8_t)(40 * c + 6 * y + x)}, 1);
    char *s = lp_base64_encode(b.data, b.len);
    lp_buf_free(&b);
    return s;
}

static lp_package *identity_pkg(const char *shape, const char *metadata) {
    lp_builder *b = lp_build_new("id");
    lp_build_opset(b, "", 13);
    lp_build_input(b, "x", LP_FLOAT, shape);
    lp_build_node(b, "Identity", "x", "y");
    lp_build_output(b, "y", LP_FLOAT, shape);
    lp_package *p = lp_xcalloc(1, sizeof *p);
    p->path = lp_xstrdup("t.zip");
    p->model = lp_test_load(b);
    p->metadata = cJSON_Parse(metadata);
    return p;
}

/* Scores one record {"x": b64} and returns doubleWeights (or NULL, with err). */
static double *score_one(lp_package *p, const char *b64, int *n, lp_error *err) {
    lp_session *s = NULL;
    cJSON *req = cJSON_CreateObject(), *resp = NULL;
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "x", b64);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(req, "inputRecords"), rec);
    double *out = NULL;
    if (!lp_session_create(p->model, NULL, &s, err) && !lp_score(s, p, req, NULL, &resp, err)) {
        const cJSON *w = cJSON_GetObjectItem(
            cJSON_GetArrayItem(cJSON_GetObjectItem(resp, "scoringResults"), 0), "doubleWeights");
        *n = cJSON_GetArraySize(w);
        out = lp_xcalloc((size_t)*n + 1, sizeof *out);
        int i = 0;
        for (const cJSON *it = w ? w->child : NULL; it; it = it->next) out[i++] = it->valuedouble;
    }
    cJSON_Delete(resp);
    cJSON_Delete(req);
    lp_session_free(s);
    return out;
}

#define MD_HEAD "{\"function\": \"feature_extraction\", \"height\": 4, \"width\": 6, \"channel\": 3"

TEST(score_image_nhwc_bgr_mean_scale) {
    lp_package *p =
        identity_pkg("batch,4,6,3", MD_HEAD ", \"mean\": [1, 2, 3], \"scale\": [0.5, 2, "
                                            "-1], \"inputChannel\": \"BGR\"}");
    REQUIRE(p->model);
    char *b64 = image_b64(IW, IH);
    int n = 0;
    lp_error err = {0};
    double *w = score_one(p, b64, &n, &err);
    if (!w) fprintf(stderr, "    %s\n", err.msg);
    REQUIRE(w && n == IH * IW * 3);
    bool ok = true;
    for (int y = 0; y < IH; y++)
        for (int x = 0; x < IW; x++)
            for (int c = 0; c < 3; c++) { /* channel c of the tensor is B, G, R */
                double pixel = 40 * (2 - c) + 6 * y + x;
                double mean[] = {1, 2, 3}, scale[] = {0.5, 2, -1};
                ok &= fabs(w[(y * IW + x) * 3 + c] - (pixel - mean[c]) * scale[c]) < 1e-9;
            }
    CHECK(ok);
    free(w);
    free(b64);
    lp_package_free(p);
}

TEST(score_image_nchw_named_and_guessed) {
    static const char *const md[] = {
        MD_HEAD ", \"inputTensorDimNames\": [\"batch\", \"channel\", \"height\", \"width\"]}",
        MD_HEAD "}", /* no names: [batch,3,4,6] only fits NCHW */
    };
    for (int k = 0; k < 2; k++) {
        lp_package *p = identity_pkg(k ? "batch,3,4,6" : "batch,3,?,?", md[k]);
        REQUIRE(p->model);
        char *b64 = image_b64(IW, IH);
        int n = 0;
        lp_error err = {0};
        double *w = score_one(p, b64, &n, &err);
        if (!w) fprintf(stderr, "    %s\n", err.msg);
        REQUIRE(w && n == IH * IW * 3);
        bool ok = true;
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < IH; y++)
                for (int x = 0; x < IW; x++) ok &= w[(c * IH + y) * IW + x] == 40 * c + 6 * y + x;
        CHECK(ok);
        free(w);
        free(b64);
        lp_package_free(p);
    }
}

TEST(score_image_resized_and_grey) {
    /* a 3x2 image resized to 6x4, as lp_image_resize_bilinear does it */
    lp_package *p = identity_pkg("1,4,6,3", MD_HEAD "}");
    REQUIRE(p->model);
    char *b64 = image_b64(3, 2);
    int n = 0;
    lp_error err = {0};
    double *w = score_one(p, b64, &n, &err);
    REQUIRE(w && n == IH * IW * 3);
    uint8_t px[2 * 3 * 3];
    for (int y = 0; y < 2; y++)
        for (int x = 0; x < 3; x++)
            for (int c = 0; c < 3; c++) px[(y * 3 + x) * 3 + c] = (uint8_t)(40 * c + 6 * y + x);
    lp_image small = {.width = 3, .height = 2, .channels = 3, .pixels = px};
    float want[IH * IW * 3];
    lp_image_resize_bilinear(&small, IW, IH, want);
    bool ok = true;
    for (int i = 0; i < n; i++) ok &= fabs(w[i] - want[i]) < 1e-6;
    CHECK(ok);
    free(w);
    lp_package_free(p);
    /* one channel: the luma of the colour pixels */
    p = identity_pkg("batch,1,4,6", "{\"function\": \"feature_extraction\", \"height\": 4, "
                                    "\"width\": 6, \"channel\": 1}");
    REQUIRE(p->model);
    free(b64);
    b64 = image_b64(IW, IH);
    w = score_one(p, b64, &n, &err);
    REQUIRE(w && n == IH * IW);
    uint8_t rgb[3] = {0, 40, 80};
    CHECK(w[0] == (rgb[0] * 19595u + rgb[1] * 38470u + rgb[2] * 7471u + 0x8000u) >> 16);
    free(w);
    free(b64);
    lp_package_free(p);
}

TEST(score_image_metadata_errors) {
    static const struct {
        const char *shape, *md, *msg;
    } cases[] = {
        {"batch,4,6,3", MD_HEAD ", \"mean\": [1, 2]}", "'mean' must be an array of 3 numbers"},
        {"batch,4,6,3", MD_HEAD ", \"inputChannel\": \"rgb\"}", "'inputChannel' must be"},
        {"batch,4,6,4",
         "{\"function\": \"feature_extraction\", \"height\": 4, \"width\": 6, "
         "\"channel\": 4}",
         "'channel' is 4"},
        {"batch,4,6,3", "{\"function\": \"feature_extraction\", \"height\": 4, \"channel\": 3}",
         "needs 'width'"},
        {"batch,8,8,3", MD_HEAD "}", "'height' is 4, but dim 2 of input 'x' (its height) is 8"},
        {"batch,4,6,3",
         MD_HEAD ", \"inputTensorDimNames\": [\"height\", \"batch\", \"width\", "
                 "\"channel\"]}",
         "'inputTensorDimNames' must name"},
        {"batch,72", MD_HEAD "}", "input 'x' is not a rank-4 tensor"},
    };
    for (size_t i = 0; i < LP_COUNT(cases); i++) {
        lp_package *p = identity_pkg(cases[i].shape, cases[i].md);
        REQUIRE(p->model && p->metadata);
        char *b64 = image_b64(IW, IH);
        int n;
        lp_error err = {0};
        double *w = score_one(p, b64, &n, &err);
        CHECK(!w && strstr(err.msg, cases[i].msg));
        if (w || !strstr(err.msg, cases[i].msg)) fprintf(stderr, "    case %zu: %s\n", i, err.msg);
        free(w);
        free(b64);
        lp_package_free(p);
    }
}
