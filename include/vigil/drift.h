/* vigil — distribution-shift (drift) tests between a reference and a current window.
 *
 * Per feature (a column present in both tables):
 *   numeric      ks (two-sample Kolmogorov-Smirnov, scipy 1.10 ks_2samp method='auto': exact
 *                when max(n1, n2) <= 10000 -- scipy 1.10's rule; older scipy used n1*n2 <= 10000
 *                -- else asymptotic), anderson_darling (k-sample, midrank,
 *                as scipy anderson_ksamp; p from the Scholz-Stephens interpolation, capped to
 *                [0.001, 0.25] exactly as scipy: 0.25 means ">= 0.25", 0.001 "<= 0.001"),
 *                cvm (Cramer-von Mises two sample, scipy cramervonmises_2samp method='auto':
 *                exact when both sizes <= 20 (as scipy), else asymptotic; the statistic in its
 *                ECDF form, equal to scipy's without ties -- with ties scipy's midrank form is
 *                badly inflated (a random split of a 0/1 column: T = 27, p = 1e-8) -- see
 *                drift_tests.c). Heavily tied samples (one value holds >= 5% of the pooled
 *                sample: a 0/1 or small-integer column, a zero-inflated lab), where the
 *                continuous nulls of cvm and anderson_darling are invalid (0/1 column: 8% and
 *                12% of null pairs rejected at 0.05): both p-values come from the conditional
 *                (permutation) null instead -- a Monte Carlo permutation p (1 + hits) /
 *                (1 + B), B = 1,999, extended tenfold while no permutation reaches the
 *                statistic up to 199,999 (so p >= 5e-6; fewer on very large windows, see
 *                drift_tests.c), seeded by the pooled counts so the
 *                same data give the same p; anderson_darling's is then not capped. KS keeps
 *                scipy's p, conservative on ties. wasserstein (W1, scipy wasserstein_distance;
 *                also reported divided by the reference SD = the effect), psi (ten bins at
 *                reference deciles, proportions floored at 1e-4), jensen_shannon (distance,
 *                natural log as scipy.spatial.distance.jensenshannon's default, on the PSI bins).
 *   categorical  chi2 (Pearson chi-square on the 2 x k table of the union of categories, no
 *                Yates correction, as scipy chi2_contingency(correction=False)), psi and
 *                jensen_shannon on the category proportions. A category unseen in the
 *                reference is drift, not an error.
 * Missing values are left out of every test; the missing rate is compared on its own with a
 * two-proportion z test (pooled variance) and reported as missing_rate.{diff,p}.
 *
 * Alarm rule: for each feature ONE p-value is corrected across features: the KS p for a
 * numeric feature, the chi-square p for a categorical one (the other tests are reported but
 * not used for the decision, so the family-wise error is controlled exactly by Holm/BH over
 * one test per feature). A feature drifts when its corrected p < alpha AND its effect is at
 * least its floor (numeric: Wasserstein / reference SD; categorical: PSI). A feature with fewer
 * than 2 (min_n) non-missing values in a window (a lab feed that stopped) cannot be tested for
 * its distribution: its missing-rate p and |missing-rate difference| decide it instead.
 *
 * Ownership: a result or reference returned through **out is owned by the caller and freed
 * with the matching _free (NULL-safe). Strings a getter returns live as long as the result.
 */
#ifndef VIGIL_DRIFT_H
#define VIGIL_DRIFT_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/backend.h"
#include "vigil/table.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { VIGIL_CORRECT_HOLM = 0, VIGIL_CORRECT_BH = 1, VIGIL_CORRECT_NONE = 2 };
enum { VIGIL_DRIFT_NUMERIC = 1, VIGIL_DRIFT_CATEGORICAL = 2 };
/* The test whose p-value decides a numeric feature's alarm (Anderson-Darling cannot: scipy's
 * interpolation, which vigil follows, knows its p only within [0.001, 0.25]). */
