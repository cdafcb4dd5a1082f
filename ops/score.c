/*
** score.c — OML scoring: records -> input tensors -> run -> results.
**
** Each input record is a map from input tensor name to a nested array whose
** first level is rows ([[...], [...]]); rows of all records are stacked
** along the batch dimension and each row yields one scoring result.
**
** An image package (metadata.json with height, width and channel) also
** takes, for its one input, a string: an image file in base64. It is
** decoded, resized bilinearly to width x height, put in the channel order
** inputChannel names (RGB by default), normalised as (pixel - mean[c]) *
** scale[c] and laid out as inputTensorDimNames says (by default, as the
** input's shape shows). Arrays are fed as they are, without normalising.
*/
#include "ops/score.h"

#include "model/base64.h"
#include "ops/image.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- request -> tensors ---- */

/* Counts the leaves of a nested JSON array (or 1 for a scalar). */
static int64_t count_leaves(const cJSON *v, int depth) {
    if (depth > 8) return -1;
    if (!cJSON_IsArray(v)) return 1;
    int64_t n = 0;
    for (const cJSON *c = v->child; c; c = c->next) {
        int64_t k = count_leaves(c, depth + 1);
        if (k < 0) return -1;
        n += k;
    }
    return n;
}

typedef struct fill_ctx {
    lp_tensor *t;
    int64_t at;
    const char *input;
    int record;
    lp_error *err;
    const char *path;
} fill_ctx;

static int put_leaf(fill_ctx *f, const cJSON *v) {
    lp_tensor *t = f->t;
    int64_t i = f->at++;
    if (t->dtype == LP_STRING) {
        char buf[64];
        const char *s = buf;
        if (cJSON_IsString(v)) s = v->valuestring;
        else if (cJSON_IsNumber(v)) snprintf(buf, sizeof buf, "%.17g", v->valuedouble);
        else if (cJSON_IsBool(v)) s = cJSON_IsTrue(v) ? "true" : "false";
        else return lp_fail(f->err, LP_EINPUT, "%s: record %d, input '%s': expects strings", f->path, f->record, f->input);
        char **d = t->data;
        free(d[i]);
        d[i] = lp_xstrdup(s);
        return LP_OK;
    }
    double x;
    if (cJSON_IsNumber(v)) x = v->valuedouble;
    else if (cJSON_IsBool(v)) x = cJSON_IsTrue(v);
    else if (cJSON_IsString(v) && lp_dtype_is_float(t->dtype)) {
        /* OML requests carry missing values as "NaN" */
        char *end;
        x = strtod(v->valuestring, &end);
        if (end == v->valuestring || *end)
            return lp_fail(f->err, LP_EINPUT,
                           "%s: record %d, input '%s': \"%.40s%s\" is not a number", f->path,
                           f->record, f->input, v->valuestring,
                           strlen(v->valuestring) > 40 ? "..." : "");
    } else if (cJSON_IsNull(v) && lp_dtype_is_float(t->dtype)) {
        x = NAN;
    } else {
        return lp_fail(f->err, LP_EINPUT, "%s: record %d, input '%s': expects %s values", f->path,
                       f->record, f->input, lp_dtype_name(t->dtype));
    }
    if (lp_dtype_is_int(t->dtype) && (x != floor(x) || !isfinite(x)))
        return lp_fail(f->err, LP_EINPUT, "%s: record %d, input '%s': %g is not an integer",
                       f->path, f->record, f->input, x);
    lp_store_f64(t->dtype, t->data, (size_t)i, x);
    return LP_OK;
}

static int put_all(fill_ctx *f, const cJSON *v) {
    if (!cJSON_IsArray(v)) return put_leaf(f, v);
    for (const cJSON *c = v->child; c; c = c->next) {
        int rc = put_all(f, c);
        if (rc) return rc;
    }
    return LP_OK;
}

static int nesting(const cJSON *v) {
    int d = 0;
    for (; cJSON_IsArray(v) && d < 16; v = v->child) d++;
    return d;
}

/* ---- image records ---- */

