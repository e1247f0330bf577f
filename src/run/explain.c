/* vigil explain as one job: cases, begin, attributions, completeness, file, store, finish. */
#include "vigil/run.h"
#include "vigil/error.h"
#include "core/json.h"
#include "core/util.h"
#include "explain/importance.h"
#include "run/cases_json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vigil_run_explain_result {
    char *json;
    cJSON *doc; /* the printed document, for the getters */
    char *describe;
    const char *method; /* static, from vigil_explain */
    vigil_backend_kind backend;
    size_t n, samples;
    double max_err, max_se;
    int64_t run_id;
};

void vigil_run_explain_result_free(vigil_run_explain_result *r)
{
    if (!r) return;
    free(r->json);
    free(r->describe);
    cJSON_Delete(r->doc);
    free(r);
}

const char *vigil_run_explain_result_json(const vigil_run_explain_result *r) { return r->json; }
int64_t vigil_run_explain_result_run_id(const vigil_run_explain_result *r) { return r->run_id; }
size_t vigil_run_explain_result_n(const vigil_run_explain_result *r) { return r->n; }
const char *vigil_run_explain_result_describe(const vigil_run_explain_result *r) { return r->describe; }
const char *vigil_run_explain_result_method(const vigil_run_explain_result *r) { return r->method; }
vigil_backend_kind vigil_run_explain_result_backend(const vigil_run_explain_result *r) { return r->backend; }
double vigil_run_explain_result_max_abs_error(const vigil_run_explain_result *r) { return r->max_err; }
size_t vigil_run_explain_result_samples(const vigil_run_explain_result *r) { return r->samples; }
double vigil_run_explain_result_max_se(const vigil_run_explain_result *r) { return r->max_se; }

size_t vigil_run_explain_result_n_features(const vigil_run_explain_result *r)
{
    return (size_t)cJSON_GetArraySize(vigil_json_get(r->doc, "global_importance"));
}

void vigil_run_explain_result_importance(const vigil_run_explain_result *r, size_t j,
                                         const char **feature, double *mean_abs_shap)
{
    const cJSON *e = cJSON_GetArrayItem(vigil_json_get(r->doc, "global_importance"), (int)j);
    if (feature) *feature = e ? e->string : NULL;
    if (mean_abs_shap) *mean_abs_shap = cJSON_IsNumber(e) ? e->valuedouble : NAN;
}

/* The attribution file: one column per feature and base_value (per class for multi-class). */
static int write_out(const vigil_cases *cs, const char *id, const char *out, const double *phi)
{
    size_t F = vigil_model_n_features(cs->model), K = vigil_model_n_outputs(cs->model), W = K * (F + 1);
    char **names = calloc(W, sizeof *names);
    int rc = names ? VIGIL_OK : vigil_error_set(VIGIL_ENOMEM, "out of memory");
    for (size_t k = 0; k < K && !rc; k++)
        for (size_t j = 0; j <= F && !rc; j++) {
            const char *nm = j < F ? vigil_model_feature_name(cs->model, j) : "base_value";
            vigil_sbuf b = {0};
            if (K == 1) vigil_sbuf_printf(&b, "%s", nm);
            else vigil_sbuf_printf(&b, "%s_class%zu", nm, k);
            if (!(names[k * (F + 1) + j] = b.s)) rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        }
    if (!rc) rc = vigil_cases_write_csv(cs, id, out, (const char *const *)names, W, phi);
    for (size_t i = 0; names && i < W; i++) free(names[i]);
    free(names);
    return rc;
}

static char *config_json(const char *model, const char *data, const vigil_run_explain_options *opt)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "model", model);
    cJSON_AddStringToObject(o, "data", data);
    if (opt->background) cJSON_AddStringToObject(o, "background", opt->background);
    if (opt->id) cJSON_AddStringToObject(o, "id", opt->id);
    cJSON_AddItemToObject(o, "groups", cJSON_CreateStringArray(opt->groups, (int)opt->n_groups));
    cJSON_AddNumberToObject(o, "max_background", (double)opt->max_background);
    cJSON_AddNumberToObject(o, "seed", (double)opt->seed);
    cJSON_AddBoolToObject(o, "all_trees", opt->all_trees != 0);
    if (opt->delimiter && opt->delimiter != ',') {
        char dl[2] = {opt->delimiter, '\0'};
        cJSON_AddStringToObject(o, "delimiter", dl);
    }
    if (opt->n_allow) {
        cJSON *a = cJSON_AddObjectToObject(o, "allow_columns");
        for (size_t i = 0; i < opt->n_allow; i++)
            cJSON_AddStringToObject(a, opt->allow[i].column, opt->allow[i].justification);
    }
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

/* The run keeps the summary (importance overall and per level), never a case's values. */
/* (*out NULL on failure); the caller finishes the run once the printed result exists, so a
 * failure to print leaves a failed run, not a completed run and an error exit. */
