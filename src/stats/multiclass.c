/* The multi-class engine (include/vigil/multiclass.h): per-case quantities once, then every
 * scope's sums from one pass over the cases and, per class, one pass over that class's sorted
 * probabilities (the one-vs-rest AUROC and the classwise calibration bins), with case weights.
 * The point estimates are the pass with every weight 1 and the bootstrap replicates the same
 * pass with resampling counts, so both come from one code path (as metrics_internal.h). */
#include "stats/multiclass.h"
#include "vigil/error.h"
#include "vigil/fairness.h"
#include "core/dist.h"
#include "core/parallel.h"
#include "core/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const vigil_mc_stat_name[MC_COUNT] = {"accuracy",           "top_k_accuracy", "log_loss",
                                                  "brier",              "auroc_ovr_macro", "auroc_ovr_weighted",
                                                  "mrr",                "ece_classwise",  "ece_top_label"};
const char *const vigil_mc_gap_name[MCD_COUNT] = {"top_k_accuracy_gap", "auroc_ovr_macro_gap"};


/* ---- checks ------------------------------------------------------------------------------ */

int vigil_multiclass_check(const double *const *prob, size_t k, const int32_t *label, size_t n,
                           const char *source, const char *const *class_names, const size_t *cols,
                           size_t label_col, size_t (*row_line)(const void *ctx, size_t row), const void *ctx)
{
    const char *src = source ? source : "cases";
    if (k < 2) return vigil_error_set(VIGIL_EINVAL, "%s: multi-class metrics need at least 2 classes, got %zu", src, k);
    for (size_t i = 0; i < n; i++) {
        size_t line = row_line ? row_line(ctx, i) : i + 1;
        if (label[i] < 0 || (size_t)label[i] >= k)
            return vigil_error_set(VIGIL_EINVAL, "%s:%zu:%zu: label is not one of the %zu classes", src, line,
                                   label_col, k);
        double sum = 0;
        for (size_t c = 0; c < k; c++) {
            double p = prob[c][i];
            const char *cn = class_names ? class_names[c] : "";
            size_t col = cols ? cols[c] : 0;
            if (isnan(p))
                return vigil_error_set(VIGIL_EINVAL, "%s:%zu:%zu: probability of class '%s' is missing (NaN); every "
                                       "class column needs a value on every row", src, line, col, cn);
            if (!(p >= 0 && p <= 1))
                return vigil_error_set(VIGIL_EINVAL, "%s:%zu:%zu: probability of class '%s' is %g, outside [0, 1]",
                                       src, line, col, cn, p);
            sum += p;
        }
        if (!(fabs(sum - 1) <= VIGIL_MULTICLASS_SUM_TOL))
            return vigil_error_set(VIGIL_EINVAL, "%s:%zu: the %zu class probabilities sum to %.9g, not 1 (tolerance "
                                   "%g)", src, line, k, sum, VIGIL_MULTICLASS_SUM_TOL);
    }
    return VIGIL_OK;
}

/* ---- the passes -------------------------------------------------------------------------- */

typedef struct {
    const double *const *prob;
    const int32_t *label;
    size_t n, k, ng, n_scopes, sz;
    uint32_t **scope_of; /* ng x n: the case's level scope (1..); a suppressed level's sums are
                          * kept too: the cell-size policy adds them up */
    uint32_t **order;    /* k sorted orders (kept for the bootstrap), or NULL */
    /* per case */
    int32_t *pred;
    uint8_t *hit, *tlbin;
    double *ll, *br, *rr, *conf;
} mc_pass;

/* Argmax (the first of equal maxima, as numpy), top-k hit (scikit-learn's order: equal
 * probabilities rank the later class first), log loss (scikit-learn's clip and renormalise),
 * Brier sum, reciprocal rank (ties pessimistic) and the confidence's calibration bin. */
static void per_case(mc_pass *P, size_t top_k)
{
    const double eps = 2.220446049250313e-16;
    for (size_t i = 0; i < P->n; i++) {
        size_t t = (size_t)P->label[i], best = 0, above = 0, ahead = 0, ge = 0;
        double pt = P->prob[t][i], mx = P->prob[0][i], csum = 0, br = 0;
        for (size_t c = 0; c < P->k; c++) {
            double p = P->prob[c][i];
            if (p > mx) {
                mx = p;
                best = c;
            }
            above += p > pt;
            ahead += p == pt && c > t;
            ge += c != t && p >= pt;
            csum += fmin(fmax(p, eps), 1 - eps);
            double d = p - (c == t);
            br += d * d;
        }
        P->pred[i] = (int32_t)best;
        P->hit[i] = above + ahead < top_k;
        P->ll[i] = -log(fmin(fmax(pt, eps), 1 - eps)) + log(csum);
        P->br[i] = br;
        P->rr[i] = 1.0 / (double)(1 + ge);
        P->conf[i] = mx;
        P->tlbin[i] = (uint8_t)vigil_stats_calib_bin(mx);
    }
}

