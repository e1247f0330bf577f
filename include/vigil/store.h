/* vigil — the run store: one SQLite file (or one PostgreSQL database shared by many machines,
 * `postgresql://...`) with every run and a tamper-evident audit chain.
 *
 * A run's life: vigil_store_run_begin() commits a row with status "running" (its config, the
 * SHA-256 of every input file, seed, tool version) and an audit entry; the caller computes;
 * vigil_store_run_finish() then writes all results, the status "completed" and the next
 * audit entry in ONE transaction, or vigil_store_run_fail() marks it "failed". A process
 * killed in between leaves the run "running"; listings show it as "interrupted" once its
 * process is gone. Nothing half-written is ever visible.
 *
 * The audit log is append-only: each entry stores the SHA-256 of what it records (for a
 * finished run, a digest over the run row and every stored result) and of the entry before
 * it. vigil_store_audit_verify() recomputes everything from the tables, so editing a stored
 * value, deleting a run or an entry, or reordering entries is found and named.
 *
 * The file is opened in WAL mode with a busy timeout: concurrent runs queue, they do not fail
 * with "database is locked". A PostgreSQL store (vigil built with PG=1) behaves the same: its
 * writers, on any machine, queue on one advisory lock (README, "Shared store (PostgreSQL)"). Ownership: strings in vigil_run_info belong to the struct and are
 * released by vigil_run_info_free().
 */
#ifndef VIGIL_STORE_H
#define VIGIL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/results.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vigil_store vigil_store;

/* 1 when `target` names a PostgreSQL store (postgresql://... or postgres://...: a libpq URL)
 * rather than an SQLite file. Such a store needs a vigil built with PG=1. */
int vigil_store_is_pg_url(const char *target);
/* `target` as it may be shown or used to name a local file: a PostgreSQL URL without its
 * password, an SQLite path as given. Caller frees; NULL when out of memory. */
char *vigil_store_display_name(const char *target);

/* Open (creating and migrating as needed) the store at `path`. */
int vigil_store_open(vigil_store **out, const char *path);
/* Open an existing store for reading only (audit verify, history, report): no migration, no
 * WAL checkpoint, nothing written, so a store the user may only read works. A store of an older
 * schema reads as it is (no operator). Writing through it fails with VIGIL_EDB. */
int vigil_store_open_readonly(vigil_store **out, const char *path);
void vigil_store_close(vigil_store *s);
/* Schema version this build writes. */
int vigil_store_schema_version(void);

typedef struct {
    const char *role; /* "data", "model", "predecessor", "reference", "config", ... */
    const char *path;
    /* optional: the digest and size already taken while the file was parsed
     * (vigil_table_sha256); NULL: the store hashes the file itself */
    const char *sha256;
    uint64_t bytes;
} vigil_run_file;

typedef struct {
    const char *kind;        /* "suite", "monitor", "metrics", "replay", "explain", "drift" */
    const char *name;        /* suite or monitor name, or a short description */
    const char *config_json; /* the configuration as JSON text (the file, or the arguments) */
    const vigil_run_file *files;
    size_t n_files;          /* each is hashed (SHA-256) and its size recorded */
    uint64_t seed;
    int has_seed;
} vigil_run_spec;

/* Record the start of a run; *run_id receives its id. */
int vigil_store_run_begin(vigil_store *s, const vigil_run_spec *spec, int64_t *run_id);

/* Write the results, set status "completed" and `passed` (1 pass, 0 fail, -1 not applicable),
 * append the audit entry: one transaction. */
int vigil_store_run_finish(vigil_store *s, int64_t run_id, const vigil_results *r, int passed);
/* Mark a run "failed" with a message (its results, if any, are not kept). */
int vigil_store_run_fail(vigil_store *s, int64_t run_id, const char *message);

