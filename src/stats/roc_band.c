/* The ROC curve's confidence band: see stats/roc_band.h. */
#include "stats/roc_band.h"
#include "vigil/error.h"
#include "vigil/fairness.h"
#include "core/dist.h"
#include "core/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double target(int k) { return (double)k * 0.1; }

/* Sensitivity at each target specificity from sorted scores p, labels y and weights w (NULL: 1),
 * walking pROC's curve: thresholds ascending, the first point (specificity 0, sensitivity 1),
 * then one point past each distinct score. ok (optional, unweighted only): whether the points
 * used have no count of 1..mc-1. NaN everywhere without cases or controls. */
static void band_at(const double *p, const uint8_t *y, const double *w, size_t n, size_t mc, double *se, int *ok)
{
    double P = 0, N = 0;
    for (size_t i = 0; i < n; i++) {
        double wt = w ? w[i] : 1.0;
        if (y[i]) P += wt;
        else N += wt;
    }
    if (!(P > 0) || !(N > 0)) {
        for (int k = 0; k < VM_BAND_POINTS; k++) {
            se[k] = NAN;
            if (ok) ok[k] = 0;
        }
        return;
    }
    double c0 = 0, c1 = 0; /* controls and cases at or below the threshold */
    double psp = 0, pse = 1, cur_sp = 0, cur_se = 1;
    int pok = 1, cok = 1, k = 0;
    size_t i = 0;
    for (;;) {
        while (k < VM_BAND_POINTS && cur_sp >= target(k)) { /* this point is the first at or past target k */
            double x = target(k);
            if (cur_sp == x) {
                se[k] = cur_se;
                if (ok) ok[k] = cok;
            } else {
                double prop = (x - cur_sp) / (psp - cur_sp);
                se[k] = cur_se + prop * (pse - cur_se);
                if (ok) ok[k] = cok && pok;
            }
            k++;
        }
        if (k == VM_BAND_POINTS || i >= n) break;
        psp = cur_sp, pse = cur_se, pok = cok;
        size_t j = i;
        do {
            double wt = w ? w[j] : 1.0;
            if (y[j]) c1 += wt;
            else c0 += wt;
            j++;
        } while (j < n && p[j] == p[i]);
        i = j;
        cur_sp = c0 / N;
        cur_se = (P - c1) / P;
        cok = !ok || (vigil_fairness_count_ok(P - c1, mc) && vigil_fairness_count_ok(c1, mc) &&
                      vigil_fairness_count_ok(N - c0, mc) && vigil_fairness_count_ok(c0, mc));
    }
}

typedef struct {
    const scope *s;
    double *rep; /* B x VM_BAND_POINTS */
} band_job;

static void replicate(void *ctx, size_t r, const double *w, void *scratch)
{
    band_job *j = ctx;
    (void)scratch;
    band_at(j->s->p, j->s->y, w, j->s->n, 0, j->rep + r * VM_BAND_POINTS, NULL);
}

void vigil_stats_roc_band_replicate(const vigil_metrics_report *r, const double *w, size_t rep, double *out)
{
    double se[VM_BAND_POINTS];
    size_t B = r->o.bootstrap;
    band_at(r->all.p, r->all.y, w, r->all.n, 0, se, NULL);
    for (int k = 0; k < VM_BAND_POINTS; k++) out[(size_t)k * B + rep] = se[k];
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

cJSON *vigil_stats_roc_band_cjson(const vigil_metrics_report *r)
{
    const scope *s = &r->all;
    size_t B = r->o.bootstrap, mc = r->o.min_cell;
    double se[VM_BAND_POINTS], lo[VM_BAND_POINTS], hi[VM_BAND_POINTS];
    int ok[VM_BAND_POINTS];
    band_at(s->p, s->y, NULL, s->n, mc, se, ok);
    for (int k = 0; k < VM_BAND_POINTS; k++) lo[k] = hi[k] = NAN;
    band_job j = {s, NULL};
    double *col = NULL;
    if (B > 0) {
        /* each MPI rank its own replicates, then every rank all of them (a failure on any rank
         * is every rank's: core/dist.h) */
        int bad = !(j.rep = malloc(B * VM_BAND_POINTS * sizeof *j.rep)) || !(col = malloc(B * sizeof *col));
        if (r->band_rep) { /* the metrics replicates' own counts (every rank's, shared already) */
            if (bad) goto oom;
            for (size_t b = 0; b < B; b++)
                for (int k = 0; k < VM_BAND_POINTS; k++) j.rep[b * VM_BAND_POINTS + k] = r->band_rep[(size_t)k * B + b];
        } else { /* no engine bootstrap ran here: draw the run's replicates */
            int rc = bad ? vigil_error_set(VIGIL_ENOMEM, "out of memory (ROC band)")
                         : vigil_stats_bootstrap_run_split(s->n, B, r->o.seed, r->o.threads, 0, r->pos, replicate, &j);
            if (vigil_dist_share_rows(j.rep, B, VM_BAND_POINTS, rc) != 0) goto fail;
        }
        /* ci.se drops a replicate with any undefined value (no cases or no controls drawn) */
        size_t m = 0;
        for (size_t b = 0; b < B; b++) {
            int all = 1;
            for (int k = 0; k < VM_BAND_POINTS; k++) all &= !isnan(j.rep[b * VM_BAND_POINTS + k]);
            if (all) memmove(j.rep + m++ * VM_BAND_POINTS, j.rep + b * VM_BAND_POINTS, VM_BAND_POINTS * sizeof *j.rep);
        }
        double a = (1 - r->o.level) / 2;
        for (int k = 0; k < VM_BAND_POINTS && m > 1; k++) {
            for (size_t b = 0; b < m; b++) col[b] = j.rep[b * VM_BAND_POINTS + k];
            qsort(col, m, sizeof *col, cmp_dbl);
            lo[k] = vigil_stats_quantile_sorted(col, m, a);
            hi[k] = vigil_stats_quantile_sorted(col, m, 1 - a);
        }
    }
    cJSON *arr = cJSON_CreateArray();
    if (!arr) goto oom;
    for (int k = 0; k < VM_BAND_POINTS; k++) {
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            cJSON_Delete(arr);
            goto oom;
        }
        int shown = ok[k] && isfinite(se[k]);
        vigil_json_add_number(o, "specificity", target(k));
        vigil_json_add_number(o, "sensitivity", shown ? se[k] : NAN);
        vigil_json_add_number(o, "ci_low", shown ? lo[k] : NAN);
        vigil_json_add_number(o, "ci_high", shown ? hi[k] : NAN);
        cJSON_AddBoolToObject(o, "suppressed", !ok[k]);
    }
    free(j.rep);
    free(col);
    return arr;
oom:
    vigil_error_set(VIGIL_ENOMEM, "out of memory (ROC band)");
fail:
    free(j.rep);
    free(col);
    return NULL;
}
