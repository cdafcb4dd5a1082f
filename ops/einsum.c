/*
** einsum.c — Einsum: the equation is parsed into labels (letters, plus one
** label per broadcast ellipsis dimension); repeated labels within an operand
** read its diagonal, labels missing from the output are summed over.
**
** Two float operands without diagonals or summed-alone labels are a batched
** matrix product: each operand is permuted to [batch, M, K] / [batch, K, N]
** (no copy when already so) and multiplied with cblas_sgemm. Everything else
** runs the general loop in double.
*/
#include "ops/tensorops.h"

#include <cblas.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define EI_LETTERS 52
#define EI_LABELS (EI_LETTERS + LP_MAX_RANK)
#define EI_MAX_IN 16

typedef struct ei_term {
    int n;                /* dimensions named */
    int lab[LP_MAX_RANK]; /* label per dimension */
} ei_term;

typedef struct ei_plan {
    int n_in;
    ei_term in[EI_MAX_IN], out;
    int64_t size[EI_LABELS];
    bool used[EI_LABELS];
} ei_plan;

static int letter_label(char ch) {
    if (ch >= 'a' && ch <= 'z') return ch - 'a';
    if (ch >= 'A' && ch <= 'Z') return 26 + ch - 'A';
    return -1;
}

/* Parses one term [s, e) against a rank (-1 for the output, whose ellipsis
** takes all `ell` broadcast labels); fills t and the term's ellipsis count. */
static int parse_term(lp_kctx *k, const char *s, const char *e, int rank, int ell_total, ei_term *t,
                      int *ell_out) {
    int letters = 0, dots = 0;
    for (const char *p = s; p < e; p++) {
        if (*p == '.') {
            if (e - p < 3 || p[1] != '.' || p[2] != '.' || dots)
                return lp_kbad(k, "equation has a malformed ellipsis");
            dots = 1;
            p += 2;
        } else if (letter_label(*p) >= 0) {
            letters++;
        } else {
            return lp_kbad(k, "equation has an unexpected character '%c'", *p);
        }
    }
    int ell = rank < 0 ? (dots ? ell_total : 0) : rank - letters;
    if (rank >= 0 && (ell < 0 || (ell > 0 && !dots)))
        return lp_kbad(k, "equation term '%.*s' does not match an operand of rank %d", (int)(e - s),
                       s, rank);
    if (letters + ell > LP_MAX_RANK) return lp_kbad(k, "equation term has too many dimensions");
    t->n = 0;
    for (const char *p = s; p < e; p++) {
        if (*p == '.') {
            /* broadcast labels are right-aligned across operands */
            for (int j = 0; j < ell; j++) t->lab[t->n++] = EI_LETTERS + (ell_total - ell) + j;
            p += 2;
        } else {
            t->lab[t->n++] = letter_label(*p);
        }
    }
    *ell_out = ell;
    return LP_OK;
}

