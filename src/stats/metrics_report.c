/* The metrics report: one sort of the scores, every statistic overall and per subgroup level,
 * then the cell-size policy (metrics_report_cells.c) and the bootstrap (metrics_report_boot.c),
 * applied once, here, so that the JSON, the table, the store and the getters all show the same
 * (withheld) numbers. */
#include "vigil/fairness.h"
#include "stats/metrics_report.h"
#include "stats/metrics_report_human.h"
#include "stats/metrics_report_survival.h"
#include "vigil/error.h"
#include "core/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const vigil_stats_stat_name[S_COUNT] = {"auroc", "auprc", "brier", "ece", "ece_equal_mass",
                                                    "mce", "citl", "slope", "intercept", "tpr", "fpr",
                                                    "selection_rate", "eavg", "e50", "e90", "emax"};
const char *const vigil_stats_thr_stat_name[T_COUNT] = {"tpr", "specificity", "ppv", "npv", "selection_rate",
                                                        "net_benefit"};
const char *const vigil_stats_disparity_name[D_COUNT] = {
    "demographic_parity_difference", "demographic_parity_ratio", "equalized_odds_difference",
    "equal_opportunity_difference",  "auroc_gap",                "calibration_gap_ece",
    "calibration_gap_citl",          "calibration_gap"};

/* ---- per-scope statistics ---------------------------------------------------------------- */

/* The point estimates at the first threshold follow its flag. */
void vigil_stats_threshold_est(scope *s, size_t nthr)
{
    int ok = nthr > 0 && s->thr_ok[0];
    s->est[S_TPR] = ok ? s->thr[0].tpr : NAN;
    s->est[S_FPR] = ok ? s->thr[0].fpr : NAN;
    s->est[S_SEL] = ok ? s->thr[0].selection_rate : NAN;
}

static int scope_point(scope *s, const double *thr, size_t nthr, double level, size_t min_cell)
{
    size_t n = s->n;
    s->n1 = 0;
    for (size_t i = 0; i < n; i++) s->n1 += s->y[i];
    double n0 = (double)n - s->n1;
    s->auroc.n_pos = (size_t)s->n1;
    s->auroc.n_neg = (size_t)n0;
    if (s->n1 == 0 || n0 == 0) {
        s->auroc.auc = s->auroc.se = s->auroc.ci_low = s->auroc.ci_high = NAN;
        s->auroc_reason = s->n1 == 0 ? "no events at this level" : "no non-events at this level";
    } else {
        s->auroc.auc = vigil_stats_auroc_sorted(s->p, s->y, NULL, n);
        s->auroc.se = sqrt(vigil_stats_delong_var_sorted(s->p, s->y, n, s->auroc.auc));
        double z = vigil_stats_qnorm(1 - (1 - level) / 2);
        s->auroc.ci_low = fmax(0, s->auroc.auc - z * s->auroc.se);
        s->auroc.ci_high = fmin(1, s->auroc.auc + z * s->auroc.se);
    }
    s->auprc = vigil_stats_ap_sorted(s->p, s->y, NULL, n);
    vigil_stats_calib_bins_sorted(s->p, s->y, NULL, n, &s->bins);
    int rc = vigil_stats_calibration_sorted(s->p, s->y, n, &s->cal);
    if (rc) return rc;
    if (!(s->thr = calloc(nthr, sizeof *s->thr)) || !(s->thr_ok = calloc(nthr, sizeof *s->thr_ok)))
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    for (size_t k = 0; k < nthr; k++) {
        double tp, fp, fn, tn;
        vigil_stats_confusion_sorted(s->p, s->y, NULL, n, thr[k], &tp, &fp, &fn, &tn);
        vigil_stats_threshold_from_counts(thr[k], tp, fp, fn, tn, level, &s->thr[k]);
        double cell[4] = {tp, fp, fn, tn};
        s->thr_ok[k] = vigil_fairness_confusion_ok(cell, min_cell);
    }
    s->prev_ok = vigil_fairness_rate_ok(s->n1, (double)n, min_cell);
    /* An AUROC from a handful of events is both unstable and a disclosure risk. */
    if (!s->auroc_reason && !(vigil_fairness_count_ok(s->n1, min_cell) && vigil_fairness_count_ok(n0, min_cell))) {
        s->auroc_reason = "fewer than min-cell events or non-events (cell-size policy)";
        s->auroc_withheld = 1;
    }
    s->est[S_AUROC] = s->auroc_reason ? NAN : s->auroc.auc;
    s->est[S_AUPRC] = s->auprc;
    s->est[S_BRIER] = s->cal.brier;
    s->est[S_ECE] = s->cal.ece;
    s->est[S_ECE_EM] = s->cal.ece_equal_mass;
    s->est[S_MCE] = s->cal.mce;
    s->est[S_CITL] = s->cal.citl;
    s->est[S_SLOPE] = s->cal.slope;
    s->est[S_INTERCEPT] = s->cal.intercept;
    vigil_stats_threshold_est(s, nthr);
    s->est[S_EAVG] = s->cal.eavg;
    s->est[S_E50] = s->cal.e50;
    s->est[S_E90] = s->cal.e90;
    s->est[S_EMAX] = s->cal.emax;
    for (int k = 0; k < S_COUNT; k++) s->ci[k][0] = s->ci[k][1] = NAN;
    return VIGIL_OK;
}

