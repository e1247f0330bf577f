/* Mergeable accumulators (see vigil/accum.h). Counts are uint64 so merging is exact in any
 * order; real sums are Neumaier pairs so the order of shards moves them by an ulp or so, not by
 * the n * eps an uncompensated running sum can drift. Every finalize hands the merged state to
 * the engine's own kernel (metrics_internal.h, drift_internal.h). */
#include "vigil/accum.h"

#include "stats/drift_internal.h"
#include "stats/metrics_internal.h"
#include "vigil/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- shared pieces ------------------------------------------------------------------------ */

typedef struct {
    double s, c;
} neu;

static inline void neu_add(neu *a, double x)
{
    double t = a->s + x;
    if (fabs(a->s) >= fabs(x)) a->c += (a->s - t) + x;
    else a->c += (x - t) + a->s;
    a->s = t;
}

static inline void neu_merge(neu *a, const neu *b)
{
    neu_add(a, b->s);
    neu_add(a, b->c);
}

static inline double neu_val(const neu *a) { return a->s + a->c; }

/* Scores in [0, 1] (not NaN), labels 0 or 1: the whole input is checked before any is added. */
static int check_cases(const char *what, const double *score, const double *label, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!(score[i] >= 0 && score[i] <= 1))
            return vigil_error_set(VIGIL_EINVAL, "%s: score of row %zu is %g, expected a probability in [0, 1]",
                                   what, i + 1, score[i]);
        if (label[i] != 0 && label[i] != 1)
            return vigil_error_set(VIGIL_EINVAL, "%s: label of row %zu is %g, expected 0 or 1", what, i + 1,
                                   label[i]);
    }
    return VIGIL_OK;
}

/* The blob: "VIGILACC", u32 version, u32 kind, u64 payload bytes, payload, u64 FNV-1a of all
 * that precedes it. Integers and doubles little-endian whatever the host. */
enum { K_CONFUSION = 1, K_CALIB, K_ROC, K_CATEGORIES, K_SAMPLE, K_BOOT, K_LOGIT };
static const char MAGIC[8] = {'V', 'I', 'G', 'I', 'L', 'A', 'C', 'C'};
#define HEAD 24

typedef struct {
    unsigned char *b;
    size_t n, cap;
    int oom;
} wbuf;

static void put(wbuf *w, const void *p, size_t k)
{
    if (w->oom) return;
    if (w->n + k > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap < w->n + k) cap *= 2;
        unsigned char *nb = realloc(w->b, cap);
        if (!nb) {
            w->oom = 1;
            return;
        }
        w->b = nb;
        w->cap = cap;
    }
    memcpy(w->b + w->n, p, k);
    w->n += k;
}

static void put_u64(wbuf *w, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
    put(w, b, 8);
}

static void put_f64(wbuf *w, double d)
{
    uint64_t v;
    memcpy(&v, &d, 8);
    put_u64(w, v);
}

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

static void begin(wbuf *w, int kind)
{
    memset(w, 0, sizeof *w);
    put(w, MAGIC, 8);
    put_u64(w, 1 | ((uint64_t)kind << 32)); /* version 1 in the low half, kind in the high */
    put_u64(w, 0);                         /* payload bytes, patched by finish() */
}

static int finish(wbuf *w, void **blob, size_t *n)
{
    if (!w->oom) {
        uint64_t len = w->n - HEAD;
        for (int i = 0; i < 8; i++) w->b[16 + i] = (unsigned char)(len >> (8 * i));
        put_u64(w, fnv1a(w->b, w->n));
    }
    if (w->oom) {
        free(w->b);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory serializing an accumulator");
    }
    *blob = w->b;
    *n = w->n;
    return VIGIL_OK;
}

typedef struct {
    const unsigned char *b;
    size_t n, at;
    int bad;
} rbuf;

static uint64_t get_u64(rbuf *r)
{
    if (r->bad || r->n - r->at < 8) {
        r->bad = 1;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)r->b[r->at + i] << (8 * i);
    r->at += 8;
    return v;
}

static double get_f64(rbuf *r)
{
    uint64_t v = get_u64(r);
    double d;
    memcpy(&d, &v, 8);
    return d;
}

static int corrupt(const char *what, const char *why)
{
    return vigil_error_set(VIGIL_EINVAL, "%s accumulator blob is corrupt: %s", what, why);
}

/* Checks magic, version, kind, length and checksum; r then reads the payload. */
static int open_blob(rbuf *r, const void *blob, size_t n, int kind, const char *what)
{
    const unsigned char *b = blob;
    if (!blob || n < HEAD + 8) return corrupt(what, "too short");
    if (memcmp(b, MAGIC, 8) != 0) return corrupt(what, "bad magic");
    *r = (rbuf){.b = b, .n = n - 8, .at = 8};
    uint64_t vk = get_u64(r), len = get_u64(r);
    if ((vk & 0xffffffffu) != 1) return corrupt(what, "unknown version");
    if ((int)(vk >> 32) != kind) return corrupt(what, "blob of another accumulator kind");
    if (len != n - HEAD - 8) return corrupt(what, "length does not match");
    rbuf t = {.b = b + n - 8, .n = 8};
    if (get_u64(&t) != fnv1a(b, n - 8)) return corrupt(what, "checksum mismatch");
    return VIGIL_OK;
}

/* A count read back must fit the ranges the accumulator's invariants allow. */
static int close_blob(rbuf *r, const char *what)
{
    if (r->bad) return corrupt(what, "payload truncated");
    if (r->at != r->n) return corrupt(what, "trailing bytes");
    return VIGIL_OK;
}

/* ---- confusion counts --------------------------------------------------------------------- */

struct vigil_accum_confusion {
    size_t k;
    double *t;
    uint64_t *c; /* k x {tp, fp, fn, tn} */
};

