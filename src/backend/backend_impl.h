/* The backend seam (internal; the public side is include/vigil/backend.h).
 *
 * Each backend is a folder (src/backend/cpu/, src/backend/cuda/) that exports ONE table of
 * function pointers, a vigil_backend_i; src/backend/backend.c is the only file that knows which
 * tables exist (its registry, CPU last). An op a backend lacks is NULL. Callers never choose a
 * backend themselves: they hand the op to vigil_backend_run(), which applies the one selection
 * and fallback rule (below) and says which backend ran. Ops return VIGIL_OK or a negative code
 * after vigil_error_set(). */
#ifndef VIGIL_BACKEND_IMPL_H
#define VIGIL_BACKEND_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "explain/treeshap.h"
#include "model/forest.h"
#include "vigil/backend.h"
#include "vigil/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The ops the seam carries; every vigil_backend_i field of that name may be NULL. */
typedef enum {
    VIGIL_OP_PREDICT_TREES = 0,
    VIGIL_OP_PREDICT_LINEAR,
    VIGIL_OP_PREDICT_MLP,
    VIGIL_OP_TREESHAP,
    VIGIL_OP_MMD,
    VIGIL_OP_BOOTSTRAP,
    VIGIL_OP_COUNT
} vigil_backend_op;

/* The metrics engine's bootstrap of one report (its layout is private to src/stats:
 * stats/metrics_report.h): every replicate's and every jackknife call's statistics of every
 * scope and disparity, written into the report. */
typedef struct vigil_boot_job vigil_boot_job;

/* The MMD permutation test once the bandwidth is known: z holds the pooled, standardised rows
 * (N x d; the first n1 are the x sample). Each permutation b draws its labels from its own
 * seeded stream, so every backend sees the same permutations. */
typedef struct {
    const double *z;
    size_t N, d, n1;
    double bandwidth;
    size_t permutations;
    uint64_t seed;
    int threads;
} vigil_mmd_job;

/* The median heuristic every backend's mmd op uses when job->bandwidth <= 0: the median
 * Euclidean distance over the N(N-1)/2 distinct pooled pairs (the mean of the two middle ones
 * when their number is even), squared distances summed in double in feature order; 1 when that
 * median is 0. (src/stats/drift_mmd.c; the CUDA op selects the same value on the device.) */
int vigil_mmd_median_bandwidth(const double *z, size_t N, size_t d, double *bw);

/* Shared by every backend's mmd op (src/stats/drift_mmd.c), so all draw the same permutations
 * and end in the same formula. The label mask of permutation b (b = 0: the observed split, x
 * first): a seeded partial shuffle choosing which n1 of the N rows are "x"; idx is N scratch. */
void vigil_mmd_perm_mask(uint64_t seed, size_t b, size_t N, size_t n1, size_t *idx, float *g);
/* MMD^2_u from the three pair sums: s2 within x, s0 within y, s1 across (each unordered pair
 * once). */
double vigil_mmd_from_pairs(double s0, double s1, double s2, size_t N, size_t n1);

