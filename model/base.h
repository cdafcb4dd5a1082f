/*
** base.h — what every layer shares: status codes, the error record, checked
** size arithmetic and a bump arena for the IR.
**
** Errors are values: a function that can fail returns an int status (LP_OK is
** 0) and fills an lp_error with one sentence naming the file, node or field.
** Nothing below tui/ prints or exits.
*/
#ifndef LP_BASE_H
#define LP_BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Status codes double as the CLI's exit codes. */
enum {
    LP_OK = 0,
    LP_EFAIL = 1,        /* the work failed (a run error, an I/O error) */
    LP_EINPUT = 2,       /* bad input: a file, a field, a record, a usage */
    LP_EUNSUPPORTED = 3, /* well-formed, but Loupe cannot do it (yet) */
};

typedef struct lp_error {
    int status;
    char msg[1024];
} lp_error;

/* Fills err (when not NULL) and returns status, so callers can write
** `return lp_fail(err, LP_EINPUT, "%s: ...", path)`. */
int lp_fail(lp_error *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int lp_vfail(lp_error *err, int status, const char *fmt, va_list ap);

/* Checked arithmetic: 0 on success, -1 on overflow (result untouched). */
int lp_mul_size(size_t a, size_t b, size_t *out);
int lp_add_size(size_t a, size_t b, size_t *out);
int lp_mul_i64(int64_t a, int64_t b, int64_t *out);

/* Allocation that never returns NULL for small, program-sized requests:
** out-of-memory there is not recoverable in a useful way. Anything sized by
** a file goes through a checked size first. */
void *lp_xmalloc(size_t n);
void *lp_xcalloc(size_t n, size_t size);
void *lp_xrealloc(void *p, size_t n);
char *lp_xstrdup(const char *s);

/* A bump arena: the IR is allocated from one and freed at once. */
typedef struct lp_arena_block lp_arena_block;
typedef struct lp_arena {
    lp_arena_block *head;
    size_t used_total;
} lp_arena;

void *lp_arena_alloc(lp_arena *a, size_t n); /* zeroed, 16-byte aligned */
void *lp_arena_array(lp_arena *a, size_t count, size_t size); /* NULL on overflow */
char *lp_arena_strdup(lp_arena *a, const char *s);
char *lp_arena_strndup(lp_arena *a, const char *s, size_t n);
char *lp_arena_printf(lp_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lp_arena_free(lp_arena *a);

/* A growable byte buffer, for building text and files. */
typedef struct lp_buf {
    char *data;
    size_t len, cap;
} lp_buf;

void lp_buf_append(lp_buf *b, const void *data, size_t n);
void lp_buf_printf(lp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lp_buf_free(lp_buf *b);

/* Milliseconds on the monotonic clock, for timing runs and layouts. */
double lp_now_ms(void);

/* Reads a whole file; refuses files larger than max_bytes. */
int lp_read_file(const char *path, size_t max_bytes, uint8_t **data, size_t *size, lp_error *err);

#define LP_COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define LP_MAX_FILE_BYTES ((size_t)4 << 30) /* 4 GiB: the protobuf limit is 2 */

#endif
