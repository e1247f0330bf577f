/* CSV reader: RFC 4180 shapes, types, missing values, and every malformed-input message.
 * Number parsing is checked against glibc strtod (correctly rounded) bit for bit. */
#include "testutil.h"
#include "core/util.h"
#include "table_same.h"

#include <time.h>
#include <unistd.h>

static vigil_table *read_ok(const char *text, const vigil_csv_options *o)
{
    char path[64];
    tu_temp_file(path, sizeof path, text);
    vigil_table *t = NULL;
    int rc = vigil_table_read_csv(&t, path, o);
    if (rc) print_error("unexpected error: %s\n", vigil_error_last());
    assert_int_equal(rc, VIGIL_OK);
    /* the digest taken while parsing is the file's (a run stores it instead of re-reading) */
    char hex[65];
    uint64_t bytes = 0, tb = 0;
    assert_int_equal(vigil_sha256_file(path, hex, &bytes), 0);
    assert_non_null(vigil_table_sha256(t, &tb));
    assert_string_equal(vigil_table_sha256(t, NULL), hex);
    assert_int_equal(tb, bytes);
    assert_int_equal(bytes, strlen(text));
    unlink(path);
    return t;
}

/* Reads `text`, expects `code` and a message containing each of the given fragments. */
static void read_bad(const char *text, const vigil_csv_options *o, int code, const char *frag1,
                     const char *frag2)
{
    char path[64];
    tu_temp_file(path, sizeof path, text);
    vigil_table *t = NULL;
    int rc = vigil_table_read_csv(&t, path, o);
    assert_int_equal(rc, code);
    assert_null(t);
    const char *msg = vigil_error_last();
    if (!strstr(msg, frag1) || (frag2 && !strstr(msg, frag2))) {
        print_error("message '%s' lacks '%s' / '%s'\n", msg, frag1, frag2 ? frag2 : "");
        fail();
    }
    assert_non_null(strstr(msg, path)); /* every message names the file */
    unlink(path);
}

static void test_basic_types(void **state)
{
    vigil_table *t = read_ok("id,age,sex,score\nA1,61,F,0.25\nA2,,M,0.5\nA3,70.5,NA,1e-3\n", NULL);
    assert_int_equal(vigil_table_nrows(t), 3);
    assert_int_equal(vigil_table_ncols(t), 4);
    int age = vigil_table_find(t, "age"), sex = vigil_table_find(t, "sex");
    assert_int_equal(vigil_table_col_type(t, (size_t)age), VIGIL_COL_NUMERIC);
    assert_int_equal(vigil_table_col_type(t, (size_t)sex), VIGIL_COL_CATEGORICAL);
    const double *a = vigil_table_numeric(t, (size_t)age);
    assert_close(a[0], 61, 0);
    assert_true(isnan(a[1]));
    assert_close(a[2], 70.5, 0);
    assert_int_equal(vigil_table_n_missing(t, (size_t)age), 1);
    const int32_t *s = vigil_table_codes(t, (size_t)sex);
    assert_string_equal(vigil_table_level(t, (size_t)sex, (size_t)s[0]), "F");
    assert_string_equal(vigil_table_level(t, (size_t)sex, (size_t)s[1]), "M");
    assert_int_equal(s[2], -1);
    assert_close(vigil_table_numeric(t, 3)[2], 1e-3, 0);
    assert_int_equal(vigil_table_find(t, "nope"), -1);
    vigil_table_free(t);
}

static void test_rfc4180_quotes_crlf_bom(void **state)
{
    vigil_table *t = read_ok("\xEF\xBB\xBF" "id,note,x\r\n"
                             "1,\"a, b\",1\r\n"
                             "2,\"say \"\"hi\"\"\",2\r\n"
                             "3,\"two\nlines\",3\r\n"
                             "4,plain,\"4\"\r\n",
                             NULL);
    assert_int_equal(vigil_table_nrows(t), 4);
    assert_string_equal(vigil_table_col_name(t, 0), "id"); /* BOM stripped */
    size_t note = (size_t)vigil_table_find(t, "note");
    const int32_t *c = vigil_table_codes(t, note);
    assert_string_equal(vigil_table_level(t, note, (size_t)c[0]), "a, b");
    assert_string_equal(vigil_table_level(t, note, (size_t)c[1]), "say \"hi\"");
    assert_string_equal(vigil_table_level(t, note, (size_t)c[2]), "two\nlines");
    assert_close(vigil_table_numeric(t, 2)[3], 4, 0); /* a quoted number is a number */
    /* rows start on lines 2, 3, 4 and 6 (row 3 spans two lines) */
    assert_int_equal(vigil_table_row_line(t, 0), 2);
    assert_int_equal(vigil_table_row_line(t, 2), 4);
    assert_int_equal(vigil_table_row_line(t, 3), 6);
    vigil_table_free(t);
}

static void test_no_trailing_newline_and_blank_lines(void **state)
{
    vigil_table *t = read_ok("a,b\n1,2\n\n3,4", NULL);
    assert_int_equal(vigil_table_nrows(t), 2);
    assert_close(vigil_table_numeric(t, 1)[1], 4, 0);
    vigil_table_free(t);
    /* with one column an empty line is a missing value, not nothing */
    t = read_ok("a\n1\n\n3\n", NULL);
    assert_int_equal(vigil_table_nrows(t), 3);
    assert_true(isnan(vigil_table_numeric(t, 0)[1]));
    vigil_table_free(t);
}

