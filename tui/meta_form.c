/*
** meta_form.c — the Metadata form over model/package.h.
**
** Every edit is applied to the package itself through lp_package_set /
** lp_package_unset / lp_package_set_labels; an undo step is a snapshot of
** metadata.json (as compact JSON) and label.txt taken before the edit.
** "Changed" and "dirty" compare with a copy of what was last saved.
*/
#include "tui/meta_form.h"
#include "model/package.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- the OML fields ---- */

static const char *const functions[] = {"classification", "regression", "clustering",
                                        "feature_extraction", NULL};
static const char *const channels[] = {"RGB", "BGR", NULL};

typedef struct field_info {
    const char *key;
    lp_field_kind kind;
    const char *const *choices;
    const char *help;
} field_info;

static const field_info oml_fields[] = {
    {"function", LP_FIELD_CHOICE, functions, "the mining function (required)"},
    {"regressionOutput", LP_FIELD_OUTPUT, NULL, "output holding the prediction"},
    {"classificationProbOutput", LP_FIELD_OUTPUT, NULL, "output holding the probabilities"},
    {"classificationLabelOutput", LP_FIELD_OUTPUT, NULL, "output holding the labels"},
    {"clusteringDistanceOutput", LP_FIELD_OUTPUT, NULL, "output holding cluster distances"},
    {"clusteringProbOutput", LP_FIELD_OUTPUT, NULL, "output holding cluster probabilities"},
    {"inputTensorDimNames", LP_FIELD_NAMES, NULL,
     "order of the 4 image dims, e.g. batch, height, width, channel"},
    {"height", LP_FIELD_INT, NULL, "image height in pixels"},
    {"width", LP_FIELD_INT, NULL, "image width in pixels"},
    {"channel", LP_FIELD_INT, NULL, "image channels, e.g. 3"},
    {"mean", LP_FIELD_NUMBERS, NULL, "per-channel mean subtracted, e.g. 123.68, 116.779, 103.939"},
    {"scale", LP_FIELD_NUMBERS, NULL, "per-channel scale, e.g. 1.0, 1.0, 1.0"},
    {"inputChannel", LP_FIELD_CHOICE, channels, "channel order of the pixels fed"},
};
#define N_OML ((int)LP_COUNT(oml_fields))

typedef struct snapshot {
    char *meta; /* compact JSON, NULL when there is no metadata.json */
    char **labels;
    int n_labels;
    bool has_labels;
} snapshot;

struct lp_meta_form {
    lp_package *pkg;
    snapshot saved;   /* as last saved (or opened) */
    snapshot pending; /* taken by begin() */
    bool in_edit;
    snapshot *undo;
    int n_undo;
    char **extra; /* keys present that OML does not define */
    int n_extra;
    lp_meta_problem *problems;
    int n_problems;
};

/* ---- snapshots ---- */

static snapshot take(const lp_package *p) {
    snapshot s = {0};
    if (p->metadata) s.meta = cJSON_PrintUnformatted(p->metadata);
    s.has_labels = p->has_labels;
    s.n_labels = p->n_labels;
    s.labels = lp_xcalloc((size_t)(p->n_labels > 0 ? p->n_labels : 1), sizeof *s.labels);
    for (int i = 0; i < p->n_labels; i++) s.labels[i] = lp_xstrdup(p->labels[i]);
    return s;
}

static void drop(snapshot *s) {
    free(s->meta);
    for (int i = 0; i < s->n_labels; i++) free(s->labels[i]);
    free(s->labels);
    memset(s, 0, sizeof *s);
}

static bool same(const snapshot *a, const snapshot *b) {
    bool ea = !a->meta || !strcmp(a->meta, "{}"), eb = !b->meta || !strcmp(b->meta, "{}");
    if (ea != eb || (!ea && strcmp(a->meta, b->meta))) return false;
    if (a->has_labels != b->has_labels || a->n_labels != b->n_labels) return false;
    for (int i = 0; i < a->n_labels; i++)
        if (strcmp(a->labels[i], b->labels[i])) return false;
    return true;
}

