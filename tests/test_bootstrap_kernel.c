/* The metrics bootstrap's per-scope kernel (vigil_stats_scope_stats) against the fused kernel it
 * replaced (vigil_stats_level_stats, kept as the reference): the same replicate numbers bit for
 * bit, for bootstrap counts, jackknife weights, ties, scores of exactly 0 and 1, a level left
 * out, an empty level and a slope fit that leaves its start (the guarded fallback), each level
 * alone and every level of a group column in one pass (the engine's path); with the
 * one-pass expansions of CITL and the slope, those two within 1e-11 of the exact steps; the draw's
 * counts in bytes against adding 1.0 per drawn case (and the bytes' wrap past 255). The peers of
 * the statistics themselves are in test_fairness.c and test_metrics.c. */
#include "testutil.h"
#include "stats/metrics_internal.h"

#include <string.h>

/* Equal bit for bit (NaN equal to NaN). */
static int same(double a, double b) { return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0; }

typedef struct {
    size_t n, G, nl[3], L;
    double *p, *lg, *w;
    uint8_t *y;
    uint32_t *code[3];
} data;

/* n sorted scores with ties (rounded to 1/400), a few at exactly 0 and 1, labels drawn from
 * them, and two group columns: 3 levels (some cases left out: code 3) and 4 levels, the last
 * of which gets no case. */
static void make(data *d, size_t n, uint64_t seed)
{
    memset(d, 0, sizeof *d);
    d->n = n;
    d->G = 3;
    d->nl[0] = 1, d->nl[1] = 3, d->nl[2] = 4;
    d->L = 8;
    d->p = malloc(n * sizeof *d->p), d->lg = malloc(n * sizeof *d->lg), d->w = malloc(n * sizeof *d->w);
    d->y = malloc(n);
    d->code[0] = NULL;
    d->code[1] = malloc(n * sizeof(uint32_t)), d->code[2] = malloc(n * sizeof(uint32_t));
    vm_rng g;
    vigil_stats_rng_seed(&g, seed, 0);
    for (size_t i = 0; i < n; i++) {
        double u = (double)(vigil_stats_rng_next(&g) >> 11) / 9007199254740992.0;
        d->p[i] = i < 3 ? 0.0 : i >= n - 2 ? 1.0 : floor(u * 400) / 400;
    }
    /* sort (insertion: small n) */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && d->p[j - 1] > d->p[j]; j--) {
            double t = d->p[j];
            d->p[j] = d->p[j - 1], d->p[j - 1] = t;
        }
    for (size_t i = 0; i < n; i++) {
        double u = (double)(vigil_stats_rng_next(&g) >> 11) / 9007199254740992.0;
        d->y[i] = u < 0.2 + 0.6 * d->p[i];
        d->lg[i] = log(d->p[i] / (1 - d->p[i]));
        uint64_t v = vigil_stats_rng_next(&g);
        d->code[1][i] = (uint32_t)(v % 4);    /* 3: left out */
        d->code[2][i] = (uint32_t)(v >> 8) % 3; /* level 3 empty */
    }
}

static void drop(data *d)
{
    free(d->p), free(d->lg), free(d->w), free(d->y), free(d->code[1]), free(d->code[2]);
}

/* sigma(logit p + a), as the engine caches it */
static double cprob(double p, double a) { return p * exp(a) / (1 - p + p * exp(a)); }

/* Both kernels on weights d->w; every slot of every scope compared bit for bit, except CITL
 * and the slope when the expansions are given (taylor: then within tol of the exact steps).
 * Returns how many CITL/slope values differ in any bit from the exact steps. */
