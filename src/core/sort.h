/* Radix sorts shared by the statistics (internal). */
#ifndef VIGIL_CORE_SORT_H
#define VIGIL_CORE_SORT_H

#include <stddef.h>
#include <stdint.h>

/* LSD radix sort of 64-bit keys in place (scratch: n keys), skipping digits all keys share. */
void vigil_radix_sort_u64(uint64_t *k, uint64_t *tmp, size_t n);

/* The order-preserving key of a double: ascending keys = ascending values. -0.0 and 0.0 get
 * the same key, so the order agrees with `<` (a sorted -0.0 comes back as 0.0). */
static inline uint64_t vigil_double_key(double x)
{
    if (x == 0) x = 0;
    union { double d; uint64_t u; } v = {x};
    return (v.u >> 63) ? ~v.u : v.u | 0x8000000000000000ull;
}

/* The stable ascending order of n doubles (no NaN): order[r] is the row of rank r (ties keep
 * their input order). VIGIL_ENOMEM when the scratch cannot be had. */
int vigil_sort_order_doubles(const double *x, size_t n, uint32_t *order);

/* vigil_sort_order_doubles that also gives sorted[r] = x[order[r]] (-0.0 as 0.0), read back
 * from the sorted keys rather than gathered through the order (one random read per value).
 * sorted (NULL: not wanted) must be allocated storage (malloc) of n doubles, not x: it holds
 * the 64-bit keys while they are sorted. */
int vigil_sort_order_values(const double *x, size_t n, uint32_t *order, double *sorted);

/* Sort n doubles (no NaN) ascending; VIGIL_ENOMEM when the scratch cannot be had. */
int vigil_sort_doubles(double *x, size_t n);

#endif