static inline size_t scopes_of(const mc_pass *P, size_t i, uint32_t *s)
{
    size_t m = 0;
    s[m++] = 0;
    for (size_t g = 0; g < P->ng; g++)
        s[m++] = P->scope_of[g][i];
    return m;
}

/* The shared sums and each class's argmax counts. */
static void case_pass(const mc_pass *P, const double *w, double *S)
{
    uint32_t s[VM_MAX_GROUPS + 1];
    for (size_t i = 0; i < P->n; i++) {
        double wi = w ? w[i] : 1;
        if (wi == 0) continue;
        size_t m = scopes_of(P, i, s), t = (size_t)P->label[i], pc = (size_t)P->pred[i];
        int ok = pc == t;
        for (size_t q = 0; q < m; q++) {
            double *h = S + (size_t)s[q] * P->sz;
            h[H_W] += wi;
            h[H_CORRECT] += wi * ok;
            h[H_HIT] += wi * P->hit[i];
            h[H_LL] += wi * P->ll[i];
            h[H_BR] += wi * P->br[i];
            h[H_RR] += wi * P->rr[i];
            double *b = h + H_TL + 3 * P->tlbin[i];
            b[0] += wi;
            b[1] += wi * P->conf[i];
            b[2] += wi * ok;
            double *cp = h + H + pc * C;
            cp[C_PRED] += wi;
            cp[C_TP] += wi * ok;
        }
    }
}

/* A tie block of one scope ends: its positives rank above the negatives below it and half of
 * the negatives in it (Mann-Whitney with half ties). */
static inline void flush(double *c)
{
    c[C_NUM] += c[C_BPOS] * (c[C_BELOW] + 0.5 * c[C_BNEG]);
    c[C_BELOW] += c[C_BNEG];
    c[C_POS] += c[C_BPOS];
    c[C_NEG] += c[C_BNEG];
    c[C_BPOS] = c[C_BNEG] = 0;
}

/* Class c's one-vs-rest AUROC sums and calibration bins in every scope, walking its sorted
 * order: within a scope the cases still come in ascending order, so a tie block ends when
 * that scope sees a new value. ps, ys (optional): the probabilities and the class indicator
 * already in that order, which spares the walk its random reads (the point estimates);
 * without them it reads through ord (the bootstrap). Writes only class c's part of the sums. */
static void class_pass(const mc_pass *P, size_t c, const uint32_t *ord, const double *ps, const uint8_t *ys,
                       const double *w, double *S)
{
    uint32_t s[VM_MAX_GROUPS + 1] = {0};
    const double *pc = P->prob[c];
    for (size_t q = 0; q < P->n_scopes; q++) S[q * P->sz + H + c * C + C_LAST] = NAN;
    for (size_t j = 0; j < P->n; j++) {
        size_t i = ord[j];
        double wi = w ? w[i] : 1;
        if (wi == 0) continue;
        double p = ps ? ps[j] : pc[i];
        int y = ys ? ys[j] : (size_t)P->label[i] == c, b = vigil_stats_calib_bin(p);
        size_t m = P->ng ? scopes_of(P, i, s) : 1; /* overall alone: s[0] = 0 */
        for (size_t q = 0; q < m; q++) {
            double *x = S + (size_t)s[q] * P->sz + H + c * C;
            if (p != x[C_LAST]) {
                flush(x);
                x[C_LAST] = p;
            }
            x[y ? C_BPOS : C_BNEG] += wi;
            double *e = x + C_ECE + 3 * b;
            e[0] += wi;
            e[1] += wi * p;
            e[2] += wi * y;
        }
    }
    for (size_t q = 0; q < P->n_scopes; q++) flush(S + q * P->sz + H + c * C);
}

/* A scope's statistics from its sums; auc (k) gets each class's AUROC (NaN: undefined). */
static void finish(const mc_pass *P, const double *h, double *est, double *auc, size_t *n_macro)
{
    double W = h[H_W];
    for (int q = 0; q < MC_COUNT; q++) est[q] = NAN;
    if (!(W > 0)) return;
    est[MC_ACC] = h[H_CORRECT] / W;
    est[MC_TOPK] = h[H_HIT] / W;
    est[MC_LOGLOSS] = h[H_LL] / W;
    est[MC_BRIER] = h[H_BR] / W;
    est[MC_MRR] = h[H_RR] / W;
    double tl = 0, cw = 0, mac = 0, wsum = 0, wn = 0;
    for (int b = 0; b < VM_BINS; b++) tl += fabs(h[H_TL + 3 * b + 1] - h[H_TL + 3 * b + 2]);
    est[MC_ECE_TL] = tl / W;
    size_t used = 0;
    for (size_t c = 0; c < P->k; c++) {
        const double *x = h + H + c * C;
        double e = 0;
        for (int b = 0; b < VM_BINS; b++) e += fabs(x[C_ECE + 3 * b + 1] - x[C_ECE + 3 * b + 2]);
        cw += e / W;
        double a = x[C_POS] > 0 && x[C_NEG] > 0 ? x[C_NUM] / (x[C_POS] * x[C_NEG]) : NAN;
        auc[c] = a;
        if (isnan(a)) continue;
        used++;
        mac += a;
        wsum += x[C_POS] * a;
        wn += x[C_POS];
    }
    est[MC_ECE_CW] = cw / (double)P->k;
    if (used) {
        est[MC_MACRO] = mac / (double)used;
        est[MC_WEIGHTED] = wsum / wn;
    }
    if (n_macro) *n_macro = used;
}

