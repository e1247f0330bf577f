/* Multi-class metrics (issue 20): accuracy, top-k accuracy, log loss, Brier, one-vs-rest AUROC
 * (per class with DeLong CI, macro and weighted), MRR, classwise and top-label ECE, per-class
 * sensitivity and PPV, the confusion matrix, the top-label calibration curve, subgroups and
 * their gaps, the cell-size policy and the input checks.
 * Peers: scikit-learn 1.2.1 (accuracy_score, top_k_accuracy_score, log_loss, roc_auc_score
 * multi_class='ovr', recall_score, precision_score, confusion_matrix, calibration_curve) and
 * numpy 1.24 (Brier, MRR, DeLong by midranks); golden values from
 * tests/reference/multiclass_ref.py -> tests/reference/multiclass/<case>.{csv,json}. */
#include "testutil.h"
#include "vigil/error.h"
#include "vigil/multiclass.h"
#include "vigil/run.h"
#include "vigil/table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOL 1e-12
#define DIR "tests/reference/multiclass/"

typedef struct {
    vigil_table *t;
    cJSON *ref;
    size_t k, n;
    const char *names[64];
    const double *prob[64];
    int32_t *label;
    int32_t *gcodes[2];
    char **glevels[2];
    size_t gn[2];
    vigil_metrics_group groups[2];
    size_t ng;
} mc_case;

static void load(mc_case *c, const char *name, const char *const *group_cols, size_t ng)
{
    char path[256];
    memset(c, 0, sizeof *c);
    snprintf(path, sizeof path, DIR "%s.json", name);
    c->ref = tu_load_json(path);
    const cJSON *cl = cJSON_GetObjectItemCaseSensitive(c->ref, "classes");
    c->k = (size_t)cJSON_GetArraySize(cl);
    assert_true(c->k <= 64);
    snprintf(path, sizeof path, DIR "%s.csv", name);
    vigil_csv_options o = VIGIL_CSV_OPTIONS_INIT;
    vigil_col_decl types[1] = {{"dx", VIGIL_COL_CATEGORICAL}};
    o.types = types;
    o.n_types = 1;
    assert_int_equal(vigil_table_read_csv(&c->t, path, &o), 0);
    c->n = vigil_table_nrows(c->t);
    for (size_t k = 0; k < c->k; k++) {
        c->names[k] = cJSON_GetArrayItem(cl, (int)k)->valuestring;
        char col[64];
        snprintf(col, sizeof col, "p_%s", c->names[k]);
        int j = vigil_table_find(c->t, col);
        assert_true(j >= 0);
        c->prob[k] = vigil_table_numeric(c->t, (size_t)j);
        assert_non_null(c->prob[k]);
    }
    int lc = vigil_table_find(c->t, "dx");
    const int32_t *codes = vigil_table_codes(c->t, (size_t)lc);
    c->label = malloc(c->n * sizeof *c->label);
    for (size_t i = 0; i < c->n; i++) {
        const char *s = vigil_table_level(c->t, (size_t)lc, (size_t)codes[i]);
        c->label[i] = -1;
        for (size_t k = 0; k < c->k; k++)
            if (strcmp(s, c->names[k]) == 0) c->label[i] = (int32_t)k;
        assert_true(c->label[i] >= 0);
    }
    c->ng = ng;
    for (size_t g = 0; g < ng; g++) {
        int j = vigil_table_find(c->t, group_cols[g]);
        assert_true(j >= 0);
        assert_int_equal(vigil_table_as_levels(c->t, (size_t)j, &c->gcodes[g], &c->glevels[g], &c->gn[g]), 0);
        c->groups[g] = (vigil_metrics_group){group_cols[g], c->gcodes[g], (const char *const *)c->glevels[g], c->gn[g]};
    }
}

static void unload(mc_case *c)
{
    for (size_t g = 0; g < c->ng; g++) vigil_table_levels_free(c->gcodes[g], c->glevels[g], c->gn[g]);
    free(c->label);
    vigil_table_free(c->t);
    cJSON_Delete(c->ref);
}

static vigil_multiclass_report *compute(const mc_case *c, size_t min_cell, size_t bootstrap, unsigned threads)
{
    vigil_multiclass_options o = VIGIL_MULTICLASS_OPTIONS_INIT;
    o.min_cell = min_cell;
    o.bootstrap = bootstrap;
    o.threads = threads;
    vigil_multiclass_report *r = NULL;
    int rc = vigil_multiclass_compute(&r, c->prob, c->k, c->names, c->label, c->n, c->groups, c->ng, &o);
    if (rc) print_error("%s\n", vigil_error_last());
    assert_int_equal(rc, 0);
    return r;
}

