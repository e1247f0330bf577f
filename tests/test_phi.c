/* PHI guard: each Safe Harbor identifier kind found (with validity checks), ordinary clinical
 * columns left alone, messages that never quote the value, allowances. The positive examples
 * are checked against published validity rules: SSA's SSN rules (no area 000/666/9xx, no group
 * 00, no serial 0000), the Luhn check of ISO/IEC 7812 (test numbers 4111111111111111 and
 * 378282246310005 are the networks' published test cards), the VIN check digit of
 * 49 CFR 565.15 (1M8GDM9AXKP042788 is NHTSA's worked example), NANP numbering and the HHS list
 * of restricted 3-digit ZIP prefixes. */
#include "testutil.h"
#include "vigil/error.h"
#include "vigil/phi.h"
#include "vigil/table.h"
#include "core/phi_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A one-column table of text values (categorical) or numbers. */
static vigil_table *text_table(const char *name, const char *const *vals, size_t n)
{
    char path[] = "/tmp/vigil-phi-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "%s\n", name);
    for (size_t i = 0; i < n; i++) fprintf(f, "\"%s\"\n", vals[i]);
    fclose(f);
    vigil_col_decl d = {name, VIGIL_COL_CATEGORICAL};
    vigil_csv_options o = {0};
    o.types = &d, o.n_types = 1;
    vigil_table *t = NULL;
    assert_int_equal(vigil_table_read_csv(&t, path, &o), 0);
    unlink(path);
    return t;
}

static vigil_table *num_table(const char *name, const double *v, size_t n)
{
    vigil_table *t = NULL;
    assert_int_equal(vigil_table_new(&t, n, "mem.csv"), 0);
    assert_int_equal(vigil_table_add_numeric(t, name, v), 0);
    return t;
}

static int first_kind(const vigil_table *t)
{
    vigil_phi_finding *f = NULL;
    size_t n = 0;
    assert_int_equal(vigil_phi_scan(t, NULL, NULL, &f, &n), 0);
    int k = n ? (int)f[0].kind : -1;
    free(f);
    return k;
}

/* Repeat one value to fill a column of n rows (cycling through the list). */
static int kind_of_values(const char *col, const char *const *vals, size_t nv)
{
    const char *v[60];
    for (size_t i = 0; i < 60; i++) v[i] = vals[i % nv];
    vigil_table *t = text_table(col, v, 60);
    int k = first_kind(t);
    vigil_table_free(t);
    return k;
}

#define ONE(col, val) kind_of_values(col, (const char *const[]){val}, 1)

static void test_value_kinds(void **state)
{
    (void)state;
    assert_int_equal(ONE("x", "123-45-6789"), VIGIL_PHI_SSN);
    assert_int_equal(ONE("x", "000-45-6789"), -1);  /* area 000 is never issued */
    assert_int_equal(ONE("x", "666-45-6789"), -1);
    assert_int_equal(ONE("x", "912-45-6789"), -1);  /* 9xx: ITINs, not SSNs */
    assert_int_equal(ONE("x", "123-00-6789"), -1);
    assert_int_equal(ONE("x", "123-45-0000"), -1);
    assert_int_equal(ONE("x", "jane.doe@example.org"), VIGIL_PHI_EMAIL);
    assert_int_equal(ONE("x", "not@an"), -1);
    assert_int_equal(ONE("x", "https://example.org/p/1"), VIGIL_PHI_URL);
    assert_int_equal(ONE("x", "192.168.10.4"), VIGIL_PHI_IP);
    assert_int_equal(ONE("x", "300.168.10.4"), -1);
    assert_int_equal(ONE("x", "2001:db8::8a2e:370:7334"), VIGIL_PHI_IP);
    assert_int_equal(ONE("x", "(212) 555-0100"), VIGIL_PHI_PHONE);
    assert_int_equal(ONE("x", "212-555-0100"), VIGIL_PHI_PHONE);
    assert_int_equal(ONE("x", "112-555-0100"), -1);  /* area codes start 2-9 */
    assert_int_equal(ONE("x", "212-155-0100"), -1);  /* exchanges start 2-9 */
    assert_int_equal(ONE("x", "2024-02-29"), VIGIL_PHI_DATE);
    assert_int_equal(ONE("x", "03/14/2021"), VIGIL_PHI_DATE);
    assert_int_equal(ONE("x", "2021-03"), VIGIL_PHI_DATE);
    assert_int_equal(ONE("x", "2021-13-01"), -1);
    assert_int_equal(ONE("x", "2021"), -1);          /* the year alone is allowed */
    assert_int_equal(ONE("admit_date", "20210314"), VIGIL_PHI_DATE); /* compact: date columns only */
    assert_int_equal(ONE("x", "20210314"), -1);
    assert_int_equal(ONE("admit_date", "20211314"), -1);
    assert_int_equal(ONE("x", "55905-0001"), VIGIL_PHI_ZIP);
    assert_int_equal(ONE("x", "1M8GDM9AXKP042788"), VIGIL_PHI_VIN);
    assert_int_equal(ONE("x", "1M8GDM9A1KP042788"), -1); /* wrong check digit */
    assert_int_equal(ONE("x", "4111 1111 1111 1111"), VIGIL_PHI_CARD);
    assert_int_equal(ONE("x", "378282246310005"), VIGIL_PHI_CARD);
    assert_int_equal(ONE("x", "4111 1111 1111 1112"), -1); /* fails Luhn */
}

