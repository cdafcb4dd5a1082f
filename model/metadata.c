/*
** metadata.c — validating an OML package: metadata.json against the OML
** Services ONNX rules (see ../shared/docs/oml-onnx-format.md) and against the
** model it describes, and label.txt against the classifier's outputs.
**
** Each problem names the field and why, with the value that was found, so
** the fix is obvious from one line. Errors are what OML Services refuses or
** misreads; warnings are legal but probably unintended.
*/
#include "package.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const lp_metadata_fields[] = {
    "function",
    "regressionOutput",
    "classificationProbOutput",
    "classificationLabelOutput",
    "clusteringDistanceOutput",
    "clusteringProbOutput",
    "inputTensorDimNames",
    "height",
    "width",
    "channel",
    "mean",
    "scale",
    "inputChannel",
    NULL,
};

static const char *const output_fields[] = {
    "regressionOutput",         "classificationProbOutput", "classificationLabelOutput",
    "clusteringDistanceOutput", "clusteringProbOutput",
};

static const char *const image_fields[] = {
    "inputTensorDimNames", "height", "width", "channel", "mean", "scale", "inputChannel",
};

static const char *const dim_names[] = {"batch", "height", "width", "channel"};

typedef enum { FN_NONE, FN_CLASSIFICATION, FN_REGRESSION, FN_CLUSTERING, FN_FEATURES } func;
static const char *const func_names[] = {"", "classification", "regression", "clustering",
                                         "feature_extraction"};

typedef struct vctx {
    const lp_package *p;
    const cJSON *md;
    const lp_graph *g;
    const char *model; /* the model's name in messages */
    lp_problems *out;
    int out_at[LP_COUNT(output_fields)]; /* value index each output field names, or -1 */
} vctx;

#define ERR(c, file, field, ...) lp_problems_add((c)->out, LP_SEV_ERROR, file, field, __VA_ARGS__)
#define WARN(c, file, field, ...) lp_problems_add((c)->out, LP_SEV_WARNING, file, field, __VA_ARGS__)
#define MD "metadata.json"
#define LABELS "label.txt"

/* ---- small helpers ---- */

static const cJSON *get(const vctx *c, const char *key) {
    return cJSON_GetObjectItemCaseSensitive(c->md, key);
}

/* A JSON value as it appears in the file, shortened for a message. */
static const char *shown(const cJSON *v, char *buf, size_t n) {
    char *text = cJSON_PrintUnformatted(v);
    if (!text) {
        snprintf(buf, n, "?");
        return buf;
    }
    if (strlen(text) > 48) snprintf(buf, n, "%.45s...", text);
    else snprintf(buf, n, "%s", text);
    free(text);
    return buf;
}

static const lp_value *val(const vctx *c, int v) { return &c->g->values[v]; }

static const char *type_of(const vctx *c, int v, char *buf, size_t n) {
    return lp_type_str(&val(c, v)->type, buf, n);
}

/* "a, b, c" for the model's outputs, for messages. */
static const char *output_list(const vctx *c, char *buf, size_t n) {
    size_t at = 0;
    buf[0] = 0;
    for (int i = 0; i < c->g->n_outputs && at < n; i++) {
        int w = snprintf(buf + at, n - at, "%s'%s'", i ? ", " : "", val(c, c->g->outputs[i])->name);
        if (w < 0) break;
        at += (size_t)w;
    }
    if (at >= n && n > 4) strcpy(buf + n - 4, "...");
    return buf;
}

static int output_field_index(const char *field) {
    for (size_t i = 0; i < LP_COUNT(output_fields); i++)
        if (!strcmp(output_fields[i], field)) return (int)i;
    return -1;
}

static int field_at(const vctx *c, const char *field) { return c->out_at[output_field_index(field)]; }

static bool is_prob_elem(lp_dtype t) { return t == LP_FLOAT || t == LP_DOUBLE; }

/* ---- the fields themselves ---- */

