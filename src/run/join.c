/* Cases from a prediction log and an event table: see include/vigil/join.h for the rules. */
#include "vigil/join.h"
#include "run/join_internal.h"

#include "core/csv_write.h"
#include "core/util.h"
#include "core/window.h"
#include "vigil/error.h"
#include "vigil/fairness.h"

#include <cjson/cJSON.h>
#include <float.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int vigil_parse_timestamp(const char *s, double *seconds)
{
    long day = vigil_parse_day(s);
    if (day == VIGIL_DAY_INVALID) return -1;
    const char *p = s + 10;
    double secs = 0;
    if (*p == 'T' || *p == ' ') {
        int hh, mm, n = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &n) != 2 || n != 5 || hh > 23 || mm > 59) return -1;
        p += 1 + n;
        secs = hh * 3600.0 + mm * 60.0;
        if (*p == ':') {
            int ss;
            if (sscanf(p + 1, "%2d%n", &ss, &n) != 1 || n != 2 || ss > 60) return -1;
            p += 3, secs += ss;
            if (*p == '.') {
                char *end;
                double frac = strtod(p, &end);
                if (end == p + 1) return -1;
                secs += frac, p = end;
            }
        }
        if (*p == 'Z') p++;
        else if (*p == '+' || *p == '-') {
            int oh, om;
            if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5 || oh > 23 || om > 59) return -1;
            secs -= (*p == '+' ? 1 : -1) * (oh * 3600.0 + om * 60.0);
            p += 1 + n;
        }
    }
    if (*p) return -1;
    *seconds = (double)day * 86400.0 + secs;
    return 0;
}

/* ---- times ---- */

typedef enum { T_UNKNOWN = 0, T_STAMP, T_NUMBER } time_kind;

/* One time column as doubles (seconds for timestamps, the file's unit for numbers): a
 * categorical column is parsed level by level, a numeric one taken as numbers. Every value must
 * be of the kind *kind says (or sets, when unknown). */
