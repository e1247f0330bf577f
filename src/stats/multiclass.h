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

/* A scope's sums (multiclass.c): H shared doubles -- weight, correct, top-k hits, log loss,
 * Brier and reciprocal rank sums, then the top-label bins (weight, confidence, correct) --
 * then C per class: the AUROC walk's state, argmax predictions, true positives, and the
 * classwise calibration bins (weight, probability, events). */
enum { H_W, H_CORRECT, H_HIT, H_LL, H_BR, H_RR, H_TL, H = H_TL + 3 * VM_BINS };
enum { C_POS, C_NEG, C_NUM, C_BELOW, C_BPOS, C_BNEG, C_LAST, C_PRED, C_TP, C_ECE, C = C_ECE + 3 * VM_BINS };

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
    int n_ok, ok;            /* its count, its accuracy may be shown */
} mc_bin;

typedef struct {
    char *name;
    size_t n;
    int suppressed;
    double est[MC_COUNT], ci[MC_COUNT][2];
    const char *ci_how[MC_COUNT]; /* each interval's method (vigil_stats_bca_ci_how); NULL: none */
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
    const char *gap_how[MCD_COUNT]; /* each interval's method, as mc_scope.ci_how */
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
    int confusion_omitted;   /* more than VIGIL_MC_CONFUSION_MAX classes: not shown */
    double seconds;
    size_t jack_groups;      /* groups of the BCa jackknife; 0: no bootstrap */
    unsigned ci_bca, ci_percentile; /* intervals given as BCa / as percentile (BCa undefined) */
};

/* The cell-size policy across scopes (multiclass_cells.c): a withheld count must not come back
 * as a shown total minus the shown cells of a partition (a group's levels, overall and inside
 * the levels of a group they nest in; a scope's classes and bins). S: every scope's sums (sz
 * doubles each, overall first, then the levels in turn); scope_of[g][i]: case i's scope in
 * group g. After the per-scope policy; withholds more, never less. */
int vigil_mc_cell_policy(vigil_multiclass_report *r, const double *S, size_t sz, const uint32_t *const *scope_of);

/* The overall confusion matrix (cnt: k x k counts, true row, argmax column) into r->confusion
 * with what the policy withholds as NaN, after vigil_mc_cell_policy: no count 1..min_cell-1,
 * no small sum of withheld cells in a row, column or the diagonal whose total is shown, and no
 * withheld cell that the shown totals and cells determine (multiclass_cells.c). */
int vigil_mc_confusion_policy(vigil_multiclass_report *r, const double *cnt);
/* Above this many classes the matrix is left out: the exact check costs (2k + 1)^2 k^2. */
#define VIGIL_MC_CONFUSION_MAX 100

/* The scope of overall (g < 0) or level l of group g; NULL when there is none. */
const mc_scope *vigil_mc_scope(const vigil_multiclass_report *r, const char *group, const char *level,
                               int *g_out);

#endif
