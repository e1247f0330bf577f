/* The backend seam (src/backend/backend.c): the registry, the one selection rule, the one
 * fallback rule and the per-model state. A fake backend, put first in the registry through the
 * test hook, stands in for a device this machine may not have: it claims to be CUDA, has only
 * the ops a case gives it, and can be told to fail. The numbers it must reproduce come from the
 * CPU backend, whose own goldens are checked in test_model.c, test_explain.c and test_drift.c. */
#include "testutil.h"

#include "backend/backend_impl.h"
#include "stats/metrics_report.h"
#include "vigil/error.h"
#include "vigil/explain.h"
#include "vigil/model.h"
#include "vigil/table.h"

/* ---- a fake backend ---- */

static int fake_up = 1, fake_fail = 0, fake_prepared = 0, fake_released = 0, fake_ran = 0, fake_probed = 0;

static int fake_available(char *why, size_t cap)
{
    fake_probed++;
    if (!fake_up) snprintf(why, cap, "the fake device is unplugged");
    return fake_up;
}

static int fake_prepare(const vigil_model *m, void **state)
{
    fake_prepared++;
    return vigil_backend_cpu.prepare(m, state);
}

static void fake_release(void *state)
{
    fake_released++;
    vigil_backend_cpu.release(state);
}

static int fake_trees(const vigil_model *m, void *state, const float *X, size_t n, int threads, float *mg)
{
    fake_ran++;
    if (fake_fail) return vigil_error_set(VIGIL_EBACKEND, "fake device lost");
    return vigil_backend_cpu.predict_trees(m, state, X, n, threads, mg);
}

static int fake_treeshap(const ts_prepared *p, const float *X, size_t n, int threads, double *phi)
{
    fake_ran++;
    if (fake_fail) return vigil_error_set(VIGIL_EBACKEND, "fake device lost");
    return vigil_backend_cpu.treeshap(p, X, n, threads, phi);
}

static int fake_mmd(const vigil_mmd_job *job, double *stat, double *p, double *bw)
{
    fake_ran++;
    if (fake_fail) return vigil_error_set(VIGIL_EBACKEND, "fake device lost");
    *stat = 42, *p = 0.5; /* unmistakably the fake's */
    return job->bandwidth > 0 ? (*bw = job->bandwidth, VIGIL_OK) : vigil_mmd_median_bandwidth(job->z, job->N, job->d, bw);
}

/* the bootstrap: the CPU's replicates (the same numbers), counted as the fake's */
static int fake_bootstrap(vigil_boot_job *job)
{
    fake_ran++;
    if (fake_fail) return vigil_error_set(VIGIL_EBACKEND, "fake device lost");
    return vigil_stats_bootstrap_cpu(job);
}

static const vigil_backend_i fake = {
    .name = "fake",
    .kind = VIGIL_BACKEND_CUDA,
    .available = fake_available,
    .prepare = fake_prepare,
    .release = fake_release,
    .predict_trees = fake_trees,
    .treeshap = fake_treeshap,
    .mmd = fake_mmd,
    .bootstrap = fake_bootstrap,
};

/* the fake again, with AUTO thresholds: scoring from 1,000 rows x trees per CPU thread */
static const vigil_backend_i fake_sized = {
    .name = "fake",
    .kind = VIGIL_BACKEND_CUDA,
    .available = fake_available,
    .min_work = {[VIGIL_OP_PREDICT_TREES] = 1000},
    .prepare = fake_prepare,
    .release = fake_release,
    .predict_trees = fake_trees,
};

static void fake_reset(void)
{
    fake_up = 1, fake_fail = 0, fake_prepared = fake_released = fake_ran = fake_probed = 0;
}

static char warned[1024];
static int n_warned;

static void on_warn(const char *msg, void *ctx)
{
    (void)ctx;
    snprintf(warned, sizeof warned, "%s", msg);
    n_warned++;
}

