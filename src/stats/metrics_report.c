/* The metrics report: one sort of the scores, every statistic overall and per subgroup level,
 * bootstrap intervals, disparities, and the cell-size policy applied once, here, so that the
 * JSON, the table and the store all show the same (withheld) numbers. */
#include "vigil/metrics.h"
#include "vigil/fairness.h"
#include "vigil/error.h"
#include "core/util.h"
#include "stats/metrics_internal.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Statistics the bootstrap repeats, per scope; threshold ones at the first threshold. */
enum { S_AUROC = VS_AUROC, S_AUPRC = VS_AUPRC, S_BRIER = VS_BRIER, S_ECE = VS_ECE,
       S_ECE_EM = VS_ECE_EM, S_MCE = VS_MCE, S_CITL = VS_CITL, S_SLOPE = VS_SLOPE,
       S_INTERCEPT = VS_INTERCEPT, S_TPR = VS_TPR, S_FPR = VS_FPR, S_SEL = VS_SEL,
       S_EAVG = VS_EAVG, S_E50 = VS_E50, S_E90 = VS_E90, S_EMAX = VS_EMAX,
       S_COUNT = S_COUNT_INTERNAL };
static const char *const s_name[S_COUNT] = {"auroc", "auprc", "brier", "ece", "ece_equal_mass",
                                            "mce", "citl", "slope", "intercept", "tpr", "fpr",
                                            "selection_rate", "eavg", "e50", "e90", "emax"};
/* Above this many cases the bootstrap leaves out the lowess-based E statistics: one lowess of
 * n cases per replicate (about 0.2 s at 10^6) would dominate the run. */
#define LOWESS_BOOT_MAX 100000
enum { D_DPD, D_DPR, D_EOD, D_EOP, D_AUC, D_CAL_ECE, D_CAL_CITL, D_CAL, D_COUNT };
static const char *const d_name[D_COUNT] = {
    "demographic_parity_difference", "demographic_parity_ratio", "equalized_odds_difference",
    "equal_opportunity_difference",  "auroc_gap",                "calibration_gap_ece",
    "calibration_gap_citl",          "calibration_gap"};

#define NB_GRID 99

typedef struct {
    char *name;
    size_t n;
    double n1;
    double *p, *lg; /* sorted scores and their logits (owned unless this is the overall scope) */
    uint8_t *y;
    uint32_t *pos;  /* positions in the overall sorted order; NULL for the overall scope */
    int suppressed, own;
    const char *auroc_reason;
    vigil_auroc auroc;
    double auprc;
    vigil_calibration cal;
    vm_calib_bins bins;
    vigil_threshold_stats *thr;
    int *thr_ok;    /* 1 when no confusion count at that threshold is 1..min_cell-1 */
    int prev_ok;
    double est[S_COUNT]; /* shown values (NaN: withheld or undefined) */
    double ci[S_COUNT][2];
    double *rep;         /* S_COUNT x B replicate values */
} scope;

typedef struct {
    char *name;
    size_t n_levels;
    scope *lv;
    vigil_disparities disp;
    double dest[D_COUNT], dci[D_COUNT][2];
    /* a disparity is over every level with cases or it is not given: the level whose value is
     * withheld (cell-size policy) or undefined, -1 when none, and which of the two */
    int dmiss[D_COUNT], dmiss_withheld[D_COUNT];
    double *drep; /* D_COUNT x B */
    uint32_t *code; /* level of each case in the overall sorted order; suppressed: n_levels */
    double *citl0;  /* per-level Newton starts for the replicates */
} group;

typedef struct {
    double thr, a, b; /* threshold; fpr/recall; tpr/precision */
} curve_pt;

struct vigil_metrics_report {
    vigil_metrics_options o;
    double *thr;
    size_t n;
    scope all;
    group *g;
    size_t ng;
    curve_pt *roc, *pr;
    size_t n_roc, n_pr;
    double nb_t[NB_GRID], nb_model[NB_GRID], nb_all[NB_GRID];
    double seconds;
    unsigned threads;
    double *yd;      /* overall labels as doubles, for the replicates' lowess */
    int has_test;
    vigil_delong_test test;
    char *compare_name;
    int boot_lowess; /* E statistics bootstrapped (n <= LOWESS_BOOT_MAX) */
    uint32_t *pos;   /* case (input order) -> its position in the sorted order */
};

/* ---- per-scope statistics ---------------------------------------------------------------- */

/* The point estimates at the first threshold follow its flag. */
static void threshold_est(scope *s, size_t nthr)
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
        s->thr_ok[k] = vigil_fairness_count_ok(tp, min_cell) && vigil_fairness_count_ok(fp, min_cell) &&
                       vigil_fairness_count_ok(fn, min_cell) && vigil_fairness_count_ok(tn, min_cell);
    }
    s->prev_ok = vigil_fairness_rate_ok(s->n1, (double)n, min_cell);
    /* An AUROC from a handful of events is both unstable and a disclosure risk. */
    if (!s->auroc_reason && !(vigil_fairness_count_ok(s->n1, min_cell) && vigil_fairness_count_ok(n0, min_cell)))
        s->auroc_reason = "fewer than min-cell events or non-events (cell-size policy)";
    s->est[S_AUROC] = s->auroc_reason ? NAN : s->auroc.auc;
    s->est[S_AUPRC] = s->auprc;
    s->est[S_BRIER] = s->cal.brier;
    s->est[S_ECE] = s->cal.ece;
    s->est[S_ECE_EM] = s->cal.ece_equal_mass;
    s->est[S_MCE] = s->cal.mce;
    s->est[S_CITL] = s->cal.citl;
    s->est[S_SLOPE] = s->cal.slope;
    s->est[S_INTERCEPT] = s->cal.intercept;
    threshold_est(s, nthr);
    s->est[S_EAVG] = s->cal.eavg;
    s->est[S_E50] = s->cal.e50;
    s->est[S_E90] = s->cal.e90;
    s->est[S_EMAX] = s->cal.emax;
    for (int k = 0; k < S_COUNT; k++) s->ci[k][0] = s->ci[k][1] = NAN;
    return VIGIL_OK;
}

