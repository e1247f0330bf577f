/* vigil suite — run a validation suite, or compare two stored suite runs. */
#include "cli/cli.h"
#include "cli/cases.h"
#include "cli/options.h"
#include "core/dist.h"
#include "vigil/error.h"
#include "vigil/store.h"
#include "vigil/suite.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char cmd_suite_help[] =
    "usage: vigil suite run SUITE.json [--db FILE] [--threads N] [--backend auto|cpu|cuda]\n"
    "                      [--format table|json]\n"
    "       vigil suite diff RUN_A RUN_B [--db FILE] [--format table|json]\n"
    "\n"
    "run: validates the suite file completely (unknown metrics, rules, columns and model\n"
    "features are refused before anything is computed), reads the case file once, scores it\n"
    "with the candidate (and the predecessor), computes what the criteria need — metrics and\n"
    "subgroups with CIs, paired comparisons with the predecessor (AUROC: paired DeLong; the\n"
    "time-to-event AUROC and Brier at H: influence-function contrast, as riskRegression::Score;\n"
    "other metrics: paired bootstrap), shadow replay, drift gate, SHAP importance — and prints one\n"
    "line per criterion: observed value, 95% CI, the rule it is held to, PASS or FAIL.\n"
    "Everything is stored as one run (kind 'suite'); the same suite on the same inputs gives\n"
    "the same result digest (see `vigil history`). The suite format is in suites/README.md.\n"
    "\n"
    "diff: what changed between two stored suite runs: input files (SHA-256), verdicts per\n"
    "criterion, observed values, and every other stored value that differs (metrics of both\n"
    "models at every level, the paired comparison, settings such as seed and replicates):\n"
    "values_changed counts them, values lists up to 500 as {path, a, b}.\n"
    "\n";

static const char epilogue[] =
    "JSON: run prints the stored result document plus run_id and seconds.{load,compute,write};\n"
    "diff prints {a, b, files, same_inputs, same_results, a_passed, b_passed, criteria,\n"
    "values, values_changed}.\n"
    "\n"
    "Exit status: 0 every criterion passed, 1 a criterion failed, 2 bad suite or input,\n"
    "3 internal error.\n";

static void on_progress(void *ctx, const char *stage, size_t done, size_t total)
{
    (void)ctx;
    cli_progress(stage, done, total);
}

static void fmt_value(char *buf, size_t cap, double v)
{
    if (!isnan(v)) snprintf(buf, cap, "%.4g", v);
    else snprintf(buf, cap, "-");
}

static void print_table(const vigil_suite_result *res)
{
    cli_out("suite %s: %zu cases\n\n", vigil_suite_result_name(res), vigil_suite_result_n_cases(res));
    cli_out("%-36s  %10s  %-21s  %-28s  %s\n", "criterion", "observed", "95% CI", "rule", "verdict");
    int n_fail = 0, n_all = 0;
    for (size_t i = 0; i < vigil_suite_result_n_criteria(res); i++) {
        const vigil_suite_criterion *c = vigil_suite_result_criterion(res, i);
        char obs[32], lo[32], hi[32], ci[80];
        fmt_value(obs, sizeof obs, c->observed);
        fmt_value(lo, sizeof lo, c->ci_low);
        fmt_value(hi, sizeof hi, c->ci_high);
        if (strcmp(lo, "-") == 0 && strcmp(hi, "-") == 0) snprintf(ci, sizeof ci, "-");
        else snprintf(ci, sizeof ci, "[%s, %s]", lo, hi);
        n_all++, n_fail += !c->pass;
        cli_out("%-36.36s  %10s  %-21s  %-28.28s  %s\n", c->name, obs, ci, c->threshold, c->pass ? "PASS" : "FAIL");
        if (c->detail[0]) cli_out("%-36s    %s\n", "", c->detail);
    }
    cli_out("\nverdict: %s (%d of %d criteria passed)   stored as run %lld\n",
           n_fail ? "FAILED" : "PASSED", n_all - n_fail, n_all, (long long)vigil_suite_result_run_id(res));
}

static int parse_id(const char *s, int64_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v <= 0) return -1;
    *out = v;
    return 0;
}

/* One set of destinations for both subcommands: --db and --format mean the same in each. */
static cli_common A;

static const cli_option run_opts[] = {
    CLI_OPTS_DB(&A),
    CLI_OPTS_BACKEND_THREADS(&A),
    CLI_OPTS_FORMAT(&A),
    CLI_OPT_END,
};

