/* vigil monitor run as one job: lock, begin, test, alert, store, finish-or-fail. */
#include "vigil/run.h"
#include "vigil/audit.h"
#include "vigil/error.h"
#include "core/util.h"
#include "monitor/result_doc.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vigil_run_monitor_result {
    char *json, *text;
    char alert_error[512];
    int alarm;
    int64_t run_id;
    int checkpoint;         /* 0 none asked for, 1 written, -1 failed */
    char *checkpoint_file;
    char checkpoint_error[1024];
};

void vigil_run_monitor_result_free(vigil_run_monitor_result *r)
{
    if (!r) return;
    free(r->json);
    free(r->text);
    free(r->checkpoint_file);
    free(r);
}

const char *vigil_run_monitor_result_json(const vigil_run_monitor_result *r) { return r->json; }
const char *vigil_run_monitor_result_text(const vigil_run_monitor_result *r) { return r->text; }
int vigil_run_monitor_result_alarm(const vigil_run_monitor_result *r) { return r->alarm; }
int64_t vigil_run_monitor_result_run_id(const vigil_run_monitor_result *r) { return r->run_id; }
const char *vigil_run_monitor_result_alert_error(const vigil_run_monitor_result *r)
{
    return r->alert_error;
}
int vigil_run_monitor_result_checkpoint(const vigil_run_monitor_result *r, const char **file,
                                        const char **error)
{
    if (file) *file = r->checkpoint_file;
    if (error) *error = r->checkpoint_error;
    return r->checkpoint;
}

/* The night's signed checkpoint, once its run is stored: of the tree that holds it. A failure
 * loses nothing (the run is stored): it is said in the document and kept for the caller. */
static void write_checkpoint(vigil_store *store, const vigil_monitor *m, const char *key, const char *dir,
                             cJSON *doc, vigil_run_monitor_result *res)
{
    int64_t size = -1;
    int err = vigil_audit_checkpoint_to_dir(store, key, dir, vigil_monitor_name(m), NULL, &res->checkpoint_file,
                                            &size);
    cJSON *c = cJSON_CreateObject();
    cJSON_AddBoolToObject(c, "written", !err);
    if (!err) {
        res->checkpoint = 1;
        cJSON_AddStringToObject(c, "file", res->checkpoint_file);
        cJSON_AddNumberToObject(c, "tree_size", (double)size);
    } else {
        res->checkpoint = -1;
        snprintf(res->checkpoint_error, sizeof res->checkpoint_error, "%s", vigil_error_last());
        cJSON_AddStringToObject(c, "error", res->checkpoint_error);
    }
    cJSON_AddItemToObject(doc, "checkpoint", c);
}

/* What the alert did, in the document (and kept for the caller to say on stderr). */
static void note_alert(cJSON *doc, const vigil_monitor_alert_outcome *o, vigil_run_monitor_result *res)
{
    cJSON *a = cJSON_AddObjectToObject(doc, "alert");
    if (o->file_written) cJSON_AddBoolToObject(a, "file_written", o->file_written > 0);
    if (o->command_ran) {
        cJSON_AddBoolToObject(a, "command_ran", o->command_ran > 0);
        if (o->command_ran > 0) cJSON_AddNumberToObject(a, "command_status", o->command_status);
        else cJSON_AddNullToObject(a, "command_status");
    }
    if (*o->message) {
        cJSON_AddStringToObject(a, "error", o->message);
        snprintf(res->alert_error, sizeof res->alert_error, "%s", o->message);
    }
}

/* The alarm's side effects: the alert carries the whole result, so a handler needs nothing
 * else. */
static int act_on_alarm(const vigil_monitor *m, cJSON *doc, const char *monitor_file,
                        vigil_run_monitor_result *res)
{
    if (monitor_file) cJSON_AddStringToObject(doc, "monitor_file", monitor_file);
    char *alert = cJSON_Print(doc);
    if (!alert) return vigil_error_set(VIGIL_ENOMEM, "out of memory writing the alert");
    vigil_monitor_alert_outcome out;
    vigil_monitor_alert(m, alert, &out);
    free(alert);
    if (out.file_written || out.command_ran) note_alert(doc, &out, res);
    return VIGIL_OK;
}

