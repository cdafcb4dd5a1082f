/*
** test_package.c — OML packages: metadata validation rule by rule (every
** classification and clustering case), editing, safe writing with its .bak,
** saving and reopening zips, zip member safety, and models the loader must
** refuse (built with model/build.h).
*/
#include "model/build.h"
#include "model/package.h"
#include "model/write.h"
#include "test.h"

#include <dirent.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

/* ---- fixtures ---- */

/* A model with input x (shape in_shape) and the given outputs, each made
** by an Identity of x. dtype LP_UNDEFINED declares a seq(map(int64, float))
** output (the ZipMap shape). */
typedef struct out_spec {
    const char *name;
    lp_dtype dtype;
    const char *shape;
} out_spec;

static lp_model *model_of(const char *in_shape, int n, const out_spec *outs) {
    lp_builder *b = lp_build_new("t");
    lp_build_opset(b, "", 13);
    lp_build_input(b, "x", LP_FLOAT, in_shape);
    for (int i = 0; i < n; i++) {
        lp_build_node(b, "Identity", "x", outs[i].name);
        if (outs[i].dtype == LP_UNDEFINED) lp_build_output_seq_map(b, outs[i].name, LP_INT64, LP_FLOAT);
        else lp_build_output(b, outs[i].name, outs[i].dtype, outs[i].shape);
    }
    lp_build_node(b, "Identity", "x", "hidden"); /* a value that is not an output */
    lp_model *m = NULL;
    lp_error err = {0};
    if (lp_build_model(b, "t.onnx", &m, &err)) fprintf(stderr, "  fixture: %s\n", err.msg);
    lp_build_free(b);
    return m;
}

/* A package in memory; labels is "a,b,c" or NULL for no label.txt. */
static lp_package *pkg_of(lp_model *m, const char *metadata, const char *labels) {
    lp_package *p = lp_xcalloc(1, sizeof *p);
    p->path = lp_xstrdup("t.zip");
    p->model_member = lp_xstrdup("t.onnx");
    p->is_zip = false;
    p->model = m;
    p->metadata = metadata ? cJSON_Parse(metadata) : NULL;
    if (labels) {
        char **l;
        int n;
        char *text = lp_xstrdup(labels);
        for (char *s = text; *s; s++)
            if (*s == ',') *s = '\n';
        lp_labels_parse(text, strlen(text), &l, &n);
        lp_package_set_labels(p, (const char *const *)l, n);
        lp_labels_free(l, n);
        free(text);
    }
    p->dirty = false;
    return p;
}

/* Validates and counts the problems matching sev/file/field whose message
** contains `text` (NULL field: a problem without field; "*" any field). */
static lp_problems ps;
static int validate(lp_package *p) {
    lp_problems_free(&ps);
    return lp_metadata_validate(p, &ps);
}

static int count(lp_severity sev, const char *file, const char *field, const char *text) {
    int n = 0;
    for (int i = 0; i < ps.n; i++) {
        const lp_problem *pr = &ps.items[i];
        if (pr->severity != sev || strcmp(pr->file, file)) continue;
        if (field && strcmp(field, "*") && (!pr->field || strcmp(pr->field, field))) continue;
        if (!field && pr->field) continue;
        if (text && !strstr(pr->message, text)) continue;
        n++;
    }
    return n;
}

static void dump(void) {
    lp_buf b = {0};
    for (int i = 0; i < ps.n; i++) {
        b.len = 0;
        lp_problem_format("t.zip", &ps.items[i], &b);
        fprintf(stderr, "    %s\n", b.data);
    }
    lp_buf_free(&b);
}

#define ERRS(file, field, text) count(LP_SEV_ERROR, file, field, text)
#define WARNS(file, field, text) count(LP_SEV_WARNING, file, field, text)
#define MD "metadata.json"

static const out_spec reg1[] = {{"variable", LP_FLOAT, "batch,1"}};
static const out_spec prob1[] = {{"probabilities", LP_FLOAT, "batch,3"}};
static const out_spec zipmap[] = {{"output_label", LP_INT64, "batch"},
                                  {"output_probability", LP_UNDEFINED, NULL}};
static const out_spec two_tensors[] = {{"label", LP_INT64, "batch"},
                                       {"probabilities", LP_FLOAT, "batch,3"}};
static const out_spec kmeans[] = {{"distances", LP_FLOAT, "batch,3"}, {"label", LP_INT64, "batch"}};

/* ---- function and field names ---- */

TEST(meta_function_required_and_checked) {
    lp_package *p = pkg_of(model_of("batch,4", 1, reg1), "{}", NULL);
    CHECK(validate(p) == 1 && ERRS(MD, "function", "is required") == 1);
    lp_package_set(p, "function", "3", NULL);
    CHECK(validate(p) == 1 && ERRS(MD, "function", "must be a string") == 1);
    lp_package_set(p, "function", "classify", NULL);
    CHECK(validate(p) == 1 && ERRS(MD, "function", "got \"classify\"") == 1);
    lp_package_set(p, "function", "Regression", NULL); /* case-insensitive */
    CHECK(validate(p) == 0);
    lp_package_set(p, "function", "FEATURE_EXTRACTION", NULL);
    CHECK(validate(p) == 0);
    lp_package_free(p);
    lp_problems_free(&ps);
}

