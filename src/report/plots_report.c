/* The report's plots: gnuplot scripts built from stored numbers only. Okabe-Ito colours plus a
 * distinct dash pattern and point type per series, so plots read in grey print and for
 * colour-blind readers; every axis is labelled with its unit. Datablocks hold numbers only;
 * every string (titles, and names from the case file: subgroup levels, features) goes in
 * through vigil_gp_str, never pasted into the script. */
#include "report/report_plots.h"
#include "vigil/catalogue.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const k_col[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"};
static const int k_dt[] = {1, 2, 4, 5, 3, 1, 2};
static const int k_pt[] = {7, 5, 9, 11, 13, 6, 4};
#define NSTYLE 7

/* "set <what> '<text>'" */
static void set_str(vigil_sbuf *b, const char *what, const char *text)
{
    vigil_sbuf_printf(b, "set %s ", what);
    vigil_gp_str(b, text);
    vigil_sbuf_printf(b, "\n");
}

/* " title '<text>'" */
static void title(vigil_sbuf *b, const char *text)
{
    vigil_sbuf_printf(b, " title ");
    vigil_gp_str(b, text);
}

/* Tick and key labels from the data are cut to LABEL_MAX bytes (at a UTF-8 character boundary,
 * "..." appended), so that a long name cannot squeeze the plot area to nothing; the tables show
 * the full names. out holds max + 4 bytes. */
#define LABEL_MAX 40
static void cut(char *out, const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n <= max) {
        memcpy(out, s ? s : "", n + 1);
        return;
    }
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    memcpy(out, s, n);
    memcpy(out + n, "...", 4);
}

static void label_str(vigil_sbuf *b, const char *s)
{
    char c[LABEL_MAX + 4];
    cut(c, s, LABEL_MAX);
    vigil_gp_str(b, c);
}

/* A subgroup level as the label 'group=level', each part cut to half the length. */
static void level_str(vigil_sbuf *b, const char *group, const char *level)
{
    char g[LABEL_MAX / 2 + 4], l[LABEL_MAX / 2 + 4], t[LABEL_MAX + 12];
    cut(g, group, LABEL_MAX / 2);
    cut(l, level, LABEL_MAX / 2);
    snprintf(t, sizeof t, "%s=%s", g, l);
    vigil_gp_str(b, t);
}

/* Text is plain (noenhanced: '_' is not a subscript) and the key sits below the plot area,
 * where it hides no data and takes none of the plot's width. */
static void prelude_size(vigil_sbuf *b, int w, int h, const char *t, const char *xl, const char *yl)
{
    vigil_sbuf_printf(b, "set terminal svg size %d,%d font 'sans,13' background rgb 'white'\n", w, h);
    vigil_sbuf_printf(b, "set termoption noenhanced\n"
                         "set output 'plot.svg'\n"
                         "set encoding utf8\nset grid lc rgb '#dddddd'\nset border lw 1\n"
                         /* the key below, in a bottom margin tall enough for it and the
                          * axis label (gnuplot's own margin lets the two overlap) */
                         "set key below center horizontal box height 1\nset bmargin 7\n");
    set_str(b, "title", t);
    set_str(b, "xlabel", xl);
    set_str(b, "ylabel", yl);
}

