/* Time-to-event validation inside the metrics report: vigil/survival.h overall and per subgroup
 * level, under the report's cell-size policy, and its JSON, text and store
 * (metrics_report_survival.h).
 *
 * The cell-size policy here. A scope's block carries four counts (subjects, events by H,
 * censored by H, followed event-free past H) and numbers a small count could be read back from
 * (a KM risk of 3 events in 40). A scope shows its block only when each count is 0 or at least
 * min_cell. The levels of a group partition the cases, so a withheld level's counts are the
 * overall ones minus the shown levels': rather than search for a safe subset, a group shows its
 * levels' blocks all or none -- none when any level fails (or is withheld by the report), when
 * the overall block is withheld, or when a group it refines (sex+race refines sex) shows none.
 * Inside a block the calibration groups follow the same rule: the curve is shown whole or not
 * at all, with fewer risk groups (10 down to 2) until each holds 0 or at least min_cell
 * subjects, events by H and subjects without one (vigil_fairness_rate_ok). */
#include "stats/metrics_report_survival.h"
#include "stats/metrics_report.h"
#include "stats/survival.h"
#include "vigil/error.h"
#include "vigil/fairness.h"
#include "vigil/survival.h"
#include "core/json.h"
#include "core/util.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char k_method[] =
    "IPCW at the horizon with a marginal Kaplan-Meier censoring model, as riskRegression::Score"
    "(cens.model = \"km\"); CIs value -/+ z se, se from Score's influence function (conservative = FALSE)";

typedef struct {
    char *name;
    size_t n;
    int shown;         /* the block is shown (cell-size policy) */
    int curve_shown;   /* its calibration curve too */
    vigil_survival s;
} sscope;

typedef struct {
    char *name;
    size_t n_levels;
    sscope *lv;
    uint32_t *code;    /* level of each case */
    int shown;         /* the group's level blocks */
    const char *why;   /* why not, static text */
} sgroup;

struct vm_survival {
    sscope all;
    sgroup *g;
    size_t ng;
    size_t min_cell;
    int only;          /* no label: the report is this block */
};

void vigil_stats_survival_free(vm_survival *v)
{
    if (!v) return;
    free(v->all.name);
    for (size_t g = 0; g < v->ng; g++) {
        for (size_t l = 0; l < v->g[g].n_levels; l++) free(v->g[g].lv[l].name);
        free(v->g[g].lv);
        free(v->g[g].name);
        free(v->g[g].code);
    }
    free(v->g);
    free(v);
}

static int counts_ok(const vigil_survival *s, size_t mc)
{
    return vigil_fairness_count_ok(s->n, mc) && vigil_fairness_count_ok(s->events_by_horizon, mc) &&
           vigil_fairness_count_ok(s->censored_before_horizon, mc) && vigil_fairness_count_ok(s->event_free, mc);
}

/* A risk group shows its subjects and its events by H, so the rest (n - events) as well: each
 * group's events are a rate under the policy (vigil_fairness_rate_ok: events, the rest and n). */
static int curve_ok(const vigil_survival *s, size_t mc)
{
    for (size_t j = 0; j < s->n_groups; j++)
        if (!vigil_fairness_rate_ok(s->group[j].events_by_horizon, s->group[j].n, mc)) return 0;
    return 1;
}

/* The block's policy; the calibration curve takes fewer risk groups (down to 2) until each
 * holds 0 or at least min_cell subjects, events and non-events. */
static int scope_policy(sscope *s, size_t mc, const double *risk, const double *time, const double *event,
                        double level)
{
    s->shown = counts_ok(&s->s, mc);
    s->curve_shown = s->shown && curve_ok(&s->s, mc);
    for (size_t k = s->s.n_groups; s->shown && !s->curve_shown && k-- > 2;) {
        int rc = vigil_stats_survival_regroup(&s->s, risk, time, event, (size_t)s->s.n, s->s.horizon, k, level);
        if (rc) return rc;
        s->curve_shown = curve_ok(&s->s, mc);
    }
    return VIGIL_OK;
}

/* Levels as the report makes them: the spec's levels that have cases, in order, then
 * "(missing)" for codes out of range. */