static void check_field_names(vctx *c) {
    int index = 0;
    for (const cJSON *it = c->md->child; it; it = it->next, index++) {
        const char *key = it->string ? it->string : "";
        int seen = 0, total = 0;
        int k = 0;
        for (const cJSON *o = c->md->child; o; o = o->next, k++)
            if (o->string && !strcmp(o->string, key)) {
                total++;
                if (k < index) seen++;
            }
        if (seen == 1)
            ERR(c, MD, key, "appears %d times; OML Services would use one of them, keep one", total);
        if (seen) continue;
        bool known = false;
        const char *near = NULL;
        for (int f = 0; lp_metadata_fields[f]; f++) {
            if (!strcmp(lp_metadata_fields[f], key)) known = true;
            else if (!strcasecmp(lp_metadata_fields[f], key)) near = lp_metadata_fields[f];
        }
        if (known) continue;
        if (near)
            WARN(c, MD, key, "unknown field; did you mean '%s'? (field names are case-sensitive)",
                 near);
        else
            WARN(c, MD, key, "unknown field; OML Services ignores it");
    }
}

static func check_function(vctx *c) {
    const cJSON *fn = get(c, "function");
    char buf[64];
    if (!fn) {
        ERR(c, MD, "function",
            "is required: one of classification, regression, clustering, feature_extraction");
        return FN_NONE;
    }
    if (!cJSON_IsString(fn)) {
        ERR(c, MD, "function",
            "must be a string (classification, regression, clustering or feature_extraction), "
            "got %s", shown(fn, buf, sizeof buf));
        return FN_NONE;
    }
    for (int f = FN_CLASSIFICATION; f <= FN_FEATURES; f++)
        if (!strcasecmp(fn->valuestring, func_names[f])) return (func)f;
    ERR(c, MD, "function",
        "must be one of classification, regression, clustering, feature_extraction, got %s",
        shown(fn, buf, sizeof buf));
    return FN_NONE;
}

/* Each *Output field must be a string naming one of the graph's outputs. */
static void check_output_names(vctx *c) {
    char buf[64], list[256];
    for (size_t i = 0; i < LP_COUNT(output_fields); i++) {
        c->out_at[i] = -1;
        const char *field = output_fields[i];
        const cJSON *v = get(c, field);
        if (!v) continue;
        if (!cJSON_IsString(v)) {
            ERR(c, MD, field, "must be a string naming a model output, got %s",
                shown(v, buf, sizeof buf));
            continue;
        }
        const char *name = v->valuestring;
        const char *near = NULL;
        for (int k = 0; k < c->g->n_outputs; k++) {
            const lp_value *o = val(c, c->g->outputs[k]);
            if (!strcmp(o->name, name)) c->out_at[i] = c->g->outputs[k];
            else if (!strcasecmp(o->name, name)) near = o->name;
        }
        if (c->out_at[i] >= 0) continue;
        if (near)
            ERR(c, MD, field,
                "'%s' is not an output of the model; did you mean '%s'? (output names are "
                "case-sensitive)", name, near);
        else if (lp_graph_find_value(c->g, name) >= 0)
            ERR(c, MD, field, "'%s' is a value inside the model, not one of its outputs (%s)", name,
                output_list(c, list, sizeof list));
        else
            ERR(c, MD, field, "'%s' is not an output of the model (outputs: %s)", name,
                output_list(c, list, sizeof list));
    }
}

/* Output fields that the chosen function does not read. */
static void check_unused_outputs(vctx *c, func fn) {
    static const func owner[] = {FN_REGRESSION, FN_CLASSIFICATION, FN_CLASSIFICATION,
                                 FN_CLUSTERING, FN_CLUSTERING};
    for (size_t i = 0; i < LP_COUNT(output_fields); i++)
        if (owner[i] != fn && get(c, output_fields[i]))
            WARN(c, MD, output_fields[i], "is ignored for a %s model", func_names[fn]);
}

