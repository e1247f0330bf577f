/* Running gnuplot for report plots: a private temporary directory, the script on disk, the
 * SVG read back. gnuplot is looked up on PATH each time, so a machine without it still gets
 * a report (with a note where each plot would be). */
#include "report/report_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int vigil_find_exe(const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    const char *path = getenv("PATH");
    if (!path || !*path) return 0;
    const char *p = path;
    while (*p) {
        const char *e = strchr(p, ':');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len > 0 && len + nl + 2 < cap) {
            snprintf(out, cap, "%.*s/%s", (int)len, p, name);
            if (access(out, X_OK) == 0) return 1;
        }
        if (!e) break;
        p = e + 1;
    }
    return 0;
}

int vigil_plot_available(void)
{
    char g[4096];
    return vigil_find_exe("gnuplot", g, sizeof g);
}

void vigil_gp_str(vigil_sbuf *b, const char *s)
{
    vigil_sbuf_append(b, "'", 1);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '\'') vigil_sbuf_append(b, "''", 2);
        else if (*p < 0x20 || *p == 0x7f) vigil_sbuf_append(b, " ", 1);
        else vigil_sbuf_append(b, (const char *)p, 1);
    }
    vigil_sbuf_append(b, "'", 1);
}

/* Copy the SVG from "<svg" on, renaming gnuplot's fixed ids (gpPt0, gnuplot_canvas, ...) with a
 * per-plot prefix so that several plots inline in one page keep unique ids. */
static char *rewrite_svg(const char *svg, const char *prefix)
{
    const char *s = strstr(svg, "<svg");
    if (!s) return NULL;
    vigil_sbuf b = {0};
    while (*s) {
        if (strncmp(s, "id='", 4) == 0 || strncmp(s, "id=\"", 4) == 0) {
            vigil_sbuf_append(&b, s, 4);
            vigil_sbuf_printf(&b, "%s_", prefix);
            s += 4;
        } else if ((strncmp(s, "'#", 2) == 0 || strncmp(s, "\"#", 2) == 0 || strncmp(s, "(#", 2) == 0) &&
                   (strncmp(s + 2, "gp", 2) == 0 || strncmp(s + 2, "gnuplot", 7) == 0)) {
            /* a reference to a gnuplot id; '#0072B2' colours are left alone */
            vigil_sbuf_append(&b, s, 2);
            vigil_sbuf_printf(&b, "%s_", prefix);
            s += 2;
        } else {
            vigil_sbuf_append(&b, s, 1);
            s++;
        }
    }
    if (b.failed) {
        vigil_sbuf_free(&b);
        return NULL;
    }
    return b.s;
}

char *vigil_plot_run(const char *script, const char *prefix, const char **why)
{
    char gp[4096], dir[] = "/tmp/vigil-plot-XXXXXX", path[128], out[128], err[128];
    char *svg = NULL, *text = NULL;
    size_t len = 0;
    if (!vigil_find_exe("gnuplot", gp, sizeof gp)) {
        *why = "gnuplot was not found on PATH";
        return NULL;
    }
    if (!mkdtemp(dir)) {
        *why = "a temporary directory for gnuplot could not be created";
        return NULL;
    }
    snprintf(path, sizeof path, "%s/plot.gp", dir);
    snprintf(out, sizeof out, "%s/plot.svg", dir);
    snprintf(err, sizeof err, "%s/err.txt", dir);
    FILE *f = fopen(path, "w");
    if (!f || fputs(script, f) < 0 || fclose(f) != 0) {
        if (f) fclose(f);
        *why = "the gnuplot script could not be written";
        goto done;
    }
    pid_t pid = fork();
    if (pid < 0) {
        *why = "gnuplot could not be started";
        goto done;
    }
    if (pid == 0) {
        int fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, 2);
            dup2(fd, 1);
            close(fd);
        }
        if (chdir(dir) != 0) _exit(127);
        execl(gp, "gnuplot", "plot.gp", (char *)NULL);
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        *why = "gnuplot failed on this plot's script";
        goto done;
    }
    if (vigil_read_file(out, &text, &len) != 0 || len == 0) {
        *why = "gnuplot wrote no SVG";
        goto done;
    }
    if (!(svg = rewrite_svg(text, prefix))) *why = "gnuplot's output was not SVG";
done:
    free(text);
    unlink(path);
    unlink(out);
    unlink(err);
    rmdir(dir);
    return svg;
}

char *vigil_plot_finish(vigil_sbuf *b, const char *prefix, const char **why)
{
    char *svg = NULL;
    if (b->failed) *why = "out of memory building the plot";
    else svg = vigil_plot_run(b->s, prefix, why);
    vigil_sbuf_free(b);
    return svg;
}
