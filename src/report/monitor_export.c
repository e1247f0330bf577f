/* A monitor's record for the dashboards hospitals already run (issue 17): the OpenMetrics text
 * exposition (Prometheus' node_exporter textfile collector, Grafana) of its latest night, and a
 * CSV of every night. Read from the store through the record report's loader, so the order of
 * nights, the failed and missing ones and the withheld counts are the report's. */
#include "report/monitor_report.h"
#include "vigil/error.h"
#include "vigil/fairness.h"
#include "core/csv_write.h"
#include "core/json.h"
#include "core/window.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cJSON *jp(const cJSON *o, const char *p) { return vigil_json_get(o, p); }
static double jnum(const cJSON *o, const char *p) { return vigil_json_get_number(o, p); }
static const char *js(const cJSON *o, const char *p) { return vigil_json_get_string(o, p); }

/* Seconds since 1970 of a stored "YYYY-MM-DDTHH:MM:SS(.mmm)Z"; NAN when it is not one. */
static double iso_seconds(const char *t)
{
    long day = t ? vigil_parse_day(t) : VIGIL_DAY_INVALID;
    int h, m;
    double sec;
    if (day == VIGIL_DAY_INVALID || strlen(t) < 19 || t[10] != 'T' || sscanf(t + 11, "%2d:%2d:%lf", &h, &m, &sec) != 3)
        return NAN;
    return (double)day * 86400.0 + h * 3600.0 + m * 60.0 + sec;
}

/* ---- OpenMetrics ---------------------------------------------------------------------------
 * https://github.com/OpenObservability/OpenMetrics/blob/main/specification/OpenMetrics.md:
 * one family per metric (# HELP, # TYPE gauge, then its samples together), label values
 * escaped (\\, \", \n), NaN spelled so, no other comment lines, "# EOF" last. */

static void om_label(vigil_sbuf *b, const char *name, const char *value, int first)
{
    vigil_sbuf_printf(b, "%s%s=\"", first ? "" : ",", name);
    for (const char *p = value ? value : ""; *p; p++) {
        if (*p == '\\') vigil_sbuf_append(b, "\\\\", 2);
        else if (*p == '"') vigil_sbuf_append(b, "\\\"", 2);
        else if (*p == '\n') vigil_sbuf_append(b, "\\n", 2);
        else vigil_sbuf_append(b, p, 1);
    }
    vigil_sbuf_append(b, "\"", 1);
}

