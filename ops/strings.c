/*
** strings.c — string kernels: StringNormalizer, StringConcat, StringSplit,
** RegexFullMatch, TfIdfVectorizer.
**
** Case mapping decodes UTF-8 and maps each code point with the C.UTF-8
** locale's tables (simple one-to-one Unicode mappings; the `locale`
** attribute is not consulted, so Turkish dotted i and the like follow the
** default rules). Without C.UTF-8 only ASCII letters change case.
**
** RegexFullMatch translates the RE2 pattern to a POSIX extended regex run by
** the C library (see to_posix for what is translated and what is refused).
*/
#include "model/strmap.h"
#include "ops/kernel.h"

#include <locale.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

/* ---- UTF-8 ---- */

static locale_t utf8_loc;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void utf8_init(void) {
    utf8_loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    if (!utf8_loc) utf8_loc = newlocale(LC_CTYPE_MASK, "C.utf8", (locale_t)0);
}

static locale_t utf8_locale(void) {
    pthread_once(&utf8_once, utf8_init);
    return utf8_loc;
}

/* Decodes one code point at s (n bytes left); invalid bytes decode as
** themselves, one at a time, so text passes through unchanged. */
static uint32_t utf8_next(const unsigned char *s, size_t n, size_t *len) {
    unsigned c = s[0];
    int extra = c >= 0xf0 && c < 0xf8 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 && c < 0xe0 ? 1 : 0;
    if (c < 0x80 || extra == 0 || (size_t)extra >= n) {
        *len = 1;
        return c;
    }
    uint32_t cp = c & (0x3f >> extra);
    for (int i = 1; i <= extra; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *len = 1;
            return c;
        }
        cp = cp << 6 | (s[i] & 0x3f);
    }
    *len = (size_t)extra + 1;
    return cp;
}

static size_t utf8_put(uint32_t cp, char *out) {
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) return o[0] = (unsigned char)cp, 1;
    if (cp < 0x800) return o[0] = (unsigned char)(0xc0 | cp >> 6), o[1] = (unsigned char)(0x80 | (cp & 0x3f)), 2;
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xe0 | cp >> 12);
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (unsigned char)(0xf0 | cp >> 18);
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (unsigned char)(0x80 | (cp & 0x3f));
    return 4;
}

