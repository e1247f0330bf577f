/* vigil — results collected in memory: named numbers and JSON documents.
 *
 * A plain list that knows nothing of the store: a module that computes (metrics, monitors,
 * suites) adds to it, and vigil_store_run_finish() writes it in one transaction. It sits below
 * stats and the store so that computing modules need not include the store's header.
 *
 * Ownership: the list copies every string it is given; strings returned by the getters belong
 * to the list and live until vigil_results_free(). */
#ifndef VIGIL_RESULTS_H
#define VIGIL_RESULTS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vigil_results vigil_results;

int vigil_results_new(vigil_results **out);
void vigil_results_free(vigil_results *r);
/* One number: scope is "overall", "sex=F", "criterion:auroc_ni", ...; NaN is stored as NULL.
 * (scope, name) must be unique within a run (the store refuses a repeat). */
int vigil_results_add_metric(vigil_results *r, const char *scope, const char *name, double value,
                             double ci_low, double ci_high);
/* A named JSON document (e.g. "result": what the command printed with --format json). */
int vigil_results_add_document(vigil_results *r, const char *name, const char *json_text);

/* What was added, in the order it was added (r may be NULL: nothing). */
size_t vigil_results_n_metrics(const vigil_results *r);
/* Metric i (< vigil_results_n_metrics); any out pointer may be NULL. */
void vigil_results_metric(const vigil_results *r, size_t i, const char **scope, const char **name,
                          double *value, double *ci_low, double *ci_high);
size_t vigil_results_n_documents(const vigil_results *r);
void vigil_results_document(const vigil_results *r, size_t i, const char **name, const char **json_text);

#ifdef __cplusplus
}
#endif
#endif
