/* Risk-adjusted CUSUM (Steiner, Cook, Farewell & Treasure 2000, Biostatistics 1:441-452). */
#include "vigil/drift.h"
#include "vigil/error.h"
#include "core/parallel.h"
#include "core/util.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

int vigil_cusum_risk_adjusted(const double *p, const double *y, size_t n, double odds_ratio_alt,
                              double h, double *path, size_t *first_signal, double *max_stat)
{
    if (!(odds_ratio_alt > 0) || odds_ratio_alt == 1)
        return vigil_error_set(VIGIL_EINVAL, "cusum: odds ratio must be > 0 and != 1, got %g", odds_ratio_alt);
    double s = 0, mx = 0, lr = log(odds_ratio_alt);
    size_t first = n;
    for (size_t t = 0; t < n; t++) {
        if (!(p[t] > 0 && p[t] < 1))
            return vigil_error_set(VIGIL_EINVAL, "cusum: risk %g at case %zu is not in (0, 1)", p[t], t + 1);
        if (y[t] != 0 && y[t] != 1)
            return vigil_error_set(VIGIL_EINVAL, "cusum: outcome %g at case %zu is not 0 or 1", y[t], t + 1);
        double w = y[t] * lr - log(1 - p[t] + odds_ratio_alt * p[t]);
        s = fmax(0, s + w);
        if (path) path[t] = s;
        if (s > mx) mx = s;
        if (s >= h && first == n) first = t;
    }
    if (first_signal) *first_signal = first;
    if (max_stat) *max_stat = mx;
    return VIGIL_OK;
}

/* ---- the limit for a stated in-control false-signal probability
 *
 * A fixed h restarted over each window signals more often the longer the window (4.5 over a
 * few thousand cases of a calibrated model signals in a third of windows), so h is chosen for
 * the window in hand: M in-control paths are simulated on its own risks in its own order
 * (y_t ~ Bernoulli(p_t)), each path's largest S_t kept, and h is their k-th smallest with
 * k = ceil((1 - prob)(M + 1)). Under control the window's own largest S_t is exchangeable with
 * the M simulated ones, so P(max S_t > h) <= (M + 1 - k) / (M + 1) <= prob: a Monte Carlo
 * test's guarantee, whatever M (Steiner et al. 2000 chose h by simulated run lengths in the
 * same spirit). Replicate r draws from its own splitmix64 stream (seed, r), so the limit does
 * not depend on the number of threads. */

typedef struct {
    const double *w1, *w0;   /* the step for y = 1 and y = 0 */
    const uint64_t *thr;     /* P(y = 1) as a 64-bit threshold */
    size_t n;
    uint64_t seed;
    double *max;
} cusum_sim;

static int sim_range(void *ctx, size_t begin, size_t end, int worker)
{
    (void)worker;
    const cusum_sim *c = ctx;
    for (size_t r = begin; r < end; r++) {
        /* replicate r's stream starts at a mixed state of (seed, r): nearby seeds or replicates
         * never give overlapping (shifted) streams */
        uint64_t s0 = c->seed ^ (0xbf58476d1ce4e5b9ULL * (r + 1)), st = vigil_splitmix64(&s0);
        st = vigil_splitmix64(&st) ^ c->seed;
        double s = 0, mx = 0;
        for (size_t t = 0; t < c->n; t++) {
            s += vigil_splitmix64(&st) < c->thr[t] ? c->w1[t] : c->w0[t];
            if (s < 0) s = 0;
            if (s > mx) mx = s;
        }
        c->max[r] = mx;
    }
    return VIGIL_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int vigil_cusum_limit_simulated(const double *p, size_t n, double odds_ratio_alt, double prob,
                                size_t replicates, uint64_t seed, int threads, double *limit)
{
    if (!(odds_ratio_alt > 0) || odds_ratio_alt == 1)
        return vigil_error_set(VIGIL_EINVAL, "cusum: odds ratio must be > 0 and != 1, got %g", odds_ratio_alt);
    if (!(prob > 0 && prob < 1))
        return vigil_error_set(VIGIL_EINVAL, "cusum: false-signal probability must be in (0, 1), got %g", prob);
    size_t k = (size_t)ceil((1 - prob) * ((double)replicates + 1));
    if (replicates < 1 || k > replicates)
        return vigil_error_set(VIGIL_EINVAL, "cusum: %zu replicates cannot resolve a false-signal "
                               "probability of %g (at least %.0f needed)", replicates, prob,
                               ceil(1 / prob) - 1);
    double *w1 = malloc((n ? n : 1) * sizeof *w1), *w0 = malloc((n ? n : 1) * sizeof *w0);
    double *mx = malloc(replicates * sizeof *mx);
    uint64_t *thr = malloc((n ? n : 1) * sizeof *thr);
    int rc = VIGIL_OK;
    if (!w1 || !w0 || !mx || !thr) {
        rc = vigil_error_set(VIGIL_ENOMEM, "cusum: out of memory");
        goto done;
    }
    double lr = log(odds_ratio_alt);
    for (size_t t = 0; t < n; t++) {
        if (!(p[t] >= 0 && p[t] <= 1)) {
            rc = vigil_error_set(VIGIL_EINVAL, "cusum: risk %g at case %zu is not in [0, 1]", p[t], t + 1);
            goto done;
        }
        double c = log(1 - p[t] + odds_ratio_alt * p[t]);
        w1[t] = lr - c;
        w0[t] = -c;
        /* y = 1 when a uniform 64-bit draw falls below p 2^64 (p = 1: always, bar 2^-64) */
        thr[t] = p[t] >= 1 ? UINT64_MAX : (uint64_t)ldexp(p[t], 64);
    }
    cusum_sim c = {w1, w0, thr, n, seed, mx};
    if ((rc = vigil_parallel_for(threads, replicates, 8, sim_range, &c)) != VIGIL_OK) goto done;
    qsort(mx, replicates, sizeof *mx, cmp_double);
    /* a signal is S_t >= limit, i.e. S_t > the k-th largest simulated maximum */
    *limit = nextafter(mx[k - 1], INFINITY);
done:
    free(w1), free(w0), free(mx), free(thr);
    return rc;
}
