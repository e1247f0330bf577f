/* Confusion counts at each operating threshold, from the stored document only: a threshold's
 * stored sensitivity and false-positive rate, with the scope's case count and prevalence, give
 * TP = tpr x P and FP = fpr x N exactly (P = prevalence x n events, N = n - P). A count that is
 * not a whole number within rounding is not shown as one: the stored numbers do not determine
 * it. Cell-size policy: every margin (P, N, the flagged total selection_rate x n) is printed
 * elsewhere in the report, so one withheld cell would follow from the other three; a threshold
 * with any cell from 1 to min_cell - 1 (vigil_fairness_confusion_ok; or one the engine marked
 * suppressed) withholds all four. */
#include "report/confusion.h"
#include "vigil/fairness.h"

#include <math.h>
#include <stdio.h>

/* x as a whole number of cases, or NaN when it is not one (to 1e-6). */
static double whole(double x)
{
    double r = round(x);
    return isfinite(x) && fabs(x - r) < 1e-6 && r >= 0 ? r : NAN;
}

/* The four counts of threshold t in a scope of n cases with prevalence prev; 0 when the stored
 * numbers do not determine them. */
static int counts(const cJSON *t, double n, double prev, double k[4])
{
    double p = whole(prev * n), neg = isfinite(p) ? n - p : NAN;
    double tp = whole(jnum(t, "tpr") * p), fp = whole(jnum(t, "fpr") * neg);
    if (!isfinite(tp) || !isfinite(fp) || tp > p || fp > neg) return 0;
    /* the stored selection rate must agree: (TP + FP) / n */
    double sel = jnum(t, "selection_rate");
    if (!isfinite(sel) || fabs(sel * n - (tp + fp)) > 1e-6) return 0;
    k[0] = tp;
    k[1] = fp;
    k[2] = p - tp;
    k[3] = neg - fp;
    return 1;
}

void vigil_report_confusion(rctx *c)
{
    const cJSON *models[3] = {c->cand, c->pred, c->orig != c->pred ? c->orig : NULL};
    static const char *const names[3] = {"candidate", "predecessor", "original"};
    size_t rows = 0;
    for (int m = 0; m < 3; m++) rows += (size_t)cJSON_GetArraySize(jp(models[m], "thresholds"));
    if (!rows) {
        vigil_doc_p(&c->d, "The run stored no operating threshold, so no confusion table is shown.");
        return;
    }
    static const char *const cols[] = {"model", "threshold", "true positives", "false positives", "false negatives",
                                       "true negatives", "cases"};
    vigil_doc_table(&c->d, "confusion",
                    "Confusion counts at each operating threshold (flagged: score >= threshold; a threshold with a "
                    "count of 1-10 withholds all four, CMS cell-size rule)", cols, 7);
    int underived = 0;
    for (int m = 0; m < 3; m++) {
        if (!models[m]) continue;
        double n = jnum(models[m], "n"), prev = jnum(models[m], "prevalence");
        const cJSON *t;
        cJSON_ArrayForEach(t, jp(models[m], "thresholds"))
        {
            double k[4] = {NAN, NAN, NAN, NAN};
            int sup = cJSON_IsTrue(jp(t, "suppressed")), ok = !sup && counts(t, n, prev, k);
            if (ok) sup |= !vigil_fairness_confusion_ok(k, (size_t)c->min_cell);
            underived |= !sup && !ok;
            char thr[32];
            snprintf(thr, sizeof thr, "%g", jnum(t, "value"));
            rcell r[7] = {vigil_cell_txt(names[m]), vigil_cell_txt(thr)};
            for (int i = 0; i < 4; i++)
                r[2 + i] = sup ? vigil_cell_sup() : ok ? vigil_cell_count(k[i], c->min_cell) : vigil_cell_undef(1, "see below");
            r[6] = vigil_cell_count(n, c->min_cell);
            vigil_doc_row(&c->d, r);
        }
    }
    vigil_doc_table_end(&c->d);
    if (underived)
        vigil_doc_p(&c->d, "\"undefined (see below)\": the stored rates of that threshold do not give whole counts (its prevalence "
                    "or a rate is withheld or missing), so no count is shown.");
}
