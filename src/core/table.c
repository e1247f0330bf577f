/* Columnar tables and the streaming CSV reader; see include/vigil/table.h.
 *
 * Column storage grows with mremap() on Linux so that growing a 400 MB column does not copy
 * it (realloc of a large block would briefly hold old and new). Each field is copied into
 * one reusable buffer, then parsed straight into its column: no per-row allocation.
 */
#include "vigil/table.h"
#include "vigil/error.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- growable page-backed vectors ------------------------------------------------------ */

typedef struct {
    void *p;
    size_t cap; /* bytes mapped */
} vec;

static int vec_reserve(vec *v, size_t bytes)
{
    if (bytes <= v->cap) return 0;
    size_t ncap = v->cap ? v->cap + v->cap / 2 : 64 * 1024;
    if (ncap < bytes) ncap = bytes;
    long pg = sysconf(_SC_PAGESIZE);
    ncap = (ncap + (size_t)pg - 1) / (size_t)pg * (size_t)pg;
    void *np = v->p ? mremap(v->p, v->cap, ncap, MREMAP_MAYMOVE)
                    : mmap(NULL, ncap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (np == MAP_FAILED) return -1;
    v->p = np;
    v->cap = ncap;
    return 0;
}

static void vec_free(vec *v)
{
    if (v->p) munmap(v->p, v->cap);
    v->p = NULL;
    v->cap = 0;
}

/* ---- string dictionary for categorical columns ----------------------------------------- */

typedef struct {
    char **levels;
    size_t n, cap;
    int32_t *slots; /* open addressing: index into levels, -1 empty */
    size_t nslots;
} dict;

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static int dict_rehash(dict *d, size_t nslots)
{
    int32_t *s = malloc(nslots * sizeof *s);
    if (!s) return -1;
    for (size_t i = 0; i < nslots; i++) s[i] = -1;
    for (size_t k = 0; k < d->n; k++) {
        size_t i = hash_bytes(d->levels[k], strlen(d->levels[k])) & (nslots - 1);
        while (s[i] >= 0) i = (i + 1) & (nslots - 1);
        s[i] = (int32_t)k;
    }
    free(d->slots);
    d->slots = s;
    d->nslots = nslots;
    return 0;
}

/* Code of the level `s` (length n), added when new; -1 on allocation failure. */
static int32_t dict_intern(dict *d, const char *s, size_t n)
{
    if (d->n * 2 >= d->nslots && dict_rehash(d, d->nslots ? d->nslots * 2 : 64) != 0) return -1;
    size_t i = hash_bytes(s, n) & (d->nslots - 1);
    while (d->slots[i] >= 0) {
        const char *l = d->levels[d->slots[i]];
        if (strncmp(l, s, n) == 0 && l[n] == '\0') return d->slots[i];
        i = (i + 1) & (d->nslots - 1);
    }
    if (d->n == d->cap) {
        size_t nc = d->cap ? d->cap * 2 : 16;
        char **nl = realloc(d->levels, nc * sizeof *nl);
        if (!nl) return -1;
        d->levels = nl;
        d->cap = nc;
    }
    char *copy = vigil_strndup(s, n);
    if (!copy) return -1;
    d->levels[d->n] = copy;
    d->slots[i] = (int32_t)d->n;
    return (int32_t)d->n++;
}

static void dict_free(dict *d)
{
    for (size_t k = 0; k < d->n; k++) free(d->levels[k]);
    free(d->levels);
    free(d->slots);
    memset(d, 0, sizeof *d);
}

/* ---- the table ------------------------------------------------------------------------- */

typedef struct {
    char *name;
    vigil_col_type type;
    bool declared;      /* type given by the caller, not inferred */
    bool seen_value;    /* a non-missing value has fixed an inferred type */
    vec data;           /* double[] or int32_t[] */
    dict levels;
    size_t n_missing;
} column;

struct vigil_table {
    char *source;
    size_t nrows;
    column *cols;
    size_t ncols;
    /* The file columns a keep list left out: their first VIGIL_UNREAD_SAMPLE_ROWS rows, typed
     * by the same inference (a column is numeric when every value is a number) but never an
     * error, so the PHI guard can judge them by name and by value. NULL without a keep list. */
    struct vigil_table *unread;
    vec lines; /* uint64_t per row: the file line where the row starts (CSV only) */
    char sha256[65]; /* of the bytes the reader parsed (CSV only; "" otherwise) */
    uint64_t bytes;
};

size_t vigil_table_nrows(const vigil_table *t) { return t->nrows; }
size_t vigil_table_ncols(const vigil_table *t) { return t->ncols; }
const char *vigil_table_source(const vigil_table *t) { return t->source; }
const char *vigil_table_col_name(const vigil_table *t, size_t c) { return t->cols[c].name; }
vigil_col_type vigil_table_col_type(const vigil_table *t, size_t c) { return t->cols[c].type; }
size_t vigil_table_n_missing(const vigil_table *t, size_t c) { return t->cols[c].n_missing; }

const double *vigil_table_numeric(const vigil_table *t, size_t c)
{
    return t->cols[c].type == VIGIL_COL_NUMERIC ? (const double *)t->cols[c].data.p : NULL;
}

const int32_t *vigil_table_codes(const vigil_table *t, size_t c)
{
    return t->cols[c].type == VIGIL_COL_CATEGORICAL ? (const int32_t *)t->cols[c].data.p : NULL;
}

size_t vigil_table_n_levels(const vigil_table *t, size_t c) { return t->cols[c].levels.n; }

const char *vigil_table_level(const vigil_table *t, size_t c, size_t l)
{
    return l < t->cols[c].levels.n ? t->cols[c].levels.levels[l] : NULL;
}

size_t vigil_table_row_line(const vigil_table *t, size_t row)
{
    if (t->lines.p && row < t->nrows) return (size_t)((const uint64_t *)t->lines.p)[row];
    return row + 2;
}

int vigil_table_find(const vigil_table *t, const char *name)
{
    for (size_t c = 0; c < t->ncols; c++)
        if (strcmp(t->cols[c].name, name) == 0) return (int)c;
    return -1;
}

/* "a, b, c" listing of names, truncated politely; caller frees. */
static char *list_names(char *const *names, size_t n)
{
    vigil_sbuf b = {0};
    for (size_t i = 0; i < n; i++) {
        if (i == 40) {
            vigil_sbuf_printf(&b, ", ... (%zu in all)", n);
            break;
        }
        vigil_sbuf_printf(&b, "%s'%s'", i ? ", " : "", names[i]);
    }
    return b.s ? b.s : vigil_strdup("(none)");
}

static char *table_col_list(const vigil_table *t)
{
    char **names = malloc((t->ncols + 1) * sizeof *names);
    if (!names) return NULL;
    for (size_t c = 0; c < t->ncols; c++) names[c] = t->cols[c].name;
    char *s = list_names(names, t->ncols);
    free(names);
    return s;
}

int vigil_table_require(const vigil_table *t, const char *name, const char *role)
{
    int c = vigil_table_find(t, name);
    if (c >= 0) return c;
    char *cols = table_col_list(t);
    vigil_error_set(VIGIL_EINVAL, "%s: %s '%s' is not a column; the columns are: %s", t->source,
                    role, name, cols ? cols : "?");
    free(cols);
    return VIGIL_EINVAL;
}

static void column_free(column *c)
{
    free(c->name);
    vec_free(&c->data);
    dict_free(&c->levels);
}

void vigil_table_free(vigil_table *t)
{
    if (!t) return;
    for (size_t c = 0; c < t->ncols; c++) column_free(&t->cols[c]);
    free(t->cols);
    vec_free(&t->lines);
    vigil_table_free(t->unread);
    free(t->source);
    free(t);
}

const char *vigil_table_sha256(const vigil_table *t, uint64_t *bytes)
{
    if (bytes) *bytes = t->bytes;
    return t->sha256[0] ? t->sha256 : NULL;
}

size_t vigil_table_n_unread(const vigil_table *t) { return t->unread ? t->unread->ncols : 0; }
const char *vigil_table_unread(const vigil_table *t, size_t i) { return t->unread->cols[i].name; }
const vigil_table *vigil_table_unread_sample(const vigil_table *t) { return t->unread; }

int vigil_table_new(vigil_table **out, size_t nrows, const char *source_name)
{
    *out = NULL;
    vigil_table *t = calloc(1, sizeof *t);
    if (!t || !(t->source = vigil_strdup(source_name ? source_name : "(table)"))) {
        free(t);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory creating a table");
    }
    t->nrows = nrows;
    *out = t;
    return VIGIL_OK;
}

static column *table_push_col(vigil_table *t, const char *name)
{
    column *nc = realloc(t->cols, (t->ncols + 1) * sizeof *nc);
    if (!nc) return NULL;
    t->cols = nc;
    column *c = &t->cols[t->ncols];
    memset(c, 0, sizeof *c);
    if (!(c->name = vigil_strdup(name))) return NULL;
    t->ncols++;
    return c;
}

int vigil_table_add_numeric(vigil_table *t, const char *name, const double *values)
{
    if (vigil_table_find(t, name) >= 0)
        return vigil_error_set(VIGIL_EINVAL, "%s: duplicate column '%s'", t->source, name);
    column *c = table_push_col(t, name);
    if (!c || vec_reserve(&c->data, t->nrows * sizeof(double) + 1) != 0)
        return vigil_error_set(VIGIL_ENOMEM, "out of memory adding column '%s'", name);
    c->type = VIGIL_COL_NUMERIC;
    memcpy(c->data.p, values, t->nrows * sizeof(double));
    for (size_t i = 0; i < t->nrows; i++) c->n_missing += isnan(values[i]);
    return VIGIL_OK;
}

int vigil_table_add_categorical(vigil_table *t, const char *name, const int32_t *codes,
                                const char *const *levels, size_t n_levels)
{
    if (vigil_table_find(t, name) >= 0)
        return vigil_error_set(VIGIL_EINVAL, "%s: duplicate column '%s'", t->source, name);
    column *c = table_push_col(t, name);
    if (!c || vec_reserve(&c->data, t->nrows * sizeof(int32_t) + 1) != 0)
        return vigil_error_set(VIGIL_ENOMEM, "out of memory adding column '%s'", name);
    c->type = VIGIL_COL_CATEGORICAL;
    for (size_t l = 0; l < n_levels; l++)
        if (dict_intern(&c->levels, levels[l], strlen(levels[l])) != (int32_t)l)
            return vigil_error_set(VIGIL_EINVAL, "column '%s': duplicate or bad level '%s'",
                                   name, levels[l]);
    int32_t *dst = c->data.p;
    for (size_t i = 0; i < t->nrows; i++) {
        if (codes[i] < -1 || codes[i] >= (int32_t)n_levels)
            return vigil_error_set(VIGIL_EINVAL, "column '%s': code %d out of range", name,
                                   (int)codes[i]);
        dst[i] = codes[i];
        c->n_missing += codes[i] < 0;
    }
    return VIGIL_OK;
}

static int dict_copy(dict *dst, const dict *src)
{
    for (size_t l = 0; l < src->n; l++)
        if (dict_intern(dst, src->levels[l], strlen(src->levels[l])) != (int32_t)l) return -1;
    return 0;
}

int vigil_table_filter(vigil_table **out, const vigil_table *t, const uint8_t *keep)
{
    *out = NULL;
    size_t n = 0;
    for (size_t i = 0; i < t->nrows; i++) n += keep[i] != 0;
    vigil_table *f;
    int rc = vigil_table_new(&f, n, t->source);
    if (rc) return rc;
    if (vec_reserve(&f->lines, n * sizeof(uint64_t) + 1) != 0) goto oom;
    for (size_t i = 0, k = 0; i < t->nrows; i++)
        if (keep[i]) ((uint64_t *)f->lines.p)[k++] = vigil_table_row_line(t, i);
    for (size_t c = 0; c < t->ncols; c++) {
        const column *src = &t->cols[c];
        column *dst = table_push_col(f, src->name);
        if (!dst) goto oom;
        dst->type = src->type;
        dst->declared = src->declared;
        dst->seen_value = src->seen_value;
        size_t width = src->type == VIGIL_COL_CATEGORICAL ? sizeof(int32_t) : sizeof(double);
        if (vec_reserve(&dst->data, n * width + 1) != 0 || dict_copy(&dst->levels, &src->levels) != 0)
            goto oom;
        size_t k = 0;
        if (src->type == VIGIL_COL_CATEGORICAL) {
            const int32_t *s = src->data.p;
            int32_t *d = dst->data.p;
            for (size_t i = 0; i < t->nrows; i++)
                if (keep[i]) dst->n_missing += (d[k++] = s[i]) < 0;
        } else {
            const double *s = src->data.p;
            double *d = dst->data.p;
            for (size_t i = 0; i < t->nrows; i++)
                if (keep[i]) dst->n_missing += isnan(d[k++] = s[i]);
        }
    }
    *out = f;
    return VIGIL_OK;
oom:
    vigil_table_free(f);
    return vigil_error_set(VIGIL_ENOMEM, "out of memory filtering '%s'", t->source);
}

/* ---- number parsing -------------------------------------------------------------------- */

static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Parse a whole field as a decimal number. Correctly rounded: Clinger's fast path when the
 * digits fit in 2^53 and the power of ten is exact, strtod otherwise. NaN spellings are not
 * numbers here (a NaN the user did not list as missing is an error, not a silent missing
 * value); infinities parse and are rejected later by whoever cannot use them. */
int vigil_parse_double(const char *s, size_t n, double *out)
{
    const char *p = s, *e = s + n;
    while (p < e && (*p == ' ' || *p == '\t')) p++;
    while (e > p && (e[-1] == ' ' || e[-1] == '\t')) e--;
    if (p == e) return -1;
    const char *start = p;
    bool neg = false;
    if (*p == '+' || *p == '-') neg = *p++ == '-';
    uint64_t mant = 0;
    int sig = 0, exp10 = 0;
    bool digits = false, exact = true;
    for (; p < e && *p >= '0' && *p <= '9'; p++) {
        digits = true;
        if (sig < 19) {
            mant = mant * 10 + (uint64_t)(*p - '0');
            if (mant) sig++;
        } else {
            exp10++;
            exact = false;
        }
    }
    if (p < e && *p == '.') {
        for (p++; p < e && *p >= '0' && *p <= '9'; p++) {
            digits = true;
            if (sig < 19) {
                mant = mant * 10 + (uint64_t)(*p - '0');
                if (mant) sig++;
                exp10--;
            } else {
                exact = false;
            }
        }
    }
    if (!digits) goto slow;
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = false;
        if (p < e && (*p == '+' || *p == '-')) eneg = *p++ == '-';
        if (p == e || *p < '0' || *p > '9') return -1;
        int ev = 0;
        for (; p < e && *p >= '0' && *p <= '9'; p++)
            if (ev < 100000) ev = ev * 10 + (*p - '0');
        exp10 += eneg ? -ev : ev;
    }
    if (p != e) return -1;
    if (exact && mant < (1ULL << 53) && exp10 >= -22 && exp10 <= 22) {
        double v = (double)mant;
        v = exp10 < 0 ? v / pow10_exact[-exp10] : v * pow10_exact[exp10];
        *out = neg ? -v : v;
        return 0;
    }
slow:;
    char buf[128];
    size_t len = (size_t)(e - start);
    if (len >= sizeof buf) return -1;
    memcpy(buf, start, len);
    buf[len] = '\0';
    for (size_t i = 0; i < len; i++)
        if (buf[i] == 'n' || buf[i] == 'N') {
            /* only "inf"/"infinity" may carry an n; reject every NaN spelling */
            const char *q = buf + (buf[0] == '+' || buf[0] == '-');
            if (strncasecmp(q, "inf", 3) != 0) return -1;
            break;
        }
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (end != buf + len || end == buf) return -1;
    *out = v; /* overflow gives +-HUGE_VAL (inf), underflow a denormal or 0: both as C does */
    return 0;
}