static int make_plan(lp_kctx *k, const char *eq, const lp_tensor *const *ins, int n_in,
                     ei_plan *pl) {
    char buf[512];
    size_t len = 0;
    for (const char *p = eq; *p; p++)
        if (*p != ' ' && *p != '\t') {
            if (len + 1 >= sizeof buf) return lp_kbad(k, "equation is too long");
            buf[len++] = *p;
        }
    buf[len] = 0;
    char *arrow = strstr(buf, "->");
    const char *lhs_end = arrow ? arrow : buf + len;
    memset(pl, 0, sizeof *pl);
    pl->n_in = n_in;
    /* the broadcast width: the most dimensions any ellipsis stands for */
    int ell_total = 0, ells[EI_MAX_IN];
    const char *starts[EI_MAX_IN], *ends[EI_MAX_IN];
    int t = 0;
    for (const char *s = buf;; t++) {
        const char *e = s;
        while (e < lhs_end && *e != ',') e++;
        if (t >= n_in) return lp_kbad(k, "equation has more terms than the %d inputs", n_in);
        starts[t] = s;
        ends[t] = e;
        if (e >= lhs_end) break;
        s = e + 1;
    }
    if (t + 1 != n_in) return lp_kbad(k, "equation has %d terms for %d inputs", t + 1, n_in);
    for (int i = 0; i < n_in; i++) {
        int letters = 0;
        for (const char *p = starts[i]; p < ends[i]; p++) letters += letter_label(*p) >= 0;
        int ell = ins[i]->rank - letters;
        if (ell > ell_total) ell_total = ell;
    }
    for (int i = 0; i < n_in; i++) {
        int rc = parse_term(k, starts[i], ends[i], ins[i]->rank, ell_total, &pl->in[i], &ells[i]);
        if (rc) return rc;
    }
    /* sizes, with broadcasting of 1 */
    for (int l = 0; l < EI_LABELS; l++) pl->size[l] = -1;
    int letter_count[EI_LETTERS] = {0};
    for (int i = 0; i < n_in; i++)
        for (int d = 0; d < pl->in[i].n; d++) {
            int l = pl->in[i].lab[d];
            int64_t s = ins[i]->dims[d];
            pl->used[l] = true;
            if (l < EI_LETTERS) letter_count[l]++;
            if (pl->size[l] < 0 || pl->size[l] == 1)
                pl->size[l] = s;
            else if (s != pl->size[l] && s != 1)
                return lp_kbad(k, "label '%c' has sizes %lld and %lld",
                               l < 26           ? 'a' + l
                               : l < EI_LETTERS ? 'A' + l - 26
                                                : '.',
                               (long long)pl->size[l], (long long)s);
        }
    if (arrow) {
        int ell;
        int rc = parse_term(k, arrow + 2, buf + len, -1, ell_total, &pl->out, &ell);
        if (rc) return rc;
        bool seen[EI_LABELS] = {false};
        for (int d = 0; d < pl->out.n; d++) {
            int l = pl->out.lab[d];
            if (seen[l]) return lp_kbad(k, "output repeats a label");
            if (!pl->used[l] && l < EI_LETTERS)
                return lp_kbad(k, "an output label appears in no input");
            seen[l] = true;
        }
    } else {
        /* implicit: broadcast dimensions, then letters seen once, in order */
        pl->out.n = 0;
        for (int j = 0; j < ell_total; j++) pl->out.lab[pl->out.n++] = EI_LETTERS + j;
        static const int alpha[EI_LETTERS] = {
            26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43,
            44, 45, 46, 47, 48, 49, 50, 51, 0,  1,  2,  3,  4,  5,  6,  7,  8,  9,
            10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25}; /* 'A'..'Z' sort before
                                                                                'a'..'z' */
        for (int j = 0; j < EI_LETTERS; j++)
            if (letter_count[alpha[j]] == 1) {
                if (pl->out.n >= LP_MAX_RANK) return lp_kbad(k, "output has too many dimensions");
                pl->out.lab[pl->out.n++] = alpha[j];
            }
    }
    for (int l = 0; l < EI_LABELS; l++)
        if (pl->size[l] < 0) pl->size[l] = 1; /* an ellipsis no operand filled */
    return LP_OK;
}

/* Element strides of each label in operand i (summed over repeats; 0 when broadcast). */
static void label_strides(const ei_plan *pl, const lp_tensor *t, const ei_term *term, int64_t *st) {
    int64_t cs[LP_MAX_RANK];
    lp_contig_strides(t->rank, t->dims, cs);
    for (int l = 0; l < EI_LABELS; l++) st[l] = 0;
    for (int d = 0; d < term->n; d++) {
        int l = term->lab[d];
        if (t->dims[d] == pl->size[l]) st[l] += cs[d];
    }
}

/* ---- the general loop, in double ---- */

static int run_general(lp_kctx *k, const ei_plan *pl, const lp_tensor *const *ins, lp_tensor *y) {
    int order[EI_LABELS], nl = 0, no = pl->out.n;
    bool in_out[EI_LABELS] = {false};
    for (int d = 0; d < no; d++) {
        order[nl++] = pl->out.lab[d];
        in_out[pl->out.lab[d]] = true;
    }
    for (int l = 0; l < EI_LABELS; l++)
        if (pl->used[l] && !in_out[l]) order[nl++] = l;
    size_t total = 0;
    for (int i = 0; i < pl->n_in; i++) total += (size_t)ins[i]->numel;
    double *data = lp_xmalloc((total + (size_t)y->numel + 1) * sizeof *data), *ip[EI_MAX_IN];
    double *acc = data + total;
    total = 0;
    int64_t st[EI_MAX_IN][EI_LABELS];
    for (int i = 0; i < pl->n_in; i++) {
        ip[i] = data + total;
        lp_to_f64(ins[i]->dtype, ins[i]->data, ip[i], ins[i]->numel);
        total += (size_t)ins[i]->numel;
        label_strides(pl, ins[i], &pl->in[i], st[i]);
    }
    int64_t n[EI_LABELS], s[EI_MAX_IN][EI_LABELS], os[EI_LABELS];
    for (int j = 0; j < nl; j++) {
        n[j] = pl->size[order[j]];
        for (int i = 0; i < pl->n_in; i++) s[i][j] = st[i][order[j]];
    }
    int64_t c = 1;
    for (int j = no - 1; j >= 0; j--) {
        os[j] = c;
        c *= n[j];
    }
    for (int64_t o = 0; o < y->numel; o++) acc[o] = 0;
    bool empty = false;
    for (int j = 0; j < nl; j++) empty |= n[j] == 0;
    if (!empty) {
        int64_t idx[EI_LABELS] = {0}, off[EI_MAX_IN] = {0}, oo = 0;
        for (;;) {
            double p = 1;
            for (int i = 0; i < pl->n_in; i++) p *= ip[i][off[i]];
            acc[oo] += p;
            int j = nl - 1;
            for (; j >= 0; j--) {
                for (int i = 0; i < pl->n_in; i++) off[i] += s[i][j];
                if (j < no) oo += os[j];
                if (++idx[j] < n[j]) break;
                for (int i = 0; i < pl->n_in; i++) off[i] -= s[i][j] * n[j];
                if (j < no) oo -= os[j] * n[j];
                idx[j] = 0;
            }
            if (j < 0) break;
        }
    }
    lp_from_f64(y->dtype, acc, y->data, y->numel);
    free(data);
    (void)k;
    return LP_OK;
}