int vigil_accum_confusion_new(vigil_accum_confusion **out, const double *thresholds, size_t k)
{
    *out = NULL;
    if (k == 0 || !thresholds) return vigil_error_set(VIGIL_EINVAL, "confusion accumulator: no thresholds");
    for (size_t i = 0; i < k; i++)
        if (isnan(thresholds[i]))
            return vigil_error_set(VIGIL_EINVAL, "confusion accumulator: threshold %zu is NaN", i + 1);
    vigil_accum_confusion *a = calloc(1, sizeof *a);
    if (!a || !(a->t = malloc(k * sizeof *a->t)) || !(a->c = calloc(4 * k, sizeof *a->c))) {
        vigil_accum_confusion_free(a);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    a->k = k;
    memcpy(a->t, thresholds, k * sizeof *a->t);
    *out = a;
    return VIGIL_OK;
}

int vigil_accum_confusion_add(vigil_accum_confusion *a, const double *score, const double *label, size_t n)
{
    int rc = check_cases("confusion accumulator", score, label, n);
    if (rc) return rc;
    for (size_t j = 0; j < a->k; j++) {
        uint64_t *c = a->c + 4 * j;
        double t = a->t[j];
        for (size_t i = 0; i < n; i++) {
            int pos = score[i] >= t;
            c[label[i] != 0 ? (pos ? 0 : 2) : (pos ? 1 : 3)]++;
        }
    }
    return VIGIL_OK;
}

int vigil_accum_confusion_merge(vigil_accum_confusion *d, const vigil_accum_confusion *s)
{
    if (d->k != s->k)
        return vigil_error_set(VIGIL_EINVAL, "merging confusion accumulators of %zu and %zu thresholds", d->k, s->k);
    for (size_t j = 0; j < d->k; j++)
        if (memcmp(&d->t[j], &s->t[j], sizeof(double)) != 0)
            return vigil_error_set(VIGIL_EINVAL, "merging confusion accumulators of different thresholds: %.17g and %.17g",
                                   d->t[j], s->t[j]);
    for (size_t j = 0; j < 4 * d->k; j++) d->c[j] += s->c[j];
    return VIGIL_OK;
}

void vigil_accum_confusion_reset(vigil_accum_confusion *a) { memset(a->c, 0, 4 * a->k * sizeof *a->c); }

void vigil_accum_confusion_free(vigil_accum_confusion *a)
{
    if (!a) return;
    free(a->t);
    free(a->c);
    free(a);
}

int vigil_accum_confusion_stats(const vigil_accum_confusion *a, size_t i, double level,
                                vigil_threshold_stats *out)
{
    if (i >= a->k) return vigil_error_set(VIGIL_EINVAL, "confusion accumulator: no threshold %zu (of %zu)", i, a->k);
    const uint64_t *c = a->c + 4 * i;
    vigil_stats_threshold_from_counts(a->t[i], (double)c[0], (double)c[1], (double)c[2], (double)c[3], level, out);
    return VIGIL_OK;
}

int vigil_accum_confusion_serialize(const vigil_accum_confusion *a, void **blob, size_t *n)
{
    wbuf w;
    begin(&w, K_CONFUSION);
    put_u64(&w, a->k);
    for (size_t j = 0; j < a->k; j++) put_f64(&w, a->t[j]);
    for (size_t j = 0; j < 4 * a->k; j++) put_u64(&w, a->c[j]);
    return finish(&w, blob, n);
}

int vigil_accum_confusion_deserialize(vigil_accum_confusion **out, const void *blob, size_t n)
{
    static const char *what = "confusion";
    *out = NULL;
    rbuf r;
    int rc = open_blob(&r, blob, n, K_CONFUSION, what);
    if (rc) return rc;
    uint64_t k = get_u64(&r);
    if (r.bad || k == 0 || k > (r.n - r.at) / 40) return corrupt(what, "bad threshold count");
    double *t = malloc(k * sizeof *t);
    if (!t) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    for (size_t j = 0; j < k; j++) t[j] = get_f64(&r);
    vigil_accum_confusion *a = NULL;
    if ((rc = vigil_accum_confusion_new(&a, t, k)) != 0) goto done;
    for (size_t j = 0; j < 4 * k; j++) a->c[j] = get_u64(&r);
    if ((rc = close_blob(&r, what)) != 0) goto done;
    /* Every threshold sees the same cases. */
    for (size_t j = 1; j < k; j++)
        if (a->c[4 * j] + a->c[4 * j + 1] + a->c[4 * j + 2] + a->c[4 * j + 3] !=
            a->c[0] + a->c[1] + a->c[2] + a->c[3]) {
            rc = corrupt(what, "thresholds count different cases");
            goto done;
        }
    *out = a;
    a = NULL;
done:
    free(t);
    vigil_accum_confusion_free(a);
    return rc;
}

/* ---- calibration bins ---------------------------------------------------------------------- */

struct vigil_accum_calib {
    uint64_t n, n1;
    uint64_t bw[VM_BINS], by[VM_BINS];
    neu bp[VM_BINS], sq;
};

int vigil_accum_calib_new(vigil_accum_calib **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? VIGIL_OK : vigil_error_set(VIGIL_ENOMEM, "out of memory");
}

int vigil_accum_calib_add(vigil_accum_calib *a, const double *score, const double *label, size_t n)
{
    int rc = check_cases("calibration accumulator", score, label, n);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++) {
        int b = vigil_stats_calib_bin(score[i]), y = label[i] != 0;
        double d = score[i] - (y ? 1.0 : 0.0);
        a->n++;
        a->n1 += (uint64_t)y;
        a->bw[b]++;
        a->by[b] += (uint64_t)y;
        neu_add(&a->bp[b], score[i]);
        neu_add(&a->sq, d * d);
    }
    return VIGIL_OK;
}

int vigil_accum_calib_merge(vigil_accum_calib *d, const vigil_accum_calib *s)
{
    d->n += s->n;
    d->n1 += s->n1;
    for (int k = 0; k < VM_BINS; k++) {
        d->bw[k] += s->bw[k];
        d->by[k] += s->by[k];
        neu_merge(&d->bp[k], &s->bp[k]);
    }
    neu_merge(&d->sq, &s->sq);
    return VIGIL_OK;
}

