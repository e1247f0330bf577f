/* Drift monitors: the strict monitor-file loader, the lock, label drift and the
 * risk-adjusted CUSUM. Golden values: tests/reference/monitor_ref.py (statsmodels 0.13.5
 * proportions_ztest; the CUSUM of Steiner et al. 2000 written independently in numpy). */
#include "testutil.h"
#include "monitor/monitor_engine.h"
#include "vigil/monitor.h"

#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/vigil-mon-XXXXXX");
    assert_non_null(mkdtemp(dir));
    char p[128];
    snprintf(p, sizeof p, "%s/cases.csv", dir);
    FILE *f = fopen(p, "w");
    fputs("id,yr,day,death,score,age,grp\n1,1995,2026-01-01,1,0.9,60,a\n2,1996,2026-01-05,0,0.1,70,b\n",
          f);
    fclose(f);
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

static const char *write_monitor(const char *body)
{
    static char p[128];
    snprintf(p, sizeof p, "%s/m.json", dir);
    FILE *f = fopen(p, "w");
    fprintf(f, "{\"name\": \"m\", \"data\": {\"path\": \"cases.csv\", \"columns\": {\"time\": \"yr\", "
               "\"label\": \"death\", \"score\": \"score\", \"features\": [\"age\", \"grp\"]}}%s}",
            body);
    fclose(f);
    return p;
}

static void expect_msg(const char *frag)
{
    if (!strstr(vigil_error_last(), frag)) {
        print_error("message '%s' lacks '%s'\n", vigil_error_last(), frag);
        fail();
    }
}

#define WINDOWS ", \"windows\": {\"reference\": {\"from\": 1995, \"to\": 1995}, " \
                "\"current\": {\"from\": 1996, \"to\": 1996}}"

static vigil_monitor *load(const char *body, int expect_rc)
{
    vigil_monitor *m = NULL;
    int rc = vigil_monitor_load(&m, write_monitor(body), 20000);
    if (rc != expect_rc) {
        print_error("load returned %d (%s), expected %d\n", rc, vigil_error_last(), expect_rc);
        fail();
    }
    return m;
}

static void test_load_ok(void **state)
{
    vigil_monitor *m = load(WINDOWS ", \"alpha\": 0.05, \"correction\": \"bh\", \"tests\": [\"ks\", \"chi2\"],"
                            " \"effect_floors\": {\"numeric\": 0.2}, \"min_samples\": 1,"
                            " \"prediction_drift\": true, \"label_drift\": true,"
                            " \"on_alarm\": {\"alert_file\": \"out/alert.json\", \"command\": \"cat\"}", 0);
    assert_non_null(m);
    const struct vigil_monitor *im = m;
    assert_string_equal(vigil_monitor_name(m), "m");
    assert_close(im->alpha, 0.05, 0);
    assert_int_equal(im->correction, MON_CORR_BH);
    assert_int_equal(im->tests, MON_T_KS | MON_T_CHI2);
    assert_close(im->floor_numeric, 0.2, 0);
    assert_close(im->floor_categorical, 0.1, 0); /* the default */
    assert_true(im->cusum); /* on by default with a label and a score */
    /* its limit chosen by simulation for a 1% in-control false-signal probability per run */
    assert_true(isnan(im->cusum_limit));
    assert_close(im->cusum_prob, 0.01, 0);
    assert_int_equal(im->cusum_replicates, 999);
    assert_int_equal(im->cusum_seed, 1);
    assert_true(im->ref_w.set && !im->ref_w.is_date && im->ref_w.from == 1995);
    char want[160];
    snprintf(want, sizeof want, "%s/out/alert.json", dir); /* relative to the monitor file */
    assert_string_equal(im->alert_file, want);
    vigil_run_file files[4];
    assert_int_equal(vigil_monitor_files(m, files), 2);
    assert_string_equal(files[0].role, "config");
    assert_non_null(strstr(vigil_monitor_text(m), "\"name\": \"m\""));
    vigil_monitor_free(m);
    vigil_monitor_free(NULL);
}

/* A window under min_samples (a feed that stalled) still loads -- the run layer stores the night
 * as a failed run -- and says why; running the tests on it is refused with that reason. */
