/* Model handles: loading by content, feature binding by name, scoring on a backend (see
 * include/vigil/model.h). */
#include "model/model_internal.h"

#include "backend/backend_impl.h"
#include "core/json.h"
#include "core/util.h"
#include "vigil/error.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int vigil_xgboost_parse(vigil_model *m, const char *file, const cJSON *root);
int vigil_linear_parse(vigil_model *m, const char *file, const cJSON *root);
int vigil_mlp_parse(vigil_model *m, const char *file, const cJSON *root);
void vigil_forest_clear(vigil_forest *f);
void vigil_dense_clear(vigil_model *m);

/* Where text holds a bare NaN token outside strings: offsets into `at` (at most cap; *n counts
 * them all). Returns 0 when the text holds a VIGIL_XGB_NAN byte already (then no stand-in is safe). */
static int find_bare_nans(const char *text, size_t len, size_t *at, size_t cap, size_t *n)
{
    *n = 0;
    int in_str = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = text[i];
        if (ch == VIGIL_XGB_NAN[0]) return 0;
        if (in_str) {
            if (ch == '\\') i++;
            else if (ch == '"') in_str = 0;
            continue;
        }
        if (ch == '"') in_str = 1;
        else if (ch == 'N' && i + 3 <= len && memcmp(text + i, "NaN", 3) == 0) {
            if (*n < cap) at[*n] = i;
            (*n)++;
            i += 2;
        }
    }
    return 1;
}

/* Every stand-in must be an entry of a tree's split_conditions: else name the first one that is
 * not, by its place in the text and its JSON path. `k` counts stand-ins in document order (cJSON
 * keeps it), so the k-th is at offsets[k]. */
static int check_nan_places(const char *path, const char *text, const size_t *offsets, const cJSON *o,
                            char *jp, size_t cap, size_t *k, int in_conditions)
{
    if (cJSON_IsString(o) && strcmp(o->valuestring, VIGIL_XGB_NAN) == 0) {
        size_t at = offsets[*k], line = 1, col = 1;
        (*k)++;
        if (in_conditions) return VIGIL_OK;
        for (size_t i = 0; i < at; i++) {
            if (text[i] == '\n') line++, col = 1;
            else col++;
        }
        return vigil_error_set(VIGIL_EINVAL, "%s:%zu:%zu: %s: a bare NaN, which JSON does not have (XGBoost "
                               "writes one only as a categorical split's split_conditions entry; write "
                               "null, a number, or a string such as \"NaN\" where the format allows it)",
                               path, line, col, jp);
    }
    size_t i = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, o)
    {
        size_t was = strlen(jp);
        if (cJSON_IsArray(o)) snprintf(jp + was, cap - was, "[%zu]", i);
        else snprintf(jp + was, cap - was, ".%s", c->string ? c->string : "");
        /* $.learner.gradient_booster.model.trees[i].split_conditions[k] */
        int cond = cJSON_IsArray(o) && o->string && strcmp(o->string, "split_conditions") == 0 &&
                   strncmp(jp, "$.learner.gradient_booster.model.trees[", 39) == 0 &&
                   strchr(jp + 39, '.') == strrchr(jp, '.');
        int rc = check_nan_places(path, text, offsets, c, jp, cap, k, cond);
        jp[was] = '\0';
        if (rc) return rc;
        i++;
    }
    return VIGIL_OK;
}

/* An XGBoost 1.7/2.1 file with categorical splits: parse it with each bare NaN as VIGIL_XGB_NAN
 * (text is rewritten so). Returns VIGIL_OK with *root set, an error (a syntax error elsewhere, a
 * bare NaN out of place), or -1 when this is no XGBoost model: the first parser's error stands. */
static int parse_with_nans(const char *path, char *text, size_t len, cJSON **root)
{
    *root = NULL;
    size_t n, again;
    if (!find_bare_nans(text, len, NULL, 0, &n) || n == 0) return -1;
    size_t *at = malloc(n * sizeof *at);
    char *copy = malloc(len);
    if (!at || !copy) {
        free(at), free(copy);
        return -1;
    }
    find_bare_nans(text, len, at, n, &again);
    memcpy(copy, text, len);
    for (size_t i = 0; i < n; i++) memcpy(copy + at[i], "\"" VIGIL_XGB_NAN "\"", 3);
    void *parsed = NULL;
    int rc = vigil_json_parse(path, copy, len, &parsed);
    cJSON *r = parsed;
    if (rc == VIGIL_OK && !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(r, "learner"))) rc = -1;
    if (rc == VIGIL_OK) {
        char jp[1024] = "$";
        size_t k = 0;
        rc = check_nan_places(path, copy, at, r, jp, sizeof jp, &k, 0);
        if (rc == VIGIL_OK && k != n) rc = vigil_error_set(VIGIL_EINTERNAL, "%s: bare NaN stand-ins miscounted", path);
    }
    if (rc == VIGIL_OK) {
        memcpy(text, copy, len); /* what root was parsed from (the duplicate-key check reads it) */
        *root = r, r = NULL;
    }
    cJSON_Delete(r);
    free(copy), free(at);
    return rc;
}

