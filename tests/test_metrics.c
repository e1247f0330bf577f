/* Discrimination and threshold statistics against their peers:
 *   pROC 1.18.0 (R 4.2.2): AUROC, DeLong SE and CI (ci.auc method "delong"), paired DeLong test
 *   scikit-learn 1.9.1: roc_auc_score, average_precision_score, confusion_matrix
 *   statsmodels 0.15.0: proportion_confint(method = "wilson")
 *   scikit-learn 1.2.1 / statsmodels 0.13.5 (Debian): roc_curve, precision_recall_curve,
 *   calibration_curve and Wilson intervals of the reliability bins; net benefit by definition
 *   scipy 1.10.1: bootstrap(method="BCa") -- its BCa step on the same replicates and jackknife
 *   (tests/reference/bca_ref.py -> tests/reference/bca/)
 * Golden values: tests/reference/metrics_ref.{py,R} -> tests/reference/metrics/. */
#include "testutil.h"
#include "vigil/metrics.h"
#include "vigil/catalogue.h"
#include "vigil/multiclass.h"
#include "stats/metrics_internal.h"

#include <float.h>

typedef struct {
    vigil_table *t;
    const double *score, *score2, *label;
    size_t n;
} kase;

static void load_case(kase *k, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "tests/reference/metrics/case_%s.csv", name);
    assert_int_equal(vigil_table_read_csv(&k->t, path, NULL), VIGIL_OK);
    k->n = vigil_table_nrows(k->t);
    k->score = vigil_table_numeric(k->t, (size_t)vigil_table_find(k->t, "score"));
    k->score2 = vigil_table_numeric(k->t, (size_t)vigil_table_find(k->t, "score2"));
    k->label = vigil_table_numeric(k->t, (size_t)vigil_table_find(k->t, "label"));
    assert_non_null(k->score);
    assert_non_null(k->label);
}

static cJSON *golden(const char *name, const char *peer)
{
    char path[256];
    snprintf(path, sizeof path, "tests/reference/metrics/%s.%s.json", name, peer);
    return tu_load_json(path);
}

static void check_auroc(const char *name)
{
    kase k;
    load_case(&k, name);
    cJSON *r = golden(name, "R"), *py = golden(name, "py");
    vigil_auroc a;
    assert_int_equal(vigil_metrics_auroc(k.score, k.label, k.n, 0.95, &a), VIGIL_OK);
    assert_close(a.auc, tu_num(r, "auroc"), 1e-9);
    assert_close(a.auc, tu_num(py, "auroc"), 1e-9);
    assert_close(a.se, tu_num(r, "auroc_se"), 1e-9);
    assert_close(a.ci_low, tu_num(r, "auroc_ci_low"), 1e-6);
    assert_close(a.ci_high, tu_num(r, "auroc_ci_high"), 1e-6);
    vigil_delong_test d;
    assert_int_equal(vigil_metrics_delong_test(k.score, k.score2, k.label, k.n, &d), VIGIL_OK);
    assert_close(d.auc2, tu_num(r, "auroc2"), 1e-9);
    assert_close(d.z, tu_num(r, "delong_z"), 1e-6);
    assert_close(d.p, tu_num(r, "delong_p"), 1e-6);
    assert_close(vigil_metrics_average_precision(k.score, k.label, k.n), tu_num(py, "auprc"), 1e-9);
    cJSON_Delete(r);
    cJSON_Delete(py);
    vigil_table_free(k.t);
}

static void test_auroc_case_a(void **s) { check_auroc("a"); }
static void test_auroc_case_b_heavy_ties(void **s) { check_auroc("b"); }
static void test_auroc_case_c(void **s) { check_auroc("c"); }

static void test_auroc_by_hand(void **s)
{
    /* 3 positives, 3 negatives, one tied pair: U = 2 + 2.5 + 3 ... worked out below. */
    double p[] = {0.1, 0.4, 0.35, 0.8, 0.4, 0.9}, y[] = {0, 0, 1, 1, 1, 0};
    /* pairs (pos, neg): 0.35>0.1 1, 0.35<0.4 0, 0.35<0.9 0; 0.8: 1,1,0; 0.4: 1,0.5,0 => 4.5/9 */
    vigil_auroc a;
    assert_int_equal(vigil_metrics_auroc(p, y, 6, 0.95, &a), VIGIL_OK);
    assert_close(a.auc, 4.5 / 9, 1e-15);
    assert_int_equal(a.n_pos, 3);
    double one[] = {0.2, 0.3}, cls[] = {1, 1};
    assert_int_equal(vigil_metrics_auroc(one, cls, 2, 0.95, &a), VIGIL_OK);
    assert_true(isnan(a.auc)); /* one class: NaN, not a crash */
    double bad[] = {0, 2};
    assert_int_equal(vigil_metrics_auroc(one, bad, 2, 0.95, &a), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "expected 0 or 1"));
}

/* The bucketed sort's paths: spread scores, scores crowded into one bucket (radix inside it)
 * and exact 0 and 1, each against the O(n1 n0) definition. */
static void test_auroc_sort_paths(void **s)
{
    enum { N = 3000 };
    double *p = malloc(N * sizeof *p), *y = malloc(N * sizeof *y);
    for (int mode = 0; mode < 3; mode++) {
        for (int i = 0; i < N; i++) {
            unsigned h = (unsigned)i * 2654435761u;
            y[i] = (h >> 7) % 3 == 0;
            double u = (h % 1000) / 1000.0;
            p[i] = mode == 0 ? u : mode == 1 ? 0.5 + 1e-9 * (h % 97) + 1e-7 * y[i] * (h % 3)
                                               : (h % 5 == 0 ? 0.0 : h % 5 == 1 ? 1.0 : u);
        }
        double u = 0, n1 = 0, n0 = 0;
        for (int i = 0; i < N; i++) {
            if (y[i]) n1++;
            else n0++;
            if (!y[i]) continue;
            for (int j = 0; j < N; j++)
                if (!y[j]) u += p[i] > p[j] ? 1 : p[i] == p[j] ? 0.5 : 0;
        }
        vigil_auroc a;
        assert_int_equal(vigil_metrics_auroc(p, y, N, 0.95, &a), VIGIL_OK);
        assert_close(a.auc, u / (n1 * n0), 1e-12);
    }
    free(p);
    free(y);
}

static void test_thresholds_wilson(void **s)
{
    kase k;
    load_case(&k, "c");
    cJSON *py = golden("c", "py"), *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(py, "thresholds"))
    {
        vigil_threshold_stats t;
        assert_int_equal(vigil_metrics_threshold(k.score, k.label, k.n, tu_num(e, "t"), 0.95, &t), VIGIL_OK);
        assert_close(t.tp, tu_num(e, "tp"), 0);
        assert_close(t.fp, tu_num(e, "fp"), 0);
        assert_close(t.tpr, tu_num(e, "tpr"), 1e-12);
        assert_close(t.tnr, tu_num(e, "tnr"), 1e-12);
        assert_close(t.ppv, tu_num(e, "ppv"), 1e-12);
        assert_close(t.npv, tu_num(e, "npv"), 1e-12);
        assert_close(t.selection_rate, tu_num(e, "sel"), 1e-12);
        assert_close(t.tpr_lo, tu_num(e, "tpr_lo"), 1e-9);
        assert_close(t.tpr_hi, tu_num(e, "tpr_hi"), 1e-9);
        assert_close(t.tnr_lo, tu_num(e, "tnr_lo"), 1e-9);
        assert_close(t.ppv_hi, tu_num(e, "ppv_hi"), 1e-9);
        assert_close(t.npv_lo, tu_num(e, "npv_lo"), 1e-9);
        assert_close(t.sel_lo, tu_num(e, "sel_lo"), 1e-9);
        assert_close(t.sel_hi, tu_num(e, "sel_hi"), 1e-9);
        assert_close(t.net_benefit, tu_num(e, "net_benefit"), 1e-12);
    }
    cJSON_Delete(py);
    vigil_table_free(k.t);
}

