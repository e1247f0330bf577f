/* The human in the loop (vigil/human.h): agreement and override of the model's flags, the
 * team's and the model's accuracy, alert burden, decision time and the assisted/unassisted
 * arms. Counts in one pass; every interval from the count. */
#include "vigil/human.h"
#include "vigil/error.h"
#include "vigil/metrics.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>

vigil_proportion vigil_human_proportion(double k, double n, double level)
{
    vigil_proportion p = {NAN, NAN, NAN, k, n};
    if (n > 0) {
        p.value = k / n;
        vigil_metrics_wilson(k, n, level, &p.ci_low, &p.ci_high);
    }
    return p;
}

vigil_interval vigil_human_difference(vigil_proportion a, vigil_proportion b, double level)
{
    (void)level; /* the Wilson bounds of a and b carry it */
    vigil_interval d = {NAN, NAN, NAN};
    if (!(a.n > 0 && b.n > 0)) return d;
    d.value = a.value - b.value;
    d.ci_low = d.value - sqrt((a.value - a.ci_low) * (a.value - a.ci_low) + (b.ci_high - b.value) * (b.ci_high - b.value));
    d.ci_high = d.value + sqrt((a.ci_high - a.value) * (a.ci_high - a.value) + (b.value - b.ci_low) * (b.value - b.ci_low));
    return d;
}

vigil_interval vigil_human_paired_difference(double a, double b, double c, double d, double level)
{
    vigil_interval r = {NAN, NAN, NAN};
    double n = a + b + c + d;
    if (!(n > 0)) return r;
    vigil_proportion p1 = vigil_human_proportion(a + b, n, level), p2 = vigil_human_proportion(a + c, n, level);
    /* phi, the correlation of the two marginals, with Newcombe's continuity correction: ad - bc
     * between 0 and n/2 counts as 0, above it is reduced by n/2; 0 when a margin is empty */
    double psi = 0, ad_bc = a * d - b * c, prod = (a + b) * (c + d) * (a + c) * (b + d);
    if (prod > 0) psi = ad_bc > n / 2 ? (ad_bc - n / 2) / sqrt(prod) : ad_bc >= 0 ? 0 : ad_bc / sqrt(prod);
    double dl1 = p1.value - p1.ci_low, du1 = p1.ci_high - p1.value;
    double dl2 = p2.value - p2.ci_low, du2 = p2.ci_high - p2.value;
    r.value = p1.value - p2.value;
    r.ci_low = r.value - sqrt(fmax(0, dl1 * dl1 + du2 * du2 - 2 * psi * dl1 * du2));
    r.ci_high = r.value + sqrt(fmax(0, dl2 * dl2 + du1 * du1 - 2 * psi * dl2 * du1));
    return r;
}

static vigil_human_paired paired(double a, double b, double c, double d, double level)
{
    vigil_human_paired p = {a + b + c + d, a, b, c, d, vigil_human_paired_difference(a, b, c, d, level)};
    return p;
}

double vigil_human_mcnemar_exact(double b, double c)
{
    if (!(b + c > 0)) return 1.0;
    double p = 2.0 * gsl_cdf_binomial_P((unsigned)fmin(b, c), 0.5, (unsigned)(b + c));
    return p < 1.0 ? p : 1.0;
}

static int bad_row(const char *what, size_t i, double v, const char *want)
{
    return vigil_error_set(VIGIL_EINVAL, "%s: row %zu: value %g is not %s", what, i + 1, v, want);
}

static int is01(double v) { return v == 0.0 || v == 1.0; }

/* 1/x of an interval of a positive quantity: [1/hi, 1/lo] (inf when lo is 0). */
static vigil_interval reciprocal(double v, double lo, double hi)
{
    vigil_interval r = {NAN, NAN, NAN};
    if (!(v > 0)) return r;
    r.value = 1.0 / v;
    r.ci_low = hi > 0 ? 1.0 / hi : NAN;
    r.ci_high = lo > 0 ? 1.0 / lo : INFINITY;
    return r;
}

