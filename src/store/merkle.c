/* The audit tree: RFC 6962 §2.1 hashing, audit paths and consistency proofs, and their
 * RFC 9162 §2.1.3.2 / §2.1.4.2 verifiers. Checked against tests/reference/merkle_ref.py. */
#include "vigil/audit.h"
#include "vigil/error.h"
#include "store/store_internal.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static void sha256_parts(const void *a, size_t na, const void *b, size_t nb, const void *c,
                         size_t nc, vigil_hash out)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int len = 32;
    /* A context that cannot be allocated leaves an all-zero hash, which matches no tree. */
    memset(out, 0, 32);
    if (!ctx) return;
    if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 && (!na || EVP_DigestUpdate(ctx, a, na) == 1) &&
        (!nb || EVP_DigestUpdate(ctx, b, nb) == 1) && (!nc || EVP_DigestUpdate(ctx, c, nc) == 1))
        EVP_DigestFinal_ex(ctx, out, &len);
    EVP_MD_CTX_free(ctx);
}

void vigil_merkle_leaf_hash(const void *data, size_t n, vigil_hash out)
{
    static const unsigned char zero = 0x00;
    sha256_parts(&zero, 1, data, n, NULL, 0, out);
}

void vigil_merkle_node_hash(const vigil_hash left, const vigil_hash right, vigil_hash out)
{
    static const unsigned char one = 0x01;
    vigil_hash r;
    sha256_parts(&one, 1, left, 32, right, 32, r); /* out may alias left or right */
    memcpy(out, r, 32);
}

/* The largest power of two smaller than n (n > 1). */
static size_t split(size_t n)
{
    size_t k = 1;
    while (k < n - k) k <<= 1;
    return k;
}

void vigil_merkle_root(const vigil_hash *leaves, size_t n, vigil_hash out)
{
    if (n == 0) {
        sha256_parts(NULL, 0, NULL, 0, NULL, 0, out);
        return;
    }
    if (n == 1) {
        memcpy(out, leaves[0], 32);
        return;
    }
    size_t k = split(n);
    vigil_hash l, r;
    vigil_merkle_root(leaves, k, l);
    vigil_merkle_root(leaves + k, n - k, r);
    vigil_merkle_node_hash(l, r, out);
}

typedef struct {
    vigil_hash *h;
    size_t n;
} hashes;

static void push_root(hashes *p, const vigil_hash *leaves, size_t n)
{
    vigil_merkle_root(leaves, n, p->h[p->n++]); /* room: a proof is at most 64 + 1 hashes */
}

static void path(hashes *p, size_t m, const vigil_hash *d, size_t n)
{
    if (n <= 1) return;
    size_t k = split(n);
    if (m < k) {
        path(p, m, d, k);
        push_root(p, d + k, n - k);
    } else {
        path(p, m - k, d + k, n - k);
        push_root(p, d, k);
    }
}

static void subproof(hashes *p, size_t m, const vigil_hash *d, size_t n, int whole)
{
    if (m == n) {
        if (!whole) push_root(p, d, n);
        return;
    }
    size_t k = split(n);
    if (m <= k) {
        subproof(p, m, d, k, whole);
        push_root(p, d + k, n - k);
    } else {
        subproof(p, m - k, d + k, n - k, 0);
        push_root(p, d, k);
    }
}

static int alloc_proof(hashes *p)
{
    p->n = 0;
    if (!(p->h = malloc(66 * sizeof *p->h))) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    return VIGIL_OK;
}

int vigil_merkle_inclusion_proof(const vigil_hash *leaves, size_t n, size_t index,
                                 vigil_hash **proof, size_t *len)
{
    *proof = NULL;
    *len = 0;
    if (index >= n)
        return vigil_error_set(VIGIL_EINVAL, "no leaf %zu in a tree of %zu", index, n);
    hashes p;
    int rc = alloc_proof(&p);
    if (rc) return rc;
    path(&p, index, leaves, n);
    *proof = p.h;
    *len = p.n;
    return VIGIL_OK;
}

int vigil_merkle_consistency_proof(const vigil_hash *leaves, size_t n, size_t m,
                                   vigil_hash **proof, size_t *len)
{
    *proof = NULL;
    *len = 0;
    if (m == 0 || m > n)
        return vigil_error_set(VIGIL_EINVAL, "no consistency proof from size %zu to size %zu", m, n);
    hashes p;
    int rc = alloc_proof(&p);
    if (rc) return rc;
    subproof(&p, m, leaves, n, 1);
    *proof = p.h;
    *len = p.n;
    return VIGIL_OK;
}

int vigil_merkle_inclusion_verify(size_t index, size_t n, const vigil_hash leaf,
                                  const vigil_hash *proof, size_t len, const vigil_hash root)
{
    if (index >= n) return 0;
    size_t fn = index, sn = n - 1;
    vigil_hash r;
    memcpy(r, leaf, 32);
    for (size_t i = 0; i < len; i++) {
        if (sn == 0) return 0;
        if ((fn & 1) || fn == sn) {
            vigil_merkle_node_hash(proof[i], r, r);
            if (!(fn & 1))
                while (!(fn & 1) && fn != 0) fn >>= 1, sn >>= 1;
        } else {
            vigil_merkle_node_hash(r, proof[i], r);
        }
        fn >>= 1, sn >>= 1;
    }
    return sn == 0 && memcmp(r, root, 32) == 0;
}

int vigil_merkle_consistency_verify(size_t m, size_t n, const vigil_hash old_root,
                                    const vigil_hash new_root, const vigil_hash *proof, size_t len)
{
    if (m == 0 || m > n) return 0;
    if (m == n) return len == 0 && memcmp(old_root, new_root, 32) == 0;
    /* A first size that is a power of two: its root is the first node of the path. */
    const unsigned char *first = len ? proof[0] : NULL;
    size_t i = 1;
    if ((m & (m - 1)) == 0) {
        first = old_root;
        i = 0;
    }
    if (!first) return 0;
    size_t fn = m - 1, sn = n - 1;
    while (fn & 1) fn >>= 1, sn >>= 1;
    vigil_hash fr, sr;
    memcpy(fr, first, 32);
    memcpy(sr, first, 32);
    for (; i < len; i++) {
        if (sn == 0) return 0;
        if ((fn & 1) || fn == sn) {
            vigil_merkle_node_hash(proof[i], fr, fr);
            vigil_merkle_node_hash(proof[i], sr, sr);
            if (!(fn & 1))
                while (!(fn & 1) && fn != 0) fn >>= 1, sn >>= 1;
        } else {
            vigil_merkle_node_hash(sr, proof[i], sr);
        }
        fn >>= 1, sn >>= 1;
    }
    return sn == 0 && memcmp(fr, old_root, 32) == 0 && memcmp(sr, new_root, 32) == 0;
}

void vigil_hash_hex(const vigil_hash h, char out[65])
{
    vigil_hex(h, 32, out);
}

int vigil_hash_parse(const char *hex, vigil_hash out)
{
    return vigil_store_unhex(hex, out, 32);
}