static void set_labels(lp_package *p, char **labels, int n, bool has) {
    lp_package_set_labels(p, (const char *const *)labels, has ? n : -1);
}

static void restore(lp_meta_form *f, const snapshot *s) {
    lp_package *p = f->pkg;
    if (s->meta) {
        lp_error err;
        lp_package_set_metadata(p, cJSON_Parse(s->meta), &err);
    } else {
        cJSON_Delete(p->metadata);
        p->metadata = NULL;
    }
    set_labels(p, s->labels, s->n_labels, s->has_labels);
}

/* ---- rows ---- */

static bool is_oml(const char *key) {
    for (int i = 0; i < N_OML; i++)
        if (!strcmp(oml_fields[i].key, key)) return true;
    return false;
}

static void find_extra(lp_meta_form *f) {
    for (int i = 0; i < f->n_extra; i++) free(f->extra[i]);
    free(f->extra);
    f->extra = NULL;
    f->n_extra = 0;
    if (!f->pkg->metadata) return;
    for (const cJSON *it = f->pkg->metadata->child; it; it = it->next) {
        if (!it->string || is_oml(it->string)) continue;
        bool seen = false;
        for (int i = 0; i < f->n_extra && !seen; i++) seen = !strcmp(f->extra[i], it->string);
        if (seen) continue;
        f->extra = lp_xrealloc(f->extra, (size_t)(f->n_extra + 1) * sizeof *f->extra);
        f->extra[f->n_extra++] = lp_xstrdup(it->string);
    }
}

int lp_meta_form_rows(const lp_meta_form *f) {
    return N_OML + f->n_extra;
}

const char *lp_meta_form_key(const lp_meta_form *f, int row) {
    if (row < 0) return "";
    if (row < N_OML) return oml_fields[row].key;
    return row - N_OML < f->n_extra ? f->extra[row - N_OML] : "";
}

lp_field_kind lp_meta_form_kind(const lp_meta_form *f, int row) {
    (void)f;
    return row >= 0 && row < N_OML ? oml_fields[row].kind : LP_FIELD_JSON;
}

const char *lp_meta_form_help(const lp_meta_form *f, int row) {
    (void)f;
    return row >= 0 && row < N_OML ? oml_fields[row].help : "a field OML Services does not define";
}

const char *const *lp_meta_form_choices(const lp_meta_form *f, int row) {
    (void)f;
    return row >= 0 && row < N_OML ? oml_fields[row].choices : NULL;
}

static lp_field_kind kind_of(const char *key) {
    for (int i = 0; i < N_OML; i++)
        if (!strcmp(oml_fields[i].key, key)) return oml_fields[i].kind;
    return LP_FIELD_JSON;
}

static void number_text(double v, char *buf, size_t n) {
    if (v == floor(v) && fabs(v) < 1e15)
        snprintf(buf, n, "%.1f", v);
    else
        snprintf(buf, n, "%.15g", v);
}

bool lp_meta_form_value(const lp_meta_form *f, const char *key, char *buf, size_t n) {
    buf[0] = 0;
    const cJSON *v =
        f->pkg->metadata ? cJSON_GetObjectItemCaseSensitive(f->pkg->metadata, key) : NULL;
    if (!v) return false;
    lp_field_kind kind = kind_of(key);
    if (cJSON_IsString(v) && kind != LP_FIELD_JSON) {
        snprintf(buf, n, "%s", v->valuestring);
        return true;
    }
    if (cJSON_IsNumber(v) && kind == LP_FIELD_INT && v->valuedouble == floor(v->valuedouble)) {
        snprintf(buf, n, "%.0f", v->valuedouble);
        return true;
    }
    if (cJSON_IsArray(v) && (kind == LP_FIELD_NUMBERS || kind == LP_FIELD_NAMES)) {
        size_t at = 0;
        bool ok = true;
        for (const cJSON *e = v->child; e && ok; e = e->next) {
            char one[64];
            if (kind == LP_FIELD_NUMBERS && cJSON_IsNumber(e))
                number_text(e->valuedouble, one, sizeof one);
            else if (kind == LP_FIELD_NAMES && cJSON_IsString(e))
                snprintf(one, sizeof one, "%s", e->valuestring);
            else
                ok = false;
            if (ok && at < n)
                at += (size_t)snprintf(buf + at, n - at, "%s%s", e == v->child ? "" : ", ", one);
        }
        if (ok) return true;
    }
    char *json = cJSON_PrintUnformatted(v);
    snprintf(buf, n, "%s", json ? json : "?");
    free(json);
    return true;
}

