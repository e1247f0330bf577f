/* The run store and audit chain; see include/vigil/store.h.
 *
 * Digests are always computed from what is in the tables (read back inside the writing
 * transaction), by the same functions vigil_store_audit_verify() uses, so writer and verifier
 * cannot disagree about serialisation.
 */
#include "vigil/store.h"
#include "vigil/error.h"
#include "vigil/results.h"
#include "core/util.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"
#define BUSY_TIMEOUT_MS 120000

struct vigil_store {
    sqlite3 *db;
    char *path;
    char host[256];
};

/* ---- schema and migrations ------------------------------------------------------------- */

static const char *const migrations[] = {
    /* 1: runs, inputs, results, audit chain, cache */
    "CREATE TABLE runs ("
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL, name TEXT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('running','completed','failed')),"
    "  started_at TEXT NOT NULL, finished_at TEXT,"
    "  tool_version TEXT NOT NULL, seed INTEGER,"
    "  config_json TEXT NOT NULL, config_sha256 TEXT NOT NULL,"
    "  passed INTEGER, result_digest TEXT, error TEXT,"
    "  pid INTEGER, host TEXT);"
    "CREATE INDEX runs_kind_name ON runs(kind, name);"
    "CREATE TABLE run_files ("
    "  run_id INTEGER NOT NULL REFERENCES runs(id), ord INTEGER NOT NULL,"
    "  role TEXT NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL, bytes INTEGER NOT NULL,"
    "  PRIMARY KEY (run_id, ord));"
    "CREATE TABLE metrics ("
    "  run_id INTEGER NOT NULL REFERENCES runs(id), scope TEXT NOT NULL, name TEXT NOT NULL,"
    "  value REAL, ci_low REAL, ci_high REAL,"
    "  PRIMARY KEY (run_id, scope, name));"
    "CREATE TABLE documents ("
    "  run_id INTEGER NOT NULL REFERENCES runs(id), name TEXT NOT NULL, body TEXT NOT NULL,"
    "  PRIMARY KEY (run_id, name));"
    "CREATE TABLE audit ("
    "  seq INTEGER PRIMARY KEY, at TEXT NOT NULL, action TEXT NOT NULL, run_id INTEGER,"
    "  digest TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL);"
    "CREATE TRIGGER audit_append_only_u BEFORE UPDATE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER audit_append_only_d BEFORE DELETE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TABLE cache (key TEXT PRIMARY KEY, value BLOB NOT NULL, created_at TEXT NOT NULL);",
};
#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int vigil_store_schema_version(void) { return N_MIGRATIONS; }

static int db_error(vigil_store *s, const char *what)
{
    int ec = sqlite3_extended_errcode(s->db);
    const char *hint = "";
    if ((ec & 0xff) == SQLITE_BUSY || (ec & 0xff) == SQLITE_LOCKED)
        hint = " (another vigil process held the store longer than the busy timeout)";
    else if ((ec & 0xff) == SQLITE_READONLY)
        hint = " (the database or its directory is read-only)";
    else if ((ec & 0xff) == SQLITE_FULL)
        hint = " (the disk is full)";
    return vigil_error_set(VIGIL_EDB, "store '%s': %s: %s%s", s->path, what,
                           sqlite3_errmsg(s->db), hint);
}

static int exec(vigil_store *s, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &err) != SQLITE_OK) {
        int rc = db_error(s, sql);
        sqlite3_free(err);
        return rc;
    }
    return VIGIL_OK;
}

/* Undo an open transaction after a failure WITHOUT replacing the error that caused it (a
 * full disk must be reported as a full disk, not as a failed rollback). */
static void rollback(vigil_store *s)
{
    char keep[1024];
    int code = vigil_error_last_code();
    snprintf(keep, sizeof keep, "%s", vigil_error_last());
    if (!sqlite3_get_autocommit(s->db)) {
        char *err = NULL;
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, &err);
        sqlite3_free(err);
    }
    if (code) vigil_error_set(code, "%s", keep);
}

/* Switch to WAL. Changing the journal mode needs the database to itself for a moment, and SQLite
 * answers SQLITE_BUSY at once rather than calling the busy handler when several processes open
 * a new store together, so wait and retry here, up to the busy timeout. A store already in WAL
 * mode answers without locking. */
