/* vigil — time-to-event validation at a horizon H: predicted risks of the event by H checked
 * against right-censored follow-up (time T >= 0, event E: 1 event, 0 censored at T).
 *
 * Every number is defined as its peer computes it (tests/reference/survival_ref.R):
 * - AUROC: the IPCW cumulative/dynamic time-dependent AUROC at H, cases T <= H with E = 1
 *   weighted 1/G(T-), controls T > H weighted 1/G(H), G the marginal Kaplan-Meier estimate of
 *   the censoring distribution (prodlim's reverse KM: an event tied with a censoring leaves
 *   the risk set first, so at risk of censoring at t are #{T > t} + the censored at t); a
 *   subject censored at or before H is neither (its status at H is unknown); an event at H is
 *   a case; tied risks count one half. As
 *   riskRegression::Score(..., metrics = "auc", cens.model = "km"). Its se is Score's
 *   (conservative = FALSE): sd(IF) / sqrt(n) of the influence function of the ratio of the
 *   two U-statistics plus the term from estimating G (the Nelson-Aalen influence function of
 *   the censoring hazard); the interval is value -/+ z se clipped to [0, 1]. Score's own AUROC
 *   se is right only up to n = 46,340: its C++ forms n*n in a 32-bit int (2022.11.28 and the
 *   2026 sources alike), which overflows above that and shrinks its se (7x at n = 10^5). vigil
 *   computes in doubles and matches Score exactly where Score does not overflow.
 * - Brier: the IPCW Brier score at H, (1/n) sum of (1 - r)^2 / G(T-) over cases and
 *   r^2 / G(H) over controls (censored at or before H: 0); se and interval as the AUROC's.
 * - c_harrell: Harrell's C over the whole follow-up, as survival::concordance(Surv(T, E) ~ r,
 *   reverse = TRUE): pairs ordered by an event before another subject's time (a censoring
 *   tied with the event counts as later), tied risks one half, tied event times not compared.
 *   Its se is concordance's (sqrt of $var): the infinitesimal jackknife, the square root of
 *   the sum over subjects of dC/dw_i squared (the derivative of C with respect to subject i's
 *   case weight; no centring, no n/(n-1)); the interval C -/+ z se clipped to [0, 1]. NaN
 *   without a comparable pair.
 * - km_risk: 1 - the Kaplan-Meier survival at H, with survfit's default (log, Greenwood)
 *   interval; oe_ratio = km_risk / mean risk.
 * - calibration: `groups` equal-mass groups in risk order (numpy.array_split sizes, ties in
 *   row order): mean risk and the KM risk at H with its interval per group.
 * A statistic without its ingredients is NaN (AUROC without a case or a control: `auc_reason`
 * says which), never an error.
 */
#ifndef VIGIL_SURVIVAL_H
#define VIGIL_SURVIVAL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VIGIL_SURVIVAL_MAX_GROUPS 20

typedef struct {
    double level;  /* confidence level of every interval */
    size_t groups; /* calibration groups, 1 .. VIGIL_SURVIVAL_MAX_GROUPS (fewer when n is smaller) */
    unsigned threads; /* 0: every online CPU (at most 2 are used: two independent halves) */
} vigil_survival_options;

#define VIGIL_SURVIVAL_OPTIONS_INIT {0.95, 10, 0}

/* The KM risk curve of each risk group, at VIGIL_SURVIVAL_CURVE evenly spaced times up to H
 * (H k / VIGIL_SURVIVAL_CURVE, k = 1..): a grid, not the event times, so no one's time is shown. */
#define VIGIL_SURVIVAL_CURVE 10

typedef struct {
    double n, events_by_horizon;             /* subjects and events at or before H in the group */
    double mean_risk, observed, ci_low, ci_high; /* observed: KM risk at H with its interval */
    double curve_time[VIGIL_SURVIVAL_CURVE], curve_risk[VIGIL_SURVIVAL_CURVE];
    double curve_at_risk[VIGIL_SURVIVAL_CURVE]; /* subjects still at risk just after that time */
} vigil_survival_group;

