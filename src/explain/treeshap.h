/* TreeSHAP internals shared by the CPU code (treeshap.c) and the CUDA kernel
 * (src/backend/cuda/treeshap.cu). Not public API. The CPU evaluation, vigil_treeshap_cpu, is
 * the CPU backend's treeshap op (src/backend/backend_impl.h).
 *
 * A tree ensemble is flattened into its root-to-leaf paths. Along one path each feature is one
 * ELEMENT, however often it is split on: the interval [lo, hi) the path allows, whether a
 * missing value follows the path, and its zero fraction z (the product of the cover ratios
 * child/parent at that feature's nodes). For a case, o_j = 1 when the case's value satisfies
 * element j (an interval, or for a categorical feature a set of categories). With d elements,
 * U the path's features and P the satisfied ones, path-dependent TreeSHAP gives the leaf's
 * contribution to feature i as
 *
 *     phi_i = v * Z(P) * ( i in P ? (1 - z_i) K(P \ {i}) : -K(P) )
 *     Z(P) = prod_{j not in P} z_j,   K(Q) = sum_{S in Q} w(|S|, d) prod_{j in Q \ S} z_j,
 *     w(s, d) = s! (d - 1 - s)! / d!
 *
 * (the subset sum of Lundberg et al.'s Algorithm 2 restricted to one path, where the one
 * fractions are 0 or 1). Everything depends on the case only through P, so a leaf can carry a
 * table R[P] = v K(P) Z(P) over its 2^d patterns (the idea of Fast TreeSHAP v2, Yang 2021),
 * and then phi_i += i in P ? c_i R[P ^ bit_i] : -R[P] with c_i = (1 - z_i) / z_i: O(d) per
 * leaf and case. Leaves whose table would not pay off (few cases, deep paths) or is not defined
 * (some z_i = 0) use the DIRECT form: the polynomial prod_{j in P} (x + z_j) is built in O(d^2),
 * K(P) read off it, and each K(P \ {i}) by synthetic division from the top coefficient (stable:
 * every step multiplies by z_i <= 1). */
#ifndef VIGIL_EXPLAIN_TREESHAP_H
#define VIGIL_EXPLAIN_TREESHAP_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "model/forest.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TS_TABLE_MAX_D 16

/* A categorical feature's element (cat >= 0) is the set of categories that follow the path: the
 * intersection, over its categorical splits there, of the split's set (right branch) or its
 * complement (left): cat_n words at cat_sets[cat ...] (category c: bit c % 32 of word c / 32),
 * and `beyond`, whether a value past those words (an unseen category, or an invalid one:
 * negative, >= 2^24) follows it: XGBoost sends such values left at every categorical split. */
typedef struct {
    int32_t feat;  /* model feature */
    uint32_t miss; /* 1: a missing value follows the path */
    float lo, hi;  /* satisfied iff !(x < lo) && !(x >= hi); NaN bounds are open */
    double z;      /* zero fraction */
    double c;      /* (1 - z) / z (table leaves) */
    int32_t cat;   /* categorical: first word in cat_sets; -1: numeric (lo, hi) */
    uint16_t cat_n;
    uint16_t beyond;
} ts_elem;

typedef struct {
    uint32_t e0;    /* first element in elems */
    uint16_t d;     /* number of elements */
    uint8_t table;  /* 1: R table at tab; 0: direct form */
    uint8_t pad;
    uint32_t group; /* output the tree adds to */
    double v;       /* leaf value */
    size_t tab;     /* offset of R in tabs (2^d values) */
} ts_leaf;

typedef struct {
    size_t F, K;
    size_t n_leaves, n_elems, n_tab;
    ts_leaf *leaves;
    ts_elem *elems;
    double *tabs;
    double *base;   /* K: base margin + expected value of every tree */
    int max_d;      /* largest d */
    double *w;      /* (max_d + 1) x (max_d + 1): w[d * (max_d + 1) + s] */
    size_t n_table_leaves;
    /* Per tree: its leaves are [tree_leaf0[t], tree_leaf0[t+1]); tree_walk[t] = 1 when every
     * leaf has a table, and then the CPU finds each case's patterns P in ONE walk of the tree
     * (a depth-first walk in which the branch a case does not take marks its feature's element
     * unsatisfied), instead of testing d elements at each of the L leaves. */
    const vigil_forest *f;
    size_t n_trees;
    size_t *tree_leaf0;    /* n_trees + 1 */
    uint8_t *tree_walk;    /* n_trees */
    uint8_t *slot;         /* n_nodes: element index of the node's feature on its path */
    int32_t *leaf_of;      /* n_nodes: leaf index of a leaf node */
    int max_depth;
    uint32_t *cat_sets;    /* the categorical elements' sets (ts_elem.cat) */
    size_t n_cat_sets;     /* words; 0: no categorical element */
    size_t n_cat_elems;    /* categorical elements */
} ts_prepared;

