/* XGBoost JSON models (Booster.save_model("m.json"), XGBoost 1.7 through 3.x) into the flat
 * forest layout of model/forest.h.
 *
 * What is read, after dmlc/xgboost's JSON schema (doc/model.schema):
 *   learner.learner_model_param.{base_score, num_class, num_feature}
 *   learner.objective.name, learner.feature_names
 *   learner.gradient_booster.{name, model.{trees[], tree_info[]}}
 *   each tree: left_children, right_children, split_indices, split_conditions (the leaf value
 *   at a leaf), default_left, sum_hessian (covers, for TreeSHAP), split_type.
 * base_score is stored as a probability for logistic objectives ("5E-1", "[5E-1]", or one
 * value per class in 3.x); it becomes a margin as the objective's ProbToMargin does. Every
 * tree is checked: children in range, every node reached exactly once from the root (no
 * cycles, no sharing), finite thresholds and leaves, features below num_feature.
 *
 * Categorical splits (enable_categorical=True; split_type 1): each tree lists its categorical
 * nodes in categories_nodes (ascending), and node i's categories are
 * categories[categories_segments[i] .. + categories_sizes[i]] (what XGBoost's
 * RegTree::LoadCategoricalSplit reads); they become one bit set per node (forest.h). Their
 * split_conditions entry is unused: 1.7 and 2.1 write a bare NaN there (not JSON; model.c lets
 * it through at that place only, as VIGIL_XGB_NAN), 3.x writes 1E-45. learner.feature_types
 * marks a categorical feature "c"; a categorical split on a feature typed otherwise, or a
 * numeric split on a "c" feature, is refused. 3.x also stores each feature's categories in
 * $.learner.gradient_booster.model.cats ({enc: [{offsets, values} per feature], ...}: the
 * strings' UTF-8 bytes, category code = position), which bind uses to map text to codes. */
#include "model/model_internal.h"

#include "core/util.h"
#include "vigil/error.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bad(const char *file, const char *jpath, const char *what)
{
    return vigil_error_set(VIGIL_EINVAL, "%s: %s: %s", file, jpath, what);
}

static const cJSON *get(const cJSON *o, const char *k) { return o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL; }

/* A number that XGBoost may have written as a JSON number or as a string ("60", "5E-1",
 * "[5E-1]"). For a bracketed list, `index` picks the element. */
static int num_field(const cJSON *v, size_t index, double *out)
{
    if (cJSON_IsNumber(v)) {
        *out = v->valuedouble;
        return index == 0 ? 0 : -1;
    }
    if (!cJSON_IsString(v)) return -1;
    const char *s = v->valuestring;
    while (*s == ' ') s++;
    int list = *s == '[';
    if (list) s++;
    for (size_t i = 0;; i++) {
        char *end;
        double x = strtod(s, &end);
        if (end == s) return -1;
        if (i == index) {
            *out = x;
            return 0;
        }
        s = end;
        while (*s == ' ') s++;
        if (!list || *s != ',') return -1;
        s++;
    }
}

static size_t list_len(const cJSON *v)
{
    if (!cJSON_IsString(v) || v->valuestring[0] != '[') return 1;
    size_t n = 1;
    for (const char *p = v->valuestring; *p; p++) n += *p == ',';
    return n;
}

static int int_array(const char *file, const char *jp, const cJSON *a, size_t n, int32_t *out)
{
    if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != n)
        return bad(file, jp, n ? "missing, or not an array with one entry per node" : "missing");
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, a)
    {
        if (cJSON_IsBool(e)) out[i++] = cJSON_IsTrue(e);
        else if (cJSON_IsNumber(e) && e->valuedouble == floor(e->valuedouble) && fabs(e->valuedouble) < 2147483648.0)
            out[i++] = (int32_t)e->valuedouble;
        else {
            char m[96];
            snprintf(m, sizeof m, "entry %zu is not an integer", i);
            return bad(file, jp, m);
        }
    }
    return VIGIL_OK;
}

/* nan_ok: the bare-NaN stand-in (VIGIL_XGB_NAN) reads as NaN (split_conditions only; the
 * caller allows it at categorical nodes). */
static int real_array(const char *file, const char *jp, const cJSON *a, size_t n, double *out, int nan_ok)
{
    if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != n)
        return bad(file, jp, "missing, or not an array with one entry per node");
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, a)
    {
        if (nan_ok && cJSON_IsString(e) && strcmp(e->valuestring, VIGIL_XGB_NAN) == 0) {
            out[i++] = NAN;
            continue;
        }
        if (!cJSON_IsNumber(e)) {
            char m[96];
            snprintf(m, sizeof m, "entry %zu is not a number", i);
            return bad(file, jp, m);
        }
        out[i++] = e->valuedouble;
    }
    return VIGIL_OK;
}

/* Check one tree's shape: children in range, each node reached once from the root, and its
 * depth (an explicit stack: a chain of any length cannot exhaust the C stack) at most
 * VIGIL_TREE_MAX_DEPTH. */
