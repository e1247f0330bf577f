/* The PHI guard's findings in a run's allowed columns (phi_allowed.h). */
#include "run/phi_allowed.h"

#include <stdlib.h>
#include <string.h>

cJSON *vigil_run_phi_allowed(const vigil_table *const *tables, const char *const *roles, size_t n_tables,
                             const char *id_col, const char *time_col, const vigil_phi_allow *allow, size_t n_allow)
{
    cJSON *arr = cJSON_CreateArray();
    cJSON **found = calloc(n_allow ? n_allow : 1, sizeof *found);
    int ok = arr && found;
    for (size_t a = 0; a < n_allow && ok; a++) {
        cJSON *e = cJSON_CreateObject();
        ok = e && cJSON_AddItemToArray(arr, e) && cJSON_AddStringToObject(e, "column", allow[a].column) &&
             cJSON_AddStringToObject(e, "justification", allow[a].justification ? allow[a].justification : "") &&
             (found[a] = cJSON_AddArrayToObject(e, "found"));
    }
    /* the scan the guard made, once per table: the guard itself keeps no findings */
    for (size_t i = 0; i < n_tables && ok; i++) {
        if (!tables[i]) continue;
        vigil_phi_finding *f = NULL;
        size_t nf = 0;
        if (vigil_phi_scan(tables[i], id_col, time_col, &f, &nf) != 0) ok = 0;
        for (size_t k = 0; k < nf && ok; k++)
            for (size_t a = 0; a < n_allow && ok; a++) {
                if (strcmp(allow[a].column, f[k].column) != 0) continue;
                cJSON *o = cJSON_CreateObject();
                ok = o && cJSON_AddItemToArray(found[a], o) &&
                     cJSON_AddStringToObject(o, "kind", vigil_phi_kind_name(f[k].kind)) &&
                     cJSON_AddStringToObject(o, "by", f[k].by_name ? "name" : "values") &&
                     cJSON_AddStringToObject(o, "file", roles[i]);
            }
        free(f);
    }
    free(found);
    if (!ok) {
        cJSON_Delete(arr);
        return NULL;
    }
    return arr;
}
