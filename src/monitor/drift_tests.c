/* Monitor drift tests, with the reference statistics cached in the run store.
 *
 * INTERIM ENGINE. The drift engine of issue 6 (include/vigil/drift.h: vigil_drift_compare_ref
 * and friends) had not landed when monitors were written, so this file carries the tests a
 * monitor needs — KS (asymptotic Kolmogorov distribution with Stephens' small-sample
 * correction), Wasserstein-1 / reference SD, PSI at reference quantiles with 1e-4 floors,
 * Jensen-Shannon distance, chi-square on the union of categories, and the missing-rate
 * two-proportion test — behind mon_drift(). Anderson-Darling and Cramer-von Mises are
 * reported as not computed. Swap the body of mon_drift() for vigil_drift_compare_ref() once
 * the engine exists; the document shape stays the one in monitors/README.md. */
#include "monitor/monitor_engine.h"
#include "core/util.h"
#include "vigil/error.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLOOR 1e-4

/* Reference statistics of one column. */
typedef struct {
    char *name;
    int categorical;
    size_t n, missing;
    double *sorted, sd;         /* numeric */
    double *edges;              /* PSI bin upper edges (n_edges), last bin open */
    size_t n_edges;
    char **levels;              /* categorical */
    double *counts;
    size_t n_levels;
} refstat;

typedef struct {
    const char *name;           /* column, or "(prediction)" */
    const vigil_table *rt, *ct; /* tables, or NULL for the prediction */
    int rc_, cc_;               /* column indices */
    const double *pr, *pc;      /* prediction arrays */
} item;

static void refstat_clear(refstat *r)
{
    free(r->name), free(r->sorted), free(r->edges), free(r->counts);
    for (size_t i = 0; i < r->n_levels; i++) free(r->levels[i]);
    free(r->levels);
    memset(r, 0, sizeof *r);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Non-missing values, sorted (caller frees). */
static double *sorted_values(const double *x, size_t n, size_t *m, size_t *missing)
{
    double *s = malloc((n ? n : 1) * sizeof *s);
    if (!s) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i])) s[k++] = x[i];
    qsort(s, k, sizeof *s, cmp_double);
    *m = k;
    *missing = n - k;
    return s;
}

static int build_numeric(refstat *r, const double *x, size_t n, size_t bins)
{
    if (!(r->sorted = sorted_values(x, n, &r->n, &r->missing))) return VIGIL_ENOMEM;
    double mean = 0, ss = 0;
    for (size_t i = 0; i < r->n; i++) mean += r->sorted[i];
    mean /= (double)(r->n ? r->n : 1);
    for (size_t i = 0; i < r->n; i++) ss += (r->sorted[i] - mean) * (r->sorted[i] - mean);
    r->sd = r->n > 1 ? sqrt(ss / (double)(r->n - 1)) : NAN;
    if (!(r->edges = malloc(bins * sizeof *r->edges))) return VIGIL_ENOMEM;
    for (size_t k = 1; k < bins && r->n; k++) { /* quantile k/bins, distinct edges only */
        double e = r->sorted[(size_t)floor((double)k * (double)(r->n - 1) / (double)bins)];
        if (r->n_edges == 0 || e > r->edges[r->n_edges - 1]) r->edges[r->n_edges++] = e;
    }
    return VIGIL_OK;
}

static int build_categorical(refstat *r, const vigil_table *t, size_t col)
{
    size_t nl = vigil_table_n_levels(t, col), n = vigil_table_nrows(t);
    const int32_t *c = vigil_table_codes(t, col);
    r->levels = calloc(nl ? nl : 1, sizeof *r->levels);
    r->counts = calloc(nl ? nl : 1, sizeof *r->counts);
    if (!r->levels || !r->counts) return VIGIL_ENOMEM;
    r->n_levels = nl;
    for (size_t l = 0; l < nl; l++)
        if (!(r->levels[l] = vigil_strdup(vigil_table_level(t, col, l)))) return VIGIL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (c[i] < 0) r->missing++;
        else r->counts[c[i]]++, r->n++;
    }
    return VIGIL_OK;
}

/* ---- the cache: key and (de)serialisation --------------------------------------------- */

