/* vigil — the life of one stored run, and the commands' jobs built on it.
 *
 * Every command that stores a run goes begin -> compute -> store -> finish-or-fail. That life
 * is kept here, once: vigil_run_begin() records the run "running" (vigil_store_run_begin);
 * vigil_run_finish() writes the results, the verdict and the audit entry in ONE transaction;
 * anything else ends it "failed". A finish that fails marks the run failed too, so a run is
 * never left "running" by a process that is still alive to say why; a process killed in
 * between leaves it "running", which listings show as "interrupted" (see store.h).
 *
 * A run begun without a store (store NULL: --no-store) stores nothing: every call succeeds
 * and its id is 0.
 *
 * The jobs (vigil_run_monitor, ...) do the whole life of one command's run and hand back the
 * document the command prints, so a front end only parses its arguments, calls and prints.
 *
 * Ownership: handles and results from _begin/_monitor are freed with their NULL-safe _free;
 * strings from getters belong to the object. */
#ifndef VIGIL_RUN_H
#define VIGIL_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/backend.h"
#include "vigil/explain.h"
#include "vigil/metrics.h"
#include "vigil/multiclass.h"
#include "vigil/model.h"
#include "vigil/monitor.h"
#include "vigil/phi.h"
#include "vigil/results.h"
#include "vigil/store.h"
#include "vigil/table.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vigil_run vigil_run;

/* Begin a run of `spec` in `store` (NULL: a run that stores nothing). */
int vigil_run_begin(vigil_run **out, vigil_store *store, const vigil_run_spec *spec);
/* The run's id in the store; 0 for a run without a store. */
int64_t vigil_run_id(const vigil_run *run);
/* Store `res` (may be NULL) with `passed` (1 pass, 0 fail, -1 not applicable) and end the run
 * "completed", in one transaction. When that fails the run is marked "failed" with the
 * reason, and the reason is what vigil_error_last() says. Ending a run twice is VIGIL_EINTERNAL. */
int vigil_run_finish(vigil_run *run, const vigil_results *res, int passed);
/* End the run "failed" with `why` (NULL: vigil_error_last()). The error slot keeps what it
 * held: the cause of the failure is what the caller reports, not a failure to record it. A
 * run already ended is left alone. Returns VIGIL_OK when the failure is recorded (or there is
 * nothing to record), else the store's code: the run then reads "interrupted" once this
 * process ends, and a caller must not say it was stored failed. */
int vigil_run_fail(vigil_run *run, const char *why);
/* Release the handle; a run not yet ended is marked failed first (with vigil_error_last()),
 * so a `goto done` path cannot leave it "running". */
void vigil_run_free(vigil_run *run);

/* ---- cases for a model ------------------------------------------------------------- */

/* A case file read for a model (predict, replay, explain): the model's features, matched by
 * name, plus the id and any extra columns, read once, through the PHI guard, then bound into
 * a float32 feature matrix. The struct owns everything it points to. */
typedef struct {
    vigil_model *model;
    vigil_table *table;
    float *X;     /* n x n_features, row-major */
    size_t n;
    int id_col;   /* -1 without an id column */
    size_t *unseen; /* n_features: cases with an unseen category code (vigil_model_unseen_categories) */
} vigil_cases;

typedef struct {
    const char *id;                /* id column (read as text), or NULL: row numbers */
    const char *const *extra;      /* other columns to keep (e.g. a recorded score) */
    size_t n_extra;
    const vigil_phi_allow *allow;  /* columns let through the PHI guard, with why */
    size_t n_allow;
    int all_trees;                 /* 1: every tree of an early-stopped model (model.h) */
    char delimiter;                /* the file's field separator (vigil_csv_options); 0: ',' */
} vigil_cases_options;

#define VIGIL_CASES_OPTIONS_INIT {NULL, NULL, 0, NULL, 0, 0, ','}

/* Load `model_path` and the cases of `data_path` for it (opt may be NULL). A file without data
 * rows is VIGIL_EINVAL. On failure *out is cleared. */
int vigil_cases_load(vigil_cases *out, const char *model_path, const char *data_path,
                     const vigil_cases_options *opt);
