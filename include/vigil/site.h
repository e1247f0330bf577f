/* vigil — validation across sites without moving patient data (issue 22).
 *
 * Each partner site runs `vigil metrics` (or a suite) on its own cases and exports a site
 * bundle: the run's AUROC, calibration slope, calibration-in-the-large and O/E with their
 * within-site variances on the scale they are pooled on, the site's case and event counts
 * (withheld under the cell-size rule), the data's SHA-256 and the vigil version -- no case id
 * and no per-case value. The owner pools the bundles with a DerSimonian-Laird random-effects
 * meta-analysis per measure (as R metafor::rma(yi, vi, method = "DL") and predict()):
 *   AUROC  logit(AUROC), variance DeLong's by the delta method, back-transformed (plogis);
 *   O/E    log(O/E), variance 1/O - 1/N (Debray et al., BMJ 2017), back-transformed (exp);
 *   slope, CITL  as estimated, Wald variances of the recalibration fits.
 * The pooled estimate with its 95% CI, tau^2, I^2 and the 95% prediction interval, and for each
 * site whether its estimate lies inside the prediction interval. */
#ifndef VIGIL_SITE_H
#define VIGIL_SITE_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The bundle (malloc'd JSON) of completed metrics or suite run `run_id` for site `site`. */
int vigil_site_export(vigil_store *s, int64_t run_id, const char *site, char **json);

/* Pool n >= 2 bundles (their texts, and the file each came from for messages) into the pooled
 * document (malloc'd JSON). Refused with VIGIL_EINVAL naming the file: a text that is not a
 * bundle, one from another vigil version or with other metric definitions, and two bundles of
 * the same site and data. */
int vigil_site_pool(const char *const *texts, const char *const *files, size_t n, char **json);

#ifdef __cplusplus
}
#endif
#endif
