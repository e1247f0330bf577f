/* vigil cases join — a case file from a prediction log and an event table (include/vigil/join.h). */
#include "cli/cli.h"
#include "cli/options.h"
#include "run/join_internal.h"
#include "vigil/error.h"
#include "vigil/join.h"
#include "vigil/table.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_cases_help[] =
    "usage: vigil cases join --predictions P.csv --events E.csv --entity COL --time COL --score COL\n"
    "                        --event-time COL --window H --out CASES.csv [--offset H]\n"
    "                        [--event-entity COL] [--event-type COL --target TYPE]\n"
    "                        [--aggregate each|first|last|max] [--as-of TIME]\n"
    "                        [--threshold T] [--group COL]... [--label NAME] [--keep-immature]\n"
    "                        [--format table|json]\n"
    "\n"
    "Turns a prediction log (entity, prediction time, score, any other columns) and an event table\n"
    "(entity, event time, optional type) into a case file for metrics, suites and monitors: every\n"
    "column of the log, then the label (1 when a target event of the entity falls in\n"
    "[prediction + offset, prediction + offset + window], both ends included) and event_time (that\n"
    "event's time). Events before prediction + offset are not outcomes of it. A prediction without\n"
    "such an event whose window has not closed by --as-of is immature: left out and counted, never\n"
    "written as a negative (--keep-immature writes it with an empty label, as a monitor whose data\n"
    "section joins the logs keeps it); events after --as-of change nothing (not known yet). Times are\n"
    "ISO 8601 timestamps (window and offset in hours) or plain numbers in one unit (then --as-of is\n"
    "required). With --threshold, the summary gives the lead time from each entity's first\n"
    "prediction at or over the threshold to its event, overall and per --group level (levels under\n"
    "11 entities withheld).\n"
    "\n"
    "Exit status: 0 written, 2 bad input (a time that does not parse names file:line; an event\n"
    "table whose entities match no prediction names the count), 3 internal.\n"
    "\n";

static struct {
    const char *pred, *events, *out, *format, *aggregate, *window, *offset, *threshold, *delimiter;
    vigil_join_options o;
    cli_list groups;
} A;

static const cli_option join_opts[] = {
    CLI_OPT_STRING("predictions", 0, "P.csv", "the prediction log", &A.pred),
    CLI_OPT_STRING("events", 0, "E.csv", "the event table", &A.events),
    CLI_OPT_STRING("entity", 0, "COL", "the entity (patient, encounter) column of the log", &A.o.entity),
    CLI_OPT_STRING("time", 0, "COL", "the prediction time column", &A.o.time),
    CLI_OPT_STRING("score", 0, "COL", "the score column", &A.o.score),
    CLI_OPT_STRING("event-time", 0, "COL", "the event table's time column", &A.o.event_time),
    CLI_OPT_STRING("event-entity", 0, "COL", "the event table's entity column (default: --entity)", &A.o.event_entity),
    CLI_OPT_STRING("event-type", 0, "COL", "the event table's type column (with --target)", &A.o.event_type),
    CLI_OPT_STRING("target", 0, "TYPE", "the event type that is the outcome (with --event-type)", &A.o.target),
    CLI_OPT_STRING("window", 0, "H", "how long after prediction + offset an event counts (hours for\ntimestamps)",
                   &A.window),
    CLI_OPT_STRING("offset", 0, "H", "lead time an event needs after the prediction (default 0)", &A.offset),
    CLI_OPT_CHOICE("aggregate", 0, "A", "each|first|last|max",
                   "one case per prediction (each, the default) or per entity: its first,\nlast or highest score",
                   &A.aggregate),
    CLI_OPT_STRING("as-of", 0, "TIME", "when the data was taken (default: now; required for numeric times)",
                   &A.o.as_of),
    CLI_OPT_STRING("threshold", 0, "T", "lead times from the first score at or over T", &A.threshold),
    CLI_OPT_LIST("group", 0, "COL", "lead times per level of COL (repeatable)", &A.groups),
    CLI_OPT_STRING("label", 0, "NAME", "the label column to write (default label)", &A.o.label),
    CLI_OPT_FLAG("keep-immature", 0, "write immature predictions too, with an empty label (as a monitor's\n"
                 "data.join keeps them), instead of leaving them out", &A.o.keep_immature),
    CLI_OPT_STRING("delimiter", 0, "C", "the input files' field separator: ',' (default), ';', '|' or tab\n"
                   "(the case file is written with commas)", &A.delimiter),
    CLI_OPT_STRING("out", 0, "CASES.csv", "the case file to write (replaced whole, or not at all)", &A.out),
    CLI_OPT_CHOICE("format", 0, "F", "table|json", "'table' (default) or 'json': the summary", &A.format),
    CLI_OPT_END,
};
static const cli_spec join_spec = {"cases join", cmd_cases_help, join_opts, NULL};
static const cli_option opts[] = {
    CLI_OPT_SUBCOMMAND("join", &join_spec),
    CLI_OPT_END,
};
const cli_spec cmd_cases_spec = {"cases", cmd_cases_help, opts, NULL};

static int number(const char *opt, const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v)) return cli_usage("cases", "%s: expected a number, not '%s'", opt, s);
    *out = v;
    return 0;
}

