/* Internal core mechanisms every engine shares: the parallel for-loop (its error propagation
 * and its coverage of [0, n)), the JSON writers and getters, the warning callback. */
#include "testutil.h"

#include "core/json.h"
#include "core/parallel.h"

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
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_parallel_for), cmocka_unit_test(test_json),
                                       cmocka_unit_test(test_warnings)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