/* Free what the struct owns and zero it (NULL-safe, and safe on a zeroed struct). */
void vigil_cases_clear(vigil_cases *c);
/* The id of row i as text: the id column's value, else the 1-based row number. */
void vigil_cases_id(const vigil_cases *c, size_t i, char *buf, size_t cap);
/* Write `out` atomically (out.tmp, then renamed): a header of `id_name` (NULL: "row") and
 * `cols`, then one line per case: its id and its ncols values (%.10g) from the row-major
 * `values`. Nothing is left behind on failure. */
int vigil_cases_write_csv(const vigil_cases *c, const char *id_name, const char *out,
                          const char *const *cols, size_t ncols, const double *values);

/* ---- vigil metrics ------------------------------------------------------------------ */

/* The most columns one group spec may join ("a+b+c": an intersection). */
#define VIGIL_GROUP_SPEC_MAX 8

/* Split a group spec "a+b" in place (at its '+') into column names; returns how many the spec
 * names. Only the first `cap` are stored in parts: a return above cap is a spec the caller
 * must refuse (never silently shortened). An empty name (a spec of "", "a+", "+b", "a++b")
 * comes back as "". */
size_t vigil_group_spec_split(char *buf, char **parts, size_t cap);

typedef struct {
    const char *db_path;            /* the run store, or NULL: store nothing */
    const char *compare;            /* a second score column: paired DeLong test, or NULL */
    const char *const *groups;      /* subgroup columns, COL or A+B */
    size_t n_groups;
    const double *thresholds;       /* NULL: 0.5 */
    size_t n_thresholds;
    size_t bootstrap;               /* replicates (0 skips) */
    uint64_t seed;
    unsigned threads;               /* 0: all cores */
    size_t min_cell;                /* 0: 11 */
    int lowess_bootstrap;           /* 0 auto, 1 on, -1 off */
    const vigil_phi_allow *allow;
    size_t n_allow;
    /* The human in the loop (human.h), NULL: none. decision: the clinician's final action,
     * 0 or 1, on every row; the others need it: exposure (>= 0 on every row, e.g.
     * patient-days), decision_time (>= 0, empty where there was no action), arm (1 assisted,
     * 0 unassisted), override_reason (text, empty where none was given). */
    const char *decision, *exposure, *decision_time, *arm, *override_reason;
    /* Time to event (survival.h), NULL: none. time: follow-up column (>= 0 on every row),
     * event: 1 event, 0 censored; horizon > 0, in time's unit, at most the largest time. The
     * score is then the predicted risk of the event by the horizon, and the label may be NULL
     * (the report is then the time-to-event block alone). */
    const char *time, *event;
    double horizon;
    /* Multi-class (multiclass.h), NULL: none. The columns class_scores<class> hold each class's
     * probability and the label column the class; the score argument is then NULL and the
     * document holds the `multiclass` block instead of the binary metrics. top_k: 0 is 3. */
    const char *class_scores;
    size_t top_k;
    /* Sequestration (NULL: not checked). train_ids is the training file, train_ids_column its
     * id column (NULL: the name of `id`); id the case file's id column (NULL: the name of
     * train_ids_column). The run stores how many cases' ids also occur in the training file
     * (sequestration.overlap; a count, never the ids) and records the file with the run. */
    const char *train_ids, *train_ids_column, *id;
    char delimiter;                 /* the case file's field separator (vigil_csv_options); 0: ',' */
    vigil_backend_kind backend;     /* the bootstrap's backend (vigil_metrics_options.backend) */
} vigil_run_metrics_options;

#define VIGIL_RUN_METRICS_OPTIONS_INIT {NULL, NULL, NULL, 0, NULL, 0, 200, 1, 0, 0, 0, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0.0, NULL, 3, NULL, NULL, NULL, ',', VIGIL_BACKEND_AUTO}

typedef struct vigil_run_metrics_result vigil_run_metrics_result;

/* Validation metrics of the score column `score` against `label` in `data`: read and check
 * the file (naming the option whose column it lacks), resolve the groups, begin the run,
 * compute (vigil_metrics_compute), store and finish, or mark the run failed. */
int vigil_run_metrics(vigil_run_metrics_result **out, const char *data, const char *score,
                      const char *label, const vigil_run_metrics_options *opt);
void vigil_run_metrics_result_free(vigil_run_metrics_result *r);
/* The document `vigil metrics --format json` prints and the run stores: run_id first (null
 * without a store), then the report (vigil_metrics_report_json). */