static void test_custom_missing_and_nan_spelling(void **state)
{
    const char *miss[] = {"", "."};
    vigil_csv_options o = {.missing = miss, .n_missing = 2};
    vigil_table *t = read_ok("x\n1\n.\n3\n", &o);
    assert_true(isnan(vigil_table_numeric(t, 0)[1]));
    vigil_table_free(t);
    /* "NaN" not declared missing is not silently a missing value */
    read_bad("x\n1\nNaN\n", &o, VIGIL_EINVAL, ":3:1", "expected a number in column 'x'");
}

static void test_declared_types(void **state)
{
    vigil_col_decl d[] = {{"grp", VIGIL_COL_CATEGORICAL}, {"v", VIGIL_COL_NUMERIC}};
    vigil_csv_options o = {.types = d, .n_types = 2};
    vigil_table *t = read_ok("grp,v\n1,2\n10,3\n", &o);
    assert_int_equal(vigil_table_col_type(t, 0), VIGIL_COL_CATEGORICAL);
    assert_string_equal(vigil_table_level(t, 0, 1), "10");
    vigil_table_free(t);
    read_bad("grp,v\n1,2\n2,abc\n", &o, VIGIL_EINVAL, ":3:2", "declared numeric");
    vigil_col_decl bad[] = {{"zzz", VIGIL_COL_NUMERIC}};
    vigil_csv_options ob = {.types = bad, .n_types = 1};
    read_bad("grp,v\n1,2\n", &ob, VIGIL_EINVAL, "'zzz', which is not a column", "'grp', 'v'");
}

static void test_inferred_numeric_then_text(void **state)
{
    read_bad("age\n61\n\nseventy\n", NULL, VIGIL_EINVAL, ":4:1", "first values were numbers");
    /* a column that starts missing, then text, is categorical */
    vigil_table *t = read_ok("a,b\n,1\nx,2\n", NULL);
    assert_int_equal(vigil_table_col_type(t, 0), VIGIL_COL_CATEGORICAL);
    assert_int_equal(vigil_table_codes(t, 0)[0], -1);
    vigil_table_free(t);
}

/* Reads `text`, expects EINVAL with `frag` in the message and `secret` nowhere in it. */
static void read_bad_hidden(const char *text, const char *frag, const char *secret)
{
    read_bad(text, NULL, VIGIL_EINVAL, frag, NULL);
    const char *msg = vigil_error_last();
    if (secret && strstr(msg, secret)) {
        print_error("message '%s' shows the value '%s'\n", msg, secret);
        fail();
    }
}

/* An error about a cell names file, line, column and the kind of value; the value itself
 * only when it is a short lower-case word in a column whose name is not identifier-like
 * (cron mails these messages). */
static void test_error_never_echoes_identifiers(void **state)
{
    read_bad_hidden("score\n0.5\n123-45-6789\n", ":3:1: expected a number in column 'score', "
                    "found an SSN-like value (not shown)", "6789");
    read_bad_hidden("score\n0.5\njo@example.org\n", "found an e-mail-like value", "example");
    read_bad_hidden("score\n0.5\n2019-03-04\n", "found a date-like value", "2019");
    read_bad_hidden("score\n0.5\n(212) 555-0100\n", "found a phone-number-like value", "555");
    read_bad_hidden("score\n0.5\nSmith\n", "found a text value of 5 bytes (not shown)", "Smith");
    read_bad_hidden("score\n0.5\nA12345\n", "found a text value of 6 bytes", "A12345");
    read_bad_hidden("score\n0.5\nabcdefghijklm\n", "a text value of 13 bytes", "abcdefghijklm");
    /* an identifier-like column: even a plain word stays hidden */
    read_bad_hidden("mrn\n17\nhigh\n", "column 'mrn', found a text value of 4 bytes", "high");
    read_bad_hidden("patient_ssn\n0\n123456789x\n", "found a text value of 10 bytes",
                    "123456789");
    /* a harmless word in an ordinary column is still shown, as it helps the fix */
    read_bad("score\n0.5\nhigh\n", NULL, VIGIL_EINVAL, ":3:1", "found 'high' (the column's");
    /* the in-memory API says the same */
    vigil_table *t;
    assert_int_equal(vigil_table_new(&t, 1, "synthetic"), VIGIL_OK);
    int32_t c[] = {0};
    const char *lv[] = {"123-45-6789", "123-45-6789"};
    assert_int_equal(vigil_table_add_categorical(t, "id", c, lv, 2), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "level 2, an SSN-like value"));
    assert_null(strstr(vigil_error_last(), "6789"));
    vigil_table_free(t);
}

/* A wide header: the duplicate check is a hash, not a scan of the names before (10^5 columns
 * took 36 s); the message names both columns even when they are far apart. */
