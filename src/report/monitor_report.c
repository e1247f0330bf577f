/* The record of one drift monitor over time, built only from its stored runs (issue 17):
 * every night in the order of its data window (not of the store id), completed, failed (with
 * the stored reason) or missing (a gap in the windows' cadence), with each feature's effect,
 * corrected p and missing rate, prediction and label drift, the CUSUM statistic against its
 * limit and the volume of cases. It is written by the run report's machinery (doc.c: the one
 * escaper, tables that land in evidence.json; report_write.c: the atomic directory). */
#include "vigil/report.h"
#include "vigil/error.h"
#include "vigil/fairness.h"
#include "vigil/store.h"
#include "vigil/version.h"
#include "core/json.h"
#include "core/window.h"
#include "report/report_internal.h"
#include "report/report_write.h"
#include "report/monitor_report.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef vigil_mrec_night night;
typedef vigil_mrec mctx;

static const cJSON *jp(const cJSON *o, const char *p) { return vigil_json_get(o, p); }
static double jnum(const cJSON *o, const char *p) { return vigil_json_get_number(o, p); }
static const char *js(const cJSON *o, const char *p) { return vigil_json_get_string(o, p); }

/* The end of a window label "A..B" (or a single value): a date as a day number, else a
 * number; 0 when it is neither. */
static int label_end(const char *label, double *end, int *is_date)
{
    const char *b = strstr(label, "..");
    b = b ? b + 2 : label;
    long day = strlen(b) == 10 ? vigil_parse_day(b) : VIGIL_DAY_INVALID;
    if (day != VIGIL_DAY_INVALID) {
        *end = (double)day;
        *is_date = 1;
        return 1;
    }
    char *e = NULL;
    double v = strtod(b, &e);
    if (!*b || e == b || *e || !isfinite(v)) return 0;
    *end = v;
    *is_date = 0;
    return 1;
}

/* A failed run stored no document; its reason names its current window: a night that
 * stalled in the message ("...$.windows.current: 45 cases in 2026-02-12..2026-02-12 of
 * feed.csv ..."), any other failed night at the end (" -- current window 2026-02-11..2026-02-11
 * (--now 2026-02-11)", vigil_monitor_night_window; the last such tag, the message before it
 * being the input's). */
static void window_from_error(night *x)
{
    static const char tag[] = " -- current window ";
    const char *err = x->info.error, *e = err ? strstr(err, "$.windows.current: ") : NULL;
    const char *in = e ? strstr(e, " in ") : NULL, *of = in ? strstr(in + 4, " of ") : NULL;
    if (of && (size_t)(of - in - 4) < sizeof x->label) {
        snprintf(x->label, sizeof x->label, "%.*s", (int)(of - in - 4), in + 4);
        return;
    }
    const char *t = NULL;
    for (const char *p = err; p && (p = strstr(p, tag)) != NULL; p++) t = p;
    if (!t) return;
    t += sizeof tag - 1;
    size_t len = strcspn(t, " ");
    if (len && len < sizeof x->label) snprintf(x->label, sizeof x->label, "%.*s", (int)len, t);
}

static void place(night *x)
{
    if (x->doc) {
        const char *l = js(x->doc, "windows.current.label");
        snprintf(x->label, sizeof x->label, "%s", l ? l : "");
    } else
        window_from_error(x);
    if (*x->label && label_end(x->label, &x->end, &x->is_date)) return;
    long day = x->info.started_at ? vigil_parse_day(x->info.started_at) : VIGIL_DAY_INVALID;
    x->by_run_date = 1;
    x->is_date = day != VIGIL_DAY_INVALID;
    x->end = x->is_date ? (double)day : NAN;
}

static int cmp_night(const void *pa, const void *pb)
{
    const night *a = pa, *b = pb;
    if (a->is_date != b->is_date) return a->is_date - b->is_date;
    if (isfinite(a->end) != isfinite(b->end)) return isfinite(a->end) ? -1 : 1;
    if (a->end != b->end) return a->end < b->end ? -1 : 1;
    return a->info.id < b->info.id ? -1 : a->info.id > b->info.id;
}

/* --from / --to: a date, or a number for a monitor whose time column is numeric. */
static int parse_bound(const char *s, const char *opt, double *v, int *is_date)
{
    if (!s) return VIGIL_OK;
    if (!label_end(s, v, is_date) || strstr(s, ".."))
        return vigil_error_set(VIGIL_EINVAL, "%s: expected a date YYYY-MM-DD or a number, got '%s'", opt, s);
    return VIGIL_OK;
}

void vigil_mrec_end(const night *x, char *out, size_t cap)
{
    if (!isfinite(x->end)) snprintf(out, cap, "(not recorded)");
    else if (x->is_date) {
        char d[16];
        vigil_format_day((long)x->end, d);
        snprintf(out, cap, "%s", d);
    } else snprintf(out, cap, "%.10g", x->end);
}

/* The smallest step between successive window ends of date windows: the monitor's cadence
 * (1 for a nightly monitor); 0 when there are fewer than two. */
static double cadence(const mctx *c)
{
    double step = 0;
    for (size_t i = 1; i < c->nn; i++) {
        const night *a = &c->n[i - 1], *b = &c->n[i];
        if (!a->is_date || !b->is_date || a->by_run_date || b->by_run_date) continue;
        double g = b->end - a->end;
        if (g > 0 && (step == 0 || g < step)) step = g;
    }
    return step;
}

size_t vigil_mrec_gap(const mctx *c, size_t i)
{
    if (i == 0 || i >= c->nn || !(c->step > 0)) return 0;
    const night *p = &c->n[i - 1], *x = &c->n[i];
    if (!x->is_date || !p->is_date || x->by_run_date || p->by_run_date || !(x->end - p->end > c->step * 1.5)) return 0;
    return (size_t)llround((x->end - p->end) / c->step) - 1;
}

int vigil_mrec_load(mctx *c, const char *from, const char *to)
{
    double lo = -INFINITY, hi = INFINITY;
    int lo_date = -1, hi_date = -1;
    int rc = parse_bound(from, "--from", &lo, &lo_date);
    if (!rc) rc = parse_bound(to, "--to", &hi, &hi_date);
    if (rc) return rc;
    if (from && to && lo_date != hi_date)
        return vigil_error_set(VIGIL_EINVAL, "--from '%s' and --to '%s': one is a date, the other a number", from, to);
    int want_date = from ? lo_date : hi_date; /* -1: no bound */
    vigil_run_info *runs = NULL;
    size_t n = 0;
    if ((rc = vigil_store_list_runs(c->s, "monitor", c->name, &runs, &n)) != 0) return rc;
    if (!n) {
        vigil_run_info_free(runs, n);
        return vigil_error_set(VIGIL_EINVAL, "no monitor runs named '%s' in the store (vigil history --kind monitor "
                               "lists them)", c->name);
    }
    if (!(c->n = calloc(n, sizeof *c->n))) {
        vigil_run_info_free(runs, n);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n && !rc; i++) {
        night *x = &c->n[c->nn++];
        x->info = runs[i];
        memset(&runs[i], 0, sizeof runs[i]);
        char *doc = NULL;
        if (strcmp(x->info.status, "completed") == 0 && vigil_store_get_document(c->s, x->info.id, "result", &doc) == 0) {
            x->doc = cJSON_Parse(doc);
            if (!cJSON_IsObject(x->doc))
                rc = vigil_error_set(VIGIL_EINVAL, "run %lld: the stored monitor result is not a JSON object",
                                     (long long)x->info.id);
        }
        free(doc);
        place(x);
        /* the range: a night with a recorded window of the other kind is an error, never dropped */
        if (!rc && want_date >= 0 && !x->by_run_date && x->is_date != want_date)
            rc = vigil_error_set(VIGIL_EINVAL, "--from/--to are %s, but run %lld's window '%s' is %s", want_date ? "dates" : "numbers",
                                 (long long)x->info.id, x->label, x->is_date ? "of dates" : "numeric");
    }
    vigil_run_info_free(runs, n);
    if (rc) return rc;
    qsort(c->n, c->nn, sizeof *c->n, cmp_night);
    c->step = cadence(c); /* over the whole record, so that a range's own gaps are still seen */
    size_t kept = 0;
    for (size_t i = 0; i < c->nn; i++) {
        night *x = &c->n[i];
        int keep = !isfinite(x->end) || (want_date >= 0 && x->is_date != want_date) || (x->end >= lo && x->end <= hi);
        if (keep) c->n[kept++] = *x;
        else {
            vigil_run_info_clear(&x->info);
            cJSON_Delete(x->doc);
        }
    }
    c->nn = kept;
    if (!c->nn)
        return vigil_error_set(VIGIL_EINVAL, "monitor '%s' has no run with a window ending from %s to %s", c->name,
                               from ? from : "the first", to ? to : "the last");
    for (size_t i = 0; i < c->nn; i++) {
        c->n_failed += !c->n[i].doc;
        c->n_alarms += c->n[i].doc && cJSON_IsTrue(jp(c->n[i].doc, "alarm"));
        c->n_missing += vigil_mrec_gap(c, i);
    }
    double mc = NAN;
    for (size_t i = 0; i < c->nn && !isfinite(mc); i++) mc = jnum(c->n[i].doc, "min_cell");
    /* the stored run's min_cell, never under the CMS floor (the policy's vigil_fairness_floor) */
    c->min_cell = (int)vigil_fairness_floor(isfinite(mc) && mc >= 1 && mc <= INT_MAX ? (size_t)mc : 0);
    return vigil_store_audit_verify(c->s, &c->audit);
}

