/* The report's plots: gnuplot scripts built from stored numbers only. Okabe-Ito colours plus a
 * distinct dash pattern and point type per series, so plots read in grey print and for
 * colour-blind readers; every axis is labelled with its unit. */
#include "report/report_plots.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const k_col[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"};
static const int k_dt[] = {1, 2, 4, 5, 3, 1, 2};
static const int k_pt[] = {7, 5, 9, 11, 13, 6, 4};
#define NSTYLE 7

static void prelude(vigil_sbuf *b, const char *title, const char *xl, const char *yl)
{
    vigil_sbuf_printf(b,
                      "set terminal svg size 720,440 font 'sans,12' background rgb 'white'\n"
                      "set output 'plot.svg'\n"
                      "set encoding utf8\nset grid lc rgb '#dddddd'\nset border lw 1\n"
                      "set key box opaque\nset title \"%s\"\nset xlabel \"%s\"\nset ylabel \"%s\"\n",
                      title, xl, yl);
}

static void style(vigil_sbuf *b, int i, const char *with)
{
    i %= NSTYLE;
    vigil_sbuf_printf(b, " with %s lc rgb '%s' dt %d pt %d lw 2", with, k_col[i], k_dt[i], k_pt[i]);
}

static double jnum(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static char *finish(vigil_sbuf *b, const char *name, const char **why)
{
    if (b->failed) {
        vigil_sbuf_free(b);
        *why = "out of memory building the plot";
        return NULL;
    }
    char *svg = plot_run(b->s, name, why);
    vigil_sbuf_free(b);
    return svg;
}

char *plot_reliability(const cJSON *const *models, const char *const *labels, size_t n, const char **why)
{
    vigil_sbuf b = {0};
    size_t drawn = 0;
    prelude(&b, "Reliability diagram (10 equal-width bins, Wilson 95% CI)",
            "Mean predicted risk in bin (probability)", "Observed event rate (proportion)");
    for (size_t m = 0; m < n; m++) {
        const cJSON *rel = cJSON_GetObjectItem(cJSON_GetObjectItem(models[m], "calibration"), "reliability");
        vigil_sbuf_printf(&b, "$d%zu << EOD\n", m);
        const cJSON *bin;
        cJSON_ArrayForEach(bin, rel)
        {
            double x = jnum(bin, "mean_score"), y = jnum(bin, "observed");
            if (cJSON_IsTrue(cJSON_GetObjectItem(bin, "suppressed")) || !isfinite(x) || !isfinite(y)) continue;
            vigil_sbuf_printf(&b, "%.9g %.9g %.9g %.9g\n", x, y, jnum(bin, "ci_low"), jnum(bin, "ci_high"));
            drawn++;
        }
        vigil_sbuf_printf(&b, "EOD\n");
    }
    if (!drawn) {
        vigil_sbuf_free(&b);
        *why = "the stored metrics hold no reliability bins";
        return NULL;
    }
    vigil_sbuf_printf(&b, "set xrange [0:1]\nset yrange [0:1]\nset key top left\nset size ratio -1\n"
                          "plot x title 'perfect calibration' with lines lc rgb '#777777' dt 3 lw 1");
    for (size_t m = 0; m < n; m++) {
        vigil_sbuf_printf(&b, ", $d%zu using 1:2:3:4 title '%s'", m, labels[m]);
        style(&b, (int)m, "yerrorlines");
    }
    vigil_sbuf_printf(&b, "\n");
    return finish(&b, "rel", why);
}

char *plot_roc(const cJSON *const *models, const char *const *labels, size_t n, const char **why)
{
    vigil_sbuf b = {0};
    size_t pts = 0;
    prelude(&b, "ROC curves", "False-positive rate (1 - specificity)", "True-positive rate (sensitivity)");
    for (size_t m = 0; m < n; m++) {
        const cJSON *roc = cJSON_GetObjectItem(cJSON_GetObjectItem(models[m], "discrimination"), "roc_curve");
        vigil_sbuf_printf(&b, "$d%zu << EOD\n", m);
        const cJSON *p;
        cJSON_ArrayForEach(p, roc)
        {
            double x = jnum(p, "fpr"), y = jnum(p, "tpr");
            if (!isfinite(x) || !isfinite(y)) continue;
            vigil_sbuf_printf(&b, "%.9g %.9g\n", x, y);
            pts++;
        }
        vigil_sbuf_printf(&b, "EOD\n");
    }
    if (!pts) {
        vigil_sbuf_free(&b);
        *why = "the stored metrics hold no ROC points (discrimination.roc_curve)";
        return NULL;
    }
    vigil_sbuf_printf(&b, "set xrange [0:1]\nset yrange [0:1]\nset key bottom right\nset size ratio -1\n"
                          "plot x title 'chance' with lines lc rgb '#777777' dt 3 lw 1");
    for (size_t m = 0; m < n; m++) {
        vigil_sbuf_printf(&b, ", $d%zu using 1:2 title '%s'", m, labels[m]);
        style(&b, (int)m, "lines");
    }
    vigil_sbuf_printf(&b, "\n");
    return finish(&b, "roc", why);
}

char *plot_decision(const cJSON *const *models, const char *const *labels, size_t n, const char **why)
{
    vigil_sbuf b = {0};
    size_t pts = 0;
    double ymax = 0.01;
    prelude(&b, "Decision curve", "Threshold probability", "Net benefit (true positives per patient)");
    for (size_t m = 0; m < n; m++) {
        const cJSON *nb = cJSON_GetObjectItem(models[m], "net_benefit");
        const cJSON *t = cJSON_GetObjectItem(nb, "thresholds"), *mo = cJSON_GetObjectItem(nb, "model"),
                    *ta = cJSON_GetObjectItem(nb, "treat_all");
        int k = cJSON_GetArraySize(t);
        vigil_sbuf_printf(&b, "$d%zu << EOD\n", m);
        for (int i = 0; i < k; i++) {
            const cJSON *x = cJSON_GetArrayItem(t, i), *y = cJSON_GetArrayItem(mo, i), *a = cJSON_GetArrayItem(ta, i);
            if (!cJSON_IsNumber(x) || !cJSON_IsNumber(y)) continue;
            vigil_sbuf_printf(&b, "%.9g %.9g %.9g\n", x->valuedouble, y->valuedouble,
                              cJSON_IsNumber(a) ? a->valuedouble : NAN);
            if (y->valuedouble > ymax) ymax = y->valuedouble;
            pts++;
        }
        vigil_sbuf_printf(&b, "EOD\n");
    }
    if (!pts) {
        vigil_sbuf_free(&b);
        *why = "the stored metrics hold no decision-curve points (net_benefit)";
        return NULL;
    }
    vigil_sbuf_printf(&b, "set xrange [0:1]\nset yrange [%.6g:%.6g]\nset key top right\n"
                          "plot 0 title 'treat none' with lines lc rgb '#000000' dt 1 lw 1, "
                          "$d0 using 1:3 title 'treat all' with lines lc rgb '#777777' dt 3 lw 1",
                      -ymax * 0.25, ymax * 1.15);
    for (size_t m = 0; m < n; m++) {
        vigil_sbuf_printf(&b, ", $d%zu using 1:2 title '%s'", m, labels[m]);
        style(&b, (int)m, "lines");
    }
    vigil_sbuf_printf(&b, "\n");
    return finish(&b, "dca", why);
}

char *plot_forest(const cJSON *const *models, const char *const *labels, size_t n, const char **why)
{
    vigil_sbuf b = {0};
    size_t rows = 0;
    prelude(&b, "Subgroup AUROC (DeLong 95% CI); suppressed levels omitted", "AUROC (unitless, 0.5 = chance)", "");
    const cJSON *sg = cJSON_GetObjectItem(models[0], "subgroups"), *g, *lv;
    for (size_t m = 0; m < n; m++) {
        vigil_sbuf_printf(&b, "$d%zu << EOD\n", m);
        size_t row = 0;
        cJSON_ArrayForEach(g, sg)
        {
            cJSON_ArrayForEach(lv, cJSON_GetObjectItem(g, "levels"))
            {
                row++;
                const cJSON *mg = cJSON_GetObjectItem(cJSON_GetObjectItem(models[m], "subgroups"), g->string);
                const cJSON *ml = cJSON_GetObjectItem(cJSON_GetObjectItem(mg, "levels"), lv->string);
                double v = jnum(ml, "auroc"), lo = jnum(ml, "auroc_ci_low"), hi = jnum(ml, "auroc_ci_high");
                if (cJSON_IsTrue(cJSON_GetObjectItem(ml, "suppressed")) || !isfinite(v)) continue;
                vigil_sbuf_printf(&b, "%.4f %.9g %.9g %.9g \"%s=%s\"\n", (double)row - 0.18 * (double)m, v,
                                  isfinite(lo) ? lo : v, isfinite(hi) ? hi : v, g->string, lv->string);
            }
        }
        if (row > rows) rows = row;
        vigil_sbuf_printf(&b, "EOD\n");
    }
    if (!rows) {
        vigil_sbuf_free(&b);
        *why = "the stored metrics hold no subgroups";
        return NULL;
    }
    vigil_sbuf_printf(&b, "set yrange [%zu.7:0.3]\nset key bottom left\nset ytics scale 0\n", rows);
    vigil_sbuf_printf(&b, "plot $d0 using 2:1:3:4:ytic(5) title '%s'", labels[0]);
    style(&b, 0, "xerrorbars");
    for (size_t m = 1; m < n; m++) {
        vigil_sbuf_printf(&b, ", $d%zu using 2:1:3:4 title '%s'", m, labels[m]);
        style(&b, (int)m, "xerrorbars");
    }
    vigil_sbuf_printf(&b, "\n");
    return finish(&b, "forest", why);
}

char *plot_shap(const cJSON *expl, const char **why)
{
    const cJSON *glob = cJSON_GetObjectItem(expl, "global_importance"), *f;
    if (!cJSON_IsObject(glob) || !glob->child) {
        *why = "the stored result holds no SHAP importance (explanations.global_importance)";
        return NULL;
    }
    vigil_sbuf b = {0};
    prelude(&b, "Global SHAP importance, overall and per subgroup", "Feature", "Mean |SHAP| (margin units, log-odds)");
    const char *series[16];
    const cJSON *sobj[16];
    size_t ns = 0;
    series[ns] = "overall";
    sobj[ns++] = glob;
    const cJSON *g, *lv;
    cJSON_ArrayForEach(g, cJSON_GetObjectItem(expl, "by_group"))
    {
        cJSON_ArrayForEach(lv, g)
        {
            if (ns == 16) break;
            static char names[16][96];
            snprintf(names[ns], sizeof names[ns], "%s=%s", g->string, lv->string);
            series[ns] = names[ns];
            sobj[ns++] = lv;
        }
    }
    vigil_sbuf_printf(&b, "$d << EOD\n");
    cJSON_ArrayForEach(f, glob)
    {
        vigil_sbuf_printf(&b, "\"%s\"", f->string);
        for (size_t s = 0; s < ns; s++) {
            double v = jnum(sobj[s], f->string);
            if (isfinite(v)) vigil_sbuf_printf(&b, " %.9g", v);
            else vigil_sbuf_printf(&b, " NaN");
        }
        vigil_sbuf_printf(&b, "\n");
    }
    vigil_sbuf_printf(&b, "EOD\nset style data histogram\nset style histogram clustered gap 1\n"
                          "set yrange [0:*]\nset key top right\nset xtics scale 0\nplot ");
    for (size_t s = 0; s < ns; s++)
        vigil_sbuf_printf(&b, "%s$d using %zu%s title '%s' lc rgb '%s' fs pattern %zu border rgb '#000000'",
                          s ? ", " : "", s + 2, s ? "" : ":xtic(1)", series[s], k_col[s % NSTYLE],
                          s % 8);
    vigil_sbuf_printf(&b, "\n");
    return finish(&b, "shap", why);
}

char *plot_drift(const drift_point *p, size_t n, double floor, const char **why)
{
    size_t ok = 0;
    for (size_t i = 0; i < n; i++) ok += isfinite(p[i].effect);
    if (!ok) {
        *why = "no completed monitor run with an effect size is stored for this model";
        return NULL;
    }
    vigil_sbuf b = {0};
    prelude(&b, "Drift monitor timeline: largest effect per run, alarms marked",
            "Monitor run (store id, date)", "Largest effect (Wasserstein/SD, PSI or |h|)");
    vigil_sbuf_printf(&b, "$d << EOD\n");
    for (size_t i = 0; i < n; i++)
        vigil_sbuf_printf(&b, "%zu %.9g %d %.9g \"%s\"\n", i + 1, p[i].effect, p[i].alarm, p[i].pred_effect, p[i].label);
    vigil_sbuf_printf(&b, "EOD\nset xrange [0.5:%zu.5]\nset yrange [0:*]\nset key top left\nset xtics rotate by -30\n",
                      n);
    vigil_sbuf_printf(&b, "plot %.6g title 'effect floor' with lines lc rgb '#777777' dt 3 lw 1", floor);
    vigil_sbuf_printf(&b, ", $d using 1:2:xtic(5) title 'largest feature effect'");
    style(&b, 0, "linespoints");
    vigil_sbuf_printf(&b, ", $d using 1:4 title 'prediction (score) effect'");
    style(&b, 2, "linespoints");
    vigil_sbuf_printf(&b, ", $d using 1:($3 > 0 ? $2 : 1/0) title 'alarm' with points lc rgb '#D55E00' pt 9 ps 2.2\n");
    return finish(&b, "drift", why);
}
