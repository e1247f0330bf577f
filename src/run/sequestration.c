/* Sequestration by case ids (issue 18): see run/sequestration.h. */
#include "run/sequestration.h"
#include "core/json.h"
#include "core/util.h"
#include "vigil/error.h"
#include "vigil/fairness.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Cases of t whose id is among the training ids (train's column 0, text). */
static int count_shared(const vigil_table *t, int idcol, const vigil_table *train, size_t *hit)
{
    size_t nl = vigil_table_n_levels(train, 0), n = vigil_table_nrows(t);
    const double *num = vigil_table_numeric(t, (size_t)idcol);
    *hit = 0;
    if (num) { /* numeric ids: the training ids that read as numbers, compared as numbers */
        double *v = malloc((nl ? nl : 1) * sizeof *v);
        size_t m = 0;
        if (!v) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
        for (size_t l = 0; l < nl; l++) {
            const char *s = vigil_table_level(train, 0, l);
            if (vigil_parse_double(s, strlen(s), &v[m]) == 0 && !isnan(v[m])) m++;
        }
        qsort(v, m, sizeof *v, cmp_dbl);
        for (size_t i = 0; i < n; i++) *hit += !isnan(num[i]) && bsearch(&num[i], v, m, sizeof *v, cmp_dbl) != NULL;
        free(v);
        return VIGIL_OK;
    }
    const char **ids = malloc((nl ? nl : 1) * sizeof *ids);
    size_t cl = vigil_table_n_levels(t, (size_t)idcol);
    uint8_t *in = calloc(cl ? cl : 1, 1);
    if (!ids || !in) {
        free(ids);
        free(in);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    for (size_t l = 0; l < nl; l++) ids[l] = vigil_table_level(train, 0, l);
    qsort(ids, nl, sizeof *ids, cmp_str);
    /* each distinct case id looked up once, then every case counted by its id */
    for (size_t l = 0; l < cl; l++) {
        const char *key = vigil_table_level(t, (size_t)idcol, l);
        in[l] = bsearch(&key, ids, nl, sizeof *ids, cmp_str) != NULL;
    }
    const int32_t *codes = vigil_table_codes(t, (size_t)idcol);
    for (size_t i = 0; i < n; i++) *hit += codes[i] >= 0 && in[codes[i]];
    free(in);
    free(ids);
    return VIGIL_OK;
}

int vigil_run_train_overlap(cJSON **out, vigil_table **train, const vigil_table *t, int idcol, const char *what,
                            const char *train_path, const char *train_col, char delimiter,
                            const vigil_phi_allow *allow, size_t n_allow, size_t min_cell)
{
    *out = NULL;
    *train = NULL;
    vigil_col_decl ty = {train_col, VIGIL_COL_CATEGORICAL};
    vigil_csv_options co = VIGIL_CSV_OPTIONS_INIT;
    char why[512];
    snprintf(why, sizeof why, "the id column of %s", what);
    const char *whyp = why;
    co.keep = &train_col, co.n_keep = 1, co.types = &ty, co.n_types = 1, co.keep_why = &whyp;
    co.delimiter = delimiter ? delimiter : ',';
    int rc = vigil_table_read_csv(train, train_path, &co);
    if (rc) {
        vigil_error_wrap("%s '%s'", what, train_path);
        return rc;
    }
    size_t hit = 0;
    if ((rc = vigil_phi_guard(*train, train_path, train_col, NULL, allow, n_allow)) != 0 ||
        (rc = count_shared(t, idcol, *train, &hit)) != 0)
        return rc;
    int ok = vigil_fairness_count_ok((double)hit, min_cell);
    cJSON *sq = cJSON_CreateObject();
    if (!sq) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    cJSON_AddStringToObject(sq, "key", vigil_table_col_name(t, (size_t)idcol));
    cJSON_AddStringToObject(sq, "train_ids_column", train_col);
    vigil_json_add_number(sq, "overlap", ok ? (double)hit : NAN);
    cJSON_AddBoolToObject(sq, "overlap_suppressed", !ok);
    cJSON_AddStringToObject(sq, "method", "cases of the test set whose id occurs in the training file's id column "
                            "(text ids as text, numeric ids as numbers); a count, the ids are not stored");
    if (hit) {
        char cnt[64];
        if (ok) snprintf(cnt, sizeof cnt, "%zu", hit);
        else snprintf(cnt, sizeof cnt, "1 to %zu (withheld, small cell)", min_cell - 1);
        vigil_warn("%s: %s cases of the test set have an id that also occurs in the training ids '%s': the test "
                   "set is not sequestered", vigil_table_source(t), cnt, train_path);
    }
    *out = sq;
    return VIGIL_OK;
}
