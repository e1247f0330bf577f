/* The metrics report's bootstrap: every replicate resamples the cases once (count weights)
 * and recomputes every scope's statistics and every disparity from the one sorted order. */
#include "stats/metrics_report.h"
#include "stats/roc_band.h"
#include "backend/backend_impl.h"
#include "vigil/error.h"
#include "core/dist.h"
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

/* Where one pass writes: replicate rep of B, or jackknife call rep of groups + 1. */
typedef struct {
    vigil_metrics_report *r;
    int jack;
    const vm_scope_in *all; /* the overall scope */
    const vm_group_in *g;   /* each group column */
    /* the bootstrap thresholds (r->bt), replicates only: their accumulators' byte offset in the
     * scratch, and in ascending order of threshold the first case of the sorted order at or
     * above each (tseg) and which of r->bt it is (tslot) */
    size_t toff;
    const size_t *tseg, *tslot;
} pass_ctx;

static void store(pass_ctx *pc, size_t rep, const double *w, double *lv, double *lbuf, void *scratch);

/* One drawn case (count c, c of them events) into a scope's accumulators: its totals, and its
 * run sg (0: below every bootstrap threshold) */
static inline void thr_add(double *a, double c, double cy, size_t sg, size_t nb)
{
    a[0] += c, a[1] += cy;
    if (sg) a[1 + sg] += c - cy, a[1 + nb + sg] += cy;
}

/* The threshold statistics of one replicate at the bootstrap thresholds, every scope with
 * replicates (scope.trep). The cases at or above a threshold are a run at the top of the sorted
 * order, so one pass over the counts sums, per scope, the weight and the events of the whole
 * scope and of each run between consecutive thresholds; suffix sums of those give the
 * confusion counts at each threshold. The counts are integers, so the sums are exact in any
 * order, and the statistics are vigil_stats_threshold_from_counts's expressions: with every
 * weight 1 they are the point estimates. acc: total levels x (2 + 2 n_bt) doubles. */
static void replicate_thresholds(const pass_ctx *pc, size_t rep, const double *w, double *acc)
{
    const vigil_metrics_report *r = pc->r;
    size_t nb = r->n_bt, LT = total_levels(r), wd = 2 + 2 * nb, B = r->o.bootstrap;
    const uint8_t *y = r->all.y;
    memset(acc, 0, LT * wd * sizeof *acc);
    for (size_t sg = 0; sg <= nb; sg++) { /* run 0 is below every threshold: totals only */
        size_t i0 = sg ? pc->tseg[sg - 1] : 0, i1 = sg < nb ? pc->tseg[sg] : r->n;
        for (size_t i = i0; i < i1; i++) {
            double c = w[i];
            if (c == 0) continue;
            double cy = y[i] ? c : 0;
            thr_add(acc, c, cy, sg, nb);
            for (size_t gi = 0, k = 1; gi < r->ng; k += r->g[gi].n_levels, gi++) {
                uint32_t l = r->g[gi].code[i];
                if (l < r->g[gi].n_levels) thr_add(acc + (k + l) * wd, c, cy, sg, nb);
            }
        }
    }
    for (size_t gi = 0, k = 0; gi <= r->ng; gi++) {
        size_t nl = gi ? r->g[gi - 1].n_levels : 1;
        for (size_t l = 0; l < nl; l++, k++) {
            double *o = gi ? r->g[gi - 1].lv[l].trep : r->all.trep;
            if (!o) continue;
            const double *a = acc + k * wd;
            double W0 = a[0] - a[1], W1 = a[1], tp = 0, fp = 0;
            for (size_t sg = nb; sg > 0; sg--) { /* from the highest threshold down */
                fp += a[1 + sg], tp += a[1 + nb + sg];
                size_t b = pc->tslot[sg - 1];
                double t = r->thr[r->bt[b]], fn = W1 - tp, tn = W0 - fp, n = tp + fp + fn + tn;
                double *ob = o + b * T_COUNT * B + rep;
                ob[T_TPR * B] = tp + fn > 0 ? tp / (tp + fn) : NAN;
                ob[T_TNR * B] = tn + fp > 0 ? tn / (tn + fp) : NAN;
                ob[T_PPV * B] = tp + fp > 0 ? tp / (tp + fp) : NAN;
                ob[T_NPV * B] = tn + fn > 0 ? tn / (tn + fn) : NAN;
                ob[T_SEL * B] = n > 0 ? (tp + fp) / n : NAN;
                ob[T_NB * B] = n > 0 && t < 1 ? tp / n - fp / n * t / (1 - t) : NAN;
            }
        }
    }
}

