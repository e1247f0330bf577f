/* Per-thread last-error slot; see include/vigil/error.h. */
#include "vigil/error.h"

#include <gsl/gsl_errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MSG_MAX 2048

static _Thread_local char last_msg[MSG_MAX];
static _Thread_local int last_code;

const char *vigil_error_last(void) { return last_msg; }
int vigil_error_last_code(void) { return last_code; }

void vigil_error_clear(void)
{
    last_msg[0] = '\0';
    last_code = VIGIL_OK;
}

int vigil_error_set(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_msg, sizeof last_msg, fmt, ap);
    va_end(ap);
    last_code = code;
    return code;
}

int vigil_error_wrap(const char *fmt, ...)
{
    char prefix[512], old[MSG_MAX];
    va_list ap;
    memcpy(old, last_msg, sizeof old);
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    snprintf(last_msg, sizeof last_msg, "%s: %.1500s", prefix, old);
    return last_code;
}

int vigil_error_exit_status(int code)
{
    if (code == VIGIL_OK) return 0;
    if (code == VIGIL_EINVAL || code == VIGIL_EIO) return 2;
    return 3;
}

const char *vigil_error_name(int code)
{
    switch (code) {
    case VIGIL_OK: return "ok";
    case VIGIL_EINVAL: return "invalid input";
    case VIGIL_EIO: return "i/o error";
    case VIGIL_ENOMEM: return "out of memory";
    case VIGIL_EDB: return "store error";
    case VIGIL_EBACKEND: return "backend error";
    default: return "internal error";
    }
}

static vigil_warn_fn warn_fn;
static void *warn_ctx;

void vigil_warn_set_handler(vigil_warn_fn fn, void *ctx)
{
    warn_fn = fn;
    warn_ctx = ctx;
}

void vigil_warn(const char *fmt, ...)
{
    if (!warn_fn) return;
    char msg[MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    warn_fn(msg, warn_ctx);
}

void vigil_init(void)
{
    gsl_set_error_handler_off();
}
