/* The vigil-linear and vigil-mlp model formats (README.md, "Model formats"): strict loading
 * and double-precision scoring. */
#include "model/model_internal.h"

#include "core/util.h"
#include "vigil/error.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bad(const char *file, const char *jp, const char *what)
{
    return vigil_error_set(VIGIL_EINVAL, "%s: %s: %s", file, jp, what);
}

static int keys(const char *file, const char *jp, const cJSON *o, const char *const *allowed)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, o)
    {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], e->string) != 0) i++;
        if (!allowed[i]) {
            vigil_sbuf b = {0};
            for (i = 0; allowed[i]; i++) vigil_sbuf_printf(&b, "%s%s", i ? ", " : "", allowed[i]);
            int rc = vigil_error_set(VIGIL_EINVAL, "%s: %s: unknown key '%s' (accepted: %s)", file, jp,
                                     e->string, b.s ? b.s : "");
            vigil_sbuf_free(&b);
            return rc;
        }
    }
    return VIGIL_OK;
}

static int reals(const char *file, const char *jp, const cJSON *a, size_t n, double *out)
{
    if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != n) {
        char m[96];
        snprintf(m, sizeof m, "expected an array of %zu numbers", n);
        return bad(file, jp, m);
    }
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, a)
    {
        if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble)) {
            char m[96];
            snprintf(m, sizeof m, "entry %zu is not a finite number", i);
            return bad(file, jp, m);
        }
        out[i++] = e->valuedouble;
    }
    return VIGIL_OK;
}

static int features(vigil_model *m, const char *file, const cJSON *root)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(root, "features");
    if (!cJSON_IsArray(f) || cJSON_GetArraySize(f) < 1) return bad(file, "$.features", "expected a non-empty array of names");
    m->n_features = (size_t)cJSON_GetArraySize(f);
    if (!(m->feature_names = calloc(m->n_features, sizeof *m->feature_names))) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    size_t j = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, f)
    {
        if (!cJSON_IsString(e) || !e->valuestring[0]) return bad(file, "$.features", "expected names (strings)");
        for (size_t k = 0; k < j; k++)
            if (strcmp(m->feature_names[k], e->valuestring) == 0) return bad(file, "$.features", "a feature is named twice");
        if (!(m->feature_names[j++] = vigil_strdup(e->valuestring))) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    return VIGIL_OK;
}

static int check_version(const char *file, const cJSON *root)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (!cJSON_IsNumber(v) || v->valuedouble != 1) return bad(file, "$.version", "expected 1");
    return VIGIL_OK;
}

int vigil_linear_parse(vigil_model *m, const char *file, const cJSON *root)
{
    static const char *const k[] = {"format", "version", "name", "features", "coefficients", "intercept", "link", NULL};
    int rc;
    if ((rc = keys(file, "$", root, k)) || (rc = check_version(file, root)) || (rc = features(m, file, root))) return rc;
    if (!(m->linear.coef = malloc(m->n_features * sizeof *m->linear.coef))) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    if ((rc = reals(file, "$.coefficients", cJSON_GetObjectItemCaseSensitive(root, "coefficients"), m->n_features, m->linear.coef)))
        return rc;
    const cJSON *ic = cJSON_GetObjectItemCaseSensitive(root, "intercept");
    if (!cJSON_IsNumber(ic) || !isfinite(ic->valuedouble)) return bad(file, "$.intercept", "expected a finite number");
    m->linear.intercept = ic->valuedouble;
    const cJSON *link = cJSON_GetObjectItemCaseSensitive(root, "link");
    if (!cJSON_IsString(link)) return bad(file, "$.link", "expected \"logit\" or \"identity\"");
    if (strcmp(link->valuestring, "logit") == 0) m->linear.link = VIGIL_LINK_LOGIT;
    else if (strcmp(link->valuestring, "identity") == 0) m->linear.link = VIGIL_LINK_IDENTITY;
    else return bad(file, "$.link", "expected \"logit\" or \"identity\"");
    m->n_outputs = 1;
    char d[160];
    snprintf(d, sizeof d, "vigil-linear (%s link), %zu features", link->valuestring, m->n_features);
    return (m->describe = vigil_strdup(d)) ? VIGIL_OK : vigil_error_set(VIGIL_ENOMEM, "out of memory");
}