/* One pass set for the overall scope and every level of every group, each over its own cases
 * (vigil_stats_scope_stats): the replicate's statistics and disparities at index rep. */
static void replicate(void *ctx, size_t rep, const double *w, void *scratch)
{
    pass_ctx *pc = ctx;
    vigil_metrics_report *r = pc->r;
    size_t LT = total_levels(r);
    double t = r->thr[0], *cbuf = scratch, *lv = cbuf + 6 * r->n, *lbuf = lv + LT * S_COUNT;
    vigil_stats_scope_stats(pc->all, w, t, cbuf, lv);
    for (size_t gi = 0, k = 1; gi < r->ng; k += r->g[gi].n_levels, gi++)
        vigil_stats_group_stats(&pc->g[gi], w, t, cbuf, lv + k * S_COUNT);
    store(pc, rep, w, lv, lbuf, scratch);
}

/* The rest of a pass once every scope's statistics are in lv (a device op computes those:
 * vigil_stats_boot_store): the lowess E statistics, the values at index rep, the disparities. */
static void store(pass_ctx *pc, size_t rep, const double *w, double *lv, double *lbuf, void *scratch)
{
    vigil_metrics_report *r = pc->r;
    size_t B = pc->jack ? r->jack_groups + 1 : r->o.bootstrap;
    if (r->boot_lowess) replicate_lowess(r, w, lbuf, lv);
    if (!pc->jack && r->n_bt) replicate_thresholds(pc, rep, w, (double *)((char *)scratch + pc->toff));
    if (!pc->jack && r->band_rep) vigil_stats_roc_band_replicate(r, w, rep, r->band_rep);
    double *dst = pc->jack ? r->all.jack : r->all.rep;
    for (int q = 0; q < S_COUNT; q++) dst[(size_t)q * B + rep] = lv[q];
    double *gv = lv + S_COUNT;
    for (size_t gi = 0; gi < r->ng; gi++) {
        group *g = &r->g[gi];
        for (size_t l = 0; l < g->n_levels; l++) {
            scope *s = &g->lv[l];
            double *sd = pc->jack ? s->jack : s->rep;
            if (!sd) continue;
            for (int q = 0; q < S_COUNT; q++) sd[(size_t)q * B + rep] = gv[l * S_COUNT + q];
        }
        double d[D_COUNT];
        vigil_stats_group_disparities(g, gv, d, NULL, NULL);
        double *dd = pc->jack ? g->djack : g->drep;
        for (int q = 0; q < D_COUNT; q++) dd[(size_t)q * B + rep] = d[q];
        gv += g->n_levels * S_COUNT;
    }
}

/* The scopes' inputs, built once: the overall scope's and each group column's (its codes, each
 * level's size and CITL start), with every case's calibrated probabilities at its scopes' point
 * estimates (the expansions' centres). */
typedef struct {
    double *sc, *sf, fit0[2];
    vm_scope_in *in;
    vm_group_in *g;
} lists;

static void lists_free(lists *L) { free(L->sc), free(L->sf), free(L->in), free(L->g); }

/* sigma(logit p + a) as the CITL Newton step writes it */
static double citl_prob(double p, double ea) { return p * ea / (1 - p + p * ea); }

