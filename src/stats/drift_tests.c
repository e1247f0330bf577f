/* Two-sample test kernels for the drift engine. Each follows the scipy 1.10.1 function named
 * above it; the golden values come from tests/reference/drift_ref.py. The *_sorted helpers take
 * ascending, NaN-free arrays so one sort per column serves every rank-based test. */
#include "stats/drift_internal.h"
#include "core/sort.h"
#include "core/util.h"
#include "vigil/error.h"

#include <gsl/gsl_sf_bessel.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_result.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Radix sort on the IEEE bits; falls back to qsort only when the scratch cannot be had. */
void vigil_drift_sort(double *x, size_t n)
{
    if (vigil_sort_doubles(x, n) != 0) {
        vigil_error_clear();
        qsort(x, n, sizeof *x, cmp_dbl);
    }
}

/* One tie block's two terms of the midrank Anderson-Darling sum (scipy's anderson_ksamp,
 * midrank = True), added to *A in the order the separate test and the fused walk both rely on
 * (bit for bit): the block holds x[i0..i) and y[j0..j), N cases in all, ns the sample sizes. */
static inline void ad_midrank_add(double *A, size_t i0, size_t j0, size_t i, size_t j, double N, const size_t ns[2])
{
    double lj = (double)(i - i0 + j - j0), Bj = (double)(i0 + j0) + lj / 2;
    double den = Bj * (N - Bj) - N * lj / 4;
    size_t right[2] = {i, j}, f[2] = {i - i0, j - j0};
    for (int k = 0; k < 2; k++) {
        double M = (double)right[k] - f[k] / 2.0;
        double num = (double)N * M - Bj * ns[k];
        *A += lj / N * num * num / den / ns[k];
    }
}

/* ---------------------------------------------------------------- Kolmogorov-Smirnov */

double vigil_drift_ks_stat_sorted(const double *x, size_t n1, const double *y, size_t n2)
{
    size_t i = 0, j = 0;
    double d = 0;
    while (i < n1 || j < n2) {
        double v = (j == n2 || (i < n1 && x[i] <= y[j])) ? x[i] : y[j];
        while (i < n1 && x[i] <= v) i++;
        while (j < n2 && y[j] <= v) j++;
        double diff = fabs((double)i / n1 - (double)j / n2);
        if (diff > d) d = diff;
    }
    return d;
}

static size_t gcd_sz(size_t a, size_t b)
{
    while (b) { size_t t = a % b; a = b; b = t; }
    return a;
}

/* Pr(D_{n,n} >= h/n), Horner form without cancellation (as scipy). */
static double prob_outside_square(size_t n, size_t h)
{
    double P = 0;
    long k = (long)(n / h);
    for (; k >= 0; k--) {
        double p1 = 1;
        for (size_t j = 0; j < h; j++)
            p1 = (double)(n - k * h - j) * p1 / (double)(n + k * h + j + 1);
        P = p1 * (1 - P);
    }
    return 2 * P;
}

/* Fraction of lattice paths (0,0)->(m,n) that leave the band |i n - j m| < lim, i.e. reach
 * D >= d, as scipy's _compute_outer_prob_inside_method: A(i,j) = the probability that a path
 * to (i,j) has left the band = 1 outside it, (i A(i-1,j) + j A(i,j-1)) / (i + j) inside. It
 * stays in [0, 1] and gives the small p-values directly (1 - P(inside) would cancel to 0
 * below ~1e-16). Row i only touches the cells inside the band, lo(i) <= j <= hi(i) (both
 * nondecreasing in i), so the work is O(m * band width), not O(m n). */
static double prob_outside_band(size_t m, size_t n, size_t lim)
{
    if (lim == 0) return 1;
    double *A = malloc((n + 1) * sizeof *A), *inv = malloc((m + n + 1) * sizeof *inv);
    if (!A || !inv) { free(A); free(inv); return NAN; }
    /* a multiply by 1/(i+j) instead of a divide keeps the j-chain short; it moves the result
     * by a few ulps only (the goldens hold scipy's to 1e-6 relative) */
    for (size_t k = 1; k <= m + n; k++) inv[k] = 1.0 / (double)k;
    typedef unsigned long long ull;
    /* row i = 0: a path to (0, j) has left iff (0, j) is outside */
    size_t plo = 0, phi = 0;
    for (size_t j = 0; j <= n; j++) {
        int inside = (ull)j * m < (ull)lim;
        A[j] = inside ? 0.0 : 1.0;
        if (inside) phi = j;
    }
    double p = 1;
    for (size_t i = 1; i <= m; i++) {
        ull in = (ull)i * n;
        size_t lo = in >= lim ? (size_t)((in - lim) / m + 1) : 0;  /* j m > i n - lim */
        ull hi_ = (in + lim - 1) / m;                                /* j m < i n + lim */
        size_t hi = hi_ > n ? n : (size_t)hi_;
        if (lo > hi) goto done; /* an empty row: every path has left the band */
        for (size_t j = plo; j < lo && j <= phi; j++) A[j] = 1; /* left the band */
        for (size_t j = lo; j <= hi; j++) {
            double left = A[j], down = j ? A[j - 1] : 0;
            A[j] = ((double)i * left + (double)j * down) * inv[i + j];
        }
        plo = lo, phi = hi;
    }
    p = (plo <= n && n <= phi) ? A[n] : 1;
done:
    free(A); free(inv);
    return p;
}

/* ---- kstwo.sf(d, n): Simard & L'Ecuyer's choice of methods, as scipy _ksstats._kolmogn */

#define SQRT2PI 2.5066282746310002
static const double PI2 = M_PI * M_PI;

static double clip01(double p) { return p < 0 ? 0 : (p > 1 ? 1 : p); }

