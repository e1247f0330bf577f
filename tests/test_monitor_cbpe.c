/* Monitors before outcomes arrive (issue 17): NannyML's confidence-based performance estimation
 * (CBPE) of AUROC, sensitivity and PPV from the current window's scores, the reference
 * window's calibration check, and the coverage of the 95% intervals under covariate shift.
 * Golden values: tests/reference/monitor_cbpe_ref.py (NannyML 0.13.1 CBPE with its
 * NoopCalibrator, scikit-learn 1.9.1; Spiegelhalter's z written out in numpy) ->
 * tests/reference/monitor_cbpe/goldens.json, on tests/reference/monitor_cbpe/cases.csv. */
#include "testutil.h"
#include "monitor/monitor_engine.h"
#include "vigil/metrics.h"
#include "vigil/monitor.h"

#include <unistd.h>

#define GOLD "tests/reference/monitor_cbpe/goldens.json"
#define CASES "tests/reference/monitor_cbpe/cases.csv"

static const char *const metric[3] = {"auroc", "sensitivity", "ppv"};

/* Write a monitor of CASES (reference night 0, current night `night`) on score column `score`;
 * `extra` is appended to its keys ("threshold" is 0.3 unless extra starts with '!'). */
static const char *monitor_file(char *path, size_t cap, const char *score, int night, const char *extra)
{
    char cwd[512], body[2048];
    int thr = extra[0] != '!';
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(body, sizeof body,
             "{\"name\": \"cbpe\", \"data\": {\"path\": \"%s/" CASES "\", \"columns\": {\"time\": \"night\", "
             "\"score\": \"%s\", \"label\": \"label\", \"features\": [\"x\"]}}, \"windows\": {\"reference\": "
             "{\"from\": 0, \"to\": 0}, \"current\": {\"from\": %d, \"to\": %d}}%s%s}",
             cwd, score, night, night, thr ? ", \"threshold\": 0.3" : "", extra + !thr);
    return tu_temp_file(path, cap, body);
}

/* The result document of that monitor. */
static cJSON *run_night(const char *score, int night, const char *extra)
{
    char path[600];
    const char *f = monitor_file(path, sizeof path, score, night, extra);
    vigil_monitor *m = NULL;
    vigil_monitor_result *r = NULL;
    vigil_monitor_options opt = VIGIL_MONITOR_OPTIONS_INIT;
    opt.threads = 1;
    if (vigil_monitor_load(&m, f, 20000) != 0 || vigil_monitor_run(&r, m, &opt) != 0) {
        print_error("monitor: %s\n", vigil_error_last());
        fail();
    }
    char *s = vigil_monitor_result_json(r, 0);
    cJSON *doc = cJSON_Parse(s);
    assert_non_null(doc);
    free(s);
    vigil_monitor_result_free(r);
    vigil_monitor_free(m);
    unlink(f);
    return doc;
}

/* The calibrated score: every estimate, sampling error and interval is NannyML's. AUROC to
 * 1e-6: NannyML rounds its cumulative sums to 5 decimals before the trapezoid. */
static void test_cbpe_nannyml(void **state)
{
    cJSON *g = tu_load_json(GOLD);
    const cJSON *gs = cJSON_GetObjectItem(g, "score");
    for (int night = 1; night <= 3; night++) {
        char key[4];
        snprintf(key, sizeof key, "%d", night);
        const cJSON *gn = cJSON_GetObjectItem(cJSON_GetObjectItem(gs, "nights"), key);
        cJSON *doc = run_night("score", night, "");
        const cJSON *c = cJSON_GetObjectItem(doc, "cbpe");
        assert_non_null(c);
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(c, "valid")));
        assert_close(tu_num(c, "n_cur"), tu_num(gn, "n"), 0);
        const cJSON *cc = cJSON_GetObjectItem(c, "calibration_check");
        const cJSON *sp = cJSON_GetObjectItem(gs, "spiegelhalter_ref");
        assert_close(tu_num(cc, "z"), tu_num(sp, "z"), 1e-9);
        assert_close(tu_num(cc, "p"), tu_num(sp, "p"), 1e-9);
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cc, "calibrated")));
        for (int k = 0; k < 3; k++) {
            const cJSON *v = cJSON_GetObjectItem(c, metric[k]), *w = cJSON_GetObjectItem(gn, metric[k]);
            double tol = k == 0 ? 1e-6 : 1e-10;
            assert_close(tu_num(v, "estimate"), tu_num(w, "estimate"), tol);
            assert_close(tu_num(v, "sampling_error"), tu_num(w, "sampling_error"), 1e-10);
            assert_close(tu_num(v, "ci_low"), tu_num(w, "ci_low"), tol);
            assert_close(tu_num(v, "ci_high"), tu_num(w, "ci_high"), tol);
        }
        cJSON_Delete(doc);
    }
    cJSON_Delete(g);
}

