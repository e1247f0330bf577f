/* Multivariate drift: unbiased MMD^2 with an RBF kernel and a permutation p-value.
 * The pooled rows (at most mmd_max_rows per window, chosen by a seeded shuffle in drift.c)
 * are standardised by the reference mean and SD before they arrive here. The kernel matrix is
 * computed once (on the GPU when built with CUDA and asked for) and held as float; each
 * permutation relabels the rows and re-sums it, threads across permutations. Each permutation
 * has its own seeded generator, so the p-value does not depend on the thread count. */
#include "core/util.h"
#include "stats/drift_internal.h"
#include "vigil/backend.h"
#include "vigil/error.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* MMD^2_u for labels gm (1 = x sample, as a float mask) over the float kernel matrix (lower
 * triangle). T[i] = sum_{j<i} K[i][j] does not depend on the labels and is computed once; per
 * row only the dot product with the mask does, summed in 8 independent double accumulators. */
/* MMD^2_u from the three pair sums: s2 within x, s0 within y, s1 across (each unordered pair
 * once). Both backends end here. */
static double mmd_from_pairs(double s0, double s1, double s2, size_t N, size_t n1)
{
    double n2 = (double)(N - n1), m = (double)n1;
    return 2 * s2 / (m * (m - 1)) + 2 * s0 / (n2 * (n2 - 1)) - 2 * s1 / (m * n2);
}

/* The label mask of permutation b (b = 0: the observed split, x first), the same draws on
 * either backend: a seeded partial shuffle choosing which n1 of the N rows are "x". */
static void perm_mask(uint64_t seed, size_t b, size_t N, size_t n1, size_t *idx, float *g)
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

static double mmd_from_k(const float *K, size_t N, const float *gm, const double *T, size_t n1)
{
    double s[3] = {0, 0, 0};
    for (size_t i = 1; i < N; i++) {
        const float *row = K + i * N;
        double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        size_t j = 0;
        for (; j + 8 <= i; j += 8)
            for (int l = 0; l < 8; l++) a[l] += (double)(row[j + l] * gm[j + l]);
        double s1 = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
        for (; j < i; j++) s1 += (double)(row[j] * gm[j]);
        if (gm[i] != 0) s[2] += s1, s[1] += T[i] - s1;
        else s[1] += s1, s[0] += T[i] - s1;
    }
    /* s[2]: pairs within x, s[0]: within y, s[1]: across (each unordered pair once) */
    return mmd_from_pairs(s[0], s[1], s[2], N, n1);
}

typedef struct {
    const float *K;
    const double *T;
    size_t N, n1, perms, next, ge;
    uint64_t seed;
    double obs;
    pthread_mutex_t mu;
} perm_ctx;

static void *perm_worker(void *arg)
{
    perm_ctx *c = arg;
    float *g = malloc(c->N * sizeof *g);
    size_t *idx = malloc(c->N * sizeof *idx);
    if (!g || !idx) { free(g); free(idx); return NULL; }
    for (;;) {
        pthread_mutex_lock(&c->mu);
        size_t b = c->next++;
        pthread_mutex_unlock(&c->mu);
        if (b >= c->perms) break;
        perm_mask(c->seed, b + 1, c->N, c->n1, idx, g);
        double v = mmd_from_k(c->K, c->N, g, c->T, c->n1);
        if (v >= c->obs) {
            pthread_mutex_lock(&c->mu);
            c->ge++;
            pthread_mutex_unlock(&c->mu);
        }
    }
    free(g); free(idx);
    return NULL;
}

#ifdef VIGIL_HAVE_CUDA
/* The GPU does the n^2 sums: for each mask g (the observed split, then each permutation) the
 * row dots K g and, once, the row sums R; then, with K[i][i] = 1,
 *   D = g.K.g,  s2 = (D - n1) / 2,  s1 = g.R - D,  s0 = (sum R - N) / 2 - s1 - s2,
 * and mmd_from_pairs, as the CPU. Masks go in chunks so device memory stays bounded. */
static int mmd_cuda(const double *z, size_t N, size_t d, double bw, size_t n1, size_t perms, uint64_t seed,
                    double *stat, double *p)
{
    size_t total = perms + 1, chunk = total < 512 ? total : 512, ge = 0;
    float *masks = malloc(chunk * N * sizeof *masks);
    double *dots = malloc(chunk * N * sizeof *dots), *R = malloc(N * sizeof *R), obs = NAN;
    size_t *idx = malloc(N * sizeof *idx);
    int rc = VIGIL_OK;
    if (!masks || !dots || !R || !idx) {
        rc = vigil_error_set(VIGIL_ENOMEM, "mmd: out of memory");
        goto done;
    }
    for (size_t b0 = 0; b0 < total; b0 += chunk) {
        size_t m = total - b0 < chunk ? total - b0 : chunk;
        for (size_t k = 0; k < m; k++) perm_mask(seed, b0 + k, N, n1, idx, masks + k * N);
        if (vigil_cuda_mmd_dots(z, N, d, bw, masks, m, R, dots) != 0) {
            rc = vigil_error_set(VIGIL_EBACKEND, "mmd: the CUDA backend failed");
            goto done;
        }
        double sumR = 0;
        for (size_t i = 0; i < N; i++) sumR += R[i];
        for (size_t k = 0; k < m; k++) {
            const float *g = masks + k * N;
            const double *dk = dots + k * N;
            double D = 0, gR = 0;
            for (size_t i = 0; i < N; i++)
                if (g[i] != 0) D += dk[i], gR += R[i];
            double s2 = (D - (double)n1) / 2, s1 = gR - D, s0 = (sumR - (double)N) / 2 - s1 - s2;
            double v = mmd_from_pairs(s0, s1, s2, N, n1);
            if (b0 + k == 0) obs = v;
            else if (v >= obs - 1e-12 * fabs(obs)) ge++;
        }
    }
    *stat = obs;
    *p = perms ? (1.0 + (double)ge) / (1.0 + (double)perms) : NAN;
done:
    free(masks), free(dots), free(R), free(idx);
    return rc;
}
#endif

