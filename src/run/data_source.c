/* The `data` section's cases from a case file or a join: see data_source.h. */
#include "run/data_source.h"

#include "core/util.h"
#include "vigil/error.h"
#include "vigil/fairness.h"
#include "run/join_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void vigil_data_source_clear(vigil_data_source *s)
{
    if (!s) return;
    cJSON_Delete(s->summary);
    memset(s, 0, sizeof *s);
}

/* What the join left out, said on every run (the result has the counts too). */
static void warn_left_out(const vigil_data_config *c, const cJSON *sum, int keep_immature)
{
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(sum, "events");
    double imm = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(sum, "immature"));
    double um = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(ev, "unmatched_entities"));
    const char *as_of = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sum, "as_of"));
    if (imm > 0 && !keep_immature)
        vigil_warn("%s: $.data.join: %.0f prediction%s immature (the window still open at %s, no event yet): left "
                   "out, not counted as negative%s", c->file, imm, imm == 1 ? " is" : "s are", as_of ? as_of : "as_of",
                   imm == 1 ? "" : "s");
    if (um > 0)
        vigil_warn("%s: $.data.join: %.0f entit%s of %s have events but no prediction (left out)", c->file, um,
                   um == 1 ? "y" : "ies", c->join->events);
}

int vigil_data_source_load(vigil_data_source *info, const vigil_data_config *c, const char *as_of_default,
                           const char *as_of_name, int keep_immature, size_t min_cell, const char *const *extra,
                           const char *const *extra_why, size_t n_extra, vigil_table **out)
{
    memset(info, 0, sizeof *info);
    *out = NULL;
    const vigil_data_join *J = c->join;
    if (!J) return vigil_data_load(c, extra, extra_why, n_extra, out);
    vigil_join_options o = VIGIL_JOIN_OPTIONS_INIT;
    o.entity = J->entity, o.time = J->time, o.score = J->score, o.event_entity = J->event_entity;
    o.event_time = J->event_time, o.event_type = J->event_type, o.target = J->target;
    o.window = J->window, o.offset = J->offset, o.aggregate = (vigil_join_aggregate)J->aggregate;
    o.as_of = J->as_of ? J->as_of : as_of_default;
    o.as_of_name = J->as_of ? "$.data.join.as_of" : as_of_name;
    o.label = c->label ? c->label : "label";
    o.keep_immature = keep_immature;
    if (!o.as_of)
        return vigil_error_set(VIGIL_EINVAL, "%s: $.data.join: missing required key 'as_of'", c->file);
    /* lead times: the join's own (one mechanism with `vigil cases join --threshold`), per plain
     * group column; the CMS floor of counts of people stays at least 11, as in the composition */
    const char **lg = NULL;
    if (isfinite(J->lead_time_threshold)) {
        if (!(lg = calloc(c->n_groups ? c->n_groups : 1, sizeof *lg)))
            return vigil_error_set(VIGIL_ENOMEM, "out of memory");
        o.lead_time = 1, o.threshold = J->lead_time_threshold;
        o.min_cell = vigil_fairness_floor(min_cell);
        for (size_t g = 0; g < c->n_groups; g++)
            if (!strchr(c->groups[g], '+')) lg[o.n_groups++] = c->groups[g];
        o.groups = lg;
    }
    /* read as `vigil cases join` reads them: ids and times as text ("00123" stays itself) */
    vigil_col_decl pd[] = {{J->entity, VIGIL_COL_CATEGORICAL}, {J->time, VIGIL_COL_CATEGORICAL}};
    const char *ee = J->event_entity ? J->event_entity : J->entity;
    vigil_col_decl ed[] = {{ee, VIGIL_COL_CATEGORICAL}, {J->event_time, VIGIL_COL_CATEGORICAL},
                           {J->event_type ? J->event_type : ee, VIGIL_COL_CATEGORICAL}};
    vigil_csv_options po = VIGIL_CSV_OPTIONS_INIT, eo = VIGIL_CSV_OPTIONS_INIT;
    po.delimiter = eo.delimiter = c->delimiter;
    po.types = pd, po.n_types = 2;
    eo.types = ed, eo.n_types = J->event_type ? 3 : 2;
    vigil_table *p = NULL, *e = NULL;
    char *dir = NULL, *cases = NULL;
    int fd = -1;
    int rc = vigil_table_read_csv(&p, J->predictions, &po);
    if (rc) {
        vigil_error_wrap("%s: $.data.join.predictions", c->file);
        goto done;
    }
    /* the join writes the log's columns, then the label and event_time: a log column of either
     * name would make two columns of one name */
    for (int k = 0; k < 2; k++) {
        const char *name = k ? "event_time" : o.label;
        if (vigil_table_find(p, name) >= 0) {
            rc = vigil_error_set(VIGIL_EINVAL, "%s: %s: '%s' is a column of the prediction log %s, and the join "
                                 "writes its %s under that name: %s", c->file,
                                 k ? "$.data.join" : c->label ? "$.data.columns.label" : "$.data.columns",
                                 name, J->predictions, k ? "event time" : "label",
                                 k ? "rename the log's column" : "name another label column");
            goto done;
        }
    }
    if ((rc = vigil_table_read_csv(&e, J->events, &eo)) != 0) {
        vigil_error_wrap("%s: $.data.join.events", c->file);
        goto done;
    }
    /* the joined cases in a directory only this user can enter: they are the log's rows */
    const char *tmp = getenv("TMPDIR");
    vigil_sbuf b = {0};
    vigil_sbuf_printf(&b, "%s/vigil-join-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (b.failed || !(dir = b.s)) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    if (!mkdtemp(dir)) {
        rc = vigil_error_set(VIGIL_EIO, "%s: $.data.join: cannot create a private directory for the joined cases "
                             "under %s (set TMPDIR)", c->file, tmp && *tmp ? tmp : "/tmp");
        free(dir), dir = NULL;
        goto done;
    }
    if (!(cases = vigil_path_join(dir, "cases.csv"))) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = vigil_join_cases_cjson(p, e, &o, cases, &info->summary)) != 0) {
        vigil_error_wrap("%s: $.data.join", c->file);
        goto done;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(info->summary, "out"); /* the private file is gone after the run */
    warn_left_out(c, info->summary, keep_immature);
    uint64_t bytes = 0;
    const char *s = vigil_table_sha256(p, &bytes);
    snprintf(info->pred_sha, sizeof info->pred_sha, "%s", s ? s : "");
    info->pred_bytes = bytes, info->pred_rows = vigil_table_nrows(p);
    s = vigil_table_sha256(e, &bytes);
    snprintf(info->ev_sha, sizeof info->ev_sha, "%s", s ? s : "");
    info->ev_bytes = bytes, info->ev_rows = vigil_table_nrows(e);
    /* read it through a descriptor with its name already gone: a run killed while reading
     * leaves nothing behind (only one killed while joining can leave the 0700 directory) */
    fd = open(cases, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = vigil_error_set(VIGIL_EIO, "%s: $.data.join: cannot reopen the joined cases: %s", c->file, strerror(errno));
        goto done;
    }
    unlink(cases), rmdir(dir);
    free(cases), cases = NULL; /* the names are gone: never removed twice */
    free(dir), dir = NULL;
    char fdpath[64];
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
    /* the join writes its cases with commas, whatever the logs' separator */
    vigil_data_config cc = *c;
    cc.delimiter = ',';
    rc = vigil_data_load_file(&cc, fdpath, c->path, extra, extra_why, n_extra, out);
done:
    if (fd >= 0) close(fd);
    if (cases) unlink(cases);
    if (dir) rmdir(dir);
    free(cases), free(dir);
    vigil_table_free(p), vigil_table_free(e);
    free(lg);
    if (rc) vigil_data_source_clear(info);
    return rc;
}

static cJSON *file_json(const char *path, const char *sha, uint64_t bytes, size_t rows)
{
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "path", path);
    cJSON_AddStringToObject(f, "sha256", sha);
    cJSON_AddNumberToObject(f, "bytes", (double)bytes);
    cJSON_AddNumberToObject(f, "rows", (double)rows);
    return f;
}

cJSON *vigil_data_source_json(const vigil_data_source *s, const vigil_data_join *j)
{
    cJSON *o = s->summary ? cJSON_Duplicate(s->summary, 1) : NULL;
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "immature_rule", "a prediction whose window was still open at as_of with no event "
                            "in it yet: never a negative");
    cJSON *f = cJSON_AddObjectToObject(o, "files");
    if (!f) {
        cJSON_Delete(o);
        return NULL;
    }
    cJSON_AddItemToObject(f, "predictions", file_json(j->predictions, s->pred_sha, s->pred_bytes, s->pred_rows));
    cJSON_AddItemToObject(f, "events", file_json(j->events, s->ev_sha, s->ev_bytes, s->ev_rows));
    return o;
}
