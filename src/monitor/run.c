/* Running a monitor: windows, drift tests, label drift and the CUSUM, and the result
 * document (monitors/README.md, "The stored result"). */
#include "monitor/monitor_engine.h"
#include "monitor/result_doc.h"
#include "core/util.h"
#include "vigil/error.h"
#include "vigil/fairness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vigil_monitor_result {
    cJSON *doc;
    int alarm;
};

void vigil_monitor_result_free(vigil_monitor_result *r)
{
    if (!r) return;
    cJSON_Delete(r->doc);
    free(r);
}

int vigil_monitor_result_alarm(const vigil_monitor_result *r) { return r->alarm; }

/* Label drift: prevalence in each window, pooled two-proportion z-test, Cohen's h.
 * Rows without a label are left out and counted.
 *
 * The cell-size policy (min_cell, as the decisions and the performance apply it): a window
 * whose labelled positives or negatives number 1 to min_cell - 1 withholds its prevalence, and
 * a test involving it withholds z, p and h (with n, each gives the small count back). The
 * verdict is still given and still raises the alarm; n stays (alone it gives no count). */
static int label_drift(const vigil_monitor *m, const mon_data *d, cJSON *doc, int *alarm)
{
    const vigil_table *t[2] = {d->ref, d->cur};
    double x[2] = {0, 0}, n[2] = {0, 0}, miss[2] = {0, 0};
    for (int w = 0; w < 2; w++) {
        int c = vigil_table_require(t[w], m->data.label, "label column");
        if (c < 0) return c;
        const double *y = vigil_table_numeric(t[w], (size_t)c);
        if (!y)
            return vigil_error_set(VIGIL_EINVAL, "%s: label column '%s' is not numeric (0/1)",
                                   vigil_table_source(t[w]), m->data.label);
        for (size_t i = 0, nr = vigil_table_nrows(t[w]); i < nr; i++) {
            if (isnan(y[i])) {
                miss[w]++;
                continue;
            }
            if (y[i] != 0 && y[i] != 1)
                return vigil_error_set(VIGIL_EINVAL, "%s:%zu: label column '%s': %g is not 0 or 1",
                                       vigil_table_source(t[w]), vigil_table_row_line(t[w], i),
                                       m->data.label, y[i]);
            x[w] += y[i];
            n[w]++;
        }
    }
    if (n[0] < 1)
        return vigil_error_set(VIGIL_EINVAL, "%s: $.label_drift: the reference window has no "
                               "labelled case", m->file);
    if (n[1] < 1) {
        /* labels arrive later than cases: the current window may have none yet. That is not
         * an error (the feature and prediction tests still run) and not drift; it is said. */
        cJSON *l = cJSON_AddObjectToObject(doc, "label");
        cJSON_AddStringToObject(l, "column", m->data.label);
        cJSON_AddNumberToObject(l, "n_ref", n[0]);
        cJSON_AddNumberToObject(l, "n_cur", 0);
        cJSON_AddNumberToObject(l, "missing_cur", miss[1]);
        cJSON_AddStringToObject(l, "skipped", "no labelled case in the current window yet");
        cJSON_AddBoolToObject(l, "drift", 0);
        return VIGIL_OK;
    }
    double z, p, h;
    int drift = vigil_mon_label_verdict(x[0], n[0], x[1], n[1], m->alpha, m->floor_label, &z, &p, &h);
    int shown[2];
    for (int w = 0; w < 2; w++)
        shown[w] = vigil_fairness_count_ok(x[w], m->min_cell) && vigil_fairness_count_ok(n[w] - x[w], m->min_cell);
    int both = shown[0] && shown[1];
    cJSON *l = cJSON_AddObjectToObject(doc, "label");
    if (!l) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    cJSON_AddStringToObject(l, "column", m->data.label);
    cJSON_AddNumberToObject(l, "n_ref", n[0]);
    cJSON_AddNumberToObject(l, "n_cur", n[1]);
    cJSON_AddNumberToObject(l, "missing_ref", miss[0]);
    cJSON_AddNumberToObject(l, "missing_cur", miss[1]);
    cJSON_AddNumberToObject(l, "min_cell", (double)m->min_cell);
    vigil_json_add_number(l, "prevalence_ref", shown[0] ? x[0] / n[0] : NAN);
    vigil_json_add_number(l, "prevalence_cur", shown[1] ? x[1] / n[1] : NAN);
    cJSON_AddStringToObject(l, "test", "two_proportion_z");
    vigil_json_add_number(l, "z", both ? z : NAN);
    vigil_json_add_number(l, "p", both ? p : NAN);
    vigil_json_add_number(l, "effect", both ? h : NAN);
    cJSON_AddStringToObject(l, "effect_name", "cohens_h");
    if (!both)
        cJSON_AddStringToObject(l, "withheld", !shown[0] && !shown[1]
                                                   ? "both windows: the positives or the negatives number under min_cell"
                                               : !shown[0] ? "the reference window: its positives or negatives number under min_cell"
                                                           : "the current window: its positives or negatives number under min_cell");
    cJSON_AddBoolToObject(l, "drift", drift);
    if (drift) *alarm = 1;
    return VIGIL_OK;
}

