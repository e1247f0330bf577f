/* vigil — validation suites: pre-registered acceptance criteria run on a candidate model and a
 * sequestered test set (suites/README.md defines the file and the stored result).
 *
 * vigil_suite_run() validates the whole suite file before computing anything, reads the case
 * file once, scores it with the candidate (and the predecessor), computes what the criteria
 * need (metrics, subgroups, paired comparisons, replay, drift gate, SHAP), evaluates every
 * criterion and stores everything as one run. The stored document leaves out what changes
 * from one run to the next (run id, timings) so that the same suite on the same inputs gives
 * the same result digest. */
#ifndef VIGIL_SUITE_H
#define VIGIL_SUITE_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/model.h"
#include "vigil/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int threads;                 /* <= 0: all cores */
    vigil_backend_kind backend;  /* for scoring and SHAP */
    /* Optional progress (cases scored, bootstrap replicates): called with a stage label. */
    void (*progress)(void *ctx, const char *stage, size_t done, size_t total);
    void *progress_ctx;
} vigil_suite_options;

/* The defaults: all cores, backend auto (CUDA when a device answers, else CPU), no progress. */
#define VIGIL_SUITE_OPTIONS_INIT {0, VIGIL_BACKEND_AUTO, NULL, NULL}

/* Run the suite at `path`, storing one run in `store` (kind "suite"). On success *run_id is
 * the run, *passed is 1 when every criterion passed, and *json (caller frees) is the result
 * document with run_id and seconds added. Bad input: VIGIL_EINVAL with file and JSON path;
 * an error after the run began marks the run failed. store NULL: the same computation, nothing
 * stored and *run_id 0 (the ranks other than 0 of an MPI run; rank 0 stores it). */
int vigil_suite_run(vigil_store *store, const char *path, const vigil_suite_options *opt,
                    int64_t *run_id, int *passed, char **json);

/* The same run, with its result as an object: the document and each criterion's verdict
 * without parsing the document back. Free with vigil_suite_result_free(). */
typedef struct vigil_suite_result vigil_suite_result;

typedef struct {
    const char *name, *metric, *scope, *rule;
    const char *threshold;     /* what it was held to, readable: ">= 0.75" */
    const char *method;        /* how the CI was obtained */
    const char *detail;        /* the failing or weakest level, or why not evaluable ("" none) */
    double observed, ci_low, ci_high; /* NaN: not computed (null in the document) */
    int pass;
} vigil_suite_criterion;

int vigil_suite_run_result(vigil_suite_result **out, vigil_store *store, const char *path,
                           const vigil_suite_options *opt);
/* The result document (vigil_suite_run's *json), owned by the result. */
const char *vigil_suite_result_json(const vigil_suite_result *res);
const char *vigil_suite_result_name(const vigil_suite_result *res);
size_t vigil_suite_result_n_cases(const vigil_suite_result *res);
int64_t vigil_suite_result_run_id(const vigil_suite_result *res);
int vigil_suite_result_passed(const vigil_suite_result *res);
size_t vigil_suite_result_n_criteria(const vigil_suite_result *res);
/* Criterion i (in the suite file's order), NULL when out of range; owned by the result. */
const vigil_suite_criterion *vigil_suite_result_criterion(const vigil_suite_result *res, size_t i);
void vigil_suite_result_free(vigil_suite_result *res);

/* What changed between two stored suite runs: inputs (file hashes), verdicts per criterion,
 * and the criteria's observed values. *json: {"a", "b", "same_inputs", "same_results",
 * "files": [...], "criteria": [...]} (caller frees). */
int vigil_suite_diff(vigil_store *store, int64_t run_a, int64_t run_b, char **json);
/* The same comparison as the table `vigil suite diff` prints (caller frees *text). */
int vigil_suite_diff_text(vigil_store *store, int64_t run_a, int64_t run_b, char **text);

#ifdef __cplusplus
}
#endif
#endif
