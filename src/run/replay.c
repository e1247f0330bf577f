/* vigil replay as one job: cases, begin, re-score, compare, store, finish-or-fail. */
#include "vigil/run.h"
#include "vigil/error.h"
#include "core/json.h"
#include "core/util.h"
#include "model/replay_doc.h"
#include "run/cases_json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct vigil_run_replay_result {
    char *json;
    cJSON *doc; /* the printed document, for the getters */
    int reproduced;
    int64_t run_id;
};

void vigil_run_replay_result_free(vigil_run_replay_result *r)
{
    if (!r) return;
    free(r->json);
    cJSON_Delete(r->doc);
    free(r);
}

const char *vigil_run_replay_result_json(const vigil_run_replay_result *r) { return r->json; }
int vigil_run_replay_result_reproduced(const vigil_run_replay_result *r) { return r->reproduced; }
int64_t vigil_run_replay_result_run_id(const vigil_run_replay_result *r) { return r->run_id; }
size_t vigil_run_replay_result_n(const vigil_run_replay_result *r)
{
    return (size_t)vigil_json_get_number(r->doc, "n");
}
size_t vigil_run_replay_result_n_disagree(const vigil_run_replay_result *r)
{
    return (size_t)vigil_json_get_number(r->doc, "n_disagree");
}
double vigil_run_replay_result_agreement(const vigil_run_replay_result *r)
{
    return vigil_json_get_number(r->doc, "agreement");
}
double vigil_run_replay_result_max_abs_diff(const vigil_run_replay_result *r)
{
    return vigil_json_get_number(r->doc, "max_abs_diff");
}
double vigil_run_replay_result_mean_abs_diff(const vigil_run_replay_result *r)
{
    return vigil_json_get_number(r->doc, "mean_abs_diff");
}
size_t vigil_run_replay_result_n_ids(const vigil_run_replay_result *r)
{
    return (size_t)cJSON_GetArraySize(vigil_json_get(r->doc, "disagreeing_ids"));
}
const char *vigil_run_replay_result_id(const vigil_run_replay_result *r, size_t i)
{
    const cJSON *e = cJSON_GetArrayItem(vigil_json_get(r->doc, "disagreeing_ids"), (int)i);
    return cJSON_IsString(e) ? e->valuestring : NULL;
}

static char *config_json(const char *model, const char *data, const char *shadow,
                         const vigil_run_replay_options *opt)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "model", model);
    cJSON_AddStringToObject(o, "data", data);
    cJSON_AddStringToObject(o, "shadow", shadow);
    if (opt->id) cJSON_AddStringToObject(o, "id", opt->id);
    cJSON_AddNumberToObject(o, "tolerance", opt->tolerance);
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

/* The stored results of a replay (*out NULL on failure); the caller finishes the run with them
 * once the printed result exists, so a failure to print leaves a failed run, not a completed
 * run and an error exit. */
static int replay_results(vigil_results **out, const cJSON *d)
{
    vigil_results *res = NULL;
    *out = NULL;
    char *stored = cJSON_PrintUnformatted(d);
    int err = stored ? vigil_results_new(&res) : vigil_error_set(VIGIL_ENOMEM, "out of memory");
    if (!err) err = vigil_results_add_document(res, "result", stored);
    if (!err)
        err = vigil_results_add_metric(res, "overall", "replay_agreement",
                                       vigil_json_get_number(d, "agreement"), NAN, NAN);
    if (!err)
        err = vigil_results_add_metric(res, "overall", "replay_max_abs_diff",
                                       vigil_json_get_number(d, "max_abs_diff"), NAN, NAN);
    free(stored);
    if (err) vigil_results_free(res);
    else *out = res;
    return err;
}