bool lp_meta_form_changed(const lp_meta_form *f, const char *key) {
    cJSON *saved = f->saved.meta ? cJSON_Parse(f->saved.meta) : NULL;
    const cJSON *a = saved ? cJSON_GetObjectItemCaseSensitive(saved, key) : NULL;
    const cJSON *b =
        f->pkg->metadata ? cJSON_GetObjectItemCaseSensitive(f->pkg->metadata, key) : NULL;
    bool changed = (!a) != (!b) || (a && !cJSON_Compare(a, b, 1));
    cJSON_Delete(saved);
    return changed;
}

/* ---- typed text to JSON ---- */

static char *trim(char *s) {
    while (isspace((unsigned char)*s)) s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) *--e = 0;
    return s;
}

/* Splits "a, b, c" or "[a, b, c]" on commas (or blanks when there is no
** comma) into items; returns the count. */
static int split_list(char *s, char **items, int max) {
    s = trim(s);
    size_t len = strlen(s);
    if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
        s[len - 1] = 0;
        s = trim(s + 1);
    }
    if (!*s) return 0;
    const char *seps = strchr(s, ',') ? "," : " \t";
    int n = 0;
    for (char *tok = strtok(s, seps); tok && n < max; tok = strtok(NULL, seps))
        items[n++] = trim(tok);
    return n;
}

static char *string_json(const char *s) {
    cJSON *v = cJSON_CreateString(s);
    char *out = cJSON_PrintUnformatted(v);
    cJSON_Delete(v);
    return out;
}

/* The JSON for text typed into a field of this kind (caller frees). */
static char *to_json(lp_field_kind kind, const char *text) {
    char copy[2048];
    snprintf(copy, sizeof copy, "%s", text);
    char *s = trim(copy);
    switch (kind) {
    case LP_FIELD_INT: {
        char *end;
        strtod(s, &end);
        if (*s && !*end) return lp_xstrdup(s); /* a number, whole or not: validation judges */
        return string_json(s);
    }
    case LP_FIELD_NUMBERS:
    case LP_FIELD_NAMES: {
        char *items[64];
        int n = split_list(s, items, 64);
        cJSON *arr = cJSON_CreateArray();
        bool ok = true;
        for (int i = 0; i < n && ok; i++) {
            if (kind == LP_FIELD_NUMBERS) {
                char *end;
                double v = strtod(items[i], &end);
                ok = *items[i] && !*end && isfinite(v);
                if (ok) cJSON_AddItemToArray(arr, cJSON_CreateNumber(v));
            } else {
                char *item = items[i];
                size_t len = strlen(item);
                if (len >= 2 && item[0] == '"' && item[len - 1] == '"') {
                    item[len - 1] = 0;
                    item++;
                }
                cJSON_AddItemToArray(arr, cJSON_CreateString(item));
            }
        }
        char *out = ok ? cJSON_PrintUnformatted(arr) : string_json(text);
        cJSON_Delete(arr);
        return out;
    }
    case LP_FIELD_JSON: {
        cJSON *v = cJSON_Parse(s);
        if (v) {
            cJSON_Delete(v);
            return lp_xstrdup(s);
        }
        return string_json(s);
    }
    default:
        return string_json(s);
    }
}

/* ---- editing ---- */

void lp_meta_form_begin(lp_meta_form *f) {
    if (f->in_edit) drop(&f->pending);
    f->pending = take(f->pkg);
    f->in_edit = true;
}

