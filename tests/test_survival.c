/* Time-to-event validation at a horizon (issue 16): IPCW AUROC and Brier with their se, Harrell's
 * C, the KM risk and the calibration groups.
 * Peers: riskRegression 2022.11.28 (Score, cens.model = "km", se.fit, conservative = FALSE),
 * prodlim 2019.11.13, survival 3.5-3 (survfit conf.type "log", concordance reverse = TRUE);
 * golden values from tests/reference/survival_ref.R -> tests/reference/survival/goldens.json
 * (versions recorded there), on the data it wrote beside them: moderate censoring with tied times,
 * heavy censoring with events and censorings tied at H, n = 8 and a level without events. */
#include "testutil.h"
#include "vigil/survival.h"

#define TOL 1e-10

static cJSON *goldens(void)
{
    static cJSON *g;
    if (!g) g = tu_load_json("tests/reference/survival/goldens.json");
    return g;
}

static void check_block(const vigil_survival *s, const cJSON *ref)
{
    assert_close(s->n, tu_num(ref, "n"), 0);
    assert_close(s->events_by_horizon, tu_num(ref, "events_by_horizon"), 0);
    assert_close(s->censored_before_horizon, tu_num(ref, "censored_before_horizon"), 0);
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(ref, "auc");
    assert_close(s->auc, tu_num(a, "value"), TOL);
    assert_close(s->auc_se, tu_num(a, "se"), TOL);
    assert_close(s->auc_ci_low, tu_num(a, "ci_low"), TOL);
    assert_close(s->auc_ci_high, tu_num(a, "ci_high"), TOL);
    if (isnan(s->auc)) assert_non_null(s->auc_reason);
    else assert_null(s->auc_reason);
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(ref, "brier");
    assert_close(s->brier, tu_num(b, "value"), TOL);
    assert_close(s->brier_se, tu_num(b, "se"), TOL);
    assert_close(s->brier_ci_low, tu_num(b, "ci_low"), TOL);
    assert_close(s->brier_ci_high, tu_num(b, "ci_high"), TOL);
    assert_close(s->c_harrell, tu_num(ref, "c_harrell"), TOL);
    assert_close(s->km_risk, tu_num(ref, "km_risk"), TOL);
    assert_close(s->km_ci_low, tu_num(ref, "km_ci_low"), TOL);
    assert_close(s->km_ci_high, tu_num(ref, "km_ci_high"), TOL);
    assert_close(s->mean_risk, tu_num(ref, "mean_risk"), TOL);
    assert_close(s->oe_ratio, tu_num(ref, "oe_ratio"), TOL);
    const cJSON *cal = cJSON_GetObjectItemCaseSensitive(ref, "calibration");
    assert_int_equal(s->n_groups, (size_t)cJSON_GetArraySize(cal));
    for (size_t j = 0; j < s->n_groups; j++) {
        const cJSON *q = cJSON_GetArrayItem(cal, (int)j);
        assert_close(s->group[j].n, tu_num(q, "n"), 0);
        assert_close(s->group[j].mean_risk, tu_num(q, "mean_risk"), TOL);
        assert_close(s->group[j].observed, tu_num(q, "observed"), TOL);
        assert_close(s->group[j].ci_low, tu_num(q, "ci_low"), TOL);
        assert_close(s->group[j].ci_high, tu_num(q, "ci_high"), TOL);
        /* the group's KM risk on the grid H k / 10: survfit's summary(times = ...) */
        const cJSON *cv = cJSON_GetObjectItemCaseSensitive(q, "curve");
        assert_int_equal(cJSON_GetArraySize(cv), VIGIL_SURVIVAL_CURVE);
        for (int g = 0; g < VIGIL_SURVIVAL_CURVE; g++) {
            assert_close(s->group[j].curve_time[g], s->horizon * (g + 1) / VIGIL_SURVIVAL_CURVE, 1e-12);
            assert_close(s->group[j].curve_risk[g], cJSON_GetArrayItem(cv, g)->valuedouble, TOL);
        }
    }
}

typedef struct {
    vigil_table *t;
    const double *risk, *time, *event;
    const int32_t *code;
} cols;

static cols load(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "tests/reference/survival/%s.csv", name);
    cols c = {0};
    assert_int_equal(vigil_table_read_csv(&c.t, path, NULL), VIGIL_OK);
    c.risk = vigil_table_numeric(c.t, (size_t)vigil_table_find(c.t, "risk"));
    c.time = vigil_table_numeric(c.t, (size_t)vigil_table_find(c.t, "time"));
    c.event = vigil_table_numeric(c.t, (size_t)vigil_table_find(c.t, "event"));
    int g = vigil_table_find(c.t, "group");
    if (g >= 0) c.code = vigil_table_codes(c.t, (size_t)g);
    return c;
}

