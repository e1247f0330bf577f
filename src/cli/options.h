/* The CLI's option tables, after git's parse-options: one table per command drives both the
 * parsing and the options part of its --help, so the two cannot disagree.
 *
 * Adopting it in a command (cmd_history.c is the shortest example):
 *
 *   static struct { cli_common c; const char *kind, *name; } A;   // file scope: the table
 *                                                                   // points into it
 *   static const cli_option opts[] = {
 *       CLI_OPT_STRING("kind", 0, "K", "only runs of this kind", &A.kind),
 *       CLI_OPTS_DB(&A.c),                  // shared groups: --db (and --no-store below)
 *       CLI_OPTS_FORMAT(&A.c),
 *       CLI_OPT_END
 *   };
 *   const cli_spec cmd_history_spec = {"history", cmd_history_help, opts, epilogue_or_NULL};
 *
 *   int cmd_history(int argc, char **argv)
 *   {
 *       memset(&A, 0, sizeof A);            // defaults go here, before parsing
 *       int npos, rc = cli_options_parse(&cmd_history_spec, argc, argv, &npos);
 *       if (rc) return rc < 0 ? VIGIL_EXIT_OK : rc;    // -1: --help was printed
 *       ... argv[1..npos] are the positional arguments, in order
 *   }
 *
 * and VIGIL_COMMAND_OPTS(history) in commands.h, CMD_OPTS(history, "summary") in main.c,
 * instead of VIGIL_COMMAND(...) and CMD(...): the help text
 * `vigil help history` and `vigil history --help` print is then cmd_history_help (the usage
 * line and the prose, ending with a blank line), the generated option list, and the spec's
 * epilogue. Write each option's help as it should read; a '\n' in it starts a continuation line,
 * which the generator indents.
 *
 * Parsing: --name VALUE and --name=VALUE; -x VALUE and -xVALUE for an option with a short name;
 * an unambiguous prefix of a long name (as getopt_long and git accept); "--" ends the options.
 * A repeated option overwrites the earlier value, except CLI_OPT_LIST, which collects every
 * occurrence (at most CLI_LIST_MAX). Errors print one usage message (cli_usage: "vigil CMD: ...",
 * then "see 'vigil help CMD'") and make the parser return VIGIL_EXIT_USAGE (2):
 *   unknown option '--bakend'; did you mean '--backend'?
 *   option '--model' needs a value          option '--mmd' takes no value
 *   --threads expects a non-negative integer, got 'many'
 *   --alpha expects a number, got 'x'       --correction expects holm, bh or none, got 'sidak'
 *   at most 32 --allow-column options
 * Whether an option is required, and checks between options, stay with the command. Where a
 * given value must be told from an absent one (explain --samples 0 is an error, no --samples
 * the library's default), the command starts the destination at a value no one means
 * (SIZE_MAX) and checks for it after parsing. The shared
 * --backend and --format are plain strings: cli_parse_backend / cli_parse_format check them
 * after parsing, with the messages scripts already match. */
#ifndef VIGIL_CLI_OPTIONS_H
#define VIGIL_CLI_OPTIONS_H

#include "vigil/phi.h"

#include <stddef.h>
#include <stdio.h>

#define CLI_LIST_MAX 32

typedef enum {
    CLI_OPT_END_ = 0,
    CLI_OPT_FLAG_,   /* no value; dest int *, set to 1 */
    CLI_OPT_STRING_, /* dest const char **, pointing into argv */
    CLI_OPT_SIZE_,   /* a non-negative integer; dest size_t * */
    CLI_OPT_DOUBLE_, /* a number (not NaN); dest double * */
    CLI_OPT_LIST_,   /* repeatable string; dest cli_list * */
    CLI_OPT_SUB_,    /* a subcommand, not an option; dest const cli_spec * (its table) */
} cli_opt_kind;

typedef struct {
    char *v[CLI_LIST_MAX]; /* into argv, in the order given */
    size_t n;
} cli_list;

typedef struct {
    cli_opt_kind kind;
    const char *name;    /* long name, without "--" */
    char short_name;     /* 0: none */
    const char *arg;     /* the value's placeholder in --help ("FILE"); NULL for a flag */
    const char *help;    /* '\n' starts an indented continuation line */
    void *dest;
    const char *choices; /* CLI_OPT_STRING: "a|b|c" lists the only values accepted, or NULL */
} cli_option;

#define CLI_OPT_FLAG(name, s, help, dest) {CLI_OPT_FLAG_, name, s, NULL, help, dest, NULL}
#define CLI_OPT_STRING(name, s, arg, help, dest) {CLI_OPT_STRING_, name, s, arg, help, dest, NULL}
#define CLI_OPT_CHOICE(name, s, arg, choices, help, dest)                                        \
    {CLI_OPT_STRING_, name, s, arg, help, dest, choices}
