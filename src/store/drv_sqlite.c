/* The SQLite driver of the store (driver.h): the embedded default, one file. Its PRAGMAs
 * (WAL, synchronous, foreign keys, the schema version in user_version), the busy timeout, the
 * owner-only mode of a new file and the read-only (immutable) opening live here. */
#include "store/store_internal.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DB(s) ((sqlite3 *)(s)->conn)

typedef struct {
    vigil_db_stmt base;
    sqlite3_stmt *st;
} lite_stmt;

#define ST(x) (((lite_stmt *)(x))->st)

static int lite_exec(vigil_store *s, const char *sql)
{
    char *err = NULL;
    int rc = sqlite3_exec(DB(s), sql, NULL, NULL, &err);
    sqlite3_free(err);
    return rc == SQLITE_OK ? 0 : -1;
}

/* Switch to WAL. Changing the journal mode needs the database to itself for a moment, and SQLite
 * answers SQLITE_BUSY at once rather than calling the busy handler when several processes open
 * a new store together, so wait and retry here, up to the busy timeout. A store already in WAL
 * mode answers without locking. */
static int wal_mode(vigil_store *s, int timeout_ms)
{
    for (int waited = 0;; waited += 20) {
        char *err = NULL;
        int rc = sqlite3_exec(DB(s), "PRAGMA journal_mode=WAL", NULL, NULL, &err);
        sqlite3_free(err);
        if (rc == SQLITE_OK) return VIGIL_OK;
        if (((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) || waited >= timeout_ms)
            return vigil_store_sql_error(s, "PRAGMA journal_mode=WAL");
        usleep(20000);
    }
}

/* A new store is the owner's only (0600), as is the case data it summarises; SQLite gives its
 * -wal and -shm files the same mode. SQLite has just created the file (with the umask's mode)
 * wherever the name leads: through a dangling symlink, or from a file: URI. So take the file
 * it opened, and while it is still empty (nothing written yet), make it 0600. An existing
 * store keeps its mode. */
static int owner_only_if_new(vigil_store *s)
{
    const char *file = sqlite3_db_filename(DB(s), "main");
    struct stat st;
    if (!file || !*file || stat(file, &st) != 0 || st.st_size != 0) return VIGIL_OK;
    if ((st.st_mode & 0777) != 0600 && chmod(file, 0600) != 0)
        return vigil_error_set(VIGIL_EIO, "store '%s': cannot make the new store owner-only (0600): %s",
                               s->path, strerror(errno));
    return VIGIL_OK;
}

static int open_rw(vigil_store *s, const char *path)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_URI,
                             NULL);
    s->conn = db;
    if (rc != SQLITE_OK)
        /* A path that cannot be opened is the user's to fix (exit 2), not an internal error. */
        return vigil_error_set(db ? VIGIL_EIO : VIGIL_ENOMEM,
                               "store '%s': cannot open: %s (does its directory exist, and may you write there?)",
                               path, db ? sqlite3_errmsg(db) : "out of memory");
    int timeout = vigil_store_busy_timeout_ms();
    sqlite3_busy_timeout(db, timeout);
    if ((rc = owner_only_if_new(s)) != 0 || (rc = wal_mode(s, timeout)) != 0 ||
        (rc = vigil_store_sql_exec(s, "PRAGMA synchronous=FULL")) != 0 ||
        (rc = vigil_store_sql_exec(s, "PRAGMA foreign_keys=ON")) != 0)
        return rc;
    return VIGIL_OK;
}

/* Read-only: no journal-mode change, no WAL checkpoint on close, so a store the user may only
 * read can be verified and listed. A WAL store whose -shm file cannot be created (a read-only
 * directory) is opened as immutable: nobody can be writing it then, as nobody else could have
 * created the -shm either. */
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
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(uri ? uri : path, &db,
                             SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX | (uri ? SQLITE_OPEN_URI : 0), NULL);
    free(uri);
    s->conn = db;
    if (rc != SQLITE_OK)
        return vigil_error_set(db ? VIGIL_EIO : VIGIL_ENOMEM, "store '%s': cannot open for reading: %s",
                               path, db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    sqlite3_busy_timeout(db, vigil_store_busy_timeout_ms());
    return s->drv->schema_get(s, &s->schema);
}

static void lite_close(vigil_store *s)
{
    sqlite3_close_v2(DB(s));
    s->conn = NULL;
}

static int lite_open(vigil_store *s, const char *path, int readonly)
{
    if (!readonly) return open_rw(s, path);
    int rc = open_ro(s, path, 0);
    int ec = DB(s) ? sqlite3_extended_errcode(DB(s)) & 0xff : 0;
    if (rc && (ec == SQLITE_CANTOPEN || ec == SQLITE_READONLY)) {
        lite_close(s);
        vigil_error_clear();
        rc = open_ro(s, path, 1);
    }
    return rc;
}

static int lite_prepare(vigil_store *s, const char *sql, vigil_db_stmt **out)
{
    *out = NULL;
    lite_stmt *st = calloc(1, sizeof *st);
    if (!st) return -1;
    if (sqlite3_prepare_v2(DB(s), sql, -1, &st->st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st->st);
        free(st);
        return -1;
    }
    st->base.drv = &vigil_store_drv_sqlite;
    st->base.s = s;
    *out = &st->base;
    return 0;
}

static void lite_finalize(vigil_db_stmt *st)
{
    sqlite3_finalize(ST(st));
    free(st);
}

