/* The streaming CSV reader; see include/vigil/table.h. Each field is copied into one
 * reusable buffer, then parsed straight into its column: no per-row allocation. */
#include "core/table_internal.h"
#include "core/phi_internal.h"
#include "vigil/error.h"
#include "core/util.h"
#include "core/parallel.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    const char *path;
    vigil_table *t;
    const vigil_csv_options *opts;
    const char *const *missing;
    size_t n_missing;
    size_t miss_len[64], miss_maxlen;
    /* header */
    dict hdr;          /* the header's names, hashed: a duplicate or a kept name is found in O(1);
                        * code f is file field f (duplicates are refused) */
    size_t nhdr;
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
    /* the state machine between spans of bytes */
    char dl;
    int state;
    size_t quote_line;     /* where the open quoted field began */
    bool stop_after_header;
    bool view;             /* the kept columns and lines are windows on the table's storage
                            * (a parallel chunk): never grown */
    /* progress (NULL in a parallel chunk: only the calling thread reports) */
    void (*progress)(void *ctx, size_t rows, size_t bytes, size_t total_bytes);
    void *progress_ctx;
    size_t done_bytes, total, next_progress;
} csv;

static const char *const default_missing[] = {"", "NA", "NaN", "null"};

/* Room for `bytes` in v: the common case (there is) without a call per field. */
static int reserve(vec *v, size_t bytes) { return bytes <= v->cap ? 0 : vigil_vec_reserve(v, bytes); }
/* The same for a kept column's values or the lines, which a chunk's view cannot grow (its room
 * is an upper bound of its rows: running past it fails the chunk, and the serial reader reads). */
static int reserve_row(const csv *r, vec *v, size_t bytes)
{
    return bytes <= v->cap ? 0 : r->view ? -1 : vigil_vec_reserve(v, bytes);
}

static int fb_grow(csv *r, size_t n)
{
    size_t nc = r->fb_cap ? r->fb_cap * 2 : 256;
    while (nc < r->fb_len + n + 1) nc *= 2;
    char *nb = realloc(r->fb, nc);
    if (!nb) return vigil_error_set(VIGIL_ENOMEM, "out of memory reading '%s'", r->path);
    r->fb = nb;
    r->fb_cap = nc;
    return 0;
}

