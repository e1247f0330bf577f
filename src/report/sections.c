/* The report's sections, in the order the PCCP guidance gives them (see report.c). */
#include "vigil/fairness.h"
#include "report/report_ctx.h"
#include "vigil/audit.h"
#include "vigil/version.h"
#include "report/report_plots.h"
#include "report/confusion.h"
#include "report/sections_multiclass.h"
#include "vigil/catalogue.h"
#include "vigil/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int same_sha(const char *a, const char *b) { return a && b && *a && strcmp(a, b) == 0; }

/* The metrics the report tables show, in their order; label, paths and digits come from the
 * catalogue (include/vigil/catalogue.h). */
static const char *const k_report_metrics[] = {
    "auroc", "auprc", "brier", "ece", "ece_equal_mass", "mce", "calibration_slope",
    "calibration_intercept", "citl", "eavg", "e90", "emax", "spiegelhalter_p", "sensitivity",
    "specificity", "ppv", "npv", "selection_rate", "net_benefit"};
#define N_METRICS (sizeof k_report_metrics / sizeof k_report_metrics[0])

/* A multi-class run's (issue 20): its document holds the multiclass block instead. */
static const char *const k_report_multiclass[] = {"accuracy", "top_k_accuracy", "log_loss", "brier_multiclass",
                                                  "auroc_ovr_macro", "auroc_ovr_weighted", "mrr", "ece_classwise",
                                                  "ece_top_label"};

/* A survival-only run's (no 0/1 label; issue 16): its document holds the survival block alone. */
static const char *const k_report_survival[] = {"survival_auroc", "survival_brier", "c_harrell", "km_risk", "oe_ratio"};

static int survival_only(const rctx *c)
{
    return c->cand && !jp(c->cand, "discrimination") && !jp(c->cand, "multiclass") && jp(c->cand, "survival");
}

/* The metrics the tables show for this run, and how many. */
static const char *const *report_metrics(const rctx *c, size_t *n)
{
    int mc = c->cand && cJSON_GetObjectItemCaseSensitive(c->cand, "multiclass");
    if (survival_only(c)) {
        *n = sizeof k_report_survival / sizeof *k_report_survival;
        return k_report_survival;
    }
    *n = mc ? sizeof k_report_multiclass / sizeof *k_report_multiclass : N_METRICS;
    return mc ? k_report_multiclass : k_report_metrics;
}

/* A metric's value and CI in a stored metrics document, at the catalogue's paths. */
static void metric_get(const cJSON *m, const vigil_metric_def *d, double *v, double *lo, double *hi)
{
    *v = jnum(m, d->json_path);
    *lo = *hi = NAN;
    if (!d->ci_path) return;
    size_t n = strlen(d->ci_path);
    if (n && d->ci_path[n - 1] == '.') { /* an object with ci_low and ci_high */
        char a[128], b[128];
        snprintf(a, sizeof a, "%sci_low", d->ci_path);
        snprintf(b, sizeof b, "%sci_high", d->ci_path);
        *lo = jnum(m, a);
        *hi = jnum(m, b);
        return;
    }
    const cJSON *a = jp(m, d->ci_path);
    if (cJSON_GetArraySize(a) == 2) {
        const cJSON *x = cJSON_GetArrayItem(a, 0), *y = cJSON_GetArrayItem(a, 1);
        *lo = cJSON_IsNumber(x) ? x->valuedouble : NAN;
        *hi = cJSON_IsNumber(y) ? y->valuedouble : NAN;
    }
}


/* v, or 0 where it rounds to zero at `digits` decimals (never "-0.000"). */
static double no_neg_zero(double v, int digits) { return fabs(v) < 0.5 * pow(10, -digits) ? 0.0 : v; }

/* The 1-based number of reason `why` among a table's notes, added when new (the same reason
 * for both models, or for several disparities, is one note). */
static int note_ref(const char **notes, int *n, const char *why)
{
    for (int k = 0; k < *n; k++)
        if (!strcmp(notes[k], why)) return k + 1;
    if (*n == 16) return 16; /* never reached: a group has fewer disparities than that */
    notes[*n] = why;
    return ++*n;
}

/* Whether model document m withholds level lv of group g under the cell-size policy: the
 * whole level, or (at_threshold) its row at the first operating threshold. */
static int level_withheld(const cJSON *m, const char *g, const char *lv, int at_threshold)
{
    const cJSON *L = vigil_json_get_segs(m, (const char *const[]){"subgroups", g, "levels", lv, NULL});
    if (cJSON_IsTrue(cJSON_GetObjectItem(L, "suppressed"))) return 1;
    const cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItem(L, "thresholds"), 0);
    return at_threshold && cJSON_IsTrue(cJSON_GetObjectItem(t, "suppressed"));
}

/* A bootstrap interval of a run that did not store which interval it is (before issue 18). */
static const char *const k_boot_unknown = "bootstrap (BCa, or percentile where BCa is undefined: this run does not "
                                          "store which)";

static const char *k_model_label[3] = {"candidate", "predecessor (in service)", "original"};

static void sha_row(rctx *c, const char *item, const char *path, const char *sha)
{
    rcell r[3] = {vigil_cell_txt(item), vigil_cell_txt(path ? path : "(not stored)"), vigil_cell_txt(sha ? sha : "(not stored)")};
    if (sha && *sha) r[2].cls = "hash";
    vigil_doc_row(&c->d, r);
}

static void sec_summary(rctx *c)
{
    rdoc *d = &c->d;
    const cJSON *cr = jp(c->res, "criteria"), *x;
    size_t n = 0, failed = 0;
    cJSON_ArrayForEach(x, cr)
    {
        n++;
        failed += !cJSON_IsTrue(cJSON_GetObjectItem(x, "pass"));
    }
    c->sum->n_criteria = n;
    c->sum->n_failed = failed;
    c->sum->passed = n ? failed == 0 : -1;
    c->sum->implementable = n > 0 && failed == 0 && c->audit.ok;
    char buf[2048];
    if (!c->audit.ok) {
        snprintf(buf, sizeof buf,
                 "vigil audit verify found the run store altered: %s. The numbers below may not be what "
                 "was run; do not submit this report.", c->audit.message);
        vigil_doc_box(d, "fail banner", "AUDIT CHAIN BROKEN \xe2\x80\x94 STORE TAMPERED.", buf);
    }
    if (!n)
        vigil_doc_box(d, "warn", "NOT IMPLEMENTABLE under the PCCP:",
               "this run has no pre-registered acceptance criteria (a 'metrics' run reports performance only).");
    else if (failed) {
        snprintf(buf, sizeof buf, "%zu of %zu acceptance criteria FAILED; the modification may not be "
                 "implemented under this PCCP (see Impact Assessment, failed criteria first).", failed, n);
        vigil_doc_box(d, "fail", "NOT IMPLEMENTABLE.", buf);
    } else if (!c->audit.ok)
        vigil_doc_box(d, "fail", "NOT IMPLEMENTABLE.", "every criterion passed, but the audit chain is broken.");
    else {
        snprintf(buf, sizeof buf, "all %zu acceptance criteria passed and the audit chain verifies.", n);
        vigil_doc_box(d, "ok", "IMPLEMENTABLE.", buf);
    }
    cJSON *ev = d->evidence;
    cJSON_AddNumberToObject(ev, "run_id", (double)c->run.id);
    cJSON_AddStringToObject(ev, "kind", c->run.kind);
    cJSON_AddStringToObject(ev, "name", c->run.name ? c->run.name : "");
    cJSON_AddNumberToObject(ev, "criteria", (double)n);
    cJSON_AddNumberToObject(ev, "criteria_failed", (double)failed);
    cJSON_AddBoolToObject(ev, "implementable", c->sum->implementable);
    cJSON_AddStringToObject(ev, "report_tool_version", vigil_version());
}

static void sec_identification(rctx *c)
{
    rdoc *d = &c->d;
    vigil_doc_h(d, 2, "identification", "1. Device and model identification");
    static const char *const cols[] = {"item", "value", "SHA-256"};
    vigil_doc_table(d, "identification", "Models, run and tools", cols, 3);
    sha_row(c, "candidate model (modified)", js(c->res, "models.candidate.path"), js(c->res, "models.candidate.sha256"));
    sha_row(c, "predecessor model (last authorized, in service)", js(c->res, "models.predecessor.path"),
            js(c->res, "models.predecessor.sha256"));
    if (c->orig_doc) {
        char b[64];
        snprintf(b, sizeof b, "(predecessor in run %lld)", (long long)c->orig_run);
        sha_row(c, "original model", js(c->orig_doc, "models.predecessor.path") ? js(c->orig_doc, "models.predecessor.path") : b,
                js(c->orig_doc, "models.predecessor.sha256"));
    } else
        sha_row(c, "original model", "the predecessor (no earlier modification of this model line is stored)",
                js(c->res, "models.predecessor.sha256"));
    char b[256];
    snprintf(b, sizeof b, "%s %s (run %lld, %s)", c->run.kind, c->run.name ? c->run.name : "",
             (long long)c->run.id, js(c->res, "version") ? js(c->res, "version") : "no version");
    sha_row(c, "validation run (configuration hash)", b, c->run.config_sha256);
    snprintf(b, sizeof b, "started %s, finished %s", c->run.started_at ? c->run.started_at : "?",
             c->run.finished_at ? c->run.finished_at : "?");
    sha_row(c, "run time (UTC)", b, c->run.result_digest);
    snprintf(b, sizeof b, "vigil %s (the run); vigil %s (this report)", c->run.tool_version ? c->run.tool_version : "?",
             vigil_version());
    sha_row(c, "tool versions", b, "");
    if (c->run.has_seed) {
        double reps = jnum(c->res, "bootstrap");
        if (!isfinite(reps)) reps = jnum(c->res, "bootstrap.replicates");
        snprintf(b, sizeof b, "seed %llu; bootstrap %g replicates", (unsigned long long)c->run.seed, reps);
        sha_row(c, "randomness", b, "");
    }
    vigil_doc_table_end(d);
}

static void quote_pccp(rctx *c, const char *key, const char *what)
{
    char src[128];
    snprintf(src, sizeof src, "suite run %lld, pccp.%s", (long long)c->run.id, key);
    const char *t = js(jp(c->res, "pccp"), key);
    if (t) vigil_doc_quote(&c->d, src, t);
    else {
        char b[256];
        snprintf(b, sizeof b, "The stored run does not state the %s (pccp.%s is absent).", what, key);
        vigil_doc_box(&c->d, "warn", "Not stated:", b);
    }
}

/* Missing values per feature of the test set, as the run stored them (cell-size policy: a
 * count the engine withheld reads "suppressed"). */
static void missingness(rctx *c)
{
    rdoc *d = &c->d;
    const cJSON *m = jp(c->cand, "missingness"), *col;
    if (!cJSON_IsObject(cJSON_GetObjectItem(m, "columns"))) {
        vigil_doc_p(d, "The stored result holds no per-feature count of missing values in the test set (missingness).");
        return;
    }
    if (!cJSON_GetObjectItem(m, "columns")->child) {
        vigil_doc_p(d, "The test set has no feature columns beside those the run used, so no missing values are "
                    "counted per feature.");
        return;
    }
    static const char *const cols[] = {"feature", "cases missing", "% missing"};
    char cap[256];
    snprintf(cap, sizeof cap, "Missing values per feature in the test set (%s; counts 1-%d withheld)",
             js(m, "features") ? js(m, "features") : "features", c->min_cell - 1);
    vigil_doc_table(d, "missingness", cap, cols, 3);
    cJSON_ArrayForEach(col, cJSON_GetObjectItem(m, "columns"))
    {
        int sup = cJSON_IsTrue(cJSON_GetObjectItem(col, "suppressed"));
        rcell r[3] = {vigil_cell_txt(col->string), sup ? vigil_cell_sup() : vigil_cell_count(jnum(col, "missing"), c->min_cell),
                      sup ? vigil_cell_sup() : vigil_cell_num(100.0 * jnum(col, "rate"), 1)};
        vigil_doc_row(d, r);
    }
    vigil_doc_table_end(d);
}

