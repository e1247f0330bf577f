/* Time windows and the cron lock; see src/core/window.h. */
#include "core/window.h"
#include "core/phi_internal.h"
#include "core/config.h"
#include "core/util.h"
#include "vigil/error.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

long vigil_parse_day(const char *s)
{
    int y, m, d;
    if (strlen(s) < 10 || s[4] != '-' || s[7] != '-') return VIGIL_DAY_INVALID;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return VIGIL_DAY_INVALID;
    y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1]) return VIGIL_DAY_INVALID;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m == 2 && d == 29 && !leap) return VIGIL_DAY_INVALID;
    if (s[10] && s[10] != 'T' && s[10] != ' ') return VIGIL_DAY_INVALID;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12};
    time_t t = timegm(&tm); /* noon: floor division gives the day, before 1970 too */
    return (long)((t - (t < 0 ? 86399 : 0)) / 86400);
}

void vigil_format_day(long day, char out[16])
{
    time_t t = (time_t)day * 86400 + 43200;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

/* A bound: a number, or a date string. */
static int bound(const char *file, const char *jpath, const cJSON *obj, const char *key,
                 double *out, int *is_date)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) return vigil_error_set(VIGIL_EINVAL, "%s: %s: missing required key '%s'", file, jpath, key);
    if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) {
        *out = v->valuedouble;
        *is_date = 0;
        return VIGIL_OK;
    }
    long d = cJSON_IsString(v) ? vigil_parse_day(v->valuestring) : VIGIL_DAY_INVALID;
    if (d == VIGIL_DAY_INVALID)
        return vigil_error_set(VIGIL_EINVAL, "%s: %s.%s: expected a number or a date YYYY-MM-DD",
                               file, jpath, key);
    *out = (double)d;
    *is_date = 1;
    return VIGIL_OK;
}

int vigil_window_parse(vigil_window *w, const char *file, const char *jpath, const cJSON *obj,
                       long now_day)
{
    static const char *const keys[] = {"from", "to", "last_days", NULL};
    memset(w, 0, sizeof *w);
    if (!cJSON_IsObject(obj))
        return vigil_error_set(VIGIL_EINVAL, "%s: %s: expected an object", file, jpath);
    int rc = vigil_cfg_keys(file, jpath, obj, keys);
    if (rc) return rc;
    double last = NAN;
    if ((rc = vigil_cfg_number(file, jpath, obj, "last_days", false, &last)) != 0) return rc;
    if (!isnan(last)) {
        if (cJSON_GetObjectItemCaseSensitive(obj, "from") || cJSON_GetObjectItemCaseSensitive(obj, "to"))
            return vigil_error_set(VIGIL_EINVAL, "%s: %s: give either last_days or from/to", file, jpath);
        if (last < 1 || last != floor(last) || last > VIGIL_MAX_LAST_DAYS)
            return vigil_error_set(VIGIL_EINVAL, "%s: %s.last_days: expected a whole number from 1 to %d",
                                   file, jpath, VIGIL_MAX_LAST_DAYS);
        w->is_date = true;
        w->to = (double)now_day;
        w->from = (double)now_day - last + 1;
    } else {
        int d1, d2;
        if ((rc = bound(file, jpath, obj, "from", &w->from, &d1)) != 0 ||
            (rc = bound(file, jpath, obj, "to", &w->to, &d2)) != 0)
            return rc;
        if (d1 != d2)
            return vigil_error_set(VIGIL_EINVAL, "%s: %s: from and to must both be numbers or "
                                                 "both dates", file, jpath);
        if (w->from > w->to)
            return vigil_error_set(VIGIL_EINVAL, "%s: %s: from is after to", file, jpath);
        w->is_date = d1;
    }
    w->set = true;
    if (w->is_date) {
        char a[16], b[16];
        vigil_format_day((long)w->from, a);
        vigil_format_day((long)w->to, b);
        snprintf(w->label, sizeof w->label, "%s..%s", a, b);
    } else {
        snprintf(w->label, sizeof w->label, "%g..%g", w->from, w->to);
    }
    return VIGIL_OK;
}

