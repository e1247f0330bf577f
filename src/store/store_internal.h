/* The run store's insides, shared by its files (internal; see include/vigil/store.h).
 *
 * One file per job: open.c (schema, migrations, opening), sql.c (errors and transactions),
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
#include <sqlite3.h>
#include <stdint.h>

#include "core/util.h"

#define VIGIL_STORE_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

struct vigil_store {
    sqlite3 *db;
    char *path;
    char host[256];
    int schema;   /* the file's schema version (after migration, this build's) */
    int readonly; /* opened by vigil_store_open_readonly */
};

/* ---- errors and transactions (sql.c) ---- */

/* VIGIL_EDB naming the store, `what` failed, SQLite's message and a hint for the usual causes. */
int vigil_store_sql_error(vigil_store *s, const char *what);
int vigil_store_sql_exec(vigil_store *s, const char *sql);
/* Undo an open transaction after a failure WITHOUT replacing the error that caused it (a
 * full disk must be reported as a full disk, not as a failed rollback). */
void vigil_store_sql_rollback(vigil_store *s);

/* ---- small statement helpers ---- */

static inline int prep(vigil_store *s, sqlite3_stmt **st, const char *sql)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) return vigil_store_sql_error(s, "prepare");
    return VIGIL_OK;
}

static inline void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v) sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, i);
}

static inline void bind_real(sqlite3_stmt *st, int i, double v)
{
    if (isnan(v)) sqlite3_bind_null(st, i);
    else sqlite3_bind_double(st, i, v);
}

static inline char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? vigil_strdup((const char *)t) : NULL;
}

static inline double col_real(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
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

/* Append an audit entry; must run inside a write transaction. */
int vigil_store_audit_append(vigil_store *s, const char *action, int64_t run_id, const char *digest);
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
