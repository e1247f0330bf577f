/* vigil suite diff: what changed between two stored suite runs (see include/vigil/suite.h).
 * Built only from the store: the runs' input files and their result documents. */
#include "vigil/suite.h"

#include "core/util.h"
#include "vigil/error.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int load(vigil_store *s, int64_t id, cJSON **doc, vigil_run_file_info **files, size_t *nf)
{
    vigil_run_info info = {0};
    char *js = NULL;
    int rc = vigil_store_get_run(s, id, &info);
    if (rc) return rc;
    if (strcmp(info.kind, "suite") != 0)
        rc = vigil_error_set(VIGIL_EINVAL, "run %lld is a %s run, not a suite run", (long long)id, info.kind);
    else if (strcmp(info.status, "completed") != 0)
        rc = vigil_error_set(VIGIL_EINVAL, "run %lld did not complete (status %s)%s%s", (long long)id,
                             info.status, info.error ? ": " : "", info.error ? info.error : "");
    vigil_run_info_clear(&info);
    if (rc) return rc;
    if ((rc = vigil_store_get_document(s, id, "result", &js)) != 0) return rc;
    /* A STORED document, written by another process (maybe another build): parsing it is the
     * only way to read it. (The runner never parses what it has just rendered.) */
    *doc = cJSON_Parse(js);
    free(js);
    if (!*doc) return vigil_error_set(VIGIL_EINTERNAL, "run %lld: stored result does not parse", (long long)id);
    return vigil_store_get_files(s, id, files, nf);
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static cJSON *number_or_null(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? cJSON_CreateNumber(v->valuedouble) : cJSON_CreateNull();
}

/* Every value of the two stored results that differs, leaf by leaf (numbers, strings, booleans,
 * present on one side only), as {path, a, b}; the first DIFF_MAX are listed, all are counted.
 * The criteria are compared above by name; timings and the run id always differ. */
#define DIFF_MAX 500
static void diff_leaves(const cJSON *x, const cJSON *y, char *path, size_t len, size_t cap, cJSON *list,
                        size_t *count)
{
    if (cJSON_IsObject(x) && cJSON_IsObject(y)) {
        const cJSON *e;
        for (int side = 0; side < 2; side++) {
            const cJSON *walk = side ? y : x, *other_obj = side ? x : y;
            cJSON_ArrayForEach(e, walk)
            {
                const cJSON *other = cJSON_GetObjectItemCaseSensitive(other_obj, e->string);
                if (side && other) continue; /* on both sides: walked from x */
                if (len == 0 && (!strcmp(e->string, "criteria") || !strcmp(e->string, "seconds") ||
                                 !strcmp(e->string, "run_id")))
                    continue;
                int k = snprintf(path + len, cap - len, "%s%s", len ? "." : "", e->string);
                size_t nl = k > 0 && (size_t)k < cap - len ? len + (size_t)k : len;
                diff_leaves(side ? other : e, side ? e : other, path, nl, cap, list, count);
                path[len] = '\0';
            }
        }
        return;
    }
    if (cJSON_IsArray(x) && cJSON_IsArray(y)) {
        int n = cJSON_GetArraySize(x) > cJSON_GetArraySize(y) ? cJSON_GetArraySize(x) : cJSON_GetArraySize(y);
        for (int i = 0; i < n; i++) {
            int k = snprintf(path + len, cap - len, "[%d]", i);
            size_t nl = k > 0 && (size_t)k < cap - len ? len + (size_t)k : len;
            diff_leaves(cJSON_GetArrayItem(x, i), cJSON_GetArrayItem(y, i), path, nl, cap, list, count);
            path[len] = '\0';
        }
        return;
    }
    if (x && y && cJSON_Compare(x, y, 1)) return;
    (*count)++;
    if (*count > DIFF_MAX) return;
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "path", path);
    cJSON_AddItemToObject(e, "a", x ? cJSON_Duplicate(x, 1) : cJSON_CreateNull());
    cJSON_AddItemToObject(e, "b", y ? cJSON_Duplicate(y, 1) : cJSON_CreateNull());
    cJSON_AddItemToArray(list, e);
}