static int setup(void **state)
{
    (void)state;
    fake_reset();
    warned[0] = '\0', n_warned = 0;
    vigil_warn_set_handler(on_warn, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vigil_backend_test_inject(NULL);
    vigil_warn_set_handler(NULL, NULL);
    return 0;
}

/* Without a device: the build's one message (with CUDA built in, the runtime's own reason
 * follows the prefix and the advice ends it). */
static void assert_no_cuda_message(const char *msg)
{
    if (!vigil_build_has_cuda()) {
        assert_string_equal(msg, "--backend cuda: this build has no CUDA backend (it was built with CUDA=0)");
        return;
    }
    const char *pre = "--backend cuda: no usable CUDA device: ", *post = " (use --backend auto or cpu)";
    size_t n = strlen(msg);
    if (strncmp(msg, pre, strlen(pre)) != 0 || n < strlen(post) || strcmp(msg + n - strlen(post), post) != 0)
        fail_msg("unexpected message: %s", msg);
}

/* ---- the registry ---- */

static void test_registry(void **state)
{
    (void)state;
    size_t n = vigil_backend_count();
    assert_true(n >= 1);
    const vigil_backend_i *last = vigil_backend_at(n - 1);
    assert_ptr_equal(last, &vigil_backend_cpu);
    assert_string_equal(last->name, "cpu");
    assert_int_equal(last->kind, VIGIL_BACKEND_CPU);
    assert_null(vigil_backend_at(n));
    /* the CPU is every op's fallback: it must have them all */
    assert_non_null(last->predict_trees);
    assert_non_null(last->predict_linear);
    assert_non_null(last->predict_mlp);
    assert_non_null(last->treeshap);
    assert_non_null(last->mmd);
    int cuda = 0;
    for (size_t i = 0; i < n; i++) {
        assert_non_null(vigil_backend_at(i)->name);
        if (vigil_backend_at(i)->kind == VIGIL_BACKEND_CUDA) {
            assert_string_equal(vigil_backend_at(i)->name, "cuda");
            assert_true(i < n - 1);
            cuda++;
        }
    }
    assert_int_equal(cuda, vigil_build_has_cuda());
    assert_int_equal(n, 1 + (size_t)vigil_build_has_cuda());
    assert_int_equal(vigil_backend_build_has(VIGIL_BACKEND_CUDA), vigil_build_has_cuda());
    assert_true(vigil_backend_build_has(VIGIL_BACKEND_CPU) && vigil_backend_available(VIGIL_BACKEND_CPU));
    /* the hook puts a backend first, and takes it out again */
    vigil_backend_test_inject(&fake);
    assert_int_equal(vigil_backend_count(), n + 1);
    assert_ptr_equal(vigil_backend_at(0), &fake);
    assert_ptr_equal(vigil_backend_at(n), &vigil_backend_cpu);
    vigil_backend_test_inject(NULL);
    assert_int_equal(vigil_backend_count(), n);
}

/* ---- the one selection rule ---- */

static void test_select(void **state)
{
    (void)state;
    const vigil_backend_i *b = NULL;
    assert_int_equal(vigil_backend_select(&b, VIGIL_BACKEND_CPU, VIGIL_OP_PREDICT_TREES, 1e30), VIGIL_OK);
    assert_ptr_equal(b, &vigil_backend_cpu);
    if (!vigil_cuda_available()) {
        /* AUTO without a device: the CPU, for every op */
        for (int op = VIGIL_OP_PREDICT_TREES; op < VIGIL_OP_COUNT; op++) {
            assert_int_equal(vigil_backend_select(&b, VIGIL_BACKEND_AUTO, (vigil_backend_op)op, 1e30), VIGIL_OK);
            assert_ptr_equal(b, &vigil_backend_cpu);
        }
        /* an explicit request without a device: one code, one message, for every op */
        for (int op = VIGIL_OP_PREDICT_TREES; op < VIGIL_OP_COUNT; op++) {
            assert_int_equal(vigil_backend_select(&b, VIGIL_BACKEND_CUDA, (vigil_backend_op)op, 1e30), VIGIL_EINVAL);
            assert_no_cuda_message(vigil_error_last());
        }
        assert_int_equal(vigil_backend_check(VIGIL_BACKEND_CUDA), VIGIL_EINVAL);
        assert_no_cuda_message(vigil_error_last());
    } else {
        fprintf(stderr, "SKIP: a CUDA device answers: the no-device cases are checked with the fake only\n");
    }
    assert_int_equal(vigil_backend_check(VIGIL_BACKEND_AUTO), VIGIL_OK);
    assert_int_equal(vigil_backend_check(VIGIL_BACKEND_CPU), VIGIL_OK);

    vigil_backend_test_inject(&fake);
    /* AUTO: the first available backend that has the op ... */
    assert_int_equal(vigil_backend_select(&b, VIGIL_BACKEND_AUTO, VIGIL_OP_MMD, 1e30), VIGIL_OK);
    assert_ptr_equal(b, &fake);
    assert_int_equal(vigil_backend_select(&b, VIGIL_BACKEND_AUTO, VIGIL_OP_TREESHAP, 1e30), VIGIL_OK);
    assert_ptr_equal(b, &fake);
    /* ... so an op the fake lacks goes on down the list (to the CPU without a device) */
    assert_int_equal(vigil_backend_select(&b, VIGIL_BACKEND_AUTO, VIGIL_OP_PREDICT_LINEAR, 1e30), VIGIL_OK);
    assert_true(b != &fake && b->predict_linear != NULL);
    if (!vigil_cuda_available()) assert_ptr_equal(b, &vigil_backend_cpu);
    /* an explicit request for a backend that lacks the op: the CPU runs it */
    assert_int_equal(vigil_backend_select(&b, VIGIL_BACKEND_CUDA, VIGIL_OP_PREDICT_MLP, 1e30), VIGIL_OK);
    assert_ptr_equal(b, &vigil_backend_cpu);
    assert_int_equal(vigil_backend_select(&b, VIGIL_BACKEND_CUDA, VIGIL_OP_PREDICT_TREES, 1e30), VIGIL_OK);
    assert_ptr_equal(b, &fake);
    assert_int_equal(vigil_backend_select(&b, VIGIL_BACKEND_CPU, VIGIL_OP_MMD, 1e30), VIGIL_OK);
    assert_ptr_equal(b, &vigil_backend_cpu);
    /* unavailable: AUTO passes it by, an explicit request is a usage error saying why */
    fake_up = 0;
    assert_int_equal(vigil_backend_select(&b, VIGIL_BACKEND_AUTO, VIGIL_OP_MMD, 1e30), VIGIL_OK);
    assert_true(b != &fake);
    assert_int_equal(vigil_backend_select(&b, VIGIL_BACKEND_CUDA, VIGIL_OP_MMD, 1e30), VIGIL_EINVAL);
    assert_string_equal(vigil_error_last(), "--backend cuda: the fake device is unplugged");
    assert_int_equal(vigil_cuda_available(), 0);
    fake_up = 1;
    assert_int_equal(vigil_cuda_available(), 1);
    vigil_backend_test_inject(NULL);
}

/* AUTO weighs the job: below the backend's threshold (work per CPU thread) the CPU runs it and
 * the device is not even asked whether it is there (no context is created for a small job);
 * at or above it the device runs it. An explicit request ignores the size. */
static void test_select_by_size(void **state)
{
    (void)state;
    const vigil_backend_i *b = NULL;
    vigil_backend_test_inject(&fake_sized);
    assert_int_equal(vigil_backend_select(&b, VIGIL_BACKEND_AUTO, VIGIL_OP_PREDICT_TREES, 999), VIGIL_OK);
    assert_ptr_equal(b, &vigil_backend_cpu);
    assert_int_equal(fake_probed, 0);
    assert_int_equal(vigil_backend_select(&b, VIGIL_BACKEND_AUTO, VIGIL_OP_PREDICT_TREES, 1000), VIGIL_OK);
    assert_ptr_equal(b, &fake_sized);
    assert_int_equal(fake_probed, 1);
    assert_int_equal(vigil_backend_select(&b, VIGIL_BACKEND_CUDA, VIGIL_OP_PREDICT_TREES, 1), VIGIL_OK);
    assert_ptr_equal(b, &fake_sized);
    /* the work is per CPU thread: 600 units on 1 thread reach nothing, 6,000 on 2 threads do */
    assert_true(vigil_backend_work(6000, 2) == 3000);
    assert_true(vigil_backend_work(600, 1) == 600);
    vigil_backend_test_inject(NULL);
}

/* One line per backend for --version and the JSON. */
static void test_describe(void **state)
{
    (void)state;
    assert_non_null(strstr(vigil_backend_describe(VIGIL_BACKEND_CPU), "cpu: "));
    assert_non_null(strstr(vigil_backend_describe(VIGIL_BACKEND_AUTO), "cpu: "));
    const char *c = vigil_backend_describe(VIGIL_BACKEND_CUDA);
    if (!vigil_build_has_cuda()) assert_string_equal(c, "cuda: not in this build (CUDA=0)");
    else if (!vigil_cuda_available()) assert_non_null(strstr(c, "cuda: unusable: "));
    else assert_non_null(strstr(c, "compute capability"));
}

/* ---- fallback, results and per-model state, through the public calls ---- */

typedef struct {
    vigil_model *m;
    vigil_table *t;
    float *X;
    size_t n, K;
} fixture;

static void load(fixture *fx, const char *model, const char *data)
{
    memset(fx, 0, sizeof *fx);
    assert_int_equal(vigil_model_load(&fx->m, model), 0);
    assert_int_equal(vigil_table_read_csv(&fx->t, data, NULL), 0);
    assert_int_equal(vigil_model_bind(fx->m, fx->t, &fx->X), 0);
    fx->n = vigil_table_nrows(fx->t), fx->K = vigil_model_n_outputs(fx->m);
}

static void unload(fixture *fx)
{
    free(fx->X);
    vigil_table_free(fx->t);
    vigil_model_free(fx->m);
}

static void test_predict_fallback(void **state)
{
    (void)state;
    fixture fx;
    load(&fx, "datasets/models/flchain_v1.json", "tests/reference/xgb/bundled_flchain_v1.csv");
    size_t nk = fx.n * fx.K;
    double *s0 = malloc(nk * sizeof *s0), *m0 = malloc(nk * sizeof *m0);
    double *s1 = malloc(nk * sizeof *s1), *m1 = malloc(nk * sizeof *m1);
    vigil_backend_options cpu = {VIGIL_BACKEND_CPU, 2}, autob = {VIGIL_BACKEND_AUTO, 2};
    vigil_backend_kind used = VIGIL_BACKEND_AUTO;
    assert_int_equal(vigil_model_predict(fx.m, fx.X, fx.n, &cpu, s0, m0, &used), 0);
    assert_int_equal(used, VIGIL_BACKEND_CPU);

    vigil_backend_test_inject(&fake);
    /* AUTO takes the fake; its layout is built once however often the model is scored */
    for (int k = 0; k < 3; k++) {
        assert_int_equal(vigil_model_predict(fx.m, fx.X, fx.n, &autob, s1, m1, &used), 0);
        assert_int_equal(used, VIGIL_BACKEND_CUDA);
        assert_memory_equal(m0, m1, nk * sizeof *m0);
    }
    assert_int_equal(fake_ran, 3);
    assert_int_equal(fake_prepared, 1);
    assert_int_equal(n_warned, 0);
    /* a failing op falls back to the CPU with a warning, and the result says the CPU ran */
    fake_fail = 1;
    memset(m1, 0, nk * sizeof *m1);
    assert_int_equal(vigil_model_predict(fx.m, fx.X, fx.n, &autob, s1, m1, &used), 0);
    assert_int_equal(used, VIGIL_BACKEND_CPU);
    assert_memory_equal(m0, m1, nk * sizeof *m0);
    assert_memory_equal(s0, s1, nk * sizeof *s0);
    assert_int_equal(n_warned, 1);
    assert_string_equal(warned, "fake backend failed in scoring (fake device lost); running it on the CPU instead");
    /* the device's error does not linger once the CPU succeeded (a later NULL would report it) */
    assert_int_equal(vigil_error_last_code(), VIGIL_OK);
    /* an explicit request is never served by the CPU behind the user's back: the device's
     * failure is the call's error (exit 3), naming the op and what the device said */
    vigil_backend_options want = {VIGIL_BACKEND_CUDA, 2};
    fake_ran = 0;
    assert_int_equal(vigil_model_predict(fx.m, fx.X, fx.n, &want, s1, m1, &used), VIGIL_EBACKEND);
    assert_int_equal(fake_ran, 1);
    assert_string_equal(vigil_error_last(),
                        "--backend fake failed in scoring: fake device lost (--backend auto would run it on the CPU)");
    assert_int_equal(n_warned, 1);
    /* the model handle releases what the fake built, once */
    assert_int_equal(fake_released, 0);
    unload(&fx);
    assert_int_equal(fake_released, 1);
    vigil_backend_test_inject(NULL);
    free(s0), free(m0), free(s1), free(m1);
}

/* Linear and MLP scoring go through the seam too: the fake lacks them, so the CPU scores them
 * (no warning: nothing failed) and the goldens of tests/reference/xgb/ still hold. */
static void test_dense_through_seam(void **state)
{
    (void)state;
    const char *cases[][3] = {
        {"datasets/models/flchain_logistic.json", "tests/reference/xgb/bundled_flchain_logistic.csv", "score"},
        {"datasets/models/flchain_mlp.json", "tests/reference/xgb/bundled_flchain_mlp.csv", "score"},
    };
    cJSON *man = tu_load_json("tests/reference/xgb/manifest.json");
    vigil_backend_test_inject(&fake);
    for (size_t c = 0; c < 2; c++) {
        fixture fx;
        load(&fx, cases[c][0], cases[c][1]);
        const cJSON *cs, *col = NULL;
        cJSON_ArrayForEach(cs, cJSON_GetObjectItem(man, "cases"))
            if (strcmp(cJSON_GetObjectItem(cs, "model")->valuestring, cases[c][0]) == 0)
                col = cJSON_GetArrayItem(cJSON_GetObjectItem(cs, "expected"), 0);
        assert_non_null(col);
        const double *e = vigil_table_numeric(fx.t, (size_t)vigil_table_find(fx.t, col->valuestring));
        assert_non_null(e);
        double *s = malloc(fx.n * sizeof *s), *mg = malloc(fx.n * sizeof *mg);
        for (int b = VIGIL_BACKEND_AUTO; b <= VIGIL_BACKEND_CUDA; b++) {
            vigil_backend_options o = {(vigil_backend_kind)b, 3};
            vigil_backend_kind used = VIGIL_BACKEND_AUTO;
            assert_int_equal(vigil_model_predict(fx.m, fx.X, fx.n, &o, s, mg, &used), 0);
            assert_int_equal(used, VIGIL_BACKEND_CPU);
            for (size_t i = 0; i < fx.n; i++) assert_close(s[i], e[i], 1e-6);
        }
        assert_int_equal(fake_ran, 0);
        assert_int_equal(fake_prepared, 0);
        assert_int_equal(n_warned, 0);
        free(s), free(mg);
        unload(&fx);
    }
    vigil_backend_test_inject(NULL);
    cJSON_Delete(man);
}

static void test_treeshap_fallback(void **state)
{
    (void)state;
    fixture fx;
    load(&fx, "datasets/models/flchain_v1.json", "tests/reference/xgb/bundled_flchain_v1.csv");
    size_t F = vigil_model_n_features(fx.m), np = fx.n * fx.K * (F + 1);
    double *a = malloc(np * sizeof *a), *b = malloc(np * sizeof *b);
    vigil_explain_options o;
    vigil_explain_options_default(&o);
    o.backend = VIGIL_BACKEND_CPU, o.threads = 2;
    assert_int_equal(vigil_explain(fx.m, fx.X, fx.n, &o, a), 0);
    assert_int_equal(o.used, VIGIL_BACKEND_CPU);
    vigil_backend_test_inject(&fake);
    o.backend = VIGIL_BACKEND_AUTO;
    assert_int_equal(vigil_explain(fx.m, fx.X, fx.n, &o, b), 0);
    assert_int_equal(o.used, VIGIL_BACKEND_CUDA);
    assert_memory_equal(a, b, np * sizeof *a);
    fake_fail = 1;
    memset(b, 0, np * sizeof *b);
    assert_int_equal(vigil_explain(fx.m, fx.X, fx.n, &o, b), 0);
    assert_int_equal(o.used, VIGIL_BACKEND_CPU);
    assert_memory_equal(a, b, np * sizeof *a);
    assert_int_equal(n_warned, 1);
    assert_string_equal(warned, "fake backend failed in TreeSHAP (fake device lost); running it on the CPU instead");
    vigil_backend_test_inject(NULL);
    free(a), free(b);
    unload(&fx);
}

/* Drift's MMD takes the library's vigil_backend_kind: AUTO must reach the device backend (drift
 * had its own enum, CPU = 0, so the library's AUTO = 0 meant the CPU there), and a failing
 * device falls back with a warning like every other op. */
static void test_mmd_seam(void **state)
{
    (void)state;
    size_t n1 = 40, n2 = 40, d = 2;
    double *x = malloc(n1 * d * sizeof *x), *y = malloc(n2 * d * sizeof *y);
    uint64_t st = 11;
    for (size_t i = 0; i < n1 * d; i++) x[i] = (double)((st = st * 6364136223846793005ull + 1) >> 11) * 0x1.0p-53;
    for (size_t i = 0; i < n2 * d; i++) y[i] = 0.2 + (double)((st = st * 6364136223846793005ull + 1) >> 11) * 0x1.0p-53;
    double s0, p0, b0 = 0, s1, p1, b1 = 0;
    vigil_backend_kind used = VIGIL_BACKEND_AUTO;
    assert_int_equal(vigil_drift_mmd(x, n1, y, n2, d, 49, 3, VIGIL_BACKEND_CPU, 2, &s0, &p0, &b0, &used), 0);
    assert_int_equal(used, VIGIL_BACKEND_CPU);
    vigil_backend_test_inject(&fake);
    assert_int_equal(vigil_drift_mmd(x, n1, y, n2, d, 49, 3, VIGIL_BACKEND_AUTO, 2, &s1, &p1, &b1, &used), 0);
    assert_int_equal(used, VIGIL_BACKEND_CUDA);
    assert_true(s1 == 42 && p1 == 0.5);
    assert_true(b1 == b0); /* the bandwidth is the host's, whatever runs the permutations */
    fake_fail = 1;
    b1 = 0;
    assert_int_equal(vigil_drift_mmd(x, n1, y, n2, d, 49, 3, VIGIL_BACKEND_AUTO, 2, &s1, &p1, &b1, &used), 0);
    assert_int_equal(used, VIGIL_BACKEND_CPU);
    assert_true(s1 == s0 && p1 == p0 && b1 == b0);
    assert_int_equal(n_warned, 1);
    assert_string_equal(warned, "fake backend failed in MMD (fake device lost); running it on the CPU instead");
    /* unavailable: an explicit request is the usage error every op gives */
    fake_up = 0;
    assert_int_equal(vigil_drift_mmd(x, n1, y, n2, d, 49, 3, VIGIL_BACKEND_CUDA, 2, &s1, &p1, &b1, &used),
                     VIGIL_EINVAL);
    assert_string_equal(vigil_error_last(), "--backend cuda: the fake device is unplugged");
    vigil_backend_test_inject(NULL);
    free(x), free(y);
}

/* The metrics bootstrap is an op of the seam: AUTO hands it to the first backend that has it
 * and whose threshold the job reaches (the fake here; CUDA's threshold waits for a device's
 * timing), the document says which backend ran, and a failing device falls back to the CPU
 * with the one warning, the same intervals either way. */
static char *boot_doc(vigil_backend_kind want, const char *ran, const double *s, const double *y, size_t n)
{
    const double t = 0.3;
    vigil_metrics_options o = VIGIL_METRICS_OPTIONS_INIT;
    o.thresholds = &t, o.n_thresholds = 1, o.bootstrap = 60, o.seed = 5, o.threads = 2, o.backend = want;
    vigil_metrics_report *r = NULL;
    assert_int_equal(vigil_metrics_compute(&r, s, y, n, NULL, 0, &o), VIGIL_OK);
    char *j = vigil_metrics_report_json(r, 0, 0);
    assert_non_null(j);
    vigil_metrics_report_free(r);
    /* the bootstrap block's last key names the backend that ran; what precedes must be equal */
    char *be = strstr(j, "\"backend\":");
    assert_non_null(be);
    char name[16] = "";
    assert_int_equal(sscanf(be, "\"backend\": \"%15[^\"]", name), 1);
    assert_string_equal(name, ran);
    *be = '\0';
    return j;
}

static void test_bootstrap_seam(void **state)
{
    (void)state;
    size_t n = 300;
    double *s = malloc(n * sizeof *s), *y = malloc(n * sizeof *y);
    uint64_t st = 7;
    for (size_t i = 0; i < n; i++) {
        s[i] = (double)((st = st * 6364136223846793005ull + 1) >> 11) * 0x1.0p-53;
        y[i] = (double)((st = st * 6364136223846793005ull + 1) >> 11) * 0x1.0p-53 < s[i];
    }
    char *cpu = boot_doc(VIGIL_BACKEND_CPU, "cpu", s, y, n);
    assert_int_equal(fake_ran, 0);
    vigil_backend_test_inject(&fake);
    vigil_metrics_options o = VIGIL_METRICS_OPTIONS_INIT;
    assert_int_equal(o.backend, VIGIL_BACKEND_AUTO);
    char *dev = boot_doc(VIGIL_BACKEND_AUTO, "cuda", s, y, n);
    assert_int_equal(fake_ran, 1);
    assert_string_equal(dev, cpu);
    fake_fail = 1;
    char *fb = boot_doc(VIGIL_BACKEND_AUTO, "cpu", s, y, n);
    assert_int_equal(fake_ran, 2);
    assert_string_equal(fb, cpu);
    assert_int_equal(n_warned, 1);
    assert_string_equal(warned, "fake backend failed in the bootstrap (fake device lost); running it on the CPU instead");
    vigil_backend_test_inject(NULL);
    free(cpu), free(dev), free(fb), free(s), free(y);
}

/* The drift options carry the library's enum; its default is AUTO. */
static void test_drift_options(void **state)
{
    (void)state;
    vigil_drift_options o = vigil_drift_options_default();
    assert_int_equal(o.backend, VIGIL_BACKEND_AUTO);
}

int main(void)
{
    vigil_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_registry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select_by_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_describe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_predict_fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dense_through_seam, setup, teardown),
        cmocka_unit_test_setup_teardown(test_treeshap_fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mmd_seam, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drift_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bootstrap_seam, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
