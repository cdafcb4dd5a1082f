/*
** widgets.c — text, boxes, bars, lists, the line editor and number formats.
*/
#include "tui/widgets.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* ---- measuring and drawing text ---- */

/* Decodes one character at s: its byte length and display width. Invalid
** bytes, control characters and (in ASCII mode) anything beyond ASCII count
** as one column shown as *shown. */
static int next_char(const char *s, int *width, char *shown) {
    unsigned char c = (unsigned char)s[0];
    *shown = 0;
    if (c < 0x80) {
        *width = 1;
        if (c < 0x20 || c == 0x7f) *shown = ' ';
        return 1;
    }
    mbstate_t st;
    memset(&st, 0, sizeof st);
    wchar_t wc;
    size_t len = mbrtowc(&wc, s, strnlen(s, 8), &st);
    if (len == (size_t)-1 || len == (size_t)-2 || len == 0) {
        *width = 1;
        *shown = '?';
        return 1;
    }
    int w = wcwidth(wc);
    if (!lp_g->utf8 || w < 0) {
        *width = 1;
        *shown = '?';
        return (int)len;
    }
    *width = w;
    return (int)len;
}

int lp_text_width(const char *s) {
    int cols = 0, w;
    char shown;
    while (*s) {
        s += next_char(s, &w, &shown);
        cols += w;
    }
    return cols;
}

int lp_wrap_next(const char *s, int w) {
    int cols = 0, at = 0, last_space = -1;
    while (s[at]) {
        int cw;
        char shown;
        int len = next_char(s + at, &cw, &shown);
        if (cols + cw > w) break;
        if (s[at] == ' ') last_space = at;
        cols += cw;
        at += len;
    }
    if (!s[at]) return at;
    if (last_space > w / 2) return last_space + 1;
    if (at == 0) { /* a character wider than w: take it anyway */
        int cw;
        char shown;
        return next_char(s, &cw, &shown);
    }
    return at;
}

/* Draws at most w columns of s; returns columns used. */
static int put_span(int y, int x, int w, int attr, const char *s) {
    if (w <= 0 || !s) return 0;
    char out[1024];
    int used = 0, at = 0;
    while (*s && at < (int)sizeof out - 8) {
        int cw;
        char shown;
        int len = next_char(s, &cw, &shown);
        if (used + cw > w) break;
        if (shown)
            out[at++] = shown;
        else {
            memcpy(out + at, s, (size_t)len);
            at += len;
        }
        used += cw;
        s += len;
    }
    if (at) {
        attrset(attr);
        mvaddnstr(y, x, out, at);
        attrset(A_NORMAL);
    }
    return used;
}

int lp_put(int y, int x, int w, lp_role role, const char *s) {
    return put_span(y, x, w, lp_role_attr(role), s);
}

int lp_put_fit(int y, int x, int w, lp_role role, const char *s) {
    if (w <= 0 || !s) return 0;
    if (lp_text_width(s) <= w) return lp_put(y, x, w, role, s);
    int used = lp_put(y, x, w - 1, role, s);
    return used + lp_put(y, x + used, 1, role, lp_g->ellipsis);
}

int lp_putf(int y, int x, int w, lp_role role, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return lp_put_fit(y, x, w, role, buf);
}

int lp_put_right(int y, int x, int w, lp_role role, const char *s) {
    int tw = lp_text_width(s);
    if (tw >= w) return lp_put_fit(y, x, w, role, s);
    return lp_put(y, x + w - tw, tw, role, s);
}

void lp_fill(int y, int x, int w, lp_role role) {
    if (w <= 0) return;
    attrset(lp_role_attr(role));
    mvhline(y, x, ' ', w);
    attrset(A_NORMAL);
}

void lp_fill_rect(lp_rect r, lp_role role) {
    for (int i = 0; i < r.h; i++) lp_fill(r.y + i, r.x, r.w, role);
}

/* ---- lines, boxes, bars ---- */

static void repeat(int y, int x, int n, int attr, const char *glyph) {
    attrset(attr);
    for (int i = 0; i < n; i++) mvaddstr(y, x + i, glyph);
    attrset(A_NORMAL);
}

void lp_hline(int y, int x, int w, lp_role role) {
    repeat(y, x, w, lp_role_attr(role), lp_g->h);
}

