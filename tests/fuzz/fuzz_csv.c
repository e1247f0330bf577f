/* Fuzz the CSV reader: any bytes must give a table or a clean error, never a crash, a leak
 * or undefined behaviour; a table must be internally consistent. */
#include "fuzz.h"
#include "vigil/vigil.h"

#include <math.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vigil_init();
    const char *path = fuzz_file(data, size, ".csv");
    /* The first byte picks the options, so declared types and column subsets get fuzzed too. */
    vigil_col_decl decl[] = {{"a", VIGIL_COL_NUMERIC}, {"b", VIGIL_COL_CATEGORICAL}};
    const char *keep[] = {"a", "b"};
    vigil_csv_options o = {0};
    if (size && (data[0] & 1)) o.types = decl, o.n_types = 2;
    if (size && (data[0] & 2)) o.keep = keep, o.n_keep = 2;
    vigil_table *t = NULL;
    int rc = vigil_table_read_csv(&t, path, &o);
    if (rc == VIGIL_OK) {
        size_t n = vigil_table_nrows(t);
        for (size_t c = 0; c < vigil_table_ncols(t); c++) {
            size_t miss = 0;
            if (vigil_table_col_type(t, c) == VIGIL_COL_NUMERIC) {
                const double *x = vigil_table_numeric(t, c);
                for (size_t i = 0; i < n; i++) miss += isnan(x[i]);
            } else {
                const int32_t *k = vigil_table_codes(t, c);
                for (size_t i = 0; i < n; i++) {
                    if (k[i] >= (int32_t)vigil_table_n_levels(t, c)) abort();
                    miss += k[i] < 0;
                }
            }
            if (miss != vigil_table_n_missing(t, c)) abort();
        }
        for (size_t i = 1; i < n; i++)
            if (vigil_table_row_line(t, i) <= vigil_table_row_line(t, i - 1)) abort();
    } else if (t != NULL || !*vigil_error_last()) {
        abort(); /* an error must say something and return no table */
    }
    vigil_table_free(t);
    unlink(path);
    return 0;
}