/* ---- the CSV reader -------------------------------------------------------------------- */

typedef struct {
    const char *path;
    vigil_table *t;
    const vigil_csv_options *opts;
    const char *const *missing;
    size_t n_missing;
    size_t miss_len[64], miss_maxlen;
    /* header */
    char **hdr;
    size_t nhdr, hdr_cap;
    int *map;          /* file field -> table column k >= 0, or -(k+1): column k of t->unread */
    bool in_header;
    /* record in progress */
    size_t field;      /* index of the field being read */
    size_t line;       /* current line (1-based) */
    size_t rec_line;   /* line where the current record started */
    char *fb;          /* field buffer */
    size_t fb_len, fb_cap;
    bool quoted_field; /* current field was quoted */
    size_t nrows;
    size_t blank_lines;
} csv;

static const char *const default_missing[] = {"", "NA", "NaN", "null"};

static int fb_append(csv *r, const char *s, size_t n)
{
    if (r->fb_len + n + 1 > r->fb_cap) {
        size_t nc = r->fb_cap ? r->fb_cap * 2 : 256;
        while (nc < r->fb_len + n + 1) nc *= 2;
        char *nb = realloc(r->fb, nc);
        if (!nb) return vigil_error_set(VIGIL_ENOMEM, "out of memory reading '%s'", r->path);
        r->fb = nb;
        r->fb_cap = nc;
    }
    memcpy(r->fb + r->fb_len, s, n);
    r->fb_len += n;
    return 0;
}

