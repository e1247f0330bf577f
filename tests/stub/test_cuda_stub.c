/* The CUDA backend's own code (src/backend/cuda/: the host side and the kernels' bodies) run
 * without a GPU, through the CUDA-runtime stand-in of tests/cudastub/ (built with CUDA=stub;
 * `make stub-tests`, part of `make check`, under ASan and UBSan):
 *   - parity with the CPU backend for scoring (bit-identical margins), TreeSHAP (1e-9), both on a
 *     numeric model and on one with categorical splits, and the
 *     MMD (bandwidth exact, statistic 1e-9 relative, p within 2 / (B + 1)), in one chunk and
 *     across chunk boundaries, the MMD's kernel matrix whole and in row blocks; the barrier
 *     kernels (the MMD's radix select and matrix product) run as fibers;
 *   - every allocation, copy and launch of each op made to fail in turn: the op returns the
 *     device's error (an explicit --backend cuda never falls back), no device memory is left
 *     behind, and the next call gives the right numbers;
 *   - device memory short: TreeSHAP's chunk shrinks, and a failed allocation halves it;
 *   - a kernel fault (a sticky error) loses the context: the device is then unavailable, with
 *     the reason, for the rest of the process (the last test, since that cannot be undone).
 * Device memory is poisoned on allocation (NaN), so a kernel reading what nobody wrote shows in
 * the numbers; a copy outside a device allocation aborts the test. */
#include "testutil.h"

#include "backend/cuda/cuda.h"
#include "cudastub/stub.h"
#include "stats/metrics_report.h"
#include "stats/roc_band.h"
#include "vigil/error.h"
#include "vigil/explain.h"
#include "vigil/model.h"
#include "vigil/table.h"

static const char *MODEL = "datasets/models/flchain_v1.json", *DATA = "tests/reference/xgb/bundled_flchain_v1.csv";
/* A model with categorical splits (XGBoost 1.7.4, tests/reference/xgb_cat_ref.py): partition and
 * one-hot splits, codes with missing and unseen categories. */
static const char *CAT_MODEL = "tests/reference/xgb_cat/v1_7_4_cat_softprob.json",
                  *CAT_DATA = "tests/reference/xgb_cat/v1_7_4_cat_softprob.csv";

typedef struct {
    vigil_model *m;
    vigil_table *t;
    float *X; /* the bundled rows, tiled to n */
    size_t n, F, K;
} fixture;

static void load(fixture *fx, size_t n)
{
    memset(fx, 0, sizeof *fx);
    assert_int_equal(vigil_model_load(&fx->m, MODEL), 0);
    assert_int_equal(vigil_table_read_csv(&fx->t, DATA, NULL), 0);
    float *X0 = NULL;
    assert_int_equal(vigil_model_bind(fx->m, fx->t, &X0), 0);
    size_t n0 = vigil_table_nrows(fx->t);
    fx->F = vigil_model_n_features(fx->m), fx->K = vigil_model_n_outputs(fx->m), fx->n = n ? n : n0;
    fx->X = malloc(fx->n * fx->F * sizeof *fx->X);
    for (size_t i = 0; i < fx->n; i++) memcpy(fx->X + i * fx->F, X0 + (i % n0) * fx->F, fx->F * sizeof *fx->X);
    free(X0);
}

static void unload(fixture *fx)
{
    free(fx->X);
    vigil_table_free(fx->t);
    vigil_model_free(fx->m);
}

static int predict(fixture *fx, vigil_backend_kind b, double *margins)
{
    vigil_backend_options o = {b, 2};
    double *s = malloc(fx->n * fx->K * sizeof *s);
    vigil_backend_kind used = VIGIL_BACKEND_AUTO;
    int rc = vigil_model_predict(fx->m, fx->X, fx->n, &o, s, margins, &used);
    if (rc == VIGIL_OK) assert_int_equal(used, b == VIGIL_BACKEND_AUTO ? VIGIL_BACKEND_CPU : b);
    free(s);
    return rc;
}

