/* The human in the loop (issue 21): agreement, overrides, team and model accuracy, McNemar,
 * alert burden, decision time, arms.
 * Peers: statsmodels 0.13.5 (proportion_confint 'wilson', confint_proportions_2indep 'newcomb',
 * mcnemar exact=True), scipy 1.10.1 (chi2: exact Poisson interval), numpy 1.24 (percentile);
 * golden values from tests/reference/human_ref.py -> tests/reference/human/case_<name>.json
 * (the versions are recorded there too). */
#include "testutil.h"
#include "vigil/human.h"
#include "vigil/metrics.h"

#define TOL 1e-10

static void check_prop(const cJSON *ref, const char *key, vigil_proportion p)
{
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(ref, key);
    if (!r) {
        print_error("reference '%s' missing\n", key);
        fail();
    }
    if (cJSON_IsNull(r)) { /* undefined: no cases in the denominator */
        if (!isnan(p.value)) print_error("%s: %g where the peer has none\n", key, p.value);
        assert_true(isnan(p.value) && isnan(p.ci_low) && isnan(p.ci_high));
        return;
    }
    assert_close(p.k, tu_num(r, "k"), 0);
    assert_close(p.n, tu_num(r, "n"), 0);
    assert_close(p.value, tu_num(r, "value"), TOL);
    assert_close(p.ci_low, tu_num(r, "ci_low"), TOL);
    assert_close(p.ci_high, tu_num(r, "ci_high"), TOL);
}

static void check_interval(const cJSON *r, vigil_interval v)
{
    assert_non_null(r);
    assert_close(v.value, tu_num(r, "value"), TOL);
    assert_close(v.ci_low, tu_num(r, "ci_low"), TOL);
    assert_close(v.ci_high, tu_num(r, "ci_high"), TOL);
}

static const double *col(vigil_table *t, const char *name)
{
    int c = vigil_table_find(t, name);
    return c < 0 ? NULL : vigil_table_numeric(t, (size_t)c);
}

static void run_case(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "tests/reference/human/case_%s.csv", name);
    vigil_table *t = NULL;
    assert_int_equal(vigil_table_read_csv(&t, path, NULL), VIGIL_OK);
    snprintf(path, sizeof path, "tests/reference/human/case_%s.json", name);
    cJSON *ref = tu_load_json(path);
    vigil_human_options o = VIGIL_HUMAN_OPTIONS_INIT;
    o.threshold = tu_num(ref, "threshold");
    o.level = tu_num(ref, "level");
    o.arm = col(t, "arm"), o.exposure = col(t, "exposure"), o.decision_time = col(t, "decision_time");
    vigil_human h;
    assert_int_equal(vigil_human_compute(&h, col(t, "score"), col(t, "label"), col(t, "decision"),
                                         vigil_table_nrows(t), &o), VIGIL_OK);
    assert_int_equal(h.n, (size_t)tu_num(ref, "n"));
    static const char *keys[] = {"agreement", "override_of_flags", "override_of_nonflags", "team_sensitivity",
                                 "team_specificity", "team_ppv", "model_sensitivity", "model_specificity",
                                 "model_ppv", "flag_rate"};
    vigil_proportion got[] = {h.agreement, h.override_of_flags, h.override_of_nonflags, h.team_sensitivity,
                              h.team_specificity, h.team_ppv, h.model_sensitivity, h.model_specificity,
                              h.model_ppv, h.flag_rate};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) check_prop(ref, keys[i], got[i]);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(ref, "mcnemar");
    assert_close(h.mcnemar_b, tu_num(m, "b"), 0);
    assert_close(h.mcnemar_c, tu_num(m, "c"), 0);
    assert_close(h.mcnemar_p, tu_num(m, "p"), 1e-12);
    /* NNE is 1 / model PPV, its interval the reciprocal of PPV's */
    if (h.model_ppv.value > 0) {
        assert_close(h.nne.value, 1 / h.model_ppv.value, 1e-12);
        assert_close(h.nne.ci_low, 1 / h.model_ppv.ci_high, 1e-12);
    } else { /* no flag found a case ('tiny'): the number needed to evaluate is undefined */
        assert_true(isnan(h.nne.value));
    }
    if (o.exposure) {
        assert_close(h.exposure_total, tu_num(ref, "exposure_total"), 1e-6);
        check_interval(cJSON_GetObjectItemCaseSensitive(ref, "alerts_per_100"), h.alerts_per_100);
    } else {
        assert_true(isnan(h.exposure_total) && isnan(h.alerts_per_100.value));
    }
    if (o.decision_time) {
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(ref, "decision_time");
        assert_close(h.decision_time_n, tu_num(d, "n"), 0);
        assert_close(h.decision_time_q1, tu_num(d, "q1"), 1e-9);
        assert_close(h.decision_time_median, tu_num(d, "median"), 1e-9);
        assert_close(h.decision_time_q3, tu_num(d, "q3"), 1e-9);
    }
    if (o.arm) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(ref, "arms");
        assert_true(h.has_arms);
        for (int k = 0; k < 2; k++) {
            cJSON *w = cJSON_CreateObject();
            cJSON_AddItemReferenceToObject(w, "o", cJSON_GetArrayItem(cJSON_GetObjectItem(a, "outcome_rate"), k));
            cJSON_AddItemReferenceToObject(w, "s", cJSON_GetArrayItem(cJSON_GetObjectItem(a, "sensitivity"), k));
            check_prop(w, "o", h.arm_outcome_rate[k]);
            check_prop(w, "s", h.arm_sensitivity[k]);
            cJSON_Delete(w);
        }
        check_interval(cJSON_GetObjectItemCaseSensitive(a, "outcome_difference"), h.outcome_difference);
        check_interval(cJSON_GetObjectItemCaseSensitive(a, "sensitivity_difference"), h.sensitivity_difference);
        vigil_interval d = h.outcome_difference;
        if (d.ci_low > 0 || d.ci_high < 0) assert_close(h.nnt.value, 1 / fabs(d.value), 1e-12);
        else assert_true(isnan(h.nnt.value)); /* the difference may be 0: no NNT */
    } else {
        assert_false(h.has_arms);
    }
    cJSON_Delete(ref);
    vigil_table_free(t);
}