static int compare(const data *d, const double *fit0, const double *citl0, int taylor, double tol)
{
    size_t n = d->n, L = d->L;
    double *ref = malloc(L * S_COUNT_INTERNAL * sizeof *ref), *got = malloc(L * S_COUNT_INTERNAL * sizeof *got);
    void *scratch = malloc(vigil_stats_level_scratch(L));
    double *buf = malloc(6 * n * sizeof *buf), *sc = malloc(n * sizeof *sc), *sf = malloc(n * sizeof *sf);
    uint32_t *idx = malloc(n * sizeof *idx);
    double *sp = malloc(n * sizeof *sp);
    uint8_t *sy = malloc(n);
    vigil_stats_level_stats(d->p, d->y, d->lg, (const uint32_t *const *)d->code, d->nl, d->G, d->w, n, 0.3, citl0,
                            fit0, scratch, ref);
    for (size_t i = 0; i < n; i++) {
        sc[i] = cprob(d->p[i], isfinite(citl0[0]) ? citl0[0] : 0);
        sf[i] = 1 / (1 + exp(-(fit0[0] + fit0[1] * d->lg[i])));
    }
    vm_scope_in in = {.p = d->p, .lg = d->lg, .y = d->y, .m = n, .citl0 = citl0[0], .fit0 = fit0,
                      .sc = taylor ? sc : NULL, .sf = taylor ? sf : NULL};
    vigil_stats_scope_stats(&in, d->w, 0.3, buf, got);
    for (size_t g = 1, k = 1; g < d->G; g++)
        for (uint32_t l = 0; l < d->nl[g]; l++, k++) {
            size_t m = 0;
            double a0 = isfinite(citl0[k]) ? citl0[k] : 0;
            for (size_t i = 0; i < n; i++)
                if (d->code[g][i] == l) sc[m] = cprob(d->p[i], a0), sp[m] = d->p[i], sy[m] = d->y[i], idx[m++] = (uint32_t)i;
            vm_scope_in li = {.p = sp, .y = sy, .idx = idx, .m = m, .citl0 = citl0[k], .sc = taylor ? sc : NULL};
            vigil_stats_scope_stats(&li, d->w, 0.3, buf, got + k * S_COUNT_INTERNAL);
        }
    /* each group column's levels at once (the engine's path): the per-level numbers exactly */
    double *gout = malloc(L * S_COUNT_INTERNAL * sizeof *gout), *gsc = malloc(n * sizeof *gsc);
    for (size_t g = 1, k = 1; g < d->G; k += d->nl[g], g++) {
        vm_scope_in li[4] = {{0}};
        for (uint32_t l = 0; l < d->nl[g]; l++) li[l].citl0 = citl0[k + l];
        for (size_t i = 0; i < n; i++) {
            uint32_t l = d->code[g][i];
            gsc[i] = 0;
            if (l >= d->nl[g]) continue;
            li[l].m++;
            gsc[i] = cprob(d->p[i], isfinite(citl0[k + l]) ? citl0[k + l] : 0);
        }
        vm_group_in gi = {.p = d->p, .y = d->y, .code = d->code[g], .sc = taylor ? gsc : NULL, .n = n,
                          .n_levels = d->nl[g], .in = li};
        vigil_stats_group_stats(&gi, d->w, 0.3, buf, gout + k * S_COUNT_INTERNAL);
        for (size_t q = k * S_COUNT_INTERNAL; q < (k + d->nl[g]) * S_COUNT_INTERNAL; q++)
            if (!same(gout[q], got[q]))
                fail_msg("group %zu scope %zu slot %zu: group pass %.17g, scope kernel %.17g", g, q / S_COUNT_INTERNAL,
                         q % S_COUNT_INTERNAL, gout[q], got[q]);
    }
    free(gout), free(gsc);
    int differ = 0;
    for (size_t k = 0; k < L * S_COUNT_INTERNAL; k++) {
        size_t q = k % S_COUNT_INTERNAL;
        if (taylor && (q == VS_CITL || q == VS_SLOPE || q == VS_INTERCEPT)) {
            if (fabs(ref[k] - got[k]) > tol * (1 + fabs(ref[k])) || isnan(ref[k]) != isnan(got[k]))
                fail_msg("scope %zu slot %zu: exact %.17g, expansion %.17g", k / S_COUNT_INTERNAL, q, ref[k], got[k]);
            differ += !same(ref[k], got[k]);
        } else if (!same(ref[k], got[k]))
            fail_msg("scope %zu slot %zu: fused kernel %.17g, scope kernel %.17g", k / S_COUNT_INTERNAL, q, ref[k],
                     got[k]);
    }
    /* the comparison is not vacuous: the overall scope has every statistic */
    assert_true(isfinite(got[VS_AUROC]) && isfinite(got[VS_CITL]) && isfinite(got[VS_ECE_EM]) && isfinite(got[VS_SLOPE]));
    free(ref), free(got), free(scratch), free(buf), free(idx), free(sp), free(sy), free(sc), free(sf);
    return differ;
}