static void test_names(void **state)
{
    (void)state;
    assert_int_equal(ONE("last_name", "A"), VIGIL_PHI_NAME);
    assert_int_equal(ONE("PatientName", "A"), VIGIL_PHI_NAME);
    assert_int_equal(ONE("MRN", "A"), VIGIL_PHI_RECORD_NUMBER);
    assert_int_equal(ONE("street_address", "A"), VIGIL_PHI_ADDRESS);
    assert_int_equal(ONE("ssn", "A"), VIGIL_PHI_SSN);
    assert_int_equal(ONE("email", "A"), VIGIL_PHI_EMAIL);
    assert_int_equal(ONE("fax_number", "A"), VIGIL_PHI_PHONE);
    assert_int_equal(ONE("dob", "A"), VIGIL_PHI_DATE);
    /* The same fields as non-English exports name them (issue 19). */
    assert_int_equal(ONE("apellido", "A"), VIGIL_PHI_NAME);
    assert_int_equal(ONE("Vorname", "A"), VIGIL_PHI_NAME);
    assert_int_equal(ONE("nom_de_famille", "A"), VIGIL_PHI_NAME);
    assert_int_equal(ONE("fecha_nacimiento", "A"), VIGIL_PHI_DATE);
    assert_int_equal(ONE("Geburtsdatum", "A"), VIGIL_PHI_DATE);
    assert_int_equal(ONE("dni", "A"), VIGIL_PHI_SSN);
    assert_int_equal(ONE("personnummer", "A"), VIGIL_PHI_SSN);
    assert_int_equal(ONE("nhs_number", "A"), VIGIL_PHI_RECORD_NUMBER);
    /* Ordinary clinical names are not identifiers. */
    assert_int_equal(ONE("age_band", "80+"), -1);
    assert_int_equal(ONE("edad_grupo", "80+"), -1);
    assert_int_equal(ONE("sex", "F"), -1);
    assert_int_equal(ONE("flc_grp", "3"), -1);
}

/* One stray SSN or e-mail address among a text column's levels is refused, however few rows
 * hold it: a level is what a report prints (issue 19). A stray phone-like level is not (phone
 * numbers need half the column: local codes look like them). */