void vigil_accum_calib_reset(vigil_accum_calib *a) { memset(a, 0, sizeof *a); }
void vigil_accum_calib_free(vigil_accum_calib *a) { free(a); }

static void calib_bins(const vigil_accum_calib *a, vm_calib_bins *cb)
{
    double bw[VM_BINS], bp[VM_BINS], by[VM_BINS];
    for (int k = 0; k < VM_BINS; k++) {
        bw[k] = (double)a->bw[k];
        bp[k] = neu_val(&a->bp[k]);
        by[k] = (double)a->by[k];
    }
    vigil_stats_calib_bins_finish(cb, (double)a->n, (double)a->n1, neu_val(&a->sq), bw, bp, by);
}

int vigil_accum_calib_get(const vigil_accum_calib *a, vigil_calibration *o)
{
    vm_calib_bins cb;
    calib_bins(a, &cb);
    *o = (vigil_calibration){0};
    o->slope_se = o->citl_se = o->oe_ratio = o->oe_log_se = NAN; /* not kept by the accumulator */
    o->slope = o->intercept = o->citl = o->ece_equal_mass = NAN;
    o->eavg = o->e50 = o->e90 = o->emax = NAN;
    o->spiegelhalter_z = o->spiegelhalter_p = o->d = o->u = o->q = o->u_chisq = o->u_p = NAN;
    o->hl_stat = o->hl_p = NAN;
    o->brier = cb.brier;
    o->brier_reliability = cb.rel;
    o->brier_resolution = cb.res;
    o->brier_uncertainty = cb.unc;
    o->ece = cb.ece;
    o->mce = cb.mce;
    return VIGIL_OK;
}

int vigil_accum_calib_bin(const vigil_accum_calib *a, int k, double *w, double *mean_p, double *mean_y)
{
    if (k < 0 || k >= VM_BINS) return vigil_error_set(VIGIL_EINVAL, "calibration accumulator: no bin %d", k);
    vm_calib_bins cb;
    calib_bins(a, &cb);
    *w = cb.bin_w[k];
    *mean_p = cb.bin_p[k];
    *mean_y = cb.bin_y[k];
    return VIGIL_OK;
}

int vigil_accum_calib_serialize(const vigil_accum_calib *a, void **blob, size_t *n)
{
    wbuf w;
    begin(&w, K_CALIB);
    put_u64(&w, a->n);
    put_u64(&w, a->n1);
    for (int k = 0; k < VM_BINS; k++) {
        put_u64(&w, a->bw[k]);
        put_u64(&w, a->by[k]);
        put_f64(&w, a->bp[k].s);
        put_f64(&w, a->bp[k].c);
    }
    put_f64(&w, a->sq.s);
    put_f64(&w, a->sq.c);
    return finish(&w, blob, n);
}

int vigil_accum_calib_deserialize(vigil_accum_calib **out, const void *blob, size_t n)
{
    static const char *what = "calibration";
    *out = NULL;
    rbuf r;
    int rc = open_blob(&r, blob, n, K_CALIB, what);
    if (rc) return rc;
    vigil_accum_calib a = {0};
    a.n = get_u64(&r);
    a.n1 = get_u64(&r);
    uint64_t tot = 0, tot1 = 0;
    for (int k = 0; k < VM_BINS; k++) {
        a.bw[k] = get_u64(&r);
        a.by[k] = get_u64(&r);
        a.bp[k].s = get_f64(&r);
        a.bp[k].c = get_f64(&r);
        tot += a.bw[k];
        tot1 += a.by[k];
        if (a.by[k] > a.bw[k] || !isfinite(a.bp[k].s) || !isfinite(a.bp[k].c))
            return corrupt(what, "bin out of range");
    }
    a.sq.s = get_f64(&r);
    a.sq.c = get_f64(&r);
    if ((rc = close_blob(&r, what)) != 0) return rc;
    if (tot != a.n || tot1 != a.n1 || !isfinite(a.sq.s) || !isfinite(a.sq.c))
        return corrupt(what, "bins do not add up");
    if ((rc = vigil_accum_calib_new(out)) != 0) return rc;
    **out = a;
    return VIGIL_OK;
}

/* ---- bootstrap replicate sums -------------------------------------------------------------- */

struct vigil_accum_boot {
    size_t n_cases, B;
    uint64_t seed;
    uint64_t *w, *w1; /* B each */
    neu *sp, *sq;     /* B each */
};

