/* Label drift: the pooled two-proportion z-test and Cohen's h. */
#include "monitor/monitor_select.h"

#include <math.h>

void vigil_mon_two_proportion(double x1, double n1, double x2, double n2, double *z, double *p)
{
    double p1 = x1 / n1, p2 = x2 / n2, pp = (x1 + x2) / (n1 + n2);
    double se = sqrt(pp * (1 - pp) * (1 / n1 + 1 / n2));
    if (!(n1 > 0 && n2 > 0) || !(se > 0)) {
        *z = *p = NAN;
        return;
    }
    *z = (p2 - p1) / se;
    *p = erfc(fabs(*z) / sqrt(2.0));
}

double vigil_mon_cohens_h(double p1, double p2)
{
    return 2 * asin(sqrt(p2)) - 2 * asin(sqrt(p1));
}

int vigil_mon_label_verdict(double x0, double n0, double x1, double n1, double alpha, double floor, double *z,
                            double *p, double *h)
{
    *h = vigil_mon_cohens_h(x0 / n0, x1 / n1);
    vigil_mon_two_proportion(x0, n0, x1, n1, z, p);
    return isfinite(*p) && *p < alpha && fabs(*h) >= floor;
}