/* The over-predicting score: the reference window fails the calibration check, and the
 * estimate is refused with the test's result (NannyML would recalibrate: its verdict is in
 * the goldens), never given. */
static void test_cbpe_miscalibrated(void **state)
{
    cJSON *g = tu_load_json(GOLD);
    const cJSON *gs = cJSON_GetObjectItem(g, "score_over");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(gs, "needs_calibration_isotonic")));
    cJSON *doc = run_night("score_over", 2, "");
    const cJSON *c = cJSON_GetObjectItem(doc, "cbpe"), *cc = cJSON_GetObjectItem(c, "calibration_check");
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(c, "valid")));
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(cc, "calibrated")));
    assert_close(tu_num(cc, "z"), tu_num(cJSON_GetObjectItem(gs, "spiegelhalter_ref"), "z"), 1e-9);
    const cJSON *why = cJSON_GetObjectItem(c, "not_estimated");
    assert_true(cJSON_IsString(why) && strstr(why->valuestring, "not calibrated on the reference window") &&
                strstr(why->valuestring, "Spiegelhalter z -10.23"));
    for (int k = 0; k < 3; k++) assert_true(isnan(tu_num(cJSON_GetObjectItem(c, metric[k]), "estimate")));
    cJSON_Delete(doc);
    /* no threshold, or "cbpe": false: no block (and then a threshold nothing uses is refused) */
    doc = run_night("score", 1, "!");
    assert_null(cJSON_GetObjectItem(doc, "cbpe"));
    cJSON_Delete(doc);
    doc = run_night("score", 1, "!, \"cbpe\": false");
    assert_null(cJSON_GetObjectItem(doc, "cbpe"));
    cJSON_Delete(doc);
    static const struct {
        const char *extra, *msg;
    } bad[] = {
        {", \"cbpe\": false, \"performance\": false", "$.threshold: only the clinicians' decisions use it"},
        {"!, \"min_cell\": 5, \"performance\": false, \"label_drift\": false, \"cusum\": false",
         "$.min_cell: only counts of decisions and outcomes use it"},
        {", \"performance\": 1", "$.performance: expected true or false"},
        {"!, \"cbpe\": true", "$.cbpe: sensitivity and PPV are estimated at $.threshold: set it"},
        {", \"cbpe\": {\"calibration_alpha\": 1}", "$.cbpe.calibration_alpha: expected a number in (0, 1), got 1"},
        {", \"cbpe\": {\"alpha\": 0.1}", "$.cbpe: unknown key 'alpha'"},
        {", \"cbpe\": 1", "$.cbpe: expected false, true or an object"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char path[600];
        vigil_monitor *m = NULL;
        const char *f = monitor_file(path, sizeof path, "score", 1, bad[i].extra);
        assert_int_equal(vigil_monitor_load(&m, f, 20000), VIGIL_EINVAL);
        if (!strstr(vigil_error_last(), bad[i].msg) || !strstr(vigil_error_last(), f)) {
            print_error("case %zu: '%s' lacks '%s' or the file\n", i, vigil_error_last(), bad[i].msg);
            fail();
        }
        unlink(f);
    }
    /* the level is the file's: at 0.1 the calibrated score's p 0.083 fails the check */
    doc = run_night("score", 1, ", \"cbpe\": {\"calibration_alpha\": 0.1}");
    c = cJSON_GetObjectItem(doc, "cbpe");
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(c, "valid"))); /* p 0.083 < 0.1 */
    cJSON_Delete(doc);
    cJSON_Delete(g);
}

/* Ties: a score shared by a positive and a negative counts one half in the placements (the
 * Mann-Whitney convention), and the expected ROC curve does not depend on the order inside a
 * tie. Hand-computed: p = {0.2, 0.2, 0.6, 0.6}, y = {0, 1, 0, 1}: positives are the minority
 * (2 of 4, not more than half); placements 0.5/2 = 0.25 and 1.5/2 = 0.75, SD 0.25. */
