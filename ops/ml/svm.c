/*
** svm.c — SVMRegressor and SVMClassifier (ai.onnx.ml 1), as scikit-learn's
** SVR, OneClassSVM and SVC export them: support vectors with a LINEAR, POLY,
** RBF or SIGMOID kernel, or a plain linear model when there are none.
**
** The classifier follows libsvm: one-vs-one decision values for each pair of
** classes, votes for the label, and with prob_a/prob_b Platt's sigmoid per
** pair coupled into class probabilities (Wu, Lin and Weng's method). Labels
** and score columns follow the ONNX reference implementation.
*/
#include "ops/ml/ml.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { K_LINEAR, K_POLY, K_RBF, K_SIGMOID };

typedef struct svm {
    int kernel;
    double gamma, coef0, degree;
    lp_ml_post post;
    double *sv; /* [n_sv, feat] */
    int64_t n_sv, feat;
    double *coef;
    int n_coef;
    double *rho;
    int n_rho;
    double *prob_a, *prob_b;
    int n_prob;
    /* regressor */
    bool one_class;
    /* classifier */
    bool svc;          /* support vectors (else one linear row per class) */
    bool all_positive; /* every coefficient >= 0 */
    int64_t n_class, n_pairs, width;
    int64_t *start, *count; /* each class's support vectors */
    lp_ml_labels labels;
} svm;

void lp_k_ml_svm_release(void *state) {
    svm *m = state;
    if (!m) return;
    free(m->sv);
    free(m->coef);
    free(m->rho);
    free(m->prob_a);
    free(m->prob_b);
    free(m->start);
    free(m->count);
    free(m);
}

static double *floats_attr(lp_kctx *k, const char *name, int *n) {
    const float *f = lp_attr_floats(k->node, name, n);
    double *d = lp_xmalloc((size_t)*n * sizeof *d + 1);
    for (int i = 0; i < *n; i++) d[i] = f[i];
    return d;
}

/* What both share: kernel, its parameters, coefficients, rho, vectors. */
static int common_prepare(lp_kctx *k, svm *m) {
    int rc = lp_ml_post_attr(k, &m->post);
    if (rc) return rc;
    const char *kt = lp_attr_string(k->node, "kernel_type", "LINEAR");
    static const char *const kernels[] = {"LINEAR", "POLY", "RBF", "SIGMOID"};
    m->kernel = -1;
    for (int i = 0; i < 4; i++)
        if (!strcmp(kt, kernels[i])) m->kernel = i;
    if (m->kernel < 0)
        return lp_kfail(k, "kernel_type '%s' is not LINEAR, POLY, RBF or SIGMOID", kt);
    int np;
    const float *kp = lp_attr_floats(k->node, "kernel_params", &np);
    if (np != 0 && np < 3)
        return lp_kfail(k, "kernel_params has %d entries; gamma, coef0 and degree are needed", np);
    if (np) {
        m->gamma = kp[0];
        m->coef0 = kp[1];
        if (!(fabs(kp[2]) < 1e6)) return lp_kfail(k, "kernel degree %g is not usable", kp[2]);
        m->degree = (double)(int64_t)kp[2]; /* the reference truncates it */
    }
    m->coef = floats_attr(k, "coefficients", &m->n_coef);
    m->rho = floats_attr(k, "rho", &m->n_rho);
    int nsv;
    m->sv = floats_attr(k, "support_vectors", &nsv);
    if (m->n_coef == 0) return lp_kfail(k, "coefficients are missing");
    if (m->n_rho == 0) return lp_kfail(k, "rho is missing");
    if (m->n_sv > 0) {
        if (nsv < m->n_sv || nsv % m->n_sv)
            return lp_kfail(k, "%d support vector values do not split into %lld vectors", nsv,
                            (long long)m->n_sv);
        m->feat = nsv / m->n_sv;
    }
    return LP_OK;
}