static const double CITL0[8] = {-0.1, 0.05, NAN, 0.2, -0.3, 0.1, 0.0, 0.4};

static void test_bootstrap_counts(void **state)
{
    data d;
    make(&d, 2000, 7);
    double fit0[2] = {0.05, 0.9};
    for (size_t r = 0; r < 20; r++) {
        vm_rng g;
        vigil_stats_rng_seed(&g, 11, r);
        memset(d.w, 0, d.n * sizeof *d.w);
        for (size_t i = 0; i < d.n; i++) d.w[vigil_stats_bootstrap_case(&g, d.n)] += 1.0;
        compare(&d, fit0, CITL0, 0, 0);
        assert_true(isfinite(d.w[0]));
    }
    drop(&d);
}

static void test_jackknife_weights(void **state)
{
    data d;
    make(&d, 1500, 3);
    double fit0[2] = {0.0, 1.0};
    for (size_t r = 0; r < 5; r++) {
        for (size_t i = 0; i < d.n; i++) d.w[i] = i % 5 == r ? 0.0 : 1.0;
        compare(&d, fit0, CITL0, 0, 0);
    }
    drop(&d);
}

/* A start far from the replicate's fit: the first step is over 1, and the replicate goes to
 * vigil_stats_logistic_fit's guarded steps, as the fused kernel's call does. */
static void test_slope_guarded_fallback(void **state)
{
    data d;
    make(&d, 1200, 5);
    for (size_t i = 0; i < d.n; i++) d.w[i] = 1 + (double)(i % 3);
    double far[2] = {2.5, -1.5};
    compare(&d, far, CITL0, 0, 0);
    double ref_a, ref_b;
    assert_int_equal(vigil_stats_logistic_fit(d.lg, d.y, d.w, d.n, far, &ref_a, &ref_b, NULL), 0);
    assert_true(isfinite(ref_b));
    drop(&d);
}

/* The one-pass expansions on 60,000 cases, centred at the full data's estimates (as the
 * engine centres them): CITL and the slope within 1e-11 of the exact Newton steps on every
 * replicate, and the expansions were used (some value differs from the exact steps in its last
 * bits); centred far from the replicate's values they must not be used: bit for bit again. */
static void test_expansions(void **state)
{
    data d;
    make(&d, 60000, 9);
    for (size_t i = 0; i < d.n; i++) d.w[i] = 1;
    double fit0[2], citl0[8], out[8 * S_COUNT_INTERNAL];
    void *scratch = malloc(vigil_stats_level_scratch(d.L));
    double start[2] = {0, 1};
    vigil_stats_level_stats(d.p, d.y, d.lg, (const uint32_t *const *)d.code, d.nl, d.G, d.w, d.n, 0.3, CITL0, start,
                            scratch, out);
    for (size_t k = 0; k < d.L; k++) citl0[k] = out[k * S_COUNT_INTERNAL + VS_CITL];
    fit0[0] = out[VS_INTERCEPT], fit0[1] = out[VS_SLOPE];
    int differ = 0;
    for (size_t r = 0; r < 10; r++) {
        vm_rng g;
        vigil_stats_rng_seed(&g, 5, r);
        memset(d.w, 0, d.n * sizeof *d.w);
        for (size_t i = 0; i < d.n; i++) d.w[vigil_stats_bootstrap_case(&g, d.n)] += 1.0;
        differ += compare(&d, fit0, citl0, 1, 1e-11);
    }
    assert_true(differ > 0);
    double far[2] = {fit0[0] + 0.3, fit0[1] - 0.2}, cfar[8];
    for (size_t k = 0; k < d.L; k++) cfar[k] = citl0[k] + 0.4;
    assert_int_equal(compare(&d, far, cfar, 1, 0), 0);
    free(scratch);
    drop(&d);
}

