/* Attributions for every model family (see vigil/explain.h) and global importance. */
#include "vigil/fairness.h"
#include "vigil/explain.h"

#include "backend/backend_impl.h"
#include "core/parallel.h"
#include "core/util.h"
#include "explain/importance.h"
#include "explain/treeshap.h"
#include "model/model_internal.h"
#include "vigil/error.h"

#include <cjson/cJSON.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vigil_explain_options_default(vigil_explain_options *o)
{
    *o = (vigil_explain_options)VIGIL_EXPLAIN_OPTIONS_INIT;
}

static int check_background(const float *B, size_t nb, size_t F)
{
    if (!nb) return vigil_error_set(VIGIL_EINVAL, "the background has no rows");
    for (size_t i = 0; i < nb * F; i++)
        if (!isfinite(B[i]))
            return vigil_error_set(VIGIL_EINVAL, "background row %zu, feature %zu: the value is missing or not finite "
                                                 "(linear and MLP attributions need complete background rows)",
                                   i / F + 1, i % F + 1);
    return VIGIL_OK;
}

/* ---------------- linear: exact ---------------- */

static int explain_linear(const vigil_model *m, const float *X, size_t n, const float *B, size_t nb, double *phi)
{
    size_t F = m->n_features;
    int rc = check_background(B, nb, F);
    if (rc) return rc;
    double *mean = calloc(F ? F : 1, sizeof *mean);
    if (!mean) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    for (size_t i = 0; i < nb; i++)
        for (size_t j = 0; j < F; j++) mean[j] += ((double)B[i * F + j] - mean[j]) / (double)(i + 1);
    double base = m->linear.intercept;
    for (size_t j = 0; j < F; j++) base += m->linear.coef[j] * mean[j];
    for (size_t i = 0; i < n; i++) {
        double *ph = phi + i * (F + 1);
        for (size_t j = 0; j < F; j++) ph[j] = m->linear.coef[j] * ((double)X[i * F + j] - mean[j]);
        ph[F] = base;
    }
    free(mean);
    return VIGIL_OK;
}

/* ---------------- MLP: exact Shapley values of the interventional game ---------------- */

typedef struct {
    const vigil_model *m;
    const float *X;
    const double *B; /* nb x F */
    size_t nb;
    double *phi;
    const double *wt; /* F: Shapley weights w(s, F) */
} mlp_job;