#define CLI_OPT_SIZE(name, s, arg, help, dest) {CLI_OPT_SIZE_, name, s, arg, help, dest, NULL}
#define CLI_OPT_DOUBLE(name, s, arg, help, dest) {CLI_OPT_DOUBLE_, name, s, arg, help, dest, NULL}
#define CLI_OPT_LIST(name, s, arg, help, dest) {CLI_OPT_LIST_, name, s, arg, help, dest, NULL}
/* A subcommand (as git's OPT_SUBCOMMAND, "stash push"): it parses with a table of its own
 * (sub_spec, whose name stays the command's, for messages); the command's help lists each
 * subcommand's options under "<name> options:". See cli_options_find_sub. */
#define CLI_OPT_SUBCOMMAND(name, sub_spec) {CLI_OPT_SUB_, name, 0, NULL, NULL, (void *)(sub_spec), NULL}
#define CLI_OPT_END {CLI_OPT_END_, NULL, 0, NULL, NULL, NULL, NULL}

/* The options several commands share, so that they are spelt, parsed and explained alike. */
typedef struct {
    const char *model, *data; /* --model, --data */
    const char *backend;      /* --backend auto|cpu|cuda (NULL: not given) */
    size_t threads;           /* --threads (0: all cores) */
    const char *format;       /* --format table|json (NULL: table) */
    const char *db;           /* --db */
    int no_store;             /* --no-store */
    cli_list allow;           /* --allow-column C=WHY, every occurrence */
} cli_common;

#define CLI_OPTS_DATA_MODEL(c)                                                                  \
    CLI_OPT_STRING("model", 0, "M", "model file", &(c)->model),                                 \
        CLI_OPT_STRING("data", 0, "F.csv", "case file", &(c)->data)
#define CLI_OPTS_BACKEND_THREADS(c)                                                             \
    CLI_OPT_STRING("backend", 0, "B",                                                           \
                   "auto (default: CUDA when a device answers, else CPU), cpu or cuda",         \
                   &(c)->backend),                                                              \
        CLI_OPT_SIZE("threads", 0, "N", "CPU threads (default: all cores)", &(c)->threads)
#define CLI_OPTS_FORMAT(c)                                                                      \
    CLI_OPT_STRING("format", 0, "F", "'table' (default) or 'json'", &(c)->format)
#define CLI_OPTS_DB(c)                                                                          \
    CLI_OPT_STRING("db", 0, "FILE", "the run store (default: $VIGIL_DB, else ./vigil.db)",      \
                   &(c)->db)
#define CLI_OPTS_DB_NO_STORE(c)                                                                 \
    CLI_OPTS_DB(c), CLI_OPT_FLAG("no-store", 0, "do not record the run in the store", &(c)->no_store)
#define CLI_OPTS_ALLOW_COLUMN(c)                                                                \
    CLI_OPT_LIST("allow-column", 0, "C=WHY",                                                    \
                 "let column C through the PHI guard, with a justification\n(repeatable)",      \
                 &(c)->allow)

typedef struct cli_spec {
    const char *name;       /* the command, for messages */
    const char *usage;      /* help text before the option list (usage line, prose, blank line) */
    const cli_option *opts; /* ends with CLI_OPT_END */
    const char *epilogue;   /* help text after the option list, or NULL */
} cli_spec;

/* Parse argv[1..argc-1] (argv[0] is the command name) into the table's destinations. The
 * positional arguments are moved to argv[1..*npos], in order. Returns 0; VIGIL_EXIT_USAGE after
 * printing the usage message; or -1 after printing the help for -h/--help (the command then
 * returns VIGIL_EXIT_OK). */
int cli_options_parse(const cli_spec *spec, int argc, char **argv, int *npos);

/* For a table with CLI_OPT_SUBCOMMAND entries: the index in argv of the subcommand word (the
 * first word that is neither an option nor the value of one of the subcommands' options, so
 * options may come before it), or 0 when there is none; *sub is its table, or NULL when the
 * word names no subcommand. The command then takes the word out of argv and parses the rest
 * with *sub. */
int cli_options_find_sub(const cli_spec *spec, int argc, char **argv, const struct cli_spec **sub);
/* A command with subcommands (`vigil audit verify`, `vigil cases join`): finds the subcommand
 * among top's, takes it out of argv, parses its options (dflt's when none was given, so that
 * `--help` still answers), and refuses a missing or unknown subcommand, or a stray argument,
 * naming what was expected ("verify, keygen, checkpoint or sign"). 0 with *spec set; < 0 when
 * help was printed (exit 0); else the exit status of the usage error. */
int cli_parse_subcommand(const cli_spec *top, const cli_spec *dflt, const char *expected, int *argc, char **argv,
                         const cli_spec **spec);

/* The whole help text (usage, the option list, each subcommand's list, the epilogue),
 * malloc'ed; NULL when out of memory. */
char *cli_options_help(const cli_spec *spec);

/* Write the option list alone to f. */
void cli_options_write(const cli_option *opts, FILE *f);

/* cli_common.allow as vigil_phi_allow entries (cli_parse_allow's checks and messages), into
 * allow[CLI_LIST_MAX]. Splits the argv strings in place. Returns 0 or VIGIL_EXIT_USAGE. */
int cli_common_allow(const char *cmd, cli_common *c, vigil_phi_allow *allow, size_t *n);

/* Levenshtein distance (99 for strings over 63 bytes), for "did you mean" hints. */
size_t cli_edit_distance(const char *a, const char *b);

#endif
