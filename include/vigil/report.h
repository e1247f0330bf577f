/* vigil — PCCP evidence reports built only from stored runs.
 *
 * vigil_report_write() reads one completed run from the store (a `suite` run, or a `metrics`
 * run for a performance-only report), the monitor runs linked to its model, earlier suite runs
 * of the same model line, and the store's audit verdict; it never recomputes a statistic. It
 * writes into `out_dir`:
 *   report.html     one self-contained page (inline CSS and SVG, no scripts, print CSS)
 *   report.md       the same content in Markdown, plots as plot-*.svg files beside it
 *   evidence.json   every number the report shows, machine-readable
 *   model-card.xml  a CHAI Applied Model Card (mc-schema v0.2)
 *   report.pdf      (opt->pdf) the HTML printed by headless Chromium
 * The files are written into a fresh "<out_dir>.tmp-XXXXXX" and renamed into place at the end,
 * so a failure never leaves a half report that looks whole; only a report's own files are ever
 * removed, never through a symlink, and they are created 0600 (directories 0700). Plots are drawn with gnuplot found on PATH;
 * without it the report says where each plot would be.
 *
 * Small cells: no count from 1 to min_cell-1 (default 11) appears anywhere in the output,
 * with secondary suppression where a total would let a reader derive one.
 */
#ifndef VIGIL_REPORT_H
#define VIGIL_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/store.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vigil_store;

typedef struct {
    const char *out_dir;   /* required; replaced when it exists and holds a previous report */
    const char *db_label;  /* the store path, quoted in the reproduce commands (may be NULL) */
    int no_plots;          /* 1: do not run gnuplot (each plot gets its note) */
    int pdf;               /* 1: also write report.pdf through headless Chromium (VIGIL_EINVAL
                              when it is not on PATH, checked before anything is written) */
    int force;             /* 1: write into a non-empty out_dir that is not a previous report
                              (only the report's own files there are replaced) */
    double dca_low, dca_high; /* the decision curve's threshold range, 0 <= low < high <= 1;
                              high 0: the default (from 0 to twice the threshold where treating
                              all stops paying, and past every operating threshold) */
    /* signed checkpoints (their texts, as `vigil audit checkpoint` wrote them) the store must
     * still extend, and the public key they are signed with: a report from a store that does
     * not extend one of them says the audit trail is broken (NOT IMPLEMENTABLE), as a broken
     * chain does; none: the chain alone is checked */
    const char *const *checkpoints;
    size_t n_checkpoints;
    const char *pubkey;
} vigil_report_options;

/* The defaults: no out_dir (the caller must set it), no store path in the reproduce commands,
 * plots drawn, no PDF, an existing directory that is not a report refused, the default
 * decision-curve range, no checkpoints. */
#define VIGIL_REPORT_OPTIONS_INIT {NULL, NULL, 0, 0, 0, 0, 0, NULL, 0, NULL}

typedef struct {
    int64_t run_id;
    char kind[16];         /* "suite" or "metrics" */
    int passed;            /* 1 every criterion passed, 0 one failed, -1 no criteria */
    int implementable;     /* 1 when the modification may be implemented under the PCCP */
    int audit_ok;          /* the store's audit chain verified */
    size_t n_criteria, n_failed;
    size_t n_plots, n_plots_drawn; /* plots the report has / that gnuplot drew */
    size_t n_monitor_runs;
    char audit_head[65];
} vigil_report_summary;

/* Build the report of run `run_id`. VIGIL_EINVAL with a message when the run does not exist,
 * did not complete (failed, running or interrupted), is of a kind without a report, or its
 * stored result cannot be read, or the decision-curve range is not 0 <= low < high <= 1;
 * VIGIL_EIO when the output cannot be written. */
int vigil_report_write(struct vigil_store *s, int64_t run_id, const vigil_report_options *opt,
                       vigil_report_summary *out);

typedef struct {
    size_t nights;                    /* stored runs in the range, completed or failed */
    size_t alarmed, failed, missing;  /* nights that alarmed, failed (reason shown), had no run */
    int audit_ok;
    char audit_head[65];
    size_t n_plots, n_plots_drawn;
} vigil_report_monitor_summary;

