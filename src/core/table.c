/* Columnar tables: construction, column access, lookup and filtering; see
 * include/vigil/table.h and core/table_internal.h (the CSV reader is table_csv.c). */
#include "core/table_internal.h"
#include "core/phi_internal.h"
#include "vigil/error.h"
#include "core/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t vigil_table_nrows(const vigil_table *t) { return t->nrows; }
size_t vigil_table_ncols(const vigil_table *t) { return t->ncols; }
const char *vigil_table_source(const vigil_table *t) { return t->source; }
const char *vigil_table_col_name(const vigil_table *t, size_t c) { return t->cols[c].name; }
size_t vigil_table_file_column(const vigil_table *t, size_t c) { return c < t->ncols ? t->cols[c].file_col : 0; }
vigil_col_type vigil_table_col_type(const vigil_table *t, size_t c) { return t->cols[c].type; }
size_t vigil_table_n_missing(const vigil_table *t, size_t c) { return t->cols[c].n_missing; }

const double *vigil_table_numeric(const vigil_table *t, size_t c)
{
    return t->cols[c].type == VIGIL_COL_NUMERIC ? (const double *)t->cols[c].data.p : NULL;
}

const int32_t *vigil_table_codes(const vigil_table *t, size_t c)
{
    return t->cols[c].type == VIGIL_COL_CATEGORICAL ? (const int32_t *)t->cols[c].data.p : NULL;
}

size_t vigil_table_n_levels(const vigil_table *t, size_t c) { return t->cols[c].levels.n; }

const char *vigil_table_level(const vigil_table *t, size_t c, size_t l)
{
    return l < t->cols[c].levels.n ? t->cols[c].levels.levels[l] : NULL;
}

size_t vigil_table_row_line(const vigil_table *t, size_t row)
{
    if (t->lines.p && row < t->nrows) return (size_t)((const uint64_t *)t->lines.p)[row];
    return row + 2;
}

int vigil_table_find(const vigil_table *t, const char *name)
{
    if (!t->names_dup) return vigil_dict_find(&t->names, name); /* codes are column indices */
    for (size_t c = 0; c < t->ncols; c++)
        if (strcmp(t->cols[c].name, name) == 0) return (int)c;
    return -1;
}

const char *vigil_table_sep_hint(char *const *names, size_t n)
{
    if (n != 1) return "";
    if (strchr(names[0], '\t'))
        return " (this looks like a tab-separated file: re-save it with commas, or name the separator: "
               "\"delimiter\": \"\\t\" in a suite's or monitor's data section, --delimiter tab for drift, cases join, "
               "predict, replay, explain and metrics)";
    if (strchr(names[0], ';'))
        return " (this looks like a ';'-separated file: re-save it with commas, or name the separator: "
               "\"delimiter\": \";\" in a suite's or monitor's data section, --delimiter ';' for drift, cases join, "
               "predict, replay, explain and metrics)";
    return "";
}

/* "a, b, c" listing of names, truncated politely, with a hint when the header was not split
 * at commas; caller frees. */
char *vigil_table_list_names(char *const *names, size_t n)
{
    vigil_sbuf b = {0};
    for (size_t i = 0; i < n; i++) {
        if (i == 40) {
            vigil_sbuf_printf(&b, ", ... (%zu in all)", n);
            break;
        }
        vigil_sbuf_printf(&b, "%s'%s'", i ? ", " : "", names[i]);
    }
    if (n == 1) vigil_sbuf_printf(&b, "%s", vigil_table_sep_hint(names, n));
    return b.s ? b.s : vigil_strdup("(none)");
}

static char *table_col_list(const vigil_table *t)
{
    char **names = malloc((t->ncols + 1) * sizeof *names);
    if (!names) return NULL;
    for (size_t c = 0; c < t->ncols; c++) names[c] = t->cols[c].name;
    char *s = vigil_table_list_names(names, t->ncols);
    free(names);
    return s;
}

