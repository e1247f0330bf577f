/* The metrics report's bootstrap: every replicate resamples the cases once (count weights)
 * and recomputes every scope's statistics and every disparity from the one sorted order. */
#include "stats/metrics_report.h"
#include "vigil/error.h"
#include "core/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
        vigil_stats_group_disparities(g, gv, d, NULL, NULL);
        for (int q = 0; q < D_COUNT; q++) g->drep[(size_t)q * B + rep] = d[q];
        gv += g->n_levels * S_COUNT;
    }
}

int vigil_stats_report_bootstrap(vigil_metrics_report *r)
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

