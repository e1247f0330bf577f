/* Monitor data selection (internal): the two windows as tables, and their scores. */
#ifndef VIGIL_MONITOR_SELECT_H
#define VIGIL_MONITOR_SELECT_H

#include "monitor/monitor_internal.h"
#include "run/data_source.h"
#include "vigil/table.h"

/* The empty days of a date window listed in the result (the count is always there). */
#define MON_EMPTY_DAYS_LISTED 31

typedef struct {
    vigil_table *all, *all_ref;  /* the data file, and reference_data when given */
    vigil_data_source src;       /* what $.data.join read and did (empty for a case file) */
    vigil_table *ref, *cur;      /* the windows' rows (NULL when insufficient) */
    double *score_ref, *score_cur; /* prediction per row (score column or model), or NULL */
    char ref_label[64], cur_label[64];
    /* why a window holds fewer than min_samples cases (malloc'd), or NULL: then nothing is
     * tested, but the files were read (the failed run records what it read) */
    char *insufficient;
    /* a date current window: its days without a case, and the first of them */
    size_t empty_days;
    long empty_day[MON_EMPTY_DAYS_LISTED];
} mon_data;

/* Load the data, select the windows and compute scores when prediction drift, the CUSUM or
 * the decisions need them. A window under min_samples is not an error here: d->insufficient says why and
 * the rest is skipped (vigil_monitor_run refuses such data; the run layer stores the night as
 * a failed run first). Warns (vigil_warn) when the current window has empty days. */
int vigil_mon_data_load(mon_data *d, const vigil_monitor *m, int threads);
void vigil_mon_data_clear(mon_data *d);

struct vigil_monitor_data {
    mon_data d;
    double seconds; /* loading */
};

/* Pooled two-proportion z-test (statsmodels proportions_ztest): x1 of n1 vs x2 of n2.
 * *z and *p (two-sided) are NaN when both proportions are 0 or 1. */
void vigil_mon_two_proportion(double x1, double n1, double x2, double n2, double *z, double *p);
/* Cohen's h = 2 asin sqrt(p2) - 2 asin sqrt(p1). */
double vigil_mon_cohens_h(double p1, double p2);
/* Label drift's rule: x0 of n0 (reference) against x1 of n1 (current), the pooled z-test's z
 * and p and Cohen's h; 1 (drift) when p < alpha and |h| >= floor. */
int vigil_mon_label_verdict(double x0, double n0, double x1, double n1, double alpha, double floor, double *z,
                            double *p, double *h);

#endif
