/* Monitor drift tests through the drift engine (include/vigil/drift.h), with the reference
 * statistics cached in the run store.
 *
 * The two windows become two small tables holding the monitored features and, with
 * prediction drift, the model's score as the column "(prediction)"; the engine tests every
 * column, corrects across all of them (Holm or BH) and applies the effect floors. The
 * reference statistics (vigil_drift_reference_build) are serialised into the store's cache,
 * keyed by the SHA-256 of the reference values and the options that shape them, so the next
 * night's run with the same reference window skips rebuilding them. A separate reference
 * file (vigil_mon_ref_file_keyed) is keyed by its bytes instead, so that a hit skips parsing
 * it too (window_select.c looks the key up before loading). The document shape is the
 * one in monitors/README.md. */
#include "monitor/monitor_engine.h"
#include "core/util.h"
#include "stats/drift_internal.h"
#include "vigil/drift.h"
#include "vigil/error.h"
#include "vigil/version.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREDICTION "(prediction)"

/* Copy the monitored columns (and the prediction) of `src` into a new table. */
static int view(const vigil_monitor *m, const vigil_table *src, const double *score, vigil_table **out)
{
    size_t n = vigil_table_nrows(src);
    vigil_table *t = NULL;
    int rc = vigil_table_new(&t, n, vigil_table_source(src));
    for (size_t i = 0; !rc && i < m->data.n_features; i++) {
        const char *name = m->data.features[i];
        int col = vigil_table_require(src, name, "feature");
        if (col < 0) {
            rc = col;
            break;
        }
        const double *x = vigil_table_numeric(src, (size_t)col);
        if (x) {
            rc = vigil_table_add_numeric(t, name, x);
            continue;
        }
        size_t nl = vigil_table_n_levels(src, (size_t)col);
        const char **lv = malloc((nl ? nl : 1) * sizeof *lv);
        if (!lv) {
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            break;
        }
        for (size_t l = 0; l < nl; l++) lv[l] = vigil_table_level(src, (size_t)col, l);
        rc = vigil_table_add_categorical(t, name, vigil_table_codes(src, (size_t)col), lv, nl);
        free(lv);
    }
    if (!rc && m->prediction_drift && score) rc = vigil_table_add_numeric(t, PREDICTION, score);
    if (rc) {
        vigil_table_free(t);
        return rc;
    }
    *out = t;
    return VIGIL_OK;
}

/* SHA-256 of the reference table's values (in row order) and the options that shape the
 * reference statistics. */
static int cache_key(const vigil_table *t, const vigil_drift_options *o, char out[80])
{
    char opt[96], hex[65];
    vigil_sha256 *h = vigil_sha256_new();
    if (!h) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    int k = snprintf(opt, sizeof opt, "vigil-drift-reference 2 bins=%zu", o->psi_bins);
    vigil_sha256_add(h, opt, (size_t)k + 1);
    size_t n = vigil_table_nrows(t);
    for (size_t c = 0; c < vigil_table_ncols(t); c++) {
        const char *name = vigil_table_col_name(t, c);
        vigil_sha256_add(h, name, strlen(name) + 1);
        const double *x = vigil_table_numeric(t, c);
        if (x) {
            vigil_sha256_add(h, "N", 1);
            vigil_sha256_add(h, x, n * sizeof *x);
            continue;
        }
        vigil_sha256_add(h, "C", 1);
        const int32_t *cd = vigil_table_codes(t, c);
        for (size_t i = 0; i < n; i++) {
            const char *s = cd[i] < 0 ? "\001" : vigil_table_level(t, c, (size_t)cd[i]);
            vigil_sha256_add(h, s, strlen(s) + 1);
        }
    }
    vigil_sha256_final(h, hex);
    vigil_sha256_free(h);
    snprintf(out, 80, "monitor-ref:%s", hex);
    return VIGIL_OK;
}

int vigil_mon_ref_file_keyed(const vigil_monitor *m)
{
    return m->ref_path && !m->model_path && !m->label_drift && !m->cbpe && !m->data.decision;
}

