/* Typed access to a metrics report (include/vigil/metrics.h): the numbers the JSON writer
 * (metrics_report_json.c) shows, read from the report itself. Each branch below mirrors the
 * key the writer prints, so that a value read here and one parsed from the document are the
 * same double; tests/test_metrics.c checks that against the document for every metric. */
#include "stats/metrics_report.h"
#include "stats/metrics_report_human.h"
#include "stats/metrics_report_survival.h"
#include "vigil/catalogue.h"
#include "vigil/error.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define WHY_LEVEL "fewer than min-cell cases (or needed to protect one)"
#define WHY_THRESHOLD "a confusion count at this threshold is a small cell (cell-size policy)"

static void set(vigil_metric_value *o, double v, double lo, double hi)
{
    o->value = v, o->ci_low = lo, o->ci_high = hi;
    o->status = VIGIL_METRIC_OK;
    o->why[0] = '\0';
    o->ci_method = NULL;
}

/* The interval's method, where it has one. */
static void method(vigil_metric_value *o, const char *how)
{
    if (isfinite(o->ci_low) || isfinite(o->ci_high)) o->ci_method = how;
}

static void not_given(vigil_metric_value *o, vigil_metric_status st, const char *why)
{
    o->value = o->ci_low = o->ci_high = NAN;
    o->ci_method = NULL;
    o->status = st;
    snprintf(o->why, sizeof o->why, "%s", why ? why : "");
}

/* A NaN the engine computed (not withheld) is undefined. */
static void undefined_if_nan(vigil_metric_value *o)
{
    if (isfinite(o->value)) return;
    not_given(o, VIGIL_METRIC_UNDEFINED, "not defined on these cases");
}

/* The slot of a statistic the bootstrap repeats, -1 when it is not one. */
static int stat_index(const char *key)
{
    for (int k = 0; k < S_COUNT; k++)
        if (strcmp(vigil_stats_stat_name[k], key) == 0) return k;
    return -1;
}

static int disparity_index(const char *key)
{
    for (int k = 0; k < D_COUNT; k++)
        if (strcmp(vigil_stats_disparity_name[k], key) == 0) return k;
    return -1;
}

static const vigil_metric_def *scores_metric(const char *metric)
{
    const vigil_metric_def *m = vigil_metric_find(metric);
    if (!m) {
        vigil_error_set(VIGIL_EINVAL, "unknown metric '%s' (see 'vigil help catalogue')", metric ? metric : "(null)");
        return NULL;
    }
    if (m->source != VIGIL_METRIC_FROM_SCORES && m->source != VIGIL_METRIC_FROM_DECISIONS &&
        m->source != VIGIL_METRIC_FROM_SURVIVAL) {
        vigil_error_set(VIGIL_EINVAL, "metric '%s' is not computed by the metrics engine", metric);
        return NULL;
    }
    return m;
}

static int find_group(const vigil_metrics_report *r, const char *name)
{
    for (size_t g = 0; g < r->ng; g++)
        if (strcmp(r->g[g].name, name) == 0) return (int)g;
    vigil_error_set(VIGIL_EINVAL, "the report has no group '%s'", name);
    return -1;
}

static int find_level(const group *g, const char *name)
{
    for (size_t l = 0; l < g->n_levels; l++)
        if (strcmp(g->lv[l].name, name) == 0) return (int)l;
    vigil_error_set(VIGIL_EINVAL, "group '%s' has no level '%s'", g->name, name);
    return -1;
}

/* A threshold statistic of scope s at threshold slot t (JSON: threshold_json). */
static void threshold_value(vigil_metric_value *o, const scope *s, size_t t, const char *key)
{
    const vigil_threshold_stats *x = &s->thr[t];
    if (!s->thr_ok[t]) {
        not_given(o, VIGIL_METRIC_WITHHELD, WHY_THRESHOLD);
        return;
    }
    if (strcmp(key, "tpr") == 0) set(o, x->tpr, x->tpr_lo, x->tpr_hi);
    else if (strcmp(key, "specificity") == 0) set(o, x->tnr, x->tnr_lo, x->tnr_hi);
    else if (strcmp(key, "ppv") == 0) set(o, x->ppv, x->ppv_lo, x->ppv_hi);
    else if (strcmp(key, "npv") == 0) set(o, x->npv, x->npv_lo, x->npv_hi);
    else if (strcmp(key, "selection_rate") == 0) set(o, x->selection_rate, x->sel_lo, x->sel_hi);
    else set(o, x->net_benefit, NAN, NAN);
    method(o, "Wilson score");
    undefined_if_nan(o);
}