static int check_tree(const char *file, size_t t, const int32_t *l, const int32_t *r, size_t n,
                      int32_t *depth_out)
{
    char jp[128];
    uint8_t *seen = calloc(n, 1);
    int32_t *stack = malloc(n * sizeof *stack), *depth = malloc(n * sizeof *depth);
    int rc = VIGIL_OK;
    if (!seen || !stack || !depth) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    size_t sp = 0;
    int32_t maxd = 0;
    stack[sp++] = 0, depth[0] = 0, seen[0] = 1;
    while (sp) {
        int32_t v = stack[--sp];
        if ((l[v] < 0) != (r[v] < 0)) {
            snprintf(jp, sizeof jp, "$.learner.gradient_booster.model.trees[%zu]", t);
            char m[128];
            snprintf(m, sizeof m, "node %d has one child (left %d, right %d)", v, l[v], r[v]);
            rc = bad(file, jp, m);
            goto done;
        }
        if (l[v] < 0) {
            if (depth[v] > maxd) maxd = depth[v];
            continue;
        }
        for (int s = 0; s < 2; s++) {
            int32_t c = s ? r[v] : l[v];
            snprintf(jp, sizeof jp, "$.learner.gradient_booster.model.trees[%zu].%s[%d]", t,
                     s ? "right_children" : "left_children", v);
            if (c <= 0 || (size_t)c >= n) {
                char m[96];
                snprintf(m, sizeof m, "child %d out of range (the tree has %zu nodes)", c, n);
                rc = bad(file, jp, m);
                goto done;
            }
            if (seen[c]) {
                char m[96];
                snprintf(m, sizeof m, "node %d is reached twice (a cycle or a shared node)", c);
                rc = bad(file, jp, m);
                goto done;
            }
            seen[c] = 1;
            depth[c] = depth[v] + 1;
            stack[sp++] = c;
        }
    }
    if (maxd > VIGIL_TREE_MAX_DEPTH) {
        snprintf(jp, sizeof jp, "$.learner.gradient_booster.model.trees[%zu]", t);
        char m[160];
        snprintf(m, sizeof m, "tree %zu is %d levels deep; vigil takes trees of at most %d levels (README, "
                 "\"Model formats\")", t, maxd, VIGIL_TREE_MAX_DEPTH);
        rc = bad(file, jp, m);
        goto done;
    }
    *depth_out = maxd;
done:
    free(seen), free(stack), free(depth);
    return rc;
}

static int parse_objective(const char *file, const char *name, vigil_objective *o)
{
    if (strcmp(name, "binary:logistic") == 0) *o = VIGIL_OBJ_BINARY_LOGISTIC;
    else if (strcmp(name, "reg:logistic") == 0) *o = VIGIL_OBJ_REG_LOGISTIC;
    else if (strcmp(name, "reg:squarederror") == 0 || strcmp(name, "reg:linear") == 0)
        *o = VIGIL_OBJ_REG_SQUAREDERROR;
    else if (strcmp(name, "multi:softprob") == 0) *o = VIGIL_OBJ_MULTI_SOFTPROB;
    else if (strcmp(name, "multi:softmax") == 0)
        /* XGBoost's predict() returns the class label for softmax; scoring it as per-class
         * probabilities would silently change the output type, so it is refused. */
        return vigil_error_set(VIGIL_EINVAL, "%s: $.learner.objective.name: objective 'multi:softmax' "
                               "is not supported: XGBoost's predict() returns the class label for it, "
                               "vigil scores multi:softprob (one probability per class); retrain or "
                               "re-save the model with objective multi:softprob", file);
    else
        return vigil_error_set(VIGIL_EINVAL, "%s: $.learner.objective.name: objective '%s' is not "
                               "supported (binary:logistic, reg:logistic, reg:squarederror, "
                               "multi:softprob)", file, name);
    return VIGIL_OK;
}

static int parse_best_iteration(const char *file, const cJSON *learner, const cJSON *model, vigil_forest *f);

/* Vector-leaf trees (multi_strategy="multi_output_tree", XGBoost 2.0+) hold one leaf vector
 * per node and no sum_hessian; the file's base_score has one value per target. They are
 * refused by name before any other field is read (base_score, sum_hessian), and so is any
 * other multi-target model (num_target > 1): vigil scores one output per tree. */
