/* Case files for models, as the commands use them (predict, replay, explain): the library's
 * vigil_cases (include/vigil/run.h) with the command's error printing, and the JSON summary. */
#ifndef VIGIL_CLI_CASES_H
#define VIGIL_CLI_CASES_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "vigil/backend.h"
#include "vigil/run.h"

typedef vigil_cases cli_cases;

/* The categorical rule of README "Model formats", for the --help of the commands that read
 * case files for a model (predict, explain). */
#define CLI_CASES_CATEGORICAL_HELP                                                              \
    "Categorical features (XGBoost, enable_categorical=True): the column holds category\n"      \
    "codes, whole numbers >= 0 as pandas .cat.codes gives them for the training frame's\n"     \
    "categories, empty when missing. Category strings are read only for a model that stores\n" \
    "its categories (XGBoost 3.x writes them into the file): each is mapped to its code.\n"    \
    "Refused, naming the file and line: -1 (pandas' missing code: leave the cell empty), a\n"  \
    "fraction or a negative number; text for a model that stores no categories (XGBoost\n"    \
    "1.7/2.x: give the codes); a string the model does not hold; a number where the stored\n" \
    "categories are text that reads as numbers ('10': a code or a category?). A code at or\n"  \
    "past the categories the model stores (unseen in training) is scored as XGBoost scores\n"  \
    "it, outside every split's set; the cases are counted, one warning per feature on\n"      \
    "stderr, and in the JSON summary (unseen_categories).\n"

/* vigil_cases_load; returns an exit status (0 ok), having printed the error. */
int cli_cases_load(const char *cmd, const char *model_path, const char *data_path, const char *id,
                   const char *const *extra, size_t n_extra, const vigil_phi_allow *allow,
                   size_t n_allow, char delimiter, cli_cases *out);
void cli_cases_free(cli_cases *c);

/* vigil_cases_write_csv; returns an exit status, having printed any error. */
int cli_cases_write(const char *cmd, const cli_cases *c, const char *id, const char *out,
                    const char *const *cols, size_t ncols, const double *values);

/* The "model" object of a JSON summary ({path, describe, sha256}) and "n". */
void cli_cases_json(cJSON *doc, const cli_cases *c, const char *model_path);

/* Parse --backend auto|cpu|cuda; usage error otherwise. */
int cli_parse_backend(const char *cmd, const char *s, vigil_backend_kind *out);

#endif
