/* The monitor result as a JSON tree (internal): the run layer adds what only it knows (the
 * lock, the alert's outcome, the time spent storing) to the tree itself, instead of printing
 * the document and parsing it back. */
#ifndef VIGIL_MONITOR_RESULT_DOC_H
#define VIGIL_MONITOR_RESULT_DOC_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "vigil/monitor.h"

/* A copy of the result document with run_id set when run_id > 0 (null otherwise); the caller
 * cJSON_Delete()s it. NULL when out of memory. */
cJSON *vigil_monitor_result_doc(const vigil_monitor_result *r, int64_t run_id);

#endif