/* One-sided exact Smirnov sf P(D+_n >= x) (Birnbaum-Tingey), summed in logs. */
static double smirnov_sf(size_t n, double x)
{
    if (x <= 0) return 1;
    if (x >= 1) return 0;
    double s = 0, ln = lgamma((double)n + 1);
    size_t jmax = (size_t)floor(n * (1 - x));
    for (size_t j = 0; j <= jmax; j++) {
        double a = 1 - x - (double)j / n, b = x + (double)j / n;
        if (a <= 0) { if (j == n) s += 0; continue; }
        double lt = ln - lgamma((double)j + 1) - lgamma((double)(n - j) + 1) +
                    (double)(n - j) * log(a) + (double)(j - 1) * log(b);
        s += exp(lt);
    }
    return clip01(x * s);
}

static double kolmogn_dmtw(size_t n, double d)
{
    if (d >= 1) return 1;
    double nd = n * d;
    if (nd <= 0.5) return 0;
    int k = (int)ceil(nd);
    double h = k - nd;
    int m = 2 * k - 1;
    long double *H = calloc((size_t)m * m, sizeof *H), *P = calloc((size_t)m * m, sizeof *P),
                *T = calloc((size_t)m * m, sizeof *T);
    double *v = malloc(m * sizeof *v), *w = malloc(m * sizeof *w);
    double p = NAN;
    if (!H || !P || !T || !v || !w) goto done;
    double fac = 1;
    for (int j = 1; j <= m; j++) {
        v[j - 1] = 1 - pow(h, j);
        w[j - 1] = fac;
        fac /= j;
        v[j - 1] *= fac;
    }
    double tt = pow(fmax(2 * h - 1, 0), m) - 2 * pow(h, m);
    v[m - 1] = (1 + tt) * fac;
    for (int i = 1; i < m; i++)
        for (int r = i - 1; r < m; r++) H[r * m + i] = w[r - (i - 1)];
    for (int r = 0; r < m; r++) H[r * m] = v[r];
    for (int c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c];
    for (int r = 0; r < m; r++) P[r * m + r] = 1;
    const long double EP = ldexpl(1, 128);
    long expnt = 0, hexp = 0;
    size_t nn = n;
    while (nn > 0) {
        if (nn % 2) {
            memset(T, 0, (size_t)m * m * sizeof *T);
            for (int r = 0; r < m; r++)
                for (int q = 0; q < m; q++) {
                    long double a = P[r * m + q];
                    if (a == 0) continue;
                    for (int c = 0; c < m; c++) T[r * m + c] += a * H[q * m + c];
                }
            memcpy(P, T, (size_t)m * m * sizeof *T);
            expnt += hexp;
        }
        memset(T, 0, (size_t)m * m * sizeof *T);
        for (int r = 0; r < m; r++)
            for (int q = 0; q < m; q++) {
                long double a = H[r * m + q];
                if (a == 0) continue;
                for (int c = 0; c < m; c++) T[r * m + c] += a * H[q * m + c];
            }
        memcpy(H, T, (size_t)m * m * sizeof *T);
        hexp *= 2;
        if (fabsl(H[(k - 1) * m + k - 1]) > EP) {
            for (int i = 0; i < m * m; i++) H[i] /= EP;
            hexp += 128;
        }
        nn /= 2;
    }
    long double pp = P[(k - 1) * m + k - 1];
    for (size_t i = 1; i <= n; i++) {
        pp = (long double)i * pp / (long double)n;
        if (fabsl(pp) < 1 / EP) { pp *= EP; expnt -= 128; }
    }
    if (expnt) pp = ldexpl(pp, (int)expnt);
    p = clip01((double)pp);
done:
    free(H); free(P); free(T); free(v); free(w);
    return p;
}

static double kolmogn_pelz_good(size_t n, double x)
{
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    double z = sqrt((double)n) * x, z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2;
    double qlog = -PI2 / 8 / z2;
    if (qlog < -708) return 0;
    double q = exp(qlog);
    double k1a = -z2, k1b = PI2 / 4;
    double k2a = 6 * z6 + 2 * z4, k2b = (2 * z4 - 5 * z2) * PI2 / 4,
           k2c = PI2 * PI2 * (1 - 2 * z2) / 16;
    double k3d = PI2 * PI2 * PI2 * (5 - 30 * z2) / 64,
           k3c = PI2 * PI2 * (-60 * z2 + 212 * z4) / 16,
           k3b = PI2 * (135 * z4 - 96 * z6) / 4, k3a = -30 * z6 - 90 * pow(z, 8);
    double K[4] = {0, 0, 0, 0};
    int maxk = (int)ceil(16 * z / M_PI);
    for (int k = maxk; k > 0; k--) {
        double m = 2 * k - 1, m2 = m * m, m4 = m2 * m2, m6 = m4 * m2;
        double qp = pow(q, 8 * k);
        double c[4] = {1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4,
                       k3a + k3b * m2 + k3c * m4 + k3d * m6};
        for (int i = 0; i < 4; i++) K[i] = K[i] * qp + c[i];
    }
    double den[4] = {z, 6 * z4, 72 * pow(z, 7), 6480 * pow(z, 10)};
    for (int i = 0; i < 4; i++) K[i] = K[i] * q * SQRT2PI / den[i];
    double q2 = exp(-PI2 / 2 / z2), k2x = 0, k3x = 0, s3z = sqrt(3.0) * z;
    for (int k = maxk; k > 0; k--) {
        double ks2 = (double)k * k, qpw = pow(q2, ks2), kp = M_PI * k;
        k2x += ks2 * qpw;
        k3x += (s3z + kp) * (s3z - kp) * ks2 * qpw;
    }
    K[2] += k2x * PI2 * SQRT2PI / (-36 * z3);
    K[3] += k3x * PI2 * SQRT2PI / (216 * z6);
    double s = 0;
    for (int i = 0; i < 4; i++) s += K[i] / pow((double)n, i / 2.0);
    return s;
}

static double log_nfact_div_npow(double n)
{
    static const double c[] = {-2.955065359477124183e-2, 6.4102564102564102564e-3,
                               -1.9175269175269175269e-3, 8.4175084175084175084e-4,
                               -5.952380952380952381e-4, 7.9365079365079365079e-4,
                               -2.7777777777777777778e-3, 8.3333333333333333333e-2};
    double rn = 1 / n, t = rn / n, pv = 0;
    for (int i = 0; i < 8; i++) pv = pv * t + c[i];
    return log(n) / 2 - n + log(2 * M_PI) / 2 + rn * pv;
}