/* The image fields of metadata.json, as scoring uses them. */
typedef struct image_spec {
    bool on; /* an image package: height, width and channel are set */
    int64_t size[4];  /* by name: batch (unused), height, width, channel */
    int pos[4];       /* the input dim holding batch, height, width, channel */
    lp_pixel_format order;
    double mean[3], scale[3];
} image_spec;

static const char *const dim_names[4] = {"batch", "height", "width", "channel"};

/* Could the input's dims hold the image with this layout? (-1 dims fit all.) */
static bool layout_fits(const lp_type *t, const int pos[4], const int64_t size[4]) {
    for (int k = 1; k < 4; k++)
        if (t->dims[pos[k]].value >= 0 && t->dims[pos[k]].value != size[k]) return false;
    return true;
}

/* mean or scale: absent is dflt; else one number per channel. */
static int per_channel(const cJSON *meta, const char *field, int channels, double dflt,
                       double *out, const char *path, lp_error *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(meta, field);
    for (int c = 0; c < channels; c++) out[c] = dflt;
    if (!v) return LP_OK;
    int n = cJSON_GetArraySize(v), c = 0;
    if (!cJSON_IsArray(v) || n != channels)
        return lp_fail(err, LP_EINPUT, "%s: metadata.json: '%s' must be an array of %d numbers, "
                       "one per channel", path, field, channels);
    for (const cJSON *it = v->child; it; it = it->next, c++) {
        if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble))
            return lp_fail(err, LP_EINPUT, "%s: metadata.json: '%s' item %d is not a number",
                           path, field, c + 1);
        out[c] = it->valuedouble;
    }
    return LP_OK;
}

bool lp_score_is_image_meta(const cJSON *meta) {
    for (int k = 1; k < 4 && cJSON_IsObject(meta); k++)
        if (cJSON_GetObjectItemCaseSensitive(meta, dim_names[k])) return true;
    return false;
}

/* Reads the image fields; im->on stays false for a package without them. */
static int image_spec_read(const lp_graph *g, const cJSON *meta, const char *path,
                           image_spec *im, lp_error *err) {
    memset(im, 0, sizeof *im);
    if (!lp_score_is_image_meta(meta)) return LP_OK; /* also when meta is no object */
    for (int k = 1; k < 4; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(meta, dim_names[k]);
        if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 65536 ||
            v->valuedouble != floor(v->valuedouble))
            return lp_fail(err, LP_EINPUT, "%s: metadata.json: an image package needs '%s', a "
                           "positive integer up to 65536", path, dim_names[k]);
        im->size[k] = (int64_t)v->valuedouble;
    }
    int ch = (int)im->size[3];
    if (ch != 1 && ch != 3)
        return lp_fail(err, LP_EUNSUPPORTED, "%s: metadata.json: 'channel' is %d; images are "
                       "scored with 1 (grey) or 3 (RGB or BGR) channels", path, ch);
    const cJSON *ic = cJSON_GetObjectItemCaseSensitive(meta, "inputChannel");
    im->order = LP_PIX_RGB;
    if (ic && cJSON_IsString(ic) && !strcmp(ic->valuestring, "BGR")) im->order = LP_PIX_BGR;
    else if (ic && !(cJSON_IsString(ic) && !strcmp(ic->valuestring, "RGB")))
        return lp_fail(err, LP_EINPUT, "%s: metadata.json: 'inputChannel' must be \"RGB\" or "
                       "\"BGR\"", path);
    if (ch == 1) im->order = LP_PIX_GRAY;
    int rc = per_channel(meta, "mean", ch, 0, im->mean, path, err);
    if (!rc) rc = per_channel(meta, "scale", ch, 1, im->scale, path, err);
    if (rc) return rc;

    if (g->n_inputs != 1)
        return lp_fail(err, LP_EINPUT, "%s: an image model takes one input, this one has %d", path,
                       g->n_inputs);
    const lp_value *in = &g->values[g->inputs[0]];
    const lp_type *t = &in->type;
    if (t->kind != LP_KIND_TENSOR || (t->rank >= 0 && t->rank != 4))
        return lp_fail(err, LP_EINPUT, "%s: input '%s' is not a rank-4 tensor, as an image "
                       "model's input must be", path, in->name);
    /* the layout: named, or else NHWC unless only NCHW fits the input */
    static const int nhwc[4] = {0, 1, 2, 3}, nchw[4] = {0, 2, 3, 1};
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(meta, "inputTensorDimNames");
    memcpy(im->pos, nhwc, sizeof nhwc);
    if (names) {
        int i = 0, seen = 0;
        if (!cJSON_IsArray(names) || cJSON_GetArraySize(names) != 4) i = -1;
        for (const cJSON *it = i < 0 ? NULL : names->child; it; it = it->next, i++)
            for (int k = 0; k < 4; k++)
                if (cJSON_IsString(it) && !strcmp(it->valuestring, dim_names[k])) {
                    im->pos[k] = i;
                    seen |= 1 << k;
                }
        if (seen != 15 || im->pos[0] != 0)
            return lp_fail(err, LP_EINPUT, "%s: metadata.json: 'inputTensorDimNames' must name "
                           "\"batch\" first, then \"height\", \"width\" and \"channel\" in "
                           "the input's order", path);
    } else if (t->rank == 4 && !layout_fits(t, nhwc, im->size) && layout_fits(t, nchw, im->size)) {
        memcpy(im->pos, nchw, sizeof nchw);
    }
    for (int k = 1; k < 4 && t->rank == 4; k++) {
        int64_t d = t->dims[im->pos[k]].value;
        if (d >= 0 && d != im->size[k])
            return lp_fail(err, LP_EINPUT, "%s: metadata.json: '%s' is %lld, but dim %d of input "
                           "'%s' (its %s) is %lld", path, dim_names[k], (long long)im->size[k],
                           im->pos[k] + 1, in->name, dim_names[k], (long long)d);
    }
    im->on = true;
    return LP_OK;
}

