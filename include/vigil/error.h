/* vigil — error codes and the per-thread last-error message.
 *
 * Every fallible call returns VIGIL_OK (0) or one of the negative codes below and leaves a
 * message in a thread-local slot that vigil_error_last() returns. Messages name what failed:
 * for bad input, the file, line and column (`cases.csv:12:3: ...`) or the offending value.
 */
#ifndef VIGIL_ERROR_H
#define VIGIL_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    VIGIL_OK       = 0,
    VIGIL_EINVAL   = -1, /* bad input or usage: a file, a config, an argument (exit 2) */
    VIGIL_EIO      = -2, /* a file could not be opened, read or written (exit 2) */
    VIGIL_ENOMEM   = -3, /* out of memory (exit 3) */
    VIGIL_EDB      = -4, /* the run store failed: locked past the timeout, corrupt, full (exit 3) */
    VIGIL_EBACKEND = -5, /* a compute backend failed (exit 3 unless the caller fell back) */
    VIGIL_EINTERNAL = -6 /* a bug: an invariant did not hold (exit 3) */
} vigil_error_code;

/* The message of the last error set on this thread; "" when none. Valid until the next
 * vigil call on this thread that sets an error. */
const char *vigil_error_last(void);

/* The code that went with the last message (VIGIL_OK when none). */
int vigil_error_last_code(void);

/* Record an error and return `code`, so that `return vigil_error_set(...)` reads naturally. */
int vigil_error_set(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Prefix the current message: "context: <old message>". Returns the current code. */
int vigil_error_wrap(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

void vigil_error_clear(void);

/* The exit statuses of the vigil command (design.md's contract; cron and scripts act on them). */
enum {
    VIGIL_EXIT_OK = 0,        /* success, every criterion passed, no drift */
    VIGIL_EXIT_CRITERION = 1, /* a criterion failed or a drift monitor alarmed */
    VIGIL_EXIT_USAGE = 2,     /* usage or input error */
    VIGIL_EXIT_INTERNAL = 3   /* internal error */
};

/* The exit status for a code: VIGIL_EXIT_OK, VIGIL_EXIT_USAGE for EINVAL and EIO,
 * VIGIL_EXIT_INTERNAL otherwise. */
int vigil_error_exit_status(int code);

/* Short name of a code: "invalid input", "i/o error", ... */
const char *vigil_error_name(int code);

/* Warnings: facts a caller should see that are not errors (a CUDA launch failed and the work
 * ran on the CPU; a cache could not be written). The library never prints: it hands each
 * warning, one line without a trailing newline, to the handler set here (process-wide; NULL,
 * the default, drops them). The handler may be called from any thread. */
typedef void (*vigil_warn_fn)(const char *msg, void *ctx);
void vigil_warn_set_handler(vigil_warn_fn fn, void *ctx);

/* Format a warning and pass it to the handler (nothing when none is set). */
void vigil_warn(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Call once at start-up: switches GSL's abort-on-error handler off so a numeric failure
 * comes back as an error code instead of killing the process. Idempotent. */
void vigil_init(void);

#ifdef __cplusplus
}
#endif
#endif