TEST(meta_unknown_and_repeated_fields) {
    lp_package *p = pkg_of(model_of("batch,4", 1, reg1),
                           "{\"function\":\"regression\",\"RegressionOutput\":\"variable\","
                           "\"author\":\"me\"}", NULL);
    CHECK(validate(p) == 0);
    CHECK(WARNS(MD, "RegressionOutput", "did you mean 'regressionOutput'") == 1);
    CHECK(WARNS(MD, "author", "unknown field") == 1);
    lp_package_free(p);
    p = pkg_of(model_of("batch,4", 1, reg1),
               "{\"function\":\"regression\",\"function\":\"clustering\"}", NULL);
    CHECK(validate(p) >= 1 && ERRS(MD, "function", "appears 2 times") == 1);
    lp_package_free(p);
    lp_problems_free(&ps);
}

TEST(meta_output_names_are_real_and_case_sensitive) {
    lp_package *p = pkg_of(model_of("batch,4", 1, reg1),
                           "{\"function\":\"regression\",\"regressionOutput\":\"Variable\"}", NULL);
    CHECK(validate(p) == 1 && ERRS(MD, "regressionOutput", "did you mean 'variable'") == 1);
    lp_package_set(p, "regressionOutput", "nope", NULL);
    CHECK(validate(p) == 1 && ERRS(MD, "regressionOutput", "not an output of the model") == 1);
    lp_package_set(p, "regressionOutput", "hidden", NULL);
    CHECK(validate(p) == 1 && ERRS(MD, "regressionOutput", "inside the model") == 1);
    lp_package_set(p, "regressionOutput", "1", NULL);
    CHECK(validate(p) == 1 && ERRS(MD, "regressionOutput", "must be a string naming") == 1);
    lp_package_set(p, "regressionOutput", "variable", NULL);
    CHECK(validate(p) == 0);
    /* a field of another function is only a warning */
    lp_package_set(p, "clusteringProbOutput", "variable", NULL);
    CHECK(validate(p) == 0 && WARNS(MD, "clusteringProbOutput", "ignored for a regression") == 1);
    lp_package_free(p);
    lp_problems_free(&ps);
}

/* ---- regression ---- */

TEST(meta_regression_rules) {
    lp_package *p = pkg_of(model_of("batch,4", 1, reg1), "{\"function\":\"regression\"}", NULL);
    CHECK(validate(p) == 0 && ps.n == 0); /* one output: regressionOutput optional */
    lp_package_free(p);

    p = pkg_of(model_of("batch,4", 2, kmeans), "{\"function\":\"regression\"}", NULL);
    CHECK(validate(p) == 1 && ERRS(MD, "regressionOutput", "more than one output") == 1);
    lp_package_set(p, "regressionOutput", "label", NULL); /* int64 */
    CHECK(validate(p) == 1 && ERRS(MD, "regressionOutput", "float or double") == 1);
    lp_package_set(p, "regressionOutput", "distances", NULL); /* [batch,3] */
    CHECK(validate(p) == 1 && ERRS(MD, "regressionOutput", "[batch, 1]") == 1);
    lp_package_free(p);

    static const out_spec d1[] = {{"y", LP_DOUBLE, "batch,1"}};
    p = pkg_of(model_of("batch,4", 1, d1), "{\"function\":\"regression\"}", NULL);
    CHECK(validate(p) == 0);
    lp_package_free(p);
    static const out_spec unknown1[] = {{"y", LP_FLOAT, "batch,n"}};
    p = pkg_of(model_of("batch,4", 1, unknown1), "{\"function\":\"regression\"}", NULL);
    CHECK(validate(p) == 0 && WARNS("t.onnx", NULL, "second dim to be 1") == 1);
    lp_package_free(p);
    static const out_spec i1[] = {{"y", LP_INT32, "batch,1"}};
    p = pkg_of(model_of("batch,4", 1, i1), "{\"function\":\"regression\"}", NULL);
    CHECK(validate(p) == 1 && ERRS("t.onnx", NULL, "output 'y' is int32[batch,1]") == 1);
    lp_package_free(p);
    lp_problems_free(&ps);
}

/* ---- classification: the three cases of the OML rules ---- */

TEST(meta_classification_one_probability_output) {
    const char *md = "{\"function\":\"classification\"}";
    lp_package *p = pkg_of(model_of("batch,4", 1, prob1), md, NULL);
    CHECK(validate(p) == 1 && ERRS("label.txt", NULL, "is required") == 1);
    lp_package_free(p);
    p = pkg_of(model_of("batch,4", 1, prob1), md, "a,b,c");
    CHECK(validate(p) == 0 && ps.n == 0);
    lp_package_free(p);
    p = pkg_of(model_of("batch,4", 1, prob1), md, "a,b");
    CHECK(validate(p) == 1 && ERRS("label.txt", NULL, "has 2 labels, but output 'probabilities' "
                                   "gives 3") == 1);
    lp_package_free(p);
    /* the label field is ignored, the probability field optional */
    p = pkg_of(model_of("batch,4", 1, prob1),
               "{\"function\":\"classification\",\"classificationLabelOutput\":\"probabilities\","
               "\"classificationProbOutput\":\"probabilities\"}", "a,b,c");
    CHECK(validate(p) == 0 && WARNS(MD, "classificationLabelOutput", "is ignored") == 1);
    lp_package_free(p);
    /* a single int64 output holds no probabilities */
    static const out_spec lab[] = {{"label", LP_INT64, "batch"}};
    p = pkg_of(model_of("batch,4", 1, lab), md, "a,b,c");
    CHECK(validate(p) == 1 && ERRS("t.onnx", NULL, "probabilities must be") == 1);
    lp_package_free(p);
    lp_problems_free(&ps);
}

