/* Mergeable accumulators: a file split into 1, 2, 7 and 64 shards (cases dealt to shards at
 * random, so some are empty), each shard accumulated on its own, half of them sent through
 * serialize/deserialize, merged in random order, and compared with the single-pass engine
 * functions: bit for bit where accum.h says exact, to 1e-12 where it says "up to summation
 * order". The reference is the engine itself (vigil_metrics_*, vigil_drift_*), whose peers
 * (pROC, scikit-learn, scipy) test_metrics.c and test_drift.c check. */
#include "testutil.h"
#include "vigil/accum.h"
#include "vigil/drift.h"
#include "vigil/metrics.h"
#include "stats/metrics_internal.h"

static uint64_t rs = 12345;
static uint64_t rnd(void)
{
    uint64_t z = (rs += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static double unif(void) { return (double)(rnd() >> 11) * 0x1.0p-53; }
static size_t below(size_t n) { return (size_t)(rnd() % n); }

static void shuffle(size_t *x, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = below(i), t = x[i - 1];
        x[i - 1] = x[j];
        x[j] = t;
    }
}

/* Both NaN, or equal bit for bit. */
#define assert_same(a, b)                                                                    \
    do {                                                                                     \
        double a_ = (a), b_ = (b);                                                           \
        if (!((isnan(a_) && isnan(b_)) || memcmp(&a_, &b_, sizeof a_) == 0)) {               \
            print_error("%s:%d: %s = %.17g, expected exactly %.17g\n", __FILE__, __LINE__, #a, \
                        a_, b_);                                                             \
            fail();                                                                          \
        }                                                                                    \
    } while (0)

enum { CONT, TIED, BINARY, N_KINDS };

static void make(int kind, size_t n, double *s, double *y)
{
    for (size_t i = 0; i < n; i++) {
        double u = unif();
        s[i] = kind == CONT ? u : kind == TIED ? round(u * 20) / 20 : (double)(u < 0.3);
        y[i] = unif() < 0.2 + 0.6 * s[i];
    }
    if (n == 3) { /* both classes */
        y[0] = 0;
        y[1] = 1;
    }
}

/* One accumulator kind behind void pointers, so one shard loop serves all three. */
typedef struct {
    int (*make)(void **);
    int (*add)(void *, const double *, const double *, size_t);
    int (*merge)(void *, const void *);
    void (*free)(void *);
    int (*ser)(void *, void **, size_t *);
    int (*deser)(void **, const void *, size_t);
} ops;

static const double TH[] = {0, 0.05, 0.3, 0.5, 0.77, 1};
#define NTH (sizeof TH / sizeof *TH)

#define WRAP(T, NEWCALL)                                                                     \
    static int T##_mk(void **o) { return NEWCALL; }                                          \
    static int T##_ad(void *a, const double *s, const double *y, size_t n)                   \
    {                                                                                        \
        return vigil_accum_##T##_add(a, s, y, n);                                            \
    }                                                                                        \
    static int T##_mg(void *d, const void *s) { return vigil_accum_##T##_merge(d, s); }      \
    static void T##_fr(void *a) { vigil_accum_##T##_free(a); }                               \
    static int T##_se(void *a, void **b, size_t *n) { return vigil_accum_##T##_serialize(a, b, n); } \
    static int T##_de(void **o, const void *b, size_t n)                                     \
    {                                                                                        \
        return vigil_accum_##T##_deserialize((vigil_accum_##T **)o, b, n);                   \
    }                                                                                        \
    static const ops T##_ops = {T##_mk, T##_ad, T##_mg, T##_fr, T##_se, T##_de};

WRAP(roc, vigil_accum_roc_new((vigil_accum_roc **)o))
WRAP(calib, vigil_accum_calib_new((vigil_accum_calib **)o))
WRAP(confusion, vigil_accum_confusion_new((vigil_accum_confusion **)o, TH, NTH))
static double LA, LB; /* the logit accumulators' current step */
WRAP(logit, vigil_accum_logit_new((vigil_accum_logit **)o, LA, LB))

/* Deal the n cases to S shards at random, accumulate each (cases in a shuffled order), send
 * every other shard through a blob, merge them in random order into a fresh accumulator. */
static void *sharded(const ops *op, const double *s, const double *y, size_t n, size_t S)
{
    size_t *shard = malloc((n ? n : 1) * sizeof *shard), *ord = malloc((n ? n : 1) * sizeof *ord);
    size_t *perm = malloc(S * sizeof *perm);
    double *bs = malloc((n ? n : 1) * sizeof *bs), *by = malloc((n ? n : 1) * sizeof *by);
    void **acc = calloc(S, sizeof *acc);
    assert_true(shard && ord && perm && bs && by && acc);
    for (size_t i = 0; i < n; i++) shard[i] = below(S), ord[i] = i;
    shuffle(ord, n);
    for (size_t k = 0; k < S; k++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (shard[ord[i]] == k) bs[m] = s[ord[i]], by[m++] = y[ord[i]];
        assert_int_equal(op->make(&acc[k]), VIGIL_OK);
        /* In two calls, the second maybe empty: add appends. */
        size_t h = m / 3;
        assert_int_equal(op->add(acc[k], bs, by, h), VIGIL_OK);
        assert_int_equal(op->add(acc[k], bs + h, by + h, m - h), VIGIL_OK);
        if (k % 2) {
            void *blob;
            size_t bn;
            assert_int_equal(op->ser(acc[k], &blob, &bn), VIGIL_OK);
            op->free(acc[k]);
            assert_int_equal(op->deser(&acc[k], blob, bn), VIGIL_OK);
            free(blob);
        }
        perm[k] = k;
    }
    shuffle(perm, S);
    void *all;
    assert_int_equal(op->make(&all), VIGIL_OK);
    for (size_t k = 0; k < S; k++) assert_int_equal(op->merge(all, acc[perm[k]]), VIGIL_OK);
    for (size_t k = 0; k < S; k++) op->free(acc[k]);
    free(shard), free(ord), free(perm), free(bs), free(by), free(acc);
    return all;
}

static const size_t SHARDS[] = {1, 2, 7, 64};
static const size_t SIZES[] = {3, 1000, 200000};

static void test_metrics_shards(void **state)
{
    (void)state;
    for (size_t zi = 0; zi < 3; zi++)
        for (int kind = 0; kind < N_KINDS; kind++) {
            size_t n = SIZES[zi];
            double *s = malloc(n * sizeof *s), *y = malloc(n * sizeof *y);
            make(kind, n, s, y);
            vigil_auroc ref;
            assert_int_equal(vigil_metrics_auroc(s, y, n, 0.9, &ref), VIGIL_OK);
            double ap = vigil_metrics_average_precision(s, y, n);
            vigil_calibration cal;
            assert_int_equal(vigil_metrics_calibration(s, y, n, &cal), VIGIL_OK);
            for (size_t si = 0; si < 4; si++) {
                size_t S = SHARDS[si];
                vigil_accum_roc *roc = sharded(&roc_ops, s, y, n, S);
                vigil_auroc got;
                assert_int_equal(vigil_accum_roc_auroc(roc, 0.9, &got), VIGIL_OK);
                assert_same(got.auc, ref.auc);
                assert_same(got.se, ref.se);
                assert_same(got.ci_low, ref.ci_low);
                assert_same(got.ci_high, ref.ci_high);
                assert_int_equal(got.n_pos, ref.n_pos);
                assert_int_equal(got.n_neg, ref.n_neg);
                assert_same(vigil_accum_roc_ap(roc), ap);
                if (kind == BINARY) assert_true(vigil_accum_roc_distinct(roc) <= 2);
                if (kind == TIED) assert_true(vigil_accum_roc_distinct(roc) <= 21);
                vigil_accum_roc_free(roc);

                vigil_accum_confusion *cf = sharded(&confusion_ops, s, y, n, S);
                for (size_t t = 0; t < NTH; t++) {
                    vigil_threshold_stats a, b;
                    assert_int_equal(vigil_metrics_threshold(s, y, n, TH[t], 0.9, &b), VIGIL_OK);
                    assert_int_equal(vigil_accum_confusion_stats(cf, t, 0.9, &a), VIGIL_OK);
                    const double *pa = (const double *)&a, *pb = (const double *)&b;
                    for (size_t f = 0; f < sizeof a / sizeof(double); f++) assert_same(pa[f], pb[f]);
                }
                vigil_accum_confusion_free(cf);

                vigil_accum_calib *cb = sharded(&calib_ops, s, y, n, S);
                vigil_calibration c;
                assert_int_equal(vigil_accum_calib_get(cb, &c), VIGIL_OK);
                assert_close(c.brier, cal.brier, 1e-12);
                assert_close(c.brier_reliability, cal.brier_reliability, 1e-12);
                assert_close(c.brier_resolution, cal.brier_resolution, 1e-12);
                assert_close(c.brier_uncertainty, cal.brier_uncertainty, 1e-12);
                assert_close(c.ece, cal.ece, 1e-12);
                assert_close(c.mce, cal.mce, 1e-12);
                assert_true(isnan(c.slope) && isnan(c.ece_equal_mass) && isnan(c.eavg));
                vigil_accum_calib_free(cb);
            }
            free(s);
            free(y);
        }
}

/* A bundled case file (the flchain cohort's shipped cases: a real model's scores, real ties),
 * dealt into 1, 2, 7 and 64 shards in random order: the merged accumulators give the
 * single-pass engine's numbers, exact ones bit for bit. */
static void test_bundled_file_shards(void **state)
{
    (void)state;
    vigil_table *t = NULL;
    assert_int_equal(vigil_table_read_csv(&t, "datasets/flchain/cases.csv", NULL), VIGIL_OK);
    int cs = vigil_table_find(t, "score"), cy = vigil_table_find(t, "death_5y");
    assert_true(cs >= 0 && cy >= 0);
    const double *s = vigil_table_numeric(t, (size_t)cs), *y = vigil_table_numeric(t, (size_t)cy);
    size_t n = vigil_table_nrows(t);
    assert_true(s && y && n > 1000);
    vigil_auroc ref;
    assert_int_equal(vigil_metrics_auroc(s, y, n, 0.95, &ref), VIGIL_OK);
    vigil_calibration cal;
    assert_int_equal(vigil_metrics_calibration(s, y, n, &cal), VIGIL_OK);
    for (size_t si = 0; si < 4; si++) {
        vigil_accum_roc *roc = sharded(&roc_ops, s, y, n, SHARDS[si]);
        vigil_auroc got;
        assert_int_equal(vigil_accum_roc_auroc(roc, 0.95, &got), VIGIL_OK);
        assert_same(got.auc, ref.auc);
        assert_same(got.ci_low, ref.ci_low);
        assert_same(got.ci_high, ref.ci_high);
        assert_same(vigil_accum_roc_ap(roc), vigil_metrics_average_precision(s, y, n));
        vigil_accum_roc_free(roc);
        vigil_accum_confusion *cf = sharded(&confusion_ops, s, y, n, SHARDS[si]);
        for (size_t k = 0; k < NTH; k++) {
            vigil_threshold_stats a, b;
            assert_int_equal(vigil_metrics_threshold(s, y, n, TH[k], 0.95, &b), VIGIL_OK);
            assert_int_equal(vigil_accum_confusion_stats(cf, k, 0.95, &a), VIGIL_OK);
            const double *pa = (const double *)&a, *pb = (const double *)&b;
            for (size_t f = 0; f < sizeof a / sizeof(double); f++) assert_same(pa[f], pb[f]);
        }
        vigil_accum_confusion_free(cf);
        vigil_accum_calib *cb = sharded(&calib_ops, s, y, n, SHARDS[si]);
        vigil_calibration c;
        assert_int_equal(vigil_accum_calib_get(cb, &c), VIGIL_OK);
        assert_close(c.brier, cal.brier, 1e-12);
        assert_close(c.ece, cal.ece, 1e-12);
        assert_close(c.mce, cal.mce, 1e-12);
        vigil_accum_calib_free(cb);
    }
    vigil_table_free(t);
}

/* Quantized mode: the engine's AUROC of the floored scores, bit for bit, within the stated
 * bound of the exact AUROC, in bounded memory. */
static int QB = 8;
static int rocq_mk(void **o) { return vigil_accum_roc_new_quantized((vigil_accum_roc **)o, QB); }
static const ops rocq_ops = {rocq_mk, roc_ad, roc_mg, roc_fr, roc_se, roc_de};

static void test_roc_quantized(void **state)
{
    (void)state;
    size_t n = 200000;
    double *s = malloc(n * sizeof *s), *y = malloc(n * sizeof *y), *q = malloc(n * sizeof *q);
    make(CONT, n, s, y);
    s[0] = 1; /* the top edge keeps its own cell */
    for (size_t i = 0; i < n; i++) q[i] = floor(s[i] * 256) / 256;
    vigil_auroc exact, fl;
    assert_int_equal(vigil_metrics_auroc(s, y, n, 0.95, &exact), VIGIL_OK);
    assert_int_equal(vigil_metrics_auroc(q, y, n, 0.95, &fl), VIGIL_OK);
    for (size_t si = 0; si < 4; si++) {
        vigil_accum_roc *a = sharded(&rocq_ops, s, y, n, SHARDS[si]);
        vigil_auroc got;
        assert_int_equal(vigil_accum_roc_auroc(a, 0.95, &got), VIGIL_OK);
        assert_same(got.auc, fl.auc);
        assert_same(got.se, fl.se);
        assert_same(vigil_accum_roc_ap(a), vigil_metrics_average_precision(q, y, n));
        double bound = vigil_accum_roc_bound(a);
        assert_true(bound > 0 && bound < 0.01);
        assert_true(fabs(got.auc - exact.auc) <= bound);
        assert_true(got.auc != exact.auc); /* the mode does change the number */
        assert_true(vigil_accum_roc_distinct(a) <= 257);
        vigil_accum_roc *e;
        assert_int_equal(vigil_accum_roc_new(&e), VIGIL_OK);
        assert_int_equal(vigil_accum_roc_merge(e, a), VIGIL_EINVAL);
        assert_non_null(strstr(vigil_error_last(), "0 and 8 quantization bits"));
        assert_same(vigil_accum_roc_bound(e), NAN);
        vigil_accum_roc_free(e);
        vigil_accum_roc_free(a);
    }
    vigil_accum_roc *z;
    assert_int_equal(vigil_accum_roc_new_quantized(&z, 31), VIGIL_EINVAL);
    free(s), free(y), free(q);
}

/* Scores a running double sum loses: 0.1 first, then 200000 scores of 1e-18 (each below half
 * an ulp of 0.1) in one bin. The engine adds them in sorted order (the tiny ones first) and
 * keeps their 2e-13; an uncompensated accumulator fed in file order would drop every one, a
 * relative error of 2e-12 in the bin's mean score and in the ECE. */
static void test_compensated_sums(void **state)
{
    (void)state;
    size_t n = 200001;
    double *s = malloc(n * sizeof *s), *y = calloc(n, sizeof *y), *ps = malloc(n * sizeof *ps);
    uint8_t *py = calloc(n, 1);
    s[0] = 0.1;
    for (size_t i = 1; i < n; i++) s[i] = 1e-18;
    for (size_t i = 0; i + 1 < n; i++) ps[i] = 1e-18;
    ps[n - 1] = 0.1;
    y[0] = 1; /* an event, so ECE has a gap to measure */
    py[n - 1] = 1;
    vm_calib_bins eng;
    vigil_stats_calib_bins_sorted(ps, py, NULL, n, &eng);
    double naive = 0;
    for (size_t i = 0; i < n; i++) naive += s[i];
    naive /= (double)n;
    /* The data do discriminate: a naive sum misses the engine by more than the tolerance. */
    assert_true(fabs(naive - eng.bin_p[0]) > 1e-12 * eng.bin_p[0]);
    vigil_accum_calib *a;
    assert_int_equal(vigil_accum_calib_new(&a), VIGIL_OK);
    assert_int_equal(vigil_accum_calib_add(a, s, y, n), VIGIL_OK);
    double w, mp, my;
    assert_int_equal(vigil_accum_calib_bin(a, 0, &w, &mp, &my), VIGIL_OK);
    assert_same(w, eng.bin_w[0]);
    assert_close(mp, eng.bin_p[0], 1e-14 * eng.bin_p[0]);
    vigil_calibration c;
    vigil_accum_calib_get(a, &c);
    assert_close(c.ece, eng.ece, 1e-13 * eng.ece);
    vigil_accum_calib_free(a);
    free(s), free(y), free(ps), free(py);
}

/* KS, AD, CvM and W1 on samples merged from sorted runs equal the whole-array kernels. */
static void sample_case(const double *x, size_t n1, const double *z, size_t n2, size_t S)
{
    vigil_accum_sample *acc[2];
    const double *v[2] = {x, z};
    size_t nn[2] = {n1, n2};
    for (int w = 0; w < 2; w++) {
        vigil_accum_sample **sh = calloc(S, sizeof *sh);
        size_t *cut = malloc((S + 1) * sizeof *cut);
        cut[0] = 0, cut[S] = nn[w];
        for (size_t k = 1; k < S; k++) cut[k] = below(nn[w] + 1);
        for (size_t k = 1; k < S; k++) /* insertion sort of the cut points */
            for (size_t j = k; j > 1 && cut[j] < cut[j - 1]; j--) {
                size_t t = cut[j];
                cut[j] = cut[j - 1];
                cut[j - 1] = t;
            }
        for (size_t k = 0; k < S; k++) {
            assert_int_equal(vigil_accum_sample_new(&sh[k]), VIGIL_OK);
            assert_int_equal(vigil_accum_sample_add(sh[k], v[w] + cut[k], cut[k + 1] - cut[k]), VIGIL_OK);
            if (k % 2) {
                void *b;
                size_t bn;
                assert_int_equal(vigil_accum_sample_serialize(sh[k], &b, &bn), VIGIL_OK);
                vigil_accum_sample_free(sh[k]);
                assert_int_equal(vigil_accum_sample_deserialize(&sh[k], b, bn), VIGIL_OK);
                free(b);
            }
        }
        size_t *perm = malloc(S * sizeof *perm);
        for (size_t k = 0; k < S; k++) perm[k] = k;
        shuffle(perm, S);
        assert_int_equal(vigil_accum_sample_new(&acc[w]), VIGIL_OK);
        for (size_t k = 0; k < S; k++) assert_int_equal(vigil_accum_sample_merge(acc[w], sh[perm[k]]), VIGIL_OK);
        for (size_t k = 0; k < S; k++) vigil_accum_sample_free(sh[k]);
        free(sh), free(cut), free(perm);
        assert_int_equal(vigil_accum_sample_n(acc[w]), nn[w]);
    }
    vigil_accum_drift d;
    assert_int_equal(vigil_accum_sample_compare(acc[0], acc[1], &d), VIGIL_OK);
    double st, p;
    assert_int_equal(vigil_drift_ks(x, n1, z, n2, &st, &p), VIGIL_OK);
    assert_same(d.ks_stat, st);
    assert_same(d.ks_p, p);
    assert_int_equal(vigil_drift_anderson(x, n1, z, n2, &st, &p), VIGIL_OK);
    assert_same(d.ad_stat, st);
    assert_same(d.ad_p, p);
    assert_int_equal(vigil_drift_cvm(x, n1, z, n2, &st, &p), VIGIL_OK);
    assert_same(d.cvm_stat, st);
    assert_same(d.cvm_p, p);
    assert_same(d.wasserstein, vigil_drift_wasserstein(x, n1, z, n2));
    vigil_accum_sample_free(acc[0]);
    vigil_accum_sample_free(acc[1]);
}

static void test_drift_shards(void **state)
{
    (void)state;
    size_t sizes[][2] = {{3, 4}, {500, 700}, {20000, 15000}};
    for (size_t zi = 0; zi < 3; zi++)
        for (int tied = 0; tied < 2; tied++) {
            size_t n1 = sizes[zi][0], n2 = sizes[zi][1];
            double *x = malloc(n1 * sizeof *x), *z = malloc(n2 * sizeof *z);
            for (size_t i = 0; i < n1; i++) x[i] = tied ? floor(unif() * 8) : unif();
            for (size_t i = 0; i < n2; i++) z[i] = tied ? floor(unif() * 9) : unif() * 1.1;
            for (size_t si = 0; si < 4; si++) sample_case(x, n1, z, n2, SHARDS[si]);
            free(x), free(z);
        }

    /* Categorical counts: six categories and missing values, two windows. */
    size_t n = 10000, k = 6;
    int32_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    double ca[6] = {0}, cb[6] = {0};
    for (size_t i = 0; i < n; i++) {
        a[i] = unif() < 0.05 ? -1 : (int32_t)below(k);
        b[i] = unif() < 0.05 ? -1 : (int32_t)(below(k) * below(k) % k);
        if (a[i] >= 0) ca[a[i]]++;
        if (b[i] >= 0) cb[b[i]]++;
    }
    double chi, df, p;
    assert_int_equal(vigil_drift_chi2_counts(ca, cb, k, &chi, &df, &p), VIGIL_OK);
    for (size_t si = 0; si < 4; si++) {
        size_t S = SHARDS[si];
        vigil_accum_categories *w[2];
        const int32_t *src[2] = {a, b};
        for (int j = 0; j < 2; j++) {
            assert_int_equal(vigil_accum_categories_new(&w[j], k), VIGIL_OK);
            for (size_t q = 0; q < S; q++) {
                size_t lo = n * q / S, hi = n * (q + 1) / S;
                vigil_accum_categories *sh;
                assert_int_equal(vigil_accum_categories_new(&sh, k), VIGIL_OK);
                assert_int_equal(vigil_accum_categories_add(sh, src[j] + lo, hi - lo), VIGIL_OK);
                void *blob;
                size_t bn;
                assert_int_equal(vigil_accum_categories_serialize(sh, &blob, &bn), VIGIL_OK);
                vigil_accum_categories_free(sh);
                assert_int_equal(vigil_accum_categories_deserialize(&sh, blob, bn), VIGIL_OK);
                free(blob);
                assert_int_equal(vigil_accum_categories_merge(w[j], sh), VIGIL_OK);
                vigil_accum_categories_free(sh);
            }
        }
        double c2, d2, p2, psi, js, got[6];
        size_t miss;
        assert_int_equal(vigil_accum_categories_counts(w[0], got, &miss), VIGIL_OK);
        for (size_t j = 0; j < k; j++) assert_same(got[j], ca[j]);
        assert_int_equal(miss + (size_t)(ca[0] + ca[1] + ca[2] + ca[3] + ca[4] + ca[5]), n);
        assert_int_equal(vigil_accum_categories_compare(w[0], w[1], &c2, &d2, &p2, &psi, &js), VIGIL_OK);
        assert_same(c2, chi);
        assert_same(d2, df);
        assert_same(p2, p);
        assert_same(psi, vigil_drift_psi_counts(ca, cb, k));
        assert_same(js, vigil_drift_js_counts(ca, cb, k));
        vigil_accum_categories_free(w[0]);
        vigil_accum_categories_free(w[1]);
    }
    free(a), free(b);
}

/* The engine's bootstrap, replicate by replicate, in the file's case order. */
typedef struct {
    const double *s, *y;
    size_t n;
    double *w, *w1, *mp, *br;
} bref;

static void bref_fn(void *ctx, size_t r, const double *w, void *scratch)
{
    (void)scratch;
    bref *b = ctx;
    double W = 0, W1 = 0, sp = 0, sq = 0;
    for (size_t i = 0; i < b->n; i++) {
        W += w[i];
        W1 += w[i] * b->y[i];
        sp += w[i] * b->s[i];
        sq += w[i] * (b->s[i] - b->y[i]) * (b->s[i] - b->y[i]);
    }
    b->w[r] = W, b->w1[r] = W1, b->mp[r] = sp / W, b->br[r] = sq / W;
}

static void test_bootstrap_shards(void **state)
{
    (void)state;
    size_t n = 3000, B = 24;
    uint64_t seed = 77;
    double *s = malloc(n * sizeof *s), *y = malloc(n * sizeof *y), *res = malloc(4 * B * sizeof *res);
    make(CONT, n, s, y);
    bref ref = {s, y, n, res, res + B, res + 2 * B, res + 3 * B};
    assert_int_equal(vigil_stats_bootstrap_run(n, B, seed, 2, 0, NULL, bref_fn, &ref), VIGIL_OK);
    for (size_t si = 0; si < 4; si++) {
        size_t S = SHARDS[si], *cut = malloc((S + 1) * sizeof *cut), *perm = malloc(S * sizeof *perm);
        cut[0] = 0, cut[S] = n;
        for (size_t k = 1; k < S; k++) cut[k] = below(n + 1);
        for (size_t k = 1; k < S; k++)
            for (size_t j = k; j > 1 && cut[j] < cut[j - 1]; j--) {
                size_t t = cut[j];
                cut[j] = cut[j - 1];
                cut[j - 1] = t;
            }
        for (size_t k = 0; k < S; k++) perm[k] = k;
        shuffle(perm, S);
        vigil_accum_boot *all;
        assert_int_equal(vigil_accum_boot_new(&all, n, B, seed), VIGIL_OK);
        for (size_t q = 0; q < S; q++) {
            size_t k = perm[q];
            vigil_accum_boot *sh;
            assert_int_equal(vigil_accum_boot_new(&sh, n, B, seed), VIGIL_OK);
            assert_int_equal(vigil_accum_boot_add(sh, cut[k], s + cut[k], y + cut[k], cut[k + 1] - cut[k]), VIGIL_OK);
            void *blob;
            size_t bn;
            assert_int_equal(vigil_accum_boot_serialize(sh, &blob, &bn), VIGIL_OK);
            vigil_accum_boot_free(sh);
            assert_int_equal(vigil_accum_boot_deserialize(&sh, blob, bn), VIGIL_OK);
            free(blob);
            assert_int_equal(vigil_accum_boot_merge(all, sh), VIGIL_OK);
            vigil_accum_boot_free(sh);
        }
        for (size_t r = 0; r < B; r++) {
            double w, w1, mp, br;
            assert_int_equal(vigil_accum_boot_replicate(all, r, &w, &w1, &mp, &br), VIGIL_OK);
            assert_same(w, ref.w[r]);
            assert_same(w1, ref.w1[r]);
            assert_close(mp, ref.mp[r], 1e-12);
            assert_close(br, ref.br[r], 1e-12);
        }
        /* A replicate resamples: its mean is not the sample's (the draws are really used). */
        double w, w1, mp0, mp1, br;
        vigil_accum_boot_replicate(all, 0, &w, &w1, &mp0, &br);
        vigil_accum_boot_replicate(all, 1, &w, &w1, &mp1, &br);
        assert_true(mp0 != mp1);
        vigil_accum_boot_free(all);
        free(cut), free(perm);
    }
    free(s), free(y), free(res);
}

/* The calibration slope and intercept by mergeable Newton steps: one sharded pass a step, to
 * the engine's fit within its tolerance. Scores include 0 and 1 (left out of the fit, as the
 * engine leaves them) and are miscalibrated, so the fit is not the start (0, 1). */
static void test_logit_steps(void **state)
{
    (void)state;
    size_t n = 200000;
    double *s = malloc(n * sizeof *s), *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        double u = unif();
        s[i] = i % 1000 == 0 ? (double)(i % 2000 == 0) : u;
        y[i] = unif() < 0.1 + 0.5 * u * u;
    }
    vigil_calibration cal;
    assert_int_equal(vigil_metrics_calibration(s, y, n, &cal), VIGIL_OK);
    assert_true(fabs(cal.slope - 1) > 0.1);
    for (size_t si = 0; si < 4; si++) {
        LA = 0, LB = 1;
        int conv = 0, it = 0;
        for (; it < 50 && !conv; it++) {
            vigil_accum_logit *acc = sharded(&logit_ops, s, y, n, SHARDS[si]);
            assert_int_equal(vigil_accum_logit_n(acc), cal.n_fit);
            assert_int_equal(vigil_accum_logit_step(acc, &LA, &LB, &conv), VIGIL_OK);
            vigil_accum_logit_free(acc);
        }
        assert_true(conv);
        assert_true(it > 2);
        assert_close(LA, cal.intercept, 1e-9 * (1 + fabs(cal.intercept)));
        assert_close(LB, cal.slope, 1e-9 * (1 + fabs(cal.slope)));
    }
    /* One class only: the Hessian is singular, said so. Different steps do not merge. */
    vigil_accum_logit *a, *b;
    double one[2] = {0.3, 0.6}, ones[2] = {1, 1}, na, nb;
    int conv;
    assert_int_equal(vigil_accum_logit_new(&a, 0, 1), VIGIL_OK);
    assert_int_equal(vigil_accum_logit_add(a, one, ones, 1), VIGIL_OK);
    assert_int_equal(vigil_accum_logit_step(a, &na, &nb, &conv), VIGIL_EINVAL);
    assert_int_equal(vigil_accum_logit_new(&b, 0.5, 1), VIGIL_OK);
    assert_int_equal(vigil_accum_logit_merge(a, b), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "(0, 1) and (0.5, 1)"));
    vigil_accum_logit_free(a);
    vigil_accum_logit_free(b);
    vigil_accum_logit_free(NULL);
    free(s), free(y);
}

