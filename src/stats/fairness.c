/* Subgroup disparities and intersections of group columns. */
#include "vigil/fairness.h"
#include "vigil/error.h"
#include "vigil/table.h"
#include "core/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The cell-size policy's rules (vigil_fairness_min_cell, _count_ok, _rate_ok, _complement,
 * _levels_withheld, _composition_withheld, _confusion_ok) are in metrics_report_cells.c, their
 * one home. */

/* Largest minus smallest finite value (NaN with fewer than two); *ratio min/max. */
static double spread(const double *v, size_t n, double *ratio)
{
    double lo = INFINITY, hi = -INFINITY;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i])) continue;
        if (v[i] < lo) lo = v[i];
        if (v[i] > hi) hi = v[i];
        k++;
    }
    if (ratio) *ratio = k >= 2 ? (hi > 0 ? lo / hi : NAN) : NAN;
    return k >= 2 ? hi - lo : NAN;
}

void vigil_fairness_disparities(const double *sel, const double *tpr, const double *fpr,
                                const double *auroc, const double *ece, const double *citl,
                                size_t n, vigil_disparities *o)
{
    o->demographic_parity_difference = spread(sel, n, &o->demographic_parity_ratio);
    double dt = spread(tpr, n, NULL), df = spread(fpr, n, NULL);
    o->equal_opportunity_difference = dt;
    o->equalized_odds_difference = isnan(dt) ? df : isnan(df) ? dt : fmax(dt, df);
    o->auroc_gap = spread(auroc, n, NULL);
    o->calibration_gap_ece = spread(ece, n, NULL);
    o->calibration_gap_citl = spread(citl, n, NULL);
    /* the calibration gap is the CITL gap, on the log-odds scale (issue 18: it had been the
     * larger of the ECE gap, a probability, and the CITL gap, a log-odds: two units compared) */
    o->calibration_gap = o->calibration_gap_citl;
}

/* Open-addressing map from a combination (one code per column) to its new code. */
int vigil_fairness_intersect(const int32_t *const *codes, const char *const *const *levels,
                             size_t n_cols, size_t n, int32_t **out_codes, char ***out_levels,
                             size_t *out_n_levels)
{
    int32_t *oc = malloc((n ? n : 1) * sizeof *oc), *keys = NULL, *slot = NULL;
    char **names = NULL;
    size_t nl = 0, cap = 1024;
    int rc = VIGIL_OK;
    *out_codes = NULL;
    *out_levels = NULL;
    *out_n_levels = 0;
    if (!oc || !(keys = malloc(cap * n_cols * sizeof *keys)) || !(slot = malloc(2 * cap * sizeof *slot)))
        goto oom;
    for (size_t s = 0; s < 2 * cap; s++) slot[s] = -1;
    for (size_t i = 0; i < n; i++) {
        uint64_t h = 1469598103934665603ULL;
        int missing = 0;
        for (size_t c = 0; c < n_cols; c++) {
            if (codes[c][i] < 0) missing = 1;
            h = (h ^ (uint64_t)(uint32_t)codes[c][i]) * 1099511628211ULL;
        }
        if (missing) {
            oc[i] = -1;
            continue;
        }
        size_t s = h & (2 * cap - 1);
        for (;; s = (s + 1) & (2 * cap - 1)) {
            if (slot[s] < 0) break;
            const int32_t *k = keys + (size_t)slot[s] * n_cols;
            size_t c = 0;
            while (c < n_cols && k[c] == codes[c][i]) c++;
            if (c == n_cols) break;
        }
        if (slot[s] >= 0) {
            oc[i] = slot[s];
            continue;
        }
        if (nl + 1 > cap) { /* grow: rebuild the slots at twice the size */
            size_t ncap = cap * 2;
            int32_t *nk = realloc(keys, ncap * n_cols * sizeof *keys), *ns;
            if (!nk) goto oom;
            keys = nk;
            if (!(ns = malloc(2 * ncap * sizeof *ns))) goto oom;
            for (size_t t = 0; t < 2 * ncap; t++) ns[t] = -1;
            for (size_t l = 0; l < nl; l++) {
                uint64_t g = 1469598103934665603ULL;
                for (size_t c = 0; c < n_cols; c++)
                    g = (g ^ (uint64_t)(uint32_t)keys[l * n_cols + c]) * 1099511628211ULL;
                size_t t = g & (2 * ncap - 1);
                while (ns[t] >= 0) t = (t + 1) & (2 * ncap - 1);
                ns[t] = (int32_t)l;
            }
            free(slot);
            slot = ns;
            cap = ncap;
            s = h & (2 * cap - 1);
            while (slot[s] >= 0) s = (s + 1) & (2 * cap - 1);
        }
        for (size_t c = 0; c < n_cols; c++) keys[nl * n_cols + c] = codes[c][i];
        slot[s] = (int32_t)nl;
        oc[i] = (int32_t)nl++;
    }
    /* Name the combinations; order them by their column codes so output is stable. */
    int32_t *rank = NULL, *perm = NULL;
    if (!(names = calloc(nl ? nl : 1, sizeof *names)) || !(rank = malloc((nl ? nl : 1) * sizeof *rank)) ||
        !(perm = malloc((nl ? nl : 1) * sizeof *perm))) {
        free(rank);
        free(perm);
        goto oom;
    }
    for (size_t l = 0; l < nl; l++) perm[l] = (int32_t)l;
    for (size_t a = 1; a < nl; a++) { /* insertion sort: level counts are small */
        int32_t v = perm[a];
        size_t b = a;
        while (b > 0) {
            const int32_t *x = keys + (size_t)perm[b - 1] * n_cols, *y = keys + (size_t)v * n_cols;
            size_t c = 0;
            while (c < n_cols && x[c] == y[c]) c++;
            if (c == n_cols || x[c] < y[c]) break;
            perm[b] = perm[b - 1];
            b--;
        }
        perm[b] = v;
    }
    for (size_t l = 0; l < nl; l++) rank[perm[l]] = (int32_t)l;
    for (size_t l = 0; l < nl; l++) {
        vigil_sbuf b = {0};
        for (size_t c = 0; c < n_cols; c++)
            vigil_sbuf_printf(&b, "%s%s", c ? "+" : "", levels[c][keys[(size_t)perm[l] * n_cols + c]]);
        if (b.failed) {
            vigil_sbuf_free(&b);
            free(rank);
            free(perm);
            goto oom;
        }
        names[l] = b.s ? b.s : vigil_strdup("");
    }
    for (size_t i = 0; i < n; i++)
        if (oc[i] >= 0) oc[i] = rank[oc[i]];
    free(rank);
    free(perm);
    *out_codes = oc;
    *out_levels = names;
    *out_n_levels = nl;
    oc = NULL;
    names = NULL;
    goto done;
oom:
    rc = vigil_error_set(VIGIL_ENOMEM, "out of memory intersecting group columns");
done:
    free(oc);
    if (names)
        for (size_t l = 0; l < nl; l++) free(names[l]);
    free(names);
    free(keys);
    free(slot);
    return rc;
}