static void run_case(const char *name)
{
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(goldens(), "cases"), name);
    assert_non_null(ref);
    cols c = load(name);
    size_t n = vigil_table_nrows(c.t);
    double H = tu_num(ref, "horizon");
    vigil_survival s;
    assert_int_equal(vigil_survival_compute(&s, c.risk, c.time, c.event, n, H, NULL), VIGIL_OK);
    check_block(&s, ref);
    const cJSON *levels = cJSON_GetObjectItemCaseSensitive(ref, "levels");
    if (levels) {
        int g = vigil_table_find(c.t, "group");
        size_t nl = vigil_table_n_levels(c.t, (size_t)g);
        assert_int_equal(nl, (size_t)cJSON_GetArraySize(levels));
        double *buf = malloc(3 * n * sizeof *buf);
        assert_non_null(buf);
        for (size_t l = 0; l < nl; l++) {
            size_t m = 0;
            for (size_t i = 0; i < n; i++)
                if (c.code[i] == (int32_t)l) {
                    buf[m] = c.risk[i], buf[n + m] = c.time[i], buf[2 * n + m] = c.event[i];
                    m++;
                }
            const cJSON *lr = cJSON_GetObjectItemCaseSensitive(levels, vigil_table_level(c.t, (size_t)g, l));
            assert_non_null(lr);
            assert_int_equal(vigil_survival_compute(&s, buf, buf + n, buf + 2 * n, m, H, NULL), VIGIL_OK);
            check_block(&s, lr);
        }
        free(buf);
    }
    vigil_table_free(c.t);
}

static void test_moderate(void **state) { (void)state; run_case("moderate"); }
static void test_heavy_censoring(void **state) { (void)state; run_case("heavy"); }
static void test_tiny(void **state) { (void)state; run_case("tiny"); }
static void test_level_without_events(void **state) { (void)state; run_case("noevents"); }

/* Bad input names the row and the value; a horizon beyond follow-up names both numbers. */
static void test_bad_input(void **state)
{
    (void)state;
    double r[3] = {0.1, 0.5, 0.9}, t[3] = {1, 2, 3}, e[3] = {1, 0, 1};
    vigil_survival s;
    t[1] = -1;
    assert_int_equal(vigil_survival_compute(&s, r, t, e, 3, 2, NULL), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "row 2"));
    t[1] = NAN;
    assert_int_equal(vigil_survival_compute(&s, r, t, e, 3, 2, NULL), VIGIL_EINVAL);
    t[1] = 2;
    e[2] = 2;
    assert_int_equal(vigil_survival_compute(&s, r, t, e, 3, 2, NULL), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "row 3"));
    e[2] = 1;
    r[0] = 1.5;
    assert_int_equal(vigil_survival_compute(&s, r, t, e, 3, 2, NULL), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "row 1"));
    r[0] = 0.1;
    assert_int_equal(vigil_survival_compute(&s, r, t, e, 3, 4, NULL), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "horizon 4"));
    assert_non_null(strstr(vigil_error_last(), "last follow-up time 3"));
    assert_int_equal(vigil_survival_compute(&s, r, t, e, 3, 3, NULL), VIGIL_OK);
    assert_true(isnan(s.auc)); /* nobody followed past H = the last time: no control */
    assert_non_null(strstr(s.auc_reason, "no control"));
    assert_int_equal(vigil_survival_compute(&s, r, t, e, 3, 0.5, NULL), VIGIL_OK);
    assert_true(isnan(s.auc));
    assert_non_null(strstr(s.auc_reason, "no event"));
    assert_close(s.km_risk, 0, 0);
    /* past the checks' first block of rows (4,096): the first offending row in row order is
     * named, whatever is wrong further on (an infinite time, an event of 2, a risk above 1) */
    enum { N = 10000 };
    double *R = malloc(N * sizeof *R), *T = malloc(N * sizeof *T), *E = malloc(N * sizeof *E);
    assert_true(R && T && E);
    for (size_t i = 0; i < N; i++) R[i] = (double)(i % 100) / 100, T[i] = 1 + (double)(i % 7), E[i] = (double)(i % 2);
    assert_int_equal(vigil_survival_compute(&s, R, T, E, N, 5, NULL), VIGIL_OK);
    R[9000] = 2, E[6000] = 2, T[8191] = INFINITY;
    assert_int_equal(vigil_survival_compute(&s, R, T, E, N, 5, NULL), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "event: row 6001: value 2 "));
    E[6000] = 1;
    assert_int_equal(vigil_survival_compute(&s, R, T, E, N, 5, NULL), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "time: row 8192: value inf "));
    T[8191] = 3, T[N - 1] = 9; /* the largest time in the last, short block */
    assert_int_equal(vigil_survival_compute(&s, R, T, E, N, 5, NULL), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "risk: row 9001: value 2 "));
    R[9000] = 0.5;
    assert_int_equal(vigil_survival_compute(&s, R, T, E, N, 9.5, NULL), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "last follow-up time 9:"));
    assert_int_equal(vigil_survival_compute(&s, R, T, E, N, 9, NULL), VIGIL_OK);
    free(R), free(T), free(E);
}