static size_t line_of(const void *ctx, size_t row) { return row + 2; }

static void test_check_bad_input(void **s)
{
    double sc[] = {0.2, 1.5, NAN, 0.4}, lb[] = {0, 1, 1, 0};
    assert_int_equal(vigil_metrics_check(sc, lb, 4, "f.csv", 1, 2, line_of, NULL), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "2 scores are outside [0, 1] or missing"));
    assert_non_null(strstr(vigil_error_last(), "f.csv:3:1: 1.5"));
    assert_non_null(strstr(vigil_error_last(), "f.csv:4:1: missing"));
    double sc2[] = {0.2, 0.5, 0.3}, lb2[] = {0, 2, 1};
    assert_int_equal(vigil_metrics_check(sc2, lb2, 3, "f.csv", 1, 2, line_of, NULL), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "1 label is not 0 or 1 (f.csv:3:2: 2)"));
    double lb3[] = {1, 1, 1};
    assert_int_equal(vigil_metrics_check(sc2, lb3, 3, "f.csv", 1, 2, line_of, NULL), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "every label is 1"));
    assert_int_equal(vigil_metrics_check(sc2, lb3, 0, "f.csv", 1, 2, line_of, NULL), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "no cases"));
}

/* The paired comparison (vigil_metrics_paired_json): two reports with the same seed resample
 * the same cases, so the replicate differences are a paired bootstrap. Checked against what a
 * paired bootstrap must give: the AUROC difference's interval against the paired DeLong test's
 * normal interval (pROC roc.test, golden above), the Brier difference's against the exact
 * standard error of a mean of per-case differences, sd(delta)/sqrt(n) -- each endpoint within
 * a quarter of the interval's width, with 2,000 replicates -- and two identical scores give
 * differences of exactly 0. An unpaired (or sorted-replicate) bootstrap fails the Brier check
 * by a factor of 3 to 6 on this case. */
static double paired_get(const cJSON *j, const char *stat, const char *key)
{
    return tu_num(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "overall"), stat), key);
}

static void test_paired_bootstrap(void **s)
{
    kase k;
    load_case(&k, "a");
    vigil_metrics_options o = {0};
    o.bootstrap = 2000;
    o.seed = 11;
    vigil_metrics_report *ra, *rb, *rc;
    assert_int_equal(vigil_metrics_compute(&ra, k.score, k.label, k.n, NULL, 0, &o), VIGIL_OK);
    assert_int_equal(vigil_metrics_compute(&rb, k.score2, k.label, k.n, NULL, 0, &o), VIGIL_OK);
    assert_int_equal(vigil_metrics_compute(&rc, k.score, k.label, k.n, NULL, 0, &o), VIGIL_OK);
    char *js = vigil_metrics_paired_json(ra, rb), *same = vigil_metrics_paired_json(ra, rc);
    assert_non_null(js);
    assert_non_null(same);
    cJSON *j = cJSON_Parse(js), *z = cJSON_Parse(same);
    /* AUROC: against DeLong */
    vigil_delong_test d;
    assert_int_equal(vigil_metrics_delong_test(k.score, k.score2, k.label, k.n, &d), VIGIL_OK);
    double lo = paired_get(j, "auroc", "ci_low"), hi = paired_get(j, "auroc", "ci_high");
    double dlo = d.diff - 1.959963984540054 * d.se, dhi = d.diff + 1.959963984540054 * d.se;
    assert_close(paired_get(j, "auroc", "difference"), d.diff, 1e-12);
    assert_close(lo, dlo, 0.25 * (dhi - dlo));
    assert_close(hi, dhi, 0.25 * (dhi - dlo));
    /* Brier: against the exact SE of the mean per-case difference */
    double m = 0, ss = 0;
    for (size_t i = 0; i < k.n; i++) {
        double da = k.score[i] - k.label[i], db = k.score2[i] - k.label[i];
        m += da * da - db * db;
    }
    m /= (double)k.n;
    for (size_t i = 0; i < k.n; i++) {
        double da = k.score[i] - k.label[i], db = k.score2[i] - k.label[i], e = da * da - db * db - m;
        ss += e * e;
    }
    double se = sqrt(ss / (double)k.n / (double)k.n);
    assert_close(paired_get(j, "brier", "difference"), m, 1e-12);
    lo = paired_get(j, "brier", "ci_low"), hi = paired_get(j, "brier", "ci_high");
    assert_close(lo, m - 1.96 * se, 0.25 * 3.92 * se);
    assert_close(hi, m + 1.96 * se, 0.25 * 3.92 * se);
    /* the same scores twice: every difference and its interval exactly 0 */
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(z, "overall"))
    {
        assert_true(tu_num(e, "difference") == 0);
        const cJSON *l = cJSON_GetObjectItem(e, "ci_low");
        if (cJSON_IsNumber(l)) assert_true(l->valuedouble == 0 && tu_num(e, "ci_high") == 0);
    }
    /* reports of other cases or seeds are refused */
    vigil_metrics_options o2 = o;
    o2.seed = 12;
    vigil_metrics_report *rd;
    assert_int_equal(vigil_metrics_compute(&rd, k.score2, k.label, k.n, NULL, 0, &o2), VIGIL_OK);
    assert_null(vigil_metrics_paired_json(ra, rd));
    cJSON_Delete(j), cJSON_Delete(z);
    free(js), free(same);
    vigil_metrics_report_free(ra), vigil_metrics_report_free(rb), vigil_metrics_report_free(rc);
    vigil_metrics_report_free(rd);
    vigil_table_free(k.t);
}

/* Curve points against scikit-learn 1.2.1 (roc_curve with drop_intermediate=False,
 * precision_recall_curve, calibration_curve uniform 10 bins), statsmodels 0.13.5 Wilson
 * intervals and the decision-curve net benefit from its definition
 * (tests/reference/curves_ref.py -> curves_{a,b}.json), with the cell-size policy off
 * (min_cell 1) and every point kept: the same points, the same values. */
static const cJSON *arr_at(const cJSON *o, const char *k, int i) { return cJSON_GetArrayItem(cJSON_GetObjectItem(o, k), i); }