int vigil_drift_mmd(const double *x, size_t n1, const double *y, size_t n2, size_t d,
                    size_t permutations, uint64_t seed, int backend, int threads, double *stat,
                    double *p, double *bandwidth)
{
    size_t N = n1 + n2;
    if (n1 < 2 || n2 < 2 || d == 0) return vigil_error_set(VIGIL_EINVAL, "mmd: need 2+ rows per window");
    int rc = VIGIL_OK;
    double *z = malloc(N * d * sizeof *z), *dist = NULL;
    float *K = malloc(N * N * sizeof *K);
    float *g = calloc(N, sizeof *g);
    double *T = calloc(N, sizeof *T);
    if (!z || !K || !g || !T) { rc = vigil_error_set(VIGIL_ENOMEM, "mmd: out of memory (%zu rows)", N); goto done; }
    memcpy(z, x, n1 * d * sizeof *z);
    memcpy(z + n1 * d, y, n2 * d * sizeof *z);
    double bw = *bandwidth;
    if (!(bw > 0)) {
        /* median heuristic: median Euclidean distance over all distinct pooled pairs (selected
         * on squared distances, which have the same order) */
        size_t np = N * (N - 1) / 2, k = 0;
        dist = malloc(np * sizeof *dist);
        if (!dist) { rc = vigil_error_set(VIGIL_ENOMEM, "mmd: out of memory"); goto done; }
        for (size_t i = 1; i < N; i++)
            for (size_t j = 0; j < i; j++) {
                double s = 0;
                for (size_t t = 0; t < d; t++) { double e = z[i * d + t] - z[j * d + t]; s += e * e; }
                dist[k++] = s;
            }
        size_t h = np / 2;
        select_k(dist, np, h);
        if (np % 2) bw = sqrt(dist[h]);
        else {
            double below = dist[0];
            for (size_t i = 1; i < h; i++) below = dist[i] > below ? dist[i] : below;
            bw = (sqrt(below) + sqrt(dist[h])) / 2;
        }
        if (!(bw > 0)) bw = 1;
        *bandwidth = bw;
    }
#ifdef VIGIL_HAVE_CUDA
    int done_gpu = 0;
    if (backend != VIGIL_DRIFT_CPU && vigil_cuda_available()) {
        rc = mmd_cuda(z, N, d, bw, n1, permutations, seed, stat, p);
        if (rc == 0) done_gpu = 1;
        else if (backend == VIGIL_DRIFT_CUDA) goto done;
        else {
            vigil_warn("CUDA MMD failed (%s); computing on the CPU instead", vigil_error_last());
            rc = VIGIL_OK;
        }
    } else if (backend == VIGIL_DRIFT_CUDA) {
        rc = vigil_error_set(VIGIL_EBACKEND, "mmd: no CUDA device answers on this machine");
        goto done;
    }
    if (done_gpu) goto done;
#else
    if (backend == VIGIL_DRIFT_CUDA) {
        rc = vigil_error_set(VIGIL_EBACKEND, "mmd: this build has no CUDA backend");
        goto done;
    }
#endif
    {
        double inv = 1 / (2 * bw * bw);
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j <= i; j++) {
                double s = 0;
                for (size_t t = 0; t < d; t++) { double e = z[i * d + t] - z[j * d + t]; s += e * e; }
                K[i * N + j] = K[j * N + i] = (float)exp(-s * inv);
            }
    }
    for (size_t i = 1; i < N; i++) {
        double t = 0;
        for (size_t j = 0; j < i; j++) t += K[i * N + j];
        T[i] = t;
    }
    for (size_t i = 0; i < n1; i++) g[i] = 1;
    double obs = mmd_from_k(K, N, g, T, n1);
    *stat = obs;
    perm_ctx c = {K, T, N, n1, permutations, 0, 0, seed, obs - 1e-12 * fabs(obs), PTHREAD_MUTEX_INITIALIZER};
    long nt = threads > 0 ? threads : sysconf(_SC_NPROCESSORS_ONLN);
    if (nt < 1) nt = 1;
    if (nt > 64) nt = 64;
    pthread_t tid[64];
    long started = 0;
    for (; started < nt - 1; started++)
        if (pthread_create(&tid[started], NULL, perm_worker, &c) != 0) break;
    perm_worker(&c);
    for (long i = 0; i < started; i++) pthread_join(tid[i], NULL);
    *p = permutations ? (1.0 + (double)c.ge) / (1.0 + (double)permutations) : NAN;
done:
    free(z); free(dist); free(K); free(g); free(T);
    return rc;
}