/* The files a night names when its data could not be loaded, each with the digest of its
 * bytes as they are now; one that cannot be read is left out (the failure's reason names it).
 * The error slot is the caller's to keep. */
static size_t readable_files(const vigil_monitor *m, vigil_run_file files[4], char sha[4][65])
{
    vigil_run_file all[4];
    size_t n = vigil_monitor_files(m, all), k = 0;
    for (size_t i = 0; i < n; i++) {
        if (vigil_sha256_file(all[i].path, sha[k], &all[i].bytes) != 0) continue;
        files[k] = all[i];
        files[k].sha256 = sha[k];
        k++;
    }
    return k;
}

/* A night that failed once the store was open is part of the record: its run ends "failed"
 * with the error's message as the reason (`category`, e.g. "insufficient_data", before it),
 * then the window the night would have tested (vigil_monitor_night_window) unless the message
 * names it, so the record places the night by its data window and its reproduce command
 * carries its --now; the message says it was stored. The error's code stays (the exit status
 * is the failure's, 2 for bad input). */
static void fail_night(vigil_run *run, int64_t id, const vigil_monitor *m, const char *category)
{
    int code = vigil_error_last_code();
    char keep[2048], win[160];
    snprintf(keep, sizeof keep, "%s", vigil_error_last());
    vigil_monitor_night_window(m, win, sizeof win);
    vigil_sbuf why = {0};
    if (category) vigil_sbuf_printf(&why, "%s: ", category);
    /* a short current window names itself in the message (the record reads it there) */
    int named = strstr(keep, "$.windows.current: ") != NULL;
    vigil_sbuf_printf(&why, "%s%s%s", keep, *win && !named ? " -- " : "", named ? "" : win);
    int rc = vigil_run_fail(run, why.failed ? keep : why.s);
    vigil_sbuf_free(&why);
    if (!rc)
        vigil_error_set(code, "%.1900s (stored as run %lld, status failed%s%s)", keep, (long long)id,
                        category ? ": " : "", category ? category : "");
    else
        vigil_error_set(code, "%.1900s (run %lld could not be marked failed in the store; it will read "
                        "'interrupted')", keep, (long long)id);
}