/* The largest |effect| over the features and which feature has it. */
double vigil_mrec_largest(const cJSON *doc, const char **which)
{
    double best = NAN;
    const cJSON *f;
    *which = NULL;
    cJSON_ArrayForEach(f, jp(doc, "features"))
    {
        double e = fabs(jnum(f, "effect"));
        if (isfinite(e) && !(e <= best)) {
            best = e;
            *which = f->string;
        }
    }
    return best;
}

/* A window's missing rate ("ref" or "cur"), withheld as the policy withholds a rate
 * (vigil_fairness_rate_ok: the missing, the present and their total). The reference window's
 * too: evidence.json keeps the rate at full precision, and k/n as a double gives k and n back
 * (a continued fraction), so a small count of missing values shows without any n beside it. */
static rcell missing_cell(const cJSON *f, const char *w, int min_cell)
{
    char km[32], kn[32], kr[40];
    snprintf(km, sizeof km, "missing_%s", w);
    snprintf(kn, sizeof kn, "n_%s", w);
    snprintf(kr, sizeof kr, "missing_rate.rate_%s", w);
    double miss = jnum(f, km), have = jnum(f, kn);
    if (!vigil_fairness_rate_ok(miss, miss + have, (size_t)min_cell)) return vigil_cell_sup();
    return vigil_cell_num(jnum(f, kr), 3);
}

static void missing_row(mctx *c, double after, double step, size_t k)
{
    char a[16], b[16], t[96];
    vigil_format_day((long)(after + step), a);
    vigil_format_day((long)(after + step * (double)k), b);
    if (k == 1) snprintf(t, sizeof t, "%s", a);
    else snprintf(t, sizeof t, "%s..%s", a, b);
    char cnt[64];
    snprintf(cnt, sizeof cnt, "%zu night%s without a run", k, k == 1 ? "" : "s");
    rcell r[12] = {vigil_cell_txt(t), vigil_cell_txt("none (no run)"), vigil_cell_txt("MISSING"), vigil_cell_txt(cnt)};
    r[2].cls = "fail";
    for (int i = 4; i < 12; i++) r[i] = vigil_cell_txt("");
    vigil_doc_row(&c->d, r);
}

static void nights_table(mctx *c)
{
    rdoc *d = &c->d;
    static const char *const cols[] = {"window end", "run", "status", "current window", "cases", "alarm",
                                       "alarmed features", "largest effect", "prediction drift effect",
                                       "label drift p", "CUSUM", "CUSUM limit"};
    vigil_doc_table(d, "nights", "Every night of the monitor, in the order of its data window", cols, 12);
    for (size_t i = 0; i < c->nn; i++) {
        night *x = &c->n[i];
        size_t gap = vigil_mrec_gap(c, i);
        if (gap) missing_row(c, c->n[i - 1].end, c->step, gap);
        char end[32], id[32], win[160];
        vigil_mrec_end(x, end, sizeof end);
        if (x->by_run_date) snprintf(end + strlen(end), sizeof end - strlen(end), " (run date)");
        snprintf(id, sizeof id, "%lld", (long long)x->info.id);
        snprintf(win, sizeof win, "%s", *x->label ? x->label : "not recorded");
        int alarm = x->doc && cJSON_IsTrue(jp(x->doc, "alarm"));
        if (!x->doc) {
            vigil_sbuf st = {0};
            vigil_sbuf_printf(&st, "%s: %s", x->info.status, x->info.error ? x->info.error : "no reason stored");
            rcell r[12] = {vigil_cell_txt(end), vigil_cell_txt(id), vigil_cell_txt(st.s ? st.s : x->info.status),
                           vigil_cell_txt(win)};
            r[2].cls = "fail";
            for (int k = 4; k < 12; k++) r[k] = vigil_cell_txt("");
            vigil_doc_row(d, r);
            vigil_sbuf_free(&st);
            continue;
        }
        vigil_sbuf al = {0};
        const cJSON *a;
        cJSON_ArrayForEach(a, jp(x->doc, "alarms")) if (cJSON_IsString(a))
            vigil_sbuf_printf(&al, "%s%s", al.len ? ", " : "", a->valuestring);
        const char *who = NULL;
        double e = vigil_mrec_largest(x->doc, &who);
        char le[160];
        if (isfinite(e)) snprintf(le, sizeof le, "%.3f (%s)", e, who);
        else snprintf(le, sizeof le, "undefined (no feature effect stored)");
        rcell big = vigil_cell_txt(le);
        const cJSON *pr = jp(x->doc, "prediction"), *lb = jp(x->doc, "label"), *cu = jp(x->doc, "cusum");
        char cus[64] = "";
        if (cu) snprintf(cus, sizeof cus, "%s", cJSON_IsTrue(jp(cu, "signal")) ? "SIGNAL " : "");
        rcell cmax = cu ? vigil_cell_num(jnum(cu, "max"), 3) : vigil_cell_txt("not run");
        if (cu && *cus) cmax.cls = "fail";
        rcell r[12] = {vigil_cell_txt(end), vigil_cell_txt(id), vigil_cell_txt(x->info.status), vigil_cell_txt(win),
                       vigil_cell_count(jnum(x->doc, "windows.current.n"), c->min_cell),
                       vigil_cell_txt(alarm ? "ALARM" : "no"), vigil_cell_txt(al.s ? al.s : ""), big,
                       pr ? vigil_cell_num(jnum(pr, "effect"), 3) : vigil_cell_txt("not run"),
                       lb && js(lb, "withheld") ? vigil_cell_txt("withheld (cell-size policy)")
                       : lb ? vigil_cell_p(jnum(lb, "p")) : vigil_cell_txt("not run"), cmax,
                       cu ? vigil_cell_num(jnum(cu, "limit"), 3) : vigil_cell_txt("")};
        if (alarm) r[5].cls = "fail";
        vigil_doc_row(d, r);
        vigil_sbuf_free(&al);
    }
    vigil_doc_table_end(d);
}