/* kstwo.sf(x, n) */
static double kolmogn_sf(size_t n, double x)
{
    if (n == 0) return NAN;
    if (x >= 1) return 0;
    if (x <= 0) return 1;
    double t = n * x;
    if (t <= 1) {
        if (t <= 0.5) return 1;
        double prob;
        if (n <= 140) {
            prob = 1;
            for (size_t i = 1; i <= n; i++) prob *= (double)i * (1.0 / n) * (2 * t - 1);
        } else {
            prob = exp(log_nfact_div_npow((double)n) + n * log(2 * t - 1));
        }
        return clip01(1 - prob);
    }
    if (t >= n - 1.0) return clip01(2 * pow(1 - x, (double)n));
    if (x >= 0.5) return clip01(2 * smirnov_sf(n, x));
    double nx2 = t * x;
    if (n <= 140) {
        if (nx2 <= 0.754693) return clip01(1 - kolmogn_dmtw(n, x));
        if (nx2 <= 4) {
            /* scipy uses Pomeranz here; the Durbin matrix method computes the same exact
             * probability (both are exact algorithms), at m = 2k-1 <= 2 sqrt(4 n) + 1. */
            return clip01(1 - kolmogn_dmtw(n, x));
        }
        return clip01(2 * smirnov_sf(n, x));
    }
    if (nx2 >= 370) return 0;
    if (nx2 >= 2.2) return clip01(2 * smirnov_sf(n, x));
    double cdf;
    if (nx2 >= 18) cdf = 1;
    else if (n <= 100000 && n * pow(x, 1.5) <= 1.4) cdf = kolmogn_dmtw(n, x);
    else cdf = kolmogn_pelz_good(n, x);
    return clip01(1 - clip01(cdf));
}

/* numpy's np.round: halves go to the even neighbour (C's round() takes them away from zero).
 * scipy rounds the lattice step d * lcm and the asymptotic effective n with it; with
 * n1 n2 / (n1 + n2) = 5000.5 (10,001 vs 10,001) the two disagree in the fourth digit of p. */
static double round_half_even(double v)
{
    double r = round(v);
    if (fabs(v - trunc(v)) == 0.5) r = 2 * round(v / 2);
    return r;
}

double vigil_drift_ks_pvalue(double d, size_t n1, size_t n2)
{
    if (n1 == 0 || n2 == 0) return NAN;
    if (n1 <= 10000 && n2 <= 10000) {
        size_t g = gcd_sz(n1, n2);
        double lcm = (double)(n1 / g) * n2;
        double hd = round_half_even(d * lcm);
        if (hd == 0) return 1;
        size_t h = (size_t)hd;
        double p;
        if (n1 == n2) p = prob_outside_square(n1, h);
        else {
            size_t m = n1 > n2 ? n1 : n2, n = n1 > n2 ? n2 : n1;
            p = prob_outside_band(m, n, h * g);
        }
        if (p >= 0 && p <= 1) return p;
        /* fall through to the asymptotic form, as scipy does when exact fails */
    }
    double m = n1 > n2 ? n1 : n2, n = n1 > n2 ? n2 : n1;
    double en = round_half_even(m * n / (m + n));
    return clip01(kolmogn_sf((size_t)en, d));
}

/* ---------------------------------------------------------------- heavily tied samples
 *
 * The conditional (permutation) null of Cramer-von Mises and Anderson-Darling. With ties their
 * continuous nulls are wrong: on a 0/1 column (Bernoulli(1/3), 1,500 vs 1,500) CvM rejected
 * ~7-8% of null pairs at 0.05 and AD (scipy's interpolation, midrank) ~12%; with half the
 * values at one number (a zero-inflated lab) CvM ~13%. KS keeps scipy's p, which ties make
 * conservative (0 of 1,000 such pairs). Given the pooled values, every split of them into
 * samples of nx and ny is equally likely under the null, and both statistics depend only on
 * how many of each distinct value fall in x: a multivariate hypergeometric draw, O(distinct
 * values) per permutation instead of O(N). The p-value is the Monte Carlo
 * permutation p (1 + #{T_b >= T}) / (1 + B), valid at every level (Phipson & Smyth 2010);
 * B = 1,999, and while no permutation reaches T, ten times more (Besag & Clifford's sequential
 * rule keeps it valid: the p only grows with B once one does) up to 199,999 -- while a
 * stage costs at most ~4e7 draws and sampler steps (a 0/1 column of 2,000,000 values stops at
 * 19,999: p >= 5e-5) -- so a large shift is not stuck at p = 1/2000 under a correction across
 * many features. The limit: a heavily tied sample with more than 20,000 distinct values (a
 * zero-inflated lab over a very large window) would need more than 4e7 draws for the first
 * 1,999 permutations and keeps the continuous p. The stream is splitmix64 seeded by the pooled counts (and not by the split): the
 * same data give the same p in every path (drift, the monitor's cache, merged accumulators). */

#define PERM_FIRST 1999
#define PERM_MAX 199999
#define PERM_DRAWS 40000000.0
/* a sample is "heavily tied" when one value holds at least this share of the pooled values */
#define TIED_SHARE 0.05

static double unif01(uint64_t *s) { return (double)(vigil_splitmix64(s) >> 11) * 0x1.0p-53; }

/* log(n!) from the table lf (n <= its size) or lgamma */
static double lfact(const double *lf, double n) { return lf ? lf[(size_t)n] : lgamma(n + 1); }

/* One draw of Hypergeometric(good, bad, draws) -- the number of good among `draws` taken without
 * replacement -- by inversion outward from the mode (expected O(sd) steps). lf: log factorials
 * up to good + bad, or NULL. */