static void auroc_value(vigil_metric_value *o, const scope *s)
{
    if (s->auroc_reason) {
        not_given(o, s->auroc_withheld ? VIGIL_METRIC_WITHHELD : VIGIL_METRIC_UNDEFINED, s->auroc_reason);
        return;
    }
    set(o, s->auroc.auc, s->auroc.ci_low, s->auroc.ci_high);
    method(o, "DeLong");
    undefined_if_nan(o);
}

static int overall(vigil_metric_value *o, const vigil_metrics_report *r, const vigil_metric_def *m, size_t t)
{
    const scope *a = &r->all;
    if (!(m->scopes & VIGIL_METRIC_OVERALL))
        return vigil_error_set(VIGIL_EINVAL, "metric '%s' is a disparity: name a group", m->name);
    if (m->at_threshold) {
        threshold_value(o, a, t, m->key);
        return VIGIL_OK;
    }
    if (strcmp(m->key, "auroc") == 0) {
        auroc_value(o, a);
        return VIGIL_OK;
    }
    if (strcmp(m->key, "spiegelhalter_p") == 0) {
        set(o, a->cal.spiegelhalter_p, NAN, NAN);
        undefined_if_nan(o);
        return VIGIL_OK;
    }
    int k = stat_index(m->key);
    if (k < 0) return vigil_error_set(VIGIL_EINVAL, "metric '%s' is not given overall", m->name);
    /* the overall estimates are the unwithheld ones (est[] equals the calibration struct) */
    set(o, a->est[k], a->ci[k][0], a->ci[k][1]);
    method(o, a->ci_how[k]);
    undefined_if_nan(o);
    return VIGIL_OK;
}

/* One subgroup level (JSON: level_json's flat keys and its "ci" map). */
static int level_get(vigil_metric_value *o, const scope *s, const vigil_metric_def *m)
{
    if (!(m->scopes & VIGIL_METRIC_PER_LEVEL))
        return vigil_error_set(VIGIL_EINVAL, "metric '%s' is not given per level", m->name);
    if (s->suppressed) {
        not_given(o, VIGIL_METRIC_WITHHELD, WHY_LEVEL);
        return VIGIL_OK;
    }
    if (strcmp(m->key, "auroc") == 0) {
        auroc_value(o, s);
        return VIGIL_OK;
    }
    int flip = strcmp(m->key, "specificity") == 0; /* levels report the FPR */
    const char *key = flip ? "fpr" : m->key;
    int k = stat_index(key);
    if (m->at_threshold && !s->thr_ok[0]) {
        not_given(o, VIGIL_METRIC_WITHHELD, WHY_THRESHOLD);
        return VIGIL_OK;
    }
    double v = k >= 0 ? s->est[k] : strcmp(key, "ppv") == 0 ? s->thr[0].ppv : s->thr[0].npv;
    double lo = NAN, hi = NAN;
    if (k >= 0 && isfinite(s->est[k]) && isfinite(s->ci[k][0]) && isfinite(s->ci[k][1]))
        lo = s->ci[k][0], hi = s->ci[k][1];
    if (flip) set(o, 1 - v, 1 - hi, 1 - lo);
    else set(o, v, lo, hi);
    if (k >= 0) method(o, s->ci_how[k]);
    undefined_if_nan(o);
    return VIGIL_OK;
}

