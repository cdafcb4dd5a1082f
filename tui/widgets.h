/*
** widgets.h — the drawing helpers every screen shares: clipped text by
** colour role, boxes, bars, a scrolling list, a line editor and number
** formats.
**
** Text helpers measure in terminal columns (UTF-8 aware), never draw beyond
** the width they are given, replace control characters, and in the ASCII
** glyph set show any non-ASCII byte as '?'. They return the columns used so
** calls chain along a line.
*/
#ifndef LP_WIDGETS_H
#define LP_WIDGETS_H

#include "tui/request.h"
#include "tui/screen.h"
#include "tui/theme.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Display columns of s (at most max bytes when max >= 0). */
int lp_text_width(const char *s);

/* Bytes of s that make its next line in w columns, broken after a space
** when one is near enough (for wrapping text). At least one character. */
int lp_wrap_next(const char *s, int w);

/* Draws s at (y, x) in at most w columns; returns the columns used. */
int lp_put(int y, int x, int w, lp_role role, const char *s);
/* The same, ending with an ellipsis when s does not fit. */
int lp_put_fit(int y, int x, int w, lp_role role, const char *s);
int lp_putf(int y, int x, int w, lp_role role, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Right-aligned in [x, x + w). */
int lp_put_right(int y, int x, int w, lp_role role, const char *s);
/* w spaces in the role's colours. */
void lp_fill(int y, int x, int w, lp_role role);
void lp_fill_rect(lp_rect r, lp_role role);

void lp_hline(int y, int x, int w, lp_role role);
/* A box around r, with an optional title in its top border. */
void lp_box(lp_rect r, lp_role role, const char *title);
/* A horizontal bar of frac (0..1) of w columns, in eighths of a cell. */
void lp_bar(int y, int x, int w, double frac, lp_role role);
/* A scrollbar in one column when total rows exceed the visible ones. */
void lp_scrollbar(int y, int x, int h, int total, int top, int visible);

/* A list's cursor and scroll position. */
typedef struct lp_list {
    int n;   /* rows */
    int sel; /* selected row, -1 when empty */
    int top; /* first visible row */
} lp_list;

/* Moves for the movement requests (up/down/page/first/last); page is the
** visible height. Returns true when it was a movement request. */
bool lp_list_move(lp_list *l, lp_request req, int page);
/* Keeps sel within [0, n) and visible in h rows. */
void lp_list_fit(lp_list *l, int h);
/* Scrolls by delta rows (the wheel), keeping sel visible. */
void lp_list_scroll(lp_list *l, int delta, int h);

/* A line editor for prompts. */
typedef struct lp_edit {
    char buf[1024];
    int len, cur; /* bytes */
} lp_edit;
void lp_edit_set(lp_edit *e, const char *text);
/* Applies an editing key; returns 1 when the text changed, 0 when the key
** only moved the cursor, -1 when the key is not an editing key. */
int lp_edit_key(lp_edit *e, int key);
/* Draws the text, scrolled so the cursor shows; returns the cursor's column. */
int lp_edit_draw(const lp_edit *e, int y, int x, int w, lp_role role);

/* "25,557,032" (sizes and counts in words: model/describe.h) */
const char *lp_fmt_grouped(int64_t v, char *buf, size_t n);

/* The mouse event's position relative to r, false when outside. */
bool lp_rect_hit(lp_rect r, const MEVENT *ev, int *row, int *col);

/* Wheel events differ by ncurses version; these say which one ev is. */
bool lp_mouse_wheel_up(const MEVENT *ev);
bool lp_mouse_wheel_down(const MEVENT *ev);
bool lp_mouse_click(const MEVENT *ev);

#endif
