/* Suite files are refused before any computation when wrong; each rule passes and fails
 * where it should, and a value that could not be computed never passes. */
#include "testutil.h"
#include "suite/criteria.h"
#include "vigil/suite.h"

#include <unistd.h>

static const char *suite_file(const char *criteria, const char *extra)
{
    static char p[64];
    char *text = NULL;
    if (asprintf(&text,
                 "{\"name\": \"t\", \"model\": {\"candidate\": \"c.json\", \"predecessor\": \"p.json\"},"
                 " \"data\": {\"path\": \"cases.csv\", \"columns\": {\"label\": \"y\", \"shadow_score\": \"s\","
                 " \"groups\": [\"sex\", \"sex+age\"]}}, %s \"criteria\": [%s]}",
                 extra ? extra : "", criteria) < 0)
        fail();
    tu_temp_file(p, sizeof p, text);
    free(text);
    return p;
}

static void load_bad(const char *criteria, const char *extra, const char *frag)
{
    vigil_suite_def s;
    const char *p = suite_file(criteria, extra);
    int rc = vigil_suite_def_load(&s, p);
    if (rc != VIGIL_EINVAL || !strstr(vigil_error_last(), frag) || !strstr(vigil_error_last(), p)) {
        print_error("rc %d, message '%s', wanted '%s'\n", rc, vigil_error_last(), frag);
        fail();
    }
    unlink(p);
}

static void test_load_ok(void **state)
{
    vigil_suite_def s;
    const char *p = suite_file(
        "{\"name\": \"a\", \"metric\": \"auroc\", \"rule\": \"ci_low_at_least\", \"value\": 0.7},"
        "{\"name\": \"b\", \"metric\": \"auroc\", \"rule\": \"non_inferior\", \"margin\": 0.02},"
        "{\"name\": \"c\", \"metric\": \"auroc\", \"scope\": {\"group\": \"sex\"}, \"rule\": \"max_gap\", \"value\": 0.05},"
        "{\"name\": \"d\", \"metric\": \"sensitivity\", \"rule\": \"at_least\", \"value\": 0.5},"
        "{\"name\": \"e\", \"metric\": \"replay_agreement\", \"rule\": \"at_least\", \"value\": 0.999, \"model\": \"predecessor\"},"
        "{\"name\": \"f\", \"metric\": \"drift_alarms\", \"rule\": \"drift_gate\", \"features\": [\"age\"]}",
        "\"thresholds\": [0.2], \"training_data\": {\"path\": \"train.csv\"}, \"seed\": 7, \"pccp\": {\"update_procedures\": \"x\"},");
    assert_int_equal(vigil_suite_def_load(&s, p), VIGIL_OK);
    assert_int_equal(s.n_criteria, 6);
    assert_close(s.criteria[3].threshold, 0.2, 0); /* the suite's first threshold */
    assert_int_equal(s.seed, 7);
    assert_int_equal(s.bootstrap, 1000);
    assert_int_equal(s.min_cell, 11);
    assert_true(s.needs & VIGIL_NEED_REPLAY);
    assert_true(s.needs & VIGIL_NEED_DRIFT);
    assert_false(s.needs & VIGIL_NEED_EXPLAIN);
    assert_non_null(strstr(s.candidate, "/c.json"));
    vigil_suite_def_clear(&s);
    unlink(p);
}