static int explain(fixture *fx, vigil_backend_kind b, vigil_treeshap_mode mode, double *phi)
{
    vigil_explain_options o = VIGIL_EXPLAIN_OPTIONS_INIT;
    o.backend = b, o.threads = 2, o.tree_mode = mode;
    int rc = vigil_explain(fx->m, fx->X, fx->n, &o, phi);
    if (rc == VIGIL_OK) assert_int_equal(o.used, b);
    return rc;
}

typedef struct {
    double *x, *y;
    size_t n1, n2, d, perms;
} mmd_case;

static mmd_case mmd_data(size_t n1, size_t n2, size_t d)
{
    mmd_case c = {malloc(n1 * d * sizeof(double)), malloc(n2 * d * sizeof(double)), n1, n2, d, 49};
    uint64_t st = 5;
    for (size_t i = 0; i < n1 * d; i++) c.x[i] = (double)((st = st * 6364136223846793005ull + 1) >> 11) * 0x1.0p-53;
    for (size_t i = 0; i < n2 * d; i++)
        c.y[i] = 0.1 + (double)((st = st * 6364136223846793005ull + 1) >> 11) * 0x1.0p-53;
    return c;
}

static int mmd(const mmd_case *c, vigil_backend_kind b, double out[3])
{
    vigil_backend_kind used = VIGIL_BACKEND_AUTO;
    out[2] = 0;
    int rc = vigil_drift_mmd(c->x, c->n1, c->y, c->n2, c->d, c->perms, 3, b, 2, &out[0], &out[1], &out[2], &used);
    if (rc == VIGIL_OK) assert_int_equal(used, b);
    return rc;
}

static void mmd_agree(const double a[3], const double b[3], size_t perms)
{
    assert_true(a[2] == b[2]);
    assert_close(b[0], a[0], 1e-9 * fabs(a[0]) + 1e-15);
    assert_close(b[1], a[1], 2.0 / (double)(perms + 1));
}

static size_t live(void) { return vigil_stub_live(NULL); }

static int setup(void **state)
{
    (void)state;
    vigil_stub_reset();
    vigil_stub_memory(0);
    vigil_stub_device(1);
    vigil_cuda_test_chunks(0, 0, 0, 0);
    vigil_cuda_test_boot_batch(0);
    return 0;
}

/* ---- parity ---- */

static void test_device_seen(void **state)
{
    (void)state;
    assert_int_equal(vigil_cuda_available(), 1);
    assert_non_null(strstr(vigil_backend_describe(VIGIL_BACKEND_CUDA),
                           "cuda: vigil CUDA stand-in (compute capability 9.0, 4 GB), driver CUDA 13.0, runtime 13.0"));
}

static void test_predict_parity(void **state)
{
    (void)state;
    fixture fx;
    load(&fx, 1000);
    size_t nk = fx.n * fx.K;
    double *a = malloc(nk * sizeof *a), *b = malloc(nk * sizeof *b);
    assert_int_equal(predict(&fx, VIGIL_BACKEND_CPU, a), 0);
    for (int chunk = 0; chunk < 3; chunk++) {
        vigil_cuda_test_chunks(chunk == 0 ? 0 : chunk == 1 ? 7 : 999, 0, 0, 0);
        long before = vigil_stub_launches(NULL);
        memset(b, 0, nk * sizeof *b);
        assert_int_equal(predict(&fx, VIGIL_BACKEND_CUDA, b), 0);
        assert_true(vigil_stub_launches(NULL) > before); /* the kernel ran, not the CPU */
        assert_memory_equal(a, b, nk * sizeof *a);
    }
    unload(&fx);
    assert_int_equal(live(), 0); /* the model's device copy went with the model */
    free(a), free(b);
}

