/* Exact path-dependent TreeSHAP: path flattening and leaf tables, which every backend's
 * evaluation shares (the CPU's: src/backend/cpu/treeshap.c). The algebra is in treeshap.h. */
#include "explain/treeshap.h"

#include "vigil/error.h"
#include "vigil/explain.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TS_TABLE_BUDGET ((size_t)64 << 20) /* doubles: 512 MB of leaf tables at most */

/* ---------------- flattening ---------------- */

typedef struct {
    const vigil_forest *f;
    ts_prepared *p;
    size_t cap_leaves, cap_elems;
    ts_elem *path;
    size_t tree;
    int err;
    /* the path's categorical sets while it is walked (a stack: a set is made at a categorical
     * split and dropped after its subtree), and where each was copied into p->cat_sets (-1: not
     * yet), so the leaves below one split share its set */
    uint32_t *scratch;
    int64_t *perm;
    size_t n_scratch, cap_scratch, cap_sets;
} flat_t;

static int grow_words(uint32_t **a, size_t *cap, size_t need, int64_t **side)
{
    if (need <= *cap) return VIGIL_OK;
    size_t nc = *cap ? *cap : 256;
    while (nc < need) nc *= 2;
    uint32_t *na = realloc(*a, nc * sizeof *na);
    if (!na) return vigil_error_set(VIGIL_ENOMEM, "out of memory (TreeSHAP categorical sets)");
    *a = na;
    if (side) {
        int64_t *ns = realloc(*side, nc * sizeof *ns);
        if (!ns) return vigil_error_set(VIGIL_ENOMEM, "out of memory (TreeSHAP categorical sets)");
        *side = ns;
    }
    *cap = nc;
    return VIGIL_OK;
}

static int push_leaf(flat_t *c, int32_t node, int d)
{
    ts_prepared *p = c->p;
    if (p->n_leaves == c->cap_leaves) {
        size_t nc = c->cap_leaves ? 2 * c->cap_leaves : 1024;
        ts_leaf *nl = realloc(p->leaves, nc * sizeof *nl);
        if (!nl) return vigil_error_set(VIGIL_ENOMEM, "out of memory (TreeSHAP paths)");
        p->leaves = nl, c->cap_leaves = nc;
    }
    while (p->n_elems + (size_t)d > c->cap_elems) {
        size_t nc = c->cap_elems ? 2 * c->cap_elems : 4096;
        ts_elem *ne = realloc(p->elems, nc * sizeof *ne);
        if (!ne) return vigil_error_set(VIGIL_ENOMEM, "out of memory (TreeSHAP paths)");
        p->elems = ne, c->cap_elems = nc;
    }
    if (d > 65535) return vigil_error_set(VIGIL_EINVAL, "tree %zu: a path with more than 65535 features", c->tree);
    ts_leaf *L = &p->leaves[p->n_leaves++];
    memset(L, 0, sizeof *L);
    L->e0 = (uint32_t)p->n_elems;
    L->d = (uint16_t)d;
    L->group = (uint32_t)c->f->tree_group[c->tree];
    L->v = c->f->leaf[node];
    p->leaf_of[node] = (int32_t)p->n_leaves - 1;
    if (d) memcpy(p->elems + p->n_elems, c->path, (size_t)d * sizeof *c->path);
    for (int j = 0; j < d; j++) {
        ts_elem *e = &p->elems[p->n_elems + (size_t)j];
        if (e->cat < 0) continue;
        p->n_cat_elems++;
        if (!e->cat_n) {
            e->cat = 0;
            continue;
        }
        size_t s = (size_t)e->cat;
        if (c->perm[s] < 0) {
            int rc = grow_words(&p->cat_sets, &c->cap_sets, p->n_cat_sets + e->cat_n, NULL);
            if (rc) return rc;
            memcpy(p->cat_sets + p->n_cat_sets, c->scratch + s, e->cat_n * sizeof *p->cat_sets);
            c->perm[s] = (int64_t)p->n_cat_sets;
            p->n_cat_sets += e->cat_n;
            if (p->n_cat_sets > 0x7fffffff) return vigil_error_set(VIGIL_EINVAL, "TreeSHAP: too many categorical sets");
        }
        e->cat = (int32_t)c->perm[s];
    }
    p->n_elems += (size_t)d;
    if (d > p->max_d) p->max_d = d;
    /* The tree's expected value: v times the leaf's share of the root cover. */
    double share = 1;
    for (int j = 0; j < d; j++) share *= c->path[j].z;
    p->base[L->group] += L->v * share;
    return VIGIL_OK;
}