static void test_wide_header_duplicate(void **state)
{
    /* 5,000 columns: the message must name both columns however far apart. The speed of the
     * check (a hash; the old scan made 10^5 columns take 36 s) is not asserted here: it is
     * measured by bench/wide.sh (bench/RESULTS.md, "Wide files (issue 19)") */
    enum { N = 5000 };
    size_t cap = (size_t)N * 8 + 16, k = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    for (int i = 0; i < N; i++)
        k += (size_t)snprintf(text + k, cap - k, "%sc%d", i ? "," : "", i == N - 2 ? 1 : i);
    k += (size_t)snprintf(text + k, cap - k, "\n");
    /* no timing assertion (speed is measured in bench/, not asserted): the quadratic scan
     * shows as this test's run time */
    read_bad(text, NULL, VIGIL_EINVAL, ":1:4999: duplicate column name 'c1' (also column 2)",
             NULL);
    /* the same header without the duplicate reads, in order */
    k = 0;
    for (int i = 0; i < N; i++) k += (size_t)snprintf(text + k, cap - k, "%sc%d", i ? "," : "", i);
    k += (size_t)snprintf(text + k, cap - k, "\n");
    vigil_table *t = read_ok(text, NULL);
    assert_int_equal(vigil_table_ncols(t), N);
    assert_int_equal(vigil_table_find(t, "c4999"), N - 1);
    for (int i = 0; i < N; i += 499) { /* the names' hash answers for every column */
        char nm[16];
        snprintf(nm, sizeof nm, "c%d", i);
        assert_int_equal(vigil_table_find(t, nm), i);
    }
    assert_int_equal(vigil_table_find(t, "c5000"), -1);
    vigil_table_free(t);
    free(text);

    /* A keep list of nearly every column of a wide file: each kept name is found through the
     * header's hash (the linear lookup per kept name made 10^5 columns take 63 s). Two rows;
     * column i is missing in row 1 when i % 3 == 0 and in row 2 when i % 5 == 0. */
    cap = (size_t)N * 24 + 64, k = 0;
    text = malloc(cap);
    const char **keep = malloc(N * sizeof *keep);
    char **names = malloc(N * sizeof *names);
    assert_true(text && keep && names);
    for (int i = 0; i < N; i++) k += (size_t)snprintf(text + k, cap - k, "%sc%d", i ? "," : "", i);
    for (int row = 0; row < 2; row++) {
        text[k++] = '\n';
        for (int i = 0; i < N; i++)
            k += (size_t)snprintf(text + k, cap - k, "%s%s", i ? "," : "",
                                  (row == 0 ? i % 3 == 0 : i % 5 == 0) ? (i % 2 ? "NA" : "") : "7");
    }
    k += (size_t)snprintf(text + k, cap - k, "\n");
    size_t nk = 0;
    for (int i = N - 1; i >= 0; i--) /* every column but c1, in reverse order */
        if (i != 1) {
            char nm[16];
            snprintf(nm, sizeof nm, "c%d", i);
            names[nk] = vigil_strdup(nm);
            keep[nk] = names[nk];
            nk++;
        }
    char path[64];
    tu_temp_file(path, sizeof path, text);
    vigil_csv_options o = VIGIL_CSV_OPTIONS_INIT;
    o.keep = keep, o.n_keep = nk;
    {
        t = NULL;
        int rc = vigil_table_read_csv(&t, path, &o);
        if (rc) print_error("unexpected error: %s\n", vigil_error_last());
        assert_int_equal(rc, VIGIL_OK);
        assert_int_equal(vigil_table_nrows(t), 2);
        assert_int_equal(vigil_table_ncols(t), N - 1); /* file order */
        assert_int_equal(vigil_table_n_unread(t), 1);
        assert_string_equal(vigil_table_unread(t, 0), "c1");
        assert_int_equal(vigil_table_unread_n_missing(t, 0), 0);
        for (int i = 0; i < N; i++) {
            if (i == 1) continue;
            size_t c = (size_t)(i - (i > 1));
            char nm[16];
            snprintf(nm, sizeof nm, "c%d", i);
            assert_string_equal(vigil_table_col_name(t, c), nm);
            assert_int_equal(vigil_table_find(t, nm), (int)c);
            assert_int_equal(vigil_table_n_missing(t, c), (size_t)(i % 3 == 0) + (size_t)(i % 5 == 0));
            if (i % 15 != 0) {
                assert_close(vigil_table_numeric(t, c)[i % 3 == 0 ? 1 : 0], 7, 0);
            }
        }
        assert_non_null(vigil_table_sha256(t, NULL));
        vigil_table_free(t);
    }
    /* a kept name the wide header lacks: named, with the columns listed (cut short) */
    const char *absent[] = {"c4998", "nope"};
    o.keep = absent, o.n_keep = 2;
    t = NULL;
    assert_int_equal(vigil_table_read_csv(&t, path, &o), VIGIL_EINVAL);
    assert_null(t);
    assert_non_null(strstr(vigil_error_last(), ": no column 'nope'; the columns are: 'c0', 'c1'"));
    unlink(path);
    for (size_t i = 0; i < nk; i++) free(names[i]);
    free(names);
    free(keep);
    free(text);
}

/* The columns a keep list leaves out have their missing values counted in every row while the
 * file is read (issue 18's per-feature count, without a second read): past the PHI guard's
 * sample of VIGIL_UNREAD_SAMPLE_ROWS rows, with the reader's missing strings (the defaults,
 * then a list of its own), a text column and a value that is no number never an error. */