static void test_cbpe_ties(void **state)
{
    const double p[4] = {0.2, 0.2, 0.6, 0.6}, y[4] = {0, 1, 0, 1};
    mon_cbpe_components c;
    assert_int_equal(vigil_mon_cbpe_components(p, y, 4, 0.5, &c), 0);
    assert_close(c.sd[0], 0.25, 1e-15);
    assert_close(c.frac[0], 0.5, 0);
    assert_close(c.sd[1], 0.5, 1e-15); /* sensitivity 1/2 */
    assert_close(c.sd[2], 0.5, 1e-15); /* PPV 1/2 */
    /* estimate: TP 1.6, FP 2.4; from the top, (0.6, 0.4) twice then (0.2, 0.8) twice:
     * area = 0.8 * 1.2 / 2 + 1.6 * (1.2 + 1.6) / 2 = 0.48 + 2.24 = 2.72; AUROC 2.72 / 3.84 */
    const double q[4] = {0.6, 0.2, 0.6, 0.2};
    mon_cbpe_metric e[MON_CBPE_N];
    assert_int_equal(vigil_mon_cbpe_estimate(q, 4, 0.5, &c, e), 0);
    assert_close(e[0].estimate, 2.72 / 3.84, 1e-15);
    assert_close(e[1].estimate, 1.2 / 1.6, 1e-15);
    assert_close(e[2].estimate, 0.6, 1e-15);
    assert_close(e[0].sampling_error, 0.25 / sqrt(4 * 0.5), 1e-15);
    /* positives the majority: the negatives' placements among the positives above them */
    const double y3[4] = {1, 1, 0, 1}, p3[4] = {0.1, 0.3, 0.5, 0.9};
    assert_int_equal(vigil_mon_cbpe_components(p3, y3, 4, 0.5, &c), 0);
    assert_close(c.sd[0], 0, 1e-15); /* one negative: a single placement */
    assert_close(c.frac[0], 0.25, 0);
}

/* Once labels mature, the realised numbers are R's (pROC 1.18.0 DeLong, glm, prop.test's
 * Wilson interval: tests/reference/monitor_performance_ref.R -> monitor_cbpe/performance.json):
 * night 4 has labels for 372 of 600 cases (the others counted, not used); night 5 has 4
 * positives, under min_cell 11, so every number is withheld while n stays. */
static void test_performance_golden(void **state)
{
    static const char *const stat[] = {"auroc", "oe_ratio", "calibration_slope", "citl", "sensitivity", "ppv"};
    static const char *const part[] = {"value", "ci_low", "ci_high"};
    cJSON *g = tu_load_json("tests/reference/monitor_cbpe/performance.json");
    for (int night = 1; night <= 5; night++) {
        char key[4];
        snprintf(key, sizeof key, "%d", night);
        const cJSON *gn = cJSON_GetObjectItem(cJSON_GetObjectItem(g, "nights"), key);
        cJSON *doc = run_night("score", night, "");
        const cJSON *o = cJSON_GetObjectItem(doc, "performance");
        assert_non_null(o);
        assert_close(tu_num(o, "n_labelled"), tu_num(gn, "n_labelled"), 0);
        assert_close(tu_num(o, "unlabelled"), tu_num(gn, "unlabelled"), 0);
        int withheld = night == 5;
        assert_int_equal(cJSON_IsString(cJSON_GetObjectItem(o, "withheld")), withheld);
        for (size_t k = 0; k < sizeof stat / sizeof *stat; k++)
            for (size_t j = 0; j < 3; j++) {
                double got = tu_num(cJSON_GetObjectItem(o, stat[k]), part[j]);
                double want = tu_num(cJSON_GetObjectItem(gn, stat[k]), part[j]);
                double tol = k == 2 || k == 3 ? 1e-7 : 1e-9; /* the logistic fits' convergence */
                if (withheld) assert_true(isnan(got));
                else assert_close(got, want, tol);
            }
        cJSON_Delete(doc);
    }
    /* min_cell 1 shows night 5 (no cell is from 1 to 0): its AUROC is pROC's */
    cJSON *doc = run_night("score", 5, ", \"min_cell\": 1");
    const cJSON *gn = cJSON_GetObjectItem(cJSON_GetObjectItem(g, "nights"), "5");
    assert_close(tu_num(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "performance"), "auroc"), "ci_low"),
                 tu_num(cJSON_GetObjectItem(gn, "auroc"), "ci_low"), 1e-9);
    cJSON_Delete(doc);
    /* "performance": false removes the block */
    doc = run_night("score", 1, ", \"performance\": false");
    assert_null(cJSON_GetObjectItem(doc, "performance"));
    cJSON_Delete(doc);
    cJSON_Delete(g);
}

