/* Every public options struct has a VIGIL_X_OPTIONS_INIT macro (include/vigil/run.h set the
 * pattern). Each macro must hold exactly what a caller got before it existed: the result of the
 * struct's _default function where it has one (drift, explain, synth), else a zeroed struct,
 * which is what every call site wrote ({0} or memset) and what each header documents as the
 * defaults. A field changed or added on one side only fails here. */
#include "testutil.h"
#include "vigil/vigil.h"

#include <string.h>

/* File scope: each macro must be a constant initializer, usable for a static. */
static const vigil_backend_options s_backend = VIGIL_BACKEND_OPTIONS_INIT;
static const vigil_drift_options s_drift = VIGIL_DRIFT_OPTIONS_INIT;
static const vigil_explain_options s_explain = VIGIL_EXPLAIN_OPTIONS_INIT;
static const vigil_metrics_options s_metrics = VIGIL_METRICS_OPTIONS_INIT;
static const vigil_monitor_options s_monitor = VIGIL_MONITOR_OPTIONS_INIT;
static const vigil_report_options s_report = VIGIL_REPORT_OPTIONS_INIT;
static const vigil_suite_options s_suite = VIGIL_SUITE_OPTIONS_INIT;
static const vigil_synth_options s_synth = VIGIL_SYNTH_OPTIONS_INIT;
static const vigil_csv_options s_csv = VIGIL_CSV_OPTIONS_INIT;
static const vigil_join_options s_join = VIGIL_JOIN_OPTIONS_INIT;

/* Field by field, not memcmp: padding bytes are not part of the value. */
#define EQ(a, b, f) assert_true((a).f == (b).f)
#define EQ_S(a, b, f) assert_true((a).f == (b).f || ((a).f && (b).f && strcmp((a).f, (b).f) == 0))

static void test_backend(void **state)
{
    (void)state;
    vigil_backend_options m = VIGIL_BACKEND_OPTIONS_INIT, z;
    memset(&z, 0, sizeof z);
    EQ(m, z, backend);
    EQ(m, z, threads);
    assert_int_equal(m.backend, VIGIL_BACKEND_AUTO);
    EQ(s_backend, m, backend);
    EQ(s_backend, m, threads);
    /* run.h's replay options embed it */
    vigil_run_replay_options r = VIGIL_RUN_REPLAY_OPTIONS_INIT;
    EQ(r.backend, m, backend);
    EQ(r.backend, m, threads);
}

static void check_drift(vigil_drift_options m, vigil_drift_options d)
{
    EQ(m, d, features);
    EQ(m, d, n_features);
    EQ(m, d, correction);
    EQ(m, d, alpha);
    EQ(m, d, numeric_floor);
    EQ(m, d, categorical_floor);
    EQ(m, d, psi_bins);
    EQ(m, d, min_n);
    EQ(m, d, mmd);
    EQ(m, d, mmd_permutations);
    EQ(m, d, mmd_max_rows);
    EQ(m, d, seed);
    EQ(m, d, threads);
    EQ(m, d, backend);
    EQ(m, d, numeric_test);
}

static void test_drift(void **state)
{
    (void)state;
    vigil_drift_options m = VIGIL_DRIFT_OPTIONS_INIT, d = vigil_drift_options_default();
    check_drift(m, d);
    check_drift(s_drift, d);
    /* the documented defaults (drift.h, and the CLI contract in design.md) */
    assert_int_equal(m.correction, VIGIL_CORRECT_HOLM);
    assert_true(m.alpha == 0.01 && m.numeric_floor == 0.1 && m.categorical_floor == 0.1);
    assert_int_equal(m.psi_bins, 10);
    assert_int_equal(m.min_n, 2);
    assert_int_equal(m.mmd, 0);
    assert_int_equal(m.mmd_permutations, 500);
    assert_int_equal(m.mmd_max_rows, 2000);
    assert_int_equal(m.seed, 1);
    assert_int_equal(m.backend, VIGIL_BACKEND_AUTO);
    assert_int_equal(m.numeric_test, VIGIL_DRIFT_DECIDE_KS);
    assert_null(m.features);
    assert_int_equal(m.n_features, 0);
    assert_int_equal(m.threads, 0);
}

static void check_explain(vigil_explain_options m, vigil_explain_options d)
{
    EQ(m, d, backend);
    EQ(m, d, threads);
    EQ(m, d, seed);
    EQ(m, d, background);
    EQ(m, d, n_background);
    EQ(m, d, max_background);
    EQ(m, d, tree_mode);
    EQ(m, d, mlp_method);
    EQ(m, d, mlp_samples);
    EQ(m, d, max_se);
    EQ(m, d, samples_used);
    EQ(m, d, used);
    EQ(m, d, method);
}

static void test_explain(void **state)
{
    (void)state;
    vigil_explain_options m = VIGIL_EXPLAIN_OPTIONS_INIT, d;
    memset(&d, 0x5a, sizeof d); /* the function must set every field, not rely on the caller */
    vigil_explain_options_default(&d);
    check_explain(m, d);
    check_explain(s_explain, d);
    /* explain.h's documented defaults */
    assert_int_equal(m.backend, VIGIL_BACKEND_AUTO);
    assert_int_equal(m.threads, 0);
    assert_int_equal(m.seed, 1);
    assert_null(m.background);
    assert_int_equal(m.n_background, 0);
    assert_int_equal(m.max_background, 100);
    assert_int_equal(m.tree_mode, VIGIL_TREESHAP_AUTO);
    assert_int_equal(m.mlp_method, VIGIL_MLP_AUTO);
    assert_int_equal(m.mlp_samples, 0);
    assert_true(m.max_se == 0);
    assert_int_equal(m.samples_used, 0);
    assert_int_equal(m.used, VIGIL_BACKEND_CPU);
    assert_null(m.method);
}

