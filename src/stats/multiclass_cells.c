/* The cell-size policy of the multi-class report across scopes (include/vigil/multiclass.h).
 *
 * Each scope (overall, a level) shows counts, or rates from which counts follow: its cases,
 * accuracy (correct, incorrect), top-k accuracy (hits, misses), and per class its cases (and
 * the rest), sensitivity (TP, FN) and PPV (TP, FP), and per top-label bin its cases and its
 * accuracy (correct, incorrect). The per-scope policy (multiclass.c) withholds each one whose
 * counts include one from 1 to min_cell - 1. Here, under the policy's partition rule
 * (vigil_fairness_partition in metrics_report_cells.c): wherever cells partition a total that is shown,
 * the withheld cells' sum is the total minus the shown ones, so when that sum is 1..min_cell-1
 * the smallest cell still shown is withheld too; and where the total is withheld, a partition
 * shown in full would add it back up, so one of its non-zero cells is withheld. The
 * partitions: the levels of each group (for every item, the overall scope's as the total),
 * the levels of a group inside each level of a group they nest in (sex+race in sex), and
 * within each scope its classes and its bins (of its cases; of its correct and incorrect
 * argmax, as TP/FN, TP/FP and per bin) (the scope's cases as the total). Repeated
 * to a fixed point. A level withheld as a whole withholds everything in it. */
#include "stats/multiclass.h"
#include "vigil/error.h"
#include "vigil/fairness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { I_LEVEL, I_ACC, I_TOPK, I_CLASS }; /* then 3 per class (n, sens, ppv), then 2 per bin (n, acc) */

typedef struct {
    size_t k, items, n_scopes, mc;
    double *v;     /* n_scopes x items x 2 counts */
    uint8_t *nv;   /* items: how many counts */
    uint8_t *show; /* n_scopes x items */
    double *pcount; /* one partition's cells: 2 counts each */
    int *pshown;    /* and their flags */
} cells;

static size_t bin_item(size_t k, int b, int acc) { return I_CLASS + 3 * k + 2 * (size_t)b + (size_t)acc; }

static void fill(cells *T, size_t q, const double *h)
{
    double W = h[H_W], *v = T->v + q * T->items * 2;
    v[2 * I_LEVEL] = W;
    v[2 * I_ACC] = h[H_CORRECT], v[2 * I_ACC + 1] = W - h[H_CORRECT];
    v[2 * I_TOPK] = h[H_HIT], v[2 * I_TOPK + 1] = W - h[H_HIT];
    for (size_t c = 0; c < T->k; c++) {
        const double *x = h + H + c * C;
        double *o = v + 2 * (I_CLASS + 3 * c);
        o[0] = x[C_POS], o[1] = W - x[C_POS];
        o[2] = x[C_TP], o[3] = x[C_POS] - x[C_TP];
        o[4] = x[C_TP], o[5] = x[C_PRED] - x[C_TP];
    }
    for (int b = 0; b < VM_BINS; b++) {
        const double *x = h + H_TL + 3 * b;
        v[2 * bin_item(T->k, b, 0)] = x[0];
        v[2 * bin_item(T->k, b, 1)] = x[2], v[2 * bin_item(T->k, b, 1) + 1] = x[0] - x[2];
    }
}

static int shown(const cells *T, size_t q, size_t it)
{
    return T->show[q * T->items + I_LEVEL] && T->show[q * T->items + it];
}

/* One partition: cells (scope q[j], item it[j]), j < m, of a total (scope tq, item tit);
 * `ncounts`: how many of their counts add up to the total's. The rule is the policy's
 * (vigil_fairness_partition); this gathers the cells and writes back what it withholds.
 * Returns 1 when it withheld something more. */
static int partition(cells *T, const size_t *q, const size_t *it, size_t m, size_t tq, size_t tit, size_t ncounts)
{
    for (size_t j = 0; j < m; j++) {
        const double *v = T->v + (q[j] * T->items + it[j]) * 2;
        for (size_t c = 0; c < 2; c++) T->pcount[2 * j + c] = c < T->nv[it[j]] ? v[c] : 0;
        T->pshown[j] = shown(T, q[j], it[j]);
    }
    if (!vigil_fairness_partition(T->pcount, m, ncounts, T->v[(tq * T->items + tit) * 2], shown(T, tq, tit), T->mc,
                                  T->pshown))
        return 0;
    for (size_t j = 0; j < m; j++)
        if (!T->pshown[j]) T->show[q[j] * T->items + it[j]] = 0;
    return 1;
}

