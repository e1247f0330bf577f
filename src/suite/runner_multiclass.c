/* Multi-class suites (issue 20): $.data.columns.class_scores names the prefix of the candidate's
 * class probability columns (vigil predict's score_<class>), predecessor_class_scores the
 * predecessor's, and the label holds the class. The criteria read the multi-class reports
 * (multiclass.h) through their getters; non-inferiority and superiority take candidate minus
 * predecessor with a paired bootstrap on the same resampled cases. */
#include "suite/runner_internal.h"

#include "core/csv_header.h"
#include "core/util.h"
#include "stats/metrics_report_multiclass.h"
#include "vigil/fairness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *prefix[2];
    const char *label;
    char **cols;
    size_t n, cap;
    int oom;
} cols_t;

static int class_field(void *ctx, const char *name, size_t col)
{
    (void)col;
    cols_t *C = ctx;
    for (int m = 0; m < 2; m++) {
        const char *p = C->prefix[m];
        size_t lp = p ? strlen(p) : 0;
        if (!p || strncmp(name, p, lp) != 0 || !name[lp] || strcmp(name, C->label) == 0) continue;
        if (C->n == C->cap) {
            size_t cap = C->cap ? 2 * C->cap : 16;
            char **nc = realloc(C->cols, cap * sizeof *nc);
            if (!nc) return C->oom = 1;
            C->cols = nc, C->cap = cap;
        }
        if (!(C->cols[C->n++] = vigil_strdup(name))) return C->oom = 1;
        break;
    }
    return 0;
}

int vigil_suite_mc_columns(const vigil_suite_def *d, char ***cols, size_t *n)
{
    cols_t C = {{d->data.class_scores, d->data.predecessor_class_scores}, d->data.label, NULL, 0, 0, 0};
    vigil_csv_header_fields(d->data.path, d->data.delimiter, class_field, &C);
    *cols = C.cols;
    *n = C.n;
    return C.oom ? vigil_suite_oom() : VIGIL_OK;
}

/* The columns `prefix`<class> for every class, in the candidate's class order. */
static int class_columns(run_t *r, const char *prefix, const char *role, const double **out)
{
    const vigil_suite_def *d = &r->def;
    for (size_t c = 0; c < r->mc_k; c++) {
        char name[1100];
        snprintf(name, sizeof name, "%s%s", prefix, r->mc_names[c]);
        int j = vigil_table_find(r->t, name);
        if (j < 0)
            return vigil_error_set(VIGIL_EINVAL, "%s: $.data.columns.%s: no column '%s' for class '%s' in %s",
                                   d->file, role, name, r->mc_names[c], d->data.path);
        if (!(out[c] = vigil_table_numeric(r->t, (size_t)j)))
            return vigil_error_set(VIGIL_EINVAL, "%s: class column '%s' (named by $.data.columns.%s in %s) is not "
                                   "numeric; values must be probabilities in [0, 1]", d->data.path, name, role, d->file);
    }
    return VIGIL_OK;
}

static size_t row_line(const void *ctx, size_t row) { return vigil_table_row_line(ctx, row); }

