/* The statistics one bootstrap replicate needs. The engine's kernels (vigil_stats_scope_stats,
 * vigil_stats_group_stats, issue 22) take each scope's drawn cases, compacted in sorted order,
 * through passes without a test per case. vigil_stats_level_stats, the fused kernel before them
 * (every level's running sums in the same passes over all n cases), is kept as their reference:
 * test_bootstrap_kernel.c holds them to it. Same definitions as the point kernels
 * (discrimination.c, calibration.c, threshold.c); test_fairness.c checks they agree. */
#include "stats/metrics_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    double W, W1;
    double last, g0, g1, b0, b1, u, ap, sq;
    double pos0, pos1; /* weight at or above the threshold, by class */
    double bw[VM_BINS], bp[VM_BINS], by[VM_BINS];
    double ew[VM_BINS], ep[VM_BINS], ey[VM_BINS];
    double cum, mbound, q, r;
    int bin, m;
} lacc;

/* A drawn case of a scope: weight, score, label, calibrated probability at the scope's CITL
 * estimate; the passes read them together. */
typedef struct {
    double w, p, y, c;
} vm_rec;

size_t vigil_stats_level_scratch(size_t n_levels) { return n_levels * (sizeof(lacc) + 4 * sizeof(double)); }

static inline void flush(lacc *a)
{
    if (a->g0 + a->g1 == 0) return;
    a->u += a->g1 * (a->b0 + 0.5 * a->g0);
    if (a->g1 > 0) {
        double tp = a->W1 - a->b1, fp = (a->W - a->W1) - a->b0;
        a->ap += a->g1 / a->W1 * (tp / (tp + fp));
    }
    a->b0 += a->g0;
    a->b1 += a->g1;
    a->g0 = a->g1 = 0;
}

