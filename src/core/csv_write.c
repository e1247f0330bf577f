/* See core/csv_write.h. */
#include "core/csv_write.h"
#include "core/util.h"

#include <string.h>

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
