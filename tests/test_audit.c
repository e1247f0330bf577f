/* The audit tree (RFC 6962) against tests/reference/merkle_ref.py, signed checkpoints against
 * every kind of rewrite, electronic signatures and the operator of a run. */
#include "testutil.h"
#include "vigil/audit.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#define GOLDENS "tests/reference/merkle/goldens.json"

static vigil_hash *golden_leaves(size_t n)
{
    vigil_hash *l = malloc(n * sizeof *l);
    assert_non_null(l);
    for (size_t i = 0; i < n; i++) {
        char d[64];
        int k = snprintf(d, sizeof d, "vigil merkle leaf %zu", i);
        vigil_merkle_leaf_hash(d, (size_t)k, l[i]);
    }
    return l;
}

static void assert_proof(const vigil_hash *p, size_t len, const cJSON *want, const char *what)
{
    if ((size_t)cJSON_GetArraySize(want) != len) {
        print_error("%s: %zu hashes, the reference has %d\n", what, len, cJSON_GetArraySize(want));
        fail();
    }
    size_t i = 0;
    const cJSON *h;
    cJSON_ArrayForEach(h, want) {
        char hex[65];
        vigil_hash_hex(p[i], hex);
        if (strcmp(hex, h->valuestring) != 0) {
            print_error("%s: hash %zu is %s, the reference has %s\n", what, i, hex, h->valuestring);
            fail();
        }
        i++;
    }
}

/* Roots, audit paths and consistency proofs equal the RFC transcription's, and each verifies;
 * a proof with one bit flipped, or checked against the wrong size, does not. */
static void test_merkle_goldens(void **state)
{
    (void)state;
    cJSON *doc = tu_load_json(GOLDENS);
    const cJSON *sizes = cJSON_GetObjectItemCaseSensitive(doc, "sizes"), *sz;
    vigil_hash *leaves = golden_leaves(1000);
    int n_sizes = 0;
    cJSON_ArrayForEach(sz, sizes) {
        size_t n = (size_t)strtoull(sz->string, NULL, 10);
        vigil_hash root, want;
        char what[96];
        vigil_merkle_root(leaves, n, root);
        assert_int_equal(vigil_hash_parse(cJSON_GetObjectItemCaseSensitive(sz, "root")->valuestring, want), 0);
        if (memcmp(root, want, 32) != 0) {
            print_error("root of %zu leaves differs from the reference\n", n);
            fail();
        }
        const cJSON *inc;
        cJSON_ArrayForEach(inc, cJSON_GetObjectItemCaseSensitive(sz, "inclusion")) {
            size_t i = (size_t)strtoull(inc->string, NULL, 10), len;
            vigil_hash *p;
            assert_int_equal(vigil_merkle_inclusion_proof(leaves, n, i, &p, &len), VIGIL_OK);
            snprintf(what, sizeof what, "inclusion of leaf %zu in %zu", i, n);
            assert_proof(p, len, inc, what);
            assert_true(vigil_merkle_inclusion_verify(i, n, leaves[i], p, len, root));
            if (n > 1) assert_false(vigil_merkle_inclusion_verify(i, n, leaves[(i + 1) % n], p, len, root));
            if (len) {
                p[len - 1][5] ^= 0x10;
                assert_false(vigil_merkle_inclusion_verify(i, n, leaves[i], p, len, root));
            }
            free(p);
        }
        const cJSON *con;
        cJSON_ArrayForEach(con, cJSON_GetObjectItemCaseSensitive(sz, "consistency")) {
            size_t m = (size_t)strtoull(con->string, NULL, 10), len;
            vigil_hash *p, old;
            vigil_merkle_root(leaves, m, old);
            assert_int_equal(vigil_merkle_consistency_proof(leaves, n, m, &p, &len), VIGIL_OK);
            snprintf(what, sizeof what, "consistency %zu -> %zu", m, n);
            assert_proof(p, len, con, what);
            if (!vigil_merkle_consistency_verify(m, n, old, root, p, len)) {
                print_error("%s does not verify\n", what);
                fail();
            }
            /* a different old tree (a fork) or new tree does not verify */
            vigil_hash other;
            vigil_merkle_leaf_hash("forged", 6, other);
            assert_false(vigil_merkle_consistency_verify(m, n, other, root, p, len));
            assert_false(vigil_merkle_consistency_verify(m, n, old, other, p, len));
            if (len) {
                p[0][0] ^= 1;
                assert_false(vigil_merkle_consistency_verify(m, n, old, root, p, len));
                p[0][0] ^= 1;
            }
            free(p);
        }
        n_sizes++;
    }
    assert_int_equal(n_sizes, 18);
    /* no proof outside the tree */
    vigil_hash *p;
    size_t len;
    assert_int_equal(vigil_merkle_inclusion_proof(leaves, 5, 5, &p, &len), VIGIL_EINVAL);
    assert_int_equal(vigil_merkle_consistency_proof(leaves, 5, 6, &p, &len), VIGIL_EINVAL);
    assert_int_equal(vigil_merkle_consistency_proof(leaves, 5, 0, &p, &len), VIGIL_EINVAL);
    free(leaves);
    cJSON_Delete(doc);
}

/* A cached value swapped in the file is refused by cache_get and named by verify; and the
 * swapped-and-re-sealed store fails against a checkpoint taken before. */
static void test_cache_swap_refused(void **state)
{
    (void)state;
    char db[64], key[80];
    snprintf(db, sizeof db, "/tmp/vigil-audit-XXXXXX");
    int fd = mkstemp(db);
    close(fd);
    unlink(db);
    snprintf(key, sizeof key, "%s.key", db);
    char pub[96];
    snprintf(pub, sizeof pub, "%s.pub", key);
    vigil_store *s;
    assert_int_equal(vigil_store_open(&s, db), VIGIL_OK);
    assert_int_equal(vigil_store_cache_put(s, "ref", "abcdef", 6), VIGIL_OK);
    void *blob;
    size_t n;
    assert_int_equal(vigil_store_cache_get(s, "ref", &blob, &n), VIGIL_OK);
    assert_int_equal(n, 6);
    free(blob);
    assert_int_equal(vigil_audit_keygen(key, pub, NULL), VIGIL_OK);
    char *cp;
    assert_int_equal(vigil_audit_checkpoint(s, key, "tester", &cp), VIGIL_OK);
    vigil_checkpoint_result cr;
    assert_int_equal(vigil_audit_verify_checkpoint(s, cp, pub, &cr), VIGIL_OK);
    assert_true(cr.ok);
    vigil_store_close(s);
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "UPDATE cache SET value = X'00112233' WHERE key = 'ref'", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(raw);
    assert_int_equal(vigil_store_open(&s, db), VIGIL_OK);
    assert_int_equal(vigil_store_cache_get(s, "ref", &blob, &n), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "not the value the audit log recorded"));
    vigil_audit_result ar;
    assert_int_equal(vigil_store_audit_verify(s, &ar), VIGIL_OK);
    assert_false(ar.ok);
    assert_non_null(strstr(ar.message, "cache entry 'ref'"));
    /* an edited checkpoint does not verify */
    char *p = strstr(cp, "\"tester\"");
    assert_non_null(p);
    p[1] = 'T';
    assert_int_equal(vigil_audit_verify_checkpoint(s, cp, pub, &cr), VIGIL_OK);
    assert_false(cr.ok);
    free(cp);
    vigil_store_close(s);
    char f[96];
    const char *suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) snprintf(f, sizeof f, "%s%s", db, suffix[i]), unlink(f);
    unlink(key);
    unlink(pub);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merkle_goldens),
        cmocka_unit_test(test_cache_swap_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
