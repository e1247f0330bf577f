/* Drift engine internals shared by src/stats/drift*.c. */
#ifndef VIGIL_DRIFT_INTERNAL_H
#define VIGIL_DRIFT_INTERNAL_H

#include "vigil/drift.h"

#include <cjson/cJSON.h>

void vigil_drift_sort(double *x, size_t n);
double vigil_drift_ks_stat_sorted(const double *x, size_t n1, const double *y, size_t n2);
void vigil_drift_anderson_sorted(const double *x, size_t n1, const double *y, size_t n2, double *stat,
                           double *p);
void vigil_drift_cvm_sorted(const double *x, size_t n1, const double *y, size_t n2, double *stat,
                      double *p);
double vigil_drift_wasserstein_sorted(const double *x, size_t n1, const double *y, size_t n2);
/* The four above in one walk, the same numbers to the bit (drift_tests.c). */
typedef struct {
    double ks, ad_stat, ad_p, cvm_stat, cvm_p, wasserstein;
} vigil_drift_two_sample;
void vigil_drift_two_sample_sorted(const double *x, size_t n1, const double *y, size_t n2,
                                   vigil_drift_two_sample *out);
/* The PSI bins' counts of ascending values (cnt: n_edges + 1): bin b holds (edge[b-1], edge[b]]. */
void vigil_drift_bin_counts(const double *a, size_t na, const double *edges, size_t n_edges, double *cnt);

/* The reference side (drift.c builds it, drift_ref.c (de)serialises it): one layout, here. */
typedef struct {
    char *name;
    int type;
    size_t n, n_missing;       /* non-missing values, missing ones */
    double *sorted;            /* numeric: ascending non-missing reference values */
    double mean, sd;           /* numeric: sample SD (ddof = 1) */
    double *edges;             /* numeric: unique PSI cut points */
    size_t n_edges;
    char **levels;             /* categorical: level strings and counts */
    double *counts;
    size_t n_levels;
} drift_ref_feat;

struct vigil_drift_reference {
    drift_ref_feat *f;
    size_t nf;
    int explicit_features;     /* features were named: a missing one in cur is an error */
    size_t psi_bins;
    char *source;
    /* MMD subsample: rows with every numeric feature present, standardised by mean/sd */
    double *mmd_x;
    size_t mmd_rows, mmd_d;
};

/* One test's entry of a drift document: tests.<name>.{stat, p} (p left out when has_p is 0),
 * NaN as null. The drift command and the monitor write their tests through it. */
void vigil_drift_test_json(cJSON *tests, const char *name, double stat, double p, int has_p);

/* vigil_drift_result_json's document as a tree, for callers inside the library (the suite's
 * drift gate embeds it) that would otherwise print it and parse it back. NULL when out of
 * memory; caller cJSON_Delete()s. */
cJSON *vigil_drift_result_cjson(const vigil_drift_result *r);

#endif
