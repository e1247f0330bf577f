/* Opening the store: schema, migrations, WAL, the owner-only file mode. */
#include "store/store_internal.h"
#include "vigil/version.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
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
    /* 2: who ran each run (21 CFR Part 11 §11.10(e)) and electronic signatures (§11.50). Old
     * runs keep NULL operators, and their digests are unchanged (digest.c). */
    "ALTER TABLE runs ADD COLUMN operator_uid INTEGER;"
    /* cached values are now recorded in the audit log; older ones were not: recompute them */
    "DELETE FROM cache;"
    "ALTER TABLE runs ADD COLUMN operator_user TEXT;"
    "CREATE TABLE signatures ("
    "  seq INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id),"
    "  signer TEXT NOT NULL, meaning TEXT NOT NULL CHECK (meaning IN ('approved','reviewed')),"
    "  signed_at TEXT NOT NULL, run_digest TEXT NOT NULL, key_id TEXT NOT NULL,"
    "  public_key TEXT NOT NULL,"
    "  signature TEXT NOT NULL);"
    "CREATE TRIGGER signatures_append_only_u BEFORE UPDATE ON signatures"
    "  BEGIN SELECT RAISE(ABORT, 'signatures are append-only'); END;"
    "CREATE TRIGGER signatures_append_only_d BEFORE DELETE ON signatures"
    "  BEGIN SELECT RAISE(ABORT, 'signatures are append-only'); END;",
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

static int user_version(vigil_store *s, int *version)
{
    sqlite3_stmt *st = NULL;
    *version = 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        int rc = vigil_store_sql_error(s, "reading the schema version");
        sqlite3_finalize(st);
        return rc;
    }
    *version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (*version > N_MIGRATIONS)
        return vigil_error_set(VIGIL_EDB,
                               "store '%s' has schema version %d; this vigil (%s) knows up to %d: "
                               "use a newer vigil",
                               s->path, *version, vigil_version(), N_MIGRATIONS);
    return VIGIL_OK;
}

static int migrate(vigil_store *s)
{
    int rc = vigil_store_sql_exec(s, "BEGIN IMMEDIATE");
    if (rc) return rc;
    int version = 0;
    if ((rc = user_version(s, &version)) != 0) {
        vigil_store_sql_rollback(s);
        return rc;
    }
    for (int v = version; v < N_MIGRATIONS; v++) {
        if ((rc = vigil_store_sql_exec(s, migrations[v])) != 0) goto fail;
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
        if ((rc = vigil_store_sql_exec(s, sql)) != 0) goto fail;
    }
    s->schema = N_MIGRATIONS;
    return vigil_store_sql_exec(s, "COMMIT");
fail:
    vigil_store_sql_rollback(s);
    return rc;
}

static vigil_store *store_new(const char *path)
{
    vigil_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = vigil_strdup(path))) {
        free(s);
        vigil_error_set(VIGIL_ENOMEM, "out of memory");
        return NULL;
    }
    gethostname(s->host, sizeof s->host - 1);
    return s;
}

/* A new store is the owner's only (0600), as is the case data it summarises; SQLite gives its
 * -wal and -shm files the same mode. SQLite has just created the file (with the umask's mode)
 * wherever the name leads: through a dangling symlink, or from a file: URI. So take the file
 * it opened, and while it is still empty (nothing written yet), make it 0600. An existing
 * store keeps its mode. */
static int owner_only_if_new(vigil_store *s)
{
    const char *file = sqlite3_db_filename(s->db, "main");
    struct stat st;
    if (!file || !*file || stat(file, &st) != 0 || st.st_size != 0) return VIGIL_OK;
    if ((st.st_mode & 0777) != 0600 && chmod(file, 0600) != 0)
        return vigil_error_set(VIGIL_EIO, "store '%s': cannot make the new store owner-only (0600): %s",
                               s->path, strerror(errno));
    return VIGIL_OK;
}

int vigil_store_open(vigil_store **out, const char *path)
{
    *out = NULL;
    vigil_store *s = store_new(path);
    if (!s) return VIGIL_ENOMEM;
    int rc;
    if (sqlite3_open_v2(path, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_URI,
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
    if ((rc = owner_only_if_new(s)) != 0 || (rc = wal_mode(s, timeout)) != 0 ||
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

/* Read-only: no journal-mode change, no migration, no WAL checkpoint on close, so a store the
 * user may only read can be verified and listed. A WAL store whose -shm file cannot be created
 * (a read-only directory) is opened as immutable: nobody can be writing it then, as nobody
 * else could have created the -shm either. */
static int open_ro(vigil_store *s, const char *path, int immutable)
{
    char *uri = NULL;
    if (immutable) {
        vigil_sbuf b = {0};
        vigil_sbuf_printf(&b, "file:");
        for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
            if (*p == '%' || *p == '?' || *p == '#' || *p < 0x21 || *p >= 0x7f) vigil_sbuf_printf(&b, "%%%02X", *p);
            else vigil_sbuf_append(&b, (const char *)p, 1);
        }
        vigil_sbuf_printf(&b, "?immutable=1");
        if (b.failed) {
            vigil_sbuf_free(&b);
            return vigil_error_set(VIGIL_ENOMEM, "out of memory");
        }
        uri = b.s;
    }
    int rc = sqlite3_open_v2(uri ? uri : path, &s->db,
                             SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX | (uri ? SQLITE_OPEN_URI : 0), NULL);
    free(uri);
    if (rc != SQLITE_OK)
        return vigil_error_set(s->db ? VIGIL_EIO : VIGIL_ENOMEM, "store '%s': cannot open for reading: %s",
                               path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    const char *env = getenv("VIGIL_BUSY_TIMEOUT_MS");
    sqlite3_busy_timeout(s->db, env && atoi(env) > 0 ? atoi(env) : BUSY_TIMEOUT_MS);
    return user_version(s, &s->schema);
}

int vigil_store_open_readonly(vigil_store **out, const char *path)
{
    *out = NULL;
    if (access(path, R_OK) != 0)
        return vigil_error_set(VIGIL_EIO, "store '%s': cannot read it: %s", path, strerror(errno));
    vigil_store *s = store_new(path);
    if (!s) return VIGIL_ENOMEM;
    s->readonly = 1;
    int rc = open_ro(s, path, 0);
    int ec = s->db ? sqlite3_extended_errcode(s->db) & 0xff : 0;
    if (rc && (ec == SQLITE_CANTOPEN || ec == SQLITE_READONLY)) {
        sqlite3_close_v2(s->db);
        s->db = NULL;
        vigil_error_clear();
        rc = open_ro(s, path, 1);
    }
    if (rc) {
        vigil_store_close(s);
        return rc;
    }
    /* No schema yet: the process that created the file died (or hit a full disk) before its
     * first transaction committed, so the store holds nothing. One the user may write is
     * opened as usual (which lays the schema down, as before read-only opening existed); one
     * they may only read cannot be queried, and says so. */
    if (s->schema == 0) {
        vigil_store_close(s);
        if (access(path, W_OK) == 0) return vigil_store_open(out, path);
        return vigil_error_set(VIGIL_EINVAL, "store '%s' holds no runs: it was never initialised (its creating "
                               "run did not commit)", path);
    }
    *out = s;
    return VIGIL_OK;
}

void vigil_store_close(vigil_store *s)
{
    if (!s) return;
    sqlite3_close_v2(s->db);
    free(s->path);
    free(s);
}
