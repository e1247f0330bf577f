/* Shadow-mode replay comparison (see include/vigil/replay.h). */
#include "vigil/replay.h"
#include "model/replay_doc.h"

#include "vigil/error.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

cJSON *vigil_replay_doc(const double *recorded, const double *rescored, const char *const *ids,
                        size_t n, double tolerance, size_t max_ids)
{
    if (!(tolerance >= 0)) {
        vigil_error_set(VIGIL_EINVAL, "replay tolerance must be >= 0");
        return NULL;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON *list = cJSON_CreateArray();
    size_t agree = 0, missing = 0, k = 0;
    double maxd = 0, sum = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs(recorded[i] - rescored[i]);
        int ok = !isnan(recorded[i]) && !isnan(rescored[i]) && d <= tolerance;
        if (isnan(recorded[i])) missing++;
        else if (!isnan(d)) {
            maxd = d > maxd ? d : maxd;
            sum += d;
        }
        agree += ok;
        if (!ok && k < max_ids) {
            char row[32];
            snprintf(row, sizeof row, "row %zu", i + 1);
            cJSON_AddItemToArray(list, cJSON_CreateString(ids && ids[i] ? ids[i] : row));
            k++;
        }
    }
    size_t scored = n - missing;
    cJSON_AddNumberToObject(o, "n", (double)n);
    cJSON_AddNumberToObject(o, "agreement", n ? (double)agree / (double)n : 0);
    cJSON_AddNumberToObject(o, "n_disagree", (double)(n - agree));
    cJSON_AddNumberToObject(o, "max_abs_diff", maxd);
    cJSON_AddNumberToObject(o, "mean_abs_diff", scored ? sum / (double)scored : 0);
    cJSON_AddNumberToObject(o, "tolerance", tolerance);
    cJSON_AddNumberToObject(o, "missing_recorded", (double)missing);
    cJSON_AddItemToObject(o, "disagreeing_ids", list);
    if (!o || !list || !cJSON_GetObjectItemCaseSensitive(o, "disagreeing_ids")) {
        if (!o) cJSON_Delete(list);
        cJSON_Delete(o);
        vigil_error_set(VIGIL_ENOMEM, "out of memory");
        return NULL;
    }
    return o;
}

int vigil_replay_compute(const double *recorded, const double *rescored, const char *const *ids,
                         size_t n, double tolerance, size_t max_ids, char **json_out)
{
    *json_out = NULL;
    cJSON *o = vigil_replay_doc(recorded, rescored, ids, n, tolerance, max_ids);
    if (!o) return vigil_error_last_code();
    *json_out = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return *json_out ? VIGIL_OK : vigil_error_set(VIGIL_ENOMEM, "out of memory");
}
