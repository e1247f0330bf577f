// CUDA tree-ensemble scoring (see backend/cuda/cuda.h): one thread per row, the same packed
// nodes and the same float32 order as the CPU backend (base margin, then trees in model
// order), so both backends return identical margins. The model's nodes go to the device once
// (vigil_cuda_forest_upload, cached on the model handle) with row buffers that later calls
// reuse; rows go in chunks of 2^20, so the device memory a call needs does not grow with n.
#include <cuda_runtime.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "backend/cuda/check.cuh"
#include "backend/cuda/cuda.h"

#define PREDICT_CHUNK ((size_t)1 << 20)

struct pnode {
    int32_t left, right;
    uint32_t feat; // feature, bit 31: missing goes left, bit 30: a categorical split
    float val;
};

#define CAT_BIT 0x40000000u
#define FEAT_MASK 0x3fffffffu

// cat_node: per node, the first word of its set in cat_bits and the set's words (categorical
// splits only; NULL for a model without them): the forest's own arrays, routed by the same
// vigil_cat_goes_left as the CPU (XGBoost's Decision).
__global__ static void predict_kernel(const pnode *__restrict__ nodes, const int32_t *__restrict__ tree_begin,
                                      const int32_t *__restrict__ tree_group, size_t n_trees,
                                      const float *__restrict__ base, const float *__restrict__ X, size_t n,
                                      size_t F, size_t G, const int32_t *__restrict__ cat_node,
                                      const uint32_t *__restrict__ cat_bits, float *__restrict__ out)
{
    size_t r = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= n) return;
    const float *x = X + r * F;
    float *o = out + r * G;
    for (size_t g = 0; g < G; g++) o[g] = base[g];
    for (size_t t = 0; t < n_trees; t++) {
        const pnode *p = nodes + tree_begin[t];
        while (p->left >= 0) {
            float v = x[p->feat & FEAT_MASK];
            bool left;
            if (isnan(v)) left = (p->feat >> 31) != 0;
            else if (p->feat & CAT_BIT) {
                size_t k = (size_t)(p - nodes);
                left = vigil_cat_goes_left(cat_bits + cat_node[2 * k], cat_node[2 * k + 1], v) != 0;
            } else left = v < p->val;
            p = nodes + (left ? p->left : p->right);
        }
        o[tree_group[t]] += p->val;
    }
}

struct vigil_cuda_forest {
    pnode *nodes;
    int32_t *cat_node;  // 2 per node: first word, words (NULL: no categorical split)
    uint32_t *cat_bits;
    int32_t *tree_begin, *tree_group;
    float *base;
    size_t n_trees, F, G;
    pthread_mutex_t mu; // the row buffers serve one call at a time
    float *dX, *dout;
    size_t cap_rows;
};

extern "C" void vigil_cuda_forest_free(vigil_cuda_forest *d)
{
    if (!d) return;
    cudaFree(d->nodes), cudaFree(d->tree_begin), cudaFree(d->tree_group), cudaFree(d->base);
    cudaFree(d->cat_node), cudaFree(d->cat_bits);
    cudaFree(d->dX), cudaFree(d->dout);
    pthread_mutex_destroy(&d->mu);
    free(d);
}

extern "C" int vigil_cuda_forest_upload(const vigil_forest *f, vigil_cuda_forest **out, char *err, size_t cap)
{
    int rc = 0;
    size_t G = f->n_groups;
    pnode *hn = NULL;
    float *hbase = NULL;
    int32_t *hcat = NULL;
    vigil_cuda_forest *d = (vigil_cuda_forest *)calloc(1, sizeof *d);
    *out = NULL;
    if (!d) {
        snprintf(err, cap, "out of host memory");
        return -1;
    }
    pthread_mutex_init(&d->mu, NULL);
    HOST_ALLOC(hn, f->n_nodes);
    HOST_ALLOC(hbase, G);
    d->n_trees = f->n_trees, d->F = f->n_features, d->G = G;
    for (size_t k = 0; k < f->n_nodes; k++) {
        bool leaf = f->left[k] < 0;
        hn[k].left = leaf ? -1 : f->left[k];
        hn[k].right = leaf ? -1 : f->right[k];
        bool cat = !leaf && f->cat_begin[k] >= 0;
        hn[k].feat = leaf ? 0u
                          : ((uint32_t)f->feature[k] | (f->default_left[k] ? 0x80000000u : 0u) | (cat ? CAT_BIT : 0u));
        hn[k].val = leaf ? f->leaf[k] : f->threshold[k];
    }
    if (f->n_cat_nodes) {
        HOST_ALLOC(hcat, 2 * (f->n_nodes ? f->n_nodes : 1));
        for (size_t k = 0; k < f->n_nodes; k++) {
            hcat[2 * k] = f->cat_begin[k] < 0 ? 0 : f->cat_begin[k];
            hcat[2 * k + 1] = f->cat_words[k];
        }
        CK(cudaMalloc(&d->cat_node, 2 * (f->n_nodes ? f->n_nodes : 1) * sizeof(int32_t)));
        CK(cudaMalloc(&d->cat_bits, (f->n_cat_words ? f->n_cat_words : 1) * sizeof(uint32_t)));
        CK(cudaMemcpy(d->cat_node, hcat, 2 * f->n_nodes * sizeof(int32_t), cudaMemcpyHostToDevice));
        if (f->n_cat_words)
            CK(cudaMemcpy(d->cat_bits, f->cat_bits, f->n_cat_words * sizeof(uint32_t), cudaMemcpyHostToDevice));
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
    free(hn), free(hbase), free(hcat);
    vigil_cuda_forest_free(d);
    return rc;
}

extern "C" int vigil_cuda_predict_trees(vigil_cuda_forest *d, const float *X, size_t n, float *margins, char *err,
                                        size_t cap)
{
    int rc = 0;
    const size_t F = d->F, G = d->G, chunk = vigil_cuda_chunk(0, PREDICT_CHUNK);
    const size_t rows = n < chunk ? n : chunk;
    if (!n) return 0;
    pthread_mutex_lock(&d->mu);
    if (d->cap_rows < rows) {
        cudaFree(d->dX), cudaFree(d->dout);
        d->dX = d->dout = NULL, d->cap_rows = 0;
        CK(cudaMalloc(&d->dX, rows * (F ? F : 1) * sizeof(float)));
        CK(cudaMalloc(&d->dout, rows * (G ? G : 1) * sizeof(float)));
        d->cap_rows = rows;
    }
    for (size_t r0 = 0; r0 < n; r0 += rows) {
        size_t m = n - r0 < rows ? n - r0 : rows;
        if (F) CK(cudaMemcpy(d->dX, X + r0 * F, m * F * sizeof(float), cudaMemcpyHostToDevice));
        unsigned threads = 256, blocks = (unsigned)((m + threads - 1) / threads);
        predict_kernel<<<blocks, threads>>>(d->nodes, d->tree_begin, d->tree_group, d->n_trees, d->base, d->dX, m,
                                            F, G, d->cat_node, d->cat_bits, d->dout);
        CK(cudaGetLastError());
        CK(cudaMemcpy(margins + r0 * G, d->dout, m * G * sizeof(float), cudaMemcpyDeviceToHost));
    }
done:
    if (rc) { // a failed call keeps no half-sized buffers
        cudaFree(d->dX), cudaFree(d->dout);
        d->dX = d->dout = NULL, d->cap_rows = 0;
    }
    pthread_mutex_unlock(&d->mu);
    return rc;
}
