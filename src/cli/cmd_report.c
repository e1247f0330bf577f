/* vigil report — the PCCP evidence report of a stored run (issue 8). */
#include "cli/cli.h"
#include "cli/options.h"
#include "core/util.h"
#include "vigil/error.h"
#include "vigil/report.h"
#include "vigil/store.h"

#include <stdlib.h>
#include <string.h>

const char cmd_report_help[] =
    "usage: vigil report --run ID --out DIR [--db FILE] [--no-plots] [--pdf] [--force]\n"
    "                    [--dca-range LO:HI] [--format table|json]\n"
    "       vigil report --monitor NAME [--from D] [--to D] --out DIR [options as above]\n"
    "\n"
    "Build the evidence section of an FDA Predetermined Change Control Plan from a stored run,\n"
    "without recomputing anything: device and model identification, Description of\n"
    "Modifications, Modification Protocol (data lineage, re-training practices, acceptance\n"
    "criteria, update procedures, traceability), Impact Assessment (candidate against\n"
    "predecessor, failed criteria first), the drift-monitor timeline, the audit-chain verdict\n"
    "with the commands that reproduce each run, a methods appendix and a TRIPOD+AI appendix.\n"
    "\n"
    "--monitor NAME writes the record of one drift monitor instead: every stored night in the\n"
    "order of its data window (the end of its current window, not the store id), each feature's\n"
    "effect, corrected p and missing rate, prediction and label drift, the CUSUM against its\n"
    "limit, the cases, failed nights with their stored reason and nights without a run (gaps in\n"
    "the windows' cadence); --from/--to (a date, or a number for a numeric time column) keep the\n"
    "nights whose window ends in that range. No model card. Exit 0 when the record is quiet, 1\n"
    "when a night alarmed, failed or is missing, or the audit chain is broken.\n"
    "\n";

static const char epilogue[] =
    "DIR/report.html   one self-contained page (inline SVG plots and CSS, no scripts, prints)\n"
    "DIR/report.md     the same in Markdown, with DIR/plot-*.svg beside it\n"
    "DIR/evidence.json every number in the report\n"
    "DIR/model-card.xml a CHAI Applied Model Card (mc-schema v0.2)\n"
    "DIR/report.pdf    (--pdf) report.html printed by headless Chromium ('make deps' or\n"
    "                  'apt-get install chromium' installs it; without it --pdf exits 2)\n"
    "DIR is written as a fresh DIR.tmp-XXXXXX beside it and renamed into place. An existing\n"
    "DIR is replaced only when it is empty or a previous report; any other non-empty DIR is\n"
    "refused (exit 2) unless --force, which writes the report's files into it and removes\n"
    "nothing else. Files are created 0600, directories 0700; symlinks are never followed.\n"
    "Plots need gnuplot on PATH; without it the report is still written, with a note where\n"
    "each plot would be. Counts from 1 to 10 never appear (CMS small-cell rule).\n"
    "\n"
    "Exit: 0 written and implementable; 1 written, but a criterion failed, the run has no\n"
    "criteria or the audit chain is broken (NOT IMPLEMENTABLE); 2 no such run, a run that did\n"
    "not complete or of another kind, or an unusable --out; 3 internal error.\n"
    "\n"
    "JSON: a summary of what was written: run_id, kind, out, implementable, passed, criteria,\n"
    "criteria_failed, audit_ok, audit_head, plots, plots_drawn, monitor_runs, files.\n";

static struct {
    cli_common c;
    const char *run, *out, *dca, *monitor, *from, *to, *pubkey;
    cli_list checkpoints;
    int no_plots, pdf, force;
} A;

