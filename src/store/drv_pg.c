/* The PostgreSQL driver of the store (driver.h), through libpq: `--db postgresql://...` (or
 * postgres://, or VIGIL_DB) keeps runs in a database many machines share, with the same
 * schema, audit tree and checkpoints as the SQLite store. Statements run with PQexecParams
 * (text parameters, `?` turned into `$n`), the whole result read at the first step. Write
 * transactions are serialised by one advisory lock (PG_LOCK_KEY below). Built only with
 * PG=1 (the Makefile's switch); without it the same symbol refuses a postgresql:// store. */
#include "store/store_internal.h"

#include <stdlib.h>
#include <string.h>

/* The URL without its password: "scheme://user:password@host" keeps "user@", and a
 * "password=" query parameter is dropped. */
char *vigil_store_pg_redact(const char *url)
{
    vigil_sbuf b = {0};
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    vigil_sbuf_append(&b, url, (size_t)(p - url));
    /* the authority ends at the first '/' or '?'; the userinfo ends at its last '@' */
    size_t auth = strcspn(p, "/?");
    const char *at = NULL;
    for (const char *c = p; c < p + auth; c++)
        if (*c == '@') at = c;
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        vigil_sbuf_append(&b, p, (size_t)((colon ? colon : at) - p));
        p = at;
    }
    const char *q = strchr(p, '?');
    if (!q) vigil_sbuf_append(&b, p, strlen(p));
    else {
        vigil_sbuf_append(&b, p, (size_t)(q - p));
        char sep = '?';
        for (const char *k = q + 1; *k;) {
            const char *e = strchr(k, '&');
            size_t n = e ? (size_t)(e - k) : strlen(k);
            if (!(n >= 9 && strncmp(k, "password=", 9) == 0)) {
                vigil_sbuf_append(&b, &sep, 1);
                vigil_sbuf_append(&b, k, n);
                sep = '&';
            }
            k += n + (e ? 1 : 0);
        }
    }
    if (b.failed) {
        vigil_sbuf_free(&b);
        return NULL;
    }
    return b.s ? b.s : vigil_strdup("");
}

#ifdef VIGIL_HAVE_PG
#include <libpq-fe.h>
#include <stdio.h>
#include <unistd.h>

/* The one advisory lock of a PostgreSQL store, taken (pg_advisory_xact_lock) by every write
 * transaction and held to its COMMIT or ROLLBACK: writers queue as SQLite's BEGIN IMMEDIATE
 * makes them queue, so each reads the audit tree's last entry after the one before has
 * committed, and two machines can never append the same sequence number (fork the tree).
 * The key is "vigl" in ASCII and the tree's number 1: 0x7669676c00000001. Other programs
 * sharing the database must not use it. */
#define PG_LOCK_KEY "8460888434548948993"
#define PG_LOCK_TRIES 3 /* a lock timeout or serialisation failure is retried this often */

enum { OID_BYTEA = 17, OID_INT8 = 20, OID_TEXT = 25, OID_FLOAT8 = 701 };

typedef struct {
    PGconn *pg;
    char err[1024];
    char state[6];
    int64_t changes;
} pg_conn;

typedef struct {
    vigil_db_stmt base;
    char *sql;   /* with $n placeholders */
    int n;       /* parameters */
    char **vals;
    int *lens, *fmts;
    Oid *types;
    PGresult *res;
    int row, rows;
    unsigned char **blob; /* unescaped bytea of the current row, per column */
    size_t *blob_n;
} pg_stmt;

#define C(s) ((pg_conn *)(s)->conn)
#define P(x) ((pg_stmt *)(x))

static void set_err(vigil_store *s, const char *msg, const char *state)
{
    pg_conn *c = C(s);
    snprintf(c->err, sizeof c->err, "%s", msg && *msg ? msg : "unknown PostgreSQL error");
    size_t n = strlen(c->err);
    while (n && (c->err[n - 1] == '\n' || c->err[n - 1] == ' ')) c->err[--n] = 0;
    snprintf(c->state, sizeof c->state, "%s", state ? state : "");
}

