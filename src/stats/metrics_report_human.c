/* The human in the loop inside the metrics report: vigil_human_compute (human.c) overall and
 * per subgroup level, under the report's cell-size policy, and its JSON, text, store and typed
 * getter (metrics_report_human.h).
 *
 * The cell-size policy here. Every rate of the human block is a ratio of sums of the two-way
 * counts flag x decision, decision x outcome and flag x outcome (overall also McNemar's
 * discordant counts; for the arms, the cells arm x decision x outcome). When each is 0 or at
 * least min_cell, so is every sum of them, so nothing shown gives a small count away: a scope
 * (overall, a level) shows its human block only then, and withholds it as a whole otherwise. Across the levels of a group (a partition of the cases), the cells of the
 * withheld levels add up to the overall cells minus the shown ones, so their sums must pass
 * too: while one does not, the smallest shown level is withheld as well (complementary
 * withholding, as metrics_report_cells.c does for the other statistics), and likewise inside
 * each level of a group another one nests in (sex+race in sex). A block is never shown
 * where the report withholds the level's prevalence or first threshold row. Overrides by reason
 * follow the same rule over the partition of overrides by reason.
 *
 * The team against the model on the same cases (team_vs_model: sensitivity over the
 * positives, specificity over the negatives) shows the 2x2 of decision correct x flag correct
 * within one outcome: counts of the three-way table flag x decision x outcome that the two-way
 * cells do not determine. Each of the two is shown only where the scope's block is and its four
 * counts pass the same test, with complementary withholding of its own over every partition. */
#include "stats/metrics_report_human.h"
#include "stats/metrics_report.h"
#include "vigil/error.h"
#include "core/json.h"
#include "core/util.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The two-way counts a scope's rates are made of: flag x decision, decision x outcome and
 * flag x outcome, four each. */
#define N_CELLS 12

/* The proportions of a scope, in the order the JSON writes them: key (flat, per level and in
 * the store), the overall document's object and key, and the catalogue name. */
typedef struct {
    const char *flat, *obj, *key;
    size_t off;
} hp_def;

static const hp_def k_props[] = {
    {"agreement", NULL, "agreement", offsetof(vigil_human, agreement)},
    {"override_of_flags", NULL, "override_of_flags", offsetof(vigil_human, override_of_flags)},
    {"override_of_nonflags", NULL, "override_of_nonflags", offsetof(vigil_human, override_of_nonflags)},
    {"team_sensitivity", "team", "sensitivity", offsetof(vigil_human, team_sensitivity)},
    {"team_specificity", "team", "specificity", offsetof(vigil_human, team_specificity)},
    {"team_ppv", "team", "ppv", offsetof(vigil_human, team_ppv)},
    {"model_sensitivity", "model", "sensitivity", offsetof(vigil_human, model_sensitivity)},
    {"model_specificity", "model", "specificity", offsetof(vigil_human, model_specificity)},
    {"model_ppv", "model", "ppv", offsetof(vigil_human, model_ppv)},
    {"flag_rate", NULL, "flag_rate", offsetof(vigil_human, flag_rate)},
};
#define N_PROPS (sizeof k_props / sizeof k_props[0])

static const vigil_proportion *prop_of(const vigil_human *h, size_t k)
{
    return (const vigil_proportion *)((const char *)h + k_props[k].off);
}

typedef struct {
    vigil_human h;
    double cell[N_CELLS];  /* [0..3] flag*2+decision, [4..7] decision*2+outcome, [8..11] flag*2+outcome */
    double arm_cell[8];    /* arm*4 + decision*2 + outcome */
    double pcell[2][4];    /* team_vs_model: [0] positives, [1] negatives; both, team only, model only, neither */
    int shown;            /* the cell-size policy lets the block through */
    int pshown[2];        /* and each team_vs_model table */
    int arms_shown;
} hscope;

typedef struct {
    hscope *lv;  /* per level, in the report's level order */
    /* the gap in each override rate across the shown levels: highest minus lowest (Newcombe) */
    vigil_interval gap[2];
    int gap_hi[2], gap_lo[2]; /* the levels, -1 none */
    const char *gap_why[2];   /* why the gap is not given, NULL when it is */
} hgroup;

struct vm_human {
    double threshold, level;
    size_t min_cell;
    int has_exposure, has_time, has_reason;
    hscope all;
    hgroup *g;
    size_t ng;
    /* overrides (flags not acted on and non-flags acted on) by reason, last: no reason given */
    size_t n_reasons;
    char **reason_name;
    double *reason_n;
    int *reason_shown;
    double overrides;
};

void vigil_stats_human_free(vm_human *h)
{
    if (!h) return;
    for (size_t g = 0; g < h->ng; g++) free(h->g[g].lv);
    free(h->g);
    for (size_t k = 0; k < h->n_reasons; k++) free(h->reason_name[k]);
    free(h->reason_name);
    free(h->reason_n);
    free(h->reason_shown);
    free(h);
}

