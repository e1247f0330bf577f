/* vigil history — list stored runs. */
#include "cli/cli.h"
#include "cli/options.h"
#include "core/json.h"
#include "vigil/report.h"
#include "vigil/store.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char cmd_history_help[] =
    "usage: vigil history [--kind K] [--name N] [--db FILE] [--format table|json]\n"
    "\n"
    "Lists the runs in the store, oldest first: id, kind (suite, monitor, metrics, replay,\n"
    "explain, drift), name, status, start and finish time (UTC), verdict, result digest and\n"
    "the operator (user@host; the uid in JSON). Reads the store only (a read-only store works).\n"
    "A run whose process died before it finished shows as 'interrupted'. Two runs of the same\n"
    "suite on the same inputs show the same result digest.\n"
    "\n"
    "A failed run's reason is in JSON's \"error\" (null otherwise). A monitor run also shows the\n"
    "current data window it tested, the features that alarmed and the largest feature effect\n"
    "(JSON: \"monitor\": {window, alarms, largest_effect: {feature, value}}, and with the\n"
    "realised performance \"performance\": {auroc, oe_ratio, levels: {\"group=level\": {auroc,\n"
    "oe_ratio, withheld: [what the cell-size policy withholds]}}}); with --kind monitor the\n"
    "table shows them, a failed night's reason on the line below it, and for a night with\n"
    "subgroups its levels' realised AUROC and O/E.\n"
    "\n";

static struct {
    cli_common c;
    const char *kind, *name;
} A;

static const cli_option opts[] = {
    CLI_OPT_STRING("kind", 0, "K", "only runs of this kind", &A.kind),
    CLI_OPT_STRING("name", 0, "N", "only runs with this name (a suite or monitor name)", &A.name),
    CLI_OPTS_DB(&A.c),
    CLI_OPT_STRING("format", 0, "F", "'table' (default) or 'json': {\"runs\": [{id, kind, name, started_at,\n"
                   "finished_at, status, passed, result_digest, operator: {uid, user, host} or null,\n"
                   "error, monitor (monitor runs)}]}",
                   &A.c.format),
    CLI_OPT_END,
};

const cli_spec cmd_history_spec = {"history", cmd_history_help, opts, NULL};

/* "monitor": {window, alarms, largest_effect, performance} of a monitor run. */
static int add_monitor(vigil_store *s, const vigil_run_info *run, cJSON *r)
{
    vigil_report_monitor_night m;
    int err = vigil_report_monitor_night_get(s, run, &m);
    if (err) return err;
    cJSON *o = cJSON_AddObjectToObject(r, "monitor");
    if (*m.window) cJSON_AddStringToObject(o, "window", m.window);
    else cJSON_AddNullToObject(o, "window");
    if (m.has_result) {
        cJSON *a = cJSON_AddArrayToObject(o, "alarms");
        for (size_t k = 0; k < m.n_alarms; k++) cJSON_AddItemToArray(a, cJSON_CreateString(m.alarms[k]));
    } else cJSON_AddNullToObject(o, "alarms");
    if (m.largest_feature && isfinite(m.largest_effect)) {
        cJSON *e = cJSON_AddObjectToObject(o, "largest_effect");
        cJSON_AddStringToObject(e, "feature", m.largest_feature);
        cJSON_AddNumberToObject(e, "value", m.largest_effect);
    } else cJSON_AddNullToObject(o, "largest_effect");
    if (m.has_performance) { /* the realised AUROC and O/E, overall and per subgroup level */
        cJSON *p = cJSON_AddObjectToObject(o, "performance");
        vigil_json_add_number(p, "auroc", m.auroc);
        vigil_json_add_number(p, "oe_ratio", m.oe_ratio);
        if (m.n_levels) {
            cJSON *lv = cJSON_AddObjectToObject(p, "levels");
            for (size_t k = 0; k < m.n_levels; k++) {
                cJSON *e = cJSON_AddObjectToObject(lv, m.level_name[k]);
                vigil_json_add_number(e, "auroc", m.level_auroc[k]);
                vigil_json_add_number(e, "oe_ratio", m.level_oe[k]);
                cJSON *w = cJSON_AddArrayToObject(e, "withheld"); /* by the cell-size policy */
                unsigned f = m.level_withheld[k];
                if (f & VIGIL_REPORT_WITHHELD_LEVEL) cJSON_AddItemToArray(w, cJSON_CreateString("level"));
                if (f & (VIGIL_REPORT_WITHHELD_LEVEL | VIGIL_REPORT_WITHHELD_AUROC))
                    cJSON_AddItemToArray(w, cJSON_CreateString("auroc"));
                if (f & (VIGIL_REPORT_WITHHELD_LEVEL | VIGIL_REPORT_WITHHELD_OE))
                    cJSON_AddItemToArray(w, cJSON_CreateString("oe_ratio"));
            }
        }
    }
    vigil_report_monitor_night_clear(&m);
    return 0;
}

