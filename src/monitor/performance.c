/* Performance over time once labels mature (issue 17): the current window's realised
 * discrimination and calibration, and sensitivity/PPV at $.threshold, from the cases whose label
 * is known, each by the metrics engine (include/vigil/metrics.h): AUROC with DeLong's interval
 * (pROC), O/E with the SE of log(O/E) of Debray et al. (sqrt(1/O - 1/N)), the calibration slope
 * and CITL with the Wald SEs of their logistic fits (as rms::val.prob and glm), sensitivity and
 * PPV with Wilson intervals. It sits beside the label-free estimate (cbpe.c), which it checks
 * once the outcomes are in.
 *
 * The cell-size policy (vigil_fairness_count_ok, as the decisions and the metrics report apply
 * it): the window's positives and negatives must each be 0 or at least min_cell, else every
 * number is withheld (the AUROC's interval, O/E and its interval give the counts back); and
 * sensitivity and PPV need each of TP, FP, FN and TN to be 0 or at least min_cell, else they
 * are withheld (with n, each gives a cell back).
 *
 * Per subgroup ($.data.columns.groups, as suites name them: a column or "a+b"): the same block per
 * level of each group, from the metrics engine's report of the labelled cases with those groups
 * (vigil_metrics_compute, as `vigil metrics --group` computes it), under its cell-size policy
 * (levels under min_cell, complementary withholding across levels and nested groups, the AUROC
 * from under min_cell events, small confusion counts), read back through
 * vigil_metrics_report_scope. The levels are those of the labelled cases in the order `vigil
 * metrics` reads them from a file of those cases (vigil_table_filter_relevel: a column's levels
 * in order of first appearance), so that the policy's choices, which follow that order on ties,
 * are the same. */
#include "monitor/monitor_engine.h"
#include "run/metrics_internal.h"
#include "vigil/error.h"
#include "vigil/fairness.h"
#include "vigil/metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define Z975 1.959963984540054

static cJSON *value_json(cJSON *o, const char *key, double v, double lo, double hi, int shown, const char *ci)
{
    cJSON *e = cJSON_AddObjectToObject(o, key);
    vigil_json_add_number(e, "value", shown ? v : NAN);
    vigil_json_add_number(e, "ci_low", shown ? lo : NAN);
    vigil_json_add_number(e, "ci_high", shown ? hi : NAN);
    cJSON_AddStringToObject(e, "ci", ci);
    return e;
}

#define WHY_UNDEFINED "not defined on these cases"

/* A level's statistic: shown, or null with why (`why` when withheld, else undefined). */
static void level_value(cJSON *o, const char *key, double v, double lo, double hi, int shown, const char *why,
                        const char *ci)
{
    int ok = shown && isfinite(v);
    cJSON *e = value_json(o, key, v, lo, hi, ok, ci);
    if (!ok) cJSON_AddStringToObject(e, "why", shown ? WHY_UNDEFINED : why);
}