int vigil_suite_mc_prepare(run_t *r)
{
    const vigil_suite_def *d = &r->def;
    const char *prefix = d->data.class_scores;
    size_t lp = strlen(prefix), nc = vigil_table_ncols(r->t);
    int lc = vigil_table_require(r->t, d->data.label, "label column");
    if (lc < 0) return lc;
    if (!(r->mc_names = calloc(nc ? nc : 1, sizeof *r->mc_names))) return vigil_suite_oom();
    for (size_t j = 0; j < nc; j++) { /* the candidate's columns name the classes */
        const char *name = vigil_table_col_name(r->t, j);
        if (j == (size_t)lc || strncmp(name, prefix, lp) != 0 || !name[lp]) continue;
        if (!(r->mc_names[r->mc_k++] = vigil_strdup(name + lp))) return vigil_suite_oom();
    }
    if (r->mc_k < 2)
        return vigil_error_set(VIGIL_EINVAL, "%s: $.data.columns.class_scores: %zu column(s) of %s start with '%s'; "
                               "a multi-class suite needs one per class, at least 2", d->file, r->mc_k, d->data.path,
                               prefix);
    if (!(r->mc_cand = calloc(r->mc_k, sizeof *r->mc_cand)) || !(r->mc_label = malloc(r->n * sizeof *r->mc_label)))
        return vigil_suite_oom();
    int rc = class_columns(r, prefix, "class_scores", r->mc_cand);
    if (!rc && d->data.predecessor_class_scores) {
        if (!(r->mc_pred = calloc(r->mc_k, sizeof *r->mc_pred))) return vigil_suite_oom();
        rc = class_columns(r, d->data.predecessor_class_scores, "predecessor_class_scores", r->mc_pred);
    }
    if (rc) return rc;
    /* each label's class: numbers as %g, text as written */
    int32_t *codes = NULL;
    char **levels = NULL;
    size_t nl = 0;
    if ((rc = vigil_table_as_levels(r->t, (size_t)lc, &codes, &levels, &nl)) != 0) return rc;
    for (size_t i = 0; i < r->n && !rc; i++) {
        r->mc_label[i] = -1;
        for (size_t c = 0; codes[i] >= 0 && c < r->mc_k; c++)
            if (strcmp(levels[codes[i]], r->mc_names[c]) == 0) r->mc_label[i] = (int32_t)c;
        if (r->mc_label[i] < 0)
            rc = vigil_error_set(VIGIL_EINVAL, "%s:%zu: label %s%s%s (column '%s', named by %s) is not one of the %zu "
                                 "classes of $.data.columns.class_scores '%s'", d->data.path,
                                 vigil_table_row_line(r->t, i), codes[i] < 0 ? "" : "'",
                                 codes[i] < 0 ? "(empty)" : levels[codes[i]], codes[i] < 0 ? "" : "'", d->data.label,
                                 d->file, r->mc_k, prefix);
    }
    vigil_table_levels_free(codes, levels, nl);
    for (int m = 0; m < 2 && !rc; m++) {
        const double **p = m ? r->mc_pred : r->mc_cand;
        if (p && (rc = vigil_multiclass_check(p, r->mc_k, r->mc_label, r->n, d->data.path,
                                              (const char *const *)r->mc_names, NULL, 0, row_line, r->t)) != 0)
            vigil_error_wrap("%s ($.data.columns.%s in %s)", m ? "predecessor" : "candidate",
                             m ? "predecessor_class_scores" : "class_scores", d->file);
    }
    return rc;
}

static int report_of(run_t *r, const double **prob, vigil_multiclass_report **out, cJSON **doc)
{
    vigil_metrics_group *mg = calloc(r->n_groups ? r->n_groups : 1, sizeof *mg);
    if (!mg) return vigil_suite_oom();
    for (size_t g = 0; g < r->n_groups; g++)
        mg[g] = (vigil_metrics_group){r->groups[g].name, r->groups[g].codes, (const char *const *)r->groups[g].levels,
                                      r->groups[g].n_levels};
    vigil_multiclass_options o = VIGIL_MULTICLASS_OPTIONS_INIT;
    o.bootstrap = r->def.bootstrap;
    o.seed = r->def.seed;
    o.threads = r->opt && r->opt->threads > 0 ? (unsigned)r->opt->threads : 0;
    o.min_cell = r->def.min_cell;
    int rc = vigil_multiclass_compute(out, prob, r->mc_k, (const char *const *)r->mc_names, r->mc_label, r->n, mg,
                                      r->n_groups, &o);
    free(mg);
    if (rc) return rc;
    if (!(*doc = vigil_stats_multiclass_cjson(*out, NAN, NAN))) return vigil_suite_oom();
    /* timings differ between identical runs: keep them out of the stored result */
    cJSON_DeleteItemFromObjectCaseSensitive(*doc, "seconds");
    return VIGIL_OK;
}

