/* vigil — the command table and dispatch. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "core/dist.h"
#include "vigil/vigil.h"

#include <cjson/cJSON.h>
#include <gsl/gsl_version.h>
#include <openssl/opensslv.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#define CMD(n, summary) {#n, cmd_##n, summary, cmd_##n##_help, NULL}
/* A command that parses with an option table: its help is generated from the table. */
#define CMD_OPTS(n, summary) {#n, cmd_##n, summary, cmd_##n##_help, &cmd_##n##_spec}

cli_command cli_commands[] = {
    CMD(help, "show help for vigil or for one command"),
    CMD_OPTS(predict, "score cases with a model (CPU or CUDA backend)"),
    CMD_OPTS(replay, "re-score shadow-mode cases and compare with the recorded scores"),
    CMD_OPTS(explain, "per-case SHAP attributions and global importance"),
    CMD_OPTS(metrics, "discrimination, calibration, thresholds and subgroup fairness"),
    CMD_OPTS(drift, "distribution-shift tests between a reference and a current file"),
    CMD_OPTS(suite, "run a validation suite against pre-registered acceptance criteria"),
    CMD_OPTS(monitor, "run a drift monitor (for cron)"),
    CMD_OPTS(history, "list stored runs"),
    CMD_OPTS(report, "write a PCCP evidence report from a stored run"),
    CMD_OPTS(audit, "verify the tamper-evident audit chain of the run store"),
    CMD_OPTS(synth, "generate a synthetic shadow-mode case file with planted drift"),
    CMD_OPTS(cases, "make a case file from a prediction log and an event table (join)"),
    CMD_OPTS(site, "export a site bundle for pooling across partner sites (no patient rows)"),
    CMD_OPTS(pool, "pool site bundles: random-effects meta-analysis of AUROC and calibration"),
    CMD_OPTS(store, "copy a whole run store (SQLite <-> PostgreSQL), verified"),
};
const size_t cli_n_commands = sizeof cli_commands / sizeof cli_commands[0];

static void print_version(void)
{
    printf("vigil %s\n", vigil_version());
    printf("backends: cpu%s\n", vigil_build_has_cuda() ? ", cuda (compiled in; used when a device answers and the job is large)"
                                                        : " (CUDA not compiled in)");
    printf("  %s\n", vigil_backend_describe(VIGIL_BACKEND_CPU));
    printf("  %s\n", vigil_backend_describe(VIGIL_BACKEND_CUDA)); /* one buffer: one call per printf */
    printf("parallel: %s\n", vigil_dist_describe());
    printf("libraries: GSL %s, SQLite %s, cJSON %d.%d.%d, %s\n", GSL_VERSION, sqlite3_libversion(),
           CJSON_VERSION_MAJOR, CJSON_VERSION_MINOR, CJSON_VERSION_PATCH, OPENSSL_VERSION_TEXT);
}

static int unknown_command(const char *name)
{
    const char *best = NULL;
    size_t bd = 99;
    for (size_t i = 0; i < cli_n_commands; i++) {
        size_t d = cli_edit_distance(name, cli_commands[i].name);
        if (d < bd || (strncmp(name, cli_commands[i].name, strlen(name)) == 0 && d < 99)) {
            bd = d;
            best = cli_commands[i].name;
        }
    }
    fprintf(stderr, "vigil: unknown command '%s'", name);
    if (best && (bd <= 2 || strncmp(name, best, strlen(name)) == 0))
        fprintf(stderr, "; did you mean '%s'?", best);
    fprintf(stderr, "\nsee 'vigil help'\n");
    return VIGIL_EXIT_USAGE;
}

/* The commands that parse with an option table (cli/options.h): their help is the prose of
 * cmd_<name>_help, then the option list generated from the same table the parser uses. */
static void generate_help(void)
{
    for (size_t i = 0; i < cli_n_commands; i++)
        if (cli_commands[i].spec) {
            /* Lives as long as the process; on no memory the prose alone is shown. */
            char *help = cli_options_help(cli_commands[i].spec);
            if (help) cli_commands[i].help = help;
        }
}

/* The library's warnings, as the CLI shows every diagnostic: one line on stderr. */
static void print_warning(const char *msg, void *ctx)
{
    (void)ctx;
    fprintf(stderr, "vigil: warning: %s\n", msg);
}

/* The commands whose work splits across MPI ranks (core/dist.h); under mpirun with more than
 * one rank any other is refused, so that no run is stored or printed N times. */
static int splits_across_ranks(const char *name)
{
    return strcmp(name, "drift") == 0 || strcmp(name, "metrics") == 0 || strcmp(name, "suite") == 0;
}

static int run(int argc, char **argv);

int main(int argc, char **argv)
{
    if (vigil_dist_init(&argc, &argv) != 0) {
        fprintf(stderr, "vigil: error: %s\n", vigil_error_last());
        return VIGIL_EXIT_INTERNAL;
    }
    int rc = run(argc, argv);
    vigil_dist_finalize(rc);
    return rc;
}

static int run(int argc, char **argv)
{
    vigil_init();
    vigil_warn_set_handler(print_warning, NULL);
    generate_help();
    if (vigil_dist_size() > 1 && (argc < 2 || !splits_across_ranks(argv[1]))) {
        fprintf(stderr, "vigil: %s does not split across MPI ranks (drift, metrics and suite run do): run it without "
                "mpirun\n",
                argc < 2 ? "this command" : argv[1]);
        return VIGIL_EXIT_USAGE;
    }
    if (argc < 2) {
        cmd_help(1, argv);
        return VIGIL_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        print_version();
        return VIGIL_EXIT_OK;
    }
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) name = "help";
    for (size_t i = 0; i < cli_n_commands; i++)
        if (strcmp(cli_commands[i].name, name) == 0) {
            if (strcmp(name, "help") != 0 && cli_wants_help(name, argc - 1, argv + 1)) return VIGIL_EXIT_OK;
            int rc = cli_commands[i].fn(argc - 1, argv + 1);
            fflush(stdout);
            if (ferror(stdout)) {
                fprintf(stderr, "vigil %s: error: writing to standard output failed\n", name);
                return VIGIL_EXIT_INTERNAL;
            }
            return rc;
        }
    return unknown_command(name);
}