static void test_treeshap_parity(void **state)
{
    (void)state;
    fixture fx;
    load(&fx, 300);
    size_t np = fx.n * fx.K * (fx.F + 1);
    double *a = malloc(np * sizeof *a), *b = malloc(np * sizeof *b);
    for (int mode = VIGIL_TREESHAP_TABLE; mode <= VIGIL_TREESHAP_DIRECT; mode++) {
        assert_int_equal(explain(&fx, VIGIL_BACKEND_CPU, (vigil_treeshap_mode)mode, a), 0);
        for (int chunked = 0; chunked < 2; chunked++) {
            vigil_cuda_test_chunks(0, chunked ? 5 : 0, 0, 0);
            assert_int_equal(explain(&fx, VIGIL_BACKEND_CUDA, (vigil_treeshap_mode)mode, b), 0);
            double w = 0;
            for (size_t i = 0; i < np; i++) w = fabs(a[i] - b[i]) > w || isnan(b[i]) ? fabs(a[i] - b[i]) : w;
            assert_true(w <= 1e-9);
        }
    }
    assert_int_equal(live(), 0);
    unload(&fx);
    free(a), free(b);
}

/* The same parity on a model with categorical splits: the kernels' set lookups against the CPU's. */
static void test_categorical_parity(void **state)
{
    const char *m0 = MODEL, *d0 = DATA;
    MODEL = CAT_MODEL, DATA = CAT_DATA;
    test_predict_parity(state);
    test_treeshap_parity(state);
    MODEL = m0, DATA = d0;
}

static void test_mmd_parity(void **state)
{
    (void)state;
    mmd_case c = mmd_data(18, 15, 3); /* N(N-1)/2 even (528) and odd (561) */
    mmd_case e = mmd_data(18, 16, 3);
    double a[3], b[3];
    for (int k = 0; k < 2; k++) {
        mmd_case *m = k ? &e : &c;
        assert_int_equal(mmd(m, VIGIL_BACKEND_CPU, a), 0);
        for (int chunked = 0; chunked < 2; chunked++) {
            vigil_cuda_test_chunks(0, 0, chunked ? 16 : 0, chunked ? 10 : 0);
            long fib0, fib1;
            vigil_stub_launches(&fib0);
            assert_int_equal(mmd(m, VIGIL_BACKEND_CUDA, b), 0);
            vigil_stub_launches(&fib1);
            assert_true(fib1 > fib0); /* the barrier kernels ran with their barriers */
            mmd_agree(a, b, m->perms);
        }
    }
    assert_int_equal(live(), 0);
    free(c.x), free(c.y), free(e.x), free(e.y);
}

/* ---- every failure in turn ---- */

/* Fail the k-th call of kind for k = 1, 2, ... until the op no longer reaches a k-th call. Each
 * failed run must return VIGIL_EBACKEND naming the device's error (or, where the op recovers
 * by itself -- a TreeSHAP chunk halved -- the right numbers), leave no device memory behind,
 * and the next run, with nothing failing, the right numbers. */
typedef int (*op_fn)(void *ctx, double *out); /* 0 ok; compares itself to the CPU */

static int sweep(vigil_stub_kind kind, op_fn op, void *ctx, double *out)
{
    int faults = 0;
    for (long k = 1;; k++) {
        vigil_stub_fail(kind, k, 0);
        int rc = op(ctx, out);
        long reached = vigil_stub_calls(kind);
        vigil_stub_reset();
        if (reached < k) { /* nothing failed: the op is done with this kind */
            assert_int_equal(rc, VIGIL_OK);
            return faults;
        }
        faults++;
        if (rc != VIGIL_OK) {
            assert_int_equal(rc, VIGIL_EBACKEND);
            if (!strstr(vigil_error_last(), "--backend cuda failed in "))
                fail_msg("kind %d call %ld: %s", (int)kind, k, vigil_error_last());
        }
        assert_int_equal(live(), 0);
        if (k % 4 == 1) { /* the device is fine again (every fourth fault: runs cost) */
            assert_int_equal(op(ctx, out), VIGIL_OK);
            assert_int_equal(live(), 0);
        }
    }
}

typedef struct {
    const double *want;
    size_t n;
} predict_ctx;

static int op_predict(void *vctx, double *out)
{
    predict_ctx *c = vctx;
    fixture fx; /* a fresh model each time: its upload is among the calls that fail */
    load(&fx, c->n);
    int rc = predict(&fx, VIGIL_BACKEND_CUDA, out);
    if (rc == VIGIL_OK) assert_memory_equal(out, c->want, c->n * fx.K * sizeof *out);
    unload(&fx);
    return rc;
}

