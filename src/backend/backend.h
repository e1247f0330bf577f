/* The scoring backends behind vigil_model_predict() (internal). Both take the flat forest
 * and a row-major float32 matrix, and write float32-accumulated margins in XGBoost's order:
 * the base margin, then every tree in model order (one accumulator per row and class). */
#ifndef VIGIL_BACKEND_H
#define VIGIL_BACKEND_H

#include <stddef.h>

#include "model/forest.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CPU: pthreads over blocks of rows; threads <= 0 means every online CPU. margins is
 * n * n_groups floats. */
int vigil_cpu_predict_trees(const vigil_forest *f, const float *X, size_t n, int threads, float *margins);

/* The number of threads `threads` stands for. */
int vigil_cpu_threads(int threads);

#ifdef VIGIL_HAVE_CUDA
/* CUDA (src/backend/cuda/predict.cu): 0 on success; otherwise a CUDA error whose text is left
 * in err (the caller falls back to the CPU). */
int vigil_cuda_predict_trees(const vigil_forest *f, const float *X, size_t n, float *margins,
                             char *err, size_t err_cap);
int vigil_cuda_device_count(void);
#endif

#ifdef __cplusplus
}
#endif
#endif
