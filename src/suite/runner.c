/* The suite runner: one pass over a validated suite (see include/vigil/suite.h).
 *
 * Order of work: validate the suite file (criteria.c) and the columns it names, read the case
 * file once, score it, compute the metrics of the candidate (and predecessor), then each
 * criterion's observation, evaluate, and store one run. Everything that can be refused is
 * refused before the run begins, so a stored run is never a half-validated one. */
#include "vigil/suite.h"

#include "core/config.h"
#include "core/util.h"
#include "stats/metrics_internal.h"
#include "stats/metrics_json.h"
#include "suite/criteria.h"
#include "vigil/vigil.h"
#include "vigil/error.h"
#include "vigil/fairness.h"
#include "vigil/metrics.h"
#include "vigil/model.h"
#include "vigil/phi.h"
/* Engines from other modules; a build without one refuses the criteria that need it. */
#if __has_include("vigil/replay.h")
#include "vigil/replay.h"
#define HAVE_REPLAY 1
#endif
#if __has_include("vigil/explain.h")
#include "vigil/explain.h"
#define HAVE_EXPLAIN 1
#endif
#if __has_include("vigil/drift.h")
#include "vigil/drift.h"
#define HAVE_DRIFT 1
#endif

#include <cjson/cJSON.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define Z975 1.959963984540054


typedef struct {
    char *name;                /* "sex" or "sex+age_band" */
    int32_t *codes;            /* n */
    char **levels;
    size_t n_levels;
} group_t;

typedef struct {
    vigil_suite_def def;
    const vigil_suite_options *opt;
    vigil_table *t;
    size_t n;
    const double *label;
    double *cand, *pred;       /* scores */
    const double *shadow;
    vigil_model *mc, *mp;
    float *Xc;                 /* candidate feature matrix (for SHAP) */
    group_t *groups;
    size_t n_groups;
    double *thr;
    size_t n_thr;
    cJSON *mcand, *mpred;      /* metrics documents (built as trees, never parsed back) */
    vigil_metrics_report *rcand, *rpred; /* the reports behind them: criteria read these */
    cJSON *doc;                /* the result */
    cJSON *replay[2];          /* candidate, predecessor */
    cJSON *explain;
    cJSON *drift;
    vigil_table *train;
} run_t;

static int oom(void) { return vigil_error_set(VIGIL_ENOMEM, "out of memory"); }

static void progress(run_t *r, const char *stage, size_t done, size_t total)
{
    if (r->opt && r->opt->progress) r->opt->progress(r->opt->progress_ctx, stage, done, total);
}

/* ---- loading --------------------------------------------------------------------------- */

static int add_name(const char ***names, size_t *n, size_t *cap, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*names)[i], s) == 0) return VIGIL_OK;
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        const char **p = realloc(*names, c * sizeof *p);
        if (!p) return oom();
        *names = p, *cap = c;
    }
    (*names)[(*n)++] = s;
    return VIGIL_OK;
}

static int score_with(run_t *r, vigil_model *m, const char *role, double **out, float **keepX)
{
    float *X = NULL;
    int rc;
    if (vigil_model_n_outputs(m) != 1)
        return vigil_error_set(VIGIL_EINVAL, "%s: the %s model has %zu outputs; suites validate "
                               "binary risk models (one probability per case)",
                               r->def.file, role, vigil_model_n_outputs(m));
    if ((rc = vigil_model_bind(m, r->t, &X)) != 0) {
        vigil_error_wrap("%s: $.model.%s", r->def.file, role);
        return rc;
    }
    double *s = malloc((r->n ? r->n : 1) * sizeof *s);
    if (!s) {
        free(X);
        return oom();
    }
    vigil_backend_options bo = {r->opt ? r->opt->backend : VIGIL_BACKEND_AUTO,
                                r->opt ? r->opt->threads : 0};
    progress(r, role, 0, r->n);
    if ((rc = vigil_model_predict(m, X, r->n, &bo, s, NULL, NULL)) != 0) {
        free(X), free(s);
        return rc;
    }
    progress(r, role, r->n, r->n);
    *out = s;
    if (keepX) *keepX = X;
    else free(X);
    return VIGIL_OK;
}

static size_t row_line(const void *ctx, size_t row) { return vigil_table_row_line(ctx, row); }

static int numeric_role(run_t *r, const char *col, const char *role, const double **out)
{
    int c = vigil_table_require(r->t, col, role);
    if (c < 0) return c;
    const double *v = vigil_table_numeric(r->t, (size_t)c);
    if (!v)
        return vigil_error_set(VIGIL_EINVAL, "%s: %s column '%s' is not numeric (named by %s)",
                               r->def.data.path, role, col, r->def.file);
    *out = v;
    return VIGIL_OK;
}

static int build_groups(run_t *r)
{
    vigil_data_config *d = &r->def.data;
    if (!d->n_groups) return VIGIL_OK;
    if (!(r->groups = calloc(d->n_groups, sizeof *r->groups))) return oom();
    for (size_t g = 0; g < d->n_groups; g++) {
        group_t *G = &r->groups[g];
        if (!(G->name = vigil_strdup(d->groups[g]))) return oom();
        char *buf = vigil_strdup(d->groups[g]), *parts[8];
        if (!buf) return oom();
        size_t np = 0;
        for (char *p = buf; p && np < 8;) {
            parts[np++] = p;
            char *plus = strchr(p, '+');
            if (plus) *plus = '\0', p = plus + 1;
            else p = NULL;
        }
        int32_t *codes[8] = {0};
        char **levels[8] = {0};
        size_t nl[8] = {0};
        int rc = VIGIL_OK;
        for (size_t p = 0; p < np && !rc; p++) {
            int c = vigil_table_require(r->t, parts[p], "group column");
            if (c < 0) rc = c;
            else rc = vigil_table_as_levels(r->t, (size_t)c, &codes[p], &levels[p], &nl[p]);
        }
        if (!rc && np == 1) {
            G->codes = codes[0], G->levels = levels[0], G->n_levels = nl[0];
            codes[0] = NULL, levels[0] = NULL, nl[0] = 0;
        } else if (!rc) {
            rc = vigil_fairness_intersect((const int32_t *const *)codes,
                                          (const char *const *const *)levels, np, r->n, &G->codes,
                                          &G->levels, &G->n_levels);
        }
        for (size_t p = 0; p < np; p++) {
            free(codes[p]);
            if (levels[p])
                for (size_t l = 0; l < nl[p]; l++) free(levels[p][l]);
            free(levels[p]);
        }
        free(buf);
        if (rc) return rc;
    }
    return VIGIL_OK;
}

static void free_groups(run_t *r)
{
    for (size_t g = 0; g < r->n_groups; g++) {
        free(r->groups[g].name), free(r->groups[g].codes);
        for (size_t l = 0; l < r->groups[g].n_levels; l++) free(r->groups[g].levels[l]);
        free(r->groups[g].levels);
    }
    free(r->groups);
}

