/* vigil — performance metrics of a binary prediction model: discrimination, calibration,
 * threshold statistics and clinical utility, each agreeing with a named reference
 * implementation (pROC, rms::val.prob, scikit-learn, statsmodels).
 *
 * Two layers:
 *   - kernels: one statistic from (score, label) arrays the caller owns, results written
 *     into caller structs. Labels are doubles holding 0 or 1; scores are probabilities in
 *     [0, 1]. Kernels do not keep pointers to their inputs.
 *   - the report: vigil_metrics_compute() sorts the scores once and derives every statistic,
 *     per subgroup and with bootstrap intervals, from that one order; the report is an opaque
 *     object that renders itself as the `vigil metrics` JSON document and stores its numbers
 *     in a vigil_results under the cell-size suppression policy (see fairness.h).
 *
 * Conventions: a case is predicted positive at threshold t when score >= t. Confidence level
 * 0.95 unless a `level` argument says otherwise. A statistic that is undefined (one class
 * absent, a fit that does not converge) is NaN, never an error.
 */
#ifndef VIGIL_METRICS_H
#define VIGIL_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/backend.h"
#include "vigil/results.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- input checks ------------------------------------------------------------------------ */

/* Check that every score is in [0, 1] (not NaN) and every label is 0 or 1, and that both
 * classes occur. `row_line` (optional) maps a row to a file line, `source` names the file and
 * score_col / label_col are the 1-based file columns (0: unknown) so that the message, which
 * lists the first offending rows, reads "file:line:column: value". VIGIL_EINVAL on bad input. */
int vigil_metrics_check(const double *score, const double *label, size_t n, const char *source,
                        size_t score_col, size_t label_col,
                        size_t (*row_line)(const void *ctx, size_t row), const void *ctx);

/* ---- discrimination ---------------------------------------------------------------------- */

typedef struct {
    double auc;              /* P(score_pos > score_neg) + 0.5 P(tie): ties handled exactly */
    double se;               /* DeLong standard error */
    double ci_low, ci_high;  /* auc -/+ z se, clipped to [0, 1] (pROC ci.auc, method "delong") */
    size_t n_pos, n_neg;
} vigil_auroc;

/* AUROC with DeLong's standard error and CI. NaN fields when a class is absent. */
int vigil_metrics_auroc(const double *score, const double *label, size_t n, double level,
                        vigil_auroc *out);

typedef struct {
    double auc1, auc2, diff; /* auc1 - auc2 */
    double se, z, p;         /* paired DeLong test (pROC roc.test, method "delong") */
} vigil_delong_test;

/* DeLong's test for two scores on the same cases. */
int vigil_metrics_delong_test(const double *score1, const double *score2, const double *label,
                              size_t n, vigil_delong_test *out);

/* Average precision, as scikit-learn's average_precision_score: sum over distinct thresholds
 * of (recall_k - recall_{k-1}) * precision_k. NaN without positives. */
double vigil_metrics_average_precision(const double *score, const double *label, size_t n);

/* ---- calibration ------------------------------------------------------------------------- */

typedef struct {
    double brier;
    /* Murphy decomposition over the 10 equal-width bins: brier ~ reliability - resolution +
     * uncertainty (exact when scores are constant within bins). */
    double brier_reliability, brier_resolution, brier_uncertainty;
    double ece;              /* 10 equal-width bins, right-closed as sklearn calibration_curve */
    double ece_equal_mass;   /* 10 bins of equal size in score order (numpy array_split) */
    double mce;              /* max over non-empty equal-width bins */
    double slope, intercept; /* joint fit logit P(y) = a + b logit(p) (rms val.prob) */
    double citl;             /* a in logit P(y) = a + logit(p) (offset fit) */
    double eavg, e50, e90, emax; /* |p - lowess(p, y, iter = 0)(p)|: mean, median, 0.9 q, max */
    double spiegelhalter_z, spiegelhalter_p;
    double d, u, q;          /* val.prob's discrimination, unreliability and quality indexes */
    double u_chisq, u_p;
    double hl_stat, hl_p;    /* Hosmer-Lemeshow over deciles of risk */
    int hl_df;
    size_t n_fit;            /* cases in the logistic fits (scores strictly inside (0, 1)) */
    /* within-sample standard errors, for pooling across sites (vigil pool): the Wald SEs of
     * the slope and of CITL from the fits' information, and O/E = sum(y) / sum(p) with the SE
     * of log(O/E), sqrt(1/O - 1/N) (Debray et al., BMJ 2017) */
    double slope_se, citl_se, oe_ratio, oe_log_se;
} vigil_calibration;

