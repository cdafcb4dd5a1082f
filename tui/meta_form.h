/*
** meta_form.h — the Metadata screen's model: metadata.json as a form of
** typed OML fields, label.txt as a list, undo, live problems, the diff and
** the save.
**
** A thin adapter over model/package.h (lp_package_set, lp_metadata_validate,
** lp_package_save): edits go straight into the package through that API,
** validation is exactly `loupe meta validate`'s, and saving is its safe
** write. What lives here is only what a form needs on top: turning typed
** text into JSON by the field's kind, snapshots for undo and for cancelling a
** prompt, and the diff shown before saving.
*/
#ifndef LP_META_FORM_H
#define LP_META_FORM_H

#include "model/load.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum lp_field_kind {
    LP_FIELD_CHOICE,  /* one of a few words (function, inputChannel) */
    LP_FIELD_OUTPUT,  /* the name of one of the graph's outputs */
    LP_FIELD_INT,     /* height, width, channel */
    LP_FIELD_NUMBERS, /* mean, scale */
    LP_FIELD_NAMES,   /* inputTensorDimNames */
    LP_FIELD_JSON,    /* a field OML does not define: raw JSON */
} lp_field_kind;

typedef struct lp_meta_problem {
    bool warning;
    char field[64]; /* the field at fault, "" when none */
    char file[64];  /* "metadata.json", "label.txt", ... */
    char text[512];
} lp_meta_problem;

typedef struct lp_meta_form lp_meta_form;

lp_meta_form *lp_meta_form_new(lp_package *p);
void lp_meta_form_free(lp_meta_form *f);

/* Rows: every OML field, then any other key the file has. */
int lp_meta_form_rows(const lp_meta_form *f);
const char *lp_meta_form_key(const lp_meta_form *f, int row);
lp_field_kind lp_meta_form_kind(const lp_meta_form *f, int row);
const char *lp_meta_form_help(const lp_meta_form *f, int row);
/* Choices of a CHOICE field (NULL-terminated), NULL otherwise. */
const char *const *lp_meta_form_choices(const lp_meta_form *f, int row);
/* The value as the form shows it ("224", "1.0, 1.0, 1.0", "BGR"), "" when the
** field is absent; edit gives the text a prompt starts from. */
bool lp_meta_form_value(const lp_meta_form *f, const char *key, char *buf, size_t n);
/* True when the field differs from the saved file. */
bool lp_meta_form_changed(const lp_meta_form *f, const char *key);

/* Editing. begin() snapshots; set/unset change the package; end(keep) keeps
** the change as one undo step or, with keep false, restores the snapshot. */
void lp_meta_form_begin(lp_meta_form *f);
void lp_meta_form_end(lp_meta_form *f, bool keep);
/* Typed text to JSON by the field's kind; "" removes the field. Text that
** does not fit the kind is stored as a string, so that validation names the
** problem as `loupe meta validate` would. */
int lp_meta_form_set_text(lp_meta_form *f, const char *key, const char *text, lp_error *err);
int lp_meta_form_unset(lp_meta_form *f, const char *key, lp_error *err);
bool lp_meta_form_undo(lp_meta_form *f);
bool lp_meta_form_dirty(const lp_meta_form *f);

/* label.txt */
int lp_meta_form_labels(const lp_meta_form *f); /* -1 when there is no label.txt */
const char *lp_meta_form_label(const lp_meta_form *f, int i);
void lp_meta_form_label_set(lp_meta_form *f, int i, const char *text);
void lp_meta_form_label_insert(lp_meta_form *f, int at, const char *text);
void lp_meta_form_label_delete(lp_meta_form *f, int i);
void lp_meta_form_label_move(lp_meta_form *f, int i, int to);
/* Removes label.txt from the package altogether. */
void lp_meta_form_labels_remove(lp_meta_form *f);

/* Problems, as of the last validate() (called after every change). */
void lp_meta_form_validate(lp_meta_form *f);
int lp_meta_form_problem_count(const lp_meta_form *f);
const lp_meta_problem *lp_meta_form_problem(const lp_meta_form *f, int i);
int lp_meta_form_errors(const lp_meta_form *f);
/* The first problem about a field, or NULL. */
const lp_meta_problem *lp_meta_form_field_problem(const lp_meta_form *f, const char *key);

/* The changes as diff lines (" ", "+", "-" first), for the confirm dialog. */
void lp_meta_form_diff(const lp_meta_form *f, char ***lines, int *n);
/* Where save() writes (the package, or NAME.zip beside a bare NAME.onnx). */
char *lp_meta_form_target(const lp_meta_form *f);
/* Saves; on success says where and whether a .bak was kept. */
int lp_meta_form_save(lp_meta_form *f, char *said, size_t n, lp_error *err);

#endif
