/* The table's private layout, shared by the files that make up src/core/table*.c:
 *   table.c          the object: construction, column access, lookup, filter
 *   table_storage.c  page-backed growable vectors and the level dictionary
 *   table_number.c   correctly rounded decimal parsing (vigil_parse_double)
 *   table_csv.c      the streaming CSV reader (and its parallel form for large files)
 *   table_levels.c   the levels view of a column for subgroups
 * Column storage grows with mremap() on Linux so that growing a 400 MB column does not copy
 * it (realloc of a large block would briefly hold old and new). */
#ifndef VIGIL_CORE_TABLE_INTERNAL_H
#define VIGIL_CORE_TABLE_INTERNAL_H

#include "vigil/table.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growable array of bytes: on the heap while small, then in its own mapping. */
typedef struct {
    void *p;
    size_t cap; /* bytes mapped */
} vec;

/* Grow to at least `bytes` (amortised 1.5x; whole pages once mapped); -1 when out of memory. */
int vigil_vec_reserve(vec *v, size_t bytes);
void vigil_vec_free(vec *v);

/* The distinct strings of a categorical column, in first-seen order. */
typedef struct {
    char **levels;
    size_t n, cap;
    int32_t *slots; /* open addressing: index into levels, -1 empty */
    size_t nslots;
} dict;

/* The code of s[0..n) in d, adding it when new; -1 when out of memory. */
int32_t vigil_dict_intern(dict *d, const char *s, size_t n);
/* The code of the NUL-terminated s in d, or -1 when absent (nothing is added). */
int32_t vigil_dict_find(const dict *d, const char *s);
void vigil_dict_free(dict *d);

typedef struct {
    char *name;         /* the table's names dictionary's copy, unless own_name */
    bool own_name;
    vigil_col_type type;
    bool declared;      /* type given by the caller, not inferred */
    bool seen_value;    /* a non-missing value has fixed an inferred type */
    vec data;           /* double[] or int32_t[] */
    dict levels;
    size_t n_missing;
    size_t n_missing_file; /* an unread column's missing values over every row of the file (its
                            * n_missing covers the sample) */
    size_t file_col;    /* its column in the CSV file it was read from, 1-based; 0: not read from one */
} column;

struct vigil_table {
    char *source;
    size_t nrows;
    column *cols;
    size_t ncols, cols_cap;
    /* the column names, hashed: vigil_table_find is O(1) (a wide file's every kept column is
     * looked up by name); names_dup when a name was pushed twice (then find scans) */
    dict names;
    bool names_dup;
    /* The file columns a keep list left out: their first VIGIL_UNREAD_SAMPLE_ROWS rows, typed
     * by the same inference (a column is numeric when every value is a number) but never an
     * error, so the PHI guard can judge them by name and by value. NULL without a keep list. */
    struct vigil_table *unread;
    vec lines; /* uint64_t per row: the file line where the row starts (CSV only) */
    char sha256[65]; /* of the bytes the reader parsed (CSV only; "" otherwise) */
    uint64_t bytes;
};

/* "'a', 'b', 'c'" listing of names, cut after 40, ending in vigil_table_sep_hint's words;
 * caller frees. */
char *vigil_table_list_names(char *const *names, size_t n);
/* " (this looks like a ';'-separated file; ...)" when a header of one column holds a ';' or
 * a tab (the file was not split at commas), else "". */
const char *vigil_table_sep_hint(char *const *names, size_t n);
/* Append an empty column named `name`; NULL when out of memory. */
column *vigil_table_push_col(vigil_table *t, const char *name);

#endif
