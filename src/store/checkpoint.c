/* Signed checkpoints of the audit tree (as Certificate Transparency's signed tree heads and
 * Sigstore's checkpoints). The file is JSON:
 *
 *   {"vigil_checkpoint": 1, "tree_size": N, "root": "<64 hex>", "time": "<ISO 8601 UTC>",
 *    "signer": "<name>", "key_id": "<16 hex>", "signature": "<128 hex>"}
 *
 * where signature is the Ed25519 signature of the statement
 *
 *   "vigil checkpoint v1\ntree_size N\nroot R\ntime T\nsigner <bytes>:S\nkey K\n"
 *
 * Verifying one checks the signature with the operator's public key, then that the store's
 * tree now (size n >= N) extends it: an RFC 9162 consistency proof from N to n, built from the
 * store's entries and checked against the checkpoint's root. */
#include "store/store_internal.h"
#include "vigil/audit.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int statement(vigil_sbuf *b, long long size, const char *root, const char *at,
                     const char *signer, const char *key_id)
{
    vigil_sbuf_printf(b, "vigil checkpoint v1\ntree_size %lld\nroot %s\ntime %s\nsigner %zu:%s\nkey %s\n",
                      size, root, at, strlen(signer), signer, key_id);
    return b->failed ? vigil_error_set(VIGIL_ENOMEM, "out of memory") : VIGIL_OK;
}

static int tree_now(vigil_store *s, size_t *n, vigil_hash root, vigil_hash **leaves)
{
    int rc = vigil_store_audit_leaves(s, leaves, n);
    if (rc) return rc;
    vigil_merkle_root(*leaves, *n, root);
    return VIGIL_OK;
}

int vigil_audit_checkpoint(vigil_store *s, const char *key_path, const char *signer, char **text)
{
    *text = NULL;
    char user[256], at[32], root_hex[65], sig[129], pub[65], key_id[17];
    int64_t uid;
    if (!signer || !*signer) {
        vigil_store_whoami(&uid, user, sizeof user);
        signer = user;
    }
    vigil_hash *leaves = NULL, root;
    size_t n = 0;
    vigil_sbuf b = {0};
    /* one snapshot: the size and the root are of the same tree */
    int rc = vigil_store_sql_exec(s, "BEGIN");
    if (rc) return rc;
    rc = tree_now(s, &n, root, &leaves);
    vigil_store_sql_exec(s, "COMMIT");
    if (rc) goto done;
    vigil_hash_hex(root, root_hex);
    vigil_now_iso(at);
    if ((rc = vigil_store_read_pubkey(key_path, pub, key_id)) != 0) goto done;
    if ((rc = statement(&b, (long long)n, root_hex, at, signer, key_id)) != 0) goto done;
    char pub2[65], id2[17];
    if ((rc = vigil_store_ed25519_sign(key_path, b.s, b.len, sig, pub2, id2)) != 0) goto done;
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "vigil_checkpoint", 1);
    cJSON_AddNumberToObject(doc, "tree_size", (double)n);
    cJSON_AddStringToObject(doc, "root", root_hex);
    cJSON_AddStringToObject(doc, "time", at);
    cJSON_AddStringToObject(doc, "signer", signer);
    cJSON_AddStringToObject(doc, "key_id", key_id);
    cJSON_AddStringToObject(doc, "signature", sig);
    char *t = doc ? cJSON_Print(doc) : NULL;
    cJSON_Delete(doc);
    if (!t) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    size_t len = strlen(t);
    if (!(*text = malloc(len + 2))) rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
    else memcpy(*text, t, len), memcpy(*text + len, "\n", 2);
    cJSON_free(t);
done:
    free(leaves);
    vigil_sbuf_free(&b);
    return rc;
}

static const char *const keys[] = {"vigil_checkpoint", "tree_size", "root", "time", "signer", "key_id",
                                   "signature"};