static void features_table(mctx *c)
{
    rdoc *d = &c->d;
    static const char *const cols[] = {"window end", "run", "feature", "type", "effect", "effect measure",
                                       "corrected p", "drift", "missing rate (reference)", "missing rate (current)"};
    vigil_doc_table(d, "features", "Each feature's effect, corrected p-value and missing rate per night", cols, 10);
    for (size_t i = 0; i < c->nn; i++) {
        const night *x = &c->n[i];
        char end[32], id[32];
        vigil_mrec_end(x, end, sizeof end);
        snprintf(id, sizeof id, "%lld", (long long)x->info.id);
        const cJSON *f;
        cJSON_ArrayForEach(f, jp(x->doc, "features"))
        {
            const char *nc = js(f, "not_computable");
            int drift = cJSON_IsTrue(jp(f, "drift"));
            rcell r[10] = {vigil_cell_txt(end), vigil_cell_txt(id), vigil_cell_txt(f->string),
                           vigil_cell_txt(js(f, "type")), vigil_cell_num(jnum(f, "effect"), 3),
                           vigil_cell_txt(js(f, "effect_name")), vigil_cell_p(jnum(f, "p_adjusted")),
                           vigil_cell_txt(drift ? "DRIFT" : nc ? "not computable" : "no"),
                           missing_cell(f, "ref", c->min_cell), missing_cell(f, "cur", c->min_cell)};
            if (drift) r[7].cls = "fail";
            vigil_doc_row(d, r);
        }
    }
    vigil_doc_table_end(d);
}

/* Whether any night in the range stored the label-free estimate or the realised performance. */
static int has_performance(const mctx *c)
{
    for (size_t i = 0; i < c->nn; i++)
        if (c->n[i].doc && (jp(c->n[i].doc, "cbpe") || jp(c->n[i].doc, "performance"))) return 1;
    return 0;
}

/* A realised number as stored: withheld numbers (null, with the block's reason) say so. */
static rcell realised_cell(const cJSON *pf, const char *key, const char *part, int digits)
{
    const cJSON *e = jp(pf, key);
    double v = jnum(e, part);
    if (!isfinite(v) && js(pf, "withheld") && e) return vigil_cell_sup();
    if (!e) return vigil_cell_txt(pf && js(pf, "not_computed") ? "no labels yet" : "not stored (no realised value this night)");
    return vigil_cell_num(v, digits);
}

static rcell realised_ci(const cJSON *pf, const char *key, int digits)
{
    const cJSON *e = jp(pf, key);
    if (!isfinite(jnum(e, "value"))) return vigil_cell_txt("");
    return vigil_cell_ci(jnum(e, "ci_low"), jnum(e, "ci_high"), digits);
}

/* Per night and statistic: the label-free estimate (CBPE) with its interval beside the realised
 * value of the labelled cases with theirs (issue 17). */
static void performance_table(mctx *c)
{
    rdoc *d = &c->d;
    static const char *const stats[][2] = {{"auroc", "AUROC"}, {"sensitivity", "sensitivity"}, {"ppv", "PPV"},
                                           {"oe_ratio", "O/E"}, {"calibration_slope", "calibration slope"},
                                           {"citl", "CITL"}};
    static const char *const cols[] = {"window end", "run", "statistic", "estimated (CBPE, no labels)", "95% CI",
                                       "realised (labelled cases)", "95% CI", "labelled cases", "realised in the estimate's CI"};
    vigil_doc_table(d, "performance", "Estimated and realised performance per night (current window)", cols, 9);
    for (size_t i = 0; i < c->nn; i++) {
        const night *x = &c->n[i];
        const cJSON *cb = x->doc ? jp(x->doc, "cbpe") : NULL, *pf = x->doc ? jp(x->doc, "performance") : NULL;
        if (!cb && !pf) continue;
        char end[32], id[32];
        vigil_mrec_end(x, end, sizeof end);
        snprintf(id, sizeof id, "%lld", (long long)x->info.id);
        for (size_t k = 0; k < sizeof stats / sizeof *stats; k++) {
            const cJSON *ce = k < 3 ? jp(cb, stats[k][0]) : NULL, *pe = jp(pf, stats[k][0]);
            if (!ce && !pe) continue;
            /* CBPE estimates AUROC, sensitivity and PPV; the other rows are realised only */
            rcell est = vigil_cell_na(k < 3 ? "no estimate stored" : "CBPE estimates AUROC, sensitivity, PPV"),
                  eci = vigil_cell_txt("");
            if (ce && !cJSON_IsTrue(jp(cb, "valid"))) {
                char t[400];
                snprintf(t, sizeof t, "not estimated: %s", js(cb, "not_estimated") ? js(cb, "not_estimated") : "no reason stored");
                est = vigil_cell_txt(t);
                est.cls = "fail";
            }
            else if (ce) est = vigil_cell_num(jnum(ce, "estimate"), 3), eci = vigil_cell_ci(jnum(ce, "ci_low"), jnum(ce, "ci_high"), 3);
            double rv = jnum(pe, "value"), lo = jnum(ce, "ci_low"), hi = jnum(ce, "ci_high");
            const char *in = !isfinite(rv) || !isfinite(lo) ? "" : rv >= lo && rv <= hi ? "yes" : "NO";
            rcell r[9] = {vigil_cell_txt(end), vigil_cell_txt(id), vigil_cell_txt(stats[k][1]), est, eci,
                          realised_cell(pf, stats[k][0], "value", 3), realised_ci(pf, stats[k][0], 3),
                          pf ? vigil_cell_count(jnum(pf, "n_labelled"), c->min_cell) : vigil_cell_txt("not measured"),
                          vigil_cell_txt(in)};
            if (*in == 'N') r[8].cls = "fail";
            vigil_doc_row(d, r);
        }
    }
    vigil_doc_table_end(d);
}

/* Whether any night in the range stored the realised performance per subgroup level. */
static int has_subgroups(const mctx *c)
{
    for (size_t i = 0; i < c->nn; i++)
        if (c->n[i].doc && jp(c->n[i].doc, "performance.subgroups")) return 1;
    return 0;
}

/* A level's statistic as "value (low to high)"; withheld (the level or the statistic under the
 * cell-size policy) or undefined as the stored why says. The evidence keeps the value. */
static rcell level_cell(const cJSON *pf, const cJSON *lv, const char *key)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(lv, key);
    double v = jnum(e, "value");
    /* sensitivity and PPV are taken at $.threshold only: a monitor without one has none */
    if (!e)
        return vigil_cell_txt(!isfinite(jnum(pf, "threshold")) && (!strcmp(key, "sensitivity") || !strcmp(key, "ppv"))
                                  ? "not computed (no $.threshold)" : "not stored");
    if (!isfinite(v)) {
        const char *why = js(e, "why");
        return why && strstr(why, "cell-size") ? vigil_cell_sup() : vigil_cell_num(NAN, 3);
    }
    rcell r = vigil_cell_num(v, 3);
    char a[64], b[64];
    vigil_fmt_num(a, sizeof a, jnum(e, "ci_low"), 3);
    vigil_fmt_num(b, sizeof b, jnum(e, "ci_high"), 3);
    size_t l = strlen(r.text);
    snprintf(r.text + l, sizeof r.text - l, " (%s to %s)", a, b);
    r.cls = "wrap"; /* a number that may wrap before its interval: eleven columns fit the page */
    return r;
}

/* Per night, group and level: the realised performance of that level's labelled cases, as
 * `vigil metrics --group` gives it (performance.subgroups). */
