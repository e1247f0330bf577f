/* vigil metrics as one job: read and check, groups, begin, compute, store, finish-or-fail. */
#include "vigil/run.h"
#include "vigil/error.h"
#include "vigil/fairness.h"
#include "core/dist.h"
#include "core/util.h"
#include "stats/metrics_json.h"
#include "run/metrics_internal.h"
#include "run/missingness.h"
#include "run/phi_allowed.h"
#include "run/sequestration.h"
#include "core/csv_header.h"
#include "core/json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


void vigil_run_metrics_result_free(vigil_run_metrics_result *r)
{
    if (!r) return;
    free(r->json);
    free(r->text);
    vigil_metrics_report_free(r->rep);
    vigil_multiclass_report_free(r->mc);
    free(r);
}

const char *vigil_run_metrics_result_json(const vigil_run_metrics_result *r) { return r->json; }
const char *vigil_run_metrics_result_text(const vigil_run_metrics_result *r) { return r->text; }
int64_t vigil_run_metrics_result_run_id(const vigil_run_metrics_result *r) { return r->run_id; }
const vigil_metrics_report *vigil_run_metrics_result_report(const vigil_run_metrics_result *r)
{
    return r->rep;
}

size_t vigil_group_spec_split(char *buf, char **parts, size_t cap)
{
    size_t k = 0;
    for (char *s = buf;;) {
        if (k < cap) parts[k] = s;
        k++;
        char *p = strchr(s, '+');
        if (!p) break;
        *p = '\0';
        s = p + 1;
    }
    return k;
}

typedef struct {
    const char *name;
    size_t col;
} find_col;

static int is_col(void *ctx, const char *name, size_t col)
{
    find_col *q = ctx;
    if (strcmp(name, q->name) != 0) return 0;
    q->col = col;
    return 1;
}

size_t vigil_run_header_column(const char *path, char delimiter, const char *name)
{
    find_col q = {name, 0};
    vigil_csv_header_fields(path, delimiter ? delimiter : ',', is_col, &q);
    return q.col;
}

static size_t row_line(const void *ctx, size_t row) { return vigil_table_row_line(ctx, row); }

/* The human-in-the-loop columns: option, field of the options, what a value must be. */
typedef struct {
    const char *option, *col;
    int kind; /* 0: 0 or 1 on every row; 1: >= 0 on every row; 2: >= 0 or empty; 3: text */
} human_col;

static size_t human_cols(const vigil_run_metrics_options *o, human_col *c)
{
    size_t k = 0;
    if (o->decision) c[k++] = (human_col){"--decision", o->decision, 0};
    if (o->arm) c[k++] = (human_col){"--arm", o->arm, 0};
    if (o->exposure) c[k++] = (human_col){"--exposure", o->exposure, 1};
    if (o->decision_time) c[k++] = (human_col){"--decision-time", o->decision_time, 2};
    if (o->override_reason) c[k++] = (human_col){"--override-reason", o->override_reason, 3};
    return k;
}

typedef struct {
    const double *decision, *exposure, *decision_time, *arm;
    int32_t *reason;
    char **reason_levels;
    size_t n_reason_levels;
} human_data;

/* One numeric column of kind 0, 1 or 2 (human_col): every bad value is named by
 * file:line:column. */