int vigil_model_load(vigil_model **out, const char *path)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    cJSON *root = NULL;
    vigil_model *m = calloc(1, sizeof *m);
    int rc;
    if (!m) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    pthread_mutex_init(&m->backend_mu, NULL);
    if ((rc = vigil_read_file(path, &text, &len)) != 0) goto fail;
    if (!(m->path = vigil_strdup(path))) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto fail;
    }
    vigil_sha256_hex(text, len, m->sha256);
    if (len == 0) {
        rc = vigil_error_set(VIGIL_EINVAL, "%s: empty file, not a model", path);
        goto fail;
    }
    if (memchr(text, '\0', len)) {
        rc = vigil_error_set(VIGIL_EINVAL, "%s: binary data, not a JSON model (XGBoost's UBJSON/binary "
                             "formats are not read: save the model as .json)", path);
        goto fail;
    }
    {
        void *parsed = NULL;
        if ((rc = vigil_json_parse(path, text, len, &parsed)) != 0) {
            /* XGBoost 1.7/2.1 with categorical splits: a bare NaN where only it writes one */
            int prc = parse_with_nans(path, text, len, &root);
            if (prc == -1) goto fail; /* the parser's error stands */
            if (prc != VIGIL_OK) {
                rc = prc;
                goto fail;
            }
            vigil_error_clear();
            parsed = root;
        }
        root = parsed;
        if ((rc = vigil_json_unique_keys(path, text, len, root)) != 0) goto fail;
    }
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (cJSON_IsString(fmt) && strcmp(fmt->valuestring, "vigil-linear") == 0) {
        m->kind = VIGIL_MODEL_LINEAR;
        rc = vigil_linear_parse(m, path, root);
    } else if (cJSON_IsString(fmt) && strcmp(fmt->valuestring, "vigil-mlp") == 0) {
        m->kind = VIGIL_MODEL_MLP;
        rc = vigil_mlp_parse(m, path, root);
    } else if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "learner"))) {
        m->kind = VIGIL_MODEL_TREES;
        rc = vigil_xgboost_parse(m, path, root);
    } else if (fmt) {
        rc = vigil_error_set(VIGIL_EINVAL, "%s: $.format: unknown model format '%s' (vigil-linear, "
                             "vigil-mlp, or an XGBoost JSON model)", path,
                             cJSON_IsString(fmt) ? fmt->valuestring : "?");
    } else {
        rc = vigil_error_set(VIGIL_EINVAL, "%s: not a model vigil reads: expected an XGBoost JSON model "
                             "($.learner) or a vigil-linear / vigil-mlp file ($.format)", path);
    }
    if (rc) goto fail;
    cJSON_Delete(root);
    free(text);
    *out = m;
    return VIGIL_OK;
fail:
    cJSON_Delete(root);
    free(text);
    vigil_model_free(m);
    return rc;
}

void vigil_model_free(vigil_model *m)
{
    if (!m) return;
    vigil_backend_model_release(m);
    pthread_mutex_destroy(&m->backend_mu);
    vigil_forest_clear(&m->forest);
    vigil_dense_clear(m);
    for (size_t j = 0; m->feature_names && j < m->n_features; j++) free(m->feature_names[j]);
    free(m->feature_names), free(m->path), free(m->describe);
    free(m);
}

vigil_model_kind vigil_model_kind_of(const vigil_model *m) { return m->kind; }
const char *vigil_model_describe(const vigil_model *m) { return m->describe ? m->describe : ""; }
const char *vigil_model_sha256(const vigil_model *m) { return m->sha256; }

int vigil_model_use_all_trees(vigil_model *m, int all)
{
    if (m->kind != VIGIL_MODEL_TREES) return VIGIL_OK;
    pthread_mutex_lock(&m->backend_mu);
    /* A backend's layout (and TreeSHAP's) is built from the trees in use on first scoring. */
    int rc = m->n_backend_states
                 ? vigil_error_set(VIGIL_EINVAL, "%s: the trees to score are chosen before the model is "
                                   "first scored", m->path)
                 : vigil_xgboost_use_trees(m, all);
    pthread_mutex_unlock(&m->backend_mu);
    return rc;
}

