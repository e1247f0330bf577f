/* Missing values per column of a CSV file, counted without keeping any value: the missing-value
 * count per feature (issue 18) re-reads every feature of the case file, 10^6 of them in a wide
 * one, and needs only the counts. */
#ifndef VIGIL_CORE_CSV_MISSING_H
#define VIGIL_CORE_CSV_MISSING_H

#include "vigil/table.h"

/* Read `path` as vigil_table_read_csv does with opts->keep (required; opts->types is ignored:
 * no value can fail) -- the same shape, UTF-8 and header checks and messages, the rows and
 * the SHA-256 of the bytes parsed -- but a kept column holds no values: only
 * vigil_table_n_missing, vigil_table_col_name and vigil_table_find answer for it (it reads as
 * categorical, with NULL codes and no levels). */
int vigil_table_count_missing_csv(vigil_table **out, const char *path, const vigil_csv_options *opts);

#endif