/* ---- the cell-size policy ----------------------------------------------------------------
 * A count from 1 to min_cell - 1 is never shown, nor one that can be derived. Within a
 * partition whose total is shown (a group's levels partition the cases; the levels of a group
 * nested in another -- sex+race in sex -- partition each shown level of it), the sum of any
 * count over the levels that withhold it is the total minus the shown ones: when that sum is
 * 1..min_cell-1, the smallest level still showing it withholds it too (complementary
 * withholding), until no partition gives a small count away. One mechanism, three things
 * withheld, each implying the ones after it: a whole level (cases, events, non-events), its
 * prevalence (events, non-events), its confusion counts at each threshold (a threshold row --
 * selection rate, PPV, NPV -- gives the events back, and so do the reliability bins). */
enum { W_LEVEL, W_PREV, W_THR };

static int withheld(const scope *s, int kind, size_t t)
{
    return s->suppressed || (kind >= W_PREV && !s->prev_ok) || (kind == W_THR && !s->thr_ok[t]);
}

static size_t counts_of(const scope *s, int kind, size_t t, double *c)
{
    if (kind == W_THR) {
        c[0] = s->thr[t].tp, c[1] = s->thr[t].fp, c[2] = s->thr[t].fn, c[3] = s->thr[t].tn;
        return 4;
    }
    c[0] = s->n1, c[1] = (double)s->n - s->n1, c[2] = (double)s->n;
    return kind == W_LEVEL ? 3 : 2;
}

/* One partition (m levels); returns 1 when it withheld something more. */
static int complement(scope **lv, size_t m, int kind, size_t t, size_t mc)
{
    int changed = 0;
    for (;;) {
        double sum[4] = {0}, c[4];
        size_t k = 4, nw = 0;
        for (size_t l = 0; l < m; l++)
            if (withheld(lv[l], kind, t)) {
                k = counts_of(lv[l], kind, t, c);
                for (size_t q = 0; q < k; q++) sum[q] += c[q];
                nw++;
            }
        int safe = 1;
        for (size_t q = 0; q < k && nw; q++) safe &= vigil_fairness_count_ok(sum[q], mc);
        if (nw == 0 || safe) return changed;
        scope *best = NULL;
        for (size_t l = 0; l < m; l++)
            if (!withheld(lv[l], kind, t) && (!best || lv[l]->n < best->n)) best = lv[l];
        if (!best) return changed;
        if (kind == W_LEVEL) best->suppressed = 1;
        else if (kind == W_PREV) best->prev_ok = 0;
        else best->thr_ok[t] = 0;
        changed = 1;
    }
}

/* The policy over every group and every nesting between groups, to a fixed point. */
static int cell_policy(vigil_metrics_report *r)
{
    size_t G = r->ng, n = r->n, T = r->o.n_thresholds, mc = r->o.min_cell;
    uint32_t **lvl = calloc(G ? G : 1, sizeof *lvl);    /* each case's level, per group */
    int32_t **parent = calloc(G ? G * G : 1, sizeof *parent); /* [a*G+b]: b-level -> a-level */
    scope **part = NULL;
    size_t maxl = 1;
    int rc = VIGIL_OK;
    if (!lvl || !parent) goto oom;
    for (size_t g = 0; g < G; g++) {
        for (size_t l = 0; l < r->g[g].n_levels; l++) /* a level under the floor, to begin with */
            r->g[g].lv[l].suppressed = !vigil_fairness_count_ok((double)r->g[g].lv[l].n, mc);
        if (r->g[g].n_levels > maxl) maxl = r->g[g].n_levels;
        if (!(lvl[g] = malloc((n ? n : 1) * sizeof **lvl))) goto oom;
        for (size_t l = 0; l < r->g[g].n_levels; l++)
            for (size_t i = 0; i < r->g[g].lv[l].n; i++) lvl[g][r->g[g].lv[l].pos[i]] = (uint32_t)l;
    }
    if (!(part = malloc(maxl * sizeof *part))) goto oom;
    /* b is nested in a when each b-level lies within one a-level */
    for (size_t a = 0; a < G; a++)
        for (size_t b = 0; b < G; b++) {
            if (a == b) continue;
            const group *gb = &r->g[b];
            int32_t *pa = malloc((gb->n_levels ? gb->n_levels : 1) * sizeof *pa);
            if (!pa) goto oom;
            int nested = 1;
            for (size_t l = 0; l < gb->n_levels && nested; l++) {
                pa[l] = gb->lv[l].n ? (int32_t)lvl[a][gb->lv[l].pos[0]] : -1;
                for (size_t i = 1; i < gb->lv[l].n && nested; i++) nested = lvl[a][gb->lv[l].pos[i]] == (uint32_t)pa[l];
            }
            if (nested) parent[a * G + b] = pa;
            else free(pa);
        }
    for (int changed = 1; changed;) {
        changed = 0;
        for (int kind = W_LEVEL; kind <= W_THR; kind++)
            for (size_t t = 0; t < (kind == W_THR ? T : 1); t++)
                for (size_t b = 0; b < G; b++) {
                    group *gb = &r->g[b];
                    /* the whole group: its total is the overall scope */
                    for (size_t l = 0; l < gb->n_levels; l++) part[l] = &gb->lv[l];
                    changed |= complement(part, gb->n_levels, kind, t, mc);
                    for (size_t a = 0; a < G; a++) {
                        const int32_t *pa = parent[a * G + b];
                        if (!pa) continue;
                        for (size_t P = 0; P < r->g[a].n_levels; P++) {
                            if (withheld(&r->g[a].lv[P], kind, t)) continue; /* its total is not shown */
                            size_t m = 0;
                            for (size_t l = 0; l < gb->n_levels; l++)
                                if (pa[l] == (int32_t)P) part[m++] = &gb->lv[l];
                            changed |= complement(part, m, kind, t, mc);
                        }
                    }
                }
    }
    /* what a level shows follows its flags: a withheld prevalence withholds the thresholds */
    for (size_t g = 0; g < G; g++)
        for (size_t l = 0; l < r->g[g].n_levels; l++) {
            scope *s = &r->g[g].lv[l];
            for (size_t t = 0; t < T; t++) s->thr_ok[t] &= s->prev_ok && !s->suppressed;
            threshold_est(s, T);
        }
    goto done;
oom:
    rc = vigil_error_set(VIGIL_ENOMEM, "out of memory applying the cell-size policy");
done:
    for (size_t g = 0; lvl && g < G; g++) free(lvl[g]);
    for (size_t k = 0; parent && k < G * G; k++) free(parent[k]);
    free(lvl), free(parent), free(part);
    return rc;
}