void lp_meta_form_end(lp_meta_form *f, bool keep) {
    if (!f->in_edit) return;
    f->in_edit = false;
    snapshot now = take(f->pkg);
    if (!keep) restore(f, &f->pending);
    if (keep && !same(&now, &f->pending)) {
        f->undo = lp_xrealloc(f->undo, (size_t)(f->n_undo + 1) * sizeof *f->undo);
        f->undo[f->n_undo++] = f->pending;
    } else {
        drop(&f->pending);
    }
    memset(&f->pending, 0, sizeof f->pending);
    drop(&now);
    find_extra(f);
    lp_meta_form_validate(f);
}

int lp_meta_form_set_text(lp_meta_form *f, const char *key, const char *text, lp_error *err) {
    char copy[2048];
    snprintf(copy, sizeof copy, "%s", text);
    if (!*trim(copy)) {
        if (f->pkg->metadata && cJSON_GetObjectItemCaseSensitive(f->pkg->metadata, key))
            lp_package_unset(f->pkg, key, err);
        lp_meta_form_validate(f);
        return LP_OK;
    }
    char *json = to_json(kind_of(key), text);
    int rc = lp_package_set(f->pkg, key, json, err);
    free(json);
    lp_meta_form_validate(f);
    return rc;
}

int lp_meta_form_unset(lp_meta_form *f, const char *key, lp_error *err) {
    if (!f->pkg->metadata || !cJSON_GetObjectItemCaseSensitive(f->pkg->metadata, key))
        return lp_fail(err, LP_EINPUT, "'%s' is not set", key);
    int rc = lp_package_unset(f->pkg, key, err);
    lp_meta_form_validate(f);
    return rc;
}

bool lp_meta_form_undo(lp_meta_form *f) {
    if (f->n_undo == 0) return false;
    snapshot *s = &f->undo[--f->n_undo];
    restore(f, s);
    drop(s);
    find_extra(f);
    lp_meta_form_validate(f);
    return true;
}

bool lp_meta_form_dirty(const lp_meta_form *f) {
    snapshot now = take(f->pkg);
    bool dirty = !same(&now, &f->saved);
    drop(&now);
    return dirty;
}

/* ---- labels ---- */

int lp_meta_form_labels(const lp_meta_form *f) {
    return f->pkg->has_labels ? f->pkg->n_labels : -1;
}

const char *lp_meta_form_label(const lp_meta_form *f, int i) {
    return i >= 0 && i < f->pkg->n_labels ? f->pkg->labels[i] : "";
}

/* Labels change by building the new list and handing it to the package. */
static void relabel(lp_meta_form *f, int skip, int insert_at, const char *insert, int set_at,
                    const char *set) {
    lp_package *p = f->pkg;
    int n = p->n_labels;
    char **out = lp_xcalloc((size_t)n + 2, sizeof *out);
    int k = 0;
    for (int i = 0; i <= n; i++) {
        if (i == insert_at && insert) out[k++] = (char *)insert;
        if (i == n) break;
        if (i == skip) continue;
        out[k++] = i == set_at ? (char *)set : p->labels[i];
    }
    /* the package frees its old list before copying: copy first */
    char **copy = lp_xcalloc((size_t)k + 1, sizeof *copy);
    for (int i = 0; i < k; i++) copy[i] = lp_xstrdup(out[i]);
    set_labels(p, copy, k, true);
    for (int i = 0; i < k; i++) free(copy[i]);
    free(copy);
    free(out);
}

void lp_meta_form_label_set(lp_meta_form *f, int i, const char *text) {
    relabel(f, -1, -1, NULL, i, text);
}
void lp_meta_form_label_insert(lp_meta_form *f, int at, const char *text) {
    relabel(f, -1, at, text, -1, NULL);
}
void lp_meta_form_label_delete(lp_meta_form *f, int i) {
    relabel(f, i, -1, NULL, -1, NULL);
}

void lp_meta_form_label_move(lp_meta_form *f, int i, int to) {
    lp_package *p = f->pkg;
    if (i < 0 || i >= p->n_labels || to < 0 || to >= p->n_labels || i == to) return;
    char *moved = lp_xstrdup(p->labels[i]);
    relabel(f, i, -1, NULL, -1, NULL);
    relabel(f, -1, to, moved, -1, NULL);
    free(moved);
}

