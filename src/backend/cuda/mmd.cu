// MMD on the GPU: the n^2 work of the permutation test (the host keeps the formula:
// src/backend/cuda/cuda.c with src/stats/drift_mmd.c's vigil_mmd_from_pairs).
//  - The median heuristic's bandwidth is selected on the device: an exact radix select (eight
//    passes of 8 bits over the squared distances' bit patterns, which order as the doubles do),
//    recomputing the pair distances each pass, so no n^2 buffer is stored or sorted.
//  - The kernel matrix K[i][j] = (float)exp(-|z_i - z_j|^2 / (2 bw^2)) is built once, in double
//    holding the CPU's float values, and kept on the device (by row blocks, rebuilt, when the
//    whole matrix does not fit).
//  - The permutations' sums are one matrix product C = K G (G: n x (masks + 1), the label masks
//    and a column of ones), then per mask D = g.C[:, mask] and gR = g.C[:, ones]; only those two
//    numbers per mask come back.
// Squared distances are summed in the CPU's order with no fused multiply-add, so the bandwidth
// is the CPU's to the bit and K its float values; the products differ from the CPU's sums only
// in their order (double rounding, far below the p-value's margin).
#include <cuda_runtime.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cuda/check.cuh"
#include "backend/cuda/cuda.h"

struct vigil_cuda_mmd {
    size_t n, d;
    double *zt;   // d x n, feature-major (coalesced reads)
    double inv;   // 1 / (2 bw^2)
    double *K;    // rows x n: every row (whole) or one block
    size_t rows;  // rows per block (n when whole)
    double *G, *C, *pD, *pR;
    size_t cap_masks;
};

#define SEGMENTS 64
#define GRID_ROWS 1024

// Blocks for a grid-stride loop over rows: at most GRID_ROWS, never an idle one.
static unsigned grid_for(size_t rows) { return rows == 0 ? 1u : rows < GRID_ROWS ? (unsigned)rows : GRID_ROWS; }

__device__ static double sqdist(const double *__restrict__ zt, size_t n, size_t d, size_t i, size_t j)
{
    double s = 0;
    for (size_t t = 0; t < d; t++) {
        double e = __dsub_rn(zt[t * n + i], zt[t * n + j]);
        s = __dadd_rn(s, __dmul_rn(e, e));
    }
    return s;
}

// One radix-select pass: over the pairs j < i whose squared distance's bits match prefix under
// pmask, a histogram of the 8 bits at shift. Per-warp shared histograms, then one global add.
__global__ static void pair_hist(const double *__restrict__ zt, size_t n, size_t d, uint64_t prefix, uint64_t pmask,
                                 int shift, unsigned long long *hist)
{
    __shared__ unsigned int h[8][256];
    const int warp = threadIdx.x / 32;
    for (int k = threadIdx.x; k < 8 * 256; k += blockDim.x) (&h[0][0])[k] = 0;
    __syncthreads();
    for (size_t i = blockIdx.x + 1; i < n; i += gridDim.x)
        for (size_t j = threadIdx.x; j < i; j += blockDim.x) {
            uint64_t b = (uint64_t)__double_as_longlong(sqdist(zt, n, d, i, j));
            if ((b & pmask) == prefix) atomicAdd(&h[warp][(b >> shift) & 255u], 1u);
        }
    __syncthreads();
    for (int k = threadIdx.x; k < 256; k += blockDim.x) {
        unsigned long long c = 0;
        for (int w = 0; w < 8; w++) c += h[w][k];
        if (c) atomicAdd(&hist[k], c);
    }
}

// Rows r0 .. r0 + B of K, row-major.
__global__ static void build_k(const double *__restrict__ zt, size_t n, size_t d, double inv, size_t r0, size_t B,
                               double *__restrict__ K)
{
    for (size_t i = blockIdx.x; i < B; i += gridDim.x)
        for (size_t j = threadIdx.x; j < n; j += blockDim.x)
            K[i * n + j] = (double)(float)exp(__dmul_rn(-sqdist(zt, n, d, r0 + i, j), inv));
}

// G (n x M, row-major): the m byte masks (mask-major) transposed, then a column of ones.
__global__ static void expand_masks(const unsigned char *__restrict__ mk, size_t n, size_t m, double *__restrict__ G)
{
    const size_t M = m + 1;
    for (size_t idx = (size_t)blockIdx.x * blockDim.x + threadIdx.x; idx < n * M; idx += (size_t)gridDim.x * blockDim.x) {
        size_t j = idx / M, k = idx % M;
        G[idx] = k == m ? 1.0 : (double)mk[k * n + j];
    }
}

