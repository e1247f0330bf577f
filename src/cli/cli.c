/* Shared CLI helpers; see cli.h. */
#include "cli/cli.h"
#include "vigil/phi.h"
#include "vigil/error.h"
#include "core/util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    char buf[4096];
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fprintf(stderr, "vigil %s: ", cmd);
    vigil_fputs_terminal(buf, stderr); /* a name from the command line or a file, escaped */
    fprintf(stderr, "\nsee 'vigil help %s'\n", cmd);
    return VIGIL_EXIT_USAGE;
}

int cli_fail(const char *cmd, int code)
{
    const char *msg = vigil_error_last();
    fprintf(stderr, "vigil %s: error: ", cmd);
    vigil_fputs_terminal(*msg ? msg : vigil_error_name(code), stderr);
    fputc('\n', stderr);
    return vigil_error_exit_status(code);
}

void cli_print_help(const char *cmd)
{
    for (size_t i = 0; i < cli_n_commands; i++)
        if (strcmp(cli_commands[i].name, cmd) == 0) {
            fputs(cli_commands[i].help, stdout);
            return;
        }
}

bool cli_wants_help(const char *cmd, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            cli_print_help(cmd);
            return true;
        }
    }
    return false;
}

const char *cli_db_path(const char *opt)
{
    if (opt && *opt) return opt;
    const char *env = getenv("VIGIL_DB");
    return env && *env ? env : "vigil.db";
}

int cli_parse_format(const char *cmd, const char *value)
{
    if (!value || strcmp(value, "table") == 0) return 0;
    if (strcmp(value, "json") == 0) return 1;
    cli_usage(cmd, "unknown format '%s' (expected 'table' or 'json')", value);
    return -1;
}

int cli_parse_delimiter(const char *cmd, const char *s, char *out)
{
    *out = ',';
    if (!s) return VIGIL_EXIT_OK;
    if (strcmp(s, "tab") == 0 || strcmp(s, "\\t") == 0 || strcmp(s, "\t") == 0) *out = '\t';
    else if (strlen(s) == 1 && strchr(",;|", s[0])) *out = s[0];
    else return cli_usage(cmd, "--delimiter: expected ',', ';', '|' or tab, not '%s'", s);
    return VIGIL_EXIT_OK;
}

void cli_out(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0 || !s) return;
    vigil_fputs_terminal(s, stdout); /* names from files: control characters escaped */
    free(s);
}

void cli_print_json(cJSON *doc)
{
    char *s = cJSON_PrintBuffered(doc, 1 << 16, 1);
    if (s) {
        fputs(s, stdout);
        fputc('\n', stdout);
        free(s);
    }
    cJSON_Delete(doc);
}

cJSON *cli_json_number(cJSON *obj, const char *key, double v)
{
    return isfinite(v) ? cJSON_AddNumberToObject(obj, key, v) : cJSON_AddNullToObject(obj, key);
}

int cli_parse_double(const char *cmd, const char *opt, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || isnan(v))
        return cli_usage(cmd, "%s expects a number, got '%s'", opt, s);
    *out = v;
    return 0;
}

int cli_parse_size(const char *cmd, const char *opt, const char *s, size_t *out)
{
    char *end;
    errno = 0;
    /* strtoull skips blanks and negates a '-': " -1" would read as SIZE_MAX */
    if (!(*s >= '0' && *s <= '9')) return cli_usage(cmd, "%s expects a non-negative integer, got '%s'", opt, s);
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno) return cli_usage(cmd, "%s expects a non-negative integer, got '%s'", opt, s);
    *out = (size_t)v;
    return 0;
}

static int progress_shown;

void cli_progress(const char *label, size_t done, size_t total)
{
    if (!isatty(STDERR_FILENO)) return;
    if (total) fprintf(stderr, "\r%s %zu/%zu (%.0f%%)", label, done, total, 100.0 * done / total);
    else fprintf(stderr, "\r%s %zu", label, done);
    progress_shown = 1;
}

void cli_progress_end(void)
{
    if (progress_shown) fputs("\r\033[K", stderr);
    progress_shown = 0;
}

int cli_parse_allow(const char *cmd, char *arg, void *allow, size_t *n, size_t cap)
{
    vigil_phi_allow *a = allow;
    char *eq = strchr(arg, '=');
    if (!eq || eq == arg || !eq[1])
        return cli_usage(cmd, "--allow-column expects COLUMN=JUSTIFICATION (why this column may be "
                         "used although it looks like an identifier), got '%s'", arg);
    if (*n == cap) return cli_usage(cmd, "at most %zu --allow-column options", cap);
    *eq = '\0';
    a[*n].column = arg;
    a[*n].justification = eq + 1;
    (*n)++;
    return VIGIL_EXIT_OK;
}

void cli_json_allow(cJSON *obj, const void *allow, size_t n)
{
    const vigil_phi_allow *a = allow;
    if (!n) return;
    cJSON *o = cJSON_AddObjectToObject(obj, "allow_columns");
    for (size_t i = 0; i < n; i++) cJSON_AddStringToObject(o, a[i].column, a[i].justification);
}