int vigil_table_require(const vigil_table *t, const char *name, const char *role)
{
    int c = vigil_table_find(t, name);
    if (c >= 0) return c;
    char *cols = table_col_list(t);
    vigil_error_set(VIGIL_EINVAL, "%s: %s '%s' is not a column; the columns are: %s", t->source,
                    role, name, cols ? cols : "?");
    free(cols);
    return VIGIL_EINVAL;
}

static void column_free(column *c)
{
    if (c->own_name) free(c->name);
    vigil_vec_free(&c->data);
    vigil_dict_free(&c->levels);
}

void vigil_table_free(vigil_table *t)
{
    if (!t) return;
    for (size_t c = 0; c < t->ncols; c++) column_free(&t->cols[c]);
    free(t->cols);
    vigil_dict_free(&t->names);
    vigil_vec_free(&t->lines);
    vigil_table_free(t->unread);
    free(t->source);
    free(t);
}

const char *vigil_table_sha256(const vigil_table *t, uint64_t *bytes)
{
    if (bytes) *bytes = t->bytes;
    return t->sha256[0] ? t->sha256 : NULL;
}

size_t vigil_table_n_unread(const vigil_table *t) { return t->unread ? t->unread->ncols : 0; }
const char *vigil_table_unread(const vigil_table *t, size_t i) { return t->unread->cols[i].name; }
const vigil_table *vigil_table_unread_sample(const vigil_table *t) { return t->unread; }
size_t vigil_table_unread_n_missing(const vigil_table *t, size_t i) { return t->unread->cols[i].n_missing_file; }

int vigil_table_new(vigil_table **out, size_t nrows, const char *source_name)
{
    *out = NULL;
    vigil_table *t = calloc(1, sizeof *t);
    if (!t || !(t->source = vigil_strdup(source_name ? source_name : "(table)"))) {
        free(t);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory creating a table");
    }
    t->nrows = nrows;
    *out = t;
    return VIGIL_OK;
}

column *vigil_table_push_col(vigil_table *t, const char *name)
{
    if (t->ncols == t->cols_cap) { /* doubling: a header of 10^6 columns is pushed one by one */
        size_t nc = t->cols_cap ? t->cols_cap * 2 : 8;
        column *cols = realloc(t->cols, nc * sizeof *cols);
        if (!cols) return NULL;
        t->cols = cols;
        t->cols_cap = nc;
    }
    column *c = &t->cols[t->ncols];
    memset(c, 0, sizeof *c);
    int32_t code = vigil_dict_intern(&t->names, name, strlen(name));
    if (code < 0) return NULL;
    if ((size_t)code == t->ncols && !t->names_dup) {
        c->name = t->names.levels[code]; /* shared with the dictionary, which frees it */
    } else { /* a name seen before (callers refuse duplicates; kept safe all the same) */
        t->names_dup = true;
        if (!(c->name = vigil_strdup(name))) return NULL;
        c->own_name = true;
    }
    t->ncols++;
    return c;
}

int vigil_table_add_numeric(vigil_table *t, const char *name, const double *values)
{
    if (vigil_table_find(t, name) >= 0)
        return vigil_error_set(VIGIL_EINVAL, "%s: duplicate column '%s'", t->source, name);
    column *c = vigil_table_push_col(t, name);
    if (!c || vigil_vec_reserve(&c->data, t->nrows * sizeof(double) + 1) != 0)
        return vigil_error_set(VIGIL_ENOMEM, "out of memory adding column '%s'", name);
    c->type = VIGIL_COL_NUMERIC;
    memcpy(c->data.p, values, t->nrows * sizeof(double));
    for (size_t i = 0; i < t->nrows; i++) c->n_missing += isnan(values[i]);
    return VIGIL_OK;
}