static void res_err(vigil_store *s, PGresult *r)
{
    if (r) set_err(s, PQresultErrorMessage(r), PQresultErrorField(r, PG_DIAG_SQLSTATE));
    else set_err(s, PQerrorMessage(C(s)->pg), NULL);
}

/* 0 when r succeeded; else the error is kept and r cleared. */
static int res_ok(vigil_store *s, PGresult *r)
{
    ExecStatusType t = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK) {
        const char *n = PQcmdTuples(r);
        C(s)->changes = n && *n ? atoll(n) : 0;
        return 0;
    }
    res_err(s, r);
    PQclear(r);
    return -1;
}

static int pg_exec(vigil_store *s, const char *sql)
{
    PGresult *r = PQexec(C(s)->pg, sql);
    if (res_ok(s, r)) return -1;
    PQclear(r);
    return 0;
}

static void quiet(void *arg, const char *message) { (void)arg, (void)message; } /* the library never prints */

static int pg_open(vigil_store *s, const char *target, int readonly)
{
    pg_conn *c = calloc(1, sizeof *c);
    if (!c) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    s->conn = c;
    /* The password, if any, comes from PGPASSWORD or ~/.pgpass (libpq); a password written in
     * the URL is used to connect but never shown or kept (s->path is redacted). */
    c->pg = PQconnectdb(target);
    if (!c->pg) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    if (PQstatus(c->pg) != CONNECTION_OK) {
        set_err(s, PQerrorMessage(c->pg), NULL);
        return vigil_error_set(VIGIL_EIO, "store '%s': cannot connect to PostgreSQL: %s", s->path, c->err);
    }
    PQsetNoticeProcessor(c->pg, quiet, NULL);
    int timeout = vigil_store_busy_timeout_ms();
    char sql[256];
    /* extra_float_digits 3: every double is sent back exactly (digests read them back) */
    snprintf(sql, sizeof sql, "SET client_encoding = 'UTF8'; SET extra_float_digits = 3; "
                              "SET lock_timeout = %d; SET default_transaction_read_only = %s",
             timeout, readonly ? "on" : "off");
    if (pg_exec(s, sql)) return vigil_store_sql_error(s, "setting up the session");
    if (readonly) return s->drv->schema_get(s, &s->schema);
    return VIGIL_OK;
}

static void pg_close(vigil_store *s)
{
    pg_conn *c = C(s);
    if (c) PQfinish(c->pg);
    free(c);
    s->conn = NULL;
}

/* `?` and `?N` to `$n`, outside quoted literals and identifiers. */
static char *translate(const char *sql, int *n)
{
    vigil_sbuf b = {0};
    int next = 0, max = 0;
    char quote = 0;
    for (const char *p = sql; *p; p++) {
        if (quote) {
            if (*p == quote) quote = 0;
            vigil_sbuf_append(&b, p, 1);
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
            vigil_sbuf_append(&b, p, 1);
        } else if (*p == '?') {
            int k;
            if (p[1] >= '0' && p[1] <= '9') {
                char *end;
                k = (int)strtol(p + 1, &end, 10);
                p = end - 1;
            } else {
                k = ++next;
            }
            if (k > max) max = k;
            vigil_sbuf_printf(&b, "$%d", k);
        } else {
            vigil_sbuf_append(&b, p, 1);
        }
    }
    *n = max;
    if (b.failed) {
        vigil_sbuf_free(&b);
        return NULL;
    }
    return b.s ? b.s : vigil_strdup("");
}

static void clear_row(pg_stmt *st)
{
    if (!st->blob) return;
    int nf = st->res ? PQnfields(st->res) : 0;
    for (int i = 0; i < nf; i++) {
        PQfreemem(st->blob[i]);
        st->blob[i] = NULL;
    }
}

static void clear_res(pg_stmt *st)
{
    clear_row(st);
    free(st->blob);
    free(st->blob_n);
    st->blob = NULL;
    st->blob_n = NULL;
    PQclear(st->res);
    st->res = NULL;
    st->row = -1;
    st->rows = 0;
}

