/* Outcome monitoring: the risk-adjusted CUSUM of Steiner, Cook, Farewell and Treasure (2000,
 * Biostatistics 1:441), as surgical-outcome monitoring uses it, on the current window's cases
 * in time order, with the observed-minus-expected (VLAD) total beside it. */
#include "monitor/monitor_engine.h"
#include "vigil/drift.h"
#include "vigil/error.h"
#include "vigil/fairness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

size_t vigil_mon_cusum_run(const double *y, const double *p, size_t n, double odds_ratio, double limit,
                     double *s, long *first, double *max)
{
    double S = 0, lr = log(odds_ratio), hi = 0;
    size_t signals = 0;
    *first = -1;
    for (size_t i = 0; i < n; i++) {
        /* log-likelihood ratio of outcome y under odds x R against the model's risk p */
        double w = y[i] * lr - log(1 - p[i] + odds_ratio * p[i]);
        S = fmax(0, S + w);
        if (S > hi) hi = S;
        if (s) s[i] = S;
        if (S >= limit) {
            if (*first < 0) *first = (long)i;
            signals++;
            S = 0;
        }
    }
    *max = hi;
    return signals;
}

typedef struct {
    double t;
    size_t row;
} keyed;

static int by_time(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row; /* stable: file order within a time */
}

/* The sort key of each row: the time column as a number or a day; NaN when absent. */
static int time_keys(const vigil_monitor *m, const vigil_table *t, keyed *k)
{
    size_t n = vigil_table_nrows(t);
    int c = m->data.time ? vigil_table_find(t, m->data.time) : -1;
    for (size_t i = 0; i < n; i++) k[i] = (keyed){0, i};
    if (c < 0) return VIGIL_OK;
    const double *x = vigil_table_numeric(t, (size_t)c);
    const int32_t *codes = vigil_table_codes(t, (size_t)c);
    for (size_t i = 0; i < n; i++)
    {
        long day = x || codes[i] < 0 ? VIGIL_DAY_INVALID : vigil_parse_day(vigil_table_level(t, (size_t)c, (size_t)codes[i]));
        k[i].t = x ? x[i] : day == VIGIL_DAY_INVALID ? NAN : (double)day;
    }
    return VIGIL_OK;
}

int vigil_mon_cusum(const vigil_monitor *m, const mon_data *d, int threads, cJSON *doc, int *alarm)
{
    const vigil_table *t = d->cur;
    size_t n = vigil_table_nrows(t), used = 0, skipped = 0;
    int c = vigil_table_require(t, m->data.label, "label column");
    if (c < 0) return c;
    const double *y = vigil_table_numeric(t, (size_t)c);
    if (!y)
        return vigil_error_set(VIGIL_EINVAL, "%s: label column '%s' is not numeric (0/1)",
                               vigil_table_source(t), m->data.label);
    keyed *k = malloc((n ? n : 1) * sizeof *k);
    double *yy = malloc((n ? n : 1) * sizeof *yy), *pp = malloc((n ? n : 1) * sizeof *pp);
    int rc = VIGIL_OK;
    if (!k || !yy || !pp) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    time_keys(m, t, k);
    qsort(k, n, sizeof *k, by_time);
    double obs = 0, exp_ = 0;
    for (size_t i = 0; i < n; i++) {
        size_t r = k[i].row;
        double yi = y[r], pi = d->score_cur[r];
        if (isnan(yi) || isnan(pi)) {
            skipped++;
            continue;
        }
        if (yi != 0 && yi != 1) {
            rc = vigil_error_set(VIGIL_EINVAL, "%s:%zu: label column '%s': %g is not 0 or 1",
                                 vigil_table_source(t), vigil_table_row_line(t, r), m->data.label, yi);
            goto done;
        }
        if (!(pi >= 0 && pi <= 1)) {
            rc = vigil_error_set(VIGIL_EINVAL, "%s:%zu: score %g is not a probability in [0, 1] "
                                 "(the CUSUM needs risks; set \"cusum\": false)",
                                 vigil_table_source(t), vigil_table_row_line(t, r), pi);
            goto done;
        }
        yy[used] = yi;
        pp[used++] = pi;
        obs += yi;
        exp_ += pi;
    }
    long first;
    double max, limit = m->cusum_limit;
    int simulated = isnan(limit);
    /* the limit for this window: its own risks, in its order, under control */
    if (simulated && (rc = vigil_cusum_limit_simulated(pp, used, m->cusum_odds_ratio, m->cusum_prob,
                                                       m->cusum_replicates, m->cusum_seed, threads,
                                                       &limit)) != 0) {
        vigil_error_wrap("%s: $.cusum", m->file);
        goto done;
    }
    size_t signals = vigil_mon_cusum_run(yy, pp, used, m->cusum_odds_ratio, limit, NULL, &first, &max);
    int signal = signals > 0;
    cJSON *o = cJSON_AddObjectToObject(doc, "cusum");
    cJSON_AddStringToObject(o, "method", "risk-adjusted CUSUM (Steiner et al. 2000)");
    cJSON_AddNumberToObject(o, "odds_ratio", m->cusum_odds_ratio);
    cJSON_AddNumberToObject(o, "limit", limit);
    cJSON *lc = cJSON_AddObjectToObject(o, "limit_choice");
    cJSON_AddStringToObject(lc, "method", simulated ? "simulated" : "fixed");
    if (simulated) {
        cJSON_AddNumberToObject(lc, "false_signal_probability", m->cusum_prob);
        cJSON_AddNumberToObject(lc, "replicates", (double)m->cusum_replicates);
        cJSON_AddNumberToObject(lc, "seed", (double)m->cusum_seed);
    }
    cJSON_AddNumberToObject(o, "n", (double)used);
    cJSON_AddNumberToObject(o, "skipped_missing", (double)skipped);
    /* the cell-size policy, as label drift: the observed events (and O - E beside the
     * expected) are a count of the window's positives, withheld when it or the negatives'
     * number 1 to min_cell - 1; the statistic and its verdict give no count away */
    int shown = vigil_fairness_count_ok(obs, m->min_cell) && vigil_fairness_count_ok((double)used - obs, m->min_cell);
    vigil_json_add_number(o, "observed", shown ? obs : NAN);
    vigil_json_add_number(o, "expected", exp_);
    vigil_json_add_number(o, "observed_minus_expected", shown ? obs - exp_ : NAN);
    if (!shown)
        cJSON_AddStringToObject(o, "withheld", "observed and observed_minus_expected (cell-size policy): the "
                                               "events or non-events number under min_cell");
    vigil_json_add_number(o, "max", max);
    cJSON_AddNumberToObject(o, "signals", (double)signals);
    if (first >= 0) cJSON_AddNumberToObject(o, "first_signal_case", (double)first + 1);
    else cJSON_AddNullToObject(o, "first_signal_case");
    cJSON_AddBoolToObject(o, "signal", signal);
    cJSON_AddBoolToObject(o, "raises_alarm", m->cusum_alarm);
    if (signal && m->cusum_alarm) *alarm = 1;
done:
    free(k);
    free(yy);
    free(pp);
    return rc;
}