static void test_stray_level(void **state)
{
    (void)state;
    const char *v[3000];
    for (size_t i = 0; i < 3000; i++) v[i] = i % 2 ? "F" : "M";
    v[1234] = "123-45-6789";
    vigil_table *t = text_table("sex", v, 3000);
    assert_int_equal(first_kind(t), VIGIL_PHI_SSN);
    /* the message says where to look (row 1234 is line 1236), never the value */
    assert_int_equal(vigil_phi_guard(t, "cases.csv", NULL, NULL, NULL, 0), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "column 'sex' looks like a Social Security number"));
    assert_non_null(strstr(vigil_error_last(), "under 1% of them match, the first at line 1236;"));
    assert_null(strstr(vigil_error_last(), "6789"));
    vigil_table_free(t);
    v[1234] = "jane.doe@example.org";
    t = text_table("site", v, 3000);
    assert_int_equal(first_kind(t), VIGIL_PHI_EMAIL);
    vigil_table_free(t);
    /* the line given is the first of the kind named: the e-mail at row 2000, not the date */
    v[1234] = "1961-03-14", v[2000] = "jane.doe@example.org";
    t = text_table("site", v, 3000);
    assert_int_equal(vigil_phi_guard(t, "cases.csv", NULL, NULL, NULL, 0), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "looks like an e-mail address"));
    assert_non_null(strstr(vigil_error_last(), "the first at line 2002;"));
    vigil_table_free(t);
    v[2000] = "F";
    v[1234] = "F";
    t = text_table("sex", v, 3000);
    assert_int_equal(first_kind(t), -1);
    vigil_table_free(t);
}

/* Age by its name in other languages: over 89 is refused as in an "age" column. */
static void test_age_names(void **state)
{
    (void)state;
    double a[100];
    for (size_t i = 0; i < 100; i++) a[i] = 40 + (double)(i % 50) + (i == 7 ? 60 : 0);
    /* accented spellings fold to their ASCII base, any case; a decomposed accent too */
    static const char *const cols[] = {"edad", "Alter", "idade", "leeftijd", "edad_anos",
                                       "\xc3\xa2ge", "\xc3\x82ge", "\xc3\x82GE", "et\xc3\xa0",
                                       "ET\xc3\x80", "\xc3\xa5lder", "\xc3\x85lder",
                                       "a\xcc\x82ge", "patient\xc3\x82ge", "EDAD"};
    for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
        vigil_table *t = num_table(cols[k], a, 100);
        if (first_kind(t) != VIGIL_PHI_AGE_OVER_89) fail_msg("'%s' with an age of 107 passed the guard", cols[k]);
        vigil_table_free(t);
    }
    /* and the other name rules read accents the same way */
    assert_int_equal(ONE("pr\xc3\xa9nom", "A"), VIGIL_PHI_NAME);
    assert_int_equal(ONE("Pr\xc3\xa9nom", "A"), VIGIL_PHI_NAME);
    /* a letter outside Latin-1 still separates, as before: no new match from it */
    assert_int_equal(ONE("\xce\xb1ge", "A"), -1);
    name_t nm;
    vigil_phi_split_name("\xc3\x82ge_\xc3\xa0_Gro\xc3\x9f" "e", &nm);
    assert_string_equal(nm.flat, "ageagrosse");
    assert_int_equal(nm.n_tok, 3);
    assert_string_equal(nm.tok[2], "grosse");
}

/* The kind that refuses column `col` given the role of the table's only column (as the case
 * id or the time axis), or -1 when it passes. */
static int role_kind(const char *col, const char *const *vals, size_t n, int as_time)
{
    vigil_table *t = text_table(col, vals, n);
    vigil_phi_finding *f = NULL;
    size_t nf = 0;
    assert_int_equal(vigil_phi_scan(t, as_time ? NULL : col, as_time ? col : NULL, &f, &nf), 0);
    int k = nf ? (int)f[0].kind : -1;
    free(f);
    vigil_table_free(t);
    return k;
}

/* A declared case id or time axis is judged by its values (issue 19: SSN and e-mail ids
 * passed predict, suite run and replay, and replay stored them): an id that is a direct
 * identifier is refused like any column holding one; unique codes, a name like mrn, and dates
 * on the time axis are what those roles are for. */
