/* SHAP attributions against their peers (tests/reference/shap_ref.py, kernel_ref.py):
 *  - trees: XGBoost 1.7.4 predict(pred_contribs=True) (Debian python3-xgboost) on generated
 *    models of depth 1-10 and 1-1000 trees with missing values, binary / regression /
 *    multi-class, and the bundled models: |vigil - xgboost| <= 1e-5 for every value, through the
 *    leaf-table path, the direct path and the automatic choice, on 1 and on all threads; the two
 *    paths agree to 1e-9 with each other (both are double precision); base + sum = margin.
 *  - linear: the exact formula (numpy); MLP: brute-force Shapley values (numpy) and shap 0.49.1
 *    KernelExplainer (PyPI), <= 1e-8; an MLP that is linear gives the linear formula.
 *  - global importance and its small-cell suppression; the errors. */
#include "testutil.h"

#ifdef VIGIL_HAVE_CUDA
#include "backend/cuda/cuda.h" /* the chunk-size test hook */
#endif
#include "vigil/error.h"
#include "vigil/explain.h"
#include "vigil/model.h"
#include "vigil/table.h"
#include "model/model_internal.h"

#include <unistd.h>

/* The margin of a tree model summed in DOUBLE (the inference core sums in float32, as XGBoost
 * does; over 1,000 trees that rounding alone reaches 1e-5). Walks the flat forest. */
static void margin_double(const vigil_model *m, const float *X, size_t n, double *out)
{
    const vigil_forest *f = &m->forest;
    for (size_t i = 0; i < n; i++) {
        for (size_t g = 0; g < f->n_groups; g++) out[i * f->n_groups + g] = f->base_margin[g];
        for (size_t t = 0; t < f->n_trees; t++) {
            int32_t k = f->tree_begin[t];
            while (f->left[k] >= 0) k = vigil_forest_next(f, k, X[i * f->n_features + (size_t)f->feature[k]]);
            out[i * f->n_groups + (size_t)f->tree_group[t]] += f->leaf[k];
        }
    }
}

typedef struct {
    vigil_model *m;
    vigil_table *t, *e, *bt;
    float *X, *B;
    size_t n, F, K, nb;
} fixture;

static void load(fixture *fx, const char *model, const char *data, const char *expected, const char *bg)
{
    memset(fx, 0, sizeof *fx);
    if (vigil_model_load(&fx->m, model) != 0) {
        print_error("%s: %s\n", model, vigil_error_last());
        fail();
    }
    assert_int_equal(vigil_table_read_csv(&fx->t, data, NULL), 0);
    assert_int_equal(vigil_model_bind(fx->m, fx->t, &fx->X), 0);
    fx->n = vigil_table_nrows(fx->t);
    fx->F = vigil_model_n_features(fx->m);
    fx->K = vigil_model_n_outputs(fx->m);
    if (expected) {
        assert_int_equal(vigil_table_read_csv(&fx->e, expected, NULL), 0);
        assert_int_equal(vigil_table_nrows(fx->e), fx->n);
        assert_int_equal(vigil_table_ncols(fx->e), fx->K * (fx->F + 1));
    }
    if (bg) {
        assert_int_equal(vigil_table_read_csv(&fx->bt, bg, NULL), 0);
        assert_int_equal(vigil_model_bind(fx->m, fx->bt, &fx->B), 0);
        fx->nb = vigil_table_nrows(fx->bt);
    }
}

static void unload(fixture *fx)
{
    free(fx->X), free(fx->B);
    vigil_table_free(fx->t), vigil_table_free(fx->e), vigil_table_free(fx->bt);
    vigil_model_free(fx->m);
}

static double *explain(fixture *fx, vigil_treeshap_mode mode, int threads, vigil_backend_kind backend)
{
    double *phi = malloc(fx->n * fx->K * (fx->F + 1) * sizeof *phi);
    assert_non_null(phi);
    vigil_explain_options o;
    vigil_explain_options_default(&o);
    o.tree_mode = mode, o.threads = threads, o.backend = backend;
    o.background = fx->B, o.n_background = fx->nb;
    if (vigil_explain(fx->m, fx->X, fx->n, &o, phi) != 0) {
        print_error("explain: %s\n", vigil_error_last());
        fail();
    }
    if (backend == VIGIL_BACKEND_CUDA) assert_int_equal(o.used, VIGIL_BACKEND_CUDA);
    return phi;
}