static const group_t *find_group(const run_t *r, const char *name)
{
    for (size_t g = 0; g < r->n_groups; g++)
        if (strcmp(r->groups[g].name, name) == 0) return &r->groups[g];
    return NULL;
}

/* Thresholds the metrics engine reports: the suite's, then any criterion's own. */
static int collect_thresholds(run_t *r)
{
    size_t cap = r->def.n_thresholds + r->def.n_criteria + 1;
    if (!(r->thr = malloc(cap * sizeof *r->thr))) return oom();
    for (size_t i = 0; i < r->def.n_thresholds; i++) r->thr[r->n_thr++] = r->def.thresholds[i];
    for (size_t i = 0; i < r->def.n_criteria; i++) {
        double t = r->def.criteria[i].threshold;
        if (isnan(t)) continue;
        size_t k = 0;
        while (k < r->n_thr && r->thr[k] != t) k++;
        if (k == r->n_thr) r->thr[r->n_thr++] = t;
    }
    if (!r->n_thr) r->thr[r->n_thr++] = 0.5;
    return VIGIL_OK;
}

/* ---- metrics ----------------------------------------------------------------------------- */

/* The report of one score and its document (a tree: the result embeds it). */
static int metrics_doc(run_t *r, const double *score, const double *compare, cJSON **out,
                       vigil_metrics_report **keep)
{
    vigil_metrics_group *mg = calloc(r->n_groups ? r->n_groups : 1, sizeof *mg);
    if (!mg) return oom();
    for (size_t g = 0; g < r->n_groups; g++)
        mg[g] = (vigil_metrics_group){r->groups[g].name, r->groups[g].codes,
                                      (const char *const *)r->groups[g].levels, r->groups[g].n_levels};
    vigil_metrics_options mo = {0};
    mo.thresholds = r->thr;
    mo.n_thresholds = r->n_thr;
    mo.bootstrap = r->def.bootstrap;
    mo.seed = r->def.seed;
    mo.threads = r->opt && r->opt->threads > 0 ? (unsigned)r->opt->threads : 0;
    mo.min_cell = r->def.min_cell;
    mo.compare = compare;
    mo.compare_name = compare ? "predecessor" : NULL;
    vigil_metrics_report *rep = NULL;
    int rc = vigil_metrics_compute(&rep, score, r->label, r->n, mg, r->n_groups, &mo);
    free(mg);
    if (rc) return rc;
    cJSON *d = vigil_stats_report_cjson(rep, NAN, NAN);
    if (!d) {
        vigil_metrics_report_free(rep);
        return oom();
    }
    /* Timings and run ids differ between identical runs: keep them out of the stored result. */
    cJSON_DeleteItemFromObjectCaseSensitive(d, "seconds");
    cJSON_DeleteItemFromObjectCaseSensitive(d, "run_id");
    *out = d;
    *keep = rep;
    return VIGIL_OK;
}

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const cJSON *path(const cJSON *o, const char *a, const char *b)
{
    o = o ? cJSON_GetObjectItemCaseSensitive(o, a) : NULL;
    return b && o ? cJSON_GetObjectItemCaseSensitive(o, b) : o;
}

/* A criterion's metric from a report: overall (at threshold t for a threshold statistic), one
 * level, or a disparity (group without level). NaN where the report gives none. */
/* The number as the stored metrics document shows it: cJSON prints 15 significant digits when
 * they read back within DBL_EPSILON (relative), else 17. Criteria are evaluated on the shown
 * values, so that a gap or a verdict can be recomputed from the stored document -- and so the
 * result is the one earlier builds (which read the document back) gave, to the last digit. */
static double as_shown(double d)
{
    if (!isfinite(d)) return d;
    char b[64];
    snprintf(b, sizeof b, "%1.15g", d);
    double t = strtod(b, NULL);
    return fabs(t - d) <= fmax(fabs(t), fabs(d)) * DBL_EPSILON ? t : d;
}

static void report_value(const vigil_metrics_report *rep, const vigil_criterion *c, double t, const char *group,
                         const char *level, vigil_metric_value *v)
{
    int rc = !group && c->info->at_threshold ? vigil_metrics_report_get_at(v, rep, c->metric, t)
                                             : vigil_metrics_report_get(v, rep, c->metric, group, level);
    if (rc) v->value = v->ci_low = v->ci_high = NAN;
    v->value = as_shown(v->value), v->ci_low = as_shown(v->ci_low), v->ci_high = as_shown(v->ci_high);
}

/* ---- paired comparison with the predecessor --------------------------------------------- */

/* One metric of (score, label) computed from the kernels, for the paired bootstrap. */
static double metric_fn(const char *metric, const double *s, const double *y, size_t n, double t)
{
    const vigil_metric_def *m = vigil_metric_find(metric);
    const char *k = m ? m->key : "";
    if (strcmp(metric, "auroc") == 0) {
        vigil_auroc a;
        return vigil_metrics_auroc(s, y, n, 0.95, &a) ? NAN : a.auc;
    }
    if (strcmp(metric, "auprc") == 0) return vigil_metrics_average_precision(s, y, n);
    if (strcmp(metric, "brier") == 0) {
        double b = 0;
        for (size_t i = 0; i < n; i++) b += (s[i] - y[i]) * (s[i] - y[i]);
        return n ? b / (double)n : NAN;
    }
    if (m && !m->at_threshold) {
        vigil_calibration c;
        if (vigil_metrics_calibration(s, y, n, &c)) return NAN;
        if (strcmp(k, "ece") == 0) return c.ece;
        if (strcmp(k, "ece_equal_mass") == 0) return c.ece_equal_mass;
        if (strcmp(k, "mce") == 0) return c.mce;
        if (strcmp(k, "eavg") == 0) return c.eavg;
        if (strcmp(k, "e50") == 0) return c.e50;
        if (strcmp(k, "e90") == 0) return c.e90;
        if (strcmp(k, "emax") == 0) return c.emax;
        if (strcmp(k, "citl") == 0) return c.citl;
        if (strcmp(k, "slope") == 0) return c.slope;
        if (strcmp(k, "intercept") == 0) return c.intercept;
        return NAN;
    }
    if (m && m->at_threshold) {
        vigil_threshold_stats ts;
        if (vigil_metrics_threshold(s, y, n, t, 0.95, &ts)) return NAN;
        if (strcmp(k, "tpr") == 0) return ts.tpr;
        if (strcmp(k, "specificity") == 0) return ts.tnr;
        if (strcmp(k, "ppv") == 0) return ts.ppv;
        if (strcmp(k, "npv") == 0) return ts.npv;
        if (strcmp(k, "selection_rate") == 0) return ts.selection_rate;
        if (strcmp(k, "net_benefit") == 0) return ts.net_benefit;
    }
    return NAN;
}

