/*
** screen_tensors.c — the Tensors screen: every initializer (and the tensors
** of Constant nodes), sortable by name, size or dtype; the selected one's
** statistics and histogram; and a grid of its values for any rank, showing
** two chosen axes at chosen indices of the others.
**
** Statistics of a large tensor are computed on the worker thread, so moving
** through the list never waits for them.
*/
#include "model/describe.h"
#include "tui/screen.h"
#include "tui/widgets.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define N_BINS 128
#define BIG_TENSOR ((int64_t)1 << 20) /* elements: above this, statistics run on the worker */

typedef struct trow {
    const lp_tensor *t;
    const char *name;
    char where[96]; /* "" for the main graph's initializers */
} trow;

typedef struct tstats {
    bool ready;
    lp_tensor_stats s;
    int64_t bins[N_BINS];
    double lo, hi; /* the histogram's range */
} tstats;

enum { SORT_NAME, SORT_SIZE, SORT_DTYPE, N_SORTS };
static const char *const sort_names[] = {"name", "size", "dtype"};

typedef struct tensors_st {
    trow *rows;
    int n_rows;
    int *order; /* rows in the shown order */
    int sort;
    bool reverse;
    lp_list list;
    int list_h;
    tstats *stats; /* one per row, filled on demand */
    bool *pending; /* statistics running on the worker */
    bool grid;     /* focus in the value grid (full-width) */
    /* the view of the selected tensor */
    int view_for;           /* row the view was set up for, -1 */
    int row_axis, col_axis; /* col_axis -1: rank <= 1, values wrapped */
    int64_t index[LP_MAX_RANK];
    int64_t cr, cc;    /* cursor cell */
    int64_t top, left; /* first shown cell */
    int cell_w, page_rows, page_cols, wrap_cols, lab_w;
    lp_rect list_r, grid_r;
} tensors_st;

/* ---- rows and order ---- */

static void add_row(tensors_st *s, const lp_tensor *t, const char *name, const char *where) {
    s->rows = lp_xrealloc(s->rows, (size_t)(s->n_rows + 1) * sizeof *s->rows);
    trow *r = &s->rows[s->n_rows++];
    r->t = t;
    r->name = name && name[0] ? name : "(unnamed)";
    snprintf(r->where, sizeof r->where, "%s", where ? where : "");
}

static void collect(lp_app *a, tensors_st *s) {
    const lp_model *m = a->model;
    for (int gi = 0; gi < m->n_graphs; gi++) {
        const lp_graph *g = m->graphs[gi];
        for (int i = 0; i < g->n_inits; i++) add_row(s, &g->inits[i], g->inits[i].name, g->path);
        for (int i = 0; i < g->n_nodes; i++) {
            const lp_node *nd = &g->nodes[i];
            if (strcmp(nd->op_type, "Constant") || nd->domain[0]) continue;
            for (int k = 0; k < nd->n_attrs; k++) {
                const lp_attr *at = &nd->attrs[k];
                if (!at->t || (at->type != LP_ATTR_TENSOR && at->type != LP_ATTR_SPARSE_TENSOR))
                    continue;
                const char *name = nd->n_outputs && nd->outputs[0] >= 0
                                       ? g->values[nd->outputs[0]].name
                                       : nd->name;
                char where[96];
                snprintf(where, sizeof where, "%sConstant #%d", g->path[0] ? " " : "", i);
                char full[96];
                snprintf(full, sizeof full, "%s%s", g->path, where);
                add_row(s, at->t, name, full);
            }
        }
    }
    s->order = lp_xcalloc((size_t)(s->n_rows > 0 ? s->n_rows : 1), sizeof *s->order);
    s->stats = lp_xcalloc((size_t)(s->n_rows > 0 ? s->n_rows : 1), sizeof *s->stats);
    s->pending = lp_xcalloc((size_t)(s->n_rows > 0 ? s->n_rows : 1), sizeof *s->pending);
    for (int i = 0; i < s->n_rows; i++) s->order[i] = i;
    s->list.n = s->n_rows;
}

static int compare(const void *x, const void *y, void *ctx) {
    const tensors_st *sorting = ctx;
    const trow *a = &sorting->rows[*(const int *)x], *b = &sorting->rows[*(const int *)y];
    int c = 0;
    if (sorting->sort == SORT_SIZE)
        c = a->t->nbytes < b->t->nbytes ? 1 : a->t->nbytes > b->t->nbytes ? -1 : 0;
    else if (sorting->sort == SORT_DTYPE)
        c = strcmp(lp_dtype_name(a->t->dtype), lp_dtype_name(b->t->dtype));
    if (!c) c = strcmp(a->name, b->name);
    if (!c) c = *(const int *)x - *(const int *)y;
    return sorting->reverse ? -c : c;
}

