/* Private to the suite runner: the state of one run, shared by runner.c (loading, lineage, the
 * run and its result), runner_observe.c (each criterion's observation and verdict) and
 * runner_engines.c (replay, SHAP and drift for the criteria that need them). */
#ifndef VIGIL_SUITE_RUNNER_INTERNAL_H
#define VIGIL_SUITE_RUNNER_INTERNAL_H

#include "suite/criteria.h"
#include "vigil/error.h"
#include "vigil/metrics.h"
#include "vigil/model.h"
#include "vigil/store.h"
#include "vigil/suite.h"
#include "vigil/table.h"

#include <cjson/cJSON.h>

typedef struct {
    char *name;                /* "sex" or "sex+age_band" */
    int32_t *codes;            /* n */
    char **levels;
    size_t n_levels;
} group_t;

typedef struct {
    vigil_suite_def def;
    const vigil_suite_options *opt;
    vigil_table *t;
    size_t n;
    const double *label;
    const double *decision; /* $.data.columns.decision, checked 0/1; NULL: none */
    const double *followup, *event; /* $.data.columns.followup_time / event, checked; NULL: none */
    double *cand, *pred;       /* scores */
    const double *shadow;
    vigil_model *mc, *mp;
    float *Xc;                 /* candidate feature matrix (for SHAP) */
    group_t *groups;
    size_t n_groups;
    double *thr;
    size_t n_thr;
    cJSON *mcand, *mpred;      /* metrics documents (built as trees, never parsed back) */
    vigil_metrics_report *rcand, *rpred; /* the reports behind them: criteria read these */
    cJSON *doc;                /* the result */
    cJSON *replay[2];          /* candidate, predecessor */
    cJSON *explain;
    cJSON *drift;
    vigil_table *train;
} run_t;

static inline int vigil_suite_oom(void) { return vigil_error_set(VIGIL_ENOMEM, "out of memory"); }

static inline void vigil_suite_progress(run_t *r, const char *stage, size_t done, size_t total)
{
    if (r->opt && r->opt->progress) r->opt->progress(r->opt->progress_ctx, stage, done, total);
}

/* The metrics report of one score and its document (runner_observe.c). */
int vigil_suite_metrics_doc(run_t *r, const double *score, const double *compare, cJSON **out,
                            vigil_metrics_report **keep);
/* Observe criterion ci, evaluate it, append its entry to `out` and its numbers to `res`. */
int vigil_suite_evaluate(run_t *r, size_t ci, cJSON *out, int *all_pass, vigil_results *res);

/* The engines other modules provide (runner_engines.c); each refuses when not built. */
int vigil_suite_replay(run_t *r, int which, double tolerance);
int vigil_suite_explain(run_t *r);
int vigil_suite_drift(run_t *r, const vigil_criterion *c, size_t *alarms, cJSON **section);

#endif