/* Why the runner keeps its own paired bootstrap, not the engine's (vigil_metrics_paired_get):
 * the engine resamples by count weights from its own streams, this one by drawn indices from
 * (seed, criterion, replicate) streams, so the intervals differ (flchain suite, Brier: here
 * [-0.0017294, 0.00058191], the engine [-0.0016685, 0.00050125]), and the stored results of
 * existing suites and their goldens would change. Moving over is a decision to re-baseline,
 * not a refactor.
 *
 * Candidate minus predecessor on the cases in idx (all when idx is NULL): AUROC by the paired
 * DeLong test, everything else by a paired percentile bootstrap that resamples cases (both
 * models on the same resampled cases), seeded from the suite's seed and the criterion. */
static int paired_difference(run_t *r, const char *metric, double t, const size_t *idx, size_t m,
                             uint64_t stream, double *diff, double *lo, double *hi,
                             const char **method)
{
    int rc = VIGIL_OK;
    double *a = calloc(m ? m : 1, sizeof *a), *b = calloc(m ? m : 1, sizeof *b),
           *y = calloc(m ? m : 1, sizeof *y), *ra = NULL, *rb = NULL, *ry = NULL, *reps = NULL;
    if (!a || !b || !y) {
        rc = oom();
        goto done;
    }
    for (size_t i = 0; i < m; i++) {
        size_t j = idx ? idx[i] : i;
        a[i] = r->cand[j], b[i] = r->pred[j], y[i] = r->label[j];
    }
    *diff = *lo = *hi = NAN;
    if (strcmp(metric, "auroc") == 0) {
        vigil_delong_test d;
        *method = "paired DeLong";
        if (vigil_metrics_delong_test(a, b, y, m, &d) == 0 && !isnan(d.diff)) {
            *diff = d.diff, *lo = d.diff - Z975 * d.se, *hi = d.diff + Z975 * d.se;
        }
        goto done;
    }
    *method = "paired bootstrap";
    *diff = metric_fn(metric, a, y, m, t) - metric_fn(metric, b, y, m, t);
    size_t B = r->def.bootstrap;
    if (B == 0 || m == 0) goto done;
    ra = malloc(m * sizeof *ra), rb = malloc(m * sizeof *rb), ry = malloc(m * sizeof *ry);
    reps = malloc(B * sizeof *reps);
    if (!ra || !rb || !ry || !reps) {
        rc = oom();
        goto done;
    }
    size_t kept = 0;
    for (size_t k = 0; k < B; k++) {
        vm_rng g;
        vigil_stats_rng_seed(&g, r->def.seed, (stream << 32) ^ (uint64_t)k);
        for (size_t i = 0; i < m; i++) {
            size_t j = (size_t)(vigil_stats_rng_next(&g) % m);
            ra[i] = a[j], rb[i] = b[j], ry[i] = y[j];
        }
        double d = metric_fn(metric, ra, ry, m, t) - metric_fn(metric, rb, ry, m, t);
        if (!isnan(d)) reps[kept++] = d;
        if ((k + 1) % 50 == 0 || k + 1 == B) progress(r, "bootstrap", k + 1, B);
    }
    /* A replicate where the metric is undefined (one class drawn) is dropped; too many dropped
     * and the interval is not reported rather than biased. */
    if (kept >= B * 9 / 10 && kept > 1) vigil_stats_percentile_ci(reps, kept, 0.95, lo, hi);
done:
    free(a), free(b), free(y), free(ra), free(rb), free(ry), free(reps);
    return rc;
}

/* ---- the extra engines ------------------------------------------------------------------- */

static int do_replay(run_t *r, int which, double tolerance)
{
    if (r->replay[which]) return VIGIL_OK;
#ifndef HAVE_REPLAY
    (void)tolerance;
    return vigil_error_set(VIGIL_EINTERNAL, "replay is not available in this build");
#else
    const double *re = which == 0 ? r->cand : r->pred;
    char **ids = NULL;
    int idc = r->def.data.id ? vigil_table_find(r->t, r->def.data.id) : -1;
    if (idc >= 0) {
        if (!(ids = calloc(r->n ? r->n : 1, sizeof *ids))) return oom();
        const double *nv = vigil_table_numeric(r->t, (size_t)idc);
        const int32_t *cv = vigil_table_codes(r->t, (size_t)idc);
        for (size_t i = 0; i < r->n; i++) {
            char buf[64];
            if (nv) snprintf(buf, sizeof buf, "%.17g", nv[i]);
            ids[i] = nv ? vigil_strdup(buf)
                        : vigil_strdup(cv[i] >= 0 ? vigil_table_level(r->t, (size_t)idc, (size_t)cv[i]) : "");
        }
    }
    char *js = NULL;
    int rc = vigil_replay_compute(r->shadow, re, (const char *const *)ids, r->n, tolerance, 20, &js);
    if (ids)
        for (size_t i = 0; i < r->n; i++) free(ids[i]);
    free(ids);
    if (rc) return rc;
    /* TODO(issue 14): the replay, SHAP and drift engines (src/model/replay.c, src/explain/,
     * src/stats/drift*.c, owned elsewhere) expose only JSON text; these three parses go when
     * they expose trees or typed results as the metrics report now does. */
    r->replay[which] = cJSON_Parse(js);
    free(js);
    if (!r->replay[which]) return vigil_error_set(VIGIL_EINTERNAL, "replay document did not parse");
    cJSON_AddStringToObject(r->replay[which], "model", which == 0 ? "candidate" : "predecessor");
    return VIGIL_OK;
#endif
}

static int do_explain(run_t *r)
{
    if (r->explain) return VIGIL_OK;
#ifndef HAVE_EXPLAIN
    return vigil_error_set(VIGIL_EINTERNAL, "SHAP is not available in this build");
#else
    if (!r->Xc) return vigil_error_set(VIGIL_EINTERNAL, "SHAP needs the candidate's features");
    size_t F = vigil_model_n_features(r->mc), K = vigil_model_n_outputs(r->mc);
    double *phi = malloc((r->n ? r->n : 1) * K * (F + 1) * sizeof *phi);
    const char **names = malloc((F ? F : 1) * sizeof *names);
    const char **gcols = malloc((r->n_groups ? r->n_groups : 1) * sizeof *gcols);
    char *js = NULL;
    int rc = VIGIL_OK;
    if (!phi || !names || !gcols) {
        rc = oom();
        goto done;
    }
    for (size_t j = 0; j < F; j++) names[j] = vigil_model_feature_name(r->mc, j);
    /* Only plain group columns have levels in the table; intersections are left out. */
    size_t ng = 0;
    for (size_t g = 0; g < r->n_groups; g++)
        if (!strchr(r->groups[g].name, '+')) gcols[ng++] = r->groups[g].name;
    vigil_explain_options eo;
    vigil_explain_options_default(&eo);
    eo.threads = r->opt ? r->opt->threads : 0;
    eo.backend = r->opt ? r->opt->backend : VIGIL_BACKEND_AUTO;
    eo.seed = r->def.seed;
    progress(r, "SHAP", 0, r->n);
    if ((rc = vigil_explain(r->mc, r->Xc, r->n, &eo, phi)) != 0) goto done;
    progress(r, "SHAP", r->n, r->n);
    if ((rc = vigil_explain_importance(phi, r->n, F, K, names, r->t, gcols, ng, r->def.min_cell, &js)) != 0)
        goto done;
    if (!(r->explain = cJSON_Parse(js))) rc = vigil_error_set(VIGIL_EINTERNAL, "SHAP summary did not parse");
done:
    free(phi), free(names), free(gcols), free(js);
    return rc;
#endif
}

