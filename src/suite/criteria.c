/* Suite files and acceptance criteria; see src/suite/criteria.h. */
#include "suite/criteria.h"
#include "core/util.h"
#include "vigil/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the metric catalogue -------------------------------------------------------------- */

const vigil_metric_info *vigil_metric_lookup(const char *name)
{
    const vigil_metric_def *m = vigil_metric_find(name);
    return m && m->criterion ? m : NULL;
}

const char *vigil_metric_names(void) { return vigil_metric_criterion_names(); }

int vigil_metric_needs(const vigil_metric_info *m)
{
    switch (m->source) {
    case VIGIL_METRIC_FROM_REPLAY: return VIGIL_NEED_REPLAY;
    case VIGIL_METRIC_FROM_SHAP: return VIGIL_NEED_EXPLAIN;
    case VIGIL_METRIC_FROM_DRIFT: return VIGIL_NEED_DRIFT;
    case VIGIL_METRIC_FROM_CLASS_SCORES: return VIGIL_NEED_MULTICLASS;
    default: return VIGIL_NEED_METRICS | (m->scopes & VIGIL_METRIC_DISPARITY ? VIGIL_NEED_FAIRNESS : 0);
    }
}

bool vigil_metric_within_run_paired(const vigil_metric_info *m)
{
    return m && m->source == VIGIL_METRIC_FROM_DECISIONS && strncmp(m->name, "team_vs_model_", 14) == 0;
}

static const char *const rule_names[] = {"at_least",        "at_most",      "between",
                                         "ci_low_at_least", "ci_high_at_most", "non_inferior",
                                         "superior",        "max_gap",      "drift_gate"};

const char *vigil_rule_name(vigil_rule r) { return rule_names[r]; }

/* ---- parsing --------------------------------------------------------------------------- */

static int dup_to(char **dst, const char *src)
{
    if (!src) return VIGIL_OK;
    *dst = vigil_strdup(src);
    return *dst ? VIGIL_OK : vigil_error_set(VIGIL_ENOMEM, "out of memory");
}


