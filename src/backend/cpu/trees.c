/* CPU tree-ensemble scoring (see backend/backend.h).
 *
 * Rows are scored in blocks of 64: for each tree in model order, every row of the block walks
 * the tree, so one tree's nodes stay in cache for 64 rows, and each row still adds its trees
 * in XGBoost's order (float32 accumulator, base margin first) — the same rounding as XGBoost.
 *
 * A tree of depth D <= FULL_MAX_DEPTH is laid out as a COMPLETE binary tree (2^D - 1 splits in
 * breadth-first order, children of k at 2k+1 and 2k+2, then 2^D leaves): a leaf above depth D
 * becomes a pass-through split whose both subtrees end in copies of it. Every row then takes
 * exactly D branch-free steps, k = 2k + 2 - go_left, with no child pointer to load, and LANES
 * rows walk in lock-step so their independent loads overlap. Deeper trees keep a pointer walk
 * over 16-byte packed nodes. Threads take blocks from a shared counter. */
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
#define FULL_MAX_DEPTH 10

typedef struct {
    uint32_t feat; /* feature, bit 31: missing goes left */
    float thr;
} fnode;

/* The complete layout of every tree of depth <= FULL_MAX_DEPTH (full_begin[t] < 0 otherwise):
 * tree t's splits are split[full_begin[t] ...], its leaves leafv[full_leaf[t] ...]. */
typedef struct {
    fnode *split;
    float *leafv;
    int64_t *full_begin, *full_leaf;
} full_t;

typedef struct {
    int32_t left, right; /* absolute; left < 0 at a leaf */
    uint32_t feat;       /* feature, bit 31: missing goes left */
    float val;           /* threshold at a split, the leaf value at a leaf */
} pnode;

typedef struct {
    const vigil_forest *f;
    const pnode *nodes;
    const full_t *full;
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
        const int32_t D = f->max_depth[t];
        size_t r = r0;
        if (j->full->full_begin[t] >= 0) {
            const fnode *sp = j->full->split + j->full->full_begin[t];
            const float *lv = j->full->leafv + j->full->full_leaf[t];
            const uint32_t first_leaf = (1u << D) - 1;
            for (; r + LANES <= r1; r += LANES) {
                uint32_t k[LANES];
                const float *xs[LANES];
                for (int i = 0; i < LANES; i++) k[i] = 0, xs[i] = j->X + (r + (size_t)i) * F;
                for (int32_t s = 0; s < D; s++)
                    for (int i = 0; i < LANES; i++) {
                        const fnode nd = sp[k[i]];
                        float v = xs[i][nd.feat & 0x7fffffffu];
                        uint32_t go_left = (uint32_t)(v < nd.thr) | ((uint32_t)(v != v) & (nd.feat >> 31));
                        k[i] = 2 * k[i] + 2 - go_left;
                    }
                for (int i = 0; i < LANES; i++) j->out[(r + (size_t)i) * G + g] += lv[k[i] - first_leaf];
            }
            for (; r < r1; r++) {
                const float *x = j->X + r * F;
                uint32_t k = 0;
                for (int32_t s = 0; s < D; s++) {
                    const fnode nd = sp[k];
                    float v = x[nd.feat & 0x7fffffffu];
                    uint32_t go_left = (uint32_t)(v < nd.thr) | ((uint32_t)(v != v) & (nd.feat >> 31));
                    k = 2 * k + 2 - go_left;
                }
                j->out[r * G + g] += lv[k - first_leaf];
            }
            continue;
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

/* Place the subtree at `node` (at depth d) into complete-layout slot `pos`. */
static void fill(const vigil_forest *f, int32_t node, int d, int D, uint32_t pos, fnode *sp, float *lv)
{
    if (d == D) {
        lv[pos - ((1u << D) - 1)] = f->leaf[node];
        return;
    }
    if (f->left[node] < 0) { /* a leaf above depth D: pass through to copies of it */
        sp[pos].feat = 0x80000000u;
        sp[pos].thr = INFINITY;
        fill(f, node, d + 1, D, 2 * pos + 1, sp, lv);
        fill(f, node, d + 1, D, 2 * pos + 2, sp, lv);
        return;
    }
    sp[pos].feat = (uint32_t)f->feature[node] | (f->default_left[node] ? 0x80000000u : 0);
    sp[pos].thr = f->threshold[node];
    fill(f, f->left[node], d + 1, D, 2 * pos + 1, sp, lv);
    fill(f, f->right[node], d + 1, D, 2 * pos + 2, sp, lv);
}

static int build_full(const vigil_forest *f, full_t *o)
{
    size_t ns = 0, nl = 0;
    o->full_begin = malloc((f->n_trees ? f->n_trees : 1) * sizeof *o->full_begin);
    o->full_leaf = malloc((f->n_trees ? f->n_trees : 1) * sizeof *o->full_leaf);
    if (!o->full_begin || !o->full_leaf) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    for (size_t t = 0; t < f->n_trees; t++) {
        int32_t D = f->max_depth[t];
        if (D < 0 || D > FULL_MAX_DEPTH) {
            o->full_begin[t] = o->full_leaf[t] = -1;
            continue;
        }
        o->full_begin[t] = (int64_t)ns, o->full_leaf[t] = (int64_t)nl;
        ns += ((size_t)1 << D) - 1, nl += (size_t)1 << D;
    }
    o->split = malloc((ns ? ns : 1) * sizeof *o->split);
    o->leafv = malloc((nl ? nl : 1) * sizeof *o->leafv);
    if (!o->split || !o->leafv) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    for (size_t t = 0; t < f->n_trees; t++)
        if (o->full_begin[t] >= 0)
            fill(f, f->tree_begin[t], 0, f->max_depth[t], 0, o->split + o->full_begin[t], o->leafv + o->full_leaf[t]);
    return VIGIL_OK;
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
    full_t full = {0};
    int rc = build_full(f, &full);
    if (rc) {
        free(nodes);
        free(full.split), free(full.leafv), free(full.full_begin), free(full.full_leaf);
        return rc;
    }
    job_t j = {f, nodes, &full, X, n, margins, 0};
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
    free(full.split), free(full.leafv), free(full.full_begin), free(full.full_leaf);
    return VIGIL_OK;
}
