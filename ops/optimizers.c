/*
** optimizers.c — the training optimizers of ai.onnx.preview.training:
** Adagrad, Adam and Momentum. Each takes R (learning rate) and T (update
** count), then n tensors X, their gradients G and one or two state groups,
** and gives the new X and new states, element by element (the groups of
** one tensor must share its shape). Computed in double.
*/
#include "ops/kernel.h"

#include <math.h>
#include <string.h>

enum { OPT_ADAGRAD, OPT_ADAM, OPT_MOMENTUM };

static int optimize(lp_kctx *k, int kind) {
    int groups = kind == OPT_ADAM ? 4 : 3; /* X, G and the states */
    int n_in = lp_n_in(k);
    if (n_in < 2 + groups || (n_in - 2) % groups)
        return lp_kfail(k, "takes R, T and %d groups of tensors", groups);
    int n = (n_in - 2) / groups;
    if (k->n_out != n * (groups - 1)) return lp_kfail(k, "gives %d outputs", n * (groups - 1));
    const lp_tensor *R = lp_in(k, 0), *T = lp_in(k, 1);
    if (!R || !T || R->numel != 1 || T->numel != 1 || !lp_dtype_is_float(R->dtype) ||
        !lp_dtype_is_int(T->dtype))
        return lp_kbad(k, "R must be one float and T one integer");
    double r = lp_get_f64(R, 0), t = (double)lp_get_i64(T, 0);
    double norm = lp_attr_float(k->node, "norm_coefficient", 0.0f);
    double eps = lp_attr_float(k->node, "epsilon", 0.0f);
    double decay = lp_attr_float(k->node, "decay_factor", 0.0f);
    double alpha = lp_attr_float(k->node, "alpha", 0.9f), beta = lp_attr_float(k->node, "beta", 0.999f);
    double post = lp_attr_float(k->node, "norm_coefficient_post", 0.0f);
    bool nesterov = false;
    if (kind == OPT_MOMENTUM) {
        const char *m = lp_attr_string(k->node, "mode", "standard");
        if (strcmp(m, "standard") && strcmp(m, "nesterov")) return lp_kfail(k, "unknown mode '%s'", m);
        nesterov = !strcmp(m, "nesterov");
        if (!lp_node_attr(k->node, "alpha") || !lp_node_attr(k->node, "beta"))
            return lp_kfail(k, "alpha and beta are required");
    }
    if (kind == OPT_ADAGRAD) r = r / (1 + t * decay);
    if (kind == OPT_ADAM && t > 0) r = r * sqrt(1 - pow(beta, t)) / (1 - pow(alpha, t));
    double beta_m = t > 0 ? beta : 1;
    for (int i = 0; i < n; i++) {
        const lp_tensor *in[4];
        for (int g = 0; g < groups; g++) {
            in[g] = lp_in(k, 2 + g * n + i);
            if (!in[g] || !lp_dtype_is_float(in[g]->dtype) || in[g]->numel != in[0]->numel ||
                in[g]->dtype != in[0]->dtype)
                return lp_kbad(k, "tensor %d and its gradient and states must match", i);
        }
        lp_tensor *out[3] = {0};
        for (int g = 0; g < groups - 1; g++) {
            const lp_tensor *like = in[g == 0 ? 0 : g + 1];
            out[g] = lp_out(k, g * n + i, like->dtype, like->rank, like->dims);
            if (!out[g]) return LP_EFAIL;
        }
        lp_dtype dt = in[0]->dtype;
        for (int64_t e = 0; e < in[0]->numel; e++) {
            double x = lp_get_f64(in[0], e), g = norm * x + lp_get_f64(in[1], e);
            double s1 = lp_get_f64(in[2], e), xn, s1n, s2n = 0;
            if (kind == OPT_ADAGRAD) {
                s1n = s1 + g * g;
                xn = x - r * g / (sqrt(s1n) + eps);
            } else if (kind == OPT_ADAM) {
                double h = lp_get_f64(in[3], e);
                s1n = alpha * s1 + (1 - alpha) * g;
                s2n = beta * h + (1 - beta) * g * g;
                xn = (1 - post) * (x - r * s1n / (sqrt(s2n) + eps));
            } else {
                s1n = alpha * s1 + beta_m * g;
                xn = x - r * (nesterov ? g + alpha * s1n : s1n);
            }
            lp_store_f64(dt, out[0]->data, (size_t)e, xn);
            lp_store_f64(out[1]->dtype, out[1]->data, (size_t)e, s1n);
            if (kind == OPT_ADAM) lp_store_f64(out[2]->dtype, out[2]->data, (size_t)e, s2n);
        }
    }
    return LP_OK;
}

int lp_k_adagrad(lp_kctx *k) { return optimize(k, OPT_ADAGRAD); }
int lp_k_adam(lp_kctx *k) { return optimize(k, OPT_ADAM); }
int lp_k_momentum(lp_kctx *k) { return optimize(k, OPT_MOMENTUM); }