static void om_family(vigil_sbuf *b, const char *name, const char *help)
{
    vigil_sbuf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void om_value(vigil_sbuf *b, double v)
{
    if (isnan(v)) vigil_sbuf_printf(b, " NaN\n");
    else if (isinf(v)) vigil_sbuf_printf(b, " %sInf\n", v > 0 ? "+" : "-");
    else vigil_sbuf_printf(b, " %.17g\n", v);
}

/* One sample of a family labelled only by the monitor. */
static void om_gauge(vigil_sbuf *b, const char *monitor, const char *name, const char *help, double v)
{
    om_family(b, name, help);
    vigil_sbuf_printf(b, "%s{", name);
    om_label(b, "monitor", monitor, 1);
    vigil_sbuf_printf(b, "}");
    om_value(b, v);
}

/* A per-feature family of the latest completed night: path is the feature's JSON path. */
static void om_features(vigil_sbuf *b, const char *monitor, const cJSON *doc, const char *name, const char *help,
                        const char *path)
{
    om_family(b, name, help);
    const cJSON *f;
    cJSON_ArrayForEach(f, jp(doc, "features"))
    {
        vigil_sbuf_printf(b, "%s{", name);
        om_label(b, "monitor", monitor, 1);
        om_label(b, "feature", f->string, 0);
        if (strcmp(path, "effect") == 0) om_label(b, "measure", js(f, "effect_name"), 0);
        vigil_sbuf_printf(b, "}");
        const cJSON *v = jp(f, path);
        om_value(b, cJSON_IsBool(v) ? (double)cJSON_IsTrue(v) : jnum(f, path));
    }
}

/* The label-free estimates (cbpe.<statistic>) and the realised performance
 * (performance.<statistic>) of a night (issue 17), with their intervals: one column or family
 * per statistic and part. A number that is null in the stored result (an estimate refused, a
 * value withheld under the cell-size rule) has no sample and an empty cell. */
#define EST(k) {"cbpe_" k, "cbpe." k ".estimate"}, {"cbpe_" k "_ci_low", "cbpe." k ".ci_low"}, \
               {"cbpe_" k "_ci_high", "cbpe." k ".ci_high"}
#define REAL(k) {"realised_" k, "performance." k ".value"}, {"realised_" k "_ci_low", "performance." k ".ci_low"}, \
                {"realised_" k "_ci_high", "performance." k ".ci_high"}
static const struct {
    const char *col, *path;
} k_perf[] = {EST("auroc"), EST("sensitivity"), EST("ppv"), REAL("auroc"), REAL("oe_ratio"),
              REAL("calibration_slope"), REAL("citl"), REAL("sensitivity"), REAL("ppv")};
#define N_PERF (sizeof k_perf / sizeof *k_perf)

/* The families of k_perf: vigil_monitor_performance_{estimate,realised}[_ci_low|_ci_high],
 * labelled by statistic. */
static void om_performance(vigil_sbuf *b, const char *monitor, const cJSON *doc)
{
    static const char *const part[3] = {"", "_ci_low", "_ci_high"};
    static const char *const what[3] = {"", " (lower 95% limit)", " (upper 95% limit)"};
    for (int real = 0; real < 2; real++) {
        if (!jp(doc, real ? "performance" : "cbpe")) continue;
        for (int k = 0; k < 3; k++) {
            char name[80], help[256];
            snprintf(name, sizeof name, "vigil_monitor_performance_%s%s", real ? "realised" : "estimate", part[k]);
            snprintf(help, sizeof help, "%s%s that night (the statistic label names it; no sample when %s).",
                     real ? "Realised performance of the current window's labelled cases"
                          : "Performance of the current window estimated from its scores alone (CBPE)",
                     what[k], real ? "withheld under the cell-size rule" : "the estimate was refused");
            om_family(b, name, help);
            for (size_t j = real ? 9 : 0; j < (real ? N_PERF : 9); j += 3) {
                double v = jnum(doc, k_perf[j + (size_t)k].path);
                if (!isfinite(v)) continue;
                const char *stat = k_perf[j].col + (real ? strlen("realised_") : strlen("cbpe_"));
                vigil_sbuf_printf(b, "%s{", name);
                om_label(b, "monitor", monitor, 1);
                om_label(b, "statistic", stat, 0);
                vigil_sbuf_printf(b, "}");
                om_value(b, v);
            }
        }
    }
    /* per subgroup level (performance.subgroups): families of their own, labelled by group and
     * level too, so that a sum over statistic of the families above still counts the window once */
    if (jp(doc, "performance.subgroups"))
        for (int k = 0; k < 3; k++) {
            char name[80], help[256];
            snprintf(name, sizeof name, "vigil_monitor_performance_realised_subgroup%s", part[k]);
            snprintf(help, sizeof help, "Realised performance%s of each subgroup level's labelled cases that night (group, "
                     "level and statistic label it; no sample when withheld under the cell-size rule).", what[k]);
            om_family(b, name, help);
            const cJSON *g, *l;
            cJSON_ArrayForEach(g, jp(doc, "performance.subgroups"))
            {
                cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(g, "levels"))
                {
                    for (size_t j = 9; j < N_PERF; j += 3) {
                        const char *stat = k_perf[j].col + strlen("realised_");
                        double v = jnum(l, k_perf[j + (size_t)k].path + strlen("performance."));
                        if (!isfinite(v)) continue;
                        vigil_sbuf_printf(b, "%s{", name);
                        om_label(b, "monitor", monitor, 1);
                        om_label(b, "group", g->string, 0);
                        om_label(b, "level", l->string, 0);
                        om_label(b, "statistic", stat, 0);
                        vigil_sbuf_printf(b, "}");
                        om_value(b, v);
                    }
                }
            }
        }
    if (jp(doc, "cbpe"))
        om_gauge(b, monitor, "vigil_monitor_performance_estimate_valid",
                 "1 when that night's model passed the reference window's calibration check and was estimated, else 0.",
                 cJSON_IsTrue(jp(doc, "cbpe.valid")));
}

