/* The run lifecycle (src/run/): a run ends completed or failed, never left "running" by a
 * process that is alive to say why, and a job's run is stored whole. */
#include "testutil.h"

#include "core/json.h"
#include "core/util.h"
#include "core/window.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

static char dbpath[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dbpath, sizeof dbpath, "/tmp/vigil-run-XXXXXX");
    int fd = mkstemp(dbpath);
    close(fd);
    unlink(dbpath);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char p[96];
    unlink(dbpath);
    snprintf(p, sizeof p, "%s-wal", dbpath);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", dbpath);
    unlink(p);
    return 0;
}

static void sql(const char *stmt)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    char *err = NULL;
    int rc = sqlite3_exec(db, stmt, NULL, NULL, &err);
    if (rc != SQLITE_OK) print_error("%s: %s\n", stmt, err ? err : "?");
    sqlite3_free(err);
    sqlite3_close(db);
    assert_int_equal(rc, SQLITE_OK);
}

/* A finish that fails inside its transaction: every result document is refused, while the
 * runs table (what vigil_store_run_fail writes) stays writable. */
#define REFUSE_DOCUMENTS                                                                   \
    "CREATE TRIGGER refuse_docs BEFORE INSERT ON documents "                               \
    "BEGIN SELECT RAISE(ABORT, 'disk quota exceeded (test)'); END;"

static const vigil_run_spec spec = {.kind = "metrics", .name = "t", .config_json = "{\"x\":1}"};

static void expect_status(vigil_store *s, int64_t id, const char *status)
{
    vigil_run_info ri;
    assert_int_equal(vigil_store_get_run(s, id, &ri), VIGIL_OK);
    assert_string_equal(ri.status, status);
    vigil_run_info_clear(&ri);
}

static void test_begin_finish(void **state)
{
    (void)state;
    vigil_store *s;
    vigil_run *run;
    vigil_results *res;
    assert_int_equal(vigil_store_open(&s, dbpath), VIGIL_OK);
    assert_int_equal(vigil_run_begin(&run, s, &spec), VIGIL_OK);
    int64_t id = vigil_run_id(run);
    assert_true(id > 0);
    expect_status(s, id, "running");
    assert_int_equal(vigil_results_new(&res), VIGIL_OK);
    assert_int_equal(vigil_results_add_metric(res, "overall", "auroc", 0.81, 0.78, 0.84), VIGIL_OK);
    assert_int_equal(vigil_results_add_document(res, "result", "{\"n\": 3}"), VIGIL_OK);
    assert_int_equal(vigil_run_finish(run, res, 1), VIGIL_OK);
    /* ending twice is a caller's bug, and must not touch the stored run */
    assert_int_equal(vigil_run_finish(run, res, 0), VIGIL_EINTERNAL);
    vigil_run_free(run);
    vigil_results_free(res);

    vigil_run_info ri;
    assert_int_equal(vigil_store_get_run(s, id, &ri), VIGIL_OK);
    assert_string_equal(ri.status, "completed");
    assert_int_equal(ri.passed, 1);
    vigil_run_info_clear(&ri);
    double v, lo, hi;
    assert_int_equal(vigil_store_get_metric(s, id, "overall", "auroc", &v, &lo, &hi), VIGIL_OK);
    assert_close(v, 0.81, 0);
    assert_close(lo, 0.78, 0);
    assert_close(hi, 0.84, 0);
    char *doc;
    assert_int_equal(vigil_store_get_document(s, id, "result", &doc), VIGIL_OK);
    assert_string_equal(doc, "{\"n\": 3}");
    free(doc);
    vigil_audit_result ar;
    assert_int_equal(vigil_store_audit_verify(s, &ar), VIGIL_OK);
    assert_true(ar.ok);
    vigil_store_close(s);
}