/* The two-way counts of a scope, from the numerators and denominators of its proportions
 * (vigil_human_compute counted them): no second pass over the cases. */
static void cells(hscope *s)
{
    const vigil_human *h = &s->h;
    const vigil_proportion *of = &h->override_of_flags, *on = &h->override_of_nonflags;
    const vigil_proportion *ts = &h->team_sensitivity, *tp = &h->team_ppv, *ms = &h->model_sensitivity,
                           *mp = &h->model_ppv;
    double c[N_CELLS] = {
        on->n - on->k, on->k, of->k, of->n - of->k,                       /* flag x decision */
        h->team_specificity.k, ts->n - ts->k, tp->n - tp->k, ts->k,       /* decision x outcome */
        h->model_specificity.k, ms->n - ms->k, mp->n - mp->k, ms->k};     /* flag x outcome */
    memcpy(s->cell, c, sizeof c);
    const vigil_human_paired *pp[2] = {&h->team_vs_model_sensitivity, &h->team_vs_model_specificity};
    for (int k = 0; k < 2; k++) {
        s->pcell[k][0] = pp[k]->both, s->pcell[k][1] = pp[k]->team_only;
        s->pcell[k][2] = pp[k]->model_only, s->pcell[k][3] = pp[k]->neither;
    }
}

/* The counts and the shown flag one policy works on: the block's cells (which < 0) or a
 * team_vs_model table (0 sensitivity, 1 specificity). */
static double *cells_of(hscope *s, int which) { return which < 0 ? s->cell : s->pcell[which]; }
static int *shown_of(hscope *s, int which) { return which < 0 ? &s->shown : &s->pshown[which]; }
static size_t width_of(int which) { return which < 0 ? N_CELLS : 4; }

static int cells_ok(const double *c, size_t m, size_t mc)
{
    for (size_t k = 0; k < m; k++)
        if (!vigil_fairness_count_ok(c[k], mc)) return 0;
    return 1;
}

/* Complementary withholding over one partition: item i has `width` counts at c[i*width...];
 * withheld items' counts must each sum to a count that may be shown. Withholds the shown item
 * with the smallest size[] until they do (or none is left). */
static int complement(const double *c, size_t width, const double *size, int *shown, size_t m, size_t mc)
{
    int changed = 0;
    for (;;) {
        double sum[N_CELLS] = {0};
        size_t nw = 0;
        for (size_t i = 0; i < m; i++)
            if (!shown[i]) {
                for (size_t q = 0; q < width; q++) sum[q] += c[i * width + q];
                nw++;
            }
        int safe = 1;
        for (size_t q = 0; q < width && nw; q++) safe &= vigil_fairness_count_ok(sum[q], mc);
        if (!nw || safe) return changed;
        size_t best = m;
        for (size_t i = 0; i < m; i++)
            if (shown[i] && (best == m || size[i] < size[best])) best = i;
        if (best == m) return changed;
        shown[best] = 0;
        changed = 1;
    }
}

/* The policy over the levels of every group, and over the levels of a group nested in another
 * (sex+race inside sex: each shown level of the outer one is a partition of the inner levels
 * it holds), to a fixed point. lvl[g][i]: level of case i in group g. */
static int level_policy(vm_human *h, const vigil_metrics_report *r, uint32_t *const *lvl, size_t n, int which)
{
    size_t W = width_of(which);
    size_t G = r->ng, maxl = 1;
    for (size_t g = 0; g < G; g++)
        if (r->g[g].n_levels > maxl) maxl = r->g[g].n_levels;
    double *cc = malloc(maxl * (N_CELLS + 1) * sizeof *cc);
    int *shown = malloc(maxl * sizeof *shown);
    size_t *pick = malloc(maxl * sizeof *pick);
    int32_t *outer = malloc(maxl * sizeof *outer);
    if (!cc || !shown || !pick || !outer) {
        free(cc), free(shown), free(pick), free(outer);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t a = 0; a <= G; a++) /* a == G: the whole sample as the outer partition */
            for (size_t b = 0; b < G; b++) {
                if (a == b) continue;
                size_t nb = r->g[b].n_levels;
                /* b nests in a when each b-level's cases share one a-level */
                int nests = 1;
                for (size_t l = 0; l < nb; l++) outer[l] = -1;
                for (size_t i = 0; i < n && a < G && nests; i++) {
                    uint32_t lb = lvl[b][i], la = lvl[a][i];
                    if (outer[lb] < 0) outer[lb] = (int32_t)la;
                    else if ((uint32_t)outer[lb] != la) nests = 0;
                }
                if (!nests) continue;
                size_t na = a < G ? r->g[a].n_levels : 1;
                for (size_t la = 0; la < na; la++) {
                    size_t m = 0;
                    for (size_t l = 0; l < nb; l++)
                        if (a == G || outer[l] == (int32_t)la) {
                            pick[m] = l;
                            memcpy(cc + m * W, cells_of(&h->g[b].lv[l], which), W * sizeof *cc);
                            shown[m] = *shown_of(&h->g[b].lv[l], which);
                            m++;
                        }
                    double *sz = cc + maxl * N_CELLS;
                    for (size_t q = 0; q < m; q++) sz[q] = (double)r->g[b].lv[pick[q]].n;
                    if (complement(cc, W, sz, shown, m, h->min_cell)) {
                        changed = 1;
                        for (size_t q = 0; q < m; q++) *shown_of(&h->g[b].lv[pick[q]], which) = shown[q];
                    }
                }
            }
    }
    free(cc), free(shown), free(pick), free(outer);
    return VIGIL_OK;
}