typedef struct vigil_backend_i {
    const char *name;        /* as --backend spells it */
    vigil_backend_kind kind;
    /* 1 when the backend can run on this machine; otherwise 0 and, in why, a sentence saying
     * why not that ends with what the user can do instead. NULL: always available. */
    int (*available)(char *why, size_t cap);
    /* One line for --version and the JSON: the device, its driver and runtime, or why it
     * cannot run here. NULL: the name alone. */
    void (*describe)(char *buf, size_t cap);
    /* AUTO sends op here only when its work per CPU thread (the unit of vigil_backend_run) is
     * at least min_work[op]: below that the CPU finishes first (the device's start-up and copies
     * cost more than they save). 0: any size. Measured on a device: bench/gpu.sh. */
    double min_work[VIGIL_OP_COUNT];
    /* A model's layout for this backend (packed nodes, device copies), built once per model by
     * vigil_backend_model_state() and released by vigil_model_free(). NULL: nothing to build;
     * *state may be left NULL. */
    int (*prepare)(const vigil_model *m, void **state);
    void (*release)(void *state);

    /* float32 margins in XGBoost's order (base margin, then every tree in model order):
     * n * n_groups floats. state: what prepare built. */
    int (*predict_trees)(const vigil_model *m, void *state, const float *X, size_t n, int threads,
                         float *margins);
    /* scores and (optional) margins, n * n_outputs doubles each */
    int (*predict_linear)(const vigil_model *m, const float *X, size_t n, int threads, double *scores,
                          double *margins);
    int (*predict_mlp)(const vigil_model *m, const float *X, size_t n, int threads, double *scores,
                       double *margins);
    /* path-dependent TreeSHAP over a prepared flattening: phi is n x K x (F + 1) */
    int (*treeshap)(const ts_prepared *p, const float *X, size_t n, int threads, double *phi);
    /* MMD^2_u of the observed split and the permutation p-value; *bandwidth gets the bandwidth
     * used (job->bandwidth, or the median heuristic, vigil_mmd_median_bandwidth, when that is
     * <= 0). */
    int (*mmd)(const vigil_mmd_job *job, double *stat, double *p, double *bandwidth);
    /* The metrics bootstrap: B count-resampling replicates (replicate r draws its counts from
     * its own (seed, r) stream, so every backend resamples the same cases) and the BCa
     * jackknife, each recomputing every scope's statistics from the one sorted order. Under MPI
     * the op runs this rank's replicates and shares them (every rank ends with all). */
    int (*bootstrap)(vigil_boot_job *job);
} vigil_backend_i;

/* The CPU backend: always built, every op, last in the registry (src/backend/cpu/cpu.c). */
extern const vigil_backend_i vigil_backend_cpu;

/* ---- the registry (src/backend/backend.c) ---- */

size_t vigil_backend_count(void);
const vigil_backend_i *vigil_backend_at(size_t i);

/* The one selection rule.
 *   AUTO      the first registered backend that has op, whose min_work[op] the job's work
 *             reaches, and that is available (CPU, last, always is); a job too small for a
 *             device never wakes it;
 *   CPU       the CPU;
 *   explicit  that backend, which must be built in and available: otherwise VIGIL_EINVAL with
 *             "--backend <name>: this build has no <NAME> backend (it was built with <NAME>=0)"
 *             or "--backend <name>: <why it is not available>" (a usage error: exit 2). When it
 *             is there but lacks op, the op runs on the CPU (the result says so).
 * *out is never NULL on VIGIL_OK. */
int vigil_backend_select(const vigil_backend_i **out, vigil_backend_kind want, vigil_backend_op op, double work);

/* Run one op: call(b, ctx) on the backend vigil_backend_select() picks. work is the job's size
 * per CPU thread the CPU would use, in the op's unit: rows x trees (scoring), rows x leaves
 * (TreeSHAP), N^2 x (permutations + 1) (MMD), cases x replicates (bootstrap). The one fallback rule, the same for every op:
 * when AUTO picked a device and the call fails, vigil_warn() says so and
 * call(&vigil_backend_cpu, ctx) runs instead; an explicit request (--backend cuda) is never
 * served by another backend behind the user's back: its failure is returned (VIGIL_EBACKEND,
 * exit 3), naming the op and the device's error. *used (optional) gets the kind that produced
 * the result. A CPU failure is returned as it is. */
typedef int (*vigil_backend_call)(const vigil_backend_i *b, void *ctx);
int vigil_backend_run(vigil_backend_kind want, vigil_backend_op op, const char *what, double work,
                      vigil_backend_call call, void *ctx, vigil_backend_kind *used);

/* The op's work per CPU thread (the unit above) for `units` items of work and a thread request. */
double vigil_backend_work(double units, int threads);

/* The state b->prepare built for m, building it on the first call (thread-safe: a race builds
 * it twice and keeps one). */
int vigil_backend_model_state(const vigil_model *m, const vigil_backend_i *b, void **state);
/* Release every backend's state of m (vigil_model_free). */
void vigil_backend_model_release(vigil_model *m);

/* For tests: put b first in the registry (NULL takes it out again). Not thread-safe. */
void vigil_backend_test_inject(const vigil_backend_i *b);

#ifdef __cplusplus
}
#endif
#endif
