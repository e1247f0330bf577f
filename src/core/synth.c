/* Synthetic shadow-mode cases; see include/vigil/synth.h. */
#include "vigil/synth.h"
#include "vigil/error.h"
#include "core/window.h"

#include <errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void vigil_synth_defaults(vigil_synth_options *o)
{
    *o = (vigil_synth_options)VIGIL_SYNTH_OPTIONS_INIT;
}

int vigil_synth_parse_drift(const char *s)
{
    static const char *names[] = {"none", "covariate", "label", "concept", "subgroup"};
    for (int i = 0; i < 5; i++)
        if (strcmp(s, names[i]) == 0) return i;
    return -1;
}

static double sigmoid(double z) { return 1.0 / (1.0 + exp(-z)); }

int vigil_synth_write(const vigil_synth_options *o, const char *path)
{
    if (o->rows == 0 || o->features == 0 || o->features > 1000)
        return vigil_error_set(VIGIL_EINVAL, "synth: rows must be >= 1 and features 1..1000");
    if (!(o->missing_rate >= 0 && o->missing_rate < 1))
        return vigil_error_set(VIGIL_EINVAL, "synth: missing rate %g is not in [0, 1)", o->missing_rate);
    if (!(o->prevalence > 0 && o->prevalence < 1))
        return vigil_error_set(VIGIL_EINVAL, "synth: prevalence %g is not in (0, 1)", o->prevalence);
    if (!(o->drift_start >= 0 && o->drift_start <= 1) || o->days == 0)
        return vigil_error_set(VIGIL_EINVAL, "synth: drift start must be in [0, 1] and days >= 1");
    /* The core's day parser: it refuses 2026-02-30 and 2025-02-29 (timegm would roll them
     * into March) and counts days before 1970 correctly. */
    long end = vigil_parse_day(o->end_date);
    if (end == VIGIL_DAY_INVALID)
        return vigil_error_set(VIGIL_EINVAL, "synth: end date '%s' is not YYYY-MM-DD", o->end_date);
    FILE *f = fopen(path, "w");
    if (!f) return vigil_error_set(VIGIL_EIO, "%s: cannot write: %s", path, strerror(errno));
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    double *x = malloc(o->features * sizeof *x), *beta = malloc(o->features * sizeof *beta);
    int rc = VIGIL_OK;
    if (!rng || !x || !beta) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    gsl_rng_set(rng, (unsigned long)o->seed);
    /* Effects shrink with the feature index so a few features matter, as in clinical data. */
    for (size_t j = 0; j < o->features; j++) beta[j] = 0.8 / (1.0 + (double)j);
    double b0 = log(o->prevalence / (1 - o->prevalence)) - 0.35; /* ~target after the spread */
    static const char *cats[] = {"a", "b", "c", "d"}, *bands[] = {"18-39", "40-59", "60-79", "80+"};
    static const double band_effect[] = {-0.6, -0.2, 0.3, 0.8};
    fputs("case_id,date,sex,age_band,cat1", f);
    for (size_t j = 0; j < o->features; j++) fprintf(f, ",x%zu", j + 1);
    fputs(",label,score,shadow_score\n", f);
    long start = end - (long)o->days + 1;
    size_t drift_day = (size_t)floor(o->drift_start * (double)o->days);
    for (size_t i = 0; i < o->rows; i++) {
        size_t day = (size_t)((double)i * (double)o->days / (double)o->rows); /* time-ordered */
        int drifted = o->drift != VIGIL_DRIFT_NONE && day >= drift_day;
        int female = gsl_rng_uniform(rng) < 0.52;
        double ub = gsl_rng_uniform(rng);
        int band = ub < 0.25 ? 0 : ub < 0.6 ? 1 : ub < 0.9 ? 2 : 3;
        double u = gsl_rng_uniform(rng);
        int cat = u < 0.4 ? 0 : u < 0.7 ? 1 : u < 0.9 ? 2 : 3;
        if (drifted && o->drift == VIGIL_DRIFT_COVARIATE && gsl_rng_uniform(rng) < 0.1) cat = 3;
        double lin = b0 + band_effect[band] - 0.2 * female + 0.3 * (cat == 3);
        double z0 = gsl_ran_gaussian_ziggurat(rng, 1.0);
        for (size_t j = 0; j < o->features; j++) {
            double z = j == 1 ? 0.5 * z0 + sqrt(0.75) * gsl_ran_gaussian_ziggurat(rng, 1.0)
                       : j == 0 ? z0 : gsl_ran_gaussian_ziggurat(rng, 1.0);
            if (j == 0 && drifted && o->drift == VIGIL_DRIFT_COVARIATE) z += o->shift;
            x[j] = z;
        }
        double model = lin;
        for (size_t j = 0; j < o->features; j++) model += beta[j] * x[j];
        double truth = model;
        if (drifted && o->drift == VIGIL_DRIFT_LABEL) truth += o->shift;
        if (drifted && o->drift == VIGIL_DRIFT_CONCEPT) truth -= 2 * beta[0] * x[0];
        int label = gsl_rng_uniform(rng) < sigmoid(truth);
        double noisy = model;
        if (drifted && o->drift == VIGIL_DRIFT_SUBGROUP && female)
            noisy = lin + 0.3 * (model - lin) + gsl_ran_gaussian_ziggurat(rng, o->shift);
        double score = sigmoid(noisy);
        char date[16];
        vigil_format_day(start + (long)day, date);
        fprintf(f, "C%08zu,%s,%s,%s,%s", i + 1, date, female ? "F" : "M", bands[band], cats[cat]);
        for (size_t j = 0; j < o->features; j++) {
            if (o->missing_rate > 0 && gsl_rng_uniform(rng) < o->missing_rate) fputs(",", f);
            else fprintf(f, ",%.6f", x[j]);
        }
        fprintf(f, ",%d,%.9g,%.9g\n", label, score, score);
        if (o->progress && (i + 1) % 100000 == 0) o->progress(o->progress_ctx, i + 1, o->rows);
    }
done:
    if (fclose(f) != 0 && rc == VIGIL_OK)
        rc = vigil_error_set(VIGIL_EIO, "%s: write failed: %s", path, strerror(errno));
    gsl_rng_free(rng);
    free(x);
    free(beta);
    return rc;
}
