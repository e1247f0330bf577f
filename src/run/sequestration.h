/* Private to src/run and src/suite: the sequestration check of issue 18 (how many test cases
 * also occur in the training file, by id), shared by vigil metrics --train-ids and a suite's
 * $.data.train_ids. */
#ifndef VIGIL_RUN_SEQUESTRATION_H
#define VIGIL_RUN_SEQUESTRATION_H

#include "vigil/phi.h"
#include "vigil/table.h"

#include <cjson/cJSON.h>
#include <stddef.h>

/* `what` names the setting in messages ("--train-ids", "$.data.train_ids in s.json").
 * Count the cases of t whose id (column idcol) also occurs in column `train_col` of the
 * training file `train_path` -- a count, never the ids; a count of 1..min-cell-1 is withheld.
 * The training file is read for that column alone, as text, through the PHI guard with the
 * run's allowances (the id column is a role, as the case file's). A text id matches the same
 * text; a numeric one (a column the case file types as numbers) matches a training id that
 * reads as the same number ("007" and "7"). A non-zero count is vigil_warn()ed. *out: the
 * `sequestration` block {key, train_ids_column, overlap, overlap_suppressed, method}; *train:
 * the training table as read (its digest is recorded with the run; the caller frees it).
 * delimiter: the training file's field separator (0: ','). */
int vigil_run_train_overlap(cJSON **out, vigil_table **train, const vigil_table *t, int idcol, const char *what,
                            const char *train_path, const char *train_col, char delimiter,
                            const vigil_phi_allow *allow, size_t n_allow, size_t min_cell);

#endif