/* Largest |phi - expected column|. */
static double worst_vs(const fixture *fx, const double *phi)
{
    size_t W = fx->K * (fx->F + 1);
    double w = 0;
    for (size_t c = 0; c < W; c++) {
        const double *e = vigil_table_numeric(fx->e, c);
        for (size_t i = 0; i < fx->n; i++) {
            double d = fabs(phi[i * W + c] - e[i]);
            if (!(d <= w)) w = d;
        }
    }
    return w;
}

static double worst_completeness(fixture *fx, const double *phi)
{
    size_t W = fx->K * (fx->F + 1);
    double *s = malloc(fx->n * fx->K * sizeof *s), *mg = malloc(fx->n * fx->K * sizeof *mg), w = 0;
    vigil_backend_options bo = {VIGIL_BACKEND_CPU, 1};
    if (vigil_model_kind_of(fx->m) == VIGIL_MODEL_TREES) margin_double(fx->m, fx->X, fx->n, mg);
    else assert_int_equal(vigil_model_predict(fx->m, fx->X, fx->n, &bo, s, mg, NULL), 0);
    for (size_t i = 0; i < fx->n; i++)
        for (size_t k = 0; k < fx->K; k++) {
            double sum = 0;
            for (size_t j = 0; j <= fx->F; j++) sum += phi[i * W + k * (fx->F + 1) + j];
            double d = fabs(sum - mg[i * fx->K + k]);
            if (!(d <= w)) w = d;
        }
    free(s), free(mg);
    return w;
}

static double worst_between(const double *a, const double *b, size_t n)
{
    double w = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs(a[i] - b[i]);
        if (!(d <= w)) w = d;
    }
    return w;
}