static void check_curves(const char *name)
{
    kase k;
    load_case(&k, name);
    char path[256];
    snprintf(path, sizeof path, "tests/reference/metrics/curves_%s.json", name);
    cJSON *g = tu_load_json(path);
    vigil_metrics_options o = {0};
    o.min_cell = 1;
    o.curve_points = 1000000;
    vigil_metrics_report *r;
    assert_int_equal(vigil_metrics_compute(&r, k.score, k.label, k.n, NULL, 0, &o), VIGIL_OK);
    char *js = vigil_metrics_report_json(r, NAN, NAN);
    cJSON *j = cJSON_Parse(js), *disc = cJSON_GetObjectItem(j, "discrimination");
    /* ROC: sklearn's first point is (0, 0) at max + 1, vigil's at +inf (null in JSON) */
    const cJSON *roc = cJSON_GetObjectItem(disc, "roc_curve"), *groc = cJSON_GetObjectItem(g, "roc");
    int nr = cJSON_GetArraySize(roc);
    assert_int_equal(nr, cJSON_GetArraySize(cJSON_GetObjectItem(groc, "threshold")));
    for (int i = 0; i < nr; i++) {
        const cJSON *pt = cJSON_GetArrayItem(roc, i);
        if (i) assert_close(tu_num(pt, "threshold"), arr_at(groc, "threshold", i)->valuedouble, 1e-12);
        assert_close(tu_num(pt, "fpr"), arr_at(groc, "fpr", i)->valuedouble, 1e-12);
        assert_close(tu_num(pt, "tpr"), arr_at(groc, "tpr", i)->valuedouble, 1e-12);
    }
    /* PR: sklearn lists thresholds ascending, vigil descending */
    const cJSON *pr = cJSON_GetObjectItem(disc, "pr_curve"), *gpr = cJSON_GetObjectItem(g, "pr");
    int np = cJSON_GetArraySize(pr), ng = cJSON_GetArraySize(cJSON_GetObjectItem(gpr, "threshold"));
    assert_int_equal(np, ng);
    for (int i = 0; i < np; i++) {
        const cJSON *pt = cJSON_GetArrayItem(pr, i);
        int gi = ng - 1 - i;
        assert_close(tu_num(pt, "threshold"), arr_at(gpr, "threshold", gi)->valuedouble, 1e-12);
        assert_close(tu_num(pt, "recall"), arr_at(gpr, "recall", gi)->valuedouble, 1e-12);
        assert_close(tu_num(pt, "precision"), arr_at(gpr, "precision", gi)->valuedouble, 1e-12);
    }
    /* reliability: sklearn's non-empty bins, Wilson intervals from statsmodels */
    const cJSON *rel = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "calibration"), "reliability"), *b;
    int seen = 0;
    cJSON_ArrayForEach(b, cJSON_GetObjectItem(g, "reliability"))
    {
        const cJSON *v = cJSON_GetArrayItem(rel, (int)tu_num(b, "bin"));
        assert_close(tu_num(v, "n"), tu_num(b, "n"), 0);
        assert_close(tu_num(v, "observed"), tu_num(b, "observed"), 1e-12);
        assert_close(tu_num(v, "mean_score"), tu_num(b, "mean_score"), 1e-12);
        assert_close(tu_num(v, "ci_low"), tu_num(b, "ci_low"), 1e-9);
        assert_close(tu_num(v, "ci_high"), tu_num(b, "ci_high"), 1e-9);
        seen++;
    }
    assert_true(seen >= 5);
    /* decision curve */
    const cJSON *nb = cJSON_GetObjectItem(j, "net_benefit"), *gnb = cJSON_GetObjectItem(g, "net_benefit");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(nb, "model")), 99);
    for (int i = 0; i < 99; i++) {
        assert_close(arr_at(nb, "thresholds", i)->valuedouble, arr_at(gnb, "thresholds", i)->valuedouble, 1e-15);
        assert_close(arr_at(nb, "model", i)->valuedouble, arr_at(gnb, "model", i)->valuedouble, 1e-12);
        assert_close(arr_at(nb, "treat_all", i)->valuedouble, arr_at(gnb, "treat_all", i)->valuedouble, 1e-12);
        assert_close(arr_at(nb, "treat_none", i)->valuedouble, 0, 0);
    }
    cJSON_Delete(j), cJSON_Delete(g);
    free(js);
    vigil_metrics_report_free(r);
    vigil_table_free(k.t);
}

static void test_curves_case_a(void **s) { check_curves("a"); }
static void test_curves_case_b_ties(void **s) { check_curves("b"); }

/* ---- typed getters and the catalogue ------------------------------------------------------
 * A synthetic report with a group whose levels cover every status: two ordinary levels, one
 * of 5 cases (withheld by the cell-size policy, which then also withholds the smallest other
 * level to protect it), and one without events (its AUROC undefined). Every getter must give
 * exactly the double the JSON document shows, null where it shows null. */

#define GN 640
typedef struct {
    double score[GN], label[GN];
    int32_t codes[GN];
    vigil_metrics_report *r;
    cJSON *doc;
} getters_fx;

static const char *const g_levels[] = {"big", "mid", "tiny", "small", "noevent"};

static void getters_setup(getters_fx *f)
{
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < GN; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double u = (double)(x >> 11) / 9007199254740992.0;
        int32_t c = i < 300 ? 0 : i < 540 ? 1 : i < 545 ? 2 : i < 585 ? 3 : 4;
        f->codes[i] = c;
        /* tiny has no events and small half, so withholding both gives nothing away */
        f->label[i] = c == 4 || c == 2 ? 0 : c == 3 ? (double)(i % 2) : u < 0.3 + 0.4 * (i % 3 == 0);
        f->score[i] = fmin(0.99, fmax(0.01, 0.6 * u + 0.25 * f->label[i] + 0.15 * ((i * 7919) % 97) / 97.0));
    }
    vigil_metrics_group g = {"site", f->codes, g_levels, 5};
    double thr[2] = {0.5, 0.3};
    vigil_metrics_options o = {0};
    o.thresholds = thr, o.n_thresholds = 2;
    o.bootstrap = 200, o.seed = 7, o.threads = 2;
    assert_int_equal(vigil_metrics_compute(&f->r, f->score, f->label, GN, &g, 1, &o), VIGIL_OK);
    char *js = vigil_metrics_report_json(f->r, NAN, NAN);
    assert_non_null(js);
    f->doc = cJSON_Parse(js);
    free(js);
    assert_non_null(f->doc);
}

static const cJSON *at(const cJSON *o, const char *path)
{
    char key[128];
    while (o && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        memcpy(key, path, n), key[n] = '\0';
        o = cJSON_GetObjectItemCaseSensitive(o, key);
        path += n + (dot != NULL);
    }
    return o;
}

static double jnum_or_nan(const cJSON *v) { return cJSON_IsNumber(v) ? v->valuedouble : NAN; }

/* The same number, or both NaN (null in the document). cJSON prints 15 significant digits
 * when they read back within DBL_EPSILON (relative), so the document's double may be an ulp
 * away from the report's. */
static void same(double got, double want, const char *what)
{
    int ok = isnan(want) ? isnan(got) : fabs(got - want) <= fmax(fabs(got), fabs(want)) * DBL_EPSILON;
    if (!ok) fail_msg("%s: getter %.17g, document %.17g", what, got, want);
}

static void pair_of(const cJSON *a, double *lo, double *hi)
{
    *lo = jnum_or_nan(cJSON_GetArrayItem(a, 0)), *hi = jnum_or_nan(cJSON_GetArrayItem(a, 1));
    if (!cJSON_IsArray(a)) *lo = *hi = NAN;
}

/* Issue 14: every catalogue row with a JSON path (include/vigil/catalogue.h) names where the
 * writer of its engine puts the value -- the scores engine with decisions and follow-up times
 * (the human and survival blocks), and the multi-class engine -- and the interval where the row
 * says: each path holds a number or null, and holds the typed getter's value (the writer's own
 * number). A row moved in the catalogue without the writer, or the writer moving a key without
 * the row, fails here, naming the row. */
static double lcg(uint64_t *x)
{
    *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((*x >> 11) + 0.5) / 9007199254740992.0;
}

