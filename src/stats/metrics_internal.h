/* Private to src/stats/metrics: the sorted-order kernels shared by the point estimates and
 * the bootstrap. Everything here works on scores sorted ascending (`_sorted`), labels as
 * bytes, and optional case weights (NULL: every case weighs 1). The bootstrap passes integer
 * resampling counts as weights, which is the same as repeating rows, so one code path gives
 * both the estimate and its replicates. */
#ifndef VIGIL_STATS_METRICS_INTERNAL_H
#define VIGIL_STATS_METRICS_INTERNAL_H

#include <stddef.h>
#include <math.h>
#include <stdint.h>

#include "vigil/metrics.h"

#define VM_BINS 10

/* Slots of the per-scope statistics the bootstrap repeats (threshold ones at the first). */
enum { VS_AUROC, VS_AUPRC, VS_BRIER, VS_ECE, VS_ECE_EM, VS_MCE, VS_CITL, VS_SLOPE, VS_INTERCEPT,
       VS_TPR, VS_FPR, VS_SEL, VS_EAVG, VS_E50, VS_E90, VS_EMAX, S_COUNT_INTERNAL };

/* lowess with case weights w (the bootstrap's counts) on the first and only pass: the
 * window is still ns = f * n rows, so with counts this approximates R's lowess of the
 * resampled rows. */
int vigil_stats_lowess_weighted(const double *x, const double *y, const double *w, size_t n, double f,
                       double delta, double *ys);

/* Those statistics for every level of G group columns in one go, from the overall sorted order
 * with weights w: codes[g][i] is the level of sorted case i in column g (>= n_levels[g]: left
 * out; codes[g] NULL: every case in level 0). Levels are numbered across the columns in turn
 * (column 0's first). citl0 (per level) and fit0 ({a, b}, for column 0 when it is NULL, i.e.
 * overall; NULL: no fit) are Newton starts. scratch: vigil_stats_level_scratch(total levels) bytes;
 * out: total levels x S_COUNT_INTERNAL. G <= VM_MAX_GROUPS. The reference of the kernels below,
 * which the engine runs. */
#define VM_MAX_GROUPS 64
size_t vigil_stats_level_scratch(size_t n_levels);
void vigil_stats_level_stats(const double *p, const uint8_t *y, const double *lg,
                    const uint32_t *const *codes, const size_t *n_levels, size_t G,
                    const double *w, size_t n, double t, const double *citl0,
                    const double *fit0, void *scratch, double *out);

/* The same statistics for one scope of m cases: p, y (and lg, their logits, given for the
 * overall scope, which alone gets the recalibration slope from fit0) are the scope's sorted
 * arrays, idx[j] the position of its case j in the overall sorted order, where the weights w
 * are (NULL: j itself, the overall scope). citl0: the Newton start. Every statistic but CITL
 * and the slope is vigil_stats_level_stats's bit for bit (same sums in the same order;
 * test_bootstrap_kernel.c holds them to it), a scope at a time over its drawn cases only, so
 * no pass tests a zero weight and no accumulator is scattered across levels. CITL and the
 * slope: with sc (sf) -- each case's calibrated probability at the start, sigma(lg + citl0)
 * (sigma(fit0[0] + fit0[1] lg)) -- from one pass by an order-5 expansion around the start
 * wherever its remainder moves the result by under 1e-12 (relative), else (and without
 * sc, sf) by the exact Newton steps. buf: 6 * m doubles. */
typedef struct {
    const double *p, *lg, *sc, *sf, *fit0;
    const uint8_t *y;
    const uint32_t *idx;
    size_t m;
    double citl0;
} vm_scope_in;
void vigil_stats_scope_stats(const vm_scope_in *in, const double *w, double t, double *buf, double *out);
/* Every level of one group column at once, the same numbers as vigil_stats_scope_stats on each
 * level: p, y the overall sorted arrays, code[i] the level of sorted case i (>= n_levels: left
 * out), sc[i] its calibrated probability at its level's CITL estimate (NULL: no expansion),
 * in[l] the level's size (m) and CITL start. One sequential pass over the weights deals the
 * drawn cases to the levels. buf: 4 * n doubles; out: n_levels x S_COUNT_INTERNAL. */
#define VM_MAX_LEVELS_STACK 64
typedef struct {
    const double *p, *sc;
    const uint8_t *y;
    const uint32_t *code;
    size_t n, n_levels;
    const vm_scope_in *in;
} vm_group_in;
void vigil_stats_group_stats(const vm_group_in *g, const double *w, double t, double *buf, double *out);

/* Stable ascending order of x (radix sort on the IEEE bits): writes n row indices. */
int vigil_stats_sort_order(const double *x, size_t n, uint32_t *order);