static void subgroup_table(mctx *c)
{
    rdoc *d = &c->d;
    static const char *const keys[] = {"auroc", "oe_ratio", "calibration_slope", "citl", "sensitivity", "ppv"};
    static const char *const cols[] = {"window end", "run", "group", "level", "labelled cases", "AUROC (95% CI)",
                                       "O/E (95% CI)", "calibration slope (95% CI)", "CITL (95% CI)",
                                       "sensitivity (95% CI)", "PPV (95% CI)"};
    vigil_doc_table(d, "performance_subgroups", "Realised performance per subgroup level per night (labelled cases of "
                    "the current window)", cols, 11);
    for (size_t i = 0; i < c->nn; i++) {
        const night *x = &c->n[i];
        const cJSON *pf = x->doc ? jp(x->doc, "performance") : NULL, *g, *lv;
        if (!pf || !(jp(pf, "subgroups") || js(pf, "subgroups_not_computed"))) continue;
        char end[32], id[32];
        vigil_mrec_end(x, end, sizeof end);
        snprintf(id, sizeof id, "%lld", (long long)x->info.id);
        if (js(pf, "subgroups_not_computed")) {
            char t[400];
            snprintf(t, sizeof t, "not computed: %s", js(pf, "subgroups_not_computed"));
            rcell r[11] = {vigil_cell_txt(end), vigil_cell_txt(id), vigil_cell_txt("all"), vigil_cell_txt(t)};
            for (int k = 4; k < 11; k++) r[k] = vigil_cell_txt("");
            vigil_doc_row(d, r);
            continue;
        }
        cJSON_ArrayForEach(g, jp(pf, "subgroups"))
        {
            cJSON_ArrayForEach(lv, cJSON_GetObjectItemCaseSensitive(g, "levels"))
            {
                rcell r[11] = {vigil_cell_txt(end), vigil_cell_txt(id), vigil_cell_txt(g->string),
                               vigil_cell_txt(lv->string)};
                const cJSON *n = cJSON_GetObjectItemCaseSensitive(lv, "n");
                r[4] = cJSON_IsNumber(n) ? vigil_cell_count(n->valuedouble, c->min_cell) : vigil_cell_sup();
                for (int k = 0; k < 6; k++) r[5 + k] = level_cell(pf, lv, keys[k]);
                vigil_doc_row(d, r);
            }
        }
    }
    vigil_doc_table_end(d);
}

/* ---- trends: gnuplot, x = the end of each night's data window ---------------------------
 * Dates go on a time axis (a day as seconds since 1970), so a missing night is a gap, not a
 * neighbour; a numeric window is plotted at its number. Only nights whose windows are of the
 * last night's kind are plotted (a monitor that changed from numeric to date windows says so in
 * its tables). As in plots_report.c: text mode noenhanced, every string through vigil_gp_str,
 * datablocks hold numbers only. */

static int on_axis(const mctx *c, const night *x)
{
    return isfinite(x->end) && x->is_date == c->n[c->nn - 1].is_date;
}

static double xval(const night *x) { return x->is_date ? x->end * 86400.0 : x->end; }

static void gp_set(vigil_sbuf *b, const char *what, const char *text)
{
    vigil_sbuf_printf(b, "set %s ", what);
    vigil_gp_str(b, text);
    vigil_sbuf_printf(b, "\n");
}

static void prelude(const mctx *c, vigil_sbuf *b, const char *title, const char *ylabel, int height)
{
    vigil_sbuf_printf(b, "set terminal svg size 900,%d font 'sans,13' background rgb 'white'\n"
                         "set termoption noenhanced\nset output 'plot.svg'\nset encoding utf8\n"
                         "set grid lc rgb '#dddddd'\nset key below center horizontal box\n", height);
    gp_set(b, "title", title);
    gp_set(b, "ylabel", ylabel);
    if (c->n[c->nn - 1].is_date) {
        gp_set(b, "xlabel", "Night (last day of its data window)");
        vigil_sbuf_printf(b, "set xdata time\nset timefmt '%%s'\nset format x '%%Y-%%m-%%d'\nset xtics rotate by -30\n");
    } else
        gp_set(b, "xlabel", "Night (end of its data window)");
    /* a margin of one cadence either side, so the first and last nights are not on the border */
    double lo = INFINITY, hi = -INFINITY, step = c->step > 0 ? c->step : 1;
    for (size_t i = 0; i < c->nn; i++)
        if (on_axis(c, &c->n[i])) {
            lo = fmin(lo, c->n[i].end);
            hi = fmax(hi, c->n[i].end);
        }
    double k = c->n[c->nn - 1].is_date ? 86400.0 : 1.0;
    vigil_sbuf_printf(b, "set xrange [%.17g:%.17g]\n", (lo - step) * k, (hi + step) * k);
}

static char *run_plot(vigil_sbuf *b, const char *name, const char **why) { return vigil_plot_finish(b, name, why); }

/* Nights that failed, as a datablock $f at y = 0 (marked on every plot). */
static size_t failed_block(const mctx *c, vigil_sbuf *b)
{
    size_t k = 0;
    vigil_sbuf_printf(b, "$f << EOD\n");
    for (size_t i = 0; i < c->nn; i++)
        if (!c->n[i].doc && on_axis(c, &c->n[i])) {
            vigil_sbuf_printf(b, "%.17g 0\n", xval(&c->n[i]));
            k++;
        }
    vigil_sbuf_printf(b, "EOD\n");
    return k;
}

static const char k_failed_series[] = ", $f using 1:2 title 'failed night' with points lc rgb '#000000' pt 2 ps 2";

/* The largest feature effect and the prediction effect per night, alarms marked. */
static char *plot_drift(const mctx *c, double floor, const char **why)
{
    vigil_sbuf b = {0};
    prelude(c, &b, "Drift per night: largest feature effect, alarms marked", "Effect (Wasserstein/SD, PSI or |h|)", 560);
    vigil_sbuf_printf(&b, "set yrange [0:*]\n$d << EOD\n");
    size_t n = 0;
    for (size_t i = 0; i < c->nn; i++) {
        const night *x = &c->n[i];
        if (!x->doc || !on_axis(c, x)) continue;
        const char *who;
        vigil_sbuf_printf(&b, "%.17g %.9g %d %.9g\n", xval(x), vigil_mrec_largest(x->doc, &who), cJSON_IsTrue(jp(x->doc, "alarm")),
                          fabs(jnum(x->doc, "prediction.effect")));
        n++;
    }
    vigil_sbuf_printf(&b, "EOD\n");
    size_t nf = failed_block(c, &b);
    if (!n) {
        vigil_sbuf_free(&b);
        *why = "no completed night is stored in the range";
        return NULL;
    }
    vigil_sbuf_printf(&b, "plot %.9g title 'effect floor' with lines lc rgb '#777777' dt 3 lw 1, "
                          "$d using 1:2 title 'largest feature effect' with linespoints lc rgb '#0072B2' pt 7 lw 2, "
                          "$d using 1:4 title 'prediction (score) effect' with linespoints lc rgb '#009E73' dt 4 pt 9 lw 2, "
                          "$d using 1:($3 > 0 ? $2 : 1/0) title 'alarm' with points lc rgb '#D55E00' pt 9 ps 2.2%s\n",
                      floor, nf ? k_failed_series : "");
    return run_plot(&b, "drift", why);
}

/* The CUSUM statistic of each night against the limit it was held to. */
static char *plot_cusum(const mctx *c, const char **why)
{
    vigil_sbuf b = {0};
    prelude(c, &b, "Risk-adjusted CUSUM per night against its limit", "CUSUM statistic (log-likelihood ratio)", 560);
    vigil_sbuf_printf(&b, "set yrange [0:*]\n$d << EOD\n");
    size_t n = 0;
    for (size_t i = 0; i < c->nn; i++) {
        const night *x = &c->n[i];
        if (!x->doc || !on_axis(c, x) || !isfinite(jnum(x->doc, "cusum.max"))) continue;
        vigil_sbuf_printf(&b, "%.17g %.9g %.9g\n", xval(x), jnum(x->doc, "cusum.max"), jnum(x->doc, "cusum.limit"));
        n++;
    }
    vigil_sbuf_printf(&b, "EOD\n");
    size_t nf = failed_block(c, &b);
    if (!n) {
        vigil_sbuf_free(&b);
        *why = "no stored night in the range ran the CUSUM";
        return NULL;
    }
    vigil_sbuf_printf(&b, "plot $d using 1:3 title 'limit' with linespoints lc rgb '#D55E00' dt 2 pt 1 lw 2, "
                          "$d using 1:2 title 'CUSUM' with linespoints lc rgb '#0072B2' pt 7 lw 2, "
                          "$d using 1:($2 >= $3 ? $2 : 1/0) title 'signal' with points lc rgb '#D55E00' pt 9 ps 2.2%s\n",
                      nf ? k_failed_series : "");
    return run_plot(&b, "cusum", why);
}

