/* Option tables: parsing and generated help; see options.h. */
#include "cli/options.h"
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

size_t cli_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];
    if (la > 63 || lb > 63) return 99;
    for (size_t j = 0; j <= lb; j++) prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, sizeof cur);
    }
    return prev[lb];
}

/* arg is the word as given, name (len bytes) the option's name in it, without dashes or value. */
static int unknown(const cli_spec *spec, const char *arg, const char *name, size_t len)
{
    char given[64], shown[80];
    const char *best = NULL;
    size_t bd = 99;
    if (len >= sizeof given) len = sizeof given - 1;
    memcpy(given, name, len);
    given[len] = '\0';
    snprintf(shown, sizeof shown, "%.*s%s", arg[1] == '-' ? 2 : 1, arg, given);
    for (const cli_option *o = spec->opts; o->kind; o++) {
        if (o->kind == CLI_OPT_SUB_) continue;
        size_t d = cli_edit_distance(given, o->name);
        if (d < bd) {
            bd = d;
            best = o->name;
        }
    }
    /* Two edits catch the usual typos; further away a hint misleads more than it helps. */
    if (best && len > 1 && bd <= 2)
        return cli_usage(spec->name, "unknown option '%s'; did you mean '--%s'?", shown, best);
    return cli_usage(spec->name, "unknown option '%s'", shown);
}

/* The long option `name` (len bytes) names: exact, else the one option it is a prefix of. */
static int find_long(const cli_spec *spec, const char *arg, const char *name, size_t len,
                     const cli_option **out)
{
    const cli_option *hit = NULL;
    size_t n_hits = 0;
    for (const cli_option *o = spec->opts; o->kind; o++) {
        if (o->kind == CLI_OPT_SUB_ || strncmp(o->name, name, len) != 0) continue;
        if (o->name[len] == '\0') {
            *out = o;
            return 0;
        }
        hit = o;
        n_hits++;
    }
    if (n_hits == 1 && len > 0) {
        *out = hit;
        return 0;
    }
    if (n_hits > 1) {
        char list[256] = "";
        for (const cli_option *o = spec->opts; o->kind; o++)
            if (o->kind != CLI_OPT_SUB_ && strncmp(o->name, name, len) == 0 && strlen(list) + strlen(o->name) + 5 < sizeof list) {
                if (*list) strcat(list, ", ");
                strcat(list, "--");
                strcat(list, o->name);
            }
        return cli_usage(spec->name, "option '%s' is ambiguous (%s)", arg, list);
    }
    return unknown(spec, arg, name, len);
}

/* "a|b|c" -> "a, b or c" for the message. */
static void choices_text(const char *choices, char *buf, size_t cap)
{
    size_t n = 0, k = 0, bars = 0;
    for (const char *p = choices; *p; p++) bars += *p == '|';
    for (const char *p = choices; *p && n + 5 < cap; p++) {
        if (*p != '|') {
            buf[n++] = *p;
            continue;
        }
        const char *sep = ++k == bars ? " or " : ", ";
        size_t l = strlen(sep);
        memcpy(buf + n, sep, l);
        n += l;
    }
    buf[n] = '\0';
}

static int is_choice(const char *choices, const char *v)
{
    size_t lv = strlen(v);
    for (const char *p = choices; *p;) {
        const char *e = strchr(p, '|');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == lv && strncmp(p, v, l) == 0) return 1;
        p += l + (e != NULL);
    }
    return 0;
}

static int store(const cli_spec *spec, const cli_option *o, char *v)
{
    char opt[80];
    snprintf(opt, sizeof opt, "--%s", o->name);
    switch (o->kind) {
    case CLI_OPT_STRING_:
        if (o->choices && !is_choice(o->choices, v)) {
            char list[200];
            choices_text(o->choices, list, sizeof list);
            return cli_usage(spec->name, "%s expects %s, got '%s'", opt, list, v);
        }
        *(const char **)o->dest = v;
        return 0;
    case CLI_OPT_SIZE_: return cli_parse_size(spec->name, opt, v, o->dest);
    case CLI_OPT_DOUBLE_: return cli_parse_double(spec->name, opt, v, o->dest);
    case CLI_OPT_LIST_: {
        cli_list *l = o->dest;
        if (l->n == CLI_LIST_MAX) return cli_usage(spec->name, "at most %d %s options", CLI_LIST_MAX, opt);
        l->v[l->n++] = v;
        return 0;
    }
    default: return 0;
    }
}

int cli_options_parse(const cli_spec *spec, int argc, char **argv, int *npos)
{
    int pos = 0, rc;
    *npos = 0;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i], *value = NULL;
        const cli_option *o = NULL;
        if (strcmp(a, "--") == 0) {
            while (++i < argc) argv[1 + pos++] = argv[i];
            break;
        }
        if (a[0] != '-' || a[1] == '\0') { /* a positional argument ("-" is one, as stdin) */
            argv[1 + pos++] = a;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            char *help = cli_options_help(spec);
            if (help) fputs(help, stdout);
            free(help);
            return -1;
        }
        if (a[1] == '-') {
            char *eq = strchr(a + 2, '=');
            size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
            if ((rc = find_long(spec, a, a + 2, len, &o)) != 0) return rc;
            if (eq) value = eq + 1;
        } else {
            for (const cli_option *s = spec->opts; s->kind && !o; s++)
                if (s->kind != CLI_OPT_SUB_ && s->short_name && s->short_name == a[1]) o = s;
            if (!o) return unknown(spec, a, a + 1, strlen(a + 1));
            if (a[2]) value = a + 2;
        }
        if (o->kind == CLI_OPT_FLAG_) {
            if (value) return cli_usage(spec->name, "option '--%s' takes no value", o->name);
            *(int *)o->dest = 1;
            continue;
        }
        if (!value) {
            if (i + 1 >= argc) return cli_usage(spec->name, "option '%s' needs a value", a);
            value = argv[++i];
        }
        if ((rc = store(spec, o, value)) != 0) return rc;
    }
    *npos = pos;
    return 0;
}

