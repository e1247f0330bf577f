/* vigil report — the PCCP evidence report of a stored run (issue 8). */
#include "cli/cli.h"
#include "vigil/error.h"
#include "vigil/report.h"
#include "vigil/store.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

const char cmd_report_help[] =
    "usage: vigil report --run ID --out DIR [--db FILE] [--no-plots] [--format table|json]\n"
    "\n"
    "Build the evidence section of an FDA Predetermined Change Control Plan from a stored run,\n"
    "without recomputing anything: device and model identification, Description of\n"
    "Modifications, Modification Protocol (data lineage, re-training practices, acceptance\n"
    "criteria, update procedures, traceability), Impact Assessment (candidate against\n"
    "predecessor, failed criteria first), the drift-monitor timeline, the audit-chain verdict\n"
    "with the commands that reproduce each run, a methods appendix and a TRIPOD+AI appendix.\n"
    "\n"
    "  --run ID      a completed 'suite' run (or a 'metrics' run: performance only)\n"
    "  --out DIR     output directory, created or replaced (only when it is empty or holds a\n"
    "                previous report); written as DIR.tmp, then renamed into place\n"
    "  --db FILE     run store (default: $VIGIL_DB, else ./vigil.db)\n"
    "  --no-plots    do not run gnuplot (each plot gets a note instead)\n"
    "  --format F    'table' (default) or 'json': a summary of what was written\n"
    "\n"
    "DIR/report.html   one self-contained page (inline SVG plots and CSS, no scripts, prints)\n"
    "DIR/report.md     the same in Markdown, with DIR/plot-*.svg beside it\n"
    "DIR/evidence.json every number in the report\n"
    "DIR/model-card.xml a CHAI Applied Model Card (mc-schema v0.2)\n"
    "Plots need gnuplot on PATH; without it the report is still written, with a note where\n"
    "each plot would be. Counts from 1 to 10 never appear (CMS small-cell rule).\n"
    "\n"
    "Exit: 0 written and implementable; 1 written, but a criterion failed, the run has no\n"
    "criteria or the audit chain is broken (NOT IMPLEMENTABLE); 2 no such run, a run that did\n"
    "not complete or of another kind, or an unusable --out; 3 internal error.\n";

int cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {{"run", required_argument, 0, 'r'},    {"out", required_argument, 0, 'o'},
                                         {"db", required_argument, 0, 'd'},     {"format", required_argument, 0, 'f'},
                                         {"no-plots", no_argument, 0, 'n'},     {0, 0, 0, 0}};
    const char *run = NULL, *out = NULL, *db = NULL, *format = NULL;
    int no_plots = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r': run = optarg; break;
        case 'o': out = optarg; break;
        case 'd': db = optarg; break;
        case 'f': format = optarg; break;
        case 'n': no_plots = 1; break;
        default:
            if (optopt) return cli_usage("report", "option '%s' needs a value", argv[optind - 1]);
            return cli_usage("report", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return cli_usage("report", "unexpected argument '%s'", argv[optind]);
    if (!run) return cli_usage("report", "--run is required");
    if (!out || !*out) return cli_usage("report", "--out is required");
    size_t id;
    if (cli_parse_size("report", "--run", run, &id)) return VIGIL_EXIT_USAGE;
    int json = cli_parse_format("report", format);
    if (json < 0) return VIGIL_EXIT_USAGE;

    vigil_store *s = NULL;
    int rc = cli_open_store("report", db, 1, &s);
    if (rc) return rc;
    vigil_report_options o = {out, cli_db_path(db), no_plots};
    vigil_report_summary sum;
    int err = vigil_report_write(s, (int64_t)id, &o, &sum);
    vigil_store_close(s);
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
        const char *names[] = {"report.html", "report.md", "evidence.json", "model-card.xml"};
        for (size_t i = 0; i < 4; i++) cJSON_AddItemToArray(f, cJSON_CreateString(names[i]));
        cli_print_json(d);
    } else {
        printf("report of run %lld (%s) written to %s/\n", (long long)sum.run_id, sum.kind, out);
        printf("  report.html, report.md, evidence.json, model-card.xml; %zu of %zu plots drawn\n",
               sum.n_plots_drawn, sum.n_plots);
        printf("  criteria: %zu, failed: %zu; audit chain: %s\n", sum.n_criteria, sum.n_failed,
               sum.audit_ok ? "verified" : "BROKEN");
        printf("  modification: %s\n", sum.implementable ? "IMPLEMENTABLE" : "NOT IMPLEMENTABLE");
    }
    return sum.implementable ? VIGIL_EXIT_OK : VIGIL_EXIT_CRITERION;
}
