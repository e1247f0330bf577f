/* vigil — the metric catalogue: every metric a suite criterion, the evidence report or
 * `vigil help catalogue` can name, in one table. Each entry says what the metric is (label,
 * unit, which direction is better, how its interval is obtained), where it sits in the
 * `vigil metrics` JSON document, and how many digits the report shows. The JSON writer, the
 * suite's criteria, the report and the help all read this table, so a name means the same
 * thing everywhere.
 *
 * The table is static: entries and their strings live as long as the program. */
#ifndef VIGIL_CATALOGUE_H
#define VIGIL_CATALOGUE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Which direction is better. */
typedef enum {
    VIGIL_BETTER_LOWER = -1,
    VIGIL_BETTER_NONE = 0,   /* two-sided: closer to a target (slope 1, intercept 0) */
    VIGIL_BETTER_HIGHER = 1
} vigil_metric_better;

/* Where a metric is defined (flags). */
enum {
    VIGIL_METRIC_OVERALL = 1,    /* one value over every case */
    VIGIL_METRIC_PER_LEVEL = 2,  /* one value per subgroup level */
    VIGIL_METRIC_DISPARITY = 4   /* one value per group: a gap across its levels */
};

/* Which engine computes it. */
typedef enum {
    VIGIL_METRIC_FROM_SCORES,    /* the metrics engine (vigil_metrics_compute) */
    VIGIL_METRIC_FROM_REPLAY,    /* re-scoring the shadow log */
    VIGIL_METRIC_FROM_SHAP,      /* SHAP attributions */
    VIGIL_METRIC_FROM_DRIFT,     /* drift tests */
    VIGIL_METRIC_FROM_DECISIONS, /* the metrics engine, from the clinicians' decisions (human.h) */
    VIGIL_METRIC_FROM_SURVIVAL,  /* the metrics engine, from follow-up times and events (survival.h) */
    VIGIL_METRIC_FROM_CLASS_SCORES, /* the multi-class engine (multiclass.h), from per-class probabilities */
    VIGIL_METRIC_FROM_MONITOR    /* a monitor's nightly result (monitor.h), stored under its scope */
} vigil_metric_source;

typedef struct {
    const char *name;       /* the name criteria and the report use: "calibration_slope" */
    const char *label;      /* readable: "Calibration slope" */
    const char *unit;       /* "probability", "log-odds", "count", ... ("" none) */
    vigil_metric_better better;
    /* How its interval is obtained, as a suite result's "method" shows it: "DeLong",
     * "bootstrap", "Wilson", "exact", ...; NULL: no interval. */
    const char *ci_method;
    /* The value's dotted path in the `vigil metrics` document (overall scope; a threshold
     * statistic at the first threshold), NULL when that document does not hold it. */
    const char *json_path;
    /* The interval's dotted path: a [low, high] pair, or, ending in '.', the object holding
     * ci_low and ci_high; NULL: none. */
    const char *ci_path;
    /* The statistic's key inside the engine: a subgroup level's flat key, the CI maps, the
     * disparities and the paired comparison ("slope" for calibration_slope, "tpr" for
     * sensitivity). */
    const char *key;
    int digits;             /* decimals the report prints */
    unsigned scopes;        /* VIGIL_METRIC_OVERALL | _PER_LEVEL | _DISPARITY */
    vigil_metric_source source;
    int at_threshold;       /* 1: a statistic at a score threshold */
    int criterion;          /* 1: a suite criterion may name it */
} vigil_metric_def;

/* The entry called `name`, or NULL. */
const vigil_metric_def *vigil_metric_find(const char *name);
/* The number of entries and entry i (0 <= i < count), in catalogue order. */
size_t vigil_metric_count(void);
const vigil_metric_def *vigil_metric_at(size_t i);
/* "auroc, auprc, ..." -- the names a suite criterion accepts, for messages (static). */
const char *vigil_metric_criterion_names(void);

#ifdef __cplusplus
}
#endif
#endif
