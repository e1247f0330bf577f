/* Loading a case file for a model (shared by predict, replay and explain): the model's
 * features (matched by name) plus the id and any extra columns, read once, through the PHI
 * guard, then bound into a float32 feature matrix. */
#ifndef VIGIL_CLI_CASES_H
#define VIGIL_CLI_CASES_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "vigil/model.h"
#include "vigil/phi.h"
#include "vigil/table.h"

typedef struct {
    vigil_model *model;
    vigil_table *table;
    float *X;                /* n x n_features, row-major */
    size_t n;
    int id_col;              /* -1 without --id */
} cli_cases;

/* Returns an exit status (0 ok), having printed the error. extra: other columns to keep. */
int cli_cases_load(const char *cmd, const char *model_path, const char *data_path, const char *id,
                   const char *const *extra, size_t n_extra, const vigil_phi_allow *allow,
                   size_t n_allow, cli_cases *out);
void cli_cases_free(cli_cases *c);

/* The id of row i as text (the id column's value, else the 1-based row number). */
void cli_cases_id(const cli_cases *c, size_t i, char *buf, size_t cap);

/* Write s as one CSV field, quoted when it holds a comma, quote or line break. */
void cli_csv_field(FILE *f, const char *s);

/* Write `out` atomically (out.tmp, then renamed): a header of the id column's name (or "row")
 * and `cols`, then one line per case: its id and its ncols values (printed with %.10g) from the
 * row-major `values`. Returns an exit status, having printed any error; nothing is left behind
 * on failure. */
int cli_cases_write(const char *cmd, const cli_cases *c, const char *id, const char *out,
                    const char *const *cols, size_t ncols, const double *values);

/* The "model" object of a JSON summary ({path, describe, sha256}) and "n". */
void cli_cases_json(cJSON *doc, const cli_cases *c, const char *model_path);

/* Parse --backend auto|cpu|cuda; usage error otherwise. */
int cli_parse_backend(const char *cmd, const char *s, vigil_backend_kind *out);

#endif