/* ---- the mining functions ---- */

/* A float/double tensor [batch, 1]. `field` names the metadata field when the
** output was named there, else the problem is the model's. */
static void check_regression_output(vctx *c, int v, const char *field) {
    const lp_value *o = val(c, v);
    char ty[256];
    const char *file = field ? MD : c->model;
    char what[320];
    snprintf(what, sizeof what, "%s'%s'", field ? "" : "the model's output ", o->name);
    type_of(c, v, ty, sizeof ty);
    const lp_type *t = &o->type;
    if (t->kind == LP_KIND_UNKNOWN) {
        WARN(c, file, field, "%s has no declared type; a regression output must be a float or "
             "double tensor [batch, 1]", what);
        return;
    }
    if (t->kind != LP_KIND_TENSOR || !is_prob_elem(t->elem)) {
        ERR(c, file, field, "%s is %s; a regression output must be a float or double tensor "
            "[batch, 1]", what, ty);
        return;
    }
    if (t->rank < 0)
        WARN(c, file, field, "%s has no declared shape; OML Services needs [batch, 1]", what);
    else if (t->rank != 2 || t->dims[1].value > 1 || t->dims[1].value == 0)
        ERR(c, file, field, "%s is %s; a regression output must have shape [batch, 1]", what, ty);
    else if (t->dims[1].value < 0)
        WARN(c, file, field, "%s is %s; OML Services needs its second dim to be 1", what, ty);
}

static void check_regression(vctx *c) {
    char list[256];
    int at = field_at(c, "regressionOutput");
    if (get(c, "regressionOutput")) {
        if (at >= 0) check_regression_output(c, at, "regressionOutput");
    } else if (c->g->n_outputs == 1) {
        check_regression_output(c, c->g->outputs[0], NULL);
    } else {
        ERR(c, MD, "regressionOutput", "is required when the model has more than one output (%s)",
            output_list(c, list, sizeof list));
    }
}

/* The number of classes a probability output holds, when its shape says. */
static int64_t classes_of(const vctx *c, int v) {
    const lp_type *t = &val(c, v)->type;
    if (t->kind == LP_KIND_TENSOR && t->rank == 2) return t->dims[1].value;
    return -1;
}

static void check_label_count(vctx *c, int prob) {
    int64_t k = classes_of(c, prob);
    if (k >= 0 && c->p->n_labels != k)
        ERR(c, LABELS, NULL, "has %d label%s, but output '%s' gives %lld class probabilities",
            c->p->n_labels, c->p->n_labels == 1 ? "" : "s", val(c, prob)->name, (long long)k);
}

/* Probabilities: a float/double tensor, or a sequence of maps (ZipMap). */
static bool check_prob_output(vctx *c, int v, const char *field) {
    const lp_type *t = &val(c, v)->type;
    char ty[256];
    if (t->kind == LP_KIND_UNKNOWN) return true;
    if (t->kind == LP_KIND_SEQUENCE && t->inner && t->inner->kind == LP_KIND_MAP) return true;
    if (t->kind == LP_KIND_TENSOR && (is_prob_elem(t->elem) || t->elem == LP_UNDEFINED)) {
        if (t->rank >= 0 && t->rank != 2)
            WARN(c, field ? MD : c->model, field,
                 "output '%s' is %s; probabilities are expected as [batch, classes]",
                 val(c, v)->name, type_of(c, v, ty, sizeof ty));
        return true;
    }
    ERR(c, field ? MD : c->model, field,
        "output '%s' is %s; probabilities must be a float or double tensor [batch, classes] or a "
        "sequence of maps", val(c, v)->name, type_of(c, v, ty, sizeof ty));
    return false;
}