/* Every field passes here: the growth is out of line, the copy inline. */
static inline int fb_append(csv *r, const char *s, size_t n)
{
    if (r->fb_len + n + 1 > r->fb_cap && fb_grow(r, n) != 0) return VIGIL_ENOMEM;
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

static int header_field(csv *r)
{
    r->fb[r->fb_len] = '\0';
    const char *name = r->fb;
    if (r->nhdr == 0 && r->fb_len >= 3 && memcmp(name, "\xEF\xBB\xBF", 3) == 0 && !r->quoted_field)
        name += 3;
    if (!*name)
        return vigil_error_set(VIGIL_EINVAL, "%s:%zu:%zu: empty column name in the header row",
                               r->path, r->line, r->nhdr + 1);
    int32_t code = vigil_dict_intern(&r->hdr, name, strlen(name));
    if (code < 0) return vigil_error_set(VIGIL_ENOMEM, "out of memory reading '%s'", r->path);
    if ((size_t)code < r->nhdr)
        return vigil_error_set(VIGIL_EINVAL,
                               "%s:%zu:%zu: duplicate column name '%s' (also column %d)",
                               r->path, r->line, r->nhdr + 1, name, (int)code + 1);
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
            /* the header's hash, not a scan of the names: the missing-value count keeps every
             * feature of a file of 10^6 columns */
            int32_t fc = vigil_dict_find(&r->hdr, o->keep[k]);
            size_t f = fc < 0 ? r->nhdr : (size_t)fc;
            if (f == r->nhdr) {
                cols = vigil_table_list_names(r->hdr.levels, r->nhdr);
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
            column *u = vigil_table_push_col(r->t->unread, r->hdr.levels[f]);
            if (!u) {
                rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
                goto done;
            }
            u->type = VIGIL_COL_CATEGORICAL;
            continue;
        }
        r->map[f] = (int)r->t->ncols;
        column *c = vigil_table_push_col(r->t, r->hdr.levels[f]);
        if (!c) {
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            goto done;
        }
        c->file_col = f + 1;
        c->type = VIGIL_COL_NUMERIC; /* until a value proves otherwise (inference) */
    }
    for (size_t k = 0; o && k < o->n_types; k++) {
        int32_t fc = vigil_dict_find(&r->hdr, o->types[k].name);
        size_t f = fc < 0 ? r->nhdr : (size_t)fc;
        if (f == r->nhdr) {
            cols = vigil_table_list_names(r->hdr.levels, r->nhdr);
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
 * VIGIL_UNREAD_SAMPLE_ROWS rows (no type is enforced: the column is not used), counted when
 * missing in every row. */
static int unread_field(csv *r, column *c)
{
    size_t row = r->nrows;
    bool missing = is_missing(r, r->fb, r->fb_len);
    c->n_missing_file += missing; /* every row: the per-feature missing-value count */
    if (row >= VIGIL_UNREAD_SAMPLE_ROWS) return 0;
    if (reserve(&c->data, (row + 1) * sizeof(int32_t)) != 0)
        return vigil_error_set(VIGIL_ENOMEM, "out of memory reading '%s'", r->path);
    int32_t code = -1;
    if (missing) c->n_missing++;
    else if ((code = vigil_dict_intern(&c->levels, r->fb, r->fb_len)) < 0)
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
    if (vigil_vec_reserve(&d, nrows * sizeof(double) + 1) != 0) {
        free(v);
        return -1;
    }
    const int32_t *codes = c->data.p;
    for (size_t i = 0; i < nrows; i++) ((double *)d.p)[i] = codes[i] < 0 ? NAN : v[codes[i]];
    free(v);
    vigil_vec_free(&c->data);
    vigil_dict_free(&c->levels);
    c->data = d;
    c->type = VIGIL_COL_NUMERIC;
    return 0;
}

static int data_field(csv *r)
{
    if (r->field >= r->nhdr)
        return vigil_error_set(VIGIL_EINVAL,
                               "%s:%zu:%zu: this row has more fields than the %zu in the header%s",
                               r->path, r->line, r->field + 1, r->nhdr,
                               vigil_table_sep_hint(r->hdr.levels, r->nhdr));
    int ci = r->map[r->field];
    if (ci < 0) return unread_field(r, &r->t->unread->cols[-ci - 1]);
    column *c = &r->t->cols[ci];
    size_t row = r->nrows;
    if (reserve_row(r, &c->data, (row + 1) * sizeof(double)) != 0)
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
            char what[80]; /* never the value itself unless harmless: cron mails this */
            return vigil_error_set(
                VIGIL_EINVAL,
                "%s:%zu:%zu: expected a number in column '%s', found %s%s", r->path,
                r->rec_line, r->field + 1, c->name,
                vigil_phi_describe_value(c->name, s, n, what, sizeof what),
                c->declared ? " (declared numeric)"
                            : " (the column's first values were numbers; declare it "
                              "\"categorical\" under \"types\" if that is meant)");
        }
        make_categorical(c, row);
    }
    c->seen_value = true;
    r->fb[n] = '\0';
    int32_t code = vigil_dict_intern(&c->levels, s, n);
    if (code < 0) return vigil_error_set(VIGIL_ENOMEM, "out of memory reading '%s'", r->path);
    ((int32_t *)c->data.p)[row] = code;
    return 0;
}

static int end_field(csv *r)
{
    /* A NUL byte means binary data, not text; it would also truncate level strings. One
     * inline pass finds it and whether any byte is outside ASCII (fields are short: calls to
     * memchr and the UTF-8 check per field were 6% of parsing a large numeric file). */
    const unsigned char *u = (const unsigned char *)r->fb;
    unsigned nul = 0, high = 0;
    for (size_t i = 0; i < r->fb_len; i++) nul |= u[i] == 0, high |= u[i];
    if (nul)
        return vigil_error_set(VIGIL_EINVAL, "%s:%zu:%zu: a NUL byte in the field (is this a "
                               "binary file rather than CSV text?)", r->path, r->line, r->field + 1);
    /* Text must be UTF-8 (the JSON, the store and the report are): a Latin-1 or Windows-1252
     * export would otherwise become levels that make every output invalid. The byte's own
     * line is given (a quoted field can span lines); its value is not shown. ASCII is. */
    size_t bad = high & 0x80 ? vigil_utf8_check(r->fb, r->fb_len) : r->fb_len;
    if (bad < r->fb_len) {
        size_t line = r->line;
        for (size_t i = bad; i < r->fb_len; i++) line -= r->fb[i] == '\n';
        return vigil_error_set(VIGIL_EINVAL,
                               "%s:%zu:%zu: the byte 0x%02X is not UTF-8 text (a Latin-1 or "
                               "Windows-1252 export?): re-save the file as UTF-8",
                               r->path, line, r->field + 1, (unsigned char)r->fb[bad]);
    }
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
    if (reserve_row(r, &r->t->lines, (r->nrows + 1) * sizeof(uint64_t)) != 0)
        return vigil_error_set(VIGIL_ENOMEM, "out of memory reading '%s'", r->path);
    ((uint64_t *)r->t->lines.p)[r->nrows] = r->rec_line;
    r->nrows++;
    r->t->nrows = r->nrows;
    if (r->t->unread && r->nrows <= VIGIL_UNREAD_SAMPLE_ROWS) r->t->unread->nrows = r->nrows;
    r->field = 0;
    return 0;
}

enum { ST_START, ST_UNQUOTED, ST_QUOTED, ST_QUOTE_IN_QUOTED, ST_AFTER_CR };

/* Run the state machine over [p, end). With stop_after_header, stops right after the header
 * record and sets *stopped to the next byte (NULL otherwise). */
static int parse_span(csv *r, const char *p, const char *end, const char **stopped)
{
    const char dl = r->dl;
    int rc = 0, state = r->state;
    if (stopped) *stopped = NULL;
    while (p < end) {
        switch (state) {
        case ST_AFTER_CR:
            state = ST_START;
            if (*p == '\n') p++;
            break;
        case ST_START:
            if (*p == '"') {
                r->quoted_field = true;
                r->quote_line = r->line;
                state = ST_QUOTED;
                p++;
                break;
            }
            state = ST_UNQUOTED;
            /* fall through */
        case ST_UNQUOTED: {
            const char *q = p;
            while (q < end && *q != dl && *q != '\n' && *q != '\r' && *q != '"') q++;
            if ((rc = fb_append(r, p, (size_t)(q - p))) != 0) goto done;
            p = q;
            if (q == end) break;
            if (*q == '"') {
                rc = vigil_error_set(VIGIL_EINVAL,
                                     "%s:%zu:%zu: a quote inside an unquoted field "
                                     "(quote the whole field and double the quote)",
                                     r->path, r->line, r->field + 1);
                goto done;
            }
            p++;
            if (*q == dl) {
                if ((rc = end_field(r)) != 0) goto done;
                state = ST_START;
            } else {
                bool header = r->in_header;
                if ((rc = end_record(r)) != 0) goto done;
                r->line++;
                r->rec_line = r->line;
                state = *q == '\r' ? ST_AFTER_CR : ST_START;
                if (r->nrows >= r->next_progress && r->progress) {
                    r->progress(r->progress_ctx, r->nrows, r->done_bytes, r->total);
                    r->next_progress += 65536;
                }
                if (header && !r->in_header && r->stop_after_header) {
                    *stopped = p;
                    goto done;
                }
            }
            break;
        }
        case ST_QUOTED: {
            const char *q = p;
            while (q < end && *q != '"') {
                if (*q == '\n') r->line++;
                q++;
            }
            if ((rc = fb_append(r, p, (size_t)(q - p))) != 0) goto done;
            p = q;
            if (q < end) {
                state = ST_QUOTE_IN_QUOTED;
                p++;
            }
            break;
        }
        case ST_QUOTE_IN_QUOTED:
            if (*p == '"') { /* doubled quote: a literal quote */
                if ((rc = fb_append(r, "\"", 1)) != 0) goto done;
                state = ST_QUOTED;
                p++;
            } else if (*p == dl || *p == '\n' || *p == '\r') {
                state = ST_UNQUOTED; /* the delimiter is handled there */
            } else {
                rc = vigil_error_set(VIGIL_EINVAL,
                                     "%s:%zu:%zu: unexpected character '%c' after a closing "
                                     "quote",
                                     r->path, r->line, r->field + 1, *p >= 32 ? *p : '?');
                goto done;
            }
            break;
        }
    }
done:
    r->state = state;
    return rc;
}

/* The end of the bytes: an open quote is an error, a last line without a newline a record. */
static int parse_end(csv *r)
{
    if (r->state == ST_QUOTED)
        return vigil_error_set(VIGIL_EINVAL, "%s:%zu:%zu: unterminated quoted field (opened here)",
                               r->path, r->quote_line, r->field + 1);
    if (r->state != ST_AFTER_CR && (r->field > 0 || r->fb_len > 0 || r->quoted_field)) return end_record(r);
    return 0;
}

/* ---- the parallel reader ----------------------------------------------------------------
 * A large regular file is read in slabs of a few chunks per thread, its header parsed as above,
 * and the rest cut into chunks at record boundaries: a '\n' after an even number of quotes since the header (in RFC 4180
 * text a quoted field holds an odd count until it closes, and a doubled quote adds two). Each
 * chunk is parsed by the same code into a table of its own (rows, lines relative to the chunk,
 * each column typed by its own values), then the chunks are joined in file order. Whatever the
 * serial reader would do differently makes the whole parse fall back to it over the same bytes
 * (from the end of the header): any error in any chunk (so the FIRST error in file order, with
 * its serial message, is the one reported), a chunk that does not end on a record boundary,
 * and an inferred column that is text in one chunk but whose values parsed as numbers in a
 * later one (the serial reader keeps those as text: their spelling is gone). The fallback
 * reads the file again from its start, digest included. */

enum { PAR_MIN_BYTES = 8 << 20, PAR_CHUNK = 4 << 20, PAR_CHUNKS_PER_THREAD = 4 };

typedef struct {
    csv r;            /* over its own table */
    const char *b, *e;
    size_t start_line;
    size_t bound, boff; /* at most `bound` rows, written from row `boff` of the table's storage */
    bool last, ok;
} chunk;

typedef struct {
    chunk *ch;
    size_t m;             /* chunks so far */
    size_t nb;            /* their bounds' sum: the rows of the table's storage */
    size_t first, n;      /* this round's chunks: ch[first, first + n) */
    vigil_sha256 *md;     /* this round's item 0 digests hb[0, hn): the bytes read since */
    const char *hb;
    size_t hn;
    /* the join */
    csv *main;
    vigil_col_type *type; /* per kept column: the joined type */
    size_t *off;          /* per chunk: its first row */
    size_t *line_base;    /* per chunk: added to its relative lines */
} par;

static int chunk_init(chunk *c, const csv *r, const char *b, const char *e, bool first)
{
    c->r = *r; /* the header's map, names and options, shared read-only */
    csv *q = &c->r;
    q->t = NULL, q->fb = NULL, q->fb_len = q->fb_cap = 0, q->field = 0, q->nrows = 0;
    q->quoted_field = false, q->progress = NULL, q->stop_after_header = false, q->blank_lines = 0;
    q->view = true;
    if (!first) q->line = q->rec_line = 1, q->state = ST_START;
    c->start_line = q->line;
    c->b = b, c->e = e;
    if (vigil_table_new(&q->t, 0, r->path) != 0 || fb_append(q, "", 0) != 0) return -1;
    const vigil_table *t = r->t;
    for (size_t k = 0; k < t->ncols; k++) {
        column *d = vigil_table_push_col(q->t, t->cols[k].name);
        if (!d) return -1;
        d->type = t->cols[k].type, d->declared = t->cols[k].declared, d->file_col = t->cols[k].file_col;
    }
    if (t->unread) {
        if (vigil_table_new(&q->t->unread, 0, r->path) != 0) return -1;
        for (size_t k = 0; k < t->unread->ncols; k++) {
            column *d = vigil_table_push_col(q->t->unread, t->unread->cols[k].name);
            if (!d) return -1;
            d->type = VIGIL_COL_CATEGORICAL;
        }
    }
    return 0;
}

static void chunk_clear(chunk *c)
{
    vigil_table_free(c->r.t);
    free(c->r.fb);
    c->r.t = NULL, c->r.fb = NULL;
}

/* Item 0 digests the bytes; item k + 1 parses chunk k. A chunk's failure is kept, not
 * returned: the serial fallback reports it. */
static int par_parse(void *ctx, size_t b, size_t e, int worker)
{
    par *P = ctx;
    for (size_t i = b; i < e; i++) {
        if (i == 0) {
            vigil_sha256_add(P->md, P->hb, P->hn);
            continue;
        }
        chunk *c = &P->ch[P->first + i - 1];
        csv *q = &c->r;
        int rc = parse_span(q, c->b, c->e, NULL);
        if (rc == 0 && c->last) rc = parse_end(q);
        c->ok = rc == 0 && (c->last || (q->state == ST_START && q->field == 0 && q->fb_len == 0 &&
                                        !q->quoted_field));
        /* the windows are the table's: the chunk's table must not free them */
        for (size_t k = 0; k < q->t->ncols; k++) memset(&q->t->cols[k].data, 0, sizeof(vec));
        memset(&q->t->lines, 0, sizeof(vec));
    }
    return VIGIL_OK;
}

/* Rows a chunk can hold at most: each ends at a '\n', a '\r' not before a '\n', or the end. */
static int par_bound(void *ctx, size_t b, size_t e, int worker)
{
    par *P = ctx;
    for (size_t i = b; i < e; i++) {
        chunk *c = &P->ch[P->first + i];
        size_t n = 1;
        for (const char *q = c->b; (q = memchr(q, '\n', (size_t)(c->e - q))) != NULL; q++) n++;
        for (const char *q = c->b; (q = memchr(q, '\r', (size_t)(c->e - q))) != NULL; q++)
            n += q + 1 == c->e || q[1] != '\n';
        c->bound = n;
    }
    return VIGIL_OK;
}

/* Join kept column k (items [0, ncols)) or unread column k - ncols of every chunk. */
static int par_join(void *ctx, size_t b, size_t e, int worker)
{
    par *P = ctx;
    vigil_table *t = P->main->t;
    for (size_t k = b; k < e; k++) {
        if (k < t->ncols) {
            /* every chunk wrote its rows from its boff: moved down to their places (nothing
             * moves unless a chunk had fewer rows than its bound), categorical codes to their
             * 4-byte places with the chunk's levels mapped to the file's */
            column *c = &t->cols[k];
            vigil_col_type ty = P->type[k];
            char *base = c->data.p;
            column *c0 = &P->ch[0].r.t->cols[k];
            bool stolen = ty == VIGIL_COL_CATEGORICAL && c0->type == ty;
            if (stolen) { /* chunk 0's levels are the file's first ones, its codes already right */
                c->levels = c0->levels;
                memset(&c0->levels, 0, sizeof c0->levels);
            }
            c->type = ty;
            for (size_t j = 0; j < P->m; j++) {
                column *s = &P->ch[j].r.t->cols[k];
                size_t n = P->ch[j].r.nrows, o = P->off[j], bo = P->ch[j].boff;
                c->n_missing += s->n_missing;
                c->seen_value |= s->seen_value;
                if (n == 0) { /* no window to read (and no storage at all when no chunk has a row) */
                    vigil_dict_free(&s->levels);
                    continue;
                }
                if (ty == VIGIL_COL_NUMERIC) {
                    if (o != bo) memmove(base + o * sizeof(double), base + bo * sizeof(double), n * sizeof(double));
                } else if (s->type != VIGIL_COL_CATEGORICAL) { /* missing values only */
                    for (size_t i = 0; i < n; i++) ((int32_t *)base)[o + i] = -1;
                } else if (!(j == 0 && stolen)) {
                    /* the chunk's levels in its first-seen order, after those before it: the
                     * file's first-seen order */
                    int32_t *map = malloc((s->levels.n ? s->levels.n : 1) * sizeof *map);
                    if (!map) goto oom;
                    for (size_t l = 0; l < s->levels.n; l++) {
                        const char *lv = s->levels.levels[l];
                        if ((map[l] = vigil_dict_intern(&c->levels, lv, strlen(lv))) < 0) {
                            free(map);
                            goto oom;
                        }
                    }
                    /* forward: each code's place is at or below where it was written */
                    const int32_t *src = (const int32_t *)(base + bo * sizeof(double));
                    int32_t *dst = (int32_t *)base + o;
                    for (size_t i = 0; i < n; i++) dst[i] = src[i] < 0 ? -1 : map[src[i]];
                    free(map);
                }
                vigil_dict_free(&s->levels);
            }
        } else {
            /* an unread column: the file's first VIGIL_UNREAD_SAMPLE_ROWS rows, its levels in
             * their first-seen order among those rows only */
            size_t u = k - t->ncols, S = t->unread->nrows, taken = 0;
            column *c = &t->unread->cols[u];
            if (S && vigil_vec_reserve(&c->data, S * sizeof(int32_t)) != 0) goto oom;
            for (size_t j = 0; j < P->m; j++) {
                column *s = &P->ch[j].r.t->unread->cols[u];
                c->n_missing_file += s->n_missing_file;
                size_t n = P->ch[j].r.nrows;
                if (n > S - taken) n = S - taken;
                if (n) {
                    int32_t *map = malloc((s->levels.n ? s->levels.n : 1) * sizeof *map);
                    if (!map) goto oom;
                    for (size_t l = 0; l < s->levels.n; l++) map[l] = -2;
                    const int32_t *src = s->data.p;
                    int32_t *dst = (int32_t *)c->data.p + taken;
                    for (size_t i = 0; i < n; i++) {
                        int32_t x = src[i];
                        if (x < 0) {
                            c->n_missing++;
                            dst[i] = -1;
                            continue;
                        }
                        if (map[x] == -2) {
                            const char *lv = s->levels.levels[x];
                            if ((map[x] = vigil_dict_intern(&c->levels, lv, strlen(lv))) < 0) {
                                free(map);
                                goto oom;
                            }
                        }
                        dst[i] = map[x];
                    }
                    free(map);
                    taken += n;
                }
                vigil_vec_free(&s->data);
                vigil_dict_free(&s->levels);
            }
        }
    }
    return VIGIL_OK;
oom:
    return vigil_error_set(VIGIL_ENOMEM, "out of memory reading '%s'", P->main->path);
}

/* The end of the first record boundary at or after `from` (after a '\n' with an even count of
 * quotes since `base`, *parity carrying the count's parity from `base` to `from`), or NULL. */
static const char *next_boundary(const char *from, const char *end, int *parity)
{
    const char *p = from;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) return NULL;
        /* the quotes before that newline */
        for (const char *q = p; (q = memchr(q, '"', (size_t)(nl - q))) != NULL; q++) *parity ^= 1;
        if (!*parity) return nl + 1;
        p = nl + 1;
    }
    return NULL;
}

