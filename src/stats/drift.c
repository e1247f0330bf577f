/* Drift engine: per-feature tests between a reference and a current window, correction across
 * features, the alarm rule and the JSON document (see include/vigil/drift.h). The reference
 * side (sorted columns, SD, PSI edges, category counts, an MMD subsample) is built once by
 * vigil_drift_reference_build() so a monitor can cache it; vigil_drift_compare() is build +
 * compare_ref. Each numeric column is sorted once and every rank-based test walks the two
 * sorted arrays; features run in parallel threads. */
#include "stats/drift_internal.h"
#include "vigil/error.h"
#include "core/json.h"
#include "core/dist.h"
#include "stats/metrics_internal.h"
#include "core/parallel.h"
#include "core/util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef drift_ref_feat ref_feat;

struct vigil_drift_result {
    vigil_drift_feature *f;
    size_t nf;
    int correction;
    double alpha;
    int mmd_done;
    vigil_backend_kind mmd_backend;
    double mmd_stat, mmd_p, mmd_bw;
    size_t mmd_perm, mmd_rows;
    char *mmd_reason;          /* asked for but not computable: why */
    char **mmd_left_out;       /* numeric features left out of it (not computable), names */
    size_t mmd_n_left_out;
    char *mmd_note;            /* what the text says about both, or NULL */
    double sec_load, sec_compute;
};

vigil_drift_options vigil_drift_options_default(void)
{
    vigil_drift_options o = VIGIL_DRIFT_OPTIONS_INIT;
    return o;
}

/* ---------------------------------------------------------------- reference */

static void ref_feat_free(ref_feat *f)
{
    free(f->name);
    free(f->sorted);
    free(f->edges);
    for (size_t i = 0; i < f->n_levels; i++) free(f->levels[i]);
    free(f->levels);
    free(f->counts);
}

void vigil_drift_reference_free(vigil_drift_reference *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->nf; i++) ref_feat_free(&r->f[i]);
    free(r->f);
    free(r->source);
    free(r->mmd_x);
    free(r);
}

static int build_numeric(ref_feat *f, const double *v, size_t nrows, size_t bins)
{
    f->sorted = malloc((nrows ? nrows : 1) * sizeof *f->sorted);
    if (!f->sorted) return vigil_error_set(VIGIL_ENOMEM, "drift: out of memory");
    size_t n = 0;
    for (size_t i = 0; i < nrows; i++)
        if (!isnan(v[i])) f->sorted[n++] = v[i];
    f->n = n;
    f->n_missing = nrows - n;
    vigil_drift_sort(f->sorted, n);
    double s = 0, ss = 0;
    for (size_t i = 0; i < n; i++) s += f->sorted[i];
    f->mean = n ? s / n : NAN;
    for (size_t i = 0; i < n; i++) ss += (f->sorted[i] - f->mean) * (f->sorted[i] - f->mean);
    f->sd = n > 1 ? sqrt(ss / (n - 1)) : NAN;
    f->edges = malloc((bins ? bins : 1) * sizeof *f->edges);
    if (!f->edges) return vigil_error_set(VIGIL_ENOMEM, "drift: out of memory");
    f->n_edges = 0;
    for (size_t b = 1; n && b < bins; b++) {
        double e = vigil_stats_quantile_sorted(f->sorted, n, (double)b / bins); /* numpy's linear */
        if (f->n_edges == 0 || e > f->edges[f->n_edges - 1]) f->edges[f->n_edges++] = e;
    }
    return VIGIL_OK;
}

static int build_categorical(ref_feat *f, const vigil_table *t, size_t col)
{
    size_t nl = vigil_table_n_levels(t, col), nrows = vigil_table_nrows(t);
    const int32_t *c = vigil_table_codes(t, col);
    f->levels = calloc(nl ? nl : 1, sizeof *f->levels);
    f->counts = calloc(nl ? nl : 1, sizeof *f->counts);
    if (!f->levels || !f->counts) return vigil_error_set(VIGIL_ENOMEM, "drift: out of memory");
    f->n_levels = nl;
    for (size_t i = 0; i < nl; i++)
        if (!(f->levels[i] = vigil_strdup(vigil_table_level(t, col, i))))
            return vigil_error_set(VIGIL_ENOMEM, "drift: out of memory");
    for (size_t i = 0; i < nrows; i++) {
        if (c[i] < 0 || (size_t)c[i] >= nl) f->n_missing++;
        else { f->counts[c[i]] += 1; f->n++; }
    }
    return VIGIL_OK;
}

/* Rows (of those with every numeric feature present) chosen by a seeded partial shuffle when
 * there are more than max_rows (then in shuffled order). Writes the chosen row indices. */
size_t vigil_drift_pick_rows(const vigil_table *t, const int *cols, size_t d, size_t max_rows,
                       uint64_t seed, size_t **rows_out);
