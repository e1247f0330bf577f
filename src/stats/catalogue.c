/* The metric catalogue (include/vigil/catalogue.h): one row per metric. The rows a suite
 * criterion accepts keep the order of the criteria's old table, because the "accepted: ..."
 * message lists them in that order. */
#include "vigil/catalogue.h"

#include <stdio.h>
#include <pthread.h>
#include <string.h>

#define O VIGIL_METRIC_OVERALL
#define L VIGIL_METRIC_PER_LEVEL
#define D VIGIL_METRIC_DISPARITY
#define HI VIGIL_BETTER_HIGHER
#define LO VIGIL_BETTER_LOWER
#define NO VIGIL_BETTER_NONE
#define S VIGIL_METRIC_FROM_SCORES
#define H VIGIL_METRIC_FROM_DECISIONS
#define M VIGIL_METRIC_FROM_CLASS_SCORES

/* name, label, unit, better, ci_method, json_path, ci_path, key, digits, scopes, source,
 * at_threshold, criterion */
static const vigil_metric_def k_catalogue[] = {
    {"auroc", "AUROC (DeLong CI)", "probability", HI, "DeLong", "discrimination.auroc.value",
     "discrimination.auroc.", "auroc", 3, O | L, S, 0, 1},
    {"auprc", "AUPRC (average precision)", "probability", HI, "bootstrap", "discrimination.auprc.value",
     "discrimination.auprc.", "auprc", 3, O | L, S, 0, 1},
    {"brier", "Brier score", "squared probability", LO, "bootstrap", "calibration.brier",
     "calibration.ci.brier", "brier", 4, O | L, S, 0, 1},
    {"ece", "ECE (10 equal-width bins)", "probability", LO, "bootstrap", "calibration.ece",
     "calibration.ci.ece", "ece", 4, O | L, S, 0, 1},
    {"ece_equal_mass", "ECE (10 equal-mass bins)", "probability", LO, "bootstrap",
     "calibration.ece_equal_mass", "calibration.ci.ece_equal_mass", "ece_equal_mass", 4, O | L, S, 0, 1},
    {"mce", "MCE", "probability", LO, "bootstrap", "calibration.mce", "calibration.ci.mce", "mce", 4,
     O | L, S, 0, 1},
    {"eavg", "Eavg (ICI)", "probability", LO, "bootstrap", "calibration.eavg", "calibration.ci.eavg",
     "eavg", 4, O | L, S, 0, 1},
    {"e50", "E50", "probability", LO, "bootstrap", "calibration.e50", "calibration.ci.e50", "e50", 4,
     O | L, S, 0, 1},
    {"e90", "E90", "probability", LO, "bootstrap", "calibration.e90", "calibration.ci.e90", "e90", 4,
     O | L, S, 0, 1},
    {"emax", "Emax", "probability", LO, "bootstrap", "calibration.emax", "calibration.ci.emax", "emax", 4,
     O | L, S, 0, 1},
    {"calibration_slope", "Calibration slope", "", NO, "bootstrap", "calibration.slope",
     "calibration.ci.slope", "slope", 3, O | L, S, 0, 1},
    {"calibration_intercept", "Calibration intercept", "log-odds", NO, "bootstrap",
     "calibration.intercept", "calibration.ci.intercept", "intercept", 3, O | L, S, 0, 1},
    {"citl", "Calibration-in-the-large", "log-odds", NO, "bootstrap", "calibration.citl",
     "calibration.ci.citl", "citl", 3, O | L, S, 0, 1},
    {"spiegelhalter_p", "Spiegelhalter z-test p", "p-value", NO, NULL, "calibration.spiegelhalter_p",
     NULL, "spiegelhalter_p", 4, O, S, 0, 0},
    {"sensitivity", "Sensitivity at threshold (Wilson CI)", "proportion", HI, "Wilson", "threshold.tpr",
     "threshold.tpr_ci", "tpr", 3, O | L, S, 1, 1},
    {"specificity", "Specificity at threshold (Wilson CI)", "proportion", HI, "Wilson",
     "threshold.specificity", "threshold.specificity_ci", "specificity", 3, O | L, S, 1, 1},
    {"ppv", "PPV at threshold (Wilson CI)", "proportion", HI, "Wilson", "threshold.ppv",
     "threshold.ppv_ci", "ppv", 3, O | L, S, 1, 1},
    {"npv", "NPV at threshold (Wilson CI)", "proportion", HI, "Wilson", "threshold.npv",
     "threshold.npv_ci", "npv", 3, O | L, S, 1, 1},
    {"selection_rate", "Selection rate at threshold", "proportion", NO, "Wilson",
     "threshold.selection_rate", "threshold.selection_rate_ci", "selection_rate", 3, O | L, S, 1, 1},
    {"net_benefit", "Net benefit at threshold", "net true positives per case", HI, "bootstrap",
     "threshold.net_benefit", NULL, "net_benefit", 4, O, S, 1, 1},
    {"demographic_parity_difference", "Demographic parity difference", "proportion", LO, "bootstrap",
     NULL, NULL, "demographic_parity_difference", 4, D, S, 0, 1},
    {"equalized_odds_difference", "Equalized odds difference", "proportion", LO, "bootstrap", NULL, NULL,
     "equalized_odds_difference", 4, D, S, 0, 1},
    {"equal_opportunity_difference", "Equal opportunity difference", "proportion", LO, "bootstrap", NULL,
     NULL, "equal_opportunity_difference", 4, D, S, 0, 1},
    {"auroc_gap", "AUROC gap across levels", "probability", LO, "bootstrap", NULL, NULL, "auroc_gap", 4,
     D, S, 0, 1},
    {"calibration_gap", "Calibration gap across levels (CITL, log-odds)", "log-odds", LO, "bootstrap", NULL, NULL,
     "calibration_gap", 4, D, S, 0, 1},
    {"demographic_parity_ratio", "Demographic parity ratio", "ratio", HI, "bootstrap", NULL, NULL,
     "demographic_parity_ratio", 4, D, S, 0, 0},
    {"replay_agreement", "Replay agreement with the shadow log", "proportion", HI, "exact", NULL, NULL,
     "agreement", 4, O, VIGIL_METRIC_FROM_REPLAY, 0, 1},
    {"replay_max_abs_diff", "Replay largest score difference", "probability", LO, "exact", NULL, NULL,
     "max_abs_diff", 6, O, VIGIL_METRIC_FROM_REPLAY, 0, 1},
    {"shap_importance", "Mean |SHAP| of a feature", "log-odds", NO, "exact TreeSHAP", NULL, NULL,
     "shap_importance", 4, O | L, VIGIL_METRIC_FROM_SHAP, 0, 1},
    {"drift_alarms", "Drift alarms", "count", LO, "Holm-corrected tests", NULL, NULL, "drift_alarms", 0,
     O, VIGIL_METRIC_FROM_DRIFT, 0, 1},
    /* the human in the loop (human.h): the model's flag (score >= the first threshold) against
     * the clinicians' decisions (--decision, $.data.columns.decision) */
    {"human_agreement", "Agreement of decision and flag (Wilson CI)", "proportion", HI, "Wilson",
     "human.agreement.value", "human.agreement.", "agreement", 3, O | L, H, 0, 1},
    {"override_of_flags", "Override rate of flags (Wilson CI)", "proportion", NO, "Wilson",
     "human.override_of_flags.value", "human.override_of_flags.", "override_of_flags", 3, O | L, H, 0, 1},
    {"override_of_nonflags", "Override rate of non-flags (Wilson CI)", "proportion", NO, "Wilson",
     "human.override_of_nonflags.value", "human.override_of_nonflags.", "override_of_nonflags", 3, O | L, H, 0, 1},
    {"team_sensitivity", "Team sensitivity (Wilson CI)", "proportion", HI, "Wilson", "human.team.sensitivity.value",
     "human.team.sensitivity.", "team_sensitivity", 3, O | L, H, 0, 1},
    {"team_specificity", "Team specificity (Wilson CI)", "proportion", HI, "Wilson", "human.team.specificity.value",
     "human.team.specificity.", "team_specificity", 3, O | L, H, 0, 1},
    {"team_ppv", "Team PPV (Wilson CI)", "proportion", HI, "Wilson", "human.team.ppv.value", "human.team.ppv.",
     "team_ppv", 3, O | L, H, 0, 1},
    {"flag_rate", "Flag (alert) rate (Wilson CI)", "proportion", LO, "Wilson", "human.flag_rate.value",
     "human.flag_rate.", "flag_rate", 3, O | L, H, 0, 1},
    {"nne", "Number needed to evaluate (1 / PPV)", "alerts per true positive", LO, "Wilson (of the PPV)",
     "human.nne.value", "human.nne.", "nne", 2, O, H, 0, 1},
    {"alerts_per_100", "Alerts per 100 units of exposure", "alerts", LO, "exact Poisson",
     "human.alerts_per_100.value", "human.alerts_per_100.", "alerts_per_100", 2, O, H, 0, 1},
    {"override_of_flags_gap", "Override-of-flags gap across levels", "proportion", LO, "Newcombe", NULL, NULL,
     "override_of_flags_gap", 4, D, H, 0, 1},
    {"override_of_nonflags_gap", "Override-of-non-flags gap across levels", "proportion", LO, "Newcombe", NULL, NULL,
     "override_of_nonflags_gap", 4, D, H, 0, 1},
    /* time to event at a horizon (survival.h; --time/--event/--horizon; suites:
     * $.data.columns.followup_time/event and $.data.horizon) */
    {"survival_auroc", "Time-dependent AUROC at H (IPCW)", "probability", HI,
     "influence function", "survival.auc.value", "survival.auc.", "survival_auroc", 3, O | L,
     VIGIL_METRIC_FROM_SURVIVAL, 0, 1},
    {"survival_brier", "Brier score at H (IPCW)", "squared probability", LO,
     "influence function", "survival.brier.value", "survival.brier.", "survival_brier", 4,
     O | L, VIGIL_METRIC_FROM_SURVIVAL, 0, 1},
    {"c_harrell", "Harrell's C (whole follow-up)", "probability", HI, "infinitesimal jackknife", "survival.c_harrell",
     "survival.c_harrell_ci.", "c_harrell", 3,
     O | L, VIGIL_METRIC_FROM_SURVIVAL, 0, 1},
    {"km_risk", "Kaplan-Meier risk at H", "probability", NO, "Greenwood (log)", "survival.km_risk",
     "survival.km_risk_ci.", "km_risk", 3, O | L, VIGIL_METRIC_FROM_SURVIVAL, 0, 1},
    {"oe_ratio", "Observed/expected at H (KM / mean)", "ratio", NO, NULL, "survival.oe_ratio",
     NULL, "oe_ratio", 3, O | L, VIGIL_METRIC_FROM_SURVIVAL, 0, 1},
    /* multi-class models (multiclass.h): the class probabilities of $.data.columns.class_scores
     * (`vigil metrics --class-scores`); key: the statistic's name in the multiclass block */
    {"accuracy", "Accuracy at the argmax (multi-class)", "proportion", HI, "bootstrap", "multiclass.accuracy.value",
     "multiclass.accuracy.", "accuracy", 3, O | L, M, 0, 1},
    {"top_k_accuracy", "Top-K accuracy (multi-class)", "proportion", HI, "bootstrap", "multiclass.top_k_accuracy.value",
     "multiclass.top_k_accuracy.", "top_k_accuracy", 3, O | L, M, 0, 1},
    {"log_loss", "Log loss (multi-class)", "nats", LO, "bootstrap", "multiclass.log_loss.value", "multiclass.log_loss.",
     "log_loss", 4, O | L, M, 0, 1},
    {"brier_multiclass", "Brier score (multi-class: sum over classes)", "squared probability", LO, "bootstrap",
     "multiclass.brier.value", "multiclass.brier.", "brier", 4, O | L, M, 0, 1},
    {"auroc_ovr_macro", "One-vs-rest AUROC, macro mean", "probability", HI, "bootstrap",
     "multiclass.auroc_ovr_macro.value", "multiclass.auroc_ovr_macro.", "auroc_ovr_macro", 3, O | L, M, 0, 1},
    {"auroc_ovr_weighted", "One-vs-rest AUROC, prevalence-weighted mean", "probability", HI, "bootstrap",
     "multiclass.auroc_ovr_weighted.value", "multiclass.auroc_ovr_weighted.", "auroc_ovr_weighted", 3, O | L, M, 0, 1},
    {"mrr", "Mean reciprocal rank of the true class", "reciprocal rank", HI, "bootstrap", "multiclass.mrr.value",
     "multiclass.mrr.", "mrr", 3, O | L, M, 0, 1},
    {"ece_classwise", "Classwise ECE (multi-class)", "probability", LO, "bootstrap", "multiclass.ece_classwise.value",
     "multiclass.ece_classwise.", "ece_classwise", 4, O | L, M, 0, 1},
    {"ece_top_label", "Top-label ECE (multi-class)", "probability", LO, "bootstrap", "multiclass.ece_top_label.value",
     "multiclass.ece_top_label.", "ece_top_label", 4, O | L, M, 0, 1},
    {"top_k_accuracy_gap", "Top-K accuracy gap across levels", "proportion", LO, "bootstrap", NULL, NULL,
     "top_k_accuracy_gap", 4, D, M, 0, 1},
    {"auroc_ovr_macro_gap", "Macro AUROC gap across levels", "probability", LO, "bootstrap", NULL, NULL,
     "auroc_ovr_macro_gap", 4, D, M, 0, 1},
    /* monitors before outcomes arrive (monitor.h, $.cbpe): NannyML's confidence-based estimates
     * from the current window's scores, stored under scope "cbpe" as <key>_est; not criteria */
    {"cbpe_auroc", "Estimated AUROC, no labels (CBPE)", "probability", HI, "NannyML sampling error", NULL,
     NULL, "auroc", 3, O, VIGIL_METRIC_FROM_MONITOR, 0, 0},
    {"cbpe_sensitivity", "Estimated sensitivity (CBPE)", "proportion", HI,
     "NannyML sampling error", NULL, NULL, "sensitivity", 3, O, VIGIL_METRIC_FROM_MONITOR, 1, 0},
    {"cbpe_ppv", "Estimated PPV (CBPE)", "proportion", HI, "NannyML sampling error", NULL,
     NULL, "ppv", 3, O, VIGIL_METRIC_FROM_MONITOR, 1, 0},
    /* the two calibration gaps, selectable in suites (issue 18); after every older criterion
     * so that the accepted names keep their order */
    {"calibration_gap_ece", "ECE gap across levels", "probability", LO, "bootstrap", NULL, NULL,
     "calibration_gap_ece", 4, D, S, 0, 1},
    {"calibration_gap_citl", "CITL gap across levels", "log-odds", LO, "bootstrap", NULL, NULL,
     "calibration_gap_citl", 4, D, S, 0, 1},
    /* the team against the model on the same cases (human.h, issue 21): team minus model
     * sensitivity over the positives, specificity over the negatives, paired */
    {"team_vs_model_sensitivity", "Team minus model sensitivity (paired, Newcombe CI)", "proportion", HI,
     "Newcombe paired (method 10)", "human.team_vs_model.sensitivity.difference", "human.team_vs_model.sensitivity.",
     "team_vs_model_sensitivity", 4, O | L, H, 0, 1},
    {"team_vs_model_specificity", "Team minus model specificity (paired, Newcombe CI)", "proportion", HI,
     "Newcombe paired (method 10)", "human.team_vs_model.specificity.difference", "human.team_vs_model.specificity.",
     "team_vs_model_specificity", 4, O | L, H, 0, 1},
};
#define N_CATALOGUE (sizeof k_catalogue / sizeof k_catalogue[0])

const vigil_metric_def *vigil_metric_find(const char *name)
{
    for (size_t i = 0; name && i < N_CATALOGUE; i++)
        if (strcmp(k_catalogue[i].name, name) == 0) return &k_catalogue[i];
    return NULL;
}

size_t vigil_metric_count(void) { return N_CATALOGUE; }

const vigil_metric_def *vigil_metric_at(size_t i) { return i < N_CATALOGUE ? &k_catalogue[i] : NULL; }

static char criterion_names[2048];
static pthread_once_t criterion_names_once = PTHREAD_ONCE_INIT;

static void criterion_names_build(void)
{
    size_t k = 0;
    for (size_t i = 0; i < N_CATALOGUE && k < sizeof criterion_names; i++)
        if (k_catalogue[i].criterion)
            k += (size_t)snprintf(criterion_names + k, sizeof criterion_names - k, "%s%s", k ? ", " : "",
                                  k_catalogue[i].name);
}

const char *vigil_metric_criterion_names(void)
{
    pthread_once(&criterion_names_once, criterion_names_build); /* built once, thread-safe */
    return criterion_names;
}