static int build_levels(sgroup *g, const vigil_metrics_group *spec, size_t n)
{
    size_t L = spec->n_levels + 1, *map = calloc(L, sizeof *map), nl = 0;
    if (!map || !(g->name = vigil_strdup(spec->name)) || !(g->code = malloc(n * sizeof *g->code)) ||
        !(g->lv = calloc(L, sizeof *g->lv))) {
        free(map);
        return VIGIL_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        int32_t c = spec->codes[i];
        map[c >= 0 && (size_t)c < spec->n_levels ? (size_t)c : L - 1]++;
    }
    for (size_t l = 0; l < L; l++) {
        if (!map[l]) continue;
        g->lv[nl].n = map[l];
        if (!(g->lv[nl].name = vigil_strdup(l < L - 1 ? spec->levels[l] : "(missing)"))) {
            free(map);
            return VIGIL_ENOMEM;
        }
        map[l] = nl++;
    }
    g->n_levels = nl;
    for (size_t i = 0; i < n; i++) {
        int32_t c = spec->codes[i];
        g->code[i] = (uint32_t)map[c >= 0 && (size_t)c < spec->n_levels ? (size_t)c : L - 1];
    }
    free(map);
    return VIGIL_OK;
}

/* b refines a: every level of b has its cases in one level of a. */
static int refines(const sgroup *b, const sgroup *a, size_t n, int32_t *outer)
{
    for (size_t l = 0; l < b->n_levels; l++) outer[l] = -1;
    for (size_t i = 0; i < n; i++) {
        uint32_t lb = b->code[i], la = a->code[i];
        if (outer[lb] < 0) outer[lb] = (int32_t)la;
        else if ((uint32_t)outer[lb] != la) return 0;
    }
    return 1;
}

static int group_policy(vm_survival *v, const vigil_metrics_report *r, size_t n)
{
    size_t maxl = 1;
    for (size_t g = 0; g < v->ng; g++) {
        sgroup *G = &v->g[g];
        if (G->n_levels > maxl) maxl = G->n_levels;
        G->shown = v->all.shown;
        G->why = G->shown ? NULL : "the overall block is withheld (cell-size policy): the levels would add up to it";
        for (size_t l = 0; l < G->n_levels && G->shown; l++) {
            int report_withholds = !v->only && r->g && g < r->ng && l < r->g[g].n_levels && r->g[g].lv[l].suppressed;
            if (report_withholds || !G->lv[l].shown) {
                G->shown = 0;
                G->why = "a level's counts fall under the cell-size floor: withholding it alone would let the "
                         "others give its counts away, so every level's block is withheld";
            }
        }
    }
    int32_t *outer = malloc(maxl * sizeof *outer);
    if (!outer) return VIGIL_ENOMEM;
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t b = 0; b < v->ng; b++)
            for (size_t a = 0; a < v->ng; a++)
                if (a != b && v->g[b].shown && !v->g[a].shown && refines(&v->g[b], &v->g[a], n, outer)) {
                    v->g[b].shown = 0;
                    v->g[b].why = "it refines a group whose levels' blocks are withheld: its levels would add up to them";
                    changed = 1;
                }
    }
    free(outer);
    for (size_t g = 0; g < v->ng; g++)
        if (!v->g[g].shown)
            for (size_t l = 0; l < v->g[g].n_levels; l++) v->g[g].lv[l].shown = v->g[g].lv[l].curve_shown = 0;
    return VIGIL_OK;
}

