/* vigil metrics --class-scores PREFIX as one job: find the class columns in the header, read and
 * check (labels against the classes, probabilities, row sums: file:line:column), groups,
 * begin, compute (vigil_multiclass_compute), store, finish-or-fail. */
#include "run/metrics_internal.h"
#include "vigil/error.h"
#include "vigil/fairness.h"
#include "core/csv_header.h"
#include "core/dist.h"
#include "core/util.h"
#include "stats/metrics_report_multiclass.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

const vigil_multiclass_report *vigil_run_metrics_result_multiclass(const vigil_run_metrics_result *r)
{
    return r->mc;
}

/* The class columns: header fields PREFIX<class> with a non-empty class, in file order. */
typedef struct {
    const char *prefix, *label;
    const vigil_run_metrics_options *o;
    char **col;     /* full column names */
    size_t *pos;    /* 1-based file columns */
    size_t n, cap;
    int oom;
} classes_t;

static int is_group_column(const vigil_run_metrics_options *o, const char *name)
{
    for (size_t g = 0; g < o->n_groups; g++) {
        const char *s = o->groups[g];
        size_t len = strlen(name);
        /* a spec "a+b" names a and b */
        for (const char *p = s; *p;) {
            const char *e = strchr(p, '+');
            size_t m = e ? (size_t)(e - p) : strlen(p);
            if (m == len && strncmp(p, name, m) == 0) return 1;
            if (!e) break;
            p = e + 1;
        }
    }
    return 0;
}

static int class_field(void *ctx, const char *name, size_t col)
{
    classes_t *C = ctx;
    size_t lp = strlen(C->prefix);
    if (strncmp(name, C->prefix, lp) != 0 || !name[lp] || strcmp(name, C->label) == 0 ||
        is_group_column(C->o, name))
        return 0;
    if (C->n == C->cap) {
        size_t cap = C->cap ? 2 * C->cap : 16;
        char **nc = realloc(C->col, cap * sizeof *nc);
        if (nc) C->col = nc;
        size_t *np = nc ? realloc(C->pos, cap * sizeof *np) : NULL;
        if (np) C->pos = np;
        if (!nc || !np) return C->oom = 1;
        C->cap = cap;
    }
    if (!(C->col[C->n] = vigil_strdup(name))) return C->oom = 1;
    C->pos[C->n++] = col;
    return 0;
}

static size_t row_line(const void *ctx, size_t row) { return vigil_table_row_line(ctx, row); }

/* Each label's class, or the first label that names none (file:line:column). */
static int label_classes(const vigil_table *t, const char *data, const char *label, const classes_t *C,
                         const char *const *names, int32_t *cls)
{
    int lc = vigil_table_find(t, label);
    const int32_t *codes = vigil_table_codes(t, (size_t)lc);
    size_t nl = vigil_table_n_levels(t, (size_t)lc), n = vigil_table_nrows(t);
    size_t col = vigil_table_file_column(t, (size_t)lc);
    int32_t *map = malloc((nl ? nl : 1) * sizeof *map);
    if (!map) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    for (size_t l = 0; l < nl; l++) {
        map[l] = -1;
        for (size_t c = 0; c < C->n; c++)
            if (strcmp(vigil_table_level(t, (size_t)lc, l), names[c]) == 0) map[l] = (int32_t)c;
    }
    int rc = VIGIL_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        if (codes[i] < 0)
            rc = vigil_error_set(VIGIL_EINVAL, "%s:%zu:%zu: --label column '%s' is empty; every case needs its class",
                                 data, vigil_table_row_line(t, i), col, label);
        else if ((cls[i] = map[codes[i]]) < 0)
            rc = vigil_error_set(VIGIL_EINVAL, "%s:%zu:%zu: label '%s' is not one of the %zu classes of "
                                 "--class-scores '%s' (no column '%s%s')", data, vigil_table_row_line(t, i), col,
                                 vigil_table_level(t, (size_t)lc, (size_t)codes[i]), C->n, C->prefix, C->prefix,
                                 vigil_table_level(t, (size_t)lc, (size_t)codes[i]));
    }
    free(map);
    return rc;
}

/* The class columns as numbers; a text value is named by file:line:column. */
static int class_columns(const vigil_table *t, const char *data, const classes_t *C, const double **prob)
{
    size_t n = vigil_table_nrows(t);
    for (size_t c = 0; c < C->n; c++) {
        int col = vigil_table_find(t, C->col[c]);
        if (col < 0) return vigil_error_set(VIGIL_EINTERNAL, "class column '%s' not loaded", C->col[c]);
        if ((prob[c] = vigil_table_numeric(t, (size_t)col)) != NULL) continue;
        const int32_t *codes = vigil_table_codes(t, (size_t)col);
        size_t i = 0;
        while (i < n && codes[i] < 0) i++;
        return vigil_error_set(VIGIL_EINVAL, "%s:%zu:%zu: --class-scores column '%s' is not numeric ('%s'); "
                               "values must be probabilities in [0, 1]", data, i < n ? vigil_table_row_line(t, i) : 2,
                               C->pos[c], C->col[c], i < n ? vigil_table_level(t, (size_t)col, (size_t)codes[i]) : "");
    }
    return VIGIL_OK;
}