long vigil_model_best_iteration(const vigil_model *m)
{
    return m->kind == VIGIL_MODEL_TREES ? m->forest.best_iteration : -1;
}
size_t vigil_model_trees_used(const vigil_model *m) { return m->kind == VIGIL_MODEL_TREES ? m->forest.n_trees : 0; }
size_t vigil_model_n_trees(const vigil_model *m) { return m->kind == VIGIL_MODEL_TREES ? m->forest.n_trees_all : 0; }
size_t vigil_model_n_features(const vigil_model *m) { return m->n_features; }
const char *vigil_model_feature_name(const vigil_model *m, size_t j)
{
    return j < m->n_features ? m->feature_names[j] : NULL;
}
size_t vigil_model_n_outputs(const vigil_model *m) { return m->n_outputs; }
int vigil_model_feature_is_categorical(const vigil_model *m, size_t j)
{
    return m->kind == VIGIL_MODEL_TREES && j < m->n_features && m->forest.feature_cat && m->forest.feature_cat[j];
}

typedef struct {
    const char *name;
    size_t code;
} cat_name;

static int cat_name_cmp(const void *a, const void *b)
{
    return strcmp(((const cat_name *)a)->name, ((const cat_name *)b)->name);
}

/* Feature j (categorical) from table column c into X[., j]. A number is a category CODE, as
 * XGBoost takes it from a frame's .cat.codes (1.7, 2.x) or an array: a whole number >= 0 below
 * 2^24; anything else (pandas writes -1 for a missing category) is refused, not routed as
 * XGBoost would silently route it. Text is mapped through the categories the model stores
 * (XGBoost 3.x), as XGBoost 3.x re-codes a frame; a category it does not hold, or text for a
 * model that stores none, is refused. Missing values stay NaN (default_left). */
static int bind_categorical(const vigil_model *m, const vigil_table *t, size_t c, size_t j, float *X)
{
    const vigil_forest *f = &m->forest;
    const char *src = vigil_table_source(t), *fname = m->feature_names[j];
    size_t n = vigil_table_nrows(t), F = m->n_features;
    const double *v = vigil_table_numeric(t, c);
    size_t K = f->n_cat_names ? f->n_cat_names[j] : 0;
    if (v && K) {
        /* categories stored as text that reads as numbers ("1", "10"): a number in the column
         * could be a code or a category, and the two differ; refuse rather than guess */
        for (size_t k = 0; k < K; k++) {
            const char *nm = f->cat_names[j][k];
            char *end;
            if (*nm && (strtod(nm, &end), *end == '\0')) {
                size_t first = 0;
                while (first < n && isnan(v[first])) first++;
                return vigil_error_set(VIGIL_EINVAL, "%s:%zu: column '%s' holds numbers, and the categories the "
                                       "model stores for '%s' are text that reads as numbers ('%s'): a number could "
                                       "be a code or a category, which differ; vigil does not guess (declare the "
                                       "column categorical so its values are matched as categories)", src,
                                       first < n ? vigil_table_row_line(t, first) : 2, fname, fname, nm);
            }
        }
    }
    if (v) {
        for (size_t i = 0; i < n; i++) {
            double x = v[i];
            if (!isnan(x) && !(x >= 0 && x < (double)VIGIL_CAT_LIMIT && x == floor(x)))
                return vigil_error_set(VIGIL_EINVAL, "%s:%zu: column '%s': %.17g is no category code; '%s' is a "
                                       "categorical feature of the model, whose values are codes (whole numbers "
                                       ">= 0, the position of the category in the training frame's categories, "
                                       "pandas .cat.codes)%s", src, vigil_table_row_line(t, i), fname, x, fname,
                                       x == -1 ? "; pandas writes -1 for a missing category: leave the cell empty" : "");
            X[i * F + j] = (float)x;
        }
        return VIGIL_OK;
    }
    const int32_t *codes = vigil_table_codes(t, c);
    size_t L = vigil_table_n_levels(t, c);
    size_t first = 0;
    while (first < n && codes[first] < 0) first++;
    if (!K)
        return vigil_error_set(VIGIL_EINVAL, "%s:%zu: column '%s' holds text ('%s'), and the model (xgboost%s) "
                               "stores no category names for its categorical feature '%s' (XGBoost 3.x stores "
                               "them): give the category codes (pandas .cat.codes of the training frame's "
                               "categories) as numbers", src, first < n ? vigil_table_row_line(t, first) : 2,
                               fname, first < n ? vigil_table_level(t, c, (size_t)codes[first]) : "",
                               f->version, fname);
    cat_name *sorted = malloc(K * sizeof *sorted);
    int32_t *map = malloc((L ? L : 1) * sizeof *map);
    if (!sorted || !map) {
        free(sorted), free(map);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < K; k++) sorted[k].name = f->cat_names[j][k], sorted[k].code = k;
    qsort(sorted, K, sizeof *sorted, cat_name_cmp);
    for (size_t l = 0; l < L; l++) {
        cat_name key = {vigil_table_level(t, c, l), 0};
        const cat_name *hit = bsearch(&key, sorted, K, sizeof *sorted, cat_name_cmp);
        map[l] = hit ? (int32_t)hit->code : -1;
    }
    int rc = VIGIL_OK;
    for (size_t i = 0; i < n; i++) {
        int32_t l = codes[i];
        if (l >= 0 && map[l] < 0) {
            rc = vigil_error_set(VIGIL_EINVAL, "%s:%zu: column '%s': category '%s' is not one of the %zu the model "
                                 "stores for '%s' (it was not in the training data; XGBoost 3.1 would score it as "
                                 "some other category without a word)", src, vigil_table_row_line(t, i), fname,
                                 vigil_table_level(t, c, (size_t)l), K, fname);
            break;
        }
        X[i * F + j] = l < 0 ? NAN : (float)map[l];
    }
    free(sorted), free(map);
    return rc;
}

