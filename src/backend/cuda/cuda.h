/* The CUDA backend (internal): the kernels' host entry points (the .cu files) and the one
 * registration, vigil_backend_cuda (cuda.c), that src/backend/backend.c lists when the build
 * has CUDA. The .cu entry points return 0, or -1 with the CUDA error's text in err; cuda.c turns
 * that into VIGIL_EBACKEND (AUTO then falls back to the CPU; an explicit --backend cuda fails).
 * Every entry point leaves no device memory behind on failure, and reports a sticky error (a
 * context the device can no longer use) through vigil_cuda_context_lost(). */
#ifndef VIGIL_BACKEND_CUDA_H
#define VIGIL_BACKEND_CUDA_H

#include <stddef.h>

#include "explain/treeshap.h"
#include "model/forest.h"
#include "stats/boot_device.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the runtime says about this machine (device.cu). count > 0 and usable: device 0 runs
 * the kernels; otherwise reason says why not (the runtime's error name and text, or a compute
 * capability this build has no code for). driver/runtime as CUDA encodes them (13000 = 13.0;
 * driver 0: no driver). */
typedef struct {
    int count, usable;
    int driver, runtime;
    int major, minor;
    size_t memory;
    char name[128];
    char reason[384];
} vigil_cuda_info;
void vigil_cuda_probe(vigil_cuda_info *info);
/* 1 after a sticky error (cudaErrorIllegalAddress, a launch failure): the context is unusable
 * for the rest of the process; why gets the error. 0 otherwise (a non-sticky error is cleared). */
int vigil_cuda_context_lost(char *why, size_t cap);

/* For tests: the chunk sizes (0: the default): rows per scoring and TreeSHAP chunk, masks per
 * MMD chunk, and rows per block of the MMD kernel matrix (forcing the row-block path). */
void vigil_cuda_test_chunks(size_t predict_rows, size_t treeshap_rows, size_t mmd_masks, size_t mmd_rows);
size_t vigil_cuda_chunk(int which, size_t dflt); /* 0 predict, 1 treeshap, 2 mmd masks, 3 mmd rows, 4 bootstrap replicates */

/* predict.cu: a forest's packed nodes, tree tables and base margins on the device, once per
 * model, with the row buffers it reuses from call to call (guarded: one call at a time). */
typedef struct vigil_cuda_forest vigil_cuda_forest;
int vigil_cuda_forest_upload(const vigil_forest *f, vigil_cuda_forest **out, char *err, size_t err_cap);
void vigil_cuda_forest_free(vigil_cuda_forest *d);
int vigil_cuda_predict_trees(vigil_cuda_forest *d, const float *X, size_t n, float *margins, char *err,
                             size_t err_cap);

/* treeshap.cu: phi is n x K x (F + 1), as the CPU's; rows go in chunks that shrink when the
 * device's memory is short. */
int vigil_cuda_treeshap(const ts_prepared *p, const float *X, size_t n, double *phi, char *err, size_t cap);

/* mmd.cu: one MMD permutation test on the device. begin uploads the pooled, standardised rows
 * z (n x d) and, when *bw <= 0, selects the median heuristic's bandwidth on the device (the
 * same value as vigil_mmd_median_bandwidth), then builds the double kernel matrix
 * K[i][j] = (float)exp(-|z_i - z_j|^2 / (2 bw^2)) (kept whole when it fits, else rebuilt by row
 * blocks). sums takes m label masks (m x n bytes, 1 = the x sample) and returns, per mask,
 * D = g.K.g and gR = g.K.1, and sumR = 1.K.1: the permutation sums as one matrix product. */
typedef struct vigil_cuda_mmd vigil_cuda_mmd;
int vigil_cuda_mmd_begin(const double *z, size_t n, size_t d, double *bw, vigil_cuda_mmd **out, char *err,
                         size_t cap);
int vigil_cuda_mmd_sums(vigil_cuda_mmd *h, const unsigned char *masks, size_t m, double *D, double *gR,
                        double *sumR, char *err, size_t cap);
void vigil_cuda_mmd_end(vigil_cuda_mmd *h);

/* bootstrap.cu: the metrics bootstrap's device part (stats/boot_device.h): begin uploads the
 * inputs once; run computes m replicates (or jackknife calls) into out, in batches that fit the
 * device's memory; end frees everything. */
typedef struct vigil_cuda_boot vigil_cuda_boot;
int vigil_cuda_boot_begin(const vm_boot_dev_data *d, vigil_cuda_boot **out, char *err, size_t cap);
int vigil_cuda_boot_run(vigil_cuda_boot *h, int jack, size_t first, size_t stride, size_t m, double *out, char *err,
                        size_t cap);
void vigil_cuda_boot_end(vigil_cuda_boot *h);
/* For tests: replicates per bootstrap batch (0: as many as the memory holds). */
void vigil_cuda_test_boot_batch(size_t reps);

#ifdef __cplusplus
}
#endif

#ifndef __CUDACC__
#include "backend/backend_impl.h"
extern const vigil_backend_i vigil_backend_cuda;
#endif

#endif
