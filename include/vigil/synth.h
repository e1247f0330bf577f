/* vigil — seeded synthetic shadow-mode case files with planted drift.
 *
 * Rows are cases over `days` consecutive days ending on `end_date`. Each case has numeric
 * features x1..xK ~ N(0, 1) (x1 and x2 correlated 0.5), a categorical feature `cat1`
 * (levels a-d), groups `sex` (F/M) and `age_band` (18-39, 40-59, 60-79, 80+), a true risk
 * logit(p) = b0 + sum_j b_j x_j + group effects, a label drawn from it, and the model's
 * `score` and the `shadow_score` recorded in shadow mode (the same model). Features go
 * missing completely at random at `missing_rate`.
 *
 * Drift is planted in the cases on or after day `drift_start` (a fraction of `days`):
 *   covariate  x1 shifted by `shift` SD (and cat1 level d becomes more common)
 *   label      prevalence changes (the true-risk intercept moves by `shift`)
 *   concept    the effect of x1 on the true risk is reversed; the score is not
 *   subgroup   for sex = F the score loses most of its information (noise of `shift` SD)
 * The generator is deterministic for a seed on every platform (GSL's mt19937). */
#ifndef VIGIL_SYNTH_H
#define VIGIL_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    VIGIL_DRIFT_NONE = 0,
    VIGIL_DRIFT_COVARIATE,
    VIGIL_DRIFT_LABEL,
    VIGIL_DRIFT_CONCEPT,
    VIGIL_DRIFT_SUBGROUP
} vigil_drift_kind;

typedef struct {
    size_t rows;            /* default 10000 */
    size_t features;        /* numeric features x1..xK, default 10 (1..1000) */
    uint64_t seed;          /* default 1 */
    double missing_rate;    /* per feature value, default 0.02 */
    vigil_drift_kind drift;
    double shift;           /* drift size; default 0.5 */
    double drift_start;     /* fraction of the period where drift starts, default 0.5 */
    size_t days;            /* default 365 */
    const char *end_date;   /* YYYY-MM-DD, default "2026-01-01" */
    double prevalence;      /* target prevalence without drift, default 0.15 */
    /* progress (optional) */
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
} vigil_synth_options;

/* The defaults above: 10000 rows, 10 features, seed 1, 2% missing, no drift (shift 0.5 from
 * half-way when one is asked for), 365 days up to 2026-01-01, prevalence 0.15, no progress. */
#define VIGIL_SYNTH_OPTIONS_INIT                                                                    \
    {10000, 10, 1, 0.02, VIGIL_DRIFT_NONE, 0.5, 0.5, 365, "2026-01-01", 0.15, NULL, NULL}

/* *o = VIGIL_SYNTH_OPTIONS_INIT. */
void vigil_synth_defaults(vigil_synth_options *o);
/* Parse "none|covariate|label|concept|subgroup"; -1 when unknown. */
int vigil_synth_parse_drift(const char *s);
/* Write the case file (CSV with a header) to `path`. */
int vigil_synth_write(const vigil_synth_options *o, const char *path);

#ifdef __cplusplus
}
#endif
#endif