/* The record of the monitor `name` over time (issue 17): every stored run of it, ordered by the
 * end of its current data window (not the store id), those whose window ends from `from` to
 * `to` (NULL: unbounded; "YYYY-MM-DD", or a number for a numeric time column), with each
 * feature's effect, corrected p and missing rate, prediction and label drift, the CUSUM against
 * its limit and the cases per night; failed nights with their stored reason, and gaps in the
 * windows' cadence as missing nights. Written as report.html, report.md, plot-*.svg and
 * evidence.json into opt->out_dir exactly as vigil_report_write() writes (no model card).
 * VIGIL_EINVAL when the store has no run of that monitor in the range, or a bound is not a date
 * or number (or not of the kind of the monitor's windows); VIGIL_EIO when the output cannot be
 * written. One monitor per report: runs of other names are never joined in. */
int vigil_report_write_monitor(struct vigil_store *s, const char *name, const char *from, const char *to,
                               const vigil_report_options *opt, vigil_report_monitor_summary *out);

/* One stored monitor run as the history shows it: its current window (from the stored result,
 * or, for a night that stalled, from its stored reason; "" when not recorded), the features
 * that alarmed (NULL/0 for a run without a result) and the largest feature effect with its
 * feature (NAN/NULL when none), and the realised performance overall and per subgroup level.
 * Strings and arrays belong to the struct: vigil_report_monitor_night_clear(). */
enum { VIGIL_REPORT_WITHHELD_LEVEL = 1, VIGIL_REPORT_WITHHELD_AUROC = 2, VIGIL_REPORT_WITHHELD_OE = 4 };
typedef struct {
    char window[64];
    char **alarms;
    size_t n_alarms;
    int has_result;         /* 1 when the run stored a result (completed) */
    char *largest_feature;
    double largest_effect;
    /* the realised performance of the night's labelled cases (performance): has_performance 1
     * when stored; its AUROC with the interval and O/E (NAN when withheld or undefined); per
     * subgroup level ($.data.columns.groups), in the stored order, "group=level" with its AUROC
     * and O/E (NAN when withheld or undefined) and what the cell-size policy withholds of it
     * (VIGIL_REPORT_WITHHELD_*; 0: nothing, a NAN is then undefined) */
    int has_performance;
    double auroc, auroc_lo, auroc_hi, oe_ratio;
    size_t n_levels;
    char **level_name;
    double *level_auroc, *level_oe;
    unsigned *level_withheld;
} vigil_report_monitor_night;

/* Read what `run` (a 'monitor' run listed by vigil_store_list_runs) recorded. VIGIL_EINVAL when
 * it is of another kind or its stored result is not a JSON object. */
int vigil_report_monitor_night_get(struct vigil_store *s, const vigil_run_info *run, vigil_report_monitor_night *out);
void vigil_report_monitor_night_clear(vigil_report_monitor_night *n);

/* The record of monitor `name` for dashboards (issue 17), malloc'ed into *out (caller frees):
 * format "openmetrics": the OpenMetrics text exposition of its latest completed night (by data
 * window) -- one gauge family per feature effect, corrected p and drift flag, the alarm, the
 * cases (no sample when withheld), prediction and label drift, the CUSUM and its limit -- and
 * of the record (latest run's start time and whether it failed, failed and missing nights, the
 * audit verdict), ending "# EOF"; "csv": every night in window order, one row per feature
 * (failed nights with their reason, missing nights with status "missing"). VIGIL_EINVAL for
 * another format or a monitor without runs. */
int vigil_report_monitor_export(struct vigil_store *s, const char *name, const char *format, char **out);

/* The pooled report across partner sites (issue 22, `vigil pool --report DIR`), from the JSON
 * vigil_site_pool wrote: the pooled estimate of each measure with its CI and prediction
 * interval, a table per measure of each site's estimate, CI, weight and whether it lies inside
 * the prediction interval, and a forest plot per measure; written into opt->out_dir as
 * vigil_report_write does (report.html, report.md, plot-*.svg, evidence.json, report.pdf with
 * opt->pdf). `files` (nfiles) are the bundles' paths, listed in the report. VIGIL_EINVAL when
 * the document is not a pooled one or the directory is refused; VIGIL_EIO when it cannot be
 * written. */
typedef struct {
    size_t sites, outside; /* bundles pooled; (measure, site) pairs outside the prediction interval */
    size_t n_plots, n_plots_drawn;
} vigil_report_pool_summary;

int vigil_report_write_pool(const char *pooled_json, const char *const *files, size_t nfiles,
                            const vigil_report_options *opt, vigil_report_pool_summary *out);

#ifdef __cplusplus
}
#endif
#endif
