/* The CPU backend's ops, which src/backend/cpu/cpu.c puts in its table (internal). Every op
 * runs on the shared pool (core/parallel.h); threads <= 0 means every online CPU. */
#ifndef VIGIL_BACKEND_CPU_H
#define VIGIL_BACKEND_CPU_H

#include "backend/backend_impl.h"

/* trees.c: the packed layouts of a tree model, built once per model */
int vigil_cpu_trees_prepare(const vigil_model *m, void **state);
void vigil_cpu_trees_release(void *state);
int vigil_cpu_predict_trees(const vigil_model *m, void *state, const float *X, size_t n, int threads,
                            float *margins);
/* dense.c */
int vigil_cpu_predict_linear(const vigil_model *m, const float *X, size_t n, int threads, double *scores,
                             double *margins);
int vigil_cpu_predict_mlp(const vigil_model *m, const float *X, size_t n, int threads, double *scores,
                          double *margins);
/* mmd.c: the float kernel matrix, then the permutations on the pool */
int vigil_cpu_mmd(const vigil_mmd_job *job, double *stat, double *p, double *bandwidth);
/* treeshap.c: vigil_treeshap_cpu, declared with the flattening it reads (explain/treeshap.h) */

#endif