/* AUROC (Mann-Whitney with half ties) and the sums DeLong needs, from sorted data. */
double vigil_stats_auroc_sorted(const double *p, const uint8_t *y, const double *w, size_t n);
/* DeLong variance of the AUROC (unweighted). */
double vigil_stats_delong_var_sorted(const double *p, const uint8_t *y, size_t n, double auc);
/* The same with integer case weights w (NULL: 1), e.g. counts of tied cases. */
double vigil_stats_delong_var_weighted(const double *p, const uint8_t *y, const double *w, size_t n,
                                       double auc);
/* se, CI and class counts of a vigil_auroc from the AUROC and its DeLong variance, as
 * vigil_metrics_auroc reports them. */
void vigil_stats_auroc_fill(vigil_auroc *out, double auc, double var, double n1, double n0,
                            double level);
/* Average precision (scikit-learn) from sorted data. */
double vigil_stats_ap_sorted(const double *p, const uint8_t *y, const double *w, size_t n);

/* Weighted calibration statistics that the bootstrap repeats. */
typedef struct {
    double w, w1;           /* total weight, weight of events */
    double brier, ece, ece_em, mce;
    double rel, res, unc;   /* Murphy decomposition over the equal-width bins */
    double bin_w[VM_BINS], bin_p[VM_BINS], bin_y[VM_BINS]; /* weight, mean score, event rate */
} vm_calib_bins;
void vigil_stats_calib_bins_sorted(const double *p, const uint8_t *y, const double *w, size_t n,
                          vm_calib_bins *out);
/* Everything but ece_em (NaN: it needs the order) from the equal-width bin sums -- weight bw,
 * weighted score sum bp, weighted event sum by -- the total weight W, event weight W1 and
 * Brier sum sq. The one place these statistics are finished, so the mergeable accumulators
 * (accum.h) give the engine's numbers. */
void vigil_stats_calib_bins_finish(vm_calib_bins *o, double W, double W1, double sq,
                                   const double *bw, const double *bp, const double *by);
/* The equal-width bin of a score in [0, 1]: edges k / VM_BINS, a score on an edge in the
 * lower bin (numpy searchsorted, side "left"), as vigil_stats_calib_bins_sorted walks them. */
static inline int vigil_stats_calib_bin(double p)
{
    int b = 0;
    while (b < VM_BINS - 1 && (double)(b + 1) * (1.0 / VM_BINS) < p) b++;
    return b;
}

/* Logistic recalibration logit P(y) = a + b * lg over finite lg. Returns 0, or -1 when the fit
 * fails (a, b NaN). `init` (a, b) may be NULL ({0, 1}). *dev gets -2 log L. */
int vigil_stats_logistic_fit(const double *lg, const uint8_t *y, const double *w, size_t n,
                    const double *init, double *a, double *b, double *dev);
/* The Newton step (da, db) of that fit from the gradient (g0, g1) and Hessian (h00, h01, h11)
 * sums; -1 when the Hessian is not positive definite. One expression for the fit and for the
 * mergeable step of accum.h. */
static inline int vigil_stats_newton2(double g0, double g1, double h00, double h01, double h11,
                                      double *da, double *db)
{
    double det = h00 * h11 - h01 * h01;
    if (!(det > 0) || !isfinite(det)) return -1;
    *da = (h11 * g0 - h01 * g1) / det;
    *db = (h00 * g1 - h01 * g0) / det;
    return 0;
}
/* The fit's convergence test: steps below tol * (1 + |parameter|). */
#define VM_FIT_TOL 1e-11
/* Calibration-in-the-large: a in logit P(y) = a + logit(p), Newton from `start` (NaN: 0).
 * NaN when undefined. */
double vigil_stats_citl(const double *p, const uint8_t *y, const double *w, size_t n, double start);

/* Counts at score >= t, from sorted data (binary search + suffix sums). */
void vigil_stats_confusion_sorted(const double *p, const uint8_t *y, const double *w, size_t n, double t,
                         double *tp, double *fp, double *fn, double *tn);

/* Every vigil_calibration statistic from sorted data (unweighted). */
/* Threshold statistics and Wilson intervals from counts. */
int vigil_stats_calibration_sorted(const double *p, const uint8_t *y, size_t n, vigil_calibration *o);
void vigil_stats_threshold_from_counts(double t, double tp, double fp, double fn, double tn, double level,
                              vigil_threshold_stats *o);

/* Percentile of sorted finite values (R type 7). */
double vigil_stats_quantile_sorted(const double *x, size_t n, double q);

/* The standard normal quantile and upper tail. */
double vigil_stats_qnorm(double p);
double vigil_stats_pnorm_upper(double z);
double vigil_stats_pchisq_upper(double x, double df);

