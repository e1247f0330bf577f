/* vigil — mergeable accumulators: the metrics and drift statistics in an accumulate / merge /
 * finalize form (GSL's gsl_rstat is the model), so a file split into shards -- threads,
 * machines, sites -- reduces to the single-pass numbers.
 *
 * Every accumulator is opaque: _new(&out, shape...), _add(acc, columns in place, n), _merge(dst,
 * src) (src is left as it is), _reset (back to empty, same shape), _free (NULL-safe), finalize
 * getters, and _serialize(acc, &blob, &n) / _deserialize(&out, blob, n): a flat little-endian
 * blob (magic, version, kind, payload, FNV-1a 64 checksum) that any machine reads back; a
 * truncated or corrupted blob is VIGIL_EINVAL. _add validates its whole input before adding
 * any of it (NaN score, score outside [0, 1], label not 0 or 1: VIGIL_EINVAL naming the row and
 * value, and the accumulator is unchanged). _merge of accumulators of different shape
 * (thresholds, replicate count, seed, number of categories) is VIGIL_EINVAL naming both.
 * The finalize getters call the kernels the engines use (src/stats), not copies of them.
 * An accumulator is not thread-safe: one per thread, merged afterwards. The ROC and sample
 * accumulators fold buffered cases into their sorted form on merge (src included), on a getter
 * and on serialize, which is why those take a non-const pointer; the value never changes.
 *
 * What merges how:
 *   exact, bit for bit  confusion counts at thresholds (integer counts; every threshold
 *                       statistic and Wilson interval of vigil_metrics_threshold);
 *                       AUROC with DeLong SE/CI and average precision from score-by-label
 *                       counts at the data's own resolution (vigil_metrics_auroc,
 *                       vigil_metrics_average_precision);
 *                       drift categorical counts (chi-square, PSI, Jensen-Shannon) and numeric
 *                       samples kept as one sorted run (KS, Anderson-Darling, Cramer-von Mises,
 *                       Wasserstein equal vigil_drift_* on the whole arrays);
 *                       bootstrap replicate counts (cases and events per replicate).
 *   exact up to summation order (relative error about 1e-15, tested to 1e-12)
 *                       calibration bins (Brier and its Murphy decomposition, ECE, MCE) and the
 *                       bootstrap replicates' score and Brier sums: counts are integers and the
 *                       real sums are Neumaier-compensated (sum + running compensation, merged
 *                       by adding both parts), so shards summed in any order agree with each
 *                       other and with the engine's sorted single pass well within 1e-12.
 *   not mergeable here  ECE over equal-mass bins, Hosmer-Lemeshow (both need the global
 *                       order), the lowess statistics Eavg/E50/E90/Emax, CITL, MMD (pairwise
 *                       kernel).
 *   iterative           the logistic calibration slope and intercept: vigil_accum_logit holds
 *                       one Newton step's gradient and Hessian sums at a given (a, b); one pass
 *                       over the shards per step, exact to the fit's tolerance (1e-11 relative
 *                       step), without the engine's step halving (plain Newton from (0, 1)
 *                       converges for any scores that are not separating the labels).
 *
 * Memory: confusion, calibration, categorical and bootstrap accumulators are fixed size. The
 * ROC accumulator grows with the number of DISTINCT scores (24 bytes each, plus a buffer of
 * recently added cases that is folded in every 65536 cases): at most the case count, far less
 * for rounded or model-binned scores. A numeric drift sample keeps every value (8 bytes each),
 * as the whole-array tests need them.
 */
#ifndef VIGIL_ACCUM_H
#define VIGIL_ACCUM_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/metrics.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- confusion counts at a set of thresholds (exact) ------------------------------------- */

typedef struct vigil_accum_confusion vigil_accum_confusion;

/* k >= 1 thresholds, copied; a case is positive at t when score >= t. */
int vigil_accum_confusion_new(vigil_accum_confusion **out, const double *thresholds, size_t k);
int vigil_accum_confusion_add(vigil_accum_confusion *acc, const double *score, const double *label,
                              size_t n);
int vigil_accum_confusion_merge(vigil_accum_confusion *dst, const vigil_accum_confusion *src);
void vigil_accum_confusion_reset(vigil_accum_confusion *acc);
void vigil_accum_confusion_free(vigil_accum_confusion *acc);
/* Threshold i's statistics, as vigil_metrics_threshold on all the cases added. */
int vigil_accum_confusion_stats(const vigil_accum_confusion *acc, size_t i, double level,
                                vigil_threshold_stats *out);
int vigil_accum_confusion_serialize(const vigil_accum_confusion *acc, void **blob, size_t *n);
int vigil_accum_confusion_deserialize(vigil_accum_confusion **out, const void *blob, size_t n);

