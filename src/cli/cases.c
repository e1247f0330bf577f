/* Case files for models (see cli/cases.h). */
#include "cli/cases.h"

#include "cli/cli.h"
#include "core/util.h"
#include "vigil/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_cases_load(const char *cmd, const char *model_path, const char *data_path, const char *id,
                   const char *const *extra, size_t n_extra, const vigil_phi_allow *allow,
                   size_t n_allow, cli_cases *out)
{
    memset(out, 0, sizeof *out);
    out->id_col = -1;
    int err = vigil_model_load(&out->model, model_path);
    if (err) return cli_fail(cmd, err);
    size_t F = vigil_model_n_features(out->model), nk = 0;
    const char **keep = malloc((F + n_extra + 1) * sizeof *keep), **why = malloc((F + n_extra + 1) * sizeof *why);
    char *model_why = NULL;
    vigil_sbuf mb = {0};
    vigil_sbuf_printf(&mb, "the model %s, whose features are matched by name", model_path);
    model_why = mb.s;
    if (!keep || !why || !model_why) {
        free(keep), free(why), free(model_why);
        return cli_fail(cmd, vigil_error_set(VIGIL_ENOMEM, "out of memory"));
    }
    for (size_t j = 0; j < F; j++) keep[nk] = vigil_model_feature_name(out->model, j), why[nk++] = model_why;
    for (size_t j = 0; j < n_extra + (id != NULL); j++) {
        const char *c = j < n_extra ? extra[j] : id;
        size_t k = 0;
        while (k < nk && strcmp(keep[k], c) != 0) k++;
        if (k == nk) keep[nk] = c, why[nk++] = j < n_extra ? "named on the command line" : "--id";
    }
    vigil_csv_options o = {0};
    o.keep = keep, o.n_keep = nk, o.keep_why = why;
    /* An id column is text even when it looks numeric (leading zeros are part of an id). */
    vigil_col_decl idd = {id, VIGIL_COL_CATEGORICAL};
    if (id) o.types = &idd, o.n_types = 1;
    err = vigil_table_read_csv(&out->table, data_path, &o);
    free(keep), free(why), free(model_why);
    if (!err) {
        const char *skip[1] = {id};
        err = vigil_phi_guard(out->table, data_path, skip, 1, allow, n_allow);
    }
    if (!err && id) out->id_col = vigil_table_find(out->table, id);
    if (!err) out->n = vigil_table_nrows(out->table);
    if (!err && out->n == 0) err = vigil_error_set(VIGIL_EINVAL, "%s: no cases (the file has no data rows)", data_path);
    if (!err) err = vigil_model_bind(out->model, out->table, &out->X);
    if (err) {
        int rc = cli_fail(cmd, err);
        cli_cases_free(out);
        return rc;
    }
    return VIGIL_EXIT_OK;
}

void cli_cases_free(cli_cases *c)
{
    vigil_model_free(c->model);
    vigil_table_free(c->table);
    free(c->X);
    memset(c, 0, sizeof *c);
}

void cli_cases_id(const cli_cases *c, size_t i, char *buf, size_t cap)
{
    if (c->id_col >= 0) {
        const int32_t *codes = vigil_table_codes(c->table, (size_t)c->id_col);
        snprintf(buf, cap, "%s", codes[i] >= 0 ? vigil_table_level(c->table, (size_t)c->id_col, (size_t)codes[i]) : "");
    } else {
        snprintf(buf, cap, "%zu", i + 1);
    }
}

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
    vigil_sbuf tb = {0};
    vigil_sbuf_printf(&tb, "%s.tmp", out);
    FILE *f = tb.s ? fopen(tb.s, "w") : NULL;
    if (!f) {
        free(tb.s);
        return cli_fail(cmd, vigil_error_set(VIGIL_EIO, "%s: cannot write here", out));
    }
    cli_csv_field(f, id ? id : "row");
    for (size_t j = 0; j < ncols; j++) fputc(',', f), cli_csv_field(f, cols[j]);
    fputc('\n', f);
    char idb[256];
    for (size_t i = 0; i < c->n; i++) {
        cli_cases_id(c, i, idb, sizeof idb);
        cli_csv_field(f, idb);
        for (size_t j = 0; j < ncols; j++) fprintf(f, ",%.10g", values[i * ncols + j]);
        fputc('\n', f);
    }
    int rc = VIGIL_EXIT_OK;
    if (fflush(f) != 0 || ferror(f) || fclose(f) != 0)
        rc = cli_fail(cmd, vigil_error_set(VIGIL_EIO, "%s: write failed (disk full?)", out));
    else if (rename(tb.s, out) != 0)
        rc = cli_fail(cmd, vigil_error_set(VIGIL_EIO, "%s: cannot rename the finished file", out));
    if (rc) remove(tb.s);
    free(tb.s);
    return rc;
}

void cli_cases_json(cJSON *doc, const cli_cases *c, const char *model_path)
{
    cJSON *m = cJSON_AddObjectToObject(doc, "model");
    cJSON_AddStringToObject(m, "path", model_path);
    cJSON_AddStringToObject(m, "describe", vigil_model_describe(c->model));
    cJSON_AddStringToObject(m, "sha256", vigil_model_sha256(c->model));
    cJSON_AddNumberToObject(doc, "n", (double)c->n);
}