/* The disparities of one group from per-level values (the point estimates or one bootstrap
 * replicate). A disparity needs its inputs from every level that has cases: a gap over the
 * levels that happen to be shown would silently leave out the one a small cell hides -- often
 * the extreme one -- so when any is withheld or undefined the disparity is NaN, and miss /
 * miss_withheld (when not NULL) say which level and why. */
static void group_disparities(const group *g, const double *vals /* n_levels x S_COUNT */,
                              double *out, int *miss, int *miss_withheld)
{
    size_t L = g->n_levels;
    double buf[6][64], *in[6];
    double *heap = NULL;
    if (L > 64) {
        heap = malloc(6 * L * sizeof *heap);
        if (!heap) {
            for (int d = 0; d < D_COUNT; d++) out[d] = NAN;
            return;
        }
        for (int k = 0; k < 6; k++) in[k] = heap + (size_t)k * L;
    } else {
        for (int k = 0; k < 6; k++) in[k] = buf[k];
    }
    static const int stat_of[6] = {S_SEL, S_TPR, S_FPR, S_AUROC, S_ECE, S_CITL};
    int first[6] = {-1, -1, -1, -1, -1, -1}, withheld[6] = {0};
    for (size_t l = 0; l < L; l++) {
        const scope *s = &g->lv[l];
        const double *v = vals + l * S_COUNT;
        for (int k = 0; k < 6; k++) {
            /* A value withheld from the point estimate stays out of its replicates too. */
            int use = !s->suppressed && isfinite(s->est[stat_of[k]]);
            in[k][l] = use ? v[stat_of[k]] : NAN;
            if (!use && s->n > 0 && first[k] < 0) first[k] = (int)l, withheld[k] = s->suppressed || k < 3;
        }
    }
    vigil_disparities d;
    vigil_fairness_disparities(in[0], in[1], in[2], in[3], in[4], in[5], L, &d);
    out[D_DPD] = d.demographic_parity_difference;
    out[D_DPR] = d.demographic_parity_ratio;
    out[D_EOD] = d.equalized_odds_difference;
    out[D_EOP] = d.equal_opportunity_difference;
    out[D_AUC] = d.auroc_gap;
    out[D_CAL_ECE] = d.calibration_gap_ece;
    out[D_CAL_CITL] = d.calibration_gap_citl;
    out[D_CAL] = d.calibration_gap;
    /* the inputs each disparity needs (indices into in[]) */
    static const int need[D_COUNT][2] = {{0, -1}, {0, -1}, {1, 2}, {1, -1}, {3, -1}, {4, -1}, {5, -1}, {4, 5}};
    for (int q = 0; q < D_COUNT; q++) {
        int m = -1, w = 0;
        for (int j = 0; j < 2 && m < 0; j++)
            if (need[q][j] >= 0 && first[need[q][j]] >= 0) m = first[need[q][j]], w = withheld[need[q][j]];
        if (m >= 0) out[q] = NAN;
        if (miss) miss[q] = m, miss_withheld[q] = w;
    }
    free(heap);
}

/* ---- bootstrap --------------------------------------------------------------------------- */

static size_t total_levels(const vigil_metrics_report *r)
{
    size_t L = 1;
    for (size_t g = 0; g < r->ng; g++) L += r->g[g].n_levels;
    return L;
}

/* Eavg/E50/E90/Emax of one replicate: weighted lowess, then the weighted mean, maximum and
 * type-7 quantiles of |p - fit| over the resampled cases (counts as multiplicities). */
static void replicate_lowess(const vigil_metrics_report *r, const double *w, double *buf, double *out)
{
    size_t n = r->n;
    const double *p = r->all.p;
    double *fit = buf, *e = buf + n;
    uint32_t *ord = (uint32_t *)(buf + 2 * n);
    if (vigil_stats_lowess_weighted(p, r->yd, w, n, 2.0 / 3.0, 0.01 * (p[n - 1] - p[0]), fit) != 0) return;
    double s = 0, W = 0, mx = 0;
    for (size_t i = 0; i < n; i++) {
        e[i] = fabs(p[i] - fit[i]);
        if (w[i] == 0) continue;
        s += w[i] * e[i];
        W += w[i];
        if (e[i] > mx) mx = e[i];
    }
    if (!(W > 0) || vigil_stats_sort_order(e, n, ord) != 0) return;
    out[S_EAVG] = s / W;
    out[S_EMAX] = mx;
    const double qs[2] = {0.5, 0.9};
    for (int k = 0; k < 2; k++) {
        double h = (W - 1) * qs[k], fl = floor(h), lo = NAN, hi = NAN, cum = 0;
        for (size_t j = 0; j < n && isnan(hi); j++) {
            double c = w[ord[j]];
            if (c == 0) continue;
            if (isnan(lo) && cum + c > fl) lo = e[ord[j]];
            if (cum + c > fl + 1) hi = e[ord[j]];
            cum += c;
        }
        if (isnan(hi)) hi = lo;
        out[k ? S_E90 : S_E50] = lo + (h - fl) * (hi - lo);
    }
}