TEST(meta_classification_label_tensor_and_zipmap) {
    const char *md = "{\"function\":\"classification\"}";
    lp_package *p = pkg_of(model_of("batch,4", 2, zipmap), md, NULL);
    CHECK(validate(p) == 0 && ps.n == 0); /* both fields optional, no label.txt needed */
    lp_package_free(p);
    p = pkg_of(model_of("batch,4", 2, zipmap), md, "a,b,c");
    CHECK(validate(p) == 0 && WARNS("label.txt", NULL, "is ignored") == 1);
    lp_package_free(p);
    p = pkg_of(model_of("batch,4", 2, zipmap),
               "{\"function\":\"classification\",\"classificationProbOutput\":\"output_label\","
               "\"classificationLabelOutput\":\"output_probability\"}", NULL);
    CHECK(validate(p) == 2);
    CHECK(ERRS(MD, "classificationProbOutput", "the label tensor") == 1);
    CHECK(ERRS(MD, "classificationLabelOutput", "the probability sequence") == 1);
    lp_package_free(p);
    p = pkg_of(model_of("batch,4", 2, zipmap),
               "{\"function\":\"classification\",\"classificationProbOutput\":\"output_probability\","
               "\"classificationLabelOutput\":\"output_label\"}", NULL);
    CHECK(validate(p) == 0);
    lp_package_free(p);
    lp_problems_free(&ps);
}

TEST(meta_classification_other_models) {
    /* two tensors: probabilities mandatory; labels from label.txt or the label output */
    lp_package *p = pkg_of(model_of("batch,4", 2, two_tensors), "{\"function\":\"classification\"}",
                           "a,b,c");
    CHECK(validate(p) == 1 && ERRS(MD, "classificationProbOutput", "is required") == 1);
    lp_package_free(p);
    p = pkg_of(model_of("batch,4", 2, two_tensors),
               "{\"function\":\"classification\",\"classificationProbOutput\":\"probabilities\"}", NULL);
    CHECK(validate(p) == 1 && ERRS(MD, "classificationLabelOutput", "no label.txt") == 1);
    lp_package_free(p);
    p = pkg_of(model_of("batch,4", 2, two_tensors),
               "{\"function\":\"classification\",\"classificationProbOutput\":\"probabilities\"}",
               "a,b,c");
    CHECK(validate(p) == 0 && ps.n == 0);
    lp_package_free(p);
    p = pkg_of(model_of("batch,4", 2, two_tensors),
               "{\"function\":\"classification\",\"classificationProbOutput\":\"probabilities\"}",
               "a,b,c,d");
    CHECK(validate(p) == 1 && ERRS("label.txt", NULL, "has 4 labels") == 1);
    lp_package_free(p);
    const char *both = "{\"function\":\"classification\",\"classificationProbOutput\":"
                       "\"probabilities\",\"classificationLabelOutput\":\"label\"}";
    p = pkg_of(model_of("batch,4", 2, two_tensors), both, NULL);
    CHECK(validate(p) == 0 && ps.n == 0);
    lp_package_free(p);
    p = pkg_of(model_of("batch,4", 2, two_tensors), both, "a,b");
    CHECK(validate(p) == 0 && WARNS("label.txt", NULL, "is ignored because") == 1);
    lp_package_free(p);
    /* probabilities must be float or double */
    p = pkg_of(model_of("batch,4", 2, two_tensors),
               "{\"function\":\"classification\",\"classificationProbOutput\":\"label\","
               "\"classificationLabelOutput\":\"label\"}", NULL);
    CHECK(validate(p) == 1 && ERRS(MD, "classificationProbOutput", "int64[batch]") == 1);
    lp_package_free(p);
    lp_problems_free(&ps);
}

/* ---- clustering and feature extraction ---- */

TEST(meta_clustering_needs_exactly_one_output_field) {
    lp_package *p = pkg_of(model_of("batch,4", 2, kmeans), "{\"function\":\"clustering\"}", NULL);
    CHECK(validate(p) == 1 && ERRS(MD, NULL, "needs one of") == 1);
    lp_package_set(p, "clusteringDistanceOutput", "distances", NULL);
    CHECK(validate(p) == 0 && ps.n == 0);
    lp_package_set(p, "clusteringProbOutput", "distances", NULL);
    CHECK(validate(p) == 1 && ERRS(MD, "clusteringProbOutput", "not both") == 1);
    lp_package_unset(p, "clusteringDistanceOutput", NULL);
    CHECK(validate(p) == 0);
    lp_package_set(p, "clusteringProbOutput", "label", NULL);
    CHECK(validate(p) == 1 && ERRS(MD, "clusteringProbOutput", "float or double") == 1);
    lp_package_free(p);
    lp_problems_free(&ps);
}