/* A night's realised AUROC and O/E per subgroup level, on a line of its own; withheld or
 * undefined numbers said so. */
static void level_line(const vigil_report_monitor_night *m)
{
    cli_out("       per subgroup level, realised AUROC / O/E:");
    for (size_t k = 0; k < m->n_levels; k++) {
        unsigned f = m->level_withheld[k];
        char a[32], e[32];
        if (f & VIGIL_REPORT_WITHHELD_LEVEL) {
            cli_out("%s %s withheld", k ? "," : "", m->level_name[k]);
            continue;
        }
        snprintf(a, sizeof a, "%s", f & VIGIL_REPORT_WITHHELD_AUROC ? "withheld" : "undefined");
        snprintf(e, sizeof e, "%s", f & VIGIL_REPORT_WITHHELD_OE ? "withheld" : "undefined");
        if (isfinite(m->level_auroc[k])) snprintf(a, sizeof a, "%.3f", m->level_auroc[k]);
        if (isfinite(m->level_oe[k])) snprintf(e, sizeof e, "%.3f", m->level_oe[k]);
        cli_out("%s %s %s / %s", k ? "," : "", m->level_name[k], a, e);
    }
    cli_out("\n");
}

/* The table of monitor runs: the window, the largest effect and what alarmed; a failed run's
 * reason on the line below. */
static int monitor_table(vigil_store *s, const vigil_run_info *runs, size_t n)
{
    cli_out("%5s  %-24s  %-11s  %-24s  %-7s  %-24s  %-20s  %s\n", "id", "name", "status", "started (UTC)", "verdict",
           "current window", "largest effect", "alarmed");
    for (size_t i = 0; i < n; i++) {
        vigil_report_monitor_night m;
        int err = vigil_report_monitor_night_get(s, &runs[i], &m);
        if (err) return cli_fail("history", err);
        const char *verdict = runs[i].passed < 0 ? "-" : runs[i].passed ? "quiet" : "ALARM";
        char eff[96] = "-";
        if (m.largest_feature && isfinite(m.largest_effect))
            snprintf(eff, sizeof eff, "%.3f %.40s", m.largest_effect, m.largest_feature);
        cli_out("%5lld  %-24.24s  %-11s  %-24s  %-7s  %-24s  %-20s  ", (long long)runs[i].id, runs[i].name,
               runs[i].status, runs[i].started_at, verdict, *m.window ? m.window : "-", eff);
        for (size_t k = 0; k < m.n_alarms; k++) cli_out("%s%s", k ? ", " : "", m.alarms[k]);
        cli_out("%s\n", m.n_alarms ? "" : "-");
        if (runs[i].error) cli_out("       reason: %s\n", runs[i].error);
        if (m.n_levels) level_line(&m);
        vigil_report_monitor_night_clear(&m);
    }
    return VIGIL_EXIT_OK;
}

