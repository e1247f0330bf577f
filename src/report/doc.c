/* The dual HTML/Markdown writer behind reports: every table row also lands in evidence.json. */
#include "vigil/fairness.h"
#include "report/report_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vigil_html_escape(vigil_sbuf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': vigil_sbuf_append(b, "&amp;", 5); break;
        case '<': vigil_sbuf_append(b, "&lt;", 4); break;
        case '>': vigil_sbuf_append(b, "&gt;", 4); break;
        case '"': vigil_sbuf_append(b, "&quot;", 6); break;
        case '\'': vigil_sbuf_append(b, "&#39;", 5); break;
        default: vigil_sbuf_append(b, s, 1);
        }
    }
}

/* Markdown inline text: every ASCII punctuation character that can start markup (emphasis,
 * code, links, images, HTML, entities, headings, lists, tables) is backslash-escaped, which
 * CommonMark and GFM render as the character itself; line breaks become spaces. */
void vigil_md_escape(vigil_sbuf *b, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '\n' || *s == '\r') {
            vigil_sbuf_append(b, " ", 1);
            continue;
        }
        if (strchr("|*_`<>[]\\#!&~", *s)) vigil_sbuf_append(b, "\\", 1);
        vigil_sbuf_append(b, s, 1);
    }
}

void vigil_css_str(vigil_sbuf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\' || *p == '<' || *p == '>' || *p == '&' || *p < 0x20 || *p == 0x7f)
            vigil_sbuf_printf(b, "\\%x ", *p);
        else vigil_sbuf_append(b, (const char *)p, 1);
    }
}

#define md_escape vigil_md_escape

/* An attribute value, escaped by the one escaper. */
static void attr(vigil_sbuf *b, const char *name, const char *prefix, const char *value)
{
    vigil_sbuf_printf(b, " %s=\"", name);
    vigil_html_escape(b, prefix);
    vigil_html_escape(b, value);
    vigil_sbuf_append(b, "\"", 1);
}

void vigil_doc_init(rdoc *d, int min_cell)
{
    memset(d, 0, sizeof *d);
    d->min_cell = (int)vigil_fairness_min_cell(min_cell > 0 ? (size_t)min_cell : 0);
    d->evidence = cJSON_CreateObject();
    d->tables = cJSON_AddObjectToObject(d->evidence, "tables");
}

void vigil_doc_free(rdoc *d)
{
    vigil_sbuf_free(&d->html);
    vigil_sbuf_free(&d->md);
    vigil_sbuf_free(&d->toc);
    cJSON_Delete(d->evidence);
    for (size_t i = 0; i < d->n_plots; i++) free(d->plots[i].svg);
    memset(d, 0, sizeof *d);
}

void vigil_doc_html(rdoc *d, const char *s) { vigil_sbuf_printf(&d->html, "%s", s); }

void vigil_doc_h(rdoc *d, int level, const char *id, const char *title)
{
    vigil_sbuf_printf(&d->html, "<h%d", level);
    attr(&d->html, "id", "", id);
    vigil_sbuf_append(&d->html, ">", 1);
    vigil_html_escape(&d->html, title);
    if (level == 2 || level == 3) {
        vigil_sbuf_printf(&d->toc, "<li class=\"l%d\"><a", level);
        attr(&d->toc, "href", "#", id);
        vigil_sbuf_append(&d->toc, ">", 1);
        vigil_html_escape(&d->toc, title);
        vigil_sbuf_printf(&d->toc, "</a></li>\n");
    }
    vigil_sbuf_printf(&d->html, "</h%d>\n", level);
    vigil_sbuf_printf(&d->md, "\n%.*s ", level, "######");
    md_escape(&d->md, title);
    vigil_sbuf_printf(&d->md, "\n\n");
}

