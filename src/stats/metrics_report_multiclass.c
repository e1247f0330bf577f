/* The `multiclass` block of `vigil metrics --class-scores`: JSON, text and the typed getters
 * over the engine's report (multiclass.c). Small cells are already withheld there; this file
 * only says why a number is not given. */
#include "stats/metrics_report_multiclass.h"
#include "stats/multiclass.h"
#include "vigil/error.h"
#include "vigil/results.h"
#include "core/json.h"
#include "core/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WHY_CELL "withheld (cell-size policy)"
#define WHY_LEVEL "withheld (cell-size policy): the level is suppressed (under min-cell cases, or withheld with one that is)"

/* how: the interval's method (issue 18), stored as ci_method where there is an interval. */
static void value_json(cJSON *o, const char *key, double v, double lo, double hi, const char *why, const char *how)
{
    cJSON *x = cJSON_AddObjectToObject(o, key);
    int given = isfinite(v);
    vigil_json_add_number(x, "value", given ? v : NAN);
    vigil_json_add_number(x, "ci_low", given ? lo : NAN);
    vigil_json_add_number(x, "ci_high", given ? hi : NAN);
    if (!given) cJSON_AddStringToObject(x, "reason", why ? why : "undefined on these cases");
    else if (how && (isfinite(lo) || isfinite(hi))) cJSON_AddStringToObject(x, "ci_method", how);
}

static void rate_json(cJSON *o, const char *key, double k, double n, int ok, double level, const char *undef)
{
    double lo = NAN, hi = NAN, v = ok && n > 0 ? k / n : NAN;
    if (isfinite(v)) vigil_metrics_wilson(k, n, level, &lo, &hi);
    value_json(o, key, v, lo, hi, n == 0 ? undef : WHY_CELL, "Wilson score");
}

static void classes_json(cJSON *o, const vigil_multiclass_report *r, const mc_scope *s)
{
    cJSON *cl = cJSON_AddObjectToObject(o, "classes");
    for (size_t c = 0; c < r->k; c++) {
        const mc_class *x = &s->cls[c];
        cJSON *one = cJSON_AddObjectToObject(cl, r->class_names[c]);
        vigil_json_add_number(one, "n", x->n_ok ? x->n : NAN);
        value_json(one, "auroc", x->auc_why ? NAN : x->auc, x->auc_lo, x->auc_hi, x->auc_why, "DeLong");
        if (!x->auc_why) cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(one, "auroc"), "method", "DeLong");
        rate_json(one, "sensitivity", x->tp, x->n, x->sens_ok, r->o.level, "undefined: no case of this class");
        rate_json(one, "ppv", x->tp, x->pred, x->ppv_ok, r->o.level, "undefined: no case has this class as its argmax");
    }
}

static void scope_json(cJSON *o, const vigil_multiclass_report *r, const mc_scope *s)
{
    for (int m = 0; m < MC_COUNT; m++)
        value_json(o, vigil_mc_stat_name[m], s->est[m], s->ci[m][0], s->ci[m][1], s->why[m], s->ci_how[m]);
    cJSON_AddNumberToObject(o, "auroc_ovr_classes", (double)s->macro_classes);
    classes_json(o, r, s);
    cJSON *cal = cJSON_AddArrayToObject(o, "calibration_top_label");
    for (int b = 0; b < VM_BINS; b++) {
        const mc_bin *x = &s->bins[b];
        cJSON *one = cJSON_CreateObject();
        vigil_json_add_number(one, "bin_low", (double)b / VM_BINS);
        vigil_json_add_number(one, "bin_high", (double)(b + 1) / VM_BINS);
        vigil_json_add_number(one, "n", x->n_ok ? x->w : NAN);
        vigil_json_add_number(one, "confidence", x->ok ? x->conf : NAN);
        vigil_json_add_number(one, "accuracy", x->ok ? x->acc : NAN);
        vigil_json_add_number(one, "ci_low", x->ok ? x->lo : NAN);
        vigil_json_add_number(one, "ci_high", x->ok ? x->hi : NAN);
        cJSON_AddItemToArray(cal, one);
    }
}