static void prelude(vigil_sbuf *b, const char *t, const char *xl, const char *yl)
{
    prelude_size(b, 900, 600, t, xl, yl);
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

static char *finish(vigil_sbuf *b, const char *name, const char **why) { return vigil_plot_finish(b, name, why); }

/* Observed against predicted with 95% intervals, one series per array of bins ({xkey, ykey,
 * ci_low, ci_high}; a bin marked suppressed is left out), over the diagonal. */
static char *observed_vs_predicted(const char *heading, const char *xlabel, const char *ylabel,
                                   const cJSON *const *bins, const char *const *labels, size_t n, const char *xkey,
                                   const char *ykey, const char *none, const char *name, const char **why)
{
    vigil_sbuf b = {0};
    size_t drawn = 0;
    prelude(&b, heading, xlabel, ylabel);
    for (size_t m = 0; m < n; m++) {
        vigil_sbuf_printf(&b, "$d%zu << EOD\n", m);
        const cJSON *bin;
        cJSON_ArrayForEach(bin, bins[m])
        {
            double x = jnum(bin, xkey), y = jnum(bin, ykey);
            if (cJSON_IsTrue(cJSON_GetObjectItem(bin, "suppressed")) || !isfinite(x) || !isfinite(y)) continue;
            vigil_sbuf_printf(&b, "%.9g %.9g %.9g %.9g\n", x, y, jnum(bin, "ci_low"), jnum(bin, "ci_high"));
            drawn++;
        }
        vigil_sbuf_printf(&b, "EOD\n");
    }
    if (!drawn) {
        vigil_sbuf_free(&b);
        *why = none;
        return NULL;
    }
    vigil_sbuf_printf(&b, "set xrange [0:1]\nset yrange [0:1]\nset size ratio -1\n"
                          "plot x title 'perfect calibration' with lines lc rgb '#777777' dt 3 lw 1");
    for (size_t m = 0; m < n; m++) {
        vigil_sbuf_printf(&b, ", $d%zu using 1:2:3:4", m);
        title(&b, labels[m]);
        style(&b, (int)m, "yerrorlines");
    }
    vigil_sbuf_printf(&b, "\n");
    return finish(&b, name, why);
}

/* One series of a calibration figure: the bins drawn as points (the equal-count bins where the
 * run stored them, else the equal-width ones), the equal-width bins of the histogram, the lowess
 * curve (NULL or not an array: none) and, for levels, the scope's cases. */
typedef struct {
    const cJSON *points, *hist, *curve;
    const char *label;
    double total;
} cal_series;

/* A scope's calibration block as a series: the points are calibration.reliability_quantile when
 * stored (runs before issue 18's bins where the patients are have only the equal-width ones). */
static cal_series cal_series_of(const cJSON *cal, const char *label, double total)
{
    const cJSON *q = cJSON_GetObjectItem(cal, "reliability_quantile"), *w = cJSON_GetObjectItem(cal, "reliability");
    return (cal_series){cJSON_IsArray(q) ? q : w, w, cJSON_GetObjectItem(cal, "lowess_curve"), label, total};
}

int vigil_plot_calibration_quantile(const cJSON *cal)
{
    return cJSON_IsArray(cJSON_GetObjectItem(cal, "reliability_quantile"));
}

/* Whether a series has anything the cell-size policy let through. */
static int series_shown(const cal_series *c)
{
    const cJSON *bin;
    cJSON_ArrayForEach(bin, c->points) if (isfinite(jnum(bin, "observed"))) return 1;
    cJSON_ArrayForEach(bin, c->hist) if (isfinite(jnum(bin, "n")) && jnum(bin, "n") > 0) return 1;
    return cJSON_GetArraySize(c->curve) > 0;
}

/* The calibration figure of a binary run: above, observed against predicted risk per
 * reliability bin with its Wilson 95% interval and, where the run stored it, the scope's lowess
 * calibration curve as val.prob draws it, a line in the series' colour through the bins'
 * points; below, on the same risk axis, the distribution of predicted risk: how many of the
 * scope's cases fall in each equal-width bin (shares: the share of the series' total cases, for
 * levels of different sizes). Only stored numbers are drawn; a bin the cell-size policy
 * withheld (suppressed, n null) is in neither panel, and a scope whose curve it withheld (null)
 * has bins only. */
static char *calibration_panels(const char *heading, const cal_series *c, size_t n, int shares, const char *name,
                                const char **why)
{
    vigil_sbuf b = {0};
    size_t drawn = 0;
    prelude_size(&b, 900, 840, "", "", "");
    for (size_t m = 0; m < n; m++) {
        /* the share of all the level's cases (withheld bins included: the engine's complementary
         * suppression keeps what they hold together at min-cell or more) */
        double total = c[m].total;
        const cJSON *bin;
        vigil_sbuf_printf(&b, "$d%zu << EOD\n", m);
        cJSON_ArrayForEach(bin, c[m].points)
        {
            double x = jnum(bin, "mean_score"), y = jnum(bin, "observed");
            if (cJSON_IsTrue(cJSON_GetObjectItem(bin, "suppressed")) || !isfinite(x) || !isfinite(y)) continue;
            vigil_sbuf_printf(&b, "%.9g %.9g %.9g %.9g\n", x, y, jnum(bin, "ci_low"), jnum(bin, "ci_high"));
            drawn++;
        }
        /* the histogram: bin_low bin_high cases (or share) */
        vigil_sbuf_printf(&b, "EOD\n$h%zu << EOD\n", m);
        cJSON_ArrayForEach(bin, c[m].hist)
        {
            double lo = jnum(bin, "bin_low"), hi = jnum(bin, "bin_high"), k = jnum(bin, "n");
            if (cJSON_IsTrue(cJSON_GetObjectItem(bin, "suppressed")) || !isfinite(lo) || !isfinite(hi) || !isfinite(k))
                continue;
            if (shares && !(total > 0)) continue;
            vigil_sbuf_printf(&b, "%.9g %.9g %.9g\n", lo, hi, shares ? k / total : k);
        }
        /* the lowess curve: predicted observed */
        vigil_sbuf_printf(&b, "EOD\n$c%zu << EOD\n", m);
        cJSON_ArrayForEach(bin, c[m].curve)
        {
            double x = jnum(bin, "predicted"), y = jnum(bin, "observed");
            if (isfinite(x) && isfinite(y)) vigil_sbuf_printf(&b, "%.9g %.9g\n", x, y);
        }
        vigil_sbuf_printf(&b, "EOD\n");
    }
    if (!drawn) {
        vigil_sbuf_free(&b);
        *why = "the stored metrics hold no reliability bins that the cell-size policy lets through";
        return NULL;
    }
    vigil_sbuf_printf(&b, "set multiplot\nset lmargin at screen 0.11\nset rmargin at screen 0.97\n"
                          "set tmargin at screen 0.93\nset bmargin at screen 0.38\n"
                          "set xrange [0:1]\nset yrange [0:1]\nset format x ''\nunset xlabel\n"
                          "set key top left inside box opaque\n");
    set_str(&b, "title", heading);
    set_str(&b, "ylabel", "Observed event rate (proportion)");
    vigil_sbuf_printf(&b, "plot x title 'perfect calibration' with lines lc rgb '#777777' dt 3 lw 1");
    for (size_t m = 0; m < n; m++) {
        /* with a curve, the bins are its points with their intervals and the key names the
         * curve; without, the bins are joined */
        int curve = cJSON_GetArraySize(c[m].curve) > 0;
        vigil_sbuf_printf(&b, ", $d%zu using 1:2:3:4", m);
        if (curve) vigil_sbuf_printf(&b, " notitle");
        else title(&b, c[m].label);
        style(&b, (int)m, curve ? "yerrorbars" : "yerrorlines");
        if (!curve) continue;
        vigil_sbuf_printf(&b, ", $c%zu using 1:2", m);
        char key[LABEL_MAX + 32];
        snprintf(key, sizeof key, "%s: lowess", c[m].label);
        title(&b, key);
        style(&b, (int)m, "lines");
    }
    /* the bars of series m side by side within each bin */
    vigil_sbuf_printf(&b, "\nunset title\nset tmargin at screen 0.31\nset bmargin at screen 0.08\n"
                          "set format x '%%g'\nset yrange [0:*]\nset key top right inside box opaque\n"
                          "set style fill solid 0.55 border\n");
    set_str(&b, "xlabel", "Predicted risk (probability)");
    set_str(&b, "ylabel", shares ? "Share of the level's cases" : "Cases in bin");
    vigil_sbuf_printf(&b, "plot ");
    for (size_t m = 0; m < n; m++) {
        vigil_sbuf_printf(&b, "%s$h%zu using ($1 + ($2 - $1) * (%zu + 0.5) / %zu):3:(($2 - $1) * 0.9 / %zu)", m ? ", " : "",
                          m, m, n, n);
        title(&b, c[m].label);
        vigil_sbuf_printf(&b, " with boxes lc rgb '%s'", k_col[m % NSTYLE]);
    }
    vigil_sbuf_printf(&b, "\nunset multiplot\n");
    return finish(&b, name, why);
}

/* "equal-count" when every series' points are the equal-count bins, else "equal-width". */
static const char *bins_kind(const cal_series *c, size_t n)
{
    for (size_t m = 0; m < n; m++)
        if (c[m].points == c[m].hist) return "equal-width";
    return "equal-count";
}

char *vigil_plot_calibration_levels(const cJSON *group, const char *gname, const char *name, size_t *n_left_out,
                                    const char **why)
{
    cal_series c[NSTYLE];
    char lab[NSTYLE][LABEL_MAX + 12];
    const cJSON *lv;
    size_t n = 0;
    *n_left_out = 0;
    cJSON_ArrayForEach(lv, cJSON_GetObjectItem(group, "levels"))
    {
        cal_series one = cal_series_of(cJSON_GetObjectItem(lv, "calibration"), NULL, jnum(lv, "n"));
        if (cJSON_IsTrue(cJSON_GetObjectItem(lv, "suppressed")) || !series_shown(&one)) continue; /* nothing of it to draw */
        if (n == NSTYLE) { /* a colour and dash pattern per level, never one shared by two */
            (*n_left_out)++;
            continue;
        }
        char l[LABEL_MAX + 4];
        cut(l, lv->string, LABEL_MAX);
        snprintf(lab[n], sizeof lab[n], "%s", l);
        one.label = lab[n];
        c[n++] = one;
    }
    if (!n) {
        *why = "the stored metrics hold no per-level reliability bins for this group (every level is withheld or "
               "none was stored)";
        return NULL;
    }
    char g[LABEL_MAX + 4], heading[LABEL_MAX + 128];
    cut(g, gname, LABEL_MAX);
    snprintf(heading, sizeof heading, "Calibration by %s: lowess curves over %s bins (Wilson 95%% CI), candidate", g,
             bins_kind(c, n));
    return calibration_panels(heading, c, n, 1, name, why);
}

char *vigil_plot_reliability(const cJSON *const *models, const char *const *labels, size_t n, const char **why)
{
    /* a multi-class run's: the top-label curve (the most probable class's probability against
     * how often it is right), from the same kind of bins */
    if (n && cJSON_GetObjectItem(models[0], "multiclass") != NULL) {
        const cJSON *bins[3] = {NULL, NULL, NULL};
        for (size_t m = 0; m < n && m < 3; m++)
            bins[m] = cJSON_GetObjectItem(cJSON_GetObjectItem(models[m], "multiclass"), "calibration_top_label");
        return observed_vs_predicted("Top-label calibration (10 equal-width bins, Wilson 95% CI)",
                                     "Probability of the most probable class (mean in bin)",
                                     "Accuracy of the most probable class (proportion)", bins, labels, n < 3 ? n : 3,
                                     "confidence", "accuracy", "the stored metrics hold no reliability bins", "rel", why);
    }
    cal_series c[3];
    size_t k = n < 3 ? n : 3;
    for (size_t m = 0; m < k; m++) c[m] = cal_series_of(cJSON_GetObjectItem(models[m], "calibration"), labels[m], NAN);
    char heading[160];
    snprintf(heading, sizeof heading, "Calibration: lowess curve, reliability bins (10 %s, Wilson 95%% CI) and "
             "predicted risk", bins_kind(c, k));
    return calibration_panels(heading, c, k, 0, "rel", why);
}

char *vigil_plot_survival_calibration(const cJSON *surv, const char **why)
{
    const cJSON *bins[1] = {cJSON_GetObjectItem(cJSON_GetObjectItem(surv, "calibration"), "groups")};
    const char *labels[1] = {"candidate"};
    return observed_vs_predicted("Calibration at the horizon (risk groups, 1 - Kaplan-Meier with 95% CI)",
                                 "Mean predicted risk by the horizon (probability)",
                                 "Observed risk by the horizon (proportion)", bins, labels, 1, "mean_risk", "observed",
                                 "the stored survival block holds no risk groups", "survcal", why);
}

/* A ROC series' key: the model, its stored AUROC and DeLong 95% CI at the catalogue's digits
 * (the key's title names them)
 * ("undefined" where the run stored none, with no interval invented). */
static void roc_key(char *out, size_t cap, const char *label, const cJSON *auroc)
{
    const vigil_metric_def *md = vigil_metric_find("auroc");
    int dg = md ? md->digits : 3;
    double v = jnum(auroc, "value"), lo = jnum(auroc, "ci_low"), hi = jnum(auroc, "ci_high");
    if (!isfinite(v)) snprintf(out, cap, "%s: undefined (none stored)", label);
    else if (!isfinite(lo) || !isfinite(hi)) snprintf(out, cap, "%s: %.*f (CI undefined)", label, dg, v);
    else snprintf(out, cap, "%s: %.*f (%.*f to %.*f)", label, dg, v, dg, lo, dg, hi);
}

char *vigil_plot_roc(const cJSON *const *models, const char *const *labels, size_t n, const char **why)
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
    /* the stored band: 1 - specificity, the interval of the sensitivity there (withheld points
     * and points without an interval left out) */
    size_t bands = 0;
    for (size_t m = 0; m < n; m++) {
        const cJSON *band = cJSON_GetObjectItem(cJSON_GetObjectItem(models[m], "discrimination"), "roc_band");
        int k = cJSON_GetArraySize(band), drawn = 0;
        vigil_sbuf_printf(&b, "$b%zu << EOD\n", m);
        for (int i = k - 1; i >= 0; i--) { /* specificity descending: false-positive rate ascending */
            const cJSON *p = cJSON_GetArrayItem(band, i);
            double sp = jnum(p, "specificity"), lo = jnum(p, "ci_low"), hi = jnum(p, "ci_high");
            if (cJSON_IsTrue(cJSON_GetObjectItem(p, "suppressed")) || !isfinite(sp) || !isfinite(lo) || !isfinite(hi))
                continue;
            vigil_sbuf_printf(&b, "%.9g %.9g %.9g\n", 1 - sp, lo, hi);
            drawn++;
        }
        vigil_sbuf_printf(&b, "EOD\n");
        bands += drawn > 1;
    }
    /* the key (long: it carries the AUROCs) inside, bottom right, where a curve above chance
     * leaves the square empty; below the square it would cover the axis label */
    vigil_sbuf_printf(&b, "set xrange [0:1]\nset yrange [0:1]\nset size ratio -1\n"
                          "set key bottom right inside vertical box opaque title 'AUROC (DeLong 95%% CI)'\n"
                          "plot x title 'chance (0.5)' with lines lc rgb '#777777' dt 3 lw 1");
    for (size_t m = 0; m < n && bands; m++) {
        vigil_sbuf_printf(&b, ", $b%zu using 1:2:3 with filledcurves fc rgb '%s' fs transparent solid 0.18 noborder", m,
                          k_col[m % NSTYLE]);
        if (m) vigil_sbuf_printf(&b, " notitle");
        else title(&b, "pointwise 95% band");
    }
    for (size_t m = 0; m < n; m++) {
        vigil_sbuf_printf(&b, ", $d%zu using 1:2", m);
        char key[192];
        roc_key(key, sizeof key, labels[m], cJSON_GetObjectItem(cJSON_GetObjectItem(models[m], "discrimination"), "auroc"));
        title(&b, key);
        style(&b, (int)m, "lines");
    }
    vigil_sbuf_printf(&b, "\n");
    return finish(&b, "roc", why);
}

