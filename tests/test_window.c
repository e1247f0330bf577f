/* Time windows over numeric and date columns, and the flock-based cron lock. */
#include "testutil.h"
#include "core/window.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static vigil_table *csv(const char *text)
{
    char p[64];
    tu_temp_file(p, sizeof p, text);
    vigil_table *t;
    assert_int_equal(vigil_table_read_csv(&t, p, NULL), VIGIL_OK);
    unlink(p);
    return t;
}

static int parse(vigil_window *w, const char *json, long now)
{
    cJSON *j = cJSON_Parse(json);
    int rc = vigil_window_parse(w, "m.json", "$.windows.current", j, now);
    cJSON_Delete(j);
    return rc;
}

static void test_days(void **state)
{
    assert_int_equal(vigil_parse_day("1970-01-02"), 1);
    assert_int_equal(vigil_parse_day("2000-03-01") - vigil_parse_day("2000-02-28"), 2); /* leap */
    assert_int_equal(vigil_parse_day("2026-11-24T10:00:00Z"), vigil_parse_day("2026-11-24"));
    assert_true(vigil_parse_day("2023-02-29") == VIGIL_DAY_INVALID);
    assert_int_equal(vigil_parse_day("1969-12-31"), -1); /* before 1970: negative, not 0 */
    assert_int_equal(vigil_parse_day("1960-01-01"), -3653);
    char b60[16];
    vigil_format_day(-3653, b60);
    assert_string_equal(b60, "1960-01-01");
    assert_true(vigil_parse_day("2023-13-01") == VIGIL_DAY_INVALID);
    assert_true(vigil_parse_day("23-01-01") == VIGIL_DAY_INVALID);
    char b[16];
    vigil_format_day(vigil_parse_day("2024-02-29"), b);
    assert_string_equal(b, "2024-02-29");
}

static void test_numeric_window(void **state)
{
    vigil_table *t = csv("yr,x\n1995,1\n1996,2\n,3\n1998,4\n");
    vigil_window w;
    assert_int_equal(parse(&w, "{\"from\": 1995, \"to\": 1996}", 0), VIGIL_OK);
    uint8_t m[4];
    size_t in, none;
    assert_int_equal(vigil_window_mask(t, 0, &w, m, &in, &none), VIGIL_OK);
    assert_int_equal(in, 2);
    assert_int_equal(none, 1);
    assert_true(m[0] && m[1] && !m[2] && !m[3]);
    assert_int_equal(parse(&w, "{\"last_days\": 30}", 20000), VIGIL_OK);
    assert_int_equal(vigil_window_mask(t, 0, &w, m, &in, &none), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "time column 'yr' holds numbers"));
    vigil_table_free(t);
}

static void test_date_window(void **state)
{
    vigil_table *t = csv("d\n2026-11-01\n2026-10-25\n2026-11-24\nNA\n");
    vigil_window w;
    long now = vigil_parse_day("2026-11-24");
    assert_int_equal(parse(&w, "{\"last_days\": 30}", now), VIGIL_OK);
    assert_string_equal(w.label, "2026-10-26..2026-11-24");
    uint8_t m[4];
    size_t in, none;
    assert_int_equal(vigil_window_mask(t, 0, &w, m, &in, &none), VIGIL_OK);
    assert_true(m[0] && !m[1] && m[2] && !m[3]);
    assert_int_equal(none, 1);
    vigil_table_free(t);
    t = csv("d\n2026-11-01\nyesterday\n");
    assert_int_equal(vigil_window_mask(t, 0, &w, m, &in, &none), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), ":3: time column 'd': 'yesterday' is not a date"));
    vigil_table_free(t);
    /* an identifier in the time column is named by its kind, never echoed (issue 19) */
    t = csv("d\n2026-11-01\n123-45-6789\n");
    assert_int_equal(vigil_window_mask(t, 0, &w, m, &in, &none), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), ":3: time column 'd': an SSN-like value (not shown) is not a date"));
    assert_null(strstr(vigil_error_last(), "6789"));
    vigil_table_free(t);
}