/* One record's image: base64 file -> decoded -> resized -> normalised, into
** the tensor at f->at in the input's layout. */
static int put_image(fill_ctx *f, const cJSON *v, const image_spec *im) {
    const char *s = v->valuestring;
    uint8_t *bytes = NULL;
    size_t n;
    lp_error e = {0};
    if (lp_base64_decode(s, strlen(s), &bytes, &n, &e))
        return lp_fail(f->err, LP_EINPUT, "%s: inputRecords[%d], input '%s': the string is not "
                       "base64 image data: %s", f->path, f->record, f->input, e.msg);
    lp_image img;
    int rc = lp_image_decode(bytes, n, im->order, &img, &e);
    free(bytes);
    if (rc)
        return lp_fail(f->err, rc, "%s: inputRecords[%d], input '%s': %s", f->path, f->record,
                       f->input, e.msg);
    int64_t h = im->size[1], w = im->size[2], c = im->size[3];
    float *px = lp_xmalloc((size_t)(h * w * c) * sizeof *px);
    lp_image_resize_bilinear(&img, (int)w, (int)h, px);
    lp_image_free(&img);
    /* strides of height, width and channel within one row of the batch */
    int64_t dims[4], stride[4];
    for (int k = 1; k < 4; k++) dims[im->pos[k]] = im->size[k];
    stride[3] = 1;
    for (int d = 2; d >= 1; d--) stride[d] = stride[d + 1] * dims[d + 1];
    int64_t sh = stride[im->pos[1]], sw = stride[im->pos[2]], sc = stride[im->pos[3]];
    const float *p = px;
    for (int64_t y = 0; y < h; y++)
        for (int64_t x = 0; x < w; x++)
            for (int64_t k = 0; k < c; k++, p++)
                lp_store_f64(f->t->dtype, f->t->data, (size_t)(f->at + y * sh + x * sw + k * sc),
                             (*p - im->mean[k]) * im->scale[k]);
    f->at += h * w * c;
    free(px);
    return LP_OK;
}

/* A value nested as deep as the input's rank lists rows ([[...],[...]] for a
** rank-2 input); one level less (a flat row, an HWC image) is one row. */
static int rows_count(const cJSON *v, int rank) {
    if (rank < 1 || nesting(v) < rank) return 1;
    return cJSON_GetArraySize(v);
}