static int do_drift(run_t *r, const vigil_criterion *c, size_t *alarms, cJSON **section)
{
#ifndef HAVE_DRIFT
    (void)r, (void)c, (void)alarms, (void)section;
    return vigil_error_set(VIGIL_EINTERNAL, "drift tests are not available in this build");
#else
    vigil_drift_options o = vigil_drift_options_default();
    o.features = (const char *const *)c->features;
    o.n_features = c->n_features;
    o.alpha = c->alpha;
    o.seed = r->def.seed;
    if (r->opt && r->opt->threads > 0) o.threads = r->opt->threads;
    vigil_drift_result *res = NULL;
    char *js = NULL;
    int rc = vigil_drift_compare(r->train, r->t, &o, &res);
    if (!rc) rc = vigil_drift_result_json(res, &js);
    vigil_drift_result_free(res);
    if (rc) return rc;
    cJSON *d = cJSON_Parse(js);
    free(js);
    if (!d) return vigil_error_set(VIGIL_EINTERNAL, "drift document did not parse");
    cJSON_DeleteItemFromObjectCaseSensitive(d, "seconds");
    size_t k = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(d, "features"))
        k += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "drift"));
    *alarms = k;
    *section = d;
    return VIGIL_OK;
#endif
}

/* ---- criteria ---------------------------------------------------------------------------- */

typedef struct {
    double *v, *lo, *hi;
    const char **names;
    size_t n;
} levels_t;

static void levels_free(levels_t *L) { free(L->v), free(L->lo), free(L->hi), free(L->names); }

static int levels_alloc(levels_t *L, size_t n)
{
    size_t c = n ? n : 1;
    L->v = malloc(c * sizeof *L->v), L->lo = malloc(c * sizeof *L->lo);
    L->hi = malloc(c * sizeof *L->hi), L->names = malloc(c * sizeof *L->names);
    L->n = 0;
    return L->v && L->lo && L->hi && L->names ? VIGIL_OK : oom();
}

/* Every reported (unsuppressed) level of group g for metric c. */
static int observe_levels(run_t *r, const vigil_criterion *c, size_t ci, double t, levels_t *L)
{
    const group_t *G = find_group(r, c->group);
    const vigil_metrics_report *rep = r->rcand;
    size_t g = 0, ng = vigil_metrics_report_n_groups(rep);
    while (g < ng && strcmp(vigil_metrics_report_group_name(rep, g), c->group) != 0) g++;
    int rc = levels_alloc(L, G ? G->n_levels + 1 : 1);
    if (rc || !G) return rc;
    size_t *idx = NULL;
    for (size_t l = 0; g < ng && l < vigil_metrics_report_n_levels(rep, g); l++) {
        if (vigil_metrics_report_level_withheld(rep, g, l)) continue;
        const char *name = vigil_metrics_report_level_name(rep, g, l);
        size_t k = L->n;
        L->names[k] = name;
        if (c->rule == VIGIL_RULE_NON_INFERIOR || c->rule == VIGIL_RULE_SUPERIOR) {
            size_t lvl = 0, m = 0;
            while (lvl < G->n_levels && strcmp(G->levels[lvl], name) != 0) lvl++;
            if (!idx && !(idx = malloc((r->n ? r->n : 1) * sizeof *idx))) return oom();
            for (size_t i = 0; i < r->n; i++)
                if (G->codes[i] == (int32_t)lvl) idx[m++] = i;
            const char *method;
            if ((rc = paired_difference(r, c->metric, t, idx, m, ((uint64_t)ci << 16) | (k + 1),
                                        &L->v[k], &L->lo[k], &L->hi[k], &method)) != 0)
                break;
        } else if (strcmp(c->metric, "shap_importance") == 0) {
            const cJSON *x = path(path(path(r->explain, "by_group", c->group), name, NULL), c->feature, NULL);
            L->v[k] = cJSON_IsNumber(x) ? x->valuedouble : NAN;
            L->lo[k] = L->hi[k] = NAN;
        } else {
            vigil_metric_value v;
            report_value(rep, c, t, c->group, name, &v);
            L->v[k] = v.value, L->lo[k] = v.ci_low, L->hi[k] = v.ci_high;
        }
        L->n++;
    }
    free(idx);
    return rc;
}