static int parse_criterion(vigil_suite_def *s, const cJSON *obj, size_t i, vigil_criterion *c)
{
    static const char *const keys[] = {"name", "metric", "rule", "scope", "value", "low", "high",
                                       "margin", "threshold", "tolerance", "model", "feature",
                                       "features", "alpha", NULL};
    static const char *const scope_keys[] = {"group", "every_level", NULL};
    const char *f = s->file;
    char jp[64], sjp[80];
    snprintf(jp, sizeof jp, "$.criteria[%zu]", i);
    const char *name = NULL, *metric = NULL, *rule = NULL, *model = NULL, *feature = NULL;
    const cJSON *scope = NULL;
    c->value = c->low = c->high = c->margin = c->threshold = NAN;
    c->tolerance = 1e-6;
    c->alpha = 0.01;
    int rc;
    if (!cJSON_IsObject(obj)) return vigil_error_set(VIGIL_EINVAL, "%s: %s: expected an object", f, jp);
    if ((rc = vigil_cfg_keys(f, jp, obj, keys)) != 0 ||
        (rc = vigil_cfg_string(f, jp, obj, "name", true, &name)) != 0 ||
        (rc = vigil_cfg_string(f, jp, obj, "metric", true, &metric)) != 0 ||
        (rc = vigil_cfg_string(f, jp, obj, "rule", true, &rule)) != 0 ||
        (rc = vigil_cfg_object(f, jp, obj, "scope", false, &scope)) != 0 ||
        (rc = vigil_cfg_number(f, jp, obj, "value", false, &c->value)) != 0 ||
        (rc = vigil_cfg_number(f, jp, obj, "low", false, &c->low)) != 0 ||
        (rc = vigil_cfg_number(f, jp, obj, "high", false, &c->high)) != 0 ||
        (rc = vigil_cfg_number(f, jp, obj, "margin", false, &c->margin)) != 0 ||
        (rc = vigil_cfg_number(f, jp, obj, "threshold", false, &c->threshold)) != 0 ||
        (rc = vigil_cfg_number(f, jp, obj, "tolerance", false, &c->tolerance)) != 0 ||
        (rc = vigil_cfg_number(f, jp, obj, "alpha", false, &c->alpha)) != 0 ||
        (rc = vigil_cfg_string(f, jp, obj, "model", false, &model)) != 0 ||
        (rc = vigil_cfg_string(f, jp, obj, "feature", false, &feature)) != 0 ||
        (rc = vigil_cfg_strings(f, jp, obj, "features", false, &c->features, &c->n_features)) != 0)
        return rc;
    if ((rc = dup_to(&c->name, name)) || (rc = dup_to(&c->metric, metric)) ||
        (rc = dup_to(&c->model, model ? model : "candidate")) || (rc = dup_to(&c->feature, feature)))
        return rc;
    if (!vigil_metric_lookup(metric) && (strcmp(metric, "team_vs_model_ppv") == 0 || strcmp(metric, "team_vs_model_npv") == 0))
        return vigil_error_set(VIGIL_EINVAL, "%s: %s.metric: '%s' is not offered: the team's %s is over the cases the "
                               "clinicians %s and the model's over the cases it %s, two different sets of cases, so the "
                               "two are not paired on the same cases and Newcombe's paired interval does not apply; "
                               "compare team_vs_model_sensitivity or team_vs_model_specificity (paired on the positives "
                               "/ negatives), or hold team_ppv with at_least", f, jp, metric,
                               metric[14] == 'p' ? "PPV" : "NPV", metric[14] == 'p' ? "acted on" : "did not act on",
                               metric[14] == 'p' ? "flagged" : "did not flag");
    if (!(c->info = vigil_metric_lookup(metric)))
        return vigil_error_set(VIGIL_EINVAL, "%s: %s.metric: unknown metric '%s' (accepted: %s)", f,
                               jp, metric, vigil_metric_names());
    size_t r;
    for (r = 0; r < sizeof rule_names / sizeof rule_names[0]; r++)
        if (strcmp(rule, rule_names[r]) == 0) break;
    if (r == sizeof rule_names / sizeof rule_names[0])
        return vigil_error_set(VIGIL_EINVAL,
                               "%s: %s.rule: unknown rule '%s' (accepted: at_least, at_most, between, "
                               "ci_low_at_least, ci_high_at_most, non_inferior, superior, max_gap, "
                               "drift_gate)", f, jp, rule);
    c->rule = (vigil_rule)r;
    if (scope) {
        snprintf(sjp, sizeof sjp, "%s.scope", jp);
        const char *group = NULL;
        if ((rc = vigil_cfg_keys(f, sjp, scope, scope_keys)) != 0 ||
            (rc = vigil_cfg_string(f, sjp, scope, "group", true, &group)) != 0 ||
            (rc = vigil_cfg_bool(f, sjp, scope, "every_level", false, &c->every_level)) != 0 ||
            (rc = dup_to(&c->group, group)) != 0)
            return rc;
        bool known = false;
        for (size_t g = 0; g < s->data.n_groups; g++) known |= strcmp(s->data.groups[g], group) == 0;
        if (!known) {
            vigil_sbuf b = {0};
            for (size_t g = 0; g < s->data.n_groups; g++)
                vigil_sbuf_printf(&b, "%s%s", g ? ", " : "", s->data.groups[g]);
            rc = vigil_error_set(VIGIL_EINVAL, "%s: %s.group: '%s' is not one of the suite's groups "
                                 "($.data.columns.groups: %s)", f, sjp, group, b.s ? b.s : "none");
            vigil_sbuf_free(&b);
            return rc;
        }
    }
    /* What each rule needs, checked now so nothing fails after hours of computing. */
#define NEED(cond, ...) \
    if (!(cond)) return vigil_error_set(VIGIL_EINVAL, __VA_ARGS__)
    const vigil_metric_info *mi = c->info;
    switch (c->rule) {
    case VIGIL_RULE_AT_LEAST: case VIGIL_RULE_AT_MOST:
    case VIGIL_RULE_CI_LOW_AT_LEAST: case VIGIL_RULE_CI_HIGH_AT_MOST:
        NEED(!isnan(c->value), "%s: %s: rule '%s' needs \"value\"", f, jp, rule);
        break;
    case VIGIL_RULE_BETWEEN:
        NEED(!isnan(c->low) && !isnan(c->high) && c->low <= c->high,
             "%s: %s: rule 'between' needs \"low\" <= \"high\"", f, jp);
        break;
    case VIGIL_RULE_NON_INFERIOR: case VIGIL_RULE_SUPERIOR:
        if (vigil_metric_within_run_paired(mi)) { /* team minus model in this run: no predecessor */
            NEED(c->rule == VIGIL_RULE_SUPERIOR || (!isnan(c->margin) && c->margin >= 0),
                 "%s: %s: rule 'non_inferior' on '%s' needs \"margin\" >= 0 (how much lower than the model's the "
                 "team's rate may be: pass when the interval of team minus model stays above -margin)", f, jp, metric);
            NEED(!c->group || c->every_level, "%s: %s: '%s' on a group needs every_level", f, jp, rule);
            break;
        }
        NEED(mi->source != VIGIL_METRIC_FROM_DECISIONS,
             "%s: %s: rule '%s' on '%s': the clinicians' decisions were made once, so there is no "
             "paired comparison of two models' human-in-the-loop numbers; use at_most/at_least%s", f, jp, rule, metric,
             strcmp(metric, "team_sensitivity") == 0   ? " (to hold the team to the model's sensitivity on the same "
                                                         "positives: metric 'team_vs_model_sensitivity')"
             : strcmp(metric, "team_specificity") == 0 ? " (to hold the team to the model's specificity on the same "
                                                         "negatives: metric 'team_vs_model_specificity')"
                                                       : "");
        NEED(mi->source == VIGIL_METRIC_FROM_CLASS_SCORES || s->predecessor,
             "%s: %s: rule '%s' compares with the predecessor, but $.model.predecessor is not given", f, jp, rule);
        NEED(mi->source != VIGIL_METRIC_FROM_CLASS_SCORES || s->data.predecessor_class_scores,
             "%s: %s: rule '%s' on '%s' compares with the predecessor's class probabilities: give "
             "$.data.columns.predecessor_class_scores", f, jp, rule, metric);
        /* Time to event: the IPCW AUROC and Brier are paired by their influence functions
         * (riskRegression::Score's contrasts), Harrell's C by the infinitesimal jackknife
         * (survival::concordance's $var); the others have no use for a paired interval. */
        NEED(strcmp(metric, "km_risk") != 0,
             "%s: %s: rule '%s' on 'km_risk': the Kaplan-Meier risk at the horizon is observed, not predicted, so "
             "both models have the same one; compare 'survival_brier' or 'survival_auroc'", f, jp, rule);
        NEED(strcmp(metric, "oe_ratio") != 0,
             "%s: %s: rule '%s' on 'oe_ratio': the observed/expected ratio is two-sided (1 is best), so a "
             "difference says neither model is better; hold each model's with between, or compare "
             "'survival_brier'", f, jp, rule);
        NEED((vigil_metric_needs(mi) == VIGIL_NEED_METRICS || vigil_metric_needs(mi) == VIGIL_NEED_MULTICLASS) &&
                 mi->better != VIGIL_BETTER_NONE,
             "%s: %s: rule '%s' needs a metric with a better direction computed on scores "
             "(auroc, auprc, brier, ece, ...), not '%s'", f, jp, rule, metric);
        NEED(c->rule == VIGIL_RULE_SUPERIOR || (!isnan(c->margin) && c->margin >= 0),
             "%s: %s: rule 'non_inferior' needs \"margin\" >= 0", f, jp);
        NEED(!c->group || c->every_level, "%s: %s: '%s' on a group needs every_level", f, jp, rule);
        /* the paired interval is the metrics engine's, which bootstraps the lowess-based E
         * statistics over the whole set only (a lowess per replicate) */
        NEED(!c->every_level || !(strcmp(mi->key, "eavg") == 0 || strcmp(mi->key, "e50") == 0 ||
                                  strcmp(mi->key, "e90") == 0 || strcmp(mi->key, "emax") == 0),
             "%s: %s: rule '%s' on '%s' with every_level: the bootstrap repeats the lowess-based E statistics over "
             "the whole set only, so a level has no paired interval; compare '%s' overall, or 'ece' per level",
             f, jp, rule, metric, metric);
        break;
    case VIGIL_RULE_MAX_GAP:
        NEED(c->group && !c->every_level, "%s: %s: rule 'max_gap' needs scope.group (and not "
             "every_level)", f, jp);
        NEED(mi->scopes & VIGIL_METRIC_PER_LEVEL, "%s: %s: 'max_gap' needs a per-level metric, not '%s'", f, jp, metric);
        NEED(!isnan(c->value), "%s: %s: rule 'max_gap' needs \"value\"", f, jp);
        break;
    case VIGIL_RULE_DRIFT_GATE:
        NEED(strcmp(metric, "drift_alarms") == 0, "%s: %s: rule 'drift_gate' goes with metric "
             "'drift_alarms'", f, jp);
        NEED(c->n_features > 0, "%s: %s: rule 'drift_gate' needs \"features\"", f, jp);
        NEED(s->has_training, "%s: %s: a drift gate needs $.training_data", f, jp);
        break;
    }
    NEED(c->rule == VIGIL_RULE_DRIFT_GATE || strcmp(metric, "drift_alarms") != 0,
         "%s: %s: metric 'drift_alarms' goes with rule 'drift_gate'", f, jp);
    NEED(!(mi->scopes & VIGIL_METRIC_DISPARITY) || (c->group && !c->every_level && c->rule != VIGIL_RULE_MAX_GAP),
         "%s: %s: '%s' is a disparity across a group: give scope.group (without every_level)",
         f, jp, metric);
    NEED(!c->every_level || (mi->scopes & VIGIL_METRIC_PER_LEVEL), "%s: %s: '%s' is not computed per level", f, jp, metric);
    NEED(mi->source != VIGIL_METRIC_FROM_SURVIVAL || s->data.event,
         "%s: %s: '%s' is a time-to-event metric: give $.data.columns.followup_time, $.data.columns.event "
         "and $.data.horizon", f, jp, metric);
    NEED(s->data.label || mi->source == VIGIL_METRIC_FROM_SURVIVAL || !(vigil_metric_needs(mi) & VIGIL_NEED_METRICS),
         "%s: %s: '%s' is computed from the 0/1 outcome: give $.data.columns.label (a suite without one takes "
         "the time-to-event metrics survival_auroc, survival_brier, c_harrell, km_risk and oe_ratio, replay, "
         "SHAP and drift)", f, jp, metric);
    NEED(strcmp(metric, "alerts_per_100") != 0 || s->data.exposure,
         "%s: %s: 'alerts_per_100' counts alerts per unit of exposure: give $.data.columns.exposure "
         "(patient-days or similar, beside columns.decision)", f, jp);
    NEED(mi->source != VIGIL_METRIC_FROM_DECISIONS || s->data.decision,
         "%s: %s: '%s' compares the model's flag with the clinicians' decisions: give "
         "$.data.columns.decision (1 acted on, 0 not)", f, jp, metric);
    NEED(mi->source != VIGIL_METRIC_FROM_CLASS_SCORES || s->data.class_scores,
         "%s: %s: '%s' is a multi-class metric: give $.data.columns.class_scores (the prefix of the "
         "class probability columns)", f, jp, metric);
    NEED(!s->data.class_scores || mi->source == VIGIL_METRIC_FROM_CLASS_SCORES,
         "%s: %s: '%s' is a binary-score metric; a suite with $.data.columns.class_scores takes the "
         "multi-class ones (accuracy, top_k_accuracy, log_loss, brier_multiclass, auroc_ovr_macro, ...)", f, jp,
         metric);
    NEED(!(vigil_metric_needs(mi) & VIGIL_NEED_REPLAY) || s->data.shadow_score,
         "%s: %s: replay needs $.data.columns.shadow_score", f, jp);
    NEED(!(vigil_metric_needs(mi) & VIGIL_NEED_REPLAY) || strcmp(c->model, "candidate") == 0 ||
             strcmp(c->model, "predecessor") == 0,
         "%s: %s.model: expected \"candidate\" or \"predecessor\"", f, jp);
    NEED(!(vigil_metric_needs(mi) & VIGIL_NEED_REPLAY) || (strcmp(c->model, "candidate") == 0 ? s->candidate != NULL
                                                                                 : s->predecessor != NULL),
         "%s: %s: replay re-scores with the %s model, which $.model does not give", f, jp, c->model);
    NEED(!(vigil_metric_needs(mi) & VIGIL_NEED_EXPLAIN) || (c->feature && s->candidate),
         "%s: %s: 'shap_importance' needs \"feature\" and $.model.candidate", f, jp);
    NEED(c->tolerance >= 0 && c->alpha > 0 && c->alpha < 1,
         "%s: %s: tolerance must be >= 0 and alpha in (0, 1)", f, jp);
#undef NEED
    s->needs |= vigil_metric_needs(mi);
    return VIGIL_OK;
}