static void test_case_a(void **s) { (void)s, run_case("a"); }
static void test_case_tiny(void **s) { (void)s, run_case("tiny"); }
static void test_case_nonflag(void **s) { (void)s, run_case("nonflag"); }
static void test_case_large(void **s) { (void)s, run_case("large"); }

/* statsmodels: mcnemar([[0, 0], [0, 0]], exact=True).pvalue == 1; ([[5, 0], [3, 5]]) -> 0.25 */
static void test_mcnemar_edges(void **s)
{
    (void)s;
    assert_close(vigil_human_mcnemar_exact(0, 0), 1.0, 0);
    assert_close(vigil_human_mcnemar_exact(0, 3), 0.25, 1e-15);
    assert_close(vigil_human_mcnemar_exact(7, 7), 1.0, 0);
}

static void test_bad_input(void **s)
{
    (void)s;
    double sc[3] = {0.2, 0.7, 0.9}, y[3] = {0, 1, 1}, d[3] = {0, 1, 2}, bad_s[3] = {0.2, NAN, 0.5};
    vigil_human h;
    assert_int_equal(vigil_human_compute(&h, sc, y, d, 3, NULL), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "decision: row 3: value 2"));
    d[2] = 1;
    assert_int_equal(vigil_human_compute(&h, bad_s, y, d, 3, NULL), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "score: row 2"));
    double arm[3] = {1, 0, 0.5};
    vigil_human_options o = VIGIL_HUMAN_OPTIONS_INIT;
    o.arm = arm;
    assert_int_equal(vigil_human_compute(&h, sc, y, d, 3, &o), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "arm: row 3"));
    o.arm = NULL, o.threshold = 1.5;
    assert_int_equal(vigil_human_compute(&h, sc, y, d, 3, &o), VIGIL_EINVAL);
    /* no cases: every rate undefined, no error */
    o.threshold = 0.5;
    assert_int_equal(vigil_human_compute(&h, sc, y, d, 0, &o), VIGIL_OK);
    assert_true(isnan(h.agreement.value) && isnan(h.mcnemar_p));
}

/* ---- the team against the model on the same cases (paired) ------------------------------
 * Peer: contingencytables 3.0.0 Newcombe_square_and_add_CI_paired_2x2 (R 4.2.2; biostatUZH 2.0.2
 * confIntPairedProportion agrees where it is defined), tests/reference/human_paired_ref.R ->
 * tests/reference/human_paired/goldens.json (15 significant digits, hence 1e-9). */