static void add_windows(const vigil_monitor *m, const mon_data *d, cJSON *doc)
{
    cJSON *w = cJSON_AddObjectToObject(doc, "windows");
    cJSON *r = cJSON_AddObjectToObject(w, "reference"), *c = cJSON_AddObjectToObject(w, "current");
    cJSON_AddStringToObject(r, "label", d->ref_label);
    cJSON_AddNumberToObject(r, "n", (double)vigil_mon_ref_rows(d));
    if (m->ref_path) cJSON_AddStringToObject(r, "path", m->ref_path);
    cJSON_AddStringToObject(c, "label", d->cur_label);
    cJSON_AddNumberToObject(c, "n", (double)vigil_table_nrows(d->cur));
    if (m->data.time) cJSON_AddStringToObject(w, "time_column", m->data.time);
    if (m->cur_w.set && m->cur_w.is_date) {
        char now[16];
        vigil_format_day(m->now_day, now);
        cJSON_AddStringToObject(w, "now", now);
        /* days of the current window without a case (a stalling feed), the first listed */
        cJSON_AddNumberToObject(c, "empty_days", (double)d->empty_days);
        cJSON *l = cJSON_AddArrayToObject(c, "empty_day_list");
        for (size_t i = 0; i < d->empty_days && i < MON_EMPTY_DAYS_LISTED; i++) {
            char day[16];
            vigil_format_day(d->empty_day[i], day);
            cJSON_AddItemToArray(l, cJSON_CreateString(day));
        }
    }
}

/* Names of what drifted, for the alert and the summary. */
static void list_alarms(cJSON *doc)
{
    cJSON *arr = cJSON_CreateArray(), *f = cJSON_GetObjectItemCaseSensitive(doc, "features"), *e;
    cJSON_ArrayForEach(e, f)
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "drift")))
        cJSON_AddItemToArray(arr, cJSON_CreateString(e->string));
    static const char *const extra[] = {"prediction", "label", "cusum"};
    for (size_t i = 0; i < 3; i++) {
        cJSON *o = cJSON_GetObjectItemCaseSensitive(doc, extra[i]);
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "drift")) ||
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "signal")))
            cJSON_AddItemToArray(arr, cJSON_CreateString(extra[i]));
    }
    cJSON *rates = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "decisions"), "rates");
    cJSON_ArrayForEach(e, rates)
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "drift"))) {
        vigil_sbuf b = {0};
        vigil_sbuf_printf(&b, "decisions.%s", e->string);
        if (b.s) cJSON_AddItemToArray(arr, cJSON_CreateString(b.s));
        vigil_sbuf_free(&b);
    }
    /* Right after "alarm", so a reader sees what fired first. */
    cJSON *after = cJSON_GetObjectItemCaseSensitive(doc, "alarm");
    if (after && after->next) {
        arr->string = vigil_strdup("alarms");
        arr->next = after->next;
        arr->prev = after;
        after->next->prev = arr;
        after->next = arr;
    } else {
        cJSON_AddItemToObject(doc, "alarms", arr);
    }
}