int vigil_window_mask(const vigil_table *t, size_t col, const vigil_window *w, uint8_t *mask,
                      size_t *n_in, size_t *n_no_time)
{
    size_t n = vigil_table_nrows(t), in = 0, none = 0;
    const char *name = vigil_table_col_name(t, col);
    if (vigil_table_col_type(t, col) == VIGIL_COL_NUMERIC) {
        if (w->is_date)
            return vigil_error_set(VIGIL_EINVAL, "%s: time column '%s' holds numbers, but the "
                                   "window %s is in dates", vigil_table_source(t), name, w->label);
        const double *x = vigil_table_numeric(t, col);
        for (size_t i = 0; i < n; i++) {
            if (isnan(x[i])) none++;
            mask[i] = !isnan(x[i]) && x[i] >= w->from && x[i] <= w->to;
            in += mask[i];
        }
    } else {
        if (!w->is_date)
            return vigil_error_set(VIGIL_EINVAL, "%s: time column '%s' holds text, so windows "
                                   "must be dates (YYYY-MM-DD), not %s", vigil_table_source(t),
                                   name, w->label);
        size_t nl = vigil_table_n_levels(t, col);
        long *day = malloc((nl ? nl : 1) * sizeof *day);
        if (!day) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
        const int32_t *c = vigil_table_codes(t, col);
        for (size_t l = 0; l < nl; l++) day[l] = vigil_parse_day(vigil_table_level(t, col, l));
        for (size_t i = 0; i < n; i++) {
            if (c[i] >= 0 && day[c[i]] == VIGIL_DAY_INVALID) {
                /* the value itself only when it cannot be an identifier (phi_values.c) */
                const char *lvs = vigil_table_level(t, col, (size_t)c[i]);
                char what[96];
                int rc = vigil_error_set(VIGIL_EINVAL, "%s:%zu: time column '%s': %s is not a "
                                         "date YYYY-MM-DD", vigil_table_source(t),
                                         vigil_table_row_line(t, i), name,
                                         vigil_phi_describe_value(name, lvs, strlen(lvs), what, sizeof what));
                free(day);
                return rc;
            }
            if (c[i] < 0) none++;
            mask[i] = c[i] >= 0 && day[c[i]] >= w->from && day[c[i]] <= w->to;
            in += mask[i];
        }
        free(day);
    }
    *n_in = in;
    if (n_no_time) *n_no_time = none;
    return VIGIL_OK;
}

int vigil_lock_acquire(const char *path, double timeout_s, const char *what, int *fd_out)
{
    *fd_out = -1;
    /* The lock persists between runs. Absent, it is created here, O_EXCL and 0600; present, it
     * is opened as it is (never O_TRUNC: nothing is emptied before it is proved ours).
     * O_NOFOLLOW refuses a symlink planted at the path; after the open, fstat of the opened
     * file refuses what is not a regular file of one link (a hard link planted at the path
     * would make the lock's write land in its target), owned by the effective user and not
     * writable by group or others. Only then is it truncated, through this descriptor. */
    const int fl = O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
    int fd = -1;
    for (int tries = 0; fd < 0 && tries < 8; tries++) {
        fd = open(path, fl | O_CREAT | O_EXCL, 0600);
        if (fd < 0 && errno == EEXIST) fd = open(path, fl);
        if (fd < 0 && errno != ENOENT) break; /* ENOENT: removed in between; create it again */
    }
    if (fd < 0 && errno == ELOOP)
        return vigil_error_set(VIGIL_EIO, "%s: lock file is a symbolic link; refusing to use it",
                               path);
    if (fd < 0)
        return vigil_error_set(VIGIL_EIO, "%s: cannot open lock file: %s", path, strerror(errno));
    struct stat st;
    const char *why = NULL;
    char whybuf[120];
    if (fstat(fd, &st) != 0) why = "cannot be examined (fstat failed)";
    else if (!S_ISREG(st.st_mode)) why = "is not a regular file";
    else if (st.st_nlink != 1) {
        snprintf(whybuf, sizeof whybuf, "has %ju hard links (a lock has one; another name for this "
                 "file would be overwritten)", (uintmax_t)st.st_nlink);
        why = whybuf;
    } else if (st.st_uid != geteuid()) {
        snprintf(whybuf, sizeof whybuf, "is owned by uid %ju, not by the user running the monitor "
                 "(uid %ju)", (uintmax_t)st.st_uid, (uintmax_t)geteuid());
        why = whybuf;
    } else if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(whybuf, sizeof whybuf, "is writable by %s (mode %04o; a lock is 0600)",
                 st.st_mode & S_IWOTH ? "others" : "its group", (unsigned)(st.st_mode & 07777));
        why = whybuf;
    }
    if (why) {
        close(fd);
        return vigil_error_set(VIGIL_EIO, "%s: lock file %s; refusing to use it (remove that name "
                               "and the next run creates a fresh lock)", path, why);
    }
    double start = vigil_seconds();
    for (;;) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) break;
        if (errno != EWOULDBLOCK && errno != EINTR) {
            int rc = vigil_error_set(VIGIL_EIO, "%s: cannot lock: %s", path, strerror(errno));
            close(fd);
            return rc;
        }
        if (vigil_seconds() - start >= timeout_s) {
            char holder[200] = "";
            ssize_t got = pread(fd, holder, sizeof holder - 1, 0);
            holder[got > 0 ? got : 0] = '\0';
            char *nl = strchr(holder, '\n');
            if (nl) *nl = '\0';
            close(fd);
            return vigil_error_set(VIGIL_EINVAL, "%s is still running (%s); gave up waiting after "
                                   "%.0f s (--lock-timeout)", what, *holder ? holder : "holder unknown",
                                   timeout_s);
        }
        usleep(100000);
    }
    char at[32], buf[160];
    vigil_now_iso(at);
    int n = snprintf(buf, sizeof buf, "pid %ld, started %s\n", (long)getpid(), at);
    if (ftruncate(fd, 0) == 0 && pwrite(fd, buf, (size_t)n, 0) < 0) { /* informative only */ }
    *fd_out = fd;
    return VIGIL_OK;
}

void vigil_lock_release(int fd)
{
    if (fd >= 0) close(fd); /* closing drops the flock */
}