static int activation(const char *file, const char *jp, const cJSON *a, vigil_activation *out)
{
    static const char *const names[] = {"identity", "relu", "tanh", "sigmoid", "softmax"};
    if (cJSON_IsString(a))
        for (int i = 0; i < 5; i++)
            if (strcmp(a->valuestring, names[i]) == 0) {
                *out = (vigil_activation)i;
                return VIGIL_OK;
            }
    return bad(file, jp, "expected relu, tanh, sigmoid, softmax or identity");
}

int vigil_mlp_parse(vigil_model *m, const char *file, const cJSON *root)
{
    static const char *const k[] = {"format", "version", "name", "features", "input", "layers", NULL};
    static const char *const lk[] = {"weights", "bias", "activation", NULL};
    vigil_mlp *p = &m->mlp;
    int rc;
    char jp[96];
    if ((rc = keys(file, "$", root, k)) || (rc = check_version(file, root)) || (rc = features(m, file, root))) return rc;
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(root, "input");
    if (in) {
        static const char *const ik[] = {"mean", "scale", NULL};
        if (!cJSON_IsObject(in) || (rc = keys(file, "$.input", in, ik))) return rc ? rc : bad(file, "$.input", "expected an object");
        p->mean = malloc(m->n_features * sizeof *p->mean), p->scale = malloc(m->n_features * sizeof *p->scale);
        if (!p->mean || !p->scale) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
        if ((rc = reals(file, "$.input.mean", cJSON_GetObjectItemCaseSensitive(in, "mean"), m->n_features, p->mean)) ||
            (rc = reals(file, "$.input.scale", cJSON_GetObjectItemCaseSensitive(in, "scale"), m->n_features, p->scale)))
            return rc;
        for (size_t j = 0; j < m->n_features; j++)
            if (!(p->scale[j] > 0)) return bad(file, "$.input.scale", "scales must be positive");
    }
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(root, "layers");
    if (!cJSON_IsArray(layers) || cJSON_GetArraySize(layers) < 1) return bad(file, "$.layers", "expected a non-empty array");
    size_t L = (size_t)cJSON_GetArraySize(layers);
    p->n_layers = L;
    p->n_in = calloc(L, sizeof *p->n_in), p->n_out = calloc(L, sizeof *p->n_out);
    p->W = calloc(L, sizeof *p->W), p->b = calloc(L, sizeof *p->b), p->act = calloc(L, sizeof *p->act);
    if (!p->n_in || !p->n_out || !p->W || !p->b || !p->act) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    size_t width = m->n_features, l = 0;
    const cJSON *ly;
    cJSON_ArrayForEach(ly, layers)
    {
        snprintf(jp, sizeof jp, "$.layers[%zu]", l);
        if (!cJSON_IsObject(ly)) return bad(file, jp, "expected an object");
        if ((rc = keys(file, jp, ly, lk))) return rc;
        const cJSON *w = cJSON_GetObjectItemCaseSensitive(ly, "weights");
        if (!cJSON_IsArray(w) || cJSON_GetArraySize(w) < 1) return bad(file, jp, "weights: expected one row per unit");
        size_t units = (size_t)cJSON_GetArraySize(w);
        p->n_in[l] = width, p->n_out[l] = units;
        if (!(p->W[l] = malloc(units * width * sizeof(double))) || !(p->b[l] = malloc(units * sizeof(double))))
            return vigil_error_set(VIGIL_ENOMEM, "out of memory");
        size_t u = 0;
        const cJSON *row;
        cJSON_ArrayForEach(row, w)
        {
            char rjp[128];
            snprintf(rjp, sizeof rjp, "$.layers[%zu].weights[%zu]", l, u);
            if ((rc = reals(file, rjp, row, width, p->W[l] + u * width))) return rc;
            u++;
        }
        snprintf(jp, sizeof jp, "$.layers[%zu].bias", l);
        if ((rc = reals(file, jp, cJSON_GetObjectItemCaseSensitive(ly, "bias"), units, p->b[l]))) return rc;
        snprintf(jp, sizeof jp, "$.layers[%zu].activation", l);
        if ((rc = activation(file, jp, cJSON_GetObjectItemCaseSensitive(ly, "activation"), &p->act[l]))) return rc;
        if (p->act[l] == VIGIL_ACT_SOFTMAX && l + 1 != L) return bad(file, jp, "softmax only in the last layer");
        width = units, l++;
    }
    vigil_activation last = p->act[L - 1];
    if (last == VIGIL_ACT_SOFTMAX ? width < 2 : width != 1)
        return bad(file, "$.layers", "the last layer must be one sigmoid/identity unit or softmax units (one per class)");
    m->n_outputs = width;
    char d[160];
    snprintf(d, sizeof d, "vigil-mlp, %zu layers, %zu features, %zu output%s", L, m->n_features, width, width > 1 ? "s" : "");
    return (m->describe = vigil_strdup(d)) ? VIGIL_OK : vigil_error_set(VIGIL_ENOMEM, "out of memory");
}

