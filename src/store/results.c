/* The in-memory results list; see include/vigil/results.h. */
#include "vigil/results.h"
#include "vigil/error.h"
#include "core/util.h"

#include <stdlib.h>

typedef struct {
    char *scope, *name;
    double value, lo, hi;
} metric_row;

typedef struct {
    char *name, *body;
} doc_row;

struct vigil_results {
    metric_row *m;
    size_t nm, capm;
    doc_row *d;
    size_t nd, capd;
};

int vigil_results_new(vigil_results **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? VIGIL_OK : vigil_error_set(VIGIL_ENOMEM, "out of memory");
}

void vigil_results_free(vigil_results *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->nm; i++) free(r->m[i].scope), free(r->m[i].name);
    for (size_t i = 0; i < r->nd; i++) free(r->d[i].name), free(r->d[i].body);
    free(r->m);
    free(r->d);
    free(r);
}

int vigil_results_add_metric(vigil_results *r, const char *scope, const char *name, double value,
                             double ci_low, double ci_high)
{
    if (r->nm == r->capm) {
        size_t nc = r->capm ? r->capm * 2 : 64;
        metric_row *nm = realloc(r->m, nc * sizeof *nm);
        if (!nm) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
        r->m = nm;
        r->capm = nc;
    }
    metric_row *m = &r->m[r->nm];
    m->scope = vigil_strdup(scope);
    m->name = vigil_strdup(name);
    if (!m->scope || !m->name) {
        free(m->scope);
        free(m->name);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    m->value = value;
    m->lo = ci_low;
    m->hi = ci_high;
    r->nm++;
    return VIGIL_OK;
}

int vigil_results_add_document(vigil_results *r, const char *name, const char *json_text)
{
    if (r->nd == r->capd) {
        size_t nc = r->capd ? r->capd * 2 : 8;
        doc_row *nd = realloc(r->d, nc * sizeof *nd);
        if (!nd) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
        r->d = nd;
        r->capd = nc;
    }
    doc_row *d = &r->d[r->nd];
    d->name = vigil_strdup(name);
    d->body = vigil_strdup(json_text);
    if (!d->name || !d->body) {
        free(d->name);
        free(d->body);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    r->nd++;
    return VIGIL_OK;
}

size_t vigil_results_n_metrics(const vigil_results *r) { return r ? r->nm : 0; }

void vigil_results_metric(const vigil_results *r, size_t i, const char **scope, const char **name,
                          double *value, double *ci_low, double *ci_high)
{
    const metric_row *m = &r->m[i];
    if (scope) *scope = m->scope;
    if (name) *name = m->name;
    if (value) *value = m->value;
    if (ci_low) *ci_low = m->lo;
    if (ci_high) *ci_high = m->hi;
}

size_t vigil_results_n_documents(const vigil_results *r) { return r ? r->nd : 0; }

void vigil_results_document(const vigil_results *r, size_t i, const char **name, const char **json_text)
{
    if (name) *name = r->d[i].name;
    if (json_text) *json_text = r->d[i].body;
}
