/* The confusion tables of the report (confusion.c). Internal. */
#ifndef VIGIL_REPORT_CONFUSION_H
#define VIGIL_REPORT_CONFUSION_H

#include "report/report_ctx.h"

/* TP/FP/FN/TN of each model at each stored operating threshold, as one table in c->d. */
void vigil_report_confusion(rctx *c);

#endif
