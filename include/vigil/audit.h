/* vigil — the audit tree, signed checkpoints and electronic signatures (issue 19).
 *
 * Every audit entry of the run store is a leaf of a Merkle tree hashed as in Certificate
 * Transparency (RFC 6962 §2.1 / RFC 9162 §2.1): leaf = SHA-256(0x00 || entry), node =
 * SHA-256(0x01 || left || right), a tree of n > 1 leaves split at the largest power of two
 * smaller than n; the empty tree's root is SHA-256(""). An entry's bytes are its canonical
 * text (see vigil_store_entry_hash in src/store/digest.c). Hashes here are raw 32-byte values.
 *
 * A checkpoint is a statement (tree size, root, UTC time, signer) signed with an Ed25519 key
 * that the operator keeps outside the store; vigil_audit_verify_checkpoint() proves that the
 * store's tree still extends it (an RFC 9162 consistency proof from the checkpoint's size to
 * the current one), so a rewritten, truncated or forked store is found even when whoever
 * rewrote it also re-sealed the hash chain.
 */
#ifndef VIGIL_AUDIT_H
#define VIGIL_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef unsigned char vigil_hash[32];

void vigil_merkle_leaf_hash(const void *data, size_t n, vigil_hash out);
void vigil_merkle_node_hash(const vigil_hash left, const vigil_hash right, vigil_hash out);
/* MTH of n leaf hashes (n may be 0). */
void vigil_merkle_root(const vigil_hash *leaves, size_t n, vigil_hash out);
/* Audit path of leaf `index` in the tree of n leaves (RFC 6962 §2.1.1); *proof is malloc'd
 * (free it), *len hashes. VIGIL_EINVAL when index >= n. */
int vigil_merkle_inclusion_proof(const vigil_hash *leaves, size_t n, size_t index,
                                 vigil_hash **proof, size_t *len);
/* 1 when `proof` proves `leaf` is leaf `index` of the tree of size n with `root` (RFC 9162
 * §2.1.3.2), else 0. */
int vigil_merkle_inclusion_verify(size_t index, size_t n, const vigil_hash leaf,
                                  const vigil_hash *proof, size_t len, const vigil_hash root);
/* Consistency proof from the tree of the first m leaves to the tree of n (RFC 6962 §2.1.2);
 * VIGIL_EINVAL unless 0 < m <= n. */
int vigil_merkle_consistency_proof(const vigil_hash *leaves, size_t n, size_t m,
                                   vigil_hash **proof, size_t *len);
/* 1 when `proof` shows the tree of size m with old_root is a prefix of the tree of size n
 * with new_root (RFC 9162 §2.1.4.2), else 0. m == n needs an empty proof and equal roots. */
int vigil_merkle_consistency_verify(size_t m, size_t n, const vigil_hash old_root,
                                    const vigil_hash new_root, const vigil_hash *proof, size_t len);

void vigil_hash_hex(const vigil_hash h, char out[65]);
/* 0 on success, -1 unless `hex` is exactly 64 lowercase hex digits. */
int vigil_hash_parse(const char *hex, vigil_hash out);

/* The store's audit tree: every leaf hash, oldest entry first (*leaves malloc'd). */
int vigil_store_audit_leaves(vigil_store *s, vigil_hash **leaves, size_t *n);

/* ---- keys and checkpoints ---- */

/* Write a new Ed25519 private key (PEM, mode 0600, never over an existing file) to key_path
 * and its public key (PEM, 0644) to pub_path; key_id (may be NULL) gets the key id: the first
 * 16 hex digits of SHA-256 of the raw public key. */
int vigil_audit_keygen(const char *key_path, const char *pub_path, char key_id[17]);

/* A checkpoint of the store's tree now, signed with the private key at key_path, as a small
 * JSON text (caller frees *text). signer: who signs (operator name; NULL: the user name). */
int vigil_audit_checkpoint(vigil_store *s, const char *key_path, const char *signer, char **text);

/* Check, before any work, that key_path is a readable Ed25519 private key (PEM): VIGIL_OK
 * (key_id, may be NULL, gets its id), VIGIL_EIO when it cannot be opened, VIGIL_EINVAL when
 * it is not such a key. The message names the file. */
int vigil_audit_key_check(const char *key_path, char key_id[17]);

/* 1 when the file at key_path lies in the directory of the store file db_path (symbolic links
 * resolved): a key kept beside the store is no safer than the store. 0 otherwise, and for a
 * PostgreSQL store or a path that does not resolve. */
int vigil_audit_key_beside_store(const char *key_path, const char *db_path);

/* vigil_audit_checkpoint() written as a new file in the directory dir, named
 * "<prefix>-<its UTC time YYYYMMDDTHHMMSS.mmmZ>-<tree size>.json" and created with
 * O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600 (never over an existing file, never through a symbolic
 * link), written whole and fsync'd or removed. *path (malloc'd; may be NULL) gets the file's
 * name, *tree_size (may be NULL) the size signed. prefix: letters, digits, '-', '_', '.'. */
int vigil_audit_checkpoint_to_dir(vigil_store *s, const char *key_path, const char *dir,
                                  const char *prefix, const char *signer, char **path,
                                  int64_t *tree_size);

typedef struct {
    int ok;                 /* 1: the store extends the checkpoint */
    int64_t size;           /* the checkpoint's tree size */
    int64_t current;        /* the store's tree size now */
    char root[65];          /* the checkpoint's root */
    char time[32], signer[128], key_id[17];
    char message[1024];     /* what failed */
} vigil_checkpoint_result;

/* Check a checkpoint (its text) against the public key at pub_path and the store. Returns
 * VIGIL_OK when the check ran (out->ok is the verdict: a bad signature, a wrong key, a store
 * smaller than the checkpoint or one whose first `size` entries differ all give ok = 0),
 * VIGIL_EINVAL for a checkpoint that is not one (naming the JSON path), an error when the
 * store or the key cannot be read. */
int vigil_audit_verify_checkpoint(vigil_store *s, const char *text, const char *pub_path,
                                  vigil_checkpoint_result *out);

/* ---- who did what ---- */

/* Record an electronic signature of run `run_id` (21 CFR Part 11 §11.50: the signer's name,
 * the date and time, and the meaning, "approved" or "reviewed"), signed with the Ed25519
 * key at key_path over the run's end digest and appended to the audit tree. */
int vigil_store_sign_run(vigil_store *s, int64_t run_id, const char *meaning, const char *key_path,
                         const char *signer);

typedef struct {
    char *signer, *meaning, *signed_at, *key_id;
} vigil_run_signature;

typedef struct {
    int64_t uid;            /* -1 when not recorded (a run from before schema 2) */
    char *user, *host;      /* NULL when not recorded */
    vigil_run_signature *signatures;
    size_t n_signatures;
} vigil_run_who;

/* Who ran run `run_id` and who signed it, oldest signature first (for reports). Free with
 * vigil_run_who_clear(). */
int vigil_store_run_who(vigil_store *s, int64_t run_id, vigil_run_who *out);
void vigil_run_who_clear(vigil_run_who *w);

#ifdef __cplusplus
}
#endif
#endif
