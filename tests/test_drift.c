/* The drift engine against scipy 1.10.1 and statsmodels 0.13.5 (tests/reference/drift_ref.py
 * wrote tests/reference/drift/golden.json): KS (exact and asymptotic), Anderson-Darling
 * k-sample statistic, Cramer-von Mises (exact and asymptotic; on tied samples the ECDF form with
 * scipy's p machinery, see drift_ref.py cvm_ecdf), Wasserstein-1, PSI, Jensen-
 * Shannon, chi-square with an unseen category, Holm and BH, the KS asymptotic effective n
 * rounded half to even as scipy (n1 n2 / (n1 + n2) = 5000.5), the permutation null of CvM and
 * AD on heavily tied samples (against scipy permutation_test and, for 0/1 columns, the exact
 * hypergeometric null; the null rejection rate on 1,000 Bernoulli(1/3) pairs and 100
 * zero-inflated ones), the two-proportion test, MMD^2
 * with the median-heuristic bandwidth (numpy), and a
 * whole compare() with missing values; the errors (empty window, all-missing column, min_n,
 * missing feature, numeric vs categorical, MMD on a reference built without it); the reference
 * cache round trip (bit-identical to compare(), MMD included); and a
 * simulation with the synthetic generator (vigil synth): the family-wise false-alarm rate over
 * 20 features with no planted drift stays at alpha, and a planted 0.2 SD shift in one feature
 * at n = 2,000 per window is caught at least 90% of the time. */
#include "testutil.h"

#ifdef VIGIL_HAVE_CUDA
#include "backend/cuda/cuda.h" /* the chunk-size test hook */
#endif
#include "core/util.h"
#include "stats/drift_internal.h"
#include "vigil/backend.h"
#include "vigil/drift.h"
#include "vigil/error.h"
#include "vigil/table.h"
#include "vigil/synth.h"

#include <unistd.h>

static cJSON *golden;

static int setup(void **state)
{
    (void)state;
    golden = tu_load_json("tests/reference/drift/golden.json");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cJSON_Delete(golden);
    return 0;
}

/* relative-or-absolute closeness */
#define assert_rel(a, b, rel)                                                                      \
    do {                                                                                           \
        double e_ = (b);                                                                           \
        assert_close((a), e_, (rel) * fmax(1.0, fabs(e_)));                                        \
    } while (0)

static void test_numeric_kernels(void **state)
{
    (void)state;
    const cJSON *c;
    size_t cases = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(golden, "numeric"))
    {
        size_t n1, n2;
        double *x = tu_json_doubles(cJSON_GetObjectItem(c, "x"), &n1);
        double *y = tu_json_doubles(cJSON_GetObjectItem(c, "y"), &n2);
        const char *name = cJSON_GetObjectItem(c, "name")->valuestring;
        double s, p;
        print_message("case %s (%zu vs %zu)\n", name, n1, n2);
        assert_int_equal(vigil_drift_ks(x, n1, y, n2, &s, &p), 0);
        assert_close(s, tu_num(c, "ks_stat"), 1e-12);
        /* truly relative, tiny p included (exact_tiny_p: 3.7e-25); scipy used the method the
         * JSON names (checked there against an explicit method=) */
        assert_close(p, tu_num(c, "ks_p"), 1e-6 * tu_num(c, "ks_p"));
        assert_rel(vigil_drift_ks_pvalue(s, n1, n2), tu_num(c, "ks_p_method_check"), 1e-6);
        assert_int_equal(vigil_drift_anderson(x, n1, y, n2, &s, &p), 0);
        assert_rel(s, tu_num(c, "ad_stat"), 1e-9);
        double capped = tu_num(c, "ad_p_scipy_capped");
        const cJSON *adperm = cJSON_GetObjectItem(c, "ad_p_perm");
        if (cJSON_IsNumber(adperm)) { /* heavily tied: both Monte Carlo permutation p's */
            double e = adperm->valuedouble, se = sqrt(e * (1 - e));
            assert_close(p, e, 4 * se * (1 / sqrt(1999.0) + 1 / sqrt(tu_num(c, "ad_perm_resamples"))) + 2.0 / 2000);
        } else if (capped > 0.001 && capped < 0.25) assert_rel(p, capped, 1e-6); /* scipy's p is only exact inside */
        else if (capped >= 0.25) assert_true(p >= 0.25 - 1e-9);
        else assert_true(p <= 0.001 + 1e-9);
        assert_int_equal(vigil_drift_cvm(x, n1, y, n2, &s, &p), 0);
        assert_rel(s, tu_num(c, "cvm_stat"), 1e-9);
        double ecvm = tu_num(c, "cvm_p");
        /* exact (sizes <= 20) or asymptotic: relative 1e-6; below 1e-8 the asymptotic p is
         * 1 - cdf in both codes, so only absolute agreement is meaningful. Heavily tied: both
         * are Monte Carlo permutation p's (vigil's 1,999 permutations, scipy permutation_test's
         * cvm_perm_resamples), so they agree within 4 binomial SEs of each plus vigil's step */
        if (strcmp(cJSON_GetObjectItem(c, "cvm_null")->valuestring, "permutation") == 0) {
            double se = sqrt(ecvm * (1 - ecvm));
            assert_close(p, ecvm, 4 * se * (1 / sqrt(1999.0) + 1 / sqrt(tu_num(c, "cvm_perm_resamples"))) + 2.0 / 2000);
        } else if (ecvm > 1e-8) assert_close(p, ecvm, 1e-6 * ecvm);
        else assert_close(p, ecvm, 1e-14);
        assert_rel(vigil_drift_wasserstein(x, n1, y, n2), tu_num(c, "wasserstein"), 1e-10);
        size_t k1, k2;
        double *ca = tu_json_doubles(cJSON_GetObjectItem(c, "psi_counts_ref"), &k1);
        double *cb = tu_json_doubles(cJSON_GetObjectItem(c, "psi_counts_cur"), &k2);
        assert_int_equal(k1, k2);
        assert_rel(vigil_drift_psi_counts(ca, cb, k1), tu_num(c, "psi"), 1e-10);
        assert_rel(vigil_drift_js_counts(ca, cb, k1), tu_num(c, "js"), 1e-10);
        free(x), free(y), free(ca), free(cb);
        cases++;
    }
    assert_int_equal(cases, 11);
}

/* KS asymptotic p where n1 n2 / (n1 + n2) ends in .5: scipy 1.10.1 rounds the effective n half
 * to even (np.round), so 10,001 vs 10,001 is kstwo.sf(d, 5000) = 0.336520, not 0.336403 at 5001
 * (drift_ref.py ks_asymp_half, which rebuilds the same deterministic samples). */
static void test_ks_asymp_half(void **state)
{
    (void)state;
    const cJSON *c;
    size_t cases = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(golden, "ks_asymp_half"))
    {
        size_t n1 = (size_t)tu_num(c, "n1"), n2 = (size_t)tu_num(c, "n2");
        double scale = tu_num(c, "scale"), shift = tu_num(c, "shift"), s, p;
        double *x = malloc(n1 * sizeof *x), *y = malloc(n2 * sizeof *y);
        assert_non_null(x);
        assert_non_null(y);
        for (size_t i = 0; i < n1; i++) x[i] = (double)i;
        for (size_t i = 0; i < n2; i++) y[i] = ((double)i + shift) / scale;
        assert_int_equal(vigil_drift_ks(x, n1, y, n2, &s, &p), 0);
        assert_close(s, tu_num(c, "ks_stat"), 1e-12);
        /* the two roundings differ by ~3e-4 relative; hold scipy's to 1e-6 */
        assert_close(p, tu_num(c, "ks_p"), 1e-6 * tu_num(c, "ks_p"));
        assert_true(fabs(p - tu_num(c, "p_half_away")) > 1e-5 * p);
        free(x), free(y);
        cases++;
    }
    assert_int_equal(cases, 2);
}