static const char *const k_stats[] = {"accuracy", "top_k_accuracy", "log_loss", "brier", "auroc_ovr_macro",
                                      "auroc_ovr_weighted", "mrr", "ece_classwise", "ece_top_label"};

/* Every number of one scope against the peer's; `all_shown`: the policy withholds nothing
 * (min-cell 1), else a number vigil withholds must be WITHHELD, never a different value. */
static void check_scope(const vigil_multiclass_report *r, const mc_case *c, const cJSON *ref, const char *group,
                        const char *level, int all_shown)
{
    vigil_metric_value v;
    for (size_t s = 0; s < sizeof k_stats / sizeof *k_stats; s++) {
        assert_int_equal(vigil_multiclass_report_get(&v, r, k_stats[s], group, level), 0);
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(ref, k_stats[s]);
        assert_non_null(x);
        if (cJSON_IsNull(x)) {
            assert_int_equal(v.status, VIGIL_METRIC_UNDEFINED);
            continue;
        }
        if (v.status != VIGIL_METRIC_OK && !all_shown) {
            assert_int_equal(v.status, VIGIL_METRIC_WITHHELD);
            continue;
        }
        if (v.status != VIGIL_METRIC_OK) print_error("%s: %s\n", k_stats[s], v.why);
        assert_int_equal(v.status, VIGIL_METRIC_OK);
        assert_close(v.value, x->valuedouble, TOL);
    }
    const cJSON *cls = cJSON_GetObjectItemCaseSensitive(ref, "classes");
    static const char *const cs[] = {"auroc", "sensitivity", "ppv"};
    for (size_t k = 0; k < c->k; k++) {
        char key[16];
        snprintf(key, sizeof key, "%zu", k);
        const cJSON *one = cJSON_GetObjectItemCaseSensitive(cls, key);
        assert_int_equal(vigil_multiclass_report_class(&v, r, c->names[k], "n", group, level), 0);
        if (v.status == VIGIL_METRIC_OK) assert_close(v.value, tu_num(one, "n"), 0);
        else assert_false(all_shown); /* small, or withheld beside a small one */
        for (size_t s = 0; s < 3; s++) {
            assert_int_equal(vigil_multiclass_report_class(&v, r, c->names[k], cs[s], group, level), 0);
            const cJSON *x = cJSON_GetObjectItemCaseSensitive(one, cs[s]);
            if (cJSON_IsNull(x)) {
                assert_int_equal(v.status, VIGIL_METRIC_UNDEFINED);
                continue;
            }
            if (v.status != VIGIL_METRIC_OK && !all_shown) {
                assert_int_equal(v.status, VIGIL_METRIC_WITHHELD);
                continue;
            }
            assert_int_equal(v.status, VIGIL_METRIC_OK);
            assert_close(v.value, x->valuedouble, TOL);
            if (s == 0) { /* DeLong, against the midrank algorithm */
                const cJSON *ci = cJSON_GetObjectItemCaseSensitive(one, "auroc_ci");
                assert_close(v.ci_low, cJSON_GetArrayItem(ci, 0)->valuedouble, 1e-9);
                assert_close(v.ci_high, cJSON_GetArrayItem(ci, 1)->valuedouble, 1e-9);
            }
        }
    }
}

static void check_confusion(const vigil_multiclass_report *r, const mc_case *c, const cJSON *ref, int all_shown)
{
    const cJSON *cm = cJSON_GetObjectItemCaseSensitive(ref, "confusion_matrix");
    for (size_t t = 0; t < c->k; t++)
        for (size_t p = 0; p < c->k; p++) {
            double v = vigil_multiclass_report_confusion(r, t, p),
                   want = cJSON_GetArrayItem(cJSON_GetArrayItem(cm, (int)t), (int)p)->valuedouble;
            if (all_shown || !isnan(v)) assert_close(v, want, 0);
        }
}

