/* The cell-size policy of the metrics report and the disparities that follow from it. */
#include "stats/metrics_report.h"
#include "vigil/error.h"
#include "core/util.h"

#include <math.h>
#include <stdlib.h>

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
int vigil_stats_cell_policy(vigil_metrics_report *r)
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
            vigil_stats_threshold_est(s, T);
            /* with one score for every case the average precision is the prevalence itself */
            if (!s->prev_ok && s->n && s->p[0] == s->p[s->n - 1]) s->auprc = NAN;
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
void vigil_stats_group_disparities(const group *g, const double *vals /* n_levels x S_COUNT */,
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
    static const int need[D_COUNT][2] = {{0, -1}, {0, -1}, {1, 2}, {1, -1}, {3, -1}, {4, -1}, {5, -1}, {5, -1}};
    for (int q = 0; q < D_COUNT; q++) {
        int m = -1, w = 0;
        for (int j = 0; j < 2 && m < 0; j++)
            if (need[q][j] >= 0 && first[need[q][j]] >= 0) m = first[need[q][j]], w = withheld[need[q][j]];
        if (m >= 0) out[q] = NAN;
        if (miss) miss[q] = m, miss_withheld[q] = w;
    }
    free(heap);
}