/* Override gaps of one group: over every level with cases, or not given. */
static void gaps(vm_human *h, hgroup *hg, const group *g)
{
    for (int k = 0; k < 2; k++) {
        size_t pk = (size_t)k + 1; /* override_of_flags, override_of_nonflags */
        hg->gap[k] = (vigil_interval){NAN, NAN, NAN};
        hg->gap_hi[k] = hg->gap_lo[k] = -1;
        hg->gap_why[k] = NULL;
        size_t defined = 0;
        for (size_t l = 0; l < g->n_levels; l++) {
            if (!hg->lv[l].shown) {
                hg->gap_why[k] = "a level is withheld (cell-size policy): a gap over the other levels would leave it out";
                break;
            }
            double v = prop_of(&hg->lv[l].h, pk)->value;
            if (!isfinite(v)) continue;
            defined++;
            if (hg->gap_hi[k] < 0 || v > prop_of(&hg->lv[hg->gap_hi[k]].h, pk)->value) hg->gap_hi[k] = (int)l;
            if (hg->gap_lo[k] < 0 || v < prop_of(&hg->lv[hg->gap_lo[k]].h, pk)->value) hg->gap_lo[k] = (int)l;
        }
        if (!hg->gap_why[k] && defined < 2) hg->gap_why[k] = "fewer than two levels have the rate";
        if (hg->gap_why[k]) {
            hg->gap_hi[k] = hg->gap_lo[k] = -1;
            continue;
        }
        hg->gap[k] = vigil_human_difference(*prop_of(&hg->lv[hg->gap_hi[k]].h, pk),
                                            *prop_of(&hg->lv[hg->gap_lo[k]].h, pk), h->level);
    }
}

