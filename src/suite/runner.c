/* The suite runner: one pass over a validated suite (see include/vigil/suite.h).
 *
 * Order of work: validate the suite file (criteria.c) and the columns it names, read the case
 * file once, score it, compute the metrics of the candidate (and predecessor), then each
 * criterion's observation, evaluate, and store one run. Everything that can be refused is
 * refused before the run begins, so a stored run is never a half-validated one. */
#include "vigil/suite.h"

#include "core/config.h"
#include "core/json.h"
#include "core/csv_header.h"
#include "core/dist.h"
#include "core/util.h"
#include "stats/metrics_internal.h"
#include "stats/metrics_json.h"
#include "suite/criteria.h"
#include "run/metrics_internal.h"
#include "run/missingness.h"
#include "run/phi_allowed.h"
#include "run/sequestration.h"
#include "vigil/vigil.h"
#include "vigil/error.h"
#include "vigil/fairness.h"
#include "vigil/metrics.h"
#include "vigil/model.h"
#include "vigil/phi.h"

#include <cjson/cJSON.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "suite/runner_internal.h"

/* ---- loading --------------------------------------------------------------------------- */

static int add_name(const char ***names, size_t *n, size_t *cap, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*names)[i], s) == 0) return VIGIL_OK;
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        const char **p = realloc(*names, c * sizeof *p);
        if (!p) return vigil_suite_oom();
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
        return vigil_suite_oom();
    }
    vigil_backend_options bo = VIGIL_BACKEND_OPTIONS_INIT;
    if (r->opt) bo.backend = r->opt->backend, bo.threads = r->opt->threads;
    vigil_suite_progress(r, role, 0, r->n);
    if ((rc = vigil_model_predict(m, X, r->n, &bo, s, NULL, NULL)) != 0) {
        free(X), free(s);
        return rc;
    }
    vigil_suite_progress(r, role, r->n, r->n);
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
    if (!(r->groups = calloc(d->n_groups, sizeof *r->groups))) return vigil_suite_oom();
    for (size_t g = 0; g < d->n_groups; g++) {
        group_t *G = &r->groups[g];
        if (!(G->name = vigil_strdup(d->groups[g]))) return vigil_suite_oom();
        char *buf = vigil_strdup(d->groups[g]), *parts[VIGIL_GROUP_SPEC_MAX];
        if (!buf) return vigil_suite_oom();
        size_t np = vigil_group_spec_split(buf, parts, VIGIL_GROUP_SPEC_MAX);
        if (np > VIGIL_GROUP_SPEC_MAX) {
            free(buf);
            return vigil_error_set(VIGIL_EINVAL, "group '%s' joins %zu columns; at most %d", d->groups[g], np,
                                   VIGIL_GROUP_SPEC_MAX);
        }
        int32_t *codes[VIGIL_GROUP_SPEC_MAX] = {0};
        char **levels[VIGIL_GROUP_SPEC_MAX] = {0};
        size_t nl[VIGIL_GROUP_SPEC_MAX] = {0};
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

/* Thresholds the metrics engine reports: the suite's, then any criterion's own. */
static int collect_thresholds(run_t *r)
{
    size_t cap = r->def.n_thresholds + r->def.n_criteria + 1;
    if (!(r->thr = malloc(cap * sizeof *r->thr))) return vigil_suite_oom();
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

/* Group composition under the cell-size policy (vigil_fairness_levels_withheld: a count 1..10
 * and what the total, or a level of a group nested in another, would give back) with the CMS
 * floor: a count from 1 to 10 is withheld even when the suite's min_cell is lower (the
 * composition table is the CMS rule's own case). A case without a level is the level
 * "(missing)", shown only when it has cases. NULL when out of memory. */
static cJSON *composition(const run_t *r, size_t min_cell)
{
    size_t G = r->n_groups, mc = vigil_fairness_floor(min_cell);
    uint32_t **lvl = calloc(G ? G : 1, sizeof *lvl);
    int **sup = calloc(G ? G : 1, sizeof *sup);
    size_t *nl = calloc(G ? G : 1, sizeof *nl);
    cJSON *o = cJSON_CreateObject();
    int ok = lvl && sup && nl && o;
    for (size_t g = 0; g < G && ok; g++) {
        const group_t *gr = &r->groups[g];
        nl[g] = gr->n_levels + 1;
        ok = (lvl[g] = malloc((r->n ? r->n : 1) * sizeof **lvl)) && (sup[g] = calloc(nl[g], sizeof **sup));
        for (size_t i = 0; ok && i < r->n; i++) lvl[g][i] = gr->codes[i] >= 0 ? (uint32_t)gr->codes[i] : (uint32_t)gr->n_levels;
    }
    ok = ok && vigil_fairness_levels_withheld(sup, (const uint32_t *const *)lvl, nl, G, r->n, mc) == VIGIL_OK;
    for (size_t g = 0; g < G && ok; g++) {
        const group_t *gr = &r->groups[g];
        cJSON *lv = cJSON_AddObjectToObject(o, gr->name);
        size_t *cnt = calloc(nl[g], sizeof *cnt);
        if (!lv || !cnt) {
            free(cnt);
            ok = 0;
            break;
        }
        for (size_t i = 0; i < r->n; i++) cnt[lvl[g][i]]++;
        for (size_t l = 0; l < nl[g]; l++) {
            if (l == gr->n_levels && !cnt[l]) break;
            cJSON *e = cJSON_AddObjectToObject(lv, l < gr->n_levels ? gr->levels[l] : "(missing)");
            if (sup[g][l]) {
                cJSON_AddNullToObject(e, "n");
                cJSON_AddTrueToObject(e, "suppressed");
            } else {
                cJSON_AddNumberToObject(e, "n", (double)cnt[l]);
            }
        }
        free(cnt);
    }
    for (size_t g = 0; g < G; g++) {
        if (lvl) free(lvl[g]);
        if (sup) free(sup[g]);
    }
    free(lvl), free(sup), free(nl);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* Missing values per feature of the models (candidate's, then the predecessor's not already
 * counted) in the loaded test set, as vigil metrics stores them (`missingness`; a count of 1 to
 * min_cell-1 with a value, or its complement, is withheld): the report's missing-value table.
 * NULL when out of memory. */
static cJSON *missingness(const run_t *r, size_t min_cell)
{
    cJSON *m = cJSON_CreateObject(), *cols = m ? cJSON_AddObjectToObject(m, "columns") : NULL;
    if (!cols) {
        cJSON_Delete(m);
        return NULL;
    }
    cJSON_AddStringToObject(m, "features", "the models' features");
    cJSON_AddNumberToObject(m, "n", (double)r->n);
    const vigil_model *ms[2] = {r->mc, r->mp};
    for (int k = 0; k < 2; k++)
        for (size_t j = 0; ms[k] && j < vigil_model_n_features(ms[k]); j++) {
            const char *name = vigil_model_feature_name(ms[k], j);
            int col = vigil_table_find(r->t, name);
            if (col < 0 || cJSON_GetObjectItemCaseSensitive(cols, name)) continue;
            vigil_run_missing_entry(cols, name, (double)vigil_table_n_missing(r->t, (size_t)col), (double)r->n, min_cell);
        }
    return m;
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
    vigil_data_source_clear(&r->src);
    vigil_table_free(r->train);
    free(r->cand), free(r->pred), free(r->Xc), free(r->thr);
    if (r->reason) vigil_table_levels_free(r->reason, r->reason_levels, r->n_reason_levels);
    vigil_model_free(r->mc);
    vigil_model_free(r->mp);
    free_groups(r);
    cJSON_Delete(r->mcand), cJSON_Delete(r->mpred), cJSON_Delete(r->doc);
    vigil_metrics_report_free(r->rcand), vigil_metrics_report_free(r->rpred);
    cJSON_Delete(r->replay[0]), cJSON_Delete(r->replay[1]);
    cJSON_Delete(r->explain), cJSON_Delete(r->drift);
    vigil_suite_mc_clear(r);
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
    char **mc_cols = NULL;
    size_t n_mc = 0;
    if (!rc && d->data.class_scores && (rc = vigil_suite_mc_columns(d, &mc_cols, &n_mc)) == 0)
        for (size_t j = 0; j < n_mc && !rc; j++) rc = add_name(&extra, &ne, &cap, mc_cols[j]);
    size_t n_class_cols = ne;
    for (size_t i = 0; i < d->n_criteria && !rc; i++)
        for (size_t j = 0; j < d->criteria[i].n_features && !rc; j++)
            rc = add_name(&extra, &ne, &cap, d->criteria[i].features[j]);
    /* where each name came from, for a message that names the JSON path */
    char **why = rc ? NULL : calloc(ne ? ne : 1, sizeof *why);
    if (!rc && !why) rc = vigil_suite_oom();
    for (size_t e = 0; e < ne && !rc; e++) {
        vigil_sbuf b = {0};
        if (e < n_model) vigil_sbuf_printf(&b, "the features of the model in $.model of %s", d->file);
        else if (e < n_class_cols) vigil_sbuf_printf(&b, "the class columns of $.data.columns in %s", d->file);
        for (size_t i = 0; i < d->n_criteria && !b.s; i++)
            for (size_t j = 0; j < d->criteria[i].n_features && !b.s; j++)
                if (strcmp(d->criteria[i].features[j], extra[e]) == 0)
                    vigil_sbuf_printf(&b, "$.criteria[%zu].features[%zu] in %s", i, j, d->file);
        if (!(why[e] = b.s)) rc = vigil_suite_oom();
    }
    if (!rc)
        rc = vigil_data_source_load(&r->src, &d->data, NULL, NULL, 0, d->min_cell, extra, (const char *const *)why, ne, &r->t);
    if (!rc && (d->needs & VIGIL_NEED_DRIFT)) {
        vigil_csv_options co = VIGIL_CSV_OPTIONS_INIT;
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
        co.delimiter = d->data.delimiter; /* the same export's separator */
        if (!rc && (rc = vigil_table_read_csv(&r->train, d->training.path, &co)) != 0)
            vigil_error_wrap("%s: $.training_data.path", d->file);
        if (!rc) { /* the PHI guard on the training file, with the data section's allowances */
            if ((rc = vigil_phi_guard(r->train, d->training.path, d->data.id, d->data.time, d->data.phi_allow,
                                      d->data.n_phi_allow)) != 0)
                vigil_error_wrap("%s: $.training_data", d->file);
        }
        free(feat);
    }
    for (size_t e = 0; why && e < ne; e++) free(why[e]);
    free(why);
    free(extra);
    for (size_t j = 0; j < n_mc; j++) free(mc_cols[j]);
    free(mc_cols);
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
    if (d->data.class_scores) rc = vigil_suite_mc_prepare(r); /* the label is a class */
    else if (d->data.label) rc = numeric_role(r, d->data.label, "label", &r->label);
    /* else a survival-only suite (criteria.c allows it with follow-up columns): no 0/1 label */
    if (rc) return rc;
    if (d->data.shadow_score && (rc = numeric_role(r, d->data.shadow_score, "shadow_score", &r->shadow)) != 0)
        return rc;
    if (d->data.decision) {
        if ((rc = numeric_role(r, d->data.decision, "decision", &r->decision)) != 0) return rc;
        for (size_t i = 0; i < r->n; i++)
            if (!(r->decision[i] == 0 || r->decision[i] == 1))
                return vigil_error_set(VIGIL_EINVAL, "%s:%zu: decision column '%s' (named by %s) has %s; it must be 0 or 1",
                                       d->data.path, vigil_table_row_line(r->t, i), d->data.decision, d->file,
                                       isnan(r->decision[i]) ? "an empty cell" : "a value other than 0 and 1");
        /* the decision's companions: what each value must be (0: 0 or 1; 1: >= 0 on every row;
         * 2: >= 0 or empty, no action), as vigil metrics checks them */
        struct { const char *col, *key; const double **dst; int kind; } comp[] = {
            {d->data.exposure, "exposure", &r->exposure, 1},
            {d->data.decision_time, "decision_time", &r->decision_time, 2},
            {d->data.arm, "arm", &r->arm, 0}};
        for (size_t k = 0; k < 3; k++) {
            if (!comp[k].col) continue;
            if ((rc = numeric_role(r, comp[k].col, comp[k].key, comp[k].dst)) != 0) return rc;
            const double *v = *comp[k].dst;
            for (size_t i = 0; i < r->n; i++) {
                double x = v[i];
                int ok = comp[k].kind == 0 ? (x == 0 || x == 1)
                         : comp[k].kind == 1 ? (isfinite(x) && x >= 0) : (isnan(x) || (isfinite(x) && x >= 0));
                if (!ok)
                    return vigil_error_set(VIGIL_EINVAL, "%s:%zu: %s column '%s' (named by %s) has %s; it must be %s",
                                           d->data.path, vigil_table_row_line(r->t, i), comp[k].key, comp[k].col, d->file,
                                           isnan(x) ? "an empty cell" : "another value",
                                           comp[k].kind == 0   ? "1 (assisted) or 0"
                                           : comp[k].kind == 1 ? "a number >= 0 on every row"
                                                               : "a number >= 0 (or empty: no action)");
            }
        }
        if (d->data.override_reason) {
            int col = vigil_table_find(r->t, d->data.override_reason);
            if (col < 0 || (rc = vigil_table_as_levels(r->t, (size_t)col, &r->reason, &r->reason_levels,
                                                       &r->n_reason_levels)) != 0)
                return col < 0 ? vigil_error_set(VIGIL_EINVAL, "%s: no column '%s' (named by %s)", d->data.path,
                                                 d->data.override_reason, d->file)
                               : rc;
        }
    }
    if (d->data.event) { /* time to event: follow-up >= 0, event 0/1, as vigil metrics checks them */
        if ((rc = numeric_role(r, d->data.followup_time, "followup_time", &r->followup)) != 0 ||
            (rc = numeric_role(r, d->data.event, "event", &r->event)) != 0)
            return rc;
        for (size_t i = 0; i < r->n; i++) {
            if (!(r->followup[i] >= 0) || !isfinite(r->followup[i]))
                return vigil_error_set(VIGIL_EINVAL, "%s:%zu: follow-up time column '%s' (named by %s) has %s; it must be "
                                       "a time >= 0", d->data.path, vigil_table_row_line(r->t, i), d->data.followup_time,
                                       d->file, isnan(r->followup[i]) ? "an empty cell" : "a negative or infinite value");
            if (!(r->event[i] == 0 || r->event[i] == 1))
                return vigil_error_set(VIGIL_EINVAL, "%s:%zu: event column '%s' (named by %s) has %s; it must be 1 "
                                       "(event) or 0 (censored)", d->data.path, vigil_table_row_line(r->t, i),
                                       d->data.event, d->file, isnan(r->event[i]) ? "an empty cell" : "another value");
        }
    }
    if (!d->candidate && !d->data.class_scores) {
        const double *s;
        if ((rc = numeric_role(r, d->data.score, "score", &s)) != 0) return rc;
        if (!(r->cand = malloc(r->n * sizeof *r->cand))) return vigil_suite_oom();
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
    if (!r->label) { /* a survival-only suite: the scores alone, as vigil metrics --time checks them */
        for (size_t i = 0; i < r->n; i++)
            if (!(s[i] >= 0 && s[i] <= 1)) {
                char v[32];
                snprintf(v, sizeof v, isnan(s[i]) ? "missing" : "%.17g", s[i]);
                return vigil_error_set(VIGIL_EINVAL, "%s (%s): %s:%zu: score %s is not a probability in [0, 1]",
                                       r->def.file, what, r->def.data.path, vigil_table_row_line(r->t, i), v);
            }
        return VIGIL_OK;
    }
    int rc = vigil_metrics_check(s, r->label, r->n, r->def.data.path, 0, 0, row_line, r->t);
    if (!rc) return VIGIL_OK;
    /* only for the message: the label's column in the file (the table holds only the columns
     * the suite reads), from its header -- the case file is not opened again on the way to a
     * run that passes its checks */
    vigil_error_clear();
    size_t col = r->def.data.join ? 0 : vigil_run_header_column(r->def.data.path, r->def.data.delimiter, r->def.data.label);
    rc = vigil_metrics_check(s, r->label, r->n, r->def.data.path, 0, col, row_line, r->t);
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
        return vigil_suite_oom();
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
            return vigil_suite_oom();
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
    if (!res) return vigil_suite_oom();
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

/* Under MPI: a digest of what this rank read (the suite's text, the case files and the models),
 * for vigil_dist_same. */
static void fingerprint(const run_t *r, char out[65])
{
    vigil_sbuf b = {0};
    const char *ds = r->t ? vigil_table_sha256(r->t, NULL) : NULL;
    const char *ts = r->train ? vigil_table_sha256(r->train, NULL) : NULL;
    vigil_sbuf_printf(&b, "%s\n%s\n%s\n%s\n%s", ds ? ds : "-", ts ? ts : "-", r->mc ? vigil_model_sha256(r->mc) : "-",
                      r->mp ? vigil_model_sha256(r->mp) : "-", r->def.text ? r->def.text : "");
    *out = 0;
    if (!b.failed) vigil_sha256_hex(b.s, b.len, out);
    vigil_sbuf_free(&b);
}

static int suite_run(vigil_store *store, const char *suite_path, const vigil_suite_options *opt,
                     int64_t *run_id, int *passed, char **json, vigil_suite_result *out)
{
    run_t R = {0}, *r = &R;
    r->opt = opt;
    int rc, run_open = 0, all_pass = 1;
    cJSON *seq_ids = NULL;        /* $.data.train_ids: the sequestration block */
    vigil_table *train_ids = NULL; /* and the training file's ids as read */
    vigil_results *res = NULL;
    char *stored = NULL;
    double t0 = vigil_seconds(), t_load, t_compute;
    *json = NULL;

    /* Under MPI: whether every rank read the suite, its models and its files, and the same ones,
     * is every rank's to know before rank 0 begins the run (a file one rank could not read, or
     * read otherwise, ends every rank here) */
    char fp[65] = "";
    if ((rc = prepare(r, suite_path)) == 0 && vigil_dist_size() > 1) fingerprint(r, fp);
    if ((rc = vigil_dist_same(fp, rc)) != 0) goto done;

    vigil_suite_def *d = &r->def;
    vigil_run_file files[7];
    size_t nf = 0;
    /* $.data.train_ids: how many test cases also occur in the training file, by id (issue 18) */
    if (d->data.train_ids) {
        char what[600];
        snprintf(what, sizeof what, "$.data.train_ids in %s", d->file);
        if ((rc = vigil_run_train_overlap(&seq_ids, &train_ids, r->t, vigil_table_find(r->t, d->data.id), what,
                                          d->data.train_ids,
                                          d->data.train_ids_column ? d->data.train_ids_column : d->data.id,
                                          d->data.delimiter, /* the data section's separator, as metrics --delimiter */
                                          d->data.phi_allow, d->data.n_phi_allow, vigil_fairness_min_cell(d->min_cell))) != 0)
            goto done;
    }
    files[nf++] = (vigil_run_file){.role = "suite", .path = d->file};
    if (d->candidate) files[nf++] = (vigil_run_file){.role = "candidate", .path = d->candidate};
    if (d->predecessor) files[nf++] = (vigil_run_file){.role = "predecessor", .path = d->predecessor};
    /* the case files' digests were taken as they were parsed: each is read once */
    uint64_t db = 0, tb = 0;
    const char *dsha = vigil_table_sha256(r->t, &db);
    if (d->data.join) { /* the two files read, each with the digest of the bytes parsed */
        files[nf++] = (vigil_run_file){"predictions", d->data.join->predictions, r->src.pred_sha, r->src.pred_bytes};
        files[nf++] = (vigil_run_file){"events", d->data.join->events, r->src.ev_sha, r->src.ev_bytes};
    } else
        files[nf++] = (vigil_run_file){"data", d->data.path, dsha, db};
    if (d->has_training) {
        const char *tsha = r->train ? vigil_table_sha256(r->train, &tb) : NULL;
        files[nf++] = (vigil_run_file){"training_data", d->training.path, tsha, tb};
    }
    if (train_ids) {
        uint64_t ib = 0;
        const char *isha = vigil_table_sha256(train_ids, &ib);
        files[nf++] = (vigil_run_file){"train_ids", d->data.train_ids, isha, ib};
    }
    vigil_run_spec spec = {"suite", d->name, d->text, files, nf, d->seed, 1};
    *run_id = 0;
    /* store NULL: an MPI rank other than 0, which stores nothing (vigil_suite_run); whether rank
     * 0 could begin the run is every rank's to know before the shared bootstraps */
    if (store) rc = vigil_store_run_begin(store, &spec, run_id);
    if ((rc = vigil_dist_agree(rc)) != 0) goto done;
    run_open = store != NULL;

    if (r->mc && (rc = score_with(r, r->mc, "candidate", &r->cand, &r->Xc)) != 0) goto done;
    if (r->mp && (rc = score_with(r, r->mp, "predecessor", &r->pred, NULL)) != 0) goto done;
    if (r->cand && (rc = check_scores(r, r->cand, "candidate scores")) != 0) goto done;
    if (r->pred && (rc = check_scores(r, r->pred, "predecessor scores")) != 0) goto done;
    t_load = vigil_seconds() - t0;

    /* The document, in the order suites/README.md shows. */
    r->doc = cJSON_CreateObject();
    cJSON_AddStringToObject(r->doc, "suite", d->name);
    cJSON_AddStringToObject(r->doc, "version", d->version);
    cJSON_AddFalseToObject(r->doc, "passed");
    cJSON_AddNumberToObject(r->doc, "n", (double)r->n);
    if (r->label) {
        double pos = 0;
        for (size_t i = 0; i < r->n; i++) pos += r->label[i];
        cJSON_AddNumberToObject(r->doc, "prevalence", pos / (double)r->n);
    } else if (d->data.class_scores) cJSON_AddNumberToObject(r->doc, "n_classes", (double)r->mc_k);
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
        if (d->data.class_scores) cJSON_AddStringToObject(e, "class_scores", d->data.class_scores);
        else cJSON_AddStringToObject(e, "score_column", d->data.score);
    }
    if (d->data.predecessor_class_scores)
        cJSON_AddStringToObject(cJSON_AddObjectToObject(models, "predecessor"), "class_scores",
                                d->data.predecessor_class_scores);
    cJSON *data = file_entry(d->data.path, r->t, r->n, 1);
    cJSON *tr = time_range(r);
    if (tr) cJSON_AddItemToObject(data, "time_range", tr);
    cJSON *comp = composition(r, d->min_cell);
    if (!comp) {
        cJSON_Delete(data);
        rc = vigil_suite_oom();
        goto done;
    }
    cJSON_AddItemToObject(data, "groups", comp);
    if (d->data.join) {
        cJSON *j = vigil_data_source_json(&r->src, d->data.join);
        if (!j) {
            cJSON_Delete(data);
            rc = vigil_suite_oom();
            goto done;
        }
        cJSON_AddItemToObject(data, "join", j);
    }
    cJSON_AddItemToObject(r->doc, "data", data);
    if (d->data.n_phi_allow) { /* each allowance with what the guard found in its column */
        const vigil_table *tabs[3] = {r->t, r->train, train_ids};
        static const char *const roles[3] = {"data", "training_data", "train_ids"};
        cJSON *pa = vigil_run_phi_allowed(tabs, roles, 3, d->data.id, d->data.time, d->data.phi_allow, d->data.n_phi_allow);
        if (!pa) {
            rc = vigil_suite_oom();
            goto done;
        }
        cJSON_AddItemToObject(r->doc, "phi_allowed", pa);
    }
    if (d->has_training) {
        cJSON *te = file_entry(d->training.path, r->train, r->train ? vigil_table_nrows(r->train) : 0, r->train != NULL);
        cJSON_AddItemToObject(r->doc, "training_data", te);
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(data, "sha256"),
                    *b = cJSON_GetObjectItemCaseSensitive(te, "sha256");
        cJSON *sq = cJSON_AddObjectToObject(r->doc, "sequestration");
        cJSON_AddBoolToObject(sq, "distinct_files", a && b && strcmp(a->valuestring, b->valuestring) != 0);
    }
    if (seq_ids) { /* the id overlap, beside the drift gate's training data when there is one */
        cJSON *sq = cJSON_GetObjectItemCaseSensitive(r->doc, "sequestration");
        if (!sq) sq = cJSON_AddObjectToObject(r->doc, "sequestration");
        while (sq && seq_ids->child) {
            cJSON *k = cJSON_DetachItemViaPointer(seq_ids, seq_ids->child);
            cJSON_AddItemToObject(sq, k->string, k);
        }
        cJSON_AddItemToObject(sq, "train_ids", file_entry(d->data.train_ids, train_ids, vigil_table_nrows(train_ids), 1));
    }
    cJSON *crit = cJSON_AddArrayToObject(r->doc, "criteria");
    cJSON_AddObjectToObject(r->doc, "comparison");

    if ((rc = vigil_results_new(&res)) != 0) goto done;
    if (d->data.class_scores) rc = vigil_suite_mc_metrics(r);
    else if ((rc = vigil_suite_metrics_doc(r, r->cand, r->pred, &r->mcand, &r->rcand)) == 0 && r->pred &&
        (rc = vigil_suite_metrics_doc(r, r->pred, NULL, &r->mpred, &r->rpred)) == 0) {
        /* the impact assessment: every metric, overall, per level and per disparity, candidate
         * minus predecessor with a paired bootstrap CI (same seed: the same resampled cases) */
        cJSON *pd = vigil_stats_paired_cjson(r->rcand, r->rpred);
        if (!pd) rc = vigil_error_last_code() ? vigil_error_last_code() : vigil_suite_oom();
        else cJSON_AddItemToObject(r->doc, "impact", pd);
    }
    if (rc) goto done;
    for (size_t i = 0; i < d->n_criteria; i++)
        if ((rc = vigil_suite_evaluate(r, i, crit, &all_pass, res)) != 0) goto done;
    t_compute = vigil_seconds() - t0 - t_load;

    cJSON_ReplaceItemInObjectCaseSensitive(r->doc, "passed", cJSON_CreateBool(all_pass));
    cJSON *ms = cJSON_AddObjectToObject(r->doc, "metrics");
    if (r->mcand && r->mc) { /* the report's missing-value table, as a metrics run stores it */
        cJSON *miss = missingness(r, vigil_fairness_min_cell(d->min_cell));
        if (!miss) {
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            goto done;
        }
        cJSON_AddItemToObject(r->mcand, "missingness", miss);
    }
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
        rc = vigil_suite_oom();
        goto done;
    }
    if ((rc = vigil_results_add_document(res, "result", stored)) != 0 ||
        (rc = vigil_results_add_metric(res, "suite", "passed", all_pass, NAN, NAN)) != 0)
        goto done;
    {
        double t1 = vigil_seconds();
        if (store && (rc = vigil_store_run_finish(store, *run_id, res, all_pass)) != 0) goto done;
        run_open = 0;
        cJSON_AddNumberToObject(r->doc, "run_id", (double)*run_id);
        cJSON *sec = cJSON_AddObjectToObject(r->doc, "seconds");
        cJSON_AddNumberToObject(sec, "load", t_load);
        cJSON_AddNumberToObject(sec, "compute", t_compute);
        cJSON_AddNumberToObject(sec, "write", vigil_seconds() - t1);
        /* split across MPI ranks: how many; not in the stored result, which is the one-process one */
        if (vigil_dist_size() > 1) cJSON_AddStringToObject(r->doc, "parallel", vigil_dist_describe());
    }
    *passed = all_pass;
    if (!(*json = cJSON_Print(r->doc))) rc = vigil_suite_oom();
    else if (out) rc = result_from(out, r);
done:
    if (run_open) {
        /* recording the failure can fail too: the cause stays the error this call returns */
        char keep[2048];
        int code = vigil_error_last_code();
        snprintf(keep, sizeof keep, "%s", vigil_error_last());
        vigil_store_run_fail(store, *run_id, keep);
        if (code) vigil_error_set(code, "%s", keep);
    }
    vigil_results_free(res);
    free(stored);
    cJSON_Delete(seq_ids);
    vigil_table_free(train_ids);
    run_clear(r);
    return rc;
}