/* "  -x, --name ARG" as it appears in the list. */
static size_t head(const cli_option *o, char *buf, size_t cap)
{
    int n = o->short_name ? snprintf(buf, cap, "  -%c, --%s", o->short_name, o->name)
                          : snprintf(buf, cap, "  --%s", o->name);
    if (o->arg && n >= 0 && (size_t)n < cap) n += snprintf(buf + n, cap - (size_t)n, " %s", o->arg);
    return n < 0 ? 0 : (size_t)n;
}

void cli_options_write(const cli_option *opts, FILE *f)
{
    enum { MAX_COL = 21 }; /* a longer head gets its text after two spaces instead */
    char buf[128];
    size_t col = 0;
    for (const cli_option *o = opts; o->kind; o++) {
        if (o->kind == CLI_OPT_SUB_) continue;
        size_t l = head(o, buf, sizeof buf) + 2;
        if (l > col && l <= MAX_COL) col = l;
    }
    for (const cli_option *o = opts; o->kind; o++) {
        if (o->kind == CLI_OPT_SUB_) continue;
        size_t l = head(o, buf, sizeof buf);
        fputs(buf, f);
        fprintf(f, "%*s", (int)(l + 2 > col ? 2 : col - l), "");
        for (const char *p = o->help ? o->help : ""; *p; p++) {
            fputc(*p, f);
            if (*p == '\n' && p[1]) fprintf(f, "%*s", (int)col, "");
        }
        fputc('\n', f);
    }
}

/* Whether --name (len bytes, or a prefix of it) takes a value in any subcommand's table. */
static int sub_takes_value(const cli_spec *spec, const char *name, size_t len)
{
    for (const cli_option *s = spec->opts; s->kind; s++) {
        if (s->kind != CLI_OPT_SUB_) continue;
        for (const cli_option *o = ((const cli_spec *)s->dest)->opts; o->kind; o++)
            if (o->kind != CLI_OPT_FLAG_ && o->kind != CLI_OPT_SUB_ && strncmp(o->name, name, len) == 0)
                return 1;
    }
    return 0;
}

int cli_options_find_sub(const cli_spec *spec, int argc, char **argv, const cli_spec **sub)
{
    *sub = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            if (++i >= argc) return 0;
            a = argv[i];
        } else if (a[0] == '-' && a[1] != '\0') {
            if (a[1] == '-' && !strchr(a, '=') && sub_takes_value(spec, a + 2, strlen(a + 2))) i++;
            continue;
        }
        for (const cli_option *o = spec->opts; o->kind; o++)
            if (o->kind == CLI_OPT_SUB_ && strcmp(o->name, a) == 0) *sub = o->dest;
        return i;
    }
    return 0;
}

char *cli_options_help(const cli_spec *spec)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) return NULL;
    fputs(spec->usage, f);
    cli_options_write(spec->opts, f);
    int listed = 0;
    for (const cli_option *o = spec->opts; o->kind; o++) listed |= o->kind != CLI_OPT_SUB_;
    for (const cli_option *o = spec->opts; o->kind; o++) {
        if (o->kind != CLI_OPT_SUB_) continue;
        if (listed++) fputc('\n', f);
        fprintf(f, "%s options:\n", o->name);
        cli_options_write(((const cli_spec *)o->dest)->opts, f);
    }
    if (spec->epilogue) {
        fputc('\n', f);
        fputs(spec->epilogue, f);
    }
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

int cli_common_allow(const char *cmd, cli_common *c, vigil_phi_allow *allow, size_t *n)
{
    *n = 0;
    for (size_t i = 0; i < c->allow.n; i++)
        if (cli_parse_allow(cmd, c->allow.v[i], allow, n, CLI_LIST_MAX)) return VIGIL_EXIT_USAGE;
    return VIGIL_EXIT_OK;
}

int cli_parse_subcommand(const cli_spec *top, const cli_spec *dflt, const char *expected, int *argc, char **argv,
                         const cli_spec **spec)
{
    int npos, at = cli_options_find_sub(top, *argc, argv, spec);
    const char *sub = at ? argv[at] : NULL;
    if (*spec) {
        memmove(argv + at, argv + at + 1, (size_t)(*argc - at - 1) * sizeof *argv);
        (*argc)--;
    }
    int rc = cli_options_parse(*spec ? *spec : dflt, *argc, argv, &npos);
    if (rc) return rc;
    if (!sub) return cli_usage(top->name, "missing subcommand (expected %s)", expected);
    if (!*spec) return cli_usage(top->name, "unknown subcommand '%s' (expected %s)", sub, expected);
    if (npos > 0) return cli_usage(top->name, "unexpected argument '%s'", argv[1]);
    return 0;
}
