/* Cleveland's lowess, following the algorithm of R's clowess (stats/src/lowess.c) so that
 * val.prob's smooth calibration curve, and so Eavg/E90/Emax, agree with rms: tricube weights
 * over the ns = f*n nearest points, a weighted straight line when the window is spread out,
 * points within `delta` of the last fitted one interpolated, ties copied. Robustness
 * iterations use bisquare weights of the residuals (6 * median |residual|). */
#include "vigil/metrics.h"
#include "vigil/error.h"
#include "stats/metrics_internal.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

static inline double cube(double x) { return x * x * x; }

/* Fitted value at xs from points nleft..nright (0-based, inclusive) plus ties to the right;
 * rw the robustness weights or NULL. R's lowest() normalises the tricube weights, then
 * reweights them by the straight line through the weighted centre; the same fit is
 * accumulated here in one pass as weighted sums of d = x - xs (centred, so the variance does
 * not cancel) and y. */
static bool fit_at(const double *x, const double *y, size_t n, double xs, size_t nleft,
                   size_t nright, const double *rw, double *ys)
{
    double range = x[n - 1] - x[0];
    double h = fmax(xs - x[nleft], x[nright] - xs);
    double h9 = 0.999 * h, h1 = 0.001 * h;
    double s0 = 0, s1 = 0, s2 = 0, t0 = 0, t1 = 0;
    /* d and the tricube weight depend on x[j] alone: computed once per run of tied x (scores
     * tie heavily), the same doubles summed in the same order */
    double xl = NAN, d = 0, wt = 0;
    int in = 0;
    for (size_t j = nleft; j < n; j++) {
        if (!(x[j] == xl)) {
            double r;
            xl = x[j], d = x[j] - xs, r = fabs(d);
            in = r <= h9;
            if (!in && x[j] > xs) break;
            if (in) wt = r <= h1 ? 1.0 : cube(1.0 - cube(r / h));
        }
        if (!in) continue;
        double wj = wt;
        if (rw) wj *= rw[j];
        s0 += wj;
        s1 += wj * d;
        s2 += wj * d * d;
        t0 += wj * y[j];
        t1 += wj * d * y[j];
    }
    if (s0 <= 0) return false;
    double ybar = t0 / s0, fit = ybar;
    if (h > 0) {
        double dbar = s1 / s0, c = s2 / s0 - dbar * dbar;
        if (sqrt(c) > 0.001 * range) fit = ybar - dbar / c * (t1 / s0 - dbar * ybar);
    }
    *ys = fit;
    return true;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The clowess driver; w0 (or NULL) weights the first pass as case weights. */
static int lowess_run(const double *x, const double *y, const double *w0, size_t n, double f,
                      int iter, double delta, double *ys)
{
    if (n == 0) return VIGIL_OK;
    if (n < 2) {
        ys[0] = y[0];
        return VIGIL_OK;
    }
    if (!(f > 0) || iter < 0 || !(delta >= 0))
        return vigil_error_set(VIGIL_EINVAL, "lowess: f must be > 0, iter >= 0, delta >= 0");
    double *rw = malloc(n * sizeof *rw), *res = malloc(n * sizeof *res);
    if (!rw || !res) {
        free(res);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory in lowess (%zu points)", n);
    }
    size_t ns = (size_t)(f * (double)n + 1e-7);
    if (ns > n) ns = n;
    if (ns < 2) ns = 2;
    for (int it = 1; it <= iter + 1; it++) {
        size_t nleft = 0, nright = ns - 1, i = 0;
        long last = -1; /* index of the previous fitted point */
        for (;;) {
            if (nright < n - 1) {
                double d1 = x[i] - x[nleft], d2 = x[nright + 1] - x[i];
                if (d1 > d2) { /* the window's radius shrinks by moving right */
                    nleft++;
                    nright++;
                    continue;
                }
            }
            if (!fit_at(x, y, n, x[i], nleft, nright, it > 1 ? rw : w0, &ys[i])) ys[i] = y[i];
            if (last < (long)i - 1) {
                double denom = x[i] - x[last];
                for (size_t j = (size_t)(last + 1); j < i; j++) {
                    double alpha = (x[j] - x[last]) / denom;
                    ys[j] = alpha * ys[i] + (1.0 - alpha) * ys[last];
                }
            }
            last = (long)i;
            double cut = x[last] + delta;
            for (i = (size_t)last + 1; i < n; i++) {
                if (x[i] > cut) break;
                if (x[i] == x[last]) {
                    ys[i] = ys[last];
                    last = (long)i;
                }
            }
            i = (size_t)last + 1 > i - 1 ? (size_t)last + 1 : i - 1;
            if ((size_t)last >= n - 1) break;
        }
        for (size_t k = 0; k < n; k++) res[k] = y[k] - ys[k];
        if (it > iter) break;
        double sc = 0;
        for (size_t k = 0; k < n; k++) {
            rw[k] = fabs(res[k]);
            sc += rw[k];
        }
        sc /= (double)n;
        qsort(rw, n, sizeof *rw, cmp_dbl);
        double cmad = n % 2 ? 6.0 * rw[n / 2] : 3.0 * (rw[n / 2] + rw[n - n / 2 - 1]);
        if (cmad < 1e-7 * sc) break;
        double c9 = 0.999 * cmad, c1 = 0.001 * cmad;
        for (size_t k = 0; k < n; k++) {
            double r = fabs(res[k]);
            rw[k] = r <= c1 ? 1.0 : r <= c9 ? (1 - (r / cmad) * (r / cmad)) * (1 - (r / cmad) * (r / cmad)) : 0.0;
        }
    }
    free(rw);
    free(res);
    return VIGIL_OK;
}

int vigil_metrics_lowess(const double *x, const double *y, size_t n, double f, int iter,
                         double delta, double *ys)
{
    return lowess_run(x, y, NULL, n, f, iter, delta, ys);
}

int vigil_stats_lowess_weighted(const double *x, const double *y, const double *w, size_t n, double f,
                       double delta, double *ys)
{
    return lowess_run(x, y, w, n, f, 0, delta, ys);
}