static void pg_finalize(vigil_db_stmt *x)
{
    pg_stmt *st = P(x);
    clear_res(st);
    for (int i = 0; i < st->n; i++) free(st->vals[i]);
    free(st->vals), free(st->lens), free(st->fmts), free(st->types), free(st->sql);
    free(st);
}

static int pg_prepare(vigil_store *s, const char *sql, vigil_db_stmt **out)
{
    *out = NULL;
    pg_stmt *st = calloc(1, sizeof *st);
    if (!st || !(st->sql = translate(sql, &st->n))) {
        free(st);
        set_err(s, "out of memory", NULL);
        return -1;
    }
    int n = st->n ? st->n : 1;
    st->vals = calloc((size_t)n, sizeof *st->vals);
    st->lens = calloc((size_t)n, sizeof *st->lens);
    st->fmts = calloc((size_t)n, sizeof *st->fmts);
    st->types = calloc((size_t)n, sizeof *st->types);
    st->base.drv = &vigil_store_drv_pg;
    st->base.s = s;
    st->row = -1;
    if (!st->vals || !st->lens || !st->fmts || !st->types) {
        pg_finalize(&st->base);
        set_err(s, "out of memory", NULL);
        return -1;
    }
    *out = &st->base;
    return 0;
}

static void pg_reset(vigil_db_stmt *x) { clear_res(P(x)); }

static void bind(vigil_db_stmt *x, int i, Oid type, const void *v, size_t n, int binary)
{
    pg_stmt *st = P(x);
    if (i < 1 || i > st->n) return;
    i--;
    free(st->vals[i]);
    st->vals[i] = NULL;
    st->types[i] = type;
    st->fmts[i] = binary;
    st->lens[i] = (int)n;
    if (!v) return;
    if ((st->vals[i] = malloc(n + 1))) {
        memcpy(st->vals[i], v, n);
        st->vals[i][n] = 0;
    }
}

static void pg_bind_null(vigil_db_stmt *x, int i) { bind(x, i, 0, NULL, 0, 0); }
static void pg_bind_int64(vigil_db_stmt *x, int i, int64_t v)
{
    char t[32];
    int n = snprintf(t, sizeof t, "%lld", (long long)v);
    bind(x, i, OID_INT8, t, (size_t)n, 0);
}
static void pg_bind_double(vigil_db_stmt *x, int i, double v)
{
    char t[40];
    int n = snprintf(t, sizeof t, "%.17g", v); /* round-trips every double */
    bind(x, i, OID_FLOAT8, t, (size_t)n, 0);
}
static void pg_bind_text(vigil_db_stmt *x, int i, const char *v) { bind(x, i, OID_TEXT, v, strlen(v), 0); }
static void pg_bind_blob(vigil_db_stmt *x, int i, const void *v, size_t n)
{
    bind(x, i, OID_BYTEA, n ? v : "", n, 1);
}

static int pg_step(vigil_db_stmt *x)
{
    pg_stmt *st = P(x);
    vigil_store *s = x->s;
    if (!st->res) {
        PGresult *r = PQexecParams(C(s)->pg, st->sql, st->n, st->types, (const char *const *)st->vals,
                                   st->lens, st->fmts, 0);
        if (res_ok(s, r)) return -1;
        st->res = r;
        st->rows = PQresultStatus(r) == PGRES_TUPLES_OK ? PQntuples(r) : 0;
        st->row = -1;
        int nf = PQnfields(r);
        if (nf > 0) {
            st->blob = calloc((size_t)nf, sizeof *st->blob);
            st->blob_n = calloc((size_t)nf, sizeof *st->blob_n);
            if (!st->blob || !st->blob_n) {
                set_err(s, "out of memory", NULL);
                return -1;
            }
        }
    }
    clear_row(st);
    if (st->row + 1 >= st->rows) {
        st->row = st->rows;
        return VIGIL_DB_DONE;
    }
    st->row++;
    return VIGIL_DB_ROW;
}

