/* The registry of backends and the one selection and fallback rule (see backend_impl.h). The
 * only file that knows which backends a build has: a backend is a folder exporting one
 * vigil_backend_i, one line below and one Makefile switch. */
#include "backend/backend_impl.h"

#include "model/model_internal.h"
#include "vigil/error.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifdef VIGIL_HAVE_CUDA
#include "backend/cuda/cuda.h"
#endif

/* Order is preference: AUTO takes the first that is available and has the op. CPU last. */
static const vigil_backend_i *const registry[] = {
#ifdef VIGIL_HAVE_CUDA
    &vigil_backend_cuda,
#endif
    &vigil_backend_cpu,
};
#define N_REGISTERED (sizeof registry / sizeof registry[0])

static const vigil_backend_i *injected; /* tests: a fake backend ahead of the others */

size_t vigil_backend_count(void) { return N_REGISTERED + (injected != NULL); }

const vigil_backend_i *vigil_backend_at(size_t i)
{
    if (injected) {
        if (i == 0) return injected;
        i--;
    }
    return i < N_REGISTERED ? registry[i] : NULL;
}

void vigil_backend_test_inject(const vigil_backend_i *b) { injected = b; }

static int has_op(const vigil_backend_i *b, vigil_backend_op op)
{
    switch (op) {
    case VIGIL_OP_PREDICT_TREES: return b->predict_trees != NULL;
    case VIGIL_OP_PREDICT_LINEAR: return b->predict_linear != NULL;
    case VIGIL_OP_PREDICT_MLP: return b->predict_mlp != NULL;
    case VIGIL_OP_TREESHAP: return b->treeshap != NULL;
    case VIGIL_OP_MMD: return b->mmd != NULL;
    case VIGIL_OP_BOOTSTRAP: return b->bootstrap != NULL;
    case VIGIL_OP_COUNT: break;
    }
    return 0;
}

static int is_available(const vigil_backend_i *b, char *why, size_t cap)
{
    if (cap) why[0] = '\0';
    return !b->available || b->available(why, cap);
}

static const vigil_backend_i *find(vigil_backend_kind k)
{
    for (size_t i = 0; i < vigil_backend_count(); i++)
        if (vigil_backend_at(i)->kind == k) return vigil_backend_at(i);
    return NULL;
}

const char *vigil_backend_name(vigil_backend_kind k)
{
    return k == VIGIL_BACKEND_CPU ? "cpu" : k == VIGIL_BACKEND_CUDA ? "cuda" : "auto";
}

int vigil_backend_threads(int threads)
{
    if (threads > 0) return threads;
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c > 0 ? (int)c : 1;
}

int vigil_backend_build_has(vigil_backend_kind k)
{
    return k == VIGIL_BACKEND_AUTO || find(k) != NULL;
}

int vigil_backend_available(vigil_backend_kind k)
{
    if (k == VIGIL_BACKEND_AUTO) return 1;
    const vigil_backend_i *b = find(k);
    char why[8];
    return b && is_available(b, why, sizeof why);
}

int vigil_cuda_available(void) { return vigil_backend_available(VIGIL_BACKEND_CUDA); }

const char *vigil_backend_describe(vigil_backend_kind k)
{
    static _Thread_local char text[512];
    if (k == VIGIL_BACKEND_AUTO) k = VIGIL_BACKEND_CPU;
    const vigil_backend_i *b = find(k);
    if (!b) snprintf(text, sizeof text, "%s: not in this build (%s=0)", vigil_backend_name(k),
                     k == VIGIL_BACKEND_CUDA ? "CUDA" : "?");
    else if (b->describe) b->describe(text, sizeof text);
    else snprintf(text, sizeof text, "%s", b->name);
    return text;
}
int vigil_backend_check(vigil_backend_kind want)
{
    if (want == VIGIL_BACKEND_AUTO || want == VIGIL_BACKEND_CPU) return VIGIL_OK;
    const char *name = vigil_backend_name(want);
    const vigil_backend_i *b = find(want);
    if (!b) {
        char up[16];
        size_t i = 0;
        for (; name[i] && i + 1 < sizeof up; i++) up[i] = (char)toupper((unsigned char)name[i]);
        up[i] = '\0';
        return vigil_error_set(VIGIL_EINVAL, "--backend %s: this build has no %s backend (it was built with %s=0)",
                               name, up, up);
    }
    char why[256];
    if (!is_available(b, why, sizeof why))
        return vigil_error_set(VIGIL_EINVAL, "--backend %s: %s", name, why[0] ? why : "not available on this machine");
    return VIGIL_OK;
}