/* Cases per night (counts under the cell-size policy are left out of the plot, as of the
 * tables). */
static char *plot_cases(const mctx *c, const char **why)
{
    vigil_sbuf b = {0};
    prelude(c, &b, "Cases per night", "Cases in the current window", 460);
    vigil_sbuf_printf(&b, "set yrange [0:*]\n$d << EOD\n");
    size_t n = 0;
    for (size_t i = 0; i < c->nn; i++) {
        const night *x = &c->n[i];
        double v = jnum(x->doc, "windows.current.n");
        if (!x->doc || !on_axis(c, x) || !isfinite(v) || !vigil_fairness_count_ok(v, (size_t)c->min_cell)) continue;
        vigil_sbuf_printf(&b, "%.17g %.17g\n", xval(x), v);
        n++;
    }
    vigil_sbuf_printf(&b, "EOD\n");
    size_t nf = failed_block(c, &b);
    if (!n) {
        vigil_sbuf_free(&b);
        *why = "no completed night in the range has a count that may be shown";
        return NULL;
    }
    vigil_sbuf_printf(&b, "plot $d using 1:2 title 'cases' with linespoints lc rgb '#0072B2' pt 7 lw 2%s\n",
                      nf ? k_failed_series : "");
    return run_plot(&b, "cases", why);
}

/* The clinicians' decisions per night (issue 21): each night's current-window override and
 * agreement rates with their Wilson intervals, nights whose decision rates alarmed marked;
 * withheld windows (cell-size policy) are left out. None when no night tracked decisions. */
static char *plot_decisions(const mctx *c, const char **why)
{
    static const char *const rates[3][2] = {{"override_of_flags", "override of flags"},
                                            {"override_of_nonflags", "override of non-flags"},
                                            {"agreement", "agreement"}};
    vigil_sbuf b = {0};
    prelude(c, &b, "The clinicians' decisions per night (current window, Wilson 95% CI)", "Rate (proportion)", 520);
    vigil_sbuf_printf(&b, "set yrange [0:1]\n");
    size_t n = 0;
    for (int r = 0; r < 3; r++) {
        vigil_sbuf_printf(&b, "$r%d << EOD\n", r);
        for (size_t i = 0; i < c->nn; i++) {
            const night *x = &c->n[i];
            char path[96];
            snprintf(path, sizeof path, "decisions.rates.%s.cur", rates[r][0]);
            const cJSON *w = x->doc ? vigil_json_get(x->doc, path) : NULL;
            double v = jnum(w, "value");
            if (!w || !on_axis(c, x) || !isfinite(v)) continue;
            snprintf(path, sizeof path, "decisions.rates.%s.drift", rates[r][0]);
            vigil_sbuf_printf(&b, "%.17g %.9g %.9g %.9g %d\n", xval(x), v, jnum(w, "ci_low"), jnum(w, "ci_high"),
                              cJSON_IsTrue(vigil_json_get(x->doc, path)));
            n++;
        }
        vigil_sbuf_printf(&b, "EOD\n");
    }
    size_t nf = failed_block(c, &b);
    if (!n) {
        vigil_sbuf_free(&b);
        *why = "no night in the range tracked the clinicians' decisions with rates that may be shown";
        return NULL;
    }
    vigil_sbuf_printf(&b, "plot ");
    for (int r = 0; r < 3; r++) {
        vigil_sbuf_printf(&b, "%s$r%d using 1:2:3:4 title ", r ? ", " : "", r);
        vigil_gp_str(&b, rates[r][1]);
        vigil_sbuf_printf(&b, " with yerrorlines lw 2 pt %d", 7 + r);
    }
    for (int r = 0; r < 3; r++)
        vigil_sbuf_printf(&b, ", $r%d using 1:($5 > 0 ? $2 : 1/0) %s with points lc rgb '#D55E00' pt 9 ps 2.2", r,
                          r ? "notitle" : "title 'drift (alarmed)'");
    vigil_sbuf_printf(&b, "%s\n", nf ? k_failed_series : "");
    return run_plot(&b, "decisions", why);
}

/* Estimated (CBPE, dashed) against realised (solid) per night with their 95% intervals, for the
 * statistics `keys` (issue 17). The estimate is drawn a tenth of a cadence left of the night and
 * the realised value a tenth right, so the two intervals do not hide each other. Refused
 * estimates and withheld realised values are not drawn. */
static char *plot_est_real(const mctx *c, const char *name, const char *title, const char *const *keys,
                           const char *const *labels, int nk, const char **why)
{
    vigil_sbuf b = {0};
    prelude(c, &b, title, "Value (95% CI)", 540);
    vigil_sbuf_printf(&b, "set yrange [0:1]\n");
    double off = 0.1 * (c->step > 0 ? c->step : 1) * (c->n[c->nn - 1].is_date ? 86400.0 : 1.0);
    size_t n = 0;
    for (int k = 0; k < nk; k++)
        for (int real = 0; real < 2; real++) {
            vigil_sbuf_printf(&b, "$s%d%d << EOD\n", k, real);
            for (size_t i = 0; i < c->nn; i++) {
                const night *x = &c->n[i];
                char path[64];
                snprintf(path, sizeof path, "%s.%s", real ? "performance" : "cbpe", keys[k]);
                const cJSON *e = x->doc && on_axis(c, x) ? jp(x->doc, path) : NULL;
                double v = jnum(e, real ? "value" : "estimate");
                if (!e || !isfinite(v)) continue;
                vigil_sbuf_printf(&b, "%.17g %.9g %.9g %.9g\n", xval(x) + (real ? off : -off), v, jnum(e, "ci_low"),
                                  jnum(e, "ci_high"));
                n++;
            }
            vigil_sbuf_printf(&b, "EOD\n");
        }
    size_t nf = failed_block(c, &b);
    if (!n) {
        vigil_sbuf_free(&b);
        *why = "no night in the range has an estimate or a realised value that may be shown";
        return NULL;
    }
    static const char *const colour[] = {"#0072B2", "#009E73", "#CC79A7"};
    vigil_sbuf_printf(&b, "plot ");
    for (int k = 0; k < nk; k++)
        for (int real = 0; real < 2; real++) {
            char t[96];
            snprintf(t, sizeof t, "%s, %s", labels[k], real ? "realised (labelled cases)" : "estimated (CBPE, no labels)");
            vigil_sbuf_printf(&b, "%s$s%d%d using 1:2:3:4 title ", k || real ? ", " : "", k, real);
            vigil_gp_str(&b, t);
            vigil_sbuf_printf(&b, " with yerrorlines lc rgb '%s' dt %d pt %d lw 2", colour[k % 3], real ? 1 : 2,
                              real ? 7 : 6);
        }
    vigil_sbuf_printf(&b, "%s\n", nf ? k_failed_series : "");
    return run_plot(&b, name, why);
}

/* Up to 40 bytes of a name, cut at a UTF-8 character boundary. */
static void short_name(char out[48], const char *s)
{
    size_t n = strlen(s);
    if (n <= 40) {
        memcpy(out, s, n + 1);
        return;
    }

    n = 40;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    memcpy(out, s, n);
    memcpy(out + n, "...", 4);
}

/* Small multiples per subgroup (performance.subgroups): for group `gname`, the realised AUROC
 * of each of its levels per night, one line per level (the last such night's levels, at most
 * MON_PLOT_LEVELS; the table has them all). Withheld and undefined values are not drawn. */
