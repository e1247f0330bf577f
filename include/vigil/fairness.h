/* vigil — subgroup disparities and the small-cell suppression policy.
 *
 * Disparities compare per-level rates of one group column (as Fairlearn's MetricFrame and its
 * *_difference / *_ratio functions with method "between_groups"): the largest minus the
 * smallest level value, or the smallest over the largest for a ratio. Levels whose value is
 * NaN (withheld or undefined) are left out; with fewer than two levels the disparity is NaN.
 *
 * Suppression (CMS cell-size policy): no count from 1 to `min_cell - 1` (default 1..10) is
 * shown or stored, nor a number it can be derived from. A level with fewer than min_cell
 * cases is suppressed as a whole; in a shown level, a rate is withheld when its numerator or
 * the complement of its numerator is such a count.
 */
#ifndef VIGIL_FAIRNESS_H
#define VIGIL_FAIRNESS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The cell-size policy's one home: every layer (metrics, SHAP importance, suites, the report)
 * asks these instead of comparing with min_cell itself. A min_cell of 0 means the default. */
#define VIGIL_MIN_CELL_DEFAULT 11
size_t vigil_fairness_min_cell(size_t min_cell);

/* The floor of counts of people in what is shown outside the run that computed them (a suite's
 * composition table, a join's lead times, the evidence reports read back from the store):
 * min_cell, never under the CMS floor of VIGIL_MIN_CELL_DEFAULT (0 gives the default too). */
size_t vigil_fairness_floor(size_t min_cell);

/* 1 when `count` may be shown: it is 0 or at least min_cell (NaN: not a count, nothing to
 * withhold). */
int vigil_fairness_count_ok(double count, size_t min_cell);

/* 1 when the rate k / n may be shown: n, k and n - k may all be shown. */
int vigil_fairness_rate_ok(double k, double n, size_t min_cell);

/* Complementary withholding in one partition of a shown total (a group's levels partition the
 * cases; the levels of a group nested in another partition each shown level of it): a reader
 * gets the withheld cells' sum of each count as the total minus the shown cells, so while that
 * sum is 1..min_cell-1 for any of the k counts, the smallest shown cell (by size[], the first of
 * equal ones) is withheld too. count: m x k (row-major; k <= 4), NaN where the caller does not
 * know a withheld cell's count; total: the partition's k totals (NULL: the withheld cells' own
 * counts are summed); withheld: m flags, in and out. Returns 1 when it withheld more. */
int vigil_fairness_complement(const double *count, size_t m, size_t k, const double *size, const double *total,
                              size_t min_cell, int *withheld);

/* One partition of a total whose cells show up to two counts each (the multi-class report's
 * items: a level's cases, its correct and incorrect argmax, ...): count is m x 2 (a cell's
 * first count is its size; 0 where a cell has fewer), of which the first k (1 or 2) add up to
 * the total's. While the total is shown and the withheld cells' sum of one of the k counts is
 * 1..min_cell-1 -- or the total (> 0) is withheld but no withheld cell is non-zero, so the
 * shown ones would add it back up -- the smallest shown non-zero cell (by size, the first of
 * equal ones) is withheld too. shown: m flags, in and out. Returns 1 when it withheld more. */
int vigil_fairness_partition(const double *count, size_t m, size_t k, double total, int total_shown,
                             size_t min_cell, int *shown);

/* The level counts of G groups over the same n cases (a composition table): level[g][i] is
 * case i's level in group g (0..n_levels[g]-1, every case one), withheld[g][l] out. A count
 * 1..min_cell-1 is withheld, then vigil_fairness_complement within each group (total n) and
 * within each shown level of a group that another nests in ("sex+race" in "sex"), to a fixed
 * point. VIGIL_ENOMEM or 0. */
int vigil_fairness_levels_withheld(int *const *withheld, const uint32_t *const *level, const size_t *n_levels,
                                   size_t G, size_t n, size_t min_cell);

/* The same for a composition table as stored (the report's): group g's level l has count[g][l]
 * cases (NaN: withheld upstream, not known), its name level[g][l]; the groups' levels each
 * partition `total` cases, and a group named "a+b" nests in the groups "a" and "b" (its level
 * "x+y" within their levels x and y). withheld[g][l] in (0 or 1) and out. VIGIL_ENOMEM or 0. */
int vigil_fairness_composition_withheld(int *const *withheld, const double *const *count,
                                        const char *const *const *level, const size_t *n_levels,
                                        const char *const *group_name, size_t G, double total, size_t min_cell);

/* 1 when a threshold's confusion counts (tp, fp, fn, tn) may be shown. Their margins (events,
 * non-events, the flagged) are shown beside them, so one withheld cell follows from the other
 * three: any cell 1..min_cell-1 withholds all four. */
int vigil_fairness_confusion_ok(const double cell[4], size_t min_cell);

typedef struct {
    double demographic_parity_difference; /* selection rate max - min */
    double demographic_parity_ratio;      /* selection rate min / max */
    double equalized_odds_difference;     /* max(TPR max - min, FPR max - min) */
    double equal_opportunity_difference;  /* TPR max - min */
    double auroc_gap;                     /* AUROC max - min */
    double calibration_gap_ece;           /* ECE max - min */
    double calibration_gap_citl;          /* calibration-in-the-large max - min */
    double calibration_gap;               /* the CITL gap (log-odds): what suites' calibration_gap means */
} vigil_disparities;

/* Disparities across `n` levels from per-level rates (NaN: leave that level out). */
void vigil_fairness_disparities(const double *selection_rate, const double *tpr,
                                const double *fpr, const double *auroc, const double *ece,
                                const double *citl, size_t n, vigil_disparities *out);

/* Intersection of several group columns: one code per distinct combination that occurs,
 * level names joined with '+' ("F+65-74"); a row missing in any column is missing (-1).
 * *codes (n entries) and *levels are freed by the caller with vigil_table_levels_free(). */
int vigil_fairness_intersect(const int32_t *const *codes, const char *const *const *levels,
                             size_t n_cols, size_t n, int32_t **out_codes, char ***out_levels,
                             size_t *out_n_levels);

#ifdef __cplusplus
}
#endif
#endif
