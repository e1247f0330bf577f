/* The replay comparison as a JSON tree (internal): the run layer adds the model, the verdict
 * and the run to the tree itself instead of printing the document and parsing it back. */
#ifndef VIGIL_MODEL_REPLAY_DOC_H
#define VIGIL_MODEL_REPLAY_DOC_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* vigil_replay_compute's document as a tree (caller cJSON_Delete()s it); NULL with the error
 * set on a bad tolerance or when out of memory. */
cJSON *vigil_replay_doc(const double *recorded, const double *rescored, const char *const *ids,
                        size_t n, double tolerance, size_t max_ids);

#endif