static void test_refused_before_computing(void **state)
{
    load_bad("{\"name\": \"a\", \"metric\": \"aucroc\", \"rule\": \"at_least\", \"value\": 1}", NULL,
             "$.criteria[0].metric: unknown metric 'aucroc' (accepted: auroc, auprc");
    load_bad("{\"name\": \"a\", \"metric\": \"auroc\", \"rule\": \"atleast\", \"value\": 1}", NULL,
             "$.criteria[0].rule: unknown rule 'atleast' (accepted: at_least");
    load_bad("{\"name\": \"a\", \"metric\": \"auroc\", \"rule\": \"at_least\"}", NULL, "needs \"value\"");
    load_bad("{\"name\": \"a\", \"metric\": \"auroc\", \"rule\": \"at_least\", \"valu\": 1}", NULL,
             "$.criteria[0]: unknown key 'valu'");
    load_bad("{\"name\": \"a\", \"metric\": \"auroc\", \"rule\": \"max_gap\", \"value\": 0.1, \"scope\": {\"group\": \"race\"}}",
             NULL, "'race' is not one of the suite's groups ($.data.columns.groups: sex, sex+age)");
    load_bad("{\"name\": \"a\", \"metric\": \"auroc\", \"rule\": \"max_gap\", \"value\": 0.1}", NULL,
             "'max_gap' needs scope.group");
    load_bad("{\"name\": \"a\", \"metric\": \"replay_agreement\", \"rule\": \"non_inferior\", \"margin\": 0.1}",
             NULL, "needs a metric with a better direction");
    load_bad("{\"name\": \"a\", \"metric\": \"drift_alarms\", \"rule\": \"drift_gate\", \"features\": [\"x\"]}",
             NULL, "a drift gate needs $.training_data");
    load_bad("{\"name\": \"a\", \"metric\": \"sensitivity\", \"rule\": \"at_least\", \"value\": 0.5}", NULL,
             "'sensitivity' needs a threshold");
    load_bad("{\"name\": \"a\", \"metric\": \"demographic_parity_difference\", \"rule\": \"at_most\", \"value\": 0.1}",
             NULL, "is a disparity across a group");
    load_bad("{\"name\": \"a\", \"metric\": \"auroc\", \"rule\": \"at_least\", \"value\": 1},"
             "{\"name\": \"a\", \"metric\": \"ece\", \"rule\": \"at_most\", \"value\": 1}", NULL, "'a' is used twice");
    load_bad("", NULL, "$.criteria: expected a non-empty array");
    load_bad("{\"name\": \"a\", \"metric\": \"auroc\", \"rule\": \"at_least\", \"value\": 1}", "\"bootstrap\": -5,",
             "seed, bootstrap");
    load_bad("{\"name\": \"a\", \"metric\": \"auroc\", \"rule\": \"at_least\", \"value\": 1}", "\"pccp\": {\"notes\": \"x\"},",
             "$.pccp: unknown key 'notes'");
}

static vigil_criterion crit(const char *metric, vigil_rule rule, double value)
{
    vigil_criterion c = {.metric = (char *)metric, .info = vigil_metric_lookup(metric), .rule = rule,
                         .value = value, .low = NAN, .high = NAN, .margin = NAN, .alpha = 0.01};
    return c;
}

static void test_absolute_rules(void **state)
{
    vigil_verdict v;
    vigil_criterion c = crit("auroc", VIGIL_RULE_AT_LEAST, 0.7);
    vigil_observation o = {.value = 0.72, .ci_low = 0.68, .ci_high = 0.76};
    vigil_criterion_evaluate(&c, &o, &v);
    assert_true(v.pass);
    assert_string_equal(v.threshold, ">= 0.7");
    c.rule = VIGIL_RULE_CI_LOW_AT_LEAST;
    vigil_criterion_evaluate(&c, &o, &v);
    assert_false(v.pass); /* the point passes, the pre-registered bound does not */
    o.value = 0.7; /* boundaries are inclusive */
    c.rule = VIGIL_RULE_AT_LEAST;
    vigil_criterion_evaluate(&c, &o, &v);
    assert_true(v.pass);
    c = crit("calibration_slope", VIGIL_RULE_BETWEEN, NAN);
    c.low = 0.8, c.high = 1.2;
    o.value = 1.25;
    vigil_criterion_evaluate(&c, &o, &v);
    assert_false(v.pass);
    assert_string_equal(v.threshold, "in [0.8, 1.2]");
    c = crit("ece", VIGIL_RULE_CI_HIGH_AT_MOST, 0.05);
    o = (vigil_observation){.value = 0.03, .ci_low = 0.02, .ci_high = 0.049};
    vigil_criterion_evaluate(&c, &o, &v);
    assert_true(v.pass);
}

