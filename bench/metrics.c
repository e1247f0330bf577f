/* Timings for bench/metrics.sh (built there against build/libvigil.a):
 *   metrics auroc N        sort + AUROC + DeLong CI on N generated cases (best of 5)
 *   metrics boot N B T     B count-bootstrap replicates of the AUROC on N cases, T threads
 * Prints one line "seconds <s>" (and the value, so the work cannot be optimised away). */
#include "vigil/error.h"
#include "vigil/metrics.h"
#include "core/util.h"
#include "stats/metrics_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void gen(size_t n, double *p, double *y)
{
    vm_rng g;
    vigil_stats_rng_seed(&g, 7, 0);
    for (size_t i = 0; i < n; i++) {
        double u1 = ((vigil_stats_rng_next(&g) >> 11) + 0.5) / 9007199254740992.0;
        double u2 = ((vigil_stats_rng_next(&g) >> 11) + 0.5) / 9007199254740992.0;
        double x = sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
        double u3 = ((vigil_stats_rng_next(&g) >> 11) + 0.5) / 9007199254740992.0;
        p[i] = 1 / (1 + exp(-(1.2 * x - 1)));
        y[i] = u3 < 1 / (1 + exp(-(x - 0.8)));
    }
}

typedef struct {
    const double *p;
    const uint8_t *y;
    size_t n;
    double *out;
} boot_ctx;

static void rep(void *ctx, size_t r, const double *w, void *scratch)
{
    boot_ctx *b = ctx;
    b->out[r] = vigil_stats_auroc_sorted(b->p, b->y, w, b->n);
}

int main(int argc, char **argv)
{
    vigil_init();
    if (argc < 3) {
        fprintf(stderr, "usage: metrics auroc N | metrics boot N B THREADS\n");
        return 2;
    }
    size_t n = strtoull(argv[2], NULL, 10);
    double *p = malloc(n * sizeof *p), *y = malloc(n * sizeof *y);
    gen(n, p, y);
    if (strcmp(argv[1], "auroc") == 0) {
        double best = 1e9;
        vigil_auroc a;
        for (int k = 0; k < 5; k++) {
            double t0 = vigil_seconds();
            vigil_metrics_auroc(p, y, n, 0.95, &a);
            double t = vigil_seconds() - t0;
            if (t < best) best = t;
        }
        printf("seconds %.6f auc %.10f ci %.10f %.10f\n", best, a.auc, a.ci_low, a.ci_high);
    } else {
        size_t B = strtoull(argv[3], NULL, 10);
        unsigned th = argc > 4 ? (unsigned)atoi(argv[4]) : 0;
        double t0 = vigil_seconds();
        uint32_t *ord = malloc(n * sizeof *ord);
        double *ps = malloc(n * sizeof *ps), *out = malloc(B * sizeof *out);
        uint8_t *ys = malloc(n);
        vigil_stats_sort_order(p, n, ord); /* sort once */
        for (size_t i = 0; i < n; i++) {
            ps[i] = p[ord[i]];
            ys[i] = y[ord[i]] != 0;
        }
        boot_ctx c = {ps, ys, n, out};
        vigil_stats_bootstrap_run(n, B, 1, th, 0, NULL, rep, &c);
        double lo, hi;
        vigil_stats_percentile_ci(out, B, 0.95, &lo, &hi);
        printf("seconds %.6f ci %.6f %.6f\n", vigil_seconds() - t0, lo, hi);
        free(ord);
        free(ps);
        free(ys);
        free(out);
    }
    free(p);
    free(y);
    return 0;
}
