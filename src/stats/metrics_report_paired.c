/* Paired comparison of two reports of the same cases (vigil_metrics_paired_json). */
#include "stats/metrics_report.h"
#include "vigil/error.h"
#include "core/util.h"
#include "core/json.h"
#include "vigil/catalogue.h"
#include <stdio.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- paired comparison ------------------------------------------------------------------ */

/* The paired percentile interval of a - b from the replicate differences (buf: B doubles). A
 * replicate where either is undefined is dropped; over 10% dropped and there is no interval
 * rather than a biased one. */
static void paired_ci(const double *ra, const double *rb, size_t B, double level, double *buf, double *lo,
                      double *hi)
{
    size_t kept = 0;
    *lo = *hi = NAN;
    for (size_t k = 0; ra && rb && k < B; k++)
        if (isfinite(ra[k]) && isfinite(rb[k])) buf[kept++] = ra[k] - rb[k];
    if (B && kept >= B * 9 / 10 && kept > 1) vigil_stats_percentile_ci(buf, kept, level, lo, hi);
}

/* One paired difference: point estimates from est, the CI from the replicate differences. */
static void paired_item(cJSON *o, const char *name, double a, double b, const double *ra, const double *rb,
                        size_t B, double level, double *buf)
{
    if (!isfinite(a) || !isfinite(b)) return;
    cJSON *e = cJSON_AddObjectToObject(o, name);
    vigil_json_add_number(e, "candidate", a);
    vigil_json_add_number(e, "predecessor", b);
    vigil_json_add_number(e, "difference", a - b);
    double lo, hi;
    paired_ci(ra, rb, B, level, buf, &lo, &hi);
    vigil_json_add_number(e, "ci_low", lo);
    vigil_json_add_number(e, "ci_high", hi);
}

static void paired_scope(cJSON *o, const scope *a, const scope *b, size_t B, double level, double *buf)
{
    for (int k = 0; k < S_COUNT; k++)
        paired_item(o, vigil_stats_stat_name[k], a->est[k], b->est[k], a->rep ? a->rep + (size_t)k * B : NULL,
                    b->rep ? b->rep + (size_t)k * B : NULL, B, level, buf);
}

/* The two reports resample the same cases: else VIGIL_EINVAL (0 returned). */
static int same_cases(const vigil_metrics_report *a, const vigil_metrics_report *b)
{
    int same = a->n == b->n && a->o.bootstrap == b->o.bootstrap && a->o.seed == b->o.seed &&
               a->ng == b->ng && a->all.n1 == b->all.n1;
    for (size_t g = 0; same && g < a->ng; g++) {
        same = strcmp(a->g[g].name, b->g[g].name) == 0 && a->g[g].n_levels == b->g[g].n_levels;
        for (size_t l = 0; same && l < a->g[g].n_levels; l++)
            same = strcmp(a->g[g].lv[l].name, b->g[g].lv[l].name) == 0 && a->g[g].lv[l].n == b->g[g].lv[l].n;
    }
    if (!same)
        vigil_error_set(VIGIL_EINVAL, "paired comparison: the two reports are not of the same cases, "
                        "groups, seed and replicates");
    return same;
}

/* The threshold statistics at the bootstrap thresholds both reports kept replicates at
 * ("at_thresholds": {threshold: {"overall": {stat: ...}, "subgroups": {group: {"levels": {level:
 * {stat: ...}}}}}}, the items as paired_item's; a withheld or undefined one left out): the
 * numbers vigil_metrics_paired_get_at gives, so that a suite's paired criterion at a threshold
 * can be checked against its run's table. Nothing when either report has none. */
static const char *const thr_metric[T_COUNT] = {"sensitivity", "specificity", "ppv", "npv", "selection_rate",
                                                "net_benefit"};

