/* The multi-class tables of the report (issue 20), from the stored `multiclass` block. */
#include "report/sections_multiclass.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cJSON *get(const cJSON *o, const char *key) { return o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL; }

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = get(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* A {value, ci_low, ci_high, reason} object as two cells; a withheld one says so. */
static void value_cells(const cJSON *x, int digits, rcell *v, rcell *ci)
{
    double val = num(x, "value");
    const cJSON *why = get(x, "reason");
    if (!isfinite(val) && cJSON_IsString(why) && strncmp(why->valuestring, "withheld", 8) == 0) {
        *v = *ci = vigil_cell_sup();
        return;
    }
    *v = isfinite(val) ? vigil_cell_num(val, digits) : vigil_cell_txt(cJSON_IsString(why) ? why->valuestring : "undefined (none on these cases)");
    *ci = vigil_cell_ci(num(x, "ci_low"), num(x, "ci_high"), digits);
}

static void classes_table(rctx *c, const cJSON *m)
{
    static const char *const cols[] = {"class", "cases", "AUROC (one-vs-rest)", "95% CI (DeLong)", "sensitivity",
                                       "95% CI (Wilson)", "PPV", "95% CI (Wilson)"};
    vigil_doc_table(&c->d, "multiclass-classes", "Each class, one against the rest: AUROC, and sensitivity and PPV of "
                    "the most probable class", cols, 8);
    const cJSON *x;
    cJSON_ArrayForEach(x, get(m, "classes"))
    {
        rcell r[8];
        r[0] = vigil_cell_txt(x->string);
        r[1] = vigil_cell_count(num(x, "n"), c->d.min_cell);
        if (!isfinite(num(x, "n"))) r[1] = vigil_cell_sup();
        value_cells(get(x, "auroc"), 3, &r[2], &r[3]);
        value_cells(get(x, "sensitivity"), 3, &r[4], &r[5]);
        value_cells(get(x, "ppv"), 3, &r[6], &r[7]);
        vigil_doc_row(&c->d, r);
    }
    vigil_doc_table_end(&c->d);
}

static void confusion_table(rctx *c, const cJSON *m)
{
    const cJSON *cm = get(m, "confusion_matrix"), *names = get(m, "class_order"), *rows = get(cm, "counts");
    size_t k = (size_t)cJSON_GetArraySize(names);
    if (cJSON_IsString(get(cm, "withheld")) || (size_t)cJSON_GetArraySize(rows) != k) {
        vigil_doc_p(&c->d, "Confusion matrix: %s.", cJSON_IsString(get(cm, "withheld")) ? get(cm, "withheld")->valuestring
                                                                                     : "not stored");
        return;
    }
    const char **cols = calloc(k + 1, sizeof *cols);
    rcell *r = calloc(k + 1, sizeof *r);
    if (!cols || !r) {
        free(cols);
        free(r);
        vigil_doc_p(&c->d, "Confusion matrix: not shown (out of memory).");
        return;
    }
    cols[0] = "true class / most probable";
    for (size_t j = 0; j < k; j++) cols[j + 1] = cJSON_GetArrayItem(names, (int)j)->valuestring;
    vigil_doc_table(&c->d, "multiclass-confusion", "Confusion matrix at the most probable class (cases; a withheld cell "
                    "is a count under min-cell or one the shown totals would give back)", cols, k + 1);
    for (size_t t = 0; t < k; t++) {
        const cJSON *row = cJSON_GetArrayItem(rows, (int)t);
        r[0] = vigil_cell_txt(cols[t + 1]);
        for (size_t j = 0; j < k; j++) {
            const cJSON *v = cJSON_GetArrayItem(row, (int)j);
            r[j + 1] = cJSON_IsNumber(v) ? vigil_cell_count(v->valuedouble, c->d.min_cell) : vigil_cell_sup();
        }
        vigil_doc_row(&c->d, r);
    }
    vigil_doc_table_end(&c->d);
    free(cols);
    free(r);
}

static void calibration_table(rctx *c, const cJSON *m)
{
    static const char *const cols[] = {"confidence bin", "cases", "mean confidence", "accuracy", "95% CI (Wilson)"};
    vigil_doc_table(&c->d, "multiclass-calibration", "Top-label calibration: accuracy of the most probable class "
                    "against its probability, ten equal-width bins", cols, 5);
    const cJSON *b;
    cJSON_ArrayForEach(b, get(m, "calibration_top_label"))
    {
        char bin[64];
        snprintf(bin, sizeof bin, "%.1f to %.1f", num(b, "bin_low"), num(b, "bin_high"));
        double n = num(b, "n");
        if (n == 0) continue;
        rcell r[5] = {vigil_cell_txt(bin), isfinite(n) ? vigil_cell_count(n, c->d.min_cell) : vigil_cell_sup(),
                      vigil_cell_num(num(b, "confidence"), 3), vigil_cell_num(num(b, "accuracy"), 3),
                      vigil_cell_ci(num(b, "ci_low"), num(b, "ci_high"), 3)};
        if (!isfinite(num(b, "accuracy"))) r[2] = r[3] = r[4] = vigil_cell_sup();
        vigil_doc_row(&c->d, r);
    }
    vigil_doc_table_end(&c->d);
}

void vigil_report_multiclass(rctx *c)
{
    const cJSON *m = get(c->cand, "multiclass");
    if (!m) return;
    vigil_doc_p(&c->d, "The candidate ranks %.0f classes (top-%.0f accuracy above); the tables below are its own, from "
                "the stored run.", num(m, "n_classes"), num(m, "top_k"));
    classes_table(c, m);
    confusion_table(c, m);
    calibration_table(c, m);
}