/* ---- two float operands as a batched GEMM ---- */

/* A view tensor over a float buffer, for lp_permute_copy. */
static lp_tensor fview(float *p, int rank, const int64_t *dims) {
    lp_tensor t = {.dtype = LP_FLOAT, .rank = rank, .data = p};
    memcpy(t.dims, dims, (size_t)rank * sizeof *dims);
    t.numel = lp_shape_numel(rank, dims);
    return t;
}

/* Lays operand t out as [groups g0, g1, g2] (labels listed), permuting into buf
** unless it already is. Returns the data to use. */
static const float *arrange(const lp_tensor *t, const ei_term *term, const int *labs, int nlabs,
                            float *buf) {
    int perm[LP_MAX_RANK];
    bool ident = true;
    for (int j = 0; j < nlabs; j++) {
        for (int d = 0; d < term->n; d++)
            if (term->lab[d] == labs[j]) perm[j] = d;
        ident &= perm[j] == j;
    }
    if (ident) return t->data;
    int64_t pd[LP_MAX_RANK];
    for (int j = 0; j < nlabs; j++) pd[j] = t->dims[perm[j]];
    lp_tensor dst = fview(buf, nlabs, pd);
    lp_permute_copy(&dst, t, t->rank, t->dims, perm);
    return buf;
}

static bool is_order(const ei_term *term, const int *labs, int n) {
    if (term->n != n) return false;
    for (int j = 0; j < n; j++)
        if (term->lab[j] != labs[j]) return false;
    return true;
}

