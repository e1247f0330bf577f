/* vigil replay — re-score recorded shadow-mode cases and compare with the recorded scores. */
#include "cli/cases.h"
#include "cli/cli.h"
#include "vigil/error.h"
#include "vigil/run.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_replay_help[] =
    "usage: vigil replay --model M --data F.csv --shadow COL [--id COL] [--tolerance T]\n"
    "                    [--max-ids N] [--backend B] [--threads N] [--allow-column C=WHY]\n"
    "                    [--db FILE] [--no-store] [--format table|json]\n"
    "\n"
    "Shadow mode: the model scored these cases silently and the score was recorded in column\n"
    "COL. replay re-scores every case with M and compares: a case agrees when the two differ\n"
    "by at most T (default 1e-6). A model that cannot reproduce its own shadow log is not the\n"
    "model that was validated (wrong file, wrong features, a changed library): it fails.\n"
    "\n"
    "Prints REPRODUCED or NOT REPRODUCED with the agreement rate, the largest and mean\n"
    "absolute difference and the first disagreeing ids; stores the run (kind 'replay').\n"
    "\n"
    "  --shadow COL       the recorded score column\n"
    "  --id COL           id column, for naming disagreeing cases (default: row numbers)\n"
    "  --tolerance T      largest difference that still agrees (default 1e-6)\n"
    "  --max-ids N        disagreeing ids listed (default 20)\n"
    "  --db FILE          run store (default: $VIGIL_DB, else ./vigil.db); --no-store skips it\n"
    "  --format F         'table' (default) or 'json': {run_id, n, agreement, n_disagree,\n"
    "                     max_abs_diff, mean_abs_diff, tolerance, missing_recorded,\n"
    "                     disagreeing_ids, reproduced, model, backend, seconds}\n"
    "\n"
    "Exit status: 0 reproduced, 1 not reproduced, 2 bad input, 3 internal error.\n";

int cmd_replay(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'},   {"data", required_argument, 0, 'd'},
        {"shadow", required_argument, 0, 's'},  {"id", required_argument, 0, 'i'},
        {"tolerance", required_argument, 0, 'T'}, {"max-ids", required_argument, 0, 'x'},
        {"backend", required_argument, 0, 'b'}, {"threads", required_argument, 0, 't'},
        {"db", required_argument, 0, 'D'},      {"no-store", no_argument, 0, 'n'},
        {"format", required_argument, 0, 'f'},  {"allow-column", required_argument, 0, 'A'},
        {0, 0, 0, 0}};
    const char *model = NULL, *data = NULL, *shadow = NULL, *id = NULL, *backend = NULL, *db = NULL,
               *format = NULL;
    double tol = 1e-6;
    size_t threads = 0, max_ids = 20, n_allow = 0;
    int no_store = 0, c;
    vigil_phi_allow allow[32];
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'd': data = optarg; break;
        case 's': shadow = optarg; break;
        case 'i': id = optarg; break;
        case 'b': backend = optarg; break;
        case 'D': db = optarg; break;
        case 'n': no_store = 1; break;
        case 'f': format = optarg; break;
        case 'T':
            if (cli_parse_double("replay", "--tolerance", optarg, &tol)) return VIGIL_EXIT_USAGE;
            if (!(tol >= 0)) return cli_usage("replay", "--tolerance must be >= 0");
            break;
        case 'x':
            if (cli_parse_size("replay", "--max-ids", optarg, &max_ids)) return VIGIL_EXIT_USAGE;
            break;
        case 't':
            if (cli_parse_size("replay", "--threads", optarg, &threads)) return VIGIL_EXIT_USAGE;
            break;
        case 'A':
            if (cli_parse_allow("replay", optarg, allow, &n_allow, 32)) return VIGIL_EXIT_USAGE;
            break;
        default:
            if (optopt) return cli_usage("replay", "option '%s' needs a value", argv[optind - 1]);
            return cli_usage("replay", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return cli_usage("replay", "unexpected argument '%s'", argv[optind]);
    if (!model || !data || !shadow) return cli_usage("replay", "--model, --data and --shadow are required");
    int json = cli_parse_format("replay", format);
    if (json < 0) return VIGIL_EXIT_USAGE;
    vigil_run_replay_options o = VIGIL_RUN_REPLAY_OPTIONS_INIT;
    o.backend.threads = (int)threads;
    if (cli_parse_backend("replay", backend, &o.backend.backend)) return VIGIL_EXIT_USAGE;
    o.db_path = no_store ? NULL : cli_db_path(db);
    o.id = id;
    o.tolerance = tol;
    o.max_ids = max_ids;
    o.allow = allow;
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