TEST(meta_feature_extraction_and_inputs) {
    lp_package *p = pkg_of(model_of("batch,4", 1, reg1),
                           "{\"function\":\"feature_extraction\",\"regressionOutput\":\"variable\"}",
                           NULL);
    CHECK(validate(p) == 0 && WARNS(MD, "regressionOutput", "ignored") == 1);
    lp_package_free(p);
    p = pkg_of(model_of("batch,4,2", 1, reg1), "{\"function\":\"regression\"}", NULL);
    CHECK(validate(p) == 1 && ERRS("t.onnx", NULL, "rank 2 [batch, features]") == 1);
    lp_package_free(p);
    p = pkg_of(model_of("batch,3,8,8", 1, reg1), "{\"function\":\"regression\"}", NULL);
    CHECK(validate(p) == 1 && ERRS("t.onnx", NULL, "image fields") == 1);
    lp_package_free(p);
    p = pkg_of(model_of(NULL, 1, reg1), "{\"function\":\"regression\"}", NULL);
    CHECK(validate(p) == 0 && WARNS("t.onnx", NULL, "no declared shape") == 1);
    lp_package_free(p);
    lp_problems_free(&ps);
}

/* ---- images ---- */

static const char *image_md =
    "{\"function\":\"classification\",\"classificationProbOutput\":\"probabilities\","
    "\"inputTensorDimNames\":[\"batch\",\"channel\",\"height\",\"width\"],\"height\":8,"
    "\"width\":8,\"channel\":3,\"mean\":[0,0,0],\"scale\":[1,1,1],\"inputChannel\":\"RGB\"}";

TEST(meta_image_fields) {
    lp_package *p = pkg_of(model_of("batch,3,8,8", 1, prob1), image_md, "a,b,c");
    CHECK(validate(p) == 0 && ps.n == 0);
    if (ps.n) dump();
    lp_package_set(p, "height", "\"224\"", NULL);
    CHECK(validate(p) == 1 && ERRS(MD, "height", "must be a positive integer, got \"224\"") == 1);
    lp_package_set(p, "height", "0", NULL);
    CHECK(validate(p) == 1 && ERRS(MD, "height", "positive integer, got 0") == 1);
    lp_package_set(p, "height", "8.5", NULL);
    CHECK(validate(p) == 1 && ERRS(MD, "height", "positive integer") == 1);
    lp_package_set(p, "height", "224", NULL);
    CHECK(validate(p) == 1 && ERRS(MD, "height", "is 224, but input 'x'") == 1);
    lp_package_set(p, "height", "8", NULL);
    lp_package_set(p, "mean", "[0, 0]", NULL);
    CHECK(validate(p) == 1 && ERRS(MD, "mean", "has 2 values, but 'channel' is 3") == 1);
    lp_package_set(p, "mean", "[0, \"0\", 0]", NULL);
    CHECK(validate(p) == 1 && ERRS(MD, "mean", "item 2 is \"0\"") == 1);
    lp_package_set(p, "mean", "0", NULL);
    CHECK(validate(p) == 1 && ERRS(MD, "mean", "must be an array of numbers") == 1);
    lp_package_set(p, "mean", "[0,0,0]", NULL);
    lp_package_set(p, "scale", "[1,0,1]", NULL);
    CHECK(validate(p) == 0 && WARNS(MD, "scale", "item 2 is 0") == 1);
    lp_package_set(p, "scale", "[1,1,1]", NULL);
    lp_package_set(p, "inputChannel", "rgb", NULL);
    CHECK(validate(p) == 1 && ERRS(MD, "inputChannel", "\"RGB\" or \"BGR\", got \"rgb\"") == 1);
    lp_package_set(p, "inputChannel", "BGR", NULL);
    lp_package_set(p, "inputTensorDimNames", "[\"batch\",\"depth\",\"height\",\"width\"]", NULL);
    CHECK(validate(p) == 1 && ERRS(MD, "inputTensorDimNames", "item 2 is \"depth\"") == 1);
    lp_package_set(p, "inputTensorDimNames", "[\"batch\",\"height\",\"width\"]", NULL);
    CHECK(validate(p) == 1 && ERRS(MD, "inputTensorDimNames", "has 3 names") == 1);
    lp_package_set(p, "inputTensorDimNames", "[\"batch\",\"height\",\"height\",\"width\"]", NULL);
    CHECK(validate(p) == 1 && ERRS(MD, "inputTensorDimNames", "twice") == 1);
    lp_package_set(p, "inputTensorDimNames", "[\"channel\",\"batch\",\"height\",\"width\"]", NULL);
    CHECK(validate(p) == 1 && ERRS(MD, "inputTensorDimNames", "the batch is the input's first") == 1);
    /* NHWC names on an NCHW input: the channel dim is 8, not 3 */
    lp_package_set(p, "inputTensorDimNames", "[\"batch\",\"height\",\"width\",\"channel\"]", NULL);
    CHECK(validate(p) >= 1 && ERRS(MD, "channel", "is 3, but input 'x'") == 1);
    /* without names, the layout is inferred and a hint given */
    lp_package_unset(p, "inputTensorDimNames", NULL);
    CHECK(validate(p) == 0 && WARNS(MD, "inputTensorDimNames", "looks NCHW") == 1);
    lp_package_set(p, "channel", "5", NULL);
    lp_package_set(p, "mean", "[0,0,0,0,0]", NULL);
    lp_package_set(p, "scale", "[1,1,1,1,1]", NULL);
    CHECK(validate(p) == 1 && ERRS(MD, NULL, "fit neither NCHW nor NHWC") == 1);
    lp_package_unset(p, "channel", NULL);
    CHECK(validate(p) >= 1 && ERRS(MD, "channel", "is required for an image model") == 1);
    lp_package_free(p);
    /* image fields on a rank-2 model */
    p = pkg_of(model_of("batch,4", 1, prob1), image_md, "a,b,c");
    CHECK(validate(p) >= 1 && ERRS("t.onnx", NULL, "has rank 4") == 1);
    lp_package_free(p);
    lp_problems_free(&ps);
}