/* Cramer-von Mises on a 0/1 column against its exact conditional null (scipy.stats.hypergeom,
 * drift_ref.py cvm_binary): vigil's permutation p is within its Monte Carlo error of the exact
 * one, and far shifts reach below 1/2000 (the sequential extension) without going under the
 * exact p by more than that error. */
static void test_cvm_binary_exact(void **state)
{
    (void)state;
    const cJSON *c;
    size_t cases = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(golden, "cvm_binary"))
    {
        size_t n1 = (size_t)tu_num(c, "n1"), n2 = (size_t)tu_num(c, "n2");
        size_t a1 = (size_t)tu_num(c, "a1"), b1 = (size_t)tu_num(c, "b1");
        double *x = calloc(n1, sizeof *x), *y = calloc(n2, sizeof *y), s, p;
        assert_non_null(x);
        assert_non_null(y);
        for (size_t i = 0; i < a1; i++) x[n1 - 1 - i] = 1;
        for (size_t i = 0; i < b1; i++) y[i] = 1;
        assert_int_equal(vigil_drift_cvm(x, n1, y, n2, &s, &p), 0);
        assert_rel(s, tu_num(c, "cvm_stat"), 1e-9);
        double pe = tu_num(c, "p_exact");
        print_message("cvm 0/1 %zu/%zu vs %zu/%zu: p %.6g, exact %.6g, continuous %.6g\n", a1, n1, b1, n2, p,
                      pe, tu_num(c, "p_continuous"));
        /* within 4 binomial SEs of 1,999 permutations (the p only gets finer when extended) */
        if (pe > 1e-5) assert_close(p, pe, 4 * sqrt(pe * (1 - pe) / 1999) + 1.0 / 2000);
        else assert_close(p, 1.0 / 200000, 1e-15); /* no permutation reached it: the floor of B = 199,999 */
        free(x), free(y);
        cases++;
    }
    assert_int_equal(cases, 6);
    /* a 0/1 column of 2,000,000 values with a large shift: the extension stops at 19,999
     * permutations there (a stage of 199,999 would pass ~4e7 sampler steps), p = 1/20,000 */
    size_t big = 1000000;
    double *x = malloc(big * sizeof *x), *y = malloc(big * sizeof *y), s, p;
    assert_non_null(x);
    assert_non_null(y);
    for (size_t i = 0; i < big; i++) x[i] = i % 10 < 3, y[i] = i % 100 < 32;
    assert_int_equal(vigil_drift_cvm(x, big, y, big, &s, &p), 0);
    assert_close(p, 1.0 / 20000, 1e-15);
    assert_int_equal(vigil_drift_anderson(x, big, y, big, &s, &p), 0);
    assert_close(p, 1.0 / 20000, 1e-15);
    free(x), free(y);
}

/* Null pairs of a discrete column: 1,000 seeded pairs of Bernoulli(1/3), 1,500 vs 1,500. Each
 * test's rejection rate at 0.05 must be at most 0.05 + 2 SE (SE = sqrt(0.05 * 0.95 / 1000) =
 * 0.0069, bound 0.0638): Cramer-von Mises through its permutation null (the continuous null
 * rejected ~7-8%), KS (scipy's p, conservative on ties) and Anderson-Darling (midrank, scipy's
 * interpolated p); then a zero-inflated column the same way. VIGIL_TIES_PAIRS=N runs N pairs
 * (N / 10 zero-inflated ones) instead; the bounds follow N. */
static void test_ties_null_rate(void **state)
{
    (void)state;
    const char *env = getenv("VIGIL_TIES_PAIRS");
    size_t pairs = env && atoi(env) > 0 ? (size_t)atoi(env) : 1000, n = 1500;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    assert_non_null(x);
    assert_non_null(y);
    uint64_t st = 20261204;
    size_t rej_cvm = 0, rej_ks = 0, rej_ad = 0;
    for (size_t r = 0; r < pairs; r++) {
        for (size_t i = 0; i < n; i++) {
            x[i] = (double)(vigil_splitmix64(&st) % 3 == 0);
            y[i] = (double)(vigil_splitmix64(&st) % 3 == 0);
        }
        double s, p;
        assert_int_equal(vigil_drift_cvm(x, n, y, n, &s, &p), 0);
        rej_cvm += p < 0.05;
        assert_int_equal(vigil_drift_ks(x, n, y, n, &s, &p), 0);
        rej_ks += p < 0.05;
        assert_int_equal(vigil_drift_anderson(x, n, y, n, &s, &p), 0);
        rej_ad += p < 0.05;
    }
    double bound = 0.05 + 2 * sqrt(0.05 * 0.95 / (double)pairs);
    print_message("Bernoulli(1/3) null pairs, %zu of %zu vs %zu: rejected at 0.05: cvm %.4f, ks %.4f, ad %.4f "
                  "(bound %.4f)\n", pairs, n, n, rej_cvm / (double)pairs, rej_ks / (double)pairs,
                  rej_ad / (double)pairs, bound);
    assert_true(rej_cvm / (double)pairs <= bound);
    assert_true(rej_ks / (double)pairs <= bound);
    assert_true(rej_ad / (double)pairs <= bound);
    /* a zero-inflated lab: half the values 0, the rest N(3, 1) to one decimal (~45 distinct
     * values; one of them holds half the sample): 100 pairs of 400 vs 400, bound 0.05 + 2 SE =
     * 0.0936 (the continuous null rejected ~13% of such pairs) */
    size_t zp = pairs / 10, zn = 400;
    rej_cvm = rej_ks = rej_ad = 0;
    for (size_t r = 0; r < zp; r++) {
        for (int w = 0; w < 2; w++)
            for (size_t i = 0; i < zn; i++) {
                double u1 = ((double)(vigil_splitmix64(&st) >> 11) + 0.5) * 0x1.0p-53;
                double u2 = (double)(vigil_splitmix64(&st) >> 11) * 0x1.0p-53;
                double z = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
                (w ? y : x)[i] = vigil_splitmix64(&st) % 2 ? 0 : round((3 + z) * 10) / 10;
            }
        double s, p;
        assert_int_equal(vigil_drift_cvm(x, zn, y, zn, &s, &p), 0);
        rej_cvm += p < 0.05;
        assert_int_equal(vigil_drift_ks(x, zn, y, zn, &s, &p), 0);
        rej_ks += p < 0.05;
        assert_int_equal(vigil_drift_anderson(x, zn, y, zn, &s, &p), 0);
        rej_ad += p < 0.05;
    }
    bound = 0.05 + 2 * sqrt(0.05 * 0.95 / (double)zp);
    print_message("zero-inflated null pairs, %zu of %zu vs %zu: rejected at 0.05: cvm %.4f, ks %.4f, ad %.4f "
                  "(bound %.4f)\n", zp, zn, zn, rej_cvm / (double)zp, rej_ks / (double)zp,
                  rej_ad / (double)zp, bound);
    assert_true(rej_cvm / (double)zp <= bound);
    assert_true(rej_ks / (double)zp <= bound);
    assert_true(rej_ad / (double)zp <= bound);
    free(x), free(y);
}

/* The CUSUM limit chosen by simulation holds its stated in-control false-signal probability
 * per window: on 200 seeded null windows (risks logit-normal around 12%, outcomes drawn from
 * them: a calibrated model) of 400 and 4,000 cases, with prob = 0.05 and 999 replicates, the
 * share of windows that signal is at most 0.05 + 2 SE = 0.0808. The fixed limit 4.5 on the same
 * windows is printed beside it (it grows with the window), and the share that signal when the
 * odds are doubled (at 4,000 cases at least 90%). The 500,000-case windows (the third size)
 * come in 4 blocks of 50 that share one draw of the risks: the limit depends on the risks alone,
 * so it is simulated once per block (4 x 999 x 500,000 steps instead of 200 x, which took ~11 min
 * on 2 shared cores), while every window draws its own outcomes; the statement tested is the
 * same, P(signal | these risks, in control) <= prob. The sanitizer build runs 400 and 4,000 only
 * (it checks memory safety, not rates). VIGIL_CUSUM_SIZES="..." runs other sizes (each window
 * its own risks below 500,000). The limit does not depend on the thread count. */