/* ---- point estimates --------------------------------------------------------------------- */

typedef struct {
    mc_pass *P;
    double *S;
    uint32_t **tmp_ord; /* per worker, when the orders are not kept */
    double **buf_p;     /* per worker: a scope's sorted probabilities for DeLong */
    uint8_t **buf_y;
    vigil_multiclass_report *r;
    size_t **lv_off;    /* per group: first position of each level in a partition of n */
} point_ctx;

/* DeLong interval of class c's AUROC in one scope, from its cases in sorted order. */
static void delong_ci(mc_class *x, const double *p, const uint8_t *y, size_t m, double level)
{
    x->auc_lo = x->auc_hi = NAN;
    if (!isfinite(x->auc) || m == 0) return;
    vigil_auroc a;
    vigil_stats_auroc_fill(&a, x->auc, vigil_stats_delong_var_sorted(p, y, m, x->auc), x->n, (double)m - x->n,
                           level);
    x->auc_lo = a.ci_low;
    x->auc_hi = a.ci_high;
}

static int point_classes(void *arg, size_t begin, size_t end, int worker)
{
    point_ctx *X = arg;
    mc_pass *P = X->P;
    vigil_multiclass_report *r = X->r;
    double *bp = X->buf_p[worker];
    uint8_t *by = X->buf_y[worker];
    for (size_t c = begin; c < end; c++) {
        uint32_t *ord = P->order ? P->order[c] : X->tmp_ord[worker];
        if (vigil_stats_sort_order(P->prob[c], P->n, ord) != 0)
            return vigil_error_set(VIGIL_ENOMEM, "out of memory sorting class '%s'", r->class_names[c]);
        /* the cases in this class's order: the pass below and each scope's DeLong interval */
        for (size_t j = 0; j < P->n; j++) {
            bp[j] = P->prob[c][ord[j]];
            by[j] = (size_t)P->label[ord[j]] == c;
        }
        class_pass(P, c, ord, bp, by, NULL, X->S);
        const double *h = X->S + H + c * C;
        r->all.cls[c].auc = h[C_POS] > 0 && h[C_NEG] > 0 ? h[C_NUM] / (h[C_POS] * h[C_NEG]) : NAN;
        r->all.cls[c].n = h[C_POS];
        delong_ci(&r->all.cls[c], bp, by, P->n, r->o.level);
        size_t scope = 1;
        for (size_t g = 0; g < P->ng; g++) {
            mc_group *G = &r->g[g];
            const size_t *off = X->lv_off[g];
            size_t *fill = calloc(G->n_levels, sizeof *fill);
            if (!fill) return vigil_error_set(VIGIL_ENOMEM, "out of memory for the AUROC intervals");
            for (size_t j = 0; j < P->n; j++) {
                size_t l = P->scope_of[g][ord[j]] - scope, at = off[l] + fill[l]++;
                bp[at] = P->prob[c][ord[j]];
                by[at] = (size_t)P->label[ord[j]] == c;
            }
            for (size_t l = 0; l < G->n_levels; l++) {
                mc_scope *s = &G->lv[l];
                if (s->suppressed) continue;
                const double *x = X->S + (scope + l) * P->sz + H + c * C;
                s->cls[c].auc = x[C_POS] > 0 && x[C_NEG] > 0 ? x[C_NUM] / (x[C_POS] * x[C_NEG]) : NAN;
                s->cls[c].n = x[C_POS];
                delong_ci(&s->cls[c], bp + off[l], by + off[l], s->n, r->o.level);
            }
            free(fill);
            scope += G->n_levels;
        }
    }
    return VIGIL_OK;
}

