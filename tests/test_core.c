/* Internal core mechanisms every engine shares: the parallel for-loop (its error propagation
 * and its coverage of [0, n)), the JSON writers and getters, the warning callback. */
#include "testutil.h"

#include "core/json.h"
#include "core/parallel.h"
#include "core/sort.h"

#include <stdatomic.h>

typedef struct {
    atomic_int *hits;
    size_t fail_at; /* item that fails; SIZE_MAX: none */
    int max_worker;
    atomic_int workers_seen;
} pf_ctx;

static int visit(void *ctx, size_t b, size_t e, int w)
{
    pf_ctx *c = ctx;
    if (w < 0 || w >= c->max_worker) return vigil_error_set(VIGIL_EINTERNAL, "worker %d out of range", w);
    for (size_t i = b; i < e; i++) {
        if (i == c->fail_at) return vigil_error_set(VIGIL_EINVAL, "item %zu is bad", i);
        atomic_fetch_add(&c->hits[i], 1);
    }
    return VIGIL_OK;
}

static void test_parallel_for(void **state)
{
    (void)state;
    size_t n = 10007;
    atomic_int *hits = calloc(n, sizeof *hits);
    assert_non_null(hits);
    int threads[] = {1, 2, 7, 0};
    size_t chunks[] = {1, 13, 100000};
    for (size_t t = 0; t < 4; t++)
        for (size_t k = 0; k < 3; k++) {
            for (size_t i = 0; i < n; i++) atomic_store(&hits[i], 0);
            pf_ctx c = {hits, SIZE_MAX, vigil_parallel_workers(threads[t], n, chunks[k]), 0};
            assert_int_equal(vigil_parallel_for(threads[t], n, chunks[k], visit, &c), VIGIL_OK);
            for (size_t i = 0; i < n; i++) assert_int_equal(atomic_load(&hits[i]), 1);
        }
    /* the failing item's own code and message come back, not "out of memory" */
    for (size_t t = 0; t < 4; t++) {
        vigil_error_clear();
        pf_ctx c = {hits, 4321, vigil_parallel_workers(threads[t], n, 7), 0};
        assert_int_equal(vigil_parallel_for(threads[t], n, 7, visit, &c), VIGIL_EINVAL);
        assert_string_equal(vigil_error_last(), "item 4321 is bad");
    }
    assert_int_equal(vigil_parallel_for(4, 0, 1, visit, NULL), VIGIL_OK);
    assert_int_equal(vigil_parallel_workers(64, 3, 1), 3);
    assert_int_equal(vigil_parallel_workers(64, 10, 4), 3);
    assert_int_equal(vigil_parallel_workers(1, 1000, 1), 1);
    free(hits);
}

/* The radix argsort with its sorted values against a stable comparison sort (ties by row):
 * ties, negatives, -0.0 beside 0.0 (one key: tied, in row order), infinities, n = 0 and 1. */
static const double *g_sort_x;
static int by_value_then_row(const void *a, const void *b)
{
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    double x = g_sort_x[i], y = g_sort_x[j];
    return x < y ? -1 : x > y ? 1 : (i > j) - (i < j);
}

static void test_sort_order_values(void **state)
{
    (void)state;
    enum { N = 5000 };
    double *x = malloc(N * sizeof *x), *sorted = malloc(N * sizeof *sorted);
    uint32_t *order = malloc(N * sizeof *order), *ref = malloc(N * sizeof *ref);
    assert_non_null(x), assert_non_null(sorted), assert_non_null(order), assert_non_null(ref);
    uint64_t r = 88172645463325252ull;
    for (size_t i = 0; i < N; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        static const double special[] = {0.0, -0.0, 1.0, -1.5, 1e-300, -INFINITY, INFINITY, 0.25};
        x[i] = r % 3 == 0 ? special[(r >> 8) % 8] : (double)(int)((r >> 16) % 200 - 100) / 8; /* many ties */
        ref[i] = (uint32_t)i;
    }
    g_sort_x = x;
    qsort(ref, N, sizeof *ref, by_value_then_row);
    size_t sizes[] = {0, 1, 2, 17, N};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        size_t n = sizes[k];
        uint32_t *want = ref;
        if (n < N) { /* the reference for the first n rows */
            want = malloc((n ? n : 1) * sizeof *want);
            assert_non_null(want);
            for (size_t i = 0; i < n; i++) want[i] = (uint32_t)i;
            qsort(want, n, sizeof *want, by_value_then_row);
        }
        assert_int_equal(vigil_sort_order_values(x, n, order, sorted), VIGIL_OK);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(order[i], want[i]);
            assert_true(sorted[i] == x[order[i]]);
            assert_false(signbit(sorted[i]) && sorted[i] == 0); /* -0.0 comes back as 0.0 */
        }
        assert_int_equal(vigil_sort_order_values(x, n, order, NULL), VIGIL_OK); /* values not wanted */
        for (size_t i = 0; i < n; i++) assert_int_equal(order[i], want[i]);
        if (want != ref) free(want);
    }
    free(x), free(sorted), free(order), free(ref);
}

static void test_json(void **state)
{
    (void)state;
    cJSON *o = cJSON_CreateObject();
    vigil_json_add_number(o, "a", 1.5);
    vigil_json_add_number(o, "nan", NAN);
    vigil_json_add_number(o, "inf", INFINITY);
    cJSON *in = cJSON_AddObjectToObject(o, "in");
    cJSON_AddStringToObject(in, "s", "x");
    cJSON *arr = cJSON_AddArrayToObject(in, "arr");
    vigil_json_append_number(arr, NAN);
    char *txt = cJSON_PrintUnformatted(o);
    assert_string_equal(txt, "{\"a\":1.5,\"nan\":null,\"inf\":null,\"in\":{\"s\":\"x\",\"arr\":[null]}}");
    free(txt);
    assert_close(vigil_json_get_number(o, "a"), 1.5, 0);
    assert_true(isnan(vigil_json_get_number(o, "nan")));
    assert_true(isnan(vigil_json_get_number(o, "in.s")));
    assert_true(isnan(vigil_json_get_number(o, "missing.deeper")));
    assert_string_equal(vigil_json_get_string(o, "in.s"), "x");
    assert_null(vigil_json_get_string(o, "a"));
    assert_ptr_equal(vigil_json_get(o, "in.arr"), arr);
    assert_ptr_equal(vigil_json_get(o, ""), o);
    cJSON_Delete(o);
}

static void collect(const char *msg, void *ctx) { snprintf(ctx, 128, "%s", msg); }

static void test_warnings(void **state)
{
    (void)state;
    char got[128] = "";
    vigil_warn("dropped %d", 1); /* no handler: nothing happens */
    vigil_warn_set_handler(collect, got);
    vigil_warn("CUDA failed (%s); on the CPU instead", "x");
    assert_string_equal(got, "CUDA failed (x); on the CPU instead");
    vigil_warn_set_handler(NULL, NULL);
    vigil_warn("after");
    assert_string_equal(got, "CUDA failed (x); on the CPU instead");
}

int main(void)
{
    vigil_init();
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_parallel_for), cmocka_unit_test(test_sort_order_values),
                                       cmocka_unit_test(test_json),
                                       cmocka_unit_test(test_warnings)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