static int refuse_multi_target(const char *file, const cJSON *lmp, const cJSON *trees)
{
    char jp[128];
    size_t t = 0;
    const cJSON *tr;
    cJSON_ArrayForEach(tr, trees)
    {
        const cJSON *slv = get(get(tr, "tree_param"), "size_leaf_vector");
        double n = 0;
        if (slv && num_field(slv, 0, &n) == 0 && n > 1) {
            snprintf(jp, sizeof jp, "$.learner.gradient_booster.model.trees[%zu].tree_param.size_leaf_vector", t);
            return bad(file, jp, "vector-leaf trees (multi_strategy=multi_output_tree) are not supported; "
                       "retrain with the default multi_strategy=one_output_per_tree or score with XGBoost");
        }
        t++;
    }
    double nt = 1;
    const cJSON *ntj = get(lmp, "num_target");
    if (ntj && num_field(ntj, 0, &nt) == 0 && nt > 1) {
        char m[160];
        snprintf(m, sizeof m, "a multi-target model (num_target %.0f) is not supported; vigil scores "
                 "one target (or the classes of multi:softprob)", nt);
        return bad(file, "$.learner.learner_model_param.num_target", m);
    }
    return VIGIL_OK;
}

/* Append n words to f->cat_bits; *at receives the first. */
static int cat_words_grow(vigil_forest *f, size_t *cap, size_t n, size_t *at)
{
    if (f->n_cat_words + n > *cap) {
        size_t nc = *cap ? *cap : 256;
        while (nc < f->n_cat_words + n) nc *= 2;
        uint32_t *nb = realloc(f->cat_bits, nc * sizeof *nb);
        if (!nb) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
        f->cat_bits = nb, *cap = nc;
    }
    *at = f->n_cat_words;
    memset(f->cat_bits + *at, 0, n * sizeof *f->cat_bits);
    f->n_cat_words += n;
    return VIGIL_OK;
}

/* One tree's categorical splits (its nodes b .. b+n of f, children still tree-relative; st:
 * split_type or NULL) into f->cat_begin / cat_words / cat_bits. */
static int parse_tree_cats(const char *file, const char *base, const cJSON *tr, size_t b, size_t n,
                           const int32_t *st, vigil_forest *f, size_t *cap)
{
    char jp[192], m[200];
    size_t n_cat = 0;
    for (size_t i = 0; i < n; i++) {
        f->cat_begin[b + i] = -1, f->cat_words[b + i] = 0;
        if (st && f->left[b + i] >= 0) {
            if (st[b + i] != 0 && st[b + i] != 1) {
                snprintf(jp, sizeof jp, "%s.split_type[%zu]", base, i);
                snprintf(m, sizeof m, "split type %d is neither 0 (numeric) nor 1 (categorical)", st[b + i]);
                return bad(file, jp, m);
            }
            n_cat += st[b + i] == 1;
        }
    }
    if (!n_cat) return VIGIL_OK;
    static const char *const names[4] = {"categories", "categories_nodes", "categories_segments", "categories_sizes"};
    const cJSON *a[4];
    for (int q = 0; q < 4; q++) {
        a[q] = get(tr, names[q]);
        if (!cJSON_IsArray(a[q])) {
            snprintf(jp, sizeof jp, "%s.%s", base, names[q]);
            return bad(file, jp, "missing (the tree has categorical splits)");
        }
    }
    size_t nc = (size_t)cJSON_GetArraySize(a[0]), nn = (size_t)cJSON_GetArraySize(a[1]);
    for (int q = 2; q < 4; q++)
        if ((size_t)cJSON_GetArraySize(a[q]) != nn) {
            snprintf(jp, sizeof jp, "%s.%s", base, names[q]);
            snprintf(m, sizeof m, "%d entries, categories_nodes has %zu (one per categorical node)",
                     cJSON_GetArraySize(a[q]), nn);
            return bad(file, jp, m);
        }
    int32_t *v = malloc((nc + 3 * nn + 1) * sizeof *v);
    if (!v) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    int32_t *nodes = v + nc, *seg = nodes + nn, *size = seg + nn;
    int rc = VIGIL_OK;
    for (int q = 0; q < 4 && !rc; q++) {
        snprintf(jp, sizeof jp, "%s.%s", base, names[q]);
        rc = int_array(file, jp, a[q], q ? nn : nc, q == 0 ? v : q == 1 ? nodes : q == 2 ? seg : size);
    }
    for (size_t j = 0; j < nn && !rc; j++) {
        int32_t k = nodes[j];
        snprintf(jp, sizeof jp, "%s.categories_nodes[%zu]", base, j);
        if (k < 0 || (size_t)k >= n || f->left[b + (size_t)k] < 0 || !st || st[b + (size_t)k] != 1) {
            snprintf(m, sizeof m, "node %d is not a categorical split of this tree (split_type 1)", k);
            rc = bad(file, jp, m);
            break;
        }
        if (j && k <= nodes[j - 1]) {
            rc = bad(file, jp, "not in ascending order (XGBoost writes each categorical node once, in order)");
            break;
        }
        int32_t s0 = seg[j], sz = size[j];
        if (sz < 1 || s0 < 0 || (size_t)s0 > nc || (size_t)sz > nc - (size_t)s0) {
            snprintf(jp, sizeof jp, "%s.categories_segments[%zu]", base, j);
            snprintf(m, sizeof m, "the segment [%d, %d + %d) is out of range (categories has %zu entries)%s",
                     s0, s0, sz, nc, sz < 1 ? "; a categorical split needs at least one category" : "");
            rc = bad(file, jp, m);
            break;
        }
        int32_t maxc = 0;
        for (int32_t i = s0; i < s0 + sz; i++) {
            if (v[i] < 0 || (double)v[i] >= (double)VIGIL_CAT_LIMIT) {
                snprintf(jp, sizeof jp, "%s.categories[%d]", base, i);
                snprintf(m, sizeof m, "category %d out of range (0 to 16777215)", v[i]);
                rc = bad(file, jp, m);
                break;
            }
            if (v[i] > maxc) maxc = v[i];
        }
        if (rc) break;
        size_t words = (size_t)maxc / 32 + 1, at = 0;
        if ((rc = cat_words_grow(f, cap, words, &at)) != 0) break;
        for (int32_t i = s0; i < s0 + sz; i++) f->cat_bits[at + (size_t)v[i] / 32] |= 1u << ((uint32_t)v[i] % 32);
        f->cat_begin[b + (size_t)k] = (int32_t)at, f->cat_words[b + (size_t)k] = (int32_t)words;
    }
    if (!rc && nn != n_cat)
        for (size_t i = 0; i < n; i++)
            if (f->left[b + i] >= 0 && st[b + i] == 1 && f->cat_begin[b + i] < 0) {
                snprintf(jp, sizeof jp, "%s.split_type[%zu]", base, i);
                rc = bad(file, jp, "a categorical split that categories_nodes does not list");
                break;
            }
    free(v);
    if (!rc) f->n_cat_nodes += n_cat;
    if (!rc && f->n_cat_words > 0x7fffffff) rc = bad(file, base, "too many categorical split words");
    return rc;
}