/* One pass set over the sorted cases for the overall scope and every level of every group. */
static void replicate(void *ctx, size_t rep, const double *w, void *scratch)
{
    vigil_metrics_report *r = ctx;
    size_t B = r->o.bootstrap, LT = total_levels(r);
    double t = r->thr[0], *lv = (double *)((char *)scratch + vigil_stats_level_scratch(LT));
    double *citl0 = lv + LT * S_COUNT;
    const uint32_t *codes[VM_MAX_GROUPS + 1];
    size_t nl[VM_MAX_GROUPS + 1], k = 1;
    const scope *a = &r->all;
    codes[0] = NULL;
    nl[0] = 1;
    citl0[0] = a->cal.citl;
    for (size_t gi = 0; gi < r->ng; gi++) {
        codes[gi + 1] = r->g[gi].code;
        nl[gi + 1] = r->g[gi].n_levels;
        for (size_t l = 0; l < r->g[gi].n_levels; l++) citl0[k++] = r->g[gi].citl0[l];
    }
    double fit0[2] = {a->cal.intercept, a->cal.slope};
    vigil_stats_level_stats(a->p, a->y, a->lg, codes, nl, r->ng + 1, w, r->n, t, citl0, fit0, scratch, lv);
    if (r->boot_lowess) replicate_lowess(r, w, citl0 + LT, lv);
    for (int q = 0; q < S_COUNT; q++) r->all.rep[(size_t)q * B + rep] = lv[q];
    double *gv = lv + S_COUNT;
    for (size_t gi = 0; gi < r->ng; gi++) {
        group *g = &r->g[gi];
        for (size_t l = 0; l < g->n_levels; l++) {
            scope *s = &g->lv[l];
            if (!s->rep) continue;
            for (int q = 0; q < S_COUNT; q++) s->rep[(size_t)q * B + rep] = gv[l * S_COUNT + q];
        }
        double d[D_COUNT];
        group_disparities(g, gv, d, NULL, NULL);
        for (int q = 0; q < D_COUNT; q++) g->drep[(size_t)q * B + rep] = d[q];
        gv += g->n_levels * S_COUNT;
    }
}

static int run_bootstrap(vigil_metrics_report *r)
{
    size_t B = r->o.bootstrap;
    if (B == 0) return VIGIL_OK;
    if (!(r->all.rep = malloc(S_COUNT * B * sizeof(double)))) goto oom;
    for (size_t gi = 0; gi < r->ng; gi++) {
        if (!(r->g[gi].drep = malloc(D_COUNT * B * sizeof(double)))) goto oom;
        for (size_t l = 0; l < r->g[gi].n_levels; l++)
            if (!r->g[gi].lv[l].suppressed && !(r->g[gi].lv[l].rep = malloc(S_COUNT * B * sizeof(double))))
                goto oom;
    }
    size_t LT = total_levels(r), scratch = vigil_stats_level_scratch(LT) + LT * (S_COUNT + 1) * sizeof(double);
    r->boot_lowess = r->o.lowess_bootstrap > 0 || (r->o.lowess_bootstrap == 0 && r->n <= LOWESS_BOOT_MAX);
    if (r->boot_lowess) {
        scratch += 2 * r->n * sizeof(double) + r->n * sizeof(uint32_t) + sizeof(double);
        if (!(r->yd = malloc(r->n * sizeof *r->yd))) goto oom;
        for (size_t i = 0; i < r->n; i++) r->yd[i] = r->all.y[i];
    }
    int rc = vigil_stats_bootstrap_run(r->n, B, r->o.seed, r->o.threads, scratch, r->pos, replicate, r);
    if (rc) return rc;
    /* the intervals from a copy: the replicates stay in replicate order, paired with those of
     * another report of the same cases (vigil_metrics_paired_json) */
    double lv = r->o.level, *cp = malloc(B * sizeof *cp);
    if (!cp) goto oom;
#define CI_OF(src, lo, hi) (memcpy(cp, (src), B * sizeof *cp), vigil_stats_percentile_ci(cp, B, lv, (lo), (hi)))
    for (int k = 0; k < S_COUNT; k++) CI_OF(r->all.rep + (size_t)k * B, &r->all.ci[k][0], &r->all.ci[k][1]);
    for (size_t gi = 0; gi < r->ng; gi++) {
        group *g = &r->g[gi];
        for (int k = 0; k < D_COUNT; k++) CI_OF(g->drep + (size_t)k * B, &g->dci[k][0], &g->dci[k][1]);
        for (size_t l = 0; l < g->n_levels; l++)
            if (g->lv[l].rep)
                for (int k = 0; k < S_COUNT; k++)
                    CI_OF(g->lv[l].rep + (size_t)k * B, &g->lv[l].ci[k][0], &g->lv[l].ci[k][1]);
    }
#undef CI_OF
    free(cp);
    return VIGIL_OK;
oom:
    return vigil_error_set(VIGIL_ENOMEM, "out of memory for %zu bootstrap replicates", B);
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
        free(r->g[g].code);
        free(r->g[g].citl0);
    }
    free(r->g);
    free(r->thr);
    free(r->roc);
    free(r->pr);
    free(r->yd);
    free(r->compare_name);
    free(r->pos);
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
    group_disparities(g, vals, g->dest, g->dmiss, g->dmiss_withheld);
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
    int rc = vigil_metrics_check(score, label, n, NULL, 0, 0, NULL, NULL);
    if (rc) return rc;
    if (n >= UINT32_MAX) return vigil_error_set(VIGIL_EINVAL, "too many cases (%zu)", n);
    if (n_groups >= VM_MAX_GROUPS)
        return vigil_error_set(VIGIL_EINVAL, "at most %d group columns", VM_MAX_GROUPS - 1);
    vigil_metrics_report *r = calloc(1, sizeof *r);
    uint32_t *ord = NULL;
    if (!r) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    if (opts) r->o = *opts;
    if (!r->o.min_cell) r->o.min_cell = 11;
    if (!(r->o.level > 0 && r->o.level < 1)) r->o.level = 0.95;
    if (!r->o.curve_points) r->o.curve_points = 200;
    if (!r->o.n_thresholds || !r->o.thresholds) r->o.n_thresholds = 1;
    if (!(r->thr = malloc(r->o.n_thresholds * sizeof *r->thr))) goto oom;
    for (size_t k = 0; k < r->o.n_thresholds; k++)
        r->thr[k] = opts && opts->thresholds && opts->n_thresholds ? opts->thresholds[k] : 0.5;
    r->o.thresholds = r->thr;
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
    if ((rc = cell_policy(r)) != 0) goto done;
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
    if ((rc = curves(r)) != 0) goto done;
    if ((rc = run_bootstrap(r)) != 0) goto done;
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