static char *config_json(const char *data, const char *label, const classes_t *C, const vigil_run_metrics_options *o)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "data", data);
    cJSON_AddStringToObject(c, "label", label);
    cJSON_AddStringToObject(c, "class_scores", o->class_scores);
    cJSON *cl = cJSON_AddArrayToObject(c, "class_columns");
    for (size_t k = 0; k < C->n; k++) cJSON_AddItemToArray(cl, cJSON_CreateString(C->col[k]));
    cJSON_AddNumberToObject(c, "top_k", (double)(o->top_k ? o->top_k : 3));
    cJSON *g = cJSON_AddArrayToObject(c, "groups");
    for (size_t i = 0; i < o->n_groups; i++) cJSON_AddItemToArray(g, cJSON_CreateString(o->groups[i]));
    cJSON_AddNumberToObject(c, "bootstrap", (double)o->bootstrap);
    cJSON_AddNumberToObject(c, "seed", (double)o->seed);
    cJSON_AddNumberToObject(c, "min_cell", (double)vigil_fairness_min_cell(o->min_cell));
    if (o->delimiter && o->delimiter != ',') {
        char dl[2] = {o->delimiter, '\0'};
        cJSON_AddStringToObject(c, "delimiter", dl);
    }
    if (o->n_allow) {
        cJSON *a = cJSON_AddObjectToObject(c, "allow_columns");
        for (size_t i = 0; i < o->n_allow; i++) cJSON_AddStringToObject(a, o->allow[i].column, o->allow[i].justification);
    }
    char *s = cJSON_PrintUnformatted(c);
    cJSON_Delete(c);
    return s;
}

/* What the binary options would mean here: refuse rather than ignore. */
static const char *binary_only(const vigil_run_metrics_options *o)
{
    return o->compare ? "--compare" : o->n_thresholds ? "--threshold" : o->decision ? "--decision"
         : o->exposure ? "--exposure" : o->decision_time ? "--decision-time" : o->arm ? "--arm"
         : o->override_reason ? "--override-reason" : o->lowess_bootstrap ? "--lowess-bootstrap" : NULL;
}

