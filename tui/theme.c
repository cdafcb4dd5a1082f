/*
** theme.c — the colour table (one colour scheme and one monochrome row) and
** the two glyph tables (UTF-8 and ASCII).
*/
#include "tui/theme.h"

#include <curses.h>
#include <langinfo.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A role in the colour scheme: foreground, background (-1 = the terminal's
** own) and extra attributes. */
typedef struct role_style {
    short fg, bg;
    int attr;
} role_style;

static const role_style colour_scheme[LP_ROLE_COUNT] = {
    [LP_ROLE_NORMAL] = {-1, -1, 0},
    [LP_ROLE_DIM] = {COLOR_BLUE, -1, A_BOLD},
    [LP_ROLE_LABEL] = {COLOR_CYAN, -1, 0},
    [LP_ROLE_HEADER] = {COLOR_YELLOW, -1, A_BOLD},
    [LP_ROLE_TAB] = {COLOR_WHITE, COLOR_BLUE, 0},
    [LP_ROLE_TAB_ACTIVE] = {COLOR_BLACK, COLOR_CYAN, A_BOLD},
    [LP_ROLE_TITLE] = {COLOR_WHITE, COLOR_BLUE, A_BOLD},
    [LP_ROLE_STATUS] = {COLOR_BLACK, COLOR_CYAN, 0},
    [LP_ROLE_STATUS_KEY] = {COLOR_WHITE, COLOR_BLACK, A_BOLD},
    [LP_ROLE_MESSAGE] = {COLOR_GREEN, -1, 0},
    [LP_ROLE_ERROR] = {COLOR_RED, -1, A_BOLD},
    [LP_ROLE_WARN] = {COLOR_YELLOW, -1, 0},
    [LP_ROLE_OK] = {COLOR_GREEN, -1, A_BOLD},
    [LP_ROLE_SELECTED] = {COLOR_BLACK, COLOR_CYAN, 0},
    [LP_ROLE_SELECTED_DIM] = {COLOR_BLACK, COLOR_WHITE, 0},
    [LP_ROLE_MATCH] = {COLOR_BLACK, COLOR_YELLOW, 0},
    [LP_ROLE_OP] = {COLOR_GREEN, -1, A_BOLD},
    [LP_ROLE_SHAPE] = {COLOR_MAGENTA, -1, 0},
    [LP_ROLE_BAR] = {COLOR_GREEN, -1, 0},
    [LP_ROLE_BORDER] = {COLOR_BLUE, -1, 0},
    [LP_ROLE_EDGE] = {COLOR_BLUE, -1, A_BOLD},
    [LP_ROLE_NODE] = {-1, -1, 0},
    [LP_ROLE_NODE_IO] = {COLOR_YELLOW, -1, 0},
    [LP_ROLE_CHANGED] = {COLOR_YELLOW, -1, A_BOLD},
    [LP_ROLE_DIFF_ADD] = {COLOR_GREEN, -1, 0},
    [LP_ROLE_DIFF_DEL] = {COLOR_RED, -1, 0},
    [LP_ROLE_PROMPT] = {-1, -1, A_BOLD},
};

/* Monochrome: only normal, bold, reverse and underline. */
static const int mono_scheme[LP_ROLE_COUNT] = {
    [LP_ROLE_NORMAL] = A_NORMAL,
    [LP_ROLE_DIM] = A_DIM,
    [LP_ROLE_LABEL] = A_NORMAL,
    [LP_ROLE_HEADER] = A_BOLD,
    [LP_ROLE_TAB] = A_NORMAL,
    [LP_ROLE_TAB_ACTIVE] = A_REVERSE | A_BOLD,
    [LP_ROLE_TITLE] = A_REVERSE,
    [LP_ROLE_STATUS] = A_REVERSE,
    [LP_ROLE_STATUS_KEY] = A_BOLD,
    [LP_ROLE_MESSAGE] = A_NORMAL,
    [LP_ROLE_ERROR] = A_BOLD,
    [LP_ROLE_WARN] = A_BOLD,
    [LP_ROLE_OK] = A_NORMAL,
    [LP_ROLE_SELECTED] = A_REVERSE,
    [LP_ROLE_SELECTED_DIM] = A_UNDERLINE,
    [LP_ROLE_MATCH] = A_BOLD | A_UNDERLINE,
    [LP_ROLE_OP] = A_BOLD,
    [LP_ROLE_SHAPE] = A_NORMAL,
    [LP_ROLE_BAR] = A_NORMAL,
    [LP_ROLE_BORDER] = A_NORMAL,
    [LP_ROLE_EDGE] = A_NORMAL,
    [LP_ROLE_NODE] = A_NORMAL,
    [LP_ROLE_NODE_IO] = A_BOLD,
    [LP_ROLE_CHANGED] = A_BOLD,
    [LP_ROLE_DIFF_ADD] = A_BOLD,
    [LP_ROLE_DIFF_DEL] = A_DIM,
    [LP_ROLE_PROMPT] = A_BOLD,
};