static const cli_option opts[] = {
    CLI_OPT_STRING("run", 0, "ID", "a completed 'suite' run (a 'metrics' run: performance only; a\n'monitor' run: that night of its monitor's record)", &A.run),
    CLI_OPT_STRING("monitor", 0, "NAME", "the record over time of the monitor NAME (instead of --run)", &A.monitor),
    CLI_OPT_STRING("from", 0, "D", "with --monitor: nights whose window ends on or after D", &A.from),
    CLI_OPT_STRING("to", 0, "D", "with --monitor: nights whose window ends on or before D", &A.to),
    CLI_OPT_STRING("out", 0, "DIR",
                   "output directory, created or replaced (only when it is empty or holds a\n"
                   "previous report); written as DIR.tmp-XXXXXX, then renamed into place",
                   &A.out),
    CLI_OPTS_DB(&A.c),
    CLI_OPT_FLAG("no-plots", 0, "do not run gnuplot (each plot gets a note instead)", &A.no_plots),
    CLI_OPT_FLAG("pdf", 0, "also write DIR/report.pdf through headless Chromium", &A.pdf),
    CLI_OPT_STRING("dca-range", 0, "LO:HI",
                   "the decision curve's threshold range (default: up to twice the threshold\n"
                   "where treating everyone stops paying, past each operating threshold)",
                   &A.dca),
    CLI_OPT_FLAG("force", 0, "write into a non-empty DIR that is not a previous report (only the\n"
                 "report's files there are replaced)", &A.force),
    CLI_OPT_LIST("checkpoint", 0, "C.json", "with --run: a signed checkpoint (vigil audit checkpoint) the store\n"
                 "must still extend, else the report says the audit trail is broken (repeatable)", &A.checkpoints),
    CLI_OPT_STRING("pubkey", 0, "P.pem", "the public key the checkpoints are signed with", &A.pubkey),
    CLI_OPTS_FORMAT(&A.c),
    CLI_OPT_END,
};

const cli_spec cmd_report_spec = {"report", cmd_report_help, opts, epilogue};

/* vigil report --monitor NAME: the monitor's record over time. */
static int report_monitor(vigil_store *s, const vigil_report_options *o, int json)
{
    vigil_report_monitor_summary sum;
    int err = vigil_report_write_monitor(s, A.monitor, A.from, A.to, o, &sum);
    vigil_store_close(s);
    if (err) return cli_fail("report", err);
    if (sum.n_plots_drawn < sum.n_plots)
        fprintf(stderr, "vigil report: %zu of %zu plots not drawn (%s); the report says where each would be\n",
                sum.n_plots - sum.n_plots_drawn, sum.n_plots, o->no_plots ? "--no-plots" : "see the notes in the report");
    if (!sum.audit_ok)
        fprintf(stderr, "vigil report: warning: the audit chain is broken; the report says so on its first page\n");
    int quiet = !sum.alarmed && !sum.failed && !sum.missing && sum.audit_ok;
    if (json) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "monitor", A.monitor);
        cJSON_AddStringToObject(d, "out", o->out_dir);
        cJSON_AddNumberToObject(d, "nights", (double)sum.nights);
        cJSON_AddNumberToObject(d, "alarmed", (double)sum.alarmed);
        cJSON_AddNumberToObject(d, "failed", (double)sum.failed);
        cJSON_AddNumberToObject(d, "missing", (double)sum.missing);
        cJSON_AddBoolToObject(d, "audit_ok", sum.audit_ok);
        cJSON_AddStringToObject(d, "audit_head", sum.audit_head);
        cJSON_AddNumberToObject(d, "plots", (double)sum.n_plots);
        cJSON_AddNumberToObject(d, "plots_drawn", (double)sum.n_plots_drawn);
        cJSON *f = cJSON_AddArrayToObject(d, "files");
        const char *names[] = {"report.html", "report.md", "evidence.json", "report.pdf"};
        for (size_t i = 0; i < 3 + (size_t)(o->pdf != 0); i++) cJSON_AddItemToArray(f, cJSON_CreateString(names[i]));
        cli_print_json(d);
    } else {
        printf("record of monitor '%s' written to %s/\n", A.monitor, o->out_dir);
        printf("  %zu nights: %zu alarmed, %zu failed, %zu without a run; audit chain: %s\n", sum.nights,
               sum.alarmed, sum.failed, sum.missing, sum.audit_ok ? "verified" : "BROKEN");
    }
    return quiet ? VIGIL_EXIT_OK : VIGIL_EXIT_CRITERION;
}

