/* Radix sorts (see sort.h). */
#include "core/sort.h"

#include "vigil/error.h"

#include <stdlib.h>
#include <string.h>

/* The one LSD radix sort: 11-bit digits over 64-bit keys, a pass skipped when every key shares
 * its digit; `o` (may be NULL) is a payload moved with the keys, which makes it a stable argsort. */
static void radix(uint64_t *k, uint64_t *kt, uint32_t *o, uint32_t *ot, size_t n)
{
    enum { BITS = 11, RADIX = 1 << BITS, PASSES = 6 };
    static _Thread_local size_t hist[PASSES][RADIX];
    memset(hist, 0, sizeof hist);
    for (size_t i = 0; i < n; i++)
        for (int p = 0; p < PASSES; p++) hist[p][(k[i] >> (p * BITS)) & (RADIX - 1)]++;
    uint64_t *a = k, *b = kt;
    uint32_t *oa = o, *ob = ot;
    for (int p = 0; p < PASSES; p++) {
        size_t *h = hist[p], sum = 0;
        if (n && h[(a[0] >> (p * BITS)) & (RADIX - 1)] == n) continue;
        for (int d = 0; d < RADIX; d++) {
            size_t c = h[d];
            h[d] = sum;
            sum += c;
        }
        if (o)
            for (size_t i = 0; i < n; i++) {
                size_t pos = h[(a[i] >> (p * BITS)) & (RADIX - 1)]++;
                b[pos] = a[i];
                ob[pos] = oa[i];
            }
        else
            for (size_t i = 0; i < n; i++) b[h[(a[i] >> (p * BITS)) & (RADIX - 1)]++] = a[i];
        uint64_t *t = a;
        a = b;
        b = t;
        uint32_t *to = oa;
        oa = ob;
        ob = to;
    }
    if (a != k) memcpy(k, a, n * sizeof *k);
    if (o && oa != o) memcpy(o, oa, n * sizeof *o);
}

void vigil_radix_sort_u64(uint64_t *k, uint64_t *tmp, size_t n) { radix(k, tmp, NULL, NULL, n); }

/* The inverse of vigil_double_key. */
static double key_double(uint64_t k)
{
    uint64_t u = (k >> 63) ? k & 0x7fffffffffffffffull : ~k;
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

int vigil_sort_order_doubles(const double *x, size_t n, uint32_t *order)
{
    return vigil_sort_order_values(x, n, order, NULL);
}

int vigil_sort_order_values(const double *x, size_t n, uint32_t *order, double *sorted)
{
    size_t m = n ? n : 1;
    /* the keys are sorted in `sorted` where it is given (then decoded in place): a third less
     * scratch to allocate and touch */
    uint64_t *buf = malloc((sorted ? 1 : 2) * m * sizeof *buf), *k = sorted ? (uint64_t *)(void *)sorted : buf;
    uint64_t *kt = sorted ? buf : buf + m;
    uint32_t *ot = malloc(m * sizeof *ot);
    if (!buf || !ot) {
        free(buf);
        free(ot);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory (sorting %zu values)", n);
    }
    for (size_t i = 0; i < n; i++) {
        k[i] = vigil_double_key(x[i]);
        order[i] = (uint32_t)i;
    }
    radix(k, kt, order, ot, n);
    for (size_t i = 0; sorted && i < n; i++) {
        double v = key_double(k[i]);
        memcpy(&k[i], &v, sizeof v); /* the value over its key: the storage becomes the doubles */
    }
    free(buf);
    free(ot);
    return VIGIL_OK;
}

int vigil_sort_doubles(double *x, size_t n)
{
    if (n < 2) return VIGIL_OK;
    uint64_t *k = malloc(2 * n * sizeof *k);
    if (!k) return vigil_error_set(VIGIL_ENOMEM, "out of memory (sorting %zu values)", n);
    for (size_t i = 0; i < n; i++) k[i] = vigil_double_key(x[i]);
    vigil_radix_sort_u64(k, k + n, n);
    for (size_t i = 0; i < n; i++) x[i] = key_double(k[i]);
    free(k);
    return VIGIL_OK;
}
