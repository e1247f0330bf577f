/* A run's begin and end: each one transaction with its audit entry. */
#include "store/store_internal.h"
#include "vigil/version.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int vigil_store_run_begin(vigil_store *s, const vigil_run_spec *spec, int64_t *run_id)
{
    *run_id = 0;
    char (*sha)[65] = calloc(spec->n_files + 1, sizeof *sha);
    uint64_t *bytes = calloc(spec->n_files + 1, sizeof *bytes);
    db_stmt *st = NULL;
    int rc = VIGIL_OK, in_tx = 0;
    if (!sha || !bytes) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    /* Hash inputs before taking the write lock: large files must not block other runs. */
    for (size_t i = 0; i < spec->n_files; i++) {
        if (spec->files[i].sha256 && strlen(spec->files[i].sha256) == 64) {
            memcpy(sha[i], spec->files[i].sha256, 65);
            bytes[i] = spec->files[i].bytes;
        } else if ((rc = vigil_sha256_file(spec->files[i].path, sha[i], &bytes[i])) != 0)
            goto done;
    }
    const char *config = spec->config_json ? spec->config_json : "{}";
    char config_sha[65], at[32];
    vigil_sha256_hex(config, strlen(config), config_sha);
    vigil_now_iso(at);

    if ((rc = vigil_store_sql_begin(s, 1)) != 0) goto done;
    in_tx = 1;
    /* Who runs it (21 CFR Part 11 §11.10(e)): the OS account, not a name the caller chose. */
    int64_t uid;
    char user[256];
    vigil_store_whoami(&uid, user, sizeof user);
    if ((rc = prep(s, &st, "INSERT INTO runs (kind, name, status, started_at, tool_version, seed, "
                           "config_json, config_sha256, pid, host, operator_uid, operator_user) "
                           "VALUES (?,?,'running',?,?,?,?,?,?,?,?,?)")) != 0)
        goto done;
    bind_text(st, 1, spec->kind);
    bind_text(st, 2, spec->name ? spec->name : "");
    bind_text(st, 3, at);
    bind_text(st, 4, vigil_version());
    if (spec->has_seed) db_bind_int64(st, 5, spec->seed);
    else db_bind_null(st, 5);
    bind_text(st, 6, config);
    bind_text(st, 7, config_sha);
    db_bind_int64(st, 8, getpid());
    bind_text(st, 9, s->host);
    db_bind_int64(st, 10, uid);
    bind_text(st, 11, user);
    if (db_step(st) != VIGIL_DB_DONE) {
        rc = vigil_store_sql_error(s, "recording the run");
        goto done;
    }
    db_finalize(st);
    st = NULL;
    int64_t id = s->drv->last_id(s);
    if ((rc = prep(s, &st, "INSERT INTO run_files (run_id, ord, role, path, sha256, bytes) "
                           "VALUES (?,?,?,?,?,?)")) != 0)
        goto done;
    for (size_t i = 0; i < spec->n_files; i++) {
        db_reset(st);
        db_bind_int64(st, 1, id);
        db_bind_int64(st, 2, i);
        bind_text(st, 3, spec->files[i].role);
        bind_text(st, 4, spec->files[i].path);
        bind_text(st, 5, sha[i]);
        db_bind_int64(st, 6, bytes[i]);
        if (db_step(st) != VIGIL_DB_DONE) {
            rc = vigil_store_sql_error(s, "recording the run's files");
            goto done;
        }
    }
    char digest[65];
    if ((rc = vigil_store_digest_header(s, id, digest)) != 0) goto done;
    if ((rc = vigil_store_audit_append(s, "run.begin", id, digest, NULL)) != 0) goto done;
    if ((rc = vigil_store_sql_commit(s)) != 0) goto done;
    in_tx = 0;
    *run_id = id;
done:
    db_finalize(st);
    if (in_tx) vigil_store_sql_rollback(s);
    free(sha);
    free(bytes);
    return rc;
}

static int require_running(vigil_store *s, int64_t id)
{
    db_stmt *st = NULL;
    int rc = prep(s, &st, "SELECT status FROM runs WHERE id = ?");
    if (rc) return rc;
    db_bind_int64(st, 1, id);
    if (db_step(st) != VIGIL_DB_ROW) rc = vigil_error_set(VIGIL_EINVAL, "no run %lld", (long long)id);
    else if (strcmp(db_text(st, 0), "running") != 0)
        rc = vigil_error_set(VIGIL_EINVAL, "run %lld is already %s", (long long)id,
                             db_text(st, 0));
    db_finalize(st);
    return rc;
}

