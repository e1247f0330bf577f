/* Site bundles and their random-effects pooling: see include/vigil/site.h. */
#include "vigil/site.h"
#include "run/site_internal.h"

#include "core/json.h"
#include "core/util.h"
#include "vigil/error.h"
#include "vigil/fairness.h"
#include "vigil/metrics.h"
#include "vigil/version.h"

#include <cjson/cJSON.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUNDLE_FORMAT "vigil-site-bundle"
#define BUNDLE_VERSION 1

/* The measures, their source in a stored metrics document, and how they are pooled. The
 * definitions text is hashed into every bundle: a bundle whose hash differs was computed
 * with other definitions and cannot be pooled with these. */
typedef enum { SC_IDENTITY = 0, SC_LOGIT, SC_LOG } scale;
typedef struct {
    const char *name, *value, *se, *scale_name;
    scale sc;
} measure;
static const measure k_measures[] = {
    {"auroc", "discrimination.auroc.value", "discrimination.auroc.se", "logit", SC_LOGIT},
    {"calibration_slope", "calibration.slope", "calibration.slope_se", "identity", SC_IDENTITY},
    {"citl", "calibration.citl", "calibration.citl_se", "identity", SC_IDENTITY},
    {"oe_ratio", "calibration.oe_ratio", "calibration.oe_log_se", "log", SC_LOG},
};
#define N_MEASURES (sizeof k_measures / sizeof k_measures[0])
static const char k_definitions[] =
    "auroc: Mann-Whitney AUROC, DeLong variance, pooled as logit(AUROC) with var/(A(1-A))^2; "
    "calibration_slope: b in logit P(y) = a + b logit(p), Wald SE; "
    "citl: a in logit P(y) = a + logit(p), Wald SE; "
    "oe_ratio: sum(y)/sum(p), pooled as log(O/E) with variance 1/O - 1/N; "
    "random effects: DerSimonian-Laird, 95% CI and prediction interval with the normal quantile";

static void definitions_sha(char out[65]) { vigil_sha256_hex(k_definitions, strlen(k_definitions), out); }

/* ---- the mergeable summaries ----
 *
 * Beside the measures a bundle carries counts that add up across sites: the ten equal-width
 * reliability bins (cases, events, sum of predicted risks) and the confusion counts at each
 * threshold, taken from the run's document with the document's own cell-size suppression
 * (each bin's cases, events and non-events, complementary; each threshold's table), a withheld
 * cell is null. Summed over sites they are exactly what one run over all the sites' cases
 * gives (tests/cli/test_pool.sh); withheld at any site, a pooled cell is withheld too. */
#define SUMMARY_BINS 10
#define SUMMARY_METHOD "summed over the sites (each site's counts cell-size suppressed at the site): the pooled cohort's " \
                       "reliability bins and confusion counts, as one run over every site's cases would give them; " \
                       "they do not allow for between-site heterogeneity as the random-effects measures do"

static void export_summaries(cJSON *b, const cJSON *m, double n, double prev)
{
    cJSON *sm = cJSON_AddObjectToObject(b, "summaries");
    cJSON *bins = cJSON_AddObjectToObject(sm, "calibration_bins");
    cJSON_AddStringToObject(bins, "bins", "the 10 equal-width reliability bins of vigil metrics (calibration.reliability)");
    cJSON *bn = cJSON_AddArrayToObject(bins, "n"), *be = cJSON_AddArrayToObject(bins, "events"),
          *bs = cJSON_AddArrayToObject(bins, "sum_score");
    const cJSON *rel = vigil_json_get(m, "calibration.reliability");
    for (int k = 0; k < SUMMARY_BINS; k++) {
        const cJSON *o = cJSON_IsArray(rel) && cJSON_GetArraySize(rel) == SUMMARY_BINS ? cJSON_GetArrayItem(rel, k) : NULL;
        double c = vigil_json_get_number(o, "n"), obs = vigil_json_get_number(o, "observed"),
               ms = vigil_json_get_number(o, "mean_score"), e = NAN, s = NAN;
        if (!o || cJSON_IsTrue(cJSON_GetObjectItem(o, "suppressed")) || !isfinite(c)) c = NAN;
        else if (c == 0) e = s = 0;
        else if (isfinite(obs) && isfinite(ms)) e = round(obs * c), s = ms * c;
        else c = NAN;
        cJSON_AddItemToArray(bn, isfinite(c) ? cJSON_CreateNumber(c) : cJSON_CreateNull());
        cJSON_AddItemToArray(be, isfinite(e) ? cJSON_CreateNumber(e) : cJSON_CreateNull());
        cJSON_AddItemToArray(bs, isfinite(s) ? cJSON_CreateNumber(s) : cJSON_CreateNull());
    }
    cJSON *th = cJSON_AddArrayToObject(sm, "thresholds");
    double P = isfinite(prev) && isfinite(n) ? round(prev * n) : NAN, N = n - P;
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItem(m, "thresholds"))
    {
        double v = vigil_json_get_number(t, "value"), tpr = vigil_json_get_number(t, "tpr"),
               fpr = vigil_json_get_number(t, "fpr");
        if (!isfinite(v)) continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "threshold", v);
        int shown = !cJSON_IsTrue(cJSON_GetObjectItem(t, "suppressed")) && isfinite(tpr) && isfinite(fpr) &&
                    isfinite(P) && P > 0 && N > 0;
        double tp = shown ? round(tpr * P) : NAN, fp = shown ? round(fpr * N) : NAN;
        vigil_json_add_number(o, "tp", tp);
        vigil_json_add_number(o, "fp", fp);
        vigil_json_add_number(o, "fn", P - tp);
        vigil_json_add_number(o, "tn", N - fp);
        cJSON_AddItemToArray(th, o);
    }
}

