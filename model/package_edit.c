/*
** package_edit.c — changing a package in memory: metadata fields set and
** removed, label.txt replaced, and metadata.json printed the way Loupe
** writes it. Saving is package_save.c's job.
*/
#include "package.h"

#include <stdlib.h>
#include <string.h>

#define MAX_LABEL_FILE ((size_t)64 << 20)

static cJSON *metadata_of(lp_package *p) {
    if (!p->metadata) p->metadata = cJSON_CreateObject();
    return p->metadata;
}

int lp_package_set(lp_package *p, const char *key, const char *json_value, lp_error *err) {
    if (!key || !*key) return lp_fail(err, LP_EINPUT, "%s: metadata.json: a field needs a name", p->path);
    if (!p->metadata || !cJSON_IsObject(p->metadata)) {
        cJSON_Delete(p->metadata);
        p->metadata = NULL;
    }
    const char *end = NULL;
    cJSON *value = cJSON_ParseWithOpts(json_value, &end, 1);
    if (!value) {
        /* not JSON: a bare word is a string, but broken JSON is a mistake */
        const char *s = json_value;
        while (*s == ' ' || *s == '\t' || *s == '\n') s++;
        if (*s == '[' || *s == '{' || *s == '"')
            return lp_fail(err, LP_EINPUT,
                           "%s: metadata.json: field '%s': %.60s is not valid JSON (near byte %ld)",
                           p->path, key, json_value, end ? (long)(end - json_value) : 0L);
        value = cJSON_CreateString(json_value);
    }
    cJSON *md = metadata_of(p);
    /* replace in place, keeping the field's position; drop any repeats */
    cJSON *old = cJSON_GetObjectItemCaseSensitive(md, key);
    if (old) {
        cJSON_ReplaceItemInObjectCaseSensitive(md, key, value);
        for (cJSON *it = value->next, *next; it; it = next) {
            next = it->next;
            if (it->string && !strcmp(it->string, key)) cJSON_Delete(cJSON_DetachItemViaPointer(md, it));
        }
    } else {
        cJSON_AddItemToObject(md, key, value);
    }
    p->dirty = true;
    return LP_OK;
}

int lp_package_unset(lp_package *p, const char *key, lp_error *err) {
    cJSON *md = p->metadata;
    if (!md || !cJSON_GetObjectItemCaseSensitive(md, key))
        return lp_fail(err, LP_EINPUT, "%s: metadata.json: has no field '%s'", p->path, key);
    cJSON *it;
    while ((it = cJSON_GetObjectItemCaseSensitive(md, key)))
        cJSON_Delete(cJSON_DetachItemViaPointer(md, it));
    p->dirty = true;
    return LP_OK;
}

int lp_package_set_metadata(lp_package *p, cJSON *obj, lp_error *err) {
    if (!cJSON_IsObject(obj)) {
        cJSON_Delete(obj);
        return lp_fail(err, LP_EINPUT, "%s: metadata.json must be a JSON object", p->path);
    }
    cJSON_Delete(p->metadata);
    p->metadata = obj;
    p->dirty = true;
    return LP_OK;
}

void lp_labels_free(char **labels, int n) {
    for (int i = 0; i < n; i++) free(labels[i]);
    free(labels);
}

void lp_package_set_labels(lp_package *p, const char *const *labels, int n) {
    lp_labels_free(p->labels, p->n_labels);
    p->labels = NULL;
    p->n_labels = 0;
    p->has_labels = n >= 0;
    if (n > 0) {
        p->labels = lp_xcalloc((size_t)n, sizeof *p->labels);
        for (int i = 0; i < n; i++) p->labels[i] = lp_xstrdup(labels[i]);
        p->n_labels = n;
    }
    p->dirty = true;
}

int lp_labels_read(const char *path, char ***labels, int *n_labels, lp_error *err) {
    uint8_t *data;
    size_t n;
    int rc = lp_read_file(path, MAX_LABEL_FILE, &data, &n, err);
    if (rc) return rc;
    if (memchr(data, 0, n)) {
        free(data);
        return lp_fail(err, LP_EINPUT, "%s: is not a text file (it holds NUL bytes)", path);
    }
    lp_labels_parse((const char *)data, n, labels, n_labels);
    free(data);
    return LP_OK;
}

/* cJSON indents with tabs and puts a tab after each colon. Tabs inside
** strings are escaped, so every raw tab is layout: indentation becomes two
** spaces per level, and the one after a colon a single space. */
char *lp_metadata_print(const cJSON *metadata) {
    char *raw = cJSON_Print(metadata);
    if (!raw) return lp_xstrdup("{}\n");
    lp_buf out = {0};
    bool line_start = true;
    for (const char *s = raw; *s; s++) {
        if (*s == '\t') lp_buf_append(&out, line_start ? "  " : " ", line_start ? 2 : 1);
        else {
            lp_buf_append(&out, s, 1);
            line_start = *s == '\n';
        }
    }
    lp_buf_append(&out, "\n", 1);
    free(raw);
    return out.data;
}
