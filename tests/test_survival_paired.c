/* Two models compared at a horizon (issue 16, a suite's non_inferior/superior on survival_auroc
 * and survival_brier): candidate minus predecessor of the IPCW AUROC and Brier with the se from
 * the difference of their influence functions.
 * Peer: riskRegression 2022.11.28, Score(list(v1 = predecessor, v2 = candidate), Hist(time,
 * event) ~ 1, cens.model = "km", metrics = c("auc", "brier"), contrasts = TRUE, se.fit = TRUE,
 * conservative = FALSE): delta, se, lower, upper, p of the row v2 against v1; survival 3.5-3,
 * prodlim 2019.11.13. Golden values from tests/reference/survival_paired_ref.R ->
 * tests/reference/survival_paired/goldens.json (versions recorded there), on the data it wrote
 * beside them: moderate censoring with tied times and risks, heavy censoring with ties at H,
 * n = 8, and a level without events (its AUROC contrast undefined, with the reason). */
#include "testutil.h"
#include "vigil/survival.h"

#define TOL 1e-10

static cJSON *goldens(void)
{
    static cJSON *g;
    if (!g) g = tu_load_json("tests/reference/survival_paired/goldens.json");
    return g;
}

static void check(const vigil_survival_paired *p, const cJSON *ref)
{
    assert_close(p->n, tu_num(ref, "n"), 0);
    assert_close(p->events_by_horizon, tu_num(ref, "events_by_horizon"), 0);
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(ref, "auc");
    assert_close(p->auc_diff, tu_num(a, "delta"), TOL);
    assert_close(p->auc_se, tu_num(a, "se"), TOL);
    assert_close(p->auc_ci_low, tu_num(a, "lower"), TOL);
    assert_close(p->auc_ci_high, tu_num(a, "upper"), TOL);
    assert_close(p->auc_p, tu_num(a, "p"), 1e-8);
    if (isnan(p->auc_diff)) {
        assert_non_null(p->auc_reason);
        assert_non_null(strstr(p->auc_reason, "no event by the horizon"));
    } else {
        assert_null(p->auc_reason);
        assert_close(p->auc, tu_num(ref, "auc_v2"), TOL);
        assert_close(p->auc_compare, tu_num(ref, "auc_v1"), TOL);
    }
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(ref, "brier");
    assert_close(p->brier_diff, tu_num(b, "delta"), TOL);
    assert_close(p->brier_se, tu_num(b, "se"), TOL);
    assert_close(p->brier_ci_low, tu_num(b, "lower"), TOL);
    assert_close(p->brier_ci_high, tu_num(b, "upper"), TOL);
    assert_close(p->brier_p, tu_num(b, "p"), 1e-8);
    assert_close(p->brier, tu_num(ref, "brier_v2"), TOL);
    assert_close(p->brier_compare, tu_num(ref, "brier_v1"), TOL);
}

typedef struct {
    vigil_table *t;
    const double *v1, *v2, *time, *event;
    const int32_t *code;
} cols;

static cols load(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "tests/reference/survival_paired/%s.csv", name);
    cols c = {0};
    assert_int_equal(vigil_table_read_csv(&c.t, path, NULL), VIGIL_OK);
    c.v1 = vigil_table_numeric(c.t, (size_t)vigil_table_find(c.t, "risk_v1"));
    c.v2 = vigil_table_numeric(c.t, (size_t)vigil_table_find(c.t, "risk_v2"));
    c.time = vigil_table_numeric(c.t, (size_t)vigil_table_find(c.t, "time"));
    c.event = vigil_table_numeric(c.t, (size_t)vigil_table_find(c.t, "event"));
    int g = vigil_table_find(c.t, "group");
    if (g >= 0) c.code = vigil_table_codes(c.t, (size_t)g);
    return c;
}