static int numeric_col(const vigil_table *t, const char *data, const human_col *c, int col,
                       const double **out)
{
    size_t n = vigil_table_nrows(t);
    const double *v = vigil_table_numeric(t, (size_t)col);
    size_t fc = vigil_table_file_column(t, (size_t)col);
    if (!v) {
        const int32_t *codes = vigil_table_codes(t, (size_t)col);
        size_t i = 0;
        while (i < n && codes[i] < 0) i++;
        return vigil_error_set(VIGIL_EINVAL, "%s:%zu:%zu: %s column '%s' is not numeric ('%s'); %s", data,
                               i < n ? vigil_table_row_line(t, i) : 2, fc, c->option, c->col,
                               i < n ? vigil_table_level(t, (size_t)col, (size_t)codes[i]) : "",
                               c->kind == 0 ? "values must be 0 or 1" : "values must be numbers >= 0");
    }
    for (size_t i = 0; i < n; i++) {
        double x = v[i];
        int ok = c->kind == 0 ? (x == 0 || x == 1) : c->kind == 1 ? (isfinite(x) && x >= 0)
                                                                  : (isnan(x) || (isfinite(x) && x >= 0));
        if (ok) continue;
        const char *want = c->kind == 0   ? "must be 0 or 1"
                           : c->kind == 1 ? "must be a number >= 0 on every row"
                                          : "must be a number >= 0 (or empty: no action)";
        if (isnan(x))
            return vigil_error_set(VIGIL_EINVAL, "%s:%zu:%zu: %s column '%s' is empty; it %s", data,
                                   vigil_table_row_line(t, i), fc, c->option, c->col, want);
        return vigil_error_set(VIGIL_EINVAL, "%s:%zu:%zu: %s column '%s' has %g; it %s", data,
                               vigil_table_row_line(t, i), fc, c->option, c->col, x, want);
    }
    *out = v;
    return VIGIL_OK;
}

/* Read and check the human-in-the-loop columns: every bad value is named by file:line:column. */
static int load_human(const vigil_table *t, const char *data, const vigil_run_metrics_options *o, human_data *h)
{
    human_col c[5];
    size_t nc = human_cols(o, c), n = vigil_table_nrows(t);
    if (!o->decision && nc)
        return vigil_error_set(VIGIL_EINVAL, "%s needs --decision (the clinicians' final action)", c[0].option);
    for (size_t k = 0; k < nc; k++) {
        int col = vigil_table_require(t, c[k].col, c[k].option + 2);
        if (col < 0) return col;
        if (c[k].kind == 3) {
            int err = vigil_table_as_levels(t, (size_t)col, &h->reason, &h->reason_levels, &h->n_reason_levels);
            if (err) return err;
            continue;
        }
        const double *v = NULL;
        int err = numeric_col(t, data, &c[k], col, &v);
        if (err) return err;
        const char *opt = c[k].option;
        *(strcmp(opt, "--decision") == 0 ? &h->decision
          : strcmp(opt, "--arm") == 0    ? &h->arm
          : strcmp(opt, "--exposure") == 0 ? &h->exposure
                                           : &h->decision_time) = v;
    }
    if (h->arm) {
        size_t assisted = 0;
        for (size_t i = 0; i < n; i++) assisted += h->arm[i] == 1;
        if (!assisted)
            return vigil_error_set(VIGIL_EINVAL, "%s: --arm column '%s' has no assisted case (1): the team "
                                   "statistics need some", data, o->arm);
    }
    return VIGIL_OK;
}

/* The follow-up columns (times >= 0, events 0/1, by file:line:column), the score when no label
 * checked it, and a horizon somebody is followed to. Nothing without --time. */
static int load_survival(const vigil_table *t, const char *data, const char *score, const double *sv, int checked,
                         const vigil_run_metrics_options *o, const double **tv, const double **ev)
{
    if (!o->time) return VIGIL_OK;
    human_col c[2] = {{"--time", o->time, 1}, {"--event", o->event, 0}};
    const double **out[2] = {tv, ev};
    size_t n = vigil_table_nrows(t);
    for (int k = 0; k < 2; k++) {
        int col = vigil_table_require(t, c[k].col, c[k].option + 2), err;
        if (col < 0) return col;
        if ((err = numeric_col(t, data, &c[k], col, out[k])) != 0) return err;
    }
    for (size_t i = 0; i < n && !checked; i++)
        if (!(sv[i] >= 0 && sv[i] <= 1)) {
            size_t fc = vigil_table_file_column(t, (size_t)vigil_table_find(t, score)), line = vigil_table_row_line(t, i);
            if (isnan(sv[i]))
                return vigil_error_set(VIGIL_EINVAL, "%s:%zu:%zu: score column '%s' is empty; predicted risks must be "
                                       "probabilities in [0, 1]", data, line, fc, score);
            return vigil_error_set(VIGIL_EINVAL, "%s:%zu:%zu: score column '%s' has %g; predicted risks must be "
                                   "probabilities in [0, 1]", data, line, fc, score, sv[i]);
        }
    double tmax = 0;
    for (size_t i = 0; i < n; i++) tmax = (*tv)[i] > tmax ? (*tv)[i] : tmax;
    if (!(o->horizon > 0) || o->horizon > tmax)
        return vigil_error_set(VIGIL_EINVAL, "%s: --horizon %g is beyond the largest follow-up time %g (--time '%s'): "
                               "nobody is at risk at it", data, o->horizon, tmax, o->time);
    return VIGIL_OK;
}

