/* Config files: strict keys, JSON paths and file positions in every message. */
#include "testutil.h"
#include "core/config.h"
#include "core/json.h"
#include "core/util.h"

#include <unistd.h>

static char cfgdir[64];

static int setup(void **state)
{
    snprintf(cfgdir, sizeof cfgdir, "/tmp/vigil-cfg-XXXXXX");
    assert_non_null(mkdtemp(cfgdir));
    char p[128];
    snprintf(p, sizeof p, "%s/cases.csv", cfgdir);
    FILE *f = fopen(p, "w");
    fputs("case_id,yr,death,score,sex,age_band,kappa,grp\nA,1995,1,0.9,F,60-69,1.2,3\n"
          "B,1996,0,0.1,M,70-79,.,4\n", f);
    fclose(f);
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", cfgdir);
    return system(cmd);
}

static const char *write_cfg(const char *json)
{
    static char p[128];
    snprintf(p, sizeof p, "%s/suite.json", cfgdir);
    FILE *f = fopen(p, "w");
    fputs(json, f);
    fclose(f);
    return p;
}

/* Parse the `data` section of `json`; returns the code, fills *c on success. */
static int parse(const char *json, vigil_data_config *c)
{
    const char *path = write_cfg(json);
    cJSON *root;
    int rc = vigil_cfg_load(path, &root);
    if (rc) return rc;
    const cJSON *data = NULL;
    rc = vigil_cfg_object(path, "$", root, "data", true, &data);
    if (!rc) rc = vigil_data_config_parse(c, path, "$.data", data);
    cJSON_Delete(root);
    return rc;
}

static void expect_msg(const char *frag)
{
    if (!strstr(vigil_error_last(), frag)) {
        print_error("message '%s' lacks '%s'\n", vigil_error_last(), frag);
        fail();
    }
}

static void test_data_section(void **state)
{
    vigil_data_config c;
    assert_int_equal(parse("{\"data\": {\"path\": \"cases.csv\", \"columns\": {\"id\": \"case_id\", "
                           "\"time\": \"yr\", \"label\": \"death\", \"score\": \"score\", "
                           "\"features\": [\"kappa\"], \"groups\": [\"sex\", \"sex+age_band\"]},"
                           "\"types\": {\"grp\": \"categorical\"}, \"missing\": [\"\", \".\"]}}",
                           &c),
                     VIGIL_OK);
    char want[128];
    snprintf(want, sizeof want, "%s/cases.csv", cfgdir);
    assert_string_equal(c.path, want); /* relative to the config file */
    assert_string_equal(c.label, "death");
    assert_int_equal(c.n_groups, 2);
    assert_null(c.shadow_score);
    vigil_table *t;
    assert_int_equal(vigil_data_load(&c, NULL, NULL, 0, &t), VIGIL_OK);
    /* only the role columns are kept; "grp" is declared but not a role: not kept */
    assert_int_equal(vigil_table_ncols(t), 7);
    assert_int_equal(vigil_table_find(t, "grp"), -1);
    assert_true(isnan(vigil_table_numeric(t, (size_t)vigil_table_find(t, "kappa"))[1]));
    vigil_table_free(t);
    const char *extra[] = {"grp"};
    assert_int_equal(vigil_data_load(&c, extra, NULL, 1, &t), VIGIL_OK);
    assert_int_equal(vigil_table_col_type(t, (size_t)vigil_table_find(t, "grp")), VIGIL_COL_CATEGORICAL);
    vigil_table_free(t);
    vigil_data_config_clear(&c);
}

/* $.data.join (issue 16): parsed into the join's options, paths relative to the file like
 * path; path and join exclusive, exactly one; every bad key named by its JSON path. */
