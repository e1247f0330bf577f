/* The cell-size policy, its one home: the rules every layer asks (fairness.h: the floor, a
 * count, a rate, complementary withholding in a partition, a composition table as computed or
 * as stored, a confusion table), the metrics report's application of them, and the disparities
 * that follow. The metrics engine, SHAP importance, suites (their composition table), monitors
 * and the report (composition, the join's counts, confusion tables) call these rather than
 * compare with min_cell themselves; HACKING.md ("The cell-size policy") lists the callers. */
#include "stats/metrics_report.h"
#include "vigil/error.h"
#include "core/util.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- the rules ------------------------------------------------------------------------- */

size_t vigil_fairness_min_cell(size_t min_cell) { return min_cell ? min_cell : VIGIL_MIN_CELL_DEFAULT; }

size_t vigil_fairness_floor(size_t min_cell)
{
    return min_cell > VIGIL_MIN_CELL_DEFAULT ? min_cell : VIGIL_MIN_CELL_DEFAULT;
}

int vigil_fairness_count_ok(double count, size_t min_cell)
{
    return !(count > 0 && count < (double)vigil_fairness_min_cell(min_cell));
}

int vigil_fairness_rate_ok(double k, double n, size_t min_cell)
{
    return vigil_fairness_count_ok(n, min_cell) && vigil_fairness_count_ok(k, min_cell) &&
           vigil_fairness_count_ok(n - k, min_cell);
}

int vigil_fairness_confusion_ok(const double cell[4], size_t min_cell)
{
    for (int q = 0; q < 4; q++)
        if (!vigil_fairness_count_ok(cell[q], min_cell)) return 0;
    return 1;
}

int vigil_fairness_complement(const double *count, size_t m, size_t k, const double *size, const double *total,
                              size_t min_cell, int *withheld)
{
    int changed = 0;
    if (k > 4) k = 4;
    for (;;) {
        double sum[4] = {0};
        size_t nw = 0;
        for (size_t l = 0; l < m; l++) {
            int w = withheld[l] != 0;
            nw += (size_t)w;
            if (w != !total) continue; /* with a total: the shown cells; else the withheld ones */
            for (size_t q = 0; q < k; q++) sum[q] += count[l * k + q];
        }
        if (total)
            for (size_t q = 0; q < k; q++) sum[q] = total[q] - sum[q];
        int safe = 1;
        for (size_t q = 0; q < k && nw; q++) safe &= vigil_fairness_count_ok(sum[q], min_cell);
        if (nw == 0 || safe) return changed;
        size_t best = m;
        for (size_t l = 0; l < m; l++)
            if (!withheld[l] && (best == m || size[l] < size[best])) best = l;
        if (best == m) return changed;
        withheld[best] = 1;
        changed = 1;
    }
}

int vigil_fairness_partition(const double *count, size_t m, size_t k, double total, int total_shown,
                             size_t min_cell, int *shown)
{
    int changed = 0;
    if (k > 2) k = 2;
    for (;;) {
        double sum[2] = {0, 0};
        size_t best = SIZE_MAX, hidden_pos = 0;
        for (size_t j = 0; j < m; j++) {
            const double *v = count + 2 * j;
            if (!shown[j]) {
                for (size_t c = 0; c < k; c++) sum[c] += v[c];
                hidden_pos += v[0] > 0;
            } else if (v[0] > 0 && (best == SIZE_MAX || v[0] < count[2 * best])) {
                best = j;
            }
        }
        int leak = total_shown ? !(vigil_fairness_count_ok(sum[0], min_cell) && vigil_fairness_count_ok(sum[1], min_cell))
                               : total > 0 && hidden_pos == 0;
        if (!leak || best == SIZE_MAX) return changed;
        shown[best] = 0;
        changed = 1;
    }
}

