/* The human-AI team in the evidence report (issue 21): the candidate's `human` block, as the
 * metrics engine stored it (src/stats/metrics_report_human.c), shown without recomputing --
 * agreement and override rates, the team's and the model's accuracy, the alert burden, the
 * arms of an assisted/unassisted comparison, overrides by reason, and the override rates by
 * subgroup with their gap. What the engine withheld (cell-size policy) stays withheld, and what
 * it could not define says so. */
#include "report/report_ctx.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* {value, ci_low, ci_high} at o.key: withheld when the engine gave a reason "withheld ...". */
static int is_withheld(const cJSON *x)
{
    const char *why = js(x, "reason");
    return why && strncmp(why, "withheld", 8) == 0;
}

static void row(rctx *c, const char *label, const cJSON *x, int digits, const char *note)
{
    rcell r[4] = {vigil_cell_txt(label), vigil_cell_num(jnum(x, "value"), digits),
                  vigil_cell_method(vigil_cell_ci(jnum(x, "ci_low"), jnum(x, "ci_high"), digits), js(x, "ci_method")),
                  vigil_cell_txt(note ? note : "")};
    if (is_withheld(x)) r[1] = r[2] = vigil_cell_sup();
    vigil_doc_row(&c->d, r);
}

/* team minus model on the same cases: {difference, ci_low, ci_high} (runs stored before it: absent) */
static void paired_row(rctx *c, const char *label, const cJSON *x, const char *note)
{
    if (!x) return;
    rcell r[4] = {vigil_cell_txt(label), vigil_cell_num(jnum(x, "difference"), 3),
                  vigil_cell_ci(jnum(x, "ci_low"), jnum(x, "ci_high"), 3), vigil_cell_txt(note)};
    if (is_withheld(x)) r[1] = r[2] = vigil_cell_sup();
    vigil_doc_row(&c->d, r);
}

static void overall(rctx *c, const cJSON *h)
{
    static const char *const cols[] = {"measure", "value", "95% CI", "against"};
    vigil_doc_table(&c->d, "human-team", "The human-AI team: the model's flag against the clinicians' final decision",
                    cols, 4);
    row(c, "Agreement", jp(h, "agreement"), 3, "decision = flag");
    row(c, "Override rate of flags", jp(h, "override_of_flags"), 3, "flags not acted on");
    row(c, "Override rate of non-flags", jp(h, "override_of_nonflags"), 3, "non-flags acted on");
    static const char *const acc[][3] = {{"sensitivity", "Team sensitivity", "Model sensitivity"},
                                         {"specificity", "Team specificity", "Model specificity"},
                                         {"ppv", "Team PPV", "Model PPV"}};
    for (size_t k = 0; k < 3; k++) {
        char tp[64], mp[64];
        snprintf(tp, sizeof tp, "team.%s", acc[k][0]);
        snprintf(mp, sizeof mp, "model.%s", acc[k][0]);
        row(c, acc[k][1], jp(h, tp), 3, "decision against the outcome");
        row(c, acc[k][2], jp(h, mp), 3, "flag against the outcome");
    }
    paired_row(c, "Team - model sensitivity", jp(h, "team_vs_model.sensitivity"),
               "same positives, Newcombe paired CI");
    paired_row(c, "Team - model specificity", jp(h, "team_vs_model.specificity"),
               "same negatives, Newcombe paired CI");
    row(c, "Flag (alert) rate", jp(h, "flag_rate"), 3, "alert burden");
    row(c, "Number needed to evaluate", jp(h, "nne"), 2, "1 / PPV of the flag");
    if (jp(h, "alerts_per_100")) row(c, "alerts per 100 units of exposure", jp(h, "alerts_per_100"), 2, "exposure column");
    vigil_doc_table_end(&c->d);
    double p = jnum(h, "mcnemar.p");
    char b[64], cc[64];
    vigil_fmt_num(b, sizeof b, jnum(h, "mcnemar.b"), 0);
    vigil_fmt_num(cc, sizeof cc, jnum(h, "mcnemar.c"), 0);
    if (isfinite(p))
        vigil_doc_p(&c->d,
                    "Exact McNemar test of the flag's and the decision's correctness against the outcome: %s cases "
                    "where only the flag was right, %s where only the decision was, p = %.3g. Intervals are Wilson "
                    "score intervals (the NNE's is the PPV's inverted).",
                    b, cc, p);
    else
        vigil_doc_p(&c->d, "The exact McNemar test is withheld (cell-size policy) or undefined on these cases.");
    const cJSON *t = jp(h, "decision_time");
    if (t) {
        char q1[32], md[32], q3[32];
        vigil_fmt_num(q1, sizeof q1, jnum(t, "q1"), 2), vigil_fmt_num(md, sizeof md, jnum(t, "median"), 2);
        vigil_fmt_num(q3, sizeof q3, jnum(t, "q3"), 2);
        if (isfinite(jnum(t, "median")))
            vigil_doc_p(&c->d, "Time from alert to action (the decision-time column's unit): median %s, quartiles %s to %s, "
                        "over %.0f decisions.", md, q1, q3, jnum(t, "n"));
        else vigil_doc_p(&c->d, "The time from alert to action is withheld (fewer decisions with a time than the cell-size "
                         "policy allows).");
    }
}

