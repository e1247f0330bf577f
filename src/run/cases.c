/* Case files for models; see vigil_cases in include/vigil/run.h. */
#include "vigil/run.h"
#include "run/cases_json.h"
#include "vigil/error.h"
#include "core/csv_write.h"
#include "core/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int vigil_cases_load(vigil_cases *out, const char *model_path, const char *data_path,
                     const vigil_cases_options *opt)
{
    static const vigil_cases_options none = VIGIL_CASES_OPTIONS_INIT;
    if (!opt) opt = &none;
    memset(out, 0, sizeof *out);
    out->id_col = -1;
    const char *id = opt->id;
    const char **keep = NULL, **why = NULL;
    vigil_sbuf mb = {0};
    int err = vigil_model_load(&out->model, model_path);
    if (err) goto done;
    if (opt->all_trees && (err = vigil_model_use_all_trees(out->model, 1)) != 0) goto done;
    size_t F = vigil_model_n_features(out->model), nk = 0;
    keep = malloc((F + opt->n_extra + 1) * sizeof *keep);
    why = malloc((F + opt->n_extra + 1) * sizeof *why);
    vigil_sbuf_printf(&mb, "the model %s, whose features are matched by name", model_path);
    if (!keep || !why || !mb.s) {
        err = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < F; j++) keep[nk] = vigil_model_feature_name(out->model, j), why[nk++] = mb.s;
    for (size_t j = 0; j < opt->n_extra + (id != NULL); j++) {
        const char *c = j < opt->n_extra ? opt->extra[j] : id;
        size_t k = 0;
        while (k < nk && strcmp(keep[k], c) != 0) k++;
        if (k == nk) keep[nk] = c, why[nk++] = j < opt->n_extra ? "named on the command line" : "--id";
    }
    vigil_csv_options o = VIGIL_CSV_OPTIONS_INIT;
    o.keep = keep, o.n_keep = nk, o.keep_why = why;
    o.delimiter = opt->delimiter ? opt->delimiter : ',';
    /* An id column is text even when it looks numeric (leading zeros are part of an id). */
    vigil_col_decl idd = {id, VIGIL_COL_CATEGORICAL};
    if (id) o.types = &idd, o.n_types = 1;
    if ((err = vigil_table_read_csv(&out->table, data_path, &o)) != 0) goto done;
    if ((err = vigil_phi_guard(out->table, data_path, id, NULL, opt->allow, opt->n_allow)) != 0) goto done;
    if (id) out->id_col = vigil_table_find(out->table, id);
    out->n = vigil_table_nrows(out->table);
    if (out->n == 0) {
        err = vigil_error_set(VIGIL_EINVAL, "%s: no cases (the file has no data rows)", data_path);
        goto done;
    }
    if ((err = vigil_model_bind(out->model, out->table, &out->X)) != 0) goto done;
    if (!(out->unseen = calloc(F ? F : 1, sizeof *out->unseen))) {
        err = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    vigil_model_unseen_categories(out->model, out->X, out->n, out->unseen);
done:
    free(keep);
    free(why);
    vigil_sbuf_free(&mb);
    if (err) vigil_cases_clear(out);
    return err;
}

void vigil_cases_clear(vigil_cases *c)
{
    if (!c) return;
    vigil_model_free(c->model);
    vigil_table_free(c->table);
    free(c->X);
    free(c->unseen);
    memset(c, 0, sizeof *c);
    c->id_col = -1;
}

void vigil_cases_id(const vigil_cases *c, size_t i, char *buf, size_t cap)
{
    if (c->id_col >= 0) {
        const int32_t *codes = vigil_table_codes(c->table, (size_t)c->id_col);
        snprintf(buf, cap, "%s", codes[i] >= 0 ? vigil_table_level(c->table, (size_t)c->id_col, (size_t)codes[i]) : "");
    } else {
        snprintf(buf, cap, "%zu", i + 1);
    }
}

int vigil_cases_write_csv(const vigil_cases *c, const char *id_name, const char *out,
                          const char *const *cols, size_t ncols, const double *values)
{
    /* A number that is not finite is never written (a spreadsheet or a later join would take
     * "nan" as a value): refused before the file is made, naming the case and the column. */
    for (size_t i = 0; i < c->n; i++)
        for (size_t j = 0; j < ncols; j++)
            if (!isfinite(values[i * ncols + j])) {
                /* the row, not its id: an id may be an identifier (issue 19) */
                return vigil_error_set(VIGIL_EINVAL, "%s: case %zu of the data (line %zu): '%s' is %s, not a number; "
                                       "nothing was written", out, i + 1, vigil_table_row_line(c->table, i), cols[j],
                                       isnan(values[i * ncols + j]) ? "NaN" : "infinite");
            }
    char *tmp;
    FILE *f = vigil_outfile_open(out, &tmp);
    if (!f) return VIGIL_EIO;
    vigil_csv_write_field(f, id_name ? id_name : "row");
    for (size_t j = 0; j < ncols; j++) fputc(',', f), vigil_csv_write_field(f, cols[j]);
    fputc('\n', f);
    const int32_t *codes = c->id_col >= 0 ? vigil_table_codes(c->table, (size_t)c->id_col) : NULL;
    for (size_t i = 0; i < c->n; i++) {
        if (codes) vigil_csv_write_field(f, codes[i] >= 0 ? vigil_table_level(c->table, (size_t)c->id_col, (size_t)codes[i]) : "");
        else fprintf(f, "%zu", i + 1); /* ids of any length, never cut */
        for (size_t j = 0; j < ncols; j++) fprintf(f, ",%.10g", values[i * ncols + j]);
        fputc('\n', f);
    }
    int rc = vigil_outfile_commit(f, tmp, out);
    return rc;
}

void vigil_cases_unseen_json(cJSON *doc, const vigil_cases *c)
{
    cJSON *u = NULL;
    for (size_t j = 0; c->unseen && j < vigil_model_n_features(c->model); j++) {
        if (!vigil_model_n_categories(c->model, j)) continue;
        if (!u) u = cJSON_AddObjectToObject(doc, "unseen_categories");
        cJSON_AddNumberToObject(u, vigil_model_feature_name(c->model, j), (double)c->unseen[j]);
    }
}