/* A malloc'd copy of s with every letter lowered (upper = false) or raised. */
static char *change_case(const char *s, bool upper) {
    size_t n = strlen(s);
    char *out = lp_xmalloc(n * 4 + 1), *o = out;
    locale_t loc = utf8_locale();
    for (size_t i = 0; i < n;) {
        size_t len;
        uint32_t cp = utf8_next((const unsigned char *)s + i, n - i, &len);
        uint32_t mapped = cp;
        if (len == 1 && cp >= 0x80) {
            *o++ = s[i]; /* a stray byte stays as it was */
            i++;
            continue;
        }
        if (loc) mapped = (uint32_t)(upper ? towupper_l((wint_t)cp, loc) : towlower_l((wint_t)cp, loc));
        else if (cp < 0x80) mapped = (uint32_t)(upper ? (cp >= 'a' && cp <= 'z' ? cp - 32 : cp)
                                                      : (cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
        o += utf8_put(mapped, o);
        i += len;
    }
    *o = 0;
    return out;
}

/* Python's str.isspace() for one code point. */
static bool is_space(uint32_t cp) {
    return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) || cp == 0x85 ||
           cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 ||
           cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

static char *dup_range(const char *s, size_t n) {
    char *d = lp_xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

/* ---- StringNormalizer ---- */

int lp_k_string_normalizer(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0);
    if (!x || x->dtype != LP_STRING) return lp_kbad(k, "X must be a string tensor");
    if (!(x->rank == 1 || (x->rank == 2 && x->dims[0] == 1)))
        return lp_kbad(k, "X must have shape [C] or [1, C]");
    const char *action = lp_attr_string(k->node, "case_change_action", "NONE");
    bool lower = !strcmp(action, "LOWER"), upper = !strcmp(action, "UPPER");
    if (!lower && !upper && strcmp(action, "NONE"))
        return lp_kfail(k, "case_change_action '%s' is not LOWER, UPPER or NONE", action);
    bool sensitive = lp_attr_int(k->node, "is_case_sensitive", 0) != 0;
    const lp_attr *sw = lp_node_attr(k->node, "stopwords");
    int n_stop = sw ? sw->n : 0;
    /* stopwords compared in lower case unless case-sensitive */
    char **stop = lp_xcalloc((size_t)n_stop + 1, sizeof *stop);
    for (int i = 0; i < n_stop; i++)
        stop[i] = sensitive ? lp_xstrdup(sw->strings[i]) : change_case(sw->strings[i], false);
    char *const *xs = x->data;
    char **kept = lp_xcalloc((size_t)x->numel + 1, sizeof *kept);
    int64_t n_kept = 0;
    for (int64_t i = 0; i < x->numel; i++) {
        char *probe = sensitive ? NULL : change_case(xs[i], false);
        bool drop = false;
        for (int j = 0; j < n_stop && !drop; j++) drop = !strcmp(probe ? probe : xs[i], stop[j]);
        free(probe);
        if (drop) continue;
        kept[n_kept++] = lower ? change_case(xs[i], false)
                         : upper ? change_case(xs[i], true)
                                 : lp_xstrdup(xs[i]);
    }
    for (int i = 0; i < n_stop; i++) free(stop[i]);
    free(stop);
    int64_t dims[2] = {1, n_kept ? n_kept : 1};
    int rc = LP_OK;
    lp_tensor *y = x->rank == 1 ? lp_out(k, 0, LP_STRING, 1, dims + 1) : lp_out(k, 0, LP_STRING, 2, dims);
    if (!y) rc = k->err->status;
    for (int64_t i = 0; i < n_kept; i++) {
        if (y) {
            free(((char **)y->data)[i]);
            ((char **)y->data)[i] = kept[i];
        } else {
            free(kept[i]);
        }
    }
    free(kept);
    return rc;
}

/* ---- StringConcat ---- */

int lp_k_string_concat(lp_kctx *k) {
    const lp_tensor *ts[2] = {lp_in(k, 0), lp_in(k, 1)};
    if (!ts[0] || !ts[1] || ts[0]->dtype != LP_STRING || ts[1]->dtype != LP_STRING)
        return lp_kbad(k, "X and Y must be string tensors");
    int rank;
    int64_t dims[LP_MAX_RANK], sa[LP_MAX_RANK], sb[LP_MAX_RANK], idx[LP_MAX_RANK] = {0};
    int rc = lp_broadcast_shape(k, ts, 2, &rank, dims);
    if (rc) return rc;
    lp_tensor *z = lp_out(k, 0, LP_STRING, rank, dims);
    if (!z) return k->err->status;
    lp_broadcast_strides(ts[0], rank, dims, sa);
    lp_broadcast_strides(ts[1], rank, dims, sb);
    char *const *a = ts[0]->data, *const *b = ts[1]->data;
    char **out = z->data;
    for (int64_t e = 0; e < z->numel; e++) {
        int64_t ia = 0, ib = 0;
        for (int d = 0; d < rank; d++) {
            ia += idx[d] * sa[d];
            ib += idx[d] * sb[d];
        }
        size_t la = strlen(a[ia]), lb = strlen(b[ib]);
        char *s = lp_xmalloc(la + lb + 1);
        memcpy(s, a[ia], la);
        memcpy(s + la, b[ib], lb + 1);
        free(out[e]);
        out[e] = s;
        for (int d = rank - 1; d >= 0; d--) {
            if (++idx[d] < dims[d]) break;
            idx[d] = 0;
        }
    }
    return LP_OK;
}

/* ---- StringSplit ---- */

typedef struct pieces {
    char **v;
    int64_t n, cap;
} pieces;

static void piece_add(pieces *p, const char *s, size_t n) {
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 8;
        p->v = lp_xrealloc(p->v, (size_t)p->cap * sizeof *p->v);
    }
    p->v[p->n++] = dup_range(s, n);
}

/* Python's s.split(delim, maxsplit); delim NULL splits on runs of whitespace. */
static void split_one(const char *s, const char *delim, int64_t maxsplit, pieces *p) {
    size_t n = strlen(s);
    if (delim) {
        size_t dl = strlen(delim), start = 0;
        int64_t splits = 0;
        for (size_t i = 0; i + dl <= n;) {
            if ((maxsplit < 0 || splits < maxsplit) && !memcmp(s + i, delim, dl)) {
                piece_add(p, s + start, i - start);
                i += dl;
                start = i;
                splits++;
            } else {
                i++;
            }
        }
        piece_add(p, s + start, n - start);
        return;
    }
    int64_t splits = 0;
    size_t i = 0, len;
    for (;;) {
        while (i < n && is_space(utf8_next((const unsigned char *)s + i, n - i, &len))) i += len;
        if (i >= n) break;
        if (maxsplit >= 0 && splits == maxsplit) {
            /* the rest, trailing whitespace and all */
            piece_add(p, s + i, n - i);
            break;
        }
        size_t start = i;
        while (i < n && !is_space(utf8_next((const unsigned char *)s + i, n - i, &len))) i += len;
        piece_add(p, s + start, i - start);
        splits++;
    }
}

int lp_k_string_split(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0);
    if (!x || x->dtype != LP_STRING) return lp_kbad(k, "X must be a string tensor");
    if (x->rank + 1 > LP_MAX_RANK) return lp_kbad(k, "X has too high a rank");
    const char *delim = lp_attr_string(k->node, "delimiter", "");
    if (!*delim) delim = NULL;
    const lp_attr *ms = lp_node_attr(k->node, "maxsplit");
    int64_t maxsplit = ms ? ms->i : -1;
    pieces *all = lp_xcalloc((size_t)x->numel + 1, sizeof *all);
    int64_t widest = 0;
    char *const *xs = x->data;
    for (int64_t i = 0; i < x->numel; i++) {
        split_one(xs[i], delim, maxsplit, &all[i]);
        if (all[i].n > widest) widest = all[i].n;
    }
    int64_t dims[LP_MAX_RANK];
    memcpy(dims, x->dims, (size_t)x->rank * sizeof *dims);
    dims[x->rank] = widest;
    int rc = LP_OK;
    lp_tensor *y = lp_out(k, 0, LP_STRING, x->rank + 1, dims);
    lp_tensor *z = y ? lp_out(k, 1, LP_INT64, x->rank, x->dims) : NULL;
    if (!y || !z) rc = k->err->status;
    for (int64_t i = 0; i < x->numel; i++) {
        for (int64_t j = 0; j < all[i].n; j++) {
            if (rc == LP_OK) {
                char **slot = (char **)y->data + i * widest + j;
                free(*slot);
                *slot = all[i].v[j];
            } else {
                free(all[i].v[j]);
            }
        }
        if (rc == LP_OK) ((int64_t *)z->data)[i] = all[i].n;
        free(all[i].v);
    }
    free(all);
    return rc;
}