/* learner.feature_types: "c" marks a categorical feature (absent, or [], in older files). */
static int parse_feature_types(const char *file, const cJSON *learner, vigil_forest *f)
{
    if (!(f->feature_cat = calloc(f->n_features, 1))) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    const cJSON *ft = get(learner, "feature_types"), *e;
    if (!ft || (cJSON_IsArray(ft) && cJSON_GetArraySize(ft) == 0)) return VIGIL_OK;
    if (!cJSON_IsArray(ft) || (size_t)cJSON_GetArraySize(ft) != f->n_features)
        return bad(file, "$.learner.feature_types", "expected one type per feature (num_feature)");
    size_t j = 0;
    cJSON_ArrayForEach(e, ft)
    {
        if (!cJSON_IsString(e)) {
            char jp[64];
            snprintf(jp, sizeof jp, "$.learner.feature_types[%zu]", j);
            return bad(file, jp, "expected a string (\"float\", \"int\", \"q\", \"i\" or \"c\")");
        }
        f->feature_cat[j++] = strcmp(e->valuestring, "c") == 0;
    }
    return VIGIL_OK;
}

/* 3.x: $.learner.gradient_booster.model.cats.enc[j] = {offsets: [n+1], values: [bytes]} for a
 * feature whose categories are strings ({type, values} for numbers: not kept; {[] , []} for a
 * numeric feature). */
static int parse_cat_names(const char *file, const cJSON *model, vigil_forest *f)
{
    const cJSON *enc = get(get(model, "cats"), "enc");
    if (!enc || (cJSON_IsArray(enc) && cJSON_GetArraySize(enc) == 0)) return VIGIL_OK; /* none stored */
    char jp[128];
    if (!cJSON_IsArray(enc) || (size_t)cJSON_GetArraySize(enc) != f->n_features)
        return bad(file, "$.learner.gradient_booster.model.cats.enc", "expected one entry per feature");
    if (!(f->cat_names = calloc(f->n_features, sizeof *f->cat_names)) ||
        !(f->n_cat_names = calloc(f->n_features, sizeof *f->n_cat_names)))
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    size_t j = 0;
    const cJSON *col;
    cJSON_ArrayForEach(col, enc)
    {
        const cJSON *off = get(col, "offsets"), *val = get(col, "values");
        size_t jj = j++;
        if (!off) continue; /* numeric categories: codes only */
        snprintf(jp, sizeof jp, "$.learner.gradient_booster.model.cats.enc[%zu]", jj);
        if (!cJSON_IsArray(off) || !cJSON_IsArray(val)) return bad(file, jp, "expected arrays offsets and values");
        size_t no = (size_t)cJSON_GetArraySize(off), nv = (size_t)cJSON_GetArraySize(val);
        if (no <= 1) continue;
        int32_t *o = malloc((no + nv) * sizeof *o);
        if (!o) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
        int32_t *bytes = o + no;
        char sub[160];
        snprintf(sub, sizeof sub, "%s.offsets", jp);
        int rc = int_array(file, sub, off, no, o);
        snprintf(sub, sizeof sub, "%s.values", jp);
        if (!rc) rc = int_array(file, sub, val, nv, bytes);
        for (size_t k = 0; !rc && k < no; k++)
            if (o[k] < 0 || (size_t)o[k] > nv || (k && o[k] < o[k - 1]) || (k == 0 && o[k] != 0)) {
                snprintf(sub, sizeof sub, "%s.offsets[%zu]", jp, k);
                rc = bad(file, sub, "offsets must rise from 0 to the number of values");
            }
        if (!rc && (size_t)o[no - 1] != nv) {
            snprintf(sub, sizeof sub, "%s.offsets[%zu]", jp, no - 1);
            rc = bad(file, sub, "the last offset is not the number of values");
        }
        if (!rc && !(f->cat_names[jj] = calloc(no - 1, sizeof **f->cat_names)))
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        for (size_t k = 0; !rc && k + 1 < no; k++) {
            size_t len = (size_t)(o[k + 1] - o[k]);
            char *sname = malloc(len + 1);
            if (!sname) {
                rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
                break;
            }
            for (size_t c = 0; c < len; c++) sname[c] = (char)(unsigned char)(bytes[(size_t)o[k] + c] & 0xff);
            sname[len] = '\0';
            f->cat_names[jj][k] = sname;
            f->n_cat_names[jj] = k + 1;
        }
        free(o);
        if (rc) return rc;
    }
    return VIGIL_OK;
}