static int wal_mode(vigil_store *s, int timeout_ms)
{
    for (int waited = 0;; waited += 20) {
        char *err = NULL;
        int rc = sqlite3_exec(s->db, "PRAGMA journal_mode=WAL", NULL, NULL, &err);
        sqlite3_free(err);
        if (rc == SQLITE_OK) return VIGIL_OK;
        if (((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) || waited >= timeout_ms)
            return db_error(s, "PRAGMA journal_mode=WAL");
        usleep(20000);
    }
}

static int migrate(vigil_store *s)
{
    int rc = exec(s, "BEGIN IMMEDIATE");
    if (rc) return rc;
    sqlite3_stmt *st = NULL;
    int version = 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version > N_MIGRATIONS) {
        exec(s, "ROLLBACK");
        return vigil_error_set(VIGIL_EDB,
                               "store '%s' has schema version %d; this vigil (%s) knows up to %d: "
                               "use a newer vigil",
                               s->path, version, VIGIL_VERSION, N_MIGRATIONS);
    }
    for (int v = version; v < N_MIGRATIONS; v++) {
        if ((rc = exec(s, migrations[v])) != 0) goto fail;
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
        if ((rc = exec(s, sql)) != 0) goto fail;
    }
    return exec(s, "COMMIT");
fail:
    rollback(s);
    return rc;
}

int vigil_store_open(vigil_store **out, const char *path)
{
    *out = NULL;
    vigil_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = vigil_strdup(path))) {
        free(s);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    gethostname(s->host, sizeof s->host - 1);
    int rc;
    /* A new store is the owner's only (0600), as is the case data it summarises; SQLite gives
     * its -wal and -shm files the same mode. An existing file keeps its mode. */
    if (strcmp(path, ":memory:") != 0 && strncmp(path, "file:", 5) != 0) {
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) close(fd);
    }
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK) {
        /* A path that cannot be opened is the user's to fix (exit 2), not an internal error. */
        rc = vigil_error_set(s->db ? VIGIL_EIO : VIGIL_ENOMEM,
                             "store '%s': cannot open: %s (does its directory exist, and may you write there?)",
                             path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto fail;
    }
    /* Concurrent runs wait for each other; VIGIL_BUSY_TIMEOUT_MS shortens the wait (tests). */
    const char *env = getenv("VIGIL_BUSY_TIMEOUT_MS");
    int timeout = env && atoi(env) > 0 ? atoi(env) : BUSY_TIMEOUT_MS;
    sqlite3_busy_timeout(s->db, timeout);
    if ((rc = wal_mode(s, timeout)) != 0 ||
        (rc = exec(s, "PRAGMA synchronous=FULL")) != 0 ||
        (rc = exec(s, "PRAGMA foreign_keys=ON")) != 0)
        goto fail;
    if ((rc = migrate(s)) != 0) goto fail;
    *out = s;
    return VIGIL_OK;
fail:
    vigil_store_close(s);
    return rc;
}

void vigil_store_close(vigil_store *s)
{
    if (!s) return;
    sqlite3_close_v2(s->db);
    free(s->path);
    free(s);
}

/* ---- small statement helpers ----------------------------------------------------------- */

static int prep(vigil_store *s, sqlite3_stmt **st, const char *sql)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) return db_error(s, "prepare");
    return VIGIL_OK;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v) sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, i);
}

static void bind_real(sqlite3_stmt *st, int i, double v)
{
    if (isnan(v)) sqlite3_bind_null(st, i);
    else sqlite3_bind_double(st, i, v);
}

static char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? vigil_strdup((const char *)t) : NULL;
}

static double col_real(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

/* Canonical text of a REAL column for digests: %.17g round-trips every double. */
static void put_real(vigil_sbuf *b, sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL) vigil_sbuf_printf(b, "null");
    else vigil_sbuf_printf(b, "%.17g", sqlite3_column_double(st, i));
}

static void put_text(vigil_sbuf *b, sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    /* Length-prefixed so no field separator inside a value can shift a boundary. */
    if (!t) vigil_sbuf_printf(b, "-1:");
    else vigil_sbuf_printf(b, "%zu:%s", strlen((const char *)t), (const char *)t);
    vigil_sbuf_append(b, "\n", 1);
}

