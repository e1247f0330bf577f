// CUDA tree-ensemble scoring (see backend/cuda/cuda.h): one thread per row, the same packed
// nodes and the same float32 order as the CPU backend (base margin, then trees in model
// order), so both backends return identical margins. The model's nodes go to the device once
// (vigil_cuda_forest_upload, cached on the model handle); each call copies only the rows.
// Compiled whenever nvcc is found; used only when a device answers, and any CUDA error makes
// the seam fall back to the CPU.
#include <cuda_runtime.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "backend/cuda/cuda.h"

struct pnode {
    int32_t left, right;
    uint32_t feat;
    float val;
};

__global__ static void predict_kernel(const pnode *nodes, const int32_t *tree_begin, const int32_t *tree_group,
                                      size_t n_trees, const float *base, const float *X, size_t n, size_t F,
                                      size_t G, float *out)
{
    size_t r = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= n) return;
    const float *x = X + r * F;
    float *o = out + r * G;
    for (size_t g = 0; g < G; g++) o[g] = base[g];
    for (size_t t = 0; t < n_trees; t++) {
        const pnode *p = nodes + tree_begin[t];
        while (p->left >= 0) {
            float v = x[p->feat & 0x7fffffffu];
            bool left = isnan(v) ? (p->feat >> 31) != 0 : v < p->val;
            p = nodes + (left ? p->left : p->right);
        }
        o[tree_group[t]] += p->val;
    }
}

extern "C" int vigil_cuda_device_count(void)
{
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        cudaGetLastError(); // clear the sticky error of a machine without a driver
        return 0;
    }
    return n;
}

#define CK(call)                                                                         \
    do {                                                                                 \
        cudaError_t e_ = (call);                                                         \
        if (e_ != cudaSuccess) {                                                         \
            snprintf(err, err_cap, "%s: %s", #call, cudaGetErrorString(e_));             \
            rc = -1;                                                                     \
            goto done;                                                                   \
        }                                                                                \
    } while (0)

struct vigil_cuda_forest {
    pnode *nodes;
    int32_t *tree_begin, *tree_group;
    float *base;
    size_t n_trees, F, G;
};

extern "C" void vigil_cuda_forest_free(vigil_cuda_forest *d)
{
    if (!d) return;
    cudaFree(d->nodes), cudaFree(d->tree_begin), cudaFree(d->tree_group), cudaFree(d->base);
    free(d);
}

extern "C" int vigil_cuda_forest_upload(const vigil_forest *f, vigil_cuda_forest **out, char *err, size_t err_cap)
{
    int rc = 0;
    size_t G = f->n_groups;
    pnode *hn = NULL;
    float *hbase = NULL;
    vigil_cuda_forest *d = (vigil_cuda_forest *)calloc(1, sizeof *d);
    *out = NULL;
    hn = (pnode *)malloc((f->n_nodes ? f->n_nodes : 1) * sizeof(pnode));
    hbase = (float *)malloc((G ? G : 1) * sizeof(float));
    if (!d || !hn || !hbase) {
        snprintf(err, err_cap, "out of host memory");
        rc = -1;
        goto done;
    }
    d->n_trees = f->n_trees, d->F = f->n_features, d->G = G;
    for (size_t k = 0; k < f->n_nodes; k++) {
        bool leaf = f->left[k] < 0;
        hn[k].left = leaf ? -1 : f->left[k];
        hn[k].right = leaf ? -1 : f->right[k];
        hn[k].feat = leaf ? 0u : ((uint32_t)f->feature[k] | (f->default_left[k] ? 0x80000000u : 0u));
        hn[k].val = leaf ? f->leaf[k] : f->threshold[k];
    }
    for (size_t g = 0; g < G; g++) hbase[g] = (float)f->base_margin[g];
    CK(cudaMalloc(&d->nodes, (f->n_nodes ? f->n_nodes : 1) * sizeof(pnode)));
    CK(cudaMalloc(&d->tree_begin, (f->n_trees + 1) * sizeof(int32_t)));
    CK(cudaMalloc(&d->tree_group, (f->n_trees ? f->n_trees : 1) * sizeof(int32_t)));
    CK(cudaMalloc(&d->base, (G ? G : 1) * sizeof(float)));
    CK(cudaMemcpy(d->nodes, hn, f->n_nodes * sizeof(pnode), cudaMemcpyHostToDevice));
    CK(cudaMemcpy(d->tree_begin, f->tree_begin, (f->n_trees + 1) * sizeof(int32_t), cudaMemcpyHostToDevice));
    CK(cudaMemcpy(d->tree_group, f->tree_group, f->n_trees * sizeof(int32_t), cudaMemcpyHostToDevice));
    CK(cudaMemcpy(d->base, hbase, G * sizeof(float), cudaMemcpyHostToDevice));
    *out = d;
    d = NULL;
done:
    free(hn), free(hbase);
    vigil_cuda_forest_free(d);
    return rc;
}

extern "C" int vigil_cuda_predict_trees(const vigil_cuda_forest *d, const float *X, size_t n, float *margins,
                                        char *err, size_t err_cap)
{
    int rc = 0;
    float *dX = NULL, *dout = NULL;
    const size_t F = d->F, G = d->G;
    CK(cudaMalloc(&dX, (n ? n : 1) * (F ? F : 1) * sizeof(float)));
    CK(cudaMalloc(&dout, (n ? n : 1) * (G ? G : 1) * sizeof(float)));
    CK(cudaMemcpy(dX, X, n * F * sizeof(float), cudaMemcpyHostToDevice));
    if (n) {
        unsigned threads = 256, blocks = (unsigned)((n + threads - 1) / threads);
        predict_kernel<<<blocks, threads>>>(d->nodes, d->tree_begin, d->tree_group, d->n_trees, d->base, dX, n, F,
                                            G, dout);
        CK(cudaGetLastError());
        CK(cudaDeviceSynchronize());
    }
    CK(cudaMemcpy(margins, dout, n * G * sizeof(float), cudaMemcpyDeviceToHost));
done:
    cudaFree(dX), cudaFree(dout);
    return rc;
}