/* A feature is categorical ("c" in feature_types, or, in a file without feature_types, split
 * categorically somewhere) and then every split on it is categorical; the others numeric. */
static int check_feature_kinds(const char *file, const cJSON *learner, vigil_model *m, const cJSON *trees)
{
    vigil_forest *f = &m->forest;
    const cJSON *ft = get(learner, "feature_types");
    int typed = cJSON_IsArray(ft) && cJSON_GetArraySize(ft) > 0;
    size_t T = (size_t)cJSON_GetArraySize(trees);
    if (!typed)
        for (size_t k = 0; k < (size_t)f->tree_begin[T]; k++)
            if (f->left[k] >= 0 && f->cat_begin[k] >= 0) f->feature_cat[f->feature[k]] = 1;
    for (size_t t = 0; t < T; t++)
        for (int32_t k = f->tree_begin[t]; k < f->tree_begin[t + 1]; k++) {
            if (f->left[k] < 0) continue;
            int cat = f->cat_begin[k] >= 0;
            if (cat == f->feature_cat[f->feature[k]]) continue;
            char jp[128], mm[260];
            snprintf(jp, sizeof jp, "$.learner.gradient_booster.model.trees[%zu].split_type[%d]", t,
                     k - f->tree_begin[t]);
            snprintf(mm, sizeof mm, cat ? "a categorical split on feature %d ('%s'), which "
                     "$.learner.feature_types marks numeric" : "a numeric split on feature %d ('%s'), "
                     "which %s categorical", f->feature[k], m->feature_names[f->feature[k]],
                     typed ? "$.learner.feature_types marks" : "other splits treat as");
            return bad(file, jp, mm);
        }
    return VIGIL_OK;
}

