/*
** make_samples.c — builds the bundled sample models and OML packages from
** the CSV data in samples/data, with Loupe's own builder and package writer:
**
**   build/make_samples samples
**
** Training is deterministic, so every run writes the same models.
*/
#include "samples.h"

#include "model/package.h"
#include "model/write.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int table_read(const char *path, int skip, table *t) {
    memset(t, 0, sizeof *t);
    uint8_t *data;
    size_t n;
    lp_error err;
    if (lp_read_file(path, (size_t)64 << 20, &data, &n, &err)) {
        fprintf(stderr, "make_samples: %s\n", err.msg);
        return 1;
    }
    char *s = (char *)data;
    for (int i = 0; i < skip && *s; i++) {
        char *nl = strchr(s, '\n');
        s = nl ? nl + 1 : s + strlen(s);
    }
    size_t cap = 1024, count = 0;
    t->v = lp_xmalloc(cap * sizeof *t->v);
    int line = skip + 1;
    while (*s) {
        char *nl = strchr(s, '\n');
        if (nl) *nl = 0;
        int cols = 0;
        for (char *p = s;;) {
            while (*p == ' ' || *p == ',' || *p == '\t' || *p == '\r') p++;
            if (!*p) break;
            char *end;
            double v = strtod(p, &end);
            if (end == p) {
                fprintf(stderr, "make_samples: %s:%d: not a number: '%.20s'\n", path, line, p);
                free(data);
                table_free(t);
                return 1;
            }
            if (count == cap) t->v = lp_xrealloc(t->v, (cap *= 2) * sizeof *t->v);
            t->v[count++] = v;
            cols++;
            p = end;
        }
        if (cols) {
            if (t->rows && cols != t->cols) {
                fprintf(stderr, "make_samples: %s:%d: %d columns, expected %d\n", path, line, cols,
                        t->cols);
                free(data);
                table_free(t);
                return 1;
            }
            t->cols = cols;
            t->rows++;
        }
        if (!nl) break;
        s = nl + 1;
        line++;
    }
    free(data);
    return 0;
}

void table_free(table *t) {
    free(t->v);
    memset(t, 0, sizeof *t);
}

static uint64_t rng_next(rng *r) {
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1DULL;
}

double rng_uniform(rng *r) { return (double)(rng_next(r) >> 11) / 9007199254740992.0; }

double rng_normal(rng *r) {
    double u = rng_uniform(r), v = rng_uniform(r);
    return sqrt(-2.0 * log(u + 1e-300)) * cos(2.0 * M_PI * v);
}

int rng_below(rng *r, int n) { return (int)(rng_next(r) % (uint64_t)n); }

int sample_write(const char *dir, const char *name, lp_builder *b, const char *metadata,
                 const char *const *labels, int n_labels) {
    char onnx[1024], zip[1024];
    snprintf(onnx, sizeof onnx, "%s/%s.onnx", dir, name);
    snprintf(zip, sizeof zip, "%s/%s.zip", dir, name);
    lp_error err = {0};
    lp_package *p = NULL;
    lp_problems ps = {0};
    int rc = lp_build_save(b, onnx, &err);
    if (!rc) rc = lp_package_open(onnx, &p, &err);
    cJSON *md = rc ? NULL : cJSON_Parse(metadata);
    if (!rc && !md) rc = lp_fail(&err, LP_EFAIL, "%s: the sample's metadata is not JSON", name);
    if (!rc) rc = lp_package_set_metadata(p, md, &err);
    if (!rc && n_labels >= 0) lp_package_set_labels(p, labels, n_labels);
    if (!rc && lp_metadata_validate(p, &ps)) {
        lp_buf line = {0};
        for (int i = 0; i < ps.n; i++) {
            line.len = 0;
            lp_problem_format(zip, &ps.items[i], &line);
            fprintf(stderr, "make_samples: %s\n", line.data);
        }
        lp_buf_free(&line);
        rc = lp_fail(&err, LP_EFAIL, "%s: the sample does not pass validation", zip);
    }
    /* a regenerated sample replaces the old one outright: no .bak */
    if (!rc && unlink(zip) != 0 && errno != ENOENT)
        rc = lp_fail(&err, LP_EFAIL, "%s: cannot replace: %s", zip, strerror(errno));
    if (!rc) rc = lp_package_save(p, zip, &err);
    if (rc) fprintf(stderr, "make_samples: %s\n", err.msg);
    lp_problems_free(&ps);
    lp_package_free(p);
    return rc;
}

/* The shortest decimal that reads back as the same float. */
static void put_float(lp_buf *b, float v) {
    char text[32];
    for (int digits = 6; digits <= 9; digits++) {
        snprintf(text, sizeof text, "%.*g", digits, v);
        if (strtof(text, NULL) == v) break;
    }
    lp_buf_printf(b, "%s", text);
}

int sample_records(const char *dir, const char *name, const char *input, const float *x, int rows,
                   int cols) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.records.json", dir, name);
    lp_buf b = {0};
    lp_buf_printf(&b, "{\"inputRecords\": [\n");
    for (int r = 0; r < rows; r++) {
        lp_buf_printf(&b, "  {\"%s\": [[", input);
        for (int c = 0; c < cols; c++) {
            if (c) lp_buf_printf(&b, ", ");
            put_float(&b, x[r * cols + c]);
        }
        lp_buf_printf(&b, "]]}%s\n", r + 1 < rows ? "," : "");
    }
    lp_buf_printf(&b, "]}\n");
    lp_error err;
    int rc = lp_write_file_safe(path, b.data, b.len, 0, NULL, &err);
    if (rc) fprintf(stderr, "make_samples: %s\n", err.msg);
    lp_buf_free(&b);
    return rc;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: make_samples DIR   (DIR holds data/; the samples are written there)\n");
        return 2;
    }
    const char *dir = argv[1];
    struct {
        const char *name;
        int (*make)(const char *);
    } makers[] = {
        {"diabetes_regression", make_diabetes},
        {"iris_classification", make_iris_classifier},
        {"iris_kmeans", make_iris_kmeans},
        {"digits_cnn", make_digits_cnn},
        {"digit_images", make_digit_images},
        {"iris_forest", make_iris_forest},
    };
    for (size_t i = 0; i < LP_COUNT(makers); i++) {
        clock_t t0 = clock();
        if (makers[i].make(dir)) {
            fprintf(stderr, "make_samples: %s failed\n", makers[i].name);
            return 1;
        }
        printf("  (%s: %.1f s)\n", makers[i].name, (double)(clock() - t0) / CLOCKS_PER_SEC);
    }
    return 0;
}