static void openmetrics(const vigil_mrec *c, vigil_sbuf *b)
{
    const char *mon = c->name;
    const vigil_mrec_night *latest = NULL, *last_done = NULL;
    for (size_t i = 0; i < c->nn; i++) {
        if (!latest || c->n[i].info.id > latest->info.id) latest = &c->n[i];
        if (c->n[i].doc) last_done = &c->n[i];
    }
    om_gauge(b, mon, "vigil_monitor_last_run_timestamp_seconds",
             "Start of the monitor's latest stored run (Unix time, seconds).", iso_seconds(latest->info.started_at));
    om_gauge(b, mon, "vigil_monitor_last_run_failed",
             "1 when the monitor's latest stored run failed (vigil monitor history shows its reason), else 0.",
             latest->doc ? 0 : 1);
    om_gauge(b, mon, "vigil_monitor_nights_failed", "Stored runs of the monitor that failed.", (double)c->n_failed);
    om_gauge(b, mon, "vigil_monitor_nights_missing",
             "Nights without a run: gaps in the cadence of the monitor's date windows.", (double)c->n_missing);
    om_gauge(b, mon, "vigil_monitor_audit_ok", "1 when the run store's audit chain verifies, else 0.", c->audit.ok);
    if (last_done) {
        const cJSON *d = last_done->doc;
        om_family(b, "vigil_monitor_night_run_id",
                  "Store id of the latest completed night (by data window), whose results the gauges below show.");
        vigil_sbuf_printf(b, "vigil_monitor_night_run_id{");
        om_label(b, "monitor", mon, 1);
        om_label(b, "window", last_done->label, 0);
        vigil_sbuf_printf(b, "}");
        om_value(b, (double)last_done->info.id);
        if (last_done->is_date)
            om_gauge(b, mon, "vigil_monitor_night_window_end_timestamp_seconds",
                     "Start (00:00 UTC) of the last day of that night's data window (Unix time, seconds).",
                     last_done->end * 86400.0);
        om_gauge(b, mon, "vigil_monitor_alarm", "1 when that night alarmed, else 0.", cJSON_IsTrue(jp(d, "alarm")));
        om_gauge(b, mon, "vigil_monitor_alarms", "Checks (features, prediction, label, CUSUM) that alarmed that night.",
                 (double)cJSON_GetArraySize(jp(d, "alarms")));
        /* a count from 1 to min_cell - 1 is withheld (CMS cell-size rule): no sample at all */
        double n = jnum(d, "windows.current.n");
        om_family(b, "vigil_monitor_cases",
                  "Cases in that night's current window (no sample when withheld under the cell-size rule).");
        if (isfinite(n) && vigil_fairness_count_ok(n, (size_t)c->min_cell)) {
            vigil_sbuf_printf(b, "vigil_monitor_cases{");
            om_label(b, "monitor", mon, 1);
            vigil_sbuf_printf(b, "}");
            om_value(b, n);
        }
        om_features(b, mon, d, "vigil_monitor_feature_effect",
                    "Drift effect size of each feature that night (the measure label names it).", "effect");
        om_features(b, mon, d, "vigil_monitor_feature_p_adjusted",
                    "Corrected p-value of each feature's drift test that night.", "p_adjusted");
        om_features(b, mon, d, "vigil_monitor_feature_drift", "1 when the feature drifted that night, else 0.", "drift");
        if (jp(d, "prediction"))
            om_gauge(b, mon, "vigil_monitor_prediction_effect", "Drift effect size of the model's score that night.",
                     jnum(d, "prediction.effect"));
        if (jp(d, "label") && js(d, "label.withheld")) /* the cell-size rule: the family, no sample */
            om_family(b, "vigil_monitor_label_drift_p",
                      "p-value of the prevalence change (label drift) that night (no sample when withheld under the "
                      "cell-size rule).");
        else if (jp(d, "label"))
            om_gauge(b, mon, "vigil_monitor_label_drift_p",
                     "p-value of the prevalence change (label drift) that night (no sample when withheld under the "
                     "cell-size rule).", jnum(d, "label.p"));
        if (jp(d, "cusum")) {
            om_gauge(b, mon, "vigil_monitor_cusum_statistic",
                     "Risk-adjusted CUSUM statistic that night (its maximum over the window).", jnum(d, "cusum.max"));
            om_gauge(b, mon, "vigil_monitor_cusum_limit", "The limit that night's CUSUM was held to.",
                     jnum(d, "cusum.limit"));
        }
        om_performance(b, mon, d);
    }
    vigil_sbuf_printf(b, "# EOF\n");
}