int vigil_xgboost_parse(vigil_model *m, const char *file, const cJSON *root)
{
    vigil_forest *f = &m->forest;
    const cJSON *learner = get(root, "learner");
    const cJSON *lmp = get(learner, "learner_model_param");
    const cJSON *gb = get(learner, "gradient_booster");
    const cJSON *obj = get(get(learner, "objective"), "name");
    const cJSON *gbname = get(gb, "name");
    int rc;
    char jp[160];
    if (!cJSON_IsObject(lmp)) return bad(file, "$.learner.learner_model_param", "missing");
    if (!cJSON_IsString(obj)) return bad(file, "$.learner.objective.name", "missing");
    if (!cJSON_IsString(gbname) || strcmp(gbname->valuestring, "gbtree") != 0)
        return vigil_error_set(VIGIL_EINVAL, "%s: $.learner.gradient_booster.name: booster '%s' is not "
                               "supported (gbtree only; dart and gblinear are refused rather than "
                               "scored differently from XGBoost)", file,
                               cJSON_IsString(gbname) ? gbname->valuestring : "?");
    if ((rc = refuse_multi_target(file, lmp, get(get(gb, "model"), "trees"))) != 0) return rc;
    if ((rc = parse_objective(file, obj->valuestring, &f->objective)) != 0) return rc;
    double nf, nc = 0;
    if (num_field(get(lmp, "num_feature"), 0, &nf) || nf < 1 || nf != floor(nf) || nf > 1e7)
        return bad(file, "$.learner.learner_model_param.num_feature", "expected a positive whole number");
    if (get(lmp, "num_class") && (num_field(get(lmp, "num_class"), 0, &nc) || nc < 0 || nc != floor(nc) || nc > 1e5))
        return bad(file, "$.learner.learner_model_param.num_class", "expected a whole number");
    int multi = f->objective == VIGIL_OBJ_MULTI_SOFTPROB;
    if (multi && nc < 2) return bad(file, "$.learner.learner_model_param.num_class", "a multi-class objective needs num_class >= 2");
    f->n_features = (size_t)nf;
    f->n_groups = multi ? (size_t)nc : 1;

    /* base_score: one value, or one per class. */
    const cJSON *bs = get(lmp, "base_score");
    if (!(f->base_margin = calloc(f->n_groups, sizeof *f->base_margin))) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    size_t nbs = list_len(bs);
    for (size_t g = 0; g < f->n_groups; g++) {
        double b;
        if (num_field(bs, nbs == 1 ? 0 : g, &b) || !isfinite(b) || (nbs != 1 && nbs != f->n_groups))
            return bad(file, "$.learner.learner_model_param.base_score", "expected a number, or one per class");
        if (f->objective == VIGIL_OBJ_BINARY_LOGISTIC || f->objective == VIGIL_OBJ_REG_LOGISTIC) {
            if (!(b > 0 && b < 1)) return bad(file, "$.learner.learner_model_param.base_score", "a logistic objective needs base_score in (0, 1)");
            /* ProbToMargin in float, as XGBoost keeps base_score. */
            float bf = (float)b;
            b = -logf(1.0f / bf - 1.0f);
        }
        f->base_margin[g] = b;
    }

    /* Feature names, if any; else f0, f1, ... as XGBoost names them. */
    m->n_features = f->n_features;
    if (!(m->feature_names = calloc(f->n_features, sizeof *m->feature_names))) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    const cJSON *fn = get(learner, "feature_names");
    if (cJSON_IsArray(fn) && cJSON_GetArraySize(fn) > 0) {
        if ((size_t)cJSON_GetArraySize(fn) != f->n_features)
            return bad(file, "$.learner.feature_names", "the number of names differs from num_feature");
        size_t j = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, fn)
        {
            if (!cJSON_IsString(e)) return bad(file, "$.learner.feature_names", "expected strings");
            if (!(m->feature_names[j++] = vigil_strdup(e->valuestring))) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
        }
    } else {
        for (size_t j = 0; j < f->n_features; j++) {
            char b[32];
            snprintf(b, sizeof b, "f%zu", j);
            if (!(m->feature_names[j] = vigil_strdup(b))) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
        }
    }
    f->feature_names = m->feature_names;
    if ((rc = parse_feature_types(file, learner, f)) != 0) return rc;

    const cJSON *model = get(gb, "model");
    const cJSON *trees = get(model, "trees"), *info = get(model, "tree_info");
    if (!cJSON_IsArray(trees)) return bad(file, "$.learner.gradient_booster.model.trees", "missing");
    size_t T = (size_t)cJSON_GetArraySize(trees);
    if (!cJSON_IsArray(info) || (size_t)cJSON_GetArraySize(info) != T)
        return bad(file, "$.learner.gradient_booster.model.tree_info", "expected one class index per tree");
    f->n_trees = T;
    f->tree_begin = calloc(T + 1, sizeof *f->tree_begin);
    f->tree_group = calloc(T ? T : 1, sizeof *f->tree_group);
    f->max_depth = calloc(T ? T : 1, sizeof *f->max_depth);
    if (!f->tree_begin || !f->tree_group || !f->max_depth) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    if ((rc = int_array(file, "$.learner.gradient_booster.model.tree_info", info, T, f->tree_group)) != 0) return rc;
    size_t total = 0, t = 0;
    const cJSON *tr;
    cJSON_ArrayForEach(tr, trees)
    {
        snprintf(jp, sizeof jp, "$.learner.gradient_booster.model.trees[%zu].left_children", t);
        const cJSON *lc = get(tr, "left_children");
        if (!cJSON_IsArray(lc) || cJSON_GetArraySize(lc) < 1) return bad(file, jp, "missing or empty");
        if ((size_t)f->tree_group[t] >= f->n_groups || f->tree_group[t] < 0) {
            snprintf(jp, sizeof jp, "$.learner.gradient_booster.model.tree_info[%zu]", t);
            return bad(file, jp, "class index out of range");
        }
        f->tree_begin[t] = (int32_t)total;
        total += (size_t)cJSON_GetArraySize(lc);
        if (total > 0x7fffffff) return bad(file, jp, "too many nodes");
        t++;
    }
    f->tree_begin[T] = (int32_t)total;
    f->n_nodes = total;
    size_t N = total ? total : 1;
    f->left = malloc(N * sizeof *f->left), f->right = malloc(N * sizeof *f->right);
    f->feature = malloc(N * sizeof *f->feature), f->threshold = malloc(N * sizeof *f->threshold);
    f->default_left = malloc(N), f->leaf = malloc(N * sizeof *f->leaf), f->cover = malloc(N * sizeof *f->cover);
    f->cat_begin = malloc(N * sizeof *f->cat_begin), f->cat_words = malloc(N * sizeof *f->cat_words);
    size_t cat_cap = 0;
    int32_t *dl = malloc(N * sizeof *dl), *st = malloc(N * sizeof *st);
    double *cond = malloc(N * sizeof *cond);
    if (!f->left || !f->right || !f->feature || !f->threshold || !f->default_left || !f->leaf ||
        !f->cover || !f->cat_begin || !f->cat_words || !dl || !st || !cond) {
        free(dl), free(st), free(cond);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    t = 0;
    rc = VIGIL_OK;
    cJSON_ArrayForEach(tr, trees)
    {
        size_t b = (size_t)f->tree_begin[t], n = (size_t)(f->tree_begin[t + 1] - f->tree_begin[t]);
        char base[96];
        snprintf(base, sizeof base, "$.learner.gradient_booster.model.trees[%zu]", t);
#define FIELD(name) (snprintf(jp, sizeof jp, "%s.%s", base, name), jp)
        if ((rc = int_array(file, FIELD("left_children"), get(tr, "left_children"), n, f->left + b)) ||
            (rc = int_array(file, FIELD("right_children"), get(tr, "right_children"), n, f->right + b)) ||
            (rc = int_array(file, FIELD("split_indices"), get(tr, "split_indices"), n, f->feature + b)) ||
            (rc = int_array(file, FIELD("default_left"), get(tr, "default_left"), n, dl + b)) ||
            (rc = real_array(file, FIELD("split_conditions"), get(tr, "split_conditions"), n, cond + b, 1)) ||
            (rc = real_array(file, FIELD("sum_hessian"), get(tr, "sum_hessian"), n, f->cover + b, 0)))
            break;
        const cJSON *stype = get(tr, "split_type");
        if (stype && (rc = int_array(file, FIELD("split_type"), stype, n, st + b)) != 0) break;
        if ((rc = check_tree(file, t, f->left + b, f->right + b, n, &f->max_depth[t])) != 0) break;
        if ((rc = parse_tree_cats(file, base, tr, b, n, stype ? st : NULL, f, &cat_cap)) != 0) break;
        for (size_t i = 0; i < n; i++) {
            size_t k = b + i;
            int leaf = f->left[k] < 0, cat = !leaf && f->cat_begin[k] >= 0;
            /* a categorical split's condition is unused (1.7 and 2.1 write NaN there) */
            if (!cat && !isfinite(cond[k])) {
                snprintf(jp, sizeof jp, "%s.split_conditions[%zu]", base, i);
                rc = bad(file, jp, isnan(cond[k]) ? (leaf ? "leaf value is a bare NaN (not JSON; only a "
                                                    "categorical split's condition may be NaN)"
                                                  : "threshold is a bare NaN (not JSON; only a categorical "
                                                    "split's condition may be NaN)")
                                   : leaf ? "leaf value is not a finite number"
                                          : "threshold is not a finite number (NaN or infinite)");
                break;
            }
            if (!leaf && (f->feature[k] < 0 || (size_t)f->feature[k] >= f->n_features)) {
                snprintf(jp, sizeof jp, "%s.split_indices[%zu]", base, i);
                char mm[96];
                snprintf(mm, sizeof mm, "feature %d out of range (num_feature is %zu)", f->feature[k], f->n_features);
                rc = bad(file, jp, mm);
                break;
            }
            /* Children become absolute indices into the shared arrays. */
            if (!leaf) f->left[k] += (int32_t)b, f->right[k] += (int32_t)b;
            else f->left[k] = f->right[k] = -1, f->feature[k] = -1;
            f->default_left[k] = (uint8_t)(dl[k] != 0);
            f->threshold[k] = leaf || cat ? 0.0f : (float)cond[k];
            f->leaf[k] = leaf ? (float)cond[k] : 0.0f;
        }
        if (rc) break;
#undef FIELD
        t++;
    }
    free(dl), free(st), free(cond);
    if (rc) return rc;
    if ((rc = check_feature_kinds(file, learner, m, trees)) != 0) return rc;
    if ((rc = parse_cat_names(file, model, f)) != 0) return rc;
    m->n_outputs = f->n_groups;
    const cJSON *ver = get(root, "version");
    if (cJSON_IsArray(ver) && cJSON_GetArraySize(ver) == 3)
        snprintf(f->version, sizeof f->version, " %d.%d.%d", cJSON_GetArrayItem(ver, 0)->valueint,
                 cJSON_GetArrayItem(ver, 1)->valueint, cJSON_GetArrayItem(ver, 2)->valueint);
    snprintf(f->objective_name, sizeof f->objective_name, "%s", obj->valuestring);
    f->n_trees_all = T, f->n_nodes_all = total;
    if ((rc = parse_best_iteration(file, learner, model, f)) != 0) return rc;
    return vigil_xgboost_use_trees(m, 0);
}