static int evaluate(run_t *r, size_t ci, cJSON *out, int *all_pass, vigil_results *res)
{
    const vigil_criterion *c = &r->def.criteria[ci];
    vigil_observation ob = {NAN, NAN, NAN, c->info->ci_method, NULL, NULL, NULL, NULL, 0, 0, NULL};
    levels_t L = {0};
    vigil_metric_value dv; /* a disparity: ob.why points into it */
    double t = !isnan(c->threshold) ? c->threshold : r->thr[0];
    const char *method = c->info->ci_method;
    int rc = VIGIL_OK;
    char scope[256] = "overall";

    if (c->group) snprintf(scope, sizeof scope, "%s%s", c->group, c->every_level ? " (every level)" : "");
    if (c->rule == VIGIL_RULE_DRIFT_GATE) {
        cJSON *section = NULL;
        if ((rc = do_drift(r, c, &ob.n_alarms, &section)) != 0) return rc;
        if (r->drift) cJSON_Delete(r->drift);
        r->drift = section;
        method = "Holm-corrected KS / chi-square with effect floors";
    } else if (vigil_metric_needs(c->info) & VIGIL_NEED_REPLAY) {
        int which = strcmp(c->model, "predecessor") == 0;
        if ((rc = do_replay(r, which, c->tolerance)) != 0) return rc;
        ob.value = num(r->replay[which], strcmp(c->metric, "replay_agreement") == 0 ? "agreement"
                                                                                    : "max_abs_diff");
    } else if (vigil_metric_needs(c->info) & VIGIL_NEED_EXPLAIN) {
        if ((rc = do_explain(r)) != 0) return rc;
        if (c->group) {
            if ((rc = observe_levels(r, c, ci, t, &L)) != 0) goto done;
        } else {
            const cJSON *x = path(path(r->explain, "global_importance", NULL), c->feature, NULL);
            ob.value = cJSON_IsNumber(x) ? x->valuedouble : NAN;
        }
        method = "mean |SHAP|";
    } else if ((c->info->scopes & VIGIL_METRIC_DISPARITY)) {
        report_value(r->rcand, c, t, c->group, NULL, &dv);
        ob.value = dv.value, ob.ci_low = dv.ci_low, ob.ci_high = dv.ci_high;
        if (dv.why[0]) ob.why = dv.why; /* the level that keeps the gap from being given */
    } else if (c->rule == VIGIL_RULE_NON_INFERIOR || c->rule == VIGIL_RULE_SUPERIOR) {
        if (c->every_level) {
            if ((rc = observe_levels(r, c, ci, t, &L)) != 0) goto done;
        } else if ((rc = paired_difference(r, c->metric, t, NULL, r->n, ci + 1, &ob.value, &ob.ci_low,
                                           &ob.ci_high, &method)) != 0)
            goto done;
        if (!c->every_level) {
            cJSON *cmp = cJSON_GetObjectItemCaseSensitive(r->doc, "comparison");
            cJSON *e = cJSON_CreateObject();
            double cv, pv;
            vigil_metric_value x;
            report_value(r->rcand, c, t, NULL, NULL, &x);
            cv = x.value;
            report_value(r->rpred, c, t, NULL, NULL, &x);
            pv = x.value;
            cJSON_AddNumberToObject(e, "candidate", cv);
            cJSON_AddNumberToObject(e, "predecessor", pv);
            cJSON_AddNumberToObject(e, "difference", ob.value);
            cJSON_AddNumberToObject(e, "ci_low", ob.ci_low);
            cJSON_AddNumberToObject(e, "ci_high", ob.ci_high);
            cJSON_AddStringToObject(e, "method", method);
            cJSON_DeleteItemFromObjectCaseSensitive(cmp, c->metric);
            cJSON_AddItemToObject(cmp, c->metric, e);
        } else {
            method = strcmp(c->metric, "auroc") == 0 ? "paired DeLong" : "paired bootstrap";
        }
    } else if (c->group) {
        if ((rc = observe_levels(r, c, ci, t, &L)) != 0) goto done;
        /* a gap the metrics engine bootstraps as a disparity carries that interval (the gap
         * over the same levels: the engine's disparity is over every level or not given) */
        static const char *const gap_of[][2] = {{"auroc", "auroc_gap"}, {"ece", "calibration_gap_ece"},
                                                {"citl", "calibration_gap_citl"}};
        for (size_t g = 0; c->rule == VIGIL_RULE_MAX_GAP && g < sizeof gap_of / sizeof *gap_of; g++)
            if (strcmp(c->metric, gap_of[g][0]) == 0 &&
                vigil_metrics_report_get(&dv, r->rcand, gap_of[g][1], c->group, NULL) == 0) {
                ob.ci_low = as_shown(dv.ci_low), ob.ci_high = as_shown(dv.ci_high);
                if (isfinite(ob.ci_low)) method = "largest gap; percentile bootstrap CI";
            }
    } else {
        vigil_metric_value x;
        report_value(r->rcand, c, t, NULL, NULL, &x);
        ob.value = x.value, ob.ci_low = x.ci_low, ob.ci_high = x.ci_high;
    }
    if (L.names) {
        ob.level_values = L.v, ob.level_ci_low = L.lo, ob.level_ci_high = L.hi;
        ob.level_names = L.names, ob.n_levels = L.n;
    }
    vigil_verdict v;
    vigil_criterion_evaluate(c, &ob, &v);
    *all_pass &= v.pass;
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "name", c->name);
    cJSON_AddStringToObject(e, "metric", c->metric);
    cJSON_AddStringToObject(e, "scope", scope);
    cJSON_AddStringToObject(e, "rule", vigil_rule_name(c->rule));
    cJSON_AddItemToObject(e, "observed", isnan(v.observed) ? cJSON_CreateNull() : cJSON_CreateNumber(v.observed));
    cJSON_AddItemToObject(e, "ci_low", isnan(v.ci_low) ? cJSON_CreateNull() : cJSON_CreateNumber(v.ci_low));
    cJSON_AddItemToObject(e, "ci_high", isnan(v.ci_high) ? cJSON_CreateNull() : cJSON_CreateNumber(v.ci_high));
    cJSON_AddStringToObject(e, "threshold", v.threshold);
    cJSON_AddStringToObject(e, "method", method ? method : "");
    if (c->info->source == VIGIL_METRIC_FROM_SCORES && c->info->at_threshold) cJSON_AddNumberToObject(e, "at_threshold", t);
    cJSON_AddBoolToObject(e, "pass", v.pass);
    cJSON_AddStringToObject(e, "detail", v.detail);
    cJSON_AddItemToArray(out, e);
    char sc[64];
    snprintf(sc, sizeof sc, "criterion[%zu]", ci);
    if ((rc = vigil_results_add_metric(res, sc, c->metric, v.observed, v.ci_low, v.ci_high)) == 0)
        rc = vigil_results_add_metric(res, sc, "pass", v.pass ? 1 : 0, NAN, NAN);
done:
    levels_free(&L);
    return rc;
}

/* ---- lineage ----------------------------------------------------------------------------- */

/* t: the table parsed from p (its digest was taken then), or NULL: hash the file. */
static cJSON *file_entry(const char *p, const vigil_table *t, size_t rows, int with_rows)
{
    cJSON *e = cJSON_CreateObject();
    char hex[65];
    uint64_t bytes = 0;
    cJSON_AddStringToObject(e, "path", p);
    const char *sha = t ? vigil_table_sha256(t, &bytes) : NULL;
    if (sha) cJSON_AddStringToObject(e, "sha256", sha);
    else if (vigil_sha256_file(p, hex, &bytes) == 0) cJSON_AddStringToObject(e, "sha256", hex);
    if (with_rows) cJSON_AddNumberToObject(e, "rows", (double)rows);
    return e;
}

/* Group composition with the CMS small-cell rule: a count from 1 to 10 is withheld. */
static cJSON *composition(const run_t *r, size_t min_cell)
{
    cJSON *o = cJSON_CreateObject();
    for (size_t g = 0; g < r->n_groups; g++) {
        const group_t *G = &r->groups[g];
        cJSON *lv = cJSON_AddObjectToObject(o, G->name);
        size_t *cnt = calloc(G->n_levels + 1, sizeof *cnt);
        if (!cnt) continue;
        for (size_t i = 0; i < r->n; i++) cnt[G->codes[i] >= 0 ? (size_t)G->codes[i] : G->n_levels]++;
        for (size_t l = 0; l <= G->n_levels; l++) {
            if (l == G->n_levels && !cnt[l]) break;
            cJSON *e = cJSON_AddObjectToObject(lv, l < G->n_levels ? G->levels[l] : "(missing)");
            int small = cnt[l] > 0 && cnt[l] < (min_cell > 11 ? min_cell : 11);
            if (small) {
                cJSON_AddNullToObject(e, "n");
                cJSON_AddTrueToObject(e, "suppressed");
            } else {
                cJSON_AddNumberToObject(e, "n", (double)cnt[l]);
            }
        }
        free(cnt);
    }
    return o;
}

