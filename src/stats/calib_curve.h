/* Private to src/stats: what the calibration figure draws beside the equal-width bins -- the
 * smooth calibration curve that rms::val.prob draws and bins where the patients are -- kept as
 * numbers so that the report can draw them from the stored run. */
#ifndef VIGIL_STATS_CALIB_CURVE_H
#define VIGIL_STATS_CALIB_CURVE_H

#include <stddef.h>
#include <stdint.h>

#include "stats/metrics_internal.h"

/* Points of the stored curve: a fixed grid, so that curves of two runs or two levels compare
 * point by point without carrying every case's fit. */
#define VM_CURVE_POINTS 50

/* val.prob's Sm <- lowess(p, y, iter = 0) (f = 2/3, delta = 1% of the range, as the E
 * statistics use it) read off at VM_CURVE_POINTS predicted risks equally spaced from p[0] to
 * p[n-1] by linear interpolation between the fitted points (lines(Sm); approx(ties = mean)).
 * p sorted ascending, y 0/1, n >= 1. Writes *m points (VM_CURVE_POINTS, or 1 when every score
 * is the same) into x and fit (VM_CURVE_POINTS each). VIGIL_ENOMEM on allocation failure. */
int vigil_stats_calib_curve_sorted(const double *p, const uint8_t *y, size_t n, double *x, double *fit,
                                   size_t *m);

/* Ten equal-count reliability bins as sklearn.calibration.calibration_curve(strategy =
 * "quantile"): edges at the 0, 10, ..., 100th percentiles of p (linear interpolation, R type 7
 * = numpy's default), each score in the bin of np.searchsorted(edges[1:-1], p) (a score on an
 * inner edge, and the scores tied with it, in the lower bin; tied edges give empty bins). p
 * sorted ascending, n >= 1. Writes edge[VM_BINS + 1], and per bin its cases w, mean score and
 * event rate (NaN when empty) and end[k], the cases in bins 0..k (a split of the sorted
 * order). */
void vigil_stats_calib_qbins_sorted(const double *p, const uint8_t *y, size_t n, double *edge, double *w,
                                    double *mean_p, double *rate, size_t *end);

#endif