static void test_unread_missing_counts(void **state)
{
    (void)state;
    enum { R = VIGIL_UNREAD_SAMPLE_ROWS + 2500 };
    size_t cap = (size_t)R * 40 + 64, k = 0, want_b = 0, want_c = 0, want_d = 0, want_d2 = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    k += (size_t)snprintf(text + k, cap - k, "a,b,c,d\n");
    for (int i = 0; i < R; i++) {
        const char *b = i % 7 == 0 ? "" : i % 11 == 0 ? "NA" : "1.5";        /* numeric */
        const char *c = i % 13 == 0 ? "null" : i % 2 ? "x" : "y";            /* text */
        const char *d = i >= VIGIL_UNREAD_SAMPLE_ROWS && i % 3 == 0 ? "NaN" /* only after the sample */
                        : i == R - 1 ? "?" : i % 5 == 0 ? "-" : "2";
        want_b += i % 7 == 0 || i % 11 == 0;
        want_c += i % 13 == 0;
        want_d += strcmp(d, "NaN") == 0;
        want_d2 += strcmp(d, "-") == 0 || strcmp(d, "?") == 0;
        k += (size_t)snprintf(text + k, cap - k, "%d,%s,%s,%s\n", i, b, c, d);
    }
    char path[64];
    tu_temp_file(path, sizeof path, text);
    const char *keep[] = {"a"};
    vigil_csv_options o = VIGIL_CSV_OPTIONS_INIT;
    o.keep = keep, o.n_keep = 1;
    vigil_table *t = NULL;
    assert_int_equal(vigil_table_read_csv(&t, path, &o), VIGIL_OK);
    assert_int_equal(vigil_table_nrows(t), R);
    assert_int_equal(vigil_table_n_unread(t), 3);
    assert_int_equal(vigil_table_unread_n_missing(t, 0), want_b);
    assert_int_equal(vigil_table_unread_n_missing(t, 1), want_c);
    assert_int_equal(vigil_table_unread_n_missing(t, 2), want_d);
    assert_true(want_d > 0 && vigil_table_n_missing(vigil_table_unread_sample(t), 2) == 0); /* the sample's own */
    vigil_table_free(t);
    const char *miss[] = {"-", "?"};
    o.missing = miss, o.n_missing = 2;
    assert_int_equal(vigil_table_read_csv(&t, path, &o), VIGIL_OK);
    assert_int_equal(vigil_table_unread_n_missing(t, 0), 0); /* "" and NA are values now */
    assert_int_equal(vigil_table_unread_n_missing(t, 2), want_d2);
    vigil_table_free(t);
    unlink(path);
    free(text);
}

/* Text is UTF-8: a Latin-1 export is refused where its first such byte is, with the advice to
 * re-save; UTF-8 text and a byte-order mark are read. */
static void test_non_utf8_refused(void **state)
{
    read_bad("id,sex\n1,M\xe4nnlich\n", NULL, VIGIL_EINVAL,
             ":2:2: the byte 0xE4 is not UTF-8 text", "re-save the file as UTF-8");
    read_bad("id,Gr\xf6\xdf" "e\n1,2\n", NULL, VIGIL_EINVAL, ":1:2: the byte 0xF6", NULL);
    /* in a quoted field over lines, the byte's own line */
    read_bad("id,note\n1,\"a\nb\xe9\nc\"\n", NULL, VIGIL_EINVAL, ":3:2: the byte 0xE9", NULL);
    /* a column the caller does not read is text too */
    const char *keep[] = {"id"};
    vigil_csv_options o = {.keep = keep, .n_keep = 1};
    read_bad("id,sex\n1,M\xe4nnlich\n", &o, VIGIL_EINVAL, ":2:2: the byte 0xE4", NULL);
    /* malformed UTF-8: overlong, surrogate, above U+10FFFF, cut short at the end of the file */
    read_bad("a\n\xc0\xaf\n", NULL, VIGIL_EINVAL, ":2:1: the byte 0xC0", NULL);
    read_bad("a\nx\xed\xa0\x80\n", NULL, VIGIL_EINVAL, ":2:1: the byte 0xED", NULL);
    read_bad("a\n\xf4\x90\x80\x80\n", NULL, VIGIL_EINVAL, ":2:1: the byte 0xF4", NULL);
    read_bad("a\nok\nM\xc3", NULL, VIGIL_EINVAL, ":3:1: the byte 0xC3", NULL);
    vigil_table *t = read_ok("\xef\xbb\xbfsex,\xc3\xa2ge\nM\xc3\xa4nnlich,1\n\xf0\x9f\x98\x80,2\n", NULL);
    assert_string_equal(vigil_table_col_name(t, 0), "sex");
    assert_string_equal(vigil_table_col_name(t, 1), "\xc3\xa2ge");
    assert_string_equal(vigil_table_level(t, 0, 0), "M\xc3\xa4nnlich");
    vigil_table_free(t);
}

/* A ';'- or tab-separated file reads as one column: the no-column message (and the row-shape
 * one, with decimal commas) says what the file looks like. */