static void test_role_columns(void **state)
{
    (void)state;
    enum { N = 200 };
    static char buf[N][40];
    const char *v[N];
#define FILL(fmt, expr) for (size_t i = 0; i < N; i++) snprintf(buf[i], sizeof buf[i], fmt, expr), v[i] = buf[i]
    FILL("123-45-%04zu", 1000 + i);
    assert_int_equal(role_kind("case_id", v, N, 0), VIGIL_PHI_SSN);
    assert_int_equal(role_kind("when", v, N, 1), VIGIL_PHI_SSN);
    FILL("pat%zu@example.org", i);
    assert_int_equal(role_kind("case_id", v, N, 0), VIGIL_PHI_EMAIL);
    assert_int_equal(role_kind("when", v, N, 1), VIGIL_PHI_EMAIL);
    FILL("(212) 555-%04zu", 100 + i);
    assert_int_equal(role_kind("case_id", v, N, 0), VIGIL_PHI_PHONE);
    FILL("1961-03-%02zu", 1 + i % 28);
    assert_int_equal(role_kind("case_id", v, N, 0), VIGIL_PHI_DATE);
    assert_int_equal(role_kind("when", v, N, 1), -1);      /* dates: what a time axis holds */
    assert_int_equal(role_kind("admit_date", v, N, 1), -1);
    /* the shipped ids: FLC00004, E001, nafld1's numbers as text; unique by design */
    FILL("FLC%05zu", 4 + i);
    assert_int_equal(role_kind("case_id", v, N, 0), -1);
    FILL("E%03zu", 1 + i);
    assert_int_equal(role_kind("encounter", v, N, 0), -1);
    FILL("%zu", 10000 + 37 * i);
    assert_int_equal(role_kind("case_id", v, N, 0), -1);
    assert_int_equal(role_kind("mrn", v, N, 0), -1);       /* the id's name is the user's choice */
    assert_int_equal(role_kind("mrn", v, 50, 1), -1);
    /* one SSN among the ids is refused, however few */
    FILL("E%03zu", 1 + i);
    v[117] = "078-05-1120";
    assert_int_equal(role_kind("case_id", v, N, 0), VIGIL_PHI_SSN);
    v[117] = "jane@example.org";
    assert_int_equal(role_kind("case_id", v, N, 0), VIGIL_PHI_EMAIL);
    /* the same ids in a column with no role: near-unique text, as before */
    FILL("E%03zu", 1 + i);
    vigil_table *code = text_table("code", v, N);
    assert_int_equal(first_kind(code), VIGIL_PHI_FREE_TEXT);
    vigil_table_free(code);
#undef FILL
    /* allowed by name, as any column */
    for (size_t i = 0; i < N; i++) snprintf(buf[i], sizeof buf[i], "123-45-%04zu", 1000 + i), v[i] = buf[i];
    vigil_table *t = text_table("case_id", v, N);
    assert_int_equal(vigil_phi_guard(t, "cases.csv", "case_id", NULL, NULL, 0), VIGIL_EINVAL);
    const char *msg = vigil_error_last();
    assert_non_null(strstr(msg, "cases.csv: column 'case_id' (the case id) looks like a Social Security number"));
    assert_null(strstr(msg, "123-45"));
    vigil_phi_allow ok = {"case_id", "synthetic SSNs for a test"};
    assert_int_equal(vigil_phi_guard(t, "cases.csv", "case_id", NULL, &ok, 1), 0);
    vigil_table_free(t);
}

/* One date to the day among a text column's levels (a date of birth's form) is refused
 * however few rows hold it, as a stray SSN or e-mail is (issue 19); a year, a year-month and
 * an age band are not dates of birth; a column of dates as a whole is refused as before. */
