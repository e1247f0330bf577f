/* Reading runs, their files and their results back. */
#include "store/store_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RUN_COLS                                                                          \
    "id, kind, name, status, started_at, finished_at, tool_version, config_json, "        \
    "config_sha256, result_digest, error, passed, seed, pid, host, "
/* the operator columns came with schema 2; a store opened read-only may be older */
#define OPERATOR_COLS(s) ((s)->schema >= 2 ? "operator_uid, operator_user" : "NULL, NULL")

/* A "running" run whose process on this host is gone was interrupted. */
static int is_interrupted(vigil_store *s, db_stmt *st)
{
    if (db_is_null(st, 13)) return 0;
    const char *host = db_text(st, 14);
    if (!host || strcmp(host, s->host) != 0) return 0;
    pid_t pid = (pid_t)db_int64(st, 13);
    if (pid == getpid()) return 0;
    return kill(pid, 0) != 0 && errno == ESRCH;
}

static int read_run(vigil_store *s, db_stmt *st, vigil_run_info *r)
{
    memset(r, 0, sizeof *r);
    r->id = db_int64(st, 0);
    r->kind = col_text(st, 1);
    r->name = col_text(st, 2);
    const char *status = db_text(st, 3);
    r->status = vigil_strdup(strcmp(status, "running") == 0 && is_interrupted(s, st) ? "interrupted"
                                                                                      : status);
    r->started_at = col_text(st, 4);
    r->finished_at = col_text(st, 5);
    r->tool_version = col_text(st, 6);
    r->config_json = col_text(st, 7);
    r->config_sha256 = col_text(st, 8);
    r->result_digest = col_text(st, 9);
    r->error = col_text(st, 10);
    r->passed = db_is_null(st, 11) ? -1 : db_int64(st, 11);
    r->has_seed = !db_is_null(st, 12);
    r->seed = (uint64_t)db_int64(st, 12);
    r->host = col_text(st, 14);
    r->operator_uid = db_is_null(st, 15) ? -1 : db_int64(st, 15);
    r->operator_user = col_text(st, 16);
    if (!r->kind || !r->name || !r->status || !r->started_at)
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    return VIGIL_OK;
}

void vigil_run_info_clear(vigil_run_info *r)
{
    if (!r) return;
    free(r->kind), free(r->name), free(r->status), free(r->started_at), free(r->finished_at);
    free(r->tool_version), free(r->config_json), free(r->config_sha256);
    free(r->result_digest), free(r->error), free(r->operator_user), free(r->host);
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
    db_stmt *st = NULL;
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT " RUN_COLS "%s FROM runs WHERE (CAST(?1 AS TEXT) IS NULL OR kind = ?1) "
                              "AND (CAST(?2 AS TEXT) IS NULL OR name = ?2) ORDER BY id", OPERATOR_COLS(s));
    int rc = prep(s, &st, sql);
    if (rc) return rc;
    bind_text(st, 1, kind);
    bind_text(st, 2, name);
    vigil_run_info *runs = NULL;
    size_t cnt = 0, cap = 0;
    int step;
    while ((step = db_step(st)) == VIGIL_DB_ROW) {
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
    if (!rc && step != VIGIL_DB_DONE) rc = vigil_store_sql_error(s, "listing runs");
    db_finalize(st);
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
    db_stmt *st = NULL;
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT " RUN_COLS "%s FROM runs WHERE id = ?", OPERATOR_COLS(s));
    int rc = prep(s, &st, sql);
    if (rc) return rc;
    db_bind_int64(st, 1, id);
    if (db_step(st) == VIGIL_DB_ROW) rc = read_run(s, st, out);
    else rc = vigil_error_set(VIGIL_EINVAL, "store '%s': no run %lld", s->path, (long long)id);
    db_finalize(st);
    return rc;
}

int vigil_store_get_files(vigil_store *s, int64_t run_id, vigil_run_file_info **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    db_stmt *st = NULL;
    int rc = prep(s, &st, "SELECT role, path, sha256, bytes FROM run_files WHERE run_id = ? "
                          "ORDER BY ord");
    if (rc) return rc;
    db_bind_int64(st, 1, run_id);
    vigil_run_file_info *f = NULL;
    size_t cnt = 0;
    while (db_step(st) == VIGIL_DB_ROW) {
        vigil_run_file_info *nf = realloc(f, (cnt + 1) * sizeof *nf);
        if (!nf) {
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            break;
        }
        f = nf;
        f[cnt].role = col_text(st, 0);
        f[cnt].path = col_text(st, 1);
        f[cnt].sha256 = col_text(st, 2);
        f[cnt].bytes = (uint64_t)db_int64(st, 3);
        cnt++;
    }
    db_finalize(st);
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
    db_stmt *st = NULL;
    int rc = prep(s, &st, "SELECT body FROM documents WHERE run_id = ? AND name = ?");
    if (rc) return rc;
    db_bind_int64(st, 1, run_id);
    bind_text(st, 2, name);
    if (db_step(st) == VIGIL_DB_ROW) {
        if (!(*json = col_text(st, 0))) rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
    } else {
        rc = vigil_error_set(VIGIL_EINVAL, "run %lld has no stored '%s' document",
                             (long long)run_id, name);
    }
    db_finalize(st);
    return rc;
}

int vigil_store_get_metric(vigil_store *s, int64_t run_id, const char *scope, const char *name,
                           double *value, double *ci_low, double *ci_high)
{
    db_stmt *st = NULL;
    int rc = prep(s, &st, "SELECT value, ci_low, ci_high FROM metrics "
                          "WHERE run_id = ? AND scope = ? AND name = ?");
    if (rc) return rc;
    db_bind_int64(st, 1, run_id);
    bind_text(st, 2, scope);
    bind_text(st, 3, name);
    if (db_step(st) == VIGIL_DB_ROW) {
        if (value) *value = col_real(st, 0);
        if (ci_low) *ci_low = col_real(st, 1);
        if (ci_high) *ci_high = col_real(st, 2);
    } else {
        rc = vigil_error_set(VIGIL_EINVAL, "run %lld has no metric '%s' for '%s'",
                             (long long)run_id, name, scope);
    }
    db_finalize(st);
    return rc;
}