void vigil_stats_level_stats(const double *p, const uint8_t *y, const double *lg,
                    const uint32_t *const *codes, const size_t *n_levels, size_t G,
                    const double *w, size_t n, double t, const double *citl0,
                    const double *fit0, void *scratch, double *out)
{
    size_t L = 0, off[VM_MAX_GROUPS + 1];
    for (size_t g = 0; g < G; g++) {
        off[g] = L;
        L += n_levels[g];
    }
    off[G] = L;
    lacc *acc = scratch;
    double *ca = (double *)(acc + L), *cg = ca + L, *ch = cg + L, *ea = ch + L;
    memset(acc, 0, L * sizeof *acc);
    for (size_t i = 0; i < n; i++) {
        if (w[i] == 0) continue;
        for (size_t g = 0; g < G; g++) {
            size_t l = codes[g] ? codes[g][i] : 0;
            if (l >= n_levels[g]) continue;
            acc[off[g] + l].W += w[i];
            if (y[i]) acc[off[g] + l].W1 += w[i];
        }
    }
    const double step = 1.0 / VM_BINS;
    for (size_t l = 0; l < L; l++) {
        lacc *a = &acc[l];
        a->last = NAN;
        a->q = floor(a->W / VM_BINS);
        a->r = a->W - a->q * VM_BINS;
        a->mbound = a->q + (a->r > 0 ? 1 : 0);
    }
    for (size_t i = 0; i < n; i++) {
        double wt = w[i];
        if (wt == 0) continue;
        double pi = p[i], yi = y[i] ? 1.0 : 0.0;
        for (size_t g = 0; g < G; g++) {
        size_t l = codes[g] ? codes[g][i] : 0;
        if (l >= n_levels[g]) continue;
        lacc *a = &acc[off[g] + l];
        if (pi != a->last) {
            flush(a);
            a->last = pi;
        }
        if (y[i]) a->g1 += wt;
        else a->g0 += wt;
        if (pi >= t) {
            if (y[i]) a->pos1 += wt;
            else a->pos0 += wt;
        }
        while (a->bin < VM_BINS - 1 && (double)(a->bin + 1) * step < pi) a->bin++;
        a->bw[a->bin] += wt;
        a->bp[a->bin] += wt * pi;
        a->by[a->bin] += wt * yi;
        a->sq += wt * (pi - yi) * (pi - yi);
        double lo = a->cum, hi = a->cum + wt;
        while (lo < hi) {
            while (a->m < VM_BINS - 1 && lo >= a->mbound) {
                a->m++;
                a->mbound += a->q + ((double)a->m < a->r ? 1 : 0);
            }
            double take = (a->m == VM_BINS - 1 ? hi : fmin(hi, a->mbound)) - lo;
            a->ew[a->m] += take;
            a->ep[a->m] += take * pi;
            a->ey[a->m] += take * yi;
            lo += take;
        }
        a->cum = hi;
        }
    }
    for (size_t l = 0; l < L; l++) {
        lacc *a = &acc[l];
        flush(a);
        double *o = out + l * S_COUNT_INTERNAL, W = a->W, W0 = W - a->W1;
        o[VS_AUROC] = a->W1 > 0 && W0 > 0 ? a->u / (a->W1 * W0) : NAN;
        o[VS_AUPRC] = a->W1 > 0 ? a->ap : NAN;
        o[VS_BRIER] = W > 0 ? a->sq / W : NAN;
        double ece = 0, mce = 0, ecem = 0;
        for (int k = 0; k < VM_BINS; k++) {
            if (a->bw[k] > 0) {
                double gap = fabs(a->bp[k] / a->bw[k] - a->by[k] / a->bw[k]);
                ece += a->bw[k] / W * gap;
                if (gap > mce) mce = gap;
            }
            if (a->ew[k] > 0) ecem += a->ew[k] / W * fabs(a->ep[k] / a->ew[k] - a->ey[k] / a->ew[k]);
        }
        o[VS_ECE] = W > 0 ? ece : NAN;
        o[VS_ECE_EM] = W > 0 ? ecem : NAN;
        o[VS_MCE] = W > 0 ? mce : NAN;
        o[VS_TPR] = a->W1 > 0 ? a->pos1 / a->W1 : NAN;
        o[VS_FPR] = W0 > 0 ? a->pos0 / W0 : NAN;
        o[VS_SEL] = W > 0 ? (a->pos0 + a->pos1) / W : NAN;
        o[VS_SLOPE] = o[VS_INTERCEPT] = NAN;
        o[VS_EAVG] = o[VS_E50] = o[VS_E90] = o[VS_EMAX] = NAN;
        ca[l] = citl0 && isfinite(citl0[l]) ? citl0[l] : 0;
        o[VS_CITL] = NAN;
    }
    /* Calibration-in-the-large: Newton on every level's intercept at once. */
    for (int it = 0; it < 60; it++) {
        for (size_t l = 0; l < L; l++) {
            cg[l] = ch[l] = 0;
            ea[l] = isnan(out[l * S_COUNT_INTERNAL + VS_CITL]) ? exp(ca[l]) : 0;
        }
        for (size_t i = 0; i < n; i++) {
            double wt = w[i];
            if (wt == 0 || !(p[i] > 0 && p[i] < 1)) continue;
            double yi = y[i] ? 1.0 : 0.0;
            for (size_t g = 0; g < G; g++) {
                size_t l = codes[g] ? codes[g][i] : 0;
                if (l >= n_levels[g]) continue;
                l += off[g];
                if (ea[l] == 0) continue; /* converged */
                double pt = p[i] * ea[l], pi = pt / (1 - p[i] + pt);
                cg[l] += wt * (yi - pi);
                ch[l] += wt * pi * (1 - pi);
            }
        }
        int all = 1;
        for (size_t l = 0; l < L; l++) {
            double *o = out + l * S_COUNT_INTERNAL;
            if (!isnan(o[VS_CITL]) || !(ch[l] > 0)) continue;
            double s = cg[l] / ch[l];
            s = s > 5 ? 5 : s < -5 ? -5 : s;
            ca[l] += s;
            if (fabs(s) < 1e-9 * (1 + fabs(ca[l]))) o[VS_CITL] = ca[l];
            else all = 0;
        }
        if (all) break;
    }
    if (fit0 && G > 0 && !codes[0] && isfinite(fit0[1])) {
        double *o = out;
        vigil_stats_logistic_fit(lg, y, w, n, fit0, &o[VS_INTERCEPT], &o[VS_SLOPE], NULL);
    }
}

