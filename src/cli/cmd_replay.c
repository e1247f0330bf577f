/* vigil replay — re-score recorded shadow-mode cases and compare with the recorded scores. */
#include "cli/cases.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "vigil/error.h"
#include "vigil/run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_replay_help[] =
    "usage: vigil replay --model M --data F.csv --shadow COL [--id COL] [--delimiter C] [--tolerance T]\n"
    "                    [--max-ids N] [--backend B] [--threads N] [--allow-column C=WHY] [--all-trees]\n"
    "                    [--db FILE] [--no-store] [--format table|json]\n"
    "\n"
    "Shadow mode: the model scored these cases silently and the score was recorded in column\n"
    "COL. replay re-scores every case with M and compares: a case agrees when the two differ\n"
    "by at most T (default 1e-6). A model that cannot reproduce its own shadow log is not the\n"
    "model that was validated (wrong file, wrong features, a changed library): it fails.\n"
    "\n"
    "Prints REPRODUCED or NOT REPRODUCED with the agreement rate, the largest and mean\n"
    "absolute difference and the first disagreeing ids; stores the run (kind 'replay').\n"
    "\n";

static const char epilogue[] = "Exit status: 0 reproduced, 1 not reproduced, 2 bad input, 3 internal error.\n";

static struct {
    cli_common c;
    const char *shadow, *id, *delimiter;
    double tolerance;
    size_t max_ids;
    int all_trees;
} A;

static const cli_option opts[] = {
    CLI_OPTS_DATA_MODEL(&A.c),
    CLI_OPT_STRING("shadow", 0, "COL", "the recorded score column", &A.shadow),
    CLI_OPT_STRING("id", 0, "COL", "id column, for naming disagreeing cases (default: row numbers)",
                   &A.id),
    CLI_OPT_STRING("delimiter", 0, "C", "F.csv's field separator: ',' (default), ';', '|' or tab\n"
                   "(replay writes no CSV)", &A.delimiter),
    CLI_OPT_DOUBLE("tolerance", 0, "T", "largest difference that still agrees (default 1e-6)",
                   &A.tolerance),
    CLI_OPT_SIZE("max-ids", 0, "N", "disagreeing ids listed (default 20)", &A.max_ids),
    CLI_OPTS_BACKEND_THREADS(&A.c),
    CLI_OPTS_ALLOW_COLUMN(&A.c),
    CLI_OPT_FLAG("all-trees", 0,
                 "score every tree of an early-stopped XGBoost model (Booster.predict), not\n"
                 "the trees up to best_iteration (XGBClassifier.predict_proba, the default)",
                 &A.all_trees),
    CLI_OPTS_DB_NO_STORE(&A.c),
    CLI_OPT_STRING("format", 0, "F",
                   "'table' (default) or 'json': {run_id, n, agreement, n_disagree,\n"
                   "max_abs_diff, mean_abs_diff, tolerance, missing_recorded,\n"
                   "disagreeing_ids, reproduced, model, backend, unseen_categories\n"
                   "(categorical models that store their categories), seconds}",
                   &A.c.format),
    CLI_OPT_END,
};

const cli_spec cmd_replay_spec = {"replay", cmd_replay_help, opts, epilogue};

int cmd_replay(int argc, char **argv)
{
    vigil_phi_allow allow[CLI_LIST_MAX];
    size_t n_allow = 0;
    int npos;
    memset(&A, 0, sizeof A);
    A.tolerance = 1e-6;
    A.max_ids = 20;
    int rc = cli_options_parse(&cmd_replay_spec, argc, argv, &npos);
    if (rc) return rc < 0 ? VIGIL_EXIT_OK : rc;
    const char *model = A.c.model, *data = A.c.data, *shadow = A.shadow;
    double tol = A.tolerance;
    int no_store = A.c.no_store;
    if (!(tol >= 0)) return cli_usage("replay", "--tolerance must be >= 0");
    if (cli_common_allow("replay", &A.c, allow, &n_allow)) return VIGIL_EXIT_USAGE;
    if (npos > 0) return cli_usage("replay", "unexpected argument '%s'", argv[1]);
    if (!model || !data || !shadow) return cli_usage("replay", "--model, --data and --shadow are required");
    int json = cli_parse_format("replay", A.c.format);
    if (json < 0) return VIGIL_EXIT_USAGE;
    vigil_run_replay_options o = VIGIL_RUN_REPLAY_OPTIONS_INIT;
    o.backend.threads = (int)A.c.threads;
    if (cli_parse_backend("replay", A.c.backend, &o.backend.backend)) return VIGIL_EXIT_USAGE;
    if (cli_parse_delimiter("replay", A.delimiter, &o.delimiter)) return VIGIL_EXIT_USAGE;
    o.db_path = no_store ? NULL : cli_db_path(A.c.db);
    o.id = A.id;
    o.tolerance = tol;
    o.max_ids = A.max_ids;
    o.allow = allow;
    o.all_trees = A.all_trees;
    o.n_allow = n_allow;

    vigil_run_replay_result *r = NULL;
    int err = vigil_run_replay(&r, model, data, shadow, &o);
    if (err) return cli_fail("replay", err);
    int reproduced = vigil_run_replay_result_reproduced(r);
    if (json) {
        fputs(vigil_run_replay_result_json(r), stdout);
        fputc('\n', stdout);
    } else {
        size_t n = vigil_run_replay_result_n(r);
        double agree = vigil_run_replay_result_agreement(r);
        double mx = vigil_run_replay_result_max_abs_diff(r), mn = vigil_run_replay_result_mean_abs_diff(r);
        if (reproduced)
            printf("REPRODUCED: all %zu cases within %g of the recorded score (agreement %.4f, max |difference| "
                   "%.3g, mean |difference| %.3g)\n", n, tol, agree, mx, mn);
        else {
            printf("NOT REPRODUCED: %zu of %zu cases differ by more than %g (agreement %.4f, max |difference| "
                   "%.3g, mean |difference| %.3g)\n", vigil_run_replay_result_n_disagree(r), n, tol, agree, mx, mn);
            size_t k = vigil_run_replay_result_n_ids(r);
            for (size_t i = 0; i < k; i++)
                printf("%s%s", i ? ", " : "first: ", vigil_run_replay_result_id(r, i));
            if (k) putchar('\n');
        }
        if (!no_store) printf("stored as run %lld\n", (long long)vigil_run_replay_result_run_id(r));
    }
    vigil_run_replay_result_free(r);
    return reproduced ? VIGIL_EXIT_OK : VIGIL_EXIT_CRITERION;
}