/* Chunk size forced by VIGIL_CSV_CHUNK_BYTES (tests and the fuzz harness: any file then takes
 * the parallel path, chunks as small as that); 0 when unset. */
static size_t forced_chunk(void)
{
    const char *s = getenv("VIGIL_CSV_CHUNK_BYTES");
    if (!s || !*s) return 0;
    char *e;
    unsigned long long v = strtoull(s, &e, 10);
    return *e || v == 0 ? 0 : (size_t)v;
}

/* Read on until b is full or the file ends. */
static int fill(int fd, csv *r, vec *b, size_t *len, bool *eof)
{
    while (*len < b->cap && !*eof) {
        ssize_t got = read(fd, (char *)b->p + *len, b->cap - *len);
        if (got < 0) {
            if (errno == EINTR) continue;
            return vigil_error_set(VIGIL_EIO, "%s: read failed: %s", r->path, strerror(errno));
        }
        if (got == 0) *eof = true;
        *len += (size_t)got;
        r->done_bytes += (size_t)got;
    }
    return 0;
}

/* The parallel reader over fd (at its start) into r's table, md digesting every byte read.
 * *fallback: the serial reader must read the file instead (r and md are then spent). */
static int read_serial(csv *r, int fd, vigil_sha256 *md);

static int read_parallel(csv *r, int fd, size_t chunk_bytes, size_t max_cols, int threads, vigil_sha256 *md,
                         bool *fallback)
{
    *fallback = false;
    par P = {0};
    P.main = r, P.md = md;
    vec buf = {0};
    size_t len = 0, p0 = 0, h0 = 0, ch_cap = 0;
    const char **cut = NULL;
    bool eof = false, fb = false;
    int rc = 0;
    size_t per = (size_t)threads * PAR_CHUNKS_PER_THREAD;
    if (vigil_vec_reserve(&buf, chunk_bytes * per) != 0 || !(cut = malloc((per + 2) * sizeof *cut))) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory reading '%s'", r->path);
        goto done;
    }
    /* the header, by the serial reader */
    for (;;) {
        if ((rc = fill(fd, r, &buf, &len, &eof)) != 0) goto done;
        const char *stopped = NULL;
        r->stop_after_header = true;
        rc = parse_span(r, buf.p, (char *)buf.p + len, &stopped);
        r->stop_after_header = false;
        if (rc) goto done;
        if (stopped) {
            p0 = (size_t)(stopped - (char *)buf.p);
            if (r->nhdr <= max_cols) break;
            /* a wide file (chunks of a few rows, each a table of every column): one thread
             * reads on from the end of the header */
            vigil_sha256_add(md, buf.p, len);
            if ((rc = parse_span(r, stopped, (char *)buf.p + len, NULL)) == 0) rc = read_serial(r, fd, md);
            goto done;
        }
        vigil_sha256_add(md, buf.p, len);
        len = 0;
        if (eof) { /* the file is its header */
            rc = parse_end(r);
            goto done;
        }
    }
    /* rounds: [p0, len) unparsed, starting a record; [h0, len) not yet digested */
    for (;;) {
        const char *b0 = buf.p, *end = b0 + len, *at = b0 + p0, *scanned = at;
        size_t k = 0;
        int parity = 0;
        while (k < per && (size_t)(end - at) > chunk_bytes) {
            const char *target = at + chunk_bytes;
            for (const char *q = scanned; (q = memchr(q, '"', (size_t)(target - q))) != NULL; q++) parity ^= 1;
            const char *b = next_boundary(target, end, &parity);
            if (!b) break;
            cut[k++] = b;
            at = scanned = b;
        }
        if (eof && at < end) cut[k++] = end;
        if (k == 0) {
            if (eof) { /* everything parsed */
                vigil_sha256_add(md, b0 + h0, len - h0);
                break;
            }
            /* no record ends in the slab's reach: a larger slab */
            if (len == buf.cap && vigil_vec_reserve(&buf, buf.cap * 2) != 0) {
                rc = vigil_error_set(VIGIL_ENOMEM, "out of memory reading '%s'", r->path);
                goto done;
            }
            if ((rc = fill(fd, r, &buf, &len, &eof)) != 0) goto done;
            continue;
        }
        if (P.m + k > ch_cap) {
            size_t nc = ch_cap ? ch_cap * 2 : 64;
            while (nc < P.m + k) nc *= 2;
            chunk *n = realloc(P.ch, nc * sizeof *n);
            if (!n) {
                rc = vigil_error_set(VIGIL_ENOMEM, "out of memory reading '%s'", r->path);
                goto done;
            }
            memset(n + ch_cap, 0, (nc - ch_cap) * sizeof *n);
            P.ch = n, ch_cap = nc;
        }
        for (size_t j = 0; j < k; j++) {
            chunk *c = &P.ch[P.m + j];
            if (chunk_init(c, r, j ? cut[j - 1] : b0 + p0, cut[j], P.m + j == 0) != 0) {
                P.m += j + 1;
                rc = vigil_error_set(VIGIL_ENOMEM, "out of memory reading '%s'", r->path);
                goto done;
            }
            c->last = eof && cut[j] == end;
        }
        P.first = P.m, P.n = k, P.m += k;
        P.hb = b0 + h0, P.hn = len - h0;
        /* room in the table's own storage for every row the round's chunks can hold; each
         * chunk writes into its window of it (no copy to join them) */
        if ((rc = vigil_parallel_for(threads, k, 1, par_bound, &P)) != 0) goto done;
        for (size_t j = P.first; j < P.m; j++) P.ch[j].boff = P.nb, P.nb += P.ch[j].bound;
        bool room = vigil_vec_reserve(&r->t->lines, P.nb * sizeof(uint64_t)) == 0;
        for (size_t c = 0; c < r->t->ncols && room; c++)
            room = vigil_vec_reserve(&r->t->cols[c].data, P.nb * sizeof(double)) == 0;
        if (!room) {
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory reading '%s'", r->path);
            goto done;
        }
        for (size_t j = P.first; j < P.m; j++) {
            chunk *c = &P.ch[j];
            vigil_table *ct = c->r.t;
            ct->lines = (vec){(uint64_t *)r->t->lines.p + c->boff, c->bound * sizeof(uint64_t)};
            for (size_t k2 = 0; k2 < ct->ncols; k2++)
                ct->cols[k2].data = (vec){(double *)r->t->cols[k2].data.p + c->boff, c->bound * sizeof(double)};
        }
        if ((rc = vigil_parallel_for(threads, k + 1, 1, par_parse, &P)) != 0) goto done;
        for (size_t j = P.first; j < P.m; j++)
            if (!P.ch[j].ok) {
                fb = true;
                goto done;
            }
        if (eof && cut[k - 1] == end) break;
        /* the bytes after the last cut, to the front */
        size_t keep = (size_t)(end - cut[k - 1]);
        memmove(buf.p, cut[k - 1], keep);
        len = h0 = keep, p0 = 0;
        if ((rc = fill(fd, r, &buf, &len, &eof)) != 0) goto done;
    }
    if (P.m == 0) goto done; /* the header ended the file's bytes */
    vigil_vec_free(&buf);
    size_t m = P.m;
    if (!(P.off = calloc(m, sizeof *P.off)) || !(P.line_base = calloc(m, sizeof *P.line_base)) ||
        !(P.type = calloc(r->t->ncols ? r->t->ncols : 1, sizeof *P.type))) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    /* the rows' places, the lines, and each column's type as the serial reader decides it */
    size_t N = 0, line = P.ch[0].start_line;
    for (size_t j = 0; j < m; j++) {
        P.off[j] = N;
        N += P.ch[j].r.nrows;
        P.line_base[j] = line;
        line += P.ch[j].r.line - P.ch[j].start_line;
    }
    for (size_t k = 0; k < r->t->ncols && !fb; k++) {
        const column *c = &r->t->cols[k];
        vigil_col_type ty = c->type;
        size_t first = m; /* the first chunk with a value */
        for (size_t j = 0; j < m && first == m; j++)
            if (P.ch[j].r.t->cols[k].seen_value) first = j;
        if (!c->declared && first < m) ty = P.ch[first].r.t->cols[k].type;
        for (size_t j = first; j < m && !fb; j++) {
            const column *s = &P.ch[j].r.t->cols[k];
            /* numbers after text (kept as text by the serial reader) or text after numbers
             * (its error) */
            if (s->seen_value && s->type != ty) fb = true;
        }
        P.type[k] = ty;
    }
    if (fb) goto done;
    if (N == 0) { /* no row: no storage, as the serial reader leaves it (NULL values) */
        vigil_vec_free(&r->t->lines);
        for (size_t k = 0; k < r->t->ncols; k++) vigil_vec_free(&r->t->cols[k].data);
    }
    /* the join: no failure from here on but running out of memory */
    r->nrows = N;
    r->t->nrows = N;
    if (r->t->unread) r->t->unread->nrows = N < VIGIL_UNREAD_SAMPLE_ROWS ? N : VIGIL_UNREAD_SAMPLE_ROWS;
    for (size_t j = 0; j < m; j++) { /* forward: each row's place is at or below its window's */
        if (P.ch[j].r.nrows == 0) continue;
        uint64_t *L = r->t->lines.p;
        const uint64_t *src = L + P.ch[j].boff;
        uint64_t *dst = L + P.off[j];
        uint64_t add = P.line_base[j], sub = P.ch[j].start_line;
        if (add != sub || dst != src)
            for (size_t i = 0; i < P.ch[j].r.nrows; i++) dst[i] = src[i] - sub + add;
    }
    size_t items = r->t->ncols + (r->t->unread ? r->t->unread->ncols : 0);
    if ((rc = vigil_parallel_for(threads, items, 1, par_join, &P)) != 0) goto done;
    r->line = line;
    r->state = ST_START;
    r->field = 0, r->fb_len = 0, r->quoted_field = false;