enum { VIGIL_DRIFT_DECIDE_KS = 0, VIGIL_DRIFT_DECIDE_CVM = 1 };

typedef struct {
    const char *const *features; /* NULL: every column the two tables share */
    size_t n_features;
    int correction;              /* VIGIL_CORRECT_* (default Holm) */
    double alpha;                /* 0.01 */
    double numeric_floor;        /* 0.1: Wasserstein / reference SD */
    double categorical_floor;    /* 0.1: PSI */
    size_t psi_bins;             /* 10 */
    size_t min_n;                /* 2: fewer non-missing values in a window: tests not computable */
    int mmd;                     /* also run the multivariate MMD test on numeric features */
    size_t mmd_permutations;     /* 500 */
    size_t mmd_max_rows;         /* 2000 per window: larger windows are subsampled (seeded) */
    uint64_t seed;               /* 1 */
    int threads;                 /* 0: all CPUs */
    vigil_backend_kind backend;  /* MMD only: VIGIL_BACKEND_AUTO (default), _CPU or _CUDA */
    int numeric_test;            /* VIGIL_DRIFT_DECIDE_KS (default) or _CVM: feature p for numeric */
} vigil_drift_options;

/* The defaults, as the comments above give them: every shared column, Holm at alpha 0.01,
 * effect floors 0.1 (numeric and categorical), 10 PSI bins, at least 2 values a window, no MMD
 * (500 permutations and 2000 rows a window when it is asked for), seed 1, all CPUs, backend
 * auto, the KS test deciding numeric features. */
#define VIGIL_DRIFT_OPTIONS_INIT                                                                    \
    {NULL, 0, VIGIL_CORRECT_HOLM, 0.01, 0.1, 0.1, 10, 2, 0, 500, 2000, 1, 0, VIGIL_BACKEND_AUTO,     \
     VIGIL_DRIFT_DECIDE_KS}

/* VIGIL_DRIFT_OPTIONS_INIT as a value (for callers that cannot use an initializer). */
vigil_drift_options vigil_drift_options_default(void);

typedef struct vigil_drift_result vigil_drift_result;
typedef struct vigil_drift_reference vigil_drift_reference;

/* One feature's outcome. Tests not run for the type are NaN. */
typedef struct {
    const char *name;
    int type;                    /* VIGIL_DRIFT_NUMERIC / _CATEGORICAL */
    size_t n_ref, n_cur;         /* non-missing values used */
    size_t missing_ref, missing_cur;
    double p;                    /* the p-value that is corrected (KS or chi2) */
    double p_adjusted;
    double effect;               /* Wasserstein/ref SD (numeric) or PSI (categorical) */
    double effect_floor;
    int drift;
    double missing_diff, missing_p;
    double ks_stat, ks_p;
    double ad_stat, ad_p;
    double cvm_stat, cvm_p;
    double wasserstein, wasserstein_norm;
    double psi, js;
    double chi2_stat, chi2_p, chi2_df;
    size_t n_unseen;             /* categorical: current categories absent in the reference */
    /* 0 when a window has fewer than min_n non-missing values: the distribution tests are NaN,
     * not_computable says why, and the missing rate decides (decided_by "missing_rate") */
    int computable;
    const char *not_computable;  /* NULL when computable */
    const char *decided_by;      /* "ks", "cvm", "chi2" or "missing_rate": whose p is p */
} vigil_drift_feature;

/* Compare two windows. Errors (VIGIL_EINVAL): a feature missing from a table (names the table's
 * source and the column), numeric in one and categorical in the other, or an empty window.
 * A feature with fewer than min_n (at least 2) non-missing values in a window is not an error:
 * its distribution tests are not computable (NaN, with the reason in not_computable) and its
 * missing-rate test decides instead -- the two-proportion p takes the place of KS/chi-square in
 * the correction, |missing-rate difference| is the effect, against the type's floor. */
