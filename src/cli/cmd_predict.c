/* vigil predict — score cases with a model. */
#include "cli/cases.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "core/util.h"
#include "vigil/error.h"
#include "vigil/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_predict_help[] =
    "usage: vigil predict --model M --data F.csv --out P.csv [--id COL] [--delimiter C]\n"
    "                     [--backend auto|cpu|cuda] [--threads N] [--allow-column C=WHY] [--all-trees]\n"
    "                     [--format table|json]\n"
    "\n"
    "Scores every case of F.csv with model M (XGBoost JSON, vigil-linear or vigil-mlp; see\n"
    "README \"Model formats\") and writes P.csv with the id and the score: `ID,score`, or one\n"
    "`score_<k>` column per class for a multi-class model. Model features are matched to CSV\n"
    "columns by name; a missing one is an error that names it. Scores equal XGBoost's own\n"
    "predict() within 1e-6 (float32 trees, summed in XGBoost's order).\n"
    "\n"
    "A model saved after early stopping keeps every tree and the round it kept\n"
    "(learner.attributes.best_iteration): vigil scores the trees of rounds 0..best_iteration,\n"
    "as XGBClassifier.predict_proba does; --all-trees scores every tree, as Booster.predict\n"
    "does. The JSON summary says which (model.trees_used, model.trees, model.best_iteration).\n"
    "\n"
    CLI_CASES_CATEGORICAL_HELP
    "\n";

static struct {
    cli_common c;
    const char *out, *id, *delimiter;
    int all_trees;
} A;

static const cli_option opts[] = {
    CLI_OPTS_DATA_MODEL(&A.c),
    CLI_OPT_STRING("out", 0, "P.csv", "where to write the scores (written to P.csv.tmp, then renamed)",
                   &A.out),
    CLI_OPT_STRING("id", 0, "COL", "id column copied to the output (default: the row number, 'row')",
                   &A.id),
    CLI_OPT_STRING("delimiter", 0, "C", "F.csv's field separator: ',' (default), ';', '|' or tab\n"
                   "(P.csv is written with commas)", &A.delimiter),
    CLI_OPTS_BACKEND_THREADS(&A.c),
    CLI_OPTS_ALLOW_COLUMN(&A.c),
    CLI_OPT_FLAG("all-trees", 0,
                 "score every tree of an early-stopped XGBoost model (Booster.predict), not\n"
                 "the trees up to best_iteration (XGBClassifier.predict_proba, the default)",
                 &A.all_trees),
    CLI_OPT_STRING("format", 0, "F",
                   "summary on stdout: 'table' (default) or 'json': {model: {describe,\n"
                   "sha256, trees, trees_used, best_iteration}, n, unseen_categories (categorical\n"
                   "models that store their categories), outputs, backend, threads, rows_per_second,\n"
                   "seconds: {load, compute, write}}",
                   &A.c.format),
    CLI_OPT_END,
};

const cli_spec cmd_predict_spec = {"predict", cmd_predict_help, opts, NULL};

