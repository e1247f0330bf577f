/* Bench driver (issue 22, one node first): the metrics bootstrap's per-replicate pieces at n
 * cases, each the least thread CPU time over R repetitions (robust on a loaded machine):
 * one replicate's draw through vigil_stats_bootstrap_run (counts by case number, spread to
 * sorted order through a permutation, as a report's pos), the overall scope's kernel
 * (vigil_stats_scope_stats, slope and CITL expansions centred at the full data's fits) and one
 * group column of 8 levels (vigil_stats_group_stats). Scores with ~7,800 distinct values, as
 * bench/explain.py gen's resampled cohort has.
 * usage: boot_draw [N [R]]   (build: make BUILD=build/x build/x/bench/boot_draw) */
#include "stats/metrics_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void sink(void *ctx, size_t r, const double *w, void *scratch)
{
    (void)r, (void)scratch;
    *(double *)ctx += w[0];
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000, R = argc > 2 ? strtoul(argv[2], NULL, 10) : 10;
    if (n < 2 || R < 1) {
        fprintf(stderr, "usage: boot_draw [N >= 2 [R >= 1]]\n");
        return 2;
    }
    double *p = malloc(n * sizeof *p), *lg = malloc(n * sizeof *lg), *w = malloc(n * sizeof *w),
           *sc = malloc(n * sizeof *sc), *sf = malloc(n * sizeof *sf), *ones = malloc(n * sizeof *ones),
           *buf = malloc(6 * n * sizeof *buf);
    uint8_t *y = malloc(n);
    uint32_t *pos = malloc(n * sizeof *pos), *code = malloc(n * sizeof *code);
    if (!p || !lg || !w || !sc || !sf || !ones || !buf || !y || !pos || !code) {
        fprintf(stderr, "boot_draw: out of memory\n");
        return 3;
    }
    vm_rng g;
    vigil_stats_rng_seed(&g, 1, 0);
    for (size_t i = 0; i < n; i++) p[i] = (double)((vigil_stats_rng_next(&g) >> 11) % 7800 + 1) / 7802.0;
    qsort(p, n, sizeof *p, cmp_dbl);
    for (size_t i = 0; i < n; i++) {
        y[i] = (double)(vigil_stats_rng_next(&g) >> 11) / 9007199254740992.0 < p[i];
        lg[i] = log(p[i] / (1 - p[i]));
        code[i] = (uint32_t)(vigil_stats_rng_next(&g) % 8);
        pos[i] = (uint32_t)i, ones[i] = 1;
    }
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = vigil_stats_rng_next(&g) % (i + 1);
        uint32_t t = pos[i];
        pos[i] = pos[j], pos[j] = t;
    }
    double acc = 0, draw = 1e30, scope = 1e30, group = 1e30, out[9 * S_COUNT_INTERNAL];
    for (size_t r = 0; r < R; r++) {
        double t0 = cpu_now();
        if (vigil_stats_bootstrap_run(n, 1, 7, 1, 0, pos, sink, &acc) != 0) return 3;
        double t = cpu_now() - t0;
        draw = t < draw ? t : draw;
    }
    /* the engine centres the expansions at the full data's estimates */
    double fit0[2] = {0, 1}, a, b;
    vigil_stats_logistic_fit(lg, y, ones, n, fit0, &a, &b, NULL);
    fit0[0] = a, fit0[1] = b;
    double c0 = vigil_stats_citl(p, y, ones, n, 0), e0 = exp(c0);
    for (size_t i = 0; i < n; i++) {
        sc[i] = p[i] * e0 / (1 - p[i] + p[i] * e0);
        sf[i] = 1.0 / (1.0 + exp(-(fit0[0] + fit0[1] * lg[i])));
    }
    memset(w, 0, n * sizeof *w);
    for (size_t i = 0; i < n; i++) w[pos[vigil_stats_bootstrap_case(&g, n)]] += 1;
    vm_scope_in all = {.p = p, .lg = lg, .y = y, .m = n, .citl0 = c0, .sc = sc, .fit0 = fit0, .sf = sf};
    vm_scope_in lv[8];
    memset(lv, 0, sizeof lv);
    for (size_t i = 0; i < n; i++) lv[code[i]].m++;
    for (int l = 0; l < 8; l++) lv[l].citl0 = c0;
    vm_group_in gi = {.p = p, .y = y, .code = code, .sc = sc, .n = n, .n_levels = 8, .in = lv};
    for (size_t r = 0; r < R; r++) {
        double t0 = cpu_now();
        vigil_stats_scope_stats(&all, w, 0.2, buf, out);
        double t1 = cpu_now();
        vigil_stats_group_stats(&gi, w, 0.2, buf, out + S_COUNT_INTERNAL);
        double t2 = cpu_now();
        scope = t1 - t0 < scope ? t1 - t0 : scope;
        group = t2 - t1 < group ? t2 - t1 : group;
    }
    printf("n=%zu, least of %zu: draw %.2f ms, overall scope %.2f ms, group column of 8 levels %.2f ms "
           "(auroc %.17g, citl %.17g, slope %.17g; %g)\n",
           n, R, 1e3 * draw, 1e3 * scope, 1e3 * group, out[VS_AUROC], out[VS_CITL], out[VS_SLOPE], acc);
    return 0;
}