/* What one withheld item takes with it inside its scope. */
static int implied(cells *T, size_t q)
{
    uint8_t *s = T->show + q * T->items;
    int changed = 0;
    if (!s[I_LEVEL])
        for (size_t it = 1; it < T->items; it++) changed |= s[it], s[it] = 0;
    for (size_t c = 0; c < T->k; c++) /* a sensitivity is TP over the class's cases */
        if (!s[I_CLASS + 3 * c] && s[I_CLASS + 3 * c + 1]) s[I_CLASS + 3 * c + 1] = 0, changed = 1;
    for (int b = 0; b < VM_BINS; b++)
        if (!s[bin_item(T->k, b, 0)] && s[bin_item(T->k, b, 1)]) s[bin_item(T->k, b, 1)] = 0, changed = 1;
    return changed;
}

static mc_scope *scope_at(vigil_multiclass_report *r, size_t q)
{
    if (q == 0) return &r->all;
    q--;
    for (size_t g = 0; g < r->ng; q -= r->g[g].n_levels, g++)
        if (q < r->g[g].n_levels) return &r->g[g].lv[q];
    return NULL;
}

static void read_flags(cells *T, size_t q, const mc_scope *s)
{
    uint8_t *f = T->show + q * T->items;
    f[I_LEVEL] = !s->suppressed;
    f[I_ACC] = !s->suppressed && isfinite(s->est[MC_ACC]);
    f[I_TOPK] = !s->suppressed && isfinite(s->est[MC_TOPK]);
    for (size_t c = 0; c < T->k; c++) {
        const mc_class *x = &s->cls[c];
        f[I_CLASS + 3 * c] = x->n_ok;
        f[I_CLASS + 3 * c + 1] = x->sens_ok || x->n == 0;
        f[I_CLASS + 3 * c + 2] = x->ppv_ok || x->pred == 0;
    }
    for (int b = 0; b < VM_BINS; b++) {
        f[bin_item(T->k, b, 0)] = s->bins[b].n_ok;
        f[bin_item(T->k, b, 1)] = s->bins[b].ok || s->bins[b].w == 0;
    }
    if (s->suppressed) memset(f, 0, T->items);
}

static void write_flags(const cells *T, size_t q, mc_scope *s)
{
    const uint8_t *f = T->show + q * T->items;
    static const char withheld[] = "withheld (cell-size policy): its count of cases is under min-cell";
    if (!f[I_LEVEL]) s->suppressed = 1;
    if (s->suppressed) return;
    if (!f[I_ACC] && isfinite(s->est[MC_ACC])) s->est[MC_ACC] = NAN, s->why[MC_ACC] = withheld;
    if (!f[I_TOPK] && isfinite(s->est[MC_TOPK])) s->est[MC_TOPK] = NAN, s->why[MC_TOPK] = withheld;
    for (size_t c = 0; c < T->k; c++) {
        mc_class *x = &s->cls[c];
        x->n_ok &= f[I_CLASS + 3 * c];
        x->sens_ok &= f[I_CLASS + 3 * c + 1];
        x->ppv_ok &= f[I_CLASS + 3 * c + 2];
    }
    for (int b = 0; b < VM_BINS; b++) {
        s->bins[b].n_ok &= f[bin_item(T->k, b, 0)];
        s->bins[b].ok &= f[bin_item(T->k, b, 1)] && s->bins[b].n_ok;
    }
}

/* Group b's levels nest in group a's when every b-level's cases share one a-level (sex+race in
 * sex): parent (b's levels) gets that a-level's scope. 0 when they do not nest. */
static int nests(const vigil_multiclass_report *r, const uint32_t *const *scope_of, size_t a, size_t b,
                 size_t first_b, uint32_t *parent)
{
    size_t nb = r->g[b].n_levels;
    for (size_t l = 0; l < nb; l++) parent[l] = UINT32_MAX;
    for (size_t i = 0; i < r->n; i++) {
        size_t lb = scope_of[b][i] - first_b;
        if (parent[lb] == UINT32_MAX) parent[lb] = scope_of[a][i];
        else if (parent[lb] != scope_of[a][i]) return 0;
    }
    return 1;
}