void vigil_doc_p(rdoc *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) s = NULL;
    va_end(ap);
    if (!s) {
        d->html.failed = 1;
        return;
    }
    vigil_sbuf_printf(&d->html, "<p>");
    vigil_html_escape(&d->html, s);
    vigil_sbuf_printf(&d->html, "</p>\n");
    md_escape(&d->md, s);
    vigil_sbuf_printf(&d->md, "\n\n");
    free(s);
}

void vigil_doc_box(rdoc *d, const char *cls, const char *lead, const char *text)
{
    vigil_sbuf_printf(&d->html, "<div");
    attr(&d->html, "class", "box ", cls);
    vigil_sbuf_printf(&d->html, " role=\"note\"><strong>");
    vigil_html_escape(&d->html, lead);
    vigil_sbuf_printf(&d->html, "</strong> ");
    vigil_html_escape(&d->html, text);
    vigil_sbuf_printf(&d->html, "</div>\n");
    vigil_sbuf_printf(&d->md, "> **");
    md_escape(&d->md, lead);
    vigil_sbuf_printf(&d->md, "** ");
    md_escape(&d->md, text);
    vigil_sbuf_printf(&d->md, "\n\n");
}

void vigil_doc_quote(rdoc *d, const char *source, const char *text)
{
    vigil_sbuf_printf(&d->html, "<blockquote><p>");
    vigil_html_escape(&d->html, text ? text : "(not given in the suite)");
    vigil_sbuf_printf(&d->html, "</p><cite>");
    vigil_html_escape(&d->html, source);
    vigil_sbuf_printf(&d->html, "</cite></blockquote>\n");
    /* line by line, each escaped: a quoted text can neither end the quote nor add markup */
    const char *t = text ? text : "(not given in the suite)";
    for (;;) {
        const char *e = strchr(t, '\n');
        char *line = vigil_strndup(t, e ? (size_t)(e - t) : strlen(t));
        vigil_sbuf_printf(&d->md, "> ");
        md_escape(&d->md, line);
        vigil_sbuf_printf(&d->md, "\n");
        free(line);
        if (!e) break;
        vigil_sbuf_printf(&d->md, ">\n");
        t = e + 1;
    }
    vigil_sbuf_printf(&d->md, ">\n> \xe2\x80\x94 ");
    md_escape(&d->md, source);
    vigil_sbuf_printf(&d->md, "\n\n");
}

void vigil_doc_list_item(rdoc *d, const char *text, int first, int last)
{
    if (first) vigil_sbuf_printf(&d->html, "<ul>\n");
    vigil_sbuf_printf(&d->html, "<li>");
    vigil_html_escape(&d->html, text);
    vigil_sbuf_printf(&d->html, "</li>\n");
    if (last) vigil_sbuf_printf(&d->html, "</ul>\n");
    vigil_sbuf_printf(&d->md, "- ");
    md_escape(&d->md, text);
    vigil_sbuf_printf(&d->md, last ? "\n\n" : "\n");
}

void vigil_doc_code(rdoc *d, const char *text)
{
    vigil_sbuf_printf(&d->html, "<pre><code>");
    vigil_html_escape(&d->html, text);
    vigil_sbuf_printf(&d->html, "</code></pre>\n");
    /* a fence longer than any backtick run in the text, so the text cannot close it */
    size_t run = 0, longest = 0;
    for (const char *s = text; s && *s; s++) {
        run = *s == '`' ? run + 1 : 0;
        if (run > longest) longest = run;
    }
    size_t fence = longest >= 3 ? longest + 1 : 3;
    for (size_t i = 0; i < fence; i++) vigil_sbuf_append(&d->md, "`", 1);
    vigil_sbuf_printf(&d->md, "sh\n%s\n", text);
    for (size_t i = 0; i < fence; i++) vigil_sbuf_append(&d->md, "`", 1);
    vigil_sbuf_printf(&d->md, "\n\n");
}

