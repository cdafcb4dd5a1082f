/*
** request.c — the request table's labels and help, the generic keymap and
** key names.
*/
#include "tui/request.h"
#include "tui/theme.h"

#include <curses.h>
#include <stdio.h>

static const char *const labels[] = {
#define LP_REQ_LABEL(name, label, help) label,
    LP_REQUESTS(LP_REQ_LABEL)
#undef LP_REQ_LABEL
};

static const char *const helps[] = {
#define LP_REQ_HELP(name, label, help) help,
    LP_REQUESTS(LP_REQ_HELP)
#undef LP_REQ_HELP
};

const char *lp_request_label(lp_request r) {
    return (unsigned)r < LP_REQ_COUNT ? labels[r] : "";
}
const char *lp_request_help(lp_request r) {
    return (unsigned)r < LP_REQ_COUNT ? helps[r] : "";
}

const lp_binding lp_generic_keys[] = {
    {'?', LP_REQ_HELP, NULL},
    {KEY_F(1), LP_REQ_HELP, NULL},
    {'q', LP_REQ_QUIT, NULL},
    {KEY_F(10), LP_REQ_QUIT, NULL},
    {LP_KEY_CTRL('c'), LP_REQ_QUIT, NULL},
    {LP_KEY_ESC, LP_REQ_BACK, NULL},
    {'\t', LP_REQ_NEXT_SCREEN, NULL},
    {KEY_BTAB, LP_REQ_PREV_SCREEN, NULL},
    {'1', LP_REQ_SCREEN_1, NULL},
    {'2', LP_REQ_SCREEN_2, NULL},
    {'3', LP_REQ_SCREEN_3, NULL},
    {'4', LP_REQ_SCREEN_4, NULL},
    {'5', LP_REQ_SCREEN_5, NULL},
    {LP_KEY_CTRL('l'), LP_REQ_REDRAW, NULL},
    {'k', LP_REQ_MOVE_UP, NULL},
    {KEY_UP, LP_REQ_MOVE_UP, NULL},
    {'j', LP_REQ_MOVE_DOWN, NULL},
    {KEY_DOWN, LP_REQ_MOVE_DOWN, NULL},
    {'h', LP_REQ_MOVE_LEFT, NULL},
    {KEY_LEFT, LP_REQ_MOVE_LEFT, NULL},
    {'l', LP_REQ_MOVE_RIGHT, NULL},
    {KEY_RIGHT, LP_REQ_MOVE_RIGHT, NULL},
    {KEY_PPAGE, LP_REQ_PAGE_UP, NULL},
    {LP_KEY_CTRL('b'), LP_REQ_PAGE_UP, NULL},
    {KEY_NPAGE, LP_REQ_PAGE_DOWN, NULL},
    {LP_KEY_CTRL('f'), LP_REQ_PAGE_DOWN, NULL},
    {' ', LP_REQ_PAGE_DOWN, NULL},
    {'g', LP_REQ_FIRST, NULL},
    {KEY_HOME, LP_REQ_FIRST, NULL},
    {'G', LP_REQ_LAST, NULL},
    {KEY_END, LP_REQ_LAST, NULL},
    {'\n', LP_REQ_ENTER, NULL},
    {'\r', LP_REQ_ENTER, NULL},
    {KEY_ENTER, LP_REQ_ENTER, NULL},
    {'/', LP_REQ_SEARCH, NULL},
    {'n', LP_REQ_FIND_NEXT, NULL},
    {'N', LP_REQ_FIND_PREV, NULL},
    {0, LP_REQ_NONE, NULL},
};

lp_request lp_key_request(const lp_binding *keys, int key, const lp_binding **found) {
    for (int pass = 0; pass < 2; pass++) {
        const lp_binding *b = pass ? lp_generic_keys : keys;
        for (; b && b->req != LP_REQ_NONE; b++)
            if (b->key == key) {
                if (found) *found = b;
                return b->req;
            }
    }
    if (found) *found = NULL;
    return LP_REQ_NONE;
}

const char *lp_key_name(int key, char *buf, int n) {
    const char *name = NULL;
    switch (key) {
    case '\n':
    case '\r':
    case KEY_ENTER:
        name = "Enter";
        break;
    case '\t':
        name = "Tab";
        break;
    case KEY_BTAB:
        name = "S-Tab";
        break;
    case LP_KEY_ESC:
        name = "Esc";
        break;
    case ' ':
        name = "Space";
        break;
    case KEY_BACKSPACE:
    case 127:
        name = "Bksp";
        break;
    case KEY_DC:
        name = "Del";
        break;
    case KEY_UP:
        name = lp_g->utf8 ? "\u2191" : "Up";
        break;
    case KEY_DOWN:
        name = lp_g->utf8 ? "\u2193" : "Down";
        break;
    case KEY_LEFT:
        name = lp_g->utf8 ? "\u2190" : "Left";
        break;
    case KEY_RIGHT:
        name = lp_g->utf8 ? "\u2192" : "Right";
        break;
    case KEY_PPAGE:
        name = "PgUp";
        break;
    case KEY_NPAGE:
        name = "PgDn";
        break;
    case KEY_HOME:
        name = "Home";
        break;
    case KEY_END:
        name = "End";
        break;
    default:
        break;
    }
    if (name)
        snprintf(buf, (size_t)n, "%s", name);
    else if (key >= KEY_F(1) && key <= KEY_F(12))
        snprintf(buf, (size_t)n, "F%d", key - KEY_F(0));
    else if (key > 0 && key < 32)
        snprintf(buf, (size_t)n, "^%c", key + 64);
    else if (key > 32 && key < 127)
        snprintf(buf, (size_t)n, "%c", key);
    else
        snprintf(buf, (size_t)n, "#%d", key);
    return buf;
}
