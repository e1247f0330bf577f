/* The metrics report's JSON documents as cJSON trees, for callers inside the library (the
 * suite runner embeds them in its result) that would otherwise print the document and parse
 * it back. Internal: cJSON never appears in a public header. */
#ifndef VIGIL_STATS_METRICS_JSON_H
#define VIGIL_STATS_METRICS_JSON_H

#include "vigil/metrics.h"

#include <cjson/cJSON.h>

/* The `vigil metrics` document (vigil_metrics_report_json prints this tree). NULL when out of
 * memory. Caller frees with cJSON_Delete. */
cJSON *vigil_stats_report_cjson(const vigil_metrics_report *r, double seconds_load,
                                double seconds_write);
/* vigil_metrics_paired_json's document; NULL with the error set. */
cJSON *vigil_stats_paired_cjson(const vigil_metrics_report *cand, const vigil_metrics_report *pred);

#endif