static bool is_missing(const csv *r, const char *s, size_t n)
{
    if (n > r->miss_maxlen) return false;
    for (size_t i = 0; i < r->n_missing; i++)
        if (r->miss_len[i] == n && memcmp(r->missing[i], s, n) == 0) return true;
    return false;
}

/* A short, printable excerpt of the field for error messages. */
static const char *excerpt(const csv *r, char *buf, size_t cap)
{
    size_t n = r->fb_len < cap - 4 ? r->fb_len : cap - 4;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) buf[k++] = (r->fb[i] >= 32 && r->fb[i] < 127) ? r->fb[i] : '?';
    if (n < r->fb_len) buf[k++] = '.', buf[k++] = '.', buf[k++] = '.';
    buf[k] = '\0';
    return buf;
}

static int header_field(csv *r)
{
    r->fb[r->fb_len] = '\0';
    const char *name = r->fb;
    if (r->nhdr == 0 && r->fb_len >= 3 && memcmp(name, "\xEF\xBB\xBF", 3) == 0 && !r->quoted_field)
        name += 3;
    if (!*name)
        return vigil_error_set(VIGIL_EINVAL, "%s:%zu:%zu: empty column name in the header row",
                               r->path, r->line, r->nhdr + 1);
    for (size_t i = 0; i < r->nhdr; i++)
        if (strcmp(r->hdr[i], name) == 0)
            return vigil_error_set(VIGIL_EINVAL,
                                   "%s:%zu:%zu: duplicate column name '%s' (also column %zu)",
                                   r->path, r->line, r->nhdr + 1, name, i + 1);
    if (r->nhdr == r->hdr_cap) {
        size_t nc = r->hdr_cap ? r->hdr_cap * 2 : 16;
        char **nh = realloc(r->hdr, nc * sizeof *nh);
        if (!nh) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
        r->hdr = nh;
        r->hdr_cap = nc;
    }
    if (!(r->hdr[r->nhdr] = vigil_strdup(name))) return vigil_error_set(VIGIL_ENOMEM, "oom");
    r->nhdr++;
    return 0;
}