size_t vigil_drift_pick_rows(const vigil_table *t, const int *cols, size_t d, size_t max_rows,
                       uint64_t seed, size_t **rows_out)
{
    size_t nrows = vigil_table_nrows(t), n = 0;
    size_t *rows = malloc((nrows ? nrows : 1) * sizeof *rows);
    *rows_out = NULL;
    if (!rows) return 0;
    for (size_t i = 0; i < nrows; i++) {
        size_t k = 0;
        for (; k < d; k++) if (isnan(vigil_table_numeric(t, cols[k])[i])) break;
        if (k == d) rows[n++] = i;
    }
    if (max_rows && n > max_rows) {
        uint64_t s = seed;
        for (size_t i = 0; i < max_rows; i++) {
            size_t j = i + (size_t)(vigil_splitmix64(&s) % (n - i));
            size_t tmp = rows[i]; rows[i] = rows[j]; rows[j] = tmp;
        }
        n = max_rows;
    }
    *rows_out = rows;
    return n;
}

static int find_col(const vigil_table *t, const char *name, const char *which)
{
    int c = vigil_table_find(t, name);
    if (c < 0)
        vigil_error_set(VIGIL_EINVAL, "%s: feature '%s' is not a column of the %s window",
                        vigil_table_source(t), name, which);
    return c;
}

typedef struct {
    vigil_drift_reference *r;
    const vigil_table *ref;
    const int *cols;
    size_t nrows;
} build_ctx;

static int build_range(void *ctx, size_t begin, size_t end, int worker)
{
    (void)worker;
    build_ctx *b = ctx;
    for (size_t i = begin; i < end; i++) {
        ref_feat *f = &b->r->f[i];
        int rc = f->type == VIGIL_DRIFT_NUMERIC
                     ? build_numeric(f, vigil_table_numeric(b->ref, b->cols[i]), b->nrows, b->r->psi_bins)
                     : build_categorical(f, b->ref, (size_t)b->cols[i]);
        if (rc) return rc;
    }
    return VIGIL_OK;
}

int vigil_drift_reference_build(const vigil_table *ref, const vigil_drift_options *o,
                                vigil_drift_reference **out)
{
    vigil_drift_options def = VIGIL_DRIFT_OPTIONS_INIT;
    if (!o) o = &def;
    *out = NULL;
    vigil_drift_reference *r = calloc(1, sizeof *r);
    int rc = VIGIL_OK;
    int *numcols = NULL, *cols = NULL;
    size_t *rows = NULL;
    if (!r) return vigil_error_set(VIGIL_ENOMEM, "drift: out of memory");
    size_t nrows = vigil_table_nrows(ref);
    r->psi_bins = o->psi_bins ? o->psi_bins : 10;
    r->source = vigil_strdup(vigil_table_source(ref) ? vigil_table_source(ref) : "reference");
    if (nrows == 0) {
        rc = vigil_error_set(VIGIL_EINVAL, "%s: the reference window is empty", r->source);
        goto done;
    }
    r->explicit_features = o->features != NULL;
    size_t nf = o->features ? o->n_features : vigil_table_ncols(ref);
    r->f = calloc(nf ? nf : 1, sizeof *r->f);
    numcols = malloc((nf ? nf : 1) * sizeof *numcols);
    if (!r->f || !numcols) { rc = vigil_error_set(VIGIL_ENOMEM, "drift: out of memory"); goto done; }
    cols = malloc((nf ? nf : 1) * sizeof *cols);
    if (!cols) { rc = vigil_error_set(VIGIL_ENOMEM, "drift: out of memory"); goto done; }
    for (size_t i = 0; i < nf; i++) {
        int col = o->features ? find_col(ref, o->features[i], "reference") : (int)i;
        if (col < 0) { rc = VIGIL_EINVAL; goto done; }
        ref_feat *f = &r->f[r->nf++];
        if (!(f->name = vigil_strdup(vigil_table_col_name(ref, col)))) {
            rc = vigil_error_set(VIGIL_ENOMEM, "drift: out of memory");
            goto done;
        }
        cols[i] = col;
        if (vigil_table_col_type(ref, col) == VIGIL_COL_NUMERIC) {
            f->type = VIGIL_DRIFT_NUMERIC;
            numcols[r->mmd_d++] = col;
        } else
            f->type = VIGIL_DRIFT_CATEGORICAL;
    }
    /* each feature's sort and summaries in the threads (they were one after another) */
    build_ctx bc = {r, ref, cols, nrows};
    if (r->nf && (rc = vigil_parallel_for(o->threads, r->nf, 1, build_range, &bc)) != VIGIL_OK) goto done;
    if (o->mmd && r->mmd_d) {
        size_t n = vigil_drift_pick_rows(ref, numcols, r->mmd_d, o->mmd_max_rows, o->seed, &rows);
        r->mmd_rows = n;
        r->mmd_x = malloc((n * r->mmd_d != 0 ? n * r->mmd_d : 1) * sizeof *r->mmd_x);
        if (!rows || !r->mmd_x) { rc = vigil_error_set(VIGIL_ENOMEM, "drift: out of memory"); goto done; }
        size_t k = 0;
        for (size_t fi = 0; fi < r->nf; fi++) {
            if (r->f[fi].type != VIGIL_DRIFT_NUMERIC) continue;
            const double *v = vigil_table_numeric(ref, numcols[k]);
            double sd = r->f[fi].sd > 0 ? r->f[fi].sd : 1;
            for (size_t i = 0; i < n; i++) r->mmd_x[i * r->mmd_d + k] = (v[rows[i]] - r->f[fi].mean) / sd;
            k++;
        }
    } else {
        r->mmd_d = 0;
    }
done:
    free(numcols);
    free(cols);
    free(rows);
    if (rc) vigil_drift_reference_free(r);
    else *out = r;
    return rc;
}

