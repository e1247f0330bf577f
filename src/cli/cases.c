/* Case files for models (see cli/cases.h): the commands' side of vigil_cases. */
#include "cli/cases.h"

#include "cli/cli.h"
#include "run/cases_json.h"
#include "vigil/error.h"

#include <string.h>

int cli_cases_load(const char *cmd, const char *model_path, const char *data_path, const char *id,
                   const char *const *extra, size_t n_extra, const vigil_phi_allow *allow,
                   size_t n_allow, char delimiter, cli_cases *out)
{
    vigil_cases_options o = VIGIL_CASES_OPTIONS_INIT;
    o.id = id, o.extra = extra, o.n_extra = n_extra, o.allow = allow, o.n_allow = n_allow;
    o.delimiter = delimiter;
    int err = vigil_cases_load(out, model_path, data_path, &o);
    return err ? cli_fail(cmd, err) : VIGIL_EXIT_OK;
}

void cli_cases_free(cli_cases *c) { vigil_cases_clear(c); }

int cli_parse_backend(const char *cmd, const char *s, vigil_backend_kind *out)
{
    if (!s || strcmp(s, "auto") == 0) *out = VIGIL_BACKEND_AUTO;
    else if (strcmp(s, "cpu") == 0) *out = VIGIL_BACKEND_CPU;
    else if (strcmp(s, "cuda") == 0) *out = VIGIL_BACKEND_CUDA;
    else return cli_usage(cmd, "--backend: expected auto, cpu or cuda, not '%s'", s);
    return VIGIL_EXIT_OK;
}

int cli_cases_write(const char *cmd, const cli_cases *c, const char *id, const char *out,
                    const char *const *cols, size_t ncols, const double *values)
{
    int err = vigil_cases_write_csv(c, id, out, cols, ncols, values);
    return err ? cli_fail(cmd, err) : VIGIL_EXIT_OK;
}

void cli_cases_json(cJSON *doc, const cli_cases *c, const char *model_path)
{
    cJSON *m = cJSON_AddObjectToObject(doc, "model");
    cJSON_AddStringToObject(m, "path", model_path);
    cJSON_AddStringToObject(m, "describe", vigil_model_describe(c->model));
    cJSON_AddStringToObject(m, "sha256", vigil_model_sha256(c->model));
    cJSON_AddNumberToObject(doc, "n", (double)c->n);
    vigil_cases_unseen_json(doc, c);
}
