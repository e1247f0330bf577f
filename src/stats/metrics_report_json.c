/* The `vigil metrics --format json` document of a report. */
#include "stats/metrics_report.h"
#include "stats/metrics_report_human.h"
#include "stats/metrics_report_survival.h"
#include "stats/calib_curve.h"
#include "stats/roc_band.h"
#include "vigil/error.h"
#include "core/util.h"
#include "core/json.h"
#include "vigil/catalogue.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- output ------------------------------------------------------------------------------ */

static void ci_pair(cJSON *o, const char *k, double lo, double hi)
{
    cJSON *a = cJSON_AddArrayToObject(o, k);
    cJSON_AddItemToArray(a, isfinite(lo) ? cJSON_CreateNumber(lo) : cJSON_CreateNull());
    cJSON_AddItemToArray(a, isfinite(hi) ? cJSON_CreateNumber(hi) : cJSON_CreateNull());
}

/* The method of an interval beside it (issue 18: the report says which method each interval
 * used): key -> "BCa" or "percentile (BCa undefined: REASON)"; nothing where no interval. */
static void ci_how(cJSON *o, const char *k, const char *how, double lo, double hi)
{
    if (how && (isfinite(lo) || isfinite(hi))) cJSON_AddStringToObject(o, k, how);
}

/* ---- catalogued metrics -------------------------------------------------------------------
 * Every metric of the catalogue (include/vigil/catalogue.h) that this engine computes is
 * written under the key and at the place its row names: the value at json_path, the interval
 * at ci_path (ending in '.': ci_low and ci_high beside the value; holding ".ci.": a pair in the
 * "ci" map beside the value, its method in the "ci_method" map; else a pair beside the value).
 * The layout below says only where in each object a metric comes (the document's key order);
 * its key, its interval's shape and its value come from its row. A row this layout does not
 * place (a new statistic of the engine) is written at its path by catalogue_rest, so a new
 * metric is one catalogue row; tests/test_metrics.c walks every row against a document. */

typedef struct {
    double v, lo, hi;
    const char *how; /* the interval's method as the document prints it; NULL: none */
} mval;

static const char *leaf(const char *path)
{
    const char *d = strrchr(path, '.');
    return d ? d + 1 : path;
}

/* The catalogue's row of a metric this writer places (a name missing from the catalogue is a
 * programming error: the document is not written, and the unit tests fail). */
static const vigil_metric_def *row(const char *name, int *bad)
{
    const vigil_metric_def *m = vigil_metric_find(name);
    if (!m || !m->json_path) *bad = 1;
    return m && m->json_path ? m : NULL;
}

/* The object at the dotted path's parent (path "a.b.c": a.b), made where missing. */
static cJSON *parent_of(cJSON *root, const char *path)
{
    char seg[128];
    const char *p = path, *dot;
    while (root && (dot = strchr(p, '.')) != NULL) {
        size_t n = (size_t)(dot - p);
        if (n >= sizeof seg) return NULL;
        memcpy(seg, p, n), seg[n] = '\0';
        cJSON *o = cJSON_GetObjectItemCaseSensitive(root, seg);
        if (!o) o = cJSON_AddObjectToObject(root, seg);
        root = cJSON_IsObject(o) ? o : NULL;
        p = dot + 1;
    }
    return root;
}

static int ci_is_object(const vigil_metric_def *m) { return m->ci_path && m->ci_path[strlen(m->ci_path) - 1] == '.'; }
static int ci_is_map(const vigil_metric_def *m) { return m->ci_path && strstr(m->ci_path, ".ci.") != NULL; }

/* The value of row m in object o (m's parent, or a threshold row's object). */
static void put_value(cJSON *o, const vigil_metric_def *m, double v)
{
    if (o && m) vigil_json_add_number(o, leaf(m->json_path), v);
}

/* The interval of row m beside its value in o: ci_low and ci_high, or the pair (a ".ci." row's
 * pair goes into the map: put_ci_map). */
static void put_ci(cJSON *o, const vigil_metric_def *m, double lo, double hi)
{
    if (!o || !m || !m->ci_path || ci_is_map(m)) return;
    if (ci_is_object(m)) {
        vigil_json_add_number(o, "ci_low", lo);
        vigil_json_add_number(o, "ci_high", hi);
    } else {
        ci_pair(o, leaf(m->ci_path), lo, hi);
    }
}

/* A ".ci." row's pair in the ci map and its method in the ci_method map. */
static void put_ci_map(cJSON *ci, cJSON *cm, const vigil_metric_def *m, const mval *x)
{
    if (!m || !ci_is_map(m)) return;
    ci_pair(ci, leaf(m->ci_path), x->lo, x->hi);
    ci_how(cm, leaf(m->ci_path), x->how, x->lo, x->hi);
}

