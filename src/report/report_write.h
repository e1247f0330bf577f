/* Writing a finished report directory atomically-ish (see report_write.c). */
#ifndef VIGIL_REPORT_WRITE_H
#define VIGIL_REPORT_WRITE_H

#include "report/report_internal.h"

typedef struct {
    int force;                  /* write into a non-empty directory vigil did not write */
    int pdf;                    /* also print report.pdf through headless Chromium */
    const char *running_header; /* CSS-string-escaped text of the printed pages' header */
    const char *title;          /* the page's <title> (escaped here); NULL: the PCCP report's */
} vigil_report_dir_options;

#define VIGIL_REPORT_NO_PDF                                                                         \
    "--pdf needs headless Chromium, which is not on PATH; install it with 'make deps' (as root) or " \
    "'apt-get install chromium'"

/* Write report.html, report.md, plot-*.svg, model-card.xml (unless NULL), report.pdf (o->pdf) and
 * evidence.json into a fresh "<dir>.tmp-XXXXXX", then rename it to `dir`. An existing `dir` is
 * replaced only when it is empty or a previous report (evidence.json and nothing but report
 * files); a symlink or a non-directory is refused, and any other non-empty directory too
 * (VIGIL_EINVAL, naming it) unless o->force, which moves the report's files into it and leaves
 * everything else there alone. */
int vigil_report_write_dir(const char *dir, rdoc *d, const char *model_card_xml, const vigil_report_dir_options *o);

/* 1 with the path in `exe` when headless Chromium is on PATH. */
int vigil_report_pdf_available(char *exe, size_t cap);

#endif