static void resort(tensors_st *s) {
    int keep = s->list.sel >= 0 && s->list.sel < s->n_rows ? s->order[s->list.sel] : -1;
    qsort_r(s->order, (size_t)s->n_rows, sizeof *s->order, compare, s);
    for (int i = 0; i < s->n_rows; i++)
        if (s->order[i] == keep) s->list.sel = i;
}

static int current(const tensors_st *s) {
    return s->list.sel >= 0 && s->list.sel < s->n_rows ? s->order[s->list.sel] : -1;
}

/* ---- statistics ---- */

static void compute_stats(const lp_tensor *t, tstats *out) {
    memset(out, 0, sizeof *out);
    lp_tensor_stats_compute(t, &out->s);
    if (t->dtype == LP_STRING || t->numel == 0 || !isfinite(out->s.min) || !isfinite(out->s.max)) {
        /* infinities: the histogram covers the finite values */
        double lo = INFINITY, hi = -INFINITY;
        if (t->dtype != LP_STRING)
            for (int64_t i = 0; i < t->numel; i++) {
                double v = lp_load_f64(t->dtype, t->data, (size_t)i);
                if (isfinite(v)) {
                    if (v < lo) lo = v;
                    if (v > hi) hi = v;
                }
            }
        out->lo = lo;
        out->hi = hi;
    } else {
        out->lo = out->s.min;
        out->hi = out->s.max;
    }
    if (t->dtype != LP_STRING && out->lo <= out->hi) {
        double span = out->hi - out->lo;
        for (int64_t i = 0; i < t->numel; i++) {
            double v = lp_load_f64(t->dtype, t->data, (size_t)i);
            if (!isfinite(v)) continue;
            int b = span > 0 ? (int)((v - out->lo) / span * N_BINS) : N_BINS / 2;
            if (b >= N_BINS) b = N_BINS - 1;
            if (b < 0) b = 0;
            out->bins[b]++;
        }
    }
    out->ready = true;
}

typedef struct stats_job {
    lp_job job;
    tensors_st *s;
    int row;
    const lp_tensor *t;
    tstats result;
} stats_job;

static void stats_run(lp_job *j) {
    stats_job *sj = (stats_job *)j;
    compute_stats(sj->t, &sj->result);
}

static void stats_done(void *owner, lp_job *j) {
    stats_job *sj = (stats_job *)j;
    (void)owner;
    if (j->rc == LP_OK) sj->s->stats[sj->row] = sj->result;
    sj->s->pending[sj->row] = false;
    free(sj);
}

static const tstats *stats_of(lp_app *a, tensors_st *s, int row) {
    if (row < 0) return NULL;
    if (s->stats[row].ready) return &s->stats[row];
    const lp_tensor *t = s->rows[row].t;
    if (t->numel <= BIG_TENSOR) {
        compute_stats(t, &s->stats[row]);
        return &s->stats[row];
    }
    if (!s->pending[row]) {
        stats_job *sj = lp_xcalloc(1, sizeof *sj);
        sj->job.title = "computing statistics";
        sj->job.run = stats_run;
        sj->job.done = stats_done;
        sj->s = s;
        sj->row = row;
        sj->t = t;
        s->pending[row] = true;
        lp_app_run(a, &sj->job);
    }
    return NULL;
}

/* ---- the value view ---- */

/* A value as the grid shows it: floats to 4 significant digits (the
** heading shows the cursor's value in full). */
static void cell_text(const lp_tensor *t, int64_t i, char *buf, size_t n) {
    if (lp_dtype_is_float(t->dtype))
        snprintf(buf, n, "%.4g", lp_load_f64(t->dtype, t->data, (size_t)i));
    else
        lp_tensor_format_value(t, i, buf, n);
}