/* The cell-size policy on a scope's classes and calibration bins, after its sums. */
static void scope_policy(mc_scope *s, const double *h, size_t k, size_t mc, double level, const double *auc)
{
    double W = h[H_W];
    /* accuracy x n and top-k accuracy x n are counts */
    static const char withheld[] = "withheld (cell-size policy): its count of cases is under min-cell";
    if (!vigil_fairness_rate_ok(h[H_CORRECT], W, mc)) s->est[MC_ACC] = NAN, s->why[MC_ACC] = withheld;
    if (!vigil_fairness_rate_ok(h[H_HIT], W, mc)) s->est[MC_TOPK] = NAN, s->why[MC_TOPK] = withheld;
    if (isnan(s->est[MC_MACRO]))
        s->why[MC_MACRO] = s->why[MC_WEIGHTED] = "undefined: no class has both cases and the rest here";
    for (size_t c = 0; c < k; c++) {
        mc_class *x = &s->cls[c];
        const double *q = h + H + c * C;
        x->n = q[C_POS];
        x->pred = q[C_PRED];
        x->tp = q[C_TP];
        x->auc = auc[c];
        x->n_ok = vigil_fairness_rate_ok(x->n, W, mc); /* the class and the rest */
        x->sens_ok = x->n > 0 && vigil_fairness_rate_ok(x->tp, x->n, mc);
        x->ppv_ok = x->pred > 0 && vigil_fairness_rate_ok(x->tp, x->pred, mc);
        x->auc_why = NULL;
        x->auc_withheld = 0;
        if (x->n == 0) x->auc_why = "undefined: the class is absent from the labels of these cases";
        else if (x->n == W) x->auc_why = "undefined: every case is of this class (no rest to rank against)";
        else if (!(vigil_fairness_count_ok(x->n, mc) && vigil_fairness_count_ok(W - x->n, mc))) {
            x->auc_why = "withheld (cell-size policy): fewer than min-cell cases of the class or of the rest";
            x->auc_withheld = 1;
        }
    }
    for (int b = 0; b < VM_BINS; b++) {
        mc_bin *o = &s->bins[b];
        const double *x = h + H_TL + 3 * b;
        o->w = x[0];
        o->n_ok = vigil_fairness_count_ok(o->w, mc);
        o->ok = o->w > 0 && vigil_fairness_rate_ok(x[2], x[0], mc);
        o->conf = o->w > 0 ? x[1] / o->w : NAN;
        o->acc = o->w > 0 ? x[2] / o->w : NAN;
        o->lo = o->hi = NAN;
        if (o->w > 0) vigil_metrics_wilson(x[2], x[0], level, &o->lo, &o->hi);
    }
}

/* ---- bootstrap --------------------------------------------------------------------------- */

typedef struct {
    mc_pass *P;
    vigil_multiclass_report *r;
    size_t B;
    double *rep;  /* n_scopes x MC_COUNT x B */
    double *grep; /* ng x MCD_COUNT x B */
} boot_ctx;

static void gaps_of(const mc_group *G, const double *est_of_level, size_t stride, double *gap, int *hi, int *lo)
{
    static const int stat[MCD_COUNT] = {MC_TOPK, MC_MACRO};
    for (int d = 0; d < MCD_COUNT; d++) {
        double mx = -INFINITY, mn = INFINITY;
        int ih = -1, il = -1, shown = 0, missing = 0;
        for (size_t l = 0; l < G->n_levels; l++) {
            if (G->lv[l].suppressed) continue;
            double v = est_of_level[l * stride + (size_t)stat[d]];
            if (isnan(v)) {
                missing = 1;
                continue;
            }
            shown++;
            if (v > mx) mx = v, ih = (int)l;
            if (v < mn) mn = v, il = (int)l;
        }
        gap[d] = shown >= 2 && !missing ? mx - mn : NAN;
        if (hi) hi[d] = shown >= 2 && !missing ? ih : -1;
        if (lo) lo[d] = shown >= 2 && !missing ? il : -1;
    }
}

static void replicate(void *ctx, size_t r, const double *w, void *scratch)
{
    boot_ctx *X = ctx;
    mc_pass *P = X->P;
    double *S = scratch, *auc = S + P->n_scopes * P->sz, *lv = auc + P->k;
    memset(S, 0, P->n_scopes * P->sz * sizeof *S);
    case_pass(P, w, S);
    for (size_t c = 0; c < P->k; c++) class_pass(P, c, P->order[c], NULL, NULL, w, S);
    for (size_t q = 0; q < P->n_scopes; q++) {
        double est[MC_COUNT];
        finish(P, S + q * P->sz, est, auc, NULL);
        for (int m = 0; m < MC_COUNT; m++) X->rep[(q * MC_COUNT + (size_t)m) * X->B + r] = est[m];
        if (q) memcpy(lv + (q - 1) * MC_COUNT, est, sizeof est);
    }
    size_t first = 0;
    for (size_t g = 0; g < P->ng; g++) {
        double gap[MCD_COUNT];
        gaps_of(&X->r->g[g], lv + first * MC_COUNT, MC_COUNT, gap, NULL, NULL);
        for (int d = 0; d < MCD_COUNT; d++) X->grep[(g * MCD_COUNT + (size_t)d) * X->B + r] = gap[d];
        first += X->r->g[g].n_levels;
    }
}

/* The BCa acceleration from a delete-a-group jackknife over this many groups, as the binary
 * report's (VM_JACK_GROUPS in metrics_report.h). */
