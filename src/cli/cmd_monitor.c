/* vigil monitor — run a drift monitor file (for cron), or show one monitor's history. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "core/util.h"
#include "core/window.h"
#include "vigil/error.h"
#include "core/csv_write.h"
#include "vigil/monitor.h"
#include "vigil/report.h"
#include "vigil/store.h"
#include "vigil/run.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char cmd_monitor_help[] =
    "usage: vigil monitor run M.json [--db FILE] [--now YYYY-MM-DD] [--lock-timeout SECONDS]\n"
    "                              [--threads K] [--format table|json] [--verbose]\n"
    "       vigil monitor history NAME [--db FILE] [--format table|json]\n"
    "       vigil monitor export NAME --format openmetrics|csv|csv-subgroups [--out FILE] [--db FILE]\n"
    "\n"
    "Runs a drift monitor (monitors/README.md): selects a reference and a current window of\n"
    "cases by the time column (or takes the reference from a second file), tests every\n"
    "feature for drift (KS, Anderson-Darling, Cramer-von Mises, Wasserstein, PSI,\n"
    "Jensen-Shannon; chi-square, PSI, Jensen-Shannon for categorical ones; missing rates),\n"
    "the score distribution (prediction drift), the prevalence (label drift) and a\n"
    "risk-adjusted CUSUM of observed minus expected outcomes (its limit chosen by simulation\n"
    "on the window's own risks so that, the model calibrated, it signals with probability\n"
    "$.cusum.false_signal_probability, default 0.01, per run). A feature drifts when its\n"
    "corrected p-value is below alpha AND its effect is over its floor.\n"
    "\n"
    "Made for cron: nothing is printed when all is quiet (unless --verbose or --format json);\n"
    "an alarm prints a summary on stdout, writes the alert file and runs the alert command\n"
    "named in on_alarm, and exits 1. Two runs of one monitor never overlap: a flock on\n"
    "<db>.monitor-<hash>.lock, released when the process ends; the second run waits up to\n"
    "--lock-timeout seconds, then exits 2 naming the pid of the run holding it. Every run is\n"
    "stored (kind 'monitor'); 'vigil history --kind monitor' shows the trend.\n"
    "\n"
    "monitor export NAME writes the stored record of monitor NAME for dashboards:\n"
    "    --format openmetrics  the OpenMetrics text exposition (Prometheus) of its latest\n"
    "                          completed night by data window: each feature's effect, corrected\n"
    "                          p and drift flag, the alarm, the cases (no sample when withheld),\n"
    "                          prediction and label drift, the CUSUM and its limit; and of the\n"
    "                          record: the latest run's start and whether it failed, failed and\n"
    "                          missing nights, the audit verdict; '# EOF' last\n"
    "    --format csv          every night in window order, a row per feature (a failed night\n"
    "                          with its reason, a missing night with status 'missing')\n"
    "    --format csv-subgroups  the same, with columns group and level and, after each night's\n"
    "                          rows, a row per subgroup level of its realised performance\n"
    "    --out FILE            write FILE (replaced whole, or not at all) instead of stdout\n"
    "    --db FILE             the run store (default: $VIGIL_DB, else ./vigil.db)\n"
    "\n"
    "monitor run (monitor history takes the options of 'vigil history'):\n";

static const char epilogue[] =
    "exit status: 0 no drift, 1 drift alarm (whatever the alert command did), 2 bad monitor\n"
    "file or data (the message names the file and the JSON path), a window under min_samples,\n"
    "or the lock still held after --lock-timeout; 3 internal error. A night that fails once\n"
    "the store is open (bad data, a column it lacks, too few cases: reason insufficient_data)\n"
    "is still stored, as a failed run with the message as its reason (monitors/README.md,\n"
    "\"The record\"). A date current window with days that hold no case is warned about on\n"
    "stderr. A monitor with $.checkpoint writes a signed checkpoint of\n"
    "the store's audit tree after the night is stored; when that fails the night stays stored,\n"
    "stderr and $.checkpoint.error say why, and the exit status is the night's.\n"
    "\n"
    "JSON: run_id, monitor, alarm, alarms[], windows.{reference,current}.{label,n},\n"
    "windows.current.{empty_days,empty_day_list} (date windows), alpha,\n"
    "correction, effect_floors, features.<name>.{type,n_ref,n_cur,missing_ref,missing_cur,\n"
    "drift,p_adjusted,effect,effect_name,tests,missing_rate}, prediction, label, cusum,\n"
    "cache.{key,hit}, lock, alert, seconds.{load,compute,write}, checkpoint.{written,file,\n"
    "tree_size,error} (printed, not stored: it is written after the run is stored).\n";

/* The options of `monitor export`. */
static struct {
    const char *format, *out, *db;
} E;

