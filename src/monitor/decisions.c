/* The clinicians' decisions in a monitor (issue 21): how often the model's advice is
 * overridden, reference window against current window, with the alarm machinery of label
 * drift.
 *
 * Per window the cases with a score fall in the four cells flag x decision (the flag is
 * score >= $.threshold, the decision 1 acted on / 0 not). Three rates are made of them --
 * override_of_flags (flags not acted on), override_of_nonflags (non-flags acted on) and
 * agreement -- and each is compared between the windows by the pooled two-proportion z-test
 * (vigil_mon_two_proportion, as for label drift) with Cohen's h as its effect. The three p-values
 * are corrected together with the monitor's correction (Holm or BH), so the decisions add at
 * most alpha to a night's false-alarm rate; a rate drifts when its corrected p is under alpha
 * and |h| reaches $.effect_floors.decision. Intervals: Wilson per window, Newcombe's hybrid
 * score for the difference (include/vigil/human.h, the engine `vigil metrics --decision` uses).
 *
 * The cell-size policy (vigil_fairness_count_ok), as the human block of the metrics report
 * applies it: every rate is a ratio of sums of a window's four cells, so a window shows its
 * numbers only when each cell is 0 or at least min_cell, and withholds them as a whole
 * otherwise; a test that involves a withheld window shows neither its statistic nor its
 * effect (either would give the rate back). Its verdict is still given and still raises the
 * alarm: hiding a real change in overrides because the counts are small would be the worse
 * failure, and the verdict gives no count away. */
#include "monitor/monitor_engine.h"
#include "core/util.h"
#include "vigil/drift.h"
#include "vigil/error.h"
#include "vigil/fairness.h"
#include "vigil/human.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const rate_names[MON_N_DECISION_RATES] = {"override_of_flags", "override_of_nonflags",
                                                             "agreement"};

const char *vigil_mon_decision_rate_name(size_t i) { return i < MON_N_DECISION_RATES ? rate_names[i] : NULL; }

void vigil_mon_decision_tests(const double cell[2][4], double alpha, int correction, double floor,
                              mon_rate_test out[MON_N_DECISION_RATES])
{
    double p[MON_N_DECISION_RATES], adj[MON_N_DECISION_RATES];
    for (int w = 0; w < 2; w++) {
        const double *c = cell[w]; /* [flag * 2 + decision] */
        out[0].k[w] = c[2], out[0].n[w] = c[2] + c[3];
        out[1].k[w] = c[1], out[1].n[w] = c[0] + c[1];
        out[2].k[w] = c[0] + c[3], out[2].n[w] = c[0] + c[1] + c[2] + c[3];
    }
    for (size_t r = 0; r < MON_N_DECISION_RATES; r++) {
        mon_rate_test *t = &out[r];
        t->z = t->p = t->h = NAN;
        if (t->n[0] > 0 && t->n[1] > 0) {
            vigil_mon_two_proportion(t->k[0], t->n[0], t->k[1], t->n[1], &t->z, &t->p);
            t->h = vigil_mon_cohens_h(t->k[0] / t->n[0], t->k[1] / t->n[1]);
        }
        p[r] = t->p;
    }
    /* untestable rates (NaN) count as p = 1 in the family: never fewer tests than three */
    vigil_drift_correct(p, MON_N_DECISION_RATES, correction, adj);
    for (size_t r = 0; r < MON_N_DECISION_RATES; r++) {
        out[r].p_adjusted = adj[r];
        out[r].drift = isfinite(adj[r]) && adj[r] < alpha && fabs(out[r].h) >= floor;
    }
}

static void window_json(cJSON *o, const char *key, double k, double n, int shown)
{
    cJSON *x = cJSON_AddObjectToObject(o, key);
    vigil_proportion p = vigil_human_proportion(k, n, 0.95);
    int given = shown && n > 0;
    vigil_json_add_number(x, "value", given ? p.value : NAN);
    vigil_json_add_number(x, "ci_low", given ? p.ci_low : NAN);
    vigil_json_add_number(x, "ci_high", given ? p.ci_high : NAN);
    vigil_json_add_number(x, "n", shown ? n : NAN);
    if (!shown) cJSON_AddStringToObject(x, "reason", "withheld (cell-size policy)");
    else if (!given) cJSON_AddStringToObject(x, "reason", "undefined: no cases in its denominator");
}

static cJSON *rate_json(const mon_rate_test *t, const int shown[2])
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    int both = shown[0] && shown[1], testable = isfinite(t->p);
    window_json(o, "ref", t->k[0], t->n[0], shown[0]);
    window_json(o, "cur", t->k[1], t->n[1], shown[1]);
    cJSON *d = cJSON_AddObjectToObject(o, "difference");
    vigil_interval v = {NAN, NAN, NAN};
    if (both && t->n[0] > 0 && t->n[1] > 0)
        v = vigil_human_difference(vigil_human_proportion(t->k[1], t->n[1], 0.95),
                                   vigil_human_proportion(t->k[0], t->n[0], 0.95), 0.95);
    vigil_json_add_number(d, "value", v.value);
    vigil_json_add_number(d, "ci_low", v.ci_low);
    vigil_json_add_number(d, "ci_high", v.ci_high);
    vigil_json_add_number(o, "z", both ? t->z : NAN);
    vigil_json_add_number(o, "p", both ? t->p : NAN);
    vigil_json_add_number(o, "p_adjusted", both ? t->p_adjusted : NAN);
    vigil_json_add_number(o, "effect", both ? t->h : NAN);
    cJSON_AddBoolToObject(o, "drift", t->drift);
    if (!testable)
        cJSON_AddStringToObject(o, "not_tested", t->n[0] > 0 && t->n[1] > 0
                                                     ? "the rate is 0 or 1 in both windows"
                                                     : "no cases in its denominator in a window");
    else if (!both)
        cJSON_AddStringToObject(o, "withheld", "withheld (cell-size policy): the verdict is given, "
                                               "the numbers that would give a small count away are not");
    return o;
}