int vigil_monitor_run(vigil_monitor_result **out, const vigil_monitor *m,
                      const vigil_monitor_options *opt)
{
    *out = NULL;
    vigil_monitor_data *own = NULL;
    const vigil_monitor_data *data = opt ? opt->data : NULL;
    vigil_monitor_result *r = calloc(1, sizeof *r);
    cJSON *doc = cJSON_CreateObject();
    int rc, alarm = 0, threads = opt ? opt->threads : 0;
    if (!r || !doc) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    if (!data) {
        if ((rc = vigil_monitor_load_data_cached(&own, m, threads, opt ? opt->cache : NULL)) != 0) goto done;
        data = own;
    }
    const mon_data *d = &data->d;
    double t_load = data->seconds;
    if (d->insufficient) {
        rc = vigil_error_set(VIGIL_EINVAL, "%s", d->insufficient);
        goto done;
    }

    cJSON_AddNullToObject(doc, "run_id");
    cJSON_AddStringToObject(doc, "monitor", m->name);
    if (m->description) cJSON_AddStringToObject(doc, "description", m->description);
    cJSON_AddBoolToObject(doc, "alarm", 0);
    add_windows(m, d, doc);
    if (m->data.join) { /* the cases' origin: what the join read, left out and kept unlabelled */
        cJSON *dj = cJSON_AddObjectToObject(doc, "data"), *j = vigil_data_source_json(&d->src, m->data.join);
        if (!dj || !j) {
            cJSON_Delete(j);
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            goto done;
        }
        cJSON_AddStringToObject(dj, "path", m->data.path);
        cJSON_AddStringToObject(dj, "sha256", vigil_table_sha256(d->all, NULL));
        cJSON_AddNumberToObject(dj, "rows", (double)vigil_table_nrows(d->all));
        cJSON_AddItemToObject(dj, "join", j);
    }
    cJSON_AddNumberToObject(doc, "alpha", m->alpha);
    cJSON_AddStringToObject(doc, "correction", m->correction == MON_CORR_BH ? "bh" : "holm");
    cJSON *fl = cJSON_AddObjectToObject(doc, "effect_floors");
    cJSON_AddNumberToObject(fl, "numeric", m->floor_numeric);
    cJSON_AddNumberToObject(fl, "categorical", m->floor_categorical);
    cJSON_AddNumberToObject(fl, "label", m->floor_label);
    if (m->data.decision) cJSON_AddNumberToObject(fl, "decision", m->floor_decision);
    cJSON_AddNumberToObject(doc, "min_samples", (double)m->min_samples);

    double t1 = vigil_seconds();
    /* a monitor of the decisions alone has no distribution to test (features stays, empty) */
    if (m->data.n_features == 0 && !m->prediction_drift) cJSON_AddObjectToObject(doc, "features");
    else if ((rc = vigil_mon_drift(m, d, opt ? opt->cache : NULL, threads, doc, &alarm)) != 0) goto done;
    if (m->label_drift && (rc = label_drift(m, d, doc, &alarm)) != 0) goto done;
    if (m->cusum && (rc = vigil_mon_cusum(m, d, threads, opt ? opt->history : NULL, doc, &alarm)) != 0) goto done;
    if (m->data.decision && (rc = vigil_mon_decisions(m, d, doc, &alarm)) != 0) goto done;
    if (m->cbpe && (rc = vigil_mon_cbpe(m, d, doc)) != 0) goto done;
    if (m->performance && (rc = vigil_mon_performance(m, d, doc)) != 0) goto done;
    double t_compute = vigil_seconds() - t1;

    cJSON_ReplaceItemInObjectCaseSensitive(doc, "alarm", cJSON_CreateBool(alarm));
    list_alarms(doc);
    cJSON *s = cJSON_AddObjectToObject(doc, "seconds");
    cJSON_AddNumberToObject(s, "load", t_load);
    cJSON_AddNumberToObject(s, "compute", t_compute);
    cJSON_AddNumberToObject(s, "write", 0);
    r->doc = doc;
    r->alarm = alarm;
    doc = NULL;
    *out = r;
    r = NULL;
done:
    vigil_monitor_data_free(own);
    cJSON_Delete(doc);
    vigil_monitor_result_free(r);
    return rc;
}

int vigil_monitor_load_data(vigil_monitor_data **out, const vigil_monitor *m, int threads)
{
    return vigil_monitor_load_data_cached(out, m, threads, NULL);
}

int vigil_monitor_load_data_cached(vigil_monitor_data **out, const vigil_monitor *m, int threads, vigil_store *cache)
{
    *out = NULL;
    vigil_monitor_data *d = calloc(1, sizeof *d);
    if (!d) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    double t0 = vigil_seconds();
    int rc = vigil_mon_data_load(&d->d, m, threads, cache);
    if (rc) {
        vigil_monitor_data_free(d);
        return rc;
    }
    d->seconds = vigil_seconds() - t0;
    *out = d;
    return VIGIL_OK;
}