static void run_case(const char *name, unsigned threads)
{
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(goldens(), "cases"), name);
    assert_non_null(ref);
    cols c = load(name);
    size_t n = vigil_table_nrows(c.t);
    double H = tu_num(ref, "horizon");
    vigil_survival_options o = VIGIL_SURVIVAL_OPTIONS_INIT;
    o.threads = threads;
    vigil_survival_paired p;
    assert_int_equal(vigil_survival_compare(&p, c.v2, c.v1, c.time, c.event, n, H, &o), VIGIL_OK);
    check(&p, ref);
    /* each model's own numbers are vigil_survival_compute's (one KM pass shared, same result) */
    vigil_survival s;
    assert_int_equal(vigil_survival_compute(&s, c.v2, c.time, c.event, n, H, NULL), VIGIL_OK);
    assert_close(p.brier, s.brier, 0);
    assert_close(p.auc, s.auc, 0);
    const cJSON *levels = cJSON_GetObjectItemCaseSensitive(ref, "levels");
    if (levels) {
        int g = vigil_table_find(c.t, "group");
        size_t nl = vigil_table_n_levels(c.t, (size_t)g);
        assert_int_equal(nl, (size_t)cJSON_GetArraySize(levels));
        double *buf = malloc(4 * n * sizeof *buf);
        assert_non_null(buf);
        for (size_t l = 0; l < nl; l++) {
            size_t m = 0;
            for (size_t i = 0; i < n; i++)
                if (c.code[i] == (int32_t)l) {
                    buf[m] = c.v2[i], buf[n + m] = c.v1[i], buf[2 * n + m] = c.time[i], buf[3 * n + m] = c.event[i];
                    m++;
                }
            const cJSON *lr = cJSON_GetObjectItemCaseSensitive(levels, vigil_table_level(c.t, (size_t)g, l));
            assert_non_null(lr);
            assert_int_equal(vigil_survival_compare(&p, buf, buf + n, buf + 2 * n, buf + 3 * n, m, H, &o), VIGIL_OK);
            check(&p, lr);
        }
        free(buf);
    }
    vigil_table_free(c.t);
}

/* Harrell's C of both models and their contrast, against survival 3.5-3 concordance(fit1,
 * fit2) (tests/reference/survival_paired_c_ref.R -> tests/reference/survival_paired/c_harrell.json):
 * each C, each one's infinitesimal-jackknife se (sqrt of $var's diagonal), the difference's se
 * sqrt(v11 + v22 - 2 v12), its interval and p; overall and per level (a level with three events,
 * one with none: C undefined, with the reason); and each model's own C, se and interval from
 * vigil_survival_compute. */
static cJSON *c_goldens(void)
{
    static cJSON *g;
    if (!g) g = tu_load_json("tests/reference/survival_paired/c_harrell.json");
    return g;
}

static void check_c(const vigil_survival_paired *p, const cJSON *ref)
{
    assert_close(p->n, tu_num(ref, "n"), 0);
    assert_close(p->c_harrell, tu_num(ref, "c_v2"), TOL);
    assert_close(p->c_harrell_compare, tu_num(ref, "c_v1"), TOL);
    assert_close(p->c_harrell_se, tu_num(ref, "se_v2"), TOL);
    assert_close(p->c_harrell_compare_se, tu_num(ref, "se_v1"), TOL);
    assert_close(p->c_diff, tu_num(ref, "delta"), TOL);
    assert_close(p->c_se, tu_num(ref, "se"), TOL);
    assert_close(p->c_ci_low, tu_num(ref, "lower"), TOL);
    assert_close(p->c_ci_high, tu_num(ref, "upper"), TOL);
    assert_close(p->c_p, tu_num(ref, "p"), 1e-8);
    if (isnan(p->c_diff)) {
        assert_non_null(p->c_reason);
        assert_non_null(strstr(p->c_reason, tu_num(ref, "events") == 0 ? "no event" : "no comparable pair"));
    } else {
        assert_null(p->c_reason);
    }
}

/* Each model's own C in vigil_survival_compute: its se is the same infinitesimal jackknife
 * (sqrt of concordance's $var diagonal), the interval C -/+ 1.96 se clipped to [0, 1]. */
static void check_single_c(const double *r, const double *time, const double *event, size_t n, double H,
                           const cJSON *ref, const char *key_c, const char *key_se)
{
    vigil_survival s;
    assert_int_equal(vigil_survival_compute(&s, r, time, event, n, H, NULL), VIGIL_OK);
    assert_close(s.c_harrell, tu_num(ref, key_c), TOL);
    assert_close(s.c_harrell_se, tu_num(ref, key_se), TOL);
    double z = 1.959963984540054, c = tu_num(ref, key_c), se = tu_num(ref, key_se);
    assert_close(s.c_harrell_ci_low, isnan(c) ? NAN : fmax(0, c - z * se), 1e-9);
    assert_close(s.c_harrell_ci_high, isnan(c) ? NAN : fmin(1, c + z * se), 1e-9);
}