TEST(meta_labels_text_and_missing_metadata) {
    lp_package *p = pkg_of(model_of("batch,4", 1, prob1), "{\"function\":\"classification\"}",
                           "a,b,a");
    CHECK(validate(p) == 0 && WARNS("label.txt", NULL, "on lines 1 and 3") == 1);
    lp_package_set_labels(p, NULL, 0);
    CHECK(validate(p) >= 1 && ERRS("label.txt", NULL, "is empty") == 1);
    lp_package_free(p);
    p = pkg_of(model_of("batch,4", 1, prob1), NULL, NULL);
    CHECK(validate(p) == 1 && ERRS(MD, NULL, "is missing") == 1);
    lp_package_free(p);
    lp_problems_free(&ps);
}

TEST(meta_problem_line_format) {
    lp_package *p = pkg_of(model_of("batch,3,8,8", 1, prob1), image_md, "a,b,c");
    lp_package_set(p, "height", "\"224\"", NULL);
    lp_package_set(p, "extra", "1", NULL);
    validate(p);
    lp_buf b = {0};
    for (int i = 0; i < ps.n; i++) {
        b.len = 0;
        lp_problem_format("pkg.zip", &ps.items[i], &b);
        if (ps.items[i].severity == LP_SEV_ERROR)
            CHECK_STR(b.data, "pkg.zip: metadata.json: field 'height': must be a positive integer, "
                              "got \"224\"");
        else
            CHECK_STR(b.data, "pkg.zip: metadata.json: warning: field 'extra': unknown field; OML "
                              "Services ignores it");
    }
    CHECK(ps.n == 2);
    lp_buf_free(&b);
    lp_package_free(p);
    lp_problems_free(&ps);
}

/* ---- editing ---- */

TEST(meta_set_parses_json_or_takes_a_word) {
    lp_package *p = pkg_of(model_of("batch,4", 1, reg1), NULL, NULL);
    lp_error err = {0};
    CHECK(lp_package_set(p, "function", "regression", &err) == 0);
    CHECK(p->dirty);
    cJSON *v = cJSON_GetObjectItemCaseSensitive(p->metadata, "function");
    CHECK(cJSON_IsString(v) && !strcmp(v->valuestring, "regression"));
    CHECK(lp_package_set(p, "height", "224", &err) == 0);
    CHECK(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(p->metadata, "height")));
    CHECK(lp_package_set(p, "height", "\"224\"", &err) == 0);
    CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(p->metadata, "height")));
    CHECK(lp_package_set(p, "mean", "[1, 2.5]", &err) == 0);
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(p->metadata, "mean")) == 2);
    CHECK(lp_package_set(p, "mean", "[1, 2", &err) == LP_EINPUT);
    CHECK(strstr(err.msg, "field 'mean'") && strstr(err.msg, "not valid JSON"));
    CHECK(lp_package_set(p, "x", "two words", &err) == 0); /* not JSON: a string */
    CHECK(lp_package_set(p, "", "1", &err) == LP_EINPUT);
    /* the order of fields is kept on replace */
    char *text = lp_metadata_print(p->metadata);
    CHECK_STR(text, "{\n  \"function\": \"regression\",\n  \"height\": \"224\",\n  \"mean\": [1, "
                    "2.5],\n  \"x\": \"two words\"\n}\n");
    free(text);
    CHECK(lp_package_unset(p, "x", &err) == 0);
    CHECK(lp_package_unset(p, "x", &err) == LP_EINPUT && strstr(err.msg, "has no field 'x'"));
    lp_package_free(p);
}

TEST(meta_set_replaces_repeated_fields) {
    lp_package *p = pkg_of(model_of("batch,4", 1, reg1), "{\"a\":1,\"function\":\"x\",\"a\":2}", NULL);
    CHECK(lp_package_set(p, "a", "3", NULL) == 0);
    char *text = lp_metadata_print(p->metadata);
    CHECK_STR(text, "{\n  \"a\": 3,\n  \"function\": \"x\"\n}\n");
    free(text);
    lp_package_free(p);
}

