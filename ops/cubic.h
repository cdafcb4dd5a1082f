/*
** cubic.h — the Keys cubic convolution kernel that Resize (cubic_coeff_a)
** and GridSample (a = -0.75) both interpolate with.
*/
#ifndef LP_CUBIC_H
#define LP_CUBIC_H

#include <math.h>

/* The kernel's weight at distance x from a sample. */
static inline double lp_cubic_weight(double x, double a) {
    x = fabs(x);
    if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
    if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    return 0.0;
}

/* Weights of the four samples at -1, 0, 1 and 2 for a point t (in [0, 1])
** past sample 0. */
static inline void lp_cubic_taps(double t, double a, double w[4]) {
    w[0] = lp_cubic_weight(t + 1, a);
    w[1] = lp_cubic_weight(t, a);
    w[2] = lp_cubic_weight(1 - t, a);
    w[3] = lp_cubic_weight(2 - t, a);
}

#endif
