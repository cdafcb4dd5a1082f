/*
** theme.h — colours by meaning and glyphs by locale.
**
** Drawing code asks for a role (LP_ROLE_SELECTED, LP_ROLE_ERROR), never a raw
** colour pair, so monochrome (NO_COLOR, -C, a terminal without colours) is
** just another row of the table. Box, line and bar characters come from a
** glyph table that falls back to ASCII when the locale is not UTF-8.
*/
#ifndef LP_THEME_H
#define LP_THEME_H

#include <stdbool.h>

#define LP_ROLES(R)                                                                                \
    R(NORMAL)        /* body text */                                                               \
    R(DIM)           /* secondary text: indices, units, hints */                                   \
    R(LABEL)         /* field names in key: value rows */                                          \
    R(HEADER)        /* column headers, section titles */                                          \
    R(TAB)           /* an inactive tab */                                                         \
    R(TAB_ACTIVE)    /* the current tab */                                                         \
    R(TITLE)         /* the top line */                                                            \
    R(STATUS)        /* the bottom key-hint bar */                                                 \
    R(STATUS_KEY)    /* a key in that bar */                                                       \
    R(MESSAGE)       /* an informative message */                                                  \
    R(ERROR)         /* a failure or a metadata problem */                                         \
    R(WARN)          /* something worth a look */                                                  \
    R(OK)            /* all is well */                                                             \
    R(SELECTED)      /* the selected row of the focused pane */                                    \
    R(SELECTED_DIM)  /* the selected row of an unfocused pane */                                   \
    R(MATCH)         /* a search match */                                                          \
    R(OP)            /* an operator type */                                                        \
    R(SHAPE)         /* a shape or dtype */                                                        \
    R(BAR)           /* bars and histograms */                                                     \
    R(BORDER)        /* pane and box borders */                                                    \
    R(EDGE)          /* graph edges */                                                             \
    R(NODE)          /* graph node boxes */                                                        \
    R(NODE_IO)       /* graph inputs and outputs */                                                \
    R(CHANGED)       /* an edited, unsaved field */                                                \
    R(DIFF_ADD)                                                                                    \
    R(DIFF_DEL)                                                                                    \
    R(PROMPT)        /* the input line */

typedef enum lp_role {
#define LP_ROLE_ENUM(name) LP_ROLE_##name,
    LP_ROLES(LP_ROLE_ENUM)
#undef LP_ROLE_ENUM
        LP_ROLE_COUNT
} lp_role;

/* Call after initscr(). color false (or a terminal without colours) selects
** the monochrome scheme. */
void lp_theme_init(bool color);
/* The curses attribute for a role. */
int lp_role_attr(lp_role r);

/* True when NO_COLOR is set to a non-empty value (no-color.org). */
bool lp_theme_no_color_env(void);
/* True when the locale's character set is UTF-8. */
bool lp_locale_is_utf8(void);

typedef struct lp_glyphs {
    bool utf8;
    const char *h, *v, *tl, *tr, *bl, *br; /* ─ │ ┌ ┐ └ ┘ */
    const char *lt, *rt, *tt, *bt, *cross; /* ├ ┤ ┬ ┴ ┼ */
    const char *diag_down, *diag_up;       /* ╲ ╱ */
    const char *arrow_down, *arrow_up, *arrow_right, *arrow_left;
    const char *ellipsis, *times, *bullet, *check, *cross_mark;
    const char *hblocks[9]; /* 0..8 eighths of a cell, left to right */
    const char *vblocks[9]; /* 0..8 eighths of a cell, bottom to top */
    const char *scroll_thumb, *scroll_track;
} lp_glyphs;

/* Chosen by lp_theme_glyphs_init(); ASCII until then. */
extern const lp_glyphs *lp_g;
void lp_theme_glyphs_init(bool utf8);

#endif