/* ---- files: safe writing, saving, zips ---- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static char *temp_dir(void) {
    char *d = lp_xstrdup("/tmp/loupe_test_XXXXXX");
    if (!mkdtemp(d)) {
        free(d);
        return NULL;
    }
    return d;
}

static void rm_tree(char *dir) {
    if (dir) nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

static char *slurp(const char *path, size_t *n) {
    uint8_t *d = NULL;
    lp_error err;
    if (lp_read_file(path, 1 << 26, &d, n, &err)) return NULL;
    return (char *)d;
}

static bool file_is(const char *path, const char *text) {
    size_t n;
    char *d = slurp(path, &n);
    bool same = d && n == strlen(text) && !memcmp(d, text, n);
    free(d);
    return same;
}

TEST(safe_write_keeps_the_first_original_only) {
    char *dir = temp_dir();
    REQUIRE(dir);
    char path[256], bak[256];
    snprintf(path, sizeof path, "%s/f.zip", dir);
    snprintf(bak, sizeof bak, "%s/f.zip.bak", dir);
    lp_error err = {0};
    bool backed = true;
    CHECK(lp_write_file_safe(path, "one", 3, LP_WRITE_BACKUP, &backed, &err) == 0);
    CHECK(!backed && access(bak, F_OK) != 0); /* nothing to keep yet */
    chmod(path, 0640);
    CHECK(lp_write_file_safe(path, "two", 3, LP_WRITE_BACKUP, &backed, &err) == 0);
    CHECK(backed && file_is(bak, "one") && file_is(path, "two"));
    CHECK(lp_write_file_safe(path, "three", 5, LP_WRITE_BACKUP, &backed, &err) == 0);
    CHECK(!backed && file_is(bak, "one") && file_is(path, "three"));
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640);
    /* no backup without the flag; a symbolic link is written through */
    char link_path[256], plain[256];
    snprintf(plain, sizeof plain, "%s/m.onnx", dir);
    snprintf(link_path, sizeof link_path, "%s/link.onnx", dir);
    CHECK(lp_write_file_safe(plain, "a", 1, 0, NULL, &err) == 0);
    CHECK(symlink(plain, link_path) == 0);
    CHECK(lp_write_file_safe(link_path, "b", 1, 0, NULL, &err) == 0);
    CHECK(lstat(link_path, &st) == 0 && S_ISLNK(st.st_mode) && file_is(plain, "b"));
    snprintf(bak, sizeof bak, "%s/m.onnx.bak", dir);
    CHECK(access(bak, F_OK) != 0);
    /* no temporary files left behind */
    int entries = 0;
    DIR *dh = opendir(dir);
    for (struct dirent *e; dh && (e = readdir(dh));)
        entries += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (dh) closedir(dh);
    CHECK(entries == 4); /* f.zip, f.zip.bak, m.onnx, link.onnx */
    /* a folder cannot be written */
    CHECK(lp_write_file_safe(dir, "x", 1, 0, NULL, &err) == LP_EINPUT);
    rm_tree(dir);
}

/* Writes a model built with the builder to dir/name and returns its path. */
static char *write_model(const char *dir, const char *name, const out_spec *outs, int n) {
    lp_builder *b = lp_build_new("t");
    lp_build_opset(b, "", 13);
    lp_build_input(b, "x", LP_FLOAT, "batch,4");
    for (int i = 0; i < n; i++) {
        lp_build_node(b, "Identity", "x", outs[i].name);
        lp_build_output(b, outs[i].name, outs[i].dtype, outs[i].shape);
    }
    char *path = lp_xmalloc(512);
    snprintf(path, 512, "%s/%s", dir, name);
    lp_error err;
    if (lp_build_save(b, path, &err)) fprintf(stderr, "  %s\n", err.msg);
    lp_build_free(b);
    return path;
}

TEST(package_save_and_reopen) {
    char *dir = temp_dir();
    REQUIRE(dir);
    char *onnx = write_model(dir, "iris.onnx", prob1, 1);
    lp_package *p;
    lp_error err = {0};
    REQUIRE(lp_package_open(onnx, &p, &err) == 0);
    CHECK(!p->is_zip && !p->metadata);
    char *zip = lp_package_default_path(p);
    CHECK(strstr(zip, "/iris.zip") != NULL);
    /* saving a bare model over itself is refused */
    CHECK(lp_package_set(p, "function", "classification", &err) == 0);
    CHECK(lp_package_save(p, onnx, &err) == LP_EINPUT);
    const char *labels[] = {"setosa", "versicolor", "virginica"};
    lp_package_set_labels(p, labels, 3);
    CHECK(lp_package_save(p, NULL, &err) == 0);
    CHECK(p->is_zip && !p->dirty && !strcmp(p->path, zip));
    lp_package_free(p);

    REQUIRE(lp_package_open(zip, &p, &err) == 0);
    CHECK(p->is_zip && !strcmp(p->model_member, "iris.onnx"));
    CHECK(p->has_labels && p->n_labels == 3 && !strcmp(p->labels[2], "virginica"));
    CHECK_STR(p->metadata_text, "{\n  \"function\": \"classification\"\n}\n");
    size_t n;
    char *orig = slurp(onnx, &n);
    CHECK(orig && n == p->model->n_bytes && !memcmp(orig, p->model->bytes, n));
    free(orig);
    /* change it twice: the .bak keeps the first version */
    char bak[600];
    snprintf(bak, sizeof bak, "%s.bak", zip);
    size_t n0;
    char *v0 = slurp(zip, &n0);
    CHECK(lp_package_set(p, "classificationProbOutput", "probabilities", &err) == 0);
    CHECK(lp_package_save(p, NULL, &err) == 0);
    CHECK(lp_package_set(p, "note", "second", &err) == 0);
    CHECK(lp_package_save(p, NULL, &err) == 0);
    size_t nb;
    char *vb = slurp(bak, &nb);
    CHECK(v0 && vb && n0 == nb && !memcmp(v0, vb, n0));
    free(v0);
    free(vb);
    lp_package_free(p);
    REQUIRE(lp_package_open(zip, &p, &err) == 0);
    CHECK(!strcmp(cJSON_GetObjectItemCaseSensitive(p->metadata, "note")->valuestring, "second"));
    /* removing label.txt */
    lp_package_set_labels(p, NULL, -1);
    CHECK(lp_package_save(p, NULL, &err) == 0);
    lp_package_free(p);
    REQUIRE(lp_package_open(zip, &p, &err) == 0);
    CHECK(!p->has_labels);
    lp_package_free(p);
    free(zip);
    free(onnx);
    rm_tree(dir);
}

