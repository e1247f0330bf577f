/* vigil store — the run store as a whole: copy one into another (SQLite <-> PostgreSQL). */
#include "cli/cli.h"
#include "cli/options.h"
#include "vigil/audit.h"
#include "vigil/store.h"

#include <string.h>

const char cmd_store_help[] =
    "usage: vigil store copy --from A --to B [--format table|json]\n"
    "\n"
    "copy moves a whole run store into another, for example from an SQLite file to a shared\n"
    "PostgreSQL database (--to postgresql://...) or back: every run, input record, result,\n"
    "document, cached reference statistic, signature and audit entry, verbatim (ids, sequence\n"
    "numbers, digests), in one transaction. The source is verified first (a store that does\n"
    "not verify is not copied); the copy is verified after, and must have the same audit tree\n"
    "head, so checkpoints taken of the original verify against the copy. The target must be\n"
    "empty, or already hold this same history (then nothing is written). A and B are files or\n"
    "postgresql:// URLs; a password is taken from PGPASSWORD or ~/.pgpass, never stored.\n"
    "\n"
    "Exit status: 0 copied (or already copied) and verified, 1 the source or the copy does not\n"
    "verify, 2 bad usage, a store that cannot be opened, or a target holding another history,\n"
    "3 store error.\n"
    "\n";

static struct {
    cli_common c;
    const char *from, *to;
} A;

static const cli_option copy_opts[] = {
    CLI_OPT_STRING("from", 0, "A", "the store to copy (a file or a postgresql:// URL)", &A.from),
    CLI_OPT_STRING("to", 0, "B", "the store to copy into: empty, or holding this same history", &A.to),
    CLI_OPT_STRING("format", 0, "F", "'table' (default) or 'json': {from, to, copied, runs, entries,\n"
                   "results, signatures, cache, head, verified}",
                   &A.c.format),
    CLI_OPT_END,
};

static const cli_spec copy_spec = {"store", cmd_store_help, copy_opts, NULL};
static const cli_option opts[] = {
    CLI_OPT_SUBCOMMAND("copy", &copy_spec),
    CLI_OPT_END,
};

const cli_spec cmd_store_spec = {"store", cmd_store_help, opts, NULL};

static int do_copy(void)
{
    int json = cli_parse_format("store", A.c.format);
    if (json < 0) return VIGIL_EXIT_USAGE;
    if (!A.from || !A.to) return cli_usage("store", "copy needs --from A and --to B");
    vigil_store *from = NULL, *to = NULL;
    int rc = cli_open_store("store", A.from, 1, &from);
    if (rc) return rc;
    vigil_audit_result src, dst;
    int err = vigil_store_audit_verify(from, &src);
    if (err) {
        vigil_store_close(from);
        return cli_fail("store", err);
    }
    if (!src.ok) {
        vigil_store_close(from);
        fprintf(stderr, "vigil store: error: '%s' does not verify, nothing copied: %s\n", A.from, src.message);
        return VIGIL_EXIT_CRITERION;
    }
    if ((rc = cli_open_store("store", A.to, 0, &to)) != 0) {
        vigil_store_close(from);
        return rc;
    }
    vigil_store_copy_result res;
    err = vigil_store_copy(from, to, &res);
    vigil_store_close(from);
    if (!err) err = vigil_store_audit_verify(to, &dst);
    vigil_store_close(to);
    if (err) return cli_fail("store", err);
    int same = dst.ok && dst.n_entries == src.n_entries && dst.n_runs == src.n_runs &&
               strcmp(dst.head, src.head) == 0;
    if (json) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "from", A.from);
        cJSON_AddStringToObject(d, "to", A.to);
        cJSON_AddBoolToObject(d, "copied", !res.already);
        cli_json_number(d, "runs", (double)res.runs);
        cli_json_number(d, "entries", (double)res.entries);
        cli_json_number(d, "results", (double)res.results);
        cli_json_number(d, "signatures", (double)res.signatures);
        cli_json_number(d, "cache", (double)res.cache);
        cJSON_AddStringToObject(d, "head", dst.head);
        cJSON_AddBoolToObject(d, "verified", same);
        cli_print_json(d); /* and frees it */
    } else if (res.already) {
        printf("'%s' already holds this history (%lld runs, %lld audit entries): nothing copied\n", A.to,
               (long long)res.runs, (long long)res.entries);
    } else {
        printf("copied %lld runs, %lld results, %lld signatures, %lld cache entries, %lld audit entries\n",
               (long long)res.runs, (long long)res.results, (long long)res.signatures, (long long)res.cache,
               (long long)res.entries);
    }
    if (!same) {
        fprintf(stderr, "vigil store: error: the copy in '%s' does not verify as the original: %s\n", A.to,
                dst.ok ? "its audit tree differs" : dst.message);
        return VIGIL_EXIT_CRITERION;
    }
    if (!json) printf("audit chain verified on the copy: %lld entries, %lld runs\nhead %s\n",
                      (long long)dst.n_entries, (long long)dst.n_runs, dst.head);
    return VIGIL_EXIT_OK;
}

int cmd_store(int argc, char **argv)
{
    memset(&A, 0, sizeof A);
    const cli_spec *spec;
    int rc = cli_parse_subcommand(&cmd_store_spec, &copy_spec, "copy", &argc, argv, &spec);
    if (rc) return rc < 0 ? VIGIL_EXIT_OK : rc;
    return do_copy();
}
