/* The library's JSON idioms, in one place (internal: cJSON never appears in public headers).
 * Writers turn a non-finite number into null (design.md: numbers that are NaN become null);
 * getters walk dotted paths ("calibration.brier") and answer NaN / NULL for what is absent. */
#ifndef VIGIL_CORE_JSON_H
#define VIGIL_CORE_JSON_H

#include <cjson/cJSON.h>

/* A number item, or null when v is NaN or infinite. */
cJSON *vigil_json_number(double v);
/* Add key: number-or-null to object o; returns the item (NULL when out of memory). */
cJSON *vigil_json_add_number(cJSON *o, const char *key, double v);
/* Append number-or-null to array a. */
void vigil_json_append_number(cJSON *a, double v);

/* The item at a dotted path below o ("a.b.c"; a key longer than 255 bytes finds nothing),
 * or NULL. */
const cJSON *vigil_json_get(const cJSON *o, const char *path);
/* The number at a path, NaN when absent, null or not a number. */
double vigil_json_get_number(const cJSON *o, const char *path);
/* The string at a path, NULL when absent or not a string. */
const char *vigil_json_get_string(const cJSON *o, const char *path);

#endif
