/* The CUDA backend's registration: its table and the host side of its ops (the kernels are in
 * the .cu files of this folder). Compiled only into a CUDA build (the whole file is under the
 * switch the Makefile sets with CUDA=1): a build without CUDA never references a kernel. */
#ifdef VIGIL_HAVE_CUDA
#include "backend/cuda/cuda.h"

#include "core/parallel.h"
#include "model/model_internal.h"
#include "vigil/error.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static vigil_cuda_info info;
/* set once a sticky error has made the context unusable: the device is then unavailable for
 * the rest of the process (AUTO runs on the CPU, --backend cuda is refused with the reason) */
static atomic_int lost;
static char lost_why[256];
static pthread_mutex_t lost_mu = PTHREAD_MUTEX_INITIALIZER;

static void probe(void) { vigil_cuda_probe(&info); }

static void version(int v, char *buf, size_t cap)
{
    if (v <= 0) snprintf(buf, cap, "none");
    else snprintf(buf, cap, "%d.%d", v / 1000, (v % 1000) / 10);
}

static int available(char *why, size_t cap)
{
    pthread_once(&probe_once, probe);
    if (atomic_load(&lost)) {
        pthread_mutex_lock(&lost_mu);
        snprintf(why, cap, "the CUDA device failed earlier in this process (%s); use --backend auto or cpu", lost_why);
        pthread_mutex_unlock(&lost_mu);
        return 0;
    }
    if (info.usable) return 1;
    snprintf(why, cap, "no usable CUDA device: %s (use --backend auto or cpu)", info.reason);
    return 0;
}

static void describe(char *buf, size_t cap)
{
    pthread_once(&probe_once, probe);
    char dv[16], rv[16];
    version(info.driver, dv, sizeof dv), version(info.runtime, rv, sizeof rv);
    if (info.usable && !atomic_load(&lost))
        snprintf(buf, cap, "cuda: %s (compute capability %d.%d, %.0f GB), driver CUDA %s, runtime %s", info.name,
                 info.major, info.minor, (double)info.memory / 1e9, dv, rv);
    else if (atomic_load(&lost)) {
        pthread_mutex_lock(&lost_mu);
        snprintf(buf, cap, "cuda: unusable: the device failed earlier in this process (%s)", lost_why);
        pthread_mutex_unlock(&lost_mu);
    } else
        snprintf(buf, cap, "cuda: unusable: %s", info.reason);
}

/* A failed kernel call: its error, and whether it took the context with it. */
static int failed(const char *op, const char *err)
{
    char why[256];
    if (vigil_cuda_context_lost(why, sizeof why)) {
        pthread_mutex_lock(&lost_mu);
        snprintf(lost_why, sizeof lost_why, "%s", why);
        pthread_mutex_unlock(&lost_mu);
        atomic_store(&lost, 1);
    }
    return vigil_error_set(VIGIL_EBACKEND, "cuda: %s: %s", op, err);
}

static int prepare(const vigil_model *m, void **state)
{
    *state = NULL;
    if (m->kind != VIGIL_MODEL_TREES) return VIGIL_OK;
    char err[512] = "";
    vigil_cuda_forest *d = NULL;
    if (vigil_cuda_forest_upload(&m->forest, &d, err, sizeof err) != 0)
        return failed("copying the model to the device", err);
    *state = d;
    return VIGIL_OK;
}

static void release(void *state) { vigil_cuda_forest_free(state); }

static int predict_trees(const vigil_model *m, void *state, const float *X, size_t n, int threads, float *margins)
{
    (void)m, (void)threads;
    char err[512] = "";
    if (!state) return vigil_error_set(VIGIL_EINTERNAL, "cuda: tree scoring without the model on the device");
    if (vigil_cuda_predict_trees(state, X, n, margins, err, sizeof err) != 0) return failed("scoring", err);
    return VIGIL_OK;
}

static int treeshap(const ts_prepared *p, const float *X, size_t n, int threads, double *phi)
{
    (void)threads;
    char err[512] = "";
    if (vigil_cuda_treeshap(p, X, n, phi, err, sizeof err) != 0) return failed("TreeSHAP", err);
    return VIGIL_OK;
}

/* The masks of permutations b0 .. b0 + m on the host (the shared seeded draws), in parallel. */
typedef struct {
    const vigil_mmd_job *job;
    size_t b0;
    unsigned char *masks;
} mask_ctx;

static int mask_range(void *arg, size_t k0, size_t k1, int worker)
{
    (void)worker;
    mask_ctx *c = arg;
    const size_t N = c->job->N;
    float *g = malloc(N * sizeof *g);
    size_t *idx = malloc(N * sizeof *idx);
    if (!g || !idx) {
        free(g), free(idx);
        return vigil_error_set(VIGIL_ENOMEM, "mmd: out of memory");
    }
    for (size_t k = k0; k < k1; k++) {
        vigil_mmd_perm_mask(c->job->seed, c->b0 + k, N, c->job->n1, idx, g);
        unsigned char *o = c->masks + k * N;
        for (size_t i = 0; i < N; i++) o[i] = g[i] != 0;
    }
    free(g), free(idx);
    return VIGIL_OK;
}

/* The GPU does the n^2 sums: for each mask g (the observed split, then each permutation)
 * D = g.K.g and gR = g.K.1, and once sumR = 1.K.1; then, with K[i][i] = 1,
 *   s2 = (D - n1) / 2,  s1 = gR - D,  s0 = (sumR - N) / 2 - s1 - s2,
 * and the CPU's formula. Masks go in chunks of 1,024 so host and device memory stay bounded;
 * the kernel matrix stays on the device across them. */