/* The draw (vigil_stats_bootstrap_run counts in bytes, then spreads them to sorted order through
 * the inverse of pos) against adding 1.0 at w[pos[k]] per drawn case, the draw it replaced: the
 * same weights bit for bit, with pos and without, on any number of threads, for n from 1 up. */
typedef struct {
    size_t n;
    double *w; /* B x n */
} draws;

static void keep_draw(void *ctx, size_t r, const double *w, void *scratch)
{
    draws *d = ctx;
    (void)scratch;
    memcpy(d->w + r * d->n, w, d->n * sizeof *w);
}

static void test_count_draw(void **state)
{
    const size_t ns[] = {1, 2, 7, 255, 256, 300, 5000};
    const size_t B = 4;
    for (size_t t = 0; t < sizeof ns / sizeof *ns; t++) {
        size_t n = ns[t];
        uint32_t *pos = malloc(n * sizeof *pos);
        double *ref = malloc(n * sizeof *ref);
        draws d = {n, malloc(B * n * sizeof(double))};
        /* a permutation: case k sits at (k * 7919 + 3) mod n when that is one (n not a multiple
         * of 7919), else reversed */
        for (size_t k = 0; k < n; k++) pos[k] = (uint32_t)(n % 7919 ? (k * 7919 + 3) % n : n - 1 - k);
        for (int with_pos = 0; with_pos < 2; with_pos++)
            for (unsigned threads = 1; threads <= 2; threads++) {
                memset(d.w, 0xff, B * n * sizeof(double));
                assert_int_equal(vigil_stats_bootstrap_run(n, B, 42, threads, 0, with_pos ? pos : NULL, keep_draw, &d), 0);
                for (size_t r = 0; r < B; r++) {
                    vm_rng g;
                    vigil_stats_rng_seed(&g, 42, r);
                    memset(ref, 0, n * sizeof *ref);
                    for (size_t i = 0; i < n; i++) {
                        size_t k = vigil_stats_bootstrap_case(&g, n);
                        ref[with_pos ? pos[k] : k] += 1.0;
                    }
                    for (size_t i = 0; i < n; i++) assert_true(same(d.w[r * n + i], ref[i]));
                }
            }
        free(pos), free(ref), free(d.w);
    }
}

/* The byte counts wrap past 255: each wrap is listed, so the draw adds the 256s back. */
static void test_count_wrap(void **state)
{
    size_t ks[700], ov[4], m = 0;
    uint8_t c[3] = {0};
    for (int i = 0; i < 600; i++) ks[m++] = 2;
    for (int i = 0; i < 3; i++) ks[m++] = 0;
    for (int i = 0; i < 97; i++) ks[m++] = 1;
    size_t nov = vigil_stats_bootstrap_count(ks, 300, c, ov, 0);
    nov = vigil_stats_bootstrap_count(ks + 300, m - 300, c, ov, nov);
    assert_int_equal(nov, 2);
    assert_int_equal(ov[0], 2), assert_int_equal(ov[1], 2);
    assert_int_equal(c[0], 3), assert_int_equal(c[1], 97), assert_int_equal(c[2], 600 - 512);
    /* spread to sorted order: case k at pos[k] */
    const uint32_t pos[3] = {1, 2, 0}, ord[3] = {2, 0, 1};
    double w[3];
    vigil_stats_bootstrap_spread(c, ov, nov, ord, pos, 3, w);
    assert_true(w[0] == 600 && w[1] == 3 && w[2] == 97);
    vigil_stats_bootstrap_spread(c, ov, nov, NULL, NULL, 3, w);
    assert_true(w[0] == 3 && w[1] == 97 && w[2] == 600);
}

int main(void)
{
    vigil_init();
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_bootstrap_counts), cmocka_unit_test(test_jackknife_weights),
                                       cmocka_unit_test(test_slope_guarded_fallback), cmocka_unit_test(test_expansions),
                                       cmocka_unit_test(test_count_draw), cmocka_unit_test(test_count_wrap)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