static const char *str(const cJSON *c, const char *k)
{
    const cJSON *v = cJSON_GetObjectItem(c, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void test_trees_vs_xgboost(void **state)
{
    (void)state;
    /* XGBoost 1.7.4 (Debian) on 15 models, then 2.1.4, 3.0.5 and 3.1.3 (PyPI) on 10 of their own
     * files, then categorical splits from 1.7.4, 2.1.4 and 3.1.3 (tests/reference/xgb_cat_ref.py:
     * partition and one-hot splits, missing and unseen categories) on 6. */
    cJSON *man = tu_load_json("tests/reference/shap/manifest.json");
    const cJSON *c;
    cJSON *all = cJSON_GetObjectItem(man, "cases");
    static const char *const more_files[] = {"tests/reference/xgb_versions/shap.json",
                                             "tests/reference/xgb_cat/shap.json"};
    for (size_t q = 0; q < 2; q++) {
        cJSON *more = tu_load_json(more_files[q]);
        cJSON_ArrayForEach(c, cJSON_GetObjectItem(more, "cases")) cJSON_AddItemToArray(all, cJSON_Duplicate(c, 1));
        cJSON_Delete(more);
    }
    size_t cases = 0, cat_cases = 0;
    cJSON_ArrayForEach(c, all)
    {
        int cat = strstr(str(c, "name"), "_cat_") != NULL;
        if (strncmp(str(c, "name"), "tree_", 5) != 0 && !cat) continue;
        cat_cases += (size_t)cat;
        fixture fx;
        load(&fx, str(c, "model"), str(c, "data"), str(c, "expected"), NULL);
        size_t N = fx.n * fx.K * (fx.F + 1);
        double *a = explain(&fx, VIGIL_TREESHAP_AUTO, 0, VIGIL_BACKEND_CPU);
        double *t = explain(&fx, VIGIL_TREESHAP_TABLE, 1, VIGIL_BACKEND_CPU);
        double *d = explain(&fx, VIGIL_TREESHAP_DIRECT, 2, VIGIL_BACKEND_CPU);
        double wa = worst_vs(&fx, a), wt = worst_vs(&fx, t), wd = worst_vs(&fx, d);
        double td = worst_between(t, d, N), comp = worst_completeness(&fx, a);
        if (!(wa <= 1e-5 && wt <= 1e-5 && wd <= 1e-5 && td <= 1e-9 && comp <= 1e-5)) {
            print_error("%s: max |vigil - xgboost 1.7.4 pred_contribs| auto %g table %g direct %g (tol 1e-5); "
                        "table vs direct %g (tol 1e-9); |base + sum - margin| %g (tol 1e-5)\n",
                        str(c, "name"), wa, wt, wd, td, comp);
            fail();
        }
        free(a), free(t), free(d);
        unload(&fx);
        cases++;
    }
    assert_true(cases >= 31);
    assert_int_equal(cat_cases, 6);
    cJSON_Delete(man);
}

static void test_dense_models(void **state)
{
    (void)state;
    cJSON *man = tu_load_json("tests/reference/shap/manifest.json");
    const cJSON *c;
    size_t cases = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(man, "cases"))
    {
        if (strncmp(str(c, "name"), "tree_", 5) == 0) continue;
        fixture fx;
        load(&fx, str(c, "model"), str(c, "data"), str(c, "expected"), str(c, "background"));
        double *phi = explain(&fx, VIGIL_TREESHAP_AUTO, 0, VIGIL_BACKEND_AUTO);
        double w = worst_vs(&fx, phi), comp = worst_completeness(&fx, phi);
        if (!(w <= 1e-8 && comp <= 1e-9)) {
            print_error("%s: max |vigil - %s| = %g (tol 1e-8); |base + sum - margin| %g\n", str(c, "name"),
                        str(c, "peer"), w, comp);
            fail();
        }
        if (strcmp(str(c, "name"), "mlp_flchain_mlp") == 0) {
            /* The same attributions from shap 0.49.1 KernelExplainer. */
            vigil_table *k = NULL;
            assert_int_equal(vigil_table_read_csv(&k, "tests/reference/shap/mlp_kernelshap.csv", NULL), 0);
            vigil_table *keep = fx.e;
            fx.e = k;
            double wk = worst_vs(&fx, phi);
            fx.e = keep;
            vigil_table_free(k);
            if (!(wk <= 1e-8)) {
                print_error("bundled MLP: max |vigil - shap KernelExplainer| = %g (tol 1e-8)\n", wk);
                fail();
            }
        }
        free(phi);
        unload(&fx);
        cases++;
    }
    assert_int_equal(cases, 3);
    cJSON_Delete(man);
}

/* Where a CUDA device answers, the kernel equals the CPU (both double precision), in one chunk
 * and across chunk boundaries (chunks of 5 rows here; bench/gpu.sh explains past the real
 * 2^18-row chunk). A failure, not a skip, under VIGIL_TEST_REQUIRE_CUDA without a device. */
static void test_cuda_parity(void **state)
{
    (void)state;
    TU_REQUIRE_CUDA("CPU/CUDA TreeSHAP parity");
    cJSON *man = tu_load_json("tests/reference/shap/manifest.json");
    const cJSON *c;
    /* and the models with categorical splits (tests/reference/xgb_cat_ref.py) */
    cJSON *cat = tu_load_json("tests/reference/xgb_cat/shap.json");
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(cat, "cases"))
        cJSON_AddItemToArray(cJSON_GetObjectItem(man, "cases"), cJSON_Duplicate(c, 1));
    cJSON_Delete(cat);
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(man, "cases"))
    {
        if (strncmp(str(c, "name"), "tree_", 5) != 0 && !strstr(str(c, "name"), "_cat_")) continue;
        fixture fx;
        load(&fx, str(c, "model"), str(c, "data"), NULL, NULL);
        size_t N = fx.n * fx.K * (fx.F + 1);
        for (int mode = VIGIL_TREESHAP_TABLE; mode <= VIGIL_TREESHAP_DIRECT; mode++) {
            double *a = explain(&fx, (vigil_treeshap_mode)mode, 0, VIGIL_BACKEND_CPU);
            for (int chunked = 0; chunked < 2; chunked++) {
#ifdef VIGIL_HAVE_CUDA
                vigil_cuda_test_chunks(0, chunked ? 5 : 0, 0, 0);
#endif
                double *b = explain(&fx, (vigil_treeshap_mode)mode, 0, VIGIL_BACKEND_CUDA);
                double w = worst_between(a, b, N);
                if (!(w <= 1e-9)) {
                    print_error("%s: max |CPU - CUDA| = %g (tol 1e-9, chunked %d)\n", str(c, "name"), w, chunked);
                    fail();
                }
                free(b);
            }
#ifdef VIGIL_HAVE_CUDA
            vigil_cuda_test_chunks(0, 0, 0, 0);
#endif
            free(a);
        }
        unload(&fx);
    }
    cJSON_Delete(man);
}

