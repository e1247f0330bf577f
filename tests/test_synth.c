/* The synthetic case writer's calendar (it uses the core day parser: leap years and days before
 * 1970) and the one streaming SHA-256 every digest goes through (core/util.h). */
#include "testutil.h"
#include "core/util.h"

#include <unistd.h>

/* The `date` column (the second field) of a written file's last row. */
static void last_date(const char *path, char out[16])
{
    char *text;
    size_t len;
    assert_int_equal(vigil_read_file(path, &text, &len), VIGIL_OK);
    while (len && text[len - 1] == '\n') text[--len] = '\0';
    const char *row = strrchr(text, '\n');
    assert_non_null(row);
    const char *c = strchr(row, ',');
    assert_non_null(c);
    snprintf(out, 16, "%.10s", c + 1);
    free(text);
}

static int synth(const char *end, size_t days, char last[16])
{
    char p[] = "/tmp/vigil-test-synth-XXXXXX";
    int fd = mkstemp(p);
    assert_true(fd >= 0);
    close(fd);
    vigil_synth_options o;
    vigil_synth_defaults(&o);
    o.rows = 20;
    o.features = 2;
    o.days = days;
    o.end_date = end;
    int rc = vigil_synth_write(&o, p);
    if (rc == VIGIL_OK) last_date(p, last);
    unlink(p);
    return rc;
}

static void test_calendar(void **state)
{
    char last[16];
    assert_int_equal(synth("2024-02-29", 3, last), VIGIL_OK); /* a leap day */
    assert_string_equal(last, "2024-02-29");
    assert_int_equal(synth("2025-02-29", 3, last), VIGIL_EINVAL); /* not one: timegm would roll it */
    assert_int_equal(synth("2026-02-30", 3, last), VIGIL_EINVAL);
    assert_int_equal(synth("1969-12-31", 10, last), VIGIL_OK);   /* before 1970: was refused */
    assert_string_equal(last, "1969-12-31");
    assert_int_equal(synth("1960-03-01", 5, last), VIGIL_OK);
    assert_string_equal(last, "1960-03-01");
    assert_int_equal(synth("2026-1-1", 3, last), VIGIL_EINVAL);
}

static void test_sha256_streaming(void **state)
{
    /* FIPS 180-2's "abc" vector, fed whole, in pieces and through a file. */
    const char *abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    char hex[65], p[64];
    vigil_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, abc);
    vigil_sha256 *h = vigil_sha256_new();
    assert_non_null(h);
    vigil_sha256_add(h, "a", 1);
    vigil_sha256_add(h, "", 0);
    vigil_sha256_add(h, "bc", 2);
    vigil_sha256_final(h, hex);
    vigil_sha256_free(h);
    vigil_sha256_free(NULL);
    assert_string_equal(hex, abc);
    uint64_t bytes = 0;
    tu_temp_file(p, sizeof p, "abc");
    assert_int_equal(vigil_sha256_file(p, hex, &bytes), VIGIL_OK);
    assert_string_equal(hex, abc);
    assert_int_equal(bytes, 3);
    unlink(p);
    /* the CSV reader's digest is of exactly the bytes it parsed */
    const char *csv = "a,b\n1,2\n3,4\n";
    char want[65];
    vigil_sha256_hex(csv, strlen(csv), want);
    tu_temp_file(p, sizeof p, csv);
    vigil_table *t;
    assert_int_equal(vigil_table_read_csv(&t, p, NULL), VIGIL_OK);
    assert_string_equal(vigil_table_sha256(t, &bytes), want);
    assert_int_equal(bytes, strlen(csv));
    vigil_table_free(t);
    unlink(p);
}

int main(void)
{
    vigil_init();
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_calendar),
                                       cmocka_unit_test(test_sha256_streaming)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