static void lite_reset(vigil_db_stmt *st) { sqlite3_reset(ST(st)); }
static void lite_bind_null(vigil_db_stmt *st, int i) { sqlite3_bind_null(ST(st), i); }
static void lite_bind_int64(vigil_db_stmt *st, int i, int64_t v) { sqlite3_bind_int64(ST(st), i, (sqlite3_int64)v); }
static void lite_bind_double(vigil_db_stmt *st, int i, double v) { sqlite3_bind_double(ST(st), i, v); }
static void lite_bind_text(vigil_db_stmt *st, int i, const char *v)
{
    sqlite3_bind_text(ST(st), i, v, -1, SQLITE_TRANSIENT);
}
static void lite_bind_blob(vigil_db_stmt *st, int i, const void *v, size_t n)
{
    sqlite3_bind_blob64(ST(st), i, v, (sqlite3_uint64)n, SQLITE_TRANSIENT);
}

static int lite_step(vigil_db_stmt *st)
{
    int rc = sqlite3_step(ST(st));
    return rc == SQLITE_ROW ? VIGIL_DB_ROW : rc == SQLITE_DONE ? VIGIL_DB_DONE : -1;
}

static int lite_is_null(vigil_db_stmt *st, int i) { return sqlite3_column_type(ST(st), i) == SQLITE_NULL; }
static int64_t lite_int64(vigil_db_stmt *st, int i) { return sqlite3_column_int64(ST(st), i); }
static double lite_double(vigil_db_stmt *st, int i) { return sqlite3_column_double(ST(st), i); }
static const char *lite_text(vigil_db_stmt *st, int i) { return (const char *)sqlite3_column_text(ST(st), i); }
static const void *lite_blob(vigil_db_stmt *st, int i) { return sqlite3_column_blob(ST(st), i); }
static size_t lite_bytes(vigil_db_stmt *st, int i) { return (size_t)sqlite3_column_bytes(ST(st), i); }
static int64_t lite_changes(vigil_store *s) { return sqlite3_changes64(DB(s)); }
static int64_t lite_last_id(vigil_store *s) { return sqlite3_last_insert_rowid(DB(s)); }
static int lite_begin(vigil_store *s, int write) { return lite_exec(s, write ? "BEGIN IMMEDIATE" : "BEGIN"); }
static int lite_commit(vigil_store *s) { return lite_exec(s, "COMMIT"); }
static void lite_rollback(vigil_store *s) { lite_exec(s, "ROLLBACK"); }
static int lite_in_tx(vigil_store *s) { return !sqlite3_get_autocommit(DB(s)); }
static const char *lite_errmsg(vigil_store *s) { return sqlite3_errmsg(DB(s)); }

static vigil_db_errkind lite_errkind(vigil_store *s)
{
    switch (sqlite3_extended_errcode(DB(s)) & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return VIGIL_DB_EBUSY;
    case SQLITE_READONLY: return VIGIL_DB_EREADONLY;
    case SQLITE_FULL: return VIGIL_DB_EFULL;
    case SQLITE_CONSTRAINT: return VIGIL_DB_ECONSTRAINT;
    case SQLITE_CANTOPEN: return VIGIL_DB_ECANTOPEN;
    default: return VIGIL_DB_EOTHER;
    }
}

static int lite_schema_get(vigil_store *s, int *version)
{
    sqlite3_stmt *st = NULL;
    *version = 0;
    if (sqlite3_prepare_v2(DB(s), "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        int rc = vigil_store_sql_error(s, "reading the schema version");
        sqlite3_finalize(st);
        return rc;
    }
    *version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return VIGIL_OK;
}

static int lite_schema_set(vigil_store *s, int version)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", version);
    return vigil_store_sql_exec(s, sql);
}

static int lite_writable(const char *path) { return access(path, W_OK) == 0; }

static void lite_append_only(vigil_sbuf *b, const char *table, const char *message)
{
    vigil_sbuf_printf(b,
                      "CREATE TRIGGER %s_append_only_u BEFORE UPDATE ON %s"
                      "  BEGIN SELECT RAISE(ABORT, '%s'); END;"
                      "CREATE TRIGGER %s_append_only_d BEFORE DELETE ON %s"
                      "  BEGIN SELECT RAISE(ABORT, '%s'); END;",
                      table, table, message, table, table, message);
}

const vigil_store_driver vigil_store_drv_sqlite = {
    .name = "SQLite",
    .t_id = "INTEGER PRIMARY KEY",
    .t_key = "INTEGER PRIMARY KEY",
    .t_int = "INTEGER",
    .t_real = "REAL",
    .t_blob = "BLOB",
    .t_text = "TEXT",
    .append_only = lite_append_only,
    .open = lite_open,
    .close = lite_close,
    .exec = lite_exec,
    .prepare = lite_prepare,
    .finalize = lite_finalize,
    .reset = lite_reset,
    .bind_null = lite_bind_null,
    .bind_int64 = lite_bind_int64,
    .bind_double = lite_bind_double,
    .bind_text = lite_bind_text,
    .bind_blob = lite_bind_blob,
    .step = lite_step,
    .column_is_null = lite_is_null,
    .column_int64 = lite_int64,
    .column_double = lite_double,
    .column_text = lite_text,
    .column_blob = lite_blob,
    .column_bytes = lite_bytes,
    .changes = lite_changes,
    .last_id = lite_last_id,
    .begin = lite_begin,
    .commit = lite_commit,
    .rollback = lite_rollback,
    .in_tx = lite_in_tx,
    .errmsg = lite_errmsg,
    .errkind = lite_errkind,
    .schema_get = lite_schema_get,
    .schema_set = lite_schema_set,
    .writable = lite_writable,
};