static void arms(rctx *c, const cJSON *a)
{
    if (!a) return;
    if (js(a, "withheld")) {
        vigil_doc_p(&c->d, "Assisted against unassisted cases: %s.", js(a, "withheld"));
        return;
    }
    static const char *const cols[] = {"arm", "cases", "outcome rate", "95% CI", "sensitivity", "95% CI"};
    vigil_doc_table(&c->d, "human-arms", "Assisted (advice shown) against unassisted cases", cols, 6);
    static const char *const names[2] = {"unassisted", "assisted"};
    for (int k = 0; k < 2; k++) {
        const cJSON *o = jp(a, names[k]);
        rcell r[6] = {vigil_cell_txt(names[k]), vigil_cell_count(jnum(o, "n"), c->min_cell),
                      vigil_cell_num(jnum(o, "outcome_rate.value"), 3),
                      vigil_cell_method(vigil_cell_ci(jnum(o, "outcome_rate.ci_low"), jnum(o, "outcome_rate.ci_high"), 3),
                                        js(o, "outcome_rate.ci_method")),
                      vigil_cell_num(jnum(o, "sensitivity.value"), 3),
                      vigil_cell_method(vigil_cell_ci(jnum(o, "sensitivity.ci_low"), jnum(o, "sensitivity.ci_high"), 3),
                                        js(o, "sensitivity.ci_method"))};
        vigil_doc_row(&c->d, r);
    }
    vigil_doc_table_end(&c->d);
    char d1[32], l1[32], h1[32], d2[32], l2[32], h2[32], nnt[32];
    vigil_fmt_num(d1, sizeof d1, jnum(a, "outcome_difference.value"), 3);
    vigil_fmt_num(l1, sizeof l1, jnum(a, "outcome_difference.ci_low"), 3);
    vigil_fmt_num(h1, sizeof h1, jnum(a, "outcome_difference.ci_high"), 3);
    vigil_fmt_num(d2, sizeof d2, jnum(a, "sensitivity_difference.value"), 3);
    vigil_fmt_num(l2, sizeof l2, jnum(a, "sensitivity_difference.ci_low"), 3);
    vigil_fmt_num(h2, sizeof h2, jnum(a, "sensitivity_difference.ci_high"), 3);
    vigil_fmt_num(nnt, sizeof nnt, jnum(a, "nnt.value"), 1);
    vigil_doc_p(&c->d,
                "Assisted minus unassisted: outcome rate %s (95%% CI %s to %s), sensitivity %s (%s to %s); number "
                "needed to treat %s.",
                d1, l1, h1, d2, l2, h2, js(a, "nnt_reason") ? js(a, "nnt_reason") : nnt);
}

static void reasons(rctx *c, const cJSON *r)
{
    if (!r) return;
    static const char *const cols[] = {"reason", "overrides", "share", "95% CI"};
    vigil_doc_table(&c->d, "human-reasons", "Overrides by the reason recorded", cols, 4);
    const cJSON *x;
    cJSON_ArrayForEach(x, jp(r, "reasons"))
    {
        rcell row4[4] = {vigil_cell_txt(x->string), vigil_cell_count(jnum(x, "n"), c->min_cell),
                         vigil_cell_num(jnum(x, "share.value"), 3),
                         vigil_cell_method(vigil_cell_ci(jnum(x, "share.ci_low"), jnum(x, "share.ci_high"), 3),
                                           js(x, "share.ci_method"))};
        if (is_withheld(jp(x, "share"))) row4[1] = row4[2] = row4[3] = vigil_cell_sup();
        vigil_doc_row(&c->d, row4);
    }
    vigil_doc_table_end(&c->d);
}