size_t vigil_model_n_categories(const vigil_model *m, size_t j)
{
    if (!vigil_model_feature_is_categorical(m, j) || !m->forest.n_cat_names) return 0;
    return m->forest.n_cat_names[j];
}

size_t vigil_model_unseen_categories(const vigil_model *m, const float *X, size_t n, size_t *counts)
{
    size_t F = m->n_features, hit = 0;
    for (size_t j = 0; j < F; j++) {
        size_t K = vigil_model_n_categories(m, j), c = 0;
        for (size_t i = 0; K && i < n; i++) c += X[i * F + j] >= (float)K; /* NaN: missing, not counted */
        counts[j] = c;
        hit += c > 0;
    }
    return hit;
}

/* One warning per categorical feature with unseen codes in X: the count, never the values. */
static int warn_unseen(const vigil_model *m, const vigil_table *t, const float *X)
{
    size_t F = m->n_features, n = vigil_table_nrows(t);
    size_t *counts = malloc((F ? F : 1) * sizeof *counts);
    if (!counts) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    if (vigil_model_unseen_categories(m, X, n, counts))
        for (size_t j = 0; j < F; j++)
            if (counts[j])
                vigil_warn("%s: column '%s': %zu of %zu cases hold a category code at or past the %zu categories "
                           "the model stores for '%s' (not seen in training); scored as XGBoost scores them, as "
                           "outside every split's set", vigil_table_source(t), m->feature_names[j], counts[j], n,
                           vigil_model_n_categories(m, j), m->feature_names[j]);
    free(counts);
    return VIGIL_OK;
}

int vigil_model_bind(const vigil_model *m, const vigil_table *t, float **Xout)
{
    *Xout = NULL;
    size_t n = vigil_table_nrows(t), F = m->n_features;
    const char *src = vigil_table_source(t);
    float *X = malloc((n ? n : 1) * (F ? F : 1) * sizeof *X);
    if (!X) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    for (size_t j = 0; j < F; j++) {
        int c = vigil_table_find(t, m->feature_names[j]);
        if (c < 0) {
            vigil_sbuf b = {0};
            for (size_t k = 0; k < vigil_table_ncols(t); k++)
                vigil_sbuf_printf(&b, "%s%s", k ? ", " : "", vigil_table_col_name(t, k));
            int rc = vigil_error_set(VIGIL_EINVAL, "%s: the model's feature '%s' is not a column of the "
                                     "case file (columns: %s); features are matched by name",
                                     src, m->feature_names[j], b.s ? b.s : "");
            vigil_sbuf_free(&b);
            free(X);
            return rc;
        }
        if (vigil_model_feature_is_categorical(m, j)) {
            int rc = bind_categorical(m, t, (size_t)c, j, X);
            if (rc) {
                free(X);
                return rc;
            }
            continue;
        }
        const double *v = vigil_table_numeric(t, (size_t)c);
        if (!v) {
            free(X);
            return vigil_error_set(VIGIL_EINVAL, "%s: the model's feature '%s' is not numeric in the case "
                                   "file (it holds text, e.g. line %zu); models take numbers",
                                   src, m->feature_names[j], n ? vigil_table_row_line(t, 0) : 2);
        }
        for (size_t i = 0; i < n; i++) {
            if (isnan(v[i]) && m->kind != VIGIL_MODEL_TREES) {
                free(X);
                return vigil_error_set(VIGIL_EINVAL, "%s:%zu: '%s' is missing; a %s model cannot score "
                                       "missing values (impute them, or use a tree model)", src,
                                       vigil_table_row_line(t, i), m->feature_names[j],
                                       m->kind == VIGIL_MODEL_LINEAR ? "linear" : "MLP");
            }
            X[i * F + j] = (float)v[i];
        }
    }
    int rc = warn_unseen(m, t, X);
    if (rc) {
        free(X);
        return rc;
    }
    *Xout = X;
    return VIGIL_OK;
}

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

