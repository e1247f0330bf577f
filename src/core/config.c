/* Strict configuration reading; see src/core/config.h. */
#include "core/config.h"
#include "core/json.h"
#include "core/table_internal.h"
#include "core/util.h"
#include "vigil/error.h"

#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int vigil_cfg_load(const char *path, cJSON **out)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    int rc = vigil_read_file(path, &text, &len);
    if (rc) return rc;
    void *parsed = NULL;
    rc = vigil_json_parse(path, text, len, &parsed);
    if (!rc && (rc = vigil_json_unique_keys(path, text, len, parsed)) != 0) cJSON_Delete(parsed);
    cJSON *j = parsed;
    if (rc) {
        j = NULL;
    } else if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        j = NULL;
        rc = vigil_error_set(VIGIL_EINVAL, "%s: expected a JSON object at the top level", path);
    }
    free(text);
    *out = j;
    return rc;
}

int vigil_cfg_keys(const char *file, const char *jpath, const cJSON *obj,
                   const char *const *allowed)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, obj)
    {
        bool ok = false;
        for (size_t i = 0; allowed[i]; i++)
            if (m->string && strcmp(m->string, allowed[i]) == 0) ok = true;
        if (!ok) {
            vigil_sbuf b = {0};
            for (size_t i = 0; allowed[i]; i++) vigil_sbuf_printf(&b, "%s%s", i ? ", " : "", allowed[i]);
            int rc = vigil_error_set(VIGIL_EINVAL, "%s: %s: unknown key '%s' (accepted: %s)", file,
                                     jpath, m->string ? m->string : "?", b.s ? b.s : "");
            vigil_sbuf_free(&b);
            return rc;
        }
    }
    return VIGIL_OK;
}

static const cJSON *member(const char *file, const char *jpath, const cJSON *obj, const char *key,
                           bool required, int *rc)
{
    *rc = VIGIL_OK;
    const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
    if (!v && required)
        *rc = vigil_error_set(VIGIL_EINVAL, "%s: %s: missing required key '%s'", file, jpath, key);
    return v;
}

int vigil_cfg_string(const char *file, const char *jpath, const cJSON *obj, const char *key,
                     bool required, const char **out)
{
    int rc;
    const cJSON *v = member(file, jpath, obj, key, required, &rc);
    if (!v) return rc;
    if (!cJSON_IsString(v) || !*v->valuestring)
        return vigil_error_set(VIGIL_EINVAL, "%s: %s.%s: expected a non-empty string", file, jpath, key);
    *out = v->valuestring;
    return VIGIL_OK;
}

int vigil_cfg_number(const char *file, const char *jpath, const cJSON *obj, const char *key,
                     bool required, double *out)
{
    int rc;
    const cJSON *v = member(file, jpath, obj, key, required, &rc);
    if (!v) return rc;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return vigil_error_set(VIGIL_EINVAL, "%s: %s.%s: expected a number", file, jpath, key);
    *out = v->valuedouble;
    return VIGIL_OK;
}

int vigil_cfg_bool(const char *file, const char *jpath, const cJSON *obj, const char *key,
                   bool required, bool *out)
{
    int rc;
    const cJSON *v = member(file, jpath, obj, key, required, &rc);
    if (!v) return rc;
    if (!cJSON_IsBool(v))
        return vigil_error_set(VIGIL_EINVAL, "%s: %s.%s: expected true or false", file, jpath, key);
    *out = cJSON_IsTrue(v);
    return VIGIL_OK;
}

int vigil_cfg_object(const char *file, const char *jpath, const cJSON *obj, const char *key,
                     bool required, const cJSON **out)
{
    int rc;
    const cJSON *v = member(file, jpath, obj, key, required, &rc);
    *out = NULL;
    if (!v) return rc;
    if (!cJSON_IsObject(v))
        return vigil_error_set(VIGIL_EINVAL, "%s: %s.%s: expected an object", file, jpath, key);
    *out = v;
    return VIGIL_OK;
}

