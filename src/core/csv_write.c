/* See core/csv_write.h. */
#include "core/csv_write.h"
#include "core/util.h"

#include "vigil/error.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void vigil_csv_write_field(FILE *f, const char *s)
{
    double num;
    if (*s && strchr("=+-@\t\r", *s) && vigil_parse_double(s, strlen(s), &num) != 0) {
        fputs("\"'", f);
        for (; *s; s++) {
            if (*s == '"') fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
        return;
    }
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

FILE *vigil_outfile_open(const char *out, char **tmp)
{
    vigil_sbuf tb = {0};
    vigil_sbuf_printf(&tb, "%s.tmp.XXXXXX", out);
    int fd = tb.s ? mkstemp(tb.s) : -1;
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0) close(fd), unlink(tb.s);
        vigil_sbuf_free(&tb);
        vigil_error_set(VIGIL_EIO, "%s: cannot write here", out);
        *tmp = NULL;
        return NULL;
    }
    *tmp = tb.s;
    return f;
}

int vigil_outfile_commit(FILE *f, char *tmp, const char *out)
{
    int rc = VIGIL_OK;
    if (fflush(f) != 0 || ferror(f)) {
        fclose(f);
        rc = vigil_error_set(VIGIL_EIO, "%s: write failed (disk full?)", out);
    } else if (fclose(f) != 0)
        rc = vigil_error_set(VIGIL_EIO, "%s: write failed (disk full?)", out);
    else if (rename(tmp, out) != 0)
        rc = vigil_error_set(VIGIL_EIO, "%s: cannot rename the finished file", out);
    if (rc) unlink(tmp);
    free(tmp);
    return rc;
}

void vigil_outfile_abort(FILE *f, char *tmp)
{
    if (f) fclose(f);
    if (tmp) unlink(tmp);
    free(tmp);
}