int vigil_stats_human_build(vigil_metrics_report *r, const double *score, const double *label, size_t n)
{
    const vigil_metrics_options *o = &r->o;
    if (!o->decision) return VIGIL_OK;
    vm_human *h = calloc(1, sizeof *h);
    size_t *ord = NULL;
    double *bufs = NULL;
    int rc = VIGIL_OK;
    if (!h) goto oom;
    r->human = h;
    h->threshold = r->thr[0];
    h->level = o->level;
    h->min_cell = o->min_cell;
    h->has_exposure = o->exposure != NULL;
    h->has_time = o->decision_time != NULL;
    vigil_human_options ho = VIGIL_HUMAN_OPTIONS_INIT;
    ho.threshold = h->threshold;
    ho.level = h->level;
    ho.exposure = o->exposure;
    ho.decision_time = o->decision_time;
    ho.arm = o->arm;
    if ((rc = vigil_human_compute(&h->all.h, score, label, o->decision, n, &ho)) != 0) goto done;
    cells(&h->all);
    if (o->arm) /* the arms block (overall only): arm x decision x outcome */
        for (size_t i = 0; i < n; i++)
            h->all.arm_cell[(o->arm[i] == 1) * 4 + (o->decision[i] == 1) * 2 + (label[i] == 1)]++;
    /* overall, McNemar's discordant counts are shown too */
    h->all.shown = r->all.prev_ok && r->all.thr_ok[0] && cells_ok(h->all.cell, N_CELLS, h->min_cell) &&
                   vigil_fairness_count_ok(h->all.h.mcnemar_b, h->min_cell) &&
                   vigil_fairness_count_ok(h->all.h.mcnemar_c, h->min_cell);
    h->all.arms_shown = o->arm && cells_ok(h->all.arm_cell, 8, h->min_cell);
    for (int k = 0; k < 2; k++) h->all.pshown[k] = h->all.shown && cells_ok(h->all.pcell[k], 4, h->min_cell);

    /* per level: the cases of each level in input order (the report keeps sorted positions) */
    if (r->ng) {
        if (!(h->g = calloc(r->ng, sizeof *h->g)) ||
            !(ord = malloc(n * sizeof *ord)) || !(bufs = malloc(6 * n * sizeof *bufs)))
            goto oom;
        h->ng = r->ng;
        for (size_t i = 0; i < n; i++) ord[r->pos[i]] = i;
        double *bs = bufs, *bl = bufs + n, *bd = bufs + 2 * n, *be = bufs + 3 * n, *bt = bufs + 4 * n,
               *ba = bufs + 5 * n;
        uint32_t **lvl = calloc(r->ng, sizeof *lvl);
        if (!lvl) goto oom;
        for (size_t gi = 0; gi < r->ng && rc == VIGIL_OK; gi++) {
            const group *g = &r->g[gi];
            hgroup *hg = &h->g[gi];
            if (!(hg->lv = calloc(g->n_levels ? g->n_levels : 1, sizeof *hg->lv)) || !(lvl[gi] = malloc(n * sizeof **lvl))) {
                rc = vigil_error_set(VIGIL_ENOMEM, "out of memory computing the human-in-the-loop block");
                break;
            }
            for (size_t l = 0; l < g->n_levels && rc == VIGIL_OK; l++) {
                const scope *s = &g->lv[l];
                hscope *hs = &hg->lv[l];
                for (size_t j = 0; j < s->n; j++) {
                    size_t i = ord[s->pos[j]];
                    lvl[gi][i] = (uint32_t)l;
                    bs[j] = score[i], bl[j] = label[i], bd[j] = o->decision[i];
                    if (o->exposure) be[j] = o->exposure[i];
                    if (o->decision_time) bt[j] = o->decision_time[i];
                    if (o->arm) ba[j] = o->arm[i];
                }
                ho.exposure = o->exposure ? be : NULL;
                ho.decision_time = o->decision_time ? bt : NULL;
                ho.arm = o->arm ? ba : NULL;
                if ((rc = vigil_human_compute(&hs->h, bs, bl, bd, s->n, &ho)) != 0) break;
                cells(hs);
                /* never more than the report shows of the level: its prevalence and its first
                 * threshold row follow from the cells */
                hs->shown = !s->suppressed && s->prev_ok && s->thr_ok[0] && cells_ok(hs->cell, N_CELLS, h->min_cell);
            }
        }
        if (rc == VIGIL_OK) rc = level_policy(h, r, lvl, n, -1);
        /* the team_vs_model tables, once the blocks are settled: never shown where the block is not */
        for (int k = 0; k < 2 && rc == VIGIL_OK; k++) {
            for (size_t gi = 0; gi < r->ng; gi++)
                for (size_t l = 0; l < r->g[gi].n_levels; l++) {
                    hscope *hs = &h->g[gi].lv[l];
                    hs->pshown[k] = hs->shown && cells_ok(hs->pcell[k], 4, h->min_cell);
                }
            rc = level_policy(h, r, lvl, n, k);
        }
        for (size_t gi = 0; gi < r->ng; gi++) free(lvl[gi]);
        free(lvl);
        if (rc) goto done;
        for (size_t gi = 0; gi < r->ng; gi++) gaps(h, &h->g[gi], &r->g[gi]);
    }

    /* overrides by reason */
    if (o->reason) {
        h->has_reason = 1;
        size_t R = o->n_reason_levels + 1;
        if (!(h->reason_name = calloc(R, sizeof *h->reason_name)) || !(h->reason_n = calloc(R, sizeof *h->reason_n)) ||
            !(h->reason_shown = calloc(R, sizeof *h->reason_shown)))
            goto oom;
        h->n_reasons = R;
        for (size_t k = 0; k < R; k++)
            if (!(h->reason_name[k] = vigil_strdup(k + 1 < R ? o->reason_levels[k] : "(none given)"))) goto oom;
        for (size_t i = 0; i < n; i++) {
            int a = o->arm ? o->arm[i] == 1 : 1, f = score[i] >= h->threshold, d = o->decision[i] == 1;
            if (!a || f == d) continue;
            int32_t c = o->reason[i];
            h->reason_n[c >= 0 && (size_t)c < R - 1 ? (size_t)c : R - 1]++;
            h->overrides++;
        }
        for (size_t k = 0; k < R; k++) h->reason_shown[k] = vigil_fairness_count_ok(h->reason_n[k], h->min_cell);
        complement(h->reason_n, 1, h->reason_n, h->reason_shown, R, h->min_cell);
    }
    goto done;
oom:
    rc = vigil_error_set(VIGIL_ENOMEM, "out of memory computing the human-in-the-loop block");
done:
    free(ord);
    free(bufs);
    return rc;
}

/* ---- JSON -------------------------------------------------------------------------------- */

#define WHY_CELLS "withheld (cell-size policy): a count of flag x decision, decision x outcome or flag x outcome is under min-cell"

static void prop_json(cJSON *o, const char *key, const vigil_proportion *p, int shown)
{
    cJSON *x = cJSON_AddObjectToObject(o, key);
    int given = shown && isfinite(p->value);
    vigil_json_add_number(x, "value", given ? p->value : NAN);
    vigil_json_add_number(x, "ci_low", given ? p->ci_low : NAN);
    vigil_json_add_number(x, "ci_high", given ? p->ci_high : NAN);
    if (!shown) cJSON_AddStringToObject(x, "reason", "withheld (cell-size policy)");
    else if (!given) cJSON_AddStringToObject(x, "reason", "undefined: no cases in its denominator");
    else if (isfinite(p->ci_low) || isfinite(p->ci_high)) cJSON_AddStringToObject(x, "ci_method", "Wilson score");
}

