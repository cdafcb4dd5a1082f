/*
** digits.c — the image sample: a small convolutional network trained with
** plain SGD on sklearn's handwritten digits (1797 images of 8x8 pixels,
** 16 grey levels, digits 0-9).
**
**   image [batch,3,8,8] (pixels 0..255) -> Conv 3x3 (8) -> Relu -> MaxPool 2x2
**   -> Conv 3x3 (16) -> Relu -> Flatten -> Gemm (10) -> Softmax -> probabilities
**
** It is trained on one grey channel scaled to [0, 1]; the exported first
** convolution takes three channels (RGB) and pixel values 0..255, with its
** weights divided by 3 * 255, so a colour image of the digit gives the same
** scores as the grey one. The first 80% of the rows train, the rest test.
*/
#include "samples.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S 8            /* image side */
#define C1 8           /* first convolution's filters */
#define C2 16          /* second convolution's filters */
#define P (S / 2)      /* side after pooling */
#define FLAT (C2 * P * P)
#define NCLASS 10
#define EPOCHS 12

typedef struct net {
    float w1[C1 * 3 * 9], b1[C1]; /* [C1][cin][3][3]; cin is 1 in training */
    float w2[C2 * C1 * 9], b2[C2];
    float w3[NCLASS * FLAT], b3[NCLASS]; /* Gemm B, transposed: [10][FLAT] */
} net;

typedef struct acts {
    float z1[C1 * S * S], p1[C1 * P * P];
    int arg1[C1 * P * P];
    float z2[C2 * P * P], f[FLAT], prob[NCLASS];
} acts;

/* 3x3 convolution, padding 1, stride 1: in [C][H][W] -> out [O][H][W]. */
static void conv3(const float *in, int C, int H, int W, const float *w, const float *b, int O,
                  float *out) {
    for (int o = 0; o < O; o++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                float s = b[o];
                for (int c = 0; c < C; c++)
                    for (int ky = 0; ky < 3; ky++) {
                        int iy = y + ky - 1;
                        if (iy < 0 || iy >= H) continue;
                        for (int kx = 0; kx < 3; kx++) {
                            int ix = x + kx - 1;
                            if (ix < 0 || ix >= W) continue;
                            s += in[(c * H + iy) * W + ix] * w[((o * C + c) * 3 + ky) * 3 + kx];
                        }
                    }
                out[(o * H + y) * W + x] = s;
            }
}

/* Gradients of conv3: dw, db accumulate; din (when not NULL) is set. */
static void conv3_back(const float *in, int C, int H, int W, const float *w, const float *dout,
                       int O, float *dw, float *db, float *din) {
    if (din) memset(din, 0, (size_t)C * H * W * sizeof *din);
    for (int o = 0; o < O; o++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                float g = dout[(o * H + y) * W + x];
                if (g == 0) continue;
                db[o] += g;
                for (int c = 0; c < C; c++)
                    for (int ky = 0; ky < 3; ky++) {
                        int iy = y + ky - 1;
                        if (iy < 0 || iy >= H) continue;
                        for (int kx = 0; kx < 3; kx++) {
                            int ix = x + kx - 1;
                            if (ix < 0 || ix >= W) continue;
                            int wi = ((o * C + c) * 3 + ky) * 3 + kx, ii = (c * H + iy) * W + ix;
                            dw[wi] += g * in[ii];
                            if (din) din[ii] += g * w[wi];
                        }
                    }
            }
}

/* The forward pass, for an input of `cin` channels; returns the argmax. */
static int forward(const net *n, const float *in, int cin, acts *a) {
    conv3(in, cin, S, S, n->w1, n->b1, C1, a->z1);
    for (int c = 0; c < C1; c++) /* Relu then 2x2 max pooling */
        for (int y = 0; y < P; y++)
            for (int x = 0; x < P; x++) {
                float best = -FLT_MAX;
                int at = 0;
                for (int dy = 0; dy < 2; dy++)
                    for (int dx = 0; dx < 2; dx++) {
                        int i = (c * S + 2 * y + dy) * S + 2 * x + dx;
                        float v = fmaxf(a->z1[i], 0);
                        if (v > best) best = v, at = i;
                    }
                a->p1[(c * P + y) * P + x] = best;
                a->arg1[(c * P + y) * P + x] = at;
            }
    conv3(a->p1, C1, P, P, n->w2, n->b2, C2, a->z2);
    for (int i = 0; i < FLAT; i++) a->f[i] = fmaxf(a->z2[i], 0);
    float mx = -FLT_MAX, sum = 0;
    int best = 0;
    for (int k = 0; k < NCLASS; k++) {
        float s = n->b3[k];
        for (int i = 0; i < FLAT; i++) s += n->w3[k * FLAT + i] * a->f[i];
        a->prob[k] = s;
        if (s > mx) mx = s, best = k;
    }
    for (int k = 0; k < NCLASS; k++) sum += a->prob[k] = expf(a->prob[k] - mx);
    for (int k = 0; k < NCLASS; k++) a->prob[k] /= sum;
    return best;
}

