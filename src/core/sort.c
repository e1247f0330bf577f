/* Radix sorts (see sort.h). */
#include "core/sort.h"

#include "vigil/error.h"

#include <stdlib.h>
#include <string.h>

void vigil_radix_sort_u64(uint64_t *k, uint64_t *tmp, size_t n)
{
    enum { BITS = 11, RADIX = 1 << BITS, PASSES = 6 };
    static _Thread_local size_t hist[PASSES][RADIX];
    memset(hist, 0, sizeof hist);
    for (size_t i = 0; i < n; i++)
        for (int p = 0; p < PASSES; p++) hist[p][(k[i] >> (p * BITS)) & (RADIX - 1)]++;
    uint64_t *a = k, *b = tmp;
    for (int p = 0; p < PASSES; p++) {
        size_t *h = hist[p], sum = 0;
        if (n && h[(a[0] >> (p * BITS)) & (RADIX - 1)] == n) continue;
        for (int d = 0; d < RADIX; d++) {
            size_t c = h[d];
            h[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) b[h[(a[i] >> (p * BITS)) & (RADIX - 1)]++] = a[i];
        uint64_t *t = a;
        a = b;
        b = t;
    }
    if (a != k) memcpy(k, a, n * sizeof *k);
}

int vigil_sort_doubles(double *x, size_t n)
{
    if (n < 2) return VIGIL_OK;
    uint64_t *k = malloc(2 * n * sizeof *k);
    if (!k) return vigil_error_set(VIGIL_ENOMEM, "out of memory (sorting %zu values)", n);
    for (size_t i = 0; i < n; i++) k[i] = vigil_double_key(x[i]);
    vigil_radix_sort_u64(k, k + n, n);
    for (size_t i = 0; i < n; i++) {
        uint64_t u = (k[i] >> 63) ? k[i] & 0x7fffffffffffffffull : ~k[i];
        memcpy(&x[i], &u, sizeof u);
    }
    free(k);
    return VIGIL_OK;
}