int vigil_accum_boot_new(vigil_accum_boot **out, size_t n_cases, size_t B, uint64_t seed)
{
    *out = NULL;
    if (B == 0) return vigil_error_set(VIGIL_EINVAL, "bootstrap accumulator: no replicates");
    vigil_accum_boot *a = calloc(1, sizeof *a);
    if (!a || !(a->w = calloc(B, sizeof *a->w)) || !(a->w1 = calloc(B, sizeof *a->w1)) ||
        !(a->sp = calloc(B, sizeof *a->sp)) || !(a->sq = calloc(B, sizeof *a->sq))) {
        vigil_accum_boot_free(a);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    a->n_cases = n_cases;
    a->B = B;
    a->seed = seed;
    *out = a;
    return VIGIL_OK;
}

int vigil_accum_boot_add(vigil_accum_boot *a, size_t first, const double *score, const double *label, size_t n)
{
    if (first > a->n_cases || n > a->n_cases - first)
        return vigil_error_set(VIGIL_EINVAL, "bootstrap accumulator: cases %zu..%zu are outside the %zu cases",
                               first, first + n, a->n_cases);
    int rc = check_cases("bootstrap accumulator", score, label, n);
    if (rc || n == 0) return rc;
    uint32_t *cnt = malloc(n * sizeof *cnt);
    if (!cnt) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    for (size_t r = 0; r < a->B; r++) {
        /* Replicate r's draws over all the cases, as vigil_stats_bootstrap_run makes them;
         * only the ones falling in this shard count here. */
        vm_rng g;
        vigil_stats_rng_seed(&g, a->seed, r);
        memset(cnt, 0, n * sizeof *cnt);
        for (size_t i = 0; i < a->n_cases; i++) {
            size_t k = vigil_stats_bootstrap_case(&g, a->n_cases) - first;
            if (k < n) cnt[k]++;
        }
        for (size_t i = 0; i < n; i++) {
            if (!cnt[i]) continue;
            double c = cnt[i], y = label[i] != 0 ? 1.0 : 0.0, d = score[i] - y;
            a->w[r] += cnt[i];
            if (y != 0) a->w1[r] += cnt[i];
            neu_add(&a->sp[r], c * score[i]);
            neu_add(&a->sq[r], c * d * d);
        }
    }
    free(cnt);
    return VIGIL_OK;
}

int vigil_accum_boot_merge(vigil_accum_boot *d, const vigil_accum_boot *s)
{
    if (d->n_cases != s->n_cases || d->B != s->B || d->seed != s->seed)
        return vigil_error_set(VIGIL_EINVAL,
                               "merging bootstrap accumulators of different shape: %zu cases, %zu replicates, seed %llu and %zu, %zu, %llu",
                               d->n_cases, d->B, (unsigned long long)d->seed, s->n_cases, s->B,
                               (unsigned long long)s->seed);
    for (size_t r = 0; r < d->B; r++) {
        d->w[r] += s->w[r];
        d->w1[r] += s->w1[r];
        neu_merge(&d->sp[r], &s->sp[r]);
        neu_merge(&d->sq[r], &s->sq[r]);
    }
    return VIGIL_OK;
}

void vigil_accum_boot_reset(vigil_accum_boot *a)
{
    memset(a->w, 0, a->B * sizeof *a->w);
    memset(a->w1, 0, a->B * sizeof *a->w1);
    memset(a->sp, 0, a->B * sizeof *a->sp);
    memset(a->sq, 0, a->B * sizeof *a->sq);
}

void vigil_accum_boot_free(vigil_accum_boot *a)
{
    if (!a) return;
    free(a->w);
    free(a->w1);
    free(a->sp);
    free(a->sq);
    free(a);
}

int vigil_accum_boot_replicate(const vigil_accum_boot *a, size_t r, double *w, double *w1, double *mean_score,
                               double *brier)
{
    if (r >= a->B) return vigil_error_set(VIGIL_EINVAL, "bootstrap accumulator: no replicate %zu (of %zu)", r, a->B);
    double W = (double)a->w[r];
    *w = W;
    *w1 = (double)a->w1[r];
    *mean_score = W > 0 ? neu_val(&a->sp[r]) / W : NAN;
    *brier = W > 0 ? neu_val(&a->sq[r]) / W : NAN;
    return VIGIL_OK;
}

int vigil_accum_boot_serialize(const vigil_accum_boot *a, void **blob, size_t *n)
{
    wbuf w;
    begin(&w, K_BOOT);
    put_u64(&w, a->n_cases);
    put_u64(&w, a->B);
    put_u64(&w, a->seed);
    for (size_t r = 0; r < a->B; r++) {
        put_u64(&w, a->w[r]);
        put_u64(&w, a->w1[r]);
        put_f64(&w, a->sp[r].s);
        put_f64(&w, a->sp[r].c);
        put_f64(&w, a->sq[r].s);
        put_f64(&w, a->sq[r].c);
    }
    return finish(&w, blob, n);
}

int vigil_accum_boot_deserialize(vigil_accum_boot **out, const void *blob, size_t n)
{
    static const char *what = "bootstrap";
    *out = NULL;
    rbuf r;
    int rc = open_blob(&r, blob, n, K_BOOT, what);
    if (rc) return rc;
    uint64_t nc = get_u64(&r), B = get_u64(&r), seed = get_u64(&r);
    if (r.bad || B == 0 || B > (r.n - r.at) / 48) return corrupt(what, "bad replicate count");
    vigil_accum_boot *a = NULL;
    if ((rc = vigil_accum_boot_new(&a, nc, B, seed)) != 0) return rc;
    for (size_t k = 0; k < B; k++) {
        a->w[k] = get_u64(&r);
        a->w1[k] = get_u64(&r);
        a->sp[k].s = get_f64(&r);
        a->sp[k].c = get_f64(&r);
        a->sq[k].s = get_f64(&r);
        a->sq[k].c = get_f64(&r);
        if (a->w1[k] > a->w[k]) {
            vigil_accum_boot_free(a);
            return corrupt(what, "more events than cases in a replicate");
        }
    }
    if ((rc = close_blob(&r, what)) != 0) {
        vigil_accum_boot_free(a);
        return rc;
    }
    *out = a;
    return VIGIL_OK;
}

/* ---- score-by-label counts ----------------------------------------------------------------- */

/* Distinct scores ascending with their counts of label 0 and 1; cases added since the last fold
 * wait in a buffer, sorted and folded in every FOLD cases (or before a merge, a getter or a
 * serialization), so adding costs O(log FOLD) a case and memory follows the distinct scores. */
#define FOLD 65536

struct vigil_accum_roc {
    int bits; /* 0: exact; else scores floored to multiples of 2^-bits */
    double *s;
    uint64_t *c0, *c1;
    size_t d, cap;
    double *ps;
    uint8_t *py;
    size_t np, pcap; /* the buffer grows to FOLD, so an idle or small shard stays small */
};

int vigil_accum_roc_new(vigil_accum_roc **out)
{
    *out = NULL;
    vigil_accum_roc *a = calloc(1, sizeof *a);
    if (!a) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    *out = a;
    return VIGIL_OK;
}

int vigil_accum_roc_new_quantized(vigil_accum_roc **out, int bits)
{
    *out = NULL;
    if (bits < 1 || bits > 30)
        return vigil_error_set(VIGIL_EINVAL, "ROC accumulator: %d quantization bits, expected 1..30", bits);
    int rc = vigil_accum_roc_new(out);
    if (!rc) (*out)->bits = bits;
    return rc;
}

void vigil_accum_roc_free(vigil_accum_roc *a)
{
    if (!a) return;
    free(a->s);
    free(a->c0);
    free(a->c1);
    free(a->ps);
    free(a->py);
    free(a);
}

void vigil_accum_roc_reset(vigil_accum_roc *a)
{
    a->d = 0;
    a->np = 0;
}

/* dst <- the union of the sorted runs (s, c0, c1, d) of a and of b, counts of equal scores
 * added. */
static int roc_union(vigil_accum_roc *a, const double *bs, const uint64_t *b0, const uint64_t *b1, size_t bd)
{
    size_t cap = a->d + bd;
    double *s = malloc((cap ? cap : 1) * sizeof *s);
    uint64_t *c0 = malloc((cap ? cap : 1) * sizeof *c0), *c1 = malloc((cap ? cap : 1) * sizeof *c1);
    if (!s || !c0 || !c1) {
        free(s);
        free(c0);
        free(c1);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory merging %zu distinct scores", cap);
    }
    size_t i = 0, j = 0, m = 0;
    while (i < a->d || j < bd) {
        if (j == bd || (i < a->d && a->s[i] < bs[j])) {
            s[m] = a->s[i], c0[m] = a->c0[i], c1[m] = a->c1[i], i++;
        } else if (i == a->d || bs[j] < a->s[i]) {
            s[m] = bs[j], c0[m] = b0[j], c1[m] = b1[j], j++;
        } else {
            s[m] = a->s[i], c0[m] = a->c0[i] + b0[j], c1[m] = a->c1[i] + b1[j], i++, j++;
        }
        m++;
    }
    free(a->s);
    free(a->c0);
    free(a->c1);
    a->s = s, a->c0 = c0, a->c1 = c1, a->d = m, a->cap = cap;
    return VIGIL_OK;
}

static int roc_fold(vigil_accum_roc *a)
{
    if (a->np == 0) return VIGIL_OK;
    size_t n = a->np;
    uint32_t *ord = malloc(n * sizeof *ord);
    double *s = malloc(n * sizeof *s);
    uint64_t *c0 = calloc(n, sizeof *c0), *c1 = calloc(n, sizeof *c1);
    int rc = VIGIL_OK;
    if (!ord || !s || !c0 || !c1 || vigil_stats_sort_order(a->ps, n, ord) != 0) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory sorting %zu scores", n);
        goto done;
    }
    size_t d = 0;
    for (size_t i = 0; i < n; i++) {
        double x = a->ps[ord[i]];
        if (d == 0 || s[d - 1] != x) s[d++] = x;
        if (a->py[ord[i]]) c1[d - 1]++;
        else c0[d - 1]++;
    }
    if ((rc = roc_union(a, s, c0, c1, d)) == 0) a->np = 0;
done:
    free(ord);
    free(s);
    free(c0);
    free(c1);
    return rc;
}

