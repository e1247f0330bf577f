// MMD kernel matrix on the GPU: K[i][j] = exp(-|z_i - z_j|^2 / (2 bw^2)) for the pooled,
// standardised rows. The permutation sums stay on the CPU (src/stats/drift_mmd.c); the n^2 d
// distance work is what the GPU is for.
#include <cuda_runtime.h>
#include <stddef.h>

extern "C" int vigil_cuda_mmd_kernel(const double *z, size_t n, size_t d, double bandwidth,
                                     double *K);

__global__ static void rbf_kernel(const double *z, size_t n, size_t d, double inv, double *K)
{
    size_t i = blockIdx.y * (size_t)blockDim.y + threadIdx.y;
    size_t j = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (i >= n || j >= n) return;
    double s = 0;
    for (size_t t = 0; t < d; t++) {
        double e = z[i * d + t] - z[j * d + t];
        s += e * e;
    }
    K[i * n + j] = exp(-s * inv);
}

extern "C" int vigil_cuda_mmd_kernel(const double *z, size_t n, size_t d, double bandwidth,
                                     double *K)
{
    double *dz = NULL, *dk = NULL;
    int rc = -5; /* VIGIL_EBACKEND */
    if (cudaMalloc(&dz, n * d * sizeof(double)) != cudaSuccess) goto done;
    if (cudaMalloc(&dk, n * n * sizeof(double)) != cudaSuccess) goto done;
    if (cudaMemcpy(dz, z, n * d * sizeof(double), cudaMemcpyHostToDevice) != cudaSuccess) goto done;
    {
        dim3 blk(16, 16), grd((unsigned)((n + 15) / 16), (unsigned)((n + 15) / 16));
        rbf_kernel<<<grd, blk>>>(dz, n, d, 1.0 / (2 * bandwidth * bandwidth), dk);
        if (cudaGetLastError() != cudaSuccess) goto done;
    }
    if (cudaMemcpy(K, dk, n * n * sizeof(double), cudaMemcpyDeviceToHost) != cudaSuccess) goto done;
    rc = 0;
done:
    cudaFree(dz);
    cudaFree(dk);
    return rc;
}
