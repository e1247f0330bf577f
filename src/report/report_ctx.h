/* The report's context, shared by its translation units: report.c loads the stored run into
 * an rctx, sections.c writes the sections from it, card.c the CHAI model card. Internal. */
#ifndef VIGIL_REPORT_CTX_H
#define VIGIL_REPORT_CTX_H

#include "core/json.h"
#include "report/report_internal.h"
#include "vigil/audit.h"
#include "vigil/report.h"
#include "vigil/store.h"

#include <cjson/cJSON.h>

typedef struct {
    vigil_run_info info;
    cJSON *doc;
} mon_run;

typedef struct {
    vigil_store *s;
    const vigil_report_options *o;
    vigil_report_summary *sum;
    vigil_run_info run;
    vigil_run_file_info *files;
    size_t n_files;
    cJSON *res;              /* the run's stored result */
    const cJSON *cand, *pred, *orig; /* metrics documents (pred/orig may be NULL) */
    cJSON *orig_doc;         /* the earliest suite run of this model line, owning orig */
    int64_t orig_run, last_run;
    mon_run *mons;
    size_t n_mons;
    int mons_linked;
    vigil_audit_result audit;
    vigil_checkpoint_result ckpt[16]; /* the options' checkpoints, verified (first n_ckpt) */
    size_t n_ckpt;
    rdoc d;
    int min_cell;
} rctx;

/* Dotted-path access to the stored documents (the store's text, parsed once in report.c). */
static inline const cJSON *jp(const cJSON *o, const char *path) { return vigil_json_get(o, path); }
static inline double jnum(const cJSON *o, const char *path) { return vigil_json_get_number(o, path); }
static inline const char *js(const cJSON *o, const char *path) { return vigil_json_get_string(o, path); }

/* Every section of the report into c->d (sections.c). */
void vigil_report_build(rctx *c);
/* The human-AI team subsection of 3.3 from the candidate's `human` block, when the run has one
 * (human.c). */
void vigil_report_human(rctx *c);
/* The time-to-event subsection of 3.3 from the candidate's `survival` block (survival.c). */
void vigil_report_survival(rctx *c);
/* The CHAI Applied Model Card XML (card.c); NULL when out of memory. */
char *vigil_report_model_card(rctx *c);

#endif
