/* A metrics report's numbers into a vigil_results, withholding what the JSON withholds. */
#include "stats/metrics_report.h"
#include "stats/metrics_report_human.h"
#include "stats/metrics_report_survival.h"
#include "vigil/error.h"
#include "core/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- store ------------------------------------------------------------------------------- */

static int add(vigil_results *res, const char *scope_name, const char *name, double v, double lo,
               double hi)
{
    if (!isfinite(v)) return VIGIL_OK;
    return vigil_results_add_metric(res, scope_name, name, v, lo, hi);
}

static int store_scope(vigil_results *res, const char *sc, const scope *s, const double *thr,
                       size_t nthr, int overall)
{
    int rc = 0;
    rc |= add(res, sc, "n", (double)s->n, NAN, NAN);
    if (s->prev_ok) rc |= add(res, sc, "prevalence", s->n1 / (double)s->n, NAN, NAN);
    if (!s->auroc_reason) rc |= add(res, sc, "auroc", s->auroc.auc, s->auroc.ci_low, s->auroc.ci_high);
    for (int k = S_AUPRC; k <= S_INTERCEPT; k++)
        rc |= add(res, sc, vigil_stats_stat_name[k], s->est[k], s->ci[k][0], s->ci[k][1]);
    for (int k = S_EAVG; k <= S_EMAX; k++) rc |= add(res, sc, vigil_stats_stat_name[k], s->est[k], s->ci[k][0], s->ci[k][1]);
    if (overall) {
        rc |= add(res, sc, "spiegelhalter_z", s->cal.spiegelhalter_z, NAN, NAN);
        rc |= add(res, sc, "spiegelhalter_p", s->cal.spiegelhalter_p, NAN, NAN);
        rc |= add(res, sc, "hosmer_lemeshow", s->cal.hl_stat, NAN, NAN);
        rc |= add(res, sc, "hosmer_lemeshow_p", s->cal.hl_p, NAN, NAN);
    }
    for (size_t k = 0; k < nthr; k++) {
        if (!s->thr_ok[k]) continue;
        const vigil_threshold_stats *t = &s->thr[k];
        char nm[64];
#define ST(label, v, lo, hi)                                   \
    snprintf(nm, sizeof nm, "%s@%g", label, thr[k]);           \
    rc |= add(res, sc, nm, v, lo, hi);
        ST("tpr", t->tpr, t->tpr_lo, t->tpr_hi)
        ST("fpr", t->fpr, 1 - t->tnr_hi, 1 - t->tnr_lo)
        ST("ppv", t->ppv, t->ppv_lo, t->ppv_hi)
        ST("npv", t->npv, t->npv_lo, t->npv_hi)
        ST("selection_rate", t->selection_rate, t->sel_lo, t->sel_hi)
        ST("net_benefit", t->net_benefit, NAN, NAN)
#undef ST
    }
    return rc ? VIGIL_EDB : VIGIL_OK;
}

int vigil_metrics_report_store(const vigil_metrics_report *r, vigil_results *res)
{
    if (vigil_stats_survival_only(r)) return vigil_stats_survival_store(r, res);
    int rc = store_scope(res, "overall", &r->all, r->thr, r->o.n_thresholds, 1);
    if (!rc && r->has_test && !r->all.auroc_reason) {
        rc |= add(res, "overall", "auroc_compare", r->test.auc2, NAN, NAN);
        rc |= add(res, "overall", "delong_z", r->test.z, NAN, NAN);
        rc |= add(res, "overall", "delong_p", r->test.p, NAN, NAN);
    }
    for (size_t gi = 0; gi < r->ng && !rc; gi++) {
        const group *g = &r->g[gi];
        for (size_t l = 0; l < g->n_levels && !rc; l++) {
            if (g->lv[l].suppressed) continue;
            char *sc = NULL;
            vigil_sbuf b = {0};
            vigil_sbuf_printf(&b, "%s=%s", g->name, g->lv[l].name);
            sc = b.s;
            if (!sc) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
            rc = store_scope(res, sc, &g->lv[l], r->thr, r->o.n_thresholds, 0);
            free(sc);
        }
        for (int k = 0; k < D_COUNT && !rc; k++)
            rc = add(res, g->name, vigil_stats_disparity_name[k], g->dest[k], g->dci[k][0], g->dci[k][1]);
    }
    if (!rc) rc = vigil_stats_human_store(r, res);
    if (!rc) rc = vigil_stats_survival_store(r, res);
    return rc ? (vigil_error_last_code() ? vigil_error_last_code() : rc) : VIGIL_OK;
}

