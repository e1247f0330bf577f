/* Discrimination: AUROC with DeLong intervals, the paired DeLong test, average precision.
 *
 * Everything works from one ascending order of the scores: walking it in groups of tied
 * scores gives, for each group, the negatives strictly below and the positives strictly
 * above, which is all the Mann-Whitney statistic and DeLong's placement values need. Ties
 * count one half, exactly, with no tolerance. */
#include "vigil/metrics.h"
#include "core/sort.h"
#include "vigil/error.h"
#include "stats/metrics_internal.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

double vigil_stats_qnorm(double p) { return gsl_cdf_ugaussian_Pinv(p); }
double vigil_stats_pnorm_upper(double z) { return gsl_cdf_ugaussian_Q(z); }
double vigil_stats_pchisq_upper(double x, double df) { return df > 0 ? gsl_cdf_chisq_Q(x, df) : NAN; }

int vigil_stats_sort_order(const double *x, size_t n, uint32_t *order)
{
    return vigil_sort_order_doubles(x, n, order) == VIGIL_OK ? 0 : -1;
}

double vigil_stats_auroc_sorted(const double *p, const uint8_t *y, const double *w, size_t n)
{
    double w0_below = 0, w1 = 0, u = 0;
    for (size_t i = 0; i < n;) {
        double g0 = 0, g1 = 0;
        size_t j = i;
        do {
            double wt = w ? w[j] : 1.0;
            if (y[j]) g1 += wt;
            else g0 += wt;
            j++;
        } while (j < n && p[j] == p[i]);
        u += g1 * (w0_below + 0.5 * g0);
        w0_below += g0;
        w1 += g1;
        i = j;
    }
    if (w1 <= 0 || w0_below <= 0) return NAN;
    return u / (w1 * w0_below);
}

/* DeLong placements: a positive in a tie group scores (negatives below + half the tied
 * negatives) / n0, a negative (positives above + half the tied positives) / n1; the AUROC's
 * variance is var(V10)/n1 + var(V01)/n0 (pROC's delongPlacements). All cases of one tie group
 * share one placement, so the sums run over groups. */
double vigil_stats_delong_var_sorted(const double *p, const uint8_t *y, size_t n, double auc)
{
    return vigil_stats_delong_var_weighted(p, y, NULL, n, auc);
}

double vigil_stats_delong_var_weighted(const double *p, const uint8_t *y, const double *w, size_t n,
                                       double auc)
{
    double n1 = 0, n0 = 0;
    for (size_t i = 0; i < n; i++) {
        double wt = w ? w[i] : 1.0;
        if (y[i]) n1 += wt;
        else n0 += wt;
    }
    if (n1 < 2 || n0 < 2) return NAN;
    double below0 = 0, below1 = 0, s10 = 0, s01 = 0;
    for (size_t i = 0; i < n;) {
        double g0 = 0, g1 = 0;
        size_t j = i;
        do {
            double wt = w ? w[j] : 1.0;
            if (y[j]) g1 += wt;
            else g0 += wt;
            j++;
        } while (j < n && p[j] == p[i]);
        double above1 = n1 - below1 - g1;
        double v10 = (below0 + 0.5 * g0) / n0, v01 = (above1 + 0.5 * g1) / n1;
        s10 += g1 * (v10 - auc) * (v10 - auc);
        s01 += g0 * (v01 - auc) * (v01 - auc);
        below0 += g0;
        below1 += g1;
        i = j;
    }
    return s10 / (n1 - 1) / n1 + s01 / (n0 - 1) / n0;
}

/* scikit-learn: thresholds at the distinct scores, from the highest down;
 * AP = sum_k (R_k - R_{k-1}) P_k. Walking up from the lowest score, group g is threshold k
 * with TP = events at or above it and recall step = its own events / all events. */
double vigil_stats_ap_sorted(const double *p, const uint8_t *y, const double *w, size_t n)
{
    double w1 = 0, w0 = 0;
    for (size_t i = 0; i < n; i++) {
        double wt = w ? w[i] : 1.0;
        if (y[i]) w1 += wt;
        else w0 += wt;
    }
    if (w1 <= 0) return NAN;
    double b1 = 0, b0 = 0, ap = 0;
    for (size_t i = 0; i < n;) {
        double g1 = 0, g0 = 0;
        size_t j = i;
        do {
            double wt = w ? w[j] : 1.0;
            if (y[j]) g1 += wt;
            else g0 += wt;
            j++;
        } while (j < n && p[j] == p[i]);
        double tp = w1 - b1, fp = w0 - b0;
        if (g1 > 0) ap += (g1 / w1) * (tp / (tp + fp));
        b1 += g1;
        b0 += g0;
        i = j;
    }
    return ap;
}