/* The string member `key`: present, a string, unique (checked by the caller). */
static const char *str(const cJSON *doc, const char *key, size_t len_exact, size_t len_max)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, key);
    if (!cJSON_IsString(v) || !v->valuestring) {
        vigil_error_set(VIGIL_EINVAL, "$.%s: %s", key, v ? "expected a string" : "missing");
        return NULL;
    }
    size_t n = strlen(v->valuestring);
    if ((len_exact && n != len_exact) || n > len_max || n == 0) {
        vigil_error_set(VIGIL_EINVAL, "$.%s: expected %s%zu characters", key, len_exact ? "" : "1 to ",
                        len_exact ? len_exact : len_max);
        return NULL;
    }
    return v->valuestring;
}

int vigil_audit_verify_checkpoint(vigil_store *s, const char *text, const char *pub_path,
                                  vigil_checkpoint_result *out)
{
    memset(out, 0, sizeof *out);
    cJSON *doc = cJSON_Parse(text);
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        return vigil_error_set(VIGIL_EINVAL, "not a vigil checkpoint (not a JSON object)");
    }
    int rc = VIGIL_OK;
    vigil_hash *leaves = NULL, *proof = NULL;
    vigil_sbuf b = {0};
    /* strict: every key known and given once, so what is verified is what a reader sees */
    for (const cJSON *c = doc->child; c; c = c->next) {
        size_t k = 0;
        while (k < sizeof keys / sizeof *keys && strcmp(keys[k], c->string) != 0) k++;
        if (k == sizeof keys / sizeof *keys) {
            rc = vigil_error_set(VIGIL_EINVAL, "$.%s: unknown key in a checkpoint", c->string);
            goto done;
        }
        for (const cJSON *d = c->next; d; d = d->next)
            if (strcmp(d->string, c->string) == 0) {
                rc = vigil_error_set(VIGIL_EINVAL, "$.%s: given twice", c->string);
                goto done;
            }
    }
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(doc, "vigil_checkpoint");
    const cJSON *sz = cJSON_GetObjectItemCaseSensitive(doc, "tree_size");
    if (!cJSON_IsNumber(ver) || ver->valuedouble != 1) {
        rc = vigil_error_set(VIGIL_EINVAL, "$.vigil_checkpoint: expected 1 (the format version)");
        goto done;
    }
    if (!cJSON_IsNumber(sz) || !(sz->valuedouble >= 0) || sz->valuedouble > 9007199254740992.0 ||
        sz->valuedouble != (double)(long long)sz->valuedouble) {
        rc = vigil_error_set(VIGIL_EINVAL, "$.tree_size: expected a whole number >= 0");
        goto done;
    }
    const char *root = str(doc, "root", 64, 64), *at = root ? str(doc, "time", 0, 31) : NULL;
    const char *signer = at ? str(doc, "signer", 0, 127) : NULL;
    const char *key_id = signer ? str(doc, "key_id", 16, 16) : NULL;
    const char *sig = key_id ? str(doc, "signature", 128, 128) : NULL;
    vigil_hash old_root;
    if (!sig) {
        rc = VIGIL_EINVAL;
        goto done;
    }
    if (vigil_hash_parse(root, old_root) != 0) {
        rc = vigil_error_set(VIGIL_EINVAL, "$.root: expected 64 hex digits");
        goto done;
    }
    long long m = (long long)sz->valuedouble;
    out->size = m;
    snprintf(out->root, sizeof out->root, "%s", root);
    snprintf(out->time, sizeof out->time, "%s", at);
    snprintf(out->signer, sizeof out->signer, "%s", signer);
    snprintf(out->key_id, sizeof out->key_id, "%s", key_id);
    char pub[65], pub_id[17];
    if ((rc = vigil_store_read_pubkey(pub_path, pub, pub_id)) != 0) goto done;
    if ((rc = statement(&b, m, root, at, signer, key_id)) != 0) goto done;
    out->ok = 1;
    if (strcmp(pub_id, key_id) != 0) {
        out->ok = 0;
        snprintf(out->message, sizeof out->message,
                 "checkpoint of %lld entries (%s): signed by key %s, not by the given public key (%s)",
                 m, at, key_id, pub_id);
        goto done;
    }
    if (!vigil_store_ed25519_verify(pub, b.s, b.len, sig)) {
        out->ok = 0;
        snprintf(out->message, sizeof out->message,
                 "checkpoint of %lld entries (%s): its signature does not verify: the checkpoint "
                 "was edited after it was signed", m, at);
        goto done;
    }
    size_t n;
    vigil_hash new_root;
    if ((rc = vigil_store_sql_exec(s, "BEGIN")) != 0) goto done;
    rc = tree_now(s, &n, new_root, &leaves);
    vigil_store_sql_exec(s, "COMMIT");
    if (rc) goto done;
    out->current = (int64_t)n;
    if ((size_t)m > n) {
        out->ok = 0;
        snprintf(out->message, sizeof out->message,
                 "the store has %zu audit entries but the checkpoint of %s recorded %lld: entries "
                 "were removed (the store was truncated or replaced)", n, at, m);
        goto done;
    }
    if (m == 0) goto done; /* every tree extends the empty one */
    size_t len;
    if ((rc = vigil_merkle_consistency_proof(leaves, n, (size_t)m, &proof, &len)) != 0) goto done;
    if (!vigil_merkle_consistency_verify((size_t)m, n, old_root, new_root, proof, len)) {
        out->ok = 0;
        snprintf(out->message, sizeof out->message,
                 "the store does not extend the checkpoint of %s: its first %lld audit entries are "
                 "not the ones signed then (an entry was rewritten and re-sealed, or the store forked)",
                 at, m);
    }
