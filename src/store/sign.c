/* Electronic signatures of runs (21 CFR Part 11 §11.50: the signer's printed name, the date
 * and time, the meaning) and who ran a run. A signature is an Ed25519 signature over a
 * statement naming the run's end digest, so it belongs to that run as stored (§11.70); its row
 * is recorded in the audit log ("run.sign") and so covered by checkpoints. */
#include "store/store_internal.h"
#include "vigil/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int statement(vigil_sbuf *b, int64_t run_id, const char *end_digest, const char *meaning,
                     const char *signer, const char *at, const char *key_id)
{
    vigil_sbuf_printf(b, "vigil signature v1\nrun %lld\nrun digest %s\nmeaning %s\nsigner %zu:%s\n"
                         "at %s\nkey %s\n",
                      (long long)run_id, end_digest, meaning, strlen(signer), signer, at, key_id);
    return b->failed ? vigil_error_set(VIGIL_ENOMEM, "out of memory") : VIGIL_OK;
}

static void row_digest(const char *stmt, size_t n, const char *sig, const char *pub, char out[65])
{
    vigil_sha256 *h = vigil_sha256_new();
    if (!h) {
        memset(out, '0', 64);
        out[64] = 0;
        return;
    }
    vigil_sha256_add(h, "signature\n", 10);
    vigil_sha256_add(h, stmt, n);
    vigil_sha256_add(h, sig, strlen(sig));
    vigil_sha256_add(h, "\n", 1);
    vigil_sha256_add(h, pub, strlen(pub));
    vigil_sha256_final(h, out);
    vigil_sha256_free(h);
}

int vigil_store_sign_run(vigil_store *s, int64_t run_id, const char *meaning, const char *key_path,
                         const char *signer)
{
    if (!meaning || (strcmp(meaning, "approved") != 0 && strcmp(meaning, "reviewed") != 0))
        return vigil_error_set(VIGIL_EINVAL, "the meaning of a signature is 'approved' or 'reviewed', not '%s'",
                               meaning ? meaning : "");
    char user[256], at[32], end[65], res[65], sig[129], pub[65], key_id[17], digest[65];
    int64_t uid;
    if (!signer || !*signer) {
        vigil_store_whoami(&uid, user, sizeof user);
        signer = user;
    }
    db_stmt *st = NULL;
    vigil_sbuf b = {0};
    int rc = vigil_store_sql_begin(s, 1);
    if (rc) return rc;
    if ((rc = prep(s, &st, "SELECT status FROM runs WHERE id = ?")) != 0) goto done;
    db_bind_int64(st, 1, run_id);
    if (db_step(st) != VIGIL_DB_ROW) {
        rc = vigil_error_set(VIGIL_EINVAL, "store '%s': no run %lld", s->path, (long long)run_id);
        goto done;
    }
    if (strcmp(db_text(st, 0), "running") == 0) {
        rc = vigil_error_set(VIGIL_EINVAL, "run %lld has not finished: only a finished run can be signed",
                             (long long)run_id);
        goto done;
    }
    db_finalize(st);
    st = NULL;
    vigil_now_iso(at);
    if ((rc = vigil_store_digest_end(s, run_id, end, res)) != 0) goto done;
    /* the statement names the key: read its id from the key file, then sign */
    if ((rc = vigil_store_read_pubkey(key_path, pub, key_id)) != 0) goto done;
    if ((rc = statement(&b, run_id, end, meaning, signer, at, key_id)) != 0) goto done;
    char pub2[65], id2[17];
    if ((rc = vigil_store_ed25519_sign(key_path, b.s, b.len, sig, pub2, id2)) != 0) goto done;
    row_digest(b.s, b.len, sig, pub, digest);
    int64_t seq = 1;
    if ((rc = prep(s, &st, "SELECT COALESCE(MAX(seq), 0) + 1 FROM audit")) != 0) goto done;
    if (db_step(st) == VIGIL_DB_ROW) seq = db_int64(st, 0);
    db_finalize(st);
    st = NULL;
    if ((rc = prep(s, &st, "INSERT INTO signatures (seq, run_id, signer, meaning, signed_at, run_digest, "
                           "key_id, public_key, signature) VALUES (?,?,?,?,?,?,?,?,?)")) != 0)
        goto done;
    db_bind_int64(st, 1, seq);
    db_bind_int64(st, 2, run_id);
    bind_text(st, 3, signer);
    bind_text(st, 4, meaning);
    bind_text(st, 5, at);
    bind_text(st, 6, end);
    bind_text(st, 7, key_id);
    bind_text(st, 8, pub);
    bind_text(st, 9, sig);
    if (db_step(st) != VIGIL_DB_DONE) {
        rc = vigil_store_sql_error(s, "recording the signature");
        goto done;
    }
    int64_t entry = 0;
    if ((rc = vigil_store_audit_append(s, "run.sign", run_id, digest, &entry)) != 0) goto done;
    if (entry != seq) {
        rc = vigil_error_set(VIGIL_EINTERNAL, "signature %lld and its audit entry disagree", (long long)seq);
        goto done;
    }
    rc = vigil_store_sql_commit(s);
done:
    db_finalize(st);
    vigil_sbuf_free(&b);
    if (rc) vigil_store_sql_rollback(s);
    return rc;
}