/* ---- RegexFullMatch ---- */

typedef struct regex_state {
    regex_t re;
} regex_state;

static void buf_putc(lp_buf *b, char c) { lp_buf_append(b, &c, 1); }

/* The bracket-expression text for a class escape, or NULL. */
static const char *class_body(char c) {
    switch (c) {
    case 'd': return "0-9";
    case 'w': return "A-Za-z0-9_";
    case 's': return " \t\n\f\r";
    default: return NULL;
    }
}

static int escape_char(char c) {
    switch (c) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case 'f': return '\f';
    case 'v': return '\v';
    case 'a': return '\a';
    default: return -1;
    }
}

/* Rewrites an RE2 pattern as POSIX ERE anchored at both ends. Translated:
** \d \w \s and their negations (ASCII, in and out of brackets), \b \B,
** \A \z, escapes of punctuation and \n \t \r \f \v \a, `.` (not matching
** newline, as in RE2), (?:...) groups, a leading (?i), and lazy
** quantifiers (the same as greedy ones for a full match). Refused: other
** (?...) groups, \p{..} classes, \x and octal escapes, backreferences.
** POSIX matching is leftmost-longest, which a full match does not notice.
** Matching runs in the C.UTF-8 locale, so `.` and [...] take whole code
** points; unlike RE2, a string with invalid UTF-8 fails where the bad byte
** would have to match. */
static int to_posix(const char *p, lp_buf *out, int *flags, char *why, size_t why_n) {
    *flags = REG_EXTENDED | REG_NOSUB;
    if (!strncmp(p, "(?i)", 4)) {
        *flags |= REG_ICASE;
        p += 4;
    }
    lp_buf_append(out, "^(", 2);
    for (size_t i = 0; p[i]; i++) {
        char c = p[i];
        if (c == '\\') {
            char e = p[++i];
            const char *cls = class_body(e);
            const char *neg = class_body((char)(e | 0x20));
            if (!e) return snprintf(why, why_n, "the pattern ends in a backslash"), -1;
            if (cls) lp_buf_printf(out, "[%s]", cls);
            else if (neg && e >= 'A' && e <= 'Z') lp_buf_printf(out, "[^%s]", neg);
            else if (e == 'b' || e == 'B') lp_buf_printf(out, "\\%c", e);
            else if (e == 'A') buf_putc(out, '^');
            else if (e == 'z') buf_putc(out, '$');
            else if (escape_char(e) >= 0) buf_putc(out, (char)escape_char(e));
            else if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9'))
                return snprintf(why, why_n, "the escape \\%c is not supported", e), -1;
            else lp_buf_printf(out, "\\%c", e);
        } else if (c == '[') {
            /* a bracket expression: literal ] ^ - collected and placed where POSIX wants them */
            bool negate = p[i + 1] == '^', close = false, dash = false, caret = false;
            i += negate ? 2 : 1;
            lp_buf body = {0};
            if (p[i] == ']') {
                close = true;
                i++;
            }
            for (; p[i] && p[i] != ']'; i++) {
                if (p[i] == '[' && p[i + 1] == ':') {
                    const char *end = strstr(p + i, ":]");
                    if (!end) break;
                    lp_buf_append(&body, p + i, (size_t)(end + 2 - (p + i)));
                    i = (size_t)(end + 1 - p);
                } else if (p[i] == '\\' && p[i + 1]) {
                    char e = p[++i];
                    if (class_body(e)) lp_buf_printf(&body, "%s", class_body(e));
                    else if (escape_char(e) >= 0) buf_putc(&body, (char)escape_char(e));
                    else if (e == ']') close = true;
                    else if (e == '-') dash = true;
                    else if (e == '^') caret = true;
                    else if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z')) {
                        lp_buf_free(&body);
                        return snprintf(why, why_n, "the escape \\%c in [...] is not supported", e), -1;
                    } else buf_putc(&body, e);
                } else if (p[i] == '-' && (p[i + 1] == ']' || body.len == 0)) {
                    dash = true;
                } else if (p[i] == '^') {
                    caret = true;
                } else {
                    buf_putc(&body, p[i]);
                }
            }
            if (p[i] != ']') {
                lp_buf_free(&body);
                return snprintf(why, why_n, "a [ is not closed"), -1;
            }
            buf_putc(out, '[');
            if (negate) buf_putc(out, '^');
            if (close) buf_putc(out, ']');
            if (body.len) lp_buf_append(out, body.data, body.len);
            if (caret) buf_putc(out, '^');
            if (dash) buf_putc(out, '-');
            buf_putc(out, ']');
            lp_buf_free(&body);
        } else if (c == '.') {
            lp_buf_append(out, "[^\n]", 4);
        } else if (c == '(' && p[i + 1] == '?') {
            if (p[i + 2] != ':') return snprintf(why, why_n, "(?%c groups are not supported", p[i + 2]), -1;
            buf_putc(out, '(');
            i += 2;
        } else if (c == '?' && i > 0 && strchr("*+?}", p[i - 1]) &&
                   !(i > 1 && p[i - 2] == '\\')) {
            /* a lazy quantifier: no different for a full match */
        } else {
            buf_putc(out, c);
        }
    }
    lp_buf_append(out, ")$", 3); /* with the NUL */
    return 0;
}