/* ---- one scope at a time ----------------------------------------------------------------- */

/* The sums of the Newton step of the logistic recalibration at (a, b) over the compacted cases
 * [lo, hi) (every weight nonzero, every logit finite): the expressions and order of
 * vigil_stats_logistic_fit, so the steps are its steps. */
static void logit_sums(const vm_rec *cr, const double *cl, size_t lo, size_t hi, double a, double b, double *s)
{
    double g0 = 0, g1 = 0, h00 = 0, h01 = 0, h11 = 0;
    for (size_t i = lo; i < hi; i++) {
        double wt = cr[i].w, x = cl[i], pi = 1.0 / (1.0 + exp(-(a + b * x)));
        double r = cr[i].y - pi, v = wt * pi * (1 - pi);
        g0 += wt * r;
        g1 += wt * r * x;
        h00 += v;
        h01 += v * x;
        h11 += v * x * x;
    }
    s[0] = g0, s[1] = g1, s[2] = h00, s[3] = h01, s[4] = h11;
}

/* Lagrange remainder of the order-5 expansions below: |d^6 sigma / d eta^6| <= 0.4084 on the
 * whole line (its polynomial in s on [0, 1]), over 6!. */
#define VM_TAYLOR_R6 (0.4084 / 720.0)
/* The expansions' error in a parameter must stay below this (relative, 1 + |parameter|): far
 * under the exact Newton's own tolerance (1e-9 on the last step). */
#define VM_TAYLOR_TOL 1e-12

/* The k-th derivative of the logistic function, as a polynomial in its value s (d_{k+1} =
 * (s - s^2) d'_k), k = 0..5. */
/* Two cases at a time (GCC/Clang vector extension: SSE2 on x86-64, plain pairs elsewhere, the
 * same IEEE operations either way): two running sums per quantity, added at the end. */
typedef double v2d __attribute__((vector_size(16)));

static inline void sigma_derivs(v2d s, v2d *d)
{
    v2d s2 = s * s;
    d[0] = s;
    d[1] = s - s2;
    d[2] = s + s2 * (-3 + 2 * s);
    d[3] = s + s2 * (-7 + s * (12 - 6 * s));
    d[4] = s + s2 * (-15 + s * (50 + s * (-60 + 24 * s)));
    d[5] = s + s2 * (-31 + s * (180 + s * (-390 + s * (360 - 120 * s))));
}

/* cases i and i + 1 of [lo, hi) as a pair (a missing second: weight 0) */
static inline v2d pair(const double *a, size_t stride, size_t i, size_t hi)
{
    return (v2d){a[i * stride], i + 1 < hi ? a[(i + 1) * stride] : 0};
}

static const double inv_fact[6] = {1, 1, 0.5, 1.0 / 6, 1.0 / 24, 1.0 / 120};

/* CITL from one pass: with s_i = sigma(logit p_i + a0) cached, sum_i w_i sigma(logit p_i + a0 + d)
 * = sum_k D_k d^k / k! + R, D_k = sum_i w_i d_k(s_i), |R| <= W R6 |d|^6. The root of
 * Y - sum_k D_k d^k / k! by Newton on those six numbers; 0 with *a = a0 + d when the remainder
 * moves the root by less than VM_TAYLOR_TOL, -1 otherwise (the caller takes exact steps). */
