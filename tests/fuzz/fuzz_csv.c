/* Fuzz the CSV reader: any bytes must give a table or a clean error, never a crash, a leak
 * or undefined behaviour; a table must be internally consistent. The same bytes read again by
 * the parallel reader in forced chunks (VIGIL_CSV_CHUNK_BYTES, from the second byte: 1 to 32
 * bytes, 2 threads) must give the same table bit for bit, or the same error and message. */
#include "fuzz.h"
#include "../table_same.h"
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
    unsetenv("VIGIL_CSV_CHUNK_BYTES");
    o.threads = 1;
    int rc = vigil_table_read_csv(&t, path, &o);
    {
        char msg[2048], chunk[8];
        snprintf(msg, sizeof msg, "%s", rc ? vigil_error_last() : "");
        snprintf(chunk, sizeof chunk, "%d", size > 1 ? data[1] % 32 + 1 : 1);
        setenv("VIGIL_CSV_CHUNK_BYTES", chunk, 1);
        o.threads = 2;
        vigil_table *p = NULL;
        int rp = vigil_table_read_csv(&p, path, &o);
        unsetenv("VIGIL_CSV_CHUNK_BYTES");
        if (rp != rc || (rc && strcmp(msg, vigil_error_last()) != 0) || tu_table_diff(t, p)) {
            fprintf(stderr, "parallel reader differs: rc %d vs %d: %s\n", rp, rc,
                        tu_table_diff(t, p) ? tu_table_diff(t, p) : vigil_error_last());
            abort();
        }
        vigil_table_free(p);
    }
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