/* The report's hooks: without a label the report is the survival block; its typed getter gives
 * the block's numbers per level, and the 0/1 metrics are refused with the reason. */
static void test_report_without_label(void **state)
{
    (void)state;
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(goldens(), "cases"), "moderate");
    cols c = load("moderate");
    size_t n = vigil_table_nrows(c.t);
    int g = vigil_table_find(c.t, "group");
    vigil_metrics_group grp = {"group", c.code, NULL, vigil_table_n_levels(c.t, (size_t)g)};
    const char *names[8];
    for (size_t l = 0; l < grp.n_levels; l++) names[l] = vigil_table_level(c.t, (size_t)g, l);
    grp.levels = names;
    vigil_metrics_options o = VIGIL_METRICS_OPTIONS_INIT;
    o.time = c.time, o.event = c.event, o.horizon = 5;
    vigil_metrics_report *r = NULL;
    assert_int_equal(vigil_metrics_compute(&r, c.risk, NULL, n, &grp, 1, &o), VIGIL_OK);
    vigil_metric_value v;
    assert_int_equal(vigil_metrics_report_get(&v, r, "survival_auroc", NULL, NULL), VIGIL_OK);
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(ref, "auc");
    assert_close(v.value, tu_num(a, "value"), TOL);
    assert_close(v.ci_low, tu_num(a, "ci_low"), TOL);
    assert_int_equal(vigil_metrics_report_get(&v, r, "c_harrell", "group", "b"), VIGIL_OK);
    const cJSON *lb = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ref, "levels"), "b");
    assert_close(v.value, tu_num(lb, "c_harrell"), TOL);
    assert_int_equal(vigil_metrics_report_get(&v, r, "auroc", NULL, NULL), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "0/1 label"));
    char *json = vigil_metrics_report_json(r, NAN, NAN);
    assert_non_null(json);
    assert_null(strstr(json, "discrimination"));
    free(json);
    vigil_metrics_report_free(r);
    /* with the label: both, and the getter still reads the survival block */
    assert_int_equal(vigil_metrics_compute(&r, c.risk, c.event, n, &grp, 1, &o), VIGIL_OK);
    assert_int_equal(vigil_metrics_report_get(&v, r, "survival_brier", NULL, NULL), VIGIL_OK);
    assert_close(v.value, tu_num(cJSON_GetObjectItemCaseSensitive(ref, "brier"), "value"), TOL);
    assert_int_equal(vigil_metrics_report_get(&v, r, "auroc", NULL, NULL), VIGIL_OK);
    vigil_metrics_report_free(r);
    vigil_table_free(c.t);
}

/* The options' defaults, as the headers document them (test_options_init.c holds the others). */
static void test_options_init(void **state)
{
    (void)state;
    vigil_survival_options s = VIGIL_SURVIVAL_OPTIONS_INIT;
    assert_close(s.level, 0.95, 0);
    assert_int_equal(s.groups, 10);
    assert_int_equal(s.threads, 0);
    vigil_metrics_options m = VIGIL_METRICS_OPTIONS_INIT;
    assert_null(m.time);
    assert_null(m.event);
    assert_close(m.horizon, 0, 0);
    vigil_run_metrics_options r = VIGIL_RUN_METRICS_OPTIONS_INIT;
    assert_null(r.time);
    assert_null(r.event);
    assert_close(r.horizon, 0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_moderate),
        cmocka_unit_test(test_heavy_censoring),
        cmocka_unit_test(test_tiny),
        cmocka_unit_test(test_level_without_events),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_report_without_label),
        cmocka_unit_test(test_options_init),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    cJSON_Delete(goldens());
    return rc;
}