static int do_join(void)
{
    if (!A.pred || !A.events || !A.out || !A.window || !A.o.entity || !A.o.time || !A.o.score || !A.o.event_time)
        return cli_usage("cases", "join needs --predictions, --events, --entity, --time, --score, --event-time, "
                                  "--window and --out");
    int rc;
    if ((rc = number("--window", A.window, &A.o.window)) != 0) return rc;
    if (A.offset && (rc = number("--offset", A.offset, &A.o.offset)) != 0) return rc;
    if (A.threshold) {
        if ((rc = number("--threshold", A.threshold, &A.o.threshold)) != 0) return rc;
        A.o.lead_time = 1;
    } else if (A.groups.n)
        return cli_usage("cases", "--group gives lead times per level: it needs --threshold");
    static const char *const agg[] = {"each", "first", "last", "max"};
    for (int k = 0; A.aggregate && k < 4; k++)
        if (strcmp(A.aggregate, agg[k]) == 0) A.o.aggregate = (vigil_join_aggregate)k;
    A.o.groups = (const char *const *)A.groups.v, A.o.n_groups = A.groups.n;
    /* ids and times are text: "00123" stays itself, a time is parsed by the join */
    vigil_col_decl pd[] = {{A.o.entity, VIGIL_COL_CATEGORICAL}, {A.o.time, VIGIL_COL_CATEGORICAL}};
    const char *ee = A.o.event_entity ? A.o.event_entity : A.o.entity;
    vigil_col_decl ed[] = {{ee, VIGIL_COL_CATEGORICAL}, {A.o.event_time, VIGIL_COL_CATEGORICAL},
                           {A.o.event_type ? A.o.event_type : ee, VIGIL_COL_CATEGORICAL}};
    vigil_csv_options po = VIGIL_CSV_OPTIONS_INIT, eo = VIGIL_CSV_OPTIONS_INIT;
    if (cli_parse_delimiter("cases", A.delimiter, &po.delimiter)) return VIGIL_EXIT_USAGE;
    eo.delimiter = po.delimiter;
    po.types = pd, po.n_types = 2;
    eo.types = ed, eo.n_types = A.o.event_type ? 3 : 2;
    vigil_table *p = NULL, *e = NULL;
    cJSON *doc = NULL; /* the join's summary as the library built it, never re-parsed */
    int err = vigil_table_read_csv(&p, A.pred, &po);
    if (!err) err = vigil_table_read_csv(&e, A.events, &eo);
    if (!err) err = vigil_join_cases_cjson(p, e, &A.o, A.out, &doc);
    vigil_table_free(p), vigil_table_free(e);
    if (err) return cli_fail("cases", err);
    double unmatched = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "events"), "unmatched_entities")->valuedouble;
    if (unmatched > 0)
        fprintf(stderr, "vigil cases: warning: %.0f entities of %s have events but no prediction (left out)\n",
                unmatched, A.events);
    if (A.format && strcmp(A.format, "json") == 0) {
        cli_print_json(doc); /* frees it */
        return VIGIL_EXIT_OK;
    } else {
        const cJSON *ev = cJSON_GetObjectItem(doc, "events");
        printf("joined %.0f predictions of %.0f entities (%s) into %.0f cases in %s: %.0f positive, %.0f negative; "
               "%.0f immature %s (their windows still open at %s)\n",
               cJSON_GetObjectItem(doc, "predictions")->valuedouble, cJSON_GetObjectItem(doc, "entities")->valuedouble,
               cJSON_GetObjectItem(doc, "aggregate")->valuestring, cJSON_GetObjectItem(doc, "cases")->valuedouble,
               A.out, cJSON_GetObjectItem(doc, "positives")->valuedouble,
               cJSON_GetObjectItem(doc, "negatives")->valuedouble, cJSON_GetObjectItem(doc, "immature")->valuedouble,
               A.o.keep_immature ? "written with an empty label" : "left out", cJSON_GetObjectItem(doc, "as_of")->valuestring);
        printf("events: %.0f rows, %.0f of the target, %.0f used, %.0f after as-of (not known yet), %.0f entities "
               "without a prediction\n",
               cJSON_GetObjectItem(ev, "rows")->valuedouble, cJSON_GetObjectItem(ev, "target")->valuedouble,
               cJSON_GetObjectItem(ev, "used")->valuedouble, cJSON_GetObjectItem(ev, "future")->valuedouble,
               cJSON_GetObjectItem(ev, "unmatched_entities")->valuedouble);
        const cJSON *lt = cJSON_GetObjectItem(doc, "lead_time"), *ov = lt ? cJSON_GetObjectItem(lt, "overall") : NULL;
        const cJSON *med = ov ? cJSON_GetObjectItem(ov, "median") : NULL;
        if (ov && cJSON_IsNumber(med))
            printf("lead time (%s) from the first score >= %g to the event: median %.4g, quartiles %.4g to %.4g, "
                   "over %.0f of %.0f entities with an event\n",
                   cJSON_GetObjectItem(lt, "unit")->valuestring, A.o.threshold, med->valuedouble,
                   cJSON_GetObjectItem(ov, "q1")->valuedouble, cJSON_GetObjectItem(ov, "q3")->valuedouble,
                   cJSON_GetObjectItem(ov, "flagged_before_event")->valuedouble,
                   cJSON_GetObjectItem(ov, "entities_with_event")->valuedouble);
    }
    cJSON_Delete(doc);
    return VIGIL_EXIT_OK;
}

int cmd_cases(int argc, char **argv)
{
    memset(&A, 0, sizeof A);
    A.o = (vigil_join_options)VIGIL_JOIN_OPTIONS_INIT;
    const cli_spec *spec;
    int rc = cli_parse_subcommand(&cmd_cases_spec, &join_spec, "join", &argc, argv, &spec);
    if (rc) return rc < 0 ? VIGIL_EXIT_OK : rc;
    return do_join();
}