void vigil_cfg_strings_free(char **s, size_t n)
{
    if (!s) return;
    for (size_t i = 0; i < n; i++) free(s[i]);
    free(s);
}

int vigil_cfg_strings(const char *file, const char *jpath, const cJSON *obj, const char *key,
                      bool required, char ***out, size_t *n)
{
    int rc;
    const cJSON *v = member(file, jpath, obj, key, required, &rc);
    if (!v) return rc;
    if (!cJSON_IsArray(v))
        return vigil_error_set(VIGIL_EINVAL, "%s: %s.%s: expected an array of strings", file, jpath, key);
    size_t k = (size_t)cJSON_GetArraySize(v), i = 0;
    char **s = calloc(k ? k : 1, sizeof *s);
    if (!s) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    const cJSON *e;
    cJSON_ArrayForEach(e, v)
    {
        if (!cJSON_IsString(e)) {
            vigil_cfg_strings_free(s, i);
            return vigil_error_set(VIGIL_EINVAL, "%s: %s.%s[%zu]: expected a string", file, jpath,
                                   key, i);
        }
        if (!(s[i++] = vigil_strdup(e->valuestring))) {
            vigil_cfg_strings_free(s, i);
            return vigil_error_set(VIGIL_ENOMEM, "out of memory");
        }
    }
    vigil_cfg_strings_free(*out, *n);
    *out = s;
    *n = k;
    return VIGIL_OK;
}

static void join_free(vigil_data_join *j)
{
    if (!j) return;
    free(j->predictions), free(j->events), free(j->entity), free(j->time), free(j->score);
    free(j->event_entity), free(j->event_time), free(j->event_type), free(j->target), free(j->as_of);
    free(j);
}

void vigil_data_config_clear(vigil_data_config *c)
{
    join_free(c->join);
    free(c->file), free(c->path), free(c->id), free(c->time), free(c->label), free(c->score);
    free(c->shadow_score);
    free(c->decision);
    free(c->followup_time), free(c->event);
    free(c->exposure), free(c->decision_time), free(c->arm), free(c->override_reason);
    free(c->class_scores), free(c->predecessor_class_scores);
    vigil_cfg_strings_free(c->features, c->n_features);
    vigil_cfg_strings_free(c->groups, c->n_groups);
    vigil_cfg_strings_free(c->missing, c->n_missing);
    for (size_t i = 0; i < c->n_types; i++) free((char *)c->types[i].name);
    free(c->types);
    for (size_t i = 0; i < c->n_phi_allow; i++)
        free((char *)c->phi_allow[i].column), free((char *)c->phi_allow[i].justification);
    free(c->phi_allow);
    free(c->train_ids), free(c->train_ids_column);
    memset(c, 0, sizeof *c);
}

static int copy_role(const char *file, const char *jp, const cJSON *cols, const char *key, char **dst)
{
    const char *v = NULL;
    int rc = vigil_cfg_string(file, jp, cols, key, false, &v);
    if (rc == 0 && v && !(*dst = vigil_strdup(v))) rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
    return rc;
}

/* "train_ids": "FILE[:COLUMN]" -- the file relative to the config, COLUMN (its id column) after
 * its last ':' when that names no directory, else the name of columns.id, which it needs. */
