/* The levels view of a table column, for subgroups; see include/vigil/table.h. */
#include "core/table_internal.h"
#include "vigil/error.h"
#include "core/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int vigil_table_as_levels(const vigil_table *t, size_t col, int32_t **codes_out, char ***levels_out,
                          size_t *n_out)
{
    size_t n = t->nrows, nl = 0;
    int32_t *codes = malloc((n ? n : 1) * sizeof *codes);
    char **levels = NULL;
    double *u = NULL;
    if (!codes) goto oom;
    if (t->cols[col].type == VIGIL_COL_CATEGORICAL) {
        memcpy(codes, t->cols[col].data.p, n * sizeof *codes);
        nl = t->cols[col].levels.n;
        if (!(levels = calloc(nl ? nl : 1, sizeof *levels))) goto oom;
        for (size_t l = 0; l < nl; l++)
            if (!(levels[l] = vigil_strdup(t->cols[col].levels.levels[l]))) goto oom;
    } else {
        const double *x = t->cols[col].data.p;
        if (!(u = malloc((n ? n : 1) * sizeof *u))) goto oom;
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (!isnan(x[i])) u[m++] = x[i];
        qsort(u, m, sizeof *u, cmp_double);
        for (size_t i = 0; i < m; i++)
            if (nl == 0 || u[i] != u[nl - 1]) u[nl++] = u[i];
        if (!(levels = calloc(nl ? nl : 1, sizeof *levels))) goto oom;
        for (size_t l = 0; l < nl; l++) {
            char b[64];
            snprintf(b, sizeof b, "%.15g", u[l]);
            if (!(levels[l] = vigil_strdup(b))) goto oom;
        }
        for (size_t i = 0; i < n; i++) {
            if (isnan(x[i])) {
                codes[i] = -1;
                continue;
            }
            size_t lo = 0, hi = nl;
            while (lo + 1 < hi) {
                size_t mid = (lo + hi) / 2;
                if (u[mid] <= x[i]) lo = mid;
                else hi = mid;
            }
            codes[i] = (int32_t)lo;
        }
        free(u);
    }
    *codes_out = codes;
    *levels_out = levels;
    *n_out = nl;
    return VIGIL_OK;
oom:
    free(u);
    vigil_table_levels_free(codes, levels, nl);
    return vigil_error_set(VIGIL_ENOMEM, "out of memory");
}

void vigil_table_levels_free(int32_t *codes, char **levels, size_t n_levels)
{
    free(codes);
    if (levels)
        for (size_t l = 0; l < n_levels; l++) free(levels[l]);
    free(levels);
}