/* Every calibration statistic above. */
int vigil_metrics_calibration(const double *score, const double *label, size_t n,
                              vigil_calibration *out);

/* R's lowess (clowess) on x sorted ascending: f smoother span, iter robustness iterations,
 * delta the skip distance (R's default: 0.01 * (x[n-1] - x[0])). Writes n fitted values. */
int vigil_metrics_lowess(const double *x, const double *y, size_t n, double f, int iter,
                         double delta, double *fitted);

/* Wilson score interval for k successes in n trials. */
void vigil_metrics_wilson(double k, double n, double level, double *lo, double *hi);

/* ---- thresholds and clinical utility ----------------------------------------------------- */

typedef struct {
    double threshold;
    double tp, fp, fn, tn;   /* counts; never printed unless outside 1..10 (see fairness.h) */
    double tpr, fpr, tnr, ppv, npv, selection_rate;
    double tpr_lo, tpr_hi, tnr_lo, tnr_hi, ppv_lo, ppv_hi, npv_lo, npv_hi, sel_lo, sel_hi;
    double net_benefit;      /* TP/n - FP/n * t / (1 - t) */
} vigil_threshold_stats;

int vigil_metrics_threshold(const double *score, const double *label, size_t n, double t,
                            double level, vigil_threshold_stats *out);

/* ---- the report -------------------------------------------------------------------------- */

typedef struct {
    const char *name;          /* column name, or "a+b" for an intersection */
    const int32_t *codes;      /* n codes, -1 missing (reported as level "(missing)") */
    const char *const *levels; /* level names */
    size_t n_levels;
} vigil_metrics_group;

typedef struct {
    const double *thresholds;  /* default: {0.5} */
    size_t n_thresholds;
    size_t bootstrap;          /* replicates; 0 disables bootstrap intervals */
    uint64_t seed;
    unsigned threads;          /* 0: one per online CPU */
    size_t min_cell;           /* 0: 11 (CMS: no count 1..10 shown) */
    double level;              /* 0: 0.95 */
    size_t curve_points;       /* most ROC/PR points reported, 0: 200 */
    /* Bootstrap Eavg/E50/E90/Emax too (one lowess per replicate): 0 when n <= 100000,
     * 1 always, -1 never. */
    int lowess_bootstrap;
    /* A second score of the same cases (NULL: none): the report adds its AUROC and the paired
     * DeLong test against the first, under discrimination.delong_test. */
    const double *compare;
    const char *compare_name;
    /* The human in the loop (human.h), NULL: none. decision[i] is the clinician's final action
     * on case i (1 acted, 0 not); the model's flag is score >= the first threshold. The report
     * then adds the `human` block: overall, per subgroup level (with the gap in override rates
     * across levels) and, with the optional columns, the alert rate per 100 units of exposure,
     * the time from alert to action, the two arms, and overrides by reason (reason[i] a code
     * into reason_levels, -1 none). The arrays are read during the call only. */
    const double *decision;
    const double *exposure;
    const double *decision_time;
    const double *arm;
    const int32_t *reason;
    const char *const *reason_levels;
    size_t n_reason_levels;
    /* Time to event (survival.h), NULL: none. time[i] >= 0 is case i's follow-up, event[i] 1
     * an event at time[i], 0 censored there; the score is the predicted risk of the event by
     * `horizon`. The report then adds the `survival` block, overall and per level. With these
     * the label may be NULL: the report is then the survival block alone. Read during the
     * call only. */
    const double *time;
    const double *event;
    double horizon;
    /* The backend of the bootstrap (vigil/backend.h; 0: AUTO, which keeps it on the CPU until
     * the CUDA op has been timed on a device; CUDA gives the CPU's numbers bit for bit). The
     * JSON's bootstrap.backend says which ran. */
    vigil_backend_kind backend;
    /* Thresholds (each one of `thresholds`; NULL: none) at which the bootstrap also keeps the
     * replicates of every threshold statistic -- sensitivity, specificity, PPV, NPV, selection
     * rate, net benefit -- in every scope, overall and per level, for the paired comparison of
     * two reports (vigil_metrics_paired_get_at). They change no number of the report itself;
     * without them only sensitivity, 1 - specificity and the selection rate at the first
     * threshold have replicates. */
    const double *boot_thresholds;
    size_t n_boot_thresholds;
} vigil_metrics_options;