/* ---- digests (shared by writer and verifier) ------------------------------------------- */

/* Digest of what a run is: identity, inputs and configuration. VIGIL_EINVAL when the run
 * does not exist. */
static int run_header_digest(vigil_store *s, int64_t id, char out[65])
{
    sqlite3_stmt *st = NULL;
    vigil_sbuf b = {0};
    int rc = prep(s, &st,
                  "SELECT kind, name, started_at, tool_version, seed, config_json, config_sha256 "
                  "FROM runs WHERE id = ?");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return vigil_error_set(VIGIL_EINVAL, "no run %lld", (long long)id);
    }
    vigil_sbuf_printf(&b, "run %lld\n", (long long)id);
    for (int c = 0; c < 7; c++) put_text(&b, st, c);
    sqlite3_finalize(st);
    if ((rc = prep(s, &st, "SELECT ord, role, path, sha256, bytes FROM run_files "
                           "WHERE run_id = ? ORDER BY ord")) != 0)
        goto done;
    sqlite3_bind_int64(st, 1, id);
    while (sqlite3_step(st) == SQLITE_ROW)
        for (int c = 0; c < 5; c++) put_text(&b, st, c);
    if (b.failed) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    vigil_sha256_hex(b.s, b.len, out);
done:
    sqlite3_finalize(st);
    vigil_sbuf_free(&b);
    return rc;
}

/* Digest over every stored result of a run: metrics by (scope, name), documents by name. */
static int results_digest(vigil_store *s, int64_t id, char out[65])
{
    sqlite3_stmt *st = NULL;
    vigil_sbuf b = {0};
    int rc = prep(s, &st, "SELECT scope, name, value, ci_low, ci_high FROM metrics "
                          "WHERE run_id = ? ORDER BY scope, name");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        put_text(&b, st, 0);
        put_text(&b, st, 1);
        for (int c = 2; c < 5; c++) {
            put_real(&b, st, c);
            vigil_sbuf_append(&b, "\n", 1);
        }
    }
    sqlite3_finalize(st);
    if ((rc = prep(s, &st, "SELECT name, body FROM documents WHERE run_id = ? ORDER BY name")) != 0)
        goto done;
    sqlite3_bind_int64(st, 1, id);
    while (sqlite3_step(st) == SQLITE_ROW) {
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
    sqlite3_finalize(st);
    vigil_sbuf_free(&b);
    return rc;
}

/* Digest of how a run ended: header, status, end time, verdict, results, error. */
static int run_end_digest(vigil_store *s, int64_t id, char out[65], char results[65])
{
    char head[65];
    int rc = run_header_digest(s, id, head);
    if (rc) return rc;
    if ((rc = results_digest(s, id, results)) != 0) return rc;
    sqlite3_stmt *st = NULL;
    if ((rc = prep(s, &st, "SELECT status, finished_at, passed, result_digest, error FROM runs "
                           "WHERE id = ?")) != 0)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    vigil_sbuf b = {0};
    vigil_sbuf_printf(&b, "end\n%s\n%s\n", head, results);
    if (sqlite3_step(st) == SQLITE_ROW)
        for (int c = 0; c < 5; c++) put_text(&b, st, c);
    sqlite3_finalize(st);
    if (b.failed) rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
    else vigil_sha256_hex(b.s, b.len, out);
    vigil_sbuf_free(&b);
    return rc;
}

static void entry_hash(const char *prev, int64_t seq, const char *at, const char *action,
                       int64_t run_id, const char *digest, char out[65])
{
    char buf[512];
    int n = snprintf(buf, sizeof buf, "%s\n%lld\n%s\n%s\n%lld\n%s", prev, (long long)seq, at,
                     action, (long long)run_id, digest);
    vigil_sha256_hex(buf, (size_t)n, out);
}