int vigil_fairness_levels_withheld(int *const *withheld, const uint32_t *const *level, const size_t *n_levels,
                                   size_t G, size_t n, size_t min_cell)
{
    double **cnt = calloc(G ? G : 1, sizeof *cnt);
    int32_t **parent = calloc(G ? G * G : 1, sizeof *parent); /* [a*G+b]: b-level -> a-level */
    double *part = NULL, *psize = NULL;
    int *pw = NULL, rc = VIGIL_OK;
    size_t maxl = 1;
    if (!cnt || !parent) goto oom;
    for (size_t g = 0; g < G; g++) {
        if (!(cnt[g] = calloc(n_levels[g] ? n_levels[g] : 1, sizeof **cnt))) goto oom;
        for (size_t i = 0; i < n; i++) cnt[g][level[g][i]]++;
        for (size_t l = 0; l < n_levels[g]; l++) withheld[g][l] = !vigil_fairness_count_ok(cnt[g][l], min_cell);
        if (n_levels[g] > maxl) maxl = n_levels[g];
    }
    /* b is nested in a when every b-level lies within one a-level */
    for (size_t a = 0; a < G; a++)
        for (size_t b = 0; b < G; b++) {
            if (a == b) continue;
            int32_t *pa = malloc((n_levels[b] ? n_levels[b] : 1) * sizeof *pa);
            if (!pa) goto oom;
            for (size_t l = 0; l < n_levels[b]; l++) pa[l] = -1;
            int nested = 1;
            for (size_t i = 0; i < n && nested; i++) {
                int32_t *p = &pa[level[b][i]];
                if (*p < 0) *p = (int32_t)level[a][i];
                else nested = *p == (int32_t)level[a][i];
            }
            if (nested) parent[a * G + b] = pa;
            else free(pa);
        }
    if (!(part = malloc(maxl * sizeof *part)) || !(psize = malloc(maxl * sizeof *psize)) ||
        !(pw = malloc(maxl * sizeof *pw)))
        goto oom;
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t b = 0; b < G; b++) {
            double tot = (double)n;
            changed |= vigil_fairness_complement(cnt[b], n_levels[b], 1, cnt[b], &tot, min_cell, withheld[b]);
            for (size_t a = 0; a < G; a++) {
                const int32_t *pa = parent[a * G + b];
                if (!pa) continue;
                for (size_t P = 0; P < n_levels[a]; P++) {
                    if (withheld[a][P]) continue; /* its total is not shown */
                    size_t m = 0;
                    for (size_t l = 0; l < n_levels[b]; l++)
                        if (pa[l] == (int32_t)P) part[m] = psize[m] = cnt[b][l], pw[m++] = withheld[b][l];
                    tot = cnt[a][P];
                    if (!vigil_fairness_complement(part, m, 1, psize, &tot, min_cell, pw)) continue;
                    changed = 1;
                    m = 0;
                    for (size_t l = 0; l < n_levels[b]; l++)
                        if (pa[l] == (int32_t)P) withheld[b][l] = pw[m++];
                }
            }
        }
    }
    goto done;
oom:
    rc = vigil_error_set(VIGIL_ENOMEM, "out of memory applying the cell-size policy");
done:
    for (size_t g = 0; cnt && g < G; g++) free(cnt[g]);
    for (size_t q = 0; parent && q < G * G; q++) free(parent[q]);
    free(cnt), free(parent), free(part), free(psize), free(pw);
    return rc;
}

/* Part j of a '+'-joined name ("A+F": 0 "A", 1 "F"); 0 when the name has not np parts. */
static int name_part(const char *s, size_t j, size_t np, const char **p, size_t *len)
{
    size_t k = 0;
    const char *b = s;
    for (const char *c = s;; c++)
        if (*c == '+' || !*c) {
            if (k == j) *p = b, *len = (size_t)(c - b);
            k++;
            if (!*c) break;
            b = c + 1;
        }
    return k == np;
}

static int find_name(const char *const *names, size_t n, const char *p, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(names[i]) == len && strncmp(names[i], p, len) == 0) return (int)i;
    return -1;
}

