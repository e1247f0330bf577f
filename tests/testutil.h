/* Shared by the cmocka unit tests. Tests run from the repository root.
 *
 * Golden values come from peers (scipy, scikit-learn, R, xgboost) through scripts in
 * tests/reference/ that write JSON files beside them; tu_load_json() reads one. */
#ifndef VIGIL_TESTUTIL_H
#define VIGIL_TESTUTIL_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "vigil/vigil.h"

/* |a - b| <= tol, both NaN counts as equal; prints both values on failure. */
#define assert_close(a, b, tol)                                                              \
    do {                                                                                     \
        double a_ = (a), b_ = (b), t_ = (tol);                                               \
        if (!((isnan(a_) && isnan(b_)) || fabs(a_ - b_) <= t_)) {                            \
            print_error("%s:%d: %s = %.17g, expected %.17g (|diff| %.3g > tol %.3g)\n",      \
                        __FILE__, __LINE__, #a, a_, b_, fabs(a_ - b_), t_);                  \
            fail();                                                                          \
        }                                                                                    \
    } while (0)

/* The CUDA parity tests' gate: where no CUDA device answers they are skipped, visibly; where
 * VIGIL_TEST_REQUIRE_CUDA is set (bench/gpu.sh on a GPU machine) that is a failure naming the
 * runtime's reason, so a device that is present but unusable never passes as a skip. */
#define TU_REQUIRE_CUDA(what)                                                                    \
    do {                                                                                         \
        if (!vigil_cuda_available()) {                                                           \
            if (getenv("VIGIL_TEST_REQUIRE_CUDA"))                                               \
                fail_msg("%s: VIGIL_TEST_REQUIRE_CUDA is set but %s", what,                      \
                         vigil_backend_describe(VIGIL_BACKEND_CUDA));                            \
            fprintf(stderr, "SKIP: %s not checked here (%s)\n", what,                            \
                    vigil_backend_describe(VIGIL_BACKEND_CUDA));                                 \
            skip();                                                                              \
        }                                                                                        \
    } while (0)

/* Parse a JSON file; fails the test when it cannot be read. Caller cJSON_Delete()s. */
static inline cJSON *tu_load_json(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        print_error("cannot open %s (run from the repository root)\n", path);
        fail();
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    cJSON *j = cJSON_Parse(s);
    free(s);
    if (!j) {
        print_error("%s is not valid JSON\n", path);
        fail();
    }
    return j;
}

/* A JSON array of numbers (null -> NaN) as a malloc'd double array; *n gets the length. */
static inline double *tu_json_doubles(const cJSON *arr, size_t *n)
{
    size_t k = (size_t)cJSON_GetArraySize(arr);
    double *v = malloc((k ? k : 1) * sizeof *v);
    assert_non_null(v);
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, arr) v[i++] = cJSON_IsNumber(e) ? e->valuedouble : NAN;
    *n = k;
    return v;
}

/* Number member of an object (null -> NaN); fails when absent. */
static inline double tu_num(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) {
        print_error("reference value '%s' missing\n", key);
        fail();
    }
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* Write `text` to a fresh temporary file and return its path (static buffer per call site). */
static inline const char *tu_temp_file(char *path_buf, size_t cap, const char *text)
{
    snprintf(path_buf, cap, "/tmp/vigil-test-XXXXXX");
    int fd = mkstemp(path_buf);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path_buf;
}

#endif
