/* The JSON side of vigil_cases (include/vigil/run.h), shared by the summaries of predict,
 * replay and explain. */
#ifndef VIGIL_RUN_CASES_JSON_H
#define VIGIL_RUN_CASES_JSON_H

#include <cjson/cJSON.h>

#include "vigil/run.h"

/* "unseen_categories": {feature: cases whose code is at or past the categories the model stores
 * for it} for every categorical feature whose category count the model knows (XGBoost 3.x);
 * nothing added for a model without one. */
void vigil_cases_unseen_json(cJSON *doc, const vigil_cases *c);

#endif