#define assert_err(call, needle)                                                             \
    do {                                                                                     \
        assert_int_equal((call), VIGIL_EINVAL);                                              \
        if (!strstr(vigil_error_last(), needle)) {                                           \
            print_error("message '%s' lacks '%s'\n", vigil_error_last(), needle);            \
            fail();                                                                          \
        }                                                                                    \
    } while (0)

static void test_bad_input(void **state)
{
    (void)state;
    double s[3] = {0.2, NAN, 0.4}, y[3] = {0, 1, 0};
    vigil_accum_roc *roc;
    vigil_accum_calib *cal;
    vigil_accum_confusion *c1, *c2;
    assert_int_equal(vigil_accum_roc_new(&roc), VIGIL_OK);
    assert_int_equal(vigil_accum_calib_new(&cal), VIGIL_OK);
    assert_err(vigil_accum_roc_add(roc, s, y, 3), "row 2 is nan");
    s[1] = 1.5;
    assert_err(vigil_accum_calib_add(cal, s, y, 3), "row 2 is 1.5");
    s[1] = 0.5, y[2] = 2;
    assert_err(vigil_accum_roc_add(roc, s, y, 3), "label of row 3 is 2");
    assert_int_equal(vigil_accum_roc_distinct(roc), 0); /* nothing was added */
    y[2] = 1;
    assert_int_equal(vigil_accum_roc_add(roc, s, y, 3), VIGIL_OK);
    double t1[2] = {0.5, 0.3}, t2[2] = {0.5, 0.25};
    assert_int_equal(vigil_accum_confusion_new(&c1, t1, 2), VIGIL_OK);
    assert_int_equal(vigil_accum_confusion_new(&c2, t2, 2), VIGIL_OK);
    assert_err(vigil_accum_confusion_merge(c1, c2), "0.25");
    vigil_accum_confusion_free(c2);
    assert_int_equal(vigil_accum_confusion_new(&c2, t1, 1), VIGIL_OK);
    assert_err(vigil_accum_confusion_merge(c1, c2), "2 and 1 thresholds");
    vigil_accum_boot *b1, *b2;
    assert_int_equal(vigil_accum_boot_new(&b1, 10, 5, 1), VIGIL_OK);
    assert_int_equal(vigil_accum_boot_new(&b2, 10, 6, 1), VIGIL_OK);
    assert_err(vigil_accum_boot_merge(b1, b2), "5 replicates");
    assert_err(vigil_accum_boot_add(b1, 9, s, y, 3), "outside the 10 cases");
    vigil_accum_categories *k1, *k2;
    assert_int_equal(vigil_accum_categories_new(&k1, 3), VIGIL_OK);
    assert_int_equal(vigil_accum_categories_new(&k2, 4), VIGIL_OK);
    assert_err(vigil_accum_categories_merge(k1, k2), "3 and 4 categories");
    int32_t codes[2] = {1, 7};
    assert_err(vigil_accum_categories_add(k1, codes, 2), "code of row 2 is 7");
    vigil_accum_sample *sm;
    assert_int_equal(vigil_accum_sample_new(&sm), VIGIL_OK);
    double xs[2] = {1, NAN};
    assert_err(vigil_accum_sample_add(sm, xs, 2), "row 2 is NaN");

    /* Corrupted blobs: a flipped byte anywhere, a truncation, another kind's blob. */
    void *blob;
    size_t bn;
    assert_int_equal(vigil_accum_roc_serialize(roc, &blob, &bn), VIGIL_OK);
    vigil_accum_roc *back;
    for (size_t at = 0; at < bn; at += 7) {
        ((unsigned char *)blob)[at] ^= 0x10;
        assert_err(vigil_accum_roc_deserialize(&back, blob, bn), "corrupt");
        assert_null(back);
        ((unsigned char *)blob)[at] ^= 0x10;
    }
    assert_err(vigil_accum_roc_deserialize(&back, blob, bn - 1), "corrupt");
    vigil_accum_calib *cal2;
    assert_err(vigil_accum_calib_deserialize(&cal2, blob, bn), "another accumulator kind");
    assert_int_equal(vigil_accum_roc_deserialize(&back, blob, bn), VIGIL_OK);
    vigil_auroc a1, a2;
    vigil_accum_roc_auroc(roc, 0.95, &a1);
    vigil_accum_roc_auroc(back, 0.95, &a2);
    assert_same(a1.auc, a2.auc);
    vigil_accum_roc_free(back);
    free(blob);

    /* NULL-safe frees. */
    vigil_accum_roc_free(NULL), vigil_accum_calib_free(NULL), vigil_accum_confusion_free(NULL);
    vigil_accum_boot_free(NULL), vigil_accum_categories_free(NULL), vigil_accum_sample_free(NULL);
    vigil_accum_roc_free(roc), vigil_accum_calib_free(cal), vigil_accum_confusion_free(c1);
    vigil_accum_confusion_free(c2), vigil_accum_boot_free(b1), vigil_accum_boot_free(b2);
    vigil_accum_categories_free(k1), vigil_accum_categories_free(k2), vigil_accum_sample_free(sm);
}

