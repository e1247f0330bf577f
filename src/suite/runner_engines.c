/* The engines of other modules a criterion may need: shadow replay, SHAP importance and the
 * drift gate. Each hands its document over as a tree, which the suite embeds as it is. */
#include "suite/runner_internal.h"

#include "core/util.h"
#include "explain/importance.h"
#include "model/replay_doc.h"
#include "stats/drift_internal.h"
#include "vigil/replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the extra engines ------------------------------------------------------------------- */

int vigil_suite_replay(run_t *r, int which, double tolerance)
{
    if (r->replay[which]) return VIGIL_OK;
    const double *re = which == 0 ? r->cand : r->pred;
    char **ids = NULL;
    int idc = r->def.data.id ? vigil_table_find(r->t, r->def.data.id) : -1;
    if (idc >= 0) {
        if (!(ids = calloc(r->n ? r->n : 1, sizeof *ids))) return vigil_suite_oom();
        const double *nv = vigil_table_numeric(r->t, (size_t)idc);
        const int32_t *cv = vigil_table_codes(r->t, (size_t)idc);
        for (size_t i = 0; i < r->n; i++) {
            char buf[64];
            if (nv) snprintf(buf, sizeof buf, "%.17g", nv[i]);
            ids[i] = nv ? vigil_strdup(buf)
                        : vigil_strdup(cv[i] >= 0 ? vigil_table_level(r->t, (size_t)idc, (size_t)cv[i]) : "");
        }
    }
    r->replay[which] = vigil_replay_doc(r->shadow, re, (const char *const *)ids, r->n, tolerance, 20);
    if (ids)
        for (size_t i = 0; i < r->n; i++) free(ids[i]);
    free(ids);
    if (!r->replay[which]) return vigil_error_last_code() ? vigil_error_last_code() : vigil_suite_oom();
    cJSON_AddStringToObject(r->replay[which], "model", which == 0 ? "candidate" : "predecessor");
    return VIGIL_OK;
}

int vigil_suite_explain(run_t *r)
{
    if (r->explain) return VIGIL_OK;
    if (!r->Xc) return vigil_error_set(VIGIL_EINTERNAL, "SHAP needs the candidate's features");
    size_t F = vigil_model_n_features(r->mc), K = vigil_model_n_outputs(r->mc);
    double *phi = malloc((r->n ? r->n : 1) * K * (F + 1) * sizeof *phi);
    const char **names = malloc((F ? F : 1) * sizeof *names);
    const char **gcols = malloc((r->n_groups ? r->n_groups : 1) * sizeof *gcols);
    int rc = VIGIL_OK;
    if (!phi || !names || !gcols) {
        rc = vigil_suite_oom();
        goto done;
    }
    for (size_t j = 0; j < F; j++) names[j] = vigil_model_feature_name(r->mc, j);
    /* Only plain group columns have levels in the table; intersections are left out. */
    size_t ng = 0;
    for (size_t g = 0; g < r->n_groups; g++)
        if (!strchr(r->groups[g].name, '+')) gcols[ng++] = r->groups[g].name;
    vigil_explain_options eo = VIGIL_EXPLAIN_OPTIONS_INIT;
    eo.threads = r->opt ? r->opt->threads : 0;
    eo.backend = r->opt ? r->opt->backend : VIGIL_BACKEND_AUTO;
    eo.seed = r->def.seed;
    vigil_suite_progress(r, "SHAP", 0, r->n);
    if ((rc = vigil_explain(r->mc, r->Xc, r->n, &eo, phi)) != 0) goto done;
    vigil_suite_progress(r, "SHAP", r->n, r->n);
    rc = vigil_explain_importance_cjson(&r->explain, phi, r->n, F, K, names, r->t, gcols, ng, r->def.min_cell);
done:
    free(phi), free(names), free(gcols);
    return rc;
}

int vigil_suite_drift(run_t *r, const vigil_criterion *c, size_t *alarms, cJSON **section)
{
    vigil_drift_options o = VIGIL_DRIFT_OPTIONS_INIT;
    o.features = (const char *const *)c->features;
    o.n_features = c->n_features;
    o.alpha = c->alpha;
    o.seed = r->def.seed;
    if (r->opt && r->opt->threads > 0) o.threads = r->opt->threads;
    vigil_drift_result *res = NULL;
    int rc = vigil_drift_compare(r->train, r->t, &o, &res);
    cJSON *d = rc ? NULL : vigil_drift_result_cjson(res);
    vigil_drift_result_free(res);
    if (rc) return rc;
    if (!d) return vigil_suite_oom();
    cJSON_DeleteItemFromObjectCaseSensitive(d, "seconds");
    size_t k = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(d, "features"))
        k += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "drift"));
    *alarms = k;
    *section = d;
    return VIGIL_OK;
}