static void test_cusum_limit_null(void **state)
{
    (void)state;
#if defined(__SANITIZE_ADDRESS__) || defined(__OPTIMIZE__) == 0
    const size_t windows = 20; /* the sanitizer build checks memory safety; the -O2 build checks rates */
    size_t sizes[8] = {400, 4000}, ns = 2;
#else
    const size_t windows = 200;
    size_t sizes[8] = {400, 4000, 500000}, ns = 3;
#endif
    const char *env = getenv("VIGIL_CUSUM_SIZES");
    if (env) {
        ns = 0;
        for (char *e = (char *)env; *e && ns < 8;) {
            char *end;
            unsigned long v = strtoul(e, &end, 10);
            if (end == e) break;
            sizes[ns++] = v;
            e = end;
        }
    }
    const double prob = 0.05, bound = prob + 2 * sqrt(prob * (1 - prob) / (double)windows);
    for (size_t si = 0; si < ns; si++) {
        size_t n = sizes[si], sig = 0, sig_fixed = 0, sig_alt = 0;
        double *p = malloc(n * sizeof *p), *y = malloc(n * sizeof *y), *ya = malloc(n * sizeof *ya);
        assert_non_null(p);
        assert_non_null(y);
        assert_non_null(ya);
        /* windows that share their risks (a block): 1 below 500,000 cases, 50 at it and above */
        size_t block = n >= 500000 ? 50 : 1;
        double limit = NAN;
        for (size_t w = 0; w < windows; w++) {
            uint64_t st = 1000003 * (uint64_t)n + w, sp = 1000003 * (uint64_t)n + w / block * block;
            int fresh = w % block == 0;
            for (size_t t = 0; t < n; t++) {
                if (fresh || block == 1) {
                    uint64_t *g = block == 1 ? &st : &sp;
                    double u1 = ((double)(vigil_splitmix64(g) >> 11) + 0.5) * 0x1.0p-53;
                    double u2 = (double)(vigil_splitmix64(g) >> 11) * 0x1.0p-53;
                    double z = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
                    p[t] = 1 / (1 + exp(-(-2.2 + 0.8 * z)));
                }
                double u = (double)(vigil_splitmix64(&st) >> 11) * 0x1.0p-53;
                y[t] = u < p[t];
                ya[t] = u < 2 * p[t] / (1 + p[t]); /* the odds doubled: what the chart is for */
            }
            double mx;
            size_t first;
            if (fresh) assert_int_equal(vigil_cusum_limit_simulated(p, n, 2.0, prob, 999, w + 1, 0, &limit), 0);
            if (w == 0) {
                double l1;
                assert_int_equal(vigil_cusum_limit_simulated(p, n, 2.0, prob, 999, w + 1, 1, &l1), 0);
                assert_true(l1 == limit); /* same limit on one thread */
            }
            assert_int_equal(vigil_cusum_risk_adjusted(p, y, n, 2.0, limit, NULL, &first, &mx), 0);
            sig += first < n;
            assert_int_equal(vigil_cusum_risk_adjusted(p, y, n, 2.0, 4.5, NULL, &first, &mx), 0);
            sig_fixed += first < n;
            assert_int_equal(vigil_cusum_risk_adjusted(p, ya, n, 2.0, limit, NULL, &first, &mx), 0);
            sig_alt += first < n;
        }
        print_message("cusum, %zu null windows of %zu cases: signalled %.3f with the simulated limit "
                      "(stated %.2f, bound %.4f), %.3f with the fixed 4.5; odds ratio 2: %.3f\n", windows, n,
                      sig / (double)windows, prob, bound, sig_fixed / (double)windows, sig_alt / (double)windows);
        assert_true(sig / (double)windows <= bound);
        if (n >= 4000) assert_true(sig_alt / (double)windows >= 0.9); /* and it still sees a doubling */
        free(p), free(y), free(ya);
    }
    /* the argument checks */
    double p1[3] = {0.1, 0.2, 0.3}, lim;
    assert_int_equal(vigil_cusum_limit_simulated(p1, 3, 2.0, 0.001, 99, 1, 1, &lim), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "99 replicates cannot resolve"));
    assert_int_equal(vigil_cusum_limit_simulated(p1, 3, 1.0, 0.05, 99, 1, 1, &lim), VIGIL_EINVAL);
    p1[1] = 1.5;
    assert_int_equal(vigil_cusum_limit_simulated(p1, 3, 2.0, 0.05, 99, 1, 1, &lim), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "risk 1.5 at case 2"));
}

static void test_categorical_and_corrections(void **state)
{
    (void)state;
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(golden, "categorical"))
    {
        size_t k, k2;
        double *a = tu_json_doubles(cJSON_GetObjectItem(c, "a"), &k);
        double *b = tu_json_doubles(cJSON_GetObjectItem(c, "b"), &k2);
        double s, df, p;
        assert_int_equal(vigil_drift_chi2_counts(a, b, k, &s, &df, &p), 0);
        assert_rel(s, tu_num(c, "chi2"), 1e-10);
        assert_close(df, tu_num(c, "df"), 0);
        assert_rel(p, tu_num(c, "p"), 1e-8);
        assert_rel(vigil_drift_psi_counts(a, b, k), tu_num(c, "psi"), 1e-10);
        assert_rel(vigil_drift_js_counts(a, b, k), tu_num(c, "js"), 1e-10);
        free(a), free(b);
    }
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(golden, "correction"))
    {
        size_t n, m;
        double *p = tu_json_doubles(cJSON_GetObjectItem(c, "p"), &n);
        double *holm = tu_json_doubles(cJSON_GetObjectItem(c, "holm"), &m);
        double *bh = tu_json_doubles(cJSON_GetObjectItem(c, "bh"), &m);
        double adj[16];
        vigil_drift_correct(p, n, VIGIL_CORRECT_HOLM, adj);
        for (size_t i = 0; i < n; i++) assert_close(adj[i], holm[i], 1e-12);
        vigil_drift_correct(p, n, VIGIL_CORRECT_BH, adj);
        for (size_t i = 0; i < n; i++) assert_close(adj[i], bh[i], 1e-12);
        free(p), free(holm), free(bh);
    }
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(golden, "two_proportion"))
    {
        double d, p;
        vigil_drift_two_proportion((size_t)tu_num(c, "x1"), (size_t)tu_num(c, "n1"), (size_t)tu_num(c, "x2"),
                                   (size_t)tu_num(c, "n2"), &d, &p);
        assert_close(d, tu_num(c, "diff"), 1e-12);
        assert_rel(p, tu_num(c, "p"), 1e-9);
    }
}

/* MMD^2 and the median-heuristic bandwidth against numpy (scipy pdist/cdist); the permutation
 * p-value is vigil's own (seeded), so only its range and its use are checked. */
