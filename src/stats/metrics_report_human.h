/* Private to src/stats/metrics_report*.c: the human-in-the-loop block of the metrics report
 * (metrics_report_human.c). Built when the options carry decisions; NULL otherwise. */
#ifndef VIGIL_STATS_METRICS_REPORT_HUMAN_H
#define VIGIL_STATS_METRICS_REPORT_HUMAN_H

#include "vigil/catalogue.h"
#include "vigil/human.h"
#include "vigil/metrics.h"
#include "core/util.h"

#include <cjson/cJSON.h>
#include <stddef.h>

typedef struct vm_human vm_human;

/* After the cell-size policy and the groups: overall, per level, gaps, reasons (r->human). */
int vigil_stats_human_build(vigil_metrics_report *r, const double *score, const double *label, size_t n);
void vigil_stats_human_free(vm_human *h);
/* The document's "human" block (nothing without decisions). */
void vigil_stats_human_json(cJSON *doc, const vigil_metrics_report *r);
void vigil_stats_human_text(vigil_sbuf *b, const vigil_metrics_report *r);
int vigil_stats_human_store(const vigil_metrics_report *r, vigil_results *res);
/* One metric of source VIGIL_METRIC_FROM_DECISIONS: g < 0 overall; g and l a level; g alone a
 * gap across g's levels. */
int vigil_stats_human_get(vigil_metric_value *o, const vigil_metrics_report *r, const vigil_metric_def *m, int g,
                          int l);

#endif