/* The header is complete: decide which columns are kept and their declared types. */
static int header_done(csv *r)
{
    const vigil_csv_options *o = r->opts;
    r->map = malloc(r->nhdr * sizeof *r->map);
    if (!r->map) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    for (size_t f = 0; f < r->nhdr; f++) r->map[f] = o && o->keep ? -1 : 0;
    char *cols = NULL;
    int rc = 0;
    if (o && o->keep) {
        for (size_t k = 0; k < o->n_keep; k++) {
            size_t f;
            for (f = 0; f < r->nhdr && strcmp(r->hdr[f], o->keep[k]) != 0; f++) {}
            if (f == r->nhdr) {
                cols = list_names(r->hdr, r->nhdr);
                rc = vigil_error_set(VIGIL_EINVAL, "%s: no column '%s'%s%s%s; the columns are: %s",
                                     r->path, o->keep[k], o->keep_why ? " (named by " : "",
                                     o->keep_why ? o->keep_why[k] : "", o->keep_why ? ")" : "",
                                     cols);
                goto done;
            }
            r->map[f] = 0;
        }
    }
    for (size_t f = 0; f < r->nhdr; f++) {
        if (r->map[f] < 0) {
            /* left out: its first rows go to the side table the PHI guard reads, as text until
             * the end of the file decides (settle_unread) */
            if (!r->t->unread && (rc = vigil_table_new(&r->t->unread, 0, r->path)) != 0) goto done;
            r->map[f] = -(int)r->t->unread->ncols - 1;
            column *u = table_push_col(r->t->unread, r->hdr[f]);
            if (!u) {
                rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
                goto done;
            }
            u->type = VIGIL_COL_CATEGORICAL;
            continue;
        }
        r->map[f] = (int)r->t->ncols;
        column *c = table_push_col(r->t, r->hdr[f]);
        if (!c) {
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            goto done;
        }
        c->type = VIGIL_COL_NUMERIC; /* until a value proves otherwise (inference) */
    }
    for (size_t k = 0; o && k < o->n_types; k++) {
        size_t f;
        for (f = 0; f < r->nhdr && strcmp(r->hdr[f], o->types[k].name) != 0; f++) {}
        if (f == r->nhdr) {
            cols = list_names(r->hdr, r->nhdr);
            rc = vigil_error_set(VIGIL_EINVAL,
                                 "%s: a type is declared for '%s', which is not a column; "
                                 "the columns are: %s",
                                 r->path, o->types[k].name, cols);
            goto done;
        }
        if (r->map[f] >= 0 && o->types[k].type != VIGIL_COL_INFER) {
            column *c = &r->t->cols[r->map[f]];
            c->type = o->types[k].type;
            c->declared = true;
        }
    }
done:
    free(cols);
    return rc;
}