/* how: the interval's method (issue 18), stored beside it where there is one. */
static void interval_json(cJSON *o, const char *key, vigil_interval v, int shown, const char *how)
{
    cJSON *x = cJSON_AddObjectToObject(o, key);
    int given = shown && isfinite(v.value);
    vigil_json_add_number(x, "value", given ? v.value : NAN);
    vigil_json_add_number(x, "ci_low", given ? v.ci_low : NAN);
    vigil_json_add_number(x, "ci_high", given ? v.ci_high : NAN);
    if (given && (isfinite(v.ci_low) || isfinite(v.ci_high))) cJSON_AddStringToObject(x, "ci_method", how);
}

#define PAIRED_METHOD "Newcombe hybrid score for paired proportions (method 10), team minus model on the same cases"

static const char *const k_paired_key[2] = {"sensitivity", "specificity"};
static const char *const k_paired_undefined[2] = {"undefined: no positives (outcome 1) in this scope",
                                                  "undefined: no negatives (outcome 0) in this scope"};

static const vigil_human_paired *paired_of(const vigil_human *h, int k)
{
    return k == 0 ? &h->team_vs_model_sensitivity : &h->team_vs_model_specificity;
}

/* One team_vs_model table: team minus model, its interval and the discordant counts. */
static void paired_json(cJSON *o, const char *key, const vigil_human_paired *p, int k, int shown, int block_shown)
{
    cJSON *x = cJSON_AddObjectToObject(o, key);
    int given = shown && isfinite(p->difference.value);
    vigil_json_add_number(x, "n", shown ? p->n : NAN);
    vigil_json_add_number(x, "difference", given ? p->difference.value : NAN);
    vigil_json_add_number(x, "ci_low", given ? p->difference.ci_low : NAN);
    vigil_json_add_number(x, "ci_high", given ? p->difference.ci_high : NAN);
    vigil_json_add_number(x, "discordant_team_only", shown ? p->team_only : NAN);
    vigil_json_add_number(x, "discordant_model_only", shown ? p->model_only : NAN);
    if (!shown && !block_shown) cJSON_AddStringToObject(x, "reason", "withheld (cell-size policy)");
    else if (!shown)
        cJSON_AddStringToObject(x, "reason", "withheld (cell-size policy): a count of decision correct x flag correct "
                                             "is under min-cell");
    else if (!given) cJSON_AddStringToObject(x, "reason", k_paired_undefined[k]);
    cJSON_AddStringToObject(x, "method", PAIRED_METHOD);
}

/* A scope's proportions: flat keys (levels) or the overall document's nesting. */
static void props_json(cJSON *o, const hscope *s, int flat)
{
    for (size_t k = 0; k < N_PROPS; k++) {
        cJSON *into = o;
        if (!flat && k_props[k].obj) {
            into = cJSON_GetObjectItemCaseSensitive(o, k_props[k].obj);
            if (!into) into = cJSON_AddObjectToObject(o, k_props[k].obj);
        }
        prop_json(into, flat ? k_props[k].flat : k_props[k].key, prop_of(&s->h, k), s->shown);
    }
    cJSON *tv = flat ? o : cJSON_AddObjectToObject(o, "team_vs_model");
    for (int k = 0; k < 2; k++) {
        char key[48];
        snprintf(key, sizeof key, "%s%s", flat ? "team_vs_model_" : "", k_paired_key[k]);
        paired_json(tv, key, paired_of(&s->h, k), k, s->pshown[k], s->shown);
    }
}