const char *vigil_monitor_data_insufficient(const vigil_monitor_data *d)
{
    return d ? d->d.insufficient : NULL;
}

void vigil_monitor_data_free(vigil_monitor_data *d)
{
    if (!d) return;
    vigil_mon_data_clear(&d->d);
    free(d);
}

size_t vigil_monitor_data_files(const vigil_monitor *m, const vigil_monitor_data *d, vigil_run_file files[4])
{
    size_t n = vigil_monitor_files(m, files);
    for (size_t i = 0; i < n; i++) {
        const vigil_table *t = strcmp(files[i].role, "data") == 0 ? d->d.all
                             : strcmp(files[i].role, "reference") == 0 ? d->d.all_ref : NULL;
        if (t) files[i].sha256 = vigil_table_sha256(t, &files[i].bytes);
        else if (strcmp(files[i].role, "reference") == 0 && d->d.ref_stats) /* digested, not parsed */
            files[i].sha256 = d->d.ref_sha, files[i].bytes = d->d.ref_bytes;
        else if (strcmp(files[i].role, "predictions") == 0 && d->d.src.summary)
            files[i].sha256 = d->d.src.pred_sha, files[i].bytes = d->d.src.pred_bytes;
        else if (strcmp(files[i].role, "events") == 0 && d->d.src.summary)
            files[i].sha256 = d->d.src.ev_sha, files[i].bytes = d->d.src.ev_bytes;
    }
    return n;
}

cJSON *vigil_monitor_result_doc(const vigil_monitor_result *r, int64_t run_id)
{
    cJSON *copy = cJSON_Duplicate(r->doc, 1);
    if (copy && run_id > 0)
        cJSON_ReplaceItemInObjectCaseSensitive(copy, "run_id", cJSON_CreateNumber((double)run_id));
    return copy;
}

char *vigil_monitor_result_json(const vigil_monitor_result *r, int64_t run_id)
{
    cJSON *copy = vigil_monitor_result_doc(r, run_id);
    if (!copy) return NULL;
    char *s = cJSON_Print(copy);
    cJSON_Delete(copy);
    return s;
}

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static int store_drift_item(vigil_results *res, const char *scope, const cJSON *f)
{
    int rc;
    if ((rc = vigil_results_add_metric(res, scope, "p_adjusted", num(f, "p_adjusted"), NAN, NAN)) != 0 ||
        (rc = vigil_results_add_metric(res, scope, "effect", num(f, "effect"), NAN, NAN)) != 0 ||
        (rc = vigil_results_add_metric(res, scope, "drift",
                                       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "drift")),
                                       NAN, NAN)) != 0)
        return rc;
    return VIGIL_OK;
}

/* scope "decisions": per rate <rate>_ref and <rate>_cur (with their Wilson intervals),
 * <rate>_p_adjusted and <rate>_drift (the withheld numbers are NaN, as in the document). */
static int store_decisions(vigil_results *res, const cJSON *o)
{
    const cJSON *e;
    int rc = VIGIL_OK;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "rates"))
    {
        static const char *const part[] = {"ref", "cur", "p_adjusted", "drift"};
        for (size_t k = 0; k < 4 && !rc; k++) {
            vigil_sbuf b = {0};
            vigil_sbuf_printf(&b, "%s_%s", e->string, part[k]);
            if (b.failed) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
            const cJSON *w = k < 2 ? cJSON_GetObjectItemCaseSensitive(e, part[k]) : NULL;
            double v = w ? num(w, "value") : k == 2 ? num(e, "p_adjusted")
                                                    : cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "drift"));
            rc = vigil_results_add_metric(res, "decisions", b.s, v, w ? num(w, "ci_low") : NAN,
                                          w ? num(w, "ci_high") : NAN);
            vigil_sbuf_free(&b);
        }
    }
    return rc;
}

/* scope "cbpe": <metric>_est with its interval (missing when the estimate was refused), the
 * reference's calibration_p and valid (0/1). */