static char *config_json(const char *data, const char *score, const char *label,
                         const vigil_run_metrics_options *o)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "data", data);
    cJSON_AddStringToObject(c, "score", score);
    if (label) cJSON_AddStringToObject(c, "label", label);
    else cJSON_AddNullToObject(c, "label");
    if (o->time) {
        cJSON_AddStringToObject(c, "time", o->time);
        cJSON_AddStringToObject(c, "event", o->event);
        cJSON_AddNumberToObject(c, "horizon", o->horizon);
    }
    if (o->compare) cJSON_AddStringToObject(c, "compare", o->compare);
    if (o->train_ids) {
        cJSON_AddStringToObject(c, "train_ids", o->train_ids);
        cJSON_AddStringToObject(c, "train_ids_column", o->train_ids_column ? o->train_ids_column : o->id);
        cJSON_AddStringToObject(c, "id", o->id ? o->id : o->train_ids_column);
    }
    human_col hc[5];
    size_t nhc = human_cols(o, hc);
    for (size_t k = 0; k < nhc; k++) cJSON_AddStringToObject(c, hc[k].option + 2, hc[k].col);
    cJSON *g = cJSON_AddArrayToObject(c, "groups"), *t = cJSON_AddArrayToObject(c, "thresholds");
    for (size_t i = 0; i < o->n_groups; i++) cJSON_AddItemToArray(g, cJSON_CreateString(o->groups[i]));
    for (size_t i = 0; i < o->n_thresholds; i++) cJSON_AddItemToArray(t, cJSON_CreateNumber(o->thresholds[i]));
    cJSON_AddNumberToObject(c, "bootstrap", (double)o->bootstrap);
    cJSON_AddNumberToObject(c, "seed", (double)o->seed);
    cJSON_AddNumberToObject(c, "min_cell", (double)vigil_fairness_min_cell(o->min_cell));
    cJSON_AddStringToObject(c, "lowess_bootstrap",
                            o->lowess_bootstrap > 0 ? "on" : o->lowess_bootstrap < 0 ? "off" : "auto");
    if (o->delimiter && o->delimiter != ',') {
        char dl[2] = {o->delimiter, '\0'};
        cJSON_AddStringToObject(c, "delimiter", dl);
    }
    if (o->n_allow) {
        cJSON *a = cJSON_AddObjectToObject(c, "allow_columns");
        for (size_t i = 0; i < o->n_allow; i++)
            cJSON_AddStringToObject(a, o->allow[i].column, o->allow[i].justification);
    }
    char *s = cJSON_PrintUnformatted(c);
    cJSON_Delete(c);
    return s;
}

void vigil_run_fingerprint(const vigil_table *t, const char *cfg, char out[65])
{
    const char *sha = t ? vigil_table_sha256(t, NULL) : NULL;
    *out = 0;
    if (!sha || !cfg) return;
    size_t a = strlen(sha), b = strlen(cfg);
    char *text = malloc(a + b + 2);
    if (!text) return;
    memcpy(text, sha, a), text[a] = '\n', memcpy(text + a + 1, cfg, b + 1);
    vigil_sha256_hex(text, a + b + 1, out);
    free(text);
}