/* ---- calibration bins (exact up to summation order) -------------------------------------- */

typedef struct vigil_accum_calib vigil_accum_calib;

int vigil_accum_calib_new(vigil_accum_calib **out);
int vigil_accum_calib_add(vigil_accum_calib *acc, const double *score, const double *label,
                          size_t n);
int vigil_accum_calib_merge(vigil_accum_calib *dst, const vigil_accum_calib *src);
void vigil_accum_calib_reset(vigil_accum_calib *acc);
void vigil_accum_calib_free(vigil_accum_calib *acc);
/* brier, brier_reliability/resolution/uncertainty, ece and mce as vigil_metrics_calibration;
 * every other field NaN (not mergeable, see above), n_fit 0. */
int vigil_accum_calib_get(const vigil_accum_calib *acc, vigil_calibration *out);
/* Equal-width bin k (0..9): cases, mean score and event rate (NaN when empty). */
int vigil_accum_calib_bin(const vigil_accum_calib *acc, int k, double *w, double *mean_p,
                          double *mean_y);
int vigil_accum_calib_serialize(const vigil_accum_calib *acc, void **blob, size_t *n);
int vigil_accum_calib_deserialize(vigil_accum_calib **out, const void *blob, size_t n);

/* ---- AUROC / average precision from score-by-label counts (exact) ------------------------ */

typedef struct vigil_accum_roc vigil_accum_roc;

int vigil_accum_roc_new(vigil_accum_roc **out);
/* Quantized mode, for memory bounded whatever the scores: each score is floored to a multiple
 * of 2^-bits (1 <= bits <= 30; 1 stays 1), so at most 2^bits + 1 distinct scores are held; the
 * getters then give the engine's AUROC / AP of the floored scores. Only pairs of a positive and
 * a negative whose scores share a cell change (each counts 1/2 instead of 0, 1/2 or 1), so
 * |AUROC - exact AUROC| <= vigil_accum_roc_bound() = 0.5 sum_cells n1_cell n0_cell / (n1 n0). */
int vigil_accum_roc_new_quantized(vigil_accum_roc **out, int bits);
/* That bound (0 in the exact mode, NaN when a class is absent). */
double vigil_accum_roc_bound(vigil_accum_roc *acc);
int vigil_accum_roc_add(vigil_accum_roc *acc, const double *score, const double *label, size_t n);
int vigil_accum_roc_merge(vigil_accum_roc *dst, const vigil_accum_roc *src);
void vigil_accum_roc_reset(vigil_accum_roc *acc);
void vigil_accum_roc_free(vigil_accum_roc *acc);
/* As vigil_metrics_auroc / vigil_metrics_average_precision on all the cases added. */
int vigil_accum_roc_auroc(vigil_accum_roc *acc, double level, vigil_auroc *out);
double vigil_accum_roc_ap(vigil_accum_roc *acc);
/* Distinct scores held (the memory the accumulator grows with). Merging an exact and a
 * quantized accumulator, or two of different bits, is VIGIL_EINVAL. */
size_t vigil_accum_roc_distinct(vigil_accum_roc *acc);
int vigil_accum_roc_serialize(vigil_accum_roc *acc, void **blob, size_t *n);
int vigil_accum_roc_deserialize(vigil_accum_roc **out, const void *blob, size_t n);

/* ---- drift: categorical counts (exact) --------------------------------------------------- */

typedef struct vigil_accum_categories vigil_accum_categories;

/* k categories coded 0..k-1; a negative code is a missing value (counted apart). */
int vigil_accum_categories_new(vigil_accum_categories **out, size_t k);
int vigil_accum_categories_add(vigil_accum_categories *acc, const int32_t *code, size_t n);
int vigil_accum_categories_merge(vigil_accum_categories *dst, const vigil_accum_categories *src);
void vigil_accum_categories_reset(vigil_accum_categories *acc);
void vigil_accum_categories_free(vigil_accum_categories *acc);
/* Counts (k doubles) and missing values. */
int vigil_accum_categories_counts(const vigil_accum_categories *acc, double *counts,
                                  size_t *missing);
/* Reference against current, same k: vigil_drift_chi2_counts, _psi_counts, _js_counts. */
int vigil_accum_categories_compare(const vigil_accum_categories *ref,
                                   const vigil_accum_categories *cur, double *chi2, double *df,
                                   double *p, double *psi, double *js);
int vigil_accum_categories_serialize(const vigil_accum_categories *acc, void **blob, size_t *n);
int vigil_accum_categories_deserialize(vigil_accum_categories **out, const void *blob, size_t n);

