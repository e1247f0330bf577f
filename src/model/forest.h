/* Internal flat layout of a tree ensemble (XGBoost gbtree), shared by the loader
 * (src/model/xgboost.c), the CPU and CUDA predictors and TreeSHAP. Not public API.
 *
 * All trees' nodes live in one set of parallel arrays (structure of arrays, no pointers):
 * tree t owns nodes [tree_begin[t], tree_begin[t+1]); child indices are ABSOLUTE indices into
 * these arrays. Node 0 of each tree (tree_begin[t]) is its root.
 *
 * Routing follows XGBoost exactly: at a split node, a missing value (NaN) goes to
 * default_left ? left : right; otherwise, at a numeric split, go left iff (float)x < threshold
 * (strict, float32), and at a categorical split (enable_categorical) go RIGHT iff x is one of
 * the node's categories, as XGBoost's common::Decision (src/common/categorical.h, the same in
 * 1.7.4, 2.1.4 and 3.1.3): c = (int)x truncated; x < 0, x >= 2^24 (its OutOfRangeCat), or a c
 * beyond the node's bit set (a category larger than any in the set, e.g. one unseen in
 * training) goes LEFT, "not in the set" (vigil_cat_goes_left).
 */
#ifndef VIGIL_MODEL_FOREST_H
#define VIGIL_MODEL_FOREST_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    VIGIL_OBJ_BINARY_LOGISTIC, /* binary:logistic: sigmoid(margin) */
    VIGIL_OBJ_REG_LOGISTIC,    /* reg:logistic: sigmoid(margin) */
    VIGIL_OBJ_REG_SQUAREDERROR,/* reg:squarederror: identity */
    VIGIL_OBJ_MULTI_SOFTPROB   /* multi:softprob: softmax over groups (multi:softmax is refused: its predict() is a label) */
} vigil_objective;

/* The deepest tree a model may hold (root = depth 0), refused at load beyond it (README, "Model
 * formats"). TreeSHAP's memory grows with the square of a path's length: the Shapley weights
 * w(s, d) are a (d + 1)^2 table and a chain of D splits on distinct features stores
 * D (D + 1) / 2 path elements, so 2048 levels cost at most 32 MiB and 80 MiB; the walks are
 * iterative, so the limit is memory, not the C stack. XGBoost's own trees rarely pass 20. */
#define VIGIL_TREE_MAX_DEPTH 2048

typedef struct {
    size_t n_trees;        /* trees scored: the first n_trees of the file (see best_iteration) */
    size_t n_nodes;        /* nodes of those trees: tree_begin[n_trees] */
    size_t n_trees_all;    /* trees in the file; the arrays below hold them all */
    size_t n_nodes_all;
    long best_iteration;   /* learner.attributes.best_iteration (early stopping), -1: none */
    size_t n_trees_best;   /* trees of rounds 0..best_iteration (n_trees_all when none) */
    char version[24];      /* " 1.7.4" from $.version, or "" */
    char objective_name[40];
    size_t n_features;     /* model's feature count (num_feature) */
    size_t n_groups;       /* outputs: 1, or the number of classes for multi:* */
    vigil_objective objective;

    int32_t *tree_begin;   /* n_trees + 1 */
    int32_t *tree_group;   /* n_trees: the output group each tree adds to (tree_info) */
    int32_t *max_depth;    /* n_trees: depth of each tree (root = 0), <= VIGIL_TREE_MAX_DEPTH */

    int32_t *left;         /* n_nodes: absolute child index, -1 at a leaf */
    int32_t *right;        /* n_nodes */
    int32_t *feature;      /* n_nodes: split feature (model column), -1 at a leaf */
    float *threshold;      /* n_nodes: split condition (leaf: unused) */
    uint8_t *default_left; /* n_nodes */
    float *leaf;           /* n_nodes: leaf value (split nodes: 0) */
    double *cover;         /* n_nodes: sum_hessian, for TreeSHAP */

    double *base_margin;   /* n_groups: base_score turned into a margin */
    char **feature_names;  /* n_features (may hold NULLs when the model has no names) */

    /* Categorical splits: node k is one when cat_begin[k] >= 0; its set is the cat_words[k]
     * words cat_bits[cat_begin[k] ...], category c in bit c % 32 of word c / 32 (built from the
     * tree's categories / categories_nodes / categories_segments / categories_sizes). */
    int32_t *cat_begin;    /* n_nodes_all: -1 at numeric splits and leaves */
    int32_t *cat_words;    /* n_nodes_all: 0 at numeric splits and leaves */
    uint32_t *cat_bits;    /* n_cat_words */
    size_t n_cat_words;
    size_t n_cat_nodes;    /* categorical splits in the file (0: a numeric model) */
    uint8_t *feature_cat;  /* n_features: 1 for a categorical feature ("c" in feature_types) */
    /* XGBoost 3.x stores each categorical feature's categories ($.learner.gradient_booster.
     * model.cats): cat_names[j][code] for j with n_cat_names[j] > 0 (strings only; a feature
     * whose stored categories are numbers, or a 1.7/2.x model, has none). */
    char ***cat_names;     /* n_features (NULL entries where none), or NULL */
    size_t *n_cat_names;   /* n_features, or NULL */
} vigil_forest;

#ifdef __CUDACC__
#define VIGIL_FOREST_HD __host__ __device__
#else
#define VIGIL_FOREST_HD
#endif

/* XGBoost's largest category + 1 (OutOfRangeCat, 2^24: the last float that is exactly an int). */
#define VIGIL_CAT_LIMIT 16777216.0f

/* A non-missing value x at a categorical split whose set is words[0 .. n_words): 1 when it goes
 * left (not in the set), as XGBoost's common::Decision. */
static inline VIGIL_FOREST_HD int vigil_cat_goes_left(const uint32_t *words, int32_t n_words, float x)
{
    if (!(x >= 0.0f) || x >= VIGIL_CAT_LIMIT) return 1;
    uint32_t c = (uint32_t)x;
    if ((int32_t)(c >> 5) >= n_words) return 1;
    return !((words[c >> 5] >> (c & 31u)) & 1u);
}

/* The child a value x takes at split node k (any kind, missing included). */
static inline VIGIL_FOREST_HD int32_t vigil_forest_next(const vigil_forest *f, int32_t k, float x)
{
    int go_left;
    if (x != x) go_left = f->default_left[k];
    else if (f->cat_begin && f->cat_begin[k] >= 0)
        go_left = vigil_cat_goes_left(f->cat_bits + f->cat_begin[k], f->cat_words[k], x);
    else go_left = x < f->threshold[k];
    return go_left ? f->left[k] : f->right[k];
}

#endif