static void test_stray_date(void **state)
{
    (void)state;
    const char *v[3000];
    static const char *const bands[] = {"40-49", "50-59", "60-69", "70-79", "80+"};
    for (size_t i = 0; i < 3000; i++) v[i] = bands[i % 5];
    static const char *const dates[] = {"1961-03-14", "03/14/1961", "14/03/1961", "1961/03/14",
                                        "3/14/61", "1961-03-14T08:30", " 1961-03-14 "};
    for (size_t k = 0; k < sizeof dates / sizeof dates[0]; k++) {
        v[1234] = dates[k];
        vigil_table *t = text_table("age_band", v, 3000);
        if (first_kind(t) != VIGIL_PHI_DATE) fail_msg("a stray '%s' level passed the guard", dates[k]);
        vigil_table_free(t);
    }
    static const char *const fine[] = {"1961", "1961-03", "50-59", "1.0-1.5", "80+"};
    for (size_t k = 0; k < sizeof fine / sizeof fine[0]; k++) {
        v[1234] = fine[k];
        vigil_table *t = text_table("age_band", v, 3000);
        if (first_kind(t) != -1) fail_msg("a stray '%s' level was refused", fine[k]);
        vigil_table_free(t);
    }
    /* a column of year-months as a whole is still a date column (half the values or more) */
    static const char *const months[] = {"2021-03", "2021-04"};
    assert_int_equal(kind_of_values("visit_month", months, 2), VIGIL_PHI_DATE);
    assert_int_equal(ONE("visit", "2024-03-01"), VIGIL_PHI_DATE);
}

static void test_numbers(void **state)
{
    (void)state;
    double age[60], lab[60], yr[60], zip[60], zip3[60], zip3r[60];
    for (size_t i = 0; i < 60; i++) {
        age[i] = 50 + (double)(i % 40);           /* 50..89 */
        lab[i] = 0.5 + 0.1 * (double)i;
        yr[i] = 1995 + (double)(i % 9);
        zip[i] = 55905;
        zip3[i] = 559;
        zip3r[i] = i % 2 ? 559 : 36;               /* 036 is restricted */
    }
    vigil_table *t = num_table("age", age, 60);
    assert_int_equal(first_kind(t), -1);
    vigil_table_free(t);
    age[7] = 93;
    t = num_table("age", age, 60);
    assert_int_equal(first_kind(t), VIGIL_PHI_AGE_OVER_89);
    vigil_table_free(t);
    t = num_table("creatinine", lab, 60);
    assert_int_equal(first_kind(t), -1);
    vigil_table_free(t);
    t = num_table("sample_yr", yr, 60);
    assert_int_equal(first_kind(t), -1);
    vigil_table_free(t);
    t = num_table("zip", zip, 60);
    assert_int_equal(first_kind(t), VIGIL_PHI_ZIP);
    vigil_table_free(t);
    t = num_table("zip3", zip3, 60);
    assert_int_equal(first_kind(t), -1);
    vigil_table_free(t);
    t = num_table("zip3", zip3r, 60);
    assert_int_equal(first_kind(t), VIGIL_PHI_ZIP);
    vigil_table_free(t);
}

static void test_free_text_and_guard(void **state)
{
    (void)state;
    char buf[60][32];
    const char *v[60];
    for (size_t i = 0; i < 60; i++) {
        snprintf(buf[i], sizeof buf[i], "note %zu about the case", i);
        v[i] = buf[i];
    }
    vigil_table *t = text_table("comment", v, 60);
    assert_int_equal(first_kind(t), VIGIL_PHI_FREE_TEXT);
    /* The id column the user declared is unique by design: not near-unique text. */
    vigil_phi_finding *f = NULL;
    size_t n = 9;
    assert_int_equal(vigil_phi_scan(t, "comment", NULL, &f, &n), 0);
    assert_int_equal(n, 0);
    free(f);
    vigil_table_free(t);

    const char *mail[] = {"jane.doe@example.org", "john@example.com"};
    for (size_t i = 0; i < 60; i++) v[i] = mail[i % 2];
    t = text_table("contact", v, 60);
    assert_int_equal(vigil_phi_guard(t, "cases.csv", NULL, NULL, NULL, 0), VIGIL_EINVAL);
    const char *msg = vigil_error_last();
    assert_non_null(strstr(msg, "cases.csv: column 'contact' looks like an e-mail address"));
    assert_non_null(strstr(msg, "--allow-column"));
    assert_null(strstr(msg, "example")); /* never the value */
    vigil_phi_allow ok = {"contact", "synthetic addresses for a test"};
    assert_int_equal(vigil_phi_guard(t, "cases.csv", NULL, NULL, &ok, 1), 0);
    vigil_phi_allow bare = {"contact", ""};
    assert_int_equal(vigil_phi_guard(t, "cases.csv", NULL, NULL, &bare, 1), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "needs a justification"));
    vigil_phi_allow other = {"contakt", "typo"};
    assert_int_equal(vigil_phi_guard(t, "cases.csv", NULL, NULL, &other, 1), VIGIL_EINVAL);
    vigil_table_free(t);
}