char *vigil_run_with_run_id(cJSON *j, const vigil_store *store, int64_t run_id)
{
    cJSON *withid = j ? cJSON_CreateObject() : NULL;
    char *doc = NULL;
    if (withid) {
        if (store) cJSON_AddNumberToObject(withid, "run_id", (double)run_id);
        else cJSON_AddNullToObject(withid, "run_id");
        /* split across MPI ranks: how many (the numbers are the one-process numbers) */
        if (vigil_dist_size() > 1) cJSON_AddStringToObject(withid, "parallel", vigil_dist_describe());
        cJSON *item = j->child;
        while (item) {
            cJSON *next = item->next;
            cJSON_AddItemToObject(withid, item->string, cJSON_DetachItemViaPointer(j, item));
            item = next;
        }
        doc = cJSON_PrintBuffered(withid, 1 << 16, 1);
    }
    cJSON_Delete(j);
    cJSON_Delete(withid);
    return doc;
}

void vigil_run_groups_free(groups_t *G, size_t n_groups)
{
    for (size_t i = 0; i < G->n_col; i++) vigil_table_levels_free(G->col[i].codes, G->col[i].levels, G->col[i].n_levels);
    for (size_t g = 0; g < n_groups; g++) {
        vigil_table_levels_free(G->inter[g].codes, G->inter[g].levels, G->inter[g].n_levels);
        free(G->buf[g]);
    }
    free(G);
}

int vigil_run_groups_resolve(groups_t *G, const vigil_table *t, const char *const *specs, size_t n_groups, size_t n)
{
    int err;
    for (size_t g = 0; g < n_groups; g++) {
        const int32_t *cc[VIGIL_GROUP_SPEC_MAX];
        const char *const *ll[VIGIL_GROUP_SPEC_MAX];
        for (size_t p = 0; p < G->n_parts[g]; p++) {
            int c = vigil_table_require(t, G->parts[g][p], "group column");
            if (c < 0) return c;
            levels_t *L = &G->col[G->n_col++];
            if ((err = vigil_table_as_levels(t, (size_t)c, &L->codes, &L->levels, &L->n_levels)) != 0) return err;
            cc[p] = L->codes;
            ll[p] = (const char *const *)L->levels;
        }
        if (G->n_parts[g] == 1) {
            G->g[g] = (vigil_metrics_group){specs[g], cc[0], ll[0], G->col[G->n_col - 1].n_levels};
        } else {
            levels_t *I = &G->inter[g];
            if ((err = vigil_fairness_intersect(cc, ll, G->n_parts[g], n, &I->codes, &I->levels, &I->n_levels)) != 0)
                return err;
            G->g[g] = (vigil_metrics_group){specs[g], I->codes, (const char *const *)I->levels, I->n_levels};
        }
    }
    return VIGIL_OK;
}

int vigil_run_groups_split(groups_t *G, const char *const *specs, size_t n_groups, const char **keep, size_t *n_keep)
{
    for (size_t g = 0; g < n_groups; g++) {
        if (!(G->buf[g] = vigil_strdup(specs[g]))) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
        G->n_parts[g] = vigil_group_spec_split(G->buf[g], G->parts[g], VIGIL_GROUP_SPEC_MAX);
        if (G->n_parts[g] > VIGIL_GROUP_SPEC_MAX)
            return vigil_error_set(VIGIL_EINVAL, "--group '%s' joins %zu columns; at most %d", specs[g],
                                   G->n_parts[g], VIGIL_GROUP_SPEC_MAX);
        for (size_t p = 0; p < G->n_parts[g]; p++) {
            if (!*G->parts[g][p])
                return vigil_error_set(VIGIL_EINVAL, "--group '%s' has an empty column name", specs[g]);
            size_t k = 0;
            while (k < *n_keep && strcmp(keep[k], G->parts[g][p]) != 0) k++;
            if (k == *n_keep) keep[(*n_keep)++] = G->parts[g][p];
        }
    }
    return VIGIL_OK;
}