static void test_nan_never_passes(void **state)
{
    vigil_verdict v;
    vigil_criterion c = crit("auroc", VIGIL_RULE_AT_MOST, 0.99);
    vigil_observation o = {.value = NAN, .ci_low = NAN, .ci_high = NAN};
    vigil_criterion_evaluate(&c, &o, &v);
    assert_false(v.pass);
    assert_false(v.evaluable);
    assert_non_null(strstr(v.detail, "could not be computed"));
}

static void test_non_inferiority_directions(void **state)
{
    vigil_verdict v;
    vigil_criterion c = crit("auroc", VIGIL_RULE_NON_INFERIOR, NAN);
    c.margin = 0.02;
    vigil_observation o = {.value = -0.005, .ci_low = -0.019, .ci_high = 0.009};
    vigil_criterion_evaluate(&c, &o, &v);
    assert_true(v.pass);
    o.ci_low = -0.021;
    vigil_criterion_evaluate(&c, &o, &v);
    assert_false(v.pass);
    c = crit("brier", VIGIL_RULE_NON_INFERIOR, NAN); /* lower is better: the upper bound counts */
    c.margin = 0.01;
    o = (vigil_observation){.value = 0.004, .ci_low = -0.5, .ci_high = 0.009};
    vigil_criterion_evaluate(&c, &o, &v);
    assert_true(v.pass);
    o.ci_high = 0.011;
    vigil_criterion_evaluate(&c, &o, &v);
    assert_false(v.pass);
    c = crit("auroc", VIGIL_RULE_SUPERIOR, NAN);
    o = (vigil_observation){.value = 0.02, .ci_low = 0.001, .ci_high = 0.04};
    vigil_criterion_evaluate(&c, &o, &v);
    assert_true(v.pass);
    o.ci_low = -0.001;
    vigil_criterion_evaluate(&c, &o, &v);
    assert_false(v.pass);
}

/* The team against the model on the same cases (issue 21): team_vs_model_* take non_inferior
 * and superior with no predecessor (their own interval of team minus model), the margin must be
 * given and >= 0, PPV is refused (not paired on the same cases), team_sensitivity's refusal
 * names the paired metric, and the verdict is ci_low > -margin. */