/* Early stopping: XGBClassifier/XGBRegressor.fit(early_stopping_rounds=...) keeps every tree
 * and writes learner.attributes.best_iteration ("12", a string; 1.7 adds best_ntree_limit, and
 * its xgb.train writes both, for the last round, without early stopping too).
 * The sklearn wrapper's predict/predict_proba then score iteration_range (0, best_iteration+1):
 * the trees of rounds 0..best_iteration. A round is iteration_indptr[i]..[i+1] where the file
 * has it (2.x, 3.x), else num_parallel_tree trees per class (1.7's layout). */
static int parse_best_iteration(const char *file, const cJSON *learner, const cJSON *model, vigil_forest *f)
{
    const char *jp = "$.learner.attributes.best_iteration";
    const cJSON *bi = get(get(learner, "attributes"), "best_iteration");
    f->best_iteration = -1;
    f->n_trees_best = f->n_trees_all;
    if (!bi) return VIGIL_OK;
    double b;
    if (num_field(bi, 0, &b) || !(b >= 0) || b != floor(b) || b > 1e9)
        return bad(file, jp, "expected a whole number >= 0 (the round early stopping kept)");
    size_t rounds = (size_t)b + 1, used;
    const cJSON *indptr = get(model, "iteration_indptr");
    if (cJSON_IsArray(indptr)) {
        const cJSON *e = cJSON_GetArrayItem(indptr, (int)rounds);
        if ((size_t)cJSON_GetArraySize(indptr) <= rounds || !cJSON_IsNumber(e) || e->valuedouble < 0 ||
            e->valuedouble != floor(e->valuedouble)) {
            char m[160];
            snprintf(m, sizeof m, "best_iteration %.0f is beyond the %d rounds of "
                     "$.learner.gradient_booster.model.iteration_indptr", b, cJSON_GetArraySize(indptr) - 1);
            return bad(file, jp, m);
        }
        used = (size_t)e->valuedouble;
    } else {
        double npt = 1;
        const cJSON *np = get(get(model, "gbtree_model_param"), "num_parallel_tree");
        if (np && (num_field(np, 0, &npt) || npt < 1 || npt != floor(npt) || npt > 1e6))
            return bad(file, "$.learner.gradient_booster.model.gbtree_model_param.num_parallel_tree",
                       "expected a whole number >= 1");
        used = rounds * (size_t)npt * f->n_groups;
    }
    if (used == 0 || used > f->n_trees_all) {
        char m[200];
        snprintf(m, sizeof m, "best_iteration %.0f needs the first %zu trees, the file has %zu "
                 "(a truncated or edited model)", b, used, f->n_trees_all);
        return bad(file, jp, m);
    }
    f->best_iteration = (long)b;
    f->n_trees_best = used;
    return VIGIL_OK;
}