void vigil_stats_human_json(cJSON *doc, const vigil_metrics_report *r)
{
    const vm_human *h = r->human;
    if (!h) return;
    const hscope *a = &h->all;
    const vigil_human *x = &a->h;
    cJSON *o = cJSON_AddObjectToObject(doc, "human");
    vigil_json_add_number(o, "threshold", h->threshold);
    cJSON_AddNumberToObject(o, "n", (double)x->n);
    if (!a->shown) cJSON_AddStringToObject(o, "withheld", WHY_CELLS);
    props_json(o, a, 0);
    cJSON *mn = cJSON_AddObjectToObject(o, "mcnemar");
    vigil_json_add_number(mn, "b", a->shown ? x->mcnemar_b : NAN);
    vigil_json_add_number(mn, "c", a->shown ? x->mcnemar_c : NAN);
    vigil_json_add_number(mn, "p", a->shown ? x->mcnemar_p : NAN);
    cJSON_AddStringToObject(mn, "method", "exact (binomial), flag vs decision correct against the outcome");
    interval_json(o, "nne", x->nne, a->shown, "the reciprocal of the PPV's Wilson score bounds");
    if (h->has_exposure) {
        vigil_json_add_number(o, "exposure_total", x->exposure_total);
        interval_json(o, "alerts_per_100", x->alerts_per_100, a->shown, "exact Poisson (chi-square quantiles)");
    }
    if (h->has_time) {
        cJSON *t = cJSON_AddObjectToObject(o, "decision_time");
        int ok = a->shown && vigil_fairness_count_ok(x->decision_time_n, h->min_cell);
        vigil_json_add_number(t, "n", ok ? x->decision_time_n : NAN);
        vigil_json_add_number(t, "q1", ok ? x->decision_time_q1 : NAN);
        vigil_json_add_number(t, "median", ok ? x->decision_time_median : NAN);
        vigil_json_add_number(t, "q3", ok ? x->decision_time_q3 : NAN);
    }
    if (x->has_arms) {
        cJSON *ar = cJSON_AddObjectToObject(o, "arms");
        int ok = a->arms_shown;
        if (!ok) cJSON_AddStringToObject(ar, "withheld", "withheld (cell-size policy): a cell of arm x decision x outcome is under min-cell");
        static const char *const names[2] = {"unassisted", "assisted"};
        for (int k = 0; k < 2; k++) {
            cJSON *one = cJSON_AddObjectToObject(ar, names[k]);
            vigil_json_add_number(one, "n", ok ? x->arm_n[k] : NAN);
            prop_json(one, "outcome_rate", &x->arm_outcome_rate[k], ok);
            prop_json(one, "sensitivity", &x->arm_sensitivity[k], ok);
        }
        interval_json(ar, "outcome_difference", x->outcome_difference, ok, "Newcombe hybrid score");
        interval_json(ar, "sensitivity_difference", x->sensitivity_difference, ok, "Newcombe hybrid score");
        interval_json(ar, "nnt", x->nnt, ok, "the reciprocal of the outcome difference's Newcombe bounds");
        if (ok && !isfinite(x->nnt.value))
            cJSON_AddStringToObject(ar, "nnt_reason", "not defined: the outcome difference's interval includes 0");
    }
    if (h->has_reason) {
        cJSON *rs = cJSON_AddObjectToObject(o, "overrides_by_reason");
        int ok_total = vigil_fairness_count_ok(h->overrides, h->min_cell);
        vigil_json_add_number(rs, "overrides", ok_total ? h->overrides : NAN);
        cJSON *lv = cJSON_AddObjectToObject(rs, "reasons");
        for (size_t k = 0; k < h->n_reasons; k++) {
            if (k + 1 == h->n_reasons && h->reason_n[k] == 0) continue; /* no case without a reason */
            int ok = ok_total && h->reason_shown[k];
            cJSON *one = cJSON_AddObjectToObject(lv, h->reason_name[k]);
            vigil_json_add_number(one, "n", ok ? h->reason_n[k] : NAN);
            vigil_proportion p = vigil_human_proportion(h->reason_n[k], h->overrides, h->level);
            prop_json(one, "share", &p, ok);
        }
    }
    cJSON *sg = cJSON_AddObjectToObject(o, "subgroups");
    for (size_t gi = 0; gi < h->ng; gi++) {
        const group *g = &r->g[gi];
        const hgroup *hg = &h->g[gi];
        cJSON *go = cJSON_AddObjectToObject(sg, g->name), *lv = cJSON_AddObjectToObject(go, "levels");
        for (size_t l = 0; l < g->n_levels; l++) {
            cJSON *one = cJSON_AddObjectToObject(lv, g->lv[l].name);
            vigil_json_add_number(one, "n", g->lv[l].suppressed ? NAN : (double)g->lv[l].n);
            cJSON_AddBoolToObject(one, "withheld", !hg->lv[l].shown);
            props_json(one, &hg->lv[l], 1);
        }
        static const char *const gk[2] = {"override_of_flags_gap", "override_of_nonflags_gap"};
        for (int k = 0; k < 2; k++) {
            interval_json(go, gk[k], hg->gap[k], 1, "Newcombe hybrid score");
            cJSON *x2 = cJSON_GetObjectItemCaseSensitive(go, gk[k]);
            if (hg->gap_why[k]) cJSON_AddStringToObject(x2, "reason", hg->gap_why[k]);
            else {
                cJSON_AddStringToObject(x2, "highest", g->lv[hg->gap_hi[k]].name);
                cJSON_AddStringToObject(x2, "lowest", g->lv[hg->gap_lo[k]].name);
                cJSON_AddStringToObject(x2, "method", "Newcombe hybrid score, highest minus lowest level");
            }
        }
    }
}

/* ---- text -------------------------------------------------------------------------------- */

static void line(vigil_sbuf *b, const char *label, double v, double lo, double hi)
{
    if (!isfinite(v)) vigil_sbuf_printf(b, "  %-30s %10s\n", label, "-");
    else if (isfinite(lo) && isfinite(hi)) vigil_sbuf_printf(b, "  %-30s %10.4f  (%.4f, %.4f)\n", label, v, lo, hi);
    else vigil_sbuf_printf(b, "  %-30s %10.4f\n", label, v);
}