static void test_main(void **state)
{
    (void)state;
    mc_case c;
    const char *g[] = {"site", "sex"};
    load(&c, "main", g, 2);
    vigil_multiclass_report *r = compute(&c, 0, 0, 0);
    const cJSON *all = cJSON_GetObjectItemCaseSensitive(c.ref, "overall");
    check_scope(r, &c, all, NULL, NULL, 1); /* 2,000 cases: nothing small overall */
    check_confusion(r, &c, all, 0);
    const cJSON *sg = cJSON_GetObjectItemCaseSensitive(c.ref, "subgroups");
    vigil_metric_value v;
    int gaps_checked = 0;
    for (size_t gi = 0; gi < 2; gi++) {
        const cJSON *lv = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sg, g[gi]), "levels");
        for (const cJSON *l = lv->child; l; l = l->next) {
            if (!cJSON_GetObjectItemCaseSensitive(l, "accuracy")) { /* under min-cell: suppressed */
                assert_int_equal(vigil_multiclass_report_get(&v, r, "accuracy", g[gi], l->string), 0);
                assert_int_equal(v.status, VIGIL_METRIC_WITHHELD);
                continue;
            }
            check_scope(r, &c, l, g[gi], l->string, 0);
        }
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sg, g[gi]), "disparities");
        static const char *const gaps[] = {"top_k_accuracy_gap", "auroc_ovr_macro_gap"};
        static const char *const of[] = {"top_k_accuracy", "auroc_ovr_macro"};
        for (int k = 0; k < 2; k++) {
            assert_int_equal(vigil_multiclass_report_get(&v, r, gaps[k], g[gi], NULL), 0);
            /* a gap is over every level that is not suppressed, or not given when one of them
             * withholds the statistic (cell-size policy) */
            int withheld = 0, extra = 0;
            double hi = -INFINITY, lo = INFINITY;
            vigil_metric_value w;
            for (const cJSON *l = lv->child; l; l = l->next) {
                assert_int_equal(vigil_multiclass_report_get(&w, r, of[k], g[gi], l->string), 0);
                if (w.status == VIGIL_METRIC_WITHHELD && strstr(w.why, "level is suppressed")) {
                    extra += cJSON_GetObjectItemCaseSensitive(l, "accuracy") != NULL; /* the peer kept it */
                    continue;
                }
                if (w.status != VIGIL_METRIC_OK) {
                    withheld++;
                    continue;
                }
                double x = tu_num(l, of[k]);
                hi = fmax(hi, x);
                lo = fmin(lo, x);
            }
            if (withheld) assert_int_equal(v.status, VIGIL_METRIC_UNDEFINED);
            else assert_close(v.value, hi - lo, TOL);
            if (!withheld && !extra) assert_close(v.value, tu_num(d, gaps[k]), TOL); /* the same levels */
            gaps_checked += !withheld && !extra;
        }
    }
    assert_true(gaps_checked >= 2);
    /* the island level (6 cases) is suppressed, the missing one is a level of its own */
    assert_int_equal(vigil_multiclass_report_get(&v, r, "accuracy", "site", "island"), 0);
    assert_int_equal(v.status, VIGIL_METRIC_WITHHELD);
    /* and (missing), 34 cases, with it: 6 would come back as 2,000 minus the shown levels */
    assert_int_equal(vigil_multiclass_report_get(&v, r, "auroc_ovr_macro", "site", "(missing)"), 0);
    assert_int_equal(v.status, VIGIL_METRIC_WITHHELD);
    assert_int_equal(vigil_multiclass_report_get(&v, r, "auroc_ovr_macro", "site", "east"), 0);
    assert_int_equal(v.status, VIGIL_METRIC_OK);
    assert_int_equal(vigil_multiclass_report_get(&v, r, "accuracy", "site", "nowhere"), VIGIL_EINVAL);
    assert_int_equal(vigil_multiclass_report_get(&v, r, "auroc_gap", "site", NULL), VIGIL_EINVAL);
    vigil_multiclass_report_free(r);
    unload(&c);
}

static void test_absent_class(void **state)
{
    (void)state;
    mc_case c;
    load(&c, "absent", NULL, 0);
    vigil_multiclass_report *r = compute(&c, 0, 0, 0);
    const cJSON *all = cJSON_GetObjectItemCaseSensitive(c.ref, "overall");
    check_scope(r, &c, all, NULL, NULL, 1);
    vigil_metric_value v;
    assert_int_equal(vigil_multiclass_report_class(&v, r, "d", "auroc", NULL, NULL), 0);
    assert_int_equal(v.status, VIGIL_METRIC_UNDEFINED);
    assert_non_null(strstr(v.why, "absent from the labels"));
    assert_close(tu_num(all, "auroc_ovr_classes"), 3, 0);
    vigil_multiclass_report_free(r);
    unload(&c);
}

