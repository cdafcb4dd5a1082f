/*
** image_decoder.c — ImageDecoder (opset 20): a 1-D uint8 tensor holding an
** image file -> uint8 [height, width, 3] (RGB or BGR) or [height, width, 1]
** (Grayscale). The decoding is ops/image_decode.c's.
**
** The spec says a stream that cannot be decoded gives an empty matrix rather
** than an error, so it gives [0, 0, channels]; a bad pixel_format is the
** model's fault and fails the node.
*/
#include "ops/image.h"
#include "ops/kernel.h"

#include <string.h>

int lp_k_image_decoder(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kfail(k, "the encoded stream is required");
    if (x->dtype != LP_UINT8)
        return lp_kbad(k, "the encoded stream must be uint8, not %s", lp_dtype_name(x->dtype));
    if (x->rank != 1) return lp_kbad(k, "the encoded stream must be 1-D, not rank %d", x->rank);
    const char *name = lp_attr_string(k->node, "pixel_format", "RGB");
    int pf = lp_pixel_format_parse(name);
    if (pf < 0) return lp_kfail(k, "pixel_format '%s' is not one of RGB, BGR, Grayscale", name);
    int64_t ch = pf == LP_PIX_GRAY ? 1 : 3;
    lp_image img;
    lp_error ignored = {0};
    if (lp_image_decode(x->data, x->nbytes, (lp_pixel_format)pf, &img, &ignored)) {
        int64_t empty[3] = {0, 0, ch};
        return lp_out(k, 0, LP_UINT8, 3, empty) ? LP_OK : LP_EFAIL;
    }
    int64_t dims[3] = {img.height, img.width, img.channels};
    lp_tensor *y = lp_out(k, 0, LP_UINT8, 3, dims);
    if (y && y->nbytes) memcpy(y->data, img.pixels, y->nbytes);
    lp_image_free(&img);
    return y ? LP_OK : LP_EFAIL;
}
