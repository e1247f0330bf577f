/* The GPU measurements and large-size parity checks of bench/gpu.sh (issue 15), through the
 * library's public calls with an explicit --backend cuda (so a device failure is an error,
 * never a silent CPU run):
 *   predict   the bundled deep model (300 trees, depth 7) on N cases drawn from the bundled
 *             cohort's columns (each feature independently, missing values included): the
 *             first call (context and model upload), then rows/s; CPU and CUDA margins
 *             compared bit for bit on the first 2^20 + 12,345 rows (across the chunk boundary);
 *             the CPU/CUDA crossover (AUTO's threshold) from 1,000 to 1,000,000 rows.
 *   treeshap  the same model, 1,000,000 rows on the device; the CPU on the first 2^18 + 999
 *             rows (across the chunk boundary), max |CPU - CUDA|.
 *   mmd       10,000 x 10,000 rows x 20 features, 500 permutations, end to end (bandwidth
 *             selection included), against the CPU on the same data: statistic, bandwidth, p.
 * Usage: gpu_bench [--small] [--threads T]   (--small: sizes for compute-sanitizer, with tiny
 * chunks so every chunked path runs). Exit 0 when every check passed, 1 when one failed, 2 when
 * no device answers. */
#include "vigil/vigil.h"

#include "backend/cuda/cuda.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int failures;
/* the backend under test: CUDA; GPU_BENCH_DRY=1 puts the CPU there to try the script without a device */
static vigil_backend_kind DEV = VIGIL_BACKEND_CUDA;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t next(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}
static double unif(void) { return (double)(next() >> 11) * 0x1.0p-53; }
static double gauss(void)
{
    double u = unif(), v = unif();
    return sqrt(-2 * log(u > 0 ? u : 1e-300)) * cos(6.283185307179586 * v);
}

static void die(const char *what)
{
    fprintf(stderr, "gpu_bench: %s: %s\n", what, vigil_error_last());
    exit(1);
}

static void check(int ok, const char *fmt, double v)
{
    printf("  check: ");
    printf(fmt, v);
    printf(" ... %s\n", ok ? "ok" : "FAILED");
    if (!ok) failures++;
}

/* n rows of the model's features, each drawn from the pool's column independently */
static float *draw(const float *pool, size_t np, size_t F, size_t n)
{
    float *X = malloc(n * F * sizeof *X);
    if (!X) die("out of memory");
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < F; j++) X[i * F + j] = pool[(next() % np) * F + j];
    return X;
}

static double predict_seconds(vigil_model *m, const float *X, size_t n, vigil_backend_kind b, int threads,
                              double *scores, double *margins)
{
    vigil_backend_options o = {b, threads};
    vigil_backend_kind used;
    double t = now();
    if (vigil_model_predict(m, X, n, &o, scores, margins, &used)) die("predict");
    t = now() - t;
    if (used != b) {
        printf("  check: backend %s ran where %s was asked ... FAILED\n", vigil_backend_name(used), vigil_backend_name(b));
        failures++;
    }
    return t;
}

static void bench_predict(vigil_model *m, const float *pool, size_t np, size_t N, size_t par, int T, int small)
{
    size_t F = vigil_model_n_features(m);
    float *X = draw(pool, np, F, N);
    double *s = malloc(N * sizeof *s), *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
    if (!s || !a || !b) die("out of memory");
    printf("predict: %zu cases x %zu trees (%s)\n", N, vigil_model_n_trees(m), vigil_model_describe(m));
    double first = predict_seconds(m, X, 1000, DEV, 0, s, b);
    printf("  first CUDA call, 1,000 rows (context, model upload): %.3f s\n", first);
    double best = 1e30, sum = 0;
    for (int r = 0; r < 3; r++) {
        double t = predict_seconds(m, X, N, DEV, 0, s, b);
        best = t < best ? t : best, sum += t;
    }
    printf("  cuda: best %.4f s, mean %.4f s of 3 = %.3g rows/s (copies in and out included)\n", best, sum / 3,
           (double)N / best);
    if (par > N) par = N;
    double tc = predict_seconds(m, X, par, VIGIL_BACKEND_CPU, T, s, a);
    printf("  cpu, %d threads: %zu rows in %.3f s = %.3g rows/s\n", T, par, tc, (double)par / tc);
    if (!small) {
        size_t p2 = par < 400000 ? par : 400000;
        double t2 = predict_seconds(m, X, p2, VIGIL_BACKEND_CPU, 2, s, a);
        printf("  cpu, 2 threads: %zu rows in %.3f s = %.3g rows/s; cuda / cpu(2 threads) = %.1fx\n", p2, t2,
               (double)p2 / t2, ((double)N / best) / ((double)p2 / t2));
        tc = predict_seconds(m, X, par, VIGIL_BACKEND_CPU, T, s, a);
    }
    size_t diff = 0;
    predict_seconds(m, X, par, DEV, 0, s, b);
    for (size_t i = 0; i < par; i++) diff += a[i] != b[i];
    check(diff == 0, "CPU and CUDA margins differ on %.0f rows", (double)diff);
    printf("  crossover (AUTO's threshold; rows x trees per CPU thread):\n");
    for (size_t n = 1000; n <= (small ? 10000 : 1000000) && n <= N; n *= 10) {
        double gc = 1e30, cc = 1e30;
        for (int r = 0; r < 3; r++) {
            double t = predict_seconds(m, X, n, DEV, 0, s, b);
            gc = t < gc ? t : gc;
            t = predict_seconds(m, X, n, VIGIL_BACKEND_CPU, T, s, a);
            cc = t < cc ? t : cc;
        }
        printf("    %8zu rows: cuda %.5f s, cpu(%d) %.5f s, work/thread %.3g -> %s\n", n, gc, T, cc,
               (double)n * (double)vigil_model_n_trees(m) / T, gc < cc ? "cuda" : "cpu");
    }
    free(X), free(s), free(a), free(b);
}

