/* Calibration: Brier and its decomposition, ECE/MCE, the logistic recalibration fits of
 * rms::val.prob, lowess-based Eavg/E50/E90/Emax, Spiegelhalter's z, val.prob's D/U/Q and
 * Hosmer-Lemeshow. Kernels take scores sorted ascending (see metrics_internal.h). */
#include "vigil/metrics.h"
#include "vigil/error.h"
#include "stats/metrics_internal.h"
#include "stats/calib_curve.h"

#include <math.h>
#include <stdlib.h>

void vigil_stats_calib_bins_sorted(const double *p, const uint8_t *y, const double *w, size_t n,
                          vm_calib_bins *o)
{
    double W = 0, W1 = 0, sq = 0;
    double bw[VM_BINS] = {0}, bp[VM_BINS] = {0}, by[VM_BINS] = {0};
    double ew[VM_BINS] = {0}, ep[VM_BINS] = {0}, ey[VM_BINS] = {0};
    for (size_t i = 0; i < n; i++) {
        double wt = w ? w[i] : 1.0;
        W += wt;
        W1 += y[i] ? wt : 0;
    }
    /* Equal-width edges as numpy.linspace(0, 1, 11) (k * 0.1), a score on an edge in the
     * lower bin (searchsorted, side "left"); equal-mass boundaries as numpy.array_split. */
    const double step = 1.0 / VM_BINS;
    double q = floor(W / VM_BINS), r = W - q * VM_BINS;
    int b = 0, m = 0;
    double cum = 0, mbound = q + (r > 0 ? 1 : 0);
    for (size_t i = 0; i < n; i++) {
        double wt = w ? w[i] : 1.0, yi = y[i] ? 1.0 : 0.0;
        if (wt == 0) continue;
        while (b < VM_BINS - 1 && (double)(b + 1) * step < p[i]) b++;
        bw[b] += wt;
        bp[b] += wt * p[i];
        by[b] += wt * yi;
        sq += wt * (p[i] - yi) * (p[i] - yi);
        /* This case covers ranks [cum, cum + wt): split it over the equal-mass bins. */
        double lo = cum, hi = cum + wt;
        while (lo < hi) {
            while (m < VM_BINS - 1 && lo >= mbound) {
                m++;
                mbound += q + ((double)m < r ? 1 : 0);
            }
            double take = (m == VM_BINS - 1 ? hi : fmin(hi, mbound)) - lo;
            ew[m] += take;
            ep[m] += take * p[i];
            ey[m] += take * yi;
            lo += take;
        }
        cum = hi;
    }
    vigil_stats_calib_bins_finish(o, W, W1, sq, bw, bp, by);
    double ecem = 0;
    for (int k = 0; k < VM_BINS; k++)
        if (ew[k] > 0) ecem += ew[k] / W * fabs(ep[k] / ew[k] - ey[k] / ew[k]);
    o->ece_em = W > 0 ? ecem : NAN;
}

void vigil_stats_calib_bins_finish(vm_calib_bins *o, double W, double W1, double sq,
                                   const double *bw, const double *bp, const double *by)
{
    o->w = W;
    o->w1 = W1;
    o->brier = W > 0 ? sq / W : NAN;
    double ece = 0, mce = 0, rel = 0, res = 0, obar = W > 0 ? W1 / W : NAN;
    for (int k = 0; k < VM_BINS; k++) {
        o->bin_w[k] = bw[k];
        o->bin_p[k] = bw[k] > 0 ? bp[k] / bw[k] : NAN;
        o->bin_y[k] = bw[k] > 0 ? by[k] / bw[k] : NAN;
        if (bw[k] > 0) {
            double gap = fabs(o->bin_p[k] - o->bin_y[k]);
            ece += bw[k] / W * gap;
            if (gap > mce) mce = gap;
            rel += bw[k] * gap * gap;
            res += bw[k] * (o->bin_y[k] - obar) * (o->bin_y[k] - obar);
        }
    }
    o->ece = W > 0 ? ece : NAN;
    o->ece_em = NAN;
    o->mce = W > 0 ? mce : NAN;
    o->rel = W > 0 ? rel / W : NAN;
    o->res = W > 0 ? res / W : NAN;
    o->unc = obar * (1 - obar);
}

