/* The PostgreSQL driver of the store (driver.h). */
#include "store/store_internal.h"

#include <stdlib.h>
#include <string.h>

/* The URL without its password: "scheme://user:password@host" keeps "user@", and a
 * "password=" query parameter is dropped. */
char *vigil_store_pg_redact(const char *url)
{
    vigil_sbuf b = {0};
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    vigil_sbuf_append(&b, url, (size_t)(p - url));
    const char *at = strchr(p, '@'), *slash = strchr(p, '/');
    if (at && (!slash || at < slash)) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        vigil_sbuf_append(&b, p, (size_t)((colon ? colon : at) - p));
        p = at;
    }
    const char *q = strchr(p, '?');
    if (!q) vigil_sbuf_append(&b, p, strlen(p));
    else {
        vigil_sbuf_append(&b, p, (size_t)(q - p));
        char sep = '?';
        for (const char *k = q + 1; *k;) {
            const char *e = strchr(k, '&');
            size_t n = e ? (size_t)(e - k) : strlen(k);
            if (!(n >= 9 && strncmp(k, "password=", 9) == 0)) {
                vigil_sbuf_append(&b, &sep, 1);
                vigil_sbuf_append(&b, k, n);
                sep = '&';
            }
            k += n + (e ? 1 : 0);
        }
    }
    if (b.failed) {
        vigil_sbuf_free(&b);
        return NULL;
    }
    return b.s ? b.s : vigil_strdup("");
}

#ifndef VIGIL_HAVE_PG
/* Built without libpq: a postgresql:// store is refused, saying how to get one. */
static int nopg_open(vigil_store *s, const char *target, int readonly)
{
    return vigil_error_set(VIGIL_EINVAL,
                           "store '%s': this vigil was built without PostgreSQL support: rebuild with "
                           "`make PG=1` (needs libpq-dev: `make deps`)",
                           s->path);
}

const vigil_store_driver vigil_store_drv_pg = {
    .name = "PostgreSQL (not built)",
    .open = nopg_open,
};
#endif