void vigil_doc_table(rdoc *d, const char *id, const char *caption, const char *const *cols, size_t n)
{
    d->ncols = n;
    cJSON *t = cJSON_AddObjectToObject(d->tables, id);
    cJSON_AddStringToObject(t, "caption", caption);
    cJSON *c = cJSON_AddArrayToObject(t, "columns");
    for (size_t i = 0; i < n; i++) cJSON_AddItemToArray(c, cJSON_CreateString(cols[i]));
    d->rows = cJSON_AddArrayToObject(t, "rows");
    d->table = t, d->methods = cJSON_CreateArray(), d->n_legend = 0;
    d->table_at = d->html.len, d->table_rows = 0;
    vigil_sbuf_printf(&d->html, "<table");
    attr(&d->html, "id", "t-", id);
    vigil_sbuf_printf(&d->html, "><caption>");
    vigil_html_escape(&d->html, caption);
    vigil_sbuf_printf(&d->html, "</caption>\n<thead><tr>");
    vigil_sbuf_printf(&d->md, "*");
    md_escape(&d->md, caption);
    vigil_sbuf_printf(&d->md, "*\n\n|");
    for (size_t i = 0; i < n; i++) {
        vigil_sbuf_printf(&d->html, "<th scope=\"col\">");
        vigil_html_escape(&d->html, cols[i]);
        vigil_sbuf_printf(&d->html, "</th>");
        vigil_sbuf_printf(&d->md, " ");
        md_escape(&d->md, cols[i]);
        vigil_sbuf_printf(&d->md, " |");
    }
    vigil_sbuf_printf(&d->html, "</tr></thead>\n<tbody>\n");
    vigil_sbuf_printf(&d->md, "\n|");
    for (size_t i = 0; i < n; i++) vigil_sbuf_printf(&d->md, " --- |");
    vigil_sbuf_printf(&d->md, "\n");
}

static cJSON *cell_json(const rcell *c)
{
    if (c->nv == -1) return cJSON_CreateNull();
    if (c->nv == 1) return isfinite(c->v[0]) ? cJSON_CreateNumber(c->v[0]) : cJSON_CreateNull();
    if (c->nv == 2) {
        cJSON *a = cJSON_CreateArray();
        for (int i = 0; i < 2; i++)
            cJSON_AddItemToArray(a, isfinite(c->v[i]) ? cJSON_CreateNumber(c->v[i]) : cJSON_CreateNull());
        return a;
    }
    return cJSON_CreateString(c->text);
}

/* The mark of a method in the table's legend (added when new): a, b, c, ... */
static int legend_mark(rdoc *d, const char *method)
{
    for (int k = 0; k < d->n_legend; k++)
        if (!strcmp(d->legend[k], method)) return k;
    if (d->n_legend == (int)(sizeof d->legend / sizeof *d->legend)) return -1;
    d->legend[d->n_legend] = method;
    return d->n_legend++;
}

/* How a stored method reads in a legend: the bootstrap's named as such. */
static void method_text(char *out, size_t cap, const char *m)
{
    if (!strcmp(m, "BCa")) snprintf(out, cap, "BCa bootstrap (bias-corrected and accelerated)");
    else if (!strncmp(m, "percentile (", 12)) snprintf(out, cap, "percentile bootstrap %s", m + 11);
    else snprintf(out, cap, "%s", m);
}

rcell vigil_cell_method(rcell c, const char *method)
{
    /* only an interval that is given carries a method: an undefined one says why instead */
    int given = c.nv == 2 && (isfinite(c.v[0]) || isfinite(c.v[1]));
    c.method = given && method && *method ? method : NULL;
    return c;
}

