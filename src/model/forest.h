/* Internal flat layout of a tree ensemble (XGBoost gbtree), shared by the loader
 * (src/model/xgboost.c), the CPU and CUDA predictors and TreeSHAP. Not public API.
 *
 * All trees' nodes live in one set of parallel arrays (structure of arrays, no pointers):
 * tree t owns nodes [tree_begin[t], tree_begin[t+1]); child indices are ABSOLUTE indices into
 * these arrays. Node 0 of each tree (tree_begin[t]) is its root.
 *
 * Routing follows XGBoost exactly: at a split node, a missing value (NaN) goes to
 * default_left ? left : right; otherwise go left iff (float)x < threshold (strict, float32).
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
    int32_t *max_depth;    /* n_trees: depth of each tree (root = 0) */

    int32_t *left;         /* n_nodes: absolute child index, -1 at a leaf */
    int32_t *right;        /* n_nodes */
    int32_t *feature;      /* n_nodes: split feature (model column), -1 at a leaf */
    float *threshold;      /* n_nodes: split condition (leaf: unused) */
    uint8_t *default_left; /* n_nodes */
    float *leaf;           /* n_nodes: leaf value (split nodes: 0) */
    double *cover;         /* n_nodes: sum_hessian, for TreeSHAP */

    double *base_margin;   /* n_groups: base_score turned into a margin */
    char **feature_names;  /* n_features (may hold NULLs when the model has no names) */
} vigil_forest;

#endif