/* performance.subgroups: the n labelled cases (p, y; rows `kept` of the current window). */
static int subgroups(const vigil_monitor *m, const mon_data *d, const uint8_t *kept, const double *p, const double *y,
                     size_t n, cJSON *o)
{
    size_t ng = m->data.n_groups;
    const char *const *specs = (const char *const *)m->data.groups;
    vigil_table *t = NULL;
    groups_t *G = calloc(1, sizeof *G);
    vigil_metrics_report *rep = NULL;
    const char *keep[MAX_GROUPS * VIGIL_GROUP_SPEC_MAX];
    size_t n_keep = 0;
    int rc;
    if (!G) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    if ((rc = vigil_table_filter_relevel(&t, d->cur, kept)) != 0) goto done;
    if ((rc = vigil_run_groups_split(G, specs, ng, keep, &n_keep)) != 0) {
        vigil_error_wrap("%s: $.data.columns.groups", m->file);
        goto done;
    }
    if ((rc = vigil_run_groups_resolve(G, t, specs, ng, n)) != 0)
        goto done;
    vigil_metrics_options mo = VIGIL_METRICS_OPTIONS_INIT;
    mo.thresholds = &m->threshold, mo.n_thresholds = 1;
    mo.min_cell = m->min_cell, mo.threads = 1, mo.lowess_bootstrap = -1;
    if ((rc = vigil_metrics_compute(&rep, p, y, n, G->g, ng, &mo)) != 0) goto done;
    cJSON *sg = cJSON_AddObjectToObject(o, "subgroups");
    for (size_t g = 0; g < ng; g++) {
        const char *gname = vigil_metrics_report_group_name(rep, g);
        cJSON *lv = sg ? cJSON_AddObjectToObject(cJSON_AddObjectToObject(sg, gname), "levels") : NULL;
        if (!lv) goto oom;
        for (size_t l = 0; l < vigil_metrics_report_n_levels(rep, g); l++) {
            const char *lname = vigil_metrics_report_level_name(rep, g, l);
            vigil_metrics_scope_stats st;
            if ((rc = vigil_metrics_report_scope(&st, rep, gname, lname)) != 0) goto done;
            cJSON *e = cJSON_AddObjectToObject(lv, lname);
            if (!e) goto oom;
            const char *wl = "fewer than min_cell cases, or needed to protect one (cell-size policy)";
            const vigil_calibration *c = &st.cal;
            int sh = st.level_shown;
            if (sh) cJSON_AddNumberToObject(e, "n", (double)st.n);
            else cJSON_AddNullToObject(e, "n"), cJSON_AddStringToObject(e, "withheld", wl);
            level_value(e, "auroc", st.auroc.auc, st.auroc.ci_low, st.auroc.ci_high,
                        st.auroc_status == VIGIL_METRIC_OK, sh ? st.auroc_why : wl, "DeLong");
            double oe = c->oe_ratio, lse = c->oe_log_se;
            level_value(e, "oe_ratio", oe, oe * exp(-Z975 * lse), oe * exp(Z975 * lse), st.prevalence_shown,
                        sh ? "the level's prevalence is withheld (cell-size policy): O/E and its interval give "
                             "the events back" : wl,
                        "log(O/E) -/+ 1.96 sqrt(1/O - 1/N)");
            level_value(e, "calibration_slope", c->slope, c->slope - Z975 * c->slope_se, c->slope + Z975 * c->slope_se,
                        sh, wl, "Wald (logistic fit)");
            level_value(e, "citl", c->citl, c->citl - Z975 * c->citl_se, c->citl + Z975 * c->citl_se, sh, wl,
                        "Wald (offset fit)");
            if (m->threshold_given) {
                const char *wt = sh ? "a count of flag x outcome is under min_cell (cell-size policy)" : wl;
                level_value(e, "sensitivity", st.thr.tpr, st.thr.tpr_lo, st.thr.tpr_hi, st.threshold_shown, wt, "Wilson");
                level_value(e, "ppv", st.thr.ppv, st.thr.ppv_lo, st.thr.ppv_hi, st.threshold_shown, wt, "Wilson");
            }
        }
    }
    rc = VIGIL_OK;
    goto done;
oom:
    rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
done:
    vigil_metrics_report_free(rep);
    vigil_run_groups_free(G, ng);
    vigil_table_free(t);
    return rc;
}