/* The stored decision-curve grid's first and last thresholds and, in *pays, the last threshold
 * at which treating everyone has a positive net benefit (NaN when none is stored). */
static void dca_grid(const cJSON *nb, double *first, double *last, double *pays)
{
    const cJSON *t = cJSON_GetObjectItem(nb, "thresholds"), *ta = cJSON_GetObjectItem(nb, "treat_all");
    *first = *last = *pays = NAN;
    for (int i = 0; i < cJSON_GetArraySize(t); i++) {
        const cJSON *x = cJSON_GetArrayItem(t, i), *a = cJSON_GetArrayItem(ta, i);
        if (!cJSON_IsNumber(x)) continue;
        if (!isfinite(*first) || x->valuedouble < *first) *first = x->valuedouble;
        if (!isfinite(*last) || x->valuedouble > *last) *last = x->valuedouble;
        if (cJSON_IsNumber(a) && a->valuedouble > 0 && !(x->valuedouble <= *pays)) *pays = x->valuedouble;
    }
}

void vigil_plot_decision_range(const cJSON *cand, double low, double high, vigil_dca_range *r)
{
    double first, last, pays;
    dca_grid(cJSON_GetObjectItem(cand, "net_benefit"), &first, &last, &pays);
    r->first = first;
    r->last = last;
    r->pays = pays;
    r->fallback = 0;
    if (high > 0) { /* asked for: drawn where the stored grid has at least two points in it */
        int in = 0;
        const cJSON *x;
        cJSON_ArrayForEach(x, cJSON_GetObjectItem(cJSON_GetObjectItem(cand, "net_benefit"), "thresholds"))
            in += cJSON_IsNumber(x) && x->valuedouble >= low && x->valuedouble <= high;
        if (in >= 2) {
            r->low = low;
            r->high = high;
            return;
        }
        r->fallback = 1;
        r->low = 0;
        r->high = isfinite(last) ? last : 1;
        return;
    }
    /* the default: where treating everyone pays, twice as far, and past each operating threshold */
    double top = isfinite(pays) ? 2 * pays : (isfinite(last) ? last : 1);
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItem(cand, "thresholds"))
    {
        double v = jnum(t, "value");
        if (isfinite(v) && 1.25 * v > top) top = 1.25 * v;
    }
    r->low = 0;
    r->high = isfinite(last) && top > last ? last : top;
}

