/* Private to the suite runner: the state of one run, shared by runner.c (loading, lineage, the
 * run and its result), runner_observe.c (each criterion's observation and verdict) and
 * runner_engines.c (replay, SHAP and drift for the criteria that need them). */
#ifndef VIGIL_SUITE_RUNNER_INTERNAL_H
#define VIGIL_SUITE_RUNNER_INTERNAL_H

#include "run/data_source.h"
#include "suite/criteria.h"
#include "vigil/error.h"
#include "vigil/metrics.h"
#include "vigil/model.h"
#include "vigil/multiclass.h"
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
    vigil_data_source src;     /* what $.data.join read and did (empty for a case file) */
    size_t n;
    const double *label;
    const double *decision; /* $.data.columns.decision, checked 0/1; NULL: none */
    /* its companions ($.data.columns.exposure, decision_time, arm, override_reason), checked */
    const double *exposure, *decision_time, *arm;
    int32_t *reason;
    char **reason_levels;
    size_t n_reason_levels;
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
    /* a multi-class suite ($.data.columns.class_scores; runner_multiclass.c): classes, each
     * case's class, the class probability columns of both models (into t), their reports */
    size_t mc_k;
    char **mc_names;
    int32_t *mc_label;
    const double **mc_cand, **mc_pred;
    vigil_multiclass_report *mrcand, *mrpred;
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

/* Multi-class suites (runner_multiclass.c): the class columns both prefixes name, from the
 * data file's header (to load them); after loading, the labels as classes and the
 * probabilities, checked with file:line:column; the two reports and their documents; one
 * criterion's observation (a level's or the overall value, a gap, or candidate minus
 * predecessor with a paired bootstrap interval). */
int vigil_suite_mc_columns(const vigil_suite_def *d, char ***cols, size_t *n);
int vigil_suite_mc_prepare(run_t *r);
int vigil_suite_mc_metrics(run_t *r);
void vigil_suite_mc_clear(run_t *r);
int vigil_suite_mc_observe(run_t *r, const vigil_criterion *c, size_t ci, vigil_observation *ob, double *lv,
                           double *llo, double *lhi, const char **lnames, size_t *nl, const char **method,
                           vigil_metric_value *why);

/* The engines other modules provide (runner_engines.c); each refuses when not built. */
int vigil_suite_replay(run_t *r, int which, double tolerance);
int vigil_suite_explain(run_t *r);
int vigil_suite_drift(run_t *r, const vigil_criterion *c, size_t *alarms, cJSON **section);

#endif