/* The diff document as a tree in *tree (the JSON form prints it; the table reads it). */
static int diff_tree(vigil_store *s, int64_t a, int64_t b, cJSON **tree)
{
    cJSON *da = NULL, *db = NULL, *out = NULL;
    vigil_run_file_info *fa = NULL, *fb = NULL;
    size_t na = 0, nb = 0;
    int rc;
    *tree = NULL;
    if ((rc = load(s, a, &da, &fa, &na)) != 0 || (rc = load(s, b, &db, &fb, &nb)) != 0) goto done;
    out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "a", (double)a);
    cJSON_AddNumberToObject(out, "b", (double)b);
    /* Inputs, matched by role. */
    cJSON *files = cJSON_AddArrayToObject(out, "files");
    int same_inputs = na == nb;
    for (size_t i = 0; i < na; i++) {
        const vigil_run_file_info *x = &fa[i], *y = NULL;
        for (size_t j = 0; j < nb; j++)
            if (strcmp(fb[j].role, x->role) == 0) y = &fb[j];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "role", x->role);
        cJSON_AddStringToObject(e, "a_sha256", x->sha256);
        if (y) cJSON_AddStringToObject(e, "b_sha256", y->sha256);
        else cJSON_AddNullToObject(e, "b_sha256");
        int same = y && strcmp(x->sha256, y->sha256) == 0;
        same_inputs &= same;
        cJSON_AddBoolToObject(e, "same", same);
        cJSON_AddItemToArray(files, e);
    }
    for (size_t j = 0; j < nb; j++) {
        size_t i = 0;
        while (i < na && strcmp(fa[i].role, fb[j].role) != 0) i++;
        if (i < na) continue;
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "role", fb[j].role);
        cJSON_AddNullToObject(e, "a_sha256");
        cJSON_AddStringToObject(e, "b_sha256", fb[j].sha256);
        cJSON_AddFalseToObject(e, "same");
        cJSON_AddItemToArray(files, e);
        same_inputs = 0;
    }
    cJSON_AddBoolToObject(out, "same_inputs", same_inputs);
    char *pa = cJSON_PrintUnformatted(da), *pb = cJSON_PrintUnformatted(db);
    cJSON_AddBoolToObject(out, "same_results", pa && pb && strcmp(pa, pb) == 0);
    free(pa), free(pb);
    const cJSON *va = cJSON_GetObjectItemCaseSensitive(da, "passed"), *vb = cJSON_GetObjectItemCaseSensitive(db, "passed");
    cJSON_AddBoolToObject(out, "a_passed", cJSON_IsTrue(va));
    cJSON_AddBoolToObject(out, "b_passed", cJSON_IsTrue(vb));
    /* Criteria, matched by name. */
    cJSON *crit = cJSON_AddArrayToObject(out, "criteria");
    const cJSON *ca = cJSON_GetObjectItemCaseSensitive(da, "criteria"), *cb = cJSON_GetObjectItemCaseSensitive(db, "criteria");
    const cJSON *x, *y;
    cJSON_ArrayForEach(x, ca)
    {
        const char *name = str(x, "name");
        const cJSON *match = NULL;
        cJSON_ArrayForEach(y, cb) if (name && str(y, "name") && strcmp(str(y, "name"), name) == 0) match = y;
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", name ? name : "");
        cJSON_AddItemToObject(e, "a_observed", number_or_null(x, "observed"));
        cJSON_AddItemToObject(e, "b_observed", match ? number_or_null(match, "observed") : cJSON_CreateNull());
        cJSON_AddBoolToObject(e, "a_pass", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "pass")));
        if (match) cJSON_AddBoolToObject(e, "b_pass", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(match, "pass")));
        else cJSON_AddNullToObject(e, "b_pass");
        const char *change = !match ? "only in a"
                           : cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "pass")) ==
                                     cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(match, "pass"))
                               ? "same verdict"
                               : cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(match, "pass")) ? "now passes"
                                                                                             : "now fails";
        cJSON_AddStringToObject(e, "change", change);
        cJSON_AddItemToArray(crit, e);
    }
    cJSON_ArrayForEach(y, cb)
    {
        const char *name = str(y, "name");
        int found = 0;
        cJSON_ArrayForEach(x, ca) if (name && str(x, "name") && strcmp(str(x, "name"), name) == 0) found = 1;
        if (found) continue;
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", name ? name : "");
        cJSON_AddNullToObject(e, "a_observed");
        cJSON_AddItemToObject(e, "b_observed", number_or_null(y, "observed"));
        cJSON_AddNullToObject(e, "a_pass");
        cJSON_AddBoolToObject(e, "b_pass", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(y, "pass")));
        cJSON_AddStringToObject(e, "change", "only in b");
        cJSON_AddItemToArray(crit, e);
    }
    /* everything else the runs stored: metrics (both models, every level), the paired
     * comparison, settings, drift, replay, explanations */
    cJSON *vals = cJSON_AddArrayToObject(out, "values");
    size_t nchanged = 0;
    char path[512] = "";
    diff_leaves(da, db, path, 0, sizeof path, vals, &nchanged);
    cJSON_AddNumberToObject(out, "values_changed", (double)nchanged);
    if (nchanged > DIFF_MAX) cJSON_AddNumberToObject(out, "values_listed", DIFF_MAX);
    *tree = out, out = NULL;