static void hash_item(EVP_MD_CTX *h, const item *it, int ref)
{
    EVP_DigestUpdate(h, it->name, strlen(it->name) + 1);
    const vigil_table *t = ref ? it->rt : it->ct;
    int col = ref ? it->rc_ : it->cc_;
    if (!t) {
        EVP_DigestUpdate(h, "P", 1);
        return; /* caller hashes the prediction array */
    }
    size_t n = vigil_table_nrows(t);
    const double *x = vigil_table_numeric(t, (size_t)col);
    if (x) {
        EVP_DigestUpdate(h, "N", 1);
        EVP_DigestUpdate(h, x, n * sizeof *x);
        return;
    }
    EVP_DigestUpdate(h, "C", 1);
    const int32_t *c = vigil_table_codes(t, (size_t)col);
    for (size_t i = 0; i < n; i++) {
        const char *s = c[i] < 0 ? "\001" : vigil_table_level(t, (size_t)col, (size_t)c[i]);
        EVP_DigestUpdate(h, s, strlen(s) + 1);
    }
}

/* SHA-256 of the reference values of every item (in row order) and the options that shape
 * the statistics. */
static void cache_key(const vigil_monitor *m, const item *items, size_t n_items, size_t n_ref,
                      char out[80])
{
    unsigned char md[32];
    unsigned int len = 0;
    char opt[64];
    EVP_MD_CTX *h = EVP_MD_CTX_new();
    EVP_DigestInit_ex(h, EVP_sha256(), NULL);
    int k = snprintf(opt, sizeof opt, "vigil-monitor-reference 1 bins=%zu", m->psi_bins);
    EVP_DigestUpdate(h, opt, (size_t)k + 1);
    for (size_t i = 0; i < n_items; i++) {
        hash_item(h, &items[i], 1);
        if (!items[i].rt) EVP_DigestUpdate(h, items[i].pr, n_ref * sizeof(double));
    }
    EVP_DigestFinal_ex(h, md, &len);
    EVP_MD_CTX_free(h);
    strcpy(out, "monitor-ref:");
    for (unsigned i = 0; i < 32; i++) sprintf(out + 12 + 2 * i, "%02x", md[i]);
}

static cJSON *doubles(const double *x, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n && a; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber(x[i]));
    return a;
}

static char *serialize(const refstat *r, size_t n)
{
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "items");
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", r[i].name);
        cJSON_AddNumberToObject(o, "n", (double)r[i].n);
        cJSON_AddNumberToObject(o, "missing", (double)r[i].missing);
        if (r[i].categorical) {
            cJSON_AddItemToObject(o, "levels", cJSON_CreateStringArray((const char *const *)r[i].levels,
                                                                       (int)r[i].n_levels));
            cJSON_AddItemToObject(o, "counts", doubles(r[i].counts, r[i].n_levels));
        } else {
            if (isfinite(r[i].sd)) cJSON_AddNumberToObject(o, "sd", r[i].sd);
            cJSON_AddItemToObject(o, "sorted", doubles(r[i].sorted, r[i].n));
            cJSON_AddItemToObject(o, "edges", doubles(r[i].edges, r[i].n_edges));
        }
        cJSON_AddItemToArray(arr, o);
    }
    char *s = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return s;
}

static double *read_doubles(const cJSON *a, size_t *n)
{
    size_t k = (size_t)cJSON_GetArraySize(a), i = 0;
    double *x = malloc((k ? k : 1) * sizeof *x);
    const cJSON *e;
    if (!x) return NULL;
    cJSON_ArrayForEach(e, a) x[i++] = e->valuedouble;
    *n = k;
    return x;
}