/* A zip whose members are given as name/content pairs (NULL-terminated). */
static char *make_zip(const char *dir, const char *name, const char *const *members,
                      const char *onnx_path) {
    char *path = lp_xmalloc(512);
    snprintf(path, 512, "%s/%s", dir, name);
    int zerr;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    if (!za) return path;
    for (int i = 0; members[i]; i += 2) {
        zip_source_t *s;
        if (members[i + 1]) s = zip_source_buffer(za, members[i + 1], strlen(members[i + 1]), 0);
        else s = zip_source_file(za, onnx_path, 0, -1);
        if (s && zip_file_add(za, members[i], s, 0) < 0) zip_source_free(s);
    }
    zip_close(za);
    return path;
}

TEST(package_keeps_other_members_and_folders) {
    char *dir = temp_dir();
    REQUIRE(dir);
    char *onnx = write_model(dir, "m.onnx", reg1, 1);
    const char *members[] = {"pkg/model.onnx", NULL, "pkg/metadata.json", "{\"function\":\"regression\"}",
                             "README.txt", "keep me", NULL};
    char *zip = make_zip(dir, "p.zip", members, onnx);
    lp_package *p;
    lp_error err = {0};
    REQUIRE(lp_package_open(zip, &p, &err) == 0);
    CHECK_STR(p->model_member, "pkg/model.onnx");
    CHECK(lp_package_set(p, "regressionOutput", "variable", &err) == 0);
    CHECK(lp_package_save(p, NULL, &err) == 0);
    lp_package_free(p);
    int zerr;
    zip_t *za = zip_open(zip, ZIP_RDONLY, &zerr);
    REQUIRE(za);
    CHECK(zip_get_num_entries(za, 0) == 3);
    CHECK(zip_name_locate(za, "pkg/metadata.json", 0) >= 0);
    zip_int64_t r = zip_name_locate(za, "README.txt", 0);
    CHECK(r >= 0);
    if (r >= 0) {
        uint8_t *data;
        size_t n;
        CHECK(lp_zip_read_member(zip, za, r, 100, &data, &n, &err) == 0 && n == 7 &&
              !memcmp(data, "keep me", 7));
        if (n == 7) free(data);
    }
    zip_discard(za);
    free(zip);
    free(onnx);
    rm_tree(dir);
}

TEST(zip_member_names_and_layouts) {
    CHECK(lp_zip_name_is_safe("model.onnx"));
    CHECK(lp_zip_name_is_safe("dir/model.onnx"));
    CHECK(lp_zip_name_is_safe("a..b.onnx"));
    CHECK(!lp_zip_name_is_safe("../x.onnx"));
    CHECK(!lp_zip_name_is_safe("dir/../../x.onnx"));
    CHECK(!lp_zip_name_is_safe("/etc/x.onnx"));
    CHECK(!lp_zip_name_is_safe("C:x.onnx"));
    CHECK(!lp_zip_name_is_safe("dir\\x.onnx"));
    CHECK(!lp_zip_name_is_safe(""));

    char *dir = temp_dir();
    REQUIRE(dir);
    char *onnx = write_model(dir, "m.onnx", reg1, 1);
    const char *md = "{\"function\":\"regression\"}";
    struct {
        const char *name;
        const char *members[8];
        const char *want;
    } cases[] = {
        {"dotdot.zip", {"../x.onnx", NULL, "metadata.json", md, NULL}, "leaves the package"},
        {"abs.zip", {"/tmp/x.onnx", NULL, "metadata.json", md, NULL}, "is absolute"},
        {"two.zip", {"a.onnx", NULL, "b.onnx", NULL, "metadata.json", md, NULL}, "holds two models"},
        {"none.zip", {"metadata.json", md, NULL}, "holds no .onnx model"},
        {"nometa.zip", {"a.onnx", NULL, NULL}, "has no metadata.json"},
        {"badjson.zip", {"a.onnx", NULL, "metadata.json", "{\"function\": ", NULL}, "not valid JSON"},
        {"array.zip", {"a.onnx", NULL, "metadata.json", "[1]", NULL}, "must be a JSON object"},
    };
    for (size_t i = 0; i < LP_COUNT(cases); i++) {
        char *zip = make_zip(dir, cases[i].name, cases[i].members, onnx);
        lp_package *p = NULL;
        lp_error err = {0};
        int rc = lp_package_open(zip, &p, &err);
        CHECK(rc == LP_EINPUT && p == NULL);
        CHECK(strstr(err.msg, cases[i].want) != NULL);
        CHECK(strstr(err.msg, cases[i].name) != NULL);
        if (!strstr(err.msg, cases[i].want)) fprintf(stderr, "  %s: %s\n", cases[i].name, err.msg);
        free(zip);
    }
    free(onnx);
    rm_tree(dir);
}

/* ---- models the loader refuses ---- */

static lp_builder *base_model(const char *in_shape) {
    lp_builder *b = lp_build_new("bad");
    lp_build_opset(b, "", 13);
    lp_build_input(b, "x", LP_FLOAT, in_shape);
    lp_build_output(b, "y", LP_FLOAT, "batch,4");
    return b;
}