done:
    for (size_t j = 0; j < P.m; j++) chunk_clear(&P.ch[j]);
    free(P.ch);
    free(P.off);
    free(P.line_base);
    free(P.type);
    free(cut);
    vigil_vec_free(&buf);
    *fallback = rc == 0 && fb;
    return rc;
}

/* The reader's state before the first byte; 0 or -1 (out of memory). */
static int csv_init(csv *r, const char *path, const vigil_csv_options *opts, char dl)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->opts = opts;
    r->missing = opts && opts->missing ? opts->missing : default_missing;
    r->n_missing = opts && opts->missing ? opts->n_missing : 4;
    for (size_t i = 0; i < r->n_missing; i++) {
        r->miss_len[i] = strlen(r->missing[i]);
        if (r->miss_len[i] > r->miss_maxlen) r->miss_maxlen = r->miss_len[i];
    }
    r->dl = dl;
    r->state = ST_START;
    r->in_header = true;
    r->line = r->rec_line = 1;
    r->progress = opts ? opts->progress : NULL;
    r->progress_ctx = opts ? opts->progress_ctx : NULL;
    r->next_progress = 65536;
    if (vigil_table_new(&r->t, 0, path) != 0) return -1;
    return fb_append(r, "", 0) != 0 ? -1 : 0;
}