/* Append an audit entry; must run inside a write transaction. */
static int audit_append(vigil_store *s, const char *action, int64_t run_id, const char *digest)
{
    sqlite3_stmt *st = NULL;
    char prev[65] = GENESIS, at[32], hash[65];
    int64_t seq = 1;
    int rc = prep(s, &st, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
    if (rc) return rc;
    if (sqlite3_step(st) == SQLITE_ROW) {
        seq = sqlite3_column_int64(st, 0) + 1;
        const unsigned char *h = sqlite3_column_text(st, 1);
        if (h) snprintf(prev, sizeof prev, "%s", (const char *)h);
    }
    sqlite3_finalize(st);
    vigil_now_iso(at);
    entry_hash(prev, seq, at, action, run_id, digest, hash);
    if ((rc = prep(s, &st, "INSERT INTO audit (seq, at, action, run_id, digest, prev, hash) "
                           "VALUES (?,?,?,?,?,?,?)")) != 0)
        return rc;
    sqlite3_bind_int64(st, 1, seq);
    bind_text(st, 2, at);
    bind_text(st, 3, action);
    sqlite3_bind_int64(st, 4, run_id);
    bind_text(st, 5, digest);
    bind_text(st, 6, prev);
    bind_text(st, 7, hash);
    if (sqlite3_step(st) != SQLITE_DONE) rc = db_error(s, "appending to the audit log");
    sqlite3_finalize(st);
    return rc;
}

/* ---- runs ------------------------------------------------------------------------------ */

int vigil_store_run_begin(vigil_store *s, const vigil_run_spec *spec, int64_t *run_id)
{
    *run_id = 0;
    char (*sha)[65] = calloc(spec->n_files + 1, sizeof *sha);
    uint64_t *bytes = calloc(spec->n_files + 1, sizeof *bytes);
    sqlite3_stmt *st = NULL;
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

    if ((rc = exec(s, "BEGIN IMMEDIATE")) != 0) goto done;
    in_tx = 1;
    if ((rc = prep(s, &st, "INSERT INTO runs (kind, name, status, started_at, tool_version, seed, "
                           "config_json, config_sha256, pid, host) "
                           "VALUES (?,?,'running',?,?,?,?,?,?,?)")) != 0)
        goto done;
    bind_text(st, 1, spec->kind);
    bind_text(st, 2, spec->name ? spec->name : "");
    bind_text(st, 3, at);
    bind_text(st, 4, VIGIL_VERSION);
    if (spec->has_seed) sqlite3_bind_int64(st, 5, (sqlite3_int64)spec->seed);
    else sqlite3_bind_null(st, 5);
    bind_text(st, 6, config);
    bind_text(st, 7, config_sha);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)getpid());
    bind_text(st, 9, s->host);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = db_error(s, "recording the run");
        goto done;
    }
    sqlite3_finalize(st);
    st = NULL;
    int64_t id = sqlite3_last_insert_rowid(s->db);
    if ((rc = prep(s, &st, "INSERT INTO run_files (run_id, ord, role, path, sha256, bytes) "
                           "VALUES (?,?,?,?,?,?)")) != 0)
        goto done;
    for (size_t i = 0; i < spec->n_files; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
        bind_text(st, 3, spec->files[i].role);
        bind_text(st, 4, spec->files[i].path);
        bind_text(st, 5, sha[i]);
        sqlite3_bind_int64(st, 6, (sqlite3_int64)bytes[i]);
        if (sqlite3_step(st) != SQLITE_DONE) {
            rc = db_error(s, "recording the run's files");
            goto done;
        }
    }
    char digest[65];
    if ((rc = run_header_digest(s, id, digest)) != 0) goto done;
    if ((rc = audit_append(s, "run.begin", id, digest)) != 0) goto done;
    if ((rc = exec(s, "COMMIT")) != 0) goto done;
    in_tx = 0;
    *run_id = id;
done:
    sqlite3_finalize(st);
    if (in_tx) rollback(s);
    free(sha);
    free(bytes);
    return rc;
}

