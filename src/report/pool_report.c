/* The pooled report across partner sites (issue 22, `vigil pool --report DIR`): the random-effects
 * pooled estimate of each measure with its CI and prediction interval, each site's estimate with
 * its CI and weight, the sites outside the prediction interval, and a forest plot per measure.
 * Built only from the pooled document vigil_site_pool wrote; nothing is recomputed. */
#include "report/report_internal.h"
#include "report/report_write.h"
#include "core/json.h"
#include "vigil/error.h"
#include "vigil/fairness.h"
#include "vigil/report.h"
#include "vigil/version.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *key, *label, *scale_note;
    double ideal; /* the value of perfect calibration (a dashed line); NaN: none */
} pool_measure;

static const pool_measure k_pool_measures[] = {
    {"auroc", "AUROC", "pooled on the logit scale (DeLong variance by the delta method)", NAN},
    {"calibration_slope", "Calibration slope", "pooled as estimated (ideal 1)", 1},
    {"citl", "Calibration-in-the-large", "pooled as estimated, on the log-odds scale (ideal 0)", 0},
    {"oe_ratio", "O/E ratio", "pooled on the log scale (variance 1/O - 1/N; ideal 1)", 1},
};
#define N_POOL_MEASURES (sizeof k_pool_measures / sizeof k_pool_measures[0])

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItem(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void gp_set(vigil_sbuf *b, const char *what, const char *text)
{
    vigil_sbuf_printf(b, "set %s ", what);
    vigil_gp_str(b, text);
    vigil_sbuf_printf(b, "\n");
}

/* A ytics label: gnuplot takes it as a format, so a '%' is doubled. */
static void gp_tic_label(vigil_sbuf *b, const char *s)
{
    vigil_sbuf t = {0};
    for (; *s; s++) vigil_sbuf_printf(&t, *s == '%' ? "%%%%" : "%c", *s);
    vigil_gp_str(b, t.s ? t.s : "");
    if (t.failed) b->failed = 1;
    vigil_sbuf_free(&t);
}

/* One forest plot: a row per site (top down, in the bundles' order) with its CI and a square
 * sized by its weight, the pooled diamond (its CI) and the prediction interval beneath it. */
static char *forest(const pool_measure *m, const cJSON *o, const char **why)
{
    const cJSON *sites = cJSON_GetObjectItem(o, "sites"), *st;
    int k = cJSON_GetArraySize(sites);
    double lo = num(o, "pi_low"), hi = num(o, "pi_high");
    cJSON_ArrayForEach(st, sites)
    {
        lo = fmin(lo, num(st, "ci_low"));
        hi = fmax(hi, num(st, "ci_high"));
    }
    if (isfinite(m->ideal)) lo = fmin(lo, m->ideal), hi = fmax(hi, m->ideal);
    double pad = 0.08 * (hi - lo > 0 ? hi - lo : 1);
    vigil_sbuf b = {0};
    vigil_sbuf_printf(&b, "set terminal svg size 900,%d font 'sans,13' background rgb 'white'\n"
                          "set termoption noenhanced\nset output 'plot.svg'\nset encoding utf8\n"
                          "set grid xtics lc rgb '#dddddd'\nunset key\nset lmargin 18\n",
                      150 + 34 * (k + 2));
    char t[200];
    snprintf(t, sizeof t, "%s by site, random-effects pooled estimate", m->label);
    gp_set(&b, "title", t);
    gp_set(&b, "xlabel", m->label);
    vigil_sbuf_printf(&b, "set xrange [%.17g:%.17g]\nset yrange [-1.6:%d.6]\nset ytics (", lo - pad, hi + pad, k);
    int y = k;
    cJSON_ArrayForEach(st, sites)
    {
        gp_tic_label(&b, st->string);
        vigil_sbuf_printf(&b, " %d, ", y--);
    }
    vigil_sbuf_printf(&b, "'pooled (95%%%% CI)' 0, '95%%%% prediction' -1) scale 0\n");
    double v = num(o, "value"), cl = num(o, "ci_low"), ch = num(o, "ci_high");
    vigil_sbuf_printf(&b, "set object 1 polygon from %.17g,0 to %.17g,0.3 to %.17g,0 to %.17g,-0.3 to %.17g,0 "
                          "fc rgb '#1f4e79' fs solid border lc rgb '#1f4e79'\n",
                      cl, v, ch, v, cl);
    vigil_sbuf_printf(&b, "set arrow 1 from %.17g,-1 to %.17g,-1 nohead lw 2 dt 2 lc rgb '#1f4e79'\n", num(o, "pi_low"),
                      num(o, "pi_high"));
    vigil_sbuf_printf(&b, "set arrow 2 from %.17g,-1.6 to %.17g,%d.6 nohead dt 3 lc rgb '#1f4e79'\n", v, v, k);
    if (isfinite(m->ideal))
        vigil_sbuf_printf(&b, "set arrow 3 from %.17g,-1.6 to %.17g,%d.6 nohead dt 2 lc rgb '#888888'\n", m->ideal,
                          m->ideal, k);
    vigil_sbuf_printf(&b, "$d << EOD\n");
    y = k;
    cJSON_ArrayForEach(st, sites)
    {
        double w = num(st, "weight");
        vigil_sbuf_printf(&b, "%d %.17g %.17g %.17g %.17g %d\n", y--, num(st, "value"), num(st, "ci_low"),
                          num(st, "ci_high"), 0.6 + 2.4 * sqrt((isfinite(w) ? w : 0) / 100),
                          cJSON_IsTrue(cJSON_GetObjectItem(st, "inside_prediction_interval")) ? 0 : 1);
    }
    vigil_sbuf_printf(&b, "EOD\n"
                          "plot $d using 2:1:3:4 with xerrorbars pt -1 lc rgb '#333333', \\\n"
                          "     $d using 2:1:5:(int($6) ? 0xc0392b : 0x333333) with points pt 5 ps variable lc rgb variable\n");
    return vigil_plot_finish(&b, m->key, why);
}

static void site_table(rdoc *d, const pool_measure *m, const cJSON *o, size_t *outside)
{
    static const char *const cols[] = {"Site", "Cases", "Events", "Estimate", "95% CI", "Weight (%)",
                                       "Inside the 95% prediction interval"};
    char id[64], cap[200];
    snprintf(id, sizeof id, "sites-%s", m->key);
    snprintf(cap, sizeof cap, "%s at each site", m->label);
    vigil_doc_table(d, id, cap, cols, sizeof cols / sizeof cols[0]);
    const cJSON *st;
    cJSON_ArrayForEach(st, cJSON_GetObjectItem(o, "sites"))
    {
        int in = cJSON_IsTrue(cJSON_GetObjectItem(st, "inside_prediction_interval"));
        if (!in) (*outside)++;
        double n = num(st, "n"), e = num(st, "events");
        rcell c[7] = {vigil_cell_txt(st->string),
                      isfinite(n) ? vigil_cell_count(n, d->min_cell) : vigil_cell_sup(),
                      isfinite(e) ? vigil_cell_count(e, d->min_cell) : vigil_cell_sup(),
                      vigil_cell_num(num(st, "value"), 3),
                      vigil_cell_ci(num(st, "ci_low"), num(st, "ci_high"), 3),
                      vigil_cell_num(num(st, "weight"), 1),
                      vigil_cell_txt(in ? "yes" : "no: outside")};
        if (!in) c[6].cls = "fail";
        vigil_doc_row(d, c);
    }
    vigil_doc_table_end(d);
}

/* "0.812 (0.788 to 0.838)": a rate with its interval in one cell */
static rcell rate_cell(double v, double lo, double hi)
{
    rcell c = vigil_cell_ci_of(v, lo, hi, 3);
    char ci[64];
    snprintf(ci, sizeof ci, "%.60s", c.text);
    snprintf(c.text, sizeof c.text, "%.3f (%s)", v, ci);
    return c;
}

/* The bundles' summaries added up (vigil_site_pool's summaries): the rates at each threshold
 * and the reliability bins; a cell withheld at a site reads as suppressed, naming the site. */
static void summed_tables(rdoc *d, const cJSON *doc, size_t sec)
{
    const cJSON *sm = cJSON_GetObjectItem(doc, "summaries"), *o;
    if (!sm) return;
    char h[128];
    snprintf(h, sizeof h, "%zu. Summed over the sites", sec);
    vigil_doc_h(d, 2, "summed", h);
    vigil_doc_p(d, "The bundles' mergeable summaries, %s. A cell withheld at any site (cell-size policy) is withheld "
                   "here, and the last column names the sites.",
                cJSON_GetStringValue(cJSON_GetObjectItem(sm, "method")));
    static const char *const tcols[] = {"Threshold", "TP", "FP", "FN", "TN", "Sensitivity (95% CI)",
                                        "Specificity (95% CI)", "PPV (95% CI)", "NPV (95% CI)"};
    vigil_doc_table(d, "summed-thresholds", "Confusion counts and rates at each threshold, summed over the sites", tcols,
                    sizeof tcols / sizeof tcols[0]);
    cJSON_ArrayForEach(o, cJSON_GetObjectItem(sm, "thresholds"))
    {
        rcell c[9];
        c[0] = vigil_cell_num(num(o, "threshold"), 3);
        static const char *const cells[4] = {"tp", "fp", "fn", "tn"}, *const rates[4] = {"sensitivity", "specificity",
                                                                                         "ppv", "npv"};
        for (int k = 0; k < 4; k++) {
            double v = num(o, cells[k]);
            c[1 + k] = isfinite(v) ? vigil_cell_count(v, d->min_cell) : vigil_cell_sup();
            const cJSON *q = cJSON_GetObjectItem(o, rates[k]);
            c[5 + k] = isfinite(num(q, "value")) ? rate_cell(num(q, "value"), num(q, "ci_low"), num(q, "ci_high"))
                                                 : vigil_cell_sup();
        }
        vigil_doc_row(d, c);
    }
    vigil_doc_table_end(d);
    static const char *const bcols[] = {"Predicted risk", "Cases", "Events", "Mean predicted", "Observed (95% CI)",
                                        "Withheld at"};
    vigil_doc_table(d, "summed-bins", "Reliability bins summed over the sites", bcols, sizeof bcols / sizeof bcols[0]);
    cJSON_ArrayForEach(o, cJSON_GetObjectItem(sm, "calibration_bins"))
    {
        char range[48];
        snprintf(range, sizeof range, "%.1f to %.1f", num(o, "bin_low"), num(o, "bin_high"));
        vigil_sbuf at = {0};
        const cJSON *s;
        cJSON_ArrayForEach(s, cJSON_GetObjectItem(o, "withheld_at"))
            vigil_sbuf_printf(&at, "%s%s", at.len ? ", " : "", cJSON_GetStringValue(s));
        int shown = !at.len;
        double n = num(o, "n");
        rcell c[6] = {vigil_cell_txt(range), shown ? vigil_cell_count(n, d->min_cell) : vigil_cell_sup(),
                      shown ? vigil_cell_count(num(o, "events"), d->min_cell) : vigil_cell_sup(),
                      shown && n > 0 ? vigil_cell_num(num(o, "mean_score"), 3) : vigil_cell_txt(shown ? "no cases" : ""),
                      shown && n > 0 ? rate_cell(num(o, "observed"), num(o, "ci_low"), num(o, "ci_high"))
                                     : vigil_cell_txt(shown ? "no cases" : ""),
                      vigil_cell_txt(shown ? "-" : at.s)};
        if (!shown) c[3] = c[4] = vigil_cell_sup();
        vigil_doc_row(d, c);
        vigil_sbuf_free(&at);
    }
    vigil_doc_table_end(d);
}

static void build(rdoc *d, const cJSON *doc, const char *const *files, size_t nfiles, const vigil_report_options *opt,
                  vigil_report_pool_summary *out)
{
    const cJSON *pooled = cJSON_GetObjectItem(doc, "pooled");
    vigil_doc_h(d, 1, "top", "Validation across sites: pooled evidence");
    vigil_doc_p(d, "%.0f site bundles (vigil site export) pooled by vigil %s with %s. Every number here comes from "
                   "the sites' bundles; no site's cases left it. Each site's estimate is shown with its 95%% CI and "
                   "its weight in the pooled estimate.",
                num(doc, "sites"), vigil_version(), cJSON_GetStringValue(cJSON_GetObjectItem(doc, "method")));
    vigil_doc_h(d, 2, "pooled", "1. Pooled estimates");
    static const char *const cols[] = {"Measure", "Sites", "Pooled", "95% CI", "95% prediction interval", "tau^2",
                                       "I^2 (%)"};
    vigil_doc_table(d, "pooled", "Random-effects pooled estimates", cols, sizeof cols / sizeof cols[0]);
    for (size_t i = 0; i < N_POOL_MEASURES; i++) {
        const cJSON *o = cJSON_GetObjectItem(pooled, k_pool_measures[i].key);
        if (!o) continue;
        rcell c[7] = {vigil_cell_txt(k_pool_measures[i].label), vigil_cell_num(num(o, "k"), 0),
                      vigil_cell_num(num(o, "value"), 3), vigil_cell_ci(num(o, "ci_low"), num(o, "ci_high"), 3),
                      vigil_cell_ci(num(o, "pi_low"), num(o, "pi_high"), 3), vigil_cell_num(num(o, "tau2"), 4),
                      vigil_cell_num(num(o, "i2"), 1)};
        if (!isfinite(num(o, "value"))) {
            const char *r = cJSON_GetStringValue(cJSON_GetObjectItem(o, "reason"));
            c[2] = vigil_cell_txt(r ? r : "not pooled");
        }
        vigil_doc_row(d, c);
    }
    vigil_doc_table_end(d);
    vigil_doc_p(d, "How to read it: the pooled value is the random-effects estimate of the mean across sites, with "
                   "its 95%% CI. The 95%% prediction interval is where the value at a new site like these is expected: "
                   "it widens with the heterogeneity between sites (tau^2; I^2 is the share of the variation that is "
                   "between sites rather than sampling error). A site outside the prediction interval differs more "
                   "than that heterogeneity explains: look at its case mix, its local fine-tuning and its "
                   "calibration before relying on the pooled figure there.");
    static const char off[] = "plots were switched off (--no-plots)";
    size_t outside = 0, sec = 2;
    for (size_t i = 0; i < N_POOL_MEASURES; i++) {
        const pool_measure *m = &k_pool_measures[i];
        const cJSON *o = cJSON_GetObjectItem(pooled, m->key);
        if (!o || !isfinite(num(o, "value"))) continue;
        char h[128];
        snprintf(h, sizeof h, "%zu. %s", sec++, m->label);
        vigil_doc_h(d, 2, m->key, h);
        vigil_doc_p(d, "%s; %.0f sites.", m->scale_note, num(o, "k"));
        size_t before = outside;
        site_table(d, m, o, &outside);
        if (outside > before) {
            vigil_sbuf names = {0};
            const cJSON *st;
            cJSON_ArrayForEach(st, cJSON_GetObjectItem(o, "sites"))
                if (!cJSON_IsTrue(cJSON_GetObjectItem(st, "inside_prediction_interval")))
                    vigil_sbuf_printf(&names, "%s%s", names.len ? ", " : "", st->string);
            char text[1024];
            snprintf(text, sizeof text, "%s lie%s outside the 95%% prediction interval of the %s.",
                     names.s ? names.s : "", outside - before == 1 ? "s" : "", m->label);
            vigil_doc_box(d, "warn", "Outside the prediction interval:", text);
            vigil_sbuf_free(&names);
        }
        const char *why = off;
        char *svg = opt->no_plots ? NULL : forest(m, o, &why);
        char title[160];
        snprintf(title, sizeof title, "Forest plot: %s", m->label);
        vigil_doc_plot(d, m->key, title, svg, why,
                       isfinite(m->ideal)
                           ? "each site's estimate with its 95% CI (the square's size its weight; red: outside the "
                             "prediction interval), the pooled estimate as a diamond spanning its CI, the 95% "
                             "prediction interval dashed beneath it, the pooled value dotted and perfect calibration "
                             "dashed grey"
                           : "each site's estimate with its 95% CI (the square's size its weight; red: outside the "
                             "prediction interval), the pooled estimate as a diamond spanning its CI, the 95% "
                             "prediction interval dashed beneath it and the pooled value dotted");
        free(svg);
    }
    summed_tables(d, doc, sec);
    vigil_doc_h(d, 2, "bundles", "Bundles pooled");
    vigil_sbuf list = {0};
    for (size_t i = 0; i < nfiles; i++) vigil_sbuf_printf(&list, "%s\n", files[i]);
    vigil_doc_code(d, list.s ? list.s : "");
    vigil_sbuf_free(&list);
    cJSON *ev = d->evidence;
    cJSON_AddStringToObject(ev, "kind", "pooled_sites");
    cJSON_AddItemToObject(ev, "pooled", cJSON_Duplicate(doc, 1));
    cJSON_AddStringToObject(ev, "report_tool_version", vigil_version());
    out->sites = (size_t)num(doc, "sites");
    out->outside = outside;
}

int vigil_report_write_pool(const char *pooled_json, const char *const *files, size_t nfiles,
                            const vigil_report_options *opt, vigil_report_pool_summary *out)
{
    if (!pooled_json || !opt || !opt->out_dir || !*opt->out_dir)
        return vigil_error_set(VIGIL_EINVAL, "report: the pooled document and an output directory are required");
    vigil_report_pool_summary dummy;
    if (!out) out = &dummy;
    memset(out, 0, sizeof *out);
    char exe[4096];
    if (opt->pdf && !vigil_report_pdf_available(exe, sizeof exe)) return vigil_error_set(VIGIL_EINVAL, "%s", VIGIL_REPORT_NO_PDF);
    cJSON *doc = cJSON_Parse(pooled_json);
    if (!doc || !cJSON_IsObject(cJSON_GetObjectItem(doc, "pooled"))) {
        cJSON_Delete(doc);
        return vigil_error_set(VIGIL_EINVAL, "report: not a pooled document (vigil pool writes them)");
    }
    rdoc d;
    vigil_doc_init(&d, VIGIL_MIN_CELL_DEFAULT);
    build(&d, doc, files, nfiles, opt, out);
    out->n_plots = d.n_plots;
    out->n_plots_drawn = d.n_drawn;
    int rc;
    if (d.html.failed || d.md.failed) rc = vigil_error_set(VIGIL_ENOMEM, "out of memory building the report");
    else {
        vigil_report_dir_options wo = {opt->force, opt->pdf, "vigil pooled validation across sites",
                                       "vigil: pooled validation across sites"};
        rc = vigil_report_write_dir(opt->out_dir, &d, NULL, &wo);
    }
    vigil_doc_free(&d);
    cJSON_Delete(doc);
    return rc;
}