static void criterion_clear(vigil_criterion *c)
{
    free(c->name), free(c->metric), free(c->group), free(c->model), free(c->feature);
    vigil_cfg_strings_free(c->features, c->n_features);
}

void vigil_suite_def_clear(vigil_suite_def *s)
{
    free(s->file), free(s->text), free(s->name), free(s->version), free(s->description);
    free(s->candidate), free(s->predecessor), free(s->thresholds);
    vigil_data_config_clear(&s->data);
    vigil_data_config_clear(&s->training);
    for (size_t i = 0; i < s->n_criteria; i++) criterion_clear(&s->criteria[i]);
    free(s->criteria);
    cJSON_Delete(s->pccp);
    memset(s, 0, sizeof *s);
}

int vigil_suite_def_load(vigil_suite_def *s, const char *path)
{
    static const char *const keys[] = {"name", "version", "description", "model", "data",
                                       "training_data", "seed", "bootstrap", "thresholds",
                                       "min_cell", "criteria", "pccp", NULL};
    static const char *const model_keys[] = {"candidate", "predecessor", NULL};
    static const char *const train_keys[] = {"path", NULL};
    static const char *const pccp_keys[] = {"description_of_modifications", "retraining_practices",
                                            "update_procedures", "impact_notes",
                                            /* the model card's (issue 18) */
                                            "developer", "contact", "intended_use", "out_of_scope",
                                            "warnings", NULL};
    memset(s, 0, sizeof *s);
    cJSON *root = NULL;
    const cJSON *model = NULL, *data = NULL, *train = NULL, *pccp = NULL, *crit, *th;
    const char *name = NULL, *version = NULL, *desc = NULL, *cand = NULL, *pred = NULL, *tpath = NULL;
    double seed = 1, boot = 1000, min_cell = 11;
    int rc;
    if (!(s->file = vigil_strdup(path))) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    if ((rc = vigil_read_file(path, &s->text, NULL)) != 0 || (rc = vigil_cfg_load(path, &root)) != 0)
        goto fail;
    if ((rc = vigil_cfg_keys(path, "$", root, keys)) != 0 ||
        (rc = vigil_cfg_string(path, "$", root, "name", true, &name)) != 0 ||
        (rc = vigil_cfg_string(path, "$", root, "version", false, &version)) != 0 ||
        (rc = vigil_cfg_string(path, "$", root, "description", false, &desc)) != 0 ||
        (rc = vigil_cfg_object(path, "$", root, "model", false, &model)) != 0 ||
        (rc = vigil_cfg_object(path, "$", root, "data", true, &data)) != 0 ||
        (rc = vigil_cfg_object(path, "$", root, "training_data", false, &train)) != 0 ||
        (rc = vigil_cfg_object(path, "$", root, "pccp", false, &pccp)) != 0 ||
        (rc = vigil_cfg_number(path, "$", root, "seed", false, &seed)) != 0 ||
        (rc = vigil_cfg_number(path, "$", root, "bootstrap", false, &boot)) != 0 ||
        (rc = vigil_cfg_number(path, "$", root, "min_cell", false, &min_cell)) != 0)
        goto fail;
    if (seed < 0 || seed != floor(seed) || seed > 9007199254740992.0 || boot < 0 || boot > 1e6 ||
        boot != floor(boot) || !(min_cell >= 1 && min_cell <= 1e12) || min_cell != floor(min_cell)) {
        rc = vigil_error_set(VIGIL_EINVAL, "%s: $: seed, bootstrap (<= 1000000) and min_cell must be "
                             "whole numbers (min_cell >= 1)", path);
        goto fail;
    }
    s->seed = (uint64_t)seed;
    s->bootstrap = (size_t)boot;
    s->min_cell = (size_t)min_cell;
    if ((rc = dup_to(&s->name, name)) || (rc = dup_to(&s->version, version ? version : "")) ||
        (rc = dup_to(&s->description, desc ? desc : "")))
        goto fail;
    if (model && ((rc = vigil_cfg_keys(path, "$.model", model, model_keys)) != 0 ||
                  (rc = vigil_cfg_string(path, "$.model", model, "candidate", false, &cand)) != 0 ||
                  (rc = vigil_cfg_string(path, "$.model", model, "predecessor", false, &pred)) != 0))
        goto fail;
    if ((cand && (rc = vigil_cfg_path(path, "$.model.candidate", cand, &s->candidate)) != 0) ||
        (pred && (rc = vigil_cfg_path(path, "$.model.predecessor", pred, &s->predecessor)) != 0))
        goto fail;
    if ((rc = vigil_data_config_parse(&s->data, path, "$.data", data)) != 0) goto fail;
    if (!s->data.label && (!s->data.event || s->data.class_scores)) { /* a survival-only suite needs none */
        rc = vigil_error_set(VIGIL_EINVAL, "%s: $.data.columns: a suite needs \"label\" (or, with time-to-event "
                             "criteria only, followup_time, event and $.data.horizon)", path);
        goto fail;
    }
    if (s->data.join && !s->data.join->as_of) {
        rc = vigil_error_set(VIGIL_EINVAL, "%s: $.data.join: missing required key 'as_of' (a suite validates the "
                             "outcomes known at one stated time, so that a re-run finds the same cases; the "
                             "default of vigil cases join, now, would change them)", path);
        goto fail;
    }
    if (s->data.class_scores && (s->candidate || s->predecessor || s->data.score)) {
        rc = vigil_error_set(VIGIL_EINVAL, "%s: $.data.columns.class_scores: a multi-class suite reads each "
                             "model's class probabilities from the case file (vigil predict writes them): give "
                             "no $.model and no $.data.columns.score", path);
        goto fail;
    }
    if (s->data.predecessor_class_scores && !s->data.class_scores) {
        rc = vigil_error_set(VIGIL_EINVAL, "%s: $.data.columns.predecessor_class_scores needs "
                             "$.data.columns.class_scores (the candidate's)", path);
        goto fail;
    }
    if (!s->candidate && !s->data.score && !s->data.class_scores) {
        rc = vigil_error_set(VIGIL_EINVAL, "%s: $: give $.model.candidate (to score the cases) or "
                             "$.data.columns.score (recorded scores)", path);
        goto fail;
    }
    if (train) {
        if ((rc = vigil_cfg_keys(path, "$.training_data", train, train_keys)) != 0 ||
            (rc = vigil_cfg_string(path, "$.training_data", train, "path", true, &tpath)) != 0)
            goto fail;
        s->has_training = true;
        if ((rc = dup_to(&s->training.file, path)) || (rc = vigil_cfg_path(path, "$.training_data.path", tpath, &s->training.path)))
            goto fail;
    }
    th = cJSON_GetObjectItemCaseSensitive(root, "thresholds");
    if (th) {
        if (!cJSON_IsArray(th) || cJSON_GetArraySize(th) < 1) {
            rc = vigil_error_set(VIGIL_EINVAL, "%s: $.thresholds: expected an array of numbers", path);
            goto fail;
        }
        s->thresholds = calloc((size_t)cJSON_GetArraySize(th), sizeof *s->thresholds);
        const cJSON *e;
        cJSON_ArrayForEach(e, th)
        {
            if (!cJSON_IsNumber(e) || !(e->valuedouble > 0 && e->valuedouble < 1)) {
                rc = vigil_error_set(VIGIL_EINVAL, "%s: $.thresholds[%zu]: expected a number in (0, 1)",
                                     path, s->n_thresholds);
                goto fail;
            }
            s->thresholds[s->n_thresholds++] = e->valuedouble;
        }
    }
    if (pccp) {
        if ((rc = vigil_cfg_keys(path, "$.pccp", pccp, pccp_keys)) != 0) goto fail;
        const cJSON *e;
        cJSON_ArrayForEach(e, pccp) if (!cJSON_IsString(e))
        {
            rc = vigil_error_set(VIGIL_EINVAL, "%s: $.pccp.%s: expected text", path, e->string);
            goto fail;
        }
        s->pccp = cJSON_Duplicate(pccp, 1);
    }
    crit = cJSON_GetObjectItemCaseSensitive(root, "criteria");
    if (!cJSON_IsArray(crit) || cJSON_GetArraySize(crit) < 1) {
        rc = vigil_error_set(VIGIL_EINVAL, "%s: $.criteria: expected a non-empty array of criteria", path);
        goto fail;
    }
    s->criteria = calloc((size_t)cJSON_GetArraySize(crit), sizeof *s->criteria);
    if (!s->criteria) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto fail;
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, crit)
    {
        size_t i = s->n_criteria++;
        if ((rc = parse_criterion(s, e, i, &s->criteria[i])) != 0) goto fail;
        vigil_criterion *c = &s->criteria[i];
        if (c->info->at_threshold) {
            if (isnan(c->threshold) && !s->n_thresholds) {
                rc = vigil_error_set(VIGIL_EINVAL, "%s: $.criteria[%zu]: '%s' needs a threshold "
                                     "(\"threshold\" here or $.thresholds)", path, i, c->metric);
                goto fail;
            }
            if (isnan(c->threshold)) c->threshold = s->thresholds[0];
            if (!(c->threshold > 0 && c->threshold < 1)) {
                rc = vigil_error_set(VIGIL_EINVAL, "%s: $.criteria[%zu].threshold: expected a "
                                     "number in (0, 1)", path, i);
                goto fail;
            }
        }
        for (size_t k = 0; k < i; k++)
            if (strcmp(s->criteria[k].name, c->name) == 0) {
                rc = vigil_error_set(VIGIL_EINVAL, "%s: $.criteria[%zu].name: '%s' is used twice",
                                     path, i, c->name);
                goto fail;
            }
    }
    cJSON_Delete(root);
    return VIGIL_OK;
