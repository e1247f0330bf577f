/* The join's summary as a tree, for the layers that read it (src/run/data_source.c) -- internal. */
#ifndef VIGIL_RUN_JOIN_INTERNAL_H
#define VIGIL_RUN_JOIN_INTERNAL_H

#include <cjson/cJSON.h>

#include "vigil/join.h"

/* vigil_join_cases with the summary as a cJSON tree (*summary NULL on error; optional). */
int vigil_join_cases_cjson(const vigil_table *pred, const vigil_table *ev, const vigil_join_options *o,
                           const char *out_csv, cJSON **summary);

#endif