/* Turn an inferred column that so far holds only missing values into a categorical one. */
static int make_categorical(column *c, size_t nrows)
{
    c->type = VIGIL_COL_CATEGORICAL;
    int32_t *codes = c->data.p;
    for (size_t i = 0; i < nrows; i++) codes[i] = -1; /* same width slot reused in place */
    return 0;
}

/* A field of a column the caller did not ask for: kept as text for the first
 * VIGIL_UNREAD_SAMPLE_ROWS rows (no type is enforced: the column is not used). */
static int unread_field(csv *r, column *c)
{
    size_t row = r->nrows;
    if (row >= VIGIL_UNREAD_SAMPLE_ROWS) return 0;
    if (vec_reserve(&c->data, (row + 1) * sizeof(int32_t)) != 0)
        return vigil_error_set(VIGIL_ENOMEM, "out of memory reading '%s'", r->path);
    int32_t code = -1;
    if (is_missing(r, r->fb, r->fb_len)) c->n_missing++;
    else if ((code = dict_intern(&c->levels, r->fb, r->fb_len)) < 0)
        return vigil_error_set(VIGIL_ENOMEM, "out of memory reading '%s'", r->path);
    ((int32_t *)c->data.p)[row] = code;
    return 0;
}

/* The end of the file: a sampled column whose every value is a number becomes numeric, as
 * inference would have made it. Returns 0 or -1 (out of memory). */
