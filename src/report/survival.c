/* Time-to-event validation in the evidence report (issue 16): the candidate's `survival`
 * block as the metrics engine stored it (src/stats/survival.c) -- the IPCW time-dependent
 * AUROC and Brier score at the horizon with their intervals, Harrell's C, the Kaplan-Meier
 * risk against the mean predicted risk, the calibration at the horizon (table and plot), and
 * the same per subgroup level. Nothing is recomputed; what the engine withheld stays withheld. */
#include "report/report_ctx.h"
#include "report/report_plots.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The stored method of an interval (issue 18), or `old` for a run from before it was stored. */
static const char *how(const cJSON *o, const char *old) { return js(o, "ci_method") ? js(o, "ci_method") : old; }

#define OLD_IF "Wald, se from the influence function (riskRegression::Score)"
#define OLD_KM "Kaplan-Meier, survfit's log interval"

static void num_row(rctx *c, const char *what, double v, double lo, double hi, int digits, const char *method)
{
    rcell r[3] = {vigil_cell_txt(what), vigil_cell_num(v, digits), vigil_cell_method(vigil_cell_ci(lo, hi, digits), method)};
    if (isnan(lo) && isnan(hi) && isfinite(v)) r[2] = vigil_cell_na("no interval"); /* a measure without one */
    vigil_doc_row(&c->d, r);
}

static void count_row(rctx *c, const char *what, double v)
{
    rcell r[3] = {vigil_cell_txt(what), vigil_cell_count(v, c->min_cell), vigil_cell_txt("")};
    vigil_doc_row(&c->d, r);
}

/* The KM risk curves of the risk groups (the stored grid points: no event time is shown), as
 * steps, with the horizon's calibration groups numbered low to high risk. */
static char *km_plot(const cJSON *groups, double horizon, const char **why)
{
    vigil_sbuf b = {0};
    vigil_sbuf_printf(&b, "set terminal svg size 900,600 font 'sans,13' background rgb 'white'\n"
                          "set termoption noenhanced\nset output 'plot.svg'\nset encoding utf8\n"
                          "set grid lc rgb '#dddddd'\nset key outside right top box\n"
                          "set title 'Kaplan-Meier risk by risk group (grid of ten times up to the horizon)'\n"
                          "set xlabel 'Follow-up time (the data unit)'\nset ylabel 'Observed risk (1 - KM)'\n"
                          "set xrange [0:%.9g]\nset yrange [0:1]\n",
                      horizon);
    const cJSON *g;
    int k = 0, drawn = 0;
    cJSON_ArrayForEach(g, groups)
    {
        vigil_sbuf_printf(&b, "$g%d << EOD\n0 0\n", k);
        const cJSON *pt;
        cJSON_ArrayForEach(pt, jp(g, "km_curve"))
        {
            double t = jnum(pt, "time"), r = jnum(pt, "risk");
            if (isfinite(t) && isfinite(r)) vigil_sbuf_printf(&b, "%.9g %.9g\n", t, r), drawn++;
        }
        vigil_sbuf_printf(&b, "EOD\n");
        k++;
    }
    if (!drawn) {
        vigil_sbuf_free(&b);
        *why = "the stored survival block holds no Kaplan-Meier curve points (withheld or absent)";
        return NULL;
    }
    vigil_sbuf_printf(&b, "plot ");
    for (int j = 0; j < k; j++)
        vigil_sbuf_printf(&b, "%s$g%d using 1:2 with steps lw 2 title 'risk group %d'", j ? ", " : "", j, j + 1);
    vigil_sbuf_printf(&b, "\n");
    return vigil_plot_finish(&b, "km", why);
}