int vigil_mc_cell_policy(vigil_multiclass_report *r, const double *S, size_t sz, const uint32_t *const *scope_of)
{
    size_t k = r->k, nq = 1, maxl = VM_BINS > k ? VM_BINS : k;
    for (size_t g = 0; g < r->ng; g++) {
        nq += r->g[g].n_levels;
        if (r->g[g].n_levels > maxl) maxl = r->g[g].n_levels;
    }
    cells T = {k, I_CLASS + 3 * k + 2 * VM_BINS, nq, r->o.min_cell, NULL, NULL, NULL, NULL, NULL};
    size_t *pq = malloc(maxl * sizeof *pq), *pit = malloc(maxl * sizeof *pit), *first = malloc((r->ng + 1) * sizeof *first);
    /* nesting pairs (a, b) and, per pair, b's parents */
    uint32_t **parent = calloc(r->ng * r->ng + 1, sizeof *parent);
    T.v = calloc(nq * T.items * 2, sizeof *T.v);
    T.nv = malloc(T.items);
    T.show = malloc(nq * T.items);
    T.pcount = malloc(2 * maxl * sizeof *T.pcount);
    T.pshown = malloc(maxl * sizeof *T.pshown);
    int rc = VIGIL_OK;
    if (!pq || !pit || !first || !parent || !T.v || !T.nv || !T.show || !T.pcount || !T.pshown) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory applying the cell-size policy");
        goto done;
    }
    for (size_t it = 0; it < T.items; it++) T.nv[it] = 2;
    T.nv[I_LEVEL] = 1;
    for (int b = 0; b < VM_BINS; b++) T.nv[bin_item(k, b, 0)] = 1;
    for (size_t q = 0; q < nq; q++) {
        fill(&T, q, S + q * sz);
        read_flags(&T, q, scope_at(r, q));
    }
    first[0] = 1;
    for (size_t g = 0; g < r->ng; g++) first[g + 1] = first[g] + r->g[g].n_levels;
    for (size_t a = 0; a < r->ng; a++)
        for (size_t b = 0; b < r->ng; b++) {
            if (a == b) continue;
            uint32_t *p = malloc(r->g[b].n_levels * sizeof *p);
            if (!p) {
                rc = vigil_error_set(VIGIL_ENOMEM, "out of memory applying the cell-size policy");
                goto done;
            }
            if (nests(r, scope_of, a, b, first[b], p)) parent[a * r->ng + b] = p;
            else free(p);
        }
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t q = 0; q < nq; q++) changed |= implied(&T, q);
        for (size_t g = 0; g < r->ng; g++) {
            size_t nl = r->g[g].n_levels;
            for (size_t it = 0; it < T.items; it++) {
                for (size_t l = 0; l < nl; l++) pq[l] = first[g] + l, pit[l] = it;
                changed |= partition(&T, pq, pit, nl, 0, it, T.nv[it]);
            }
        }
        /* b's levels inside each level of a group a they nest in */
        for (size_t a = 0; a < r->ng; a++)
            for (size_t b = 0; b < r->ng; b++) {
                const uint32_t *p = parent[a * r->ng + b];
                if (!p) continue;
                for (size_t la = 0; la < r->g[a].n_levels; la++) {
                    size_t m = 0, tq = first[a] + la;
                    for (size_t lb = 0; lb < r->g[b].n_levels; lb++)
                        if (p[lb] == tq) pq[m++] = first[b] + lb;
                    for (size_t it = 0; it < T.items; it++) {
                        for (size_t j = 0; j < m; j++) pit[j] = it;
                        changed |= partition(&T, pq, pit, m, tq, it, T.nv[it]);
                    }
                }
            }
        for (size_t q = 0; q < nq; q++) {
            if (!shown(&T, q, I_LEVEL)) continue;
            for (size_t c = 0; c < k; c++) pq[c] = q, pit[c] = I_CLASS + 3 * c;
            changed |= partition(&T, pq, pit, k, q, I_LEVEL, 1);
            for (int b = 0; b < VM_BINS; b++) pq[b] = q, pit[b] = bin_item(k, b, 0);
            changed |= partition(&T, pq, pit, VM_BINS, q, I_LEVEL, 1);
            /* correct and incorrect argmax (accuracy x n) split over the bins, and over the
             * classes as TP and FN (sensitivity) and as TP and FP (PPV) */
            for (int b = 0; b < VM_BINS; b++) pq[b] = q, pit[b] = bin_item(k, b, 1);
            changed |= partition(&T, pq, pit, VM_BINS, q, I_ACC, 2);
            for (size_t j = 1; j <= 2; j++) {
                for (size_t c = 0; c < k; c++) pq[c] = q, pit[c] = I_CLASS + 3 * c + j;
                changed |= partition(&T, pq, pit, k, q, I_ACC, 2);
            }
        }
    }
    for (size_t q = 0; q < nq; q++) write_flags(&T, q, scope_at(r, q));
