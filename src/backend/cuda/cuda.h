/* The CUDA backend (internal): the kernels' host entry points (the .cu files) and the one
 * registration, vigil_backend_cuda (cuda.c), that src/backend/backend.c lists when the build
 * has CUDA. The .cu entry points return 0, or -1 with the CUDA error's text in err; cuda.c turns
 * that into VIGIL_EBACKEND, on which vigil_backend_run() falls back to the CPU. */
#ifndef VIGIL_BACKEND_CUDA_H
#define VIGIL_BACKEND_CUDA_H

#include <stddef.h>

#include "explain/treeshap.h"
#include "model/forest.h"

#ifdef __cplusplus
extern "C" {
#endif

/* predict.cu */
int vigil_cuda_device_count(void);
/* A forest's packed nodes, tree tables and base margins on the device, once per model. */
typedef struct vigil_cuda_forest vigil_cuda_forest;
int vigil_cuda_forest_upload(const vigil_forest *f, vigil_cuda_forest **out, char *err, size_t err_cap);
void vigil_cuda_forest_free(vigil_cuda_forest *d);
int vigil_cuda_predict_trees(const vigil_cuda_forest *d, const float *X, size_t n, float *margins, char *err,
                             size_t err_cap);

/* treeshap.cu: phi is n x K x (F + 1), as the CPU's */
int vigil_cuda_treeshap(const ts_prepared *p, const float *X, size_t n, double *phi, char *err, size_t cap);

/* mmd.cu: on the device, the RBF kernel matrix K of the pooled, standardised rows z (n x d,
 * float as the CPU stores it), its row sums (rowsum, n) and, for each of n_masks label masks
 * (n floats each), the row dots K.mask (dots, n_masks x n), in double. 0 or -1. */
int vigil_cuda_mmd_dots(const double *z, size_t n, size_t d, double bandwidth, const float *masks,
                        size_t n_masks, double *rowsum, double *dots);

#ifdef __cplusplus
}
#endif

#ifndef __CUDACC__
#include "backend/backend_impl.h"
extern const vigil_backend_i vigil_backend_cuda;
#endif

#endif