static int citl_taylor(const vm_rec *cr, size_t lo, size_t hi, double a0, double *a)
{
    /* power sums S_j = sum w s^j, j = 1..6 (fewer operations per case than each d_k), then
     * D_k = sum_j c_kj S_j with the coefficients of sigma_derivs */
    v2d S2[7] = {{0}}, Y2 = {0};
    for (size_t i = lo; i < hi; i += 2) {
        v2d wt = pair(&cr->w, 4, i, hi), s1 = pair(&cr->c, 4, i, hi), s2 = s1 * s1, s3 = s2 * s1;
        S2[0] += wt;
        S2[1] += wt * s1;
        S2[2] += wt * s2;
        S2[3] += wt * s3;
        S2[4] += wt * (s2 * s2);
        S2[5] += wt * (s3 * s2);
        S2[6] += wt * (s3 * s3);
        Y2 += wt * pair(&cr->y, 4, i, hi);
    }
    double S[7], Y = Y2[0] + Y2[1];
    for (int j = 0; j < 7; j++) S[j] = S2[j][0] + S2[j][1];
    static const double c[6][7] = {{0, 1}, {0, 1, -1}, {0, 1, -3, 2}, {0, 1, -7, 12, -6},
                                   {0, 1, -15, 50, -60, 24}, {0, 1, -31, 180, -390, 360, -120}};
    double D[6] = {0}, W = S[0];
    for (int k = 0; k < 6; k++)
        for (int j = 1; j <= k + 1; j++) D[k] += c[k][j] * S[j];
    if (!(D[1] > 0)) return -1;
    double x = 0;
    for (int it = 0; it < 50; it++) {
        double f = Y, df = 0, xp = 1;
        for (int k = 0; k < 6; k++) {
            f -= D[k] * xp * inv_fact[k];
            if (k < 5) df -= D[k + 1] * xp * inv_fact[k];
            xp *= x;
        }
        if (!(df < 0)) return -1;
        double step = f / df;
        x -= step;
        if (!(fabs(x) < 1)) return -1;
        if (fabs(step) < 1e-16 * (1 + fabs(a0 + x))) break;
    }
    double dfx = 0, xp = 1;
    for (int k = 0; k < 5; k++, xp *= x) dfx += D[k + 1] * xp * inv_fact[k];
    double err = W * VM_TAYLOR_R6 * pow(fabs(x), 6) / dfx;
    if (!(dfx > 0) || !(err < VM_TAYLOR_TOL * (1 + fabs(a0 + x)))) return -1;
    *a = a0 + x;
    return 0;
}

/* The recalibration (a, b) from one pass, as citl_taylor in two dimensions: with
 * s_i = sigma(a0 + b0 x_i) cached and e_i = da + db x_i, the gradient sums are
 * Y_m - sum_k (1/k!) sum_j C(k, j) da^(k-j) db^j T[k][j + m] (m = 0, 1), T[k][j] =
 * sum_i w_i d_k(s_i) x_i^j; the remainder is at most W R6 E^6 (times max |x| for m = 1) with
 * E = |da| + |db| max |x|. */