done:
    cJSON_Delete(da), cJSON_Delete(db), cJSON_Delete(out);
    vigil_run_file_info_free(fa, na);
    vigil_run_file_info_free(fb, nb);
    return rc;
}

int vigil_suite_diff(vigil_store *s, int64_t a, int64_t b, char **json)
{
    cJSON *d = NULL;
    int rc = diff_tree(s, a, b, &d);
    *json = NULL;
    if (!rc && !(*json = cJSON_Print(d))) rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
    cJSON_Delete(d);
    return rc;
}

static void fmt_value(char *buf, size_t cap, const cJSON *v)
{
    if (cJSON_IsNumber(v) && !isnan(v->valuedouble)) snprintf(buf, cap, "%.4g", v->valuedouble);
    else snprintf(buf, cap, "-");
}

int vigil_suite_diff_text(vigil_store *s, int64_t a, int64_t b, char **text)
{
    cJSON *d = NULL;
    vigil_sbuf t = {0};
    int rc = diff_tree(s, a, b, &d);
    *text = NULL;
    if (rc) return rc;
    vigil_sbuf_printf(&t, "suite runs %lld and %lld\n", (long long)a, (long long)b);
    vigil_sbuf_printf(&t, "inputs:  %s\n", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "same_inputs"))
                                              ? "identical (same SHA-256 for every file)" : "changed");
    const cJSON *f, *cr, *v;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(d, "files"))
        if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "same")))
            vigil_sbuf_printf(&t, "  %-14s changed\n", str(f, "role") ? str(f, "role") : "?");
    vigil_sbuf_printf(&t, "results: %s\n", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "same_results"))
                                              ? "identical" : "differ");
    vigil_sbuf_printf(&t, "\n%-36s  %10s  %10s  %s\n", "criterion", "run a", "run b", "change");
    cJSON_ArrayForEach(cr, cJSON_GetObjectItemCaseSensitive(d, "criteria"))
    {
        char x[32], y[32];
        fmt_value(x, sizeof x, cJSON_GetObjectItemCaseSensitive(cr, "a_observed"));
        fmt_value(y, sizeof y, cJSON_GetObjectItemCaseSensitive(cr, "b_observed"));
        vigil_sbuf_printf(&t, "%-36.36s  %10s  %10s  %s\n", str(cr, "name") ? str(cr, "name") : "", x, y,
                          str(cr, "change") ? str(cr, "change") : "");
    }
    const cJSON *nv = cJSON_GetObjectItemCaseSensitive(d, "values_changed");
    vigil_sbuf_printf(&t, "\nother stored values that differ: %.0f%s\n", cJSON_IsNumber(nv) ? nv->valuedouble : 0,
                      cJSON_IsNumber(nv) && nv->valuedouble > 20 ? " (the first 20; --format json lists up to 500)"
                                                                 : "");
    int shown = 0;
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(d, "values"))
    {
        if (shown++ == 20) break;
        char *pa = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(v, "a"));
        char *pb = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(v, "b"));
        vigil_sbuf_printf(&t, "  %-56.56s  %.24s -> %.24s\n", str(v, "path") ? str(v, "path") : "", pa ? pa : "?",
                          pb ? pb : "?");
        free(pa), free(pb);
    }
    cJSON_Delete(d);
    if (t.failed || !t.s) {
        vigil_sbuf_free(&t);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    *text = t.s;
    return VIGIL_OK;
}