int vigil_mon_performance(const vigil_monitor *m, const mon_data *d, cJSON *doc)
{
    size_t nc = vigil_table_nrows(d->cur), n = 0;
    double *p = malloc((nc ? nc : 1) * sizeof *p), *y = malloc((nc ? nc : 1) * sizeof *y);
    uint8_t *kept = malloc(nc ? nc : 1);
    double unscored = 0, unlabelled = 0, pos = 0;
    int rc;
    if (!p || !y || !kept) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    if (!d->score_cur) {
        rc = vigil_error_set(VIGIL_EINTERNAL, "monitor: performance without scores");
        goto done;
    }
    if ((rc = vigil_mon_collect(m, d->cur, d->score_cur, 1, p, y, &n, &unscored, &unlabelled, kept)) != 0) goto done;
    for (size_t i = 0; i < n; i++) pos += y[i];
    vigil_auroc a = {NAN, NAN, NAN, NAN, 0, 0};
    vigil_calibration cal;
    vigil_threshold_stats t = {0};
    int both = pos > 0 && pos < (double)n, thr = m->threshold_given;
    if (both) {
        if ((rc = vigil_metrics_auroc(p, y, n, 0.95, &a)) != 0 ||
            (rc = vigil_metrics_calibration(p, y, n, &cal)) != 0 ||
            (thr && (rc = vigil_metrics_threshold(p, y, n, m->threshold, 0.95, &t)) != 0))
            goto done;
    }
    int shown = vigil_fairness_count_ok(pos, m->min_cell) && vigil_fairness_count_ok((double)n - pos, m->min_cell);
    int cells = shown && thr && both && vigil_fairness_count_ok(t.tp, m->min_cell) &&
                vigil_fairness_count_ok(t.fp, m->min_cell) && vigil_fairness_count_ok(t.fn, m->min_cell) &&
                vigil_fairness_count_ok(t.tn, m->min_cell);
    cJSON *o = cJSON_AddObjectToObject(doc, "performance");
    if (!o) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    cJSON_AddStringToObject(o, "window", "current");
    cJSON_AddStringToObject(o, "label_column", m->data.label);
    cJSON_AddNumberToObject(o, "n_labelled", (double)n);
    cJSON_AddNumberToObject(o, "unlabelled", unlabelled);
    cJSON_AddNumberToObject(o, "unscored", unscored);
    cJSON_AddNumberToObject(o, "min_cell", (double)m->min_cell);
    if (thr) cJSON_AddNumberToObject(o, "threshold", m->threshold);
    if (!both)
        cJSON_AddStringToObject(o, "not_computed", n == 0 ? "no case of the current window has a label yet"
                                                          : "the current window's labels hold one class only");
    else if (!shown)
        cJSON_AddStringToObject(o, "withheld", "withheld (cell-size policy): the positives or the negatives "
                                               "number under min_cell");
    else if (thr && !cells)
        cJSON_AddStringToObject(o, "withheld", "sensitivity and PPV withheld (cell-size policy): a count of "
                                               "flag x outcome is under min_cell");
    int s = both && shown, c = s && cells;
    double oe = both ? cal.oe_ratio : NAN, lse = both ? cal.oe_log_se : NAN;
    value_json(o, "auroc", a.auc, a.ci_low, a.ci_high, s, "DeLong");
    value_json(o, "oe_ratio", oe, oe * exp(-Z975 * lse), oe * exp(Z975 * lse), s, "log(O/E) -/+ 1.96 sqrt(1/O - 1/N)");
    value_json(o, "calibration_slope", both ? cal.slope : NAN, both ? cal.slope - Z975 * cal.slope_se : NAN,
               both ? cal.slope + Z975 * cal.slope_se : NAN, s, "Wald (logistic fit)");
    value_json(o, "citl", both ? cal.citl : NAN, both ? cal.citl - Z975 * cal.citl_se : NAN,
               both ? cal.citl + Z975 * cal.citl_se : NAN, s, "Wald (offset fit)");
    if (thr) {
        value_json(o, "sensitivity", both ? t.tpr : NAN, both ? t.tpr_lo : NAN, both ? t.tpr_hi : NAN, c, "Wilson");
        value_json(o, "ppv", both ? t.ppv : NAN, both ? t.ppv_lo : NAN, both ? t.ppv_hi : NAN, c, "Wilson");
    }
    if (m->data.n_groups) {
        if (!both)
            cJSON_AddStringToObject(o, "subgroups_not_computed", cJSON_GetObjectItemCaseSensitive(o, "not_computed")->valuestring);
        else if (n < m->min_cell)
            cJSON_AddStringToObject(o, "subgroups_not_computed", "fewer labelled cases than min_cell: the cell-size "
                                                                 "policy withholds every level");
        else if ((rc = subgroups(m, d, kept, p, y, n, o)) != 0)
            goto done;
    }
    rc = VIGIL_OK;
done:
    free(p), free(y), free(kept);
    return rc;
}