void vigil_doc_row(rdoc *d, const rcell *cells)
{
    cJSON *r = cJSON_CreateArray(), *mr = cJSON_CreateArray();
    vigil_sbuf_printf(&d->html, "<tr>");
    vigil_sbuf_printf(&d->md, "|");
    for (size_t i = 0, span = 1; i < d->ncols; i++) {
        const rcell *c = &cells[i];
        int mk = c->method ? legend_mark(d, c->method) : -1;
        /* a run of withheld cells is one cell across their columns in HTML (the text does not
         * wrap, so a row of them was wider than the printed page); Markdown and evidence.json
         * keep a cell per column */
        int sup = c->cls && strcmp(c->cls, "sup") == 0;
        if (sup && i + 1 < d->ncols && cells[i + 1].cls && strcmp(cells[i + 1].cls, "sup") == 0 &&
            strcmp(cells[i + 1].text, c->text) == 0)
            span++;
        else {
            vigil_sbuf_printf(&d->html, "<td");
            if (c->cls || c->nv) attr(&d->html, "class", "", c->cls ? c->cls : "num");
            if (span > 1) vigil_sbuf_printf(&d->html, " colspan=\"%zu\"", span);
            vigil_sbuf_append(&d->html, ">", 1);
            vigil_html_escape(&d->html, c->text);
            if (mk >= 0) vigil_sbuf_printf(&d->html, "<sup class=\"m\">%c</sup>", 'a' + mk);
            vigil_sbuf_printf(&d->html, "</td>");
            span = 1;
        }
        vigil_sbuf_printf(&d->md, " ");
        if (c->cls && (strcmp(c->cls, "fail") == 0)) vigil_sbuf_printf(&d->md, "**");
        md_escape(&d->md, c->text);
        if (c->cls && (strcmp(c->cls, "fail") == 0)) vigil_sbuf_printf(&d->md, "**");
        if (mk >= 0) vigil_sbuf_printf(&d->md, " <sup>%c</sup>", 'a' + mk);
        vigil_sbuf_printf(&d->md, " |");
        cJSON_AddItemToArray(r, cell_json(c));
        cJSON_AddItemToArray(mr, c->method ? cJSON_CreateString(c->method) : cJSON_CreateNull());
        d->outside |= c->outside;
    }
    vigil_sbuf_printf(&d->html, "</tr>\n");
    vigil_sbuf_printf(&d->md, "\n");
    cJSON_AddItemToArray(d->rows, r);
    /* every row's methods (nulls where unmarked); vigil_doc_table_end drops them all when no
     * cell of the table was marked */
    if (!cJSON_AddItemToArray(d->methods, mr)) cJSON_Delete(mr);
    d->table_rows++;
}

/* A note of the table just written, printed on its page (print CSS: p.tnote{break-before:
 * avoid}). */
static void tnote(rdoc *d, const char *text)
{
    vigil_sbuf_printf(&d->html, "<p class=\"tnote\">");
    vigil_html_escape(&d->html, text);
    vigil_sbuf_printf(&d->html, "</p>\n");
    md_escape(&d->md, text);
    vigil_sbuf_printf(&d->md, "\n\n");
}

/* The most rows a table is kept on one page with its caption (print CSS: table{break-inside:
 * avoid}): a shorter one moves whole to the next page rather than leave its caption and header
 * alone at a page end; a longer one is class "long", which may start on a page and continue
 * there (its header row repeated). */
#define KEEP_ROWS 30