int vigil_drift_compare(const vigil_table *ref, const vigil_table *cur,
                        const vigil_drift_options *o, vigil_drift_result **out);

/* Reference statistics computed once (sorted numeric columns, reference SD, PSI bin edges,
 * category counts) so a monitor can cache them. The options used to build (features, psi_bins,
 * and with mmd set the reference's MMD subsample: mmd_max_rows, seed) are kept inside;
 * compare_ref uses o for everything else. compare_ref with o->mmd on a reference built without
 * it is VIGIL_EINVAL (when there are numeric features), not a silently skipped test. A
 * reference built with features = NULL skips the columns the current window lacks (the MMD,
 * which needs them all, then fails naming the column). */
int vigil_drift_reference_build(const vigil_table *ref, const vigil_drift_options *o,
                                vigil_drift_reference **out);
/* A self-contained little-endian blob (malloc'd, caller frees) and its inverse. */
int vigil_drift_reference_serialize(const vigil_drift_reference *r, void **blob, size_t *n);
int vigil_drift_reference_deserialize(vigil_drift_reference **out, const void *blob, size_t n);
void vigil_drift_reference_free(vigil_drift_reference *r);
int vigil_drift_compare_ref(const vigil_drift_reference *ref, const vigil_table *cur,
                            const vigil_drift_options *o, vigil_drift_result **out);

int vigil_drift_result_alarm(const vigil_drift_result *r);
size_t vigil_drift_result_n_alarms(const vigil_drift_result *r);
size_t vigil_drift_result_n_features(const vigil_drift_result *r);
const vigil_drift_feature *vigil_drift_result_feature(const vigil_drift_result *r, size_t i);
/* Multivariate MMD (when options.mmd): returns 0 and fills the numbers, or -1 when not run. */
int vigil_drift_result_mmd(const vigil_drift_result *r, double *stat, double *p,
                           double *bandwidth, size_t *permutations, size_t *rows);
/* What the MMD's line should say beyond its numbers, or NULL: "left out (distribution tests not
 * computable): a, b" (those features had too few values in a window), or "not computable: ..."
 * (too few complete rows, or no numeric feature left: then vigil_drift_result_mmd gives -1 and
 * the JSON has multivariate.mmd.{stat,p} null with not_computable). The string belongs to r. */
const char *vigil_drift_result_mmd_note(const vigil_drift_result *r);
/* The backend the MMD ran on (VIGIL_BACKEND_CPU when it was not run). */
vigil_backend_kind vigil_drift_result_mmd_backend(const vigil_drift_result *r);
/* Record the seconds spent loading (the caller's) so the JSON carries seconds.load. */
void vigil_drift_result_set_load_seconds(vigil_drift_result *r, double s);
/* The document `vigil drift --format json` prints (malloc'd string, caller frees). */
int vigil_drift_result_json(const vigil_drift_result *r, char **json);
void vigil_drift_result_free(vigil_drift_result *r);

/* ---- kernels (x, y need not be sorted unless the name says so; no NaN) ---- */

/* KS statistic and p-value (scipy ks_2samp, two-sided, method='auto'). */
int vigil_drift_ks(const double *x, size_t n1, const double *y, size_t n2, double *stat,
                   double *p);
double vigil_drift_ks_pvalue(double d, size_t n1, size_t n2);
/* Anderson-Darling k-sample (k = 2), scipy anderson_ksamp(midrank=True) statistic; p by the
 * Scholz-Stephens interpolation, capped to [0.001, 0.25] as scipy (a bound outside it), or on
 * heavily tied samples the permutation p (see the top of this file).
 * stat and p are NaN when the pooled sample has fewer than 2 distinct values or 4 values. */
int vigil_drift_anderson(const double *x, size_t n1, const double *y, size_t n2, double *stat,
                         double *p);
/* Cramer-von Mises two-sample T and p (scipy cramervonmises_2samp, method='auto'; with ties
 * the ECDF form of T, and on heavily tied samples the permutation p, see above). Needs at
 * least 2 values per sample. */
