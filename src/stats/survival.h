/* Private to src/stats: the time-to-event kernel of vigil/survival.h without the horizon check,
 * for subsets (a subgroup level may end its follow-up before H: its KM is carried forward, as
 * survfit's extend = TRUE, and its AUROC has no controls). Inputs already checked. */
#ifndef VIGIL_STATS_SURVIVAL_H
#define VIGIL_STATS_SURVIVAL_H

#include "vigil/survival.h"

int vigil_stats_survival_subset(vigil_survival *out, const double *risk, const double *time, const double *event,
                                size_t n, double horizon, const vigil_survival_options *opt);

/* Recompute only the calibration groups (and the overall KM risk) with k groups. */
int vigil_stats_survival_regroup(vigil_survival *out, const double *risk, const double *time, const double *event,
                                 size_t n, double horizon, size_t k, double level);

/* vigil_survival_compare without the checks and the horizon test (a level's follow-up may end
 * before H: its AUROC then has no controls). */
int vigil_stats_survival_compare_subset(vigil_survival_paired *out, const double *risk, const double *compare,
                                        const double *time, const double *event, size_t n, double horizon,
                                        const vigil_survival_options *opt);

#endif