int vigil_stats_survival_build(vigil_metrics_report *r, const double *score, size_t n,
                               const vigil_metrics_group *groups, size_t n_groups)
{
    const vigil_metrics_options *o = &r->o;
    if (!o->time || !o->event) return VIGIL_OK;
    vigil_survival_options so = VIGIL_SURVIVAL_OPTIONS_INIT;
    so.level = o->level > 0 && o->level < 1 ? o->level : 0.95;
    so.threads = o->threads;
    vm_survival *v = calloc(1, sizeof *v);
    double *buf = malloc(3 * n * sizeof *buf);
    int rc = VIGIL_OK;
    if (!v || !buf) goto oom;
    r->survival = v;
    v->min_cell = vigil_fairness_min_cell(o->min_cell);
    if (!(v->all.name = vigil_strdup("overall"))) goto oom;
    v->all.n = n;
    if ((rc = vigil_survival_compute(&v->all.s, score, o->time, o->event, n, o->horizon, &so)) != 0) goto done;
    if ((rc = scope_policy(&v->all, v->min_cell, score, o->time, o->event, so.level)) != 0) goto done;
    if (v->all.s.auc_reason)
        vigil_warn("the time-dependent AUROC at horizon %g is not defined (%s): it is null, with the reason", o->horizon,
                   v->all.s.auc_reason);
    if (n_groups && !(v->g = calloc(n_groups, sizeof *v->g))) goto oom;
    for (size_t g = 0; g < n_groups; g++) {
        v->ng = g + 1;
        sgroup *G = &v->g[g];
        if (build_levels(G, &groups[g], n) != 0) goto oom;
        for (size_t l = 0; l < G->n_levels; l++) {
            size_t m = 0;
            for (size_t i = 0; i < n; i++)
                if (G->code[i] == l) {
                    buf[m] = score[i], buf[n + m] = o->time[i], buf[2 * n + m] = o->event[i];
                    m++;
                }
            if ((rc = vigil_stats_survival_subset(&G->lv[l].s, buf, buf + n, buf + 2 * n, m, o->horizon, &so)) != 0)
                goto done;
            if ((rc = scope_policy(&G->lv[l], v->min_cell, buf, buf + n, buf + 2 * n, so.level)) != 0) goto done;
        }
    }
    if (group_policy(v, r, n) != 0) goto oom;
    goto done;
oom:
    rc = vigil_error_set(VIGIL_ENOMEM, "out of memory computing the time-to-event block");
done:
    free(buf);
    if (!r->survival) vigil_stats_survival_free(v);
    return rc;
}

int vigil_stats_survival_only(const vigil_metrics_report *r) { return r && r->survival && r->survival->only; }

int vigil_stats_survival_only_compute(vigil_metrics_report **out, const double *score, size_t n,
                                      const vigil_metrics_group *groups, size_t n_groups,
                                      const vigil_metrics_options *opts)
{
    double t0 = vigil_seconds();
    *out = NULL;
    vigil_metrics_report *r = calloc(1, sizeof *r);
    if (!r) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    r->o = *opts;
    r->o.min_cell = vigil_fairness_min_cell(r->o.min_cell);
    if (!(r->o.level > 0 && r->o.level < 1)) r->o.level = 0.95;
    r->n = n;
    int rc = VIGIL_OK;
    for (size_t i = 0; i < n && !rc; i++)
        if (!(score[i] >= 0 && score[i] <= 1))
            rc = vigil_error_set(VIGIL_EINVAL, "score: row %zu: value %g is not a probability in [0, 1]", i + 1,
                                 score[i]);
    if (!rc && n < r->o.min_cell)
        rc = vigil_error_set(VIGIL_EINVAL, "fewer than %zu cases: the cell-size policy withholds every statistic",
                             r->o.min_cell);
    if (!rc) rc = vigil_stats_survival_build(r, score, n, groups, n_groups);
    if (!rc) {
        r->survival->only = 1;
        r->o.time = r->o.event = NULL; /* the caller's */
        r->seconds = vigil_seconds() - t0;
        *out = r;
        return VIGIL_OK;
    }
    vigil_metrics_report_free(r);
    return rc;
}

/* ---- JSON -------------------------------------------------------------------------------- */

/* The methods of the block's intervals, as the report's legends show them. */
#define VIGIL_SURV_CI_IF "Wald, se from the influence function (riskRegression::Score)"
#define VIGIL_SURV_CI_KM "Kaplan-Meier, survfit's log interval"
#define VIGIL_SURV_CI_IJ "Wald, se from the infinitesimal jackknife (survival::concordance)"

static cJSON *interval(cJSON *o, const char *key, double v, double se, double lo, double hi)
{
    cJSON *x = cJSON_AddObjectToObject(o, key);
    vigil_json_add_number(x, "value", v);
    vigil_json_add_number(x, "ci_low", lo);
    vigil_json_add_number(x, "ci_high", hi);
    vigil_json_add_number(x, "se", se);
    /* the interval's method beside it (issue 18) */
    if (isfinite(lo) || isfinite(hi)) cJSON_AddStringToObject(x, "ci_method", VIGIL_SURV_CI_IF);
    return x;
}