static void block_json(cJSON *doc, const vigil_multiclass_report *r)
{
    cJSON *o = cJSON_AddObjectToObject(doc, "multiclass");
    cJSON_AddNumberToObject(o, "n_classes", (double)r->k);
    cJSON *names = cJSON_AddArrayToObject(o, "class_order");
    for (size_t c = 0; c < r->k; c++) cJSON_AddItemToArray(names, cJSON_CreateString(r->class_names[c]));
    cJSON_AddNumberToObject(o, "top_k", (double)r->o.top_k);
    cJSON_AddNumberToObject(o, "sum_tolerance", VIGIL_MULTICLASS_SUM_TOL);
    cJSON *ties = cJSON_AddObjectToObject(o, "ties");
    cJSON_AddStringToObject(ties, "argmax", "the first class in column order (numpy argmax)");
    cJSON_AddStringToObject(ties, "top_k", "equal probabilities rank the later class first (scikit-learn)");
    cJSON_AddStringToObject(ties, "mrr", "pessimistic: rank 1 + classes with a probability >= the true class's");
    scope_json(o, r, &r->all);
    cJSON *cm = cJSON_AddObjectToObject(o, "confusion_matrix");
    cJSON_AddStringToObject(cm, "rows", "true class");
    cJSON_AddStringToObject(cm, "columns", "argmax class");
    if (r->confusion_omitted) {
        char why[160];
        snprintf(why, sizeof why, "not given: more than %d classes, too many to check the cell-size policy on "
                 "the matrix", VIGIL_MC_CONFUSION_MAX);
        cJSON_AddStringToObject(cm, "withheld", why);
    }
    cJSON *rows = cJSON_AddArrayToObject(cm, "counts");
    for (size_t t = 0; t < r->k && !r->confusion_omitted; t++) {
        cJSON *row = cJSON_CreateArray();
        for (size_t p = 0; p < r->k; p++) vigil_json_append_number(row, r->confusion[t * r->k + p]);
        cJSON_AddItemToArray(rows, row);
    }
    cJSON *sg = cJSON_AddObjectToObject(o, "subgroups");
    for (size_t g = 0; g < r->ng; g++) {
        const mc_group *G = &r->g[g];
        cJSON *go = cJSON_AddObjectToObject(sg, G->name), *lv = cJSON_AddObjectToObject(go, "levels");
        for (size_t l = 0; l < G->n_levels; l++) {
            const mc_scope *s = &G->lv[l];
            cJSON *one = cJSON_AddObjectToObject(lv, s->name);
            vigil_json_add_number(one, "n", s->suppressed ? NAN : (double)s->n);
            cJSON_AddBoolToObject(one, "suppressed", s->suppressed);
            if (!s->suppressed) scope_json(one, r, s);
        }
        cJSON *dp = cJSON_AddObjectToObject(go, "disparities");
        for (int d = 0; d < MCD_COUNT; d++) {
            value_json(dp, vigil_mc_gap_name[d], G->gap[d], G->gap_ci[d][0], G->gap_ci[d][1], G->gap_why[d], G->gap_how[d]);
            cJSON *x = cJSON_GetObjectItemCaseSensitive(dp, vigil_mc_gap_name[d]);
            if (G->gap_hi[d] >= 0) {
                cJSON_AddStringToObject(x, "highest", G->lv[G->gap_hi[d]].name);
                cJSON_AddStringToObject(x, "lowest", G->lv[G->gap_lo[d]].name);
            }
        }
    }
}

cJSON *vigil_stats_multiclass_cjson(const vigil_multiclass_report *r, double seconds_load, double seconds_write)
{
    cJSON *doc = cJSON_CreateObject();
    if (!doc) return NULL;
    cJSON_AddNumberToObject(doc, "n", (double)r->n);
    block_json(doc, r);
    cJSON *bs = cJSON_AddObjectToObject(doc, "bootstrap");
    cJSON_AddNumberToObject(bs, "replicates", (double)r->o.bootstrap);
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->o.seed);
    cJSON_AddNumberToObject(bs, "seed", (double)r->o.seed);
    cJSON_AddStringToObject(bs, "seed_text", seed);
    cJSON_AddStringToObject(bs, "method", "BCa (bias-corrected and accelerated), case resampling counts "
                                          "(per-class AUROC: DeLong; sensitivity, PPV and calibration bins: Wilson)");
    cJSON_AddStringToObject(bs, "acceleration", "delete-a-group jackknife");
    cJSON_AddNumberToObject(bs, "jackknife_groups", (double)r->jack_groups);
    cJSON_AddNumberToObject(bs, "intervals_bca", (double)r->ci_bca);
    cJSON_AddNumberToObject(bs, "intervals_percentile", (double)r->ci_percentile);
    cJSON_AddNumberToObject(doc, "min_cell", (double)r->o.min_cell);
    cJSON *sec = cJSON_AddObjectToObject(doc, "seconds");
    vigil_json_add_number(sec, "load", seconds_load);
    vigil_json_add_number(sec, "compute", r->seconds);
    vigil_json_add_number(sec, "write", seconds_write);
    return doc;
}