int lp_k_regex_full_match_prepare(lp_kctx *k) {
    const char *pattern = lp_attr_string(k->node, "pattern", NULL);
    if (!pattern) return lp_kfail(k, "has no pattern");
    lp_buf posix = {0};
    int flags;
    char why[200];
    if (to_posix(pattern, &posix, &flags, why, sizeof why)) {
        lp_buf_free(&posix);
        char label[256];
        return lp_fail(k->err, LP_EUNSUPPORTED, "node '%s' (RegexFullMatch): pattern '%s': %s",
                       lp_node_label(k->node, label, sizeof label), pattern, why);
    }
    regex_state *st = lp_xcalloc(1, sizeof *st);
    locale_t loc = utf8_locale(), old = loc ? uselocale(loc) : (locale_t)0;
    int rc = regcomp(&st->re, posix.data, flags);
    if (loc) uselocale(old);
    lp_buf_free(&posix);
    if (rc) {
        regerror(rc, &st->re, why, sizeof why);
        free(st);
        return lp_kbad(k, "pattern '%s' does not compile: %s", pattern, why);
    }
    k->state = st;
    return LP_OK;
}

void lp_k_regex_full_match_release(void *state) {
    regex_state *st = state;
    if (!st) return;
    regfree(&st->re);
    free(st);
}