/* A threshold statistic (the row's key: "tpr", "specificity", ...) of one threshold's table;
 * ok 0: withheld by the cell-size policy. */
static mval threshold_stat(const char *key, const vigil_threshold_stats *t, int ok)
{
    mval x = {t->net_benefit, NAN, NAN, NULL};
    if (strcmp(key, "tpr") == 0) x = (mval){t->tpr, t->tpr_lo, t->tpr_hi, "Wilson score"};
    else if (strcmp(key, "specificity") == 0) x = (mval){t->tnr, t->tnr_lo, t->tnr_hi, "Wilson score"};
    else if (strcmp(key, "ppv") == 0) x = (mval){t->ppv, t->ppv_lo, t->ppv_hi, "Wilson score"};
    else if (strcmp(key, "npv") == 0) x = (mval){t->npv, t->npv_lo, t->npv_hi, "Wilson score"};
    else if (strcmp(key, "selection_rate") == 0) x = (mval){t->selection_rate, t->sel_lo, t->sel_hi, "Wilson score"};
    if (!ok) x.v = x.lo = x.hi = NAN;
    return x;
}

static int stat_slot(const char *key)
{
    for (int k = 0; k < S_COUNT; k++)
        if (strcmp(vigil_stats_stat_name[k], key) == 0) return k;
    return -1;
}

/* The overall scope's value of a catalogued statistic that is not at a threshold: the
 * calibration struct's own number where it has one, the bootstrap's interval and its method. */
static mval overall_stat(const vigil_metric_def *m, const scope *a)
{
    const vigil_calibration *c = &a->cal;
    mval x = {NAN, NAN, NAN, NULL};
    if (strcmp(m->key, "spiegelhalter_p") == 0) {
        x.v = c->spiegelhalter_p;
        return x;
    }
    int k = stat_slot(m->key);
    if (k < 0) return x;
    x = (mval){a->est[k], a->ci[k][0], a->ci[k][1], a->ci_how[k]};
    switch (k) {
    case S_AUPRC: x.v = a->auprc; break;
    case S_BRIER: x.v = c->brier; break;
    case S_ECE: x.v = c->ece; break;
    case S_ECE_EM: x.v = c->ece_equal_mass; break;
    case S_MCE: x.v = c->mce; break;
    case S_SLOPE: x.v = c->slope; break;
    case S_INTERCEPT: x.v = c->intercept; break;
    case S_CITL: x.v = c->citl; break;
    case S_EAVG: x.v = c->eavg; break;
    case S_E50: x.v = c->e50; break;
    case S_E90: x.v = c->e90; break;
    case S_EMAX: x.v = c->emax; break;
    default: break;
    }
    return x;
}

/* One catalogued statistic of the overall scope, value and interval, in its parent object. */
static void put_overall(cJSON *doc, const char *name, const scope *a, int *bad)
{
    const vigil_metric_def *m = row(name, bad);
    if (!m) return;
    mval x = overall_stat(m, a);
    cJSON *o = parent_of(doc, m->json_path);
    put_value(o, m, x.v);
    put_ci(o, m, x.lo, x.hi);
    if (ci_is_object(m)) ci_how(o, "ci_method", x.how, x.lo, x.hi);
}

/* Rows of this engine the layout did not place: written at their paths (overall scope, the
 * first threshold). None today; the unit test of the catalogue holds every row to its path. */
static void catalogue_rest(cJSON *doc, const scope *a)
{
    for (size_t i = 0; i < vigil_metric_count(); i++) {
        const vigil_metric_def *m = vigil_metric_at(i);
        if (m->source != VIGIL_METRIC_FROM_SCORES || !m->json_path || !(m->scopes & VIGIL_METRIC_OVERALL) ||
            vigil_json_get(doc, m->json_path))
            continue;
        mval x = m->at_threshold ? threshold_stat(m->key, &a->thr[0], a->thr_ok[0]) : overall_stat(m, a);
        cJSON *o = parent_of(doc, m->json_path);
        put_value(o, m, x.v);
        if (ci_is_map(m)) { /* "a.ci.k": the pair in a.ci, its method in a.ci_method */
            char mp[160];
            const char *ci = strstr(m->ci_path, ".ci.");
            snprintf(mp, sizeof mp, "%.*s.ci_method.%s", (int)(ci - m->ci_path), m->ci_path, ci + 4);
            ci_pair(parent_of(doc, m->ci_path), leaf(m->ci_path), x.lo, x.hi);
            ci_how(parent_of(doc, mp), leaf(mp), x.how, x.lo, x.hi);
        } else {
            put_ci(o, m, x.lo, x.hi);
            if (ci_is_object(m)) ci_how(o, "ci_method", x.how, x.lo, x.hi);
        }
    }
}