static void test_other_separator_hint(void **state)
{
    const char *keep[] = {"score"};
    vigil_csv_options o = {.keep = keep, .n_keep = 1};
    read_bad("id;score;y\n1;0.5;1\n", &o, VIGIL_EINVAL, "no column 'score'",
             "'id;score;y' (this looks like a ';'-separated file");
    read_bad("id;score;y\n1;0,5;1\n", NULL, VIGIL_EINVAL,
             ":2:2: this row has more fields than the 1 in the header (this looks like a "
             "';'-separated file", NULL);
    /* read whole at commas, such a file would be one text column: refused with the way out */
    read_bad("id\tscore\ty\n1\t0.5\t1\n", NULL, VIGIL_EINVAL, ":1: one column, 'id\tscore\ty'",
             "(this looks like a tab-separated file");
    /* ... and read as it is when its separator is named (issue 19) */
    vigil_csv_options semi = {.delimiter = ';'}, tab = {.delimiter = '\t'};
    vigil_table *t = read_ok("id;score;y\nx;0.5;1\n\"a;b\";0.7;0\n", &semi);
    assert_int_equal(vigil_table_ncols(t), 3);
    assert_close(vigil_table_numeric(t, 1)[0], 0.5, 0);
    assert_string_equal(vigil_table_level(t, 0, (size_t)vigil_table_codes(t, 0)[1]), "a;b");
    vigil_table_free(t);
    t = read_ok("id\tscore\ty\n1\t0.5\t1\n", &tab);
    assert_int_equal(vigil_table_ncols(t), 3);
    vigil_table_free(t);
    vigil_csv_options bad = {.delimiter = 'x'};
    read_bad("a\n1\n", &bad, VIGIL_EINVAL, "the field separator must be", NULL);
    /* no hint for a comma-separated header, nor a single column without either */
    read_bad("a,b\n1,2\n", &o, VIGIL_EINVAL, "the columns are: 'a', 'b'", NULL);
    assert_null(strstr(vigil_error_last(), "looks like"));
    t = read_ok("id\n1\n", NULL);
    assert_int_equal(vigil_table_require(t, "score", "--score column"), VIGIL_EINVAL);
    assert_null(strstr(vigil_error_last(), "looks like"));
    vigil_table_free(t);
}

static void test_malformed(void **state)
{
    read_bad("a,b\n1,2\n3,4,5\n", NULL, VIGIL_EINVAL, ":3:3", "more fields than the 2");
    read_bad("a,b,c\n1,2,3\n4,5\n", NULL, VIGIL_EINVAL, ":3:2", "has 2 fields, the header has 3");
    read_bad("a,b\n1,\"open\n2,3\n", NULL, VIGIL_EINVAL, ":2:2", "unterminated quoted field");
    read_bad("a,a\n1,2\n", NULL, VIGIL_EINVAL, ":1:2", "duplicate column name 'a'");
    read_bad("a,,c\n1,2,3\n", NULL, VIGIL_EINVAL, ":1:2", "empty column name");
    read_bad("a,b\n1,ab\"c\n", NULL, VIGIL_EINVAL, ":2:2", "quote inside an unquoted field");
    read_bad("a,b\n\"1\"x,2\n", NULL, VIGIL_EINVAL, ":2:1", "after a closing quote");
    read_bad("", NULL, VIGIL_EINVAL, "empty file", NULL);
    {   /* found by fuzzing: a NUL byte inside a field read past a level string */
        char path[64];
        tu_temp_file(path, sizeof path, "");
        FILE *f = fopen(path, "wb");
        fwrite("a\nx\0y\nx\n", 1, 8, f);
        fclose(f);
        vigil_table *tt = NULL;
        assert_int_equal(vigil_table_read_csv(&tt, path, NULL), VIGIL_EINVAL);
        assert_non_null(strstr(vigil_error_last(), ":2:1: a NUL byte"));
        unlink(path);
    }
    vigil_table *t = NULL;
    assert_int_equal(vigil_table_read_csv(&t, "/nonexistent/x.csv", NULL), VIGIL_EIO);
    assert_non_null(strstr(vigil_error_last(), "/nonexistent/x.csv"));
}

static void test_keep_and_require(void **state)
{
    const char *keep[] = {"c", "a"};
    vigil_csv_options o = {.keep = keep, .n_keep = 2};
    vigil_table *t = read_ok("a,b,c\n1,x,3\n4,y,6\n", &o);
    assert_int_equal(vigil_table_ncols(t), 2);
    assert_int_equal(vigil_table_find(t, "b"), -1);
    assert_close(vigil_table_numeric(t, (size_t)vigil_table_find(t, "c"))[1], 6, 0);
    assert_int_equal(vigil_table_require(t, "label", "label column"), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "label column 'label' is not a column"));
    assert_non_null(strstr(vigil_error_last(), "'a', 'c'"));
    vigil_table_free(t);
    const char *keep2[] = {"zz"};
    vigil_csv_options o2 = {.keep = keep2, .n_keep = 1};
    read_bad("a,b\n1,2\n", &o2, VIGIL_EINVAL, "no column 'zz'", "'a', 'b'");
    /* a dropped column is still checked for shape */
    read_bad("a,b,c\n1,2\n", &o, VIGIL_EINVAL, ":2:2", "the header has 3");
}

static void test_parse_double_matches_strtod(void **state)
{
    /* Decimal strings of many shapes must parse to the same bits as strtod. */
    unsigned long long x = 88172645463325252ULL;
    char buf[64];
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int digits = 1 + (int)(x % 19), point = (int)((x >> 8) % (unsigned)(digits + 1));
        int k = 0;
        if ((x >> 20) & 1) buf[k++] = '-';
        unsigned long long y = x;
        for (int d = 0; d < digits; d++) {
            if (d == point && d > 0) buf[k++] = '.';
            buf[k++] = (char)('0' + (y % 10));
            y /= 10;
            if (!y) y = x >> 3;
        }
        if ((x >> 30) % 4 == 0) k += sprintf(buf + k, "e%d", (int)((x >> 40) % 60) - 30);
        buf[k] = '\0';
        double a, b = strtod(buf, NULL);
        assert_int_equal(vigil_parse_double(buf, (size_t)k, &a), 0);
        if (memcmp(&a, &b, sizeof a) != 0) {
            print_error("'%s': %.17g vs strtod %.17g\n", buf, a, b);
            fail();
        }
    }
    double v;
    assert_int_equal(vigil_parse_double(" 2.5 ", 5, &v), 0);
    assert_close(v, 2.5, 0);
    assert_int_equal(vigil_parse_double("inf", 3, &v), 0);
    assert_true(isinf(v));
    assert_int_not_equal(vigil_parse_double("nan", 3, &v), 0);
    assert_int_not_equal(vigil_parse_double("1.2.3", 5, &v), 0);
    assert_int_not_equal(vigil_parse_double("1e", 2, &v), 0);
    assert_int_not_equal(vigil_parse_double("--1", 3, &v), 0);
    assert_int_not_equal(vigil_parse_double("0x1p3", 5, &v), 0); /* hex floats are not case data */
}