char *vigil_plot_decision(const cJSON *const *models, const char *const *labels, size_t n, const vigil_dca_range *r,
                          const char **why)
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
            if (!cJSON_IsNumber(x) || !cJSON_IsNumber(y) || x->valuedouble < r->low || x->valuedouble > r->high) continue;
            vigil_sbuf_printf(&b, "%.9g %.9g %.9g\n", x->valuedouble, y->valuedouble,
                              cJSON_IsNumber(a) ? a->valuedouble : NAN);
            if (y->valuedouble > ymax) ymax = y->valuedouble;
            if (cJSON_IsNumber(a) && a->valuedouble > ymax) ymax = a->valuedouble;
            pts++;
        }
        vigil_sbuf_printf(&b, "EOD\n");
    }
    if (!pts) {
        vigil_sbuf_free(&b);
        *why = "the stored metrics hold no decision-curve points (net_benefit)";
        return NULL;
    }
    vigil_sbuf_printf(&b, "set xrange [%.6g:%.6g]\nset yrange [%.6g:%.6g]\n"
                          "plot 0 title 'treat none' with lines lc rgb '#000000' dt 1 lw 1, "
                          "$d0 using 1:3 title 'treat all' with lines lc rgb '#777777' dt 3 lw 1",
                      r->low, r->high, -ymax * 0.25, ymax * 1.15);
    for (size_t m = 0; m < n; m++) {
        vigil_sbuf_printf(&b, ", $d%zu using 1:2", m);
        title(&b, labels[m]);
        style(&b, (int)m, "lines");
    }
    vigil_sbuf_printf(&b, "\n");
    return finish(&b, "dca", why);
}

