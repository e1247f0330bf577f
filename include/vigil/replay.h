/* vigil — shadow-mode replay: re-scored cases against the scores recorded at the time.
 * A model that cannot reproduce its own shadow log must be visible at a glance. */
#ifndef VIGIL_REPLAY_H
#define VIGIL_REPLAY_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Compare recorded[i] with rescored[i]: a case agrees when |difference| <= tolerance; a
 * missing (NaN) recorded score never agrees. *json_out (caller frees) is
 * {"n", "agreement", "n_disagree", "max_abs_diff", "mean_abs_diff", "tolerance",
 *  "missing_recorded", "disagreeing_ids": [first max_ids ids, or 1-based row numbers]}.
 * max/mean are over the cases with a recorded score. */
int vigil_replay_compute(const double *recorded, const double *rescored, const char *const *ids,
                         size_t n, double tolerance, size_t max_ids, char **json_out);

#ifdef __cplusplus
}
#endif
#endif
