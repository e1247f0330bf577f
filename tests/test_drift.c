/* The drift engine against scipy 1.10.1 and statsmodels 0.13.5 (tests/reference/drift_ref.py
 * wrote tests/reference/drift/golden.json): KS (exact and asymptotic), Anderson-Darling
 * k-sample statistic, Cramer-von Mises (exact and asymptotic), Wasserstein-1, PSI, Jensen-
 * Shannon, chi-square with an unseen category, Holm and BH, the two-proportion test, MMD^2
 * with the median-heuristic bandwidth (numpy), and a
 * whole compare() with missing values; the errors; the reference cache round trip; and a
 * simulation with the synthetic generator (vigil synth): the family-wise false-alarm rate over
 * 20 features with no planted drift stays at alpha, and a planted 0.2 SD shift in one feature
 * at n = 2,000 per window is caught at least 90% of the time. */
#include "testutil.h"
#include "vigil/drift.h"
#include "vigil/error.h"
#include "vigil/table.h"
#include "vigil/synth.h"

#include <unistd.h>

static cJSON *golden;

static int setup(void **state)
{
    (void)state;
    golden = tu_load_json("tests/reference/drift/golden.json");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cJSON_Delete(golden);
    return 0;
}

/* relative-or-absolute closeness */
#define assert_rel(a, b, rel)                                                                      \
    do {                                                                                           \
        double e_ = (b);                                                                           \
        assert_close((a), e_, (rel) * fmax(1.0, fabs(e_)));                                        \
    } while (0)

static void test_numeric_kernels(void **state)
{
    (void)state;
    const cJSON *c;
    size_t cases = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(golden, "numeric"))
    {
        size_t n1, n2;
        double *x = tu_json_doubles(cJSON_GetObjectItem(c, "x"), &n1);
        double *y = tu_json_doubles(cJSON_GetObjectItem(c, "y"), &n2);
        const char *name = cJSON_GetObjectItem(c, "name")->valuestring;
        double s, p;
        print_message("case %s (%zu vs %zu)\n", name, n1, n2);
        assert_int_equal(vigil_drift_ks(x, n1, y, n2, &s, &p), 0);
        assert_close(s, tu_num(c, "ks_stat"), 1e-12);
        assert_rel(p, tu_num(c, "ks_p"), 1e-6);
        assert_int_equal(vigil_drift_anderson(x, n1, y, n2, &s, &p), 0);
        assert_rel(s, tu_num(c, "ad_stat"), 1e-9);
        double capped = tu_num(c, "ad_p_scipy_capped");
        if (capped > 0.001 && capped < 0.25) assert_rel(p, capped, 1e-6); /* scipy's p is only exact inside */
        else if (capped >= 0.25) assert_true(p >= 0.25 - 1e-9);
        else assert_true(p <= 0.001 + 1e-9);
        assert_int_equal(vigil_drift_cvm(x, n1, y, n2, &s, &p), 0);
        assert_rel(s, tu_num(c, "cvm_stat"), 1e-9);
        assert_rel(p, tu_num(c, "cvm_p"), 1e-6);
        assert_rel(vigil_drift_wasserstein(x, n1, y, n2), tu_num(c, "wasserstein"), 1e-10);
        size_t k1, k2;
        double *ca = tu_json_doubles(cJSON_GetObjectItem(c, "psi_counts_ref"), &k1);
        double *cb = tu_json_doubles(cJSON_GetObjectItem(c, "psi_counts_cur"), &k2);
        assert_int_equal(k1, k2);
        assert_rel(vigil_drift_psi_counts(ca, cb, k1), tu_num(c, "psi"), 1e-10);
        assert_rel(vigil_drift_js_counts(ca, cb, k1), tu_num(c, "js"), 1e-10);
        free(x), free(y), free(ca), free(cb);
        cases++;
    }
    assert_int_equal(cases, 6);
}

