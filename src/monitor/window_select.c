/* Monitor data: load the case file(s), select the reference and current windows, and add
 * the model's scores when the monitor names a model. */
#include "monitor/monitor_select.h"
#include "monitor/monitor_engine.h"
#include "core/util.h"
#include "vigil/error.h"
#include "vigil/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vigil_mon_data_clear(mon_data *d)
{
    vigil_table_free(d->all);
    vigil_table_free(d->all_ref);
    vigil_data_source_clear(&d->src);
    vigil_table_free(d->ref);
    vigil_table_free(d->cur);
    free(d->score_ref);
    free(d->score_cur);
    free(d->insufficient);
    vigil_drift_reference_free(d->ref_stats);
    memset(d, 0, sizeof *d);
}

/* The days of the date window `w` on which no row of `t` (mask: the window's rows) falls:
 * their number in d->empty_days, the first MON_EMPTY_DAYS_LISTED in d->empty_day, and a
 * warning. A feed that stalls leaves these before it leaves the window under min_samples. */
static int empty_days(const vigil_monitor *m, const vigil_table *t, size_t tc, const vigil_window *w,
                      const uint8_t *mask, mon_data *d)
{
    size_t span = (size_t)(w->to - w->from) + 1, nl = vigil_table_n_levels(t, tc);
    uint8_t *seen = calloc(span, 1);
    const int32_t *c = vigil_table_codes(t, tc);
    if (!seen) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    for (size_t i = 0, n = vigil_table_nrows(t); i < n; i++) {
        if (!mask[i] || c[i] < 0 || (size_t)c[i] >= nl) continue;
        long day = vigil_parse_day(vigil_table_level(t, tc, (size_t)c[i]));
        if (day != VIGIL_DAY_INVALID && day >= (long)w->from && day <= (long)w->to)
            seen[day - (long)w->from] = 1;
    }
    vigil_sbuf list = {0};
    for (size_t k = 0; k < span; k++) {
        if (seen[k]) continue;
        char s[16];
        vigil_format_day((long)w->from + (long)k, s);
        if (d->empty_days < MON_EMPTY_DAYS_LISTED) d->empty_day[d->empty_days] = (long)w->from + (long)k;
        if (d->empty_days < 5) vigil_sbuf_printf(&list, "%s%s", d->empty_days ? ", " : "", s);
        d->empty_days++;
    }
    free(seen);
    if (d->empty_days)
        vigil_warn("%s: the current window %s has %zu day%s without a case (%s%s): has the feed "
                   "stalled?", m->file, w->label, d->empty_days, d->empty_days == 1 ? "" : "s",
                   list.s ? list.s : "", d->empty_days > 5 ? ", ..." : "");
    vigil_sbuf_free(&list);
    return VIGIL_OK;
}

/* Rows of `t` inside `w` as a new table. A window under min_samples leaves *out NULL and says
 * why in d->insufficient (the first short window's reason). */
static int select_rows(const vigil_monitor *m, const vigil_table *t, const vigil_window *w,
                       const char *which, vigil_table **out, char label[64], mon_data *d)
{
    size_t n = vigil_table_nrows(t), n_in = n, no_time = 0;
    uint8_t *mask = NULL;
    int rc = VIGIL_OK;
    *out = NULL;
    if (!(mask = malloc(n ? n : 1))) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    if (w->set) {
        int tc = vigil_table_require(t, m->data.time, "time column");
        if (tc < 0) {
            free(mask);
            return tc;
        }
        snprintf(label, 64, "%s", w->label);
        /* a file of a header alone (a feed that delivered no case) has no case in any window:
         * too few cases, not a time column of the wrong kind (its empty column reads numeric) */
        if (n == 0) n_in = 0;
        else if ((rc = vigil_window_mask(t, (size_t)tc, w, mask, &n_in, &no_time)) != 0) goto done;
        if (w->is_date && strcmp(which, "current") == 0 && (rc = empty_days(m, t, (size_t)tc, w, mask, d)) != 0)
            goto done;
    } else {
        snprintf(label, 64, "all rows");
        memset(mask, 1, n);
    }
    if (n_in < m->min_samples) {
        if (d->insufficient) goto done;
        vigil_sbuf why = {0};
        vigil_sbuf_printf(&why, "%s: $.windows.%s: %zu case%s in %s of %s (%s '%s'), fewer than "
                          "min_samples = %zu; not enough data to test for drift", m->file, which,
                          n_in, n_in == 1 ? "" : "s", label, vigil_table_source(t),
                          w->set ? "time column" : "file", w->set ? m->data.time : "", m->min_samples);
        if (w->set && w->is_date) { /* the night's --now, so that its reproduce command gives this window */
            char now[16];
            vigil_format_day(m->now_day, now);
            vigil_sbuf_printf(&why, " (--now %s)", now);
        }
        if (why.failed) {
            vigil_sbuf_free(&why);
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        }
        d->insufficient = why.s;
        goto done;
    }
    rc = vigil_table_filter(out, t, mask);
done:
    free(mask);
    return rc;
}

