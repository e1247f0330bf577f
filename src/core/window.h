/* Time windows over a table's time column, and the cron lock (internal).
 *
 * A time column is numeric (e.g. a year, compared as numbers) or holds dates
 * "YYYY-MM-DD[...]" (compared as days). A window is inclusive [from, to] in those units, or,
 * for dates, "the last N days up to now". */
#ifndef VIGIL_CORE_WINDOW_H
#define VIGIL_CORE_WINDOW_H

#include <limits.h>
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil/table.h"

typedef struct {
    bool set;         /* a window was given */
    bool is_date;     /* from/to are days since 1970-01-01 */
    double from, to;  /* inclusive */
    char label[64];   /* "1995..1996" or "2026-10-26..2026-11-24", for reports */
} vigil_window;

/* Days since 1970-01-01 of "YYYY-MM-DD" (anything after the 10th character is ignored;
 * negative before 1970); VIGIL_DAY_INVALID when it is not a valid date. */
#define VIGIL_DAY_INVALID LONG_MIN
long vigil_parse_day(const char *s);
/* The longest "last_days" window (1,000 years): beyond it a day number leaves time_t's range. */
#define VIGIL_MAX_LAST_DAYS 365250
/* YYYY-MM-DD of a day number. */
void vigil_format_day(long day, char out[16]);

/* Read a window object {"from": X, "to": Y} or {"last_days": N} at jpath of `file`.
 * `now_day` anchors last_days (days since epoch). */
int vigil_window_parse(vigil_window *w, const char *file, const char *jpath, const cJSON *obj,
                       long now_day);

/* mask[i] = 1 for rows of `t` whose time (column `time_col`) falls in `w`. Rows without a
 * time value are never in a window; *n_no_time counts them. A date window on a numeric
 * column (or the reverse) is an error naming the column. */
int vigil_window_mask(const vigil_table *t, size_t time_col, const vigil_window *w,
                      uint8_t *mask, size_t *n_in, size_t *n_no_time);

/* An exclusive lock on `path` (created O_EXCL 0600 if absent) held through flock(), so it dies
 * with the process and can never go stale. A lock file that is a symbolic link, not a regular
 * file, has more than one hard link, is owned by another user than the effective one, or is
 * group- or world-writable is refused (VIGIL_EIO naming the path and the reason) before it is
 * written. Waits up to timeout_s seconds; past that, VIGIL_EINVAL with
 * the holder's pid and start time (which the holder writes into the file). *fd_out is the
 * descriptor to close to release it. */
int vigil_lock_acquire(const char *path, double timeout_s, const char *what, int *fd_out);
void vigil_lock_release(int fd);

#endif