static void test_categorical_and_corrections(void **state)
{
    (void)state;
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(golden, "categorical"))
    {
        size_t k, k2;
        double *a = tu_json_doubles(cJSON_GetObjectItem(c, "a"), &k);
        double *b = tu_json_doubles(cJSON_GetObjectItem(c, "b"), &k2);
        double s, df, p;
        assert_int_equal(vigil_drift_chi2_counts(a, b, k, &s, &df, &p), 0);
        assert_rel(s, tu_num(c, "chi2"), 1e-10);
        assert_close(df, tu_num(c, "df"), 0);
        assert_rel(p, tu_num(c, "p"), 1e-8);
        assert_rel(vigil_drift_psi_counts(a, b, k), tu_num(c, "psi"), 1e-10);
        assert_rel(vigil_drift_js_counts(a, b, k), tu_num(c, "js"), 1e-10);
        free(a), free(b);
    }
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(golden, "correction"))
    {
        size_t n, m;
        double *p = tu_json_doubles(cJSON_GetObjectItem(c, "p"), &n);
        double *holm = tu_json_doubles(cJSON_GetObjectItem(c, "holm"), &m);
        double *bh = tu_json_doubles(cJSON_GetObjectItem(c, "bh"), &m);
        double adj[16];
        vigil_drift_correct(p, n, VIGIL_CORRECT_HOLM, adj);
        for (size_t i = 0; i < n; i++) assert_close(adj[i], holm[i], 1e-12);
        vigil_drift_correct(p, n, VIGIL_CORRECT_BH, adj);
        for (size_t i = 0; i < n; i++) assert_close(adj[i], bh[i], 1e-12);
        free(p), free(holm), free(bh);
    }
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(golden, "two_proportion"))
    {
        double d, p;
        vigil_drift_two_proportion((size_t)tu_num(c, "x1"), (size_t)tu_num(c, "n1"), (size_t)tu_num(c, "x2"),
                                   (size_t)tu_num(c, "n2"), &d, &p);
        assert_close(d, tu_num(c, "diff"), 1e-12);
        assert_rel(p, tu_num(c, "p"), 1e-9);
    }
}

/* MMD^2 and the median-heuristic bandwidth against numpy (scipy pdist/cdist); the permutation
 * p-value is vigil's own (seeded), so only its range and its use are checked. */
static void test_mmd(void **state)
{
    (void)state;
    const cJSON *c;
    size_t cases = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(golden, "mmd"))
    {
        size_t nx, ny;
        double *x = tu_json_doubles(cJSON_GetObjectItem(c, "x"), &nx);
        double *y = tu_json_doubles(cJSON_GetObjectItem(c, "y"), &ny);
        size_t n1 = (size_t)tu_num(c, "n1"), n2 = (size_t)tu_num(c, "n2"), d = (size_t)tu_num(c, "d");
        double stat, p, bw = 0;
        assert_int_equal(vigil_drift_mmd(x, n1, y, n2, d, 199, 7, VIGIL_DRIFT_CPU, 2, &stat, &p, &bw), 0);
        assert_rel(bw, tu_num(c, "bandwidth"), 1e-12);
        assert_close(stat, tu_num(c, "mmd2"), 2e-7); /* the kernel matrix is held in float */
        assert_true(p > 0 && p <= 1);
        if (cJSON_IsTrue(cJSON_GetObjectItem(c, "shifted"))) assert_close(p, 1.0 / 200, 1e-12);
        else assert_true(p > 0.01);
        /* the same seed gives the same p whatever the thread count */
        double s1, p1, b1 = 0;
        assert_int_equal(vigil_drift_mmd(x, n1, y, n2, d, 199, 7, VIGIL_DRIFT_CPU, 1, &s1, &p1, &b1), 0);
        assert_true(s1 == stat && p1 == p);
        free(x), free(y);
        cases++;
    }
    assert_int_equal(cases, 2);
}