static int settle_unread(column *c, size_t nrows)
{
    size_t nl = c->levels.n;
    double *v = malloc((nl ? nl : 1) * sizeof *v);
    if (!v) return -1;
    for (size_t l = 0; l < nl; l++)
        if (vigil_parse_double(c->levels.levels[l], strlen(c->levels.levels[l]), &v[l]) != 0) {
            free(v);
            return 0; /* text */
        }
    vec d = {0};
    if (vec_reserve(&d, nrows * sizeof(double) + 1) != 0) {
        free(v);
        return -1;
    }
    const int32_t *codes = c->data.p;
    for (size_t i = 0; i < nrows; i++) ((double *)d.p)[i] = codes[i] < 0 ? NAN : v[codes[i]];
    free(v);
    vec_free(&c->data);
    dict_free(&c->levels);
    c->data = d;
    c->type = VIGIL_COL_NUMERIC;
    return 0;
}

static int data_field(csv *r)
{
    if (r->field >= r->nhdr)
        return vigil_error_set(VIGIL_EINVAL,
                               "%s:%zu:%zu: this row has more fields than the %zu in the header",
                               r->path, r->line, r->field + 1, r->nhdr);
    int ci = r->map[r->field];
    if (ci < 0) return unread_field(r, &r->t->unread->cols[-ci - 1]);
    column *c = &r->t->cols[ci];
    size_t row = r->nrows;
    if (vec_reserve(&c->data, (row + 1) * sizeof(double)) != 0)
        return vigil_error_set(VIGIL_ENOMEM, "out of memory reading '%s'", r->path);
    const char *s = r->fb;
    size_t n = r->fb_len;
    if (is_missing(r, s, n)) {
        c->n_missing++;
        if (c->type == VIGIL_COL_CATEGORICAL) ((int32_t *)c->data.p)[row] = -1;
        else ((double *)c->data.p)[row] = NAN;
        return 0;
    }
    if (c->type != VIGIL_COL_CATEGORICAL) {
        double v;
        if (vigil_parse_double(s, n, &v) == 0) {
            c->seen_value = true;
            ((double *)c->data.p)[row] = v;
            return 0;
        }
        if (c->declared || c->seen_value) {
            char ex[48];
            return vigil_error_set(
                VIGIL_EINVAL,
                "%s:%zu:%zu: expected a number in column '%s', found '%s'%s", r->path,
                r->rec_line, r->field + 1, c->name, excerpt(r, ex, sizeof ex),
                c->declared ? " (declared numeric)"
                            : " (the column's first values were numbers; declare it "
                              "\"categorical\" under \"types\" if that is meant)");
        }
        make_categorical(c, row);
    }
    c->seen_value = true;
    r->fb[n] = '\0';
    int32_t code = dict_intern(&c->levels, s, n);
    if (code < 0) return vigil_error_set(VIGIL_ENOMEM, "out of memory reading '%s'", r->path);
    ((int32_t *)c->data.p)[row] = code;
    return 0;
}

static int end_field(csv *r)
{
    /* A NUL byte means binary data, not text; it would also truncate level strings. */
    if (memchr(r->fb, '\0', r->fb_len))
        return vigil_error_set(VIGIL_EINVAL, "%s:%zu:%zu: a NUL byte in the field (is this a "
                               "binary file rather than CSV text?)", r->path, r->line, r->field + 1);
    int rc = r->in_header ? header_field(r) : data_field(r);
    r->fb_len = 0;
    r->quoted_field = false;
    r->field++;
    return rc;
}

