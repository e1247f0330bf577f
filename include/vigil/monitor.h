/* vigil — drift monitors: a JSON file (monitors/README.md) that names a case file, a reference
 * and a current window, the drift tests and what to do on an alarm; cron runs it nightly.
 *
 * A run: vigil_monitor_load() reads and checks the whole file (unknown keys, tests, bad
 * windows are refused naming the file and the JSON path) before any data is touched;
 * vigil_monitor_lock() takes the per-monitor flock so two runs never overlap;
 * vigil_monitor_run() loads the data, selects the windows, runs the tests (reference
 * statistics come from the store's cache when the reference data and options are unchanged)
 * and returns a result; vigil_monitor_result_json() is the document the CLI prints and
 * stores; vigil_monitor_alert() writes the alert file and runs the alert command.
 *
 * Ownership: objects from _load/_run are freed with their NULL-safe _free; strings returned
 * by _json/_text are the caller's to free(); strings from getters belong to the object. */
#ifndef VIGIL_MONITOR_H
#define VIGIL_MONITOR_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vigil_monitor vigil_monitor;
typedef struct vigil_monitor_result vigil_monitor_result;
typedef struct vigil_monitor_data vigil_monitor_data;

/* Read and check the monitor file `path`. `now_day` (days since 1970-01-01) ends the
 * {"last_days": N} windows. VIGIL_EINVAL names the file and the JSON path. */
int vigil_monitor_load(vigil_monitor **out, const char *path, long now_day);
void vigil_monitor_free(vigil_monitor *m);

const char *vigil_monitor_name(const vigil_monitor *m);
/* The monitor file's bytes (stored as the run's configuration). */
const char *vigil_monitor_text(const vigil_monitor *m);
/* $.checkpoint: 1 when the monitor writes a signed checkpoint after each night (*key the
 * private key, *dir the directory, both resolved; either out pointer may be NULL), else 0. */
int vigil_monitor_checkpoint(const vigil_monitor *m, const char **key, const char **dir);
/* The run's input files (role "config", "data", "reference", "model"); at most 4. Paths
 * belong to the monitor. Returns how many were written. */
size_t vigil_monitor_files(const vigil_monitor *m, vigil_run_file files[4]);

/* The night a run of `m` tests, as its record places a night that failed before it stored a
 * result: "current window LABEL" (the window's label, "2026-02-11..2026-02-11" or "2001..2003"),
 * with " (--now YYYY-MM-DD)" for a date window, so that its reproduce command gives the same
 * window; "" when the current window is the whole data file. Truncated to cap. */
void vigil_monitor_night_window(const vigil_monitor *m, char *out, size_t cap);

/* The data of one run, loaded once: the case file (and reference file) parsed, the windows
 * selected, the scores computed. A window with fewer than min_samples cases (a feed that
 * stalled) still loads: vigil_monitor_data_insufficient() says why, and vigil_monitor_run()
 * refuses such data with that reason (VIGIL_EINVAL), so the caller can store the night as a
 * failed run first. A date current window with days without a case is warned about
 * (vigil_warn) and listed in the result (windows.current.empty_days, empty_day_list). */
int vigil_monitor_load_data(vigil_monitor_data **out, const vigil_monitor *m, int threads);
/* The same with the reference-statistics cache (may be NULL: as vigil_monitor_load_data). A
 * separate reference file ($.reference_data.path) is keyed by the SHA-256 of its bytes, the
 * monitor file's text and the reference window (monitors/README.md, "The reference cache"):
 * on a hit, when no enabled component needs the reference rows themselves, the file is
 * digested, not parsed, and vigil_monitor_run takes its statistics from the cache. */
int vigil_monitor_load_data_cached(vigil_monitor_data **out, const vigil_monitor *m, int threads,
                                   vigil_store *cache);
/* Why a window holds fewer than min_samples cases (names the monitor file, the window and the
 * data file), or NULL when both hold enough. The string belongs to d. */