static const cli_option export_opts[] = {
    CLI_OPT_CHOICE("format", 0, "F", "openmetrics|csv|csv-subgroups",
                   "'openmetrics': the latest night as OpenMetrics text (Prometheus, e.g.\n"
                   "node_exporter's textfile collector); 'csv': every night, a row per feature;\n"
                   "'csv-subgroups': the same and a row per subgroup level",
                   &E.format),
    CLI_OPT_STRING("out", 0, "FILE", "write FILE (replaced whole, or not at all) instead of stdout", &E.out),
    CLI_OPT_STRING("db", 0, "FILE", "the run store (default: $VIGIL_DB, else ./vigil.db)", &E.db),
    CLI_OPT_END,
};
static const cli_spec export_spec = {"monitor export", cmd_monitor_help, export_opts, NULL};

/* The options of `monitor run`; `monitor history` hands its own to `vigil history`. */
static struct {
    cli_common c;
    const char *now, *lock_timeout;
    int verbose;
} A;

static const cli_option opts[] = {
    CLI_OPT_STRING("db", 0, "FILE",
                   "run store (default: $VIGIL_DB, else ./vigil.db); it also caches\n"
                   "the reference statistics, keyed by the reference data's SHA-256",
                   &A.c.db),
    CLI_OPT_STRING("now", 0, "YYYY-MM-DD",
                   "the day that {\"last_days\": N} windows end on (default: today,\n"
                   "local time); give it to reproduce a past run",
                   &A.now),
    /* A string, checked after parsing, so the range message quotes the value as typed. */
    CLI_OPT_STRING("lock-timeout", 0, "S",
                   "seconds to wait for another run of the same monitor (default 600)",
                   &A.lock_timeout),
    CLI_OPT_SIZE("threads", 0, "K", "threads for reading large files and the tests (default: all CPUs)", &A.c.threads),
    CLI_OPT_STRING("format", 0, "F", "'table' (default) or 'json' (always printed)", &A.c.format),
    CLI_OPT_FLAG("verbose", 0, "print the summary table even when nothing drifted", &A.verbose),
    CLI_OPT_END,
};

const cli_spec cmd_monitor_spec = {"monitor", cmd_monitor_help, opts, epilogue};

typedef struct {
    const char *file;
    double lock_timeout;
} run_args;

/* argv[0] is "run". */
static int parse_run(int argc, char **argv, run_args *a)
{
    int npos;
    memset(&A, 0, sizeof A);
    a->lock_timeout = 600;
    int rc = cli_options_parse(&cmd_monitor_spec, argc, argv, &npos);
    if (rc) return rc < 0 ? -1 : rc;
    if (A.lock_timeout) {
        if (cli_parse_double("monitor", "--lock-timeout", A.lock_timeout, &a->lock_timeout))
            return VIGIL_EXIT_USAGE;
        if (!(a->lock_timeout >= 0 && a->lock_timeout <= 86400 * 7))
            return cli_usage("monitor", "--lock-timeout must be from 0 to 604800 seconds, got '%s'",
                             A.lock_timeout);
    }
    if (npos < 1) return cli_usage("monitor", "monitor run needs a monitor file (M.json)");
    a->file = argv[1];
    if (npos > 1) return cli_usage("monitor", "unexpected argument '%s'", argv[2]);
    return VIGIL_EXIT_OK;
}