static void csv_clear(csv *r)
{
    free(r->fb);
    vigil_dict_free(&r->hdr);
    free(r->map);
    vigil_table_free(r->t);
    r->fb = NULL, r->map = NULL, r->t = NULL;
}

/* The serial reader: fd through one buffer, each read digested and parsed. */
static int read_serial(csv *r, int fd, vigil_sha256 *md)
{
    size_t bufcap = 1 << 20;
    char *buf = malloc(bufcap);
    if (!buf) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    int rc = 0;
    for (;;) {
        ssize_t got = read(fd, buf, bufcap);
        if (got < 0) {
            if (errno == EINTR) continue;
            rc = vigil_error_set(VIGIL_EIO, "%s: read failed: %s", r->path, strerror(errno));
            break;
        }
        if (got == 0) {
            rc = parse_end(r);
            break;
        }
        r->done_bytes += (size_t)got;
        vigil_sha256_add(md, buf, (size_t)got);
        if ((rc = parse_span(r, buf, buf + got, NULL)) != 0) break;
    }
    free(buf);
    return rc;
}

int vigil_table_read_csv(vigil_table **out, const char *path, const vigil_csv_options *opts)
{
    *out = NULL;
    if (opts && opts->missing && opts->n_missing > 64)
        return vigil_error_set(VIGIL_EINVAL, "too many missing-value strings");
    const char dl = opts && opts->delimiter ? opts->delimiter : ',';
    if (!(dl == ',' || dl == ';' || dl == '\t' || dl == '|'))
        return vigil_error_set(VIGIL_EINVAL, "%s: the field separator must be ',', ';', a tab or '|'", path);
    csv r;
    vigil_sha256 *md = NULL;
    int rc = VIGIL_OK, fd = -1;
    bool regular = false;
    char sha[65] = "";

    if (csv_init(&r, path, opts, dl) != 0) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    if ((fd = vigil_open_input(path)) < 0) {
        rc = vigil_error_last_code();
        goto done;
    }
    struct stat st;
    if (fstat(fd, &st) == 0) r.total = (size_t)st.st_size, regular = S_ISREG(st.st_mode);
    /* the SHA-256 of exactly the bytes parsed, so a run records the digest of the data it
     * used without reading the file a second time (a feed that grows in between would make
     * the two differ) */
    if (!(md = vigil_sha256_new())) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    int threads = vigil_parallel_workers(opts ? opts->threads : 0, SIZE_MAX, 1);
    size_t forced = forced_chunk();
    bool fallback = true;
    if (regular && (forced || (threads > 1 && r.total >= PAR_MIN_BYTES))) {
        /* not for a header of more columns than a chunk holds fields of a few bytes */
        size_t max_cols = forced ? SIZE_MAX : PAR_CHUNK / 256;
        if ((rc = read_parallel(&r, fd, forced ? forced : PAR_CHUNK, max_cols, threads, md, &fallback)) != 0)
            goto done;
        if (fallback) { /* from the start: the same bytes unless the file changed, digested anew */
            csv_clear(&r);
            vigil_sha256_free(md);
            md = NULL;
            if (csv_init(&r, path, opts, dl) != 0 || !(md = vigil_sha256_new())) {
                rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
                goto done;
            }
            if (lseek(fd, 0, SEEK_SET) != 0) {
                rc = vigil_error_set(VIGIL_EIO, "%s: cannot read it again: %s", path, strerror(errno));
                goto done;
            }
        } else if (r.progress && r.nrows >= 65536) {
            r.progress(r.progress_ctx, r.nrows, r.done_bytes, r.total);
        }
    }
    if (fallback && (rc = read_serial(&r, fd, md)) != 0) goto done;
    vigil_sha256_final(md, sha);
    if (r.in_header) {
        rc = vigil_error_set(VIGIL_EINVAL, "%s: empty file (no header row)", path);
        goto done;
    }
    /* One column whose name holds a ';' or a tab: a file with another separator read at commas
     * (every row one text value) -- refused with the way out, never read as one column. */
    size_t ncols_file = r.t->ncols + (r.t->unread ? r.t->unread->ncols : 0);
    if (dl == ',' && ncols_file == 1) {
        char *name = r.t->ncols ? r.t->cols[0].name : r.t->unread->cols[0].name;
        const char *hint = vigil_table_sep_hint(&name, 1);
        if (*hint) {
            rc = vigil_error_set(VIGIL_EINVAL, "%s:1: one column, '%.60s'%s", path, name, hint);
            goto done;
        }
    }
    /* The columns left out stay with the table (their first rows), for the PHI guard. */
    for (size_t k = 0; r.t->unread && k < r.t->unread->ncols; k++)
        if (settle_unread(&r.t->unread->cols[k], r.t->unread->nrows) != 0) {
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            goto done;
        }
    memcpy(r.t->sha256, sha, sizeof sha);
    r.t->bytes = r.done_bytes;
    /* An inferred column that never saw a value stays numeric (all missing). */
    *out = r.t;
    r.t = NULL;
done:
    if (fd >= 0) close(fd);
    vigil_sha256_free(md);
    csv_clear(&r);
    return rc;
}