static void test_tiny(void **state)
{
    (void)state;
    mc_case c;
    load(&c, "tiny", NULL, 0);
    const cJSON *all = cJSON_GetObjectItemCaseSensitive(c.ref, "overall");
    vigil_multiclass_report *r = compute(&c, 1, 0, 0);
    check_scope(r, &c, all, NULL, NULL, 1);
    check_confusion(r, &c, all, 1);
    vigil_multiclass_report_free(r);
    /* the default floor: 7 of 12 correct and classes of 3 to 5 cases are small cells */
    r = compute(&c, 0, 0, 0);
    check_scope(r, &c, all, NULL, NULL, 0);
    vigil_metric_value v;
    assert_int_equal(vigil_multiclass_report_get(&v, r, "accuracy", NULL, NULL), 0);
    assert_int_equal(v.status, VIGIL_METRIC_WITHHELD);
    assert_int_equal(vigil_multiclass_report_class(&v, r, "x", "auroc", NULL, NULL), 0);
    assert_int_equal(v.status, VIGIL_METRIC_WITHHELD);
    assert_int_equal(vigil_multiclass_report_class(&v, r, "x", "n", NULL, NULL), 0);
    assert_int_equal(v.status, VIGIL_METRIC_WITHHELD);
    for (size_t t = 0; t < 3; t++)
        for (size_t p = 0; p < 3; p++) assert_true(isnan(vigil_multiclass_report_confusion(r, t, p)) ||
                                                   vigil_multiclass_report_confusion(r, t, p) == 0);
    vigil_multiclass_report_free(r);
    unload(&c);
}

static void test_two_fifty_offsum(void **state)
{
    (void)state;
    static const char *const cases[] = {"two", "fifty", "offsum"};
    for (int k = 0; k < 3; k++) {
        mc_case c;
        load(&c, cases[k], NULL, 0);
        const cJSON *all = cJSON_GetObjectItemCaseSensitive(c.ref, "overall");
        vigil_multiclass_report *r = compute(&c, 1, 0, 0);
        check_scope(r, &c, all, NULL, NULL, 1);
        check_confusion(r, &c, all, 1);
        vigil_multiclass_report_free(r);
        r = compute(&c, 0, 0, 0);
        check_scope(r, &c, all, NULL, NULL, 0);
        check_confusion(r, &c, all, 0);
        vigil_multiclass_report_free(r);
        unload(&c);
    }
}

/* The confusion matrix under the policy: no count 1..10, and the withheld cells of a row,
 * column or the diagonal never sum to 1..10 (the line's total minus its shown cells would
 * give that sum back). */
/* The rank of the first `rows` rows of A (rows x m), by elimination with partial pivoting. */
static size_t rank_of(double *A, size_t rows, size_t m)
{
    size_t rank = 0;
    for (size_t c = 0; c < m && rank < rows; c++) {
        size_t piv = rank;
        for (size_t i = rank; i < rows; i++)
            if (fabs(A[i * m + c]) > fabs(A[piv * m + c])) piv = i;
        if (fabs(A[piv * m + c]) < 1e-9) continue;
        for (size_t j = 0; j < m; j++) {
            double t = A[rank * m + j];
            A[rank * m + j] = A[piv * m + j];
            A[piv * m + j] = t;
        }
        for (size_t i = rank + 1; i < rows; i++) {
            double f = A[i * m + c] / A[rank * m + c];
            for (size_t j = c; j < m; j++) A[i * m + j] -= f * A[rank * m + j];
        }
        rank++;
    }
    return rank;
}

/* No withheld confusion cell is pinned down by the totals the report shows (a class's n, its
 * argmax count where its PPV and TP are shown, accuracy x n): adding the cell's unit vector
 * to the constraints must raise their rank. */
static void assert_no_cell_determined(const vigil_multiclass_report *r, const mc_case *c)
{
    size_t k = c->k, m = 0, cell[64 * 64];
    for (size_t i = 0; i < k * k; i++)
        if (isnan(vigil_multiclass_report_confusion(r, i / k, i % k))) cell[m++] = i;
    if (!m) return;
    double *A = calloc((2 * k + 2) * m, sizeof *A), *B = calloc((2 * k + 2) * m, sizeof *B);
    size_t rows = 0;
    vigil_metric_value v;
    for (size_t line = 0; line < 2 * k + 1; line++) {
        int shown;
        if (line < k) shown = !vigil_multiclass_report_class(&v, r, c->names[line], "n", NULL, NULL) &&
                              v.status == VIGIL_METRIC_OK;
        else if (line < 2 * k)
            shown = !vigil_multiclass_report_class(&v, r, c->names[line - k], "ppv", NULL, NULL) &&
                    v.status == VIGIL_METRIC_OK && !isnan(vigil_multiclass_report_confusion(r, line - k, line - k));
        else shown = !vigil_multiclass_report_get(&v, r, "accuracy", NULL, NULL) && v.status == VIGIL_METRIC_OK;
        if (!shown) continue;
        for (size_t q = 0; q < m; q++) {
            size_t t = cell[q] / k, p = cell[q] % k;
            A[rows * m + q] = line < k ? t == line : line < 2 * k ? p == line - k : t == p;
        }
        rows++;
    }
    memcpy(B, A, rows * m * sizeof *A);
    size_t base = rank_of(B, rows, m);
    for (size_t q = 0; q < m; q++) {
        memcpy(B, A, rows * m * sizeof *A);
        memset(B + rows * m, 0, m * sizeof *B);
        B[rows * m + q] = 1;
        assert_int_equal(rank_of(B, rows + 1, m), base + 1);
    }
    free(A);
    free(B);
}

