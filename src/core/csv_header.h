/* The header row of a CSV file, read on its own: for messages that place a column
 * (file:line:column) and for callers that choose columns by name before reading the file (a
 * prefix of class probability columns). Quoted fields and a UTF-8 byte-order mark are read as
 * the CSV reader reads them; a field is cut at 1023 bytes. */
#ifndef VIGIL_CORE_CSV_HEADER_H
#define VIGIL_CORE_CSV_HEADER_H

#include <stddef.h>

/* Call fn with each field of the file's header and its 1-based column, in order, until fn
 * returns non-zero; returns that (0: every field seen, or the file did not open). */
int vigil_csv_header_fields(const char *path, char delimiter, int (*fn)(void *ctx, const char *name, size_t col), void *ctx);

#endif