int vigil_accum_roc_add(vigil_accum_roc *a, const double *score, const double *label, size_t n)
{
    int rc = check_cases("ROC accumulator", score, label, n);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++) {
        if (a->np == a->pcap && a->pcap < FOLD) {
            size_t cap = a->pcap ? 2 * a->pcap : 1024;
            cap = cap < FOLD ? cap : FOLD;
            double *ps = realloc(a->ps, cap * sizeof *ps);
            if (ps) a->ps = ps;
            uint8_t *py = ps ? realloc(a->py, cap) : NULL;
            if (!py) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
            a->py = py;
            a->pcap = cap;
        }
        if (a->np == a->pcap && (rc = roc_fold(a)) != 0) return rc;
        /* -0 and +0 are one tie group in the engine (== compares them equal): one key here. */
        double x = score[i] == 0 ? 0.0 : score[i];
        if (a->bits) x = ldexp(floor(ldexp(x, a->bits)), -a->bits); /* exact: a power of 2 */
        a->ps[a->np] = x;
        a->py[a->np++] = label[i] != 0;
    }
    return VIGIL_OK;
}

int vigil_accum_roc_merge(vigil_accum_roc *d, const vigil_accum_roc *src)
{
    vigil_accum_roc *s = (vigil_accum_roc *)src; /* folding src changes its form, not its value */
    if (d->bits != s->bits)
        return vigil_error_set(VIGIL_EINVAL, "merging ROC accumulators of different resolution: %d and %d quantization bits "
                               "(0: exact)", d->bits, s->bits);
    int rc = roc_fold(d);
    if (!rc) rc = roc_fold(s);
    if (!rc) rc = roc_union(d, s->s, s->c0, s->c1, s->d);
    return rc;
}

double vigil_accum_roc_bound(vigil_accum_roc *a)
{
    if (roc_fold(a) != 0) return NAN;
    double n1 = 0, n0 = 0, same = 0;
    for (size_t i = 0; i < a->d; i++) {
        n1 += (double)a->c1[i];
        n0 += (double)a->c0[i];
        same += (double)a->c1[i] * (double)a->c0[i];
    }
    if (!(n1 > 0 && n0 > 0)) return NAN;
    return a->bits ? 0.5 * same / (n1 * n0) : 0;
}

size_t vigil_accum_roc_distinct(vigil_accum_roc *a)
{
    if (roc_fold(a) != 0) return 0;
    return a->d;
}

/* The counts as the weighted sorted arrays the engine's kernels walk: one entry per (score,
 * label) with its count as the weight -- the same tie groups, the same integer sums. */