#define MC_JACK_GROUPS 50

/* BCa interval of one statistic (the percentile interval where BCa is not defined). */
static void interval(vigil_multiclass_report *r, double *rep, const double *jack, size_t B, size_t G, double theta,
                     double *lo, double *hi, const char **how)
{
    int m = vigil_stats_bca_ci_how(rep, B, theta, jack, G, r->o.level, lo, hi, how);
    if (m == 1) r->ci_bca++;
    else if (m == 0) r->ci_percentile++;
}

static int bootstrap(vigil_multiclass_report *r, mc_pass *P)
{
    size_t B = r->o.bootstrap, G = P->n < MC_JACK_GROUPS ? P->n : MC_JACK_GROUPS, J = G + 1, ng = P->ng ? P->ng : 1;
    r->jack_groups = G;
    boot_ctx X = {P, r, B, malloc(P->n_scopes * MC_COUNT * B * sizeof(double)), malloc(ng * MCD_COUNT * B * sizeof(double))};
    boot_ctx K = {P, r, J, malloc(P->n_scopes * MC_COUNT * J * sizeof(double)), malloc(ng * MCD_COUNT * J * sizeof(double))};
    int rc = X.rep && X.grep && K.rep && K.grep ? VIGIL_OK : vigil_error_set(VIGIL_ENOMEM, "out of memory for the bootstrap");
    size_t scratch = (P->n_scopes * P->sz + P->k + P->n_scopes * MC_COUNT) * sizeof(double);
    /* each MPI rank its own replicates and jackknife calls, then every rank all of them (every
     * rank meets at each share, a failure included: core/dist.h) */
    if (!rc) rc = vigil_stats_bootstrap_run_split(P->n, B, r->o.seed, r->o.threads, scratch, NULL, replicate, &X);
    vigil_dist_cols xs[2] = {{X.rep, P->n_scopes * MC_COUNT}, {X.grep, P->ng * MCD_COUNT}};
    rc = vigil_dist_share_cols(xs, 2, B, rc);
    if (!rc) {
        vigil_dist_cols ks[2] = {{K.rep, P->n_scopes * MC_COUNT}, {K.grep, P->ng * MCD_COUNT}};
        rc = vigil_dist_share_cols(ks, 2, J, vigil_stats_jackknife_run_split(P->n, G, r->o.threads, scratch, NULL,
                                                                              replicate, &K));
    }
    if (!rc) {
        size_t q = 0;
        for (size_t g = 0; g <= P->ng; g++) {
            size_t nl = g == 0 ? 1 : r->g[g - 1].n_levels;
            for (size_t l = 0; l < nl; l++, q++) {
                mc_scope *s = g == 0 ? &r->all : &r->g[g - 1].lv[l];
                for (int m = 0; m < MC_COUNT; m++)
                    if (!s->suppressed && isfinite(s->est[m]))
                        interval(r, X.rep + (q * MC_COUNT + (size_t)m) * B, K.rep + (q * MC_COUNT + (size_t)m) * J, B,
                                 G, s->est[m], &s->ci[m][0], &s->ci[m][1], &s->ci_how[m]);
            }
        }
        for (size_t g = 0; g < P->ng; g++)
            for (int d = 0; d < MCD_COUNT; d++)
                if (isfinite(r->g[g].gap[d]))
                    interval(r, X.grep + (g * MCD_COUNT + (size_t)d) * B, K.grep + (g * MCD_COUNT + (size_t)d) * J, B,
                             G, r->g[g].gap[d], &r->g[g].gap_ci[d][0], &r->g[g].gap_ci[d][1], &r->g[g].gap_how[d]);
    }
    free(X.rep);
    free(X.grep);
    free(K.rep);
    free(K.grep);
    return rc;
}

/* ---- compute ----------------------------------------------------------------------------- */

static void scope_clear(mc_scope *s)
{
    free(s->name);
    free(s->cls);
}

void vigil_multiclass_report_free(vigil_multiclass_report *r)
{
    if (!r) return;
    scope_clear(&r->all);
    for (size_t g = 0; g < r->ng; g++) {
        for (size_t l = 0; l < r->g[g].n_levels; l++) scope_clear(&r->g[g].lv[l]);
        free(r->g[g].lv);
        free(r->g[g].name);
    }
    free(r->g);
    for (size_t c = 0; r->class_names && c < r->k; c++) free(r->class_names[c]);
    free(r->class_names);
    free(r->confusion);
    free(r);
}