static void view_reset(tensors_st *s, int row) {
    const lp_tensor *t = s->rows[row].t;
    s->view_for = row;
    memset(s->index, 0, sizeof s->index);
    s->cr = s->cc = s->top = s->left = 0;
    if (t->rank >= 2) {
        s->row_axis = t->rank - 2;
        s->col_axis = t->rank - 1;
    } else {
        s->row_axis = t->rank - 1;
        s->col_axis = -1;
    }
    /* a cell width that fits the widest of a sample of values */
    int w = 3;
    int64_t n = t->numel < 4096 ? t->numel : 4096;
    for (int64_t i = 0; i < n; i++) {
        char v[64];
        cell_text(t, i, v, sizeof v);
        int len = lp_text_width(v);
        if (len > w) w = len;
    }
    if (lp_dtype_is_float(t->dtype) && t->numel > n) w = w < 9 ? 9 : w;
    s->cell_w = w > 18 ? 18 : w;
}

static int64_t n_view_rows(const tensors_st *s, const lp_tensor *t) {
    if (s->col_axis < 0) {
        if (t->rank == 0) return 1;
        int cols = s->wrap_cols > 0 ? s->wrap_cols : 1;
        return (t->numel + cols - 1) / cols;
    }
    return t->dims[s->row_axis];
}

static int64_t n_view_cols(const tensors_st *s, const lp_tensor *t) {
    if (s->col_axis < 0) return t->rank == 0 ? 1 : s->wrap_cols > 0 ? s->wrap_cols : 1;
    return t->dims[s->col_axis];
}

/* The flat element of cell (r, c), or -1 outside the tensor. */
static int64_t element_at(const tensors_st *s, const lp_tensor *t, int64_t r, int64_t c) {
    if (t->rank == 0) return r == 0 && c == 0 ? 0 : -1;
    if (s->col_axis < 0) {
        int64_t i = r * n_view_cols(s, t) + c;
        return i < t->numel ? i : -1;
    }
    int64_t idx[LP_MAX_RANK];
    memcpy(idx, s->index, sizeof idx);
    idx[s->row_axis] = r;
    idx[s->col_axis] = c;
    int64_t flat = 0;
    for (int k = 0; k < t->rank; k++) {
        if (idx[k] < 0 || idx[k] >= t->dims[k]) return -1;
        flat = flat * t->dims[k] + idx[k];
    }
    return flat;
}

/* "[0, 3, :, :]" */
static void view_spec(const tensors_st *s, const lp_tensor *t, char *buf, size_t n) {
    size_t at = (size_t)snprintf(buf, n, "[");
    for (int k = 0; k < t->rank && at < n; k++) {
        if (k == s->row_axis || k == s->col_axis || (s->col_axis < 0))
            at += (size_t)snprintf(buf + at, n - at, "%s:", k ? ", " : "");
        else
            at +=
                (size_t)snprintf(buf + at, n - at, "%s%lld", k ? ", " : "", (long long)s->index[k]);
    }
    if (at < n) snprintf(buf + at, n - at, "]");
}

/* The index of the cursor's element, "[0, 3, 5, 1]". */
static void cursor_index(const tensors_st *s, const lp_tensor *t, int64_t flat, char *buf,
                         size_t n) {
    int64_t idx[LP_MAX_RANK];
    int64_t rest = flat;
    for (int k = t->rank - 1; k >= 0; k--) {
        idx[k] = t->dims[k] ? rest % t->dims[k] : 0;
        rest = t->dims[k] ? rest / t->dims[k] : 0;
    }
    size_t at = (size_t)snprintf(buf, n, "[");
    for (int k = 0; k < t->rank && at < n; k++)
        at += (size_t)snprintf(buf + at, n - at, "%s%lld", k ? ", " : "", (long long)idx[k]);
    if (at < n) snprintf(buf + at, n - at, "]");
    (void)s;
}