static void test_begin_fail_keeps_the_cause(void **state)
{
    (void)state;
    vigil_store *s;
    vigil_run *run;
    assert_int_equal(vigil_store_open(&s, dbpath), VIGIL_OK);
    assert_int_equal(vigil_run_begin(&run, s, &spec), VIGIL_OK);
    int64_t id = vigil_run_id(run);
    vigil_error_set(VIGIL_EINVAL, "data.csv:3:2: label 'x' is not 0 or 1");
    vigil_run_fail(run, NULL);
    /* the caller still reports the cause, not the bookkeeping */
    assert_int_equal(vigil_error_last_code(), VIGIL_EINVAL);
    assert_string_equal(vigil_error_last(), "data.csv:3:2: label 'x' is not 0 or 1");
    vigil_run_free(run);
    vigil_run_info ri;
    assert_int_equal(vigil_store_get_run(s, id, &ri), VIGIL_OK);
    assert_string_equal(ri.status, "failed");
    assert_string_equal(ri.error, "data.csv:3:2: label 'x' is not 0 or 1");
    vigil_run_info_clear(&ri);

    /* a handle dropped on a `goto done` path ends its run too */
    assert_int_equal(vigil_run_begin(&run, s, &spec), VIGIL_OK);
    id = vigil_run_id(run);
    vigil_error_set(VIGIL_ENOMEM, "out of memory");
    vigil_run_free(run);
    expect_status(s, id, "failed");
    vigil_audit_result ar;
    assert_int_equal(vigil_store_audit_verify(s, &ar), VIGIL_OK);
    assert_true(ar.ok);
    vigil_store_close(s);
}

/* The bug that moved the lifecycle here: a front end that forgot the run once the finish was
 * attempted left a run whose finish failed "running" (and later "interrupted"). */
static void test_failed_finish_marks_failed(void **state)
{
    (void)state;
    vigil_store *s;
    vigil_run *run;
    vigil_results *res;
    assert_int_equal(vigil_store_open(&s, dbpath), VIGIL_OK);
    sql(REFUSE_DOCUMENTS);
    assert_int_equal(vigil_run_begin(&run, s, &spec), VIGIL_OK);
    int64_t id = vigil_run_id(run);
    assert_int_equal(vigil_results_new(&res), VIGIL_OK);
    assert_int_equal(vigil_results_add_metric(res, "overall", "auroc", 0.81, NAN, NAN), VIGIL_OK);
    assert_int_equal(vigil_results_add_document(res, "result", "{}"), VIGIL_OK);
    assert_int_equal(vigil_run_finish(run, res, 1), VIGIL_EDB);
    assert_non_null(strstr(vigil_error_last(), "disk quota exceeded (test)"));
    /* failed by the finish itself, not only by the handle's release */
    expect_status(s, id, "failed");
    vigil_results_free(res);
    vigil_run_free(run);

    vigil_run_info ri;
    assert_int_equal(vigil_store_get_run(s, id, &ri), VIGIL_OK);
    assert_string_equal(ri.status, "failed");
    assert_non_null(ri.error);
    assert_non_null(strstr(ri.error, "disk quota exceeded (test)"));
    vigil_run_info_clear(&ri);
    /* nothing of the refused finish was kept */
    assert_int_equal(vigil_store_get_metric(s, id, "overall", "auroc", NULL, NULL, NULL), VIGIL_EINVAL);
    vigil_audit_result ar;
    assert_int_equal(vigil_store_audit_verify(s, &ar), VIGIL_OK);
    assert_true(ar.ok);
    vigil_store_close(s);
}

static void test_no_store(void **state)
{
    (void)state;
    vigil_run *run;
    assert_int_equal(vigil_run_begin(&run, NULL, &spec), VIGIL_OK);
    assert_int_equal(vigil_run_id(run), 0);
    assert_int_equal(vigil_run_finish(run, NULL, 1), VIGIL_OK);
    vigil_run_free(run);
    vigil_run_free(NULL);
}

/* The monitor job, end to end on the shipped stable monitor: one stored run whose "result"
 * is byte for byte the printed document; and with a refusing store, a failed run. */
