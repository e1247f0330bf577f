/* The readable table of a metrics report (vigil_metrics_report_text). */
#include "stats/metrics_report.h"
#include "stats/metrics_report_human.h"
#include "stats/metrics_report_survival.h"
#include "vigil/error.h"
#include "core/util.h"

#include <math.h>
#include <stdio.h>

static void fmt(vigil_sbuf *b, const char *label, double v, double lo, double hi)
{
    if (!isfinite(v)) {
        vigil_sbuf_printf(b, "  %-30s %10s\n", label, "-");
        return;
    }
    if (isfinite(lo) && isfinite(hi))
        vigil_sbuf_printf(b, "  %-30s %10.4f  (%.4f, %.4f)\n", label, v, lo, hi);
    else vigil_sbuf_printf(b, "  %-30s %10.4f\n", label, v);
}

char *vigil_metrics_report_text(const vigil_metrics_report *r)
{
    vigil_sbuf b = {0};
    if (vigil_stats_survival_only(r)) {
        vigil_sbuf_printf(&b, "cases %zu (no --label: time-to-event metrics only)\n\n", r->n);
        vigil_stats_survival_text(&b, r);
        return b.failed ? (vigil_sbuf_free(&b), NULL) : b.s;
    }
    const scope *a = &r->all;
    const vigil_calibration *c = &a->cal;
    vigil_sbuf_printf(&b, "cases %zu, prevalence %s", r->n, a->prev_ok ? "" : "withheld");
    if (a->prev_ok) vigil_sbuf_printf(&b, "%.4f", a->n1 / (double)a->n);
    vigil_sbuf_printf(&b, "; %.0f%% intervals (bootstrap: %zu replicates, seed %llu)\n\n",
                      r->o.level * 100, r->o.bootstrap, (unsigned long long)r->o.seed);
    vigil_sbuf_printf(&b, "discrimination\n");
    fmt(&b, "AUROC (DeLong)", a->est[S_AUROC], a->auroc.ci_low, a->auroc.ci_high);
    fmt(&b, "AUPRC (average precision)", a->auprc, a->ci[S_AUPRC][0], a->ci[S_AUPRC][1]);
    if (r->has_test && !a->auroc_reason) {
        char lab[64];
        snprintf(lab, sizeof lab, "AUROC of %.40s", r->compare_name);
        fmt(&b, lab, r->test.auc2, NAN, NAN);
        vigil_sbuf_printf(&b, "  %-30s %10.4f  (z %.3f, p %.4g)\n", "difference (paired DeLong)",
                          r->test.diff, r->test.z, r->test.p);
    }
    vigil_sbuf_printf(&b, "calibration\n");
    fmt(&b, "Brier", c->brier, a->ci[S_BRIER][0], a->ci[S_BRIER][1]);
    fmt(&b, "ECE (10 equal-width bins)", c->ece, a->ci[S_ECE][0], a->ci[S_ECE][1]);
    fmt(&b, "ECE (10 equal-mass bins)", c->ece_equal_mass, a->ci[S_ECE_EM][0], a->ci[S_ECE_EM][1]);
    fmt(&b, "MCE", c->mce, a->ci[S_MCE][0], a->ci[S_MCE][1]);
    fmt(&b, "slope", c->slope, a->ci[S_SLOPE][0], a->ci[S_SLOPE][1]);
    fmt(&b, "intercept", c->intercept, a->ci[S_INTERCEPT][0], a->ci[S_INTERCEPT][1]);
    fmt(&b, "calibration-in-the-large", c->citl, a->ci[S_CITL][0], a->ci[S_CITL][1]);
    fmt(&b, "Eavg (ICI)", c->eavg, a->ci[S_EAVG][0], a->ci[S_EAVG][1]);
    fmt(&b, "E50", c->e50, a->ci[S_E50][0], a->ci[S_E50][1]);
    fmt(&b, "E90", c->e90, a->ci[S_E90][0], a->ci[S_E90][1]);
    fmt(&b, "Emax", c->emax, a->ci[S_EMAX][0], a->ci[S_EMAX][1]);
    fmt(&b, "Spiegelhalter z", c->spiegelhalter_z, NAN, NAN);
    fmt(&b, "Spiegelhalter p", c->spiegelhalter_p, NAN, NAN);
    vigil_sbuf_printf(&b, "  %-30s %10.4f  (df %d, p %.4g)\n", "Hosmer-Lemeshow", c->hl_stat, c->hl_df, c->hl_p);
    for (size_t k = 0; k < r->o.n_thresholds; k++) {
        const vigil_threshold_stats *t = &a->thr[k];
        int ok = a->thr_ok[k];
        vigil_sbuf_printf(&b, "threshold %g%s\n", t->threshold, ok ? "" : " (withheld: small cells)");
        if (!ok) continue;
        fmt(&b, "sensitivity (TPR)", t->tpr, t->tpr_lo, t->tpr_hi);
        fmt(&b, "specificity", t->tnr, t->tnr_lo, t->tnr_hi);
        fmt(&b, "PPV", t->ppv, t->ppv_lo, t->ppv_hi);
        fmt(&b, "NPV", t->npv, t->npv_lo, t->npv_hi);
        fmt(&b, "selection rate", t->selection_rate, t->sel_lo, t->sel_hi);
        fmt(&b, "net benefit", t->net_benefit, NAN, NAN);
    }
    for (size_t gi = 0; gi < r->ng; gi++) {
        const group *g = &r->g[gi];
        vigil_sbuf_printf(&b, "\nsubgroups by %s (threshold %g)\n", g->name, r->thr[0]);
        vigil_sbuf_printf(&b, "  %-20s %8s %8s %8s %8s %8s %8s %8s\n", "level", "n", "prev", "AUROC",
                          "TPR", "FPR", "PPV", "select");
        for (size_t l = 0; l < g->n_levels; l++) {
            const scope *s = &g->lv[l];
            if (s->suppressed) {
                vigil_sbuf_printf(&b, "  %-20.20s %8s  (suppressed: small cell)\n", s->name, "<11");
                continue;
            }
            int ok = s->thr_ok[0];
            double v[6] = {s->prev_ok ? s->n1 / (double)s->n : NAN, s->est[S_AUROC],
                           ok ? s->thr[0].tpr : NAN, ok ? s->thr[0].fpr : NAN,
                           ok ? s->thr[0].ppv : NAN, ok ? s->thr[0].selection_rate : NAN};
            vigil_sbuf_printf(&b, "  %-20.20s %8zu", s->name, s->n);
            for (int k = 0; k < 6; k++) {
                if (isfinite(v[k])) vigil_sbuf_printf(&b, " %8.4f", v[k]);
                else vigil_sbuf_printf(&b, " %8s", "-");
            }
            vigil_sbuf_printf(&b, "\n");
        }
        vigil_sbuf_printf(&b, "  disparities\n");
        for (int k = 0; k < D_COUNT; k++) fmt(&b, vigil_stats_disparity_name[k], g->dest[k], g->dci[k][0], g->dci[k][1]);
    }
    if (r->human) {
        vigil_sbuf_printf(&b, "\n");
        vigil_stats_human_text(&b, r);
    }
    if (r->survival) {
        if (!vigil_stats_survival_only(r)) vigil_sbuf_printf(&b, "\n");
        vigil_stats_survival_text(&b, r);
    }
    if (b.failed) {
        vigil_sbuf_free(&b);
        return NULL;
    }
    return b.s;
}

