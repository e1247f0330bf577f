/* Strict JSON configuration reading shared by suites and monitors (internal).
 *
 * Every accessor takes the file name and the JSON path of the object it reads, so every
 * error names both ("suites/x.json: $.data.columns.label: expected a string"). Unknown keys
 * are errors listing the accepted ones: a typo must not silently disable a check. */
#ifndef VIGIL_CORE_CONFIG_H
#define VIGIL_CORE_CONFIG_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "vigil/phi.h"
#include "vigil/table.h"

/* Parse a JSON file; a syntax error names the line and column. Caller cJSON_Delete()s. */
int vigil_cfg_load(const char *path, cJSON **out);

/* A file path written in config `file` at JSON path `jpath`, resolved against the config's
 * directory. When the environment sets VIGIL_ROOTS (directories separated by ':'), the path,
 * with "..", "." and symbolic links resolved, must lie inside one of them: anything else is a
 * VIGIL_EINVAL naming the config, the JSON path and the roots. Caller frees *out. */
int vigil_cfg_path(const char *file, const char *jpath, const char *rel, char **out);

/* Error unless every key of `obj` is in the NULL-terminated `allowed` list. */
int vigil_cfg_keys(const char *file, const char *jpath, const cJSON *obj,
                   const char *const *allowed);

/* Members. `required` false: *out untouched when the key is absent. */
int vigil_cfg_string(const char *file, const char *jpath, const cJSON *obj, const char *key,
                     bool required, const char **out);
int vigil_cfg_number(const char *file, const char *jpath, const cJSON *obj, const char *key,
                     bool required, double *out);
int vigil_cfg_bool(const char *file, const char *jpath, const cJSON *obj, const char *key,
                   bool required, bool *out);
/* An object member (NULL when absent and not required). */
int vigil_cfg_object(const char *file, const char *jpath, const cJSON *obj, const char *key,
                     bool required, const cJSON **out);
/* An array of strings, copied (caller frees with vigil_cfg_strings_free). */
int vigil_cfg_strings(const char *file, const char *jpath, const cJSON *obj, const char *key,
                      bool required, char ***out, size_t *n);
void vigil_cfg_strings_free(char **s, size_t n);

/* $.data.join: the cases come from a prediction log and an event table joined as `vigil cases
 * join` joins them (include/vigil/join.h; the run layer's vigil_data_source_load runs it). */
typedef struct {
    char *predictions, *events;        /* resolved relative to the config file */
    char *entity, *time, *score;       /* the log's columns */
    char *event_entity, *event_time;   /* the event table's (event_entity NULL: entity) */
    char *event_type, *target;         /* both or neither */
    char *as_of;                       /* as the files write times; NULL: the caller's default */
    double window, offset;
    int aggregate;                     /* vigil_join_aggregate: 0 each, 1 first, 2 last, 3 max */
    double lead_time_threshold;        /* lead times from the first score at or over it; NaN: none */
} vigil_data_join;

/* The `data` section shared by suites and monitors (design.md). */
typedef struct {
    char *file;          /* the config file, for messages */
    /* data file, resolved relative to the config file; with join, "P joined with E" (for
     * messages and the result; no such file is read) */
    char *path;
    vigil_data_join *join; /* $.data.join instead of $.data.path; NULL: a case file */
    char *id, *time, *label, *score, *shadow_score; /* column roles; NULL when absent */
    char *decision; /* the clinician's final action, 0/1 (the human in the loop); NULL: absent */
    /* with decision: exposure (patient-days, >= 0), decision_time (>= 0 or empty), arm (1
     * assisted, 0 not) and override_reason (text); NULL: absent */
    char *exposure, *decision_time, *arm, *override_reason;
    /* time to event: follow-up time and event (1 event, 0 censored) columns and the horizon
     * ($.data.columns.followup_time, $.data.columns.event, $.data.horizon); NULL / NaN: absent */
    char *followup_time, *event;
    double horizon;
    /* multi-class (suites): the prefix of the candidate's class probability columns, and of the
     * predecessor's; NULL: absent */
    char *class_scores, *predecessor_class_scores;
    char **features;
    size_t n_features;
    char **groups;       /* "sex", or an intersection "sex+age_band" */
    size_t n_groups;
    vigil_col_decl *types;
    size_t n_types;
    char **missing;      /* NULL: the default set */
    char delimiter;      /* "delimiter": ',' (0), ';', '\t' or '|' */
    int threads;         /* threads the reader may use on a large file (not in the JSON: the
                          * command's --threads; 0: every CPU) */
    size_t n_missing;
    /* "phi_allow": {"column": "justification"}: columns the PHI guard lets through (the
     * justification is kept with the config, which every run stores). */
    vigil_phi_allow *phi_allow; /* strings owned */
    size_t n_phi_allow;
    /* "train_ids": "FILE[:COLUMN]" (suites; needs columns.id): the training file (resolved) and
     * its id column (NULL: columns.id's name) for the sequestration check; NULL: none */
    char *train_ids, *train_ids_column;
} vigil_data_config;

/* Read `data` (at JSON path `jpath`) of config `file`. Paths resolve against the file's dir. */
int vigil_data_config_parse(vigil_data_config *out, const char *file, const char *jpath,
                            const cJSON *data);
void vigil_data_config_clear(vigil_data_config *c);

/* Load the data file keeping only the role columns (plus `extra` names, e.g. a model's
 * features, each named in messages by extra_why[i] -- NULL: "the model's features"), with the declared types and missing strings, then run the PHI guard on what was
 * loaded (the id and time columns excepted; `phi_allow` columns let through). A role that names no column is
 * an error quoting the JSON path that named it and listing the columns. */
int vigil_data_load(const vigil_data_config *c, const char *const *extra,
                    const char *const *extra_why, size_t n_extra, vigil_table **out);
/* vigil_data_load of the file `read_path` (a joined case file written for this run) instead of
 * c->path, named `shown` in the table (vigil_table_source) and in every message. */
int vigil_data_load_file(const vigil_data_config *c, const char *read_path, const char *shown,
                         const char *const *extra, const char *const *extra_why, size_t n_extra,
                         vigil_table **out);

#endif
