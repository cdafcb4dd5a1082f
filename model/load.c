/*
** load.c — .onnx files and OML packages into memory, distrusting every size
** and every name a file claims.
*/
#include "load.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zip.h>

#define MAX_METADATA_BYTES ((size_t)16 << 20)
#define MAX_LABEL_BYTES ((size_t)64 << 20)

static char *dir_of(const char *path) {
    char *copy = lp_xstrdup(path);
    char *d = lp_xstrdup(dirname(copy));
    free(copy);
    return d;
}

int lp_model_load(const char *path, lp_model **out, lp_error *err) {
    uint8_t *bytes;
    size_t n;
    *out = NULL;
    int rc = lp_read_file(path, LP_MAX_FILE_BYTES, &bytes, &n, err);
    if (rc) return rc;
    if (n == 0) {
        free(bytes);
        return lp_fail(err, LP_EINPUT, "%s: the file is empty", path);
    }
    char *dir = dir_of(path);
    rc = lp_model_parse(bytes, n, path, dir, out, err);
    free(dir);
    return rc;
}

bool lp_zip_name_is_safe(const char *name) {
    if (!name || !*name || name[0] == '/' || strchr(name, '\\')) return false;
    if (strlen(name) >= 2 && name[1] == ':') return false; /* C:foo */
    const char *p = name;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 2 && p[0] == '.' && p[1] == '.') return false;
        if (!slash) break;
        p = slash + 1;
    }
    return true;
}

int lp_zip_read_member(const char *zip_path, void *zipp, long long index, size_t limit,
                       uint8_t **data, size_t *size, lp_error *err) {
    zip_t *za = zipp;
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(za, (zip_uint64_t)index, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
        return lp_fail(err, LP_EINPUT, "%s: cannot read member %lld", zip_path, index);
    const char *name = st.name ? st.name : "?";
    if (st.size > limit)
        return lp_fail(err, LP_EINPUT, "%s: member '%s' claims %llu bytes, more than the %zu allowed",
                       zip_path, name, (unsigned long long)st.size, limit);
    zip_file_t *zf = zip_fopen_index(za, (zip_uint64_t)index, 0);
    if (!zf)
        return lp_fail(err, LP_EINPUT, "%s: cannot open member '%s': %s", zip_path, name,
                       zip_strerror(za));
    uint8_t *buf = malloc((size_t)st.size + 1);
    if (!buf) {
        zip_fclose(zf);
        return lp_fail(err, LP_EFAIL, "%s: out of memory for member '%s'", zip_path, name);
    }
    zip_int64_t got = zip_fread(zf, buf, st.size);
    uint8_t extra;
    zip_int64_t more = got >= 0 ? zip_fread(zf, &extra, 1) : -1;
    int close_rc = zip_fclose(zf);
    if (got < 0 || (zip_uint64_t)got != st.size || more != 0 || close_rc != 0) {
        free(buf);
        return lp_fail(err, LP_EINPUT, "%s: member '%s' is damaged (its data does not match its "
                       "header)", zip_path, name);
    }
    buf[st.size] = 0;
    *data = buf;
    *size = (size_t)st.size;
    return LP_OK;
}

void lp_labels_parse(const char *text, size_t n, char ***labels, int *n_labels) {
    char **out = NULL;
    int count = 0;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && text[j] != '\n') j++;
        size_t len = j - i;
        if (len && text[i + len - 1] == '\r') len--;
        out = lp_xrealloc(out, (size_t)(count + 1) * sizeof *out);
        out[count] = lp_xmalloc(len + 1);
        memcpy(out[count], text + i, len);
        out[count][len] = 0;
        count++;
        i = j + 1;
    }
    while (count > 0 && out[count - 1][0] == 0) free(out[--count]);
    *labels = out;
    *n_labels = count;
}

static bool ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcasecmp(s + a - b, suffix);
}

static bool is_zip_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    unsigned char magic[4] = {0};
    size_t n = fread(magic, 1, 4, f);
    fclose(f);
    return n == 4 && magic[0] == 'P' && magic[1] == 'K' && (magic[2] == 3 || magic[2] == 5);
}