static void path_matches(const cJSON *doc, const vigil_metric_def *m, const vigil_metric_value *v)
{
    const cJSON *jv = at(doc, m->json_path);
    if (!jv || !(cJSON_IsNumber(jv) || cJSON_IsNull(jv)))
        fail_msg("catalogue path %s of '%s' is not a number in the document", m->json_path, m->name);
    same(v->value, jnum_or_nan(jv), m->name);
    if (!m->ci_path) return;
    double lo, hi;
    size_t n = strlen(m->ci_path);
    if (m->ci_path[n - 1] == '.') {
        char a[160], b[160];
        snprintf(a, sizeof a, "%sci_low", m->ci_path), snprintf(b, sizeof b, "%sci_high", m->ci_path);
        if (!at(doc, a) || !at(doc, b)) fail_msg("catalogue CI path %s of '%s' has no ci_low/ci_high", m->ci_path, m->name);
        lo = jnum_or_nan(at(doc, a)), hi = jnum_or_nan(at(doc, b));
    } else {
        if (!cJSON_IsArray(at(doc, m->ci_path))) fail_msg("catalogue CI path %s of '%s' is not a pair", m->ci_path, m->name);
        pair_of(at(doc, m->ci_path), &lo, &hi);
    }
    same(v->ci_low, lo, m->name), same(v->ci_high, hi, m->name);
}

static void test_catalogue_paths_in_documents(void **st)
{
    (void)st;
    enum { N = 1000 };
    static double score[N], label[N], decision[N], expo[N], tm[N], ev[N], prob[3][N];
    static int32_t code[N], cls[N];
    uint64_t x = 14;
    for (size_t i = 0; i < N; i++) {
        label[i] = lcg(&x) < 0.3;
        score[i] = 1 / (1 + exp(-(2 * label[i] - 1.2 + 5 * (lcg(&x) - 0.5))));
        decision[i] = lcg(&x) < 0.25 ? (score[i] < 0.5) : (score[i] >= 0.5);
        tm[i] = -log(lcg(&x)) * (label[i] ? 3 : 8);
        ev[i] = lcg(&x) < 0.8;
        expo[i] = 0.5 + lcg(&x);
        code[i] = lcg(&x) < 0.5;
        cls[i] = (int32_t)(lcg(&x) * 3);
        double w[3], sum = 0;
        for (int c = 0; c < 3; c++) sum += w[c] = lcg(&x) + (c == cls[i]);
        for (int c = 0; c < 3; c++) prob[c][i] = w[c] / sum;
    }
    const char *levels[] = {"a", "b"};
    vigil_metrics_group g = {"site", code, levels, 2};
    vigil_metrics_options o = VIGIL_METRICS_OPTIONS_INIT;
    o.bootstrap = 20, o.seed = 3, o.threads = 1;
    o.decision = decision, o.exposure = expo, o.time = tm, o.event = ev, o.horizon = 4;
    vigil_metrics_report *r = NULL;
    assert_int_equal(vigil_metrics_compute(&r, score, label, N, &g, 1, &o), VIGIL_OK);
    char *js = vigil_metrics_report_json(r, NAN, NAN);
    assert_non_null(js);
    cJSON *doc = cJSON_Parse(js);
    free(js);
    assert_non_null(doc);
    vigil_multiclass_options mo = VIGIL_MULTICLASS_OPTIONS_INIT;
    mo.bootstrap = 20, mo.threads = 1;
    const double *pc[3] = {prob[0], prob[1], prob[2]};
    const char *names[3] = {"x", "y", "z"};
    vigil_multiclass_report *mr = NULL;
    assert_int_equal(vigil_multiclass_compute(&mr, pc, 3, names, cls, N, &g, 1, &mo), VIGIL_OK);
    js = vigil_multiclass_report_json(mr, NAN, NAN);
    assert_non_null(js);
    cJSON *mdoc = cJSON_Parse(js);
    free(js);
    assert_non_null(mdoc);
    size_t checked = 0, with_path = 0;
    for (size_t i = 0; i < vigil_metric_count(); i++) {
        const vigil_metric_def *m = vigil_metric_at(i);
        if (!m->json_path) continue;
        with_path++;
        vigil_metric_value v;
        if (m->source == VIGIL_METRIC_FROM_CLASS_SCORES) {
            assert_int_equal(vigil_multiclass_report_get(&v, mr, m->key, NULL, NULL), VIGIL_OK);
            path_matches(mdoc, m, &v);
        } else if (m->source == VIGIL_METRIC_FROM_SCORES || m->source == VIGIL_METRIC_FROM_DECISIONS ||
                   m->source == VIGIL_METRIC_FROM_SURVIVAL) {
            if (vigil_metrics_report_get(&v, r, m->name, NULL, NULL) != VIGIL_OK)
                fail_msg("'%s' has a JSON path but no overall value: %s", m->name, vigil_error_last());
            path_matches(doc, m, &v);
        } else {
            fail_msg("'%s' has a JSON path but its engine writes no metrics document", m->name);
        }
        if (!isfinite(v.value)) fail_msg("'%s' is not given on these cases (%s): the walk would not see its path", m->name, v.why);
        checked++;
    }
    assert_int_equal(checked, with_path);
    assert_true(checked >= 40);
    cJSON_Delete(doc), cJSON_Delete(mdoc);
    vigil_metrics_report_free(r);
    vigil_multiclass_report_free(mr);
}