static void test_insufficient_data(void **state)
{
    vigil_monitor *m = load(WINDOWS ", \"min_samples\": 2", 0);
    vigil_monitor_data *d = NULL;
    assert_int_equal(vigil_monitor_load_data(&d, m, 1), 0);
    const char *why = vigil_monitor_data_insufficient(d);
    assert_non_null(why);
    assert_non_null(strstr(why, "$.windows.reference: 1 case in 1995..1995"));
    assert_non_null(strstr(why, "fewer than min_samples = 2"));
    vigil_run_file files[4];
    assert_int_equal(vigil_monitor_data_files(m, d, files), 2); /* the data was read: digests */
    assert_non_null(files[1].sha256);
    vigil_monitor_options o = VIGIL_MONITOR_OPTIONS_INIT;
    o.data = d;
    vigil_monitor_result *r = NULL;
    assert_int_equal(vigil_monitor_run(&r, m, &o), VIGIL_EINVAL);
    expect_msg("fewer than min_samples = 2");
    assert_null(r);
    assert_null(vigil_monitor_data_insufficient(NULL));
    vigil_monitor_data_free(d);
    vigil_monitor_free(m);
}

static void test_last_days(void **state)
{
    vigil_monitor *m = NULL;
    /* A date window of the last 30 days ending on --now. */
    FILE *f = fopen(write_monitor(""), "w");
    fputs("{\"name\": \"d\", \"data\": {\"path\": \"cases.csv\", \"columns\": {\"time\": \"day\", "
          "\"features\": [\"age\"]}}, \"windows\": {\"reference\": {\"from\": \"2025-01-01\", "
          "\"to\": \"2025-12-31\"}, \"current\": {\"last_days\": 30}}}", f);
    fclose(f);
    char p[128];
    snprintf(p, sizeof p, "%s/m.json", dir);
    long now = vigil_parse_day("2026-02-10");
    assert_int_equal(vigil_monitor_load(&m, p, now), 0);
    assert_true(m->cur_w.is_date);
    assert_close(m->cur_w.to, (double)now, 0);
    assert_close(m->cur_w.from, (double)(now - 29), 0);
    assert_string_equal(m->cur_w.label, "2026-01-12..2026-02-10");
    vigil_monitor_free(m);
}