static int thr_items(cJSON *o, const vigil_metrics_report *a, const vigil_metrics_report *b, const char *grp,
                     const char *level, double t)
{
    for (int q = 0; q < T_COUNT; q++) {
        vigil_metric_value v;
        double c, p;
        int rc = vigil_metrics_paired_get_at(&v, &c, &p, a, b, thr_metric[q], grp, level, t);
        if (rc) return rc;
        if (v.status != VIGIL_METRIC_OK) continue;
        cJSON *e = cJSON_AddObjectToObject(o, vigil_stats_thr_stat_name[q]);
        vigil_json_add_number(e, "candidate", c);
        vigil_json_add_number(e, "predecessor", p);
        vigil_json_add_number(e, "difference", v.value);
        vigil_json_add_number(e, "ci_low", v.ci_low);
        vigil_json_add_number(e, "ci_high", v.ci_high);
    }
    return VIGIL_OK;
}

static int at_thresholds(cJSON *doc, const vigil_metrics_report *a, const vigil_metrics_report *b)
{
    if (!a->n_bt || !b->n_bt) return VIGIL_OK;
    cJSON *th = cJSON_AddObjectToObject(doc, "at_thresholds");
    for (size_t k = 0; k < a->n_bt; k++) {
        double t = a->thr[a->bt[k]];
        size_t j = 0;
        while (j < b->n_bt && b->thr[b->bt[j]] != t) j++;
        if (j == b->n_bt) continue;
        char key[32];
        snprintf(key, sizeof key, "%.15g", t);
        cJSON *o = cJSON_AddObjectToObject(th, key);
        int rc = thr_items(cJSON_AddObjectToObject(o, "overall"), a, b, NULL, NULL, t);
        cJSON *sg = cJSON_AddObjectToObject(o, "subgroups");
        for (size_t g = 0; !rc && g < a->ng; g++) {
            cJSON *lo = cJSON_AddObjectToObject(cJSON_AddObjectToObject(sg, a->g[g].name), "levels");
            for (size_t l = 0; !rc && l < a->g[g].n_levels; l++) {
                if (a->g[g].lv[l].suppressed || b->g[g].lv[l].suppressed) continue;
                rc = thr_items(cJSON_AddObjectToObject(lo, a->g[g].lv[l].name), a, b, a->g[g].name,
                               a->g[g].lv[l].name, t);
            }
        }
        if (rc) return rc;
    }
    return VIGIL_OK;
}

cJSON *vigil_stats_paired_cjson(const vigil_metrics_report *a, const vigil_metrics_report *b)
{
    size_t B = a->o.bootstrap;
    if (!same_cases(a, b)) return NULL;
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
            paired_item(dp, vigil_stats_disparity_name[k], ga->dest[k], gb->dest[k], ga->drep ? ga->drep + (size_t)k * B : NULL,
                        gb->drep ? gb->drep + (size_t)k * B : NULL, B, lv, buf);
    }
    free(buf);
    if (at_thresholds(doc, a, b) != 0) {
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}

char *vigil_metrics_paired_json(const vigil_metrics_report *a, const vigil_metrics_report *b)
{
    cJSON *doc = vigil_stats_paired_cjson(a, b);
    if (!doc) return NULL;
    char *s = cJSON_PrintBuffered(doc, 1 << 16, 1);
    cJSON_Delete(doc);
    if (!s) vigil_error_set(VIGIL_ENOMEM, "out of memory");
    return s;
}


static void paired_clear(vigil_metric_value *out, double *cand, double *pred)
{
    out->value = out->ci_low = out->ci_high = NAN;
    out->status = VIGIL_METRIC_UNDEFINED;
    out->why[0] = '\0';
    out->ci_method = NULL;
    if (cand) *cand = NAN;
    if (pred) *pred = NAN;
}

/* A threshold statistic's value in one scope's stats at a threshold (T_* order). */
static double thr_value(const vigil_threshold_stats *x, int q)
{
    switch (q) {
    case T_TPR: return x->tpr;
    case T_TNR: return x->tnr;
    case T_PPV: return x->ppv;
    case T_NPV: return x->npv;
    case T_SEL: return x->selection_rate;
    default: return x->net_benefit;
    }
}

/* Scope s's replicates of T-statistic q at threshold slot t: those of its bootstrap threshold,
 * else, at the first threshold, the kernels' sensitivity and selection-rate slots (the same
 * numbers: integer sums), else NULL. */