/* One SGD step on one grey image. */
static void sgd_step(net *n, const float *in, int label, float lr, acts *a, net *g) {
    forward(n, in, 1, a);
    memset(g, 0, sizeof *g);
    float dlogit[NCLASS], df[FLAT] = {0}, dz2[FLAT], dp1[C1 * P * P], dz1[C1 * S * S] = {0};
    for (int k = 0; k < NCLASS; k++) dlogit[k] = a->prob[k] - (k == label);
    for (int k = 0; k < NCLASS; k++) {
        g->b3[k] = dlogit[k];
        for (int i = 0; i < FLAT; i++) {
            g->w3[k * FLAT + i] = dlogit[k] * a->f[i];
            df[i] += dlogit[k] * n->w3[k * FLAT + i];
        }
    }
    for (int i = 0; i < FLAT; i++) dz2[i] = a->z2[i] > 0 ? df[i] : 0;
    conv3_back(a->p1, C1, P, P, n->w2, dz2, C2, g->w2, g->b2, dp1);
    for (int i = 0; i < C1 * P * P; i++) /* through the pooling, then the Relu */
        if (a->z1[a->arg1[i]] > 0) dz1[a->arg1[i]] = dp1[i];
    conv3_back(in, 1, S, S, n->w1, dz1, C1, g->w1, g->b1, NULL);
    float *w = (float *)n;
    const float *d = (const float *)g;
    for (size_t i = 0; i < sizeof *n / sizeof(float); i++) w[i] -= lr * d[i];
}