/* ---- output ------------------------------------------------------------------------------ */

static cJSON *num(cJSON *o, const char *k, double v)
{
    return isfinite(v) ? cJSON_AddNumberToObject(o, k, v) : cJSON_AddNullToObject(o, k);
}

static void ci_pair(cJSON *o, const char *k, double lo, double hi)
{
    cJSON *a = cJSON_AddArrayToObject(o, k);
    cJSON_AddItemToArray(a, isfinite(lo) ? cJSON_CreateNumber(lo) : cJSON_CreateNull());
    cJSON_AddItemToArray(a, isfinite(hi) ? cJSON_CreateNumber(hi) : cJSON_CreateNull());
}

static void threshold_json(cJSON *o, const vigil_threshold_stats *t, int ok)
{
    num(o, "value", t->threshold);
    double nan = NAN;
#define TV(key, v, lo, hi)                                  \
    num(o, key, ok ? (v) : nan);                            \
    ci_pair(o, key "_ci", ok ? (lo) : nan, ok ? (hi) : nan);
    TV("tpr", t->tpr, t->tpr_lo, t->tpr_hi)
    TV("fpr", t->fpr, 1 - t->tnr_hi, 1 - t->tnr_lo)
    TV("specificity", t->tnr, t->tnr_lo, t->tnr_hi)
    TV("ppv", t->ppv, t->ppv_lo, t->ppv_hi)
    TV("npv", t->npv, t->npv_lo, t->npv_hi)
    TV("selection_rate", t->selection_rate, t->sel_lo, t->sel_hi)
#undef TV
    num(o, "net_benefit", ok ? t->net_benefit : nan);
    cJSON_AddBoolToObject(o, "suppressed", !ok);
}

/* Spiegelhalter's test, val.prob's D, U, Q and Hosmer-Lemeshow: the same keys for the overall
 * scope and each level. */
static void calibration_tests_json(cJSON *cal, const vigil_calibration *c)
{
    num(cal, "spiegelhalter_z", c->spiegelhalter_z);
    num(cal, "spiegelhalter_p", c->spiegelhalter_p);
    num(cal, "d", c->d);
    num(cal, "u", c->u);
    num(cal, "q", c->q);
    num(cal, "u_p", c->u_p);
    cJSON *hl = cJSON_AddObjectToObject(cal, "hosmer_lemeshow");
    num(hl, "stat", c->hl_stat);
    num(hl, "df", (double)c->hl_df);
    num(hl, "p", c->hl_p);
}

static void reliability_json(cJSON *arr, const scope *s, double level, size_t mc);

/* One subgroup level: every metric the overall scope has (the cell-size policy applied the
 * same way), the flat keys first (kept for scripts), then the threshold table, the whole
 * calibration block and the reliability points. */