static int mmd(const vigil_mmd_job *job, double *stat, double *p, double *bandwidth)
{
    const size_t N = job->N, n1 = job->n1, perms = job->permutations, total = perms + 1;
    const size_t chunk = total < vigil_cuda_chunk(2, 1024) ? total : vigil_cuda_chunk(2, 1024);
    char err[512] = "";
    double bw = job->bandwidth, obs = NAN, sumR = 0;
    size_t ge = 0;
    vigil_cuda_mmd *h = NULL;
    unsigned char *masks = malloc(chunk * N);
    double *D = malloc(chunk * sizeof *D), *gR = malloc(chunk * sizeof *gR);
    int rc = VIGIL_OK;
    if (!masks || !D || !gR) {
        rc = vigil_error_set(VIGIL_ENOMEM, "mmd: out of memory");
        goto done;
    }
    if (vigil_cuda_mmd_begin(job->z, N, job->d, &bw, &h, err, sizeof err) != 0) {
        rc = failed("MMD", err);
        goto done;
    }
    for (size_t b0 = 0; b0 < total; b0 += chunk) {
        size_t m = total - b0 < chunk ? total - b0 : chunk;
        mask_ctx mc = {job, b0, masks};
        if ((rc = vigil_parallel_for(job->threads, m, 16, mask_range, &mc)) != 0) goto done;
        if (vigil_cuda_mmd_sums(h, masks, m, D, gR, &sumR, err, sizeof err) != 0) {
            rc = failed("MMD", err);
            goto done;
        }
        for (size_t k = 0; k < m; k++) {
            double s2 = (D[k] - (double)n1) / 2, s1 = gR[k] - D[k], s0 = (sumR - (double)N) / 2 - s1 - s2;
            double v = vigil_mmd_from_pairs(s0, s1, s2, N, n1);
            if (b0 + k == 0) obs = v;
            else if (v >= obs - 1e-12 * fabs(obs)) ge++;
        }
    }
    *stat = obs;
    *p = perms ? (1.0 + (double)ge) / (1.0 + (double)perms) : NAN;
    *bandwidth = bw;
done:
    vigil_cuda_mmd_end(h);
    free(masks), free(D), free(gR);
    return rc;
}

/* The metrics bootstrap: the device's passes, finished on the host (stats/boot_device.h). */
static int boot_begin(const vm_boot_dev_data *d, void **h)
{
    char err[512] = "";
    vigil_cuda_boot *b = NULL;
    if (vigil_cuda_boot_begin(d, &b, err, sizeof err) != 0) return failed("the bootstrap", err);
    *h = b;
    return VIGIL_OK;
}

static int boot_run(void *h, int jack, size_t first, size_t stride, size_t m, double *out)
{
    char err[512] = "";
    if (vigil_cuda_boot_run(h, jack, first, stride, m, out, err, sizeof err) != 0) return failed("the bootstrap", err);
    return VIGIL_OK;
}

static void boot_end(void *h) { vigil_cuda_boot_end(h); }

static int bootstrap(vigil_boot_job *job)
{
    static const vm_boot_device dev = {boot_begin, boot_run, boot_end};
    return vigil_stats_bootstrap_device(job, &dev);
}

/* AUTO's thresholds, in work per CPU thread (backend_impl.h): the device's first call in a
 * process costs about 0.1 s (context and model upload: 0.095 s measured on an H200, bench/gpu.sh),
 * after which it wins at every size measured; so a job goes to the device when the CPU would
 * need about that long. Per CPU thread, measured on the H200 machine's 16 cores and this
 * project's 2-core machines: scoring 4.7e7-6.1e7 rows x trees per second, TreeSHAP 3.6e7 rows x
 * leaves, MMD 2.3e8 N^2 x (permutations + 1). The bundled 3,072-case suites' scoring (300
 * trees, 2 threads: 4.6e5) stays on the CPU; their TreeSHAP (11,000 leaves: 1.7e7) goes to the
 * device, where it takes 2 ms instead of 0.46 s. */
#define MIN_WORK_PREDICT 5e6  /* rows x trees */
#define MIN_WORK_TREESHAP 4e6 /* rows x leaves */
#define MIN_WORK_MMD 2.5e7    /* N^2 x (permutations + 1) */
/* The bootstrap's kernels have not yet run on a device (bench/gpu.sh times them against the
 * CPU at 10^6 cases x 200 replicates): until that figure says where the device wins, AUTO keeps
 * the bootstrap on the CPU and only --backend cuda sends it to the device. */
#define MIN_WORK_BOOTSTRAP INFINITY /* cases x replicates */

const vigil_backend_i vigil_backend_cuda = {
    .name = "cuda",
    .kind = VIGIL_BACKEND_CUDA,
    .available = available,
    .describe = describe,
    .min_work = {[VIGIL_OP_PREDICT_TREES] = MIN_WORK_PREDICT,
                 [VIGIL_OP_TREESHAP] = MIN_WORK_TREESHAP,
                 [VIGIL_OP_MMD] = MIN_WORK_MMD,
                 [VIGIL_OP_BOOTSTRAP] = MIN_WORK_BOOTSTRAP},
    .prepare = prepare,
    .release = release,
    .predict_trees = predict_trees,
    .predict_linear = NULL, /* dense scoring is memory-bound: the CPU does it */
    .predict_mlp = NULL,
    .treeshap = treeshap,
    .mmd = mmd,
    .bootstrap = bootstrap,
};
#endif