/* Parses "0, :, 3, :" (brackets optional): exactly two ':' (one for rank 1),
** every other entry an index within its axis. */
static void view_done(lp_app *a, void *ctx, bool ok, const char *text) {
    tensors_st *s = ctx;
    if (!ok || current(s) < 0) return;
    const lp_tensor *t = s->rows[current(s)].t;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", text);
    char *p = buf;
    while (*p == ' ' || *p == '[') p++;
    char *end = p + strlen(p);
    while (end > p && (end[-1] == ' ' || end[-1] == ']')) *--end = 0;
    int64_t idx[LP_MAX_RANK] = {0};
    int axes[2], n_axes = 0, k = 0;
    for (char *tok = strtok(p, ","); tok; tok = strtok(NULL, ","), k++) {
        while (*tok == ' ') tok++;
        char *e = tok + strlen(tok);
        while (e > tok && e[-1] == ' ') *--e = 0;
        if (k >= t->rank) {
            lp_app_error(a, "view: the tensor has %d axes, more were given", t->rank);
            return;
        }
        if (!strcmp(tok, ":")) {
            if (n_axes == 2) {
                lp_app_error(a, "view: give ':' for exactly two axes (rows, then columns)");
                return;
            }
            axes[n_axes++] = k;
            continue;
        }
        char *stop;
        long long i = strtoll(tok, &stop, 10);
        if (!*tok || *stop) {
            lp_app_error(a, "view: '%s' is neither an index nor ':'", tok);
            return;
        }
        if (i < 0) i += t->dims[k];
        if (i < 0 || i >= t->dims[k]) {
            lp_app_error(a, "view: index %s is outside axis %d (0..%lld)", tok, k,
                         (long long)t->dims[k] - 1);
            return;
        }
        idx[k] = i;
    }
    if (k != t->rank) {
        lp_app_error(a, "view: the tensor has %d axes, %d were given", t->rank, k);
        return;
    }
    if (n_axes != (t->rank >= 2 ? 2 : t->rank)) {
        lp_app_error(a, "view: give ':' for exactly %d axes (rows, then columns)",
                     t->rank >= 2 ? 2 : t->rank);
        return;
    }
    memcpy(s->index, idx, sizeof idx);
    if (t->rank >= 2) {
        s->row_axis = axes[0];
        s->col_axis = axes[1];
    }
    s->cr = s->cc = s->top = s->left = 0;
    char spec[256];
    view_spec(s, t, spec, sizeof spec);
    lp_app_message(a, "showing %s", spec);
}

static void open_view_prompt(lp_app *a, tensors_st *s, const lp_tensor *t) {
    if (t->rank < 2) {
        lp_app_message(a, "a tensor of rank %d has no axes to choose", t->rank);
        return;
    }
    char spec[256];
    view_spec(s, t, spec, sizeof spec);
    lp_app_prompt(a, "view (':' for the rows and columns axes):", spec, NULL, view_done, s);
}

/* Steps the last fixed axis's index (wrapping), to page through slices. */
static void step_slice(lp_app *a, tensors_st *s, const lp_tensor *t, int dir) {
    int axis = -1;
    for (int k = t->rank - 1; k >= 0 && axis < 0; k--)
        if (k != s->row_axis && k != s->col_axis) axis = k;
    if (axis < 0 || s->col_axis < 0) {
        lp_app_message(a, "every axis is shown: no slice to step");
        return;
    }
    int64_t d = t->dims[axis];
    s->index[axis] = d ? ((s->index[axis] + dir) % d + d) % d : 0;
    char spec[256];
    view_spec(s, t, spec, sizeof spec);
    lp_app_message(a, "showing %s (axis %d: %lld of %lld)", spec, axis, (long long)s->index[axis],
                   (long long)d);
}

/* ---- drawing ---- */

static void draw_list(tensors_st *s, lp_rect r) {
    char title[64];
    snprintf(title, sizeof title, "%d tensors by %s%s", s->n_rows, sort_names[s->sort],
             s->reverse ? " (reversed)" : "");
    lp_box(r, LP_ROLE_HEADER, title);
    int h = r.h - 3, w = r.w - 3, x = r.x + 1, y0 = r.y + 1;
    s->list_h = h;
    lp_list_fit(&s->list, h);
    /* narrow: the dtype column goes, the shape column shrinks */
    int size_w = 9, dt_w = w >= 50 ? 8 : 0, shape_w = w >= 50 ? 16 : 10;
    int name_w = w - size_w - dt_w - shape_w - (dt_w ? 3 : 2);
    lp_put(y0, x, name_w, LP_ROLE_HEADER, "name");
    if (dt_w) lp_put(y0, x + name_w + 1, dt_w, LP_ROLE_HEADER, "dtype");
    lp_put_right(y0, x + name_w + dt_w + 2, shape_w, LP_ROLE_HEADER, "shape");
    lp_put_right(y0, x + w - size_w, size_w, LP_ROLE_HEADER, "size");
    for (int i = 0; i < h && s->list.top + i < s->n_rows; i++) {
        int k = s->list.top + i, y = y0 + 1 + i;
        const trow *t = &s->rows[s->order[k]];
        bool sel = k == s->list.sel;
        lp_role base = sel ? LP_ROLE_SELECTED : LP_ROLE_NORMAL;
        if (sel) lp_fill(y, x, w, base);
        char name[200], dims[96], size[32];
        snprintf(name, sizeof name, "%s%s%s", t->name, t->where[0] ? "  " : "", t->where);
        lp_put_fit(y, x, name_w, base, name);
        if (dt_w)
            lp_put(y, x + name_w + 1, dt_w, sel ? base : LP_ROLE_SHAPE, lp_dtype_name(t->t->dtype));
        lp_dims_str(t->t->rank, t->t->dims, dims, sizeof dims, !lp_g->utf8);
        lp_put_right(y, x + name_w + dt_w + 2, shape_w, sel ? base : LP_ROLE_SHAPE, dims);
        lp_put_right(y, x + w - size_w, size_w, sel ? base : LP_ROLE_DIM,
                     lp_bytes_str((uint64_t)t->t->nbytes, size, sizeof size));
    }
    if (s->n_rows == 0) lp_put(y0 + 1, x, w, LP_ROLE_DIM, "(no initializers or Constant tensors)");
    lp_scrollbar(y0 + 1, r.x + r.w - 2, h, s->n_rows, s->list.top, h);
}