int cmd_history(int argc, char **argv)
{
    memset(&A, 0, sizeof A);
    int npos, rc = cli_options_parse(&cmd_history_spec, argc, argv, &npos);
    if (rc) return rc < 0 ? VIGIL_EXIT_OK : rc;
    if (npos > 0) return cli_usage("history", "unexpected argument '%s'", argv[1]);
    const char *kind = A.kind, *name = A.name, *db = A.c.db;
    if (kind) {
        static const char *const kinds[] = {"suite", "monitor", "metrics", "replay", "explain", "drift"};
        size_t k = 0;
        while (k < sizeof kinds / sizeof *kinds && strcmp(kinds[k], kind) != 0) k++;
        if (k == sizeof kinds / sizeof *kinds)
            return cli_usage("history", "--kind: unknown kind '%s' (suite, monitor, metrics, replay, explain, drift)",
                             kind);
    }
    int json = cli_parse_format("history", A.c.format);
    if (json < 0) return VIGIL_EXIT_USAGE;
    vigil_store *s = NULL;
    rc = cli_open_store("history", db, 1, &s);
    if (rc) return rc;
    vigil_run_info *runs = NULL;
    size_t n = 0;
    int err = vigil_store_list_runs(s, kind, name, &runs, &n);
    if (err) {
        rc = cli_fail("history", err);
        goto done;
    }
    if (json) {
        cJSON *doc = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(doc, "runs");
        for (size_t i = 0; i < n; i++) {
            cJSON *r = cJSON_CreateObject();
            cJSON_AddNumberToObject(r, "id", (double)runs[i].id);
            cJSON_AddStringToObject(r, "kind", runs[i].kind);
            cJSON_AddStringToObject(r, "name", runs[i].name);
            cJSON_AddStringToObject(r, "started_at", runs[i].started_at);
            if (runs[i].finished_at) cJSON_AddStringToObject(r, "finished_at", runs[i].finished_at);
            else cJSON_AddNullToObject(r, "finished_at");
            cJSON_AddStringToObject(r, "status", runs[i].status);
            if (runs[i].passed < 0) cJSON_AddNullToObject(r, "passed");
            else cJSON_AddBoolToObject(r, "passed", runs[i].passed);
            if (runs[i].result_digest) cJSON_AddStringToObject(r, "result_digest", runs[i].result_digest);
            else cJSON_AddNullToObject(r, "result_digest");
            if (runs[i].operator_user) {
                cJSON *op = cJSON_AddObjectToObject(r, "operator");
                cJSON_AddNumberToObject(op, "uid", (double)runs[i].operator_uid);
                cJSON_AddStringToObject(op, "user", runs[i].operator_user);
                if (runs[i].host) cJSON_AddStringToObject(op, "host", runs[i].host);
                else cJSON_AddNullToObject(op, "host");
            } else {
                cJSON_AddNullToObject(r, "operator");
            }
            if (runs[i].error) cJSON_AddStringToObject(r, "error", runs[i].error);
            else cJSON_AddNullToObject(r, "error");
            if (strcmp(runs[i].kind, "monitor") == 0 && (err = add_monitor(s, &runs[i], r)) != 0) {
                cJSON_Delete(r);
                cJSON_Delete(doc);
                rc = cli_fail("history", err);
                goto done;
            }
            cJSON_AddItemToArray(arr, r);
        }
        cli_print_json(doc);
    } else if (n == 0) {
        cli_out("no runs%s%s%s%s\n", kind ? " of kind " : "", kind ? kind : "", name ? " named " : "",
               name ? name : "");
    } else if (kind && strcmp(kind, "monitor") == 0) {
        rc = monitor_table(s, runs, n);
    } else {
        cli_out("%5s  %-8s  %-28s  %-11s  %-24s  %-7s  %-16s  %s\n", "id", "kind", "name", "status",
               "started (UTC)", "verdict", "result digest", "operator");
        for (size_t i = 0; i < n; i++) {
            const char *verdict = runs[i].passed < 0 ? "-" : runs[i].passed ? "PASS" : "FAIL";
            if (strcmp(runs[i].kind, "monitor") == 0 && runs[i].passed >= 0)
                verdict = runs[i].passed ? "quiet" : "ALARM";
            char op[300] = "-";
            if (runs[i].operator_user)
                snprintf(op, sizeof op, "%s@%s", runs[i].operator_user, runs[i].host ? runs[i].host : "?");
            cli_out("%5lld  %-8s  %-28.28s  %-11s  %-24s  %-7s  %-16.16s  %s\n", (long long)runs[i].id,
                   runs[i].kind, runs[i].name, runs[i].status, runs[i].started_at, verdict,
                   runs[i].result_digest ? runs[i].result_digest : "-", op);
        }
    }
done:
    vigil_run_info_free(runs, n);
    vigil_store_close(s);
    return rc;
}
