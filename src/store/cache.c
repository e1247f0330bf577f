/* The key-value cache beside the results (the monitor's reference statistics). Each value
 * written is recorded in the audit log ("cache.put", a digest of key and value), so a value
 * swapped outside vigil is refused by cache_get (the caller recomputes) and named by
 * vigil_store_audit_verify, and a checkpoint covers it. */
#include "store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vigil_store_cache_digest(const char *key, const void *blob, size_t n, char out[65])
{
    vigil_sha256 *h = vigil_sha256_new();
    char head[64];
    int k = snprintf(head, sizeof head, "cache\n%zu:", strlen(key));
    if (!h) {
        memset(out, '0', 64);
        out[64] = 0;
        return;
    }
    vigil_sha256_add(h, head, (size_t)k);
    vigil_sha256_add(h, key, strlen(key));
    k = snprintf(head, sizeof head, "\n%zu:", n);
    vigil_sha256_add(h, head, (size_t)k);
    if (n) vigil_sha256_add(h, blob, n);
    vigil_sha256_final(h, out);
    vigil_sha256_free(h);
}

int vigil_store_cache_put(vigil_store *s, const char *key, const void *blob, size_t n)
{
    db_stmt *st = NULL;
    char at[32], digest[65];
    vigil_now_iso(at);
    vigil_store_cache_digest(key, blob, n, digest);
    int own_tx = !s->drv->in_tx(s);
    int rc = own_tx ? vigil_store_sql_begin(s, 1) : VIGIL_OK;
    if (rc) return rc;
    if ((rc = prep(s, &st, "INSERT INTO cache (key, value, created_at) VALUES (?,?,?) ON CONFLICT (key) DO UPDATE "
                           "SET value = excluded.value, created_at = excluded.created_at")) != 0)
        goto done;
    bind_text(st, 1, key);
    db_bind_blob(st, 2, blob, n);
    bind_text(st, 3, at);
    if (db_step(st) != VIGIL_DB_DONE) rc = vigil_store_sql_error(s, "writing the cache");
    else rc = vigil_store_audit_append(s, "cache.put", 0, digest, NULL);
    if (!rc && own_tx) rc = vigil_store_sql_commit(s);
done:
    db_finalize(st);
    if (rc && own_tx) vigil_store_sql_rollback(s);
    return rc;
}

int vigil_store_cache_read(vigil_store *s, const char *key, int (*fn)(void *ctx, const void *blob, size_t n),
                           void *ctx)
{
    db_stmt *st = NULL;
    int rc = prep(s, &st, "SELECT value FROM cache WHERE key = ?");
    if (rc) return rc;
    bind_text(st, 1, key);
    if (db_step(st) == VIGIL_DB_ROW) {
        size_t len = db_bytes(st, 0);
        const void *v = db_blob(st, 0);
        char digest[65];
        int found = 0;
        vigil_store_cache_digest(key, v, len, digest);
        if ((rc = vigil_store_cache_recorded(s, digest, &found)) != 0) {
        } else if (!found) {
            rc = vigil_error_set(VIGIL_EINVAL, "store '%s': cache entry '%s' is not the value the "
                                 "audit log recorded (replaced outside vigil): not used", s->path, key);
        } else {
            rc = fn(ctx, len ? v : "", len);
        }
    } else {
        rc = vigil_error_set(VIGIL_EINVAL, "no cache entry '%s'", key);
    }
    db_finalize(st);
    return rc;
}

typedef struct {
    void *blob;
    size_t n;
} cache_copy;

static int copy_out(void *ctx, const void *blob, size_t n)
{
    cache_copy *c = ctx;
    if (!(c->blob = malloc(n ? n : 1))) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    if (n) memcpy(c->blob, blob, n);
    c->n = n;
    return VIGIL_OK;
}

int vigil_store_cache_get(vigil_store *s, const char *key, void **blob, size_t *n)
{
    cache_copy c = {NULL, 0};
    int rc = vigil_store_cache_read(s, key, copy_out, &c);
    *blob = rc ? NULL : c.blob;
    *n = rc ? 0 : c.n;
    if (rc) free(c.blob);
    return rc;
}