int vigil_suite_mc_metrics(run_t *r)
{
    int rc = report_of(r, r->mc_cand, &r->mrcand, &r->mcand);
    if (!rc && r->mc_pred) rc = report_of(r, r->mc_pred, &r->mrpred, &r->mpred);
    return rc;
}

void vigil_suite_mc_clear(run_t *r)
{
    for (size_t c = 0; r->mc_names && c < r->mc_k; c++) free(r->mc_names[c]);
    free(r->mc_names);
    free(r->mc_label);
    free(r->mc_cand);
    free(r->mc_pred);
    vigil_multiclass_report_free(r->mrcand);
    vigil_multiclass_report_free(r->mrpred);
}

/* Candidate minus predecessor on the cases of one level (all when g < 0), seeded from the
 * suite's seed and the criterion so that each criterion resamples its own way. */
static int paired(run_t *r, const char *key, int g, int32_t level, uint64_t stream, vigil_metric_value *v,
                  double *cand, double *pred)
{
    size_t k = r->mc_k, m = 0;
    const double **pc = calloc(k, sizeof *pc), **pp = calloc(k, sizeof *pp);
    double *buf = NULL;
    int32_t *lab = NULL;
    int rc = pc && pp ? VIGIL_OK : vigil_suite_oom();
    if (!rc && g < 0) {
        for (size_t c = 0; c < k; c++) pc[c] = r->mc_cand[c], pp[c] = r->mc_pred[c];
        lab = r->mc_label, m = r->n;
    } else if (!rc) {
        for (size_t i = 0; i < r->n; i++) m += r->groups[g].codes[i] == level;
        if (!(buf = malloc(2 * k * (m ? m : 1) * sizeof *buf)) || !(lab = malloc((m ? m : 1) * sizeof *lab)))
            rc = vigil_suite_oom();
        for (size_t c = 0; !rc && c < k; c++) {
            double *a = buf + 2 * c * m, *b = a + m;
            for (size_t i = 0, j = 0; i < r->n; i++)
                if (r->groups[g].codes[i] == level) a[j] = r->mc_cand[c][i], b[j] = r->mc_pred[c][i], lab[j++] = r->mc_label[i];
            pc[c] = a, pp[c] = b;
        }
    }
    if (!rc) {
        vigil_multiclass_options o = VIGIL_MULTICLASS_OPTIONS_INIT;
        o.bootstrap = r->def.bootstrap;
        o.seed = r->def.seed ^ (stream << 32);
        o.threads = r->opt && r->opt->threads > 0 ? (unsigned)r->opt->threads : 0;
        rc = vigil_multiclass_paired(v, cand, pred, pc, pp, k, lab, m, key, &o);
    }
    if (g >= 0) free(lab);
    free(buf);
    free(pc);
    free(pp);
    return rc;
}