static void draw_histogram(const tstats *st, int y, int x, int w, int h) {
    if (w < 8 || h < 2) return;
    /* merge the bins into w columns */
    int64_t cols[512] = {0}, top = 0;
    if (w > 512) w = 512;
    for (int b = 0; b < N_BINS; b++) cols[(int64_t)b * w / N_BINS] += st->bins[b];
    if (w > N_BINS) { /* fewer bins than columns: spread them */
        for (int c = 0; c < w; c++) cols[c] = st->bins[(int64_t)c * N_BINS / w];
    }
    for (int c = 0; c < w; c++)
        if (cols[c] > top) top = cols[c];
    if (top == 0) return;
    for (int c = 0; c < w; c++) {
        /* height in eighths of a row; anything present shows at least a sliver */
        int64_t eighths = (cols[c] * h * 8 + top - 1) / top;
        if (cols[c] && eighths == 0) eighths = 1;
        for (int row = 0; row < h; row++) {
            int64_t level = eighths - (int64_t)(h - 1 - row) * 8;
            if (level <= 0) continue;
            if (level > 8) level = 8;
            attrset(lp_role_attr(LP_ROLE_BAR));
            mvaddstr(y + row, x + c, lp_g->vblocks[level]);
            attrset(A_NORMAL);
        }
    }
}

static void draw_grid(lp_app *a, tensors_st *s, const lp_tensor *t, lp_rect r) {
    (void)a;
    /* row labels as wide as the largest one (for a wrapped rank-1 view, the offset) */
    int64_t biggest = s->col_axis < 0 ? t->numel : (t->rank ? t->dims[s->row_axis] : 1);
    int lab_w = 2;
    for (int64_t v = biggest; v >= 100; v /= 10) lab_w++;
    s->lab_w = lab_w;
    int cw = s->cell_w + 1;
    int cols = (r.w - lab_w - 1) / cw;
    if (cols < 1) cols = 1;
    if (s->col_axis < 0 && t->rank > 0) {
        s->wrap_cols = cols;
        if (s->wrap_cols > t->numel) s->wrap_cols = (int)(t->numel ? t->numel : 1);
    }
    int64_t nr = n_view_rows(s, t), nc = n_view_cols(s, t);
    int rows = r.h - 1;
    s->page_rows = rows > 0 ? rows : 1;
    s->page_cols = cols;
    if (s->cr >= nr) s->cr = nr - 1;
    if (s->cc >= nc) s->cc = nc - 1;
    if (s->cr < 0) s->cr = 0;
    if (s->cc < 0) s->cc = 0;
    if (s->cr < s->top) s->top = s->cr;
    if (s->cr >= s->top + rows) s->top = s->cr - rows + 1;
    if (s->cc < s->left) s->left = s->cc;
    if (s->cc >= s->left + cols) s->left = s->cc - cols + 1;
    if (t->numel == 0) {
        lp_put(r.y, r.x, r.w, LP_ROLE_DIM, "(no elements)");
        return;
    }
    /* column headings: the index on the columns axis (or the offset) */
    for (int c = 0; c < cols && s->left + c < nc; c++) {
        char h[32];
        snprintf(h, sizeof h, "%lld", (long long)(s->left + c));
        lp_put_right(r.y, r.x + lab_w + 1 + c * cw, s->cell_w, LP_ROLE_HEADER, h);
    }
    for (int i = 0; i < rows && s->top + i < nr; i++) {
        int64_t row = s->top + i;
        int y = r.y + 1 + i;
        char lab[32];
        snprintf(lab, sizeof lab, "%lld", (long long)(s->col_axis < 0 ? row * nc : row));
        lp_put_right(y, r.x, lab_w, LP_ROLE_HEADER, lab);
        for (int c = 0; c < cols && s->left + c < nc; c++) {
            int64_t e = element_at(s, t, row, s->left + c);
            if (e < 0) continue;
            char v[64];
            cell_text(t, e, v, sizeof v);
            bool cur = s->grid && row == s->cr && s->left + c == s->cc;
            if (cur) lp_fill(y, r.x + lab_w + 1 + c * cw, s->cell_w, LP_ROLE_SELECTED);
            lp_put_right(y, r.x + lab_w + 1 + c * cw, s->cell_w,
                         cur ? LP_ROLE_SELECTED : LP_ROLE_NORMAL, v);
        }
    }
}