/* Sorted copies of score and label; labels are validated to 0/1 by the caller. */
static int sorted_copy(const double *score, const double *label, size_t n, double **ps,
                       uint8_t **ys, uint32_t **ord_out)
{
    uint32_t *ord = malloc((n ? n : 1) * sizeof *ord);
    double *p = malloc((n ? n : 1) * sizeof *p);
    uint8_t *y = malloc(n ? n : 1);
    if (!ord || !p || !y || vigil_stats_sort_order(score, n, ord) != 0) {
        free(ord);
        free(p);
        free(y);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory sorting %zu scores", n);
    }
    for (size_t i = 0; i < n; i++) {
        p[i] = score[ord[i]];
        y[i] = label[ord[i]] != 0;
    }
    *ps = p;
    *ys = y;
    if (ord_out) *ord_out = ord;
    else free(ord);
    return VIGIL_OK;
}

static int bad_labels(const double *label, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (label[i] != 0 && label[i] != 1)
            return vigil_error_set(VIGIL_EINVAL, "label of row %zu is %g, expected 0 or 1", i + 1,
                                   label[i]);
    return VIGIL_OK;
}

/* Keys of scores in [0, 1]: a counting pass on floor(score * 2^b), which is monotone in the
 * score, then each bucket sorted on its own (insertion sort when small, radix otherwise).
 * Two sequential passes instead of six for spread-out scores; skewed ones stay correct. */
static int sort_unit_keys(uint64_t *k, uint64_t *tmp, const double *score, size_t n)
{
    int bits = 1;
    while (bits < 24 && ((size_t)1 << bits) < n / 4) bits++;
    size_t nb = (size_t)1 << bits;
    uint32_t *start = calloc(nb + 1, sizeof *start);
    if (!start) return -1;
    const double scale = (double)nb;
    for (size_t i = 0; i < n; i++) {
        size_t b = (size_t)(score[i] * scale);
        start[(b < nb ? b : nb - 1) + 1]++;
    }
    for (size_t b = 0; b < nb; b++) start[b + 1] += start[b];
    for (size_t i = 0; i < n; i++) {
        size_t b = (size_t)(score[i] * scale);
        b = b < nb ? b : nb - 1;
        tmp[start[b]++] = k[i];
    }
    /* start[b] now holds the end of bucket b. */
    size_t lo = 0;
    for (size_t b = 0; b < nb; b++) {
        size_t hi = start[b], m = hi - lo;
        uint64_t *a = tmp + lo;
        if (m > 64) {
            vigil_radix_sort_u64(a, k + lo, m);
        } else {
            for (size_t i = 1; i < m; i++) {
                uint64_t v = a[i];
                size_t j = i;
                while (j > 0 && a[j - 1] > v) {
                    a[j] = a[j - 1];
                    j--;
                }
                a[j] = v;
            }
        }
        lo = hi;
    }
    memcpy(k, tmp, n * sizeof *k);
    free(start);
    return 0;
}

/* The AUROC and its DeLong variance from keys (score key << 1 | label) sorted ascending:
 * one array of 8 bytes a case, no gather through an index. */
static void auroc_from_keys(const uint64_t *k, size_t n, double *auc, double *var, double *n1o,
                            double *n0o)
{
    double n1 = 0, n0, u = 0, below0 = 0;
    for (size_t i = 0; i < n; i++) n1 += (double)(k[i] & 1);
    n0 = (double)n - n1;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        double g1 = 0;
        uint64_t s = k[i] >> 1;
        do g1 += (double)(k[j++] & 1);
        while (j < n && (k[j] >> 1) == s);
        double g0 = (double)(j - i) - g1;
        u += g1 * (below0 + 0.5 * g0);
        below0 += g0;
        i = j;
    }
    *n1o = n1;
    *n0o = n0;
    *auc = n1 > 0 && n0 > 0 ? u / (n1 * n0) : NAN;
    *var = NAN;
    if (n1 < 2 || n0 < 2) return;
    double b0 = 0, b1 = 0, s10 = 0, s01 = 0, a = *auc;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        double g1 = 0;
        uint64_t s = k[i] >> 1;
        do g1 += (double)(k[j++] & 1);
        while (j < n && (k[j] >> 1) == s);
        double g0 = (double)(j - i) - g1;
        double v10 = (b0 + 0.5 * g0) / n0, v01 = (n1 - b1 - g1 + 0.5 * g1) / n1;
        s10 += g1 * (v10 - a) * (v10 - a);
        s01 += g0 * (v01 - a) * (v01 - a);
        b0 += g0;
        b1 += g1;
        i = j;
    }
    *var = s10 / (n1 - 1) / n1 + s01 / (n0 - 1) / n0;
}