void vigil_doc_table_end(rdoc *d)
{
    static const char cls[] = " class=\"long\"";
    vigil_sbuf *h = &d->html;
    size_t at = d->table_at + 6, k = sizeof cls - 1; /* after "<table" */
    if (d->table_rows > KEEP_ROWS && !h->failed && h->s && at <= h->len && !strncmp(h->s + d->table_at, "<table", 6)) {
        size_t len = h->len;
        vigil_sbuf_append(h, cls, k); /* room for it */
        if (!h->failed) {
            memmove(h->s + at + k, h->s + at, len - at);
            memcpy(h->s + at, cls, k);
        }
    }
    d->table_rows = 0;
    vigil_sbuf_printf(&d->html, "</tbody></table>\n");
    vigil_sbuf_printf(&d->md, "\n");
    d->rows = NULL;
    d->ncols = 0;
    if (d->n_legend && d->table) { /* each interval's method: the marks' legend, and per cell */
        cJSON_AddItemToObject(d->table, "cell_methods", d->methods);
        vigil_sbuf b = {0};
        for (int q = 0; q < d->n_legend; q++) {
            char t[400];
            method_text(t, sizeof t, d->legend[q]);
            vigil_sbuf_printf(&b, "%s%c: %s", q ? "; " : "", 'a' + q, t);
        }
        vigil_sbuf t = {0};
        vigil_sbuf_printf(&t, "Interval methods (the mark beside each interval): %s.", b.s ? b.s : "");
        tnote(d, t.s);
        if (b.failed || t.failed) d->html.failed = 1;
        vigil_sbuf_free(&t);
        vigil_sbuf_free(&b);
    } else cJSON_Delete(d->methods);
    d->methods = NULL, d->table = NULL, d->n_legend = 0;
    if (d->outside)
        tnote(d, "\xe2\x80\xa0 This interval does not contain its estimate. That happens to bounded statistics "
                       "near their bound (a gap across levels or a calibration error cannot go below 0, a ratio of "
                       "rates cannot exceed 1): resampling moves them away from the bound, so the bootstrap "
                       "distribution is not centred on the estimate. The interval is still the stated method's 95% "
                       "interval (BCa, which corrects for that bias, or the percentile interval where BCa is "
                       "undefined: the table's interval methods); read it as the range of the statistic, not as a "
                       "band around the estimate.");
    d->outside = 0;
}

void vigil_doc_plot(rdoc *d, const char *name, const char *title, const char *svg, const char *why,
             const char *describes)
{
    /* past the files a report keeps, the plot is not linked to a file it will not write */
    if (svg && d->n_plots >= sizeof d->plots / sizeof d->plots[0])
        svg = NULL, why = "the report already holds its most plots (32); this one was not written";
    vigil_sbuf_printf(&d->html, "<figure class=\"plot\"");
    attr(&d->html, "id", "plot-", name);
    vigil_sbuf_printf(&d->html, ">\n");
    if (svg) {
        vigil_sbuf_printf(&d->html, "%s\n", svg);
        vigil_sbuf_printf(&d->md, "![");
        md_escape(&d->md, title);
        vigil_sbuf_printf(&d->md, "](plot-%s.svg)\n\n", name);
    } else {
        vigil_sbuf_printf(&d->html, "<div class=\"noplot\">Plot not drawn: ");
        vigil_html_escape(&d->html, why);
        vigil_sbuf_printf(&d->html, ". It would show ");
        vigil_html_escape(&d->html, describes);
        vigil_sbuf_printf(&d->html, ".</div>\n");
        vigil_sbuf_printf(&d->md, "> **Plot not drawn** (");
        md_escape(&d->md, name);
        vigil_sbuf_printf(&d->md, "): ");
        md_escape(&d->md, why);
        vigil_sbuf_printf(&d->md, ". It would show ");
        md_escape(&d->md, describes);
        vigil_sbuf_printf(&d->md, ".\n\n");
    }
    vigil_sbuf_printf(&d->html, "<figcaption>");
    vigil_html_escape(&d->html, title);
    vigil_sbuf_printf(&d->html, ". ");
    vigil_html_escape(&d->html, describes);
    vigil_sbuf_printf(&d->html, ".</figcaption></figure>\n");
    vigil_sbuf_printf(&d->md, "*Figure: ");
    md_escape(&d->md, title);
    vigil_sbuf_printf(&d->md, ".*\n\n");
    if (d->n_plots < sizeof d->plots / sizeof d->plots[0]) {
        rplot_file *p = &d->plots[d->n_plots++];
        snprintf(p->name, sizeof p->name, "%s", name);
        p->svg = svg ? vigil_strdup(svg) : NULL;
        if (svg) d->n_drawn++;
    }
    cJSON *pl = cJSON_GetObjectItem(d->evidence, "plots");
    if (!pl) pl = cJSON_AddObjectToObject(d->evidence, "plots");
    cJSON *o = cJSON_GetObjectItem(pl, name);
    if (!o) o = cJSON_AddObjectToObject(pl, name);
    cJSON_AddStringToObject(o, "title", title);
    cJSON_AddBoolToObject(o, "drawn", svg != NULL);
    if (!svg) cJSON_AddStringToObject(o, "why_not", why);
}

