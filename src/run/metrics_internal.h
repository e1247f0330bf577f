/* Private to src/run/metrics*.c: the result of `vigil metrics` and the helpers the binary job
 * (metrics.c) and the multi-class job (metrics_multiclass.c) share. */
#ifndef VIGIL_RUN_METRICS_INTERNAL_H
#define VIGIL_RUN_METRICS_INTERNAL_H

#include "vigil/run.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_GROUPS 32

struct vigil_run_metrics_result {
    char *json, *text;
    vigil_metrics_report *rep;   /* the binary report, or NULL */
    vigil_multiclass_report *mc; /* the multi-class report, or NULL */
    int64_t run_id;
};

typedef struct {
    int32_t *codes;
    char **levels;
    size_t n_levels;
} levels_t;

/* Everything the groups own: per-column levels and the intersections. */
typedef struct {
    char *buf[MAX_GROUPS];
    char *parts[MAX_GROUPS][VIGIL_GROUP_SPEC_MAX];
    size_t n_parts[MAX_GROUPS];
    levels_t col[MAX_GROUPS * VIGIL_GROUP_SPEC_MAX];
    size_t n_col;
    levels_t inter[MAX_GROUPS];
    vigil_metrics_group g[MAX_GROUPS];
} groups_t;

/* Split each group spec into G and add its columns to keep (no repeats); the messages name
 * the spec. */
int vigil_run_groups_split(groups_t *G, const char *const *specs, size_t n_groups, const char **keep, size_t *n_keep);
/* Each spec's levels: a column's own, or the intersection of its columns' levels. */
int vigil_run_groups_resolve(groups_t *G, const vigil_table *t, const char *const *specs, size_t n_groups, size_t n);
void vigil_run_groups_free(groups_t *G, size_t n_groups);
/* The 1-based position of `name` in the file's header read at `delimiter` (0: ','), 0 when
 * absent, for file:line:column messages. */
size_t vigil_run_header_column(const char *path, char delimiter, const char *name);
/* The report's document with run_id first: scripts find the stored run by the run_id the
 * command printed. Takes the tree; NULL when out of memory. */
/* Under MPI: a digest of what this rank read and how (the table's SHA-256 and the run's
 * configuration), for vigil_dist_same. "" when either is missing. */
void vigil_run_fingerprint(const vigil_table *t, const char *cfg, char out[65]);
char *vigil_run_with_run_id(cJSON *j, const vigil_store *store, int64_t run_id);

/* vigil_run_metrics with opt->class_scores (metrics_multiclass.c). */
int vigil_run_metrics_multiclass(vigil_run_metrics_result **out, const char *data, const char *label,
                                 const vigil_run_metrics_options *opt);

#endif