/* A bundle's summaries as export_summaries writes them, or why not: every count null or a whole
 * number >= 0, a bin's events and summed risk at most its cases, a threshold in [0, 1]. A bundle
 * without summaries passes (its cells are then withheld in the pool). */
static const char *summaries_bad(const cJSON *b)
{
    const cJSON *sm = cJSON_GetObjectItem(b, "summaries");
    if (!sm) return NULL;
    const cJSON *cb = cJSON_GetObjectItem(sm, "calibration_bins"), *v[3];
    static const char *const keys[3] = {"n", "events", "sum_score"};
    for (int q = 0; q < 3; q++)
        if (!cJSON_IsArray(v[q] = cJSON_GetObjectItem(cb, keys[q])) || cJSON_GetArraySize(v[q]) != SUMMARY_BINS)
            return "summaries.calibration_bins: not 10 bins of n, events and sum_score";
    for (int k = 0; k < SUMMARY_BINS; k++) {
        double x[3];
        for (int q = 0; q < 3; q++) {
            const cJSON *e = cJSON_GetArrayItem(v[q], k);
            if (cJSON_IsNull(e)) x[q] = NAN;
            else if (!cJSON_IsNumber(e) || !(e->valuedouble >= 0) || (q < 2 && e->valuedouble != floor(e->valuedouble)))
                return "summaries.calibration_bins: a count that is not a whole number >= 0";
            else x[q] = e->valuedouble;
        }
        if (x[1] > x[0] || x[2] > x[0]) return "summaries.calibration_bins: a bin's events or summed risk exceed its cases";
    }
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItem(sm, "thresholds"))
    {
        double th = vigil_json_get_number(t, "threshold");
        if (!(th >= 0 && th <= 1)) return "summaries.thresholds: a threshold outside [0, 1]";
        for (const char *const *c = (const char *const[]){"tp", "fp", "fn", "tn", NULL}; *c; c++) {
            const cJSON *e = cJSON_GetObjectItem(t, *c);
            if (!cJSON_IsNull(e) && !(cJSON_IsNumber(e) && e->valuedouble >= 0 && e->valuedouble == floor(e->valuedouble)))
                return "summaries.thresholds: a confusion count that is not a whole number >= 0";
        }
    }
    return NULL;
}

