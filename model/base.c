/*
** base.c — status and error records, checked sizes, the arena, buffers.
*/
#include "base.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int lp_vfail(lp_error *err, int status, const char *fmt, va_list ap) {
    if (err) {
        err->status = status;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    }
    return status;
}

int lp_fail(lp_error *err, int status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    lp_vfail(err, status, fmt, ap);
    va_end(ap);
    return status;
}

int lp_mul_size(size_t a, size_t b, size_t *out) {
    if (a != 0 && b > SIZE_MAX / a) return -1;
    *out = a * b;
    return 0;
}

int lp_add_size(size_t a, size_t b, size_t *out) {
    if (a > SIZE_MAX - b) return -1;
    *out = a + b;
    return 0;
}

int lp_mul_i64(int64_t a, int64_t b, int64_t *out) {
    if (a < 0 || b < 0) return -1;
    if (a != 0 && b > INT64_MAX / a) return -1;
    *out = a * b;
    return 0;
}

static void out_of_memory(size_t n) {
    fprintf(stderr, "loupe: out of memory (asked for %zu bytes)\n", n);
    abort();
}

void *lp_xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) out_of_memory(n);
    return p;
}

void *lp_xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) out_of_memory(n * size);
    return p;
}

void *lp_xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) out_of_memory(n);
    return q;
}

char *lp_xstrdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = lp_xmalloc(n);
    memcpy(d, s, n);
    return d;
}

/* ---- arena ---- */

struct lp_arena_block {
    lp_arena_block *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

#define ARENA_BLOCK (64 * 1024)

void *lp_arena_alloc(lp_arena *a, size_t n) {
    n = (n + 15) & ~(size_t)15;
    lp_arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        b = lp_xmalloc(sizeof *b + size);
        b->size = size;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    a->used_total += n;
    memset(p, 0, n);
    return p;
}

void *lp_arena_array(lp_arena *a, size_t count, size_t size) {
    size_t n;
    if (lp_mul_size(count, size, &n) || n > ((size_t)1 << 40)) return NULL;
    return lp_arena_alloc(a, n);
}

char *lp_arena_strndup(lp_arena *a, const char *s, size_t n) {
    char *d = lp_arena_alloc(a, n + 1);
    if (n) memcpy(d, s, n);
    d[n] = 0;
    return d;
}

char *lp_arena_strdup(lp_arena *a, const char *s) {
    return s ? lp_arena_strndup(a, s, strlen(s)) : NULL;
}

char *lp_arena_printf(lp_arena *a, const char *fmt, ...) {
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *d = lp_arena_alloc(a, (size_t)(n < 0 ? 0 : n) + 1);
    vsnprintf(d, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return d;
}

void lp_arena_free(lp_arena *a) {
    lp_arena_block *b = a->head;
    while (b) {
        lp_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->used_total = 0;
}

/* ---- buffers ---- */

void lp_buf_append(lp_buf *b, const void *data, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        b->data = lp_xrealloc(b->data, cap);
        b->cap = cap;
    }
    if (n) memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = 0;
}

void lp_buf_printf(lp_buf *b, const char *fmt, ...) {
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0) {
        lp_buf_append(b, NULL, 0);
        if (b->len + (size_t)n + 1 > b->cap) {
            size_t cap = b->cap;
            while (cap < b->len + (size_t)n + 1) cap *= 2;
            b->data = lp_xrealloc(b->data, cap);
            b->cap = cap;
        }
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

void lp_buf_free(lp_buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int lp_read_file(const char *path, size_t max_bytes, uint8_t **data, size_t *size, lp_error *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return lp_fail(err, LP_EINPUT, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return lp_fail(err, LP_EINPUT, "%s: not a regular file%s", path,
                       S_ISDIR(st.st_mode) ? " (a folder)" : "");
    }
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return lp_fail(err, LP_EINPUT, "%s: not a regular file", path);
    }
    long len = ftell(f);
    if (len < 0) {
        fclose(f);
        return lp_fail(err, LP_EINPUT, "%s: not a regular file", path);
    }
    if ((unsigned long)len > max_bytes) {
        fclose(f);
        return lp_fail(err, LP_EINPUT, "%s: file is %ld bytes, more than the %zu allowed", path,
                       len, max_bytes);
    }
    rewind(f);
    uint8_t *buf = lp_xmalloc((size_t)len + 1);
    size_t got = fread(buf, 1, (size_t)len, f);
    fclose(f);
    if (got != (size_t)len) {
        free(buf);
        return lp_fail(err, LP_EINPUT, "%s: short read", path);
    }
    buf[len] = 0;
    *data = buf;
    *size = (size_t)len;
    return LP_OK;
}

double lp_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}