#define PTOL 1e-9

static const cJSON *paired_ref(void)
{
    static cJSON *ref;
    if (!ref) ref = tu_load_json("tests/reference/human_paired/goldens.json");
    return ref;
}

static void check_paired(const cJSON *r, const vigil_human_paired *p, const char *what)
{
    if (!r) {
        print_error("%s: no reference\n", what);
        fail();
    }
    assert_close(p->n, tu_num(r, "n"), 0);
    assert_close(p->both, tu_num(r, "both"), 0);
    assert_close(p->team_only, tu_num(r, "team_only"), 0);
    assert_close(p->model_only, tu_num(r, "model_only"), 0);
    assert_close(p->neither, tu_num(r, "neither"), 0);
    assert_close(p->difference.value, tu_num(r, "difference"), PTOL);
    assert_close(p->difference.ci_low, tu_num(r, "ci_low"), PTOL);
    assert_close(p->difference.ci_high, tu_num(r, "ci_high"), PTOL);
}

/* Single tables: Altman et al. 2000 Table 6.2 ([[14, 5], [0, 22]]: 0.1220, 0.0115 to 0.2265),
 * no discordant pair, every case in one cell, b = c, one case, 100,000 cases, negative phi,
 * ad - bc under n/2 (the correction's dead zone). */
static void test_paired_tables(void **s)
{
    (void)s;
    const cJSON *t, *tabs = cJSON_GetObjectItem(paired_ref(), "tables");
    int k = 0;
    cJSON_ArrayForEach(t, tabs)
    {
        double a = tu_num(t, "both"), b = tu_num(t, "team_only"), c = tu_num(t, "model_only"), d = tu_num(t, "neither");
        vigil_human_paired p = {a + b + c + d, a, b, c, d, vigil_human_paired_difference(a, b, c, d, 0.95)};
        check_paired(t, &p, t->string);
        k++;
    }
    assert_int_equal(k, 11);
    vigil_interval e = vigil_human_paired_difference(0, 0, 0, 0, 0.95);
    assert_true(isnan(e.value) && isnan(e.ci_low) && isnan(e.ci_high));
}

/* Whole case files through vigil_human_compute: the tables and intervals of the positives
 * (sensitivity) and the negatives (specificity). */
static void test_paired_cases(void **s)
{
    (void)s;
    static const char *const names[] = {"tiny", "agree", "one_way", "equal", "large", "groups"};
    const cJSON *cases = cJSON_GetObjectItem(paired_ref(), "cases");
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        char path[256];
        snprintf(path, sizeof path, "tests/reference/human_paired/%s.csv", names[k]);
        vigil_table *t = NULL;
        assert_int_equal(vigil_table_read_csv(&t, path, NULL), VIGIL_OK);
        const cJSON *ref = cJSON_GetObjectItem(cases, names[k]), *ov = cJSON_GetObjectItem(ref, "overall");
        vigil_human_options o = VIGIL_HUMAN_OPTIONS_INIT;
        o.threshold = tu_num(ref, "threshold");
        vigil_human h;
        assert_int_equal(vigil_human_compute(&h, col(t, "score"), col(t, "label"), col(t, "decision"),
                                             vigil_table_nrows(t), &o), VIGIL_OK);
        assert_int_equal(h.n, (size_t)tu_num(ref, "n"));
        check_paired(cJSON_GetObjectItem(ov, "sensitivity"), &h.team_vs_model_sensitivity, names[k]);
        check_paired(cJSON_GetObjectItem(ov, "specificity"), &h.team_vs_model_specificity, names[k]);
        /* the difference is the two marginal rates' */
        assert_close(h.team_vs_model_sensitivity.difference.value,
                     h.team_sensitivity.value - h.model_sensitivity.value, 1e-12);
        assert_close(h.team_vs_model_specificity.difference.value,
                     h.team_specificity.value - h.model_specificity.value, 1e-12);
        vigil_table_free(t);
    }
}

/* Through the metrics report: per level (min_cell 1: every level shown) the peer's numbers.
 * With min_cell 11 level C's block (31 cases) is withheld, and with it B's, the smaller of A
 * and B (complementary withholding, the block's own rule). The paired tables follow: C's and
 * B's are not shown; A's sensitivity table is (B + C's positives pass: 23 + 0 team only, ...),
 * A's specificity table is not (B + C's negatives found by the model only are 6 + 0: shown
 * beside the overall, A's table would give that 6 away); the overall tables stay. */
