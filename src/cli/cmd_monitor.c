/* vigil monitor — run a drift monitor file (for cron), or show one monitor's history. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "core/util.h"
#include "core/window.h"
#include "vigil/error.h"
#include "vigil/monitor.h"
#include "vigil/run.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char cmd_monitor_help[] =
    "usage: vigil monitor run M.json [--db FILE] [--now YYYY-MM-DD] [--lock-timeout SECONDS]\n"
    "                            [--threads K] [--format table|json] [--verbose]\n"
    "       vigil monitor history NAME [--db FILE] [--format table|json]\n"
    "\n"
    "Runs a drift monitor (monitors/README.md): selects a reference and a current window of\n"
    "cases by the time column (or takes the reference from a second file), tests every\n"
    "feature for drift (KS, Anderson-Darling, Cramer-von Mises, Wasserstein, PSI,\n"
    "Jensen-Shannon; chi-square, PSI, Jensen-Shannon for categorical ones; missing rates),\n"
    "the score distribution (prediction drift), the prevalence (label drift) and a\n"
    "risk-adjusted CUSUM of observed minus expected outcomes. A feature drifts when its\n"
    "corrected p-value is below alpha AND its effect is over its floor.\n"
    "\n"
    "Made for cron: nothing is printed when all is quiet (unless --verbose or --format json);\n"
    "an alarm prints a summary on stdout, writes the alert file and runs the alert command\n"
    "named in on_alarm, and exits 1. Two runs of one monitor never overlap: a flock on\n"
    "<db>.monitor-<hash>.lock, released when the process ends; the second run waits up to\n"
    "--lock-timeout seconds, then exits 2 naming the pid of the run holding it. Every run is\n"
    "stored (kind 'monitor'); 'vigil history --kind monitor' shows the trend.\n"
    "\n"
    "  --db FILE            run store (default: $VIGIL_DB, else ./vigil.db); it also caches\n"
    "                       the reference statistics, keyed by the reference data's SHA-256\n"
    "  --now YYYY-MM-DD     the day that {\"last_days\": N} windows end on (default: today,\n"
    "                       local time); give it to reproduce a past run\n"
    "  --lock-timeout S     seconds to wait for another run of the same monitor (default 600)\n"
    "  --threads K          threads for the tests (default: all CPUs)\n"
    "  --format F           'table' (default) or 'json' (always printed)\n"
    "  --verbose            print the summary table even when nothing drifted\n"
    "\n"
    "exit status: 0 no drift, 1 drift alarm (whatever the alert command did), 2 bad monitor\n"
    "file or data (the message names the file and the JSON path), a window under min_samples,\n"
    "or the lock still held after --lock-timeout; 3 internal error.\n"
    "\n"
    "JSON: run_id, monitor, alarm, alarms[], windows.{reference,current}.{label,n}, alpha,\n"
    "correction, effect_floors, features.<name>.{type,n_ref,n_cur,missing_ref,missing_cur,\n"
    "drift,p_adjusted,effect,effect_name,tests,missing_rate}, prediction, label, cusum,\n"
    "cache.{key,hit}, lock, alert, seconds.{load,compute,write}.\n";

typedef struct {
    const char *file, *db, *format, *now;
    double lock_timeout;
    size_t threads;
    int verbose;
} run_args;

static int parse_run(int argc, char **argv, run_args *a)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'},           {"now", required_argument, 0, 'n'},
        {"lock-timeout", required_argument, 0, 'l'}, {"format", required_argument, 0, 'f'},
        {"verbose", no_argument, 0, 'v'},            {"threads", required_argument, 0, 'T'},
        {0, 0, 0, 0}};
    int c;
    a->lock_timeout = 600;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': a->db = optarg; break;
        case 'n': a->now = optarg; break;
        case 'f': a->format = optarg; break;
        case 'v': a->verbose = 1; break;
        case 'l':
            if (cli_parse_double("monitor", "--lock-timeout", optarg, &a->lock_timeout)) return VIGIL_EXIT_USAGE;
            if (!(a->lock_timeout >= 0 && a->lock_timeout <= 86400 * 7))
                return cli_usage("monitor", "--lock-timeout must be from 0 to 604800 seconds, got '%s'",
                                 optarg);
            break;
        case 'T':
            if (cli_parse_size("monitor", "--threads", optarg, &a->threads)) return VIGIL_EXIT_USAGE;
            break;
        default:
            if (optopt) return cli_usage("monitor", "option '%s' needs a value", argv[optind - 1]);
            return cli_usage("monitor", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc) return cli_usage("monitor", "monitor run needs a monitor file (M.json)");
    a->file = argv[optind++];
    if (optind < argc) return cli_usage("monitor", "unexpected argument '%s'", argv[optind]);
    return VIGIL_EXIT_OK;
}

static int monitor_run(int argc, char **argv)
{
    run_args a = {0};
    int rc = parse_run(argc, argv, &a), err = 0;
    if (rc) return rc;
    int json = cli_parse_format("monitor", a.format);
    if (json < 0) return VIGIL_EXIT_USAGE;
    long now_day = vigil_monitor_today();
    if (a.now && (now_day = vigil_parse_day(a.now)) == VIGIL_DAY_INVALID)
        return cli_usage("monitor", "--now expects a date YYYY-MM-DD, got '%s'", a.now);

    vigil_monitor *m = NULL;
    vigil_run_monitor_result *r = NULL;
    char *lock_path = NULL;
    if ((err = vigil_monitor_load(&m, a.file, now_day)) != 0) goto done;
    vigil_run_monitor_options o = VIGIL_RUN_MONITOR_OPTIONS_INIT;
    o.db_path = cli_db_path(a.db);
    o.lock_timeout = a.lock_timeout;
    o.threads = (int)a.threads;
    o.monitor_file = a.file;
    if (!(lock_path = vigil_monitor_lock_path(m, o.db_path))) {
        err = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    o.lock_path = lock_path;
    if (a.verbose) fprintf(stderr, "vigil monitor: lock %s\n", lock_path);
    if ((err = vigil_run_monitor(&r, m, &o)) != 0) goto done;

    int alarm = vigil_run_monitor_result_alarm(r);
    if (*vigil_run_monitor_result_alert_error(r))
        fprintf(stderr, "vigil monitor: warning: %s (the alarm still exits 1)\n",
                vigil_run_monitor_result_alert_error(r));
    if (json) {
        fputs(vigil_run_monitor_result_json(r), stdout);
        fputc('\n', stdout);
    } else if (alarm || a.verbose) {
        fputs(vigil_run_monitor_result_text(r), stdout);
        printf("stored as run %lld\n", (long long)vigil_run_monitor_result_run_id(r));
    }
    rc = alarm ? VIGIL_EXIT_CRITERION : VIGIL_EXIT_OK;
done:
    if (err) rc = cli_fail("monitor", err);
    vigil_run_monitor_result_free(r);
    free(lock_path);
    vigil_monitor_free(m);
    return rc;
}

/* `vigil monitor history NAME [opts]` is `vigil history --kind monitor --name NAME [opts]`. */
static int monitor_history(int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-') return cli_usage("monitor", "monitor history needs a monitor NAME");
    char **v = calloc((size_t)argc + 5, sizeof *v);
    if (!v) return VIGIL_EXIT_INTERNAL;
    int k = 0;
    v[k++] = "history";
    v[k++] = "--kind";
    v[k++] = "monitor";
    v[k++] = "--name";
    v[k++] = argv[1];
    for (int i = 2; i < argc; i++) v[k++] = argv[i];
    int rc = cmd_history(k, v);
    free(v);
    return rc;
}

int cmd_monitor(int argc, char **argv)
{
    if (argc < 2) return cli_usage("monitor", "expected a subcommand: run or history");
    if (strcmp(argv[1], "run") == 0) return monitor_run(argc - 1, argv + 1);
    if (strcmp(argv[1], "history") == 0) return monitor_history(argc - 1, argv + 1);
    return cli_usage("monitor", "unknown subcommand '%s' (expected run or history)", argv[1]);
}