#define MON_PLOT_LEVELS 8
static char *plot_levels(const mctx *c, const char *name, const char *gname, const char **why)
{
    const cJSON *last = NULL;
    for (size_t i = c->nn; i-- > 0 && !last;)
        if (c->n[i].doc && on_axis(c, &c->n[i]))
            last = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(jp(c->n[i].doc, "performance.subgroups"),
                                                                                    gname), "levels");
    const char *lv[MON_PLOT_LEVELS];
    int nl = 0;
    const cJSON *l;
    cJSON_ArrayForEach(l, last) if (nl < MON_PLOT_LEVELS) lv[nl++] = l->string;
    if (!nl) {
        *why = "no night on the axis has levels of this group";
        return NULL;
    }
    char title[160], gs[48];
    short_name(gs, gname);
    snprintf(title, sizeof title, "Realised AUROC per level of %s per night", gs);
    vigil_sbuf b = {0};
    prelude(c, &b, title, "AUROC (95% CI)", 540);
    vigil_sbuf_printf(&b, "set yrange [0:1]\n");
    double off = 0.04 * (c->step > 0 ? c->step : 1) * (c->n[c->nn - 1].is_date ? 86400.0 : 1.0);
    size_t points = 0;
    for (int k = 0; k < nl; k++) {
        vigil_sbuf_printf(&b, "$l%d << EOD\n", k);
        for (size_t i = 0; i < c->nn; i++) {
            const night *x = &c->n[i];
            const cJSON *g = x->doc && on_axis(c, x) ? cJSON_GetObjectItemCaseSensitive(jp(x->doc, "performance.subgroups"), gname)
                                                      : NULL;
            const cJSON *e = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(g, "levels"), lv[k]), "auroc");
            double v = jnum(e, "value");
            if (!e || !isfinite(v)) continue;
            vigil_sbuf_printf(&b, "%.17g %.9g %.9g %.9g\n", xval(x) + off * (k - (nl - 1) / 2.0), v, jnum(e, "ci_low"),
                              jnum(e, "ci_high"));
            points++;
        }
        vigil_sbuf_printf(&b, "EOD\n");
    }
    size_t nf = failed_block(c, &b);
    if (!points) {
        vigil_sbuf_free(&b);
        *why = "no level of this group has a realised AUROC that may be shown (withheld or undefined)";
        return NULL;
    }
    static const char *const colour[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
                                         "#F0E442"};
    vigil_sbuf_printf(&b, "plot ");
    for (int k = 0; k < nl; k++) {
        char t[48];
        short_name(t, lv[k]);
        vigil_sbuf_printf(&b, "%s$l%d using 1:2:3:4 title ", k ? ", " : "", k);
        vigil_gp_str(&b, t);
        vigil_sbuf_printf(&b, " with yerrorlines lc rgb '%s' pt %d lw 2", colour[k % 8], 5 + k % 8);
    }
    vigil_sbuf_printf(&b, "%s\n", nf ? k_failed_series : "");
    return run_plot(&b, name, why);
}

/* A heat map: one row per feature (of the last night), one column per night, the colour the
 * effect over its floor, drift marked. */
static char *plot_heat(const mctx *c, const char **why)
{
    const night *last = NULL;
    for (size_t i = c->nn; i-- > 0;)
        if (c->n[i].doc && on_axis(c, &c->n[i])) {
            last = &c->n[i];
            break;
        }
    int nfeat = last ? cJSON_GetArraySize(jp(last->doc, "features")) : 0;
    if (nfeat <= 0) {
        *why = "no completed night in the range has features";
        return NULL;
    }
    vigil_sbuf b = {0};
    prelude(c, &b, "Effect of each feature per night, relative to its floor (x: drift)", "", 220 + 22 * nfeat);
    double w = (c->step > 0 ? c->step : 1) * (last->is_date ? 86400.0 : 1.0) * 0.5;
    vigil_sbuf_printf(&b, "unset grid\nset yrange [-0.5:%d.5] reverse\nset ytics (", nfeat - 1);
    const cJSON *f;
    int k = 0;
    cJSON_ArrayForEach(f, jp(last->doc, "features"))
    {
        char nm[48];
        short_name(nm, f->string);
        vigil_sbuf_printf(&b, "%s", k ? ", " : "");
        vigil_gp_str(&b, nm);
        vigil_sbuf_printf(&b, " %d", k++);
    }
    vigil_sbuf_printf(&b, ")\nset cbrange [0:3]\nset cblabel 'effect / floor (capped at 3)'\n"
                          "set palette defined (0 '#deebf7', 1 '#E69F00', 3 '#D55E00')\n$d << EOD\n");
    for (size_t i = 0; i < c->nn; i++) {
        const night *x = &c->n[i];
        if (!x->doc || !on_axis(c, x)) continue;
        k = 0;
        cJSON_ArrayForEach(f, jp(last->doc, "features"))
        {
            const cJSON *g = cJSON_GetObjectItemCaseSensitive(jp(x->doc, "features"), f->string);
            const char *type = js(g, "type");
            double fl = jnum(x->doc, type && strcmp(type, "categorical") == 0 ? "effect_floors.categorical"
                                                                               : "effect_floors.numeric");
            double e = fabs(jnum(g, "effect")) / (isfinite(fl) && fl > 0 ? fl : 0.1);
            if (g && isfinite(e))
                vigil_sbuf_printf(&b, "%.17g %d %.9g %d\n", xval(x), k, fmin(e, 3), cJSON_IsTrue(jp(g, "drift")));
            k++;
        }
    }
    vigil_sbuf_printf(&b, "EOD\n");
    vigil_sbuf_printf(&b, "plot $d using 1:2:(%.17g):(0.5):3 notitle with boxxyerror fs solid 1.0 noborder palette, "
                          "$d using 1:($4 > 0 ? $2 : 1/0) title 'drift' with points lc rgb '#000000' pt 2 ps 1.2\n", w);
    return run_plot(&b, "heat", why);
}

static void plots(mctx *c)
{
    double floor = NAN;
    for (size_t i = 0; i < c->nn && !isfinite(floor); i++) floor = jnum(c->n[i].doc, "effect_floors.numeric");
    static const char off[] = "plots were switched off (--no-plots)";
    const char *why = off;
    char *svg = c->o->no_plots ? NULL : plot_heat(c, &why);
    vigil_doc_plot(&c->d, "heat", "Feature effects per night", svg, why,
                   "one row per feature and one column per night, coloured by the effect over its floor, drifting "
                   "features marked");
    free(svg);
    why = off;
    svg = c->o->no_plots ? NULL : plot_drift(c, isfinite(floor) ? floor : 0.1, &why);
    vigil_doc_plot(&c->d, "drift", "Drift per night", svg, why,
                   "the largest feature effect and the prediction-drift effect of each night at the end of its data "
                   "window, alarms and failed nights marked, the effect floor dotted");
    free(svg);
    why = off;
    svg = c->o->no_plots ? NULL : plot_cusum(c, &why);
    vigil_doc_plot(&c->d, "cusum", "CUSUM per night", svg, why,
                   "each night's risk-adjusted CUSUM statistic (its maximum over the window) against the limit that "
                   "night was held to, signals and failed nights marked");
    free(svg);
    why = off;
    svg = c->o->no_plots ? NULL : plot_cases(c, &why);
    vigil_doc_plot(&c->d, "cases", "Cases per night", svg, why, "the number of cases in each night's current window");
    free(svg);
    int decisions = 0;
    for (size_t i = 0; i < c->nn && !decisions; i++) decisions = c->n[i].doc && vigil_json_get(c->n[i].doc, "decisions");
    if (decisions) {
        why = off;
        svg = c->o->no_plots ? NULL : plot_decisions(c, &why);
        vigil_doc_plot(&c->d, "decisions", "The clinicians' decisions per night", svg, why,
                       "each night's override rate of flags and of non-flags and the agreement of decision and flag "
                       "in its current window, with Wilson intervals; nights whose rates alarmed marked");
        free(svg);
    }
    if (has_performance(c)) {
        static const char *const ak[] = {"auroc"}, *const al[] = {"AUROC"};
        static const char *const tk[] = {"sensitivity", "ppv"}, *const tl[] = {"sensitivity", "PPV"};
        why = off;
        svg = c->o->no_plots ? NULL
                             : plot_est_real(c, "performance_auroc", "AUROC per night: estimated before labels (CBPE) "
                                             "and realised once they matured", ak, al, 1, &why);
        vigil_doc_plot(&c->d, "performance_auroc", "Estimated and realised AUROC per night", svg, why,
                       "each night's AUROC estimated from the scores alone (CBPE, NannyML's sampling error; dashed) "
                       "and realised on the cases whose label is known (DeLong; solid), with 95% intervals");
        free(svg);
        int thr = 0; /* sensitivity and PPV exist only at a threshold */
        for (size_t i = 0; i < c->nn && !thr; i++)
            thr = c->n[i].doc && (jp(c->n[i].doc, "cbpe") || jp(c->n[i].doc, "performance.sensitivity"));
        if (thr) {
            why = off;
            svg = c->o->no_plots ? NULL
                                 : plot_est_real(c, "performance_threshold", "Sensitivity and PPV at the threshold per "
                                                 "night: estimated (CBPE) and realised", tk, tl, 2, &why);
            vigil_doc_plot(&c->d, "performance_threshold", "Estimated and realised sensitivity and PPV per night", svg,
                           why, "each night's sensitivity and PPV at the monitor's threshold estimated from the scores "
                           "(CBPE; dashed) and realised on the labelled cases (Wilson; solid), with 95% intervals");
            free(svg);
        }
    }
    /* small multiples: one plot per group of the last night with subgroups (at most 4) */
    const cJSON *groups = NULL, *g;
    for (size_t i = c->nn; i-- > 0 && !groups;) groups = c->n[i].doc ? jp(c->n[i].doc, "performance.subgroups") : NULL;
    int k = 0;
    cJSON_ArrayForEach(g, groups)
    {
        if (k >= 4) break;
        char name[32], title[160], gs[48];
        snprintf(name, sizeof name, "subgroup_auroc_%d", ++k);
        short_name(gs, g->string);
        snprintf(title, sizeof title, "Realised AUROC per level of %s per night", gs);
        why = off;
        svg = c->o->no_plots ? NULL : plot_levels(c, name, g->string, &why);
        vigil_doc_plot(&c->d, name, title, svg, why,
                       "each night's realised AUROC (DeLong 95% interval) of each level of the group (the last night's "
                       "levels, at most 8), as vigil metrics --group gives it on the night's labelled cases; withheld "
                       "and undefined values are not drawn, the table above has every level");
        free(svg);
    }
}

