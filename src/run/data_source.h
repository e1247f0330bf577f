/* The `data` section's cases, from a case file ($.data.path) or from a prediction log and an
 * event table joined as `vigil cases join` joins them ($.data.join) -- internal, for suites
 * and monitors. */
#ifndef VIGIL_RUN_DATA_SOURCE_H
#define VIGIL_RUN_DATA_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/config.h"
#include "vigil/table.h"

/* What a join read and did (all empty for a case file). */
typedef struct {
    cJSON *summary;              /* the join's summary (vigil_join_cases), without "out" */
    char pred_sha[65], ev_sha[65]; /* SHA-256 of the bytes of each file the join parsed */
    uint64_t pred_bytes, ev_bytes;
    size_t pred_rows, ev_rows;
} vigil_data_source;

/* vigil_data_load, or with c->join: read the log and the event table (every error names the
 * file, line and column there), join them into a private file (a 0700 directory of
 * mkdtemp, removed on every path), and load that as the case file, named c->path ("P joined
 * with E") in the table and in messages. as_of_default stands for an absent $.data.join.as_of
 * (NULL: it is required) and as_of_name says where it came from in messages; keep_immature
 * writes immature predictions with a missing label (monitors) instead of leaving them out.
 * With $.data.join.lead_time_threshold the summary holds the join's lead_time (as `vigil cases
 * join --threshold T --group G...`), per level of each of $.data.columns.groups that is a column
 * of the log (an intersection "a+b" is not split), cells under min_cell (at least 11) withheld. */
int vigil_data_source_load(vigil_data_source *info, const vigil_data_config *c, const char *as_of_default,
                           const char *as_of_name, int keep_immature, size_t min_cell, const char *const *extra,
                           const char *const *extra_why, size_t n_extra, vigil_table **out);
void vigil_data_source_clear(vigil_data_source *s);
/* The result's data.join: the join's summary (predictions, entities, cases, positives,
 * immature, events.{rows,target,used,future,unmatched_entities}, ...) and files.{predictions,
 * events}.{path,sha256,bytes,rows}. NULL when out of memory. */
cJSON *vigil_data_source_json(const vigil_data_source *s, const vigil_data_join *j);

#endif