static void block_json(cJSON *parent, const sscope *sc, const char *withheld_why, int overall, size_t min_cell)
{
    cJSON *o = cJSON_AddObjectToObject(parent, "survival");
    const vigil_survival *s = &sc->s;
    vigil_json_add_number(o, "horizon", s->horizon);
    if (!sc->shown) {
        cJSON_AddTrueToObject(o, "withheld");
        cJSON_AddStringToObject(o, "reason", withheld_why ? withheld_why
                                                          : "a count falls under the cell-size floor (cell-size policy)");
        return;
    }
    vigil_json_add_number(o, "n", s->n);
    vigil_json_add_number(o, "events_by_horizon", s->events_by_horizon);
    vigil_json_add_number(o, "censored_before_horizon", s->censored_before_horizon);
    vigil_json_add_number(o, "event_free_past_horizon", s->event_free);
    cJSON *a = interval(o, "auc", s->auc, s->auc_se, s->auc_ci_low, s->auc_ci_high);
    if (s->auc_reason) cJSON_AddStringToObject(a, "reason", s->auc_reason);
    interval(o, "brier", s->brier, s->brier_se, s->brier_ci_low, s->brier_ci_high);
    vigil_json_add_number(o, "c_harrell", s->c_harrell);
    cJSON *ch = cJSON_AddObjectToObject(o, "c_harrell_ci");
    vigil_json_add_number(ch, "ci_low", s->c_harrell_ci_low);
    vigil_json_add_number(ch, "ci_high", s->c_harrell_ci_high);
    vigil_json_add_number(ch, "se", s->c_harrell_se);
    if (isfinite(s->c_harrell_ci_low) || isfinite(s->c_harrell_ci_high)) cJSON_AddStringToObject(ch, "ci_method", VIGIL_SURV_CI_IJ);
    vigil_json_add_number(o, "km_risk", s->km_risk);
    cJSON *k = cJSON_AddObjectToObject(o, "km_risk_ci");
    vigil_json_add_number(k, "ci_low", s->km_ci_low);
    vigil_json_add_number(k, "ci_high", s->km_ci_high);
    if (isfinite(s->km_ci_low) || isfinite(s->km_ci_high)) cJSON_AddStringToObject(k, "ci_method", VIGIL_SURV_CI_KM);
    vigil_json_add_number(o, "mean_risk", s->mean_risk);
    vigil_json_add_number(o, "oe_ratio", s->oe_ratio);
    cJSON *cal = cJSON_AddObjectToObject(o, "calibration");
    if (overall)
        cJSON_AddStringToObject(cal, "method", "equal-mass risk groups (numpy.array_split sizes): mean risk against "
                                               "1 - Kaplan-Meier survival at the horizon, survfit's log interval");
    if (!sc->curve_shown) {
        cJSON_AddTrueToObject(cal, "withheld");
        cJSON_AddStringToObject(cal, "reason", "a risk group has 1 to min_cell - 1 subjects, events by the horizon or subjects without one "
                                               "(cell-size policy), even in two groups");
    } else {
        cJSON_AddNumberToObject(cal, "n_groups", (double)s->n_groups);
        cJSON *bins = cJSON_AddArrayToObject(cal, "groups");
        for (size_t j = 0; j < s->n_groups; j++) {
            const vigil_survival_group *q = &s->group[j];
            cJSON *b = cJSON_CreateObject();
            vigil_json_add_number(b, "n", q->n);
            vigil_json_add_number(b, "events_by_horizon", q->events_by_horizon);
            vigil_json_add_number(b, "mean_risk", q->mean_risk);
            vigil_json_add_number(b, "observed", q->observed);
            vigil_json_add_number(b, "ci_low", q->ci_low);
            vigil_json_add_number(b, "ci_high", q->ci_high);
            if (isfinite(q->ci_low) || isfinite(q->ci_high)) cJSON_AddStringToObject(b, "ci_method", VIGIL_SURV_CI_KM);
            /* the group's KM risk on a grid of times up to H; a point where fewer than
             * min_cell subjects remain at risk is withheld (its steps would show single events) */
            cJSON *cv = cJSON_AddArrayToObject(b, "km_curve");
            for (size_t g = 0; g < VIGIL_SURVIVAL_CURVE; g++) {
                cJSON *pt = cJSON_CreateObject();
                int ok = vigil_fairness_count_ok(q->curve_at_risk[g], min_cell) && q->curve_at_risk[g] > 0;
                vigil_json_add_number(pt, "time", q->curve_time[g]);
                vigil_json_add_number(pt, "risk", ok ? q->curve_risk[g] : NAN);
                vigil_json_add_number(pt, "at_risk", ok ? q->curve_at_risk[g] : NAN);
                cJSON_AddItemToArray(cv, pt);
            }
            cJSON_AddItemToArray(bins, b);
        }
    }
    if (!overall) return;
    cJSON_AddStringToObject(o, "method", k_method);
    cJSON_AddStringToObject(o, "c_harrell_method", "survival::concordance(reverse = TRUE) over the whole follow-up; "
                                                   "se: its infinitesimal jackknife ($var), interval C -/+ z se");
}