static void reproduce(mctx *c)
{
    const char *db = c->o->db_label ? c->o->db_label : "vigil.db";
    vigil_sbuf cmd = {0};
    for (size_t i = 0; i < c->nn; i++) {
        const night *x = &c->n[i];
        const char *mf = NULL;
        vigil_run_file_info *f = NULL;
        size_t nf = 0;
        if (vigil_store_get_files(c->s, x->info.id, &f, &nf) == 0)
            for (size_t k = 0; k < nf; k++)
                if (strcmp(f[k].role, "monitor") == 0 || strcmp(f[k].role, "config") == 0) mf = f[k].path;
        const char *now = js(x->doc, "windows.now");
        char fnow[16] = ""; /* a failed night stored no document: its reason names its --now */
        const char *fn = NULL; /* the last: the reason's own tag comes after the message */
        for (const char *p = !now ? x->info.error : NULL; p && (p = strstr(p, "(--now ")) != NULL; p++) fn = p;
        if (fn && sscanf(fn, "(--now %10[0-9-])", fnow) == 1) now = fnow;
        vigil_sbuf_printf(&cmd, "# run %lld (%s, configuration SHA-256 %s)\nvigil monitor run %s%s%s --db %s\n",
                          (long long)x->info.id, x->info.status, x->info.config_sha256 ? x->info.config_sha256 : "?",
                          mf ? mf : "<the monitor file with that SHA-256>", now ? " --now " : "", now ? now : "", db);
        vigil_run_file_info_free(f, nf);
    }
    vigil_doc_code(&c->d, cmd.s ? cmd.s : "");
    vigil_sbuf_free(&cmd);
}

static void build(mctx *c, const char *from, const char *to)
{
    rdoc *d = &c->d;
    char title[512];
    snprintf(title, sizeof title, "Drift monitor record: %s", c->name);
    vigil_doc_h(d, 1, "top", title);
    vigil_doc_p(d, "The stored record of one drift monitor, night by night in the order of the data window each night "
                "tested (not the order of the store's run ids). Built by vigil %s only from stored runs; nothing was "
                "recomputed. Range: windows ending from %s to %s.", vigil_version(), from ? from : "the first", to ? to : "the last");
    if (!c->audit.ok)
        vigil_doc_box(d, "fail banner", "AUDIT CHAIN BROKEN \xe2\x80\x94 STORE TAMPERED.", c->audit.message);
    vigil_doc_h(d, 2, "nights", "1. Nights");
    nights_table(c);
    char b[512];
    snprintf(b, sizeof b, "%zu stored night%s: %zu alarmed, %zu failed; %zu night%s without a run.", c->nn,
             c->nn == 1 ? "" : "s", c->n_alarms, c->n_failed, c->n_missing, c->n_missing == 1 ? "" : "s");
    int bad = c->n_alarms || c->n_failed || c->n_missing;
    vigil_doc_box(d, bad ? "warn" : "ok", bad ? "Needs attention:" : "Quiet record:", b);
    const char *cfg0 = NULL;
    for (size_t i = 0; i < c->nn; i++) {
        const char *h = c->n[i].info.config_sha256;
        if (!h) continue;
        if (!cfg0) cfg0 = h, c->n_configs = 1;
        else if (strcmp(cfg0, h) != 0) c->n_configs = 2;
    }
    if (c->n_configs > 1)
        vigil_doc_box(d, "warn", "The monitor file changed:",
                      "not every night ran the same configuration (see the SHA-256 of each in section 5); nights before "
                      "and after a change may not be comparable.");
    vigil_doc_h(d, 2, "features", "2. Features");
    features_table(c);
    vigil_doc_h(d, 2, "performance", "3. Performance");
    if (has_performance(c)) {
        vigil_doc_p(d, "Before a night's outcomes arrive its performance is estimated from the scores alone (NannyML's "
                    "confidence-based performance estimation, valid only for a model calibrated on the reference "
                    "window, which each night tested); once labels mature the realised value of the labelled cases "
                    "stands beside it. A realised value outside the estimate's interval means the outcome given the "
                    "score changed, which no estimate without labels can see.");
        performance_table(c);
        if (has_subgroups(c)) {
            vigil_doc_p(d, "Per subgroup level ($.data.columns.groups) the realised performance is that of vigil metrics "
                        "--group on the night's labelled cases, under its cell-size policy: a level under min_cell cases, "
                        "and the next smallest when the withheld levels together would give a small count away, is "
                        "suppressed whole; a level's AUROC when it has fewer than min_cell events or non-events, its "
                        "sensitivity and PPV when a count of flag x outcome is a small cell, and its O/E when its "
                        "prevalence is withheld.");
            subgroup_table(c);
        }
    } else
        vigil_doc_p(d, "No night in the range estimated or measured its performance (a monitor needs a score, a "
                    "label and, for the estimate, a threshold).");
    vigil_doc_h(d, 2, "plots", "4. Trends");
    plots(c);
    vigil_doc_h(d, 2, "audit", "5. Audit and reproduction");
    char a[1400];
    snprintf(a, sizeof a, "%s Chain head: %s.", c->audit.ok ? "The audit chain verifies." : c->audit.message, c->audit.head);
    vigil_doc_box(d, c->audit.ok ? "ok" : "fail", c->audit.ok ? "Audit chain verified." : "AUDIT CHAIN BROKEN.", a);
    vigil_doc_p(d, "Commands that reproduce each night (the window is stored, so --now gives the same window):");
    reproduce(c);
    cJSON *ev = d->evidence;
    cJSON_AddStringToObject(ev, "kind", "monitor_record");
    cJSON_AddStringToObject(ev, "monitor", c->name);
    if (from) cJSON_AddStringToObject(ev, "from", from);
    else cJSON_AddNullToObject(ev, "from");
    if (to) cJSON_AddStringToObject(ev, "to", to);
    else cJSON_AddNullToObject(ev, "to");
    cJSON_AddNumberToObject(ev, "nights", (double)c->nn);
    cJSON_AddNumberToObject(ev, "alarmed", (double)c->n_alarms);
    cJSON_AddNumberToObject(ev, "failed", (double)c->n_failed);
    cJSON_AddNumberToObject(ev, "missing", (double)c->n_missing);
    cJSON *au = cJSON_AddObjectToObject(ev, "audit");
    cJSON_AddBoolToObject(au, "ok", c->audit.ok);
    cJSON_AddStringToObject(au, "head", c->audit.head);
    cJSON_AddStringToObject(ev, "report_tool_version", vigil_version());
}