static const vigil_drift_feature *feature(const vigil_drift_result *r, const char *name)
{
    for (size_t i = 0; i < vigil_drift_result_n_features(r); i++)
        if (strcmp(vigil_drift_result_feature(r, i)->name, name) == 0) return vigil_drift_result_feature(r, i);
    fail_msg("no feature %s", name);
    return NULL;
}

static void check_compare(const vigil_drift_result *r)
{
    const cJSON *g = cJSON_GetObjectItem(golden, "compare");
    const char *names[] = {"a", "b"};
    for (int k = 0; k < 2; k++) {
        const cJSON *e = cJSON_GetObjectItem(g, names[k]);
        const vigil_drift_feature *f = feature(r, names[k]);
        assert_int_equal(f->type, VIGIL_DRIFT_NUMERIC);
        assert_int_equal(f->n_ref, (size_t)tu_num(e, "n_ref"));
        assert_int_equal(f->n_cur, (size_t)tu_num(e, "n_cur"));
        assert_close(f->ks_stat, tu_num(e, "ks_stat"), 1e-12);
        assert_rel(f->ks_p, tu_num(e, "ks_p"), 1e-6);
        assert_rel(f->wasserstein_norm, tu_num(e, "wasserstein_norm"), 1e-9);
        assert_rel(f->psi, tu_num(e, "psi"), 1e-9);
        assert_rel(f->js, tu_num(e, "js"), 1e-9);
        assert_rel(f->cvm_stat, tu_num(e, "cvm_stat"), 1e-9);
        assert_rel(f->ad_stat, tu_num(e, "ad_stat"), 1e-9);
        assert_rel(f->missing_p, tu_num(e, "missing_p"), 1e-9);
        assert_rel(f->p_adjusted, tu_num(e, "p_adjusted"), 1e-6);
        assert_int_equal(f->drift, cJSON_IsTrue(cJSON_GetObjectItem(e, "drift")));
    }
    const cJSON *e = cJSON_GetObjectItem(g, "c");
    const vigil_drift_feature *f = feature(r, "c");
    assert_int_equal(f->type, VIGIL_DRIFT_CATEGORICAL);
    assert_rel(f->chi2_stat, tu_num(e, "chi2"), 1e-10);
    assert_close(f->chi2_df, tu_num(e, "df"), 0);
    assert_rel(f->chi2_p, tu_num(e, "chi2_p"), 1e-8);
    assert_rel(f->psi, tu_num(e, "psi"), 1e-10);
    assert_int_equal(f->n_unseen, 1);
    assert_rel(f->p_adjusted, tu_num(e, "p_adjusted"), 1e-6);
    assert_int_equal(f->drift, 1);
    assert_int_equal(vigil_drift_result_n_alarms(r), 2);
    assert_true(vigil_drift_result_alarm(r));
}

static void test_compare_and_cache(void **state)
{
    (void)state;
    vigil_table *ref = NULL, *cur = NULL;
    assert_int_equal(vigil_table_read_csv(&ref, "tests/reference/drift/ref.csv", NULL), 0);
    assert_int_equal(vigil_table_read_csv(&cur, "tests/reference/drift/cur.csv", NULL), 0);
    vigil_drift_options o = vigil_drift_options_default();
    vigil_drift_result *r = NULL;
    assert_int_equal(vigil_drift_compare(ref, cur, &o, &r), 0);
    check_compare(r);
    char *js = NULL;
    assert_int_equal(vigil_drift_result_json(r, &js), 0);
    cJSON *d = cJSON_Parse(js);
    assert_non_null(d);
    const cJSON *fa = cJSON_GetObjectItem(cJSON_GetObjectItem(d, "features"), "a");
    for (const char *const *k = (const char *const[]){"type", "n_ref", "n_cur", "missing_ref", "missing_cur", "drift",
                                                       "p_adjusted", "tests", NULL};
         *k; k++)
        assert_non_null(cJSON_GetObjectItem(fa, *k));
    assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(fa, "tests"), "ks"), "p"));
    cJSON_Delete(d);
    free(js);
    vigil_drift_result_free(r);

    /* the cached reference (built, serialised, read back) gives the same answer */
    vigil_drift_reference *rf = NULL, *rf2 = NULL;
    void *blob = NULL;
    size_t n = 0;
    assert_int_equal(vigil_drift_reference_build(ref, &o, &rf), 0);
    assert_int_equal(vigil_drift_reference_serialize(rf, &blob, &n), 0);
    assert_int_equal(vigil_drift_reference_deserialize(&rf2, blob, n), 0);
    assert_int_equal(vigil_drift_compare_ref(rf2, cur, &o, &r), 0);
    check_compare(r);
    vigil_drift_result_free(r);
    /* a truncated blob is refused, not read past its end */
    vigil_drift_reference *bad = NULL;
    assert_int_not_equal(vigil_drift_reference_deserialize(&bad, blob, n / 2), 0);
    assert_null(bad);
    free(blob);
    vigil_drift_reference_free(rf), vigil_drift_reference_free(rf2);
    vigil_table_free(ref), vigil_table_free(cur);
}

