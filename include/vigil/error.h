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

/* The CLI exit status for a code: 0 ok, 2 input/usage (EINVAL, EIO), 3 otherwise. */
int vigil_error_exit_status(int code);

/* Short name of a code: "invalid input", "i/o error", ... */
const char *vigil_error_name(int code);

/* Call once at start-up: switches GSL's abort-on-error handler off so a numeric failure
 * comes back as an error code instead of killing the process. Idempotent. */
void vigil_init(void);

#ifdef __cplusplus
}
#endif
#endif