/* A disparity (JSON: the group's "disparities", its "ci" and "not_given"). */
static int disparity_get(vigil_metric_value *o, const group *g, const vigil_metric_def *m)
{
    int k = disparity_index(m->key);
    if (!(m->scopes & VIGIL_METRIC_DISPARITY) || k < 0)
        return vigil_error_set(VIGIL_EINVAL, "metric '%s' is not a disparity: name a level of '%s'",
                               m->name, g->name);
    if (isfinite(g->dest[k])) {
        set(o, g->dest[k], g->dci[k][0], g->dci[k][1]);
        method(o, g->dci_how[k]);
        return VIGIL_OK;
    }
    not_given(o, VIGIL_METRIC_UNDEFINED, NULL);
    if (g->dmiss[k] >= 0) {
        o->status = g->dmiss_withheld[k] ? VIGIL_METRIC_WITHHELD : VIGIL_METRIC_UNDEFINED;
        snprintf(o->why, sizeof o->why, "level '%s' %s: a gap over the other levels would leave it out",
                 g->lv[g->dmiss[k]].name,
                 g->dmiss_withheld[k] ? "is withheld (cell-size policy)" : "has no value");
    }
    return VIGIL_OK;
}

int vigil_metrics_report_get(vigil_metric_value *out, const vigil_metrics_report *r,
                             const char *metric, const char *grp, const char *level)
{
    not_given(out, VIGIL_METRIC_UNDEFINED, NULL);
    const vigil_metric_def *m = scores_metric(metric);
    if (!m) return VIGIL_EINVAL;
    if (m->source == VIGIL_METRIC_FROM_SURVIVAL) return vigil_stats_survival_get(out, r, m, grp, level);
    if (vigil_stats_survival_only(r))
        return vigil_error_set(VIGIL_EINVAL, "metric '%s' needs a 0/1 label; this report has time-to-event metrics only",
                               m->name);
    int human = m->source == VIGIL_METRIC_FROM_DECISIONS;
    if (!grp) {
        if (level) return vigil_error_set(VIGIL_EINVAL, "level '%s' needs a grp", level);
        if (human && !(m->scopes & VIGIL_METRIC_OVERALL))
            return vigil_error_set(VIGIL_EINVAL, "metric '%s' is a disparity: name a group", m->name);
        return human ? vigil_stats_human_get(out, r, m, -1, -1) : overall(out, r, m, 0);
    }
    int g = find_group(r, grp);
    if (g < 0) return VIGIL_EINVAL;
    if (!level) return human ? vigil_stats_human_get(out, r, m, g, -1) : disparity_get(out, &r->g[g], m);
    int l = find_level(&r->g[g], level);
    if (l < 0) return VIGIL_EINVAL;
    if (human && !(m->scopes & VIGIL_METRIC_PER_LEVEL))
        return vigil_error_set(VIGIL_EINVAL, "metric '%s' is not given per level", m->name);
    return human ? vigil_stats_human_get(out, r, m, g, l) : level_get(out, &r->g[g].lv[l], m);
}

int vigil_metrics_report_get_at(vigil_metric_value *out, const vigil_metrics_report *r,
                                const char *metric, double threshold)
{
    not_given(out, VIGIL_METRIC_UNDEFINED, NULL);
    const vigil_metric_def *m = scores_metric(metric);
    if (!m) return VIGIL_EINVAL;
    if (!m->at_threshold || m->source != VIGIL_METRIC_FROM_SCORES)
        return vigil_error_set(VIGIL_EINVAL, "metric '%s' is not a statistic at a threshold", metric);
    for (size_t t = 0; t < r->o.n_thresholds; t++)
        if (r->thr[t] == threshold) return overall(out, r, m, t);
    return vigil_error_set(VIGIL_EINVAL, "the report has no threshold %g", threshold);
}

/* A survival-only report (no 0/1 label) has its groups and levels in the survival block. */
size_t vigil_metrics_report_n_groups(const vigil_metrics_report *r)
{
    if (vigil_stats_survival_only(r)) return vigil_stats_survival_n_groups(r);
    return r ? r->ng : 0;
}

const char *vigil_metrics_report_group_name(const vigil_metrics_report *r, size_t g)
{
    if (vigil_stats_survival_only(r)) return vigil_stats_survival_group_name(r, g);
    return r && g < r->ng ? r->g[g].name : NULL;
}

size_t vigil_metrics_report_n_levels(const vigil_metrics_report *r, size_t g)
{
    if (vigil_stats_survival_only(r)) return vigil_stats_survival_n_levels(r, g);
    return r && g < r->ng ? r->g[g].n_levels : 0;
}