static void test_mmd(void **state)
{
    (void)state;
    const cJSON *c;
    size_t cases = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(golden, "mmd"))
    {
        size_t nx, ny;
        double *x = tu_json_doubles(cJSON_GetObjectItem(c, "x"), &nx);
        double *y = tu_json_doubles(cJSON_GetObjectItem(c, "y"), &ny);
        size_t n1 = (size_t)tu_num(c, "n1"), n2 = (size_t)tu_num(c, "n2"), d = (size_t)tu_num(c, "d");
        double stat, p, bw = 0;
        assert_int_equal(vigil_drift_mmd(x, n1, y, n2, d, 199, 7, VIGIL_BACKEND_CPU, 2, &stat, &p, &bw, NULL), 0);
        assert_rel(bw, tu_num(c, "bandwidth"), 1e-12);
        assert_close(stat, tu_num(c, "mmd2"), 2e-7); /* the kernel matrix is held in float */
        assert_true(p > 0 && p <= 1);
        if (cJSON_IsTrue(cJSON_GetObjectItem(c, "shifted"))) assert_close(p, 1.0 / 200, 1e-12);
        else assert_true(p > 0.01);
        /* the library's enum, not drift's old one (CPU = 0, CUDA = 1, AUTO = 2): an explicit
         * CPU request runs on the CPU and says so; an explicit CUDA request without a device is
         * the usage error every op gives, not a silent CPU run */
        vigil_backend_kind used = VIGIL_BACKEND_AUTO;
        double s2, p2, b2 = 0;
        assert_int_equal(vigil_drift_mmd(x, n1, y, n2, d, 199, 7, VIGIL_BACKEND_CPU, 2, &s2, &p2, &b2, &used), 0);
        assert_int_equal(used, VIGIL_BACKEND_CPU);
        assert_true(s2 == stat && p2 == p);
        if (!vigil_cuda_available()) {
            assert_int_equal(vigil_drift_mmd(x, n1, y, n2, d, 199, 7, VIGIL_BACKEND_CUDA, 2, &s2, &p2, &b2, &used),
                             VIGIL_EINVAL);
            assert_non_null(strstr(vigil_error_last(), "--backend cuda: "));
            assert_int_equal(vigil_drift_mmd(x, n1, y, n2, d, 199, 7, VIGIL_BACKEND_AUTO, 2, &s2, &p2, &b2, &used), 0);
            assert_int_equal(used, VIGIL_BACKEND_CPU);
        }
        assert_int_equal(vigil_drift_options_default().backend, VIGIL_BACKEND_AUTO);
        /* the same seed gives the same p whatever the thread count */
        double s1, p1, b1 = 0;
        assert_int_equal(vigil_drift_mmd(x, n1, y, n2, d, 199, 7, VIGIL_BACKEND_CPU, 1, &s1, &p1, &b1, NULL), 0);
        assert_true(s1 == stat && p1 == p);
        free(x), free(y);
        cases++;
    }
    assert_int_equal(cases, 2);
}

/* CPU and CUDA MMD agree (the GPU selects the median bandwidth, builds the kernel matrix and
 * does every permutation's n^2 sums as one product; the host the same formula): on the golden
 * cases and on 3,000 rows x 5 features, the statistic to 1e-9 relative, the bandwidth exactly
 * (the same squared distances, selected on the device), the permutation p within
 * 2 / (permutations + 1) (a permutation statistic within rounding of the observed one may fall
 * either side); again with masks in chunks of 37 and the kernel matrix in blocks of 100 rows
 * (the paths a large job takes). Skipped, visibly, where no CUDA device answers; a failure
 * there under VIGIL_TEST_REQUIRE_CUDA. */
static void test_mmd_cuda_parity(void **state)
{
    (void)state;
    TU_REQUIRE_CUDA("CPU/CUDA MMD parity");
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(golden, "mmd"))
    {
        size_t nx, ny;
        double *x = tu_json_doubles(cJSON_GetObjectItem(c, "x"), &nx);
        double *y = tu_json_doubles(cJSON_GetObjectItem(c, "y"), &ny);
        size_t n1 = (size_t)tu_num(c, "n1"), n2 = (size_t)tu_num(c, "n2"), d = (size_t)tu_num(c, "d");
        double s0, p0, b0 = 0, s1, p1, b1 = 0;
        assert_int_equal(vigil_drift_mmd(x, n1, y, n2, d, 199, 7, VIGIL_BACKEND_CPU, 2, &s0, &p0, &b0, NULL), 0);
        vigil_backend_kind used = VIGIL_BACKEND_CPU;
        assert_int_equal(vigil_drift_mmd(x, n1, y, n2, d, 199, 7, VIGIL_BACKEND_CUDA, 2, &s1, &p1, &b1, &used), 0);
        assert_int_equal(used, VIGIL_BACKEND_CUDA);
        assert_true(b0 == b1);
        assert_close(s1, s0, 1e-9 * fabs(s0) + 1e-15);
        assert_close(p1, p0, 2.0 / 200);
        free(x), free(y);
    }
    size_t n1 = 1500, n2 = 1500, d = 5;
    double *x = malloc(n1 * d * sizeof *x), *y = malloc(n2 * d * sizeof *y);
    uint64_t st = 3;
    for (size_t i = 0; i < n1 * d; i++) x[i] = (double)((st = st * 6364136223846793005ull + 1) >> 11) * 0x1.0p-53;
    for (size_t i = 0; i < n2 * d; i++) y[i] = 0.03 + (double)((st = st * 6364136223846793005ull + 1) >> 11) * 0x1.0p-53;
    double s0, p0, b0 = 0;
    assert_int_equal(vigil_drift_mmd(x, n1, y, n2, d, 99, 5, VIGIL_BACKEND_CPU, 0, &s0, &p0, &b0, NULL), 0);
    for (int chunked = 0; chunked < 2; chunked++) {
#ifdef VIGIL_HAVE_CUDA
        vigil_cuda_test_chunks(0, 0, chunked ? 37 : 0, chunked ? 100 : 0);
#endif
        double s1, p1, b1 = 0;
        vigil_backend_kind used = VIGIL_BACKEND_CPU;
        assert_int_equal(vigil_drift_mmd(x, n1, y, n2, d, 99, 5, VIGIL_BACKEND_CUDA, 0, &s1, &p1, &b1, &used), 0);
        assert_int_equal(used, VIGIL_BACKEND_CUDA);
        assert_true(b0 == b1);
        assert_close(s1, s0, 1e-9 * fabs(s0) + 1e-15);
        assert_close(p1, p0, 2.0 / 100);
    }
#ifdef VIGIL_HAVE_CUDA
    vigil_cuda_test_chunks(0, 0, 0, 0);
#endif
    free(x), free(y);
}

static const vigil_drift_feature *feature(const vigil_drift_result *r, const char *name)
{
    for (size_t i = 0; i < vigil_drift_result_n_features(r); i++)
        if (strcmp(vigil_drift_result_feature(r, i)->name, name) == 0) return vigil_drift_result_feature(r, i);
    fail_msg("no feature %s", name);
    return NULL;
}

static void check_compare(const vigil_drift_result *r)
{
    const cJSON *g = cJSON_GetObjectItem(golden, "compare");
    const char *names[] = {"a", "b"};
    for (int k = 0; k < 2; k++) {
        const cJSON *e = cJSON_GetObjectItem(g, names[k]);
        const vigil_drift_feature *f = feature(r, names[k]);
        assert_int_equal(f->type, VIGIL_DRIFT_NUMERIC);
        assert_int_equal(f->n_ref, (size_t)tu_num(e, "n_ref"));
        assert_int_equal(f->n_cur, (size_t)tu_num(e, "n_cur"));
        assert_close(f->ks_stat, tu_num(e, "ks_stat"), 1e-12);
        assert_rel(f->ks_p, tu_num(e, "ks_p"), 1e-6);
        assert_rel(f->wasserstein_norm, tu_num(e, "wasserstein_norm"), 1e-9);
        assert_rel(f->psi, tu_num(e, "psi"), 1e-9);
        assert_rel(f->js, tu_num(e, "js"), 1e-9);
        assert_rel(f->cvm_stat, tu_num(e, "cvm_stat"), 1e-9);
        assert_rel(f->ad_stat, tu_num(e, "ad_stat"), 1e-9);
        assert_rel(f->missing_p, tu_num(e, "missing_p"), 1e-9);
        assert_rel(f->p_adjusted, tu_num(e, "p_adjusted"), 1e-6);
        assert_int_equal(f->drift, cJSON_IsTrue(cJSON_GetObjectItem(e, "drift")));
    }
    const cJSON *e = cJSON_GetObjectItem(g, "c");
    const vigil_drift_feature *f = feature(r, "c");
    assert_int_equal(f->type, VIGIL_DRIFT_CATEGORICAL);
    assert_rel(f->chi2_stat, tu_num(e, "chi2"), 1e-10);
    assert_close(f->chi2_df, tu_num(e, "df"), 0);
    assert_rel(f->chi2_p, tu_num(e, "chi2_p"), 1e-8);
    assert_rel(f->psi, tu_num(e, "psi"), 1e-10);
    assert_int_equal(f->n_unseen, 1);
    assert_rel(f->p_adjusted, tu_num(e, "p_adjusted"), 1e-6);
    assert_int_equal(f->drift, 1);
    assert_int_equal(vigil_drift_result_n_alarms(r), 2);
    assert_true(vigil_drift_result_alarm(r));
}