/* Read the file and check the score, label and comparison columns. */
static int load(vigil_table **t, const char *data, const char *score, const char *label,
                const vigil_run_metrics_options *o, const char *const *keep, size_t n_keep, const char *id,
                const double **sc_out, const double **lb_out, const double **cmp_out)
{
    vigil_csv_options opts = VIGIL_CSV_OPTIONS_INIT;
    vigil_col_decl idtype = {id, VIGIL_COL_CATEGORICAL}; /* ids compare as the text they are */
    opts.delimiter = o->delimiter ? o->delimiter : ',';
    opts.keep = keep;
    opts.n_keep = n_keep;
    opts.types = id ? &idtype : NULL;
    opts.n_types = id ? 1 : 0;
    int err = vigil_table_read_csv(t, data, &opts);
    if (err) {
        /* Say which setting named a column the file lacks. */
        for (size_t k = 0; k < n_keep; k++)
            if (vigil_run_header_column(data, o->delimiter, keep[k]) == 0) {
                const char *role = strcmp(keep[k], score) == 0            ? "--score"
                                   : label && strcmp(keep[k], label) == 0 ? "--label"
                                   : o->compare && strcmp(keep[k], o->compare) == 0 ? "--compare"
                                   : o->time && strcmp(keep[k], o->time) == 0       ? "--time"
                                   : o->event && strcmp(keep[k], o->event) == 0     ? "--event"
                                   : id && strcmp(keep[k], id) == 0 ? (o->id ? "--id" : "--train-ids id")
                                                                                    : "--group";
                human_col hc[5];
                size_t nhc = human_cols(o, hc);
                for (size_t q = 0; q < nhc; q++)
                    if (strcmp(keep[k], hc[q].col) == 0) role = hc[q].option;
                vigil_error_wrap("%s column '%s'", role, keep[k]);
                break;
            }
        return err;
    }
    /* the id column is a role (as a suite's columns.id): the ids are compared, never shown */
    if ((err = vigil_phi_guard(*t, data, id, NULL, o->allow, o->n_allow)) != 0) return err;
    int sc, lc = -1;
    if ((sc = vigil_table_require(*t, score, "score column")) < 0) return sc;
    if (label && (lc = vigil_table_require(*t, label, "label column")) < 0) return lc;
    size_t n = vigil_table_nrows(*t);
    const double *sv = vigil_table_numeric(*t, (size_t)sc), *lv = label ? vigil_table_numeric(*t, (size_t)lc) : NULL;
    if (n == 0) return vigil_error_set(VIGIL_EINVAL, "%s: no cases (the file has no data rows)", data);
    if (!sv)
        return vigil_error_set(VIGIL_EINVAL, "%s: score column '%s' is not numeric (e.g. line %zu: '%s')",
                               data, score, n ? vigil_table_row_line(*t, 0) : 2,
                               n && vigil_table_codes(*t, (size_t)sc)[0] >= 0
                                   ? vigil_table_level(*t, (size_t)sc, (size_t)vigil_table_codes(*t, (size_t)sc)[0])
                                   : "");
    if (!label) { /* time to event alone: load_survival checks the score */
        *sc_out = sv;
        return VIGIL_OK;
    }
    if (!lv) { /* text labels: report the first one as not 0/1 */
        const int32_t *codes = vigil_table_codes(*t, (size_t)lc);
        size_t col = vigil_table_file_column(*t, (size_t)lc);
        return vigil_error_set(VIGIL_EINVAL, "1 label is not 0 or 1 (%s:%zu:%zu: '%s'); labels must be 0 or 1",
                               data, n ? vigil_table_row_line(*t, 0) : 2, col,
                               n && codes[0] >= 0 ? vigil_table_level(*t, (size_t)lc, (size_t)codes[0]) : "");
    }
    if ((err = vigil_metrics_check(sv, lv, n, data, vigil_table_file_column(*t, (size_t)sc),
                                   vigil_table_file_column(*t, (size_t)lc), row_line, *t)) != 0)
        return err;
    *sc_out = sv;
    *lb_out = lv;
    if (o->compare) {
        int cc2 = vigil_table_require(*t, o->compare, "comparison score column");
        if (cc2 < 0) return cc2;
        if (!(*cmp_out = vigil_table_numeric(*t, (size_t)cc2)))
            return vigil_error_set(VIGIL_EINVAL, "%s: --compare column '%s' is not numeric", data, o->compare);
        if ((err = vigil_metrics_check(*cmp_out, lv, n, data, vigil_table_file_column(*t, (size_t)cc2),
                                       vigil_table_file_column(*t, (size_t)lc), row_line, *t)) != 0)
            return err;
    }
    return VIGIL_OK;
}