int vigil_report_write_monitor(vigil_store *s, const char *name, const char *from, const char *to,
                               const vigil_report_options *opt, vigil_report_monitor_summary *out)
{
    if (!s || !name || !*name || !opt || !opt->out_dir || !*opt->out_dir)
        return vigil_error_set(VIGIL_EINVAL, "report: a monitor name and an output directory are required");
    vigil_report_monitor_summary dummy;
    if (!out) out = &dummy;
    memset(out, 0, sizeof *out);
    char exe[4096];
    if (opt->pdf && !vigil_report_pdf_available(exe, sizeof exe)) return vigil_error_set(VIGIL_EINVAL, "%s", VIGIL_REPORT_NO_PDF);
    mctx c;
    memset(&c, 0, sizeof c);
    c.s = s, c.o = opt, c.name = name;
    int rc = vigil_mrec_load(&c, from, to);
    if (rc) goto done;
    vigil_doc_init(&c.d, c.min_cell);
    build(&c, from, to);
    if (c.d.html.failed || c.d.md.failed) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory building the report");
        goto done;
    }
    out->nights = c.nn;
    out->alarmed = c.n_alarms;
    out->failed = c.n_failed;
    out->missing = c.n_missing;
    out->audit_ok = c.audit.ok;
    memcpy(out->audit_head, c.audit.head, sizeof out->audit_head);
    out->n_plots = c.d.n_plots;
    out->n_plots_drawn = c.d.n_drawn;
    vigil_sbuf hdr = {0};
    char head[512];
    snprintf(head, sizeof head, "vigil drift monitor record: %.200s \xc2\xb7 audit head %.16s", name, c.audit.head);
    vigil_css_str(&hdr, head);
    char title[300];
    snprintf(title, sizeof title, "vigil drift monitor record: %.200s", name);
    vigil_report_dir_options wo = {opt->force, opt->pdf, hdr.s, title};
    rc = hdr.failed ? vigil_error_set(VIGIL_ENOMEM, "out of memory") : vigil_report_write_dir(opt->out_dir, &c.d, NULL, &wo);
    vigil_sbuf_free(&hdr);
done:
    vigil_mrec_free(&c);
    return rc;
}

void vigil_mrec_free(mctx *c)
{
    for (size_t i = 0; i < c->nn; i++) {
        vigil_run_info_clear(&c->n[i].info);
        cJSON_Delete(c->n[i].doc);
    }
    free(c->n);
    vigil_doc_free(&c->d);
    memset(c, 0, sizeof *c);
}

void vigil_report_monitor_night_clear(vigil_report_monitor_night *n)
{
    if (!n) return;
    for (size_t i = 0; i < n->n_alarms; i++) free(n->alarms[i]);
    free(n->alarms);
    free(n->largest_feature);
    for (size_t i = 0; i < n->n_levels; i++) free(n->level_name[i]);
    free(n->level_name), free(n->level_auroc), free(n->level_oe), free(n->level_withheld);
    memset(n, 0, sizeof *n);
    n->largest_effect = NAN;
    n->auroc = n->auroc_lo = n->auroc_hi = n->oe_ratio = NAN;
}

/* The night's realised performance (performance, performance.subgroups) into out. */
static int night_performance(const cJSON *pf, vigil_report_monitor_night *out)
{
    const cJSON *g, *l;
    out->has_performance = 1;
    out->auroc = jnum(pf, "auroc.value"), out->auroc_lo = jnum(pf, "auroc.ci_low"), out->auroc_hi = jnum(pf, "auroc.ci_high");
    out->oe_ratio = jnum(pf, "oe_ratio.value");
    size_t n = 0;
    cJSON_ArrayForEach(g, jp(pf, "subgroups")) n += (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(g, "levels"));
    if (!n) return VIGIL_OK;
    if (!(out->level_name = calloc(n, sizeof *out->level_name)) || !(out->level_auroc = malloc(n * sizeof(double))) ||
        !(out->level_oe = malloc(n * sizeof(double))) || !(out->level_withheld = calloc(n, sizeof(unsigned))))
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    cJSON_ArrayForEach(g, jp(pf, "subgroups"))
    {
        cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(g, "levels"))
        {
            vigil_sbuf b = {0};
            vigil_sbuf_printf(&b, "%s=%s", g->string, l->string);
            if (b.failed) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
            size_t k = out->n_levels++;
            out->level_name[k] = b.s;
            out->level_auroc[k] = jnum(cJSON_GetObjectItemCaseSensitive(l, "auroc"), "value");
            out->level_oe[k] = jnum(cJSON_GetObjectItemCaseSensitive(l, "oe_ratio"), "value");
            const char *wa = js(cJSON_GetObjectItemCaseSensitive(l, "auroc"), "why");
            const char *wo = js(cJSON_GetObjectItemCaseSensitive(l, "oe_ratio"), "why");
            out->level_withheld[k] = (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(l, "withheld")) ? VIGIL_REPORT_WITHHELD_LEVEL : 0u) |
                                     (wa && strstr(wa, "cell-size") ? VIGIL_REPORT_WITHHELD_AUROC : 0u) |
                                     (wo && strstr(wo, "cell-size") ? VIGIL_REPORT_WITHHELD_OE : 0u);
        }
    }
    return VIGIL_OK;
}

int vigil_report_monitor_night_get(vigil_store *s, const vigil_run_info *run, vigil_report_monitor_night *out)
{
    memset(out, 0, sizeof *out);
    out->largest_effect = NAN;
    out->auroc = out->auroc_lo = out->auroc_hi = out->oe_ratio = NAN;
    if (!run || !run->kind || strcmp(run->kind, "monitor") != 0)
        return vigil_error_set(VIGIL_EINVAL, "run %lld is not a monitor run", run ? (long long)run->id : 0LL);
    night x;
    memset(&x, 0, sizeof x);
    x.info = *run; /* borrowed: never cleared here */
    char *doc = NULL;
    int rc = VIGIL_OK;
    if (run->status && strcmp(run->status, "completed") == 0 && vigil_store_get_document(s, run->id, "result", &doc) == 0) {
        x.doc = cJSON_Parse(doc);
        free(doc);
        if (!cJSON_IsObject(x.doc)) {
            cJSON_Delete(x.doc);
            return vigil_error_set(VIGIL_EINVAL, "run %lld: the stored monitor result is not a JSON object", (long long)run->id);
        }
    }
    place(&x);
    snprintf(out->window, sizeof out->window, "%s", x.label);
    if (x.doc) {
        out->has_result = 1;
        const cJSON *al = jp(x.doc, "alarms"), *a;
        size_t n = (size_t)cJSON_GetArraySize(al);
        if (n && !(out->alarms = calloc(n, sizeof *out->alarms))) rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        cJSON_ArrayForEach(a, al) if (!rc && cJSON_IsString(a))
        {
            if (!(out->alarms[out->n_alarms] = vigil_strdup(a->valuestring))) rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            else out->n_alarms++;
        }
        const char *who = NULL;
        out->largest_effect = vigil_mrec_largest(x.doc, &who);
        if (!rc && who && !(out->largest_feature = vigil_strdup(who))) rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        if (!rc && jp(x.doc, "performance")) rc = night_performance(jp(x.doc, "performance"), out);
    }
    cJSON_Delete(x.doc);
    if (rc) vigil_report_monitor_night_clear(out);
    return rc;
}
