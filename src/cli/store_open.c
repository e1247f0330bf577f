/* Opening the run store from a command. */
#include "cli/cli.h"
#include "vigil/store.h"
#include "vigil/error.h"

#include <unistd.h>

int cli_open_store(const char *cmd, const char *db_opt, int must_exist, vigil_store **out)
{
    const char *path = cli_db_path(db_opt);
    *out = NULL;
    /* a PostgreSQL store is a server's to answer for: opening it says what is wrong */
    if (must_exist && !vigil_store_is_pg_url(path) && access(path, F_OK) != 0) {
        fprintf(stderr, "vigil %s: error: no run store at '%s' (give --db FILE or set VIGIL_DB)\n",
                cmd, path);
        return VIGIL_EXIT_USAGE;
    }
    /* A command that needs an existing store only to read it (history, report, audit verify,
     * suite diff) opens it read-only, so that a store the user may only read works, and
     * nothing (a migration, a WAL checkpoint) is written by looking. */
    int rc = must_exist == CLI_STORE_READ ? vigil_store_open_readonly(out, path) : vigil_store_open(out, path);
    return rc ? cli_fail(cmd, rc) : VIGIL_EXIT_OK;
}
