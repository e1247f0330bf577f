/* The count bootstrap: a replicate is a vector of resampling counts over the cases in their
 * sorted order, so no replicate re-sorts or copies rows. Each replicate owns a random stream
 * derived from (seed, replicate index) alone, and writes its results at its own index, so a
 * run gives the same numbers on any number of threads. */
#include "core/util.h"
#include "stats/metrics_internal.h"
#include "vigil/error.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

typedef struct {
    size_t n, B, scratch_bytes;
    uint64_t seed;
    const uint32_t *pos;
    vm_replicate_fn fn;
    void *ctx;
    atomic_size_t next;
    atomic_int failed;
} job;

static void *worker(void *arg)
{
    job *j = arg;
    double *w = malloc((j->n ? j->n : 1) * sizeof *w);
    void *scratch = malloc(j->scratch_bytes ? j->scratch_bytes : 1);
    if (!w || !scratch) {
        atomic_store(&j->failed, 1);
        goto done;
    }
    for (;;) {
        size_t r = atomic_fetch_add(&j->next, 1);
        if (r >= j->B || atomic_load(&j->failed)) break;
        vm_rng g;
        vigil_stats_rng_seed(&g, j->seed, r);
        memset(w, 0, j->n * sizeof *w);
        for (size_t i = 0; i < j->n; i++) {
            /* Lemire's multiply-shift maps 64 random bits onto 0..n-1. */
            size_t k = (size_t)(((unsigned __int128)vigil_stats_rng_next(&g) * j->n) >> 64);
            w[j->pos ? j->pos[k] : k] += 1.0;
        }
        j->fn(j->ctx, r, w, scratch);
    }
done:
    free(w);
    free(scratch);
    return NULL;
}

int vigil_stats_bootstrap_run(size_t n, size_t B, uint64_t seed, unsigned threads, size_t scratch_bytes,
                     const uint32_t *pos, vm_replicate_fn fn, void *ctx)
{
    if (B == 0) return VIGIL_OK;
    if (threads == 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        threads = c > 0 ? (unsigned)c : 1;
    }
    if (threads > B) threads = (unsigned)B;
    if (threads > 256) threads = 256;
    job j = {.n = n, .B = B, .scratch_bytes = scratch_bytes, .seed = seed, .pos = pos, .fn = fn, .ctx = ctx};
    atomic_init(&j.next, 0);
    atomic_init(&j.failed, 0);
    pthread_t tid[256];
    unsigned started = 0;
    for (unsigned t = 1; t < threads; t++) {
        if (pthread_create(&tid[started], NULL, worker, &j) != 0) break;
        started++;
    }
    worker(&j);
    for (unsigned t = 0; t < started; t++) pthread_join(tid[t], NULL);
    if (atomic_load(&j.failed))
        return vigil_error_set(VIGIL_ENOMEM, "out of memory in the bootstrap (%zu cases)", n);
    return VIGIL_OK;
}
