/* Reference statistics as a blob for the monitor's cache: "VDRF1\0", then fields in host byte
 * order (little-endian on every platform we build for), a size_t as uint64. */
#include "stats/drift_internal.h"
#include "vigil/error.h"
#include "core/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef drift_ref_feat ref_feat;

typedef struct { unsigned char *p; size_t n, cap; int bad; } wbuf;

static void put(wbuf *b, const void *src, size_t n)
{
    if (b->bad) return;
    if (b->n + n > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 4096);
        while (cap < b->n + n) cap *= 2;
        unsigned char *np = realloc(b->p, cap);
        if (!np) { b->bad = 1; return; }
        b->p = np;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->n, src, n);
    b->n += n;
}
static void put_u64(wbuf *b, uint64_t v) { put(b, &v, 8); }
static void put_str(wbuf *b, const char *s)
{
    uint64_t n = s ? strlen(s) : 0;
    put_u64(b, n);
    put(b, s, n);
}

int vigil_drift_reference_serialize(const vigil_drift_reference *r, void **blob, size_t *n)
{
    wbuf b = {0};
    put(&b, "VDRF1", 6);
    put_u64(&b, r->nf);
    put_u64(&b, (uint64_t)r->explicit_features);
    put_u64(&b, r->psi_bins);
    put_str(&b, r->source);
    put_u64(&b, r->mmd_rows);
    put_u64(&b, r->mmd_d);
    put(&b, r->mmd_x, r->mmd_rows * r->mmd_d * sizeof(double));
    for (size_t i = 0; i < r->nf; i++) {
        const ref_feat *f = &r->f[i];
        put_str(&b, f->name);
        put_u64(&b, (uint64_t)f->type);
        put_u64(&b, f->n);
        put_u64(&b, f->n_missing);
        put(&b, &f->mean, 8);
        put(&b, &f->sd, 8);
        if (f->type == VIGIL_DRIFT_NUMERIC) {
            put(&b, f->sorted, f->n * sizeof(double));
            put_u64(&b, f->n_edges);
            put(&b, f->edges, f->n_edges * sizeof(double));
        } else {
            put_u64(&b, f->n_levels);
            for (size_t k = 0; k < f->n_levels; k++) put_str(&b, f->levels[k]);
            put(&b, f->counts, f->n_levels * sizeof(double));
        }
    }
    if (b.bad) { free(b.p); return vigil_error_set(VIGIL_ENOMEM, "drift: out of memory"); }
    *blob = b.p;
    *n = b.n;
    return VIGIL_OK;
}

typedef struct { const unsigned char *p; size_t n, at; int bad; } rbuf;

static void get(rbuf *b, void *dst, size_t n)
{
    if (b->bad || n > b->n - b->at) { b->bad = 1; if (dst && n) memset(dst, 0, n); return; }
    if (n) memcpy(dst, b->p + b->at, n);
    b->at += n;
}
static uint64_t get_u64(rbuf *b) { uint64_t v = 0; get(b, &v, 8); return v; }
static void *get_arr(rbuf *b, uint64_t count, size_t size)
{
    if (b->bad || count > (b->n - b->at) / (size ? size : 1)) { b->bad = 1; return NULL; }
    void *p = malloc((count * size) != 0 ? count * size : 1);
    if (!p) { b->bad = 1; return NULL; }
    get(b, p, count * size);
    return p;
}
static char *get_str(rbuf *b)
{
    uint64_t n = get_u64(b);
    char *s = get_arr(b, n + 0, 1);
    if (!s) return NULL;
    char *t = realloc(s, n + 1);
    if (!t) { free(s); b->bad = 1; return NULL; }
    t[n] = 0;
    return t;
}

