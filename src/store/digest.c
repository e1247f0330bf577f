/* What the audit chain hashes: canonical serialisations of a run's rows. */
#include "store/store_internal.h"

#include <stdio.h>
#include <string.h>

/* Canonical text of a REAL column for digests: %.17g round-trips every double. */
static void put_real(vigil_sbuf *b, db_stmt *st, int i)
{
    if (db_is_null(st, i)) vigil_sbuf_printf(b, "null");
    else vigil_sbuf_printf(b, "%.17g", db_double(st, i));
}

static void put_text(vigil_sbuf *b, db_stmt *st, int i)
{
    const char *t = db_text(st, i);
    /* Length-prefixed so no field separator inside a value can shift a boundary. */
    if (!t) vigil_sbuf_printf(b, "-1:");
    else vigil_sbuf_printf(b, "%zu:%s", strlen(t), t);
    vigil_sbuf_append(b, "\n", 1);
}

/* Digest of what a run is: identity, inputs and configuration. VIGIL_EINVAL when the run
 * does not exist. */
int vigil_store_digest_header(vigil_store *s, int64_t id, char out[65])
{
    db_stmt *st = NULL;
    vigil_sbuf b = {0};
    int rc = prep(s, &st,
                  "SELECT kind, name, started_at, tool_version, seed, config_json, config_sha256 "
                  "FROM runs WHERE id = ?");
    if (rc) return rc;
    db_bind_int64(st, 1, id);
    if (db_step(st) != VIGIL_DB_ROW) {
        db_finalize(st);
        return vigil_error_set(VIGIL_EINVAL, "no run %lld", (long long)id);
    }
    vigil_sbuf_printf(&b, "run %lld\n", (long long)id);
    for (int c = 0; c < 7; c++) put_text(&b, st, c);
    db_finalize(st);
    st = NULL;
    /* Who ran it (schema 2). A run from before has no operator and keeps its old digest. */
    if (s->schema >= 2) {
        if ((rc = prep(s, &st, "SELECT operator_uid, operator_user, host FROM runs "
                               "WHERE id = ? AND operator_user IS NOT NULL")) != 0)
            goto done;
        db_bind_int64(st, 1, id);
        if (db_step(st) == VIGIL_DB_ROW) {
            vigil_sbuf_printf(&b, "operator\n");
            for (int c = 0; c < 3; c++) put_text(&b, st, c);
        }
        db_finalize(st);
        st = NULL;
    }
    if ((rc = prep(s, &st, "SELECT ord, role, path, sha256, bytes FROM run_files "
                           "WHERE run_id = ? ORDER BY ord")) != 0)
        goto done;
    db_bind_int64(st, 1, id);
    while (db_step(st) == VIGIL_DB_ROW)
        for (int c = 0; c < 5; c++) put_text(&b, st, c);
    if (b.failed) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    vigil_sha256_hex(b.s, b.len, out);
done:
    db_finalize(st);
    vigil_sbuf_free(&b);
    return rc;
}

/* Digest over every stored result of a run: metrics by (scope, name), documents by name. */
int vigil_store_digest_results(vigil_store *s, int64_t id, char out[65])
{
    db_stmt *st = NULL;
    vigil_sbuf b = {0};
    int rc = prep(s, &st, "SELECT scope, name, value, ci_low, ci_high FROM metrics "
                          "WHERE run_id = ? ORDER BY scope, name");
    if (rc) return rc;
    db_bind_int64(st, 1, id);
    while (db_step(st) == VIGIL_DB_ROW) {
        put_text(&b, st, 0);
        put_text(&b, st, 1);
        for (int c = 2; c < 5; c++) {
            put_real(&b, st, c);
            vigil_sbuf_append(&b, "\n", 1);
        }
    }
    db_finalize(st);
    if ((rc = prep(s, &st, "SELECT name, body FROM documents WHERE run_id = ? ORDER BY name")) != 0)
        goto done;
    db_bind_int64(st, 1, id);
    while (db_step(st) == VIGIL_DB_ROW) {
        vigil_sbuf_append(&b, "doc\n", 4);
        put_text(&b, st, 0);
        put_text(&b, st, 1);
    }
    if (b.failed) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    vigil_sha256_hex(b.s ? b.s : "", b.len, out);
done:
    db_finalize(st);
    vigil_sbuf_free(&b);
    return rc;
}

/* Digest of how a run ended: header, status, end time, verdict, results, error. */
int vigil_store_digest_end(vigil_store *s, int64_t id, char out[65], char results[65])
{
    char head[65];
    int rc = vigil_store_digest_header(s, id, head);
    if (rc) return rc;
    if ((rc = vigil_store_digest_results(s, id, results)) != 0) return rc;
    db_stmt *st = NULL;
    if ((rc = prep(s, &st, "SELECT status, finished_at, passed, result_digest, error FROM runs "
                           "WHERE id = ?")) != 0)
        return rc;
    db_bind_int64(st, 1, id);
    vigil_sbuf b = {0};
    vigil_sbuf_printf(&b, "end\n%s\n%s\n", head, results);
    if (db_step(st) == VIGIL_DB_ROW)
        for (int c = 0; c < 5; c++) put_text(&b, st, c);
    db_finalize(st);
    if (b.failed) rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
    else vigil_sha256_hex(b.s, b.len, out);
    vigil_sbuf_free(&b);
    return rc;
}

size_t vigil_store_entry_text(const char *prev, int64_t seq, const char *at, const char *action,
                              int64_t run_id, const char *digest, char buf[512])
{
    int n = snprintf(buf, 512, "%s\n%lld\n%s\n%s\n%lld\n%s", prev, (long long)seq, at, action,
                     (long long)run_id, digest);
    return n < 0 ? 0 : (size_t)n < 512 ? (size_t)n : 511;
}

void vigil_store_entry_hash(const char *prev, int64_t seq, const char *at, const char *action,
                       int64_t run_id, const char *digest, char out[65])
{
    char buf[512];
    size_t n = vigil_store_entry_text(prev, seq, at, action, run_id, digest, buf);
    vigil_sha256_hex(buf, n, out);
}