/* The composition table as stored (data.groups), under the cell-size policy again for runs
 * stored before the suite applied all of it: each group's levels partition the run's cases
 * (data.rows, shown) and an intersection's levels each shown level of its groups, so
 * vigil_fairness_composition_withheld withholds what a total minus the shown levels would give
 * back. Out of memory: every count withheld. */
static void composition(rctx *c, const cJSON *groups, const char *id, const char *caption)
{
    rdoc *d = &c->d;
    static const char *const cols[] = {"group", "level", "cases", "share of cases"};
    vigil_doc_table(d, id, caption, cols, 4);
    const cJSON *g, *lv;
    double total = jnum(c->res, "data.rows");
    if (!isfinite(total)) total = jnum(c->cand, "n");
    size_t G = (size_t)cJSON_GetArraySize(groups), k = 0;
    double **cnt = calloc(G ? G : 1, sizeof *cnt);
    int **sup = calloc(G ? G : 1, sizeof *sup);
    const char ***names = calloc(G ? G : 1, sizeof *names), **gname = calloc(G ? G : 1, sizeof *gname);
    size_t *nl = calloc(G ? G : 1, sizeof *nl);
    int ok = cnt && sup && names && gname && nl;
    cJSON_ArrayForEach(g, groups)
    {
        size_t m = (size_t)cJSON_GetArraySize(g), l = 0;
        if (!ok) break;
        gname[k] = g->string, nl[k] = m;
        ok = (cnt[k] = malloc((m ? m : 1) * sizeof **cnt)) && (sup[k] = calloc(m ? m : 1, sizeof **sup)) &&
             (names[k] = malloc((m ? m : 1) * sizeof **names));
        cJSON_ArrayForEach(lv, g)
        {
            if (!ok) break;
            const cJSON *n = cJSON_GetObjectItem(lv, "n");
            cnt[k][l] = cJSON_IsNumber(n) ? n->valuedouble : NAN, names[k][l++] = lv->string;
        }
        k++;
    }
    ok = ok && vigil_fairness_composition_withheld(sup, (const double *const *)cnt, (const char *const *const *)names, nl,
                                                   gname, G, total, (size_t)c->min_cell) == VIGIL_OK;
    k = 0;
    cJSON_ArrayForEach(g, groups)
    {
        size_t l = 0;
        cJSON_ArrayForEach(lv, g)
        {
            double n = jnum(lv, "n");
            int w = !ok || sup[k][l++];
            rcell r[4] = {vigil_cell_txt(g->string), vigil_cell_txt(lv->string), w ? vigil_cell_sup() : vigil_cell_count(n, c->min_cell),
                          w || !isfinite(total) || total <= 0 ? vigil_cell_sup() : vigil_cell_num(100.0 * n / total, 1)};
            if (!w && !(isfinite(total) && total > 0)) r[3] = vigil_cell_num(NAN, 1);
            vigil_doc_row(d, r);
        }
        k++;
    }
    for (size_t q = 0; q < G; q++) {
        if (cnt) free(cnt[q]);
        if (sup) free(sup[q]);
        if (names) free(names[q]);
    }
    free(cnt), free(sup), free(names), free(gname), free(nl);
    vigil_doc_table_end(d);
}

/* The join's lead times (data.join.lead_time, as vigil cases join --threshold writes them): the
 * hours from each entity's first score at or over the threshold to its event, overall and per
 * level; a withheld cell says so, never a number. */
static void lead_row(rdoc *d, const char *scope, const cJSON *x)
{
    if (jp(x, "withheld")) {
        rcell r[5] = {vigil_cell_txt(scope), vigil_cell_sup(), vigil_cell_sup(), vigil_cell_sup(), vigil_cell_sup()};
        vigil_doc_row(d, r);
        return;
    }
    char q[96];
    double q1 = jnum(x, "q1"), q3 = jnum(x, "q3");
    if (isfinite(q1) && isfinite(q3)) snprintf(q, sizeof q, "%.1f to %.1f", q1, q3);
    else snprintf(q, sizeof q, "none flagged before the event");
    rcell r[5] = {vigil_cell_txt(scope), vigil_cell_num(jnum(x, "entities_with_event"), 0),
                  vigil_cell_num(jnum(x, "flagged_before_event"), 0), vigil_cell_num(jnum(x, "median"), 1),
                  vigil_cell_txt(q)};
    vigil_doc_row(d, r);
}

static void lead_times(rctx *c, const cJSON *lt)
{
    rdoc *d = &c->d;
    if (!cJSON_IsObject(lt)) return;
    char cap[200], scope[200];
    snprintf(cap, sizeof cap, "Lead time from each entity's first score >= %g to its event (%s)", jnum(lt, "threshold"),
             js(lt, "unit") ? js(lt, "unit") : "?");
    static const char *const cols[] = {"scope", "entities with an event", "flagged before it", "median", "quartiles"};
    vigil_doc_table(d, "lead-time", cap, cols, 5);
    lead_row(d, "overall", jp(lt, "overall"));
    const cJSON *g, *lv;
    cJSON_ArrayForEach(g, jp(lt, "groups")) cJSON_ArrayForEach(lv, g)
    {
        snprintf(scope, sizeof scope, "%s=%s", g->string, lv->string);
        lead_row(d, scope, lv);
    }
    vigil_doc_table_end(d);
}

static const char *phi_file(const char *role)
{
    return !role ? "?" : !strcmp(role, "data") ? "test data" : !strcmp(role, "training_data") ? "training data"
                                                         : !strcmp(role, "train_ids") ? "training ids" : role;
}

/* The kind of identifier the PHI guard found in allowed column `col`, as the run stored it
 * (result.phi_allowed): "an age over 89 (by its values, in the test and training data)", each
 * kind once with the files it was found in, several joined by "; ". */
static void phi_kind(const rctx *c, const char *col, char *out, size_t cap)
{
    const cJSON *pa = jp(c->res, "phi_allowed"), *e, *f, *g;
    if (!cJSON_IsArray(pa)) {
        snprintf(out, cap, "not stored (the run predates it)");
        return;
    }
    size_t len = 0;
    out[0] = '\0';
    cJSON_ArrayForEach(e, pa)
    {
        if (!js(e, "column") || strcmp(js(e, "column"), col) != 0) continue;
        const cJSON *found = cJSON_GetObjectItem(e, "found");
        cJSON_ArrayForEach(f, found)
        {
            const char *kind = js(f, "kind") ? js(f, "kind") : "?", *by = js(f, "by") ? js(f, "by") : "?";
            int seen = 0; /* this kind, found the same way, already written with its files */
            for (g = found->child; g != f && !seen; g = g->next)
                seen = js(g, "kind") && js(g, "by") && !strcmp(js(g, "kind"), kind) && !strcmp(js(g, "by"), by);
            if (seen) continue;
            int n = snprintf(out + len, cap - len, "%s%s (by its %s, in the %s", len ? "; " : "", kind, by, phi_file(js(f, "file")));
            for (g = f->next; g && n >= 0 && (size_t)n < cap - len; g = g->next)
                if (js(g, "kind") && js(g, "by") && !strcmp(js(g, "kind"), kind) && !strcmp(js(g, "by"), by))
                    n += snprintf(out + len + n, cap - len - n, " and the %s", phi_file(js(g, "file")));
            if (n >= 0 && (size_t)n < cap - len) n += snprintf(out + len + n, cap - len - n, ")");
            if (n < 0 || (size_t)n >= cap - len) break;
            len += (size_t)n;
        }
    }
    if (!len) snprintf(out, cap, "none found (the allowance let nothing through)");
}

/* The columns the run let through the PHI guard, each with the kind of identifier the guard
 * found there and the justification the run stored (a suite's $.data.phi_allow, a metrics
 * run's --allow-column): a privacy officer's question. */
static void phi_allowances(rctx *c)
{
    cJSON *cfg = c->run.config_json ? cJSON_Parse(c->run.config_json) : NULL;
    const cJSON *allow = jp(jp(cfg, "data"), "phi_allow");
    if (!cJSON_IsObject(allow)) allow = jp(cfg, "allow_columns");
    cJSON *ev = cJSON_AddArrayToObject(c->d.evidence, "phi_allowances");
    if (cJSON_IsObject(allow) && allow->child) {
        static const char *const cols[] = {"column", "identifier the guard found", "justification given"};
        vigil_doc_table(&c->d, "phi-allowances", "Columns let through the PHI guard: what it found in each, and the "
                        "justification the run stored", cols, 3);
        const cJSON *a;
        cJSON_ArrayForEach(a, allow)
        {
            char kind[512];
            phi_kind(c, a->string, kind, sizeof kind);
            rcell r[3] = {vigil_cell_txt(a->string), vigil_cell_txt(kind), vigil_cell_txt(cJSON_IsString(a) ? a->valuestring : "")};
            vigil_doc_row(&c->d, r);
            cJSON *one = cJSON_CreateObject();
            cJSON_AddStringToObject(one, "column", a->string);
            cJSON_AddStringToObject(one, "kind", kind);
            cJSON_AddStringToObject(one, "justification", cJSON_IsString(a) ? a->valuestring : "");
            cJSON_AddItemToArray(ev, one);
        }
        vigil_doc_table_end(&c->d);
    } else
        vigil_doc_p(&c->d, "No column was let through the PHI guard by an allowance: every column the run read passed "
                           "its name and value checks.");
    cJSON_Delete(cfg);
}