static int store_cbpe(vigil_results *res, const cJSON *o)
{
    int rc;
    for (size_t k = 0; k < MON_CBPE_N; k++) {
        const char *name = vigil_mon_cbpe_metric_name(k);
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, name);
        vigil_sbuf b = {0};
        vigil_sbuf_printf(&b, "%s_est", name);
        if (b.failed) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
        rc = vigil_results_add_metric(res, "cbpe", b.s, num(e, "estimate"), num(e, "ci_low"), num(e, "ci_high"));
        vigil_sbuf_free(&b);
        if (rc) return rc;
    }
    if ((rc = vigil_results_add_metric(res, "cbpe", "calibration_p",
                                       num(cJSON_GetObjectItemCaseSensitive(o, "calibration_check"), "p"), NAN,
                                       NAN)) != 0)
        return rc;
    return vigil_results_add_metric(res, "cbpe", "valid", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "valid")),
                                    NAN, NAN);
}

static const char *const k_perf_keys[] = {"auroc", "oe_ratio", "calibration_slope", "citl", "sensitivity", "ppv"};
#define N_PERF_KEYS (sizeof k_perf_keys / sizeof *k_perf_keys)

/* scope "performance": each realised statistic with its interval (missing when withheld); per
 * subgroup level, scope "performance:<group>=<level>" (as vigil metrics names its levels). */
static int store_performance(vigil_results *res, const cJSON *o, const char *scope)
{
    for (size_t k = 0; k < N_PERF_KEYS; k++) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, k_perf_keys[k]);
        int rc;
        if (e && (rc = vigil_results_add_metric(res, scope, k_perf_keys[k], num(e, "value"), num(e, "ci_low"),
                                                num(e, "ci_high"))) != 0)
            return rc;
    }
    const cJSON *g, *l;
    cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(o, "subgroups"))
    {
        cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(g, "levels"))
        {
            vigil_sbuf b = {0};
            vigil_sbuf_printf(&b, "performance:%s=%s", g->string, l->string);
            if (b.failed) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
            int rc = store_performance(res, l, b.s);
            vigil_sbuf_free(&b);
            if (rc) return rc;
        }
    }
    return VIGIL_OK;
}

int vigil_monitor_result_store(const vigil_monitor_result *r, vigil_results *res)
{
    int rc;
    const cJSON *f, *e;
    if ((rc = vigil_results_add_metric(res, "monitor", "alarm", r->alarm, NAN, NAN)) != 0) return rc;
    f = cJSON_GetObjectItemCaseSensitive(r->doc, "features");
    cJSON_ArrayForEach(e, f)
    {
        vigil_sbuf b = {0};
        vigil_sbuf_printf(&b, "feature:%s", e->string);
        if (b.failed) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
        rc = store_drift_item(res, b.s, e);
        vigil_sbuf_free(&b);
        if (rc) return rc;
    }
    if ((e = cJSON_GetObjectItemCaseSensitive(r->doc, "prediction")) != NULL &&
        (rc = store_drift_item(res, "prediction", e)) != 0)
        return rc;
    if ((e = cJSON_GetObjectItemCaseSensitive(r->doc, "label")) != NULL &&
        ((rc = vigil_results_add_metric(res, "label", "prevalence_ref", num(e, "prevalence_ref"), NAN, NAN)) != 0 ||
         (rc = vigil_results_add_metric(res, "label", "prevalence_cur", num(e, "prevalence_cur"), NAN, NAN)) != 0 ||
         (rc = vigil_results_add_metric(res, "label", "p", num(e, "p"), NAN, NAN)) != 0 ||
         (rc = vigil_results_add_metric(res, "label", "drift",
                                        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "drift")), NAN, NAN)) != 0))
        return rc;
    if ((e = cJSON_GetObjectItemCaseSensitive(r->doc, "decisions")) != NULL && (rc = store_decisions(res, e)) != 0)
        return rc;
    if ((e = cJSON_GetObjectItemCaseSensitive(r->doc, "cbpe")) != NULL && (rc = store_cbpe(res, e)) != 0)
        return rc;
    if ((e = cJSON_GetObjectItemCaseSensitive(r->doc, "performance")) != NULL && (rc = store_performance(res, e, "performance")) != 0)
        return rc;
    if ((e = cJSON_GetObjectItemCaseSensitive(r->doc, "cusum")) != NULL &&
        ((rc = vigil_results_add_metric(res, "cusum", "max", num(e, "max"), NAN, NAN)) != 0 ||
         (rc = vigil_results_add_metric(res, "cusum", "limit", num(e, "limit"), NAN, NAN)) != 0 ||
         (rc = vigil_results_add_metric(res, "cusum", "observed_minus_expected",
                                        num(e, "observed_minus_expected"), NAN, NAN)) != 0 ||
         (rc = vigil_results_add_metric(res, "cusum", "signal",
                                        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "signal")), NAN, NAN)) != 0))
        return rc;
    /* across nights: where the next night starts (the statistics after tonight's last case) */
    const cJSON *st = vigil_json_get(e, "across_nights.state");
    if (st && ((rc = vigil_results_add_metric(res, "cusum", "state_upper", num(st, "upper"), NAN, NAN)) != 0 ||
               (rc = vigil_results_add_metric(res, "cusum", "state_lower", num(st, "lower"), NAN, NAN)) != 0 ||
               (rc = vigil_results_add_metric(res, "cusum", "state_through", num(st, "through_key"), NAN, NAN)) != 0))
        return rc;
    return VIGIL_OK;
}