int vigil_run_monitor(vigil_run_monitor_result **out, const vigil_monitor *m,
                      const vigil_run_monitor_options *opt)
{
    *out = NULL;
    vigil_run_monitor_result *res = calloc(1, sizeof *res);
    vigil_monitor_result *r = NULL;
    vigil_monitor_data *data = NULL;
    vigil_store *store = NULL;
    vigil_results *stored = NULL;
    vigil_run *run = NULL;
    char *lock_path = NULL;
    cJSON *doc = NULL;
    int lock_fd = -1, err = VIGIL_OK, run_open = 0;
    if (!res) return vigil_error_set(VIGIL_ENOMEM, "out of memory");

    /* a key beside the store is refused before anything runs, as 'vigil audit keygen' does */
    const char *ck_key = NULL, *ck_dir = NULL;
    if (vigil_monitor_checkpoint(m, &ck_key, &ck_dir) && vigil_audit_key_beside_store(ck_key, opt->db_path)) {
        err = vigil_error_set(VIGIL_EINVAL, "%s: $.checkpoint.key: '%s' is in the run store's directory: a key "
                              "kept beside the store is no safer than the store; keep it where whoever can "
                              "write the store cannot", opt->monitor_file ? opt->monitor_file : vigil_monitor_name(m),
                              ck_key);
        goto done;
    }
    const char *lp = opt->lock_path;
    if (!lp && !(lp = lock_path = vigil_monitor_lock_path(m, opt->db_path))) {
        err = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    if ((err = vigil_monitor_lock(m, lp, opt->lock_timeout, &lock_fd)) != 0) goto done;
    if ((err = vigil_store_open(&store, opt->db_path)) != 0) goto done;

    /* From here every night is part of the record (history and the report show every night):
     * one that fails on its input (a column the data lacks, a file that cannot be read or
     * parsed, a bad value, too few cases) or in the computation is stored as a failed run with
     * the reason, and the command still exits with the failure's status.
     * The data first: the run records the digests of the bytes it parsed (each file read
     * once); when they could not be loaded, of the files as they are now. */
    err = vigil_monitor_load_data_cached(&data, m, opt->threads, store);
    vigil_run_file files[4];
    char sha[4][65];
    char keep[2048];
    int code = vigil_error_last_code();
    snprintf(keep, sizeof keep, "%s", vigil_error_last());
    size_t n_files = data ? vigil_monitor_data_files(m, data, files) : readable_files(m, files, sha);
    vigil_run_spec spec = {"monitor", vigil_monitor_name(m), vigil_monitor_text(m), files, n_files, 0, 0};
    int begun = vigil_run_begin(&run, store, &spec);
    if (begun) { /* nothing could be recorded: the cause of the night's failure comes first */
        if (err) vigil_error_set(code, "%s", keep);
        else err = begun;
        goto done;
    }
    if (err) vigil_error_set(code, "%s", keep);
    res->run_id = vigil_run_id(run);
    run_open = 1;
    if (err) goto done;
    /* A night whose feed stalled: stored failed with the reason insufficient_data. */
    const char *short_why = vigil_monitor_data_insufficient(data);
    if (short_why) {
        err = vigil_error_set(VIGIL_EINVAL, "%s", short_why);
        fail_night(run, res->run_id, m, "insufficient_data");
        run_open = 0;
        goto done;
    }

    vigil_monitor_options mo = VIGIL_MONITOR_OPTIONS_INIT;
    mo.cache = store, mo.threads = opt->threads, mo.data = data, mo.history = store;
    if ((err = vigil_monitor_run(&r, m, &mo)) != 0) goto done;
    res->alarm = vigil_monitor_result_alarm(r);

    double tw = vigil_seconds();
    if (!(doc = vigil_monitor_result_doc(r, res->run_id))) {
        err = vigil_error_set(VIGIL_ENOMEM, "out of memory writing the result");
        goto done;
    }
    cJSON_AddStringToObject(doc, "lock", lp);
    if (res->alarm && (err = act_on_alarm(m, doc, opt->monitor_file, res)) != 0) goto done;
    if ((err = vigil_results_new(&stored)) != 0 || (err = vigil_monitor_result_store(r, stored)) != 0)
        goto done;
    cJSON *secs = cJSON_GetObjectItemCaseSensitive(doc, "seconds");
    if (secs) cJSON_ReplaceItemInObjectCaseSensitive(secs, "write", cJSON_CreateNumber(vigil_seconds() - tw));
    if (!(res->json = cJSON_Print(doc)) || !(res->text = vigil_monitor_result_text(r))) {
        err = vigil_error_set(VIGIL_ENOMEM, "out of memory writing the result");
        goto done;
    }
    if ((err = vigil_results_add_document(stored, "result", res->json)) != 0) goto done;
    run_open = 0; /* a finish that fails marks the run failed itself */
    if ((err = vigil_run_finish(run, stored, !res->alarm)) != 0 || !ck_key) goto done;
    /* Only now, the night stored: the checkpoint's tree holds it. The printed document says
     * what became of the checkpoint; the stored one cannot (it is inside the tree signed). */
    write_checkpoint(store, m, ck_key, ck_dir, doc, res);
    char *json = cJSON_Print(doc);
    if (json) free(res->json), res->json = json;
    else err = vigil_error_set(VIGIL_ENOMEM, "out of memory writing the result (run %lld is stored)",
                               (long long)res->run_id);
done:
    if (err && run_open) fail_night(run, res->run_id, m, NULL);
    vigil_run_free(run); /* no early exit above leaves the run "running" */
    cJSON_Delete(doc);
    vigil_results_free(stored);
    vigil_store_close(store);
    vigil_monitor_unlock(lock_fd);
    free(lock_path);
    vigil_monitor_result_free(r);
    vigil_monitor_data_free(data);
    if (err) vigil_run_monitor_result_free(res);
    else *out = res;
    return err;
}