/* ---- drift: a numeric sample as one sorted run (exact) ----------------------------------- */

typedef struct vigil_accum_sample vigil_accum_sample;

typedef struct {
    double ks_stat, ks_p, ad_stat, ad_p, cvm_stat, cvm_p, wasserstein;
} vigil_accum_drift;

int vigil_accum_sample_new(vigil_accum_sample **out);
/* Values (NaN is VIGIL_EINVAL: leave missing values out first, as the engine does). */
int vigil_accum_sample_add(vigil_accum_sample *acc, const double *x, size_t n);
int vigil_accum_sample_merge(vigil_accum_sample *dst, const vigil_accum_sample *src);
void vigil_accum_sample_reset(vigil_accum_sample *acc);
void vigil_accum_sample_free(vigil_accum_sample *acc);
size_t vigil_accum_sample_n(vigil_accum_sample *acc);
/* As vigil_drift_ks / _anderson / _cvm / _wasserstein on the two whole samples (a test whose
 * sizes it rejects is NaN). VIGIL_EINVAL when a sample is empty. */
int vigil_accum_sample_compare(vigil_accum_sample *ref, vigil_accum_sample *cur,
                               vigil_accum_drift *out);
int vigil_accum_sample_serialize(vigil_accum_sample *acc, void **blob, size_t *n);
int vigil_accum_sample_deserialize(vigil_accum_sample **out, const void *blob, size_t n);

/* ---- bootstrap replicate sums ------------------------------------------------------------ */

typedef struct vigil_accum_boot vigil_accum_boot;

/* B replicates of the engine's count bootstrap over n_cases cases numbered 0..n_cases-1 (the
 * order of the file): replicate r draws n_cases case numbers from the stream (seed, r) exactly
 * as vigil_metrics_compute's bootstrap does, so a shard holding cases [first, first + n) adds
 * each case as often as replicate r drew it. Per replicate: cases and events (exact), score
 * sum and Brier sum (Neumaier). Each _add regenerates the B x n_cases draws: cost
 * O(B n_cases) per shard, memory O(B + n). */
int vigil_accum_boot_new(vigil_accum_boot **out, size_t n_cases, size_t B, uint64_t seed);
int vigil_accum_boot_add(vigil_accum_boot *acc, size_t first, const double *score,
                         const double *label, size_t n);
int vigil_accum_boot_merge(vigil_accum_boot *dst, const vigil_accum_boot *src);
void vigil_accum_boot_reset(vigil_accum_boot *acc);
void vigil_accum_boot_free(vigil_accum_boot *acc);
/* Replicate r: weight (cases drawn, with repeats), events, mean score and Brier score. */
int vigil_accum_boot_replicate(const vigil_accum_boot *acc, size_t r, double *w, double *w1,
                               double *mean_score, double *brier);
int vigil_accum_boot_serialize(const vigil_accum_boot *acc, void **blob, size_t *n);
int vigil_accum_boot_deserialize(vigil_accum_boot **out, const void *blob, size_t n);

/* ---- logistic recalibration, one mergeable Newton step ---------------------------------- */

typedef struct vigil_accum_logit vigil_accum_logit;

/* Gradient and Hessian of logit P(y) = a + b logit(p) at (a, b), over the cases whose logit is
 * finite (scores strictly inside (0, 1), as the engine's fit). Start at (0, 1). */
int vigil_accum_logit_new(vigil_accum_logit **out, double a, double b);
int vigil_accum_logit_add(vigil_accum_logit *acc, const double *score, const double *label, size_t n);
/* Shards of one step only: both at the same (a, b), else VIGIL_EINVAL. */
int vigil_accum_logit_merge(vigil_accum_logit *dst, const vigil_accum_logit *src);
void vigil_accum_logit_reset(vigil_accum_logit *acc);
void vigil_accum_logit_free(vigil_accum_logit *acc);
/* The next (a, b) and whether the step was below the fit's tolerance (then (a, b) is the
 * estimate, as vigil_metrics_calibration's intercept and slope). VIGIL_EINVAL when the
 * Hessian is singular (one class, no case inside (0, 1)). The caller runs the next pass with
 * vigil_accum_logit_new(next_a, next_b) until *converged. */
int vigil_accum_logit_step(const vigil_accum_logit *acc, double *next_a, double *next_b,
                           int *converged);
size_t vigil_accum_logit_n(const vigil_accum_logit *acc);
int vigil_accum_logit_serialize(const vigil_accum_logit *acc, void **blob, size_t *n);
int vigil_accum_logit_deserialize(vigil_accum_logit **out, const void *blob, size_t n);

#ifdef __cplusplus
}
#endif
#endif