static cJSON *time_range(const run_t *r)
{
    if (!r->def.data.time) return NULL;
    int c = vigil_table_find(r->t, r->def.data.time);
    const double *v = c >= 0 ? vigil_table_numeric(r->t, (size_t)c) : NULL;
    if (v) {
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < r->n; i++)
            if (!isnan(v[i])) lo = v[i] < lo ? v[i] : lo, hi = v[i] > hi ? v[i] : hi;
        if (lo > hi) return NULL;
        cJSON *a = cJSON_CreateArray();
        cJSON_AddItemToArray(a, cJSON_CreateNumber(lo));
        cJSON_AddItemToArray(a, cJSON_CreateNumber(hi));
        return a;
    }
    if (c < 0) return NULL;
    /* Dates as text: ISO dates sort as strings. */
    const int32_t *codes = vigil_table_codes(r->t, (size_t)c);
    const char *lo = NULL, *hi = NULL;
    for (size_t i = 0; i < r->n; i++) {
        if (codes[i] < 0) continue;
        const char *s = vigil_table_level(r->t, (size_t)c, (size_t)codes[i]);
        if (!lo || strcmp(s, lo) < 0) lo = s;
        if (!hi || strcmp(s, hi) > 0) hi = s;
    }
    if (!lo) return NULL;
    cJSON *a = cJSON_CreateArray();
    cJSON_AddItemToArray(a, cJSON_CreateString(lo));
    cJSON_AddItemToArray(a, cJSON_CreateString(hi));
    return a;
}

/* ---- the run ----------------------------------------------------------------------------- */

static void run_clear(run_t *r)
{
    vigil_suite_def_clear(&r->def);
    vigil_table_free(r->t);
    vigil_table_free(r->train);
    free(r->cand), free(r->pred), free(r->Xc), free(r->thr);
    vigil_model_free(r->mc);
    vigil_model_free(r->mp);
    free_groups(r);
    cJSON_Delete(r->mcand), cJSON_Delete(r->mpred), cJSON_Delete(r->doc);
    vigil_metrics_report_free(r->rcand), vigil_metrics_report_free(r->rpred);
    cJSON_Delete(r->replay[0]), cJSON_Delete(r->replay[1]);
    cJSON_Delete(r->explain), cJSON_Delete(r->drift);
}

/* Everything that can be refused without computing: models, the case file, the columns. */
static int prepare(run_t *r, const char *suite_path)
{
    int rc;
    if ((rc = vigil_suite_def_load(&r->def, suite_path)) != 0) return rc;
    vigil_suite_def *d = &r->def;
    if (d->candidate && (rc = vigil_model_load(&r->mc, d->candidate)) != 0) {
        vigil_error_wrap("%s: $.model.candidate", d->file);
        return rc;
    }
    if (d->predecessor && (rc = vigil_model_load(&r->mp, d->predecessor)) != 0) {
        vigil_error_wrap("%s: $.model.predecessor", d->file);
        return rc;
    }
    const char **extra = NULL;
    size_t ne = 0, cap = 0;
    for (int k = 0; k < 2 && !rc; k++) {
        vigil_model *m = k ? r->mp : r->mc;
        for (size_t j = 0; m && j < vigil_model_n_features(m) && !rc; j++)
            rc = add_name(&extra, &ne, &cap, vigil_model_feature_name(m, j));
    }
    size_t n_model = ne;
    for (size_t i = 0; i < d->n_criteria && !rc; i++)
        for (size_t j = 0; j < d->criteria[i].n_features && !rc; j++)
            rc = add_name(&extra, &ne, &cap, d->criteria[i].features[j]);
    /* where each name came from, for a message that names the JSON path */
    char **why = rc ? NULL : calloc(ne ? ne : 1, sizeof *why);
    if (!rc && !why) rc = oom();
    for (size_t e = 0; e < ne && !rc; e++) {
        vigil_sbuf b = {0};
        if (e < n_model) vigil_sbuf_printf(&b, "the features of the model in $.model of %s", d->file);
        for (size_t i = 0; i < d->n_criteria && !b.s; i++)
            for (size_t j = 0; j < d->criteria[i].n_features && !b.s; j++)
                if (strcmp(d->criteria[i].features[j], extra[e]) == 0)
                    vigil_sbuf_printf(&b, "$.criteria[%zu].features[%zu] in %s", i, j, d->file);
        if (!(why[e] = b.s)) rc = oom();
    }
    if (!rc) rc = vigil_data_load(&d->data, extra, (const char *const *)why, ne, &r->t);
    if (!rc && (d->needs & VIGIL_NEED_DRIFT)) {
        vigil_csv_options co = {0};
        co.keep = extra, co.n_keep = ne;
        co.types = d->data.types, co.n_types = d->data.n_types;
        co.missing = (const char *const *)d->data.missing, co.n_missing = d->data.n_missing;
        /* Only the drift features: the training file need not carry the test set's roles. */
        const char **feat = NULL;
        size_t nf = 0, fc = 0;
        for (size_t i = 0; i < d->n_criteria && !rc; i++)
            for (size_t j = 0; j < d->criteria[i].n_features && !rc; j++)
                rc = add_name(&feat, &nf, &fc, d->criteria[i].features[j]);
        co.keep = feat, co.n_keep = nf;
        co.n_types = 0; /* declared types may name columns the training file lacks */
        if (!rc && (rc = vigil_table_read_csv(&r->train, d->training.path, &co)) != 0)
            vigil_error_wrap("%s: $.training_data.path", d->file);
        if (!rc) { /* the PHI guard on the training file, with the data section's allowances */
            const char *skip[2] = {d->data.id, d->data.time};
            if ((rc = vigil_phi_guard(r->train, d->training.path, skip, 2, d->data.phi_allow,
                                      d->data.n_phi_allow)) != 0)
                vigil_error_wrap("%s: $.training_data", d->file);
        }
        free(feat);
    }
    for (size_t e = 0; why && e < ne; e++) free(why[e]);
    free(why);
    free(extra);
    if (rc) return rc;
    /* an attribution criterion names a feature of the candidate: a typo is refused now, not
     * after the run as "could not be computed" */
    for (size_t i = 0; i < d->n_criteria && r->mc; i++) {
        const char *f = d->criteria[i].feature;
        if (!f || !(vigil_metric_needs(d->criteria[i].info) & VIGIL_NEED_EXPLAIN)) continue;
        size_t j = 0, nf = vigil_model_n_features(r->mc);
        while (j < nf && strcmp(vigil_model_feature_name(r->mc, j), f) != 0) j++;
        if (j == nf) {
            vigil_sbuf b = {0};
            for (size_t k = 0; k < nf; k++) vigil_sbuf_printf(&b, "%s'%s'", k ? ", " : "", vigil_model_feature_name(r->mc, k));
            rc = vigil_error_set(VIGIL_EINVAL, "%s: $.criteria[%zu].feature: '%s' is not a feature of the "
                                 "candidate model %s; its features are: %s", d->file, i, f, d->candidate,
                                 b.s ? b.s : "(none)");
            free(b.s);
            return rc;
        }
    }
    r->n = vigil_table_nrows(r->t);
    if (r->n == 0)
        return vigil_error_set(VIGIL_EINVAL, "%s: no cases (the file has no data rows; named by %s)",
                               d->data.path, d->file);
    if ((rc = numeric_role(r, d->data.label, "label", &r->label)) != 0) return rc;
    if (d->data.shadow_score && (rc = numeric_role(r, d->data.shadow_score, "shadow_score", &r->shadow)) != 0)
        return rc;
    if (!d->candidate) {
        const double *s;
        if ((rc = numeric_role(r, d->data.score, "score", &s)) != 0) return rc;
        if (!(r->cand = malloc(r->n * sizeof *r->cand))) return oom();
        memcpy(r->cand, s, r->n * sizeof *s);
    }
    if ((rc = build_groups(r)) != 0) return rc;
    r->n_groups = d->data.n_groups;
    if ((rc = collect_thresholds(r)) != 0) return rc;
    /* Bind the models now: a feature the case file lacks is an input error, before the run. */
    for (int k = 0; k < 2; k++) {
        vigil_model *m = k ? r->mp : r->mc;
        if (!m) continue;
        if (vigil_model_n_outputs(m) != 1)
            return vigil_error_set(VIGIL_EINVAL, "%s: $.model.%s: the model has %zu outputs; suites "
                                   "validate binary risk models", d->file, k ? "predecessor" : "candidate",
                                   vigil_model_n_outputs(m));
        float *X = NULL;
        if ((rc = vigil_model_bind(m, r->t, &X)) != 0) {
            vigil_error_wrap("%s: $.model.%s", d->file, k ? "predecessor" : "candidate");
            return rc;
        }
        free(X);
    }
    return VIGIL_OK;
}

