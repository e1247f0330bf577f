/* See core/parallel.h. */
#include "core/parallel.h"

#include "vigil/backend.h"
#include "vigil/error.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    vigil_range_fn fn;
    void *ctx;
    size_t n, chunk;
    atomic_size_t next;
    atomic_int failed;
    pthread_mutex_t mu;
    int code;      /* first failure, under mu */
    char msg[2048];
} pool;

typedef struct {
    pool *p;
    int worker;
} seat;

static void *run(void *arg)
{
    seat *s = arg;
    pool *p = s->p;
    while (!atomic_load(&p->failed)) {
        size_t b = atomic_fetch_add(&p->next, p->chunk);
        if (b >= p->n) break;
        size_t e = b + p->chunk < p->n ? b + p->chunk : p->n;
        int rc = p->fn(p->ctx, b, e, s->worker);
        if (rc != VIGIL_OK) {
            pthread_mutex_lock(&p->mu);
            if (!atomic_load(&p->failed)) {
                p->code = rc;
                strncpy(p->msg, vigil_error_last(), sizeof p->msg - 1);
                atomic_store(&p->failed, 1);
            }
            pthread_mutex_unlock(&p->mu);
            break;
        }
    }
    return NULL;
}

int vigil_parallel_workers(int threads, size_t n, size_t chunk)
{
    if (chunk == 0) chunk = 1;
    size_t T = (size_t)vigil_backend_threads(threads), jobs = n / chunk + (n % chunk != 0);
    if (T > jobs) T = jobs;
    return T < 1 ? 1 : (int)T;
}

int vigil_parallel_for(int threads, size_t n, size_t chunk, vigil_range_fn fn, void *ctx)
{
    if (n == 0) return VIGIL_OK;
    if (chunk == 0) chunk = 1;
    int T = vigil_parallel_workers(threads, n, chunk);
    pool p = {.fn = fn, .ctx = ctx, .n = n, .chunk = chunk, .code = VIGIL_OK};
    atomic_init(&p.next, 0);
    atomic_init(&p.failed, 0);
    pthread_mutex_init(&p.mu, NULL);
    seat one = {&p, 0}, *seats = T > 1 ? malloc((size_t)T * sizeof *seats) : &one;
    pthread_t *tid = T > 1 ? malloc((size_t)T * sizeof *tid) : NULL;
    int started = 1;
    if (T > 1 && seats && tid) {
        for (int t = 0; t < T; t++) seats[t] = (seat){&p, t};
        /* Worker numbers stay dense: a thread that fails to start ends the loop. */
        while (started < T && pthread_create(&tid[started], NULL, run, &seats[started]) == 0) started++;
    } else {
        if (seats != &one) free(seats);
        seats = &one;
    }
    run(&seats[0]);
    for (int t = 1; t < started; t++) pthread_join(tid[t], NULL);
    if (seats != &one) free(seats);
    free(tid);
    pthread_mutex_destroy(&p.mu);
    if (p.code != VIGIL_OK) return vigil_error_set(p.code, "%s", p.msg);
    return VIGIL_OK;
}