fail:
    cJSON_Delete(root);
    vigil_suite_def_clear(s);
    return rc;
}

/* ---- evaluation ------------------------------------------------------------------------ */

static bool point_pass(const vigil_criterion *c, double v)
{
    switch (c->rule) {
    case VIGIL_RULE_AT_LEAST: return v >= c->value;
    case VIGIL_RULE_AT_MOST: return v <= c->value;
    case VIGIL_RULE_BETWEEN: return v >= c->low && v <= c->high;
    default: return false;
    }
}

static void describe(const vigil_criterion *c, char *out, size_t cap)
{
    int dir = (int)c->info->better;
    switch (c->rule) {
    case VIGIL_RULE_AT_LEAST: snprintf(out, cap, ">= %g", c->value); break;
    case VIGIL_RULE_AT_MOST: snprintf(out, cap, "<= %g", c->value); break;
    case VIGIL_RULE_BETWEEN: snprintf(out, cap, "in [%g, %g]", c->low, c->high); break;
    case VIGIL_RULE_CI_LOW_AT_LEAST: snprintf(out, cap, "CI low >= %g", c->value); break;
    case VIGIL_RULE_CI_HIGH_AT_MOST: snprintf(out, cap, "CI high <= %g", c->value); break;
    case VIGIL_RULE_NON_INFERIOR:
        if (vigil_metric_within_run_paired(c->info)) snprintf(out, cap, "team - model CI low > -%g", c->margin);
        else if (dir > 0) snprintf(out, cap, "difference CI low > -%g", c->margin);
        else snprintf(out, cap, "difference CI high < %g", c->margin);
        break;
    case VIGIL_RULE_SUPERIOR:
        if (vigil_metric_within_run_paired(c->info)) snprintf(out, cap, "team - model CI low > 0");
        else snprintf(out, cap, dir > 0 ? "difference CI low > 0" : "difference CI high < 0");
        break;
    case VIGIL_RULE_MAX_GAP: snprintf(out, cap, "largest gap <= %g", c->value); break;
    case VIGIL_RULE_DRIFT_GATE: snprintf(out, cap, "no alarm (alpha %g)", c->alpha); break;
    }
}

