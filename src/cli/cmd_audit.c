/* vigil audit verify — check the tamper-evident audit chain. */
#include "cli/cli.h"
#include "vigil/store.h"

#include <getopt.h>
#include <string.h>

const char cmd_audit_help[] =
    "usage: vigil audit verify [--db FILE] [--format table|json]\n"
    "\n"
    "Recomputes the audit chain of the run store: every entry's SHA-256 link to the entry\n"
    "before it, and every run's digest over its configuration, input-file hashes, verdict and\n"
    "stored results. An edited metric, a deleted or inserted run, or a deleted or reordered\n"
    "entry is found and the first bad entry named.\n"
    "\n"
    "Exit status: 0 the chain verifies, 1 it does not, 2 no store / bad usage, 3 store error.\n"
    "The output ends with the chain's head hash: record it outside the store (a ticket, an\n"
    "email) to detect a later truncation of the newest entries as well.\n"
    "\n"
    "  --db FILE        the run store (default: $VIGIL_DB, else ./vigil.db)\n"
    "  --format F       'table' (default) or 'json': {ok, entries, runs, first_bad, message,\n"
    "                   head}\n";

int cmd_audit(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"format", required_argument, 0, 'f'},
                                         {0, 0, 0, 0}};
    const char *db = NULL, *format = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'f': format = optarg; break;
        default: return cli_usage("audit", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc) return cli_usage("audit", "missing subcommand (expected 'verify')");
    if (strcmp(argv[optind], "verify") != 0)
        return cli_usage("audit", "unknown subcommand '%s' (expected 'verify')", argv[optind]);
    if (optind + 1 < argc) return cli_usage("audit", "unexpected argument '%s'", argv[optind + 1]);
    int json = cli_parse_format("audit", format);
    if (json < 0) return VIGIL_EXIT_USAGE;
    vigil_store *s = NULL;
    int rc = cli_open_store("audit", db, 1, &s);
    if (rc) return rc;
    vigil_audit_result res;
    int err = vigil_store_audit_verify(s, &res);
    vigil_store_close(s);
    if (err) return cli_fail("audit", err);
    if (json) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddBoolToObject(doc, "ok", res.ok);
        cJSON_AddNumberToObject(doc, "entries", (double)res.n_entries);
        cJSON_AddNumberToObject(doc, "runs", (double)res.n_runs);
        cJSON_AddNumberToObject(doc, "first_bad", (double)res.first_bad);
        cJSON_AddStringToObject(doc, "message", res.message);
        cJSON_AddStringToObject(doc, "head", res.head);
        cli_print_json(doc);
    } else if (res.ok) {
        printf("audit chain verified: %lld entries, %lld runs\nhead %s\n", (long long)res.n_entries,
               (long long)res.n_runs, res.head);
    } else {
        printf("AUDIT CHAIN BROKEN: %s\n(%lld entries, %lld runs checked)\n", res.message,
               (long long)res.n_entries, (long long)res.n_runs);
    }
    return res.ok ? VIGIL_EXIT_OK : VIGIL_EXIT_CRITERION;
}