char *vigil_plot_forest(const cJSON *const *models, const char *const *labels, size_t n, const char **why)
{
    vigil_sbuf b = {0};
    size_t rows = 0;
    const cJSON *sg = cJSON_GetObjectItem(models[0], "subgroups"), *g, *lv;
    cJSON_ArrayForEach(g, sg) rows += (size_t)cJSON_GetArraySize(cJSON_GetObjectItem(g, "levels"));
    if (!rows) {
        *why = "the stored metrics hold no subgroups";
        return NULL;
    }
    unsigned char *drawn = calloc(rows + 1, 1);
    if (!drawn) {
        *why = "out of memory building the plot";
        return NULL;
    }
    prelude(&b, "Subgroup AUROC (DeLong 95% CI); suppressed levels omitted", "AUROC (unitless, 0.5 = chance)", "");
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
                if (cJSON_IsTrue(cJSON_GetObjectItem(ml, "suppressed")) || !isfinite(v) || row > rows) continue;
                vigil_sbuf_printf(&b, "%.4f %.9g %.9g %.9g\n", (double)row - 0.18 * (double)m, v,
                                  isfinite(lo) ? lo : v, isfinite(hi) ? hi : v);
                drawn[row] = 1;
            }
        }
        vigil_sbuf_printf(&b, "EOD\n");
    }
    size_t any = 0;
    for (size_t r = 1; r <= rows; r++) any += drawn[r];
    if (!any) {
        free(drawn);
        vigil_sbuf_free(&b);
        *why = "no subgroup level has an AUROC to show (every level is suppressed or undefined)";
        return NULL;
    }
    /* One tick per drawn level, labelled 'group=level'. */
    vigil_sbuf_printf(&b, "set yrange [%zu.7:0.3]\nset ytics scale 0 (", rows);
    size_t row = 0, nt = 0;
    cJSON_ArrayForEach(g, sg)
    {
        cJSON_ArrayForEach(lv, cJSON_GetObjectItem(g, "levels"))
        {
            if (++row > rows || !drawn[row]) continue;
            vigil_sbuf_printf(&b, "%s", nt++ ? ", " : "");
            level_str(&b, g->string, lv->string);
            vigil_sbuf_printf(&b, " %zu", row);
        }
    }
    free(drawn);
    vigil_sbuf_printf(&b, ")\nplot $d0 using 2:1:3:4");
    title(&b, labels[0]);
    style(&b, 0, "xerrorbars");
    for (size_t m = 1; m < n; m++) {
        vigil_sbuf_printf(&b, ", $d%zu using 2:1:3:4", m);
        title(&b, labels[m]);
        style(&b, (int)m, "xerrorbars");
    }
    vigil_sbuf_printf(&b, "\n");
    return finish(&b, "forest", why);
}