/* ---------------------------------------------------------------- per-feature work */

typedef struct {
    const ref_feat *rf;
    const vigil_table *cur;
    int col;
    vigil_drift_feature *out;
    int rc;
} job;

static void nan_feature(vigil_drift_feature *f)
{
    f->p = f->p_adjusted = f->effect = f->missing_diff = f->missing_p = NAN;
    f->ks_stat = f->ks_p = f->ad_stat = f->ad_p = f->cvm_stat = f->cvm_p = NAN;
    f->wasserstein = f->wasserstein_norm = f->psi = f->js = NAN;
    f->chi2_stat = f->chi2_p = f->chi2_df = NAN;
}

/* Counts of the ascending values a[0..na) in the bins of the increasing edges: bin b holds
 * (edge[b-1], edge[b]], the last bin what exceeds every edge. Each bin's end is found by
 * bisection, so a bin costs log(na), not a pass over its values; the counts are integers, so
 * they are the per-value increments' to the bit. */
void vigil_drift_bin_counts(const double *a, size_t na, const double *edges, size_t n_edges, double *cnt)
{
    size_t lo = 0;
    for (size_t b = 0; b < n_edges; b++) {
        size_t l = lo, h = na; /* the first index from lo whose value exceeds edges[b] */
        while (l < h) {
            size_t mid = l + (h - l) / 2;
            if (a[mid] > edges[b]) h = mid;
            else l = mid + 1;
        }
        cnt[b] = (double)(l - lo);
        lo = l;
    }
    cnt[n_edges] = (double)(na - lo);
}

static int run_numeric(job *j)
{
    const ref_feat *rf = j->rf;
    vigil_drift_feature *f = j->out;
    size_t nrows = vigil_table_nrows(j->cur), n = 0;
    const double *v = vigil_table_numeric(j->cur, j->col);
    double *y = malloc((nrows ? nrows : 1) * sizeof *y);
    double *ca = calloc(rf->n_edges + 1, sizeof *ca), *cb = calloc(rf->n_edges + 1, sizeof *cb);
    if (!y || !ca || !cb) { free(y); free(ca); free(cb); return VIGIL_ENOMEM; }
    for (size_t i = 0; i < nrows; i++) if (!isnan(v[i])) y[n++] = v[i];
    vigil_drift_sort(y, n);
    f->n_cur = n;
    f->missing_cur = nrows - n;
    const double *x = rf->sorted;
    size_t m = rf->n;
    vigil_drift_two_sample ts;
    vigil_drift_two_sample_sorted(x, m, y, n, &ts);
    f->ks_stat = ts.ks;
    f->ks_p = vigil_drift_ks_pvalue(f->ks_stat, m, n);
    f->ad_stat = ts.ad_stat, f->ad_p = ts.ad_p;
    f->cvm_stat = ts.cvm_stat, f->cvm_p = ts.cvm_p;
    f->wasserstein = ts.wasserstein;
    f->wasserstein_norm = rf->sd > 0 ? f->wasserstein / rf->sd : (f->wasserstein > 0 ? INFINITY : 0);
    vigil_drift_bin_counts(x, m, rf->edges, rf->n_edges, ca);
    vigil_drift_bin_counts(y, n, rf->edges, rf->n_edges, cb);
    f->psi = vigil_drift_psi_counts(ca, cb, rf->n_edges + 1);
    f->js = vigil_drift_js_counts(ca, cb, rf->n_edges + 1);
    f->effect = f->wasserstein_norm;
    free(y); free(ca); free(cb);
    return VIGIL_OK;
}

static int run_categorical(job *j)
{
    const ref_feat *rf = j->rf;
    vigil_drift_feature *f = j->out;
    size_t nrows = vigil_table_nrows(j->cur), nl = vigil_table_n_levels(j->cur, j->col);
    const int32_t *c = vigil_table_codes(j->cur, j->col);
    /* union of categories: the reference's levels first, then the current's unseen ones */
    size_t *map = malloc((nl ? nl : 1) * sizeof *map), k = rf->n_levels;
    for (size_t i = 0; map && i < nl; i++) {
        const char *s = vigil_table_level(j->cur, j->col, i);
        size_t t = 0;
        while (t < rf->n_levels && strcmp(rf->levels[t], s) != 0) t++;
        map[i] = t < rf->n_levels ? t : k++;
    }
    double *ca = calloc(k ? k : 1, sizeof *ca), *cb = calloc(k ? k : 1, sizeof *cb);
    if (!map || !ca || !cb) { free(map); free(ca); free(cb); return VIGIL_ENOMEM; }
    memcpy(ca, rf->counts, rf->n_levels * sizeof *ca);
    size_t n = 0;
    for (size_t i = 0; i < nrows; i++)
        if (c[i] >= 0 && (size_t)c[i] < nl) { cb[map[c[i]]] += 1; n++; }
    f->n_cur = n;
    f->missing_cur = nrows - n;
    f->n_unseen = 0;
    for (size_t i = rf->n_levels; i < k; i++) if (cb[i] > 0) f->n_unseen++;
    vigil_drift_chi2_counts(ca, cb, k, &f->chi2_stat, &f->chi2_df, &f->chi2_p);
    f->psi = vigil_drift_psi_counts(ca, cb, k);
    f->js = vigil_drift_js_counts(ca, cb, k);
    f->effect = f->psi;
    free(map); free(ca); free(cb);
    return VIGIL_OK;
}