static void run_c_case(const char *name, unsigned threads)
{
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c_goldens(), "cases"), name);
    assert_non_null(ref);
    cols c = load(name);
    size_t n = vigil_table_nrows(c.t);
    double tmax = 0;
    for (size_t i = 0; i < n; i++) tmax = fmax(tmax, c.time[i]);
    vigil_survival_options o = VIGIL_SURVIVAL_OPTIONS_INIT;
    o.threads = threads;
    vigil_survival_paired p;
    assert_int_equal(vigil_survival_compare(&p, c.v2, c.v1, c.time, c.event, n, tmax, &o), VIGIL_OK);
    check_c(&p, ref);
    vigil_survival s; /* the C itself is the single-model one */
    assert_int_equal(vigil_survival_compute(&s, c.v2, c.time, c.event, n, tmax, NULL), VIGIL_OK);
    assert_close(p.c_harrell, s.c_harrell, 0);
    check_single_c(c.v2, c.time, c.event, n, tmax, ref, "c_v2", "se_v2");
    check_single_c(c.v1, c.time, c.event, n, tmax, ref, "c_v1", "se_v1");
    const cJSON *levels = cJSON_GetObjectItemCaseSensitive(ref, "levels");
    if (levels) {
        int g = vigil_table_find(c.t, "group");
        size_t nl = vigil_table_n_levels(c.t, (size_t)g);
        assert_int_equal(nl, (size_t)cJSON_GetArraySize(levels));
        double *buf = malloc(4 * n * sizeof *buf);
        assert_non_null(buf);
        for (size_t l = 0; l < nl; l++) {
            size_t m = 0;
            double lmax = 0;
            for (size_t i = 0; i < n; i++)
                if (c.code[i] == (int32_t)l) {
                    buf[m] = c.v2[i], buf[n + m] = c.v1[i], buf[2 * n + m] = c.time[i], buf[3 * n + m] = c.event[i];
                    lmax = fmax(lmax, c.time[i]);
                    m++;
                }
            const cJSON *lr = cJSON_GetObjectItemCaseSensitive(levels, vigil_table_level(c.t, (size_t)g, l));
            assert_non_null(lr);
            assert_int_equal(vigil_survival_compare(&p, buf, buf + n, buf + 2 * n, buf + 3 * n, m, lmax, &o), VIGIL_OK);
            check_c(&p, lr);
            check_single_c(buf, buf + 2 * n, buf + 3 * n, m, lmax, lr, "c_v2", "se_v2");
            check_single_c(buf + n, buf + 2 * n, buf + 3 * n, m, lmax, lr, "c_v1", "se_v1");
        }
        free(buf);
    }
    vigil_table_free(c.t);
}

static void test_c_moderate(void **state) { (void)state; run_c_case("moderate", 0); run_c_case("moderate", 1); }
static void test_c_heavy_censoring(void **state) { (void)state; run_c_case("heavy", 0); }
static void test_c_tiny(void **state) { (void)state; run_c_case("tiny", 0); }
static void test_c_levels(void **state) { (void)state; run_c_case("noevents", 0); }
static void test_c_few_events(void **state) { (void)state; run_c_case("fewevents", 0); }

/* By hand, n = 3, risks 0.9, 0.5, 0.1 at times 1 (event), 2 (event), 3 (censored): 3 pairs, all
 * concordant, C = 1 and each subject's dC/dw 0: se 0. Against a model that swaps the first two:
 * C = 2/3; the contrast's dfbeta by hand (derivative of (conc + tied/2)/pairs). */
static void test_c_by_hand(void **state)
{
    (void)state;
    double r[3] = {0.9, 0.5, 0.1}, q[3] = {0.5, 0.9, 0.1}, t[3] = {1, 2, 3}, e[3] = {1, 1, 0};
    vigil_survival_paired p;
    assert_int_equal(vigil_survival_compare(&p, r, q, t, e, 3, 2, NULL), VIGIL_OK);
    assert_close(p.c_harrell, 1, 1e-15);
    assert_close(p.c_harrell_se, 0, 1e-15);
    assert_close(p.c_harrell_compare, 2.0 / 3, 1e-15);
    /* compare: pairs (1,2) discordant, (1,3) and (2,3) concordant; subject 1: a = 1, n = 2;
     * 2: a = 1, n = 2; 3: a = 2, n = 2; dC/dw = (a - C n) / 3 = -1/9, -1/9, 2/9 */
    assert_close(p.c_harrell_compare_se, sqrt(6.0) / 9, 1e-15);
    assert_close(p.c_se, sqrt(6.0) / 9, 1e-15);
    assert_close(p.c_diff, 1.0 / 3, 1e-15);
    /* no event at all, and a lone subject: no pair */
    e[0] = e[1] = 0;
    assert_int_equal(vigil_survival_compare(&p, r, q, t, e, 3, 2, NULL), VIGIL_OK);
    assert_true(isnan(p.c_diff) && isnan(p.c_se));
    assert_non_null(strstr(p.c_reason, "no event"));
    e[0] = 1;
    assert_int_equal(vigil_survival_compare(&p, r, q, t, e, 1, 1, NULL), VIGIL_OK);
    assert_true(isnan(p.c_diff));
    assert_non_null(strstr(p.c_reason, "no comparable pair"));
}