static size_t hyper_draw(size_t good, size_t bad, size_t draws, const double *lf, uint64_t *st,
                         size_t *steps)
{
    size_t lo = draws > bad ? draws - bad : 0, hi = draws < good ? draws : good;
    if (lo == hi) return lo;
    if (good == 1) return unif01(st) * (double)(good + bad) < (double)draws; /* a singleton */
    size_t mode = (size_t)floor(((double)draws + 1) * ((double)good + 1) / ((double)good + bad + 2));
    if (mode < lo) mode = lo;
    if (mode > hi) mode = hi;
    double g = (double)good, b = (double)bad, r = (double)draws, k = (double)mode;
    double pm = exp(lfact(lf, g) - lfact(lf, k) - lfact(lf, g - k) + lfact(lf, b) - lfact(lf, r - k) -
                    lfact(lf, b - r + k) - (lfact(lf, g + b) - lfact(lf, r) - lfact(lf, g + b - r)));
    double u = unif01(st) - pm;
    if (u < 0) return mode;
    size_t L = mode, R = mode;
    double pl = pm, pr = pm;
    while (L > lo || R < hi) {
        ++*steps;
        if (R < hi) {
            double kr = (double)R;
            pr *= (g - kr) * (r - kr) / ((kr + 1) * (b - r + kr + 1));
            R++;
            if ((u -= pr) < 0) return R;
        }
        if (L > lo) {
            double kl = (double)L;
            pl *= kl * (b - r + kl) / ((g - kl + 1) * (r - kl + 1));
            L--;
            if ((u -= pl) < 0) return L;
        }
    }
    return mode; /* the leftover rounding of the pmf sum */
}

/* Walks the distinct values of the two sorted samples; with t and a, writes their pooled counts
 * t[v] and x-counts a[v]. Returns the number of distinct values; *top the largest count. */
static size_t tie_walk(const double *x, size_t nx, const double *y, size_t ny, size_t *t, size_t *a,
                       size_t *top)
{
    size_t i = 0, j = 0, k = 0;
    *top = 0;
    while (i < nx || j < ny) {
        double v = (j == ny || (i < nx && x[i] <= y[j])) ? x[i] : y[j];
        size_t i0 = i, j0 = j;
        while (i < nx && x[i] == v) i++;
        while (j < ny && y[j] == v) j++;
        size_t c = i - i0 + j - j0;
        if (c > *top) *top = c;
        if (t) t[k] = c, a[k] = i - i0;
        k++;
    }
    return k;
}

/* 1 when one value holds at least TIED_SHARE of the pooled sample (and is tied) and there are
 * few enough distinct values for PERM_FIRST permutations within PERM_DRAWS: then *t_out and
 * *a_out (malloc'd; both NULL when out of memory) hold the tie table of *k_out distinct values.
 * 0 (nothing allocated) otherwise. */
static int tie_table_from(const double *x, size_t nx, const double *y, size_t ny, size_t k, size_t top,
                          size_t **t_out, size_t **a_out)
{
    *t_out = *a_out = NULL;
    if (!(top > 1 && (double)top >= TIED_SHARE * (double)(nx + ny))) return 0;
    if ((double)k * PERM_FIRST > PERM_DRAWS) return 0; /* see the limit above */
    size_t *t = malloc(k * sizeof *t), *a = malloc(k * sizeof *a);
    if (!t || !a) { free(t); free(a); return 1; }
    tie_walk(x, nx, y, ny, t, a, &top);
    *t_out = t, *a_out = a;
    return 1;
}

/* tie_table_from after a walk for the number of distinct values and the largest count. */
static int tie_table(const double *x, size_t nx, const double *y, size_t ny, size_t **t_out,
                     size_t **a_out, size_t *k_out)
{
    size_t top, k = tie_walk(x, nx, y, ny, NULL, NULL, &top);
    *k_out = k;
    return tie_table_from(x, nx, y, ny, k, top, t_out, a_out);
}

/* Whether a statistic takes the permutation p (use), and the tie table it is taken on (t NULL
 * with use set: out of memory, p NaN). */
typedef struct {
    int use;
    size_t *t, *a, k;
} tie_perm;

typedef double (*count_stat)(const size_t *a, const size_t *t, size_t k, size_t nx, size_t ny);

/* CvM: sum over distinct values of t_v (F - G)^2 (the part of T that varies) */
static double cvm_counts(const size_t *a, const size_t *t, size_t k, size_t nx, size_t ny)
{
    size_t i = 0, j = 0;
    double ss = 0;
    for (size_t v = 0; v < k; v++) {
        i += a[v];
        j += t[v] - a[v];
        double d = (double)i / nx - (double)j / ny;
        ss += (double)t[v] * d * d;
    }
    return ss;
}

/* AD, midrank form (Scholz & Stephens 1987, as the walk in vigil_drift_anderson_sorted): the
 * unstandardised sum, which the standardised statistic grows with */
static double ad_counts(const size_t *a, const size_t *t, size_t k, size_t nx, size_t ny)
{
    double N = (double)(nx + ny), A = 0, before = 0, bx = 0, by = 0;
    for (size_t v = 0; v < k; v++) {
        double lj = (double)t[v], fx = (double)a[v], fy = lj - fx, Bj = before + lj / 2;
        double den = Bj * (N - Bj) - N * lj / 4;
        double mx = bx + fx / 2, my = by + fy / 2;
        double ux = N * mx - Bj * (double)nx, uy = N * my - Bj * (double)ny;
        if (den > 0) A += lj / N * (ux * ux / (double)nx + uy * uy / (double)ny) / den;
        before += lj, bx += fx, by += fy;
    }
    return A;
}

/* The permutation p of the observed x-counts a_obs under `stat` (larger = further from the
 * null), given the distinct values' pooled counts t[0..k). NaN when out of memory. */