static void test_predict_faults(void **state)
{
    (void)state;
    fixture fx;
    load(&fx, 40);
    double *want = malloc(fx.n * fx.K * sizeof *want), *out = malloc(fx.n * fx.K * sizeof *out);
    assert_int_equal(predict(&fx, VIGIL_BACKEND_CPU, want), 0);
    vigil_cuda_test_chunks(16, 0, 0, 0); /* three chunks: the row buffers are reused */
    predict_ctx c = {want, fx.n};
    assert_true(sweep(VIGIL_STUB_ALLOC, op_predict, &c, out) >= 6);
    assert_true(sweep(VIGIL_STUB_COPY, op_predict, &c, out) >= 7);
    assert_true(sweep(VIGIL_STUB_LAUNCH, op_predict, &c, out) >= 3);
    unload(&fx);
    free(want), free(out);
}

typedef struct {
    fixture *fx;
    const double *want;
} shap_ctx;

static int op_treeshap(void *vctx, double *out)
{
    shap_ctx *c = vctx;
    size_t np = c->fx->n * c->fx->K * (c->fx->F + 1);
    int rc = explain(c->fx, VIGIL_BACKEND_CUDA, VIGIL_TREESHAP_AUTO, out);
    if (rc == VIGIL_OK)
        for (size_t i = 0; i < np; i++) assert_close(out[i], c->want[i], 1e-9);
    return rc;
}

static void test_treeshap_faults(void **state)
{
    (void)state;
    fixture fx;
    load(&fx, 30);
    size_t np = fx.n * fx.K * (fx.F + 1);
    double *want = malloc(np * sizeof *want), *out = malloc(np * sizeof *out);
    assert_int_equal(explain(&fx, VIGIL_BACKEND_CPU, VIGIL_TREESHAP_AUTO, want), 0);
    vigil_cuda_test_chunks(0, 11, 0, 0);
    shap_ctx c = {&fx, want};
    assert_true(sweep(VIGIL_STUB_ALLOC, op_treeshap, &c, out) >= 7);
    assert_true(sweep(VIGIL_STUB_COPY, op_treeshap, &c, out) >= 8);
    assert_true(sweep(VIGIL_STUB_LAUNCH, op_treeshap, &c, out) >= 3);
    unload(&fx);
    free(want), free(out);
}

typedef struct {
    const mmd_case *m;
    const double *want;
} mmd_ctx;

static int op_mmd(void *vctx, double *out)
{
    mmd_ctx *c = vctx;
    int rc = mmd(c->m, VIGIL_BACKEND_CUDA, out);
    if (rc == VIGIL_OK) mmd_agree(c->want, out, c->m->perms);
    return rc;
}

static void test_mmd_faults(void **state)
{
    (void)state;
    mmd_case m = mmd_data(5, 4, 2);
    m.perms = 19;
    double want[3], out[3];
    assert_int_equal(mmd(&m, VIGIL_BACKEND_CPU, want), 0);
    vigil_cuda_test_chunks(0, 0, 8, 4); /* three mask chunks, three row blocks */
    mmd_ctx c = {&m, want};
    assert_true(sweep(VIGIL_STUB_ALLOC, op_mmd, &c, out) >= 8);
    assert_true(sweep(VIGIL_STUB_COPY, op_mmd, &c, out) >= 20);
    assert_true(sweep(VIGIL_STUB_LAUNCH, op_mmd, &c, out) >= 20);
    free(m.x), free(m.y);
}

/* Device memory short: the TreeSHAP chunk follows the free memory the runtime reports, and an
 * allocation that fails anyway halves it (down to 1,024 rows) rather than giving up. */
