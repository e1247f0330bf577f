/* A monitor's stored record (internal): the nights of one monitor, loaded and ordered by their
 * data window, shared by the record report (monitor_report.c) and the exports
 * (monitor_export.c). */
#ifndef VIGIL_REPORT_MONITOR_REPORT_H
#define VIGIL_REPORT_MONITOR_REPORT_H

#include "report/report_internal.h"
#include "vigil/report.h"
#include "vigil/store.h"

#include <cjson/cJSON.h>

typedef struct {
    vigil_run_info info;
    cJSON *doc;       /* the stored result of a completed run, else NULL */
    char label[64];   /* the current window as stored, or "" when the run did not record one */
    int is_date;      /* the window's bounds are dates (days since 1970 in `end`) */
    int by_run_date;  /* no window recorded: placed on the axis by the day the run started */
    double end;       /* the window's last day (or number): the x axis */
} vigil_mrec_night;

typedef struct {
    vigil_store *s;
    const vigil_report_options *o;
    const char *name;
    vigil_mrec_night *n;
    size_t nn;
    vigil_audit_result audit;
    rdoc d;
    int min_cell;
    size_t n_failed, n_missing, n_alarms, n_configs;
    double step;      /* the cadence of the date windows over the whole record (see cadence()) */
} vigil_mrec;

/* Every run of monitor c->name (c->s, c->name set, the rest zero) whose window ends from
 * `from` to `to` (NULL: unbounded), ordered by the window's end, the cadence over the whole
 * record in c->step, the failed, alarmed and missing nights counted, the audit chain verified. VIGIL_EINVAL naming what is wrong (no such
 * monitor, no night in the range, a bound that is not a date or number or not of the windows'
 * kind, a stored result that is not JSON). vigil_mrec_free() in every case. */
int vigil_mrec_load(vigil_mrec *c, const char *from, const char *to);
void vigil_mrec_free(vigil_mrec *c);
/* How many nights the cadence expects between night i - 1 and night i that have no run (0 for
 * the first night, numeric windows, or a night placed by its run date). */
size_t vigil_mrec_gap(const vigil_mrec *c, size_t i);
/* The largest |effect| over a stored result's features (NAN when none), its feature in *which. */
double vigil_mrec_largest(const cJSON *doc, const char **which);
/* The end of a night's window as shown: YYYY-MM-DD, the number, or "(not recorded)". */
void vigil_mrec_end(const vigil_mrec_night *x, char *out, size_t cap);

#endif
