/*
** problems.c — the list of findings validation returns: adding, counting,
** comparing and formatting them as "PKG: metadata.json: field 'x': ...".
*/
#include "package.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lp_problems_add(lp_problems *ps, lp_severity sev, const char *file, const char *field,
                     const char *fmt, ...) {
    if (ps->n == ps->cap) {
        ps->cap = ps->cap ? ps->cap * 2 : 8;
        ps->items = lp_xrealloc(ps->items, (size_t)ps->cap * sizeof *ps->items);
    }
    lp_problem *pr = &ps->items[ps->n++];
    pr->severity = sev;
    pr->file = lp_xstrdup(file ? file : "");
    pr->field = field ? lp_xstrdup(field) : NULL;
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    pr->message = lp_xmalloc(len > 0 ? (size_t)len + 1 : 1);
    va_start(ap, fmt);
    vsnprintf(pr->message, len > 0 ? (size_t)len + 1 : 1, fmt, ap);
    va_end(ap);
}

int lp_problems_errors(const lp_problems *ps) {
    int n = 0;
    for (int i = 0; i < ps->n; i++) n += ps->items[i].severity == LP_SEV_ERROR;
    return n;
}

static bool same_str(const char *a, const char *b) {
    if (!a || !b) return a == b;
    return strcmp(a, b) == 0;
}

bool lp_problems_has(const lp_problems *ps, const lp_problem *pr) {
    for (int i = 0; i < ps->n; i++) {
        const lp_problem *q = &ps->items[i];
        if (q->severity == pr->severity && same_str(q->file, pr->file) &&
            same_str(q->field, pr->field) && same_str(q->message, pr->message))
            return true;
    }
    return false;
}

void lp_problem_format(const char *pkg, const lp_problem *pr, lp_buf *out) {
    lp_buf_printf(out, "%s: %s: %s", pkg, pr->file, pr->severity == LP_SEV_WARNING ? "warning: " : "");
    if (pr->field) lp_buf_printf(out, "field '%s': ", pr->field);
    lp_buf_printf(out, "%s", pr->message);
}

void lp_problems_free(lp_problems *ps) {
    for (int i = 0; i < ps->n; i++) {
        free(ps->items[i].file);
        free(ps->items[i].field);
        free(ps->items[i].message);
    }
    free(ps->items);
    ps->items = NULL;
    ps->n = ps->cap = 0;
}