int vigil_xgboost_use_trees(vigil_model *m, int all)
{
    vigil_forest *f = &m->forest;
    f->n_trees = all ? f->n_trees_all : f->n_trees_best;
    f->n_nodes = (size_t)f->tree_begin[f->n_trees];
    int32_t md = 0;
    for (size_t i = 0; i < f->n_trees; i++) md = f->max_depth[i] > md ? f->max_depth[i] : md;
    char used[160] = "";
    /* 1.7's xgb.train writes best_iteration (the last round) without early stopping too: the
     * description names it only where it leaves trees out. */
    if (f->n_trees_best < f->n_trees_all && !all)
        snprintf(used, sizeof used, "%zu of %zu trees (best_iteration %ld, as XGBoost's sklearn "
                 "predict uses)", f->n_trees, f->n_trees_all, f->best_iteration);
    else if (f->n_trees_best < f->n_trees_all)
        snprintf(used, sizeof used, "all %zu trees (--all-trees: best_iteration %ld not applied)",
                 f->n_trees, f->best_iteration);
    else
        snprintf(used, sizeof used, "%zu trees", f->n_trees);
    char d[400], cats[64] = "";
    size_t n_cf = 0;
    for (size_t j = 0; j < f->n_features; j++) n_cf += f->feature_cat[j];
    if (f->n_cat_nodes)
        snprintf(cats, sizeof cats, ", %zu categorical splits on %zu features", f->n_cat_nodes, n_cf);
    snprintf(d, sizeof d, "xgboost%s %s, %s, depth <= %d, %zu features%s%s", f->version, f->objective_name,
             used, md, f->n_features, f->n_groups > 1 ? ", multi-class" : "", cats);
    char *s = vigil_strdup(d);
    if (!s) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    free(m->describe);
    m->describe = s;
    return VIGIL_OK;
}

void vigil_forest_clear(vigil_forest *f)
{
    free(f->tree_begin), free(f->tree_group), free(f->max_depth), free(f->left), free(f->right);
    free(f->feature), free(f->threshold), free(f->default_left), free(f->leaf), free(f->cover);
    free(f->base_margin);
    free(f->cat_begin), free(f->cat_words), free(f->cat_bits), free(f->feature_cat);
    for (size_t j = 0; f->cat_names && j < f->n_features; j++) {
        for (size_t k = 0; f->cat_names[j] && k < f->n_cat_names[j]; k++) free(f->cat_names[j][k]);
        free(f->cat_names[j]);
    }
    free(f->cat_names), free(f->n_cat_names);
    memset(f, 0, sizeof *f);
}