/* One feature's tests per item; a failure (its message set on the worker's thread) reaches the
 * caller through vigil_parallel_for. */
static int run_range(void *ctx, size_t begin, size_t end, int worker)
{
    job *jobs = ctx;
    for (size_t i = begin; i < end; i++) {
        job *j = &jobs[i];
        if ((j->rc = j->rf->type == VIGIL_DRIFT_NUMERIC ? run_numeric(j) : run_categorical(j)) != VIGIL_OK)
            return j->rc;
    }
    return VIGIL_OK;
}

/* The fields a job fills, as one row of doubles (counts are exact in a double below 2^53). */
#define JOB_ROW 17
static void job_pack(const vigil_drift_feature *f, double *r)
{
    const double v[JOB_ROW] = {(double)f->n_cur, (double)f->missing_cur, f->ks_stat, f->ks_p, f->ad_stat, f->ad_p,
                               f->cvm_stat, f->cvm_p, f->wasserstein, f->wasserstein_norm, f->psi, f->js, f->effect,
                               (double)f->n_unseen, f->chi2_stat, f->chi2_df, f->chi2_p};
    memcpy(r, v, sizeof v);
}

static void job_unpack(const double *r, vigil_drift_feature *f)
{
    f->n_cur = (size_t)r[0], f->missing_cur = (size_t)r[1], f->ks_stat = r[2], f->ks_p = r[3], f->ad_stat = r[4];
    f->ad_p = r[5], f->cvm_stat = r[6], f->cvm_p = r[7], f->wasserstein = r[8], f->wasserstein_norm = r[9];
    f->psi = r[10], f->js = r[11], f->effect = r[12], f->n_unseen = (size_t)r[13], f->chi2_stat = r[14];
    f->chi2_df = r[15], f->chi2_p = r[16];
}

/* Every feature's tests: in this process's threads, or under mpirun each rank the features it
 * owns (core/dist.h) and then every rank every feature's numbers, the same bits as one process. */
static int run_jobs(job *jobs, size_t nj, int threads)
{
    if (vigil_dist_size() <= 1) return vigil_parallel_for(threads, nj, 1, run_range, jobs);
    job *mine = malloc(nj * sizeof *mine);
    double *rows = calloc(nj * JOB_ROW, sizeof *rows);
    size_t k = 0;
    int rc = mine && rows ? VIGIL_OK : vigil_error_set(VIGIL_ENOMEM, "drift: out of memory");
    for (size_t i = 0; !rc && i < nj; i++)
        if (vigil_dist_owns(i)) mine[k++] = jobs[i];
    if (!rc && k) rc = vigil_parallel_for(threads, k, 1, run_range, mine);
    for (size_t i = 0; !rc && i < nj; i++)
        if (vigil_dist_owns(i)) job_pack(jobs[i].out, rows + i * JOB_ROW);
    rc = vigil_dist_share_rows(rows, mine && rows ? nj : 0, JOB_ROW, rc);
    for (size_t i = 0; !rc && i < nj; i++)
        if (!vigil_dist_owns(i)) job_unpack(rows + i * JOB_ROW, jobs[i].out);
    free(mine), free(rows);
    return rc;
}

/* ---------------------------------------------------------------- compare */

void vigil_drift_result_free(vigil_drift_result *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->nf; i++) {
        free((char *)r->f[i].name);
        free((char *)r->f[i].not_computable);
    }
    free(r->f);
    free(r->mmd_reason);
    for (size_t i = 0; i < r->mmd_n_left_out; i++) free(r->mmd_left_out[i]);
    free(r->mmd_left_out);
    free(r->mmd_note);
    free(r);
}

int vigil_drift_mmd_current(const vigil_drift_reference *ref, const vigil_table *cur,
                      const vigil_drift_options *o, vigil_drift_result *res);
