/* The store's SQL engine seam (internal). Every statement of the run store goes through this
 * one small interface; drv_sqlite.c (the embedded default) and drv_pg.c (libpq, PostgreSQL as a
 * store shared by many machines) implement it. The store's SQL is written so both engines
 * accept it: `?` placeholders (`?N` for a numbered one), CAST(? AS TEXT) where a parameter's
 * type is otherwise unknown, ON CONFLICT upserts. What the engines disagree on (column types,
 * ids, append-only triggers, the schema version, transaction modes) is in each driver's
 * dialect below and expanded in one place (open.c). */
#ifndef VIGIL_STORE_DRIVER_H
#define VIGIL_STORE_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

typedef struct vigil_store vigil_store;
typedef struct vigil_store_driver vigil_store_driver;

/* A prepared statement: each driver's own struct begins with this. */
typedef struct vigil_db_stmt {
    const vigil_store_driver *drv;
    vigil_store *s;
} vigil_db_stmt;

enum { VIGIL_DB_DONE = 0, VIGIL_DB_ROW = 1 }; /* step(); a negative value is an error */

/* What kind of failure the last one was (for hints and for the callers that care). */
typedef enum {
    VIGIL_DB_EOTHER = 0,
    VIGIL_DB_EBUSY,       /* locked by another writer past the timeout; serialisation failure */
    VIGIL_DB_EREADONLY,   /* the database, its directory or the session is read-only */
    VIGIL_DB_EFULL,       /* the disk is full */
    VIGIL_DB_ECONSTRAINT, /* a unique/check/foreign-key constraint */
    VIGIL_DB_ECANTOPEN,   /* the file (or its -shm) cannot be opened */
} vigil_db_errkind;

struct vigil_store_driver {
    const char *name; /* "SQLite", "PostgreSQL" */
    /* The dialect: what the migrations' {TOKENS} become (open.c expands them). */
    const char *t_id;   /* {ID}: the runs' generated id */
    const char *t_key;  /* {KEY}: an explicit integer primary key (audit.seq, signatures.seq) */
    const char *t_int;  /* {INT}: a 64-bit integer */
    const char *t_real; /* {REAL}: a double */
    const char *t_blob; /* {BLOB}: bytes */
    const char *t_text; /* {TEXT}: text, compared and ordered byte by byte */
    /* After rows were inserted with their ids (store copy): make the next run id follow them;
     * NULL when the engine does that itself. */
    const char *sync_ids;
    /* {APPEND_ONLY:table:message}: triggers refusing UPDATE and DELETE on table */
    void (*append_only)(vigil_sbuf *b, const char *table, const char *message);

    /* Open `target` (a path, or a URL); readonly: no write ever. Sets s->conn. VIGIL_EIO for a
     * target the user must fix (exit 2). */
    int (*open)(vigil_store *s, const char *target, int readonly);
    void (*close)(vigil_store *s);
    /* One or more statements without parameters (DDL, PRAGMAs). */
    int (*exec)(vigil_store *s, const char *sql);
    int (*prepare)(vigil_store *s, const char *sql, vigil_db_stmt **st);
    void (*finalize)(vigil_db_stmt *st);
    void (*reset)(vigil_db_stmt *st); /* keep the bindings, run again on the next step */
    void (*bind_null)(vigil_db_stmt *st, int i);
    void (*bind_int64)(vigil_db_stmt *st, int i, int64_t v);
    void (*bind_double)(vigil_db_stmt *st, int i, double v);
    void (*bind_text)(vigil_db_stmt *st, int i, const char *v);
    void (*bind_blob)(vigil_db_stmt *st, int i, const void *v, size_t n);
    int (*step)(vigil_db_stmt *st);
    int (*column_is_null)(vigil_db_stmt *st, int i);
    int64_t (*column_int64)(vigil_db_stmt *st, int i);
    double (*column_double)(vigil_db_stmt *st, int i);
    const char *(*column_text)(vigil_db_stmt *st, int i); /* NULL for NULL */
    const void *(*column_blob)(vigil_db_stmt *st, int i);
    size_t (*column_bytes)(vigil_db_stmt *st, int i);
    int64_t (*changes)(vigil_store *s);  /* rows changed by the last statement */
    int64_t (*last_id)(vigil_store *s);  /* the id of the last run inserted */
    /* write: the transaction will write (SQLite BEGIN IMMEDIATE; PostgreSQL takes the store's
     * advisory lock); otherwise one consistent read snapshot. */
    int (*begin)(vigil_store *s, int write);
    int (*commit)(vigil_store *s);
    void (*rollback)(vigil_store *s); /* quietly; no error set */
    int (*in_tx)(vigil_store *s);
    const char *(*errmsg)(vigil_store *s);
    vigil_db_errkind (*errkind)(vigil_store *s);
    /* The store's schema version (0: none yet) and setting it inside the migration. */
    int (*schema_get)(vigil_store *s, int *version);
    int (*schema_set)(vigil_store *s, int version);
    /* The store can be opened for writing (its schema laid down) by this user; NULL: never
     * from a read-only open. */
    int (*writable)(const char *target);
};

extern const vigil_store_driver vigil_store_drv_sqlite;
extern const vigil_store_driver vigil_store_drv_pg;

/* The URL without its password (user:password@ and password=...): what the store shows and
 * keeps. Caller frees. */
char *vigil_store_pg_redact(const char *url);

#endif