void vigil_stats_human_text(vigil_sbuf *b, const vigil_metrics_report *r)
{
    const vm_human *h = r->human;
    if (!h) return;
    const hscope *a = &h->all;
    const vigil_human *x = &a->h;
    vigil_sbuf_printf(b, "human in the loop (flag: score >= %g; %zu cases)%s\n", h->threshold, x->n,
                      a->shown ? "" : " withheld: a small cell (cell-size policy)");
    if (!a->shown) return;
    static const char *const labels[N_PROPS] = {"agreement", "override of flags", "override of non-flags",
                                                "team sensitivity", "team specificity", "team PPV",
                                                "model sensitivity", "model specificity", "model PPV",
                                                "flag rate"};
    for (size_t k = 0; k < N_PROPS; k++) {
        const vigil_proportion *p = prop_of(x, k);
        line(b, labels[k], p->value, p->ci_low, p->ci_high);
    }
    line(b, "number needed to evaluate", x->nne.value, x->nne.ci_low, x->nne.ci_high);
    vigil_sbuf_printf(b, "  %-30s %10.4g  (exact McNemar, flag vs decision)\n", "McNemar p", x->mcnemar_p);
    static const char *const plabel[2] = {"team - model sensitivity", "team - model specificity"};
    for (int k = 0; k < 2; k++) {
        const vigil_interval *d = &paired_of(x, k)->difference;
        if (a->pshown[k]) line(b, plabel[k], d->value, d->ci_low, d->ci_high);
        else vigil_sbuf_printf(b, "  %-30s %10s  (withheld: small cells)\n", plabel[k], "-");
    }
    if (h->has_exposure)
        line(b, "alerts per 100 exposure", x->alerts_per_100.value, x->alerts_per_100.ci_low, x->alerts_per_100.ci_high);
    for (size_t gi = 0; gi < h->ng; gi++) {
        const group *g = &r->g[gi];
        const hgroup *hg = &h->g[gi];
        vigil_sbuf_printf(b, "  by %s\n    %-20s %8s %8s %8s %8s %8s\n", g->name, "level", "n", "agree", "ovr.flag",
                          "ovr.non", "team.sen");
        for (size_t l = 0; l < g->n_levels; l++) {
            const hscope *s = &hg->lv[l];
            if (g->lv[l].suppressed) vigil_sbuf_printf(b, "    %-20.20s %8s", g->lv[l].name, "<11");
            else vigil_sbuf_printf(b, "    %-20.20s %8zu", g->lv[l].name, g->lv[l].n);
            if (!s->shown) {
                vigil_sbuf_printf(b, "  (withheld: small cells)\n");
                continue;
            }
            for (size_t k = 0; k < 4; k++) { /* agreement, the two override rates, team sensitivity */
                double v = prop_of(&s->h, k)->value;
                if (isfinite(v)) vigil_sbuf_printf(b, " %8.4f", v);
                else vigil_sbuf_printf(b, " %8s", "-");
            }
            vigil_sbuf_printf(b, "\n");
        }
        line(b, "  override-of-flags gap", hg->gap[0].value, hg->gap[0].ci_low, hg->gap[0].ci_high);
        line(b, "  override-of-non-flags gap", hg->gap[1].value, hg->gap[1].ci_low, hg->gap[1].ci_high);
    }
}

/* ---- store and typed access -------------------------------------------------------------- */

int vigil_stats_human_store(const vigil_metrics_report *r, vigil_results *res)
{
    const vm_human *h = r->human;
    if (!h) return VIGIL_OK;
    int rc = 0;
    for (size_t gi = 0; gi <= h->ng && !rc; gi++) {
        size_t nl = gi == 0 ? 1 : r->g[gi - 1].n_levels;
        for (size_t l = 0; l < nl && !rc; l++) {
            const hscope *s = gi == 0 ? &h->all : &h->g[gi - 1].lv[l];
            if (!s->shown) continue;
            vigil_sbuf sc = {0};
            if (gi == 0) vigil_sbuf_printf(&sc, "overall");
            else vigil_sbuf_printf(&sc, "%s=%s", r->g[gi - 1].name, r->g[gi - 1].lv[l].name);
            if (!sc.s) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
            for (size_t k = 0; k < N_PROPS; k++) {
                const vigil_proportion *p = prop_of(&s->h, k);
                char nm[64];
                snprintf(nm, sizeof nm, "human_%s", k_props[k].flat);
                if (isfinite(p->value)) rc |= vigil_results_add_metric(res, sc.s, nm, p->value, p->ci_low, p->ci_high);
            }
            for (int k = 0; k < 2; k++) {
                const vigil_interval *d = &paired_of(&s->h, k)->difference;
                if (s->pshown[k] && isfinite(d->value))
                    rc |= vigil_results_add_metric(res, sc.s, k ? "human_team_vs_model_specificity"
                                                                : "human_team_vs_model_sensitivity",
                                                   d->value, d->ci_low, d->ci_high);
            }
            if (gi == 0 && isfinite(s->h.mcnemar_p))
                rc |= vigil_results_add_metric(res, sc.s, "human_mcnemar_p", s->h.mcnemar_p, NAN, NAN);
            vigil_sbuf_free(&sc);
        }
        if (gi > 0) {
            const hgroup *hg = &h->g[gi - 1];
            static const char *const gk[2] = {"human_override_of_flags_gap", "human_override_of_nonflags_gap"};
            for (int k = 0; k < 2; k++)
                if (isfinite(hg->gap[k].value))
                    rc |= vigil_results_add_metric(res, r->g[gi - 1].name, gk[k], hg->gap[k].value, hg->gap[k].ci_low,
                                                   hg->gap[k].ci_high);
        }
    }
    return rc ? VIGIL_EDB : VIGIL_OK;
}