const char *vigil_run_metrics_result_json(const vigil_run_metrics_result *r);
/* The report's tables (vigil_metrics_report_text). */
const char *vigil_run_metrics_result_text(const vigil_run_metrics_result *r);
int64_t vigil_run_metrics_result_run_id(const vigil_run_metrics_result *r);
/* The report itself, for its typed getters (metrics.h); it belongs to the result. NULL for a
 * multi-class run. */
const vigil_metrics_report *vigil_run_metrics_result_report(const vigil_run_metrics_result *r);
/* The multi-class report of a run with class_scores (multiclass.h), else NULL. */
const vigil_multiclass_report *vigil_run_metrics_result_multiclass(const vigil_run_metrics_result *r);

/* ---- vigil replay ------------------------------------------------------------------- */

typedef struct {
    const char *db_path;        /* the run store, or NULL: store nothing */
    const char *id;             /* id column naming disagreeing cases, or NULL: row numbers */
    double tolerance;           /* largest difference that still agrees */
    size_t max_ids;             /* disagreeing ids listed */
    vigil_backend_options backend;
    const vigil_phi_allow *allow;
    size_t n_allow;
    int all_trees;              /* 1: every tree of an early-stopped model; 0: to best_iteration */
    char delimiter;             /* the data file's field separator; 0: ',' */
} vigil_run_replay_options;

#define VIGIL_RUN_REPLAY_OPTIONS_INIT {NULL, NULL, 1e-6, 20, VIGIL_BACKEND_OPTIONS_INIT, NULL, 0, 0, ','}

typedef struct vigil_run_replay_result vigil_run_replay_result;

/* Shadow-mode replay: load the cases of `data` for `model` (with the recorded score column
 * `shadow`), begin the run, re-score, compare (vigil_replay_compute), store the comparison
 * ("passed" is reproduced) and finish, or mark the run failed. */
int vigil_run_replay(vigil_run_replay_result **out, const char *model, const char *data,
                     const char *shadow, const vigil_run_replay_options *opt);
void vigil_run_replay_result_free(vigil_run_replay_result *r);
/* The document `vigil replay --format json` prints: the comparison, reproduced, model,
 * backend, run_id (when stored) and seconds. */
const char *vigil_run_replay_result_json(const vigil_run_replay_result *r);
int vigil_run_replay_result_reproduced(const vigil_run_replay_result *r);
int64_t vigil_run_replay_result_run_id(const vigil_run_replay_result *r);
size_t vigil_run_replay_result_n(const vigil_run_replay_result *r);
size_t vigil_run_replay_result_n_disagree(const vigil_run_replay_result *r);
double vigil_run_replay_result_agreement(const vigil_run_replay_result *r);
double vigil_run_replay_result_max_abs_diff(const vigil_run_replay_result *r);
double vigil_run_replay_result_mean_abs_diff(const vigil_run_replay_result *r);
/* The first disagreeing ids (at most max_ids): ids, or "row N". */
size_t vigil_run_replay_result_n_ids(const vigil_run_replay_result *r);
const char *vigil_run_replay_result_id(const vigil_run_replay_result *r, size_t i);

/* ---- vigil explain ------------------------------------------------------------------ */

typedef struct {
    const char *db_path;           /* the run store, or NULL: store nothing */
    const char *id;                /* id column copied to the attribution file, or NULL */
    const char *background;        /* background case file (linear, MLP), or NULL: the data */
    const char *const *groups;     /* columns to break the importance down by */
    size_t n_groups;
    const vigil_phi_allow *allow;
    size_t n_allow;
    vigil_backend_kind backend;    /* trees: AUTO uses CUDA when a device answers */
    int threads;                   /* <= 0: all cores */
    uint64_t seed;                 /* MLP background sample */
    size_t max_background;         /* MLP background rows used */
    vigil_mlp_method mlp_method;
    size_t mlp_samples;            /* KernelSHAP coalitions per case (0: 2048) */
    int all_trees;                 /* 1: every tree of an early-stopped model; 0: to best_iteration */
    char delimiter;                /* field separator of the data and background files; 0: ',' */
} vigil_run_explain_options;