const char *vigil_metrics_report_level_name(const vigil_metrics_report *r, size_t g, size_t l)
{
    if (vigil_stats_survival_only(r)) return vigil_stats_survival_level_name(r, g, l);
    return r && g < r->ng && l < r->g[g].n_levels ? r->g[g].lv[l].name : NULL;
}

int vigil_metrics_report_level_withheld(const vigil_metrics_report *r, size_t g, size_t l)
{
    if (vigil_stats_survival_only(r)) return vigil_stats_survival_level_withheld(r, g, l);
    return r && g < r->ng && l < r->g[g].n_levels ? r->g[g].lv[l].suppressed : 0;
}

/* A calibration or threshold struct of NaNs (a withheld scope shows none of them). */
static void cal_nan(vigil_calibration *c)
{
    c->brier = c->brier_reliability = c->brier_resolution = c->brier_uncertainty = NAN;
    c->ece = c->ece_equal_mass = c->mce = c->slope = c->intercept = c->citl = NAN;
    c->eavg = c->e50 = c->e90 = c->emax = c->spiegelhalter_z = c->spiegelhalter_p = NAN;
    c->d = c->u = c->q = c->u_chisq = c->u_p = c->hl_stat = c->hl_p = NAN;
    c->hl_df = 0, c->n_fit = 0;
    c->slope_se = c->citl_se = c->oe_ratio = c->oe_log_se = NAN;
}

static void thr_nan(vigil_threshold_stats *t)
{
    t->tp = t->fp = t->fn = t->tn = NAN;
    t->tpr = t->fpr = t->tnr = t->ppv = t->npv = t->selection_rate = NAN;
    t->tpr_lo = t->tpr_hi = t->tnr_lo = t->tnr_hi = t->ppv_lo = t->ppv_hi = NAN;
    t->npv_lo = t->npv_hi = t->sel_lo = t->sel_hi = t->net_benefit = NAN;
}

int vigil_metrics_report_scope(vigil_metrics_scope_stats *out, const vigil_metrics_report *r, const char *grp,
                               const char *level)
{
    memset(out, 0, sizeof *out);
    out->auroc.auc = out->auroc.se = out->auroc.ci_low = out->auroc.ci_high = NAN;
    out->auroc_status = VIGIL_METRIC_UNDEFINED;
    if (!r || vigil_stats_survival_only(r))
        return vigil_error_set(VIGIL_EINVAL, "the report has no 0/1 label: no scope statistics");
    const scope *s = &r->all;
    if (grp || level) {
        if (!grp || !level) return vigil_error_set(VIGIL_EINVAL, "a scope is a group and one of its levels");
        int g = find_group(r, grp);
        if (g < 0) return VIGIL_EINVAL;
        int l = find_level(&r->g[g], level);
        if (l < 0) return VIGIL_EINVAL;
        s = &r->g[g].lv[l];
    }
    out->cal = s->cal;
    out->thr = s->thr[0];
    out->auroc = s->auroc;
    out->level_shown = !s->suppressed;
    out->prevalence_shown = !s->suppressed && s->prev_ok;
    out->threshold_shown = !s->suppressed && s->thr_ok[0];
    out->n = s->suppressed ? 0 : s->n;
    vigil_metric_value a;
    auroc_value(&a, s);
    out->auroc_status = s->suppressed ? VIGIL_METRIC_WITHHELD : a.status;
    out->auroc_why = s->suppressed ? WHY_LEVEL : s->auroc_reason ? s->auroc_reason
                                             : a.status != VIGIL_METRIC_OK ? "not defined on these cases" : "";
    if (s->suppressed) cal_nan(&out->cal);
    if (out->auroc_status != VIGIL_METRIC_OK)
        out->auroc.auc = out->auroc.se = out->auroc.ci_low = out->auroc.ci_high = NAN;
    if (!out->threshold_shown) thr_nan(&out->thr);
    if (!out->prevalence_shown) out->cal.oe_ratio = out->cal.oe_log_se = NAN;
    return VIGIL_OK;
}