static double dot(const double *a, const double *b, int64_t n) {
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

static double kernel(const svm *m, const double *a, const double *b, int64_t n) {
    switch (m->kernel) {
    case K_POLY:
        return pow(dot(a, b, n) * m->gamma + m->coef0, m->degree);
    case K_SIGMOID:
        return tanh(dot(a, b, n) * m->gamma + m->coef0);
    case K_RBF: {
        double s = 0;
        for (int64_t i = 0; i < n; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
        return exp(-m->gamma * s);
    }
    default:
        return dot(a, b, n);
    }
}

static int check_cols(lp_kctx *k, const svm *m, const lp_tensor *x, int64_t *rows) {
    int64_t cols;
    int rc = lp_ml_shape(k, x, rows, &cols);
    if (rc) return rc;
    if (cols != m->feat)
        return lp_kbad(k, "X has %lld features; the model has %lld", (long long)cols,
                       (long long)m->feat);
    return LP_OK;
}

/* ---- SVMRegressor ---- */

int lp_k_ml_svm_regressor_prepare(lp_kctx *k) {
    svm *m = lp_xcalloc(1, sizeof *m);
    k->state = m;
    m->n_sv = lp_attr_int(k->node, "n_supports", 0);
    m->one_class = lp_attr_int(k->node, "one_class", 0) != 0;
    if (m->n_sv < 0 || m->n_sv > (1 << 30))
        return lp_kfail(k, "n_supports is %lld", (long long)m->n_sv);
    int rc = common_prepare(k, m);
    if (rc) return rc;
    if (m->n_sv > 0 && m->n_coef < m->n_sv)
        return lp_kfail(k, "%d coefficients for %lld support vectors", m->n_coef,
                        (long long)m->n_sv);
    if (m->n_sv == 0) m->feat = m->n_coef; /* linear: one coefficient per feature */
    return LP_OK;
}

int lp_k_ml_svm_regressor(lp_kctx *k) {
    const svm *m = k->state;
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kfail(k, "input X is missing");
    int64_t n;
    int rc = check_cols(k, m, x, &n);
    if (rc) return rc;
    double *xd = lp_ml_doubles(k, x, 0);
    if (!xd) return k->err->status;
    lp_tensor *y = lp_out(k, 0, LP_FLOAT, 2, (int64_t[]){n, 1});
    if (!y) return LP_EFAIL;
    for (int64_t r = 0; r < n; r++) {
        const double *row = xd + r * m->feat;
        double s = 0;
        if (m->n_sv > 0) {
            for (int64_t j = 0; j < m->n_sv; j++)
                s += m->coef[j] * kernel(m, row, m->sv + j * m->feat, m->feat);
        } else {
            s = dot(row, m->coef, m->feat);
        }
        s += m->rho[0];
        if (m->one_class)
            s = s > 0 ? 1 : -1;
        else
            lp_ml_transform(&s, 1, m->post);
        ((float *)y->data)[r] = (float)s;
    }
    return LP_OK;
}

/* ---- SVMClassifier ---- */

int lp_k_ml_svm_classifier_prepare(lp_kctx *k) {
    svm *m = lp_xcalloc(1, sizeof *m);
    k->state = m;
    int rc = lp_ml_labels_attr(k, "classlabels_ints", &m->labels);
    if (rc) return rc;
    m->n_class = m->labels.n > 1 ? m->labels.n : 1;
    if (m->n_class > 65535)
        return lp_kfail(k, "%lld classes are more than 65535", (long long)m->n_class);
    int nvpc;
    const int64_t *vpc = lp_attr_ints(k->node, "vectors_per_class", &nvpc);
    for (int i = 0; i < nvpc; i++) {
        if (vpc[i] < 0 || vpc[i] > (1 << 30) || m->n_sv > (1 << 30))
            return lp_kfail(k, "vectors_per_class[%d] is %lld", i, (long long)vpc[i]);
        m->n_sv += vpc[i];
    }
    m->svc = m->n_sv > 0;
    rc = common_prepare(k, m);
    if (rc) return rc;
    m->n_pairs = m->n_class * (m->n_class - 1) / 2;
    m->prob_a = floats_attr(k, "prob_a", &m->n_prob);
    int nb;
    m->prob_b = floats_attr(k, "prob_b", &nb);
    if (nb != m->n_prob) return lp_kfail(k, "prob_a has %d entries and prob_b %d", m->n_prob, nb);
    if (m->svc) {
        if (nvpc != m->n_class)
            return lp_kfail(k, "vectors_per_class has %d entries for %lld classes", nvpc,
                            (long long)m->n_class);
        if ((int64_t)m->n_coef < (m->n_class - 1) * m->n_sv)
            return lp_kfail(k, "%d coefficients; %lld classes with %lld support vectors need %lld",
                            m->n_coef, (long long)m->n_class, (long long)m->n_sv,
                            (long long)((m->n_class - 1) * m->n_sv));
        if (m->n_rho < m->n_pairs)
            return lp_kfail(k, "rho has %d entries for %lld pairs of classes", m->n_rho,
                            (long long)m->n_pairs);
        if (m->n_prob > 0 && m->n_prob < m->n_pairs)
            return lp_kfail(k, "prob_a has %d entries for %lld pairs of classes", m->n_prob,
                            (long long)m->n_pairs);
        m->start = lp_xmalloc((size_t)m->n_class * sizeof *m->start);
        m->count = lp_xmalloc((size_t)m->n_class * sizeof *m->count);
        for (int64_t c = 0, at = 0; c < m->n_class; c++) {
            m->start[c] = at;
            m->count[c] = vpc[c];
            at += vpc[c];
        }
    } else {
        if (m->n_coef % m->n_class)
            return lp_kfail(k, "%d coefficients do not split into %lld classes", m->n_coef,
                            (long long)m->n_class);
        m->feat = m->n_coef / m->n_class;
    }
    m->all_positive = true;
    for (int i = 0; i < m->n_coef; i++) m->all_positive &= m->coef[i] >= 0;
    /* score columns: one per class, or per pair without probabilities; a
    ** single decision value s with two labels becomes [-s, s] before the
    ** transform, as the reference does (onnxruntime agrees for NONE and
    ** LOGISTIC; for SOFTMAX it leaves [1 - s, s] untransformed) */
    int64_t n_scores = m->svc && m->n_prob == 0 ? m->n_pairs : m->n_class;
    m->width = n_scores;
    if (n_scores == 1 && m->post != LP_ML_PROBIT && m->n_rho == 1 && m->labels.n == 2) m->width = 2;
    return LP_OK;
}

/* Wu, Lin and Weng's coupling of pairwise probabilities r[k*k] into p[k],
** with q[k*k + k] of room; as libsvm's multiclass_probability. */
static void couple(int64_t nc, const double *r, double *p, double *q) {
    double *qp = q + nc * nc;
    int64_t iters = nc > 100 ? nc : 100;
    double eps = 0.005 / (double)nc;
    for (int64_t t = 0; t < nc; t++) {
        p[t] = 1.0 / (double)nc;
        q[t * nc + t] = 0;
        for (int64_t j = 0; j < t; j++) {
            q[t * nc + t] += r[j * nc + t] * r[j * nc + t];
            q[t * nc + j] = q[j * nc + t];
        }
        for (int64_t j = t + 1; j < nc; j++) {
            q[t * nc + t] += r[j * nc + t] * r[j * nc + t];
            q[t * nc + j] = -r[j * nc + t] * r[t * nc + j];
        }
    }
    for (int64_t it = 0; it < iters; it++) {
        double pqp = 0;
        for (int64_t t = 0; t < nc; t++) {
            qp[t] = dot(q + t * nc, p, nc);
            pqp += p[t] * qp[t];
        }
        double max_err = 0;
        for (int64_t t = 0; t < nc; t++)
            if (fabs(qp[t] - pqp) > max_err) max_err = fabs(qp[t] - pqp);
        if (max_err < eps) break;
        for (int64_t t = 0; t < nc; t++) {
            double diff = (-qp[t] + pqp) / q[t * nc + t];
            p[t] += diff;
            pqp = (pqp + diff * (diff * q[t * nc + t] + 2 * qp[t])) / (1 + diff) / (1 + diff);
            for (int64_t j = 0; j < nc; j++) {
                qp[j] = (qp[j] + diff * q[t * nc + j]) / (1 + diff);
                p[j] /= 1 + diff;
            }
        }
    }
}

int lp_k_ml_svm_classifier(lp_kctx *k) {
    const svm *m = k->state;
    const lp_ml_labels *l = &m->labels;
    const lp_tensor *x = lp_in(k, 0);
    if (!x) return lp_kfail(k, "input X is missing");
    int64_t n, nc = m->n_class;
    int rc = check_cols(k, m, x, &n);
    if (rc) return rc;
    bool proba = m->svc && m->n_prob > 0;
    /* scratch: kernels, scores (pairs or classes, + 2), votes, r and q (k*k + k), p */
    size_t per = (size_t)(m->n_sv + m->n_pairs + nc + 2 + nc + (proba ? 2 * nc * nc + 2 * nc : 0));
    double *xd = lp_ml_doubles(k, x, per);
    if (!xd) return k->err->status;
    double *kern = xd + x->numel, *sc = kern + m->n_sv, *votes = sc + m->n_pairs + nc + 2;
    double *r = votes + nc, *q = r + (proba ? nc * nc : 0), *p = q + (proba ? nc * nc + nc : 0);
    lp_tensor *y = lp_ml_labels_out(k, 0, l, n);
    if (!y) return LP_EFAIL;
    lp_tensor *z = lp_out(k, 1, LP_FLOAT, 2, (int64_t[]){n, m->width});
    if (!z) return LP_EFAIL;
    for (int64_t row = 0; row < n; row++) {
        const double *xr = xd + row * m->feat;
        int64_t n_sc;
        if (!m->svc) {
            for (int64_t c = 0; c < nc; c++)
                sc[c] = m->rho[0] + dot(xr, m->coef + c * m->feat, m->feat);
            n_sc = nc;
        } else {
            for (int64_t j = 0; j < m->n_sv; j++)
                kern[j] = kernel(m, xr, m->sv + j * m->feat, m->feat);
            memset(votes, 0, (size_t)nc * sizeof *votes);
            int64_t e = 0;
            for (int64_t i = 0; i < nc; i++)
                for (int64_t j = i + 1; j < nc; j++, e++) {
                    /* class i's vectors weigh in by coefficient row j-1, j's by row i */
                    double s = m->rho[e];
                    s += dot(m->coef + (j - 1) * m->n_sv + m->start[i], kern + m->start[i],
                             m->count[i]);
                    s += dot(m->coef + i * m->n_sv + m->start[j], kern + m->start[j], m->count[j]);
                    sc[e] = s;
                    votes[s > 0 ? i : j] += 1;
                }
            n_sc = m->n_pairs;
            if (proba) {
                e = 0;
                for (int64_t i = 0; i < nc; i++)
                    for (int64_t j = i + 1; j < nc; j++, e++) {
                        double v = 1 - lp_ml_logistic(sc[e] * m->prob_a[e] + m->prob_b[e]);
                        v = v < 1e-7 ? 1e-7 : v > 1 - 1e-7 ? 1 - 1e-7 : v;
                        r[i * nc + j] = v;
                        r[j * nc + i] = 1 - v;
                    }
                couple(nc, r, p, q);
                memcpy(sc, p, (size_t)nc * sizeof *sc);
                n_sc = nc;
            }
        }
        /* the winner: by votes when there are, else by score */
        const double *by = m->svc ? votes : sc;
        int64_t nby = m->svc ? nc : n_sc, best = 0;
        for (int64_t c = 1; c < nby; c++)
            if (by[c] > by[best]) best = c;
        double best_w = nby > 0 ? by[best] : 0;
        if (m->n_rho == 1) {
            if (l->n == 2) {
                bool pos = !proba && m->all_positive && best_w >= 0.5;
                lp_ml_label_put(y, row, l, pos ? 1 : best);
            } else {
                lp_ml_label_put_int(y, row, best_w > 0 ? 1 : 0);
            }
        } else if (l->n > 0) {
            lp_ml_label_put(y, row, l, best);
        } else {
            lp_ml_label_put_int(y, row, best);
        }
        /* scores: a single decision value gains its opposite (see prepare) */
        if (n_sc == 1 && m->width == 2) {
            sc[1] = sc[0];
            sc[0] = -sc[0];
            n_sc = 2;
        }
        lp_ml_transform(sc, n_sc, n_sc == 1 && m->post != LP_ML_PROBIT ? LP_ML_NONE : m->post);
        for (int64_t c = 0; c < m->width; c++)
            ((float *)z->data)[row * m->width + c] = (float)sc[c];
    }
    return LP_OK;
}
