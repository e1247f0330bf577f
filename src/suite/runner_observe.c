/* Each criterion's observation, from the metrics reports through their typed getters (never
 * from the document text), the runner's paired comparison, or an engine's result; then its
 * verdict (criteria.c) and its entry in the result. */
#include "suite/runner_internal.h"

#include "core/util.h"
#include "stats/metrics_json.h"
#include "stats/survival.h"
#include "core/json.h"
#include "vigil/catalogue.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define Z975 1.959963984540054

static const group_t *find_group(const run_t *r, const char *name)
{
    for (size_t g = 0; g < r->n_groups; g++)
        if (strcmp(r->groups[g].name, name) == 0) return &r->groups[g];
    return NULL;
}

/* ---- metrics ----------------------------------------------------------------------------- */

/* A criterion the runner compares with the predecessor by the engine's paired replicates
 * (non_inferior / superior on a metric of the scores other than AUROC). */
static int boot_paired(const vigil_criterion *c)
{
    return (c->rule == VIGIL_RULE_NON_INFERIOR || c->rule == VIGIL_RULE_SUPERIOR) &&
           !vigil_metric_within_run_paired(c->info) && c->info->source == VIGIL_METRIC_FROM_SCORES &&
           strcmp(c->metric, "auroc") != 0;
}

/* What the engine must keep for those criteria: the thresholds of their threshold statistics
 * (thr: room for every criterion) and whether any is an E statistic (lowess replicates). */
static void paired_needs(const run_t *r, double *thr, size_t *n_thr, int *lowess)
{
    *n_thr = 0, *lowess = 0;
    for (size_t i = 0; i < r->def.n_criteria; i++) {
        const vigil_criterion *c = &r->def.criteria[i];
        if (!boot_paired(c)) continue;
        if (c->info->at_threshold) {
            double t = !isnan(c->threshold) ? c->threshold : r->thr[0];
            size_t k = 0;
            while (k < *n_thr && thr[k] != t) k++;
            if (k == *n_thr) thr[(*n_thr)++] = t;
        }
        const char *k = c->info->key;
        if (!strcmp(k, "eavg") || !strcmp(k, "e50") || !strcmp(k, "e90") || !strcmp(k, "emax")) *lowess = 1;
    }
}