/* One threshold's table (the overall "threshold", each of "thresholds", a level's): the
 * catalogue's threshold rows, with the FPR (not a catalogued metric) after the sensitivity. */
static void threshold_json(cJSON *o, const vigil_threshold_stats *t, int ok, int *bad)
{
    static const char *const rows[] = {"sensitivity", NULL /* the FPR */, "specificity", "ppv", "npv",
                                       "selection_rate", "net_benefit"};
    vigil_json_add_number(o, "value", t->threshold);
    for (size_t k = 0; k < sizeof rows / sizeof *rows; k++) {
        if (!rows[k]) {
            vigil_json_add_number(o, "fpr", ok ? t->fpr : NAN);
            ci_pair(o, "fpr_ci", ok ? 1 - t->tnr_hi : NAN, ok ? 1 - t->tnr_lo : NAN);
            continue;
        }
        const vigil_metric_def *m = row(rows[k], bad);
        if (!m) continue;
        mval x = threshold_stat(m->key, t, ok);
        put_value(o, m, x.v);
        put_ci(o, m, x.lo, x.hi);
    }
    cJSON_AddBoolToObject(o, "suppressed", !ok);
    if (ok) cJSON_AddStringToObject(o, "ci_method", "Wilson score");
}

/* Spiegelhalter's test, val.prob's D, U, Q and Hosmer-Lemeshow: the same keys for the overall
 * scope and each level. */
static void calibration_tests_json(cJSON *cal, const vigil_calibration *c, int *bad)
{
    vigil_json_add_number(cal, "spiegelhalter_z", c->spiegelhalter_z);
    put_value(cal, row("spiegelhalter_p", bad), c->spiegelhalter_p);
    vigil_json_add_number(cal, "d", c->d);
    vigil_json_add_number(cal, "u", c->u);
    vigil_json_add_number(cal, "q", c->q);
    vigil_json_add_number(cal, "u_p", c->u_p);
    cJSON *hl = cJSON_AddObjectToObject(cal, "hosmer_lemeshow");
    vigil_json_add_number(hl, "stat", c->hl_stat);
    vigil_json_add_number(hl, "df", (double)c->hl_df);
    vigil_json_add_number(hl, "p", c->hl_p);
}

static void reliability_json(cJSON *cal, const scope *s, double level, size_t mc);

/* The scope's smooth calibration curve (val.prob's lowess) as calibration.lowess_curve:
 * [{predicted, observed}] on a fixed grid over the observed range of predicted risk. A scope
 * whose prevalence is withheld gets null: the curve's level would give its event rate away. */
static int lowess_curve_json(cJSON *cal, const scope *s)
{
    if (!s->prev_ok) {
        cJSON_AddNullToObject(cal, "lowess_curve");
        return VIGIL_OK;
    }
    double x[VM_CURVE_POINTS], fit[VM_CURVE_POINTS];
    size_t m = 0;
    int rc = vigil_stats_calib_curve_sorted(s->p, s->y, s->n, x, fit, &m);
    if (rc) return rc;
    cJSON *arr = cJSON_AddArrayToObject(cal, "lowess_curve");
    if (!arr) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    for (size_t k = 0; k < m; k++) {
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            return vigil_error_set(VIGIL_ENOMEM, "out of memory");
        }
        vigil_json_add_number(o, "predicted", x[k]);
        vigil_json_add_number(o, "observed", fit[k]);
    }
    return VIGIL_OK;
}

/* One subgroup level: every metric the overall scope has (the cell-size policy applied the
 * same way), the flat keys first (kept for scripts), then the threshold table, the whole
 * calibration block and the reliability points. */
/* A level's flat key: the catalogue row's key. */
static void level_num(cJSON *lv, const char *name, double v, int *bad)
{
    const vigil_metric_def *m = row(name, bad);
    if (m) vigil_json_add_number(lv, m->key, v);
}