static void sec_data(rctx *c)
{
    rdoc *d = &c->d;
    vigil_doc_h(d, 3, "data-management", "3.1 Data management practices");
    vigil_doc_p(d, "Data lineage: every input file the run read, with the SHA-256 and size the store recorded when the run "
            "began, and what the run reported about its rows and time span.");
    static const char *const cols[] = {"role", "path", "SHA-256", "bytes", "rows", "date range"};
    vigil_doc_table(d, "lineage", "Input files of the run (run_files) and their content", cols, 6);
    for (size_t i = 0; i < c->n_files; i++) {
        const vigil_run_file_info *f = &c->files[i];
        const cJSON *info = NULL;
        if (strcmp(f->role, "data") == 0) info = jp(c->res, "data");
        else if (strstr(f->role, "train") || strcmp(f->role, "reference") == 0) info = jp(c->res, "training_data");
        else if (strcmp(f->role, "predictions") == 0) info = jp(c->res, "data.join.files.predictions");
        else if (strcmp(f->role, "events") == 0) info = jp(c->res, "data.join.files.events");
        /* a JSON document (the suite, a model) has no rows or dates; a case file without a
         * stored time span had no time column the run read */
        size_t pl = strlen(f->path);
        int doc = !info && pl > 5 && !strcmp(f->path + pl - 5, ".json");
        char range[64];
        snprintf(range, sizeof range, "%s", doc ? "not applicable (not a case file)" : "not recorded (no time column read)");
        const cJSON *tr = jp(info, "time_range");
        if (cJSON_GetArraySize(tr) == 2) {
            const cJSON *a = cJSON_GetArrayItem(tr, 0), *b = cJSON_GetArrayItem(tr, 1);
            if (cJSON_IsNumber(a) && cJSON_IsNumber(b)) snprintf(range, sizeof range, "%g to %g", a->valuedouble, b->valuedouble);
            else if (cJSON_IsString(a) && cJSON_IsString(b)) snprintf(range, sizeof range, "%s to %s", a->valuestring, b->valuestring);
        }
        rcell r[6] = {vigil_cell_txt(f->role), vigil_cell_txt(f->path), vigil_cell_txt(f->sha256), vigil_cell_num((double)f->bytes, 0),
                      vigil_cell_count(jnum(info, "rows"), c->min_cell), vigil_cell_txt(range)};
        if (!isfinite(jnum(info, "rows")))
            r[4] = doc ? vigil_cell_na("a JSON document") : vigil_cell_undef(1, "rows not recorded by the run");
        r[2].cls = "hash";
        vigil_doc_row(d, r);
    }
    vigil_doc_table_end(d);
    const cJSON *jn = jp(c->res, "data.join");
    if (jn) { /* cases joined from a prediction log and an event table: what was left out, and why */
        static const char *const keys[] = {"predictions", "entities", "cases", "positives", "negatives", "immature",
                                           "events.target", "events.used", "events.future",
                                           "events.unmatched_entities"};
        char n[10][48];
        for (size_t k = 0; k < 10; k++) { /* the cell-size policy on each count, as in the tables */
            double x = jnum(jn, keys[k]);
            if (!isfinite(x)) snprintf(n[k], sizeof n[k], "?");
            else if (x > 0 && !vigil_fairness_count_ok(x, c->min_cell))
                snprintf(n[k], sizeof n[k], "fewer than %d (withheld)", c->min_cell);
            else snprintf(n[k], sizeof n[k], "%.0f", x);
        }
        /* cases = positives + negatives: one of the two withheld beside the total is the total
         * minus the other, so the other is withheld too (complementary suppression) */
        double pn[2] = {jnum(jn, keys[3]), jnum(jn, keys[4])}, cases = jnum(jn, keys[2]);
        int w[2] = {strstr(n[3], "withheld") != NULL, strstr(n[4], "withheld") != NULL}, w0[2] = {w[0], w[1]};
        vigil_fairness_complement(pn, 2, 1, pn, &cases, (size_t)c->min_cell, w);
        for (int k = 0; k < 2; k++)
            if (w[k] && !w0[k]) snprintf(n[3 + k], sizeof n[3], "withheld (complementary to a small count)");
        vigil_doc_p(d, "The test cases were joined from the prediction log and the event table above (as vigil cases "
                    "join does: a target event %g to %g %s after the prediction, aggregate %s, outcomes as known at %s): "
                    "%s predictions of %s entities gave %s cases (%s positive, %s negative); %s predictions were "
                    "immature (their window still open at that time with no event yet) and were left out, never "
                    "counted as negatives. Events of the target type: %s, of which %s used and %s dated after that "
                    "time (not known yet, unused); entities with events but no prediction: %s. The joined case file "
                    "has SHA-256 %s.",
                    jnum(jn, "offset"), jnum(jn, "offset") + jnum(jn, "window"),
                    js(jn, "times") && strncmp(js(jn, "times"), "timestamps", 10) == 0 ? "hours" : "time units",
                    js(jn, "aggregate") ? js(jn, "aggregate") : "?", js(jn, "as_of") ? js(jn, "as_of") : "?", n[0],
                    n[1], n[2], n[3], n[4], n[5], n[6], n[7], n[8], n[9],
                    js(c->res, "data.sha256") ? js(c->res, "data.sha256") : "?");
        lead_times(c, jp(jn, "lead_time"));
    }
    const cJSON *groups = jp(c->res, "data.groups");
    if (cJSON_IsObject(groups) && groups->child)
        composition(c, groups, "composition", "Test-set composition by subgroup (CMS small-cell rule: counts 1-10 withheld, with secondary suppression)");
    else
        vigil_doc_p(d, "The stored result holds no subgroup composition of the test set (data.groups).");
    missingness(c);
    /* Sequestration: the test set must not be (a copy of) the training data. */
    const char *ts = js(c->res, "data.sha256"), *tr = js(c->res, "training_data.sha256");
    for (size_t i = 0; i < c->n_files; i++) {
        if (!ts && strcmp(c->files[i].role, "data") == 0) ts = c->files[i].sha256;
        if (!tr && strstr(c->files[i].role, "train")) tr = c->files[i].sha256;
    }
    const cJSON *seq = jp(c->res, "sequestration"), *distinct = jp(seq, "distinct_files");
    double overlap = jnum(seq, "overlap");
    int overlap_withheld = cJSON_IsTrue(jp(seq, "overlap_suppressed")); /* 1..min-cell-1: the engine withheld it */
    int overlaps = overlap_withheld || (isfinite(overlap) && overlap > 0);
    if (ts && tr && strcmp(ts, tr) == 0)
        vigil_doc_box(d, "fail", "Test set NOT sequestered:", "the test file has the same SHA-256 as the training data.");
    else if (ts && tr) {
        char b[512];
        snprintf(b, sizeof b, "the test file (SHA-256 %.16s...) differs from the training data (%.16s...).%s", ts, tr,
                 isfinite(overlap) || overlap_withheld ? "" : " Case-level overlap between the two files is not stored, so it is not shown here.");
        if (overlaps) vigil_doc_p(d, "Test set files: %s", b); /* distinct files, shared cases: warned below */
        else vigil_doc_box(d, "ok", "Test set sequestration:", b);
    } else
        vigil_doc_box(d, "warn", "Test set sequestration not shown:", "the run stores no training-data hash to compare with the test set.");
    /* Only what the run stored, never a missing number: the overlap count when there is one (a
     * count of 1..min_cell-1 is withheld), else whether the run found the two files distinct. */
    const char *key = js(seq, "key") ? js(seq, "key") : "id";
    if (isfinite(overlap) || overlap_withheld) { /* the stored count, machine-readable too */
        cJSON *ev = cJSON_AddObjectToObject(d->evidence, "sequestration");
        cJSON_AddStringToObject(ev, "key", key);
        if (isfinite(overlap) && vigil_fairness_count_ok(overlap, (size_t)c->min_cell)) cJSON_AddNumberToObject(ev, "overlap", overlap);
        else cJSON_AddNullToObject(ev, "overlap");
        cJSON_AddBoolToObject(ev, "overlap_withheld", !(isfinite(overlap) && vigil_fairness_count_ok(overlap, (size_t)c->min_cell)));
        cJSON_AddBoolToObject(ev, "warning", overlaps);
    }
    char b[512];
    if (overlap_withheld || (isfinite(overlap) && !vigil_fairness_count_ok(overlap, (size_t)c->min_cell))) {
        snprintf(b, sizeof b, "1 to %d cases of the test set (the count is withheld under the cell-size policy) have "
                 "an id (%s) that also occurs in the training data: their results are not evidence on unseen "
                 "patients.", c->min_cell - 1, key);
        vigil_doc_box(d, "warn", "Test set overlaps the training data:", b);
    } else if (isfinite(overlap) && overlap > 0) {
        snprintf(b, sizeof b, "%.0f cases of the test set have an id (%s) that also occurs in the training data: "
                 "their results are not evidence on unseen patients.", overlap, key);
        vigil_doc_box(d, "warn", "Test set overlaps the training data:", b);
    } else if (isfinite(overlap))
        vigil_doc_p(d, "Cases shared between test and training data (by %s): %.0f.", key, overlap);
    else if (cJSON_IsTrue(distinct) && !(ts && tr))
        vigil_doc_p(d, "The run recorded the test and training files as distinct (sequestration.distinct_files); "
                "case-level overlap is not stored, so it is not shown here.");
    else if (cJSON_IsFalse(distinct) && !(ts && tr && strcmp(ts, tr) == 0))
        vigil_doc_box(d, "warn", "Test set sequestration not confirmed:",
               "the run did not record the test and training files as distinct (sequestration.distinct_files is false).");
    phi_allowances(c);
}

static void criteria_rows(rctx *c, int failed_only, int passed_only)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, jp(c->res, "criteria"))
    {
        int pass = cJSON_IsTrue(cJSON_GetObjectItem(x, "pass"));
        if ((failed_only && pass) || (passed_only && !pass)) continue;
        const char *sc = js(x, "scope");
        /* the catalogue's label and digits where the metric is catalogued (not snake_case) */
        const vigil_metric_def *md = js(x, "metric") ? vigil_metric_find(js(x, "metric")) : NULL;
        int dg = md ? md->digits : 4;
        rcell r[9] = {vigil_cell_txt(js(x, "name")), vigil_cell_txt(md ? md->label : js(x, "metric")), vigil_cell_txt(sc ? sc : "overall"),
                      vigil_cell_txt(js(x, "threshold") ? js(x, "threshold") : js(x, "rule")), vigil_cell_num(jnum(x, "observed"), dg),
                      vigil_cell_ci_of(jnum(x, "observed"), jnum(x, "ci_low"), jnum(x, "ci_high"), dg), vigil_cell_txt(js(x, "method")), vigil_cell_pass(pass),
                      vigil_cell_txt(js(x, "detail"))};
        /* a rule whose method gives no interval (replay agreement: exact; mean |SHAP|; the drift
         * gate's tests): not applicable. A method that has one but gave none (a bootstrap of 0
         * replicates, an undefined DeLong) stays "undefined". */
        const char *mth = js(x, "method"), *how = js(x, "ci_method");
        /* which bootstrap interval it is (issue 18), where the run stored it */
        int finite_ci = isfinite(jnum(x, "ci_low")) || isfinite(jnum(x, "ci_high"));
        if (mth && finite_ci && strstr(mth, "bootstrap") && !strstr(mth, "paired")) {
            if (how && (!strcmp(how, "BCa") || !strncmp(how, "percentile", 10)))
                snprintf(r[6].text, sizeof r[6].text, "%s: %s", mth, how);
            else if (!how) snprintf(r[6].text, sizeof r[6].text, "%s", k_boot_unknown);
        }
        int no_interval = mth && (!strcmp(mth, "exact") || !strcmp(mth, "mean |SHAP|") || strstr(mth, "effect floors"));
        if (!finite_ci) {
            if (no_interval) r[5] = vigil_cell_txt("not applicable");
            else if (!mth || !*mth) { /* a metric the engine gives no interval (the O/E ratio at H) */
                r[5] = vigil_cell_na("no interval");
                r[6] = vigil_cell_txt("point estimate");
            } else r[5] = vigil_cell_undef(2, "the method gave none on these cases");
        }
        if (!isfinite(jnum(x, "observed"))) r[4] = vigil_cell_undef(1, "see detail");
        vigil_doc_row(&c->d, r);
    }
}

static const char *const k_crit_cols[] = {"criterion", "metric", "scope", "acceptance", "observed", "95% CI",
                                          "method", "result", "detail"};

static void models_of(rctx *c, const cJSON **m, const char **lab, size_t *n)
{
    *n = 0;
    m[*n] = c->cand;
    lab[(*n)++] = "candidate";
    if (c->pred) {
        m[*n] = c->pred;
        lab[(*n)++] = "predecessor";
    }
    if (c->orig && c->orig != c->pred) {
        m[*n] = c->orig;
        lab[(*n)++] = "original";
    }
}

/* Callers compute the SVG first (into a variable): the reason is set by that call. */
static void plot(rctx *c, const char *name, const char *title, char *svg, const char *why, const char *desc)
{
    if (c->o->no_plots && !svg) why = "plots were switched off (--no-plots)";
    vigil_doc_plot(&c->d, name, title, svg, why, desc);
    free(svg);
}

/* The method of metric md's interval in document m, as the run stored it beside the interval
 * (issue 18: calibration.ci_method.brier beside calibration.ci.brier, threshold.ci_method,
 * discrimination.auprc.ci_method); a run from before that: the catalogue's, saying that it
 * does not store which bootstrap interval it gave. */
static const char *metric_ci_method(const cJSON *m, const vigil_metric_def *md)
{
    if (!md->ci_path) return NULL;
    char p[192];
    size_t n = strlen(md->ci_path);
    const char *dot = strrchr(md->ci_path, '.'), *ci = strstr(md->ci_path, ".ci.");
    if (md->ci_path[n - 1] == '.') snprintf(p, sizeof p, "%sci_method", md->ci_path);
    else if (ci) snprintf(p, sizeof p, "%.*s.ci_method.%s", (int)(ci - md->ci_path), md->ci_path, ci + 4);
    else if (dot) snprintf(p, sizeof p, "%.*s.ci_method", (int)(dot - md->ci_path), md->ci_path);
    else p[0] = '\0';
    const char *st = p[0] ? js(m, p) : NULL;
    if (st) return st;
    if (!md->ci_method) return NULL;
    if (!strcmp(md->ci_method, "bootstrap")) return k_boot_unknown;
    if (!strcmp(md->ci_method, "Wilson")) return "Wilson score";
    return md->ci_method;
}

