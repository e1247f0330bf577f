/* The report directory: everything is written into a fresh "<dir>.tmp-XXXXXX" (mkdtemp, beside
 * it) and renamed into place at the end, so an interrupted `vigil report` never leaves a half
 * report that looks whole; and nothing but what a report consists of is ever removed. */
#include "report/report_write.h"
#include "vigil/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char k_css[] =
    "body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;"
    "padding:0 1em;color:#111;line-height:1.45}\n"
    "h1{font-size:1.6em;border-bottom:3px solid #0072B2}h2{margin-top:2em;border-bottom:1px solid #999}\n"
    "h1,h2,h3,h4,caption,thead{break-after:avoid;page-break-after:avoid}\n"
    "table{border-collapse:collapse;margin:1em 0;font-size:.88em;width:100%}\n"
    "thead{display:table-header-group}tr{break-inside:avoid;page-break-inside:avoid}\n"
    "caption{text-align:left;font-weight:bold;padding:.3em 0}\n"
    /* text wraps at spaces only; numbers, intervals, verdicts and hashes never wrap */
    "th,td{border:1px solid #bbb;padding:.25em .5em;vertical-align:top;word-break:normal;overflow-wrap:normal}\n"
    "th{background:#eef3f8;hyphens:none}td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    "td.num,td.pass,td.fail,td.sup,td.hash{white-space:nowrap}\n"
    "td.hash{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:.78em}\n"
    "td.pass{color:#005a8c;font-weight:bold}td.fail{color:#fff;background:#b03c00;font-weight:bold}\n"
    "td.sup{color:#555;font-style:italic}\n"
    ".box{padding:.7em 1em;margin:1em 0;border-left:8px solid}\n"
    ".box.ok{border-color:#0072B2;background:#eaf3fb}.box.warn{border-color:#E69F00;background:#fdf5e6}\n"
    ".box.fail{border-color:#D55E00;background:#fbe9e0}.box.banner{font-size:1.2em;border:4px solid #D55E00}\n"
    "blockquote{border-left:4px solid #999;margin:1em 0;padding:.3em 1em;background:#f6f6f6}\n"
    "blockquote cite{display:block;font-size:.85em;color:#444}\n"
    "nav.toc ul{list-style:none;padding-left:0}nav.toc li.l3{padding-left:1.5em}nav.toc a{color:#111;text-decoration:none}\n"
    "figure.plot{margin:1.5em 0;page-break-inside:avoid;break-inside:avoid}\n"
    "figure.plot svg{width:100%;max-width:900px;height:auto;display:block}\n"
    "figcaption{font-size:.88em;color:#333}.noplot{border:2px dashed #999;padding:2em;color:#333}\n"
    "pre{background:#f4f4f4;padding:.6em;overflow-x:auto;font-size:.85em;white-space:pre-wrap}\n"
    "@page{size:A4;margin:18mm 12mm 16mm 12mm;"
    "@bottom-right{content:\"page \" counter(page) \" of \" counter(pages);font-size:8pt}}\n"
    "@media print{body{max-width:none;margin:0;font-size:9pt}table{font-size:8pt}"
    "h2{page-break-before:auto}nav.toc{break-after:page}"
    /* a table of up to 30 rows stays whole with its caption (doc.c), a longer one keeps its
     * caption, header and first row together; a heading goes with what follows it */
    "table{break-inside:avoid;page-break-inside:avoid}table.long{break-inside:auto;page-break-inside:auto}"
    "tbody tr:first-child{break-before:avoid}p:has(+table),p:has(+figure),h2+p,h3+p{break-after:avoid}"
    "p.tnote{break-before:avoid;break-inside:avoid;break-after:auto;font-size:.9em}"
    /* a short label (a level such as 70-79) does not break at its hyphen */
    "td:first-child{min-width:4.5em}"
    "figure{break-inside:avoid}td.fail{color:#000;background:none;border:2px solid #000}"
    ".box{border:2px solid #000;background:none}a{color:#000}pre{white-space:pre-wrap}}\n";

/* ---- only ever touching what vigil report wrote -------------------------------------------
 * The output directory and its siblings are reached through a descriptor of the parent and
 * openat(O_NOFOLLOW | O_DIRECTORY), never through a path a symlink could redirect; a directory is
 * emptied only of the names a report consists of (unlinkat never follows a link: a symlink among
 * them is itself removed, not its target). Files are created 0600, directories 0700. */

static const char *const k_files[] = {"report.html", "report.md", "report.pdf", "evidence.json", "model-card.xml"};