char *vigil_plot_shap(const cJSON *expl, const char **why)
{
    const cJSON *glob = cJSON_GetObjectItem(expl, "global_importance"), *f;
    if (!cJSON_IsObject(glob) || !glob->child) {
        *why = "the stored result holds no SHAP importance (explanations.global_importance)";
        return NULL;
    }
    vigil_sbuf b = {0};
    prelude(&b, "Global SHAP importance, overall and per subgroup", "Feature", "Mean |SHAP| (margin units, log-odds)");
    /* Series 0 is overall; series s > 0 is the level sobj[s] of the group sgrp[s]. */
    const cJSON *sobj[16], *sgrp[16];
    size_t ns = 0;
    sgrp[ns] = NULL;
    sobj[ns++] = glob;
    const cJSON *g, *lv;
    cJSON_ArrayForEach(g, cJSON_GetObjectItem(expl, "by_group"))
    {
        cJSON_ArrayForEach(lv, g)
        {
            if (ns == 16) break;
            sgrp[ns] = g;
            sobj[ns++] = lv;
        }
    }
    vigil_sbuf_printf(&b, "$d << EOD\n");
    cJSON_ArrayForEach(f, glob)
    {
        for (size_t s = 0; s < ns; s++) {
            double v = jnum(sobj[s], f->string);
            if (isfinite(v)) vigil_sbuf_printf(&b, "%s%.9g", s ? " " : "", v);
            else vigil_sbuf_printf(&b, "%sNaN", s ? " " : "");
        }
        vigil_sbuf_printf(&b, "\n");
    }
    /* Clustered histogram: feature k is the cluster at x = k. */
    vigil_sbuf_printf(&b, "EOD\nset style data histogram\nset style histogram clustered gap 1\n"
                          "set yrange [0:*]\nset xtics scale 0 (");
    size_t k = 0;
    cJSON_ArrayForEach(f, glob)
    {
        vigil_sbuf_printf(&b, "%s", k ? ", " : "");
        label_str(&b, f->string);
        vigil_sbuf_printf(&b, " %zu", k++);
    }
    vigil_sbuf_printf(&b, ")\nplot ");
    for (size_t s = 0; s < ns; s++) {
        vigil_sbuf_printf(&b, "%s$d using %zu title ", s ? ", " : "", s + 1);
        if (s) level_str(&b, sgrp[s]->string, sobj[s]->string);
        else vigil_gp_str(&b, "overall");
        vigil_sbuf_printf(&b, " lc rgb '%s' fs solid 0.9 border rgb '#000000'", k_col[s % NSTYLE]);
    }
    vigil_sbuf_printf(&b, "\n");
    return finish(&b, "shap", why);
}

