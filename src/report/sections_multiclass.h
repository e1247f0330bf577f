/* The multi-class part of the report's performance section (sections_multiclass.c). */
#ifndef VIGIL_REPORT_SECTIONS_MULTICLASS_H
#define VIGIL_REPORT_SECTIONS_MULTICLASS_H

#include "report/report_ctx.h"

/* When the candidate's stored document holds the multiclass block: each class's one-vs-rest
 * AUROC, sensitivity and PPV, the confusion matrix and the top-label calibration table, as the
 * run stored them (withheld cells stay withheld). Nothing otherwise. */
void vigil_report_multiclass(rctx *c);

#endif