int vigil_drift_mmd_current(const vigil_drift_reference *ref, const vigil_table *cur,
                      const vigil_drift_options *o, vigil_drift_result *res)
{
    size_t d = ref->mmd_d, *rows = NULL;
    int *cols = malloc((d ? d : 1) * sizeof *cols), rc = VIGIL_OK, *keep = NULL;
    double *y = NULL, *xs = NULL;
    if (!cols) return vigil_error_set(VIGIL_ENOMEM, "drift: out of memory");
    const ref_feat **rf = malloc((d ? d : 1) * sizeof *rf);
    if (!rf) { free(cols); return vigil_error_set(VIGIL_ENOMEM, "drift: out of memory"); }
    size_t k = 0;
    for (size_t i = 0; i < ref->nf && k < d; i++)
        if (ref->f[i].type == VIGIL_DRIFT_NUMERIC) {
            rf[k] = &ref->f[i];
            cols[k] = vigil_table_find(cur, ref->f[i].name);
            /* a reference built from every column may name one the current window lacks: the
             * univariate tests skip it, but the MMD rows need every numeric feature */
            if (cols[k] < 0) {
                rc = vigil_error_set(VIGIL_EINVAL, "mmd: feature '%s' is not a column of %s", ref->f[i].name,
                                     vigil_table_source(cur) ? vigil_table_source(cur) : "the current window");
                goto done;
            }
            k++;
        }
    /* A feature whose distribution tests are not computable (too few values in a window) is left
     * out of the MMD too: kept, it would leave no complete row. The reference subsample keeps
     * its rows (complete on every feature) and loses that column. */
    keep = malloc(d * sizeof *keep);
    res->mmd_left_out = calloc(d, sizeof *res->mmd_left_out);
    if (!keep || !res->mmd_left_out) { rc = vigil_error_set(VIGIL_ENOMEM, "drift: out of memory"); goto done; }
    size_t d2 = 0;
    for (size_t j = 0; j < d; j++) {
        keep[j] = 1;
        for (size_t i = 0; i < res->nf; i++)
            if (strcmp(res->f[i].name, rf[j]->name) == 0) keep[j] = res->f[i].computable;
        if (keep[j]) { cols[d2] = cols[j]; rf[d2] = rf[j]; d2++; continue; }
        if (!(res->mmd_left_out[res->mmd_n_left_out] = vigil_strdup(rf[j]->name))) {
            rc = vigil_error_set(VIGIL_ENOMEM, "drift: out of memory");
            goto done;
        }
        res->mmd_n_left_out++;
    }
    size_t n = d2 ? vigil_drift_pick_rows(cur, cols, d2, o->mmd_max_rows, o->seed ^ 0x5bd1e995ULL, &rows) : 0;
    if (d2 && !rows) { rc = vigil_error_set(VIGIL_ENOMEM, "drift: out of memory"); goto done; }
    if (d2 == 0 || n < 2 || ref->mmd_rows < 2) {
        /* the data's fault, not the caller's: said in the result, the univariate tests stand */
        vigil_sbuf why = {0};
        if (d2 == 0) vigil_sbuf_printf(&why, "no numeric feature with enough values in both windows");
        else vigil_sbuf_printf(&why, "fewer than 2 complete rows in the %s window (%zu)",
                               ref->mmd_rows < 2 ? "reference" : "current", ref->mmd_rows < 2 ? ref->mmd_rows : n);
        if (why.failed) { vigil_sbuf_free(&why); rc = vigil_error_set(VIGIL_ENOMEM, "drift: out of memory"); goto done; }
        res->mmd_reason = why.s;
        goto done;
    }
    const double *x = ref->mmd_x;
    if (d2 < d) {
        if (!(xs = malloc(ref->mmd_rows * d2 * sizeof *xs))) { rc = vigil_error_set(VIGIL_ENOMEM, "drift: out of memory"); goto done; }
        for (size_t i = 0; i < ref->mmd_rows; i++)
            for (size_t j = 0, c = 0; j < d; j++)
                if (keep[j]) xs[i * d2 + c++] = ref->mmd_x[i * d + j];
        x = xs;
    }
    y = malloc(n * d2 * sizeof *y);
    if (!y) { rc = vigil_error_set(VIGIL_ENOMEM, "drift: out of memory"); goto done; }
    for (size_t j = 0; j < d2; j++) {
        const double *v = vigil_table_numeric(cur, cols[j]);
        double sd = rf[j]->sd > 0 ? rf[j]->sd : 1;
        for (size_t i = 0; i < n; i++) y[i * d2 + j] = (v[rows[i]] - rf[j]->mean) / sd;
    }
    res->mmd_bw = 0;
    rc = vigil_drift_mmd(x, ref->mmd_rows, y, n, d2, o->mmd_permutations, o->seed,
                         o->backend, o->threads, &res->mmd_stat, &res->mmd_p, &res->mmd_bw, &res->mmd_backend);
    if (rc == VIGIL_OK) {
        res->mmd_done = 1;
        res->mmd_perm = o->mmd_permutations;
        res->mmd_rows = ref->mmd_rows + n;
    }
    if (rc == VIGIL_OK && res->mmd_n_left_out) {
        vigil_sbuf note = {0};
        vigil_sbuf_printf(&note, "left out (distribution tests not computable):");
        for (size_t i = 0; i < res->mmd_n_left_out; i++)
            vigil_sbuf_printf(&note, "%s %s", i ? "," : "", res->mmd_left_out[i]);
        res->mmd_note = note.s; /* NULL when out of memory: the note is for the text only */
    }
done:
    if (rc == VIGIL_OK && res->mmd_reason) {
        vigil_sbuf note = {0};
        vigil_sbuf_printf(&note, "not computable: %s", res->mmd_reason);
        res->mmd_note = note.s;
    }
    free(cols); free(rf); free(rows); free(y); free(keep); free(xs);
    return rc;
}