static int slope_taylor(const vm_rec *cr, const double *cl, const double *cs, size_t lo, size_t hi,
                        const double *fit0, double *a_out, double *b_out)
{
    v2d T2[6][7] = {{{0}}}, Y02 = {0}, Y12 = {0}, W2 = {0};
    for (size_t i = lo; i < hi; i += 2) {
        v2d d[6], x = pair(cl, 1, i, hi), wt = pair(&cr->w, 4, i, hi), yw = wt * pair(&cr->y, 4, i, hi);
        sigma_derivs(pair(cs, 1, i, hi), d);
        v2d xp[7];
        xp[0] = wt;
        for (int j = 1; j < 7; j++) xp[j] = xp[j - 1] * x;
        for (int k = 0; k < 6; k++)
            for (int j = 0; j <= k + 1; j++) T2[k][j] += d[k] * xp[j];
        Y02 += yw;
        Y12 += yw * x;
        W2 += wt;
    }
    double T[6][7] = {{0}}, Y0 = Y02[0] + Y02[1], Y1 = Y12[0] + Y12[1], W = W2[0] + W2[1];
    for (int k = 0; k < 6; k++)
        for (int j = 0; j <= k + 1; j++) T[k][j] = T2[k][j][0] + T2[k][j][1];
    if (hi <= lo) return -1;
    double X = fmax(fabs(cl[lo]), fabs(cl[hi - 1])); /* sorted: the extremes are at the ends */
    static const double C[6][6] = {{1}, {1, 1}, {1, 2, 1}, {1, 3, 3, 1}, {1, 4, 6, 4, 1}, {1, 5, 10, 10, 5, 1}};
    double u = 0, v = 0, J[3] = {0};
    for (int it = 0; it < 50; it++) {
        double f0 = Y0, f1 = Y1, j00 = 0, j01 = 0, j11 = 0;
        for (int k = 0; k < 6; k++)
            for (int j = 0; j <= k; j++) {
                double c = inv_fact[k] * C[k][j] * pow(u, k - j) * pow(v, j);
                f0 -= c * T[k][j];
                f1 -= c * T[k][j + 1];
                if (k < 5) {
                    j00 += c * T[k + 1][j];
                    j01 += c * T[k + 1][j + 1];
                    j11 += c * T[k + 1][j + 2];
                }
            }
        /* F = Y - S(u, v): its Jacobian is -(j00 j01; j01 j11); Newton: (u, v) += J^-1 F */
        double du, dv;
        if (vigil_stats_newton2(f0, f1, j00, j01, j11, &du, &dv) != 0) return -1;
        u += du, v += dv;
        J[0] = j00, J[1] = j01, J[2] = j11;
        if (!(fabs(u) + fabs(v) < 1)) return -1;
        if (fabs(du) < 1e-16 * (1 + fabs(fit0[0] + u)) && fabs(dv) < 1e-16 * (1 + fabs(fit0[1] + v))) break;
    }
    double E = fabs(u) + fabs(v) * X, e0 = W * VM_TAYLOR_R6 * pow(E, 6), e1 = X * e0;
    double det = J[0] * J[2] - J[1] * J[1];
    if (!(det > 0)) return -1;
    /* the parameters move by at most |J^-1| (e0, e1) */
    double ea = (fabs(J[2]) * e0 + fabs(J[1]) * e1) / det, eb = (fabs(J[1]) * e0 + fabs(J[0]) * e1) / det;
    double a = fit0[0] + u, b = fit0[1] + v;
    if (!(ea < VM_TAYLOR_TOL * (1 + fabs(a))) || !(eb < VM_TAYLOR_TOL * (1 + fabs(b)))) return -1;
    *a_out = a, *b_out = b;
    return 0;
}

/* A scope's statistics from its drawn cases (n of them, compacted: weight, score, label, logit,
 * the two cached probabilities; lo..hi those with 0 < p < 1) and their totals W, W1. */