static void check_classification(vctx *c) {
    const lp_package *p = c->p;
    const lp_graph *g = c->g;
    int prob_at = field_at(c, "classificationProbOutput");
    int label_at = field_at(c, "classificationLabelOutput");
    bool prob_given = get(c, "classificationProbOutput") != NULL;
    bool label_given = get(c, "classificationLabelOutput") != NULL;
    char ty[256], list[256];

    /* one output: a tensor of probabilities, labels from label.txt */
    if (g->n_outputs == 1 && val(c, g->outputs[0])->type.kind != LP_KIND_SEQUENCE &&
        val(c, g->outputs[0])->type.kind != LP_KIND_MAP) {
        int out = g->outputs[0];
        if (label_given)
            WARN(c, MD, "classificationLabelOutput",
                 "is ignored: the model has one output, so labels come from label.txt");
        if (!check_prob_output(c, out, prob_given ? "classificationProbOutput" : NULL)) return;
        if (!p->has_labels)
            ERR(c, LABELS, NULL, "is required: the model's only output '%s' holds probabilities "
                "without labels", val(c, out)->name);
        else
            check_label_count(c, out);
        return;
    }

    /* two outputs, a label tensor and a probability sequence (skl2onnx ZipMap) */
    if (g->n_outputs == 2) {
        int a = g->outputs[0], b = g->outputs[1];
        lp_kind ka = val(c, a)->type.kind, kb = val(c, b)->type.kind;
        int tensor = ka == LP_KIND_TENSOR && kb == LP_KIND_SEQUENCE   ? a
                     : kb == LP_KIND_TENSOR && ka == LP_KIND_SEQUENCE ? b
                                                                      : -1;
        if (tensor >= 0) {
            int seq = tensor == a ? b : a;
            if (prob_at == tensor)
                ERR(c, MD, "classificationProbOutput",
                    "names '%s', the label tensor; the probabilities are in sequence '%s'",
                    val(c, tensor)->name, val(c, seq)->name);
            if (label_at == seq)
                ERR(c, MD, "classificationLabelOutput",
                    "names '%s', the probability sequence; the labels are in tensor '%s'",
                    val(c, seq)->name, val(c, tensor)->name);
            if (p->has_labels)
                WARN(c, LABELS, NULL, "is ignored: the model outputs its labels ('%s')",
                     val(c, tensor)->name);
            return;
        }
    }

    /* every other shape of model */
    if (!prob_given)
        ERR(c, MD, "classificationProbOutput",
            "is required: the model's outputs (%s) are not one probability tensor, nor a label "
            "tensor with a probability sequence", output_list(c, list, sizeof list));
    if (!p->has_labels && !label_given)
        ERR(c, MD, "classificationLabelOutput", "is required when the package has no label.txt");
    if (p->has_labels && label_given)
        WARN(c, LABELS, NULL, "is ignored because 'classificationLabelOutput' is set");
    if (label_at >= 0) {
        lp_kind k = val(c, label_at)->type.kind;
        if (k != LP_KIND_TENSOR && k != LP_KIND_UNKNOWN)
            ERR(c, MD, "classificationLabelOutput", "output '%s' is %s; labels must be a tensor",
                val(c, label_at)->name, type_of(c, label_at, ty, sizeof ty));
    }
    if (prob_at >= 0 && check_prob_output(c, prob_at, "classificationProbOutput") &&
        p->has_labels && !label_given)
        check_label_count(c, prob_at);
}

static void check_clustering(vctx *c) {
    bool dist = get(c, "clusteringDistanceOutput") != NULL;
    bool prob = get(c, "clusteringProbOutput") != NULL;
    if (dist && prob) {
        ERR(c, MD, "clusteringProbOutput",
            "set only one of 'clusteringDistanceOutput' and 'clusteringProbOutput', not both");
        return;
    }
    if (!dist && !prob) {
        ERR(c, MD, NULL, "a clustering model needs one of 'clusteringDistanceOutput' (distances, "
            "nearest first) or 'clusteringProbOutput' (probabilities, likeliest first)");
        return;
    }
    const char *field = dist ? "clusteringDistanceOutput" : "clusteringProbOutput";
    int v = field_at(c, field);
    if (v < 0) return;
    const lp_type *t = &val(c, v)->type;
    char ty[256];
    if (t->kind == LP_KIND_UNKNOWN) return;
    if (t->kind != LP_KIND_TENSOR || !is_prob_elem(t->elem))
        ERR(c, MD, field, "output '%s' is %s; it must be a float or double tensor [batch, clusters]",
            val(c, v)->name, type_of(c, v, ty, sizeof ty));
    else if (t->rank >= 0 && t->rank != 2)
        ERR(c, MD, field, "output '%s' is %s; it must have shape [batch, clusters]",
            val(c, v)->name, type_of(c, v, ty, sizeof ty));
}