/* ---- curves ------------------------------------------------------------------------------ */

static int curves(vigil_metrics_report *r)
{
    const scope *s = &r->all;
    size_t n = s->n, mc = r->o.min_cell, cap = r->o.curve_points;
    double P = s->n1, N = (double)n - P;
    curve_pt *roc = malloc((n + 2) * sizeof *roc), *pr = malloc((n + 2) * sizeof *pr);
    if (!roc || !pr) {
        free(roc);
        free(pr);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    size_t nr = 0, np = 0;
    roc[nr++] = (curve_pt){INFINITY, 0, 0};
    double tp = 0, fp = 0;
    for (size_t j = n; j > 0;) {
        size_t i = j;
        do {
            i--;
            if (s->y[i]) tp++;
            else fp++;
        } while (i > 0 && s->p[i - 1] == s->p[j - 1]);
        double thr = s->p[j - 1];
        j = i;
        /* A point is shown only when none of its four counts is a small cell. */
        if (!(vigil_fairness_count_ok(tp, mc) && vigil_fairness_count_ok(fp, mc) &&
              vigil_fairness_count_ok(P - tp, mc) && vigil_fairness_count_ok(N - fp, mc)))
            continue;
        roc[nr++] = (curve_pt){thr, fp / N, tp / P};
        pr[np++] = (curve_pt){thr, tp / P, tp / (tp + fp)};
    }
    /* Thin to at most `cap` points, evenly over the list, keeping both ends. */
    curve_pt *lists[2] = {roc, pr};
    size_t *counts[2] = {&nr, &np};
    for (int c = 0; c < 2; c++) {
        size_t m = *counts[c];
        if (m <= cap || cap < 2) continue;
        curve_pt *L = lists[c];
        for (size_t k = 0; k < cap; k++) L[k] = L[(size_t)((double)k * (double)(m - 1) / (double)(cap - 1) + 0.5)];
        *counts[c] = cap;
    }
    r->roc = roc;
    r->pr = pr;
    r->n_roc = nr;
    r->n_pr = np;
    /* Events at or above each position, so each grid threshold costs a binary search. */
    double *above1 = malloc((n + 1) * sizeof *above1);
    if (!above1) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    above1[n] = 0;
    for (size_t i = n; i > 0; i--) above1[i - 1] = above1[i] + s->y[i - 1];
    for (int k = 0; k < NB_GRID; k++) {
        double t = (k + 1) / 100.0;
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (s->p[mid] < t) lo = mid + 1;
            else hi = mid;
        }
        double ttp = above1[lo], tfp = (double)(n - lo) - ttp, tfn = P - ttp, ttn = N - tfp;
        int ok = vigil_fairness_count_ok(ttp, mc) && vigil_fairness_count_ok(tfp, mc) &&
                 vigil_fairness_count_ok(tfn, mc) && vigil_fairness_count_ok(ttn, mc);
        r->nb_t[k] = t;
        r->nb_model[k] = ok ? ttp / (double)n - tfp / (double)n * t / (1 - t) : NAN;
        r->nb_all[k] = P / (double)n - N / (double)n * t / (1 - t);
    }
    free(above1);
    return VIGIL_OK;
}