static void test_bad_windows(void **state)
{
    vigil_window w;
    assert_int_equal(parse(&w, "{\"from\": 1996, \"to\": 1995}", 0), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "$.windows.current: from is after to"));
    assert_int_equal(parse(&w, "{\"from\": 1995, \"to\": \"2026-01-01\"}", 0), VIGIL_EINVAL);
    assert_int_equal(parse(&w, "{\"last_days\": 0}", 0), VIGIL_EINVAL);
    assert_int_equal(parse(&w, "{\"last_day\": 3}", 0), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "unknown key 'last_day'"));
    assert_int_equal(parse(&w, "{\"from\": \"2026-02-30\", \"to\": \"2026-03-01\"}", 0), VIGIL_EINVAL);
}

static void test_lock(void **state)
{
    char path[] = "/tmp/vigil-lock-XXXXXX";
    close(mkstemp(path));
    int fd;
    assert_int_equal(vigil_lock_acquire(path, 1, "monitor 'x'", &fd), VIGIL_OK);
    pid_t pid = fork();
    if (pid == 0) { /* a second process gives up after the timeout and names the holder */
        int fd2;
        int rc = vigil_lock_acquire(path, 0.3, "monitor 'x'", &fd2);
        _exit(rc == VIGIL_EINVAL && strstr(vigil_error_last(), "monitor 'x' is still running (pid ") ? 0 : 1);
    }
    int st;
    waitpid(pid, &st, 0);
    assert_int_equal(WEXITSTATUS(st), 0);
    vigil_lock_release(fd);
    /* a holder that dies leaves no stale lock */
    pid = fork();
    if (pid == 0) {
        int fd3;
        vigil_lock_acquire(path, 1, "m", &fd3);
        _exit(0); /* dies holding it */
    }
    waitpid(pid, &st, 0);
    assert_int_equal(vigil_lock_acquire(path, 0.5, "m", &fd), VIGIL_OK);
    vigil_lock_release(fd);
    unlink(path);
}

