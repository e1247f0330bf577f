/* Private to src/stats: the ROC curve's confidence band (issue 18), pointwise bootstrap
 * intervals of the sensitivity at fixed specificities, as pROC::ci.se. */
#ifndef VIGIL_STATS_ROC_BAND_H
#define VIGIL_STATS_ROC_BAND_H

#include "stats/metrics_report.h"

/* Specificities of the band: 0, 0.1, ..., 1, computed as R's seq(0, 1, 0.1) (k * 0.1), since
 * pROC matches a specificity exactly before it interpolates. */
#define VM_BAND_POINTS 11

/* discrimination.roc_band of the report's overall scope: for each specificity, the
 * sensitivity of the empirical ROC curve there as pROC's coords(input = "specificity") gives it
 * (the highest sensitivity at a specificity the curve has, else linear interpolation between
 * its neighbours), and the percentile interval (R quantile type 7, as ci.se) of the same over
 * the report's bootstrap replicates (non-stratified: ci.se(boot.stratified = FALSE); the
 * run's seed and replicates, so the resampled cases are the engine's). A point whose
 * interpolation uses an operating point with a count of 1..min-cell-1 is withheld. NULL on
 * allocation failure (the error set). */
cJSON *vigil_stats_roc_band_cjson(const vigil_metrics_report *r);

/* The band's sensitivities for one bootstrap replicate of the overall scope (w: its counts in
 * the sorted order, as the metrics replicate has them) at out[k * B + rep], k < VM_BAND_POINTS:
 * the metrics bootstrap's pass fills r->band_rep so the counts are drawn once per replicate. */
void vigil_stats_roc_band_replicate(const vigil_metrics_report *r, const double *w, size_t rep, double *out);

#endif