static const double *thr_reps(const vigil_metrics_report *r, const scope *s, size_t t, int q)
{
    size_t B = r->o.bootstrap;
    for (size_t k = 0; s->trep && k < r->n_bt; k++)
        if (r->bt[k] == t) return s->trep + ((size_t)k * T_COUNT + (size_t)q) * B;
    if (t == 0 && s->rep && (q == T_TPR || q == T_SEL)) return s->rep + (size_t)(q == T_TPR ? S_TPR : S_SEL) * B;
    return NULL;
}

int vigil_metrics_paired_get_at(vigil_metric_value *out, double *cand, double *pred,
                                const vigil_metrics_report *a, const vigil_metrics_report *b,
                                const char *metric, const char *grp, const char *level, double threshold)
{
    paired_clear(out, cand, pred);
    if (!same_cases(a, b)) return VIGIL_EINVAL;
    const vigil_metric_def *m = vigil_metric_find(metric);
    if (!m) return vigil_error_set(VIGIL_EINVAL, "unknown metric '%s'", metric ? metric : "(null)");
    if (!m->at_threshold || m->source != VIGIL_METRIC_FROM_SCORES)
        return vigil_metrics_paired_get(out, cand, pred, a, b, metric, grp, level);
    int q = -1;
    for (int k = 0; k < T_COUNT; k++)
        if (strcmp(vigil_stats_thr_stat_name[k], m->key) == 0) q = k;
    size_t t = 0, B = a->o.bootstrap;
    while (t < a->o.n_thresholds && !(a->thr[t] == threshold && t < b->o.n_thresholds && b->thr[t] == threshold)) t++;
    if (q < 0) return vigil_error_set(VIGIL_EINVAL, "metric '%s' has no paired comparison", metric);
    if (t == a->o.n_thresholds) return vigil_error_set(VIGIL_EINVAL, "the reports have no threshold %g", threshold);
    const scope *sa = &a->all, *sb = &b->all;
    if (grp) {
        size_t g = 0, l = 0;
        while (g < a->ng && strcmp(a->g[g].name, grp) != 0) g++;
        if (g == a->ng) return vigil_error_set(VIGIL_EINVAL, "the report has no grp '%s'", grp);
        if (!level) return vigil_error_set(VIGIL_EINVAL, "metric '%s' is not a disparity: name a level of '%s'", metric, grp);
        while (l < a->g[g].n_levels && strcmp(a->g[g].lv[l].name, level) != 0) l++;
        if (l == a->g[g].n_levels) return vigil_error_set(VIGIL_EINVAL, "grp '%s' has no level '%s'", grp, level);
        sa = &a->g[g].lv[l], sb = &b->g[g].lv[l];
        if (sa->suppressed || sb->suppressed) {
            out->status = VIGIL_METRIC_WITHHELD;
            snprintf(out->why, sizeof out->why, "level '%s' is withheld (cell-size policy)", level);
            return VIGIL_OK;
        }
    } else if (level) {
        return vigil_error_set(VIGIL_EINVAL, "level '%s' needs a grp", level);
    }
    if (!sa->thr_ok[t] || !sb->thr_ok[t]) { /* as each report withholds its own value */
        out->status = VIGIL_METRIC_WITHHELD;
        snprintf(out->why, sizeof out->why, "withheld at threshold %g for the %s (a small confusion count)", threshold,
                 sa->thr_ok[t] ? "predecessor" : "candidate");
        return VIGIL_OK;
    }
    double ea = thr_value(&sa->thr[t], q), eb = thr_value(&sb->thr[t], q);
    if (cand) *cand = ea;
    if (pred) *pred = eb;
    if (!isfinite(ea) || !isfinite(eb)) {
        snprintf(out->why, sizeof out->why, "'%s' is not given for %s", metric,
                 isfinite(ea) ? "the predecessor" : "the candidate");
        return VIGIL_OK;
    }
    out->value = ea - eb;
    out->status = VIGIL_METRIC_OK;
    const double *ra = thr_reps(a, sa, t, q), *rb = thr_reps(b, sb, t, q);
    if (!ra || !rb) return VIGIL_OK; /* no replicates at this threshold: no interval */
    double *buf = malloc((B ? B : 1) * sizeof *buf);
    if (!buf) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    paired_ci(ra, rb, B, a->o.level, buf, &out->ci_low, &out->ci_high);
    free(buf);
    return VIGIL_OK;
}