static void test_treeshap_memory_short(void **state)
{
    (void)state;
    fixture fx;
    load(&fx, 5000);
    size_t np = fx.n * fx.K * (fx.F + 1);
    double *want = malloc(np * sizeof *want), *out = malloc(np * sizeof *out);
    assert_int_equal(explain(&fx, VIGIL_BACKEND_CPU, VIGIL_TREESHAP_AUTO, want), 0);
    shap_ctx c = {&fx, want};
    /* room for 4,000 rows' buffers less the model's tables: chunks of at most half that */
    size_t per_row = fx.K * (fx.F + 1) * sizeof(double) + fx.F * sizeof(float);
    vigil_stub_memory(4000 * per_row);
    long l0 = vigil_stub_launches(NULL);
    assert_int_equal(op_treeshap(&c, out), 0);
    assert_true(vigil_stub_launches(NULL) - l0 >= 3); /* 5,000 rows took three chunks or more */
    /* the row buffers' first allocation fails: the chunk is halved and the job still done */
    vigil_stub_memory(0);
    long allocs = 0;
    for (long k = 1; k < 20 && !allocs; k++) { /* find the first row-buffer allocation: the 6th */
        vigil_stub_fail(VIGIL_STUB_ALLOC, k, 0);
        l0 = vigil_stub_launches(NULL);
        int rc = op_treeshap(&c, out);
        if (rc == VIGIL_OK && vigil_stub_calls(VIGIL_STUB_ALLOC) >= k) allocs = k; /* a fault it survived */
        vigil_stub_reset();
    }
    if (allocs != 6) fail_msg("the first row-buffer allocation was call %ld, expected 6", allocs);
    assert_int_equal(live(), 0);
    unload(&fx);
    free(want), free(out);
}

/* ---- the metrics bootstrap ---- */

/* Cases with ties (24 distinct scores), scores of exactly 0 and 1, and two group
 * columns: "site" with 4 levels, the last empty, and missing codes; "arm" with 3 levels, one of
 * 6 cases (withheld by the cell-size policy at min_cell 8, so its replicates are not stored but
 * its disparities still are NaN-marked). */
typedef struct {
    size_t n;
    double *s, *y;
    int32_t *site, *arm;
    vigil_metrics_group g[2];
} boot_case;

static const char *const SITE_LV[] = {"a", "b", "c", "empty"}, *const ARM_LV[] = {"x", "y", "tiny"};

static boot_case boot_data(size_t n)
{
    boot_case c = {n, malloc(n * sizeof(double)), malloc(n * sizeof(double)), malloc(n * sizeof(int32_t)),
                   malloc(n * sizeof(int32_t)), {{0}}};
    uint64_t st = 11;
    double pool[24]; /* ties: every score one of 24 (not dyadic, so the sums round) */
    for (int k = 0; k < 24; k++) pool[k] = (double)((st = st * 6364136223846793005ull + 1) >> 11) * 0x1.0p-53;
    for (size_t i = 0; i < n; i++) {
        double u = (double)((st = st * 6364136223846793005ull + 1) >> 11) * 0x1.0p-53;
        double v = (double)((st = st * 6364136223846793005ull + 1) >> 11) * 0x1.0p-53;
        c.s[i] = i % 37 == 0 ? 0.0 : i % 41 == 0 ? 1.0 : pool[(int)(u * 24)];
        c.y[i] = v < 0.15 + 0.7 * c.s[i];
        c.site[i] = i % 29 == 3 ? -1 : (int32_t)(i % 3);
        c.arm[i] = i < 6 ? 2 : (int32_t)((i / 7) % 2);
    }
    c.g[0] = (vigil_metrics_group){"site", c.site, SITE_LV, 4};
    c.g[1] = (vigil_metrics_group){"arm", c.arm, ARM_LV, 3};
    return c;
}

static void boot_free(boot_case *c) { free(c->s), free(c->y), free(c->site), free(c->arm); }

static int g_no_boot_thresholds; /* 1: boot_report_ng asks for no threshold's replicates */

