/* CPU scoring of the dense families (vigil-linear, vigil-mlp): each row on its own, in blocks on
 * the shared pool; the arithmetic per row is the loader's formula (src/model/dense.c). */
#include "backend/cpu/cpu.h"

#include "core/parallel.h"
#include "model/model_internal.h"
#include "vigil/error.h"

#include <math.h>
#include <stdlib.h>

#define ROWS 1024

typedef struct {
    const vigil_model *m;
    const float *X;
    double *scores, *margins;
} job_t;

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

static int linear_range(void *ctx, size_t r0, size_t r1, int worker)
{
    (void)worker;
    const job_t *j = ctx;
    const vigil_model *m = j->m;
    const size_t F = m->n_features;
    for (size_t i = r0; i < r1; i++) {
        double s = m->linear.intercept;
        for (size_t f = 0; f < F; f++) s += m->linear.coef[f] * (double)j->X[i * F + f];
        if (j->margins) j->margins[i] = s;
        j->scores[i] = m->linear.link == VIGIL_LINK_LOGIT ? sigmoid(s) : s;
    }
    return VIGIL_OK;
}

static int mlp_range(void *ctx, size_t r0, size_t r1, int worker)
{
    (void)worker;
    const job_t *j = ctx;
    const vigil_model *m = j->m;
    const size_t F = m->n_features, K = m->n_outputs, sc = vigil_mlp_scratch(&m->mlp, F);
    double *x = malloc((F + sc + K) * sizeof *x);
    if (!x) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    double *scratch = x + F, *mg = scratch + sc;
    for (size_t i = r0; i < r1; i++) {
        for (size_t f = 0; f < F; f++) x[f] = j->X[i * F + f];
        vigil_mlp_forward(&m->mlp, x, F, scratch, mg, j->scores + i * K);
        if (j->margins)
            for (size_t k = 0; k < K; k++) j->margins[i * K + k] = mg[k];
    }
    free(x);
    return VIGIL_OK;
}

int vigil_cpu_predict_linear(const vigil_model *m, const float *X, size_t n, int threads, double *scores,
                             double *margins)
{
    job_t j = {m, X, scores, margins};
    return vigil_parallel_for(threads, n, ROWS, linear_range, &j);
}

int vigil_cpu_predict_mlp(const vigil_model *m, const float *X, size_t n, int threads, double *scores,
                          double *margins)
{
    job_t j = {m, X, scores, margins};
    return vigil_parallel_for(threads, n, ROWS, mlp_range, &j);
}
