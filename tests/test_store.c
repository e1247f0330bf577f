/* Run store: whole runs or none, history, and an audit chain that finds every kind of edit. */
#include "testutil.h"

#include <sqlite3.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

static char dbpath[64];

static int setup(void **state)
{
    snprintf(dbpath, sizeof dbpath, "/tmp/vigil-store-XXXXXX");
    int fd = mkstemp(dbpath);
    close(fd);
    unlink(dbpath);
    return 0;
}

static int teardown(void **state)
{
    char p[96];
    unlink(dbpath);
    snprintf(p, sizeof p, "%s-wal", dbpath);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", dbpath);
    unlink(p);
    return 0;
}

static const char *data_file(void)
{
    static char p[64];
    return tu_temp_file(p, sizeof p, "a,b\n1,2\n");
}

/* A completed run with two metrics and a document; returns its id. */
static int64_t add_run(vigil_store *s, const char *name, double auroc)
{
    vigil_run_file f = {.role = "data", .path = data_file()};
    vigil_run_spec spec = {.kind = "suite", .name = name, .config_json = "{\"x\": 1}",
                           .files = &f, .n_files = 1, .seed = 42, .has_seed = 1};
    int64_t id;
    assert_int_equal(vigil_store_run_begin(s, &spec, &id), VIGIL_OK);
    vigil_results *r;
    assert_int_equal(vigil_results_new(&r), VIGIL_OK);
    assert_int_equal(vigil_results_add_metric(r, "overall", "auroc", auroc, auroc - 0.02, auroc + 0.02), 0);
    assert_int_equal(vigil_results_add_metric(r, "sex=F", "brier", 0.11, NAN, NAN), 0);
    assert_int_equal(vigil_results_add_document(r, "result", "{\"passed\": true}"), 0);
    assert_int_equal(vigil_store_run_finish(s, id, r, 1), VIGIL_OK);
    vigil_results_free(r);
    unlink(f.path);
    return id;
}

static void sql(const char *stmt)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    char *err = NULL;
    if (sqlite3_exec(db, stmt, NULL, NULL, &err) != SQLITE_OK) {
        print_error("%s: %s\n", stmt, err);
        fail();
    }
    sqlite3_close(db);
}

static void expect_broken(const char *fragment)
{
    vigil_store *s;
    assert_int_equal(vigil_store_open(&s, dbpath), VIGIL_OK);
    vigil_audit_result a;
    assert_int_equal(vigil_store_audit_verify(s, &a), VIGIL_OK);
    if (a.ok || !strstr(a.message, fragment)) {
        print_error("audit ok=%d message '%s' (wanted '%s')\n", a.ok, a.message, fragment);
        fail();
    }
    vigil_store_close(s);
}

static void expect_intact(void)
{
    vigil_store *s;
    assert_int_equal(vigil_store_open(&s, dbpath), VIGIL_OK);
    vigil_audit_result a;
    assert_int_equal(vigil_store_audit_verify(s, &a), VIGIL_OK);
    if (!a.ok) print_error("audit: %s\n", a.message);
    assert_true(a.ok);
    vigil_store_close(s);
}

