/* Bench driver: read a CSV into a vigil table and report the time and size of the table.
 * usage: csv_read FILE.csv   (peak memory is measured from outside with GNU time) */
#include "vigil/vigil.h"
#include "core/util.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    vigil_init();
    if (argc != 2) {
        fprintf(stderr, "usage: csv_read FILE.csv\n");
        return 2;
    }
    double t0 = vigil_seconds();
    vigil_table *t;
    int rc = vigil_table_read_csv(&t, argv[1], NULL);
    double dt = vigil_seconds() - t0;
    if (rc) {
        fprintf(stderr, "csv_read: %s\n", vigil_error_last());
        return 2;
    }
    size_t bytes = 0;
    for (size_t c = 0; c < vigil_table_ncols(t); c++)
        bytes += vigil_table_nrows(t) * (vigil_table_col_type(t, c) == VIGIL_COL_NUMERIC ? 8 : 4);
    printf("rows=%zu cols=%zu seconds=%.3f table_bytes=%zu\n", vigil_table_nrows(t),
           vigil_table_ncols(t), dt, bytes);
    vigil_table_free(t);
    return 0;
}