static int level_json(cJSON *lv, const scope *s, size_t min_cell, double level, size_t n_thr, int *bad)
{
    cJSON_AddBoolToObject(lv, "suppressed", s->suppressed);
    if (s->suppressed) {
        cJSON_AddNullToObject(lv, "n");
        cJSON_AddStringToObject(lv, "reason", "fewer than min-cell cases (or needed to protect one)");
        const char *keys[] = {"prevalence", "auroc", "tpr", "fpr", "ppv", "selection_rate"};
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) cJSON_AddNullToObject(lv, keys[k]);
        return VIGIL_OK;
    }
    cJSON_AddNumberToObject(lv, "n", (double)s->n);
    vigil_json_add_number(lv, "prevalence", s->prev_ok ? s->n1 / (double)s->n : NAN);
    const vigil_metric_def *au = row("auroc", bad);
    if (!au) return VIGIL_OK;
    char k_lo[64], k_hi[64], k_why[64], k_how[64];
    snprintf(k_lo, sizeof k_lo, "%s_ci_low", au->key), snprintf(k_hi, sizeof k_hi, "%s_ci_high", au->key);
    snprintf(k_why, sizeof k_why, "%s_reason", au->key), snprintf(k_how, sizeof k_how, "%s_ci_method", au->key);
    vigil_json_add_number(lv, au->key, s->est[S_AUROC]);
    vigil_json_add_number(lv, k_lo, s->auroc_reason ? NAN : s->auroc.ci_low);
    vigil_json_add_number(lv, k_hi, s->auroc_reason ? NAN : s->auroc.ci_high);
    if (s->auroc_reason) cJSON_AddStringToObject(lv, k_why, s->auroc_reason);
    int ok = s->thr_ok[0];
    level_num(lv, "sensitivity", ok ? s->thr[0].tpr : NAN, bad);
    vigil_json_add_number(lv, "fpr", ok ? s->thr[0].fpr : NAN); /* levels show the FPR, not the specificity */
    level_num(lv, "ppv", ok ? s->thr[0].ppv : NAN, bad);
    level_num(lv, "npv", ok ? s->thr[0].npv : NAN, bad);
    level_num(lv, "selection_rate", ok ? s->thr[0].selection_rate : NAN, bad);
    level_num(lv, "auprc", s->auprc, bad);
    level_num(lv, "brier", s->cal.brier, bad);
    level_num(lv, "ece", s->cal.ece, bad);
    level_num(lv, "ece_equal_mass", s->cal.ece_equal_mass, bad);
    level_num(lv, "mce", s->cal.mce, bad);
    level_num(lv, "calibration_slope", s->cal.slope, bad);
    level_num(lv, "calibration_intercept", s->cal.intercept, bad);
    level_num(lv, "citl", s->cal.citl, bad);
    level_num(lv, "eavg", s->cal.eavg, bad);
    level_num(lv, "e50", s->cal.e50, bad);
    level_num(lv, "e90", s->cal.e90, bad);
    level_num(lv, "emax", s->cal.emax, bad);
    if (!s->auroc_reason) ci_how(lv, k_how, au->ci_method, s->auroc.ci_low, s->auroc.ci_high);
    cJSON *ci = cJSON_AddObjectToObject(lv, "ci"), *cm = cJSON_AddObjectToObject(lv, "ci_method");
    /* the bootstrap gives levels every CI but those of the per-level refits (slope, intercept,
     * lowess E statistics): those are left out, not shown as null */
    for (int k = 0; k < S_COUNT; k++)
        if (isfinite(s->est[k]) && isfinite(s->ci[k][0]) && isfinite(s->ci[k][1])) {
            ci_pair(ci, vigil_stats_stat_name[k], s->ci[k][0], s->ci[k][1]);
            ci_how(cm, vigil_stats_stat_name[k], s->ci_how[k], s->ci[k][0], s->ci[k][1]);
        }
    cJSON *ths = cJSON_AddArrayToObject(lv, "thresholds");
    for (size_t k = 0; k < n_thr; k++) {
        cJSON *o = cJSON_CreateObject();
        threshold_json(o, &s->thr[k], s->thr_ok[k], bad);
        cJSON_AddItemToArray(ths, o);
    }
    const vigil_calibration *c = &s->cal;
    cJSON *cal = cJSON_AddObjectToObject(lv, "calibration");
    vigil_json_add_number(cal, "brier_reliability", c->brier_reliability);
    vigil_json_add_number(cal, "brier_resolution", c->brier_resolution);
    vigil_json_add_number(cal, "brier_uncertainty", s->prev_ok ? c->brier_uncertainty : NAN); /* = prevalence(1 - prevalence) */
    calibration_tests_json(cal, c, bad);
    reliability_json(cal, s, level, min_cell);
    return lowess_curve_json(cal, s);
}

/* One partition of a scope's sorted cases into VM_BINS reliability bins. */
typedef struct {
    double lo[VM_BINS], hi[VM_BINS]; /* edges */
    double w[VM_BINS], p[VM_BINS], y[VM_BINS]; /* cases, mean score, event rate (NaN: empty) */
    size_t end[VM_BINS]; /* cases in bins 0..k: where the partition splits the sorted order */
} bins_t;