static int end_record(csv *r)
{
    /* A line with nothing on it is not a row (with one column it is a missing value). */
    if (r->field == 0 && r->fb_len == 0 && !r->quoted_field && (r->in_header || r->nhdr > 1)) {
        r->blank_lines++;
        return 0;
    }
    if (r->in_header) {
        int rc = end_field(r);
        if (rc == 0) rc = header_done(r);
        r->in_header = false;
        r->field = 0;
        return rc;
    }
    int rc = end_field(r);
    if (rc) return rc;
    if (r->field != r->nhdr)
        return vigil_error_set(VIGIL_EINVAL,
                               "%s:%zu:%zu: this row has %zu fields, the header has %zu",
                               r->path, r->rec_line, r->field, r->field, r->nhdr);
    if (vec_reserve(&r->t->lines, (r->nrows + 1) * sizeof(uint64_t)) != 0)
        return vigil_error_set(VIGIL_ENOMEM, "out of memory reading '%s'", r->path);
    ((uint64_t *)r->t->lines.p)[r->nrows] = r->rec_line;
    r->nrows++;
    r->t->nrows = r->nrows;
    if (r->t->unread && r->nrows <= VIGIL_UNREAD_SAMPLE_ROWS) r->t->unread->nrows = r->nrows;
    r->field = 0;
    return 0;
}

enum { ST_START, ST_UNQUOTED, ST_QUOTED, ST_QUOTE_IN_QUOTED, ST_AFTER_CR };

int vigil_table_read_csv(vigil_table **out, const char *path, const vigil_csv_options *opts)
{
    *out = NULL;
    csv r = {0};
    r.path = path;
    r.opts = opts;
    r.missing = opts && opts->missing ? opts->missing : default_missing;
    r.n_missing = opts && opts->missing ? opts->n_missing : 4;
    if (r.n_missing > 64) return vigil_error_set(VIGIL_EINVAL, "too many missing-value strings");
    for (size_t i = 0; i < r.n_missing; i++) {
        r.miss_len[i] = strlen(r.missing[i]);
        if (r.miss_len[i] > r.miss_maxlen) r.miss_maxlen = r.miss_len[i];
    }
    r.in_header = true;
    r.line = r.rec_line = 1;
    size_t bufcap = 1 << 20;
    char *buf = NULL;
    vigil_sha256 *md = NULL;
    int rc = VIGIL_OK, fd = -1;
    size_t total = 0, done_bytes = 0, quote_line = 0;

    if ((rc = vigil_table_new(&r.t, 0, path)) != 0) return rc;
    if ((rc = fb_append(&r, "", 0)) != 0) goto done;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = vigil_error_set(VIGIL_EIO, "%s: cannot open: %s", path, strerror(errno));
        goto done;
    }
    struct stat st;
    if (fstat(fd, &st) == 0) total = (size_t)st.st_size;
    if (!(buf = malloc(bufcap))) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    /* the SHA-256 of exactly the bytes parsed, so a run records the digest of the data it
     * used without reading the file a second time (a feed that grows in between would make
     * the two differ) */
    if (!(md = vigil_sha256_new())) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    int state = ST_START;
    size_t next_progress = 65536;
    for (;;) {
        ssize_t got = read(fd, buf, bufcap);
        if (got < 0) {
            if (errno == EINTR) continue;
            rc = vigil_error_set(VIGIL_EIO, "%s: read failed: %s", path, strerror(errno));
            goto done;
        }
        if (got == 0) break;
        done_bytes += (size_t)got;
        vigil_sha256_add(md, buf, (size_t)got);
        const char *p = buf, *end = buf + got;
        while (p < end) {
            switch (state) {
            case ST_AFTER_CR:
                state = ST_START;
                if (*p == '\n') p++;
                break;
            case ST_START:
                if (*p == '"') {
                    r.quoted_field = true;
                    quote_line = r.line;
                    state = ST_QUOTED;
                    p++;
                    break;
                }
                state = ST_UNQUOTED;
                /* fall through */
            case ST_UNQUOTED: {
                const char *q = p;
                while (q < end && *q != ',' && *q != '\n' && *q != '\r' && *q != '"') q++;
                if ((rc = fb_append(&r, p, (size_t)(q - p))) != 0) goto done;
                p = q;
                if (q == end) break;
                if (*q == '"') {
                    rc = vigil_error_set(VIGIL_EINVAL,
                                         "%s:%zu:%zu: a quote inside an unquoted field "
                                         "(quote the whole field and double the quote)",
                                         path, r.line, r.field + 1);
                    goto done;
                }
                p++;
                if (*q == ',') {
                    if ((rc = end_field(&r)) != 0) goto done;
                    state = ST_START;
                } else {
                    if ((rc = end_record(&r)) != 0) goto done;
                    r.line++;
                    r.rec_line = r.line;
                    state = *q == '\r' ? ST_AFTER_CR : ST_START;
                    if (r.nrows >= next_progress && opts && opts->progress) {
                        opts->progress(opts->progress_ctx, r.nrows, done_bytes, total);
                        next_progress += 65536;
                    }
                }
                break;
            }
            case ST_QUOTED: {
                const char *q = p;
                while (q < end && *q != '"') {
                    if (*q == '\n') r.line++;
                    q++;
                }
                if ((rc = fb_append(&r, p, (size_t)(q - p))) != 0) goto done;
                p = q;
                if (q < end) {
                    state = ST_QUOTE_IN_QUOTED;
                    p++;
                }
                break;
            }
            case ST_QUOTE_IN_QUOTED:
                if (*p == '"') { /* doubled quote: a literal quote */
                    if ((rc = fb_append(&r, "\"", 1)) != 0) goto done;
                    state = ST_QUOTED;
                    p++;
                } else if (*p == ',' || *p == '\n' || *p == '\r') {
                    state = ST_UNQUOTED; /* the delimiter is handled there */
                } else {
                    rc = vigil_error_set(VIGIL_EINVAL,
                                         "%s:%zu:%zu: unexpected character '%c' after a closing "
                                         "quote",
                                         path, r.line, r.field + 1, *p >= 32 ? *p : '?');
                    goto done;
                }
                break;
            }
        }
    }
    if (state == ST_QUOTED) {
        rc = vigil_error_set(VIGIL_EINVAL, "%s:%zu:%zu: unterminated quoted field (opened here)",
                             path, quote_line, r.field + 1);
        goto done;
    }
    if (state != ST_AFTER_CR && (r.field > 0 || r.fb_len > 0 || r.quoted_field)) {
        if ((rc = end_record(&r)) != 0) goto done;
    }
    if (r.in_header) {
        rc = vigil_error_set(VIGIL_EINVAL, "%s: empty file (no header row)", path);
        goto done;
    }
    /* The columns left out stay with the table (their first rows), for the PHI guard. */
    for (size_t k = 0; r.t->unread && k < r.t->unread->ncols; k++)
        if (settle_unread(&r.t->unread->cols[k], r.t->unread->nrows) != 0) {
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            goto done;
        }
    vigil_sha256_final(md, r.t->sha256);
    r.t->bytes = done_bytes;
    /* An inferred column that never saw a value stays numeric (all missing). */
    *out = r.t;
    r.t = NULL;