void vigil_dense_clear(vigil_model *m)
{
    free(m->linear.coef);
    vigil_mlp *p = &m->mlp;
    for (size_t l = 0; l < p->n_layers; l++) free(p->W[l]), free(p->b[l]);
    free(p->W), free(p->b), free(p->n_in), free(p->n_out), free(p->act), free(p->mean), free(p->scale);
}

/* One row through the network; margin (pre-activation of the last layer) and score. */
void vigil_mlp_forward(const vigil_mlp *p, const double *x, size_t F, double *scratch, double *margin, double *score)
{
    size_t maxw = F;
    for (size_t l = 0; l < p->n_layers; l++) maxw = p->n_out[l] > maxw ? p->n_out[l] : maxw;
    double *a = scratch, *b = scratch + maxw;
    for (size_t j = 0; j < F; j++) a[j] = p->mean ? (x[j] - p->mean[j]) / p->scale[j] : x[j];
    for (size_t l = 0; l < p->n_layers; l++) {
        size_t ni = p->n_in[l], no = p->n_out[l];
        for (size_t u = 0; u < no; u++) {
            double s = p->b[l][u];
            const double *w = p->W[l] + u * ni;
            for (size_t j = 0; j < ni; j++) s += w[j] * a[j];
            b[u] = s;
        }
        if (l + 1 == p->n_layers)
            for (size_t u = 0; u < no; u++) margin[u] = b[u];
        switch (p->act[l]) {
        case VIGIL_ACT_RELU: for (size_t u = 0; u < no; u++) b[u] = b[u] > 0 ? b[u] : 0; break;
        case VIGIL_ACT_TANH: for (size_t u = 0; u < no; u++) b[u] = tanh(b[u]); break;
        case VIGIL_ACT_SIGMOID: for (size_t u = 0; u < no; u++) b[u] = 1 / (1 + exp(-b[u])); break;
        case VIGIL_ACT_SOFTMAX: {
            double mx = b[0], z = 0;
            for (size_t u = 1; u < no; u++) mx = b[u] > mx ? b[u] : mx;
            for (size_t u = 0; u < no; u++) z += (b[u] = exp(b[u] - mx));
            for (size_t u = 0; u < no; u++) b[u] /= z;
            break;
        }
        case VIGIL_ACT_IDENTITY: break;
        }
        double *t = a;
        a = b, b = t;
    }
    for (size_t u = 0; u < p->n_out[p->n_layers - 1]; u++) score[u] = a[u];
}

size_t vigil_mlp_scratch(const vigil_mlp *p, size_t F)
{
    size_t maxw = F;
    for (size_t l = 0; l < p->n_layers; l++) maxw = p->n_out[l] > maxw ? p->n_out[l] : maxw;
    return 2 * maxw;
}