typedef struct {
    double horizon;
    double n;
    double events_by_horizon;       /* T <= H and E = 1: the AUROC's cases */
    double censored_before_horizon; /* T <= H and E = 0: status at H unknown */
    double event_free;              /* T > H: the AUROC's controls */
    double auc, auc_se, auc_ci_low, auc_ci_high;
    const char *auc_reason;         /* why auc is NaN (static text), NULL when it is defined */
    double brier, brier_se, brier_ci_low, brier_ci_high;
    double c_harrell, c_harrell_se, c_harrell_ci_low, c_harrell_ci_high;
    double km_risk, km_ci_low, km_ci_high;
    double mean_risk, oe_ratio;
    size_t n_groups;
    vigil_survival_group group[VIGIL_SURVIVAL_MAX_GROUPS];
} vigil_survival;

/* Check the inputs and compute every metric at `horizon` over the n subjects. Bad input is
 * VIGIL_EINVAL naming the first offending row (1-based) and value: a time missing or negative,
 * an event not 0/1, a risk outside [0, 1], a horizon not finite and > 0 or beyond the largest
 * time (nobody is followed to it). VIGIL_ENOMEM when scratch cannot be had. */
int vigil_survival_compute(vigil_survival *out, const double *risk, const double *time, const double *event,
                           size_t n, double horizon, const vigil_survival_options *opt);

/* Two models' risks on the same subjects, compared at H: candidate (`risk`) minus predecessor
 * (`compare`) of the IPCW AUROC and of the IPCW Brier score (and of Harrell's C: below), as
 * riskRegression::Score(list(v1 = compare, v2 = risk), ..., cens.model = "km", contrasts =
 * TRUE) reports delta.AUC and
 * delta.Brier: se = sd(IF_risk - IF_compare) / sqrt(n) from the two influence functions of
 * vigil_survival_compute (one censoring model, one KM pass, for both), the interval
 * difference -/+ z se (not clipped: a difference lies in [-1, 1]), p two-sided (normal).
 * A difference without its ingredients is NaN: the AUROC's without a case or a control at H
 * (`auc_reason` says which), an se with one subject. */
typedef struct {
    double horizon, n, events_by_horizon, event_free;
    double auc, auc_compare;   /* each model's AUROC at H (vigil_survival_compute's) */
    double auc_diff, auc_se, auc_ci_low, auc_ci_high, auc_p;
    const char *auc_reason;    /* why auc_diff is NaN (static text), NULL when it is defined */
    double brier, brier_compare;
    double brier_diff, brier_se, brier_ci_low, brier_ci_high, brier_p;
    /* Harrell's C over the whole follow-up (vigil_survival_compute's c_harrell) of each model,
     * each one's se and the difference's, as survival::concordance(fit1, fit2) gives $var: the
     * infinitesimal jackknife, var = sum over subjects of dC/dw_i (the derivative of C with
     * respect to subject i's case weight) squared, no centring and no n/(n-1); the contrast's
     * se = sqrt(v11 + v22 - 2 v12) = sqrt(sum (dC_risk/dw_i - dC_compare/dw_i)^2); interval and
     * p as the others'. */
    double c_harrell, c_harrell_compare, c_harrell_se, c_harrell_compare_se;
    double c_diff, c_se, c_ci_low, c_ci_high, c_p;
    const char *c_reason;      /* why c_diff is NaN (static text): no comparable pair */
} vigil_survival_paired;

/* Check the inputs as vigil_survival_compute does (`compare` as a second risk column, named
 * "compare" in messages) and compare the two models at `horizon`. opt: level and threads (the
 * two models run on two workers where two cores answer); groups is not used. */
int vigil_survival_compare(vigil_survival_paired *out, const double *risk, const double *compare, const double *time,
                           const double *event, size_t n, double horizon, const vigil_survival_options *opt);

#ifdef __cplusplus
}
#endif

#endif
