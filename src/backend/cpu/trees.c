/* CPU tree-ensemble scoring (see backend/backend.h).
 *
 * Rows are scored in blocks of 64: for each tree in model order, every row of the block walks
 * the tree, so one tree's nodes stay in cache for 64 rows, and each row still adds its trees
 * in XGBoost's order (float32 accumulator, base margin first) — the same rounding as XGBoost.
 * Nodes are packed into 16 bytes (children, feature with the default-left bit, threshold or
 * leaf value) so one cache line holds four. Threads take blocks from a shared counter. */
#include "backend/backend.h"

#include "vigil/error.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define BLOCK 64
#define LANES 8

typedef struct {
    int32_t left, right; /* absolute; left < 0 at a leaf */
    uint32_t feat;       /* feature, bit 31: missing goes left */
    float val;           /* threshold at a split, the leaf value at a leaf */
} pnode;

typedef struct {
    const vigil_forest *f;
    const pnode *nodes;
    const float *X;
    size_t n;
    float *out;
    atomic_size_t next;
} job_t;

static void score_block(const job_t *j, size_t r0, size_t r1)
{
    const vigil_forest *f = j->f;
    const size_t F = f->n_features, G = f->n_groups;
    for (size_t r = r0; r < r1; r++)
        for (size_t g = 0; g < G; g++) j->out[r * G + g] = (float)f->base_margin[g];
    for (size_t t = 0; t < f->n_trees; t++) {
        const pnode *root = j->nodes + f->tree_begin[t];
        const pnode *nodes = j->nodes;
        const size_t g = (size_t)f->tree_group[t];
        const int32_t rt = f->tree_begin[t], D = f->max_depth[t];
        size_t r = r0;
        /* LANES rows walk the tree in lock-step: their loads are independent, so the CPU
         * overlaps them instead of waiting on one chain of dependent loads. A row that reached
         * its leaf stays there. Each row still adds its leaf in tree order. */
        for (; r + LANES <= r1; r += LANES) {
            int32_t k[LANES];
            const float *xs[LANES];
            for (int i = 0; i < LANES; i++) k[i] = rt, xs[i] = j->X + (r + (size_t)i) * F;
            for (int32_t s = 0; s < D; s++)
                for (int i = 0; i < LANES; i++) {
                    const pnode *p = nodes + k[i];
                    if (p->left < 0) continue;
                    float v = xs[i][p->feat & 0x7fffffffu];
                    int go_left = isnan(v) ? (int)(p->feat >> 31) : v < p->val;
                    k[i] = go_left ? p->left : p->right;
                }
            for (int i = 0; i < LANES; i++) j->out[(r + (size_t)i) * G + g] += nodes[k[i]].val;
        }
        for (; r < r1; r++) {
            const float *x = j->X + r * F;
            const pnode *p = root;
            while (p->left >= 0) {
                float v = x[p->feat & 0x7fffffffu];
                int go_left = isnan(v) ? (int)(p->feat >> 31) : v < p->val;
                p = nodes + (go_left ? p->left : p->right);
            }
            j->out[r * G + g] += p->val;
        }
    }
}

static void *worker(void *arg)
{
    job_t *j = arg;
    for (;;) {
        size_t b = atomic_fetch_add(&j->next, 1);
        size_t r0 = b * BLOCK;
        if (r0 >= j->n) break;
        size_t r1 = r0 + BLOCK < j->n ? r0 + BLOCK : j->n;
        score_block(j, r0, r1);
    }
    return NULL;
}

int vigil_cpu_threads(int threads)
{
    if (threads > 0) return threads;
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c > 0 ? (int)c : 1;
}

int vigil_cpu_predict_trees(const vigil_forest *f, const float *X, size_t n, int threads, float *margins)
{
    pnode *nodes = malloc((f->n_nodes ? f->n_nodes : 1) * sizeof *nodes);
    if (!nodes) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    for (size_t k = 0; k < f->n_nodes; k++) {
        int leaf = f->left[k] < 0;
        nodes[k].left = leaf ? -1 : f->left[k];
        nodes[k].right = leaf ? -1 : f->right[k];
        nodes[k].feat = leaf ? 0 : ((uint32_t)f->feature[k] | (f->default_left[k] ? 0x80000000u : 0));
        nodes[k].val = leaf ? f->leaf[k] : f->threshold[k];
    }
    job_t j = {f, nodes, X, n, margins, 0};
    int T = vigil_cpu_threads(threads);
    size_t blocks = (n + BLOCK - 1) / BLOCK;
    if ((size_t)T > blocks) T = blocks ? (int)blocks : 1;
    pthread_t *tid = T > 1 ? malloc((size_t)T * sizeof *tid) : NULL;
    int started = 0;
    if (tid)
        for (; started < T - 1; started++)
            if (pthread_create(&tid[started], NULL, worker, &j) != 0) break;
    worker(&j);
    for (int i = 0; i < started; i++) pthread_join(tid[i], NULL);
    free(tid);
    free(nodes);
    return VIGIL_OK;
}