/* ---- images ---- */

/* A positive integer field: its value, 0 when absent, -1 when wrong. */
static int64_t positive_int(vctx *c, const char *field) {
    const cJSON *v = get(c, field);
    char buf[64];
    if (!v) return 0;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 1 ||
        v->valuedouble != floor(v->valuedouble)) {
        ERR(c, MD, field, "must be a positive integer, got %s", shown(v, buf, sizeof buf));
        return -1;
    }
    if (v->valuedouble > 65536) {
        ERR(c, MD, field, "is %s, larger than any image OML Services would resize to",
            shown(v, buf, sizeof buf));
        return -1;
    }
    return (int64_t)v->valuedouble;
}

/* mean and scale: one number per channel. */
static void check_per_channel(vctx *c, const char *field, int64_t channel) {
    const cJSON *v = get(c, field);
    char buf[64];
    if (!v) {
        WARN(c, MD, field, "is not set for an image model; OML Services' default is not "
             "documented, so set it (e.g. %s)", !strcmp(field, "mean") ? "[0, 0, 0]" : "[1, 1, 1]");
        return;
    }
    if (!cJSON_IsArray(v)) {
        ERR(c, MD, field, "must be an array of numbers, one per channel, got %s",
            shown(v, buf, sizeof buf));
        return;
    }
    int n = cJSON_GetArraySize(v), i = 0;
    for (const cJSON *it = v->child; it; it = it->next, i++) {
        if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble)) {
            ERR(c, MD, field, "must be an array of numbers; item %d is %s", i + 1,
                shown(it, buf, sizeof buf));
            return;
        }
        if (!strcmp(field, "scale") && it->valuedouble == 0)
            WARN(c, MD, field, "item %d is 0, which erases that channel", i + 1);
    }
    if (channel > 0 && n != channel)
        ERR(c, MD, field, "has %d value%s, but 'channel' is %lld; give one per channel", n,
            n == 1 ? "" : "s", (long long)channel);
}

/* inputTensorDimNames: fills pos[name] = dim index; false when unusable. */
static bool check_dim_names(vctx *c, int pos[4], const char *layout_hint) {
    const cJSON *v = get(c, "inputTensorDimNames");
    char buf[64];
    const char *field = "inputTensorDimNames";
    if (!v) {
        WARN(c, MD, field, "is not set; OML Services' default order is not documented, so set it%s",
             layout_hint);
        return false;
    }
    if (!cJSON_IsArray(v)) {
        ERR(c, MD, field, "must be an array of 4 names among batch, height, width, channel, got %s",
            shown(v, buf, sizeof buf));
        return false;
    }
    int n = cJSON_GetArraySize(v);
    if (n != 4) {
        ERR(c, MD, field, "has %d name%s; an image input has 4 dims (batch, height, width, channel)",
            n, n == 1 ? "" : "s");
        return false;
    }
    for (int k = 0; k < 4; k++) pos[k] = -1;
    int i = 0;
    for (const cJSON *it = v->child; it; it = it->next, i++) {
        int which = -1;
        if (cJSON_IsString(it))
            for (int k = 0; k < 4; k++)
                if (!strcmp(it->valuestring, dim_names[k])) which = k;
        if (which < 0) {
            ERR(c, MD, field, "item %d is %s; the names are \"batch\", \"height\", \"width\", "
                "\"channel\"", i + 1, shown(it, buf, sizeof buf));
            return false;
        }
        if (pos[which] >= 0) {
            ERR(c, MD, field, "names \"%s\" twice", dim_names[which]);
            return false;
        }
        pos[which] = i;
    }
    if (pos[0] != 0) {
        ERR(c, MD, field, "puts \"batch\" at position %d; the batch is the input's first dim",
            pos[0] + 1);
        return false;
    }
    return true;
}