/* Why model document m gives metric md no value: the cell-size policy (its row at the
 * threshold, a withheld AUROC) as "suppressed", else the engine's reason; NULL when it is
 * withheld. */
static const char *metric_why(const cJSON *m, const vigil_metric_def *md)
{
    if (md->at_threshold && cJSON_IsTrue(jp(m, "threshold.suppressed"))) return NULL;
    const char *why = md->json_path && !strncmp(md->json_path, "discrimination.auroc.", 21) ? js(m, "discrimination.auroc.reason") : NULL;
    if (why && strstr(why, "cell-size policy")) return NULL;
    return why ? why : "not defined on these cases";
}

/* The value and interval cells of metric md in model document m: a number, or why there is
 * none (withheld, undefined and its reason); an interval, or why the method gives none. */
static void metric_cells(const cJSON *m, const vigil_metric_def *md, rcell *val, rcell *ci)
{
    double v, lo, hi;
    metric_get(m, md, &v, &lo, &hi);
    if (!isfinite(v)) {
        const char *why = metric_why(m, md);
        *val = *ci = why ? vigil_cell_undef(1, why) : vigil_cell_sup();
        if (why) *ci = vigil_cell_undef(2, "no estimate");
        return;
    }
    *val = vigil_cell_num(v, md->digits);
    if (!md->ci_path)
        *ci = vigil_cell_na(!md->ci_method ? (md->unit && !strcmp(md->unit, "p-value") ? "a test p-value" : "no interval")
                                           : "no interval is computed for it");
    else if (!isfinite(lo) && !isfinite(hi))
        *ci = vigil_cell_undef(2, !strcmp(md->ci_method, "bootstrap") && jnum(m, "bootstrap.replicates") == 0
                                      ? "no bootstrap replicates"
                                      : "the method gives none on these cases");
    else *ci = vigil_cell_method(vigil_cell_ci_of(v, lo, hi, md->digits), metric_ci_method(m, md));
}

static void perf_table(rctx *c)
{
    const cJSON *m[3];
    const char *lab[3];
    size_t nm;
    models_of(c, m, lab, &nm);
    static const char *const cols[] = {"metric", "candidate", "candidate 95% CI", "predecessor",
                                       "predecessor 95% CI", "original", "original 95% CI"};
    vigil_doc_table(&c->d, "performance", "Performance of the candidate, the last authorized (predecessor) and the original model", cols, 7);
    size_t nmet;
    const char *const *names = report_metrics(c, &nmet);
    for (size_t k = 0; k < nmet; k++) {
        const vigil_metric_def *md = vigil_metric_find(names[k]);
        rcell r[7];
        r[0] = vigil_cell_txt(md->label);
        const cJSON *mm[3] = {c->cand, c->pred, c->orig};
        for (int i = 0; i < 3; i++) {
            if (mm[i]) metric_cells(mm[i], md, &r[1 + 2 * i], &r[2 + 2 * i]);
            else r[1 + 2 * i] = r[2 + 2 * i] = vigil_cell_txt("not applicable");
        }
        vigil_doc_row(&c->d, r);
    }
    vigil_doc_table_end(&c->d);
    if (!c->orig_doc)
        vigil_doc_p(&c->d, "No earlier suite run of this model line is stored, so the predecessor is also the original "
                    "model and the original columns are empty.");
    else if (!same_sha(js(c->orig_doc, "data.sha256"), js(c->res, "data.sha256")))
        vigil_doc_p(&c->d, "The original model's numbers come from suite run %lld, evaluated on a different test file "
                    "(SHA-256 %.16s...); compare with care.", (long long)c->orig_run,
             js(c->orig_doc, "data.sha256") ? js(c->orig_doc, "data.sha256") : "?");
    (void)lab;
    (void)nm;
    (void)k_model_label;
}

static int is_demographic(const char *g)
{
    static const char *const k[] = {"sex", "gender", "age", "race", "ethnic", "ethnicity"};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (strstr(g, k[i])) return 1;
    return 0;
}

/* The report keeps at most 32 plot files (rdoc.plots); the per-group calibration figures take
 * at most this many, so that the plots after them keep theirs. */
#define LEVEL_CALIBRATION_MAX 4

/* The words for which bins the figures draw: the equal-count ones where the run stored them. */
static const char *bins_words(int quantile)
{
    return quantile ? "ten equal-count bins (each about a tenth of the cases, edges at the deciles of predicted "
                      "risk, as scikit-learn's calibration_curve(strategy = \"quantile\"): bins where the patients "
                      "are; the equal-width bins are stored too)"
                    : "ten equal-width bins (the run was stored before the equal-count bins were kept)";
}

/* Group number ng's calibration figure, from its levels' stored reliability bins. */
static void level_calibration(rctx *c, const cJSON *g, int ng)
{
    char name[32], title[320];
    snprintf(name, sizeof name, "calibration-group-%d", ng);
    snprintf(title, sizeof title, "Calibration by subgroup: %s", g->string);
    if (ng > LEVEL_CALIBRATION_MAX) {
        if (ng == LEVEL_CALIBRATION_MAX + 1)
            vigil_doc_p(&c->d, "Calibration figures are drawn for the first %d group columns only; the reliability of "
                        "the levels of the others is in their tables' ECE columns.", LEVEL_CALIBRATION_MAX);
        return;
    }
    const char *why = "plots were switched off (--no-plots)";
    size_t left = 0;
    char *svg = c->o->no_plots ? NULL : vigil_plot_calibration_levels(g, g->string, name, &left, &why);
    vigil_sbuf desc = {0};
    int curves = 0, quantile = 1; /* a run stored before the engine kept them has neither */
    const cJSON *lv;
    cJSON_ArrayForEach(lv, cJSON_GetObjectItem(g, "levels"))
    {
        const cJSON *cal = cJSON_GetObjectItem(lv, "calibration");
        curves |= cJSON_IsArray(cJSON_GetObjectItem(cal, "lowess_curve"));
        quantile &= !cal || vigil_plot_calibration_quantile(cal);
    }
    vigil_sbuf_printf(&desc, "for each level of %s, above, %sthe observed event rate against the mean predicted risk of "
                      "the candidate in the level's %s with Wilson 95%% intervals; below, the share of the level's "
                      "cases in each of ten equal-width bins; withheld levels and bins are not drawn, and %s", g->string,
                      curves ? "the level's lowess calibration curve (as rms val.prob) over " : "", bins_words(quantile),
                      curves ? "a level whose prevalence the cell-size policy withholds has no curve"
                             : "no lowess curve is stored");
    if (left) vigil_sbuf_printf(&desc, "; %zu further levels are in the table above only (seven styles)", left);
    plot(c, name, title, svg, why, desc.s ? desc.s : "");
    vigil_sbuf_free(&desc);
}

static void subgroup_tables(rctx *c)
{
    const cJSON *g, *lv;
    int any = 0, ng = 0;
    cJSON_ArrayForEach(g, jp(c->cand, "subgroups"))
    {
        any = 1;
        char id[96], cap[256];
        snprintf(id, sizeof id, "subgroup-%s", g->string);
        snprintf(cap, sizeof cap, "Subgroup results by %s%s (candidate vs predecessor)", g->string,
                 is_demographic(g->string) ? "" : " (not a demographic column)");
        static const char *const cols[] = {"level", "cases", "AUROC candidate", "95% CI", "AUROC predecessor",
                                           "95% CI", "difference", "ECE candidate", "ECE predecessor",
                                           "sensitivity candidate", "sensitivity predecessor"};
        vigil_doc_table(&c->d, id, cap, cols, 11);
        const cJSON *pg = c->pred ? vigil_json_get_segs(c->pred, (const char *const[]){"subgroups", g->string, NULL}) : NULL;
        cJSON_ArrayForEach(lv, cJSON_GetObjectItem(g, "levels"))
        {
            const cJSON *pl = pg ? vigil_json_get_segs(pg, (const char *const[]){"levels", lv->string, NULL}) : NULL;
            if (cJSON_IsTrue(cJSON_GetObjectItem(lv, "suppressed"))) {
                rcell r[11];
                r[0] = vigil_cell_txt(lv->string);
                for (int i = 1; i < 11; i++) r[i] = vigil_cell_sup();
                vigil_doc_row(&c->d, r);
                continue;
            }
            double a = jnum(lv, "auroc"), b = jnum(pl, "auroc");
            rcell r[11] = {vigil_cell_txt(lv->string), vigil_cell_count(jnum(lv, "n"), c->min_cell), vigil_cell_num(a, 3),
                           vigil_cell_ci(jnum(lv, "auroc_ci_low"), jnum(lv, "auroc_ci_high"), 3), vigil_cell_num(b, 3),
                           vigil_cell_ci(jnum(pl, "auroc_ci_low"), jnum(pl, "auroc_ci_high"), 3), vigil_cell_num(a - b, 3),
                           vigil_cell_num(jnum(lv, "ece"), 4), vigil_cell_num(jnum(pl, "ece"), 4), vigil_cell_num(jnum(lv, "tpr"), 3),
                           vigil_cell_num(jnum(pl, "tpr"), 3)};
            /* sensitivity at the threshold withheld by the cell-size policy is said to be, not
             * shown as undefined; an AUROC the engine gives none says why */
            if (level_withheld(c->cand, g->string, lv->string, 1)) r[9] = vigil_cell_sup();
            if (c->pred && level_withheld(c->pred, g->string, lv->string, 1)) r[10] = vigil_cell_sup();
            r[3] = vigil_cell_method(r[3], js(lv, "auroc_ci_method") ? js(lv, "auroc_ci_method") : "DeLong");
            r[5] = vigil_cell_method(r[5], js(pl, "auroc_ci_method") ? js(pl, "auroc_ci_method") : "DeLong");
            const cJSON *lvs[2] = {lv, pl};
            for (int i = 0; i < 2; i++) {
                const char *why = js(lvs[i], "auroc_reason");
                if (i == 1 && !c->pred) {
                    r[4] = r[5] = r[8] = r[10] = vigil_cell_na("no predecessor");
                    break;
                }
                if (isfinite(i ? b : a)) {
                    if (!isfinite(jnum(lvs[i], "auroc_ci_low")) && !isfinite(jnum(lvs[i], "auroc_ci_high")))
                        r[3 + 2 * i] = vigil_cell_undef(2, "DeLong gave none on these cases");
                    continue;
                }
                if (why && strstr(why, "cell-size policy")) r[2 + 2 * i] = r[3 + 2 * i] = vigil_cell_sup();
                else r[2 + 2 * i] = vigil_cell_undef(1, why ? why : "not defined on these cases"), r[3 + 2 * i] = vigil_cell_undef(2, "no estimate");
            }
            if (!isfinite(a - b))
                r[6] = !c->pred ? vigil_cell_na("no predecessor")
                       : !isfinite(a) && r[2].nv == -1 ? vigil_cell_sup() : !isfinite(b) && r[4].nv == -1 ? vigil_cell_sup()
                       : vigil_cell_undef(1, "an AUROC is not defined");

            vigil_doc_row(&c->d, r);
        }
        vigil_doc_table_end(&c->d);
        level_calibration(c, g, ++ng);
    }
    if (!any) vigil_doc_p(&c->d, "The run computed no subgroup results.");
    else {
        static const char *const want[] = {"sex", "age", "race"};
        for (size_t i = 0; i < 3; i++) {
            int found = 0;
            cJSON_ArrayForEach(g, jp(c->cand, "subgroups")) found |= strstr(g->string, want[i]) != NULL ||
                                                                    (i == 2 && strstr(g->string, "ethnic"));
            if (!found)
                vigil_doc_p(&c->d, "No %s subgroup column is present in this run, so no %s results are shown.",
                     i == 2 ? "race/ethnicity" : want[i], i == 2 ? "race/ethnicity" : want[i]);
        }
    }
}

