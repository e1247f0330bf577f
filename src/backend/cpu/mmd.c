/* The CPU backend's MMD op (see src/stats/drift_mmd.c for the test): the float kernel matrix is
 * computed once; each permutation relabels the rows and re-sums it, the shared pool across
 * permutations. */
#include "backend/cpu/cpu.h"

#include "core/parallel.h"
#include "vigil/error.h"

#include <math.h>
#include <stdlib.h>

/* MMD^2_u for labels gm (1 = x sample, as a float mask) over the float kernel matrix (lower
 * triangle). T[i] = sum_{j<i} K[i][j] does not depend on the labels and is computed once; per
 * row only the dot product with the mask does, summed in 8 independent double accumulators. */
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
    return vigil_mmd_from_pairs(s[0], s[1], s[2], N, n1);
}

typedef struct {
    const float *K;
    const double *T;
    size_t N, n1;
    uint64_t seed;
    double obs;   /* the observed statistic less a rounding margin */
    size_t *ge;   /* one count per worker */
} perm_ctx;

static int perm_range(void *arg, size_t b0, size_t b1, int worker)
{
    perm_ctx *c = arg;
    float *g = malloc(c->N * sizeof *g);
    size_t *idx = malloc(c->N * sizeof *idx);
    if (!g || !idx) {
        free(g), free(idx);
        return vigil_error_set(VIGIL_ENOMEM, "mmd: out of memory");
    }
    for (size_t b = b0; b < b1; b++) {
        vigil_mmd_perm_mask(c->seed, b + 1, c->N, c->n1, idx, g);
        if (mmd_from_k(c->K, c->N, g, c->T, c->n1) >= c->obs) c->ge[worker]++;
    }
    free(g), free(idx);
    return VIGIL_OK;
}

int vigil_cpu_mmd(const vigil_mmd_job *job, double *stat, double *p, double *bandwidth)
{
    const size_t N = job->N, n1 = job->n1, d = job->d, perms = job->permutations;
    const double *z = job->z;
    double bw = job->bandwidth;
    int rc = bw > 0 ? VIGIL_OK : vigil_mmd_median_bandwidth(z, N, d, &bw);
    if (rc) return rc;
    *bandwidth = bw;
    int W = vigil_parallel_workers(job->threads, perms, 1);
    float *K = malloc(N * N * sizeof *K), *g = calloc(N, sizeof *g);
    double *T = calloc(N, sizeof *T);
    size_t *ge = calloc((size_t)W, sizeof *ge);
    if (!K || !g || !T || !ge) {
        rc = vigil_error_set(VIGIL_ENOMEM, "mmd: out of memory (%zu rows)", N);
        goto done;
    }
    double inv = 1 / (2 * bw * bw);
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j <= i; j++) {
            double s = 0;
            for (size_t t = 0; t < d; t++) { double e = z[i * d + t] - z[j * d + t]; s += e * e; }
            K[i * N + j] = K[j * N + i] = (float)exp(-s * inv);
        }
    for (size_t i = 1; i < N; i++) {
        double t = 0;
        for (size_t j = 0; j < i; j++) t += K[i * N + j];
        T[i] = t;
    }
    for (size_t i = 0; i < n1; i++) g[i] = 1;
    double obs = mmd_from_k(K, N, g, T, n1);
    perm_ctx c = {K, T, N, n1, job->seed, obs - 1e-12 * fabs(obs), ge};
    if ((rc = vigil_parallel_for(W, perms, 1, perm_range, &c)) != 0) goto done; /* W: ge[] has W slots */
    size_t total = 0;
    for (int w = 0; w < W; w++) total += ge[w];
    *stat = obs;
    *p = perms ? (1.0 + (double)total) / (1.0 + (double)perms) : NAN;
done:
    free(K), free(g), free(T), free(ge);
    return rc;
}