typedef struct {
    int64_t id;
    char *kind, *name, *status; /* status: running, completed, failed, interrupted */
    char *started_at, *finished_at; /* ISO 8601 UTC; finished_at NULL while running */
    char *tool_version, *config_json, *config_sha256, *result_digest, *error;
    int passed;                 /* 1, 0, -1 (none) */
    int has_seed;
    uint64_t seed;
    /* who ran it (21 CFR Part 11 §11.10(e)): the OS account and host; user NULL and uid -1 for
     * a run recorded before schema 2. Signatures: vigil_store_run_who() in vigil/audit.h. */
    char *operator_user, *host;
    int64_t operator_uid;
} vigil_run_info;

typedef struct {
    char *role, *path, *sha256;
    uint64_t bytes;
} vigil_run_file_info;

/* Runs, oldest first, optionally filtered by kind and/or name (NULL: any). */
int vigil_store_list_runs(vigil_store *s, const char *kind, const char *name,
                          vigil_run_info **out, size_t *n);
/* One run; VIGIL_EINVAL "no run N" when absent. Free with vigil_run_info_free(out, 1)
 * semantics for a single struct: vigil_run_info_clear(). */
int vigil_store_get_run(vigil_store *s, int64_t id, vigil_run_info *out);
void vigil_run_info_clear(vigil_run_info *r);
void vigil_run_info_free(vigil_run_info *runs, size_t n);

int vigil_store_get_files(vigil_store *s, int64_t run_id, vigil_run_file_info **out, size_t *n);
void vigil_run_file_info_free(vigil_run_file_info *f, size_t n);

/* A stored document (caller frees *json); VIGIL_EINVAL when the run has none of that name. */
int vigil_store_get_document(vigil_store *s, int64_t run_id, const char *name, char **json);
/* A stored metric; VIGIL_EINVAL when absent. NaN for a NULL value or bound. */
int vigil_store_get_metric(vigil_store *s, int64_t run_id, const char *scope, const char *name,
                           double *value, double *ci_low, double *ci_high);

/* A key-value cache beside the results (e.g. reference statistics keyed by the reference
 * data's hash). Every put is recorded in the audit log; get: VIGIL_EINVAL when absent or when
 * the stored value is not one the log recorded (swapped outside vigil: recompute it); caller
 * frees *blob. */
int vigil_store_cache_put(vigil_store *s, const char *key, const void *blob, size_t n);
int vigil_store_cache_get(vigil_store *s, const char *key, void **blob, size_t *n);
/* The same checks, then fn(ctx, blob, n) on the stored bytes themselves (valid only during the
 * call; no copy: a large entry is read once); returns fn's result, or the get's error. */
int vigil_store_cache_read(vigil_store *s, const char *key, int (*fn)(void *ctx, const void *blob, size_t n),
                           void *ctx);

typedef struct {
    int ok;                /* 1 when every entry and every run checks out */
    int64_t n_entries;     /* audit entries read */
    int64_t n_runs;        /* runs checked */
    int64_t first_bad;     /* sequence number of the first bad entry, 0 if none */
    char head[65];         /* hash of the last entry: record it elsewhere to detect truncation */
    char message[1024];    /* what is wrong, naming the entry and the run */
} vigil_audit_result;

/* Recompute the chain and every digest. Returns VIGIL_OK when the check could be run
 * (look at out->ok for the verdict), an error when the store could not be read. */
int vigil_store_audit_verify(vigil_store *s, vigil_audit_result *out);

typedef struct {
    int64_t runs, entries;      /* runs and audit entries copied (or already there) */
    int64_t results, signatures, cache;
    int already;                /* 1: the target already held this same history; nothing written */
} vigil_store_copy_result;

/* Copy every run, input record, result, document, cache entry, signature and audit entry of
 * `from` into `to` verbatim (ids, sequence numbers, digests, hashes) in one transaction, so
 * the copy's audit tree, signatures and checkpoints verify as the original's (SQLite to
 * PostgreSQL and back). VIGIL_EINVAL, nothing written, when `to` is not empty, unless it
 * holds the same history (same runs, entries and last entry hash: out->already = 1). */
int vigil_store_copy(vigil_store *from, vigil_store *to, vigil_store_copy_result *out);

#ifdef __cplusplus
}
#endif
#endif