static int column_times(const vigil_table *t, const char *col, const char *role, time_kind *kind, double *out)
{
    int c = vigil_table_require(t, col, role);
    if (c < 0) return c;
    size_t n = vigil_table_nrows(t);
    const char *file = vigil_table_source(t);
    if (vigil_table_col_type(t, (size_t)c) == VIGIL_COL_NUMERIC) {
        const double *v = vigil_table_numeric(t, (size_t)c);
        if (*kind == T_STAMP)
            return vigil_error_set(VIGIL_EINVAL, "%s: column '%s' holds numbers where the other file has timestamps",
                                   file, col);
        *kind = T_NUMBER;
        for (size_t i = 0; i < n; i++) {
            if (!isfinite(v[i]))
                return vigil_error_set(VIGIL_EINVAL, "%s:%zu:%d: the %s ('%s') is missing", file,
                                       vigil_table_row_line(t, i), c + 1, role, col);
            out[i] = v[i];
        }
        return VIGIL_OK;
    }
    size_t nl = vigil_table_n_levels(t, (size_t)c);
    const int32_t *codes = vigil_table_codes(t, (size_t)c);
    double *lv = malloc((nl ? nl : 1) * sizeof *lv);
    signed char *ok = calloc(nl ? nl : 1, 1);
    if (!lv || !ok) {
        free(lv), free(ok);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    for (size_t l = 0; l < nl; l++) {
        const char *s = vigil_table_level(t, (size_t)c, l);
        double x;
        if (*kind != T_NUMBER && vigil_parse_timestamp(s, &x) == 0) *kind = T_STAMP, lv[l] = x, ok[l] = 1;
        else if (*kind != T_STAMP && vigil_parse_double(s, strlen(s), &x) == 0 && isfinite(x))
            *kind = T_NUMBER, lv[l] = x, ok[l] = 1;
    }
    int rc = VIGIL_OK;
    for (size_t i = 0; i < n && rc == VIGIL_OK; i++) {
        if (codes[i] < 0)
            rc = vigil_error_set(VIGIL_EINVAL, "%s:%zu:%d: the %s ('%s') is missing", file, vigil_table_row_line(t, i),
                                 c + 1, role, col);
        else if (!ok[codes[i]]) {
            char shown[48];
            snprintf(shown, sizeof shown, "%.40s", vigil_table_level(t, (size_t)c, (size_t)codes[i]));
            rc = vigil_error_set(VIGIL_EINVAL,
                                 "%s:%zu:%d: the %s '%s' is not a %s (expected %s)", file,
                                 vigil_table_row_line(t, i), c + 1, role, shown, *kind == T_NUMBER ? "number" : "timestamp",
                                 *kind == T_NUMBER ? "a number, like every other time of these files"
                                                   : "YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]");
        } else
            out[i] = lv[codes[i]];
    }
    free(lv), free(ok);
    return rc;
}

/* ---- entities ---- */

/* The entity column's text per row (a number printed as the file would). */
static const char *entity_text(const vigil_table *t, size_t c, size_t i, char *buf, size_t cap)
{
    if (vigil_table_col_type(t, c) == VIGIL_COL_NUMERIC) {
        double v = vigil_table_numeric(t, c)[i];
        if (!isfinite(v)) return NULL;
        snprintf(buf, cap, "%.17g", v);
        return buf;
    }
    int32_t k = vigil_table_codes(t, c)[i];
    return k < 0 ? NULL : vigil_table_level(t, c, (size_t)k);
}

typedef struct {
    const char *s;
    size_t id;
} named;

static int cmp_named(const void *a, const void *b) { return strcmp(((const named *)a)->s, ((const named *)b)->s); }

/* ---- the join ---- */

typedef struct {
    size_t row;
    size_t ent;
    double t;
} item;

static int cmp_item(const void *a, const void *b)
{
    const item *x = a, *y = b;
    if (x->ent != y->ent) return x->ent < y->ent ? -1 : 1;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

static void write_number(FILE *f, double v)
{
    if (!isfinite(v)) return;
    char b[40];
    snprintf(b, sizeof b, "%.15g", v);
    if (strtod(b, NULL) != v) snprintf(b, sizeof b, "%.17g", v);
    fputs(b, f);
}

static void write_cell(FILE *f, const vigil_table *t, size_t c, size_t i)
{
    if (vigil_table_col_type(t, c) == VIGIL_COL_NUMERIC) write_number(f, vigil_table_numeric(t, c)[i]);
    else {
        int32_t k = vigil_table_codes(t, c)[i];
        if (k >= 0) vigil_csv_write_field(f, vigil_table_level(t, c, (size_t)k));
    }
}

/* Lead times of one scope into o (hours for timestamps). */
static int lead_shown(size_t n, size_t entities, size_t min_cell)
{
    return vigil_fairness_count_ok((double)entities, min_cell) && (n == 0 || vigil_fairness_count_ok((double)n, min_cell));
}

/* withhold: the scope's cells withheld whatever its own counts (secondary suppression) */
static void lead_json(cJSON *o, double *lead, size_t n, size_t entities, size_t min_cell, double unit, int withhold)
{
    int shown = !withhold && lead_shown(n, entities, min_cell);
    if (!shown) {
        cJSON_AddNullToObject(o, "entities_with_event");
        cJSON_AddNullToObject(o, "flagged_before_event");
        cJSON_AddStringToObject(o, "withheld", "withheld (cell-size policy)");
        return;
    }
    cJSON_AddNumberToObject(o, "entities_with_event", (double)entities);
    cJSON_AddNumberToObject(o, "flagged_before_event", (double)n);
    for (size_t i = 0; i < n; i++) lead[i] /= unit;
    for (size_t i = 1; i < n; i++) /* insertion sort: n is one scope's entities */
        for (size_t j = i; j > 0 && lead[j - 1] > lead[j]; j--) {
            double x = lead[j];
            lead[j] = lead[j - 1], lead[j - 1] = x;
        }
    if (n) {
        cJSON_AddNumberToObject(o, "q1", gsl_stats_quantile_from_sorted_data(lead, 1, n, 0.25));
        cJSON_AddNumberToObject(o, "median", gsl_stats_quantile_from_sorted_data(lead, 1, n, 0.5));
        cJSON_AddNumberToObject(o, "q3", gsl_stats_quantile_from_sorted_data(lead, 1, n, 0.75));
    } else
        cJSON_AddNullToObject(o, "median");
}

int vigil_join_cases(const vigil_table *pred, const vigil_table *ev, const vigil_join_options *o,
                     const char *out_csv, char **summary)
{
    cJSON *doc = NULL;
    if (summary) *summary = NULL;
    int rc = vigil_join_cases_cjson(pred, ev, o, out_csv, summary ? &doc : NULL);
    if (!rc && summary && !(*summary = cJSON_PrintUnformatted(doc))) rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
    cJSON_Delete(doc);
    return rc;
}

int vigil_join_cases_cjson(const vigil_table *pred, const vigil_table *ev, const vigil_join_options *o,
                           const char *out_csv, cJSON **summary)
{
    if (summary) *summary = NULL;
    if (!o->entity || !o->time || !o->score || !o->event_time)
        return vigil_error_set(VIGIL_EINVAL, "join: name the entity, prediction time, score and event time columns");
    if (!(o->window > 0) || !isfinite(o->window))
        return vigil_error_set(VIGIL_EINVAL, "join: the window must be a positive number (hours for timestamps), not %g",
                               o->window);
    if (!(o->offset >= 0) || !isfinite(o->offset))
        return vigil_error_set(VIGIL_EINVAL, "join: the offset must be a number >= 0, not %g", o->offset);
    if (!o->event_type != !o->target)
        return vigil_error_set(VIGIL_EINVAL, "join: give both the event type column and the target type, or neither");
    const size_t n = vigil_table_nrows(pred), m = vigil_table_nrows(ev), min_cell = o->min_cell ? o->min_cell : 11;
    const char *pf = vigil_table_source(pred), *ef = vigil_table_source(ev);
    int ce = vigil_table_require(pred, o->entity, "entity"), cs = vigil_table_require(pred, o->score, "score");
    if (ce < 0) return ce;
    if (cs < 0) return cs;
    if (vigil_table_col_type(pred, (size_t)cs) != VIGIL_COL_NUMERIC)
        return vigil_error_set(VIGIL_EINVAL, "%s: the score column '%s' is not numeric", pf, o->score);
    for (int k = 0; k < 2; k++) { /* the case file must not get two columns of one name */
        const char *name = k ? "event_time" : o->label ? o->label : "label";
        if (vigil_table_find(pred, name) >= 0)
            return vigil_error_set(VIGIL_EINVAL, "%s: '%s' is already a column of the prediction log, and the join "
                                   "writes its %s under that name: %s", pf, name, k ? "event time" : "label",
                                   k ? "rename the log's column" : "give another --label");
    }
    int cee = vigil_table_require(ev, o->event_entity ? o->event_entity : o->entity, "event entity");
    if (cee < 0) return cee;
    int cty = o->event_type ? vigil_table_require(ev, o->event_type, "event type") : -1;
    if (o->event_type && cty < 0) return cty;
    size_t *gc = NULL;
    int rc = VIGIL_OK;
    double *pt = malloc((n ? n : 1) * sizeof *pt), *et = malloc((m ? m : 1) * sizeof *et), *lead = NULL;
    item *P = malloc((n ? n : 1) * sizeof *P), *E = malloc((m ? m : 1) * sizeof *E);
    named *names = malloc((n ? n : 1) * sizeof *names);
    size_t *first = NULL, *efirst = NULL, ne = 0;
    unsigned char *unmatched_seen = NULL;
    char **ename = NULL;
    cJSON *doc = NULL;
    FILE *f = NULL;
    char *tmp = NULL;
    if (!pt || !et || !P || !E || !names) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    time_kind kind = T_UNKNOWN;
    if ((rc = column_times(pred, o->time, "prediction time", &kind, pt)) != 0) goto done;
    if ((rc = column_times(ev, o->event_time, "event time", &kind, et)) != 0) goto done;
    const double unit = kind == T_STAMP ? 3600.0 : 1.0;
    double as_of;
    char as_of_text[64];
    const char *aon = o->as_of_name ? o->as_of_name : "--as-of";
    if (o->as_of) {
        double x;
        if (kind == T_STAMP ? vigil_parse_timestamp(o->as_of, &x) != 0
                            : vigil_parse_double(o->as_of, strlen(o->as_of), &x) != 0 || !isfinite(x)) {
            rc = vigil_error_set(VIGIL_EINVAL, "%s '%.40s': not a %s like the files' times", aon, o->as_of,
                                 kind == T_STAMP ? "timestamp" : "number");
            goto done;
        }
        as_of = x;
        snprintf(as_of_text, sizeof as_of_text, "%.60s", o->as_of);
    } else if (kind == T_STAMP || kind == T_UNKNOWN) {
        as_of = (double)time(NULL);
        vigil_now_iso(as_of_text);
    } else {
        rc = vigil_error_set(VIGIL_EINVAL, "the files' times are numbers: give %s (the time the data was taken, "
                             "in their unit) so that windows still open are not counted as negatives", aon);
        goto done;
    }
    const double *score = vigil_table_numeric(pred, (size_t)cs);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(score[i])) {
            rc = vigil_error_set(VIGIL_EINVAL, "%s:%zu:%d: the score ('%s') is missing", pf, vigil_table_row_line(pred, i),
                                 cs + 1, o->score);
            goto done;
        }
    /* entities: the prediction log's distinct ids, sorted for the events' lookups */
    char buf[64];
    for (size_t i = 0; i < n; i++) {
        const char *s = entity_text(pred, (size_t)ce, i, buf, sizeof buf);
        if (!s) {
            rc = vigil_error_set(VIGIL_EINVAL, "%s:%zu:%d: the entity ('%s') is missing", pf, vigil_table_row_line(pred, i),
                                 ce + 1, o->entity);
            goto done;
        }
        if (!(names[i].s = vigil_strdup(s))) {
            for (size_t k = 0; k < i; k++) free((char *)names[k].s);
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            goto done;
        }
        names[i].id = i;
    }
    qsort(names, n, sizeof *names, cmp_named);
    ename = malloc((n ? n : 1) * sizeof *ename);
    if (!ename) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) { /* dense entity ids in sorted-name order */
        if (i == 0 || strcmp(names[i].s, names[i - 1].s) != 0) ename[ne++] = (char *)names[i].s;
        else free((char *)names[i].s);
        P[names[i].id] = (item){names[i].id, ne - 1, pt[names[i].id]};
        names[i].s = ename[ne - 1], names[i].id = ne - 1;
    }
    /* unique names for the lookup (reuse the first ne slots) */
    for (size_t k = 0; k < ne; k++) names[k] = (named){ename[k], k};
    /* events: the target type, matched to an entity, known by as_of */
    size_t n_ev = 0, n_target = 0, n_future = 0, n_unmatched_rows = 0, n_unmatched = 0;
    const int32_t *tycodes = cty >= 0 ? vigil_table_codes(ev, (size_t)cty) : NULL;
    unmatched_seen = calloc(m ? m : 1, 1);
    if (!unmatched_seen) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < m; j++) {
        if (tycodes) {
            if (tycodes[j] < 0 || strcmp(vigil_table_level(ev, (size_t)cty, (size_t)tycodes[j]), o->target) != 0) continue;
        }
        n_target++;
        const char *s = entity_text(ev, (size_t)cee, j, buf, sizeof buf);
        named key = {s ? s : "", 0}, *hit = s ? bsearch(&key, names, ne, sizeof *names, cmp_named) : NULL;
        if (!hit) {
            n_unmatched_rows++;
            /* distinct unmatched ids: count each the first time it is seen (a linear scan of the
             * earlier rows only when an id is unmatched) */
            int seen = 0;
            for (size_t k = 0; k < j && !seen; k++)
                if (unmatched_seen[k]) {
                    const char *s2 = entity_text(ev, (size_t)cee, k, buf + 32, 32);
                    seen = s2 && s && strcmp(s2, s) == 0;
                }
            if (!seen) n_unmatched++, unmatched_seen[j] = 1;
            continue;
        }
        if (et[j] > as_of) {
            n_future++;
            continue;
        }
        E[n_ev++] = (item){j, hit->id, et[j]};
    }
    if (n_target > 0 && n_unmatched_rows == n_target) {
        rc = vigil_error_set(VIGIL_EINVAL,
                             "%s: none of the %zu entities of its %zu target events matches an entity of %s (column "
                             "'%s' against '%s'): check the id columns",
                             ef, n_unmatched, n_target, pf, o->event_entity ? o->event_entity : o->entity, o->entity);
        goto done;
    }
    qsort(P, n, sizeof *P, cmp_item);
    qsort(E, n_ev, sizeof *E, cmp_item);
    first = calloc(ne + 1, sizeof *first), efirst = calloc(ne + 1, sizeof *efirst);
    if (!first || !efirst) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) first[P[i].ent + 1]++;
    for (size_t j = 0; j < n_ev; j++) efirst[E[j].ent + 1]++;
    for (size_t k = 0; k < ne; k++) first[k + 1] += first[k], efirst[k + 1] += efirst[k];
    /* the cases: which predictions, and each one's label */
    const double off = o->offset * unit, win = o->window * unit;
    size_t n_cases = 0, n_pos = 0, n_immature = 0, n_before = 0;
    f = vigil_outfile_open(out_csv, &tmp);
    if (!f) {
        rc = VIGIL_EIO;
        goto done;
    }
    size_t nc = vigil_table_ncols(pred);
    for (size_t c = 0; c < nc; c++) vigil_csv_write_field(f, vigil_table_col_name(pred, c)), fputc(',', f);
    vigil_csv_write_field(f, o->label ? o->label : "label");
    fputs(",event_time\n", f);
    for (size_t k = 0; k < ne; k++) {
        size_t a = first[k], b = first[k + 1], pick = a;
        if (o->aggregate == VIGIL_JOIN_LAST) pick = b - 1;
        else if (o->aggregate == VIGIL_JOIN_MAX)
            for (size_t i = a + 1; i < b; i++)
                if (score[P[i].row] > score[P[pick].row]) pick = i;
        size_t lo_i = o->aggregate == VIGIL_JOIN_EACH ? a : pick, hi_i = o->aggregate == VIGIL_JOIN_EACH ? b : pick + 1;
        const item *ek = E + efirst[k];
        size_t nk = efirst[k + 1] - efirst[k];
        if (nk && ek[0].t < P[a].t) n_before++; /* an event before the entity's first prediction */
        for (size_t i = lo_i; i < hi_i; i++) {
            /* The edges as written, not as rounded: 0.1 + 0.2 is 0.30000000000000004 in doubles,
             * and an event written at 0.3 is exactly at the offset. Within a few units in the
             * last place of the times (about a microsecond for timestamps, finer than they
             * parse) a time is at the edge, inside the window; a window ending at as_of is closed. */
            double lo = P[i].t + off, hi = lo + win, tol = 8 * DBL_EPSILON * (fabs(P[i].t) + off + win);
            size_t l = 0, h = nk; /* the first event at or after lo */
            while (l < h) {
                size_t mid = l + (h - l) / 2;
                if (ek[mid].t < lo - tol) l = mid + 1;
                else h = mid;
            }
            int pos = l < nk && ek[l].t <= hi + tol, immature = !pos && hi - tol > as_of;
            if (immature) {
                n_immature++;
                if (!o->keep_immature) continue;
            }
            size_t r = P[i].row;
            for (size_t c = 0; c < nc; c++) write_cell(f, pred, c, r), fputc(',', f);
            if (immature) { /* the label is missing, never 0 */
                fputs(",\n", f);
                continue;
            }
            fputs(pos ? "1," : "0,", f);
            if (pos) write_cell(f, ev, (size_t)vigil_table_find(ev, o->event_time), ek[l].row);
            fputc('\n', f);
            n_cases++, n_pos += (size_t)pos;
        }
    }
    rc = vigil_outfile_commit(f, tmp, out_csv);
    f = NULL, tmp = NULL;
    if (rc) goto done;
    if (!summary) goto done;
    doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "out", out_csv);
    cJSON_AddStringToObject(doc, "times", kind == T_STAMP ? "timestamps (window and offset in hours)" : "numbers");
    cJSON_AddNumberToObject(doc, "window", o->window);
    cJSON_AddNumberToObject(doc, "offset", o->offset);
    cJSON_AddStringToObject(doc, "as_of", as_of_text);
    static const char *const agg[] = {"each", "first", "last", "max"};
    cJSON_AddStringToObject(doc, "aggregate", agg[o->aggregate]);
    cJSON_AddNumberToObject(doc, "predictions", (double)n);
    cJSON_AddNumberToObject(doc, "entities", (double)ne);
    cJSON_AddNumberToObject(doc, "cases", (double)n_cases);
    cJSON_AddNumberToObject(doc, "positives", (double)n_pos);
    cJSON_AddNumberToObject(doc, "negatives", (double)(n_cases - n_pos));
    cJSON_AddNumberToObject(doc, "immature", (double)n_immature);
    if (o->keep_immature) cJSON_AddBoolToObject(doc, "immature_rows_kept", 1);
    cJSON *je = cJSON_AddObjectToObject(doc, "events");
    cJSON_AddNumberToObject(je, "rows", (double)m);
    cJSON_AddNumberToObject(je, "target", (double)n_target);
    cJSON_AddNumberToObject(je, "used", (double)n_ev);
    cJSON_AddNumberToObject(je, "future", (double)n_future);
    cJSON_AddNumberToObject(je, "unmatched_entities", (double)n_unmatched);
    cJSON_AddNumberToObject(je, "entities_with_event_before_first_prediction", (double)n_before);
    if (o->lead_time) {
        /* per entity: its first event at or after its first prediction, and the first
         * prediction at or over the threshold at or before that event */
        double *ev_time = malloc((ne ? ne : 1) * sizeof *ev_time), *lead_of = malloc((ne ? ne : 1) * sizeof *lead_of);
        lead = malloc((ne ? ne : 1) * sizeof *lead);
        gc = calloc(o->n_groups ? o->n_groups : 1, sizeof *gc);
        if (!ev_time || !lead_of || !lead || !gc) {
            free(ev_time), free(lead_of);
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t k = 0; k < ne; k++) {
            ev_time[k] = lead_of[k] = NAN;
            size_t a = first[k], b = first[k + 1];
            for (size_t j = efirst[k]; j < efirst[k + 1]; j++)
                if (E[j].t >= P[a].t) {
                    ev_time[k] = E[j].t;
                    break;
                }
            for (size_t i = a; i < b && !isnan(ev_time[k]) && P[i].t <= ev_time[k]; i++)
                if (score[P[i].row] >= o->threshold) {
                    lead_of[k] = ev_time[k] - P[i].t;
                    break;
                }
        }
        cJSON *lt = cJSON_AddObjectToObject(doc, "lead_time");
        cJSON_AddNumberToObject(lt, "threshold", o->threshold);
        cJSON_AddStringToObject(lt, "unit", kind == T_STAMP ? "hours" : "the files' time unit");
        size_t ents = 0, nl = 0;
        for (size_t k = 0; k < ne; k++)
            if (!isnan(ev_time[k])) {
                ents++;
                if (!isnan(lead_of[k])) lead[nl++] = lead_of[k];
            }
        lead_json(cJSON_AddObjectToObject(lt, "overall"), lead, nl, ents, min_cell, unit, 0);
        cJSON *gj = cJSON_AddObjectToObject(lt, "groups");
        for (size_t g = 0; g < o->n_groups && rc == VIGIL_OK; g++) {
            int32_t *codes = NULL;
            char **levels = NULL;
            size_t nlev = 0;
            int col = vigil_table_require(pred, o->groups[g], "group");
            if (col < 0 || (rc = vigil_table_as_levels(pred, (size_t)col, &codes, &levels, &nlev)) != 0) {
                if (col < 0) rc = col;
                break;
            }
            cJSON *one = cJSON_AddObjectToObject(gj, o->groups[g]);
            /* a level withheld beside shown ones would be the overall minus them: then every
             * level of the group is withheld (as the metrics' cell-size policy does) */
            int any_small = 0;
            for (int pass = 0; pass < 2; pass++)
                for (size_t L = 0; L < nlev; L++) {
                    size_t e2 = 0, n2 = 0;
                    for (size_t k = 0; k < ne; k++) /* the entity's level: at its first prediction */
                        if (codes[P[first[k]].row] == (int32_t)L && !isnan(ev_time[k])) {
                            e2++;
                            if (!isnan(lead_of[k])) lead[n2++] = lead_of[k];
                        }
                    if (pass == 0) any_small |= !lead_shown(n2, e2, min_cell);
                    else lead_json(cJSON_AddObjectToObject(one, levels[L]), lead, n2, e2, min_cell, unit, any_small);
                }
            vigil_table_levels_free(codes, levels, nlev);
        }
        free(ev_time), free(lead_of);
        if (rc) goto done;
    }
    *summary = doc, doc = NULL;
done:
    if (f) vigil_outfile_abort(f, tmp);
    if (ename)
        for (size_t k = 0; k < ne; k++) free(ename[k]);
    free(ename), free(pt), free(et), free(P), free(E), free(names), free(first), free(efirst),
        free(unmatched_seen), free(lead), free(gc);
    cJSON_Delete(doc);
    return rc;
}
