/* The key-value cache outside the audited results. */
#include "store/store_internal.h"

#include <stdlib.h>
#include <string.h>

int vigil_store_cache_put(vigil_store *s, const char *key, const void *blob, size_t n)
{
    sqlite3_stmt *st = NULL;
    char at[32];
    vigil_now_iso(at);
    int rc = prep(s, &st, "INSERT OR REPLACE INTO cache (key, value, created_at) VALUES (?,?,?)");
    if (rc) return rc;
    bind_text(st, 1, key);
    sqlite3_bind_blob64(st, 2, blob, (sqlite3_uint64)n, SQLITE_TRANSIENT);
    bind_text(st, 3, at);
    if (sqlite3_step(st) != SQLITE_DONE) rc = vigil_store_sql_error(s, "writing the cache");
    sqlite3_finalize(st);
    return rc;
}

int vigil_store_cache_get(vigil_store *s, const char *key, void **blob, size_t *n)
{
    *blob = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    int rc = prep(s, &st, "SELECT value FROM cache WHERE key = ?");
    if (rc) return rc;
    bind_text(st, 1, key);
    if (sqlite3_step(st) == SQLITE_ROW) {
        size_t len = (size_t)sqlite3_column_bytes(st, 0);
        void *p = malloc(len ? len : 1);
        if (!p) rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        else {
            if (len) memcpy(p, sqlite3_column_blob(st, 0), len);
            *blob = p;
            *n = len;
        }
    } else {
        rc = vigil_error_set(VIGIL_EINVAL, "no cache entry '%s'", key);
    }
    sqlite3_finalize(st);
    return rc;
}