static int boot_report_ng(const boot_case *c, size_t ng, vigil_backend_kind b, int lowess, size_t B,
                          vigil_metrics_report **out)
{
    /* the second and third thresholds' replicates on request (the suite's paired rules ask so) */
    static const double t[3] = {0.4, 0.25, 0.6};
    vigil_metrics_options o = VIGIL_METRICS_OPTIONS_INIT;
    o.thresholds = t, o.n_thresholds = 3, o.bootstrap = B, o.seed = 9, o.threads = 2, o.backend = b;
    o.boot_thresholds = t + 1, o.n_boot_thresholds = g_no_boot_thresholds ? 0 : 2;
    o.min_cell = 8, o.lowess_bootstrap = lowess;
    *out = NULL;
    return vigil_metrics_compute(out, c->s, c->y, c->n, ng ? c->g : NULL, ng, &o);
}

static int boot_report(const boot_case *c, vigil_backend_kind b, int lowess, size_t B, vigil_metrics_report **out)
{
    return boot_report_ng(c, 2, b, lowess, B, out);
}

/* equal to the bit, or both NaN (a NaN's payload is not a number) */
static void same_doubles(const double *a, const double *b, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(&a[i], &b[i], sizeof a[i]) != 0 && !(isnan(a[i]) && isnan(b[i])))
            fail_msg("%s[%zu]: cpu %.17g, cuda %.17g", what, i, a[i], b[i]);
}

/* Every replicate and jackknife value of every scope and disparity, bit for bit, and the
 * documents apart from the backend that ran. */
static void boot_same(const vigil_metrics_report *a, const vigil_metrics_report *b)
{
    size_t B = a->o.bootstrap, J = a->jack_groups + 1;
    assert_int_equal(a->jack_groups, b->jack_groups);
    same_doubles(a->all.rep, b->all.rep, S_COUNT * B, "overall rep");
    same_doubles(a->all.jack, b->all.jack, S_COUNT * J, "overall jack");
    assert_non_null(a->band_rep), assert_non_null(b->band_rep);
    same_doubles(a->band_rep, b->band_rep, VM_BAND_POINTS * B, "ROC band rep");
    assert_int_equal(a->n_bt, 2), assert_int_equal(b->n_bt, 2);
    assert_non_null(a->all.trep), assert_non_null(b->all.trep);
    same_doubles(a->all.trep, b->all.trep, a->n_bt * T_COUNT * B, "overall threshold rep");
    for (size_t gi = 0; gi < a->ng; gi++) {
        same_doubles(a->g[gi].drep, b->g[gi].drep, D_COUNT * B, "disparity rep");
        same_doubles(a->g[gi].djack, b->g[gi].djack, D_COUNT * J, "disparity jack");
        for (size_t l = 0; l < a->g[gi].n_levels; l++) {
            assert_true((a->g[gi].lv[l].rep == NULL) == (b->g[gi].lv[l].rep == NULL));
            if (!a->g[gi].lv[l].rep) continue;
            same_doubles(a->g[gi].lv[l].rep, b->g[gi].lv[l].rep, S_COUNT * B, "level rep");
            same_doubles(a->g[gi].lv[l].jack, b->g[gi].lv[l].jack, S_COUNT * J, "level jack");
            assert_true((a->g[gi].lv[l].trep == NULL) == (b->g[gi].lv[l].trep == NULL));
            if (a->g[gi].lv[l].trep)
                same_doubles(a->g[gi].lv[l].trep, b->g[gi].lv[l].trep, a->n_bt * T_COUNT * B, "level threshold rep");
        }
    }
    char *ja = vigil_metrics_report_json(a, 0, 0), *jb = vigil_metrics_report_json(b, 0, 0);
    char *ea = strstr(ja, "\"backend\":"), *eb = strstr(jb, "\"backend\":");
    assert_non_null(ea), assert_non_null(eb);
    char name[16] = "";
    assert_int_equal(sscanf(eb, "\"backend\": \"%15[^\"]", name), 1);
    assert_string_equal(name, "cuda");
    *ea = *eb = '\0';
    assert_string_equal(ja, jb);
    free(ja), free(jb);
}