/* A window's flag x decision cells; rows without a score have no flag (counted, left out). */
static int count_cells(const vigil_monitor *m, const vigil_table *t, const double *score, double cell[4],
                       double *unscored)
{
    int c = vigil_table_require(t, m->data.decision, "decision column");
    if (c < 0) return c;
    const double *d = vigil_table_numeric(t, (size_t)c);
    if (!d)
        return vigil_error_set(VIGIL_EINVAL, "%s: decision column '%s' (named by $.data.columns.decision "
                               "in %s) is not numeric: it must hold 0 (not acted on) or 1 (acted on)",
                               vigil_table_source(t), m->data.decision, m->file);
    for (size_t i = 0, n = vigil_table_nrows(t); i < n; i++) {
        if (!(d[i] == 0 || d[i] == 1)) {
            char val[40];
            if (isnan(d[i])) snprintf(val, sizeof val, "an empty cell");
            else snprintf(val, sizeof val, "%g", d[i]);
            return vigil_error_set(VIGIL_EINVAL, "%s:%zu: decision column '%s' (named by "
                                   "$.data.columns.decision in %s) has %s; it must be 0 (not acted on) "
                                   "or 1 (acted on)", vigil_table_source(t), vigil_table_row_line(t, i),
                                   m->data.decision, m->file, val);
        }
        if (isnan(score[i])) {
            (*unscored)++;
            continue;
        }
        cell[(score[i] >= m->threshold) * 2 + (d[i] == 1)]++;
    }
    return VIGIL_OK;
}

int vigil_mon_decisions(const vigil_monitor *m, const mon_data *d, cJSON *doc, int *alarm)
{
    const vigil_table *t[2] = {d->ref, d->cur};
    const double *s[2] = {d->score_ref, d->score_cur};
    double cell[2][4] = {{0}}, unscored[2] = {0, 0};
    int rc, shown[2], any = 0;
    if (!s[0] || !s[1]) return vigil_error_set(VIGIL_EINTERNAL, "monitor: decisions without scores");
    for (int w = 0; w < 2; w++)
        if ((rc = count_cells(m, t[w], s[w], cell[w], &unscored[w])) != 0) return rc;
    for (int w = 0; w < 2; w++) {
        shown[w] = 1;
        for (int k = 0; k < 4; k++)
            if (!vigil_fairness_count_ok(cell[w][k], m->min_cell)) shown[w] = 0;
    }
    mon_rate_test rt[MON_N_DECISION_RATES];
    vigil_mon_decision_tests((const double(*)[4])cell, m->alpha,
                             m->correction == MON_CORR_BH ? VIGIL_CORRECT_BH : VIGIL_CORRECT_HOLM,
                             m->floor_decision, rt);
    cJSON *o = cJSON_AddObjectToObject(doc, "decisions");
    if (!o) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    cJSON_AddStringToObject(o, "column", m->data.decision);
    cJSON_AddNumberToObject(o, "threshold", m->threshold);
    cJSON_AddNumberToObject(o, "min_cell", (double)m->min_cell);
    cJSON_AddNumberToObject(o, "n_ref", rt[2].n[0]);
    cJSON_AddNumberToObject(o, "n_cur", rt[2].n[1]);
    cJSON_AddNumberToObject(o, "unscored_ref", unscored[0]);
    cJSON_AddNumberToObject(o, "unscored_cur", unscored[1]);
    cJSON_AddStringToObject(o, "test", "two_proportion_z");
    cJSON_AddStringToObject(o, "correction", m->correction == MON_CORR_BH ? "bh" : "holm");
    cJSON_AddStringToObject(o, "effect_name", "cohens_h");
    cJSON_AddNumberToObject(o, "effect_floor", m->floor_decision);
    cJSON_AddStringToObject(o, "ci", "wilson (each window), newcomb (the difference, current - reference)");
    if (!shown[0] || !shown[1])
        cJSON_AddStringToObject(o, "withheld", !shown[0] && !shown[1] ? "both windows: a count of flag x decision is under min_cell"
                                               : !shown[0] ? "the reference window: a count of flag x decision is under min_cell"
                                                           : "the current window: a count of flag x decision is under min_cell");
    cJSON *rates = cJSON_AddObjectToObject(o, "rates");
    for (size_t r = 0; r < MON_N_DECISION_RATES; r++) {
        cJSON *x = rate_json(&rt[r], shown);
        if (!x) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
        cJSON_AddItemToObject(rates, rate_names[r], x);
        any |= rt[r].drift;
    }
    cJSON_AddBoolToObject(o, "drift", any);
    if (any) *alarm = 1;
    return VIGIL_OK;
}