static void test_monitor_job(void **state)
{
    (void)state;
    vigil_monitor *m;
    assert_int_equal(vigil_monitor_load(&m, "monitors/flchain-stable.json", 0), VIGIL_OK);
    vigil_run_monitor_options o = VIGIL_RUN_MONITOR_OPTIONS_INIT;
    o.db_path = dbpath;
    o.threads = 2;
    vigil_run_monitor_result *r;
    assert_int_equal(vigil_run_monitor(&r, m, &o), VIGIL_OK);
    assert_int_equal(vigil_run_monitor_result_alarm(r), 0);
    int64_t id = vigil_run_monitor_result_run_id(r);
    assert_true(id > 0);
    cJSON *d = cJSON_Parse(vigil_run_monitor_result_json(r));
    assert_non_null(d);
    assert_int_equal((int64_t)cJSON_GetObjectItem(d, "run_id")->valuedouble, id);
    assert_true(cJSON_IsString(cJSON_GetObjectItem(d, "lock")));
    cJSON_Delete(d);
    assert_non_null(strstr(vigil_run_monitor_result_text(r), "monitor flchain-stable: no drift"));

    vigil_store *s;
    assert_int_equal(vigil_store_open(&s, dbpath), VIGIL_OK);
    char *doc;
    assert_int_equal(vigil_store_get_document(s, id, "result", &doc), VIGIL_OK);
    assert_string_equal(doc, vigil_run_monitor_result_json(r));
    free(doc);
    vigil_run_info ri;
    assert_int_equal(vigil_store_get_run(s, id, &ri), VIGIL_OK);
    assert_string_equal(ri.status, "completed");
    assert_int_equal(ri.passed, 1);
    vigil_run_info_clear(&ri);
    vigil_run_monitor_result_free(r);

    sql(REFUSE_DOCUMENTS);
    assert_int_equal(vigil_run_monitor(&r, m, &o), VIGIL_EDB);
    assert_null(r);
    vigil_run_info *runs;
    size_t n;
    assert_int_equal(vigil_store_list_runs(s, "monitor", NULL, &runs, &n), VIGIL_OK);
    assert_int_equal(n, 2);
    assert_string_equal(runs[1].status, "failed");
    assert_non_null(strstr(runs[1].error, "disk quota exceeded (test)"));
    vigil_run_info_free(runs, n);
    vigil_store_close(s);
    char *lock = vigil_monitor_lock_path(m, dbpath);
    unlink(lock);
    free(lock);
    vigil_monitor_free(m);
}

/* A night whose data lacks a column the monitor names (issue 17, "the record has holes"): the
 * input error is returned as it was (VIGIL_EINVAL, exit 2) and says the night was stored; the
 * run is stored "failed" with the message as its reason and the window it would have tested
 * after it (what the record places it by), with the files it names and their digests. When
 * the store cannot record the failure, the message does not claim it was stored. */
static void test_monitor_job_input_failure(void **state)
{
    (void)state;
    char dir[64], csv[96], mon[96];
    snprintf(dir, sizeof dir, "/tmp/vigil-mon-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(csv, sizeof csv, "%s/tonight.csv", dir);
    snprintf(mon, sizeof mon, "%s/holes.json", dir);
    FILE *f = fopen(csv, "w");
    assert_non_null(f);
    fputs("day,x,label,score\n", f);
    for (int i = 0; i < 8; i++) fprintf(f, "2026-02-1%d,%d,%d,0.%d\n", i % 2, i, i % 3 == 0, i + 1);
    fclose(f);
    f = fopen(mon, "w");
    assert_non_null(f);
    fputs("{\"name\": \"holes\", \"data\": {\"path\": \"tonight.csv\", \"columns\": {\"time\": \"day\", "
          "\"label\": \"label\", \"score\": \"score\", \"features\": [\"x\", \"k\"]}},"
          " \"windows\": {\"reference\": {\"from\": \"2026-02-10\", \"to\": \"2026-02-10\"},"
          " \"current\": {\"last_days\": 1}}, \"min_samples\": 2}", f);
    fclose(f);
    vigil_monitor *m;
    assert_int_equal(vigil_monitor_load(&m, mon, vigil_parse_day("2026-02-11")), VIGIL_OK);
    vigil_run_monitor_options o = VIGIL_RUN_MONITOR_OPTIONS_INIT;
    o.db_path = dbpath;
    vigil_run_monitor_result *r = NULL;
    assert_int_equal(vigil_run_monitor(&r, m, &o), VIGIL_EINVAL);
    assert_null(r);
    char cause[1024];
    snprintf(cause, sizeof cause, "%s: no column 'k' (named by $.data.columns.features[1] in %s); the columns are: "
             "'day', 'x', 'label', 'score'", csv, mon);
    char want[1200];
    snprintf(want, sizeof want, "%s (stored as run 1, status failed)", cause);
    assert_string_equal(vigil_error_last(), want);

    vigil_store *s;
    assert_int_equal(vigil_store_open(&s, dbpath), VIGIL_OK);
    vigil_run_info ri;
    assert_int_equal(vigil_store_get_run(s, 1, &ri), VIGIL_OK);
    assert_string_equal(ri.status, "failed");
    snprintf(want, sizeof want, "%s -- current window 2026-02-11..2026-02-11 (--now 2026-02-11)", cause);
    assert_string_equal(ri.error, want);
    vigil_run_info_clear(&ri);
    vigil_run_file_info *fi;
    size_t nf;
    char sha[65];
    assert_int_equal(vigil_sha256_file(csv, sha, NULL), VIGIL_OK);
    assert_int_equal(vigil_store_get_files(s, 1, &fi, &nf), VIGIL_OK);
    assert_int_equal(nf, 2);
    assert_string_equal(fi[1].role, "data");
    assert_string_equal(fi[1].sha256, sha);
    vigil_run_file_info_free(fi, nf);

    /* the failure cannot be recorded: the cause is still what is said, and no "stored" */
    sql("CREATE TRIGGER refuse_fail BEFORE UPDATE ON runs WHEN NEW.status = 'failed' "
        "BEGIN SELECT RAISE(ABORT, 'disk quota exceeded (test)'); END;");
    assert_int_equal(vigil_run_monitor(&r, m, &o), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), cause));
    assert_non_null(strstr(vigil_error_last(), "(run 2 could not be marked failed in the store"));
    assert_null(strstr(vigil_error_last(), "stored as run"));
    vigil_store_close(s);
    char *lock = vigil_monitor_lock_path(m, dbpath);
    unlink(lock);
    free(lock);
    vigil_monitor_free(m);
    unlink(csv);
    unlink(mon);
    rmdir(dir);
}