/* Mean |phi| overall and per level, by hand; a small level is suppressed. */
static void test_importance(void **state)
{
    (void)state;
    const size_t n = 14, F = 2, K = 1;
    double phi[14 * 3];
    double grp[14];
    for (size_t i = 0; i < n; i++) {
        phi[i * 3 + 0] = (i % 2 ? -1.0 : 1.0) * (double)i;
        phi[i * 3 + 1] = 0.5;
        phi[i * 3 + 2] = -3; /* base value: not a feature */
        grp[i] = i < 12 ? 1 : 2;
    }
    vigil_table *t = NULL;
    assert_int_equal(vigil_table_new(&t, n, "test"), 0);
    assert_int_equal(vigil_table_add_numeric(t, "g", grp), 0);
    const char *names[] = {"a", "b"}, *groups[] = {"g"};
    char *js = NULL;
    assert_int_equal(vigil_explain_importance(phi, n, F, K, names, t, groups, 1, 0, &js), 0);
    cJSON *d = cJSON_Parse(js);
    assert_non_null(d);
    const cJSON *gi = cJSON_GetObjectItem(d, "global_importance");
    assert_close(tu_num(gi, "a"), 91.0 / 14.0, 1e-12); /* 0 + 1 + ... + 13 */
    assert_close(tu_num(gi, "b"), 0.5, 1e-12);
    const cJSON *g = cJSON_GetObjectItem(cJSON_GetObjectItem(d, "by_group"), "g");
    assert_close(tu_num(cJSON_GetObjectItem(g, "1"), "a"), 66.0 / 12.0, 1e-12);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(g, "2"), "suppressed")));
    assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(g, "2"), "a"));
    cJSON_Delete(d);
    free(js);
    /* an unknown group column */
    const char *bad[] = {"nope"};
    assert_int_equal(vigil_explain_importance(phi, n, F, K, names, t, bad, 1, 0, &js), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "nope"));
    vigil_table_free(t);
}

static void test_errors(void **state)
{
    (void)state;
    fixture fx;
    /* A background with a missing value. */
    load(&fx, "datasets/models/flchain_mlp.json", "tests/reference/shap/mlp_rows.csv", NULL, NULL);
    float *B = malloc(3 * fx.F * sizeof *B);
    memcpy(B, fx.X, 3 * fx.F * sizeof *B);
    B[fx.F + 2] = NAN;
    double *phi = malloc(fx.n * (fx.F + 1) * sizeof *phi);
    vigil_explain_options o;
    vigil_explain_options_default(&o);
    o.background = B, o.n_background = 3;
    assert_int_equal(vigil_explain(fx.m, fx.X, fx.n, &o, phi), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "background row 2, feature 3"));
    o.n_background = 0;
    assert_int_equal(vigil_explain(fx.m, fx.X, fx.n, &o, phi), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "no rows"));
    free(B), free(phi);
    unload(&fx);

    /* A tree whose root has zero cover: refused, not divided by. */
    cJSON *root = tu_load_json("tests/reference/xgb/d3_t50.json");
    cJSON *trees = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "learner"), "gradient_booster"), "model"),
        "trees");
    cJSON_ReplaceItemInArray(cJSON_GetObjectItem(cJSON_GetArrayItem(trees, 7), "sum_hessian"), 0, cJSON_CreateNumber(0));
    char *text = cJSON_PrintUnformatted(root);
    char path[64];
    tu_temp_file(path, sizeof path, text);
    free(text);
    cJSON_Delete(root);
    vigil_model *m = NULL;
    int rc = vigil_model_load(&m, path);
    unlink(path);
    if (rc == 0) {
        float x[6] = {0, 0, 0, 0, 0, 0};
        double ph[7];
        assert_int_equal(vigil_explain(m, x, 1, NULL, ph), VIGIL_EINVAL);
        assert_non_null(strstr(vigil_error_last(), "tree 7 node 0: cover"));
        vigil_model_free(m);
    } else {
        assert_int_equal(rc, VIGIL_EINVAL); /* the loader refused it already: also fine */
    }

    /* --backend cuda without a device is an input error, not a silent CPU run. */
    if (!vigil_cuda_available()) {
        load(&fx, "datasets/models/flchain_v1.json", "tests/reference/xgb/bundled_flchain_v1.csv", NULL, NULL);
        double *p2 = malloc(fx.n * (fx.F + 1) * sizeof *p2);
        vigil_explain_options_default(&o);
        o.backend = VIGIL_BACKEND_CUDA;
        assert_int_equal(vigil_explain(fx.m, fx.X, fx.n, &o, p2), VIGIL_EINVAL);
        assert_non_null(strstr(vigil_error_last(), vigil_build_has_cuda()
                                                       ? "--backend cuda: no usable CUDA device: "
                                                       : "--backend cuda: this build has no CUDA backend"));
        free(p2);
        unload(&fx);
    }
}