static int build_inputs(const lp_graph *g, const cJSON *records, const image_spec *im,
                        lp_rvalue *ins, int64_t *n_rows, const char *path, lp_error *err) {
    int n_rec = cJSON_GetArraySize(records);
    /* every record names every input, with the same row count across inputs */
    int64_t rows = 0;
    int64_t *rec_rows = lp_xcalloc((size_t)n_rec + 1, sizeof *rec_rows);
    int r = 0, rc = LP_OK;
    for (const cJSON *rec = records->child; rec; rec = rec->next, r++) {
        if (!cJSON_IsObject(rec)) {
            rc = lp_fail(err, LP_EINPUT, "%s: inputRecords[%d] must be an object of input names", path, r);
            goto done;
        }
        for (const cJSON *kv = rec->child; kv; kv = kv->next) {
            if (lp_graph_find_value(g, kv->string) < 0 || g->values[lp_graph_find_value(g, kv->string)].is_input == false) {
                lp_buf names = {0};
                for (int i = 0; i < g->n_inputs; i++)
                    lp_buf_printf(&names, "%s'%s'", i ? ", " : "", g->values[g->inputs[i]].name);
                rc = lp_fail(err, LP_EINPUT, "%s: inputRecords[%d]: '%s' is not an input of the model (inputs: %s)",
                             path, r, kv->string, names.data ? names.data : "none");
                lp_buf_free(&names);
                goto done;
            }
        }
        int64_t here = -1;
        for (int i = 0; i < g->n_inputs; i++) {
            const lp_value *v = &g->values[g->inputs[i]];
            const cJSON *val = cJSON_GetObjectItemCaseSensitive(rec, v->name);
            if (!val) {
                rc = lp_fail(err, LP_EINPUT, "%s: inputRecords[%d] lacks input '%s'", path, r, v->name);
                goto done;
            }
            int64_t k = rows_count(val, v->type.rank < 1 ? 2 : v->type.rank);
            if (here >= 0 && k != here) {
                rc = lp_fail(err, LP_EINPUT, "%s: inputRecords[%d]: input '%s' has %lld rows, the others %lld",
                             path, r, v->name, (long long)k, (long long)here);
                goto done;
            }
            here = k;
        }
        rec_rows[r] = here < 0 ? 1 : here;
        rows += rec_rows[r];
    }
    for (int i = 0; i < g->n_inputs; i++) {
        const lp_value *v = &g->values[g->inputs[i]];
        const lp_type *t = &v->type;
        if (t->kind != LP_KIND_TENSOR) {
            rc = lp_fail(err, LP_EUNSUPPORTED, "%s: input '%s' is not a tensor; scoring needs tensors", path, v->name);
            goto done;
        }
        /* per-row element count: the known dims after the batch dim (an
        ** image input's come from metadata.json) */
        bool image = im->on && i == 0;
        int rank = image ? 4 : t->rank < 1 ? 2 : t->rank;
        int64_t dims[LP_MAX_RANK], per_row = 1;
        bool unknown = false;
        dims[0] = rows;
        for (int d = 1; d < rank; d++) {
            dims[d] = t->rank > d ? t->dims[d].value : -1;
            for (int k = 1; image && k < 4; k++)
                if (im->pos[k] == d) dims[d] = im->size[k];
            if (dims[d] < 0) unknown = true;
            else per_row *= dims[d];
        }
        const cJSON *first = cJSON_GetObjectItemCaseSensitive(records->child, v->name);
        int64_t leaves_first = count_leaves(first, 0);
        if (leaves_first < 0) {
            rc = lp_fail(err, LP_EINPUT, "%s: input '%s' nests too deeply", path, v->name);
            goto done;
        }
        if (unknown) {
            /* infer the one unknown trailing size from the first record */
            int64_t row_len = rec_rows[0] ? leaves_first / rec_rows[0] : 0;
            for (int d = 1; d < rank; d++)
                if (dims[d] < 0) {
                    dims[d] = per_row ? row_len / per_row : 0;
                    per_row *= dims[d];
                    break;
                }
            for (int d = 1; d < rank; d++)
                if (dims[d] < 0) dims[d] = 1;
        }
        rc = lp_tensor_alloc(&ins[i].t, t->elem ? t->elem : LP_FLOAT, rank, dims, err);
        if (rc) {
            rc = lp_fail(err, LP_EINPUT, "%s: input '%s': %s", path, v->name, err->msg);
            goto done;
        }
        ins[i].kind = LP_RV_TENSOR;
        fill_ctx f = {.t = &ins[i].t, .input = v->name, .err = err, .path = path};
        r = 0;
        for (const cJSON *rec = records->child; rec; rec = rec->next, r++) {
            const cJSON *val = cJSON_GetObjectItemCaseSensitive(rec, v->name);
            f.record = r;
            if (image && cJSON_IsString(val)) {
                if ((rc = put_image(&f, val, im))) goto done;
                continue;
            }
            int64_t leaves = count_leaves(val, 0);
            if (leaves != rec_rows[r] * per_row) {
                rc = lp_fail(err, LP_EINPUT,
                             "%s: inputRecords[%d], input '%s': %lld values in %lld row(s); the model "
                             "expects %lld per row",
                             path, r, v->name, (long long)leaves, (long long)rec_rows[r], (long long)per_row);
                goto done;
            }
            if ((rc = put_all(&f, val))) goto done;
        }
    }
    *n_rows = rows;
done:
    free(rec_rows);
    return rc;
}

