/* Suite files and acceptance criteria (internal): parsing with every check done before any
 * computation, the metric catalogue, and the pure pass/fail evaluation of one criterion. */
#ifndef VIGIL_SUITE_CRITERIA_H
#define VIGIL_SUITE_CRITERIA_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "vigil/catalogue.h"

typedef enum {
    VIGIL_RULE_AT_LEAST,
    VIGIL_RULE_AT_MOST,
    VIGIL_RULE_BETWEEN,
    VIGIL_RULE_CI_LOW_AT_LEAST,
    VIGIL_RULE_CI_HIGH_AT_MOST,
    VIGIL_RULE_NON_INFERIOR,
    VIGIL_RULE_SUPERIOR,
    VIGIL_RULE_MAX_GAP,
    VIGIL_RULE_DRIFT_GATE
} vigil_rule;

/* What computing a metric needs, so the runner does only that work. */
enum {
    VIGIL_NEED_METRICS = 1,   /* the metrics engine on the scores */
    VIGIL_NEED_REPLAY = 2,    /* re-scoring the shadow log */
    VIGIL_NEED_EXPLAIN = 4,   /* SHAP */
    VIGIL_NEED_DRIFT = 8,     /* drift tests against training_data */
    VIGIL_NEED_FAIRNESS = 16, /* disparities across a group */
    VIGIL_NEED_MULTICLASS = 32 /* the multi-class engine on $.data.columns.class_scores */
};

/* A criterion's metric is a catalogue entry (include/vigil/catalogue.h). */
typedef vigil_metric_def vigil_metric_info;

/* The catalogue entry for `name` when a criterion may name it, or NULL. */
const vigil_metric_info *vigil_metric_lookup(const char *name);
/* "auroc, auprc, ..." for messages (static string). */
const char *vigil_metric_names(void);
/* What computing the metric needs (VIGIL_NEED_*). */
int vigil_metric_needs(const vigil_metric_info *m);
/* A difference of two rates of one run on the same cases (team_vs_model_*: the clinicians'
 * decisions against the model's flag): non_inferior and superior hold its own interval, with
 * no predecessor. */
bool vigil_metric_within_run_paired(const vigil_metric_info *m);

typedef struct {
    char *name;
    char *metric;
    const vigil_metric_info *info;
    vigil_rule rule;
    char *group;          /* scope.group, NULL for overall */
    bool every_level;
    double value, low, high, margin;
    double threshold;     /* for threshold metrics; NaN: the suite's first */
    double tolerance;     /* replay; default 1e-6 */
    char *model;          /* replay: "candidate" (default) or "predecessor" */
    char *feature;        /* shap_importance */
    char **features;      /* drift_gate */
    size_t n_features;
    double alpha;         /* drift_gate, default 0.01 */
} vigil_criterion;

typedef struct {
    char *file;           /* the suite file */
    char *text;           /* its bytes, stored with the run */
    char *name, *version, *description;
    char *candidate, *predecessor; /* model paths (resolved), NULL when absent */
    vigil_data_config data;
    bool has_training;
    vigil_data_config training;    /* training_data: data section with only a path */
    uint64_t seed;
    size_t bootstrap;
    double *thresholds;
    size_t n_thresholds;
    size_t min_cell;
    vigil_criterion *criteria;
    size_t n_criteria;
    cJSON *pccp;          /* quoted verbatim (owned) */
    int needs;            /* union over the criteria */
} vigil_suite_def;

/* Load and validate a suite file completely (no data is read). */
int vigil_suite_def_load(vigil_suite_def *out, const char *path);
void vigil_suite_def_clear(vigil_suite_def *s);

/* What was observed for one criterion. For every-level rules and max_gap, the per-level
 * values (levels[] names, n_levels); suppressed levels are already left out. */
typedef struct {
    double value, ci_low, ci_high;
    const char *method;
    const double *level_values;
    const double *level_ci_low;
    const double *level_ci_high;
    const char *const *level_names;
    size_t n_levels;
    size_t n_alarms;           /* drift gate */
    const char *why;           /* optional: why value is NaN (quoted in the verdict) */
    const char *const *level_why; /* optional, per level: why its value is NaN (NULL: not known) */
} vigil_observation;

typedef struct {
    bool pass;
    bool evaluable;            /* false: the observation was missing (NaN): the criterion fails */
    double observed, ci_low, ci_high;
    char threshold[64];        /* what it was held to, readable: ">= 0.75", "in [0.8, 1.2]" */
    char detail[256];          /* e.g. the failing level, or why it was not evaluable */
} vigil_verdict;

/* Apply c's rule to `obs`. A NaN where a number is needed fails the criterion (never
 * passes silently) with the reason in detail. */
void vigil_criterion_evaluate(const vigil_criterion *c, const vigil_observation *obs,
                              vigil_verdict *out);

const char *vigil_rule_name(vigil_rule r);

#endif