static void draw_detail(lp_app *a, tensors_st *s, lp_rect r) {
    int row = current(s);
    if (row < 0) {
        lp_box(r, LP_ROLE_BORDER, "");
        return;
    }
    const trow *tr = &s->rows[row];
    const lp_tensor *t = tr->t;
    if (s->view_for != row) view_reset(s, row);
    lp_box(r, s->grid ? LP_ROLE_HEADER : LP_ROLE_BORDER, tr->name);
    int x = r.x + 2, w = r.w - 4, y = r.y + 1;
    char dims[128], count[32], bytes[32];
    lp_dims_str(t->rank, t->dims, dims, sizeof dims, !lp_g->utf8);
    lp_putf(y++, x, w, LP_ROLE_SHAPE, "%s[%s]  %s element%s, %s%s%s", lp_dtype_name(t->dtype), dims,
            lp_fmt_grouped(t->numel, count, sizeof count), t->numel == 1 ? "" : "s",
            lp_bytes_str((uint64_t)t->nbytes, bytes, sizeof bytes), tr->where[0] ? ", " : "",
            tr->where);
    int grid_h = r.h - 2;
    if (!s->grid) {
        const tstats *st = stats_of(a, s, row);
        if (!st) {
            lp_put(y++, x, w, LP_ROLE_WARN, "computing statistics...");
            y += 2;
        } else if (t->dtype == LP_STRING) {
            lp_putf(y++, x, w, LP_ROLE_NORMAL, "%lld strings", (long long)st->s.count);
        } else {
            if (w >= 56) {
                lp_putf(y++, x, w, LP_ROLE_NORMAL, "min %.6g  max %.6g  mean %.6g  std %.6g",
                        st->s.min, st->s.max, st->s.mean, st->s.std);
            } else {
                lp_putf(y++, x, w, LP_ROLE_NORMAL, "min %.6g  max %.6g", st->s.min, st->s.max);
                lp_putf(y++, x, w, LP_ROLE_NORMAL, "mean %.6g  std %.6g", st->s.mean, st->s.std);
            }
            lp_role bad = st->s.nans || st->s.infs ? LP_ROLE_ERROR : LP_ROLE_NORMAL;
            int used =
                lp_putf(y, x, w, LP_ROLE_NORMAL, "zeros %lld (%.1f%%)  ", (long long)st->s.zeros,
                        t->numel ? 100.0 * (double)st->s.zeros / (double)t->numel : 0.0);
            lp_putf(y++, x + used, w - used, bad, "NaN %lld  Inf %lld", (long long)st->s.nans,
                    (long long)st->s.infs);
            int hh = r.h >= 30 ? 8 : r.h >= 20 ? 5 : 3;
            if (t->numel > 1 && st->lo < st->hi) {
                draw_histogram(st, y, x, w, hh);
                y += hh;
                char lo[32], hi[32];
                snprintf(lo, sizeof lo, "%.4g", st->lo);
                snprintf(hi, sizeof hi, "%.4g", st->hi);
                lp_put(y, x, w, LP_ROLE_DIM, lo);
                lp_put_right(y, x, w, LP_ROLE_DIM, hi);
                y++;
            }
        }
        lp_hline(y, r.x + 1, r.w - 2, LP_ROLE_BORDER);
        y++;
        grid_h = r.y + r.h - 1 - y;
    }
    /* the grid first: it settles the cursor the heading names */
    s->grid_r = (lp_rect){y + 1, x, grid_h - 1, w};
    if (grid_h > 2) draw_grid(a, s, t, s->grid_r);
    char spec[256];
    view_spec(s, t, spec, sizeof spec);
    int64_t e = element_at(s, t, s->cr, s->cc);
    char idx[160] = "", v[64] = "";
    if (e >= 0) {
        cursor_index(s, t, e, idx, sizeof idx);
        lp_tensor_format_value(t, e, v, sizeof v);
    }
    if (s->grid)
        lp_putf(y, x, w, LP_ROLE_LABEL, "values %s   %s = %s", spec, idx, v);
    else
        lp_putf(y, x, w, LP_ROLE_LABEL, "values %s   (Enter to move in them)", spec);
}

