/* The run store on PostgreSQL (src/store/drv_pg.c) against a real server: tests/pg/run.sh
 * (make pg-tests) starts one and runs this with VIGIL_TEST_PG=<postgresql:// URL of an empty
 * database>. Without VIGIL_TEST_PG the server tests are skipped, and say so; a vigil built
 * with PG=0 must refuse a postgresql:// store with how to rebuild, which is checked always.
 * The peer for every number is the SQLite store: the same runs give the same digests. */
#include "testutil.h"
#include "vigil/audit.h"
#include "store/driver.h"

#ifdef VIGIL_HAVE_PG
#include <libpq-fe.h>
#endif
#include <sys/wait.h>
#include <unistd.h>

static const char *url(void) { return getenv("VIGIL_TEST_PG"); }

#define NEED_SERVER()                                                                  \
    do {                                                                               \
        if (!url() || !*url()) {                                                       \
            print_message("SKIP: VIGIL_TEST_PG is not set (make pg-tests sets it)\n"); \
            skip();                                                                    \
        }                                                                              \
    } while (0)

static const char *data_file(void)
{
    static char p[64];
    return tu_temp_file(p, sizeof p, "a,b\n1,2\n");
}

/* One completed run: metrics with exact doubles, a NULL bound, a document. */
static int64_t add_run(vigil_store *s, const char *name, double auroc)
{
    vigil_run_file f = {.role = "data", .path = data_file()};
    vigil_run_spec spec = {.kind = "suite", .name = name, .config_json = "{\"x\": 1}",
                           .files = &f, .n_files = 1, .seed = 18446744073709551615ull, .has_seed = 1};
    int64_t id;
    assert_int_equal(vigil_store_run_begin(s, &spec, &id), VIGIL_OK);
    vigil_results *r;
    assert_int_equal(vigil_results_new(&r), VIGIL_OK);
    assert_int_equal(vigil_results_add_metric(r, "overall", "auroc", auroc, auroc - 0.02, auroc + 0.02), 0);
    assert_int_equal(vigil_results_add_metric(r, "sex=F", "brier", 0.1 + 0.2, NAN, 1e-300), 0);
    /* scopes whose order differs between byte order and a natural-language collation */
    assert_int_equal(vigil_results_add_metric(r, "a_b", "n", 1, NAN, NAN), 0);
    assert_int_equal(vigil_results_add_metric(r, "B", "n", 2, NAN, NAN), 0);
    assert_int_equal(vigil_results_add_metric(r, "ab", "n", 3, NAN, NAN), 0);
    assert_int_equal(vigil_results_add_document(r, "result", "{\"passed\": true, \"q\": \"it's ? $1\"}"), 0);
    assert_int_equal(vigil_store_run_finish(s, id, r, 1), VIGIL_OK);
    vigil_results_free(r);
    unlink(f.path);
    return id;
}

/* The same runs in SQLite and in PostgreSQL: the same values back, the same digests. */
static void test_same_as_sqlite(void **state)
{
    NEED_SERVER();
    char lite[64];
    snprintf(lite, sizeof lite, "/tmp/vigil-pgpeer-XXXXXX");
    close(mkstemp(lite));
    unlink(lite);
    vigil_store *a, *b;
    assert_int_equal(vigil_store_open(&a, lite), VIGIL_OK);
    if (vigil_store_open(&b, url()) != VIGIL_OK) {
        print_error("%s\n", vigil_error_last());
        fail();
    }
    int64_t ia = add_run(a, "m", 0.8123456789012345), ib = add_run(b, "m", 0.8123456789012345);
    vigil_run_info ra, rb;
    assert_int_equal(vigil_store_get_run(a, ia, &ra), VIGIL_OK);
    assert_int_equal(vigil_store_get_run(b, ib, &rb), VIGIL_OK);
    assert_string_equal(rb.status, "completed");
    assert_string_equal(ra.result_digest, rb.result_digest);
    assert_true(rb.has_seed && rb.seed == 18446744073709551615ull);
    assert_int_equal(rb.passed, 1);
    double v, lo, hi;
    assert_int_equal(vigil_store_get_metric(b, ib, "overall", "auroc", &v, &lo, &hi), VIGIL_OK);
    assert_true(v == 0.8123456789012345 && lo == 0.8123456789012345 - 0.02);
    assert_int_equal(vigil_store_get_metric(b, ib, "sex=F", "brier", &v, &lo, &hi), VIGIL_OK);
    assert_true(v == 0.1 + 0.2 && isnan(lo) && hi == 1e-300);
    char *doc;
    assert_int_equal(vigil_store_get_document(b, ib, "result", &doc), VIGIL_OK);
    assert_string_equal(doc, "{\"passed\": true, \"q\": \"it's ? $1\"}");
    free(doc);
    vigil_run_info *runs;
    size_t n;
    assert_int_equal(vigil_store_list_runs(b, "suite", "m", &runs, &n), VIGIL_OK);
    assert_true(n >= 1);
    vigil_run_info_free(runs, n);
    assert_int_equal(vigil_store_list_runs(b, NULL, "no such", &runs, &n), VIGIL_OK);
    assert_int_equal(n, 0);
    vigil_run_info_free(runs, n);
    /* a run cannot be finished twice; the error comes back, the store is unchanged */
    vigil_results *r;
    assert_int_equal(vigil_results_new(&r), VIGIL_OK);
    assert_int_equal(vigil_store_run_finish(b, ib, r, 1), VIGIL_EINVAL);
    vigil_results_free(r);
    vigil_run_info_clear(&ra);
    vigil_run_info_clear(&rb);
    vigil_audit_result au;
    assert_int_equal(vigil_store_audit_verify(b, &au), VIGIL_OK);
    if (!au.ok) print_error("%s\n", au.message);
    assert_true(au.ok);
    vigil_store_close(a);
    vigil_store_close(b);
    unlink(lite);
}

