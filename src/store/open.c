/* Opening the store: choosing its driver, the schema and its migrations. The engine's own
 * settings (SQLite's WAL and file mode, PostgreSQL's session) are in its driver. */
#include "store/store_internal.h"
#include "vigil/version.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The migrations, in the dialect of no engine: {ID}, {KEY}, {INT}, {REAL}, {BLOB}, {TEXT} and
 * {APPEND_ONLY:table:message} become each driver's words (driver.h; expand() below). */
static const char *const migrations[] = {
    /* 1: runs, inputs, results, audit chain, cache */
    "CREATE TABLE runs ("
    "  id {ID},"
    "  kind {TEXT} NOT NULL, name {TEXT} NOT NULL,"
    "  status {TEXT} NOT NULL CHECK (status IN ('running','completed','failed')),"
    "  started_at {TEXT} NOT NULL, finished_at {TEXT},"
    "  tool_version {TEXT} NOT NULL, seed {INT},"
    "  config_json {TEXT} NOT NULL, config_sha256 {TEXT} NOT NULL,"
    "  passed {INT}, result_digest {TEXT}, error {TEXT},"
    "  pid {INT}, host {TEXT});"
    "CREATE INDEX runs_kind_name ON runs(kind, name);"
    "CREATE TABLE run_files ("
    "  run_id {INT} NOT NULL REFERENCES runs(id), ord {INT} NOT NULL,"
    "  role {TEXT} NOT NULL, path {TEXT} NOT NULL, sha256 {TEXT} NOT NULL, bytes {INT} NOT NULL,"
    "  PRIMARY KEY (run_id, ord));"
    "CREATE TABLE metrics ("
    "  run_id {INT} NOT NULL REFERENCES runs(id), scope {TEXT} NOT NULL, name {TEXT} NOT NULL,"
    "  value {REAL}, ci_low {REAL}, ci_high {REAL},"
    "  PRIMARY KEY (run_id, scope, name));"
    "CREATE TABLE documents ("
    "  run_id {INT} NOT NULL REFERENCES runs(id), name {TEXT} NOT NULL, body {TEXT} NOT NULL,"
    "  PRIMARY KEY (run_id, name));"
    "CREATE TABLE audit ("
    "  seq {KEY}, at {TEXT} NOT NULL, action {TEXT} NOT NULL, run_id {INT},"
    "  digest {TEXT} NOT NULL, prev {TEXT} NOT NULL, hash {TEXT} NOT NULL);"
    "{APPEND_ONLY:audit:the audit log is append-only}"
    "CREATE TABLE cache (key {TEXT} PRIMARY KEY, value {BLOB} NOT NULL, created_at {TEXT} NOT NULL);",
    /* 2: who ran each run (21 CFR Part 11 §11.10(e)) and electronic signatures (§11.50). Old
     * runs keep NULL operators, and their digests are unchanged (digest.c). */
    "ALTER TABLE runs ADD COLUMN operator_uid {INT};"
    /* cached values are now recorded in the audit log; older ones were not: recompute them */
    "DELETE FROM cache;"
    "ALTER TABLE runs ADD COLUMN operator_user {TEXT};"
    "CREATE TABLE signatures ("
    "  seq {KEY}, run_id {INT} NOT NULL REFERENCES runs(id),"
    "  signer {TEXT} NOT NULL, meaning {TEXT} NOT NULL CHECK (meaning IN ('approved','reviewed')),"
    "  signed_at {TEXT} NOT NULL, run_digest {TEXT} NOT NULL, key_id {TEXT} NOT NULL,"
    "  public_key {TEXT} NOT NULL,"
    "  signature {TEXT} NOT NULL);"
    "{APPEND_ONLY:signatures:signatures are append-only}",
};
#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int vigil_store_schema_version(void) { return N_MIGRATIONS; }

int vigil_store_is_pg_url(const char *target)
{
    return target && (strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0);
}

char *vigil_store_display_name(const char *target)
{
    return vigil_store_is_pg_url(target) ? vigil_store_pg_redact(target) : vigil_strdup(target);
}