int vigil_drift_compare_ref(const vigil_drift_reference *ref, const vigil_table *cur,
                            const vigil_drift_options *o, vigil_drift_result **out)
{
    vigil_drift_options def = VIGIL_DRIFT_OPTIONS_INIT;
    if (!o) o = &def;
    *out = NULL;
    double t0 = vigil_seconds();
    int rc = VIGIL_OK;
    job *jobs = NULL;
    double *praw = NULL, *padj = NULL;
    vigil_drift_result *r = calloc(1, sizeof *r);
    if (!r) return vigil_error_set(VIGIL_ENOMEM, "drift: out of memory");
    r->correction = o->correction;
    r->alpha = o->alpha;
    const char *src = vigil_table_source(cur) ? vigil_table_source(cur) : "current";
    size_t nrows = vigil_table_nrows(cur);
    if (nrows == 0) { rc = vigil_error_set(VIGIL_EINVAL, "%s: the current window is empty", src); goto done; }
    r->f = calloc(ref->nf ? ref->nf : 1, sizeof *r->f);
    jobs = calloc(ref->nf ? ref->nf : 1, sizeof *jobs);
    if (!r->f || !jobs) { rc = vigil_error_set(VIGIL_ENOMEM, "drift: out of memory"); goto done; }
    size_t nj = 0, nfeat = 0;
    size_t min_n = o->min_n >= 2 ? o->min_n : 2;
    for (size_t i = 0; i < ref->nf; i++) {
        const ref_feat *rf = &ref->f[i];
        int col = vigil_table_find(cur, rf->name);
        if (col < 0) {
            if (!ref->explicit_features) continue;
            rc = vigil_error_set(VIGIL_EINVAL, "%s: feature '%s' is not a column of the current window",
                                 src, rf->name);
            goto done;
        }
        int ctype = vigil_table_col_type(cur, col) == VIGIL_COL_NUMERIC ? VIGIL_DRIFT_NUMERIC
                                                                         : VIGIL_DRIFT_CATEGORICAL;
        if (ctype != rf->type) {
            rc = vigil_error_set(VIGIL_EINVAL,
                                 "feature '%s' is %s in %s but %s in %s: declare one type for both",
                                 rf->name, rf->type == VIGIL_DRIFT_NUMERIC ? "numeric" : "categorical",
                                 ref->source, ctype == VIGIL_DRIFT_NUMERIC ? "numeric" : "categorical", src);
            goto done;
        }
        size_t ncur = nrows - vigil_table_n_missing(cur, col);
        vigil_drift_feature *f = &r->f[nfeat];
        nan_feature(f);
        f->name = vigil_strdup(rf->name);
        r->nf = ++nfeat;
        if (!f->name) { rc = vigil_error_set(VIGIL_ENOMEM, "drift: out of memory"); goto done; }
        f->type = rf->type;
        f->n_ref = rf->n;
        f->missing_ref = rf->n_missing;
        f->effect_floor = rf->type == VIGIL_DRIFT_NUMERIC ? o->numeric_floor : o->categorical_floor;
        f->computable = rf->n >= min_n && ncur >= min_n;
        if (!f->computable) {
            /* a lab feed that stopped is the drift a monitor exists for: the feature stays, its
             * missing rate decides (below), its distribution tests stay NaN, and why is said */
            f->n_cur = ncur;
            f->missing_cur = nrows - ncur;
            int in_ref = rf->n < min_n;
            vigil_sbuf why = {0};
            vigil_sbuf_printf(&why, "%zu non-missing value(s) in the %s window (%s), at least %zu "
                              "needed for the distribution tests", in_ref ? rf->n : ncur,
                              in_ref ? "reference" : "current", in_ref ? ref->source : src, min_n);
            if (why.failed) {
                vigil_sbuf_free(&why);
                rc = vigil_error_set(VIGIL_ENOMEM, "drift: out of memory");
                goto done;
            }
            f->not_computable = why.s;
            continue;
        }
        jobs[nj++] = (job){rf, cur, col, f, 0};
    }
    if (nfeat == 0) { rc = vigil_error_set(VIGIL_EINVAL, "no feature common to %s and %s", ref->source, src); goto done; }
    if (nj && (rc = run_jobs(jobs, nj, o->threads)) != VIGIL_OK) goto done;
    praw = malloc(nfeat * sizeof *praw);
    padj = malloc(nfeat * sizeof *padj);
    if (!praw || !padj) { rc = vigil_error_set(VIGIL_ENOMEM, "drift: out of memory"); goto done; }
    for (size_t i = 0; i < nfeat; i++) {
        vigil_drift_feature *f = &r->f[i];
        vigil_drift_two_proportion(f->missing_ref, f->n_ref + f->missing_ref, f->missing_cur,
                                   f->n_cur + f->missing_cur, &f->missing_diff, &f->missing_p);
        /* the p-value that decides: KS (or CvM, as asked) for numeric features, chi-square for
         * categorical ones, and the missing rate (|difference| as the effect, against the same
         * floor) where the distribution tests cannot run -- still one p per feature in the
         * correction */
        if (!f->computable) {
            f->decided_by = "missing_rate";
            f->p = f->missing_p;
            f->effect = fabs(f->missing_diff);
        } else if (f->type != VIGIL_DRIFT_NUMERIC) {
            f->decided_by = "chi2";
            f->p = f->chi2_p;
        } else if (o->numeric_test == VIGIL_DRIFT_DECIDE_CVM) {
            f->decided_by = "cvm";
            f->p = f->cvm_p;
        } else {
            f->decided_by = "ks";
            f->p = f->ks_p;
        }
        praw[i] = f->p;
    }
    vigil_drift_correct(praw, nfeat, o->correction, padj);
    for (size_t i = 0; i < nfeat; i++) {
        vigil_drift_feature *f = &r->f[i];
        f->p_adjusted = padj[i];
        f->drift = f->p_adjusted < o->alpha && f->effect >= f->effect_floor;
    }
    if (o->mmd && !ref->mmd_d) {
        /* the MMD subsample is drawn when the reference is built: asked for now but not then,
         * the test would be skipped without a word */
        for (size_t i = 0; i < ref->nf; i++)
            if (ref->f[i].type == VIGIL_DRIFT_NUMERIC) {
                rc = vigil_error_set(VIGIL_EINVAL, "mmd: the reference from %s was built without the MMD "
                                     "subsample (build it with options.mmd set)", ref->source);
                goto done;
            }
    }
    if (o->mmd && ref->mmd_d) {
        rc = vigil_drift_mmd_current(ref, cur, o, r);
        if (rc) goto done;
    }
    r->sec_compute = vigil_seconds() - t0;
done:
    free(jobs); free(praw); free(padj);
    if (rc) vigil_drift_result_free(r);
    else *out = r;
    return rc;
}