static void text_item(vigil_sbuf *b, const char *name, const cJSON *f)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(f, "type");
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(f, "effect_name");
    vigil_sbuf_printf(b, "  %-16.16s %-11s %7.0f %7.0f  %10.3g  %-15s %8.3f  %s\n", name,
                      cJSON_IsString(t) ? t->valuestring : "-", num(f, "n_ref"), num(f, "n_cur"),
                      num(f, "p_adjusted"), cJSON_IsString(en) ? en->valuestring : "-",
                      num(f, "effect"),
                      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "drift")) ? "DRIFT" : "ok");
}

/* The decisions' rates: reference -> current, the corrected p and Cohen's h, the verdict. */
static void text_decisions(vigil_sbuf *b, const cJSON *o)
{
    const cJSON *e, *w = cJSON_GetObjectItemCaseSensitive(o, "withheld");
    vigil_sbuf_printf(b, "  clinicians' decisions ('%s'; flag: score >= %g; %s-corrected p and |Cohen's h| "
                      ">= %g), n %.0f -> %.0f%s%s\n",
                      cJSON_GetObjectItemCaseSensitive(o, "column")->valuestring, num(o, "threshold"),
                      cJSON_GetObjectItemCaseSensitive(o, "correction")->valuestring, num(o, "effect_floor"),
                      num(o, "n_ref"), num(o, "n_cur"), cJSON_IsString(w) ? "; withheld (cell-size policy): " : "",
                      cJSON_IsString(w) ? w->valuestring : "");
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "rates"))
    {
        const char *v = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "drift")) ? "DRIFT" : "ok";
        const cJSON *nt = cJSON_GetObjectItemCaseSensitive(e, "not_tested");
        const cJSON *rr = cJSON_GetObjectItemCaseSensitive(e, "ref"), *rc = cJSON_GetObjectItemCaseSensitive(e, "cur");
        if (cJSON_IsString(nt))
            vigil_sbuf_printf(b, "    %-22s not tested (%s): %s\n", e->string, nt->valuestring, v);
        else if (!isfinite(num(e, "p_adjusted")))
            vigil_sbuf_printf(b, "    %-22s withheld (cell-size policy): %s\n", e->string, v);
        else
            vigil_sbuf_printf(b, "    %-22s %.4f -> %.4f  p_adjusted %10.3g  h %7.3f  %s\n", e->string,
                              num(rr, "value"), num(rc, "value"), num(e, "p_adjusted"), num(e, "effect"), v);
    }
}

/* The label-free estimates with their intervals, or why there are none. */
static void text_cbpe(vigil_sbuf *b, const cJSON *o)
{
    const cJSON *why = cJSON_GetObjectItemCaseSensitive(o, "not_estimated");
    if (cJSON_IsString(why)) {
        vigil_sbuf_printf(b, "  estimated performance (CBPE): not estimated: %s\n", why->valuestring);
        return;
    }
    vigil_sbuf_printf(b, "  estimated performance (CBPE, no labels; threshold %g):", num(o, "threshold"));
    for (size_t k = 0; k < MON_CBPE_N; k++) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, vigil_mon_cbpe_metric_name(k));
        vigil_sbuf_printf(b, "%s %s %.3f (%.3f-%.3f)", k ? "," : "", vigil_mon_cbpe_metric_name(k),
                          num(e, "estimate"), num(e, "ci_low"), num(e, "ci_high"));
    }
    const cJSON *cc = cJSON_GetObjectItemCaseSensitive(o, "calibration_check");
    vigil_sbuf_printf(b, "; the reference window calibrated (Spiegelhalter p %.2g >= %g)\n", num(cc, "p"),
                      num(cc, "alpha"));
}