static void test_confusion_policy(void **state)
{
    (void)state;
    static const char *const cases[] = {"main", "fifty"};
    for (int q = 0; q < 2; q++) {
        mc_case c;
        const char *g[] = {"site", "sex"};
        load(&c, cases[q], g, q == 0 ? 2 : 0);
        vigil_multiclass_report *r = compute(&c, 0, 0, 0);
        assert_no_cell_determined(r, &c);
        const cJSON *cm = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c.ref, "overall"),
                                                           "confusion_matrix");
        size_t k = c.k, beside = 0;
        for (size_t line = 0; line < 2 * k + 1; line++) {
            size_t hidden = 0, small = 0;
            double hidden_sum = 0;
            for (size_t j = 0; j < k; j++) {
                size_t t = line < k ? line : j, p = line < k ? j : line < 2 * k ? line - k : j;
                double v = vigil_multiclass_report_confusion(r, t, p),
                       want = cJSON_GetArrayItem(cJSON_GetArrayItem(cm, (int)t), (int)p)->valuedouble;
                small += want >= 1 && want < 11;
                if (isnan(v)) hidden++, hidden_sum += want;
                else assert_true(v == 0 || v >= 11);
            }
            /* the line's total: the class's cases, its argmax count (by the PPV), accuracy x n */
            vigil_metric_value tv;
            if (line < k) assert_int_equal(vigil_multiclass_report_class(&tv, r, c.names[line], "n", NULL, NULL), 0);
            else if (line < 2 * k)
                assert_int_equal(vigil_multiclass_report_class(&tv, r, c.names[line - k], "ppv", NULL, NULL), 0);
            else assert_int_equal(vigil_multiclass_report_get(&tv, r, "accuracy", NULL, NULL), 0);
            if (tv.status == VIGIL_METRIC_OK) assert_true(hidden_sum == 0 || hidden_sum >= 11);
            else assert_true(hidden_sum > 0 || small == 0);
            beside += hidden > small; /* a cell withheld only to protect a small one */
        }
        (void)beside;
        vigil_multiclass_report_free(r);
        unload(&c);
    }
    /* 5 of class a's 35 cases predicted b: alone in its row it would come back as 35 - 30, so
     * 30 is withheld with it (and a's sensitivity); column b's total is not shown (b's PPV,
     * 40 / 45, is withheld) nor the diagonal's (accuracy, 110 / 115), so 40 stays */
    enum { N = 115 };
    double pa[N], pb[N], pc[N];
    int32_t y[N];
    for (size_t i = 0; i < N; i++) {
        size_t t = i < 35 ? 0 : i < 75 ? 1 : 2, p = i < 30 ? 0 : i < 75 ? 1 : 2;
        y[i] = (int32_t)t;
        pa[i] = p == 0 ? 0.6 : 0.2;
        pb[i] = p == 1 ? 0.6 : 0.2;
        pc[i] = p == 2 ? 0.6 : 0.2;
    }
    const double *prob[3] = {pa, pb, pc};
    const char *names[3] = {"a", "b", "c"};
    vigil_multiclass_options o = VIGIL_MULTICLASS_OPTIONS_INIT;
    vigil_multiclass_report *r = NULL;
    assert_int_equal(vigil_multiclass_compute(&r, prob, 3, names, y, N, NULL, 0, &o), 0);
    assert_true(isnan(vigil_multiclass_report_confusion(r, 0, 1)));
    assert_true(isnan(vigil_multiclass_report_confusion(r, 0, 0)));
    assert_close(vigil_multiclass_report_confusion(r, 1, 1), 40, 0);
    assert_close(vigil_multiclass_report_confusion(r, 2, 2), 40, 0);
    assert_close(vigil_multiclass_report_confusion(r, 0, 2), 0, 0);
    mc_case three = {0};
    three.k = 3;
    for (size_t q = 0; q < 3; q++) three.names[q] = names[q];
    assert_no_cell_determined(r, &three);
    vigil_metric_value v;
    assert_int_equal(vigil_multiclass_report_class(&v, r, "a", "sensitivity", NULL, NULL), 0);
    assert_int_equal(v.status, VIGIL_METRIC_WITHHELD);
    assert_int_equal(vigil_multiclass_report_class(&v, r, "b", "ppv", NULL, NULL), 0);
    assert_int_equal(v.status, VIGIL_METRIC_WITHHELD);
    assert_int_equal(vigil_multiclass_report_class(&v, r, "c", "sensitivity", NULL, NULL), 0);
    assert_int_equal(v.status, VIGIL_METRIC_OK);
    vigil_multiclass_report_free(r);
}

