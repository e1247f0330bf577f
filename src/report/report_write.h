/* Writing a finished report directory atomically-ish (see report_write.c). */
#ifndef VIGIL_REPORT_WRITE_H
#define VIGIL_REPORT_WRITE_H

#include "report/report_internal.h"

/* Write report.html, report.md, plot-*.svg, evidence.json and model-card.xml into
 * "<dir>.tmp", then rename it to `dir`. An existing `dir` is replaced only when it is empty or
 * holds a previous report (it has evidence.json); anything else is refused (VIGIL_EINVAL). */
int vigil_report_write_dir(const char *dir, rdoc *d, const char *model_card_xml);

#endif
