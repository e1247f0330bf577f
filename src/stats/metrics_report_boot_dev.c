/* The host side of a device's bootstrap op (stats/boot_device.h says what the device computes
 * and why the rest is here): the device's inputs, the replicates in one call per phase, and
 * each replicate finished on the host's threads -- the CITL and slope expansions solved from the
 * device's sums with the CPU's code, a scope recomputed by the CPU kernels where an expansion is
 * not accepted, the lowess, the storing -- so the numbers are the CPU op's. Backend-agnostic:
 * the CUDA backend hands its device in (src/backend/cuda/cuda.c). */
#include "stats/boot_device.h"

#include "core/dist.h"
#include "core/parallel.h"
#include "stats/metrics_report.h"
#include "vigil/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the expansions' solves: stats/replicate.c's citl_taylor and slope_taylor after their
 * sums, the same expressions (test_cuda_stub.c holds the results to the CPU op's, bit for bit) */

#define VM_TAYLOR_R6 (0.4084 / 720.0)
#define VM_TAYLOR_TOL 1e-12
static const double inv_fact[6] = {1, 1, 0.5, 1.0 / 6, 1.0 / 24, 1.0 / 120};

static int citl_solve(const double *S, double Y, double a0, double *a)
{
    static const double c[6][7] = {{0, 1}, {0, 1, -1}, {0, 1, -3, 2}, {0, 1, -7, 12, -6},
                                   {0, 1, -15, 50, -60, 24}, {0, 1, -31, 180, -390, 360, -120}};
    double D[6] = {0}, W = S[0];
    for (int k = 0; k < 6; k++)
        for (int j = 1; j <= k + 1; j++) D[k] += c[k][j] * S[j];
    if (!(D[1] > 0)) return -1;
    double x = 0;
    for (int it = 0; it < 50; it++) {
        double f = Y, df = 0, xp = 1;
        for (int k = 0; k < 6; k++) {
            f -= D[k] * xp * inv_fact[k];
            if (k < 5) df -= D[k + 1] * xp * inv_fact[k];
            xp *= x;
        }
        if (!(df < 0)) return -1;
        double step = f / df;
        x -= step;
        if (!(fabs(x) < 1)) return -1;
        if (fabs(step) < 1e-16 * (1 + fabs(a0 + x))) break;
    }
    double dfx = 0, xp = 1;
    for (int k = 0; k < 5; k++, xp *= x) dfx += D[k + 1] * xp * inv_fact[k];
    double err = W * VM_TAYLOR_R6 * pow(fabs(x), 6) / dfx;
    if (!(dfx > 0) || !(err < VM_TAYLOR_TOL * (1 + fabs(a0 + x)))) return -1;
    *a = a0 + x;
    return 0;
}

static int slope_solve(const double *blk, const double *fit0, double *a_out, double *b_out)
{
    const double(*T)[7] = (const double(*)[7])(blk + VB_T);
    double Y0 = blk[VB_Y0], Y1 = blk[VB_Y1], W = blk[VB_W], X = blk[VB_X];
    static const double C[6][6] = {{1}, {1, 1}, {1, 2, 1}, {1, 3, 3, 1}, {1, 4, 6, 4, 1}, {1, 5, 10, 10, 5, 1}};
    double u = 0, v = 0, J[3] = {0};
    for (int it = 0; it < 50; it++) {
        double f0 = Y0, f1 = Y1, j00 = 0, j01 = 0, j11 = 0;
        for (int k = 0; k < 6; k++)
            for (int j = 0; j <= k; j++) {
                double c = inv_fact[k] * C[k][j] * pow(u, k - j) * pow(v, j);
                f0 -= c * T[k][j];
                f1 -= c * T[k][j + 1];
                if (k < 5) {
                    j00 += c * T[k + 1][j];
                    j01 += c * T[k + 1][j + 1];
                    j11 += c * T[k + 1][j + 2];
                }
            }
        double du, dv;
        if (vigil_stats_newton2(f0, f1, j00, j01, j11, &du, &dv) != 0) return -1;
        u += du, v += dv;
        J[0] = j00, J[1] = j01, J[2] = j11;
        if (!(fabs(u) + fabs(v) < 1)) return -1;
        if (fabs(du) < 1e-16 * (1 + fabs(fit0[0] + u)) && fabs(dv) < 1e-16 * (1 + fabs(fit0[1] + v))) break;
    }
    double E = fabs(u) + fabs(v) * X, e0 = W * VM_TAYLOR_R6 * pow(E, 6), e1 = X * e0;
    double det = J[0] * J[2] - J[1] * J[1];
    if (!(det > 0)) return -1;
    double ea = (fabs(J[2]) * e0 + fabs(J[1]) * e1) / det, eb = (fabs(J[1]) * e0 + fabs(J[0]) * e1) / det;
    double a = fit0[0] + u, b = fit0[1] + v;
    if (!(ea < VM_TAYLOR_TOL * (1 + fabs(a))) || !(eb < VM_TAYLOR_TOL * (1 + fabs(b)))) return -1;
    *a_out = a, *b_out = b;
    return 0;
}

/* ---- the device's inputs ---- */

typedef struct {
    vm_boot_dev_data d;
    uint32_t *list, *group_of;
    size_t *start, *first_level; /* first_level[gi]: the scope number of group gi's level 0 */
    double *gsc;
    int slope, slope_cpu; /* the overall scope has a slope; only the CPU can give it (no cached start) */
} dev_inputs;

static void inputs_free(dev_inputs *in) { free(in->list), free(in->group_of), free(in->start), free(in->first_level), free(in->gsc); }

static int inputs(const vm_boot_view *v, dev_inputs *in)
{
    const vigil_metrics_report *r = v->r;
    size_t n = r->n, ng = r->ng, S = 1;
    for (size_t gi = 0; gi < ng; gi++) S += v->g[gi].n_levels;
    memset(in, 0, sizeof *in);
    in->list = malloc((ng ? ng * n : 1) * sizeof *in->list);
    in->group_of = calloc(S, sizeof *in->group_of);
    in->start = calloc(S + 1, sizeof *in->start);
    in->first_level = calloc(ng ? ng : 1, sizeof *in->first_level);
    in->gsc = malloc((ng ? ng * n : 1) * sizeof *in->gsc);
    if (!in->list || !in->group_of || !in->start || !in->first_level || !in->gsc) return -1;
    /* each level's cases in sorted order, the levels of each column in turn: a counting sort */
    size_t s0 = 1, at = 0, maxl = 1;
    for (size_t gi = 0; gi < ng; gi++) maxl = v->g[gi].n_levels > maxl ? v->g[gi].n_levels : maxl;
    size_t *cur = malloc(maxl * sizeof *cur);
    if (!cur) return -1;
    for (size_t gi = 0; gi < ng; gi++) {
        const vm_group_in *g = &v->g[gi];
        size_t nl = g->n_levels, *st = in->start + s0; /* st[l]: where level l starts; st[nl]: the end */
        in->first_level[gi] = s0;
        st[0] = at;
        for (size_t l = 0; l < nl; l++) in->group_of[s0 + l] = (uint32_t)gi, st[l + 1] = 0;
        for (size_t i = 0; i < n; i++)
            if (g->code[i] < nl) st[g->code[i] + 1]++;
        for (size_t l = 0; l < nl; l++) st[l + 1] += st[l], cur[l] = st[l];
        for (size_t i = 0; i < n; i++)
            if (g->code[i] < nl) in->list[cur[g->code[i]]++] = (uint32_t)i;
        at = st[nl];
        memcpy(in->gsc + gi * n, g->sc, n * sizeof *in->gsc);
        s0 += nl;
    }
    free(cur);
    const vm_scope_in *a = v->all;
    in->slope = a->fit0 && a->lg && isfinite(a->fit0[1]);
    in->slope_cpu = in->slope && !a->sf;
    in->d = (vm_boot_dev_data){.n = n, .p = a->p, .sc = a->sc, .lg = in->slope ? a->lg : NULL,
                               .sf = in->slope ? a->sf : NULL, .y = a->y, .t = r->thr[0], .pos = r->pos,
                               .seed = r->o.seed, .jack_groups = r->jack_groups, .ng = ng, .n_scopes = S,
                               .list = in->list, .group_of = in->group_of, .start = in->start, .gsc = in->gsc};
    return 0;
}

/* ---- finishing the replicates on the host ---- */

typedef struct {
    struct vigil_boot_job *job;
    const vm_boot_view *v;
    const dev_inputs *in;
    int jack;
    size_t first, stride, width;
    const double *out;
    double **scratch, **w; /* per worker */
    unsigned char **redo;  /* per worker: which group columns the CPU recomputes */
} fin_ctx;

/* the pass's weights, as stats/bootstrap.c draws them */
static void weights(const fin_ctx *f, size_t rid, double *w)
{
    const vigil_metrics_report *r = f->v->r;
    size_t n = r->n;
    if (f->jack) {
        for (size_t k = 0; k < n; k++) w[k] = k % r->jack_groups == rid ? 0.0 : 1.0;
        return;
    }
    vm_rng g;
    vigil_stats_rng_seed(&g, r->o.seed, rid);
    memset(w, 0, n * sizeof *w);
    for (size_t i = 0; i < n; i++) {
        size_t k = vigil_stats_bootstrap_case(&g, n);
        w[r->pos ? r->pos[k] : k] += 1.0;
    }
}

static int finish(void *arg, size_t b, size_t e, int worker)
{
    fin_ctx *f = arg;
    const vm_boot_view *v = f->v;
    const vigil_metrics_report *r = v->r;
    const dev_inputs *in = f->in;
    size_t n = r->n, S = in->d.n_scopes, ng = r->ng;
    double *cbuf = f->scratch[worker], *lv = cbuf + 6 * n, *lbuf = lv + S * S_COUNT, *w = f->w[worker];
    unsigned char *redo = f->redo[worker];
    static const int slot[9] = {S_AUROC, S_AUPRC, S_BRIER, S_ECE, S_ECE_EM, S_MCE, S_TPR, S_FPR, S_SEL};
    for (size_t k = b; k < e; k++) {
        size_t rid = f->first + k * f->stride;
        const double *o = f->out + k * f->width;
        int redo_all = in->slope_cpu;
        memset(redo, 0, ng ? ng : 1);
        for (size_t s = 0; s < S; s++) {
            const double *blk = o + s * VB_SCOPE;
            double *d = lv + s * S_COUNT;
            for (int q = 0; q < S_COUNT; q++) d[q] = NAN;
            for (int q = 0; q < 9; q++) d[slot[q]] = blk[q];
            size_t gi = s ? in->group_of[s] : 0;
            double c0 = s ? v->g[gi].in[s - in->first_level[gi]].citl0 : v->all->citl0;
            /* no case with 0 < p < 1 drawn: the CPU's exact steps give NaN there too */
            if (blk[VB_S0] != 0 && citl_solve(blk + VB_S0, blk[VB_Y], isfinite(c0) ? c0 : 0, &d[S_CITL]) != 0) {
                if (s) redo[gi] = 1;
                else redo_all = 1;
            }
        }
        const double *sb = o + S * VB_SCOPE;
        if (in->slope && !in->slope_cpu && sb[VB_NONEMPTY] != 0 &&
            slope_solve(sb, v->all->fit0, &lv[S_INTERCEPT], &lv[S_SLOPE]) != 0)
            redo_all = 1;
        int any = redo_all;
        for (size_t gi = 0; gi < ng; gi++) any |= redo[gi];
        /* the lowess, the thresholds' pass and the ROC band read them */
        if (any || r->boot_lowess || (!f->jack && (r->n_bt || r->band_rep))) weights(f, rid, w);
        if (redo_all) vigil_stats_scope_stats(v->all, w, r->thr[0], cbuf, lv);
        for (size_t gi = 0; gi < ng; gi++)
            if (redo[gi]) vigil_stats_group_stats(&v->g[gi], w, r->thr[0], cbuf, lv + in->first_level[gi] * S_COUNT);
        vigil_stats_boot_store(f->job, f->jack, rid, w, lv, lbuf, cbuf);
    }
    return VIGIL_OK;
}

/* One phase: this rank's replicates (calls) of [0, count) on the device, then finished here. */
static int phase(struct vigil_boot_job *job, const vm_boot_view *v, const dev_inputs *in, const vm_boot_device *dev,
                 void *h, int jack, size_t count)
{
    const vigil_metrics_report *r = v->r;
    size_t rank = (size_t)vigil_dist_rank(), size = (size_t)vigil_dist_size();
    size_t m = count > rank ? (count - rank + size - 1) / size : 0, width = vm_boot_dev_width(in->d.n_scopes);
    if (m == 0) return VIGIL_OK;
    int T = vigil_parallel_workers((int)r->o.threads, m, 1), rc = VIGIL_OK;
    fin_ctx f = {job, v, in, jack, rank, size, width, NULL, NULL, NULL, NULL};
    double *out = malloc(m * width * sizeof *out);
    f.scratch = calloc((size_t)T, sizeof *f.scratch);
    f.w = calloc((size_t)T, sizeof *f.w);
    f.redo = calloc((size_t)T, sizeof *f.redo);
    if (!out || !f.scratch || !f.w || !f.redo) goto oom;
    for (int t = 0; t < T; t++)
        if (!(f.scratch[t] = malloc(v->scratch)) || !(f.w[t] = malloc((r->n ? r->n : 1) * sizeof(double))) ||
            !(f.redo[t] = malloc(r->ng ? r->ng : 1)))
            goto oom;
    if ((rc = dev->run(h, jack, rank, size, m, out)) != VIGIL_OK) goto done;
    f.out = out;
    rc = vigil_parallel_for(T, m, 1, finish, &f);
    goto done;
oom:
    rc = vigil_error_set(VIGIL_ENOMEM, "out of memory finishing the device's bootstrap (%zu cases)", r->n);
done:
    for (int t = 0; t < T; t++) {
        if (f.scratch) free(f.scratch[t]);
        if (f.w) free(f.w[t]);
        if (f.redo) free(f.redo[t]);
    }
    free(f.scratch), free(f.w), free(f.redo), free(out);
    return rc;
}

int vigil_stats_bootstrap_device(struct vigil_boot_job *job, const vm_boot_device *dev)
{
    vm_boot_view v;
    vigil_stats_boot_view(job, &v);
    dev_inputs in;
    void *h = NULL;
    int rc = VIGIL_OK;
    if (inputs(&v, &in) != 0) rc = vigil_error_set(VIGIL_ENOMEM, "out of memory for the device's bootstrap");
    else rc = dev->begin(&in.d, &h);
    if (rc == VIGIL_OK) rc = phase(job, &v, &in, dev, h, 0, v.r->o.bootstrap);
    /* as the CPU op: every rank meets at both shares' first, even after a failure here */
    rc = vigil_stats_boot_share(job, 0, rc);
    if (rc == VIGIL_OK) rc = vigil_stats_boot_share(job, 1, phase(job, &v, &in, dev, h, 1, v.r->jack_groups + 1));
    if (h) dev->end(h);
    inputs_free(&in);
    return rc;
}
