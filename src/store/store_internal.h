/* The run store's insides, shared by its files (internal; see include/vigil/store.h).
 *
 * One file per job: open.c (schema, migrations, opening), driver.h (the SQL engine seam) with
 * drv_sqlite.c and drv_pg.c (the engines), sql.c (errors and transactions),
 * digest.c (what the audit chain hashes), runs.c (a run's begin and end), query.c (reading
 * runs back), cache.c, audit.c (appending to and verifying the chain), results.c (the
 * in-memory results list). Digests are always computed from what is in the tables (read back
 * inside the writing transaction), by the same functions vigil_store_audit_verify() uses, so
 * writer and verifier cannot disagree about serialisation. */
#ifndef VIGIL_STORE_INTERNAL_H
#define VIGIL_STORE_INTERNAL_H

#include "vigil/store.h"
#include "vigil/error.h"

#include <math.h>
#include <stdint.h>

#include "core/util.h"
#include "store/driver.h"

#define VIGIL_STORE_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

struct vigil_store {
    const vigil_store_driver *drv; /* the engine (driver.h) */
    void *conn;                    /* the driver's connection */
    char *path;                    /* the file, or the URL without its password */
    char host[256];
    int schema;   /* the store's schema version (after migration, this build's) */
    int readonly; /* opened by vigil_store_open_readonly */
};

/* ---- errors and transactions (sql.c) ---- */

/* How long a writer waits for the others (SQLite's busy timeout, PostgreSQL's lock_timeout):
 * VIGIL_BUSY_TIMEOUT_MS, else 120 s. */
int vigil_store_busy_timeout_ms(void);

/* VIGIL_EDB naming the store, `what` failed, the engine's message and a hint for the usual
 * causes. */
int vigil_store_sql_error(vigil_store *s, const char *what);
int vigil_store_sql_exec(vigil_store *s, const char *sql);
/* Begin a transaction: write (serialised with every other writer of the store) or read (one
 * consistent snapshot); commit it. */
int vigil_store_sql_begin(vigil_store *s, int write);
int vigil_store_sql_commit(vigil_store *s);
/* Undo an open transaction after a failure WITHOUT replacing the error that caused it (a
 * full disk must be reported as a full disk, not as a failed rollback). */
void vigil_store_sql_rollback(vigil_store *s);

/* ---- small statement helpers (through the driver, driver.h) ---- */

typedef vigil_db_stmt db_stmt;

static inline int prep(vigil_store *s, db_stmt **st, const char *sql)
{
    if (s->drv->prepare(s, sql, st) != 0) return vigil_store_sql_error(s, "prepare");
    return VIGIL_OK;
}

static inline void db_finalize(db_stmt *st)
{
    if (st) st->drv->finalize(st);
}
static inline void db_reset(db_stmt *st) { st->drv->reset(st); }
static inline int db_step(db_stmt *st) { return st->drv->step(st); }
static inline void db_bind_null(db_stmt *st, int i) { st->drv->bind_null(st, i); }
static inline void db_bind_int64(db_stmt *st, int i, int64_t v) { st->drv->bind_int64(st, i, v); }
static inline void db_bind_blob(db_stmt *st, int i, const void *v, size_t n)
{
    st->drv->bind_blob(st, i, v, n);
}
static inline int db_is_null(db_stmt *st, int i) { return st->drv->column_is_null(st, i); }
static inline int64_t db_int64(db_stmt *st, int i) { return st->drv->column_int64(st, i); }
static inline double db_double(db_stmt *st, int i) { return st->drv->column_double(st, i); }
static inline const char *db_text(db_stmt *st, int i) { return st->drv->column_text(st, i); }
static inline const void *db_blob(db_stmt *st, int i) { return st->drv->column_blob(st, i); }
static inline size_t db_bytes(db_stmt *st, int i) { return st->drv->column_bytes(st, i); }

static inline void bind_text(db_stmt *st, int i, const char *v)
{
    if (v) st->drv->bind_text(st, i, v);
    else st->drv->bind_null(st, i);
}

static inline void bind_real(db_stmt *st, int i, double v)
{
    if (isnan(v)) st->drv->bind_null(st, i);
    else st->drv->bind_double(st, i, v);
}

static inline char *col_text(db_stmt *st, int i)
{
    const char *t = db_text(st, i);
    return t ? vigil_strdup(t) : NULL;
}

static inline double col_real(db_stmt *st, int i)
{
    return db_is_null(st, i) ? NAN : db_double(st, i);
}

/* ---- digests (digest.c): shared by writer and verifier ---- */

/* What a run is: identity, inputs and configuration. VIGIL_EINVAL when the run is absent. */
int vigil_store_digest_header(vigil_store *s, int64_t id, char out[65]);
/* Every stored result of a run: metrics by (scope, name), documents by name. */
int vigil_store_digest_results(vigil_store *s, int64_t id, char out[65]);
/* How a run ended: header, status, end time, verdict, results, error. */
int vigil_store_digest_end(vigil_store *s, int64_t id, char out[65], char results[65]);
/* An audit entry's canonical bytes: what its chain hash and its Merkle leaf hash cover. */
size_t vigil_store_entry_text(const char *prev, int64_t seq, const char *at, const char *action,
                              int64_t run_id, const char *digest, char buf[512]);
/* The hash of one audit entry, chained to the one before it. */
void vigil_store_entry_hash(const char *prev, int64_t seq, const char *at, const char *action,
                            int64_t run_id, const char *digest, char out[65]);

/* ---- the audit chain (audit.c) ---- */

/* Append an audit entry; must run inside a write transaction. *seq (may be NULL) gets its
 * sequence number. */
int vigil_store_audit_append(vigil_store *s, const char *action, int64_t run_id, const char *digest,
                             int64_t *seq);
/* The digest a cache row's audit entry ("cache.put") records: key and value. */
void vigil_store_cache_digest(const char *key, const void *blob, size_t n, char out[65]);
/* The signature row of audit entry `seq` (sign.c): the digest its "run.sign" entry must record,
 * whether its Ed25519 signature verifies over the statement for the run as stored now, and the
 * run it signs. VIGIL_EINVAL when there is no such row. */
int vigil_store_signature_check(vigil_store *s, int64_t seq, char digest[65], int *signature_ok,
                                int64_t *run_id);
/* *found = 1 when a "cache.put" audit entry records `digest`. */
int vigil_store_cache_recorded(vigil_store *s, const char *digest, int *found);

/* ---- keys (keys.c) ---- */

/* 2n lowercase hex digits to n bytes: 0, or -1 for anything else. */
int vigil_store_unhex(const char *hex, unsigned char *out, size_t n);
/* The OS user running vigil: uid, login name ("uid N" when it has none). */
void vigil_store_whoami(int64_t *uid, char *name, size_t cap);
/* Sign msg with the Ed25519 private key at key_path: sig_hex gets 128 hex digits, pub_hex the
 * raw public key (64), key_id the key id (16). */
int vigil_store_ed25519_sign(const char *key_path, const void *msg, size_t n, char sig_hex[129],
                             char pub_hex[65], char key_id[17]);
/* 1 when sig_hex is pub_hex's Ed25519 signature of msg, else 0. */
int vigil_store_ed25519_verify(const char *pub_hex, const void *msg, size_t n, const char *sig_hex);
/* The raw public key (hex) and key id of a PEM public (or private) key file. */
int vigil_store_read_pubkey(const char *path, char pub_hex[65], char key_id[17]);

#endif
