/* vigil monitor — run a drift monitor file (for cron), or show one monitor's history. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "core/util.h"
#include "core/window.h"
#include "vigil/error.h"
#include "vigil/monitor.h"
#include "vigil/store.h"

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

/* Add what the alert did to the document, and say it on stderr when something failed. */
static void note_alert(cJSON *doc, const vigil_monitor_alert_outcome *o, int have_file, int have_cmd)
{
    cJSON *a = cJSON_AddObjectToObject(doc, "alert");
    if (have_file) cJSON_AddBoolToObject(a, "file_written", o->file_written > 0);
    if (have_cmd) {
        cJSON_AddBoolToObject(a, "command_ran", o->command_ran > 0);
        if (o->command_ran > 0) cJSON_AddNumberToObject(a, "command_status", o->command_status);
        else cJSON_AddNullToObject(a, "command_status");
    }
    if (*o->message) {
        cJSON_AddStringToObject(a, "error", o->message);
        fprintf(stderr, "vigil monitor: warning: %s (the alarm still exits 1)\n", o->message);
    }
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
    vigil_monitor_result *r = NULL;
    vigil_monitor_data *data = NULL;
    vigil_store *store = NULL;
    vigil_results *res = NULL;
    char *lock_path = NULL, *doc_text = NULL, *text = NULL;
    cJSON *doc = NULL;
    int lock_fd = -1, run_open = 0, alarm = 0;
    int64_t run_id = 0;

    if ((err = vigil_monitor_load(&m, a.file, now_day)) != 0) goto fail;
    const char *db = cli_db_path(a.db);
    if (!(lock_path = vigil_monitor_lock_path(m, db))) {
        err = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto fail;
    }
    if (a.verbose) fprintf(stderr, "vigil monitor: lock %s\n", lock_path);
    if ((err = vigil_monitor_lock(m, lock_path, a.lock_timeout, &lock_fd)) != 0) goto fail;
    if ((rc = cli_open_store("monitor", a.db, 0, &store)) != 0) goto done;

    /* the data first: the run records the digests of the bytes it parsed (each file read once) */
    if ((err = vigil_monitor_load_data(&data, m, (int)a.threads)) != 0) goto fail;
    vigil_run_file files[4];
    size_t n_files = vigil_monitor_data_files(m, data, files);
    vigil_run_spec spec = {"monitor", vigil_monitor_name(m), vigil_monitor_text(m), files, n_files, 0, 0};
    if ((err = vigil_store_run_begin(store, &spec, &run_id)) != 0) goto fail;
    run_open = 1;

    vigil_monitor_options mo = {store, (int)a.threads, data};
    if ((err = vigil_monitor_run(&r, m, &mo)) != 0) goto fail;
    alarm = vigil_monitor_result_alarm(r);

    double tw = vigil_seconds();
    if (!(doc_text = vigil_monitor_result_json(r, run_id)) || !(doc = cJSON_Parse(doc_text))) {
        err = vigil_error_set(VIGIL_ENOMEM, "out of memory writing the result");
        goto fail;
    }
    cJSON_AddStringToObject(doc, "lock", lock_path);
    if (alarm) {
        /* The alert carries the whole result, so a handler needs nothing else. */
        cJSON_AddStringToObject(doc, "monitor_file", a.file);
        char *alert = cJSON_Print(doc);
        vigil_monitor_alert_outcome out;
        if (!alert) {
            err = vigil_error_set(VIGIL_ENOMEM, "out of memory writing the alert");
            goto fail;
        }
        vigil_monitor_alert(m, alert, &out);
        free(alert);
        if (out.file_written || out.command_ran)
            note_alert(doc, &out, out.file_written != 0, out.command_ran != 0);
    }
    if ((err = vigil_results_new(&res)) != 0 || (err = vigil_monitor_result_store(r, res)) != 0)
        goto fail;
    cJSON *secs = cJSON_GetObjectItemCaseSensitive(doc, "seconds");
    if (secs) cJSON_ReplaceItemInObjectCaseSensitive(secs, "write", cJSON_CreateNumber(vigil_seconds() - tw));
    free(doc_text);
    if (!(doc_text = cJSON_Print(doc))) {
        err = vigil_error_set(VIGIL_ENOMEM, "out of memory writing the result");
        goto fail;
    }
    if ((err = vigil_results_add_document(res, "result", doc_text)) != 0) goto fail;
    run_open = 0;
    if ((err = vigil_store_run_finish(store, run_id, res, !alarm)) != 0) goto fail;

    if (json) {
        fputs(doc_text, stdout);
        fputc('\n', stdout);
    } else if (alarm || a.verbose) {
        if (!(text = vigil_monitor_result_text(r))) {
            err = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            goto fail;
        }
        fputs(text, stdout);
        printf("stored as run %lld\n", (long long)run_id);
    }
    rc = alarm ? VIGIL_EXIT_CRITERION : VIGIL_EXIT_OK;
    goto done;
fail:
    rc = cli_fail("monitor", err);
    if (run_open) vigil_store_run_fail(store, run_id, vigil_error_last());
done:
    cJSON_Delete(doc);
    free(doc_text);
    free(text);
    vigil_results_free(res);
    vigil_store_close(store);
    vigil_monitor_unlock(lock_fd);
    free(lock_path);
    vigil_monitor_result_free(r);
    vigil_monitor_data_free(data);
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