static void test_team_vs_model(void **state)
{
    (void)state;
    static const char *const no_pred = "{\"name\": \"t\", \"data\": {\"path\": \"cases.csv\", \"columns\": {\"label\": \"y\","
                                       " \"score\": \"s\", \"decision\": \"d\", \"groups\": [\"sex\"]}}, \"criteria\": [%s]}";
    char text[1024], p[64];
    snprintf(text, sizeof text, no_pred,
             "{\"name\": \"a\", \"metric\": \"team_vs_model_sensitivity\", \"rule\": \"non_inferior\", \"margin\": 0.05},"
             "{\"name\": \"b\", \"metric\": \"team_vs_model_specificity\", \"rule\": \"superior\"},"
             "{\"name\": \"c\", \"metric\": \"team_vs_model_sensitivity\", \"scope\": {\"group\": \"sex\", \"every_level\": true},"
             " \"rule\": \"non_inferior\", \"margin\": 0}");
    tu_temp_file(p, sizeof p, text);
    vigil_suite_def s;
    assert_int_equal(vigil_suite_def_load(&s, p), VIGIL_OK);
    assert_int_equal(s.n_criteria, 3);
    assert_true(vigil_metric_within_run_paired(s.criteria[0].info));
    assert_false(vigil_metric_within_run_paired(vigil_metric_lookup("team_sensitivity")));
    assert_false(vigil_metric_within_run_paired(vigil_metric_lookup("auroc")));
    vigil_suite_def_clear(&s);
    unlink(p);
    static const struct { const char *crit, *frag; } bad[] = {
        {"{\"name\": \"a\", \"metric\": \"team_vs_model_sensitivity\", \"rule\": \"non_inferior\"}", "needs \"margin\" >= 0"},
        {"{\"name\": \"a\", \"metric\": \"team_vs_model_sensitivity\", \"rule\": \"non_inferior\", \"margin\": -0.01}",
         "needs \"margin\" >= 0"},
        {"{\"name\": \"a\", \"metric\": \"team_vs_model_sensitivity\", \"scope\": {\"group\": \"sex\"}, \"rule\": \"superior\"}",
         "on a group needs every_level"},
        {"{\"name\": \"a\", \"metric\": \"team_vs_model_ppv\", \"rule\": \"non_inferior\", \"margin\": 0.05}",
         "not paired on the same cases"},
        {"{\"name\": \"a\", \"metric\": \"team_sensitivity\", \"rule\": \"non_inferior\", \"margin\": 0.05}",
         "metric 'team_vs_model_sensitivity'"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        snprintf(text, sizeof text, no_pred, bad[k].crit);
        tu_temp_file(p, sizeof p, text);
        if (vigil_suite_def_load(&s, p) != VIGIL_EINVAL || !strstr(vigil_error_last(), bad[k].frag))
            fail_msg("'%s': got '%s', wanted '%s'", bad[k].crit, vigil_error_last(), bad[k].frag);
        unlink(p);
    }
    /* without the decision column */
    snprintf(text, sizeof text,
             "{\"name\": \"t\", \"data\": {\"path\": \"cases.csv\", \"columns\": {\"label\": \"y\", \"score\": \"s\"}},"
             " \"criteria\": [{\"name\": \"a\", \"metric\": \"team_vs_model_sensitivity\", \"rule\": \"non_inferior\", \"margin\": 0.05}]}");
    tu_temp_file(p, sizeof p, text);
    assert_int_equal(vigil_suite_def_load(&s, p), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "give $.data.columns.decision"));
    unlink(p);

    vigil_verdict v;
    vigil_criterion c = crit("team_vs_model_sensitivity", VIGIL_RULE_NON_INFERIOR, NAN);
    c.margin = 0.05;
    vigil_observation o = {.value = -0.025, .ci_low = -0.047, .ci_high = -0.004};
    vigil_criterion_evaluate(&c, &o, &v);
    assert_true(v.pass);
    assert_string_equal(v.threshold, "team - model CI low > -0.05");
    o.ci_low = -0.05; /* on the margin: not shown to be within it */
    vigil_criterion_evaluate(&c, &o, &v);
    assert_false(v.pass);
    o.ci_low = NAN; /* no positives, withheld: never passes */
    vigil_criterion_evaluate(&c, &o, &v);
    assert_false(v.pass);
    assert_false(v.evaluable);
    c = crit("team_vs_model_specificity", VIGIL_RULE_SUPERIOR, NAN);
    o = (vigil_observation){.value = 0.088, .ci_low = 0.0001, .ci_high = 0.1};
    vigil_criterion_evaluate(&c, &o, &v);
    assert_true(v.pass);
    o.ci_low = 0;
    vigil_criterion_evaluate(&c, &o, &v);
    assert_false(v.pass);
}