static void expect_refused(lp_builder *b, const char *text, int *lp_failed_) {
    lp_model *m = NULL;
    lp_error err = {0};
    int rc = lp_build_model(b, "bad.onnx", &m, &err);
    CHECK(rc == LP_EINPUT && m == NULL);
    CHECK(strstr(err.msg, "bad.onnx") != NULL);
    if (!strstr(err.msg, text)) {
        fprintf(stderr, "  wanted '%s' in: %s\n", text, err.msg);
        *lp_failed_ = 1;
    }
    lp_model_free(m);
    lp_build_free(b);
}

TEST(loader_refuses_bad_dims_and_data) {
    lp_builder *b = base_model("batch,-5");
    lp_build_node(b, "Identity", "x", "y");
    expect_refused(b, "negative", lp_failed_);
    b = base_model("batch,4611686018427387904");
    lp_build_node(b, "Identity", "x", "y");
    expect_refused(b, "too large", lp_failed_);

    float w[4] = {1, 2, 3, 4};
    b = base_model("batch,4");
    lp_build_init_raw(b, "W", LP_FLOAT, 2, (int64_t[]){-5, 4}, w, sizeof w);
    lp_build_node(b, "Add", "x,W", "y");
    expect_refused(b, "negative", lp_failed_);
    b = base_model("batch,4");
    lp_build_init_raw(b, "W", LP_FLOAT, 2, (int64_t[]){(int64_t)1 << 62, 4}, w, sizeof w);
    lp_build_node(b, "Add", "x,W", "y");
    expect_refused(b, "overflows", lp_failed_);
    b = base_model("batch,4");
    lp_build_init_raw(b, "W", LP_FLOAT, 1, (int64_t[]){4}, w, 10); /* 10 bytes, not 16 */
    lp_build_node(b, "Add", "x,W", "y");
    expect_refused(b, "raw_data holds 10 bytes, the shape needs 16", lp_failed_);
}

TEST(loader_refuses_bad_graphs) {
    lp_builder *b = base_model("batch,4");
    lp_build_node(b, "Add", "x,t2", "t1");
    lp_build_node(b, "Relu", "t1", "t2");
    lp_build_node(b, "Identity", "t2", "y");
    expect_refused(b, "cycle", lp_failed_);
    b = base_model("batch,4");
    lp_build_node(b, "Add", "x,missing", "y");
    expect_refused(b, "reads 'missing', which no node, input or initializer provides", lp_failed_);
}

TEST(builder_attributes_and_model_write_roundtrip) {
    lp_builder *b = lp_build_new("g");
    lp_build_opset(b, "", 13);
    lp_build_opset(b, "ai.onnx.ml", 3);
    lp_build_producer(b, "tests", "1.0");
    lp_build_prop(b, "k", "v");
    lp_build_input(b, "x", LP_FLOAT, "batch,?,4");
    lp_build_init_i64(b, "shape", 1, (int64_t[]){2}, (int64_t[]){-1, 4});
    lp_bnode *n = lp_build_node(b, "Reshape", "x,shape", "y");
    lp_build_node_name(b, n, "reshape");
    lp_build_attr_int(b, n, "allowzero", 0);
    lp_build_attr_float(b, n, "f", 0.5f);
    lp_build_attr_string(b, n, "s", "text");
    lp_build_attr_ints(b, n, "ints", 3, (int64_t[]){1, 2, 3});
    lp_build_attr_floats(b, n, "floats", 2, (float[]){1.5f, 2.5f});
    lp_build_output(b, "y", LP_FLOAT, "n,4");
    lp_model *m = NULL;
    lp_error err = {0};
    REQUIRE(lp_build_model(b, "g.onnx", &m, &err) == 0);
    CHECK(m->n_opsets == 2 && lp_model_opset(m, "ai.onnx.ml") == 3);
    CHECK_STR(m->producer_name, "tests");
    CHECK(m->n_props == 1 && !strcmp(m->props[0].value, "v"));
    const lp_graph *g = m->graph;
    REQUIRE(g->n_nodes == 1 && g->n_inputs == 1);
    const lp_type *t = &g->values[g->inputs[0]].type;
    CHECK(t->rank == 3 && t->dims[0].value == -1 && !strcmp(t->dims[0].param, "batch"));
    CHECK(t->dims[1].value == -1 && t->dims[1].param == NULL && t->dims[2].value == 4);
    const lp_node *node = &g->nodes[0];
    CHECK_STR(node->name, "reshape");
    CHECK(lp_attr_float(node, "f", 0) == 0.5f);
    CHECK_STR(lp_attr_string(node, "s", ""), "text");
    int k;
    const int64_t *ints = lp_attr_ints(node, "ints", &k);
    CHECK(k == 3 && ints[2] == 3);
    const float *fl = lp_attr_floats(node, "floats", &k);
    CHECK(k == 2 && fl[1] == 2.5f);
    CHECK(g->n_inits == 1 && ((int64_t *)g->inits[0].data)[0] == -1);

    char *dir = temp_dir();
    REQUIRE(dir);
    char path[256];
    snprintf(path, sizeof path, "%s/w.onnx", dir);
    CHECK(lp_model_write(m, path, &err) == 0);
    size_t n_file;
    char *file = slurp(path, &n_file);
    CHECK(file && n_file == m->n_bytes && !memcmp(file, m->bytes, n_file));
    free(file);
    lp_model_free(m);
    lp_build_free(b);
    rm_tree(dir);
}
