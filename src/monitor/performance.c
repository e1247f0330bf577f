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
 * are withheld (with n, each gives a cell back). */
#include "monitor/monitor_engine.h"
#include "vigil/error.h"
#include "vigil/fairness.h"
#include "vigil/metrics.h"

#include <math.h>
#include <stdlib.h>

#define Z975 1.959963984540054

static void value_json(cJSON *o, const char *key, double v, double lo, double hi, int shown, const char *ci)
{
    cJSON *e = cJSON_AddObjectToObject(o, key);
    vigil_json_add_number(e, "value", shown ? v : NAN);
    vigil_json_add_number(e, "ci_low", shown ? lo : NAN);
    vigil_json_add_number(e, "ci_high", shown ? hi : NAN);
    cJSON_AddStringToObject(e, "ci", ci);
}

int vigil_mon_performance(const vigil_monitor *m, const mon_data *d, cJSON *doc)
{
    size_t nc = vigil_table_nrows(d->cur), n = 0;
    double *p = malloc((nc ? nc : 1) * sizeof *p), *y = malloc((nc ? nc : 1) * sizeof *y);
    double unscored = 0, unlabelled = 0, pos = 0;
    int rc;
    if (!p || !y) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    if (!d->score_cur) {
        rc = vigil_error_set(VIGIL_EINTERNAL, "monitor: performance without scores");
        goto done;
    }
    if ((rc = vigil_mon_collect(m, d->cur, d->score_cur, 1, p, y, &n, &unscored, &unlabelled)) != 0) goto done;
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
    rc = VIGIL_OK;
done:
    free(p), free(y);
    return rc;
}
