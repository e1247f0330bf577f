/* vigil audit verify — check the tamper-evident audit chain. */
#include "cli/cli.h"
#include "cli/options.h"
#include "vigil/store.h"

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
    "\n";

static cli_common A;

static const cli_option opts[] = {
    CLI_OPTS_DB(&A),
    CLI_OPT_STRING("format", 0, "F", "'table' (default) or 'json': {ok, entries, runs, first_bad, message,\nhead}",
                   &A.format),
    CLI_OPT_END,
};

const cli_spec cmd_audit_spec = {"audit", cmd_audit_help, opts, NULL};

int cmd_audit(int argc, char **argv)
{
    memset(&A, 0, sizeof A);
    int npos, rc = cli_options_parse(&cmd_audit_spec, argc, argv, &npos);
    if (rc) return rc < 0 ? VIGIL_EXIT_OK : rc;
    if (npos < 1) return cli_usage("audit", "missing subcommand (expected 'verify')");
    if (strcmp(argv[1], "verify") != 0)
        return cli_usage("audit", "unknown subcommand '%s' (expected 'verify')", argv[1]);
    if (npos > 1) return cli_usage("audit", "unexpected argument '%s'", argv[2]);
    const char *db = A.db;
    int json = cli_parse_format("audit", A.format);
    if (json < 0) return VIGIL_EXIT_USAGE;
    vigil_store *s = NULL;
    rc = cli_open_store("audit", db, 1, &s);
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
