/* CPU tree-ensemble scoring (see backend/backend_impl.h).
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
 * over 16-byte packed nodes, and so does every tree with a categorical split (its set is looked
 * up in the forest's bit sets, vigil_cat_goes_left: XGBoost's Decision). Both layouts are built
 * once per model (vigil_cpu_trees_prepare,
 * cached on the model handle); the shared pool hands out the blocks. */
#include "backend/cpu/cpu.h"

#include "core/parallel.h"
#include "model/model_internal.h"
#include "vigil/error.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

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
    uint32_t feat;       /* feature, bit 31: missing goes left, bit 30: a categorical split */
    float val;           /* threshold at a split, the leaf value at a leaf */
} pnode;

#define CAT_BIT 0x40000000u
#define FEAT_MASK 0x3fffffffu

/* What vigil_cpu_trees_prepare builds for a model. */
typedef struct {
    pnode *nodes; /* n_nodes */
    full_t full;
} layout_t;

typedef struct {
    const vigil_forest *f;
    const pnode *nodes;
    const full_t *full;
    const float *X;
    float *out;
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
                float v = x[p->feat & FEAT_MASK];
                int go_left;
                if (isnan(v)) go_left = (int)(p->feat >> 31);
                else if (p->feat & CAT_BIT) {
                    size_t k = (size_t)(p - nodes);
                    go_left = vigil_cat_goes_left(f->cat_bits + f->cat_begin[k], f->cat_words[k], v);
                } else go_left = v < p->val;
                p = nodes + (go_left ? p->left : p->right);
            }
            j->out[r * G + g] += p->val;
        }
    }
}

static int score_range(void *ctx, size_t r0, size_t r1, int worker)
{
    (void)worker;
    score_block(ctx, r0, r1);
    return VIGIL_OK;
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
        int cat = 0; /* a tree with categorical splits keeps the pointer walk */
        for (int32_t k = f->tree_begin[t]; k < f->tree_begin[t + 1] && !cat && f->n_cat_nodes; k++)
            cat = f->left[k] >= 0 && f->cat_begin[k] >= 0;
        if (D < 0 || D > FULL_MAX_DEPTH || cat) {
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

void vigil_cpu_trees_release(void *state)
{
    layout_t *L = state;
    if (!L) return;
    free(L->nodes);
    free(L->full.split), free(L->full.leafv), free(L->full.full_begin), free(L->full.full_leaf);
    free(L);
}

int vigil_cpu_trees_prepare(const vigil_model *m, void **state)
{
    *state = NULL;
    if (m->kind != VIGIL_MODEL_TREES) return VIGIL_OK;
    const vigil_forest *f = &m->forest;
    layout_t *L = calloc(1, sizeof *L);
    if (!L || !(L->nodes = malloc((f->n_nodes ? f->n_nodes : 1) * sizeof *L->nodes))) {
        vigil_cpu_trees_release(L);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < f->n_nodes; k++) {
        int leaf = f->left[k] < 0;
        L->nodes[k].left = leaf ? -1 : f->left[k];
        L->nodes[k].right = leaf ? -1 : f->right[k];
        L->nodes[k].feat = leaf ? 0 : ((uint32_t)f->feature[k] | (f->default_left[k] ? 0x80000000u : 0) |
                                       (f->cat_begin[k] >= 0 ? CAT_BIT : 0));
        L->nodes[k].val = leaf ? f->leaf[k] : f->threshold[k];
    }
    int rc = build_full(f, &L->full);
    if (rc) {
        vigil_cpu_trees_release(L);
        return rc;
    }
    *state = L;
    return VIGIL_OK;
}

int vigil_cpu_predict_trees(const vigil_model *m, void *state, const float *X, size_t n, int threads,
                            float *margins)
{
    const layout_t *L = state;
    if (!L) return vigil_error_set(VIGIL_EINTERNAL, "cpu: tree scoring without the model's layout");
    job_t j = {&m->forest, L->nodes, &L->full, X, margins};
    return vigil_parallel_for(threads, n, BLOCK, score_range, &j);
}
