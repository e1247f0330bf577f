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
/* The item below o at the path given as segments, NULL-terminated ({"subgroups", name, NULL}):
 * no segment is split, so a key from data ("1.0-1.5", "a.b") is looked up as it is. Use this,
 * not the dotted getters, whenever a segment is a group, level, feature or criterion name. */
const cJSON *vigil_json_get_segs(const cJSON *o, const char *const *segs);
/* The number at a path, NaN when absent, null or not a number. */
double vigil_json_get_number(const cJSON *o, const char *path);
/* The string at a path, NULL when absent or not a string. */
const char *vigil_json_get_string(const cJSON *o, const char *path);

/* Refuse an object that holds the same key twice, anywhere below root (cJSON keeps both and its
 * lookups answer the first, while jq and Python take the last: a reviewer and vigil would read
 * different documents). `text`/`len` are what root was parsed from, so the error can name the
 * line and column: "m.json:7:5: $.a.b: duplicate key 'x' (first at line 3)". Returns VIGIL_OK
 * or VIGIL_EINVAL with the error set. */
int vigil_json_unique_keys(const char *path, const char *text, size_t len, const cJSON *root);

#endif