/* 0 when the blob matches the items (same names and kinds); anything else: recompute. */
static int deserialize(const char *blob, size_t len, const item *items, size_t n_items, refstat *r)
{
    cJSON *root = cJSON_ParseWithLength(blob, len);
    const cJSON *arr = cJSON_GetObjectItem(root, "items"), *o;
    int rc = -1;
    size_t i = 0;
    if (!arr || (size_t)cJSON_GetArraySize(arr) != n_items) goto done;
    cJSON_ArrayForEach(o, arr)
    {
        const cJSON *nm = cJSON_GetObjectItem(o, "name"), *lv = cJSON_GetObjectItem(o, "levels");
        if (!cJSON_IsString(nm) || strcmp(nm->valuestring, items[i].name) != 0) goto done;
        refstat *s = &r[i];
        if (!(s->name = vigil_strdup(items[i].name))) goto done;
        s->n = (size_t)cJSON_GetObjectItem(o, "n")->valuedouble;
        s->missing = (size_t)cJSON_GetObjectItem(o, "missing")->valuedouble;
        if (lv) {
            s->categorical = 1;
            size_t k = (size_t)cJSON_GetArraySize(lv), j = 0;
            const cJSON *e;
            s->levels = calloc(k ? k : 1, sizeof *s->levels);
            if (!s->levels) goto done;
            s->n_levels = k;
            cJSON_ArrayForEach(e, lv) if (!(s->levels[j++] = vigil_strdup(e->valuestring))) goto done;
            if (!(s->counts = read_doubles(cJSON_GetObjectItem(o, "counts"), &k))) goto done;
        } else {
            size_t k;
            const cJSON *sd = cJSON_GetObjectItem(o, "sd");
            s->sd = cJSON_IsNumber(sd) ? sd->valuedouble : NAN;
            if (!(s->sorted = read_doubles(cJSON_GetObjectItem(o, "sorted"), &k)) ||
                !(s->edges = read_doubles(cJSON_GetObjectItem(o, "edges"), &s->n_edges)))
                goto done;
        }
        i++;
    }
    rc = 0;
done:
    cJSON_Delete(root);
    return rc;
}

/* ---- the tests ------------------------------------------------------------------------ */

/* Kolmogorov's limiting distribution, P(K > lambda). */
static double kolmogorov_q(double lambda)
{
    if (lambda < 0.2) return 1;
    double q = 0;
    for (int k = 1; k <= 100; k++) {
        double t = 2 * ((k & 1) ? 1 : -1) * exp(-2.0 * k * k * lambda * lambda);
        q += t;
        if (fabs(t) < 1e-16) break;
    }
    return fmin(1, fmax(0, q));
}

/* KS statistic and Wasserstein-1 distance of two sorted samples, by one merge. */
static void ks_wasserstein(const double *a, size_t n, const double *b, size_t m, double *d, double *w)
{
    size_t i = 0, j = 0;
    double D = 0, W = 0, prev = 0;
    int started = 0;
    while (i < n || j < m) {
        double x = (j >= m || (i < n && a[i] <= b[j])) ? a[i] : b[j];
        if (started) W += fabs((double)i / (double)n - (double)j / (double)m) * (x - prev);
        while (i < n && a[i] == x) i++;
        while (j < m && b[j] == x) j++;
        double diff = fabs((double)i / (double)n - (double)j / (double)m);
        if (diff > D) D = diff;
        prev = x;
        started = 1;
    }
    *d = D;
    *w = W;
}

static void psi_js(const double *p, const double *q, size_t k, double *psi, double *js)
{
    double s = 0, j = 0;
    for (size_t i = 0; i < k; i++) {
        double a = fmax(p[i], FLOOR), b = fmax(q[i], FLOOR);
        s += (b - a) * log(b / a);
        double mm = 0.5 * (p[i] + q[i]);
        if (p[i] > 0) j += 0.5 * p[i] * log(p[i] / mm);
        if (q[i] > 0) j += 0.5 * q[i] * log(q[i] / mm);
    }
    *psi = s;
    *js = sqrt(fmax(0, j));
}

static void add_test(cJSON *tests, const char *name, double stat, double p, int has_p)
{
    cJSON *t = cJSON_AddObjectToObject(tests, name);
    mon_json_number(t, "stat", stat);
    if (has_p) mon_json_number(t, "p", p);
}