int vigil_suite_mc_observe(run_t *r, const vigil_criterion *c, size_t ci, vigil_observation *ob, double *lv,
                           double *llo, double *lhi, const char **lnames, size_t *nl, const char **method,
                           vigil_metric_value *why)
{
    const char *key = c->info->key;
    int ni = c->rule == VIGIL_RULE_NON_INFERIOR || c->rule == VIGIL_RULE_SUPERIOR, rc = VIGIL_OK;
    const vigil_multiclass_report *rep = r->mrcand;
    *nl = 0;
    if (c->info->scopes & VIGIL_METRIC_DISPARITY) { /* a gap the engine gives, with its interval */
        rc = vigil_multiclass_report_get(why, rep, key, c->group, NULL);
        ob->value = why->value, ob->ci_low = why->ci_low, ob->ci_high = why->ci_high;
        if (!rc && why->why[0]) ob->why = why->why;
        return rc;
    }
    if (c->group) { /* every shown level (every_level, max_gap) */
        int g = 0;
        while ((size_t)g < r->n_groups && strcmp(r->groups[g].name, c->group) != 0) g++;
        if ((size_t)g == r->n_groups) return vigil_error_set(VIGIL_EINVAL, "no group '%s'", c->group);
        const group_t *G = &r->groups[g];
        for (size_t l = 0; l <= G->n_levels; l++) {
            const char *name = l < G->n_levels ? G->levels[l] : "(missing)";
            vigil_metric_value v;
            if (vigil_multiclass_report_get(&v, rep, key, c->group, name) != 0) continue; /* no cases */
            if (v.status == VIGIL_METRIC_WITHHELD && strstr(v.why, "level is suppressed")) continue;
            if (ni) {
                double a, b;
                if (v.status == VIGIL_METRIC_WITHHELD) v.value = v.ci_low = v.ci_high = NAN;
                else if ((rc = paired(r, key, g, l < G->n_levels ? (int32_t)l : -1, ((uint64_t)ci << 16) | (*nl + 1),
                                      &v, &a, &b)) != 0)
                    return rc;
            }
            lv[*nl] = v.value, llo[*nl] = v.ci_low, lhi[*nl] = v.ci_high, lnames[*nl] = name;
            (*nl)++;
        }
        if (ni) *method = "paired bootstrap";
        return VIGIL_OK;
    }
    if (!ni) {
        rc = vigil_multiclass_report_get(why, rep, key, NULL, NULL);
        ob->value = why->value, ob->ci_low = why->ci_low, ob->ci_high = why->ci_high;
        if (!rc && why->why[0]) ob->why = why->why;
        return rc;
    }
    double a, b;
    vigil_metric_value shown;
    if ((rc = vigil_multiclass_report_get(&shown, rep, key, NULL, NULL)) != 0) return rc;
    if (shown.status == VIGIL_METRIC_WITHHELD) { /* the difference would give it back */
        *why = shown;
        ob->value = ob->ci_low = ob->ci_high = NAN;
        ob->why = why->why;
        return VIGIL_OK;
    }
    if ((rc = paired(r, key, -1, 0, ci + 1, why, &a, &b)) != 0) return rc;
    ob->value = why->value, ob->ci_low = why->ci_low, ob->ci_high = why->ci_high;
    *method = "paired bootstrap";
    /* the comparison entry shows each model's value as its report shows it (withheld stays so) */
    vigil_metric_value x;
    cJSON *cmp = cJSON_GetObjectItemCaseSensitive(r->doc, "comparison"), *e = cJSON_CreateObject();
    vigil_multiclass_report_get(&x, r->mrcand, key, NULL, NULL);
    cJSON_AddItemToObject(e, "candidate", isfinite(x.value) ? cJSON_CreateNumber(x.value) : cJSON_CreateNull());
    vigil_multiclass_report_get(&x, r->mrpred, key, NULL, NULL);
    cJSON_AddItemToObject(e, "predecessor", isfinite(x.value) ? cJSON_CreateNumber(x.value) : cJSON_CreateNull());
    cJSON_AddItemToObject(e, "difference", isfinite(ob->value) ? cJSON_CreateNumber(ob->value) : cJSON_CreateNull());
    cJSON_AddItemToObject(e, "ci_low", isfinite(ob->ci_low) ? cJSON_CreateNumber(ob->ci_low) : cJSON_CreateNull());
    cJSON_AddItemToObject(e, "ci_high", isfinite(ob->ci_high) ? cJSON_CreateNumber(ob->ci_high) : cJSON_CreateNull());
    cJSON_AddStringToObject(e, "method", *method);
    cJSON_DeleteItemFromObjectCaseSensitive(cmp, c->metric);
    cJSON_AddItemToObject(cmp, c->metric, e);
    return VIGIL_OK;
}
