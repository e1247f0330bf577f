/* The CPU backend's TreeSHAP op: the per-case evaluation over a prepared flattening
 * (src/explain/treeshap.c builds it; the algebra is in src/explain/treeshap.h), in blocks of
 * TS_BLOCK cases on the shared pool. */
#include "backend/cpu/cpu.h"

#include "core/parallel.h"
#include "explain/treeshap.h"
#include "vigil/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TS_BLOCK 32

/* One walk of tree t for one case: every leaf gets its pattern P (see treeshap.h). */
static void tree_walk(const ts_prepared *p, size_t t, const float *x, double *phi_row, size_t F, uint64_t *stack)
{
    const vigil_forest *f = p->f;
    size_t top = 0;
    stack[top++] = (uint64_t)(uint32_t)f->tree_begin[t];
    while (top) {
        uint64_t s = stack[--top];
        int32_t k = (int32_t)(uint32_t)s;
        uint32_t fail = (uint32_t)(s >> 32);
        while (f->left[k] >= 0) {
            int32_t take = vigil_forest_next(f, k, x[f->feature[k]]);
            int32_t other = take == f->left[k] ? f->right[k] : f->left[k];
            stack[top++] = (uint64_t)(fail | (1u << p->slot[k])) << 32 | (uint32_t)other;
            k = take;
        }
        const ts_leaf *L = &p->leaves[p->leaf_of[k]];
        ts_leaf_apply(p->elems + L->e0, L->d, p->tabs + L->tab, ((1u << L->d) - 1) & ~fail,
                      phi_row + (size_t)L->group * (F + 1));
    }
}

typedef struct {
    const ts_prepared *p;
    const float *X;
    double *phi;
} job_t;

/* Cases [r0, r1): one block of TS_BLOCK at most, so each tree's leaves stay in cache for it. */
static int block_range(void *arg, size_t r0, size_t r1, int worker)
{
    (void)worker;
    job_t *j = arg;
    const ts_prepared *p = j->p;
    const size_t F = p->F, K = p->K, stride = K * (F + 1);
    unsigned char *o = malloc((size_t)p->max_d + 1);
    double *poly = malloc(((size_t)p->max_d + 2) * 2 * sizeof *poly);
    uint64_t *stack = malloc(((size_t)p->max_depth + 2) * sizeof *stack);
    if (!o || !poly || !stack) {
        free(o), free(poly), free(stack);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory (TreeSHAP scratch)");
    }
    double *q = poly + p->max_d + 2;
    memset(j->phi + r0 * stride, 0, (r1 - r0) * stride * sizeof *j->phi);
    for (size_t t = 0; t < p->n_trees; t++) {
        if (p->tree_walk[t]) {
            for (size_t r = r0; r < r1; r++) tree_walk(p, t, j->X + r * F, j->phi + r * stride, F, stack);
            continue;
        }
        for (size_t l = p->tree_leaf0[t]; l < p->tree_leaf0[t + 1]; l++) {
            const ts_leaf *L = &p->leaves[l];
            for (size_t r = r0; r < r1; r++) {
                double *ph = j->phi + r * stride + (size_t)L->group * (F + 1);
                const float *x = j->X + r * F;
                if (L->table) ts_leaf_table(p->elems + L->e0, L->d, p->tabs + L->tab, p->cat_sets, x, ph);
                else
                    ts_leaf_direct(p->elems + L->e0, L->d, L->v, p->w + (size_t)L->d * (size_t)(p->max_d + 1),
                                   p->cat_sets, x, ph, o, poly, q);
            }
        }
    }
    for (size_t r = r0; r < r1; r++)
        for (size_t g = 0; g < K; g++) j->phi[r * stride + g * (F + 1) + F] = p->base[g];
    free(o), free(poly), free(stack);
    return VIGIL_OK;
}

int vigil_treeshap_cpu(const ts_prepared *p, const float *X, size_t n, int threads, double *phi)
{
    job_t j = {p, X, phi};
    return vigil_parallel_for(threads, n, TS_BLOCK, block_range, &j);
}