char *vigil_multiclass_report_json(const vigil_multiclass_report *r, double seconds_load, double seconds_write)
{
    cJSON *doc = vigil_stats_multiclass_cjson(r, seconds_load, seconds_write);
    char *s = doc ? cJSON_PrintBuffered(doc, 1 << 16, 1) : NULL;
    cJSON_Delete(doc);
    return s;
}

/* ---- text -------------------------------------------------------------------------------- */

static void line(vigil_sbuf *b, const char *label, double v, double lo, double hi)
{
    if (!isfinite(v)) vigil_sbuf_printf(b, "  %-26s %10s\n", label, "-");
    else if (isfinite(lo) && isfinite(hi)) vigil_sbuf_printf(b, "  %-26s %10.4f  (%.4f, %.4f)\n", label, v, lo, hi);
    else vigil_sbuf_printf(b, "  %-26s %10.4f\n", label, v);
}

static void scope_text(vigil_sbuf *b, const vigil_multiclass_report *r, const mc_scope *s)
{
    for (int m = 0; m < MC_COUNT; m++) line(b, vigil_mc_stat_name[m], s->est[m], s->ci[m][0], s->ci[m][1]);
    vigil_sbuf_printf(b, "  %-20s %8s %8s %8s %8s\n", "class", "n", "auroc", "sens", "ppv");
    for (size_t c = 0; c < r->k; c++) {
        const mc_class *x = &s->cls[c];
        char n[32] = "-", a[32] = "-", se[32] = "-", pp[32] = "-";
        if (x->n_ok) snprintf(n, sizeof n, "%.0f", x->n);
        if (!x->auc_why) snprintf(a, sizeof a, "%.4f", x->auc);
        if (x->sens_ok && x->n > 0) snprintf(se, sizeof se, "%.4f", x->tp / x->n);
        if (x->ppv_ok && x->pred > 0) snprintf(pp, sizeof pp, "%.4f", x->tp / x->pred);
        vigil_sbuf_printf(b, "  %-20.20s %8s %8s %8s %8s\n", r->class_names[c], n, a, se, pp);
    }
}

char *vigil_multiclass_report_text(const vigil_multiclass_report *r)
{
    vigil_sbuf b = {0};
    vigil_sbuf_printf(&b, "multi-class metrics: %zu cases, %zu classes (top-%zu; intervals: %s)\n", r->n, r->k,
                      r->o.top_k, r->o.bootstrap ? "BCa bootstrap" : "none without --bootstrap");
    scope_text(&b, r, &r->all);
    for (size_t g = 0; g < r->ng; g++) {
        const mc_group *G = &r->g[g];
        for (size_t l = 0; l < G->n_levels; l++) {
            const mc_scope *s = &G->lv[l];
            if (s->suppressed) {
                vigil_sbuf_printf(&b, "\n%s = %s: suppressed (cell-size policy: under %zu cases, or withheld with a level that is)\n", G->name, s->name, r->o.min_cell);
                continue;
            }
            vigil_sbuf_printf(&b, "\n%s = %s (%zu cases)\n", G->name, s->name, s->n);
            scope_text(&b, r, s);
        }
        for (int d = 0; d < MCD_COUNT; d++) {
            char label[64];
            snprintf(label, sizeof label, "%s", vigil_mc_gap_name[d]);
            vigil_sbuf_printf(&b, "%s", d == 0 ? "\n" : "");
            line(&b, label, G->gap[d], G->gap_ci[d][0], G->gap_ci[d][1]);
        }
    }
    if (b.failed) {
        vigil_sbuf_free(&b);
        return NULL;
    }
    return b.s;
}

/* ---- getters ----------------------------------------------------------------------------- */