done:
    if (fd >= 0) close(fd);
    vigil_sha256_free(md);
    free(buf);
    free(r.fb);
    for (size_t i = 0; i < r.nhdr; i++) free(r.hdr[i]);
    free(r.hdr);
    free(r.map);
    vigil_table_free(r.t);
    return rc;
}

/* ---- levels view for group columns ----------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int vigil_table_as_levels(const vigil_table *t, size_t col, int32_t **codes_out, char ***levels_out,
                          size_t *n_out)
{
    size_t n = t->nrows, nl = 0;
    int32_t *codes = malloc((n ? n : 1) * sizeof *codes);
    char **levels = NULL;
    double *u = NULL;
    if (!codes) goto oom;
    if (t->cols[col].type == VIGIL_COL_CATEGORICAL) {
        memcpy(codes, t->cols[col].data.p, n * sizeof *codes);
        nl = t->cols[col].levels.n;
        if (!(levels = calloc(nl ? nl : 1, sizeof *levels))) goto oom;
        for (size_t l = 0; l < nl; l++)
            if (!(levels[l] = vigil_strdup(t->cols[col].levels.levels[l]))) goto oom;
    } else {
        const double *x = t->cols[col].data.p;
        if (!(u = malloc((n ? n : 1) * sizeof *u))) goto oom;
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (!isnan(x[i])) u[m++] = x[i];
        qsort(u, m, sizeof *u, cmp_double);
        for (size_t i = 0; i < m; i++)
            if (nl == 0 || u[i] != u[nl - 1]) u[nl++] = u[i];
        if (!(levels = calloc(nl ? nl : 1, sizeof *levels))) goto oom;
        for (size_t l = 0; l < nl; l++) {
            char b[64];
            snprintf(b, sizeof b, "%.15g", u[l]);
            if (!(levels[l] = vigil_strdup(b))) goto oom;
        }
        for (size_t i = 0; i < n; i++) {
            if (isnan(x[i])) {
                codes[i] = -1;
                continue;
            }
            size_t lo = 0, hi = nl;
            while (lo + 1 < hi) {
                size_t mid = (lo + hi) / 2;
                if (u[mid] <= x[i]) lo = mid;
                else hi = mid;
            }
            codes[i] = (int32_t)lo;
        }
        free(u);
    }
    *codes_out = codes;
    *levels_out = levels;
    *n_out = nl;
    return VIGIL_OK;
oom:
    free(u);
    vigil_table_levels_free(codes, levels, nl);
    return vigil_error_set(VIGIL_ENOMEM, "out of memory");
}

void vigil_table_levels_free(int32_t *codes, char **levels, size_t n_levels)
{
    free(codes);
    if (levels)
        for (size_t l = 0; l < n_levels; l++) free(levels[l]);
    free(levels);
}
