/* Outcome monitoring: the risk-adjusted CUSUM of Steiner, Cook, Farewell and Treasure (2000,
 * Biostatistics 1:441), as surgical-outcome monitoring uses it, on the current window's cases
 * in time order, with the observed-minus-expected (VLAD) total beside it. */
#include "monitor/monitor_engine.h"
#include "core/util.h"
#include "vigil/drift.h"
#include "vigil/error.h"
#include "vigil/fairness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t vigil_mon_cusum_run(const double *y, const double *p, size_t n, double odds_ratio, double limit,
                     double *s, long *first, double *max)
{
    double end;
    return vigil_mon_cusum_run_from(y, p, n, odds_ratio, limit, 0, s, first, max, &end);
}

size_t vigil_mon_cusum_run_from(const double *y, const double *p, size_t n, double odds_ratio, double limit,
                                double s0, double *s, long *first, double *max, double *end)
{
    double S = s0, lr = log(odds_ratio), hi = s0;
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
    *end = S;
    return signals;
}

int vigil_mon_cusum_night(const double *y, const double *p, size_t n, const mon_cusum_spec *sp,
                          const double start[2], mon_cusum_night *out)
{
    int side_on[2] = {sp->direction != MON_CUSUM_BETTER, sp->direction != MON_CUSUM_WORSE};
    double R[2] = {sp->odds_ratio, sp->direction == MON_CUSUM_BETTER ? sp->odds_ratio : 1 / sp->odds_ratio};
    double prob = sp->direction == MON_CUSUM_BOTH ? sp->prob / 2 : sp->prob;
    double *sim = NULL;
    const double *simp = p;
    size_t simn = n;
    int rc = VIGIL_OK;
    /* Carried from night to night, tonight starts where the last night ended, so the limit is
     * simulated on a path of the night's risks taken twice: the first pass stands in for the
     * nights before (the statistic's in-control state at the start of the night), so
     * P(a signal in a night) stays at or under prob (tests/test_monitor.c, chained nights). */
    if (sp->across && isnan(sp->limit) && n > 0) {
        if (!(sim = malloc(2 * n * sizeof *sim))) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
        memcpy(sim, p, n * sizeof *sim);
        memcpy(sim + n, p, n * sizeof *sim);
        simp = sim, simn = 2 * n;
    }
    for (int k = 0; k < 2; k++) {
        out->limit[k] = out->max[k] = out->end[k] = NAN;
        out->signals[k] = 0;
        out->first[k] = -1;
        out->odds_ratio[k] = side_on[k] ? R[k] : NAN;
        if (!side_on[k]) continue;
        double limit = sp->limit;
        if (isnan(limit) && n > 0 &&
            (rc = vigil_cusum_limit_simulated(simp, simn, R[k], prob, sp->replicates, sp->seed + (uint64_t)k,
                                              sp->threads, &limit)) != 0)
            break;
        double s0 = start && isfinite(start[k]) ? start[k] : 0;
        out->limit[k] = limit;
        out->signals[k] = vigil_mon_cusum_run_from(y, p, n, R[k], isnan(limit) ? INFINITY : limit, s0, NULL,
                                                   &out->first[k], &out->max[k], &out->end[k]);
    }
    free(sim);
    return rc;
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

/* The sort key of each row: the time column as a number or a day; NaN when absent.
 * *is_date: the column holds dates. */
static int time_keys(const vigil_monitor *m, const vigil_table *t, keyed *k, int *is_date)
{
    size_t n = vigil_table_nrows(t);
    int c = m->data.time ? vigil_table_find(t, m->data.time) : -1;
    for (size_t i = 0; i < n; i++) k[i] = (keyed){0, i};
    *is_date = 0;
    if (c < 0) return VIGIL_OK;
    const double *x = vigil_table_numeric(t, (size_t)c);
    const int32_t *codes = vigil_table_codes(t, (size_t)c);
    *is_date = !x;
    for (size_t i = 0; i < n; i++)
    {
        long day = x || codes[i] < 0 ? VIGIL_DAY_INVALID : vigil_parse_day(vigil_table_level(t, (size_t)c, (size_t)codes[i]));
        k[i].t = x ? x[i] : day == VIGIL_DAY_INVALID ? NAN : (double)day;
    }
    return VIGIL_OK;
}

/* The night before, for $.cusum.across_nights: of this monitor's completed runs that carried
 * the CUSUM, the one whose last case (state_through) is the latest before tonight's last case
 * `last` (by the data window, not the store id; a re-run of a night it is the same night
 * and is passed over; the later stored among equals). Failed nights stored nothing and are
 * skipped. */
typedef struct {
    int found, changed;  /* a previous night; its monitor file differs from this one */
    int64_t run;
    double start[2], through;
} prev_night;

static int previous_night(vigil_store *s, const vigil_monitor *m, double last, prev_night *out)
{
    vigil_run_info *runs = NULL;
    size_t n = 0;
    memset(out, 0, sizeof *out);
    int rc = vigil_store_list_runs(s, "monitor", m->name, &runs, &n);
    if (rc) return rc;
    size_t best = n;
    for (size_t i = 0; i < n; i++) {
        double th, lo, hi;
        if (!runs[i].status || strcmp(runs[i].status, "completed") != 0) continue;
        if (vigil_store_get_metric(s, runs[i].id, "cusum", "state_through", &th, &lo, &hi) != 0 || !(th < last))
            continue;
        if (best == n || th >= out->through) best = i, out->through = th;
    }
    vigil_error_clear();
    if (best < n) {
        double lo, hi;
        char sha[65];
        out->found = 1;
        out->run = runs[best].id;
        for (int k = 0; k < 2; k++)
            if (vigil_store_get_metric(s, out->run, "cusum", k ? "state_lower" : "state_upper", &out->start[k], &lo,
                                       &hi) != 0)
                out->start[k] = NAN;
        vigil_error_clear();
        vigil_sha256_hex(m->text, strlen(m->text), sha);
        out->changed = !runs[best].config_sha256 || strcmp(runs[best].config_sha256, sha) != 0;
    }
    vigil_run_info_free(runs, n);
    return VIGIL_OK;
}

static void format_key(double t, int is_date, char out[32])
{
    if (is_date) vigil_format_day((long)t, out);
    else snprintf(out, 32, "%.17g", t);
}

/* One side's numbers in the document. */
static void side_json(cJSON *o, const mon_cusum_night *r, int k)
{
    cJSON_AddNumberToObject(o, "odds_ratio", r->odds_ratio[k]);
    vigil_json_add_number(o, "limit", r->limit[k]);
}

static void side_result(cJSON *o, const mon_cusum_night *r, int k)
{
    vigil_json_add_number(o, "max", r->max[k]);
    cJSON_AddNumberToObject(o, "signals", (double)r->signals[k]);
    if (r->first[k] >= 0) cJSON_AddNumberToObject(o, "first_signal_case", (double)r->first[k] + 1);
    else cJSON_AddNullToObject(o, "first_signal_case");
}

int vigil_mon_cusum(const vigil_monitor *m, const mon_data *d, int threads, vigil_store *history, cJSON *doc,
                    int *alarm)
{
    const vigil_table *t = d->cur;
    size_t n = vigil_table_nrows(t), used = 0, skipped = 0, before = 0;
    int c = vigil_table_require(t, m->data.label, "label column");
    if (c < 0) return c;
    const double *y = vigil_table_numeric(t, (size_t)c);
    if (!y)
        return vigil_error_set(VIGIL_EINVAL, "%s: label column '%s' is not numeric (0/1)",
                               vigil_table_source(t), m->data.label);
    keyed *k = malloc((n ? n : 1) * sizeof *k);
    double *yy = malloc((n ? n : 1) * sizeof *yy), *pp = malloc((n ? n : 1) * sizeof *pp);
    int rc = VIGIL_OK, is_date;
    if (!k || !yy || !pp) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    time_keys(m, t, k, &is_date);
    qsort(k, n, sizeof *k, by_time);
    /* tonight's last case in time order; across nights, the night before is found by it */
    double last = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (!isnan(y[k[i].row]) && !isnan(d->score_cur[k[i].row]) && k[i].t > last) last = k[i].t;
    prev_night prev = {0};
    if (m->cusum_across && history && (rc = previous_night(history, m, last, &prev)) != 0) goto done;
    int carried = prev.found && !prev.changed;
    double obs = 0, exp_ = 0, through = NAN;
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
        /* carried: a case the night before already counted (overlapping windows) is not
         * counted twice */
        if (carried && !(k[i].t > prev.through)) {
            before++;
            continue;
        }
        yy[used] = yi;
        pp[used++] = pi;
        obs += yi;
        exp_ += pi;
        through = k[i].t;
    }
    mon_cusum_spec sp = {m->cusum_odds_ratio, m->cusum_direction, m->cusum_limit, m->cusum_prob,
                         m->cusum_replicates, m->cusum_seed, threads, m->cusum_across};
    mon_cusum_night res;
    if ((rc = vigil_mon_cusum_night(yy, pp, used, &sp, carried ? prev.start : NULL, &res)) != 0) {
        vigil_error_wrap("%s: $.cusum", m->file);
        goto done;
    }
    int simulated = isnan(m->cusum_limit);
    int main_side = m->cusum_direction == MON_CUSUM_BETTER;
    int signal = res.signals[0] > 0 || res.signals[1] > 0;
    static const char *const dirs[] = {"", "worse", "better", "both"};
    cJSON *o = cJSON_AddObjectToObject(doc, "cusum");
    if (!o) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    cJSON_AddStringToObject(o, "method", "risk-adjusted CUSUM (Steiner et al. 2000)");
    cJSON_AddStringToObject(o, "direction", dirs[m->cusum_direction]);
    side_json(o, &res, main_side);
    cJSON *lc = cJSON_AddObjectToObject(o, "limit_choice");
    cJSON_AddStringToObject(lc, "method", simulated ? "simulated" : "fixed");
    if (simulated) {
        cJSON_AddNumberToObject(lc, "false_signal_probability", m->cusum_prob);
        if (m->cusum_direction == MON_CUSUM_BOTH)
            cJSON_AddNumberToObject(lc, "per_side", m->cusum_prob / 2);
        cJSON_AddNumberToObject(lc, "replicates", (double)m->cusum_replicates);
        cJSON_AddNumberToObject(lc, "seed", (double)m->cusum_seed);
        if (m->cusum_across) cJSON_AddStringToObject(lc, "path", "the night's risks taken twice (carried state)");
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
    side_result(o, &res, main_side);
    if (m->cusum_direction == MON_CUSUM_BOTH) {
        cJSON *lo = cJSON_AddObjectToObject(o, "lower");
        cJSON_AddStringToObject(lo, "detects", "better outcomes (fewer events than predicted)");
        side_json(lo, &res, 1);
        side_result(lo, &res, 1);
        cJSON_AddBoolToObject(lo, "signal", res.signals[1] > 0);
    }
    if (m->cusum_across) {
        char key[32];
        cJSON *a = cJSON_AddObjectToObject(o, "across_nights");
        cJSON_AddBoolToObject(a, "carried", carried);
        if (prev.found) cJSON_AddNumberToObject(a, "previous_run", (double)prev.run);
        else cJSON_AddNullToObject(a, "previous_run");
        if (carried) {
            format_key(prev.through, is_date, key);
            cJSON_AddStringToObject(a, "previous_through", key);
            cJSON *st = cJSON_AddObjectToObject(a, "start");
            for (int s2 = 0; s2 < 2; s2++)
                if (!isnan(res.odds_ratio[s2]))
                    vigil_json_add_number(st, s2 ? "lower" : "upper", isfinite(prev.start[s2]) ? prev.start[s2] : 0);
            cJSON_AddNumberToObject(a, "counted_before", (double)before);
        } else {
            vigil_sbuf why = {0};
            if (!history) vigil_sbuf_printf(&why, "no run store: the CUSUM starts at 0");
            else if (!prev.found)
                vigil_sbuf_printf(&why, "no earlier completed night of this monitor: the CUSUM starts at 0");
            else
                vigil_sbuf_printf(&why, "the monitor file changed since run %lld: the CUSUM starts again at 0",
                                  (long long)prev.run);
            if (why.s) cJSON_AddStringToObject(a, "reset", why.s);
            vigil_sbuf_free(&why);
        }
        cJSON *st = cJSON_AddObjectToObject(a, "state");
        for (int s2 = 0; s2 < 2; s2++)
            if (!isnan(res.odds_ratio[s2])) vigil_json_add_number(st, s2 ? "lower" : "upper", res.end[s2]);
        double th = used ? through : carried ? prev.through : NAN;
        if (isfinite(th)) {
            format_key(th, is_date, key);
            cJSON_AddStringToObject(st, "through", key);
        } else {
            cJSON_AddNullToObject(st, "through");
        }
        cJSON_AddNumberToObject(st, "through_key", isfinite(th) ? th : 0);
        if (!isfinite(th)) cJSON_ReplaceItemInObjectCaseSensitive(st, "through_key", cJSON_CreateNull());
    }
    cJSON_AddBoolToObject(o, "signal", signal);
    cJSON_AddBoolToObject(o, "raises_alarm", m->cusum_alarm);
    if (signal && m->cusum_alarm) *alarm = 1;
done:
    free(k);
    free(yy);
    free(pp);
    return rc;
}