static void test_run_roundtrip(void **state)
{
    vigil_store *s;
    mode_t old = umask(022); /* a usual umask: the store must still be the owner's only */
    assert_int_equal(vigil_store_open(&s, dbpath), VIGIL_OK);
    umask(old);
    struct stat st;
    assert_int_equal(stat(dbpath, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    int64_t id = add_run(s, "flchain-v2", 0.8);
    vigil_run_info ri;
    assert_int_equal(vigil_store_get_run(s, id, &ri), VIGIL_OK);
    assert_string_equal(ri.status, "completed");
    assert_string_equal(ri.kind, "suite");
    assert_int_equal(ri.passed, 1);
    assert_true(ri.has_seed && ri.seed == 42);
    assert_non_null(ri.result_digest);
    vigil_run_info_clear(&ri);
    double v, lo, hi;
    assert_int_equal(vigil_store_get_metric(s, id, "overall", "auroc", &v, &lo, &hi), VIGIL_OK);
    assert_close(v, 0.8, 0);
    assert_close(lo, 0.78, 1e-15);
    assert_int_equal(vigil_store_get_metric(s, id, "sex=F", "brier", &v, &lo, &hi), VIGIL_OK);
    assert_true(isnan(lo)); /* NaN is stored as NULL and comes back NaN */
    char *doc;
    assert_int_equal(vigil_store_get_document(s, id, "result", &doc), VIGIL_OK);
    assert_string_equal(doc, "{\"passed\": true}");
    free(doc);
    vigil_run_file_info *files;
    size_t nf;
    assert_int_equal(vigil_store_get_files(s, id, &files, &nf), VIGIL_OK);
    assert_int_equal(nf, 1);
    /* sha256("a,b\n1,2\n") */
    assert_string_equal(files[0].sha256, /* sha256sum of the same 8 bytes (GNU coreutils) */
                        "492d5ea496056f1a6a6592241032fab764c321596317930b4fa0e1e8bc3b7470");
    assert_int_equal(files[0].bytes, 8);
    vigil_run_file_info_free(files, nf);
    assert_int_equal(vigil_store_get_run(s, 999, &ri), VIGIL_EINVAL);
    /* a finished run cannot be finished again */
    assert_int_equal(vigil_store_run_finish(s, id, NULL, 1), VIGIL_EINVAL);
    vigil_store_close(s);
    expect_intact();
}

static void test_same_results_same_digest(void **state)
{
    vigil_store *s;
    assert_int_equal(vigil_store_open(&s, dbpath), VIGIL_OK);
    int64_t a = add_run(s, "x", 0.8), b = add_run(s, "x", 0.8), c = add_run(s, "x", 0.81);
    vigil_run_info ra, rb, rc;
    vigil_store_get_run(s, a, &ra);
    vigil_store_get_run(s, b, &rb);
    vigil_store_get_run(s, c, &rc);
    assert_string_equal(ra.result_digest, rb.result_digest);
    assert_string_not_equal(ra.result_digest, rc.result_digest);
    vigil_run_info_clear(&ra), vigil_run_info_clear(&rb), vigil_run_info_clear(&rc);
    vigil_run_info *runs;
    size_t n;
    assert_int_equal(vigil_store_list_runs(s, "suite", "x", &runs, &n), VIGIL_OK);
    assert_int_equal(n, 3);
    vigil_run_info_free(runs, n);
    assert_int_equal(vigil_store_list_runs(s, "monitor", NULL, &runs, &n), VIGIL_OK);
    assert_int_equal(n, 0);
    vigil_run_info_free(runs, n);
    vigil_store_close(s);
}

static void test_edit_metric_detected(void **state)
{
    vigil_store *s;
    assert_int_equal(vigil_store_open(&s, dbpath), VIGIL_OK);
    add_run(s, "a", 0.8);
    int64_t id = add_run(s, "b", 0.7);
    add_run(s, "c", 0.9);
    vigil_store_close(s);
    expect_intact();
    char q[128];
    snprintf(q, sizeof q, "UPDATE metrics SET value = 0.75 WHERE run_id = %lld AND name = 'auroc'",
             (long long)id);
    sql(q);
    char frag[64];
    snprintf(frag, sizeof frag, "run %lld: its stored results", (long long)id);
    expect_broken(frag);
}

static void test_edit_verdict_and_config_detected(void **state)
{
    vigil_store *s;
    assert_int_equal(vigil_store_open(&s, dbpath), VIGIL_OK);
    add_run(s, "a", 0.8);
    vigil_store_close(s);
    sql("UPDATE runs SET passed = 0 WHERE id = 1");
    expect_broken("run 1: its stored results or verdict were edited");
    sql("UPDATE runs SET passed = 1 WHERE id = 1");
    expect_intact();
    sql("UPDATE run_files SET sha256 = 'x' WHERE run_id = 1");
    expect_broken("run 1: its identity, inputs or configuration were edited");
}

static void test_delete_run_detected(void **state)
{
    vigil_store *s;
    assert_int_equal(vigil_store_open(&s, dbpath), VIGIL_OK);
    add_run(s, "a", 0.8);
    add_run(s, "b", 0.8);
    vigil_store_close(s);
    sql("DELETE FROM metrics WHERE run_id = 2; DELETE FROM documents WHERE run_id = 2;"
        "DELETE FROM run_files WHERE run_id = 2; DELETE FROM runs WHERE id = 2");
    expect_broken("names run 2, which is no longer in the store");
}

static void test_audit_log_append_only_and_chain(void **state)
{
    vigil_store *s;
    assert_int_equal(vigil_store_open(&s, dbpath), VIGIL_OK);
    add_run(s, "a", 0.8);
    add_run(s, "b", 0.8);
    vigil_store_close(s);
    /* the triggers refuse edits ... */
    sqlite3 *db;
    sqlite3_open(dbpath, &db);
    assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit WHERE seq = 2", 0, 0, 0), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db, "UPDATE audit SET at = 'x' WHERE seq = 2", 0, 0, 0), SQLITE_OK);
    sqlite3_close(db);
    expect_intact();
    /* ... and someone who drops them is still caught */
    sql("DROP TRIGGER audit_append_only_d; DROP TRIGGER audit_append_only_u;"
        "DELETE FROM audit WHERE seq = 2");
    expect_broken("audit entry 3 follows entry 1");
}

static void test_reorder_detected(void **state)
{
    vigil_store *s;
    assert_int_equal(vigil_store_open(&s, dbpath), VIGIL_OK);
    add_run(s, "a", 0.8);
    vigil_store_close(s);
    sql("DROP TRIGGER audit_append_only_u;"
        "UPDATE audit SET seq = 100 WHERE seq = 1; UPDATE audit SET seq = 1 WHERE seq = 2;"
        "UPDATE audit SET seq = 2 WHERE seq = 100");
    expect_broken("audit entry 1");
}

static void test_inserted_run_detected(void **state)
{
    vigil_store *s;
    assert_int_equal(vigil_store_open(&s, dbpath), VIGIL_OK);
    add_run(s, "a", 0.8);
    vigil_store_close(s);
    sql("INSERT INTO runs (kind, name, status, started_at, tool_version, config_json, config_sha256) "
        "SELECT kind, name, status, started_at, tool_version, config_json, config_sha256 FROM runs");
    expect_broken("run 2 has 0 start entries");
}

static void test_fail_and_interrupted(void **state)
{
    vigil_store *s;
    assert_int_equal(vigil_store_open(&s, dbpath), VIGIL_OK);
    vigil_run_spec spec = {.kind = "monitor", .name = "m", .config_json = "{}"};
    int64_t id;
    assert_int_equal(vigil_store_run_begin(s, &spec, &id), VIGIL_OK);
    assert_int_equal(vigil_store_run_fail(s, id, "input error: x.csv:3:2 ..."), VIGIL_OK);
    vigil_run_info ri;
    vigil_store_get_run(s, id, &ri);
    assert_string_equal(ri.status, "failed");
    assert_string_equal(ri.error, "input error: x.csv:3:2 ...");
    vigil_run_info_clear(&ri);
    vigil_store_close(s);
    /* a child begins a run and dies before finishing it */
    pid_t pid = fork();
    if (pid == 0) {
        vigil_store *cs;
        if (vigil_store_open(&cs, dbpath) != 0) _exit(3);
        int64_t cid;
        _exit(vigil_store_run_begin(cs, &spec, &cid) == 0 ? 0 : 4);
    }
    int st;
    waitpid(pid, &st, 0);
    assert_int_equal(WEXITSTATUS(st), 0);
    assert_int_equal(vigil_store_open(&s, dbpath), VIGIL_OK);
    vigil_run_info *runs;
    size_t n;
    assert_int_equal(vigil_store_list_runs(s, NULL, NULL, &runs, &n), VIGIL_OK);
    assert_int_equal(n, 2);
    assert_string_equal(runs[1].status, "interrupted");
    assert_null(runs[1].finished_at);
    vigil_run_info_free(runs, n);
    vigil_store_close(s);
    expect_intact();
}

static void test_locked_database(void **state)
{
    vigil_store *s;
    assert_int_equal(vigil_store_open(&s, dbpath), VIGIL_OK);
    vigil_store_close(s);
    sqlite3 *db;
    sqlite3_open(dbpath, &db);
    assert_int_equal(sqlite3_exec(db, "BEGIN EXCLUSIVE", 0, 0, 0), SQLITE_OK);
    setenv("VIGIL_BUSY_TIMEOUT_MS", "200", 1);
    int rc = vigil_store_open(&s, dbpath);
    if (rc == VIGIL_OK) { /* opening needs no write lock once migrated; beginning a run does */
        vigil_run_spec spec = {.kind = "suite", .name = "x", .config_json = "{}"};
        int64_t id;
        rc = vigil_store_run_begin(s, &spec, &id);
        vigil_store_close(s);
    }
    unsetenv("VIGIL_BUSY_TIMEOUT_MS");
    assert_int_equal(rc, VIGIL_EDB);
    assert_non_null(strstr(vigil_error_last(), dbpath));
    assert_non_null(strstr(vigil_error_last(), "busy timeout"));
    sqlite3_exec(db, "ROLLBACK", 0, 0, 0);
    sqlite3_close(db);
}

static void test_newer_schema_refused(void **state)
{
    vigil_store *s;
    assert_int_equal(vigil_store_open(&s, dbpath), VIGIL_OK);
    vigil_store_close(s);
    sql("PRAGMA user_version = 99");
    assert_int_equal(vigil_store_open(&s, dbpath), VIGIL_EDB);
    assert_non_null(strstr(vigil_error_last(), "schema version 99"));
}

static void test_missing_input_file(void **state)
{
    vigil_store *s;
    assert_int_equal(vigil_store_open(&s, dbpath), VIGIL_OK);
    vigil_run_file f = {.role = "data", .path = "/nonexistent/cases.csv"};
    vigil_run_spec spec = {.kind = "suite", .name = "x", .config_json = "{}", .files = &f, .n_files = 1};
    int64_t id;
    assert_int_equal(vigil_store_run_begin(s, &spec, &id), VIGIL_EIO);
    assert_non_null(strstr(vigil_error_last(), "/nonexistent/cases.csv"));
    vigil_run_info *runs;
    size_t n;
    vigil_store_list_runs(s, NULL, NULL, &runs, &n);
    assert_int_equal(n, 0); /* nothing half-recorded */
    vigil_run_info_free(runs, n);
    vigil_store_close(s);
}

static void test_cache(void **state)
{
    vigil_store *s;
    assert_int_equal(vigil_store_open(&s, dbpath), VIGIL_OK);
    double v[3] = {1, 2, 3};
    assert_int_equal(vigil_store_cache_put(s, "ref:abc", v, sizeof v), VIGIL_OK);
    void *blob;
    size_t n;
    assert_int_equal(vigil_store_cache_get(s, "ref:abc", &blob, &n), VIGIL_OK);
    assert_int_equal(n, sizeof v);
    assert_memory_equal(blob, v, sizeof v);
    free(blob);
    assert_int_equal(vigil_store_cache_get(s, "nope", &blob, &n), VIGIL_EINVAL);
    vigil_store_close(s);
}

/* vigil_store_copy: every row verbatim, the copy verifies with the same head, the next id
 * follows; a target with another history is refused and left as it was; the same history is
 * a no-op. (SQLite to SQLite here; tests/pg/test_copy.sh does SQLite <-> PostgreSQL.) */
static void test_copy(void **state)
{
    vigil_store *a, *b;
    char to[80];
    snprintf(to, sizeof to, "%s.copy", dbpath);
    unlink(to);
    assert_int_equal(vigil_store_open(&a, dbpath), VIGIL_OK);
    add_run(a, "one", 0.8);
    add_run(a, "two", 0.7);
    assert_int_equal(vigil_store_cache_put(a, "ref", "\0\1\2", 3), VIGIL_OK);
    vigil_audit_result ra, rb;
    assert_int_equal(vigil_store_audit_verify(a, &ra), VIGIL_OK);
    assert_int_equal(vigil_store_open(&b, to), VIGIL_OK);
    vigil_store_copy_result cr;
    assert_int_equal(vigil_store_copy(a, b, &cr), VIGIL_OK);
    assert_false(cr.already);
    assert_int_equal(cr.runs, 2);
    assert_int_equal(cr.entries, 5);
    assert_int_equal(cr.cache, 1);
    assert_int_equal(cr.results, 6);
    assert_int_equal(vigil_store_audit_verify(b, &rb), VIGIL_OK);
    assert_true(rb.ok);
    assert_string_equal(ra.head, rb.head);
    double v;
    assert_int_equal(vigil_store_get_metric(b, 2, "overall", "auroc", &v, NULL, NULL), VIGIL_OK);
    assert_true(v == 0.7);
    void *blob;
    size_t n;
    assert_int_equal(vigil_store_cache_get(b, "ref", &blob, &n), VIGIL_OK);
    assert_int_equal(n, 3);
    assert_memory_equal(blob, "\0\1\2", 3);
    free(blob);
    assert_int_equal(vigil_store_copy(a, b, &cr), VIGIL_OK); /* the same history */
    assert_true(cr.already);
    assert_int_equal(add_run(b, "three", 0.6), 3);           /* the next id follows */
    assert_int_equal(vigil_store_copy(a, b, &cr), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "is not empty (3 runs, 7 audit entries)"));
    assert_int_equal(vigil_store_audit_verify(b, &rb), VIGIL_OK);
    assert_true(rb.ok && rb.n_runs == 3);
    vigil_store_close(a);
    vigil_store_close(b);
    char p[96];
    unlink(to);
    snprintf(p, sizeof p, "%s-wal", to);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", to);
    unlink(p);
}

int main(void)
{
    vigil_init();
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_run_roundtrip),        T(test_same_results_same_digest),
        T(test_edit_metric_detected), T(test_edit_verdict_and_config_detected),
        T(test_delete_run_detected),  T(test_audit_log_append_only_and_chain),
        T(test_reorder_detected),     T(test_inserted_run_detected),
        T(test_fail_and_interrupted), T(test_locked_database),
        T(test_newer_schema_refused), T(test_missing_input_file),
        T(test_cache),                T(test_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
