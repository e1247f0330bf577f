/* The metrics bootstrap on the GPU against the CPU (issue 22, bench/gpu.sh): one report of N
 * cases (scores with ties, one group column of five levels and missing codes) with B count
 * replicates and the BCa jackknife, computed by the CPU backend and by --backend cuda (so a
 * device failure is an error, never a silent CPU run); every replicate and jackknife value of
 * every scope and disparity compared bit for bit. Prints "PARITY OK" or "PARITY FAIL" and the
 * times: the CPU, the device's first call (its context and uploads included) and a second, and
 * the report without a bootstrap (the part both share).
 * Usage: gpu_boot [--small] [--threads T] [--n N] [--replicates B]   (--small: 5,000 cases x
 * 20 replicates in batches of 3, for compute-sanitizer). Exit 0 when parity held on the device,
 * 1 when it did not, 2 when no device answers. */
#include "vigil/vigil.h"

#include "backend/cuda/cuda.h"
#include "stats/metrics_report.h"
#ifdef VIGIL_CUDA_STUB
#include "../tests/cudastub/stub.h" /* tried here through the CUDA stand-in */
#endif

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static double unif(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (double)(rng >> 11) * 0x1.0p-53;
}

static const char *const LEVELS[] = {"north", "south", "east", "west", "small"};

static double compute(const double *s, const double *y, size_t n, const vigil_metrics_group *g, size_t B,
                      vigil_backend_kind b, int T, vigil_metrics_report **out)
{
    const double t = 0.2;
    vigil_metrics_options o = VIGIL_METRICS_OPTIONS_INIT;
    o.thresholds = &t, o.n_thresholds = 1, o.bootstrap = B, o.seed = 1, o.threads = (unsigned)T, o.backend = b;
    double t0 = now();
    if (vigil_metrics_compute(out, s, y, n, g, 1, &o) != VIGIL_OK) {
        fprintf(stderr, "gpu_boot: --backend %s: %s\n", vigil_backend_name(b), vigil_error_last());
        printf("PARITY FAIL (--backend %s failed: %s)\n", vigil_backend_name(b), vigil_error_last());
        exit(1);
    }
    return now() - t0;
}

static size_t diffs;
static void same(const double *a, const double *b, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(&a[i], &b[i], sizeof a[i]) != 0 && !(isnan(a[i]) && isnan(b[i])) && diffs++ < 5)
            printf("  differs: %s[%zu]: cpu %.17g, cuda %.17g\n", what, i, a[i], b[i]);
}

int main(int argc, char **argv)
{
    int small = 0, T = 16;
    size_t n = 1000000, B = 200;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--small") == 0) small = 1, n = 5000, B = 20;
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) T = atoi(argv[++i]);
        else if (strcmp(argv[i], "--n") == 0 && i + 1 < argc) n = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--replicates") == 0 && i + 1 < argc) B = strtoul(argv[++i], NULL, 10);
    }
    vigil_init();
#ifdef VIGIL_CUDA_STUB
    vigil_stub_device(1);
#endif
    printf("%s\n", vigil_backend_describe(VIGIL_BACKEND_CPU));
    printf("%s\n", vigil_backend_describe(VIGIL_BACKEND_CUDA)); /* one static buffer: two calls */
    if (!vigil_cuda_available()) return 2;
    if (small) vigil_cuda_test_boot_batch(3);
    double *s = malloc(n * sizeof *s), *y = malloc(n * sizeof *y);
    int32_t *code = malloc(n * sizeof *code);
    if (!s || !y || !code) return 1;
    for (size_t i = 0; i < n; i++) {
        double z = 2.2 * (unif() + unif() + unif() - 1.5) - 1.4;
        s[i] = round(1e4 / (1 + exp(-z))) / 1e4; /* four decimals, as scores are often stored: ties */
        y[i] = unif() < s[i];
        code[i] = i % 97 == 5 ? -1 : i % 53 == 0 ? 4 : (int32_t)(i % 4);
    }
    vigil_metrics_group g = {"site", code, LEVELS, 5};
    vigil_metrics_report *base = NULL, *cpu = NULL, *dev = NULL, *dev2 = NULL;
    double t_base = compute(s, y, n, &g, 0, VIGIL_BACKEND_CPU, T, &base);
    double t_cpu = compute(s, y, n, &g, B, VIGIL_BACKEND_CPU, T, &cpu);
    double t_dev = compute(s, y, n, &g, B, VIGIL_BACKEND_CUDA, T, &dev);
    double t_dev2 = compute(s, y, n, &g, B, VIGIL_BACKEND_CUDA, T, &dev2);
    size_t J = cpu->jack_groups + 1;
    printf("bootstrap: %zu cases x %zu replicates (+ %zu jackknife calls), overall and 5 levels, lowess %s\n", n, B,
           J, cpu->boot_lowess ? "bootstrapped" : "not bootstrapped (n > 100,000)");
    printf("  report without the bootstrap: %.3f s (both backends)\n", t_base);
    printf("  cpu, %d threads: %.3f s (bootstrap %.3f s)\n", T, t_cpu, t_cpu - t_base);
    printf("  cuda: first call %.3f s (bootstrap %.3f s, context included), again %.3f s (bootstrap %.3f s): "
           "%.1fx the CPU's bootstrap\n",
           t_dev, t_dev - t_base, t_dev2, t_dev2 - t_base, (t_cpu - t_base) / (t_dev2 - t_base));
    int ran = dev->boot_backend == VIGIL_BACKEND_CUDA && dev2->boot_backend == VIGIL_BACKEND_CUDA;
    for (int k = 0; k < 2; k++) {
        const vigil_metrics_report *d = k ? dev2 : dev;
        same(cpu->all.rep, d->all.rep, S_COUNT * B, "overall rep");
        same(cpu->all.jack, d->all.jack, S_COUNT * J, "overall jack");
        same(cpu->g[0].drep, d->g[0].drep, D_COUNT * B, "disparity rep");
        same(cpu->g[0].djack, d->g[0].djack, D_COUNT * J, "disparity jack");
        for (size_t l = 0; l < cpu->g[0].n_levels; l++) {
            if (!cpu->g[0].lv[l].rep || !d->g[0].lv[l].rep) {
                if (cpu->g[0].lv[l].rep != d->g[0].lv[l].rep && diffs++ < 5) printf("  differs: level %zu shown\n", l);
                continue;
            }
            same(cpu->g[0].lv[l].rep, d->g[0].lv[l].rep, S_COUNT * B, "level rep");
            same(cpu->g[0].lv[l].jack, d->g[0].lv[l].jack, S_COUNT * J, "level jack");
        }
    }
    if (!ran) printf("PARITY FAIL (the bootstrap did not run on the device: %s)\n", vigil_backend_name(dev->boot_backend));
    else if (diffs) printf("PARITY FAIL (%zu values differ)\n", diffs);
    else printf("PARITY OK (every replicate and jackknife value of every scope and disparity equal to the bit)\n");
    vigil_metrics_report_free(base), vigil_metrics_report_free(cpu), vigil_metrics_report_free(dev);
    vigil_metrics_report_free(dev2);
    free(s), free(y), free(code);
    return ran && !diffs ? 0 : 1;
}
