/*
** label.c — the texts of a picture: names cleaned to valid UTF-8 and cut
** to fit, types ("1×64×56×56 f32"), tensors ("⟨64×3×7×7⟩ = 0.02") and
** attribute values ("7,7", "\"LEAF\",…  (218)").
*/
#include "viz/label.h"

#include <stdio.h>
#include <string.h>

#define SMALL_VALUES 4 /* constants this small show their values */

/* Appends s (len bytes) as valid UTF-8: control characters become spaces
** (newlines kept when asked), broken sequences U+FFFD. */
void lp_viz_put_clean(lp_buf *b, const char *s, size_t len, bool newlines) {
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        unsigned c = *p;
        if (c < 0x80) {
            char ch = (char)c;
            if (c < 0x20 || c == 0x7f) ch = (c == '\n' && newlines) ? '\n' : ' ';
            lp_buf_append(b, &ch, 1);
            p++;
            continue;
        }
        int n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
        bool ok = n > 0 && p + n <= end && c < 0xf5;
        for (int k = 1; ok && k < n; k++) ok = (p[k] & 0xc0) == 0x80;
        if (ok && n == 3) {
            unsigned cp = ((c & 0x0f) << 12) | ((p[1] & 0x3f) << 6) | (p[2] & 0x3f);
            ok = cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff);
        }
        if (ok && n == 4) {
            unsigned cp = ((c & 0x07) << 18) | ((p[1] & 0x3f) << 12) | ((p[2] & 0x3f) << 6);
            ok = cp >= 0x10000 && cp <= 0x10ffff;
        }
        if (!ok) {
            lp_buf_append(b, "\xef\xbf\xbd", 3);
            p++;
            continue;
        }
        lp_buf_append(b, p, (size_t)n);
        p += n;
    }
}

