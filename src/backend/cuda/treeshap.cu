// CUDA TreeSHAP (see explain/treeshap.h for the algebra): the CPU prepares the flattened paths,
// the Shapley weights and the leaf tables once; the kernel runs one thread per case over every
// leaf, with the same two forms (table lookup, or the direct polynomial) and the same double
// arithmetic in the same order as the CPU, so the two backends agree to rounding. A warp's
// threads read the same leaf at the same time (broadcast loads). Cases go in chunks of at most
// 2^18 rows, fewer when the device's free memory is short (a failed allocation halves the chunk
// down to 1,024 rows before the call gives up). Any CUDA error returns -1 with the text.
#include <cuda_runtime.h>
#include <stdint.h>
#include <stdio.h>

#include "backend/cuda/check.cuh"
#include "backend/cuda/cuda.h"

#define TS_CUDA_MAX_D 64
#define TS_CUDA_CHUNK ((size_t)1 << 18)
#define TS_CUDA_MIN_CHUNK ((size_t)1024)

__global__ static void treeshap_kernel(const ts_leaf *leaves, size_t n_leaves, const ts_elem *elems,
                                       const double *tabs, const double *w, int max_d, const double *base,
                                       const uint32_t *cs, const float *X, size_t n, size_t F, size_t K,
                                       double *phi)
{
    size_t r = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= n) return;
    const float *x = X + r * F;
    const size_t stride = K * (F + 1);
    double *row = phi + r * stride;
    for (size_t j = 0; j < stride; j++) row[j] = 0;
    unsigned char o[TS_CUDA_MAX_D];
    double poly[TS_CUDA_MAX_D + 2], q[TS_CUDA_MAX_D + 2];
    for (size_t l = 0; l < n_leaves; l++) {
        const ts_leaf L = leaves[l];
        double *ph = row + (size_t)L.group * (F + 1);
        if (L.table) ts_leaf_table(elems + L.e0, L.d, tabs + L.tab, cs, x, ph);
        else ts_leaf_direct(elems + L.e0, L.d, L.v, w + (size_t)L.d * (size_t)(max_d + 1), cs, x, ph, o, poly, q);
    }
    for (size_t g = 0; g < K; g++) row[g * (F + 1) + F] = base[g];
}

extern "C" int vigil_cuda_treeshap(const ts_prepared *p, const float *X, size_t n, double *phi, char *err,
                                   size_t cap)
{
    int rc = 0;
    ts_leaf *dl = NULL;
    ts_elem *de = NULL;
    double *dt = NULL, *dw = NULL, *db = NULL, *dphi = NULL;
    uint32_t *dcs = NULL; // the categorical elements' sets
    float *dx = NULL;
    const size_t F = p->F, K = p->K, W = (size_t)p->max_d + 1, stride = K * (F + 1);
    size_t chunk = vigil_cuda_chunk(1, TS_CUDA_CHUNK), free_b = 0, total_b = 0;
    if (p->max_d > TS_CUDA_MAX_D) {
        snprintf(err, cap, "a path splits on %d distinct features; the kernel handles at most %d", p->max_d,
                 TS_CUDA_MAX_D);
        return -1;
    }
    if (!n) return 0;
    CK(cudaMalloc(&dl, (p->n_leaves ? p->n_leaves : 1) * sizeof *dl));
    CK(cudaMalloc(&de, (p->n_elems ? p->n_elems : 1) * sizeof *de));
    CK(cudaMalloc(&dt, (p->n_tab ? p->n_tab : 1) * sizeof *dt));
    CK(cudaMalloc(&dw, W * W * sizeof *dw));
    CK(cudaMalloc(&db, K * sizeof *db));
    if (p->n_cat_sets) { // only a model with categorical splits has them
        CK(cudaMalloc(&dcs, p->n_cat_sets * sizeof *dcs));
        CK(cudaMemcpy(dcs, p->cat_sets, p->n_cat_sets * sizeof *dcs, cudaMemcpyHostToDevice));
    }
    if (p->n_leaves) CK(cudaMemcpy(dl, p->leaves, p->n_leaves * sizeof *dl, cudaMemcpyHostToDevice));
    if (p->n_elems) CK(cudaMemcpy(de, p->elems, p->n_elems * sizeof *de, cudaMemcpyHostToDevice));
    if (p->n_tab) CK(cudaMemcpy(dt, p->tabs, p->n_tab * sizeof *dt, cudaMemcpyHostToDevice));
    CK(cudaMemcpy(dw, p->w, W * W * sizeof *dw, cudaMemcpyHostToDevice));
    CK(cudaMemcpy(db, p->base, K * sizeof *db, cudaMemcpyHostToDevice));
    /* the row buffers: at most half the free memory, halved again on a failed allocation */
    if (cudaMemGetInfo(&free_b, &total_b) == cudaSuccess) {
        size_t per_row = stride * sizeof *dphi + (F ? F : 1) * sizeof *dx, fit = free_b / 2 / per_row;
        if (fit < chunk) chunk = fit > TS_CUDA_MIN_CHUNK ? fit : TS_CUDA_MIN_CHUNK;
    }
    if (chunk > n) chunk = n;
    for (;;) {
        cudaError_t e1 = cudaMalloc(&dx, chunk * (F ? F : 1) * sizeof *dx);
        cudaError_t e2 = e1 == cudaSuccess ? cudaMalloc(&dphi, chunk * stride * sizeof *dphi) : e1;
        if (e2 == cudaSuccess) break;
        cudaFree(dx), dx = NULL, dphi = NULL;
        cudaGetLastError();
        if (e2 != cudaErrorMemoryAllocation || chunk <= TS_CUDA_MIN_CHUNK) CK(e2);
        chunk /= 2;
    }
    for (size_t r0 = 0; r0 < n; r0 += chunk) {
        size_t m = n - r0 < chunk ? n - r0 : chunk;
        if (F) CK(cudaMemcpy(dx, X + r0 * F, m * F * sizeof *dx, cudaMemcpyHostToDevice));
        unsigned threads = 128, blocks = (unsigned)((m + threads - 1) / threads);
        treeshap_kernel<<<blocks, threads>>>(dl, p->n_leaves, de, dt, dw, p->max_d, db, dcs, dx, m, F, K, dphi);
        CK(cudaGetLastError());
        CK(cudaMemcpy(phi + r0 * stride, dphi, m * stride * sizeof *dphi, cudaMemcpyDeviceToHost));
    }
done:
    cudaFree(dl), cudaFree(de), cudaFree(dt), cudaFree(dw), cudaFree(db), cudaFree(dx), cudaFree(dphi), cudaFree(dcs);
    return rc;
}