/* The large case, rebuilt from multiclass_ref.py's recipe (64-bit LCG, integer weights). */
static void test_large(void **state)
{
    (void)state;
    cJSON *ref = tu_load_json(DIR "large.json");
    size_t n = (size_t)tu_num(ref, "n"), k = (size_t)tu_num(ref, "k");
    double *p = malloc(n * k * sizeof *p);
    int32_t *y = malloc(n * sizeof *y);
    const double *prob[8];
    uint64_t s = 12345;
    for (size_t i = 0; i < n; i++) {
        double w[8], sum = 0;
        size_t best = 0;
        for (size_t c = 0; c < k; c++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            w[c] = (double)(1 + (s >> 33) % 20);
            sum += w[c];
            if (w[c] > w[best]) best = c;
        }
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        uint64_t u = (s >> 33) % 100;
        y[i] = (int32_t)(u < 60 ? best : u % k);
        for (size_t c = 0; c < k; c++) p[c * n + i] = w[c] / sum;
    }
    for (size_t c = 0; c < k; c++) prob[c] = p + c * n;
    vigil_multiclass_options o = VIGIL_MULTICLASS_OPTIONS_INIT;
    vigil_multiclass_report *r = NULL;
    assert_int_equal(vigil_multiclass_compute(&r, prob, k, NULL, y, n, NULL, 0, &o), 0);
    mc_case c = {0};
    c.k = k;
    static const char *const nm[] = {"0", "1", "2", "3", "4", "5", "6", "7"};
    for (size_t q = 0; q < k; q++) c.names[q] = nm[q];
    check_scope(r, &c, cJSON_GetObjectItemCaseSensitive(ref, "overall"), NULL, NULL, 1);
    check_confusion(r, &c, cJSON_GetObjectItemCaseSensitive(ref, "overall"), 1);
    vigil_multiclass_report_free(r);
    cJSON_Delete(ref);
    free(p);
    free(y);
}

/* The bootstrap: the same intervals on any thread count, around the estimate, and the gaps
 * get theirs. */
static void test_bootstrap(void **state)
{
    (void)state;
    mc_case c;
    const char *g[] = {"sex"};
    load(&c, "main", g, 1);
    vigil_multiclass_report *a = compute(&c, 0, 60, 1), *b = compute(&c, 0, 60, 3);
    vigil_metric_value va, vb;
    for (size_t s = 0; s < sizeof k_stats / sizeof *k_stats; s++) {
        assert_int_equal(vigil_multiclass_report_get(&va, a, k_stats[s], NULL, NULL), 0);
        assert_int_equal(vigil_multiclass_report_get(&vb, b, k_stats[s], NULL, NULL), 0);
        assert_true(isfinite(va.ci_low) && isfinite(va.ci_high));
        assert_true(va.ci_low == vb.ci_low && va.ci_high == vb.ci_high);
        assert_true(va.ci_low < va.ci_high);
        assert_int_equal(vigil_multiclass_report_get(&va, a, k_stats[s], "sex", "F"), 0);
        assert_true(isfinite(va.ci_low) && va.ci_low < va.ci_high);
    }
    assert_int_equal(vigil_multiclass_report_get(&va, a, "accuracy", NULL, NULL), 0);
    assert_true(va.ci_low <= va.value && va.value <= va.ci_high);
    assert_int_equal(vigil_multiclass_report_get(&va, a, "auroc_ovr_macro_gap", "sex", NULL), 0);
    assert_true(isfinite(va.ci_low) && isfinite(va.ci_high));
    vigil_multiclass_report_free(a);
    vigil_multiclass_report_free(b);
    unload(&c);
}

/* Candidate minus predecessor (suites' non-inferiority): the point difference is the two
 * scikit-learn values' difference; the paired interval is the same on any thread count and
 * holds it. */