/* Counter-based random stream for replicate r of seed s (splitmix64 seeding xoshiro256**). */
typedef struct {
    uint64_t s[4];
} vm_rng;
void vigil_stats_rng_seed(vm_rng *g, uint64_t seed, uint64_t stream);
uint64_t vigil_stats_rng_next(vm_rng *g);
/* Case k of one bootstrap draw over n cases (Lemire's multiply-shift maps 64 random bits onto
 * 0..n-1): the one place a draw is made, so the accumulators' replicates (accum.h) are the
 * engine's. */
static inline size_t vigil_stats_bootstrap_case(vm_rng *g, size_t n)
{
    return (size_t)(((unsigned __int128)vigil_stats_rng_next(g) * n) >> 64);
}

/* The draw's counting step: c[ks[b]] += 1 for b < m in bytes (modulo 256); each case whose byte
 * wraps to 0 is appended to ov at nov (its count gained 256 there). Returns the new nov. */
size_t vigil_stats_bootstrap_count(const size_t *ks, size_t m, uint8_t *c, size_t *ov, size_t nov);
/* Those counts as weights in sorted order: w[s] = c[ord[s]] (ord the inverse of pos; both NULL:
 * w[s] = c[s]), plus 256 at w[pos[k]] for each k in ov[0..nov-1]. */
void vigil_stats_bootstrap_spread(const uint8_t *c, const size_t *ov, size_t nov, const uint32_t *ord,
                                  const uint32_t *pos, size_t n, double *w);

/* Run replicates 0..B-1 of the count bootstrap over n cases on `threads` threads. Replicate r
 * draws n cases with replacement from its own stream (seed, r) and calls fn with the counts as
 * weights (n doubles) and `scratch_bytes` of per-thread scratch; fn writes its results at
 * index r, so the numbers do not depend on the thread count. */
typedef void (*vm_replicate_fn)(void *ctx, size_t r, const double *w, void *scratch);
/* pos (optional): the draws are case numbers in the caller's original order, and w[pos[k]]
 * counts case k -- so two reports of the same cases in different sort orders (two models'
 * scores) resample the same cases with the same seed: a paired bootstrap. NULL: w[k]. */
int vigil_stats_bootstrap_run(size_t n, size_t B, uint64_t seed, unsigned threads, size_t scratch_bytes,
                     const uint32_t *pos, vm_replicate_fn fn, void *ctx);
/* Percentile interval of the finite values among x[0..B-1] (sorted in place). */
void vigil_stats_percentile_ci(double *x, size_t B, double level, double *lo, double *hi);
/* The delete-a-group jackknife over the same pool: call r (0 <= r < groups) leaves out the
 * cases k (caller's order, pos as above) with k % groups == r, by weight 0 (every other 1);
 * call `groups` leaves none out (the full data through the same passes). */
int vigil_stats_jackknife_run(size_t n, size_t groups, unsigned threads, size_t scratch_bytes, const uint32_t *pos,
                              vm_replicate_fn fn, void *ctx);
/* The same two, split across MPI ranks (core/dist.h): this rank runs only the replicates (calls)
 * r it owns (r % size == rank), and the caller then shares every array fn wrote with
 * vigil_dist_share_cols (or _rows) before it reads any other replicate's values -- every rank
 * must, even after a failure here, so that none waits. One rank: the functions above. */
int vigil_stats_bootstrap_run_split(size_t n, size_t B, uint64_t seed, unsigned threads, size_t scratch_bytes,
                                    const uint32_t *pos, vm_replicate_fn fn, void *ctx);
int vigil_stats_jackknife_run_split(size_t n, size_t groups, unsigned threads, size_t scratch_bytes,
                                    const uint32_t *pos, vm_replicate_fn fn, void *ctx);
/* BCa interval of the finite replicates x[0..B-1] (sorted in place) around the estimate theta,
 * the acceleration from the jackknife values jack[0..m-1] (NaN: left out), as scipy's
 * bootstrap(method='BCa') but with ties at theta counted half in z0. 1: BCa; 0: BCa is not
 * defined here (theta outside every replicate, too few jackknife values) and the percentile
 * interval is given; -1: fewer than 2 finite replicates, no interval. */
int vigil_stats_bca_ci(double *x, size_t B, double theta, const double *jack, size_t m, double level,
                       double *lo, double *hi);
/* vigil_stats_bca_ci, and the method of the interval it gave in *how (static text, NULL: no
 * interval): vigil_stats_ci_bca ("BCa"), or "percentile (BCa undefined: REASON)" with the
 * reason BCa is not defined there (the estimate outside every replicate, no finite estimate,
 * too few jackknife values, adjusted levels outside 0 to 1). */
int vigil_stats_bca_ci_how(double *x, size_t B, double theta, const double *jack, size_t m, double level,
                           double *lo, double *hi, const char **how);
extern const char *const vigil_stats_ci_bca;

#endif