static int require_running(vigil_store *s, int64_t id)
{
    sqlite3_stmt *st = NULL;
    int rc = prep(s, &st, "SELECT status FROM runs WHERE id = ?");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) rc = vigil_error_set(VIGIL_EINVAL, "no run %lld", (long long)id);
    else if (strcmp((const char *)sqlite3_column_text(st, 0), "running") != 0)
        rc = vigil_error_set(VIGIL_EINVAL, "run %lld is already %s", (long long)id,
                             (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return rc;
}

static int write_results(vigil_store *s, int64_t id, const vigil_results *r)
{
    sqlite3_stmt *st = NULL;
    int rc = prep(s, &st, "INSERT INTO metrics (run_id, scope, name, value, ci_low, ci_high) "
                          "VALUES (?,?,?,?,?,?)");
    if (rc) return rc;
    for (size_t i = 0; i < vigil_results_n_metrics(r); i++) {
        const char *scope, *name;
        double v, lo, hi;
        vigil_results_metric(r, i, &scope, &name, &v, &lo, &hi);
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, id);
        bind_text(st, 2, scope);
        bind_text(st, 3, name);
        bind_real(st, 4, v);
        bind_real(st, 5, lo);
        bind_real(st, 6, hi);
        if (sqlite3_step(st) != SQLITE_DONE) {
            rc = (sqlite3_errcode(s->db) == SQLITE_CONSTRAINT)
                     ? vigil_error_set(VIGIL_EINTERNAL, "metric '%s' of scope '%s' stored twice",
                                       name, scope)
                     : db_error(s, "storing metrics");
            goto done;
        }
    }
    sqlite3_finalize(st);
    st = NULL;
    if ((rc = prep(s, &st, "INSERT INTO documents (run_id, name, body) VALUES (?,?,?)")) != 0)
        goto done;
    for (size_t i = 0; i < vigil_results_n_documents(r); i++) {
        const char *name, *body;
        vigil_results_document(r, i, &name, &body);
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, id);
        bind_text(st, 2, name);
        bind_text(st, 3, body);
        if (sqlite3_step(st) != SQLITE_DONE) {
            rc = db_error(s, "storing result documents");
            goto done;
        }
    }
done:
    sqlite3_finalize(st);
    return rc;
}

/* Set the end state of a run, then seal it with its digests and an audit entry. */
static int end_run(vigil_store *s, int64_t id, const char *status, int passed, const char *error,
                   const char *action)
{
    char at[32], digest[65], results[65];
    sqlite3_stmt *st = NULL;
    vigil_now_iso(at);
    int rc = prep(s, &st, "UPDATE runs SET status = ?, finished_at = ?, passed = ?, error = ? "
                          "WHERE id = ?");
    if (rc) return rc;
    bind_text(st, 1, status);
    bind_text(st, 2, at);
    if (passed < 0) sqlite3_bind_null(st, 3);
    else sqlite3_bind_int(st, 3, passed ? 1 : 0);
    bind_text(st, 4, error);
    sqlite3_bind_int64(st, 5, id);
    if (sqlite3_step(st) != SQLITE_DONE) rc = db_error(s, "finishing the run");
    sqlite3_finalize(st);
    if (rc) return rc;
    if ((rc = results_digest(s, id, results)) != 0) return rc;
    if ((rc = prep(s, &st, "UPDATE runs SET result_digest = ? WHERE id = ?")) != 0) return rc;
    bind_text(st, 1, results);
    sqlite3_bind_int64(st, 2, id);
    if (sqlite3_step(st) != SQLITE_DONE) rc = db_error(s, "finishing the run");
    sqlite3_finalize(st);
    if (rc) return rc;
    if ((rc = run_end_digest(s, id, digest, results)) != 0) return rc;
    return audit_append(s, action, id, digest);
}

int vigil_store_run_finish(vigil_store *s, int64_t run_id, const vigil_results *r, int passed)
{
    int rc = exec(s, "BEGIN IMMEDIATE");
    if (rc) return rc;
    if ((rc = require_running(s, run_id)) != 0 || (rc = write_results(s, run_id, r)) != 0 ||
        (rc = end_run(s, run_id, "completed", passed, NULL, "run.finish")) != 0 ||
        (rc = exec(s, "COMMIT")) != 0) {
        rollback(s);
        return rc;
    }
    return VIGIL_OK;
}

int vigil_store_run_fail(vigil_store *s, int64_t run_id, const char *message)
{
    int rc = exec(s, "BEGIN IMMEDIATE");
    if (rc) return rc;
    if ((rc = require_running(s, run_id)) != 0 ||
        (rc = end_run(s, run_id, "failed", -1, message ? message : "failed", "run.fail")) != 0 ||
        (rc = exec(s, "COMMIT")) != 0) {
        rollback(s);
        return rc;
    }
    return VIGIL_OK;
}

/* ---- reading --------------------------------------------------------------------------- */