static const cli_option diff_opts[] = {
    CLI_OPTS_DB(&A),
    CLI_OPTS_FORMAT(&A),
    CLI_OPT_END,
};

static const cli_spec run_spec = {"suite", cmd_suite_help, run_opts, epilogue};
static const cli_spec diff_spec = {"suite", cmd_suite_help, diff_opts, epilogue};
static const cli_option opts[] = {
    CLI_OPT_SUBCOMMAND("run", &run_spec),
    CLI_OPT_SUBCOMMAND("diff", &diff_spec),
    CLI_OPT_END,
};
const cli_spec cmd_suite_spec = {"suite", cmd_suite_help, opts, epilogue};

int cmd_suite(int argc, char **argv)
{
    memset(&A, 0, sizeof A);
    const cli_spec *spec;
    int npos, at = cli_options_find_sub(&cmd_suite_spec, argc, argv, &spec);
    const char *sub = at ? argv[at] : NULL;
    if (spec) { /* the subcommand leaves argv; the rest parses with its table */
        memmove(argv + at, argv + at + 1, (size_t)(argc - at - 1) * sizeof *argv);
        argc--;
    }
    /* Without a known subcommand, run's table (every option suite has) still reports a bad
     * option or format first, as before. */
    int prc = cli_options_parse(spec ? spec : &run_spec, argc, argv, &npos);
    if (prc) return prc < 0 ? VIGIL_EXIT_OK : prc;
    const char *db = A.db;
    int json = cli_parse_format("suite", A.format);
    if (json < 0) return VIGIL_EXIT_USAGE;
    if (!sub) return cli_usage("suite", "give a subcommand: run SUITE.json, or diff RUN_A RUN_B");
    if (!spec) return cli_usage("suite", "unknown subcommand '%s' (run, diff)", sub);
    vigil_store *store = NULL;
    char *doc = NULL;
    int rc, err;

    if (spec == &diff_spec) {
        int64_t a, b;
        if (vigil_dist_size() > 1)
            return cli_usage("suite", "suite diff does not split across MPI ranks (drift, metrics and suite run do): "
                             "run it without mpirun");
        if (npos != 2) return cli_usage("suite", "diff needs two run ids");
        if (parse_id(argv[1], &a) || parse_id(argv[2], &b))
            return cli_usage("suite", "run ids are positive whole numbers, not '%s' '%s'", argv[1], argv[2]);
        if ((rc = cli_open_store("suite", db, 1, &store)) != 0) return rc;
        if ((err = json ? vigil_suite_diff(store, a, b, &doc) : vigil_suite_diff_text(store, a, b, &doc)) != 0) {
            rc = cli_fail("suite", err);
            goto done;
        }
        if (json) printf("%s\n", doc);
        else fputs(doc, stdout);
        rc = VIGIL_EXIT_OK;
        goto done;
    }
    if (npos != 1) return cli_usage("suite", "run needs one suite file");
    vigil_suite_options so = VIGIL_SUITE_OPTIONS_INIT;
    so.threads = (int)A.threads;
    if (cli_parse_backend("suite", A.backend, &so.backend)) return VIGIL_EXIT_USAGE;
    so.progress = on_progress;
    /* Under MPI rank 0 alone opens the store and stores the run; the others compute their share
     * of the bootstrap with no store. Whether it opened is every rank's to know. */
    rc = vigil_dist_rank() == 0 ? cli_open_store("suite", db, 0, &store) : VIGIL_EXIT_OK;
    err = vigil_dist_agree(rc ? (vigil_error_last_code() ? vigil_error_last_code() : VIGIL_EIO) : VIGIL_OK);
    if (err) return rc ? rc : vigil_error_exit_status(err); /* the status rank 0 exits with */
    vigil_suite_result *res = NULL;
    err = vigil_suite_run_result(&res, store, argv[1], &so);
    cli_progress_end();
    if (err) {
        rc = cli_fail("suite", err);
        goto done;
    }
    /* the library's document as it is; the table from the typed result */
    if (json) printf("%s\n", vigil_suite_result_json(res));
    else print_table(res);
    rc = vigil_suite_result_passed(res) ? VIGIL_EXIT_OK : VIGIL_EXIT_CRITERION;
    vigil_suite_result_free(res);
done:
    free(doc);
    vigil_store_close(store);
    return rc;
}