/* Scores of `t` from the model. */
static int model_scores(const vigil_model *model, const vigil_table *t, int threads, double **out)
{
    size_t n = vigil_table_nrows(t), k = vigil_model_n_outputs(model);
    float *X = NULL;
    int rc;
    *out = NULL;
    if (k != 1)
        return vigil_error_set(VIGIL_EINVAL, "model gives %zu outputs per case; prediction drift "
                               "needs one score", k);
    if ((rc = vigil_model_bind(model, t, &X)) != 0) return rc;
    double *s = malloc((n ? n : 1) * sizeof *s);
    if (!s) {
        free(X);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    vigil_backend_options o = VIGIL_BACKEND_OPTIONS_INIT;
    o.threads = threads;
    if ((rc = vigil_model_predict(model, X, n, &o, s, NULL, NULL)) != 0) {
        free(s);
        s = NULL;
    }
    free(X);
    *out = s;
    return rc;
}


static int column_scores(const vigil_table *t, const char *col, double **out)
{
    int c = vigil_table_require(t, col, "score column");
    if (c < 0) return c;
    const double *x = vigil_table_numeric(t, (size_t)c);
    if (!x) { /* the first value that is not a number, by its line (the value itself may be PHI) */
        const int32_t *code = vigil_table_codes(t, (size_t)c);
        for (size_t i = 0, n = vigil_table_nrows(t); code && i < n; i++) {
            if (code[i] < 0 || (size_t)code[i] >= vigil_table_n_levels(t, (size_t)c)) continue;
            const char *v = vigil_table_level(t, (size_t)c, (size_t)code[i]);
            char *e = NULL;
            strtod(v, &e);
            if (e == v || *e)
                return vigil_error_set(VIGIL_EINVAL, "%s:%zu: score column '%s' holds a text value of %zu "
                                       "bytes (not shown, as the reader shows none), not a number",
                                       vigil_table_source(t), vigil_table_row_line(t, i), col, strlen(v));
        }
        return vigil_error_set(VIGIL_EINVAL, "%s: score column '%s' is not numeric",
                               vigil_table_source(t), col);
    }
    size_t n = vigil_table_nrows(t);
    if (!(*out = malloc((n ? n : 1) * sizeof **out))) return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    memcpy(*out, x, n * sizeof **out);
    return VIGIL_OK;
}

/* A hit on the reference file's key: the statistics and the window's rows from the cache, the
 * file digested, not parsed. 0 without one (then the file is parsed as before, and any error in
 * it is the parse's to report; a window under min_samples too, with the parse's message). */
static int ref_from_cache(mon_data *d, const vigil_monitor *m, vigil_store *cache)
{
    char sha[65], key[80];
    uint64_t bytes = 0;
    vigil_drift_reference *r = NULL;
    size_t rows = 0;
    if (vigil_sha256_file(m->ref_path, sha, &bytes) != 0 || vigil_mon_ref_file_key(m, sha, bytes, key) != 0) {
        vigil_error_clear();
        return 0;
    }
    if (vigil_mon_ref_cache_get(cache, key, &r, &rows) != 0) return 0;
    if (rows < m->min_samples) {
        vigil_drift_reference_free(r);
        return 0;
    }
    d->ref_stats = r;
    d->ref_rows = rows;
    d->ref_bytes = bytes;
    memcpy(d->ref_sha, sha, sizeof sha);
    memcpy(d->ref_key, key, sizeof key);
    snprintf(d->ref_label, sizeof d->ref_label, "%s", m->ref_w.set ? m->ref_w.label : "all rows");
    return 1;
}

/* 1 when `col` is named only as (a part of) a group: no role, feature or model (its n_extra
 * features `extra`) reads it. */
static int group_only(const vigil_data_config *c, const char *col, const char **extra, size_t n_extra)
{
    int in_group = 0;
    for (size_t g = 0; g < c->n_groups && !in_group; g++) {
        const char *s = c->groups[g];
        while (*s && !in_group) {
            const char *plus = strchr(s, '+');
            size_t len = plus ? (size_t)(plus - s) : strlen(s);
            in_group = strlen(col) == len && strncmp(s, col, len) == 0;
            s += len + (plus ? 1 : 0);
        }
    }
    if (!in_group) return 0;
    const char *roles[] = {c->id, c->time, c->label, c->score, c->shadow_score, c->decision, c->exposure,
                           c->decision_time, c->arm, c->override_reason, c->followup_time, c->event};
    for (size_t k = 0; k < sizeof roles / sizeof *roles; k++)
        if (roles[k] && strcmp(roles[k], col) == 0) return 0;
    for (size_t k = 0; k < c->n_features; k++)
        if (strcmp(c->features[k], col) == 0) return 0;
    for (size_t k = 0; k < n_extra; k++)
        if (strcmp(extra[k], col) == 0) return 0;
    return 1;
}

int vigil_mon_data_load(mon_data *d, const vigil_monitor *m, int threads, vigil_store *cache)
{
    memset(d, 0, sizeof *d);
    vigil_col_decl *ref_types = NULL;
    vigil_model *model = NULL;
    const char **extra = NULL;
    size_t n_extra = 0;
    int rc;
    /* prediction drift, the CUSUM, the decisions (the model's flag), CBPE and the realised
     * performance need the scores */
    int need_scores = m->prediction_drift || m->cusum || m->data.decision || m->cbpe || m->performance;
    if (m->model_path && need_scores) {
        if ((rc = vigil_model_load(&model, m->model_path)) != 0) {
            vigil_error_wrap("%s: $.model", m->file);
            goto done;
        }
        n_extra = vigil_model_n_features(model);
        if (!(extra = calloc(n_extra ? n_extra : 1, sizeof *extra))) {
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t j = 0; j < n_extra; j++) extra[j] = vigil_model_feature_name(model, j);
    }
    /* a join's outcomes as known at the start of the --now day (a re-run with that --now finds
     * the same cases); its immature predictions stay, unlabelled, for the label-free tests */
    char as_of[32], day[16];
    vigil_format_day(m->now_day, day);
    snprintf(as_of, sizeof as_of, "%sT00:00", day);
    vigil_data_config cur_cfg = m->data; /* read with the command's --threads */
    cur_cfg.threads = threads;
    if ((rc = vigil_data_source_load(&d->src, &cur_cfg, as_of, "$.data.join.as_of (absent: the --now day at 00:00)",
                                     1, m->min_cell, extra, NULL, n_extra, &d->all)) != 0)
        goto done;
    d->ref_keyed = m->ref_path && vigil_mon_ref_file_keyed(m);
    int cached = d->ref_keyed && cache && ref_from_cache(d, m, cache);
    if (m->ref_path && !cached) {
        vigil_data_config rc_cfg = m->data; /* same columns and types, other file */
        rc_cfg.path = m->ref_path, rc_cfg.join = NULL, rc_cfg.threads = threads;
        /* the subgroups are the current window's (performance): the reference file need not
         * have their columns, nor the types declared for them alone */
        rc_cfg.groups = NULL, rc_cfg.n_groups = 0;
        if (m->data.n_types && !(ref_types = malloc(m->data.n_types * sizeof *ref_types))) {
            rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            goto done;
        }
        rc_cfg.types = ref_types, rc_cfg.n_types = 0;
        for (size_t k = 0; k < m->data.n_types; k++)
            if (!group_only(&m->data, m->data.types[k].name, extra, n_extra)) ref_types[rc_cfg.n_types++] = m->data.types[k];
        if ((rc = vigil_data_load(&rc_cfg, extra, NULL, n_extra, &d->all_ref)) != 0) goto done;
        uint64_t bytes = 0;
        const char *sha = vigil_table_sha256(d->all_ref, &bytes);
        /* the key of the bytes parsed (the file may have changed since it was digested) */
        if (d->ref_keyed && (!sha || (rc = vigil_mon_ref_file_key(m, sha, bytes, d->ref_key)) != 0)) {
            if (rc) goto done;
            d->ref_keyed = 0;
        }
    }
    if ((!cached && (rc = select_rows(m, d->all_ref ? d->all_ref : d->all, &m->ref_w, "reference", &d->ref,
                                      d->ref_label, d)) != 0) ||
        (rc = select_rows(m, d->all, &m->cur_w, "current", &d->cur, d->cur_label, d)) != 0)
        goto done;
    if (d->insufficient) goto done; /* nothing to test: the caller says so (and stores it) */
    if (m->ref_path) snprintf(d->ref_label, sizeof d->ref_label, "reference_data");
    if (need_scores) {
        if (model) {
            if ((rc = model_scores(model, d->ref, threads, &d->score_ref)) != 0 ||
                (rc = model_scores(model, d->cur, threads, &d->score_cur)) != 0) {
                vigil_error_wrap("%s: $.model", m->file);
                goto done;
            }
        } else if ((d->ref && (rc = column_scores(d->ref, m->data.score, &d->score_ref)) != 0) ||
                   (rc = column_scores(d->cur, m->data.score, &d->score_cur)) != 0) {
            goto done;
        }
    }
done:
    vigil_model_free(model);
    free(extra);
    free(ref_types);
    if (rc) vigil_mon_data_clear(d);
    return rc;
}
