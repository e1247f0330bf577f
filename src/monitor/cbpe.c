/* Before outcomes arrive (issue 17): NannyML's confidence-based performance estimation (CBPE)
 * of the current window's AUROC, and of its sensitivity and PPV at $.threshold, from the
 * scores alone, with NannyML's sampling error (monitors/README.md, "Before outcomes arrive").
 *
 * A calibrated score is the probability of the outcome, so the expected confusion counts of a
 * window are sums of scores: TP = sum of p over the flagged cases (p >= threshold), FP = the
 * sum of 1 - p over them, FN = the sum of p over the others; the expected ROC curve takes
 * p and 1 - p as the fractional positive and negative of each case in score order
 * (nannyml 0.13 estimate_roc_auc, estimate_recall, estimate_precision).
 *
 * The sampling error is NannyML's (nannyml/sampling_error/binary_classification.py): the
 * standard deviation of a per-case quantity on the reference window's labels, divided by
 * sqrt(n_current x the reference's share of the cases it is taken over): for AUROC the
 * placement values of the minority class (the fraction of the other class it outranks), for
 * sensitivity the flag over the positives, for PPV the outcome over the flags. The interval
 * is the estimate -/+ z(0.975) x that error, clipped to [0, 1] (NannyML draws -/+ 3).
 *
 * The estimate is only as good as the calibration, and the calibration is only known where
 * labels are: the reference window. NannyML, by default, fits an isotonic calibrator on the
 * reference when a cross-validated ECE says it helps; vigil instead tests the calibration of
 * the reference window (Spiegelhalter's z, the metrics engine's) and refuses the estimate when
 * it is rejected at $.cbpe.calibration_alpha, saying why: a recalibrated score is a different
 * model from the one in use, and the report must not estimate it silently. */
#include "monitor/monitor_engine.h"
#include "core/sort.h"
#include "core/util.h"
#include "vigil/error.h"
#include "vigil/metrics.h"

#include <math.h>
#include <stdlib.h>

#define Z975 1.959963984540054

static const char *const metric_names[MON_CBPE_N] = {"auroc", "sensitivity", "ppv"};

const char *vigil_mon_cbpe_metric_name(size_t i) { return i < MON_CBPE_N ? metric_names[i] : NULL; }

/* The placement values of the minority class (ties with the other class count one half),
 * their population SD and the minority's share (bse.auroc_sampling_error_components, which
 * flips the labels and scores when positives are the majority). */
static int auroc_components(const double *p, const double *y, size_t n, double *sd, double *frac)
{
    uint32_t *ord = malloc((n ? n : 1) * sizeof *ord);
    if (!ord) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    int rc = vigil_sort_order_doubles(p, n, ord);
    if (rc) {
        free(ord);
        return rc;
    }
    double pos = 0;
    for (size_t i = 0; i < n; i++) pos += y[i];
    int minority = pos <= n - pos; /* the class whose placements are taken */
    double n_min = minority ? pos : n - pos, n_maj = n - n_min;
    double below = 0, s = 0, ss = 0; /* majority cases strictly below the current tie group */
    for (size_t i = 0; i < n;) {
        size_t j = i;
        double maj = 0, mins = 0;
        while (j < n && p[ord[j]] == p[ord[i]]) {
            if (y[ord[j]] == minority) mins++;
            else maj++;
            j++;
        }
        /* positives the minority: the share of negatives below; flipped: of positives above */
        double v = ((minority ? below : n_maj - below - maj) + 0.5 * maj) / n_maj;
        s += mins * v, ss += mins * v * v;
        below += maj;
        i = j;
    }
    free(ord);
    double mean = s / n_min;
    *sd = n_min > 0 && n_maj > 0 ? sqrt(fmax(0, ss / n_min - mean * mean)) : NAN;
    *frac = n_min / n;
    return VIGIL_OK;
}

int vigil_mon_cbpe_components(const double *p, const double *y, size_t n, double threshold,
                              mon_cbpe_components *out)
{
    double pos = 0, flags = 0, tp = 0;
    for (size_t i = 0; i < n; i++) {
        int f = p[i] >= threshold;
        pos += y[i], flags += f, tp += f && y[i] == 1;
    }
    double sens = tp / pos, ppv = tp / flags;
    out->sd[1] = pos > 0 ? sqrt(sens * (1 - sens)) : NAN;
    out->frac[1] = pos / n;
    out->sd[2] = flags > 0 ? sqrt(ppv * (1 - ppv)) : NAN;
    out->frac[2] = flags / n;
    return auroc_components(p, y, n, &out->sd[0], &out->frac[0]);
}

