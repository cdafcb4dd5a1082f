/*
** package.h — an OML package as something to check and change: metadata.json
** validated against the OML ONNX rules and against the model itself, fields
** set and removed, label.txt replaced, and the zip written back safely.
**
** Opening is load.h's job (lp_package_open); this is what comes after.
*/
#ifndef LP_PACKAGE_H
#define LP_PACKAGE_H

#include "load.h"

typedef enum lp_severity {
    LP_SEV_ERROR = 0,   /* OML Services would refuse the package or misread it */
    LP_SEV_WARNING = 1, /* accepted, but probably not what was meant */
} lp_severity;

/* One finding. `file` is "metadata.json", "label.txt" or the model's name;
** `field` the metadata field at fault, or NULL when none is. */
typedef struct lp_problem {
    lp_severity severity;
    char *file;
    char *field;
    char *message;
} lp_problem;

typedef struct lp_problems {
    lp_problem *items;
    int n, cap;
} lp_problems;

/* Checks metadata.json and label.txt against the OML ONNX rules and the
** model's inputs and outputs. Appends to out; returns the number of errors. */
int lp_metadata_validate(const lp_package *p, lp_problems *out);

int lp_problems_errors(const lp_problems *ps);
void lp_problems_add(lp_problems *ps, lp_severity sev, const char *file, const char *field,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* True when ps holds an error equal (file, field, message) to pr. */
bool lp_problems_has(const lp_problems *ps, const lp_problem *pr);
/* "PKG: metadata.json: field 'x': message", with "warning: " before the
** field for warnings. */
void lp_problem_format(const char *pkg, const lp_problem *pr, lp_buf *out);
void lp_problems_free(lp_problems *ps);

/* The metadata field names OML Services knows, NULL-terminated. */
extern const char *const lp_metadata_fields[];

/* ---- editing (package_edit.c); each marks the package dirty ---- */

/* Sets one metadata field. json_value is JSON text ("224", "[1,2,3]",
** "\"text\""); text that is not JSON is taken as a string, unless it starts
** like JSON ('[', '{', '"'), which is then an error. Creates metadata.json
** for a bare model. */
int lp_package_set(lp_package *p, const char *key, const char *json_value, lp_error *err);
/* Removes a field (every copy, if the file repeats it); an error if absent. */
int lp_package_unset(lp_package *p, const char *key, lp_error *err);
/* Replaces metadata.json with obj (taken over; must be an object). */
int lp_package_set_metadata(lp_package *p, cJSON *obj, lp_error *err);
/* Replaces label.txt with copies of labels; n < 0 removes label.txt. */
void lp_package_set_labels(lp_package *p, const char *const *labels, int n);
/* Reads labels from a text file (one per line); refuses binary files. */
int lp_labels_read(const char *path, char ***labels, int *n_labels, lp_error *err);
void lp_labels_free(char **labels, int n);

/* metadata.json as Loupe writes it: two-space indentation, a final newline.
** The caller frees the result. */
char *lp_metadata_print(const cJSON *metadata);

/* ---- saving (package_save.c) ---- */

/* Writes the package as a zip: the model member's original bytes, then
** metadata.json and label.txt beside it, then any other members of the
** original zip unchanged. out_path NULL means over the package itself, or,
** for a bare NAME.onnx, a new NAME.zip beside it. Writing is safe (temporary
** file, fsync, rename); the first time an existing file is replaced, its
** original is kept as FILE.bak. On success p->path names the written zip. */
int lp_package_save(lp_package *p, const char *out_path, lp_error *err);
/* Where lp_package_save(p, NULL, ...) writes. The caller frees it. */
char *lp_package_default_path(const lp_package *p);

#endif