static int in_row(pg_stmt *st, int i)
{
    return st->res && st->row >= 0 && st->row < st->rows && i >= 0 && i < PQnfields(st->res);
}
static int pg_is_null(vigil_db_stmt *x, int i)
{
    return !in_row(P(x), i) || PQgetisnull(P(x)->res, P(x)->row, i);
}
static const char *pg_text(vigil_db_stmt *x, int i)
{
    return pg_is_null(x, i) ? NULL : PQgetvalue(P(x)->res, P(x)->row, i);
}
static int64_t pg_col_int64(vigil_db_stmt *x, int i)
{
    const char *t = pg_text(x, i);
    return t ? strtoll(t, NULL, 10) : 0;
}
static double pg_col_double(vigil_db_stmt *x, int i)
{
    const char *t = pg_text(x, i);
    return t ? strtod(t, NULL) : 0.0;
}
static const void *pg_blob(vigil_db_stmt *x, int i)
{
    pg_stmt *st = P(x);
    const char *t = pg_text(x, i);
    if (!t) return NULL;
    if (!st->blob[i]) st->blob[i] = PQunescapeBytea((const unsigned char *)t, &st->blob_n[i]);
    return st->blob[i];
}
static size_t pg_bytes(vigil_db_stmt *x, int i) { return pg_blob(x, i) ? P(x)->blob_n[i] : 0; }

static int64_t pg_changes(vigil_store *s) { return C(s)->changes; }

static int64_t pg_last_id(vigil_store *s)
{
    PGresult *r = PQexec(C(s)->pg, "SELECT lastval()");
    int64_t id = 0;
    if (!res_ok(s, r)) {
        if (PQntuples(r) == 1) id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        PQclear(r);
    }
    return id;
}

static int pg_in_tx(vigil_store *s)
{
    PGTransactionStatusType t = PQtransactionStatus(C(s)->pg);
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

static int retryable(vigil_store *s)
{
    const char *st = C(s)->state;
    return !strcmp(st, "55P03") || !strcmp(st, "40001") || !strcmp(st, "40P01");
}

static int pg_begin(vigil_store *s, int write)
{
    if (!write) return pg_exec(s, "BEGIN ISOLATION LEVEL REPEATABLE READ");
    for (int attempt = 1;; attempt++) {
        if (pg_exec(s, "BEGIN ISOLATION LEVEL READ COMMITTED")) return -1;
        if (!pg_exec(s, "SELECT pg_advisory_xact_lock(" PG_LOCK_KEY ")")) return 0;
        char keep[1024], state[6];
        snprintf(keep, sizeof keep, "%s", C(s)->err);
        snprintf(state, sizeof state, "%s", C(s)->state);
        pg_exec(s, "ROLLBACK");
        set_err(s, keep, state);
        if (!retryable(s) || attempt >= PG_LOCK_TRIES) {
            if (retryable(s)) {
                char msg[1100];
                snprintf(msg, sizeof msg, "%.1000s (after %d tries)", keep, attempt);
                set_err(s, msg, state);
            }
            return -1;
        }
        usleep(100000u * (unsigned)attempt);
    }
}

static int pg_commit(vigil_store *s)
{
    PGresult *r = PQexec(C(s)->pg, "COMMIT");
    if (res_ok(s, r)) return -1;
    /* COMMIT of a failed transaction answers ROLLBACK, not an error */
    int ok = strcmp(PQcmdStatus(r), "COMMIT") == 0;
    PQclear(r);
    if (!ok) set_err(s, "the transaction failed and was rolled back", "40000");
    return ok ? 0 : -1;
}

static void pg_rollback(vigil_store *s)
{
    PGresult *r = PQexec(C(s)->pg, "ROLLBACK");
    PQclear(r);
}

static const char *pg_errmsg(vigil_store *s) { return C(s)->err; }

static vigil_db_errkind pg_errkind(vigil_store *s)
{
    const char *st = C(s)->state;
    if (retryable(s)) return VIGIL_DB_EBUSY;
    if (!strcmp(st, "25006")) return VIGIL_DB_EREADONLY;
    if (!strcmp(st, "53100")) return VIGIL_DB_EFULL;
    if (!strncmp(st, "23", 2)) return VIGIL_DB_ECONSTRAINT;
    return VIGIL_DB_EOTHER;
}

/* The schema version is a one-row table (PostgreSQL has no user_version). */
static int pg_schema_get(vigil_store *s, int *version)
{
    *version = 0;
    PGresult *r = PQexec(C(s)->pg, "SELECT to_regclass('vigil_schema') IS NOT NULL");
    if (res_ok(s, r)) return vigil_store_sql_error(s, "reading the schema version");
    int exists = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (!exists) return VIGIL_OK;
    r = PQexec(C(s)->pg, "SELECT max(version) FROM vigil_schema");
    if (res_ok(s, r)) return vigil_store_sql_error(s, "reading the schema version");
    if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 0)) *version = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return VIGIL_OK;
}