static int monitor_run(int argc, char **argv)
{
    run_args a = {0};
    int rc = parse_run(argc, argv, &a), err = 0;
    if (rc) return rc < 0 ? VIGIL_EXIT_OK : rc; /* -1: --help was printed */
    int json = cli_parse_format("monitor", A.c.format);
    if (json < 0) return VIGIL_EXIT_USAGE;
    long now_day = vigil_monitor_today();
    if (A.now && (now_day = vigil_parse_day(A.now)) == VIGIL_DAY_INVALID)
        return cli_usage("monitor", "--now expects a date YYYY-MM-DD, got '%s'", A.now);

    vigil_monitor *m = NULL;
    vigil_run_monitor_result *r = NULL;
    char *lock_path = NULL;
    if ((err = vigil_monitor_load(&m, a.file, now_day)) != 0) goto done;
    vigil_run_monitor_options o = VIGIL_RUN_MONITOR_OPTIONS_INIT;
    o.db_path = cli_db_path(A.c.db);
    o.lock_timeout = a.lock_timeout;
    o.threads = (int)A.c.threads;
    o.monitor_file = a.file;
    /* The lock sits beside an SQLite store; a PostgreSQL store has no file, so its monitors'
     * locks are local files named by the SHA-256 of the URL without its password (in
     * $XDG_RUNTIME_DIR, else /tmp): two runs of one monitor on this machine never overlap. */
    const char *lock_base = o.db_path;
    char pg_base[4200];
    if (vigil_store_is_pg_url(o.db_path)) {
        char *shown = vigil_store_display_name(o.db_path), hex[65];
        if (!shown) {
            err = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            goto done;
        }
        vigil_sha256_hex(shown, strlen(shown), hex);
        free(shown);
        const char *dir = getenv("XDG_RUNTIME_DIR");
        snprintf(pg_base, sizeof pg_base, "%s/vigil-pg-%.16s", dir && *dir && strlen(dir) < 4000 ? dir : "/tmp", hex);
        lock_base = pg_base;
    }
    if (!(lock_path = vigil_monitor_lock_path(m, lock_base))) {
        err = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    o.lock_path = lock_path;
    if (A.verbose) fprintf(stderr, "vigil monitor: lock %s\n", lock_path);
    if ((err = vigil_run_monitor(&r, m, &o)) != 0) goto done;

    int alarm = vigil_run_monitor_result_alarm(r);
    if (*vigil_run_monitor_result_alert_error(r))
        fprintf(stderr, "vigil monitor: warning: %s (the alarm still exits 1)\n",
                vigil_run_monitor_result_alert_error(r));
    const char *ck_file = NULL, *ck_err = NULL;
    int ck = vigil_run_monitor_result_checkpoint(r, &ck_file, &ck_err);
    if (ck < 0)
        fprintf(stderr, "vigil monitor: warning: the night's checkpoint was not written: %s (the night is "
                "stored as run %lld; the exit status is the night's)\n", ck_err,
                (long long)vigil_run_monitor_result_run_id(r));
    else if (ck > 0 && A.verbose)
        fprintf(stderr, "vigil monitor: checkpoint written to %s\n", ck_file);
    if (json) {
        fputs(vigil_run_monitor_result_json(r), stdout);
        fputc('\n', stdout);
    } else if (alarm || A.verbose) {
        vigil_fputs_terminal(vigil_run_monitor_result_text(r), stdout);
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

/* `vigil monitor export NAME --format openmetrics|csv|csv-subgroups [--out FILE]`: the record for dashboards. */
static int monitor_export(int argc, char **argv)
{
    memset(&E, 0, sizeof E);
    int npos, rc = cli_options_parse(&export_spec, argc, argv, &npos);
    if (rc) return rc < 0 ? VIGIL_EXIT_OK : rc;
    if (npos < 1) return cli_usage("monitor", "monitor export needs a monitor NAME");
    if (npos > 1) return cli_usage("monitor", "unexpected argument '%s'", argv[2]);
    if (!E.format) return cli_usage("monitor", "monitor export needs --format openmetrics or --format csv");
    vigil_store *s = NULL;
    if ((rc = cli_open_store("monitor", E.db, 1, &s)) != 0) return rc;
    char *text = NULL;
    int err = vigil_report_monitor_export(s, argv[1], E.format, &text);
    vigil_store_close(s);
    if (!err && E.out) {
        char *tmp = NULL;
        FILE *f = vigil_outfile_open(E.out, &tmp);
        if (!f) err = VIGIL_EIO;
        else if (fputs(text, f) < 0) {
            vigil_outfile_abort(f, tmp);
            err = vigil_error_set(VIGIL_EIO, "%s: write failed", E.out);
        } else
            err = vigil_outfile_commit(f, tmp, E.out);
    } else if (!err)
        fputs(text, stdout);
    free(text);
    return err ? cli_fail("monitor", err) : VIGIL_EXIT_OK;
}

int cmd_monitor(int argc, char **argv)
{
    if (argc < 2) return cli_usage("monitor", "expected a subcommand: run, history or export");
    if (strcmp(argv[1], "run") == 0) return monitor_run(argc - 1, argv + 1);
    if (strcmp(argv[1], "history") == 0) return monitor_history(argc - 1, argv + 1);
    if (strcmp(argv[1], "export") == 0) return monitor_export(argc - 1, argv + 1);
    return cli_usage("monitor", "unknown subcommand '%s' (expected run, history or export)", argv[1]);
}