const mc_scope *vigil_mc_scope(const vigil_multiclass_report *r, const char *group, const char *level, int *g_out)
{
    *g_out = -1;
    if (!group) return &r->all;
    for (size_t g = 0; g < r->ng; g++) {
        if (strcmp(r->g[g].name, group) != 0) continue;
        *g_out = (int)g;
        if (!level) return NULL;
        for (size_t l = 0; l < r->g[g].n_levels; l++)
            if (strcmp(r->g[g].lv[l].name, level) == 0) return &r->g[g].lv[l];
        return NULL;
    }
    return NULL;
}

static void set(vigil_metric_value *o, double v, double lo, double hi, int withheld, const char *why)
{
    o->value = isfinite(v) ? v : NAN;
    o->ci_low = isfinite(v) ? lo : NAN;
    o->ci_high = isfinite(v) ? hi : NAN;
    o->status = isfinite(v) ? VIGIL_METRIC_OK : withheld ? VIGIL_METRIC_WITHHELD : VIGIL_METRIC_UNDEFINED;
    snprintf(o->why, sizeof o->why, "%s", isfinite(v) || !why ? "" : why);
    o->ci_method = NULL;
}

/* The interval's method, where it has one (issue 18). */
static void how(vigil_metric_value *o, const char *m)
{
    if (isfinite(o->ci_low) || isfinite(o->ci_high)) o->ci_method = m;
}

/* The scope named by group and level, or VIGIL_EINVAL saying what is missing. */
static int find_scope(const mc_scope **s, int *g, const vigil_multiclass_report *r, const char *group,
                      const char *level)
{
    *s = vigil_mc_scope(r, group, level, g);
    if (*s || (group && !level && *g >= 0)) return VIGIL_OK;
    if (*g < 0) return vigil_error_set(VIGIL_EINVAL, "the multi-class report has no group '%s'", group);
    return vigil_error_set(VIGIL_EINVAL, "group '%s' has no level '%s'", group, level);
}

int vigil_multiclass_report_get(vigil_metric_value *out, const vigil_multiclass_report *r, const char *metric,
                                const char *group, const char *level)
{
    const mc_scope *s;
    int g;
    int rc = find_scope(&s, &g, r, group, level);
    if (rc) return rc;
    if (!s) {
        for (int d = 0; d < MCD_COUNT; d++)
            if (strcmp(metric, vigil_mc_gap_name[d]) == 0) {
                const mc_group *G = &r->g[g];
                set(out, G->gap[d], G->gap_ci[d][0], G->gap_ci[d][1], 0, G->gap_why[d]);
                how(out, G->gap_how[d]);
                return VIGIL_OK;
            }
        return vigil_error_set(VIGIL_EINVAL, "'%s' is not a multi-class disparity (top_k_accuracy_gap, "
                               "auroc_ovr_macro_gap)", metric);
    }
    for (int m = 0; m < MC_COUNT; m++)
        if (strcmp(metric, vigil_mc_stat_name[m]) == 0) {
            if (s->suppressed) set(out, NAN, NAN, NAN, 1, WHY_LEVEL);
            else {
                set(out, s->est[m], s->ci[m][0], s->ci[m][1], s->why[m] && strncmp(s->why[m], "withheld", 8) == 0,
                    s->why[m]);
                how(out, s->ci_how[m]);
            }
            return VIGIL_OK;
        }
    return vigil_error_set(VIGIL_EINVAL, "'%s' is not a multi-class metric", metric);
}