static int roc_expand(vigil_accum_roc *a, double **p, uint8_t **y, double **w, size_t *m)
{
    int rc = roc_fold(a);
    if (rc) return rc;
    size_t cap = a->d ? 2 * a->d : 1;
    *p = malloc(cap * sizeof **p);
    *y = malloc(cap);
    *w = malloc(cap * sizeof **w);
    if (!*p || !*y || !*w) {
        free(*p), free(*y), free(*w);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    size_t k = 0;
    for (size_t i = 0; i < a->d; i++) {
        if (a->c0[i]) (*p)[k] = a->s[i], (*y)[k] = 0, (*w)[k++] = (double)a->c0[i];
        if (a->c1[i]) (*p)[k] = a->s[i], (*y)[k] = 1, (*w)[k++] = (double)a->c1[i];
    }
    *m = k;
    return VIGIL_OK;
}

int vigil_accum_roc_auroc(vigil_accum_roc *a, double level, vigil_auroc *out)
{
    double *p, *w;
    uint8_t *y;
    size_t m;
    int rc = roc_expand(a, &p, &y, &w, &m);
    if (rc) return rc;
    double n1 = 0, n0 = 0;
    for (size_t i = 0; i < a->d; i++) {
        n1 += (double)a->c1[i];
        n0 += (double)a->c0[i];
    }
    double auc = vigil_stats_auroc_sorted(p, y, w, m);
    double var = vigil_stats_delong_var_weighted(p, y, w, m, auc);
    vigil_stats_auroc_fill(out, auc, var, n1, n0, level);
    free(p), free(y), free(w);
    return VIGIL_OK;
}

double vigil_accum_roc_ap(vigil_accum_roc *a)
{
    double *p, *w;
    uint8_t *y;
    size_t m;
    if (roc_expand(a, &p, &y, &w, &m) != 0) return NAN;
    double ap = vigil_stats_ap_sorted(p, y, w, m);
    free(p), free(y), free(w);
    return ap;
}

int vigil_accum_roc_serialize(vigil_accum_roc *a, void **blob, size_t *n)
{
    int rc = roc_fold(a);
    if (rc) return rc;
    wbuf w;
    begin(&w, K_ROC);
    put_u64(&w, (uint64_t)a->bits);
    put_u64(&w, a->d);
    for (size_t i = 0; i < a->d; i++) {
        put_f64(&w, a->s[i]);
        put_u64(&w, a->c0[i]);
        put_u64(&w, a->c1[i]);
    }
    return finish(&w, blob, n);
}

int vigil_accum_roc_deserialize(vigil_accum_roc **out, const void *blob, size_t n)
{
    static const char *what = "ROC";
    *out = NULL;
    rbuf r;
    int rc = open_blob(&r, blob, n, K_ROC, what);
    if (rc) return rc;
    uint64_t bits = get_u64(&r), d = get_u64(&r);
    if (r.bad || bits > 30 || d > (r.n - r.at) / 24) return corrupt(what, "bad score count");
    vigil_accum_roc *a = NULL;
    if ((rc = vigil_accum_roc_new(&a)) != 0) return rc;
    a->bits = (int)bits;
    a->s = malloc((d ? d : 1) * sizeof *a->s);
    a->c0 = malloc((d ? d : 1) * sizeof *a->c0);
    a->c1 = malloc((d ? d : 1) * sizeof *a->c1);
    if (!a->s || !a->c0 || !a->c1) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    a->cap = d;
    for (size_t i = 0; i < d; i++) {
        a->s[i] = get_f64(&r);
        a->c0[i] = get_u64(&r);
        a->c1[i] = get_u64(&r);
        /* Strictly ascending scores in [0, 1], each with a case: the invariants merge needs. */
        if (!(a->s[i] >= 0 && a->s[i] <= 1) || (i > 0 && !(a->s[i] > a->s[i - 1])) ||
            a->c0[i] + a->c1[i] == 0 ||
            (bits && ldexp(a->s[i], (int)bits) != floor(ldexp(a->s[i], (int)bits)))) {
            rc = corrupt(what, "scores out of order or range");
            goto done;
        }
    }
    a->d = d;
    if ((rc = close_blob(&r, what)) != 0) goto done;
    *out = a;
    a = NULL;
done:
    vigil_accum_roc_free(a);
    return rc;
}

/* ---- drift: categorical counts ------------------------------------------------------------- */

struct vigil_accum_categories {
    size_t k;
    uint64_t missing;
    uint64_t *c;
};

int vigil_accum_categories_new(vigil_accum_categories **out, size_t k)
{
    *out = NULL;
    if (k == 0) return vigil_error_set(VIGIL_EINVAL, "categorical accumulator: no categories");
    vigil_accum_categories *a = calloc(1, sizeof *a);
    if (!a || !(a->c = calloc(k, sizeof *a->c))) {
        free(a);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    a->k = k;
    *out = a;
    return VIGIL_OK;
}

int vigil_accum_categories_add(vigil_accum_categories *a, const int32_t *code, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (code[i] >= 0 && (size_t)code[i] >= a->k)
            return vigil_error_set(VIGIL_EINVAL, "categorical accumulator: code of row %zu is %d, expected 0..%zu",
                                   i + 1, (int)code[i], a->k - 1);
    for (size_t i = 0; i < n; i++) {
        if (code[i] < 0) a->missing++;
        else a->c[code[i]]++;
    }
    return VIGIL_OK;
}

int vigil_accum_categories_merge(vigil_accum_categories *d, const vigil_accum_categories *s)
{
    if (d->k != s->k)
        return vigil_error_set(VIGIL_EINVAL, "merging categorical accumulators of %zu and %zu categories", d->k, s->k);
    d->missing += s->missing;
    for (size_t j = 0; j < d->k; j++) d->c[j] += s->c[j];
    return VIGIL_OK;
}

void vigil_accum_categories_reset(vigil_accum_categories *a)
{
    a->missing = 0;
    memset(a->c, 0, a->k * sizeof *a->c);
}

void vigil_accum_categories_free(vigil_accum_categories *a)
{
    if (!a) return;
    free(a->c);
    free(a);
}

int vigil_accum_categories_counts(const vigil_accum_categories *a, double *counts, size_t *missing)
{
    for (size_t j = 0; j < a->k; j++) counts[j] = (double)a->c[j];
    if (missing) *missing = (size_t)a->missing;
    return VIGIL_OK;
}

int vigil_accum_categories_compare(const vigil_accum_categories *ref, const vigil_accum_categories *cur,
                                   double *chi2, double *df, double *p, double *psi, double *js)
{
    if (ref->k != cur->k)
        return vigil_error_set(VIGIL_EINVAL, "comparing categorical accumulators of %zu and %zu categories", ref->k,
                               cur->k);
    double *a = malloc(2 * ref->k * sizeof *a), *b = a + ref->k;
    if (!a) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    vigil_accum_categories_counts(ref, a, NULL);
    vigil_accum_categories_counts(cur, b, NULL);
    int rc = vigil_drift_chi2_counts(a, b, ref->k, chi2, df, p);
    *psi = vigil_drift_psi_counts(a, b, ref->k);
    *js = vigil_drift_js_counts(a, b, ref->k);
    free(a);
    return rc;
}

int vigil_accum_categories_serialize(const vigil_accum_categories *a, void **blob, size_t *n)
{
    wbuf w;
    begin(&w, K_CATEGORIES);
    put_u64(&w, a->k);
    put_u64(&w, a->missing);
    for (size_t j = 0; j < a->k; j++) put_u64(&w, a->c[j]);
    return finish(&w, blob, n);
}

int vigil_accum_categories_deserialize(vigil_accum_categories **out, const void *blob, size_t n)
{
    static const char *what = "categorical";
    *out = NULL;
    rbuf r;
    int rc = open_blob(&r, blob, n, K_CATEGORIES, what);
    if (rc) return rc;
    uint64_t k = get_u64(&r), missing = get_u64(&r);
    if (r.bad || k == 0 || k > (r.n - r.at) / 8) return corrupt(what, "bad category count");
    vigil_accum_categories *a = NULL;
    if ((rc = vigil_accum_categories_new(&a, k)) != 0) return rc;
    a->missing = missing;
    for (size_t j = 0; j < k; j++) a->c[j] = get_u64(&r);
    if ((rc = close_blob(&r, what)) != 0) {
        vigil_accum_categories_free(a);
        return rc;
    }
    *out = a;
    return VIGIL_OK;
}

/* ---- drift: a numeric sample as one sorted run --------------------------------------------- */

struct vigil_accum_sample {
    double *x;
    size_t n;
};

int vigil_accum_sample_new(vigil_accum_sample **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? VIGIL_OK : vigil_error_set(VIGIL_ENOMEM, "out of memory");
}

void vigil_accum_sample_free(vigil_accum_sample *a)
{
    if (!a) return;
    free(a->x);
    free(a);
}

void vigil_accum_sample_reset(vigil_accum_sample *a) { a->n = 0; }
size_t vigil_accum_sample_n(vigil_accum_sample *a) { return a->n; }

/* a's run <- the merge of a's run and the sorted run b (ties keep a's values first). */
static int sample_union(vigil_accum_sample *a, const double *b, size_t nb)
{
    double *x = malloc((a->n + nb ? a->n + nb : 1) * sizeof *x);
    if (!x) return vigil_error_set(VIGIL_ENOMEM, "out of memory merging %zu values", a->n + nb);
    size_t i = 0, j = 0, m = 0;
    while (i < a->n || j < nb) x[m++] = (j == nb || (i < a->n && !(b[j] < a->x[i]))) ? a->x[i++] : b[j++];
    free(a->x);
    a->x = x;
    a->n = m;
    return VIGIL_OK;
}

int vigil_accum_sample_add(vigil_accum_sample *a, const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isnan(x[i]))
            return vigil_error_set(VIGIL_EINVAL, "sample accumulator: value of row %zu is NaN (leave missing values out)",
                                   i + 1);
    if (n == 0) return VIGIL_OK;
    double *run = malloc(n * sizeof *run);
    if (!run) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    memcpy(run, x, n * sizeof *run);
    vigil_drift_sort(run, n);
    int rc = sample_union(a, run, n);
    free(run);
    return rc;
}

int vigil_accum_sample_merge(vigil_accum_sample *d, const vigil_accum_sample *s)
{
    return s->n ? sample_union(d, s->x, s->n) : VIGIL_OK;
}

int vigil_accum_sample_compare(vigil_accum_sample *ref, vigil_accum_sample *cur, vigil_accum_drift *o)
{
    size_t n1 = ref->n, n2 = cur->n;
    if (!n1 || !n2) return vigil_error_set(VIGIL_EINVAL, "sample accumulator: comparing an empty sample");
    const double *a = ref->x, *b = cur->x;
    vigil_drift_two_sample f; /* the monitor's one walk: each separate test's numbers to the bit */
    vigil_drift_two_sample_sorted(a, n1, b, n2, &f);
    o->ks_stat = f.ks;
    o->ks_p = vigil_drift_ks_pvalue(o->ks_stat, n1, n2);
    o->ad_stat = f.ad_stat, o->ad_p = f.ad_p;
    o->cvm_stat = o->cvm_p = NAN;
    if (n1 >= 2 && n2 >= 2) o->cvm_stat = f.cvm_stat, o->cvm_p = f.cvm_p;
    o->wasserstein = f.wasserstein;
    return VIGIL_OK;
}

int vigil_accum_sample_serialize(vigil_accum_sample *a, void **blob, size_t *n)
{
    wbuf w;
    begin(&w, K_SAMPLE);
    put_u64(&w, a->n);
    for (size_t i = 0; i < a->n; i++) put_f64(&w, a->x[i]);
    return finish(&w, blob, n);
}

int vigil_accum_sample_deserialize(vigil_accum_sample **out, const void *blob, size_t n)
{
    static const char *what = "sample";
    *out = NULL;
    rbuf r;
    int rc = open_blob(&r, blob, n, K_SAMPLE, what);
    if (rc) return rc;
    uint64_t m = get_u64(&r);
    if (r.bad || m > (r.n - r.at) / 8) return corrupt(what, "bad value count");
    vigil_accum_sample *a = NULL;
    if ((rc = vigil_accum_sample_new(&a)) != 0) return rc;
    if (!(a->x = malloc((m ? m : 1) * sizeof *a->x))) {
        vigil_accum_sample_free(a);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < m; i++) {
        a->x[i] = get_f64(&r);
        if (isnan(a->x[i]) || (i > 0 && a->x[i] < a->x[i - 1])) {
            vigil_accum_sample_free(a);
            return corrupt(what, "values out of order or NaN");
        }
    }
    a->n = m;
    if ((rc = close_blob(&r, what)) != 0) {
        vigil_accum_sample_free(a);
        return rc;
    }
    *out = a;
    return VIGIL_OK;
}

/* ---- logistic recalibration: one Newton step ----------------------------------------------- */

struct vigil_accum_logit {
    double a, b;
    uint64_t n;
    neu g0, g1, h00, h01, h11;
};

int vigil_accum_logit_new(vigil_accum_logit **out, double a, double b)
{
    *out = NULL;
    if (!isfinite(a) || !isfinite(b))
        return vigil_error_set(VIGIL_EINVAL, "logit accumulator: start (%g, %g) is not finite", a, b);
    vigil_accum_logit *acc = calloc(1, sizeof *acc);
    if (!acc) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    acc->a = a;
    acc->b = b;
    *out = acc;
    return VIGIL_OK;
}

int vigil_accum_logit_add(vigil_accum_logit *acc, const double *score, const double *label, size_t n)
{
    int rc = check_cases("logit accumulator", score, label, n);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++) {
        /* The engine's per-case terms (vigil_stats_logistic_fit), case weight 1. */
        double x = log(score[i] / (1 - score[i]));
        if (!isfinite(x)) continue;
        double pi = 1.0 / (1.0 + exp(-(acc->a + acc->b * x)));
        double r = (label[i] != 0 ? 1.0 : 0.0) - pi, v = pi * (1 - pi);
        acc->n++;
        neu_add(&acc->g0, r);
        neu_add(&acc->g1, r * x);
        neu_add(&acc->h00, v);
        neu_add(&acc->h01, v * x);
        neu_add(&acc->h11, v * x * x);
    }
    return VIGIL_OK;
}

