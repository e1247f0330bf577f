/* vigil synth — synthetic shadow-mode case files for benchmarks and power studies. */
#include "cli/cli.h"
#include "vigil/error.h"
#include "vigil/synth.h"

#include <getopt.h>

const char cmd_synth_help[] =
    "usage: vigil synth --out FILE.csv [--rows N] [--features K] [--seed S]\n"
    "                   [--missing RATE] [--drift KIND] [--shift X] [--drift-start F]\n"
    "                   [--days D] [--end-date YYYY-MM-DD] [--prevalence P]\n"
    "\n"
    "Writes a seeded synthetic shadow-mode case file: case_id, date, sex, age_band, cat1,\n"
    "x1..xK (numeric, N(0,1); x1 and x2 correlated), label, score (the model's probability)\n"
    "and shadow_score (as recorded in shadow mode). The same seed gives the same file.\n"
    "\n"
    "  --rows N          cases (default 10000)\n"
    "  --features K      numeric features (default 10, at most 1000)\n"
    "  --seed S          random seed (default 1)\n"
    "  --missing RATE    share of feature values left empty, MCAR (default 0.02)\n"
    "  --drift KIND      none (default), covariate (x1 shifts by X SD, cat1 'd' grows),\n"
    "                    label (prevalence moves: intercept + X), concept (x1's effect on\n"
    "                    the outcome reverses; the score does not know), subgroup (for\n"
    "                    sex=F the score degrades: noise of X SD)\n"
    "  --shift X         drift size (default 0.5)\n"
    "  --drift-start F   fraction of the period after which drift applies (default 0.5)\n"
    "  --days D          cases spread over D days (default 365), in time order\n"
    "  --end-date DATE   last day (default 2026-01-01)\n"
    "  --prevalence P    approximate outcome rate without drift (default 0.15)\n";

static void progress(void *ctx, size_t done, size_t total) { cli_progress("synth: rows", done, total); }

int cmd_synth(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, 0, 'o'},      {"rows", required_argument, 0, 'r'},
        {"features", required_argument, 0, 'k'}, {"seed", required_argument, 0, 's'},
        {"missing", required_argument, 0, 'm'},  {"drift", required_argument, 0, 'd'},
        {"shift", required_argument, 0, 'x'},    {"drift-start", required_argument, 0, 't'},
        {"days", required_argument, 0, 'D'},     {"end-date", required_argument, 0, 'e'},
        {"prevalence", required_argument, 0, 'p'}, {0, 0, 0, 0}};
    vigil_synth_options o;
    vigil_synth_defaults(&o);
    const char *out = NULL;
    size_t seed;
    int c, rc = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1 && rc == 0) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'r': rc = cli_parse_size("synth", "--rows", optarg, &o.rows); break;
        case 'k': rc = cli_parse_size("synth", "--features", optarg, &o.features); break;
        case 's':
            rc = cli_parse_size("synth", "--seed", optarg, &seed);
            o.seed = seed;
            break;
        case 'm': rc = cli_parse_double("synth", "--missing", optarg, &o.missing_rate); break;
        case 'd': {
            int k = vigil_synth_parse_drift(optarg);
            if (k < 0)
                return cli_usage("synth", "unknown drift '%s' (expected none, covariate, label, "
                                          "concept or subgroup)", optarg);
            o.drift = (vigil_drift_kind)k;
            break;
        }
        case 'x': rc = cli_parse_double("synth", "--shift", optarg, &o.shift); break;
        case 't': rc = cli_parse_double("synth", "--drift-start", optarg, &o.drift_start); break;
        case 'D': rc = cli_parse_size("synth", "--days", optarg, &o.days); break;
        case 'e': o.end_date = optarg; break;
        case 'p': rc = cli_parse_double("synth", "--prevalence", optarg, &o.prevalence); break;
        default: return cli_usage("synth", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (rc) return rc;
    if (optind < argc) return cli_usage("synth", "unexpected argument '%s'", argv[optind]);
    if (!out) return cli_usage("synth", "--out FILE.csv is required");
    o.progress = progress;
    int err = vigil_synth_write(&o, out);
    cli_progress_end();
    if (err) return cli_fail("synth", err);
    fprintf(stderr, "vigil synth: wrote %zu cases to '%s'\n", o.rows, out);
    return VIGIL_EXIT_OK;
}
