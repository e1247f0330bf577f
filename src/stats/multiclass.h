/* Private to src/stats/multiclass.c (the engine) and metrics_report_multiclass.c (the JSON,
 * text and getters of the `multiclass` block): the report object. */
#ifndef VIGIL_STATS_MULTICLASS_H
#define VIGIL_STATS_MULTICLASS_H

#include "vigil/multiclass.h"
#include "stats/metrics_internal.h"

#include <stddef.h>
#include <stdint.h>

/* The aggregate statistics of a scope (the bootstrap repeats them), in the block's order. */
enum { MC_ACC, MC_TOPK, MC_LOGLOSS, MC_BRIER, MC_MACRO, MC_WEIGHTED, MC_MRR, MC_ECE_CW, MC_ECE_TL, MC_COUNT };
extern const char *const vigil_mc_stat_name[MC_COUNT];
/* Disparities across a group's shown levels: highest minus lowest. */
enum { MCD_TOPK_GAP, MCD_MACRO_GAP, MCD_COUNT };
extern const char *const vigil_mc_gap_name[MCD_COUNT];

typedef struct {
    double n, pred, tp;      /* cases of the class, argmax predictions of it, both */
    double auc, auc_lo, auc_hi;
    const char *auc_why;     /* NULL: shown */
    int auc_withheld;        /* auc_why is the cell-size policy */
    int n_ok, sens_ok, ppv_ok;
} mc_class;

typedef struct {
    double w, conf, acc;     /* cases, mean confidence, accuracy */
    double lo, hi;           /* Wilson interval of the accuracy */
    int ok;
} mc_bin;

typedef struct {
    char *name;
    size_t n;
    int suppressed;
    double est[MC_COUNT], ci[MC_COUNT][2];
    const char *why[MC_COUNT]; /* why est is NaN */
    size_t macro_classes;    /* classes the macro / weighted AUROC average */
    mc_class *cls;           /* k */
    mc_bin bins[VM_BINS];    /* the top-label calibration curve */
} mc_scope;

typedef struct {
    char *name;
    size_t n_levels;         /* levels with cases, (missing) last */
    mc_scope *lv;
    double gap[MCD_COUNT], gap_ci[MCD_COUNT][2];
    int gap_hi[MCD_COUNT], gap_lo[MCD_COUNT]; /* level indices; -1: not given */
    const char *gap_why[MCD_COUNT];
} mc_group;

struct vigil_multiclass_report {
    vigil_multiclass_options o;
    size_t n, k, ng, n_scopes;
    char **class_names;
    mc_scope all;
    mc_group *g;
    double *confusion;       /* k x k (true row, predicted column); NaN: withheld */
    double seconds;
    size_t jack_groups;      /* groups of the BCa jackknife; 0: no bootstrap */
    unsigned ci_bca, ci_percentile; /* intervals given as BCa / as percentile (BCa undefined) */
};

/* The scope of overall (g < 0) or level l of group g; NULL when there is none. */
const mc_scope *vigil_mc_scope(const vigil_multiclass_report *r, const char *group, const char *level,
                               int *g_out);

#endif