/* ---- compute ----------------------------------------------------------------------------- */

static void scope_clear(scope *s)
{
    free(s->name);
    if (s->own) {
        free(s->p);
        free(s->lg);
        free(s->y);
    }
    free(s->pos);
    free(s->thr);
    free(s->thr_ok);
    free(s->rep);
    free(s->jack);
    free(s->trep);
}

void vigil_metrics_report_free(vigil_metrics_report *r)
{
    if (!r) return;
    r->all.own = 1;
    scope_clear(&r->all);
    for (size_t g = 0; g < r->ng; g++) {
        for (size_t l = 0; l < r->g[g].n_levels; l++) scope_clear(&r->g[g].lv[l]);
        free(r->g[g].lv);
        free(r->g[g].name);
        free(r->g[g].drep);
        free(r->g[g].djack);
        free(r->g[g].code);
        free(r->g[g].citl0);
    }
    free(r->g);
    free(r->thr);
    free(r->bt);
    free(r->band_rep);
    free(r->roc);
    free(r->pr);
    free(r->yd);
    free(r->compare_name);
    free(r->pos);
    vigil_stats_human_free(r->human);
    vigil_stats_survival_free(r->survival);
    free(r);
}

static int build_group(vigil_metrics_report *r, group *g, const vigil_metrics_group *spec,
                       const uint32_t *ord)
{
    size_t n = r->n, L = spec->n_levels + 1; /* the last level collects missing codes */
    size_t *cnt = calloc(L, sizeof *cnt);
    int rc = VIGIL_OK;
    if (!cnt || !(g->name = vigil_strdup(spec->name)) || !(g->lv = calloc(L, sizeof *g->lv))) goto oom;
    for (size_t i = 0; i < n; i++) {
        int32_t c = spec->codes[i];
        cnt[c >= 0 && (size_t)c < spec->n_levels ? (size_t)c : L - 1]++;
    }
    size_t nl = 0;
    size_t *map = calloc(L, sizeof *map);
    if (!map) goto oom;
    for (size_t l = 0; l < L; l++) {
        if (!cnt[l]) continue;
        scope *s = &g->lv[nl];
        map[l] = nl++;
        s->own = 1;
        s->name = vigil_strdup(l < L - 1 ? spec->levels[l] : "(missing)");
        s->p = malloc(cnt[l] * sizeof *s->p);
        s->lg = malloc(cnt[l] * sizeof *s->lg);
        s->y = malloc(cnt[l]);
        s->pos = malloc(cnt[l] * sizeof *s->pos);
        if (!s->name || !s->p || !s->lg || !s->y || !s->pos) {
            free(map);
            goto oom;
        }
    }
    g->n_levels = nl;
    for (size_t i = 0; i < n; i++) { /* walk the overall order: each level stays sorted */
        int32_t c = spec->codes[ord[i]];
        size_t l = map[c >= 0 && (size_t)c < spec->n_levels ? (size_t)c : L - 1];
        scope *s = &g->lv[l];
        s->p[s->n] = r->all.p[i];
        s->lg[s->n] = r->all.lg[i];
        s->y[s->n] = r->all.y[i];
        s->pos[s->n] = (uint32_t)i;
        s->n++;
    }
    free(map);
    for (size_t l = 0; l < nl; l++)
        if ((rc = scope_point(&g->lv[l], r->thr, r->o.n_thresholds, r->o.level, r->o.min_cell)) != 0)
            goto done;
    goto done;
oom:
    rc = vigil_error_set(VIGIL_ENOMEM, "out of memory building subgroups of '%s'", spec->name);
done:
    free(cnt);
    return rc;
}