/* ---- KernelSHAP (MLPs beyond VIGIL_EXPLAIN_MLP_EXACT_AUTO features) ----
 * A generated MLP, F inputs, H hidden units with `act`, a sigmoid output; weights from a fixed
 * LCG. Written to a temp file and loaded as any model. */
static double lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(*s >> 11) * 0x1.0p-53 * 2 - 1;
}

static vigil_model *gen_mlp(size_t F, size_t H, const char *act, uint64_t seed)
{
    cJSON *r = cJSON_CreateObject(), *feat = cJSON_AddArrayToObject(r, "features");
    cJSON_AddStringToObject(r, "format", "vigil-mlp");
    cJSON_AddNumberToObject(r, "version", 1);
    char nm[16];
    for (size_t j = 0; j < F; j++) {
        snprintf(nm, sizeof nm, "f%zu", j);
        cJSON_AddItemToArray(feat, cJSON_CreateString(nm));
    }
    cJSON *layers = cJSON_AddArrayToObject(r, "layers");
    size_t in[2] = {F, H}, out[2] = {H, 1};
    const char *acts[2] = {act, "sigmoid"};
    for (int l = 0; l < 2; l++) {
        cJSON *ly = cJSON_CreateObject(), *w = cJSON_AddArrayToObject(ly, "weights"),
              *b = cJSON_AddArrayToObject(ly, "bias");
        for (size_t o = 0; o < out[l]; o++) {
            cJSON *row = cJSON_CreateArray();
            for (size_t i = 0; i < in[l]; i++) cJSON_AddItemToArray(row, cJSON_CreateNumber(lcg(&seed)));
            cJSON_AddItemToArray(w, row);
            cJSON_AddItemToArray(b, cJSON_CreateNumber(0.3 * lcg(&seed)));
        }
        cJSON_AddStringToObject(ly, "activation", acts[l]);
        cJSON_AddItemToArray(layers, ly);
    }
    char *text = cJSON_PrintUnformatted(r), path[64];
    cJSON_Delete(r);
    tu_temp_file(path, sizeof path, text);
    free(text);
    vigil_model *m = NULL;
    assert_int_equal(vigil_model_load(&m, path), 0);
    unlink(path);
    return m;
}

static double *run_mlp(const vigil_model *m, const float *X, size_t n, const float *B, size_t nb,
                       vigil_mlp_method how, int threads, vigil_explain_options *o)
{
    size_t F = vigil_model_n_features(m);
    double *phi = malloc(n * (F + 1) * sizeof *phi);
    vigil_explain_options_default(o);
    o->background = B, o->n_background = nb, o->max_background = nb;
    o->mlp_method = how, o->threads = threads, o->mlp_samples = 4096;
    assert_int_equal(vigil_explain(m, X, n, o, phi), 0);
    return phi;
}