static void test_bootstrap_parity(void **state)
{
    (void)state;
    boot_case c = boot_data(421); /* not a multiple of the draws kernel's 4 */
    for (int lowess = -1; lowess <= 1; lowess += 2) {
        vigil_metrics_report *cpu = NULL, *dev = NULL;
        assert_int_equal(boot_report(&c, VIGIL_BACKEND_CPU, lowess, 40, &cpu), 0);
        /* one batch, batches of 7 (the last short), of one replicate */
        const size_t batches[] = {0, 7, 1};
        for (size_t k = 0; k < 3; k++) {
            vigil_cuda_test_boot_batch(batches[k]);
            long l0 = vigil_stub_launches(NULL);
            assert_int_equal(boot_report(&c, VIGIL_BACKEND_CUDA, lowess, 40, &dev), 0);
            assert_true(vigil_stub_launches(NULL) > l0); /* the kernels ran, not the CPU */
            assert_int_equal(dev->boot_backend, VIGIL_BACKEND_CUDA);
            boot_same(cpu, dev);
            vigil_metrics_report_free(dev);
        }
        vigil_cuda_test_boot_batch(0);
        /* AUTO keeps the bootstrap on the CPU until a device has measured where it wins */
        assert_int_equal(boot_report(&c, VIGIL_BACKEND_AUTO, lowess, 40, &dev), 0);
        assert_int_equal(dev->boot_backend, VIGIL_BACKEND_CPU);
        vigil_metrics_report_free(dev);
        vigil_metrics_report_free(cpu);
        /* no group and no lowess: the host side needs no weights for the scopes (no level to
         * recompute), only for the bootstrap thresholds' pass */
        assert_int_equal(boot_report_ng(&c, 0, VIGIL_BACKEND_CPU, lowess, 40, &cpu), 0);
        assert_int_equal(boot_report_ng(&c, 0, VIGIL_BACKEND_CUDA, lowess, 40, &dev), 0);
        boot_same(cpu, dev);
        vigil_metrics_report_free(dev);
        vigil_metrics_report_free(cpu);
        /* nor any bootstrap threshold: the host draws the weights for the ROC band's pass alone
         * (the band reads the metrics replicates' counts) */
        g_no_boot_thresholds = 1;
        assert_int_equal(boot_report_ng(&c, 0, VIGIL_BACKEND_CPU, lowess, 40, &cpu), 0);
        assert_int_equal(boot_report_ng(&c, 0, VIGIL_BACKEND_CUDA, lowess, 40, &dev), 0);
        g_no_boot_thresholds = 0;
        assert_int_equal(dev->boot_backend, VIGIL_BACKEND_CUDA);
        assert_non_null(cpu->band_rep), assert_non_null(dev->band_rep);
        same_doubles(cpu->band_rep, dev->band_rep, VM_BAND_POINTS * 40, "ROC band rep, no threshold");
        same_doubles(cpu->all.rep, dev->all.rep, S_COUNT * 40, "overall rep, no threshold");
        char *ja = vigil_metrics_report_json(cpu, 0, 0), *jb = vigil_metrics_report_json(dev, 0, 0);
        assert_non_null(ja), assert_non_null(jb);
        *strstr(ja, "\"backend\":") = *strstr(jb, "\"backend\":") = '\0';
        assert_string_equal(ja, jb);
        free(ja), free(jb);
        vigil_metrics_report_free(dev);
        vigil_metrics_report_free(cpu);
    }
    assert_int_equal(live(), 0);
    boot_free(&c);
}

/* Small scopes: 13 cases overall, so levels of one to four cases, where the expansions are
 * refused and the host's CPU kernels take the scope -- the same numbers still. */
static void test_bootstrap_small(void **state)
{
    (void)state;
    boot_case c = boot_data(13);
    vigil_metrics_report *cpu = NULL, *dev = NULL;
    assert_int_equal(boot_report(&c, VIGIL_BACKEND_CPU, 1, 30, &cpu), 0);
    assert_int_equal(boot_report(&c, VIGIL_BACKEND_CUDA, 1, 30, &dev), 0);
    boot_same(cpu, dev);
    vigil_metrics_report_free(cpu), vigil_metrics_report_free(dev);
    assert_int_equal(live(), 0);
    boot_free(&c);
}

typedef struct {
    const boot_case *c;
    const vigil_metrics_report *want;
} boot_ctx;

