/* Risk-adjusted CUSUM (Steiner, Cook, Farewell & Treasure 2000, Biostatistics 1:441-452). */
#include "vigil/drift.h"
#include "vigil/error.h"

#include <math.h>

int vigil_cusum_risk_adjusted(const double *p, const double *y, size_t n, double odds_ratio_alt,
                              double h, double *path, size_t *first_signal, double *max_stat)
{
    if (!(odds_ratio_alt > 0) || odds_ratio_alt == 1)
        return vigil_error_set(VIGIL_EINVAL, "cusum: odds ratio must be > 0 and != 1, got %g", odds_ratio_alt);
    double s = 0, mx = 0, lr = log(odds_ratio_alt);
    size_t first = n;
    for (size_t t = 0; t < n; t++) {
        if (!(p[t] > 0 && p[t] < 1))
            return vigil_error_set(VIGIL_EINVAL, "cusum: risk %g at case %zu is not in (0, 1)", p[t], t + 1);
        if (y[t] != 0 && y[t] != 1)
            return vigil_error_set(VIGIL_EINVAL, "cusum: outcome %g at case %zu is not 0 or 1", y[t], t + 1);
        double w = y[t] * lr - log(1 - p[t] + odds_ratio_alt * p[t]);
        s = fmax(0, s + w);
        if (path) path[t] = s;
        if (s > mx) mx = s;
        if (s >= h && first == n) first = t;
    }
    if (first_signal) *first_signal = first;
    if (max_stat) *max_stat = mx;
    return VIGIL_OK;
}