static void width_bins(const scope *s, bins_t *b)
{
    size_t i = 0;
    for (int k = 0; k < VM_BINS; k++) {
        b->lo[k] = k / (double)VM_BINS;
        b->hi[k] = (k + 1) / (double)VM_BINS;
        b->w[k] = s->bins.bin_w[k];
        b->p[k] = s->bins.bin_p[k];
        b->y[k] = s->bins.bin_y[k];
        while (i < s->n && vigil_stats_calib_bin(s->p[i]) <= k) i++;
        b->end[k] = i;
    }
}

static void quantile_bins(const scope *s, bins_t *b)
{
    double edge[VM_BINS + 1];
    vigil_stats_calib_qbins_sorted(s->p, s->y, s->n, edge, b->w, b->p, b->y, b->end);
    for (int k = 0; k < VM_BINS; k++) {
        b->lo[k] = edge[k];
        b->hi[k] = edge[k + 1];
    }
}

static double bin_events(const bins_t *b, int k) { return b->w[k] > 0 ? round(b->y[k] * b->w[k]) : 0; }

/* Complementary suppression over the bins with seg[k] == g (seg NULL: all): while the withheld
 * bins' cases, events or non-events add up to 1..min-cell-1, withhold the smallest shown bin
 * too, as for levels. 0 when no shown bin is left to withhold and the sum is still small. */
static int complement(const bins_t *b, const int *seg, int g, size_t mc, int *sup)
{
    for (;;) {
        double sn = 0, s1 = 0;
        int any = 0, best = -1;
        for (int k = 0; k < VM_BINS; k++) {
            if ((seg && seg[k] != g) || !(b->w[k] > 0)) continue;
            if (sup[k]) {
                sn += b->w[k];
                s1 += bin_events(b, k);
                any = 1;
            } else if (best < 0 || b->w[k] < b->w[best]) {
                best = k;
            }
        }
        if (!any || vigil_fairness_rate_ok(s1, sn, mc)) return 1;
        if (best < 0) return 0;
        sup[best] = 1;
    }
}

/* Each bin's own rule: with the scope's prevalence withheld, shown bins would add up to its
 * events; else a bin with 1..min-cell-1 cases, events or non-events is withheld. */
static void own_rule(const bins_t *b, int prev_ok, size_t mc, int *sup)
{
    for (int k = 0; k < VM_BINS; k++) sup[k] = !prev_ok || !vigil_fairness_rate_ok(bin_events(b, k), b->w[k], mc);
}

/* The segment of each non-empty bin of b: the cases between two splits of the sorted order that
 * the two partitions share. Any union of segments is a union of bins in both, so a number
 * withheld in one partition could be told from the other there. */
static int segments(const bins_t *b, const bins_t *other, int *seg)
{
    int g = 0;
    for (int k = 0; k < VM_BINS; k++) {
        seg[k] = g;
        if (k == VM_BINS - 1 || b->end[k] == 0 || b->end[k] == b->end[VM_BINS - 1]) continue;
        for (int j = 0; j < VM_BINS - 1; j++)
            if (other->end[j] == b->end[k]) {
                g++;
                break;
            }
    }
    return g + 1;
}

/* The equal-count bins' suppression beside the equal-width bins' (sup_w, which the document
 * has always shown): each of its own rule and complementary within every segment the two
 * partitions share, so that neither partition's withheld cells can be recovered through the
 * other's; where the equal-width bins withhold a small sum within a segment, every equal-count
 * bin is withheld. */
static void quantile_suppress(const bins_t *q, const bins_t *w, const int *sup_w, int prev_ok, size_t mc, int *sup)
{
    int segq[VM_BINS], segw[VM_BINS];
    int ng = segments(q, w, segq);
    segments(w, q, segw);
    own_rule(q, prev_ok, mc, sup);
    for (int g = 0; g < ng; g++) {
        double sn = 0, s1 = 0;
        for (int k = 0; k < VM_BINS; k++)
            if (segw[k] == g && sup_w[k] && w->w[k] > 0) {
                sn += w->w[k];
                s1 += bin_events(w, k);
            }
        if (!vigil_fairness_rate_ok(s1, sn, mc) && sn > 0) {
            for (int k = 0; k < VM_BINS; k++) sup[k] = 1;
            return;
        }
        if (!complement(q, segq, g, mc, sup))
            for (int k = 0; k < VM_BINS; k++) sup[k] |= segq[k] == g;
    }
    complement(q, NULL, 0, mc, sup);
}

