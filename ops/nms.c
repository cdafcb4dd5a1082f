/*
** nms.c — NonMaxSuppression: per batch and class, greedily keeps the
** highest-scoring boxes whose IoU with every box already kept is at most
** iou_threshold, skipping scores at or below score_threshold, and at most
** max_output_boxes_per_class of them. Boxes are corners [y1, x1, y2, x2] in
** either diagonal order, or [x_center, y_center, width, height] with
** center_point_box. The output is (selected, 3): batch, class, box index.
*/
#include "ops/kernel.h"

#include <math.h>
#include <stdlib.h>

typedef struct nms_cand {
    double score;
    int64_t box;
} nms_cand;

static int by_score(const void *a, const void *b) {
    const nms_cand *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return x->box < y->box ? -1 : x->box > y->box;
}

/* The box as (ymin, xmin, ymax, xmax). */
static void corners(const lp_tensor *boxes, int64_t at, bool center, double *c) {
    double v[4];
    for (int i = 0; i < 4; i++) v[i] = lp_get_f64(boxes, at + i);
    if (center) {
        c[0] = v[1] - v[3] / 2, c[1] = v[0] - v[2] / 2;
        c[2] = v[1] + v[3] / 2, c[3] = v[0] + v[2] / 2;
        return;
    }
    c[0] = fmin(v[0], v[2]), c[1] = fmin(v[1], v[3]);
    c[2] = fmax(v[0], v[2]), c[3] = fmax(v[1], v[3]);
}

static double iou(const double *a, const double *b) {
    double ih = fmin(a[2], b[2]) - fmax(a[0], b[0]), iw = fmin(a[3], b[3]) - fmax(a[1], b[1]);
    if (ih <= 0 || iw <= 0) return 0;
    double inter = ih * iw;
    double ua = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
    return ua > 0 ? inter / ua : 0;
}

int lp_k_non_max_suppression(lp_kctx *k) {
    const lp_tensor *boxes = lp_in(k, 0), *scores = lp_in(k, 1), *mo = lp_in(k, 2);
    const lp_tensor *it = lp_in(k, 3), *st = lp_in(k, 4);
    if (!boxes || !scores) return lp_kfail(k, "boxes and scores are required");
    if (!lp_dtype_is_float(boxes->dtype) || !lp_dtype_is_float(scores->dtype))
        return lp_kbad(k, "boxes and scores must be float");
    if (boxes->rank != 3 || boxes->dims[2] != 4 || scores->rank != 3 ||
        scores->dims[0] != boxes->dims[0] || scores->dims[2] != boxes->dims[1])
        return lp_kbad(k, "boxes must be (batches, boxes, 4) and scores (batches, classes, boxes)");
    if ((mo && (mo->numel != 1 || !lp_dtype_is_int(mo->dtype))) ||
        (it && (it->numel != 1 || !lp_dtype_is_float(it->dtype))) ||
        (st && (st->numel != 1 || !lp_dtype_is_float(st->dtype))))
        return lp_kbad(k, "the limit and thresholds must be single values");
    int64_t max_out = mo ? lp_get_i64(mo, 0) : 0;
    double iou_t = it ? lp_get_f64(it, 0) : 0.0;
    bool has_st = st != NULL;
    double score_t = st ? lp_get_f64(st, 0) : 0.0;
    bool center = lp_attr_int(k->node, "center_point_box", 0) != 0;
    int64_t NB = boxes->dims[0], NC = scores->dims[1], NBox = boxes->dims[1];
    if (max_out < 0) max_out = 0;
    if (max_out > NBox) max_out = NBox;
    nms_cand *cand = malloc((size_t)(NBox + 1) * sizeof *cand);
    double *kept = malloc((size_t)(NBox + 1) * 4 * sizeof *kept);
    size_t cap = 64, n = 0;
    int64_t *sel = malloc(cap * 3 * sizeof *sel);
    if (!cand || !kept || !sel) {
        free(cand), free(kept), free(sel);
        return lp_kfail(k, "out of memory");
    }
    for (int64_t b = 0; b < NB; b++)
        for (int64_t c = 0; c < NC && max_out > 0; c++) {
            int64_t nc = 0, nk = 0;
            for (int64_t i = 0; i < NBox; i++) {
                double s = lp_get_f64(scores, (b * NC + c) * NBox + i);
                if (has_st && !(s > score_t)) continue;
                cand[nc++] = (nms_cand){s, i};
            }
            qsort(cand, (size_t)nc, sizeof *cand, by_score);
            for (int64_t i = 0; i < nc && nk < max_out; i++) {
                double box[4];
                corners(boxes, (b * NBox + cand[i].box) * 4, center, box);
                bool keep = true;
                for (int64_t j = 0; j < nk && keep; j++) keep = iou(box, kept + 4 * j) <= iou_t;
                if (!keep) continue;
                for (int q = 0; q < 4; q++) kept[4 * nk + q] = box[q];
                nk++;
                if (n == cap) {
                    cap *= 2;
                    int64_t *p = realloc(sel, cap * 3 * sizeof *sel);
                    if (!p) {
                        free(cand), free(kept), free(sel);
                        return lp_kfail(k, "out of memory");
                    }
                    sel = p;
                }
                sel[3 * n] = b, sel[3 * n + 1] = c, sel[3 * n + 2] = cand[i].box;
                n++;
            }
        }
    int64_t dims[2] = {(int64_t)n, 3};
    lp_tensor *Y = lp_out(k, 0, LP_INT64, 2, dims);
    if (Y)
        for (size_t i = 0; i < 3 * n; i++) ((int64_t *)Y->data)[i] = sel[i];
    free(cand), free(kept), free(sel);
    return Y ? LP_OK : LP_EFAIL;
}