static void tn_draw(lp_app *a, void *st, lp_rect r) {
    tensors_st *s = st;
    if (s->grid) {
        s->list_r = (lp_rect){0, 0, 0, 0};
        draw_detail(a, s, r);
        return;
    }
    int lw = r.w * 45 / 100;
    if (lw < 40) lw = r.w / 2;
    s->list_r = (lp_rect){r.y, r.x, r.h, lw};
    draw_list(s, s->list_r);
    draw_detail(a, s, (lp_rect){r.y, r.x + lw, r.h, r.w - lw});
}

/* ---- requests ---- */

static int grid_request(lp_app *a, tensors_st *s, const lp_tensor *t, lp_request req) {
    switch (req) {
    case LP_REQ_MOVE_UP:
        s->cr--;
        break;
    case LP_REQ_MOVE_DOWN:
        s->cr++;
        break;
    case LP_REQ_MOVE_LEFT:
        s->cc--;
        break;
    case LP_REQ_MOVE_RIGHT:
        s->cc++;
        break;
    case LP_REQ_PAGE_UP:
        s->cr -= s->page_rows;
        s->top -= s->page_rows;
        if (s->top < 0) s->top = 0;
        break;
    case LP_REQ_PAGE_DOWN: {
        int64_t nr = n_view_rows(s, t);
        s->cr += s->page_rows;
        s->top += s->page_rows;
        if (s->top > nr - s->page_rows) s->top = nr - s->page_rows > 0 ? nr - s->page_rows : 0;
        break;
    }
    case LP_REQ_FIRST:
        s->cr = s->cc = 0;
        break;
    case LP_REQ_LAST:
        s->cr = n_view_rows(s, t) - 1;
        s->cc = n_view_cols(s, t) - 1;
        break;
    case LP_REQ_BACK:
    case LP_REQ_FOCUS_LIST:
        s->grid = false;
        break;
    case LP_REQ_VIEW_AXES:
        open_view_prompt(a, s, t);
        break;
    case LP_REQ_INDEX_NEXT:
        step_slice(a, s, t, 1);
        break;
    case LP_REQ_INDEX_PREV:
        step_slice(a, s, t, -1);
        break;
    case LP_REQ_TRANSPOSE:
        if (s->col_axis < 0) {
            lp_app_message(a, "a tensor of rank %d has no axes to swap", t->rank);
            break;
        }
        {
            int k = s->row_axis;
            s->row_axis = s->col_axis;
            s->col_axis = k;
            int64_t c = s->cr;
            s->cr = s->cc;
            s->cc = c;
            s->top = s->left = 0;
        }
        break;
    default:
        return LP_IGNORED;
    }
    return LP_HANDLED;
}

static int tn_request(lp_app *a, void *st, lp_request req) {
    tensors_st *s = st;
    int row = current(s);
    if (s->grid && row >= 0) return grid_request(a, s, s->rows[row].t, req);
    switch (req) {
    case LP_REQ_SORT:
        s->sort = (s->sort + 1) % N_SORTS;
        s->reverse = false;
        resort(s);
        lp_app_message(a, "sorted by %s", sort_names[s->sort]);
        return LP_HANDLED;
    case LP_REQ_SORT_REVERSE:
        s->reverse = !s->reverse;
        resort(s);
        lp_app_message(a, "sorted by %s, %s", sort_names[s->sort],
                       s->reverse ? "reversed" : "in order");
        return LP_HANDLED;
    case LP_REQ_ENTER:
    case LP_REQ_MOVE_RIGHT:
        if (row < 0) return LP_HANDLED;
        s->grid = true;
        lp_app_message(
            a, "arrows move, PgUp/PgDn page, v picks the axes, [ ] step slices, Esc goes back");
        return LP_HANDLED;
    case LP_REQ_VIEW_AXES:
        if (row >= 0) open_view_prompt(a, s, s->rows[row].t);
        return LP_HANDLED;
    case LP_REQ_INDEX_NEXT:
    case LP_REQ_INDEX_PREV:
    case LP_REQ_TRANSPOSE:
        if (row >= 0) return grid_request(a, s, s->rows[row].t, req);
        return LP_HANDLED;
    default:
        break;
    }
    if (lp_list_move(&s->list, req, s->list_h)) return LP_HANDLED;
    return LP_IGNORED;
}