static void test_paired(void **state)
{
    (void)state;
    cJSON *ref = tu_load_json(DIR "suite.json");
    vigil_table *t = NULL;
    vigil_csv_options co = VIGIL_CSV_OPTIONS_INIT;
    vigil_col_decl types[1] = {{"dx", VIGIL_COL_CATEGORICAL}};
    co.types = types;
    co.n_types = 1;
    assert_int_equal(vigil_table_read_csv(&t, DIR "suite.csv", &co), 0);
    size_t n = vigil_table_nrows(t);
    static const char *const names[4] = {"a", "b", "c", "d"};
    const double *pc[4], *pp[4];
    for (size_t c = 0; c < 4; c++) {
        char a[16], b[16];
        snprintf(a, sizeof a, "p_%s", names[c]);
        snprintf(b, sizeof b, "q_%s", names[c]);
        pc[c] = vigil_table_numeric(t, (size_t)vigil_table_find(t, a));
        pp[c] = vigil_table_numeric(t, (size_t)vigil_table_find(t, b));
    }
    int lc = vigil_table_find(t, "dx");
    int32_t *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) y[i] = (int32_t)(vigil_table_level(t, (size_t)lc, (size_t)vigil_table_codes(t, (size_t)lc)[i])[0] - 'a');
    const cJSON *gc = cJSON_GetObjectItemCaseSensitive(ref, "candidate"), *gp = cJSON_GetObjectItemCaseSensitive(ref, "predecessor");
    for (size_t s = 0; s < sizeof k_stats / sizeof *k_stats; s++) {
        vigil_multiclass_options o = VIGIL_MULTICLASS_OPTIONS_INIT;
        o.bootstrap = 40;
        o.seed = 9;
        o.threads = 1;
        vigil_metric_value v1, v3;
        double a, b;
        assert_int_equal(vigil_multiclass_paired(&v1, &a, &b, pc, pp, 4, y, n, k_stats[s], &o), 0);
        assert_close(a, tu_num(gc, k_stats[s]), TOL);
        assert_close(b, tu_num(gp, k_stats[s]), TOL);
        assert_close(v1.value, tu_num(gc, k_stats[s]) - tu_num(gp, k_stats[s]), TOL);
        o.threads = 3;
        assert_int_equal(vigil_multiclass_paired(&v3, &a, &b, pc, pp, 4, y, n, k_stats[s], &o), 0);
        assert_true(v1.ci_low == v3.ci_low && v1.ci_high == v3.ci_high);
        assert_true(v1.ci_low < v1.ci_high);
    }
    vigil_metric_value v;
    double a, b;
    assert_int_equal(vigil_multiclass_paired(&v, &a, &b, pc, pp, 4, y, n, "auroc", NULL), VIGIL_EINVAL);
    free(y);
    vigil_table_free(t);
    cJSON_Delete(ref);
}

/* Over 100 classes the confusion matrix is left out (its exact check would cost (2k+1)^2 k^2),
 * saying so; everything else is still given. */
static void test_many_classes(void **state)
{
    (void)state;
    enum { K = 120, N = 2400 };
    double *p = malloc((size_t)K * N * sizeof *p);
    const double *prob[K];
    int32_t y[N];
    for (size_t i = 0; i < N; i++) {
        y[i] = (int32_t)(i % K);
        for (size_t c = 0; c < K; c++) p[c * N + i] = c == (size_t)y[i] ? 0.5 + 0.5 / K : 0.5 / K;
    }
    for (size_t c = 0; c < K; c++) prob[c] = p + c * N;
    vigil_multiclass_options o = VIGIL_MULTICLASS_OPTIONS_INIT;
    vigil_multiclass_report *r = NULL;
    assert_int_equal(vigil_multiclass_compute(&r, prob, K, NULL, y, N, NULL, 0, &o), 0);
    for (size_t t = 0; t < K; t += 7)
        for (size_t q = 0; q < K; q += 5) assert_true(isnan(vigil_multiclass_report_confusion(r, t, q)));
    char *json = vigil_multiclass_report_json(r, NAN, NAN);
    assert_non_null(strstr(json, "more than 100 classes"));
    vigil_metric_value v;
    assert_int_equal(vigil_multiclass_report_get(&v, r, "accuracy", NULL, NULL), 0);
    assert_close(v.value, 1, 0);
    assert_int_equal(vigil_multiclass_report_get(&v, r, "auroc_ovr_macro", NULL, NULL), 0);
    assert_close(v.value, 1, 0);
    free(json);
    vigil_multiclass_report_free(r);
    free(p);
}