void lp_box(lp_rect r, lp_role role, const char *title) {
    if (r.w < 2 || r.h < 2) return;
    int a = lp_role_attr(role);
    attrset(a);
    mvaddstr(r.y, r.x, lp_g->tl);
    mvaddstr(r.y, r.x + r.w - 1, lp_g->tr);
    mvaddstr(r.y + r.h - 1, r.x, lp_g->bl);
    mvaddstr(r.y + r.h - 1, r.x + r.w - 1, lp_g->br);
    attrset(A_NORMAL);
    repeat(r.y, r.x + 1, r.w - 2, a, lp_g->h);
    repeat(r.y + r.h - 1, r.x + 1, r.w - 2, a, lp_g->h);
    for (int i = 1; i < r.h - 1; i++) {
        attrset(a);
        mvaddstr(r.y + i, r.x, lp_g->v);
        mvaddstr(r.y + i, r.x + r.w - 1, lp_g->v);
        attrset(A_NORMAL);
    }
    if (title && *title && r.w > 6) {
        int used = lp_put(r.y, r.x + 2, 1, LP_ROLE_HEADER, " ");
        used += lp_put_fit(r.y, r.x + 2 + used, r.w - 6, LP_ROLE_HEADER, title);
        lp_put(r.y, r.x + 2 + used, 1, LP_ROLE_HEADER, " ");
    }
}

void lp_bar(int y, int x, int w, double frac, lp_role role) {
    if (w <= 0) return;
    if (!(frac > 0)) frac = 0;
    if (frac > 1) frac = 1;
    int eighths = (int)lround(frac * w * 8);
    if (frac > 0 && eighths == 0) eighths = 1; /* something is never drawn as nothing */
    int full = eighths / 8, part = eighths % 8;
    int attr = lp_role_attr(role);
    repeat(y, x, full, attr, lp_g->hblocks[8]);
    if (part && full < w) {
        const char *g = lp_g->hblocks[part];
        if (!lp_g->utf8) g = part >= 4 ? "#" : (full == 0 ? "#" : " ");
        repeat(y, x + full, 1, attr, g);
    }
}

void lp_scrollbar(int y, int x, int h, int total, int top, int visible) {
    if (h < 2 || total <= visible || total <= 0) return;
    int thumb = h * visible / total;
    if (thumb < 1) thumb = 1;
    int max_top = total - visible;
    int at = max_top > 0 ? (h - thumb) * top / max_top : 0;
    for (int i = 0; i < h; i++) {
        bool on = i >= at && i < at + thumb;
        attrset(lp_role_attr(on ? LP_ROLE_HEADER : LP_ROLE_BORDER));
        mvaddstr(y + i, x, on ? lp_g->scroll_thumb : lp_g->scroll_track);
    }
    attrset(A_NORMAL);
}

/* ---- lists ---- */

void lp_list_fit(lp_list *l, int h) {
    if (h < 1) h = 1;
    if (l->n <= 0) {
        l->sel = -1;
        l->top = 0;
        return;
    }
    if (l->sel < 0) l->sel = 0;
    if (l->sel >= l->n) l->sel = l->n - 1;
    if (l->top > l->sel) l->top = l->sel;
    if (l->sel >= l->top + h) l->top = l->sel - h + 1;
    if (l->top > l->n - h) l->top = l->n - h;
    if (l->top < 0) l->top = 0;
}

bool lp_list_move(lp_list *l, lp_request req, int page) {
    if (page < 1) page = 1;
    switch (req) {
    case LP_REQ_MOVE_UP:
        l->sel--;
        break;
    case LP_REQ_MOVE_DOWN:
        l->sel++;
        break;
    case LP_REQ_PAGE_UP:
        l->sel -= page;
        l->top -= page;
        break;
    case LP_REQ_PAGE_DOWN:
        l->sel += page;
        l->top += page;
        break;
    case LP_REQ_FIRST:
        l->sel = 0;
        break;
    case LP_REQ_LAST:
        l->sel = l->n - 1;
        break;
    default:
        return false;
    }
    if (l->sel < 0) l->sel = 0;
    if (l->sel >= l->n) l->sel = l->n - 1;
    if (l->top < 0) l->top = 0;
    lp_list_fit(l, page);
    return true;
}

void lp_list_scroll(lp_list *l, int delta, int h) {
    l->top += delta;
    if (l->top > l->n - h) l->top = l->n - h;
    if (l->top < 0) l->top = 0;
    if (l->sel < l->top) l->sel = l->top;
    if (l->sel >= l->top + h) l->sel = l->top + h - 1;
    if (l->sel >= l->n) l->sel = l->n - 1;
}

/* ---- the line editor ---- */

void lp_edit_set(lp_edit *e, const char *text) {
    snprintf(e->buf, sizeof e->buf, "%s", text ? text : "");
    e->len = (int)strlen(e->buf);
    e->cur = e->len;
}

static int prev_char(const lp_edit *e, int at) {
    if (at <= 0) return 0;
    at--;
    while (at > 0 && ((unsigned char)e->buf[at] & 0xc0) == 0x80) at--;
    return at;
}