void vigil_fmt_num(char *out, size_t cap, double v, int digits)
{
    if (!isfinite(v)) snprintf(out, cap, "undefined"); /* never a bare dash: withheld cells say so */
    else snprintf(out, cap, "%.*f", digits, v == 0 ? 0.0 : v);
}

rcell vigil_cell_txt(const char *s)
{
    rcell c = {0};
    snprintf(c.text, sizeof c.text, "%s", s ? s : "");
    return c;
}

/* A number or interval a table shows without a more specific reason for its absence: the run
 * stored none (null) there; never a bare "undefined" (issue 18). */
#define UNDEF_TEXT "undefined (none on these cases)"

rcell vigil_cell_num(double v, int digits)
{
    rcell c = {0};
    if (isfinite(v)) vigil_fmt_num(c.text, sizeof c.text, v, digits);
    else snprintf(c.text, sizeof c.text, UNDEF_TEXT);
    c.v[0] = v;
    c.nv = 1;
    return c;
}

rcell vigil_cell_p(double p)
{
    rcell c = {0};
    if (!isfinite(p)) snprintf(c.text, sizeof c.text, UNDEF_TEXT);
    else if (p < 1e-4) snprintf(c.text, sizeof c.text, "%.1e", p);
    else snprintf(c.text, sizeof c.text, "%.4f", p);
    c.v[0] = p;
    c.nv = 1;
    return c;
}

rcell vigil_cell_ci(double lo, double hi, int digits)
{
    rcell c = {0};
    if (!isfinite(lo) && !isfinite(hi)) snprintf(c.text, sizeof c.text, UNDEF_TEXT);
    else {
        char a[64], b[64];
        vigil_fmt_num(a, sizeof a, lo, digits);
        vigil_fmt_num(b, sizeof b, hi, digits);
        snprintf(c.text, sizeof c.text, "%s to %s", a, b);
    }
    c.v[0] = lo;
    c.v[1] = hi;
    c.nv = 2;
    return c;
}

rcell vigil_cell_ci_of(double point, double lo, double hi, int digits)
{
    rcell c = vigil_cell_ci(lo, hi, digits);
    if (isfinite(point) && isfinite(lo) && isfinite(hi) && (point < lo || point > hi)) {
        size_t l = strlen(c.text);
        snprintf(c.text + l, sizeof c.text - l, " \xe2\x80\xa0");
        c.outside = 1;
    }
    return c;
}

rcell vigil_cell_sup(void)
{
    rcell c = {0};
    snprintf(c.text, sizeof c.text, "suppressed (cell-size policy)");
    c.nv = -1;
    c.cls = "sup";
    return c;
}

rcell vigil_cell_undef(int nv, const char *why)
{
    rcell c = {0};
    snprintf(c.text, sizeof c.text, "undefined (%s)", why);
    c.v[0] = c.v[1] = NAN;
    c.nv = nv;
    return c;
}

rcell vigil_cell_na(const char *why)
{
    rcell c = {0};
    snprintf(c.text, sizeof c.text, "not applicable (%s)", why);
    return c;
}

rcell vigil_cell_count(double n, int min_cell)
{
    if (isfinite(n) && !vigil_fairness_count_ok(n, (size_t)min_cell)) return vigil_cell_sup();
    if (!isfinite(n)) return vigil_cell_num(NAN, 0);
    rcell c = {0};
    snprintf(c.text, sizeof c.text, "%.0f", n);
    c.v[0] = n;
    c.nv = 1;
    return c;
}

rcell vigil_cell_pass(int pass)
{
    rcell c = vigil_cell_txt(pass ? "PASS" : "FAIL");
    c.cls = pass ? "pass" : "fail";
    return c;
}