/* A file larger than the reader's buffer, with a quoted field across the boundary. */
static void test_large_file_across_buffers(void **state)
{
    char path[] = "/tmp/vigil-big-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs("id,v,txt\n", f);
    size_t n = 120000;
    for (size_t i = 0; i < n; i++) fprintf(f, "%zu,%zu.5,\"t,%zu\"\n", i, i, i % 7);
    fclose(f);
    vigil_table *t = NULL;
    assert_int_equal(vigil_table_read_csv(&t, path, NULL), VIGIL_OK);
    assert_int_equal(vigil_table_nrows(t), n);
    const double *v = vigil_table_numeric(t, 1);
    for (size_t i = 0; i < n; i += 997) assert_close(v[i], (double)i + 0.5, 0);
    assert_int_equal(vigil_table_n_levels(t, 2), 7);
    assert_int_equal(vigil_table_row_line(t, n - 1), n + 1);
    vigil_table_free(t);
    unlink(path);
}

static void test_as_levels(void **state)
{
    vigil_table *t = read_ok("g,h\n2,b\n1,a\n,b\n2,\n", NULL);
    int32_t *codes;
    char **levels;
    size_t nl;
    assert_int_equal(vigil_table_as_levels(t, 0, &codes, &levels, &nl), VIGIL_OK);
    assert_int_equal(nl, 2);
    assert_string_equal(levels[0], "1");
    assert_string_equal(levels[1], "2");
    assert_int_equal(codes[0], 1);
    assert_int_equal(codes[2], -1);
    vigil_table_levels_free(codes, levels, nl);
    assert_int_equal(vigil_table_as_levels(t, 1, &codes, &levels, &nl), VIGIL_OK);
    assert_int_equal(nl, 2);
    assert_int_equal(codes[3], -1);
    vigil_table_levels_free(codes, levels, nl);
    vigil_table_free(t);
}

static void test_build_in_memory(void **state)
{
    vigil_table *t;
    assert_int_equal(vigil_table_new(&t, 3, "synthetic"), VIGIL_OK);
    double x[] = {1, NAN, 3};
    int32_t c[] = {0, 1, -1};
    const char *lv[] = {"lo", "hi"};
    assert_int_equal(vigil_table_add_numeric(t, "x", x), VIGIL_OK);
    assert_int_equal(vigil_table_add_categorical(t, "g", c, lv, 2), VIGIL_OK);
    assert_int_equal(vigil_table_add_numeric(t, "x", x), VIGIL_EINVAL);
    assert_int_equal(vigil_table_n_missing(t, 0), 1);
    assert_string_equal(vigil_table_level(t, 1, 1), "hi");
    int32_t badc[] = {0, 5, 0};
    assert_int_equal(vigil_table_add_categorical(t, "g2", badc, lv, 2), VIGIL_EINVAL);
    vigil_table_free(t);
    vigil_table_free(NULL);
}

static void test_filter(void **state)
{
    vigil_table *t = read_ok("a,g\n1,x\n,y\n3,x\n4,z\n", NULL), *f;
    uint8_t keep[] = {0, 1, 1, 0};
    assert_int_equal(vigil_table_filter(&f, t, keep), VIGIL_OK);
    assert_int_equal(vigil_table_nrows(f), 2);
    assert_true(isnan(vigil_table_numeric(f, 0)[0]));
    assert_close(vigil_table_numeric(f, 0)[1], 3, 0);
    assert_int_equal(vigil_table_n_missing(f, 0), 1);
    assert_string_equal(vigil_table_level(f, 1, (size_t)vigil_table_codes(f, 1)[0]), "y");
    assert_int_equal(vigil_table_n_levels(f, 1), 3); /* dictionary kept whole */
    assert_int_equal(vigil_table_row_line(f, 1), 4); /* still points into the file */
    vigil_table_free(f);
    /* relevelled: only the kept rows' levels, in their order of first appearance, as a file of
     * just those rows reads (x and z are not kept; y comes before w) */
    vigil_table *r = read_ok("a,g\n1,x\n2,w\n3,y\n,\n5,w\n6,z\n", NULL);
    uint8_t keep2[] = {0, 0, 1, 1, 1, 0}; /* y, missing, w */
    assert_int_equal(vigil_table_filter_relevel(&f, r, keep2), VIGIL_OK);
    assert_int_equal(vigil_table_nrows(f), 3);
    assert_int_equal(vigil_table_n_levels(f, 1), 2);
    assert_string_equal(vigil_table_level(f, 1, 0), "y");
    assert_string_equal(vigil_table_level(f, 1, 1), "w");
    assert_int_equal(vigil_table_codes(f, 1)[0], 0);
    assert_int_equal(vigil_table_codes(f, 1)[1], -1);
    assert_int_equal(vigil_table_codes(f, 1)[2], 1);
    assert_int_equal(vigil_table_n_missing(f, 1), 1);
    assert_close(vigil_table_numeric(f, 0)[2], 5, 0);
    assert_int_equal(vigil_table_row_line(f, 2), 6);
    vigil_table_free(f);
    vigil_table_free(r);
    vigil_table_free(t);
}


