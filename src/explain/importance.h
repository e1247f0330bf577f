/* SHAP importance as a JSON tree (internal): the run layer and the suite runner embed it in
 * their documents instead of printing vigil_explain_importance's text and parsing it back. */
#ifndef VIGIL_EXPLAIN_IMPORTANCE_H
#define VIGIL_EXPLAIN_IMPORTANCE_H

#include "vigil/explain.h"

#include <cjson/cJSON.h>

/* vigil_explain_importance's document as a tree in *out (caller cJSON_Delete()s it); the same
 * arguments and errors. */
int vigil_explain_importance_cjson(cJSON **out, const double *phi, size_t n, size_t F, size_t K,
                                   const char *const *names, const vigil_table *t,
                                   const char *const *group_cols, size_t n_groups, size_t min_cell);

#endif