static double perm_p(const size_t *t, const size_t *a_obs, size_t k, size_t nx, size_t ny,
                     count_stat stat)
{
    size_t *a = malloc((k ? k : 1) * sizeof *a), N = nx + ny;
    if (!a) return NAN;
    /* a table of log factorials makes a draw a few lookups; past 4M values lgamma is cheaper
     * than the table's memory (and NULL falls back to it too) */
    double *lf = N <= 4000000 ? malloc((N + 1) * sizeof *lf) : NULL;
    for (size_t i = 0; lf && i <= N; i++) lf[i] = lgamma((double)i + 1);
    uint64_t st = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)nx << 32) ^ (uint64_t)ny;
    for (size_t v = 0; v < k; v++) st = vigil_splitmix64(&st) ^ (uint64_t)t[v];
    /* a permuted T equal to the observed one (the same split) counts as reaching it */
    double obs = stat(a_obs, t, k, nx, ny), thr = obs - 1e-12 * fabs(obs);
    size_t hits = 0, done = 0, target = PERM_FIRST, steps = 0;
    for (;;) {
        for (; done < target; done++) {
            size_t rem = nx, pool = nx + ny;
            for (size_t v = 0; v < k; v++) {
                pool -= t[v];
                a[v] = rem ? (pool ? hyper_draw(t[v], pool, rem, lf, &st, &steps) : rem) : 0;
                rem -= a[v];
            }
            if (stat(a, t, k, nx, ny) >= thr) hits++;
        }
        size_t next = target * 10 + 9;
        /* the work of a permutation grows with the window (a draw walks O(sd) from the mode):
         * extend only while the next stage stays within PERM_DRAWS draws and sampler steps */
        double per = ((double)steps + (double)done * (double)k) / (double)done;
        if (hits || next > PERM_MAX || (double)next * per > PERM_DRAWS) break;
        target = next;
    }
    free(a), free(lf);
    return (1.0 + (double)hits) / (1.0 + (double)done);
}

/* ---------------------------------------------------------------- Anderson-Darling */

/* scipy anderson_ksamp(midrank=True), k = 2: standardised statistic and the interpolated p
 * (capped to [0.001, 0.25] exactly as scipy: outside that range the p is a bound). */
static void ad_finish(double A, size_t n1, size_t n2, const tie_perm *tp, double *stat, double *pval);

void vigil_drift_anderson_sorted(const double *x, size_t n1, const double *y, size_t n2, double *stat,
                           double *pval)
{
    size_t N = n1 + n2, i = 0, j = 0, nuniq = 0;
    double A = 0;
    const double *s[2] = {x, y};
    size_t ns[2] = {n1, n2};
    while (i < n1 || j < n2) {
        double v = (j == n2 || (i < n1 && x[i] <= y[j])) ? x[i] : y[j];
        size_t i0 = i, j0 = j;
        while (i < n1 && x[i] == v) i++;
        while (j < n2 && y[j] == v) j++;
        nuniq++;
        ad_midrank_add(&A, i0, j0, i, j, N, ns);
    }
    (void)s;
    if (nuniq < 2 || N < 4) { *stat = NAN; *pval = NAN; return; }
    tie_perm tp = {0};
    if (nuniq < N) tp.use = tie_table(x, n1, y, n2, &tp.t, &tp.a, &tp.k);
    ad_finish(A, n1, n2, &tp, stat, pval);
    free(tp.t), free(tp.a);
}

/* The standardised statistic and its p from the walk's sum A (nuniq >= 2, N >= 4); tp: the
 * permutation p, when the walk found the sample heavily tied. */
static void ad_finish(double A, size_t n1, size_t n2, const tie_perm *tp, double *stat, double *pval)
{
    size_t N = n1 + n2;
    A *= (N - 1.0) / N;
    double k = 2, H = 1.0 / n1 + 1.0 / n2, hs = 0, g = 0;
    /* hs_cs = cumsum(1/(N-1), 1/(N-2), ..., 1/2); g = sum hs_cs[i] / (i + 2). O(N) divisions,
     * the same for every feature of a window without missing values: kept per thread for the
     * last N (the same sums, so the same bits) */
    static _Thread_local size_t memo_n;
    static _Thread_local double memo_hs, memo_g;
    if (memo_n == N && N) {
        hs = memo_hs, g = memo_g;
    } else {
        for (size_t t = 0; t + 2 < N; t++) {
            hs += 1.0 / (double)(N - 1 - t);
            g += hs / (double)(t + 2);
        }
        memo_n = N, memo_hs = hs, memo_g = g;
    }
    double h = hs + 1;
    double a = (4 * g - 6) * (k - 1) + (10 - 6 * g) * H;
    double b = (2 * g - 4) * k * k + 8 * h * k + (2 * g - 14 * h - 4) * H - 8 * h + 4 * g - 6;
    double c = (6 * h + 2 * g - 2) * k * k + (4 * h - 4 * g + 6) * k + (2 * h - 6) * H + 4 * h;
    double d = (2 * h + 6) * k * k - 4 * h * k;
    double Nd = (double)N;
    double sig2 = (a * Nd * Nd * Nd + b * Nd * Nd + c * Nd + d) / ((Nd - 1) * (Nd - 2) * (Nd - 3));
    double A2 = (A - 1) / sqrt(sig2);
    static const double b0[] = {0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085};
    static const double b1[] = {-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615};
    static const double b2[] = {-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154};
    static const double sig[] = {0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001};
    double cr[7];
    for (int t = 0; t < 7; t++) cr[t] = b0[t] + b1[t] + b2[t]; /* m = k - 1 = 1 */
    *stat = A2;
    if (tp->use) {
        /* heavily tied: the permutation p, not capped (it is valid at every level) */
        *pval = tp->t ? perm_p(tp->t, tp->a, tp->k, n1, n2, ad_counts) : NAN;
        return;
    }
    if (A2 < cr[0]) { *pval = 0.25; return; }
    if (A2 > cr[6]) { *pval = 0.001; return; }
    /* least-squares quadratic of log(sig) on the critical values (np.polyfit deg 2) */
    double S[5] = {0}, T[3] = {0};
    for (int t = 0; t < 7; t++) {
        double xp = 1, ly = log(sig[t]);
        for (int e = 0; e < 5; e++) { S[e] += xp; if (e < 3) T[e] += xp * ly; xp *= cr[t]; }
    }
    /* normal equations [S0 S1 S2; S1 S2 S3; S2 S3 S4] [c0 c1 c2] = T, Cramer's rule */
    double M[3][3] = {{S[0], S[1], S[2]}, {S[1], S[2], S[3]}, {S[2], S[3], S[4]}};
#define DET3(m) ((m)[0][0] * ((m)[1][1] * (m)[2][2] - (m)[1][2] * (m)[2][1]) - \
                 (m)[0][1] * ((m)[1][0] * (m)[2][2] - (m)[1][2] * (m)[2][0]) + \
                 (m)[0][2] * ((m)[1][0] * (m)[2][1] - (m)[1][1] * (m)[2][0]))
    double D = DET3(M), coef[3];
    for (int col = 0; col < 3; col++) {
        double Mc[3][3];
        memcpy(Mc, M, sizeof M);
        for (int r = 0; r < 3; r++) Mc[r][col] = T[r];
        coef[col] = DET3(Mc) / D;
    }