/* log(1 + exp(x)) without overflow. */
static inline double log1pexp(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }

static double deviance(const double *lg, const uint8_t *y, const double *w, size_t n, double a,
                       double b)
{
    double d = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(lg[i])) continue;
        double wt = w ? w[i] : 1.0;
        if (wt == 0) continue;
        double eta = a + b * lg[i];
        d += wt * (y[i] ? log1pexp(-eta) : log1pexp(eta));
    }
    return 2 * d;
}

/* Newton-Raphson (= IRLS for the canonical link). From the default start the deviance is
 * watched and a step that raises it is halved; from a caller's start (the bootstrap starts at
 * the point estimate, a step or two away) plain Newton steps suffice unless one goes wrong,
 * which saves the deviance's log per case. */
int vigil_stats_logistic_fit(const double *lg, const uint8_t *y, const double *w, size_t n,
                    const double *init, double *a_out, double *b_out, double *dev_out)
{
    double a = init ? init[0] : 0, b = init ? init[1] : 1;
    int guarded = init == NULL;
    double dev = guarded ? deviance(lg, y, w, n, a, b) : NAN;
    int ok = 0;
    for (int it = 0; it < 100; it++) {
        double g0 = 0, g1 = 0, h00 = 0, h01 = 0, h11 = 0;
        for (size_t i = 0; i < n; i++) {
            double wt = w ? w[i] : 1.0;
            if (wt == 0 || !isfinite(lg[i])) continue;
            double x = lg[i], pi = 1.0 / (1.0 + exp(-(a + b * x)));
            double r = (y[i] ? 1.0 : 0.0) - pi, v = wt * pi * (1 - pi);
            g0 += wt * r;
            g1 += wt * r * x;
            h00 += v;
            h01 += v * x;
            h11 += v * x * x;
        }
        double da, db;
        if (vigil_stats_newton2(g0, g1, h00, h01, h11, &da, &db) != 0) break;
        if (!guarded && (fabs(da) > 1 || fabs(db) > 1 || !isfinite(da) || !isfinite(db))) {
            guarded = 1; /* far from the start: fall back to the watched steps */
            dev = deviance(lg, y, w, n, a, b);
        }
        double na = a + da, nb = b + db;
        if (guarded) {
            double nd = deviance(lg, y, w, n, na, nb);
            for (int half = 0; half < 30 && !(nd <= dev + 1e-12 * fabs(dev)); half++) {
                da /= 2;
                db /= 2;
                na = a + da;
                nb = b + db;
                nd = deviance(lg, y, w, n, na, nb);
            }
            dev = nd;
        }
        a = na;
        b = nb;
        double tol = init ? 1e-9 : VM_FIT_TOL; /* replicates only feed percentiles */
        if (fabs(da) < tol * (1 + fabs(a)) && fabs(db) < tol * (1 + fabs(b))) {
            ok = 1;
            break;
        }
    }
    if (!ok || !isfinite(a) || !isfinite(b)) {
        *a_out = *b_out = NAN;
        if (dev_out) *dev_out = NAN;
        return -1;
    }
    *a_out = a;
    *b_out = b;
    if (dev_out) *dev_out = guarded ? dev : deviance(lg, y, w, n, a, b);
    return 0;
}

/* Newton on a with pi = p e^a / (1 - p + p e^a): no exp per case. */
double vigil_stats_citl(const double *p, const uint8_t *y, const double *w, size_t n, double start)
{
    double a = isfinite(start) ? start : 0;
    for (int it = 0; it < 100; it++) {
        double t = exp(a), g = 0, h = 0;
        for (size_t i = 0; i < n; i++) {
            if (!(p[i] > 0 && p[i] < 1)) continue;
            double wt = w ? w[i] : 1.0;
            if (wt == 0) continue;
            double pt = p[i] * t, pi = pt / (1 - p[i] + pt);
            g += wt * ((y[i] ? 1.0 : 0.0) - pi);
            h += wt * pi * (1 - pi);
        }
        if (!(h > 0)) return NAN;
        double step = g / h;
        if (step > 5) step = 5;
        if (step < -5) step = -5;
        a += step;
        if (fabs(step) < 1e-13 * (1 + fabs(a))) return a;
    }
    return NAN;
}

