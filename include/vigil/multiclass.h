/* vigil — multi-class validation metrics (issue 20): a model that answers with one probability
 * per class ("differential diagnoses ranked by likelihood"), overall and per subgroup level.
 *
 * Each case has K probabilities (columns, one per class, each row summing to 1 within
 * VIGIL_MULTICLASS_SUM_TOL) and a true class 0..K-1. The statistics, each named as in the
 * `multiclass` block of `vigil metrics --class-scores` and checked against scikit-learn 1.2:
 *   accuracy          argmax equals the true class (ties: the first class in column order, as
 *                     numpy argmax)
 *   top_k_accuracy    the true class among the K highest (scikit-learn top_k_accuracy_score:
 *                     equal probabilities rank the later class first); 1 when K >= classes
 *   log_loss          scikit-learn log_loss: probabilities clipped to [eps, 1 - eps]
 *                     (eps = 2^-52) and each row renormalised
 *   brier             mean over cases of sum over classes (p - onehot)^2
 *   auroc_ovr_macro / auroc_ovr_weighted  roc_auc_score(multi_class='ovr'): the unweighted and
 *                     prevalence-weighted means of the per-class one-vs-rest AUROCs, over the
 *                     classes whose AUROC is defined (a class absent from the labels has none)
 *   mrr               mean reciprocal rank of the true class; ties pessimistic: its rank is 1
 *                     plus the number of other classes with a probability >= its own
 *   ece_classwise     mean over classes of the one-vs-rest ECE (10 equal-width bins, the
 *                     binary report's bins; Kull et al. 2019)
 *   ece_top_label     ECE of the top-label confidence (max probability) against correctness
 * Per class (one-vs-rest): n, AUROC with DeLong CI, sensitivity and PPV of the argmax with
 * Wilson CIs; the confusion matrix at argmax; the top-label calibration curve (10 equal-width
 * bins of confidence, accuracy with a Wilson CI). The aggregate statistics have BCa
 * bootstrap intervals (the binary report's: jackknife acceleration, percentile where BCa is
 * not defined) (cases resampled as counts, seeded; the same numbers on any thread
 * count); so do the disparities across a group's levels (top_k_accuracy_gap,
 * auroc_ovr_macro_gap: highest minus lowest shown level).
 *
 * Cell-size policy (fairness.h): a level under min_cell cases is suppressed and left out of the
 * disparities; no count from 1 to min_cell - 1 is shown (class n, confusion cells, bin n),
 * nor a rate built on one; a confusion cell that its row, column or diagonal total would give
 * away is withheld with it. A per-class AUROC with fewer than min_cell cases of the class or
 * of the rest is withheld (as the binary AUROC).
 *
 * Ownership: the report copies what it keeps; free it with vigil_multiclass_report_free(). */
#ifndef VIGIL_MULTICLASS_H
#define VIGIL_MULTICLASS_H

#include "vigil/metrics.h"
#include "vigil/results.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Rows must sum to 1 within this (issue 20; scikit-learn's own check is np.allclose). */
#define VIGIL_MULTICLASS_SUM_TOL 1e-6

typedef struct {
    size_t top_k;     /* K of top_k_accuracy; 0: 3 */
    size_t bootstrap; /* bootstrap replicates; 0: none */
    uint64_t seed;
    unsigned threads; /* 0: one per online CPU */
    size_t min_cell;  /* 0: 11 (CMS: no count 1..10 shown) */
    double level;     /* 0: 0.95 */
} vigil_multiclass_options;

/* Defaults: top-3, no bootstrap, seed 1, every CPU, cells under 11 withheld, 95% intervals. */
#define VIGIL_MULTICLASS_OPTIONS_INIT {3, 0, 1, 0, 0, 0.95}

typedef struct vigil_multiclass_report vigil_multiclass_report;