void vigil_criterion_evaluate(const vigil_criterion *c, const vigil_observation *o, vigil_verdict *v)
{
    memset(v, 0, sizeof *v);
    v->observed = o->value;
    v->ci_low = o->ci_low;
    v->ci_high = o->ci_high;
    v->evaluable = true;
    describe(c, v->threshold, sizeof v->threshold);
    int dir = (int)c->info->better;
    if (c->every_level) {
        if (o->n_levels == 0) {
            v->evaluable = false;
            snprintf(v->detail, sizeof v->detail, "no level of '%s' has enough cases to evaluate", c->group);
            return;
        }
        /* every failing level is named; the one shown is the weakest of them (by the metric's
         * direction; the first failing one for a two-sided metric) */
        v->pass = true;
        size_t n_fail = 0, worst = 0, used = 0;
        char names[sizeof v->detail] = "";
        for (size_t l = 0; l < o->n_levels; l++) {
            vigil_criterion one = *c;
            one.every_level = false;
            vigil_observation lo = {.value = o->level_values[l],
                                    .ci_low = o->level_ci_low ? o->level_ci_low[l] : NAN,
                                    .ci_high = o->level_ci_high ? o->level_ci_high[l] : NAN,
                                    .why = o->level_why ? o->level_why[l] : NULL};
            vigil_verdict lv;
            vigil_criterion_evaluate(&one, &lo, &lv);
            if (lv.pass) continue;
            if (n_fail == 0 || (dir > 0 && lo.value < o->level_values[worst]) ||
                (dir < 0 && lo.value > o->level_values[worst]))
                worst = l;
            if (used + 60 < sizeof names)
                used += (size_t)snprintf(names + used, sizeof names - used, "%s%.40s=%.40s%s%.100s", n_fail ? ", " : "",
                                         c->group, o->level_names[l], lv.evaluable ? "" : ": ",
                                         lv.evaluable ? "" : lv.detail);
            n_fail++;
        }
        if (n_fail) {
            v->pass = false;
            v->observed = o->level_values[worst];
            v->ci_low = o->level_ci_low ? o->level_ci_low[worst] : NAN;
            v->ci_high = o->level_ci_high ? o->level_ci_high[worst] : NAN;
            if (n_fail == 1) snprintf(v->detail, sizeof v->detail, "fails at %.240s", names);
            else
                snprintf(v->detail, sizeof v->detail, "fails at %zu of %zu levels: %.120s; shown: %.30s=%.30s", n_fail,
                         o->n_levels, names, c->group, o->level_names[worst]);
        }
        if (v->pass) { /* report the weakest level */
            size_t w = 0;
            for (size_t l = 1; l < o->n_levels; l++)
                if ((dir >= 0 && o->level_values[l] < o->level_values[w]) ||
                    (dir < 0 && o->level_values[l] > o->level_values[w]))
                    w = l;
            v->observed = o->level_values[w];
            v->ci_low = o->level_ci_low ? o->level_ci_low[w] : NAN;
            v->ci_high = o->level_ci_high ? o->level_ci_high[w] : NAN;
            snprintf(v->detail, sizeof v->detail, "weakest level %s=%s", c->group, o->level_names[w]);
        }
        return;
    }
    switch (c->rule) {
    case VIGIL_RULE_MAX_GAP: {
        if (o->n_levels < 2) {
            v->evaluable = false;
            snprintf(v->detail, sizeof v->detail, "fewer than 2 levels of '%s' have enough cases", c->group);
            return;
        }
        size_t lo = 0, hi = 0;
        for (size_t l = 0; l < o->n_levels; l++) {
            if (isnan(o->level_values[l])) {
                v->evaluable = false;
                snprintf(v->detail, sizeof v->detail, "not computable at %s=%s", c->group, o->level_names[l]);
                return;
            }
            if (o->level_values[l] < o->level_values[lo]) lo = l;
            if (o->level_values[l] > o->level_values[hi]) hi = l;
        }
        v->observed = o->level_values[hi] - o->level_values[lo];
        v->ci_low = o->ci_low; /* a bootstrap CI of the gap when the runner has one */
        v->ci_high = o->ci_high;
        v->pass = v->observed <= c->value;
        snprintf(v->detail, sizeof v->detail, "%s=%s %.4g vs %s=%s %.4g", c->group,
                 o->level_names[hi], o->level_values[hi], c->group, o->level_names[lo], o->level_values[lo]);
        return;
    }
    case VIGIL_RULE_DRIFT_GATE:
        v->observed = (double)o->n_alarms;
        v->pass = o->n_alarms == 0;
        return;
    default: break;
    }
    double x;
    switch (c->rule) {
    case VIGIL_RULE_CI_LOW_AT_LEAST: x = o->ci_low; break;
    case VIGIL_RULE_CI_HIGH_AT_MOST: x = o->ci_high; break;
    case VIGIL_RULE_NON_INFERIOR:
    case VIGIL_RULE_SUPERIOR: x = dir > 0 ? o->ci_low : o->ci_high; break;
    default: x = o->value;
    }
    if (isnan(x)) {
        v->evaluable = false;
        snprintf(v->detail, sizeof v->detail, "%s could not be computed%s%s", c->metric,
                 o->why ? ": " : c->rule == VIGIL_RULE_CI_LOW_AT_LEAST || c->rule == VIGIL_RULE_CI_HIGH_AT_MOST
                     ? " (no confidence interval)" : "",
                 o->why ? o->why : "");
        return;
    }
    switch (c->rule) {
    case VIGIL_RULE_CI_LOW_AT_LEAST: v->pass = x >= c->value; break;
    case VIGIL_RULE_CI_HIGH_AT_MOST: v->pass = x <= c->value; break;
    case VIGIL_RULE_NON_INFERIOR: v->pass = dir > 0 ? x > -c->margin : x < c->margin; break;
    case VIGIL_RULE_SUPERIOR: v->pass = dir > 0 ? x > 0 : x < 0; break;
    default: v->pass = point_pass(c, x);
    }
}