void lp_meta_form_labels_remove(lp_meta_form *f) {
    set_labels(f->pkg, NULL, 0, false);
}

/* ---- problems ---- */

void lp_meta_form_validate(lp_meta_form *f) {
    free(f->problems);
    f->problems = NULL;
    f->n_problems = 0;
    lp_problems ps = {0};
    lp_metadata_validate(f->pkg, &ps);
    f->problems = lp_xcalloc((size_t)(ps.n > 0 ? ps.n : 1), sizeof *f->problems);
    for (int i = 0; i < ps.n; i++) {
        lp_meta_problem *q = &f->problems[f->n_problems++];
        q->warning = ps.items[i].severity == LP_SEV_WARNING;
        snprintf(q->field, sizeof q->field, "%s", ps.items[i].field ? ps.items[i].field : "");
        snprintf(q->file, sizeof q->file, "%s", ps.items[i].file ? ps.items[i].file : "");
        if (ps.items[i].field)
            snprintf(q->text, sizeof q->text, "%s: %s", ps.items[i].field, ps.items[i].message);
        else
            snprintf(q->text, sizeof q->text, "%s: %s", q->file, ps.items[i].message);
    }
    lp_problems_free(&ps);
}

int lp_meta_form_problem_count(const lp_meta_form *f) {
    return f->n_problems;
}

const lp_meta_problem *lp_meta_form_problem(const lp_meta_form *f, int i) {
    return i >= 0 && i < f->n_problems ? &f->problems[i] : NULL;
}

int lp_meta_form_errors(const lp_meta_form *f) {
    int n = 0;
    for (int i = 0; i < f->n_problems; i++) n += !f->problems[i].warning;
    return n;
}

const lp_meta_problem *lp_meta_form_field_problem(const lp_meta_form *f, const char *key) {
    for (int i = 0; i < f->n_problems; i++)
        if (!strcmp(f->problems[i].field, key)) return &f->problems[i];
    return NULL;
}

/* ---- the diff ---- */

static int split_lines(const char *text, char ***out) {
    int n = 0;
    char **lines = NULL;
    const char *p = text ? text : "";
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        lines = lp_xrealloc(lines, (size_t)(n + 1) * sizeof *lines);
        lines[n] = lp_xmalloc(len + 1);
        memcpy(lines[n], p, len);
        lines[n][len] = 0;
        if (len && lines[n][len - 1] == '\r') lines[n][len - 1] = 0;
        n++;
        p = e ? e + 1 : p + len;
    }
    *out = lines;
    return n;
}

static void add_line(char ***lines, int *n, char sign, const char *text) {
    *lines = lp_xrealloc(*lines, (size_t)(*n + 1) * sizeof **lines);
    size_t len = strlen(text);
    char *s = lp_xmalloc(len + 3);
    s[0] = sign;
    s[1] = ' ';
    memcpy(s + 2, text, len + 1);
    (*lines)[(*n)++] = s;
}

/* A line diff by longest common subsequence: the files are small. Common
** lines far from a change are left out. */
static void diff_lines(char **a, int na, char **b, int nb, char ***out, int *n) {
    size_t cells;
    if (lp_mul_size((size_t)na + 1, (size_t)nb + 1, &cells) || cells > (size_t)4 << 20) {
        for (int i = 0; i < na; i++) add_line(out, n, '-', a[i]);
        for (int j = 0; j < nb; j++) add_line(out, n, '+', b[j]);
        return;
    }
    int *L = lp_xcalloc(cells, sizeof *L);
#define AT(i, j) L[(size_t)(i) * (size_t)(nb + 1) + (size_t)(j)]
    for (int i = na - 1; i >= 0; i--)
        for (int j = nb - 1; j >= 0; j--)
            AT(i, j) = !strcmp(a[i], b[j])           ? AT(i + 1, j + 1) + 1
                       : AT(i + 1, j) > AT(i, j + 1) ? AT(i + 1, j)
                                                     : AT(i, j + 1);
    /* first the whole edit script, then only the context around changes */
    int total = na + nb, k = 0;
    char *sign = lp_xmalloc((size_t)total + 1);
    const char **text = lp_xcalloc((size_t)total + 1, sizeof *text);
    int i = 0, j = 0;
    while (i < na || j < nb) {
        if (i < na && j < nb && !strcmp(a[i], b[j]))
            sign[k] = ' ', text[k++] = a[i], i++, j++;
        else if (i < na && (j == nb || AT(i + 1, j) >= AT(i, j + 1)))
            sign[k] = '-', text[k++] = a[i++];
        else
            sign[k] = '+', text[k++] = b[j++];
    }
#undef AT
    for (int x = 0; x < k; x++) {
        bool near = false;
        for (int d = -2; d <= 2 && !near; d++) near = x + d >= 0 && x + d < k && sign[x + d] != ' ';
        if (near) add_line(out, n, sign[x], text[x]);
    }
    free(sign);
    free(text);
    free(L);
}

