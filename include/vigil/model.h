/* vigil — prediction models and the backends that score them.
 *
 * Three families, one handle: XGBoost JSON tree ensembles (Booster.save_model, 1.7 to 3.x),
 * the vigil-linear JSON format and the vigil-mlp JSON format (both defined in README.md,
 * "Model formats"). vigil_model_load() tells them apart by content.
 *
 * Features are matched to table columns BY NAME (vigil_model_bind); a feature missing from
 * the table is an error naming it. Scores are what the model's own library returns
 * (probabilities for logistic objectives, one per class for multi-class); margins are the
 * raw sums before the output transform (what TreeSHAP attributions add up to). */
#ifndef VIGIL_MODEL_H
#define VIGIL_MODEL_H

#include <stddef.h>

#include "vigil/backend.h"
#include "vigil/table.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vigil_model vigil_model;

typedef enum {
    VIGIL_MODEL_TREES = 0, /* XGBoost gbtree */
    VIGIL_MODEL_LINEAR,    /* vigil-linear */
    VIGIL_MODEL_MLP        /* vigil-mlp */
} vigil_model_kind;

/* Load a model file. A file that is no supported format, is truncated, or holds an invalid
 * tree (child out of range, cycle, NaN threshold, an inconsistent categorical split) is a
 * VIGIL_EINVAL error naming the file and the JSON path. */
int vigil_model_load(vigil_model **out, const char *path);
void vigil_model_free(vigil_model *m);

vigil_model_kind vigil_model_kind_of(const vigil_model *m);
/* Human description, e.g. "xgboost 1.7.4 binary:logistic, 300 trees, depth <= 7". */
const char *vigil_model_describe(const vigil_model *m);
/* SHA-256 (hex) of the model file's bytes. */
const char *vigil_model_sha256(const vigil_model *m);
size_t vigil_model_n_features(const vigil_model *m);
const char *vigil_model_feature_name(const vigil_model *m, size_t j);
/* 1 when feature j is categorical (an XGBoost model trained with enable_categorical: "c" in its
 * feature_types); its values are category codes, see vigil_model_bind. */
int vigil_model_feature_is_categorical(const vigil_model *m, size_t j);
/* Number of outputs per case: 1, or the number of classes (multi:softprob). */
size_t vigil_model_n_outputs(const vigil_model *m);

/* Early stopping. A model saved after fit(early_stopping_rounds=...) keeps every tree and the
 * round it kept ($.learner.attributes.best_iteration). By default vigil scores the trees of
 * rounds 0..best_iteration (num_parallel_tree trees per class and round), as XGBoost's sklearn
 * predict/predict_proba do; vigil_model_use_all_trees(m, 1) scores every tree, as
 * Booster.predict does (and again (m, 0) the default). It must be called before the handle is
 * first scored or explained: afterwards it is a VIGIL_EINVAL error. Models without
 * best_iteration, and non-tree models, are unchanged by it. */
int vigil_model_use_all_trees(vigil_model *m, int all);
/* best_iteration as stored in the file, or -1 when it has none (or is not a tree model). */
long vigil_model_best_iteration(const vigil_model *m);
/* Trees scored now, and trees in the file (0 and 0 for a non-tree model). */
size_t vigil_model_trees_used(const vigil_model *m);
size_t vigil_model_n_trees(const vigil_model *m);

/* Build the row-major float32 feature matrix (n_rows x n_features) from table columns
 * named as the model's features. Missing values become NaN (trees route them by
 * default_left; linear/MLP models refuse them with the file, line and column). Text columns
 * are refused (the model expects numbers), except for a categorical feature of a model that
 * stores its category names (XGBoost 3.x): text is mapped to the category's code there, and a
 * category the model does not hold is refused naming file, line and column. Numbers for a
 * categorical feature are category codes (pandas .cat.codes: whole numbers >= 0; -1 and
 * fractions are refused). Caller free()s *X. */
int vigil_model_bind(const vigil_model *m, const vigil_table *t, float **X);

/* Unseen categories. XGBoost scores a category code at or past a feature's category count (a
 * category not in the training frame) without a word, as outside every split's set; vigil
 * scores it the same, never refused, and says how many cases hold one.
 * vigil_model_n_categories: the categories the model stores for feature j (XGBoost 3.x
 * stores them), 0 where it does not know (1.7/2.x files, numeric features, non-tree models).
 * vigil_model_unseen_categories: counts[j] (n_features entries) = rows of X (n x n_features, as
 * vigil_model_bind gives it) whose code for feature j is at or past that count (0 where the
 * count is unknown); returns the number of features with a non-zero count. vigil_model_bind
 * warns (vigil_warn) once per such feature with its count. */
size_t vigil_model_n_categories(const vigil_model *m, size_t j);
size_t vigil_model_unseen_categories(const vigil_model *m, const float *X, size_t n, size_t *counts);

/* Score n rows of X. scores: n * n_outputs doubles (probabilities / predictions, as the
 * model's library returns them); margins (optional, may be NULL): n * n_outputs raw margins.
 * opt->backend follows the rule of vigil/backend.h (NULL opt: AUTO, every CPU); *used
 * (optional) receives the backend that ran. A backend failure falls back to the CPU with a
 * vigil_warn() message, never a crash. Each backend lays the model out once (packed nodes, a
 * device copy) and keeps that on the handle until vigil_model_free(), so scoring the same
 * model again pays only for the rows. The handle may be scored from several threads. */
int vigil_model_predict(const vigil_model *m, const float *X, size_t n,
                        const vigil_backend_options *opt, double *scores, double *margins,
                        vigil_backend_kind *used);



#ifdef __cplusplus
}
#endif
#endif