#undef DET3
    *pval = exp(coef[0] + coef[1] * A2 + coef[2] * A2 * A2);
}

/* ---------------------------------------------------------------- Cramer-von Mises */

typedef struct { double v, c; } vc;
typedef struct { vc *a; size_t n, cap; } vcl;

static int vcl_merge_shift(vcl *out, const vcl *p, const vcl *q, double add)
{
    size_t need = p->n + q->n;
    if (need > out->cap) {
        vc *na = realloc(out->a, need * sizeof *na);
        if (!na) return -1;
        out->a = na;
        out->cap = need;
    }
    size_t i = 0, j = 0, k = 0;
    while (i < p->n || j < q->n) {
        if (j == q->n || (i < p->n && p->a[i].v < q->a[j].v)) out->a[k++] = p->a[i++];
        else if (i == p->n || q->a[j].v < p->a[i].v) out->a[k++] = q->a[j++];
        else { out->a[k] = p->a[i++]; out->a[k++].c += q->a[j++].c; }
    }
    out->n = k;
    for (i = 0; i < k; i++) out->a[i].v += add;
    return 0;
}

/* Exact null distribution of U (Xiao, Gordon & Yakovlev 2006), as scipy
 * _pval_cvm_2samp_exact: frequencies of sum over the path of (a v - b u)^2. */
static double cvm_exact_p(double s, size_t m, size_t n)
{
    size_t lcm = m / gcd_sz(m, n) * n, a = lcm / m, b = lcm / n;
    double mn = (double)m * n;
    double zeta = floor((double)lcm * lcm * (double)(m + n) * (6 * s - mn * (4 * mn - 1)) /
                        (6 * mn * mn));
    vcl *gs = calloc(m + 1, sizeof *gs), *next = calloc(m + 1, sizeof *next), tmp = {0}, t2 = {0};
    double p = NAN;
    if (!gs || !next) goto done;
    gs[0].a = malloc(sizeof(vc));
    if (!gs[0].a) goto done;
    gs[0].a[0] = (vc){0, 1};
    gs[0].n = gs[0].cap = 1;
    for (size_t u = 0; u <= n; u++) {
        tmp.n = 0;
        for (size_t v = 0; v <= m; v++) {
            double dv = (double)a * v - (double)b * u;
            if (vcl_merge_shift(&t2, &tmp, &gs[v], dv * dv)) goto done;
            vcl sw = tmp; tmp = t2; t2 = sw;
            if (vcl_merge_shift(&next[v], &tmp, &(vcl){0}, 0)) goto done;
        }
        vcl *sw = gs; gs = next; next = sw;
    }
    double tot = 0, hit = 0;
    for (size_t i = 0; i < gs[m].n; i++) {
        tot += gs[m].a[i].c;
        if (gs[m].a[i].v >= zeta) hit += gs[m].a[i].c;
    }
    p = hit / tot;
done:
    if (gs) for (size_t v = 0; v <= m; v++) free(gs[v].a);
    if (next) for (size_t v = 0; v <= m; v++) free(next[v].a);
    free(gs); free(next); free(tmp.a); free(t2.a);
    return p;
}

static double cdf_cvm_inf(double x)
{
    double tot = 0;
    for (int k = 0; k < 1000; k++) {
        double u = exp(lgamma(k + 0.5) - lgamma(k + 1.0)) / (pow(M_PI, 1.5) * sqrt(x));
        double y = 4.0 * k + 1, q = y * y / (16 * x);
        gsl_sf_result r;
        double kb;
        /* exp(-q) K_{1/4}(q) = exp(-2q) * (exp(q) K_{1/4}(q)) */
        if (gsl_sf_bessel_Knu_scaled_e(0.25, q, &r) != 0) kb = 0;
        else kb = r.val * exp(-2 * q);
        double z = u * sqrt(y) * kb;
        tot += z;
        if (fabs(z) < 1e-7) break;
    }
    return tot;
}

/* T = nm/(n+m)^2 * sum over the pooled sample of (F_n(z) - G_m(z))^2 (Anderson 1962), walked
 * over the distinct values with their multiplicities. Without ties it equals scipy's rank form
 * U/(nm(n+m)) - (4nm-1)/(6(n+m)) (the goldens hold it to 1e-9) and the p is scipy's: exact for
 * sizes <= 20, else the limiting distribution. With ties scipy's rank form (midranks against
 * 1..n) is not a CvM statistic at all -- a random 60/40 split of a 0/1 column gives T = 27,
 * p = 1e-8 -- so vigil uses the ECDF form; when one value holds >= 5% of the pooled sample its
 * p comes from the permutation null above (the continuous null is invalid there); lighter ties
 * keep the continuous p, which the simulation in tests/test_drift.c holds to its level. */
static void cvm_finish(double ss, double ux, double uy, int ties, size_t nx, size_t ny, const tie_perm *tp,
                       double *stat, double *pval);

void vigil_drift_cvm_sorted(const double *x, size_t nx, const double *y, size_t ny, double *stat,
                      double *pval)
{
    size_t i = 0, j = 0;
    double ss = 0, ux = 0, uy = 0;
    int ties = 0;
    while (i < nx || j < ny) {
        double v = (j == ny || (i < nx && x[i] <= y[j])) ? x[i] : y[j];
        size_t i0 = i, j0 = j;
        while (i < nx && x[i] == v) i++;
        while (j < ny && y[j] == v) j++;
        double d = (double)i / nx - (double)j / ny;
        size_t c = i - i0 + j - j0;
        ss += (double)c * d * d;
        if (c > 1) ties = 1;
        /* rank form (only used without ties: then the rank is the integer i0 + j0 + 1) */
        double r = (double)(i0 + j0 + 1), e = i > i0 ? r - (double)i : r - (double)j;
        if (i > i0) ux += e * e; else uy += e * e;
    }
    tie_perm tp = {0};
    if (ties) tp.use = tie_table(x, nx, y, ny, &tp.t, &tp.a, &tp.k);
    cvm_finish(ss, ux, uy, ties, nx, ny, &tp, stat, pval);
    free(tp.t), free(tp.a);
}