static void test_paired_report_get(void **s)
{
    (void)s;
    vigil_table *t = NULL;
    assert_int_equal(vigil_table_read_csv(&t, "tests/reference/human_paired/groups.csv", NULL), VIGIL_OK);
    const cJSON *ref = cJSON_GetObjectItem(cJSON_GetObjectItem(paired_ref(), "cases"), "groups");
    size_t n = vigil_table_nrows(t), nl;
    int32_t *codes;
    char **levels;
    assert_int_equal(vigil_table_as_levels(t, (size_t)vigil_table_find(t, "group"), &codes, &levels, &nl), 0);
    vigil_metrics_group g = {"group", codes, (const char *const *)levels, nl};
    double thr = tu_num(ref, "threshold");
    vigil_metrics_options o = VIGIL_METRICS_OPTIONS_INIT;
    o.thresholds = &thr, o.n_thresholds = 1, o.bootstrap = 0, o.decision = col(t, "decision");
    static const char *const metric[2] = {"team_vs_model_sensitivity", "team_vs_model_specificity"};
    static const char *const key[2] = {"sensitivity", "specificity"};
    for (int pass = 0; pass < 2; pass++) {
        o.min_cell = pass ? 11 : 1;
        vigil_metrics_report *r = NULL;
        assert_int_equal(vigil_metrics_compute(&r, col(t, "score"), col(t, "label"), n, &g, 1, &o), VIGIL_OK);
        vigil_metric_value v;
        for (int k = 0; k < 2; k++) {
            const cJSON *x = cJSON_GetObjectItem(cJSON_GetObjectItem(ref, "overall"), key[k]);
            assert_int_equal(vigil_metrics_report_get(&v, r, metric[k], NULL, NULL), VIGIL_OK);
            assert_int_equal(v.status, VIGIL_METRIC_OK);
            assert_close(v.value, tu_num(x, "difference"), PTOL);
            assert_close(v.ci_low, tu_num(x, "ci_low"), PTOL);
            assert_close(v.ci_high, tu_num(x, "ci_high"), PTOL);
            for (size_t l = 0; l < nl; l++) {
                x = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(ref, "levels"), levels[l]), key[k]);
                assert_int_equal(vigil_metrics_report_get(&v, r, metric[k], "group", levels[l]), VIGIL_OK);
                int withheld = pass && (strcmp(levels[l], "A") != 0 || k == 1);
                if (withheld) {
                    assert_int_equal(v.status, VIGIL_METRIC_WITHHELD);
                    assert_true(isnan(v.value) && isnan(v.ci_low));
                    assert_non_null(strstr(v.why, "cell-size"));
                    continue;
                }
                assert_int_equal(v.status, VIGIL_METRIC_OK);
                assert_close(v.value, tu_num(x, "difference"), PTOL);
                assert_close(v.ci_low, tu_num(x, "ci_low"), PTOL);
                assert_close(v.ci_high, tu_num(x, "ci_high"), PTOL);
            }
        }
        /* B's block is withheld with C's; A's block stays where only its specificity table is not */
        assert_int_equal(vigil_metrics_report_get(&v, r, "team_sensitivity", "group", "B"), VIGIL_OK);
        assert_int_equal(v.status, pass ? VIGIL_METRIC_WITHHELD : VIGIL_METRIC_OK);
        assert_int_equal(vigil_metrics_report_get(&v, r, "team_specificity", "group", "A"), VIGIL_OK);
        assert_int_equal(v.status, VIGIL_METRIC_OK);
        assert_int_equal(vigil_metrics_report_get(&v, r, "team_vs_model_specificity", "group", "A"), VIGIL_OK);
        if (pass) assert_non_null(strstr(v.why, "decision correct x flag correct"));
        vigil_metrics_report_free(r);
    }
    vigil_table_levels_free(codes, levels, nl);
    vigil_table_free(t);
}

/* The report's typed getter for the human block: the same numbers as statsmodels (case
 * 'groups'), a level the cell-size policy withholds, the gap, and a report without decisions. */
