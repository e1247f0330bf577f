/* The life of one stored run; see include/vigil/run.h. */
#include "vigil/run.h"
#include "vigil/error.h"

#include <stdio.h>
#include <stdlib.h>

struct vigil_run {
    vigil_store *store;
    int64_t id;
    int open; /* begun in a store and not yet ended */
};

int vigil_run_begin(vigil_run **out, vigil_store *store, const vigil_run_spec *spec)
{
    *out = NULL;
    vigil_run *run = calloc(1, sizeof *run);
    if (!run) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    run->store = store;
    if (store) {
        int rc = vigil_store_run_begin(store, spec, &run->id);
        if (rc) {
            free(run);
            return rc;
        }
        run->open = 1;
    }
    *out = run;
    return VIGIL_OK;
}

int64_t vigil_run_id(const vigil_run *run) { return run ? run->id : 0; }

int vigil_run_finish(vigil_run *run, const vigil_results *res, int passed)
{
    if (!run->store) return VIGIL_OK;
    if (!run->open)
        return vigil_error_set(VIGIL_EINTERNAL, "run %lld was already ended", (long long)run->id);
    int rc = vigil_store_run_finish(run->store, run->id, res, passed);
    /* The finish rolled back: the run is still "running" in the store, and this process is
     * alive to say why. Left so, it would read "running" until the process is gone. */
    if (rc) vigil_run_fail(run, NULL);
    else run->open = 0;
    return rc;
}

int vigil_run_fail(vigil_run *run, const char *why)
{
    if (!run || !run->open) return VIGIL_OK;
    char keep[2048];
    int code = vigil_error_last_code();
    snprintf(keep, sizeof keep, "%s", vigil_error_last());
    /* Recording the failure can fail too (the store is gone); the run then reads
     * "interrupted" once this process ends, and the cause is still the error to report. */
    int rc = vigil_store_run_fail(run->store, run->id, why ? why : *keep ? keep : "failed");
    run->open = 0;
    if (code) vigil_error_set(code, "%s", keep);
    else vigil_error_clear();
    return rc;
}

void vigil_run_free(vigil_run *run)
{
    if (!run) return;
    vigil_run_fail(run, NULL);
    free(run);
}