static uint64_t rng = 88172645463325252ULL;
static double unif(void)
{
    rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
    return ((double)((rng * 2685821657736338717ULL) >> 11) + 0.5) * 0x1.0p-53;
}
static double gauss(void) { return sqrt(-2 * log(unif())) * cos(2 * M_PI * unif()); }

/* A window of n cases: x ~ N(mu, 1), the calibrated risk p = sigmoid(-2 + 1.2 x), y ~ Bernoulli(p). */
static void draw(double mu, size_t n, double *p, double *y)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = 1 / (1 + exp(-(-2 + 1.2 * (mu + gauss()))));
        y[i] = unif() < p[i];
    }
}

/* Under covariate shift (a calibrated model, x moving by 0 to 1.5 SD), the 95% intervals cover
 * the realised value (AUROC by the metrics engine, sensitivity and PPV at 0.3) on >= 93% of
 * 2,000 simulated nights of 500 cases against one reference of 3,000 (monitors/README.md gives
 * the rates). The intervals are not so wide that they cannot fail: a model miscalibrated in the
 * current window makes them miss on most nights (below). */
static void test_cbpe_coverage(void **state)
{
    enum { NREF = 3000, NCUR = 500, NIGHTS = 2000 };
    static double pr[NREF], yr[NREF], p[NCUR], y[NCUR];
    draw(0, NREF, pr, yr);
    mon_cbpe_components c;
    assert_int_equal(vigil_mon_cbpe_components(pr, yr, NREF, 0.3, &c), 0);
    int cover[3] = {0, 0, 0};
    for (int k = 0; k < NIGHTS; k++) {
        draw(1.5 * unif(), NCUR, p, y);
        mon_cbpe_metric e[MON_CBPE_N];
        assert_int_equal(vigil_mon_cbpe_estimate(p, NCUR, 0.3, &c, e), 0);
        vigil_auroc a;
        vigil_threshold_stats t;
        assert_int_equal(vigil_metrics_auroc(p, y, NCUR, 0.95, &a), 0);
        assert_int_equal(vigil_metrics_threshold(p, y, NCUR, 0.3, 0.95, &t), 0);
        double real[3] = {a.auc, t.tpr, t.ppv};
        for (int j = 0; j < 3; j++) cover[j] += real[j] >= e[j].ci_low && real[j] <= e[j].ci_high;
    }
    for (int j = 0; j < 3; j++) {
        double rate = (double)cover[j] / NIGHTS;
        if (!(rate >= 0.93)) {
            print_error("%s: the 95%% interval covered the realised value on %d of %d nights (%.3f < 0.93)\n",
                        metric[j], cover[j], NIGHTS, rate);
            fail();
        }
    }
    /* a model that is not calibrated in the current window (its risks doubled in odds) is
     * estimated wrongly, and the interval misses the truth on most nights: what the reference
     * window's calibration check is for */
    int missed = 0;
    for (int k = 0; k < 200; k++) {
        draw(0.5, NCUR, p, y);
        double q[NCUR];
        for (int i = 0; i < NCUR; i++) q[i] = 2 * p[i] / (1 + p[i]);
        mon_cbpe_metric e[MON_CBPE_N];
        vigil_threshold_stats t;
        assert_int_equal(vigil_mon_cbpe_estimate(q, NCUR, 0.3, &c, e), 0);
        assert_int_equal(vigil_metrics_threshold(q, y, NCUR, 0.3, 0.95, &t), 0);
        missed += t.ppv < e[2].ci_low || t.ppv > e[2].ci_high;
    }
    assert_true(missed > 150);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cbpe_nannyml), cmocka_unit_test(test_cbpe_miscalibrated),
        cmocka_unit_test(test_cbpe_ties), cmocka_unit_test(test_cbpe_coverage),
        cmocka_unit_test(test_performance_golden),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