void lp_meta_form_diff(const lp_meta_form *f, char ***lines, int *n) {
    *lines = NULL;
    *n = 0;
    const lp_package *p = f->pkg;
    char *now = p->metadata ? lp_metadata_print(p->metadata) : NULL;
    char **a, **b;
    int na = split_lines(p->metadata_text, &a), nb = split_lines(now, &b);
    int before = *n;
    add_line(lines, n, '=', "metadata.json");
    diff_lines(a, na, b, nb, lines, n);
    if (*n == before + 1) free((*lines)[--*n]); /* no change: no header */
    for (int i = 0; i < na; i++) free(a[i]);
    for (int i = 0; i < nb; i++) free(b[i]);
    free(a);
    free(b);
    free(now);

    const snapshot *s = &f->saved;
    bool labels_changed = s->has_labels != p->has_labels || s->n_labels != p->n_labels;
    for (int i = 0; !labels_changed && i < p->n_labels; i++)
        labels_changed = strcmp(s->labels[i], p->labels[i]);
    if (labels_changed) {
        add_line(lines, n, '=', p->has_labels ? "label.txt" : "label.txt (removed)");
        diff_lines(s->labels, s->n_labels, p->labels, p->n_labels, lines, n);
    }
    /* header lines carry '=': show them without a sign */
    for (int i = 0; i < *n; i++)
        if ((*lines)[i][0] == '=')
            memmove((*lines)[i], (*lines)[i] + 2, strlen((*lines)[i] + 2) + 1);
}

/* ---- saving ---- */

char *lp_meta_form_target(const lp_meta_form *f) {
    return lp_package_default_path(f->pkg);
}

int lp_meta_form_save(lp_meta_form *f, char *said, size_t n, lp_error *err) {
    char *target = lp_package_default_path(f->pkg);
    char bak[4200];
    snprintf(bak, sizeof bak, "%s.bak", target);
    struct stat st;
    bool had_bak = stat(bak, &st) == 0;
    int rc = lp_package_save(f->pkg, NULL, err);
    if (rc == LP_OK) {
        bool has_bak = stat(bak, &st) == 0;
        drop(&f->saved);
        f->saved = take(f->pkg);
        if (has_bak && !had_bak)
            snprintf(said, n, "saved %s (the original kept as %s)", target, bak);
        else if (has_bak)
            snprintf(said, n, "saved %s (the first backup stays in %s)", target, bak);
        else
            snprintf(said, n, "saved %s", target);
    }
    free(target);
    return rc;
}

/* ---- life ---- */

lp_meta_form *lp_meta_form_new(lp_package *p) {
    lp_meta_form *f = lp_xcalloc(1, sizeof *f);
    f->pkg = p;
    f->saved = take(p);
    find_extra(f);
    lp_meta_form_validate(f);
    return f;
}

void lp_meta_form_free(lp_meta_form *f) {
    if (!f) return;
    drop(&f->saved);
    if (f->in_edit) drop(&f->pending);
    for (int i = 0; i < f->n_undo; i++) drop(&f->undo[i]);
    free(f->undo);
    for (int i = 0; i < f->n_extra; i++) free(f->extra[i]);
    free(f->extra);
    free(f->problems);
    free(f);
}
