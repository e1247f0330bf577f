/* One feature's entry of a run's `missingness` block (vigil metrics, suites): the count of
 * missing values and its share of n, both withheld under the cell-size policy (a count of 1 to
 * min_cell-1 missing, or one leaving 1 to min_cell-1 with a value) -- internal. */
#ifndef VIGIL_RUN_MISSINGNESS_H
#define VIGIL_RUN_MISSINGNESS_H

#include "core/json.h"
#include "vigil/fairness.h"

#include <cjson/cJSON.h>
#include <math.h>

static inline void vigil_run_missing_entry(cJSON *cols, const char *name, double missing, double n, size_t min_cell)
{
    int ok = vigil_fairness_rate_ok(missing, n, min_cell);
    cJSON *c = cJSON_AddObjectToObject(cols, name);
    vigil_json_add_number(c, "missing", ok ? missing : NAN);
    vigil_json_add_number(c, "rate", ok ? missing / n : NAN);
    cJSON_AddBoolToObject(c, "suppressed", !ok);
}

#endif
