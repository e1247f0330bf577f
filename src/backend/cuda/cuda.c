/* The CUDA backend's registration: its table and the host side of its ops (the kernels are in
 * the .cu files of this folder). Compiled only into a CUDA build (the whole file is under the
 * switch the Makefile sets with CUDA=1): a build without CUDA never references a kernel. */
#ifdef VIGIL_HAVE_CUDA
#include "backend/cuda/cuda.h"

#include "model/model_internal.h"
#include "vigil/error.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static int n_devices;

static void probe(void) { n_devices = vigil_cuda_device_count(); }

static int available(char *why, size_t cap)
{
    pthread_once(&probe_once, probe);
    if (n_devices > 0) return 1;
    snprintf(why, cap, "no CUDA device answers on this machine (use --backend auto or cpu)");
    return 0;
}

static int prepare(const vigil_model *m, void **state)
{
    *state = NULL;
    if (m->kind != VIGIL_MODEL_TREES) return VIGIL_OK;
    char err[256] = "";
    vigil_cuda_forest *d = NULL;
    if (vigil_cuda_forest_upload(&m->forest, &d, err, sizeof err) != 0)
        return vigil_error_set(VIGIL_EBACKEND, "cuda: copying the model to the device: %s", err);
    *state = d;
    return VIGIL_OK;
}

static void release(void *state) { vigil_cuda_forest_free(state); }

static int predict_trees(const vigil_model *m, void *state, const float *X, size_t n, int threads, float *margins)
{
    (void)m, (void)threads;
    char err[256] = "";
    if (!state) return vigil_error_set(VIGIL_EINTERNAL, "cuda: tree scoring without the model on the device");
    if (vigil_cuda_predict_trees(state, X, n, margins, err, sizeof err) != 0)
        return vigil_error_set(VIGIL_EBACKEND, "cuda: %s", err);
    return VIGIL_OK;
}

static int treeshap(const ts_prepared *p, const float *X, size_t n, int threads, double *phi)
{
    (void)threads;
    char err[256] = "";
    if (vigil_cuda_treeshap(p, X, n, phi, err, sizeof err) != 0) return vigil_error_set(VIGIL_EBACKEND, "cuda: %s", err);
    return VIGIL_OK;
}

/* The GPU does the n^2 sums: for each mask g (the observed split, then each permutation) the
 * row dots K g and, once, the row sums R; then, with K[i][i] = 1,
 *   D = g.K.g,  s2 = (D - n1) / 2,  s1 = g.R - D,  s0 = (sum R - N) / 2 - s1 - s2,
 * and the CPU's formula. Masks go in chunks so device memory stays bounded. */
static int mmd(const vigil_mmd_job *job, double *stat, double *p)
{
    const size_t N = job->N, n1 = job->n1, perms = job->permutations;
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
        for (size_t k = 0; k < m; k++) vigil_mmd_perm_mask(job->seed, b0 + k, N, n1, idx, masks + k * N);
        if (vigil_cuda_mmd_dots(job->z, N, job->d, job->bandwidth, masks, m, R, dots) != 0) {
            rc = vigil_error_set(VIGIL_EBACKEND, "mmd: the CUDA kernels failed");
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
            double v = vigil_mmd_from_pairs(s0, s1, s2, N, n1);
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

const vigil_backend_i vigil_backend_cuda = {
    .name = "cuda",
    .kind = VIGIL_BACKEND_CUDA,
    .available = available,
    .prepare = prepare,
    .release = release,
    .predict_trees = predict_trees,
    .predict_linear = NULL, /* dense scoring is memory-bound: the CPU does it */
    .predict_mlp = NULL,
    .treeshap = treeshap,
    .mmd = mmd,
};
#endif