#ifdef VIGIL_HAVE_PG
static void raw_sql(const char *stmt, int must_fail, const char *fragment)
{
    PGconn *c = PQconnectdb(url());
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *r = PQexec(c, stmt);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (ok == must_fail || (fragment && !strstr(PQresultErrorMessage(r), fragment))) {
        print_error("%s: %s\n", stmt, PQresultErrorMessage(r));
        fail();
    }
    PQclear(r);
    PQfinish(c);
}
#endif

/* Blobs of any bytes in the cache, checkpoints over the tree, the append-only triggers, and an
 * edit found by verify. */
static void test_cache_checkpoint_tamper(void **state)
{
    NEED_SERVER();
#ifdef VIGIL_HAVE_PG
    vigil_store *s;
    assert_int_equal(vigil_store_open(&s, url()), VIGIL_OK);
    const unsigned char bytes[] = {0, 1, 0x5c, 0xff, 0x27, 0};
    assert_int_equal(vigil_store_cache_put(s, "ref", bytes, sizeof bytes), VIGIL_OK);
    assert_int_equal(vigil_store_cache_put(s, "ref", bytes, 3), VIGIL_OK); /* replaced */
    assert_int_equal(vigil_store_cache_put(s, "empty", "", 0), VIGIL_OK);
    void *blob;
    size_t n;
    assert_int_equal(vigil_store_cache_get(s, "ref", &blob, &n), VIGIL_OK);
    assert_int_equal(n, 3);
    assert_memory_equal(blob, bytes, 3);
    free(blob);
    assert_int_equal(vigil_store_cache_get(s, "empty", &blob, &n), VIGIL_OK);
    assert_int_equal(n, 0);
    free(blob);
    int64_t id = add_run(s, "tamper", 0.75);
    char key[64], pub[80], *cp;
    snprintf(key, sizeof key, "/tmp/vigil-pgkey-XXXXXX");
    close(mkstemp(key));
    unlink(key);
    snprintf(pub, sizeof pub, "%s.pub", key);
    assert_int_equal(vigil_audit_keygen(key, pub, NULL), VIGIL_OK);
    assert_int_equal(vigil_store_sign_run(s, id, "approved", key, "tester"), VIGIL_OK);
    assert_int_equal(vigil_audit_checkpoint(s, key, "tester", &cp), VIGIL_OK);
    vigil_checkpoint_result cr;
    assert_int_equal(vigil_audit_verify_checkpoint(s, cp, pub, &cr), VIGIL_OK);
    assert_true(cr.ok);
    vigil_audit_result au;
    assert_int_equal(vigil_store_audit_verify(s, &au), VIGIL_OK);
    if (!au.ok) print_error("%s\n", au.message);
    assert_true(au.ok);
    vigil_store_close(s);
    raw_sql("UPDATE audit SET action = 'x' WHERE seq = 1", 1, "append-only");
    raw_sql("DELETE FROM signatures", 1, "append-only");
    raw_sql("TRUNCATE audit CASCADE", 1, "append-only");
    char stmt[160];
    snprintf(stmt, sizeof stmt, "UPDATE metrics SET value = 0.76 WHERE run_id = %lld AND name = 'auroc'",
             (long long)id);
    raw_sql(stmt, 0, NULL);
    assert_int_equal(vigil_store_open_readonly(&s, url()), VIGIL_OK);
    assert_int_equal(vigil_store_audit_verify(s, &au), VIGIL_OK);
    assert_false(au.ok);
    snprintf(stmt, sizeof stmt, "run %lld: its stored results or verdict were edited", (long long)id);
    if (!strstr(au.message, stmt)) print_error("%s\n", au.message);
    assert_non_null(strstr(au.message, stmt));
    /* read-only: writing through it fails, as for SQLite */
    assert_int_equal(vigil_store_cache_put(s, "x", "1", 1), VIGIL_EDB);
    assert_non_null(strstr(vigil_error_last(), "read-only"));
    vigil_store_close(s);
    snprintf(stmt, sizeof stmt, "UPDATE metrics SET value = 0.75 WHERE run_id = %lld AND name = 'auroc'",
             (long long)id);
    raw_sql(stmt, 0, NULL);
    unlink(key);
    unlink(pub);
    free(cp);
#endif
}