/* The pooled summaries of the n bundles b (their site names for what is withheld where). */
static void pool_summaries(cJSON *out, cJSON *const *b, size_t n)
{
    cJSON *ps = cJSON_AddObjectToObject(out, "summaries");
    cJSON_AddStringToObject(ps, "method", SUMMARY_METHOD);
    cJSON *bins = cJSON_AddArrayToObject(ps, "calibration_bins");
    for (int k = 0; k < SUMMARY_BINS; k++) {
        double c = 0, e = 0, s = 0;
        cJSON *o = cJSON_CreateObject(), *wh = cJSON_CreateArray();
        for (size_t i = 0; i < n; i++) {
            const cJSON *cb = vigil_json_get(b[i], "summaries.calibration_bins");
            const cJSON *ci = cJSON_GetArrayItem(cJSON_GetObjectItem(cb, "n"), k),
                        *ei = cJSON_GetArrayItem(cJSON_GetObjectItem(cb, "events"), k),
                        *si = cJSON_GetArrayItem(cJSON_GetObjectItem(cb, "sum_score"), k);
            if (!cJSON_IsNumber(ci) || !cJSON_IsNumber(ei) || !cJSON_IsNumber(si))
                cJSON_AddItemToArray(wh, cJSON_CreateString(vigil_json_get_string(b[i], "site")));
            else c += ci->valuedouble, e += ei->valuedouble, s += si->valuedouble;
        }
        int shown = cJSON_GetArraySize(wh) == 0;
        cJSON_AddNumberToObject(o, "bin_low", k / (double)SUMMARY_BINS);
        cJSON_AddNumberToObject(o, "bin_high", (k + 1) / (double)SUMMARY_BINS);
        vigil_json_add_number(o, "n", shown ? c : NAN);
        vigil_json_add_number(o, "events", shown ? e : NAN);
        vigil_json_add_number(o, "mean_score", shown && c > 0 ? s / c : NAN);
        vigil_json_add_number(o, "observed", shown && c > 0 ? e / c : NAN);
        double lo = NAN, hi = NAN;
        if (shown && c > 0) vigil_metrics_wilson(e, c, 0.95, &lo, &hi);
        vigil_json_add_number(o, "ci_low", lo);
        vigil_json_add_number(o, "ci_high", hi);
        if (shown) cJSON_Delete(wh);
        else cJSON_AddItemToObject(o, "withheld_at", wh);
        cJSON_AddItemToArray(bins, o);
    }
    /* the thresholds every bundle has */
    cJSON *th = cJSON_AddArrayToObject(ps, "thresholds");
    const cJSON *t0;
    cJSON_ArrayForEach(t0, vigil_json_get(b[0], "summaries.thresholds"))
    {
        double v = vigil_json_get_number(t0, "threshold"), cnt[4] = {0, 0, 0, 0};
        static const char *const cells[4] = {"tp", "fp", "fn", "tn"};
        cJSON *o = cJSON_CreateObject(), *wh = cJSON_CreateArray();
        size_t have = 0;
        for (size_t i = 0; i < n; i++) {
            const cJSON *ti, *hit = NULL;
            cJSON_ArrayForEach(ti, vigil_json_get(b[i], "summaries.thresholds"))
                if (vigil_json_get_number(ti, "threshold") == v) hit = ti;
            if (!hit) continue;
            have++;
            int ok = 1;
            for (int c = 0; c < 4; c++) ok &= cJSON_IsNumber(cJSON_GetObjectItem(hit, cells[c]));
            if (!ok) cJSON_AddItemToArray(wh, cJSON_CreateString(vigil_json_get_string(b[i], "site")));
            else
                for (int c = 0; c < 4; c++) cnt[c] += vigil_json_get_number(hit, cells[c]);
        }
        if (have < n) { /* not every site reported this threshold: nothing to pool */
            cJSON_Delete(o), cJSON_Delete(wh);
            continue;
        }
        int shown = cJSON_GetArraySize(wh) == 0;
        cJSON_AddNumberToObject(o, "threshold", v);
        for (int c = 0; c < 4; c++) vigil_json_add_number(o, cells[c], shown ? cnt[c] : NAN);
        static const char *const rates[4] = {"sensitivity", "specificity", "ppv", "npv"};
        const double k4[4] = {cnt[0], cnt[3], cnt[0], cnt[3]},
                     n4[4] = {cnt[0] + cnt[2], cnt[1] + cnt[3], cnt[0] + cnt[1], cnt[2] + cnt[3]};
        for (int r = 0; r < 4; r++) {
            cJSON *q = cJSON_AddObjectToObject(o, rates[r]);
            double lo = NAN, hi = NAN;
            int ok = shown && n4[r] > 0;
            if (ok) vigil_metrics_wilson(k4[r], n4[r], 0.95, &lo, &hi);
            vigil_json_add_number(q, "value", ok ? k4[r] / n4[r] : NAN);
            vigil_json_add_number(q, "ci_low", lo);
            vigil_json_add_number(q, "ci_high", hi);
        }
        if (shown) cJSON_Delete(wh);
        else cJSON_AddItemToObject(o, "withheld_at", wh);
        cJSON_AddItemToArray(th, o);
    }
}

/* ---- export ---- */