int vigil_drift_reference_deserialize(vigil_drift_reference **out, const void *blob, size_t n)
{
    rbuf b = {blob, n, 0, 0};
    char magic[6];
    *out = NULL;
    get(&b, magic, 6);
    if (b.bad || memcmp(magic, "VDRF1", 6) != 0)
        return vigil_error_set(VIGIL_EINVAL, "drift reference cache: not a drift reference blob");
    vigil_drift_reference *r = calloc(1, sizeof *r);
    if (!r) return vigil_error_set(VIGIL_ENOMEM, "drift: out of memory");
    uint64_t nf = get_u64(&b);
    r->explicit_features = (int)get_u64(&b);
    r->psi_bins = get_u64(&b);
    r->source = get_str(&b);
    r->mmd_rows = get_u64(&b);
    r->mmd_d = get_u64(&b);
    if (!b.bad && r->mmd_d && r->mmd_rows > (n / 8) / r->mmd_d) b.bad = 1;
    if (!b.bad) r->mmd_x = get_arr(&b, r->mmd_rows * r->mmd_d, sizeof(double));
    if (!b.bad && nf > n) b.bad = 1;
    if (!b.bad) r->f = calloc(nf ? nf : 1, sizeof *r->f);
    if (!r->f) b.bad = 1;
    for (uint64_t i = 0; !b.bad && i < nf; i++) {
        ref_feat *f = &r->f[r->nf++];
        f->name = get_str(&b);
        f->type = (int)get_u64(&b);
        f->n = get_u64(&b);
        f->n_missing = get_u64(&b);
        get(&b, &f->mean, 8);
        get(&b, &f->sd, 8);
        if (f->type == VIGIL_DRIFT_NUMERIC) {
            f->sorted = get_arr(&b, f->n, sizeof(double));
            f->n_edges = get_u64(&b);
            f->edges = get_arr(&b, f->n_edges, sizeof(double));
        } else if (f->type == VIGIL_DRIFT_CATEGORICAL) {
            uint64_t nl = get_u64(&b);
            if (nl > n) { b.bad = 1; break; }
            f->levels = calloc(nl ? nl : 1, sizeof *f->levels);
            if (!f->levels) { b.bad = 1; break; }
            for (uint64_t k = 0; !b.bad && k < nl; k++) { f->levels[k] = get_str(&b); f->n_levels++; }
            f->counts = get_arr(&b, nl, sizeof(double));
        } else {
            b.bad = 1;
        }
    }
    if (b.bad || b.at != n) {
        vigil_drift_reference_free(r);
        return vigil_error_set(VIGIL_EINVAL, "drift reference cache: truncated or corrupt blob");
    }
    /* The numbers must be ones the writer could have written: sorted finite values, edges
     * without NaN in order, finite counts >= 0, finite MMD rows (a NaN in the sorted values
     * once sent the monitor's search into an endless loop while it held its lock). */
    const char *bad = NULL;
    for (size_t i = 0; !bad && i < r->mmd_rows * r->mmd_d; i++)
        if (!isfinite(r->mmd_x[i])) bad = "a non-finite MMD sample value";
    for (size_t k = 0; !bad && k < r->nf; k++) {
        const ref_feat *f = &r->f[k];
        for (size_t i = 0; !bad && f->sorted && i < f->n; i++)
            if (!isfinite(f->sorted[i]) || (i && f->sorted[i] < f->sorted[i - 1])) bad = "reference values not finite and sorted";
        for (size_t i = 0; !bad && f->edges && i < f->n_edges; i++)
            if (isnan(f->edges[i]) || (i && !(f->edges[i] > f->edges[i - 1]))) bad = "bin edges not increasing";
        for (size_t i = 0; !bad && f->counts && i < f->n_levels; i++)
            if (!(isfinite(f->counts[i]) && f->counts[i] >= 0)) bad = "a level count not finite and >= 0";
    }
    if (bad) {
        vigil_drift_reference_free(r);
        return vigil_error_set(VIGIL_EINVAL, "drift reference cache: %s", bad);
    }
    *out = r;
    return VIGIL_OK;
}
