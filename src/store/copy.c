/* Copying a whole store into another (vigil store copy: SQLite to PostgreSQL and back): every
 * row verbatim (ids, sequence numbers, digests, hashes), in one transaction on the target, so
 * the copy's audit tree, signatures and checkpoints verify exactly as the original's. */
#include "store/store_internal.h"

#include <stdio.h>
#include <string.h>

/* One table: `cols` gives each column's kind, i (64-bit integer), r (double), t (text),
 * b (bytes); NULLs are kept as NULLs. */
static int copy_table(vigil_store *from, vigil_store *to, const char *select, const char *insert,
                      const char *cols, int64_t *rows)
{
    db_stmt *src = NULL, *dst = NULL;
    int rc = prep(from, &src, select);
    if (rc) return rc;
    if ((rc = prep(to, &dst, insert)) != 0) goto done;
    int step;
    while ((step = db_step(src)) == VIGIL_DB_ROW) {
        db_reset(dst);
        for (int c = 0; cols[c]; c++) {
            if (db_is_null(src, c)) db_bind_null(dst, c + 1);
            else if (cols[c] == 'i') db_bind_int64(dst, c + 1, db_int64(src, c));
            else if (cols[c] == 'r') bind_real(dst, c + 1, db_double(src, c));
            else if (cols[c] == 'b') db_bind_blob(dst, c + 1, db_blob(src, c), db_bytes(src, c));
            else bind_text(dst, c + 1, db_text(src, c));
        }
        if (db_step(dst) != VIGIL_DB_DONE) {
            rc = vigil_store_sql_error(to, "copying into it");
            goto done;
        }
        if (rows) (*rows)++;
    }
    if (step != VIGIL_DB_DONE) rc = vigil_store_sql_error(from, "reading it for the copy");
done:
    db_finalize(src);
    db_finalize(dst);
    return rc;
}

/* How much a store holds, and the hash of its last audit entry ("" when none). */
static int census(vigil_store *s, int64_t *runs, int64_t *entries, int64_t *cache, char head[65])
{
    db_stmt *st = NULL;
    int rc = prep(s, &st, "SELECT (SELECT COUNT(*) FROM runs), (SELECT COUNT(*) FROM audit), "
                          "(SELECT COUNT(*) FROM cache), (SELECT hash FROM audit ORDER BY seq DESC LIMIT 1)");
    if (rc) return rc;
    if (db_step(st) != VIGIL_DB_ROW) {
        rc = vigil_store_sql_error(s, "counting its runs");
    } else {
        *runs = db_int64(st, 0);
        *entries = db_int64(st, 1);
        *cache = db_int64(st, 2);
        snprintf(head, 65, "%s", db_text(st, 3) ? db_text(st, 3) : "");
    }
    db_finalize(st);
    return rc;
}

int vigil_store_copy(vigil_store *from, vigil_store *to, vigil_store_copy_result *out)
{
    memset(out, 0, sizeof *out);
    int64_t fr, fe, fc, tr, te, tc;
    char fh[65], th[65];
    int rc = vigil_store_sql_begin(from, 0); /* one snapshot of the source */
    if (rc) return rc;
    if ((rc = census(from, &fr, &fe, &fc, fh)) != 0 || (rc = vigil_store_sql_begin(to, 1)) != 0) goto end_from;
    if ((rc = census(to, &tr, &te, &tc, th)) != 0) goto fail;
    if (tr || te || tc) {
        if (tr == fr && te == fe && tc == fc && strcmp(th, fh) == 0) {
            out->already = 1; /* the same history: nothing to do */
            out->runs = tr;
            out->entries = te;
            goto fail; /* rolls back the (empty) write transaction */
        }
        rc = vigil_error_set(VIGIL_EINVAL,
                             "store '%s' is not empty (%lld runs, %lld audit entries) and holds another history "
                             "than '%s': copy into an empty store",
                             to->path, (long long)tr, (long long)te, from->path);
        goto fail;
    }
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT id, kind, name, status, started_at, finished_at, tool_version, seed, config_json, "
             "config_sha256, passed, result_digest, error, pid, host, %s FROM runs ORDER BY id",
             from->schema >= 2 ? "operator_uid, operator_user" : "NULL, NULL");
    if ((rc = copy_table(from, to, sql,
                         "INSERT INTO runs (id, kind, name, status, started_at, finished_at, tool_version, seed, "
                         "config_json, config_sha256, passed, result_digest, error, pid, host, operator_uid, "
                         "operator_user) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                         "ittttttittittitit", &out->runs)) != 0 ||
        (rc = copy_table(from, to, "SELECT run_id, ord, role, path, sha256, bytes FROM run_files ORDER BY run_id, ord",
                         "INSERT INTO run_files (run_id, ord, role, path, sha256, bytes) VALUES (?,?,?,?,?,?)",
                         "iittti", NULL)) != 0 ||
        (rc = copy_table(from, to, "SELECT run_id, scope, name, value, ci_low, ci_high FROM metrics "
                                   "ORDER BY run_id, scope, name",
                         "INSERT INTO metrics (run_id, scope, name, value, ci_low, ci_high) VALUES (?,?,?,?,?,?)",
                         "ittrrr", &out->results)) != 0 ||
        (rc = copy_table(from, to, "SELECT run_id, name, body FROM documents ORDER BY run_id, name",
                         "INSERT INTO documents (run_id, name, body) VALUES (?,?,?)", "itt", &out->results)) != 0 ||
        (rc = copy_table(from, to, "SELECT key, value, created_at FROM cache ORDER BY key",
                         "INSERT INTO cache (key, value, created_at) VALUES (?,?,?)", "tbt", &out->cache)) != 0 ||
        (from->schema >= 2 &&
         (rc = copy_table(from, to, "SELECT seq, run_id, signer, meaning, signed_at, run_digest, key_id, "
                                    "public_key, signature FROM signatures ORDER BY seq",
                          "INSERT INTO signatures (seq, run_id, signer, meaning, signed_at, run_digest, key_id, "
                          "public_key, signature) VALUES (?,?,?,?,?,?,?,?,?)",
                          "iittttttt", &out->signatures)) != 0) ||
        (rc = copy_table(from, to, "SELECT seq, at, action, run_id, digest, prev, hash FROM audit ORDER BY seq",
                         "INSERT INTO audit (seq, at, action, run_id, digest, prev, hash) VALUES (?,?,?,?,?,?,?)",
                         "ittittt", &out->entries)) != 0)
        goto fail;
    /* the next run gets the next id, as in the original */
    if (to->drv->sync_ids && (rc = vigil_store_sql_exec(to, to->drv->sync_ids)) != 0) goto fail;
    if ((rc = vigil_store_sql_commit(to)) != 0) goto fail;
    goto end_from;
fail:
    vigil_store_sql_rollback(to);
end_from:
    vigil_store_sql_rollback(from);
    return rc;
}