static void test_group_rules(void **state)
{
    const char *names[] = {"F", "M", "X"};
    double vals[] = {0.78, 0.74, 0.80}, lo[] = {0.7, 0.6, 0.75};
    vigil_verdict v;
    vigil_criterion c = crit("auroc", VIGIL_RULE_MAX_GAP, 0.05);
    c.group = "sex";
    vigil_observation o = {.value = NAN, .ci_low = NAN, .ci_high = NAN, .level_values = vals,
                           .level_ci_low = lo, .level_names = names, .n_levels = 3};
    vigil_criterion_evaluate(&c, &o, &v);
    assert_close(v.observed, 0.06, 1e-12);
    assert_false(v.pass);
    assert_non_null(strstr(v.detail, "sex=X 0.8 vs sex=M 0.74"));
    c.value = 0.061; /* 0.80 - 0.74 is 0.0600000000000000005 in binary */
    vigil_criterion_evaluate(&c, &o, &v);
    assert_true(v.pass);
    c = crit("auroc", VIGIL_RULE_AT_LEAST, 0.75);
    c.group = "sex", c.every_level = true;
    vigil_criterion_evaluate(&c, &o, &v);
    assert_false(v.pass);
    assert_non_null(strstr(v.detail, "fails at sex=M"));
    c.value = 0.7;
    vigil_criterion_evaluate(&c, &o, &v);
    assert_true(v.pass);
    assert_non_null(strstr(v.detail, "weakest level sex=M"));
    c.rule = VIGIL_RULE_CI_LOW_AT_LEAST; /* every level's lower bound */
    vigil_criterion_evaluate(&c, &o, &v);
    assert_false(v.pass);
    /* every failing level is named, and the weakest of them is the one shown (issue 18) */
    c = crit("auroc", VIGIL_RULE_AT_LEAST, 0.79);
    c.group = "sex", c.every_level = true;
    vigil_criterion_evaluate(&c, &o, &v);
    assert_false(v.pass);
    assert_non_null(strstr(v.detail, "fails at 2 of 3 levels: sex=F, sex=M; shown: sex=M"));
    assert_close(v.observed, 0.74, 1e-15);
    assert_close(v.ci_low, 0.6, 1e-15);
    o.n_levels = 1; /* one usable level: no gap to measure */
    c = crit("auroc", VIGIL_RULE_MAX_GAP, 0.05);
    c.group = "sex";
    vigil_criterion_evaluate(&c, &o, &v);
    assert_false(v.pass);
    assert_false(v.evaluable);
}

static void test_drift_gate(void **state)
{
    vigil_verdict v;
    vigil_criterion c = crit("drift_alarms", VIGIL_RULE_DRIFT_GATE, NAN);
    vigil_observation o = {.n_alarms = 0};
    vigil_criterion_evaluate(&c, &o, &v);
    assert_true(v.pass);
    o.n_alarms = 2;
    vigil_criterion_evaluate(&c, &o, &v);
    assert_false(v.pass);
    assert_close(v.observed, 2, 0);
}

/* The criteria read the one catalogue: every metric name the criteria's own table accepted
 * before the catalogue (commit 6c718ec) is still accepted, with the same direction, needs,
 * scopes and method (a suite result's "method" prints it), and in the same order (the
 * "unknown metric" message lists them). */