static int next_char_at(const lp_edit *e, int at) {
    if (at >= e->len) return e->len;
    at++;
    while (at < e->len && ((unsigned char)e->buf[at] & 0xc0) == 0x80) at++;
    return at;
}

static void delete_range(lp_edit *e, int from, int to) {
    memmove(e->buf + from, e->buf + to, (size_t)(e->len - to + 1));
    e->len -= to - from;
    e->cur = from;
}

int lp_edit_key(lp_edit *e, int key) {
    switch (key) {
    case KEY_LEFT:
        e->cur = prev_char(e, e->cur);
        return 0;
    case KEY_RIGHT:
        e->cur = next_char_at(e, e->cur);
        return 0;
    case KEY_HOME:
    case LP_KEY_CTRL('a'):
        e->cur = 0;
        return 0;
    case KEY_END:
    case LP_KEY_CTRL('e'):
        e->cur = e->len;
        return 0;
    case KEY_BACKSPACE:
    case 127:
    case LP_KEY_CTRL('h'):
        if (e->cur == 0) return 0;
        delete_range(e, prev_char(e, e->cur), e->cur);
        return 1;
    case KEY_DC:
    case LP_KEY_CTRL('d'):
        if (e->cur >= e->len) return 0;
        delete_range(e, e->cur, next_char_at(e, e->cur));
        return 1;
    case LP_KEY_CTRL('u'):
        delete_range(e, 0, e->cur);
        return 1;
    case LP_KEY_CTRL('k'):
        e->buf[e->cur] = 0;
        e->len = e->cur;
        return 1;
    case LP_KEY_CTRL('w'): {
        int at = e->cur;
        while (at > 0 && e->buf[at - 1] == ' ') at--;
        while (at > 0 && e->buf[at - 1] != ' ') at--;
        delete_range(e, at, e->cur);
        return 1;
    }
    default:
        /* printable bytes, UTF-8 continuation bytes included (get_wch is not used) */
        if (key >= 0x20 && key < 0x100 && key != 127) {
            if (e->len + 1 >= (int)sizeof e->buf) return 0;
            memmove(e->buf + e->cur + 1, e->buf + e->cur, (size_t)(e->len - e->cur + 1));
            e->buf[e->cur++] = (char)key;
            e->len++;
            return 1;
        }
        return -1;
    }
}

int lp_edit_draw(const lp_edit *e, int y, int x, int w, lp_role role) {
    if (w < 2) return x;
    /* the columns before the cursor; scroll so the cursor stays inside */
    char before[sizeof e->buf];
    memcpy(before, e->buf, (size_t)e->cur);
    before[e->cur] = 0;
    int cur_col = lp_text_width(before);
    const char *from = e->buf;
    while (cur_col > w - 1 && *from) {
        int cw;
        char shown;
        from += next_char(from, &cw, &shown);
        cur_col -= cw;
    }
    lp_fill(y, x, w, role);
    lp_put(y, x, w, role, from);
    return x + cur_col;
}

/* ---- numbers ---- */

const char *lp_fmt_grouped(int64_t v, char *buf, size_t n) {
    char digits[32];
    snprintf(digits, sizeof digits, "%lld", (long long)(v < 0 ? -v : v));
    int len = (int)strlen(digits), at = 0;
    char out[48];
    if (v < 0) out[at++] = '-';
    for (int i = 0; i < len; i++) {
        out[at++] = digits[i];
        if ((len - i - 1) % 3 == 0 && i < len - 1) out[at++] = ',';
    }
    out[at] = 0;
    snprintf(buf, n, "%s", out);
    return buf;
}

/* ---- mouse ---- */

bool lp_rect_hit(lp_rect r, const MEVENT *ev, int *row, int *col) {
    if (ev->y < r.y || ev->y >= r.y + r.h || ev->x < r.x || ev->x >= r.x + r.w) return false;
    if (row) *row = ev->y - r.y;
    if (col) *col = ev->x - r.x;
    return true;
}

bool lp_mouse_wheel_up(const MEVENT *ev) {
    return (ev->bstate & BUTTON4_PRESSED) != 0;
}

bool lp_mouse_wheel_down(const MEVENT *ev) {
#ifdef BUTTON5_PRESSED
    return (ev->bstate & BUTTON5_PRESSED) != 0;
#else
    return (ev->bstate & 0x8000000) != 0;
#endif
}

bool lp_mouse_click(const MEVENT *ev) {
    /* with mouseinterval(0) a click arrives as a press then a release: act on the press */
    return (ev->bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED)) != 0;
}