/* Numeric item: every test; *p the KS p-value, *effect Wasserstein / reference SD. */
static int compare_numeric(const vigil_monitor *m, const refstat *r, const double *x, size_t nx,
                           cJSON *o, double *p, double *effect)
{
    size_t nc, miss;
    double *c = sorted_values(x, nx, &nc, &miss);
    if (!c) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    cJSON_AddStringToObject(o, "type", "numeric");
    cJSON_AddNumberToObject(o, "n_ref", (double)r->n);
    cJSON_AddNumberToObject(o, "n_cur", (double)nc);
    cJSON_AddNumberToObject(o, "missing_ref", (double)r->missing);
    cJSON_AddNumberToObject(o, "missing_cur", (double)miss);
    cJSON *tests = cJSON_CreateObject();
    *p = NAN;
    *effect = NAN;
    if (r->n >= 1 && nc >= 1) {
        double d, w, en = (double)r->n * (double)nc / (double)(r->n + nc);
        ks_wasserstein(r->sorted, r->n, c, nc, &d, &w);
        double ksp = kolmogorov_q((sqrt(en) + 0.12 + 0.11 / sqrt(en)) * d);
        *p = ksp;
        *effect = r->sd > 0 ? w / r->sd : (w > 0 ? INFINITY : 0);
        size_t k = r->n_edges + 1;
        double *pr = calloc(k, sizeof *pr), *pc = calloc(k, sizeof *pc);
        if (!pr || !pc) {
            free(pr), free(pc), free(c);
            cJSON_Delete(tests);
            return vigil_error_set(VIGIL_ENOMEM, "out of memory");
        }
        for (size_t i = 0, b = 0; i < r->n; i++) {
            while (b < r->n_edges && r->sorted[i] > r->edges[b]) b++;
            pr[b] += 1.0 / (double)r->n;
        }
        for (size_t i = 0, b = 0; i < nc; i++) {
            while (b < r->n_edges && c[i] > r->edges[b]) b++;
            pc[b] += 1.0 / (double)nc;
        }
        double psi, js;
        psi_js(pr, pc, k, &psi, &js);
        free(pr), free(pc);
        if (m->tests & MON_T_KS) add_test(tests, "ks", d, ksp, 1);
        if (m->tests & MON_T_WASSERSTEIN) add_test(tests, "wasserstein", w, NAN, 0);
        if (m->tests & MON_T_PSI) add_test(tests, "psi", psi, NAN, 0);
        if (m->tests & MON_T_JS) add_test(tests, "jensen_shannon", js, NAN, 0);
    }
    cJSON_AddItemToObject(o, "tests", tests);
    cJSON_AddStringToObject(o, "effect_name", "wasserstein_sd");
    free(c);
    return VIGIL_OK;
}

/* Categorical item: chi-square on the union of categories (a category unseen in the
 * reference is drift, not a crash), PSI and JS; *effect is the PSI. */
