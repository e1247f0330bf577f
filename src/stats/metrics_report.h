/* Private to src/stats/metrics_report*.c: the report object shared by the engine
 * (metrics_report.c: sort, per-scope statistics, curves), the cell-size policy and disparities
 * (metrics_report_cells.c), the bootstrap (metrics_report_boot.c), and the writers: JSON
 * (metrics_report_json.c), paired comparison (metrics_report_paired.c), text
 * (metrics_report_text.c), store (metrics_report_store.c) and the typed getters
 * (metrics_report_get.c). */
#ifndef VIGIL_STATS_METRICS_REPORT_H
#define VIGIL_STATS_METRICS_REPORT_H

#include "vigil/fairness.h"
#include "vigil/metrics.h"
#include "stats/metrics_internal.h"
#include "stats/metrics_json.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

/* Statistics the bootstrap repeats, per scope; threshold ones at the first threshold. */
enum { S_AUROC = VS_AUROC, S_AUPRC = VS_AUPRC, S_BRIER = VS_BRIER, S_ECE = VS_ECE,
       S_ECE_EM = VS_ECE_EM, S_MCE = VS_MCE, S_CITL = VS_CITL, S_SLOPE = VS_SLOPE,
       S_INTERCEPT = VS_INTERCEPT, S_TPR = VS_TPR, S_FPR = VS_FPR, S_SEL = VS_SEL,
       S_EAVG = VS_EAVG, S_E50 = VS_E50, S_E90 = VS_E90, S_EMAX = VS_EMAX,
       S_COUNT = S_COUNT_INTERNAL };
/* Their keys in the JSON document, the store and the paired comparison (the catalogue's keys). */
extern const char *const vigil_stats_stat_name[S_COUNT];
/* Above this many cases the bootstrap leaves out the lowess-based E statistics: one lowess of
 * n cases per replicate (about 0.2 s at 10^6) would dominate the run. */
#define LOWESS_BOOT_MAX 100000
/* The threshold statistics the bootstrap also repeats at the report's bootstrap thresholds (the
 * options' boot_thresholds), per scope, for the paired comparison (vigil_metrics_paired_get_at):
 * one pass over each replicate's counts gives the four confusion sums of every scope at every
 * such threshold. Keys: the catalogue's. */
enum { T_TPR, T_TNR, T_PPV, T_NPV, T_SEL, T_NB, T_COUNT };
extern const char *const vigil_stats_thr_stat_name[T_COUNT];
enum { D_DPD, D_DPR, D_EOD, D_EOP, D_AUC, D_CAL_ECE, D_CAL_CITL, D_CAL, D_COUNT };
extern const char *const vigil_stats_disparity_name[D_COUNT];

#define NB_GRID 99
/* The BCa acceleration comes from a delete-a-group jackknife over this many groups (every case
 * its own group below it): the skewness ratio is the same for group sums, and 50 more passes
 * cost a quarter of the default 200 replicates. */
#define VM_JACK_GROUPS 50

typedef struct {
    char *name;
    size_t n;
    double n1;
    double *p, *lg; /* sorted scores and their logits (owned unless this is the overall scope) */
    uint8_t *y;
    uint32_t *pos;  /* positions in the overall sorted order; NULL for the overall scope */
    int suppressed, own;
    const char *auroc_reason;
    int auroc_withheld; /* auroc_reason is the cell-size policy (not an absent class) */
    vigil_auroc auroc;
    double auprc;
    vigil_calibration cal;
    vm_calib_bins bins;
    vigil_threshold_stats *thr;
    int *thr_ok;    /* 1 when no confusion count at that threshold is 1..min_cell-1 */
    int prev_ok;
    double est[S_COUNT]; /* shown values (NaN: withheld or undefined) */
    double ci[S_COUNT][2];
    const char *ci_how[S_COUNT]; /* each interval's method (vigil_stats_bca_ci_how); NULL: none */
    double *rep;         /* S_COUNT x B replicate values */
    double *jack;        /* S_COUNT x (groups + 1): the jackknife, then the full-data value */
    double *trep;        /* n_bt x T_COUNT x B: replicates at the bootstrap thresholds; NULL: none */
} scope;