/* ---- CSV: every night, one row per feature ------------------------------------------------ */

static const char *const k_csv_cols[] = {"run_id", "window", "window_end", "status", "reason", "cases", "alarm",
                                         "alarms", "feature", "type", "effect", "effect_name", "p_adjusted",
                                         "drift", "prediction_effect", "label_p", "cusum", "cusum_limit"};
#define N_BASE (sizeof k_csv_cols / sizeof *k_csv_cols)
#define N_CSV (N_BASE + 2 + N_PERF + 2) /* then cbpe_valid, labelled_cases, k_perf, group and level */

/* A row of the first `width` cells: N_CSV with the subgroup levels (csv-subgroups), N_CSV - 2
 * without their group and level columns (csv, one row per feature and night as it always was). */
static void csv_row(FILE *f, char *const *cells, size_t width)
{
    for (size_t i = 0; i < width; i++) {
        if (i) fputc(',', f);
        if (cells[i]) vigil_csv_write_field(f, cells[i]);
    }
    fputc('\n', f);
}

static void csv_missing(FILE *f, double after, double step, size_t k, size_t width)
{
    for (size_t j = 1; j <= k; j++) {
        char end[16];
        vigil_format_day((long)(after + step * (double)j), end);
        char *cells[N_CSV] = {0};
        cells[2] = end;
        cells[3] = "missing";
        csv_row(f, cells, width);
    }
}

static void csv_night(FILE *f, const vigil_mrec *c, const vigil_mrec_night *x, size_t width)
{
    char id[32], end[32];
    snprintf(id, sizeof id, "%lld", (long long)x->info.id);
    vigil_mrec_end(x, end, sizeof end);
    char *base[N_CSV] = {id, *x->label ? (char *)x->label : NULL, end, x->info.status, x->info.error};
    if (!x->doc) {
        csv_row(f, base, width);
        return;
    }
    /* the night's own columns once, as text, then one row per feature */
    const cJSON *d = x->doc, *a;
    char *own[6] = {0};
    double n = jnum(d, "windows.current.n");
    vigil_sbuf al = {0};
    cJSON_ArrayForEach(a, jp(d, "alarms")) if (cJSON_IsString(a))
        vigil_sbuf_printf(&al, "%s%s", al.len ? ";" : "", a->valuestring);
    double nums[4] = {jnum(d, "prediction.effect"), jnum(d, "label.p"), jnum(d, "cusum.max"), jnum(d, "cusum.limit")};
    char buf[6][40];
    if (isfinite(n) && vigil_fairness_count_ok(n, (size_t)c->min_cell)) snprintf(buf[0], 40, "%.0f", n), own[0] = buf[0];
    for (int k = 0; k < 4; k++)
        if (isfinite(nums[k])) snprintf(buf[k + 2], 40, "%.17g", nums[k]), own[k + 2] = buf[k + 2];
    base[5] = own[0];
    base[6] = cJSON_IsTrue(jp(d, "alarm")) ? "1" : "0";
    base[7] = al.s ? al.s : "";
    base[14] = own[2], base[15] = own[3], base[16] = own[4], base[17] = own[5];
    char perf[N_PERF][40], lab[40];
    if (jp(d, "cbpe")) base[N_BASE] = cJSON_IsTrue(jp(d, "cbpe.valid")) ? "1" : "0";
    double nl = jnum(d, "performance.n_labelled");
    if (isfinite(nl) && vigil_fairness_count_ok(nl, (size_t)c->min_cell))
        snprintf(lab, sizeof lab, "%.0f", nl), base[N_BASE + 1] = lab;
    for (size_t j = 0; j < N_PERF; j++) {
        double v = jnum(d, k_perf[j].path);
        if (isfinite(v)) snprintf(perf[j], sizeof perf[j], "%.17g", v), base[N_BASE + 2 + j] = perf[j];
    }
    const cJSON *ft;
    int any = 0;
    cJSON_ArrayForEach(ft, jp(d, "features"))
    {
        char e[40] = "", p[40] = "";
        double ev = jnum(ft, "effect"), pv = jnum(ft, "p_adjusted");
        if (isfinite(ev)) snprintf(e, sizeof e, "%.17g", ev);
        if (isfinite(pv)) snprintf(p, sizeof p, "%.17g", pv);
        char *cells[N_CSV];
        memcpy(cells, base, sizeof cells);
        cells[8] = ft->string;
        cells[9] = (char *)js(ft, "type");
        cells[10] = e;
        cells[11] = (char *)js(ft, "effect_name");
        cells[12] = p;
        cells[13] = cJSON_IsTrue(jp(ft, "drift")) ? "1" : "0";
        csv_row(f, cells, width);
        any = 1;
    }
    if (!any) csv_row(f, base, width);
    /* then a row per subgroup level (performance.subgroups): the night's columns, no feature or
     * estimate, the level's labelled cases and realised statistics, and its group and level */
    const cJSON *g, *l;
    const cJSON *subs = width == N_CSV ? jp(d, "performance.subgroups") : NULL;
    cJSON_ArrayForEach(g, subs)
    {
        cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(g, "levels"))
        {
            char *cells[N_CSV], lv[N_PERF][40], ln[40];
            memcpy(cells, base, sizeof cells);
            for (size_t j = 0; j < N_PERF; j++) cells[N_BASE + 2 + j] = NULL;
            cells[N_BASE] = NULL;
            const cJSON *ncases = cJSON_GetObjectItemCaseSensitive(l, "n");
            cells[N_BASE + 1] = NULL;
            if (cJSON_IsNumber(ncases) && vigil_fairness_count_ok(ncases->valuedouble, (size_t)c->min_cell))
                snprintf(ln, sizeof ln, "%.0f", ncases->valuedouble), cells[N_BASE + 1] = ln;
            for (size_t j = 9; j < N_PERF; j++) { /* the level's own block: performance.<stat>.<part> less its head */
                double v = jnum(l, k_perf[j].path + strlen("performance."));
                if (isfinite(v)) snprintf(lv[j], sizeof lv[j], "%.17g", v), cells[N_BASE + 2 + j] = lv[j];
            }
            cells[N_CSV - 2] = g->string;
            cells[N_CSV - 1] = l->string;
            csv_row(f, cells, N_CSV);
        }
    }
    vigil_sbuf_free(&al);
}