/* Cases for a model: features by name plus the id, through the PHI guard; the CSV written
 * back quotes what needs quoting and is read back to the same values. */
static void test_cases(void **state)
{
    (void)state;
    vigil_cases c;
    vigil_cases_options o = VIGIL_CASES_OPTIONS_INIT;
    /* age is refused by the PHI guard unless let through */
    assert_int_equal(vigil_cases_load(&c, "datasets/models/flchain_v1.json", "datasets/flchain/test.csv", &o),
                     VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "age"));
    assert_null(c.model);
    vigil_phi_allow allow = {"age", "public research cohort"};
    o.id = "case_id";
    o.allow = &allow;
    o.n_allow = 1;
    assert_int_equal(vigil_cases_load(&c, "datasets/models/flchain_v1.json", "datasets/flchain/test.csv", &o),
                     VIGIL_OK);
    assert_true(c.n > 2);
    assert_true(c.id_col >= 0);
    assert_non_null(c.X);
    char id[64];
    vigil_cases_id(&c, 0, id, sizeof id);
    assert_string_equal(id, "FLC00004");

    char out[64];
    tu_temp_file(out, sizeof out, "");
    double *v = calloc(c.n * 2, sizeof *v);
    v[0] = 0.25, v[1] = -1.5;
    const char *cols[2] = {"p,1", "say \"hi\""};
    assert_int_equal(vigil_cases_write_csv(&c, "case_id", out, cols, 2, v), VIGIL_OK);
    FILE *f = fopen(out, "r");
    char line[256];
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "case_id,\"p,1\",\"say \"\"hi\"\"\"\n");
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "FLC00004,0.25,-1.5\n");
    fclose(f);
    vigil_table *t;
    assert_int_equal(vigil_table_read_csv(&t, out, NULL), VIGIL_OK);
    assert_int_equal(vigil_table_nrows(t), c.n);
    assert_true(vigil_table_find(t, "say \"hi\"") >= 0);
    vigil_table_free(t);
    /* an unwritable place fails, leaving nothing */
    assert_int_equal(vigil_cases_write_csv(&c, NULL, "/nonexistent-dir/x.csv", cols, 2, v), VIGIL_EIO);
    free(v);
    unlink(out);
    vigil_cases_clear(&c);
    assert_null(c.model);
    vigil_cases_clear(&c);

    /* a header without rows is refused, naming the file */
    char empty[64];
    tu_temp_file(empty, sizeof empty, "case_id,age,male,kappa,lambda\n");
    assert_int_equal(vigil_cases_load(&c, "datasets/models/flchain_v1.json", empty, &o), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "no cases"));
    assert_non_null(strstr(vigil_error_last(), empty));
    assert_null(c.model);
    unlink(empty);
}