static void test_metrics(void **state)
{
    (void)state;
    vigil_metrics_options m = VIGIL_METRICS_OPTIONS_INIT, z;
    memset(&z, 0, sizeof z);
    for (int k = 0; k < 2; k++, m = s_metrics) {
        EQ(m, z, thresholds);
        EQ(m, z, n_thresholds);
        EQ(m, z, bootstrap);
        EQ(m, z, seed);
        EQ(m, z, threads);
        EQ(m, z, min_cell);
        EQ(m, z, level);
        EQ(m, z, curve_points);
        EQ(m, z, lowess_bootstrap);
        EQ(m, z, compare);
        EQ(m, z, compare_name);
        EQ(m, z, boot_thresholds);
        EQ(m, z, n_boot_thresholds);
    }
}

static void test_monitor_report_suite(void **state)
{
    (void)state;
    vigil_monitor_options mo = VIGIL_MONITOR_OPTIONS_INIT, mz;
    vigil_report_options ro = VIGIL_REPORT_OPTIONS_INIT, rz;
    vigil_suite_options so = VIGIL_SUITE_OPTIONS_INIT, sz;
    memset(&mz, 0, sizeof mz);
    memset(&rz, 0, sizeof rz);
    memset(&sz, 0, sizeof sz);
    for (int k = 0; k < 2; k++, mo = s_monitor, ro = s_report, so = s_suite) {
        EQ(mo, mz, cache);
        EQ(mo, mz, threads);
        EQ(mo, mz, data);
        EQ(mo, mz, history);
        EQ(ro, rz, out_dir);
        EQ(ro, rz, db_label);
        EQ(ro, rz, no_plots);
        EQ(ro, rz, dca_low);
        EQ(ro, rz, dca_high);
        EQ(so, sz, threads);
        EQ(so, sz, backend);
        EQ(so, sz, progress);
        EQ(so, sz, progress_ctx);
    }
    assert_int_equal(so.backend, VIGIL_BACKEND_AUTO);
}

static void check_synth(vigil_synth_options m, vigil_synth_options d)
{
    EQ(m, d, rows);
    EQ(m, d, features);
    EQ(m, d, seed);
    EQ(m, d, missing_rate);
    EQ(m, d, drift);
    EQ(m, d, shift);
    EQ(m, d, drift_start);
    EQ(m, d, days);
    EQ_S(m, d, end_date);
    EQ(m, d, prevalence);
    EQ(m, d, progress);
    EQ(m, d, progress_ctx);
}

static void test_synth(void **state)
{
    (void)state;
    vigil_synth_options m = VIGIL_SYNTH_OPTIONS_INIT, d;
    memset(&d, 0x5a, sizeof d);
    vigil_synth_defaults(&d);
    check_synth(m, d);
    check_synth(s_synth, d);
    /* synth.h's documented defaults */
    assert_int_equal(m.rows, 10000);
    assert_int_equal(m.features, 10);
    assert_int_equal(m.seed, 1);
    assert_true(m.missing_rate == 0.02 && m.shift == 0.5 && m.drift_start == 0.5 && m.prevalence == 0.15);
    assert_int_equal(m.drift, VIGIL_DRIFT_NONE);
    assert_int_equal(m.days, 365);
    assert_string_equal(m.end_date, "2026-01-01");
    assert_null(m.progress);
    assert_null(m.progress_ctx);
}

static void test_csv(void **state)
{
    (void)state;
    vigil_csv_options m = VIGIL_CSV_OPTIONS_INIT, z;
    memset(&z, 0, sizeof z);
    for (int k = 0; k < 2; k++, m = s_csv) {
        EQ(m, z, missing);
        EQ(m, z, n_missing);
        EQ(m, z, types);
        EQ(m, z, n_types);
        EQ(m, z, keep);
        EQ(m, z, n_keep);
        EQ(m, z, keep_why);
        EQ(m, z, progress);
        EQ(m, z, progress_ctx);
        EQ(m, z, delimiter);
        EQ(m, z, threads);
    }
}

/* The join's: a zeroed struct (one case per prediction, no lead times, as_of now). */
static void test_join(void **state)
{
    (void)state;
    vigil_join_options m = VIGIL_JOIN_OPTIONS_INIT, z;
    memset(&z, 0, sizeof z);
    EQ_S(m, z, entity), EQ_S(m, z, time), EQ_S(m, z, score), EQ_S(m, z, event_entity), EQ_S(m, z, event_time);
    EQ_S(m, z, event_type), EQ_S(m, z, target), EQ(m, z, window), EQ(m, z, offset), EQ(m, z, aggregate);
    EQ_S(m, z, as_of), EQ(m, z, lead_time), EQ(m, z, threshold), EQ(m, z, n_groups), EQ_S(m, z, label);
    EQ(m, z, min_cell), EQ(s_join, m, aggregate), EQ(s_join, m, window);
    assert_true(m.groups == NULL && m.aggregate == VIGIL_JOIN_EACH);
}

int main(void)
{
    vigil_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backend),  cmocka_unit_test(test_drift),
        cmocka_unit_test(test_explain),  cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_monitor_report_suite), cmocka_unit_test(test_synth),
        cmocka_unit_test(test_csv), cmocka_unit_test(test_join),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