int vigil_accum_logit_merge(vigil_accum_logit *d, const vigil_accum_logit *s)
{
    if (memcmp(&d->a, &s->a, sizeof d->a) != 0 || memcmp(&d->b, &s->b, sizeof d->b) != 0)
        return vigil_error_set(VIGIL_EINVAL, "merging logit accumulators of different steps: (%.17g, %.17g) and (%.17g, %.17g)",
                               d->a, d->b, s->a, s->b);
    d->n += s->n;
    neu_merge(&d->g0, &s->g0);
    neu_merge(&d->g1, &s->g1);
    neu_merge(&d->h00, &s->h00);
    neu_merge(&d->h01, &s->h01);
    neu_merge(&d->h11, &s->h11);
    return VIGIL_OK;
}

void vigil_accum_logit_reset(vigil_accum_logit *acc)
{
    double a = acc->a, b = acc->b;
    memset(acc, 0, sizeof *acc);
    acc->a = a;
    acc->b = b;
}

void vigil_accum_logit_free(vigil_accum_logit *acc) { free(acc); }
size_t vigil_accum_logit_n(const vigil_accum_logit *acc) { return (size_t)acc->n; }

int vigil_accum_logit_step(const vigil_accum_logit *acc, double *next_a, double *next_b, int *converged)
{
    double da, db;
    *converged = 0;
    if (vigil_stats_newton2(neu_val(&acc->g0), neu_val(&acc->g1), neu_val(&acc->h00), neu_val(&acc->h01),
                            neu_val(&acc->h11), &da, &db) != 0) {
        *next_a = *next_b = NAN;
        return vigil_error_set(VIGIL_EINVAL, "logit accumulator: singular Hessian over %llu cases (one class, or no "
                               "score inside (0, 1))", (unsigned long long)acc->n);
    }
    *next_a = acc->a + da;
    *next_b = acc->b + db;
    *converged = fabs(da) < VM_FIT_TOL * (1 + fabs(*next_a)) && fabs(db) < VM_FIT_TOL * (1 + fabs(*next_b));
    return VIGIL_OK;
}

