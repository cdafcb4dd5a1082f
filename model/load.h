/*
** load.h — opening what the user names: a .onnx file or an OML-style
** package (.zip with one model, metadata.json and an optional label.txt).
*/
#ifndef LP_LOAD_H
#define LP_LOAD_H

#include "ir.h"

#include <cjson/cJSON.h>

/* Loads a .onnx file; external data is read from the file's folder. */
int lp_model_load(const char *path, lp_model **out, lp_error *err);

typedef struct lp_package {
    char *path;          /* as opened */
    bool is_zip;
    lp_model *model;
    char *model_member;  /* the .onnx member's name inside the zip */
    cJSON *metadata;     /* NULL for a bare model without metadata */
    char *metadata_text; /* metadata.json as read */
    char **labels;       /* label.txt lines, in training order */
    int n_labels;
    bool has_labels;
    bool dirty;          /* metadata or labels changed since open or save */
} lp_package;

/* Opens a .onnx or a package, judged by content (a zip starts with "PK"). */
int lp_package_open(const char *path, lp_package **out, lp_error *err);
void lp_package_free(lp_package *p);

/* Reads one zip member into memory, refusing claimed sizes above limit and
** members whose data does not match their claimed size. */
int lp_zip_read_member(const char *zip_path, void *zip, long long index, size_t limit,
                       uint8_t **data, size_t *size, lp_error *err);
/* A member name is safe when relative, without "..", backslashes or NULs. */
bool lp_zip_name_is_safe(const char *name);

/* Parses label.txt text into lines (trailing empty lines dropped). */
void lp_labels_parse(const char *text, size_t n, char ***labels, int *n_labels);

#endif