/* Scores and margins from float margins, as the objective transforms them. */
static void transform_trees(const vigil_forest *f, const float *mg, size_t n, double *scores, double *margins)
{
    size_t G = f->n_groups;
    for (size_t i = 0; i < n; i++) {
        const float *r = mg + i * G;
        if (margins)
            for (size_t g = 0; g < G; g++) margins[i * G + g] = r[g];
        switch (f->objective) {
        case VIGIL_OBJ_BINARY_LOGISTIC:
        case VIGIL_OBJ_REG_LOGISTIC: scores[i] = (float)sigmoid(r[0]); break;
        case VIGIL_OBJ_REG_SQUAREDERROR: scores[i] = r[0]; break;
        case VIGIL_OBJ_MULTI_SOFTPROB: {
            double mx = r[0], z = 0;
            for (size_t g = 1; g < G; g++) mx = r[g] > mx ? r[g] : mx;
            for (size_t g = 0; g < G; g++) z += exp((double)r[g] - mx);
            for (size_t g = 0; g < G; g++) scores[i * G + g] = (float)(exp((double)r[g] - mx) / z);
            break;
        }
        }
    }
}

typedef struct {
    const vigil_model *m;
    const float *X;
    size_t n;
    int threads;
    float *mg;                 /* trees: n * n_groups float margins */
    double *scores, *margins;  /* linear, MLP */
} predict_call;

static int run_predict(const vigil_backend_i *b, void *ctx)
{
    predict_call *c = ctx;
    switch (c->m->kind) {
    case VIGIL_MODEL_TREES: {
        void *state;
        int rc = vigil_backend_model_state(c->m, b, &state);
        return rc ? rc : b->predict_trees(c->m, state, c->X, c->n, c->threads, c->mg);
    }
    case VIGIL_MODEL_LINEAR: return b->predict_linear(c->m, c->X, c->n, c->threads, c->scores, c->margins);
    case VIGIL_MODEL_MLP: return b->predict_mlp(c->m, c->X, c->n, c->threads, c->scores, c->margins);
    }
    return vigil_error_set(VIGIL_EINTERNAL, "unknown model kind");
}

int vigil_model_predict(const vigil_model *m, const float *X, size_t n, const vigil_backend_options *opt,
                        double *scores, double *margins, vigil_backend_kind *used)
{
    vigil_backend_kind want = opt ? opt->backend : VIGIL_BACKEND_AUTO;
    predict_call c = {m, X, n, opt ? opt->threads : 0, NULL, scores, margins};
    vigil_backend_op op = m->kind == VIGIL_MODEL_TREES    ? VIGIL_OP_PREDICT_TREES
                          : m->kind == VIGIL_MODEL_LINEAR ? VIGIL_OP_PREDICT_LINEAR
                                                          : VIGIL_OP_PREDICT_MLP;
    if (used) *used = VIGIL_BACKEND_CPU;
    if (m->kind == VIGIL_MODEL_TREES && !(c.mg = malloc((n ? n : 1) * m->forest.n_groups * sizeof *c.mg)))
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    double units = (double)n * (double)(m->kind == VIGIL_MODEL_TREES ? m->forest.n_trees : m->n_features);
    int rc = vigil_backend_run(want, op, "scoring", vigil_backend_work(units, c.threads), run_predict, &c, used);
    if (rc == VIGIL_OK && c.mg) transform_trees(&m->forest, c.mg, n, scores, margins);
    free(c.mg);
    return rc;
}
