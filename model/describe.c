/*
** describe.c — text forms of attributes, sizes and counts.
*/
#include "describe.h"

#include <stdio.h>
#include <string.h>

static void append(char *buf, size_t n, size_t *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t n, size_t *at, const char *fmt, ...) {
    if (*at >= n) return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *at, n - *at, fmt, ap);
    va_end(ap);
    if (w > 0) *at += (size_t)w;
    if (*at >= n) *at = n - 1;
}

char *lp_attr_format(const lp_attr *a, char *buf, size_t n, int max_items) {
    size_t at = 0;
    buf[0] = 0;
    int limit = max_items > 0 && a->n > max_items ? max_items : a->n;
    char tmp[256];
    switch (a->type) {
    case LP_ATTR_FLOAT: append(buf, n, &at, "%g", a->f); break;
    case LP_ATTR_INT: append(buf, n, &at, "%lld", (long long)a->i); break;
    case LP_ATTR_STRING: append(buf, n, &at, "%s", a->s); break;
    case LP_ATTR_FLOATS:
    case LP_ATTR_INTS:
    case LP_ATTR_STRINGS:
        append(buf, n, &at, "[");
        for (int i = 0; i < limit; i++) {
            if (a->type == LP_ATTR_FLOATS) append(buf, n, &at, "%s%g", i ? "," : "", a->floats[i]);
            else if (a->type == LP_ATTR_INTS) append(buf, n, &at, "%s%lld", i ? "," : "", (long long)a->ints[i]);
            else append(buf, n, &at, "%s\"%s\"", i ? "," : "", a->strings[i]);
        }
        append(buf, n, &at, "%s]", limit < a->n ? ",\u2026" : "");
        break;
    case LP_ATTR_TENSOR:
    case LP_ATTR_SPARSE_TENSOR:
        if (a->t) {
            append(buf, n, &at, "%s[%s]", lp_dtype_name(a->t->dtype),
                   a->t->rank ? lp_dims_str(a->t->rank, a->t->dims, tmp, sizeof tmp, true) : "");
            if (a->t->numel <= 4 && a->t->numel > 0) {
                append(buf, n, &at, " = ");
                for (int64_t i = 0; i < a->t->numel; i++) {
                    char v[64];
                    lp_tensor_format_value(a->t, i, v, sizeof v);
                    append(buf, n, &at, "%s%s", i ? "," : "", v);
                }
            }
        }
        break;
    case LP_ATTR_GRAPH:
        if (a->g) append(buf, n, &at, "graph '%s' (%d nodes)", a->g->name, a->g->n_nodes);
        break;
    case LP_ATTR_GRAPHS: append(buf, n, &at, "%d graphs", a->n); break;
    case LP_ATTR_TENSORS: append(buf, n, &at, "%d tensors", a->n); break;
    case LP_ATTR_TYPE_PROTO:
        if (a->tp) append(buf, n, &at, "%s", lp_type_str(a->tp, tmp, sizeof tmp));
        break;
    default: append(buf, n, &at, "(%s)", lp_attr_type_name(a->type));
    }
    if (a->ref) {
        at = 0;
        append(buf, n, &at, "@%s", a->ref);
    }
    return buf;
}

char *lp_bytes_str(uint64_t bytes, char *buf, size_t n) {
    static const char *units[] = {"B", "KB", "MB", "GB", "TB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024 && u < 4) v /= 1024, u++;
    if (u == 0) snprintf(buf, n, "%llu B", (unsigned long long)bytes);
    else snprintf(buf, n, "%.1f %s", v, units[u]);
    return buf;
}

char *lp_count_str(double c, char *buf, size_t n) {
    if (c >= 1e12) snprintf(buf, n, "%.2f T", c / 1e12);
    else if (c >= 1e9) snprintf(buf, n, "%.2f G", c / 1e9);
    else if (c >= 1e6) snprintf(buf, n, "%.2f M", c / 1e6);
    else if (c >= 1e4) snprintf(buf, n, "%.1f K", c / 1e3);
    else snprintf(buf, n, "%.0f", c);
    return buf;
}