static void test_report_get(void **state)
{
    (void)state;
    vigil_table *t = NULL;
    assert_int_equal(vigil_table_read_csv(&t, "tests/reference/human/case_groups.csv", NULL), VIGIL_OK);
    cJSON *ref = tu_load_json("tests/reference/human/case_groups.json");
    size_t n = vigil_table_nrows(t);
    vigil_metrics_group g[2];
    int32_t *codes[2];
    char **levels[2];
    size_t nl[2];
    const char *names[2] = {"site", "unit"};
    for (int k = 0; k < 2; k++) {
        assert_int_equal(vigil_table_as_levels(t, (size_t)vigil_table_find(t, names[k]), &codes[k], &levels[k], &nl[k]), 0);
        g[k] = (vigil_metrics_group){names[k], codes[k], (const char *const *)levels[k], nl[k]};
    }
    double thr = tu_num(ref, "threshold");
    vigil_metrics_options o = VIGIL_METRICS_OPTIONS_INIT;
    o.thresholds = &thr, o.n_thresholds = 1;
    vigil_metrics_report *r = NULL;
    vigil_metric_value v;
    /* without decisions a human metric is an error that says what is missing */
    assert_int_equal(vigil_metrics_compute(&r, col(t, "score"), col(t, "label"), n, g, 2, &o), VIGIL_OK);
    assert_int_equal(vigil_metrics_report_get(&v, r, "override_of_flags", NULL, NULL), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "decisions"));
    vigil_metrics_report_free(r);

    o.decision = col(t, "decision");
    assert_int_equal(vigil_metrics_compute(&r, col(t, "score"), col(t, "label"), n, g, 2, &o), VIGIL_OK);
    const cJSON *east = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(ref, "groups"), "site"), "levels"), "east");
    assert_int_equal(vigil_metrics_report_get(&v, r, "override_of_flags", "site", "east"), VIGIL_OK);
    assert_int_equal(v.status, VIGIL_METRIC_OK);
    const cJSON *of = cJSON_GetObjectItem(east, "override_of_flags");
    assert_close(v.value, tu_num(of, "value"), TOL);
    assert_close(v.ci_low, tu_num(of, "ci_low"), TOL);
    assert_int_equal(vigil_metrics_report_get(&v, r, "team_sensitivity", NULL, NULL), VIGIL_OK);
    assert_close(v.ci_high, tu_num(cJSON_GetObjectItem(cJSON_GetObjectItem(ref, "overall"), "team_sensitivity"), "ci_high"), TOL);
    const cJSON *gap = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(ref, "groups"), "site"), "override_of_flags_gap");
    assert_int_equal(vigil_metrics_report_get(&v, r, "override_of_flags_gap", "site", NULL), VIGIL_OK);
    assert_close(v.value, tu_num(gap, "value"), TOL);
    assert_close(v.ci_low, tu_num(gap, "ci_low"), TOL);
    assert_close(v.ci_high, tu_num(gap, "ci_high"), TOL);
    /* 'ward' is withheld to protect the small 'step-down' level; so is the unit gap */
    assert_int_equal(vigil_metrics_report_get(&v, r, "agreement_x", "unit", "ward"), VIGIL_EINVAL);
    assert_int_equal(vigil_metrics_report_get(&v, r, "human_agreement", "unit", "ward"), VIGIL_OK);
    assert_int_equal(v.status, VIGIL_METRIC_WITHHELD);
    assert_true(isnan(v.value));
    assert_int_equal(vigil_metrics_report_get(&v, r, "override_of_flags_gap", "unit", NULL), VIGIL_OK);
    assert_int_equal(v.status, VIGIL_METRIC_WITHHELD);
    /* a gap is not given per level, a level statistic is not a disparity */
    assert_int_equal(vigil_metrics_report_get(&v, r, "override_of_flags_gap", "site", "east"), VIGIL_EINVAL);
    assert_int_equal(vigil_metrics_report_get(&v, r, "nne", "site", "east"), VIGIL_EINVAL);
    vigil_metrics_report_free(r);
    for (int k = 0; k < 2; k++) vigil_table_levels_free(codes[k], levels[k], nl[k]);
    cJSON_Delete(ref);
    vigil_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_case_a),     cmocka_unit_test(test_case_tiny),    cmocka_unit_test(test_case_nonflag),
        cmocka_unit_test(test_case_large), cmocka_unit_test(test_mcnemar_edges), cmocka_unit_test(test_bad_input), cmocka_unit_test(test_report_get),
        cmocka_unit_test(test_paired_tables), cmocka_unit_test(test_paired_cases), cmocka_unit_test(test_paired_report_get),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