/* The replay job: the comparison stored with its verdict and read back through the store. */
static void test_replay_job(void **state)
{
    (void)state;
    vigil_phi_allow allow = {"age", "public research cohort"};
    vigil_run_replay_options o = VIGIL_RUN_REPLAY_OPTIONS_INIT;
    o.db_path = dbpath;
    o.backend.backend = VIGIL_BACKEND_CPU;
    o.backend.threads = 2;
    o.id = "case_id";
    o.allow = &allow;
    o.n_allow = 1;
    vigil_run_replay_result *r;
    assert_int_equal(vigil_run_replay(&r, "datasets/models/flchain_v1.json", "datasets/flchain/test.csv",
                                      "shadow_score", &o), VIGIL_OK);
    assert_true(vigil_run_replay_result_reproduced(r));
    assert_true(vigil_run_replay_result_n(r) > 1000);
    assert_int_equal(vigil_run_replay_result_n_disagree(r), 0);
    int64_t id = vigil_run_replay_result_run_id(r);
    assert_true(id > 0);
    assert_non_null(strstr(vigil_run_replay_result_json(r), "\"reproduced\":\ttrue"));
    vigil_run_replay_result_free(r);

    vigil_store *s;
    assert_int_equal(vigil_store_open(&s, dbpath), VIGIL_OK);
    vigil_run_info ri;
    assert_int_equal(vigil_store_get_run(s, id, &ri), VIGIL_OK);
    assert_string_equal(ri.kind, "replay");
    assert_string_equal(ri.status, "completed");
    assert_int_equal(ri.passed, 1);
    vigil_run_info_clear(&ri);
    double v;
    assert_int_equal(vigil_store_get_metric(s, id, "overall", "replay_agreement", &v, NULL, NULL), VIGIL_OK);
    assert_close(v, 1, 0);

    /* the recorded score of another model: not reproduced, ids named, passed 0 */
    assert_int_equal(vigil_run_replay(&r, "datasets/models/flchain_v2.json", "datasets/flchain/test.csv",
                                      "shadow_score", &o), VIGIL_OK);
    assert_false(vigil_run_replay_result_reproduced(r));
    assert_true(vigil_run_replay_result_n_ids(r) > 0 && vigil_run_replay_result_n_ids(r) <= 20);
    assert_non_null(strstr(vigil_run_replay_result_id(r, 0), "FLC"));
    assert_int_equal(vigil_store_get_run(s, vigil_run_replay_result_run_id(r), &ri), VIGIL_OK);
    assert_int_equal(ri.passed, 0);
    vigil_run_info_clear(&ri);
    vigil_run_replay_result_free(r);

    /* a failed finish: the run ends failed */
    sql(REFUSE_DOCUMENTS);
    assert_int_equal(vigil_run_replay(&r, "datasets/models/flchain_v1.json", "datasets/flchain/test.csv",
                                      "shadow_score", &o), VIGIL_EDB);
    assert_null(r);
    vigil_run_info *runs;
    size_t n;
    assert_int_equal(vigil_store_list_runs(s, "replay", NULL, &runs, &n), VIGIL_OK);
    assert_int_equal(n, 3);
    assert_string_equal(runs[2].status, "failed");
    vigil_run_info_free(runs, n);
    vigil_store_close(s);
}

/* The explain job: attributions written, their summary stored and read back; completeness
 * against the inference core holds (linear SHAP is exact). */