size_t vigil_mon_ref_rows(const mon_data *d) { return d->ref ? vigil_table_nrows(d->ref) : d->ref_rows; }

int vigil_mon_ref_file_key(const vigil_monitor *m, const char *sha, uint64_t bytes, char out[80])
{
    char head[256], hex[65];
    vigil_sha256 *h = vigil_sha256_new();
    if (!h) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    /* the version tag: bump it when what the statistics are built from or how changes */
    int k = snprintf(head, sizeof head, "vigil-monitor-reference-file 1 %s VDRF1 bins=%zu min_n=1\n%s %llu\n",
                     VIGIL_VERSION_STRING, m->psi_bins, sha, (unsigned long long)bytes);
    vigil_sha256_add(h, head, (size_t)k);
    k = snprintf(head, sizeof head, "window %d %d %.17g %.17g\n", (int)m->ref_w.set, (int)m->ref_w.is_date,
                 m->ref_w.set ? m->ref_w.from : 0.0, m->ref_w.set ? m->ref_w.to : 0.0);
    vigil_sha256_add(h, head, (size_t)k);
    size_t tl = m->text ? strlen(m->text) : 0;
    k = snprintf(head, sizeof head, "monitor %zu:", tl);
    vigil_sha256_add(h, head, (size_t)k);
    if (tl) vigil_sha256_add(h, m->text, tl);
    vigil_sha256_final(h, hex);
    vigil_sha256_free(h);
    snprintf(out, 80, "monitor-ref:%s", hex);
    return VIGIL_OK;
}

#define REF_MAGIC "VMRF1"

typedef struct {
    vigil_drift_reference *ref;
    uint64_t rows;
} ref_entry;

static int read_entry(void *ctx, const void *blob, size_t n)
{
    ref_entry *e = ctx;
    if (n < 14 || memcmp(blob, REF_MAGIC, 6) != 0)
        return vigil_error_set(VIGIL_EINVAL, "monitor reference cache: not a reference file entry");
    memcpy(&e->rows, (const char *)blob + 6, 8);
    return vigil_drift_reference_deserialize(&e->ref, (const char *)blob + 14, n - 14);
}

int vigil_mon_ref_cache_get(vigil_store *cache, const char *key, vigil_drift_reference **ref, size_t *rows)
{
    ref_entry e = {NULL, 0};
    *ref = NULL;
    *rows = 0;
    /* read in place: the entry holds every sorted reference value, copied once into *ref */
    int rc = cache ? vigil_store_cache_read(cache, key, read_entry, &e) : -1;
    vigil_error_clear();
    if (rc) {
        vigil_drift_reference_free(e.ref);
        return -1;
    }
    *ref = e.ref;
    *rows = (size_t)e.rows;
    return 0;
}

