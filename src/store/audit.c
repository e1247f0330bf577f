/* The audit chain: appending an entry, the tree's leaves, and verifying the whole chain against
 * the tables (runs, signatures, the cache). */
#include "store/store_internal.h"
#include "vigil/audit.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Append an audit entry; must run inside a write transaction. */
int vigil_store_audit_append(vigil_store *s, const char *action, int64_t run_id, const char *digest,
                             int64_t *seq_out)
{
    db_stmt *st = NULL;
    char prev[65] = VIGIL_STORE_GENESIS, at[32], hash[65];
    int64_t seq = 1;
    int rc = prep(s, &st, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
    if (rc) return rc;
    if (db_step(st) == VIGIL_DB_ROW) {
        seq = db_int64(st, 0) + 1;
        const char *h = db_text(st, 1);
        if (h) snprintf(prev, sizeof prev, "%s", h);
    }
    db_finalize(st);
    vigil_now_iso(at);
    vigil_store_entry_hash(prev, seq, at, action, run_id, digest, hash);
    if ((rc = prep(s, &st, "INSERT INTO audit (seq, at, action, run_id, digest, prev, hash) "
                           "VALUES (?,?,?,?,?,?,?)")) != 0)
        return rc;
    db_bind_int64(st, 1, seq);
    bind_text(st, 2, at);
    bind_text(st, 3, action);
    db_bind_int64(st, 4, run_id);
    bind_text(st, 5, digest);
    bind_text(st, 6, prev);
    bind_text(st, 7, hash);
    if (db_step(st) != VIGIL_DB_DONE) rc = vigil_store_sql_error(s, "appending to the audit log");
    db_finalize(st);
    if (!rc && seq_out) *seq_out = seq;
    return rc;
}

int vigil_store_cache_recorded(vigil_store *s, const char *digest, int *found)
{
    db_stmt *st = NULL;
    *found = 0;
    int rc = prep(s, &st, "SELECT 1 FROM audit WHERE action = 'cache.put' AND digest = ? LIMIT 1");
    if (rc) return rc;
    bind_text(st, 1, digest);
    int step = db_step(st);
    if (step == VIGIL_DB_ROW) *found = 1;
    else if (step != VIGIL_DB_DONE) rc = vigil_store_sql_error(s, "reading the audit log");
    db_finalize(st);
    return rc;
}

int vigil_store_audit_leaves(vigil_store *s, vigil_hash **leaves, size_t *n)
{
    *leaves = NULL;
    *n = 0;
    db_stmt *st = NULL;
    int rc = prep(s, &st, "SELECT seq, at, action, run_id, digest, prev FROM audit ORDER BY seq");
    if (rc) return rc;
    vigil_hash *v = NULL;
    size_t cnt = 0, cap = 0;
    int step;
    while ((step = db_step(st)) == VIGIL_DB_ROW) {
        if (cnt == cap) {
            cap = cap ? cap * 2 : 256;
            vigil_hash *nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
                rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
                break;
            }
            v = nv;
        }
        const char *at = db_text(st, 1);
        const char *action = db_text(st, 2);
        const char *digest = db_text(st, 4);
        const char *prev = db_text(st, 5);
        char buf[512];
        size_t len = vigil_store_entry_text(prev ? prev : "", db_int64(st, 0), at ? at : "",
                                            action ? action : "", db_int64(st, 3),
                                            digest ? digest : "", buf);
        vigil_merkle_leaf_hash(buf, len, v[cnt++]);
    }
    if (!rc && step != VIGIL_DB_DONE) rc = vigil_store_sql_error(s, "reading the audit log");
    db_finalize(st);
    if (rc) {
        free(v);
        return rc;
    }
    *leaves = v;
    *n = cnt;
    return VIGIL_OK;
}

typedef struct {
    int64_t id;
    int begun, ended;
} run_seen;

static int bad(vigil_audit_result *out, int64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(vigil_audit_result *out, int64_t seq, const char *fmt, ...)
{
    if (!out->ok) return 0; /* keep the first problem */
    out->ok = 0;
    out->first_bad = seq;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->message, sizeof out->message, fmt, ap);
    va_end(ap);
    return 0;
}