int vigil_site_export(vigil_store *s, int64_t run_id, const char *site, char **json)
{
    *json = NULL;
    if (!site || !*site) return vigil_error_set(VIGIL_EINVAL, "site export: name the site (--site NAME)");
    vigil_run_info run;
    int rc = vigil_store_get_run(s, run_id, &run);
    if (rc) return vigil_error_set(VIGIL_EINVAL, "no run %lld in the store", (long long)run_id);
    char *text = NULL;
    cJSON *res = NULL, *b = NULL;
    vigil_run_file_info *files = NULL;
    size_t nf = 0;
    if (!run.status || strcmp(run.status, "completed") != 0) {
        rc = vigil_error_set(VIGIL_EINVAL, "run %lld is %s: only a completed run is exported", (long long)run_id,
                             run.status ? run.status : "?");
        goto done;
    }
    if (strcmp(run.kind, "metrics") != 0 && strcmp(run.kind, "suite") != 0) {
        rc = vigil_error_set(VIGIL_EINVAL, "run %lld is a '%s' run: a site bundle is made from a 'metrics' or 'suite' run",
                             (long long)run_id, run.kind);
        goto done;
    }
    if ((rc = vigil_store_get_document(s, run_id, "result", &text)) != 0) goto done;
    res = cJSON_Parse(text);
    const cJSON *m = res && strcmp(run.kind, "suite") == 0 ? vigil_json_get(res, "metrics.candidate") : res;
    if (!cJSON_IsObject(m) || !vigil_json_get(m, "discrimination")) {
        rc = vigil_error_set(VIGIL_EINVAL, "run %lld has no binary metrics (a 0/1 label) to export", (long long)run_id);
        goto done;
    }
    if ((rc = vigil_store_get_files(s, run_id, &files, &nf)) != 0) goto done;
    const char *data_sha = NULL;
    for (size_t i = 0; i < nf; i++)
        if (strcmp(files[i].role, "data") == 0) data_sha = files[i].sha256;
    double n = vigil_json_get_number(m, "n"), prev = vigil_json_get_number(m, "prevalence");
    double mc = vigil_json_get_number(m, "min_cell");
    size_t min_cell = isfinite(mc) && mc >= 11 ? (size_t)mc : 11;
    double events = isfinite(prev) && isfinite(n) ? round(prev * n) : NAN;
    char defs[65];
    definitions_sha(defs);
    b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "format", BUNDLE_FORMAT);
    cJSON_AddNumberToObject(b, "format_version", BUNDLE_VERSION);
    cJSON_AddStringToObject(b, "vigil_version", vigil_version());
    cJSON_AddStringToObject(b, "definitions_sha256", defs);
    cJSON_AddStringToObject(b, "site", site);
    cJSON_AddNumberToObject(b, "run_id", (double)run_id);
    cJSON_AddStringToObject(b, "run_kind", run.kind);
    if (data_sha) cJSON_AddStringToObject(b, "data_sha256", data_sha);
    else cJSON_AddNullToObject(b, "data_sha256");
    vigil_json_add_number(b, "n", vigil_fairness_count_ok(n, min_cell) ? n : NAN);
    vigil_json_add_number(b, "events", vigil_fairness_count_ok(events, min_cell) &&
                                            vigil_fairness_count_ok(n - events, min_cell) ? events : NAN);
    cJSON *ms = cJSON_AddObjectToObject(b, "measures");
    for (size_t k = 0; k < N_MEASURES; k++) {
        const measure *q = &k_measures[k];
        double v = vigil_json_get_number(m, q->value), se = vigil_json_get_number(m, q->se), yi = NAN, vi = NAN;
        if (isfinite(v) && isfinite(se) && se > 0) {
            if (q->sc == SC_LOGIT && v > 0 && v < 1) yi = log(v / (1 - v)), vi = se * se / (v * (1 - v) * v * (1 - v));
            else if (q->sc == SC_LOG && v > 0) yi = log(v), vi = se * se;
            else if (q->sc == SC_IDENTITY) yi = v, vi = se * se;
        }
        cJSON *o = cJSON_AddObjectToObject(ms, q->name);
        vigil_json_add_number(o, "value", v);
        cJSON_AddStringToObject(o, "scale", q->scale_name);
        vigil_json_add_number(o, "yi", yi);
        vigil_json_add_number(o, "vi", vi);
    }
    export_summaries(b, m, n, prev);
    if (!(*json = cJSON_Print(b))) rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
