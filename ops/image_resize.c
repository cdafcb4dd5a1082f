/*
** image_resize.c — bilinear resizing of decoded images, for image scoring.
**
** The sampling is OpenCV's INTER_LINEAR (and ONNX Resize's "half_pixel"
** linear mode): pixel centres are aligned, output x reads source x' =
** (x + 0.5) * in_w / out_w - 0.5, clamped to [0, in_w - 1], and blends the
** two nearest source pixels. No antialiasing filter is applied when
** shrinking, as in OpenCV. The result stays in float, unrounded.
*/
#include "ops/image.h"

#include <math.h>
#include <stdlib.h>

typedef struct tap {
    int i0, i1;
    float f; /* weight of i1 */
} tap;

static tap *taps(int in, int out) {
    tap *t = lp_xmalloc((size_t)out * sizeof *t);
    double scale = (double)in / out;
    for (int o = 0; o < out; o++) {
        double s = (o + 0.5) * scale - 0.5;
        if (s < 0) s = 0;
        int i = (int)floor(s);
        if (i >= in - 1)
            t[o] = (tap){in - 1, in - 1, 0};
        else
            t[o] = (tap){i, i + 1, (float)(s - i)};
    }
    return t;
}

void lp_image_resize_bilinear(const lp_image *in, int out_w, int out_h, float *out) {
    int c = in->channels;
    size_t row = (size_t)in->width * (size_t)c;
    tap *tx = taps(in->width, out_w), *ty = taps(in->height, out_h);
    for (int y = 0; y < out_h; y++) {
        const uint8_t *r0 = in->pixels + (size_t)ty[y].i0 * row;
        const uint8_t *r1 = in->pixels + (size_t)ty[y].i1 * row;
        float fy = ty[y].f;
        for (int x = 0; x < out_w; x++) {
            size_t a = (size_t)tx[x].i0 * (size_t)c, b = (size_t)tx[x].i1 * (size_t)c;
            float fx = tx[x].f;
            for (int k = 0; k < c; k++) {
                float top = r0[a + k] + fx * (r0[b + k] - r0[a + k]);
                float bottom = r1[a + k] + fx * (r1[b + k] - r1[a + k]);
                *out++ = top + fy * (bottom - top);
            }
        }
    }
    free(tx);
    free(ty);
}