/* The report of one score and its document (a tree: the result embeds it). */
int vigil_suite_metrics_doc(run_t *r, const double *score, const double *compare, cJSON **out,
                       vigil_metrics_report **keep)
{
    vigil_metrics_group *mg = calloc(r->n_groups ? r->n_groups : 1, sizeof *mg);
    double *bt = malloc((r->def.n_criteria ? r->def.n_criteria : 1) * sizeof *bt);
    if (!mg || !bt) {
        free(mg), free(bt);
        return vigil_suite_oom();
    }
    size_t n_bt;
    int lowess;
    paired_needs(r, bt, &n_bt, &lowess);
    for (size_t g = 0; g < r->n_groups; g++)
        mg[g] = (vigil_metrics_group){r->groups[g].name, r->groups[g].codes,
                                      (const char *const *)r->groups[g].levels, r->groups[g].n_levels};
    vigil_metrics_options mo = VIGIL_METRICS_OPTIONS_INIT;
    mo.thresholds = r->thr;
    mo.n_thresholds = r->n_thr;
    mo.bootstrap = r->def.bootstrap;
    mo.seed = r->def.seed;
    mo.threads = r->opt && r->opt->threads > 0 ? (unsigned)r->opt->threads : 0;
    mo.backend = r->opt ? r->opt->backend : VIGIL_BACKEND_AUTO; /* the bootstrap's, as the scoring's */
    mo.min_cell = r->def.min_cell;
    mo.compare = compare;
    mo.compare_name = compare ? "predecessor" : NULL;
    mo.decision = r->decision;
    mo.exposure = r->exposure, mo.decision_time = r->decision_time, mo.arm = r->arm;
    mo.reason = r->reason, mo.reason_levels = (const char *const *)r->reason_levels;
    mo.n_reason_levels = r->n_reason_levels;
    mo.time = r->followup, mo.event = r->event, mo.horizon = r->def.data.horizon;
    /* the paired criteria's replicates (paired_difference): both reports ask the same */
    mo.boot_thresholds = bt, mo.n_boot_thresholds = n_bt;
    if (lowess) mo.lowess_bootstrap = 1;
    vigil_metrics_report *rep = NULL;
    int rc = vigil_metrics_compute(&rep, score, r->label, r->n, mg, r->n_groups, &mo);
    free(mg), free(bt);
    if (rc) return rc;
    cJSON *d = vigil_stats_report_cjson(rep, NAN, NAN);
    if (!d) {
        vigil_metrics_report_free(rep);
        return vigil_suite_oom();
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

/* Candidate minus predecessor, overall (group NULL) or at one level (idx: its m cases): AUROC by
 * the paired DeLong test, every other metric from the metrics engine's own paired bootstrap
 * (vigil_metrics_paired_get_at). Both reports resample the same cases with the same count
 * weights (the same seed: vigil_stats_bootstrap_run's pos), so replicate k of the difference is
 * the candidate's replicate k minus the predecessor's, and its percentile interval is the one
 * the run's impact table shows; a threshold statistic at the threshold the criterion names (the
 * runner asked the engine to keep its replicates: paired_needs). A difference the
 * engine does not give (withheld, undefined) is NaN, and why says why. */
static int paired_difference(run_t *r, const vigil_criterion *c, double t, const char *group, const char *level,
                             const size_t *idx, size_t m, double *diff, double *lo, double *hi,
                             const char **method, char *why, size_t cap)
{
    *diff = *lo = *hi = NAN;
    if (why) why[0] = 0;
    if (strcmp(c->metric, "auroc") == 0) {
        double *a = malloc(3 * (m ? m : 1) * sizeof *a), *b = a + m, *y = b + m;
        if (!a) return vigil_suite_oom();
        for (size_t i = 0; i < m; i++) {
            size_t j = idx ? idx[i] : i;
            a[i] = r->cand[j], b[i] = r->pred[j], y[i] = r->label[j];
        }
        vigil_delong_test d;
        *method = "paired DeLong";
        if (vigil_metrics_delong_test(a, b, y, m, &d) == 0 && !isnan(d.diff))
            *diff = d.diff, *lo = d.diff - Z975 * d.se, *hi = d.diff + Z975 * d.se;
        free(a);
        return VIGIL_OK;
    }
    *method = "paired bootstrap";
    vigil_metric_value v;
    int rc = vigil_metrics_paired_get_at(&v, NULL, NULL, r->rcand, r->rpred, c->metric, group, level, t);
    if (rc) return rc;
    *diff = v.value, *lo = v.ci_low, *hi = v.ci_high;
    if (why && v.why[0]) snprintf(why, cap, "%s", v.why);
    return VIGIL_OK;
}

/* Candidate minus predecessor of survival_auroc, survival_brier or c_harrell at the suite's
 * horizon on the cases in idx (all when idx is NULL), by the contrasts of vigil_survival_compare
 * (riskRegression::Score's for the first two, survival::concordance's variance matrix for C): no
 * bootstrap, so no replicates and no seed. A scope whose time-to-event block the candidate's
 * report withholds (cell-size policy) gets no difference either: NaN, and why says so (as an
 * undefined AUROC's reason does). */
static const char *surv_method(const char *metric)
{
    return strcmp(metric, "c_harrell") == 0
               ? "infinitesimal-jackknife contrast (survival::concordance, var = sum of dC/dw squared)"
               : "influence-function contrast (riskRegression::Score, contrasts = TRUE)";
}

static int survival_difference(run_t *r, const char *metric, const char *group, const char *level, const size_t *idx,
                               size_t m, vigil_survival_paired *p, double *diff, double *lo, double *hi, char *why,
                               size_t cap)
{
    vigil_metric_value v;
    *diff = *lo = *hi = NAN;
    memset(p, 0, sizeof *p);
    p->auc_diff = p->brier_diff = p->auc_se = p->brier_se = p->auc_p = p->brier_p = NAN;
    if (why) why[0] = 0;
    if (vigil_metrics_report_get(&v, r->rcand, metric, group, level) == 0 && v.status == VIGIL_METRIC_WITHHELD) {
        if (why) snprintf(why, cap, "withheld (cell-size policy)"); /* the block's own reason is its JSON's */
        return VIGIL_OK;
    }
    double *buf = malloc(4 * (m ? m : 1) * sizeof *buf);
    if (!buf) return vigil_suite_oom();
    for (size_t i = 0; i < m; i++) {
        size_t j = idx ? idx[i] : i;
        buf[i] = r->cand[j], buf[m + i] = r->pred[j], buf[2 * m + i] = r->followup[j], buf[3 * m + i] = r->event[j];
    }
    vigil_survival_options so = VIGIL_SURVIVAL_OPTIONS_INIT;
    so.threads = r->opt && r->opt->threads > 0 ? (unsigned)r->opt->threads : 0;
    int rc = vigil_stats_survival_compare_subset(p, buf, buf + m, buf + 2 * m, buf + 3 * m, m, r->def.data.horizon, &so);
    free(buf);
    if (rc) return rc;
    if (strcmp(metric, "survival_auroc") == 0) {
        *diff = as_shown(p->auc_diff), *lo = as_shown(p->auc_ci_low), *hi = as_shown(p->auc_ci_high);
        if (why && p->auc_reason) snprintf(why, cap, "%s", p->auc_reason);
    } else if (strcmp(metric, "c_harrell") == 0) {
        *diff = as_shown(p->c_diff), *lo = as_shown(p->c_ci_low), *hi = as_shown(p->c_ci_high);
        if (why && p->c_reason) snprintf(why, cap, "%s", p->c_reason);
    } else {
        *diff = as_shown(p->brier_diff), *lo = as_shown(p->brier_ci_low), *hi = as_shown(p->brier_ci_high);
    }
    return VIGIL_OK;
}

/* ---- criteria ---------------------------------------------------------------------------- */

typedef struct {
    double *v, *lo, *hi;
    const char **names;
    size_t n;
    const char **why;      /* per level: why its value is NaN, or NULL (time-to-event paired rules) */
    const char **how;      /* per level: its interval's method (vigil_metric_value.ci_method), or NULL */
    char (*wbuf)[160];     /* the text why points into */
} levels_t;

static void levels_free(levels_t *L)
{
    free(L->v), free(L->lo), free(L->hi), free(L->names), free(L->why), free(L->wbuf), free(L->how);
}

static int levels_alloc(levels_t *L, size_t n)
{
    size_t c = n ? n : 1;
    L->v = malloc(c * sizeof *L->v), L->lo = malloc(c * sizeof *L->lo);
    L->hi = malloc(c * sizeof *L->hi), L->names = malloc(c * sizeof *L->names);
    L->why = calloc(c, sizeof *L->why), L->wbuf = calloc(c, sizeof *L->wbuf), L->how = calloc(c, sizeof *L->how);
    L->n = 0;
    return L->v && L->lo && L->hi && L->names && L->why && L->wbuf && L->how ? VIGIL_OK : vigil_suite_oom();
}

/* Every reported (unsuppressed) level of group g for metric c. */
static int observe_levels(run_t *r, const vigil_criterion *c, double t, levels_t *L)
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
        if ((c->rule == VIGIL_RULE_NON_INFERIOR || c->rule == VIGIL_RULE_SUPERIOR) &&
            !vigil_metric_within_run_paired(c->info)) {
            size_t lvl = 0, m = 0;
            while (lvl < G->n_levels && strcmp(G->levels[lvl], name) != 0) lvl++;
            if (!idx && !(idx = malloc((r->n ? r->n : 1) * sizeof *idx))) return vigil_suite_oom();
            for (size_t i = 0; i < r->n; i++)
                if (G->codes[i] == (int32_t)lvl) idx[m++] = i;
            const char *method;
            vigil_survival_paired sp;
            if (c->info->source == VIGIL_METRIC_FROM_SURVIVAL) {
                if ((rc = survival_difference(r, c->metric, c->group, name, idx, m, &sp, &L->v[k], &L->lo[k],
                                              &L->hi[k], L->wbuf[k], sizeof L->wbuf[k])) != 0)
                    break;
                L->why[k] = L->wbuf[k][0] ? L->wbuf[k] : NULL;
            } else {
                if ((rc = paired_difference(r, c, t, c->group, name, idx, m, &L->v[k], &L->lo[k], &L->hi[k], &method,
                                            L->wbuf[k], sizeof L->wbuf[k])) != 0)
                    break;
                L->why[k] = L->wbuf[k][0] ? L->wbuf[k] : NULL;
            }
        } else if (strcmp(c->metric, "shap_importance") == 0) {
            const cJSON *x = path(path(path(r->explain, "by_group", c->group), name, NULL), c->feature, NULL);
            L->v[k] = cJSON_IsNumber(x) ? as_shown(x->valuedouble) : NAN;
            L->lo[k] = L->hi[k] = NAN;
        } else {
            vigil_metric_value v;
            report_value(rep, c, t, c->group, name, &v);
            L->v[k] = v.value, L->lo[k] = v.ci_low, L->hi[k] = v.ci_high, L->how[k] = v.ci_method;
            if (vigil_metric_within_run_paired(c->info) && v.why[0]) { /* why the level has no difference */
                snprintf(L->wbuf[k], sizeof L->wbuf[k], "%.159s", v.why);
                L->why[k] = L->wbuf[k];
            }
        }
        L->n++;
    }
    free(idx);
    return rc;
}

