/* The header row of a CSV file, field by field (core/csv_header.h). */
#include "core/csv_header.h"
#include "core/util.h"

#include <stdio.h>

int vigil_csv_header_fields(const char *path, char delimiter, int (*fn)(void *ctx, const char *name, size_t col),
                            void *ctx)
{
    const int dl = delimiter ? delimiter : ',';
    FILE *f = vigil_fopen_input(path);
    if (!f) return 0;
    size_t col = 1, len = 0;
    char field[1024];
    int c, quoted = 0, first = 1, stop = 0;
    while (!stop && (c = fgetc(f)) != EOF) {
        if (first && c == 0xEF) { /* UTF-8 BOM */
            fgetc(f);
            fgetc(f);
            first = 0;
            continue;
        }
        first = 0;
        if (quoted) {
            if (c == '"') quoted = 0;
            else if (len < sizeof field - 1) field[len++] = (char)c;
            continue;
        }
        if (c == '"') {
            quoted = 1;
            continue;
        }
        if (c == dl || c == '\n' || c == '\r') {
            field[len] = '\0';
            if ((stop = fn(ctx, field, col)) != 0 || c != dl) break;
            col++;
            len = 0;
            continue;
        }
        if (len < sizeof field - 1) field[len++] = (char)c;
    }
    if (!stop && c == EOF) {
        field[len] = '\0';
        stop = fn(ctx, field, col);
    }
    fclose(f);
    return stop;
}