static void bins_json(cJSON *arr, const bins_t *b, const int *sup, double level)
{
    for (int k = 0; k < VM_BINS; k++) {
        cJSON *o = cJSON_CreateObject();
        vigil_json_add_number(o, "bin_low", b->lo[k]);
        vigil_json_add_number(o, "bin_high", b->hi[k]);
        int shown = !sup[k] && b->w[k] > 0;
        vigil_json_add_number(o, "mean_score", shown ? b->p[k] : NAN);
        vigil_json_add_number(o, "observed", shown ? b->y[k] : NAN);
        double lo = NAN, hi = NAN;
        if (shown) vigil_metrics_wilson(bin_events(b, k), b->w[k], level, &lo, &hi);
        vigil_json_add_number(o, "ci_low", lo);
        vigil_json_add_number(o, "ci_high", hi);
        vigil_json_add_number(o, "n", sup[k] ? NAN : b->w[k]);
        cJSON_AddBoolToObject(o, "suppressed", sup[k]);
        cJSON_AddItemToArray(arr, o);
    }
}

/* calibration.reliability (ten equal-width bins) and calibration.reliability_quantile (ten
 * equal-count bins, as sklearn's calibration_curve(strategy = "quantile"): bins where the
 * patients are), the same keys in each bin. */
static void reliability_json(cJSON *cal, const scope *s, double level, size_t mc)
{
    bins_t w, q;
    int sup_w[VM_BINS], sup_q[VM_BINS];
    width_bins(s, &w);
    own_rule(&w, s->prev_ok, mc, sup_w);
    complement(&w, NULL, 0, mc, sup_w);
    bins_json(cJSON_AddArrayToObject(cal, "reliability"), &w, sup_w, level);
    quantile_bins(s, &q);
    quantile_suppress(&q, &w, sup_w, s->prev_ok, mc, sup_q);
    bins_json(cJSON_AddArrayToObject(cal, "reliability_quantile"), &q, sup_q, level);
}