int vigil_mon_cbpe_estimate(const double *p, size_t n, double threshold, const mon_cbpe_components *c,
                            mon_cbpe_metric out[MON_CBPE_N])
{
    uint32_t *ord = malloc((n ? n : 1) * sizeof *ord);
    if (!ord) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    int rc = vigil_sort_order_doubles(p, n, ord);
    if (rc) {
        free(ord);
        return rc;
    }
    /* the expected ROC curve from the highest score down; within a tie group every case adds
     * the same (p, 1 - p), so its points lie on one segment and the order inside is immaterial */
    double tp = 0, fp = 0, area = 0, tp_flag = 0, flags = 0;
    for (size_t r = n; r-- > 0;) {
        double q = p[ord[r]];
        area += (1 - q) * (tp + 0.5 * q);
        tp += q, fp += 1 - q;
        if (q >= threshold) tp_flag += q, flags++;
    }
    free(ord);
    out[0].estimate = tp > 0 && fp > 0 ? area / (tp * fp) : NAN;
    out[1].estimate = tp > 0 ? tp_flag / tp : NAN;
    out[2].estimate = flags > 0 ? tp_flag / flags : NAN;
    for (size_t k = 0; k < MON_CBPE_N; k++) {
        mon_cbpe_metric *o = &out[k];
        o->sampling_error = c->sd[k] / sqrt((double)n * c->frac[k]);
        o->ci_low = fmax(0, o->estimate - Z975 * o->sampling_error);
        o->ci_high = fmin(1, o->estimate + Z975 * o->sampling_error);
        if (!isfinite(o->estimate) || !isfinite(o->sampling_error)) o->ci_low = o->ci_high = NAN;
    }
    return VIGIL_OK;
}

int vigil_mon_collect(const vigil_monitor *m, const vigil_table *t, const double *score, int labels,
                      double *p, double *y, size_t *n, double *unscored, double *unlabelled, uint8_t *kept)
{
    const double *lab = NULL;
    if (labels) {
        int c = vigil_table_require(t, m->data.label, "label column");
        if (c < 0) return c;
        if (!(lab = vigil_table_numeric(t, (size_t)c)))
            return vigil_error_set(VIGIL_EINVAL, "%s: label column '%s' is not numeric (0/1)",
                                   vigil_table_source(t), m->data.label);
    }
    *n = 0;
    for (size_t i = 0, nr = vigil_table_nrows(t); i < nr; i++) {
        if (kept) kept[i] = 0;
        if (isnan(score[i])) {
            (*unscored)++;
            continue;
        }
        if (!(score[i] >= 0 && score[i] <= 1))
            return vigil_error_set(VIGIL_EINVAL, "%s:%zu: %s%s%s %g is not a probability in [0, 1]: the "
                                   "label-free estimate ($.cbpe in %s) reads scores as risks",
                                   vigil_table_source(t), vigil_table_row_line(t, i),
                                   m->data.score ? "score column '" : "the model's score",
                                   m->data.score ? m->data.score : "", m->data.score ? "':" : "", score[i], m->file);
        if (lab && isnan(lab[i])) { /* an outcome not yet known */
            if (unlabelled) (*unlabelled)++;
            continue;
        }
        if (lab && lab[i] != 0 && lab[i] != 1)
            return vigil_error_set(VIGIL_EINVAL, "%s:%zu: label column '%s': %g is not 0 or 1",
                                   vigil_table_source(t), vigil_table_row_line(t, i), m->data.label, lab[i]);
        p[*n] = score[i];
        if (y) y[*n] = lab[i];
        if (kept) kept[i] = 1;
        (*n)++;
    }
    return VIGIL_OK;
}

static void metric_json(cJSON *o, const char *key, const mon_cbpe_metric *x, int valid)
{
    cJSON *e = cJSON_AddObjectToObject(o, key);
    vigil_json_add_number(e, "estimate", valid ? x->estimate : NAN);
    vigil_json_add_number(e, "sampling_error", valid ? x->sampling_error : NAN);
    vigil_json_add_number(e, "ci_low", valid ? x->ci_low : NAN);
    vigil_json_add_number(e, "ci_high", valid ? x->ci_high : NAN);
}

