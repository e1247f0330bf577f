/* Monitor tests (internal): the drift tests on the two windows (through the drift engine,
 * with the reference statistics cached in the store) and the risk-adjusted CUSUM. Each adds
 * its part to the result document and sets *alarm when it fires. */
#ifndef VIGIL_MONITOR_ENGINE_H
#define VIGIL_MONITOR_ENGINE_H

#include <cjson/cJSON.h>

#include "core/json.h"
#include "monitor/monitor_select.h"
#include "vigil/store.h"

/* features.<name>, prediction, cache.{key,hit}. */
int vigil_mon_drift(const vigil_monitor *m, const mon_data *d, vigil_store *cache, int threads,
              cJSON *doc, int *alarm);
/* cusum: Steiner et al. (2000) on the current window in time order; its limit fixed, or chosen
 * by simulation on the window's risks for $.cusum.false_signal_probability. */
int vigil_mon_cusum(const vigil_monitor *m, const mon_data *d, int threads, vigil_store *history, cJSON *doc,
                    int *alarm);

/* decisions: the clinicians' decisions against the model's flag (score >= $.threshold), the
 * rates override_of_flags, override_of_nonflags and agreement, reference vs current
 * (decisions.c; monitors/README.md). A decision other than 0/1 is refused naming its line. */
int vigil_mon_decisions(const vigil_monitor *m, const mon_data *d, cJSON *doc, int *alarm);

/* cbpe: NannyML's label-free estimate of the current window's AUROC, sensitivity and PPV at
 * $.threshold, when the reference window passes the calibration check (cbpe.c). Adds no alarm. */
int vigil_mon_cbpe(const vigil_monitor *m, const mon_data *d, cJSON *doc);

/* The rows of a window with a score (and, with labels, a known label) into p (and y): a score
 * outside [0, 1] or a label other than 0/1 is refused naming the file's line; rows without a
 * score are counted in *unscored, those without a label in *unlabelled (may be NULL). kept (may
 * be NULL; one byte per row of t) is 1 for each row collected. */
int vigil_mon_collect(const vigil_monitor *m, const vigil_table *t, const double *score, int labels,
                      double *p, double *y, size_t *n, double *unscored, double *unlabelled, uint8_t *kept);

/* performance: the current window's realised AUROC (DeLong), O/E, calibration slope and CITL,
 * and sensitivity/PPV at $.threshold (Wilson) from the cases whose label has matured, by the
 * metrics engine, under the cell-size policy (performance.c). Adds no alarm. */
int vigil_mon_performance(const vigil_monitor *m, const mon_data *d, cJSON *doc);

#define MON_CBPE_N 3 /* auroc, sensitivity, ppv */
/* NannyML's sampling-error components from the reference window's scores p and labels y:
 * per metric the SD of its per-case quantity and the share of the cases it is taken over. */
typedef struct {
    double sd[MON_CBPE_N], frac[MON_CBPE_N];
} mon_cbpe_components;
typedef struct {
    double estimate, sampling_error, ci_low, ci_high;
} mon_cbpe_metric;
int vigil_mon_cbpe_components(const double *p, const double *y, size_t n, double threshold,
                              mon_cbpe_components *out);
/* The estimates from the current window's n scores p alone (NaN when undefined: no expected
 * positive, negative or flag), their sampling errors and 95% intervals. */
int vigil_mon_cbpe_estimate(const double *p, size_t n, double threshold, const mon_cbpe_components *c,
                            mon_cbpe_metric out[MON_CBPE_N]);
const char *vigil_mon_cbpe_metric_name(size_t i);

#define MON_N_DECISION_RATES 3
/* One rate's comparison: [0] reference, [1] current; z, p, Cohen's h current minus reference. */
typedef struct {
    double k[2], n[2];
    double z, p, p_adjusted, h;
    int drift;
} mon_rate_test;
/* The three rates of the cells cell[w][flag * 2 + decision] (w 0 reference, 1 current), in the
 * order override_of_flags, override_of_nonflags, agreement: each a pooled two-proportion z-test,
 * the three corrected together (VIGIL_CORRECT_*); drift when p_adjusted < alpha and
 * |h| >= floor. */
void vigil_mon_decision_tests(const double cell[2][4], double alpha, int correction, double floor,
                              mon_rate_test out[MON_N_DECISION_RATES]);
const char *vigil_mon_decision_rate_name(size_t i);

/* Risk-adjusted CUSUM of the log-likelihood ratio for odds ratio `odds_ratio` against 1:
 * W_t = y_t log(R) - log(1 - p_t + R p_t), S_t = max(0, S_{t-1} + W_t); a signal when
 * S_t >= limit, after which S restarts at 0. s (optional, n values) receives S_t.
 * Returns the number of signals; *first the index of the first (or -1), *max the largest S. */
size_t vigil_mon_cusum_run(const double *y, const double *p, size_t n, double odds_ratio, double limit,
                     double *s, long *first, double *max);
/* The same from the statistic s0 (a night carried from the last); *end the statistic after
 * the last case. */
size_t vigil_mon_cusum_run_from(const double *y, const double *p, size_t n, double odds_ratio, double limit,
                                double s0, double *s, long *first, double *max, double *end);

/* One night's CUSUM: the upper (odds ratio > 1: worse outcomes) and/or the lower (< 1: better)
 * per direction (MON_CUSUM_*), each with its limit: `limit`, or NaN: simulated for the
 * in-control false-signal probability `prob` per night (split in two for both), on the
 * night's risks -- taken twice when `across` (the night starts from a carried state). */
typedef struct {
    double odds_ratio; /* the upper's (both, worse) or the lower's (better) */
    int direction;
    double limit, prob;
    size_t replicates;
    uint64_t seed;
    int threads, across;
} mon_cusum_spec;
typedef struct {
    double odds_ratio[2], limit[2], max[2], end[2]; /* [0] upper, [1] lower; NaN when off */
    size_t signals[2];
    long first[2];
} mon_cusum_night;
/* start: the statistics the night starts from ([0] upper, [1] lower; NULL or NaN: 0). */
int vigil_mon_cusum_night(const double *y, const double *p, size_t n, const mon_cusum_spec *sp,
                          const double start[2], mon_cusum_night *out);

#endif