int vigil_metrics_auroc(const double *score, const double *label, size_t n, double level,
                        vigil_auroc *out)
{
    int rc = bad_labels(label, n);
    if (rc) return rc;
    uint64_t *k = malloc((n ? n : 1) * sizeof *k), *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!k || !tmp) {
        free(k);
        free(tmp);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory sorting %zu scores", n);
    }
    int unit = 1;
    for (size_t i = 0; i < n; i++) {
        if (!(score[i] <= 1)) unit = 0;
        /* The key's top bit only marks the sign; shifting it out keeps the order for the
         * non-negative scores this is for, and negative ones are rejected here. */
        if (!(score[i] >= 0)) {
            free(k);
            free(tmp);
            return vigil_error_set(VIGIL_EINVAL, "score of row %zu is %g: AUROC needs scores >= 0",
                                   i + 1, score[i]);
        }
        k[i] = (vigil_double_key(score[i]) << 1) | (label[i] != 0);
    }
    if (!unit || sort_unit_keys(k, tmp, score, n) != 0) vigil_radix_sort_u64(k, tmp, n);
    double var, n1, n0;
    auroc_from_keys(k, n, &out->auc, &var, &n1, &n0);
    free(k);
    free(tmp);
    vigil_stats_auroc_fill(out, out->auc, var, n1, n0, level);
    return VIGIL_OK;
}

void vigil_stats_auroc_fill(vigil_auroc *out, double auc, double var, double n1, double n0,
                            double level)
{
    out->auc = auc;
    out->n_pos = (size_t)n1;
    out->n_neg = (size_t)n0;
    out->se = sqrt(var);
    double z = vigil_stats_qnorm(1 - (1 - (level > 0 ? level : 0.95)) / 2);
    out->ci_low = fmax(0, out->auc - z * out->se);
    out->ci_high = fmin(1, out->auc + z * out->se);
}

/* Placements of one score, in the original row order, for the paired test. */
static int placements(const double *score, const uint8_t *yrow, size_t n, double n1, double n0,
                      double *v, double *auc)
{
    uint32_t *ord = malloc((n ? n : 1) * sizeof *ord);
    if (!ord || vigil_stats_sort_order(score, n, ord) != 0) {
        free(ord);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    double below0 = 0, below1 = 0, u = 0;
    for (size_t i = 0; i < n;) {
        double g0 = 0, g1 = 0;
        size_t j = i;
        do {
            if (yrow[ord[j]]) g1++;
            else g0++;
            j++;
        } while (j < n && score[ord[j]] == score[ord[i]]);
        double v10 = (below0 + 0.5 * g0) / n0, v01 = (n1 - below1 - g1 + 0.5 * g1) / n1;
        for (size_t k = i; k < j; k++) v[ord[k]] = yrow[ord[k]] ? v10 : v01;
        u += g1 * (below0 + 0.5 * g0);
        below0 += g0;
        below1 += g1;
        i = j;
    }
    *auc = u / (n1 * n0);
    free(ord);
    return VIGIL_OK;
}

int vigil_metrics_delong_test(const double *score1, const double *score2, const double *label,
                              size_t n, vigil_delong_test *out)
{
    double *v1 = NULL, *v2 = NULL;
    uint8_t *y = NULL;
    int rc = bad_labels(label, n);
    if (rc) return rc;
    double n1 = 0, n0 = 0;
    v1 = malloc((n ? n : 1) * sizeof *v1);
    v2 = malloc((n ? n : 1) * sizeof *v2);
    y = malloc(n ? n : 1);
    if (!v1 || !v2 || !y) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        y[i] = label[i] != 0;
        if (y[i]) n1++;
        else n0++;
    }
    if (n1 < 2 || n0 < 2) {
        rc = vigil_error_set(VIGIL_EINVAL, "the DeLong test needs at least two cases of each class");
        goto done;
    }
    if ((rc = placements(score1, y, n, n1, n0, v1, &out->auc1)) != 0) goto done;
    if ((rc = placements(score2, y, n, n1, n0, v2, &out->auc2)) != 0) goto done;
    /* S10, S01: 2x2 covariances of the placements over positives and negatives. */
    double s10[3] = {0}, s01[3] = {0};
    for (size_t i = 0; i < n; i++) {
        double *s = y[i] ? s10 : s01;
        double a = v1[i] - out->auc1, b = v2[i] - out->auc2;
        s[0] += a * a;
        s[1] += b * b;
        s[2] += a * b;
    }
    double var = (s10[0] + s10[1] - 2 * s10[2]) / (n1 - 1) / n1 +
                 (s01[0] + s01[1] - 2 * s01[2]) / (n0 - 1) / n0;
    out->diff = out->auc1 - out->auc2;
    out->se = sqrt(var);
    out->z = out->diff / out->se;
    out->p = 2 * vigil_stats_pnorm_upper(fabs(out->z));
done:
    free(v1);
    free(v2);
    free(y);
    return rc;
}

double vigil_metrics_average_precision(const double *score, const double *label, size_t n)
{
    double *p = NULL;
    uint8_t *y = NULL;
    if (bad_labels(label, n) || sorted_copy(score, label, n, &p, &y, NULL)) return NAN;
    double ap = vigil_stats_ap_sorted(p, y, NULL, n);
    free(p);
    free(y);
    return ap;
}