/* ---- the parallel reader (issue 17): VIGIL_CSV_CHUNK_BYTES forces any file through it ---- */

/* `path` read by the serial reader, then in forced chunks of each size with 1 and 3 threads:
 * the same table bit for bit (values, types, levels in order, missing counts, lines, the
 * unread sample, the digest), or the same error code and message. */
static void same_parallel(const char *path, const vigil_csv_options *o0, const size_t *sizes, size_t nsizes)
{
    vigil_csv_options o = o0 ? *o0 : (vigil_csv_options)VIGIL_CSV_OPTIONS_INIT;
    unsetenv("VIGIL_CSV_CHUNK_BYTES");
    o.threads = 1;
    vigil_table *s = NULL;
    int rs = vigil_table_read_csv(&s, path, &o);
    char ms[2048];
    snprintf(ms, sizeof ms, "%s", rs ? vigil_error_last() : "");
    for (size_t k = 0; k < nsizes; k++)
        for (int th = 1; th <= 3; th += 2) {
            char v[32];
            snprintf(v, sizeof v, "%zu", sizes[k]);
            setenv("VIGIL_CSV_CHUNK_BYTES", v, 1);
            o.threads = th;
            vigil_table *p = NULL;
            int rp = vigil_table_read_csv(&p, path, &o);
            if (rp != rs || (rs && strcmp(vigil_error_last(), ms) != 0)) {
                print_error("chunks of %zu, %d threads: rc %d '%s', serial rc %d '%s'\n", sizes[k], th, rp,
                            rp ? vigil_error_last() : "", rs, ms);
                fail();
            }
            const char *d = tu_table_diff(s, p);
            if (d) {
                print_error("chunks of %zu, %d threads: %s\n", sizes[k], th, d);
                fail();
            }
            vigil_table_free(p);
        }
    unsetenv("VIGIL_CSV_CHUNK_BYTES");
    vigil_table_free(s);
}

static const size_t small_chunks[] = {1, 7, 64, 500, 1 << 20};

/* A file of `rows` rows from a seeded generator; `bad` rows (1-based, 0 ends the list) get the
 * fault `fault`: 'r' a ragged row, 'b' a byte that is not UTF-8, 't' text in the numeric
 * column, 'q' a quote inside an unquoted field. */
static void gen_file(char *path, size_t cap, size_t rows, int bom, const size_t *bad, const char *fault,
                     int last_newline)
{
    snprintf(path, cap, "/tmp/vigil-test-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    static const char *lv[] = {"ward a", "ICU", "ward, b", "ED", "\"quoted\" unit", "HDU"};
    fprintf(f, "%sid,num,txt,\"multi\nline\",late,big\r\n", bom ? "\xEF\xBB\xBF" : "");
    uint64_t x = 88172645463325252ULL;
    for (size_t i = 1; i <= rows; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int fk = 0;
        for (size_t b = 0; bad && bad[b]; b++)
            if (bad[b] == i) fk = fault[b];
        const char *eol = x % 5 == 0 ? "\r\n" : "\n";
        if (i % 97 == 0) fputs(eol, f); /* a blank line: not a row */
        /* the num column: decimals, exponents, a long mantissa (strtod), missing */
        if (fk == 't') fprintf(f, "%zu,seven,", i);
        else if (x % 11 == 0) fprintf(f, "%zu,NA,", i);
        else if (x % 13 == 0) fprintf(f, "%zu,12345678901234567890123e-%d,", i, (int)(x % 30));
        else fprintf(f, "%zu,%.6f,", i, (double)(x % 100000) / 977.0 - 40);
        const char *l = lv[(x >> 8) % 6];
        if (strchr(l, ',') || strchr(l, '"')) fprintf(f, "\"%s\"", strchr(l, '"') ? "\"\"quoted\"\" unit" : l);
        else fputs(l, f);
        if (fk == 'q') fputs("x\"y", f);
        /* a quoted field holding newlines, CRLF, commas and quotes */
        if (x % 3 == 0) fprintf(f, ",\"note %zu\nsecond, line\r\nthird \"\"line\"\"\",", i);
        else fprintf(f, ",plain %zu,", i % 17);
        /* missing in the first rows, then text whose levels first appear late */
        if (i > rows / 2) fprintf(f, "late%zu", (i * 7) % 23);
        if (fk == 'b') fputs(",caf\xE9", f);
        else fprintf(f, ",%zu", (size_t)(x % 1000));
        if (fk == 'r') fputs(",extra", f);
        if (i < rows || last_newline) fputs(eol, f);
    }
    fclose(f);
}

