/*
** samples.h — what the sample makers share: reading the CSV data, a
** deterministic random source, and writing a model as .onnx plus its OML
** package (validated by Loupe's own rules before it is written).
*/
#ifndef LP_SAMPLES_H
#define LP_SAMPLES_H

#include "model/build.h"

#include <stdint.h>

/* A numeric table: rows x cols doubles, row-major. */
typedef struct table {
    double *v;
    int rows, cols;
} table;

/* Reads a CSV of numbers (commas or spaces between them), skipping the
** first `skip` lines. Prints the problem and returns nonzero on failure. */
int table_read(const char *path, int skip, table *t);
void table_free(table *t);

/* xorshift64*: the same numbers on every machine. */
typedef struct rng {
    uint64_t s;
} rng;
double rng_uniform(rng *r);  /* [0, 1) */
double rng_normal(rng *r);   /* mean 0, deviation 1 */
int rng_below(rng *r, int n); /* [0, n) */

/* Writes DIR/NAME.onnx from the builder, then DIR/NAME.zip with the given
** metadata.json text and labels (n_labels < 0: no label.txt). */
int sample_write(const char *dir, const char *name, lp_builder *b, const char *metadata,
                 const char *const *labels, int n_labels);
/* Writes DIR/NAME.records.json: OML inputRecords for the first rows of x. */
int sample_records(const char *dir, const char *name, const char *input, const float *x, int rows,
                   int cols);

/* The samples; each prints one line of figures. DIR holds data/. */
int make_diabetes(const char *dir);
int make_iris_classifier(const char *dir);
int make_iris_kmeans(const char *dir);
int make_digits_cnn(const char *dir);
int make_iris_forest(const char *dir);
/* After make_digits_cnn: its images (samples/images/) and records. */
int make_digit_images(const char *dir);

#endif