/* The decision curve over the range asked for (--dca-range) or the default, the range and why
 * it was chosen stated in the figure's note. */
static void decision_plot(rctx *c, const cJSON *const *m, const char *const *lab, size_t nm)
{
    vigil_dca_range r;
    vigil_plot_decision_range(c->cand, c->o->dca_low, c->o->dca_high, &r);
    const char *why = "plots were switched off (--no-plots)";
    char *svg = c->o->no_plots ? NULL : vigil_plot_decision(m, lab, nm, &r, &why);
    char range[400];
    if (r.fallback)
        snprintf(range, sizeof range, "the range asked for (%g to %g) holds fewer than two of the stored thresholds "
                 "(%g to %g), so the stored range is drawn", c->o->dca_low, c->o->dca_high, r.first, r.last);
    else if (c->o->dca_high > 0)
        snprintf(range, sizeof range, "thresholds %g to %g, as asked for (--dca-range; stored: %g to %g)", r.low,
                 r.high, r.first, r.last);
    else if (isfinite(r.pays))
        snprintf(range, sizeof range, "thresholds %g to %g: treating everyone has a positive net benefit up to %g, "
                 "and the range runs twice as far and past each operating threshold (stored: %g to %g; "
                 "--dca-range LO:HI sets another)", r.low, r.high, r.pays, r.first, r.last);
    else
        snprintf(range, sizeof range, "thresholds %g to %g, the stored range (treating everyone's net benefit is "
                 "not stored, so no clinically relevant range can be told from it; --dca-range LO:HI sets one)",
                 r.low, r.high);
    char desc[600];
    snprintf(desc, sizeof desc, "net benefit for each model beside treating all and treating none, over %s", range);
    plot(c, "decision", "Decision curve", svg, why, desc);
    cJSON *ev = cJSON_AddObjectToObject(c->d.evidence, "decision_curve");
    cJSON_AddNumberToObject(ev, "low", r.low);
    cJSON_AddNumberToObject(ev, "high", r.high);
    cJSON_AddBoolToObject(ev, "asked", c->o->dca_high > 0 && !r.fallback);
}

/* The overall calibration figure and its note, which says what is drawn and what the run did
 * not store. */
static void calibration_note(rctx *c, char *svg, const char *why)
{
    const cJSON *cal = jp(c->cand, "calibration");
    int curve = cJSON_IsArray(cJSON_GetObjectItem(cal, "lowess_curve"));
    vigil_sbuf d = {0};
    if (curve)
        vigil_sbuf_printf(&d, "above, the smooth calibration curve of each model (lowess(p, y, iter = 0) as rms val.prob "
                          "draws it, stored at 50 predicted risks over the observed range) over ");
    else
        vigil_sbuf_printf(&d, "above, ");
    vigil_sbuf_printf(&d, "the observed event rate against the mean predicted risk in %s, with Wilson 95%% intervals, "
                      "for each model, the dotted diagonal being perfect calibration; below, the number of cases in "
                      "each of ten equal-width bins (the distribution of predicted risk); bins the cell-size policy "
                      "withholds are in neither panel", bins_words(vigil_plot_calibration_quantile(cal)));
    if (curve)
        vigil_sbuf_printf(&d, ", and a model whose prevalence it withholds has no curve");
    else
        vigil_sbuf_printf(&d, ". The stored run holds no lowess calibration curve, only its summaries (Eavg, E90, Emax "
                          "in the table above), so no curve is drawn: the bins are the calibration evidence shown");
    plot(c, "reliability", "Calibration", svg, why, d.s ? d.s : "");
    vigil_sbuf_free(&d);
}

static void sec_performance(rctx *c)
{
    rdoc *d = &c->d;
    vigil_doc_h(d, 3, "performance-evaluation", "3.3 Performance evaluation");
    if (cJSON_GetArraySize(jp(c->res, "criteria")) > 0) {
        vigil_doc_table(d, "criteria", "Acceptance criteria (pre-registered in the suite) and results", k_crit_cols, 9);
        criteria_rows(c, 0, 0);
        vigil_doc_table_end(d);
    } else
        vigil_doc_p(d, "This run has no acceptance criteria.");
    char b[64];
    double prev = jnum(c->cand, "prevalence"), ncases = jnum(c->cand, "n"), thr = jnum(c->cand, "threshold.value");
    if (isfinite(ncases) && isfinite(thr))
        vigil_doc_p(d, "Test set: %.0f cases, outcome prevalence %s. Threshold metrics use the threshold %g.", ncases,
             isfinite(prev) ? (snprintf(b, sizeof b, "%.3f", prev), b) : "withheld", thr);
    /* the numbers of that sentence, machine-readable too */
    cJSON *ts = cJSON_AddObjectToObject(d->evidence, "test_set");
    if (isfinite(ncases)) cJSON_AddNumberToObject(ts, "n", ncases);
    else cJSON_AddNullToObject(ts, "n");
    if (isfinite(prev)) cJSON_AddNumberToObject(ts, "prevalence", prev);
    else cJSON_AddNullToObject(ts, "prevalence");
    if (isfinite(thr)) cJSON_AddNumberToObject(ts, "threshold", thr);
    else cJSON_AddNullToObject(ts, "threshold");
    if (c->cand && !jp(c->cand, "discrimination") && jp(c->cand, "survival")) {
        vigil_doc_p(d, "This run validated the risk by a horizon on follow-up times (no 0/1 label was given, so that "
                    "censored subjects are not dropped or miscounted): the binary metrics and their plots are not "
                    "computed, and the time-to-event results follow.");
        vigil_report_survival(c);
        return;
    }
    perf_table(c);
    vigil_report_multiclass(c);
    const cJSON *m[3];
    const char *lab[3];
    size_t nm;
    models_of(c, m, lab, &nm);
    const char *why = "plots were switched off (--no-plots)";
    int np = c->o->no_plots;
    char *svg;
    svg = np ? NULL : vigil_plot_reliability(m, lab, nm, &why);
    if (cJSON_GetObjectItemCaseSensitive(c->cand, "multiclass"))
        plot(c, "reliability", "Top-label calibration", svg, why,
             "accuracy of the most probable class against its probability in ten equal-width bins, with Wilson 95% "
             "intervals, for each model; the dotted diagonal is perfect calibration; withheld bins are omitted");
    else
        calibration_note(c, svg, why);
    why = "plots were switched off (--no-plots)";
    svg = np ? NULL : vigil_plot_roc(m, lab, nm, &why);
    plot(c, "roc", "ROC curves", svg, why,
         cJSON_IsArray(jp(c->cand, "discrimination.roc_band"))
             ? "sensitivity against 1 - specificity for each model, its AUROC and DeLong 95% CI in the key; the "
               "shaded band is each model's pointwise 95% interval of the sensitivity at specificities 0, 0.1, ..., "
               "1 from the run's bootstrap replicates (as pROC ci.se, cases resampled without stratification), "
               "joined between those specificities; a point the cell-size policy withholds is left out, and a run "
               "without replicates has no band"
             : "sensitivity against 1 - specificity for each model, its AUROC and DeLong 95% CI in the key; the "
               "stored run holds no confidence band for the curve (only the AUROC's interval), so none is drawn");
    why = "plots were switched off (--no-plots)";
    decision_plot(c, m, lab, nm);
    if (!cJSON_GetObjectItemCaseSensitive(c->cand, "multiclass")) vigil_report_confusion(c);
    why = "plots were switched off (--no-plots)";
    svg = np ? NULL : vigil_plot_forest(m, lab, nm, &why);
    plot(c, "forest", "Subgroup forest plot", svg, why,
         "AUROC with its DeLong 95% CI for every subgroup level, candidate and predecessor");
    subgroup_tables(c);
    vigil_report_human(c);
    vigil_report_survival(c);
}

/* "<id>: <description>", unless the description already begins with the id ("M1: ..."). */
static void modification_text(char *out, size_t cap, const char *id, const char *desc)
{
    size_t n = strlen(id);
    if (!desc) desc = "";
    if (strncmp(desc, id, n) == 0 && (desc[n] == ':' || desc[n] == '.' || desc[n] == ')' || desc[n] == ' ' ||
                                      desc[n] == '\t' || desc[n] == '\0'))
        snprintf(out, cap, "%s", desc);
    else
        snprintf(out, cap, "%s: %s", id, desc);
}

static void sec_traceability(rctx *c)
{
    rdoc *d = &c->d;
    vigil_doc_h(d, 3, "traceability", "3.5 Traceability");
    vigil_doc_p(d, "Each modification, the Modification Protocol elements that cover it, and the acceptance criteria that "
            "test it.");
    static const char *const cols[] = {"modification", "protocol elements", "criteria", "result"};
    vigil_doc_table(d, "traceability", "Traceability of modifications to protocol elements and criteria", cols, 4);
    const cJSON *mods = jp(c->res, "pccp.modifications"), *mo;
    vigil_sbuf all = {0};
    const cJSON *x;
    int allpass = 1;
    cJSON_ArrayForEach(x, jp(c->res, "criteria"))
    {
        vigil_sbuf_printf(&all, "%s%s", all.len ? "; " : "", js(x, "name") ? js(x, "name") : "?");
        allpass &= cJSON_IsTrue(cJSON_GetObjectItem(x, "pass"));
    }
    const char *elements = "3.1 data management (test-set lineage and sequestration); 3.2 re-training practices; "
                           "3.3 performance evaluation; 3.4 update procedures";
    if (cJSON_IsArray(mods) && cJSON_GetArraySize(mods) > 0) {
        cJSON_ArrayForEach(mo, mods)
        {
            vigil_sbuf names = {0};
            int pass = 1, nn = 0;
            const cJSON *cn;
            cJSON_ArrayForEach(cn, cJSON_GetObjectItem(mo, "criteria"))
            {
                if (!cJSON_IsString(cn)) continue;
                vigil_sbuf_printf(&names, "%s%s", nn++ ? "; " : "", cn->valuestring);
                cJSON_ArrayForEach(x, jp(c->res, "criteria")) if (js(x, "name") && strcmp(js(x, "name"), cn->valuestring) == 0)
                    pass &= cJSON_IsTrue(cJSON_GetObjectItem(x, "pass"));
            }
            char m[512];
            modification_text(m, sizeof m, js(mo, "id") ? js(mo, "id") : "M", js(mo, "description"));
            rcell r[4] = {vigil_cell_txt(m), vigil_cell_txt(elements), vigil_cell_txt(names.s ? names.s : "(none)"),
                          nn ? vigil_cell_pass(pass) : vigil_cell_txt("untested")};
            if (nn && !pass) snprintf(r[3].text, sizeof r[3].text, "FAIL: NOT IMPLEMENTABLE");
            vigil_doc_row(d, r);
            vigil_sbuf_free(&names);
        }
    } else {
        const char *desc = js(c->res, "pccp.description_of_modifications");
        char m[512];
        modification_text(m, sizeof m, "M1", desc ? desc : "(the run states no modification)");
        rcell r[4] = {vigil_cell_txt(m), vigil_cell_txt(elements), vigil_cell_txt(all.s ? all.s : "(none)"),
                      all.s ? vigil_cell_pass(allpass) : vigil_cell_txt("untested")};
        if (all.s && !allpass) snprintf(r[3].text, sizeof r[3].text, "FAIL: NOT IMPLEMENTABLE");
        vigil_doc_row(d, r);
    }
    vigil_doc_table_end(d);
    vigil_sbuf_free(&all);
}