static int pg_schema_set(vigil_store *s, int version)
{
    char sql[160];
    snprintf(sql, sizeof sql, "CREATE TABLE IF NOT EXISTS vigil_schema (version BIGINT NOT NULL); "
                              "DELETE FROM vigil_schema; INSERT INTO vigil_schema VALUES (%d)", version);
    return vigil_store_sql_exec(s, sql);
}

static void pg_append_only(vigil_sbuf *b, const char *table, const char *message)
{
    vigil_sbuf_printf(b,
                      "CREATE OR REPLACE FUNCTION vigil_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                      "$$ BEGIN RAISE EXCEPTION '%%', TG_ARGV[0]; END $$;"
                      "CREATE TRIGGER %s_append_only BEFORE UPDATE OR DELETE ON %s"
                      "  FOR EACH ROW EXECUTE FUNCTION vigil_append_only('%s');"
                      "CREATE TRIGGER %s_append_only_t BEFORE TRUNCATE ON %s"
                      "  FOR EACH STATEMENT EXECUTE FUNCTION vigil_append_only('%s');",
                      table, table, message, table, table, message);
}

const vigil_store_driver vigil_store_drv_pg = {
    .name = "PostgreSQL",
    .t_id = "BIGSERIAL PRIMARY KEY",
    .t_key = "BIGINT PRIMARY KEY",
    .t_int = "BIGINT",
    .t_real = "DOUBLE PRECISION",
    .t_blob = "BYTEA",
    /* byte order, as SQLite's BINARY: digests list rows ORDER BY text columns */
    .t_text = "TEXT COLLATE \"C\"",
    .sync_ids = "SELECT setval(pg_get_serial_sequence('runs', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM runs",
    .append_only = pg_append_only,
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .reset = pg_reset,
    .bind_null = pg_bind_null,
    .bind_int64 = pg_bind_int64,
    .bind_double = pg_bind_double,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .step = pg_step,
    .column_is_null = pg_is_null,
    .column_int64 = pg_col_int64,
    .column_double = pg_col_double,
    .column_text = pg_text,
    .column_blob = pg_blob,
    .column_bytes = pg_bytes,
    .changes = pg_changes,
    .last_id = pg_last_id,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .in_tx = pg_in_tx,
    .errmsg = pg_errmsg,
    .errkind = pg_errkind,
    .schema_get = pg_schema_get,
    .schema_set = pg_schema_set,
    .writable = NULL,
};
#else

/* Built without libpq: a postgresql:// store is refused, saying how to get one. */
static int nopg_open(vigil_store *s, const char *target, int readonly)
{
    return vigil_error_set(VIGIL_EINVAL,
                           "store '%s': this vigil was built without PostgreSQL support: rebuild with "
                           "`make PG=1` (needs libpq-dev: `make deps`)",
                           s->path);
}

const vigil_store_driver vigil_store_drv_pg = {
    .name = "PostgreSQL (not built)",
    .open = nopg_open,
};
#endif