int lp_k_regex_full_match(lp_kctx *k) {
    const lp_tensor *x = lp_in(k, 0);
    regex_state *st = k->state;
    if (!st) return lp_kfail(k, "was not prepared");
    if (!x || x->dtype != LP_STRING) return lp_kbad(k, "X must be a string tensor");
    lp_tensor *y = lp_out(k, 0, LP_BOOL, x->rank, x->dims);
    if (!y) return k->err->status;
    locale_t loc = utf8_locale(), old = loc ? uselocale(loc) : (locale_t)0;
    char *const *xs = x->data;
    for (int64_t i = 0; i < x->numel; i++)
        ((uint8_t *)y->data)[i] = regexec(&st->re, xs[i], 0, NULL, 0) == 0;
    if (loc) uselocale(old);
    return LP_OK;
}

/* ---- TfIdfVectorizer ---- */

/* The pool's n-grams, as sequences of token ids, in a hash table that maps
** each to its output column. Strings become ids through a vocabulary. */
typedef struct tfidf_state {
    int min_n, max_n, max_skip;
    int mode; /* 0 TF, 1 IDF, 2 TFIDF */
    bool strings;
    int64_t out_size;
    float *weights; /* by output column, or NULL */
    int64_t n_weights;
    lp_strmap vocab;  /* string pools: token -> id */
    int64_t *grams;   /* flat token ids */
    int64_t *slot_at; /* per table slot: offset in grams, -1 empty */
    int *slot_n;
    int64_t *slot_col;
    size_t cap;
} tfidf_state;

static uint64_t gram_hash(const int64_t *ids, int n) {
    uint64_t h = 1469598103934665603ull ^ (uint64_t)n;
    for (int i = 0; i < n; i++) h = (h ^ (uint64_t)ids[i]) * 1099511628211ull;
    return h ^ (h >> 29);
}