static void sec_impact(rctx *c)
{
    rdoc *d = &c->d;
    vigil_doc_h(d, 2, "impact-assessment", "4. Impact Assessment");
    if (c->sum->n_failed) {
        vigil_doc_table(d, "failed-criteria", "Failed acceptance criteria (listed first)", k_crit_cols, 9);
        criteria_rows(c, 1, 0);
        vigil_doc_table_end(d);
    } else if (c->sum->n_criteria)
        vigil_doc_p(d, "No acceptance criterion failed.");
    const cJSON *cmp = jp(c->res, "comparison"), *x;
    if (cJSON_IsObject(cmp) && cmp->child) {
        static const char *const cols[] = {"metric", "candidate", "predecessor", "difference", "95% CI of difference", "method"};
        vigil_doc_table(d, "comparison", "Paired comparison, candidate minus predecessor, on the same cases", cols, 6);
        cJSON_ArrayForEach(x, cmp)
        {
            const vigil_metric_def *md = vigil_metric_find(x->string);
            int dg = md ? md->digits : 4; /* one number of digits per metric: the catalogue's */
            rcell r[6] = {vigil_cell_txt(md ? md->label : x->string), vigil_cell_num(jnum(x, "candidate"), dg), vigil_cell_num(jnum(x, "predecessor"), dg),
                          vigil_cell_num(jnum(x, "difference"), dg), vigil_cell_ci(jnum(x, "ci_low"), jnum(x, "ci_high"), dg), vigil_cell_txt(js(x, "method"))};
            vigil_doc_row(d, r);
        }
        vigil_doc_table_end(d);
    }
    if (c->pred) {
        static const char *const cols[] = {"metric", "candidate", "predecessor", "difference", "95% CI of difference"};
        vigil_doc_table(d, "impact-metrics", "Every stored metric, candidate against predecessor", cols, 5);
        size_t nmet;
        const char *const *names = report_metrics(c, &nmet);
        for (size_t k = 0; k < nmet; k++) {
            const vigil_metric_def *md = vigil_metric_find(names[k]);
            double a, al, ah, b, bl, bh;
            metric_get(c->cand, md, &a, &al, &ah);
            metric_get(c->pred, md, &b, &bl, &bh);
            /* a criterion's own comparison first (its method: DeLong, paired bootstrap), else
             * the run's paired bootstrap of every metric (vigil_metrics_paired_json names a
             * statistic by its catalogue key; a metric it does not pair is absent there) */
            const cJSON *cm = jp(cmp, md->name);
            if (!cm) cm = jp(jp(jp(c->res, "impact"), "overall"), md->key);
            rcell r[5] = {vigil_cell_txt(md->label), vigil_cell_num(a, md->digits), vigil_cell_num(b, md->digits),
                          vigil_cell_num(a - b, md->digits),
                          cm ? vigil_cell_ci(jnum(cm, "ci_low"), jnum(cm, "ci_high"), md->digits) : vigil_cell_txt("no paired interval for this metric")};
            if (cm) r[4] = vigil_cell_method(r[4], js(cm, "method") ? js(cm, "method") : js(c->res, "impact.method"));
            rcell unused;
            if (!isfinite(a)) metric_cells(c->cand, md, &r[1], &unused);
            if (!isfinite(b)) metric_cells(c->pred, md, &r[2], &unused);
            if (!isfinite(a - b)) r[3] = r[4] = !isfinite(a) ? r[1] : r[2], r[4].nv = 2;
            else if (cm && !isfinite(jnum(cm, "ci_low")) && !isfinite(jnum(cm, "ci_high")))
                r[4] = vigil_cell_undef(2, "the paired method gave none on these cases");
            /* two p-values are each a test's evidence; their difference measures nothing */
            if (md->unit && strcmp(md->unit, "p-value") == 0)
                r[3] = vigil_cell_txt("not a quantity (p-values)"), r[4] = vigil_cell_txt("");
            vigil_doc_row(d, r);
        }
        vigil_doc_table_end(d);
        /* Disparities by group (a survival-only run has none: its levels are in the
         * time-to-event section). */
        const cJSON *g, *groups = survival_only(c) ? NULL : jp(c->cand, "subgroups");
        cJSON_ArrayForEach(g, groups)
        {
            char id[96], cap[160];
            snprintf(id, sizeof id, "disparities-%s", g->string);
            snprintf(cap, sizeof cap, "Disparities across %s levels (bootstrap 95%% CI)", g->string);
            static const char *const cols2[] = {"disparity", "candidate", "95% CI", "predecessor", "95% CI", "difference", "95% CI of difference"};
            vigil_doc_table(d, id, cap, cols2, 7);
            const char *notes[16];
            int nnotes = 0;
            const cJSON *idp = vigil_json_get_segs(c->res, (const char *const[]){"impact", "subgroups", g->string, "disparities", NULL});
            const cJSON *dp = jp(g, "disparities"), *pd = vigil_json_get_segs(c->pred, (const char *const[]){"subgroups", g->string, "disparities", NULL}), *v;
            cJSON_ArrayForEach(v, dp)
            {
                if (!cJSON_IsNumber(v) && !cJSON_IsNull(v)) continue;
                /* calibration_gap is calibration_gap_citl under its older name: one row */
                if (!strcmp(v->string, "calibration_gap") && cJSON_GetObjectItem(dp, "calibration_gap_citl")) continue;
                const cJSON *ci = vigil_json_get_segs(dp, (const char *const[]){"ci", v->string, NULL}), *pci = vigil_json_get_segs(pd, (const char *const[]){"ci", v->string, NULL});
                double a = jnum(vigil_json_get_segs(dp, (const char *const[]){v->string, NULL}), ""), b = jnum(vigil_json_get_segs(pd, (const char *const[]){v->string, NULL}), "");
                const cJSON *di = vigil_json_get_segs(idp, (const char *const[]){v->string, NULL});
                /* a readable name, and why a value is not given (the engine says: a withheld
                 * or undefined level), never a bare "undefined" */
                const vigil_metric_def *md = vigil_metric_find(v->string);
                const char *why_a = cJSON_GetStringValue(vigil_json_get_segs(dp, (const char *const[]){"not_given", v->string, NULL}));
                const char *why_b = cJSON_GetStringValue(vigil_json_get_segs(pd, (const char *const[]){"not_given", v->string, NULL}));
                int dg = md ? md->digits : 4;
                double al = jnum(cJSON_GetArrayItem(ci, 0), ""), ah = jnum(cJSON_GetArrayItem(ci, 1), ""),
                       bl = jnum(cJSON_GetArrayItem(pci, 0), ""), bh = jnum(cJSON_GetArrayItem(pci, 1), "");
                rcell r[7] = {vigil_cell_txt(md ? md->label : v->string), vigil_cell_num(a, dg),
                              vigil_cell_ci_of(a, al, ah, dg),
                              vigil_cell_num(b, dg), vigil_cell_ci_of(b, bl, bh, dg),
                              vigil_cell_num(a - b, dg), vigil_cell_ci(jnum(di, "ci_low"), jnum(di, "ci_high"), dg)};
                /* the reason goes under the table, once: in the cell it made the table wider
                 * than the page, clipping the other columns in print */
                const char *ha = cJSON_GetStringValue(vigil_json_get_segs(dp, (const char *const[]){"ci_method", v->string, NULL}));
                const char *hb = cJSON_GetStringValue(vigil_json_get_segs(pd, (const char *const[]){"ci_method", v->string, NULL}));
                r[2] = vigil_cell_method(r[2], ha ? ha : cJSON_GetObjectItem(dp, "ci_method") ? NULL : k_boot_unknown);
                r[4] = vigil_cell_method(r[4], hb ? hb : cJSON_GetObjectItem(pd, "ci_method") ? NULL : k_boot_unknown);
                r[6] = vigil_cell_method(r[6], js(c->res, "impact.method"));
                if (!isfinite(a) && !why_a) r[1] = vigil_cell_undef(1, "not defined on these cases");
                if (!isfinite(b) && !why_b) r[3] = vigil_cell_undef(1, pd ? "not defined on these cases" : "no predecessor");
                int na = !isfinite(a) && why_a ? note_ref(notes, &nnotes, why_a) : 0;
                int nb = !isfinite(b) && why_b ? note_ref(notes, &nnotes, why_b) : 0;
                char nt[32];
                if (na) {
                    snprintf(nt, sizeof nt, "note %d", na);
                    r[1] = vigil_cell_undef(1, nt), r[2] = vigil_cell_undef(2, nt);
                }
                if (nb) {
                    snprintf(nt, sizeof nt, "note %d", nb);
                    r[3] = vigil_cell_undef(1, nt), r[4] = vigil_cell_undef(2, nt);
                }
                if (!isfinite(a - b)) { /* the difference of two values, one of them not given */
                    snprintf(nt, sizeof nt, "note %d", na ? na : nb);
                    r[5] = vigil_cell_undef(1, na || nb ? nt : "a model gives no value");
                    r[6] = vigil_cell_undef(2, na || nb ? nt : "a model gives no value");
                } else if (!isfinite(jnum(di, "ci_low")) && !isfinite(jnum(di, "ci_high")))
                    r[6] = vigil_cell_undef(2, di ? "the paired bootstrap gave none" : "no paired bootstrap stored");
                if (isfinite(a) && !isfinite(al) && !isfinite(ah))
                    r[2] = vigil_cell_undef(2, "the bootstrap gave none");
                if (isfinite(b) && !isfinite(bl) && !isfinite(bh))
                    r[4] = vigil_cell_undef(2, "the bootstrap gave none");
                vigil_doc_row(d, r);
            }
            vigil_doc_table_end(d);
            for (int k = 0; k < nnotes; k++) vigil_doc_p(d, "Note %d: %s.", k + 1, notes[k]);
            if (cJSON_GetObjectItem(dp, "calibration_gap") && cJSON_GetObjectItem(dp, "calibration_gap_citl"))
                vigil_doc_p(d, "The criterion calibration_gap is the CITL gap (log-odds), shown once as such.");
            /* every shown level, candidate minus predecessor, paired bootstrap */
            const cJSON *il = vigil_json_get_segs(c->res, (const char *const[]){"impact", "subgroups", g->string, "levels", NULL}), *lv;
            if (cJSON_IsObject(il) && il->child) {
                snprintf(id, sizeof id, "impact-levels-%s", g->string);
                snprintf(cap, sizeof cap, "Candidate minus predecessor within each %s level (paired bootstrap 95%% CI)", g->string);
                static const char *const st[] = {"auroc", "brier", "citl", "tpr"};
                static const char *const cat[] = {"auroc", "brier", "citl", "sensitivity"};
                int dq[4]; /* the catalogue's digits of each metric */
                for (int q = 0; q < 4; q++) {
                    const vigil_metric_def *mq = vigil_metric_find(cat[q]);
                    dq[q] = mq ? mq->digits : 4;
                }
                static const char *const cols3[] = {"level", "AUROC difference", "Brier difference", "CITL difference", "sensitivity difference"};
                vigil_doc_table(d, id, cap, cols3, 5);
                cJSON_ArrayForEach(lv, il)
                {
                    char cell[4][96];
                    for (int q = 0; q < 4; q++) {
                        const cJSON *e = jp(lv, st[q]);
                        double df = jnum(e, "difference"), lo = jnum(e, "ci_low"), hi = jnum(e, "ci_high");
                        /* absent: withheld when either model's level (or, for sensitivity, its
                         * row at the threshold) is under the cell-size policy, else undefined */
                        if (!e || !isfinite(df))
                            snprintf(cell[q], sizeof cell[q], "%s",
                                     level_withheld(c->cand, g->string, lv->string, q == 3) || level_withheld(c->pred, g->string, lv->string, q == 3)
                                         ? "suppressed (cell-size policy)" : "undefined (not defined on these cases)");
                        else if (isfinite(lo) && isfinite(hi))
                            snprintf(cell[q], sizeof cell[q], "%.*f [%.*f, %.*f]", dq[q], no_neg_zero(df, dq[q]), dq[q],
                                     no_neg_zero(lo, dq[q]), dq[q], no_neg_zero(hi, dq[q]));
                        else snprintf(cell[q], sizeof cell[q], "%.*f (no interval)", dq[q], no_neg_zero(df, dq[q]));
                    }
                    rcell r[5] = {vigil_cell_txt(lv->string), vigil_cell_txt(cell[0]), vigil_cell_txt(cell[1]), vigil_cell_txt(cell[2]), vigil_cell_txt(cell[3])};
                    vigil_doc_row(d, r);
                }
                vigil_doc_table_end(d);
            }
        }
        if (survival_only(c))
            vigil_doc_p(d, "The time-to-event block has no bootstrap, so these differences are of the two point "
                        "estimates, without an interval; each model's own interval is in the time-to-event section.");
        else vigil_doc_p(d, cJSON_IsObject(jp(c->res, "impact"))
                    ? "Intervals of differences are paired: a criterion's own method where it has one (DeLong for AUROC), "
                      "else the run's paired percentile bootstrap, in which both models are scored on the same resampled cases."
                    : "This run stores no paired bootstrap of every metric (it predates it): differences without a "
                      "criterion's comparison are differences of the two point estimates, without an interval.");
        if (jp(cmp, "survival_auroc") || jp(cmp, "survival_brier"))
            vigil_doc_p(d, "The time-dependent AUROC and Brier score at the horizon are compared by the difference of the "
                           "two models' influence functions on the same subjects, as riskRegression::Score(contrasts = "
                           "TRUE) computes it: no bootstrap; the interval is the difference -/+ 1.96 se.");
        if (jp(cmp, "c_harrell"))
            vigil_doc_p(d, "Harrell's C is compared by the infinitesimal jackknife, as survival::concordance gives the two "
                           "models' variance matrix: se = sqrt(v11 + v22 - 2 v12), the interval the difference -/+ 1.96 "
                           "se; no bootstrap.");
    }
    const cJSON *ex = jp(c->res, "explanations");
    const char *why = "plots were switched off (--no-plots)";
    char *svg = c->o->no_plots ? NULL : vigil_plot_shap(ex, &why);
    plot(c, "shap", "Global SHAP importance", svg, why,
         "mean absolute SHAP value of each feature for the candidate, overall and within each subgroup level");
    if (cJSON_IsObject(jp(ex, "global_importance"))) {
        static const char *const cols[] = {"feature", "scope", "mean |SHAP|"};
        vigil_doc_table(d, "shap", "Global SHAP importance (candidate)", cols, 3);
        cJSON_ArrayForEach(x, jp(ex, "global_importance"))
        {
            rcell r[3] = {vigil_cell_txt(x->string), vigil_cell_txt("overall"), vigil_cell_num(jnum(x, ""), 4)};
            vigil_doc_row(d, r);
        }
        const cJSON *g, *lv;
        cJSON_ArrayForEach(g, jp(ex, "by_group")) cJSON_ArrayForEach(lv, g) cJSON_ArrayForEach(x, lv)
        {
            char sc[128];
            snprintf(sc, sizeof sc, "%s=%s", g->string, lv->string);
            rcell r[3] = {vigil_cell_txt(x->string), vigil_cell_txt(sc), vigil_cell_num(jnum(x, ""), 4)};
            vigil_doc_row(d, r);
        }
        vigil_doc_table_end(d);
    }
    const cJSON *dr = jp(c->res, "drift.features");
    if (cJSON_IsObject(dr) && dr->child) {
        static const char *const cols[] = {"feature", "training n", "test n", "Holm-adjusted p", "drift"};
        vigil_doc_table(d, "drift-gate", "Drift between training and test data (drift gate)", cols, 5);
        cJSON_ArrayForEach(x, dr)
        {
            rcell r[5] = {vigil_cell_txt(x->string), vigil_cell_count(jnum(x, "n_ref"), c->min_cell), vigil_cell_count(jnum(x, "n_cur"), c->min_cell),
                          vigil_cell_p(jnum(x, "p_adjusted")), vigil_cell_txt(cJSON_IsTrue(cJSON_GetObjectItem(x, "drift")) ? "yes" : "no")};
            vigil_doc_row(d, r);
        }
        vigil_doc_table_end(d);
    }
    const cJSON *rp = jp(c->res, "replay");
    if (cJSON_IsObject(rp)) {
        double dis = (double)cJSON_GetArraySize(jp(rp, "disagreeing_ids"));
        static const char *const cols[] = {"cases replayed", "agreement", "max |difference|", "tolerance", "disagreeing cases"};
        vigil_doc_table(d, "replay", "Shadow-mode replay of the predecessor", cols, 5);
        rcell r[5] = {vigil_cell_count(jnum(rp, "n"), c->min_cell), vigil_cell_num(jnum(rp, "agreement"), 6), vigil_cell_p(jnum(rp, "max_abs_diff")),
                      vigil_cell_p(jnum(rp, "tolerance")), vigil_cell_count(dis, c->min_cell)};
        vigil_doc_row(d, r);
        vigil_doc_table_end(d);
    }
    if (jp(c->res, "pccp.impact_notes")) quote_pccp(c, "impact_notes", "impact notes");
}