double vigil_backend_work(double units, int threads) { return units / (double)vigil_backend_threads(threads); }

int vigil_backend_select(const vigil_backend_i **out, vigil_backend_kind want, vigil_backend_op op, double work)
{
    *out = &vigil_backend_cpu;
    if (want == VIGIL_BACKEND_CPU) return VIGIL_OK;
    if (want != VIGIL_BACKEND_AUTO) {
        int rc = vigil_backend_check(want);
        if (rc) return rc;
        const vigil_backend_i *b = find(want);
        if (has_op(b, op)) *out = b;
        return VIGIL_OK;
    }
    char why[8];
    for (size_t i = 0; i < vigil_backend_count(); i++) {
        const vigil_backend_i *b = vigil_backend_at(i);
        if (has_op(b, op) && work >= b->min_work[op] && is_available(b, why, sizeof why)) {
            *out = b;
            return VIGIL_OK;
        }
    }
    return VIGIL_OK;
}

int vigil_backend_run(vigil_backend_kind want, vigil_backend_op op, const char *what, double work,
                      vigil_backend_call call, void *ctx, vigil_backend_kind *used)
{
    const vigil_backend_i *b;
    int rc = vigil_backend_select(&b, want, op, work);
    if (rc) return rc;
    rc = call(b, ctx);
    if (rc != VIGIL_OK && b != &vigil_backend_cpu && want != VIGIL_BACKEND_AUTO) {
        char err[512];
        snprintf(err, sizeof err, "%s", vigil_error_last());
        return vigil_error_set(VIGIL_EBACKEND, "--backend %s failed in %s: %s (--backend auto would run it on the CPU)",
                               b->name, what, err);
    }
    if (rc != VIGIL_OK && b != &vigil_backend_cpu) {
        vigil_warn("%s backend failed in %s (%s); running it on the CPU instead", b->name, what, vigil_error_last());
        b = &vigil_backend_cpu;
        rc = call(b, ctx);
        if (rc == VIGIL_OK) vigil_error_clear(); /* the device's error is history once the CPU succeeded */
    }
    if (rc == VIGIL_OK && used) *used = b->kind;
    return rc;
}

/* ---- per-model state ---- */

int vigil_backend_model_state(const vigil_model *cm, const vigil_backend_i *b, void **state)
{
    vigil_model *m = (vigil_model *)cm; /* the cache is not part of the model's value */
    *state = NULL;
    if (!b->prepare) return VIGIL_OK;
    int rc = VIGIL_OK;
    pthread_mutex_lock(&m->backend_mu);
    size_t i = 0;
    while (i < m->n_backend_states && m->backend_states[i].backend != b) i++;
    if (i < m->n_backend_states) {
        *state = m->backend_states[i].state;
    } else if (i == VIGIL_MODEL_BACKEND_STATES) {
        rc = vigil_error_set(VIGIL_EINTERNAL, "more than %d backends prepared one model", VIGIL_MODEL_BACKEND_STATES);
    } else if ((rc = b->prepare(m, state)) == VIGIL_OK) {
        m->backend_states[i].backend = b;
        m->backend_states[i].state = *state;
        m->n_backend_states++;
    }
    pthread_mutex_unlock(&m->backend_mu);
    return rc;
}

void vigil_backend_model_release(vigil_model *m)
{
    for (size_t i = 0; i < m->n_backend_states; i++) {
        const vigil_backend_i *b = m->backend_states[i].backend;
        if (b->release) b->release(m->backend_states[i].state);
    }
    m->n_backend_states = 0;
}