/* Group g's levels with cases ((missing) last), their suppression, and each case's scope. */
static int build_group(vigil_multiclass_report *r, mc_pass *P, size_t g, const vigil_metrics_group *spec,
                       uint32_t first_scope, size_t **off_out)
{
    size_t n = r->n, L = spec->n_levels + 1, nl = 0;
    size_t *cnt = calloc(L, sizeof *cnt), *map = calloc(L, sizeof *map);
    mc_group *G = &r->g[g];
    int rc = VIGIL_OK;
    if (!cnt || !map || !(G->name = vigil_strdup(spec->name)) || !(G->lv = calloc(L, sizeof *G->lv)) ||
        !(P->scope_of[g] = malloc(n * sizeof(uint32_t))))
        goto oom;
    for (size_t i = 0; i < n; i++) {
        int32_t c = spec->codes[i];
        cnt[c >= 0 && (size_t)c < spec->n_levels ? (size_t)c : L - 1]++;
    }
    for (size_t l = 0; l < L; l++) {
        if (!cnt[l]) continue;
        mc_scope *s = &G->lv[nl];
        map[l] = nl++;
        s->n = cnt[l];
        s->suppressed = s->n < r->o.min_cell;
        if (!(s->name = vigil_strdup(l < L - 1 ? spec->levels[l] : "(missing)")) ||
            !(s->cls = calloc(r->k, sizeof *s->cls)))
            goto oom;
    }
    G->n_levels = nl;
    size_t *off = calloc(nl + 1, sizeof *off); /* each level's first slot in a partition of n */
    if (!off) goto oom;
    for (size_t l = 1; l < nl; l++) off[l] = off[l - 1] + G->lv[l - 1].n;
    *off_out = off;
    for (size_t i = 0; i < n; i++) {
        int32_t c = spec->codes[i];
        size_t l = map[c >= 0 && (size_t)c < spec->n_levels ? (size_t)c : L - 1];
        P->scope_of[g][i] = first_scope + (uint32_t)l;
    }
    goto done;
oom:
    rc = vigil_error_set(VIGIL_ENOMEM, "out of memory building subgroups of '%s'", spec->name);
done:
    free(cnt);
    free(map);
    return rc;
}

static void pass_free(mc_pass *P)
{
    for (size_t g = 0; P->scope_of && g < P->ng; g++) free(P->scope_of[g]);
    free(P->scope_of);
    for (size_t c = 0; P->order && c < P->k; c++) free(P->order[c]);
    free(P->order);
    free(P->pred);
    free(P->hit);
    free(P->tlbin);
    free(P->ll);
    free(P->br);
    free(P->rr);
    free(P->conf);
}