done:
    for (size_t i = 0; parent && i < r->ng * r->ng; i++) free(parent[i]);
    free(parent);
    free(first);
    free(pq);
    free(pit);
    free(T.v);
    free(T.nv);
    free(T.show);
    free(T.pcount);
    free(T.pshown);
    return rc;
}

/* ---- the confusion matrix ----------------------------------------------------------------
 * Its lines -- rows (a class's cases: shown with the class's n), columns (the argmax count: a
 * shown PPV gives it back while its diagonal cell is shown) and the diagonal (accuracy x n) -- are
 * linear constraints on the withheld cells. Line by line: where the total is shown, the
 * withheld cells must not sum to 1..min_cell-1; where it is withheld, a non-zero cell of the
 * line stays withheld. Across lines (a 2 x 2 block with the diagonal's total pins its cells
 * down): no withheld cell may be determined by the shown totals, which is checked exactly on
 * the reduced row echelon form of the constraints. Either failure withholds the smallest shown
 * non-zero cell of a line through the exposed cells, until none is left. */

static size_t line_cell(size_t k, size_t line, size_t j)
{
    return line < k ? line * k + j : line < 2 * k ? j * k + (line - k) : j * k + j;
}

/* A withheld cell the shown line totals determine, or SIZE_MAX. A: scratch, lines x cells;
 * col_cell, colof: scratch, k x k. */
static size_t determined(const uint8_t *hid, const uint8_t *total, size_t k, double *A, size_t *col_cell,
                         size_t *colof)
{
    size_t m = 0, L = 2 * k + 1, rows = 0;
    for (size_t i = 0; i < k * k; i++) {
        colof[i] = hid[i] ? m : SIZE_MAX;
        if (hid[i]) col_cell[m++] = i;
    }
    if (!m) return SIZE_MAX;
    for (size_t line = 0; line < L; line++) {
        if (!total[line]) continue;
        double *a = A + rows * m;
        for (size_t j = 0; j < m; j++) a[j] = 0;
        for (size_t j = 0; j < k; j++) {
            size_t q = colof[line_cell(k, line, j)];
            if (q != SIZE_MAX) a[q] = 1;
        }
        rows++;
    }
    size_t r = 0;
    for (size_t c = 0; c < m && r < rows; c++) { /* Gauss-Jordan; entries stay small integers */
        size_t piv = r;
        while (piv < rows && fabs(A[piv * m + c]) < 1e-9) piv++;
        if (piv == rows) continue;
        for (size_t j = 0; j < m; j++) {
            double t = A[r * m + j];
            A[r * m + j] = A[piv * m + j];
            A[piv * m + j] = t;
        }
        double d = A[r * m + c];
        for (size_t j = 0; j < m; j++) A[r * m + j] /= d;
        for (size_t i = 0; i < rows; i++) {
            if (i == r || fabs(A[i * m + c]) < 1e-9) continue;
            double f = A[i * m + c];
            for (size_t j = 0; j < m; j++) A[i * m + j] -= f * A[r * m + j];
        }
        r++;
    }
    for (size_t i = 0; i < r; i++) { /* a row with one non-zero entry pins that cell */
        size_t nz = 0, at = 0;
        for (size_t j = 0; j < m; j++)
            if (fabs(A[i * m + j]) > 1e-9) nz++, at = j;
        if (nz == 1) return col_cell[at];
    }
    return SIZE_MAX;
}

