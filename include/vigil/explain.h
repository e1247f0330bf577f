/* vigil — attributions (SHAP values) for every model family.
 *
 * phi is laid out n x K x (F + 1): for case i and output k, F attributions (one per model
 * feature, in the model's order) followed by the base value. Attributions are on the MARGIN
 * (log-odds for logistic models, the raw sum for trees): base + sum of the F values = margin.
 *
 *  trees   exact path-dependent TreeSHAP (the values XGBoost's pred_contribs gives, covers from
 *          sum_hessian), computed in double precision by a leaf-table algorithm (see
 *          src/explain/treeshap.c): O(L * D) per tree and case instead of XGBoost's O(L * D^2).
 *  linear  exact interventional SHAP: phi_j = beta_j (x_j - mean_j), the mean over the
 *          background rows; base = intercept + sum_j beta_j mean_j.
 *  mlp     Shapley values of the interventional game v(S) = mean over background rows b of
 *          margin(x_S, b_notS). Up to VIGIL_EXPLAIN_MLP_EXACT_AUTO features (or when asked, up to
 *          VIGIL_EXPLAIN_MLP_MAX_FEATURES) exactly, by enumerating all 2^F coalitions (what shap's
 *          KernelExplainer converges to); beyond, by KernelSHAP with paired sampling (Lundberg &
 *          Lee 2017; Covert & Lee 2021): coalitions drawn from the Shapley kernel with their
 *          complements, the efficiency-constrained least squares solved exactly. Its sampling
 *          error is estimated (standard error from 8 independent batches of the samples; the
 *          largest is options.max_se) and it is exact for a model linear in its inputs. The
 *          background sample is the other approximation.
 *
 * Background: options.background (rows of the model's features), else the explained rows
 * themselves. MLP: at most options.max_background rows, a seeded sample when larger. */
#ifndef VIGIL_EXPLAIN_H
#define VIGIL_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/model.h"
#include "vigil/table.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VIGIL_EXPLAIN_MLP_MAX_FEATURES 20 /* exact enumeration, at most */
#define VIGIL_EXPLAIN_MLP_EXACT_AUTO 12   /* MLP_AUTO: exact up to here, KernelSHAP beyond */

typedef enum {
    VIGIL_MLP_AUTO = 0, /* exact when F <= VIGIL_EXPLAIN_MLP_EXACT_AUTO, else KernelSHAP */
    VIGIL_MLP_EXACT,    /* enumerate (F <= VIGIL_EXPLAIN_MLP_MAX_FEATURES) */
    VIGIL_MLP_KERNEL    /* KernelSHAP, paired sampling */
} vigil_mlp_method;

typedef enum {
    VIGIL_TREESHAP_AUTO = 0, /* per leaf: the table when it pays off, else the direct form */
    VIGIL_TREESHAP_TABLE,    /* force the leaf tables (where a table is possible) */
    VIGIL_TREESHAP_DIRECT    /* force the per-case polynomial form (a cross-check) */
} vigil_treeshap_mode;

typedef struct {
    vigil_backend_kind backend; /* the rule of vigil/backend.h; TreeSHAP is the op with a CUDA kernel */
    int threads;                /* CPU threads; <= 0: all cores */
    uint64_t seed;              /* MLP background sample */
    const float *background;    /* n_background x F (model feature order); NULL: X itself */
    size_t n_background;
    size_t max_background;      /* MLP: default 100 */
    vigil_treeshap_mode tree_mode;
    vigil_mlp_method mlp_method;
    size_t mlp_samples;         /* KernelSHAP coalitions per case (0: 2048), paired, even */
    /* out */
    double max_se;              /* KernelSHAP: largest standard error of an attribution (else 0) */
    size_t samples_used;        /* KernelSHAP: coalitions per case (else 0) */
    vigil_backend_kind used;    /* backend that ran */
    const char *method;         /* a sentence naming the algorithm (static string) */
} vigil_explain_options;

/* The defaults: backend auto, all cores, seed 1, the cases themselves as background (at most
 * 100 rows for the MLP), TreeSHAP and MLP method chosen per model (AUTO), 2048 KernelSHAP
 * coalitions (mlp_samples 0); the out fields cleared, with used = VIGIL_BACKEND_CPU. */
#define VIGIL_EXPLAIN_OPTIONS_INIT                                                                  \
    {VIGIL_BACKEND_AUTO, 0, 1, NULL, 0, 100, VIGIL_TREESHAP_AUTO, VIGIL_MLP_AUTO, 0, 0.0, 0,        \
     VIGIL_BACKEND_CPU, NULL}

/* *o = VIGIL_EXPLAIN_OPTIONS_INIT. */
void vigil_explain_options_default(vigil_explain_options *o);

/* Attributions for n rows of X (row-major float32, as vigil_model_bind gives). phi: n * K * (F+1)
 * doubles. Errors: VIGIL_EINVAL for an exact MLP request with more than VIGIL_EXPLAIN_MLP_MAX_FEATURES features,
 * a background with a missing value (linear / MLP), a tree with a zero cover. */
int vigil_explain(const vigil_model *m, const float *X, size_t n, vigil_explain_options *o, double *phi);

/* Global importance as JSON (malloc'd string):
 *   {"global_importance": {feature: mean |phi|, ...},
 *    "by_group": {column: {level: {feature: mean |phi|} | {"suppressed": true}}}}
 * Multi-class: mean over cases of the sum over classes of |phi| (shap's stacked bar total).
 * A level with fewer than min_cell cases (0: 11) is suppressed (CMS cell-size policy). group_cols
 * name columns of t (numeric columns are grouped by their distinct values). */
int vigil_explain_importance(const double *phi, size_t n, size_t F, size_t K, const char *const *names,
                             const vigil_table *t, const char *const *group_cols, size_t n_groups,
                             size_t min_cell, char **json);

#ifdef __cplusplus
}
#endif
#endif
