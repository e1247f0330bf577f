/* vigil suite — run a validation suite, or compare two stored suite runs. */
#include "cli/cli.h"
#include "vigil/error.h"
#include "vigil/store.h"
#include "vigil/suite.h"

#include <getopt.h>
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
    "subgroups with CIs, paired comparisons with the predecessor (AUROC: paired DeLong; other\n"
    "metrics: paired bootstrap), shadow replay, drift gate, SHAP importance — and prints one\n"
    "line per criterion: observed value, 95% CI, the rule it is held to, PASS or FAIL.\n"
    "Everything is stored as one run (kind 'suite'); the same suite on the same inputs gives\n"
    "the same result digest (see `vigil history`). The suite format is in suites/README.md.\n"
    "\n"
    "diff: what changed between two stored suite runs: input files (SHA-256), verdicts per\n"
    "criterion, observed values, and every other stored value that differs (metrics of both\n"
    "models at every level, the paired comparison, settings such as seed and replicates):\n"
    "values_changed counts them, values lists up to 500 as {path, a, b}.\n"
    "\n"
    "  --db FILE        the run store (default: $VIGIL_DB, else ./vigil.db)\n"
    "  --threads N      threads for scoring and bootstrap (default: all cores)\n"
    "  --backend B      scoring backend (default auto: CUDA when a device answers)\n"
    "  --format F       'table' (default) or 'json' (the stored result document plus run_id\n"
    "                   and seconds.{load,compute,write})\n"
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
    printf("suite %s: %zu cases\n\n", vigil_suite_result_name(res), vigil_suite_result_n_cases(res));
    printf("%-36s  %10s  %-21s  %-28s  %s\n", "criterion", "observed", "95% CI", "rule", "verdict");
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
        printf("%-36.36s  %10s  %-21s  %-28.28s  %s\n", c->name, obs, ci, c->threshold, c->pass ? "PASS" : "FAIL");
        if (c->detail[0]) printf("%-36s    %s\n", "", c->detail);
    }
    printf("\nverdict: %s (%d of %d criteria passed)   stored as run %lld\n",
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

int cmd_suite(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"format", required_argument, 0, 'f'},
                                         {"threads", required_argument, 0, 't'},
                                         {"backend", required_argument, 0, 'b'},
                                         {0, 0, 0, 0}};
    const char *db = NULL, *format = NULL, *backend = "auto";
    size_t threads = 0;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'f': format = optarg; break;
        case 't':
            if (cli_parse_size("suite", "--threads", optarg, &threads)) return VIGIL_EXIT_USAGE;
            break;
        case 'b': backend = optarg; break;
        default: return cli_usage("suite", "unknown option '%s'", argv[optind - 1]);
        }
    }
    int json = cli_parse_format("suite", format);
    if (json < 0) return VIGIL_EXIT_USAGE;
    if (optind >= argc) return cli_usage("suite", "give a subcommand: run SUITE.json, or diff RUN_A RUN_B");
    const char *sub = argv[optind++];
    vigil_store *store = NULL;
    char *doc = NULL;
    int rc, err;

    if (strcmp(sub, "diff") == 0) {
        int64_t a, b;
        if (argc - optind != 2) return cli_usage("suite", "diff needs two run ids");
        if (parse_id(argv[optind], &a) || parse_id(argv[optind + 1], &b))
            return cli_usage("suite", "run ids are positive whole numbers, not '%s' '%s'", argv[optind],
                             argv[optind + 1]);
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
    if (strcmp(sub, "run") != 0) return cli_usage("suite", "unknown subcommand '%s' (run, diff)", sub);
    if (argc - optind != 1) return cli_usage("suite", "run needs one suite file");
    vigil_suite_options so = {0};
    so.threads = (int)threads;
    if (strcmp(backend, "auto") == 0) so.backend = VIGIL_BACKEND_AUTO;
    else if (strcmp(backend, "cpu") == 0) so.backend = VIGIL_BACKEND_CPU;
    else if (strcmp(backend, "cuda") == 0) so.backend = VIGIL_BACKEND_CUDA;
    else return cli_usage("suite", "--backend: expected auto, cpu or cuda, not '%s'", backend);
    so.progress = on_progress;
    if ((rc = cli_open_store("suite", db, 0, &store)) != 0) return rc;
    vigil_suite_result *res = NULL;
    err = vigil_suite_run_result(&res, store, argv[optind], &so);
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
