/* Monitor data selection (internal): the two windows as tables, and their scores. */
#ifndef VIGIL_MONITOR_SELECT_H
#define VIGIL_MONITOR_SELECT_H

#include "monitor/monitor_internal.h"
#include "run/data_source.h"
#include "vigil/drift.h"
#include "vigil/store.h"
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
    /* reference_data keyed by its bytes (vigil_mon_ref_file_keyed): ref_key the cache key of
     * the file as digested (a hit) or as parsed (a miss). On a hit ref_stats holds the cached
     * reference statistics and ref_rows the reference window's rows; the file was digested,
     * not parsed (all_ref, ref and score_ref stay NULL), ref_sha/ref_bytes its digest. */
    int ref_keyed;
    char ref_key[80];
    vigil_drift_reference *ref_stats;
    size_t ref_rows;
    char ref_sha[65];
    uint64_t ref_bytes;
} mon_data;

/* The reference window's rows (from the cache when the reference file was not parsed). */
size_t vigil_mon_ref_rows(const mon_data *d);
/* 1 when the reference statistics may be keyed by the reference file's bytes and a cache hit
 * may skip parsing it: $.reference_data.path is given, no model scores the cases, and no
 * enabled component reads the reference rows beyond the drift statistics (label drift, the
 * decisions and CBPE do; the CUSUM and the realised performance read the current window). */
int vigil_mon_ref_file_keyed(const vigil_monitor *m);
/* The cache key of the reference statistics of the reference file with SHA-256 `sha` and
 * `bytes` bytes: a version tag, the digest, the monitor file's text (its data config, features,
 * types, missing strings, delimiter, PHI allowances, tests and options), the resolved
 * reference window and psi_bins. */
int vigil_mon_ref_file_key(const vigil_monitor *m, const char *sha, uint64_t bytes, char out[80]);
/* The cached entry under `key`: 0 and *ref, *rows on a hit; nonzero (no message kept) on a
 * miss, an entry the audit log does not vouch for, or a blob that does not read back. */
int vigil_mon_ref_cache_get(vigil_store *cache, const char *key, vigil_drift_reference **ref, size_t *rows);
/* The blob stored under a file key: "VMRF1\0", the window's rows (uint64), the drift engine's
 * serialised reference statistics. */
int vigil_mon_ref_cache_put(vigil_store *cache, const char *key, const vigil_drift_reference *ref, size_t rows);

/* Load the data, select the windows and compute scores when prediction drift, the CUSUM or
 * the decisions need them. With `cache` (may be NULL) and a reference file keyed by its bytes,
 * a cache hit takes the reference statistics from the cache and leaves the file unparsed. A
 * window under min_samples is not an error here: d->insufficient says why and the rest is
 * skipped (vigil_monitor_run refuses such data; the run layer stores the night as a failed run
 * first). Warns (vigil_warn) when the current window has empty days. */
int vigil_mon_data_load(mon_data *d, const vigil_monitor *m, int threads, vigil_store *cache);
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