static void by_group(rctx *c, const cJSON *sg)
{
    const cJSON *g, *lv;
    cJSON_ArrayForEach(g, sg)
    {
        char id[128], cap[256];
        snprintf(id, sizeof id, "human-%s", g->string);
        snprintf(cap, sizeof cap, "Acceptance and override by %s", g->string);
        static const char *const cols[] = {"level", "cases", "agreement", "override of flags", "95% CI",
                                           "override of non-flags", "95% CI", "team sensitivity"};
        vigil_doc_table(&c->d, id, cap, cols, 8);
        cJSON_ArrayForEach(lv, jp(g, "levels"))
        {
            if (cJSON_IsTrue(cJSON_GetObjectItem(lv, "withheld"))) {
                rcell r[8];
                r[0] = vigil_cell_txt(lv->string);
                for (int i = 1; i < 8; i++) r[i] = vigil_cell_sup();
                vigil_doc_row(&c->d, r);
                continue;
            }
            rcell r[8] = {vigil_cell_txt(lv->string), vigil_cell_count(jnum(lv, "n"), c->min_cell),
                          vigil_cell_num(jnum(lv, "agreement.value"), 3),
                          vigil_cell_num(jnum(lv, "override_of_flags.value"), 3),
                          vigil_cell_method(vigil_cell_ci(jnum(lv, "override_of_flags.ci_low"),
                                                          jnum(lv, "override_of_flags.ci_high"), 3),
                                            js(lv, "override_of_flags.ci_method")),
                          vigil_cell_num(jnum(lv, "override_of_nonflags.value"), 3),
                          vigil_cell_method(vigil_cell_ci(jnum(lv, "override_of_nonflags.ci_low"),
                                                          jnum(lv, "override_of_nonflags.ci_high"), 3),
                                            js(lv, "override_of_nonflags.ci_method")),
                          vigil_cell_num(jnum(lv, "team_sensitivity.value"), 3)};
            vigil_doc_row(&c->d, r);
        }
        vigil_doc_table_end(&c->d);
        static const char *const gk[2][2] = {{"override_of_flags_gap", "flags"}, {"override_of_nonflags_gap", "non-flags"}};
        for (int k = 0; k < 2; k++) {
            const cJSON *x = jp(g, gk[k][0]);
            if (!x) continue;
            if (js(x, "reason")) {
                vigil_doc_p(&c->d, "The gap in override of %s across %s is not given: %s.", gk[k][1], g->string,
                            js(x, "reason"));
                continue;
            }
            char v[32], lo[32], hi[32];
            vigil_fmt_num(v, sizeof v, jnum(x, "value"), 3), vigil_fmt_num(lo, sizeof lo, jnum(x, "ci_low"), 3);
            vigil_fmt_num(hi, sizeof hi, jnum(x, "ci_high"), 3);
            vigil_doc_p(&c->d,
                        "Override of %s across %s: the highest level (%s) exceeds the lowest (%s) by %s (95%% CI %s "
                        "to %s, %s). The interval does not allow for having picked the two extreme levels: read it "
                        "as a screen for unequal override, not as a test.",
                        gk[k][1], g->string, js(x, "highest") ? js(x, "highest") : "?",
                        js(x, "lowest") ? js(x, "lowest") : "?", v, lo, hi, js(x, "method") ? js(x, "method") : "");
        }
    }
}

void vigil_report_human(rctx *c)
{
    const cJSON *h = c->cand ? jp(c->cand, "human") : NULL;
    if (!h) return;
    vigil_doc_h(&c->d, 4, "human-ai-team", "The human-AI team");
    char thr[32];
    vigil_fmt_num(thr, sizeof thr, jnum(h, "threshold"), 3);
    vigil_doc_p(&c->d,
                "The clinicians' final decisions (the data's decision column) beside the candidate's flag (score at or "
                "above %s) on %.0f cases: how often the advice was followed or overridden, and how the team "
                "(model plus clinician) performed against the outcome (GMLP principle 7).",
                thr, jnum(h, "n"));
    if (js(h, "withheld")) {
        vigil_doc_p(&c->d, "The team's numbers are %s.", js(h, "withheld"));
        return;
    }
    overall(c, h);
    arms(c, jp(h, "arms"));
    reasons(c, jp(h, "overrides_by_reason"));
    by_group(c, jp(h, "subgroups"));
}
