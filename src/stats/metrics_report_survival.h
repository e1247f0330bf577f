/* Private to src/stats/metrics_report*.c: the time-to-event block of the metrics report
 * (metrics_report_survival.c). Built when the options carry follow-up times and events; NULL
 * otherwise. Without a 0/1 label the report is this block alone ("survival only"). */
#ifndef VIGIL_STATS_METRICS_REPORT_SURVIVAL_H
#define VIGIL_STATS_METRICS_REPORT_SURVIVAL_H

#include "vigil/catalogue.h"
#include "vigil/metrics.h"
#include "vigil/results.h"
#include "core/util.h"

#include <cjson/cJSON.h>
#include <stddef.h>

typedef struct vm_survival vm_survival;

/* Overall and per level of every group, under the cell-size policy (r->survival). With a
 * label, after the report's own cell-size policy (its withheld levels withhold this block). */
int vigil_stats_survival_build(vigil_metrics_report *r, const double *score, size_t n,
                               const vigil_metrics_group *groups, size_t n_groups);
void vigil_stats_survival_free(vm_survival *s);
/* The report without a label: n, the survival block and the subgroups' levels. */
int vigil_stats_survival_only_compute(vigil_metrics_report **out, const double *score, size_t n,
                                      const vigil_metrics_group *groups, size_t n_groups,
                                      const vigil_metrics_options *opts);
int vigil_stats_survival_only(const vigil_metrics_report *r);
cJSON *vigil_stats_survival_only_cjson(const vigil_metrics_report *r, double seconds_load, double seconds_write);
/* The "survival" block overall and under subgroups.<G>.levels.<l> of doc (nothing without it). */
void vigil_stats_survival_json(cJSON *doc, const vigil_metrics_report *r);
void vigil_stats_survival_text(vigil_sbuf *b, const vigil_metrics_report *r);
int vigil_stats_survival_store(const vigil_metrics_report *r, vigil_results *res);
/* One metric of source VIGIL_METRIC_FROM_SURVIVAL: group NULL overall, group and level a level. */
int vigil_stats_survival_get(vigil_metric_value *out, const vigil_metrics_report *r, const vigil_metric_def *m,
                             const char *grp, const char *level);

/* A survival-only report's groups and levels (it has no 0/1 subgroups): the report's level
 * getters (metrics_report_get.c) answer from these. A level is withheld when its block is. */
size_t vigil_stats_survival_n_groups(const vigil_metrics_report *r);
const char *vigil_stats_survival_group_name(const vigil_metrics_report *r, size_t g);
size_t vigil_stats_survival_n_levels(const vigil_metrics_report *r, size_t g);
const char *vigil_stats_survival_level_name(const vigil_metrics_report *r, size_t g, size_t l);
int vigil_stats_survival_level_withheld(const vigil_metrics_report *r, size_t g, size_t l);

#endif