/* The job behind `vigil metrics --class-scores`: the multi-class report, no binary one; a score
 * column beside class_scores is refused, not ignored. */
static void test_run_job(void **state)
{
    (void)state;
    vigil_run_metrics_options o = VIGIL_RUN_METRICS_OPTIONS_INIT;
    o.class_scores = "p_";
    o.bootstrap = 0;
    vigil_run_metrics_result *r = NULL;
    assert_int_equal(vigil_run_metrics(&r, DIR "main.csv", NULL, "dx", &o), VIGIL_OK);
    assert_null(vigil_run_metrics_result_report(r));
    const vigil_multiclass_report *m = vigil_run_metrics_result_multiclass(r);
    assert_non_null(m);
    assert_int_equal(vigil_multiclass_report_n_classes(m), 5);
    assert_int_equal(vigil_multiclass_report_n(m), 2000);
    assert_non_null(strstr(vigil_run_metrics_result_json(r), "\"multiclass\""));
    vigil_run_metrics_result_free(r);
    r = NULL;
    assert_int_equal(vigil_run_metrics(&r, DIR "main.csv", "p_flu", "dx", &o), VIGIL_EINVAL);
    assert_null(r);
}

static size_t line_of(const void *ctx, size_t row) { return row + 2; }

/* Every refusal: a row not summing to 1, NaN, a probability outside [0, 1], a label out of
 * range, one class. */
static void test_check(void **state)
{
    (void)state;
    double a[3] = {0.5, 0.2, 0.3}, b[3] = {0.5, 0.8, 0.7};
    const double *prob[2] = {a, b};
    int32_t y[3] = {0, 1, 1};
    size_t cols[2] = {3, 4};
    const char *names[2] = {"a", "b"};
    assert_int_equal(vigil_multiclass_check(prob, 2, y, 3, "f.csv", names, cols, 2, line_of, NULL), 0);
    b[1] = 0.8 + 2e-6; /* just over the tolerance */
    assert_int_equal(vigil_multiclass_check(prob, 2, y, 3, "f.csv", names, cols, 2, line_of, NULL), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "f.csv:3: the 2 class probabilities sum to"));
    b[1] = 0.8 + 5e-7; /* within it */
    assert_int_equal(vigil_multiclass_check(prob, 2, y, 3, "f.csv", names, cols, 2, line_of, NULL), 0);
    b[1] = NAN;
    assert_int_equal(vigil_multiclass_check(prob, 2, y, 3, "f.csv", names, cols, 2, line_of, NULL), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "f.csv:3:4: probability of class 'b' is missing"));
    b[1] = 1.2;
    a[1] = -0.2;
    assert_int_equal(vigil_multiclass_check(prob, 2, y, 3, "f.csv", names, cols, 2, line_of, NULL), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "f.csv:3:3: probability of class 'a' is -0.2, outside [0, 1]"));
    a[1] = 0.2;
    b[1] = 0.8;
    y[2] = 2;
    assert_int_equal(vigil_multiclass_check(prob, 2, y, 3, "f.csv", names, cols, 2, line_of, NULL), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "f.csv:4:2: label is not one of the 2 classes"));
    y[2] = 1;
    assert_int_equal(vigil_multiclass_check(prob, 1, y, 3, "f.csv", names, cols, 2, line_of, NULL), VIGIL_EINVAL);
    /* fewer cases than the floor: nothing could be shown */
    vigil_multiclass_report *r = NULL;
    vigil_multiclass_options o = VIGIL_MULTICLASS_OPTIONS_INIT;
    assert_int_equal(vigil_multiclass_compute(&r, prob, 2, names, y, 3, NULL, 0, &o), VIGIL_EINVAL);
    assert_null(r);
}

static void test_options_init(void **state)
{
    (void)state;
    vigil_multiclass_options o = VIGIL_MULTICLASS_OPTIONS_INIT;
    assert_int_equal(o.top_k, 3);
    assert_int_equal(o.bootstrap, 0);
    assert_int_equal(o.seed, 1);
    assert_int_equal(o.threads, 0);
    assert_int_equal(o.min_cell, 0);
    assert_close(o.level, 0.95, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_main),        cmocka_unit_test(test_absent_class), cmocka_unit_test(test_tiny),
        cmocka_unit_test(test_two_fifty_offsum), cmocka_unit_test(test_confusion_policy), cmocka_unit_test(test_large),
        cmocka_unit_test(test_bootstrap), cmocka_unit_test(test_paired), cmocka_unit_test(test_many_classes), cmocka_unit_test(test_run_job),   cmocka_unit_test(test_check),        cmocka_unit_test(test_options_init),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