typedef struct {
    char *name;
    size_t n_levels;
    scope *lv;
    vigil_disparities disp;
    double dest[D_COUNT], dci[D_COUNT][2];
    const char *dci_how[D_COUNT]; /* each interval's method, as scope.ci_how */
    /* a disparity is over every level with cases or it is not given: the level whose value is
     * withheld (cell-size policy) or undefined, -1 when none, and which of the two */
    int dmiss[D_COUNT], dmiss_withheld[D_COUNT];
    double *drep; /* D_COUNT x B */
    double *djack; /* D_COUNT x (groups + 1), as scope.jack */
    uint32_t *code; /* level of each case in the overall sorted order; suppressed: n_levels */
    double *citl0;  /* per-level Newton starts for the replicates */
} group;

typedef struct {
    double thr, a, b; /* threshold; fpr/recall; tpr/precision */
} curve_pt;

struct vigil_metrics_report {
    vigil_metrics_options o;
    double *thr;
    size_t n;
    scope all;
    group *g;
    size_t ng;
    curve_pt *roc, *pr;
    size_t n_roc, n_pr;
    double nb_t[NB_GRID], nb_model[NB_GRID], nb_all[NB_GRID];
    double seconds;
    unsigned threads;
    double *yd;      /* overall labels as doubles, for the replicates' lowess */
    int has_test;
    vigil_delong_test test;
    char *compare_name;
    int boot_lowess; /* E statistics bootstrapped (n <= LOWESS_BOOT_MAX) */
    uint32_t *pos;   /* case (input order) -> its position in the sorted order */
    size_t jack_groups; /* groups of the BCa jackknife (min(n, VM_JACK_GROUPS)); 0: no bootstrap */
    unsigned ci_percentile; /* intervals given as percentile because BCa is not defined there */
    unsigned ci_bca;        /* intervals given as BCa */
    vigil_backend_kind boot_backend; /* the backend that ran the bootstrap op */
    size_t *bt, n_bt; /* the bootstrap thresholds: slots of thr whose statistics scope.trep repeats */
    double *band_rep; /* VM_BAND_POINTS x B: the ROC band's sensitivities from each replicate's counts
                       * (stats/roc_band.h); NULL: no bootstrap here (the band draws its own) */
    struct vm_human *human; /* the human in the loop (metrics_report_human.c), NULL: none */
    struct vm_survival *survival; /* time to event (metrics_report_survival.c), NULL: none */
};


/* The engine's steps after the point estimates (metrics_report_cells.c, _boot.c). */
int vigil_stats_cell_policy(vigil_metrics_report *r);
/* Disparities of group g from per-level values (n_levels x S_COUNT): see metrics_report_cells.c. */
void vigil_stats_group_disparities(const group *g, const double *vals, double *out, int *miss,
                                   int *miss_withheld);
int vigil_stats_report_bootstrap(vigil_metrics_report *r);
/* The CPU backend's bootstrap op (backend/backend_impl.h): the count bootstrap and the
 * jackknife through the replicate kernels of metrics_report_boot.c. */
struct vigil_boot_job;
int vigil_stats_bootstrap_cpu(struct vigil_boot_job *job);
/* What a device's op needs of the job (metrics_report_boot_dev.c): the report, the passes'
 * scope inputs (the overall scope; each group column) and the bytes of one pass's scratch
 * (6 n doubles, then the LT x S_COUNT statistics, then the lowess's). */
typedef struct {
    vigil_metrics_report *r;
    const vm_scope_in *all;
    const vm_group_in *g;
    size_t scratch;
} vm_boot_view;
void vigil_stats_boot_view(struct vigil_boot_job *job, vm_boot_view *v);
/* A pass's ending once lv holds every scope's statistics (LT x S_COUNT, as the CPU's passes
 * leave them): the lowess E statistics when the report bootstraps them (w: the pass's weights;
 * lbuf: the scratch after lv), the threshold statistics at the caller's bootstrap thresholds
 * (boot_thresholds; from w, in the scratch's threshold area: scratch is the pass's whole
 * scratch, the job's size), the values at index rep, the disparities. jack: the jackknife's
 * call rep, else bootstrap replicate rep. */
void vigil_stats_boot_store(struct vigil_boot_job *job, int jack, size_t rep, const double *w, double *lv,
                            double *lbuf, void *scratch);
/* Every rank's replicates (jack: calls) to every rank, as the CPU op shares them. */
int vigil_stats_boot_share(struct vigil_boot_job *job, int jack, int local_rc);
/* A scope's first-threshold estimates follow its flag (after the cell-size policy). */
void vigil_stats_threshold_est(scope *s, size_t nthr);

#endif