static int train_ids(vigil_data_config *c, const char *file, const char *jpath, const cJSON *data)
{
    const char *v = NULL;
    char jp[256];
    snprintf(jp, sizeof jp, "%s.train_ids", jpath);
    int rc = vigil_cfg_string(file, jpath, data, "train_ids", false, &v);
    if (rc || !v) return rc;
    char *path = vigil_strdup(v), *colon = path ? strrchr(path, ':') : NULL;
    if (!path) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    if (colon && colon[1] && !strchr(colon + 1, '/')) {
        *colon = '\0';
        if (!(c->train_ids_column = vigil_strdup(colon + 1))) rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    if (!rc && (!*path || !c->id))
        rc = vigil_error_set(VIGIL_EINVAL, "%s: %s: %s", file, jp,
                             !*path ? "no file before the ':'"
                                    : "needs the case file's id column ($.data.columns.id) to compare with");
    if (!rc) rc = vigil_cfg_path(file, jp, path, &c->train_ids);
    free(path);
    return rc;
}

/* $.data.join: the keys of `vigil cases join`'s options (--event-time is event_time), each
 * checked here so that a bad one is named by its JSON path before any file is read. */
static int parse_join(vigil_data_config *c, const char *file, const char *jpath, const cJSON *j)
{
    static const char *const keys[] = {"predictions", "events", "entity", "time", "score", "event_entity",
                                       "event_time", "event_type", "target", "window", "offset", "aggregate",
                                       "as_of", "lead_time_threshold", NULL};
    char jp[256], pp[300];
    snprintf(jp, sizeof jp, "%s.join", jpath);
    vigil_data_join *J = calloc(1, sizeof *J);
    if (!J) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    c->join = J;
    J->lead_time_threshold = NAN;
    const char *pred = NULL, *ev = NULL, *agg = NULL;
    int rc;
    if ((rc = vigil_cfg_keys(file, jp, j, keys)) != 0 ||
        (rc = vigil_cfg_string(file, jp, j, "predictions", true, &pred)) != 0 ||
        (rc = vigil_cfg_string(file, jp, j, "events", true, &ev)) != 0)
        return rc;
    static const struct {
        const char *key;
        size_t off;
        bool required;
    } roles[] = {{"entity", offsetof(vigil_data_join, entity), true},
                 {"time", offsetof(vigil_data_join, time), true},
                 {"score", offsetof(vigil_data_join, score), true},
                 {"event_entity", offsetof(vigil_data_join, event_entity), false},
                 {"event_time", offsetof(vigil_data_join, event_time), true},
                 {"event_type", offsetof(vigil_data_join, event_type), false},
                 {"target", offsetof(vigil_data_join, target), false},
                 {"as_of", offsetof(vigil_data_join, as_of), false}};
    for (size_t k = 0; k < sizeof roles / sizeof *roles; k++) {
        const char *v = NULL;
        char **dst = (char **)((char *)J + roles[k].off);
        if ((rc = vigil_cfg_string(file, jp, j, roles[k].key, roles[k].required, &v)) != 0) return rc;
        if (v && !(*dst = vigil_strdup(v))) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    if (!J->event_type != !J->target)
        return vigil_error_set(VIGIL_EINVAL, "%s: %s: give both event_type (the event table's type column) and "
                               "target (the type that is the outcome), or neither", file, jp);
    if ((rc = vigil_cfg_number(file, jp, j, "window", true, &J->window)) != 0) return rc;
    if (!(J->window > 0))
        return vigil_error_set(VIGIL_EINVAL, "%s: %s.window: expected a positive number (hours for timestamps), "
                               "not %g", file, jp, J->window);
    if ((rc = vigil_cfg_number(file, jp, j, "offset", false, &J->offset)) != 0) return rc;
    if (!(J->offset >= 0))
        return vigil_error_set(VIGIL_EINVAL, "%s: %s.offset: expected a number >= 0, not %g", file, jp, J->offset);
    /* `vigil cases join --threshold`: the lead times from the first flag to the event */
    if ((rc = vigil_cfg_number(file, jp, j, "lead_time_threshold", false, &J->lead_time_threshold)) != 0) return rc;
    if ((rc = vigil_cfg_string(file, jp, j, "aggregate", false, &agg)) != 0) return rc;
    if (agg) {
        static const char *const names[] = {"each", "first", "last", "max"};
        J->aggregate = -1;
        for (int k = 0; k < 4; k++)
            if (strcmp(agg, names[k]) == 0) J->aggregate = k;
        if (J->aggregate < 0)
            return vigil_error_set(VIGIL_EINVAL, "%s: %s.aggregate: expected \"each\", \"first\", \"last\" or "
                                   "\"max\", not '%.40s'", file, jp, agg);
    }
    snprintf(pp, sizeof pp, "%s.predictions", jp);
    if ((rc = vigil_cfg_path(file, pp, pred, &J->predictions)) != 0) return rc;
    snprintf(pp, sizeof pp, "%s.events", jp);
    if ((rc = vigil_cfg_path(file, pp, ev, &J->events)) != 0) return rc;
    vigil_sbuf b = {0};
    vigil_sbuf_printf(&b, "%s joined with %s", J->predictions, J->events);
    if (b.failed) {
        vigil_sbuf_free(&b);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    c->path = b.s;
    return VIGIL_OK;
}

int vigil_data_config_parse(vigil_data_config *c, const char *file, const char *jpath,
                            const cJSON *data)
{
    static const char *const data_keys[] = {"path", "join", "columns", "types", "missing", "phi_allow", "horizon",
                                            "delimiter", "train_ids", NULL};
    static const char *const col_keys[] = {"id", "time", "label", "score", "shadow_score",
                                           "decision", "exposure", "decision_time", "arm", "override_reason",
                                           "followup_time", "event", "features", "groups", "class_scores",
                                           "predecessor_class_scores", NULL};
    memset(c, 0, sizeof *c);
    char jp[256];
    const char *path = NULL;
    const cJSON *cols = NULL, *types = NULL, *allow = NULL, *join = NULL;
    int rc;
    if (!(c->file = vigil_strdup(file))) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    if ((rc = vigil_cfg_keys(file, jpath, data, data_keys)) != 0 ||
        (rc = vigil_cfg_string(file, jpath, data, "path", false, &path)) != 0 ||
        (rc = vigil_cfg_object(file, jpath, data, "join", false, &join)) != 0)
        goto fail;
    if (!path == !join) {
        rc = vigil_error_set(VIGIL_EINVAL, "%s: %s: %s", file, jpath,
                             path ? "give either path (a case file) or join (a prediction log and an event table), "
                                    "not both"
                                  : "missing required key 'path' (a case file) or 'join' (a prediction log and an "
                                    "event table, joined as vigil cases join does)");
        goto fail;
    }
    if ((rc = vigil_cfg_object(file, jpath, data, "columns", true, &cols)) != 0 ||
        (rc = vigil_cfg_object(file, jpath, data, "types", false, &types)) != 0 ||
        (rc = vigil_cfg_object(file, jpath, data, "phi_allow", false, &allow)) != 0 ||
        (rc = vigil_cfg_strings(file, jpath, data, "missing", false, &c->missing, &c->n_missing)) != 0)
        goto fail;
    snprintf(jp, sizeof jp, "%s.path", jpath);
    if (path && (rc = vigil_cfg_path(file, jp, path, &c->path)) != 0) goto fail;
    if (join && (rc = parse_join(c, file, jpath, join)) != 0) goto fail;
    snprintf(jp, sizeof jp, "%s.columns", jpath);
    if ((rc = vigil_cfg_keys(file, jp, cols, col_keys)) != 0 ||
        (rc = copy_role(file, jp, cols, "id", &c->id)) != 0 ||
        (rc = copy_role(file, jp, cols, "time", &c->time)) != 0 ||
        (rc = copy_role(file, jp, cols, "label", &c->label)) != 0 ||
        (rc = copy_role(file, jp, cols, "score", &c->score)) != 0 ||
        (rc = copy_role(file, jp, cols, "shadow_score", &c->shadow_score)) != 0 ||
        (rc = copy_role(file, jp, cols, "decision", &c->decision)) != 0 ||
        (rc = copy_role(file, jp, cols, "exposure", &c->exposure)) != 0 ||
        (rc = copy_role(file, jp, cols, "decision_time", &c->decision_time)) != 0 ||
        (rc = copy_role(file, jp, cols, "arm", &c->arm)) != 0 ||
        (rc = copy_role(file, jp, cols, "override_reason", &c->override_reason)) != 0 ||
        (rc = copy_role(file, jp, cols, "followup_time", &c->followup_time)) != 0 ||
        (rc = copy_role(file, jp, cols, "event", &c->event)) != 0 ||
        (rc = copy_role(file, jp, cols, "class_scores", &c->class_scores)) != 0 ||
        (rc = copy_role(file, jp, cols, "predecessor_class_scores", &c->predecessor_class_scores)) != 0 ||
        (rc = vigil_cfg_strings(file, jp, cols, "features", false, &c->features, &c->n_features)) != 0 ||
        (rc = vigil_cfg_strings(file, jp, cols, "groups", false, &c->groups, &c->n_groups)) != 0)
        goto fail;
    if (!c->decision && (c->exposure || c->decision_time || c->arm || c->override_reason)) {
        rc = vigil_error_set(VIGIL_EINVAL, "%s: %s.columns: %s describes the clinicians' decisions: give "
                             "columns.decision too", file, jpath,
                             c->exposure ? "exposure" : c->decision_time ? "decision_time" : c->arm ? "arm" : "override_reason");
        goto fail;
    }
    if (c->join && (c->class_scores || c->predecessor_class_scores)) {
        rc = vigil_error_set(VIGIL_EINVAL, "%s: %s.join: a join gives one score column; %s.columns.%s (multi-class) "
                             "needs a case file ($.data.path)", file, jpath, jpath,
                             c->class_scores ? "class_scores" : "predecessor_class_scores");
        goto fail;
    }
    if ((rc = train_ids(c, file, jpath, data)) != 0) goto fail;
    const char *dl = NULL;
    if ((rc = vigil_cfg_string(file, jpath, data, "delimiter", false, &dl)) != 0) goto fail;
    if (dl) {
        if (!(strlen(dl) == 1 && strchr(",;\t|", dl[0]))) {
            rc = vigil_error_set(VIGIL_EINVAL, "%s: %s.delimiter: expected \",\", \";\", \"\\t\" or \"|\"", file, jpath);
            goto fail;
        }
        c->delimiter = dl[0];
    }
    c->horizon = NAN;
    if ((rc = vigil_cfg_number(file, jpath, data, "horizon", false, &c->horizon)) != 0) goto fail;
    if (!c->followup_time != !c->event || !c->event != isnan(c->horizon)) {
        rc = vigil_error_set(VIGIL_EINVAL, "%s: %s: time to event needs all three of columns.followup_time, "
                             "columns.event and horizon (the risk's horizon, in the follow-up time's unit)", file, jpath);
        goto fail;
    }
    if (!isnan(c->horizon) && !(c->horizon > 0 && isfinite(c->horizon))) {
        rc = vigil_error_set(VIGIL_EINVAL, "%s: %s.horizon: expected a positive number, not %g", file, jpath, c->horizon);
        goto fail;
    }
    if (types) {
        size_t k = (size_t)cJSON_GetArraySize(types);
        c->types = calloc(k ? k : 1, sizeof *c->types);
        if (!c->types) {
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            goto fail;
        }
        const cJSON *t;
        cJSON_ArrayForEach(t, types)
        {
            vigil_col_type ty;
            if (cJSON_IsString(t) && strcmp(t->valuestring, "numeric") == 0) ty = VIGIL_COL_NUMERIC;
            else if (cJSON_IsString(t) && strcmp(t->valuestring, "categorical") == 0)
                ty = VIGIL_COL_CATEGORICAL;
            else {
                rc = vigil_error_set(VIGIL_EINVAL,
                                     "%s: %s.types.%s: expected \"numeric\" or \"categorical\"",
                                     file, jpath, t->string);
                goto fail;
            }
            if (!(c->types[c->n_types].name = vigil_strdup(t->string))) {
                rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
                goto fail;
            }
            c->types[c->n_types++].type = ty;
        }
    }
    if (allow) {
        size_t k = (size_t)cJSON_GetArraySize(allow);
        if (!(c->phi_allow = calloc(k ? k : 1, sizeof *c->phi_allow))) {
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            goto fail;
        }
        const cJSON *a;
        cJSON_ArrayForEach(a, allow)
        {
            if (!cJSON_IsString(a) || !a->valuestring[0]) {
                rc = vigil_error_set(VIGIL_EINVAL, "%s: %s.phi_allow.%s: expected the justification "
                                     "as text", file, jpath, a->string);
                goto fail;
            }
            vigil_phi_allow *e = &c->phi_allow[c->n_phi_allow++];
            e->column = vigil_strdup(a->string);
            e->justification = vigil_strdup(a->valuestring);
            if (!e->column || !e->justification) {
                rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
                goto fail;
            }
        }
    }
    return VIGIL_OK;
fail:
    vigil_data_config_clear(c);
    return rc;
}

/* Add `name` (and why) to the keep list unless already there. */
static void keep_add(const char **keep, const char **why, size_t *n, const char *name, const char *w)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(keep[i], name) == 0) return;
    keep[*n] = name;
    why[*n] = w;
    (*n)++;
}

int vigil_data_load(const vigil_data_config *c, const char *const *extra,
                    const char *const *extra_why, size_t n_extra, vigil_table **out)
{
    return vigil_data_load_file(c, c->path, NULL, extra, extra_why, n_extra, out);
}

/* The current message with every `from` replaced by `to` (a joined file's private path by
 * the name the user knows). */
static void error_rename(const char *from, const char *to)
{
    const char *msg = vigil_error_last();
    if (!from || !to || !msg || !strstr(msg, from)) return;
    vigil_sbuf b = {0};
    for (const char *p = msg, *hit; *p; p = hit + strlen(from)) {
        if (!(hit = strstr(p, from))) {
            vigil_sbuf_printf(&b, "%s", p);
            break;
        }
        vigil_sbuf_printf(&b, "%.*s%s", (int)(hit - p), p, to);
    }
    if (!b.failed && b.s) vigil_error_set(vigil_error_last_code(), "%s", b.s);
    vigil_sbuf_free(&b);
}

int vigil_data_load_file(const vigil_data_config *c, const char *read_path, const char *shown,
                         const char *const *extra, const char *const *extra_why, size_t n_extra,
                         vigil_table **out)
{
    *out = NULL;
    const char *name = shown ? shown : read_path;
    size_t cap = 8 + c->n_features + n_extra + 1, n = 0;
    for (size_t g = 0; g < c->n_groups; g++) cap += strlen(c->groups[g]) / 2 + 1;
    const char **keep = calloc(cap, sizeof *keep), **why = calloc(cap, sizeof *why);
    char **whys = calloc(cap, sizeof *whys); /* owned strings behind why[] */
    size_t nw = 0;
    char **parts = NULL;
    size_t nparts = 0;
    int rc = VIGIL_OK;
    if (!keep || !why || !whys) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
#define ROLE(field, key)                                                                   \
    if (c->field) {                                                                       \
        vigil_sbuf b = {0};                                                               \
        vigil_sbuf_printf(&b, "$.data.columns.%s in %s", key, c->file);                   \
        whys[nw] = b.s;                                                                   \
        keep_add(keep, why, &n, c->field, whys[nw++]);                                    \
    }
    ROLE(id, "id")
    ROLE(time, "time")
    ROLE(label, "label")
    ROLE(score, "score")
    ROLE(shadow_score, "shadow_score")
    ROLE(decision, "decision")
    ROLE(exposure, "exposure")
    ROLE(decision_time, "decision_time")
    ROLE(arm, "arm")
    ROLE(override_reason, "override_reason")
    ROLE(followup_time, "followup_time")
    ROLE(event, "event")
#undef ROLE
    for (size_t i = 0; i < c->n_features; i++) {
        vigil_sbuf b = {0};
        vigil_sbuf_printf(&b, "$.data.columns.features[%zu] in %s", i, c->file);
        whys[nw] = b.s;
        keep_add(keep, why, &n, c->features[i], whys[nw++]);
    }
    /* Each group is a column or an intersection "a+b" of columns. */
    size_t pcap = 0;
    for (size_t g = 0; g < c->n_groups; g++) pcap += strlen(c->groups[g]) / 2 + 1;
    parts = calloc(pcap + 1, sizeof *parts);
    if (!parts) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t g = 0; g < c->n_groups; g++) {
        vigil_sbuf b = {0};
        vigil_sbuf_printf(&b, "$.data.columns.groups[%zu] in %s", g, c->file);
        whys[nw] = b.s;
        const char *s = c->groups[g];
        while (*s) {
            const char *plus = strchr(s, '+');
            size_t len = plus ? (size_t)(plus - s) : strlen(s);
            if (!(parts[nparts] = vigil_strndup(s, len))) {
                rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
                goto done;
            }
            keep_add(keep, why, &n, parts[nparts++], whys[nw]);
            s += len + (plus ? 1 : 0);
        }
        nw++;
    }
    for (size_t i = 0; i < n_extra; i++)
        keep_add(keep, why, &n, extra[i], extra_why ? extra_why[i] : "the model's features");
    vigil_csv_options o = {.delimiter = c->delimiter,
                           .threads = c->threads,
                           .missing = (const char *const *)c->missing,
                           .n_missing = c->n_missing,
                           .types = c->types,
                           .n_types = c->n_types,
                           .keep = keep,
                           .n_keep = n,
                           .keep_why = why};
    /* The reader applies declared types to kept columns and still refuses a declared name
     * that is not in the file at all (a typo must not pass). */
    rc = vigil_table_read_csv(out, read_path, &o);
    if (rc && shown) error_rename(read_path, shown);
    if (!rc && shown) {
        char *s = vigil_strdup(shown);
        if (!s) rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        else free((*out)->source), (*out)->source = s;
        if (rc) vigil_table_free(*out), *out = NULL;
    }
    if (!rc) {
        if ((rc = vigil_phi_guard(*out, name, c->id, c->time, c->phi_allow, c->n_phi_allow)) != 0) {
            vigil_error_wrap("%s: $.data", c->file);
            vigil_table_free(*out);
            *out = NULL;
        }
    }
done:
    for (size_t i = 0; i < nw; i++) free(whys[i]);
    for (size_t i = 0; i < nparts; i++) free(parts[i]);
    free(parts);
    free(whys);
    free(keep);
    free(why);
    return rc;
}