int vigil_run_metrics_multiclass(vigil_run_metrics_result **out, const char *data, const char *label,
                                 const vigil_run_metrics_options *opt)
{
    *out = NULL;
    double t0 = vigil_seconds();
    vigil_table *t = NULL;
    vigil_store *store = NULL;
    vigil_results *res = NULL;
    vigil_run *run = NULL;
    char *cfg = NULL;
    const char **keep = NULL;
    const char **names = NULL;
    const double **prob = NULL;
    int32_t *cls = NULL;
    size_t n_keep = 0, n = 0;
    double t_load = 0;
    char fp[65];
    classes_t C = {opt->class_scores, label, opt, NULL, NULL, 0, 0, 0};
    vigil_run_metrics_result *r = calloc(1, sizeof *r);
    groups_t *G = calloc(1, sizeof *G);
    int err = r && G ? VIGIL_OK : vigil_error_set(VIGIL_ENOMEM, "out of memory");
    const char *bad = binary_only(opt);
    if (!err && bad) err = vigil_error_set(VIGIL_EINVAL, "%s is a binary-score option; --class-scores does not take it", bad);
    if (!err && opt->n_groups > MAX_GROUPS) err = vigil_error_set(VIGIL_EINVAL, "at most %d groups", MAX_GROUPS);
    if (!err && !*opt->class_scores) err = vigil_error_set(VIGIL_EINVAL, "--class-scores needs a column prefix");
    if (err) goto loaded;
    vigil_csv_header_fields(data, opt->delimiter ? opt->delimiter : ',', class_field, &C);
    if (C.oom) {
        err = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto loaded;
    }
    if (C.n < 2) {
        FILE *f = fopen(data, "rb");
        if (!f) err = vigil_error_set(VIGIL_EIO, "%s: cannot open: %s", data, strerror(errno));
        else {
            fclose(f);
            err = vigil_error_set(VIGIL_EINVAL, C.n ? "%s:1: --class-scores '%s': only one column ('%s') starts with "
                                                      "the prefix; multi-class metrics need a column per class"
                                                    : "%s:1: --class-scores '%s': no column of the header starts with "
                                                      "the prefix%s",
                                  data, opt->class_scores, C.n ? C.col[0] : "");
        }
        goto loaded;
    }
    if (!(keep = malloc((1 + C.n + MAX_GROUPS * VIGIL_GROUP_SPEC_MAX) * sizeof *keep)) ||
        !(names = malloc(C.n * sizeof *names)) || !(prob = malloc(C.n * sizeof *prob))) {
        err = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto loaded;
    }
    keep[n_keep++] = label;
    for (size_t c = 0; c < C.n; c++) {
        keep[n_keep++] = C.col[c];
        names[c] = C.col[c] + strlen(opt->class_scores);
    }
    if ((err = vigil_run_groups_split(G, opt->groups, opt->n_groups, keep, &n_keep)) != 0) goto loaded;
    vigil_csv_options co = VIGIL_CSV_OPTIONS_INIT;
    vigil_col_decl types[1] = {{label, VIGIL_COL_CATEGORICAL}}; /* class names as written: "01" is not "1" */
    co.keep = keep;
    co.n_keep = n_keep;
    co.types = types;
    co.n_types = 1;
    co.delimiter = opt->delimiter ? opt->delimiter : ',';
    if ((err = vigil_table_read_csv(&t, data, &co)) != 0) {
        if (vigil_run_header_column(data, opt->delimiter, label) == 0) vigil_error_wrap("--label column '%s'", label);
        else
            for (size_t k = 1 + C.n; k < n_keep; k++)
                if (vigil_run_header_column(data, opt->delimiter, keep[k]) == 0) {
                    vigil_error_wrap("--group column '%s'", keep[k]);
                    break;
                }
        goto loaded;
    }
    if ((err = vigil_phi_guard(t, data, NULL, NULL, opt->allow, opt->n_allow)) != 0) goto loaded;
    n = vigil_table_nrows(t);
    if (n == 0) {
        err = vigil_error_set(VIGIL_EINVAL, "%s: no cases (the file has no data rows)", data);
        goto loaded;
    }
    if (!(cls = malloc(n * sizeof *cls))) {
        err = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto loaded;
    }
    if ((err = label_classes(t, data, label, &C, names, cls)) != 0 || (err = class_columns(t, data, &C, prob)) != 0)
        goto loaded;
    if ((err = vigil_multiclass_check(prob, C.n, cls, n, data, names, C.pos,
                                      vigil_table_file_column(t, (size_t)vigil_table_find(t, label)),
                                      row_line, t)) != 0)
        goto loaded;
    if ((err = vigil_run_groups_resolve(G, t, opt->groups, opt->n_groups, n)) != 0) goto loaded;
    t_load = vigil_seconds() - t0;

loaded:
    /* under MPI: every rank read rank 0's data with rank 0's options (vigil_dist_same) */
    if (!err && vigil_dist_size() > 1 && !(cfg = config_json(data, label, &C, opt)))
        err = vigil_error_set(VIGIL_ENOMEM, "out of memory");
    vigil_run_fingerprint(t, cfg, fp);
    if ((err = vigil_dist_same(fp, err)) != 0) goto done;
    /* Under MPI rank 0 alone opens the store and stores the run (the others compute their
     * share of the bootstrap and print nothing). Whether every rank read its input (above: a file
     * one rank could not read ends every rank before a run is begun) and whether rank 0 began
     * the run are every rank's to know (vigil_dist_agree). */
    if (opt->db_path && vigil_dist_rank() == 0) {
        if ((err = vigil_store_open(&store, opt->db_path)) != 0) goto begun;
        if (!cfg && !(cfg = config_json(data, label, &C, opt))) {
            err = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            goto begun;
        }
        char name[512];
        const char *base = strrchr(data, '/');
        snprintf(name, sizeof name, "%s", base ? base + 1 : data);
        uint64_t bytes = 0;
        const char *sha = vigil_table_sha256(t, &bytes);
        vigil_run_file f = {"data", data, sha, bytes};
        vigil_run_spec spec = {"metrics", name, cfg, &f, 1, opt->seed, opt->bootstrap > 0};
        if ((err = vigil_run_begin(&run, store, &spec)) != 0) goto begun;
        r->run_id = vigil_run_id(run);
    }
begun:
    if ((err = vigil_dist_agree(err)) != 0) goto done;

    vigil_multiclass_options mo = VIGIL_MULTICLASS_OPTIONS_INIT;
    mo.top_k = opt->top_k;
    mo.bootstrap = opt->bootstrap;
    mo.seed = opt->seed;
    mo.threads = opt->threads;
    mo.min_cell = opt->min_cell;
    if ((err = vigil_multiclass_compute(&r->mc, prob, C.n, names, cls, n, G->g, opt->n_groups, &mo)) != 0) goto done;

    double tw = vigil_seconds();
    if (store && ((err = vigil_results_new(&res)) != 0 || (err = vigil_multiclass_report_store(r->mc, res)) != 0))
        goto done;
    r->text = vigil_multiclass_report_text(r->mc);
    double t_write = vigil_seconds() - tw;
    r->json = vigil_run_with_run_id(vigil_stats_multiclass_cjson(r->mc, t_load, t_write), store, r->run_id);
    if (!r->json || !r->text) {
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
    vigil_table_free(t);
    for (size_t c = 0; c < C.n; c++) free(C.col[c]);
    free(C.col);
    free(C.pos);
    free(keep);
    free(names);
    free(prob);
    free(cls);
    if (err) vigil_run_metrics_result_free(r);
    else *out = r;
    return err;
}