/* every number of two results is the same double (NaN where NaN): the cached reference must
 * give exactly what compare() gives */
static void same_result(const vigil_drift_result *a, const vigil_drift_result *b)
{
    assert_int_equal(vigil_drift_result_n_features(a), vigil_drift_result_n_features(b));
    for (size_t i = 0; i < vigil_drift_result_n_features(a); i++) {
        const vigil_drift_feature *x = vigil_drift_result_feature(a, i), *y = vigil_drift_result_feature(b, i);
        assert_string_equal(x->name, y->name);
        assert_int_equal(x->type, y->type);
        assert_int_equal(x->n_ref, y->n_ref);
        assert_int_equal(x->n_cur, y->n_cur);
        assert_int_equal(x->missing_ref, y->missing_ref);
        assert_int_equal(x->missing_cur, y->missing_cur);
        assert_int_equal(x->drift, y->drift);
        assert_int_equal(x->n_unseen, y->n_unseen);
        const double xs[] = {x->p, x->p_adjusted, x->effect, x->effect_floor, x->missing_diff, x->missing_p,
                             x->ks_stat, x->ks_p, x->ad_stat, x->ad_p, x->cvm_stat, x->cvm_p, x->wasserstein,
                             x->wasserstein_norm, x->psi, x->js, x->chi2_stat, x->chi2_p, x->chi2_df};
        const double ys[] = {y->p, y->p_adjusted, y->effect, y->effect_floor, y->missing_diff, y->missing_p,
                             y->ks_stat, y->ks_p, y->ad_stat, y->ad_p, y->cvm_stat, y->cvm_p, y->wasserstein,
                             y->wasserstein_norm, y->psi, y->js, y->chi2_stat, y->chi2_p, y->chi2_df};
        for (size_t k = 0; k < sizeof xs / sizeof *xs; k++) {
            if (isnan(xs[k])) assert_true(isnan(ys[k]));
            else if (xs[k] != ys[k]) fail_msg("feature %s field %zu: %.17g vs %.17g", x->name, k, xs[k], ys[k]);
        }
    }
}

static void test_compare_and_cache(void **state)
{
    (void)state;
    vigil_table *ref = NULL, *cur = NULL;
    assert_int_equal(vigil_table_read_csv(&ref, "tests/reference/drift/ref.csv", NULL), 0);
    assert_int_equal(vigil_table_read_csv(&cur, "tests/reference/drift/cur.csv", NULL), 0);
    vigil_drift_options o = vigil_drift_options_default();
    vigil_drift_result *r = NULL;
    assert_int_equal(vigil_drift_compare(ref, cur, &o, &r), 0);
    check_compare(r);
    char *js = NULL;
    assert_int_equal(vigil_drift_result_json(r, &js), 0);
    cJSON *d = cJSON_Parse(js);
    assert_non_null(d);
    const cJSON *fa = cJSON_GetObjectItem(cJSON_GetObjectItem(d, "features"), "a");
    for (const char *const *k = (const char *const[]){"type", "n_ref", "n_cur", "missing_ref", "missing_cur", "drift",
                                                       "p_adjusted", "tests", NULL};
         *k; k++)
        assert_non_null(cJSON_GetObjectItem(fa, *k));
    assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(fa, "tests"), "ks"), "p"));
    cJSON_Delete(d);
    free(js);
    vigil_drift_result *r1 = r;

    /* the cached reference (built, serialised, read back) gives the same answer */
    vigil_drift_reference *rf = NULL, *rf2 = NULL;
    void *blob = NULL;
    size_t n = 0;
    assert_int_equal(vigil_drift_reference_build(ref, &o, &rf), 0);
    assert_int_equal(vigil_drift_reference_serialize(rf, &blob, &n), 0);
    assert_int_equal(vigil_drift_reference_deserialize(&rf2, blob, n), 0);
    assert_int_equal(vigil_drift_compare_ref(rf2, cur, &o, &r), 0);
    check_compare(r);
    same_result(r, r1);
    vigil_drift_result_free(r);
    vigil_drift_result_free(r1);
    /* a truncated blob is refused, not read past its end */
    vigil_drift_reference *bad = NULL;
    assert_int_not_equal(vigil_drift_reference_deserialize(&bad, blob, n / 2), 0);
    assert_null(bad);
    /* a NaN written over a sorted reference value (the smallest of column 'a') is refused */
    {
        const double *va = vigil_table_numeric(ref, (size_t)vigil_table_find(ref, "a"));
        double mn = INFINITY, nan = NAN;
        for (size_t i = 0; i < vigil_table_nrows(ref); i++)
            if (va[i] < mn) mn = va[i];
        unsigned char *bb = blob;
        size_t at = 0, hits = 0;
        for (size_t i = 0; i + 8 <= n; i++)
            if (memcmp(bb + i, &mn, 8) == 0) at = i, hits++;
        assert_true(hits >= 1);
        memcpy(bb + at, &nan, 8);
        assert_int_not_equal(vigil_drift_reference_deserialize(&bad, blob, n), 0);
        assert_null(bad);
        assert_non_null(strstr(vigil_error_last(), "drift reference cache"));
        memcpy(bb + at, &mn, 8);
    }
    free(blob);
    vigil_drift_reference_free(rf), vigil_drift_reference_free(rf2);
    /* the same with the MMD subsample in the blob: identical statistic, bandwidth and p */
    o.mmd = 1, o.mmd_permutations = 49, o.mmd_max_rows = 150;
    const char *ab[] = {"a", "b"};
    o.features = ab, o.n_features = 2;
    vigil_drift_result *m1 = NULL, *m2 = NULL;
    assert_int_equal(vigil_drift_compare(ref, cur, &o, &m1), 0);
    assert_int_equal(vigil_drift_reference_build(ref, &o, &rf), 0);
    assert_int_equal(vigil_drift_reference_serialize(rf, &blob, &n), 0);
    assert_int_equal(vigil_drift_reference_deserialize(&rf2, blob, n), 0);
    assert_int_equal(vigil_drift_compare_ref(rf2, cur, &o, &m2), 0);
    same_result(m1, m2);
    double s1, p1, b1, s2, p2, b2;
    size_t k1, k2, w1, w2;
    assert_int_equal(vigil_drift_result_mmd(m1, &s1, &p1, &b1, &k1, &w1), 0);
    assert_int_equal(vigil_drift_result_mmd(m2, &s2, &p2, &b2, &k2, &w2), 0);
    assert_true(s1 == s2 && p1 == p2 && b1 == b2 && k1 == 49 && k2 == 49 && w1 == w2);
    assert_int_equal(w1, 300); /* 150 rows from each window */
    /* the result says which backend ran, in the JSON too (multivariate.mmd.backend) */
    vigil_backend_kind ran = vigil_drift_result_mmd_backend(m1);
    assert_true(ran == VIGIL_BACKEND_CPU || (ran == VIGIL_BACKEND_CUDA && vigil_cuda_available()));
    char *mj = NULL;
    assert_int_equal(vigil_drift_result_json(m1, &mj), 0);
    cJSON *mdoc = cJSON_Parse(mj);
    const cJSON *mb = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(mdoc, "multivariate"), "mmd"), "backend");
    assert_true(cJSON_IsString(mb));
    assert_string_equal(mb->valuestring, vigil_backend_name(ran));
    cJSON_Delete(mdoc), free(mj);
    free(blob);
    vigil_drift_result_free(m1), vigil_drift_result_free(m2);
    vigil_drift_reference_free(rf), vigil_drift_reference_free(rf2);
    vigil_table_free(ref), vigil_table_free(cur);
}