static void test_kernel_shap(void **state)
{
    (void)state;
    uint64_t seed = 99;
    /* 1. An MLP that is linear (identity hidden layer), 24 features: the margin is
     *    c + w.x, and KernelSHAP's least squares fit is exact -- the linear formula
     *    w_j (x_j - mean_j) to 1e-9, whatever coalitions were drawn. */
    size_t F = 24, n = 5, nb = 30;
    vigil_model *lin = gen_mlp(F, 6, "identity", 7);
    float *X = malloc(n * F * sizeof *X), *B = malloc(nb * F * sizeof *B);
    for (size_t i = 0; i < n * F; i++) X[i] = (float)lcg(&seed);
    for (size_t i = 0; i < nb * F; i++) B[i] = (float)lcg(&seed);
    vigil_explain_options o;
    double *phi = run_mlp(lin, X, n, B, nb, VIGIL_MLP_AUTO, 0, &o);
    assert_non_null(strstr(o.method, "KernelSHAP"));
    assert_int_equal(o.samples_used, 4096);
    /* w_eff by differences of the (linear) margin, in double through the model's forward pass */
    double base, probe, sc2, *h = calloc(F, sizeof *h), *mean = calloc(F, sizeof *mean);
    double *scr = malloc(vigil_mlp_scratch(&lin->mlp, F) * sizeof *scr);
    float *xf = NULL;
    for (size_t b = 0; b < nb; b++)
        for (size_t j = 0; j < F; j++) mean[j] += (double)B[b * F + j] / (double)nb;
    double *mg = malloc(F * sizeof *mg);
    vigil_mlp_forward(&lin->mlp, h, F, scr, &base, &sc2);
    for (size_t j = 0; j < F; j++) {
        h[j] = 1;
        vigil_mlp_forward(&lin->mlp, h, F, scr, &probe, &sc2);
        mg[j] = probe - base;
        h[j] = 0;
    }
    free(scr);
    double worst = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < F; j++) {
            double want = mg[j] * ((double)X[i * F + j] - mean[j]), e = fabs(phi[i * (F + 1) + j] - want);
            if (e > worst) worst = e;
        }
    if (worst > 1e-6) fail_msg("linear MLP, KernelSHAP vs w_j (x_j - mean_j): %g", worst);
    free(phi);
    vigil_model_free(lin);
    free(X), free(B), free(h), free(mean), free(xf), free(mg);

    /* 2. A nonlinear MLP (tanh), 14 features: KernelSHAP (auto, 4096 coalitions) against the
     *    exact enumeration (2^14 coalitions): every value within 5 of its reported standard
     *    errors (the largest), and that error is small. */
    F = 14, n = 4, nb = 12;
    vigil_model *nl = gen_mlp(F, 8, "tanh", 11);
    X = malloc(n * F * sizeof *X), B = malloc(nb * F * sizeof *B);
    for (size_t i = 0; i < n * F; i++) X[i] = (float)(1.5 * lcg(&seed));
    for (size_t i = 0; i < nb * F; i++) B[i] = (float)(1.5 * lcg(&seed));
    vigil_explain_options oe, ok1, ok2;
    double *ex = run_mlp(nl, X, n, B, nb, VIGIL_MLP_EXACT, 0, &oe);
    double *k1 = run_mlp(nl, X, n, B, nb, VIGIL_MLP_AUTO, 1, &ok1);
    double *k2 = run_mlp(nl, X, n, B, nb, VIGIL_MLP_KERNEL, 2, &ok2);
    assert_true(ok1.max_se > 0 && ok1.max_se < 0.02);
    worst = 0;
    for (size_t e = 0; e < n * (F + 1); e++) {
        if (fabs(k1[e] - ex[e]) > worst) worst = fabs(k1[e] - ex[e]);
        if (k1[e] != k2[e]) fail_msg("KernelSHAP differs between 1 and 2 threads at %zu", e);
    }
    print_message("KernelSHAP vs exact, 14 features: max |diff| %.3g, max standard error %.3g\n", worst, ok1.max_se);
    if (worst > 5 * ok1.max_se) fail_msg("KernelSHAP vs exact: %g > 5 x %g", worst, ok1.max_se);
    free(ex), free(k1), free(k2);

    /* 3. exact asked beyond its limit: refused with the way out */
    vigil_model *big = gen_mlp(21, 3, "relu", 5);
    float x21[21] = {0};
    double ph[22];
    vigil_explain_options ob;
    vigil_explain_options_default(&ob);
    ob.mlp_method = VIGIL_MLP_EXACT;
    ob.background = x21, ob.n_background = 1;
    assert_int_equal(vigil_explain(big, x21, 1, &ob, ph), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "--mlp-method kernel"));
    vigil_model_free(big);
    vigil_model_free(nl);
    free(X), free(B);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trees_vs_xgboost), cmocka_unit_test(test_dense_models),
        cmocka_unit_test(test_cuda_parity),      cmocka_unit_test(test_importance),
        cmocka_unit_test(test_errors), cmocka_unit_test(test_kernel_shap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