char *vigil_plot_drift(const drift_point *p, size_t n, double floor, const char **why)
{
    size_t ok = 0;
    for (size_t i = 0; i < n; i++) ok += isfinite(p[i].effect);
    if (!ok) {
        *why = "no completed monitor run with an effect size is stored for this model";
        return NULL;
    }
    /* the monitors in order of first appearance; each is its own data block and line (points
     * of other monitors are missing there, so a line never joins two monitors) */
    const char **mon = malloc(n * sizeof *mon); /* every monitor, however many: none left out */
    if (!mon) {
        *why = "out of memory drawing the drift timeline";
        return NULL;
    }
    size_t nm = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < nm && strcmp(mon[k], p[i].monitor) != 0) k++;
        if (k == nm) mon[nm++] = p[i].monitor;
    }
    vigil_sbuf b = {0};
    prelude(&b, "Drift monitor timeline: largest effect per run, one line per monitor, alarms marked",
            "Monitor run (store id, date)", "Largest effect (Wasserstein/SD, PSI or |h|)");
    for (size_t k = 0; k < nm; k++) {
        vigil_sbuf_printf(&b, "$d%zu << EOD\n", k);
        for (size_t i = 0; i < n; i++)
            if (strcmp(p[i].monitor, mon[k]) == 0)
                vigil_sbuf_printf(&b, "%zu %.9g %d %.9g\n", i + 1, p[i].effect, p[i].alarm, p[i].pred_effect);
        vigil_sbuf_printf(&b, "EOD\n");
    }
    /* the key below holds two entries a row: room for its rows under the rotated tics */
    size_t rows = (2 * nm + 2 + 1) / 2;
    vigil_sbuf_printf(&b, "set key maxcols 2\nset bmargin %zu\n", 6 + 2 * rows);
    vigil_sbuf_printf(&b, "set xrange [0.5:%zu.5]\nset yrange [0:*]\nset xtics rotate by -30 (", n);
    for (size_t i = 0; i < n; i++) {
        vigil_sbuf_printf(&b, "%s", i ? ", " : "");
        vigil_gp_str(&b, p[i].label);
        vigil_sbuf_printf(&b, " %zu", i + 1);
    }
    vigil_sbuf_printf(&b, ")\nplot %.6g title 'effect floor' with lines lc rgb '#777777' dt 3 lw 1", floor);
    for (size_t k = 0; k < nm; k++) {
        vigil_sbuf_printf(&b, ", $d%zu using 1:2 title ", k);
        vigil_gp_str(&b, mon[k]);
        style(&b, (int)(2 * k), "linespoints");
        vigil_sbuf_printf(&b, ", $d%zu using 1:4 title ", k);
        char t[160];
        snprintf(t, sizeof t, "%s: prediction (score) effect", mon[k]);
        vigil_gp_str(&b, t);
        style(&b, (int)(2 * k + 1), "linespoints");
    }
    for (size_t k = 0; k < nm; k++)
        vigil_sbuf_printf(&b, ", $d%zu using 1:($3 > 0 ? $2 : 1/0) %s with points lc rgb '#D55E00' pt 9 ps 2.2", k,
                          k ? "notitle" : "title 'alarm'");
    vigil_sbuf_printf(&b, "\n");
    free(mon);
    return finish(&b, "drift", why);
}