static vigil_table *table_of(const char *src, size_t n, const char *const *names, const double *const *cols, size_t k)
{
    vigil_table *t = NULL;
    assert_int_equal(vigil_table_new(&t, n, src), 0);
    for (size_t i = 0; i < k; i++) assert_int_equal(vigil_table_add_numeric(t, names[i], cols[i]), 0);
    return t;
}

static void test_errors(void **state)
{
    (void)state;
    double a[5] = {1, 2, 3, 4, 5}, b[5] = {NAN, NAN, NAN, NAN, 1}, c[5] = {2, 3, 4, 5, 6};
    const char *n1[] = {"x", "y"}, *n2[] = {"x"};
    const double *ca[] = {a, c}, *cb[] = {b};
    vigil_table *ref = table_of("ref.csv", 5, n1, ca, 2), *cur = table_of("cur.csv", 5, n2, cb, 1);
    vigil_drift_options o = vigil_drift_options_default();
    vigil_drift_result *r = NULL;
    const char *fy[] = {"y"};
    o.features = fy, o.n_features = 1;
    assert_int_equal(vigil_drift_compare(ref, cur, &o, &r), VIGIL_EINVAL); /* y not in cur */
    assert_non_null(strstr(vigil_error_last(), "'y'"));
    assert_null(r);
    const char *fx[] = {"x"};
    o.features = fx;
    vigil_table *empty = NULL;
    assert_int_equal(vigil_table_new(&empty, 0, "empty.csv"), 0);
    assert_int_equal(vigil_table_add_numeric(empty, "x", a), 0);
    assert_int_equal(vigil_drift_compare(ref, empty, &o, &r), VIGIL_EINVAL);
    /* numeric in one window, categorical in the other */
    vigil_table *cat = NULL;
    int32_t codes[5] = {0, 1, 0, 1, 0};
    const char *lv[] = {"p", "q"};
    assert_int_equal(vigil_table_new(&cat, 5, "cat.csv"), 0);
    assert_int_equal(vigil_table_add_categorical(cat, "x", codes, lv, 2), 0);
    assert_int_equal(vigil_drift_compare(ref, cat, &o, &r), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "cat.csv"));
    assert_non_null(strstr(vigil_error_last(), "but categorical in cat.csv"));
    assert_null(r);
    /* the empty window is named */
    assert_int_equal(vigil_drift_compare(ref, empty, &o, &r), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "empty.csv: the current window is empty"));
    assert_int_equal(vigil_drift_compare(empty, ref, &o, &r), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "empty.csv: the reference window is empty"));
    /* (a column with too few values in a window is not an error: test_not_computable) */
    o.min_n = 5;
    assert_int_equal(vigil_drift_compare(ref, ref, &o, &r), 0);
    assert_false(vigil_drift_result_alarm(r));
    assert_close(vigil_drift_result_feature(r, 0)->ks_p, 1.0, 0);
    vigil_drift_result_free(r), r = NULL;
    o = vigil_drift_options_default();
    /* a reference cached from every column, a current window lacking one numeric column: the
     * univariate tests skip it, the MMD (which needs every numeric feature) refuses by name */
    vigil_drift_reference *rf = NULL;
    assert_int_equal(vigil_drift_reference_build(ref, &o, &rf), 0);
    vigil_table *xonly = table_of("xonly.csv", 5, n2, (const double *[]){c}, 1);
    assert_int_equal(vigil_drift_compare_ref(rf, xonly, &o, &r), 0);
    assert_int_equal(vigil_drift_result_n_features(r), 1);
    vigil_drift_result_free(r), r = NULL;
    /* MMD asked of a reference built without its subsample: refused, not skipped */
    o.mmd = 1;
    assert_int_equal(vigil_drift_compare_ref(rf, ref, &o, &r), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "built without the MMD subsample"));
    assert_null(r);
    vigil_drift_reference_free(rf), rf = NULL;
    o.mmd = 1, o.mmd_permutations = 9;
    assert_int_equal(vigil_drift_reference_build(ref, &o, &rf), 0);
    assert_int_equal(vigil_drift_compare_ref(rf, xonly, &o, &r), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "mmd: feature 'y' is not a column of xonly.csv"));
    assert_null(r);
    vigil_drift_reference_free(rf);
    o = vigil_drift_options_default();
    /* a categorical feature with one level in both windows: chi-square df 0, p 1, no drift
     * (scipy chi2_contingency on a 2 x 1 table gives the same; golden "single_level") */
    vigil_table *c1 = NULL, *c2 = NULL;
    int32_t same[5] = {0, 0, 0, 0, 0};
    const char *one[] = {"only"};
    assert_int_equal(vigil_table_new(&c1, 5, "c1.csv"), 0);
    assert_int_equal(vigil_table_add_categorical(c1, "x", same, one, 1), 0);
    assert_int_equal(vigil_table_new(&c2, 5, "c2.csv"), 0);
    assert_int_equal(vigil_table_add_categorical(c2, "x", same, one, 1), 0);
    assert_int_equal(vigil_drift_compare(c1, c2, &o, &r), 0);
    assert_close(vigil_drift_result_feature(r, 0)->chi2_p, 1.0, 0);
    assert_close(vigil_drift_result_feature(r, 0)->chi2_df, 0.0, 0);
    assert_false(vigil_drift_result_alarm(r));
    vigil_drift_result_free(r), r = NULL;
    vigil_table_free(c1), vigil_table_free(c2), vigil_table_free(xonly);
    /* the two-proportion test's documented edge: both rates 0 (or both 1) give p = 1 */
    double dd, pp;
    vigil_drift_two_proportion(0, 50, 0, 70, &dd, &pp);
    assert_close(dd, 0, 0);
    assert_close(pp, 1, 0);
    vigil_drift_two_proportion(50, 50, 70, 70, &dd, &pp);
    assert_close(dd, 0, 0);
    assert_close(pp, 1, 0);
    /* chi-square on an empty row */
    double z[3] = {0, 0, 0}, w[3] = {1, 2, 3}, s, df, p;
    assert_int_equal(vigil_drift_chi2_counts(z, w, 3, &s, &df, &p), VIGIL_EINVAL);
    vigil_table_free(ref), vigil_table_free(cur), vigil_table_free(empty), vigil_table_free(cat);
}

/* One seeded case file from the synthetic generator (vigil synth): 4,000 cases over 4,000 days,
 * 20 numeric features x1..x20 (x1 and x2 correlated 0.5), 2% missing at random; with `shift`
 * > 0 a covariate drift of that many SDs in x1 from day 2,000. Reference = the first 2,000
 * cases, current = the last 2,000. Returns whether any feature alarmed (null) or whether x1
 * did (shifted). */
static int one_run(uint64_t seed, double shift)
{
    enum { F = 20, N = 2000 };
    char path[] = "/tmp/vigil-drift-sim-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    vigil_synth_options so;
    vigil_synth_defaults(&so);
    so.rows = 2 * N, so.days = 2 * N, so.features = F, so.seed = seed;
    so.drift = shift > 0 ? VIGIL_DRIFT_COVARIATE : VIGIL_DRIFT_NONE, so.shift = shift, so.drift_start = 0.5;
    assert_int_equal(vigil_synth_write(&so, path), 0);
    vigil_table *t = NULL, *a = NULL, *b = NULL;
    assert_int_equal(vigil_table_read_csv(&t, path, NULL), 0);
    unlink(path);
    uint8_t keep[2 * N];
    for (int i = 0; i < 2 * N; i++) keep[i] = i < N;
    assert_int_equal(vigil_table_filter(&a, t, keep), 0);
    for (int i = 0; i < 2 * N; i++) keep[i] = i >= N;
    assert_int_equal(vigil_table_filter(&b, t, keep), 0);
    char names[F][8];
    const char *nm[F];
    for (int f = 0; f < F; f++) snprintf(names[f], sizeof names[f], "x%d", f + 1), nm[f] = names[f];
    vigil_drift_options o = vigil_drift_options_default();
    o.features = nm, o.n_features = F, o.threads = 1;
    vigil_drift_result *r = NULL;
    assert_int_equal(vigil_drift_compare(a, b, &o, &r), 0);
    int alarm = vigil_drift_result_alarm(r);
    int caught = feature(r, "x1")->drift;
    vigil_drift_result_free(r);
    vigil_table_free(t), vigil_table_free(a), vigil_table_free(b);
    return shift > 0 ? caught : alarm;
}