static void test_getters_match_document(void **s)
{
    getters_fx f;
    getters_setup(&f);
    size_t checked = 0;
    for (size_t i = 0; i < vigil_metric_count(); i++) {
        const vigil_metric_def *m = vigil_metric_at(i);
        vigil_metric_value v;
        if (m->source != VIGIL_METRIC_FROM_SCORES) {
            assert_int_equal(vigil_metrics_report_get(&v, f.r, m->name, NULL, NULL), VIGIL_EINVAL);
            continue;
        }
        if (m->scopes & VIGIL_METRIC_OVERALL) {
            /* the catalogue's paths exist in a real document */
            const cJSON *jv = at(f.doc, m->json_path);
            if (!jv) fail_msg("catalogue path %s of '%s' is not in the document", m->json_path, m->name);
            double lo = NAN, hi = NAN;
            if (m->ci_path) {
                size_t n = strlen(m->ci_path);
                char a[128], b[128];
                if (m->ci_path[n - 1] == '.') {
                    snprintf(a, sizeof a, "%sci_low", m->ci_path), snprintf(b, sizeof b, "%sci_high", m->ci_path);
                    assert_non_null(at(f.doc, a));
                    lo = jnum_or_nan(at(f.doc, a)), hi = jnum_or_nan(at(f.doc, b));
                } else {
                    if (!at(f.doc, m->ci_path)) fail_msg("catalogue CI path %s is not in the document", m->ci_path);
                    pair_of(at(f.doc, m->ci_path), &lo, &hi);
                }
            }
            assert_int_equal(vigil_metrics_report_get(&v, f.r, m->name, NULL, NULL), VIGIL_OK);
            same(v.value, jnum_or_nan(jv), m->name);
            same(v.ci_low, lo, m->name), same(v.ci_high, hi, m->name);
            assert_int_equal(v.status == VIGIL_METRIC_OK, isfinite(v.value));
            /* issue 18: each interval's method beside it in the document (calibration.ci.brier:
             * calibration.ci_method.brier; threshold.tpr_ci: threshold.ci_method; an object's
             * ci_low/ci_high: its ci_method), the same text the getter gives, and one for every
             * interval given */
            if (m->ci_path) {
                char mp[160];
                size_t n = strlen(m->ci_path);
                const char *ci = strstr(m->ci_path, ".ci."), *dot = strrchr(m->ci_path, '.');
                if (m->ci_path[n - 1] == '.') snprintf(mp, sizeof mp, "%sci_method", m->ci_path);
                else if (ci) snprintf(mp, sizeof mp, "%.*s.ci_method.%s", (int)(ci - m->ci_path), m->ci_path, ci + 4);
                else snprintf(mp, sizeof mp, "%.*s.ci_method", (int)(dot - m->ci_path), m->ci_path);
                const cJSON *dm = at(f.doc, mp);
                if (isfinite(lo) || isfinite(hi)) {
                    if (!cJSON_IsString(dm) || !v.ci_method) fail_msg("no method beside the interval of '%s' (%s)", m->name, mp);
                    assert_string_equal(v.ci_method, dm->valuestring);
                } else assert_null(v.ci_method);
            }
            checked++;
        }
        if (m->at_threshold) { /* the second threshold, against thresholds[1] */
            const cJSON *e = cJSON_GetArrayItem(at(f.doc, "thresholds"), 1);
            char ck[64];
            snprintf(ck, sizeof ck, "%s_ci", m->key);
            double lo, hi;
            pair_of(at(e, ck), &lo, &hi);
            assert_int_equal(vigil_metrics_report_get_at(&v, f.r, m->name, 0.3), VIGIL_OK);
            same(v.value, jnum_or_nan(at(e, m->key)), m->name);
            same(v.ci_low, lo, m->name), same(v.ci_high, hi, m->name);
        }
        const cJSON *lv;
        if (m->scopes & VIGIL_METRIC_PER_LEVEL)
            cJSON_ArrayForEach(lv, at(f.doc, "subgroups.site.levels"))
            {
                assert_int_equal(vigil_metrics_report_get(&v, f.r, m->name, "site", lv->string), VIGIL_OK);
                int flip = strcmp(m->key, "specificity") == 0;
                const char *k = flip ? "fpr" : m->key;
                double want = jnum_or_nan(at(lv, k)), lo = NAN, hi = NAN;
                if (strcmp(k, "auroc") == 0) lo = jnum_or_nan(at(lv, "auroc_ci_low")), hi = jnum_or_nan(at(lv, "auroc_ci_high"));
                else pair_of(at(at(lv, "ci"), k), &lo, &hi);
                /* specificity is 1 - FPR: compare on the FPR's scale, where the document's
                 * rounding is an ulp (1 - x would magnify it by x / (1 - x)) */
                if (flip) {
                    same(1 - v.value, want, lv->string), same(1 - v.ci_low, hi, lv->string);
                    same(1 - v.ci_high, lo, lv->string);
                } else {
                    same(v.value, want, lv->string), same(v.ci_low, lo, lv->string);
                    same(v.ci_high, hi, lv->string);
                }
                if (cJSON_IsTrue(at(lv, "suppressed"))) assert_int_equal(v.status, VIGIL_METRIC_WITHHELD);
                checked++;
            }
        if (m->scopes & VIGIL_METRIC_DISPARITY) {
            const cJSON *d = at(f.doc, "subgroups.site.disparities");
            double lo, hi;
            pair_of(at(at(d, "ci"), m->key), &lo, &hi);
            assert_int_equal(vigil_metrics_report_get(&v, f.r, m->name, "site", NULL), VIGIL_OK);
            same(v.value, jnum_or_nan(at(d, m->key)), m->name);
            same(v.ci_low, lo, m->name), same(v.ci_high, hi, m->name);
            const cJSON *why = at(at(d, "not_given"), m->key);
            if (why) assert_string_equal(v.why, why->valuestring);
            checked++;
        }
    }
    assert_true(checked > 100);
    cJSON_Delete(f.doc);
    vigil_metrics_report_free(f.r);
}

/* vigil_metrics_report_scope (the monitors' per-level performance): each level's calibration is
 * vigil_metrics_calibration on that level's cases alone (the Wald SEs and O/E included), its
 * AUROC and Wilson intervals at the first threshold are the document's, and what the document
 * withholds is NaN: a withheld level whole, O/E where the prevalence is withheld. */
static void test_scope_stats(void **s)
{
    (void)s;
    getters_fx f;
    getters_setup(&f);
    vigil_metrics_scope_stats st;
    size_t prev_hidden = 0, hidden = 0, shown = 0;
    const cJSON *lv;
    cJSON_ArrayForEach(lv, at(f.doc, "subgroups.site.levels"))
    {
        assert_int_equal(vigil_metrics_report_scope(&st, f.r, "site", lv->string), VIGIL_OK);
        if (cJSON_IsTrue(at(lv, "suppressed"))) {
            assert_false(st.level_shown);
            assert_int_equal(st.n, 0);
            assert_true(isnan(st.cal.slope) && isnan(st.cal.oe_ratio) && isnan(st.auroc.auc) && isnan(st.thr.tpr));
            hidden++;
            continue;
        }
        int code = -1;
        for (int c = 0; c < 5; c++)
            if (strcmp(g_levels[c], lv->string) == 0) code = c;
        double p[GN], y[GN];
        size_t n = 0;
        for (size_t i = 0; i < GN; i++)
            if (f.codes[i] == code) p[n] = f.score[i], y[n++] = f.label[i];
        vigil_calibration c;
        assert_int_equal(vigil_metrics_calibration(p, y, n, &c), VIGIL_OK);
        assert_true(st.level_shown);
        assert_int_equal(st.n, n);
        same(st.cal.slope, c.slope, lv->string), same(st.cal.slope_se, c.slope_se, lv->string);
        same(st.cal.citl, c.citl, lv->string), same(st.cal.citl_se, c.citl_se, lv->string);
        assert_int_equal(st.prevalence_shown, cJSON_IsNumber(at(lv, "prevalence")));
        if (st.prevalence_shown) same(st.cal.oe_ratio, c.oe_ratio, lv->string), same(st.cal.oe_log_se, c.oe_log_se, lv->string);
        else assert_true(isnan(st.cal.oe_ratio) && isnan(st.cal.oe_log_se)), prev_hidden++;
        same(st.auroc.auc, jnum_or_nan(at(lv, "auroc")), lv->string);
        if (st.auroc_status == VIGIL_METRIC_OK) same(st.auroc.ci_low, jnum_or_nan(at(lv, "auroc_ci_low")), lv->string);
        else assert_string_equal(st.auroc_why, at(lv, "auroc_reason")->valuestring);
        const cJSON *t = cJSON_GetArrayItem(at(lv, "thresholds"), 0);
        double lo, hi;
        pair_of(at(t, "tpr_ci"), &lo, &hi);
        assert_int_equal(st.threshold_shown, !cJSON_IsTrue(at(t, "suppressed")));
        same(st.thr.tpr, jnum_or_nan(at(t, "tpr")), lv->string), same(st.thr.tpr_lo, lo, lv->string);
        same(st.thr.tpr_hi, hi, lv->string);
        pair_of(at(t, "ppv_ci"), &lo, &hi);
        same(st.thr.ppv, jnum_or_nan(at(t, "ppv")), lv->string), same(st.thr.ppv_hi, hi, lv->string);
        shown++;
    }
    assert_true(shown >= 2 && hidden >= 1);
    /* a level of 100 cases with 4 events: shown, its prevalence (and O/E) withheld */
    static const char *const ab[] = {"a", "b"};
    double p2[300], y2[300];
    int32_t c2[300];
    for (size_t i = 0; i < 300; i++) {
        c2[i] = i >= 200;
        y2[i] = i < 200 ? (i % 3 == 0) : (i < 204);
        p2[i] = 0.05 + 0.9 * (double)((i * 37) % 101) / 101.0;
    }
    vigil_metrics_group g2 = {"ab", c2, ab, 2};
    vigil_metrics_options o2 = VIGIL_METRICS_OPTIONS_INIT;
    vigil_metrics_report *r2 = NULL;
    o2.threads = 1;
    assert_int_equal(vigil_metrics_compute(&r2, p2, y2, 300, &g2, 1, &o2), VIGIL_OK);
    assert_int_equal(vigil_metrics_report_scope(&st, r2, "ab", "b"), VIGIL_OK);
    assert_true(st.level_shown && !st.prevalence_shown && st.n == 100);
    assert_true(isnan(st.cal.oe_ratio) && isnan(st.cal.oe_log_se) && isfinite(st.cal.citl));
    prev_hidden++;
    vigil_metrics_report_free(r2);
    assert_true(prev_hidden >= 1);
    /* the overall scope is vigil_metrics_calibration on every case */
    vigil_calibration c;
    assert_int_equal(vigil_metrics_calibration(f.score, f.label, GN, &c), VIGIL_OK);
    assert_int_equal(vigil_metrics_report_scope(&st, f.r, NULL, NULL), VIGIL_OK);
    same(st.cal.oe_ratio, c.oe_ratio, "overall"), same(st.cal.slope_se, c.slope_se, "overall");
    assert_int_equal(vigil_metrics_report_scope(&st, f.r, "site", "huge"), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "'huge'"));
    assert_int_equal(vigil_metrics_report_scope(&st, f.r, "site", NULL), VIGIL_EINVAL);
    cJSON_Delete(f.doc);
    vigil_metrics_report_free(f.r);
}

