/* Fuzz the monitor loader (vigil_monitor_load): any bytes must give a monitor or a clean
 * error, never a crash, a leak or undefined behaviour; a monitor that loads must be
 * internally consistent.
 *
 * The input is written as monitor.json in a per-process scratch folder: relative paths it
 * names (data, reference data, model, alert file) resolve there. Only the loader and the pure
 * getters run: nothing is read but the monitor file (and access() on the model and the
 * reference), and the alarm actions (alert file, command) are never taken. An input of odd
 * length is loaded with VIGIL_ROOTS set to that folder, so the allowed-roots check on every
 * path is fuzzed too. The folder also holds k.pem, a fixed Ed25519 private key (PKCS#8 of the
 * seed 00..1f, as tests/bad_inputs/files/ckpt_test.pem), so a $.checkpoint naming it loads. */
#include "fuzz.h"
#include "monitor/monitor_internal.h"
#include "vigil/vigil.h"

#include <math.h>
#include <string.h>

static char key_path[200];
static void key_cleanup(void) { unlink(key_path); }

static void write_key(const char *dir)
{
    if (*key_path) return;
    snprintf(key_path, sizeof key_path, "%s/k.pem", dir);
    FILE *f = fopen(key_path, "w");
    if (!f || fputs("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f\n"
                    "-----END PRIVATE KEY-----\n", f) < 0 || fclose(f) != 0)
        abort();
    atexit(key_cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vigil_init();
    static long now_day = -1;
    if (now_day < 0) now_day = vigil_parse_day("2026-01-15");
    const char *dir = NULL;
    const char *path = fuzz_dir_file(data, size, "monitor.json", &dir);
    write_key(dir);
    if (size & 1) setenv("VIGIL_ROOTS", dir, 1);
    else unsetenv("VIGIL_ROOTS");
    vigil_monitor *m = NULL;
    int rc = vigil_monitor_load(&m, path, now_day);
    unsetenv("VIGIL_ROOTS");
    if (rc != VIGIL_OK) {
        if (m || !*vigil_error_last()) abort(); /* an error must say something, return nothing */
        return 0;
    }
    if (!m || !m->name || !*vigil_monitor_name(m) || !vigil_monitor_text(m) || !m->data.path ||
        !(m->alpha > 0 && m->alpha < 1) || m->min_samples < 1 || m->psi_bins < 2 ||
        m->psi_bins > 1000 || !m->tests || (m->tests & ~(unsigned)MON_T_ALL) ||
        (!m->ref_path && !m->ref_w.set) || (m->ref_path && m->ref_w.set) ||
        ((m->ref_w.set || m->cur_w.set) && !m->data.time) ||
        (m->ref_w.set && !(m->ref_w.from <= m->ref_w.to)) ||
        (m->cur_w.set && !(m->cur_w.from <= m->cur_w.to)) ||
        (m->cusum && (!m->data.label || !(m->data.score || m->model_path) ||
                      !(m->cusum_odds_ratio > 0) || m->cusum_odds_ratio == 1 ||
                      /* a fixed limit, or one chosen by simulation for a stated probability */
                      !(m->cusum_limit > 0 || (isnan(m->cusum_limit) && m->cusum_prob > 0 && m->cusum_prob < 1 &&
                                               m->cusum_replicates > 0)))))
        abort();
    const vigil_data_join *J = m->data.join; /* a join source is complete (as_of may default to --now) */
    if (J && (!J->predictions || !J->events || !J->entity || !J->time || !J->score || !J->event_time ||
              !J->event_type != !J->target || !(J->window > 0) || !(J->offset >= 0) || J->aggregate < 0 ||
              J->aggregate > 3 || m->ref_path))
        abort();
    const char *ck_key = NULL, *ck_dir = NULL;
    if (vigil_monitor_checkpoint(m, &ck_key, &ck_dir) != (m->ckpt_key != NULL) || (ck_key && !ck_dir) ||
        (!ck_key && ck_dir))
        abort();
    vigil_run_file files[4];
    size_t n = vigil_monitor_files(m, files);
    if (n < 2 || n > 4) abort();
    for (size_t i = 0; i < n; i++)
        if (!files[i].role || !files[i].path) abort();
    char *lock = vigil_monitor_lock_path(m, "/nonexistent/runs.db"); /* a name only */
    if (!lock || strncmp(lock, "/nonexistent/runs.db.monitor-", 29) != 0) abort();
    free(lock);
    vigil_monitor_free(m);
    return 0;
}