static void drawn_stats(const vm_scope_in *in, const double *w, double t, const vm_rec *cr, int taylor_citl,
                        const double *cl, const double *cf, size_t n, size_t lo, size_t hi, double W, double W1,
                        double *out)
{
    const double *lg = in->lg, *fit0 = in->fit0;
    const uint8_t *y = in->y;
    const uint32_t *idx = in->idx;
    size_t m = in->m;
    double citl0 = in->citl0;
    lacc A, *a = &A;
    memset(a, 0, sizeof *a);
    a->W = W, a->W1 = W1;
    a->last = NAN;
    a->q = floor(a->W / VM_BINS);
    a->r = a->W - a->q * VM_BINS;
    a->mbound = a->q + (a->r > 0 ? 1 : 0);
    const double step = 1.0 / VM_BINS;
    for (size_t i = 0; i < n; i++) {
        double wt = cr[i].w, pi = cr[i].p, yi = cr[i].y;
        if (pi != a->last) {
            flush(a);
            a->last = pi;
        }
        a->g1 += wt * yi;
        a->g0 += wt * (1 - yi);
        if (pi >= t) {
            a->pos1 += wt * yi;
            a->pos0 += wt * (1 - yi);
        }
        while (a->bin < VM_BINS - 1 && (double)(a->bin + 1) * step < pi) a->bin++;
        a->bw[a->bin] += wt;
        a->bp[a->bin] += wt * pi;
        a->by[a->bin] += wt * yi;
        a->sq += wt * (pi - yi) * (pi - yi);
        double l0 = a->cum, h0 = a->cum + wt;
        while (l0 < h0) {
            while (a->m < VM_BINS - 1 && l0 >= a->mbound) {
                a->m++;
                a->mbound += a->q + ((double)a->m < a->r ? 1 : 0);
            }
            double take = (a->m == VM_BINS - 1 || h0 < a->mbound ? h0 : a->mbound) - l0; /* fmin, inline */
            a->ew[a->m] += take;
            a->ep[a->m] += take * pi;
            a->ey[a->m] += take * yi;
            l0 += take;
        }
        a->cum = h0;
    }
    flush(a);
    double *o = out, W0 = W - a->W1;
    o[VS_AUROC] = a->W1 > 0 && W0 > 0 ? a->u / (a->W1 * W0) : NAN;
    o[VS_AUPRC] = a->W1 > 0 ? a->ap : NAN;
    o[VS_BRIER] = W > 0 ? a->sq / W : NAN;
    double ece = 0, mce = 0, ecem = 0;
    for (int b = 0; b < VM_BINS; b++) {
        if (a->bw[b] > 0) {
            double gap = fabs(a->bp[b] / a->bw[b] - a->by[b] / a->bw[b]);
            ece += a->bw[b] / W * gap;
            if (gap > mce) mce = gap;
        }
        if (a->ew[b] > 0) ecem += a->ew[b] / W * fabs(a->ep[b] / a->ew[b] - a->ey[b] / a->ew[b]);
    }
    o[VS_ECE] = W > 0 ? ece : NAN;
    o[VS_ECE_EM] = W > 0 ? ecem : NAN;
    o[VS_MCE] = W > 0 ? mce : NAN;
    o[VS_TPR] = a->W1 > 0 ? a->pos1 / a->W1 : NAN;
    o[VS_FPR] = W0 > 0 ? a->pos0 / W0 : NAN;
    o[VS_SEL] = W > 0 ? (a->pos0 + a->pos1) / W : NAN;
    o[VS_SLOPE] = o[VS_INTERCEPT] = NAN;
    o[VS_EAVG] = o[VS_E50] = o[VS_E90] = o[VS_EMAX] = NAN;
    o[VS_CITL] = NAN;
    /* Calibration-in-the-large: from one pass where the expansion holds, else the Newton steps
     * of vigil_stats_level_stats */
    double ca = isfinite(citl0) ? citl0 : 0;
    if (taylor_citl && citl_taylor(cr, lo, hi, ca, &o[VS_CITL]) == 0) ca = NAN;
    for (int it = 0; it < 60 && !isnan(ca); it++) {
        double ea = exp(ca), cg = 0, ch = 0;
        if (ea == 0) break; /* never converges there either */
        for (size_t i = lo; i < hi; i++) {
            double wt = cr[i].w, pt = cr[i].p * ea, pi = pt / (1 - cr[i].p + pt);
            cg += wt * (cr[i].y - pi);
            ch += wt * pi * (1 - pi);
        }
        if (!(ch > 0)) break;
        double s = cg / ch;
        s = s > 5 ? 5 : s < -5 ? -5 : s;
        ca += s;
        if (fabs(s) < 1e-9 * (1 + fabs(ca))) {
            o[VS_CITL] = ca;
            break;
        }
    }
    if (!fit0 || !lg || idx || !isfinite(fit0[1])) return;
    /* The recalibration slope: vigil_stats_logistic_fit from the point estimate, whose plain
     * Newton steps are these; a step that leaves the start's neighbourhood hands the replicate
     * to that function itself, which takes the same steps and then its guarded ones. */
    if (cf && slope_taylor(cr, cl, cf, lo, hi, fit0, &o[VS_INTERCEPT], &o[VS_SLOPE]) == 0) return;
    double fa = fit0[0], fb = fit0[1], s[5];
    for (int it = 0; it < 100; it++) {
        logit_sums(cr, cl, lo, hi, fa, fb, s);
        double da, db;
        if (vigil_stats_newton2(s[0], s[1], s[2], s[3], s[4], &da, &db) != 0) return;
        if (fabs(da) > 1 || fabs(db) > 1 || !isfinite(da) || !isfinite(db)) {
            vigil_stats_logistic_fit(lg, y, w, m, fit0, &o[VS_INTERCEPT], &o[VS_SLOPE], NULL);
            return;
        }
        fa += da;
        fb += db;
        if (fabs(da) < 1e-9 * (1 + fabs(fa)) && fabs(db) < 1e-9 * (1 + fabs(fb))) {
            if (isfinite(fa) && isfinite(fb)) o[VS_INTERCEPT] = fa, o[VS_SLOPE] = fb;
            return;
        }
    }
}