static void test_getters_status_and_errors(void **s)
{
    getters_fx f;
    getters_setup(&f);
    vigil_metric_value v;
    /* a level of 5 cases: withheld, with the policy's reason */
    assert_true(vigil_metrics_report_level_withheld(f.r, 0, 2));
    assert_string_equal(vigil_metrics_report_level_name(f.r, 0, 2), "tiny");
    assert_int_equal(vigil_metrics_report_get(&v, f.r, "brier", "site", "tiny"), VIGIL_OK);
    assert_int_equal(v.status, VIGIL_METRIC_WITHHELD);
    assert_true(isnan(v.value));
    assert_non_null(strstr(v.why, "min-cell"));
    /* a level without events: AUROC undefined, and why */
    assert_int_equal(vigil_metrics_report_get(&v, f.r, "auroc", "site", "noevent"), VIGIL_OK);
    assert_int_equal(v.status, VIGIL_METRIC_UNDEFINED);
    assert_string_equal(v.why, "no events at this level");
    /* ... so the AUROC gap is not given either, naming a level */
    assert_int_equal(vigil_metrics_report_get(&v, f.r, "auroc_gap", "site", NULL), VIGIL_OK);
    assert_true(isnan(v.value));
    assert_int_not_equal(v.status, VIGIL_METRIC_OK);
    assert_non_null(strstr(v.why, "level '"));
    /* an ordinary overall value with its DeLong CI */
    assert_int_equal(vigil_metrics_report_get(&v, f.r, "auroc", NULL, NULL), VIGIL_OK);
    assert_int_equal(v.status, VIGIL_METRIC_OK);
    assert_true(v.ci_low < v.value && v.value < v.ci_high && v.value > 0.5);
    assert_string_equal(v.why, "");
    /* unknown names are refused, naming them */
    assert_int_equal(vigil_metrics_report_get(&v, f.r, "aurocc", NULL, NULL), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "'aurocc'"));
    assert_int_equal(vigil_metrics_report_get(&v, f.r, "auroc", "sitee", "big"), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "'sitee'"));
    assert_int_equal(vigil_metrics_report_get(&v, f.r, "auroc", "site", "huge"), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "'huge'"));
    assert_int_equal(vigil_metrics_report_get(&v, f.r, "auroc_gap", NULL, NULL), VIGIL_EINVAL);
    assert_int_equal(vigil_metrics_report_get(&v, f.r, "net_benefit", "site", "big"), VIGIL_EINVAL);
    assert_int_equal(vigil_metrics_report_get(&v, f.r, "brier", "site", NULL), VIGIL_EINVAL);
    assert_int_equal(vigil_metrics_report_get_at(&v, f.r, "sensitivity", 0.7), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "0.7"));
    assert_int_equal(vigil_metrics_report_get_at(&v, f.r, "brier", 0.5), VIGIL_EINVAL);
    cJSON_Delete(f.doc);
    vigil_metrics_report_free(f.r);
}

/* The typed paired comparison gives the numbers of the paired document. */
static void test_paired_getter_matches_document(void **s)
{
    getters_fx f;
    getters_setup(&f);
    double s2[GN];
    for (size_t i = 0; i < GN; i++) s2[i] = fmin(0.99, fmax(0.01, f.score[i] * 0.8 + 0.1 * ((i * 31) % 7) / 7.0));
    vigil_metrics_group g = {"site", f.codes, g_levels, 5};
    double thr[2] = {0.5, 0.3};
    vigil_metrics_options o = {0};
    o.thresholds = thr, o.n_thresholds = 2;
    o.bootstrap = 200, o.seed = 7, o.threads = 2;
    vigil_metrics_report *rb;
    assert_int_equal(vigil_metrics_compute(&rb, s2, f.label, GN, &g, 1, &o), VIGIL_OK);
    char *js = vigil_metrics_paired_json(f.r, rb);
    cJSON *p = cJSON_Parse(js);
    assert_non_null(p);
    size_t checked = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, at(p, "overall"))
    {
        const char *name = NULL;
        for (size_t i = 0; i < vigil_metric_count() && !name; i++)
            if (strcmp(vigil_metric_at(i)->key, e->string) == 0) name = vigil_metric_at(i)->name;
        if (!name) continue; /* fpr: a statistic the catalogue does not name */
        vigil_metric_value v;
        double c, q;
        assert_int_equal(vigil_metrics_paired_get(&v, &c, &q, f.r, rb, name, NULL, NULL), VIGIL_OK);
        same(v.value, tu_num(e, "difference"), name);
        same(v.ci_low, jnum_or_nan(at(e, "ci_low")), name), same(v.ci_high, jnum_or_nan(at(e, "ci_high")), name);
        same(c, tu_num(e, "candidate"), name), same(q, tu_num(e, "predecessor"), name);
        checked++;
    }
    cJSON_ArrayForEach(e, at(p, "subgroups.site.levels.big"))
    {
        const char *name = strcmp(e->string, "slope") == 0 ? "calibration_slope" : e->string;
        if (!vigil_metric_find(name)) continue;
        vigil_metric_value v;
        assert_int_equal(vigil_metrics_paired_get(&v, NULL, NULL, f.r, rb, name, "site", "big"), VIGIL_OK);
        same(v.value, tu_num(e, "difference"), name);
        same(v.ci_low, jnum_or_nan(at(e, "ci_low")), name);
        checked++;
    }
    assert_true(checked > 20);
    vigil_metric_value v;
    assert_int_equal(vigil_metrics_paired_get(&v, NULL, NULL, f.r, rb, "brier", "site", "tiny"), VIGIL_OK);
    assert_int_equal(v.status, VIGIL_METRIC_WITHHELD);
    /* a threshold statistic without replicates at that threshold: the difference, no interval */
    assert_int_equal(vigil_metrics_paired_get(&v, NULL, NULL, f.r, rb, "ppv", NULL, NULL), VIGIL_OK);
    assert_true(isfinite(v.value) && isnan(v.ci_low) && isnan(v.ci_high));
    assert_int_equal(vigil_metrics_paired_get(&v, NULL, NULL, f.r, rb, "auroc_gap", "site", "big"), VIGIL_EINVAL);
    cJSON_Delete(p), free(js);
    vigil_metrics_report_free(rb);
    cJSON_Delete(f.doc);
    vigil_metrics_report_free(f.r);
}