const char *vigil_monitor_data_insufficient(const vigil_monitor_data *d);
void vigil_monitor_data_free(vigil_monitor_data *d);
/* vigil_monitor_files with the SHA-256 of the data and reference files taken as they were
 * parsed: the run records the bytes it tested, each file read once (a nightly feed that grows
 * between a hash and a parse would otherwise be recorded wrong). */
size_t vigil_monitor_data_files(const vigil_monitor *m, const vigil_monitor_data *d, vigil_run_file files[4]);

/* Today as days since 1970-01-01 in local time (what "last N days" means to cron). */
long vigil_monitor_today(void);

/* The lock file of a monitor: beside the run store `db_path`, named after the SHA-256 of the
 * monitor file's absolute path: "<db_path>.monitor-<16 hex>.lock". Caller frees. */
char *vigil_monitor_lock_path(const vigil_monitor *m, const char *db_path);
/* Take the exclusive flock on `lock_path`, waiting up to timeout_s; past that VIGIL_EINVAL
 * naming the pid and start time of the run that holds it. Release with
 * vigil_monitor_unlock(*fd). */
int vigil_monitor_lock(const vigil_monitor *m, const char *lock_path, double timeout_s, int *fd);
void vigil_monitor_unlock(int fd);

typedef struct {
    vigil_store *cache;   /* reference-statistics cache (may be NULL: no caching) */
    int threads;          /* <= 0: all cores */
    const vigil_monitor_data *data; /* loaded by vigil_monitor_load_data; NULL: load here */
    /* the run store the monitor's earlier nights are in, for $.cusum.across_nights (the
     * statistic carried from the last completed night); NULL: every night starts at 0 */
    vigil_store *history;
} vigil_monitor_options;

/* The defaults: no reference cache, all cores, the data loaded by vigil_monitor_run, no history. */
#define VIGIL_MONITOR_OPTIONS_INIT {NULL, 0, NULL, NULL}

/* Run every configured test on the data (opt->data, else loaded here). Timings go in the
 * result. */
int vigil_monitor_run(vigil_monitor_result **out, const vigil_monitor *m,
                      const vigil_monitor_options *opt);
void vigil_monitor_result_free(vigil_monitor_result *r);

/* 1 when the monitor alarmed. */
int vigil_monitor_result_alarm(const vigil_monitor_result *r);
/* The result document of monitors/README.md ("The stored result"); run_id <= 0 prints null.
 * Caller frees. NULL on allocation failure. */
char *vigil_monitor_result_json(const vigil_monitor_result *r, int64_t run_id);
/* A readable summary: one line per feature with its verdict. Caller frees. */
char *vigil_monitor_result_text(const vigil_monitor_result *r);
/* Per-feature numbers for the metrics table: scope "feature:<name>", names p_adjusted,
 * effect, drift (0/1); scope "label", "cusum" (with state_upper, state_lower and
 * state_through when carried across nights), "monitor" (alarm), "decisions", "cbpe"
 * (<statistic>_est with its interval, calibration_p, valid) and "performance" (the realised
 * statistics with their intervals); withheld numbers are stored as missing. */
int vigil_monitor_result_store(const vigil_monitor_result *r, vigil_results *res);

typedef struct {
    int file_written;     /* 1 written, 0 not configured, -1 failed */
    int command_ran;      /* 1 ran, 0 not configured, -1 could not start */
    int command_status;   /* its exit status (128 + signal when killed) */
    char message[512];    /* what failed, for stderr and the stored result */
} vigil_monitor_alert_outcome;

/* Act on an alarm: write `alert_json` atomically (temporary file + rename) to the monitor's
 * alert_file and run its command with `alert_json` on stdin. Failures are reported in *out,
 * never returned: an alarm is exit 1 whatever the alert did. */
void vigil_monitor_alert(const vigil_monitor *m, const char *alert_json,
                         vigil_monitor_alert_outcome *out);

#ifdef __cplusplus
}
#endif
#endif