#define RUN_COLS                                                                          \
    "id, kind, name, status, started_at, finished_at, tool_version, config_json, "        \
    "config_sha256, result_digest, error, passed, seed, pid, host"

/* A "running" run whose process on this host is gone was interrupted. */
static int is_interrupted(vigil_store *s, sqlite3_stmt *st)
{
    if (sqlite3_column_type(st, 13) == SQLITE_NULL) return 0;
    const unsigned char *host = sqlite3_column_text(st, 14);
    if (!host || strcmp((const char *)host, s->host) != 0) return 0;
    pid_t pid = (pid_t)sqlite3_column_int64(st, 13);
    if (pid == getpid()) return 0;
    return kill(pid, 0) != 0 && errno == ESRCH;
}

static int read_run(vigil_store *s, sqlite3_stmt *st, vigil_run_info *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    r->kind = col_text(st, 1);
    r->name = col_text(st, 2);
    const char *status = (const char *)sqlite3_column_text(st, 3);
    r->status = vigil_strdup(strcmp(status, "running") == 0 && is_interrupted(s, st) ? "interrupted"
                                                                                      : status);
    r->started_at = col_text(st, 4);
    r->finished_at = col_text(st, 5);
    r->tool_version = col_text(st, 6);
    r->config_json = col_text(st, 7);
    r->config_sha256 = col_text(st, 8);
    r->result_digest = col_text(st, 9);
    r->error = col_text(st, 10);
    r->passed = sqlite3_column_type(st, 11) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 11);
    r->has_seed = sqlite3_column_type(st, 12) != SQLITE_NULL;
    r->seed = (uint64_t)sqlite3_column_int64(st, 12);
    if (!r->kind || !r->name || !r->status || !r->started_at)
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    return VIGIL_OK;
}

void vigil_run_info_clear(vigil_run_info *r)
{
    if (!r) return;
    free(r->kind), free(r->name), free(r->status), free(r->started_at), free(r->finished_at);
    free(r->tool_version), free(r->config_json), free(r->config_sha256);
    free(r->result_digest), free(r->error);
    memset(r, 0, sizeof *r);
}

void vigil_run_info_free(vigil_run_info *runs, size_t n)
{
    if (!runs) return;
    for (size_t i = 0; i < n; i++) vigil_run_info_clear(&runs[i]);
    free(runs);
}

int vigil_store_list_runs(vigil_store *s, const char *kind, const char *name,
                          vigil_run_info **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    int rc = prep(s, &st, "SELECT " RUN_COLS " FROM runs "
                          "WHERE (?1 IS NULL OR kind = ?1) AND (?2 IS NULL OR name = ?2) ORDER BY id");
    if (rc) return rc;
    bind_text(st, 1, kind);
    bind_text(st, 2, name);
    vigil_run_info *runs = NULL;
    size_t cnt = 0, cap = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (cnt == cap) {
            cap = cap ? cap * 2 : 16;
            vigil_run_info *nr = realloc(runs, cap * sizeof *nr);
            if (!nr) {
                rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
                break;
            }
            runs = nr;
        }
        if ((rc = read_run(s, st, &runs[cnt++])) != 0) break;
    }
    if (!rc && step != SQLITE_DONE) rc = db_error(s, "listing runs");
    sqlite3_finalize(st);
    if (rc) {
        vigil_run_info_free(runs, cnt);
        return rc;
    }
    *out = runs;
    *n = cnt;
    return VIGIL_OK;
}

int vigil_store_get_run(vigil_store *s, int64_t id, vigil_run_info *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    int rc = prep(s, &st, "SELECT " RUN_COLS " FROM runs WHERE id = ?");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW) rc = read_run(s, st, out);
    else rc = vigil_error_set(VIGIL_EINVAL, "store '%s': no run %lld", s->path, (long long)id);
    sqlite3_finalize(st);
    return rc;
}

int vigil_store_get_files(vigil_store *s, int64_t run_id, vigil_run_file_info **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    int rc = prep(s, &st, "SELECT role, path, sha256, bytes FROM run_files WHERE run_id = ? "
                          "ORDER BY ord");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, run_id);
    vigil_run_file_info *f = NULL;
    size_t cnt = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        vigil_run_file_info *nf = realloc(f, (cnt + 1) * sizeof *nf);
        if (!nf) {
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            break;
        }
        f = nf;
        f[cnt].role = col_text(st, 0);
        f[cnt].path = col_text(st, 1);
        f[cnt].sha256 = col_text(st, 2);
        f[cnt].bytes = (uint64_t)sqlite3_column_int64(st, 3);
        cnt++;
    }
    sqlite3_finalize(st);
    if (rc) {
        vigil_run_file_info_free(f, cnt);
        return rc;
    }
    *out = f;
    *n = cnt;
    return VIGIL_OK;
}

