/* The streaming CSV reader; see include/vigil/table.h. Each field is copied into one
 * reusable buffer, then parsed straight into its column: no per-row allocation. */
#include "core/table_internal.h"
#include "core/phi_internal.h"
#include "vigil/error.h"
#include "core/util.h"

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
} csv;

static const char *const default_missing[] = {"", "NA", "NaN", "null"};

/* Room for `bytes` in v: the common case (there is) without a call per field. */
static int reserve(vec *v, size_t bytes) { return bytes <= v->cap ? 0 : vigil_vec_reserve(v, bytes); }

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
    if (reserve(&c->data, (row + 1) * sizeof(double)) != 0)
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
    if (reserve(&r->t->lines, (r->nrows + 1) * sizeof(uint64_t)) != 0)
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
    const char dl = opts && opts->delimiter ? opts->delimiter : ',';
    if (!(dl == ',' || dl == ';' || dl == '\t' || dl == '|'))
        return vigil_error_set(VIGIL_EINVAL, "%s: the field separator must be ',', ';', a tab or '|'", path);
    r.in_header = true;
    r.line = r.rec_line = 1;
    size_t bufcap = 1 << 20;
    char *buf = NULL;
    vigil_sha256 *md = NULL;
    int rc = VIGIL_OK, fd = -1;
    size_t total = 0, done_bytes = 0, quote_line = 0;

    if ((rc = vigil_table_new(&r.t, 0, path)) != 0) return rc;
    if ((rc = fb_append(&r, "", 0)) != 0) goto done;
    if ((fd = vigil_open_input(path)) < 0) {
        rc = vigil_error_last_code();
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
                while (q < end && *q != dl && *q != '\n' && *q != '\r' && *q != '"') q++;
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
                if (*q == dl) {
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
                } else if (*p == dl || *p == '\n' || *p == '\r') {
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
    vigil_dict_free(&r.hdr);
    free(r.map);
    vigil_table_free(r.t);
    return rc;
}