/* One node of the depth-first walk: which side it is in, and what entering that side changed
 * on the path (restored when the side is done). */
typedef struct {
    int32_t node;
    int d, side; /* side -1: not entered yet */
    int s;
    ts_elem saved;
    size_t scratch_was;
} frame_t;

/* Enter side `side` of split `node` (frame F, path length d): narrow the path's element for the
 * split's feature (adding it when new) and return the child, *d_child its path length. */
static int enter_side(flat_t *c, frame_t *F, int32_t *child_out, int *d_child)
{
    const vigil_forest *f = c->f;
    int32_t node = F->node;
    int d = F->d, side = F->side;
    double cov = f->cover[node];
    int32_t feat = f->feature[node];
    float thr = f->threshold[node];
    int cat = f->cat_begin && f->cat_begin[node] >= 0;
    int32_t child = side ? f->right[node] : f->left[node];
    double ccov = f->cover[child];
    if (!(ccov >= 0) || !isfinite(ccov))
        return vigil_error_set(VIGIL_EINVAL, "tree %zu node %d: cover (sum_hessian) is %g", c->tree,
                               (int)(child - f->tree_begin[c->tree]), ccov);
    int s = 0;
    while (s < d && c->path[s].feat != feat) s++;
    int added = s == d;
    c->p->slot[node] = (uint8_t)(s < 255 ? s : 255);
    if (added) {
        /* a categorical element starts as every category (no words, beyond = 1) */
        ts_elem e = {feat, 1u, NAN, NAN, 1.0, 0.0, cat ? 0 : -1, 0, 1};
        c->path[s] = e;
    }
    F->s = s, F->saved = c->path[s], F->scratch_was = c->n_scratch;
    ts_elem *e = &c->path[s];
    if (cat) {
        /* right: in the split's set; left: not in it (and every value past its words) */
        const uint32_t *S = f->cat_bits + f->cat_begin[node];
        size_t nw = (size_t)f->cat_words[node], ow = e->cat_n, W = nw > ow ? nw : ow;
        if (W > 65535)
            return vigil_error_set(VIGIL_EINVAL, "tree %zu node %d: a categorical split over more than 2^21 "
                                   "categories", c->tree, (int)(node - f->tree_begin[c->tree]));
        int rc = grow_words(&c->scratch, &c->cap_scratch, c->n_scratch + W + 1, &c->perm);
        if (rc) return rc;
        uint32_t *nwp = c->scratch + c->n_scratch;
        const uint32_t *old = c->scratch + e->cat;
        for (size_t i = 0; i < W; i++) {
            uint32_t o = i < ow ? old[i] : (e->beyond ? 0xffffffffu : 0u);
            uint32_t sw = i < nw ? S[i] : 0u;
            nwp[i] = o & (side ? sw : ~sw);
        }
        c->perm[c->n_scratch] = -1;
        e->cat = (int32_t)c->n_scratch, e->cat_n = (uint16_t)W;
        e->beyond = (uint16_t)(e->beyond && !side);
        c->n_scratch += W + 1; /* + 1: a set of no words still has its own perm slot */
        e->miss &= f->default_left[node] ? (side ? 0u : 1u) : (side ? 1u : 0u);
    } else if (!side) {
        e->hi = isnan(e->hi) ? thr : fminf(e->hi, thr);
        e->miss &= f->default_left[node] ? 1u : 0u;
    } else {
        e->lo = isnan(e->lo) ? thr : fmaxf(e->lo, thr);
        e->miss &= f->default_left[node] ? 0u : 1u;
    }
    e->z *= ccov / cov;
    *child_out = child;
    *d_child = d + added;
    return VIGIL_OK;
}

