/* Two tables compared field by field, bit for bit (the parallel CSV reader against the serial
 * one): shared by test_table.c and the CSV fuzz harness. Reads the table's private layout. */
#ifndef VIGIL_TESTS_TABLE_SAME_H
#define VIGIL_TESTS_TABLE_SAME_H

#include "core/table_internal.h"

#include <stdio.h>
#include <string.h>

/* NULL when a and b are the same table, else what differs (a static buffer). */
static inline const char *tu_table_diff(const vigil_table *a, const vigil_table *b)
{
    static char why[256];
#define DIFF(...) return (snprintf(why, sizeof why, __VA_ARGS__), why)
    if (!a || !b) {
        if (a != b) DIFF("one table is NULL");
        return NULL;
    }
    if (a->nrows != b->nrows) DIFF("rows %zu vs %zu", a->nrows, b->nrows);
    if (a->ncols != b->ncols) DIFF("columns %zu vs %zu", a->ncols, b->ncols);
    if (strcmp(a->sha256, b->sha256) || a->bytes != b->bytes) DIFF("digest or size");
    if (strcmp(a->source, b->source)) DIFF("source");
    if (a->nrows && a->lines.p && (!b->lines.p || memcmp(a->lines.p, b->lines.p, a->nrows * 8)))
        DIFF("row lines");
    if (!a->lines.p != !b->lines.p) DIFF("row lines (one table has none)");
    for (size_t k = 0; k < a->ncols; k++) {
        const column *x = &a->cols[k], *y = &b->cols[k];
        if (strcmp(x->name, y->name)) DIFF("column %zu's name", k);
        if (x->type != y->type) DIFF("column '%s': type %d vs %d", x->name, (int)x->type, (int)y->type);
        if (x->declared != y->declared || x->seen_value != y->seen_value || x->file_col != y->file_col)
            DIFF("column '%s': declared/seen/file column", x->name);
        if (x->n_missing != y->n_missing || x->n_missing_file != y->n_missing_file)
            DIFF("column '%s': missing %zu vs %zu", x->name, x->n_missing, y->n_missing);
        size_t w = x->type == VIGIL_COL_CATEGORICAL ? 4 : 8;
        if (a->nrows && (!x->data.p || !y->data.p || memcmp(x->data.p, y->data.p, a->nrows * w)))
            DIFF("column '%s': values", x->name);
        if (x->levels.n != y->levels.n) DIFF("column '%s': %zu vs %zu levels", x->name, x->levels.n, y->levels.n);
        for (size_t l = 0; l < x->levels.n; l++)
            if (strcmp(x->levels.levels[l], y->levels.levels[l])) DIFF("column '%s': level %zu", x->name, l);
    }
    if (!a->unread != !b->unread) DIFF("one table has unread columns");
    if (a->unread) {
        const char *u = tu_table_diff(a->unread, b->unread);
        if (u) {
            static char w2[300];
            snprintf(w2, sizeof w2, "unread: %s", u);
            return w2;
        }
    }
#undef DIFF
    return NULL;
}

#endif