done:
    vigil_run_info_clear(&run);
    vigil_run_file_info_free(files, nf);
    free(text);
    cJSON_Delete(res), cJSON_Delete(b);
    return rc;
}

/* ---- pooling ---- */

static double back(scale sc, double x)
{
    return sc == SC_LOGIT ? 1 / (1 + exp(-x)) : sc == SC_LOG ? exp(x) : x;
}

typedef struct {
    double mu, se, tau2, i2, q, ci[2], pi[2];
    size_t k;
} dl_fit;

/* DerSimonian-Laird on (y, v), as metafor::rma(method = "DL"); I^2 = tau^2 / (tau^2 + s^2)
 * with metafor's typical within-study variance s^2. */
static void dersimonian_laird(const double *y, const double *v, size_t k, dl_fit *f)
{
    double sw = 0, sw2 = 0, swy = 0;
    for (size_t i = 0; i < k; i++) sw += 1 / v[i], sw2 += 1 / (v[i] * v[i]), swy += y[i] / v[i];
    double mu_fe = swy / sw, q = 0;
    for (size_t i = 0; i < k; i++) q += (y[i] - mu_fe) * (y[i] - mu_fe) / v[i];
    double df = (double)k - 1, c = sw - sw2 / sw, tau2 = c > 0 ? (q - df) / c : 0;
    if (!(tau2 > 0)) tau2 = 0;
    double sws = 0, swsy = 0;
    for (size_t i = 0; i < k; i++) sws += 1 / (v[i] + tau2), swsy += y[i] / (v[i] + tau2);
    double s2 = df * sw / (sw * sw - sw2), z = gsl_cdf_ugaussian_Pinv(0.975);
    f->k = k, f->q = q, f->tau2 = tau2, f->mu = swsy / sws, f->se = sqrt(1 / sws);
    f->i2 = 100 * tau2 / (tau2 + s2);
    f->ci[0] = f->mu - z * f->se, f->ci[1] = f->mu + z * f->se;
    double sp = sqrt(f->se * f->se + tau2);
    f->pi[0] = f->mu - z * sp, f->pi[1] = f->mu + z * sp;
}

int vigil_site_pool(const char *const *texts, const char *const *files, size_t n, char **json)
{
    *json = NULL;
    cJSON *doc = NULL;
    int rc = vigil_site_pool_cjson(texts, files, n, &doc);
    if (!rc && !(*json = cJSON_Print(doc))) rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
    cJSON_Delete(doc);
    return rc;
}