int vigil_run_replay(vigil_run_replay_result **out, const char *model, const char *data,
                     const char *shadow, const vigil_run_replay_options *opt)
{
    *out = NULL;
    double t0 = vigil_seconds();
    vigil_cases cs = {0};
    vigil_store *store = NULL;
    vigil_run *run = NULL;
    vigil_run_replay_result *res = NULL;
    double *scores = NULL;
    char **ids = NULL, *cfg = NULL;
    cJSON *d = NULL;
    vigil_results *stored = NULL;
    const char *extra[1] = {shadow};
    vigil_cases_options co = VIGIL_CASES_OPTIONS_INIT;
    co.id = opt->id, co.extra = extra, co.n_extra = 1;
    co.allow = opt->allow, co.n_allow = opt->n_allow;
    co.all_trees = opt->all_trees;
    co.delimiter = opt->delimiter;
    int err = vigil_cases_load(&cs, model, data, &co);
    if (err) goto done;
    int sc = vigil_table_require(cs.table, shadow, "--shadow column");
    const double *rec = sc >= 0 ? vigil_table_numeric(cs.table, (size_t)sc) : NULL;
    if (sc < 0) {
        err = sc;
        goto done;
    }
    if (!rec) {
        err = vigil_error_set(VIGIL_EINVAL, "%s: --shadow column '%s' is not numeric", data, shadow);
        goto done;
    }
    if (vigil_model_n_outputs(cs.model) != 1) {
        err = vigil_error_set(VIGIL_EINVAL, "%s: replay compares one recorded score per case; the "
                              "model has %zu outputs", model, vigil_model_n_outputs(cs.model));
        goto done;
    }
    if (!(res = calloc(1, sizeof *res))) {
        err = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    if (opt->db_path) {
        if ((err = vigil_store_open(&store, opt->db_path)) != 0) goto done;
        if (!(cfg = config_json(model, data, shadow, opt))) {
            err = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            goto done;
        }
        const char *base = strrchr(model, '/');
        uint64_t dbytes = 0;
        const char *dsha = vigil_table_sha256(cs.table, &dbytes); /* taken while parsing */
        vigil_run_file files[2] = {{.role = "model", .path = model},
                                   {.role = "data", .path = data, .sha256 = dsha, .bytes = dbytes}};
        vigil_run_spec spec = {"replay", base ? base + 1 : model, cfg, files, 2, 0, 0};
        if ((err = vigil_run_begin(&run, store, &spec)) != 0) goto done;
        res->run_id = vigil_run_id(run);
    }
    double t1 = vigil_seconds();
    vigil_backend_kind used;
    if (!(scores = malloc(cs.n * sizeof *scores)) || !(ids = calloc(cs.n, sizeof *ids))) {
        err = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    if ((err = vigil_model_predict(cs.model, cs.X, cs.n, &opt->backend, scores, NULL, &used)) != 0) goto done;
    char buf[256];
    for (size_t i = 0; opt->id && i < cs.n; i++) {
        vigil_cases_id(&cs, i, buf, sizeof buf);
        if (!(ids[i] = vigil_strdup(buf))) {
            err = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            goto done;
        }
    }
    if (!(d = vigil_replay_doc(rec, scores, opt->id ? (const char *const *)ids : NULL, cs.n,
                               opt->tolerance, opt->max_ids))) {
        err = vigil_error_last_code() ? vigil_error_last_code() : vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    double t2 = vigil_seconds();
    res->reproduced = vigil_json_get_number(d, "n_disagree") == 0;
    cJSON_AddBoolToObject(d, "reproduced", res->reproduced);
    cJSON *mo = cJSON_AddObjectToObject(d, "model");
    cJSON_AddStringToObject(mo, "path", model);
    cJSON_AddStringToObject(mo, "sha256", vigil_model_sha256(cs.model));
    cJSON_AddStringToObject(mo, "describe", vigil_model_describe(cs.model));
    cJSON_AddStringToObject(d, "backend", vigil_backend_name(used));
    cJSON_AddStringToObject(d, "backend_detail", vigil_backend_describe(used));
    vigil_cases_unseen_json(d, &cs);
    if (store) {
        if ((err = replay_results(&stored, d)) != 0) goto done;
        cJSON_AddNumberToObject(d, "run_id", (double)res->run_id);
    }
    cJSON *s = cJSON_AddObjectToObject(d, "seconds");
    cJSON_AddNumberToObject(s, "load", t1 - t0);
    cJSON_AddNumberToObject(s, "compute", t2 - t1);
    cJSON_AddNumberToObject(s, "write", vigil_seconds() - t2);
    if (!(res->json = cJSON_Print(d))) {
        err = vigil_error_set(VIGIL_ENOMEM, "out of memory writing the result");
        goto done;
    }
    if (store && (err = vigil_run_finish(run, stored, res->reproduced)) != 0) goto done;
    res->doc = d;
    d = NULL;
done:
    vigil_run_free(run); /* a run not finished above ends "failed" */
    vigil_results_free(stored);
    vigil_store_close(store);
    if (ids)
        for (size_t i = 0; i < cs.n; i++) free(ids[i]);
    free(ids);
    free(scores);
    free(cfg);
    cJSON_Delete(d);
    vigil_cases_clear(&cs);
    if (err) vigil_run_replay_result_free(res);
    else *out = res;
    return err;
}