/* ---- outputs -> results ---- */

static int find_output(const lp_graph *g, const char *name) {
    for (int i = 0; i < g->n_outputs; i++)
        if (!strcmp(g->values[g->outputs[i]].name, name)) return i;
    return -1;
}

/* The output a metadata field names, or a default chosen by kind. */
static int pick_output(const lp_graph *g, const cJSON *meta, const char *field, lp_kind want_kind,
                       const char *path, lp_error *err, int *out) {
    const cJSON *f = meta ? cJSON_GetObjectItemCaseSensitive(meta, field) : NULL;
    if (cJSON_IsString(f)) {
        int k = find_output(g, f->valuestring);
        if (k < 0)
            return lp_fail(err, LP_EINPUT, "%s: metadata.json: %s '%s' is not an output of the model",
                           path, field, f->valuestring);
        *out = k;
        return LP_OK;
    }
    *out = -1;
    for (int i = 0; i < g->n_outputs && *out < 0; i++)
        if (g->values[g->outputs[i]].type.kind == want_kind) *out = i;
    if (*out < 0 && g->n_outputs == 1) *out = 0;
    return LP_OK;
}

typedef struct scored {
    char label[128];
    double value;
} scored;

static int by_value_desc(const void *a, const void *b) {
    double x = ((const scored *)a)->value, y = ((const scored *)b)->value;
    return x < y ? 1 : x > y ? -1 : 0;
}

static int by_value_asc(const void *a, const void *b) { return -by_value_desc(a, b); }

/* Row r of a [batch, C] (or [batch]) tensor into items. */
static int row_items(const lp_tensor *t, int64_t r, const lp_package *p, scored **items) {
    int64_t c = t->rank >= 2 ? t->numel / (t->dims[0] ? t->dims[0] : 1) : 1;
    scored *it = lp_xcalloc((size_t)c + 1, sizeof *it);
    for (int64_t j = 0; j < c; j++) {
        if (p->has_labels && j < p->n_labels) snprintf(it[j].label, sizeof it[j].label, "%s", p->labels[j]);
        else snprintf(it[j].label, sizeof it[j].label, "%lld", (long long)j);
        it[j].value = lp_load_f64(t->dtype, t->data, (size_t)(r * c + j));
    }
    *items = it;
    return (int)c;
}

/* Row r of a ZipMap output (a sequence of maps, label -> probability). */
static int map_items(const lp_rvalue *seq, int64_t r, scored **items) {
    if (seq->kind != LP_RV_SEQUENCE || r >= seq->n_items || seq->items[r].kind != LP_RV_MAP) return -1;
    const lp_rvalue *m = &seq->items[r];
    int64_t c = m->keys.numel;
    scored *it = lp_xcalloc((size_t)c + 1, sizeof *it);
    for (int64_t j = 0; j < c; j++) {
        if (m->keys.dtype == LP_STRING) snprintf(it[j].label, sizeof it[j].label, "%s", ((char **)m->keys.data)[j]);
        else snprintf(it[j].label, sizeof it[j].label, "%lld", (long long)lp_load_i64(m->keys.dtype, m->keys.data, (size_t)j));
        it[j].value = lp_load_f64(m->vals.dtype, m->vals.data, (size_t)j);
    }
    *items = it;
    return (int)c;
}

