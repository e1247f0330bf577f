/* Internals of the report writer: one builder that writes HTML and Markdown side by side and
 * records every number it shows in the evidence JSON, and the gnuplot runner. */
#ifndef VIGIL_REPORT_INTERNAL_H
#define VIGIL_REPORT_INTERNAL_H

#include "core/util.h"
#include <cjson/cJSON.h>
#include <stddef.h>

/* One table cell: text as shown, plus the number(s) behind it for the evidence file.
 * nv 0: text only; 1: v[0]; 2: the interval [v[0], v[1]]; -1: withheld (small cell). */
typedef struct {
    char text[512];
    double v[2];
    int nv;
    const char *cls; /* CSS class: "pass", "fail", "sup", or NULL */
    int outside;     /* an interval that does not contain its estimate (vigil_cell_ci_of) */
    const char *method; /* an interval's method (vigil_cell_method): a mark in the cell, the
                         * legend under the table; must outlive the table's row */
} rcell;

typedef struct {
    char name[32];
    char *svg; /* NULL when not drawn */
} rplot_file;

typedef struct {
    vigil_sbuf html, md;
    vigil_sbuf toc;      /* <li> entries of the table of contents (h2 and h3) */
    cJSON *evidence;     /* the whole evidence document */
    cJSON *tables;       /* evidence.tables: id -> {caption, columns, rows} */
    cJSON *rows;         /* rows of the table being written */
    size_t ncols;
    int min_cell;
    rplot_file plots[32];
    size_t n_plots, n_drawn;
    int outside; /* the table being written has an interval outside its estimate: a note follows it */
    size_t table_at, table_rows; /* where the table being written starts in html, and its rows so far */
    cJSON *table;        /* evidence.tables[id] of the table being written */
    cJSON *methods;      /* its cell_methods rows: each interval cell's method, else null */
    const char *legend[16]; /* the interval methods of the table being written, in mark order */
    int n_legend;
} rdoc;

void vigil_doc_init(rdoc *d, int min_cell);
void vigil_doc_free(rdoc *d);
void vigil_doc_h(rdoc *d, int level, const char *id, const char *title);
void vigil_doc_p(rdoc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A callout box (cls: "fail", "ok", "warn") with a bold lead and text. */
void vigil_doc_box(rdoc *d, const char *cls, const char *lead, const char *text);
/* Text quoted verbatim from a stored document, attributed to its JSON path. */
void vigil_doc_quote(rdoc *d, const char *source, const char *text);
void vigil_doc_list_item(rdoc *d, const char *text, int first, int last);
void vigil_doc_code(rdoc *d, const char *text);
void vigil_doc_table(rdoc *d, const char *id, const char *caption, const char *const *cols, size_t n);
void vigil_doc_row(rdoc *d, const rcell *cells);
void vigil_doc_table_end(rdoc *d);
/* An inline plot (svg NULL: the note says why and what it would show). */
void vigil_doc_plot(rdoc *d, const char *name, const char *title, const char *svg, const char *why,
             const char *describes);
/* Raw HTML only (layout helpers). */
void vigil_doc_html(rdoc *d, const char *s);

/* Cell constructors. */
rcell vigil_cell_txt(const char *s);
rcell vigil_cell_num(double v, int digits);
rcell vigil_cell_p(double p);
rcell vigil_cell_ci(double lo, double hi, int digits);
/* The interval of estimate `point`, marked with a dagger when it does not contain the estimate;
 * the table then ends with a note saying why that happens and how to read it. */
rcell vigil_cell_ci_of(double point, double lo, double hi, int digits);
/* A count: 1..min_cell-1 withheld. */
rcell vigil_cell_count(double n, int min_cell);
rcell vigil_cell_pass(int pass);
rcell vigil_cell_sup(void);
/* "undefined (why)": a number (nv 1) or an interval (nv 2) the run did not give, with the
 * reason beside it (null in evidence.json); never a bare "undefined". */
rcell vigil_cell_undef(int nv, const char *why);
/* "not applicable (why)": where the method gives no such number (a test's p-value has no
 * interval). */
rcell vigil_cell_na(const char *why);
/* Interval cell c with the method that gave it (issue 18: the report says which method each
 * interval used): the cell gets a superscript mark, the table a legend of its methods
 * ("BCa bootstrap", "percentile bootstrap (BCa undefined: ...)", "DeLong", "Wilson score")
 * and evidence.json the method of each cell (tables[id].cell_methods). NULL, or c not a given
 * interval (nv 2, a finite bound): c unchanged. */
rcell vigil_cell_method(rcell c, const char *method);

/* "0.842" / "undefined" for NaN (a withheld cell is vigil_cell_sup: "suppressed (cell-size
 * policy)"; the two are never shown alike). */
void vigil_fmt_num(char *out, size_t cap, double v, int digits);

/* The one HTML escaper: every text node and attribute value the report writes goes through
 * it (& < > " ' become entities), ids and classes included. */
void vigil_html_escape(vigil_sbuf *b, const char *s);
/* Markdown inline text, escaped so that it is shown as written. */
void vigil_md_escape(vigil_sbuf *b, const char *s);
/* `s` as the body of a CSS string literal ("..."): quotes, backslashes, '<' and control
 * characters as CSS escapes, so it can neither end the string nor the <style> element. */
void vigil_css_str(vigil_sbuf *b, const char *s);

/* Append `s` to a gnuplot script as one single-quoted string literal. This is the only way a
 * string (a title, a label, a subgroup level or feature name from the case file) may enter a
 * script: inside single quotes gnuplot does no backslash, backquote (command) or @ (macro)
 * substitution, and '' is the quote itself; control characters (a newline would end the
 * command, or a datablock) become spaces. Datablocks hold numbers only. */
void vigil_gp_str(vigil_sbuf *b, const char *s);

/* Run gnuplot on `script` (which must `set output 'plot.svg'`); returns the SVG element (from
 * "<svg" on, ids made unique with `prefix`) or NULL with *why set to a static reason. */
char *vigil_plot_run(const char *script, const char *prefix, const char **why);
/* vigil_plot_run on a script built in b, which it frees (a failed build: NULL, "out of memory"). */
char *vigil_plot_finish(vigil_sbuf *b, const char *prefix, const char **why);
/* 1 with its path in `out` when the executable `name` is on PATH. */
int vigil_find_exe(const char *name, char *out, size_t cap);
/* 1 when gnuplot is on PATH. */
int vigil_plot_available(void);

#endif