/* The defaults (every field 0, each 0 meaning what the comments above say): threshold 0.5,
 * no bootstrap, seed 0, one thread per online CPU, cells under 11 withheld, 95% intervals,
 * 200 curve points, lowess bootstrap when n <= 100000, no second score, no decisions, no
 * bootstrap thresholds beyond the first's slots. */
#define VIGIL_METRICS_OPTIONS_INIT {NULL, 0, 0, 0, 0, 0, 0.0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, 0.0, VIGIL_BACKEND_AUTO, NULL, 0}

typedef struct vigil_metrics_report vigil_metrics_report;

/* Compute every metric for scores and labels (checked as vigil_metrics_check without line
 * numbers; check first for file positions), overall and per level of each group. The inputs
 * are copied. Free with vigil_metrics_report_free(). */
int vigil_metrics_compute(vigil_metrics_report **out, const double *score, const double *label,
                          size_t n, const vigil_metrics_group *groups, size_t n_groups,
                          const vigil_metrics_options *opts);
void vigil_metrics_report_free(vigil_metrics_report *r);

/* The `vigil metrics --format json` document (caller frees). `seconds_load` and
 * `seconds_write` are the caller's timings (NaN to leave out); compute time is the report's
 * own. NULL on allocation failure. Small cells are already withheld. */
/* Candidate minus predecessor on the same cases: every statistic of the overall scope, of each
 * subgroup level shown in both, and each disparity, with a paired percentile bootstrap CI. The
 * two reports must come from the same cases, labels, groups, seed and replicates (their
 * replicates then resample the same cases: vigil_stats_bootstrap_run's pos); else NULL with an error.
 * JSON (malloc'd): {"method", "replicates", "overall": {stat: {"candidate", "predecessor",
 * "difference", "ci_low", "ci_high"}}, "subgroups": {group: {"levels": {level: {stat: ...}},
 * "disparities": {name: ...}}}}, and, when both reports kept replicates at bootstrap thresholds
 * (options.boot_thresholds), "at_thresholds": {threshold: {"overall": {stat: ...}, "subgroups":
 * {group: {"levels": {level: {stat: ...}}}}}} with the threshold statistics there
 * (vigil_metrics_paired_get_at's numbers). A CI is null when over 10% of replicates were undefined. */
char *vigil_metrics_paired_json(const vigil_metrics_report *cand, const vigil_metrics_report *pred);

char *vigil_metrics_report_json(const vigil_metrics_report *r, double seconds_load,
                                double seconds_write);
/* A readable multi-line table of the same numbers (caller frees). */
char *vigil_metrics_report_text(const vigil_metrics_report *r);
/* Add every reported number to `res` (scope "overall" or "<col>=<level>"), withholding what
 * the JSON withholds. */
int vigil_metrics_report_store(const vigil_metrics_report *r, vigil_results *res);
/* Seconds spent in vigil_metrics_compute(). */
double vigil_metrics_report_seconds(const vigil_metrics_report *r);

/* ---- typed access to the report ----------------------------------------------------------
 * The numbers the JSON document shows, without a round trip through its text: the same
 * doubles, withheld and undefined where it shows null. Metrics are named as in the catalogue
 * (include/vigil/catalogue.h: "auroc", "calibration_slope", "sensitivity", ...). */

typedef enum {
    VIGIL_METRIC_OK = 0,     /* value given (its CI may still be NaN: none for this metric) */
    VIGIL_METRIC_WITHHELD,   /* the cell-size policy withholds it (see fairness.h) */
    VIGIL_METRIC_UNDEFINED   /* not defined on these cases (a class absent, a fit failed, ...) */
} vigil_metric_status;

typedef struct {
    double value, ci_low, ci_high; /* NaN when not given */
    vigil_metric_status status;
    char why[320];                 /* why it is not given ("" when OK or no reason is known) */
    /* The method of this interval (static text; NULL: no interval or not known): "BCa",
     * "percentile (BCa undefined: REASON)", "Wilson score", "DeLong". */
    const char *ci_method;
} vigil_metric_value;

