/*
** score.c — OML scoring: records -> input tensors -> run -> results.
**
** Each input record is a map from input tensor name to a nested array whose
** first level is rows ([[...], [...]]); rows of all records are stacked
** along the batch dimension and each row yields one scoring result.
*/
#include "ops/score.h"

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
            return lp_fail(f->err, LP_EINPUT, "%s: record %d, input '%s': \"%s\" is not a number",
                           f->path, f->record, f->input, v->valuestring);
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

/* A value nested as deep as the input's rank lists rows ([[...],[...]] for a
** rank-2 input); one level less (a flat row, an HWC image) is one row. */
static int rows_count(const cJSON *v, int rank) {
    if (rank < 1 || nesting(v) < rank) return 1;
    return cJSON_GetArraySize(v);
}

static int build_inputs(const lp_graph *g, const cJSON *records, lp_rvalue *ins, int64_t *n_rows,
                        const char *path, lp_error *err) {
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
        /* per-row element count: the known dims after the batch dim */
        int rank = t->rank < 1 ? 2 : t->rank;
        int64_t dims[LP_MAX_RANK], per_row = 1;
        bool unknown = false;
        dims[0] = rows;
        for (int d = 1; d < rank; d++) {
            dims[d] = t->rank > d ? t->dims[d].value : -1;
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
            int64_t leaves = count_leaves(val, 0);
            if (leaves != rec_rows[r] * per_row) {
                rc = lp_fail(err, LP_EINPUT,
                             "%s: inputRecords[%d], input '%s': %lld values in %lld row(s); the model "
                             "expects %lld per row",
                             path, r, v->name, (long long)leaves, (long long)rec_rows[r], (long long)per_row);
                goto done;
            }
            f.record = r;
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

    lp_rvalue *ins = lp_xcalloc((size_t)g->n_inputs + 1, sizeof *ins);
    int64_t rows = 0;
    int rc = build_inputs(g, records, ins, &rows, path, err);
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