/* A symlink planted at the lock path must not have its target truncated, and a new lock is 0600. */
static void test_lock_symlink(void **state)
{
    char dir[] = "/tmp/vigil-lockdir-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char target[256], link[256], fresh[256];
    snprintf(target, sizeof target, "%s/precious", dir);
    snprintf(link, sizeof link, "%s/m.lock", dir);
    snprintf(fresh, sizeof fresh, "%s/new.lock", dir);
    FILE *f = fopen(target, "w");
    assert_non_null(f);
    fputs("do not truncate\n", f);
    fclose(f);
    assert_int_equal(symlink(target, link), 0);
    int fd;
    assert_int_equal(vigil_lock_acquire(link, 0.2, "m", &fd), VIGIL_EIO);
    assert_int_equal(fd, -1);
    assert_non_null(strstr(vigil_error_last(), "symbolic link"));
    struct stat st;
    assert_int_equal(stat(target, &st), 0);
    assert_int_equal(st.st_size, 16);
    /* a FIFO at the path is refused, not blocked on */
    unlink(link);
    assert_int_equal(mkfifo(link, 0600), 0);
    assert_int_equal(vigil_lock_acquire(link, 0.2, "m", &fd), VIGIL_EIO);
    assert_non_null(strstr(vigil_error_last(), "not a regular file"));
    assert_int_equal(vigil_lock_acquire(fresh, 0.2, "m", &fd), VIGIL_OK);
    assert_int_equal(fstat(fd, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    vigil_lock_release(fd);
    unlink(fresh);
    unlink(link);
    unlink(target);
    rmdir(dir);
}

/* A hard link planted at the lock path (issue 19: the old open had no link-count check, so the
 * victim was truncated and overwritten with "pid ..., started ..." and kept its 0644) is refused
 * and the victim left as it was; so are a lock owned by another user (as root: chown to
 * nobody) and a group- or world-writable one. An existing lock of ours is reused, its holder
 * line rewritten through the opened descriptor. */
static void read_file(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t got = fread(buf, 1, cap - 1, f);
    buf[got] = '\0';
    fclose(f);
}

static void test_lock_hardlink_owner(void **state)
{
    char dir[] = "/tmp/vigil-lockdir-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char victim[256], lock[256], buf[256];
    snprintf(victim, sizeof victim, "%s/victim", dir);
    snprintf(lock, sizeof lock, "%s/m.lock", dir);
    FILE *f = fopen(victim, "w");
    assert_non_null(f);
    fputs("do not overwrite\n", f);
    fclose(f);
    assert_int_equal(chmod(victim, 0644), 0);
    assert_int_equal(link(victim, lock), 0);
    int fd;
    assert_int_equal(vigil_lock_acquire(lock, 0.2, "m", &fd), VIGIL_EIO);
    assert_int_equal(fd, -1);
    assert_non_null(strstr(vigil_error_last(), lock));
    assert_non_null(strstr(vigil_error_last(), "lock file has 2 hard links"));
    read_file(victim, buf, sizeof buf);
    assert_string_equal(buf, "do not overwrite\n");
    struct stat st;
    assert_int_equal(stat(victim, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(unlink(lock), 0);

    /* group- or world-writable: refused, left as it was */
    f = fopen(lock, "w");
    fputs("pid 1, started then\n", f);
    fclose(f);
    assert_int_equal(chmod(lock, 0620), 0);
    assert_int_equal(vigil_lock_acquire(lock, 0.2, "m", &fd), VIGIL_EIO);
    assert_non_null(strstr(vigil_error_last(), "lock file is writable by its group (mode 0620"));
    assert_int_equal(chmod(lock, 0606), 0);
    assert_int_equal(vigil_lock_acquire(lock, 0.2, "m", &fd), VIGIL_EIO);
    assert_non_null(strstr(vigil_error_last(), "writable by others"));
    read_file(lock, buf, sizeof buf);
    assert_string_equal(buf, "pid 1, started then\n");

    /* ours, 0600: reused, the holder line replaced (not appended to) */
    assert_int_equal(chmod(lock, 0600), 0);
    assert_int_equal(vigil_lock_acquire(lock, 0.2, "m", &fd), VIGIL_OK);
    read_file(lock, buf, sizeof buf);
    char want[64];
    snprintf(want, sizeof want, "pid %ld, started ", (long)getpid());
    assert_int_equal(strncmp(buf, want, strlen(want)), 0);
    assert_true(strchr(buf, '\n') == buf + strlen(buf) - 1); /* one line: the old one is gone */
    vigil_lock_release(fd);

    /* another user's lock */
    if (geteuid() == 0) {
        assert_int_equal(chown(lock, 65534, 65534), 0); /* nobody */
        assert_int_equal(vigil_lock_acquire(lock, 0.2, "m", &fd), VIGIL_EIO);
        assert_non_null(strstr(vigil_error_last(), "lock file is owned by uid 65534, not by the user running "
                                                   "the monitor (uid 0)"));
    } else {
        printf("SKIP: test_lock_hardlink_owner: a lock owned by another uid needs root to chown\n");
    }
    unlink(lock);
    /* absent: created 0600 whatever the umask allows beyond it */
    mode_t old = umask(0);
    assert_int_equal(vigil_lock_acquire(lock, 0.2, "m", &fd), VIGIL_OK);
    umask(old);
    assert_int_equal(fstat(fd, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_nlink, 1);
    vigil_lock_release(fd);
    unlink(lock);
    unlink(victim);
    rmdir(dir);
}

int main(void)
{
    vigil_init();
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_days), cmocka_unit_test(test_numeric_window),
                                       cmocka_unit_test(test_date_window), cmocka_unit_test(test_bad_windows), cmocka_unit_test(test_lock_symlink),
                                       cmocka_unit_test(test_lock_hardlink_owner),
                                       cmocka_unit_test(test_lock)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