int vigil_table_add_categorical(vigil_table *t, const char *name, const int32_t *codes,
                                const char *const *levels, size_t n_levels)
{
    if (vigil_table_find(t, name) >= 0)
        return vigil_error_set(VIGIL_EINVAL, "%s: duplicate column '%s'", t->source, name);
    column *c = vigil_table_push_col(t, name);
    if (!c || vigil_vec_reserve(&c->data, t->nrows * sizeof(int32_t) + 1) != 0)
        return vigil_error_set(VIGIL_ENOMEM, "out of memory adding column '%s'", name);
    c->type = VIGIL_COL_CATEGORICAL;
    for (size_t l = 0; l < n_levels; l++)
        if (vigil_dict_intern(&c->levels, levels[l], strlen(levels[l])) != (int32_t)l) {
            char what[80];
            return vigil_error_set(VIGIL_EINVAL, "column '%s': duplicate or bad level %zu, %s",
                                   name, l + 1,
                                   vigil_phi_describe_value(name, levels[l], strlen(levels[l]),
                                                            what, sizeof what));
        }
    int32_t *dst = c->data.p;
    for (size_t i = 0; i < t->nrows; i++) {
        if (codes[i] < -1 || codes[i] >= (int32_t)n_levels)
            return vigil_error_set(VIGIL_EINVAL, "column '%s': code %d out of range", name,
                                   (int)codes[i]);
        dst[i] = codes[i];
        c->n_missing += codes[i] < 0;
    }
    return VIGIL_OK;
}

static int dict_copy(dict *dst, const dict *src)
{
    for (size_t l = 0; l < src->n; l++)
        if (vigil_dict_intern(dst, src->levels[l], strlen(src->levels[l])) != (int32_t)l) return -1;
    return 0;
}

static int filter(vigil_table **out, const vigil_table *t, const uint8_t *keep, int relevel)
{
    *out = NULL;
    size_t n = 0;
    for (size_t i = 0; i < t->nrows; i++) n += keep[i] != 0;
    vigil_table *f;
    int rc = vigil_table_new(&f, n, t->source);
    if (rc) return rc;
    if (vigil_vec_reserve(&f->lines, n * sizeof(uint64_t) + 1) != 0) goto oom;
    for (size_t i = 0, k = 0; i < t->nrows; i++)
        if (keep[i]) ((uint64_t *)f->lines.p)[k++] = vigil_table_row_line(t, i);
    for (size_t c = 0; c < t->ncols; c++) {
        const column *src = &t->cols[c];
        column *dst = vigil_table_push_col(f, src->name);
        if (!dst) goto oom;
        dst->type = src->type;
        dst->declared = src->declared;
        dst->seen_value = src->seen_value;
        dst->file_col = src->file_col;
        size_t width = src->type == VIGIL_COL_CATEGORICAL ? sizeof(int32_t) : sizeof(double);
        int cat = src->type == VIGIL_COL_CATEGORICAL;
        if (vigil_vec_reserve(&dst->data, n * width + 1) != 0 || (!(cat && relevel) && dict_copy(&dst->levels, &src->levels) != 0))
            goto oom;
        size_t k = 0;
        if (cat && relevel) {
            const int32_t *s = src->data.p;
            int32_t *d = dst->data.p;
            for (size_t i = 0; i < t->nrows; i++) {
                if (!keep[i]) continue;
                int32_t x = s[i];
                if (x >= 0 && (x = vigil_dict_intern(&dst->levels, src->levels.levels[x], strlen(src->levels.levels[x]))) < 0)
                    goto oom;
                dst->n_missing += (d[k++] = x) < 0;
            }
        } else if (cat) {
            const int32_t *s = src->data.p;
            int32_t *d = dst->data.p;
            for (size_t i = 0; i < t->nrows; i++)
                if (keep[i]) dst->n_missing += (d[k++] = s[i]) < 0;
        } else {
            const double *s = src->data.p;
            double *d = dst->data.p;
            for (size_t i = 0; i < t->nrows; i++)
                if (keep[i]) dst->n_missing += isnan(d[k++] = s[i]);
        }
    }
    *out = f;
    return VIGIL_OK;
oom:
    vigil_table_free(f);
    return vigil_error_set(VIGIL_ENOMEM, "out of memory filtering '%s'", t->source);
}

int vigil_table_filter(vigil_table **out, const vigil_table *t, const uint8_t *keep)
{
    return filter(out, t, keep, 0);
}

int vigil_table_filter_relevel(vigil_table **out, const vigil_table *t, const uint8_t *keep)
{
    return filter(out, t, keep, 1);
}