/* Flatten f for n_cases cases (the table/direct decision per leaf uses it). */
int vigil_treeshap_prepare(const vigil_forest *f, size_t n_cases, int mode, int threads, ts_prepared *out);
void vigil_treeshap_free(ts_prepared *p);

/* CPU: phi is n x K x (F + 1). */
int vigil_treeshap_cpu(const ts_prepared *p, const float *X, size_t n, int threads, double *phi);

/* ---- the per-case arithmetic, shared by the CPU and the CUDA kernel (one definition) ---- */
#ifdef __CUDACC__
#define TS_HD __host__ __device__
#else
#define TS_HD
#endif

static inline TS_HD int ts_satisfied(const ts_elem *e, const uint32_t *cs, float v)
{
    if (isnan(v)) return (int)e->miss;
    if (e->cat < 0) return !(v < e->lo) && !(v >= e->hi);
    if (!(v >= 0.0f) || v >= VIGIL_CAT_LIMIT) return e->beyond;
    uint32_t c = (uint32_t)v;
    if ((c >> 5) >= e->cat_n) return e->beyond;
    return (int)((cs[(uint32_t)e->cat + (c >> 5)] >> (c & 31u)) & 1u);
}

/* A table leaf once P is known: phi_i += i in P ? c_i R[P ^ bit_i] : -R[P]. */
static inline TS_HD void ts_leaf_apply(const ts_elem *e, unsigned d, const double *R, unsigned P, double *ph)
{
    const double rp = R[P];
    for (unsigned j = 0; j < d; j++) ph[e[j].feat] += (P >> j & 1u) ? e[j].c * R[P ^ (1u << j)] : -rp;
}

/* A table leaf: P from the case's values, then ts_leaf_apply. cs: the categorical sets. */
static inline TS_HD void ts_leaf_table(const ts_elem *e, unsigned d, const double *R, const uint32_t *cs,
                                       const float *x, double *ph)
{
    unsigned P = 0;
    for (unsigned j = 0; j < d; j++) P |= (unsigned)ts_satisfied(&e[j], cs, x[e[j].feat]) << j;
    ts_leaf_apply(e, d, R, P, ph);
}

/* A direct leaf: the polynomial prod_{j in P} (x + z_j), K(P), and each K(P \ {i}) by synthetic
 * division from the top. w: the Shapley weights w(s, d); o, poly, q: scratch of d + 2. */
static inline TS_HD void ts_leaf_direct(const ts_elem *e, unsigned d, double v, const double *w, const uint32_t *cs,
                                        const float *x, double *ph, unsigned char *o, double *poly, double *q)
{
    double Z = 1;
    unsigned m = 0;
    poly[0] = 1;
    for (unsigned j = 0; j < d; j++) {
        o[j] = (unsigned char)ts_satisfied(&e[j], cs, x[e[j].feat]);
        double z = e[j].z;
        if (!o[j]) {
            Z *= z;
            continue;
        }
        poly[m + 1] = poly[m];
        for (unsigned k = m; k >= 1; k--) poly[k] = poly[k - 1] + z * poly[k];
        poly[0] *= z;
        m++;
    }
    if (Z == 0) return;
    const double vz = v * Z;
    if (m < d) {
        double k = 0;
        for (unsigned s = 0; s <= m; s++) k += w[s] * poly[s];
        for (unsigned j = 0; j < d; j++)
            if (!o[j]) ph[e[j].feat] -= vz * k;
    }
    if (!m) return;
    for (unsigned j = 0; j < d; j++) {
        if (!o[j]) continue;
        double z = e[j].z;
        q[m - 1] = poly[m];
        for (unsigned k = m - 1; k >= 1; k--) q[k - 1] = poly[k] - z * q[k];
        double k = 0;
        for (unsigned s = 0; s < m; s++) k += w[s] * q[s];
        ph[e[j].feat] += vz * (1 - z) * k;
    }
}

#ifdef __cplusplus
}
#endif
#endif