static void test_explain_job(void **state)
{
    (void)state;
    vigil_phi_allow allow = {"age", "public research cohort"};
    vigil_run_explain_options o = VIGIL_RUN_EXPLAIN_OPTIONS_INIT;
    o.db_path = dbpath;
    o.backend = VIGIL_BACKEND_CPU;
    o.threads = 2;
    o.id = "case_id";
    o.allow = &allow;
    o.n_allow = 1;
    char out[64];
    tu_temp_file(out, sizeof out, "");
    vigil_run_explain_result *r;
    assert_int_equal(vigil_run_explain(&r, "datasets/models/flchain_logistic.json", "datasets/flchain/test.csv",
                                       out, &o), VIGIL_OK);
    assert_true(vigil_run_explain_result_n(r) > 1000);
    assert_true(vigil_run_explain_result_max_abs_error(r) < 1e-9);
    assert_int_equal(vigil_run_explain_result_n_features(r), 4);
    const char *f;
    double imp;
    vigil_run_explain_result_importance(r, 0, &f, &imp);
    assert_string_equal(f, "age");
    assert_true(imp > 0);
    int64_t id = vigil_run_explain_result_run_id(r);
    assert_true(id > 0);
    vigil_table *t;
    assert_int_equal(vigil_table_read_csv(&t, out, NULL), VIGIL_OK);
    assert_int_equal(vigil_table_nrows(t), vigil_run_explain_result_n(r));
    assert_true(vigil_table_find(t, "base_value") >= 0);
    vigil_table_free(t);

    vigil_store *s;
    assert_int_equal(vigil_store_open(&s, dbpath), VIGIL_OK);
    double v;
    assert_int_equal(vigil_store_get_metric(s, id, "overall", "shap_importance.age", &v, NULL, NULL), VIGIL_OK);
    assert_close(v, imp, 0);
    char *doc;
    assert_int_equal(vigil_store_get_document(s, id, "result", &doc), VIGIL_OK);
    assert_null(strstr(doc, "FLC")); /* the run keeps no case's values or ids */
    free(doc);
    vigil_store_close(s);
    vigil_run_explain_result_free(r);
    unlink(out);
}

/* The metrics job: a run stored and read back through the store API, its result the printed
 * document (run_id first); group specs "a+b" resolve to the intersection. */
static void test_metrics_job(void **state)
{
    (void)state;
    const char *groups[2] = {"sex", "sex+race"};
    vigil_run_metrics_options o = VIGIL_RUN_METRICS_OPTIONS_INIT;
    o.db_path = dbpath;
    o.groups = groups;
    o.n_groups = 2;
    o.bootstrap = 0;
    vigil_run_metrics_result *r;
    assert_int_equal(vigil_run_metrics(&r, "tests/reference/metrics/case_a.csv", "score", "label", &o), VIGIL_OK);
    int64_t id = vigil_run_metrics_result_run_id(r);
    assert_true(id > 0);
    assert_non_null(vigil_run_metrics_result_report(r));
    cJSON *d = cJSON_Parse(vigil_run_metrics_result_json(r));
    assert_non_null(d);
    assert_string_equal(d->child->string, "run_id");
    assert_int_equal((int64_t)d->child->valuedouble, id);
    assert_non_null(vigil_json_get(d, "subgroups.sex+race.levels"));
    double auroc = vigil_json_get_number(d, "discrimination.auroc.value");
    cJSON_Delete(d);
    assert_non_null(strstr(vigil_run_metrics_result_text(r), "AUROC"));

    vigil_store *s;
    assert_int_equal(vigil_store_open(&s, dbpath), VIGIL_OK);
    vigil_run_info ri;
    assert_int_equal(vigil_store_get_run(s, id, &ri), VIGIL_OK);
    assert_string_equal(ri.kind, "metrics");
    assert_string_equal(ri.name, "case_a.csv");
    assert_string_equal(ri.status, "completed");
    assert_false(ri.has_seed); /* no bootstrap, no seed that matters */
    vigil_run_info_clear(&ri);
    char *doc;
    assert_int_equal(vigil_store_get_document(s, id, "result", &doc), VIGIL_OK);
    assert_string_equal(doc, vigil_run_metrics_result_json(r));
    free(doc);
    double v;
    assert_int_equal(vigil_store_get_metric(s, id, "overall", "auroc", &v, NULL, NULL), VIGIL_OK);
    assert_close(v, auroc, 1e-15); /* the JSON text rounds the last bit */
    vigil_run_metrics_result_free(r);

    /* a missing column is named with the option that asked for it; nothing is begun */
    const char *bad[1] = {"sex+nope"};
    o.groups = bad;
    o.n_groups = 1;
    assert_int_equal(vigil_run_metrics(&r, "tests/reference/metrics/case_a.csv", "score", "label", &o), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "--group column 'nope'"));
    vigil_run_info *runs;
    size_t n;
    assert_int_equal(vigil_store_list_runs(s, "metrics", NULL, &runs, &n), VIGIL_OK);
    assert_int_equal(n, 1);
    vigil_run_info_free(runs, n);
    vigil_store_close(s);

    char buf[] = "a++b+", *parts[VIGIL_GROUP_SPEC_MAX];
    assert_int_equal(vigil_group_spec_split(buf, parts, VIGIL_GROUP_SPEC_MAX), 4);
    assert_string_equal(parts[0], "a");
    assert_string_equal(parts[1], "");
    assert_string_equal(parts[2], "b");
    assert_string_equal(parts[3], "");
    /* a spec naming more columns than fit says so (the caller refuses it), never a shorter one */
    char nine[] = "a+b+c+d+e+f+g+h+i", *p8[VIGIL_GROUP_SPEC_MAX];
    assert_int_equal(vigil_group_spec_split(nine, p8, VIGIL_GROUP_SPEC_MAX), 9);
    assert_string_equal(p8[7], "h");
}