int vigil_mon_ref_cache_put(vigil_store *cache, const char *key, const vigil_drift_reference *ref, size_t rows)
{
    void *b = NULL;
    size_t bn = 0;
    int rc = vigil_drift_reference_serialize(ref, &b, &bn);
    if (rc) return rc;
    unsigned char *w = malloc(bn + 14);
    if (!w) {
        free(b);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    uint64_t r = rows;
    memcpy(w, REF_MAGIC, 6);
    memcpy(w + 6, &r, 8);
    memcpy(w + 14, b, bn);
    free(b);
    rc = vigil_store_cache_put(cache, key, w, bn + 14);
    free(w);
    return rc;
}

static cJSON *feature_json(const vigil_monitor *m, const vigil_drift_feature *f)
{
    cJSON *o = cJSON_CreateObject(), *tests = cJSON_CreateObject();
    int num = f->type == VIGIL_DRIFT_NUMERIC;
    cJSON_AddStringToObject(o, "type", num ? "numeric" : "categorical");
    cJSON_AddNumberToObject(o, "n_ref", (double)f->n_ref);
    cJSON_AddNumberToObject(o, "n_cur", (double)f->n_cur);
    cJSON_AddNumberToObject(o, "missing_ref", (double)f->missing_ref);
    cJSON_AddNumberToObject(o, "missing_cur", (double)f->missing_cur);
    if (num) {
        if (m->tests & MON_T_KS) vigil_drift_test_json(tests, "ks", f->ks_stat, f->ks_p, 1);
        if (m->tests & MON_T_AD) vigil_drift_test_json(tests, "anderson_darling", f->ad_stat, f->ad_p, 1);
        if (m->tests & MON_T_CVM) vigil_drift_test_json(tests, "cvm", f->cvm_stat, f->cvm_p, 1);
        if (m->tests & MON_T_WASSERSTEIN) vigil_drift_test_json(tests, "wasserstein", f->wasserstein, NAN, 0);
    } else if (m->tests & MON_T_CHI2) {
        vigil_drift_test_json(tests, "chi2", f->chi2_stat, f->chi2_p, 1);
        cJSON_AddNumberToObject(cJSON_GetObjectItem(tests, "chi2"), "df", f->chi2_df);
    }
    if (m->tests & MON_T_PSI) vigil_drift_test_json(tests, "psi", f->psi, NAN, 0);
    if (m->tests & MON_T_JS) vigil_drift_test_json(tests, "jensen_shannon", f->js, NAN, 0);
    cJSON_AddItemToObject(o, "tests", tests);
    cJSON_AddStringToObject(o, "effect_name", !f->computable ? "missing_rate_diff" : num ? "wasserstein_sd" : "psi");
    size_t nr = f->n_ref + f->missing_ref, nc = f->n_cur + f->missing_cur;
    cJSON *mo = cJSON_AddObjectToObject(o, "missing_rate");
    vigil_json_add_number(mo, "rate_ref", nr ? (double)f->missing_ref / (double)nr : NAN);
    vigil_json_add_number(mo, "rate_cur", nc ? (double)f->missing_cur / (double)nc : NAN);
    vigil_json_add_number(mo, "diff", f->missing_diff);
    vigil_json_add_number(mo, "p", f->missing_p);
    cJSON_AddBoolToObject(o, "drift", f->drift);
    vigil_json_add_number(o, "p", f->p);
    vigil_json_add_number(o, "p_adjusted", f->p_adjusted);
    vigil_json_add_number(o, "effect", f->effect);
    cJSON_AddStringToObject(o, "decided_by", f->decided_by ? f->decided_by : "?");
    cJSON_AddBoolToObject(o, "computable", f->computable);
    if (f->not_computable) cJSON_AddStringToObject(o, "not_computable", f->not_computable);
    else cJSON_AddNullToObject(o, "not_computable");
    return o;
}

int vigil_mon_drift(const vigil_monitor *m, const mon_data *d, vigil_store *cache, int threads, cJSON *doc, int *alarm)
{
    vigil_table *rt = NULL, *ct = NULL;
    vigil_drift_reference *ref = NULL;
    vigil_drift_result *res = NULL;
    char key[80];
    int hit = 0, rc;
    vigil_drift_options o = VIGIL_DRIFT_OPTIONS_INIT;
    o.correction = m->correction == MON_CORR_BH ? VIGIL_CORRECT_BH : VIGIL_CORRECT_HOLM;
    o.alpha = m->alpha;
    o.numeric_floor = m->floor_numeric;
    o.categorical_floor = m->floor_categorical;
    o.psi_bins = m->psi_bins;
    o.threads = threads;
    o.min_n = 1;
    const vigil_drift_reference *use = d->ref_stats; /* a hit on the reference file's key */
    /* The current window is tested as it is unless the prediction must be added as a column:
     * the engine finds the reference's features in it by name (the other columns are not
     * read), so a copy of every feature would cost memory and time for the same numbers. */
    const vigil_table *cur = d->cur;
    if (!use && (rc = view(m, d->ref, d->score_ref, &rt)) != 0) goto done;
    if (m->prediction_drift && d->score_cur) {
        if ((rc = view(m, d->cur, d->score_cur, &ct)) != 0) goto done;
        cur = ct;
    } else {
        for (size_t i = 0; i < m->data.n_features; i++)
            if ((rc = vigil_table_require(d->cur, m->data.features[i], "feature")) < 0) goto done;
        rc = VIGIL_OK;
    }
    if (use) {
        hit = 1;
        snprintf(key, sizeof key, "%s", d->ref_key);
    } else {
        if (d->ref_keyed) {
            /* looked up before the file was parsed, and missed: the key of the bytes parsed */
            snprintf(key, sizeof key, "%s", d->ref_key);
        } else {
            if ((rc = cache_key(rt, &o, key)) != 0) goto done;
            void *blob = NULL;
            size_t blen = 0;
            if (cache && vigil_store_cache_get(cache, key, &blob, &blen) == 0) {
                hit = vigil_drift_reference_deserialize(&ref, blob, blen) == 0;
                free(blob);
            }
            vigil_error_clear();
        }
        if (!hit) {
            if ((rc = vigil_drift_reference_build(rt, &o, &ref)) != 0) goto done;
            void *b = NULL;
            size_t bn = 0;
            /* A cache that cannot be written costs time next run, not correctness. */
            if (cache && d->ref_keyed) {
                if (vigil_mon_ref_cache_put(cache, key, ref, vigil_table_nrows(d->ref)) != 0)
                    vigil_warn("monitor: reference cache not written: %s", vigil_error_last());
            } else if (cache && vigil_drift_reference_serialize(ref, &b, &bn) == 0 &&
                       vigil_store_cache_put(cache, key, b, bn) != 0) {
                vigil_warn("monitor: reference cache not written: %s", vigil_error_last());
            }
            free(b);
            vigil_error_clear();
        }
        use = ref;
    }
    /* the tests listed decide: KS for numeric features when listed, else Cramer-von Mises;
     * chi-square for categorical ones. A list that leaves a feature type without a test that
     * can decide is refused, not quietly overruled. */
    o.numeric_test = (m->tests & MON_T_KS) ? VIGIL_DRIFT_DECIDE_KS : VIGIL_DRIFT_DECIDE_CVM;
    if ((rc = vigil_drift_compare_ref(use, cur, &o, &res)) != 0) goto done;
    for (size_t i = 0; i < vigil_drift_result_n_features(res); i++) {
        const vigil_drift_feature *f = vigil_drift_result_feature(res, i);
        int num = f->type == VIGIL_DRIFT_NUMERIC;
        if (num ? !(m->tests & (MON_T_KS | MON_T_CVM)) : !(m->tests & MON_T_CHI2)) {
            rc = vigil_error_set(VIGIL_EINVAL, "%s: $.tests: %s feature '%s' needs %s to decide its "
                                 "drift (anderson_darling's p is known only within [0.001, 0.25]; "
                                 "the others are distances)", m->file, num ? "numeric" : "categorical",
                                 f->name, num ? "'ks' or 'cvm'" : "'chi2'");
            goto done;
        }
    }
    cJSON *feats = cJSON_AddObjectToObject(doc, "features");
    for (size_t i = 0; i < vigil_drift_result_n_features(res); i++) {
        const vigil_drift_feature *f = vigil_drift_result_feature(res, i);
        cJSON *fo = feature_json(m, f);
        if (f->drift) *alarm = 1;
        if (strcmp(f->name, PREDICTION) == 0) {
            cJSON_AddStringToObject(fo, "source", m->model_path ? m->model_path : m->data.score);
            cJSON_AddItemToObject(doc, "prediction", fo);
        } else {
            cJSON_AddItemToObject(feats, f->name, fo);
        }
    }
    cJSON *c = cJSON_AddObjectToObject(doc, "cache");
    cJSON_AddStringToObject(c, "key", key);
    cJSON_AddBoolToObject(c, "hit", hit);
    cJSON_AddStringToObject(doc, "engine", "vigil drift engine (include/vigil/drift.h)");
done:
    vigil_drift_result_free(res);
    vigil_drift_reference_free(ref);
    vigil_table_free(rt), vigil_table_free(ct);
    return rc;
}