int vigil_multiclass_compute(vigil_multiclass_report **out, const double *const *prob, size_t k,
                             const char *const *class_names, const int32_t *label, size_t n,
                             const vigil_metrics_group *groups, size_t n_groups,
                             const vigil_multiclass_options *opts)
{
    double t0 = vigil_seconds();
    *out = NULL;
    int rc = vigil_multiclass_check(prob, k, label, n, NULL, class_names, NULL, 0, NULL, NULL);
    if (rc) return rc;
    if (n >= UINT32_MAX) return vigil_error_set(VIGIL_EINVAL, "too many cases (%zu)", n);
    if (n_groups >= VM_MAX_GROUPS) return vigil_error_set(VIGIL_EINVAL, "at most %d group columns", VM_MAX_GROUPS - 1);
    vigil_multiclass_options o = VIGIL_MULTICLASS_OPTIONS_INIT;
    if (opts) o = *opts;
    if (!o.top_k) o.top_k = 3;
    o.min_cell = vigil_fairness_min_cell(o.min_cell);
    if (!(o.level > 0 && o.level < 1)) o.level = 0.95;
    if (!o.threads) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        o.threads = cpus > 0 ? (unsigned)cpus : 1;
    }
    if (n < o.min_cell)
        return vigil_error_set(VIGIL_EINVAL, "fewer than %zu cases: the cell-size policy withholds every statistic",
                               o.min_cell);
    vigil_multiclass_report *r = calloc(1, sizeof *r);
    mc_pass P = {0};
    point_ctx X = {0};
    size_t *offs[VM_MAX_GROUPS] = {0};
    double *cnt = NULL, *auc_k = NULL;
    int workers = vigil_parallel_workers((int)o.threads, k, 1);
    if (!r) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    r->o = o;
    r->n = n;
    r->k = k;
    if (!(r->class_names = calloc(k, sizeof *r->class_names)) || !(r->confusion = malloc(k * k * sizeof(double))) ||
        !(cnt = calloc(k * k, sizeof *cnt)) || !(r->all.name = vigil_strdup("overall")) ||
        !(r->all.cls = calloc(k, sizeof *r->all.cls)) || !(r->g = calloc(n_groups ? n_groups : 1, sizeof *r->g)))
        goto oom;
    for (size_t c = 0; c < k; c++) {
        char num[32];
        snprintf(num, sizeof num, "%zu", c);
        if (!(r->class_names[c] = vigil_strdup(class_names ? class_names[c] : num))) goto oom;
    }
    r->all.n = n;
    P = (mc_pass){prob, label, n, k, n_groups, 1, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    P.sz = H + k * C;
    if (!(P.scope_of = calloc(n_groups ? n_groups : 1, sizeof *P.scope_of))) goto oom;
    for (size_t g = 0; g < n_groups; g++) {
        r->ng = g + 1;
        if ((rc = build_group(r, &P, g, &groups[g], (uint32_t)P.n_scopes, &offs[g])) != 0) goto done;
        P.n_scopes += r->g[g].n_levels;
    }
    if (!(P.pred = malloc(n * sizeof *P.pred)) || !(P.hit = malloc(n)) || !(P.tlbin = malloc(n)) ||
        !(P.ll = malloc(n * sizeof *P.ll)) || !(P.br = malloc(n * sizeof *P.br)) ||
        !(P.rr = malloc(n * sizeof *P.rr)) || !(P.conf = malloc(n * sizeof *P.conf)))
        goto oom;
    per_case(&P, o.top_k);
    if (o.bootstrap) {
        if (!(P.order = calloc(k, sizeof *P.order))) goto oom;
        for (size_t c = 0; c < k; c++)
            if (!(P.order[c] = malloc(n * sizeof(uint32_t)))) goto oom;
    }
    X = (point_ctx){&P, calloc(P.n_scopes * P.sz, sizeof(double)), calloc((size_t)workers, sizeof(uint32_t *)),
                    calloc((size_t)workers, sizeof(double *)), calloc((size_t)workers, sizeof(uint8_t *)), r, offs};
    if (!X.S || !X.tmp_ord || !X.buf_p || !X.buf_y) goto oom;
    for (int w = 0; w < workers; w++)
        if ((!P.order && !(X.tmp_ord[w] = malloc(n * sizeof(uint32_t)))) || !(X.buf_p[w] = malloc(n * sizeof(double))) ||
            !(X.buf_y[w] = malloc(n)))
            goto oom;
    case_pass(&P, NULL, X.S);
    if ((rc = vigil_parallel_for((int)o.threads, k, 1, point_classes, &X)) != 0) goto done;
    for (size_t i = 0; i < n; i++) cnt[(size_t)label[i] * k + (size_t)P.pred[i]]++;
    if (!(auc_k = malloc(k * sizeof *auc_k))) goto oom;
    size_t q = 0;
    for (size_t g = 0; g <= n_groups; g++) {
        size_t nl = g == 0 ? 1 : r->g[g - 1].n_levels;
        for (size_t l = 0; l < nl; l++, q++) {
            mc_scope *s = g == 0 ? &r->all : &r->g[g - 1].lv[l];
            for (int m = 0; m < MC_COUNT; m++) s->est[m] = s->ci[m][0] = s->ci[m][1] = NAN;
            if (s->suppressed) continue;
            finish(&P, X.S + q * P.sz, s->est, auc_k, &s->macro_classes);
            scope_policy(s, X.S + q * P.sz, k, o.min_cell, o.level, auc_k);
        }
    }
    if ((rc = vigil_mc_cell_policy(r, X.S, P.sz, (const uint32_t *const *)P.scope_of)) != 0) goto done;
    if ((rc = vigil_mc_confusion_policy(r, cnt)) != 0) goto done;
    for (size_t g = 0; g < n_groups; g++) {
        mc_group *G = &r->g[g];
        double *lv = malloc((G->n_levels ? G->n_levels : 1) * MC_COUNT * sizeof *lv);
        if (!lv) goto oom;
        for (size_t l = 0; l < G->n_levels; l++) memcpy(lv + l * MC_COUNT, G->lv[l].est, sizeof G->lv[l].est);
        gaps_of(G, lv, MC_COUNT, G->gap, G->gap_hi, G->gap_lo);
        free(lv);
        for (int d = 0; d < MCD_COUNT; d++) {
            G->gap_ci[d][0] = G->gap_ci[d][1] = NAN;
            G->gap_why[d] = isfinite(G->gap[d]) ? NULL
                            : "not given: fewer than two shown levels, or a shown level without a value";
        }
    }
    if (o.bootstrap && (rc = bootstrap(r, &P)) != 0) goto done;
    r->seconds = vigil_seconds() - t0;
    *out = r;
    r = NULL;
    goto done;
oom:
    rc = vigil_error_set(VIGIL_ENOMEM, "out of memory computing multi-class metrics for %zu cases", n);
done:
    for (int w = 0; X.tmp_ord && w < workers; w++) free(X.tmp_ord[w]);
    for (int w = 0; X.buf_p && w < workers; w++) free(X.buf_p[w]);
    for (int w = 0; X.buf_y && w < workers; w++) free(X.buf_y[w]);
    free(X.tmp_ord);
    free(X.buf_p);
    free(X.buf_y);
    free(X.S);
    for (size_t g = 0; g < n_groups && g < VM_MAX_GROUPS; g++) free(offs[g]);
    free(cnt);
    free(auc_k);
    pass_free(&P);
    vigil_multiclass_report_free(r);
    return rc;
}