/* Type-7 quantile of sorted x (numpy's default "linear", R's type 7). Not GSL's
 * gsl_stats_quantile_from_sorted_data, though it is the same definition: GSL forms
 * (1 - d) * x[i] + d * x[i + 1], which inside a run of ties need not return the tied value
 * (x = {0.1, 0.1, 0.1, 0.7}, q = 0.06: GSL 0.10000000000000002, one ulp above every value it lies
 * between; 3 of the 65 percentiles inside that run), and a quantile used as a bin edge or a CI
 * bound must not move off the data; x[i] + d * (x[i + 1] - x[i]) is exact there (d * 0). */
double vigil_stats_quantile_sorted(const double *x, size_t n, double q)
{
    if (n == 0) return NAN;
    double h = (double)(n - 1) * q;
    size_t lo = (size_t)floor(h);
    if (lo + 1 >= n) return x[n - 1];
    return x[lo] + (h - (double)lo) * (x[lo + 1] - x[lo]);
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* val.prob's smooth: Sm <- lowess(p, y, iter = 0) with R's defaults f = 2/3 and delta = 1% of
 * the range, fitted at every case's own score (p sorted). fit: n doubles. */
static int valprob_lowess(const double *p, const uint8_t *y, size_t n, double *fit)
{
    double *yd = malloc((n ? n : 1) * sizeof *yd);
    if (!yd) return vigil_error_set(VIGIL_ENOMEM, "out of memory (lowess of %zu cases)", n);
    for (size_t i = 0; i < n; i++) yd[i] = y[i];
    int rc = vigil_metrics_lowess(p, yd, n, 2.0 / 3.0, 0, 0.01 * (p[n - 1] - p[0]), fit);
    free(yd);
    return rc;
}

/* Eavg/E50/E90/Emax as val.prob: |p - Sm(p)| over the cases. */
static int lowess_errors(const double *p, const uint8_t *y, size_t n, vigil_calibration *o)
{
    double *fit = malloc((n ? n : 1) * sizeof *fit);
    if (!fit) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    int rc = valprob_lowess(p, y, n, fit);
    if (rc) goto done;
    double s = 0, mx = 0;
    for (size_t i = 0; i < n; i++) {
        fit[i] = fabs(p[i] - fit[i]);
        s += fit[i];
        if (fit[i] > mx) mx = fit[i];
    }
    qsort(fit, n, sizeof *fit, cmp_dbl);
    o->eavg = s / (double)n;
    o->emax = mx;
    o->e50 = vigil_stats_quantile_sorted(fit, n, 0.5);
    o->e90 = vigil_stats_quantile_sorted(fit, n, 0.9);
done:
    free(fit);
    return rc;
}

/* The mean fit of the run of cases tied with case i (approx's ties = mean); *end past it. */
static double tie_mean(const double *p, const double *fit, size_t n, size_t i, size_t *end)
{
    double s = 0;
    size_t j = i;
    for (; j < n && p[j] == p[i]; j++) s += fit[j];
    *end = j;
    return s / (double)(j - i);
}

int vigil_stats_calib_curve_sorted(const double *p, const uint8_t *y, size_t n, double *x, double *out,
                                   size_t *m)
{
    *m = 0;
    if (n == 0) return VIGIL_OK;
    double *fit = malloc(n * sizeof *fit);
    if (!fit) return vigil_error_set(VIGIL_ENOMEM, "out of memory (calibration curve of %zu cases)", n);
    int rc = valprob_lowess(p, y, n, fit);
    if (rc) goto done;
    double lo = p[0], hi = p[n - 1];
    size_t pts = hi > lo ? VM_CURVE_POINTS : 1, i = 0, end;
    for (size_t k = 0; k < pts; k++) {
        /* seq(min(p), max(p), length.out = 50), its last point max(p) itself */
        double g = k + 1 == pts ? hi : lo + (double)k * ((hi - lo) / (double)(VM_CURVE_POINTS - 1));
        while (i < n && p[i] < g) i++; /* first case at or above g (g <= hi: one exists) */
        x[k] = g;
        if (p[i] == g || i == 0) {
            out[k] = tie_mean(p, fit, n, i, &end);
            continue;
        }
        size_t j = i - 1;
        while (j > 0 && p[j - 1] == p[i - 1]) j--;
        double y0 = tie_mean(p, fit, n, j, &end), y1 = tie_mean(p, fit, n, i, &end);
        out[k] = y0 + (y1 - y0) * (g - p[j]) / (p[i] - p[j]);
    }
    *m = pts;
done:
    free(fit);
    return rc;
}

void vigil_stats_calib_qbins_sorted(const double *p, const uint8_t *y, size_t n, double *edge, double *w,
                                    double *mean_p, double *rate, size_t *end)
{
    for (int k = 0; k <= VM_BINS; k++) edge[k] = vigil_stats_quantile_sorted(p, n, (double)k / VM_BINS);
    double sp[VM_BINS] = {0}, sy[VM_BINS] = {0};
    int b = 0;
    for (int k = 0; k < VM_BINS; k++) w[k] = 0;
    for (size_t i = 0; i < n; i++) {
        /* np.searchsorted(edges[1:-1], p), side "left": a score on an inner edge, and every
         * score tied with it, in the lower bin; a repeated edge leaves its bin empty */
        while (b < VM_BINS - 1 && edge[b + 1] < p[i]) end[b++] = i;
        w[b]++;
        sp[b] += p[i];
        sy[b] += y[i];
    }
    while (b < VM_BINS) end[b++] = n;
    for (int k = 0; k < VM_BINS; k++) {
        mean_p[k] = w[k] > 0 ? sp[k] / w[k] : NAN;
        rate[k] = w[k] > 0 ? sy[k] / w[k] : NAN;
    }
}

/* Hosmer-Lemeshow over groups cut at the deciles of risk (R quantile type 7, duplicate
 * breaks merged, intervals closed on the right, the first also on the left); df = groups - 2. */
static void hosmer_lemeshow(const double *p, const uint8_t *y, size_t n, vigil_calibration *o)
{
    double br[VM_BINS + 1];
    int nb = 0;
    for (int k = 0; k <= VM_BINS; k++) {
        double v = vigil_stats_quantile_sorted(p, n, (double)k / VM_BINS);
        if (nb == 0 || v > br[nb - 1]) br[nb++] = v;
    }
    double chi = 0;
    int groups = 0;
    size_t i = 0;
    for (int g = 1; g < nb || (nb == 1 && g == 1); g++) {
        double hi = nb == 1 ? br[0] : br[g], o1 = 0, e1 = 0, cnt = 0;
        for (; i < n && (p[i] <= hi || g == nb - 1); i++) {
            o1 += y[i];
            e1 += p[i];
            cnt++;
        }
        if (cnt == 0) continue;
        groups++;
        double o0 = cnt - o1, e0 = cnt - e1;
        if (e1 > 0) chi += (o1 - e1) * (o1 - e1) / e1;
        if (e0 > 0) chi += (o0 - e0) * (o0 - e0) / e0;
        if (nb == 1) break;
    }
    o->hl_stat = chi;
    o->hl_df = groups - 2;
    o->hl_p = o->hl_df > 0 ? vigil_stats_pchisq_upper(chi, o->hl_df) : NAN;
}

int vigil_stats_calibration_sorted(const double *p, const uint8_t *y, size_t n, vigil_calibration *o)
{
    int rc = VIGIL_OK;
    double *lg = malloc((n ? n : 1) * sizeof *lg);
    if (!lg) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    vm_calib_bins cb;
    vigil_stats_calib_bins_sorted(p, y, NULL, n, &cb);
    o->brier = cb.brier;
    o->brier_reliability = cb.rel;
    o->brier_resolution = cb.res;
    o->brier_uncertainty = cb.unc;
    o->ece = cb.ece;
    o->ece_equal_mass = cb.ece_em;
    o->mce = cb.mce;

    size_t nfit = 0;
    double n1fit = 0, l01 = 0;
    for (size_t i = 0; i < n; i++) {
        lg[i] = log(p[i] / (1 - p[i]));
        if (isfinite(lg[i])) {
            nfit++;
            n1fit += y[i];
            l01 += y[i] ? log1pexp(-lg[i]) : log1pexp(lg[i]);
        }
    }
    l01 *= 2;
    o->n_fit = nfit;
    double dev_recal = NAN;
    o->slope = o->intercept = NAN;
    if (nfit > 0 && n1fit > 0 && n1fit < (double)nfit)
        vigil_stats_logistic_fit(lg, y, NULL, n, NULL, &o->intercept, &o->slope, &dev_recal);
    o->citl = vigil_stats_citl(p, y, NULL, n, 0);
    /* the information at the fits, and O/E */
    double h00 = 0, h01 = 0, h11 = 0, hc = 0, sum_p = 0, sum_y = 0;
    for (size_t i = 0; i < n; i++) {
        sum_p += p[i], sum_y += y[i];
        if (!isfinite(lg[i])) continue;
        if (isfinite(o->slope)) {
            double pi = 1.0 / (1.0 + exp(-(o->intercept + o->slope * lg[i]))), v = pi * (1 - pi);
            h00 += v, h01 += v * lg[i], h11 += v * lg[i] * lg[i];
        }
        if (isfinite(o->citl)) {
            double pi = 1.0 / (1.0 + exp(-(o->citl + lg[i])));
            hc += pi * (1 - pi);
        }
    }
    double det = h00 * h11 - h01 * h01;
    o->slope_se = isfinite(o->slope) && det > 0 ? sqrt(h00 / det) : NAN;
    o->citl_se = isfinite(o->citl) && hc > 0 ? 1 / sqrt(hc) : NAN;
    o->oe_ratio = sum_p > 0 ? sum_y / sum_p : NAN;
    o->oe_log_se = sum_y > 0 ? sqrt(1 / sum_y - 1 / (double)n) : NAN;

    /* val.prob: D from the likelihood ratio of logit(p) taken as is against the intercept-only
     * model, U from the recalibration fit against logit(p) as is, Q = D - U. */
    double ybar = nfit ? n1fit / (double)nfit : NAN;
    double l0 = -2 * (n1fit * log(ybar) + ((double)nfit - n1fit) * log1p(-ybar));
    o->d = ((l0 - l01) - 1) / (double)nfit;
    o->u_chisq = l01 - dev_recal;
    o->u_p = vigil_stats_pchisq_upper(o->u_chisq, 2);
    o->u = (o->u_chisq - 2) / (double)nfit;
    o->q = o->d - o->u;

    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        double c = 1 - 2 * p[i];
        num += (y[i] - p[i]) * c;
        den += c * c * p[i] * (1 - p[i]);
    }
    o->spiegelhalter_z = num / sqrt(den);
    o->spiegelhalter_p = 2 * vigil_stats_pnorm_upper(fabs(o->spiegelhalter_z));

    hosmer_lemeshow(p, y, n, o);
    rc = lowess_errors(p, y, n, o);
    free(lg);
    return rc;
}

int vigil_metrics_calibration(const double *score, const double *label, size_t n,
                              vigil_calibration *out)
{
    uint32_t *ord = malloc((n ? n : 1) * sizeof *ord);
    double *p = malloc((n ? n : 1) * sizeof *p);
    uint8_t *y = malloc(n ? n : 1);
    int rc = VIGIL_OK;
    if (!ord || !p || !y || vigil_stats_sort_order(score, n, ord) != 0) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    if (n == 0) {
        rc = vigil_error_set(VIGIL_EINVAL, "no cases");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (label[ord[i]] != 0 && label[ord[i]] != 1) {
            rc = vigil_error_set(VIGIL_EINVAL, "label of row %zu is %g, expected 0 or 1",
                                 (size_t)ord[i] + 1, label[ord[i]]);
            goto done;
        }
        p[i] = score[ord[i]];
        y[i] = label[ord[i]] != 0;
    }
    rc = vigil_stats_calibration_sorted(p, y, n, out);
done:
    free(ord);
    free(p);
    free(y);
    return rc;
}