static run_seen *find_seen(run_seen *v, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v[mid].id < id) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && v[lo].id == id ? &v[lo] : NULL;
}

int vigil_store_audit_verify(vigil_store *s, vigil_audit_result *out)
{
    memset(out, 0, sizeof *out);
    out->ok = 1;
    snprintf(out->head, sizeof out->head, "%s", VIGIL_STORE_GENESIS);
    db_stmt *st = NULL, *au = NULL;
    run_seen *runs = NULL;
    size_t nruns = 0;
    /* A read transaction gives one consistent snapshot even while others write. */
    int rc = vigil_store_sql_begin(s, 0);
    if (rc) return rc;
    if ((rc = prep(s, &st, "SELECT id, status, config_json, config_sha256 FROM runs ORDER BY id")) != 0)
        goto done;
    while (db_step(st) == VIGIL_DB_ROW) {
        run_seen *nr = realloc(runs, (nruns + 1) * sizeof *nr);
        if (!nr) {
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            goto done;
        }
        runs = nr;
        runs[nruns] = (run_seen){db_int64(st, 0), 0, 0};
        const char *cfg = db_text(st, 2);
        const char *cfg_sha = db_text(st, 3);
        char h[65];
        vigil_sha256_hex(cfg ? cfg : "", cfg ? strlen(cfg) : 0, h);
        if (!cfg_sha || strcmp(h, cfg_sha) != 0)
            bad(out, 0, "run %lld: its stored configuration does not match its SHA-256",
                (long long)runs[nruns].id);
        nruns++;
    }
    out->n_runs = (int64_t)nruns;
    db_finalize(st);
    st = NULL;

    if ((rc = prep(s, &au, "SELECT seq, at, action, run_id, digest, prev, hash FROM audit "
                           "ORDER BY seq")) != 0)
        goto done;
    char prev[65] = VIGIL_STORE_GENESIS;
    int64_t expect = 1;
    while (db_step(au) == VIGIL_DB_ROW) {
        int64_t seq = db_int64(au, 0);
        const char *at = db_text(au, 1);
        const char *action = db_text(au, 2);
        int64_t rid = db_int64(au, 3);
        const char *digest = db_text(au, 4);
        const char *eprev = db_text(au, 5);
        const char *hash = db_text(au, 6);
        char h[65], d[65], res[65];
        out->n_entries++;
        if (!at || !action || !digest || !eprev || !hash) {
            bad(out, seq, "audit entry %lld is incomplete", (long long)seq);
            continue;
        }
        if (seq != expect)
            bad(out, seq, "audit entry %lld follows entry %lld: entries were deleted or reordered",
                (long long)seq, (long long)(expect - 1));
        expect = seq + 1;
        if (strcmp(eprev, prev) != 0)
            bad(out, seq, "audit entry %lld does not link to the entry before it", (long long)seq);
        vigil_store_entry_hash(eprev, seq, at, action, rid, digest, h);
        if (strcmp(h, hash) != 0)
            bad(out, seq, "audit entry %lld was edited (its hash does not match its content)",
                (long long)seq);
        snprintf(prev, sizeof prev, "%s", hash);
        if (strcmp(action, "cache.put") == 0) continue; /* checked against the cache below */
        run_seen *r = find_seen(runs, nruns, rid);
        if (!r) {
            bad(out, seq, "audit entry %lld (%s) names run %lld, which is no longer in the store: "
                          "it was deleted", (long long)seq, action, (long long)rid);
            continue;
        }
        int is_begin = strcmp(action, "run.begin") == 0;
        if (is_begin) {
            r->begun++;
            if (vigil_store_digest_header(s, rid, d) != 0 || strcmp(d, digest) != 0)
                bad(out, seq, "run %lld: its identity, inputs or configuration were edited "
                              "after audit entry %lld", (long long)rid, (long long)seq);
        } else if (strcmp(action, "run.finish") == 0 || strcmp(action, "run.fail") == 0) {
            r->ended++;
            if (vigil_store_digest_end(s, rid, d, res) != 0 || strcmp(d, digest) != 0)
                bad(out, seq, "run %lld: its stored results or verdict were edited after audit "
                              "entry %lld", (long long)rid, (long long)seq);
        } else if (strcmp(action, "run.sign") == 0 && s->schema >= 2) {
            int sig_ok = 0;
            int64_t srun = 0;
            if (vigil_store_signature_check(s, seq, d, &sig_ok, &srun) != 0 || strcmp(d, digest) != 0 ||
                srun != rid)
                bad(out, seq, "run %lld: the electronic signature of audit entry %lld was edited or "
                              "deleted", (long long)rid, (long long)seq);
            else if (!sig_ok)
                bad(out, seq, "run %lld: the electronic signature of audit entry %lld does not match "
                              "the run it signs (the run or the signature was changed)",
                    (long long)rid, (long long)seq);
        } else {
            bad(out, seq, "audit entry %lld has an unknown action '%s'", (long long)seq, action);
        }
    }
    if (out->n_entries > 0) snprintf(out->head, sizeof out->head, "%s", prev);
    /* Every run must be accounted for by the chain. */
    if ((rc = prep(s, &st, "SELECT id, status, (SELECT COUNT(*) FROM metrics m WHERE m.run_id = "
                           "runs.id) + (SELECT COUNT(*) FROM documents d WHERE d.run_id = runs.id) "
                           "FROM runs ORDER BY id")) != 0)
        goto done;
    while (db_step(st) == VIGIL_DB_ROW) {
        int64_t id = db_int64(st, 0);
        const char *status = db_text(st, 1);
        int64_t nres = db_int64(st, 2);
        run_seen *r = find_seen(runs, nruns, id);
        if (!r) continue;
        if (r->begun != 1)
            bad(out, 0, "run %lld has %d start entries in the audit log (expected 1): it was "
                        "inserted or copied outside vigil", (long long)id, r->begun);
        else if (strcmp(status, "running") != 0 && r->ended != 1)
            bad(out, 0, "run %lld is marked %s but the audit log never recorded its end",
                (long long)id, status);
        else if (strcmp(status, "running") == 0 && (r->ended || nres))
            bad(out, 0, "run %lld is marked running but has results or an end entry",
                (long long)id);
    }
    db_finalize(st);
    st = NULL;
    /* Every cached value (the monitor's reference statistics) is one the audit log recorded. */
    if ((rc = prep(s, &st, s->schema >= 2 ? "SELECT key, value FROM cache ORDER BY key"
                                          : "SELECT key, value FROM cache WHERE 1 = 0")) != 0)
        goto done;
    while (db_step(st) == VIGIL_DB_ROW) {
        const char *key = db_text(st, 0);
        char d[65];
        vigil_store_cache_digest(key ? key : "", db_blob(st, 1),
                                 db_bytes(st, 1), d);
        int found = 0;
        if ((rc = vigil_store_cache_recorded(s, d, &found)) != 0) goto done;
        if (!found)
            bad(out, 0, "cache entry '%s' is not the value the audit log recorded: it was "
                        "replaced outside vigil", key ? key : "");
    }
    if (s->schema >= 2) {
        db_finalize(st);
        st = NULL;
        if ((rc = prep(s, &st, "SELECT seq, run_id FROM signatures WHERE seq NOT IN "
                               "(SELECT seq FROM audit WHERE action = 'run.sign') ORDER BY seq")) != 0)
            goto done;
        if (db_step(st) == VIGIL_DB_ROW)
            bad(out, 0, "run %lld has a signature (%lld) that the audit log never recorded: it was "
                        "added outside vigil", (long long)db_int64(st, 1),
                (long long)db_int64(st, 0));
    }
done:
    db_finalize(st);
    db_finalize(au);
    vigil_store_sql_commit(s);
    free(runs);
    return rc;
}