int vigil_drift_compare(const vigil_table *ref, const vigil_table *cur,
                        const vigil_drift_options *o, vigil_drift_result **out)
{
    vigil_drift_options def = VIGIL_DRIFT_OPTIONS_INIT;
    if (!o) o = &def;
    *out = NULL;
    double t0 = vigil_seconds();
    if (vigil_table_nrows(cur) == 0)
        return vigil_error_set(VIGIL_EINVAL, "%s: the current window is empty",
                               vigil_table_source(cur) ? vigil_table_source(cur) : "current");
    /* every named feature must be in the current window too, named by its file */
    for (size_t i = 0; o->features && i < o->n_features; i++)
        if (find_col(cur, o->features[i], "current") < 0) return VIGIL_EINVAL;
    vigil_drift_options bo = *o;
    const char **common = NULL;
    if (!o->features) {
        /* all columns the two share, in the reference's order */
        size_t nc = vigil_table_ncols(ref), k = 0;
        common = malloc((nc ? nc : 1) * sizeof *common);
        if (!common) return vigil_error_set(VIGIL_ENOMEM, "drift: out of memory");
        for (size_t i = 0; i < nc; i++)
            if (vigil_table_find(cur, vigil_table_col_name(ref, i)) >= 0)
                common[k++] = vigil_table_col_name(ref, i);
        if (k == 0) {
            free(common);
            return vigil_error_set(VIGIL_EINVAL, "no column common to %s and %s",
                                   vigil_table_source(ref), vigil_table_source(cur));
        }
        bo.features = common;
        bo.n_features = k;
    }
    vigil_drift_reference *r = NULL;
    int rc = vigil_drift_reference_build(ref, &bo, &r);
    if (rc == VIGIL_OK) rc = vigil_drift_compare_ref(r, cur, &bo, out);
    if (rc == VIGIL_OK) (*out)->sec_compute = vigil_seconds() - t0;
    vigil_drift_reference_free(r);
    free(common);
    return rc;
}

/* ---------------------------------------------------------------- accessors, JSON */

int vigil_drift_result_alarm(const vigil_drift_result *r)
{
    return r && vigil_drift_result_n_alarms(r) > 0;
}

size_t vigil_drift_result_n_alarms(const vigil_drift_result *r)
{
    size_t n = 0;
    for (size_t i = 0; r && i < r->nf; i++) n += r->f[i].drift != 0;
    return n;
}

size_t vigil_drift_result_n_features(const vigil_drift_result *r) { return r ? r->nf : 0; }

const vigil_drift_feature *vigil_drift_result_feature(const vigil_drift_result *r, size_t i)
{
    return r && i < r->nf ? &r->f[i] : NULL;
}

int vigil_drift_result_mmd(const vigil_drift_result *r, double *stat, double *p,
                           double *bandwidth, size_t *permutations, size_t *rows)
{
    if (!r || !r->mmd_done) return -1;
    if (stat) *stat = r->mmd_stat;
    if (p) *p = r->mmd_p;
    if (bandwidth) *bandwidth = r->mmd_bw;
    if (permutations) *permutations = r->mmd_perm;
    if (rows) *rows = r->mmd_rows;
    return 0;
}

const char *vigil_drift_result_mmd_note(const vigil_drift_result *r)
{
    return r ? r->mmd_note : NULL;
}

vigil_backend_kind vigil_drift_result_mmd_backend(const vigil_drift_result *r)
{
    return r && r->mmd_done ? r->mmd_backend : VIGIL_BACKEND_CPU;
}

void vigil_drift_result_set_load_seconds(vigil_drift_result *r, double s)
{
    if (r) r->sec_load = s;
}

void vigil_drift_test_json(cJSON *tests, const char *name, double stat, double p, int has_p)
{
    cJSON *t = cJSON_AddObjectToObject(tests, name);
    vigil_json_add_number(t, "stat", stat);
    if (has_p) vigil_json_add_number(t, "p", p);
}