static int open_zip(lp_package *p, lp_error *err) {
    int zerr = 0;
    zip_t *za = zip_open(p->path, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
    if (!za) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, zerr);
        lp_fail(err, LP_EINPUT, "%s: not a readable zip: %s", p->path, zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return LP_EINPUT;
    }
    int rc = LP_OK;
    zip_int64_t n = zip_get_num_entries(za, 0);
    zip_int64_t model_at = -1, meta_at = -1, label_at = -1;
    for (zip_int64_t i = 0; i < n; i++) {
        const char *name = zip_get_name(za, (zip_uint64_t)i, 0);
        if (!lp_zip_name_is_safe(name)) {
            rc = lp_fail(err, LP_EINPUT, "%s: member name '%s' is absolute or leaves the package",
                         p->path, name ? name : "");
            goto done;
        }
        const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
        if (!*base) continue; /* a folder */
        if (ends_with(base, ".onnx")) {
            if (model_at >= 0) {
                rc = lp_fail(err, LP_EINPUT, "%s: holds two models ('%s' and '%s'); a package has "
                             "exactly one", p->path, zip_get_name(za, (zip_uint64_t)model_at, 0), name);
                goto done;
            }
            model_at = i;
        } else if (!strcmp(base, "metadata.json")) {
            meta_at = i;
        } else if (!strcmp(base, "label.txt")) {
            label_at = i;
        }
    }
    if (model_at < 0) {
        rc = lp_fail(err, LP_EINPUT, "%s: holds no .onnx model; a package has exactly one", p->path);
        goto done;
    }
    uint8_t *bytes;
    size_t size;
    if ((rc = lp_zip_read_member(p->path, za, model_at, ((size_t)2 << 30) - 1, &bytes, &size, err)))
        goto done;
    p->model_member = lp_xstrdup(zip_get_name(za, (zip_uint64_t)model_at, 0));
    {
        char where[4096];
        snprintf(where, sizeof where, "%s:%s", p->path, p->model_member);
        if (size == 0) {
            free(bytes);
            rc = lp_fail(err, LP_EINPUT, "%s: the model is empty", where);
            goto done;
        }
        /* external data cannot live inside a zip: refuse it (dir NULL) */
        if ((rc = lp_model_parse(bytes, size, where, NULL, &p->model, err))) goto done;
    }
    if (meta_at >= 0) {
        if ((rc = lp_zip_read_member(p->path, za, meta_at, MAX_METADATA_BYTES, &bytes, &size, err)))
            goto done;
        p->metadata_text = (char *)bytes;
        const char *end = NULL;
        p->metadata = cJSON_ParseWithLengthOpts(p->metadata_text, size, &end, 0);
        if (!p->metadata) {
            long at = end ? (long)(end - p->metadata_text) : 0;
            rc = lp_fail(err, LP_EINPUT, "%s: metadata.json is not valid JSON (near byte %ld)",
                         p->path, at);
            goto done;
        }
        if (!cJSON_IsObject(p->metadata)) {
            rc = lp_fail(err, LP_EINPUT, "%s: metadata.json must be a JSON object", p->path);
            goto done;
        }
    } else {
        rc = lp_fail(err, LP_EINPUT, "%s: has no metadata.json; a package needs one", p->path);
        goto done;
    }
    if (label_at >= 0) {
        if ((rc = lp_zip_read_member(p->path, za, label_at, MAX_LABEL_BYTES, &bytes, &size, err)))
            goto done;
        lp_labels_parse((const char *)bytes, size, &p->labels, &p->n_labels);
        p->has_labels = true;
        free(bytes);
    }
done:
    zip_discard(za);
    return rc;
}

int lp_package_open(const char *path, lp_package **out, lp_error *err) {
    *out = NULL;
    lp_package *p = lp_xcalloc(1, sizeof *p);
    p->path = lp_xstrdup(path);
    int rc;
    if (is_zip_file(path)) {
        p->is_zip = true;
        rc = open_zip(p, err);
    } else {
        rc = lp_model_load(path, &p->model, err);
    }
    if (rc) {
        lp_package_free(p);
        return rc;
    }
    *out = p;
    return LP_OK;
}

void lp_package_free(lp_package *p) {
    if (!p) return;
    lp_model_free(p->model);
    free(p->path);
    free(p->model_member);
    cJSON_Delete(p->metadata);
    free(p->metadata_text);
    for (int i = 0; i < p->n_labels; i++) free(p->labels[i]);
    free(p->labels);
    free(p);
}