/* Does [H, W, C] fit the input's dims at the given positions? */
static bool layout_fits(const lp_type *t, const int pos[4], const int64_t want[4]) {
    for (int k = 1; k < 4; k++) {
        int64_t d = t->dims[pos[k]].value;
        if (want[k] > 0 && d >= 0 && d != want[k]) return false;
    }
    return true;
}

static void check_image(vctx *c) {
    const lp_graph *g = c->g;
    char ty[256], buf[64];
    if (g->n_inputs != 1) {
        ERR(c, c->model, NULL, "an image model takes one input (the image), but this one has %d",
            g->n_inputs);
    }
    int in = g->n_inputs >= 1 ? g->inputs[0] : -1;
    const lp_type *t = in >= 0 ? &val(c, in)->type : NULL;
    bool four = t && t->kind == LP_KIND_TENSOR && t->rank == 4;
    if (t && t->rank >= 0 && !four)
        ERR(c, c->model, NULL, "input '%s' is %s; an image model's input has rank 4 (with the "
            "image fields of metadata.json)", val(c, in)->name, type_of(c, in, ty, sizeof ty));

    int64_t want[4] = {0};
    want[1] = positive_int(c, "height");
    want[2] = positive_int(c, "width");
    want[3] = positive_int(c, "channel");
    for (int k = 1; k < 4; k++)
        if (want[k] == 0) ERR(c, MD, dim_names[k], "is required for an image model");
    check_per_channel(c, "mean", want[3]);
    check_per_channel(c, "scale", want[3]);

    const cJSON *ic = get(c, "inputChannel");
    if (ic && (!cJSON_IsString(ic) || (strcmp(ic->valuestring, "RGB") && strcmp(ic->valuestring, "BGR"))))
        ERR(c, MD, "inputChannel", "must be \"RGB\" or \"BGR\", got %s", shown(ic, buf, sizeof buf));
    else if (!ic && want[3] != 1)
        WARN(c, MD, "inputChannel", "is not set; OML Services' default channel order is not "
             "documented, so set \"RGB\" or \"BGR\"");

    /* the order of the input's dims */
    static const int nchw[4] = {0, 2, 3, 1}, nhwc[4] = {0, 1, 2, 3};
    const char *hint = "";
    if (four) {
        bool a = layout_fits(t, nchw, want), b = layout_fits(t, nhwc, want);
        if (a && !b) hint = " (this input looks NCHW: [\"batch\", \"channel\", \"height\", \"width\"])";
        if (b && !a) hint = " (this input looks NHWC: [\"batch\", \"height\", \"width\", \"channel\"])";
    }
    int pos[4];
    bool named = check_dim_names(c, pos, hint);
    if (!four) return;
    if (named) {
        for (int k = 1; k < 4; k++) {
            int64_t d = t->dims[pos[k]].value;
            if (want[k] > 0 && d >= 0 && d != want[k])
                ERR(c, MD, dim_names[k], "is %lld, but input '%s' is %s: its dim %d (\"%s\" by "
                    "inputTensorDimNames) is %lld", (long long)want[k], val(c, in)->name,
                    type_of(c, in, ty, sizeof ty), pos[k] + 1, dim_names[k], (long long)d);
        }
    } else if (want[1] > 0 && want[2] > 0 && want[3] > 0 && !layout_fits(t, nchw, want) &&
               !layout_fits(t, nhwc, want)) {
        ERR(c, MD, NULL, "height %lld, width %lld, channel %lld fit neither NCHW nor NHWC of input "
            "'%s' (%s)", (long long)want[1], (long long)want[2], (long long)want[3],
            val(c, in)->name, type_of(c, in, ty, sizeof ty));
    }
}