cJSON *vigil_drift_result_cjson(const vigil_drift_result *r)
{
    static const char *corr[] = {"holm", "bh", "none"};
    cJSON *doc = cJSON_CreateObject();
    if (!doc) return NULL;
    cJSON_AddBoolToObject(doc, "alarm", vigil_drift_result_alarm(r));
    cJSON_AddNumberToObject(doc, "n_alarms", (double)vigil_drift_result_n_alarms(r));
    cJSON_AddStringToObject(doc, "correction",
                            r->correction >= 0 && r->correction <= 2 ? corr[r->correction] : "?");
    vigil_json_add_number(doc, "alpha", r->alpha);
    cJSON *fs = cJSON_AddObjectToObject(doc, "features");
    for (size_t i = 0; i < r->nf; i++) {
        const vigil_drift_feature *f = &r->f[i];
        cJSON *o = cJSON_AddObjectToObject(fs, f->name);
        int numeric = f->type == VIGIL_DRIFT_NUMERIC;
        cJSON_AddStringToObject(o, "type", numeric ? "numeric" : "categorical");
        cJSON_AddNumberToObject(o, "n_ref", (double)f->n_ref);
        cJSON_AddNumberToObject(o, "n_cur", (double)f->n_cur);
        cJSON_AddNumberToObject(o, "missing_ref", (double)f->missing_ref);
        cJSON_AddNumberToObject(o, "missing_cur", (double)f->missing_cur);
        cJSON_AddBoolToObject(o, "drift", f->drift);
        vigil_json_add_number(o, "p", f->p);
        vigil_json_add_number(o, "p_adjusted", f->p_adjusted);
        vigil_json_add_number(o, "effect", f->effect);
        vigil_json_add_number(o, "effect_floor", f->effect_floor);
        cJSON_AddStringToObject(o, "decided_by", f->decided_by ? f->decided_by : "?");
        cJSON_AddBoolToObject(o, "computable", f->computable);
        if (f->not_computable) cJSON_AddStringToObject(o, "not_computable", f->not_computable);
        else cJSON_AddNullToObject(o, "not_computable");
        cJSON *mr = cJSON_AddObjectToObject(o, "missing_rate");
        vigil_json_add_number(mr, "diff", f->missing_diff);
        vigil_json_add_number(mr, "p", f->missing_p);
        cJSON *t = cJSON_AddObjectToObject(o, "tests");
        if (numeric) {
            vigil_drift_test_json(t, "ks", f->ks_stat, f->ks_p, 1);
            vigil_drift_test_json(t, "anderson_darling", f->ad_stat, f->ad_p, 1);
            vigil_drift_test_json(t, "cvm", f->cvm_stat, f->cvm_p, 1);
            vigil_drift_test_json(t, "wasserstein", f->wasserstein, 0, 0);
            vigil_json_add_number(cJSON_GetObjectItem(t, "wasserstein"), "normalized", f->wasserstein_norm);
        } else {
            vigil_drift_test_json(t, "chi2", f->chi2_stat, f->chi2_p, 1);
            vigil_json_add_number(cJSON_GetObjectItem(t, "chi2"), "df", f->chi2_df);
            cJSON_AddNumberToObject(o, "unseen_categories", (double)f->n_unseen);
        }
        vigil_drift_test_json(t, "psi", f->psi, 0, 0);
        vigil_drift_test_json(t, "jensen_shannon", f->js, 0, 0);
    }
    if (r->mmd_done) {
        cJSON *m = cJSON_AddObjectToObject(cJSON_AddObjectToObject(doc, "multivariate"), "mmd");
        vigil_json_add_number(m, "stat", r->mmd_stat);
        vigil_json_add_number(m, "p", r->mmd_p);
        vigil_json_add_number(m, "bandwidth", r->mmd_bw);
        cJSON_AddNumberToObject(m, "permutations", (double)r->mmd_perm);
        cJSON_AddNumberToObject(m, "rows", (double)r->mmd_rows);
        cJSON_AddStringToObject(m, "backend", vigil_backend_name(r->mmd_backend));
        cJSON_AddStringToObject(m, "backend_detail", vigil_backend_describe(r->mmd_backend));
        cJSON *lo = cJSON_AddArrayToObject(m, "left_out");
        for (size_t i = 0; i < r->mmd_n_left_out; i++) cJSON_AddItemToArray(lo, cJSON_CreateString(r->mmd_left_out[i]));
    } else if (r->mmd_reason) {
        cJSON *m = cJSON_AddObjectToObject(cJSON_AddObjectToObject(doc, "multivariate"), "mmd");
        cJSON_AddNullToObject(m, "stat");
        cJSON_AddNullToObject(m, "p");
        cJSON_AddBoolToObject(m, "computable", 0);
        cJSON_AddStringToObject(m, "not_computable", r->mmd_reason);
        cJSON *lo = cJSON_AddArrayToObject(m, "left_out");
        for (size_t i = 0; i < r->mmd_n_left_out; i++) cJSON_AddItemToArray(lo, cJSON_CreateString(r->mmd_left_out[i]));
    }
    cJSON *s = cJSON_AddObjectToObject(doc, "seconds");
    vigil_json_add_number(s, "load", r->sec_load);
    vigil_json_add_number(s, "compute", r->sec_compute);
    return doc;
}

int vigil_drift_result_json(const vigil_drift_result *r, char **json)
{
    cJSON *doc = vigil_drift_result_cjson(r);
    *json = doc ? cJSON_PrintUnformatted(doc) : NULL;
    cJSON_Delete(doc);
    return *json ? VIGIL_OK : vigil_error_set(VIGIL_ENOMEM, "drift: out of memory");
}
