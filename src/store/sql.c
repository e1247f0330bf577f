/* Errors and transactions of the store's SQLite connection. */
#include "store/store_internal.h"

#include <stdio.h>

int vigil_store_sql_error(vigil_store *s, const char *what)
{
    int ec = sqlite3_extended_errcode(s->db);
    const char *hint = "";
    if ((ec & 0xff) == SQLITE_BUSY || (ec & 0xff) == SQLITE_LOCKED)
        hint = " (another vigil process held the store longer than the busy timeout)";
    else if ((ec & 0xff) == SQLITE_READONLY)
        hint = " (the database or its directory is read-only)";
    else if ((ec & 0xff) == SQLITE_FULL)
        hint = " (the disk is full)";
    return vigil_error_set(VIGIL_EDB, "store '%s': %s: %s%s", s->path, what,
                           sqlite3_errmsg(s->db), hint);
}

int vigil_store_sql_exec(vigil_store *s, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &err) != SQLITE_OK) {
        int rc = vigil_store_sql_error(s, sql);
        sqlite3_free(err);
        return rc;
    }
    return VIGIL_OK;
}

/* Undo an open transaction after a failure WITHOUT replacing the error that caused it (a
 * full disk must be reported as a full disk, not as a failed rollback). */
void vigil_store_sql_rollback(vigil_store *s)
{
    char keep[1024];
    int code = vigil_error_last_code();
    snprintf(keep, sizeof keep, "%s", vigil_error_last());
    if (!sqlite3_get_autocommit(s->db)) {
        char *err = NULL;
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, &err);
        sqlite3_free(err);
    }
    if (code) vigil_error_set(code, "%s", keep);
}