static double mon_effect(const cJSON *doc, double *pred)
{
    double best = NAN;
    const cJSON *f;
    cJSON_ArrayForEach(f, jp(doc, "features"))
    {
        double e = fabs(jnum(f, "effect"));
        if (isfinite(e) && !(e <= best)) best = e;
    }
    *pred = fabs(jnum(doc, "prediction.effect"));
    return best;
}

static void sec_monitoring(rctx *c)
{
    rdoc *d = &c->d;
    vigil_doc_h(d, 2, "monitoring", "5. Real-world performance monitoring");
    if (!c->n_mons) {
        vigil_doc_p(d, "No drift monitor run is stored in this store.");
    } else if (!c->mons_linked)
        vigil_doc_box(d, "warn", "Monitor runs not linked by model hash:",
               "no stored monitor run lists this model's file among its inputs, so every monitor run in this store is "
               "shown; confirm that they watch this device.");
    drift_point *pts = calloc(c->n_mons ? c->n_mons : 1, sizeof *pts);
    size_t np = 0;
    static const char *const cols[] = {"run", "date (UTC)", "monitor", "status", "reference window", "current window",
                                       "current n", "largest effect", "alarm", "alarms"};
    if (c->n_mons) vigil_doc_table(d, "monitoring", "Drift monitor runs, oldest first", cols, 10);
    double floor = NAN;
    for (size_t i = 0; i < c->n_mons; i++) {
        const mon_run *m = &c->mons[i];
        char id[32], date[16];
        snprintf(id, sizeof id, "%lld", (long long)m->info.id);
        snprintf(date, sizeof date, "%.10s", m->info.started_at ? m->info.started_at : "");
        double pe = NAN, e = m->doc ? mon_effect(m->doc, &pe) : NAN;
        int alarm = m->doc && cJSON_IsTrue(jp(m->doc, "alarm"));
        vigil_sbuf al = {0};
        const cJSON *a;
        cJSON_ArrayForEach(a, jp(m->doc, "alarms")) if (cJSON_IsString(a))
            vigil_sbuf_printf(&al, "%s%s", al.len ? ", " : "", a->valuestring);
        if (!isfinite(floor)) floor = jnum(m->doc, "effect_floors.numeric");
        rcell r[10] = {vigil_cell_txt(id), vigil_cell_txt(date), vigil_cell_txt(m->info.name), vigil_cell_txt(m->info.status),
                       vigil_cell_txt(js(m->doc, "windows.reference.label")), vigil_cell_txt(js(m->doc, "windows.current.label")),
                       vigil_cell_count(jnum(m->doc, "windows.current.n"), c->min_cell), vigil_cell_num(e, 3),
                       m->doc ? vigil_cell_txt(alarm ? "ALARM" : "no") : vigil_cell_txt("\xe2\x80\x94"), vigil_cell_txt(al.s ? al.s : "")};
        if (alarm) r[8].cls = "fail";
        vigil_doc_row(d, r);
        vigil_sbuf_free(&al);
        if (m->doc && pts) {
            drift_point *p = &pts[np++];
            p->effect = e;
            p->pred_effect = pe;
            p->alarm = alarm;
            snprintf(p->monitor, sizeof p->monitor, "%s", m->info.name ? m->info.name : "");
            snprintf(p->label, sizeof p->label, "%lld %.5s", (long long)m->info.id,
                     m->info.started_at && strlen(m->info.started_at) >= 10 ? m->info.started_at + 5 : "");
        }
    }
    if (c->n_mons) vigil_doc_table_end(d);
    const char *why = "plots were switched off (--no-plots)";
    char *svg = c->o->no_plots || !pts ? NULL : vigil_plot_drift(pts, np, isfinite(floor) ? floor : 0.1, &why);
    plot(c, "drift", "Drift timeline", svg, why, "the largest per-feature effect size and the prediction-drift effect of each monitor run, in store order, "
              "one line per monitor, with alarms marked and the effect floor dotted");
    free(pts);
}