static void give(vigil_metric_value *o, double v, double lo, double hi, int shown, const char *why_undefined)
{
    o->value = o->ci_low = o->ci_high = NAN;
    o->why[0] = '\0';
    o->ci_method = NULL;
    if (!shown) {
        o->status = VIGIL_METRIC_WITHHELD;
        snprintf(o->why, sizeof o->why, "%s", WHY_CELLS);
    } else if (!isfinite(v)) {
        o->status = VIGIL_METRIC_UNDEFINED;
        snprintf(o->why, sizeof o->why, "%s", why_undefined);
    } else {
        o->status = VIGIL_METRIC_OK;
        o->value = v, o->ci_low = lo, o->ci_high = hi;
    }
}

int vigil_stats_human_get(vigil_metric_value *o, const vigil_metrics_report *r, const vigil_metric_def *m, int g,
                          int l)
{
    const vm_human *h = r->human;
    if (!h)
        return vigil_error_set(VIGIL_EINVAL, "metric '%s' needs the clinicians' decisions (--decision, data.decision)",
                               m->name);
    if (g >= 0 && l < 0) { /* a gap */
        int k = strcmp(m->key, "override_of_flags_gap") == 0 ? 0 : strcmp(m->key, "override_of_nonflags_gap") == 0 ? 1 : -1;
        if (k < 0)
            return vigil_error_set(VIGIL_EINVAL, "metric '%s' is not a disparity: name a level of '%s'", m->name,
                                   r->g[g].name);
        const hgroup *hg = &h->g[g];
        give(o, hg->gap[k].value, hg->gap[k].ci_low, hg->gap[k].ci_high, 1, hg->gap_why[k] ? hg->gap_why[k] : "");
        if (hg->gap_why[k] && strstr(hg->gap_why[k], "withheld")) o->status = VIGIL_METRIC_WITHHELD;
        return VIGIL_OK;
    }
    const hscope *s = g < 0 ? &h->all : &h->g[g].lv[l];
    for (size_t k = 0; k < N_PROPS; k++)
        if (strcmp(m->key, k_props[k].flat) == 0) {
            const vigil_proportion *p = prop_of(&s->h, k);
            give(o, p->value, p->ci_low, p->ci_high, s->shown, "undefined: no cases in its denominator");
            return VIGIL_OK;
        }
    for (int k = 0; k < 2; k++)
        if (strcmp(m->key, k ? "team_vs_model_specificity" : "team_vs_model_sensitivity") == 0) {
            const vigil_interval *d = &paired_of(&s->h, k)->difference;
            give(o, d->value, d->ci_low, d->ci_high, s->pshown[k], k_paired_undefined[k]);
            /* short: a suite's every-level verdict quotes it per level */
            if (!s->pshown[k])
                snprintf(o->why, sizeof o->why, "%s", s->shown ? "withheld (cell-size policy: a count of decision correct "
                                                                 "x flag correct under min-cell)"
                                                               : "withheld (cell-size policy: small cells in the human block)");
            return VIGIL_OK;
        }
    if (g < 0 && strcmp(m->key, "nne") == 0) {
        give(o, s->h.nne.value, s->h.nne.ci_low, s->h.nne.ci_high, s->shown, "undefined: the model's PPV is 0");
        return VIGIL_OK;
    }
    if (g < 0 && strcmp(m->key, "alerts_per_100") == 0) {
        if (!h->has_exposure)
            return vigil_error_set(VIGIL_EINVAL, "metric '%s' needs an exposure column (--exposure)", m->name);
        give(o, s->h.alerts_per_100.value, s->h.alerts_per_100.ci_low, s->h.alerts_per_100.ci_high, s->shown,
             "undefined: no exposure");
        return VIGIL_OK;
    }
    return vigil_error_set(VIGIL_EINVAL, "metric '%s' is not given %s", m->name, g < 0 ? "overall" : "per level");
}