void vigil_stats_scope_stats(const vm_scope_in *in, const double *w, double t, double *buf, double *out)
{
    const double *p = in->p, *lg = in->lg;
    const uint8_t *y = in->y;
    const uint32_t *idx = in->idx;
    size_t m = in->m;
    vm_rec *cr = (vm_rec *)buf;
    double *cl = buf + 4 * m, *cf = buf + 5 * m;
    /* the cases drawn, in sorted order, as contiguous arrays: every later pass runs over them
     * without a test per case; lo..hi are those with 0 < p < 1 (finite logit), a contiguous
     * run since the scores are sorted */
    size_t k = 0, lo = 0, hi = 0;
    double W = 0, W1 = 0;
    for (size_t j = 0; j < m; j++) {
        double c = w[idx ? idx[j] : j], pi = p[j], yi = y[j] ? 1.0 : 0.0;
        cr[k] = (vm_rec){c, pi, yi, in->sc ? in->sc[j] : 0};
        if (lg) cl[k] = lg[j];
        if (in->sf) cf[k] = in->sf[j];
        W += c;
        W1 += c * yi;
        size_t nz = c != 0;
        lo += nz & (pi <= 0);
        hi += nz & (pi < 1);
        k += nz;
    }
    drawn_stats(in, w, t, cr, in->sc != NULL, lg ? cl : NULL, in->sf ? cf : NULL, k, lo, hi, W, W1, out);
}

void vigil_stats_group_stats(const vm_group_in *g, const double *w, double t, double *buf, double *out)
{
    size_t n = g->n, nl = g->n_levels;
    /* one sequential pass over the sorted cases deals each drawn case to its level's arrays
     * (carved from buf by the levels' sizes), instead of a sparse pass over w per level */
    vm_rec *base[VM_MAX_LEVELS_STACK];
    size_t kl[VM_MAX_LEVELS_STACK];
    for (size_t l0 = 0; l0 < nl; l0 += VM_MAX_LEVELS_STACK) {
        size_t l1 = nl - l0 < VM_MAX_LEVELS_STACK ? nl : l0 + VM_MAX_LEVELS_STACK, used = 0;
        for (size_t l = l0; l < l1; l++) {
            base[l - l0] = (vm_rec *)buf + used;
            used += g->in[l].m;
            kl[l - l0] = 0;
        }
        for (size_t i = 0; i < n; i++) {
            size_t l = g->code[i] - l0; /* wraps below l0 */
            if (l >= l1 - l0) continue;
            size_t k = kl[l];
            double c = w[i];
            base[l][k] = (vm_rec){c, g->p[i], g->y[i] ? 1.0 : 0.0, g->sc ? g->sc[i] : 0};
            kl[l] = k + (c != 0);
        }
        for (size_t l = l0; l < l1; l++) {
            const vm_rec *cr = base[l - l0];
            size_t k = kl[l - l0], lo = 0, hi = k;
            /* the level's totals in its order (the sums the scatter would form), and its run of
             * 0 < p < 1 from the ends (sorted) */
            double W = 0, W1 = 0;
            for (size_t j = 0; j < k; j++) W += cr[j].w, W1 += cr[j].w * cr[j].y;
            while (lo < k && cr[lo].p <= 0) lo++;
            while (hi > lo && cr[hi - 1].p >= 1) hi--;
            drawn_stats(&g->in[l], w, t, cr, g->sc != NULL, NULL, NULL, k, lo, hi, W, W1, out + l * S_COUNT_INTERNAL);
        }
    }
}