static int64_t *gram_find(tfidf_state *st, const int64_t *ids, int n) {
    for (size_t s = gram_hash(ids, n) & (st->cap - 1);; s = (s + 1) & (st->cap - 1)) {
        if (st->slot_at[s] < 0) return NULL;
        if (st->slot_n[s] == n && !memcmp(st->grams + st->slot_at[s], ids, (size_t)n * sizeof *ids))
            return &st->slot_col[s];
    }
}

static void gram_put(tfidf_state *st, int64_t at, int n, int64_t col) {
    const int64_t *ids = st->grams + at;
    size_t s = gram_hash(ids, n) & (st->cap - 1);
    for (; st->slot_at[s] >= 0; s = (s + 1) & (st->cap - 1))
        if (st->slot_n[s] == n && !memcmp(st->grams + st->slot_at[s], ids, (size_t)n * sizeof *ids))
            break; /* a repeated n-gram: the last one wins, as in the reference */
    st->slot_at[s] = at;
    st->slot_n[s] = n;
    st->slot_col[s] = col;
}

void lp_k_tfidf_vectorizer_release(void *state) {
    tfidf_state *st = state;
    if (!st) return;
    free(st->weights);
    lp_strmap_free(&st->vocab);
    free(st->grams);
    free(st->slot_at);
    free(st->slot_n);
    free(st->slot_col);
    free(st);
}

int lp_k_tfidf_vectorizer_prepare(lp_kctx *k) {
    const lp_node *n = k->node;
    int64_t min_n = lp_attr_int(n, "min_gram_length", 0), max_n = lp_attr_int(n, "max_gram_length", 0);
    int64_t skip = lp_attr_int(n, "max_skip_count", 0);
    const char *mode = lp_attr_string(n, "mode", "");
    int n_counts, n_idx, n_w = 0;
    const int64_t *counts = lp_attr_ints(n, "ngram_counts", &n_counts);
    const int64_t *idx = lp_attr_ints(n, "ngram_indexes", &n_idx);
    const float *w = lp_attr_floats(n, "weights", &n_w);
    const lp_attr *ps = lp_node_attr(n, "pool_strings");
    int n_ints = 0;
    const int64_t *pi = lp_attr_ints(n, "pool_int64s", &n_ints);
    int pool_n = ps ? ps->n : n_ints;
    if (min_n < 1 || max_n < min_n || max_n > 64 || skip < 0 || skip > 1 << 20)
        return lp_kfail(k, "gram lengths %lld..%lld or max_skip_count %lld are invalid",
                        (long long)min_n, (long long)max_n, (long long)skip);
    if (!counts || !idx || (!ps == !pi))
        return lp_kfail(k, "needs ngram_counts, ngram_indexes and one of pool_strings, pool_int64s");
    int m = strcmp(mode, "TF") ? strcmp(mode, "IDF") ? strcmp(mode, "TFIDF") ? -1 : 2 : 1 : 0;
    if (m < 0) return lp_kfail(k, "mode '%s' is not TF, IDF or TFIDF", mode);
    tfidf_state *st = lp_xcalloc(1, sizeof *st);
    k->state = st;
    st->min_n = (int)min_n;
    st->max_n = (int)max_n;
    st->max_skip = (int)skip;
    st->mode = m;
    st->strings = ps != NULL;
    for (int i = 0; i < n_idx; i++) {
        if (idx[i] < 0 || idx[i] > INT32_MAX) return lp_kfail(k, "ngram_indexes[%d] is %lld", i, (long long)idx[i]);
        if (idx[i] + 1 > st->out_size) st->out_size = idx[i] + 1;
    }
    if (n_w) {
        st->weights = lp_xmalloc((size_t)n_w * sizeof *st->weights);
        memcpy(st->weights, w, (size_t)n_w * sizeof *w);
        st->n_weights = n_w;
    }
    st->grams = lp_xcalloc((size_t)pool_n + 1, sizeof *st->grams);
    for (int i = 0; i < pool_n; i++) {
        if (ps) {
            int id = lp_strmap_get(&st->vocab, ps->strings[i], -1);
            if (id < 0) lp_strmap_put(&st->vocab, ps->strings[i], id = (int)st->vocab.len);
            st->grams[i] = id;
        } else {
            st->grams[i] = pi[i];
        }
    }
    for (st->cap = 16; st->cap < (size_t)pool_n * 2; st->cap *= 2) {}
    st->slot_at = lp_xmalloc(st->cap * sizeof *st->slot_at);
    st->slot_n = lp_xcalloc(st->cap, sizeof *st->slot_n);
    st->slot_col = lp_xcalloc(st->cap, sizeof *st->slot_col);
    memset(st->slot_at, 0xff, st->cap * sizeof *st->slot_at);
    /* group g of the pool holds (g+1)-grams; every n-gram takes the next index */
    int64_t gram_no = 0;
    for (int g = 0; g < n_counts; g++) {
        int64_t start = counts[g], end = g + 1 < n_counts ? counts[g + 1] : pool_n;
        int size = g + 1;
        if (start < 0 || end < start || end > pool_n)
            return lp_kfail(k, "ngram_counts[%d] is out of the pool's range", g);
        for (int64_t at = start; at + size <= end; at += size, gram_no++) {
            if (gram_no >= n_idx) return lp_kfail(k, "ngram_indexes has fewer entries than the pool");
            if (size >= st->min_n && size <= st->max_n) gram_put(st, at, size, idx[gram_no]);
        }
    }
    return LP_OK;
}