int vigil_human_compute(vigil_human *out, const double *score, const double *label, const double *decision,
                        size_t n, const vigil_human_options *opt)
{
    vigil_human_options def = VIGIL_HUMAN_OPTIONS_INIT;
    if (!opt) opt = &def;
    double lv = opt->level > 0 && opt->level < 1 ? opt->level : 0.95, t = opt->threshold;
    vigil_human z = {0};
    *out = z;
    if (!(t >= 0 && t <= 1)) return vigil_error_set(VIGIL_EINVAL, "threshold %g is not in [0, 1]", t);
    for (size_t i = 0; i < n; i++) {
        if (!(score[i] >= 0 && score[i] <= 1)) return bad_row("score", i, score[i], "a probability in [0, 1]");
        if (!is01(label[i])) return bad_row("label", i, label[i], "0 or 1");
        if (!is01(decision[i])) return bad_row("decision", i, decision[i], "0 (not acted on) or 1 (acted on)");
        if (opt->arm && !is01(opt->arm[i])) return bad_row("arm", i, opt->arm[i], "0 (unassisted) or 1 (assisted)");
        if (opt->exposure && !(isfinite(opt->exposure[i]) && opt->exposure[i] >= 0))
            return bad_row("exposure", i, opt->exposure[i], "a finite exposure >= 0");
        if (opt->decision_time && !isnan(opt->decision_time[i]) &&
            !(isfinite(opt->decision_time[i]) && opt->decision_time[i] >= 0))
            return bad_row("decision time", i, opt->decision_time[i], "a time >= 0 (or empty)");
    }

    /* the team counts (assisted cases), and per arm the outcome and the decision's sensitivity */
    double nA = 0, agree = 0, flags = 0, flag_d0 = 0, nonflag_d1 = 0, expo = 0;
    double d1y1 = 0, y1 = 0, d0y0 = 0, y0 = 0, d1 = 0, f1y1 = 0, f0y0 = 0, mb = 0, mc = 0;
    double arm_n[2] = {0, 0}, arm_y1[2] = {0, 0}, arm_d1y1[2] = {0, 0};
    double pc[2][4] = {{0}}; /* [y]: team correct x model correct, (1 - dc) * 2 + (1 - fc) */
    size_t n_times = 0;
    for (size_t i = 0; i < n; i++) {
        int a = opt->arm ? (int)opt->arm[i] : 1, y = (int)label[i], d = (int)decision[i], f = score[i] >= t;
        arm_n[a]++, arm_y1[a] += y, arm_d1y1[a] += d && y;
        if (!a) continue;
        nA++;
        agree += d == f, flags += f, flag_d0 += f && !d, nonflag_d1 += !f && d;
        y1 += y, y0 += !y, d1 += d, d1y1 += d && y, d0y0 += !d && !y;
        f1y1 += f && y, f0y0 += !f && !y;
        int fc = f == y, dc = d == y;
        mb += fc && !dc, mc += !fc && dc;
        pc[y][(!dc) * 2 + !fc]++;
        if (opt->exposure) expo += opt->exposure[i];
        if (opt->decision_time && f && d && isfinite(opt->decision_time[i])) n_times++;
    }
    out->n = (size_t)nA;
    out->agreement = vigil_human_proportion(agree, nA, lv);
    out->override_of_flags = vigil_human_proportion(flag_d0, flags, lv);
    out->override_of_nonflags = vigil_human_proportion(nonflag_d1, nA - flags, lv);
    out->team_sensitivity = vigil_human_proportion(d1y1, y1, lv);
    out->team_specificity = vigil_human_proportion(d0y0, y0, lv);
    out->team_ppv = vigil_human_proportion(d1y1, d1, lv);
    out->model_sensitivity = vigil_human_proportion(f1y1, y1, lv);
    out->model_specificity = vigil_human_proportion(f0y0, y0, lv);
    out->model_ppv = vigil_human_proportion(f1y1, flags, lv);
    out->flag_rate = vigil_human_proportion(flags, nA, lv);
    out->nne = reciprocal(out->model_ppv.value, out->model_ppv.ci_low, out->model_ppv.ci_high);
    out->mcnemar_b = mb, out->mcnemar_c = mc;
    out->mcnemar_p = nA > 0 ? vigil_human_mcnemar_exact(mb, mc) : NAN;
    out->team_vs_model_sensitivity = paired(pc[1][0], pc[1][1], pc[1][2], pc[1][3], lv);
    out->team_vs_model_specificity = paired(pc[0][0], pc[0][1], pc[0][2], pc[0][3], lv);

    vigil_interval none = {NAN, NAN, NAN};
    out->exposure_total = NAN, out->alerts_per_100 = none;
    if (opt->exposure) {
        out->exposure_total = expo;
        if (expo > 0) {
            double alpha = 1 - lv, s = 100.0 / expo;
            out->alerts_per_100.value = flags * s;
            out->alerts_per_100.ci_low = flags > 0 ? gsl_cdf_chisq_Pinv(alpha / 2, 2 * flags) / 2 * s : 0.0;
            out->alerts_per_100.ci_high = gsl_cdf_chisq_Pinv(1 - alpha / 2, 2 * flags + 2) / 2 * s;
        }
    }

    out->decision_time_n = out->decision_time_q1 = out->decision_time_median = out->decision_time_q3 = NAN;
    if (opt->decision_time) {
        out->decision_time_n = (double)n_times;
        if (n_times) {
            double *v = malloc(n_times * sizeof *v);
            if (!v) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
            size_t k = 0;
            for (size_t i = 0; i < n; i++) {
                int a = opt->arm ? (int)opt->arm[i] : 1;
                if (a && score[i] >= t && decision[i] == 1 && isfinite(opt->decision_time[i]))
                    v[k++] = opt->decision_time[i];
            }
            gsl_sort(v, 1, k);
            out->decision_time_q1 = gsl_stats_quantile_from_sorted_data(v, 1, k, 0.25);
            out->decision_time_median = gsl_stats_quantile_from_sorted_data(v, 1, k, 0.5);
            out->decision_time_q3 = gsl_stats_quantile_from_sorted_data(v, 1, k, 0.75);
            free(v);
        }
    }

    out->outcome_difference = out->sensitivity_difference = out->nnt = none;
    if (opt->arm) {
        out->has_arms = 1;
        for (int a = 0; a < 2; a++) {
            out->arm_n[a] = arm_n[a];
            out->arm_outcome_rate[a] = vigil_human_proportion(arm_y1[a], arm_n[a], lv);
            out->arm_sensitivity[a] = vigil_human_proportion(arm_d1y1[a], arm_y1[a], lv);
        }
        out->outcome_difference = vigil_human_difference(out->arm_outcome_rate[1], out->arm_outcome_rate[0], lv);
        out->sensitivity_difference = vigil_human_difference(out->arm_sensitivity[1], out->arm_sensitivity[0], lv);
        vigil_interval d = out->outcome_difference;
        if (d.ci_low > 0 || d.ci_high < 0) {
            double lo = fabs(d.ci_low), hi = fabs(d.ci_high);
            out->nnt.value = 1.0 / fabs(d.value);
            out->nnt.ci_low = 1.0 / fmax(lo, hi);
            out->nnt.ci_high = 1.0 / fmin(lo, hi);
        }
    }
    return VIGIL_OK;
}
