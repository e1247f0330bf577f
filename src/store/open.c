/* Opening the store: schema, migrations, WAL, the owner-only file mode. */
#include "store/store_internal.h"
#include "vigil/version.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUSY_TIMEOUT_MS 120000

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
            return vigil_store_sql_error(s, "PRAGMA journal_mode=WAL");
        usleep(20000);
    }
}

static int migrate(vigil_store *s)
{
    int rc = vigil_store_sql_exec(s, "BEGIN IMMEDIATE");
    if (rc) return rc;
    sqlite3_stmt *st = NULL;
    int version = 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version > N_MIGRATIONS) {
        vigil_store_sql_exec(s, "ROLLBACK");
        return vigil_error_set(VIGIL_EDB,
                               "store '%s' has schema version %d; this vigil (%s) knows up to %d: "
                               "use a newer vigil",
                               s->path, version, vigil_version(), N_MIGRATIONS);
    }
    for (int v = version; v < N_MIGRATIONS; v++) {
        if ((rc = vigil_store_sql_exec(s, migrations[v])) != 0) goto fail;
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
        if ((rc = vigil_store_sql_exec(s, sql)) != 0) goto fail;
    }
    return vigil_store_sql_exec(s, "COMMIT");
fail:
    vigil_store_sql_rollback(s);
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
        (rc = vigil_store_sql_exec(s, "PRAGMA synchronous=FULL")) != 0 ||
        (rc = vigil_store_sql_exec(s, "PRAGMA foreign_keys=ON")) != 0)
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