static void check_inputs(vctx *c, bool image) {
    const lp_graph *g = c->g;
    char ty[256];
    if (image) {
        check_image(c);
        return;
    }
    for (int i = 0; i < g->n_inputs; i++) {
        int v = g->inputs[i];
        const lp_type *t = &val(c, v)->type;
        if (t->kind != LP_KIND_TENSOR && t->kind != LP_KIND_UNKNOWN)
            ERR(c, c->model, NULL, "input '%s' is %s; OML Services feeds tensors", val(c, v)->name,
                type_of(c, v, ty, sizeof ty));
        else if (t->rank < 0)
            WARN(c, c->model, NULL, "input '%s' has no declared shape; OML Services feeds rank 2 "
                 "[batch, features]", val(c, v)->name);
        else if (t->rank == 4)
            ERR(c, c->model, NULL, "input '%s' is %s, an image; image models need the image fields "
                "in metadata.json (height, width, channel, mean, scale, inputChannel, "
                "inputTensorDimNames)", val(c, v)->name, type_of(c, v, ty, sizeof ty));
        else if (t->rank != 2)
            ERR(c, c->model, NULL, "input '%s' is %s; OML Services feeds rank 2 [batch, features] "
                "(rank 4 for images)", val(c, v)->name, type_of(c, v, ty, sizeof ty));
    }
}

/* ---- label.txt on its own ---- */

static void check_labels_text(vctx *c) {
    const lp_package *p = c->p;
    if (!p->has_labels) return;
    if (p->n_labels == 0) {
        ERR(c, LABELS, NULL, "is empty; give one label per line, in training order");
        return;
    }
    for (int i = 0; i < p->n_labels; i++) {
        if (!p->labels[i][0]) {
            WARN(c, LABELS, NULL, "line %d is empty", i + 1);
            continue;
        }
        for (int j = 0; j < i; j++)
            if (!strcmp(p->labels[i], p->labels[j])) {
                WARN(c, LABELS, NULL, "label '%s' is on lines %d and %d", p->labels[i], j + 1, i + 1);
                break;
            }
    }
}

int lp_metadata_validate(const lp_package *p, lp_problems *out) {
    int before = lp_problems_errors(out);
    vctx c = {.p = p, .md = p->metadata, .g = p->model ? p->model->graph : NULL, .out = out};
    const char *slash = NULL;
    const char *model = p->model_member ? p->model_member : p->path;
    if (!p->model_member && (slash = strrchr(model, '/'))) model = slash + 1;
    c.model = model;
    if (!c.g) {
        ERR(&c, model, NULL, "holds no model");
        return lp_problems_errors(out) - before;
    }
    if (!p->metadata) {
        ERR(&c, MD, NULL, "is missing; a package needs one (at least {\"function\": ...})");
        return lp_problems_errors(out) - before;
    }
    if (!cJSON_IsObject(p->metadata)) {
        ERR(&c, MD, NULL, "must be a JSON object");
        return lp_problems_errors(out) - before;
    }
    check_field_names(&c);
    func fn = check_function(&c);
    check_output_names(&c);
    if (fn != FN_NONE) check_unused_outputs(&c, fn);
    switch (fn) {
    case FN_REGRESSION: check_regression(&c); break;
    case FN_CLASSIFICATION: check_classification(&c); break;
    case FN_CLUSTERING: check_clustering(&c); break;
    default: break;
    }
    bool image = false;
    for (size_t i = 0; i < LP_COUNT(image_fields); i++) image |= get(&c, image_fields[i]) != NULL;
    check_inputs(&c, image);
    check_labels_text(&c);
    return lp_problems_errors(out) - before;
}