/* After the cell-size policy: each case's level for the bootstrap, the disparities. */
static int finish_group(vigil_metrics_report *r, group *g)
{
    size_t n = r->n, nl = g->n_levels;
    if (!(g->code = malloc(n * sizeof *g->code)) || !(g->citl0 = malloc(nl * sizeof *g->citl0))) goto oom;
    for (size_t l = 0; l < nl; l++) {
        scope *s = &g->lv[l];
        g->citl0[l] = s->cal.citl;
        for (size_t i = 0; i < s->n; i++) g->code[s->pos[i]] = s->suppressed ? (uint32_t)nl : (uint32_t)l;
    }
    double *vals = malloc(nl * S_COUNT * sizeof *vals);
    if (!vals) goto oom;
    for (size_t l = 0; l < nl; l++) memcpy(vals + l * S_COUNT, g->lv[l].est, sizeof g->lv[l].est);
    vigil_stats_group_disparities(g, vals, g->dest, g->dmiss, g->dmiss_withheld);
    free(vals);
    for (int k = 0; k < D_COUNT; k++) g->dci[k][0] = g->dci[k][1] = NAN;
    return VIGIL_OK;
oom:
    return vigil_error_set(VIGIL_ENOMEM, "out of memory building subgroups of '%s'", g->name);
}