static void test_catalogue_names_unchanged(void **state)
{
    static const struct {
        const char *name;
        int direction, needs, group_metric, per_level;
        const char *ci;
    } before[] = {
#define M VIGIL_NEED_METRICS
        {"auroc", +1, M, 0, 1, "DeLong"}, {"auprc", +1, M, 0, 1, "bootstrap"},
        {"brier", -1, M, 0, 1, "bootstrap"}, {"ece", -1, M, 0, 1, "bootstrap"},
        {"ece_equal_mass", -1, M, 0, 1, "bootstrap"}, {"mce", -1, M, 0, 1, "bootstrap"},
        {"eavg", -1, M, 0, 1, "bootstrap"}, {"e50", -1, M, 0, 1, "bootstrap"},
        {"e90", -1, M, 0, 1, "bootstrap"}, {"emax", -1, M, 0, 1, "bootstrap"},
        {"calibration_slope", 0, M, 0, 1, "bootstrap"}, {"calibration_intercept", 0, M, 0, 1, "bootstrap"},
        {"citl", 0, M, 0, 1, "bootstrap"}, {"sensitivity", +1, M, 0, 1, "Wilson"},
        {"specificity", +1, M, 0, 1, "Wilson"}, {"ppv", +1, M, 0, 1, "Wilson"},
        {"npv", +1, M, 0, 1, "Wilson"}, {"selection_rate", 0, M, 0, 1, "Wilson"},
        {"net_benefit", +1, M, 0, 0, "bootstrap"},
        {"demographic_parity_difference", -1, M | VIGIL_NEED_FAIRNESS, 1, 0, "bootstrap"},
        {"equalized_odds_difference", -1, M | VIGIL_NEED_FAIRNESS, 1, 0, "bootstrap"},
        {"equal_opportunity_difference", -1, M | VIGIL_NEED_FAIRNESS, 1, 0, "bootstrap"},
        {"auroc_gap", -1, M | VIGIL_NEED_FAIRNESS, 1, 0, "bootstrap"},
        {"calibration_gap", -1, M | VIGIL_NEED_FAIRNESS, 1, 0, "bootstrap"},
        {"replay_agreement", +1, VIGIL_NEED_REPLAY, 0, 0, "exact"},
        {"replay_max_abs_diff", -1, VIGIL_NEED_REPLAY, 0, 0, "exact"},
        {"shap_importance", 0, VIGIL_NEED_EXPLAIN, 0, 1, "exact TreeSHAP"},
        {"drift_alarms", -1, VIGIL_NEED_DRIFT, 0, 0, "Holm-corrected tests"},
#undef M
    };
    char names[1024] = "";
    size_t k = 0;
    for (size_t i = 0; i < sizeof before / sizeof *before; i++) {
        const vigil_metric_info *m = vigil_metric_lookup(before[i].name);
        if (!m) fail_msg("'%s' is no longer accepted", before[i].name);
        assert_string_equal(m->name, before[i].name);
        assert_int_equal((int)m->better, before[i].direction);
        assert_int_equal(vigil_metric_needs(m), before[i].needs);
        assert_int_equal(!!(m->scopes & VIGIL_METRIC_DISPARITY), before[i].group_metric);
        assert_int_equal(!!(m->scopes & VIGIL_METRIC_PER_LEVEL), before[i].per_level);
        assert_string_equal(m->ci_method, before[i].ci);
        assert_ptr_equal(vigil_metric_find(before[i].name), m);
        k += (size_t)snprintf(names + k, sizeof names - k, "%s%s", i ? ", " : "", before[i].name);
    }
    /* the old names first, in their order; names added later only after them */
    const char *all = vigil_metric_names();
    if (strncmp(all, names, strlen(names)) != 0 || (all[strlen(names)] && all[strlen(names)] != ','))
        fail_msg("accepted names changed: '%s', expected to begin with '%s'", all, names);
    assert_non_null(strstr(all, ", human_agreement, override_of_flags, override_of_nonflags"));
    /* a catalogue metric no criterion can compute is found, but not accepted */
    assert_non_null(vigil_metric_find("spiegelhalter_p"));
    assert_null(vigil_metric_lookup("spiegelhalter_p"));
    assert_null(vigil_metric_find("aurocc"));
    /* iteration visits every entry once, and names are unique */
    for (size_t i = 0; i < vigil_metric_count(); i++) {
        const vigil_metric_def *m = vigil_metric_at(i);
        assert_non_null(m->label);
        assert_ptr_equal(vigil_metric_find(m->name), m);
    }
    assert_null(vigil_metric_at(vigil_metric_count()));
    load_bad("{\"name\": \"a\", \"metric\": \"spiegelhalter_p\", \"rule\": \"at_least\", \"value\": 0.1}", NULL,
             "unknown metric 'spiegelhalter_p'");
}

/* A suite without a 0/1 label (issue 16 s.2): with follow-up columns and a horizon it takes
 * time-to-event criteria (and replay, SHAP, drift); a 0/1 metric is refused before computing,
 * and so is a suite with neither a label nor follow-up columns. */
