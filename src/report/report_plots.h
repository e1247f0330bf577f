/* The report's plot builders (see plots_report.c). Each returns the SVG or NULL with *why. */
#ifndef VIGIL_REPORT_PLOTS_H
#define VIGIL_REPORT_PLOTS_H

#include "report/report_internal.h"

typedef struct {
    double effect, pred_effect;
    int alarm;
    char label[48];
    char monitor[96]; /* the monitor's name: one line per monitor, never two joined */
} drift_point;

/* models[0] is the candidate; labels name the series. */
char *vigil_plot_reliability(const cJSON *const *models, const char *const *labels, size_t n, const char **why);
/* One group's calibration figure from its levels' stored reliability bins (candidate; at most
 * seven levels, one style each: *n_left_out counts the levels not drawn). */
char *vigil_plot_calibration_levels(const cJSON *group, const char *group_name, const char *name, size_t *n_left_out,
                                    const char **why);
/* 1 when a calibration block (a metrics document's "calibration") holds the equal-count bins,
 * which the calibration figures then draw; 0: a run stored before them, drawn with its
 * equal-width bins. */
int vigil_plot_calibration_quantile(const cJSON *cal);
char *vigil_plot_roc(const cJSON *const *models, const char *const *labels, size_t n, const char **why);
/* The threshold range a decision curve is drawn over: the stored grid (first..last), the last
 * threshold where treating everyone pays (NaN when not stored), and the range drawn: the one
 * asked for (high > 0) when the stored grid has two points in it, else (fallback 1) the stored
 * range; by default 0 to twice `pays`, past each operating threshold, within the grid. */
typedef struct {
    double low, high, first, last, pays;
    int fallback;
} vigil_dca_range;
void vigil_plot_decision_range(const cJSON *cand, double low, double high, vigil_dca_range *r);
char *vigil_plot_decision(const cJSON *const *models, const char *const *labels, size_t n, const vigil_dca_range *r,
                          const char **why);
/* The survival block's calibration at the horizon (mean risk against 1 - KM, per risk group). */
char *vigil_plot_survival_calibration(const cJSON *surv, const char **why);
char *vigil_plot_forest(const cJSON *const *models, const char *const *labels, size_t n, const char **why);
char *vigil_plot_shap(const cJSON *explanations, const char **why);
char *vigil_plot_drift(const drift_point *p, size_t n, double effect_floor, const char **why);

#endif