/* Columns the command does not load (a keep list leaves them out) are judged by name and by
 * the values of their first VIGIL_UNREAD_SAMPLE_ROWS rows for the identifiers that identify
 * on their own (an e-mail column, a phone column under a neutral name); an age column with
 * values over 89, a date column and a near-unique id are judged only where they are loaded;
 * a numeric lab column and a column mixing numbers and words are never an error there. */
static void test_unread_columns(void **state)
{
    (void)state;
    char path[] = "/tmp/vigil-phi-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "score,label,contact,age,lab,mixed,when,id,callback\n");
    for (int i = 0; i < 12000; i++)
        fprintf(f, "0.%d,%d,%s,%d,%.4f,%s,2024-03-%02d,c%05d,(212) 555-%04d\n", i % 10, i % 2,
                i % 3 ? "" : "pat@example.org", 60 + i % 40, 1.0 + i * 0.0137, i % 2 ? "12" : "high",
                1 + i % 28, i, i % 10000);
    fclose(f);
    const char *keep[] = {"score", "label"};
    vigil_csv_options o = {.keep = keep, .n_keep = 2};
    vigil_table *t = NULL;
    assert_int_equal(vigil_table_read_csv(&t, path, &o), 0);
    assert_int_equal(vigil_table_ncols(t), 2);
    assert_int_equal(vigil_table_n_unread(t), 7);
    const vigil_table *u = vigil_table_unread_sample(t);
    assert_non_null(u);
    assert_int_equal(vigil_table_nrows(u), VIGIL_UNREAD_SAMPLE_ROWS);
    assert_string_equal(vigil_table_col_name(u, 1), "age");
    assert_non_null(vigil_table_numeric(u, 1)); /* every value a number: numeric, as inference */
    assert_close(vigil_table_numeric(u, 1)[9999], 60 + 9999 % 40, 0);
    assert_null(vigil_table_numeric(u, 3));     /* "12" and "high": text */
    assert_int_equal(vigil_table_n_missing(u, 0), 6666); /* contact: 2 of 3 rows empty */

    assert_int_equal(vigil_phi_guard(t, "cases.csv", NULL, NULL, NULL, 0), VIGIL_EINVAL);
    const char *msg = vigil_error_last();
    assert_non_null(strstr(msg, "cases.csv: column 'contact' looks like an e-mail address"));
    assert_non_null(strstr(msg, "100% of those in its first 10000 rows match"));
    assert_null(strstr(msg, "example"));
    vigil_phi_allow ok[] = {{"contact", "synthetic"}, {"callback", "synthetic"}};
    assert_int_equal(vigil_phi_guard(t, "cases.csv", NULL, NULL, ok, 1), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "column 'callback' looks like a telephone"));
    /* ages over 89, dates, near-unique ids and numbers, mixed text: judged only where loaded */
    assert_int_equal(vigil_phi_guard(t, "cases.csv", NULL, NULL, ok, 2), 0);
    /* a declared id or time column is judged by value there too (issue 19) */
    assert_int_equal(vigil_phi_guard(t, "cases.csv", "contact", "callback", NULL, 0), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "column 'contact' (the case id) looks like an e-mail address"));
    assert_int_equal(vigil_phi_guard(t, "cases.csv", "contact", "callback", ok, 1), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "column 'callback' (the time column) looks like a telephone"));
    assert_int_equal(vigil_phi_guard(t, "cases.csv", "contact", "callback", ok, 2), 0);
    vigil_table_free(t);
    /* loaded, the same age column is flagged (and then the date column) */
    const char *keep2[] = {"score", "age", "when"};
    vigil_csv_options o2 = {.keep = keep2, .n_keep = 3};
    assert_int_equal(vigil_table_read_csv(&t, path, &o2), 0);
    assert_int_equal(vigil_phi_guard(t, "cases.csv", NULL, NULL, NULL, 0), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "column 'age' looks like an age over 89"));
    vigil_phi_allow age = {"age", "synthetic"};
    assert_int_equal(vigil_phi_guard(t, "cases.csv", NULL, NULL, &age, 1), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "column 'when' looks like a date"));
    /* the time axis holds dates by design (the unread contact and callback still refused) */
    assert_int_equal(vigil_phi_guard(t, "cases.csv", NULL, "when", &age, 1), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "column 'contact' looks like an e-mail"));
    vigil_phi_allow three[] = {{"age", "synthetic"}, {"contact", "synthetic"}, {"callback", "synthetic"}};
    assert_int_equal(vigil_phi_guard(t, "cases.csv", NULL, NULL, three, 3), VIGIL_EINVAL);
    assert_non_null(strstr(vigil_error_last(), "column 'when' looks like a date"));
    assert_int_equal(vigil_phi_guard(t, "cases.csv", NULL, "when", three, 3), 0);
    vigil_table_free(t);
    unlink(path);
}