/* A migration in the driver's dialect (the one place the engines' DDL differs). Caller frees. */
static char *expand(const vigil_store_driver *d, const char *m)
{
    vigil_sbuf b = {0};
    for (const char *p = m; *p;) {
        const char *open = strchr(p, '{');
        if (!open) {
            vigil_sbuf_append(&b, p, strlen(p));
            break;
        }
        vigil_sbuf_append(&b, p, (size_t)(open - p));
        const char *close = strchr(open, '}');
        size_t n = (size_t)(close - open - 1);
        const char *tok = open + 1;
        if (n == 2 && !strncmp(tok, "ID", 2)) vigil_sbuf_printf(&b, "%s", d->t_id);
        else if (n == 3 && !strncmp(tok, "KEY", 3)) vigil_sbuf_printf(&b, "%s", d->t_key);
        else if (n == 3 && !strncmp(tok, "INT", 3)) vigil_sbuf_printf(&b, "%s", d->t_int);
        else if (n == 4 && !strncmp(tok, "REAL", 4)) vigil_sbuf_printf(&b, "%s", d->t_real);
        else if (n == 4 && !strncmp(tok, "BLOB", 4)) vigil_sbuf_printf(&b, "%s", d->t_blob);
        else if (n == 4 && !strncmp(tok, "TEXT", 4)) vigil_sbuf_printf(&b, "%s", d->t_text);
        else if (!strncmp(tok, "APPEND_ONLY:", 12)) {
            char table[64], message[128];
            const char *c = strchr(tok + 12, ':');
            snprintf(table, sizeof table, "%.*s", (int)(c - tok - 12), tok + 12);
            snprintf(message, sizeof message, "%.*s", (int)(close - c - 1), c + 1);
            d->append_only(&b, table, message);
        }
        p = close + 1;
    }
    if (b.failed) {
        vigil_sbuf_free(&b);
        return NULL;
    }
    return b.s;
}

static int too_new(vigil_store *s, int version)
{
    if (version > N_MIGRATIONS)
        return vigil_error_set(VIGIL_EDB,
                               "store '%s' has schema version %d; this vigil (%s) knows up to %d: "
                               "use a newer vigil",
                               s->path, version, vigil_version(), N_MIGRATIONS);
    return VIGIL_OK;
}

static int user_version(vigil_store *s, int *version)
{
    int rc = s->drv->schema_get(s, version);
    return rc ? rc : too_new(s, *version);
}

static int migrate(vigil_store *s)
{
    int rc = vigil_store_sql_begin(s, 1);
    if (rc) return rc;
    int version = 0;
    if ((rc = user_version(s, &version)) != 0) {
        vigil_store_sql_rollback(s);
        return rc;
    }
    for (int v = version; v < N_MIGRATIONS; v++) {
        char *sql = expand(s->drv, migrations[v]);
        if (!sql) {
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            goto fail;
        }
        rc = vigil_store_sql_exec(s, sql);
        free(sql);
        if (rc || (rc = s->drv->schema_set(s, v + 1)) != 0) goto fail;
    }
    s->schema = N_MIGRATIONS;
    return vigil_store_sql_commit(s);
fail:
    vigil_store_sql_rollback(s);
    return rc;
}

static vigil_store *store_new(const char *path)
{
    vigil_store *s = calloc(1, sizeof *s);
    /* a PostgreSQL URL is shown (and kept) without its password */
    if (!s || !(s->path = vigil_store_display_name(path))) {
        free(s);
        vigil_error_set(VIGIL_ENOMEM, "out of memory");
        return NULL;
    }
    s->drv = vigil_store_is_pg_url(path) ? &vigil_store_drv_pg : &vigil_store_drv_sqlite;
    gethostname(s->host, sizeof s->host - 1);
    return s;
}

int vigil_store_open(vigil_store **out, const char *path)
{
    *out = NULL;
    vigil_store *s = store_new(path);
    if (!s) return VIGIL_ENOMEM;
    int rc;
    if ((rc = s->drv->open(s, path, 0)) != 0 || (rc = migrate(s)) != 0) {
        vigil_store_close(s);
        return rc;
    }
    *out = s;
    return VIGIL_OK;
}

/* Read-only: no migration and nothing written (the driver sees to the engine's side), so a
 * store the user may only read can be verified and listed. */
int vigil_store_open_readonly(vigil_store **out, const char *path)
{
    *out = NULL;
    int pg = vigil_store_is_pg_url(path);
    if (!pg && access(path, R_OK) != 0)
        return vigil_error_set(VIGIL_EIO, "store '%s': cannot read it: %s", path, strerror(errno));
    vigil_store *s = store_new(path);
    if (!s) return VIGIL_ENOMEM;
    s->readonly = 1;
    int rc = s->drv->open(s, path, 1); /* reads s->schema */
    if (!rc) rc = too_new(s, s->schema);
    if (rc) {
        vigil_store_close(s);
        return rc;
    }
    /* No schema yet: the process that created the store died (or hit a full disk) before its
     * first transaction committed, so the store holds nothing. One the user may write is
     * opened as usual (which lays the schema down, as before read-only opening existed); one
     * they may only read cannot be queried, and says so. */
    if (s->schema == 0) {
        const char *shown = s->path;
        int writable = s->drv->writable && s->drv->writable(path);
        if (writable) {
            vigil_store_close(s);
            return vigil_store_open(out, path);
        }
        rc = vigil_error_set(VIGIL_EINVAL, "store '%s' holds no runs: it was never initialised (%s)", shown,
                             vigil_store_is_pg_url(path) ? "no vigil run has been stored in this database yet"
                                                         : "its creating run did not commit");
        vigil_store_close(s);
        return rc;
    }
    *out = s;
    return VIGIL_OK;
}

void vigil_store_close(vigil_store *s)
{
    if (!s) return;
    if (s->conn) s->drv->close(s);
    free(s->path);
    free(s);
}