int vigil_metrics_paired_get(vigil_metric_value *out, double *cand, double *pred,
                             const vigil_metrics_report *a, const vigil_metrics_report *b,
                             const char *metric, const char *grp, const char *level)
{
    paired_clear(out, cand, pred);
    if (!same_cases(a, b)) return VIGIL_EINVAL;
    const vigil_metric_def *m = vigil_metric_find(metric);
    if (!m) return vigil_error_set(VIGIL_EINVAL, "unknown metric '%s'", metric ? metric : "(null)");
    if (m->at_threshold && m->source == VIGIL_METRIC_FROM_SCORES && !(grp && !level))
        return vigil_metrics_paired_get_at(out, cand, pred, a, b, metric, grp, level, a->thr[0]);
    size_t B = a->o.bootstrap;
    const double *ea, *eb, *ra = NULL, *rb = NULL;
    int k = -1;
    const scope *sa = &a->all, *sb = &b->all;
    size_t g = 0;
    if (grp) {
        while (g < a->ng && strcmp(a->g[g].name, grp) != 0) g++;
        if (g == a->ng) return vigil_error_set(VIGIL_EINVAL, "the report has no grp '%s'", grp);
    }
    if (grp && !level) { /* a disparity */
        for (int d = 0; d < D_COUNT; d++)
            if (strcmp(vigil_stats_disparity_name[d], m->key) == 0) k = d;
        if (k < 0) return vigil_error_set(VIGIL_EINVAL, "metric '%s' is not a disparity", metric);
        ea = &a->g[g].dest[k], eb = &b->g[g].dest[k];
        if (a->g[g].drep && b->g[g].drep) ra = a->g[g].drep + (size_t)k * B, rb = b->g[g].drep + (size_t)k * B;
    } else {
        for (int q = 0; q < S_COUNT; q++)
            if (strcmp(vigil_stats_stat_name[q], m->key) == 0) k = q;
        if (k < 0)
            return vigil_error_set(VIGIL_EINVAL, "metric '%s' has no paired comparison (it is not bootstrapped)", metric);
        if (level) {
            size_t l = 0;
            while (l < a->g[g].n_levels && strcmp(a->g[g].lv[l].name, level) != 0) l++;
            if (l == a->g[g].n_levels)
                return vigil_error_set(VIGIL_EINVAL, "grp '%s' has no level '%s'", grp, level);
            sa = &a->g[g].lv[l], sb = &b->g[g].lv[l];
            if (sa->suppressed || sb->suppressed) {
                out->status = VIGIL_METRIC_WITHHELD;
                snprintf(out->why, sizeof out->why, "level '%s' is withheld (cell-size policy)", level);
                return VIGIL_OK;
            }
        }
        ea = &sa->est[k], eb = &sb->est[k];
        if (sa->rep && sb->rep) ra = sa->rep + (size_t)k * B, rb = sb->rep + (size_t)k * B;
    }
    if (cand) *cand = *ea;
    if (pred) *pred = *eb;
    if (!isfinite(*ea) || !isfinite(*eb)) {
        snprintf(out->why, sizeof out->why, "'%s' is not given for %s", metric,
                 isfinite(*ea) ? "the predecessor" : "the candidate");
        return VIGIL_OK;
    }
    double *buf = malloc((B ? B : 1) * sizeof *buf);
    if (!buf) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    out->value = *ea - *eb;
    out->status = VIGIL_METRIC_OK;
    paired_ci(ra, rb, B, a->o.level, buf, &out->ci_low, &out->ci_high);
    free(buf);
    return VIGIL_OK;
}