static void test_survival_only_suite(void **state)
{
    static const char head[] =
        "{\"name\": \"s\", \"model\": {\"candidate\": \"c.json\", \"predecessor\": \"p.json\"}, \"data\": "
        "{\"path\": \"cases.csv\", %s \"columns\": {\"shadow_score\": \"s\", %s \"groups\": [\"sex\"]}}, "
        "\"criteria\": [%s]}";
    static const char surv[] =
        "{\"name\": \"a\", \"metric\": \"survival_auroc\", \"rule\": \"ci_low_at_least\", \"value\": 0.7},"
        "{\"name\": \"b\", \"metric\": \"oe_ratio\", \"scope\": {\"group\": \"sex\", \"every_level\": true}, "
        "\"rule\": \"between\", \"low\": 0.8, \"high\": 1.25},"
        "{\"name\": \"c\", \"metric\": \"replay_agreement\", \"rule\": \"at_least\", \"value\": 0.999, \"model\": \"predecessor\"}";
    struct { const char *data, *cols, *crit, *frag; } cases[] = {
        {"\"horizon\": 5,", "\"followup_time\": \"t\", \"event\": \"e\",", surv, NULL},
        {"\"horizon\": 5,", "\"followup_time\": \"t\", \"event\": \"e\",",
         "{\"name\": \"a\", \"metric\": \"survival_auroc\", \"rule\": \"at_least\", \"value\": 0.7},"
         "{\"name\": \"d\", \"metric\": \"auroc\", \"rule\": \"at_least\", \"value\": 0.7}",
         "$.criteria[1]: 'auroc' is computed from the 0/1 outcome: give $.data.columns.label"},
        {"\"horizon\": 5,", "\"followup_time\": \"t\", \"event\": \"e\",",
         "{\"name\": \"d\", \"metric\": \"sensitivity\", \"rule\": \"at_least\", \"value\": 0.5, \"threshold\": 0.2}",
         "'sensitivity' is computed from the 0/1 outcome"},
        {"", "", surv, "$.data.columns: a suite needs \"label\" (or, with time-to-event criteria only"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *text = NULL, p[64];
        if (asprintf(&text, head, cases[k].data, cases[k].cols, cases[k].crit) < 0) fail();
        tu_temp_file(p, sizeof p, text);
        free(text);
        vigil_suite_def s;
        int rc = vigil_suite_def_load(&s, p);
        if (!cases[k].frag) {
            if (rc != VIGIL_OK) fail_msg("case %zu: %s", k, vigil_error_last());
            assert_null(s.data.label);
            assert_int_equal(s.n_criteria, 3);
            assert_true(s.needs & VIGIL_NEED_REPLAY);
            vigil_suite_def_clear(&s);
        } else if (rc != VIGIL_EINVAL || !strstr(vigil_error_last(), cases[k].frag)) {
            fail_msg("case %zu: rc %d, message '%s', wanted '%s'", k, rc, vigil_error_last(), cases[k].frag);
        }
        unlink(p);
    }
}

/* vigil_suite_run_result: the typed criteria are those of the document it returns (the CLI
 * prints the table from them and the document as it is). */
static void test_suite_result_matches_document(void **state)
{
    char dir[] = "/tmp/vigil-suite-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char csv[128], suite[128], db[128];
    snprintf(csv, sizeof csv, "%s/cases.csv", dir);
    snprintf(suite, sizeof suite, "%s/s.json", dir);
    snprintf(db, sizeof db, "%s/v.db", dir);
    FILE *f = fopen(csv, "w");
    assert_non_null(f);
    fprintf(f, "id,score,y,sex\n");
    for (int i = 0; i < 400; i++) {
        int y = (i * 37) % 100 < 30;
        double sc = 0.05 + 0.3 * y + 0.6 * ((i * 7919) % 101) / 101.0;
        fprintf(f, "%d,%.4f,%d,%s\n", i, sc, y, i % 3 ? "F" : "M");
    }
    fclose(f);
    f = fopen(suite, "w");
    assert_non_null(f);
    fputs("{\"name\": \"typed\", \"bootstrap\": 50, \"data\": {\"path\": \"cases.csv\", \"columns\": {\"id\": \"id\","
          " \"score\": \"score\", \"label\": \"y\", \"groups\": [\"sex\"]}}, \"criteria\": ["
          "{\"name\": \"auc\", \"metric\": \"auroc\", \"rule\": \"at_least\", \"value\": 0.99},"
          "{\"name\": \"brier\", \"metric\": \"brier\", \"rule\": \"at_most\", \"value\": 0.5},"
          "{\"name\": \"gap\", \"metric\": \"auroc\", \"rule\": \"max_gap\", \"value\": 0.2, \"scope\": {\"group\": \"sex\"}},"
          "{\"name\": \"sens\", \"metric\": \"sensitivity\", \"rule\": \"at_least\", \"value\": 0.5, \"threshold\": 0.5}]}", f);
    fclose(f);
    vigil_store *st = NULL;
    assert_int_equal(vigil_store_open(&st, db), VIGIL_OK);
    vigil_suite_result *res = NULL;
    if (vigil_suite_run_result(&res, st, suite, NULL) != VIGIL_OK) fail_msg("%s", vigil_error_last());
    cJSON *doc = cJSON_Parse(vigil_suite_result_json(res));
    assert_non_null(doc);
    assert_string_equal(vigil_suite_result_name(res), "typed");
    assert_int_equal(vigil_suite_result_n_cases(res), 400);
    assert_int_equal(vigil_suite_result_run_id(res), (int64_t)tu_num(doc, "run_id"));
    assert_int_equal(vigil_suite_result_passed(res), cJSON_IsTrue(cJSON_GetObjectItem(doc, "passed")));
    const cJSON *crit = cJSON_GetObjectItem(doc, "criteria");
    assert_int_equal(vigil_suite_result_n_criteria(res), (size_t)cJSON_GetArraySize(crit));
    assert_int_equal(vigil_suite_result_n_criteria(res), 4);
    int n_pass = 0;
    for (size_t i = 0; i < 4; i++) {
        const vigil_suite_criterion *c = vigil_suite_result_criterion(res, i);
        const cJSON *e = cJSON_GetArrayItem(crit, (int)i);
        assert_string_equal(c->name, cJSON_GetObjectItem(e, "name")->valuestring);
        assert_string_equal(c->threshold, cJSON_GetObjectItem(e, "threshold")->valuestring);
        assert_string_equal(c->detail, cJSON_GetObjectItem(e, "detail")->valuestring);
        assert_int_equal(c->pass, cJSON_IsTrue(cJSON_GetObjectItem(e, "pass")));
        assert_true(isfinite(c->observed));
        assert_close(c->observed, tu_num(e, "observed"), 1e-15 * fabs(c->observed));
        n_pass += c->pass;
    }
    assert_null(vigil_suite_result_criterion(res, 4));
    assert_false(vigil_suite_result_criterion(res, 0)->pass); /* AUROC >= 0.99 fails */
    assert_int_equal(n_pass, 3);
    assert_false(vigil_suite_result_passed(res));
    cJSON_Delete(doc);
    vigil_suite_result_free(res);
    vigil_suite_result_free(NULL);
    vigil_store_close(st);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    vigil_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_ok),           cmocka_unit_test(test_refused_before_computing),
        cmocka_unit_test(test_absolute_rules),    cmocka_unit_test(test_nan_never_passes),
        cmocka_unit_test(test_non_inferiority_directions), cmocka_unit_test(test_group_rules),
        cmocka_unit_test(test_drift_gate),        cmocka_unit_test(test_catalogue_names_unchanged),
        cmocka_unit_test(test_team_vs_model),
        cmocka_unit_test(test_suite_result_matches_document), cmocka_unit_test(test_survival_only_suite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