// C (B x M) = K (B x n) G (n x M), all row-major: 64 x 64 tiles, 16 x 16 threads of 4 x 4.
#define TM 64
#define TN 64
#define TK 16
__global__ static void gemm_kg(const double *__restrict__ K, size_t n, size_t B, const double *__restrict__ G,
                               size_t M, double *__restrict__ C)
{
    __shared__ double As[TK][TM + 1];
    __shared__ double Bs[TK][TN];
    const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
    const size_t i0 = (size_t)blockIdx.y * TM, k0 = (size_t)blockIdx.x * TN;
    double acc[4][4];
    for (int u = 0; u < 4; u++)
        for (int v = 0; v < 4; v++) acc[u][v] = 0;
    for (size_t j0 = 0; j0 < n; j0 += TK) {
        for (int l = threadIdx.x; l < TM * TK; l += blockDim.x) {
            int ii = l / TK, kk = l % TK;
            size_t gi = i0 + ii, gj = j0 + kk;
            As[kk][ii] = gi < B && gj < n ? K[gi * n + gj] : 0.0;
        }
        for (int l = threadIdx.x; l < TK * TN; l += blockDim.x) {
            int kk = l / TN, cc = l % TN;
            size_t gj = j0 + kk, gc = k0 + cc;
            Bs[kk][cc] = gj < n && gc < M ? G[gj * M + gc] : 0.0;
        }
        __syncthreads();
        for (int kk = 0; kk < TK; kk++) {
            double a[4], b[4];
            for (int u = 0; u < 4; u++) a[u] = As[kk][ty + 16 * u];
            for (int v = 0; v < 4; v++) b[v] = Bs[kk][tx + 16 * v];
            for (int u = 0; u < 4; u++)
                for (int v = 0; v < 4; v++) acc[u][v] += a[u] * b[v];
        }
        __syncthreads();
    }
    for (int u = 0; u < 4; u++)
        for (int v = 0; v < 4; v++) {
            size_t i = i0 + ty + 16 * u, c = k0 + tx + 16 * v;
            if (i < B && c < M) C[i * M + c] = acc[u][v];
        }
}

// Per mask k and row segment s of the block (rows r0 ..): pD[s][k] += sum_i g_k(i) C[i][k] and
// pR[s][k] += sum_i g_k(i) C[i][ones]; the host adds the segments in order (deterministic).
__global__ static void reduce_masks(const double *__restrict__ C, const double *__restrict__ G, size_t r0, size_t B,
                                    size_t M, size_t seg, double *pD, double *pR)
{
    size_t k = (size_t)blockIdx.x * blockDim.x + threadIdx.x, s = blockIdx.y;
    if (k >= M) return;
    size_t i0 = s * seg, i1 = i0 + seg < B ? i0 + seg : B;
    double a = 0, b = 0;
    for (size_t i = i0; i < i1; i++) {
        double g = G[(r0 + i) * M + k];
        a += g * C[i * M + k];
        b += g * C[i * M + M - 1];
    }
    pD[s * M + k] += a;
    pR[s * M + k] += b;
}

static int build_block(vigil_cuda_mmd *h, size_t r0, size_t B, char *err, size_t cap)
{
    int rc = 0;
    build_k<<<grid_for(B), 256>>>(h->zt, h->n, h->d, h->inv, r0, B, h->K);
    CK(cudaGetLastError());
done:
    return rc;
}

// The k-th smallest (0-based) squared pair distance.
static int select_kth(vigil_cuda_mmd *h, unsigned long long k, unsigned long long *dhist, double *out, char *err,
                      size_t cap)
{
    int rc = 0;
    uint64_t prefix = 0, pmask = 0;
    unsigned long long hist[256];
    for (int pass = 0; pass < 8; pass++) {
        int shift = 56 - 8 * pass, b = 0;
        CK(cudaMemset(dhist, 0, sizeof hist));
        pair_hist<<<grid_for(h->n - 1), 256>>>(h->zt, h->n, h->d, prefix, pmask, shift, dhist);
        CK(cudaGetLastError());
        CK(cudaMemcpy(hist, dhist, sizeof hist, cudaMemcpyDeviceToHost));
        unsigned long long below = 0;
        for (; b < 256 && k >= below + hist[b]; b++) below += hist[b];
        if (b == 256) {
            snprintf(err, cap, "median selection lost the rank (pass %d)", pass);
            rc = -1;
            goto done;
        }
        k -= below;
        prefix |= (uint64_t)b << shift, pmask |= (uint64_t)255 << shift;
    }
    memcpy(out, &prefix, sizeof *out);
done:
    return rc;
}

extern "C" void vigil_cuda_mmd_end(vigil_cuda_mmd *h)
{
    if (!h) return;
    cudaFree(h->zt), cudaFree(h->K), cudaFree(h->G), cudaFree(h->C), cudaFree(h->pD), cudaFree(h->pR);
    free(h);
}

