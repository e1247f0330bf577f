/* The model handle's insides (not public API): shared by the loaders (src/model/), the
 * backends (src/backend/cpu|cuda/) and the attribution code (src/explain/). */
#ifndef VIGIL_MODEL_INTERNAL_H
#define VIGIL_MODEL_INTERNAL_H

#include <pthread.h>

#include "model/forest.h"
#include "vigil/model.h"

#define VIGIL_MODEL_BACKEND_STATES 4

typedef enum { VIGIL_LINK_IDENTITY = 0, VIGIL_LINK_LOGIT } vigil_link;

/* vigil-linear: margin = intercept + sum_j coef[j] * x[j]; score = link^-1(margin). */
typedef struct {
    double *coef;      /* n_features */
    double intercept;
    vigil_link link;
} vigil_linear;

typedef enum { VIGIL_ACT_IDENTITY = 0, VIGIL_ACT_RELU, VIGIL_ACT_TANH, VIGIL_ACT_SIGMOID,
               VIGIL_ACT_SOFTMAX } vigil_activation;

/* vigil-mlp: x' = (x - mean) / scale, then dense layers h = act(W h + b). The margin is the
 * last layer's pre-activation (logit for sigmoid/softmax outputs). */
typedef struct {
    size_t n_layers;
    size_t *n_in, *n_out;      /* n_layers each */
    double **W;                /* layer l: n_out[l] x n_in[l], row-major (one row per unit) */
    double **b;                /* layer l: n_out[l] */
    vigil_activation *act;     /* n_layers */
    double *mean, *scale;      /* n_features each; NULL when absent */
} vigil_mlp;

/* Forward pass of one case (src/model/dense.c): scratch holds vigil_mlp_scratch() doubles;
 * margin and score get n_outputs values each. */
void vigil_mlp_forward(const vigil_mlp *p, const double *x, size_t F, double *scratch, double *margin, double *score);
size_t vigil_mlp_scratch(const vigil_mlp *p, size_t F);

struct vigil_model {
    vigil_model_kind kind;
    char *path;
    char sha256[65];
    char *describe;
    size_t n_features, n_outputs;
    char **feature_names;      /* n_features */
    vigil_forest forest;       /* VIGIL_MODEL_TREES (feature_names aliases the above) */
    vigil_linear linear;       /* VIGIL_MODEL_LINEAR */
    vigil_mlp mlp;             /* VIGIL_MODEL_MLP */
    /* Each backend's layout of this model (src/backend/backend.c builds it on first use, under
     * backend_mu, so a model scored many times is packed and copied to a device once). */
    pthread_mutex_t backend_mu;
    struct {
        const void *backend;   /* the vigil_backend_i that built it */
        void *state;
    } backend_states[VIGIL_MODEL_BACKEND_STATES];
    size_t n_backend_states;
};

/* XGBoost 1.7 and 2.1 write a bare NaN (not JSON) as a categorical split's split_condition.
 * vigil_model_load reads such a file with each bare NaN replaced by this 3-byte string (offsets,
 * lines and columns unchanged; a byte no JSON text holds unescaped), after checking that every one
 * stands in $.learner.gradient_booster.model.trees[i].split_conditions; the XGBoost loader then
 * takes it for NaN there, and refuses it at a node that is not a categorical split. */
#define VIGIL_XGB_NAN "\x01"

/* Score the first n_trees_best trees (all == 0) or every tree (all != 0) of a tree model, and
 * rewrite its describe string to say which (src/model/xgboost.c). */
int vigil_xgboost_use_trees(vigil_model *m, int all);

#endif