/* The paired comparison at a threshold other than the first and at a level (issue 14: the suite
 * runner's paired criteria read these), against an independent computation: the engine's count
 * draws reproduced from its streams (vigil_stats_rng_seed(seed, k), n draws of
 * vigil_stats_bootstrap_case, counts in input order), the confusion counts of each model summed
 * over the cases in input order (no sort, no run of the sorted order), the statistic, the
 * difference, and the type-7 percentiles of the differences written out here. */
#define PN 1500
static double pq7(const double *x, size_t k, double q)
{
    double h = (double)(k - 1) * q, f = floor(h);
    size_t i = (size_t)f;
    return i + 1 < k ? x[i] + (h - f) * (x[i + 1] - x[i]) : x[i];
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* statistic q (0 tpr, 1 tnr, 2 ppv, 3 npv, 4 selection rate, 5 net benefit) of score s at t over
 * the cases with code == lvl (lvl < 0: all), case i weighing w[i] */
static double direct_stat(const double *s, const double *y, const int32_t *code, int32_t lvl, const double *w,
                          size_t n, double t, int q)
{
    double tp = 0, fp = 0, fn = 0, tn = 0;
    for (size_t i = 0; i < n; i++) {
        if (lvl >= 0 && code[i] != lvl) continue;
        double c = w ? w[i] : 1;
        if (s[i] >= t) y[i] ? (tp += c) : (fp += c);
        else y[i] ? (fn += c) : (tn += c);
    }
    double m = tp + fp + fn + tn;
    switch (q) {
    case 0: return tp + fn > 0 ? tp / (tp + fn) : NAN;
    case 1: return tn + fp > 0 ? tn / (tn + fp) : NAN;
    case 2: return tp + fp > 0 ? tp / (tp + fp) : NAN;
    case 3: return tn + fn > 0 ? tn / (tn + fn) : NAN;
    case 4: return m > 0 ? (tp + fp) / m : NAN;
    default: return m > 0 ? tp / m - fp / m * t / (1 - t) : NAN;
    }
}

static void test_paired_at_threshold(void **state)
{
    (void)state;
    static double sa[PN], sb[PN], y[PN], w[PN], d[300];
    static int32_t code[PN];
    static const char *const lv[3] = {"a", "b", "c"};
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < PN; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double u = (double)(x >> 11) / 9007199254740992.0;
        code[i] = (int32_t)(i % 3);
        y[i] = u < 0.35 + 0.1 * code[i];
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double e = (double)(x >> 11) / 9007199254740992.0;
        sa[i] = fmin(0.99, fmax(0.01, 0.7 * e + 0.25 * y[i] + 0.05 * ((i * 7919) % 89) / 89.0));
        sb[i] = fmin(0.99, fmax(0.01, 0.6 * sa[i] + 0.4 * ((i * 104729) % 61) / 61.0));
    }
    vigil_metrics_group g = {"site", code, lv, 3};
    double thr[3] = {0.5, 0.4, 0.65}, bt[2] = {0.65, 0.4};
    vigil_metrics_options o = VIGIL_METRICS_OPTIONS_INIT;
    o.thresholds = thr, o.n_thresholds = 3, o.bootstrap = 300, o.seed = 20261206, o.threads = 2;
    vigil_metrics_report *p0 = NULL, *q0 = NULL, *pa = NULL, *qa = NULL;
    assert_int_equal(vigil_metrics_compute(&p0, sa, y, PN, &g, 1, &o), VIGIL_OK);
    assert_int_equal(vigil_metrics_compute(&q0, sb, y, PN, &g, 1, &o), VIGIL_OK);
    o.boot_thresholds = bt, o.n_boot_thresholds = 2;
    assert_int_equal(vigil_metrics_compute(&pa, sa, y, PN, &g, 1, &o), VIGIL_OK);
    assert_int_equal(vigil_metrics_compute(&qa, sb, y, PN, &g, 1, &o), VIGIL_OK);
    /* the bootstrap thresholds change no number of the reports' own comparison: they add
     * at_thresholds, the getter's numbers */
    char *j0 = vigil_metrics_paired_json(p0, q0), *ja = vigil_metrics_paired_json(pa, qa);
    cJSON *c0 = cJSON_Parse(j0), *ca = cJSON_Parse(ja);
    assert_non_null(c0), assert_non_null(ca);
    assert_null(at(c0, "at_thresholds"));
    cJSON *atd = cJSON_DetachItemFromObjectCaseSensitive(ca, "at_thresholds");
    const cJSON *atj = at(cJSON_GetObjectItemCaseSensitive(atd, "0.4"), "subgroups.site.levels.b.ppv");
    assert_non_null(atj);
    assert_true(cJSON_Compare(c0, ca, 1));
    free(j0), free(ja);
    static const char *const names[6] = {"sensitivity", "specificity", "ppv", "npv", "selection_rate", "net_benefit"};
    size_t checked = 0;
    for (int ti = 0; ti < 3; ti++)
        for (int lvl = -1; lvl < 3; lvl++)
            for (int q = 0; q < 6; q++) {
                double t = thr[ti];
                vigil_metric_value v;
                double c, pv;
                assert_int_equal(vigil_metrics_paired_get_at(&v, &c, &pv, pa, qa, names[q], lvl < 0 ? NULL : "site",
                                                             lvl < 0 ? NULL : lv[lvl], t),
                                 VIGIL_OK);
                if (v.status != VIGIL_METRIC_OK) fail_msg("%s at %g, level %d: %s", names[q], t, lvl, v.why);
                assert_true(c == direct_stat(sa, y, code, lvl, NULL, PN, t, q));
                assert_true(pv == direct_stat(sb, y, code, lvl, NULL, PN, t, q));
                assert_true(v.value == c - pv);
                /* replicates: at a bootstrap threshold every statistic; at the first only the
                 * kernels' sensitivity and selection-rate slots */
                int has = ti > 0 || q == 0 || q == 4;
                if (!has) {
                    assert_true(isnan(v.ci_low) && isnan(v.ci_high));
                    continue;
                }
                size_t kept = 0;
                for (size_t k = 0; k < o.bootstrap; k++) {
                    vm_rng rg;
                    vigil_stats_rng_seed(&rg, o.seed, k);
                    memset(w, 0, sizeof w);
                    for (size_t i = 0; i < PN; i++) w[vigil_stats_bootstrap_case(&rg, PN)] += 1;
                    double da = direct_stat(sa, y, code, lvl, w, PN, t, q), db = direct_stat(sb, y, code, lvl, w, PN, t, q);
                    if (isfinite(da) && isfinite(db)) d[kept++] = da - db;
                }
                assert_true(kept >= o.bootstrap * 9 / 10);
                qsort(d, kept, sizeof *d, cmp_d);
                assert_close(v.ci_low, pq7(d, kept, 0.025), 1e-15);
                assert_close(v.ci_high, pq7(d, kept, 0.975), 1e-15);
                assert_true(v.ci_low < v.ci_high);
                if (ti == 1 && lvl == 1 && q == 2) { /* as the document prints them (15 digits where they read back) */
                    assert_close(tu_num(atj, "ci_low"), v.ci_low, 1e-15);
                    assert_close(tu_num(atj, "difference"), v.value, 1e-15);
                }
                checked++;
            }
    assert_int_equal(checked, 2 * 4 * 6 + 4 * 2);
    /* without the bootstrap thresholds: the difference, no interval */
    vigil_metric_value v;
    assert_int_equal(vigil_metrics_paired_get_at(&v, NULL, NULL, p0, q0, "ppv", "site", "b", 0.65), VIGIL_OK);
    assert_true(isfinite(v.value) && isnan(v.ci_low));
    /* vigil_metrics_paired_get on a threshold statistic: the first threshold */
    vigil_metric_value u;
    assert_int_equal(vigil_metrics_paired_get(&u, NULL, NULL, pa, qa, "sensitivity", "site", "c"), VIGIL_OK);
    assert_int_equal(vigil_metrics_paired_get_at(&v, NULL, NULL, pa, qa, "sensitivity", "site", "c", 0.5), VIGIL_OK);
    assert_true(u.value == v.value && u.ci_low == v.ci_low && u.ci_high == v.ci_high);
    /* refusals: a threshold the reports lack, a disparity scope, one not a report threshold */
    assert_int_equal(vigil_metrics_paired_get_at(&v, NULL, NULL, pa, qa, "ppv", NULL, NULL, 0.6), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "0.6"));
    assert_int_equal(vigil_metrics_paired_get_at(&v, NULL, NULL, pa, qa, "ppv", "site", NULL, 0.65), VIGIL_EINVAL);
    double bad = 0.6;
    o.boot_thresholds = &bad, o.n_boot_thresholds = 1;
    vigil_metrics_report *rb = NULL;
    assert_int_equal(vigil_metrics_compute(&rb, sa, y, PN, &g, 1, &o), VIGIL_EINVAL);
    assert_null(rb);
    cJSON_Delete(c0), cJSON_Delete(ca), cJSON_Delete(atd);
    vigil_metrics_report_free(p0), vigil_metrics_report_free(q0);
    vigil_metrics_report_free(pa), vigil_metrics_report_free(qa);
}

