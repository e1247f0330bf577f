// MMD on the GPU: the n^2 work of the permutation test. The kernel matrix
// K[i][j] = exp(-|z_i - z_j|^2 / (2 bw^2)) of the pooled, standardised rows is built on the
// device in float (as the CPU path stores it) and stays there; for each label mask g (the
// observed split, then each permutation) every row's dot product with g, sum_j K[i][j] g[j],
// is accumulated in double (the CPU path's accumulation), and the row sums once. The host
// turns those into MMD^2 (src/backend/cuda/cuda.c, with src/stats/drift_mmd.c's formula), so
// both backends share one formula.
#include <cuda_runtime.h>
#include <stddef.h>

#include "backend/cuda/cuda.h"

__global__ static void rbf_kernel(const double *z, size_t n, size_t d, double inv, float *K)
{
    size_t i = blockIdx.y * (size_t)blockDim.y + threadIdx.y;
    size_t j = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (i >= n || j >= n) return;
    double s = 0;
    for (size_t t = 0; t < d; t++) {
        double e = z[i * d + t] - z[j * d + t];
        s += e * e;
    }
    K[i * n + j] = (float)exp(-s * inv);
}

#define MASKS_PER_BLOCK 16
#define THREADS 256

// Block (row i, a chunk of up to MASKS_PER_BLOCK masks): each thread strides over the row,
// keeping one double accumulator per mask; a shared-memory tree reduces them. A mask of all
// ones (index n_masks, when ones is set) gives the row sum.
__global__ static void row_dots(const float *K, size_t n, const float *masks, size_t n_masks, double *out)
{
    __shared__ double acc[MASKS_PER_BLOCK][THREADS];
    size_t i = blockIdx.x, m0 = (size_t)blockIdx.y * MASKS_PER_BLOCK;
    int t = threadIdx.x;
    double a[MASKS_PER_BLOCK];
    for (int k = 0; k < MASKS_PER_BLOCK; k++) a[k] = 0;
    const float *row = K + i * n;
    for (size_t j = t; j < n; j += THREADS) {
        double kij = (double)row[j];
        for (int k = 0; k < MASKS_PER_BLOCK; k++)
            if (m0 + k < n_masks) a[k] += kij * (double)masks[(m0 + k) * n + j];
    }
    for (int k = 0; k < MASKS_PER_BLOCK; k++) acc[k][t] = a[k];
    __syncthreads();
    for (int s = THREADS / 2; s > 0; s >>= 1) {
        if (t < s)
            for (int k = 0; k < MASKS_PER_BLOCK; k++) acc[k][t] += acc[k][t + s];
        __syncthreads();
    }
    if (t < MASKS_PER_BLOCK && m0 + t < n_masks) out[(m0 + t) * n + i] = acc[t][0];
}

// rowsum (n) and dots (n_masks x n: dots[m][i] = sum_j K[i][j] masks[m][j]). 0, or -5
// (VIGIL_EBACKEND) on any CUDA error: the seam falls back to the CPU.
extern "C" int vigil_cuda_mmd_dots(const double *z, size_t n, size_t d, double bandwidth, const float *masks,
                                   size_t n_masks, double *rowsum, double *dots)
{
    double *dz = NULL, *dout = NULL;
    float *dk = NULL, *dm = NULL;
    int rc = -5;
    size_t nm = n_masks + 1; /* the masks, then all ones for the row sums */
    if (cudaMalloc(&dz, n * d * sizeof(double)) != cudaSuccess) goto done;
    if (cudaMalloc(&dk, n * n * sizeof(float)) != cudaSuccess) goto done;
    if (cudaMalloc(&dm, nm * n * sizeof(float)) != cudaSuccess) goto done;
    if (cudaMalloc(&dout, nm * n * sizeof(double)) != cudaSuccess) goto done;
    if (cudaMemcpy(dz, z, n * d * sizeof(double), cudaMemcpyHostToDevice) != cudaSuccess) goto done;
    if (cudaMemcpy(dm, masks, n_masks * n * sizeof(float), cudaMemcpyHostToDevice) != cudaSuccess) goto done;
    {
        float *ones = new float[n];
        for (size_t j = 0; j < n; j++) ones[j] = 1.0f;
        cudaError_t e = cudaMemcpy(dm + n_masks * n, ones, n * sizeof(float), cudaMemcpyHostToDevice);
        delete[] ones;
        if (e != cudaSuccess) goto done;
    }
    {
        dim3 blk(16, 16), grd((unsigned)((n + 15) / 16), (unsigned)((n + 15) / 16));
        rbf_kernel<<<grd, blk>>>(dz, n, d, 1.0 / (2 * bandwidth * bandwidth), dk);
        if (cudaGetLastError() != cudaSuccess) goto done;
        dim3 g2((unsigned)n, (unsigned)((nm + MASKS_PER_BLOCK - 1) / MASKS_PER_BLOCK));
        row_dots<<<g2, THREADS>>>(dk, n, dm, nm, dout);
        if (cudaGetLastError() != cudaSuccess || cudaDeviceSynchronize() != cudaSuccess) goto done;
    }
    if (cudaMemcpy(dots, dout, n_masks * n * sizeof(double), cudaMemcpyDeviceToHost) != cudaSuccess) goto done;
    if (cudaMemcpy(rowsum, dout + n_masks * n, n * sizeof(double), cudaMemcpyDeviceToHost) != cudaSuccess) goto done;
    rc = 0;
done:
    cudaFree(dz);
    cudaFree(dk);
    cudaFree(dm);
    cudaFree(dout);
    return rc;
}