static void level_json(cJSON *lv, const scope *s, size_t min_cell, double level, size_t n_thr)
{
    cJSON_AddBoolToObject(lv, "suppressed", s->suppressed);
    if (s->suppressed) {
        cJSON_AddNullToObject(lv, "n");
        cJSON_AddStringToObject(lv, "reason", "fewer than min-cell cases (or needed to protect one)");
        const char *keys[] = {"prevalence", "auroc", "tpr", "fpr", "ppv", "selection_rate"};
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) cJSON_AddNullToObject(lv, keys[k]);
        return;
    }
    cJSON_AddNumberToObject(lv, "n", (double)s->n);
    num(lv, "prevalence", s->prev_ok ? s->n1 / (double)s->n : NAN);
    num(lv, "auroc", s->est[S_AUROC]);
    num(lv, "auroc_ci_low", s->auroc_reason ? NAN : s->auroc.ci_low);
    num(lv, "auroc_ci_high", s->auroc_reason ? NAN : s->auroc.ci_high);
    if (s->auroc_reason) cJSON_AddStringToObject(lv, "auroc_reason", s->auroc_reason);
    int ok = s->thr_ok[0];
    num(lv, "tpr", ok ? s->thr[0].tpr : NAN);
    num(lv, "fpr", ok ? s->thr[0].fpr : NAN);
    num(lv, "ppv", ok ? s->thr[0].ppv : NAN);
    num(lv, "npv", ok ? s->thr[0].npv : NAN);
    num(lv, "selection_rate", ok ? s->thr[0].selection_rate : NAN);
    num(lv, "auprc", s->auprc);
    num(lv, "brier", s->cal.brier);
    num(lv, "ece", s->cal.ece);
    num(lv, "ece_equal_mass", s->cal.ece_equal_mass);
    num(lv, "mce", s->cal.mce);
    num(lv, "slope", s->cal.slope);
    num(lv, "intercept", s->cal.intercept);
    num(lv, "citl", s->cal.citl);
    num(lv, "eavg", s->cal.eavg);
    num(lv, "e50", s->cal.e50);
    num(lv, "e90", s->cal.e90);
    num(lv, "emax", s->cal.emax);
    cJSON *ci = cJSON_AddObjectToObject(lv, "ci");
    /* the bootstrap gives levels every CI but those of the per-level refits (slope, intercept,
     * lowess E statistics): those are left out, not shown as null */
    for (int k = 0; k < S_COUNT; k++)
        if (isfinite(s->est[k]) && isfinite(s->ci[k][0]) && isfinite(s->ci[k][1]))
            ci_pair(ci, s_name[k], s->ci[k][0], s->ci[k][1]);
    cJSON *ths = cJSON_AddArrayToObject(lv, "thresholds");
    for (size_t k = 0; k < n_thr; k++) {
        cJSON *o = cJSON_CreateObject();
        threshold_json(o, &s->thr[k], s->thr_ok[k]);
        cJSON_AddItemToArray(ths, o);
    }
    const vigil_calibration *c = &s->cal;
    cJSON *cal = cJSON_AddObjectToObject(lv, "calibration");
    num(cal, "brier_reliability", c->brier_reliability);
    num(cal, "brier_resolution", c->brier_resolution);
    num(cal, "brier_uncertainty", s->prev_ok ? c->brier_uncertainty : NAN); /* = prevalence(1 - prevalence) */
    calibration_tests_json(cal, c);
    reliability_json(cJSON_AddArrayToObject(cal, "reliability"), s, level, min_cell);
}

static void reliability_json(cJSON *arr, const scope *s, double level, size_t mc)
{
    const vm_calib_bins *b = &s->bins;
    int sup[VM_BINS];
    for (int k = 0; k < VM_BINS; k++) {
        double n1 = b->bin_y[k] * b->bin_w[k];
        n1 = b->bin_w[k] > 0 ? round(n1) : 0;
        /* with the scope's prevalence withheld, shown bins would add up to its events */
        sup[k] = !s->prev_ok || !vigil_fairness_rate_ok(n1, b->bin_w[k], mc);
    }
    for (;;) { /* complementary suppression, as for levels */
        double sn = 0, s1 = 0;
        int any = 0, best = -1;
        for (int k = 0; k < VM_BINS; k++) {
            if (sup[k] && b->bin_w[k] > 0) {
                sn += b->bin_w[k];
                s1 += round(b->bin_y[k] * b->bin_w[k]);
                any = 1;
            } else if (!sup[k] && b->bin_w[k] > 0 && (best < 0 || b->bin_w[k] < b->bin_w[best])) {
                best = k;
            }
        }
        if (!any || (vigil_fairness_count_ok(sn, mc) && vigil_fairness_count_ok(s1, mc) &&
                     vigil_fairness_count_ok(sn - s1, mc)) || best < 0)
            break;
        sup[best] = 1;
    }
    for (int k = 0; k < VM_BINS; k++) {
        cJSON *o = cJSON_CreateObject();
        num(o, "bin_low", k / (double)VM_BINS);
        num(o, "bin_high", (k + 1) / (double)VM_BINS);
        int shown = !sup[k] && b->bin_w[k] > 0;
        num(o, "mean_score", b->bin_w[k] > 0 && !sup[k] ? b->bin_p[k] : NAN);
        num(o, "observed", shown ? b->bin_y[k] : NAN);
        double lo = NAN, hi = NAN;
        if (shown) vigil_metrics_wilson(round(b->bin_y[k] * b->bin_w[k]), b->bin_w[k], level, &lo, &hi);
        num(o, "ci_low", lo);
        num(o, "ci_high", hi);
        num(o, "n", sup[k] ? NAN : b->bin_w[k]);
        cJSON_AddBoolToObject(o, "suppressed", sup[k]);
        cJSON_AddItemToArray(arr, o);
    }
}

/* ---- paired comparison ------------------------------------------------------------------ */

/* One paired difference: point estimates from est, the CI from the replicate differences. */
static void paired_item(cJSON *o, const char *name, double a, double b, const double *ra, const double *rb,
                        size_t B, double level, double *buf)
{
    if (!isfinite(a) || !isfinite(b)) return;
    cJSON *e = cJSON_AddObjectToObject(o, name);
    num(e, "candidate", a);
    num(e, "predecessor", b);
    num(e, "difference", a - b);
    double lo = NAN, hi = NAN;
    size_t kept = 0;
    for (size_t k = 0; ra && rb && k < B; k++)
        if (isfinite(ra[k]) && isfinite(rb[k])) buf[kept++] = ra[k] - rb[k];
    if (B && kept >= B * 9 / 10 && kept > 1) vigil_stats_percentile_ci(buf, kept, level, &lo, &hi);
    num(e, "ci_low", lo);
    num(e, "ci_high", hi);
}

static void paired_scope(cJSON *o, const scope *a, const scope *b, size_t B, double level, double *buf)
{
    for (int k = 0; k < S_COUNT; k++)
        paired_item(o, s_name[k], a->est[k], b->est[k], a->rep ? a->rep + (size_t)k * B : NULL,
                    b->rep ? b->rep + (size_t)k * B : NULL, B, level, buf);
}

