/* Writing CSV (internal): the one field quoter every CSV the library or the CLI writes uses,
 * so a value read back by vigil_table_read_csv() is the value that was written. */
#ifndef VIGIL_CORE_CSV_WRITE_H
#define VIGIL_CORE_CSV_WRITE_H

#include <stdio.h>

/* Write s as one CSV field: as is, or quoted (quotes doubled) when it holds a comma, a quote
 * or a line break (RFC 4180). A text that a spreadsheet would run as a formula -- it starts
 * with '=', '+', '-', '@', a tab or a carriage return and is not a number -- is written quoted
 * with a leading apostrophe (OWASP's rule for CSV injection), so it reads back with that
 * apostrophe; numbers such as -0.5 are written unchanged. */
void vigil_csv_write_field(FILE *f, const char *s);

/* An output file written whole or not at all: open makes a new 0600 temporary beside `out` with
 * mkstemp (never through a link planted at a fixed name; *tmp names it, caller frees); commit
 * flushes, closes and renames it over `out`, or removes it and returns VIGIL_EIO naming `out`.
 * abort removes it. */
FILE *vigil_outfile_open(const char *out, char **tmp);
int vigil_outfile_commit(FILE *f, char *tmp, const char *out);
void vigil_outfile_abort(FILE *f, char *tmp);

#endif