int cmd_predict(int argc, char **argv)
{
    memset(&A, 0, sizeof A);
    vigil_phi_allow allow[CLI_LIST_MAX];
    size_t n_allow = 0;
    int npos, rc = cli_options_parse(&cmd_predict_spec, argc, argv, &npos);
    if (rc) return rc < 0 ? VIGIL_EXIT_OK : rc;
    if (cli_common_allow("predict", &A.c, allow, &n_allow)) return VIGIL_EXIT_USAGE;
    const char *model = A.c.model, *data = A.c.data, *out = A.out, *id = A.id;
    size_t threads = A.c.threads;
    if (npos > 0) return cli_usage("predict", "unexpected argument '%s'", argv[1]);
    if (!model || !data || !out) return cli_usage("predict", "--model, --data and --out are required");
    int json = cli_parse_format("predict", A.c.format);
    if (json < 0) return VIGIL_EXIT_USAGE;
    vigil_backend_options bo = VIGIL_BACKEND_OPTIONS_INIT;
    bo.threads = (int)threads;
    if (cli_parse_backend("predict", A.c.backend, &bo.backend)) return VIGIL_EXIT_USAGE;
    char delimiter;
    if (cli_parse_delimiter("predict", A.delimiter, &delimiter)) return VIGIL_EXIT_USAGE;

    double t0 = vigil_seconds();
    cli_cases cs;
    rc = cli_cases_load("predict", model, data, id, NULL, 0, allow, n_allow, delimiter, &cs);
    if (rc) return rc;
    size_t K = vigil_model_n_outputs(cs.model);
    double *scores = malloc(cs.n * K * sizeof *scores);
    int err = vigil_model_use_all_trees(cs.model, A.all_trees);
    if (err) {
        rc = cli_fail("predict", err);
        goto done;
    }
    if (!scores) {
        rc = cli_fail("predict", vigil_error_set(VIGIL_ENOMEM, "out of memory"));
        goto done;
    }
    double t1 = vigil_seconds();
    vigil_backend_kind used;
    err = vigil_model_predict(cs.model, cs.X, cs.n, &bo, scores, NULL, &used);
    if (err) {
        rc = cli_fail("predict", err);
        goto done;
    }
    double t2 = vigil_seconds();
    char names[64][16];
    const char *cols[64];
    if (K > 64) {
        rc = cli_fail("predict", vigil_error_set(VIGIL_EINVAL, "%zu classes: at most 64 score columns", K));
        goto done;
    }
    for (size_t k = 0; k < K; k++) {
        if (K == 1) snprintf(names[k], sizeof names[k], "score");
        else snprintf(names[k], sizeof names[k], "score_%zu", k);
        cols[k] = names[k];
    }
    if ((rc = cli_cases_write("predict", &cs, id, out, cols, K, scores)) != 0) goto done;
    double t3 = vigil_seconds();
    int T = bo.backend == VIGIL_BACKEND_CUDA || used == VIGIL_BACKEND_CUDA ? 0 : (threads ? (int)threads : 0);
    if (json) {
        cJSON *d = cJSON_CreateObject();
        cli_cases_json(d, &cs, model);
        cJSON *mj = cJSON_GetObjectItemCaseSensitive(d, "model");
        if (vigil_model_kind_of(cs.model) == VIGIL_MODEL_TREES) {
            /* Which trees were scored: an early-stopped model's best_iteration, or --all-trees. */
            cJSON_AddNumberToObject(mj, "trees", (double)vigil_model_n_trees(cs.model));
            cJSON_AddNumberToObject(mj, "trees_used", (double)vigil_model_trees_used(cs.model));
            long bi = vigil_model_best_iteration(cs.model);
            if (bi >= 0) cJSON_AddNumberToObject(mj, "best_iteration", (double)bi);
            else cJSON_AddNullToObject(mj, "best_iteration");
            cJSON_AddBoolToObject(mj, "all_trees", A.all_trees != 0);
        }
        cJSON_AddNumberToObject(d, "outputs", (double)K);
        cJSON_AddStringToObject(d, "backend", vigil_backend_name(used));
        cJSON_AddStringToObject(d, "backend_detail", vigil_backend_describe(used));
        if (used == VIGIL_BACKEND_CPU) cJSON_AddNumberToObject(d, "threads", vigil_backend_threads(T));
        cJSON_AddStringToObject(d, "out", out);
        cli_json_number(d, "rows_per_second", t2 > t1 ? (double)cs.n / (t2 - t1) : 0);
        cJSON *s = cJSON_AddObjectToObject(d, "seconds");
        cJSON_AddNumberToObject(s, "load", t1 - t0);
        cJSON_AddNumberToObject(s, "compute", t2 - t1);
        cJSON_AddNumberToObject(s, "write", t3 - t2);
        cli_print_json(d);
    } else {
        printf("scored %zu cases with %s on %s; wrote %s\n", cs.n, vigil_model_describe(cs.model),
               vigil_backend_name(used), out);
    }
    rc = VIGIL_EXIT_OK;
done:
    free(scores);
    cli_cases_free(&cs);
    return rc;
}
