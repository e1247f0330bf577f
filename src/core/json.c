/* See core/json.h. */
#include "core/json.h"

#include "core/util.h"
#include "vigil/error.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

cJSON *vigil_json_number(double v) { return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull(); }

cJSON *vigil_json_add_number(cJSON *o, const char *key, double v)
{
    return isfinite(v) ? cJSON_AddNumberToObject(o, key, v) : cJSON_AddNullToObject(o, key);
}

void vigil_json_append_number(cJSON *a, double v) { cJSON_AddItemToArray(a, vigil_json_number(v)); }

const cJSON *vigil_json_get(const cJSON *o, const char *path)
{
    char key[256];
    while (o && path && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof key) return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        o = cJSON_GetObjectItemCaseSensitive(o, key);
        path += n + (dot ? 1 : 0);
    }
    return o;
}

const cJSON *vigil_json_get_segs(const cJSON *o, const char *const *segs)
{
    for (; o && segs && *segs; segs++) o = cJSON_GetObjectItemCaseSensitive(o, *segs);
    return o;
}

double vigil_json_get_number(const cJSON *o, const char *path)
{
    const cJSON *v = vigil_json_get(o, path);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

const char *vigil_json_get_string(const cJSON *o, const char *path)
{
    const cJSON *v = vigil_json_get(o, path);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- duplicate keys ------------------------------------------------------------------------
 * The tree is walked once, each object's keys sorted to find a repeat. Only on an error is the
 * text walked again, by member / element index, to turn the offending member into line:col
 * (cJSON keeps no positions). The text parsed, so the scanner below may assume valid JSON. */

typedef struct {
    const char *p, *end, *start;
} json_scan;

static void scan_ws(json_scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')) s->p++;
}

static void scan_value(json_scan *s);

static void scan_string(json_scan *s)
{
    for (s->p++; s->p < s->end && *s->p != '"'; s->p++)
        if (*s->p == '\\') s->p++;
    if (s->p < s->end) s->p++;
}

/* Skip what precedes member / element idx of the container at s->p ('{' or '['), leaving s->p at
 * that member's key (object) or value (array). */
static void scan_to_child(json_scan *s, int idx)
{
    bool obj = *s->p == '{';
    s->p++;
    for (int i = 0;; i++) {
        scan_ws(s);
        if (i == idx || s->p >= s->end || *s->p == '}' || *s->p == ']') return;
        if (obj) {
            scan_string(s);
            scan_ws(s);
            s->p++; /* ':' */
            scan_ws(s);
        }
        scan_value(s);
        scan_ws(s);
        if (s->p < s->end && *s->p == ',') s->p++;
    }
}

static void scan_value(json_scan *s)
{
    if (s->p >= s->end) return;
    if (*s->p == '"') {
        scan_string(s);
    } else if (*s->p == '{' || *s->p == '[') {
        char close = *s->p == '{' ? '}' : ']';
        scan_to_child(s, -1); /* -1: never the target, so it runs to the closing bracket */
        if (s->p < s->end && *s->p == close) s->p++;
    } else {
        while (s->p < s->end && !strchr(",}] \t\r\n", *s->p)) s->p++;
    }
}

static void locate(const char *text, size_t len, const int *idx, int depth, size_t *line, size_t *col)
{
    json_scan s = {text, text + len, text};
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) s.p += 3;
    scan_ws(&s);
    for (int d = 0; d < depth; d++) {
        bool obj = s.p < s.end && *s.p == '{';
        scan_to_child(&s, idx[d]);
        if (d + 1 < depth && obj) {
            scan_string(&s);
            scan_ws(&s);
            s.p++;
            scan_ws(&s);
        }
    }
    *line = 1, *col = 1;
    for (const char *q = text; q < s.p && q < s.end; q++) {
        if (*q == '\n') (*line)++, *col = 1;
        else (*col)++;
    }
}

typedef struct {
    const char *key;
    int idx;
} key_at;

static int key_cmp(const void *a, const void *b)
{
    const key_at *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

typedef struct {
    int idx[CJSON_NESTING_LIMIT + 2];
    const cJSON *at[CJSON_NESTING_LIMIT + 2];
    int depth;
    int first, second; /* member indices of the repeat in the object at depth */
    bool found, nomem;
} dup_walk;

static void walk(dup_walk *w, const cJSON *node)
{
    if (w->found || w->nomem || w->depth > CJSON_NESTING_LIMIT) return;
    if (cJSON_IsObject(node)) {
        int n = cJSON_GetArraySize(node);
        if (n > 1) {
            key_at *k = malloc((size_t)n * sizeof *k);
            if (!k) {
                w->nomem = true;
                return;
            }
            int i = 0;
            for (const cJSON *c = node->child; c; c = c->next, i++) k[i] = (key_at){c->string ? c->string : "", i};
            qsort(k, (size_t)n, sizeof *k, key_cmp);
            int best = -1;
            for (i = 1; i < n; i++)
                if (strcmp(k[i - 1].key, k[i].key) == 0 && (best < 0 || k[i].idx < k[best].idx)) best = i;
            if (best >= 0) {
                int j = best;
                while (j > 0 && strcmp(k[j - 1].key, k[best].key) == 0) j--;
                w->first = k[j].idx, w->second = k[best].idx;
                w->at[w->depth] = node;
                w->found = true;
            }
            free(k);
            if (w->found) return;
        }
    }
    if (cJSON_IsObject(node) || cJSON_IsArray(node)) {
        int i = 0;
        w->at[w->depth] = node;
        for (const cJSON *c = node->child; c && !w->found && !w->nomem; c = c->next, i++) {
            w->idx[w->depth++] = i;
            walk(w, c);
            if (w->found) return;
            w->depth--;
        }
    }
}

int vigil_json_unique_keys(const char *path, const char *text, size_t len, const cJSON *root)
{
    dup_walk *w = calloc(1, sizeof *w);
    if (!w) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    walk(w, root);
    int rc = VIGIL_OK;
    if (w->nomem) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
    } else if (w->found) {
        vigil_sbuf jp = {0};
        vigil_sbuf_printf(&jp, "$");
        const cJSON *o = root;
        for (int d = 0; d < w->depth; d++) {
            const cJSON *c = o->child;
            for (int i = 0; i < w->idx[d]; i++) c = c->next;
            if (cJSON_IsObject(o)) vigil_sbuf_printf(&jp, ".%s", c->string ? c->string : "");
            else vigil_sbuf_printf(&jp, "[%d]", w->idx[d]);
            o = c;
        }
        const cJSON *dup = o->child;
        for (int i = 0; i < w->second; i++) dup = dup->next;
        size_t l1, c1, l2, c2;
        w->idx[w->depth] = w->first;
        locate(text, len, w->idx, w->depth + 1, &l1, &c1);
        w->idx[w->depth] = w->second;
        locate(text, len, w->idx, w->depth + 1, &l2, &c2);
        rc = vigil_error_set(VIGIL_EINVAL,
                             "%s:%zu:%zu: %s: duplicate key '%s' (first at line %zu): JSON readers "
                             "disagree on which one counts, so vigil refuses the file; keep one",
                             path, l2, c2, jp.s ? jp.s : "$", dup->string ? dup->string : "", l1);
        vigil_sbuf_free(&jp);
    }
    free(w);
    return rc;
}
