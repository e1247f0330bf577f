/* vigil monitor run as one job: lock, begin, test, alert, store, finish-or-fail. */
#include "vigil/run.h"
#include "vigil/audit.h"
#include "vigil/error.h"
#include "core/util.h"
#include "monitor/result_doc.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

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
    int lock_fd = -1, err = VIGIL_OK;
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

    /* the data first: the run records the digests of the bytes it parsed (each file read once) */
    if ((err = vigil_monitor_load_data_cached(&data, m, opt->threads, store)) != 0) goto done;
    vigil_run_file files[4];
    size_t n_files = vigil_monitor_data_files(m, data, files);
    vigil_run_spec spec = {"monitor", vigil_monitor_name(m), vigil_monitor_text(m), files, n_files, 0, 0};
    if ((err = vigil_run_begin(&run, store, &spec)) != 0) goto done;
    res->run_id = vigil_run_id(run);
    /* A night whose feed stalled is part of the record: the run is stored, failed, with the
     * reason (history shows every night), and the command still exits 2. */
    const char *short_why = vigil_monitor_data_insufficient(data);
    if (short_why) {
        vigil_sbuf why = {0};
        vigil_sbuf_printf(&why, "insufficient_data: %s", short_why);
        vigil_run_fail(run, why.failed ? "insufficient_data" : why.s);
        vigil_sbuf_free(&why);
        err = vigil_error_set(VIGIL_EINVAL, "%s (stored as run %lld, status failed: insufficient_data)",
                              short_why, (long long)res->run_id);
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
    if ((err = vigil_run_finish(run, stored, !res->alarm)) != 0 || !ck_key) goto done;
    /* Only now, the night stored: the checkpoint's tree holds it. The printed document says
     * what became of the checkpoint; the stored one cannot (it is inside the tree signed). */
    write_checkpoint(store, m, ck_key, ck_dir, doc, res);
    char *json = cJSON_Print(doc);
    if (json) free(res->json), res->json = json;
    else err = vigil_error_set(VIGIL_ENOMEM, "out of memory writing the result (run %lld is stored)",
                               (long long)res->run_id);
done:
    vigil_run_free(run); /* any early exit above ends the run "failed" */
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
