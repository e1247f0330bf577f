/* Ed25519 keys through OpenSSL's EVP: key files, signing, verifying, key ids; and the OS user
 * who runs vigil. A key id is the first 16 hex digits of SHA-256 of the raw public key. */
#include "store/store_internal.h"
#include "vigil/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void vigil_store_whoami(int64_t *uid, char *name, size_t cap)
{
    uid_t u = getuid();
    struct passwd pw, *res = NULL;
    char buf[4096];
    *uid = (int64_t)u;
    if (getpwuid_r(u, &pw, buf, sizeof buf, &res) == 0 && res && res->pw_name && *res->pw_name)
        snprintf(name, cap, "%s", res->pw_name);
    else
        snprintf(name, cap, "uid %lld", (long long)u);
}

int vigil_store_unhex(const char *hex, unsigned char *out, size_t n)
{
    if (!hex || strlen(hex) != 2 * n) return -1;
    for (size_t i = 0; i < 2 * n; i++) {
        int c = hex[i], v;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else return -1;
        if (i & 1) out[i / 2] |= (unsigned char)v;
        else out[i / 2] = (unsigned char)(v << 4);
    }
    return 0;
}

static const char *ssl_reason(void)
{
    unsigned long e = ERR_get_error();
    ERR_clear_error();
    return e ? ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "OpenSSL error" : "not a key";
}

static int key_ids(EVP_PKEY *k, char pub_hex[65], char key_id[17])
{
    unsigned char raw[32];
    size_t len = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(k, raw, &len) != 1 || len != 32)
        return vigil_error_set(VIGIL_EINVAL, "not an Ed25519 key");
    char h[65];
    if (pub_hex) vigil_hex(raw, 32, pub_hex);
    vigil_sha256_hex(raw, 32, h);
    if (key_id) snprintf(key_id, 17, "%.16s", h);
    return VIGIL_OK;
}

/* Read a PEM key file: the private key (want_private) or the public key (a private key file
 * gives its public half too). */
static int read_key(const char *path, int want_private, EVP_PKEY **out)
{
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f) return vigil_error_set(VIGIL_EIO, "key '%s': cannot open: %s", path, strerror(errno));
    EVP_PKEY *k = want_private ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : PEM_read_PUBKEY(f, NULL, NULL, NULL);
    if (!k && !want_private) {
        rewind(f);
        ERR_clear_error();
        k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    }
    fclose(f);
    if (!k)
        return vigil_error_set(VIGIL_EINVAL, "key '%s': not a PEM %s key (%s)", path,
                               want_private ? "private" : "public", ssl_reason());
    if (EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(k);
        return vigil_error_set(VIGIL_EINVAL, "key '%s': not an Ed25519 key (make one with 'vigil audit keygen')", path);
    }
    *out = k;
    return VIGIL_OK;
}

int vigil_store_read_pubkey(const char *path, char pub_hex[65], char key_id[17])
{
    EVP_PKEY *k;
    int rc = read_key(path, 0, &k);
    if (rc) return rc;
    rc = key_ids(k, pub_hex, key_id);
    EVP_PKEY_free(k);
    return rc;
}

int vigil_store_ed25519_sign(const char *key_path, const void *msg, size_t n, char sig_hex[129],
                             char pub_hex[65], char key_id[17])
{
    EVP_PKEY *k;
    int rc = read_key(key_path, 1, &k);
    if (rc) return rc;
    if ((rc = key_ids(k, pub_hex, key_id)) != 0) {
        EVP_PKEY_free(k);
        return rc;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char sig[64];
    size_t slen = sizeof sig;
    if (!ctx || EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) != 1 ||
        EVP_DigestSign(ctx, sig, &slen, msg, n) != 1 || slen != 64)
        rc = vigil_error_set(VIGIL_EINTERNAL, "signing with '%s' failed: %s", key_path, ssl_reason());
    else
        vigil_hex(sig, 64, sig_hex);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(k);
    return rc;
}

int vigil_store_ed25519_verify(const char *pub_hex, const void *msg, size_t n, const char *sig_hex)
{
    unsigned char raw[32], sig[64];
    if (vigil_store_unhex(pub_hex, raw, 32) || vigil_store_unhex(sig_hex, sig, 64)) return 0;
    EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, 32);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = k && ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1 &&
             EVP_DigestVerify(ctx, sig, 64, msg, n) == 1;
    ERR_clear_error();
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(k);
    return ok;
}

/* A new file that no one else can have made or pointed somewhere: O_CREAT|O_EXCL|O_NOFOLLOW. */
static FILE *create_new(const char *path, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) {
        vigil_error_set(errno == EEXIST ? VIGIL_EINVAL : VIGIL_EIO, "'%s': %s%s", path, strerror(errno),
                        errno == EEXIST ? " (a key is never written over an existing file)" : "");
        return NULL;
    }
    if (fchmod(fd, mode) != 0) { /* the umask may have taken bits off, never adds them */
        close(fd);
        unlink(path);
        vigil_error_set(VIGIL_EIO, "'%s': %s", path, strerror(errno));
        return NULL;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(path);
        vigil_error_set(VIGIL_EIO, "'%s': %s", path, strerror(errno));
    }
    return f;
}

int vigil_audit_keygen(const char *key_path, const char *pub_path, char key_id[17])
{
    EVP_PKEY *k = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
    if (!ctx || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &k) != 1) {
        EVP_PKEY_CTX_free(ctx);
        return vigil_error_set(VIGIL_EINTERNAL, "Ed25519 key generation failed: %s", ssl_reason());
    }
    EVP_PKEY_CTX_free(ctx);
    int rc = VIGIL_OK;
    FILE *f = create_new(key_path, 0600);
    if (!f) {
        rc = vigil_error_last_code();
        goto done;
    }
    int ok = PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1;
    if (fclose(f) != 0 || !ok) {
        unlink(key_path);
        rc = vigil_error_set(VIGIL_EIO, "'%s': writing the key failed", key_path);
        goto done;
    }
    if (!(f = create_new(pub_path, 0644))) {
        rc = vigil_error_last_code();
        unlink(key_path);
        goto done;
    }
    ok = PEM_write_PUBKEY(f, k) == 1;
    if (fclose(f) != 0 || !ok) {
        unlink(key_path);
        unlink(pub_path);
        rc = vigil_error_set(VIGIL_EIO, "'%s': writing the public key failed", pub_path);
        goto done;
    }
    if (key_id) rc = key_ids(k, NULL, key_id);
done:
    EVP_PKEY_free(k);
    return rc;
}

int vigil_audit_key_check(const char *key_path, char key_id[17])
{
    EVP_PKEY *k;
    int rc = read_key(key_path, 1, &k);
    if (rc) return rc;
    rc = key_ids(k, NULL, key_id);
    EVP_PKEY_free(k);
    return rc;
}

int vigil_audit_key_beside_store(const char *key_path, const char *db_path)
{
    if (!key_path || !db_path || vigil_store_is_pg_url(db_path)) return 0;
    /* an SQLite "file:" URI names its file up to the query */
    char *file = vigil_strdup(strncmp(db_path, "file:", 5) == 0 ? db_path + 5 : db_path);
    if (file) file[strcspn(file, "?#")] = '\0';
    char *d1 = vigil_dirname(key_path), *d2 = file ? vigil_dirname(file) : NULL;
    free(file);
    char r1[PATH_MAX], r2[PATH_MAX];
    int same = d1 && d2 && realpath(d1, r1) && realpath(d2, r2) && strcmp(r1, r2) == 0;
    free(d1);
    free(d2);
    return same;
}