static void test_parallel_same_as_serial(void **state)
{
    char path[64];
    size_t n = sizeof small_chunks / sizeof *small_chunks;
    /* a BOM, CRLF and LF, blank lines, quoted newlines straddling chunk ends, levels first seen
     * in later chunks, a column missing in the first chunks and text after; with and without
     * the last newline */
    for (int last = 0; last < 2; last++) {
        gen_file(path, sizeof path, 400, 1, NULL, NULL, last);
        same_parallel(path, NULL, small_chunks, n);
        /* declared types, a custom missing set, a keep list (the PHI guard's sample) */
        vigil_col_decl decl[] = {{"txt", VIGIL_COL_CATEGORICAL}, {"num", VIGIL_COL_NUMERIC}, {"big", VIGIL_COL_CATEGORICAL}};
        const char *keep[] = {"txt", "late"}, *miss[] = {"NA", "plain 3"};
        vigil_csv_options o = VIGIL_CSV_OPTIONS_INIT;
        o.types = decl, o.n_types = 3, o.keep = keep, o.n_keep = 2, o.missing = miss, o.n_missing = 2;
        same_parallel(path, &o, small_chunks, n);
        unlink(path);
    }
    /* numbers after text in an inferred column (kept as text: the serial fallback) */
    tu_temp_file(path, sizeof path, "a,b\nx,1\n1,2\n2.50,3\n7,4\n");
    same_parallel(path, NULL, small_chunks, n);
    unlink(path);
    /* one column: a blank line is a missing value; a header of one quoted field with a newline */
    tu_temp_file(path, sizeof path, "\"v\nw\"\n1\n\n2\r\n\r\n3\n");
    same_parallel(path, NULL, small_chunks, n);
    unlink(path);
    /* bare CRs end records too (more rows than newlines) */
    tu_temp_file(path, sizeof path, "a,b\r1,x\r2,\"y\rz\"\r\r3,w\r\n4,v\r");
    same_parallel(path, NULL, small_chunks, n);
    unlink(path);
    tu_temp_file(path, sizeof path, "a;b\r\n1;\"x;\ny\"\r\n2;z\r\n");
    vigil_csv_options semi = VIGIL_CSV_OPTIONS_INIT;
    semi.delimiter = ';';
    same_parallel(path, &semi, small_chunks, n);
    unlink(path);
    tu_temp_file(path, sizeof path, "a,b\n");
    same_parallel(path, NULL, small_chunks, n);
    unlink(path);
    tu_temp_file(path, sizeof path, "a,b\n\n\r\n\n"); /* blank lines only: no row, no storage */
    same_parallel(path, NULL, small_chunks, n);
    unlink(path);
}

/* Past VIGIL_UNREAD_SAMPLE_ROWS: the unread columns' sample is the file's first rows, its
 * levels those rows' only, their missing values counted in every row. */
static void test_parallel_unread_sample(void **state)
{
    char path[64];
    gen_file(path, sizeof path, VIGIL_UNREAD_SAMPLE_ROWS + 2500, 0, NULL, NULL, 1);
    const char *keep[] = {"num", "id"};
    vigil_csv_options o = VIGIL_CSV_OPTIONS_INIT;
    o.keep = keep, o.n_keep = 2;
    const size_t sizes[] = {4096, 100000};
    same_parallel(path, &o, sizes, 2);
    same_parallel(path, NULL, sizes, 2);
    unlink(path);
}

/* Faults in several chunks: the first in file order is reported, with the serial message. */
static void test_parallel_first_error(void **state)
{
    char path[64];
    size_t n = sizeof small_chunks / sizeof *small_chunks;
    static const struct {
        size_t rows[4]; /* 0-terminated */
        const char *fault;
    } cases[] = {
        {{150, 320, 0}, "rb"}, {{150, 320, 0}, "br"}, {{210, 330, 0}, "tr"}, {{90, 250, 0}, "qt"},
        {{300, 0, 0}, "t"},    {{10, 200, 390}, "rrr"}, {{399, 0, 0}, "b"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        gen_file(path, sizeof path, 400, c & 1, cases[c].rows, cases[c].fault, 1);
        same_parallel(path, NULL, small_chunks, n);
        unlink(path);
    }
    /* an unterminated quote at the end, after a ragged row */
    tu_temp_file(path, sizeof path, "a,b\n1,2\n3,4,5\n6,\"open\n7,8\n");
    same_parallel(path, NULL, small_chunks, n);
    unlink(path);
    tu_temp_file(path, sizeof path, "a,b\n1,2\n3,\"x\"y\n6,7\n");
    same_parallel(path, NULL, small_chunks, n);
    unlink(path);
}

int main(void)
{
    vigil_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_types),
        cmocka_unit_test(test_rfc4180_quotes_crlf_bom),
        cmocka_unit_test(test_no_trailing_newline_and_blank_lines),
        cmocka_unit_test(test_custom_missing_and_nan_spelling),
        cmocka_unit_test(test_declared_types),
        cmocka_unit_test(test_inferred_numeric_then_text),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_error_never_echoes_identifiers),
        cmocka_unit_test(test_wide_header_duplicate),
        cmocka_unit_test(test_unread_missing_counts),
        cmocka_unit_test(test_non_utf8_refused),
        cmocka_unit_test(test_other_separator_hint),
        cmocka_unit_test(test_keep_and_require),
        cmocka_unit_test(test_parse_double_matches_strtod),
        cmocka_unit_test(test_large_file_across_buffers),
        cmocka_unit_test(test_as_levels),
        cmocka_unit_test(test_build_in_memory),
        cmocka_unit_test(test_filter),
        cmocka_unit_test(test_parallel_same_as_serial),
        cmocka_unit_test(test_parallel_unread_sample),
        cmocka_unit_test(test_parallel_first_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