int vigil_site_pool_cjson(const char *const *texts, const char *const *files, size_t n, cJSON **doc)
{
    *doc = NULL;
    if (n < 2) return vigil_error_set(VIGIL_EINVAL, "pool: give two or more site bundles (got %zu)", n);
    cJSON **b = calloc(n, sizeof *b), *out = NULL;
    double *y = malloc(n * sizeof *y), *v = malloc(n * sizeof *v);
    size_t *who = malloc(n * sizeof *who);
    int rc = VIGIL_OK;
    char defs[65];
    definitions_sha(defs);
    if (!b || !y || !v || !who) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        b[i] = cJSON_Parse(texts[i]);
        const char *fmt = b[i] ? vigil_json_get_string(b[i], "format") : NULL;
        const char *ver = b[i] ? vigil_json_get_string(b[i], "vigil_version") : NULL;
        const char *ds = b[i] ? vigil_json_get_string(b[i], "definitions_sha256") : NULL;
        const char *site = b[i] ? vigil_json_get_string(b[i], "site") : NULL;
        if (!fmt || strcmp(fmt, BUNDLE_FORMAT) != 0 || !site || !cJSON_IsObject(cJSON_GetObjectItem(b[i], "measures")))
            rc = vigil_error_set(VIGIL_EINVAL, "%s: not a vigil site bundle (vigil site export writes them)", files[i]);
        else if (!ver || strcmp(ver, vigil_version()) != 0)
            rc = vigil_error_set(VIGIL_EINVAL, "%s: written by vigil %s, this is vigil %s: re-export it with this version "
                                 "so that every site's numbers have one definition", files[i], ver ? ver : "?",
                                 vigil_version());
        else if (!ds || strcmp(ds, defs) != 0)
            rc = vigil_error_set(VIGIL_EINVAL, "%s: its metric definitions (SHA-256 %.16s...) are not this vigil's (%.16s...): "
                                 "the bundles cannot be pooled", files[i], ds ? ds : "?", defs);
        else if (summaries_bad(b[i]))
            rc = vigil_error_set(VIGIL_EINVAL, "%s: %s (is the bundle as vigil site export wrote it?)", files[i],
                                 summaries_bad(b[i]));
        for (size_t j = 0; j < i && !rc; j++) {
            const char *d1 = vigil_json_get_string(b[i], "data_sha256"), *d2 = vigil_json_get_string(b[j], "data_sha256");
            if (strcmp(site, vigil_json_get_string(b[j], "site")) == 0 && d1 && d2 && strcmp(d1, d2) == 0)
                rc = vigil_error_set(VIGIL_EINVAL, "%s and %s: the same site ('%s') and the same data (SHA-256 %.16s...) "
                                     "twice: pool each site once", files[j], files[i], site, d1);
        }
    }
    if (rc) goto done;
    out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "method", "DerSimonian-Laird random effects (as metafor::rma(method = \"DL\")), "
                                           "95% CI and prediction interval with the normal quantile, back-transformed");
    cJSON_AddNumberToObject(out, "sites", (double)n);
    cJSON *pooled = cJSON_AddObjectToObject(out, "pooled");
    for (size_t k = 0; k < N_MEASURES; k++) {
        const measure *q = &k_measures[k];
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            const cJSON *o = cJSON_GetObjectItem(cJSON_GetObjectItem(b[i], "measures"), q->name);
            double yi = vigil_json_get_number(o, "yi"), vi = vigil_json_get_number(o, "vi");
            if (isfinite(yi) && isfinite(vi) && vi > 0) y[m] = yi, v[m] = vi, who[m++] = i;
        }
        cJSON *o = cJSON_AddObjectToObject(pooled, q->name);
        cJSON_AddStringToObject(o, "scale", q->scale_name);
        cJSON_AddNumberToObject(o, "k", (double)m);
        if (m < 2) {
            cJSON_AddNullToObject(o, "value");
            cJSON_AddStringToObject(o, "reason", "fewer than two sites give it with a variance");
            continue;
        }
        dl_fit f;
        dersimonian_laird(y, v, m, &f);
        vigil_json_add_number(o, "value", back(q->sc, f.mu));
        vigil_json_add_number(o, "ci_low", back(q->sc, f.ci[0]));
        vigil_json_add_number(o, "ci_high", back(q->sc, f.ci[1]));
        vigil_json_add_number(o, "pi_low", back(q->sc, f.pi[0]));
        vigil_json_add_number(o, "pi_high", back(q->sc, f.pi[1]));
        vigil_json_add_number(o, "tau2", f.tau2);
        vigil_json_add_number(o, "i2", f.i2);
        vigil_json_add_number(o, "q", f.q);
        vigil_json_add_number(o, "estimate", f.mu);
        vigil_json_add_number(o, "se", f.se);
        /* each site as metafor's forest() draws it: its 95% CI on the analysis scale,
         * back-transformed, and its random-effects weight in percent (weights()) */
        double z = gsl_cdf_ugaussian_Pinv(0.975), sws = 0;
        for (size_t j = 0; j < m; j++) sws += 1 / (v[j] + f.tau2);
        cJSON *ss = cJSON_AddObjectToObject(o, "sites");
        for (size_t j = 0; j < m; j++) {
            const cJSON *bj = b[who[j]];
            cJSON *one = cJSON_AddObjectToObject(ss, vigil_json_get_string(bj, "site"));
            vigil_json_add_number(one, "value", back(q->sc, y[j]));
            vigil_json_add_number(one, "ci_low", back(q->sc, y[j] - z * sqrt(v[j])));
            vigil_json_add_number(one, "ci_high", back(q->sc, y[j] + z * sqrt(v[j])));
            vigil_json_add_number(one, "weight", 100 / (v[j] + f.tau2) / sws);
            for (const char *const *c = (const char *const[]){"n", "events", NULL}; *c; c++)
                if (cJSON_IsNumber(cJSON_GetObjectItem(bj, *c))) vigil_json_add_number(one, *c, vigil_json_get_number(bj, *c));
            cJSON_AddBoolToObject(one, "inside_prediction_interval", y[j] >= f.pi[0] && y[j] <= f.pi[1]);
        }
    }
    pool_summaries(out, b, n);
    *doc = out, out = NULL;
done:
    for (size_t i = 0; b && i < n; i++) cJSON_Delete(b[i]);
    free(b), free(y), free(v), free(who);
    cJSON_Delete(out);
    return rc;
}