/* A feature missing in every current case (a lab feed that stopped) or with fewer than min_n
 * values in a window does not refuse the run: the other features are tested as before, its
 * distribution tests are null with the reason, and its missing rate decides (the two-proportion
 * p, statsmodels' proportions_ztest, enters the correction in the place of KS; |difference| is
 * the effect against the same floor). Either window may be the short one; the reference cache
 * round trip keeps it. */
static void test_not_computable(void **state)
{
    (void)state;
    enum { N = 60 };
    double a[N], b[N], lab[N], gone[N], few[N];
    for (size_t i = 0; i < N; i++) {
        a[i] = (double)((i * 37) % N);           /* the same values in both windows */
        b[i] = (double)((i * 11) % N);
        lab[i] = (double)(i % 7);
        gone[i] = NAN;
        few[i] = i == 3 ? 2.0 : NAN;             /* one value: still too few for min_n 2 */
    }
    const char *names[] = {"a", "lab"};
    vigil_table *ref = table_of("ref.csv", N, names, (const double *[]){a, lab}, 2);
    vigil_table *cur = table_of("cur.csv", N, names, (const double *[]){b, gone}, 2);
    vigil_table *cur1 = table_of("cur1.csv", N, names, (const double *[]){b, few}, 2);
    vigil_drift_options o = vigil_drift_options_default();
    vigil_drift_result *r = NULL, *ra = NULL;
    assert_int_equal(vigil_drift_compare(ref, cur, &o, &r), 0);
    assert_int_equal(vigil_drift_result_n_features(r), 2);
    const vigil_drift_feature *fa = vigil_drift_result_feature(r, 0), *fl = vigil_drift_result_feature(r, 1);
    /* a is tested exactly as it is alone */
    const char *only_a[] = {"a"};
    o.features = only_a, o.n_features = 1;
    assert_int_equal(vigil_drift_compare(ref, cur, &o, &ra), 0);
    const vigil_drift_feature *fa1 = vigil_drift_result_feature(ra, 0);
    assert_true(fa->computable);
    assert_null(fa->not_computable);
    assert_string_equal(fa->decided_by, "ks");
    assert_close(fa->ks_p, fa1->ks_p, 0);
    assert_close(fa->ks_stat, 0, 0);
    assert_false(fa->drift);
    /* lab: no distribution test, the reason, the missing rate deciding */
    assert_string_equal(fl->name, "lab");
    assert_false(fl->computable);
    assert_non_null(fl->not_computable);
    assert_non_null(strstr(fl->not_computable, "0 non-missing value(s) in the current window (cur.csv), at least 2 needed"));
    assert_string_equal(fl->decided_by, "missing_rate");
    assert_true(isnan(fl->ks_p) && isnan(fl->ks_stat) && isnan(fl->cvm_p) && isnan(fl->ad_p));
    assert_true(isnan(fl->wasserstein) && isnan(fl->psi) && isnan(fl->js));
    assert_int_equal(fl->n_ref, N);
    assert_int_equal(fl->n_cur, 0);
    assert_int_equal(fl->missing_ref, 0);
    assert_int_equal(fl->missing_cur, N);
    /* statsmodels proportions_ztest([0, 60], [60, 60]) (golden two_proportion, 0 of 60 vs 60 of 60) */
    const cJSON *tp, *g = NULL;
    cJSON_ArrayForEach(tp, cJSON_GetObjectItem(golden, "two_proportion"))
        if (tu_num(tp, "x1") == 0 && tu_num(tp, "n1") == N && tu_num(tp, "x2") == N) g = tp;
    assert_non_null(g);
    assert_close(fl->missing_diff, 1.0, 0);
    assert_close(fl->missing_p, tu_num(g, "p"), 1e-9 * tu_num(g, "p"));
    assert_close(fl->p, fl->missing_p, 0);
    assert_close(fl->effect, 1.0, 0);
    assert_rel(fl->p_adjusted, 2 * fl->missing_p, 1e-12); /* Holm over the two features */
    assert_true(fl->drift);
    assert_true(vigil_drift_result_alarm(r));
    assert_int_equal(vigil_drift_result_n_alarms(r), 1);
    /* the document: tests null, the reason, the decision */
    char *js = NULL;
    assert_int_equal(vigil_drift_result_json(r, &js), 0);
    cJSON *doc = cJSON_Parse(js);
    const cJSON *jl = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "features"), "lab");
    const cJSON *jks = cJSON_GetObjectItem(cJSON_GetObjectItem(jl, "tests"), "ks");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(jks, "p")) && cJSON_IsNull(cJSON_GetObjectItem(jks, "stat")));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(jl, "computable")));
    assert_true(cJSON_IsString(cJSON_GetObjectItem(jl, "not_computable")));
    assert_string_equal(cJSON_GetObjectItem(jl, "decided_by")->valuestring, "missing_rate");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(jl, "drift")));
    const cJSON *ja = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "features"), "a");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(ja, "computable")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(ja, "not_computable")));
    cJSON_Delete(doc), free(js);
    vigil_drift_result_free(r), r = NULL;
    vigil_drift_result_free(ra), ra = NULL;
    o = vigil_drift_options_default();
    /* one value in the current window: still too few, said with the count */
    assert_int_equal(vigil_drift_compare(ref, cur1, &o, &r), 0);
    fl = vigil_drift_result_feature(r, 1);
    assert_false(fl->computable);
    assert_non_null(strstr(fl->not_computable, "1 non-missing value(s) in the current window (cur1.csv)"));
    assert_int_equal(fl->n_cur, 1);
    vigil_drift_result_free(r), r = NULL;
    /* the other direction (a feed that started): the reference window is the short one, and the
     * reference statistics survive the cache's blob */
    vigil_drift_reference *rf = NULL, *rf2 = NULL;
    void *blob = NULL;
    size_t nb = 0;
    assert_int_equal(vigil_drift_reference_build(cur, &o, &rf), 0);
    assert_int_equal(vigil_drift_reference_serialize(rf, &blob, &nb), 0);
    assert_int_equal(vigil_drift_reference_deserialize(&rf2, blob, nb), 0);
    assert_int_equal(vigil_drift_compare_ref(rf2, ref, &o, &r), 0);
    fl = vigil_drift_result_feature(r, 1);
    assert_false(fl->computable);
    assert_non_null(strstr(fl->not_computable, "0 non-missing value(s) in the reference window (cur.csv)"));
    assert_close(fl->missing_diff, -1.0, 0);
    assert_close(fl->effect, 1.0, 0);
    assert_true(fl->drift);
    vigil_drift_result_free(r), r = NULL;
    /* in both windows: no change in the missing rate, no alarm */
    assert_int_equal(vigil_drift_compare(cur, cur, &o, &r), 0);
    fl = vigil_drift_result_feature(r, 1);
    assert_false(fl->computable);
    assert_close(fl->missing_p, 1, 0);
    assert_false(vigil_drift_result_alarm(r));
    vigil_drift_result_free(r), r = NULL;
    /* with --mmd: the feature is left out of the MMD (kept, it would leave no complete row),
     * and an MMD with no complete row is not computable, said, not a refused run */
    o.mmd = 1, o.mmd_permutations = 19, o.threads = 1;
    assert_int_equal(vigil_drift_compare(ref, cur, &o, &r), 0);
    double ms, mp;
    assert_int_equal(vigil_drift_result_mmd(r, &ms, &mp, NULL, NULL, NULL), 0);
    assert_true(mp > 0 && mp <= 1);
    assert_string_equal(vigil_drift_result_mmd_note(r), "left out (distribution tests not computable): lab");
    assert_int_equal(vigil_drift_result_json(r, &js), 0);
    doc = cJSON_Parse(js);
    const cJSON *mm = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "multivariate"), "mmd");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(mm, "left_out")), 1);
    assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(mm, "left_out"), 0)->valuestring, "lab");
    cJSON_Delete(doc), free(js);
    vigil_drift_result_free(r), r = NULL;
    assert_int_equal(vigil_drift_compare(cur, cur, &o, &r), 0); /* lab empty in both: no complete row */
    assert_int_equal(vigil_drift_result_mmd(r, &ms, &mp, NULL, NULL, NULL), -1);
    assert_non_null(strstr(vigil_drift_result_mmd_note(r), "not computable: "));
    assert_int_equal(vigil_drift_result_json(r, &js), 0);
    doc = cJSON_Parse(js);
    mm = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "multivariate"), "mmd");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(mm, "p")) && cJSON_IsFalse(cJSON_GetObjectItem(mm, "computable")));
    assert_true(cJSON_IsString(cJSON_GetObjectItem(mm, "not_computable")));
    cJSON_Delete(doc), free(js);
    vigil_drift_result_free(r), r = NULL;
    o = vigil_drift_options_default();
    /* min_n above 2 is honoured the same way */
    o.min_n = N + 1;
    assert_int_equal(vigil_drift_compare(ref, ref, &o, &r), 0);
    assert_false(vigil_drift_result_feature(r, 0)->computable);
    assert_non_null(strstr(vigil_drift_result_feature(r, 0)->not_computable, "at least 61 needed"));
    assert_false(vigil_drift_result_alarm(r));
    vigil_drift_result_free(r);
    free(blob);
    vigil_drift_reference_free(rf), vigil_drift_reference_free(rf2);
    vigil_table_free(ref), vigil_table_free(cur), vigil_table_free(cur1);
}