/* Flatten tree c->tree: every root-to-leaf path, depth first, left before right. An explicit
 * stack of frames (the tree's depth + 1 of them, `stack`), not recursion: a deep chain must not
 * exhaust the C stack of whichever thread explains. */
static int walk_tree(flat_t *c, frame_t *stack)
{
    const vigil_forest *f = c->f;
    size_t sp = 0;
    stack[sp++] = (frame_t){.node = f->tree_begin[c->tree], .d = 0, .side = -1};
    while (sp) {
        frame_t *F = &stack[sp - 1];
        if (F->side < 0) { /* arrived */
            int32_t node = F->node;
            if (f->left[node] < 0) {
                int rc = push_leaf(c, node, F->d);
                if (rc) return rc;
                sp--;
                continue;
            }
            double cov = f->cover[node];
            if (!(cov > 0) || !isfinite(cov))
                return vigil_error_set(VIGIL_EINVAL,
                                       "tree %zu node %d: cover (sum_hessian) is %g; TreeSHAP needs positive covers",
                                       c->tree, (int)(node - f->tree_begin[c->tree]), cov);
            F->side = 0;
        } else { /* back from side F->side: undo what entering it did */
            c->path[F->s] = F->saved;
            c->n_scratch = F->scratch_was;
            if (++F->side == 2) {
                sp--;
                continue;
            }
        }
        int32_t child = -1;
        int dc = 0;
        int rc = enter_side(c, F, &child, &dc);
        if (rc) return rc;
        stack[sp++] = (frame_t){.node = child, .d = dc, .side = -1};
    }
    return VIGIL_OK;
}

/* R[P] = v K(P) Z(P) over the 2^d patterns of one leaf. poly: 2^d x (d+1), y: 2^d scratch. */
static void build_table(const ts_prepared *p, const ts_leaf *L, double *R, double *poly, double *y)
{
    const ts_elem *e = p->elems + L->e0;
    const unsigned d = L->d, full = (1u << d) - 1, W = d + 1;
    const double *w = p->w + (size_t)d * (size_t)(p->max_d + 1);
    y[0] = 1;
    poly[0] = 1;
    for (unsigned m = 1; m <= full; m++) {
        unsigned j = (unsigned)__builtin_ctz(m), prev = m & (m - 1);
        double z = e[j].z;
        y[m] = y[prev] * z;
        const double *a = poly + (size_t)prev * W;
        double *b = poly + (size_t)m * W;
        unsigned deg = (unsigned)__builtin_popcount(prev);
        b[deg + 1] = a[deg];
        for (unsigned k = deg; k >= 1; k--) b[k] = a[k - 1] + z * a[k];
        b[0] = z * a[0];
    }
    for (unsigned m = 0; m < full; m++) {
        const double *a = poly + (size_t)m * W;
        unsigned deg = (unsigned)__builtin_popcount(m);
        double k = 0;
        for (unsigned s = 0; s <= deg; s++) k += w[s] * a[s];
        R[m] = L->v * k * y[full ^ m];
    }
    R[full] = 0; /* never read: with every feature satisfied no K(P) is needed */
}

void vigil_treeshap_free(ts_prepared *p)
{
    if (!p) return;
    free(p->leaves), free(p->elems), free(p->tabs), free(p->base), free(p->w);
    free(p->tree_leaf0), free(p->tree_walk), free(p->slot), free(p->leaf_of), free(p->cat_sets);
    memset(p, 0, sizeof *p);
}