int make_digits_cnn(const char *dir) {
    char path[1024];
    table t;
    snprintf(path, sizeof path, "%s/data/digits.csv", dir);
    if (table_read(path, 0, &t)) return 1;
    if (t.cols != S * S + 1) {
        fprintf(stderr, "make_samples: %s: expected %d columns\n", path, S * S + 1);
        table_free(&t);
        return 1;
    }
    int n = t.rows, n_train = n * 4 / 5;
    float *grey = lp_xmalloc((size_t)n * S * S * sizeof *grey);
    int *label = lp_xmalloc((size_t)n * sizeof *label);
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < S * S; j++) grey[i * S * S + j] = (float)(t.v[i * (S * S + 1) + j] / 16.0);
        label[i] = (int)t.v[i * (S * S + 1) + S * S];
    }
    net *m = lp_xcalloc(1, sizeof *m), *grad = lp_xcalloc(1, sizeof *grad);
    acts *a = lp_xmalloc(sizeof *a);
    rng r = {0x9E3779B97F4A7C15ULL};
    /* He initialisation */
    for (int i = 0; i < C1 * 9; i++) m->w1[i] = (float)(rng_normal(&r) * sqrt(2.0 / 9));
    for (int i = 0; i < C2 * C1 * 9; i++) m->w2[i] = (float)(rng_normal(&r) * sqrt(2.0 / (C1 * 9)));
    for (int i = 0; i < NCLASS * FLAT; i++) m->w3[i] = (float)(rng_normal(&r) * sqrt(1.0 / FLAT));
    int *order = lp_xmalloc((size_t)n_train * sizeof *order);
    for (int i = 0; i < n_train; i++) order[i] = i;
    float lr = 0.05f;
    for (int epoch = 0; epoch < EPOCHS; epoch++, lr *= 0.8f) {
        for (int i = n_train - 1; i > 0; i--) {
            int j = rng_below(&r, i + 1), tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        for (int i = 0; i < n_train; i++)
            sgd_step(m, grey + order[i] * S * S, label[order[i]], lr, a, grad);
    }

    /* export: three channels of 0..255 pixels into the first convolution */
    net *e = lp_xcalloc(1, sizeof *e);
    memcpy(e, m, sizeof *e);
    for (int o = 0; o < C1; o++)
        for (int c = 0; c < 3; c++)
            for (int k = 0; k < 9; k++) e->w1[(o * 3 + c) * 9 + k] = m->w1[o * 9 + k] / (3 * 255.0f);
    /* accuracy of the exported weights on RGB images of the digits */
    int right_train = 0, right_test = 0;
    float *rgb = lp_xmalloc((size_t)n * 3 * S * S * sizeof *rgb);
    for (int i = 0; i < n; i++) {
        for (int c = 0; c < 3; c++)
            for (int j = 0; j < S * S; j++)
                rgb[(i * 3 + c) * S * S + j] = (float)(t.v[i * (S * S + 1) + j] * 255.0 / 16.0);
        int ok = forward(e, rgb + i * 3 * S * S, 3, a) == label[i];
        if (i < n_train) right_train += ok;
        else right_test += ok;
    }
    printf("digits_cnn: CNN, %d epochs of SGD on %d images, accuracy %.1f%% on them, %.1f%% on "
           "the %d held out\n", EPOCHS, n_train, 100.0 * right_train / n_train,
           100.0 * right_test / (n - n_train), n - n_train);

    lp_builder *b = lp_build_new("digits_cnn");
    lp_build_opset(b, "", 13);
    lp_build_producer(b, "loupe-samples", "0.1");
    lp_build_doc(b, "A small CNN for sklearn's 8x8 handwritten digits; input NCHW, 3 channels "
                    "(RGB, any order: they are averaged), pixel values 0..255.");
    lp_build_prop(b, "dataset", "sklearn digits (UCI optical recognition of handwritten digits), "
                                "1797 images, 1437 for training");
    lp_build_prop(b, "training", "12 epochs of per-image SGD, cross-entropy");
    lp_build_input(b, "image", LP_FLOAT, "batch,3,8,8");
    lp_build_init_f32(b, "conv1_w", 4, (int64_t[]){C1, 3, 3, 3}, e->w1);
    lp_build_init_f32(b, "conv1_b", 1, (int64_t[]){C1}, e->b1);
    lp_build_init_f32(b, "conv2_w", 4, (int64_t[]){C2, C1, 3, 3}, e->w2);
    lp_build_init_f32(b, "conv2_b", 1, (int64_t[]){C2}, e->b2);
    lp_build_init_f32(b, "fc_w", 2, (int64_t[]){NCLASS, FLAT}, e->w3);
    lp_build_init_f32(b, "fc_b", 1, (int64_t[]){NCLASS}, e->b3);
    static const int64_t k3[] = {3, 3}, pad1[] = {1, 1, 1, 1}, two[] = {2, 2};
    lp_bnode *c1 = lp_build_node(b, "Conv", "image,conv1_w,conv1_b", "conv1");
    lp_build_attr_ints(b, c1, "kernel_shape", 2, k3);
    lp_build_attr_ints(b, c1, "pads", 4, pad1);
    lp_build_node(b, "Relu", "conv1", "relu1");
    lp_bnode *mp = lp_build_node(b, "MaxPool", "relu1", "pool1");
    lp_build_attr_ints(b, mp, "kernel_shape", 2, two);
    lp_build_attr_ints(b, mp, "strides", 2, two);
    lp_bnode *c2 = lp_build_node(b, "Conv", "pool1,conv2_w,conv2_b", "conv2");
    lp_build_attr_ints(b, c2, "kernel_shape", 2, k3);
    lp_build_attr_ints(b, c2, "pads", 4, pad1);
    lp_build_node(b, "Relu", "conv2", "relu2");
    lp_build_attr_int(b, lp_build_node(b, "Flatten", "relu2", "features"), "axis", 1);
    lp_build_attr_int(b, lp_build_node(b, "Gemm", "features,fc_w,fc_b", "logits"), "transB", 1);
    lp_build_attr_int(b, lp_build_node(b, "Softmax", "logits", "probabilities"), "axis", 1);
    lp_build_output(b, "probabilities", LP_FLOAT, "batch,10");
    static const char *const digits[NCLASS] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
    int rc = sample_write(dir, "digits_cnn", b,
                          "{\n"
                          "  \"function\": \"classification\",\n"
                          "  \"classificationProbOutput\": \"probabilities\",\n"
                          "  \"inputTensorDimNames\": [\"batch\", \"channel\", \"height\", \"width\"],\n"
                          "  \"height\": 8,\n"
                          "  \"width\": 8,\n"
                          "  \"channel\": 3,\n"
                          "  \"mean\": [0.0, 0.0, 0.0],\n"
                          "  \"scale\": [1.0, 1.0, 1.0],\n"
                          "  \"inputChannel\": \"RGB\"\n"
                          "}",
                          digits, NCLASS);
    lp_build_free(b);
    free(rgb);
    free(e);
    free(order);
    free(a);
    free(grad);
    free(m);
    free(grey);
    free(label);
    table_free(&t);
    return rc;
}