static int role_attrs[LP_ROLE_COUNT];
static bool using_color;

bool lp_theme_no_color_env(void) {
    const char *nc = getenv("NO_COLOR");
    return nc && nc[0];
}

bool lp_locale_is_utf8(void) {
    const char *cs = nl_langinfo(CODESET);
    return cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "utf8"));
}

void lp_theme_init(bool color) {
    using_color = color && has_colors();
    if (using_color) {
        start_color();
        use_default_colors();
        for (int r = 0; r < LP_ROLE_COUNT; r++) {
            const role_style *s = &colour_scheme[r];
            /* pair 0 is fixed; the terminal's own colours need no pair */
            if (s->fg < 0 && s->bg < 0) {
                role_attrs[r] = s->attr;
                continue;
            }
            init_pair((short)(r + 1), s->fg, s->bg);
            role_attrs[r] = (int)COLOR_PAIR(r + 1) | s->attr;
        }
    } else {
        memcpy(role_attrs, mono_scheme, sizeof role_attrs);
    }
}

int lp_role_attr(lp_role r) {
    return (unsigned)r < LP_ROLE_COUNT ? role_attrs[r] : 0;
}

static const lp_glyphs utf8_glyphs = {
    .utf8 = true,
    .h = "\u2500",
    .v = "\u2502",
    .tl = "\u250c",
    .tr = "\u2510",
    .bl = "\u2514",
    .br = "\u2518",
    .lt = "\u251c",
    .rt = "\u2524",
    .tt = "\u252c",
    .bt = "\u2534",
    .cross = "\u253c",
    .diag_down = "\u2572",
    .diag_up = "\u2571",
    .arrow_down = "\u25bc",
    .arrow_up = "\u25b2",
    .arrow_right = "\u2192",
    .arrow_left = "\u2190",
    .ellipsis = "\u2026",
    .times = "\u00d7",
    .bullet = "\u2022",
    .check = "\u2713",
    .cross_mark = "\u2717",
    .hblocks = {" ", "\u258f", "\u258e", "\u258d", "\u258c", "\u258b", "\u258a", "\u2589",
                "\u2588"},
    .vblocks = {" ", "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587",
                "\u2588"},
    .scroll_thumb = "\u2588",
    .scroll_track = "\u2502",
};

static const lp_glyphs ascii_glyphs = {
    .utf8 = false,
    .h = "-",
    .v = "|",
    .tl = "+",
    .tr = "+",
    .bl = "+",
    .br = "+",
    .lt = "+",
    .rt = "+",
    .tt = "+",
    .bt = "+",
    .cross = "+",
    .diag_down = "\\",
    .diag_up = "/",
    .arrow_down = "v",
    .arrow_up = "^",
    .arrow_right = ">",
    .arrow_left = "<",
    .ellipsis = "~",
    .times = "x",
    .bullet = "*",
    .check = "ok",
    .cross_mark = "x",
    .hblocks = {" ", " ", " ", " ", "#", "#", "#", "#", "#"},
    .vblocks = {" ", ".", ".", "_", "o", "o", "O", "#", "#"},
    .scroll_thumb = "#",
    .scroll_track = "|",
};

const lp_glyphs *lp_g = &ascii_glyphs;

void lp_theme_glyphs_init(bool utf8) {
    lp_g = utf8 ? &utf8_glyphs : &ascii_glyphs;
}