static int op_boot(void *vctx, double *out)
{
    (void)out;
    boot_ctx *c = vctx;
    vigil_metrics_report *r = NULL;
    int rc = boot_report(c->c, VIGIL_BACKEND_CUDA, -1, 20, &r);
    if (rc == VIGIL_OK) boot_same(c->want, r);
    else assert_null(r); /* no report with some of its replicates */
    vigil_metrics_report_free(r);
    return rc;
}

static void test_bootstrap_faults(void **state)
{
    (void)state;
    boot_case c = boot_data(61);
    vigil_metrics_report *want = NULL;
    assert_int_equal(boot_report(&c, VIGIL_BACKEND_CPU, -1, 20, &want), 0);
    vigil_cuda_test_boot_batch(8); /* three bootstrap batches, seven of the jackknife */
    boot_ctx bc = {&c, want};
    assert_true(sweep(VIGIL_STUB_ALLOC, op_boot, &bc, NULL) >= 12);
    assert_true(sweep(VIGIL_STUB_COPY, op_boot, &bc, NULL) >= 20);
    assert_true(sweep(VIGIL_STUB_LAUNCH, op_boot, &bc, NULL) >= 13);
    /* device memory short: the batch follows the free memory, and still the same numbers */
    vigil_cuda_test_boot_batch(0);
    vigil_stub_memory(60 * 1024);
    long l0 = vigil_stub_launches(NULL);
    assert_int_equal(op_boot(&bc, NULL), 0);
    assert_true(vigil_stub_launches(NULL) - l0 > 6); /* more than one batch per phase */
    vigil_stub_memory(0);
    assert_int_equal(live(), 0);
    vigil_metrics_report_free(want);
    boot_free(&c);
}

/* A kernel fault is sticky: the call fails with it, the context is marked lost, and from then on
 * the device is unavailable with that reason (AUTO uses the CPU; --backend cuda is refused). */
static void test_sticky_fault_loses_the_device(void **state)
{
    (void)state;
    fixture fx;
    load(&fx, 50);
    double *out = malloc(fx.n * fx.K * sizeof *out);
    vigil_stub_fail(VIGIL_STUB_LAUNCH, 1, 1);
    assert_int_equal(predict(&fx, VIGIL_BACKEND_CUDA, out), VIGIL_EBACKEND);
    assert_non_null(strstr(vigil_error_last(), "cudaErrorIllegalAddress"));
    assert_int_equal(vigil_cuda_available(), 0);
    assert_non_null(strstr(vigil_backend_describe(VIGIL_BACKEND_CUDA),
                           "cuda: unusable: the device failed earlier in this process (cudaErrorIllegalAddress"));
    assert_int_equal(predict(&fx, VIGIL_BACKEND_CUDA, out), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "--backend cuda: the CUDA device failed earlier in this process"));
    assert_int_equal(predict(&fx, VIGIL_BACKEND_AUTO, out), VIGIL_OK);
    unload(&fx);
    vigil_stub_reset();
    free(out);
}

int main(void)
{
    vigil_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_device_seen, setup),
        cmocka_unit_test_setup(test_predict_parity, setup),
        cmocka_unit_test_setup(test_treeshap_parity, setup),
        cmocka_unit_test_setup(test_categorical_parity, setup),
        cmocka_unit_test_setup(test_mmd_parity, setup),
        cmocka_unit_test_setup(test_predict_faults, setup),
        cmocka_unit_test_setup(test_treeshap_faults, setup),
        cmocka_unit_test_setup(test_mmd_faults, setup),
        cmocka_unit_test_setup(test_treeshap_memory_short, setup),
        cmocka_unit_test_setup(test_bootstrap_parity, setup),
        cmocka_unit_test_setup(test_bootstrap_small, setup),
        cmocka_unit_test_setup(test_bootstrap_faults, setup),
        cmocka_unit_test_setup(test_sticky_fault_loses_the_device, setup), /* last: it cannot be undone */
    };
    if (getenv("VIGIL_TEST_ONLY")) cmocka_set_test_filter(getenv("VIGIL_TEST_ONLY"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
