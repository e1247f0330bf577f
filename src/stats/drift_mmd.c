/* Multivariate drift: unbiased MMD^2 with an RBF kernel and a permutation p-value.
 * The pooled rows (at most mmd_max_rows per window, chosen by a seeded shuffle in drift.c)
 * are standardised by the reference mean and SD before they arrive here. The bandwidth is
 * chosen here; the permutation test is a backend op (src/backend/cpu/mmd.c, src/backend/cuda/),
 * and both draw their permutations and end in the formula defined here. Each permutation has its
 * own seeded generator, so the p-value depends neither on the thread count nor on the backend. */
#include "backend/backend_impl.h"
#include "core/util.h"
#include "stats/drift_internal.h"
#include "vigil/backend.h"
#include "vigil/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The k-th smallest of a[0..n) moved to a[k], smaller ones before it (quickselect, Hoare
 * partition around a median of three): the median of 2e8 pairwise distances in O(n), not a sort. */
static void select_k(double *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (hi > lo) {
        size_t mid = lo + (hi - lo) / 2;
        double x = a[lo], y = a[mid], z = a[hi];
        double piv = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        size_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < piv) i++;
            while (a[j] > piv) j--;
            if (i <= j) {
                double t = a[i];
                a[i] = a[j], a[j] = t;
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (k <= j) hi = j;
        else if (k >= i) lo = i;
        else return;
    }
}

double vigil_mmd_from_pairs(double s0, double s1, double s2, size_t N, size_t n1)
{
    double n2 = (double)(N - n1), m = (double)n1;
    return 2 * s2 / (m * (m - 1)) + 2 * s0 / (n2 * (n2 - 1)) - 2 * s1 / (m * n2);
}

void vigil_mmd_perm_mask(uint64_t seed, size_t b, size_t N, size_t n1, size_t *idx, float *g)
{
    for (size_t i = 0; i < N; i++) g[i] = 0;
    if (b == 0) {
        for (size_t i = 0; i < n1; i++) g[i] = 1;
        return;
    }
    uint64_t s = seed + 0x632be59bd9b4e019ULL * b;
    for (size_t i = 0; i < N; i++) idx[i] = i;
    for (size_t i = 0; i < n1; i++) {
        size_t j = i + (size_t)(vigil_splitmix64(&s) % (N - i));
        size_t t = idx[i]; idx[i] = idx[j]; idx[j] = t;
    }
    for (size_t i = 0; i < n1; i++) g[idx[i]] = 1;
}

int vigil_mmd_median_bandwidth(const double *z, size_t N, size_t d, double *bw)
{
    /* selected on squared distances, which have the median's order */
    size_t np = N * (N - 1) / 2, k = 0;
    double *dist = np ? malloc(np * sizeof *dist) : NULL;
    if (!dist) return vigil_error_set(VIGIL_ENOMEM, "mmd: out of memory (the %zu pair distances)", np);
    for (size_t i = 1; i < N; i++)
        for (size_t j = 0; j < i; j++) {
            double s = 0;
            for (size_t t = 0; t < d; t++) { double e = z[i * d + t] - z[j * d + t]; s += e * e; }
            dist[k++] = s;
        }
    size_t h = np / 2;
    select_k(dist, np, h);
    double v;
    if (np % 2) v = sqrt(dist[h]);
    else {
        double below = dist[0];
        for (size_t i = 1; i < h; i++) below = dist[i] > below ? dist[i] : below;
        v = (sqrt(below) + sqrt(dist[h])) / 2;
    }
    free(dist);
    *bw = v > 0 ? v : 1;
    return VIGIL_OK;
}

typedef struct {
    const vigil_mmd_job *job;
    double *stat, *p, *bandwidth;
} mmd_call;

static int run_mmd(const vigil_backend_i *b, void *ctx)
{
    mmd_call *c = ctx;
    return b->mmd(c->job, c->stat, c->p, c->bandwidth);
}

int vigil_drift_mmd(const double *x, size_t n1, const double *y, size_t n2, size_t d,
                    size_t permutations, uint64_t seed, vigil_backend_kind backend, int threads, double *stat,
                    double *p, double *bandwidth, vigil_backend_kind *used)
{
    size_t N = n1 + n2;
    if (n1 < 2 || n2 < 2 || d == 0) return vigil_error_set(VIGIL_EINVAL, "mmd: need 2+ rows per window");
    /* a bound well past any useful p-value resolution; it also keeps permutations + 1 from wrapping */
    if (permutations > 100000000)
        return vigil_error_set(VIGIL_EINVAL, "mmd: at most 100000000 permutations, got %zu", permutations);
    /* an impossible request fails before the O(N^2) bandwidth, as every other op does */
    int rc = vigil_backend_check(backend);
    if (rc) return rc;
    double *z = malloc(N * d * sizeof *z);
    if (!z) { rc = vigil_error_set(VIGIL_ENOMEM, "mmd: out of memory (%zu rows)", N); goto done; }
    memcpy(z, x, n1 * d * sizeof *z);
    memcpy(z + n1 * d, y, n2 * d * sizeof *z);
    vigil_mmd_job job = {z, N, d, n1, *bandwidth > 0 ? *bandwidth : 0, permutations, seed, threads};
    mmd_call c = {&job, stat, p, bandwidth};
    double work = vigil_backend_work((double)N * (double)N * (double)(permutations + 1), threads);
    rc = vigil_backend_run(backend, VIGIL_OP_MMD, "MMD", work, run_mmd, &c, used);
done:
    free(z);
    return rc;
}
