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

#endif