static vigil_table *table_of(const char *src, size_t n, const char *const *names, const double *const *cols, size_t k)
{
    vigil_table *t = NULL;
    assert_int_equal(vigil_table_new(&t, n, src), 0);
    for (size_t i = 0; i < k; i++) assert_int_equal(vigil_table_add_numeric(t, names[i], cols[i]), 0);
    return t;
}

static void test_errors(void **state)
{
    (void)state;
    double a[5] = {1, 2, 3, 4, 5}, b[5] = {NAN, NAN, NAN, NAN, 1}, c[5] = {2, 3, 4, 5, 6};
    const char *n1[] = {"x", "y"}, *n2[] = {"x"};
    const double *ca[] = {a, c}, *cb[] = {b};
    vigil_table *ref = table_of("ref.csv", 5, n1, ca, 2), *cur = table_of("cur.csv", 5, n2, cb, 1);
    vigil_drift_options o = vigil_drift_options_default();
    vigil_drift_result *r = NULL;
    const char *fy[] = {"y"};
    o.features = fy, o.n_features = 1;
    assert_int_equal(vigil_drift_compare(ref, cur, &o, &r), VIGIL_EINVAL); /* y not in cur */
    assert_non_null(strstr(vigil_error_last(), "'y'"));
    assert_null(r);
    const char *fx[] = {"x"};
    o.features = fx;
    assert_int_equal(vigil_drift_compare(ref, cur, &o, &r), VIGIL_EINVAL); /* one value in cur */
    assert_non_null(strstr(vigil_error_last(), "'x'"));
    vigil_table *empty = NULL;
    assert_int_equal(vigil_table_new(&empty, 0, "empty.csv"), 0);
    assert_int_equal(vigil_table_add_numeric(empty, "x", a), 0);
    assert_int_equal(vigil_drift_compare(ref, empty, &o, &r), VIGIL_EINVAL);
    /* numeric in one window, categorical in the other */
    vigil_table *cat = NULL;
    int32_t codes[5] = {0, 1, 0, 1, 0};
    const char *lv[] = {"p", "q"};
    assert_int_equal(vigil_table_new(&cat, 5, "cat.csv"), 0);
    assert_int_equal(vigil_table_add_categorical(cat, "x", codes, lv, 2), 0);
    assert_int_equal(vigil_drift_compare(ref, cat, &o, &r), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "cat.csv"));
    /* chi-square on an empty row */
    double z[3] = {0, 0, 0}, w[3] = {1, 2, 3}, s, df, p;
    assert_int_equal(vigil_drift_chi2_counts(z, w, 3, &s, &df, &p), VIGIL_EINVAL);
    vigil_table_free(ref), vigil_table_free(cur), vigil_table_free(empty), vigil_table_free(cat);
}