cJSON *vigil_stats_report_cjson(const vigil_metrics_report *r, double seconds_load,
                                double seconds_write)
{
    if (vigil_stats_survival_only(r)) return vigil_stats_survival_only_cjson(r, seconds_load, seconds_write);
    const scope *a = &r->all;
    const vigil_calibration *c = &a->cal;
    size_t mc = r->o.min_cell;
    int bad = 0; /* a row the layout names is not in the catalogue */
    cJSON *doc = cJSON_CreateObject();
    if (!doc) return NULL;
    cJSON_AddNumberToObject(doc, "n", (double)r->n);
    vigil_json_add_number(doc, "prevalence", a->prev_ok ? a->n1 / (double)a->n : NAN);
    cJSON_AddNumberToObject(doc, "min_cell", (double)mc);
    cJSON_AddNumberToObject(doc, "level", r->o.level);

    cJSON *disc = cJSON_AddObjectToObject(doc, "discrimination");
    /* the AUROC's own interval is DeLong's (the catalogue's method); the bootstrap's beside it */
    const vigil_metric_def *m_au = row("auroc", &bad);
    cJSON *au = m_au ? parent_of(doc, m_au->json_path) : NULL;
    if (au) {
        double lo = a->auroc_reason ? NAN : a->auroc.ci_low, hi = a->auroc_reason ? NAN : a->auroc.ci_high;
        put_value(au, m_au, a->est[S_AUROC]);
        put_ci(au, m_au, lo, hi);
        vigil_json_add_number(au, "se", a->auroc_reason ? NAN : a->auroc.se);
        cJSON_AddStringToObject(au, "method", "delong");
        if (a->auroc_reason) cJSON_AddStringToObject(au, "reason", a->auroc_reason);
        else {
            ci_how(au, "ci_method", m_au->ci_method, lo, hi);
            ci_pair(au, "bootstrap_ci", a->ci[S_AUROC][0], a->ci[S_AUROC][1]);
            ci_how(au, "bootstrap_ci_method", a->ci_how[S_AUROC], a->ci[S_AUROC][0], a->ci[S_AUROC][1]);
        }
    }
    put_overall(doc, "auprc", a, &bad);
    if (r->has_test && !a->auroc_reason) {
        cJSON *dt = cJSON_AddObjectToObject(disc, "delong_test");
        cJSON_AddStringToObject(dt, "compare", r->compare_name);
        vigil_json_add_number(dt, "auroc_compare", r->test.auc2);
        vigil_json_add_number(dt, "difference", r->test.diff);
        vigil_json_add_number(dt, "se", r->test.se);
        vigil_json_add_number(dt, "z", r->test.z);
        vigil_json_add_number(dt, "p", r->test.p);
    }
    cJSON *band = vigil_stats_roc_band_cjson(r);
    if (!band) {
        cJSON_Delete(doc);
        return NULL;
    }
    cJSON_AddItemToObject(disc, "roc_band", band);
    cJSON_AddStringToObject(disc, "roc_band_method", "pointwise percentile bootstrap of the sensitivity at each "
                            "specificity, the run's replicates (as pROC ci.se, boot.stratified = FALSE)");
    cJSON *roc = cJSON_AddArrayToObject(disc, "roc_curve"), *prc = cJSON_AddArrayToObject(disc, "pr_curve");
    for (size_t i = 0; i < r->n_roc; i++) {
        cJSON *o = cJSON_CreateObject();
        vigil_json_add_number(o, "threshold", r->roc[i].thr);
        vigil_json_add_number(o, "fpr", r->roc[i].a);
        vigil_json_add_number(o, "tpr", r->roc[i].b);
        cJSON_AddItemToArray(roc, o);
    }
    for (size_t i = 0; i < r->n_pr; i++) {
        cJSON *o = cJSON_CreateObject();
        vigil_json_add_number(o, "threshold", r->pr[i].thr);
        vigil_json_add_number(o, "recall", r->pr[i].a);
        vigil_json_add_number(o, "precision", r->pr[i].b);
        cJSON_AddItemToArray(prc, o);
    }

    cJSON *cal = cJSON_AddObjectToObject(doc, "calibration");
    put_overall(doc, "brier", a, &bad);
    vigil_json_add_number(cal, "brier_reliability", c->brier_reliability);
    vigil_json_add_number(cal, "brier_resolution", c->brier_resolution);
    vigil_json_add_number(cal, "brier_uncertainty", a->prev_ok ? c->brier_uncertainty : NAN);
    static const char *const cal1[] = {"ece", "ece_equal_mass", "mce", "calibration_slope",
                                       "calibration_intercept", "citl"};
    for (size_t k = 0; k < sizeof cal1 / sizeof *cal1; k++) put_overall(doc, cal1[k], a, &bad);
    vigil_json_add_number(cal, "slope_se", c->slope_se);
    vigil_json_add_number(cal, "citl_se", c->citl_se);
    vigil_json_add_number(cal, "oe_ratio", c->oe_ratio);
    vigil_json_add_number(cal, "oe_log_se", c->oe_log_se);
    static const char *const cal2[] = {"eavg", "e50", "e90", "emax"};
    for (size_t k = 0; k < sizeof cal2 / sizeof *cal2; k++) put_overall(doc, cal2[k], a, &bad);
    calibration_tests_json(cal, c, &bad);
    /* the intervals in the engine's order of the statistics */
    cJSON *cci = cJSON_AddObjectToObject(cal, "ci"), *ccm = cJSON_AddObjectToObject(cal, "ci_method");
    static const char *const cis[] = {"brier", "ece", "ece_equal_mass", "mce", "citl", "calibration_slope",
                                      "calibration_intercept", "eavg", "e50", "e90", "emax"};
    for (size_t k = 0; k < sizeof cis / sizeof *cis; k++) {
        const vigil_metric_def *m = row(cis[k], &bad);
        mval x = m ? overall_stat(m, a) : (mval){NAN, NAN, NAN, NULL};
        put_ci_map(cci, ccm, m, &x);
    }
    reliability_json(cal, a, r->o.level, mc);
    int err = lowess_curve_json(cal, a);

    const vigil_metric_def *m_sens = row("sensitivity", &bad);
    cJSON *th = m_sens ? parent_of(doc, m_sens->json_path) : NULL;
    if (th) threshold_json(th, &a->thr[0], a->thr_ok[0], &bad);
    cJSON *ths = cJSON_AddArrayToObject(doc, "thresholds");
    for (size_t k = 0; k < r->o.n_thresholds; k++) {
        cJSON *o = cJSON_CreateObject();
        threshold_json(o, &a->thr[k], a->thr_ok[k], &bad);
        cJSON_AddItemToArray(ths, o);
    }
    cJSON *nb = cJSON_AddObjectToObject(doc, "net_benefit");
    cJSON *nt = cJSON_AddArrayToObject(nb, "thresholds"), *nm = cJSON_AddArrayToObject(nb, "model"),
          *na = cJSON_AddArrayToObject(nb, "treat_all"), *nn = cJSON_AddArrayToObject(nb, "treat_none");
    for (int k = 0; k < NB_GRID; k++) {
        cJSON_AddItemToArray(nt, cJSON_CreateNumber(r->nb_t[k]));
        cJSON_AddItemToArray(nm, isfinite(r->nb_model[k]) ? cJSON_CreateNumber(r->nb_model[k]) : cJSON_CreateNull());
        cJSON_AddItemToArray(na, a->prev_ok ? cJSON_CreateNumber(r->nb_all[k]) : cJSON_CreateNull());
        cJSON_AddItemToArray(nn, cJSON_CreateNumber(0));
    }

    vigil_stats_human_json(doc, r);

    cJSON *sg = cJSON_AddObjectToObject(doc, "subgroups");
    for (size_t gi = 0; gi < r->ng; gi++) {
        const group *g = &r->g[gi];
        cJSON *go = cJSON_AddObjectToObject(sg, g->name), *lv = cJSON_AddObjectToObject(go, "levels");
        for (size_t l = 0; l < g->n_levels && !err; l++)
            err = level_json(cJSON_AddObjectToObject(lv, g->lv[l].name), &g->lv[l], mc, r->o.level, r->o.n_thresholds,
                             &bad);
        cJSON *dp = cJSON_AddObjectToObject(go, "disparities"), *dci = cJSON_CreateObject(), *dcm = cJSON_CreateObject();
        cJSON *why = cJSON_CreateObject();
        for (int k = 0; k < D_COUNT; k++) {
            vigil_json_add_number(dp, vigil_stats_disparity_name[k], g->dest[k]);
            if (isfinite(g->dest[k])) {
                ci_pair(dci, vigil_stats_disparity_name[k], g->dci[k][0], g->dci[k][1]);
                ci_how(dcm, vigil_stats_disparity_name[k], g->dci_how[k], g->dci[k][0], g->dci[k][1]);
            }
            else if (g->dmiss[k] >= 0) {
                char b[300];
                snprintf(b, sizeof b, "level '%s' %s: a gap over the other levels would leave it out",
                         g->lv[g->dmiss[k]].name,
                         g->dmiss_withheld[k] ? "is withheld (cell-size policy)" : "has no value");
                cJSON_AddStringToObject(why, vigil_stats_disparity_name[k], b);
            }
        }
        cJSON_AddItemToObject(dp, "ci", dci);
        cJSON_AddItemToObject(dp, "ci_method", dcm);
        if (cJSON_GetArraySize(why)) cJSON_AddItemToObject(dp, "not_given", why);
        else cJSON_Delete(why);
    }
    vigil_stats_survival_json(doc, r);
    cJSON *bs = cJSON_AddObjectToObject(doc, "bootstrap");
    cJSON_AddNumberToObject(bs, "replicates", (double)r->o.bootstrap);
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->o.seed);
    cJSON_AddNumberToObject(bs, "seed", (double)r->o.seed);
    cJSON_AddStringToObject(bs, "seed_text", seed);
    cJSON_AddStringToObject(bs, "method", "BCa (bias-corrected and accelerated), case resampling counts");
    cJSON_AddStringToObject(bs, "acceleration", "delete-a-group jackknife");
    cJSON_AddNumberToObject(bs, "jackknife_groups", (double)r->jack_groups);
    cJSON_AddNumberToObject(bs, "intervals_bca", (double)r->ci_bca);
    /* BCa is not defined where the estimate lies outside every replicate: those intervals are
     * the percentile interval, and their count says how many */
    cJSON_AddNumberToObject(bs, "intervals_percentile", (double)r->ci_percentile);
    cJSON_AddBoolToObject(bs, "lowess", r->boot_lowess && r->o.bootstrap > 0);
    if (r->o.bootstrap > 0) cJSON_AddStringToObject(bs, "backend", vigil_backend_name(r->boot_backend));
    cJSON *sec = cJSON_AddObjectToObject(doc, "seconds");
    vigil_json_add_number(sec, "load", seconds_load);
    vigil_json_add_number(sec, "compute", r->seconds);
    vigil_json_add_number(sec, "write", seconds_write);
    catalogue_rest(doc, a);
    if (bad) err = vigil_error_set(VIGIL_EINTERNAL, "the metrics document names a metric the catalogue lacks");
    if (err) { /* out of memory: the caller reports a document it could not write */
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}

char *vigil_metrics_report_json(const vigil_metrics_report *r, double seconds_load,
                                double seconds_write)
{
    cJSON *doc = vigil_stats_report_cjson(r, seconds_load, seconds_write);
    char *s = doc ? cJSON_PrintBuffered(doc, 1 << 16, 1) : NULL;
    cJSON_Delete(doc);
    return s;
}
