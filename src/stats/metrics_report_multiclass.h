/* The multi-class report's document as a cJSON tree, for the run layer (which puts run_id
 * first) and the suite runner. Internal: cJSON never appears in a public header. */
#ifndef VIGIL_STATS_METRICS_REPORT_MULTICLASS_H
#define VIGIL_STATS_METRICS_REPORT_MULTICLASS_H

#include "vigil/multiclass.h"

#include <cjson/cJSON.h>

/* n, multiclass, bootstrap, min_cell, seconds; NULL when out of memory. Caller frees. */
cJSON *vigil_stats_multiclass_cjson(const vigil_multiclass_report *r, double seconds_load, double seconds_write);

#endif