static void levels_json(cJSON *subgroups, const vm_survival *v)
{
    for (size_t g = 0; g < v->ng; g++) {
        const sgroup *G = &v->g[g];
        cJSON *go = cJSON_GetObjectItemCaseSensitive(subgroups, G->name);
        if (!go) go = cJSON_AddObjectToObject(subgroups, G->name);
        cJSON *lv = cJSON_GetObjectItemCaseSensitive(go, "levels");
        if (!lv) lv = cJSON_AddObjectToObject(go, "levels");
        for (size_t l = 0; l < G->n_levels; l++) {
            cJSON *lo = cJSON_GetObjectItemCaseSensitive(lv, G->lv[l].name);
            if (!lo) { /* survival only: the level's own n and suppressed flag */
                lo = cJSON_AddObjectToObject(lv, G->lv[l].name);
                vigil_json_add_number(lo, "n", G->shown ? (double)G->lv[l].n : NAN);
                cJSON_AddBoolToObject(lo, "suppressed", !G->shown);
            }
            block_json(lo, &G->lv[l], G->why, 0, v->min_cell);
        }
    }
}

void vigil_stats_survival_json(cJSON *doc, const vigil_metrics_report *r)
{
    const vm_survival *v = r->survival;
    if (!v || !doc) return;
    block_json(doc, &v->all, NULL, 1, v->min_cell);
    cJSON *sg = cJSON_GetObjectItemCaseSensitive(doc, "subgroups");
    if (!sg && v->ng) sg = cJSON_AddObjectToObject(doc, "subgroups");
    if (sg) levels_json(sg, v);
}

cJSON *vigil_stats_survival_only_cjson(const vigil_metrics_report *r, double seconds_load, double seconds_write)
{
    cJSON *doc = cJSON_CreateObject();
    if (!doc) return NULL;
    cJSON_AddNumberToObject(doc, "n", (double)r->n);
    cJSON_AddNullToObject(doc, "label");
    cJSON_AddStringToObject(doc, "label_note", "no --label: the 0/1 metrics need one; the survival block keeps "
                                               "every subject, censored ones included");
    vigil_stats_survival_json(doc, r);
    cJSON *sec = cJSON_AddObjectToObject(doc, "seconds");
    vigil_json_add_number(sec, "load", seconds_load);
    vigil_json_add_number(sec, "compute", r->seconds);
    vigil_json_add_number(sec, "write", seconds_write);
    return doc;
}

/* ---- text -------------------------------------------------------------------------------- */

static void num(vigil_sbuf *b, double v)
{
    if (isfinite(v)) vigil_sbuf_printf(b, " %8.4f", v);
    else vigil_sbuf_printf(b, " %8s", "-");
}

static void block_text(vigil_sbuf *b, const sscope *sc, int header)
{
    const vigil_survival *s = &sc->s;
    if (header)
        vigil_sbuf_printf(b, "  %-20s %8s %8s %8s %8s %8s %8s %8s %8s\n", "scope", "n", "events", "AUROC(t)", "lo",
                          "hi", "Brier(t)", "C", "KM risk");
    vigil_sbuf_printf(b, "  %-20.20s", sc->name);
    if (!sc->shown) {
        vigil_sbuf_printf(b, " %8s  withheld (cell-size policy)\n", "-");
        return;
    }
    vigil_sbuf_printf(b, " %8.0f %8.0f", s->n, s->events_by_horizon);
    num(b, s->auc), num(b, s->auc_ci_low), num(b, s->auc_ci_high), num(b, s->brier), num(b, s->c_harrell);
    num(b, s->km_risk);
    vigil_sbuf_printf(b, "\n");
}