void vigil_run_file_info_free(vigil_run_file_info *f, size_t n)
{
    if (!f) return;
    for (size_t i = 0; i < n; i++) free(f[i].role), free(f[i].path), free(f[i].sha256);
    free(f);
}

int vigil_store_get_document(vigil_store *s, int64_t run_id, const char *name, char **json)
{
    *json = NULL;
    sqlite3_stmt *st = NULL;
    int rc = prep(s, &st, "SELECT body FROM documents WHERE run_id = ? AND name = ?");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, run_id);
    bind_text(st, 2, name);
    if (sqlite3_step(st) == SQLITE_ROW) {
        if (!(*json = col_text(st, 0))) rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
    } else {
        rc = vigil_error_set(VIGIL_EINVAL, "run %lld has no stored '%s' document",
                             (long long)run_id, name);
    }
    sqlite3_finalize(st);
    return rc;
}

int vigil_store_get_metric(vigil_store *s, int64_t run_id, const char *scope, const char *name,
                           double *value, double *ci_low, double *ci_high)
{
    sqlite3_stmt *st = NULL;
    int rc = prep(s, &st, "SELECT value, ci_low, ci_high FROM metrics "
                          "WHERE run_id = ? AND scope = ? AND name = ?");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, run_id);
    bind_text(st, 2, scope);
    bind_text(st, 3, name);
    if (sqlite3_step(st) == SQLITE_ROW) {
        if (value) *value = col_real(st, 0);
        if (ci_low) *ci_low = col_real(st, 1);
        if (ci_high) *ci_high = col_real(st, 2);
    } else {
        rc = vigil_error_set(VIGIL_EINVAL, "run %lld has no metric '%s' for '%s'",
                             (long long)run_id, name, scope);
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- cache ----------------------------------------------------------------------------- */

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
    if (sqlite3_step(st) != SQLITE_DONE) rc = db_error(s, "writing the cache");
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

/* ---- audit verification ---------------------------------------------------------------- */

typedef struct {
    int64_t id;
    int begun, ended;
} run_seen;

static int bad(vigil_audit_result *out, int64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(vigil_audit_result *out, int64_t seq, const char *fmt, ...)
{
    if (!out->ok) return 0; /* keep the first problem */
    out->ok = 0;
    out->first_bad = seq;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->message, sizeof out->message, fmt, ap);
    va_end(ap);
    return 0;
}

static run_seen *find_seen(run_seen *v, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v[mid].id < id) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && v[lo].id == id ? &v[lo] : NULL;
}