char *vigil_metrics_paired_json(const vigil_metrics_report *a, const vigil_metrics_report *b)
{
    size_t B = a->o.bootstrap;
    int same = a->n == b->n && B == b->o.bootstrap && a->o.seed == b->o.seed && a->ng == b->ng &&
               a->all.n1 == b->all.n1;
    for (size_t g = 0; same && g < a->ng; g++) {
        same = strcmp(a->g[g].name, b->g[g].name) == 0 && a->g[g].n_levels == b->g[g].n_levels;
        for (size_t l = 0; same && l < a->g[g].n_levels; l++)
            same = strcmp(a->g[g].lv[l].name, b->g[g].lv[l].name) == 0 && a->g[g].lv[l].n == b->g[g].lv[l].n;
    }
    if (!same) {
        vigil_error_set(VIGIL_EINVAL, "paired comparison: the two reports are not of the same cases, "
                        "groups, seed and replicates");
        return NULL;
    }
    double *buf = malloc((B ? B : 1) * sizeof *buf);
    cJSON *doc = cJSON_CreateObject();
    if (!buf || !doc) {
        free(buf);
        cJSON_Delete(doc);
        vigil_error_set(VIGIL_ENOMEM, "out of memory");
        return NULL;
    }
    cJSON_AddStringToObject(doc, "method", "paired percentile bootstrap (both models on the same resampled cases)");
    cJSON_AddNumberToObject(doc, "replicates", (double)B);
    double lv = a->o.level;
    paired_scope(cJSON_AddObjectToObject(doc, "overall"), &a->all, &b->all, B, lv, buf);
    cJSON *sg = cJSON_AddObjectToObject(doc, "subgroups");
    for (size_t g = 0; g < a->ng; g++) {
        const group *ga = &a->g[g], *gb = &b->g[g];
        cJSON *go = cJSON_AddObjectToObject(sg, ga->name), *lo = cJSON_AddObjectToObject(go, "levels");
        for (size_t l = 0; l < ga->n_levels; l++) {
            /* a level either report withholds is left out (the cell-size policy holds here too) */
            if (ga->lv[l].suppressed || gb->lv[l].suppressed) continue;
            paired_scope(cJSON_AddObjectToObject(lo, ga->lv[l].name), &ga->lv[l], &gb->lv[l], B, lv, buf);
        }
        cJSON *dp = cJSON_AddObjectToObject(go, "disparities");
        for (int k = 0; k < D_COUNT; k++)
            paired_item(dp, d_name[k], ga->dest[k], gb->dest[k], ga->drep ? ga->drep + (size_t)k * B : NULL,
                        gb->drep ? gb->drep + (size_t)k * B : NULL, B, lv, buf);
    }
    free(buf);
    char *s = cJSON_PrintBuffered(doc, 1 << 16, 1);
    cJSON_Delete(doc);
    if (!s) vigil_error_set(VIGIL_ENOMEM, "out of memory");
    return s;
}