static int mlp_range(void *arg, size_t i0, size_t i1, int worker)
{
    (void)worker;
    mlp_job *j = arg;
    const vigil_model *m = j->m;
    const size_t F = m->n_features, K = m->n_outputs, S = (size_t)1 << F;
    size_t sc = vigil_mlp_scratch(&m->mlp, F);
    double *v = malloc(S * K * sizeof *v), *h = malloc((F + sc + 2 * K) * sizeof *h);
    if (!v || !h) {
        free(v), free(h);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    double *scratch = h + F, *mg = scratch + sc, *sc2 = mg + K;
    for (size_t i = i0; i < i1; i++) {
        const float *x = j->X + i * F;
        for (size_t s = 0; s < S; s++) {
            for (size_t k = 0; k < K; k++) v[s * K + k] = 0;
            for (size_t b = 0; b < j->nb; b++) {
                for (size_t f = 0; f < F; f++) h[f] = (s >> f & 1u) ? (double)x[f] : j->B[b * F + f];
                vigil_mlp_forward(&m->mlp, h, F, scratch, mg, sc2);
                for (size_t k = 0; k < K; k++) v[s * K + k] += mg[k];
            }
            for (size_t k = 0; k < K; k++) v[s * K + k] /= (double)j->nb;
        }
        for (size_t k = 0; k < K; k++) {
            double *ph = j->phi + (i * K + k) * (F + 1);
            for (size_t f = 0; f < F; f++) {
                double acc = 0;
                for (size_t s = 0; s < S; s++) {
                    if (s >> f & 1u) continue;
                    acc += j->wt[__builtin_popcountll(s)] * (v[(s | ((size_t)1 << f)) * K + k] - v[s * K + k]);
                }
                ph[f] = acc;
            }
            ph[F] = v[k];
        }
    }
    free(v), free(h);
    return VIGIL_OK;
}

/* ---------------- MLP: KernelSHAP with paired sampling ----------------
 * For each case: v(S) for M coalitions drawn from the Shapley kernel (size s with probability
 * proportional to (F-1) / (s (F-s)), then a uniform subset of that size) together with their
 * complements; then the least squares fit of v(S) - v(empty) = sum_{j in S} phi_j under
 * sum_j phi_j = v(all) - v(empty), solved by eliminating the last feature (Cholesky). The
 * samples fall in 8 batches fitted alone as well: the spread of their solutions gives each
 * attribution's standard error. Each case draws from its own seeded stream (seed, case), so
 * the values do not depend on the thread count. */
#define KS_BATCHES 8

typedef struct {
    const vigil_model *m;
    const float *X;
    const double *B;
    size_t nb;
    double *phi;
    size_t M;            /* coalitions per case (even: M / 2 pairs) */
    const double *cum;   /* F - 1: cumulative size distribution */
    uint64_t seed;
    double *max_se;      /* one per worker: the largest standard error it saw */
} ks_job;

/* Solve the (F-1) x (F-1) system A x = b_k for each output k (A copied), then the last
 * attribution from efficiency. Returns 0, or -1 when A is singular. */
static int ks_solve(const double *A, const double *b, size_t F, size_t K, const double *delta, double *out,
                    double *work)
{
    size_t d = F - 1;
    if (d == 0) {
        for (size_t k = 0; k < K; k++) out[k * F] = delta[k];
        return 0;
    }
    memcpy(work, A, d * d * sizeof *work);
    gsl_matrix_view Am = gsl_matrix_view_array(work, d, d);
    /* GSL's error handler is off for the whole parallel loop (set by the caller, one thread):
     * a singular system is a return code here, never an abort */
    int bad = gsl_linalg_cholesky_decomp1(&Am.matrix) != 0;
    for (size_t k = 0; k < K && !bad; k++) {
        gsl_vector_const_view bv = gsl_vector_const_view_array(b + k * d, d);
        gsl_vector_view xv = gsl_vector_view_array(out + k * F, d);
        bad = gsl_linalg_cholesky_solve(&Am.matrix, &bv.vector, &xv.vector) != 0;
        double s = 0;
        for (size_t j = 0; j < d; j++) s += out[k * F + j];
        out[k * F + d] = delta[k] - s;
    }
    return bad ? -1 : 0;
}

static int ks_range(void *arg, size_t i0, size_t i1, int worker)
{
    ks_job *j = arg;
    int rc = VIGIL_OK;
    const vigil_model *m = j->m;
    const size_t F = m->n_features, K = m->n_outputs, d = F - 1, nbat = KS_BATCHES;
    size_t sc = vigil_mlp_scratch(&m->mlp, F);
    /* per batch: A (d x d) and b (K x d); slot nbat is the sum */
    double *A = calloc((nbat + 1) * (d * d + 1), sizeof *A), *b = calloc((nbat + 1) * (K * d + 1), sizeof *b);
    double *h = malloc((F + sc + 2 * K) * sizeof *h), *v = malloc(2 * K * sizeof *v);
    double *v0 = malloc(K * sizeof *v0), *delta = malloc(K * sizeof *delta), *work = malloc((d * d + 1) * sizeof *work);
    double *sol = malloc((nbat + 1) * K * F * sizeof *sol);
    uint8_t *z = malloc(F);
    size_t *perm = malloc(F * sizeof *perm);
    if (!A || !b || !h || !v || !v0 || !delta || !work || !sol || !z || !perm) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    double *scratch = h + F, *mg = scratch + sc, *sc2 = mg + K, local_se = j->max_se[worker];
    for (size_t i = i0; i < i1; i++) {
        const float *x = j->X + i * F;
        memset(A, 0, (nbat + 1) * (d * d + 1) * sizeof *A);
        memset(b, 0, (nbat + 1) * (K * d + 1) * sizeof *b);
        /* v(empty): the mean margin over the background; v(all): the case's own margin */
        for (size_t k = 0; k < K; k++) v0[k] = 0;
        for (size_t r = 0; r < j->nb; r++) {
            vigil_mlp_forward(&m->mlp, j->B + r * F, F, scratch, mg, sc2);
            for (size_t k = 0; k < K; k++) v0[k] += mg[k];
        }
        for (size_t f = 0; f < F; f++) h[f] = (double)x[f];
        vigil_mlp_forward(&m->mlp, h, F, scratch, mg, sc2);
        for (size_t k = 0; k < K; k++) v0[k] /= (double)j->nb, delta[k] = mg[k] - v0[k];
        uint64_t st = j->seed ^ (0xd1b54a32d192ed03ull * (uint64_t)(i + 1));
        for (size_t pr = 0; pr < j->M / 2; pr++) {
            /* a size from the kernel, a uniform subset of it */
            double u = (double)(vigil_splitmix64(&st) >> 11) * 0x1.0p-53;
            size_t s = 1;
            while (s < d && u > j->cum[s - 1]) s++;
            for (size_t f = 0; f < F; f++) perm[f] = f, z[f] = 0;
            for (size_t t = 0; t < s; t++) {
                size_t k = t + (size_t)(vigil_splitmix64(&st) % (F - t)), tmp = perm[t];
                perm[t] = perm[k], perm[k] = tmp;
                z[perm[t]] = 1;
            }
            for (int half = 0; half < 2; half++) { /* the coalition, then its complement */
                for (size_t k = 0; k < K; k++) v[k] = 0;
                for (size_t r = 0; r < j->nb; r++) {
                    for (size_t f = 0; f < F; f++) h[f] = (z[f] ^ (uint8_t)half) ? (double)x[f] : j->B[r * F + f];
                    vigil_mlp_forward(&m->mlp, h, F, scratch, mg, sc2);
                    for (size_t k = 0; k < K; k++) v[k] += mg[k];
                }
                double zl = (double)(z[d] ^ (uint8_t)half);
                size_t bt = pr % nbat;
                double *Ab = A + bt * (d * d + 1), *bb = b + bt * (K * d + 1);
                for (size_t p = 0; p < d; p++) {
                    double xp = (double)(z[p] ^ (uint8_t)half) - zl;
                    if (xp == 0) continue;
                    for (size_t q = 0; q < d; q++) {
                        double xq = (double)(z[q] ^ (uint8_t)half) - zl;
                        Ab[p * d + q] += xp * xq;
                    }
                    for (size_t k = 0; k < K; k++) bb[k * d + p] += xp * (v[k] / (double)j->nb - v0[k] - zl * delta[k]);
                }
            }
        }
        double *As = A + nbat * (d * d + 1), *bs = b + nbat * (K * d + 1);
        for (size_t bt = 0; bt < nbat; bt++) {
            for (size_t e = 0; e < d * d; e++) As[e] += A[bt * (d * d + 1) + e];
            for (size_t e = 0; e < K * d; e++) bs[e] += b[bt * (K * d + 1) + e];
        }
        double *full = sol + nbat * K * F;
        if (ks_solve(As, bs, F, K, delta, full, work) != 0) {
            /* too few samples for this many features: never seen with M >= 8 F, but refuse, not guess */
            for (size_t e = 0; e < K * F; e++) full[e] = NAN;
        }
        /* the batches' spread: standard error of the full-sample solution */
        size_t ok = 0;
        for (size_t bt = 0; bt < nbat; bt++)
            ok += ks_solve(A + bt * (d * d + 1), b + bt * (K * d + 1), F, K, delta, sol + ok * K * F, work) == 0;
        for (size_t e = 0; e < K * F && ok >= 2; e++) {
            double mu = 0, ss = 0;
            for (size_t bt = 0; bt < ok; bt++) mu += sol[bt * K * F + e];
            mu /= (double)ok;
            for (size_t bt = 0; bt < ok; bt++) ss += (sol[bt * K * F + e] - mu) * (sol[bt * K * F + e] - mu);
            double se = sqrt(ss / (double)(ok - 1) / (double)ok);
            if (se > local_se) local_se = se;
        }
        if (ok < 2) local_se = INFINITY;
        for (size_t k = 0; k < K; k++) {
            double *ph = j->phi + (i * K + k) * (F + 1);
            for (size_t f = 0; f < F; f++) ph[f] = full[k * F + f];
            ph[F] = v0[k];
        }
    }
    j->max_se[worker] = local_se;
done:
    free(A), free(b), free(h), free(v), free(v0), free(delta), free(work), free(sol), free(z), free(perm);
    return rc;
}

static int explain_mlp(const vigil_model *m, const float *X, size_t n, const float *B, size_t nb,
                       vigil_explain_options *o, double *phi)
{
    size_t F = m->n_features;
    int kernel = o->mlp_method == VIGIL_MLP_KERNEL ||
                 (o->mlp_method == VIGIL_MLP_AUTO && F > VIGIL_EXPLAIN_MLP_EXACT_AUTO);
    if (!kernel && F > VIGIL_EXPLAIN_MLP_MAX_FEATURES)
        return vigil_error_set(VIGIL_EINVAL,
                               "%s: exact MLP attributions enumerate 2^F coalitions; this model has %zu features "
                               "(at most %d: use the KernelSHAP estimate, --mlp-method kernel or auto)",
                               m->path ? m->path : "model", F, VIGIL_EXPLAIN_MLP_MAX_FEATURES);
    int rc = check_background(B, nb, F);
    if (rc) return rc;
    size_t cap = o->max_background ? o->max_background : 100, use = nb < cap ? nb : cap;
    double *Bd = malloc(use * F * sizeof *Bd), *wt = malloc((F + 1) * sizeof *wt);
    size_t *pick = malloc(nb * sizeof *pick);
    if (!Bd || !wt || !pick) {
        free(Bd), free(wt), free(pick);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    /* A seeded sample without replacement (partial Fisher-Yates, splitmix64). */
    for (size_t i = 0; i < nb; i++) pick[i] = i;
    uint64_t st = o->seed ? o->seed : 1;
    for (size_t i = 0; i < use && use < nb; i++) {
        size_t k = i + (size_t)(vigil_splitmix64(&st) % (nb - i)), t = pick[i];
        pick[i] = pick[k], pick[k] = t;
    }
    for (size_t i = 0; i < use; i++)
        for (size_t f = 0; f < F; f++) Bd[i * F + f] = B[pick[i] * F + f];
    o->max_se = 0, o->samples_used = 0;
    if (kernel && F >= 2) {
        size_t M = o->mlp_samples ? o->mlp_samples : 2048;
        M += M & 1; /* pairs */
        if (M < 2 * KS_BATCHES) M = 2 * KS_BATCHES;
        /* the size distribution over 1..F-1, proportional to (F-1) / (s (F-s)) */
        double *cum = malloc((F - 1) * sizeof *cum), tot = 0;
        if (!cum) rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        for (size_t s = 1; !rc && s < F; s++) tot += 1.0 / ((double)s * (double)(F - s)), cum[s - 1] = tot;
        for (size_t s = 0; !rc && s + 1 < F; s++) cum[s] /= tot;
        int W = vigil_parallel_workers(o->threads, n, 1);
        double *se = rc ? NULL : calloc((size_t)W, sizeof *se);
        if (!rc && !se) rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        if (!rc) {
            ks_job kj = {.m = m, .X = X, .B = Bd, .nb = use, .phi = phi, .M = M, .cum = cum,
                         .seed = o->seed ? o->seed : 1, .max_se = se};
            /* the handler is process-wide: switched here, on one thread, not by each worker
             * (save/restore from several threads could leave a caller's handler lost) */
            gsl_error_handler_t *old = gsl_set_error_handler_off();
            rc = vigil_parallel_for(W, n, 1, ks_range, &kj); /* W: the per-worker slots above */
            gsl_set_error_handler(old);
            for (size_t e = 0; !rc && e < n * m->n_outputs * (F + 1); e++)
                if (isnan(phi[e]))
                    rc = vigil_error_set(VIGIL_EINVAL, "KernelSHAP: %zu coalitions are too few for %zu features "
                                         "(raise --samples)", M, F);
            double mx = 0;
            for (int w = 0; w < W; w++) mx = se[w] > mx ? se[w] : mx;
            o->max_se = mx, o->samples_used = M;
        }
        free(se);
        free(cum);
        o->method = "KernelSHAP with paired sampling over a background sample (Shapley kernel, "
                    "efficiency-constrained least squares; standard error from 8 batches)";
        free(Bd), free(wt), free(pick);
        return rc;
    }
    if (F) {
        wt[0] = 1.0 / (double)F;
        for (size_t s = 0; s + 1 < F; s++) wt[s + 1] = wt[s] * (double)(s + 1) / (double)(F - 1 - s);
    }
    mlp_job j = {m, X, Bd, use, phi, wt};
    rc = vigil_parallel_for(o->threads, n, 1, mlp_range, &j);
    free(Bd), free(wt), free(pick);
    return rc;
}

/* ---------------- trees ---------------- */

typedef struct {
    const ts_prepared *p;
    const float *X;
    size_t n;
    int threads;
    double *phi;
} treeshap_call;

static int run_treeshap(const vigil_backend_i *b, void *ctx)
{
    treeshap_call *c = ctx;
    return b->treeshap(c->p, c->X, c->n, c->threads, c->phi);
}

static int explain_trees(const vigil_model *m, const float *X, size_t n, vigil_explain_options *o, double *phi)
{
    ts_prepared p;
    int rc = vigil_treeshap_prepare(&m->forest, n, (int)o->tree_mode, o->threads, &p);
    if (rc) return rc;
    treeshap_call c = {&p, X, n, o->threads, phi};
    double work = vigil_backend_work((double)n * (double)p.n_leaves, o->threads);
    rc = vigil_backend_run(o->backend, VIGIL_OP_TREESHAP, "TreeSHAP", work, run_treeshap, &c, &o->used);
    vigil_treeshap_free(&p);
    return rc;
}

int vigil_explain(const vigil_model *m, const float *X, size_t n, vigil_explain_options *o, double *phi)
{
    vigil_explain_options def = VIGIL_EXPLAIN_OPTIONS_INIT;
    if (!o) o = &def;
    /* every model family refuses an impossible request alike, whether or not its op has a seam */
    int rc = vigil_backend_check(o->backend);
    if (rc) return rc;
    o->used = VIGIL_BACKEND_CPU;
    o->max_se = 0, o->samples_used = 0;
    const float *B = o->background ? o->background : X;
    size_t nb = o->background ? o->n_background : n;
    switch (m->kind) {
    case VIGIL_MODEL_TREES:
        o->method = "exact path-dependent TreeSHAP (leaf tables, double precision)";
        return explain_trees(m, X, n, o, phi);
    case VIGIL_MODEL_LINEAR:
        o->method = "exact linear SHAP, phi_j = beta_j (x_j - background mean_j)";
        return explain_linear(m, X, n, B, nb, phi);
    case VIGIL_MODEL_MLP:
        o->method = "exact Shapley values of the interventional game over a background sample (all 2^F coalitions)";
        return explain_mlp(m, X, n, B, nb, o, phi);
    }
    return vigil_error_set(VIGIL_EINTERNAL, "unknown model kind");
}

/* ---------------- global importance ---------------- */

static void importance(const double *phi, const size_t *rows, size_t nr, size_t n, size_t F, size_t K,
                       double *out)
{
    for (size_t f = 0; f < F; f++) out[f] = 0;
    size_t cnt = rows ? nr : n;
    for (size_t a = 0; a < cnt; a++) {
        size_t i = rows ? rows[a] : a;
        for (size_t k = 0; k < K; k++)
            for (size_t f = 0; f < F; f++) out[f] += fabs(phi[(i * K + k) * (F + 1) + f]);
    }
    for (size_t f = 0; f < F; f++) out[f] = cnt ? out[f] / (double)cnt : NAN;
}

static void add_features(cJSON *o, const char *const *names, const double *v, size_t F)
{
    char buf[32];
    for (size_t f = 0; f < F; f++) {
        const char *nm = names && names[f] ? names[f] : (snprintf(buf, sizeof buf, "f%zu", f), buf);
        cJSON_AddItemToObject(o, nm, isfinite(v[f]) ? cJSON_CreateNumber(v[f]) : cJSON_CreateNull());
    }
}

int vigil_explain_importance_cjson(cJSON **out, const double *phi, size_t n, size_t F, size_t K,
                                   const char *const *names, const vigil_table *t,
                                   const char *const *group_cols, size_t n_groups, size_t min_cell)
{
    *out = NULL;
    min_cell = vigil_fairness_min_cell(min_cell);
    double *v = malloc((F ? F : 1) * sizeof *v);
    size_t *rows = malloc((n ? n : 1) * sizeof *rows);
    cJSON *doc = cJSON_CreateObject();
    int rc = VIGIL_OK;
    if (!v || !rows || !doc) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    importance(phi, NULL, 0, n, F, K, v);
    add_features(cJSON_AddObjectToObject(doc, "global_importance"), names, v, F);
    cJSON *bg = cJSON_AddObjectToObject(doc, "by_group");
    for (size_t g = 0; g < n_groups && t; g++) {
        int col = vigil_table_find(t, group_cols[g]);
        if (col < 0) {
            rc = vigil_error_set(VIGIL_EINVAL, "%s: no column '%s' to group SHAP importance by",
                                 vigil_table_source(t), group_cols[g]);
            goto done;
        }
        if (vigil_table_nrows(t) != n) {
            rc = vigil_error_set(VIGIL_EINTERNAL, "SHAP importance: %zu rows of attributions for a table of %zu",
                                 n, vigil_table_nrows(t));
            goto done;
        }
        int32_t *codes;
        char **levels;
        size_t nl;
        if ((rc = vigil_table_as_levels(t, (size_t)col, &codes, &levels, &nl)) != 0) goto done;
        cJSON *gc = cJSON_AddObjectToObject(bg, group_cols[g]);
        for (size_t l = 0; l < nl; l++) {
            size_t m = 0;
            for (size_t i = 0; i < n; i++)
                if (codes[i] == (int32_t)l) rows[m++] = i;
            cJSON *lo = cJSON_AddObjectToObject(gc, levels[l]);
            if (m == 0 || !vigil_fairness_count_ok((double)m, min_cell)) { /* the cell-size policy */
                cJSON_AddTrueToObject(lo, "suppressed");
                continue;
            }
            importance(phi, rows, m, n, F, K, v);
            add_features(lo, names, v, F);
        }
        vigil_table_levels_free(codes, levels, nl);
    }
done:
    if (rc == VIGIL_OK) *out = doc, doc = NULL;
    cJSON_Delete(doc);
    free(v), free(rows);
    return rc;
}

int vigil_explain_importance(const double *phi, size_t n, size_t F, size_t K, const char *const *names,
                             const vigil_table *t, const char *const *group_cols, size_t n_groups,
                             size_t min_cell, char **json)
{
    *json = NULL;
    cJSON *doc = NULL;
    int rc = vigil_explain_importance_cjson(&doc, phi, n, F, K, names, t, group_cols, n_groups, min_cell);
    if (!rc && !(*json = cJSON_PrintUnformatted(doc))) rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
    cJSON_Delete(doc);
    return rc;
}