int vigil_suite_evaluate(run_t *r, size_t ci, cJSON *out, int *all_pass, vigil_results *res)
{
    const vigil_criterion *c = &r->def.criteria[ci];
    vigil_observation ob = {NAN, NAN, NAN, c->info->ci_method, NULL, NULL, NULL, NULL, 0, 0, NULL, NULL};
    levels_t L = {0};
    vigil_metric_value dv; /* a disparity: ob.why points into it */
    vigil_survival_paired sp; /* a time-to-event paired rule: its se and p for the comparison */
    char swhy[320] = "";      /* and why its difference is not given: ob.why points here */
    double t = !isnan(c->threshold) ? c->threshold : r->thr[0];
    const char *method = c->info->ci_method;
    const char *ci_how = NULL; /* the interval's own method where the engine says (BCa, percentile and why) */
    int rc = VIGIL_OK;
    char scope[256] = "overall";

    if (c->group) snprintf(scope, sizeof scope, "%s%s", c->group, c->every_level ? " (every level)" : "");
    if (c->rule == VIGIL_RULE_DRIFT_GATE) {
        cJSON *section = NULL;
        if ((rc = vigil_suite_drift(r, c, &ob.n_alarms, &section)) != 0) return rc;
        if (r->drift) cJSON_Delete(r->drift);
        r->drift = section;
        method = "Holm-corrected KS / chi-square with effect floors";
    } else if (vigil_metric_needs(c->info) & VIGIL_NEED_REPLAY) {
        int which = strcmp(c->model, "predecessor") == 0;
        if ((rc = vigil_suite_replay(r, which, c->tolerance)) != 0) return rc;
        ob.value = as_shown(num(r->replay[which], strcmp(c->metric, "replay_agreement") == 0 ? "agreement"
                                                                                             : "max_abs_diff"));
    } else if (vigil_metric_needs(c->info) & VIGIL_NEED_EXPLAIN) {
        if ((rc = vigil_suite_explain(r)) != 0) return rc;
        if (c->group) {
            if ((rc = observe_levels(r, c, t, &L)) != 0) goto done;
        } else {
            const cJSON *x = path(path(r->explain, "global_importance", NULL), c->feature, NULL);
            ob.value = cJSON_IsNumber(x) ? as_shown(x->valuedouble) : NAN;
        }
        method = "mean |SHAP|";
    } else if (c->info->source == VIGIL_METRIC_FROM_CLASS_SCORES) { /* runner_multiclass.c */
        const group_t *G = c->group && !(c->info->scopes & VIGIL_METRIC_DISPARITY) ? find_group(r, c->group) : NULL;
        size_t nl = 0;
        if ((rc = levels_alloc(&L, G ? G->n_levels + 1 : 1)) != 0 ||
            (rc = vigil_suite_mc_observe(r, c, ci, &ob, L.v, L.lo, L.hi, L.names, &nl, &method, &dv)) != 0)
            goto done;
        L.n = nl;
        if (!G) levels_free(&L), memset(&L, 0, sizeof L);
    } else if ((c->info->scopes & VIGIL_METRIC_DISPARITY)) {
        report_value(r->rcand, c, t, c->group, NULL, &dv);
        ob.value = dv.value, ob.ci_low = dv.ci_low, ob.ci_high = dv.ci_high;
        ci_how = dv.ci_method;
        if (dv.why[0]) ob.why = dv.why; /* the level that keeps the gap from being given */
    } else if ((c->rule == VIGIL_RULE_NON_INFERIOR || c->rule == VIGIL_RULE_SUPERIOR) &&
               !vigil_metric_within_run_paired(c->info)) { /* candidate against predecessor */
        int surv = c->info->source == VIGIL_METRIC_FROM_SURVIVAL;
        if (c->every_level) {
            if ((rc = observe_levels(r, c, t, &L)) != 0) goto done;
        } else if (surv) {
            if ((rc = survival_difference(r, c->metric, NULL, NULL, NULL, r->n, &sp, &ob.value, &ob.ci_low,
                                          &ob.ci_high, swhy, sizeof swhy)) != 0)
                goto done;
            method = surv_method(c->metric);
            if (swhy[0]) ob.why = swhy;
        } else {
            if ((rc = paired_difference(r, c, t, NULL, NULL, NULL, r->n, &ob.value, &ob.ci_low, &ob.ci_high, &method,
                                        swhy, sizeof swhy)) != 0)
                goto done;
            if (swhy[0]) ob.why = swhy;
        }
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
            if (surv) { /* Score's contrast row (concordance's var for C) also gives the se and the p */
                int auc = strcmp(c->metric, "survival_auroc") == 0, cc = strcmp(c->metric, "c_harrell") == 0;
                vigil_json_add_number(e, "se", as_shown(auc ? sp.auc_se : cc ? sp.c_se : sp.brier_se));
                vigil_json_add_number(e, "p", as_shown(auc ? sp.auc_p : cc ? sp.c_p : sp.brier_p));
                if (swhy[0]) cJSON_AddStringToObject(e, "reason", swhy);
            }
            cJSON_AddStringToObject(e, "method", method);
            cJSON_DeleteItemFromObjectCaseSensitive(cmp, c->metric);
            cJSON_AddItemToObject(cmp, c->metric, e);
        } else {
            method = surv ? surv_method(c->metric) : strcmp(c->metric, "auroc") == 0 ? "paired DeLong" : "paired bootstrap";
        }
    } else if (c->group) {
        if ((rc = observe_levels(r, c, t, &L)) != 0) goto done;
        /* a gap the metrics engine bootstraps as a disparity carries that interval (the gap
         * over the same levels: the engine's disparity is over every level or not given) */
        static const char *const gap_of[][2] = {{"auroc", "auroc_gap"}, {"ece", "calibration_gap_ece"},
                                                {"citl", "calibration_gap_citl"}};
        for (size_t g = 0; c->rule == VIGIL_RULE_MAX_GAP && g < sizeof gap_of / sizeof *gap_of; g++)
            if (strcmp(c->metric, gap_of[g][0]) == 0 &&
                vigil_metrics_report_get(&dv, r->rcand, gap_of[g][1], c->group, NULL) == 0) {
                ob.ci_low = as_shown(dv.ci_low), ob.ci_high = as_shown(dv.ci_high);
                if (isfinite(ob.ci_low)) method = "largest gap; bootstrap CI", ci_how = dv.ci_method;
            }
    } else {
        report_value(r->rcand, c, t, NULL, NULL, &dv);
        ob.value = dv.value, ob.ci_low = dv.ci_low, ob.ci_high = dv.ci_high;
        ci_how = dv.ci_method;
        if (vigil_metric_within_run_paired(c->info) && dv.why[0]) ob.why = dv.why; /* no positives, withheld */
    }
    if (L.names) {
        ob.level_values = L.v, ob.level_ci_low = L.lo, ob.level_ci_high = L.hi;
        ob.level_names = L.names, ob.n_levels = L.n;
        ob.level_why = (const char *const *)L.why;
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
    /* an every-level rule's interval is the reported level's: its method */
    for (size_t k = 0; !ci_how && L.names && L.how && k < L.n; k++)
        if (isfinite(v.ci_low) && L.lo[k] == v.ci_low && L.hi[k] == v.ci_high) ci_how = L.how[k];
    /* a level's rate at the threshold has the level's bootstrap interval, not the overall
     * scope's Wilson one: the method says so */
    if (ci_how && (!strcmp(ci_how, "BCa") || !strncmp(ci_how, "percentile", 10)) && method && !strstr(method, "bootstrap"))
        method = "bootstrap";
    cJSON_AddStringToObject(e, "method", method ? method : "");
    if (ci_how && (isfinite(v.ci_low) || isfinite(v.ci_high))) cJSON_AddStringToObject(e, "ci_method", ci_how);
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