/* BCa against scipy 1.10.1 on the same replicates and jackknife values; where BCa is not
 * defined (the estimate below every replicate: scipy's bounds are NaN) vigil says so and gives
 * the percentile interval. */
static void test_bca_scipy(void **state)
{
    (void)state;
    cJSON *ref = tu_load_json("tests/reference/bca/cases.json");
    const cJSON *c;
    int seen = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(ref, "cases"))
    {
        size_t B, m;
        double *reps = tu_json_doubles(cJSON_GetObjectItem(c, "replicates"), &B);
        double *jack = tu_json_doubles(cJSON_GetObjectItem(c, "jackknife"), &m);
        double lo, hi, lo2, hi2;
        const char *method = NULL;
        int how = vigil_stats_bca_ci(reps, B, tu_num(c, "theta"), jack, m, 0.95, &lo, &hi);
        /* the interval's method, as the document stores it beside the interval (issue 18):
         * "BCa" where scipy gives BCa bounds, the percentile interval and why where its bounds
         * are NaN (this case: the estimate below every replicate) */
        assert_int_equal(vigil_stats_bca_ci_how(reps, B, tu_num(c, "theta"), jack, m, 0.95, &lo2, &hi2, &method), how);
        assert_true(lo2 == lo && hi2 == hi);
        const cJSON *want = cJSON_GetObjectItem(c, "ci_low");
        assert_non_null(method);
        assert_string_equal(method, cJSON_IsNull(want) ? "percentile (BCa undefined: the estimate lies outside every replicate)"
                                                       : "BCa");
        if (cJSON_IsNull(want)) {
            const cJSON *pc = cJSON_GetObjectItem(c, "percentile");
            assert_int_equal(how, 0);
            assert_close(lo, cJSON_GetArrayItem(pc, 0)->valuedouble, 1e-12);
            assert_close(hi, cJSON_GetArrayItem(pc, 1)->valuedouble, 1e-12);
        } else {
            assert_int_equal(how, 1);
            assert_close(lo, tu_num(c, "ci_low"), 1e-9);
            assert_close(hi, tu_num(c, "ci_high"), 1e-9);
        }
        free(reps);
        free(jack);
        seen++;
    }
    assert_int_equal(seen, 4);
    cJSON_Delete(ref);
}

/* The engine's bootstrap intervals are BCa (a 50-group jackknife for the acceleration), each
 * estimate inside its interval, and the document says which method gave how many. */
static void test_bca_engine(void **state)
{
    (void)state;
    kase k;
    load_case(&k, "a");
    vigil_metrics_options o = VIGIL_METRICS_OPTIONS_INIT;
    o.bootstrap = 400;
    o.seed = 3;
    vigil_metrics_report *r = NULL;
    assert_int_equal(vigil_metrics_compute(&r, k.score, k.label, k.n, NULL, 0, &o), VIGIL_OK);
    const char *names[] = {"brier", "ece", "calibration_slope", "eavg", "e50", "auprc"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        vigil_metric_value v;
        assert_int_equal(vigil_metrics_report_get(&v, r, names[i], NULL, NULL), VIGIL_OK);
        if (!(v.ci_low <= v.value && v.value <= v.ci_high))
            print_error("%s: %g outside [%g, %g]\n", names[i], v.value, v.ci_low, v.ci_high);
        assert_true(v.ci_low <= v.value && v.value <= v.ci_high);
        assert_non_null(v.ci_method);
        assert_string_equal(v.ci_method, "BCa"); /* each interval says which it is (issue 18) */
    }
    char *j = vigil_metrics_report_json(r, NAN, NAN);
    cJSON *doc = cJSON_Parse(j);
    const cJSON *bs = cJSON_GetObjectItem(doc, "bootstrap");
    assert_non_null(strstr(cJSON_GetObjectItem(bs, "method")->valuestring, "BCa"));
    assert_true(tu_num(bs, "intervals_bca") >= 10);      /* every bootstrapped statistic */
    assert_true(tu_num(bs, "intervals_percentile") == 0); /* no estimate outside its replicates */
    assert_true(tu_num(bs, "jackknife_groups") == 50);
    cJSON_Delete(doc);
    free(j);
    vigil_metrics_report_free(r);
    vigil_table_free(k.t);
}

int main(void)
{
    vigil_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bca_scipy),          cmocka_unit_test(test_bca_engine),
        cmocka_unit_test(test_auroc_case_a),       cmocka_unit_test(test_auroc_case_b_heavy_ties),
        cmocka_unit_test(test_auroc_case_c),       cmocka_unit_test(test_auroc_by_hand),
        cmocka_unit_test(test_auroc_sort_paths),
        cmocka_unit_test(test_thresholds_wilson),  cmocka_unit_test(test_check_bad_input),
        cmocka_unit_test(test_paired_bootstrap),   cmocka_unit_test(test_curves_case_a),
        cmocka_unit_test(test_curves_case_b_ties), cmocka_unit_test(test_getters_match_document),
        cmocka_unit_test(test_getters_status_and_errors), cmocka_unit_test(test_scope_stats), cmocka_unit_test(test_paired_getter_matches_document),
        cmocka_unit_test(test_catalogue_paths_in_documents),
        cmocka_unit_test(test_paired_at_threshold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
