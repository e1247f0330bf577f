/* vigil — the human in the loop: how the team (model plus clinician) performs, how often the
 * model's advice is overridden and for whom, and what its alerts cost in attention.
 *
 * Inputs per case: the model's score S (a probability), the outcome Y (0/1) and the
 * clinician's final action D (1 acted / flagged, 0 not). The model's flag is S >= threshold.
 * Every rate is a proportion k/n with a Wilson interval (statsmodels proportion_confint,
 * method "wilson"); differences of two independent proportions have Newcombe's hybrid score
 * interval (Newcombe 1998, method 10; statsmodels confint_proportions_2indep, method
 * "newcomb"); the paired comparison of the flag's and the decision's correctness is the exact
 * McNemar test (statsmodels mcnemar(exact=True)). A rate with an empty denominator is NaN
 * (undefined), never an error.
 */
#ifndef VIGIL_HUMAN_H
#define VIGIL_HUMAN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* k of n with its Wilson interval; value NaN when n is 0. */
typedef struct {
    double value, ci_low, ci_high;
    double k, n;
} vigil_proportion;

/* A difference of two proportions (a - b) or a derived number with its interval. */
typedef struct {
    double value, ci_low, ci_high;
} vigil_interval;

/* The team against the model on the same cases (paired): among the cases of one outcome
 * (the positives for sensitivity, the negatives for specificity), the 2x2 table of the
 * decision correct x the flag correct, and team minus model (the two marginal rates) with
 * Newcombe's hybrid score interval for paired proportions (method 10, Newcombe 1998 Stat Med
 * 17:2635: the Wilson intervals of the two marginals and the phi correlation correction, as
 * contingencytables::Newcombe_square_and_add_CI_paired_2x2). difference NaN when n is 0. */
typedef struct {
    double n;                    /* cases of that outcome */
    double both, team_only, model_only, neither; /* correct by both, the team only, ... */
    vigil_interval difference;   /* (both + team_only - both - model_only) / n */
} vigil_human_paired;

typedef struct {
    double threshold;            /* the model flags a case when score >= threshold */
    double level;                /* confidence level of every interval */
    const double *exposure;      /* per case exposure (patient-days) or NULL */
    const double *decision_time; /* per case time from alert to action (NaN: none) or NULL */
    const double *arm;           /* per case 1 assisted, 0 unassisted, or NULL: all assisted */
} vigil_human_options;

#define VIGIL_HUMAN_OPTIONS_INIT {0.5, 0.95, NULL, NULL, NULL}

typedef struct {
    size_t n;                    /* cases used (the assisted arm when arms are given) */
    vigil_proportion agreement;            /* D equals the flag */
    vigil_proportion override_of_flags;    /* D = 0 among flags */
    vigil_proportion override_of_nonflags; /* D = 1 among non-flags */
    vigil_proportion team_sensitivity, team_specificity, team_ppv;   /* D against Y */
    vigil_proportion model_sensitivity, model_specificity, model_ppv; /* the flag against Y */
    vigil_proportion flag_rate;  /* flags among cases */
    vigil_interval nne;          /* number needed to evaluate, 1 / model PPV (CI: 1/PPV bounds) */
    /* exact McNemar test: b = flag right and D wrong, c = flag wrong and D right (against Y) */
    double mcnemar_b, mcnemar_c, mcnemar_p;
    /* alert burden per 100 units of exposure (exact Poisson interval on the alert count);
     * NaN without an exposure column */
    double exposure_total;
    vigil_interval alerts_per_100;
    /* time from alert to action over flags acted on with a finite time: count and the
     * quartiles (linear interpolation, numpy's default); NaN without the column */
    double decision_time_n, decision_time_q1, decision_time_median, decision_time_q3;
    /* arms (only when opt->arm is given): index 0 unassisted, 1 assisted */
    int has_arms;
    double arm_n[2];
    vigil_proportion arm_outcome_rate[2];  /* Y = 1 */
    vigil_proportion arm_sensitivity[2];   /* D against Y within the arm */
    vigil_interval outcome_difference;     /* assisted - unassisted (Newcombe) */
    vigil_interval sensitivity_difference; /* assisted - unassisted (Newcombe) */
    /* number needed to treat, 1 / |outcome difference|: defined only when the difference's
     * interval excludes 0 (then its interval is 1 / the bounds' magnitudes); NaN otherwise */
    vigil_interval nnt;
    /* the team against the model on the same positives (sensitivity) and negatives (specificity) */
    vigil_human_paired team_vs_model_sensitivity, team_vs_model_specificity;
} vigil_human;

/* Check the inputs (scores in [0,1], labels and decisions 0/1, arms 0/1, exposure finite and
 * >= 0; the first offending row is named, 1-based) and compute the human-in-the-loop block.
 * VIGIL_EINVAL on bad input; a rate without cases is NaN. */
int vigil_human_compute(vigil_human *out, const double *score, const double *label, const double *decision,
                        size_t n, const vigil_human_options *opt);

/* k of n with the Wilson interval at `level`. */
vigil_proportion vigil_human_proportion(double k, double n, double level);

/* a - b of two independent proportions, Newcombe's hybrid score interval. */
vigil_interval vigil_human_difference(vigil_proportion a, vigil_proportion b, double level);

/* team - model of a paired 2x2 table (a both correct, b the team only, c the model only, d
 * neither): Newcombe's method 10 at `level`; NaN when a + b + c + d is 0. */
vigil_interval vigil_human_paired_difference(double a, double b, double c, double d, double level);

/* Exact two-sided McNemar p-value from the discordant counts b and c, as statsmodels:
 * min(1, 2 * BinomCDF(min(b, c); b + c, 1/2)); 1 when b + c = 0. */
double vigil_human_mcnemar_exact(double b, double c);

#ifdef __cplusplus
}
#endif

#endif
