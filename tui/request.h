/*
** request.h — the one table of things a user can ask for.
**
** Keys map to requests (per-screen keymaps first, then the generic one); code
** speaks requests, never raw keys. The same table gives the hint-bar labels
** and the lines of the `?` overlay, so the help can never drift from the keys.
*/
#ifndef LP_REQUEST_H
#define LP_REQUEST_H

/* R(NAME, "hint label", "help line") */
#define LP_REQUESTS(R)                                                                             \
    R(NONE, "", "")                                                                                \
    /* generic */                                                                                  \
    R(QUIT, "Quit", "quit (asks first when there are unsaved changes)")                            \
    R(HELP, "Help", "show the keys of this screen")                                                \
    R(BACK, "Back", "close the overlay or go back one level")                                      \
    R(NEXT_SCREEN, "Next", "next screen")                                                          \
    R(PREV_SCREEN, "Prev", "previous screen")                                                      \
    R(SCREEN_1, "Overview", "Overview screen")                                                     \
    R(SCREEN_2, "Nodes", "Nodes screen")                                                           \
    R(SCREEN_3, "Tensors", "Tensors screen")                                                       \
    R(SCREEN_4, "Metadata", "Metadata screen")                                                     \
    R(SCREEN_5, "Graph", "Graph screen")                                                           \
    R(REDRAW, "Redraw", "redraw the whole terminal")                                               \
    R(MOVE_UP, "Up", "move up")                                                                    \
    R(MOVE_DOWN, "Down", "move down")                                                              \
    R(MOVE_LEFT, "Left", "move left")                                                              \
    R(MOVE_RIGHT, "Right", "move right")                                                           \
    R(PAGE_UP, "PgUp", "page up")                                                                  \
    R(PAGE_DOWN, "PgDn", "page down")                                                              \
    R(FIRST, "Top", "go to the first row")                                                         \
    R(LAST, "End", "go to the last row")                                                           \
    R(ENTER, "Open", "open the selected row")                                                      \
    R(SEARCH, "Search", "search")                                                                  \
    R(FIND_NEXT, "Next", "next match")                                                             \
    R(FIND_PREV, "Prev", "previous match")                                                         \
    /* Nodes */                                                                                    \
    R(HISTORY_BACK, "Back", "go back along the jump history")                                      \
    R(FILTER, "Filter", "filter by op type")                                                       \
    R(FOCUS_LIST, "List", "back to the list")                                                      \
    R(LEAVE_GRAPH, "Leave", "leave the subgraph for its parent graph")                             \
    R(SHOW_GRAPH, "Graph", "show the selected node in the Graph screen")                           \
    /* Tensors */                                                                                  \
    R(SORT, "Sort", "sort by name, size or dtype")                                                 \
    R(SORT_REVERSE, "Reverse", "reverse the sort order")                                           \
    R(VIEW_AXES, "Axes", "choose the two axes shown and the index of the others")                  \
    R(INDEX_NEXT, "Slice+", "next index on the last fixed axis")                                   \
    R(INDEX_PREV, "Slice-", "previous index on the last fixed axis")                               \
    R(TRANSPOSE, "Swap", "swap the rows and columns axes")                                         \
    /* Metadata */                                                                                 \
    R(SAVE, "Save", "save into the package (shows the diff first)")                                \
    R(UNDO, "Undo", "undo the last change")                                                        \
    R(ADD, "Add", "add a label after the selected one")                                            \
    R(DELETE, "Delete", "remove the field's value, or the selected label")                         \
    R(ITEM_UP, "MoveUp", "move the selected label up")                                             \
    R(ITEM_DOWN, "MoveDn", "move the selected label down")                                         \
    /* Graph */                                                                                    \
    R(ZOOM_IN, "Zoom+", "zoom in (three levels)")                                                  \
    R(ZOOM_OUT, "Zoom-", "zoom out")                                                               \
    R(EXPORT, "SVG", "export the graph as SVG (as `loupe render`)")                                \
    R(CENTER, "Center", "center the view on the selected node")                                    \
    R(NEXT_NODE, "Node+", "select the next node")                                                  \
    R(PREV_NODE, "Node-", "select the previous node")                                              \
    R(SHOW_NODE, "Nodes", "show the selected node in the Nodes screen")

typedef enum lp_request {
#define LP_REQ_ENUM(name, label, help) LP_REQ_##name,
    LP_REQUESTS(LP_REQ_ENUM)
#undef LP_REQ_ENUM
        LP_REQ_COUNT
} lp_request;

/* A key bound to a request; help (when not NULL) says what the request does
** on this screen, overriding the table's generic line. */
typedef struct lp_binding {
    int key;
    lp_request req;
    const char *help;
} lp_binding;

const char *lp_request_label(lp_request r);
const char *lp_request_help(lp_request r);

/* The generic keymap, ending with {0}. */
extern const lp_binding lp_generic_keys[];

/* Looks key up in keys (may be NULL) then in the generic keymap. */
lp_request lp_key_request(const lp_binding *keys, int key, const lp_binding **found);
/* "Enter", "Tab", "^C", "PgUp", "j"... */
const char *lp_key_name(int key, char *buf, int n);

#define LP_KEY_CTRL(c) ((c) & 0x1f)
#define LP_KEY_ESC 27

#endif
