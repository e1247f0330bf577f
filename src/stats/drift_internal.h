/* Drift engine internals shared by src/stats/drift*.c. */
#ifndef VIGIL_DRIFT_INTERNAL_H
#define VIGIL_DRIFT_INTERNAL_H

#include "vigil/drift.h"

void drift_sort(double *x, size_t n);
double drift_ks_stat_sorted(const double *x, size_t n1, const double *y, size_t n2);
void drift_anderson_sorted(const double *x, size_t n1, const double *y, size_t n2, double *stat,
                           double *p);
void drift_cvm_sorted(const double *x, size_t n1, const double *y, size_t n2, double *stat,
                      double *p);
double drift_wasserstein_sorted(const double *x, size_t n1, const double *y, size_t n2);

#ifdef VIGIL_HAVE_CUDA
/* src/backend/cuda/mmd.cu: the n x n kernel matrix K (row-major, (n1+n2)^2) of the pooled,
 * standardised rows z (n x d). Returns 0 or a negative code. */
int vigil_cuda_mmd_kernel(const double *z, size_t n, size_t d, double bandwidth, double *K);
#endif

#endif