static void sec_audit(rctx *c)
{
    rdoc *d = &c->d;
    vigil_doc_h(d, 2, "audit", "6. Audit");
    char b[2400];
    const vigil_checkpoint_result *last = c->n_ckpt ? &c->ckpt[c->n_ckpt - 1] : NULL;
    if (c->audit.ok && last)
        snprintf(b, sizeof b, "%lld audit entries over %lld runs verify, and the store still extends each of the %zu "
                 "signed checkpoint(s) given (the last: tree size %lld of %lld now, signed %s by %s, key %s). Chain "
                 "head: %s.", (long long)c->audit.n_entries, (long long)c->audit.n_runs, c->n_ckpt,
                 (long long)last->size, (long long)last->current, last->time, last->signer, last->key_id, c->audit.head);
    else if (c->audit.ok)
        snprintf(b, sizeof b, "%lld audit entries over %lld runs verify. Chain head: %s. The chain alone cannot show "
                 "that whoever can write the store did not re-seal it: keep a signed checkpoint outside the store "
                 "(vigil audit checkpoint --key KEY.pem) and give it to vigil report --checkpoint C.json --pubkey "
                 "P.pem (or vigil audit verify), which then proves that this store still extends it.",
                 (long long)c->audit.n_entries, (long long)c->audit.n_runs, c->audit.head);
    else if (c->audit.first_bad)
        snprintf(b, sizeof b, "%s (first bad entry %lld; %lld entries read). Chain head: %s.", c->audit.message,
                 (long long)c->audit.first_bad, (long long)c->audit.n_entries, c->audit.head);
    else
        snprintf(b, sizeof b, "%s (%lld entries read). Chain head: %s.", c->audit.message, (long long)c->audit.n_entries,
                 c->audit.head);
    vigil_doc_box(d, c->audit.ok ? "ok" : "fail", c->audit.ok ? "Audit chain verified." : "AUDIT CHAIN BROKEN.", b);
    cJSON *au = cJSON_AddObjectToObject(d->evidence, "audit");
    cJSON_AddBoolToObject(au, "ok", c->audit.ok);
    cJSON_AddNumberToObject(au, "entries", (double)c->audit.n_entries);
    cJSON_AddNumberToObject(au, "runs", (double)c->audit.n_runs);
    cJSON_AddNumberToObject(au, "first_bad", (double)c->audit.first_bad);
    cJSON_AddStringToObject(au, "head", c->audit.head);
    cJSON_AddStringToObject(au, "message", c->audit.message);
    cJSON *cks = cJSON_AddArrayToObject(au, "checkpoints");
    for (size_t i = 0; i < c->n_ckpt; i++) {
        cJSON *k = cJSON_CreateObject();
        cJSON_AddBoolToObject(k, "ok", c->ckpt[i].ok);
        cJSON_AddNumberToObject(k, "tree_size", (double)c->ckpt[i].size);
        cJSON_AddStringToObject(k, "root", c->ckpt[i].root);
        cJSON_AddStringToObject(k, "time", c->ckpt[i].time);
        cJSON_AddStringToObject(k, "signer", c->ckpt[i].signer);
        cJSON_AddStringToObject(k, "key_id", c->ckpt[i].key_id);
        if (!c->ckpt[i].ok) cJSON_AddStringToObject(k, "message", c->ckpt[i].message);
        cJSON_AddItemToArray(cks, k);
    }
    /* who ran the run and who signed it (21 CFR Part 11 §11.50), as the audit tree records them */
    vigil_run_who who = {0};
    if (vigil_store_run_who(c->s, c->run.id, &who) == 0) {
        cJSON *wj = cJSON_AddObjectToObject(au, "run_by");
        if (who.user) {
            vigil_doc_p(d, "Run %lld was run by %s (uid %lld) on %s.", (long long)c->run.id, who.user, (long long)who.uid,
                        who.host ? who.host : "an unrecorded host");
            cJSON_AddStringToObject(wj, "user", who.user);
            if (who.host) cJSON_AddStringToObject(wj, "host", who.host);
        } else
            vigil_doc_p(d, "Run %lld predates the store's operator record (schema 2): who ran it is not recorded.",
                        (long long)c->run.id);
        cJSON *sj = cJSON_AddArrayToObject(au, "signatures");
        if (who.n_signatures) {
            static const char *const cols[] = {"signer", "meaning", "signed at (UTC)", "key"};
            vigil_doc_table(d, "signatures", "Electronic signatures of the run (Ed25519, covered by the audit tree)", cols, 4);
            for (size_t i = 0; i < who.n_signatures; i++) {
                const vigil_run_signature *g = &who.signatures[i];
                rcell r[4] = {vigil_cell_txt(g->signer), vigil_cell_txt(g->meaning), vigil_cell_txt(g->signed_at),
                              vigil_cell_txt(g->key_id)};
                vigil_doc_row(d, r);
                cJSON *one = cJSON_CreateObject();
                cJSON_AddStringToObject(one, "signer", g->signer);
                cJSON_AddStringToObject(one, "meaning", g->meaning);
                cJSON_AddStringToObject(one, "signed_at", g->signed_at);
                cJSON_AddStringToObject(one, "key", g->key_id);
                cJSON_AddItemToArray(sj, one);
            }
            vigil_doc_table_end(d);
        } else
            vigil_doc_p(d, "No electronic signature of run %lld is recorded (vigil audit sign --run %lld --meaning approved "
                        "--key KEY.pem records one).", (long long)c->run.id, (long long)c->run.id);
        vigil_run_who_clear(&who);
    }
    vigil_doc_p(d, "Commands that reproduce the runs this report cites (run them from the directory the run was started in; "
            "the files must still have the SHA-256 listed in section 3.1):");
    const char *db = c->o->db_label ? c->o->db_label : "vigil.db";
    const char *cfg = NULL;
    for (size_t i = 0; i < c->n_files; i++)
        if (strcmp(c->files[i].role, "config") == 0 || strcmp(c->files[i].role, "suite") == 0) cfg = c->files[i].path;
    vigil_sbuf cmd = {0};
    if (strcmp(c->run.kind, "suite") == 0)
        vigil_sbuf_printf(&cmd, "# run %lld: suite '%s', configuration SHA-256 %s\nvigil suite run %s --db %s\n",
                          (long long)c->run.id, c->run.name, c->run.config_sha256 ? c->run.config_sha256 : "?",
                          cfg ? cfg : "<the suite file with that SHA-256>", db);
    else
        vigil_sbuf_printf(&cmd, "# run %lld: metrics, arguments (configuration SHA-256 %s):\n# %s\n",
                          (long long)c->run.id, c->run.config_sha256 ? c->run.config_sha256 : "?",
                          c->run.config_json ? c->run.config_json : "");
    for (size_t i = 0; i < c->n_files; i++)
        vigil_sbuf_printf(&cmd, "#   %s %s  sha256 %s\n", c->files[i].role, c->files[i].path, c->files[i].sha256);
    if (c->orig_doc) vigil_sbuf_printf(&cmd, "# the original model's numbers: stored suite run %lld\n", (long long)c->orig_run);
    for (size_t i = 0; i < c->n_mons; i++) {
        const char *mf = NULL;
        vigil_run_file_info *f = NULL;
        size_t nf = 0;
        if (vigil_store_get_files(c->s, c->mons[i].info.id, &f, &nf) == 0)
            for (size_t k = 0; k < nf; k++)
                if (strcmp(f[k].role, "monitor") == 0 || strcmp(f[k].role, "config") == 0) mf = f[k].path;
        vigil_sbuf_printf(&cmd, "# run %lld: monitor '%s' (configuration SHA-256 %s)\nvigil monitor run %s --db %s\n",
                          (long long)c->mons[i].info.id, c->mons[i].info.name,
                          c->mons[i].info.config_sha256 ? c->mons[i].info.config_sha256 : "?",
                          mf ? mf : "<the monitor file with that SHA-256>", db);
        vigil_run_file_info_free(f, nf);
    }
    vigil_doc_code(d, cmd.s ? cmd.s : "");
    vigil_sbuf_free(&cmd);
    vigil_doc_code(d, "vigil audit verify --db STORE   # must print the chain head above");
}

static void sec_methods(rctx *c)
{
    rdoc *d = &c->d;
    vigil_doc_h(d, 2, "methods", "Appendix A. Methods");
    static const char *const cols[] = {"statistic", "how vigil computes it", "checked against"};
    static const char *const rows[][3] = {
        {"AUROC and CI", "Mann-Whitney AUC; DeLong variance, 95% CI on the AUC scale", "R pROC 1.18.0 auc/ci.auc(method = \"delong\")"},
        {"paired AUROC difference", "paired DeLong test on the same cases", "R pROC 1.18.0 roc.test(paired = TRUE)"},
        {"AUPRC", "average precision (step-wise, no interpolation)", "scikit-learn 1.2.1 average_precision_score"},
        {"calibration slope, intercept, CITL, Eavg/E50/E90/Emax, Spiegelhalter z, D/U/Q", "joint logistic recalibration fit; offset fit; lowess(p, y, iter = 0)", "R rms 6.5.0 val.prob"},
        {"Brier, ECE, MCE, reliability bins", "mean squared error; 10 equal-width / equal-mass bins; Wilson intervals per bin", "scikit-learn 1.2.1 brier_score_loss, calibration_curve; statsmodels proportion_confint(method = \"wilson\")"},
        {"Hosmer-Lemeshow", "deciles of risk, g - 2 degrees of freedom", "scipy 1.10.1 chi2"},
        {"sensitivity, specificity, PPV, NPV", "confusion counts at score >= threshold; Wilson 95% CIs", "scikit-learn 1.2.1 confusion_matrix; statsmodels proportion_confint"},
        {"net benefit", "TP/n - FP/n x t/(1 - t)", "decision-curve definition (Vickers and Elkin 2006), cross-checked in Python"},
        {"subgroup disparities", "demographic parity, equalized odds, equal opportunity differences; AUROC and calibration gaps", "fairlearn MetricFrame / demographic_parity_difference / equalized_odds_difference"},
        {"bootstrap CIs", "BCa bootstrap over cases (acceleration from a 50-group jackknife; the percentile interval where BCa is undefined), seeded (seed stored with the run); model differences: paired percentile bootstrap", "scipy 1.10.1 bootstrap(method = \"BCa\") on the same replicates and jackknife"},
        {"drift tests", "KS, Wasserstein / reference SD, PSI, Jensen-Shannon, chi-square; Holm or Benjamini-Hochberg", "scipy 1.10.1 ks_2samp, wasserstein_distance, chi2_contingency; statsmodels multipletests"},
        {"model scores", "XGBoost JSON trees, linear and MLP models re-scored", "xgboost 1.7.4 Booster.predict"},
        {"SHAP importance", "exact TreeSHAP / linear SHAP; mean |SHAP| per feature", "shap TreeExplainer, xgboost pred_contribs"},
        {"small cells", "CMS rule: counts 1-10 withheld with secondary suppression", "this report (no number that reveals such a count is printed)"}};
    vigil_doc_table(d, "methods", "How each statistic is computed and the reference it is checked against", cols, 3);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        rcell r[3] = {vigil_cell_txt(rows[i][0]), vigil_cell_txt(rows[i][1]), vigil_cell_txt(rows[i][2])};
        vigil_doc_row(d, r);
    }
    vigil_doc_table_end(d);
    vigil_doc_p(d, "Judge calibration by the reliability diagram and the slope and intercept (Van Calster et al. 2019); "
            "Hosmer-Lemeshow depends on the grouping and on the sample size.");
}

static void sec_tripod(rctx *c)
{
    rdoc *d = &c->d;
    vigil_doc_h(d, 2, "tripod", "Appendix B. TRIPOD+AI checklist items this report answers");
    static const char *const cols[] = {"item", "topic", "where in this report"};
    static const char *const rows[][3] = {
        {"5a", "data sources", "3.1 lineage table"},
        {"5b", "data dates", "3.1 lineage table (date range)"},
        {"12e", "performance measures and plots, comparison of models", "3.3, Appendix A"},
        {"12f", "model updating", "2, 3.2, 4 (candidate against predecessor and original)"},
        {"14", "fairness approach", "3.3 subgroup tables, 4 disparities"},
        {"16", "differences between development and evaluation data", "4 drift gate, 3.1 sequestration"},
        {"18e", "code and tool availability", "1 tool versions, 6 reproduce commands"},
        {"20b", "characteristics of the evaluation data", "3.1 composition (small cells suppressed)"},
        {"20c", "comparison with the development data", "4 drift gate"},
        {"23a", "performance with CIs, including key subgroups", "3.3 criteria, performance and subgroup tables"},
        {"24", "model updating results", "4 Impact Assessment"}};
    vigil_doc_table(d, "tripod", "TRIPOD+AI (Collins et al., BMJ 2024) items answered", cols, 3);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        rcell r[3] = {vigil_cell_txt(rows[i][0]), vigil_cell_txt(rows[i][1]), vigil_cell_txt(rows[i][2])};
        vigil_doc_row(d, r);
    }
    vigil_doc_table_end(d);
    vigil_doc_p(d, "Items not listed (title, background, eligibility, sample size, missing data, ethics, interpretation) are "
            "outside what a stored validation run records and must be answered in the submission's other sections.");
}

void vigil_report_build(rctx *c)
{
    rdoc *d = &c->d;
    char title[512];
    snprintf(title, sizeof title, "PCCP evidence report: %s (run %lld)", c->run.name ? c->run.name : "", (long long)c->run.id);
    vigil_doc_h(d, 1, "top", title);
    vigil_doc_p(d, "Evidence section of a Predetermined Change Control Plan, structured after the FDA guidance \"Marketing "
            "Submission Recommendations for a Predetermined Change Control Plan for Artificial Intelligence-Enabled "
            "Device Software Functions\" (December 2024). Built by vigil %s only from stored runs; nothing was "
            "recomputed.", vigil_version());
    sec_summary(c);
    sec_identification(c);
    vigil_doc_h(d, 2, "description-of-modifications", "2. Description of Modifications");
    quote_pccp(c, "description_of_modifications", "description of modifications");
    vigil_doc_h(d, 2, "modification-protocol", "3. Modification Protocol");
    sec_data(c);
    vigil_doc_h(d, 3, "retraining-practices", "3.2 Re-training practices");
    quote_pccp(c, "retraining_practices", "re-training practices");
    sec_performance(c);
    vigil_doc_h(d, 3, "update-procedures", "3.4 Update procedures");
    quote_pccp(c, "update_procedures", "update procedures");
    sec_traceability(c);
    sec_impact(c);
    sec_monitoring(c);
    sec_audit(c);
    sec_methods(c);
    sec_tripod(c);
}