/* The predict/explain CSV writer (issue 19): a formula-like text is written so a spreadsheet
 * does not run it, a number is left alone, an id is never cut, a NaN is refused before any
 * file is made, and a link planted at the old fixed temporary name is not followed. */
static void test_cases_csv_output(void **state)
{
    (void)state;
    char longid[400];
    memset(longid, 'x', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    char csv[1024], in[64];
    snprintf(csv, sizeof csv, "id,v\n\"=HYPERLINK(\"\"http://x\"\")\",1\n-0.5,2\n%s,3\n@SUM(A1),4\n", longid);
    vigil_table *t = NULL;
    vigil_csv_options co = VIGIL_CSV_OPTIONS_INIT;
    vigil_col_decl idd = {"id", VIGIL_COL_CATEGORICAL};
    co.types = &idd, co.n_types = 1;
    assert_int_equal(vigil_table_read_csv(&t, tu_temp_file(in, sizeof in, csv), &co), VIGIL_OK);
    vigil_cases c = {0};
    c.table = t, c.n = vigil_table_nrows(t), c.id_col = vigil_table_find(t, "id");
    const char *cols[] = {"score"};
    double v[4] = {0.1, 0.2, 0.3, 0.4};
    char out[96], victim[96];
    snprintf(out, sizeof out, "%s.out.csv", dbpath);
    snprintf(victim, sizeof victim, "%s.victim", dbpath);
    FILE *vf = fopen(victim, "w");
    fputs("keep me\n", vf);
    fclose(vf);
    char tmpname[128];
    snprintf(tmpname, sizeof tmpname, "%s.tmp", out);
    assert_int_equal(symlink(victim, tmpname), 0);
    assert_int_equal(vigil_cases_write_csv(&c, "id", out, cols, 1, v), VIGIL_OK);
    char buf[2048] = {0};
    FILE *f = fopen(out, "r");
    size_t got = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    assert_true(got > 0);
    assert_non_null(strstr(buf, "\n\"'=HYPERLINK(\"\"http://x\"\")\",0.1\n"));
    assert_non_null(strstr(buf, "\n-0.5,0.2\n"));
    assert_non_null(strstr(buf, longid));
    assert_non_null(strstr(buf, "\n\"'@SUM(A1)\",0.4\n"));
    struct stat st;
    assert_int_equal(stat(out, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    f = fopen(victim, "r");
    got = fread(buf, 1, sizeof buf - 1, f);
    buf[got] = '\0';
    fclose(f);
    assert_string_equal(buf, "keep me\n");
    /* a NaN: refused, naming the case and column, and the earlier output is untouched */
    v[2] = NAN;
    assert_int_equal(vigil_cases_write_csv(&c, "id", out, cols, 1, v), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "case 3 of the data (line 4): 'score' is NaN"));
    assert_null(strstr(vigil_error_last(), "xxxx"));
    assert_int_equal(stat(out, &st), 0);
    unlink(out), unlink(tmpname), unlink(victim), unlink(in);
    vigil_table_free(t);
}

int main(void)
{
    vigil_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cases_csv_output, setup, teardown),
        cmocka_unit_test_setup_teardown(test_begin_finish, setup, teardown),
        cmocka_unit_test_setup_teardown(test_begin_fail_keeps_the_cause, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_finish_marks_failed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_monitor_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_monitor_job_input_failure, setup, teardown),
        cmocka_unit_test(test_cases),
        cmocka_unit_test_setup_teardown(test_replay_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_explain_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metrics_job, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