int vigil_multiclass_report_class(vigil_metric_value *out, const vigil_multiclass_report *r, const char *cls,
                                  const char *stat, const char *group, const char *level)
{
    const mc_scope *s;
    int g;
    int rc = find_scope(&s, &g, r, group, level);
    if (rc) return rc;
    if (!s) return vigil_error_set(VIGIL_EINVAL, "a class statistic needs a level of group '%s'", group);
    size_t c = 0;
    while (c < r->k && strcmp(r->class_names[c], cls) != 0) c++;
    if (c == r->k) return vigil_error_set(VIGIL_EINVAL, "the multi-class report has no class '%s'", cls);
    if (s->suppressed) {
        set(out, NAN, NAN, NAN, 1, WHY_LEVEL);
        return VIGIL_OK;
    }
    const mc_class *x = &s->cls[c];
    double lo = NAN, hi = NAN;
    if (strcmp(stat, "n") == 0) set(out, x->n_ok ? x->n : NAN, NAN, NAN, 1, WHY_CELL);
    else if (strcmp(stat, "auroc") == 0)
        set(out, x->auc_why ? NAN : x->auc, x->auc_lo, x->auc_hi, x->auc_withheld, x->auc_why), how(out, "DeLong");
    else if (strcmp(stat, "sensitivity") == 0 || strcmp(stat, "ppv") == 0) {
        int sens = stat[0] == 's';
        double d = sens ? x->n : x->pred;
        int ok = sens ? x->sens_ok : x->ppv_ok;
        if (ok && d > 0) vigil_metrics_wilson(x->tp, d, r->o.level, &lo, &hi);
        set(out, ok && d > 0 ? x->tp / d : NAN, lo, hi, d > 0, d > 0 ? WHY_CELL : "undefined: no case in its denominator");
        how(out, "Wilson score");
    } else
        return vigil_error_set(VIGIL_EINVAL, "'%s' is not a class statistic (n, auroc, sensitivity, ppv)", stat);
    return VIGIL_OK;
}

size_t vigil_multiclass_report_n(const vigil_multiclass_report *r) { return r->n; }
size_t vigil_multiclass_report_n_classes(const vigil_multiclass_report *r) { return r->k; }
double vigil_multiclass_report_confusion(const vigil_multiclass_report *r, size_t t, size_t p)
{
    return t < r->k && p < r->k ? r->confusion[t * r->k + p] : NAN;
}

/* ---- store ------------------------------------------------------------------------------- */

static int put(vigil_results *res, const char *sc, const char *name, double v, double lo, double hi)
{
    return isfinite(v) ? vigil_results_add_metric(res, sc, name, v, lo, hi) : VIGIL_OK;
}

static int store_scope(vigil_results *res, const char *sc, const vigil_multiclass_report *r, const mc_scope *s)
{
    int rc = put(res, sc, "n", (double)s->n, NAN, NAN);
    for (int m = 0; m < MC_COUNT; m++) rc |= put(res, sc, vigil_mc_stat_name[m], s->est[m], s->ci[m][0], s->ci[m][1]);
    for (size_t c = 0; c < r->k && !rc; c++) {
        const mc_class *x = &s->cls[c];
        char nm[300];
        double lo, hi;
        snprintf(nm, sizeof nm, "class:%s:n", r->class_names[c]);
        if (x->n_ok) rc |= put(res, sc, nm, x->n, NAN, NAN);
        snprintf(nm, sizeof nm, "class:%s:auroc", r->class_names[c]);
        if (!x->auc_why) rc |= put(res, sc, nm, x->auc, x->auc_lo, x->auc_hi);
        snprintf(nm, sizeof nm, "class:%s:sensitivity", r->class_names[c]);
        if (x->sens_ok && x->n > 0) {
            vigil_metrics_wilson(x->tp, x->n, r->o.level, &lo, &hi);
            rc |= put(res, sc, nm, x->tp / x->n, lo, hi);
        }
        snprintf(nm, sizeof nm, "class:%s:ppv", r->class_names[c]);
        if (x->ppv_ok && x->pred > 0) {
            vigil_metrics_wilson(x->tp, x->pred, r->o.level, &lo, &hi);
            rc |= put(res, sc, nm, x->tp / x->pred, lo, hi);
        }
    }
    return rc ? VIGIL_EDB : VIGIL_OK;
}

int vigil_multiclass_report_store(const vigil_multiclass_report *r, vigil_results *res)
{
    int rc = store_scope(res, "overall", r, &r->all);
    for (size_t g = 0; g < r->ng && !rc; g++) {
        const mc_group *G = &r->g[g];
        for (size_t l = 0; l < G->n_levels && !rc; l++) {
            if (G->lv[l].suppressed) continue;
            vigil_sbuf b = {0};
            vigil_sbuf_printf(&b, "%s=%s", G->name, G->lv[l].name);
            if (!b.s) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
            rc = store_scope(res, b.s, r, &G->lv[l]);
            free(b.s);
        }
        for (int d = 0; d < MCD_COUNT && !rc; d++)
            rc = put(res, G->name, vigil_mc_gap_name[d], G->gap[d], G->gap_ci[d][0], G->gap_ci[d][1]);
    }
    return rc ? (vigil_error_last_code() ? vigil_error_last_code() : rc) : VIGIL_OK;
}