static void test_moderate(void **state) { (void)state; run_case("moderate", 0); }
static void test_moderate_one_thread(void **state) { (void)state; run_case("moderate", 1); }
static void test_heavy_censoring(void **state) { (void)state; run_case("heavy", 0); }
static void test_tiny(void **state) { (void)state; run_case("tiny", 0); }
static void test_level_without_events(void **state) { (void)state; run_case("noevents", 0); }

/* The same model twice: every difference and se is 0 (the interval [0, 0]) and p undefined, as
 * Score gives NaN; swapping the models flips the signs and keeps the se. */
static void test_same_and_swapped(void **state)
{
    (void)state;
    cols c = load("moderate");
    size_t n = vigil_table_nrows(c.t);
    vigil_survival_paired p, q;
    assert_int_equal(vigil_survival_compare(&p, c.v1, c.v1, c.time, c.event, n, 5, NULL), VIGIL_OK);
    assert_close(p.auc_diff, 0, 0);
    assert_close(p.auc_se, 0, 0);
    assert_close(p.brier_ci_low, 0, 0);
    assert_close(p.brier_ci_high, 0, 0);
    assert_true(isnan(p.auc_p));
    assert_int_equal(vigil_survival_compare(&p, c.v2, c.v1, c.time, c.event, n, 5, NULL), VIGIL_OK);
    assert_int_equal(vigil_survival_compare(&q, c.v1, c.v2, c.time, c.event, n, 5, NULL), VIGIL_OK);
    assert_close(q.auc_diff, -p.auc_diff, 1e-15);
    assert_close(q.auc_se, p.auc_se, 1e-15);
    assert_close(q.brier_ci_low, -p.brier_ci_high, 1e-15);
    vigil_table_free(c.t);
}

/* Bad input names the column, the row and the value, as vigil_survival_compute does. */
static void test_bad_input(void **state)
{
    (void)state;
    double r[3] = {0.1, 0.5, 0.9}, q[3] = {0.2, 0.4, 0.6}, t[3] = {1, 2, 3}, e[3] = {1, 0, 1};
    vigil_survival_paired p;
    q[1] = 1.5;
    assert_int_equal(vigil_survival_compare(&p, r, q, t, e, 3, 2, NULL), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "compare: row 2: value 1.5"));
    q[1] = 0.4;
    r[2] = -0.1;
    assert_int_equal(vigil_survival_compare(&p, r, q, t, e, 3, 2, NULL), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "risk: row 3"));
    r[2] = 0.9;
    assert_int_equal(vigil_survival_compare(&p, r, q, t, e, 3, 4, NULL), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "horizon 4"));
    assert_int_equal(vigil_survival_compare(&p, r, q, t, e, 3, 0.5, NULL), VIGIL_OK);
    assert_true(isnan(p.auc_diff));
    assert_non_null(strstr(p.auc_reason, "no event"));
    assert_true(isfinite(p.brier_diff));
    assert_int_equal(vigil_survival_compare(&p, r, q, t, e, 0, 2, NULL), VIGIL_OK);
    assert_true(isnan(p.brier_diff));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_moderate),
        cmocka_unit_test(test_moderate_one_thread),
        cmocka_unit_test(test_heavy_censoring),
        cmocka_unit_test(test_tiny),
        cmocka_unit_test(test_level_without_events),
        cmocka_unit_test(test_same_and_swapped),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_c_moderate),
        cmocka_unit_test(test_c_heavy_censoring),
        cmocka_unit_test(test_c_tiny),
        cmocka_unit_test(test_c_levels),
        cmocka_unit_test(test_c_few_events),
        cmocka_unit_test(test_c_by_hand),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    cJSON_Delete(goldens());
    cJSON_Delete(c_goldens());
    return rc;
}
