/* vigil synth — synthetic shadow-mode case files for benchmarks and power studies. */
#include "cli/cli.h"
#include "cli/options.h"
#include "vigil/error.h"
#include "vigil/synth.h"

#include <string.h>

const char cmd_synth_help[] =
    "usage: vigil synth --out FILE.csv [--rows N] [--features K] [--seed S]\n"
    "                   [--missing RATE] [--drift KIND] [--shift X] [--drift-start F]\n"
    "                   [--days D] [--end-date YYYY-MM-DD] [--prevalence P]\n"
    "\n"
    "Writes a seeded synthetic shadow-mode case file: case_id, date, sex, age_band, cat1,\n"
    "x1..xK (numeric, N(0,1); x1 and x2 correlated), label, score (the model's probability)\n"
    "and shadow_score (as recorded in shadow mode). The same seed gives the same file.\n"
    "\n";

static struct {
    vigil_synth_options o;
    const char *out, *drift;
    size_t seed;
} A;

static const cli_option opts[] = {
    CLI_OPT_STRING("out", 0, "FILE.csv", "where to write the cases", &A.out),
    CLI_OPT_SIZE("rows", 0, "N", "cases (default 10000)", &A.o.rows),
    CLI_OPT_SIZE("features", 0, "K", "numeric features (default 10, at most 1000)", &A.o.features),
    CLI_OPT_SIZE("seed", 0, "S", "random seed (default 1)", &A.seed),
    CLI_OPT_DOUBLE("missing", 0, "RATE", "share of feature values left empty, MCAR (default 0.02)",
                   &A.o.missing_rate),
    CLI_OPT_STRING("drift", 0, "KIND",
                   "none (default), covariate (x1 shifts by X SD, cat1 'd' grows),\n"
                   "label (prevalence moves: intercept + X), concept (x1's effect on\n"
                   "the outcome reverses; the score does not know), subgroup (for\n"
                   "sex=F the score degrades: noise of X SD)",
                   &A.drift),
    CLI_OPT_DOUBLE("shift", 0, "X", "drift size (default 0.5)", &A.o.shift),
    CLI_OPT_DOUBLE("drift-start", 0, "F", "fraction of the period after which drift applies\n"
                   "(default 0.5)", &A.o.drift_start),
    CLI_OPT_SIZE("days", 0, "D", "cases spread over D days (default 365), in time order", &A.o.days),
    CLI_OPT_STRING("end-date", 0, "DATE", "last day (default 2026-01-01)", &A.o.end_date),
    CLI_OPT_DOUBLE("prevalence", 0, "P", "approximate outcome rate without drift (default 0.15)",
                   &A.o.prevalence),
    CLI_OPT_END,
};

const cli_spec cmd_synth_spec = {"synth", cmd_synth_help, opts, NULL};

static void progress(void *ctx, size_t done, size_t total) { cli_progress("synth: rows", done, total); }

int cmd_synth(int argc, char **argv)
{
    memset(&A, 0, sizeof A);
    A.o = (vigil_synth_options)VIGIL_SYNTH_OPTIONS_INIT;
    A.seed = (size_t)A.o.seed;
    int npos, rc = cli_options_parse(&cmd_synth_spec, argc, argv, &npos);
    if (rc) return rc < 0 ? VIGIL_EXIT_OK : rc;
    vigil_synth_options o = A.o;
    o.seed = A.seed;
    if (A.drift) {
        int k = vigil_synth_parse_drift(A.drift);
        if (k < 0)
            return cli_usage("synth", "unknown drift '%s' (expected none, covariate, label, "
                                      "concept or subgroup)", A.drift);
        o.drift = (vigil_drift_kind)k;
    }
    const char *out = A.out;
    if (npos > 0) return cli_usage("synth", "unexpected argument '%s'", argv[1]);
    if (!out) return cli_usage("synth", "--out FILE.csv is required");
    o.progress = progress;
    int err = vigil_synth_write(&o, out);
    cli_progress_end();
    if (err) return cli_fail("synth", err);
    fprintf(stderr, "vigil synth: wrote %zu cases to '%s'\n", o.rows, out);
    return VIGIL_EXIT_OK;
}
