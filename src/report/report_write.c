/* The report directory: everything is written into "<dir>.tmp" and renamed into place at the
 * end, so an interrupted `vigil report` never leaves a half report that looks whole. */
#include "report/report_write.h"
#include "vigil/error.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char k_css[] =
    "body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;"
    "padding:0 1em;color:#111;line-height:1.45}\n"
    "h1{font-size:1.6em;border-bottom:3px solid #0072B2}h2{margin-top:2em;border-bottom:1px solid #999}\n"
    "table{border-collapse:collapse;margin:1em 0;font-size:.88em;width:100%}\n"
    "caption{text-align:left;font-weight:bold;padding:.3em 0}\n"
    "th,td{border:1px solid #bbb;padding:.25em .5em;vertical-align:top;word-break:break-word}\n"
    "th{background:#eef3f8}td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    "td.pass{color:#005a8c;font-weight:bold}td.fail{color:#fff;background:#b03c00;font-weight:bold}\n"
    "td.sup{color:#555;font-style:italic}\n"
    ".box{padding:.7em 1em;margin:1em 0;border-left:8px solid}\n"
    ".box.ok{border-color:#0072B2;background:#eaf3fb}.box.warn{border-color:#E69F00;background:#fdf5e6}\n"
    ".box.fail{border-color:#D55E00;background:#fbe9e0}.box.banner{font-size:1.2em;border:4px solid #D55E00}\n"
    "blockquote{border-left:4px solid #999;margin:1em 0;padding:.3em 1em;background:#f6f6f6}\n"
    "blockquote cite{display:block;font-size:.85em;color:#444}\n"
    "figure.plot{margin:1.5em 0;page-break-inside:avoid;break-inside:avoid}\n"
    "figure.plot svg{width:100%;max-width:720px;height:auto;display:block}\n"
    "figcaption{font-size:.88em;color:#333}.noplot{border:2px dashed #999;padding:2em;color:#333}\n"
    "pre{background:#f4f4f4;padding:.6em;overflow-x:auto;font-size:.85em;white-space:pre-wrap}\n"
    "@media print{body{max-width:none;margin:0;font-size:10pt}h2{page-break-before:auto;break-after:avoid}"
    "table,figure{break-inside:avoid}td.fail{color:#000;background:none;border:2px solid #000}"
    ".box{border:2px solid #000;background:none}a{color:#000}pre{white-space:pre-wrap}}\n";

static int write_file(const char *dir, const char *name, const char *text)
{
    char p[8300];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    if (!f) return vigil_error_set(VIGIL_EIO, "%s: cannot write (%s)", p, strerror(errno));
    size_t n = strlen(text);
    int bad = fwrite(text, 1, n, f) != n;
    bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    return bad ? vigil_error_set(VIGIL_EIO, "%s: write failed (%s)", p, strerror(errno)) : VIGIL_OK;
}

/* Remove a directory the report writer owns (flat: files only). */
static void remove_flat(const char *dir)
{
    DIR *dd = opendir(dir);
    if (!dd) return;
    struct dirent *e;
    char p[8300];
    while ((e = readdir(dd)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(dd);
    rmdir(dir);
}

/* 1 when `dir` is absent, empty or a previous report (flat, with evidence.json). */
static int replaceable(const char *dir, int *exists)
{
    struct stat st;
    *exists = 0;
    if (stat(dir, &st) != 0) return errno == ENOENT;
    *exists = 1;
    if (!S_ISDIR(st.st_mode)) return 0;
    char p[8300];
    snprintf(p, sizeof p, "%s/evidence.json", dir);
    if (access(p, F_OK) == 0) return 1;
    DIR *dd = opendir(dir);
    if (!dd) return 0;
    struct dirent *e;
    int empty = 1;
    while ((e = readdir(dd)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) empty = 0;
    closedir(dd);
    return empty;
}

int vigil_report_write_dir(const char *dir, rdoc *d, const char *card)
{
    char tmp[8300], old[8300];
    int exists = 0, rc;
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') n--;
    if (n + 16 >= sizeof tmp) return vigil_error_set(VIGIL_EINVAL, "--out '%s': path too long", dir);
    char base[4096];
    snprintf(base, sizeof base, "%.*s", (int)n, dir);
    if (!replaceable(base, &exists))
        return vigil_error_set(VIGIL_EINVAL, "--out '%s' exists and is not a vigil report directory; "
                               "choose a new or empty directory", base);
    snprintf(tmp, sizeof tmp, "%s.tmp", base);
    remove_flat(tmp); /* a previous interrupted attempt */
    if (mkdir(tmp, 0755) != 0) return vigil_error_set(VIGIL_EIO, "%s: cannot create (%s)", tmp, strerror(errno));

    vigil_sbuf h = {0};
    vigil_sbuf_printf(&h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                          "<title>vigil PCCP evidence report</title>\n<style>\n%s</style>\n</head>\n<body>\n%s"
                          "<footer><p>Generated by vigil from stored runs only.</p></footer>\n</body>\n</html>\n",
                      k_css, d->html.s ? d->html.s : "");
    char *ev = cJSON_PrintBuffered(d->evidence, 1 << 16, 1);
    if (h.failed || !ev) {
        vigil_sbuf_free(&h);
        free(ev);
        remove_flat(tmp);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory writing the report");
    }
    rc = write_file(tmp, "report.html", h.s);
    if (!rc) rc = write_file(tmp, "report.md", d->md.s ? d->md.s : "");
    for (size_t i = 0; !rc && i < d->n_plots; i++) {
        if (!d->plots[i].svg) continue;
        char name[64];
        snprintf(name, sizeof name, "plot-%s.svg", d->plots[i].name);
        vigil_sbuf svg = {0};
        vigil_sbuf_printf(&svg, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n%s\n", d->plots[i].svg);
        rc = svg.failed ? vigil_error_set(VIGIL_ENOMEM, "out of memory") : write_file(tmp, name, svg.s);
        vigil_sbuf_free(&svg);
    }
    if (!rc) rc = write_file(tmp, "model-card.xml", card);
    /* evidence.json last: its presence marks a finished report directory. */
    if (!rc) rc = write_file(tmp, "evidence.json", ev);
    vigil_sbuf_free(&h);
    free(ev);
    if (rc) {
        remove_flat(tmp);
        return rc;
    }
    if (exists) {
        snprintf(old, sizeof old, "%s.old", base);
        remove_flat(old);
        if (rename(base, old) != 0) {
            remove_flat(tmp);
            return vigil_error_set(VIGIL_EIO, "%s: cannot replace (%s)", base, strerror(errno));
        }
    }
    if (rename(tmp, base) != 0) {
        rc = vigil_error_set(VIGIL_EIO, "%s: cannot rename %s into place (%s)", base, tmp, strerror(errno));
        if (exists) rename(old, base);
        remove_flat(tmp);
        return rc;
    }
    if (exists) remove_flat(old);
    return VIGIL_OK;
}