char *vigil_metrics_report_json(const vigil_metrics_report *r, double seconds_load,
                                double seconds_write)
{
    const scope *a = &r->all;
    const vigil_calibration *c = &a->cal;
    size_t mc = r->o.min_cell;
    cJSON *doc = cJSON_CreateObject();
    if (!doc) return NULL;
    cJSON_AddNumberToObject(doc, "n", (double)r->n);
    num(doc, "prevalence", a->prev_ok ? a->n1 / (double)a->n : NAN);
    cJSON_AddNumberToObject(doc, "min_cell", (double)mc);
    cJSON_AddNumberToObject(doc, "level", r->o.level);

    cJSON *disc = cJSON_AddObjectToObject(doc, "discrimination");
    cJSON *au = cJSON_AddObjectToObject(disc, "auroc");
    num(au, "value", a->est[S_AUROC]);
    num(au, "ci_low", a->auroc_reason ? NAN : a->auroc.ci_low);
    num(au, "ci_high", a->auroc_reason ? NAN : a->auroc.ci_high);
    num(au, "se", a->auroc_reason ? NAN : a->auroc.se);
    cJSON_AddStringToObject(au, "method", "delong");
    if (a->auroc_reason) cJSON_AddStringToObject(au, "reason", a->auroc_reason);
    else ci_pair(au, "bootstrap_ci", a->ci[S_AUROC][0], a->ci[S_AUROC][1]);
    cJSON *ap = cJSON_AddObjectToObject(disc, "auprc");
    num(ap, "value", a->auprc);
    num(ap, "ci_low", a->ci[S_AUPRC][0]);
    num(ap, "ci_high", a->ci[S_AUPRC][1]);
    if (r->has_test && !a->auroc_reason) {
        cJSON *dt = cJSON_AddObjectToObject(disc, "delong_test");
        cJSON_AddStringToObject(dt, "compare", r->compare_name);
        num(dt, "auroc_compare", r->test.auc2);
        num(dt, "difference", r->test.diff);
        num(dt, "se", r->test.se);
        num(dt, "z", r->test.z);
        num(dt, "p", r->test.p);
    }
    cJSON *roc = cJSON_AddArrayToObject(disc, "roc_curve"), *prc = cJSON_AddArrayToObject(disc, "pr_curve");
    for (size_t i = 0; i < r->n_roc; i++) {
        cJSON *o = cJSON_CreateObject();
        num(o, "threshold", r->roc[i].thr);
        num(o, "fpr", r->roc[i].a);
        num(o, "tpr", r->roc[i].b);
        cJSON_AddItemToArray(roc, o);
    }
    for (size_t i = 0; i < r->n_pr; i++) {
        cJSON *o = cJSON_CreateObject();
        num(o, "threshold", r->pr[i].thr);
        num(o, "recall", r->pr[i].a);
        num(o, "precision", r->pr[i].b);
        cJSON_AddItemToArray(prc, o);
    }

    cJSON *cal = cJSON_AddObjectToObject(doc, "calibration");
    num(cal, "brier", c->brier);
    num(cal, "brier_reliability", c->brier_reliability);
    num(cal, "brier_resolution", c->brier_resolution);
    num(cal, "brier_uncertainty", a->prev_ok ? c->brier_uncertainty : NAN);
    num(cal, "ece", c->ece);
    num(cal, "ece_equal_mass", c->ece_equal_mass);
    num(cal, "mce", c->mce);
    num(cal, "slope", c->slope);
    num(cal, "intercept", c->intercept);
    num(cal, "citl", c->citl);
    num(cal, "eavg", c->eavg);
    num(cal, "e50", c->e50);
    num(cal, "e90", c->e90);
    num(cal, "emax", c->emax);
    calibration_tests_json(cal, c);
    cJSON *cci = cJSON_AddObjectToObject(cal, "ci");
    for (int k = S_BRIER; k <= S_INTERCEPT; k++) ci_pair(cci, s_name[k], a->ci[k][0], a->ci[k][1]);
    for (int k = S_EAVG; k <= S_EMAX; k++) ci_pair(cci, s_name[k], a->ci[k][0], a->ci[k][1]);
    reliability_json(cJSON_AddArrayToObject(cal, "reliability"), a, r->o.level, mc);

    threshold_json(cJSON_AddObjectToObject(doc, "threshold"), &a->thr[0], a->thr_ok[0]);
    cJSON *ths = cJSON_AddArrayToObject(doc, "thresholds");
    for (size_t k = 0; k < r->o.n_thresholds; k++) {
        cJSON *o = cJSON_CreateObject();
        threshold_json(o, &a->thr[k], a->thr_ok[k]);
        cJSON_AddItemToArray(ths, o);
    }
    cJSON *nb = cJSON_AddObjectToObject(doc, "net_benefit");
    cJSON *nt = cJSON_AddArrayToObject(nb, "thresholds"), *nm = cJSON_AddArrayToObject(nb, "model"),
          *na = cJSON_AddArrayToObject(nb, "treat_all"), *nn = cJSON_AddArrayToObject(nb, "treat_none");
    for (int k = 0; k < NB_GRID; k++) {
        cJSON_AddItemToArray(nt, cJSON_CreateNumber(r->nb_t[k]));
        cJSON_AddItemToArray(nm, isfinite(r->nb_model[k]) ? cJSON_CreateNumber(r->nb_model[k]) : cJSON_CreateNull());
        cJSON_AddItemToArray(na, a->prev_ok ? cJSON_CreateNumber(r->nb_all[k]) : cJSON_CreateNull());
        cJSON_AddItemToArray(nn, cJSON_CreateNumber(0));
    }

    cJSON *sg = cJSON_AddObjectToObject(doc, "subgroups");
    for (size_t gi = 0; gi < r->ng; gi++) {
        const group *g = &r->g[gi];
        cJSON *go = cJSON_AddObjectToObject(sg, g->name), *lv = cJSON_AddObjectToObject(go, "levels");
        for (size_t l = 0; l < g->n_levels; l++)
            level_json(cJSON_AddObjectToObject(lv, g->lv[l].name), &g->lv[l], mc, r->o.level, r->o.n_thresholds);
        cJSON *dp = cJSON_AddObjectToObject(go, "disparities"), *dci = cJSON_CreateObject();
        cJSON *why = cJSON_CreateObject();
        for (int k = 0; k < D_COUNT; k++) {
            num(dp, d_name[k], g->dest[k]);
            if (isfinite(g->dest[k])) ci_pair(dci, d_name[k], g->dci[k][0], g->dci[k][1]);
            else if (g->dmiss[k] >= 0) {
                char b[300];
                snprintf(b, sizeof b, "level '%s' %s: a gap over the other levels would leave it out",
                         g->lv[g->dmiss[k]].name,
                         g->dmiss_withheld[k] ? "is withheld (cell-size policy)" : "has no value");
                cJSON_AddStringToObject(why, d_name[k], b);
            }
        }
        cJSON_AddItemToObject(dp, "ci", dci);
        if (cJSON_GetArraySize(why)) cJSON_AddItemToObject(dp, "not_given", why);
        else cJSON_Delete(why);
    }
    cJSON *bs = cJSON_AddObjectToObject(doc, "bootstrap");
    cJSON_AddNumberToObject(bs, "replicates", (double)r->o.bootstrap);
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->o.seed);
    cJSON_AddNumberToObject(bs, "seed", (double)r->o.seed);
    cJSON_AddStringToObject(bs, "seed_text", seed);
    cJSON_AddStringToObject(bs, "method", "percentile, case resampling counts");
    cJSON_AddBoolToObject(bs, "lowess", r->boot_lowess && r->o.bootstrap > 0);
    cJSON *sec = cJSON_AddObjectToObject(doc, "seconds");
    num(sec, "load", seconds_load);
    num(sec, "compute", r->seconds);
    num(sec, "write", seconds_write);
    char *s = cJSON_PrintBuffered(doc, 1 << 16, 1);
    cJSON_Delete(doc);
    return s;
}

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
        for (int k = 0; k < D_COUNT; k++) fmt(&b, d_name[k], g->dest[k], g->dci[k][0], g->dci[k][1]);
    }
    if (b.failed) {
        vigil_sbuf_free(&b);
        return NULL;
    }
    return b.s;
}

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
        rc |= add(res, sc, s_name[k], s->est[k], s->ci[k][0], s->ci[k][1]);
    for (int k = S_EAVG; k <= S_EMAX; k++) rc |= add(res, sc, s_name[k], s->est[k], s->ci[k][0], s->ci[k][1]);
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
            rc = add(res, g->name, d_name[k], g->dest[k], g->dci[k][0], g->dci[k][1]);
    }
    return rc ? (vigil_error_last_code() ? vigil_error_last_code() : rc) : VIGIL_OK;
}
