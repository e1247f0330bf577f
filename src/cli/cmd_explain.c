/* vigil explain — SHAP attributions per case and global importance. */
#include "cli/cases.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "vigil/error.h"
#include "vigil/explain.h"
#include "vigil/model.h"
#include "vigil/run.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_explain_help[] =
    "usage: vigil explain --model M --data F.csv --out S.csv [--id COL] [--background R.csv] [--delimiter C]\n"
    "                     [--backend auto|cpu|cuda] [--threads N] [--max-background N] [--seed S]\n"
    "                     [--mlp-method auto|exact|kernel] [--samples N]\n"
    "                     [--group COL]... [--allow-column C=WHY] [--all-trees] [--db FILE] [--no-store]\n"
    "                     [--format table|json]\n"
    "\n"
    "Writes S.csv: the id, one column per model feature (named as in the model) holding that\n"
    "feature's SHAP value, and base_value. Values are on the model's MARGIN (log-odds for\n"
    "logistic models): base_value + the feature columns = the margin, for every row. For a\n"
    "multi-class model the columns are <feature>_class<k> and base_value_class<k>.\n"
    "\n"
    "  trees (XGBoost)  exact path-dependent TreeSHAP: the values of XGBoost's\n"
    "                   predict(pred_contribs=True), computed in double precision\n"
    "  vigil-linear     exact: beta_j * (x_j - mean_j), means over the background\n"
    "  vigil-mlp        Shapley values of the interventional game over a background sample:\n"
    "                   exact (all 2^F coalitions) up to 12 features, KernelSHAP with paired\n"
    "                   sampling beyond (its largest standard error is reported)\n"
    "\n"
    CLI_CASES_CATEGORICAL_HELP
    "\n";

static const char epilogue[] =
    "completeness.max_abs_error is the largest |base_value + sum of attributions - margin| over\n"
    "all rows and outputs, the margin scored by the inference core (float32 trees): expect\n"
    "about 1e-6 for trees and 1e-12 for linear and MLP models.\n";

#define MAX_GROUPS 16

static struct {
    cli_common c;
    const char *out, *id, *background, *mlp_method, *delimiter;
    size_t max_background, seed, samples;
    cli_list groups;
    int all_trees;
} A;

static const cli_option opts[] = {
    CLI_OPT_STRING("model", 0, "M", "model file (XGBoost JSON, vigil-linear or vigil-mlp)", &A.c.model),
    CLI_OPT_STRING("data", 0, "F.csv", "cases to explain", &A.c.data),
    CLI_OPT_STRING("out", 0, "S.csv", "attributions (written to S.csv.tmp, then renamed)", &A.out),
    CLI_OPT_STRING("id", 0, "COL", "id column copied to the output (default: the row number, 'row')",
                   &A.id),
    CLI_OPT_STRING("background", 0, "R.csv",
                   "reference cases for linear and MLP models (default: F.csv itself);\n"
                   "TreeSHAP uses the covers stored in the trees instead",
                   &A.background),
    CLI_OPT_STRING("delimiter", 0, "C", "field separator of F.csv and R.csv: ',' (default), ';', '|' or tab\n"
                   "(S.csv is written with commas)", &A.delimiter),
    CLI_OPT_SIZE("max-background", 0, "N", "MLP: at most N background rows, a seeded sample (default 100)",
                 &A.max_background),
    CLI_OPT_SIZE("seed", 0, "S", "seed of that sample and of KernelSHAP's coalitions (default 1)", &A.seed),
    CLI_OPT_CHOICE("mlp-method", 0, "M", "auto|exact|kernel",
                   "MLP: auto (default: exact up to 12 features), exact (up to 20) or\n"
                   "kernel (KernelSHAP, any number of features)",
                   &A.mlp_method),
    CLI_OPT_SIZE("samples", 0, "N",
                 "KernelSHAP: coalitions per case, in complementary pairs (default\n"
                 "2048); the error shrinks as 1/sqrt(N): kernel_shap.max_standard_error",
                 &A.samples),
    CLI_OPT_STRING("backend", 0, "B", "trees: auto (CUDA when a device answers), cpu or cuda",
                   &A.c.backend),
    CLI_OPT_SIZE("threads", 0, "N", "CPU threads (default: all cores)", &A.c.threads),
    CLI_OPT_LIST("group", 0, "COL",
                 "also the mean |SHAP| per level of COL (repeatable); a level with\n"
                 "fewer than 11 cases is suppressed (CMS cell-size policy)",
                 &A.groups),
    CLI_OPTS_ALLOW_COLUMN(&A.c),
    CLI_OPT_FLAG("all-trees", 0,
                 "score every tree of an early-stopped XGBoost model (Booster.predict), not\n"
                 "the trees up to best_iteration (XGBClassifier.predict_proba, the default)",
                 &A.all_trees),
    CLI_OPT_STRING("db", 0, "FILE",
                   "run store (default: $VIGIL_DB, else ./vigil.db): the run keeps the\n"
                   "summary (no case's values)",
                   &A.c.db),
    CLI_OPT_FLAG("no-store", 0, "do not record the run in the store", &A.c.no_store),
    CLI_OPT_STRING("format", 0, "F",
                   "summary on stdout: 'table' (default) or 'json': {model, n, outputs,\n"
                   "features, method, backend, threads, background, global_importance,\n"
                   "by_group (with --group), run_id (when stored),\n"
                   "completeness: {max_abs_error}, rows_per_second,\n"
                   "kernel_shap: {samples, max_standard_error} (KernelSHAP only),\n"
                   "seconds: {load, compute, write}}",
                   &A.c.format),
    CLI_OPT_END,
};