#define VIGIL_RUN_EXPLAIN_OPTIONS_INIT \
    {NULL, NULL, NULL, NULL, 0, NULL, 0, VIGIL_BACKEND_AUTO, 0, 1, 100, VIGIL_MLP_AUTO, 0, 0, ','}

typedef struct vigil_run_explain_result vigil_run_explain_result;

/* SHAP attributions of every case of `data` for `model`, written to `out` (a CSV: the id, one
 * column per feature and base_value, per class for multi-class), their summary (global and per
 * group importance, completeness against the inference core) stored as the run's result; the
 * run is finished, or marked failed. */
int vigil_run_explain(vigil_run_explain_result **out, const char *model, const char *data,
                      const char *out_path, const vigil_run_explain_options *opt);
void vigil_run_explain_result_free(vigil_run_explain_result *r);
/* The document `vigil explain --format json` prints (with out, rows_per_second, seconds). */
const char *vigil_run_explain_result_json(const vigil_run_explain_result *r);
int64_t vigil_run_explain_result_run_id(const vigil_run_explain_result *r);
size_t vigil_run_explain_result_n(const vigil_run_explain_result *r);
const char *vigil_run_explain_result_describe(const vigil_run_explain_result *r);
const char *vigil_run_explain_result_method(const vigil_run_explain_result *r);
vigil_backend_kind vigil_run_explain_result_backend(const vigil_run_explain_result *r);
/* Largest |base + sum of attributions - margin| over all rows and outputs. */
double vigil_run_explain_result_max_abs_error(const vigil_run_explain_result *r);
/* KernelSHAP: coalitions per case (0 otherwise) and the largest standard error. */
size_t vigil_run_explain_result_samples(const vigil_run_explain_result *r);
double vigil_run_explain_result_max_se(const vigil_run_explain_result *r);
/* Global importance (mean |SHAP|), in the model's feature order. */
size_t vigil_run_explain_result_n_features(const vigil_run_explain_result *r);
void vigil_run_explain_result_importance(const vigil_run_explain_result *r, size_t j,
                                         const char **feature, double *mean_abs_shap);

/* ---- vigil monitor run ---------------------------------------------------------------- */

typedef struct {
    const char *db_path;    /* the run store (also the reference-statistics cache); required */
    const char *lock_path;  /* NULL: vigil_monitor_lock_path(m, db_path) */
    double lock_timeout;    /* seconds to wait for another run of the same monitor */
    int threads;            /* <= 0: all cores */
    const char *monitor_file; /* the path the monitor was loaded from (in the alert) */
} vigil_run_monitor_options;

#define VIGIL_RUN_MONITOR_OPTIONS_INIT {NULL, NULL, 600, 0, NULL}

typedef struct vigil_run_monitor_result vigil_run_monitor_result;

/* One monitor run: take the monitor's lock, open the store, load the data, begin the run,
 * run the tests, act on an alarm (vigil_monitor_alert), store the result and finish the run
 * ("passed" is no alarm), or mark it failed. The lock is released before returning. */
int vigil_run_monitor(vigil_run_monitor_result **out, const vigil_monitor *m,
                      const vigil_run_monitor_options *opt);
void vigil_run_monitor_result_free(vigil_run_monitor_result *r);
/* The result document (monitors/README.md) with run_id, lock, alert and seconds: what the
 * command prints with --format json and what the run stored as "result" (the printed one also
 * has "checkpoint" when the monitor writes one: it comes after the run is stored). */
const char *vigil_run_monitor_result_json(const vigil_run_monitor_result *r);
/* The readable summary (vigil_monitor_result_text). NULL when out of memory. */
const char *vigil_run_monitor_result_text(const vigil_run_monitor_result *r);
int vigil_run_monitor_result_alarm(const vigil_run_monitor_result *r);
int64_t vigil_run_monitor_result_run_id(const vigil_run_monitor_result *r);
/* What failed when acting on the alarm ("" when nothing did); the alarm stands regardless. */
const char *vigil_run_monitor_result_alert_error(const vigil_run_monitor_result *r);
/* The night's checkpoint ($.checkpoint): 0 none asked for, 1 written (*file its path), -1
 * not written (*error why; the run is stored all the same). file and error may be NULL. */
int vigil_run_monitor_result_checkpoint(const vigil_run_monitor_result *r, const char **file,
                                        const char **error);

#ifdef __cplusplus
}
#endif
#endif