static int write_results(vigil_store *s, int64_t id, const vigil_results *r)
{
    db_stmt *st = NULL;
    int rc = prep(s, &st, "INSERT INTO metrics (run_id, scope, name, value, ci_low, ci_high) "
                          "VALUES (?,?,?,?,?,?)");
    if (rc) return rc;
    for (size_t i = 0; i < vigil_results_n_metrics(r); i++) {
        const char *scope, *name;
        double v, lo, hi;
        vigil_results_metric(r, i, &scope, &name, &v, &lo, &hi);
        db_reset(st);
        db_bind_int64(st, 1, id);
        bind_text(st, 2, scope);
        bind_text(st, 3, name);
        bind_real(st, 4, v);
        bind_real(st, 5, lo);
        bind_real(st, 6, hi);
        if (db_step(st) != VIGIL_DB_DONE) {
            rc = (s->drv->errkind(s) == VIGIL_DB_ECONSTRAINT)
                     ? vigil_error_set(VIGIL_EINTERNAL, "metric '%s' of scope '%s' stored twice",
                                       name, scope)
                     : vigil_store_sql_error(s, "storing metrics");
            goto done;
        }
    }
    db_finalize(st);
    st = NULL;
    if ((rc = prep(s, &st, "INSERT INTO documents (run_id, name, body) VALUES (?,?,?)")) != 0)
        goto done;
    for (size_t i = 0; i < vigil_results_n_documents(r); i++) {
        const char *name, *body;
        vigil_results_document(r, i, &name, &body);
        db_reset(st);
        db_bind_int64(st, 1, id);
        bind_text(st, 2, name);
        bind_text(st, 3, body);
        if (db_step(st) != VIGIL_DB_DONE) {
            rc = vigil_store_sql_error(s, "storing result documents");
            goto done;
        }
    }
done:
    db_finalize(st);
    return rc;
}

/* Set the end state of a run, then seal it with its digests and an audit entry. */
static int end_run(vigil_store *s, int64_t id, const char *status, int passed, const char *error,
                   const char *action)
{
    char at[32], digest[65], results[65];
    db_stmt *st = NULL;
    vigil_now_iso(at);
    int rc = prep(s, &st, "UPDATE runs SET status = ?, finished_at = ?, passed = ?, error = ? "
                          "WHERE id = ?");
    if (rc) return rc;
    bind_text(st, 1, status);
    bind_text(st, 2, at);
    if (passed < 0) db_bind_null(st, 3);
    else db_bind_int64(st, 3, passed ? 1 : 0);
    bind_text(st, 4, error);
    db_bind_int64(st, 5, id);
    if (db_step(st) != VIGIL_DB_DONE) rc = vigil_store_sql_error(s, "finishing the run");
    db_finalize(st);
    if (rc) return rc;
    if ((rc = vigil_store_digest_results(s, id, results)) != 0) return rc;
    if ((rc = prep(s, &st, "UPDATE runs SET result_digest = ? WHERE id = ?")) != 0) return rc;
    bind_text(st, 1, results);
    db_bind_int64(st, 2, id);
    if (db_step(st) != VIGIL_DB_DONE) rc = vigil_store_sql_error(s, "finishing the run");
    db_finalize(st);
    if (rc) return rc;
    if ((rc = vigil_store_digest_end(s, id, digest, results)) != 0) return rc;
    return vigil_store_audit_append(s, action, id, digest, NULL);
}

int vigil_store_run_finish(vigil_store *s, int64_t run_id, const vigil_results *r, int passed)
{
    int rc = vigil_store_sql_begin(s, 1);
    if (rc) return rc;
    if ((rc = require_running(s, run_id)) != 0 || (rc = write_results(s, run_id, r)) != 0 ||
        (rc = end_run(s, run_id, "completed", passed, NULL, "run.finish")) != 0 ||
        (rc = vigil_store_sql_commit(s)) != 0) {
        vigil_store_sql_rollback(s);
        return rc;
    }
    return VIGIL_OK;
}

int vigil_store_run_fail(vigil_store *s, int64_t run_id, const char *message)
{
    int rc = vigil_store_sql_begin(s, 1);
    if (rc) return rc;
    if ((rc = require_running(s, run_id)) != 0 ||
        (rc = end_run(s, run_id, "failed", -1, message ? message : "failed", "run.fail")) != 0 ||
        (rc = vigil_store_sql_commit(s)) != 0) {
        vigil_store_sql_rollback(s);
        return rc;
    }
    return VIGIL_OK;
}