static int scope_lists(const vigil_metrics_report *r, lists *L)
{
    size_t n = r->n, LT = total_levels(r);
    const scope *a = &r->all;
    L->sc = malloc((r->ng + 1) * n * sizeof *L->sc), L->sf = malloc(n * sizeof *L->sf);
    L->in = calloc(LT, sizeof *L->in), L->g = calloc(r->ng ? r->ng : 1, sizeof *L->g);
    if (!L->sc || !L->sf || !L->in || !L->g) return -1;
    L->fit0[0] = a->cal.intercept, L->fit0[1] = a->cal.slope;
    double e0 = exp(isfinite(a->cal.citl) ? a->cal.citl : 0);
    for (size_t i = 0; i < n; i++) {
        L->sc[i] = citl_prob(a->p[i], e0);
        L->sf[i] = isfinite(a->lg[i]) ? 1.0 / (1.0 + exp(-(L->fit0[0] + L->fit0[1] * a->lg[i]))) : 0;
    }
    L->in[0] = (vm_scope_in){.p = a->p, .lg = a->lg, .y = a->y, .m = n, .citl0 = a->cal.citl, .sc = L->sc,
                             .fit0 = L->fit0, .sf = isfinite(L->fit0[1]) ? L->sf : NULL};
    for (size_t gi = 0, k = 1; gi < r->ng; gi++) {
        const group *g = &r->g[gi];
        size_t nl = g->n_levels;
        double *sc = L->sc + (gi + 1) * n;
        vm_scope_in *in = L->in + k;
        for (size_t l = 0; l < nl; l++) in[l].citl0 = g->citl0[l];
        for (size_t i = 0; i < n; i++) {
            size_t l = g->code[i];
            sc[i] = 0;
            if (l >= nl) continue;
            in[l].m++;
            sc[i] = citl_prob(a->p[i], exp(isfinite(g->citl0[l]) ? g->citl0[l] : 0));
        }
        L->g[gi] = (vm_group_in){.p = a->p, .y = a->y, .code = g->code, .sc = sc, .n = n, .n_levels = nl, .in = in};
        k += nl;
    }
    return 0;
}

/* One interval: BCa where it is defined (counted), the percentile interval where not. */
static void interval(vigil_metrics_report *r, const double *rep, const double *jack, double *cp, double *lo,
                     double *hi, const char **how)
{
    size_t B = r->o.bootstrap, G = r->jack_groups;
    memcpy(cp, rep, B * sizeof *cp);
    int m = vigil_stats_bca_ci_how(cp, B, jack[G], jack, G, r->o.level, lo, hi, how);
    if (m == 1) r->ci_bca++;
    else if (m == 0) r->ci_percentile++;
}

/* Every array the passes write, for sharing across MPI ranks: the overall scope's, each
 * group's disparities and each reported level's (jack: the jackknife's). */
static int share(vigil_metrics_report *r, int jack, int local_rc)
{
    size_t n = jack ? 1 : 2, nt = jack ? 0 : r->n_bt * T_COUNT; /* the ROC band's and bootstrap thresholds' too */
    for (size_t gi = 0; gi < r->ng; gi++) n += 1 + r->g[gi].n_levels;
    if (nt) n += total_levels(r);
    vigil_dist_cols *a = calloc(n, sizeof *a);
    if (!a) local_rc = vigil_error_set(VIGIL_ENOMEM, "out of memory for the bootstrap");
    else {
        size_t k = 0;
        a[k++] = (vigil_dist_cols){jack ? r->all.jack : r->all.rep, S_COUNT};
        if (!jack) a[k++] = (vigil_dist_cols){r->band_rep, VM_BAND_POINTS};
        for (size_t gi = 0; gi < r->ng; gi++) {
            group *g = &r->g[gi];
            a[k++] = (vigil_dist_cols){jack ? g->djack : g->drep, D_COUNT};
            for (size_t l = 0; l < g->n_levels; l++)
                a[k++] = (vigil_dist_cols){jack ? g->lv[l].jack : g->lv[l].rep, S_COUNT};
        }
        if (nt) {
            a[k++] = (vigil_dist_cols){r->all.trep, nt};
            for (size_t gi = 0; gi < r->ng; gi++)
                for (size_t l = 0; l < r->g[gi].n_levels; l++) a[k++] = (vigil_dist_cols){r->g[gi].lv[l].trep, nt};
        }
    }
    int rc = vigil_dist_share_cols(a, a ? n : 0, jack ? r->jack_groups + 1 : r->o.bootstrap, local_rc);
    free(a);
    return rc;
}