static int check_scores(run_t *r, const double *s, const char *what)
{
    int lc = vigil_table_find(r->t, r->def.data.label);
    int rc = vigil_metrics_check(s, r->label, r->n, r->def.data.path, 0, (size_t)(lc + 1), row_line, r->t);
    if (rc) vigil_error_wrap("%s (%s)", r->def.file, what);
    return rc;
}

struct vigil_suite_result {
    char *json, *name;
    size_t n_cases;
    int64_t run_id;
    int passed;
    vigil_suite_criterion *crit;
    size_t n_crit;
};

void vigil_suite_result_free(vigil_suite_result *res)
{
    if (!res) return;
    for (size_t i = 0; i < res->n_crit; i++) {
        vigil_suite_criterion *c = &res->crit[i];
        free((char *)c->name), free((char *)c->metric), free((char *)c->scope), free((char *)c->rule);
        free((char *)c->threshold), free((char *)c->method), free((char *)c->detail);
    }
    free(res->crit), free(res->json), free(res->name), free(res);
}

static char *dup_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return vigil_strdup(cJSON_IsString(v) ? v->valuestring : "");
}

static double num_or_nan(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* The criteria of the run's document (the tree, before it is printed). */
static int result_from(vigil_suite_result *res, const run_t *r)
{
    const cJSON *crit = cJSON_GetObjectItemCaseSensitive(r->doc, "criteria"), *e;
    size_t n = (size_t)cJSON_GetArraySize(crit);
    if (!(res->name = vigil_strdup(r->def.name)) || !(res->crit = calloc(n ? n : 1, sizeof *res->crit)))
        return oom();
    res->n_cases = r->n;
    cJSON_ArrayForEach(e, crit)
    {
        vigil_suite_criterion *c = &res->crit[res->n_crit++];
        c->name = dup_str(e, "name"), c->metric = dup_str(e, "metric"), c->scope = dup_str(e, "scope");
        c->rule = dup_str(e, "rule"), c->threshold = dup_str(e, "threshold");
        c->method = dup_str(e, "method"), c->detail = dup_str(e, "detail");
        c->observed = num_or_nan(e, "observed"), c->ci_low = num_or_nan(e, "ci_low");
        c->ci_high = num_or_nan(e, "ci_high");
        c->pass = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "pass"));
        if (!c->name || !c->metric || !c->scope || !c->rule || !c->threshold || !c->method || !c->detail)
            return oom();
    }
    return VIGIL_OK;
}

static int suite_run(vigil_store *store, const char *suite_path, const vigil_suite_options *opt,
                     int64_t *run_id, int *passed, char **json, vigil_suite_result *out);

int vigil_suite_run(vigil_store *store, const char *suite_path, const vigil_suite_options *opt,
                    int64_t *run_id, int *passed, char **json)
{
    return suite_run(store, suite_path, opt, run_id, passed, json, NULL);
}

int vigil_suite_run_result(vigil_suite_result **out, vigil_store *store, const char *path,
                           const vigil_suite_options *opt)
{
    *out = NULL;
    vigil_suite_result *res = calloc(1, sizeof *res);
    if (!res) return oom();
    int rc = suite_run(store, path, opt, &res->run_id, &res->passed, &res->json, res);
    if (rc) vigil_suite_result_free(res);
    else *out = res;
    return rc;
}

const char *vigil_suite_result_json(const vigil_suite_result *res) { return res->json; }
const char *vigil_suite_result_name(const vigil_suite_result *res) { return res->name; }
size_t vigil_suite_result_n_cases(const vigil_suite_result *res) { return res->n_cases; }
int64_t vigil_suite_result_run_id(const vigil_suite_result *res) { return res->run_id; }
int vigil_suite_result_passed(const vigil_suite_result *res) { return res->passed; }
size_t vigil_suite_result_n_criteria(const vigil_suite_result *res) { return res->n_crit; }

const vigil_suite_criterion *vigil_suite_result_criterion(const vigil_suite_result *res, size_t i)
{
    return i < res->n_crit ? &res->crit[i] : NULL;
}