int vigil_accum_logit_serialize(const vigil_accum_logit *acc, void **blob, size_t *n)
{
    wbuf w;
    begin(&w, K_LOGIT);
    put_f64(&w, acc->a);
    put_f64(&w, acc->b);
    put_u64(&w, acc->n);
    const neu *s[5] = {&acc->g0, &acc->g1, &acc->h00, &acc->h01, &acc->h11};
    for (int k = 0; k < 5; k++) {
        put_f64(&w, s[k]->s);
        put_f64(&w, s[k]->c);
    }
    return finish(&w, blob, n);
}

int vigil_accum_logit_deserialize(vigil_accum_logit **out, const void *blob, size_t n)
{
    static const char *what = "logit";
    *out = NULL;
    rbuf r;
    int rc = open_blob(&r, blob, n, K_LOGIT, what);
    if (rc) return rc;
    vigil_accum_logit t = {0};
    t.a = get_f64(&r);
    t.b = get_f64(&r);
    t.n = get_u64(&r);
    neu *s[5] = {&t.g0, &t.g1, &t.h00, &t.h01, &t.h11};
    for (int k = 0; k < 5; k++) {
        s[k]->s = get_f64(&r);
        s[k]->c = get_f64(&r);
        if (!isfinite(s[k]->s) || !isfinite(s[k]->c)) return corrupt(what, "sums not finite");
    }
    if ((rc = close_blob(&r, what)) != 0) return rc;
    if ((rc = vigil_accum_logit_new(out, t.a, t.b)) != 0) return corrupt(what, "step not finite");
    **out = t;
    return VIGIL_OK;
}
