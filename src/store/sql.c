/* Errors and transactions of the store's connection (through its driver, driver.h). */
#include "store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>

#define BUSY_TIMEOUT_MS 120000

int vigil_store_busy_timeout_ms(void)
{
    /* Concurrent runs wait for each other; VIGIL_BUSY_TIMEOUT_MS shortens the wait (tests). */
    const char *env = getenv("VIGIL_BUSY_TIMEOUT_MS");
    return env && atoi(env) > 0 ? atoi(env) : BUSY_TIMEOUT_MS;
}

int vigil_store_sql_error(vigil_store *s, const char *what)
{
    const char *hint = "";
    switch (s->drv->errkind(s)) {
    case VIGIL_DB_EBUSY: hint = " (another vigil process held the store longer than the busy timeout)"; break;
    case VIGIL_DB_EREADONLY: hint = " (the database or its directory is read-only)"; break;
    case VIGIL_DB_EFULL: hint = " (the disk is full)"; break;
    default: break;
    }
    return vigil_error_set(VIGIL_EDB, "store '%s': %s: %s%s", s->path, what, s->drv->errmsg(s), hint);
}

int vigil_store_sql_exec(vigil_store *s, const char *sql)
{
    if (s->drv->exec(s, sql) != 0) return vigil_store_sql_error(s, sql);
    return VIGIL_OK;
}

int vigil_store_sql_begin(vigil_store *s, int write)
{
    if (s->drv->begin(s, write) != 0) return vigil_store_sql_error(s, write ? "BEGIN IMMEDIATE" : "BEGIN");
    return VIGIL_OK;
}

int vigil_store_sql_commit(vigil_store *s)
{
    if (s->drv->commit(s) != 0) return vigil_store_sql_error(s, "COMMIT");
    return VIGIL_OK;
}

/* Undo an open transaction after a failure WITHOUT replacing the error that caused it (a
 * full disk must be reported as a full disk, not as a failed rollback). */
void vigil_store_sql_rollback(vigil_store *s)
{
    char keep[1024];
    int code = vigil_error_last_code();
    snprintf(keep, sizeof keep, "%s", vigil_error_last());
    if (s->drv->in_tx(s)) s->drv->rollback(s);
    if (code) vigil_error_set(code, "%s", keep);
}