/* _reset empties an accumulator but keeps its shape. */
static void test_reset(void **state)
{
    (void)state;
    double s[4] = {0.1, 0.4, 0.4, 0.9}, y[4] = {0, 1, 0, 1};
    vigil_accum_roc *r;
    vigil_accum_calib *c;
    vigil_accum_confusion *f;
    assert_int_equal(vigil_accum_roc_new(&r), VIGIL_OK);
    assert_int_equal(vigil_accum_calib_new(&c), VIGIL_OK);
    assert_int_equal(vigil_accum_confusion_new(&f, TH, NTH), VIGIL_OK);
    double junk[2] = {0.7, 0.2}, jy[2] = {0, 1};
    vigil_accum_roc_add(r, junk, jy, 2), vigil_accum_calib_add(c, junk, jy, 2), vigil_accum_confusion_add(f, junk, jy, 2);
    vigil_accum_roc_reset(r), vigil_accum_calib_reset(c), vigil_accum_confusion_reset(f);
    vigil_accum_roc_add(r, s, y, 4), vigil_accum_calib_add(c, s, y, 4), vigil_accum_confusion_add(f, s, y, 4);
    vigil_auroc a, b;
    vigil_metrics_auroc(s, y, 4, 0.95, &a);
    vigil_accum_roc_auroc(r, 0.95, &b);
    assert_same(b.auc, a.auc);
    assert_same(b.auc, 0.875);
    vigil_calibration cc, ce;
    vigil_metrics_calibration(s, y, 4, &ce);
    vigil_accum_calib_get(c, &cc);
    assert_close(cc.brier, ce.brier, 1e-15);
    vigil_threshold_stats ta, tb;
    vigil_metrics_threshold(s, y, 4, 0.5, 0.95, &ta);
    vigil_accum_confusion_stats(f, 3, 0.95, &tb);
    assert_same(tb.tp, ta.tp);
    assert_same(tb.fp, ta.fp);
    vigil_accum_roc_free(r), vigil_accum_calib_free(c), vigil_accum_confusion_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics_shards), cmocka_unit_test(test_bundled_file_shards),
        cmocka_unit_test(test_compensated_sums),
        cmocka_unit_test(test_drift_shards),   cmocka_unit_test(test_bootstrap_shards),
        cmocka_unit_test(test_bad_input),      cmocka_unit_test(test_reset),
        cmocka_unit_test(test_logit_steps),    cmocka_unit_test(test_roc_quantized),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