/* Withhold the smallest shown non-zero cell on a line through `cell` (SIZE_MAX: on `line`);
 * 0 when there is none. */
static int withhold_beside(uint8_t *hid, const double *cnt, size_t k, size_t cell, size_t line)
{
    size_t lines[3], nl = 0, best = SIZE_MAX;
    if (line != SIZE_MAX) lines[nl++] = line;
    else {
        lines[nl++] = cell / k;
        lines[nl++] = k + cell % k;
        if (cell / k == cell % k) lines[nl++] = 2 * k;
    }
    for (size_t q = 0; q < nl; q++)
        for (size_t j = 0; j < k; j++) {
            size_t at = line_cell(k, lines[q], j);
            if (!hid[at] && cnt[at] > 0 && (best == SIZE_MAX || cnt[at] < cnt[best])) best = at;
        }
    if (best == SIZE_MAX) return 0;
    hid[best] = 1;
    return 1;
}

int vigil_mc_confusion_policy(vigil_multiclass_report *r, const double *cnt)
{
    size_t k = r->k, mc = r->o.min_cell, L = 2 * k + 1;
    if (k > VIGIL_MC_CONFUSION_MAX) { /* too many classes to check it exactly: not shown at all */
        for (size_t i = 0; i < k * k; i++) r->confusion[i] = NAN;
        r->confusion_omitted = 1;
        return VIGIL_OK;
    }
    uint8_t *hid = calloc(k * k, 1), *total = malloc(L);
    double *A = malloc(L * k * k * sizeof *A);
    size_t *col_cell = malloc(2 * k * k * sizeof *col_cell);
    if (!hid || !total || !A || !col_cell) {
        free(hid);
        free(total);
        free(A);
        free(col_cell);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory applying the cell-size policy to the confusion matrix");
    }
    for (size_t c = 0; c < k; c++) {
        total[c] = (uint8_t)r->all.cls[c].n_ok;
        total[k + c] = (uint8_t)r->all.cls[c].ppv_ok;
    }
    total[2 * k] = isfinite(r->all.est[MC_ACC]);
    for (size_t i = 0; i < k * k; i++) hid[i] = !vigil_fairness_count_ok(cnt[i], mc);
    int all = 0; /* withhold every cell: nothing left to withhold beside an exposed one */
    for (int changed = 1; changed && !all;) {
        changed = 0;
        for (size_t c = 0; c < k; c++) /* the PPV gives the column's total only with its TP */
            total[k + c] = (uint8_t)(r->all.cls[c].ppv_ok && !hid[c * k + c]);
        for (size_t line = 0; line < L && !all; line++) {
            double sum = 0;
            int pos_hidden = 0;
            for (size_t j = 0; j < k; j++) {
                size_t at = line_cell(k, line, j);
                if (hid[at]) sum += cnt[at], pos_hidden |= cnt[at] > 0;
            }
            int leak = total[line] ? !vigil_fairness_count_ok(sum, mc) : !pos_hidden;
            if (!leak) continue;
            int any = 0;
            for (size_t j = 0; j < k; j++) any |= !hid[line_cell(k, line, j)] && cnt[line_cell(k, line, j)] > 0;
            if (!any) continue; /* a hidden total, every cell of it zero or withheld */
            changed |= withhold_beside(hid, cnt, k, 0, line);
        }
        if (changed) continue;
        size_t d = determined(hid, total, k, A, col_cell, col_cell + k * k);
        if (d != SIZE_MAX) {
            if (!withhold_beside(hid, cnt, k, d, SIZE_MAX)) all = 1;
            changed = 1;
        }
    }
    for (size_t i = 0; i < k * k; i++) r->confusion[i] = hid[i] || all ? NAN : cnt[i];
    /* a rate on a withheld diagonal cell would give it back */
    for (size_t c = 0; c < k; c++)
        if (hid[c * k + c] || all) r->all.cls[c].sens_ok = r->all.cls[c].ppv_ok = 0;
    free(hid);
    free(total);
    free(A);
    free(col_cell);
    return VIGIL_OK;
}