int vigil_store_audit_verify(vigil_store *s, vigil_audit_result *out)
{
    memset(out, 0, sizeof *out);
    out->ok = 1;
    snprintf(out->head, sizeof out->head, "%s", GENESIS);
    sqlite3_stmt *st = NULL, *au = NULL;
    run_seen *runs = NULL;
    size_t nruns = 0;
    /* A read transaction gives one consistent snapshot even while others write. */
    int rc = exec(s, "BEGIN");
    if (rc) return rc;
    if ((rc = prep(s, &st, "SELECT id, status, config_json, config_sha256 FROM runs ORDER BY id")) != 0)
        goto done;
    while (sqlite3_step(st) == SQLITE_ROW) {
        run_seen *nr = realloc(runs, (nruns + 1) * sizeof *nr);
        if (!nr) {
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            goto done;
        }
        runs = nr;
        runs[nruns] = (run_seen){sqlite3_column_int64(st, 0), 0, 0};
        const char *cfg = (const char *)sqlite3_column_text(st, 2);
        const char *cfg_sha = (const char *)sqlite3_column_text(st, 3);
        char h[65];
        vigil_sha256_hex(cfg ? cfg : "", cfg ? strlen(cfg) : 0, h);
        if (!cfg_sha || strcmp(h, cfg_sha) != 0)
            bad(out, 0, "run %lld: its stored configuration does not match its SHA-256",
                (long long)runs[nruns].id);
        nruns++;
    }
    out->n_runs = (int64_t)nruns;
    sqlite3_finalize(st);
    st = NULL;

    if ((rc = prep(s, &au, "SELECT seq, at, action, run_id, digest, prev, hash FROM audit "
                           "ORDER BY seq")) != 0)
        goto done;
    char prev[65] = GENESIS;
    int64_t expect = 1;
    while (sqlite3_step(au) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(au, 0);
        const char *at = (const char *)sqlite3_column_text(au, 1);
        const char *action = (const char *)sqlite3_column_text(au, 2);
        int64_t rid = sqlite3_column_int64(au, 3);
        const char *digest = (const char *)sqlite3_column_text(au, 4);
        const char *eprev = (const char *)sqlite3_column_text(au, 5);
        const char *hash = (const char *)sqlite3_column_text(au, 6);
        char h[65], d[65], res[65];
        out->n_entries++;
        if (!at || !action || !digest || !eprev || !hash) {
            bad(out, seq, "audit entry %lld is incomplete", (long long)seq);
            continue;
        }
        if (seq != expect)
            bad(out, seq, "audit entry %lld follows entry %lld: entries were deleted or reordered",
                (long long)seq, (long long)(expect - 1));
        expect = seq + 1;
        if (strcmp(eprev, prev) != 0)
            bad(out, seq, "audit entry %lld does not link to the entry before it", (long long)seq);
        entry_hash(eprev, seq, at, action, rid, digest, h);
        if (strcmp(h, hash) != 0)
            bad(out, seq, "audit entry %lld was edited (its hash does not match its content)",
                (long long)seq);
        snprintf(prev, sizeof prev, "%s", hash);
        run_seen *r = find_seen(runs, nruns, rid);
        if (!r) {
            bad(out, seq, "audit entry %lld (%s) names run %lld, which is no longer in the store: "
                          "it was deleted", (long long)seq, action, (long long)rid);
            continue;
        }
        int is_begin = strcmp(action, "run.begin") == 0;
        if (is_begin) {
            r->begun++;
            if (run_header_digest(s, rid, d) != 0 || strcmp(d, digest) != 0)
                bad(out, seq, "run %lld: its identity, inputs or configuration were edited "
                              "after audit entry %lld", (long long)rid, (long long)seq);
        } else if (strcmp(action, "run.finish") == 0 || strcmp(action, "run.fail") == 0) {
            r->ended++;
            if (run_end_digest(s, rid, d, res) != 0 || strcmp(d, digest) != 0)
                bad(out, seq, "run %lld: its stored results or verdict were edited after audit "
                              "entry %lld", (long long)rid, (long long)seq);
        } else {
            bad(out, seq, "audit entry %lld has an unknown action '%s'", (long long)seq, action);
        }
    }
    if (out->n_entries > 0) snprintf(out->head, sizeof out->head, "%s", prev);
    /* Every run must be accounted for by the chain. */
    if ((rc = prep(s, &st, "SELECT id, status, (SELECT COUNT(*) FROM metrics m WHERE m.run_id = "
                           "runs.id) + (SELECT COUNT(*) FROM documents d WHERE d.run_id = runs.id) "
                           "FROM runs ORDER BY id")) != 0)
        goto done;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        const char *status = (const char *)sqlite3_column_text(st, 1);
        int64_t nres = sqlite3_column_int64(st, 2);
        run_seen *r = find_seen(runs, nruns, id);
        if (!r) continue;
        if (r->begun != 1)
            bad(out, 0, "run %lld has %d start entries in the audit log (expected 1): it was "
                        "inserted or copied outside vigil", (long long)id, r->begun);
        else if (strcmp(status, "running") != 0 && r->ended != 1)
            bad(out, 0, "run %lld is marked %s but the audit log never recorded its end",
                (long long)id, status);
        else if (strcmp(status, "running") == 0 && (r->ended || nres))
            bad(out, 0, "run %lld is marked running but has results or an end entry",
                (long long)id);
    }
done:
    sqlite3_finalize(st);
    sqlite3_finalize(au);
    exec(s, "COMMIT");
    free(runs);
    return rc;
}