/* What an error message may say about a refused cell (README, PHI section): the value only
 * for a short lower-case word in a column whose name points at no identifier. */
static void test_describe_value(void **state)
{
    char b[80];
#define D(col, v) vigil_phi_describe_value(col, v, strlen(v), b, sizeof b)
    assert_string_equal(D("score", "high"), "'high'");
    assert_string_equal(D("risk_band", "abcdefghijkl"), "'abcdefghijkl'");
    assert_string_equal(D("score", "abcdefghijklm"), "a text value of 13 bytes (not shown)");
    assert_string_equal(D("score", "High"), "a text value of 4 bytes (not shown)");
    assert_string_equal(D("score", "high risk"), "a text value of 9 bytes (not shown)");
    /* identifier-like column names hide even a word */
    assert_string_equal(D("last_name", "smith"), "a text value of 5 bytes (not shown)");
    assert_string_equal(D("age", "old"), "a text value of 3 bytes (not shown)");
    assert_string_equal(D("zip", "none"), "a text value of 4 bytes (not shown)");
    assert_string_equal(D("admit_date", "today"), "a text value of 5 bytes (not shown)");
    /* kinds, with the column's name lowering the bar as the guard does */
    assert_string_equal(D("score", "078-05-1120"), "an SSN-like value (not shown)");
    assert_string_equal(D("ssn", "078051120"), "an SSN-like value (not shown)");
    assert_string_equal(D("score", "078051120"), "a text value of 9 bytes (not shown)");
    assert_string_equal(D("score", "a.b@c.org"), "an e-mail-like value (not shown)");
    assert_string_equal(D("score", "https://x.org/p"), "a URL (not shown)");
    assert_string_equal(D("score", "10.0.0.1"), "an IP-address-like value (not shown)");
    assert_string_equal(D("score", "212-555-0100"), "a phone-number-like value (not shown)");
    assert_string_equal(D("score", "1961-07-04"), "a date-like value (not shown)");
    assert_string_equal(D("score", "12345-6789"), "a ZIP+4-like value (not shown)");
    assert_string_equal(D("score", "4111 1111 1111 1111"), "a card-number-like value (not shown)");
    assert_string_equal(D("score", "1M8GDM9AXKP042788"), "a VIN-like value (not shown)");
    assert_string_equal(vigil_phi_describe_value("score", "ab\0c", 4, b, sizeof b),
                        "a text value of 4 bytes (not shown)");
#undef D
}

int main(void)
{
    vigil_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_kinds),
        cmocka_unit_test(test_names), cmocka_unit_test(test_stray_level), cmocka_unit_test(test_age_names),
        cmocka_unit_test(test_role_columns), cmocka_unit_test(test_stray_date),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_free_text_and_guard),
        cmocka_unit_test(test_unread_columns),
        cmocka_unit_test(test_describe_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
