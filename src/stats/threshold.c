/* Threshold statistics with Wilson intervals, net benefit, and the input checks. */
#include "vigil/metrics.h"
#include "vigil/error.h"
#include "core/util.h"
#include "stats/metrics_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The form statsmodels' proportion_confint(method="wilson") uses. */
void vigil_metrics_wilson(double k, double n, double level, double *lo, double *hi)
{
    if (!(n > 0)) {
        *lo = *hi = NAN;
        return;
    }
    double z = vigil_stats_qnorm(1 - (1 - (level > 0 ? level : 0.95)) / 2), z2 = z * z, q = k / n;
    double denom = 1 + z2 / n, center = (q + z2 / (2 * n)) / denom;
    double dist = z * sqrt(q * (1 - q) / n + z2 / (4 * n * n)) / denom;
    *lo = center - dist;
    *hi = center + dist;
}

void vigil_stats_confusion_sorted(const double *p, const uint8_t *y, const double *w, size_t n, double t,
                         double *tp, double *fp, double *fn, double *tn)
{
    /* First case with score >= t. */
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p[mid] < t) lo = mid + 1;
        else hi = mid;
    }
    double a1 = 0, a0 = 0, b1 = 0, b0 = 0;
    for (size_t i = 0; i < n; i++) {
        double wt = w ? w[i] : 1.0;
        if (i < lo) {
            if (y[i]) b1 += wt;
            else b0 += wt;
        } else {
            if (y[i]) a1 += wt;
            else a0 += wt;
        }
    }
    *tp = a1;
    *fp = a0;
    *fn = b1;
    *tn = b0;
}

void vigil_stats_threshold_from_counts(double t, double tp, double fp, double fn, double tn, double level,
                              vigil_threshold_stats *o)
{
    double n = tp + fp + fn + tn;
    o->threshold = t;
    o->tp = tp;
    o->fp = fp;
    o->fn = fn;
    o->tn = tn;
    o->tpr = tp + fn > 0 ? tp / (tp + fn) : NAN;
    o->tnr = tn + fp > 0 ? tn / (tn + fp) : NAN;
    o->fpr = tn + fp > 0 ? fp / (tn + fp) : NAN;
    o->ppv = tp + fp > 0 ? tp / (tp + fp) : NAN;
    o->npv = tn + fn > 0 ? tn / (tn + fn) : NAN;
    o->selection_rate = n > 0 ? (tp + fp) / n : NAN;
    vigil_metrics_wilson(tp, tp + fn, level, &o->tpr_lo, &o->tpr_hi);
    vigil_metrics_wilson(tn, tn + fp, level, &o->tnr_lo, &o->tnr_hi);
    vigil_metrics_wilson(tp, tp + fp, level, &o->ppv_lo, &o->ppv_hi);
    vigil_metrics_wilson(tn, tn + fn, level, &o->npv_lo, &o->npv_hi);
    vigil_metrics_wilson(tp + fp, n, level, &o->sel_lo, &o->sel_hi);
    o->net_benefit = n > 0 && t < 1 ? tp / n - fp / n * t / (1 - t) : NAN;
}

int vigil_metrics_threshold(const double *score, const double *label, size_t n, double t,
                            double level, vigil_threshold_stats *out)
{
    double tp = 0, fp = 0, fn = 0, tn = 0;
    for (size_t i = 0; i < n; i++) {
        if (label[i] != 0 && label[i] != 1)
            return vigil_error_set(VIGIL_EINVAL, "label of row %zu is %g, expected 0 or 1", i + 1,
                                   label[i]);
        int pos = score[i] >= t;
        if (label[i] != 0) {
            if (pos) tp++;
            else fn++;
        } else {
            if (pos) fp++;
            else tn++;
        }
    }
    vigil_stats_threshold_from_counts(t, tp, fp, fn, tn, level, out);
    return VIGIL_OK;
}

/* Lists up to five offending rows so a user fixes them all in one go. */
int vigil_metrics_check(const double *score, const double *label, size_t n, const char *source,
                        size_t score_col, size_t label_col, size_t (*row_line)(const void *ctx, size_t row), const void *ctx)
{
    const char *src = source ? source : "input";
    if (n == 0) return vigil_error_set(VIGIL_EINVAL, "%s: no cases (the file has no data rows)", src);
    for (int pass = 0; pass < 2; pass++) {
        vigil_sbuf b = {0};
        size_t bad = 0;
        for (size_t i = 0; i < n; i++) {
            double v = pass == 0 ? score[i] : label[i];
            int ok = pass == 0 ? (v >= 0 && v <= 1) : (v == 0 || v == 1);
            if (ok) continue;
            if (bad < 5) {
                char val[32];
                if (isnan(v)) snprintf(val, sizeof val, "missing");
                else snprintf(val, sizeof val, "%.17g", v);
                size_t col = pass == 0 ? score_col : label_col;
                if (row_line && col)
                    vigil_sbuf_printf(&b, "%s%s:%zu:%zu: %s", bad ? "; " : "", src,
                                      row_line(ctx, i), col, val);
                else if (row_line)
                    vigil_sbuf_printf(&b, "%s%s:%zu: %s", bad ? "; " : "", src, row_line(ctx, i), val);
                else vigil_sbuf_printf(&b, "%srow %zu: %s", bad ? "; " : "", i + 1, val);
            }
            bad++;
        }
        if (bad) {
            int rc = vigil_error_set(VIGIL_EINVAL, "%zu %s %s (%s)%s", bad,
                                     pass == 0 ? "scores are" : "labels are",
                                     pass == 0 ? "outside [0, 1] or missing" : "not 0 or 1",
                                     b.s ? b.s : "", bad > 5 ? "; ..." : "");
            if (bad == 1)
                rc = vigil_error_set(VIGIL_EINVAL, "1 %s %s (%s)", pass == 0 ? "score is" : "label is",
                                     pass == 0 ? "outside [0, 1] or missing" : "not 0 or 1",
                                     b.s ? b.s : "");
            vigil_sbuf_free(&b);
            return rc;
        }
        vigil_sbuf_free(&b);
    }
    size_t n1 = 0;
    for (size_t i = 0; i < n; i++) n1 += label[i] == 1;
    if (n1 == 0 || n1 == n)
        return vigil_error_set(VIGIL_EINVAL,
                               "%s: every label is %d: discrimination and calibration need both "
                               "classes",
                               src, n1 ? 1 : 0);
    return VIGIL_OK;
}