done:
    free(leaves);
    free(proof);
    vigil_sbuf_free(&b);
    cJSON_Delete(doc);
    return rc;
}

int vigil_audit_checkpoint_to_dir(vigil_store *s, const char *key_path, const char *dir,
                                  const char *prefix, const char *signer, char **path,
                                  int64_t *tree_size)
{
    if (path) *path = NULL;
    if (tree_size) *tree_size = -1;
    for (const char *c = prefix; *c; c++)
        if (!(*c == '-' || *c == '_' || *c == '.' || (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
              (*c >= 'A' && *c <= 'Z')))
            return vigil_error_set(VIGIL_EINVAL, "checkpoint file prefix '%s': letters, digits, '-', '_', '.' only",
                                   prefix);
    char *text = NULL, *name = NULL;
    vigil_sbuf b = {0};
    int rc = vigil_audit_checkpoint(s, key_path, signer, &text);
    if (rc) return rc;
    /* the file is named by what it signs: its time and tree size, read back from the text */
    cJSON *doc = cJSON_Parse(text);
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(doc, "time");
    const cJSON *sz = cJSON_GetObjectItemCaseSensitive(doc, "tree_size");
    if (!cJSON_IsString(at) || !cJSON_IsNumber(sz)) {
        cJSON_Delete(doc);
        rc = vigil_error_set(VIGIL_EINTERNAL, "checkpoint text without time or tree_size");
        goto done;
    }
    char stamp[32];
    size_t k = 0;
    for (const char *c = at->valuestring; *c && k + 1 < sizeof stamp; c++)
        if (*c != '-' && *c != ':') stamp[k++] = *c;
    stamp[k] = '\0';
    long long n = (long long)sz->valuedouble;
    cJSON_Delete(doc);
    vigil_sbuf_printf(&b, "%s-%s-%lld.json", prefix, stamp, n);
    if (b.failed || !(name = vigil_path_join(dir, b.s))) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        rc = vigil_error_set(VIGIL_EIO, "checkpoint '%s': %s%s", name, strerror(e),
                             e == EEXIST ? " (a checkpoint is never written over an existing file)" : "");
        goto done;
    }
    size_t len = strlen(text), off = 0;
    int e = 0; /* the failed write's own errno, never one left over from an earlier call */
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            e = w < 0 ? errno : EIO;
            break;
        }
        off += (size_t)w;
    }
    if (!e && fsync(fd) != 0) e = errno;
    if (close(fd) != 0 && !e) e = errno;
    if (e) {
        unlink(name);
        rc = vigil_error_set(VIGIL_EIO, "checkpoint '%s': writing failed: %s (the file was removed)", name,
                             strerror(e));
        goto done;
    }
    /* the new name survives a crash too */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) fsync(dfd), close(dfd);
    if (tree_size) *tree_size = n;
    if (path) *path = name, name = NULL;
done:
    free(text);
    free(name);
    vigil_sbuf_free(&b);
    return rc;
}