/* T and its p from the walk's sums: ss of t_v (F - G)^2, ux and uy of the rank form's squares
 * (without ties); tp: the permutation p, when the walk found the sample heavily tied. */
static void cvm_finish(double ss, double ux, double uy, int ties, size_t nx, size_t ny, const tie_perm *tp,
                       double *stat, double *pval)
{
    size_t N = nx + ny;
    double kk = (double)nx * ny, Nd = (double)N;
    double tt = kk / (Nd * Nd) * ss;
    *stat = tt;
    if (tp->use) {
        *pval = tp->t ? perm_p(tp->t, tp->a, tp->k, nx, ny, cvm_counts) : NAN;
        return;
    }
    if (nx <= 20 && ny <= 20) {
        /* the exact null is tabulated for U = k N (T + (4k - 1) / (6N)); without ties U is the
         * integer nx sum (r_i - i)^2 + ny sum (s_j - j)^2, taken exactly */
        double u = ties ? kk * Nd * (tt + (4 * kk - 1) / (6 * Nd)) : (double)nx * ux + (double)ny * uy;
        *pval = cvm_exact_p(u, nx, ny);
        return;
    }
    double et = (1 + 1 / Nd) / 6;
    double vt = (Nd + 1) * (4 * kk * Nd - 3 * ((double)nx * nx + (double)ny * ny) - 2 * kk);
    vt = vt / (45 * Nd * Nd * 4 * kk);
    double tn = 1.0 / 6 + (tt - et) / sqrt(45 * vt);
    *pval = tn < 0.003 ? 1.0 : fmax(0, 1 - cdf_cvm_inf(tn));
}

/* ---------------------------------------------------------------- distances */

double vigil_drift_wasserstein_sorted(const double *x, size_t n1, const double *y, size_t n2)
{
    /* integral of |F1 - F2| over the pooled support (scipy wasserstein_distance) */
    size_t i = 0, j = 0;
    double w = 0, prev = 0;
    int first = 1;
    while (i < n1 || j < n2) {
        double v = (j == n2 || (i < n1 && x[i] <= y[j])) ? x[i] : y[j];
        if (!first) w += fabs((double)i / n1 - (double)j / n2) * (v - prev);
        first = 0;
        while (i < n1 && x[i] <= v) i++;
        while (j < n2 && y[j] <= v) j++;
        prev = v;
    }
    return w;
}

/* ---------------------------------------------------------------- one walk */

/* KS, Anderson-Darling, Cramer-von Mises and Wasserstein in one walk over the distinct values:
 * each statistic's sums take the same terms in the same order as its own walk above, and the
 * same tails finish them, so the numbers are those functions' to the bit (tests/test_drift.c
 * holds them to it); the tie table, when a p needs it, is built once for both. */
void vigil_drift_two_sample_sorted(const double *x, size_t n1, const double *y, size_t n2,
                                   vigil_drift_two_sample *out)
{
    size_t N = n1 + n2, i = 0, j = 0, nuniq = 0, top = 0;
    const size_t ns[2] = {n1, n2};
    double ks = 0, A = 0, ss = 0, ux = 0, uy = 0, w = 0, prev = 0, dprev = 0;
    int ties = 0;
    while (i < n1 || j < n2) {
        double v = (j == n2 || (i < n1 && x[i] <= y[j])) ? x[i] : y[j];
        size_t i0 = i, j0 = j;
        while (i < n1 && x[i] == v) i++;
        while (j < n2 && y[j] == v) j++;
        /* Wasserstein: |F1 - F2| left of v (the previous value's ECDFs) times the step */
        if (nuniq) w += dprev * (v - prev);
        prev = v;
        nuniq++;
        size_t c = i - i0 + j - j0;
        if (c > top) top = c;
        if (c > 1) ties = 1;
        double d = (double)i / n1 - (double)j / n2, ad = fabs(d);
        if (ad > ks) ks = ad;
        dprev = ad;
        /* Anderson-Darling, midrank form */
        ad_midrank_add(&A, i0, j0, i, j, N, ns);
        /* Cramer-von Mises, the ECDF form and the rank form */
        ss += (double)c * d * d;
        double r = (double)(i0 + j0 + 1), e = i > i0 ? r - (double)i : r - (double)j;
        if (i > i0) ux += e * e; else uy += e * e;
    }
    tie_perm tp = {0};
    if (ties) tp.use = tie_table_from(x, n1, y, n2, nuniq, top, &tp.t, &tp.a);
    tp.k = nuniq;
    out->ks = ks;
    if (nuniq < 2 || N < 4) out->ad_stat = out->ad_p = NAN;
    else ad_finish(A, n1, n2, &tp, &out->ad_stat, &out->ad_p);
    cvm_finish(ss, ux, uy, ties, n1, n2, &tp, &out->cvm_stat, &out->cvm_p);
    out->wasserstein = w;
    free(tp.t), free(tp.a);
}

double vigil_drift_psi_counts(const double *a, const double *b, size_t k)
{
    double sa = 0, sb = 0, psi = 0;
    for (size_t i = 0; i < k; i++) { sa += a[i]; sb += b[i]; }
    for (size_t i = 0; i < k; i++) {
        double p = fmax(a[i] / sa, 1e-4), q = fmax(b[i] / sb, 1e-4);
        psi += (q - p) * log(q / p);
    }
    return psi;
}