void vigil_report_survival(rctx *c)
{
    const cJSON *s = c->cand ? jp(c->cand, "survival") : NULL;
    if (!s) return;
    rdoc *d = &c->d;
    char h[32];
    snprintf(h, sizeof h, "%g", jnum(s, "horizon"));
    vigil_doc_h(d, 4, "time-to-event", "Time to event at the horizon");
    vigil_doc_p(d, "The candidate's risk as the probability of the event by the horizon %s (the follow-up time's unit), "
                "validated on the follow-up as it is, censored subjects included (%s).",
                h, js(s, "method") ? js(s, "method") : "inverse probability of censoring weights");
    static const char *const cols[] = {"measure", "value", "95% CI"};
    vigil_doc_table(d, "survival", "Time-to-event validation at the horizon", cols, 3);
    count_row(c, "subjects", jnum(s, "n"));
    count_row(c, "events by the horizon", jnum(s, "events_by_horizon"));
    count_row(c, "censored before the horizon", jnum(s, "censored_before_horizon"));
    num_row(c, "time-dependent AUROC (cumulative/dynamic, IPCW)", jnum(s, "auc.value"), jnum(s, "auc.ci_low"),
            jnum(s, "auc.ci_high"), 3, how(jp(s, "auc"), OLD_IF));
    num_row(c, "Brier score at the horizon (IPCW)", jnum(s, "brier.value"), jnum(s, "brier.ci_low"),
            jnum(s, "brier.ci_high"), 4, how(jp(s, "brier"), OLD_IF));
    /* runs stored before the interval have none: said so, not a blank */
    int c_ci = jp(s, "c_harrell_ci") != NULL;
    num_row(c, c_ci ? "Harrell's C (whole follow-up; infinitesimal-jackknife interval)"
                    : "Harrell's C (whole follow-up; no interval stored)",
            jnum(s, "c_harrell"), jnum(s, "c_harrell_ci.ci_low"), jnum(s, "c_harrell_ci.ci_high"), 3,
            c_ci ? how(jp(s, "c_harrell_ci"), NULL) : NULL);
    num_row(c, "observed risk by the horizon (1 - Kaplan-Meier)", jnum(s, "km_risk"), jnum(s, "km_risk_ci.ci_low"),
            jnum(s, "km_risk_ci.ci_high"), 3, how(jp(s, "km_risk_ci"), OLD_KM));
    num_row(c, "mean predicted risk", jnum(s, "mean_risk"), NAN, NAN, 3, NULL);
    num_row(c, "observed / expected", jnum(s, "oe_ratio"), NAN, NAN, 3, NULL);
    vigil_doc_table_end(d);
    const char *why_auc = js(s, "auc.reason");
    if (why_auc) vigil_doc_p(d, "The time-dependent AUROC is not given: %s.", why_auc);
    const cJSON *cal = jp(s, "calibration"), *g;
    if (cal && cJSON_GetArraySize(jp(cal, "groups")) > 0) {
        static const char *const cc[] = {"risk group", "subjects", "events by the horizon", "mean predicted risk",
                                         "observed risk", "95% CI"};
        vigil_doc_table(d, "survival-calibration", "Calibration at the horizon by risk group", cc, 6);
        int k = 0;
        cJSON_ArrayForEach(g, jp(cal, "groups"))
        {
            char name[16];
            snprintf(name, sizeof name, "%d", ++k);
            rcell r[6] = {vigil_cell_txt(name), vigil_cell_count(jnum(g, "n"), c->min_cell),
                          vigil_cell_count(jnum(g, "events_by_horizon"), c->min_cell), vigil_cell_num(jnum(g, "mean_risk"), 3),
                          vigil_cell_num(jnum(g, "observed"), 3),
                          vigil_cell_method(vigil_cell_ci(jnum(g, "ci_low"), jnum(g, "ci_high"), 3), how(g, OLD_KM))};
            vigil_doc_row(d, r);
        }
        vigil_doc_table_end(d);
        if (js(cal, "method")) vigil_doc_p(d, "Risk groups: %s.", js(cal, "method"));
        const char *why = "plots were switched off (--no-plots)";
        char *svg = c->o->no_plots ? NULL : vigil_plot_survival_calibration(s, &why);
        vigil_doc_plot(d, "survival-calibration", "Calibration at the horizon", svg, why,
                       "observed risk by the horizon (1 - Kaplan-Meier, with its 95% interval) against the mean "
                       "predicted risk in each risk group; the dotted diagonal is perfect calibration");
        free(svg);
        why = "plots were switched off (--no-plots)";
        svg = c->o->no_plots ? NULL : km_plot(jp(cal, "groups"), jnum(s, "horizon"), &why);
        vigil_doc_plot(d, "survival-km", "Kaplan-Meier risk by risk group", svg, why,
                       "each risk group's observed risk (1 - Kaplan-Meier) over follow-up, at ten evenly spaced "
                       "times up to the horizon (not at the event times, which would show single subjects); a "
                       "point where fewer than the cell-size floor remain at risk is left out");
        free(svg);
    }
    const cJSON *grp, *lv;
    cJSON_ArrayForEach(grp, jp(c->cand, "subgroups"))
    {
        int any = 0;
        cJSON_ArrayForEach(lv, jp(grp, "levels")) any |= jp(lv, "survival") != NULL || cJSON_IsTrue(jp(lv, "suppressed"));
        if (!any) continue;
        char id[128], cap[256];
        snprintf(id, sizeof id, "survival-%s", grp->string);
        snprintf(cap, sizeof cap, "Time to event by %s", grp->string);
        static const char *const lc[] = {"level", "subjects", "events by the horizon", "AUROC(t)", "95% CI",
                                         "Brier", "observed risk", "O/E"};
        vigil_doc_table(d, id, cap, lc, 8);
        cJSON_ArrayForEach(lv, jp(grp, "levels"))
        {
            const cJSON *ls = jp(lv, "survival");
            if (!ls || cJSON_IsTrue(jp(lv, "suppressed"))) {
                rcell r[8];
                r[0] = vigil_cell_txt(lv->string);
                for (int i = 1; i < 8; i++) r[i] = vigil_cell_sup();
                vigil_doc_row(d, r);
                continue;
            }
            rcell r[8] = {vigil_cell_txt(lv->string), vigil_cell_count(jnum(ls, "n"), c->min_cell),
                          vigil_cell_count(jnum(ls, "events_by_horizon"), c->min_cell),
                          vigil_cell_num(jnum(ls, "auc.value"), 3),
                          vigil_cell_method(vigil_cell_ci(jnum(ls, "auc.ci_low"), jnum(ls, "auc.ci_high"), 3),
                                            how(jp(ls, "auc"), OLD_IF)),
                          vigil_cell_num(jnum(ls, "brier.value"), 4), vigil_cell_num(jnum(ls, "km_risk"), 3),
                          vigil_cell_num(jnum(ls, "oe_ratio"), 3)};
            vigil_doc_row(d, r);
        }
        vigil_doc_table_end(d);
    }
}