static size_t utf8_chars(const char *s) {
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* A cleaned copy in the scene's arena, cut to max characters (0: no limit),
** keeping the head or, for names whose end says most, the tail. */
const char *lp_viz_text(lp_arena *a, const char *s, size_t max, bool keep_tail) {
    lp_buf t = {0};
    lp_viz_put_clean(&t, s ? s : "", s ? strlen(s) : 0, false);
    lp_buf_append(&t, "", 1);
    const char *out = t.data;
    char *cut = NULL;
    size_t n = utf8_chars(t.data);
    if (max && n > max) {
        const char *p = t.data;
        if (keep_tail) {
            for (size_t skip = n - (max - 1); skip; p++)
                if (((unsigned char)p[1] & 0xc0) != 0x80) skip--;
            cut = lp_arena_printf(a, "\u2026%s", p);
        } else {
            size_t keep = max - 1;
            while (*p && keep) {
                p++;
                if (((unsigned char)*p & 0xc0) != 0x80) keep--;
            }
            cut = lp_arena_printf(a, "%.*s\u2026", (int)(p - t.data), t.data);
        }
    }
    const char *r = cut ? cut : lp_arena_strdup(a, out);
    lp_buf_free(&t);
    return r;
}

/* A cleaned copy that keeps its newlines (tooltips). */
const char *lp_viz_text_lines(lp_arena *a, const char *s) {
    lp_buf t = {0};
    lp_viz_put_clean(&t, s, strlen(s), true);
    lp_buf_append(&t, "", 1);
    const char *r = lp_arena_strdup(a, t.data);
    lp_buf_free(&t);
    return r;
}

void lp_viz_type_text(lp_buf *b, const lp_type *t) {
    char shape[256];
    switch (t->kind) {
    case LP_KIND_TENSOR:
    case LP_KIND_SPARSE:
        if (t->rank >= 0) {
            lp_buf_printf(b, "%s", lp_shape_str(t, shape, sizeof shape, false));
            if (t->elem) lp_buf_printf(b, " ");
        }
        if (t->elem) lp_buf_printf(b, "%s", lp_dtype_short(t->elem));
        if (t->kind == LP_KIND_SPARSE) lp_buf_printf(b, " sparse");
        break;
    case LP_KIND_SEQUENCE:
    case LP_KIND_OPTIONAL:
        lp_buf_printf(b, "%s\u27e8", t->kind == LP_KIND_SEQUENCE ? "seq" : "opt");
        if (t->inner) lp_viz_type_text(b, t->inner);
        lp_buf_printf(b, "\u27e9");
        break;
    case LP_KIND_MAP:
        lp_buf_printf(b, "map\u27e8%s, ", lp_dtype_short(t->key));
        if (t->inner) lp_viz_type_text(b, t->inner);
        lp_buf_printf(b, "\u27e9");
        break;
    default: break;
    }
}

/* Appends "⟨64×3×7×7⟩" and, for a few numbers, " = 1, -1". */
void lp_viz_tensor_text(lp_buf *b, const lp_tensor *t) {
    char dims[256], v[64];
    lp_buf_printf(b, "\u27e8%s\u27e9", t->rank ? lp_dims_str(t->rank, t->dims, dims, sizeof dims, false) : "");
    if (t->numel > 0 && t->numel <= SMALL_VALUES && t->data && t->dtype != LP_STRING) {
        lp_buf_printf(b, " = ");
        for (int64_t i = 0; i < t->numel; i++) {
            lp_tensor_format_value(t, i, v, sizeof v);
            lp_buf_printf(b, "%s%s", i ? ", " : "", v);
        }
    }
}

/* Lists stop after max_items items, or once past max_chars bytes. */
void lp_viz_attr_text(lp_buf *out, const lp_attr *a, int max_items, size_t max_chars) {
    char tmp[256];
    if (a->ref) {
        lp_buf_printf(out, "@%s", a->ref);
        return;
    }
    switch (a->type) {
    case LP_ATTR_FLOAT: lp_buf_printf(out, "%g", a->f); break;
    case LP_ATTR_INT: lp_buf_printf(out, "%lld", (long long)a->i); break;
    case LP_ATTR_STRING: lp_viz_put_clean(out, a->s, a->s_len, false); break;
    case LP_ATTR_TENSOR:
    case LP_ATTR_SPARSE_TENSOR:
        if (a->t) {
            lp_viz_tensor_text(out, a->t);
            lp_buf_printf(out, " %s", lp_dtype_short(a->t->dtype));
        }
        break;
    case LP_ATTR_GRAPH: lp_buf_printf(out, "graph \u00b7 %d nodes", a->g ? a->g->n_nodes : 0); break;
    case LP_ATTR_GRAPHS: lp_buf_printf(out, "%d graphs", a->n); break;
    case LP_ATTR_TENSORS: lp_buf_printf(out, "%d tensors", a->n); break;
    case LP_ATTR_TYPE_PROTO:
        if (a->tp) lp_buf_printf(out, "%s", lp_type_str(a->tp, tmp, sizeof tmp));
        break;
    case LP_ATTR_FLOATS:
    case LP_ATTR_INTS:
    case LP_ATTR_STRINGS:
    case LP_ATTR_TYPE_PROTOS: {
        int shown = a->n < max_items ? a->n : max_items;
        size_t used = 0;
        lp_buf item = {0};
        for (int i = 0; i < shown; i++) {
            item.len = 0;
            if (a->type == LP_ATTR_FLOATS) lp_buf_printf(&item, "%g", a->floats[i]);
            else if (a->type == LP_ATTR_INTS) lp_buf_printf(&item, "%lld", (long long)a->ints[i]);
            else if (a->type == LP_ATTR_STRINGS) {
                lp_buf_printf(&item, "\"");
                lp_viz_put_clean(&item, a->strings[i], strlen(a->strings[i]), false);
                lp_buf_printf(&item, "\"");
            } else if (a->tp) lp_buf_printf(&item, "%s", lp_type_str(&a->tp[i], tmp, sizeof tmp));
            if (i && used + 1 + item.len > max_chars) {
                shown = i;
                break;
            }
            if (i) lp_buf_append(out, ",", 1);
            lp_buf_append(out, item.data, item.len);
            used += item.len + (i > 0);
        }
        lp_buf_free(&item);
        if (shown < a->n) lp_buf_printf(out, ",\u2026 (%d)", a->n);
        break;
    }
    default: lp_buf_printf(out, "?"); break;
    }
}
