/* Drift monitors (internal): the parsed monitor file. See include/vigil/monitor.h and
 * monitors/README.md for the format. Every check on the file is made by
 * vigil_monitor_load() before any data is read or any statistic computed. */
#ifndef VIGIL_MONITOR_INTERNAL_H
#define VIGIL_MONITOR_INTERNAL_H

/* on_alarm.command: seconds it may run (default of $.on_alarm.timeout_s), and the grace between
 * the SIGTERM to its process group and the SIGKILL. */
#define VIGIL_MONITOR_COMMAND_TIMEOUT_S 60.0
#define VIGIL_MONITOR_COMMAND_KILL_S 5.0
/* $.data.columns.groups: at most this many (the metrics engine's MAX_GROUPS) */
#define MON_MAX_GROUPS 32

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "core/window.h"
#include "vigil/monitor.h"

/* Test switches ("tests" in the monitor file). */
enum {
    MON_T_KS = 1 << 0,
    MON_T_AD = 1 << 1,
    MON_T_CVM = 1 << 2,
    MON_T_WASSERSTEIN = 1 << 3,
    MON_T_PSI = 1 << 4,
    MON_T_JS = 1 << 5,
    MON_T_CHI2 = 1 << 6,
    MON_T_ALL = (1 << 7) - 1
};

typedef enum { MON_CORR_HOLM = 0, MON_CORR_BH = 1 } mon_correction;

/* $.cusum.direction: the upper CUSUM (odds ratio > 1), the lower (< 1), or both */
enum { MON_CUSUM_WORSE = 1, MON_CUSUM_BETTER = 2, MON_CUSUM_BOTH = 3 };

struct vigil_monitor {
    char *file;           /* the monitor file as given */
    char *text;           /* its bytes, stored with the run */
    char *name, *description;
    vigil_data_config data;
    char *ref_path;       /* reference_data.path resolved, or NULL: the reference window */
    vigil_window ref_w, cur_w; /* cur_w.set false: every row of the data file */
    long now_day;
    unsigned tests;       /* MON_T_* */
    double alpha;
    mon_correction correction;
    double floor_numeric, floor_categorical;
    double floor_label;   /* |Cohen's h| for label drift */
    double floor_decision; /* |Cohen's h| for the decision rates ($.effect_floors.decision) */
    double threshold;     /* $.threshold: the model flags a case when score >= it */
    bool threshold_given; /* set in the file (the label-free estimate needs one) */
    size_t min_cell;      /* $.min_cell: the cell-size policy for the decision counts */
    size_t min_samples;
    size_t psi_bins;
    bool prediction_drift, label_drift;
    bool prediction_drift_given, label_drift_given; /* set in the file (else on where the columns exist) */
    char *model_path;     /* resolved, or NULL (the score column is used) */
    bool cusum;           /* run the risk-adjusted CUSUM */
    bool cusum_alarm;     /* its signal raises the alarm */
    bool cusum_across;    /* $.cusum.across_nights: carry the statistic from the previous night */
    int cusum_direction;  /* MON_CUSUM_*: $.cusum.direction */
    double cusum_odds_ratio, cusum_limit; /* limit NaN: chosen by simulation (below) */
    double cusum_prob;    /* $.cusum.false_signal_probability: in-control P(a signal) per run */
    size_t cusum_replicates;
    uint64_t cusum_seed;
    bool cbpe;            /* $.cbpe: NannyML's label-free estimate of AUROC, sensitivity, PPV */
    double cbpe_alpha;    /* $.cbpe.calibration_alpha: the reference's calibration test level */
    bool performance;     /* $.performance: the realised performance of the labelled current cases */
    bool min_cell_given;
    char *alert_file;     /* resolved, or NULL */
    char *command;        /* run with /bin/sh -c, or NULL */
    double command_timeout_s; /* $.on_alarm.timeout_s: then its process group is killed */
    char *ckpt_key;       /* $.checkpoint.key resolved (an Ed25519 private key), or NULL */
    char *ckpt_dir;       /* $.checkpoint.out resolved: the directory each night's checkpoint goes in */
};

#endif