/* 1 when `n` is a name vigil report writes. */
static int our_name(const char *n)
{
    for (size_t i = 0; i < sizeof k_files / sizeof k_files[0]; i++)
        if (strcmp(n, k_files[i]) == 0) return 1;
    size_t len = strlen(n);
    return len > 9 && strncmp(n, "plot-", 5) == 0 && strcmp(n + len - 4, ".svg") == 0 && !strchr(n, '/');
}

static int open_dir_at(int pfd, const char *name)
{
    return openat(pfd, name, O_RDONLY | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
}

/* Remove the report files in directory `name` (under pfd), then the directory if that left it
 * empty. Anything else in it stays. */
static void remove_ours(int pfd, const char *name)
{
    int fd = open_dir_at(pfd, name);
    if (fd < 0) return;
    DIR *dd = fdopendir(fd);
    if (!dd) {
        close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(dd)) != NULL)
        if (our_name(e->d_name)) unlinkat(fd, e->d_name, 0);
    closedir(dd);
    unlinkat(pfd, name, AT_REMOVEDIR);
}

enum { OUT_ABSENT, OUT_EMPTY, OUT_OURS, OUT_FOREIGN };

/* What `name` under pfd is: absent, an empty directory, a previous report (a directory holding
 * evidence.json and nothing but regular files with report names), or anything else (FOREIGN,
 * with the first offending entry in `why`). A symlink or a non-directory is an error. */
static int classify(int pfd, const char *name, const char *shown, char *why, size_t cap)
{
    struct stat st;
    if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) return OUT_ABSENT;
        return vigil_error_set(VIGIL_EIO, "--out '%s': cannot inspect (%s)", shown, strerror(errno));
    }
    if (S_ISLNK(st.st_mode))
        return vigil_error_set(VIGIL_EINVAL, "--out '%s' is a symbolic link; name the directory itself", shown);
    if (!S_ISDIR(st.st_mode))
        return vigil_error_set(VIGIL_EINVAL, "--out '%s' exists and is not a directory", shown);
    int fd = open_dir_at(pfd, name);
    DIR *dd = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dd) {
        if (fd >= 0) close(fd);
        return vigil_error_set(VIGIL_EIO, "--out '%s': cannot read (%s)", shown, strerror(errno));
    }
    int n = 0, ours = 1, evidence = 0;
    struct dirent *e;
    *why = '\0';
    while ((e = readdir(dd)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        n++;
        struct stat fs;
        int ok = our_name(e->d_name) && fstatat(fd, e->d_name, &fs, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(fs.st_mode);
        if (!ok && ours) snprintf(why, cap, "%s", e->d_name);
        ours &= ok;
        evidence |= strcmp(e->d_name, "evidence.json") == 0;
    }
    closedir(dd);
    if (n == 0) return OUT_EMPTY;
    if (ours && evidence) return OUT_OURS;
    if (!*why) snprintf(why, cap, "no evidence.json");
    return OUT_FOREIGN;
}

static int write_file(int dfd, const char *shown, const char *name, const char *text)
{
    int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f) {
        int err = errno;
        if (fd >= 0) close(fd);
        return vigil_error_set(VIGIL_EIO, "%s/%s: cannot write (%s)", shown, name, strerror(err));
    }
    size_t n = strlen(text);
    int bad = fwrite(text, 1, n, f) != n;
    bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    return bad ? vigil_error_set(VIGIL_EIO, "%s/%s: write failed (%s)", shown, name, strerror(errno)) : VIGIL_OK;
}

/* file:// URL of an absolute path, percent-encoding all but unreserved characters and '/'. */
static void file_url(vigil_sbuf *b, const char *abs)
{
    vigil_sbuf_printf(b, "file://");
    for (const unsigned char *p = (const unsigned char *)abs; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("/-._~", *p))
            vigil_sbuf_append(b, (const char *)p, 1);
        else vigil_sbuf_printf(b, "%%%02X", *p);
    }
}

int vigil_report_pdf_available(char *exe, size_t cap)
{
    return vigil_find_exe("chromium", exe, cap) || vigil_find_exe("chromium-browser", exe, cap);
}