/* The realised performance of the labelled cases, beside the estimate. */
static void text_performance(vigil_sbuf *b, const cJSON *o)
{
    const char *const *keys = k_perf_keys;
    const cJSON *why = cJSON_GetObjectItemCaseSensitive(o, "not_computed");
    const cJSON *wh = cJSON_GetObjectItemCaseSensitive(o, "withheld");
    vigil_sbuf_printf(b, "  realised performance (%.0f labelled, %.0f not yet):", num(o, "n_labelled"),
                      num(o, "unlabelled"));
    if (cJSON_IsString(why)) {
        vigil_sbuf_printf(b, " not computed: %s\n", why->valuestring);
        return;
    }
    int any = 0;
    for (size_t k = 0; k < N_PERF_KEYS; k++) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, keys[k]);
        if (!e || !isfinite(num(e, "value"))) continue;
        vigil_sbuf_printf(b, "%s %s %.3f (%.3f-%.3f)", any++ ? "," : "", keys[k], num(e, "value"),
                          num(e, "ci_low"), num(e, "ci_high"));
    }
    vigil_sbuf_printf(b, "%s%s\n", cJSON_IsString(wh) ? (any ? "; " : " ") : "",
                      cJSON_IsString(wh) ? wh->valuestring : "");
    /* per subgroup level: the same statistics, "withheld" where the cell-size policy says */
    const cJSON *g, *l, *sn = cJSON_GetObjectItemCaseSensitive(o, "subgroups_not_computed");
    if (cJSON_IsString(sn)) vigil_sbuf_printf(b, "    per subgroup: not computed: %s\n", sn->valuestring);
    cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(o, "subgroups"))
    {
        cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(g, "levels"))
        {
            vigil_sbuf_printf(b, "    %s=%s:", g->string, l->string);
            if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(l, "withheld"))) {
                vigil_sbuf_printf(b, " withheld (cell-size policy)\n");
                continue;
            }
            vigil_sbuf_printf(b, " n %.0f", num(l, "n"));
            for (size_t k = 0; k < N_PERF_KEYS; k++) {
                const cJSON *e = cJSON_GetObjectItemCaseSensitive(l, k_perf_keys[k]);
                if (!e) continue;
                if (isfinite(num(e, "value")))
                    vigil_sbuf_printf(b, ", %s %.3f (%.3f-%.3f)", k_perf_keys[k], num(e, "value"), num(e, "ci_low"),
                                      num(e, "ci_high"));
                else
                    vigil_sbuf_printf(b, ", %s %s", k_perf_keys[k],
                                      strstr(vigil_json_get_string(e, "why") ? vigil_json_get_string(e, "why") : "",
                                             "cell-size") ? "withheld" : "undefined");
            }
            vigil_sbuf_printf(b, "\n");
        }
    }
}