/* ---- paired comparison ------------------------------------------------------------------- */

typedef struct {
    mc_pass P[2]; /* candidate, predecessor: the same cases and labels */
    int stat;
    double *rep;
} paired_ctx;

static double stat_of(const mc_pass *P, const double *w, double *S, double *auc, int stat)
{
    double est[MC_COUNT];
    memset(S, 0, P->sz * sizeof *S);
    case_pass(P, w, S);
    for (size_t c = 0; c < P->k; c++) class_pass(P, c, P->order[c], NULL, NULL, w, S);
    finish(P, S, est, auc, NULL);
    return est[stat];
}

static void paired_replicate(void *ctx, size_t r, const double *w, void *scratch)
{
    paired_ctx *X = ctx;
    double *S = scratch, *auc = S + X->P[0].sz;
    X->rep[r] = stat_of(&X->P[0], w, S, auc, X->stat) - stat_of(&X->P[1], w, S, auc, X->stat);
}

int vigil_multiclass_paired(vigil_metric_value *out, double *cand, double *pred, const double *const *prob_cand,
                            const double *const *prob_pred, size_t k, const int32_t *label, size_t n,
                            const char *metric, const vigil_multiclass_options *opts)
{
    int stat = 0;
    while (stat < MC_COUNT && strcmp(vigil_mc_stat_name[stat], metric) != 0) stat++;
    if (stat == MC_COUNT) return vigil_error_set(VIGIL_EINVAL, "'%s' is not a multi-class metric", metric);
    int rc = vigil_multiclass_check(prob_cand, k, label, n, "candidate", NULL, NULL, 0, NULL, NULL);
    if (!rc) rc = vigil_multiclass_check(prob_pred, k, label, n, "predecessor", NULL, NULL, 0, NULL, NULL);
    if (rc) return rc;
    vigil_multiclass_options o = VIGIL_MULTICLASS_OPTIONS_INIT;
    if (opts) o = *opts;
    if (!o.top_k) o.top_k = 3;
    if (!(o.level > 0 && o.level < 1)) o.level = 0.95;
    paired_ctx X = {0};
    X.stat = stat;
    double *S = NULL;
    for (int m = 0; m < 2 && !rc; m++) {
        mc_pass *P = &X.P[m];
        *P = (mc_pass){m ? prob_pred : prob_cand, label, n, k, 0, 1, H + k * C, NULL, NULL, NULL, NULL, NULL,
                       NULL, NULL, NULL, NULL};
        if (!(P->pred = malloc(n * sizeof *P->pred)) || !(P->hit = malloc(n)) || !(P->tlbin = malloc(n)) ||
            !(P->ll = malloc(n * sizeof *P->ll)) || !(P->br = malloc(n * sizeof *P->br)) ||
            !(P->rr = malloc(n * sizeof *P->rr)) || !(P->conf = malloc(n * sizeof *P->conf)) ||
            !(P->order = calloc(k, sizeof *P->order))) {
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory comparing two models");
            break;
        }
        per_case(P, o.top_k);
        for (size_t c = 0; c < k && !rc; c++)
            if (!(P->order[c] = malloc(n * sizeof(uint32_t))) || vigil_stats_sort_order(P->prob[c], n, P->order[c]))
                rc = vigil_error_set(VIGIL_ENOMEM, "out of memory comparing two models");
    }
    if (!rc && !(S = malloc((H + k * C + k) * sizeof *S))) rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
    if (!rc) {
        *cand = stat_of(&X.P[0], NULL, S, S + X.P[0].sz, stat);
        *pred = stat_of(&X.P[1], NULL, S, S + X.P[0].sz, stat);
        out->value = *cand - *pred;
        out->ci_low = out->ci_high = NAN;
        out->ci_method = NULL;
        out->status = isfinite(out->value) ? VIGIL_METRIC_OK : VIGIL_METRIC_UNDEFINED;
        snprintf(out->why, sizeof out->why, "%s", isfinite(out->value) ? "" : "undefined on these cases");
        if (o.bootstrap && isfinite(out->value)) {
            if (!(X.rep = malloc(o.bootstrap * sizeof *X.rep)))
                rc = vigil_error_set(VIGIL_ENOMEM, "out of memory for the bootstrap");
            else rc = vigil_stats_bootstrap_run_split(n, o.bootstrap, o.seed, o.threads,
                                                      (H + k * C + k) * sizeof(double), NULL, paired_replicate, &X);
            rc = vigil_dist_share_rows(X.rep, o.bootstrap, 1, rc);
            if (!rc) vigil_stats_percentile_ci(X.rep, o.bootstrap, o.level, &out->ci_low, &out->ci_high);
        }
    }
    free(S);
    free(X.rep);
    pass_free(&X.P[0]);
    pass_free(&X.P[1]);
    return rc;
}