int vigil_fairness_composition_withheld(int *const *withheld, const double *const *count,
                                        const char *const *const *level, const size_t *n_levels,
                                        const char *const *gname, size_t G, double total, size_t min_cell)
{
    int32_t **parent = calloc(G ? G * G : 1, sizeof *parent); /* [a*G+b]: b-level -> a-level */
    double *part = NULL;
    int *pw = NULL, rc = VIGIL_OK;
    size_t maxl = 1;
    if (!parent) goto oom;
    for (size_t g = 0; g < G; g++) {
        for (size_t l = 0; l < n_levels[g]; l++)
            withheld[g][l] = withheld[g][l] || !isfinite(count[g][l]) || !vigil_fairness_count_ok(count[g][l], min_cell);
        if (n_levels[g] > maxl) maxl = n_levels[g];
    }
    /* "a+b" nests in the groups "a" and "b": its level "x+y" lies in a's level x and b's y (a
     * level whose name does not split so is in no nested partition) */
    for (size_t b = 0; b < G; b++) {
        size_t np = 1;
        for (const char *c = gname[b]; *c; c++) np += *c == '+';
        for (size_t j = 0; np > 1 && j < np; j++) {
            const char *p = gname[b];
            size_t len = 0;
            name_part(gname[b], j, np, &p, &len);
            int a = find_name(gname, G, p, len);
            if (a < 0 || (size_t)a == b || parent[(size_t)a * G + b]) continue;
            int32_t *pa = malloc((n_levels[b] ? n_levels[b] : 1) * sizeof *pa);
            if (!pa) goto oom;
            for (size_t l = 0; l < n_levels[b]; l++)
                pa[l] = name_part(level[b][l], j, np, &p, &len) ? find_name(level[a], n_levels[a], p, len) : -1;
            parent[(size_t)a * G + b] = pa;
        }
    }
    if (!(part = malloc(maxl * sizeof *part)) || !(pw = malloc(maxl * sizeof *pw))) goto oom;
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t b = 0; b < G; b++) {
            changed |= vigil_fairness_complement(count[b], n_levels[b], 1, count[b], &total, min_cell, withheld[b]);
            for (size_t a = 0; a < G; a++) {
                const int32_t *pa = parent[a * G + b];
                for (size_t P = 0; pa && P < n_levels[a]; P++) {
                    if (withheld[a][P]) continue; /* its total is not shown */
                    size_t m = 0;
                    for (size_t l = 0; l < n_levels[b]; l++)
                        if (pa[l] == (int32_t)P) part[m] = count[b][l], pw[m++] = withheld[b][l];
                    double tot = count[a][P];
                    if (!vigil_fairness_complement(part, m, 1, part, &tot, min_cell, pw)) continue;
                    changed = 1;
                    m = 0;
                    for (size_t l = 0; l < n_levels[b]; l++)
                        if (pa[l] == (int32_t)P) withheld[b][l] = pw[m++];
                }
            }
        }
    }
    goto done;
oom:
    rc = vigil_error_set(VIGIL_ENOMEM, "out of memory applying the cell-size policy");
done:
    for (size_t q = 0; parent && q < G * G; q++) free(parent[q]);
    free(parent), free(part), free(pw);
    return rc;
}

/* ---- the metrics report ---------------------------------------------------------------- */

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

/* One partition (m levels) under vigil_fairness_complement (the withheld levels' own counts
 * summed); returns 1 when it withheld something more. buf: 6 m doubles, wbuf: m ints. */
static int complement(scope **lv, size_t m, int kind, size_t t, size_t mc, double *buf, int *wbuf)
{
    double *cnt = buf, *size = buf + 4 * m, c[4];
    size_t k = kind == W_THR ? 4 : kind == W_LEVEL ? 3 : 2;
    for (size_t l = 0; l < m; l++) {
        counts_of(lv[l], kind, t, c);
        for (size_t q = 0; q < k; q++) cnt[l * k + q] = c[q];
        size[l] = (double)lv[l]->n;
        wbuf[l] = withheld(lv[l], kind, t);
    }
    if (!vigil_fairness_complement(cnt, m, k, size, NULL, mc, wbuf)) return 0;
    for (size_t l = 0; l < m; l++) {
        if (!wbuf[l] || withheld(lv[l], kind, t)) continue;
        if (kind == W_LEVEL) lv[l]->suppressed = 1;
        else if (kind == W_PREV) lv[l]->prev_ok = 0;
        else lv[l]->thr_ok[t] = 0;
    }
    return 1;
}

/* The policy over every group and every nesting between groups, to a fixed point. */
int vigil_stats_cell_policy(vigil_metrics_report *r)
{
    size_t G = r->ng, n = r->n, T = r->o.n_thresholds, mc = r->o.min_cell;
    uint32_t **lvl = calloc(G ? G : 1, sizeof *lvl);    /* each case's level, per group */
    int32_t **parent = calloc(G ? G * G : 1, sizeof *parent); /* [a*G+b]: b-level -> a-level */
    scope **part = NULL;
    double *cbuf = NULL;
    int *wbuf = NULL;
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
    if (!(part = malloc(maxl * sizeof *part)) || !(cbuf = malloc(6 * maxl * sizeof *cbuf)) ||
        !(wbuf = malloc(maxl * sizeof *wbuf)))
        goto oom;
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
                    changed |= complement(part, gb->n_levels, kind, t, mc, cbuf, wbuf);
                    for (size_t a = 0; a < G; a++) {
                        const int32_t *pa = parent[a * G + b];
                        if (!pa) continue;
                        for (size_t P = 0; P < r->g[a].n_levels; P++) {
                            if (withheld(&r->g[a].lv[P], kind, t)) continue; /* its total is not shown */
                            size_t m = 0;
                            for (size_t l = 0; l < gb->n_levels; l++)
                                if (pa[l] == (int32_t)P) part[m++] = &gb->lv[l];
                            changed |= complement(part, m, kind, t, mc, cbuf, wbuf);
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
    free(lvl), free(parent), free(part), free(cbuf), free(wbuf);
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