/* The bootstrap op's job: the report, the replicates' and the jackknife's pass contexts and
 * the scratch bytes one pass needs. */
struct vigil_boot_job {
    vigil_metrics_report *r;
    pass_ctx boot, jack;
    size_t scratch;
};

int vigil_stats_bootstrap_cpu(vigil_boot_job *j)
{
    vigil_metrics_report *r = j->r;
    int rc = vigil_stats_bootstrap_run_split(r->n, r->o.bootstrap, r->o.seed, r->o.threads, j->scratch, r->pos,
                                             replicate, &j->boot);
    rc = share(r, 0, rc);
    /* the jackknife: G calls each leaving out every G-th case in score order (so each group
     * spans the range of scores, and the row order of the file does not matter), and call G,
     * which leaves none out, for the estimate the same passes give */
    if (!rc)
        rc = share(r, 1, vigil_stats_jackknife_run_split(r->n, r->jack_groups, r->o.threads, j->scratch, NULL,
                                                         replicate, &j->jack));
    return rc;
}

/* For a device's op (metrics_report_boot_dev.c): what the passes read, their ending, the shares. */
void vigil_stats_boot_view(vigil_boot_job *j, vm_boot_view *v)
{
    *v = (vm_boot_view){j->r, j->boot.all, j->boot.g, j->scratch};
}

void vigil_stats_boot_store(vigil_boot_job *j, int jack, size_t rep, const double *w, double *lv, double *lbuf,
                            void *scratch)
{
    store(jack ? &j->jack : &j->boot, rep, w, lv, lbuf, scratch);
}

int vigil_stats_boot_share(vigil_boot_job *j, int jack, int local_rc) { return share(j->r, jack, local_rc); }

static int run_op(const vigil_backend_i *b, void *ctx) { return b->bootstrap(ctx); }

