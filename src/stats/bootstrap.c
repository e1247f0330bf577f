/* The count bootstrap: a replicate is a vector of resampling counts over the cases in their
 * sorted order, so no replicate re-sorts or copies rows. Each replicate owns a random stream
 * derived from (seed, replicate index) alone, and writes its results at its own index, so a
 * run gives the same numbers on any number of threads. */
#include "core/dist.h"
#include "core/parallel.h"
#include "core/util.h"
#include "stats/metrics_internal.h"
#include "vigil/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void vigil_stats_rng_seed(vm_rng *g, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed;
    uint64_t h = vigil_splitmix64(&x) ^ (stream * 0xd1b54a32d192ed03ULL);
    for (int i = 0; i < 4; i++) g->s[i] = vigil_splitmix64(&h);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* xoshiro256** */
uint64_t vigil_stats_rng_next(vm_rng *g)
{
    uint64_t *s = g->s, r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void vigil_stats_percentile_ci(double *x, size_t B, double level, double *lo, double *hi)
{
    size_t k = 0;
    for (size_t i = 0; i < B; i++)
        if (isfinite(x[i])) x[k++] = x[i];
    if (k < 2) {
        *lo = *hi = NAN;
        return;
    }
    qsort(x, k, sizeof *x, cmp_dbl);
    double a = (1 - level) / 2;
    *lo = vigil_stats_quantile_sorted(x, k, a);
    *hi = vigil_stats_quantile_sorted(x, k, 1 - a);
}

/* BCa (Efron 1987; as scipy.stats.bootstrap(method='BCa') and R boot.ci(type = "bca")):
 * bias correction z0 from the share of replicates below the estimate (ties count half), the
 * acceleration from the jackknife values, the bounds at the adjusted percentiles. */
const char *const vigil_stats_ci_bca = "BCa";
static const char *const k_pct_outside = "percentile (BCa undefined: the estimate lies outside every replicate)",
                         *const k_pct_estimate = "percentile (BCa undefined: no finite estimate)",
                         *const k_pct_jack = "percentile (BCa undefined: too few jackknife values)",
                         *const k_pct_levels = "percentile (BCa undefined: its adjusted levels fall outside 0 to 1)";

int vigil_stats_bca_ci(double *x, size_t B, double theta, const double *jack, size_t m, double level,
                       double *lo, double *hi)
{
    return vigil_stats_bca_ci_how(x, B, theta, jack, m, level, lo, hi, NULL);
}

int vigil_stats_bca_ci_how(double *x, size_t B, double theta, const double *jack, size_t m, double level,
                           double *lo, double *hi, const char **how)
{
    if (how) *how = NULL;
    size_t k = 0;
    for (size_t i = 0; i < B; i++)
        if (isfinite(x[i])) x[k++] = x[i];
    *lo = *hi = NAN;
    if (k < 2) return -1;
    qsort(x, k, sizeof *x, cmp_dbl);
    double a = (1 - level) / 2;
    double below = 0;
    for (size_t i = 0; i < k; i++) below += x[i] < theta ? 1.0 : x[i] == theta ? 0.5 : 0.0;
    double mean = 0, s2 = 0, s3 = 0;
    size_t mj = 0;
    for (size_t i = 0; i < m; i++)
        if (isfinite(jack[i])) mean += jack[i], mj++;
    if (mj) mean /= (double)mj;
    for (size_t i = 0; i < m; i++)
        if (isfinite(jack[i])) {
            double u = mean - jack[i];
            s2 += u * u, s3 += u * u * u;
        }
    /* BCa is not defined with the estimate outside every replicate (z0 infinite), too few
     * jackknife values or adjusted levels outside [0, 1]: then the percentile interval it
     * reduces to when z0 = a = 0 */
    double p1 = a, p2 = 1 - a;
    int bca = 0;
    const char *why = !isfinite(theta) ? k_pct_estimate : !(below > 0 && below < (double)k) ? k_pct_outside
                      : !(mj >= 2 && mj * 10 >= m * 9) ? k_pct_jack : k_pct_levels;
    if (isfinite(theta) && below > 0 && below < (double)k && mj >= 2 && mj * 10 >= m * 9) {
        double z0 = vigil_stats_qnorm(below / (double)k), acc = s2 > 0 ? s3 / (6.0 * pow(s2, 1.5)) : 0.0;
        double za = vigil_stats_qnorm(a), n1 = z0 + za, n2 = z0 - za;
        double q1 = 1 - vigil_stats_pnorm_upper(z0 + n1 / (1 - acc * n1));
        double q2 = 1 - vigil_stats_pnorm_upper(z0 + n2 / (1 - acc * n2));
        if (q1 >= 0 && q1 <= 1 && q2 >= 0 && q2 <= 1 && 1 - acc * n1 > 0 && 1 - acc * n2 > 0)
            p1 = q1, p2 = q2, bca = 1;
    }
    *lo = vigil_stats_quantile_sorted(x, k, p1);
    *hi = vigil_stats_quantile_sorted(x, k, p2);
    if (how) *how = bca ? vigil_stats_ci_bca : why;
    return bca;
}

typedef struct {
    size_t n, scratch_bytes;
    size_t groups;  /* > 0: the jackknife, replicate r leaves out the cases k with k % groups == r */
    int split;      /* only this MPI rank's replicates (vigil_dist_owns) */
    uint64_t seed;
    const uint32_t *pos;
    const uint32_t *ord; /* the inverse of pos (NULL with pos NULL): case ord[s] is at s */
    vm_replicate_fn fn;
    void *ctx;
    double **w;     /* per worker: the counts of the replicate it is drawing */
    void **scratch; /* per worker: fn's scratch */
    uint8_t **c;    /* per worker: the draw's counts in the caller's order, modulo 256 */
    size_t **ov;    /* per worker: a case each time its count passed a multiple of 256 */
} job;

size_t vigil_stats_bootstrap_count(const size_t *ks, size_t m, uint8_t *c, size_t *ov, size_t nov)
{
    for (size_t b = 0; b < m; b++)
        if (__builtin_expect(++c[ks[b]] == 0, 0)) ov[nov++] = ks[b];
    return nov;
}

void vigil_stats_bootstrap_spread(const uint8_t *c, const size_t *ov, size_t nov, const uint32_t *ord,
                                  const uint32_t *pos, size_t n, double *w)
{
    if (ord)
        for (size_t s = 0; s < n; s++) w[s] = c[ord[s]];
    else
        for (size_t s = 0; s < n; s++) w[s] = c[s];
    for (size_t o = 0; o < nov; o++) w[pos ? pos[ov[o]] : ov[o]] += 256.0;
}

/* Replicate r's counts into w (in sorted order), the same doubles as adding 1.0 at w[pos[k]] for
 * each case k drawn: counting in bytes keeps the scattered increments inside n bytes (the cache)
 * instead of 8 n, one sequential pass then spreads them to sorted order, and a count past 255
 * (never for n < 256; at 10^6 cases about never) gets its 256s back from ov. Integer sums are
 * exact in any order. */
static void draw(const job *j, vm_rng *g, int worker, double *w)
{
    size_t n = j->n, nov = 0, ks[256], *ov = j->ov[worker];
    uint8_t *c = j->c[worker];
    memset(c, 0, n);
    for (size_t i = 0; i < n;) {
        size_t m = n - i < 256 ? n - i : 256;
        for (size_t b = 0; b < m; b++) ks[b] = vigil_stats_bootstrap_case(g, n);
        nov = vigil_stats_bootstrap_count(ks, m, c, ov, nov);
        i += m;
    }
    vigil_stats_bootstrap_spread(c, ov, nov, j->ord, j->pos, n, w);
}

/* Replicates [begin, end) on one worker. The draws of replicate r depend on (seed, r) alone,
 * so which worker runs r, and in which chunk, does not change a number. */
static int replicates(void *arg, size_t begin, size_t end, int worker)
{
    job *j = arg;
    double *w = j->w[worker];
    for (size_t r = begin; r < end; r++) {
        if (j->split && !vigil_dist_owns(r)) continue;
        if (j->groups) {
            for (size_t k = 0; k < j->n; k++) w[j->pos ? j->pos[k] : k] = k % j->groups == r ? 0.0 : 1.0;
            j->fn(j->ctx, r, w, j->scratch[worker]);
            continue;
        }
        vm_rng g;
        vigil_stats_rng_seed(&g, j->seed, r);
        draw(j, &g, worker, w);
        j->fn(j->ctx, r, w, j->scratch[worker]);
    }
    return VIGIL_OK;
}

static int run_pool(size_t n, size_t B, size_t groups, int split, uint64_t seed, unsigned threads,
                    size_t scratch_bytes, const uint32_t *pos, vm_replicate_fn fn, void *ctx);

int vigil_stats_bootstrap_run(size_t n, size_t B, uint64_t seed, unsigned threads, size_t scratch_bytes,
                     const uint32_t *pos, vm_replicate_fn fn, void *ctx)
{
    return run_pool(n, B, 0, 0, seed, threads, scratch_bytes, pos, fn, ctx);
}

int vigil_stats_jackknife_run(size_t n, size_t groups, unsigned threads, size_t scratch_bytes, const uint32_t *pos,
                              vm_replicate_fn fn, void *ctx)
{
    return run_pool(n, groups + 1, groups, 0, 0, threads, scratch_bytes, pos, fn, ctx);
}

int vigil_stats_bootstrap_run_split(size_t n, size_t B, uint64_t seed, unsigned threads, size_t scratch_bytes,
                                    const uint32_t *pos, vm_replicate_fn fn, void *ctx)
{
    return run_pool(n, B, 0, vigil_dist_size() > 1, seed, threads, scratch_bytes, pos, fn, ctx);
}

int vigil_stats_jackknife_run_split(size_t n, size_t groups, unsigned threads, size_t scratch_bytes,
                                    const uint32_t *pos, vm_replicate_fn fn, void *ctx)
{
    return run_pool(n, groups + 1, groups, vigil_dist_size() > 1, 0, threads, scratch_bytes, pos, fn, ctx);
}

static int run_pool(size_t n, size_t B, size_t groups, int split, uint64_t seed, unsigned threads,
                    size_t scratch_bytes, const uint32_t *pos, vm_replicate_fn fn, void *ctx)
{
    if (B == 0) return VIGIL_OK;
    /* One replicate per chunk: replicates are long (n draws and a pass over the cases), and
     * the old pool handed them out one at a time too. 256 threads at most, as before. */
    int T = vigil_parallel_workers(threads > 256 ? 256 : (int)threads, B, 1);
    if (T > 256) T = 256;
    int rc = VIGIL_OK;
    job j = {.n = n, .scratch_bytes = scratch_bytes, .groups = groups, .split = split, .seed = seed, .pos = pos,
             .fn = fn, .ctx = ctx};
    uint32_t *ord = NULL;
    j.w = calloc((size_t)T, sizeof *j.w);
    j.scratch = calloc((size_t)T, sizeof *j.scratch);
    j.c = calloc((size_t)T, sizeof *j.c);
    j.ov = calloc((size_t)T, sizeof *j.ov);
    if (!j.w || !j.scratch || !j.c || !j.ov) goto oom;
    for (int t = 0; t < T; t++) {
        j.w[t] = malloc((n ? n : 1) * sizeof **j.w);
        j.scratch[t] = malloc(scratch_bytes ? scratch_bytes : 1);
        if (!j.w[t] || !j.scratch[t]) goto oom;
        if (!groups && (!(j.c[t] = malloc(n ? n : 1)) || !(j.ov[t] = malloc((n / 256 + 1) * sizeof **j.ov)))) goto oom;
    }
    if (!groups && pos) {
        if (!(ord = malloc((n ? n : 1) * sizeof *ord))) goto oom;
        for (size_t k = 0; k < n; k++) ord[pos[k]] = (uint32_t)k;
        j.ord = ord;
    }
    rc = vigil_parallel_for(T, B, 1, replicates, &j);
    goto done;
oom:
    rc = vigil_error_set(VIGIL_ENOMEM, "out of memory in the bootstrap (%zu cases)", n);
done:
    for (int t = 0; j.w && t < T; t++) free(j.w[t]);
    for (int t = 0; j.scratch && t < T; t++) free(j.scratch[t]);
    for (int t = 0; j.c && t < T; t++) free(j.c[t]);
    for (int t = 0; j.ov && t < T; t++) free(j.ov[t]);
    free(j.w);
    free(j.scratch);
    free(j.c);
    free(j.ov);
    free(ord);
    return rc;
}