extern "C" int vigil_cuda_mmd_begin(const double *z, size_t n, size_t d, double *bw, vigil_cuda_mmd **out, char *err,
                                    size_t cap)
{
    int rc = 0;
    double *zt = NULL;
    unsigned long long *dhist = NULL;
    size_t free_b = 0, total_b = 0;
    vigil_cuda_mmd *h = (vigil_cuda_mmd *)calloc(1, sizeof *h);
    *out = NULL;
    if (!h) {
        snprintf(err, cap, "out of host memory");
        return -1;
    }
    h->n = n, h->d = d;
    HOST_ALLOC(zt, n * d);
    for (size_t i = 0; i < n; i++)
        for (size_t t = 0; t < d; t++) zt[t * n + i] = z[i * d + t];
    CK(cudaMalloc(&h->zt, n * d * sizeof *zt));
    CK(cudaMemcpy(h->zt, zt, n * d * sizeof *zt, cudaMemcpyHostToDevice));
    if (!(*bw > 0)) {
        unsigned long long np = (unsigned long long)n * (n - 1) / 2, half = np / 2;
        double hi = 0, lo = 0;
        CK(cudaMalloc(&dhist, 256 * sizeof *dhist));
        if (select_kth(h, half, dhist, &hi, err, cap)) goto fail;
        if (np % 2) *bw = sqrt(hi);
        else {
            if (select_kth(h, half - 1, dhist, &lo, err, cap)) goto fail;
            *bw = (sqrt(lo) + sqrt(hi)) / 2;
        }
        if (!(*bw > 0)) *bw = 1;
    }
    h->inv = 1 / (2 * *bw * *bw);
    CK(cudaMemGetInfo(&free_b, &total_b));
    /* the whole matrix when it takes at most a third of the free memory, else row blocks of a
     * sixth (the masks and the product take the rest) */
    if ((double)n * (double)n * sizeof(double) <= (double)free_b / 3) h->rows = n;
    else {
        h->rows = free_b / 6 / (n * sizeof(double));
        if (h->rows < TM) h->rows = TM;
        if (h->rows > n) h->rows = n;
    }
    if (vigil_cuda_chunk(3, 0)) h->rows = vigil_cuda_chunk(3, 0) < n ? vigil_cuda_chunk(3, 0) : n;
    CK(cudaMalloc(&h->K, h->rows * n * sizeof(double)));
    if (h->rows == n && build_block(h, 0, n, err, cap)) goto fail;
    *out = h;
    h = NULL;
done:
    free(zt);
    cudaFree(dhist);
    vigil_cuda_mmd_end(h);
    return rc;
fail:
    rc = -1;
    goto done;
}

extern "C" int vigil_cuda_mmd_sums(vigil_cuda_mmd *h, const unsigned char *masks, size_t m, double *D, double *gR,
                                   double *sumR, char *err, size_t cap)
{
    int rc = 0;
    const size_t n = h->n, M = m + 1;
    unsigned char *dmk = NULL;
    double *pD = NULL, *pR = NULL;
    HOST_ALLOC(pD, SEGMENTS * M);
    HOST_ALLOC(pR, SEGMENTS * M);
    if (h->cap_masks < M) {
        cudaFree(h->G), cudaFree(h->C), cudaFree(h->pD), cudaFree(h->pR);
        h->G = h->C = h->pD = h->pR = NULL, h->cap_masks = 0;
        CK(cudaMalloc(&h->G, n * M * sizeof(double)));
        CK(cudaMalloc(&h->C, h->rows * M * sizeof(double)));
        CK(cudaMalloc(&h->pD, SEGMENTS * M * sizeof(double)));
        CK(cudaMalloc(&h->pR, SEGMENTS * M * sizeof(double)));
        h->cap_masks = M;
    }
    CK(cudaMalloc(&dmk, (m ? m : 1) * n));
    CK(cudaMemcpy(dmk, masks, m * n, cudaMemcpyHostToDevice));
    expand_masks<<<grid_for((n * (m + 1) + 255) / 256), 256>>>(dmk, n, m, h->G);
    CK(cudaGetLastError());
    CK(cudaMemset(h->pD, 0, SEGMENTS * M * sizeof(double)));
    CK(cudaMemset(h->pR, 0, SEGMENTS * M * sizeof(double)));
    for (size_t r0 = 0; r0 < n; r0 += h->rows) {
        size_t B = n - r0 < h->rows ? n - r0 : h->rows;
        if (h->rows < n && build_block(h, r0, B, err, cap)) goto fail;
        dim3 grid((unsigned)((M + TN - 1) / TN), (unsigned)((B + TM - 1) / TM));
        gemm_kg<<<grid, 256>>>(h->K, n, B, h->G, M, h->C);
        CK(cudaGetLastError());
        size_t bseg = (B + SEGMENTS - 1) / SEGMENTS;
        reduce_masks<<<dim3((unsigned)((M + 127) / 128), SEGMENTS), 128>>>(h->C, h->G, r0, B, M, bseg, h->pD, h->pR);
        CK(cudaGetLastError());
    }
    CK(cudaMemcpy(pD, h->pD, SEGMENTS * M * sizeof(double), cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(pR, h->pR, SEGMENTS * M * sizeof(double), cudaMemcpyDeviceToHost));
    for (size_t k = 0; k < M; k++) {
        double a = 0, b = 0;
        for (size_t s = 0; s < SEGMENTS; s++) a += pD[s * M + k], b += pR[s * M + k];
        if (k < m) D[k] = a, gR[k] = b;
        else *sumR = a;
    }
done:
    cudaFree(dmk);
    free(pD), free(pR);
    return rc;
fail:
    rc = -1;
    goto done;
}