/* Returns 1 when handled, 0 when the shape of the problem does not fit. */
static int try_gemm(lp_kctx *k, const ei_plan *pl, const lp_tensor *a, const lp_tensor *b,
                    lp_tensor *y) {
    if (a->dtype != LP_FLOAT || b->dtype != LP_FLOAT) return 0;
    const ei_term *ta = &pl->in[0], *tb = &pl->in[1];
    int ca[EI_LABELS] = {0}, cb[EI_LABELS] = {0}, co[EI_LABELS] = {0};
    for (int d = 0; d < ta->n; d++) {
        if (ca[ta->lab[d]]++ || a->dims[d] != pl->size[ta->lab[d]]) return 0;
    }
    for (int d = 0; d < tb->n; d++) {
        if (cb[tb->lab[d]]++ || b->dims[d] != pl->size[tb->lab[d]]) return 0;
    }
    for (int d = 0; d < pl->out.n; d++) co[pl->out.lab[d]] = 1;
    int bat[LP_MAX_RANK], m[LP_MAX_RANK], n[LP_MAX_RANK], kk[LP_MAX_RANK];
    int nb = 0, nm = 0, nn = 0, nk = 0;
    int64_t B = 1, M = 1, N = 1, K = 1;
    /* walk labels in the output's order first so the result needs no permute when possible */
    for (int d = 0; d < pl->out.n; d++) {
        int l = pl->out.lab[d];
        if (ca[l] && cb[l])
            bat[nb++] = l, B *= pl->size[l];
        else if (ca[l])
            m[nm++] = l, M *= pl->size[l];
        else if (cb[l])
            n[nn++] = l, N *= pl->size[l];
        else
            return 0;
    }
    for (int d = 0; d < ta->n; d++) {
        int l = ta->lab[d];
        if (co[l]) continue;
        if (!cb[l]) return 0; /* summed in A alone: the general loop */
        kk[nk++] = l;
        K *= pl->size[l];
    }
    for (int d = 0; d < tb->n; d++)
        if (!co[tb->lab[d]] && !ca[tb->lab[d]]) return 0;
    if (M > INT_MAX || N > INT_MAX || K > INT_MAX || B * M * N == 0 || K == 0) return 0;

    /* label orders: A as [bat, M, K] or [bat, K, M]; B as [bat, K, N] or [bat, N, K] */
    int la1[LP_MAX_RANK], la2[LP_MAX_RANK], lb1[LP_MAX_RANK], lb2[LP_MAX_RANK], lo[LP_MAX_RANK];
    int na = 0, na2 = 0, nbb = 0, nb2 = 0, nlo = 0;
    for (int j = 0; j < nb; j++)
        la1[na++] = la2[na2++] = lb1[nbb++] = lb2[nb2++] = lo[nlo++] = bat[j];
    for (int j = 0; j < nm; j++) la1[na++] = m[j];
    for (int j = 0; j < nk; j++) la1[na++] = la2[na2++] = lb1[nbb++] = kk[j];
    for (int j = 0; j < nm; j++) la2[na2++] = m[j];
    for (int j = 0; j < nn; j++) lb1[nbb++] = lb2[nb2++] = n[j];
    for (int j = 0; j < nk; j++) lb2[nb2++] = kk[j];
    for (int j = 0; j < nm; j++) lo[nlo++] = m[j];
    for (int j = 0; j < nn; j++) lo[nlo++] = n[j];
    bool trans_a = !is_order(ta, la1, na) && is_order(ta, la2, na2);
    bool trans_b = !is_order(tb, lb1, nbb) && is_order(tb, lb2, nb2);
    bool direct_out = is_order(&pl->out, lo, nlo);
    size_t need = (size_t)(a->numel + b->numel + (direct_out ? 0 : y->numel));
    float *scratch = lp_scratch(k, (need + 1) * sizeof(float));
    if (!scratch) return lp_kfail(k, "out of memory"), -1;
    const float *A = arrange(a, ta, trans_a ? la2 : la1, na, scratch);
    const float *Bm = arrange(b, tb, trans_b ? lb2 : lb1, nbb, scratch + a->numel);
    float *C = direct_out ? y->data : scratch + a->numel + b->numel;
    int lda = (int)(trans_a ? M : K), ldb = (int)(trans_b ? K : N);
    for (int64_t i = 0; i < B; i++)
        cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                    trans_b ? CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K, 1.0f,
                    A + i * M * K, lda, Bm + i * K * N, ldb, 0.0f, C + i * M * N, (int)N);
    if (!direct_out) {
        int64_t cd[LP_MAX_RANK];
        int perm[LP_MAX_RANK];
        for (int j = 0; j < nlo; j++) cd[j] = pl->size[lo[j]];
        for (int d = 0; d < pl->out.n; d++)
            for (int j = 0; j < nlo; j++)
                if (lo[j] == pl->out.lab[d]) perm[d] = j;
        lp_tensor src = fview(C, nlo, cd);
        lp_permute_copy(y, &src, nlo, cd, perm);
    }
    return 1;
}

int lp_k_einsum(lp_kctx *k) {
    const char *eq = lp_attr_string(k->node, "equation", NULL);
    if (!eq) return lp_kbad(k, "attribute 'equation' is missing");
    int n_in = k->n_in;
    if (n_in < 1 || n_in > EI_MAX_IN) return lp_kbad(k, "Einsum takes 1 to %d inputs", EI_MAX_IN);
    const lp_tensor *ins[EI_MAX_IN];
    for (int i = 0; i < n_in; i++) {
        ins[i] = lp_in(k, i);
        if (!ins[i]) return lp_kbad(k, "input %d is missing", i);
        if (!lp_dtype_is_numeric(ins[i]->dtype) || ins[i]->dtype != ins[0]->dtype)
            return lp_kbad(k, "inputs must share one numeric type");
    }
    ei_plan *pl = lp_xmalloc(sizeof *pl);
    int rc = make_plan(k, eq, ins, n_in, pl);
    int64_t dims[LP_MAX_RANK];
    for (int d = 0; !rc && d < pl->out.n; d++) dims[d] = pl->size[pl->out.lab[d]];
    lp_tensor *y = rc ? NULL : lp_out(k, 0, ins[0]->dtype, pl->out.n, dims);
    if (!rc && !y) rc = LP_EFAIL;
    if (!rc) {
        int done = n_in == 2 ? try_gemm(k, pl, ins[0], ins[1], y) : 0;
        if (done < 0)
            rc = LP_EFAIL;
        else if (!done)
            rc = run_general(k, pl, ins, y);
    }
    free(pl);
    return rc;
}