int lp_k_tfidf_vectorizer(lp_kctx *k) {
    tfidf_state *st = k->state;
    const lp_tensor *x = lp_in(k, 0);
    if (!st) return lp_kfail(k, "was not prepared");
    if (!x || x->rank > 2 || (st->strings != (x->dtype == LP_STRING)) ||
        (!st->strings && x->dtype != LP_INT32 && x->dtype != LP_INT64))
        return lp_kbad(k, "X must be a [C] or [N, C] tensor of %s", st->strings ? "strings" : "int32 or int64");
    int64_t rows = x->rank == 2 ? x->dims[0] : 1, cols = x->rank == 0 ? 1 : x->dims[x->rank - 1];
    int64_t dims[2] = {rows, st->out_size};
    lp_tensor *y = x->rank == 2 ? lp_out(k, 0, LP_FLOAT, 2, dims) : lp_out(k, 0, LP_FLOAT, 1, dims + 1);
    if (!y) return k->err->status;
    float *out = y->data;
    memset(out, 0, y->nbytes);
    int64_t *tok = lp_scratch(k, (size_t)(cols > 0 ? cols : 1) * sizeof *tok);
    if (!tok) return lp_kfail(k, "out of memory");
    int64_t ids[64];
    for (int64_t r = 0; r < rows; r++) {
        float *row = out + r * st->out_size;
        for (int64_t c = 0; c < cols; c++) {
            int64_t e = r * cols + c;
            tok[c] = st->strings ? lp_strmap_get(&st->vocab, ((char **)x->data)[e], -1)
                                 : lp_get_i64(x, e);
        }
        for (int n = st->min_n; n <= st->max_n; n++) {
            /* unigrams do not depend on the skip: count them once */
            int skips = n == 1 ? 0 : st->max_skip;
            for (int64_t d = 1; d <= skips + 1; d++) {
                for (int64_t s = 0; s + (n - 1) * d < cols; s++) {
                    bool known = true;
                    for (int j = 0; j < n && known; j++) {
                        ids[j] = tok[s + j * d];
                        known = !st->strings || ids[j] >= 0;
                    }
                    int64_t *col = known ? gram_find(st, ids, n) : NULL;
                    if (col) row[*col] += 1;
                }
            }
        }
        for (int64_t c = 0; c < st->out_size; c++) {
            float w = c < st->n_weights ? st->weights[c] : 1.0f;
            if (st->mode == 1) row[c] = row[c] > 0 ? w : 0;
            else if (st->mode == 2) row[c] *= w;
        }
    }
    return LP_OK;
}