static int compare_categorical(const vigil_monitor *m, const refstat *r, const vigil_table *t,
                               size_t col, cJSON *o, double *p, double *effect)
{
    size_t nl = vigil_table_n_levels(t, col), n = vigil_table_nrows(t), k = r->n_levels, nc = 0, miss = 0;
    size_t cap = r->n_levels + nl + 1;
    double *rc = calloc(cap, sizeof *rc), *cc = calloc(cap, sizeof *cc);
    size_t *map = calloc(nl ? nl : 1, sizeof *map);
    const int32_t *codes = vigil_table_codes(t, col);
    if (!rc || !cc || !map) {
        free(rc), free(cc), free(map);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    memcpy(rc, r->counts, r->n_levels * sizeof *rc);
    for (size_t l = 0; l < nl; l++) {
        const char *s = vigil_table_level(t, col, l);
        size_t j = 0;
        while (j < r->n_levels && strcmp(r->levels[j], s) != 0) j++;
        map[l] = j < r->n_levels ? j : k++;
    }
    for (size_t i = 0; i < n; i++) {
        if (codes[i] < 0) miss++;
        else cc[map[codes[i]]]++, nc++;
    }
    cJSON_AddStringToObject(o, "type", "categorical");
    cJSON_AddNumberToObject(o, "n_ref", (double)r->n);
    cJSON_AddNumberToObject(o, "n_cur", (double)nc);
    cJSON_AddNumberToObject(o, "missing_ref", (double)r->missing);
    cJSON_AddNumberToObject(o, "missing_cur", (double)miss);
    cJSON *tests = cJSON_CreateObject();
    *p = NAN;
    *effect = NAN;
    if (r->n >= 1 && nc >= 1) {
        double chi = 0, tot = (double)(r->n + nc);
        size_t df = 0;
        for (size_t j = 0; j < k; j++) {
            double col_tot = rc[j] + cc[j];
            if (col_tot == 0) continue;
            df++;
            double er = col_tot * (double)r->n / tot, ec = col_tot * (double)nc / tot;
            chi += (rc[j] - er) * (rc[j] - er) / er + (cc[j] - ec) * (cc[j] - ec) / ec;
        }
        df = df > 0 ? df - 1 : 0;
        double chip = df > 0 ? gsl_cdf_chisq_Q(chi, (double)df) : 1;
        for (size_t j = 0; j < k; j++) rc[j] /= (double)r->n, cc[j] /= (double)nc;
        double psi, js;
        psi_js(rc, cc, k, &psi, &js);
        *p = chip;
        *effect = psi;
        if (m->tests & MON_T_CHI2) {
            add_test(tests, "chi2", chi, chip, 1);
            cJSON_AddNumberToObject(cJSON_GetObjectItem(tests, "chi2"), "df", (double)df);
        }
        if (m->tests & MON_T_PSI) add_test(tests, "psi", psi, NAN, 0);
        if (m->tests & MON_T_JS) add_test(tests, "jensen_shannon", js, NAN, 0);
    }
    cJSON_AddItemToObject(o, "tests", tests);
    cJSON_AddStringToObject(o, "effect_name", "psi");
    free(rc), free(cc), free(map);
    return VIGIL_OK;
}

static void adjust(const double *p, size_t n, mon_correction how, double *out)
{
    size_t *ord = malloc((n ? n : 1) * sizeof *ord), m = 0;
    if (!ord) return;
    for (size_t i = 0; i < n; i++)
        if (!isnan(p[i])) ord[m++] = i;
    for (size_t i = 1; i < m; i++) /* insertion sort by p: a handful of features */
        for (size_t j = i; j > 0 && p[ord[j]] < p[ord[j - 1]]; j--) {
            size_t t = ord[j];
            ord[j] = ord[j - 1];
            ord[j - 1] = t;
        }
    for (size_t i = 0; i < n; i++) out[i] = NAN;
    if (how == MON_CORR_HOLM) {
        double run = 0;
        for (size_t i = 0; i < m; i++) {
            run = fmax(run, fmin(1, (double)(m - i) * p[ord[i]]));
            out[ord[i]] = run;
        }
    } else {
        double run = 1;
        for (size_t i = m; i-- > 0;) {
            run = fmin(run, fmin(1, (double)m / (double)(i + 1) * p[ord[i]]));
            out[ord[i]] = run;
        }
    }
    free(ord);
}

int mon_drift(const vigil_monitor *m, const mon_data *d, vigil_store *cache, int threads,
              cJSON *doc, int *alarm)
{
    size_t nf = m->data.n_features, n_items = nf + (m->prediction_drift ? 1 : 0);
    size_t n_ref = vigil_table_nrows(d->ref), n_cur = vigil_table_nrows(d->cur);
    item *items = calloc(n_items ? n_items : 1, sizeof *items);
    refstat *rs = calloc(n_items ? n_items : 1, sizeof *rs);
    double *p = calloc(n_items ? n_items : 1, sizeof *p), *eff = calloc(n_items ? n_items : 1, sizeof *eff);
    double *padj = calloc(n_items ? n_items : 1, sizeof *padj);
    cJSON **objs = calloc(n_items ? n_items : 1, sizeof *objs);
    char key[80];
    int rc = VIGIL_OK, hit = 0;
    if (!items || !rs || !p || !eff || !padj || !objs) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nf; i++) {
        items[i].name = m->data.features[i];
        items[i].rt = d->ref;
        items[i].ct = d->cur;
        if ((items[i].rc_ = vigil_table_require(d->ref, items[i].name, "feature")) < 0 ||
            (items[i].cc_ = vigil_table_require(d->cur, items[i].name, "feature")) < 0) {
            rc = VIGIL_EINVAL;
            goto done;
        }
        if (vigil_table_col_type(d->ref, (size_t)items[i].rc_) !=
            vigil_table_col_type(d->cur, (size_t)items[i].cc_)) {
            rc = vigil_error_set(VIGIL_EINVAL, "feature '%s' is numeric in one file and text in "
                                 "the other; declare its type under $.data.types in %s",
                                 items[i].name, m->file);
            goto done;
        }
    }
    if (m->prediction_drift) items[nf] = (item){"(prediction)", NULL, NULL, -1, -1, d->score_ref, d->score_cur};

    cache_key(m, items, n_items, n_ref, key);
    void *blob = NULL;
    size_t blen = 0;
    if (cache && vigil_store_cache_get(cache, key, &blob, &blen) == 0) {
        hit = deserialize(blob, blen, items, n_items, rs) == 0;
        free(blob);
        if (!hit)
            for (size_t i = 0; i < n_items; i++) refstat_clear(&rs[i]);
    }
    vigil_error_clear();
    for (size_t i = 0; i < n_items && !hit; i++) {
        const item *it = &items[i];
        if (!(rs[i].name = vigil_strdup(it->name))) {
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            goto done;
        }
        const double *x = it->rt ? vigil_table_numeric(it->rt, (size_t)it->rc_) : it->pr;
        rs[i].categorical = x == NULL;
        rc = x ? build_numeric(&rs[i], x, n_ref, m->psi_bins) : build_categorical(&rs[i], it->rt, (size_t)it->rc_);
        if (rc) {
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            goto done;
        }
    }
    if (cache && !hit) {
        char *s = serialize(rs, n_items);
        /* A cache that cannot be written costs time next run, not correctness. */
        if (s && vigil_store_cache_put(cache, key, s, strlen(s)) != 0)
            fprintf(stderr, "vigil monitor: warning: reference cache not written: %s\n", vigil_error_last());
        free(s);
        vigil_error_clear();
    }

    for (size_t i = 0; i < n_items; i++) {
        const item *it = &items[i];
        objs[i] = cJSON_CreateObject();
        if (!objs[i]) {
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            goto done;
        }
        if (rs[i].categorical)
            rc = compare_categorical(m, &rs[i], it->ct, (size_t)it->cc_, objs[i], &p[i], &eff[i]);
        else
            rc = compare_numeric(m, &rs[i], it->ct ? vigil_table_numeric(it->ct, (size_t)it->cc_) : it->pc,
                                 n_cur, objs[i], &p[i], &eff[i]);
        if (rc) goto done;
        /* The missing rate on its own: reported, not part of the alarm rule. */
        double mz, mp, mr = (double)rs[i].missing, mc = cJSON_GetObjectItem(objs[i], "missing_cur")->valuedouble;
        mon_two_proportion(mr, (double)n_ref, mc, (double)n_cur, &mz, &mp);
        cJSON *mo = cJSON_AddObjectToObject(objs[i], "missing_rate");
        mon_json_number(mo, "rate_ref", mr / (double)n_ref);
        mon_json_number(mo, "rate_cur", mc / (double)n_cur);
        mon_json_number(mo, "stat", mz);
        mon_json_number(mo, "p", mp);
    }
    adjust(p, n_items, m->correction, padj);
    cJSON *feats = cJSON_AddObjectToObject(doc, "features");
    for (size_t i = 0; i < n_items; i++) {
        double floor_ = rs[i].categorical ? m->floor_categorical : m->floor_numeric;
        int drift = isfinite(padj[i]) && padj[i] < m->alpha && eff[i] >= floor_;
        cJSON_AddBoolToObject(objs[i], "drift", drift);
        mon_json_number(objs[i], "p", p[i]);
        mon_json_number(objs[i], "p_adjusted", padj[i]);
        mon_json_number(objs[i], "effect", eff[i]);
        if (drift) *alarm = 1;
        if (m->prediction_drift && i == nf) {
            cJSON_AddStringToObject(objs[i], "source", m->model_path ? m->model_path : m->data.score);
            cJSON_AddItemToObject(doc, "prediction", objs[i]);
        } else {
            cJSON_AddItemToObject(feats, items[i].name, objs[i]);
        }
        objs[i] = NULL;
    }
    cJSON *c = cJSON_AddObjectToObject(doc, "cache");
    cJSON_AddStringToObject(c, "key", key);
    cJSON_AddBoolToObject(c, "hit", hit);
    cJSON_AddStringToObject(doc, "engine", "interim monitor tests (src/monitor/drift_tests.c)");
done:
    for (size_t i = 0; i < n_items && rs; i++) refstat_clear(&rs[i]);
    for (size_t i = 0; i < n_items && objs; i++) cJSON_Delete(objs[i]);
    free(items), free(rs), free(p), free(eff), free(padj), free(objs);
    return rc;
}