/* report.pdf from report.html in the (absolute) directory `abs`, through headless Chromium. */
static int print_pdf(const char *abs, const char *shown)
{
    char exe[4096];
    if (!vigil_report_pdf_available(exe, sizeof exe)) return vigil_error_set(VIGIL_EINVAL, "%s", VIGIL_REPORT_NO_PDF);
    vigil_sbuf url = {0}, arg = {0};
    vigil_sbuf_printf(&url, "%s/report.html", abs);
    char *html = url.s;
    url = (vigil_sbuf){0};
    file_url(&url, html ? html : "");
    free(html);
    vigil_sbuf_printf(&arg, "--print-to-pdf=%s/report.pdf", abs);
    if (url.failed || arg.failed) {
        vigil_sbuf_free(&url);
        vigil_sbuf_free(&arg);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open("/dev/null", O_RDWR);
        if (fd >= 0) {
            dup2(fd, 0);
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execl(exe, "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
              "--run-all-compositor-stages-before-draw", arg.s, url.s, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    if (pid > 0)
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
    vigil_sbuf_free(&url);
    vigil_sbuf_free(&arg);
    char p[8400];
    snprintf(p, sizeof p, "%s/report.pdf", abs);
    struct stat ps;
    if (pid < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0 || stat(p, &ps) != 0 || ps.st_size < 100)
        return vigil_error_set(VIGIL_EIO, "%s: Chromium (%s) did not print report.html to report.pdf", shown, exe);
    chmod(p, 0600);
    return VIGIL_OK;
}

static char *page_html(const rdoc *d, const char *running, const char *title)
{
    vigil_sbuf h = {0}, t = {0};
    vigil_html_escape(&t, title ? title : "vigil PCCP evidence report");
    const char *body = d->html.s ? d->html.s : "";
    /* page 1: the title, what the report is and its verdict, then the contents (up to the
     * first section heading), so the first page is not a table of contents alone */
    const char *h1 = strstr(body, "</h1>\n"), *h2 = h1 ? strstr(h1, "<h2") : NULL;
    size_t head = h2 ? (size_t)(h2 - body) : h1 ? (size_t)(h1 - body) + 6 : 0;
    vigil_sbuf_printf(&h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                          "<title>%s</title>\n<style>\n%s"
                          "@page{@top-center{content:\"%s\";font-size:7.5pt;color:#333}}\n</style>\n</head>\n<body>\n",
                      t.s ? t.s : "", k_css, running);
    int failed = t.failed;
    vigil_sbuf_free(&t);
    vigil_sbuf_append(&h, body, head);
    if (d->toc.s) vigil_sbuf_printf(&h, "<nav class=\"toc\"><h2 class=\"toc-title\">Contents</h2>\n<ul>\n%s</ul></nav>\n", d->toc.s);
    vigil_sbuf_printf(&h, "%s<footer><p>Generated by vigil from stored runs only.</p></footer>\n</body>\n</html>\n",
                      body + head);
    if (h.failed || failed) {
        vigil_sbuf_free(&h);
        return NULL;
    }
    return h.s;
}

int vigil_report_write_dir(const char *dir, rdoc *d, const char *card, const vigil_report_dir_options *o)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') n--;
    if (n == 0 || n >= 4000) return vigil_error_set(VIGIL_EINVAL, "--out '%s': not a usable directory name", dir);
    char shown[4096], parent[4096], base[4096], tmp[8300], old[8300];
    snprintf(shown, sizeof shown, "%.*s", (int)n, dir);
    const char *slash = strrchr(shown, '/');
    if (!slash) {
        snprintf(parent, sizeof parent, ".");
        snprintf(base, sizeof base, "%s", shown);
    } else {
        snprintf(parent, sizeof parent, "%.*s", slash == shown ? 1 : (int)(slash - shown), shown);
        snprintf(base, sizeof base, "%s", slash + 1);
    }
    if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return vigil_error_set(VIGIL_EINVAL, "--out '%s': name the report directory itself (not . or ..)", dir);
    int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pfd < 0) return vigil_error_set(VIGIL_EIO, "--out '%s': cannot open its parent directory '%s' (%s)", shown, parent, strerror(errno));
    char why[300];
    int kind = classify(pfd, base, shown, why, sizeof why), rc = VIGIL_OK;
    if (kind < 0) {
        close(pfd);
        return kind;
    }
    if (kind == OUT_FOREIGN && !o->force) {
        close(pfd);
        return vigil_error_set(VIGIL_EINVAL,
                               "--out '%s' is not empty and is not a report vigil wrote (it holds '%s'); choose a new or "
                               "empty directory, or pass --force to write the report's files into it (nothing else in it "
                               "is removed)", shown, why);
    }
    char pabs[PATH_MAX];
    if (!realpath(parent, pabs)) {
        close(pfd);
        return vigil_error_set(VIGIL_EIO, "--out '%s': cannot resolve '%s' (%s)", shown, parent, strerror(errno));
    }
    snprintf(tmp, sizeof tmp, "%s/%s.tmp-XXXXXX", pabs, base);
    if (!mkdtemp(tmp)) {
        close(pfd);
        return vigil_error_set(VIGIL_EIO, "--out '%s': cannot create a temporary directory beside it (%s)", shown, strerror(errno));
    }
    const char *tname = strrchr(tmp, '/') + 1;
    int tfd = open_dir_at(pfd, tname);
    char *html = page_html(d, o->running_header ? o->running_header : "", o->title);
    char *ev = cJSON_PrintBuffered(d->evidence, 1 << 16, 1);
    if (tfd < 0) rc = vigil_error_set(VIGIL_EIO, "%s: cannot open (%s)", tmp, strerror(errno));
    else if (!html || !ev) rc = vigil_error_set(VIGIL_ENOMEM, "out of memory writing the report");
    if (!rc) rc = write_file(tfd, tmp, "report.html", html);
    if (!rc) rc = write_file(tfd, tmp, "report.md", d->md.s ? d->md.s : "");
    for (size_t i = 0; !rc && i < d->n_plots; i++) {
        if (!d->plots[i].svg) continue;
        char name[64];
        snprintf(name, sizeof name, "plot-%s.svg", d->plots[i].name);
        vigil_sbuf svg = {0};
        vigil_sbuf_printf(&svg, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n%s\n", d->plots[i].svg);
        rc = svg.failed ? vigil_error_set(VIGIL_ENOMEM, "out of memory") : write_file(tfd, tmp, name, svg.s);
        vigil_sbuf_free(&svg);
    }
    if (!rc && card) rc = write_file(tfd, tmp, "model-card.xml", card); /* a monitor record has none */
    if (!rc && o->pdf) rc = print_pdf(tmp, shown);
    /* evidence.json last: its presence marks a finished report directory. */
    if (!rc) rc = write_file(tfd, tmp, "evidence.json", ev);
    free(html);
    free(ev);
    if (!rc && kind == OUT_FOREIGN) {
        /* --force: move each file into the directory, replacing only files of the same name */
        int dfd = open_dir_at(pfd, base);
        if (dfd < 0) rc = vigil_error_set(VIGIL_EIO, "%s: cannot open (%s)", shown, strerror(errno));
        DIR *dd = rc ? NULL : fdopendir(dup(tfd));
        struct dirent *e;
        while (!rc && dd && (e = readdir(dd)) != NULL)
            if (our_name(e->d_name) && strcmp(e->d_name, "evidence.json") != 0 &&
                renameat(tfd, e->d_name, dfd, e->d_name) != 0)
                rc = vigil_error_set(VIGIL_EIO, "%s/%s: cannot write (%s)", shown, e->d_name, strerror(errno));
        if (dd) closedir(dd);
        if (!rc && renameat(tfd, "evidence.json", dfd, "evidence.json") != 0)
            rc = vigil_error_set(VIGIL_EIO, "%s/evidence.json: cannot write (%s)", shown, strerror(errno));
        if (dfd >= 0) close(dfd);
    } else if (!rc && kind == OUT_OURS) {
        snprintf(old, sizeof old, "%s/%s.old-XXXXXX", pabs, base);
        const char *oname = strrchr(old, '/') + 1;
        if (!mkdtemp(old)) rc = vigil_error_set(VIGIL_EIO, "--out '%s': cannot create a directory beside it (%s)", shown, strerror(errno));
        else if (renameat(pfd, base, pfd, oname) != 0) {
            rc = vigil_error_set(VIGIL_EIO, "%s: cannot replace (%s)", shown, strerror(errno));
            unlinkat(pfd, oname, AT_REMOVEDIR);
        } else if (renameat(pfd, tname, pfd, base) != 0) {
            rc = vigil_error_set(VIGIL_EIO, "%s: cannot rename %s into place (%s)", shown, tmp, strerror(errno));
            renameat(pfd, oname, pfd, base);
        } else
            remove_ours(pfd, oname);
    } else if (!rc && renameat(pfd, tname, pfd, base) != 0) /* absent or empty (rename replaces an empty directory) */
        rc = vigil_error_set(VIGIL_EIO, "%s: cannot rename %s into place (%s)", shown, tmp, strerror(errno));
    if (tfd >= 0) close(tfd);
    remove_ours(pfd, tname); /* a failure's half-written files; nothing when renamed into place */
    close(pfd);
    return rc;
}