/* The real path of p, or of its deepest existing ancestor followed by the rest (a file a
 * monitor is about to write need not exist yet). */
static char *real_path(const char *p)
{
    char *r = realpath(p, NULL);
    if (r) return r;
    char *dir = vigil_dirname(p);
    if (!dir) return NULL;
    const char *base = strrchr(p, '/');
    base = base ? base + 1 : p;
    char *rd = strcmp(dir, p) != 0 ? real_path(dir) : NULL;
    free(dir);
    if (!rd) return NULL;
    char *out = vigil_path_join(rd, base);
    free(rd);
    return out;
}

static int inside(const char *path, const char *root)
{
    size_t n = strlen(root);
    while (n > 1 && root[n - 1] == '/') n--;
    return strncmp(path, root, n) == 0 && (path[n] == '/' || path[n] == '\0' || (n == 1 && root[0] == '/'));
}

/* "a/b/../c" -> "a/c" and "./" dropped, lexically; NULL when out of memory. A ".." that would
 * climb above the start of a relative path is kept. */
static char *lexical_normal(const char *p)
{
    size_t n = strlen(p);
    char *out = malloc(n + 2), *copy = vigil_strdup(p);
    const char **seg = malloc((n / 2 + 2) * sizeof *seg);
    if (!out || !copy || !seg) {
        free(out), free(copy), free(seg);
        return NULL;
    }
    size_t k = 0, up = 0; /* up: leading ".." kept in a relative path */
    int abs = p[0] == '/';
    for (char *save = NULL, *s = strtok_r(copy, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
        if (strcmp(s, ".") == 0) continue;
        if (strcmp(s, "..") == 0) {
            if (k > up) k--;
            else if (!abs) seg[k++] = s, up++;
            continue;
        }
        seg[k++] = s;
    }
    size_t at = 0;
    if (abs) out[at++] = '/';
    for (size_t i = 0; i < k; i++) {
        size_t l = strlen(seg[i]);
        if (i) out[at++] = '/';
        memcpy(out + at, seg[i], l);
        at += l;
    }
    if (!at) out[at++] = '.';
    out[at] = '\0';
    free(copy), free(seg);
    return out;
}

int vigil_cfg_path(const char *file, const char *jpath, const char *rel, char **out)
{
    *out = NULL;
    char *dir = vigil_dirname(file);
    char *p = dir ? vigil_path_join(dir, rel) : NULL;
    free(dir);
    if (!p) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    /* Shown and stored without the "suites/../" detour, when the short form is the same file
     * (a symlinked folder can make "a/../b" another place than "b": then the path stays). */
    char *norm = lexical_normal(p);
    struct stat sp, sn;
    if (norm && strcmp(norm, p) != 0 && stat(p, &sp) == 0 && stat(norm, &sn) == 0 && sp.st_dev == sn.st_dev &&
        sp.st_ino == sn.st_ino) {
        free(p);
        p = norm;
    } else free(norm);
    const char *roots = getenv("VIGIL_ROOTS");
    if (!roots || !*roots) {
        *out = p;
        return VIGIL_OK;
    }
    /* Check the file itself, opened (its path read back from /proc/self/fd), and pin its
     * identity so that the later read is of this file or refused (vigil_open_input): checking
     * the path and opening it later let a swapped symlink read outside the roots. A path that
     * does not open (an output not written yet) is checked by its resolved path. */
    char *real = NULL;
    struct stat st;
    int fd = open(p, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0 && fstat(fd, &st) == 0) {
        char link[64], buf[PATH_MAX + 1];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, buf, sizeof buf - 1);
        if (n > 0 && buf[0] == '/') {
            buf[n] = '\0';
            real = vigil_strdup(buf);
        }
    } else if (fd >= 0) {
        close(fd);
        fd = -1;
    }
    if (!real) real = real_path(p);
    int ok = 0;
    char *copy = vigil_strdup(roots);
    for (char *save = NULL, *r = copy ? strtok_r(copy, ":", &save) : NULL; r && real && !ok;
         r = strtok_r(NULL, ":", &save)) {
        char *rr = realpath(r, NULL);
        ok = rr && inside(real, rr);
        free(rr);
    }
    free(copy);
    if (!ok) {
        int rc = vigil_error_set(VIGIL_EINVAL, "%s: %s: '%s' resolves to %s, outside the allowed roots "
                                 "(VIGIL_ROOTS=%s)", file, jpath ? jpath : "$", rel, real ? real : p, roots);
        if (fd >= 0) close(fd);
        free(real), free(p);
        return rc;
    }
    free(real);
    if (fd >= 0) {
        int rc = vigil_input_pin(p, (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
        close(fd);
        if (rc) {
            free(p);
            return rc;
        }
    }
    *out = p;
    return VIGIL_OK;
}