int vigil_stats_report_bootstrap(vigil_metrics_report *r)
{
    size_t B = r->o.bootstrap;
    if (B == 0) return VIGIL_OK;
    size_t G = r->n < VM_JACK_GROUPS ? r->n : VM_JACK_GROUPS, J = G + 1;
    r->jack_groups = G;
    /* Under MPI each rank runs its own replicates and jackknife calls (r % size == rank) and
     * then every rank has every one (share): a failure on any rank, here included, reaches the
     * shares as that rank's result, so every rank returns an error and none waits. */
    int rc = VIGIL_OK;
    lists sl = {0};
    if (!(r->all.rep = malloc(S_COUNT * B * sizeof(double))) || !(r->all.jack = malloc(S_COUNT * J * sizeof(double))) ||
        !(r->band_rep = malloc(VM_BAND_POINTS * B * sizeof(double))))
        goto oom;
    for (size_t gi = 0; gi < r->ng; gi++) {
        if (!(r->g[gi].drep = malloc(D_COUNT * B * sizeof(double))) ||
            !(r->g[gi].djack = malloc(D_COUNT * J * sizeof(double))))
            goto oom;
        for (size_t l = 0; l < r->g[gi].n_levels; l++)
            if (!r->g[gi].lv[l].suppressed && (!(r->g[gi].lv[l].rep = malloc(S_COUNT * B * sizeof(double))) ||
                                               !(r->g[gi].lv[l].jack = malloc(S_COUNT * J * sizeof(double)))))
                goto oom;
    }
    size_t LT = total_levels(r), scratch = (6 * r->n + LT * S_COUNT) * sizeof(double);
    r->boot_lowess = r->o.lowess_bootstrap > 0 || (r->o.lowess_bootstrap == 0 && r->n <= LOWESS_BOOT_MAX);
    if (r->boot_lowess) {
        scratch += 2 * r->n * sizeof(double) + r->n * sizeof(uint32_t) + sizeof(double);
        if (!(r->yd = malloc(r->n * sizeof *r->yd))) goto oom;
        for (size_t i = 0; i < r->n; i++) r->yd[i] = r->all.y[i];
    }
    /* the bootstrap thresholds: their replicates, accumulators, and runs of the sorted order */
    size_t toff = 0, *tseg = NULL, *tslot = NULL, nb = r->n_bt;
    if (nb) {
        size_t tb = nb * T_COUNT * B * sizeof(double);
        toff = (scratch + sizeof(double) - 1) / sizeof(double) * sizeof(double);
        scratch = toff + LT * (2 + 2 * nb) * sizeof(double);
        if (!(r->all.trep = malloc(tb)) || !(tseg = malloc(nb * sizeof *tseg)) || !(tslot = malloc(nb * sizeof *tslot)))
            goto toom;
        for (size_t gi = 0; gi < r->ng; gi++)
            for (size_t l = 0; l < r->g[gi].n_levels; l++)
                if (!r->g[gi].lv[l].suppressed && !(r->g[gi].lv[l].trep = malloc(tb))) goto toom;
        for (size_t b = 0; b < nb; b++) { /* insertion by threshold: a handful */
            double t = r->thr[r->bt[b]];
            size_t lo = 0, hi = r->n, j = b;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (r->all.p[mid] < t) lo = mid + 1;
                else hi = mid;
            }
            for (; j > 0 && r->thr[r->bt[tslot[j - 1]]] > t; j--) tseg[j] = tseg[j - 1], tslot[j] = tslot[j - 1];
            tseg[j] = lo, tslot[j] = b;
        }
    }
    if (scope_lists(r, &sl) != 0) goto toom;
    vigil_boot_job job = {r, {r, 0, sl.in, sl.g, toff, tseg, tslot}, {r, 1, sl.in, sl.g, 0, NULL, NULL}, scratch};
    rc = vigil_backend_run(r->o.backend, VIGIL_OP_BOOTSTRAP, "the bootstrap",
                           vigil_backend_work((double)r->n * (double)B, (int)r->o.threads), run_op, &job,
                           &r->boot_backend);
    lists_free(&sl);
    free(tseg), free(tslot);
    if (rc) return rc;
    /* the intervals from a copy: the replicates stay in replicate order, paired with those of
     * another report of the same cases (vigil_metrics_paired_json) */
    double *cp = malloc(B * sizeof *cp);
    if (!cp) return vigil_error_set(VIGIL_ENOMEM, "out of memory for %zu bootstrap replicates", B);
    for (int k = 0; k < S_COUNT; k++)
        interval(r, r->all.rep + (size_t)k * B, r->all.jack + (size_t)k * J, cp, &r->all.ci[k][0], &r->all.ci[k][1],
                 &r->all.ci_how[k]);
    for (size_t gi = 0; gi < r->ng; gi++) {
        group *g = &r->g[gi];
        for (int k = 0; k < D_COUNT; k++)
            interval(r, g->drep + (size_t)k * B, g->djack + (size_t)k * J, cp, &g->dci[k][0], &g->dci[k][1],
                     &g->dci_how[k]);
        for (size_t l = 0; l < g->n_levels; l++)
            if (g->lv[l].rep)
                for (int k = 0; k < S_COUNT; k++)
                    interval(r, g->lv[l].rep + (size_t)k * B, g->lv[l].jack + (size_t)k * J, cp, &g->lv[l].ci[k][0],
                             &g->lv[l].ci[k][1], &g->lv[l].ci_how[k]);
    }
    free(cp);
    return VIGIL_OK;
toom:
    free(tseg), free(tslot);
oom:
    lists_free(&sl);
    /* every rank meets at the share, as it would have after the replicates */
    return share(r, 0, vigil_error_set(VIGIL_ENOMEM, "out of memory for %zu bootstrap replicates", B));
}