int vigil_metrics_compute(vigil_metrics_report **out, const double *score, const double *label,
                          size_t n, const vigil_metrics_group *groups, size_t n_groups,
                          const vigil_metrics_options *opts)
{
    double t0 = vigil_seconds();
    *out = NULL;
    if (!label && opts && opts->time && opts->event)
        return vigil_stats_survival_only_compute(out, score, n, groups, n_groups, opts);
    int rc = vigil_metrics_check(score, label, n, NULL, 0, 0, NULL, NULL);
    if (rc) return rc;
    if (n >= UINT32_MAX) return vigil_error_set(VIGIL_EINVAL, "too many cases (%zu)", n);
    if (n_groups >= VM_MAX_GROUPS)
        return vigil_error_set(VIGIL_EINVAL, "at most %d group columns", VM_MAX_GROUPS - 1);
    vigil_metrics_report *r = calloc(1, sizeof *r);
    uint32_t *ord = NULL;
    if (!r) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    if (opts) r->o = *opts;
    r->o.min_cell = vigil_fairness_min_cell(r->o.min_cell);
    if (!(r->o.level > 0 && r->o.level < 1)) r->o.level = 0.95;
    if (!r->o.curve_points) r->o.curve_points = 200;
    if (!r->o.n_thresholds || !r->o.thresholds) r->o.n_thresholds = 1;
    if (!(r->thr = malloc(r->o.n_thresholds * sizeof *r->thr))) goto oom;
    for (size_t k = 0; k < r->o.n_thresholds; k++)
        r->thr[k] = opts && opts->thresholds && opts->n_thresholds ? opts->thresholds[k] : 0.5;
    r->o.thresholds = r->thr;
    /* the bootstrap thresholds, as slots of thr (each once) */
    if (opts && opts->n_boot_thresholds && opts->boot_thresholds) {
        if (!(r->bt = malloc(opts->n_boot_thresholds * sizeof *r->bt))) goto oom;
        for (size_t b = 0; b < opts->n_boot_thresholds; b++) {
            size_t k = 0, d = 0;
            while (k < r->o.n_thresholds && r->thr[k] != opts->boot_thresholds[b]) k++;
            if (k == r->o.n_thresholds) {
                rc = vigil_error_set(VIGIL_EINVAL, "bootstrap threshold %g is not one of the report's thresholds",
                                     opts->boot_thresholds[b]);
                goto done;
            }
            while (d < r->n_bt && r->bt[d] != k) d++;
            if (d == r->n_bt) r->bt[r->n_bt++] = k;
        }
    }
    r->o.boot_thresholds = NULL, r->o.n_boot_thresholds = 0; /* the caller's: bt holds them */
    if (!r->o.threads) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        r->o.threads = c > 0 ? (unsigned)c : 1;
    }
    if (n < r->o.min_cell) {
        rc = vigil_error_set(VIGIL_EINVAL,
                             "fewer than %zu cases: the cell-size policy withholds every statistic",
                             r->o.min_cell);
        goto done;
    }
    r->n = n;
    scope *a = &r->all;
    a->own = 1;
    a->n = n;
    if (!(a->name = vigil_strdup("overall")) || !(ord = malloc(n * sizeof *ord)) ||
        !(a->p = malloc(n * sizeof *a->p)) || !(a->lg = malloc(n * sizeof *a->lg)) ||
        !(a->y = malloc(n)))
        goto oom;
    if (vigil_stats_sort_order(score, n, ord) != 0) goto oom;
    if (!(r->pos = malloc(n * sizeof *r->pos))) goto oom;
    for (size_t i = 0; i < n; i++) r->pos[ord[i]] = (uint32_t)i;
    for (size_t i = 0; i < n; i++) {
        a->p[i] = score[ord[i]];
        a->y[i] = label[ord[i]] != 0;
        a->lg[i] = log(a->p[i] / (1 - a->p[i]));
    }
    if ((rc = scope_point(a, r->thr, r->o.n_thresholds, r->o.level, r->o.min_cell)) != 0) goto done;
    if (!(r->g = calloc(n_groups ? n_groups : 1, sizeof *r->g))) goto oom;
    for (size_t gi = 0; gi < n_groups; gi++) {
        r->ng = gi + 1;
        if ((rc = build_group(r, &r->g[gi], &groups[gi], ord)) != 0) goto done;
    }
    if ((rc = vigil_stats_cell_policy(r)) != 0) goto done;
    for (size_t gi = 0; gi < n_groups; gi++)
        if ((rc = finish_group(r, &r->g[gi])) != 0) goto done;
    if (r->o.compare) {
        if ((rc = vigil_metrics_check(r->o.compare, label, n, NULL, 0, 0, NULL, NULL)) != 0) {
            vigil_error_wrap("comparison score");
            goto done;
        }
        if ((rc = vigil_metrics_delong_test(score, r->o.compare, label, n, &r->test)) != 0) goto done;
        r->has_test = 1;
        if (!(r->compare_name = vigil_strdup(r->o.compare_name ? r->o.compare_name : "compare"))) goto oom;
        r->o.compare = NULL; /* not kept: the caller owns it */
        r->o.compare_name = NULL;
    }
    if ((rc = vigil_stats_human_build(r, score, label, n)) != 0) goto done;
    if ((rc = vigil_stats_survival_build(r, score, n, groups, n_groups)) != 0) goto done;
    r->o.time = r->o.event = NULL; /* the caller's */
    /* the decision arrays are the caller's: not kept */
    r->o.decision = r->o.exposure = r->o.decision_time = r->o.arm = NULL;
    r->o.reason = NULL;
    r->o.reason_levels = NULL;
    if ((rc = curves(r)) != 0) goto done;
    if ((rc = vigil_stats_report_bootstrap(r)) != 0) goto done;
    r->seconds = vigil_seconds() - t0;
    *out = r;
    r = NULL;
    goto done;
oom:
    rc = vigil_error_set(VIGIL_ENOMEM, "out of memory computing metrics for %zu cases", n);
done:
    free(ord);
    vigil_metrics_report_free(r);
    return rc;
}

double vigil_metrics_report_seconds(const vigil_metrics_report *r) { return r->seconds; }