int vigil_treeshap_prepare(const vigil_forest *f, size_t n_cases, int mode, int threads, ts_prepared *p)
{
    (void)threads;
    memset(p, 0, sizeof *p);
    p->F = f->n_features, p->K = f->n_groups;
    flat_t c = {f, p, 0, 0, NULL, 0, 0, NULL, NULL, 0, 0, 0};
    int rc = VIGIL_OK;
    int32_t maxdepth = 0;
    for (size_t t = 0; t < f->n_trees; t++) maxdepth = f->max_depth[t] > maxdepth ? f->max_depth[t] : maxdepth;
    p->f = f, p->n_trees = f->n_trees, p->max_depth = maxdepth;
    if (!(p->base = calloc(p->K, sizeof *p->base)) || !(c.path = malloc(((size_t)maxdepth + 2) * sizeof *c.path)) ||
        !(p->tree_leaf0 = calloc(f->n_trees + 1, sizeof *p->tree_leaf0)) ||
        !(p->tree_walk = calloc(f->n_trees ? f->n_trees : 1, 1)) || !(p->slot = calloc(f->n_nodes ? f->n_nodes : 1, 1)) ||
        !(p->leaf_of = calloc(f->n_nodes ? f->n_nodes : 1, sizeof *p->leaf_of))) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t g = 0; g < p->K; g++) p->base[g] = f->base_margin[g];
    /* the depth is the loader's (vigil_forest.max_depth, at most VIGIL_TREE_MAX_DEPTH) */
    frame_t *stack = malloc(((size_t)maxdepth + 2) * sizeof *stack);
    if (!stack) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t t = 0; t < f->n_trees && !rc; t++) {
        c.tree = t;
        p->tree_leaf0[t] = p->n_leaves;
        rc = walk_tree(&c, stack);
    }
    free(stack);
    p->tree_leaf0[f->n_trees] = p->n_leaves;
    if (rc) goto fail;
    /* Shapley weights w(s, d) = s! (d-1-s)! / d! for d = 1..max_d. */
    size_t W = (size_t)p->max_d + 1;
    if (!(p->w = calloc(W * W, sizeof *p->w))) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t d = 1; d < W; d++) {
        double *w = p->w + d * W;
        w[0] = 1.0 / (double)d;
        for (size_t s = 0; s + 1 < d; s++) w[s + 1] = w[s] * (double)(s + 1) / (double)(d - 1 - s);
    }
    /* Which leaves get a table: a defined one (every z > 0), small enough, and paying off. */
    size_t need = 0;
    for (size_t l = 0; l < p->n_leaves; l++) {
        ts_leaf *L = &p->leaves[l];
        const ts_elem *e = p->elems + L->e0;
        int ok = mode != VIGIL_TREESHAP_DIRECT && L->d <= TS_TABLE_MAX_D;
        for (unsigned j = 0; ok && j < L->d; j++) ok = e[j].z > 0;
        size_t size = (size_t)1 << (ok ? L->d : 0);
        if (ok && mode == VIGIL_TREESHAP_AUTO) ok = (double)size <= (double)n_cases * (L->d ? L->d : 1);
        if (ok && need + size > TS_TABLE_BUDGET) ok = 0;
        if (ok) {
            L->table = 1, L->tab = need, need += size;
            p->n_table_leaves++;
        }
    }
    for (size_t t = 0; t < f->n_trees; t++) {
        int all = 1;
        for (size_t l = p->tree_leaf0[t]; l < p->tree_leaf0[t + 1] && all; l++) all = p->leaves[l].table;
        p->tree_walk[t] = (uint8_t)all;
    }
    for (size_t i = 0; i < p->n_elems; i++) p->elems[i].c = p->elems[i].z > 0 ? (1 - p->elems[i].z) / p->elems[i].z : 0;
    p->n_tab = need;
    if (need) {
        int dmax = 0;
        for (size_t l = 0; l < p->n_leaves; l++)
            if (p->leaves[l].table && p->leaves[l].d > dmax) dmax = p->leaves[l].d;
        size_t S = (size_t)1 << dmax;
        double *poly = malloc(S * ((size_t)dmax + 1) * sizeof *poly), *y = malloc(S * sizeof *y);
        if (!(p->tabs = malloc(need * sizeof *p->tabs)) || !poly || !y) {
            free(poly), free(y);
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory (TreeSHAP tables, %zu MB)", need * 8 >> 20);
            goto fail;
        }
        for (size_t l = 0; l < p->n_leaves; l++)
            if (p->leaves[l].table) build_table(p, &p->leaves[l], p->tabs + p->leaves[l].tab, poly, y);
        free(poly), free(y);
    }
    free(c.path), free(c.scratch), free(c.perm);
    return VIGIL_OK;
fail:
    free(c.path), free(c.scratch), free(c.perm);
    vigil_treeshap_free(p);
    return rc;
}
