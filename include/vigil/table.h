/* vigil — columnar tables read from case files (CSV).
 *
 * A table is a set of named columns of equal length. A column is numeric (double, NaN for a
 * missing value) or categorical (int32 codes into a dictionary of level strings, -1 for
 * missing). Types are declared by the caller or inferred: a column is numeric when its first
 * non-missing value parses as a number; a later value that does not is an error naming the
 * file, line and column (declare the column categorical instead), never a silent NaN.
 *
 * The reader is RFC 4180 (quoted fields with embedded commas, quotes and newlines), accepts
 * CRLF and a UTF-8 byte-order mark, reads the file once through a fixed buffer, and grows each
 * column in place, so its peak memory is close to the size of the parsed table. A regular file
 * of 8 MB or more is cut into chunks at record boundaries that the worker threads parse into
 * the table's storage, joined in file order: the same table, messages and digest as one thread.
 *
 * Ownership: vigil_table_read_csv() returns a table the caller frees with vigil_table_free();
 * every pointer a getter returns is owned by the table and lives as long as it does.
 */
#ifndef VIGIL_TABLE_H
#define VIGIL_TABLE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vigil_table vigil_table;

typedef enum {
    VIGIL_COL_INFER = 0,   /* only in vigil_csv_options.types: decide from the data */
    VIGIL_COL_NUMERIC,
    VIGIL_COL_CATEGORICAL
} vigil_col_type;

typedef struct {
    const char *name;
    vigil_col_type type;
} vigil_col_decl;

typedef struct {
    /* Strings read as missing. NULL: the default set "", "NA", "NaN", "null". */
    const char *const *missing;
    size_t n_missing;
    /* Declared column types; a name not in the file is an error that lists the columns. */
    const vigil_col_decl *types;
    size_t n_types;
    /* Columns to keep (NULL: all). Others are checked for shape but not stored. A name that
     * is not in the file is an error that lists the columns that are. */
    const char *const *keep;
    size_t n_keep;
    /* Optional, parallel to keep: where each name came from ("$.data.columns.label in
     * suites/x.json"), quoted when that column is not in the file. */
    const char *const *keep_why;
    /* Called every `progress_every` rows with the rows and bytes read so far (optional). */
    void (*progress)(void *ctx, size_t rows, size_t bytes, size_t total_bytes);
    void *progress_ctx;
    /* The field separator: ',' (0: the default), ';', '\t' or '|' (a European or tab export).
     * Numbers still use '.' as their decimal point. */
    char delimiter;
    /* Threads for a large file (8 MB and more: cut into chunks at record boundaries, parsed at
     * once, joined in file order; the table, every message and the digest are the one-thread
     * reader's); <= 0: every online CPU. */
    int threads;
} vigil_csv_options;

/* The defaults: the missing set "", "NA", "NaN", "null"; types inferred; every column kept;
 * no progress; comma-separated; every CPU. */
#define VIGIL_CSV_OPTIONS_INIT {NULL, 0, NULL, 0, NULL, 0, NULL, NULL, NULL, 0, 0}

/* Read `path` into a new table. opts may be NULL. On error *out is NULL and the message
 * names the file, line and column. */
int vigil_table_read_csv(vigil_table **out, const char *path, const vigil_csv_options *opts);

/* Build an empty table of `nrows` rows for code that makes columns itself (the synthetic
 * generator, tests). */
int vigil_table_new(vigil_table **out, size_t nrows, const char *source_name);
/* Add a numeric column (copied). */
int vigil_table_add_numeric(vigil_table *t, const char *name, const double *values);
/* Add a categorical column from codes (copied) and its level strings (copied). */
int vigil_table_add_categorical(vigil_table *t, const char *name, const int32_t *codes,
                                const char *const *levels, size_t n_levels);

/* A new table holding the rows of `t` where keep[row] is non-zero, every column, same level
 * dictionaries and source line numbers (so messages still point into the original file). */
int vigil_table_filter(vigil_table **out, const vigil_table *t, const uint8_t *keep);
/* The same, but each categorical column's dictionary holds only the levels of the kept rows, in
 * order of first appearance among them: the table a file of just those rows would read as (the
 * order subgroup levels are reported in). */
int vigil_table_filter_relevel(vigil_table **out, const vigil_table *t, const uint8_t *keep);

void vigil_table_free(vigil_table *t);

size_t vigil_table_nrows(const vigil_table *t);
size_t vigil_table_ncols(const vigil_table *t);
/* The path the table was read from (or the source name given to vigil_table_new). */
const char *vigil_table_source(const vigil_table *t);

/* Index of the column called `name`, or -1. */
int vigil_table_find(const vigil_table *t, const char *name);
/* Index of `name`, or VIGIL_EINVAL with a message that lists the columns there are and
 * names `role` ("label column", "feature") so the user knows which setting is wrong. */
int vigil_table_require(const vigil_table *t, const char *name, const char *role);

const char *vigil_table_col_name(const vigil_table *t, size_t col);
/* Column col's position in the CSV file it was read from (1-based, for file:line:column
 * messages; a keep list loads a file's columns at other indices), 0 when it was not read from
 * a CSV file. */
size_t vigil_table_file_column(const vigil_table *t, size_t col);
vigil_col_type vigil_table_col_type(const vigil_table *t, size_t col);

/* Values of a numeric column (NaN = missing); NULL if the column is categorical. */
const double *vigil_table_numeric(const vigil_table *t, size_t col);

/* Codes of a categorical column (-1 = missing); NULL if the column is numeric. */
const int32_t *vigil_table_codes(const vigil_table *t, size_t col);
size_t vigil_table_n_levels(const vigil_table *t, size_t col);
const char *vigil_table_level(const vigil_table *t, size_t col, size_t level);

/* Number of missing values in a column. */
size_t vigil_table_n_missing(const vigil_table *t, size_t col);

/* The file's columns that were not loaded (a keep list left them out) are still seen by the
 * PHI guard: by name, and by the values of their first VIGIL_UNREAD_SAMPLE_ROWS rows, which
 * the reader keeps in a side table (typed by inference -- numeric when every value is a
 * number -- and never an error, since the command does not use them). */
#define VIGIL_UNREAD_SAMPLE_ROWS 10000
size_t vigil_table_n_unread(const vigil_table *t);
const char *vigil_table_unread(const vigil_table *t, size_t i);
/* That side table (its columns are the unread ones, in file order), or NULL. */
const vigil_table *vigil_table_unread_sample(const vigil_table *t);
/* The missing values (the reader's missing strings) of unread column i over every row of the
 * file, counted while it was read: no value is kept and none can fail. */
size_t vigil_table_unread_n_missing(const vigil_table *t, size_t i);

/* The SHA-256 (hex) and size of the bytes the CSV reader parsed; NULL for a table not read
 * from a file. A run records this digest: the data it used, read once. */
const char *vigil_table_sha256(const vigil_table *t, uint64_t *bytes);

/* The file line where row `row` starts (1-based; the header is line 1), for messages. */
size_t vigil_table_row_line(const vigil_table *t, size_t row);

/* Codes for any column as levels: a categorical column's own codes, or, for a numeric column,
 * one level per distinct value (printed with %g, sorted numerically). The caller frees
 * *codes and *levels with vigil_table_levels_free(). Used for group columns. */
int vigil_table_as_levels(const vigil_table *t, size_t col, int32_t **codes, char ***levels,
                          size_t *n_levels);
void vigil_table_levels_free(int32_t *codes, char **levels, size_t n_levels);

#ifdef __cplusplus
}
#endif
#endif
