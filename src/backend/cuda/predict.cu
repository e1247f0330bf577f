// CUDA tree-ensemble scoring (see backend/backend.h): one thread per row, the same packed
// nodes and the same float32 order as the CPU backend (base margin, then trees in model
// order), so both backends return identical margins. Compiled whenever nvcc is found; used
// only when a device answers, and any CUDA error makes the caller fall back to the CPU.
#include <cuda_runtime.h>
#include <stdint.h>
#include <stdio.h>

extern "C" {
#include "backend/backend.h"
}

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

extern "C" int vigil_cuda_predict_trees(const vigil_forest *f, const float *X, size_t n, float *margins,
                                        char *err, size_t err_cap)
{
    int rc = 0;
    pnode *hn = NULL, *dn = NULL;
    int32_t *dtb = NULL, *dtg = NULL;
    float *dbase = NULL, *dX = NULL, *dout = NULL, hbase[1024];
    size_t F = f->n_features, G = f->n_groups;
    if (G > 1024) {
        snprintf(err, err_cap, "too many classes for the CUDA backend");
        return -1;
    }
    hn = (pnode *)malloc((f->n_nodes ? f->n_nodes : 1) * sizeof(pnode));
    if (!hn) {
        snprintf(err, err_cap, "out of host memory");
        return -1;
    }
    for (size_t k = 0; k < f->n_nodes; k++) {
        bool leaf = f->left[k] < 0;
        hn[k].left = leaf ? -1 : f->left[k];
        hn[k].right = leaf ? -1 : f->right[k];
        hn[k].feat = leaf ? 0u : ((uint32_t)f->feature[k] | (f->default_left[k] ? 0x80000000u : 0u));
        hn[k].val = leaf ? f->leaf[k] : f->threshold[k];
    }
    for (size_t g = 0; g < G; g++) hbase[g] = (float)f->base_margin[g];
    CK(cudaMalloc(&dn, (f->n_nodes ? f->n_nodes : 1) * sizeof(pnode)));
    CK(cudaMalloc(&dtb, (f->n_trees + 1) * sizeof(int32_t)));
    CK(cudaMalloc(&dtg, (f->n_trees ? f->n_trees : 1) * sizeof(int32_t)));
    CK(cudaMalloc(&dbase, G * sizeof(float)));
    CK(cudaMalloc(&dX, (n ? n : 1) * F * sizeof(float)));
    CK(cudaMalloc(&dout, (n ? n : 1) * G * sizeof(float)));
    CK(cudaMemcpy(dn, hn, f->n_nodes * sizeof(pnode), cudaMemcpyHostToDevice));
    CK(cudaMemcpy(dtb, f->tree_begin, (f->n_trees + 1) * sizeof(int32_t), cudaMemcpyHostToDevice));
    CK(cudaMemcpy(dtg, f->tree_group, f->n_trees * sizeof(int32_t), cudaMemcpyHostToDevice));
    CK(cudaMemcpy(dbase, hbase, G * sizeof(float), cudaMemcpyHostToDevice));
    CK(cudaMemcpy(dX, X, n * F * sizeof(float), cudaMemcpyHostToDevice));
    if (n) {
        unsigned threads = 256, blocks = (unsigned)((n + threads - 1) / threads);
        predict_kernel<<<blocks, threads>>>(dn, dtb, dtg, f->n_trees, dbase, dX, n, F, G, dout);
        CK(cudaGetLastError());
        CK(cudaDeviceSynchronize());
    }
    CK(cudaMemcpy(margins, dout, n * G * sizeof(float), cudaMemcpyDeviceToHost));
done:
    free(hn);
    cudaFree(dn), cudaFree(dtb), cudaFree(dtg), cudaFree(dbase), cudaFree(dX), cudaFree(dout);
    return rc;
}