static int csv(const vigil_mrec *c, int levels, char **out)
{
    size_t width = levels ? N_CSV : N_CSV - 2; /* the group and level columns with the levels only */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    for (size_t i = 0; i < N_BASE; i++) fprintf(f, "%s%s", i ? "," : "", k_csv_cols[i]);
    fprintf(f, ",cbpe_valid,labelled_cases");
    for (size_t i = 0; i < N_PERF; i++) fprintf(f, ",%s", k_perf[i].col);
    fprintf(f, levels ? ",group,level\n" : "\n");
    for (size_t i = 0; i < c->nn; i++) {
        size_t gap = vigil_mrec_gap(c, i);
        if (gap) csv_missing(f, c->n[i - 1].end, c->step, gap, width);
        csv_night(f, c, &c->n[i], width);
    }
    if (fclose(f) != 0 || !text) {
        free(text);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory writing the CSV");
    }
    *out = text;
    return VIGIL_OK;
}

int vigil_report_monitor_export(vigil_store *s, const char *name, const char *format, char **out)
{
    *out = NULL;
    int om = format && strcmp(format, "openmetrics") == 0, lv = format && strcmp(format, "csv-subgroups") == 0;
    if (!om && !lv && !(format && strcmp(format, "csv") == 0))
        return vigil_error_set(VIGIL_EINVAL, "--format: expected 'openmetrics', 'csv' or 'csv-subgroups', got '%s'",
                               format ? format : "");
    if (!s || !name || !*name) return vigil_error_set(VIGIL_EINVAL, "export: a monitor name is required");
    vigil_mrec c;
    memset(&c, 0, sizeof c);
    c.s = s, c.name = name;
    int rc = vigil_mrec_load(&c, NULL, NULL);
    if (!rc) {
        if (om) {
            vigil_sbuf b = {0};
            openmetrics(&c, &b);
            if (b.failed) {
                vigil_sbuf_free(&b);
                rc = vigil_error_set(VIGIL_ENOMEM, "out of memory writing the metrics");
            } else *out = b.s;
        } else
            rc = csv(&c, lv, out);
    }
    vigil_mrec_free(&c);
    return rc;
}