static void bench_treeshap(vigil_model *m, const float *pool, size_t np, size_t N, size_t par, int T)
{
    size_t F = vigil_model_n_features(m), K = vigil_model_n_outputs(m), w = K * (F + 1);
    float *X = draw(pool, np, F, N);
    double *g = malloc(N * w * sizeof *g), *c = malloc(par * w * sizeof *c);
    if (!g || !c) die("out of memory");
    vigil_explain_options o = VIGIL_EXPLAIN_OPTIONS_INIT;
    o.backend = DEV;
    double t = now();
    if (vigil_explain(m, X, N, &o, g)) die("explain cuda");
    t = now() - t;
    printf("treeshap: %zu rows: cuda %.3f s = %.3g rows/s (backend %s)\n", N, t, (double)N / t,
           vigil_backend_name(o.used));
    if (o.used != DEV) failures++;
    o.backend = VIGIL_BACKEND_CPU, o.threads = T;
    t = now();
    if (vigil_explain(m, X, par, &o, c)) die("explain cpu");
    t = now() - t;
    printf("  cpu, %d threads: %zu rows in %.3f s = %.3g rows/s\n", T, par, t, (double)par / t);
    double worst = 0;
    for (size_t i = 0; i < par * w; i++) {
        double d = fabs(g[i] - c[i]);
        worst = d > worst || isnan(d) ? d : worst;
    }
    check(worst <= 1e-9, "max |CPU - CUDA| SHAP = %.3g (tol 1e-9)", worst);
    free(X), free(g), free(c);
}

static void bench_mmd(size_t n, size_t d, size_t perms, int T, int cpu_too)
{
    double *x = malloc(n * d * sizeof *x), *y = malloc(n * d * sizeof *y);
    if (!x || !y) die("out of memory");
    for (size_t i = 0; i < n * d; i++) x[i] = gauss();
    for (size_t i = 0; i < n * d; i++) y[i] = gauss() + (i % d == 0 ? 0.05 : 0);
    double s1, p1, b1 = 0, s0, p0, b0 = 0;
    vigil_backend_kind used;
    double t = now();
    if (vigil_drift_mmd(x, n, y, n, d, perms, 7, DEV, T, &s1, &p1, &b1, &used)) die("mmd cuda");
    t = now() - t;
    printf("mmd: %zu x %zu rows x %zu features, %zu permutations: cuda %.3f s end to end (stat %.6g, p %.4f, "
           "bandwidth %.6g, backend %s)\n",
           n, n, d, perms, t, s1, p1, b1, vigil_backend_name(used));
    if (used != DEV) failures++;
    t = now();
    if (vigil_drift_mmd(x, n, y, n, d, perms, 7, DEV, T, &s1, &p1, &b1, &used)) die("mmd cuda");
    printf("  again (context warm): %.3f s\n", now() - t);
    if (cpu_too) {
        t = now();
        if (vigil_drift_mmd(x, n, y, n, d, perms, 7, VIGIL_BACKEND_CPU, T, &s0, &p0, &b0, NULL)) die("mmd cpu");
        t = now() - t;
        printf("  cpu, %d threads: %.3f s (stat %.6g, p %.4f, bandwidth %.6g)\n", T, t, s0, p0, b0);
        check(b0 == b1, "bandwidth CPU - CUDA = %.3g (exact)", b0 - b1);
        check(fabs(s0 - s1) <= 1e-9 * fabs(s0) + 1e-15, "statistic |CPU - CUDA| = %.3g (tol 1e-9 relative)",
              fabs(s0 - s1));
        check(fabs(p0 - p1) <= 2.0 / (double)(perms + 1), "p |CPU - CUDA| = %.3g (tol 2/(B+1))", fabs(p0 - p1));
    }
    free(x), free(y);
}

int main(int argc, char **argv)
{
    int small = 0, T = 16;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--small") == 0) small = 1;
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) T = atoi(argv[++i]);
    }
    vigil_init();
    printf("%s\n", vigil_backend_describe(VIGIL_BACKEND_CPU));
    printf("%s\n", vigil_backend_describe(VIGIL_BACKEND_CUDA));
    if (getenv("GPU_BENCH_DRY")) DEV = VIGIL_BACKEND_CPU;
    else if (!vigil_cuda_available()) return 2;
    if (small) vigil_cuda_test_chunks(1000, 700, 16, 128);
    vigil_model *m = NULL;
    vigil_table *t = NULL;
    float *pool = NULL;
    if (vigil_model_load(&m, "datasets/models/flchain_deep.json")) die("model");
    if (vigil_table_read_csv(&t, "datasets/flchain/train.csv", NULL)) die("pool");
    if (vigil_model_bind(m, t, &pool)) die("bind");
    size_t np = vigil_table_nrows(t);
    if (small) {
        bench_predict(m, pool, np, 5000, 5000, T, 1);
        bench_treeshap(m, pool, np, 3000, 3000, T);
        bench_mmd(300, 5, 49, T, 1);
    } else {
        bench_predict(m, pool, np, 10000000, ((size_t)1 << 20) + 12345, T, 0);
        bench_treeshap(m, pool, np, 1000000, ((size_t)1 << 18) + 999, T);
        bench_mmd(2000, 20, 500, T, 1);
        bench_mmd(10000, 20, 500, T, 1);
    }
    free(pool);
    vigil_table_free(t);
    vigil_model_free(m);
    printf("gpu_bench: %s\n", failures ? "FAILED" : "every check passed");
    return failures ? 1 : 0;
}