/* One metric of the report. group NULL: the overall scope (a threshold statistic at the first
 * threshold; see _get_at). group and level: that subgroup level -- the level's own numbers, a
 * threshold statistic at the first threshold, with the bootstrap interval where the engine has
 * one (specificity is 1 - FPR with the FPR's interval). group without level: a disparity
 * across the group's levels. VIGIL_EINVAL naming the metric, group or level when the report
 * has no such thing, or when the metric is not given at that scope. */
int vigil_metrics_report_get(vigil_metric_value *out, const vigil_metrics_report *r,
                             const char *metric, const char *group, const char *level);
/* An overall threshold statistic at `threshold` (one the report computed: VIGIL_EINVAL else). */
int vigil_metrics_report_get_at(vigil_metric_value *out, const vigil_metrics_report *r,
                                const char *metric, double threshold);

/* The report's groups and their levels, in the JSON document's order. Out of range: 0 / NULL. */
size_t vigil_metrics_report_n_groups(const vigil_metrics_report *r);
const char *vigil_metrics_report_group_name(const vigil_metrics_report *r, size_t g);
size_t vigil_metrics_report_n_levels(const vigil_metrics_report *r, size_t g);
const char *vigil_metrics_report_level_name(const vigil_metrics_report *r, size_t g, size_t l);
/* 1 when the cell-size policy withholds the whole level (its "suppressed" in the JSON). */
int vigil_metrics_report_level_withheld(const vigil_metrics_report *r, size_t g, size_t l);

/* The engine's own statistics of one scope (group and level NULL: the overall one; both: that
 * level), under the report's cell-size policy: what a caller needs beyond the typed getter's
 * catalogue numbers (the Wald SEs of the calibration fits, O/E, the Wilson intervals at the first
 * threshold). Withheld parts are NaN: the whole scope when the level is withheld (level_shown 0,
 * n 0); the AUROC when the getter withholds or cannot give it (auroc_status, auroc_why); the
 * threshold statistics when a confusion count is a small cell (threshold_shown 0); O/E and its
 * SE when the prevalence is withheld (prevalence_shown 0: O/E and its interval give the events
 * back). VIGIL_EINVAL naming the group or level when the report has none. */
typedef struct {
    size_t n;
    int level_shown, prevalence_shown, threshold_shown;
    vigil_metric_status auroc_status;
    const char *auroc_why;     /* static text, "" when shown */
    vigil_auroc auroc;
    vigil_calibration cal;
    vigil_threshold_stats thr; /* at the report's first threshold */
} vigil_metrics_scope_stats;

int vigil_metrics_report_scope(vigil_metrics_scope_stats *out, const vigil_metrics_report *r, const char *group,
                               const char *level);

/* Candidate minus predecessor for one statistic of the paired comparison (the numbers of
 * vigil_metrics_paired_json): group NULL overall, group and level a level, group alone a
 * disparity. value is the difference, CI its paired percentile bootstrap interval; *cand and
 * *pred (optional) the two estimates. A statistic either report does not give is UNDEFINED.
 * VIGIL_EINVAL when the reports are not of the same cases or the name is unknown. */
int vigil_metrics_paired_get(vigil_metric_value *out, double *cand, double *pred,
                             const vigil_metrics_report *a, const vigil_metrics_report *b,
                             const char *metric, const char *group, const char *level);
/* The same for a threshold statistic (sensitivity, specificity, PPV, NPV, selection rate, net
 * benefit) at `threshold`, one the reports computed, overall (group NULL) or at a level; the
 * other metrics as vigil_metrics_paired_get (threshold ignored). The interval comes from the
 * replicates both reports kept at that threshold (their options' boot_thresholds; sensitivity
 * and the selection rate at the first threshold always): without them the difference is given
 * with no interval and why says so. A scope where either report withholds the statistic (a
 * confusion count is a small cell) is WITHHELD. vigil_metrics_paired_get on a threshold
 * statistic is this at the first threshold. */
int vigil_metrics_paired_get_at(vigil_metric_value *out, double *cand, double *pred,
                                const vigil_metrics_report *a, const vigil_metrics_report *b,
                                const char *metric, const char *group, const char *level, double threshold);

#ifdef __cplusplus
}
#endif
#endif
