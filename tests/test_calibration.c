/* Calibration statistics against their peers:
 *   rms 6.5.0 val.prob (R 4.2.2): intercept, slope, Eavg, E90, Emax, Spiegelhalter z/p, D, U, Q
 *   R stats lowess() (iter 0 and 3), glm(offset) for calibration-in-the-large
 *   scikit-learn 1.9.1 brier_score_loss; statsmodels 0.15.0 GLM (slope, intercept, offset fit)
 *   numpy 2.4 from the definitions: ECE (equal width, equal mass), MCE, Brier decomposition
 * Golden values: tests/reference/metrics_ref.{py,R} -> tests/reference/metrics/. */
#include "testutil.h"
#include "vigil/metrics.h"

static void check_case(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "tests/reference/metrics/case_%s.csv", name);
    vigil_table *t;
    assert_int_equal(vigil_table_read_csv(&t, path, NULL), VIGIL_OK);
    size_t n = vigil_table_nrows(t);
    const double *p = vigil_table_numeric(t, (size_t)vigil_table_find(t, "score"));
    const double *y = vigil_table_numeric(t, (size_t)vigil_table_find(t, "label"));
    snprintf(path, sizeof path, "tests/reference/metrics/%s.R.json", name);
    cJSON *r = tu_load_json(path);
    snprintf(path, sizeof path, "tests/reference/metrics/%s.py.json", name);
    cJSON *py = tu_load_json(path);
    vigil_calibration c;
    assert_int_equal(vigil_metrics_calibration(p, y, n, &c), VIGIL_OK);
    /* exact quantities */
    assert_close(c.brier, tu_num(py, "brier"), 1e-9);
    assert_close(c.brier, tu_num(r, "brier"), 1e-9);
    assert_close(c.ece, tu_num(py, "ece"), 1e-9);
    assert_close(c.ece_equal_mass, tu_num(py, "ece_equal_mass"), 1e-9);
    assert_close(c.mce, tu_num(py, "mce"), 1e-9);
    assert_close(c.brier_reliability, tu_num(py, "brier_reliability"), 1e-9);
    assert_close(c.brier_resolution, tu_num(py, "brier_resolution"), 1e-9);
    assert_close(c.brier_uncertainty, tu_num(py, "brier_uncertainty"), 1e-9);
    assert_close(c.spiegelhalter_z, tu_num(r, "spiegelhalter_z"), 1e-9);
    assert_close(c.spiegelhalter_p, tu_num(r, "spiegelhalter_p"), 1e-9);
    assert_close(c.hl_stat, tu_num(r, "hl_stat"), 1e-9);
    assert_int_equal(c.hl_df, (int)tu_num(r, "hl_df"));
    assert_close(c.hl_p, tu_num(r, "hl_p"), 1e-9);
    /* fitted quantities */
    assert_close(c.intercept, tu_num(r, "intercept"), 1e-4);
    assert_close(c.slope, tu_num(r, "slope"), 1e-4);
    assert_close(c.intercept, tu_num(py, "intercept"), 1e-4);
    assert_close(c.slope, tu_num(py, "slope"), 1e-4);
    assert_close(c.citl, tu_num(r, "citl"), 1e-4);
    assert_close(c.citl, tu_num(py, "citl"), 1e-4);
    assert_close(c.d, tu_num(r, "d"), 1e-4);
    assert_close(c.u, tu_num(r, "u"), 1e-4);
    assert_close(c.q, tu_num(r, "q"), 1e-4);
    assert_close(c.u_p, tu_num(r, "u_p"), 1e-4);
    /* lowess-based */
    assert_close(c.eavg, tu_num(r, "eavg"), 1e-3);
    assert_close(c.e50, tu_num(r, "e50"), 1e-3);
    assert_close(c.e90, tu_num(r, "e90"), 1e-3);
    assert_close(c.emax, tu_num(r, "emax"), 1e-3);
    cJSON_Delete(r);
    cJSON_Delete(py);
    vigil_table_free(t);
}

static void test_calibration_case_a(void **s) { check_case("a"); }
static void test_calibration_case_b_ties(void **s) { check_case("b"); }
static void test_calibration_case_c(void **s) { check_case("c"); }

static void test_lowess_matches_r(void **s)
{
    cJSON *r = tu_load_json("tests/reference/metrics/lowess.R.json");
    size_t n, m;
    double *x = tu_json_doubles(cJSON_GetObjectItem(r, "x"), &n);
    double *y = tu_json_doubles(cJSON_GetObjectItem(r, "y"), &m);
    const char *keys[] = {"fit0", "fit3", "fit_f03"};
    double f[] = {2.0 / 3, 2.0 / 3, 0.3}, delta[] = {0.01 * (x[n - 1] - x[0]), 0.01 * (x[n - 1] - x[0]), 0};
    int iter[] = {0, 3, 0};
    double *fit = malloc(n * sizeof *fit);
    for (int k = 0; k < 3; k++) {
        size_t q;
        double *want = tu_json_doubles(cJSON_GetObjectItem(r, keys[k]), &q);
        assert_int_equal(vigil_metrics_lowess(x, y, n, f[k], iter[k], delta[k], fit), VIGIL_OK);
        for (size_t i = 0; i < n; i++) assert_close(fit[i], want[i], 1e-12);
        free(want);
    }
    assert_int_equal(vigil_metrics_lowess(x, y, n, -1, 0, 0, fit), VIGIL_EINVAL);
    free(fit);
    free(x);
    free(y);
    cJSON_Delete(r);
}

static void test_calibration_perfect_and_constant(void **s)
{
    /* Ten cases at 0.5, half events: no miscalibration anywhere. */
    double p[10], y[10];
    for (int i = 0; i < 10; i++) {
        p[i] = 0.5;
        y[i] = i % 2;
    }
    vigil_calibration c;
    assert_int_equal(vigil_metrics_calibration(p, y, 10, &c), VIGIL_OK);
    assert_close(c.brier, 0.25, 1e-15);
    assert_close(c.ece, 0, 1e-15);
    assert_close(c.citl, 0, 1e-12);
    assert_close(c.eavg, 0, 1e-12);
    assert_true(isnan(c.slope)); /* logit(p) constant: the joint fit is singular */
    double w[2];
    vigil_metrics_wilson(0, 10, 0.95, &w[0], &w[1]);
    assert_close(w[0], 0, 1e-15);
    assert_close(w[1], 0.27753279986288926, 1e-12); /* statsmodels proportion_confint(0, 10) */
}

int main(void)
{
    vigil_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calibration_case_a), cmocka_unit_test(test_calibration_case_b_ties),
        cmocka_unit_test(test_calibration_case_c), cmocka_unit_test(test_lowess_matches_r),
        cmocka_unit_test(test_calibration_perfect_and_constant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