static int suite_run(vigil_store *store, const char *suite_path, const vigil_suite_options *opt,
                     int64_t *run_id, int *passed, char **json, vigil_suite_result *out)
{
    run_t R = {0}, *r = &R;
    r->opt = opt;
    int rc, run_open = 0, all_pass = 1;
    vigil_results *res = NULL;
    char *stored = NULL;
    double t0 = vigil_seconds(), t_load, t_compute;
    *json = NULL;

    if ((rc = prepare(r, suite_path)) != 0) goto done;

    vigil_suite_def *d = &r->def;
    vigil_run_file files[5];
    size_t nf = 0;
    files[nf++] = (vigil_run_file){.role = "suite", .path = d->file};
    if (d->candidate) files[nf++] = (vigil_run_file){.role = "candidate", .path = d->candidate};
    if (d->predecessor) files[nf++] = (vigil_run_file){.role = "predecessor", .path = d->predecessor};
    /* the case files' digests were taken as they were parsed: each is read once */
    uint64_t db = 0, tb = 0;
    const char *dsha = vigil_table_sha256(r->t, &db);
    files[nf++] = (vigil_run_file){"data", d->data.path, dsha, db};
    if (d->has_training) {
        const char *tsha = r->train ? vigil_table_sha256(r->train, &tb) : NULL;
        files[nf++] = (vigil_run_file){"training_data", d->training.path, tsha, tb};
    }
    vigil_run_spec spec = {"suite", d->name, d->text, files, nf, d->seed, 1};
    if ((rc = vigil_store_run_begin(store, &spec, run_id)) != 0) goto done;
    run_open = 1;

    if (r->mc && (rc = score_with(r, r->mc, "candidate", &r->cand, &r->Xc)) != 0) goto done;
    if (r->mp && (rc = score_with(r, r->mp, "predecessor", &r->pred, NULL)) != 0) goto done;
    if ((rc = check_scores(r, r->cand, "candidate scores")) != 0) goto done;
    if (r->pred && (rc = check_scores(r, r->pred, "predecessor scores")) != 0) goto done;
    t_load = vigil_seconds() - t0;

    /* The document, in the order suites/README.md shows. */
    r->doc = cJSON_CreateObject();
    cJSON_AddStringToObject(r->doc, "suite", d->name);
    cJSON_AddStringToObject(r->doc, "version", d->version);
    cJSON_AddFalseToObject(r->doc, "passed");
    cJSON_AddNumberToObject(r->doc, "n", (double)r->n);
    double pos = 0;
    for (size_t i = 0; i < r->n; i++) pos += r->label[i];
    cJSON_AddNumberToObject(r->doc, "prevalence", pos / (double)r->n);
    cJSON_AddNumberToObject(r->doc, "seed", (double)d->seed);
    cJSON_AddNumberToObject(r->doc, "bootstrap", (double)d->bootstrap);
    cJSON_AddStringToObject(r->doc, "tool_version", vigil_version());
    cJSON *models = cJSON_AddObjectToObject(r->doc, "models");
    for (int k = 0; k < 2; k++) {
        vigil_model *m = k ? r->mp : r->mc;
        const char *p = k ? d->predecessor : d->candidate;
        if (!m) continue;
        cJSON *e = cJSON_AddObjectToObject(models, k ? "predecessor" : "candidate");
        cJSON_AddStringToObject(e, "path", p);
        cJSON_AddStringToObject(e, "sha256", vigil_model_sha256(m));
        cJSON_AddStringToObject(e, "describe", vigil_model_describe(m));
    }
    if (!r->mc) {
        cJSON *e = cJSON_AddObjectToObject(models, "candidate");
        cJSON_AddStringToObject(e, "score_column", d->data.score);
    }
    cJSON *data = file_entry(d->data.path, r->t, r->n, 1);
    cJSON *tr = time_range(r);
    if (tr) cJSON_AddItemToObject(data, "time_range", tr);
    cJSON_AddItemToObject(data, "groups", composition(r, d->min_cell));
    cJSON_AddItemToObject(r->doc, "data", data);
    if (d->has_training) {
        cJSON *te = file_entry(d->training.path, r->train, r->train ? vigil_table_nrows(r->train) : 0, r->train != NULL);
        cJSON_AddItemToObject(r->doc, "training_data", te);
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(data, "sha256"),
                    *b = cJSON_GetObjectItemCaseSensitive(te, "sha256");
        cJSON *sq = cJSON_AddObjectToObject(r->doc, "sequestration");
        cJSON_AddBoolToObject(sq, "distinct_files", a && b && strcmp(a->valuestring, b->valuestring) != 0);
    }
    cJSON *crit = cJSON_AddArrayToObject(r->doc, "criteria");
    cJSON_AddObjectToObject(r->doc, "comparison");

    if ((rc = vigil_results_new(&res)) != 0) goto done;
    if ((rc = metrics_doc(r, r->cand, r->pred, &r->mcand, &r->rcand)) == 0 && r->pred &&
        (rc = metrics_doc(r, r->pred, NULL, &r->mpred, &r->rpred)) == 0) {
        /* the impact assessment: every metric, overall, per level and per disparity, candidate
         * minus predecessor with a paired bootstrap CI (same seed: the same resampled cases) */
        cJSON *pd = vigil_stats_paired_cjson(r->rcand, r->rpred);
        if (!pd) rc = vigil_error_last_code() ? vigil_error_last_code() : oom();
        else cJSON_AddItemToObject(r->doc, "impact", pd);
    }
    if (rc) goto done;
    for (size_t i = 0; i < d->n_criteria; i++)
        if ((rc = evaluate(r, i, crit, &all_pass, res)) != 0) goto done;
    t_compute = vigil_seconds() - t0 - t_load;

    cJSON_ReplaceItemInObjectCaseSensitive(r->doc, "passed", cJSON_CreateBool(all_pass));
    cJSON *ms = cJSON_AddObjectToObject(r->doc, "metrics");
    cJSON_AddItemToObject(ms, "candidate", r->mcand), r->mcand = NULL;
    if (r->mpred) cJSON_AddItemToObject(ms, "predecessor", r->mpred), r->mpred = NULL;
    if (r->replay[0] || r->replay[1]) {
        /* The section for the first replay the criteria asked for; both when both were. */
        cJSON *rp = r->replay[1] ? r->replay[1] : r->replay[0];
        if (r->replay[0] && r->replay[1]) {
            cJSON_AddItemToObject(r->doc, "replay", r->replay[1]);
            cJSON_AddItemToObject(r->doc, "replay_candidate", r->replay[0]);
        } else {
            cJSON_AddItemToObject(r->doc, "replay", rp);
        }
        r->replay[0] = r->replay[1] = NULL;
    }
    if (r->explain) cJSON_AddItemToObject(r->doc, "explanations", r->explain), r->explain = NULL;
    if (r->drift) cJSON_AddItemToObject(r->doc, "drift", r->drift), r->drift = NULL;
    if (d->pccp) cJSON_AddItemToObject(r->doc, "pccp", cJSON_Duplicate(d->pccp, 1));

    if (!(stored = cJSON_PrintUnformatted(r->doc))) {
        rc = oom();
        goto done;
    }
    if ((rc = vigil_results_add_document(res, "result", stored)) != 0 ||
        (rc = vigil_results_add_metric(res, "suite", "passed", all_pass, NAN, NAN)) != 0)
        goto done;
    {
        double t1 = vigil_seconds();
        if ((rc = vigil_store_run_finish(store, *run_id, res, all_pass)) != 0) goto done;
        run_open = 0;
        cJSON_AddNumberToObject(r->doc, "run_id", (double)*run_id);
        cJSON *sec = cJSON_AddObjectToObject(r->doc, "seconds");
        cJSON_AddNumberToObject(sec, "load", t_load);
        cJSON_AddNumberToObject(sec, "compute", t_compute);
        cJSON_AddNumberToObject(sec, "write", vigil_seconds() - t1);
    }
    *passed = all_pass;
    if (!(*json = cJSON_Print(r->doc))) rc = oom();
    else if (out) rc = result_from(out, r);
done:
    if (run_open) vigil_store_run_fail(store, *run_id, vigil_error_last());
    vigil_results_free(res);
    free(stored);
    run_clear(r);
    return rc;
}