static void test_join_section(void **state)
{
    vigil_data_config c;
    assert_int_equal(parse("{\"data\": {\"join\": {\"predictions\": \"p.csv\", \"events\": \"../e.csv\", "
                           "\"entity\": \"enc\", \"time\": \"t\", \"score\": \"s\", \"event_time\": \"et\", "
                           "\"event_type\": \"type\", \"target\": \"sepsis\", \"window\": 48, \"offset\": 1, "
                           "\"aggregate\": \"last\", \"as_of\": \"2026-03-01T00:00\"}, "
                           "\"columns\": {\"label\": \"y\", \"score\": \"s\"}}}", &c),
                     VIGIL_OK);
    assert_non_null(c.join);
    char want[192];
    snprintf(want, sizeof want, "%s/p.csv", cfgdir);
    assert_string_equal(c.join->predictions, want);
    snprintf(want, sizeof want, "%s/p.csv joined with %s/../e.csv", cfgdir, cfgdir);
    assert_string_equal(c.path, want); /* the name messages and the result use */
    assert_string_equal(c.join->entity, "enc");
    assert_string_equal(c.join->event_time, "et");
    assert_string_equal(c.join->target, "sepsis");
    assert_string_equal(c.join->as_of, "2026-03-01T00:00");
    assert_null(c.join->event_entity);
    assert_true(c.join->window == 48 && c.join->offset == 1 && c.join->aggregate == 2);
    vigil_data_config_clear(&c);
    assert_int_equal(parse("{\"data\": {\"join\": {\"predictions\": \"p.csv\", \"events\": \"e.csv\", "
                           "\"entity\": \"enc\", \"time\": \"t\", \"score\": \"s\", \"event_time\": \"et\", "
                           "\"window\": 2}, \"columns\": {}}}", &c),
                     VIGIL_OK);
    assert_true(c.join->offset == 0 && c.join->aggregate == 0 && !c.join->as_of && !c.join->event_type);
    vigil_data_config_clear(&c);
    static const char *const J = "\"predictions\": \"p.csv\", \"events\": \"e.csv\", \"entity\": \"enc\", "
                                 "\"time\": \"t\", \"score\": \"s\", \"event_time\": \"et\"";
    static const struct {
        const char *extra, *data, *msg;
    } bad[] = {
        {", \"window\": 2", "\"path\": \"cases.csv\", ", "$.data: give either path (a case file) or join"},
        {", \"window\": 0", "", "$.data.join.window: expected a positive number (hours for timestamps), not 0"},
        {", \"window\": -3", "", "$.data.join.window: expected a positive number"},
        {"", "", "$.data.join: missing required key 'window'"},
        {", \"window\": 2, \"offset\": -1", "", "$.data.join.offset: expected a number >= 0, not -1"},
        {", \"window\": \"48h\"", "", "$.data.join.window: expected a number"},
        {", \"window\": 2, \"aggregate\": \"mean\"", "", "$.data.join.aggregate: expected \"each\""},
        {", \"window\": 2, \"target\": \"sepsis\"", "", "$.data.join: give both event_type"},
        {", \"window\": 2, \"event_type\": \"type\"", "", "$.data.join: give both event_type"},
        {", \"window\": 2, \"as_of\": 5", "", "$.data.join.as_of: expected a non-empty string"},
        {", \"window\": 2, \"windw\": 2", "", "$.data.join: unknown key 'windw' (accepted: predictions, events,"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char json[1024];
        snprintf(json, sizeof json, "{\"data\": {%s\"join\": {%s%s}, \"columns\": {}}}", bad[i].data, J, bad[i].extra);
        assert_int_equal(parse(json, &c), VIGIL_EINVAL);
        expect_msg(bad[i].msg);
    }
    assert_int_equal(parse("{\"data\": {\"columns\": {}}}", &c), VIGIL_EINVAL);
    expect_msg("$.data: missing required key 'path' (a case file) or 'join'");
    assert_int_equal(parse("{\"data\": {\"join\": {\"events\": \"e.csv\"}, \"columns\": {}}}", &c), VIGIL_EINVAL);
    expect_msg("$.data.join: missing required key 'predictions'");
    char json[1024];
    snprintf(json, sizeof json, "{\"data\": {\"join\": {%s, \"window\": 2}, \"columns\": {\"class_scores\": \"p_\"}}}", J);
    assert_int_equal(parse(json, &c), VIGIL_EINVAL);
    expect_msg("$.data.join: a join gives one score column; $.data.columns.class_scores (multi-class) needs a case file");
}

static void test_unknown_keys(void **state)
{
    vigil_data_config c;
    assert_int_equal(parse("{\"data\": {\"path\": \"cases.csv\", \"colums\": {}}}", &c), VIGIL_EINVAL);
    expect_msg("$.data: unknown key 'colums' (accepted: path, join, columns, types, missing, phi_allow, horizon, delimiter, train_ids)");
    expect_msg("suite.json");
    assert_int_equal(parse("{\"data\": {\"path\": \"cases.csv\", \"columns\": {\"lable\": \"death\"}}}", &c),
                     VIGIL_EINVAL);
    expect_msg("$.data.columns: unknown key 'lable'");
}

static void test_wrong_shapes(void **state)
{
    vigil_data_config c;
    assert_int_equal(parse("{\"data\": {\"columns\": {}}}", &c), VIGIL_EINVAL);
    expect_msg("$.data: missing required key 'path'");
    assert_int_equal(parse("{\"data\": {\"path\": 3, \"columns\": {}}}", &c), VIGIL_EINVAL);
    expect_msg("$.data.path: expected a non-empty string");
    assert_int_equal(parse("{\"data\": {\"path\": \"x\", \"columns\": {\"features\": [1]}}}", &c), VIGIL_EINVAL);
    expect_msg("$.data.columns.features[0]: expected a string");
    assert_int_equal(parse("{\"data\": {\"path\": \"x\", \"columns\": {}, \"types\": {\"a\": \"text\"}}}", &c),
                     VIGIL_EINVAL);
    expect_msg("$.data.types.a: expected \"numeric\" or \"categorical\"");
}

static void test_json_syntax_position(void **state)
{
    vigil_data_config c;
    assert_int_equal(parse("{\n  \"data\": {\n    \"path\": \"x\",,\n  }\n}", &c), VIGIL_EINVAL);
    expect_msg("suite.json:3:");
    expect_msg("not valid JSON");
}

/* cJSON keeps both members of a repeated key and answers the first; jq and Python answer the
 * last. Either way the file means two things, so it is refused with the path and position of the
 * second, at any depth, inside arrays, and with escapes and nested containers skipped before it. */
static void test_duplicate_keys(void **state)
{
    vigil_data_config c;
    assert_int_equal(parse("{\"data\": {\"path\": \"x\",\n \"path\": \"y\", \"columns\": {}}}", &c),
                     VIGIL_EINVAL);
    expect_msg("suite.json:2:2: $.data: duplicate key 'path' (first at line 1)");
    assert_int_equal(parse("{\"a\": [1, {\"s\": \"q\\\"}\", \"t\": [[], {}]},\n"
                           "  {\"k\": 1, \"k\": 2}], \"data\": {}}", &c), VIGIL_EINVAL);
    expect_msg("suite.json:2:12: $.a[2]: duplicate key 'k' (first at line 2)");
    /* the same key in sibling objects is not a repeat */
    assert_int_equal(parse("{\"data\": {\"path\": \"x\", \"columns\": {\"label\": \"death\"}, "
                           "\"types\": {\"label\": \"categorical\"}}}", &c), VIGIL_OK);
    vigil_data_config_clear(&c);
}

static void test_role_not_in_file(void **state)
{
    vigil_data_config c;
    assert_int_equal(parse("{\"data\": {\"path\": \"cases.csv\", \"columns\": {\"label\": \"died\"}}}", &c),
                     VIGIL_OK);
    vigil_table *t;
    assert_int_equal(vigil_data_load(&c, NULL, NULL, 0, &t), VIGIL_EINVAL);
    expect_msg("no column 'died' (named by $.data.columns.label in ");
    expect_msg("'case_id', 'yr', 'death'");
    vigil_data_config_clear(&c);
    assert_int_equal(parse("{\"data\": {\"path\": \"cases.csv\", \"columns\": {\"groups\": [\"sex+race\"]}}}", &c),
                     VIGIL_OK);
    assert_int_equal(vigil_data_load(&c, NULL, NULL, 0, &t), VIGIL_EINVAL);
    expect_msg("no column 'race' (named by $.data.columns.groups[0]");
    vigil_data_config_clear(&c);
    /* a type declared for a column that does not exist is a typo, not ignored */
    assert_int_equal(parse("{\"data\": {\"path\": \"cases.csv\", \"columns\": {}, \"types\": {\"gpr\": \"categorical\"}}}", &c),
                     VIGIL_OK);
    assert_int_equal(vigil_data_load(&c, NULL, NULL, 0, &t), VIGIL_EINVAL);
    expect_msg("'gpr', which is not a column");
    vigil_data_config_clear(&c);
    assert_int_equal(parse("{\"data\": {\"path\": \"nothere.csv\", \"columns\": {}}}", &c), VIGIL_OK);
    assert_int_equal(vigil_data_load(&c, NULL, NULL, 0, &t), VIGIL_EIO);
    expect_msg("nothere.csv: cannot open");
    vigil_data_config_clear(&c);
}

/* A name from data may hold '.' (a BMI band "1.0-1.5"): looked up by segments it is found whole;
 * the dotted getter splits it and finds nothing (the report showed a dash for every such level). */
static void test_json_segments(void **state)
{
    (void)state;
    cJSON *d = cJSON_Parse("{\"subgroups\": {\"bmi\": {\"levels\": {\"1.0-1.5\": {\"auroc\": 0.71}, "
                           "\"1\": {\"0-1\": {\"auroc\": 0.5}}}}}}");
    assert_non_null(d);
    const char *const p[] = {"subgroups", "bmi", "levels", "1.0-1.5", "auroc", NULL};
    assert_true(vigil_json_get_number(vigil_json_get_segs(d, p), "") == 0.71);
    /* no segment is split: "1.0-1.5" does not walk into "1" -> "0-1.5" */
    const char *const q[] = {"subgroups", "bmi", "levels", "1.0-1", NULL};
    assert_null(vigil_json_get_segs(d, q));
    assert_ptr_equal(vigil_json_get_segs(d, (const char *const[]){NULL}), d);
    assert_null(vigil_json_get_segs(NULL, p));
    cJSON_Delete(d);
}

/* Paths relative to a config file are shown without "dir/../" detours when the short form is
 * the same file, and kept as joined when a symlinked folder makes them differ (issue 18). */
static void test_path_normalised(void **state)
{
    (void)state;
    char base[] = "/tmp/vigil-paths-XXXXXX";
    assert_non_null(mkdtemp(base));
    char b[512], cfgf[512];
    snprintf(b, sizeof b, "mkdir -p %s/x/sub %s/y/sub && touch %s/x/d.csv %s/y/d.csv && ln -s %s/y/sub %s/x/link",
             base, base, base, base, base, base);
    assert_int_equal(system(b), 0);
    char *out = NULL;
    snprintf(cfgf, sizeof cfgf, "%s/x/sub/s.json", base);
    assert_int_equal(vigil_cfg_path(cfgf, "$.data.path", "../d.csv", &out), VIGIL_OK);
    snprintf(b, sizeof b, "%s/x/d.csv", base);
    assert_string_equal(out, b);
    free(out);
    /* x/link -> y/sub: x/link/../d.csv is y/d.csv for the kernel, not x/d.csv */
    snprintf(cfgf, sizeof cfgf, "%s/x/link/s.json", base);
    assert_int_equal(vigil_cfg_path(cfgf, "$.data.path", "../d.csv", &out), VIGIL_OK);
    snprintf(b, sizeof b, "%s/x/link/../d.csv", base);
    assert_string_equal(out, b);
    free(out);
    snprintf(b, sizeof b, "rm -rf %s", base);
    assert_int_equal(system(b), 0);
}

/* VIGIL_ROOTS (issue 19): the check is on the file opened, and that file is pinned: a symlink
 * re-pointed outside the roots between the check and the read is refused, by the whole-file
 * reader, the digest and the CSV reader alike; an unswapped path reads as before. */
static void test_roots_pinned(void **state)
{
    (void)state;
    char base[] = "/tmp/vigil-roots-XXXXXX";
    assert_non_null(mkdtemp(base));
    char b[1024], cfgf[512], link[512];
    snprintf(b, sizeof b,
             "mkdir -p %s/root %s/out && printf 'x,y\\n1,2\\n' >%s/root/in.csv && "
             "printf 'secret,phi\\n3,4\\n' >%s/out/secret.csv && ln -s %s/root/in.csv %s/root/link.csv",
             base, base, base, base, base, base);
    assert_int_equal(system(b), 0);
    snprintf(b, sizeof b, "%s/root", base);
    setenv("VIGIL_ROOTS", b, 1);
    snprintf(cfgf, sizeof cfgf, "%s/root/s.json", base);
    snprintf(link, sizeof link, "%s/root/link.csv", base);
    char *out = NULL, *text = NULL;
    size_t len;
    /* pointing outside at the check: refused as before */
    snprintf(b, sizeof b, "ln -sfn %s/out/secret.csv %s", base, link);
    assert_int_equal(system(b), 0);
    assert_int_equal(vigil_cfg_path(cfgf, "$.data.path", "link.csv", &out), VIGIL_EINVAL);
    expect_msg("outside the allowed roots");
    /* inside at the check, swapped before the read */
    snprintf(b, sizeof b, "ln -sfn %s/root/in.csv %s", base, link);
    assert_int_equal(system(b), 0);
    assert_int_equal(vigil_cfg_path(cfgf, "$.data.path", "link.csv", &out), VIGIL_OK);
    assert_int_equal(vigil_read_file(out, &text, &len), VIGIL_OK);
    assert_string_equal(text, "x,y\n1,2\n");
    free(text);
    snprintf(b, sizeof b, "ln -sfn %s/out/secret.csv %s", base, link);
    assert_int_equal(system(b), 0);
    text = NULL;
    assert_int_equal(vigil_read_file(out, &text, &len), VIGIL_EINVAL);
    assert_null(text);
    expect_msg("now names another file than the one checked against VIGIL_ROOTS");
    char hex[65];
    assert_int_equal(vigil_sha256_file(out, hex, NULL), VIGIL_EINVAL);
    vigil_table *t = NULL;
    assert_int_not_equal(vigil_table_read_csv(&t, out, NULL), VIGIL_OK);
    assert_null(t);
    expect_msg("now names another file");
    /* swapped back: the pinned file reads again */
    snprintf(b, sizeof b, "ln -sfn %s/root/in.csv %s", base, link);
    assert_int_equal(system(b), 0);
    assert_int_equal(vigil_read_file(out, &text, &len), VIGIL_OK);
    free(text);
    free(out);
    unsetenv("VIGIL_ROOTS");
    snprintf(b, sizeof b, "rm -rf %s", base);
    assert_int_equal(system(b), 0);
}

int main(void)
{
    vigil_init();
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {T(test_data_section), T(test_unknown_keys), T(test_wrong_shapes),
                                       T(test_json_syntax_position), T(test_duplicate_keys),
                                       T(test_role_not_in_file), cmocka_unit_test(test_json_segments), T(test_join_section),
                                       cmocka_unit_test(test_path_normalised), cmocka_unit_test(test_roots_pinned)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