static void test_simulation(void **state)
{
    (void)state;
#if defined(__SANITIZE_ADDRESS__) || defined(__OPTIMIZE__) == 0
    const int runs = 40; /* the sanitizer build checks memory safety; the -O2 build checks rates */
#else
    const int runs = 200;
#endif
    int false_alarms = 0, caught = 0;
    for (int s = 0; s < runs; s++) false_alarms += one_run((uint64_t)s + 1, 0);
    for (int s = 0; s < runs; s++) caught += one_run((uint64_t)s + 100001, 0.2);
    double fwer = (double)false_alarms / runs, power = (double)caught / runs;
    double se = sqrt(0.01 * 0.99 / runs);
    print_message("null: %d of %d runs alarmed (FWER %.4f, bound %.4f); 0.2 SD shift caught in %d of %d (%.3f)\n",
                  false_alarms, runs, fwer, 0.01 + 2 * se, caught, runs, power);
    assert_true(fwer <= 0.01 + 2 * se);
    assert_true(power >= 0.90);
    /* VIGIL_POWER_CURVE=1 prints the detection rate against the shift (the README's curve). */
    if (getenv("VIGIL_POWER_CURVE")) {
        const double shifts[] = {0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.3};
        for (size_t k = 0; k < sizeof shifts / sizeof *shifts; k++) {
            int c = 0;
            for (int s = 0; s < runs; s++) c += one_run((uint64_t)s + 200001 + 1000 * k, shifts[k]);
            print_message("power: shift %.2f SD, n 2000 per window: %d of %d (%.3f)\n", shifts[k], c, runs,
                          (double)c / runs);
        }
    }
}

/* The monitor's one walk (vigil_drift_two_sample_sorted) gives each separate walk's numbers to
 * the bit, and the PSI bins by bisection the per-value counts: random samples, continuous,
 * lightly tied (2 decimals), heavily tied (0/1, three values: the permutation p), with -0.0
 * beside 0.0, n1 != n2, tiny n (1 to 5: NaN AD, the exact CvM p), identical samples. */
static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

static void test_fused_walk(void **state)
{
    (void)state;
    static const size_t sizes[][2] = {{1, 1}, {1, 2}, {2, 1}, {2, 3}, {3, 5}, {5, 4}, {7, 7}, {12, 19},
                                      {20, 20}, {19, 23}, {50, 80}, {300, 200}, {1000, 1500}, {4000, 3999}};
    uint64_t st = 20261204;
    size_t checked = 0;
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        for (int kind = 0; kind < 5; kind++) {
            size_t n1 = sizes[si][0], n2 = sizes[si][1];
            double *x = malloc(n1 * sizeof *x), *y = malloc(n2 * sizeof *y);
            assert_non_null(x), assert_non_null(y);
            for (size_t i = 0; i < n1 + n2; i++) {
                double u = (double)(vigil_splitmix64(&st) >> 11) * 0x1.0p-53, v;
                double g = u + (double)(vigil_splitmix64(&st) >> 11) * 0x1.0p-53 - 1; /* triangular */
                if (kind == 0) v = g * 3 + (i >= n1 ? 0.3 : 0);
                else if (kind == 1) v = round(g * 300) / 100;
                else if (kind == 2) v = u < 1.0 / 3;
                else if (kind == 3) v = u < 0.4 ? -0.0 : u < 0.7 ? 0.0 : (u < 0.9 ? 1 : 2);
                else v = i < n1 ? g : 0; /* filled below: y a copy of x where it can be */
                if (i < n1) x[i] = v;
                else y[i - n1] = kind == 4 ? x[(i - n1) % n1] : v;
            }
            vigil_drift_sort(x, n1);
            vigil_drift_sort(y, n2);
            vigil_drift_two_sample f;
            vigil_drift_two_sample_sorted(x, n1, y, n2, &f);
            double ad, adp, cvm, cvmp;
            vigil_drift_anderson_sorted(x, n1, y, n2, &ad, &adp);
            vigil_drift_cvm_sorted(x, n1, y, n2, &cvm, &cvmp);
            double ks = vigil_drift_ks_stat_sorted(x, n1, y, n2), w = vigil_drift_wasserstein_sorted(x, n1, y, n2);
            if (!same_bits(f.ks, ks) || !same_bits(f.ad_stat, ad) || !same_bits(f.ad_p, adp) ||
                !same_bits(f.cvm_stat, cvm) || !same_bits(f.cvm_p, cvmp) || !same_bits(f.wasserstein, w))
                fail_msg("n1 %zu n2 %zu kind %d: fused ks %.17g ad %.17g/%.17g cvm %.17g/%.17g w %.17g; "
                         "separate %.17g %.17g/%.17g %.17g/%.17g %.17g", n1, n2, kind, f.ks, f.ad_stat, f.ad_p,
                         f.cvm_stat, f.cvm_p, f.wasserstein, ks, ad, adp, cvm, cvmp, w);
            /* the bins: edges at sample values (ties on an edge) and between them */
            double edges[6] = {-1.5, -0.0, 0.25, 1, 1.005, 2.5}, cb[7], cl[7] = {0};
            vigil_drift_bin_counts(x, n1, edges, 6, cb);
            for (size_t i = 0, b = 0; i < n1; i++) {
                while (b < 6 && x[i] > edges[b]) b++;
                cl[b] += 1;
            }
            for (size_t b = 0; b < 7; b++)
                if (!same_bits(cb[b], cl[b])) fail_msg("n1 %zu kind %d: bin %zu %g vs %g", n1, kind, b, cb[b], cl[b]);
            free(x), free(y);
            checked++;
        }
    }
    assert_int_equal(checked, 5 * sizeof sizes / sizeof *sizes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numeric_kernels), cmocka_unit_test(test_ks_asymp_half),
        cmocka_unit_test(test_cvm_binary_exact), cmocka_unit_test(test_ties_null_rate),
        cmocka_unit_test(test_cusum_limit_null),
        cmocka_unit_test(test_categorical_and_corrections),
        cmocka_unit_test(test_compare_and_cache), cmocka_unit_test(test_mmd), cmocka_unit_test(test_mmd_cuda_parity), cmocka_unit_test(test_errors),
        cmocka_unit_test(test_not_computable),
        cmocka_unit_test(test_simulation),
        cmocka_unit_test(test_fused_walk),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