static void test_load_errors(void **state)
{
    static const struct {
        const char *body, *msg;
    } cases[] = {
        {WINDOWS ", \"alpah\": 0.1", "m.json: $: unknown key 'alpah' (accepted: name,"},
        {WINDOWS ", \"tests\": [\"ks\", \"kz\"]", "m.json: $.tests[1]: unknown test 'kz'"},
        {WINDOWS ", \"tests\": [\"ks\", \"ks\"]", "$.tests[1]: 'ks' listed twice"},
        {WINDOWS ", \"tests\": []", "$.tests: expected a non-empty array"},
        {WINDOWS ", \"alpha\": 1.5", "$.alpha: expected a number in (0, 1)"},
        {WINDOWS ", \"correction\": \"bonferroni\"", "$.correction: expected \"holm\" or \"bh\""},
        {WINDOWS ", \"effect_floors\": {\"numerc\": 0.1}", "$.effect_floors: unknown key 'numerc'"},
        {WINDOWS ", \"min_samples\": 2.5", "$.min_samples: expected a whole number"},
        {WINDOWS ", \"cusum\": {\"odds_ratio\": 1}", "$.cusum.odds_ratio: expected a number > 0 other than 1"},
        {WINDOWS ", \"cusum\": {\"limt\": 4}", "$.cusum: unknown key 'limt'"},
        {WINDOWS ", \"cusum\": {\"limit\": 4, \"false_signal_probability\": 0.01}",
         "$.cusum: give either limit (fixed) or false_signal_probability"},
        {WINDOWS ", \"cusum\": {\"limit\": 4, \"seed\": 3}", "$.cusum: replicates and seed choose a simulated limit"},
        {WINDOWS ", \"cusum\": {\"false_signal_probability\": 1}",
         "$.cusum.false_signal_probability: expected a number in (0, 1), got 1"},
        {WINDOWS ", \"cusum\": {\"false_signal_probability\": 0.001, \"replicates\": 99}",
         "$.cusum.replicates: 99 cannot resolve a false_signal_probability of 0.001 (at least 999 needed)"},
        {WINDOWS ", \"cusum\": {\"replicates\": 2.5}", "$.cusum.replicates: expected a whole number from 1 to 1000000"},
        {WINDOWS ", \"cusum\": {\"seed\": -1}", "$.cusum.seed: expected a whole number >= 0"},
        {WINDOWS ", \"on_alarm\": {\"mail\": \"x\"}", "$.on_alarm: unknown key 'mail'"},
        {WINDOWS ", \"model\": \"nope.json\"", "$.model: cannot read"},
        {"", "missing required key 'windows'"},
        {", \"windows\": {\"reference\": {\"from\": 1995, \"to\": 1995}}", "$.windows: missing required key 'current'"},
        {", \"windows\": {\"reference\": {\"from\": 1996, \"to\": 1995}, \"current\": {\"last_days\": 3}}",
         "$.windows.reference: from is after to"},
        {", \"windows\": {\"reference\": {\"from\": 1995, \"to\": \"2020-01-01\"}, \"current\": {\"last_days\": 3}}",
         "$.windows.reference: from and to must both be numbers or both dates"},
        {", \"windows\": {\"reference\": {\"from\": 1995, \"to\": 1995}, \"current\": {\"last_days\": 0}}",
         "$.windows.current.last_days: expected a whole number from 1 to 365250"},
        {", \"windows\": {\"reference\": {\"from\": 1995, \"to\": 1995}, \"current\": {\"last_days\": 1e300}}",
         "$.windows.current.last_days: expected a whole number from 1 to 365250"},
        {", \"windows\": {\"current\": {\"from\": 1995, \"to\": 1995}}, \"reference_data\": {\"path\": \"nope.csv\"}",
         "$.reference_data.path: cannot read"},
        {", \"windows\": {\"reference\": {\"from\": 1995, \"to\": 1995}, \"current\": {\"from\": 1995, \"to\": 1995}},"
         " \"reference_data\": {\"path\": \"cases.csv\"}", "give either a reference window or reference_data"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        vigil_monitor *m = NULL;
        int rc = vigil_monitor_load(&m, write_monitor(cases[i].body), 20000);
        if (rc != VIGIL_EINVAL) {
            print_error("case %zu: rc %d, expected EINVAL (%s)\n", i, rc, vigil_error_last());
            fail();
        }
        assert_null(m);
        expect_msg(cases[i].msg);
        expect_msg(dir); /* every message names the file */
    }
}

static void test_roles(void **state)
{
    vigil_monitor *m = NULL;
    FILE *f = fopen(write_monitor(""), "w");
    fputs("{\"name\": \"r\", \"data\": {\"path\": \"cases.csv\", \"columns\": {\"time\": \"yr\", "
          "\"features\": [\"age\"]}}" WINDOWS ", \"prediction_drift\": true}", f);
    fclose(f);
    char p[128];
    snprintf(p, sizeof p, "%s/m.json", dir);
    assert_int_equal(vigil_monitor_load(&m, p, 0), VIGIL_EINVAL);
    expect_msg("$.prediction_drift: needs a score");
    f = fopen(p, "w");
    fputs("{\"name\": \"r\", \"data\": {\"path\": \"cases.csv\", \"columns\": {\"time\": \"yr\", "
          "\"label\": \"death\", \"features\": [\"age\", \"death\"]}}" WINDOWS "}", f);
    fclose(f);
    assert_int_equal(vigil_monitor_load(&m, p, 0), VIGIL_EINVAL);
    expect_msg("$.data.columns.features[1]: 'death' is the label column");
    f = fopen(p, "w");
    fputs("{\"name\": \"r\", \"data\": {\"path\": \"cases.csv\", \"columns\": {"
          "\"features\": [\"age\"]}}" WINDOWS "}", f);
    fclose(f);
    assert_int_equal(vigil_monitor_load(&m, p, 0), VIGIL_EINVAL);
    expect_msg("$.data.columns.time is not set");
    f = fopen(p, "w");
    fputs("{\"name\": \"a b\", \"data\": {\"path\": \"cases.csv\", \"columns\": {\"time\": \"yr\", "
          "\"features\": [\"age\"]}}" WINDOWS "}", f);
    fclose(f);
    assert_int_equal(vigil_monitor_load(&m, p, 0), VIGIL_EINVAL);
    expect_msg("$.name: 'a b'");
    f = fopen(p, "w");
    fputs("{\"name\": \"r\", \"data\": {\"path\": \"cases.csv\", \"columns\": {\"time\": \"yr\", "
          "\"features\": [\"age\"]}}" WINDOWS ", \"cusum\": true}", f);
    fclose(f);
    assert_int_equal(vigil_monitor_load(&m, p, 0), VIGIL_EINVAL);
    expect_msg("$.cusum: the risk-adjusted CUSUM needs");
}

/* The lock is an flock: a second holder (another open file description, even in this
 * process) is refused after the timeout with the holder's pid; closing releases it. */
static void test_lock(void **state)
{
    vigil_monitor *m = load(WINDOWS, 0);
    char db[128];
    snprintf(db, sizeof db, "%s/vigil.db", dir);
    char *path = vigil_monitor_lock_path(m, db), *again = vigil_monitor_lock_path(m, db);
    assert_non_null(path);
    assert_string_equal(path, again); /* keyed by the monitor's path: stable */
    assert_non_null(strstr(path, "/vigil.db.monitor-"));
    int fd1 = -1, fd2 = -1;
    assert_int_equal(vigil_monitor_lock(m, path, 1, &fd1), 0);
    assert_int_equal(vigil_monitor_lock(m, path, 0.2, &fd2), VIGIL_EINVAL);
    char pid[32];
    snprintf(pid, sizeof pid, "pid %ld", (long)getpid());
    expect_msg(pid);
    expect_msg("monitor 'm'");
    assert_int_equal(fd2, -1);
    vigil_monitor_unlock(fd1);
    assert_int_equal(vigil_monitor_lock(m, path, 0, &fd2), 0);
    vigil_monitor_unlock(fd2);
    free(path);
    free(again);
    vigil_monitor_free(m);
}

/* The alert file's temporary name is predictable (<alert>.tmp.<pid>): a symlink planted there
 * must be refused with a clear message and its target left as it was; without one the alert is
 * written 0600 (it carries patient-level results). */
static void test_alert_tmp_symlink(void **state)
{
    vigil_monitor *m = load(WINDOWS ", \"on_alarm\": {\"alert_file\": \"alert.json\"}", 0);
    char victim[128], link[160], alert[128];
    snprintf(victim, sizeof victim, "%s/victim.txt", dir);
    snprintf(alert, sizeof alert, "%s/alert.json", dir);
    snprintf(link, sizeof link, "%s.tmp.%ld", alert, (long)getpid());
    FILE *f = fopen(victim, "w");
    fputs("precious\n", f);
    fclose(f);
    assert_int_equal(symlink(victim, link), 0);
    vigil_monitor_alert_outcome out;
    vigil_monitor_alert(m, "{\"alarm\": true}", &out);
    assert_int_equal(out.file_written, -1);
    if (!strstr(out.message, "already exists (a symbolic link or a leftover")) {
        print_error("message '%s'\n", out.message);
        fail();
    }
    char buf[64] = "";
    f = fopen(victim, "r");
    assert_non_null(fgets(buf, sizeof buf, f));
    fclose(f);
    assert_string_equal(buf, "precious\n");
    assert_int_equal(access(alert, F_OK), -1);
    unlink(link);
    vigil_monitor_alert(m, "{\"alarm\": true}", &out);
    assert_int_equal(out.file_written, 1);
    struct stat st;
    assert_int_equal(stat(alert, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(access(link, F_OK), -1);
    vigil_monitor_free(m);
}

static void test_two_proportion(void **state)
{
    cJSON *ref = tu_load_json("tests/reference/monitor_ref.json");
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(ref, "two_proportion"))
    {
        double z, p, x1 = tu_num(c, "x1"), n1 = tu_num(c, "n1"), x2 = tu_num(c, "x2"), n2 = tu_num(c, "n2");
        vigil_mon_two_proportion(x1, n1, x2, n2, &z, &p);
        assert_close(z, tu_num(c, "z"), 1e-10);
        assert_close(p, tu_num(c, "p"), 1e-12);
        assert_close(vigil_mon_cohens_h(x1 / n1, x2 / n2), tu_num(c, "h"), 1e-12);
    }
    double z, p;
    vigil_mon_two_proportion(0, 10, 0, 20, &z, &p); /* no events anywhere: no test */
    assert_true(isnan(z) && isnan(p));
    cJSON_Delete(ref);
}

static void test_cusum(void **state)
{
    cJSON *ref = tu_load_json("tests/reference/monitor_ref.json");
    const cJSON *c;
    size_t seen = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(ref, "cusum"))
    {
        size_t n, n2, n3;
        double *y = tu_json_doubles(cJSON_GetObjectItem(c, "y"), &n);
        double *p = tu_json_doubles(cJSON_GetObjectItem(c, "p"), &n2);
        double *s_ref = tu_json_doubles(cJSON_GetObjectItem(c, "s"), &n3);
        assert_int_equal(n, n2);
        double *s = malloc(n * sizeof *s), max;
        long first;
        size_t sig = vigil_mon_cusum_run(y, p, n, tu_num(c, "odds_ratio"), tu_num(c, "limit"), s, &first, &max);
        assert_int_equal(sig, (size_t)tu_num(c, "signals"));
        assert_int_equal(first, (long)tu_num(c, "first"));
        assert_close(max, tu_num(c, "max"), 1e-10);
        for (size_t i = 0; i < n; i++) assert_close(s[i], s_ref[i], 1e-10);
        free(y), free(p), free(s_ref), free(s);
        seen++;
    }
    assert_int_equal(seen, 3);
    cJSON_Delete(ref);
}

int main(void)
{
    vigil_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_ok),     cmocka_unit_test(test_insufficient_data), cmocka_unit_test(test_last_days),
        cmocka_unit_test(test_load_errors), cmocka_unit_test(test_roles),
        cmocka_unit_test(test_lock),        cmocka_unit_test(test_two_proportion),
        cmocka_unit_test(test_cusum),       cmocka_unit_test(test_alert_tmp_symlink),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