void vigil_stats_survival_text(vigil_sbuf *b, const vigil_metrics_report *r)
{
    const vm_survival *v = r->survival;
    if (!v) return;
    const vigil_survival *s = &v->all.s;
    vigil_sbuf_printf(b, "time to event at horizon %g (IPCW, Kaplan-Meier censoring model, as riskRegression::Score)\n",
                      s->horizon);
    block_text(b, &v->all, 1);
    if (v->all.shown) {
        vigil_sbuf_printf(b, "  censored by the horizon %.0f, event-free past it %.0f; Brier(t) CI [%.4f, %.4f]; "
                             "KM risk CI [%.4f, %.4f]; mean risk %.4f, O/E %.4f\n",
                          s->censored_before_horizon, s->event_free, s->brier_ci_low, s->brier_ci_high, s->km_ci_low,
                          s->km_ci_high, s->mean_risk, s->oe_ratio);
        if (s->auc_reason) vigil_sbuf_printf(b, "  AUROC(t) not defined: %s\n", s->auc_reason);
        if (v->all.curve_shown) {
            vigil_sbuf_printf(b, "  calibration at the horizon (risk groups): %8s %8s %8s %8s %8s\n", "n", "mean",
                              "observed", "lo", "hi");
            for (size_t j = 0; j < s->n_groups; j++) {
                const vigil_survival_group *q = &s->group[j];
                vigil_sbuf_printf(b, "  %41zu %8.0f", j + 1, q->n);
                num(b, q->mean_risk), num(b, q->observed), num(b, q->ci_low), num(b, q->ci_high);
                vigil_sbuf_printf(b, "\n");
            }
        } else {
            vigil_sbuf_printf(b, "  calibration at the horizon: withheld (a risk group under the cell-size floor)\n");
        }
    }
    for (size_t g = 0; g < v->ng; g++) {
        vigil_sbuf_printf(b, "  by %s%s%s\n", v->g[g].name, v->g[g].why ? ": withheld, " : "",
                          v->g[g].why ? v->g[g].why : "");
        if (!v->g[g].why)
            for (size_t l = 0; l < v->g[g].n_levels; l++) block_text(b, &v->g[g].lv[l], 0);
    }
}

/* ---- store ------------------------------------------------------------------------------- */

static int store_block(vigil_results *res, const char *scope_name, const sscope *sc)
{
    if (!sc->shown) return VIGIL_OK;
    const vigil_survival *s = &sc->s;
    int rc = 0;
#define ADD(name, v, lo, hi) \
    if (isfinite(v)) rc |= vigil_results_add_metric(res, scope_name, name, v, lo, hi);
    ADD("survival_auroc", s->auc, s->auc_ci_low, s->auc_ci_high)
    ADD("survival_brier", s->brier, s->brier_ci_low, s->brier_ci_high)
    ADD("c_harrell", s->c_harrell, s->c_harrell_ci_low, s->c_harrell_ci_high)
    ADD("km_risk", s->km_risk, s->km_ci_low, s->km_ci_high)
    ADD("oe_ratio", s->oe_ratio, NAN, NAN)
    ADD("events_by_horizon", s->events_by_horizon, NAN, NAN)
#undef ADD
    return rc ? VIGIL_EDB : VIGIL_OK;
}

int vigil_stats_survival_store(const vigil_metrics_report *r, vigil_results *res)
{
    const vm_survival *v = r->survival;
    if (!v) return VIGIL_OK;
    int rc = VIGIL_OK;
    if (v->only && vigil_results_add_metric(res, "overall", "n", (double)r->n, NAN, NAN)) rc = VIGIL_EDB;
    if (!rc) rc = store_block(res, "overall", &v->all);
    for (size_t g = 0; g < v->ng && !rc; g++)
        for (size_t l = 0; l < v->g[g].n_levels && !rc; l++) {
            if (!v->g[g].lv[l].shown) continue;
            vigil_sbuf b = {0};
            vigil_sbuf_printf(&b, "%s=%s", v->g[g].name, v->g[g].lv[l].name);
            if (!b.s) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
            rc = store_block(res, b.s, &v->g[g].lv[l]);
            free(b.s);
        }
    return rc;
}