int cmd_report(int argc, char **argv)
{
    memset(&A, 0, sizeof A);
    int npos, prc = cli_options_parse(&cmd_report_spec, argc, argv, &npos);
    if (prc) return prc < 0 ? VIGIL_EXIT_OK : prc;
    if (npos > 0) return cli_usage("report", "unexpected argument '%s'", argv[1]);
    const char *run = A.run, *out = A.out, *db = A.c.db, *format = A.c.format;
    int no_plots = A.no_plots;
    if (run && A.monitor) return cli_usage("report", "--run and --monitor exclude each other (one report each)");
    if (!run && !A.monitor) return cli_usage("report", "--run or --monitor is required");
    if (!A.monitor && (A.from || A.to)) return cli_usage("report", "--from and --to need --monitor");
    if (!out || !*out) return cli_usage("report", "--out is required");
    size_t id = 0;
    if (run && cli_parse_size("report", "--run", run, &id)) return VIGIL_EXIT_USAGE;
    int json = cli_parse_format("report", format);
    if (json < 0) return VIGIL_EXIT_USAGE;

    double dlo = 0, dhi = 0;
    if (A.dca) {
        char *e1 = NULL, *e2 = NULL;
        dlo = strtod(A.dca, &e1);
        if (e1 != A.dca && *e1 == ':') dhi = strtod(e1 + 1, &e2);
        if (e1 == A.dca || *e1 != ':' || !e2 || e2 == e1 + 1 || *e2 || !(dlo >= 0 && dlo < dhi && dhi <= 1))
            return cli_usage("report", "--dca-range '%s' is not LO:HI with 0 <= LO < HI <= 1", A.dca);
    }

    if (A.checkpoints.n && !A.pubkey) return cli_usage("report", "--checkpoint needs --pubkey P.pem");
    if (A.pubkey && !A.checkpoints.n) return cli_usage("report", "--pubkey without --checkpoint");
    if (A.checkpoints.n && A.monitor) return cli_usage("report", "--checkpoint goes with --run");
    /* every checkpoint read first: a file that cannot be read is a usage error, before any work */
    char *ck[CLI_LIST_MAX] = {0};
    for (size_t i = 0; i < A.checkpoints.n; i++) {
        size_t len;
        int err = vigil_read_file(A.checkpoints.v[i], &ck[i], &len);
        if (err) {
            for (size_t j = 0; j < i; j++) free(ck[j]);
            return cli_fail("report", err);
        }
    }
    vigil_store *s = NULL;
    int rc = cli_open_store("report", db, 1, &s);
    if (rc) {
        for (size_t i = 0; i < A.checkpoints.n; i++) free(ck[i]);
        return rc;
    }
    vigil_report_options o = VIGIL_REPORT_OPTIONS_INIT;
    o.out_dir = out;
    o.db_label = cli_db_path(db);
    o.no_plots = no_plots;
    o.pdf = A.pdf;
    o.force = A.force;
    o.dca_low = dlo;
    o.dca_high = dhi;
    o.checkpoints = (const char *const *)ck;
    o.n_checkpoints = A.checkpoints.n;
    o.pubkey = A.pubkey;
    /* a monitor run's report is its night of the monitor's record (the nights of its window) */
    char mon_name[256] = "", win_end[64] = "";
    vigil_run_info ri;
    if (!A.monitor && vigil_store_get_run(s, (int64_t)id, &ri) == 0) {
        if (ri.kind && strcmp(ri.kind, "monitor") == 0) {
            char *doc = NULL;
            snprintf(mon_name, sizeof mon_name, "%s", ri.name ? ri.name : "");
            if (vigil_store_get_document(s, (int64_t)id, "result", &doc) == 0) {
                cJSON *d = cJSON_Parse(doc);
                const char *lab = cJSON_GetStringValue(
                    cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "windows"), "current"), "label"));
                const char *dots = lab ? strstr(lab, "..") : NULL;
                if (dots) snprintf(win_end, sizeof win_end, "%s", dots + 2);
                cJSON_Delete(d);
            }
            free(doc);
        }
        vigil_run_info_clear(&ri);
    }
    if (mon_name[0] && A.checkpoints.n) {
        /* a monitor run's report is its monitor's record, which does not take checkpoints */
        for (size_t i = 0; i < A.checkpoints.n; i++) free(ck[i]);
        vigil_store_close(s);
        return cli_usage("report", "--checkpoint goes with a suite or metrics run (run %zu is a monitor night: "
                         "vigil audit verify --checkpoint checks the store)", id);
    }
    if (mon_name[0]) {
        if (!win_end[0]) {
            vigil_store_close(s);
            return cli_fail("report", vigil_error_set(VIGIL_EINVAL,
                                                      "run %zu is a night of monitor '%s' without a stored window (a "
                                                      "failed night): 'vigil report --monitor %s' shows it in the "
                                                      "monitor's record", id, mon_name, mon_name));
        }
        A.monitor = mon_name, A.from = A.to = win_end;
    }
    if (A.monitor) return report_monitor(s, &o, json);
    vigil_report_summary sum;
    int err = vigil_report_write(s, (int64_t)id, &o, &sum);
    vigil_store_close(s);
    for (size_t i = 0; i < A.checkpoints.n; i++) free(ck[i]);
    if (err) return cli_fail("report", err);
    if (sum.n_plots_drawn < sum.n_plots)
        fprintf(stderr, "vigil report: %zu of %zu plots not drawn (%s); the report says where each would be\n",
                sum.n_plots - sum.n_plots_drawn, sum.n_plots, no_plots ? "--no-plots" : "see the notes in the report");
    if (!sum.audit_ok)
        fprintf(stderr, "vigil report: warning: the audit chain is broken; the report says so on its first page\n");
    if (json) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddNumberToObject(d, "run_id", (double)sum.run_id);
        cJSON_AddStringToObject(d, "kind", sum.kind);
        cJSON_AddStringToObject(d, "out", out);
        cJSON_AddBoolToObject(d, "implementable", sum.implementable);
        if (sum.passed < 0) cJSON_AddNullToObject(d, "passed");
        else cJSON_AddBoolToObject(d, "passed", sum.passed);
        cJSON_AddNumberToObject(d, "criteria", (double)sum.n_criteria);
        cJSON_AddNumberToObject(d, "criteria_failed", (double)sum.n_failed);
        cJSON_AddBoolToObject(d, "audit_ok", sum.audit_ok);
        cJSON_AddStringToObject(d, "audit_head", sum.audit_head);
        cJSON_AddNumberToObject(d, "plots", (double)sum.n_plots);
        cJSON_AddNumberToObject(d, "plots_drawn", (double)sum.n_plots_drawn);
        cJSON_AddNumberToObject(d, "monitor_runs", (double)sum.n_monitor_runs);
        cJSON *f = cJSON_AddArrayToObject(d, "files");
        const char *names[] = {"report.html", "report.md", "evidence.json", "model-card.xml", "report.pdf"};
        for (size_t i = 0; i < 4 + (size_t)(A.pdf != 0); i++) cJSON_AddItemToArray(f, cJSON_CreateString(names[i]));
        cli_print_json(d);
    } else {
        printf("report of run %lld (%s) written to %s/\n", (long long)sum.run_id, sum.kind, out);
        printf("  report.html, report.md, evidence.json, model-card.xml%s; %zu of %zu plots drawn\n",
               A.pdf ? ", report.pdf" : "", sum.n_plots_drawn, sum.n_plots);
        printf("  criteria: %zu, failed: %zu; audit chain: %s\n", sum.n_criteria, sum.n_failed,
               sum.audit_ok ? "verified" : "BROKEN");
        printf("  modification: %s\n", sum.implementable ? "IMPLEMENTABLE" : "NOT IMPLEMENTABLE");
    }
    return sum.implementable ? VIGIL_EXIT_OK : VIGIL_EXIT_CRITERION;
}