int vigil_store_signature_check(vigil_store *s, int64_t seq, char digest[65], int *signature_ok,
                                int64_t *run_id)
{
    *signature_ok = 0;
    *run_id = 0;
    db_stmt *st = NULL;
    int rc = prep(s, &st, "SELECT run_id, signer, meaning, signed_at, run_digest, key_id, public_key, "
                          "signature FROM signatures WHERE seq = ?");
    if (rc) return rc;
    db_bind_int64(st, 1, seq);
    if (db_step(st) != VIGIL_DB_ROW) {
        db_finalize(st);
        return vigil_error_set(VIGIL_EINVAL, "no signature %lld", (long long)seq);
    }
    /* signer, meaning, signed_at, run_digest, key_id, public_key, signature */
    const char *f[7];
    for (int i = 0; i < 7; i++) f[i] = db_text(st, i + 1);
    *run_id = db_int64(st, 0);
    char end[65], res[65], id[17], h[65];
    vigil_sbuf b = {0};
    for (int i = 0; i < 7; i++)
        if (!f[i]) {
            rc = vigil_error_set(VIGIL_EINVAL, "signature %lld is incomplete", (long long)seq);
            goto done;
        }
    if ((rc = statement(&b, *run_id, f[3], f[1], f[0], f[2], f[4])) != 0) goto done;
    row_digest(b.s, b.len, f[6], f[5], digest);
    /* it signs the run as stored now, with the key it names */
    if (vigil_store_digest_end(s, *run_id, end, res) != 0) {
        vigil_error_clear();
        goto done;
    }
    vigil_hash raw;
    if (vigil_hash_parse(f[5], raw) != 0) memset(raw, 0, 32);
    vigil_sha256_hex(raw, 32, h);
    snprintf(id, sizeof id, "%.16s", h);
    *signature_ok = strcmp(end, f[3]) == 0 && strcmp(id, f[4]) == 0 &&
                    vigil_store_ed25519_verify(f[5], b.s, b.len, f[6]);
done:
    db_finalize(st);
    vigil_sbuf_free(&b);
    return rc;
}

int vigil_store_run_who(vigil_store *s, int64_t run_id, vigil_run_who *out)
{
    memset(out, 0, sizeof *out);
    out->uid = -1;
    db_stmt *st = NULL;
    int rc = prep(s, &st, s->schema >= 2 ? "SELECT operator_uid, operator_user, host FROM runs WHERE id = ?"
                                         : "SELECT NULL, NULL, host FROM runs WHERE id = ?");
    if (rc) return rc;
    db_bind_int64(st, 1, run_id);
    if (db_step(st) != VIGIL_DB_ROW) {
        db_finalize(st);
        return vigil_error_set(VIGIL_EINVAL, "store '%s': no run %lld", s->path, (long long)run_id);
    }
    if (!db_is_null(st, 0)) out->uid = db_int64(st, 0);
    out->user = col_text(st, 1);
    out->host = col_text(st, 2);
    db_finalize(st);
    if (s->schema < 2) return VIGIL_OK;
    if ((rc = prep(s, &st, "SELECT signer, meaning, signed_at, key_id FROM signatures WHERE run_id = ? "
                           "ORDER BY seq")) != 0)
        goto fail;
    db_bind_int64(st, 1, run_id);
    while (db_step(st) == VIGIL_DB_ROW) {
        vigil_run_signature *ns = realloc(out->signatures, (out->n_signatures + 1) * sizeof *ns);
        if (!ns) {
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            goto fail;
        }
        out->signatures = ns;
        vigil_run_signature *g = &ns[out->n_signatures++];
        g->signer = col_text(st, 0);
        g->meaning = col_text(st, 1);
        g->signed_at = col_text(st, 2);
        g->key_id = col_text(st, 3);
    }
    db_finalize(st);
    return VIGIL_OK;
fail:
    db_finalize(st);
    vigil_run_who_clear(out);
    return rc;
}

void vigil_run_who_clear(vigil_run_who *w)
{
    if (!w) return;
    for (size_t i = 0; i < w->n_signatures; i++) {
        vigil_run_signature *g = &w->signatures[i];
        free(g->signer), free(g->meaning), free(g->signed_at), free(g->key_id);
    }
    free(w->signatures), free(w->user), free(w->host);
    memset(w, 0, sizeof *w);
    w->uid = -1;
}