int vigil_drift_cvm(const double *x, size_t n1, const double *y, size_t n2, double *stat,
                    double *p);
double vigil_drift_wasserstein(const double *x, size_t n1, const double *y, size_t n2);
/* PSI and Jensen-Shannon distance (natural log) of two count vectors over the same k bins. */
double vigil_drift_psi_counts(const double *a, const double *b, size_t k);
double vigil_drift_js_counts(const double *a, const double *b, size_t k);
/* Pearson chi-square on the 2 x k table; columns empty in both rows are dropped. */
int vigil_drift_chi2_counts(const double *a, const double *b, size_t k, double *stat,
                            double *df, double *p);
/* Two-proportion z test (pooled), two-sided; p = 1 when both rates are 0 or both 1. */
void vigil_drift_two_proportion(size_t x1, size_t n1, size_t x2, size_t n2, double *diff,
                                double *p);
/* Holm / BH adjusted p-values (monotone, capped at 1), as statsmodels multipletests. */
void vigil_drift_correct(const double *p, size_t n, int method, double *adj);

/* MMD^2 (unbiased) with an RBF kernel exp(-|a-b|^2 / (2 bw^2)), bw = median pairwise distance
 * of the pooled sample (when *bandwidth <= 0 on entry), permutation p = (1 + #{perm >= obs}) /
 * (1 + permutations). x is n1 x d, y n2 x d, row-major, already standardised. backend follows
 * the rule of vigil/backend.h; *used (optional) receives the backend that ran. */
int vigil_drift_mmd(const double *x, size_t n1, const double *y, size_t n2, size_t d,
                    size_t permutations, uint64_t seed, vigil_backend_kind backend, int threads, double *stat,
                    double *p, double *bandwidth, vigil_backend_kind *used);

/* Risk-adjusted CUSUM (Steiner, Cook, Farewell & Treasure 2000) for an odds-ratio increase R
 * (e.g. 2) over the predicted risks p: W_t = y_t log R - log(1 - p_t + R p_t),
 * S_t = max(0, S_{t-1} + W_t); a signal when S_t >= h. Choosing h: a fixed h (Steiner et al.
 * used 4.5 for R = 2) signals more often the longer the stretch it watches (4.5 over 4,000
 * cases of a calibrated model: two windows in three); vigil_cusum_limit_simulated() below
 * chooses h for a stated in-control probability of a signal over the cases at hand. path (optional, n values) receives S_t; the statistic is not reset
 * after a signal. *first_signal = index of the first t with S_t >= h, or n when none.
 * Returns VIGIL_EINVAL on p outside (0,1) or y not 0/1. */
int vigil_cusum_risk_adjusted(const double *p, const double *y, size_t n, double odds_ratio_alt,
                              double h, double *path, size_t *first_signal, double *max_stat);

/* The CUSUM limit for a stated in-control probability `prob` that the CUSUM over these n risks
 * (in their order) signals at least once: `replicates` (M) in-control paths (y_t ~
 * Bernoulli(p_t), seeded: replicate r uses its own stream of `seed`, so any thread count gives
 * the same limit) and their largest S_t; *limit is just above the k-th smallest, k =
 * ceil((1 - prob)(M + 1)), so that P(a signal, S_t >= *limit, under control) <= prob exactly
 * (a Monte Carlo test's bound). Needs prob >= 1 / (M + 1); costs n M steps (4,000 cases x 999
 * replicates: ~10 ms; 500,000 x 999: ~2-3 s a thread). VIGIL_EINVAL on a risk outside [0, 1],
 * an odds ratio <= 0 or 1, prob outside (0, 1) or too few replicates for it. */
int vigil_cusum_limit_simulated(const double *p, size_t n, double odds_ratio_alt, double prob,
                                size_t replicates, uint64_t seed, int threads, double *limit);

#ifdef __cplusplus
}
#endif
#endif
