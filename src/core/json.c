/* See core/json.h. */
#include "core/json.h"

#include <math.h>
#include <string.h>

cJSON *vigil_json_number(double v) { return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull(); }

cJSON *vigil_json_add_number(cJSON *o, const char *key, double v)
{
    return isfinite(v) ? cJSON_AddNumberToObject(o, key, v) : cJSON_AddNullToObject(o, key);
}

void vigil_json_append_number(cJSON *a, double v) { cJSON_AddItemToArray(a, vigil_json_number(v)); }

const cJSON *vigil_json_get(const cJSON *o, const char *path)
{
    char key[256];
    while (o && path && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof key) return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        o = cJSON_GetObjectItemCaseSensitive(o, key);
        path += n + (dot ? 1 : 0);
    }
    return o;
}

double vigil_json_get_number(const cJSON *o, const char *path)
{
    const cJSON *v = vigil_json_get(o, path);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

const char *vigil_json_get_string(const cJSON *o, const char *path)
{
    const cJSON *v = vigil_json_get(o, path);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}