double vigil_drift_js_counts(const double *a, const double *b, size_t k)
{
    double sa = 0, sb = 0, js = 0;
    for (size_t i = 0; i < k; i++) { sa += a[i]; sb += b[i]; }
    for (size_t i = 0; i < k; i++) {
        double p = a[i] / sa, q = b[i] / sb, m = (p + q) / 2;
        if (p > 0) js += p * log(p / m);
        if (q > 0) js += q * log(q / m);
    }
    return sqrt(fmax(js / 2, 0));
}

int vigil_drift_chi2_counts(const double *a, const double *b, size_t k, double *stat,
                            double *df, double *p)
{
    double sa = 0, sb = 0, x2 = 0;
    size_t used = 0;
    for (size_t i = 0; i < k; i++) { sa += a[i]; sb += b[i]; }
    if (sa <= 0 || sb <= 0) return vigil_error_set(VIGIL_EINVAL, "chi-square: an empty row");
    double N = sa + sb;
    for (size_t i = 0; i < k; i++) {
        double c = a[i] + b[i];
        if (c <= 0) continue;
        used++;
        double ea = sa * c / N, eb = sb * c / N;
        x2 += (a[i] - ea) * (a[i] - ea) / ea + (b[i] - eb) * (b[i] - eb) / eb;
    }
    *df = used > 1 ? (double)(used - 1) : 0;
    if (used <= 1) { *stat = 0; *p = 1; return VIGIL_OK; }
    *stat = x2;
    *p = gsl_sf_gamma_inc_Q(*df / 2, x2 / 2);
    return VIGIL_OK;
}

void vigil_drift_two_proportion(size_t x1, size_t n1, size_t x2, size_t n2, double *diff,
                                double *p)
{
    if (!n1 || !n2) { *diff = NAN; *p = NAN; return; }
    double p1 = (double)x1 / n1, p2 = (double)x2 / n2, pp = (double)(x1 + x2) / (n1 + n2);
    *diff = p2 - p1;
    double se = sqrt(pp * (1 - pp) * (1.0 / n1 + 1.0 / n2));
    if (se == 0) { *p = 1; return; }
    *p = erfc(fabs(p2 - p1) / se / M_SQRT2);
}

typedef struct { double p; size_t i; } pidx;
static int cmp_pidx(const void *a, const void *b)
{
    const pidx *x = a, *y = b;
    if (x->p != y->p) return x->p < y->p ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

void vigil_drift_correct(const double *p, size_t n, int method, double *adj)
{
    if (method == VIGIL_CORRECT_NONE || n == 0) {
        for (size_t i = 0; i < n; i++) adj[i] = p[i];
        return;
    }
    pidx *s = malloc(n * sizeof *s);
    if (!s) { for (size_t i = 0; i < n; i++) adj[i] = NAN; return; }
    for (size_t i = 0; i < n; i++) s[i] = (pidx){isnan(p[i]) ? 1.0 : p[i], i};
    qsort(s, n, sizeof *s, cmp_pidx);
    if (method == VIGIL_CORRECT_HOLM) {
        double run = 0;
        for (size_t r = 0; r < n; r++) {
            double v = fmin(1, (double)(n - r) * s[r].p);
            if (v > run) run = v;
            adj[s[r].i] = run;
        }
    } else {
        double run = 1;
        for (size_t r = n; r-- > 0;) {
            double v = fmin(1, (double)n / (double)(r + 1) * s[r].p);
            if (v < run) run = v;
            adj[s[r].i] = run;
        }
    }
    for (size_t i = 0; i < n; i++) if (isnan(p[i])) adj[i] = NAN;
    free(s);
}

/* ---------------------------------------------------------------- public wrappers */

static int sorted_copies(const double *x, size_t n1, const double *y, size_t n2, double **a,
                         double **b)
{
    *a = malloc((n1 ? n1 : 1) * sizeof **a);
    *b = malloc((n2 ? n2 : 1) * sizeof **b);
    if (!*a || !*b) {
        free(*a); free(*b);
        return vigil_error_set(VIGIL_ENOMEM, "drift: out of memory");
    }
    memcpy(*a, x, n1 * sizeof *x);
    memcpy(*b, y, n2 * sizeof *y);
    vigil_drift_sort(*a, n1);
    vigil_drift_sort(*b, n2);
    return VIGIL_OK;
}

int vigil_drift_ks(const double *x, size_t n1, const double *y, size_t n2, double *stat,
                   double *p)
{
    double *a, *b;
    if (!n1 || !n2) return vigil_error_set(VIGIL_EINVAL, "ks: empty sample");
    int rc = sorted_copies(x, n1, y, n2, &a, &b);
    if (rc) return rc;
    *stat = vigil_drift_ks_stat_sorted(a, n1, b, n2);
    *p = vigil_drift_ks_pvalue(*stat, n1, n2);
    free(a); free(b);
    return VIGIL_OK;
}

int vigil_drift_anderson(const double *x, size_t n1, const double *y, size_t n2, double *stat,
                         double *p)
{
    double *a, *b;
    if (!n1 || !n2) return vigil_error_set(VIGIL_EINVAL, "anderson_darling: empty sample");
    int rc = sorted_copies(x, n1, y, n2, &a, &b);
    if (rc) return rc;
    vigil_drift_anderson_sorted(a, n1, b, n2, stat, p);
    free(a); free(b);
    return VIGIL_OK;
}

int vigil_drift_cvm(const double *x, size_t n1, const double *y, size_t n2, double *stat,
                    double *p)
{
    double *a, *b;
    if (n1 < 2 || n2 < 2) return vigil_error_set(VIGIL_EINVAL, "cvm: fewer than 2 values");
    int rc = sorted_copies(x, n1, y, n2, &a, &b);
    if (rc) return rc;
    vigil_drift_cvm_sorted(a, n1, b, n2, stat, p);
    free(a); free(b);
    return VIGIL_OK;
}

double vigil_drift_wasserstein(const double *x, size_t n1, const double *y, size_t n2)
{
    double *a, *b;
    if (!n1 || !n2 || sorted_copies(x, n1, y, n2, &a, &b)) return NAN;
    double w = vigil_drift_wasserstein_sorted(a, n1, b, n2);
    free(a); free(b);
    return w;
}