/* Check the inputs: every probability finite and in [0, 1], each row summing to 1 within
 * VIGIL_MULTICLASS_SUM_TOL, every label in 0..k-1. prob[c] is class c's column of n values.
 * `row_line` (optional) maps a row to a file line, `source` names the file and `cols` (optional,
 * k 1-based file columns) and `label_col` place the value, so that the message reads
 * "file:line:column: ...". VIGIL_EINVAL on bad input. */
int vigil_multiclass_check(const double *const *prob, size_t k, const int32_t *label, size_t n,
                           const char *source, const char *const *class_names, const size_t *cols,
                           size_t label_col, size_t (*row_line)(const void *ctx, size_t row),
                           const void *ctx);

/* Every statistic above for k >= 2 classes named class_names (column order), overall and per
 * level of each group (codes -1: the level "(missing)"). Checks as vigil_multiclass_check
 * without positions. */
int vigil_multiclass_compute(vigil_multiclass_report **out, const double *const *prob, size_t k,
                             const char *const *class_names, const int32_t *label, size_t n,
                             const vigil_metrics_group *groups, size_t n_groups,
                             const vigil_multiclass_options *opts);
void vigil_multiclass_report_free(vigil_multiclass_report *r);

/* The `multiclass` block and the document `vigil metrics --class-scores` prints (n,
 * multiclass, bootstrap, seconds): caller frees; NULL when out of memory. seconds_load and
 * seconds_write as vigil_metrics_report_json. */
char *vigil_multiclass_report_json(const vigil_multiclass_report *r, double seconds_load,
                                   double seconds_write);
/* The readable tables (caller frees). */
char *vigil_multiclass_report_text(const vigil_multiclass_report *r);

/* The report's numbers into a run's results (scopes "overall", "group=level", "group" for the
 * gaps; per class "class:<name>:auroc", ...), withholding what the JSON withholds. */
int vigil_multiclass_report_store(const vigil_multiclass_report *r, vigil_results *res);

/* One aggregate statistic by its block key ("accuracy", "top_k_accuracy", "log_loss", "brier",
 * "auroc_ovr_macro", "auroc_ovr_weighted", "mrr", "ece_classwise", "ece_top_label"): group NULL
 * overall, group and level a level, group alone a disparity ("top_k_accuracy_gap",
 * "auroc_ovr_macro_gap"). VIGIL_EINVAL naming what the report lacks. */
int vigil_multiclass_report_get(vigil_metric_value *out, const vigil_multiclass_report *r, const char *metric,
                                const char *group, const char *level);
/* One class's "n", "auroc", "sensitivity" or "ppv" (one-vs-rest), overall or at a level. */
int vigil_multiclass_report_class(vigil_metric_value *out, const vigil_multiclass_report *r, const char *cls,
                                  const char *stat, const char *group, const char *level);
/* Candidate minus predecessor on the same cases (a suite's non-inferiority): one aggregate
 * statistic (as vigil_multiclass_report_get names it) of each model's class probabilities,
 * *cand and *pred the two estimates, out the difference with a paired percentile bootstrap
 * interval (both models on the same resampled cases, opts->bootstrap replicates from
 * opts->seed; none with 0). No cell-size policy: the caller compares what it may show. */
int vigil_multiclass_paired(vigil_metric_value *out, double *cand, double *pred, const double *const *prob_cand,
                            const double *const *prob_pred, size_t k, const int32_t *label, size_t n,
                            const char *metric, const vigil_multiclass_options *opts);

size_t vigil_multiclass_report_n(const vigil_multiclass_report *r);
size_t vigil_multiclass_report_n_classes(const vigil_multiclass_report *r);
/* The confusion count of true class t predicted as p (argmax), overall; NaN when withheld (every
 * cell above 100 classes: the matrix is then left out, too large to check exactly). */
double vigil_multiclass_report_confusion(const vigil_multiclass_report *r, size_t t, size_t p);

#ifdef __cplusplus
}
#endif
#endif