int vigil_mon_cbpe(const vigil_monitor *m, const mon_data *d, cJSON *doc)
{
    size_t nr = vigil_table_nrows(d->ref), nc = vigil_table_nrows(d->cur), n_ref = 0, n_cur = 0;
    double *pr = malloc((nr ? nr : 1) * sizeof *pr), *yr = malloc((nr ? nr : 1) * sizeof *yr);
    double *pc = malloc((nc ? nc : 1) * sizeof *pc), unscored_ref = 0, unscored_cur = 0, pos = 0;
    double cz = NAN, cp = NAN; /* the calibration test, where it could be made */
    mon_cbpe_metric est[MON_CBPE_N] = {{0}};
    mon_cbpe_components comp;
    vigil_calibration cal;
    const char *why = NULL;
    char buf[256];
    int rc;
    if (!pr || !yr || !pc) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    if (!d->score_ref || !d->score_cur) {
        rc = vigil_error_set(VIGIL_EINTERNAL, "monitor: cbpe without scores");
        goto done;
    }
    if ((rc = vigil_mon_collect(m, d->ref, d->score_ref, 1, pr, yr, &n_ref, &unscored_ref, NULL, NULL)) != 0 ||
        (rc = vigil_mon_collect(m, d->cur, d->score_cur, 0, pc, NULL, &n_cur, &unscored_cur, NULL, NULL)) != 0)
        goto done;
    for (size_t i = 0; i < n_ref; i++) pos += yr[i];
    if (pos == 0 || pos == (double)n_ref) {
        why = "the reference window's labels hold one class only: no calibration check and no sampling error";
    } else {
        if ((rc = vigil_metrics_calibration(pr, yr, n_ref, &cal)) != 0) goto done;
        cz = cal.spiegelhalter_z, cp = cal.spiegelhalter_p;
        if (!isfinite(cp)) {
            why = "the reference window's calibration cannot be tested (Spiegelhalter's z undefined: every "
                  "score is 0 or 1)";
        } else if (cal.spiegelhalter_p < m->cbpe_alpha) {
            snprintf(buf, sizeof buf, "the model is not calibrated on the reference window (Spiegelhalter z "
                     "%.2f, p %.2g < %g): the estimate would be biased; recalibrate the model or choose "
                     "another reference", cal.spiegelhalter_z, cal.spiegelhalter_p, m->cbpe_alpha);
            why = buf;
        } else if (n_cur == 0) {
            why = "no case of the current window has a score";
        }
    }
    if (!why) {
        if ((rc = vigil_mon_cbpe_components(pr, yr, n_ref, m->threshold, &comp)) != 0 ||
            (rc = vigil_mon_cbpe_estimate(pc, n_cur, m->threshold, &comp, est)) != 0)
            goto done;
    }
    cJSON *o = cJSON_AddObjectToObject(doc, "cbpe");
    if (!o) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    cJSON_AddStringToObject(o, "method", "confidence-based performance estimation (NannyML CBPE), no recalibration");
    cJSON_AddNumberToObject(o, "threshold", m->threshold);
    cJSON_AddNumberToObject(o, "n_ref", (double)n_ref);
    cJSON_AddNumberToObject(o, "n_cur", (double)n_cur);
    cJSON_AddNumberToObject(o, "unscored_cur", unscored_cur);
    cJSON *cc = cJSON_AddObjectToObject(o, "calibration_check");
    cJSON_AddStringToObject(cc, "test", "spiegelhalter_z");
    cJSON_AddStringToObject(cc, "window", "reference");
    vigil_json_add_number(cc, "z", cz);
    vigil_json_add_number(cc, "p", cp);
    cJSON_AddNumberToObject(cc, "alpha", m->cbpe_alpha);
    if (isfinite(cp)) cJSON_AddBoolToObject(cc, "calibrated", cp >= m->cbpe_alpha);
    else cJSON_AddNullToObject(cc, "calibrated");
    cJSON_AddBoolToObject(o, "valid", why == NULL);
    if (why) cJSON_AddStringToObject(o, "not_estimated", why);
    cJSON_AddNumberToObject(o, "level", 0.95);
    cJSON_AddStringToObject(o, "ci", "estimate -/+ 1.96 x NannyML's sampling error (reference SD / "
                                     "sqrt(n_cur x reference share)), clipped to [0, 1]");
    for (size_t k = 0; k < MON_CBPE_N; k++) metric_json(o, metric_names[k], &est[k], why == NULL);
    rc = VIGIL_OK;
done:
    free(pr), free(yr), free(pc);
    return rc;
}
