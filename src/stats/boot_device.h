/* The metrics bootstrap on a device (issue 22, issue 15): what a device's bootstrap op computes,
 * and the host driver that finishes it (metrics_report_boot_dev.c). Plain C types only, so the
 * CUDA file (src/backend/cuda/bootstrap.cu) includes it.
 *
 * The split. For each replicate (or jackknife call) and each scope -- the overall one, then every
 * level of every group column -- the device makes the one pass over the scope's drawn cases in
 * sorted order that vigil_stats_scope_stats / _group_stats make (stats/replicate.c), with the
 * same double operations in the same order and no fused multiply-add: the nine statistics that
 * need nothing but + - * / (AUROC, AUPRC, Brier, ECE, ECE-EM, MCE, TPR, FPR, selection rate),
 * bit for bit, and the power sums of the CITL and recalibration-slope expansions. The host then
 * solves the expansions from those sums with the CPU's own code and libm (the device's exp and
 * pow are not glibc's to the bit), and where an expansion is not accepted -- the CPU then takes
 * exact Newton steps, with exp per case -- it recomputes that scope (the overall one, or the
 * whole group column) with the CPU kernels from the replicate's counts, which it draws again
 * from the replicate's own stream. The lowess-based E statistics (n <= LOWESS_BOOT_MAX), the
 * disparities and the storing are the host's too. So every number is the CPU backend's, bit for
 * bit (tests/stub/test_cuda_stub.c, bench/gpu.sh). */
#ifndef VIGIL_STATS_BOOT_DEVICE_H
#define VIGIL_STATS_BOOT_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One scope's block in a replicate's output: the nine statistics, then the CITL expansion's
 * power sums S_j = sum w s^j (j = 0..6) and Y = sum w y over the drawn cases with 0 < p < 1. */
enum { VB_AUROC, VB_AUPRC, VB_BRIER, VB_ECE, VB_ECE_EM, VB_MCE, VB_TPR, VB_FPR, VB_SEL, VB_S0,
       VB_Y = VB_S0 + 7, VB_SCOPE };
/* The overall scope's slope block, after the scopes' blocks: T[k][j] (6 x 7, row-major), Y0,
 * Y1, W, X (the largest |logit| at the ends of the run 0 < p < 1) and whether that run has a
 * case (1) or not (0). */
enum { VB_T = 0, VB_Y0 = 42, VB_Y1, VB_W, VB_X, VB_NONEMPTY, VB_SLOPE };

/* What the device needs, uploaded once per bootstrap (the arrays are the engine's: the overall
 * sorted order). Scope 0 is every case; scope s >= 1 is the cases list[start[s] .. start[s+1])
 * (positions in the sorted order, ascending), level s of the group column group_of[s], whose
 * cached probabilities are gsc + group_of[s] * n. */
typedef struct {
    size_t n;
    const double *p, *sc; /* scores; each case's calibrated probability at the overall CITL start */
    const double *lg, *sf; /* logits and sigma(fit0 lg) (the slope's start); NULL: no slope */
    const uint8_t *y;
    double t; /* the first threshold */
    const uint32_t *pos; /* case (input order) -> sorted position, or NULL (the draws' target) */
    uint64_t seed;
    size_t jack_groups;
    size_t ng, n_scopes;
    const uint32_t *list, *group_of;
    const size_t *start; /* n_scopes + 1 */
    const double *gsc;   /* ng x n */
} vm_boot_dev_data;

/* Doubles one replicate's output takes. */
static inline size_t vm_boot_dev_width(size_t n_scopes) { return n_scopes * VB_SCOPE + VB_SLOPE; }

/* A device, as its backend wraps it: each returns VIGIL_OK or a VIGIL_EBACKEND it has set.
 * run computes m replicates (jack 0: bootstrap replicate first + k * stride, k < m, drawn from
 * its own (seed, replicate) stream; jack 1: jackknife call first + k * stride) into out
 * (m x vm_boot_dev_width doubles), batching as its memory allows. */
typedef struct {
    int (*begin)(const vm_boot_dev_data *d, void **handle);
    int (*run)(void *handle, int jack, size_t first, size_t stride, size_t m, double *out);
    void (*end)(void *handle);
} vm_boot_device;

/* A device backend's bootstrap op: the job on dev, finished on the host as above. Under MPI
 * this rank's replicates, then shared as the CPU op shares them. */
struct vigil_boot_job;
int vigil_stats_bootstrap_device(struct vigil_boot_job *job, const vm_boot_device *dev);

#ifdef __cplusplus
}
#endif
#endif