static int explain_results(vigil_results **out, const cJSON *d)
{
    vigil_results *res = NULL;
    *out = NULL;
    char *stored = cJSON_PrintUnformatted(d);
    int err = !stored ? vigil_error_set(VIGIL_ENOMEM, "out of memory") : vigil_results_new(&res);
    if (!err) err = vigil_results_add_document(res, "result", stored);
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(d, "global_importance"))
    {
        char key[300];
        snprintf(key, sizeof key, "shap_importance.%s", e->string);
        if (!err && cJSON_IsNumber(e)) err = vigil_results_add_metric(res, "overall", key, e->valuedouble, NAN, NAN);
    }
    free(stored);
    if (err) vigil_results_free(res);
    else *out = res;
    return err;
}

/* Completeness: base + sum of attributions against the inference core's margin. */
static double completeness(const double *phi, const double *margins, size_t n, size_t F, size_t K)
{
    size_t W = K * (F + 1);
    double maxerr = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < K; k++) {
            const double *ph = phi + i * W + k * (F + 1);
            double s = 0;
            for (size_t j = 0; j <= F; j++) s += ph[j];
            double e = fabs(s - margins[i * K + k]);
            if (!(e <= maxerr)) maxerr = e;
        }
    return maxerr;
}

int vigil_run_explain(vigil_run_explain_result **out, const char *model, const char *data,
                      const char *out_path, const vigil_run_explain_options *opt)
{
    *out = NULL;
    double t0 = vigil_seconds();
    vigil_cases cs = {0}, cb = {0};
    vigil_store *store = NULL;
    vigil_results *stored = NULL;
    vigil_run *run = NULL;
    vigil_run_explain_result *res = calloc(1, sizeof *res);
    double *phi = NULL, *scores = NULL, *margins = NULL;
    const char **names = NULL;
    char *cfg = NULL;
    cJSON *impj = NULL, *d = NULL;
    const char *bg = opt->background;
    int err = res ? VIGIL_OK : vigil_error_set(VIGIL_ENOMEM, "out of memory");
    if (err) goto done;
    vigil_explain_options eo = VIGIL_EXPLAIN_OPTIONS_INIT;
    eo.backend = opt->backend;
    eo.threads = opt->threads;
    eo.max_background = opt->max_background;
    eo.seed = opt->seed;
    eo.mlp_method = opt->mlp_method;
    eo.mlp_samples = opt->mlp_samples;

    vigil_cases_options co = VIGIL_CASES_OPTIONS_INIT;
    co.id = opt->id, co.extra = opt->groups, co.n_extra = opt->n_groups;
    co.allow = opt->allow, co.n_allow = opt->n_allow;
    co.all_trees = opt->all_trees;
    co.delimiter = opt->delimiter;
    if ((err = vigil_cases_load(&cs, model, data, &co)) != 0) goto done;
    vigil_cases_options bo_ = VIGIL_CASES_OPTIONS_INIT;
    bo_.allow = opt->allow, bo_.n_allow = opt->n_allow;
    bo_.delimiter = opt->delimiter;
    if (bg && (err = vigil_cases_load(&cb, model, bg, &bo_)) != 0) goto done;
    if (bg) eo.background = cb.X, eo.n_background = cb.n;
    if (opt->db_path) {
        if ((err = vigil_store_open(&store, opt->db_path)) != 0) goto done;
        cfg = config_json(model, data, opt);
        const char *base = strrchr(model, '/');
        uint64_t dbytes = 0, bb = 0;
        const char *dsha = vigil_table_sha256(cs.table, &dbytes), *bsha = bg ? vigil_table_sha256(cb.table, &bb) : NULL;
        vigil_run_file files[3] = {{.role = "model", .path = model},
                                   {.role = "data", .path = data, .sha256 = dsha, .bytes = dbytes},
                                   {.role = "background", .path = bg, .sha256 = bsha, .bytes = bb}};
        vigil_run_spec spec = {"explain", base ? base + 1 : model, cfg, files, bg ? 3 : 2, 0, 0};
        err = cfg ? vigil_run_begin(&run, store, &spec) : vigil_error_set(VIGIL_ENOMEM, "out of memory");
        if (err) goto done;
        res->run_id = vigil_run_id(run);
    }
    size_t F = vigil_model_n_features(cs.model), K = vigil_model_n_outputs(cs.model), W = K * (F + 1);
    phi = malloc((cs.n ? cs.n : 1) * W * sizeof *phi);
    scores = malloc((cs.n ? cs.n : 1) * K * sizeof *scores);
    margins = malloc((cs.n ? cs.n : 1) * K * sizeof *margins);
    names = malloc((F ? F : 1) * sizeof *names);
    if (!phi || !scores || !margins || !names) {
        err = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    double t1 = vigil_seconds();
    if ((err = vigil_explain(cs.model, cs.X, cs.n, &eo, phi)) != 0) goto done;
    double t2 = vigil_seconds();
    vigil_backend_options bo = VIGIL_BACKEND_OPTIONS_INIT;
    bo.backend = VIGIL_BACKEND_CPU, bo.threads = opt->threads;
    if ((err = vigil_model_predict(cs.model, cs.X, cs.n, &bo, scores, margins, NULL)) != 0) goto done;
    res->max_err = completeness(phi, margins, cs.n, F, K);
    for (size_t j = 0; j < F; j++) names[j] = vigil_model_feature_name(cs.model, j);
    if ((err = vigil_explain_importance_cjson(&impj, phi, cs.n, F, K, names, cs.table, opt->groups,
                                              opt->n_groups, 0)) != 0)
        goto done;
    if ((err = write_out(&cs, opt->id, out_path, phi)) != 0) goto done;
    double t3 = vigil_seconds();
    if (!(d = cJSON_CreateObject())) {
        err = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    cJSON *m = cJSON_AddObjectToObject(d, "model");
    cJSON_AddStringToObject(m, "path", model);
    cJSON_AddStringToObject(m, "describe", vigil_model_describe(cs.model));
    cJSON_AddStringToObject(m, "sha256", vigil_model_sha256(cs.model));
    cJSON_AddNumberToObject(d, "n", (double)cs.n);
    vigil_cases_unseen_json(d, &cs);
    cJSON_AddNumberToObject(d, "outputs", (double)K);
    cJSON_AddItemToObject(d, "features", cJSON_CreateStringArray(names, (int)F));
    cJSON_AddStringToObject(d, "method", eo.method ? eo.method : "");
    cJSON_AddStringToObject(d, "backend", vigil_backend_name(eo.used));
    cJSON_AddStringToObject(d, "backend_detail", vigil_backend_describe(eo.used));
    if (eo.used == VIGIL_BACKEND_CPU) cJSON_AddNumberToObject(d, "threads", vigil_backend_threads(opt->threads));
    cJSON *b = cJSON_AddObjectToObject(d, "background");
    if (vigil_model_kind_of(cs.model) == VIGIL_MODEL_TREES) {
        cJSON_AddStringToObject(b, "source", "tree covers (sum_hessian)");
    } else {
        size_t nb = bg ? cb.n : cs.n;
        cJSON_AddStringToObject(b, "source", bg ? bg : data);
        cJSON_AddNumberToObject(b, "rows", (double)nb);
        if (vigil_model_kind_of(cs.model) == VIGIL_MODEL_MLP)
            cJSON_AddNumberToObject(b, "rows_used", (double)(nb < opt->max_background ? nb : opt->max_background));
    }
    cJSON_AddItemToObject(d, "global_importance", cJSON_DetachItemFromObject(impj, "global_importance"));
    if (opt->n_groups) cJSON_AddItemToObject(d, "by_group", cJSON_DetachItemFromObject(impj, "by_group"));
    vigil_json_add_number(cJSON_AddObjectToObject(d, "completeness"), "max_abs_error", res->max_err);
    if (eo.samples_used) {
        cJSON *ks = cJSON_AddObjectToObject(d, "kernel_shap");
        cJSON_AddNumberToObject(ks, "samples", (double)eo.samples_used);
        vigil_json_add_number(ks, "max_standard_error", eo.max_se);
    }
    if (store) {
        if ((err = explain_results(&stored, d)) != 0) goto done;
        cJSON_AddNumberToObject(d, "run_id", (double)res->run_id);
    }
    cJSON_AddStringToObject(d, "out", out_path);
    vigil_json_add_number(d, "rows_per_second", t2 > t1 ? (double)cs.n / (t2 - t1) : 0);
    cJSON *s = cJSON_AddObjectToObject(d, "seconds");
    cJSON_AddNumberToObject(s, "load", t1 - t0);
    cJSON_AddNumberToObject(s, "compute", t2 - t1);
    cJSON_AddNumberToObject(s, "write", t3 - t2);
    if (!(res->json = cJSON_Print(d)) || !(res->describe = vigil_strdup(vigil_model_describe(cs.model)))) {
        err = vigil_error_set(VIGIL_ENOMEM, "out of memory writing the result");
        goto done;
    }
    if (store && (err = vigil_run_finish(run, stored, -1)) != 0) goto done;
    res->n = cs.n;
    res->method = eo.method;
    res->backend = eo.used;
    res->samples = eo.samples_used;
    res->max_se = eo.max_se;
    res->doc = d;
    d = NULL;
done:
    vigil_run_free(run); /* a run not finished above ends "failed" */
    vigil_results_free(stored);
    vigil_store_close(store);
    cJSON_Delete(impj);
    cJSON_Delete(d);
    free(cfg);
    free(phi), free(scores), free(margins), free(names);
    vigil_cases_clear(&cs);
    vigil_cases_clear(&cb);
    if (err) vigil_run_explain_result_free(res);
    else *out = res;
    return err;
}