static cJSON *ranked(scored *it, int n, int top_n, const char *key_name, const char *value_name, bool ascending) {
    qsort(it, (size_t)n, sizeof *it, ascending ? by_value_asc : by_value_desc);
    cJSON *arr = cJSON_CreateArray();
    for (int j = 0; j < n && (top_n <= 0 || j < top_n); j++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, key_name, it[j].label);
        cJSON_AddNumberToObject(e, value_name, isfinite(it[j].value) ? it[j].value : 0);
        cJSON_AddItemToArray(arr, e);
    }
    return arr;
}

static int tensor_output(const lp_graph *g, lp_rvalue **outs, int k, const char *what, const char *path,
                         lp_error *err, const lp_tensor **t) {
    if (k < 0) return lp_fail(err, LP_EINPUT, "%s: cannot tell which output holds the %s; name it in metadata.json", path, what);
    if (outs[k]->kind != LP_RV_TENSOR)
        return lp_fail(err, LP_EINPUT, "%s: output '%s' (the %s) is not a tensor", path,
                       g->values[g->outputs[k]].name, what);
    *t = &outs[k]->t;
    return LP_OK;
}

int lp_score(lp_session *s, const lp_package *p, const cJSON *request, const lp_score_opts *o,
             cJSON **response, lp_error *err) {
    const lp_model *m = lp_session_model(s);
    const lp_graph *g = m->graph;
    const char *path = p->path;
    *response = NULL;
    if (!cJSON_IsObject(request)) return lp_fail(err, LP_EINPUT, "the request must be a JSON object with inputRecords");
    const cJSON *records = cJSON_GetObjectItemCaseSensitive(request, "inputRecords");
    if (!cJSON_IsArray(records) || cJSON_GetArraySize(records) == 0)
        return lp_fail(err, LP_EINPUT, "the request needs a non-empty 'inputRecords' array");
    int top_n = o ? o->top_n : 0;
    const cJSON *tn = cJSON_GetObjectItemCaseSensitive(request, "topN");
    if (tn) {
        if (!cJSON_IsNumber(tn) || tn->valuedouble < 1 || tn->valuedouble != floor(tn->valuedouble))
            return lp_fail(err, LP_EINPUT, "the request's 'topN' must be an integer >= 1");
        top_n = (int)tn->valuedouble;
    }
    const cJSON *meta = p->metadata;
    const char *function = o && o->function ? o->function : NULL;
    const cJSON *fn = meta ? cJSON_GetObjectItemCaseSensitive(meta, "function") : NULL;
    if (!function && cJSON_IsString(fn)) function = fn->valuestring;
    if (!function)
        return lp_fail(err, LP_EINPUT, "%s: no function to score with (metadata.json has none; give --function)", path);

    image_spec im;
    int rc = image_spec_read(g, meta, path, &im, err);
    if (rc) return rc;
    lp_rvalue *ins = lp_xcalloc((size_t)g->n_inputs + 1, sizeof *ins);
    int64_t rows = 0;
    rc = build_inputs(g, records, &im, ins, &rows, path, err);
    lp_rvalue **outs = lp_xcalloc((size_t)g->n_outputs + 1, sizeof *outs);
    if (!rc) rc = lp_session_run(s, ins, g->n_inputs, outs, err);
    cJSON *doc = NULL;
    if (!rc) {
        doc = cJSON_CreateObject();
        cJSON *results = cJSON_AddArrayToObject(doc, "scoringResults");
        int k;
        if (!strcasecmp(function, "regression")) {
            const lp_tensor *t = NULL;
            rc = pick_output(g, meta, "regressionOutput", LP_KIND_TENSOR, path, err, &k);
            if (!rc) rc = tensor_output(g, outs, k, "regression value", path, err, &t);
            for (int64_t r = 0; !rc && r < rows; r++) {
                int64_t per = t->numel / (rows ? rows : 1);
                cJSON *e = cJSON_CreateObject();
                double v = lp_load_f64(t->dtype, t->data, (size_t)(r * (per ? per : 1)));
                cJSON_AddNumberToObject(e, "regression", isfinite(v) ? v : 0);
                cJSON_AddItemToArray(results, e);
            }
        } else if (!strcasecmp(function, "classification")) {
            /* a ZipMap output (sequence of maps) carries labels itself */
            int zip = -1;
            for (int i = 0; i < g->n_outputs; i++)
                if (outs[i]->kind == LP_RV_SEQUENCE) zip = i;
            const cJSON *pf = meta ? cJSON_GetObjectItemCaseSensitive(meta, "classificationProbOutput") : NULL;
            rc = pick_output(g, meta, "classificationProbOutput", LP_KIND_TENSOR, path, err, &k);
            if (!rc && !cJSON_IsString(pf) && zip >= 0) k = zip;
            if (!rc && k < 0)
                rc = lp_fail(err, LP_EINPUT, "%s: cannot tell which output holds the probabilities; set classificationProbOutput", path);
            for (int64_t r = 0; !rc && r < rows; r++) {
                scored *it = NULL;
                int n = outs[k]->kind == LP_RV_SEQUENCE ? map_items(outs[k], r, &it)
                                                         : row_items(&outs[k]->t, r, p, &it);
                if (n < 0) {
                    rc = lp_fail(err, LP_EFAIL, "%s: output '%s' has no row %lld", path,
                                 g->values[g->outputs[k]].name, (long long)r);
                    break;
                }
                cJSON *e = cJSON_CreateObject();
                cJSON_AddItemToObject(e, "classifications", ranked(it, n, top_n, "label", "probability", false));
                cJSON_AddItemToArray(results, e);
                free(it);
            }
        } else if (!strcasecmp(function, "clustering")) {
            const cJSON *df = meta ? cJSON_GetObjectItemCaseSensitive(meta, "clusteringDistanceOutput") : NULL;
            bool distance = cJSON_IsString(df);
            const lp_tensor *t = NULL;
            rc = pick_output(g, meta, distance ? "clusteringDistanceOutput" : "clusteringProbOutput",
                             LP_KIND_TENSOR, path, err, &k);
            if (!rc) rc = tensor_output(g, outs, k, "cluster scores", path, err, &t);
            for (int64_t r = 0; !rc && r < rows; r++) {
                scored *it = NULL;
                int n = row_items(t, r, p, &it);
                cJSON *e = cJSON_CreateObject();
                cJSON_AddItemToObject(e, "clusters", ranked(it, n, top_n, "clusterId",
                                                            distance ? "distance" : "probability", distance));
                cJSON_AddItemToArray(results, e);
                free(it);
            }
        } else if (!strcasecmp(function, "feature_extraction")) {
            const lp_tensor *t = NULL;
            rc = pick_output(g, meta, "featureExtractionOutput", LP_KIND_TENSOR, path, err, &k);
            if (!rc && k < 0) k = 0;
            if (!rc) rc = tensor_output(g, outs, k, "features", path, err, &t);
            for (int64_t r = 0; !rc && r < rows; r++) {
                int64_t per = t->numel / (rows ? rows : 1);
                cJSON *w = cJSON_CreateArray();
                for (int64_t j = 0; j < per; j++) {
                    double v = lp_load_f64(t->dtype, t->data, (size_t)(r * per + j));
                    cJSON_AddItemToArray(w, cJSON_CreateNumber(isfinite(v) ? v : 0));
                }
                cJSON *e = cJSON_CreateObject();
                cJSON_AddItemToObject(e, "doubleWeights", w);
                cJSON_AddItemToArray(results, e);
            }
        } else {
            rc = lp_fail(err, LP_EINPUT, "%s: function '%s' is not one of classification, regression, "
                         "clustering, feature_extraction", path, function);
        }
    }
    for (int i = 0; i < g->n_inputs; i++) lp_rvalue_clear(&ins[i]);
    free(ins);
    free(outs);
    if (rc) {
        cJSON_Delete(doc);
        return rc;
    }
    *response = doc;
    return LP_OK;
}