/* One seeded case file from the synthetic generator (vigil synth): 4,000 cases over 4,000 days,
 * 20 numeric features x1..x20 (x1 and x2 correlated 0.5), 2% missing at random; with `shift`
 * > 0 a covariate drift of that many SDs in x1 from day 2,000. Reference = the first 2,000
 * cases, current = the last 2,000. Returns whether any feature alarmed (null) or whether x1
 * did (shifted). */
static int one_run(uint64_t seed, double shift)
{
    enum { F = 20, N = 2000 };
    char path[] = "/tmp/vigil-drift-sim-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    vigil_synth_options so;
    vigil_synth_defaults(&so);
    so.rows = 2 * N, so.days = 2 * N, so.features = F, so.seed = seed;
    so.drift = shift > 0 ? VIGIL_DRIFT_COVARIATE : VIGIL_DRIFT_NONE, so.shift = shift, so.drift_start = 0.5;
    assert_int_equal(vigil_synth_write(&so, path), 0);
    vigil_table *t = NULL, *a = NULL, *b = NULL;
    assert_int_equal(vigil_table_read_csv(&t, path, NULL), 0);
    unlink(path);
    uint8_t keep[2 * N];
    for (int i = 0; i < 2 * N; i++) keep[i] = i < N;
    assert_int_equal(vigil_table_filter(&a, t, keep), 0);
    for (int i = 0; i < 2 * N; i++) keep[i] = i >= N;
    assert_int_equal(vigil_table_filter(&b, t, keep), 0);
    char names[F][8];
    const char *nm[F];
    for (int f = 0; f < F; f++) snprintf(names[f], sizeof names[f], "x%d", f + 1), nm[f] = names[f];
    vigil_drift_options o = vigil_drift_options_default();
    o.features = nm, o.n_features = F, o.threads = 1;
    vigil_drift_result *r = NULL;
    assert_int_equal(vigil_drift_compare(a, b, &o, &r), 0);
    int alarm = vigil_drift_result_alarm(r);
    int caught = feature(r, "x1")->drift;
    vigil_drift_result_free(r);
    vigil_table_free(t), vigil_table_free(a), vigil_table_free(b);
    return shift > 0 ? caught : alarm;
}

static void test_simulation(void **state)
{
    (void)state;
#if defined(__SANITIZE_ADDRESS__) || defined(__OPTIMIZE__) == 0
    const int runs = 40; /* the sanitizer build checks memory safety; the -O2 build checks rates */
#else
    const int runs = 200;
#endif
    int false_alarms = 0, caught = 0;
    for (int s = 0; s < runs; s++) false_alarms += one_run((uint64_t)s + 1, 0);
    for (int s = 0; s < runs; s++) caught += one_run((uint64_t)s + 100001, 0.2);
    double fwer = (double)false_alarms / runs, power = (double)caught / runs;
    double se = sqrt(0.01 * 0.99 / runs);
    print_message("null: %d of %d runs alarmed (FWER %.4f, bound %.4f); 0.2 SD shift caught in %d of %d (%.3f)\n",
                  false_alarms, runs, fwer, 0.01 + 2 * se, caught, runs, power);
    assert_true(fwer <= 0.01 + 2 * se);
    assert_true(power >= 0.90);
    /* VIGIL_POWER_CURVE=1 prints the detection rate against the shift (the README's curve). */
    if (getenv("VIGIL_POWER_CURVE")) {
        const double shifts[] = {0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.3};
        for (size_t k = 0; k < sizeof shifts / sizeof *shifts; k++) {
            int c = 0;
            for (int s = 0; s < runs; s++) c += one_run((uint64_t)s + 200001 + 1000 * k, shifts[k]);
            print_message("power: shift %.2f SD, n 2000 per window: %d of %d (%.3f)\n", shifts[k], c, runs,
                          (double)c / runs);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numeric_kernels), cmocka_unit_test(test_categorical_and_corrections),
        cmocka_unit_test(test_compare_and_cache), cmocka_unit_test(test_mmd), cmocka_unit_test(test_errors),
        cmocka_unit_test(test_simulation),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