char *vigil_monitor_result_text(const vigil_monitor_result *r)
{
    const cJSON *d = r->doc, *w = cJSON_GetObjectItemCaseSensitive(d, "windows"), *e;
    const cJSON *wr = cJSON_GetObjectItemCaseSensitive(w, "reference");
    const cJSON *wc = cJSON_GetObjectItemCaseSensitive(w, "current");
    const cJSON *al = cJSON_GetObjectItemCaseSensitive(d, "alarms");
    vigil_sbuf b = {0};
    vigil_sbuf_printf(&b, "monitor %s: %s", cJSON_GetObjectItemCaseSensitive(d, "monitor")->valuestring,
                      r->alarm ? "ALARM" : "no drift");
    if (r->alarm) {
        vigil_sbuf_printf(&b, " (");
        int i = 0;
        cJSON_ArrayForEach(e, al) vigil_sbuf_printf(&b, "%s%s", i++ ? ", " : "", e->valuestring);
        vigil_sbuf_printf(&b, ")");
    }
    vigil_sbuf_printf(&b, "\nreference %s (n %.0f), current %s (n %.0f); %s-corrected p < %g and "
                      "effect over its floor\n\n",
                      cJSON_GetObjectItemCaseSensitive(wr, "label")->valuestring, num(wr, "n"),
                      cJSON_GetObjectItemCaseSensitive(wc, "label")->valuestring, num(wc, "n"),
                      cJSON_GetObjectItemCaseSensitive(d, "correction")->valuestring, num(d, "alpha"));
    if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "features")) > 0 ||
        cJSON_GetObjectItemCaseSensitive(d, "prediction"))
        vigil_sbuf_printf(&b, "  %-16s %-11s %7s %7s  %10s  %-15s %8s  %s\n", "feature", "type", "n_ref",
                          "n_cur", "p_adjusted", "effect", "", "verdict");
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(d, "features")) text_item(&b, e->string, e);
    if ((e = cJSON_GetObjectItemCaseSensitive(d, "prediction")) != NULL) text_item(&b, "(prediction)", e);
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(d, "features"))
    {
        const cJSON *why = cJSON_GetObjectItemCaseSensitive(e, "not_computable");
        const cJSON *mr = cJSON_GetObjectItemCaseSensitive(e, "missing_rate");
        if (cJSON_IsString(why))
            vigil_sbuf_printf(&b, "  %s: distribution tests not computable (%s); its missing rate "
                              "decides: %.1f%% -> %.1f%% missing\n", e->string, why->valuestring,
                              100 * num(mr, "rate_ref"), 100 * num(mr, "rate_cur"));
    }
    if ((e = cJSON_GetObjectItemCaseSensitive(d, "label")) != NULL &&
        cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "skipped")))
        vigil_sbuf_printf(&b, "\n  label drift: not tested (%s)\n",
                          cJSON_GetObjectItemCaseSensitive(e, "skipped")->valuestring);
    else if (e && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "withheld")))
        vigil_sbuf_printf(&b, "\n  label drift: withheld (cell-size policy: %s): %s\n",
                          cJSON_GetObjectItemCaseSensitive(e, "withheld")->valuestring,
                          cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "drift")) ? "DRIFT" : "ok");
    else if (e)
        vigil_sbuf_printf(&b, "\n  label drift: prevalence %.4f -> %.4f, two-proportion p %.3g, "
                          "Cohen's h %.3f: %s\n", num(e, "prevalence_ref"), num(e, "prevalence_cur"),
                          num(e, "p"), num(e, "effect"),
                          cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "drift")) ? "DRIFT" : "ok");
    if ((e = cJSON_GetObjectItemCaseSensitive(d, "cusum")) != NULL) {
        char oe[48] = "withheld (cell-size policy)";
        if (isfinite(num(e, "observed_minus_expected"))) snprintf(oe, sizeof oe, "%.1f", num(e, "observed_minus_expected"));
        const cJSON *lo = cJSON_GetObjectItemCaseSensitive(e, "lower"), *an = vigil_json_get(e, "across_nights");
        vigil_sbuf_printf(&b, "  risk-adjusted CUSUM (odds ratio %g): max %.3f, limit %g", num(e, "odds_ratio"),
                          num(e, "max"), num(e, "limit"));
        if (lo)
            vigil_sbuf_printf(&b, "; lower (odds ratio %g): max %.3f, limit %g", num(lo, "odds_ratio"), num(lo, "max"),
                              num(lo, "limit"));
        vigil_sbuf_printf(&b, ", observed - expected %s: %s\n", oe,
                          cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "signal")) ? "SIGNAL" : "ok");
        if (an && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(an, "carried")))
            vigil_sbuf_printf(&b, "    carried across nights from run %.0f (cases through %s)\n", num(an, "previous_run"),
                              vigil_json_get_string(an, "previous_through"));
        else if (an)
            vigil_sbuf_printf(&b, "    across nights: %s\n", vigil_json_get_string(an, "reset"));
    }
    if ((e = cJSON_GetObjectItemCaseSensitive(d, "decisions")) != NULL) text_decisions(&b, e);
    if ((e = cJSON_GetObjectItemCaseSensitive(d, "cbpe")) != NULL) text_cbpe(&b, e);
    if ((e = cJSON_GetObjectItemCaseSensitive(d, "performance")) != NULL) text_performance(&b, e);
    if ((e = cJSON_GetObjectItemCaseSensitive(d, "cache")) != NULL)
        vigil_sbuf_printf(&b, "  reference statistics: %s\n",
                          cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "hit")) ? "from the cache"
                                                                                    : "computed");
    if (b.failed) {
        vigil_sbuf_free(&b);
        return NULL;
    }
    return b.s;
}