/* Missing values per feature of the case file (issue 18): the features are the columns the run
 * does not use (its roles -- score, label, groups and the rest -- are the loaded columns) that
 * the reader's sample of them found numeric. The reader counted their missing values in every
 * row while it read the file (vigil_table_unread_n_missing), keeping no value, so that no
 * value can fail it, a wide file's features cost no storage and the counts are of the bytes
 * the run read (one read: the file is not read a second time). A count of 1..min-cell-1
 * missing, or one leaving 1..min-cell-1 with a value, is withheld (the cell-size policy).
 * *out: the `missingness` block, or NULL when the file has no such column. */
static int missingness(cJSON **out, const vigil_table *t, size_t min_cell)
{
    *out = NULL;
    const vigil_table *u = vigil_table_unread_sample(t);
    size_t nu = u ? vigil_table_ncols(u) : 0, nf = 0, n = vigil_table_nrows(t);
    for (size_t i = 0; i < nu; i++) nf += vigil_table_numeric(u, i) != NULL;
    if (!nf) return VIGIL_OK;
    cJSON *m = cJSON_CreateObject(), *cols = cJSON_AddObjectToObject(m, "columns");
    if (!cols) {
        cJSON_Delete(m);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    cJSON_AddStringToObject(m, "features", "every numeric column of the case file that the run does not use");
    cJSON_AddNumberToObject(m, "n", (double)n);
    for (size_t i = 0; i < nu; i++)
        if (vigil_table_numeric(u, i))
            vigil_run_missing_entry(cols, vigil_table_col_name(u, i), (double)vigil_table_unread_n_missing(t, i),
                                    (double)n, min_cell);
    *out = m;
    return VIGIL_OK;
}

int vigil_run_metrics(vigil_run_metrics_result **out, const char *data, const char *score,
                      const char *label, const vigil_run_metrics_options *opt)
{
    *out = NULL;
    if (opt->class_scores && opt->train_ids)
        return vigil_error_set(VIGIL_EINVAL, "--train-ids is not available with --class-scores yet");
    if (opt->class_scores)
        return score ? vigil_error_set(VIGIL_EINVAL, "a score column and class_scores are exclusive (binary or "
                                       "multi-class metrics)")
                     : vigil_run_metrics_multiclass(out, data, label, opt);
    double t0 = vigil_seconds();
    vigil_table *t = NULL;
    vigil_store *store = NULL;
    vigil_results *res = NULL;
    vigil_run *run = NULL;
    char *cfg = NULL;
    const char *keep[11 + MAX_GROUPS * VIGIL_GROUP_SPEC_MAX]; /* score, label, compare, 5 human, time, event, id */
    human_data hd = {0};
    cJSON *miss = NULL, *seq = NULL;
    vigil_table *train = NULL;
    size_t n_keep = 0, n = 0;
    const double *sv = NULL, *lv = NULL, *cmp = NULL, *tv = NULL, *ev = NULL;
    double t_load = 0;
    char fp[65];
    vigil_run_metrics_result *r = calloc(1, sizeof *r);
    groups_t *G = calloc(1, sizeof *G);
    int err = r && G ? VIGIL_OK : vigil_error_set(VIGIL_ENOMEM, "out of memory");
    if (err) goto loaded;
    if (opt->n_groups > MAX_GROUPS) {
        err = vigil_error_set(VIGIL_EINVAL, "at most %d groups", MAX_GROUPS);
        goto loaded;
    }
    if (!opt->time != !opt->event || (!label && (!opt->time || opt->compare || opt->decision))) {
        err = vigil_error_set(VIGIL_EINVAL, "%s", !opt->time != !opt->event ? "--time and --event go together"
                                                  : !opt->time ? "a label column is required (or --time and --event)"
                                                               : "--compare and --decision need a label column");
        goto loaded;
    }
    keep[n_keep++] = score;
    if (label && strcmp(label, score) != 0) keep[n_keep++] = label;
    if (opt->compare && strcmp(opt->compare, score) != 0 && (!label || strcmp(opt->compare, label) != 0))
        keep[n_keep++] = opt->compare;
    const char *surv_cols[2] = {opt->time, opt->event};
    for (size_t q = 0; q < 2 && opt->time && opt->event; q++) {
        size_t k = 0;
        while (k < n_keep && strcmp(keep[k], surv_cols[q]) != 0) k++;
        if (k == n_keep) keep[n_keep++] = surv_cols[q];
    }
    human_col hc[5];
    size_t nhc = human_cols(opt, hc);
    for (size_t q = 0; q < nhc; q++) {
        size_t k = 0;
        while (k < n_keep && strcmp(keep[k], hc[q].col) != 0) k++;
        if (k == n_keep) keep[n_keep++] = hc[q].col;
    }
    /* sequestration: the case file's id column and the training file's */
    const char *idname = opt->id ? opt->id : opt->train_ids_column;
    const char *train_col = opt->train_ids_column ? opt->train_ids_column : opt->id;
    if (opt->train_ids && !idname) {
        err = vigil_error_set(VIGIL_EINVAL, "--train-ids '%s' needs an id column: FILE:COLUMN, or --id COL", opt->train_ids);
        goto loaded;
    }
    if (!opt->train_ids) idname = NULL;
    if (idname) {
        size_t k = 0;
        while (k < n_keep && strcmp(keep[k], idname) != 0) k++;
        if (k == n_keep) keep[n_keep++] = idname;
    }
    if ((err = vigil_run_groups_split(G, opt->groups, opt->n_groups, keep, &n_keep)) != 0) goto loaded;
    if ((err = load(&t, data, score, label, opt, keep, n_keep, idname, &sv, &lv, &cmp)) != 0) goto loaded;
    if (idname && (err = vigil_run_train_overlap(&seq, &train, t, vigil_table_find(t, idname), "--train-ids", opt->train_ids,
                                                 train_col, opt->delimiter, opt->allow, opt->n_allow,
                                                 vigil_fairness_min_cell(opt->min_cell))) != 0)
        goto loaded;
    if ((err = load_human(t, data, opt, &hd)) != 0) goto loaded;
    if ((err = load_survival(t, data, score, sv, label != NULL, opt, &tv, &ev)) != 0) goto loaded;
    n = vigil_table_nrows(t);
    if ((err = vigil_run_groups_resolve(G, t, opt->groups, opt->n_groups, n)) != 0) goto loaded;
    if ((err = missingness(&miss, t, vigil_fairness_min_cell(opt->min_cell))) != 0) goto loaded;
    t_load = vigil_seconds() - t0;

loaded:
    /* under MPI: every rank read rank 0's data with rank 0's options (vigil_dist_same) */
    if (!err && vigil_dist_size() > 1 && !(cfg = config_json(data, score, label, opt)))
        err = vigil_error_set(VIGIL_ENOMEM, "out of memory");
    vigil_run_fingerprint(t, cfg, fp);
    if ((err = vigil_dist_same(fp, err)) != 0) goto done;
    /* Under MPI rank 0 alone opens the store and stores the run (the others compute their
     * share of the bootstrap and print nothing). Whether every rank read its input (above: a file
     * one rank could not read ends every rank before a run is begun) and whether rank 0 began
     * the run are every rank's to know (vigil_dist_agree). */
    if (opt->db_path && vigil_dist_rank() == 0) {
        if ((err = vigil_store_open(&store, opt->db_path)) != 0) goto begun;
        if (!cfg && !(cfg = config_json(data, score, label, opt))) {
            err = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            goto begun;
        }
        char name[512];
        const char *base = strrchr(data, '/');
        snprintf(name, sizeof name, "%s", base ? base + 1 : data);
        uint64_t bytes = 0;
        const char *sha = vigil_table_sha256(t, &bytes); /* taken while parsing: read once */
        vigil_run_file f[2] = {{"data", data, sha, bytes}, {"train_ids", opt->train_ids, NULL, 0}};
        if (train) f[1].sha256 = vigil_table_sha256(train, &f[1].bytes);
        vigil_run_spec spec = {"metrics", name, cfg, f, train ? 2 : 1, opt->seed, opt->bootstrap > 0};
        if ((err = vigil_run_begin(&run, store, &spec)) != 0) goto begun;
        r->run_id = vigil_run_id(run);
    }
begun:
    if ((err = vigil_dist_agree(err)) != 0) goto done;

    vigil_metrics_options mo = VIGIL_METRICS_OPTIONS_INIT;
    mo.thresholds = opt->n_thresholds ? opt->thresholds : NULL;
    mo.n_thresholds = opt->n_thresholds;
    mo.bootstrap = opt->bootstrap;
    mo.seed = opt->seed;
    mo.threads = opt->threads;
    mo.min_cell = opt->min_cell;
    mo.lowess_bootstrap = opt->lowess_bootstrap;
    mo.backend = opt->backend;
    mo.compare = cmp;
    mo.compare_name = opt->compare;
    mo.decision = hd.decision;
    mo.exposure = hd.exposure;
    mo.decision_time = hd.decision_time;
    mo.arm = hd.arm;
    mo.reason = hd.reason;
    mo.reason_levels = (const char *const *)hd.reason_levels;
    mo.n_reason_levels = hd.n_reason_levels;
    mo.time = tv;
    mo.event = ev;
    mo.horizon = opt->horizon;
    if ((err = vigil_metrics_compute(&r->rep, sv, lv, n, G->g, opt->n_groups, &mo)) != 0) goto done;

    double tw = vigil_seconds();
    if (store && ((err = vigil_results_new(&res)) != 0 || (err = vigil_metrics_report_store(r->rep, res)) != 0))
        goto done;
    r->text = vigil_metrics_report_text(r->rep);
    double t_write = vigil_seconds() - tw;
    cJSON *j = vigil_stats_report_cjson(r->rep, t_load, t_write);
    if (j && miss) cJSON_AddItemToObject(j, "missingness", miss), miss = NULL;
    if (j && opt->n_allow) { /* each allowance with what the guard found in its column */
        const vigil_table *tabs[2] = {t, train};
        static const char *const roles[2] = {"data", "train_ids"};
        const char *id = opt->train_ids ? (opt->id ? opt->id : opt->train_ids_column) : NULL; /* as load's guard */
        cJSON *pa = vigil_run_phi_allowed(tabs, roles, 2, id, NULL, opt->allow, opt->n_allow);
        if (!pa || !cJSON_AddItemToObject(j, "phi_allowed", pa)) {
            cJSON_Delete(pa);
            cJSON_Delete(j);
            j = NULL;
        }
    }
    if (j && seq) {
        cJSON *td = cJSON_AddObjectToObject(j, "training_data");
        cJSON_AddStringToObject(td, "path", opt->train_ids);
        const char *tsha = vigil_table_sha256(train, NULL);
        if (tsha) cJSON_AddStringToObject(td, "sha256", tsha);
        cJSON_AddNumberToObject(td, "rows", (double)vigil_table_nrows(train));
        cJSON_AddItemToObject(j, "sequestration", seq), seq = NULL;
    }
    char *doc = vigil_run_with_run_id(j, store, r->run_id);
    if (!(r->json = doc) || !r->text) {
        err = vigil_error_set(VIGIL_ENOMEM, "out of memory writing the report");
        goto done;
    }
    if (store && ((err = vigil_results_add_document(res, "result", r->json)) != 0 ||
                  (err = vigil_run_finish(run, res, -1)) != 0))
        goto done;
done:
    vigil_run_free(run); /* a run not finished above ends "failed" */
    vigil_results_free(res);
    vigil_store_close(store);
    free(cfg);
    if (G) vigil_run_groups_free(G, opt->n_groups < MAX_GROUPS ? opt->n_groups : MAX_GROUPS);
    if (hd.reason) vigil_table_levels_free(hd.reason, hd.reason_levels, hd.n_reason_levels);
    vigil_table_free(t);
    cJSON_Delete(miss);
    cJSON_Delete(seq);
    vigil_table_free(train);
    if (err) vigil_run_metrics_result_free(r);
    else *out = r;
    return err;
}