/* Writers in separate processes append to one tree: every run lands, no sequence number is
 * taken twice, verify passes. */
static void test_concurrent_writers(void **state)
{
    NEED_SERVER();
    enum { W = 8, RUNS = 3 };
    vigil_store *s;
    assert_int_equal(vigil_store_open(&s, url()), VIGIL_OK);
    vigil_audit_result before;
    assert_int_equal(vigil_store_audit_verify(s, &before), VIGIL_OK);
    vigil_store_close(s);
    pid_t pids[W];
    for (int w = 0; w < W; w++) {
        if ((pids[w] = fork()) == 0) {
            vigil_store *c;
            if (vigil_store_open(&c, url()) != VIGIL_OK) _exit(2);
            for (int k = 0; k < RUNS; k++) {
                vigil_run_spec spec = {.kind = "metrics", .name = "concurrent", .config_json = "{}"};
                int64_t id;
                vigil_results *r;
                if (vigil_store_run_begin(c, &spec, &id) || vigil_results_new(&r) ||
                    vigil_results_add_metric(r, "overall", "n", w * 100 + k, NAN, NAN) ||
                    vigil_store_run_finish(c, id, r, -1))
                    _exit(3);
                vigil_results_free(r);
            }
            vigil_store_close(c);
            _exit(0);
        }
    }
    for (int w = 0; w < W; w++) {
        int st;
        assert_int_equal(waitpid(pids[w], &st, 0), pids[w]);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    assert_int_equal(vigil_store_open_readonly(&s, url()), VIGIL_OK);
    vigil_audit_result au;
    assert_int_equal(vigil_store_audit_verify(s, &au), VIGIL_OK);
    if (!au.ok) print_error("%s\n", au.message);
    assert_true(au.ok);
    assert_int_equal(au.n_entries, before.n_entries + 2 * W * RUNS);
    vigil_run_info *runs;
    size_t n;
    assert_int_equal(vigil_store_list_runs(s, "metrics", "concurrent", &runs, &n), VIGIL_OK);
    assert_int_equal(n, W * RUNS);
    for (size_t i = 0; i < n; i++) assert_string_equal(runs[i].status, "completed");
    vigil_run_info_free(runs, n);
    vigil_store_close(s);
}

/* Errors name the store without its password; a refused connection is the user's (EIO, exit
 * 2) and names the socket; without libpq the store says how to rebuild. */
static void test_errors_and_password(void **state)
{
    char *r = vigil_store_pg_redact("postgresql://alice:s3cret@db.example:5432/vigil?sslmode=require&password=s3cret");
    assert_string_equal(r, "postgresql://alice@db.example:5432/vigil?sslmode=require");
    free(r);
    r = vigil_store_pg_redact("postgres://:pw@/vigil?password=pw&host=/run/pg");
    assert_string_equal(r, "postgres://@/vigil?host=/run/pg");
    free(r);
    r = vigil_store_pg_redact("postgresql://u:p@ss@h/d"); /* an unencoded '@' in the password */
    assert_string_equal(r, "postgresql://u@h/d");
    free(r);
    r = vigil_store_pg_redact("postgresql://h/d?user=a@b");
    assert_string_equal(r, "postgresql://h/d?user=a@b");
    free(r);
    r = vigil_store_pg_redact("postgresql:///vigil?host=/tmp/s&user=v");
    assert_string_equal(r, "postgresql:///vigil?host=/tmp/s&user=v");
    free(r);
    assert_true(vigil_store_is_pg_url("postgres://x") && vigil_store_is_pg_url("postgresql://x"));
    assert_false(vigil_store_is_pg_url("postgresql.db") || vigil_store_is_pg_url("/tmp/pg://x"));
    vigil_store *s = NULL;
    int rc = vigil_store_open(&s, "postgresql://bob:hunter2@/vigil?host=/nonexistent-vigil-sock");
    assert_null(s);
    const char *msg = vigil_error_last();
    assert_null(strstr(msg, "hunter2"));
#ifdef VIGIL_HAVE_PG
    assert_int_equal(rc, VIGIL_EIO);
    assert_non_null(strstr(msg, "cannot connect to PostgreSQL"));
    assert_non_null(strstr(msg, "/nonexistent-vigil-sock"));
#else
    assert_int_equal(rc, VIGIL_EINVAL);
    assert_non_null(strstr(msg, "built without PostgreSQL support"));
    assert_non_null(strstr(msg, "PG=1"));
#endif
    rc = vigil_store_open_readonly(&s, "postgresql://bob:hunter2@/vigil?host=/nonexistent-vigil-sock");
    assert_true(rc == VIGIL_EIO || rc == VIGIL_EINVAL);
    assert_null(strstr(vigil_error_last(), "hunter2"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errors_and_password),
        cmocka_unit_test(test_same_as_sqlite),
        cmocka_unit_test(test_cache_checkpoint_tamper),
        cmocka_unit_test(test_concurrent_writers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