/* ---- typed getter ------------------------------------------------------------------------ */

static void given(vigil_metric_value *o, vigil_metric_status st, double v, double lo, double hi, const char *why)
{
    o->value = v, o->ci_low = lo, o->ci_high = hi;
    o->status = st;
    o->ci_method = NULL;
    snprintf(o->why, sizeof o->why, "%s", why ? why : "");
}

int vigil_stats_survival_get(vigil_metric_value *o, const vigil_metrics_report *r, const vigil_metric_def *m,
                             const char *grp, const char *level)
{
    const vm_survival *v = r->survival;
    given(o, VIGIL_METRIC_UNDEFINED, NAN, NAN, NAN, NULL);
    if (!v) return vigil_error_set(VIGIL_EINVAL, "metric '%s' needs follow-up times (--time, --event, --horizon)", m->name);
    if (!grp != !level) return vigil_error_set(VIGIL_EINVAL, "metric '%s' is given overall or per level", m->name);
    const sscope *sc = &v->all;
    const char *why = "withheld (cell-size policy)";
    if (grp) {
        size_t g = 0, l = 0;
        while (g < v->ng && strcmp(v->g[g].name, grp) != 0) g++;
        if (g == v->ng) return vigil_error_set(VIGIL_EINVAL, "the report has no group '%s'", grp);
        while (l < v->g[g].n_levels && strcmp(v->g[g].lv[l].name, level) != 0) l++;
        if (l == v->g[g].n_levels) return vigil_error_set(VIGIL_EINVAL, "group '%s' has no level '%s'", grp, level);
        sc = &v->g[g].lv[l];
        if (v->g[g].why) why = v->g[g].why;
    }
    if (!sc->shown) {
        given(o, VIGIL_METRIC_WITHHELD, NAN, NAN, NAN, why);
        return VIGIL_OK;
    }
    const vigil_survival *s = &sc->s;
    const char *k = m->key;
    if (strcmp(k, "survival_auroc") == 0) given(o, VIGIL_METRIC_OK, s->auc, s->auc_ci_low, s->auc_ci_high, NULL);
    else if (strcmp(k, "survival_brier") == 0)
        given(o, VIGIL_METRIC_OK, s->brier, s->brier_ci_low, s->brier_ci_high, NULL);
    else if (strcmp(k, "c_harrell") == 0)
        given(o, VIGIL_METRIC_OK, s->c_harrell, s->c_harrell_ci_low, s->c_harrell_ci_high, NULL);
    else if (strcmp(k, "km_risk") == 0) given(o, VIGIL_METRIC_OK, s->km_risk, s->km_ci_low, s->km_ci_high, NULL);
    else if (strcmp(k, "oe_ratio") == 0) given(o, VIGIL_METRIC_OK, s->oe_ratio, NAN, NAN, NULL);
    else return vigil_error_set(VIGIL_EINVAL, "metric '%s' is not in the survival block", m->name);
    if (!isfinite(o->value))
        given(o, VIGIL_METRIC_UNDEFINED, NAN, NAN, NAN,
              strcmp(k, "survival_auroc") == 0 && s->auc_reason ? s->auc_reason : "not defined on these cases");
    return VIGIL_OK;
}

size_t vigil_stats_survival_n_groups(const vigil_metrics_report *r)
{
    return r && r->survival ? r->survival->ng : 0;
}

const char *vigil_stats_survival_group_name(const vigil_metrics_report *r, size_t g)
{
    return g < vigil_stats_survival_n_groups(r) ? r->survival->g[g].name : NULL;
}

size_t vigil_stats_survival_n_levels(const vigil_metrics_report *r, size_t g)
{
    return g < vigil_stats_survival_n_groups(r) ? r->survival->g[g].n_levels : 0;
}

const char *vigil_stats_survival_level_name(const vigil_metrics_report *r, size_t g, size_t l)
{
    return l < vigil_stats_survival_n_levels(r, g) ? r->survival->g[g].lv[l].name : NULL;
}

int vigil_stats_survival_level_withheld(const vigil_metrics_report *r, size_t g, size_t l)
{
    if (l >= vigil_stats_survival_n_levels(r, g)) return 0;
    return !r->survival->g[g].shown || !r->survival->g[g].lv[l].shown;
}