const cli_spec cmd_explain_spec = {"explain", cmd_explain_help, opts, epilogue};

int cmd_explain(int argc, char **argv)
{
    vigil_phi_allow allow[CLI_LIST_MAX];
    size_t n_allow = 0;
    int npos;
    memset(&A, 0, sizeof A);
    A.max_background = 100;
    A.seed = 1;
    A.samples = SIZE_MAX; /* not given: the library's default; 0 given is refused below */
    int rc = cli_options_parse(&cmd_explain_spec, argc, argv, &npos);
    if (rc) return rc < 0 ? VIGIL_EXIT_OK : rc;
    const char *model = A.c.model, *data = A.c.data, *out = A.out;
    int no_store = A.c.no_store;
    if (!A.max_background) return cli_usage("explain", "--max-background must be at least 1");
    if (A.samples < 16) return cli_usage("explain", "--samples must be at least 16");
    if (A.groups.n > MAX_GROUPS) return cli_usage("explain", "at most %d --group columns", MAX_GROUPS);
    if (cli_common_allow("explain", &A.c, allow, &n_allow)) return VIGIL_EXIT_USAGE;
    if (npos > 0) return cli_usage("explain", "unexpected argument '%s'", argv[1]);
    if (!model || !data || !out) return cli_usage("explain", "--model, --data and --out are required");
    int json = cli_parse_format("explain", A.c.format);
    if (json < 0) return VIGIL_EXIT_USAGE;
    vigil_run_explain_options o = VIGIL_RUN_EXPLAIN_OPTIONS_INIT;
    if (cli_parse_backend("explain", A.c.backend, &o.backend)) return VIGIL_EXIT_USAGE;
    if (cli_parse_delimiter("explain", A.delimiter, &o.delimiter)) return VIGIL_EXIT_USAGE;
    o.db_path = no_store ? NULL : cli_db_path(A.c.db);
    o.id = A.id;
    o.background = A.background;
    o.groups = (const char *const *)A.groups.v;
    o.n_groups = A.groups.n;
    o.allow = allow;
    o.all_trees = A.all_trees;
    o.n_allow = n_allow;
    o.threads = (int)A.c.threads;
    o.max_background = A.max_background;
    o.seed = A.seed;
    o.mlp_method = !A.mlp_method || strcmp(A.mlp_method, "auto") == 0 ? VIGIL_MLP_AUTO
                   : strcmp(A.mlp_method, "exact") == 0              ? VIGIL_MLP_EXACT
                                                                     : VIGIL_MLP_KERNEL;
    o.mlp_samples = A.samples == SIZE_MAX ? 0 : A.samples;

    vigil_run_explain_result *r = NULL;
    int err = vigil_run_explain(&r, model, data, out, &o);
    if (err) return cli_fail("explain", err);
    if (json) {
        fputs(vigil_run_explain_result_json(r), stdout);
        fputc('\n', stdout);
    } else {
        printf("explained %zu cases with %s (%s, %s); wrote %s\n", vigil_run_explain_result_n(r),
               vigil_run_explain_result_describe(r), vigil_run_explain_result_method(r),
               vigil_backend_name(vigil_run_explain_result_backend(r)), out);
        printf("%-24s %s\n", "feature", "mean |SHAP|");
        for (size_t j = 0; j < vigil_run_explain_result_n_features(r); j++) {
            const char *f;
            double v;
            vigil_run_explain_result_importance(r, j, &f, &v);
            printf("%-24s %.6g\n", f, v);
        }
        printf("completeness: max |base + sum - margin| = %.3g\n", vigil_run_explain_result_max_abs_error(r));
        if (vigil_run_explain_result_samples(r))
            printf("KernelSHAP: %zu coalitions per case; largest standard error of an attribution %.3g\n",
                   vigil_run_explain_result_samples(r), vigil_run_explain_result_max_se(r));
        if (!no_store) printf("stored as run %lld\n", (long long)vigil_run_explain_result_run_id(r));
    }
    vigil_run_explain_result_free(r);
    return VIGIL_EXIT_OK;
}
