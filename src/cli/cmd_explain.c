/* vigil explain — SHAP attributions per case and global importance. */
#include "cli/cases.h"
#include "cli/cli.h"
#include "vigil/error.h"
#include "vigil/explain.h"
#include "vigil/model.h"
#include "vigil/run.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_explain_help[] =
    "usage: vigil explain --model M --data F.csv --out S.csv [--id COL] [--background R.csv]\n"
    "                     [--backend auto|cpu|cuda] [--threads N] [--max-background N] [--seed S]\n"
    "                     [--mlp-method auto|exact|kernel] [--samples N]\n"
    "                     [--group COL]... [--allow-column C=WHY] [--db FILE] [--no-store]\n"
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
    "  --model M          model file (XGBoost JSON, vigil-linear or vigil-mlp)\n"
    "  --data F.csv       cases to explain\n"
    "  --out S.csv        attributions (written to S.csv.tmp, then renamed)\n"
    "  --id COL           id column copied to the output (default: the row number, 'row')\n"
    "  --background R.csv reference cases for linear and MLP models (default: F.csv itself);\n"
    "                     TreeSHAP uses the covers stored in the trees instead\n"
    "  --max-background N MLP: at most N background rows, a seeded sample (default 100)\n"
    "  --seed S           seed of that sample and of KernelSHAP's coalitions (default 1)\n"
    "  --mlp-method M     MLP: auto (default: exact up to 12 features), exact (up to 20) or\n"
    "                     kernel (KernelSHAP, any number of features)\n"
    "  --samples N        KernelSHAP: coalitions per case, in complementary pairs (default\n"
    "                     2048); the error shrinks as 1/sqrt(N): kernel_shap.max_standard_error\n"
    "  --backend B        trees: auto (CUDA when a device answers), cpu or cuda\n"
    "  --threads N        CPU threads (default: all cores)\n"
    "  --group COL        also the mean |SHAP| per level of COL (repeatable); a level with\n"
    "                     fewer than 11 cases is suppressed (CMS cell-size policy)\n"
    "  --allow-column C=WHY  let column C through the PHI guard, with a justification\n"
    "  --db FILE          run store (default: $VIGIL_DB, else ./vigil.db): the run keeps the\n"
    "                     summary below (no case's values); --no-store skips it\n"
    "  --format F         summary on stdout: 'table' (default) or 'json': {model, n, outputs,\n"
    "                     features, method, backend, threads, background, global_importance,\n"
    "                     by_group (with --group), run_id (when stored),\n"
    "                     completeness: {max_abs_error}, rows_per_second,\n"
    "                     kernel_shap: {samples, max_standard_error} (KernelSHAP only),\n"
    "                     seconds: {load, compute, write}}\n"
    "\n"
    "completeness.max_abs_error is the largest |base_value + sum of attributions - margin| over\n"
    "all rows and outputs, the margin scored by the inference core (float32 trees): expect\n"
    "about 1e-6 for trees and 1e-12 for linear and MLP models.\n";

int cmd_explain(int argc, char **argv)
{
    static const struct option opts[] = {{"model", required_argument, 0, 'm'},
                                         {"data", required_argument, 0, 'd'},
                                         {"out", required_argument, 0, 'o'},
                                         {"id", required_argument, 0, 'i'},
                                         {"background", required_argument, 0, 'B'},
                                         {"max-background", required_argument, 0, 'M'},
                                         {"seed", required_argument, 0, 's'},
                                         {"backend", required_argument, 0, 'b'},
                                         {"threads", required_argument, 0, 't'},
                                         {"format", required_argument, 0, 'f'},
                                         {"allow-column", required_argument, 0, 'A'},
                                         {"group", required_argument, 0, 'g'},
                                         {"db", required_argument, 0, 'D'},
                                         {"no-store", no_argument, 0, 'n'},
                                         {"mlp-method", required_argument, 0, 'K'},
                                         {"samples", required_argument, 0, 'S'},
                                         {0, 0, 0, 0}};
    const char *model = NULL, *data = NULL, *out = NULL, *id = NULL, *backend = NULL, *format = NULL, *bg = NULL;
    size_t threads = 0, n_allow = 0, maxbg = 100, seed = 1, samples = 0;
    vigil_mlp_method mlp_method = VIGIL_MLP_AUTO;
    vigil_phi_allow allow[32];
    const char *groups[16], *db = NULL;
    size_t n_groups = 0;
    int c, no_store = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'd': data = optarg; break;
        case 'o': out = optarg; break;
        case 'i': id = optarg; break;
        case 'B': bg = optarg; break;
        case 'b': backend = optarg; break;
        case 'f': format = optarg; break;
        case 't':
            if (cli_parse_size("explain", "--threads", optarg, &threads)) return VIGIL_EXIT_USAGE;
            break;
        case 'M':
            if (cli_parse_size("explain", "--max-background", optarg, &maxbg)) return VIGIL_EXIT_USAGE;
            if (!maxbg) return cli_usage("explain", "--max-background must be at least 1");
            break;
        case 's':
            if (cli_parse_size("explain", "--seed", optarg, &seed)) return VIGIL_EXIT_USAGE;
            break;
        case 'D': db = optarg; break;
        case 'n': no_store = 1; break;
        case 'K':
            if (strcmp(optarg, "auto") == 0) mlp_method = VIGIL_MLP_AUTO;
            else if (strcmp(optarg, "exact") == 0) mlp_method = VIGIL_MLP_EXACT;
            else if (strcmp(optarg, "kernel") == 0) mlp_method = VIGIL_MLP_KERNEL;
            else return cli_usage("explain", "--mlp-method expects auto, exact or kernel, got '%s'", optarg);
            break;
        case 'S':
            if (cli_parse_size("explain", "--samples", optarg, &samples)) return VIGIL_EXIT_USAGE;
            if (samples < 16) return cli_usage("explain", "--samples must be at least 16");
            break;
        case 'g':
            if (n_groups == 16) return cli_usage("explain", "at most 16 --group columns");
            groups[n_groups++] = optarg;
            break;
        case 'A':
            if (cli_parse_allow("explain", optarg, allow, &n_allow, 32)) return VIGIL_EXIT_USAGE;
            break;
        default:
            if (optopt) return cli_usage("explain", "option '%s' needs a value", argv[optind - 1]);
            return cli_usage("explain", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return cli_usage("explain", "unexpected argument '%s'", argv[optind]);
    if (!model || !data || !out) return cli_usage("explain", "--model, --data and --out are required");
    int json = cli_parse_format("explain", format);
    if (json < 0) return VIGIL_EXIT_USAGE;
    vigil_run_explain_options o = VIGIL_RUN_EXPLAIN_OPTIONS_INIT;
    if (cli_parse_backend("explain", backend, &o.backend)) return VIGIL_EXIT_USAGE;
    o.db_path = no_store ? NULL : cli_db_path(db);
    o.id = id;
    o.background = bg;
    o.groups = groups;
    o.n_groups = n_groups;
    o.allow = allow;
    o.n_allow = n_allow;
    o.threads = (int)threads;
    o.max_background = maxbg;
    o.seed = seed;
    o.mlp_method = mlp_method;
    o.mlp_samples = samples;

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