static int tn_mouse(lp_app *a, void *st, lp_rect r, const MEVENT *ev) {
    tensors_st *s = st;
    (void)a, (void)r;
    int row, col;
    bool up = lp_mouse_wheel_up(ev), down = lp_mouse_wheel_down(ev);
    if (!s->grid && lp_rect_hit(s->list_r, ev, &row, &col)) {
        if (up || down)
            lp_list_scroll(&s->list, up ? -3 : 3, s->list_h);
        else if (lp_mouse_click(ev) && row >= 2 && s->list.top + row - 2 < s->n_rows)
            s->list.sel = s->list.top + row - 2;
        return LP_HANDLED;
    }
    if (lp_rect_hit(s->grid_r, ev, &row, &col)) {
        if (up || down) {
            s->cr += up ? -3 : 3;
            s->top += up ? -3 : 3;
            if (s->top < 0) s->top = 0;
        } else if (lp_mouse_click(ev) && row >= 1 && col > s->lab_w) {
            s->grid = true;
            s->cr = s->top + row - 1;
            s->cc = s->left + (col - s->lab_w - 1) / (s->cell_w + 1);
        }
        return LP_HANDLED;
    }
    return LP_IGNORED;
}

/* ---- search over names ---- */

static int tn_rows(lp_app *a, void *st) {
    (void)a;
    return ((tensors_st *)st)->n_rows;
}

static bool tn_grep(lp_app *a, void *st, int row, const char *q) {
    tensors_st *s = st;
    (void)a;
    const trow *t = &s->rows[s->order[row]];
    return strcasestr(t->name, q) || strcasestr(t->where, q);
}

static int tn_cursor(lp_app *a, void *st) {
    (void)a;
    return ((tensors_st *)st)->list.sel;
}

static void tn_go(lp_app *a, void *st, int row) {
    tensors_st *s = st;
    (void)a;
    s->list.sel = row;
    s->grid = false;
}

static void tn_open(lp_app *a, void *st) {
    tensors_st *s = st;
    s->view_for = -1;
    s->sort = SORT_NAME;
    collect(a, s);
    resort(s);
    s->list.sel = s->n_rows ? 0 : -1;
}

static void tn_done(lp_app *a, void *st) {
    tensors_st *s = st;
    (void)a;
    free(s->rows);
    free(s->order);
    free(s->stats);
    free(s->pending);
}

static const lp_binding tn_keys[] = {
    {'\n', LP_REQ_ENTER, "move into the values (Esc comes back)"},
    {'\r', LP_REQ_ENTER, "move into the values (Esc comes back)"},
    {KEY_ENTER, LP_REQ_ENTER, "move into the values (Esc comes back)"},
    {'/', LP_REQ_SEARCH, "search tensor names"},
    {'s', LP_REQ_SORT, NULL},
    {'r', LP_REQ_SORT_REVERSE, NULL},
    {'v', LP_REQ_VIEW_AXES, NULL},
    {']', LP_REQ_INDEX_NEXT, NULL},
    {'[', LP_REQ_INDEX_PREV, NULL},
    {'t', LP_REQ_TRANSPOSE, NULL},
    {LP_KEY_ESC, LP_REQ_BACK, "from the values back to the list"},
    {0, LP_REQ_NONE, NULL},
};

static const lp_request tn_hints[] = {LP_REQ_ENTER,     LP_REQ_SORT,       LP_REQ_SORT_REVERSE,
                                      LP_REQ_VIEW_AXES, LP_REQ_INDEX_NEXT, LP_REQ_SEARCH,
                                      LP_REQ_NONE};

const lp_screen_ops lp_screen_tensors = {
    .name = "Tensors",
    .priv_size = sizeof(tensors_st),
    .open = tn_open,
    .done = tn_done,
    .draw = tn_draw,
    .request = tn_request,
    .mouse = tn_mouse,
    .rows = tn_rows,
    .grep = tn_grep,
    .cursor = tn_cursor,
    .go = tn_go,
    .keys = tn_keys,
    .hints = tn_hints,
};
